"""The month loop: acquisition -> applications -> loans/repayments/collections -> activity ->
export. Each month draws from its own seed stream, so runs are reproducible bit for bit.

Futures (a loan's payments, a user's next application) are generated when they become known
and parked in the export buffer / application queue until their month is written, so memory is
bounded by open loans rather than by the whole history.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from simulator import activity, applications, channels, collections, fraud, loans, repayments, users
from simulator.buffer import ExportBuffer
from simulator.calendar import DAY, NA, postpone_for_holidays
from simulator.channels import CAMPAIGNS
from simulator.config import SimulationConfig
from simulator.frame import Frame, concat, take
from simulator.imperfections import Rates
from simulator.schema import build_sources
from simulator.writer import write_month


class Population:
    """Growing per-user arrays (attributes + behavioural state), indexed by user index."""

    def __init__(self) -> None:
        self.a: Frame = {}
        self.state: Frame = {}

    def add(self, attrs: Frame) -> None:
        n = len(attrs["user_idx"])
        st = {"active": np.ones(n, bool), "last_reject": np.full(n, NA),
              "loan_until": np.full(n, NA), "bad_since": np.full(n, NA)}
        self.a = concat([self.a, attrs]) if self.a else attrs
        self.state = concat([self.state, st]) if self.state else st

    def __len__(self) -> int:
        return len(self.a["user_idx"]) if self.a else 0


class Simulation:
    def __init__(self, out: Path, cfg: SimulationConfig):
        self.out, self.cfg = Path(out), cfg
        self.sources = build_sources(CAMPAIGNS)
        bounds = cfg.month_bounds()
        self.bounds = bounds
        starts = np.array([a for a, _ in bounds] + [bounds[-1][1]], dtype=np.int64)
        self.buf = ExportBuffer(self.sources, starts, cfg.end_day,
                                Rates(cfg.error_rate, cfg.duplicate_rate, cfg.late_rate))
        self.month_starts = starts
        self.pop = Population()
        self.queue: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        self.next = defaultdict(int)
        self.written = {s: 0 for s in self.sources}
        self.status_updates = 0
        self.n_agents = max(8, cfg.scale // 150)
        self.salt = int(np.random.default_rng(cfg.seed).integers(0, 10**8))
        self.rings = 0
        self.fraud_users: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def _ids(self, kind: str, n: int) -> np.ndarray:
        start = self.next[kind] + 1
        self.next[kind] += n
        return np.arange(start, start + n, dtype=np.int64)

    def _add(self, source: str, frame: Frame, rng: np.random.Generator, id_col: str | None,
             kind: str | None = None) -> None:
        if id_col is not None:
            frame[id_col] = self._ids(kind or id_col, len(frame[next(iter(frame))]))
        if "_day" not in frame:
            ts = next(c.name for c in self.sources[source].cols if c.kind == "ts")
            frame["_day"] = frame[ts] // DAY
        self.buf.add(source, frame, rng)

    def _enqueue(self, user_idx: np.ndarray, ts: np.ndarray, rng: np.random.Generator) -> None:
        """Queue future applications by month; holiday demand dips postpone some of them."""
        ts = np.where(ts == NA, NA, postpone_for_holidays(rng, ts))
        ok = (ts != NA) & (ts // DAY <= self.cfg.end_day)
        user_idx, ts = user_idx[ok], ts[ok]
        month = np.searchsorted(self.month_starts, ts // DAY, side="right") - 1
        for mth in np.unique(month):
            sel = month == mth
            self.queue[int(mth)].append((user_idx[sel], ts[sel]))

    # ---------------------------------------------------------------- month steps
    def acquisition(self, rng: np.random.Generator, days: np.ndarray) -> None:
        touches, regs, nv = channels.journeys(rng, days, self.cfg.scale, self.next["visitor"])
        self.next["visitor"] += nv
        nreg = len(regs["visitor_id"])
        uidx = self._ids("user", nreg)
        touches["user_id"] = np.full(len(touches["visitor_id"]), -1)
        attrs, rows = users.create_users(rng, uidx, regs["visitor_id"], regs["registered_at"],
                                         regs["channel"], self.salt)
        post = channels.post_registration_touches(rng, uidx, regs["visitor_id"],
                                                  regs["registered_at"])
        tp = concat([touches, post])
        order = np.lexsort((tp["touched_at"],))
        self._add("touchpoints", take(tp, order), rng, "touch_id")
        self._add("users", concat([rows, users.profile_updates(rng, rows, self.salt)]), rng, None)
        self.pop.add({**attrs, "user_idx": uidx - 1})
        first = applications.first_application_times(rng, regs["registered_at"])
        self._enqueue(uidx - 1, first, rng)

    def fraud_rings(self, rng: np.random.Generator, days: np.ndarray, month: int) -> None:
        """This month's fraud rings (simulator/fraud.py): new users through one affiliate
        campaign, shared identities, burst applications; their labels stay in the simulator."""
        n_rings = fraud.rings_in_month(self.cfg.fraud_rate, self.cfg.scale, month)
        if not n_rings:
            return
        p = fraud.plan(rng, days, n_rings, self.rings)
        self.rings += n_rings
        n = len(p.ring)
        visitor = self._ids("visitor", n) - 1  # 0-based like journeys(): continue the sequence
        uidx = self._ids("user", n)
        channel = np.full(n, fraud.AFFILIATE)
        touches = {"visitor_id": visitor, "channel": channel.astype(np.int64),
                   "campaign_id": np.full(n, fraud.FRAUD_CAMPAIGN, np.int64),
                   "touch_type": np.full(n, 1, np.int64), "touched_at": p.touch_ts,
                   "user_id": np.full(n, -1)}
        self._add("touchpoints", touches, rng, "touch_id")
        attrs, rows = users.create_users(rng, uidx, visitor, p.reg_ts, channel, self.salt)
        fraud.share_identities(p, rows, attrs)
        fraud.clean_profile(attrs)
        self._add("users", rows, rng, None)
        self.pop.add({**attrs, "user_idx": uidx - 1})
        self._enqueue(uidx - 1, p.apply_ts, rng)
        twice = p.second_ts >= 0
        self._enqueue(uidx[twice] - 1, p.second_ts[twice], rng)
        self.fraud_users.append((uidx, p.ring, p.kind))

    def lending(self, rng: np.random.Generator, month: int) -> None:
        while self.queue.get(month):
            batch = self.queue.pop(month)
            u_idx = np.concatenate([b[0] for b in batch])
            ts = np.concatenate([b[1] for b in batch])
            order = np.lexsort((u_idx, ts))
            u_idx, ts = u_idx[order], ts[order]
            self._lend_batch(rng, u_idx, ts)

    def _lend_batch(self, rng: np.random.Generator, u_idx: np.ndarray, ts: np.ndarray) -> None:
        st, a = self.pop.state, self.pop.a
        attrs = take(a, u_idx)
        app_ids = self._ids("application", len(u_idx))
        apps, rows = applications.build(rng, u_idx, ts, attrs, st["bad_since"][u_idx],
                                        int(app_ids[0]) if len(app_ids) else 1)
        rows["user_id"] = rows["user_id"] + 1
        self.status_updates += len(rows["user_id"]) - len(u_idx)
        self._add("applications", rows, rng, None)
        starts = applications.apply_start_events(rng, u_idx + 1, ts, attrs["reg_ts"])
        self._add("app_events", starts, rng, "event_id", "event")
        rej = ~apps["approved"]
        st["last_reject"][u_idx[rej]] = apps["decided"][rej] // DAY
        self._enqueue(*applications.reapply_after_reject(rng, apps), rng)
        take_up = np.flatnonzero(apps["approved"] & ~apps["cancelled"])
        la = take(apps, take_up)
        if not len(take_up):
            return
        loan_id = self._ids("loan", len(take_up))
        loan_rows = loans.loan_rows(la, loan_id)
        loan_rows["user_id"] = loan_rows["user_id"] + 1  # internal index is 0-based
        self._add("loans", loan_rows, rng, None)
        disb_day = la["disb_ts"] // DAY
        sched = loans.schedule(la["principal"], la["apr"], la["term"], disb_day, la["grade"])
        inst_rows = {"loan_id": loan_id[sched["loan"]], "installment_no": sched["installment_no"],
                     "due_date": sched["due_date"], "principal_due": sched["principal_due"],
                     "interest_due": sched["interest_due"], "fee_due": sched["fee_due"],
                     "_day": disb_day[sched["loan"]]}
        self._add("installments", inst_rows, rng, None)
        lu = la["user_idx"]
        pay, inst, out = repayments.simulate(rng, sched, a["risk"][lu], la["dti_after"],
                                             la["disb_ts"])
        pay["loan_id"] = loan_id[pay.pop("loan")]
        order = np.lexsort((pay["installment_no"], pay["loan_id"], pay["paid_at"]))
        self._add("repayments", take(pay, order), rng, "payment_id", "payment")
        acts = collections.actions(rng, loan_id, inst, self.n_agents)
        order = np.lexsort((acts["loan_id"], acts["action_at"]))
        self._add("collection_actions", take(acts, order), rng, "action_id", "action")
        views = activity.due_date_views(rng, lu[sched["loan"]] + 1, sched["due_date"])
        self._add("app_events", views, rng, "event_id", "event")
        # behavioural state: open loans, bad history, good payers come back
        until = np.where(out["payoff_day"] != NA, out["payoff_day"],
                         disb_day + 31 * la["term"])
        np.maximum.at(st["loan_until"], lu, until)
        bad = out["default_day"] != NA
        big = np.iinfo(np.int64).max
        since = np.where(st["bad_since"] == NA, big, st["bad_since"])
        np.minimum.at(since, lu[bad], out["default_day"][bad] + 60)  # known after 60 DPD
        st["bad_since"] = np.where(since == big, NA, since)
        good = (out["payoff_day"] != NA) & ~bad & (out["worst_late"] <= 30)
        back = good & (rng.random(len(good)) < 0.45)
        gap = (rng.exponential(35, len(back)) * DAY).astype(np.int64) + 600
        self._enqueue(lu[back], out["payoff_day"][back] * DAY + 9 * 3600 + gap[back], rng)

    def app_activity(self, rng: np.random.Generator, days: np.ndarray) -> None:
        a, st = self.pop.a, self.pop.state
        live = np.flatnonzero(a["reg_ts"] // DAY <= days[-1])
        d0 = int(days[0])
        lr, lu = st["last_reject"][live], st["loan_until"][live]
        rejected = (lr != NA) & (lr >= d0 - 60)
        has_loan = (lu != NA) & (lu >= d0)
        ev, act = activity.month_events(rng, days, a["user_idx"][live] + 1, a["reg_ts"][live],
                                        a["engagement"][live], st["active"][live], rejected,
                                        has_loan)
        st["active"][live] = act
        order = np.lexsort((ev["user_id"], ev["occurred_at"]))
        self._add("app_events", take(ev, order), rng, "event_id", "event")

    # ---------------------------------------------------------------- driver
    def run(self) -> dict:
        cfg = self.cfg
        self.out.mkdir(parents=True, exist_ok=True)
        for m in tqdm(range(cfg.months), disable=not cfg.progress, desc="simulating", unit="mo"):
            rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, m]))
            d0, d1 = self.bounds[m]
            days = np.arange(d0, d1, dtype=np.int64)
            self.buf.first_open = m
            self.acquisition(rng, days)
            # own seed stream: a month's honest acquisition is the same with or without rings
            # (lending batches that include ring applications draw differently)
            self.fraud_rings(np.random.default_rng(np.random.SeedSequence([cfg.seed, m, 13])), days, m)
            self._add("marketing_spend", channels.daily_spend(rng, days, cfg.scale), rng, None)
            self.lending(rng, m)
            self.app_activity(rng, days)
            for name, src in self.sources.items():
                self.written[name] += write_month(self.out, src, self.buf.pop(name, m),
                                                  range(d0, d1))
        return self.summary()

    def summary(self) -> dict:
        s = {"config": self.cfg.to_dict(), "days": self.cfg.end_day - self.cfg.start_day + 1,
             "rows": dict(self.written),
             "injected": {k: {**v, "status_update": self.status_updates if
                              k == "applications" else 0} for k, v in self.buf.injected.items()},
             "registered_users": len(self.pop), "visitors": int(self.next["visitor"]),
             "fraud_rings": self.rings,
             "fraud_users": int(sum(len(u) for u, _, _ in self.fraud_users))}
        (self.out / "_simulation.json").write_text(json.dumps(s, indent=2, sort_keys=True) + "\n")
        truth = self.fraud_truth()
        (self.out / fraud.TRUTH_FILE).write_text(json.dumps(truth) + "\n")
        s["fraud_truth"] = truth
        return s

    def fraud_truth(self) -> dict[str, list]:
        """Ground truth of the fraud rings, columnar: per ring member its exported user_id, ring
        number and kind of shared identity."""
        parts = self.fraud_users or [(np.zeros(0, np.int64),) * 3]
        uidx, ring, kind = (np.concatenate([p[i] for p in parts]) for i in range(3))
        return {"user_id": np.char.mod("U%08d", uidx).tolist(), "ring": ring.tolist(),
                "kind": np.asarray(fraud.KINDS)[kind].tolist()}


def generate(out_dir: str | Path, config: SimulationConfig | None = None) -> dict:
    """Simulate and write the landing files under ``out_dir``; returns the run summary
    (rows written per source incl. injected rows, injected counts, days)."""
    return Simulation(Path(out_dir), config or SimulationConfig()).run()

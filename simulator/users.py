"""Registered users: demographics, PII and the latent risk that drives their behaviour.

The latent risk ``risk`` is the sum of a profile part (city tier, employment, age, income), the
acquisition channel's shift and a hidden part; the bureau score reveals the hidden part and the
profile only noisily (and knows nothing of the channel), so a credit model on application data
ranks risk well but not perfectly (AUC ~0.7-0.8), and channels differ in borrower quality.
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY
from simulator.channels import RISK_SHIFT
from simulator.frame import Frame
from simulator.pii import full_names, id_numbers, phones

# city, tier, region code (district of the city proper), weight
CITIES = [
    ("北京", 1, 110105, 5), ("上海", 1, 310115, 5), ("广州", 1, 440106, 4), ("深圳", 1, 440305, 4),
    ("成都", 2, 510107, 4), ("杭州", 2, 330106, 3), ("重庆", 2, 500103, 4), ("武汉", 2, 420106, 3),
    ("西安", 2, 610113, 3), ("苏州", 2, 320505, 3), ("南京", 2, 320106, 3), ("天津", 2, 120104, 3),
    ("长沙", 2, 430104, 2), ("郑州", 2, 410105, 3), ("东莞", 2, 441900, 2), ("青岛", 2, 370202, 2),
    ("合肥", 3, 340104, 2), ("佛山", 3, 440604, 2), ("宁波", 3, 330203, 2), ("昆明", 3, 530102, 2),
    ("沈阳", 3, 210102, 2), ("济南", 3, 370102, 2), ("无锡", 3, 320211, 2), ("厦门", 3, 350203, 1),
    ("福州", 3, 350102, 1), ("温州", 3, 330302, 1), ("南宁", 3, 450103, 1),
    ("石家庄", 3, 130102, 1),
    ("洛阳", 4, 410302, 1), ("绵阳", 4, 510703, 1), ("赣州", 4, 360702, 1), ("桂林", 4, 450302, 1),
    ("襄阳", 4, 420602, 1), ("遵义", 4, 520302, 1), ("宜宾", 5, 511502, 1), ("天水", 5, 620502, 1),
    ("曲靖", 5, 530302, 1), ("周口", 5, 411602, 1), ("邵阳", 5, 430502, 1), ("六安", 5, 341502, 1),
]
CITY_NAME = np.array([c[0] for c in CITIES], dtype=object)
CITY_TIER = np.array([c[1] for c in CITIES])
CITY_REGION = np.array([c[2] for c in CITIES])
CITY_P = np.array([c[3] for c in CITIES], dtype=float) / sum(c[3] for c in CITIES)

EMP_P = np.array([0.56, 0.12, 0.05, 0.14, 0.06, 0.02, 0.05])
EMP_RISK = np.array([-0.15, 0.10, 0.0, 0.25, 0.35, -0.10, 0.80])
EMP_INCOME = np.array([1.0, 1.1, 1.6, 0.85, 0.25, 0.6, 0.35])
OCCUPATIONS = [
    ["engineer", "teacher", "nurse", "sales", "clerk", "factory_worker", "accountant",
     "civil_servant", "driver"],
    ["shop_owner", "driver", "designer", "trader"], ["business_owner"],
    ["freelancer", "delivery_rider", "live_streamer", "photographer"], ["student"], ["retired"],
    ["unemployed"]]
TIER_INCOME = np.array([0, 150_000, 110_000, 85_000, 65_000, 52_000])


def _occupation(rng: np.random.Generator, emp: np.ndarray) -> np.ndarray:
    flat = np.array([o for group in OCCUPATIONS for o in group] + [None], dtype=object)
    size = np.array([len(g) for g in OCCUPATIONS])
    first = np.cumsum(size) - size
    pick = first[emp] + np.floor(rng.random(len(emp)) * size[emp]).astype(np.int64)
    return np.where(rng.random(len(emp)) < 0.04, None, flat[pick])


def create_users(rng: np.random.Generator, user_idx: np.ndarray, visitor: np.ndarray,
                 reg_ts: np.ndarray, channel: np.ndarray, salt: int) -> tuple[Frame, Frame]:
    """Returns (attributes kept for behaviour, export rows for the ``users`` source)."""
    n = len(user_idx)
    reg_day = reg_ts // DAY
    age = np.where(rng.random(n) < 0.82, rng.normal(31, 6, n), rng.uniform(18, 60, n))
    # 18.01: floor(age * 365.25) days can fall a day short of the 18th birthday in the calendar.
    age = np.clip(age, 18.01, 60)
    birth_day = (reg_day - np.floor(age * 365.25)).astype(np.int64) - rng.integers(0, 180, n)
    age = (reg_day - birth_day) / 365.25
    gender = rng.choice(3, size=n, p=[0.43, 0.55, 0.02])
    city = rng.choice(len(CITIES), size=n, p=CITY_P)
    tier = CITY_TIER[city]
    p_emp = np.tile(EMP_P, (n, 1))
    p_emp[:, 4] = np.where(age < 24, 0.30, np.where(age < 28, 0.04, 0.0))
    p_emp[:, 5] = np.where(age >= 50, 0.30, 0.0)
    p_emp /= p_emp.sum(axis=1, keepdims=True)
    emp = (rng.random(n)[:, None] > np.cumsum(p_emp, axis=1)).sum(axis=1)
    emp = np.minimum(emp, len(EMP_P) - 1)
    income = TIER_INCOME[tier] * EMP_INCOME[emp] * rng.lognormal(0, 0.45, n)
    income *= np.clip(0.75 + 0.02 * (age - 22), 0.75, 1.25)
    income = np.maximum(np.round(income, -2), 6_000)
    z_inc = (np.log(income) - np.log(90_000)) / 0.6
    profile = (0.12 * (tier - 3) + EMP_RISK[emp] - 0.025 * np.clip(age - 30, -10, 15)
               - 0.30 * z_inc)
    hidden = rng.normal(0, 1, n)
    # the acquisition channel shifts risk but is unknown to the bureau (only to attribution)
    risk = RISK_SHIFT[channel] + profile + hidden
    thin = rng.random(n) < np.clip(0.12 + 0.25 * (age < 25) + 0.15 * (emp == 4), 0, 1)
    score = 650 - 62 * (0.8 * hidden + rng.normal(0, 0.6, n)) - 35 * profile
    score = np.clip(np.round(score), 300, 900).astype(np.int64)
    dti = np.clip(rng.beta(2, 7, n) + 0.04 * risk, 0, 0.9)
    attrs = {"user_idx": user_idx, "reg_ts": reg_ts, "birth_day": birth_day, "tier": tier,
             "emp": emp, "income": income, "risk": risk, "thin": thin, "score": score,
             "dti": dti, "channel": channel, "engagement": rng.lognormal(0, 0.5, n)}
    rows = {"user_id": user_idx, "visitor_id": visitor, "registered_at": reg_ts,
            "full_name": full_names(rng, n), "phone": phones(rng, user_idx, salt),
            "id_number": id_numbers(rng, CITY_REGION[city], birth_day, gender),
            "birth_date": birth_day, "gender": gender.astype(np.int64),
            "city": CITY_NAME[city], "city_tier": tier.astype(np.int64),
            "occupation": _occupation(rng, emp), "updated_at": reg_ts.copy(), "_day": reg_day}
    return attrs, rows


def profile_updates(rng: np.random.Generator, rows: Frame, salt: int) -> Frame:
    """~5% of users later change city, occupation or phone: the row is re-exported with a new
    updated_at (slowly changing dimension for the warehouse)."""
    n = len(rows["user_id"])
    pick = np.flatnonzero(rng.random(n) < 0.05)
    upd = {k: v[pick] for k, v in rows.items()}
    m = len(pick)
    when = upd["registered_at"] + rng.integers(2 * DAY, 300 * DAY, m)
    what = rng.integers(0, 3, m)
    city = rng.choice(len(CITIES), size=m, p=CITY_P)
    upd["city"] = np.where(what == 0, CITY_NAME[city], upd["city"])
    upd["city_tier"] = np.where(what == 0, CITY_TIER[city], upd["city_tier"])
    occ = _occupation(rng, rng.choice(len(EMP_P), size=m, p=EMP_P))
    upd["occupation"] = np.where(what == 1, occ, upd["occupation"])
    upd["phone"] = np.where(what == 2, phones(rng, upd["user_id"] + 7_919_000, salt + 1),
                            upd["phone"])
    upd["updated_at"] = when
    upd["_day"] = when // DAY
    return upd

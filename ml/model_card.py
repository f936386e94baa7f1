"""Markdown model card logged with every version: purpose, data window, features, metrics,
limitations, fairness results, gate decision."""

from __future__ import annotations

import pandas as pd

PURPOSE = {
    "credit_pd": "Probability that an approved application's loan is ever more than 30 days past "
                 "due by the end of its 6th month on book (WOE logistic scorecard, PDO-scaled).",
    "credit_pd_gbm": "Gradient-boosting challenger of the credit scorecard (same label and data).",
    "churn": "Probability that a user active in the last 30 days has no app activity in the next 60.",
}


def _table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines)


SENSITIVE = ("age_at_application", "age_band", "gender")


def _sensitive_note(features: list[str]) -> str:
    """Which protected attributes the model actually uses (gender never; age may be a feature)."""
    used = [f for f in SENSITIVE if f in features]
    base = "- Gender is never a model input; it is used only for the fairness monitoring."
    if not used:
        return base + " Nor is age."
    return (base + f" Age is an input ({', '.join(f'`{f}`' for f in used)}): its effect on "
            "approval and bad rates by age band is what the fairness table watches.")


def model_card(trained, decision, champion_metrics: dict | None, fairness: pd.DataFrame | None) -> str:
    s = trained.split
    m = trained.metrics
    metric_rows = pd.DataFrame({"metric": list(m), "value": [float(v) for v in m.values()]})
    parts = [
        f"# Model card: {trained.name}",
        "## Purpose", PURPOSE.get(trained.name, trained.name),
        "## Data window",
        f"- train: {s.train_from} .. {s.train_to} ({trained.n_train:,} rows)",
        f"- out-of-time validation: {s.oot_from} .. {s.oot_to} ({trained.n_oot:,} rows)",
        f"- label: `{trained.label}` ({trained.params.get('label')})",
        "## Features", ", ".join(f"`{f}`" for f in trained.features),
        "## Metrics (OOT)", _table(metric_rows),
    ]
    if trained.iv:
        iv = pd.DataFrame(sorted(trained.iv.items(), key=lambda kv: -kv[1]), columns=["feature", "iv"])
        parts += ["## Information value", _table(iv)]
    parts += ["## Calibration by decile (OOT)", _table(trained.calibration)]
    parts += ["## Gate", f"- decision: **{decision.status}**", f"- reason: {decision.reason}"]
    if champion_metrics:
        parts.append(f"- champion on the same OOT set: AUC {champion_metrics['auc_oot']:.4f}, "
                     f"Brier {champion_metrics['brier_oot']:.4f}")
    parts += ["## Fairness", _table(fairness) if fairness is not None and len(fairness)
              else "Not computed for this model."]
    parts += ["## Limitations",
              "- Trained on the lender's own approved, disbursed loans: rejected applicants have no "
              "outcome (reject inference is not applied), so scores of profiles the policy rejects "
              "are extrapolations.",
              _sensitive_note(trained.features),
              *[f"- {n}" for n in trained.notes]]
    return "\n\n".join(parts) + "\n"

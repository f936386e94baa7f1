"""Champion/challenger gate (docs/ml.md#gate): a pure decision on OOT metrics.

The candidate and the current champion are evaluated on the SAME out-of-time set (the
candidate's), so the comparison is fair even when the champion was trained on older data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ml import config


@dataclass(frozen=True)
class Decision:
    promote: bool
    status: str   # champion | challenger | rejected
    reason: str


def _bad(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def decide(candidate: dict[str, float], champion: dict[str, float] | None) -> Decision:
    """``candidate``: auc_oot, brier_oot, psi_oot; ``champion``: auc_oot, brier_oot on the same
    OOT rows, or None when the model has no champion yet."""
    auc, brier, psi = candidate.get("auc_oot"), candidate.get("brier_oot"), candidate.get("psi_oot")
    if champion is None:
        failures = []
        if _bad(auc) or auc < config.FIRST_VERSION_MIN_AUC:
            failures.append(f"AUC {auc:.4f} < floor {config.FIRST_VERSION_MIN_AUC}")
        if _bad(psi) or psi >= config.PSI_LIMIT:
            failures.append(f"PSI train->OOT {psi:.4f} >= {config.PSI_LIMIT}")
        if failures:
            return Decision(False, "rejected", "first version: " + "; ".join(failures))
        return Decision(True, "champion",
                        f"first version: AUC {auc:.4f} >= floor {config.FIRST_VERSION_MIN_AUC}")
    champ_auc, champ_brier = champion["auc_oot"], champion["brier_oot"]
    failures = []
    if _bad(auc) or auc < champ_auc - config.AUC_TOLERANCE:
        failures.append(f"AUC {auc:.4f} < champion {champ_auc:.4f} - {config.AUC_TOLERANCE}")
    if _bad(brier) or brier > champ_brier + config.BRIER_TOLERANCE:
        failures.append(f"Brier {brier:.4f} > champion {champ_brier:.4f} + {config.BRIER_TOLERANCE}")
    if _bad(psi) or psi >= config.PSI_LIMIT:
        failures.append(f"PSI train->OOT {psi:.4f} >= {config.PSI_LIMIT}")
    if failures:
        return Decision(False, "challenger", "; ".join(failures))
    return Decision(True, "champion",
                    f"AUC {auc:.4f} vs champion {champ_auc:.4f}, Brier {brier:.4f} vs "
                    f"{champ_brier:.4f}, PSI {psi:.4f}")

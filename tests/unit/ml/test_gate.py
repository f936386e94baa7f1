"""Gate rules (docs/ml.md#gate) as a pure decision."""

from ml.gate import decide

CHAMP = {"auc_oot": 0.75, "brier_oot": 0.05}


def test_first_version_needs_the_auc_floor():
    assert decide({"auc_oot": 0.61, "brier_oot": 0.1, "psi_oot": 0.01}, None).status == "champion"
    low = decide({"auc_oot": 0.59, "brier_oot": 0.1, "psi_oot": 0.01}, None)
    assert (low.promote, low.status) == (False, "rejected")
    assert "floor" in low.reason


def test_better_or_equal_within_tolerance_is_promoted():
    d = decide({"auc_oot": 0.746, "brier_oot": 0.059, "psi_oot": 0.24}, CHAMP)
    assert d.promote and d.status == "champion"


def test_worse_auc_brier_or_psi_stays_challenger_with_reason():
    d = decide({"auc_oot": 0.744, "brier_oot": 0.05, "psi_oot": 0.01}, CHAMP)
    assert (d.promote, d.status) == (False, "challenger") and "AUC" in d.reason
    d = decide({"auc_oot": 0.80, "brier_oot": 0.061, "psi_oot": 0.01}, CHAMP)
    assert not d.promote and "Brier" in d.reason
    d = decide({"auc_oot": 0.80, "brier_oot": 0.04, "psi_oot": 0.25}, CHAMP)
    assert not d.promote and "PSI" in d.reason


def test_nan_auc_never_promotes():
    assert not decide({"auc_oot": float("nan"), "brier_oot": 0.0, "psi_oot": 0.0}, CHAMP).promote

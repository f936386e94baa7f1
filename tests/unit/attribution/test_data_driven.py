"""Per-path weights and the combined tables of ml.attribution.data_driven."""

import pandas as pd
import pytest

from ml.attribution.data_driven import attribute

TOY = pd.DataFrame({"conversion_type": "registration", "path": ["A > B", "A", "B", "A > C"],
                    "converted": [True, True, False, False], "journeys": [1, 1, 1, 1]})


def test_toy_path_weights():
    """Markov: RE_A = 3/4, RE_B = 1/2 -> path A > B splits 0.6 / 0.4; path A -> A 1.
    Shapley: phi_A = 3/2, phi_B = 1/2 -> A > B splits 0.75 / 0.25."""
    w = attribute(TOY).path_weights.set_index(["model", "path", "channel"])["weight"]
    assert w.to_dict() == pytest.approx({
        ("markov", "A > B", "A"): 0.6, ("markov", "A > B", "B"): 0.4, ("markov", "A", "A"): 1.0,
        ("shapley", "A > B", "A"): 0.75, ("shapley", "A > B", "B"): 0.25,
        ("shapley", "A", "A"): 1.0}, abs=1e-9)


def test_conversion_types_are_separate():
    both = pd.concat([TOY, TOY.assign(conversion_type="first_loan", converted=[True, False,
                                                                                False, False])])
    tables = attribute(both)
    effects = tables.removal_effects.set_index(["conversion_type", "channel"])["credit"]
    assert effects[("registration", "A")] == pytest.approx(1.2, abs=1e-9)
    # first_loan: only A > B converts. P = 3/4 * (1/3 * 1/2) + 1/4 * 1/2 = 1/4. Without A only
    # start -> B -> conversion is left: 1/8 -> RE_A = 1/2; without B nothing converts: RE_B = 1.
    # One conversion: credits 1/2 / (3/2) = 1/3 and 1 / (3/2) = 2/3.
    assert effects[("first_loan", "A")] == pytest.approx(1 / 3, abs=1e-9)
    assert effects[("first_loan", "B")] == pytest.approx(2 / 3, abs=1e-9)
    assert set(tables.transitions["conversion_type"]) == {"registration", "first_loan"}


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="journeys"):
        attribute(TOY.drop(columns="journeys"))

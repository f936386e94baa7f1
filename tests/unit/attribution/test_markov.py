"""Markov removal effects on the issue's toy, computed on paper.

Journeys (one each): A > B -> conversion, A -> conversion, B -> null, A > C -> null.

Transitions: start->A 3, start->B 1; A->B 1, A->conversion 1, A->C 1; B->conversion 1,
B->null 1; C->null 1. Probabilities: start: A 3/4, B 1/4; A: B, conversion, C 1/3 each;
B: conversion 1/2, null 1/2; C: null 1.

P(conv | from C) = 0, P(conv | from B) = 1/2, P(conv | from A) = 1/3 * 1/2 + 1/3 = 1/2,
P(conversion) = 3/4 * 1/2 + 1/4 * 1/2 = 1/2.
Remove A (start->A goes to null): P = 1/4 * 1/2 = 1/8      -> RE_A = 1 - (1/8)/(1/2) = 3/4.
Remove B (A->B goes to null): P(A) = 1/3, P = 3/4 * 1/3 = 1/4 -> RE_B = 1 - (1/4)/(1/2) = 1/2.
Remove C (A->C already leads to null): P = 1/2                -> RE_C = 0.
Sum RE = 5/4; 2 conversions: credit_A = 2 * (3/4)/(5/4) = 6/5, credit_B = 2 * (1/2)/(5/4) = 4/5,
credit_C = 0.
"""

import numpy as np
import pandas as pd
import pytest

from ml.attribution.markov import markov_attribution, transition_counts

TOY = pd.DataFrame({"path": ["A > B", "A", "B", "A > C"], "converted": [True, True, False, False],
                    "journeys": [1, 1, 1, 1]})


def test_toy_removal_effects_and_credits():
    result = markov_attribution(TOY)
    effects = result.removal_effects.set_index("channel")
    assert result.conversion_probability == pytest.approx(0.5, abs=1e-9)
    assert effects["conversion_probability_without"].to_dict() == pytest.approx(
        {"A": 1 / 8, "B": 1 / 4, "C": 1 / 2}, abs=1e-9)
    assert effects["removal_effect"].to_dict() == pytest.approx({"A": 0.75, "B": 0.5, "C": 0.0},
                                                                abs=1e-9)
    assert effects["credit"].to_dict() == pytest.approx({"A": 1.2, "B": 0.8, "C": 0.0}, abs=1e-9)
    assert effects["credit"].sum() == pytest.approx(2.0, abs=1e-9)


def test_toy_transitions():
    t = markov_attribution(TOY).transitions.set_index(["from_state", "to_state"])
    assert t["transitions"].to_dict() == {
        ("A", "B"): 1, ("A", "C"): 1, ("A", "conversion"): 1, ("B", "conversion"): 1,
        ("B", "null"): 1, ("C", "null"): 1, ("start", "A"): 3, ("start", "B"): 1}
    assert t.loc[("start", "A"), "probability"] == pytest.approx(0.75, abs=1e-12)
    assert t.loc[("A", "C"), "probability"] == pytest.approx(1 / 3, abs=1e-12)


def test_journey_counts_weight_like_repeated_rows():
    """Aggregated rows (journeys = 3) give the same chain as three identical rows."""
    repeated = pd.DataFrame({"path": ["A > B"] * 3 + ["B"], "converted": [True] * 3 + [False],
                             "journeys": [1] * 4})
    aggregated = pd.DataFrame({"path": ["A > B", "B"], "converted": [True, False],
                               "journeys": [3, 1]})
    a, b = markov_attribution(repeated), markov_attribution(aggregated)
    pd.testing.assert_frame_equal(a.removal_effects, b.removal_effects)


def test_consecutive_repeats_are_collapsed():
    counts = transition_counts(pd.DataFrame({"path": ["A > A > B > B"], "converted": [True],
                                             "journeys": [2]}))
    assert counts.set_index(["from_state", "to_state"])["transitions"].to_dict() == {
        ("A", "B"): 2, ("B", "conversion"): 2, ("start", "A"): 2}


def test_loops_are_solved_exactly():
    """A > B > A -> conversion and B -> null: chain with a cycle A <-> B.

    start: A 1/2, B 1/2. A: B 1/2, conversion 1/2. B: A 1/2, null 1/2.
    x_A = 1/2 x_B + 1/2, x_B = 1/2 x_A -> x_A = 2/3, x_B = 1/3; P = 1/2 (2/3 + 1/3) = 1/2.
    Remove A: x_B = 0 -> RE_A = 1. Remove B: x_A = 1/2, P = 1/4 -> RE_B = 1/2.
    """
    paths = pd.DataFrame({"path": ["A > B > A", "B"], "converted": [True, False], "journeys": [1, 1]})
    result = markov_attribution(paths)
    assert result.conversion_probability == pytest.approx(0.5, abs=1e-12)
    effects = result.removal_effects.set_index("channel")["removal_effect"]
    assert effects.to_dict() == pytest.approx({"A": 1.0, "B": 0.5}, abs=1e-12)


def test_no_conversions_gives_zero_credit():
    result = markov_attribution(pd.DataFrame({"path": ["A", "B"], "converted": [False, False],
                                              "journeys": [1, 1]}))
    assert np.allclose(result.removal_effects["credit"], 0.0)


@pytest.mark.parametrize("path", ["", "A >  > B", "A > start"])
def test_malformed_paths_fail_loudly(path):
    with pytest.raises(ValueError):
        transition_counts(pd.DataFrame({"path": [path], "converted": [True], "journeys": [1]}))

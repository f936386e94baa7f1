"""Exact Shapley values on the toy: A > B -> conv, A -> conv, B -> null, A > C -> null.

Exact channel sets and their conversion rates r(T): {A, B} 1/1, {A} 1/1, {B} 0/1, {A, C} 0/1.
Worth v(S) = sum of r(T) over T within S: v(A) = 1, v(B) = 0, v(C) = 0, v(AB) = 2, v(AC) = 1,
v(BC) = 0, v(ABC) = 2.
phi_A = 1/3 [v(A) - 0] + 1/6 [v(AB) - v(B)] + 1/6 [v(AC) - v(C)] + 1/3 [v(ABC) - v(BC)]
      = 1/3 + 2/6 + 1/6 + 2/3 = 3/2;
phi_B = 1/3 * 0 + 1/6 [v(AB) - v(A)] + 1/6 [v(BC) - v(C)] + 1/3 [v(ABC) - v(AC)]
      = 1/6 + 0 + 1/3 = 1/2;
phi_C = 0 + 1/6 [v(AC) - v(A)] + 1/6 [v(BC) - v(B)] + 1/3 [v(ABC) - v(AB)] = 0.
Sum = 2 = v(ABC); 2 conversions -> credits A 3/2, B 1/2, C 0.
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from ml.attribution.shapley import coalition_worth, shapley_attribution, shapley_from_worth

TOY = pd.DataFrame({"path": ["A > B", "A", "B", "A > C"], "converted": [True, True, False, False],
                    "journeys": [1, 1, 1, 1]})


def test_toy_shapley_values():
    result = shapley_attribution(TOY).values.set_index("channel")
    assert result["shapley_value"].to_dict() == pytest.approx({"A": 1.5, "B": 0.5, "C": 0.0},
                                                               abs=1e-9)
    assert result["credit"].to_dict() == pytest.approx({"A": 1.5, "B": 0.5, "C": 0.0}, abs=1e-9)


def test_shapley_of_a_textbook_game():
    """Glove game: player 0 owns a left glove, players 1, 2 a right one; a pair is worth 1.

    Known values: phi = (2/3, 1/6, 1/6).
    """
    v = np.zeros(8)
    v[0b011] = v[0b101] = v[0b111] = 1.0
    assert shapley_from_worth(v, 3) == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=1e-12)


def test_exact_enumeration_equals_unanimity_closed_form():
    """On random data the enumeration matches sum over T containing c of r(T)/|T|."""
    rng = np.random.default_rng(3)
    channels = list("ABCDE")
    rows = []
    for k in range(1, 4):
        for combo in itertools.combinations(channels, k):
            n = int(rng.integers(1, 50))
            conv = int(rng.integers(0, n + 1))
            path = " > ".join(rng.permutation(list(combo)))
            rows += [(path, True, conv), (path, False, n - conv)]
    paths = pd.DataFrame(rows, columns=["path", "converted", "journeys"])
    paths = paths[paths["journeys"] > 0]
    got = shapley_attribution(paths).values.set_index("channel")["shapley_value"]
    sets = paths.assign(key=paths["path"].str.split(" > ").map(frozenset))
    rates = sets.groupby("key").apply(
        lambda g: g.loc[g["converted"], "journeys"].sum() / g["journeys"].sum())
    expected = {c: sum(r / len(t) for t, r in rates.items() if c in t) for c in channels}
    assert got.to_dict() == pytest.approx(expected, abs=1e-9)


def test_worth_is_a_subset_sum_of_rates():
    masks = np.array([0b01, 0b11, 0b10])
    v = coalition_worth(masks, np.array([1.0, 1.0, 0.0]), np.array([2.0, 4.0, 1.0]), 2)
    # r({0}) = 2/2 = 1, r({0,1}) = 4/4 = 1, r({1}) = 0
    assert v.tolist() == pytest.approx([0.0, 1.0, 0.0, 2.0])

"""The exchange with four to six municipalities against the independent oracle.

The earlier round (``test_exchange_independent.py``) compares Shapley values and side
payments on games of two or three municipalities; the documented exact Shapley value
holds up to twelve. Here every coalition of four to six municipalities is solved by the
oracle (scipy's HiGHS on the documented formulation; ``integer_places`` and costs in
cents drawn by the same generator), and the project's exact Shapley values and payments
in whole cents are compared with it: payments sum to 0 to the cent, nobody ends above
its cost alone, each saving within a cent of its Shapley share. The oracle's Shapley
formula itself is checked against the definition (the mean marginal contribution over
every order of arrival), in exact fractions.
"""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import pytest

from . import _exchange_oracle as oracle
from ._exchange_gen import compare, random_config

# seeds of the shared generator that draw four to six municipalities (checked below)
SEEDS = [5001, 5004, 5010, 5013, 5017, 5020, 5024, 5025]


@pytest.mark.parametrize("seed", SEEDS)
def test_shapley_and_payments_with_four_to_six_municipalities(seed: int) -> None:
    rng = random.Random(seed)
    data = random_config(rng, n_max=6)
    assert len(data["municipalities"]) >= 4
    assert compare(data, rng, shapley=True) == []


def _by_orders(codes: list[str], v: dict[frozenset[str], Fraction]) -> dict[str, Fraction]:
    total = {c: Fraction(0) for c in codes}
    for order in itertools.permutations(codes):
        before: frozenset[str] = frozenset()
        for c in order:
            total[c] += v[before | {c}] - v[before]
            before = before | {c}
    n = math.factorial(len(codes))
    return {c: t / n for c, t in total.items()}


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_oracle_shapley_formula_equals_the_definition(n: int) -> None:
    rng = random.Random(n)
    codes = [f"GM{k:04d}" for k in range(n)]
    v = {frozenset(): Fraction(0)}
    for k in range(1, n + 1):
        for s in itertools.combinations(codes, k):
            v[frozenset(s)] = Fraction(rng.randint(0, 10**6), 100)
    mine = _by_orders(codes, v)
    theirs = oracle.shapley(codes, {s: float(x) for s, x in v.items()})
    for c in codes:
        assert theirs[c] == pytest.approx(float(mine[c]), abs=1e-6)

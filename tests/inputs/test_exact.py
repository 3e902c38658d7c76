"""Exact arithmetic where floating point meets integers (issue 11): places, cents, bounds."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opvang_opt.exact import decimal_fraction, floor_times, integer_bound, to_cents
from opvang_opt.exchange import solve_exchange
from tests.exchange._helpers import cfg, one_group_config

A, B = "GM0001", "GM0002"


def test_places_of_85_units_at_2_8_is_238():
    # 85 x 2.8 = 238 exactly (hand-worked); float gives 237.99999999999997 and floor 237.
    assert math.floor(85 * 2.8) == 237  # the trap this module exists for
    assert floor_times(np.array([85, 45, 90, 165, 170, 175, 180]), 2.8).tolist() == [
        238, 126, 252, 462, 476, 490, 504,
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    units=st.integers(min_value=0, max_value=10_000),
    tenths=st.integers(min_value=1, max_value=80),
)
def test_floor_times_equals_integer_arithmetic(units, tenths):
    # persons_per_unit written with one decimal (e.g. 2.8): places = floor(units * tenths / 10)
    ppu = tenths / 10
    assert int(floor_times(np.array([units]), ppu)[0]) == (units * tenths) // 10


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_cents_of_a_two_decimal_amount_are_exact(amount):
    assert to_cents(float(amount)) == int(amount * 100)
    assert to_cents(str(amount)) == int(amount * 100)


def test_cents_round_half_even_and_refuse_non_finite():
    assert to_cents("0.005") == 0 and to_cents("0.015") == 2
    assert to_cents(Decimal("1234.565")) == 123456
    for bad in (float("nan"), float("inf"), "abc"):
        with pytest.raises(ValueError):
            to_cents(bad)


@settings(max_examples=300, deadline=None)
@given(
    task=st.integers(min_value=0, max_value=100_000),
    keep_pct=st.integers(min_value=0, max_value=100),
)
def test_integer_bound_of_a_share_of_a_whole_task(task, keep_pct):
    # (1 - keep) x task with keep in whole percent: the exact bound is floor(task*(100-k)/100)
    bound = (1 - keep_pct / 100) * task
    assert integer_bound(bound) == (task * (100 - keep_pct)) // 100


def test_decimal_fraction_reads_the_written_decimal():
    assert decimal_fraction(2.8) == Fraction(14, 5)
    assert decimal_fraction(0.3333333) == Fraction(3333333, 10_000_000)
    with pytest.raises(ValueError):
        decimal_fraction(float("nan"))


def test_exchange_integer_bound_is_not_rounded_down_by_float_noise():
    # A: task 90, keeps at least 30 % -> may hand over (1 - 0.3) x 90 = 63 places
    # (float: 62.99999999999999). A's own places cost 100, B's 10, B has no task.
    # Hand-worked optimum: A keeps 27 (2,700) and B takes 63 (630): 3,330.
    # Rounding the float bound down to 62 would give 2,800 + 620 = 3,420.
    assert (1 - 0.3) * 90 < 63
    data = one_group_config(
        [
            (A, 90, [{"type": "t", "places": 90, "cost_per_place": 100}]),
            (B, 0, [{"type": "t", "places": 200, "cost_per_place": 10}]),
        ],
        keep=0.3,
    )
    data["solver"] = {"integer_places": True}
    res = solve_exchange(cfg(data))
    assert res.objective == pytest.approx(3330)


def _toy_game(n: int, seed: int):
    """A superadditive-ish savings game with known exact Shapley values (by enumeration)."""
    import itertools
    from types import SimpleNamespace

    rng = np.random.default_rng(seed)
    w = rng.uniform(1, 10, n)
    vals = {0: 0.0}
    for m in range(1, 1 << n):
        members = [i for i in range(n) if m >> i & 1]
        s = sum(w[i] for i in members)
        vals[m] = s**1.5 - 3 * len(members) ** 2 + rng.uniform(0, 5) * (len(members) > 1)

    class Game:
        grand = (1 << n) - 1
        solves = 0
        max_gap = 0.0
        model = SimpleNamespace(
            codes=tuple(f"GM{i:04d}" for i in range(n)), names=tuple(map(str, range(n)))
        )

        def value(self, m):
            return vals[m]

    Game.n = n
    phi = np.zeros(n)
    for perm in itertools.permutations(range(n)):
        m = 0
        for i in perm:
            phi[i] += vals[m | 1 << i] - vals[m]
            m |= 1 << i
    return Game(), phi / math.factorial(n)


@pytest.mark.parametrize("samples", [20, 200])
def test_sampled_shapley_95_percent_interval_covers_the_exact_value(samples):
    # Coverage over 600 seeds x 5 municipalities = 3,000 intervals; a correct 95 % interval
    # covers 95 % +- 1 % (binomial SD 0.4 %). The normal 1.96 x SE covers about 92 % at
    # 10 antithetic pairs (20 samples): Student's t is needed.
    from opvang_opt.exchange.fairness import sampled_shapley

    game, phi = _toy_game(5, seed=1)
    covered = []
    for seed in range(600):
        r = sampled_shapley(game, samples, seed)
        assert np.allclose(r.values.sum(), game.value(game.grand))  # efficiency, every sample
        covered.append(np.abs(r.values - phi) <= r.ci95)
    share = float(np.mean(covered))
    assert 0.935 <= share <= 0.965, share


def test_budget_in_cents_is_exact():
    # Hand-worked: budget EUR 1,000,000.00; A costs 600,000.40 and B 399,999.61 (together
    # 1,000,000.01: one cent over); C costs 399,999.60 (together exactly the budget).
    # Rounded to whole euros A + B would be 1,000,000 and pass. The target needs two sites.
    from opvang_opt.siting.shortlist import ShortlistProblem, check_shortlist, solve_shortlist

    p = ShortlistProblem(
        ids=np.array(["A", "B", "C"]), value=np.array([90.0, 80.0, 50.0]),
        capacity=np.array([100, 100, 100]), target=200, eligible=np.ones(3, dtype=bool),
        cost=np.array([600_000.40, 399_999.61, 399_999.60]), budget=1_000_000.00,
    )  # fmt: skip
    sol = solve_shortlist(p)
    assert sol.selected.tolist() == [True, False, True]
    assert check_shortlist(p, np.array([True, True, False])).violations  # one cent over
    assert check_shortlist(p, sol.selected).is_ok

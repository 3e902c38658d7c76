"""The province method's parts: a part of an instance with its net moves held, the
Lagrangian bound (never above an exhaustive optimum, never below the LP) and
fix-and-optimise (every plan checked, never worse than its start)."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.planning import check_plan, greedy_plan
from opvang_opt.planning.decompose import (
    fix_and_optimise,
    lagrangian_bound,
    lp_move_prices,
    part_instance,
)
from opvang_opt.planning.instance import plan_costs
from opvang_opt.planning.model import solve_model
from opvang_opt.planning.synthetic import synthetic_instance
from tests.planning._helpers import brute_force, instance, site
from tests.planning.test_strengthening import random_blocky


def _moving_pair():
    # A (Gem0, 2 units, permit until P0) must empty in P1; B (Gem1, from P1) needs 2 units
    # for its task of 2 in P1: moving costs 2 x 10, building 2 x 100, leaving the places
    # unmet 2 x 100 days x 2 cents = 400.
    a = site("A", mu=0, initial=2, max_units=2, last=0, move=10)
    b = site("B", mu=1, first=1, max_units=2, build=100, move=10)
    return instance([a, b], [[[2], [0]], [[0], [2]]], unmet_day=(2,))


def test_a_part_with_its_net_moves_held() -> None:
    inst = _moving_pair()
    sub, idx = part_instance(inst, [1])
    assert idx == [1] and sub.municipalities == ("GM0001",)
    # Gem1 alone receives A's 2 units in P1 (net +2): it moves them in, at 2 x 10 cents
    held = solve_model(sub, relative_gap=0.0, move_net=[0, 2])
    assert held.objective == 20 and int(held.plan.moved_in[0, 1]) == 2
    # without the move from outside it must build (2 x 100 cents)
    alone = solve_model(sub, relative_gap=0.0)
    assert alone.objective == 200 and int(alone.plan.built[0, 1]) == 2


def test_lagrangian_bound_on_the_moving_pair() -> None:
    # the whole costs 20 (A's units move to B); the Lagrangian bound lies between the LP
    # value and that optimum
    inst = _moving_pair()
    lp, prices = lp_move_prices(inst)
    bound, proven = lagrangian_bound(inst, prices, time_limit_s=30)
    assert proven == 2
    assert lp - 1e-6 <= bound <= 20 + 1e-6


TWO_MUNICIPALITIES = [s for s in range(60) if len(random_blocky(s).municipalities) == 2][:8]


@pytest.mark.parametrize("seed", TWO_MUNICIPALITIES)
def test_lagrangian_bound_never_above_the_exhaustive_optimum(seed: int) -> None:
    inst = random_blocky(seed)
    expected = brute_force(inst)
    lp, prices = lp_move_prices(inst)
    bound, _ = lagrangian_bound(inst, prices, time_limit_s=30)
    if expected == float("inf"):
        return
    assert bound <= expected + 1e-6
    assert bound >= lp - 1e-6 * max(1.0, abs(lp))


def test_lagrangian_bound_on_a_synthetic_instance_is_valid_and_above_the_lp() -> None:
    inst = synthetic_instance(12, 6, 3, 3, seed=7)
    lp, prices = lp_move_prices(inst)
    bound, proven = lagrangian_bound(inst, prices, time_limit_s=120)
    best = solve_model(inst, relative_gap=0.0, time_limit_s=120)
    assert best.status.value == "optimal" and proven == 3
    assert lp - 1e-6 * lp <= bound <= best.objective + 1e-6


def test_fix_and_optimise_keeps_every_rule_and_never_costs_more() -> None:
    inst = synthetic_instance(24, 8, 6, 3, seed=3)
    start = greedy_plan(inst)
    better, steps = fix_and_optimise(inst, start, time_limit_s=60, group_size=2)
    assert steps >= 3  # at least one round over the 6 municipalities
    assert check_plan(inst, better, hard_tasks=False).is_ok
    assert plan_costs(inst, better).total <= plan_costs(inst, start).total
    # the start is left as it was
    assert np.array_equal(start.units, greedy_plan(inst).units)

"""The window flows (units split by the permit window they stand in, step 6 of the
strengthening, off by default): the same optimum as an exhaustive search on small
instances whose permits end inside the horizon, an LP bound never below the one without
them, and a hand-worked LP gap that they close."""

from __future__ import annotations

import pytest
from ortools.math_opt.python import mathopt

from opvang_opt.planning import check_plan
from opvang_opt.planning import model as planning_model
from opvang_opt.planning.instance import PlanningInstance
from opvang_opt.planning.model import build_model, hint_values, solve_model
from tests.planning._helpers import brute_force, instance, site
from tests.planning.test_strengthening import random_blocky


def _lp(inst: PlanningInstance) -> float:
    model, _ = build_model(inst, implied_continuous=True)
    for x in model.variables():
        x.integer = False
    return mathopt.solve(model, mathopt.SolverType.HIGHS).objective_value()


def _short_permit() -> PlanningInstance:
    # One site with room for 2 units (built one by one at 10 cents), opening 300, a permit
    # of 2 periods in a horizon of 4, moving a unit costs 1000; a task of 2 places a
    # period at 1 place per unit, a place unmet costs 1 cent x 100 days.
    return instance(
        [site("A", max_units=2, block=1, permit=2, opening=300, build=10, move=1000)],
        [2, 2, 2, 2],
        ppu=(1,),
        unmet_day=(1,),
        days=100,
    )


def test_window_flows_close_a_hand_worked_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whole plans: one window of 2 periods with 2 units (300 + 20) leaves 2 periods of 2
    # places unmet (400): 720; nothing opened: 800; one unit: 300 + 10 + 600 = 910.
    # Optimum 720.
    # The LP without the window flows opens half at P0 and half at P2 (300 in all) and
    # keeps 1 unit standing through all four periods, built once (10): 1 place unmet a
    # period (400), 710. No LP does better: with f = the sum of the starts, the open
    # periods sum to at most 2 f, units to at most 4 f, so the cost is at least
    # 300 f + 800 - 100 * 4 f + 10 * (the most units standing, at least 1 when units sum
    # to 4) = 710 at f = 1.
    # With the window flows, the units of each window are built in it (moving costs 1000):
    # 10 per unit standing in a window of 2 periods, 5 per unit-period, against 100 saved;
    # the cost is at least 300 f + 800 - 95 * 4 f = 800 - 80 f >= 720, the optimum.
    inst = _short_permit()
    assert brute_force(inst) == 720
    monkeypatch.setattr(planning_model, "WINDOW_FLOWS", False)
    assert _lp(inst) == pytest.approx(710.0)
    monkeypatch.setattr(planning_model, "WINDOW_FLOWS", True)
    assert _lp(inst) == pytest.approx(720.0)
    out = solve_model(inst, relative_gap=0.0)
    assert out.objective == 720


@pytest.mark.parametrize("seed", range(25))
def test_window_flows_keep_the_brute_force_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # permits of 1-3 periods in 3 periods: windows often end inside the horizon
    monkeypatch.setattr(planning_model, "WINDOW_FLOWS", True)
    inst = random_blocky(seed)
    expected = brute_force(inst)
    out = solve_model(inst, relative_gap=0.0)
    if expected == float("inf"):
        assert out.plan is None
        return
    assert out.status.value == "optimal"
    assert out.objective == expected
    assert check_plan(inst, out.plan, claimed_objective=out.objective).is_ok
    on = _lp(inst)
    monkeypatch.setattr(planning_model, "WINDOW_FLOWS", False)
    assert on >= _lp(inst) - 1e-6  # a bound never below the one without them


def test_an_optimal_plan_is_a_feasible_hint_with_window_flows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every variable fixed to the hint of the optimal plan (window parts included) must
    # leave a solution at the plan's cost
    monkeypatch.setattr(planning_model, "WINDOW_FLOWS", True)
    inst = _short_permit()
    out = solve_model(inst, relative_gap=0.0)
    assert out.plan is not None
    model, v = build_model(inst, implied_continuous=True)
    assert v.window
    for x, value in hint_values(inst, v, out.plan).items():
        x.lower_bound = x.upper_bound = value
    res = mathopt.solve(model, mathopt.SolverType.HIGHS)
    assert res.termination.reason == mathopt.TerminationReason.OPTIMAL
    assert round(res.objective_value()) == out.objective

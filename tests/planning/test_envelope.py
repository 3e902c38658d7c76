"""The envelope cuts (least weighted unmet places per whole block of units) and solution
hints: the lines lie below an exhaustive enumeration and touch it, the cut closes an LP
gap worked out by hand that the block-rounding cuts leave open, the optimum stays the
exhaustive search's on small instances, and a plan whose units leave before its permit
window ends is a feasible hint of the strengthened model."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.math_opt.python import mathopt

from opvang_opt.planning import model as planning_model
from opvang_opt.planning.instance import PlanningInstance
from opvang_opt.planning.model import build_model, hint_values, solve_model, unmet_envelope
from tests.planning._helpers import brute_force, instance, site


def least_unmet(tasks: list[int], ppu: list[int], weights: list[int], units: int) -> int:
    """Least weighted unmet places with at most ``units`` whole units, by enumeration."""
    ranges = [range(0, -(-t // p) + 1) for t, p in zip(tasks, ppu, strict=True)]
    best = None
    for a in itertools.product(*ranges):
        if sum(a) > units:
            continue
        cost = sum(w * max(0, t - p * x) for t, p, w, x in zip(tasks, ppu, weights, a, strict=True))
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def test_envelope_by_hand() -> None:
    # 5 places in units of 2, blocks of 2 units, room for 6: no block leaves 5 unmet, one
    # block (2 units, 4 places) leaves 1, two blocks leave none. Lines: 5 - 4 Y through
    # Y = 0, 1 and 1 - (Y - 1) through Y = 1, 2; the rest is 0.
    assert unmet_envelope([5], [2], [1], 2, 6) == [(0, 5, 4), (1, 1, 1)]
    # Two groups of 5 places in units of 2, units one by one: 5 units leave 1 place (one
    # group gets 2 units), 6 leave none; the first four units save 2 places each.
    assert unmet_envelope([5, 5], [2, 2], [1, 1], 1, 10) == [(0, 10, 2), (4, 2, 1)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.integers(1, 3), st.integers(1, 4)), min_size=1, max_size=3
    ),
    st.integers(1, 4),
    st.integers(0, 16),
)
def test_envelope_lies_below_every_whole_plan_and_touches(
    groups: list[tuple[int, int, int]], block: int, room: int
) -> None:
    tasks = [g[0] for g in groups]
    ppu = [g[1] for g in groups]
    weights = [g[2] for g in groups]
    lines = unmet_envelope(tasks, ppu, weights, block, room)
    if room < block:
        assert lines == []  # no whole block fits: nothing to say beyond the task rows
        return
    f = [least_unmet(tasks, ppu, weights, block * y) for y in range(room // block + 1)]
    for k, fk, delta in lines:
        assert fk == f[k] and f[k + 1] == fk - delta  # through two neighbouring points
        for y, fy in enumerate(f):
            assert fy >= fk - delta * (y - k)  # below every whole number of blocks
    # together they give the convex hull: at every whole Y the highest line is f(Y)
    for y, fy in enumerate(f):
        highest = max([fk - delta * (y - k) for k, fk, delta in lines], default=0)
        assert max(highest, 0) == fy


def _lp(inst: PlanningInstance) -> float:
    model, _ = build_model(inst, implied_continuous=True)
    for x in model.variables():
        x.integer = False
    return mathopt.solve(model, mathopt.SolverType.HIGHS).objective_value()


def test_envelope_closes_a_gap_the_block_rounding_cuts_leave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One period, one site with room for 10 units (built one by one at 100 cents), two
    # groups of 5 places each at 2 places per unit, a place unmet costs 10 cents x 30 days.
    # Whole plans: 6 units (3 + 3) meet both tasks for 600; 5 units leave a place unmet
    # (one group gets 2 units) for 500 + 300. Optimum 600. The LP gives each group 2.5
    # units for 500; the block-rounding cuts see 5 whole units for 10 places (no cut) and
    # each group alone 5 units on its site (no cut). The envelope: W >= 6 - Y, so 5 units
    # pay 300 for the place they leave, and the LP's bound is the optimum.
    inst = instance(
        [site("A", max_units=10, block=1, build=100, groups=(True, True))],
        [[[5, 5]]],
        ppu=(2, 2),
        unmet_day=(10, 10),
        days=30,
    )
    assert brute_force(inst) == 600
    assert solve_model(inst, relative_gap=0.0).objective == 600
    assert _lp(inst) == pytest.approx(600.0)
    monkeypatch.setattr(planning_model, "ENVELOPE", False)
    assert _lp(inst) == pytest.approx(500.0)


def test_a_plan_whose_units_leave_early_is_a_feasible_hint() -> None:
    # Site A (permit of 3 periods) opens in P0; the task ends after P1, so its units close
    # at the start of P2 (closing is free, standing costs 1 cent a unit). The plan reads
    # "open" only while units stand (P0, P1), but the strengthened model keeps a started
    # site open over its whole permit window (P0-P2). The hint must say so, or the solver
    # rejects it: every hinted variable fixed to its hint must still leave a solution, at
    # the plan's cost.
    inst = instance(
        [site("A", max_units=2, block=2, permit=3, build=10, opening=5, running=365)],
        [4, 4, 0],
        ppu=(2,),
        unmet_day=(100,),
        days=1,
    )
    out = solve_model(inst, relative_gap=0.0)
    assert out.plan is not None and out.objective == brute_force(inst) == 5 + 20 + 4
    plan = out.plan
    assert plan.open[0].tolist() == [True, True, False]  # as the plan reads
    model, v = build_model(inst, implied_continuous=True)
    for x, value in hint_values(inst, v, plan).items():
        x.lower_bound = x.upper_bound = value
    res = mathopt.solve(model, mathopt.SolverType.HIGHS)
    assert res.termination.reason == mathopt.TerminationReason.OPTIMAL
    assert round(res.objective_value()) == out.objective


def test_free_unmet_places_get_no_envelope() -> None:
    # Unmet places that cost nothing: the cut has nothing to bound (and no weight to scale
    # by); the optimum builds nothing and leaves the task unmet.
    inst = instance(
        [site("A", max_units=4, block=2, build=10, groups=(True,))],
        [3, 3],
        ppu=(2,),
        unmet_day=(0,),
    )
    assert brute_force(inst) == 0
    assert solve_model(inst, relative_gap=0.0).objective == 0

"""Hand-worked cases: moves, permit ends, lead times, blocks, permits, budgets, infeasible.

Costs are in cents; periods have 100 days, no discounting; unmet costs 1 cent per place per
day, so one place unmet for one period costs 100.
"""

from __future__ import annotations

from opvang_opt.planning import check_plan, plan
from opvang_opt.planning.model import solve_model
from opvang_opt.texts import render
from tests.planning._helpers import instance, site


def _solve(inst):
    out = solve_model(inst, relative_gap=0.0)
    assert out.plan is not None
    assert check_plan(inst, out.plan, claimed_objective=out.objective).is_ok
    return out


def test_units_move_when_the_permit_ends() -> None:
    # A holds 2 units until P0; B opens from P1. Moving 2 costs 2 x 10 = 20, building 2 x 100.
    a = site("A", initial=2, max_units=2, last=0, move=10)
    b = site("B", first=1, max_units=2, move=10, build=100)
    out = _solve(instance([a, b], [2, 2]))
    assert out.objective == 20
    assert out.plan.moved_out[0, 1] == 2 and out.plan.moved_in[1, 1] == 2
    assert out.plan.built.sum() == 0 and out.plan.unmet.sum() == 0


def test_units_close_at_permit_end_when_nowhere_to_go() -> None:
    # A's permit ends after P0; nothing else: close 2 (2 x 5) and 2 places unmet in P1 (200).
    a = site("A", initial=2, max_units=2, last=0, close=5)
    out = _solve(instance([a], [2, 2]))
    assert out.objective == 10 + 200
    assert out.plan.closed[0, 1] == 2 and out.plan.unmet[1, 0, 0] == 2


def test_lead_time_leaves_the_first_periods_short() -> None:
    # B can hold units from P2 only: P0 and P1 unmet (2 x 100), build 1 in P2 (100) = 300.
    b = site("B", first=2, max_units=1, build=100)
    out = _solve(instance([b], [1, 1, 1, 1]))
    assert out.objective == 300
    assert list(out.plan.built[0]) == [0, 0, 1, 0]
    assert list(out.plan.unmet[:, 0, 0]) == [1, 1, 0, 0]


def test_blocks_round_up_when_building_is_cheap() -> None:
    # task 5, blocks of 4: 4 units (40) + 1 unmet (100) = 140 against 8 units (80).
    s = site("B", max_units=8, block=4, build=10)
    out = _solve(instance([s], [5]))
    assert out.objective == 80 and out.plan.units[0, 0] == 8


def test_blocks_leave_a_rest_unmet_when_building_is_dear() -> None:
    # build 30 per unit: 4 units (120) + 1 unmet (100) = 220 against 8 units (240).
    s = site("B", max_units=8, block=4, build=30)
    out = _solve(instance([s], [5]))
    assert out.objective == 220 and out.plan.units[0, 0] == 4


def test_permit_length_limits_the_open_run() -> None:
    # permit 2 periods, task 1 for 3 periods: open 2 (build 50), unmet 1 period (100).
    s = site("B", max_units=1, build=50, permit=2)
    out = _solve(instance([s], [1, 1, 1]))
    assert out.objective == 150 and int(out.plan.open[0].sum()) == 2


def test_opening_cost_is_paid_once_and_weighed() -> None:
    # opening 250 + build 10 covers 3 periods of unmet (300): open. With opening 300 the
    # plan is 310 against 300 unmet: stay closed.
    cheap = _solve(instance([site("B", max_units=1, build=10, opening=250)], [1, 1, 1]))
    dear = _solve(instance([site("B", max_units=1, build=10, opening=300)], [1, 1, 1]))
    assert cheap.objective == 260 and cheap.plan.open[0].all()
    assert dear.objective == 300 and not dear.plan.open[0].any()


def test_budget_spreads_building_over_years() -> None:
    # 60 per unit, budget 100 a year: one unit in 2026 (P0) and one in 2027 (P1).
    # P0: 1 unmet (100) + 60; P1: 60; total 220.
    s = site("B", max_units=2, build=60)
    out = _solve(instance([s], [2, 2], budgets={2026: 100, 2027: 100}))
    assert out.objective == 220
    assert list(out.plan.built[0]) == [1, 1]


def test_moves_between_municipalities_count_for_the_receiving_one() -> None:
    # A (municipality 0) must close after P0; B (municipality 1) needs 2 places in P1.
    a = site("A", mu=0, initial=2, max_units=2, last=0, move=10)
    b = site("B", mu=1, first=1, max_units=2, build=100, move=10)
    tasks = [[[2], [0]], [[0], [2]]]
    out = _solve(instance([a, b], tasks))
    assert out.objective == 20 and out.plan.moved_in[1, 1] == 2


def test_infeasible_hard_task_names_period_municipality_group_and_shortfall() -> None:
    # hard task 3 places in P1, room for 2: short by 1 in P1 only.
    s = site("B", max_units=2, build=1)
    inst = instance([s], [2, 3], hard=(True,))
    res = plan(inst)
    assert res.status.value == "infeasible" and res.plan is None
    assert res.diagnosis is not None
    (short,) = res.diagnosis.shortfalls
    assert short.rule == "task:P1:GM0000:g0"
    assert short.required == 3 and short.available == 2 and short.short_by == 1
    text = render(short.message, "nl")
    assert "Gem0" in text and "P1" in text
    english = render(short.message, "en")
    assert "Gem0" in english and "P1" in english and "short" in english


def test_infeasible_by_lead_time() -> None:
    # the only site opens from P1; a hard task in P0 cannot be met at all.
    s = site("B", first=1, max_units=5, build=1)
    res = plan(instance([s], [2, 2], hard=(True,)))
    assert res.status.value == "infeasible"
    assert [(x.rule, x.short_by) for x in res.diagnosis.shortfalls] == [("task:P0:GM0000:g0", 2)]


def test_greedy_baseline_reacts_late_and_pays_for_it() -> None:
    # two candidates, task rises in P2; the MIP builds for it, the greedy as well, but the
    # greedy picks the best score first (A, expensive), the MIP the cheaper B.
    a = site("A", max_units=2, build=200, score=90)
    b = site("B", max_units=2, build=100, score=10)
    res = plan(instance([a, b], [0, 2, 2, 2]))
    assert res.baseline is not None
    assert res.baseline.plan.built[0].sum() == 2 and res.plan.built[1].sum() == 2
    assert res.costs.total == 200 and res.baseline.costs.total == 400

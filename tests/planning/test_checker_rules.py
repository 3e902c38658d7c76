"""The planning checker, one rule at a time: a valid hand-made plan, then each rule broken
by hand, with the exact violations expected (rule, where, value, limit) and the numbers
its message must name. Written so that a bug planted in a rule of
:mod:`opvang_opt.planning.check` (mutation testing) fails here, not only in the
randomised comparison of ``test_checker.py``.

The base instance (worked by hand): three half-years P0-P2 of one municipality GM0000 and
one group g0 with a task of 4 places per period (1 place per unit). Site A is new (room
for 4 units in blocks of 2, permit 3 periods), B is an existing site with 2 units (room
for 2), C is new and unused (room for 2). The base plan builds 2 units on A in P0 and
keeps A's 2 and B's 2 for all three periods: 4 places every period, nothing unmet.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from opvang_opt.planning import check_plan
from opvang_opt.planning.instance import Plan, PlanningInstance
from tests.planning._helpers import instance, site

A, B, C = 0, 1, 2
WHERE = "P{t} GM0000 g0"


def _inst(tasks: list | None = None, **changes: dict) -> PlanningInstance:
    """The base instance; ``changes`` maps a site letter to fields of that site."""
    sites = {
        "A": {"max_units": 4, "block": 2, "permit": 3},
        "B": {"max_units": 2, "initial": 2},
        "C": {"max_units": 2},
    }
    kw = changes.pop("instance", {})
    for letter, fields in changes.items():
        sites[letter] = {**sites[letter], **fields}
    return instance([site(k, **v) for k, v in sites.items()], tasks or [4, 4, 4], **kw)


def _base(inst: PlanningInstance) -> Plan:
    p = Plan.empty(inst)
    p.units[A] = [2, 2, 2]
    p.units[B] = [2, 2, 2]
    p.built[A, 0] = 2
    p.assigned[A, :, 0] = 2
    p.assigned[B, :, 0] = 2
    p.open[A] = True
    p.open[B] = True
    p.start[A, 0] = True
    return p


def _found(report) -> list[tuple]:
    return [(v.rule, v.where, v.value, v.limit) for v in report.violations]


def test_the_base_plan_is_valid_and_its_cost_is_worked_by_hand() -> None:
    inst = _inst()
    report = check_plan(inst, _base(inst))
    assert report.is_ok, report.violations
    assert report.checker == "planning"
    # 2 units built at 100 cents; no opening, running, moving, closing or unmet cost
    assert report.objective == 200
    assert report.details == {"opening": 0, "building": 200, "moving": 0, "closing": 0,
                              "running": 0, "unmet": 0}  # fmt: skip


def _broken(case: str) -> tuple[PlanningInstance, Plan, dict]:
    """One rule broken by hand; returns the instance, the plan and check_plan's kwargs."""
    inst = _inst(**{"A": {"permit": 2}} if case == "permit" else {})
    if case == "availability":
        inst = _inst(A={"last": 1})
    if case == "group":
        # a second group g1 without a task, which A may not house
        inst = _inst([[[4, 0]]] * 3, A={"groups": (True, False)}, B={"groups": (True, True)},
                     C={"groups": (True, True)},
                     instance={"ppu": (1, 1), "unmet_day": (1, 1)})  # fmt: skip
    if case == "hard":
        inst = _inst(instance={"hard": (True,)})
    if case == "budget":
        inst = _inst(instance={"budgets": {2026: 150}})
    p = _base(inst)
    kw: dict = {}
    if case == "sign":
        p.unmet[0, 0, 0] = -1
    elif case == "block":  # 3 units on A in P1 (one built), one closed in P2
        p.units[A, 1], p.built[A, 1], p.closed[A, 2] = 3, 1, 1
    elif case == "capacity":  # 3 units on B in P1 (one built), one closed in P2
        p.units[B, 1], p.built[B, 1], p.closed[B, 2] = 3, 1, 1
    elif case == "balance":  # A jumps to 4 units in P1 with nothing built, back in P2
        p.units[A, 1] = 4
    elif case == "open":  # A closed for P1 with its units, open again in P2
        p.open[A, 1] = False
    elif case == "availability":
        pass  # A may stand until P1 only; the base plan keeps it open in P2
    elif case == "built_closed":  # C builds 2 and closes 2 in P0 without opening
        p.built[C, 0], p.closed[C, 0] = 2, 2
    elif case == "reopen":  # B closes its 2 units in P1 and is open again in P2
        p.units[B, 1:], p.closed[B, 1] = 0, 2
        p.assigned[B, 1:, 0] = 0
        p.unmet[1:, 0, 0] = 2
        p.open[B, 1] = False
    elif case == "start":  # a start recorded in P1, where A is already open
        p.start[A, 1] = True
    elif case == "leaving":  # A moves 3 units out and 3 in within P1 with 2 standing
        p.moved_out[A, 1], p.moved_in[A, 1] = 3, 3
    elif case == "assigned":
        p.assigned[A, 1, 0] = 3
    elif case == "group":  # one of A's units goes to g1 in P0: g0 is 1 place short
        p.assigned[A, 0] = [1, 1]
        p.unmet[0, 0, 0] = 1
    elif case == "permit":
        pass  # A's permit is 2 periods; the base plan keeps it open 3
    elif case == "moves":  # B moves one unit out in P1 and nobody moves one in
        p.units[B, 1], p.moved_out[B, 1], p.built[B, 2] = 1, 1, 1
        p.assigned[B, 1, 0], p.unmet[1, 0, 0] = 1, 1
    elif case == "unmet_low":  # A houses 1 unit of g0 in P0: 1 place short, 0 reported
        p.assigned[A, 0, 0] = 1
    elif case == "unmet_high":
        p.unmet[0, 0, 0] = 5
    elif case == "hard":  # 1 place short of a hard task, reported as unmet
        p.assigned[A, 0, 0], p.unmet[0, 0, 0] = 1, 1
    elif case == "budget":
        pass  # 2 units at 100 cents = 200 cents in 2026 against a budget of 150
    elif case == "objective":
        kw["claimed_objective"] = 201  # the plan costs 200 cents
    return inst, p, kw


CASES = {
    "sign": ([("sign", "unmet", None, None), ("task", WHERE.format(t=0), -1, 0)],
             ["unmet has negative entries"]),
    "block": ([("block", "A P1", 3, 2)], ["3 units", "block of 2"]),
    "capacity": ([("capacity", "B P1", 3, 2)], ["3 units", "room for 2"]),
    "balance": ([("balance", "A P1", 4, 2), ("balance", "A P2", 2, 4)], ["units 4", "(2)"]),
    "open": ([("open", "A P1", 2, 0), ("start", "A P2", None, None),
              ("start", "A", None, None)], ["2 units on a site that is not open", "2 times"]),
    "availability": ([("availability", "A P2", None, None)], ["open outside its window"]),
    "built_closed": ([("open", "C P0", None, None), ("balance", "C P0", None, None)],
                     ["built or moved in", "from an empty site"]),
    "reopen": ([("reopen", "B P2", None, None), ("start", "B P2", None, None)],
               ["reopens"]),
    "start": ([("start", "A P1", None, None)], ["does not open"]),
    "leaving": ([("balance", "A P1", 3, 2)], ["3 units moved out or closed, 2 stood there"]),
    "assigned": ([("assigned", "A P1", 3, 2)], ["3 units assigned", "2 stand there"]),
    "group": ([("group", "A P0", None, None)], ["g1"]),
    "permit": ([("permit", "A", 3, 2)], ["open 3 periods", "allows 2"]),
    "moves": ([("moves", "P1", 0, 1)], ["1 units moved out but 0 moved in"]),
    "unmet_low": ([("task", WHERE.format(t=0), 0, 1)], ["unmet 0", "task of 4 has 3"]),
    "unmet_high": ([("task", WHERE.format(t=0), 5, 4)], ["unmet 5 above the task 4"]),
    "hard": ([("hard_task", WHERE.format(t=0), 1, 0)], ["1 places short"]),
    "budget": ([("budget", "2026", 200, 150)], ["2.00 EUR", "1.50 EUR"]),
    "objective": ([("objective", "plan", 201, 200)], ["201 cents", "200 cents"]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_rule_broken_by_hand_is_named_where_and_by_how_much(case: str) -> None:
    inst, p, kw = _broken(case)
    expected, words = CASES[case]
    report = check_plan(inst, p, **kw)
    assert _found(report) == expected
    text = " | ".join(v.message for v in report.violations)
    for w in words:
        assert w in text, (w, text)


def test_the_baseline_is_checked_without_the_hard_tasks() -> None:
    inst, p, _ = _broken("hard")
    assert check_plan(inst, p, hard_tasks=False).is_ok
    assert not check_plan(inst, p).is_ok  # hard tasks are checked unless told otherwise


def test_a_plan_of_the_wrong_shape_is_refused_before_any_rule() -> None:
    inst = _inst()
    p = _base(inst)
    p = dataclasses.replace(p, units=p.units[:, :2])
    report = check_plan(inst, p)
    assert _found(report) == [("shape", "plan", None, None)]
    assert report.objective is None  # nothing recomputed from a plan that does not fit


@pytest.mark.parametrize(
    "name", ["units", "built", "moved_in", "moved_out", "closed", "assigned", "unmet"]
)
def test_a_negative_entry_names_its_array(name: str) -> None:
    inst = _inst()
    p = _base(inst)
    index = {"assigned": (C, 0, 0), "unmet": (0, 0, 0)}.get(name, (C, 0))
    getattr(p, name)[index] = -1
    signs = [(v.where, v.message) for v in check_plan(inst, p).violations if v.rule == "sign"]
    assert signs == [(name, f"{name} has negative entries")]


MESSAGES = {
    "block": ["3 units is not a multiple of the block of 2"],
    "capacity": ["3 units on a site with room for 2"],
    "open": ["2 units on a site that is not open", "the site opens without a recorded start",
             "the site opens 2 times; a site opens at most once"],
    "availability": ["open outside its window (periods P0 to P1: available from, lead time, "
                     "permit end)"],
    "built_closed": ["units built or moved in while the site is not open",
                     "units moved out or closed from an empty site"],
    "reopen": ["an existing site reopens after it closed",
               "the site opens without a recorded start"],
    "start": ["a start is recorded where the site does not open"],
    "group": ["units assigned to g1, which the site may not house"],
    "permit": ["open 3 periods, the permit allows 2"],
    "unmet_low": ["unmet 0 places, but the task of 4 has 3 placed"],
    "hard": ["1 places short of a task that must be met"],
    "budget": ["investment 2.00 EUR above the budget 1.50 EUR"],
    "objective": ["reported cost 201 cents, recomputed 200 cents"],
}  # fmt: skip


@pytest.mark.parametrize("case", list(MESSAGES))
def test_each_violation_says_what_is_wrong_in_full(case: str) -> None:
    inst, p, kw = _broken(case)
    assert [v.message for v in check_plan(inst, p, **kw).violations] == MESSAGES[case]


def test_one_unit_is_enough_to_break_a_rule() -> None:
    # one unit on C, which is not open; one unit leaving C in P0, where none stood
    inst = _inst()
    p = _base(inst)
    p.units[C, 0], p.built[C, 0], p.assigned[C, 0, 0], p.unmet[0, 0, 0] = 1, 1, 1, 0
    p.units[C, 1], p.closed[C, 1] = 0, 1
    found = _found(check_plan(inst, p))
    assert ("open", "C P0", 1, 0) in found
    p = _base(inst)
    p.open[C, 0], p.start[C, 0] = True, True
    p.built[C, 0], p.closed[C, 0] = 1, 1  # built and closed at once: none stood there
    assert _found(check_plan(inst, p)) == [("balance", "C P0", None, None)]


def test_a_start_recorded_on_an_existing_site_after_the_first_period() -> None:
    inst = _inst()
    p = _base(inst)
    p.start[B, 0] = True  # an existing site's start in the first period is allowed
    assert check_plan(inst, p).is_ok
    p.start[B, 1] = True
    assert _found(check_plan(inst, p)) == [("start", "B P1", None, None)]
    p = _base(inst)
    p.start[C, 0] = True  # a new site that never opens
    assert _found(check_plan(inst, p)) == [("start", "C P0", None, None)]


def test_a_plan_of_the_wrong_shape_says_so() -> None:
    inst = _inst()
    p = dataclasses.replace(_base(inst), unmet=np.zeros((2, 1, 1), dtype=np.int64))
    report = check_plan(inst, p, checker="greedy")
    assert report.checker == "greedy"
    assert [v.message for v in report.violations] == ["plan arrays do not match the instance"]


def test_a_site_never_available_in_the_horizon_says_so() -> None:
    # C may open from period 5 of a 3-period horizon ("-": never within it) until far
    # beyond it (the horizon's last period, P2)
    inst = _inst()
    late = dataclasses.replace(inst.sites[C], first_period=5, last_period=99)
    inst = dataclasses.replace(inst, sites=(*inst.sites[:C], late))
    p = _base(inst)
    p.open[C, 2] = p.start[C, 2] = True
    assert [v.message for v in check_plan(inst, p).violations] == [
        "open outside its window (periods - to P2: available from, lead time, permit end)"
    ]

"""The services checker, one rule at a time: the hand-worked result of two schools, then
each rule broken by hand, with the exact violations expected (rule, where, value, limit).
Written so that a bug planted in a rule of :mod:`opvang_opt.services.check` (mutation
testing) fails a test.

Worked by hand (``two_schools(12, 4)`` of ``test_services``): site S0 at x=0 reaches
school P0 (x=0, 10 places) only, S1 at x=2000 reaches P1 (x=2000, 0 places) only (reach
1500 m); groups of 5 at 100 and 300 cents per period, at most 2 each. The cheapest plan
adds one group at each: P0 has 15 places for S0's 12, P1 has 5 for S1's 4; cost 400 cents.
Before the expansion S0 places 10 (2 short) and S1 none (4 short).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from opvang_opt.services import Expansion, Flow, ServicesResult, check_services, solve_services
from opvang_opt.services.synthetic import make_instance, make_providers
from tests.services.test_services import two_schools


@pytest.fixture(scope="module")
def base() -> ServicesResult:
    r = solve_services(two_schools(12, 4))
    arcs = r.after["taalklas"].arcs
    assert list(zip(arcs.site.tolist(), arcs.provider.tolist(), strict=True)) == [(0, 0), (1, 1)]
    assert r.after["taalklas"].flow[:, 0].tolist() == [12, 4]
    assert r.before["taalklas"].flow[:, 0].tolist() == [10, 0]
    assert r.expansion.groups[:, 0].tolist() == [1, 1] and r.cost["total"] == 400
    report = check_services(r)
    assert report.is_ok and report.checker == "services" and report.objective == 400
    return r


def _found(r: ServicesResult) -> list[tuple]:
    return [(v.rule, v.where, v.value, v.limit) for v in check_services(r).violations]


def _with_flow(r: ServicesResult, label: str, flow: list[int], unmet: list[int]) -> ServicesResult:
    f = getattr(r, label)["taalklas"]
    new = Flow(f.arcs, np.array([[x] for x in flow]), np.array([[u] for u in unmet]))
    return dataclasses.replace(r, **{label: {"taalklas": new}})


def _with_groups(r: ServicesResult, groups: list[int], cost: int | None = None) -> ServicesResult:
    exp = Expansion(np.array([[g] for g in groups]), np.asarray(r.expansion.open))
    total = r.cost["total"] if cost is None else cost
    return dataclasses.replace(r, expansion=exp, cost={**r.cost, "total": total})


def test_groups_beyond_the_allowed_are_named_with_the_limit(base) -> None:
    # 3 groups at P0 (at most 2): 3 x 100 + 300 = 600 cents, claimed as such
    assert _found(_with_groups(base, [3, 1], cost=600)) == [("expansion", "P0", 3.0, 2.0)]


def test_negative_groups_are_refused(base) -> None:
    # -1 group at P0: 5 places for S0's 12 placed, and the claimed cost is recomputed
    found = _found(_with_groups(base, [-1, 1], cost=200))
    assert found == [("expansion", "P0", -1.0, 2.0), ("capacity", "P0", 12.0, 5.0)]


def test_a_provider_opened_as_a_facility(base) -> None:
    exp = Expansion(np.asarray(base.expansion.groups), np.array([[True], [False]]))
    assert _found(dataclasses.replace(base, expansion=exp)) == [("expansion", "P0", None, None)]


def test_placements_beyond_the_places_after_expansion(base) -> None:
    # 16 at P0 (15 places): over capacity, and 16 placed + 0 short is not S0's demand 12
    found = _found(_with_flow(base, "after", [16, 4], [0, 0]))
    assert found == [("capacity", "P0", 16.0, 15.0), ("demand", "S0", None, None)]


def test_placements_beyond_the_places_before_expansion(base) -> None:
    # before the expansion P0 has its own 10 places only
    found = _found(_with_flow(base, "before", [11, 0], [1, 4]))
    assert found == [("capacity", "P0", 11.0, 10.0)]
    messages = [
        v.message for v in check_services(_with_flow(base, "before", [11, 0], [1, 4])).violations
    ]
    assert messages == ["before/taalklas t0: 11 placed, 10 places"]


def test_placed_plus_short_must_be_the_demand(base) -> None:
    # S1: 4 placed and 1 short is 5, its demand is 4
    found = _found(_with_flow(base, "after", [12, 4], [0, 1]))
    assert found == [("demand", "S1", None, None)]


def test_negative_placements_and_negative_shortfalls(base) -> None:
    found = _found(_with_flow(base, "after", [13, 4], [-1, 0]))
    assert [f[0] for f in found] == ["demand"]  # placed + short = 12: only "more than needed"
    assert found == [("demand", None, None, None)]
    found = _found(_with_flow(base, "after", [12, -1], [0, 5]))
    assert found == [("flow", None, None, None)]


def test_a_placement_out_of_reach(base) -> None:
    # S0 moved to x = 2000 m: P0 at x = 0 is 2000 m away, beyond its 1500 m
    inst = dataclasses.replace(base.instance, site_x=np.array([2000.0, 2000.0]))
    r = dataclasses.replace(base, instance=inst)
    found = _found(r)
    assert found == [("reach", "S0 -> P0", 2000.0, 1500.0)] * 2  # before and after


def test_a_claimed_cost_that_is_not_the_plans(base) -> None:
    r = dataclasses.replace(base, cost={**base.cost, "total": 401})
    assert _found(r) == [("cost", None, 401.0, 400.0)]


def test_a_facility_costs_its_setup_once_per_opening_and_takes_no_groups() -> None:
    # P0 a school (10 places), P1 a temporary facility of 10 places: 50 cents per period,
    # 1,000 cents to set up. S1 (x=2000) needs 4 in t0 and t1, none in t2, 4 in t3.
    prov = make_providers([0, 2000], [0, 0], [10, 10], reach_m=1500, group_size=5,
                          max_extra=2, cost_period=[100, 50], facility=[False, True],
                          setup=[0, 1000])  # fmt: skip
    inst = make_instance([0, 2000], [0, 0], np.array([[0, 0, 0, 0], [4, 4, 0, 4]]), prov)
    r = solve_services(inst)
    # open t0-t1 and again at t3 (two set-ups, 2,000 + 3 x 50 = 2,150) or t0-t3 (one
    # set-up, 1,000 + 4 x 50 = 1,200): the cheaper keeps it open through t2
    assert r.expansion.open[1].tolist() == [True, True, True, True]
    assert r.cost["total"] == 1200 and check_services(r).is_ok
    reopened = Expansion(
        np.asarray(r.expansion.groups), np.array([[False] * 4, [True, True, False, True]])
    )
    bad = dataclasses.replace(r, expansion=reopened)
    # t2 closed: nobody placed there (demand 0); the set-up is paid twice
    assert _found(bad) == [("cost", None, 1200.0, 2150.0)]
    grouped = Expansion(np.array([[0] * 4, [1, 0, 0, 0]]), np.asarray(r.expansion.open))
    with_groups = dataclasses.replace(r, expansion=grouped, cost={**r.cost, "total": 1200})
    assert _found(with_groups) == [("expansion", "P1", None, None)]
    assert [v.message for v in check_services(with_groups).violations] == [
        "groups added to a facility"
    ]


def test_expansion_messages_say_what_is_wrong(base) -> None:
    def messages(r: ServicesResult) -> list[str]:
        return [v.message for v in check_services(r).violations]

    assert messages(_with_groups(base, [3, 1], cost=600)) == ["groups outside 0..2"]
    exp = Expansion(np.asarray(base.expansion.groups), np.array([[True], [False]]))
    assert messages(dataclasses.replace(base, expansion=exp)) == ["a provider opened as a facility"]
    assert messages(_with_flow(base, "after", [12, 4], [0, 1])) == [
        "after/taalklas t0: placed + short != demand 4"
    ]
    assert messages(dataclasses.replace(base, cost={**base.cost, "total": 401})) == [
        "cost 401 cents, recomputed 400"
    ]


# --------------------------------------------------------------------------- more rules


def _flows(r: ServicesResult, label: str, flow: list[list[int]], unmet: list[list[int]]):
    f = getattr(r, label)["taalklas"]
    new = Flow(f.arcs, np.array(flow), np.array(unmet))
    return dataclasses.replace(r, **{label: {"taalklas": new}})


def test_two_sites_at_one_school_count_together() -> None:
    # S0 and S1 both 0 m from P0 (10 places, no expansion allowed): 6 + 6 = 12 > 10
    prov = make_providers([0], [0], [10], reach_m=1500, max_extra=0)
    r = solve_services(make_instance([0, 0], [0, 0], np.array([[6], [6]]), prov))
    assert r.after["taalklas"].flow[:, 0].sum() == 10 and check_services(r).is_ok
    bad = _flows(r, "after", [[6], [6]], [[0], [0]])
    assert _found(bad) == [("capacity", "P0", 12.0, 10.0)]


def test_reach_is_measured_in_both_directions_and_at_its_limit() -> None:
    # P0 at (0, 0) reaches 1,000 m: S0 at (600, 800) lies exactly 1,000 m away (in reach),
    # S1 at (0, 1000.5) lies 0.5 m beyond it
    prov = make_providers([0], [0], [10], reach_m=1000, max_extra=0)
    inst = make_instance([600, 0], [800, 0], np.array([[1], [1]]), prov)
    r = solve_services(inst)
    assert r.after["taalklas"].flow[:, 0].tolist() == [1, 1] and check_services(r).is_ok
    moved = dataclasses.replace(r, instance=dataclasses.replace(
        inst, site_y=np.array([800.0, 1000.5])))  # fmt: skip
    assert _found(moved) == [("reach", "S1 -> P0", 1000.5, 1000.0)] * 2
    # over a street graph the checker does not re-measure in a straight line
    graph = dataclasses.replace(moved, instance=dataclasses.replace(
        moved.instance, straight_line=False))  # fmt: skip
    assert check_services(graph).is_ok


def test_a_closed_facility_has_no_places_before_or_after() -> None:
    # P0 a school of 0 places, P1 a facility of 10 places (not opened here: no demand
    # needs it); placing 2 at P1 breaks its capacity of 0 in both flows
    prov = make_providers([0, 0], [0, 0], [0, 10], reach_m=1500, max_extra=0,
                          facility=[False, True], setup=[0, 100])  # fmt: skip
    r = solve_services(make_instance([0], [0], np.array([[0]]), prov))
    assert not r.expansion.open.any() and check_services(r).is_ok
    arcs = r.after["taalklas"].arcs
    at = arcs.provider.tolist().index(1)
    flow = [[2] if a == at else [0] for a in range(arcs.n)]
    for label in ("before", "after"):
        bad = _flows(r, label, flow, [[-2]])
        assert ("capacity", "P1", 2.0, 0.0) in _found(bad), label


def test_a_placement_at_a_provider_of_another_type() -> None:
    # the taalklas flow's arc points at a provider that is an ISK
    r = solve_services(two_schools(12, 4))
    p = r.instance.providers
    isk = dataclasses.replace(p, type=("isk", "taalklas"))
    bad = dataclasses.replace(r, instance=dataclasses.replace(r.instance, providers=isk))
    types = [v for v in check_services(bad).violations if v.rule == "type"]
    assert [(v.where, v.message) for v in types] == [
        ("S0 -> P0", "before: taalklas placed at a isk"),
        ("S0 -> P0", "after: taalklas placed at a isk"),
    ]


def test_a_status_that_says_everyone_is_placed_while_some_are_short() -> None:
    from opvang_opt.services.solve import AreaShortfall
    from opvang_opt.status import SolveStatus

    r = solve_services(two_schools(12, 4))
    short = (AreaShortfall("taalklas", "t0", "Noord", 12, 1),)
    bad = dataclasses.replace(r, status=SolveStatus.OPTIMAL, remaining=short)
    assert [(v.rule, v.message) for v in check_services(bad).violations] == [
        ("status", "status says everyone is placed, but some are short")
    ]
    assert check_services(dataclasses.replace(bad, expanded=False)).is_ok


def test_negative_placements_say_so() -> None:
    r = solve_services(two_schools(12, 4))
    bad = _flows(r, "after", [[12], [-1]], [[0], [5]])
    assert [v.message for v in check_services(bad).violations] == [
        "after/taalklas: a negative placement"
    ]
    bad = _flows(r, "after", [[13], [4]], [[-1], [0]])
    assert [v.message for v in check_services(bad).violations] == [
        "after/taalklas: more placed than needed"
    ]

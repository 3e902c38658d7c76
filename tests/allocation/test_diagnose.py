"""The diagnosis names the right rule, and by how much, on infeasible instances."""

from __future__ import annotations

from conftest import households, schools, sites, units
from opvang_opt.allocation import allocate, check_allocation
from opvang_opt.schema import AllocationConfig, MixRule
from opvang_opt.status import SolveStatus
from opvang_opt.texts import render


def run(hh, un, sc=None, **cfg):
    config = AllocationConfig(**cfg)
    res = allocate(hh, un, sites(), sc, None, config)
    assert check_allocation(res.instance.tables, config, res.assignments).is_ok
    return res


def shortfall(res, rule):
    hits = [s for s in res.diagnosis.shortfalls if s.rule == rule]
    assert hits, f"no {rule} shortfall in {res.diagnosis}"
    return hits[0]


def test_too_big_household():
    big = {"persons": 7, "adults": 2, "children_0_3": 5}
    res = run(households(big, big, {}), units({"beds": 6, "bedrooms": 3}, {"beds": 2}))
    s = shortfall(res, "occupancy")
    assert (s.required, s.available) == (2, 0)
    assert "2 households of 7+ persons, 0 units" in render(s.message, "en")
    # partial: the solve is optimal, but not every household is placed
    assert res.status is SolveStatus.OPTIMAL and not res.all_placed
    assert (res.n_placed, res.n_unplaced) == (1, 2)
    assert set(res.unplaced.rule) == {"occupancy"}
    assert len(res.assignments) == 1


def test_school_places_short():
    kid = {"persons": 3, "adults": 1, "children_4_11": 2}
    fam = {"beds": 4, "bedrooms": 2}
    res = run(
        households(kid, kid, kid),
        units(fam, fam, fam),
        schools({"taalklas_places": 3}),
        school_reach_m=2000.0,
    )
    s = shortfall(res, "school_capacity")
    assert (s.required, s.available) == (6, 3)
    assert "school SC1: 6 children" in render(s.message, "en")
    assert len(res.assignments) == 1  # 2 children each: only one household fits in 3 places
    assert set(res.unplaced.rule) == {"school_capacity"}


def test_mix_impossible():
    res = run(
        households({}, {}, {}),
        units({}, {}, {}),
        mix_rules=[MixRule(groups=["starter"], min_share=0.3)],
    )
    s = shortfall(res, "mix")
    assert s.required == 3 and s.available == 0
    assert res.status is SolveStatus.INFEASIBLE


def test_accessibility_short():
    w = {"needs_wheelchair": True}
    res = run(households(w, w, w), units({"accessible": True}, {}, {}))
    s = shortfall(res, "accessibility")
    assert (s.required, s.available) == (3, 1)
    assert len(res.assignments) == 1
    assert set(res.unplaced.rule) == {"capacity"}


def test_feasible_has_no_shortfall():
    res = run(households({}, {}), units({}, {}))
    assert res.status is SolveStatus.OPTIMAL and res.diagnosis.shortfalls == ()
    assert res.unplaced.empty


def test_reasons_in_dutch_and_english():
    res = run(households({"needs_wheelchair": True}), units({}))
    row = res.unplaced.iloc[0]
    assert "rolstoel" in render(row["reason"], "nl")
    assert "wheelchair" in render(row["reason"], "en")

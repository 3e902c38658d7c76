"""Rolling look-ahead with last year's arrivals (``run_rolling(history=...)``), hand-worked.

Weekly periods. Week 1 (3 March 2025): single H1, who works at site S1, is the first
arrival of the run; week 2: family F (4 adults). Units: U1 (4 beds, S1) and U2 (a studio
on S2, 5 km from S1). For H1 alone, U1 costs 3 unused beds x 0.5 = 1.5 and U2 5 km x 0.5
= 2.5.

- Without history nothing has arrived before week 1, so nothing is expected: H1 takes U1
  and F finds no unit in week 2.
- With last year's arrivals (one family a week over the weeks they span), one family is
  expected in week 2 (the only week ahead): placing H1 in U2 and the expected family in
  U1 costs 2.5, while H1 in U1 leaves the expected family without a unit. H1 gets U2 and F
  gets U1 in week 2: both are placed.
- A thinner history (a family and a single over five weeks: 0.4 households a week)
  expects round(0.4) = 0 households in the one week ahead: as without history.
"""

from __future__ import annotations

import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.errors import OpvangError
from opvang_opt.schema import AllocationConfig, RollingSettings
from opvang_opt.texts import render

FAMILY = {"persons": 4, "adults": 4}


def instance():
    hh = households(
        {
            "household_id": "H1",
            "arrival_date": "2025-03-03",
            "work_x": 120000.0,
            "work_y": 480000.0,
        },
        {**FAMILY, "household_id": "F", "arrival_date": "2025-03-10"},
    )
    un = units(
        {"unit_id": "U1", "bedrooms": 2, "beds": 4},
        {"unit_id": "U2", "bedrooms": 0, "beds": 1, "site_id": "S2"},
    )
    config = AllocationConfig(
        rolling=RollingSettings(period="week", lookahead_periods=52),
        weights={"work_km": 0.5, "unused_bed": 0.5},
    )
    return hh, un, config


def run(history=None) -> dict[str, str]:
    hh, un, config = instance()
    rr = run_rolling(hh, un, sites(2), None, None, config, history=history)
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


def last_year(*dates: str):
    """Families that arrived last year on ``dates`` (ids of their own)."""
    return households(
        *({**FAMILY, "household_id": f"P{i}", "arrival_date": d} for i, d in enumerate(dates))
    )


def test_without_history_the_first_arrival_takes_the_family_unit():
    got = run()
    assert got == {"H1": "U1"}


def test_last_years_families_keep_the_unit_for_the_family_to_come():
    # two families in the two weeks of 4 and 11 March 2024: one a week
    got = run(last_year("2024-03-04", "2024-03-11"))
    assert got == {"H1": "U2", "F": "U1"}


def test_a_thin_history_expects_no_household_in_the_week_ahead():
    # a family on 4 March and a single on 1 April 2024: five weeks (the first and the
    # last arrival's weeks both count), 0.4 a week, round(0.4) = 0 expected
    thin = households(
        {**FAMILY, "household_id": "P0", "arrival_date": "2024-03-04"},
        {"household_id": "P1", "arrival_date": "2024-04-01"},
    )
    got = run(thin)
    assert got == {"H1": "U1"}


def test_bad_history_rows_are_reported_with_the_households_problems():
    hh, un, config = instance()
    hh.loc[1, "persons"] = 0  # a problem of the households table
    bad = last_year("2024-03-04", "31-02-2024")
    bad.loc[0, "group"] = "martians"
    with pytest.raises(OpvangError) as err:
        run_rolling(hh, un, sites(2), None, None, config, history=bad)
    problems = err.value.problems
    by_source = {(p.source, p.field) for p in problems}
    assert ("households", "persons") in by_source
    assert ("history", "group") in by_source
    assert ("history", "arrival_date") in by_source
    where = {render(p.where, "en") for p in problems if p.source == "history"}
    assert where == {"household P0", "household P1"}


def test_history_spans_its_first_to_last_arrival_week_both_included():
    from opvang_opt.allocation.rolling import _earlier

    tables = validate_inputs(
        *instance()[:2], sites(2), None, None, instance()[2],
        history=last_year("2024-03-25", "2024-03-04", "2024-03-06"),
    )  # fmt: skip
    h, weeks = _earlier(tables.history, "W-SUN")
    # the weeks of 4, 11, 18 and 25 March 2024 (Monday to Sunday)
    assert weeks == 4
    assert list(h["household_id"]) == ["P1", "P2", "P0"]  # in arrival order
    assert set(h["current_unit"]) == {""}

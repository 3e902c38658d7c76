"""Rolling look-ahead keeps a unit for a household that is still to come (hand-worked).

Week 1: family F1 (4 adults) arrives; week 2: single H1, who works at site S1;
week 3: family F2 (4 adults). Units: U0 (4 beds, S1), U1 (4 beds, S1), U2 (a studio on
S2, 5 km from S1). For H1 alone, U1 costs 3 unused beds x 0.5 = 1.5 and the studio
5 km x 0.5 = 2.5, so without look-ahead H1 takes U1 and F2 finds no unit. With
look-ahead, one family a week is expected (the rate so far), so in week 2 H1 gets the
studio and F2 gets U1 in week 3: everyone is placed.
"""

from __future__ import annotations

from conftest import households, sites, units
from opvang_opt.allocation import run_rolling
from opvang_opt.schema import AllocationConfig, RollingSettings

FAMILY = {"persons": 4, "adults": 4}


def run(lookahead: int) -> dict[str, str]:
    hh = households(
        {**FAMILY, "household_id": "F1", "arrival_date": "2025-03-03"},
        {
            "household_id": "H1",
            "arrival_date": "2025-03-10",
            "work_x": 120000.0,
            "work_y": 480000.0,
        },
        {**FAMILY, "household_id": "F2", "arrival_date": "2025-03-17"},
    )
    un = units(
        {"unit_id": "U0", "bedrooms": 2, "beds": 4},
        {"unit_id": "U1", "bedrooms": 2, "beds": 4},
        {"unit_id": "U2", "bedrooms": 0, "beds": 1, "site_id": "S2"},
    )
    config = AllocationConfig(
        rolling=RollingSettings(period="week", lookahead_periods=lookahead),
        weights={"work_km": 0.5, "unused_bed": 0.5},
    )
    rr = run_rolling(hh, un, sites(2), None, None, config)
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


def test_without_lookahead_the_single_takes_the_family_unit():
    got = run(0)
    assert got["H1"] == "U1" and "F2" not in got


def test_lookahead_keeps_the_unit_for_the_expected_family():
    got = run(4)
    assert got["H1"] == "U2" and got["F2"] == "U1" and len(got) == 3

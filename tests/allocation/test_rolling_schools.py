"""Rolling mode keeps newcomer-education places for children still to come (issue 12).

Two hand-worked cases on two sites 5 km apart (S1 at x = 120 km, S2 at x = 125 km),
weekly periods, every household a statushouder family of two adults and one child of
4-11 who needs a taalklas place (reach 3 km). F0 and F2 refuse S1, so they can only
live on S2; F1 works at one of the sites (that site costs it 0, the other 5 km x 0.5 =
2.5; case 1 at S2, case 2 at S1). F0 arrives in
week 1, F1 in week 2, F2 in week 3. Every unit has 4 beds, so the unused beds cost the
same everywhere and only F1's work distance tells sites apart.

The look-ahead of week 2 expects one household like F0 (one arrival per week so far,
and week 3 is the last): a family that needs S2 and a taalklas place there.
"""

from __future__ import annotations

from conftest import households, schools, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings

FAMILY = {"persons": 3, "adults": 2, "children_4_11": 1}


def families(work_x: float):
    return households(
        {**FAMILY, "household_id": "F0", "arrival_date": "2025-03-03", "refused_sites": "S1"},
        {
            **FAMILY,
            "household_id": "F1",
            "arrival_date": "2025-03-10",
            "work_x": work_x,
            "work_y": 480000.0,
        },
        {**FAMILY, "household_id": "F2", "arrival_date": "2025-03-17", "refused_sites": "S1"},
    )


def four_units():
    return units(
        {"unit_id": "U1", "bedrooms": 2, "beds": 4, "site_id": "S1"},
        *[{"unit_id": f"U{i}", "bedrooms": 2, "beds": 4, "site_id": "S2"} for i in (2, 3, 4)],
    )


def run(sc, lookahead: int, work_x: float):
    hh, un = families(work_x), four_units()
    config = AllocationConfig(
        school_reach_m=3000.0,
        rolling=RollingSettings(period="week", lookahead_periods=lookahead),
    )
    rr = run_rolling(hh, un, sites(2), sc, None, config)
    tables = validate_inputs(hh, un, sites(2), sc, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return dict(zip(rr.assignments.household_id, rr.assignments.site_id, strict=True))


# Case 1: the look-ahead keeps a school place on S2 by choosing F1's site (F1 works at S2).
# School A (x = 117.5 km) reaches S1 only, school B (x = 127.5 km) S2 only; A has one
# place, B two. F0 must take B. Without look-ahead F1 goes to S2 (cost 0) and takes
# B's last place, so F2 (S2 only) finds no place. With look-ahead, week 2 places F1
# together with the expected F0-like family: both fit only if F1 lives on S1 (school
# A, cost 2.5), which beats leaving one unplaced; then F2 gets B's last place.
SEPARATE = {"x": 117500.0, "taalklas_places": 1}, {"x": 127500.0, "taalklas_places": 2}


def test_without_lookahead_an_early_child_takes_the_last_place_on_s2():
    got = run(schools(*SEPARATE), 0, work_x=125000.0)
    assert got == {"F0": "S2", "F1": "S2"}


def test_lookahead_keeps_the_place_on_s2_for_the_expected_child():
    got = run(schools(*SEPARATE), 4, work_x=125000.0)
    assert got == {"F0": "S2", "F1": "S1", "F2": "S2"}


# Case 2: the look-ahead keeps a school place by choosing F1's school (F1 works at S1).
# School B (x = 122.5 km, listed first) reaches both sites (2 places); school A
# (x = 117.5 km) reaches S1 only (1 place). F1 lives on S1 in every case (cost 0, and
# its child can use A or B there). F0 takes a place of B. If F1's child took B's
# second place, F2 (S2 only, B only) would find none; the rolling rule gives F1's
# child A's place, because the look-ahead expects a child on S2, who can use only B.
# (Before, the period's places were taken by whichever school an exact max flow over
# the schools in list order found first: B, and F2 stayed unplaced.)
SHARED = {"x": 122500.0, "taalklas_places": 2}, {"x": 117500.0, "taalklas_places": 1}


def test_lookahead_keeps_the_shared_school_for_the_expected_child():
    got = run(schools(*SHARED), 4, work_x=120000.0)
    assert got == {"F0": "S2", "F1": "S1", "F2": "S2"}

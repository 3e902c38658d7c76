"""The look-ahead's reserve for families needing newcomer-education places
(``rolling.reserve_sd``, issue 12), hand-worked.

Weekly periods, sites S1 (x = 120 km) and S2 (x = 125 km), one school at S1's spot with
one taalklas place (reach 3 km: S1 only). Units U1 (S1), U2 and U3 (S2), each one
bedroom and two beds. Week 1 (3 March 2025): single A (group urgent), who works at S1:
S1 costs A one unused bed (0.5), S2 that and 5 km x 0.5 (3.0 in all). Week 2 (the last):
family F (ontheemden, one adult and a child of 4-11 who needs a taalklas place, so F
can only live on S1).

Last year's arrivals: nine single adults and one family like F, one a week over ten
weeks. In week 1 the look-ahead expects round(10 / 10 weeks x 1 week ahead) = 1
household, the stratified sample's middle one: a single adult. The family's expected
number is 1 x 1/10 = 0.1.

- ``reserve_sd: 0``: only the single is expected. A takes U1 (0.5 against 3.0), the
  expected single a unit on S2. In week 2 F finds no unit within reach of the school:
  F is not placed.
- ``reserve_sd: 1``: ceil(1 x sqrt(0.1)) = ceil(0.32) = 1 more family is expected. Three
  households fit three units only with the family on U1 (the only unit in reach of the
  school), so A goes to S2 (3.0) and U1 is kept. In week 2 F gets U1: both are placed,
  at a cost of 3.0.
"""

from __future__ import annotations

import pandas as pd

from conftest import households, schools, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.allocation.rolling import with_reserve
from opvang_opt.schema import AllocationConfig, RollingSettings

FAMILY = {"group": "ontheemden", "persons": 2, "adults": 1, "children_4_11": 1}


def instance(reserve_sd: float):
    hh = households(
        {
            "household_id": "A",
            "group": "urgent",
            "arrival_date": "2025-03-03",
            "work_x": 120000.0,
            "work_y": 480000.0,
        },
        {**FAMILY, "household_id": "F", "arrival_date": "2025-03-10"},
    )
    un = units(
        {"unit_id": "U1", "site_id": "S1"},
        {"unit_id": "U2", "site_id": "S2"},
        {"unit_id": "U3", "site_id": "S2"},
    )
    config = AllocationConfig(
        school_reach_m=3000.0,
        rolling=RollingSettings(period="week", lookahead_periods=52, reserve_sd=reserve_sd),
        weights={"work_km": 0.5, "unused_bed": 0.5},
    )
    return hh, un, config


def last_year(families: int = 1) -> pd.DataFrame:
    """Nine single adults and ``families`` families like F, a week apart in 2024."""
    rows = [{"group": "urgent"}] * 9 + [FAMILY] * families
    dates = pd.date_range("2024-01-01", periods=len(rows), freq="7D").strftime("%Y-%m-%d")
    return households(
        *(
            {**r, "household_id": f"P{i}", "arrival_date": d}
            for i, (r, d) in enumerate(zip(rows, dates, strict=True))
        )
    )


def run(reserve_sd: float, history: pd.DataFrame):
    hh, un, config = instance(reserve_sd)
    sc = schools({"taalklas_places": 1})
    rr = run_rolling(hh, un, sites(2), sc, None, config, history=history)
    tables = validate_inputs(hh, un, sites(2), sc, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return rr


def test_without_reserve_the_single_takes_the_unit_the_family_needs():
    rr = run(0.0, last_year())
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"A": "U1"}
    assert list(rr.unplaced["household_id"]) == ["F"]


def test_the_reserve_keeps_the_unit_near_the_school_for_the_family():
    rr = run(1.0, last_year())
    got = dict(zip(rr.assignments.household_id, rr.assignments.site_id, strict=True))
    assert got == {"A": "S2", "F": "S1"}
    assert dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))["F"] == (
        "U1"
    )
    assert rr.assignments["cost"].sum() == 3.0
    assert rr.unplaced.empty
    # week 1 kept U1 for an expected family of two
    kept = rr.kept()
    row = kept[kept["unit_id"] == "U1"].iloc[0]
    assert (row["period"], int(row["persons"]), row["group"]) == (
        "2025-03-03/2025-03-09",
        2,
        "ontheemden",
    )


def test_no_reserve_when_no_family_needing_a_place_came():
    # ten single adults last year: nothing to reserve, so A keeps the cheaper U1
    singles = last_year(families=0)
    extra = households(
        {"household_id": "P9", "group": "urgent", "arrival_date": "2024-03-04"},
    )
    rr = run(1.0, pd.concat([singles, extra], ignore_index=True))
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"A": "U1"}


def test_the_reserve_grows_with_the_square_root_of_the_expected_families():
    # a pool of 100 households, 25 of them families needing a place; 64 expected:
    # m = 16 families expected, a reserve of ceil(0.5 x 4) = 2 (sd 0.5), 4 (sd 1), 8 (sd 2)
    pool = last_year(families=1)
    pool = pd.concat([pool.iloc[:9]] * 5 + [pool.iloc[9:]] * 25 + [pool.iloc[:1]] * 30)
    pool = pool.reset_index(drop=True)
    assert len(pool) == 100
    pool["arrival_date"] = pd.to_datetime(pool["arrival_date"])
    expected = pool.iloc[:64].assign(household_id="x", current_unit="")
    config = AllocationConfig()
    sizes = [len(with_reserve(expected, pool, config, sd)) - 64 for sd in (0.0, 0.5, 1.0, 2.0)]
    assert sizes == [0, 2, 4, 8]
    out = with_reserve(expected, pool, config, 1.0)
    assert (out.iloc[64:]["children_4_11"] == 1).all()
    assert out["household_id"].is_unique
    # without the school-place rule no child needs a place: no reserve
    off = AllocationConfig(school_capacity=False)
    assert len(with_reserve(expected, pool, off, 1.0)) == 64

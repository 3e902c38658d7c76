"""The stratified look-ahead expects every household size in proportion (hand-worked).

Weekly periods. Week 1: single S1 (no work); weeks 2 and 3: families F1 and F2 (4 adults
each); week 4: single H, who works at site S1; week 5: family F3. Units on S1: a studio
US (ready from the start), three 4-bed units UF1, UF2, UF3; on S2 (5 km from S1): a
studio UB, ready only in week 2 (so S1, with no waiting allowed, cannot take it).

Week 1 has no history (no look-ahead): S1 takes US (0 cost; UF costs 3 unused beds).
F1 and F2 take two 4-bed units. In week 4 the free units are one 4-bed unit and UB.
For H, the 4-bed unit costs 3 unused beds x 0.5 = 1.5 and UB 5 km x 0.5 = 2.5. The
arrivals so far are S1, F1, F2 (one a week), so one household is expected in week 5:

- ``arrival_order`` expects the first arrival, a copy of S1 (a single without work): H
  in the 4-bed unit and the copy in UB cost 1.5, the other way round 4.0, so H takes
  the 4-bed unit and F3 finds no unit in week 5. Without look-ahead H takes it as well.
- ``stratified`` expects the middle of the arrivals sorted by size (S1, F1, F2), a copy
  of F1: a family fits only the 4-bed unit, so placing both sends H to UB (2.5) and
  F3 gets the 4-bed unit: all five are placed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.allocation.rolling import stratified_rows
from opvang_opt.schema import AllocationConfig, RollingSettings

FAMILY = {"persons": 4, "adults": 4}


def instance(sample: str, lookahead: int = 52):
    hh = households(
        {"household_id": "S1", "arrival_date": "2025-03-03"},
        {**FAMILY, "household_id": "F1", "arrival_date": "2025-03-10"},
        {**FAMILY, "household_id": "F2", "arrival_date": "2025-03-17"},
        {
            "household_id": "H",
            "arrival_date": "2025-03-24",
            "work_x": 120000.0,
            "work_y": 480000.0,
        },
        {**FAMILY, "household_id": "F3", "arrival_date": "2025-03-31"},
    )
    un = units(
        {"unit_id": "US", "bedrooms": 0, "beds": 1},
        {"unit_id": "UF1", "bedrooms": 2, "beds": 4},
        {"unit_id": "UF2", "bedrooms": 2, "beds": 4},
        {"unit_id": "UF3", "bedrooms": 2, "beds": 4},
        {
            "unit_id": "UB",
            "bedrooms": 0,
            "beds": 1,
            "site_id": "S2",
            "available_from": "2025-03-10",
        },
    )
    config = AllocationConfig(
        rolling=RollingSettings(
            period="week", lookahead_periods=lookahead, lookahead_sample=sample
        ),
        weights={"work_km": 0.5, "unused_bed": 0.5},
    )
    return hh, un, config


def run(sample: str, lookahead: int = 52) -> tuple[dict[str, str], pd.DataFrame]:
    hh, un, config = instance(sample, lookahead)
    rr = run_rolling(hh, un, sites(2), None, None, config)
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    return got, rr.assignments


@pytest.mark.parametrize("sample,lookahead", [("arrival_order", 52), ("stratified", 0)])
def test_expecting_the_first_arrival_gives_the_family_unit_to_the_single(sample, lookahead):
    got, _ = run(sample, lookahead)
    assert got["S1"] == "US"
    assert got["H"].startswith("UF") and "F3" not in got


def test_stratified_sample_keeps_the_unit_for_the_expected_family():
    got, _ = run("stratified")
    assert got["H"] == "UB" and got["F3"].startswith("UF") and len(got) == 5


def test_stratified_is_deterministic():
    a = run("stratified")[1]
    b = run("stratified")[1]
    pd.testing.assert_frame_equal(a, b)


def test_stratified_rows_in_proportion():
    # 6 singles and 3 families in arrival order S S F S S F S S F; 3 expected: the
    # sorted order is 6 singles then 3 families, positions floor((i + 0.5) * 9 / 3) =
    # 1, 4, 7: two singles and one family (2:1, as in the history)
    persons = [1, 1, 4, 1, 1, 4, 1, 1, 4]
    h = households(*({"persons": p, "adults": p} for p in persons))
    rows = stratified_rows(h, 3)
    assert sorted(h.iloc[rows]["persons"].tolist()) == [1, 1, 4]
    assert list(rows) == sorted(rows)
    # more expected than seen: every household at least once, in proportion
    rows = stratified_rows(h, 18)
    assert h.iloc[rows]["persons"].value_counts().to_dict() == {1: 12, 4: 6}


def test_kept_names_the_unit_kept_for_the_expected_family():
    # week 4 of the stratified run: the one free 4-bed unit is kept for the expected
    # copy of F1 (4 persons, statushouders); H gets the studio UB
    hh, un, config = instance("stratified")
    rr = run_rolling(hh, un, sites(2), None, None, config)
    kept = rr.kept()
    week4 = kept[kept["period"] == rr.periods[3].period]
    assert week4["unit_id"].str.startswith("UF").tolist() == [True]
    assert week4[["persons", "group", "futures"]].values.tolist() == [[4, "statushouders", 1]]
    text = week4["reason"].iloc[0].render("en")
    assert "kept free" in text and "4 persons" in text
    assert "vrijgehouden" in week4["reason"].iloc[0].render("nl")
    # the last period expects nobody: nothing is kept there
    assert (kept["period"] != rr.periods[-1].period).all()

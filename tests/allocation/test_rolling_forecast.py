"""Rolling look-ahead with a given forecast (``run_rolling(forecast=...)``), hand-worked.

The instance of ``test_rolling_history``: weekly periods; week 1 (3-9 March 2025): single
H1, who works at site S1, is the first arrival; week 2 (10-16 March): family F (4
adults), the last week of the run. Units: U1 (4 beds, S1) and U2 (a studio on S2, 5 km
from S1). For H1 alone, U1 costs 3 unused beds x 0.5 = 1.5 and U2 5 km x 0.5 = 2.5.

- A forecast family arriving on 12 March (week 2, the week ahead): H1 in U2 and the
  expected family in U1 cost 2.5 and place both; H1 in U1 leaves the family without a
  unit. H1 gets U2, F gets U1 in week 2.
- A forecast single (1 person, no work) on 12 March: H1 in U1 and the single in U2 cost
  1.5 + 0 = 1.5; H1 in U2 and the single in U1 cost 2.5 + 1.5 = 4. H1 gets U1; F finds
  no unit in week 2.
- A forecast family arriving on 24 March (week 4): after the run's last week, never in
  the periods ahead, so nothing is expected: H1 takes U1 (as without history).
- The forecast replaces the sample: last year's families (one a week) together with the
  forecast single give the forecast's answer, not the history's.
"""

from __future__ import annotations

import pytest
from test_rolling_history import FAMILY, instance, last_year

from conftest import households, sites
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.errors import OpvangError
from opvang_opt.texts import render


def run(forecast, history=None) -> dict[str, str]:
    hh, un, config = instance()
    rr = run_rolling(hh, un, sites(2), None, None, config, history=history, forecast=forecast)
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


def family_on(date: str):
    return households({**FAMILY, "household_id": "X1", "arrival_date": date})


def single_on(date: str):
    return households({"household_id": "X1", "arrival_date": date})


def test_a_forecast_family_in_the_week_ahead_keeps_the_family_unit():
    assert run(family_on("2025-03-12")) == {"H1": "U2", "F": "U1"}


def test_a_forecast_single_lets_the_first_arrival_take_the_family_unit():
    assert run(single_on("2025-03-12")) == {"H1": "U1"}


def test_a_forecast_after_the_last_week_expects_nobody():
    assert run(family_on("2025-03-24")) == {"H1": "U1"}


def test_the_forecast_replaces_the_sample_of_last_years_arrivals():
    # without the forecast, this history keeps U1 for a family (test_rolling_history)
    history = last_year("2024-03-04", "2024-03-11")
    assert run(None, history) == {"H1": "U2", "F": "U1"}
    assert run(single_on("2025-03-12"), history) == {"H1": "U1"}


def test_bad_forecast_rows_are_reported_with_their_own_label():
    hh, un, config = instance()
    bad = family_on("31-02-2025")
    bad.loc[0, "group"] = "martians"
    with pytest.raises(OpvangError) as err:
        run_rolling(hh, un, sites(2), None, None, config, forecast=bad)
    problems = err.value.problems
    assert {(p.source, p.field) for p in problems} == {
        ("forecast", "group"),
        ("forecast", "arrival_date"),
    }
    assert {render(p.where, "en") for p in problems} == {"household X1"}

"""A household that waits in rolling mode keeps its arrival date and its deadline.

Issue 12 (seed 2 of ``benchmarks/bench_rolling.py`` broke a date rule): a household
left waiting in one period was moved to the next with its arrival date set to that
period's start, which stretched its deadline (arrival + ``max_wait_days``), so it
could get a unit it may not have.

Hand-worked case, ``max_wait_days: 14``, weekly periods:

* F (a household of 4 adults) arrives on Monday 2025-03-03: its deadline is 2025-03-17.
* S (a single adult) arrives on Monday 2025-03-10, so there is a second week.
* U1 (4 beds) is delivered on 2025-03-20, three days after F's deadline; U2 is a
  studio (1 bed), ready now.

F fits no unit by its deadline (U2 is too small, U1 too late), so F is never placed;
S gets the studio. Read with the stretched deadline (2025-03-10 + 14 = 2025-03-24),
week 2 would give F the unit U1.
"""

from __future__ import annotations

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings


def case(lookahead: int):
    hh = households(
        {"household_id": "F", "persons": 4, "adults": 4, "arrival_date": "2025-03-03"},
        {"household_id": "S", "arrival_date": "2025-03-10"},
    )
    un = units(
        {"unit_id": "U1", "bedrooms": 2, "beds": 4, "available_from": "2025-03-20"},
        {"unit_id": "U2", "bedrooms": 0, "beds": 1},
    )
    config = AllocationConfig(
        max_wait_days=14,
        rolling=RollingSettings(period="week", lookahead_periods=lookahead),
    )
    return hh, un, config


def test_waiting_household_keeps_its_deadline_without_lookahead():
    hh, un, config = case(0)
    rr = run_rolling(hh, un, sites(1), None, None, config)
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"S": "U2"}
    assert list(rr.unplaced["household_id"]) == ["F"]
    tables = validate_inputs(hh, un, sites(1), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok


def test_waiting_household_keeps_its_deadline_with_lookahead():
    hh, un, config = case(4)
    rr = run_rolling(hh, un, sites(1), None, None, config)
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"S": "U2"}
    tables = validate_inputs(hh, un, sites(1), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok


def test_waiting_household_keeps_its_arrival_date_in_the_later_batch():
    # the second period's result lists F among its households with its own date
    hh, un, config = case(0)
    rr = run_rolling(hh, un, sites(1), None, None, config)
    assert [p.waiting for p in rr.periods] == [0, 1]
    last = rr.periods[-1].result
    assert "F" in set(last.unplaced["household_id"])

"""``rolling.decide_by_deadline``: a household is decided in the last period that ends
by its deadline (arrival + ``max_wait_days``).

Hand-worked, weekly periods (Monday to Sunday), two sites 5 km apart (S1 at x = 120 km,
S2 at x = 125 km), two studios ready now: U1 on S1 and U2 on S2.

* H1 arrives on Monday 2025-03-03 (week 1) and works at x = 122 km: S1 costs it
  2 km x 0.5 = 1.0, S2 3 km x 0.5 = 1.5.
* H2 arrives on Monday 2025-03-10 (week 2) and works at S1: S1 costs 0, S2 5 km x 0.5
  = 2.5.

Knowing both, the best is H1 on S2 and H2 on S1 (1.5 + 0 = 1.5, against 1.0 + 2.5 =
3.5). Without look-ahead, week 1 knows only H1 and gives it U1 (the cheaper one for it).

* ``max_wait_days: 14``: H1's deadline is 2025-03-17, after week 2 ends (Sunday
  2025-03-16), so H1 waits; week 2 (the last one, every choice final) decides both
  together: H1 gets U2, H2 gets U1.
* ``max_wait_days: 6``: H1's deadline is 2025-03-09, before week 2 ends: H1 is decided
  in week 1 and gets U1; H2 gets U2.
* ``max_wait_days: 14`` with H2 arriving in week 4 (2025-03-24): the next period with
  arrivals ends on 2025-03-30, after H1's deadline: H1 is decided in week 1 (U1).
"""

from __future__ import annotations

import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings


def run(decide_by_deadline: bool, lookahead: int, max_wait_days: int, h2: str = "2025-03-10"):
    hh = households(
        {"household_id": "H1", "arrival_date": "2025-03-03", "work_x": 122000.0},
        {"household_id": "H2", "arrival_date": h2, "work_x": 120000.0},
    )
    hh["work_y"] = 480000.0
    un = units(
        {"unit_id": "U1", "bedrooms": 0, "beds": 1},
        {"unit_id": "U2", "bedrooms": 0, "beds": 1, "site_id": "S2"},
    )
    config = AllocationConfig(
        max_wait_days=max_wait_days,
        weights={"work_km": 0.5},
        rolling=RollingSettings(
            period="week", lookahead_periods=lookahead, decide_by_deadline=decide_by_deadline
        ),
    )
    rr = run_rolling(hh, un, sites(2), None, None, config)
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return rr


def placed(rr) -> dict[str, str]:
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


@pytest.mark.parametrize("lookahead", [0, 4])
def test_a_household_that_may_wait_is_decided_with_the_next_arrivals(lookahead):
    rr = run(True, lookahead, 14)
    assert placed(rr) == {"H1": "U2", "H2": "U1"}
    assert [p.deferred for p in rr.periods] == [1, 0]
    assert [p.waiting for p in rr.periods] == [0, 1]
    assert rr.assignments.set_index("household_id")["period"]["H1"].startswith("2025-03-10")


def test_without_the_setting_the_household_is_decided_on_arrival():
    rr = run(False, 0, 14)
    assert placed(rr) == {"H1": "U1", "H2": "U2"}
    assert [p.deferred for p in rr.periods] == [0, 0]


def test_a_deadline_before_the_next_period_ends_is_decided_at_once():
    rr = run(True, 0, 6)
    assert placed(rr) == {"H1": "U1", "H2": "U2"}
    assert [p.deferred for p in rr.periods] == [0, 0]


def test_the_next_period_is_the_next_one_with_arrivals():
    rr = run(True, 0, 14, h2="2025-03-24")
    assert placed(rr) == {"H1": "U1", "H2": "U2"}
    assert [p.deferred for p in rr.periods] == [0, 0]

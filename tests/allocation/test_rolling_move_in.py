"""``rolling.decide_at_move_in``: a unit not yet available is not given out yet.

Hand-worked, weekly periods, ``max_wait_days: 14``, two sites 5 km apart (S1 at
x = 120 km, S2 at x = 125 km), two studios: U1 on S1, delivered on Monday 2025-03-17
(week 3), and U2 on S2, ready now.

* H1 arrives on 2025-03-03 (week 1) and works at x = 122 km: S1 costs it
  2 km x 0.5 = 1.0, S2 3 km x 0.5 = 1.5.
* H2 arrives on 2025-03-10 (week 2) and works at S1: S1 costs 0, S2 5 km x 0.5 = 2.5.

Both may wait for U1 (H1's deadline is 2025-03-17). Knowing both, the best is H1 on S2
and H2 on S1 (1.5 + 0 = 1.5, against 1.0 + 2.5 = 3.5). In week 1 nothing is known of
H2, so H1's best unit is U1; but U1 is only delivered in week 3, so H1 need not be given
it yet. Chosen again in week 2 (the last week: every choice final), H1 gets U2 and H2
gets U1. Deciding on arrival instead gives H1 the unit U1 in week 1 and H2 the studio
on S2. Every household is decided on arrival here (``decide_by_deadline`` off), so
that only ``decide_at_move_in`` defers a choice.
"""

from __future__ import annotations

import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings


def run(decide_at_move_in: bool, lookahead: int):
    hh = households(
        {"household_id": "H1", "arrival_date": "2025-03-03", "work_x": 122000.0},
        {"household_id": "H2", "arrival_date": "2025-03-10", "work_x": 120000.0},
    )
    hh["work_y"] = 480000.0
    un = units(
        {"unit_id": "U1", "bedrooms": 0, "beds": 1, "available_from": "2025-03-17"},
        {"unit_id": "U2", "bedrooms": 0, "beds": 1, "site_id": "S2"},
    )
    config = AllocationConfig(
        max_wait_days=14,
        weights={"work_km": 0.5},
        rolling=RollingSettings(
            period="week",
            lookahead_periods=lookahead,
            decide_at_move_in=decide_at_move_in,
            decide_by_deadline=False,
        ),
    )
    rr = run_rolling(hh, un, sites(2), None, None, config)
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return rr


@pytest.mark.parametrize("lookahead", [0, 4])
def test_the_unit_is_chosen_again_when_it_is_delivered_later(lookahead):
    rr = run(True, lookahead)
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"H1": "U2", "H2": "U1"}
    assert [p.deferred for p in rr.periods] == [1, 0]
    assert [p.waiting for p in rr.periods] == [0, 1]
    assert rr.summary()["deferred"].tolist() == [1, 0]


@pytest.mark.parametrize("lookahead", [0, 4])
def test_deciding_on_arrival_gives_the_later_unit_away_at_once(lookahead):
    rr = run(False, lookahead)
    got = dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))
    assert got == {"H1": "U1", "H2": "U2"}
    assert [p.deferred for p in rr.periods] == [0, 0]

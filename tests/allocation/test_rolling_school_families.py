"""``rolling.school_families_on_arrival``: with ``decide_by_deadline``, households with a
child needing a newcomer-education place are decided in the period they arrive.

Hand-worked, weekly periods (Monday to Sunday), no look-ahead, ``max_wait_days: 14``;
two sites 5 km apart (S1 at x = 120 km, S2 at x = 125 km, y = 480 km), one 2-bed unit on
each, ready now: U1 on S1, U2 on S2; one school at x = 122.5 km with two taalklas places,
2.5 km from both sites (within the 3 km reach).

* H1 (statushouders: one adult and a child of 4-11, who needs a taalklas place) arrives
  on Monday 2025-03-03 (week 1) and works at x = 122 km: S1 costs it 2 km x 0.5 = 1.0,
  S2 3 km x 0.5 = 1.5. Its deadline, 2025-03-17, is after week 2 ends.
* H2 (a single adult) arrives on Monday 2025-03-10 (week 2) and works at S1: S1 costs 0,
  S2 5 km x 0.5 = 2.5. Either unit leaves it one bed empty (0.5 both ways).

* Setting on: H1 needs a school place, so it does not wait: week 1 knows only H1 and
  gives it U1 (1.0 < 1.5); H2 gets U2 in week 2.
* Setting off: H1 waits until week 2 (the last period), which decides both together:
  H1 on S2 and H2 on S1 cost 1.5 + 0 against 1.0 + 2.5, so H1 gets U2, H2 gets U1.
* Without a child needing a place (the child is enrolled: a current school is given),
  H1 waits with the setting on too: as off.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings


def run(on_arrival: bool, enrolled: bool = False, decide_by_deadline: bool = True):
    h1 = {
        "household_id": "H1",
        "arrival_date": "2025-03-03",
        "work_x": 122000.0,
        "persons": 2,
        "children_4_11": 1,
    }
    if enrolled:
        h1 |= {"school_x": 121000.0, "school_y": 480000.0}
    hh = households(h1, {"household_id": "H2", "arrival_date": "2025-03-10", "work_x": 120000.0})
    hh["work_y"] = 480000.0
    un = units({"unit_id": "U1"}, {"unit_id": "U2", "site_id": "S2"})
    schools = pd.DataFrame(
        {
            "school_id": ["SCH1"],
            "x": [122500.0],
            "y": [480000.0],
            "taalklas_places": [2],
            "isk_places": [0],
        }
    )
    config = AllocationConfig(
        max_wait_days=14,
        weights={"work_km": 0.5, "school_km": 0.0},
        rolling=RollingSettings(
            period="week",
            lookahead_periods=0,
            decide_by_deadline=decide_by_deadline,
            school_families_on_arrival=on_arrival,
        ),
    )
    rr = run_rolling(hh, un, sites(2), schools, None, config)
    tables = validate_inputs(hh, un, sites(2), schools, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return rr


def placed(rr) -> dict[str, str]:
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


def test_a_family_needing_a_school_place_is_decided_on_arrival():
    rr = run(True)
    assert placed(rr) == {"H1": "U1", "H2": "U2"}
    assert [p.deferred for p in rr.periods] == [0, 0]
    assert rr.assignments.set_index("household_id")["period"]["H1"].startswith("2025-03-03")


def test_without_the_setting_the_family_waits_for_its_deadline():
    rr = run(False)
    assert placed(rr) == {"H1": "U2", "H2": "U1"}
    assert [p.deferred for p in rr.periods] == [1, 0]


@pytest.mark.parametrize("on_arrival", [True, False])
def test_a_family_whose_child_keeps_its_school_waits(on_arrival):
    rr = run(on_arrival, enrolled=True)
    assert placed(rr) == {"H1": "U2", "H2": "U1"}
    assert [p.deferred for p in rr.periods] == [1, 0]


def test_no_effect_without_deciding_by_the_deadline():
    # every household is decided on arrival: week 1 gives H1 its cheaper unit U1
    rr = run(True, decide_by_deadline=False)
    assert placed(rr) == {"H1": "U1", "H2": "U2"}

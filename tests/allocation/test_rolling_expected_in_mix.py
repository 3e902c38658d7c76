"""``rolling.expected_in_mix``: whether the look-ahead's expected households count in
the mix rules, hand-worked.

Weekly periods, a look-ahead of one week, ``max_wait_days: 0``; only work distance
costs (0.5 a km); at most half of a site's occupied units may be statushouders'. Site S1
(x = 120 km) has two free studios U1, U2 and one occupied by an urgent household (U4);
site S2 (x = 125 km) one free studio U3 and one occupied by an urgent household (U5). So
each site takes one more statushouder (1 of 2 on S1 with U4, 1 of 2 on S2 with U5), not
two (2 of 3).

* H1 (statushouders) arrives on 2025-03-03 (week 1), working at x = 121 km: S1 costs it
  0.5, S2 2.0.
* The forecast expects X1 (statushouders) on 2025-03-12 (week 2), working at x = 119
  km: S1 0.5, S2 3.0.
* Who really comes in week 2 is H2, working at S2 (S1 2.5, S2 0): an urgent household,
  or (the forecast right) a statushouder.

Counting X1 (the default): H1 and X1 cannot both have S1; H1 on S2 and X1 on S1 cost
2.0 + 0.5 = 2.5 against 0.5 + 3.0 = 3.5, so H1 gets U3. An urgent H2 then gets a studio
on S1 (2.5): 4.5 in all; a statushouder H2 also gets S1 (S2 is full): 2.5.

Not counting X1: H1 and X1 may both have S1 (0.5 + 0.5), so H1 gets a studio on S1.
H2 then gets U3 (0): 0.5 in all, the hindsight optimum (a statushouder H2 could not
join H1 on S1 anyway). When the forecast is right (H2 a statushouder working at x = 119
km, like X1), H2 must take U3 at 3.0: 3.5 in all, against 2.5 counting X1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, RollingSettings


def run(in_mix: bool, h2_group: str, h2_works_at: float = 125000.0) -> dict[str, str]:
    hh = households(
        {"household_id": "H1", "arrival_date": "2025-03-03", "work_x": 121000.0},
        {
            "household_id": "H2",
            "arrival_date": "2025-03-10",
            "work_x": h2_works_at,
            "group": h2_group,
        },
    )
    forecast = households({"household_id": "X1", "arrival_date": "2025-03-12", "work_x": 119000.0})
    hh["work_y"] = forecast["work_y"] = 480000.0
    un = units(
        {"unit_id": "U1", "beds": 1},
        {"unit_id": "U2", "beds": 1},
        {"unit_id": "U3", "site_id": "S2", "beds": 1},
        {"unit_id": "U4", "beds": 1},
        {"unit_id": "U5", "site_id": "S2", "beds": 1},
    )
    occupied = pd.DataFrame({"unit_id": ["U4", "U5"], "group": ["urgent", "urgent"]})
    cfg = AllocationConfig(
        max_wait_days=0,
        weights={"work_km": 0.5, "school_km": 0.0},
        mix_rules=[{"groups": ["statushouders"], "max_share": 0.5}],
        rolling=RollingSettings(period="week", lookahead_periods=1, expected_in_mix=in_mix),
    )
    rr = run_rolling(hh, un, sites(2), None, None, cfg, occupied=occupied, forecast=forecast)
    tables = validate_inputs(hh, un, sites(2), None, None, cfg, occupied=occupied)
    assert check_allocation(tables, cfg, rr.assignments).is_ok
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


@pytest.mark.parametrize("group", ["urgent", "statushouders"])
def test_counting_the_expected_statushouder_keeps_s1_for_it(group):
    assert run(True, group)["H1"] == "U3"
    assert run(True, group)["H2"] in {"U1", "U2"}


@pytest.mark.parametrize("group", ["urgent", "statushouders"])
def test_not_counting_it_gives_the_real_statushouder_s1(group):
    got = run(False, group)
    assert got["H1"] in {"U1", "U2"} and got["H2"] == "U3"


def test_not_counting_it_costs_more_when_the_forecast_is_right():
    # H2 is a statushouder working where X1 was expected to: S1 is closed to it
    got = run(False, "statushouders", 119000.0)
    assert got["H1"] in {"U1", "U2"} and got["H2"] == "U3"
    got = run(True, "statushouders", 119000.0)
    assert got["H1"] == "U3" and got["H2"] in {"U1", "U2"}

"""``rolling.expected_weight``: the expected households' costs count less in the
look-ahead, hand-worked.

Weekly periods, a look-ahead of one week, ``max_wait_days: 0`` (each household is
decided in the week it arrives); two sites 5 km apart (S1 at x = 120 km, S2 at x = 125
km, y = 480 km), one 1-bed studio on each: U1 on S1, U2 on S2. Every household is a
single adult (no bed empty); only work distance costs (0.5 a km).

* H1 arrives on Monday 2025-03-03 (week 1) and works at x = 121 km: S1 costs it 0.5,
  S2 2.0.
* The forecast expects X1 on 2025-03-12 (week 2), working at S1: S1 costs 0, S2 2.5.
* Who really comes in week 2 is H2, working at S2: S1 costs it 2.5, S2 0.

Weight 1 (as before): week 1 plans H1 and X1 together: H1 on S1 and X1 on S2 cost 0.5
+ 2.5 = 3.0, H1 on S2 and X1 on S1 2.0 + 0 = 2.0, so H1 gets U2; H2 then gets U1:
2.0 + 2.5 = 4.5 in all. Weight 0.5: 0.5 + 0.5 x 2.5 = 1.75 against 2.0 + 0 = 2.0, so H1
gets U1 and H2 U2: 0.5 + 0 = 0.5, the hindsight optimum. (The choice flips below 0.6:
0.5 + 2.5 w < 2.0.) A forecast that is right (X1 works at S2, like H2) gives U1 to H1
with either weight.

The engine itself: two single adults and the same two studios; H1 works at S1 (S1 0,
S2 2.5), H2 at x = 122 km (S1 1.0, S2 1.5). Alike, H1 on S1 costs 0 + 1.5, H1 on S2
2.5 + 1.0: H1 gets U1. With H1's costs weighted 0.1 (``model.COST_WEIGHT``): 0 + 1.5
against 0.25 + 1.0, so H1 gets U2; the result's objective is the unweighted cost, 3.5.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate_tables, check_allocation, run_rolling, validate_inputs
from opvang_opt.allocation.model import COST_WEIGHT
from opvang_opt.schema import AllocationConfig, RollingSettings


def config(weight: float) -> AllocationConfig:
    return AllocationConfig(
        max_wait_days=0,
        weights={"work_km": 0.5, "school_km": 0.0},
        rolling=RollingSettings(period="week", lookahead_periods=1, expected_weight=weight),
    )


def run(weight: float, forecast_works_at: float = 120000.0) -> dict[str, str]:
    hh = households(
        {"household_id": "H1", "arrival_date": "2025-03-03", "work_x": 121000.0},
        {"household_id": "H2", "arrival_date": "2025-03-10", "work_x": 125000.0},
    )
    forecast = households(
        {"household_id": "X1", "arrival_date": "2025-03-12", "work_x": forecast_works_at}
    )
    hh["work_y"] = forecast["work_y"] = 480000.0
    un = units({"unit_id": "U1", "beds": 1}, {"unit_id": "U2", "site_id": "S2", "beds": 1})
    cfg = config(weight)
    rr = run_rolling(hh, un, sites(2), None, None, cfg, forecast=forecast)
    tables = validate_inputs(hh, un, sites(2), None, None, cfg)
    assert check_allocation(tables, cfg, rr.assignments).is_ok
    return dict(zip(rr.assignments.household_id, rr.assignments.unit_id, strict=True))


def test_full_weight_keeps_the_unit_the_expected_household_prefers():
    assert run(1.0) == {"H1": "U2", "H2": "U1"}
    assert run(0.7) == {"H1": "U2", "H2": "U1"}


def test_a_lower_weight_gives_the_real_household_its_better_unit():
    assert run(0.5) == {"H1": "U1", "H2": "U2"}


@pytest.mark.parametrize("weight", [1.0, 0.5])
def test_a_right_forecast_gives_the_same_units_with_either_weight(weight):
    assert run(weight, forecast_works_at=125000.0) == {"H1": "U1", "H2": "U2"}


def engine(weight_h1: float | None):
    hh = households({"work_x": 120000.0}, {"work_x": 122000.0})
    hh["work_y"] = 480000.0
    un = units({"unit_id": "U1", "beds": 1}, {"unit_id": "U2", "site_id": "S2", "beds": 1})
    cfg = config(1.0)
    tables = validate_inputs(hh, un, sites(2), None, None, cfg)
    if weight_h1 is not None:
        tables.households[COST_WEIGHT] = pd.Series([weight_h1, 1.0])
    return allocate_tables(tables, cfg, check=False)


def units_of(res) -> dict[str, str]:
    return dict(zip(res.assignments.household_id, res.assignments.unit_id, strict=True))


def test_the_engine_weighs_a_households_costs():
    alike = engine(None)
    assert units_of(alike) == {"H1": "U1", "H2": "U2"}
    assert alike.objective == pytest.approx(1.5)
    weighted = engine(0.1)
    assert units_of(weighted) == {"H1": "U2", "H2": "U1"}
    assert weighted.objective == pytest.approx(3.5)
    assert engine(1.0).objective == pytest.approx(1.5)

"""Rolling: a household may still be placed in the period that starts on its deadline.

Hand-worked case, weekly periods (Monday to Sunday), one site S1 with two units, the rule
"statushouders at most 1/2 on a site":

* H1, a statushouder, arrives on Monday 3 March 2025. In that week it would be 1 of 1 on
  S1, so it waits.
* H2, an ontheemde, arrives on Monday 10 March, the first day of the next week: H1 and H2
  together are 1 of 2, so both may be placed that week.

With ``max_wait_days: 7`` H1's deadline is 10 March, the day that week starts: it is not
past its deadline, so both are placed. With ``max_wait_days: 6`` its deadline is 9 March,
before that week: H1 stays unplaced (its last reason: the mix rule), H2 is placed.
"""

from __future__ import annotations

import pytest

from conftest import households, sites, units
from opvang_opt.allocation import check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, MixRule, RollingSettings


def _run(max_wait_days: int):
    hh = households(
        {"household_id": "H1", "group": "statushouders", "arrival_date": "2025-03-03"},
        {"household_id": "H2", "group": "ontheemden", "arrival_date": "2025-03-10"},
    )
    un = units({"unit_id": "U1"}, {"unit_id": "U2"})
    config = AllocationConfig(
        max_wait_days=max_wait_days,
        mix_rules=[MixRule(groups=["statushouders"], max_share=0.5)],
        rolling=RollingSettings(period="week", lookahead_periods=0),
    )
    rr = run_rolling(hh, un, sites(1), None, None, config)
    tables = validate_inputs(hh, un, sites(1), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    return rr


@pytest.mark.parametrize(("max_wait_days", "placed"), [(7, {"H1", "H2"}), (6, {"H2"})])
def test_placed_in_the_period_that_starts_on_its_deadline(max_wait_days, placed):
    rr = _run(max_wait_days)
    assert set(rr.assignments["household_id"]) == placed
    assert set(rr.unplaced["household_id"]) == {"H1", "H2"} - placed
    # H1 waited through the first week in both cases; with 7 days both come in the second
    assert rr.periods[0].result.assignments.empty
    assert set(rr.periods[1].result.assignments["household_id"]) == placed


def test_the_household_past_its_deadline_keeps_the_reason_of_its_last_week():
    rr = _run(6)
    row = rr.unplaced.set_index("household_id").loc["H1"]
    assert row["rule"] == "mix"
    assert row["reason"].params == {"rule": "statushouders max 50%", "site": "S1"}

"""Mix rules counted over the site's units (``basis: units``), worked out by hand.

"At most p of every q units" of a site with ``U`` units lets ``floor(p * U / q)`` units go
to the rule's groups, however many are occupied; "at least p of every q units" keeps
that many for them, so the other groups take at most ``floor((q - p) * U / q)``. The same
cases counted over occupied units (the default) are worked out beside them, so a rule
that ignored ``basis`` fails here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate, check_allocation, run_rolling, validate_inputs
from opvang_opt.schema import AllocationConfig, MixRule, RollingSettings
from opvang_opt.texts import render

FOUR = [{"unit_id": f"U{i}"} for i in range(1, 5)]  # four one-bedroom units on S1


def _placed(hh, un, rule, occupied=None):
    config = AllocationConfig(mix_rules=[rule])
    res = allocate(hh, un, sites(1), None, None, config, occupied=occupied)
    assert check_allocation(res.instance.tables, config, res.assignments).is_ok
    return res


@pytest.mark.parametrize(("basis", "placed"), [("units", 2), ("occupied", 0)])
def test_max_share_of_the_units(basis, placed):
    # 3 statushouders, 4 units, at most 1 of every 2: on the units 2 of 4 may be theirs;
    # on the occupied units none (1 of 1 or 2 of 2 are all theirs)
    hh = households({}, {}, {})
    rule = MixRule(groups=["statushouders"], max_share=0.5, basis=basis)
    assert _placed(hh, units(*FOUR), rule).n_placed == placed


@pytest.mark.parametrize(
    ("basis", "statushouders", "placed"),
    [("units", 0, 2), ("occupied", 0, 0), ("units", 1, 3), ("occupied", 1, 2)],
)
def test_min_share_of_the_units_keeps_units_free(basis, statushouders, placed):
    # 4 ontheemden (and maybe 1 statushouder), 4 units, at least 1 of every 2 for
    # statushouders. On the units: 2 of the 4 units are kept for statushouders, so at most
    # 2 ontheemden, plus the statushouder. On the occupied units: ontheemden at most as
    # many as statushouders: none, or 1 beside the statushouder.
    rows = [{"group": "ontheemden"}] * 4 + [{}] * statushouders
    rule = MixRule(groups=["statushouders"], min_share="1/2", basis=basis)
    res = _placed(households(*rows), units(*FOUR), rule)
    assert res.n_placed == placed


def test_a_site_over_its_share_of_units_takes_no_more_of_the_group_but_others():
    # U1-U3 occupied by statushouders: 3 of 4 units, over "at most 1 of every 2 units".
    # A new statushouder would make it worse; an ontheemde does not change the count.
    occ = pd.DataFrame({"unit_id": ["U1", "U2", "U3"], "group": ["statushouders"] * 3})
    rule = MixRule(groups=["statushouders"], max_share=0.5, basis="units")
    res = _placed(households({}, {"group": "ontheemden"}), units(*FOUR), rule, occupied=occ)
    assert list(res.assignments["household_id"]) == ["H2"]


def test_the_checker_counts_the_site_units():
    rule = MixRule(groups=["statushouders"], max_share=0.5, basis="units")
    config = AllocationConfig(mix_rules=[rule])
    hh = households({}, {}, {})
    tables = validate_inputs(hh, units(*FOUR), sites(1), None, None, config)
    two = pd.DataFrame({"household_id": ["H1", "H2"], "unit_id": ["U1", "U2"]})
    three = pd.DataFrame({"household_id": ["H1", "H2", "H3"], "unit_id": ["U1", "U2", "U3"]})
    assert check_allocation(tables, config, two).is_ok
    found = check_allocation(tables, config, three).violations
    assert [(v.rule, v.value, v.limit) for v in found] == [("mix", 0.75, 0.5)]
    assert "3 of its 4 units" in found[0].message


def test_the_diagnosis_says_how_many_units_are_kept():
    # 4 ontheemden, "at least 1 of every 2 units for statushouders" on 4 units: the other
    # groups get at most 2, short by 2
    rule = MixRule(groups=["statushouders"], min_share=0.5, basis="units", name="half")
    res = _placed(households(*[{"group": "ontheemden"}] * 4), units(*FOUR), rule)
    hits = [s for s in res.diagnosis.shortfalls if s.rule == "mix"]
    assert [(s.required, s.available) for s in hits] == [(4, 2)]
    text = render(hits[0].message, "en")
    assert "at most 2 units" in text and "short by 2" in text


@pytest.mark.parametrize(("basis", "first_week"), [("units", {"H1"}), ("occupied", set())])
def test_rolling_places_on_arrival_what_the_units_allow(basis, first_week):
    # H1, a statushouder, arrives in week 1, H2, an ontheemde, in week 2; 2 units, at most
    # 1 of every 2. On the units H1 is 1 of 2 units in week 1; on the occupied units it
    # would be 1 of 1, so it waits for H2.
    hh = households(
        {"household_id": "H1", "arrival_date": "2025-03-03"},
        {"household_id": "H2", "group": "ontheemden", "arrival_date": "2025-03-10"},
    )
    un = units({"unit_id": "U1"}, {"unit_id": "U2"})
    config = AllocationConfig(
        max_wait_days=14,
        mix_rules=[MixRule(groups=["statushouders"], max_share=0.5, basis=basis)],
        rolling=RollingSettings(period="week", lookahead_periods=0),
    )
    rr = run_rolling(hh, un, sites(1), None, None, config)
    assert set(rr.periods[0].result.assignments["household_id"]) == first_week
    assert set(rr.assignments["household_id"]) == {"H1", "H2"}
    tables = validate_inputs(hh, un, sites(1), None, None, config)
    assert check_allocation(tables, config, rr.assignments).is_ok

"""What the allocation checker reports for each broken rule, in full: the rule code, the
message, the ids it names (``where``), the measured value and the limit, on cases worked
out by hand (one violation each, unless the case says otherwise).

A violated rule reaches a developer as an internal error ("please report"): the message
must name the records and numbers involved, so these tests pin the whole report.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import gps, households, schools, sites, units
from opvang_opt.allocation import check_allocation, validate_inputs
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap
from opvang_opt.status import Violation

KID = {"persons": 2, "adults": 1, "children_4_11": 1}
TEEN = {"persons": 2, "adults": 1, "children_12_17": 1}
OCC_U1 = pd.DataFrame({"unit_id": ["U1"], "group": ["starter"]})


def report(hh, un, pairs, sc=None, gp=None, occupied=None, **cfg) -> list[Violation]:
    config = AllocationConfig(**cfg)
    tables = validate_inputs(hh, un, sites(), sc, gp, config, occupied=occupied)
    a = pd.DataFrame(pairs, columns=["household_id", "unit_id"])
    found = check_allocation(tables, config, a)
    assert found.checker == "allocation"
    return list(found.violations)


# (households, units, pairs, extra settings, the one expected violation)
CASES = {
    "unknown household or unit": (
        households({}),
        units({}),
        [("H1", "U9")],
        {},
        Violation("unknown_id", "unknown household or unit: H1 -> U9", "household H1, unit U9"),
    ),
    "one household in two units": (
        households({}),
        units({}, {}),
        [("H1", "U1"), ("H1", "U2")],
        {},
        Violation("no_split", "household H1 is in 2 units", "household H1"),
    ),
    "a unit occupied before": (
        households({}),
        units({}, {}),
        [("H1", "U1")],
        {"occupied": OCC_U1},
        Violation("unit_taken", "unit U1 was already occupied", "unit U1"),
    ),
    "sharing off": (
        households({}, {}),
        units({"beds": 3, "bedrooms": 2}),
        [("H2", "U1"), ("H1", "U1")],
        {},
        Violation(
            "shared_unit",
            "unit U1 holds 2 households; sharing is off",
            "household H1;H2, unit U1",
            2.0,
            1.0,
        ),
    ),
    "sharers of two groups": (
        households({}, {"group": "starter"}),
        units({"beds": 3, "bedrooms": 2}),
        [("H1", "U1"), ("H2", "U1")],
        {"allow_shared_units": True},
        Violation(
            "shared_unit",
            "unit U1 is shared by households that are not all single adults of one group",
            "household H1;H2, unit U1",
        ),
    ),
    "too many sharers": (
        households({}, {}, {}),
        units({"beds": 3, "bedrooms": 2}),
        [("H1", "U1"), ("H2", "U1"), ("H3", "U1")],
        {"allow_shared_units": True, "max_sharers_per_unit": 2},
        Violation(
            "shared_unit",
            "unit U1 is shared by 3 (max 2)",
            "household H1;H2;H3, unit U1",
            3.0,
            2.0,
        ),
    ),
    "more persons than beds": (
        households({"persons": 3, "adults": 3}),
        units({"beds": 2, "bedrooms": 2}),
        [("H1", "U1")],
        {},
        Violation(
            "occupancy_beds", "unit U1: 3 persons, 2 beds", "household H1, unit U1", 3.0, 2.0
        ),
    ),
    "more persons than bedrooms allow": (
        households({"persons": 3, "adults": 3}),
        units({"beds": 3, "bedrooms": 1}),
        [("H1", "U1")],
        {},
        Violation(
            "occupancy_bedrooms",
            "unit U1: 3 persons in 1 bedroom(s), max 2 per bedroom",
            "household H1, unit U1",
            3.0,
            2.0,
        ),
    ),
    "wheelchair": (
        households({"needs_wheelchair": True}),
        units({}),
        [("H1", "U1")],
        {},
        Violation(
            "accessibility",
            "H1 needs a wheelchair-accessible unit; U1 is not",
            "household H1, unit U1, site S1",
        ),
    ),
    "ground floor": (
        households({"needs_ground_floor": True}),
        units({"floor": 3}),
        [("H1", "U1")],
        {},
        Violation(
            "ground_floor",
            "H1 needs the ground floor; U1 is on floor 3",
            "household H1, unit U1, site S1",
            3.0,
            0.0,
        ),
    ),
    "rent above the cap": (
        households({}),
        units({"rent_eur": 912.5}),
        [("H1", "U1")],
        {"rent_caps": [RentCap(max_rent_eur=700.0)]},
        Violation(
            "rent_cap",
            "U1 rent 912.50 above the cap of H1",
            "household H1, unit U1, site S1",
            912.5,
            700.0,
        ),
    ),
    "refused site": (
        households({"refused_sites": "S2"}),
        units({"site_id": "S2"}),
        [("H1", "U1")],
        {},
        Violation("refused_site", "H1 refused site S2", "household H1, unit U1, site S2"),
    ),
    "no GP in reach": (
        households({"needs_medical": True}),
        units({}),
        [("H1", "U1")],
        {"gp": gps((122000.0, 480000.0)), "medical_reach_m": 1999.5},
        Violation(
            "medical",
            "H1 needs medical care; no GP within 1999.5 m of site S1",
            "household H1, unit U1, site S1",
        ),
    ),
    "pinned to another unit": (
        households({}),
        units({}, {}),
        [("H1", "U1")],
        {"pins": [Pin(household_id="H1", unit_id="U2")]},
        Violation("pin", "H1 is pinned to unit U2, got U1", "household H1, unit U1, site S1"),
    ),
    "pinned to another site": (
        households({}),
        units({"site_id": "S1"}),
        [("H1", "U1")],
        {"pins": [Pin(household_id="H1", site_id="S2")]},
        Violation("pin", "H1 is pinned to site S2, got S1", "household H1, unit U1, site S1"),
    ),
    "a pinned unit shared with another": (
        households({}, {}),
        units({}, {"site_id": "S2"}),
        [("H1", "U2"), ("H2", "U2")],
        {"pins": [Pin(household_id="H1", unit_id="U2")], "allow_shared_units": True},
        Violation("pin", "unit U2 is pinned to H1, given to H2", "household H2, unit U2, site S2"),
    ),
    "banned unit": (
        households({}),
        units({"site_id": "S2"}),
        [("H1", "U1")],
        {"bans": [Ban(household_id="H1", unit_id="U1")]},
        Violation("ban", "H1 is banned from unit U1", "household H1, unit U1, site S2"),
    ),
    "banned site": (
        households({}),
        units({"site_id": "S2"}),
        [("H1", "U1")],
        {"bans": [Ban(household_id="H1", site_id="S2")]},
        Violation("ban", "H1 is banned from site S2", "household H1, unit U1, site S2"),
    ),
    "mix: too many of a group": (
        households({}, {}, {}),
        units({}, {}, {}),
        [("H1", "U1"), ("H2", "U2"), ("H3", "U3")],
        {"mix_rules": [MixRule(groups=["statushouders"], max_share="2/3", name="gemengd")]},
        None,  # 3 of 3 against at most 2 of every 3: checked below
    ),
    "mix: too few of a group": (
        households({"group": "starter"}, {"group": "starter"}, {}),
        units({}, {}, {}),
        [("H1", "U1"), ("H2", "U2"), ("H3", "U3")],
        {"mix_rules": [MixRule(groups=["statushouders", "ontheemden"], min_share=0.5, name="m")]},
        Violation(
            "mix",
            "site S1: 1 of 3 occupied units are statushouders+ontheemden; rule m allows at least "
            "1 of every 2",
            "site S1",
            1 / 3,
            0.5,
        ),
    ),
    "taalklas places short": (
        households(KID, KID),
        units({}, {}),
        [("H1", "U1"), ("H2", "U2")],
        {"sc": schools({"taalklas_places": 1}), "school_reach_m": 2500.0},
        Violation(
            "school_capacity",
            "1 child(ren) needing a taalklas place have none within 2500 m of their site",
            None,
            1.0,
            0.0,
        ),
    ),
    "isk places short": (
        households(TEEN, TEEN, TEEN),
        units({}, {}, {}),
        [("H1", "U1"), ("H2", "U2"), ("H3", "U3")],
        {"sc": schools({"isk_places": 1}, {"isk_places": 5, "x": 125000.0})},
        Violation(
            "school_capacity",
            "2 child(ren) needing a isk place have none within 3000 m of their site",
            None,
            2.0,
            0.0,
        ),
    ),
}


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][4] is not None])
def test_each_violation_is_reported_in_full(case):
    hh, un, pairs, extra, expected = CASES[case]
    assert report(hh, un, pairs, **extra) == [expected]


def test_mix_violation_names_the_counts_and_the_fraction():
    # three statushouders on S1, at most 2 of every 3: 3 of 3 breaks it; S2 is empty
    hh, un, pairs, extra, _ = CASES["mix: too many of a group"]
    assert report(hh, un, pairs, **extra) == [
        Violation(
            "mix",
            "site S1: 3 of 3 occupied units are statushouders; rule gemengd allows at most 2 of "
            "every 3",
            "site S1",
            1.0,
            pytest.approx(2 / 3),
        )
    ]


def test_the_date_violation_names_both_dates():
    hh = households({"arrival_date": "2025-03-01"})
    un = units({"available_from": "2025-06-01"})
    (v,) = report(hh, un, [("H1", "U1")], max_wait_days=30)
    assert (v.rule, v.where, v.value, v.limit) == ("date", "household H1, unit U1, site S1",
                                                   None, None)  # fmt: skip
    when = r"( 00:00:00)?"  # the dates may carry a time of day
    assert re.fullmatch(f"U1 is available from 2025-06-01{when}, H1 arrives 2025-03-01{when}",
                        v.message)  # fmt: skip


def test_violations_come_rule_by_rule_in_a_fixed_order():
    # one household breaking four rules at once, and a unit over its beds: the report lists
    # the per-unit rules first, then the per-household rules in the order of RULES
    hh = households(
        {"persons": 3, "adults": 3, "needs_wheelchair": True, "refused_sites": "S1"},
    )
    un = units({"beds": 2, "bedrooms": 2, "rent_eur": 800.0})
    found = report(hh, un, [("H1", "U1")], rent_caps=[RentCap(max_rent_eur=750.0)],
                   bans=[Ban(household_id="H1", site_id="S1")])  # fmt: skip
    assert [v.rule for v in found] == ["occupancy_beds", "accessibility", "rent_cap",
                                       "refused_site", "ban"]  # fmt: skip
    assert str(found[0]) == "occupancy_beds (household H1, unit U1): unit U1: 3 persons, 2 beds"


def test_units_are_reported_in_the_order_of_their_ids():
    # U2 is listed first, but the per-unit report runs in unit-id order
    hh = households({"persons": 3, "adults": 3}, {"persons": 3, "adults": 3})
    un = units({"beds": 2, "bedrooms": 2}, {"beds": 2, "bedrooms": 2})
    found = report(hh, un, [("H2", "U2"), ("H1", "U1")])
    assert [(v.rule, v.where) for v in found] == [
        ("occupancy_beds", "household H1, unit U1"),
        ("occupancy_beds", "household H2, unit U2"),
    ]


def test_a_rent_one_cent_above_the_cap_breaks_it():
    caps = [RentCap(max_rent_eur=700.0)]
    found = report(households({}, {}), units({"rent_eur": 700.01}, {"rent_eur": 700.0}),
                   [("H1", "U1"), ("H2", "U2")], rent_caps=caps)  # fmt: skip
    assert [(v.rule, v.where, v.value, v.limit) for v in found] == [
        ("rent_cap", "household H1, unit U1, site S1", 700.01, 700.0)
    ]


def test_a_pin_of_a_household_not_placed_does_not_hide_the_next_pin():
    # H2 (pinned to U2) is not placed; H1's pin to S2 comes after it and is broken: H1 is
    # in U1 on S1. U2 stays empty, so H2's pin claims nothing.
    pins = [Pin(household_id="H2", unit_id="U2"), Pin(household_id="H1", site_id="S2")]
    found = report(households({}, {}), units({}, {}), [("H1", "U1")], pins=pins)
    assert found == [
        Violation("pin", "H1 is pinned to site S2, got S1", "household H1, unit U1, site S1")
    ]


def test_a_site_pin_does_not_hide_the_next_pinned_unit():
    # H1 is pinned to S1 only (kept: U2 is on S1); H2 is pinned to U2, which went to H1
    # instead. Only the second pin is broken.
    pins = [Pin(household_id="H1", site_id="S1"), Pin(household_id="H2", unit_id="U2")]
    found = report(households({}, {}), units({}, {}), [("H1", "U2")], pins=pins)
    assert found == [
        Violation("pin", "unit U2 is pinned to H2, given to H1", "household H1, unit U2, site S1")
    ]


HALF = {"mix_rules": [MixRule(groups=["statushouders"], max_share=0.5, name="helft")]}


def test_a_mix_counts_the_units_occupied_before():
    # U1 on S1 was occupied by statushouders before; H1 (statushouders) gets U2 on S1:
    # 2 of 2 units, more than before (1 of 1), so the rule "at most 1 of every 2" breaks
    occ = pd.DataFrame({"unit_id": ["U1"], "group": ["statushouders"]})
    found = report(households({}), units({}, {}), [("H1", "U2")], occupied=occ, **HALF)
    assert found == [
        Violation(
            "mix",
            "site S1: 2 of 2 occupied units are statushouders; rule helft allows at most 1 of "
            "every 2",
            "site S1",
            1.0,
            0.5,
        )
    ]


def test_a_mix_of_one_unit_reports_its_share():
    # one statushouders unit on S1 and nothing else: 1 of 1, the share is 1.0
    found = report(households({}), units({}), [("H1", "U1")], **HALF)
    assert found == [
        Violation(
            "mix",
            "site S1: 1 of 1 occupied units are statushouders; rule helft allows at most 1 of "
            "every 2",
            "site S1",
            1.0,
            0.5,
        )
    ]

"""The allocation checker, rule by rule, on cases worked out by hand: where each rule's
boundary lies, what the violation reports, and the exact school-places max flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import gps, households, schools, sites, units
from opvang_opt.allocation import check_allocation, validate_inputs
from opvang_opt.allocation.check import children_needing_places, school_assignment
from opvang_opt.errors import InternalError
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap

# sites(): S1 at (120000, 480000), S2 at (125000, 480000)
KID = {"persons": 2, "adults": 1, "children_4_11": 1}
TEEN = {"persons": 2, "adults": 1, "children_12_17": 1}


def check(hh, un, pairs, sc=None, gp=None, occupied=None, **cfg):
    config = AllocationConfig(**cfg)
    tables = validate_inputs(hh, un, sites(), sc, gp, config, occupied=occupied)
    a = pd.DataFrame(pairs, columns=["household_id", "unit_id"])
    return [Found(v) for v in check_allocation(tables, config, a).violations]


class Found:
    """A violation with the ids it names split out (``where`` reads
    "household H1, unit U1, site S1")."""

    def __init__(self, v) -> None:
        self.v = v
        self.rule, self.message, self.value, self.limit = v.rule, v.message, v.value, v.limit
        ids = dict(part.split(" ", 1) for part in (v.where or "").split(", ") if part)
        self.household_id = ids.get("household")
        self.unit_id = ids.get("unit")
        self.site_id = ids.get("site")


def rules(violations) -> list[tuple[str, str | None]]:
    return sorted((v.rule, v.household_id) for v in violations)


# --------------------------------------------------------------------------- school places

# SC1 sits on S1; SC2 halfway (2,500 m from both). With a 3,000 m reach S1 reaches both
# schools and S2 only SC2.
TWO_SCHOOLS = schools(
    {"taalklas_places": 1, "isk_places": 0},
    {"x": 122500.0, "taalklas_places": 1, "isk_places": 1},
)


def test_school_places_are_matched_exactly_not_greedily():
    # one child on S1, one on S2: S1 must use SC1 so that S2 can use SC2 (max flow 2)
    hh = households(KID, KID)
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    assert check(hh, un, [("H1", "U1"), ("H2", "U2")], sc=TWO_SCHOOLS) == []
    config = AllocationConfig()
    tables = validate_inputs(hh, un, sites(), TWO_SCHOOLS, None, config)
    children = pd.DataFrame({"site_id": ["S1", "S2"], "taalklas": [1, 1], "isk": [0, 0]})
    unmet, use = school_assignment(tables, config, children)
    assert unmet == {"taalklas": 0, "isk": 0}
    assert list(use.columns) == ["site_id", "school_id", "band", "children"]
    assert use.values.tolist() == [["S1", "SC1", "taalklas", 1], ["S2", "SC2", "taalklas", 1]]


def test_school_shortfall_counts_the_children_without_a_place():
    # two children on S2, which reaches only SC2 (1 taalklas place): 1 short
    hh = households(KID, KID)
    un = units({"site_id": "S2"}, {"site_id": "S2"})
    found = check(hh, un, [("H1", "U1"), ("H2", "U2")], sc=TWO_SCHOOLS)
    assert [(v.rule, v.value, v.limit) for v in found] == [("school_capacity", 1, 0)]
    assert "taalklas" in found[0].message


def test_isk_places_are_a_separate_band():
    # a teenager needs an ISK place: SC2 has one; two teenagers: one short
    un = units({"site_id": "S1"}, {"site_id": "S1"})
    assert check(households(TEEN), un, [("H1", "U1")], sc=TWO_SCHOOLS) == []
    found = check(households(TEEN, TEEN), un, [("H1", "U1"), ("H2", "U2")], sc=TWO_SCHOOLS)
    assert [(v.rule, v.value) for v in found] == [("school_capacity", 1)]
    assert "isk" in found[0].message


def test_school_reach_is_inclusive():
    # S2 is exactly 2,500 m from SC2
    hh, un = households(KID), units({"site_id": "S2"})
    only_sc2 = schools({"x": 122500.0, "taalklas_places": 1})
    assert check(hh, un, [("H1", "U1")], sc=only_sc2, school_reach_m=2500.0) == []
    found = check(hh, un, [("H1", "U1")], sc=only_sc2, school_reach_m=2499.0)
    assert [v.rule for v in found] == ["school_capacity"]


def test_who_needs_a_newcomer_place():
    hh = households(
        KID,  # statushouders, no school yet: needs one
        {**KID, "school_x": 120000.0, "school_y": 480000.0},  # keeps its school
        {**KID, "group": "starter"},  # not a newcomer-education group
        {"persons": 3, "adults": 1, "children_4_11": 1, "children_12_17": 1},
    )
    taal, isk = children_needing_places(hh, AllocationConfig())
    assert taal.tolist() == [1, 0, 0, 1] and isk.tolist() == [0, 0, 0, 1]
    taal, _ = children_needing_places(hh, AllocationConfig(enrolled_keep_school=False))
    assert taal.tolist() == [1, 1, 0, 1]
    taal, isk = children_needing_places(hh, AllocationConfig(school_capacity=False))
    assert taal.tolist() == [0, 0, 0, 0] and isk.tolist() == [0, 0, 0, 0]
    # the same through the checker: no schools at all, only the first household is short
    un = units({}, {})
    found = check(hh.iloc[1:3].reset_index(drop=True), un, [("H2", "U1"), ("H3", "U2")])
    assert found == []
    assert check(households(KID), units({}), [("H1", "U1")], school_capacity=False) == []


# --------------------------------------------------------------------------- per household


def test_lowest_matching_rent_cap_applies():
    caps = [
        RentCap(max_rent_eur=700.0),
        RentCap(max_rent_eur=550.0, groups=["starter"]),
        RentCap(max_rent_eur=500.0, max_persons=1, min_persons=1),
    ]
    hh = households({"persons": 2, "adults": 2}, {"group": "starter", "persons": 2, "adults": 2},
                    {})  # fmt: skip
    un = units({"rent_eur": 600.0, "beds": 2}, {"rent_eur": 600.0, "beds": 2}, {"rent_eur": 500})
    found = check(hh, un, [("H1", "U1"), ("H2", "U2"), ("H3", "U3")], rent_caps=caps)
    # H1 (2 persons, statushouders): cap 700, fine; H2 (starter): 550 < 600; H3: 500 = 500
    assert [(v.rule, v.household_id, v.value, v.limit) for v in found] == [
        ("rent_cap", "H2", 600.0, 550.0)
    ]


def test_waiting_days_boundary():
    hh = households({"arrival_date": "2025-03-01"}, {"arrival_date": "2025-03-01"})
    un = units({"available_from": "2025-03-11"}, {"available_from": "2025-03-12"})
    found = check(hh, un, [("H1", "U1"), ("H2", "U2")], max_wait_days=10)
    assert rules(found) == [("date", "H2")]
    assert rules(check(hh, un, [("H1", "U1")])) == [("date", "H1")]


def test_medical_reach_hard_and_soft():
    hh, un = households({"needs_medical": True}), units({})
    at_reach = gps((121500.0, 480000.0))  # 1,500 m from S1
    assert check(hh, un, [("H1", "U1")], gp=at_reach) == []
    far = gps((121501.0, 480000.0))
    assert rules(check(hh, un, [("H1", "U1")], gp=far)) == [("medical", "H1")]
    assert check(hh, un, [("H1", "U1")], gp=far, medical_rule="soft") == []
    assert check(households({}), un, [("H1", "U1")], gp=far) == []  # no medical need


def test_pins_to_a_site_and_pinned_units_given_to_others():
    hh = households({}, {})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    pin_site = [Pin(household_id="H1", site_id="S2")]
    assert rules(check(hh, un, [("H1", "U1")], pins=pin_site)) == [("pin", "H1")]
    assert check(hh, un, [("H1", "U2")], pins=pin_site) == []
    pin_unit = [Pin(household_id="H1", unit_id="U2")]
    found = check(hh, un, [("H1", "U1"), ("H2", "U2")], pins=pin_unit)
    assert [(v.rule, v.household_id, v.unit_id) for v in found] == [
        ("pin", "H1", "U1"),
        ("pin", "H2", "U2"),
    ]
    assert check(hh, un, [("H2", "U1")], pins=pin_unit) == []  # H1 not placed: no claim


def test_bans_by_unit_and_by_site():
    hh = households({})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    assert rules(check(hh, un, [("H1", "U2")], bans=[Ban(household_id="H1", unit_id="U2")])) == [
        ("ban", "H1")
    ]
    assert check(hh, un, [("H1", "U1")], bans=[Ban(household_id="H1", unit_id="U2")]) == []
    assert check(hh, un, [("H1", "U1")], bans=[Ban(household_id="H1", site_id="S2")]) == []


def test_accessibility_and_ground_floor_pass_when_met():
    hh = households({"needs_wheelchair": True, "needs_ground_floor": True})
    assert check(hh, units({"accessible": True, "floor": 0}), [("H1", "U1")]) == []
    found = check(hh, units({"accessible": True, "floor": 2}), [("H1", "U1")])
    assert [(v.rule, v.value, v.limit) for v in found] == [("ground_floor", 2.0, 0)]


# --------------------------------------------------------------------------- per unit


def test_occupancy_reports_persons_against_beds_and_bedrooms():
    hh = households({"persons": 5, "adults": 5})
    found = check(hh, units({"beds": 4, "bedrooms": 2}), [("H1", "U1")])
    got = sorted((v.rule, v.unit_id, v.value, v.limit) for v in found)
    # 5 persons, 4 beds; 2 bedrooms x 2 persons = 4
    assert got == [("occupancy_bedrooms", "U1", 5, 4), ("occupancy_beds", "U1", 5, 4)]
    studio = check(households({"persons": 3, "adults": 3}), units({"beds": 3, "bedrooms": 0}),
                   [("H1", "U1")], max_persons_per_bedroom=2.5)  # fmt: skip
    # a studio counts as one bedroom: floor(2.5 x 1) = 2 < 3
    assert [(v.rule, v.limit) for v in studio] == [("occupancy_bedrooms", 2)]


def test_sharing_rules():
    singles = households({}, {}, {})
    un = units({"beds": 3, "bedrooms": 2})
    pairs = [("H1", "U1"), ("H2", "U1")]
    # sharing off: two households in one unit break it
    found = check(singles, un, pairs)
    assert [(v.rule, v.unit_id, v.value, v.limit) for v in found] == [("shared_unit", "U1", 2, 1)]
    assert check(singles, un, pairs, allow_shared_units=True) == []
    # singles of different groups may not share
    mixed = households({}, {"group": "starter"})
    assert [v.rule for v in check(mixed, un, pairs, allow_shared_units=True)] == ["shared_unit"]
    # a household of two adults is not a single
    pair = households({}, {"persons": 2, "adults": 2})
    assert [v.rule for v in check(pair, un, pairs, allow_shared_units=True)] == ["shared_unit"]
    # at most two sharers
    three = [("H1", "U1"), ("H2", "U1"), ("H3", "U1")]
    found = check(singles, un, three, allow_shared_units=True, max_sharers_per_unit=2)
    assert [(v.rule, v.value, v.limit) for v in found] == [("shared_unit", 3, 2)]
    assert check(singles, un, three, allow_shared_units=True, max_sharers_per_unit=3) == []


def test_unit_taken_only_for_units_occupied_before():
    occ = pd.DataFrame({"unit_id": ["U1"], "group": ["starter"]})
    hh, un = households({}, {}), units({}, {})
    assert rules(check(hh, un, [("H1", "U1")], occupied=occ)) == [("unit_taken", None)]
    assert check(hh, un, [("H1", "U2")], occupied=occ) == []


def test_no_split_and_unknown_ids_are_each_reported_once():
    hh, un = households({}, {}), units({}, {}, {})
    found = check(hh, un, [("H1", "U1"), ("H1", "U2"), ("H1", "U3"), ("H9", "U1")])
    got = sorted((v.rule, v.household_id) for v in found)
    assert got == [("no_split", "H1"), ("unknown_id", "H9")]


# --------------------------------------------------------------------------- mix


def test_mix_minimum_share():
    # at least half of the occupied units on S1 statushouders
    rule = [MixRule(groups=["statushouders"], min_share=0.5, sites=["S1"])]
    hh = households({}, {"group": "starter"}, {"group": "starter"})
    un = units({}, {}, {"site_id": "S2"})
    assert check(hh, un, [("H1", "U1"), ("H2", "U2")], mix_rules=rule) == []  # 1 of 2
    found = check(hh, un, [("H2", "U1"), ("H3", "U2")], mix_rules=rule)  # 0 of 2
    assert [(v.rule, v.site_id, v.value, v.limit) for v in found] == [("mix", "S1", 0.0, 0.5)]
    # S2 is not under the rule
    assert check(hh, un, [("H1", "U1"), ("H2", "U3")], mix_rules=rule) == []


def test_mix_counts_a_shared_unit_once():
    # two single statushouders share U1; U2 holds a starter: 1 of 2 units (50%), not 2 of 3
    rule = [MixRule(groups=["statushouders"], max_share=0.5)]
    hh = households({}, {}, {"group": "starter"})
    un = units({"beds": 2, "bedrooms": 1}, {})
    pairs = [("H1", "U1"), ("H2", "U1"), ("H3", "U2")]
    assert check(hh, un, pairs, mix_rules=rule, allow_shared_units=True) == []


# --------------------------------------------------------------------------- reporting


def test_a_broken_rule_in_the_optimisers_allocation_is_an_internal_error():
    found = check(households({"needs_wheelchair": True}, {"persons": 3, "adults": 3}),
                  units({}, {"beds": 2}), [("H1", "U1"), ("H2", "U2")])  # fmt: skip
    assert sorted(f.rule for f in found) == ["accessibility", "occupancy_bedrooms",
                                             "occupancy_beds"]  # fmt: skip
    config = AllocationConfig()
    hh = households({"needs_wheelchair": True})
    tables = validate_inputs(hh, units({}), sites(), None, None, config)
    a = pd.DataFrame({"household_id": ["H1"], "unit_id": ["U1"]})
    with pytest.raises(InternalError):
        check_allocation(tables, config, a).raise_if_violated()


def test_without_a_maximum_any_number_of_singles_may_share():
    # a pavilion of 100 beds shared by 100 single adults of one group, no maximum set
    hh = households(*[{}] * 100)
    un = units({"beds": 100, "bedrooms": 50})
    pairs = [(f"H{i + 1}", "U1") for i in range(100)]
    assert check(hh, un, pairs, allow_shared_units=True) == []
    found = check(hh, un, pairs, allow_shared_units=True, max_sharers_per_unit=99)
    assert [(v.rule, v.value, v.limit) for v in found] == [("shared_unit", 100, 99)]


def test_a_rent_cap_for_a_range_of_household_sizes():
    # the cap of 500 applies to households of 2 or 3 persons only (both ends included)
    caps = [RentCap(max_rent_eur=500.0, min_persons=2, max_persons=3)]
    hh = households({}, {"persons": 2, "adults": 2}, {"persons": 3, "adults": 3},
                    {"persons": 4, "adults": 4})  # fmt: skip
    un = units(*[{"rent_eur": 600.0, "beds": 4, "bedrooms": 2}] * 4)
    found = check(hh, un, [("H1", "U1"), ("H2", "U2"), ("H3", "U3"), ("H4", "U4")],
                  rent_caps=caps)  # fmt: skip
    assert [(v.rule, v.household_id, v.value, v.limit) for v in found] == [
        ("rent_cap", "H2", 600.0, 500.0),
        ("rent_cap", "H3", 600.0, 500.0),
    ]


def test_each_household_is_measured_to_the_gp_nearest_its_own_site():
    # one GP on S1; S2 lies 5,000 m away: only the household on S2 is out of reach
    hh = households({"needs_medical": True}, {"needs_medical": True})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    found = check(hh, un, [("H1", "U1"), ("H2", "U2")], gp=gps((120000.0, 480000.0)))
    assert [(v.rule, v.household_id, v.site_id) for v in found] == [("medical", "H2", "S2")]


def test_school_places_rematched_through_a_school_used_twice():
    # SC1 (1 place) lies 2,500 m from both sites; SC2 (2 places) on S1, out of S2's reach.
    # S2's child can only go to SC1, so both of S1's children must go to SC2: the max flow
    # first sends one S1 child to SC1 and must move it to SC2 again (3 placed, none short).
    sc = schools({"x": 122500.0, "taalklas_places": 1}, {"taalklas_places": 2})
    hh, un = households(KID, KID, KID), units({}, {}, {"site_id": "S2"})
    config = AllocationConfig()
    tables = validate_inputs(hh, un, sites(), sc, None, config)
    children = pd.DataFrame({"site_id": ["S1", "S2"], "taalklas": [2, 1], "isk": [0, 0]})
    unmet, use = school_assignment(tables, config, children)
    assert unmet == {"taalklas": 0, "isk": 0}
    assert use.values.tolist() == [["S1", "SC2", "taalklas", 2], ["S2", "SC1", "taalklas", 1]]
    assert check(hh, un, [("H1", "U1"), ("H2", "U2"), ("H3", "U3")], sc=sc) == []


def test_a_ban_of_a_household_not_placed_does_not_hide_the_next_ban():
    # H2 is not placed; its ban comes first in the list, H1's broken ban after it
    hh = households({}, {})
    un = units({"site_id": "S1"})
    bans = [Ban(household_id="H2", unit_id="U1"), Ban(household_id="H1", site_id="S1")]
    found = check(hh, un, [("H1", "U1")], bans=bans)
    assert [(v.rule, v.household_id, v.message) for v in found] == [
        ("ban", "H1", "H1 is banned from site S1")
    ]


def test_children_needing_places_are_counted_in_integers():
    # places are whole children (standards: integers for places): int64 in every setting,
    # also when the rule is off and nobody needs a place
    hh = households(KID, TEEN, {**KID, "group": "starter"})
    for config in (AllocationConfig(), AllocationConfig(school_capacity=False)):
        taal, isk = children_needing_places(hh, config)
        assert (taal.dtype, isk.dtype) == (np.int64, np.int64)
    taal, isk = children_needing_places(hh, AllocationConfig())
    assert taal.tolist() == [1, 0, 0] and isk.tolist() == [0, 1, 0]


def test_a_site_without_school_children_does_not_hide_the_next_site():
    # no schools: H1 (no children) on S1, H2 with one child of 4-11 on S2. S1 comes first
    # and needs no place; S2's child has none: 1 short.
    hh, un = households({}, KID), units({"site_id": "S1"}, {"site_id": "S2"})
    found = check(hh, un, [("H1", "U1"), ("H2", "U2")])
    assert [(v.rule, v.value, v.limit) for v in found] == [("school_capacity", 1, 0)]


def test_school_reach_is_measured_in_both_directions():
    # one taalklas place 3,500 m north of S1 (same x): out of the 3,000 m reach; at 2,400 m
    # north it is in reach
    hh, un = households(KID), units({"site_id": "S1"})
    north = schools({"y": 483500.0, "taalklas_places": 1})
    found = check(hh, un, [("H1", "U1")], sc=north)
    assert [(v.rule, v.value) for v in found] == [("school_capacity", 1)]
    near = schools({"y": 482400.0, "taalklas_places": 1})
    assert check(hh, un, [("H1", "U1")], sc=near) == []

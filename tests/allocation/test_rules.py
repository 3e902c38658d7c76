"""Each hard rule with a feasible and an infeasible instance."""

from __future__ import annotations

import pytest

from conftest import gps, households, schools, sites, units
from opvang_opt.allocation import allocate, check_allocation
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap
from opvang_opt.status import SolveStatus


def run(hh, un, st=None, sc=None, gp=None, **cfg):
    config = AllocationConfig(**cfg)
    res = allocate(hh, un, st if st is not None else sites(), sc, gp, config)
    assert check_allocation(res.instance.tables, config, res.assignments).is_ok
    return res


def placed(res) -> dict[str, str]:
    return dict(zip(res.assignments.household_id, res.assignments.unit_id, strict=True))


def rule_of(res, hid: str) -> str:
    return res.unplaced.set_index("household_id").at[hid, "rule"]


def test_occupancy_beds():
    hh = households({"persons": 3, "adults": 2, "children_0_3": 1})
    assert placed(run(hh, units({"bedrooms": 2, "beds": 3}))) == {"H1": "U1"}
    res = run(hh, units({"bedrooms": 2, "beds": 2}))
    assert res.status is SolveStatus.INFEASIBLE and rule_of(res, "H1") == "occupancy"


def test_occupancy_persons_per_bedroom():
    hh = households({"persons": 3, "adults": 2, "children_0_3": 1})
    un = units({"bedrooms": 1, "beds": 4})  # 4 beds but 1 bedroom: 2 persons at most
    assert rule_of(run(hh, un), "H1") == "occupancy"
    assert placed(run(hh, un, max_persons_per_bedroom=3.0)) == {"H1": "U1"}


def test_studio_counts_as_one_bedroom():
    hh = households({"persons": 2, "adults": 2})
    assert placed(run(hh, units({"bedrooms": 0, "beds": 2}))) == {"H1": "U1"}


def test_no_split_and_one_household_per_unit():
    hh = households({}, {})
    res = run(hh, units({"beds": 2}))
    assert len(res.assignments) == 1 and len(res.unplaced) == 1
    assert rule_of(res, res.unplaced.household_id.iloc[0]) == "capacity"


def test_accessibility():
    hh = households({"needs_wheelchair": True})
    assert placed(run(hh, units({}, {"accessible": True}))) == {"H1": "U2"}
    assert rule_of(run(hh, units({})), "H1") == "accessibility"


def test_ground_floor():
    hh = households({"needs_ground_floor": True})
    assert placed(run(hh, units({"floor": 1}, {"floor": 0}))) == {"H1": "U2"}
    assert rule_of(run(hh, units({"floor": 2})), "H1") == "ground_floor"


def test_dates():
    hh = households({"arrival_date": "2025-03-01"})
    un = units({"available_from": "2025-04-01"}, {"available_from": "2025-02-01"})
    assert placed(run(hh, un)) == {"H1": "U2"}
    res = run(hh, units({"available_from": "2025-04-01"}))
    assert rule_of(res, "H1") == "date"
    assert placed(run(hh, units({"available_from": "2025-04-01"}), max_wait_days=31)) == {
        "H1": "U1"
    }


def test_rent_cap():
    hh = households({"group": "starter"})
    un = units({"rent_eur": 900.0}, {"rent_eur": 500.0})
    caps = [RentCap(max_rent_eur=600.0, groups=["starter"])]
    assert placed(run(hh, un, rent_caps=caps)) == {"H1": "U2"}
    res = run(hh, units({"rent_eur": 900.0}), rent_caps=caps)
    assert rule_of(res, "H1") == "rent_cap"
    # a cap for another group does not apply
    other = [RentCap(max_rent_eur=600.0, groups=["urgent"])]
    assert placed(run(hh, units({"rent_eur": 900.0}), rent_caps=other)) == {"H1": "U1"}


def test_pin_unit_and_site():
    hh = households({}, {})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    res = run(hh, un, pins=[Pin(household_id="H1", unit_id="U2")])
    assert placed(res)["H1"] == "U2"
    res = run(hh, un, pins=[Pin(household_id="H2", site_id="S1")])
    assert placed(res)["H2"] == "U1"
    # a pin to a unit that breaks a hard rule leaves the household unplaced, with a reason
    big = households({"persons": 4, "adults": 2, "children_0_3": 2})
    res = run(
        big,
        units({"beds": 2}, {"beds": 4, "bedrooms": 2}),
        pins=[Pin(household_id="H1", unit_id="U1")],
    )
    assert res.status is SolveStatus.INFEASIBLE and rule_of(res, "H1") == "pin"


def test_ban_unit_and_site():
    hh = households({})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    assert placed(run(hh, un, bans=[Ban(household_id="H1", unit_id="U1")])) == {"H1": "U2"}
    res = run(hh, units({"site_id": "S1"}), bans=[Ban(household_id="H1", site_id="S1")])
    assert rule_of(res, "H1") == "ban"


def test_refused_sites_are_hard():
    hh = households({"refused_sites": "S1"})
    un = units({"site_id": "S1", "beds": 1}, {"site_id": "S2", "beds": 4, "bedrooms": 2})
    # S1 would be cheaper (no unused beds) but is refused
    assert placed(run(hh, un)) == {"H1": "U2"}
    assert rule_of(run(hh, units({"site_id": "S1"})), "H1") == "refused"


def test_medical_reach():
    hh = households({"needs_medical": True})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    gp = gps((125000.0, 480000.0))  # next to S2 only
    assert placed(run(hh, un, gp=gp, medical_reach_m=1000.0)) == {"H1": "U2"}
    res = run(hh, units({"site_id": "S1"}), gp=gp, medical_reach_m=1000.0)
    assert rule_of(res, "H1") == "medical"
    assert placed(run(hh, units({"site_id": "S1"}), gp=gp, medical_rule="soft")) == {"H1": "U1"}


def test_mix_max_share():
    # two statushouders, one site of two units: at most 50% statushouders
    hh = households({}, {}, {"group": "starter"})
    un = units({}, {}, {})
    rule = [MixRule(groups=["statushouders"], max_share=0.5)]
    res = run(hh, un, mix_rules=rule)
    # with the starter there, 2 of 3 units would be statushouders (67%): only one fits
    assert len(res.assignments) == 2
    assert set(res.assignments.group) == {"statushouders", "starter"}
    feasible = households({}, {"group": "starter"})
    assert len(run(feasible, un, mix_rules=rule).assignments) == 2


def test_mix_min_share():
    hh = households({"group": "starter"}, {}, {})
    un = units({}, {}, {})
    rule = [MixRule(groups=["starter"], min_share=0.5)]
    res = run(hh, un, mix_rules=rule)
    assert len(res.assignments) == 2 and "starter" in set(res.assignments.group)
    assert len(run(households({}), un, mix_rules=rule).assignments) == 0


def test_mix_rule_per_site():
    hh = households({}, {})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    rule = [MixRule(groups=["statushouders"], max_share=0.0, sites=["S1"])]
    res = run(hh, un, mix_rules=rule)
    assert placed(res) == {"H1": "U2"} or placed(res) == {"H2": "U2"}


def test_school_capacity_shared_across_sites():
    kid = {"persons": 2, "adults": 1, "children_4_11": 1}
    hh = households(kid, kid, kid)
    un = units({"site_id": "S1"}, {"site_id": "S1"}, {"site_id": "S2"})
    sc = schools({"taalklas_places": 2})  # next to S1; S2 is 5 km away
    res = run(hh, un, sc=sc, school_reach_m=6000.0)
    assert len(res.assignments) == 2 and len(res.unplaced) == 1
    assert res.unplaced.rule.iloc[0] in ("school_capacity", "capacity")
    assert res.by_school.taalklas_used.iloc[0] == 2
    res = run(hh, un, sc=schools({"taalklas_places": 3}), school_reach_m=6000.0)
    assert len(res.assignments) == 3
    # out of reach: no place at all for S2
    res = run(households(kid), units({"site_id": "S2"}), sc=sc, school_reach_m=1000.0)
    assert rule_of(res, "H1") == "school_reach"
    # enrolled children keep their school and need no new place
    enrolled = households({**kid, "school_x": 120000.0, "school_y": 480000.0})
    assert len(run(enrolled, units({}), sc=schools({})).assignments) == 1


def test_shared_units_for_single_adults():
    hh = households({}, {}, {})
    un = units({"bedrooms": 2, "beds": 3})
    res = run(hh, un, allow_shared_units=True)
    assert len(res.assignments) == 3 and res.assignments.shared.all()
    assert len(run(hh, un).assignments) == 1
    res = run(hh, un, allow_shared_units=True, max_sharers_per_unit=2)
    assert len(res.assignments) == 2
    # singles of different groups do not share
    mixed = households({}, {"group": "starter"})
    assert (
        len(run(mixed, units({"bedrooms": 1, "beds": 2}), allow_shared_units=True).assignments) == 1
    )


def test_occupied_units_are_not_given_out():
    import pandas as pd

    config = AllocationConfig()
    occ = pd.DataFrame({"unit_id": ["U1"], "group": ["starter"]})
    res = allocate(households({}), units({}, {}), sites(), None, None, config, occupied=occ)
    assert placed(res) == {"H1": "U2"}


@pytest.mark.parametrize("weight", [0.0, 5.0])
def test_relocation_keeps_current_unit(weight):
    hh = households({"current_unit": "U2", "persons": 1})
    un = units({"beds": 1, "bedrooms": 0}, {"beds": 2})
    res = run(hh, un, weights={"relocation": weight, "unused_bed": 1.0})
    # staying costs one unused bed; moving costs the relocation weight
    assert placed(res) == ({"H1": "U1"} if weight < 1.0 else {"H1": "U2"})

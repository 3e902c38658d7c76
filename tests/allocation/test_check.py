"""The independent checker catches a deliberately broken allocation, one per rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import gps, households, schools, sites, units
from opvang_opt.allocation import RULES, assert_valid, check_allocation, validate_inputs
from opvang_opt.errors import InternalError
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap


def violations(hh, un, pairs, sc=None, gp=None, occupied=None, **cfg):
    config = AllocationConfig(**cfg)
    tables = validate_inputs(hh, un, sites(), sc, gp, config, occupied=occupied)
    a = pd.DataFrame(pairs, columns=["household_id", "unit_id"])
    return {v.rule for v in check_allocation(tables, config, a).violations}, tables, config, a


KID = {"persons": 2, "adults": 1, "children_4_11": 1}
CASES = {
    "unknown_id": (households({}), units({}), [("H1", "U9")], {}),
    "no_split": (households({}), units({}, {}), [("H1", "U1"), ("H1", "U2")], {}),
    "unit_taken": (
        households({}),
        units({}, {}),
        [("H1", "U1")],
        {"occupied": pd.DataFrame({"unit_id": ["U1"], "group": ["starter"]})},
    ),
    "shared_unit": (households({}, {}), units({"beds": 2}), [("H1", "U1"), ("H2", "U1")], {}),
    "occupancy_beds": (
        households({"persons": 3, "adults": 3}),
        units({"beds": 2, "bedrooms": 2}),
        [("H1", "U1")],
        {},
    ),
    "occupancy_bedrooms": (
        households({"persons": 3, "adults": 3}),
        units({"beds": 3, "bedrooms": 1}),
        [("H1", "U1")],
        {},
    ),
    "accessibility": (households({"needs_wheelchair": True}), units({}), [("H1", "U1")], {}),
    "ground_floor": (
        households({"needs_ground_floor": True}),
        units({"floor": 1}),
        [("H1", "U1")],
        {},
    ),
    "date": (households({}), units({"available_from": "2025-06-01"}), [("H1", "U1")], {}),
    "rent_cap": (
        households({}),
        units({"rent_eur": 900.0}),
        [("H1", "U1")],
        {"rent_caps": [RentCap(max_rent_eur=700.0)]},
    ),
    "pin": (
        households({}),
        units({}, {}),
        [("H1", "U1")],
        {"pins": [Pin(household_id="H1", unit_id="U2")]},
    ),
    "ban": (
        households({}),
        units({}),
        [("H1", "U1")],
        {"bans": [Ban(household_id="H1", site_id="S1")]},
    ),
    "refused_site": (households({"refused_sites": "S1"}), units({}), [("H1", "U1")], {}),
    "medical": (
        households({"needs_medical": True}),
        units({}),
        [("H1", "U1")],
        {"gp": gps((200000.0, 400000.0))},
    ),
    "mix": (
        households({}, {}),
        units({}, {}),
        [("H1", "U1"), ("H2", "U2")],
        {"mix_rules": [MixRule(groups=["statushouders"], max_share=0.5)]},
    ),
    "school_capacity": (
        households(KID, KID),
        units({}, {}),
        [("H1", "U1"), ("H2", "U2")],
        {"sc": schools({"taalklas_places": 1})},
    ),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_checker_catches(rule):
    hh, un, pairs, extra = CASES[rule]
    found, tables, config, a = violations(hh, un, pairs, **extra)
    assert rule in found
    with pytest.raises(InternalError) as err:  # a broken rule is a bug, never bad input
        assert_valid(tables, config, a)
    assert err.value.exit_code == 1
    assert any(d.startswith(f"{rule} ") or d.startswith(f"{rule}:") for d in err.value.details)


def test_valid_allocation_passes():
    found, *_ = violations(households({}), units({}), [("H1", "U1")])
    assert found == set()


def test_mix_existing_excess_may_not_grow():
    occ = pd.DataFrame({"unit_id": ["U1", "U2"], "group": ["statushouders"] * 2})
    hh = households({}, {"group": "starter"})
    rule = [MixRule(groups=["statushouders"], max_share=0.5)]
    # existing 2 of 2 already above 50%: adding a starter lowers the excess, fine
    found, *_ = violations(hh, units({}, {}, {}, {}), [("H2", "U3")], occupied=occ, mix_rules=rule)
    assert found == set()
    found, *_ = violations(hh, units({}, {}, {}, {}), [("H1", "U3")], occupied=occ, mix_rules=rule)
    assert "mix" in found


def test_broken_optimiser_allocation_is_an_internal_error(monkeypatch):
    # plant a broken result at the checker's boundary: every household in the first unit
    from opvang_opt.allocation import allocate, api

    real = api.map_to_units

    def all_in_the_first_unit(inst, st, out):
        h, u = real(inst, st, out)
        return h, np.zeros_like(u)

    monkeypatch.setattr(api, "map_to_units", all_in_the_first_unit)
    with pytest.raises(InternalError) as err:  # a bug, never bad input (no exit code 3)
        allocate(households({}, {}), units({}, {}), sites())
    assert err.value.exit_code == 1
    assert any(d.startswith("shared_unit") for d in err.value.details)

"""Bad input gives one DataError listing every problem at once."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate, validate_inputs
from opvang_opt.errors import DataError
from opvang_opt.schema import AllocationConfig, Pin
from opvang_opt.texts import render


def problems(hh, un, st=None, config=None, **kw):
    with pytest.raises(DataError) as err:
        validate_inputs(
            hh,
            un,
            st if st is not None else sites(),
            None,
            None,
            config or AllocationConfig(),
            **kw,
        )
    return err.value.problems


def test_all_problems_reported_at_once():
    hh = households(
        {"persons": -1, "adults": 0},  # H1: negative persons
        {"persons": 4, "adults": 2, "children_0_3": 1},  # H2: children do not add up
        {"group": "martians"},  # H3: unknown group
        {"preferred_sites": "S1;S9"},  # H4: unknown preferred site
        {"refused_sites": "S7"},  # H5: unknown refused site
    )
    un = units({"site_id": "S8"}, {"beds": -2})
    config = AllocationConfig(pins=[Pin(household_id="H1", unit_id="U99")])
    found = problems(hh, un, config=config, sources={"households": "demo/households.csv"})
    text = "\n".join(map(str, found))
    checks = [
        ("household H1", "persons", "less than 1"),
        ("household H2", "children_0_3+children_4_11+children_12_17", "do not add up"),
        ("household H3", "group", "unknown group 'martians'"),
        ("household H4", "preferred_sites", "S9"),
        ("household H5", "refused_sites", "S7"),
        ("unit U1", "site_id", "unknown site 'S8'"),
        ("unit U2", "beds", "less than 1"),
        (None, "allocation.pins[0].unit_id", "'U99' does not exist"),
    ]
    for where, field, msg in checks:
        assert any(
            (render(p.where, "en") if p.where else None) == where
            and p.field == field
            and msg in p.text("en")
            for p in found
        ), (
            where,
            field,
            text,
        )
    assert any(p.source == "demo/households.csv" for p in found)


def test_negative_child_count():
    found = problems(households({"persons": 2, "adults": 3, "children_0_3": -1}), units({}))
    assert any(p.field == "children_0_3" and "negative" in p.text("en") for p in found)


def test_duplicate_ids_and_missing_columns():
    hh = households({}, {})
    hh.loc[1, "household_id"] = "H1"
    un = units({}).drop(columns=["beds"])
    found = problems(hh, un)
    assert any(p.field == "household_id" and "duplicate" in p.text("en") for p in found)
    assert any(p.field == "beds" and "missing" in p.text("en") for p in found)


def test_pin_to_unknown_household_and_site():
    config = AllocationConfig(pins=[Pin(household_id="H9", site_id="S9")])
    found = problems(households({}), units({}), config=config)
    fields = {p.field for p in found}
    assert {"allocation.pins[0].household_id", "allocation.pins[0].site_id"} <= fields


def test_bad_dates_and_flags():
    found = problems(
        households({"arrival_date": "not a date", "needs_medical": "perhaps"}), units({})
    )
    assert {p.field for p in found} >= {"arrival_date", "needs_medical"}


def test_household_larger_than_any_unit_is_not_a_data_error():
    big = households({"persons": 9, "adults": 2, "children_0_3": 7})
    res = allocate(big, units({}), sites())
    assert res.status.value == "infeasible"
    assert res.unplaced.rule.iloc[0] == "occupancy"


def test_config_rejects_bad_values():
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        AllocationConfig(max_persons_per_bedroom=0)
    with pytest.raises(ValidationError):
        AllocationConfig(mix_rules=[{"groups": ["nobody"], "max_share": 0.5}])
    with pytest.raises(ValidationError):
        AllocationConfig(mix_rules=[{"groups": ["starter"]}])
    with pytest.raises(ValidationError):
        AllocationConfig(unknown_key=1)
    with pytest.raises(ValidationError):
        Pin(household_id="H1")


def test_inputs_are_not_modified():
    hh, un = households({}), units({})
    before = hh.copy(), un.copy()
    allocate(hh, un, sites())
    pd.testing.assert_frame_equal(hh, before[0])
    pd.testing.assert_frame_equal(un, before[1])


def test_a_unit_that_is_the_current_unit_of_two_households_names_them():
    hh = households({"current_unit": "U1"}, {"current_unit": "U1"}, {})
    found = problems(hh, units({}, {}))
    text = "\n".join(map(str, found))
    assert "unit U1 is the current unit of 2 households (H1, H2)" in text

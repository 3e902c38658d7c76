"""The allocation's dates follow the project's one date policy (issue 11): ISO or Dutch
day-first, never month-first, never a two-digit year; every bad date at once."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import validate_inputs
from opvang_opt.errors import DataError
from opvang_opt.schema import AllocationConfig
from opvang_opt.texts import render


def test_ambiguous_dutch_dates_are_day_first_in_households_and_units():
    # 10-06-2026 is 10 June (pandas' mixed parser made it 6 October), like 31-12-2026
    hh = households({"arrival_date": "10-06-2026"}, {"arrival_date": "31-12-2026"})
    un = units({"available_from": "01-02-2026"}, {"available_from": "2026-03-04"})
    tables = validate_inputs(hh, un, sites(), None, None, AllocationConfig())
    assert tables.households["arrival_date"].tolist() == [
        np.datetime64("2026-06-10"),
        np.datetime64("2026-12-31"),
    ]
    assert tables.units["available_from"].tolist() == [
        np.datetime64("2026-02-01"),
        np.datetime64("2026-03-04"),
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("03/15/2026", "impossible date"),  # month-first is never guessed: month 15
        ("16-01-26", "two-digit year"),
        ("31-06-2026", "impossible date"),
        ("begin maart", "not a date"),
    ],
)
def test_unreadable_household_and_unit_dates_are_refused_with_what_to_write(text, why):
    hh = households({"arrival_date": "2026-01-01"}, {"arrival_date": text})
    un = units({"available_from": text})
    with pytest.raises(DataError) as err:
        validate_inputs(hh, un, sites(), None, None, AllocationConfig())
    found = {(render(p.where, "en"), p.field): p.text("en") for p in err.value.problems}
    for key in (("household H2", "arrival_date"), ("unit U1", "available_from")):
        assert why in found[key] and "YYYY-MM-DD" in found[key] and repr(text) in found[key]
    assert len(err.value.problems) == 2

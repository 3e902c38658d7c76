"""Placeholder dates are refused, not planned with.

Registers write ``9999-12-31`` for "never" or "unknown" and ``01-01-1900`` for "not
filled in". Before, such a date was read as written: a unit "available from 9999" was
simply never used and a household "arriving in 1900" had waited 126 years, both without a
word. Every date column of every input now refuses a date outside 1990-2100, naming the
file, the record and the column, and saying what to write instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opvang_opt.dates import FIRST_YEAR, LAST_YEAR, parse_dates
from tests.inputs.demo_edit import edit_table, refused


def test_placeholders_of_every_table_are_named_with_file_record_and_column(demo: Path) -> None:
    def household(df: pd.DataFrame) -> None:
        df.loc[0, "arrival_date"] = "9999-12-31"

    def unit(df: pd.DataFrame) -> None:
        df.loc[1, "available_from"] = "01-01-1900"

    def candidate(df: pd.DataFrame) -> None:
        df.loc[0, "available_from"] = "31-12-9999"

    edit_table(demo, "households.csv", household)
    edit_table(demo, "units.csv", unit)
    edit_table(demo, "planning_candidates.csv", candidate)
    hh = pd.read_csv(demo / "data" / "demo" / "households.csv", dtype=str)
    un = pd.read_csv(demo / "data" / "demo" / "units.csv", dtype=str)
    text = refused(
        demo,
        [
            f"households.csv, household {hh.loc[0, 'household_id']}, arrival_date: 9999-12-31 "
            "is no date to plan with",
            f"units.csv, unit {un.loc[1, 'unit_id']}, available_from: 01-01-1900 is no date",
            "planning_candidates.csv",
            "31-12-9999 is no date to plan with",
            "give the real date",
        ],
        command="validate",
    )
    assert "Traceback" not in text


def test_placeholder_in_dutch(demo: Path) -> None:
    edit_table(demo, "households.csv", lambda df: df.__setitem__("arrival_date", "9999-12-31"))
    refused(demo, ["9999-12-31 is geen datum om mee te plannen"], command="validate", lang=None)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1989-12-31", False),
        ("1990-01-01", True),
        ("31-12-2100", True),
        ("01-01-2101", False),
        (dt.date(9999, 12, 31), False),  # a GeoPackage/Excel date field, not text
        (pd.Timestamp("1900-01-01"), False),
        (np.datetime64("2026-06-30"), True),
    ],
)
def test_the_window_is_inclusive_at_both_ends(value: object, ok: bool) -> None:
    """1990 and 2100 themselves are dates to plan with; one day beyond is not."""
    assert (FIRST_YEAR, LAST_YEAR) == (1990, 2100)
    dates, errors = parse_dates(pd.Series([value], dtype=object))
    assert (not errors) is ok
    assert (dates.iloc[0] is not None) is ok


def test_a_declared_month_first_format_gets_the_same_window() -> None:
    dates, errors = parse_dates(pd.Series(["12/31/9999", "06/30/2026"]), "%m/%d/%Y")
    assert dates.tolist() == [None, dt.date(2026, 6, 30)]
    assert [e.position for e in errors] == [0]

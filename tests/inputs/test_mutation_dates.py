"""The one date policy (``dates.py``): forms read, the placeholder window, every refusal.

Written for mutation testing (docs/mutation.md, twelfth session). Expected dates are the
dates written (or, for Excel numbers, Excel's own well-known serials: 36526 is 1 January
2000, 43831 is 1 January 2020, 73050 is 31 December 2099); expected messages are the
catalogue's English texts with the values filled in by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from opvang_opt.dates import parse_dates

WRITE = "write YYYY-MM-DD (for example 2028-06-30) or DD-MM-YYYY (30-06-2028)"


def placeholder(value: str) -> str:
    return (
        f"{value} is no date to plan with (a placeholder for 'unknown' or 'never'?): a date "
        "lies between 1990 and 2100; give the real date, or leave the cell empty where the "
        "column allows it"
    )


def one(value: object, fmt: str | None = None) -> tuple[dt.date | None, str | None]:
    """The date read from one cell, and the English message of its error (or None)."""
    dates, errors = parse_dates(pd.Series([value], dtype=object), fmt)
    assert len(errors) <= 1
    if errors:
        assert errors[0].position == 0
        assert dates.tolist() == [None]
    return dates.iloc[0], (str(errors[0].message) if errors else None)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2028-06-30", dt.date(2028, 6, 30)),
        ("2028-6-3", dt.date(2028, 6, 3)),
        ("2028-06-30T23:59:59+01:00", dt.date(2028, 6, 30)),
        ("2028-06-30T00:00:00Z", dt.date(2028, 6, 30)),
        ("2028-06-30 23:59", dt.date(2028, 6, 30)),
        ("2028-06-30T12:30:15.250", dt.date(2028, 6, 30)),
        ("30-06-2028", dt.date(2028, 6, 30)),
        ("03-06-2028", dt.date(2028, 6, 3)),
        ("1/7/2028", dt.date(2028, 7, 1)),
        ("1.7.2028 23:59", dt.date(2028, 7, 1)),
        ("10-6-2026 00:00:59", dt.date(2026, 6, 10)),
        ("  2028-06-30 ", dt.date(2028, 6, 30)),
        ("1990-01-01", dt.date(1990, 1, 1)),
        ("31-12-2100", dt.date(2100, 12, 31)),
    ],
)
def test_every_accepted_form_reads_as_the_date_written(text: str, day: dt.date) -> None:
    assert one(text) == (day, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1989-12-31", placeholder("1989-12-31")),
        ("01-01-2101", placeholder("01-01-2101")),
        ("9999-12-31", placeholder("9999-12-31")),
        ("01-01-1900", placeholder("01-01-1900")),
        ("30-06-28", f"two-digit year is ambiguous; {WRITE}"),
        ("medio 2028", f"not a date; {WRITE}"),
        (
            "31-06-2028",
            f"impossible date (day is out of range for month; read as day-month-year); {WRITE}",
        ),
        (
            "2028-13-01",
            f"impossible date (month must be in 1..12; read as year-month-day); {WRITE}",
        ),
        (
            "29-02-2027",
            f"impossible date (day is out of range for month; read as day-month-year); {WRITE}",
        ),
        # a reason Python gives that the catalogue has no text for is passed on as it is
        (
            "0000-01-01",
            f"impossible date (year 0 is out of range; read as year-month-day); {WRITE}",
        ),
    ],
)
def test_every_refusal_says_what_is_wrong_and_what_to_write(text: str, message: str) -> None:
    assert one(text) == (None, message)


def time_wrong(time: str, reading: str) -> str:
    why = f"'{time}' is no time of day: hours 0 to 23, minutes and seconds 0 to 59"
    return f"impossible date ({why}; read as {reading}); {WRITE}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2028-06-30T24:00", time_wrong("24:00", "year-month-day")),
        ("2028-06-30 12:60", time_wrong("12:60", "year-month-day")),
        ("2028-06-30T12:30:60", time_wrong("12:30:60", "year-month-day")),
        ("2028-06-30T25:00:00+01:00", time_wrong("25:00:00", "year-month-day")),
        ("1-7-2028 24:00", time_wrong("24:00", "day-month-year")),
        ("1-7-2028 23:60", time_wrong("23:60", "day-month-year")),
        ("1-7-2028 23:59:60", time_wrong("23:59:60", "day-month-year")),
    ],
)
def test_a_time_that_is_no_time_of_day_is_refused_with_the_time(text: str, message: str) -> None:
    assert one(text) == (None, message)


def excel(day: str) -> str:
    return (
        f"a number, not a date: Excel's number for {day}? Format the cells as dates before "
        f"saving; {WRITE}"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("36526", excel("2000-01-01")),
        ("43831", excel("2020-01-01")),
        ("43831.0", excel("2020-01-01")),
        ("43831.5", excel("2020-01-01")),
        ("73050", excel("2099-12-31")),
        # outside 2000-2099 a five-digit number is not taken for a date cell
        ("36525", f"not a date; {WRITE}"),
        ("73051", f"not a date; {WRITE}"),
    ],
)
def test_an_excel_date_number_names_the_day_in_2000_to_2099_only(text: str, message: str) -> None:
    assert one(text) == (None, message)


def test_a_declared_format_reads_only_that_format_and_keeps_the_window() -> None:
    assert one("06/30/2028", "%m/%d/%Y") == (dt.date(2028, 6, 30), None)
    assert one("30/06/2028", "%m/%d/%Y") == (None, "does not match the declared format '%m/%d/%Y'")
    assert one("12/31/9999", "%m/%d/%Y") == (None, placeholder("12/31/9999"))
    assert one("01/01/1990", "%m/%d/%Y") == (dt.date(1990, 1, 1), None)
    assert one("12/31/2100", "%m/%d/%Y") == (dt.date(2100, 12, 31), None)
    assert one("12/31/1989", "%m/%d/%Y") == (None, placeholder("12/31/1989"))


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (dt.date(2028, 6, 30), dt.date(2028, 6, 30)),
        (dt.datetime(2028, 6, 30, 23, 59), dt.date(2028, 6, 30)),
        (pd.Timestamp("2028-06-30 12:00"), dt.date(2028, 6, 30)),
        (np.datetime64("2028-06-30"), dt.date(2028, 6, 30)),
        (np.datetime64("1990-01-01T00:00"), dt.date(1990, 1, 1)),
        (dt.date(2100, 12, 31), dt.date(2100, 12, 31)),
    ],
)
def test_a_date_field_is_its_date(value: object, day: dt.date) -> None:
    assert one(value) == (day, None)


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        (dt.date(1900, 1, 1), "1900-01-01"),
        (dt.datetime(9999, 12, 31), "9999-12-31"),
        (np.datetime64("2101-01-01"), "2101-01-01"),
        (np.datetime64("2101-01-01T06:30"), "2101-01-01"),
        (pd.Timestamp("1989-12-31 23:59"), "1989-12-31"),
    ],
)
def test_a_date_field_outside_the_window_is_a_placeholder_named_as_a_date(
    value: object, raw: str
) -> None:
    dates, errors = parse_dates(pd.Series(["2028-01-01", value], dtype=object))
    assert dates.tolist() == [dt.date(2028, 1, 1), None]
    assert [(e.position, e.raw, str(e.message)) for e in errors] == [(1, raw, placeholder(raw))]


def test_gaps_are_no_dates_and_no_errors_and_the_index_is_kept() -> None:
    values = pd.Series(
        [None, float("nan"), pd.NaT, pd.NA, "", "   ", "2028-06-30"],
        index=[10, 11, 12, 13, 14, 15, 16],
        dtype=object,
    )
    dates, errors = parse_dates(values)
    assert errors == []
    assert dates.tolist() == [None] * 6 + [dt.date(2028, 6, 30)]
    assert dates.index.tolist() == [10, 11, 12, 13, 14, 15, 16]
    assert dates.dtype == object


def test_each_bad_value_is_reported_at_its_own_position_also_when_repeated() -> None:
    values = pd.Series(["medio 2028", "2028-06-30", "medio 2028", " 9999-12-31", "30-06-2028"])
    dates, errors = parse_dates(values)
    assert dates.tolist() == [None, dt.date(2028, 6, 30), None, None, dt.date(2028, 6, 30)]
    assert [(e.position, e.raw) for e in errors] == [
        (0, "medio 2028"),
        (2, "medio 2028"),
        (3, "9999-12-31"),
    ]
    assert [str(e.message) for e in errors] == [
        f"not a date; {WRITE}",
        f"not a date; {WRITE}",
        placeholder("9999-12-31"),
    ]


def test_a_number_cell_is_read_as_its_text() -> None:
    # a whole number from a number field reaches the parser as a float: 43831.0
    assert one(43831.0) == (None, excel("2020-01-01"))
    assert one(20280630) == (None, f"not a date; {WRITE}")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("31-06-2028", "deze dag bestaat niet in die maand"),
        ("2028-13-01", "de maand moet 1 tot en met 12 zijn"),
        # no catalogue text for Python's reason: it is given as Python's
        ("0000-01-01", "melding van Python: year 0 is out of range"),
    ],
)
def test_the_reason_for_an_impossible_date_is_in_the_users_language(text: str, why: str) -> None:
    # the English texts of the catalogue are Python's own words, so only the Dutch shows
    # that the reason is the catalogue's
    _, errors = parse_dates(pd.Series([text]))
    assert len(errors) == 1
    assert f"onmogelijke datum ({why}; gelezen als " in errors[0].message.render("nl")

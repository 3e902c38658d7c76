"""One date policy for every input: ISO dates, and Dutch day-first dates, never month-first.

Accepted, in every column of every layer and table:

- ISO 8601: ``2028-06-30`` (a time part such as ``2028-06-30T00:00:00``, also with a time
  zone, is allowed and dropped: the date is the one written);
- Dutch day-first: ``30-06-2028``, ``30/06/2028``, ``30.06.2028``, ``1-7-2028`` (a time part
  such as ``1-7-2028 00:00``, as Excel writes it, is allowed and dropped);
- a real date or datetime value (a GeoPackage or Excel date field).

``10-06-2026`` is always 10 June 2026, never 6 October: a month-first reading is never
guessed. Two-digit years, text such as ``"medio 2028"`` and impossible dates such as
``31-06-2028`` are refused with the row and what to write instead, and so is a date outside
the years :data:`FIRST_YEAR` to :data:`LAST_YEAR` (a placeholder such as ``9999-12-31`` or
``01-01-1900`` that a register writes for "unknown" or "never" is no date to plan with).
A column may declare its own format (``date_formats: {column: "%m/%d/%Y"}``, Python
``strptime`` codes) when a file really is month-first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opvang_opt.numtext import Hint, hint

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
"""ISO 8601, with a time part and a time zone allowed and dropped: the date is the one
written (``2026-01-16T00:00:00+01:00`` is 16 January, not the UTC day before)."""
_DUTCH = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
"""Day-first, with the time part Excel writes for a date cell in a Dutch locale
(``10-6-2026 00:00``) allowed and dropped, as for ISO dates."""
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:\.\d+)?$")
"""An Excel date cell saved as its number: ``46054``, or ``46054.0`` / ``46054.5`` from a
number field (with the time as a fraction of the day)."""
_SHORT_YEAR = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}$")

HINT = "write YYYY-MM-DD (for example 2028-06-30) or DD-MM-YYYY (30-06-2028)"
"""What to write instead of an unreadable date (English; :data:`WRITE` in either language)."""
WRITE = hint("date.write")
"""What to write instead of an unreadable date, as a catalogue message."""


FIRST_YEAR, LAST_YEAR = 1990, 2100
"""The years a date of this tool's inputs (arrivals, deliveries, availability, planning
periods) can lie in; a date outside them is refused as a placeholder."""


def _placeholder(day: dt.date, raw: str) -> Hint | None:
    """What is wrong with a readable date outside :data:`FIRST_YEAR`-:data:`LAST_YEAR`."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return None
    return hint("date.placeholder", value=raw, first=str(FIRST_YEAR), last=str(LAST_YEAR))


_WHY = {
    "day is out of range for month": "date.why.day",
    "month must be in 1..12": "date.why.month",
}
"""Python's reasons for an impossible date, by their catalogue key."""


@dataclass(frozen=True)
class DateError:
    """One unreadable date: its position in the column, the raw text and what is wrong
    (a :class:`~opvang_opt.numtext.Hint`: a catalogue message that reads as English text
    where it is joined into a string)."""

    position: int
    raw: str
    message: Hint


def _one(text: str, fmt: str | None) -> tuple[dt.date | None, Hint | None]:
    """Parse one date text; return (date, None) or (None, what is wrong)."""
    if fmt is not None:
        try:
            declared = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            return None, hint("date.declared_format", format=repr(fmt))
        wrong = _placeholder(declared, text)
        return (None, wrong) if wrong else (declared, None)
    m = _ISO.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DUTCH.match(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif _SHORT_YEAR.match(text):
        return None, hint("date.two_digit_year", write=WRITE)
    elif (serial := _EXCEL_SERIAL.match(text)) and 36_526 <= int(serial.group(1)) <= 73_050:
        # a date cell saved as its number (days since 30 December 1899, 2000-2099)
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(serial.group(1)))
        return None, hint("date.excel_number", day=day.isoformat(), write=WRITE)
    else:
        return None, hint("date.not_a_date", write=WRITE)
    hour, minute, second = (int(g or 0) for g in m.group(4, 5, 6))
    if hour > 23 or minute > 59 or second > 59:
        # '25:00' or '12:99' is no time of day, and '24:00' is the next day's midnight:
        # the date written is then not the day meant, so it is never taken
        reading = hint("date.read_ymd" if m.re is _ISO else "date.read_dmy")
        why = hint("date.why.time", time=text[m.start(4) : m.end(6 if m.group(6) else 5)])
        return None, hint("date.impossible", why=why, reading=reading, write=WRITE)
    try:
        day = dt.date(y, mo, d)
    except ValueError as exc:  # month 13, 31 June, 29 February in a common year
        reading = hint("date.read_ymd" if m.re is _ISO else "date.read_dmy")
        known = _WHY.get(str(exc))
        why = hint(known) if known else hint("date.python_says", text=str(exc))
        return None, hint("date.impossible", why=why, reading=reading, write=WRITE)
    wrong = _placeholder(day, text)
    return (None, wrong) if wrong else (day, None)


def parse_dates(values: pd.Series, fmt: str | None = None) -> tuple[pd.Series, list[DateError]]:
    """Parse a column of dates by the one policy.

    Parameters
    ----------
    values
        The raw column (text, dates, datetimes or missing values).
    fmt
        A declared ``strptime`` format for text values, overriding the policy.

    Returns
    -------
    (dates, errors)
        The dates as ``datetime.date`` objects (``None`` where missing or unreadable), and
        one :class:`DateError` per unreadable value. Missing values are not errors here:
        the caller decides whether a column may have gaps.

    Examples
    --------
    >>> dates, errors = parse_dates(pd.Series(["10-06-2026", "2026-06-10", "31-06-2026"]))
    >>> dates.tolist()[:2], errors[0].position
    ([datetime.date(2026, 6, 10), datetime.date(2026, 6, 10)], 2)
    """
    out: list[dt.date | None] = []
    errors: list[DateError] = []
    cache: dict[str, tuple[dt.date | None, Hint | None]] = {}
    for pos, v in enumerate(values.tolist()):
        if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(None)
            continue
        day: dt.date | None = None
        if isinstance(v, pd.Timestamp | dt.datetime):
            day = v.date()
        elif isinstance(v, dt.date):
            day = v
        elif isinstance(v, np.datetime64):
            day = pd.Timestamp(v).date()
        if day is not None:  # a date field (GeoPackage, Excel)
            wrong = _placeholder(day, day.isoformat())
            out.append(None if wrong else day)
            if wrong is not None:
                errors.append(DateError(pos, day.isoformat(), wrong))
            continue
        text = str(v).strip()
        if not text:
            out.append(None)
            continue
        if text not in cache:
            cache[text] = _one(text, fmt)
        date, problem = cache[text]
        out.append(date)
        if problem is not None:
            errors.append(DateError(pos, text, problem))
    return pd.Series(out, index=values.index, dtype=object), errors

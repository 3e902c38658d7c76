"""Export profiles and small-count suppression.

Two profiles decide what an export may hold:

- ``council`` (the default for map, report and Excel): aggregates only. Counts of persons
  and households from 1 to 4 are shown as ``<5``; when a row would let a reader work out a
  suppressed count from its total, one more count is hidden as ``x`` (secondary
  suppression). No household id and no household-level field appears anywhere.
- ``analyst``: exact counts, and household-level tables with pseudonymous ids. Columns that
  look like names are dropped all the same: the tool never needs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

import pandas as pd

Profile = Literal["council", "analyst"]
PROFILES: tuple[Profile, ...] = ("council", "analyst")

MIN_COUNT = 5
"""Counts of persons or households below this are shown as ``<5`` in council exports."""
SMALL = "<5"
"""How a suppressed count is shown."""
SECONDARY = "x"
"""How a count hidden to protect a suppressed one (secondary suppression) is shown."""

HOUSEHOLD_FIELDS = (
    "household_id", "persons", "adults", "children_0_3", "children_4_11", "children_12_17",
    "needs_wheelchair", "needs_ground_floor", "needs_medical", "school_x", "school_y",
    "work_x", "work_y", "preferred_sites", "refused_sites", "arrival_date", "current_unit",
)  # fmt: skip
"""Columns of the household input (``households.csv``); a table with one row per household
holds ``household_id``. Council exports hold none of these as household-level data."""

NAME_COLUMN = re.compile(
    r"^(name|naam|voornaam|achternaam|first_?name|last_?name|surname|full_?name|"
    r"given_?name|family_?name|bsn|v_?nummer|email|e_?mail|phone|telefoon|address|adres)$",
    re.IGNORECASE,
)
"""Column names that may hold direct identifiers; dropped from household tables."""


def check_profile(profile: str) -> Profile:
    """Return ``profile`` if it is known, else raise ``ValueError``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown export profile '{profile}' (use one of {', '.join(PROFILES)})")
    return profile


def show_count(value: float | int | None, profile: Profile = "council") -> str:
    """A count of persons or households as text, suppressed below 5 for the council.

    Parameters
    ----------
    value
        The count (``None`` or NaN: unknown, shown as empty).
    profile
        ``council`` shows 1-4 as ``<5``; ``analyst`` shows the number.

    Examples
    --------
    >>> show_count(3), show_count(0), show_count(12), show_count(3, "analyst")
    ('<5', '0', '12', '3')
    """
    if value is None or pd.isna(value):
        return ""
    n = round(float(value))
    if profile == "council" and 0 < n < MIN_COUNT:
        return SMALL
    return str(n)


def suppress_row(
    parts: Sequence[float | int], total: float | int | None, profile: Profile = "council"
) -> tuple[list[str], str]:
    """Suppress a row of counts that add up to a shown total.

    Primary suppression shows counts 1-4 as ``<5``. When the suppressed parts could be
    worked out from the total and the other parts (one suppressed part; or several whose
    sum leaves one possibility, all 1 or all 4), the smallest other non-zero part is hidden
    too (``x``). A total below 5 is itself ``<5``.

    Parameters
    ----------
    parts
        The counts (e.g. persons per group at one site).
    total
        Their total, or ``None`` when no total is shown.
    profile
        ``analyst`` returns every number as it is.

    Returns
    -------
    tuple
        The parts and the total as text.

    Examples
    --------
    >>> suppress_row([3, 7, 0], 10)
    (['<5', 'x', '0'], '10')
    >>> suppress_row([3, 7, 9], 19)
    (['<5', 'x', '9'], '19')
    >>> suppress_row([2, 3, 8], 13)
    (['<5', '<5', '8'], '13')
    >>> suppress_row([1, 1, 8], 10)
    (['<5', '<5', 'x'], '10')
    """
    shown = [show_count(v, profile) for v in parts]
    total_txt = show_count(total, profile) if total is not None else ""
    if profile != "council" or total is None or total_txt == SMALL:
        return shown, total_txt
    hidden = [i for i, s in enumerate(shown) if s == SMALL]
    if hidden:
        rest = float(total) - sum(float(parts[i]) for i, s in enumerate(shown) if s != SMALL)
        k = len(hidden)
        # the hidden counts (each 1-4) are known exactly when there is one, or when their
        # sum leaves a single possibility (all 1 or all 4): hide one more count
        if k == 1 or rest in (k, 4 * k):
            others = [
                (float(parts[i]), i) for i, s in enumerate(shown) if s not in (SMALL, "0", "")
            ]
            if others:
                shown[min(others)[1]] = SECONDARY
    return shown, total_txt


def suppress_frame(
    df: pd.DataFrame,
    count_columns: Iterable[str],
    profile: Profile = "council",
    *,
    groups: Sequence[tuple[Sequence[str], str]] = (),
) -> pd.DataFrame:
    """A copy of ``df`` whose count columns are text, suppressed for the council.

    Parameters
    ----------
    df
        One row per aggregate (site, municipality, ...), never per household.
    count_columns
        Columns holding counts of persons or households.
    profile
        The export profile.
    groups
        ``(parts, total)`` column sets whose parts add up to the total in each row: these
        get secondary suppression (see :func:`suppress_row`).
    """
    out = df.copy()
    raw = df.copy()
    for c in [c for c in count_columns if c in out.columns]:
        out[c] = [show_count(v, profile) for v in raw[c]]
    for parts, total in groups:
        part_cols = [c for c in parts if c in out.columns]
        if not part_cols or total not in out.columns:
            continue
        for i in range(len(out)):
            vals, tot = suppress_row(
                [raw[c].iloc[i] for c in part_cols], raw[total].iloc[i], profile
            )
            for c, v in zip(part_cols, vals, strict=True):
                out.iloc[i, out.columns.get_loc(c)] = v
            out.iloc[i, out.columns.get_loc(total)] = tot
    return out


def household_table_for(df: pd.DataFrame, profile: Profile) -> pd.DataFrame | None:
    """A household-level table as the profile allows it.

    ``council``: ``None`` (never exported). ``analyst``: the table without columns that
    look like names or other direct identifiers.
    """
    if profile == "council":
        return None
    keep = [c for c in df.columns if not NAME_COLUMN.match(str(c))]
    return df[keep].copy()

"""Did-you-mean hints for unknown names (keys, layers, sites, groups)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence

from opvang_opt.errors import Problem
from opvang_opt.texts import Message


def _fold(name: str) -> str:
    """A name without case, spaces, hyphens and underscores (``Unit ID`` = ``unit_id``)."""
    return "".join(ch for ch in name.casefold() if ch not in " _-\t")


def _closest(word: str, options: Iterable[str]) -> str | None:
    opts = [str(o) for o in options]
    same = [o for o in opts if o != word and _fold(o) == _fold(word)]
    if same:  # differs in case, spaces or underscores only (names are exact)
        return same[0]
    close = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest option, or an empty string.

    English only: a message in the user's language passes :func:`did_you_mean_hint` as a
    parameter instead.
    """
    close = _closest(word, options)
    return f" (did you mean '{close}'?)" if close else ""


def did_you_mean_hint(word: str, options: Iterable[str]) -> Message | str:
    """The hint of :func:`did_you_mean` as a catalogue message (`` (did you mean 'x'?)`` /
    `` (bedoelde u 'x'?)``), or an empty string; pass it as a message parameter."""
    close = _closest(word, options)
    return Message("problem.hint.did_you_mean", {"name": close}) if close else ""


def id_key(ident: str) -> str:
    """An id as a reader would say it: without surrounding spaces, in lower case, every run
    of digits without its leading zeros (``' S001 '``, ``'s001'`` and ``'S0001'`` are one
    key). Two ids of one table with the same key are one record written two ways, or two
    records that no reader can tell apart."""
    return re.sub(r"\d+", _without_leading_zeros, ident.strip().casefold())


def _without_leading_zeros(match: re.Match[str]) -> str:
    # int() of a run of over 4300 digits raises (Python's limit on converting long digit
    # strings): a run that long keeps its own digits, less its leading zeros
    digits = match.group()
    return str(int(digits)) if len(digits) < 4000 else digits.lstrip("0") or "0"


def near_duplicates(ids: Iterable[str]) -> list[list[str]]:
    """Groups of different ids that differ only by case or leading zeros (see
    :func:`id_key`), each in the order first seen; ids written twice the same way are a
    plain duplicate and not listed here.

    Examples
    --------
    >>> near_duplicates(["S001", "s001", "S002", "S0002", "S003", "S001"])
    [['S001', 's001'], ['S002', 'S0002']]
    """
    groups: dict[str, list[str]] = {}
    for ident in ids:
        group = groups.setdefault(id_key(ident), [])
        if ident not in group:
            group.append(ident)
    return [g for g in groups.values() if len(g) > 1]


def near_duplicate_problems(
    ids: Sequence[str],
    rows: Sequence[int],
    label: str,
    field: str,
    where: Callable[[str], Message | str],
) -> list[Problem]:
    """One problem for every group of ids of a table that differ only by case or leading
    zeros (``S001`` and ``s001``, ``H0001`` and ``H001``), with the rows they are in.

    Parameters
    ----------
    ids, rows
        The table's non-empty ids and the row number of each, as the table's other
        messages number rows.
    label, field
        The file and the id column.
    where
        The place of the problem from the group's first id.
    """
    out = []
    for group in near_duplicates(ids):
        at = [str(r) for r, i in zip(rows, ids, strict=True) if i in group]
        out.append(
            Problem(
                Message(
                    "problem.ids.near_duplicates",
                    {
                        "ids": ", ".join(f"'{g}'" for g in group),
                        "rows": Message("problem.where.rows", {"rows": ", ".join(at)}),
                    },
                ),
                label,
                where(group[0]),
                field,
            )
        )
    return out

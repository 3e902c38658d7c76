"""Did-you-mean hints for unknown names (keys, layers, sites, groups)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

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

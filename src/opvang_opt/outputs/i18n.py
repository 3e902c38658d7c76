"""Deprecated: every text is in the catalogue of :mod:`opvang_opt.texts` now.

Kept only so that code written against this module still imports (``Lang``, and ``t`` for
the map texts, which live under ``map.`` in the catalogue). New code uses
``opvang_opt.texts.t(key, lang, **params)``.
"""

from __future__ import annotations

from opvang_opt.texts import CATALOGUE, Lang
from opvang_opt.texts import t as _t

__all__ = ["TEXTS", "Lang", "t"]

TEXTS: dict[str, dict[str, str]] = {
    k.removeprefix("map."): v for k, v in CATALOGUE.items() if k.startswith("map.")
}
"""The map texts by their old keys (a view of the catalogue)."""


def t(key: str, lang: Lang = "nl") -> str:
    """Return the map text ``key`` in ``lang`` (``map.<key>`` in the catalogue)."""
    return _t(f"map.{key}", lang)

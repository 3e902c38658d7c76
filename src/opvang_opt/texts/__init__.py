"""One catalogue for every user-facing text, in Dutch (default) and English.

Stages return :class:`Message` values (a code from the catalogue and its parameters);
outputs and the CLI render them at the edge with :func:`t` or :func:`render` in the
language the user chose. Numbers are formatted per language: Dutch ``1.234,5``, English
``1,234.5``.

Examples
--------
>>> t("common.yes", "en")
'yes'
>>> fmt_number(1234.5, "nl", 1), fmt_number(1234.5, "en", 1)
('1.234,5', '1,234.5')
>>> render(Message("siting.decision.not_chosen_max_sites", {"max_sites": 3}), "en")
'not chosen: maximum of 3 sites reached'
"""

from __future__ import annotations

import datetime as dt
import math
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any, Literal

from opvang_opt.texts.catalogue import CATALOGUE

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANG: Lang = "nl"

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANG",
    "LANGS",
    "Lang",
    "Message",
    "fmt_date",
    "fmt_number",
    "localise",
    "placeholders",
    "render",
    "render_frame",
    "t",
]


@dataclass(frozen=True)
class Message:
    """A text as a catalogue code and its parameters, rendered later in a language.

    Parameters may themselves be messages, or sequences of messages (joined with ``"; "``
    when rendered).
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: Lang = DEFAULT_LANG) -> str:
        """The text in ``lang``."""
        return t(self.code, lang, **self.params)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted((k, repr(v)) for k, v in self.params.items()))))


def localise(text: str, lang: Lang) -> str:
    """Swap a number formatted the English way (``1,234.5``) to ``lang``'s notation."""
    if lang == "nl":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_number(value: Any, lang: Lang = DEFAULT_LANG, digits: int = 0) -> str:
    """A number with thousands separators and ``digits`` decimals in ``lang``'s notation.

    The decimal value (``repr``) is rounded half to even, so 2.675 shows as ``2,68``;
    ``None``, NaN and infinity give an empty string; text is returned unchanged.
    """
    if value is None or isinstance(value, str):
        return value or ""
    f = float(value)
    if not math.isfinite(f):
        return ""
    # round the decimal number as written (repr: 2.675, not the binary 2.67499...), half to
    # even like the exact cents of the exchange (format_cents, to_cents): 2,675 becomes
    # 2,68 (float formatting gave 2,67), and a figure reads the same in every document
    try:
        exact = Decimal(repr(f)).quantize(Decimal(1).scaleb(-digits), context=_ROUNDING)
    except InvalidOperation:  # more digits than any report shows: as Python formats it
        return localise(f"{f:,.{digits}f}", lang)
    return localise(f"{abs(exact) if exact == 0 else exact:,.{digits}f}", lang)


def fmt_date(value: Any, lang: Lang = DEFAULT_LANG) -> str:
    """A date as readers write it: ``30 juni 2028`` in Dutch, ``30 June 2028`` in English.

    ``value`` is a :class:`datetime.date` (or datetime) or ISO text (``2028-06-30``, also
    with a time part, whose date is the one written); other text is returned unchanged,
    ``None`` or empty text gives an empty string.

    Examples
    --------
    >>> fmt_date("2026-11-30T10:01:18+00:00"), fmt_date(dt.date(2028, 6, 30), "en")
    ('30 november 2026', '30 June 2028')
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    month = t("memo.months", lang).split()[value.month - 1]
    return f"{value.day} {month} {value.year}"


_ROUNDING = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])


def _measure(value: float, lang: Lang) -> str:
    """A measure: whole numbers with separators from 100 on, else 3 significant digits."""
    if not math.isfinite(value):
        return t("common.none", lang)
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return localise(text, lang)


class _Formatter(string.Formatter):
    """``str.format`` with numbers in the language's notation and messages rendered.

    Format specs are Python's (``{x:.2f}``, ``{x:,.0f}``, ``{x:.0%}``), localised after
    formatting; ``{x:measure}`` is a measure (see :func:`_measure`), ``{x:places}`` a
    number of places (one decimal unless whole), ``{x:plain}`` a row or line number (no
    thousands separator), ``{x:|woning|woningen}`` the number with the singular or plural
    noun, ``{x:~verhuist~verhuizen}`` the singular or plural word alone. A bare integer gets
    thousands separators; a bare float up to 2 decimals.
    """

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        lang = self.lang
        if isinstance(value, Message):
            return value.render(lang)
        if isinstance(value, list | tuple) and all(isinstance(v, Message) for v in value):
            return "; ".join(v.render(lang) for v in value)
        if not isinstance(value, str | int | float) and hasattr(value, "item"):
            value = value.item()  # a numpy scalar
        if isinstance(value, bool):
            return t("common.yes" if value else "common.no", lang)
        if isinstance(value, dt.date) and not format_spec:  # a date as the reader writes it
            return fmt_date(value, lang)
        if isinstance(value, int | float):
            if format_spec == "measure":
                return _measure(float(value), lang)
            if format_spec.startswith("|"):  # '{n:|plek|plekken}': '1 plek', '2 plekken'
                _, one, many = format_spec.split("|")
                return f"{self.format_field(value, '')} {one if value == 1 else many}"
            if format_spec.startswith("~"):  # '{n:~verhuist~verhuizen}': the word alone
                _, one, many = format_spec.split("~")
                return one if value == 1 else many
            if format_spec == "plain":  # a row or line number: no thousands separator
                return str(int(value)) if float(value).is_integer() else localise(str(value), lang)
            if format_spec == "places":
                digits = 0 if float(value).is_integer() or round(value, 1).is_integer() else 1
                return localise(f"{value:,.{digits}f}", lang)
            if not format_spec:
                if isinstance(value, int):
                    return localise(f"{value:,}", lang)
                if not math.isfinite(value):
                    return t("common.none", lang)
                text = f"{value:,.2f}".rstrip("0").rstrip(".")
                return localise(text, lang)
            return localise(format(value, format_spec), lang)
        return format(value, format_spec)


def t(key: str, lang: Lang = DEFAULT_LANG, /, **params: Any) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in.

    Raises
    ------
    KeyError
        When ``key`` is not in the catalogue (a bug).
    """
    template = CATALOGUE[key][lang]
    if not params:
        return template
    return _Formatter(lang).format(template, **params)


def render(value: Any, lang: Lang = DEFAULT_LANG) -> Any:
    """``value`` rendered for output.

    A message becomes its text; a list or tuple holding messages (texts may sit between
    them), or an empty tuple, becomes the texts joined with ``"; "``; anything else is
    returned unchanged.
    """
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, list | tuple) and (
        value == () or any(isinstance(v, Message) for v in value)
    ):
        return "; ".join(v.render(lang) if isinstance(v, Message) else str(v) for v in value)
    return value


def render_frame(df: Any, lang: Lang = DEFAULT_LANG) -> Any:
    """A copy of a DataFrame with every message cell rendered in ``lang``.

    Columns holding a :class:`Message`, or tuples of them (empty for "none"), are rendered
    with :func:`render`; other columns are left as they are.
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(_has_message).any():
            out[col] = out[col].map(lambda v: render(v, lang))
    return out


def _has_message(value: Any) -> bool:
    return isinstance(value, Message | tuple)


def placeholders(template: str) -> set[str]:
    """The names of the fields in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def texts_of(lang: Lang) -> Iterable[str]:
    """Every catalogue text in ``lang`` (for tests that scan outputs)."""
    return (v[lang] for v in CATALOGUE.values())

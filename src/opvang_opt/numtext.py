"""Hints for numbers written as text the way a Dutch spreadsheet writes them."""

from __future__ import annotations

import re

_COMMA_NUMBER = re.compile(r"^\s*-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$")


def comma_hint(value: object) -> str:
    """What to declare when a number is written the Dutch way (``725,15`` or ``1.250,5``)
    in a table that declares (or defaults to) a decimal point; ``""`` otherwise.

    Examples
    --------
    >>> comma_hint("725,15")[:40]
    '; it is written with a decimal comma: de'
    >>> comma_hint("veel")
    ''
    """
    text = str(value)
    if ("," in text or text.count(".") > 1) and _COMMA_NUMBER.match(text):
        return (
            '; it is written with a decimal comma: declare `decimal: ","` for this table '
            '(with `separator: ";"` for a Dutch Excel export)'
        )
    return ""


_THOUSANDS = re.compile(r"^\s*-?\d{1,3}(\.\d{3})+\s*$")


def ambiguous_whole(value: object) -> bool:
    """Whether a count written as text is ambiguous in a table with a decimal point:
    ``1.000`` or ``12.000`` reads as 1 or 12 with a decimal point, but as one thousand or
    twelve thousand in a Dutch export (a thousands separator). Such a value is never
    guessed: it is refused with :func:`whole_number_hint`.

    Examples
    --------
    >>> ambiguous_whole("1.000"), ambiguous_whole("1.0"), ambiguous_whole("1000")
    (True, False, False)
    """
    return isinstance(value, str) and bool(_THOUSANDS.match(value))


def amount_hint(value: object) -> str:
    """Why a euro amount written as text is refused in a table with a decimal point, or
    ``""``: ``250.000`` reads as 250 euros with a decimal point but as 250,000 euros in a
    Dutch export (and three decimals are no amount in cents), so it is never guessed.

    Examples
    --------
    >>> amount_hint("250.000")[:45]
    "; '.' is a thousands separator here: write 25"
    >>> amount_hint("725.15")
    ''
    """
    if isinstance(value, str) and _THOUSANDS.match(value):
        return whole_number_hint(value)
    return ""


def whole_number_hint(value: object) -> str:
    """What to do when a whole number (a count of places, units or persons) is written with
    a Dutch thousands separator (``1.175``) or a decimal comma; ``""`` otherwise.

    Examples
    --------
    >>> whole_number_hint("1.175")[:46]
    "; '.' is a thousands separator here: write 1175"
    """
    text = str(value).strip()
    if _THOUSANDS.match(text):
        return (
            f"; '.' is a thousands separator here: write {text.replace('.', '')}, or declare "
            '`decimal: ","` for this table (a Dutch Excel export)'
        )
    return comma_hint(text)

"""Hints for numbers written as text the way a Dutch spreadsheet writes them.

Each hint is a :class:`Hint`: a catalogue message that renders in the user's language
when passed as a message parameter, and reads as its English text where it is joined into
a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from opvang_opt.texts import Message


class Hint(Message):
    """A catalogue message that also reads as its English text in an f-string or ``str()``
    (so code that still joins hints into text keeps today's wording); passed as a message
    parameter or into a :class:`~opvang_opt.errors.Problem` it renders in the user's
    language."""

    def __str__(self) -> str:
        return self.render("en")

    def __format__(self, format_spec: str) -> str:
        return format(self.render("en"), format_spec)


def hint(code: str, /, **params: Any) -> Hint:
    """A hint of the catalogue (``problem.`` + ``code``)."""
    return Hint(f"problem.{code}", params)


_COMMA_NUMBER = re.compile(r"^\s*-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$")


def comma_hint(value: object) -> Hint | str:
    """What to declare when a number is written the Dutch way (``725,15`` or ``1.250,5``)
    in a table that declares (or defaults to) a decimal point; ``""`` otherwise.

    Examples
    --------
    >>> str(comma_hint("725,15"))[:40]
    '; it is written with a decimal comma: de'
    >>> comma_hint("veel")
    ''
    """
    text = str(value)
    if ("," in text or text.count(".") > 1) and _COMMA_NUMBER.match(text):
        return hint("number.decimal_comma")
    return separator_hint(text) or excel_error_hint(text) or _decorated_hint(text)


_EXCEL_ERROR = re.compile(
    r"^\s*#(N/A|N/B|DIV/0!|DEEL/0!|VALUE!|WAARDE!|REF!|VERW!|NAME\?|NAAM\?|NUM!|GETAL!"
    r"|NULL!|LEEG!|SPILL!|OVERLOOP!|CALC!|BEREKENEN!)\s*$",
    re.IGNORECASE,
)
"""Excel's error values, English and Dutch (``#N/B`` is ``#N/A`` in a Dutch Excel)."""


def excel_error_hint(text: str) -> Hint | str:
    """What an Excel error value in a number column (``#N/B``, ``#DEEL/0!``) means: the
    cell's formula could not be computed when the file was saved; ``""`` otherwise.

    Examples
    --------
    >>> str(excel_error_hint("#N/B"))[:40]
    '; #N/B is an error value of Excel: the f'
    >>> excel_error_hint("12")
    ''
    """
    m = _EXCEL_ERROR.match(text)
    return hint("number.excel_error", value=text.strip()) if m else ""


_SPACE_LIKE = "\u00a0\u202f\u2007"
"""Spaces that are no whitespace to a number reader: the non-breaking space (Excel's
thousands separator in a Dutch or French locale, and a web page's), the narrow one and the
figure space."""
_SPACED = re.compile(rf"^[\s{_SPACE_LIKE}]*-?\d[\d\s{_SPACE_LIKE}]*([.,]\d+)?[\s{_SPACE_LIKE}]*$")
_ENGLISH = re.compile(r"^\s*-?\d{1,3}(,\d{3})+\.\d+\s*$")


def separator_hint(text: str) -> Hint | str:
    """What to write when a number holds a non-breaking space (``1\u00a0725,15``, or one
    after the number) or English thousands commas with a decimal point (``1,725.15``);
    ``""`` otherwise. Neither is read: the message says what to write instead.

    Examples
    --------
    >>> str(separator_hint("1,725.15"))
    "; ',' is a thousands separator here (an English export, with a decimal point): write 1725.15"
    >>> str(separator_hint("594.87\u00a0"))[-12:], separator_hint("725")
    ('write 594.87', '')
    """
    if any(c in text for c in _SPACE_LIKE) and _SPACED.match(text):
        char = next(c for c in text if c in _SPACE_LIKE)
        plain = re.sub(rf"[\s{_SPACE_LIKE}]", "", text)
        return hint("number.nbsp", code=f"U+{ord(char):04X}", plain=plain)
    if _ENGLISH.match(text):
        return hint("number.english_thousands", plain=text.strip().replace(",", ""))
    return ""


_DECORATED = re.compile(
    r"^\s*(?P<before>€|eur(?:o)?\b)?\s*(?P<number>-?\d[\d.,]*?)(?P<dash>,-)?"
    r"\s*(?P<after>€|[^\W\d_][^\W\d]*(?:\s+[^\W\d_][^\W\d]*)*)?\s*$",
    re.IGNORECASE,
)


def _decorated_hint(text: str) -> Hint | str:
    """A number with a currency or a unit around it (``€ 725,15``, ``EUR 1.200,-``,
    ``30 plaatsen``): what to write instead; ``""`` for anything else (a percentage is
    left to the checks that know whether a share is meant).

    Examples
    --------
    >>> str(_decorated_hint("€ 725"))
    "; write the number only (725), without '€'"
    >>> _decorated_hint("12%"), _decorated_hint("725")
    ('', '')
    """
    m = _DECORATED.match(text)
    if m is None or not (m["before"] or m["dash"] or m["after"]):
        return ""
    extra = "', '".join(x for x in (m["before"], m["dash"], m["after"]) if x)
    number = m["number"]
    return hint("number.decorated", number=number, extra=extra, more=whole_number_hint(number))


_THOUSANDS = re.compile(r"^\s*-?\d{1,3}(\.\d{3})+\s*$")
_COMMA_THOUSANDS = re.compile(r"^\s*-?\d{1,3}(,\d{3})+\s*$")


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


def amount_hint(value: object) -> Hint | str:
    """Why a euro amount written as text is refused in a table with a decimal point, or
    ``""``: ``250.000`` reads as 250 euros with a decimal point but as 250,000 euros in a
    Dutch export (and three decimals are no amount in cents), so it is never guessed.

    Examples
    --------
    >>> str(amount_hint("250.000"))[:46]
    "; '.' may separate thousands (a Dutch export: "
    >>> amount_hint("725.15")
    ''
    """
    if isinstance(value, str) and _THOUSANDS.match(value):
        text = value.strip()
        plain = text.replace(".", "")
        return hint("number.amount_point", plain=plain, point=f"{float(text):g}")
    return ""


def whole_number_hint(value: object) -> Hint | str:
    """What to do when a whole number (a count of places, units or persons) is written with
    a Dutch thousands separator (``1.175``) or a decimal comma; ``""`` otherwise.

    Examples
    --------
    >>> str(whole_number_hint("1.175"))[:47]
    "; '.' is a thousands separator here: write 1175"
    """
    text = str(value).strip()
    if _THOUSANDS.match(text):
        plain = text.replace(".", "")
        if float(text).is_integer():
            # '1.000': one thousand in a Dutch export, one with a decimal point
            return hint("number.whole_point", plain=plain, point=str(int(float(text))))
        return hint("number.thousands_point", plain=plain)
    if _COMMA_THOUSANDS.match(text):
        # '1,000': one thousand in English, one with a Dutch decimal comma
        plain = text.replace(",", "")
        return hint("number.comma_thousands", plain=plain, dutch=float(text.replace(",", ".")))
    return comma_hint(text)


_DECIMAL_POINT = re.compile(r"^\s*[-+]?(\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?\s*$")


def thousands_point_rows(values: Iterable[object]) -> list[int]:
    """Positions of the values written with a thousands point (``658.000``, ``1.551.000``)
    in a column of numbers as text that no value shows to use a decimal point.

    With a decimal point ``658.000`` reads as 658, while a Dutch export means 658,000 by
    it; ``1.551.000`` is no number at all. The column is ambiguous when every value is a
    whole number or such a value (empty values and words aside: they are refused on their
    own): it is never guessed. One value such as ``2.5`` or ``1234.75`` shows the point to
    be a decimal point: then ``[]``.

    Examples
    --------
    >>> thousands_point_rows(["658000", "658.000", "", "1.551.000"])
    [1, 3]
    >>> thousands_point_rows(["658.000", "2.5"]), thousands_point_rows(["9.140", "onbekend"])
    ([], [0])
    """
    texts = [None if v is None or v != v else str(v).strip() for v in values]
    dotted: list[int] = []
    for i, text in enumerate(texts):
        if not text:
            continue
        if _THOUSANDS.match(text):
            dotted.append(i)
        elif _DECIMAL_POINT.match(text):
            return []  # '2.5': the column's point is a decimal point
    return dotted


def thousands_point_message(value: object, kind: str = "column") -> Message:
    """Why ``value`` (a match of :func:`thousands_point_rows`) is refused, with both of its
    readings: ``658.000`` is 658 with a decimal point, 658000 with a thousands point;
    ``1.551.000`` only the latter. ``kind``: ``column`` (a CSV layer: declare the decimal
    comma) or ``text`` (a text field of a GDAL layer: store it as numbers)."""
    text = str(value).strip()
    params: dict[str, object] = {"value": text, "thousands": int(text.replace(".", ""))}
    if text.count(".") == 1:  # '658.000': 658 with a decimal point
        return Message(f"problem.layer.thousands_point_{kind}", {**params, "point": float(text)})
    return Message(f"problem.layer.thousands_points_{kind}", params)

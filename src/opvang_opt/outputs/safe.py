"""Text from input files must never become a spreadsheet formula (OWASP: CSV injection).

A site name such as ``=HYPERLINK("http://...")`` or ``@SUM(A1)`` in a longlist would run as a
formula when a council member opens ``results.xlsx`` or a CSV in Excel or LibreOffice.
In the workbook every text cell is stored as text (never a formula); in CSV files a text
value that a spreadsheet would read as a formula gets a leading apostrophe, as OWASP
recommends. Numbers stay numbers.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet program read a text as a formula (with the
full-width forms some programs also accept)."""


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet program could read this text as a formula."""
    return text.startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """The text with a leading apostrophe when it could be read as a formula (for CSV).

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x")'), neutralise("Diemerdreef")
    ('\\'=HYPERLINK("http://x")', 'Diemerdreef')
    """
    return "'" + text if looks_like_formula(text) else text


def _csv_cell(text: str) -> str:
    """A text cell for CSV: line breaks as LF, so the writer quotes the cell, and a leading
    apostrophe when it could be read as a formula.

    A bare carriage return is no line end to pandas' writer (its line terminator is LF), so
    a cell of a CR and ``=1+1`` was written unquoted, and a spreadsheet program starts a new row at
    the CR, whose first cell ``=1+1`` is then a live formula.
    """
    return neutralise(text.replace("\r\n", "\n").replace("\r", "\n"))


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table in which no text cell can be read as a formula (numbers untouched)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(lambda v: _csv_cell(v) if isinstance(v, str) else v)
    out.columns = [_csv_cell(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: object) -> None:
    """Write a table as UTF-8 CSV with formula-like text neutralised."""
    csv_safe(df).to_csv(path, index=False)

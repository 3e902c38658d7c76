"""Read CSV files as municipalities really produce them, or say exactly what to declare.

A CSV saved by Excel in a Dutch locale uses semicolons between fields and a decimal comma
(``2,8``), often in Windows-1252 rather than UTF-8, with a byte-order mark and Windows line
endings. A layer or table may declare ``separator``, ``decimal`` and ``encoding``; when it
does not and the file looks like such an export, the message says so and shows what to
declare. Nothing is guessed silently.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from opvang_opt.errors import DataError, Problem

_DUTCH_NUMBER = re.compile(r"^\s*-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$")
_LINE = re.compile(r"line (\d+)")
_SAW = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _decode(path: Path, encoding: str | None, label: str, name: str) -> str:
    raw = path.read_bytes()
    enc = encoding or "utf-8-sig"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = "save it as 'CSV UTF-8' in Excel, or declare its encoding"
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = (
                "it is UTF-16 text (Excel's 'Unicode text'): save it as 'CSV UTF-8', or "
                f"declare `encoding: utf-16` under '{name}'"
            )
        else:
            try:
                raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                hint = (
                    "it looks like Windows-1252 (Excel's plain 'CSV' in a Dutch locale): save "
                    f"it as 'CSV UTF-8', or declare `encoding: cp1252` under '{name}'"
                )
        raise DataError(
            f"'{name}' is not {enc} text: {label}",
            [Problem(f"byte {exc.start} cannot be read as {enc}; {hint}", label, f"line {line}")],
        ) from None
    return text.lstrip("\ufeff")


def _ragged_rows(text: str, sep: str, decimal: str) -> list[tuple[int, str]]:
    """Every row whose number of fields differs from the header's (line, what is wrong)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header: list[str] | None = None
    out: list[tuple[int, str]] = []
    for row in reader:
        if header is None:
            header = row
            continue
        if not row or len(row) == len(header):
            continue
        what = f"this row has {len(row)} fields where the header has {len(header)}"
        if sep == "," and decimal == "." and len(row) > len(header):
            what += "; a decimal comma or an unquoted comma in a text splits a field"
        out.append((reader.line_num, what))
        if len(out) >= 20:
            break
    return out


def _looks_dutch(header: str, separator: str) -> bool:
    return separator == "," and header.count(";") > header.count(",")


def read_csv_frame(
    path: Path,
    name: str,
    *,
    separator: str | None = None,
    decimal: str = ".",
    encoding: str | None = None,
    text_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Read a CSV file as text columns (numbers are parsed by the checks that need them).

    Parameters
    ----------
    path
        The file.
    name
        The layer or table name in the scenario (for messages and hints).
    separator, decimal, encoding
        As declared in the scenario; ``None`` means comma, and UTF-8 with or without BOM.
    text_columns
        Columns never treated as numbers (ids): a decimal comma is not converted there.

    Returns
    -------
    pandas.DataFrame
        Every column as text (``None`` for empty cells); with ``decimal: ","`` Dutch numbers
        such as ``1.234,5`` are rewritten as ``1234.5``.

    Raises
    ------
    DataError
        For text that is not in the encoding, a file that looks like a Dutch Excel export
        without a declared separator (with what to declare), and rows with the wrong number
        of fields (with their line).
    """
    label = str(path)
    text = _decode(path, encoding, label, name)
    if not text.strip():
        raise DataError(
            f"'{name}' is empty: {label}",
            [Problem("the file is empty: it needs a header row and data rows", label, "line 1")],
        )
    header = text.split("\n", 1)[0]
    sep = separator or ","
    if separator is None and _looks_dutch(header, sep):
        raise DataError(
            f"'{name}' looks like a Dutch Excel export (semicolons between fields): {label}",
            [
                Problem(
                    "the header is separated by ';' (this looks like a Dutch Excel export) but "
                    "no separator is declared; declare "
                    f'`separator: ";"` (and `decimal: ","` for decimal commas) under \'{name}\'',
                    label,
                    "line 1",
                )
            ],
        )
    names = [c.strip() for c in next(csv.reader([header.rstrip("\r")], delimiter=sep), [])]
    twice = [c for i, c in enumerate(names) if c and c in names[:i]]
    if twice:
        # pandas would rename the second one ('task.1') and the first would be read silently
        raise DataError(
            f"'{name}' has a column written twice in its header: {label}",
            [
                Problem(f"column '{c}' appears more than once in the header; keep one",
                        label, "line 1", c)
                for c in dict.fromkeys(twice)
            ],
        )  # fmt: skip
    ragged = _ragged_rows(text, sep, decimal)
    if ragged:
        raise DataError(
            f"'{name}' has rows with the wrong number of fields: {label}",
            [Problem(what, label, f"line {line}") for line, what in ragged],
        )
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            quoting=csv.QUOTE_MINIMAL,
            skip_blank_lines=True,
        )
    except pd.errors.ParserError as exc:
        msg = str(exc)
        m = _SAW.search(msg)
        if m:
            want, line, saw = m.groups()
            what = f"this row has {saw} fields where the header has {want}"
            if sep == "," and decimal == "." and "," in text.splitlines()[int(line) - 1]:
                what += "; a decimal comma or an unquoted comma in a text splits a field"
            problem = Problem(what, label, f"line {line}")
        else:
            line_m = _LINE.search(msg)
            problem = Problem(msg.strip(), label, f"line {line_m.group(1)}" if line_m else None)
        raise DataError(f"'{name}' cannot be read as CSV: {label}", [problem]) from None
    except Exception as exc:  # an empty file, a binary file, ...
        raise DataError(
            f"'{name}' cannot be read as CSV: {label}", [Problem(str(exc).strip(), label)]
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if decimal == ",":
        for col in df.columns:
            if col in text_columns:
                continue
            s = df[col]
            mask = s.notna() & s.astype(str).str.match(_DUTCH_NUMBER)
            if mask.any():
                df.loc[mask, col] = (
                    s[mask].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
                )
    return df

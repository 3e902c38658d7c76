"""Read CSV files as municipalities really produce them, or say exactly what to declare.

A CSV saved by Excel in a Dutch locale uses semicolons between fields and a decimal comma
(``2,8``), often in Windows-1252 rather than UTF-8, with a byte-order mark and Windows line
endings. A layer or table may declare ``separator``, ``decimal`` and ``encoding``; when it
does not and the file looks like such an export, the message says so and shows what to
declare. Nothing is guessed silently.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from opvang_opt.errors import DataError, Problem
from opvang_opt.texts import Message

_DUTCH_NUMBER = re.compile(r"^\s*-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$")
_LINE = re.compile(r"line (\d+)")
_SAW = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def _line(line: int | str) -> Message:
    return _m("where.line", line=int(line))


def not_a_file(path: Path) -> Message | None:
    """Why ``path`` cannot be read as a file, or ``None`` when it is one: a symbolic link
    that leads back to itself, a folder, or nothing there."""
    if path.is_file():
        return None
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _m("file.symlink_loop")
        return _m("file.does_not_exist")
    return _m("file.is_folder") if path.is_dir() else _m("file.does_not_exist")


_UTF8_NAMES = ("utf-8", "utf-8-sig")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _decode(path: Path, encoding: str | None, label: str, name: str) -> str:
    what = not_a_file(path)
    if what is not None:
        raise DataError(_m("csv.unreadable", name=name, file=label), [Problem(what, label)])
    raw = path.read_bytes()
    enc = encoding or "utf-8-sig"
    if raw.startswith(b"PK\x03\x04"):
        # an .xlsx saved under .csv, or given where only CSV is read: its bytes are a zip
        raise DataError(
            _m("csv.unreadable", name=name, file=label),
            [Problem(_m("csv.workbook"), label, _line(1))],
        )
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # an old Excel workbook (.xls) under .csv: was 'looks like Windows-1252, declare
        # encoding: cp1252', which reads it as nonsense
        raise DataError(
            _m("csv.unreadable", name=name, file=label),
            [Problem(_m("csv.workbook_xls"), label, _line(1))],
        )
    if raw.startswith(b"\xef\xbb\xbf") and codecs.lookup(enc).name not in ("utf-8", "utf-8-sig"):
        # Excel's 'CSV UTF-8' read as the declared encoding: 'ï»¿' in the first column's
        # name, and every accented letter garbled without a word
        raise DataError(
            _m("csv.not_encoding", name=name, encoding=enc, file=label),
            [Problem(_m("csv.utf8_bom_declared", encoding=enc, name=name), label, _line(1))],
        )
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        shown = "UTF-8" if enc == "utf-8-sig" else enc  # the BOM is the reader's matter
        hint = _m("csv.hint.save_utf8")
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = _m("csv.hint.utf16", name=name)
        else:
            try:
                raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                hint = _m("csv.hint.cp1252", name=name)
        raise DataError(
            _m("csv.not_encoding", name=name, encoding=shown, file=label),
            [
                Problem(
                    _m("csv.bad_byte", byte=exc.start, encoding=shown, hint=hint),
                    label,
                    _line(line),
                )
            ],
        ) from None
    _check_decoded(raw, text, enc, label, name)
    return text.lstrip("\ufeff")


def _check_decoded(raw: bytes, text: str, enc: str, label: str, name: str) -> None:
    """Text that decoded but is still not what the file holds: UTF-16 without a byte-order
    mark (valid UTF-8 full of zero bytes), a zero byte in a damaged file, and UTF-8 text
    declared as a one-byte encoding (every accented letter garbled without a word)."""
    if "\x00" in text:
        if raw.count(b"\x00") * 3 >= len(raw):
            what, where = _m("csv.nul_utf16", name=name), _line(1)
        else:
            what, where = _m("csv.nul"), _line(text[: text.index("\x00")].count("\n") + 1)
        raise DataError(
            _m("csv.not_encoding", name=name, encoding=enc, file=label),
            [Problem(what, label, where)],
        )
    family = codecs.lookup(enc).name
    wide = family.startswith(("utf-16", "utf-32"))
    if wide and raw[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" not in raw:
        # UTF-16 holds a zero byte in every ASCII letter: this is UTF-8 (or one byte) text
        raise DataError(
            _m("csv.not_encoding", name=name, encoding=enc, file=label),
            [Problem(_m("csv.not_utf16", name=name, encoding=enc), label, _line(1))],
        )
    if family in _UTF8_NAMES or family.startswith(("utf-16", "utf-32")) or raw.isascii():
        return
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    sample = "".join(dict.fromkeys(c for c in utf8 if ord(c) > 127))[:5]
    line = utf8[: next(i for i, c in enumerate(utf8) if ord(c) > 127)].count("\n") + 1
    raise DataError(
        _m("csv.not_encoding", name=name, encoding=enc, file=label),
        [Problem(_m("csv.utf8_declared_other", sample=sample, name=name, encoding=enc),
                 label, _line(line))],
    )  # fmt: skip


TOTAL_ROW = re.compile(r"^(totaal|eindtotaal|subtotaal|generaal totaal|total|grand total|som|sum)$")
"""A first cell that marks a spreadsheet's total row (Dutch and English)."""


def _ragged_rows(text: str, sep: str, decimal: str) -> list[tuple[int, Message]]:
    """Every row whose number of fields differs from the header's, and every total row at
    the bottom of a spreadsheet export (line, what is wrong)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    out: list[tuple[int, Message]] = []
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a line break inside an unquoted field, a NUL, ...
            out.append((reader.line_num, _m("csv.reader_says", text=str(exc))))
            break
        if header is None:
            header = row
            continue
        if row and TOTAL_ROW.match(row[0].strip().lower()):
            # a total row: with every field it reads as a record with the id 'Totaal'
            out.append((reader.line_num, _m("csv.total_row", text=row[0].strip())))
            continue
        if not row or len(row) == len(header):
            continue
        comma = sep == "," and decimal == "." and len(row) > len(header)
        what = _m("csv.fields_comma" if comma else "csv.fields", saw=len(row), want=len(header))
        out.append((reader.line_num, what))
        if len(out) >= 20:
            break
    return out


def _looks_dutch(header: str, separator: str) -> bool:
    return separator == "," and header.count(";") > header.count(",")


def _cells(line: str, sep: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([line], delimiter=sep), [])]


def _title_line(lines: list[str], sep: str) -> str | None:
    """The text of a title above the table ('Woningvoorraad per 1-1-2026;;;'): a first
    line with one filled cell under every separator, above a line with several."""
    if len(lines) < 2:
        return None
    seps = dict.fromkeys((sep, ",", ";", "\t"))
    first = [[c for c in _cells(lines[0], s) if c] for s in seps]
    if any(len(f) != 1 for f in first):
        return None
    if max(len([c for c in _cells(lines[1], s) if c]) for s in seps) < 2:
        return None
    return min((f[0] for f in first), key=len)


def _separator_problem(header: str, separator: str | None, name: str) -> Message | None:
    """What is wrong with the separator, seen in the header: a declared one that the
    header lacks while it holds another, or tabs where nothing is declared."""
    others = {",": "','", ";": "';'", "\t": "tab"}
    if separator is not None:
        if separator in header:
            return None
        found = [shown for s, shown in others.items() if s != separator and s in header]
        if not found:
            return None
        declared = others.get(separator, repr(separator))
        return _m("csv.separator_absent", name=name, declared=declared, found=found[0])
    if header.count("\t") > max(header.count(","), header.count(";")):
        return _m("csv.tab_separated", name=name)
    return None


INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
"""Characters that show as nothing (a zero-width space, a soft hyphen, direction marks, a
byte-order mark inside the text): 'F02' with one of them is another id than 'F02', a
header 'beds' with one is another column, and the message cannot show the difference."""


def _invisible_characters(
    text: str, sep: str, names: list[str]
) -> list[tuple[int, str | None, Message]]:
    """Every line (at most 20) with an invisible character: (line, column, what)."""
    out: list[tuple[int, str | None, Message]] = []
    if INVISIBLE.search(text) is None:  # the common case: one scan, no split into lines
        return out
    for number, line in enumerate(_NEWLINE.split(text), start=1):
        m = INVISIBLE.search(line)
        if m is None:
            continue
        cells = next(csv.reader([line], delimiter=sep), [])
        k = next((i for i, c in enumerate(cells) if INVISIBLE.search(c)), None)
        cell = cells[k] if k is not None else line
        column = None
        if number > 1 and k is not None and k < len(names):
            column = names[k]
        char = m.group()
        what = _m(
            "csv.invisible",
            cell=repr(cell.strip())[1:-1],
            code=f"U+{ord(char):04X}",
            char=unicodedata.name(char, "").lower(),
            visible=INVISIBLE.sub("", cell).strip(),
        )
        out.append((number, column, what))
        if len(out) == 20:
            break
    return out


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
            _m("csv.empty", name=name, file=label),
            [Problem(_m("csv.empty_file"), label, _line(1))],
        )
    lines = _NEWLINE.split(text, 2)[:2]
    sep_line = re.fullmatch(r"sep=(.)", lines[0].strip())
    if sep_line:
        # Excel's own separator line ('sep=;'): the file says what it uses
        if separator is not None and separator != sep_line.group(1):
            raise DataError(
                _m("csv.unreadable", name=name, file=label),
                [Problem(_m("csv.sep_line_conflict", line=lines[0].strip(), name=name,
                            declared=repr(separator)), label, _line(1))],
            )  # fmt: skip
        separator = sep_line.group(1)
        text = _NEWLINE.split(text, 1)[1] if len(lines) > 1 else ""
        lines = _NEWLINE.split(text, 2)[:2]
    header = lines[0]
    sep = separator or ","
    title = _title_line(lines, sep)
    if title is not None:
        raise DataError(
            _m("csv.unreadable", name=name, file=label),
            [Problem(_m("csv.title_row", text=title), label, _line(1))],
        )
    wrong_sep = _separator_problem(header, separator, name)
    if wrong_sep is not None:
        raise DataError(
            _m("csv.unreadable", name=name, file=label), [Problem(wrong_sep, label, _line(1))]
        )
    if separator is None and _looks_dutch(header, sep):
        raise DataError(
            _m("csv.dutch_export", name=name, file=label),
            [Problem(_m("csv.declare_separator", name=name), label, _line(1))],
        )
    names = [c.strip() for c in next(csv.reader([header.rstrip("\r")], delimiter=sep), [])]
    twice = [c for i, c in enumerate(names) if c and c in names[:i]]
    # 'persons' and 'Persons': only the first is read, the other silently left out
    cased = {
        c: next(n for n in names[:i] if n.casefold() == c.casefold())
        for i, c in enumerate(names)
        if c and c not in names[:i] and c.casefold() in {n.casefold() for n in names[:i]}
    }
    if twice or cased:
        # pandas would rename the second one ('task.1') and the first would be read silently
        raise DataError(
            _m("csv.column_twice", name=name, file=label),
            [
                Problem(_m("csv.column_twice_one", column=c), label, _line(1), c)
                for c in dict.fromkeys(twice)
            ]
            + [
                Problem(_m("csv.column_twice_case", column=c, first=first), label, _line(1), c)
                for c, first in cased.items()
            ],
        )
    invisible = _invisible_characters(text, sep, names)
    if invisible:
        raise DataError(
            _m("csv.invisible_characters", name=name, file=label),
            [Problem(what, label, _line(line), column) for line, column, what in invisible],
        )
    ragged = _ragged_rows(text, sep, decimal)
    if ragged:
        raise DataError(
            _m("csv.ragged", name=name, file=label),
            [Problem(what, label, _line(line)) for line, what in ragged],
        )
    try:
        df = pd.read_csv(
            io.StringIO(text, newline=""),
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
            comma = sep == "," and decimal == "." and "," in text.splitlines()[int(line) - 1]
            what = _m("csv.fields_comma" if comma else "csv.fields", saw=int(saw), want=int(want))
            problem = Problem(what, label, _line(line))
        else:
            line_m = _LINE.search(msg)
            where = _line(line_m.group(1)) if line_m else None
            problem = Problem(_m("csv.reader_says", text=msg.strip()), label, where)
        raise DataError(_m("csv.unreadable", name=name, file=label), [problem]) from None
    except Exception as exc:  # an empty file, a binary file, ...
        raise DataError(
            _m("csv.unreadable", name=name, file=label),
            [Problem(_m("csv.reader_says", text=str(exc).strip()), label)],
        ) from None
    # a spreadsheet export's empty edges: columns without a header or a value (a separator
    # at the end of every line) and rows without a value at the bottom (';;;;')
    blank = [c for c, n in zip(df.columns, names, strict=False) if not n and df[c].isna().all()]
    df = df.drop(columns=blank)
    filled = (~df.isna().all(axis=1)).to_numpy().nonzero()[0]
    df = df.iloc[: int(filled[-1]) + 1 if len(filled) else 0]
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
    headers = _header_rows(df, text, sep)
    if headers:
        # one problem for the row, not one per cell of it that is not a number or a date
        raise DataError(
            _m("csv.header_rows", name=name, file=label),
            [Problem(what, label, _line(line)) for line, what in headers],
        )
    return df


_PLAIN_NUMBER = re.compile(r"^\s*[-+]?\d+(\.\d+)?\s*$")


def _header_rows(df: pd.DataFrame, text: str, sep: str) -> list[tuple[int, Message]]:
    """Rows that are headers, not records: the column names again (two exports pasted
    one under the other), or a second header line under the first (labels in another
    language, units) with text in at least two columns that hold a number in every other
    row. Returns (line, message)."""
    if len(df) < 2:
        return []
    cells = df.fillna("").astype(str).apply(lambda s: s.str.strip())
    filled = (cells != "").sum(axis=1)
    same = pd.DataFrame({c: cells[c].str.casefold() == str(c).casefold() for c in df.columns}).sum(
        axis=1
    )
    repeated = ((same >= 2) & (same * 2 >= filled)).to_numpy()
    found = [(int(i), _m("csv.header_repeated")) for i in np.flatnonzero(repeated)]
    numeric = cells.apply(lambda s: s.str.match(_PLAIN_NUMBER))
    row = cells.iloc[0]
    if not repeated[0] and not numeric.iloc[0].any():
        given = (cells.iloc[1:] != "").sum()
        hits = numeric.iloc[1:].sum()
        columns = [str(c) for c in df.columns if row[c] and given[c] and hits[c] == given[c]]
        if len(columns) >= 2:
            shown = ", ".join(f"'{v}'" for v in row if v)
            found.insert(0, (0, _m("csv.second_header", cells=shown, columns=", ".join(columns))))
    if not found:
        return []
    lines = _record_lines(text, sep)
    return [(lines[i] if i < len(lines) else i + 2, what) for i, what in found]


def _record_lines(text: str, sep: str) -> list[int]:
    """The line each record (after the header) starts on, as pandas reads them (blank
    lines skipped, a quoted line break inside a record)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    starts: list[int] = []
    previous = 0
    for record in reader:
        if any(cell.strip() for cell in record):
            starts.append(previous + 1)
        previous = reader.line_num
    return starts[1:]

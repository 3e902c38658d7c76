"""Read vector layers and tables, reproject to RD New and validate them.

Every problem of a layer is collected and reported at once, each naming the file,
the id or row, and the column.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from opvang_opt.dates import parse_dates
from opvang_opt.errors import DataError, Problem
from opvang_opt.io.csvfile import INVISIBLE, TOTAL_ROW, not_a_file, read_csv_frame
from opvang_opt.io.region import crs_problems, nonfinite_problems, outside_netherlands
from opvang_opt.numtext import comma_hint, thousands_point_message, thousands_point_rows
from opvang_opt.schema import LayerSource, did_you_mean_hint
from opvang_opt.schema.names import near_duplicate_problems
from opvang_opt.texts import Message

_T = TypeVar("_T")

WORKING_CRS = "EPSG:28992"
"""RD New, the Dutch grid in metres: every layer is reprojected to it."""

_MAX_LISTED = 25  # problems listed per kind before they are summarised


@dataclass(frozen=True)
class LayerReport:
    """What reading a layer found and did (kept for run.json and the report)."""

    name: str
    path: str
    sha256: str
    features: int
    source_crs: str
    repaired: tuple[str, ...] = ()
    notes: tuple[Message, ...] = field(default_factory=tuple)


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file (or of all files of a folder-based source)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _geojson_without_crs(path: Path) -> bool:
    """Whether ``path`` is a GeoJSON file without a ``"crs"`` member (read in chunks; a
    file that holds the text ``"crs"`` anywhere counts as declaring one)."""
    if path.suffix.lower() not in (".geojson", ".json") or not path.is_file():
        return False
    tail = b""
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            if b'"crs"' in tail + chunk:
                return False
            tail = chunk[-8:]
    return True


_READER_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "layer.reader_damaged",
        ("malformed", "not a database", "truncated", "unexpected end", "unterminated"),
    ),
    ("layer.reader_locked", ("database is locked", "database table is locked")),
    ("layer.reader_denied", ("permission denied", "access denied")),
    ("layer.reader_format", ("not recognized as", "not recognised as", "unsupported file format")),
)
"""GDAL's messages that have a plain meaning for an analyst (first match wins)."""


def reader_problem(exc: BaseException) -> Message:
    """The file reader's failure, explained in the user's words where its text is known
    (a damaged file, a file open in QGIS, no read permission, an unknown format), with
    the reader's own text kept for whoever supports the analyst."""
    text = str(exc).strip() or type(exc).__name__
    # GDAL's advice to prefix the path with a driver name cannot be followed in a scenario
    text = text.split("; It might help to specify the correct driver")[0].strip()
    low = text.lower()
    for code, needles in _READER_KINDS:
        if any(n in low for n in needles):
            return _m(code, text=text)
    return _m("layer.reader_says", text=text)


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def _where(row: int, ident: object | None) -> Message:
    if ident is not None and not pd.isna(ident):
        return _m("where.id_row", id=str(ident), row=int(row))
    return _m("where.row", row=int(row))


def _missing_file(path: Path) -> Message:
    """``file does not exist``, with the closest name in its folder (``poi.gpkg`` for
    ``pois.gpkg``) when there is one; a symbolic link that leads back to itself is named
    as such."""
    what = not_a_file(path)
    if what is not None and what.code == "problem.file.symlink_loop":
        return what
    folder = path.parent
    names = [p.name for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    # the names are compared without their extensions: '.gpkg' alike made
    # 'boundaries.gpkg' seem close to 'pois.gpkg'
    stems = {Path(n).stem.casefold(): n for n in sorted(names, key=lambda n: n != path.name)}
    close = difflib.get_close_matches(path.stem.casefold(), list(stems), n=1, cutoff=0.6)
    hint = did_you_mean_hint(path.name, [stems[close[0]]]) if close else ""
    return _m("file.does_not_exist_hint", hint=hint) if hint else _m("file.does_not_exist")


def _problems(kind: str, name: str, label: str, problems: list[Problem]) -> DataError:
    """``Layer 'x' (file) has N problem(s)`` (or ``Table``) and the problems."""
    return DataError(_m(f"{kind}.problems", name=name, file=label, count=len(problems)), problems)


def read_table(
    source: LayerSource,
    name: str,
    required_columns: Sequence[str] = (),
    *,
    allow_empty: bool = False,
) -> tuple[pd.DataFrame, LayerReport]:
    """Read a table without geometry (CSV, or any GDAL source) and check its columns and ids.

    Parameters
    ----------
    source
        Where the table is.
    name
        Name of the table in the scenario (used in messages).
    required_columns
        Columns that must be present.
    allow_empty
        Accept a table without rows.

    Returns
    -------
    (DataFrame, LayerReport)

    Raises
    ------
    DataError
        Listing every missing column, missing id and duplicate id.
    """
    path = Path(str(source.path))
    label = str(path)
    if not path.exists():
        raise DataError(
            _m("table.not_found", name=name, file=label),
            [Problem(_missing_file(path), source=label, where=_m("where.table", name=name))],
        )
    try:
        if path.suffix.lower() == ".csv":
            df = _read_csv(source, name, path)
        else:
            _check_workbook(source, name, path, label)
            with warnings.catch_warnings():  # 'more than one layer': checked above
                warnings.simplefilter("ignore", UserWarning)
                df = pyogrio.read_dataframe(path, layer=source.layer, read_geometry=False)
            _check_sheet_header(df, path, label, name)
            if path.suffix.lower() in (*WORKBOOK_SUFFIXES, ".ods"):
                df = _workbook_dates(_workbook_edges(df))
                cells = _workbook_cell_problems(source, path, label) + _total_row(df, label)
                if cells:
                    raise _problems("table", name, label, cells)
    except DataError:
        raise
    except Exception as exc:  # any reader failure is a data problem of this file
        raise DataError(
            _m("table.unreadable", name=name, file=label),
            [Problem(reader_problem(exc), source=label)],
        ) from None
    problems = check_columns_and_ids(df, source, label, required_columns)
    problems += declared_dates(df, source, label)
    if len(df) == 0 and not allow_empty:
        problems.append(Problem(_m("table.no_rows", name=name), source=label))
    if problems:
        raise _problems("table", name, label, problems)
    report = LayerReport(name, label, file_sha256(path), len(df), "none")
    return strip_ids(df, source.id_column), report


def read_layer(
    source: LayerSource,
    name: str,
    required_columns: Sequence[str] = (),
    *,
    allow_empty: bool = False,
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read a vector layer, reproject it to RD New and validate it.

    Parameters
    ----------
    source
        Where the layer is: any source GDAL reads, or a CSV with x/y or WKT columns.
    name
        Name of the layer in the scenario (used in messages).
    required_columns
        Columns the scenario uses; each missing one is a problem.
    allow_empty
        Accept a layer without features (e.g. a constraint layer with nothing in it).

    Returns
    -------
    (GeoDataFrame, LayerReport)
        The layer in EPSG:28992, and what was read and repaired.

    Raises
    ------
    DataError
        Listing every problem at once: a missing file, no CRS, missing columns,
        missing or duplicate ids, empty or invalid geometries (unless repair is allowed).

    Examples
    --------
    >>> from opvang_opt.schema import LayerSource
    >>> gdf, rep = read_layer(LayerSource(path="data/demo/longlist.gpkg",
    ...                       id_column="site_id"), "longlist")  # doctest: +SKIP
    """
    if source.path is None:
        raise DataError(
            _m("layer.source_without_path", name=name, source=str(source.source)),
            [Problem(_m("layer.use_load_scenario"))],
        )
    path = Path(source.path)
    label = str(path)
    if not path.exists():
        raise DataError(
            _m("layer.not_found", name=name, file=label),
            [Problem(_missing_file(path), source=label, where=_m("where.layer", name=name))],
        )
    gdf = _read_any(source, name, path, label)
    measured = bool(gdf.attrs.pop("measured_dropped", False))
    geoms_m = gdf.geometry.to_numpy()
    has_m = shapely.has_m(geoms_m)
    if has_m.any():  # WKT 'POLYGON M (...)' of a CSV: the GeoPackage writer refused it
        gdf = gdf.set_geometry(_without_measures(geoms_m, has_m), crs=gdf.crs)
        measured = True

    problems: list[Problem] = []
    crs_notes: list[Message] = []
    declared = None
    if source.crs is not None:
        try:
            declared = CRS.from_user_input(source.crs)
        except CRSError as exc:
            problems.append(
                Problem(
                    _m("layer.unknown_crs", crs=str(source.crs), error=str(exc)),
                    source=label,
                    field="crs",
                )
            )
    if gdf.crs is None:
        if declared is None:
            problems.append(Problem(_m("layer.no_crs"), source=label))
        else:
            gdf = gdf.set_crs(declared)
    elif (
        declared is not None
        and not CRS.from_user_input(gdf.crs).equals(declared)
        and _geojson_without_crs(path)
    ):
        # GDAL gives every GeoJSON without a "crs" member EPSG:4326 (RFC 7946's default):
        # that is no declaration, so the scenario's crs holds (e.g. ETRS89, EPSG:4258,
        # as PDOK and INSPIRE exports are)
        gdf = gdf.set_crs(declared, allow_override=True)
        crs_notes.append(Message("inputs.geojson_crs", {"crs": str(source.crs)}))
    elif declared is not None and not CRS.from_user_input(gdf.crs).equals(declared):
        problems.append(
            Problem(
                _m("layer.crs_differs", crs=str(source.crs), declared=gdf.crs.to_string()),
                source=label,
                field="crs",
            )
        )
    problems += check_columns_and_ids(gdf, source, label, required_columns)
    problems += declared_dates(gdf, source, label)
    if len(gdf) == 0 and not allow_empty:
        problems.append(Problem(_m("layer.no_features", name=name), source=label))

    ids = gdf[source.id_column] if source.id_column in gdf.columns else None
    geoms = gdf.geometry.values
    id_col = source.id_column if source.id_column in gdf.columns else None
    found, nonfinite = nonfinite_problems(gdf, label, id_col)
    problems += found
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    repaired: list[str] = []
    for i in null.nonzero()[0][:_MAX_LISTED]:
        ident = ids.iloc[i] if ids is not None else None
        problems.append(
            Problem(_m("layer.empty_geometry"), label, _where(i + 1, ident), "geometry")
        )
    invalid = ~null & ~nonfinite & ~shapely.is_valid(geoms)
    bad = invalid.nonzero()[0]
    if len(bad) and source.repair_invalid:
        fixed = _same_kind(geoms[bad], shapely.make_valid(geoms[bad]))
        for i, geom in zip(bad, fixed, strict=True):
            if shapely.is_empty(geom):
                ident = ids.iloc[i] if ids is not None else None
                problems.append(
                    Problem(
                        _m("layer.unrepairable"),
                        label,
                        _where(i + 1, ident),
                        "geometry",
                    )
                )
        gdf.loc[gdf.index[bad], gdf.geometry.name] = fixed
        repaired = [str(ids.iloc[i]) if ids is not None else f"row {i + 1}" for i in bad]
    else:
        for i in bad[:_MAX_LISTED]:
            ident = ids.iloc[i] if ids is not None else None
            reason = shapely.is_valid_reason(geoms[i])
            problems.append(
                Problem(
                    _m("layer.invalid_geometry", reason=str(reason)),
                    label,
                    _where(i + 1, ident),
                    "geometry",
                )
            )
        if len(bad) > _MAX_LISTED:
            problems.append(Problem(_m("layer.more_invalid", n=len(bad) - _MAX_LISTED), label))
    if problems:
        raise _problems("layer", name, label, problems)

    found = crs_problems(gdf, label, id_col)
    if source.layer is not None:  # one of several layers of a file: say which
        found = [
            replace(p, where=_m("where.layer", name=source.layer)) if p.where is None else p
            for p in found
        ]
    problems += found
    if problems:
        raise _problems("layer", name, label, problems)
    source_crs = gdf.crs.to_string()
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(WORKING_CRS)):
        original = gdf
        gdf = gdf.to_crs(WORKING_CRS)
        problems += outside_netherlands(gdf, original, label, id_col)
        if problems:
            raise _problems("layer", name, label, problems)
    notes = list(crs_notes)
    if measured:
        notes.append(Message("inputs.measured_dropped", {}))
    if repaired:
        key = "inputs.repaired_one" if len(repaired) == 1 else "inputs.repaired_many"
        notes.append(Message(key, {"n": len(repaired)}))
    gdf = strip_ids(gdf, source.id_column)
    report = LayerReport(
        name, label, file_sha256(path), len(gdf), source_crs, tuple(repaired), tuple(notes)
    )
    return gdf, report


def _same_kind(original: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """A repaired polygon stays polygonal: ``make_valid`` may return a collection of the
    polygon and the collapsed spikes or slivers (lines, points) the stages cannot use
    (packing stopped with an internal error); those are dropped. A polygon that collapses
    entirely becomes empty (reported by the caller)."""
    out = fixed.copy()
    for k, (orig, geom) in enumerate(zip(original, fixed, strict=True)):
        if shapely.get_dimensions(orig) != 2:
            continue  # a point or line layer keeps what make_valid gives
        if shapely.get_type_id(geom) in (3, 6):
            continue  # a Polygon or MultiPolygon: nothing to drop
        parts = shapely.get_parts(geom)
        polys = parts[shapely.get_dimensions(parts) == 2]
        out[k] = shapely.union_all(polys) if len(polys) else shapely.Polygon()
    return out


def _read_csv(
    source: LayerSource, name: str, path: Path, *, infer_numbers: bool = False
) -> pd.DataFrame:
    """A CSV with the declared separator, decimal mark and encoding.

    Tables stay text (their checks parse what they need); a layer's columns whose every
    value is a number become numbers, as a GDAL source would give them (ids stay text).
    """
    df = read_csv_frame(
        path, name, separator=source.separator, decimal=source.decimal,
        encoding=source.encoding, text_columns=(source.id_column or "",),
    )  # fmt: skip
    if infer_numbers:
        geometry = {source.wkt_column, source.x_column, source.y_column}
        problems: list[Problem] = []
        for col in df.columns:
            if col == source.id_column:
                continue
            if source.decimal == "." and col not in geometry:
                rows = thousands_point_rows(df[col])
                if rows:
                    i = rows[0]
                    ident = df[source.id_column].iloc[i] if source.id_column in df else None
                    problems.append(
                        Problem(
                            thousands_point_message(df[col].iloc[i], "column"),
                            str(path),
                            _where(i + 1, ident),
                            str(col),
                        )
                    )
                    continue
            num = pd.to_numeric(df[col], errors="coerce")
            if df[col].notna().any() and num.notna().sum() == df[col].notna().sum():
                df[col] = num
        if problems:
            raise DataError(_m("layer.two_ways", name=name), problems)
    return df


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
_GDAL_FIELD = re.compile(r"^Field\d+$")


def _check_workbook(source: LayerSource, name: str, path: Path, label: str) -> None:
    """A workbook of several sheets without ``layer:``: GDAL reads the first sheet, even a
    hidden one (last year's table left in the file), silently; say which sheets there are."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES or source.layer is not None:
        return
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a workbook after all: GDAL's own message follows
        return
    try:
        sheets = [(ws.title, ws.sheet_state) for ws in wb.worksheets]
    finally:
        wb.close()
    if len(sheets) < 2:
        return
    visible = [t for t, state in sheets if state == "visible"]
    hidden = [t for t, state in sheets if state != "visible"]
    code = "layer.several_sheets_hidden" if hidden else "layer.several_sheets"
    raise DataError(
        _m("layer.not_in_file", name=name, file=label),
        [
            Problem(
                _m(code, present=", ".join(visible), hidden=", ".join(hidden)),
                source=label,
                where=_m("where.table", name=name),
                field="layer",
            )
        ],
    )


def _check_sheet_header(df: pd.DataFrame, path: Path, label: str, name: str) -> None:
    """GDAL names the columns Field1, Field2, ... when the sheet's first row is no header
    (a title, or merged cells above the table): the required columns would be 'missing'."""
    if path.suffix.lower() not in (*WORKBOOK_SUFFIXES, ".ods"):
        return
    cols = [str(c) for c in df.columns]
    if cols and all(_GDAL_FIELD.match(c) for c in cols):
        raise DataError(
            _m("table.unreadable", name=name, file=label),
            [Problem(_m("layer.sheet_no_header"), source=label, where=_m("where.line", line=1))],
        )


def _workbook_cell_problems(source: LayerSource, path: Path, label: str) -> list[Problem]:
    """Cells of a workbook that GDAL reads as empty while the user sees a value:

    - a formula without its computed value (a workbook written by a program that does not
      compute formulas, not opened and saved in Excel since): one problem per column,
      naming its first such cell (each was 'value is empty');
    - merged cells below the header (a site written once for its 30 units): only the first
      cell holds the value, so one problem per merged range (each other row was 'unknown
      site \'\'').
    """
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return []
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        formulas = openpyxl.load_workbook(path)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook after all: GDAL has read it
        return []
    try:
        sheets = [b[source.layer] if source.layer else b.worksheets[0] for b in (formulas, values)]
        rows = zip(
            sheets[0].iter_rows(values_only=True),
            sheets[1].iter_rows(values_only=True),
            strict=False,
        )
        header = [str(v).strip() if v is not None else "" for v in next(rows, ((), ()))[1]]
        key = header.index(source.id_column) if source.id_column in header else None
        idents: list[object] = []
        found: dict[int, tuple[int, str, int]] = {}
        for r, (written, computed) in enumerate(rows, start=1):
            idents.append(computed[key] if key is not None and key < len(computed) else None)
            for c, (f, v) in enumerate(zip(written, computed, strict=False)):
                if isinstance(f, str) and f.startswith("=") and v is None:
                    first = found.get(c)
                    found[c] = (r, f, 1) if first is None else (*first[:2], first[2] + 1)
        merged = sorted(
            (m.min_row, m.min_col, m.coord) for m in sheets[0].merged_cells.ranges if m.min_row >= 2
        )
    finally:
        values.close()

    def column(c: int) -> str:  # 0-based
        return header[c] if c < len(header) and header[c] else get_column_letter(c + 1)

    def ident(r: int) -> object | None:  # 1-based data row
        return idents[r - 1] if 0 < r <= len(idents) else None

    problems = [
        Problem(
            _m(
                "layer.formula_no_value",
                cell=f"{get_column_letter(c + 1)}{r + 1}",
                formula=formula,
                more=n - 1,
            ),
            label,
            _where(r, ident(r)),
            column(c),
        )
        for c, (r, formula, n) in sorted(found.items())
    ]
    problems += [
        Problem(
            _m("layer.merged_cells", cells=coord, first=coord.split(":")[0]),
            label,
            _where(row - 1, ident(row - 1)),
            column(col - 1),
        )
        for row, col, coord in merged[:_MAX_LISTED]
    ]
    return problems


def _workbook_edges(df: pd.DataFrame) -> pd.DataFrame:
    """A sheet's edges as the CSV reader takes them: column names without spaces around
    them (``'persons '`` was a missing column ``persons``), and no empty rows (cells Excel
    keeps formatted below the table, or a blank row left between records, were records
    with an empty id each; the CSV reader skips a blank line)."""
    names = [str(c).strip() if isinstance(c, str) else c for c in df.columns]
    if len(set(names)) == len(names):
        df = df.set_axis(names, axis=1)
    cells = df.drop(columns=[c for c in df.columns if c == "geometry"])
    text = cells.astype("string").apply(lambda s: s.str.strip())
    filled = (text.notna() & (text != "")).any(axis=1).to_numpy()
    return df if filled.all() else df.iloc[np.flatnonzero(filled)].reset_index(drop=True)


def _total_row(df: pd.DataFrame, label: str) -> list[Problem]:
    """A total row at the bottom of a sheet ('Totaal' in its first cell), as the CSV
    reader says it (it read as a record with the id 'Totaal')."""
    if len(df) == 0 or len(df.columns) == 0:
        return []
    first = df.iloc[-1, 0]
    if isinstance(first, str) and TOTAL_ROW.match(first.strip().lower()):
        what = _m("csv.total_row", text=first.strip())
        return [Problem(what, label, _m("where.row", row=len(df)))]
    return []


_GDAL_DATE_CELL = re.compile(r"^(\d{4})/(\d{2})/(\d{2})(?: (\d{2}:\d{2}:\d{2}))?$")
"""How GDAL writes a workbook's date cell into a column it reads as text."""


def _workbook_dates(df: pd.DataFrame) -> pd.DataFrame:
    """A workbook's date cells as ISO dates where GDAL read their column as text.

    One date typed as text (``16-01-2026``) among the date cells of a column makes GDAL read
    the whole column as text, and write every date cell as ``2026/01/16``: each was then
    'not a date'. That form is GDAL's rendering of a real date cell (year first, so never
    ambiguous); it is written back as ISO (``2026-01-16``), and the typed cells are left
    for the one date policy.
    """
    out = df
    for col in df.columns:
        values = df[col]
        if not pd.api.types.is_string_dtype(values) and values.dtype != object:
            continue
        text = values.astype("string")
        cells = text.str.fullmatch(_GDAL_DATE_CELL).fillna(False).astype(bool)
        if not cells.any():
            continue
        iso = text[cells].str.replace(_GDAL_DATE_CELL, r"\1-\2-\3", regex=True)
        out = out.copy() if out is df else out
        fixed = values.astype(object)
        fixed[cells] = iso.astype(object)
        out[col] = fixed
    return out


def _refuse_unnamed_layer(source: LayerSource, name: str, label: str, layers: np.ndarray) -> None:
    """A file with several layers and no ``layer:`` in the scenario: GDAL would read the
    first one silently (a nature layer read from a noise contour), so say which exist."""
    if source.layer is not None:
        return
    spatial = [str(n) for n, kind in layers if kind is not None]
    names = spatial if spatial else [str(n) for n, _ in layers]
    if len(names) > 1:
        raise DataError(
            _m("layer.not_in_file", name=name, file=label),
            [
                Problem(
                    _m("layer.several_layers", present=", ".join(names), first=names[0]),
                    source=label,
                    where=_m("where.layer", name=name),
                    field="layer",
                )
            ],
        )


def _check_shapefile_parts(name: str, path: Path, label: str) -> None:
    """A Shapefile is several files: without its ``.shx`` GDAL does not read it (and
    advises a setting no scenario can give), without its ``.dbf`` it reads shapes without
    a single column (every required column was reported missing, one by one)."""
    present = {p.name.lower() for p in path.parent.iterdir()}
    missing = [
        f"{path.stem}{ext}"
        for ext in (".shx", ".dbf")
        if f"{path.stem}{ext}".lower() not in present
    ]
    if missing:
        raise DataError(
            _m("layer.unreadable", name=name, file=label),
            [
                Problem(
                    _m("layer.shapefile_parts", missing=", ".join(missing), file=path.name),
                    source=label,
                )
            ],
        )


def _without_measures(geoms: np.ndarray, has_m: np.ndarray) -> np.ndarray:
    """``geoms`` without their M values (``has_m`` says which have them), Z kept: as GDAL
    reads a measured geometry of a file."""
    out = geoms.copy()
    for dim in (2, 3):
        pick = has_m & (shapely.has_z(geoms) if dim == 3 else ~shapely.has_z(geoms))
        if pick.any():
            wkb = shapely.to_wkb(geoms[pick], output_dimension=dim, flavor="iso")
            out[pick] = shapely.from_wkb(wkb)
    return out


def _noting_measures(read: Callable[[], _T]) -> tuple[_T, bool]:
    """What ``read`` returns, and whether GDAL dropped M values on the way (a 'Measured
    Polygon' is read as a Polygon, with a Python warning the CLI would print as it is: the
    layer's report notes it instead). Any other warning is passed on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = read()
    measured = False
    for w in caught:
        if issubclass(w.category, UserWarning) and "Measured (M)" in str(w.message):
            measured = True
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out, measured


def _read_any(source: LayerSource, name: str, path: Path, label: str) -> gpd.GeoDataFrame:
    if path.suffix.lower() == ".csv":
        return _read_csv_layer(source, name, path, label)
    if source.x_column or source.wkt_column:
        # GDAL reads a workbook's sheet as a table; the declared columns were ignored and
        # the layer had 'no geometry column'
        raise DataError(
            _m("layer.unreadable", name=name, file=label),
            [Problem(_m("layer.xy_csv_only"), source=label, field="x_column")],
        )
    if path.suffix.lower() == ".shp" and path.is_file():
        _check_shapefile_parts(name, path, label)
    try:
        layers, measured = _noting_measures(lambda: pyogrio.list_layers(path))
        _refuse_unnamed_layer(source, name, label, layers)
        if source.layer is not None and source.layer not in set(layers[:, 0]):
            raise DataError(
                _m("layer.not_in_file", name=name, file=label),
                [
                    Problem(
                        _m(
                            "layer.no_such_layer",
                            layer=str(source.layer),
                            hint=did_you_mean_hint(
                                str(source.layer), [str(n) for n in layers[:, 0]]
                            ),
                            present=", ".join(str(n) for n in layers[:, 0]),
                        ),
                        source=label,
                        field="layer",
                    )
                ],
            )
        gdf, read_measured = _noting_measures(
            lambda: pyogrio.read_dataframe(path, layer=source.layer)
        )
        measured = measured or read_measured
    except DataError:
        raise
    except Exception as exc:  # GDAL cannot open or read the file
        if path.is_dir():  # a folder GDAL does not read as a dataset (a .gdb would be one)
            raise DataError(
                _m("layer.unreadable", name=name, file=label),
                [Problem(_m("file.is_folder"), source=label)],
            ) from None
        start = path.read_bytes()[:16] if path.is_file() else b""
        if not start:  # an empty GeoJSON was 'this file format is not recognised'
            raise DataError(
                _m("layer.unreadable", name=name, file=label),
                [Problem(_m("layer.empty_file"), source=label)],
            ) from None
        if path.suffix.lower() == ".gpkg" and not start.startswith(b"SQLite format 3"):
            # an empty file, or a CSV saved under .gpkg: GDAL's text names its drivers
            what = (
                _m("layer.empty_file")
                if not start
                else _m("layer.not_geopackage", start=start.decode("latin-1")[:12])
            )
            raise DataError(
                _m("layer.unreadable", name=name, file=label), [Problem(what, source=label)]
            ) from None
        raise DataError(
            _m("layer.unreadable", name=name, file=label),
            [Problem(reader_problem(exc), source=label)],
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise DataError(
            _m("layer.no_geometry", name=name, file=label),
            [Problem(_m("layer.no_geometry_column"), label)],
        )
    if measured:
        gdf.attrs["measured_dropped"] = True
    return gdf


def _read_csv_layer(source: LayerSource, name: str, path: Path, label: str) -> gpd.GeoDataFrame:
    df = _read_csv(source, name, path, infer_numbers=True)
    problems: list[Problem] = []
    if source.wkt_column is None and source.x_column is None:
        raise DataError(
            _m("layer.csv_no_geometry", name=name, file=label),
            [Problem(_m("layer.csv_needs_columns"), source=label)],
        )
    cols = [source.wkt_column] if source.wkt_column else [source.x_column, source.y_column]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            _m("layer.no_geometry_columns", name=name, file=label),
            [Problem(_m("layer.column_missing"), source=label, field=c) for c in missing],
        )
    ids = df[source.id_column] if source.id_column in df.columns else None
    if source.wkt_column:
        texts = df[source.wkt_column].astype("string").fillna("")
        geoms = shapely.from_wkt(texts.to_numpy(dtype=object), on_invalid="ignore")
        for i in (shapely.is_missing(geoms) & (texts != "").to_numpy()).nonzero()[0][:_MAX_LISTED]:
            ident = ids.iloc[i] if ids is not None else None
            problems.append(
                Problem(_m("layer.bad_wkt"), label, _where(i + 1, ident), source.wkt_column)
            )
    else:
        xy = {}
        for c in cols:
            num = pd.to_numeric(df[c], errors="coerce")
            for i in num.isna().to_numpy().nonzero()[0][:_MAX_LISTED]:
                ident = ids.iloc[i] if ids is not None else None
                raw = df[c].iloc[i]
                what = (
                    _m("layer.value_empty")
                    if pd.isna(raw)
                    else _m("layer.not_a_number", value=repr(raw), hint=comma_hint(raw))
                )
                problems.append(Problem(what, label, _where(i + 1, ident), c))
            xy[c] = num.to_numpy()
        geoms = shapely.points(xy[cols[0]], xy[cols[1]])
    if problems:
        raise _problems("layer", name, label, problems)
    return gpd.GeoDataFrame(df.drop(columns=cols), geometry=geoms, crs=None)


def declared_dates(df: pd.DataFrame, source: LayerSource, label: str) -> list[Problem]:
    """Read every column with a declared date format (``date_formats``) by that format,
    in place, as dates; every value that does not match is a problem (id or row, column).

    Without a declaration a column is read later by the one date policy (ISO or Dutch
    day-first); a declared format (e.g. a month-first ``%m/%d/%Y`` export) replaces it for
    that column, for every stage that reads it.
    """
    problems: list[Problem] = []
    id_col = source.id_column if source.id_column in df.columns else None
    for col, fmt in source.date_formats.items():
        if col not in df.columns:
            have = ", ".join(str(c) for c in df.columns if c != "geometry")
            problems.append(
                Problem(
                    _m("layer.date_format_no_column", column=col, present=have),
                    label,
                    None,
                    col,
                )
            )
            continue
        parsed, errors = parse_dates(df[col].reset_index(drop=True), fmt)
        for e in errors[:_MAX_LISTED]:
            ident = df[id_col].iloc[e.position] if id_col else None
            problems.append(
                Problem(
                    _m("scenario.got", what=e.message, got=repr(e.raw)),
                    label,
                    _where(e.position + 1, ident),
                    col,
                )
            )
        if len(errors) > _MAX_LISTED:
            problems.append(
                Problem(_m("layer.more_dates", n=len(errors) - _MAX_LISTED), label, None, col)
            )
        if not errors:
            df[col] = pd.to_datetime(pd.Series(parsed.to_numpy(), index=df.index))
    return problems


def strip_ids(df: pd.DataFrame, id_column: str | None) -> pd.DataFrame:
    """The frame with its text ids stripped of spaces, tabs and line breaks around them.

    'S001 ' and 'S001' are one id to the duplicate check and to every table that refers to
    it, so the id itself is the stripped text: a longlist id '\tS005' was 'S005' in one
    stage and '\tS005' in another, and the allocation stopped with an internal error.
    """
    if not id_column or id_column not in df.columns:
        return df
    ids = df[id_column]
    stripped = ids.map(lambda v: v.strip() if isinstance(v, str) else v)
    if stripped.equals(ids):
        return df
    out = df.copy()
    out[id_column] = stripped
    return out


def check_columns_and_ids(
    df: pd.DataFrame, source: LayerSource, label: str, required_columns: Sequence[str]
) -> list[Problem]:
    """Every missing required column, empty id and duplicate id of a frame, as problems.

    A frame without features and without columns (an empty GeoJSON has no properties to
    read columns from) gets one problem that says so, not one "column missing" per
    column."""
    problems: list[Problem] = []
    wanted = [*required_columns, *source.required_columns]
    if source.id_column:
        wanted.insert(0, source.id_column)
    if len(df) == 0 and all(c == "geometry" for c in df.columns) and wanted:
        cols = ", ".join(dict.fromkeys(wanted))
        return [Problem(_m("layer.empty_no_columns", columns=cols), label)]
    seen: set[str] = set()
    for col in wanted:
        if col not in df.columns and col not in seen:
            seen.add(col)
            have = ", ".join(str(c) for c in df.columns if c != "geometry")
            if len(col) > 10 and col[:10] in df.columns:
                # a Shapefile (dBase) cuts every field name to 10 characters
                msg = _m("layer.required_missing_cut", short=col[:10], present=have)
            else:
                hint = did_you_mean_hint(col, [str(c) for c in df.columns if c != "geometry"])
                msg = _m("layer.required_missing", present=have, hint=hint)
            problems.append(Problem(msg, label, None, col))
    if source.id_column and source.id_column in df.columns:
        ids = df[source.id_column]
        blank = ids.isna() | (ids.astype("string").str.strip() == "")
        for i in blank.to_numpy().nonzero()[0][:_MAX_LISTED]:
            problems.append(
                Problem(_m("layer.id_empty"), label, _m("where.row", row=i + 1), source.id_column)
            )
        # 'S001' and 'S001 ' are one id to every table that refers to it
        key = ids.astype("string").str.strip()
        hidden = ~blank & key.str.contains(INVISIBLE, regex=True).fillna(False).astype(bool)
        for i in hidden.to_numpy().nonzero()[0][:_MAX_LISTED]:
            ident = str(key.iloc[i])
            char = INVISIBLE.search(ident).group()  # type: ignore[union-attr]
            what = _m(
                "csv.invisible",
                cell=repr(ident)[1:-1],
                code=f"U+{ord(char):04X}",
                char=unicodedata.name(char, "").lower(),
                visible=INVISIBLE.sub("", ident),
            )
            problems.append(Problem(what, label, _m("where.row", row=i + 1), source.id_column))
        dup = key[~blank & key.duplicated(keep=False)]
        for ident, rows in dup.groupby(dup).groups.items():
            positions = [df.index.get_loc(r) + 1 for r in rows]
            problems.append(
                Problem(
                    _m("layer.duplicate_id", id=str(ident), rows=", ".join(map(str, positions))),
                    label,
                    _m("where.id", id=str(ident)),
                    source.id_column,
                )
            )
        problems += near_duplicate_problems(
            [str(v) for v in key[~blank]],
            [i + 1 for i in (~blank).to_numpy().nonzero()[0]],
            label,
            source.id_column,
            lambda ident: _m("where.id", id=ident),
        )
    return problems

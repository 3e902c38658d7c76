"""Read and check the services tables: providers and candidate facilities.

Every problem of both tables is collected (file, row by id, field, what is wrong) and
raised once as a :class:`~opvang_opt.errors.DataError` (exit 2), before any solver runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from opvang_opt.errors import DataError, Problem
from opvang_opt.io.layers import LayerReport, read_table
from opvang_opt.io.region import Region, check_points_table, crs_problems
from opvang_opt.numtext import ambiguous_whole, comma_hint, whole_number_hint
from opvang_opt.schema import LayerSource
from opvang_opt.schema.names import did_you_mean_hint, near_duplicate_problems
from opvang_opt.schema.services import (
    NEWCOMER_TYPES,
    SERVICE_TYPES,
    FacilityTable,
    ProviderTable,
    ServicesConfig,
)
from opvang_opt.texts import Message

WORKING_CRS = "EPSG:28992"


@dataclass(frozen=True)
class ServicesTables:
    """The services tables, checked, with x/y in RD New (EPSG:28992)."""

    providers: pd.DataFrame
    facilities: pd.DataFrame | None
    reports: tuple[LayerReport, ...] = ()


_INT_COLS = {"capacity": 0, "group_size": 1, "max_extra_groups": 0}
_EURO_COLS = ("group_cost_eur_year", "cost_eur_year", "setup_cost_eur")
_MAXIMA: dict[str, float] = {
    "capacity": 100_000,
    "group_size": 1_000,
    "max_extra_groups": 10_000,
    "reach_m": 100_000,
    "group_cost_eur_year": 1e11,
    "cost_eur_year": 1e11,
    "setup_cost_eur": 1e11,
}
"""The largest value each number column may hold: places and groups as the project's
other counts (100,000), a reach within the 100 km of any rule, money as its other fixed
costs (EUR 10^11); a larger one is a typing or unit error, refused with its row."""


def _where(df: pd.DataFrame, i: object, id_col: str) -> Message:
    """The record of row label ``i`` as the other tables name it: ``id S003``, or its
    line when the id is empty."""
    rid = df.at[i, id_col]
    if pd.isna(rid) or not str(rid).strip():
        return Message("problem.where.row", {"row": int(df.index.get_loc(i)) + 2})
    return Message("problem.where.id", {"id": str(rid).strip()})


def _numbers(
    df: pd.DataFrame, id_col: str, label: str, column: str, *, required: bool,
    integer: bool = False, minimum: float | None = None,
) -> tuple[pd.Series, list[Problem]]:  # fmt: skip
    """A numeric column, every bad cell named by its row id (at most :data:`_MAXIMA`)."""
    maximum = _MAXIMA.get(column)
    problems: list[Problem] = []
    if column not in df.columns:
        return pd.Series(np.nan, index=df.index), problems
    raw = df[column]
    text = raw.astype("string").str.strip()
    empty = text.isna() | (text == "")
    # a declared decimal comma is rewritten when the file is read; an undeclared one is not
    # guessed (Dutch '9.000' is nine thousand, not nine): the message says what to declare
    values = pd.to_numeric(text, errors="coerce")
    for i in df.index:
        rid = _where(df, i, id_col)
        if empty[i]:
            if required:
                problems.append(Problem(Message("problem.services.missing"), label, rid, column))
            continue
        v = values[i]
        if pd.isna(v) or not math.isfinite(float(v)):
            problems.append(
                Problem(
                    Message(
                        "problem.services.not_number",
                        {"value": str(raw[i]), "hint": comma_hint(raw[i])},
                    ),
                    label,
                    rid,
                    column,
                )
            )
        elif integer and (float(v) != int(float(v)) or ambiguous_whole(text[i])):
            problems.append(
                Problem(
                    Message("problem.services.not_whole",
                            {"value": str(raw[i]), "hint": whole_number_hint(text[i])}),
                    label, rid, column,
                )
            )  # fmt: skip
        elif maximum is not None and float(v) > maximum:
            problems.append(
                Problem(
                    Message("problem.services.above", {"value": str(raw[i]), "maximum": maximum}),
                    label,
                    rid,
                    column,
                )
            )
        elif minimum is not None and float(v) < minimum:
            problems.append(
                Problem(
                    Message(
                        "problem.services.below", {"value": str(raw[i]), "minimum": f"{minimum:g}"}
                    ),
                    label,
                    rid,
                    column,
                )
            )
    return values.where(~empty), problems


def _geography(
    out: pd.DataFrame, label: str, crs: str, region: Region | None, margin_m: float
) -> tuple[list[Problem], np.ndarray]:
    """The checks every table with coordinates gets: degrees given as RD New metres (or
    numbers that cannot lie in the declared CRS), outside the Netherlands, farther than
    ``margin_m`` from the region. Returns the problems and the x/y in RD New."""
    x = out["x"].to_numpy(float, copy=True)
    y = out["y"].to_numpy(float, copy=True)
    ok = np.isfinite(x) & np.isfinite(y)
    problems: list[Problem] = []
    if crs != WORKING_CRS and ok.any():
        pts = gpd.GeoDataFrame(
            {"id": out.loc[ok, "id"].to_numpy()},
            geometry=gpd.points_from_xy(x[ok], y[ok]), crs=crs,
        )  # fmt: skip
        found = crs_problems(pts, label, "id")
        problems += [Problem(p.message, p.source, p.where, "x/y") for p in found]
        tr = Transformer.from_crs(crs, WORKING_CRS, always_xy=True)
        with np.errstate(all="ignore"):
            x[ok], y[ok] = tr.transform(x[ok], y[ok])
        if found:  # the region check would only repeat them
            return problems, np.column_stack([x, y])
    rd = pd.DataFrame({"id": out["id"], "x": x, "y": y})
    problems += check_points_table(rd, ("x", "y"), label, "id", region, margin_m)
    return problems, np.column_stack([x, y])


def _check_table(
    df: pd.DataFrame, id_col: str, label: str, allowed: tuple[str, ...], crs: str,
    *, facility: bool, region: Region | None = None, margin_m: float = 50_000.0,
) -> tuple[pd.DataFrame, list[Problem]]:  # fmt: skip
    problems: list[Problem] = []
    out = pd.DataFrame({"id": df[id_col].astype(str)})
    out["name"] = df["name"].astype("string").fillna("").astype(str) if "name" in df else out["id"]
    kinds = df["type"].astype("string").str.strip().str.lower()
    for i in df.index:
        k = kinds[i]
        if pd.isna(k) or k not in allowed:
            problems.append(
                Problem(
                    Message(
                        "problem.services.bad_type",
                        {
                            "value": str(df.at[i, "type"]),
                            "allowed": ", ".join(allowed),
                            "hint": did_you_mean_hint(str(k), list(allowed)),
                        },
                    ),
                    label,
                    _where(df, i, id_col),
                    "type",
                )
            )
    out["type"] = kinds.astype(object)
    for col in ("x", "y"):
        vals, probs = _numbers(df, id_col, label, col, required=True)
        out[col] = vals.astype(float)
        problems += probs
    cap, probs = _numbers(
        df, id_col, label, "capacity", required=True, integer=True,
        minimum=1 if facility else 0,
    )  # fmt: skip
    out["capacity"] = cap
    problems += probs
    opt = ["reach_m"] + (["cost_eur_year", "setup_cost_eur"] if facility else
                         ["group_size", "max_extra_groups", "group_cost_eur_year"])  # fmt: skip
    for col in opt:
        vals, probs = _numbers(
            df, id_col, label, col, required=False, integer=col in _INT_COLS,
            minimum=_INT_COLS.get(col, 0) if col != "reach_m" else 1,
        )  # fmt: skip
        out[col] = vals
        problems += probs
    out["area"] = (
        df["area"].astype("string").fillna("").astype(str) if "area" in df.columns
        else df["municipality_code"].astype("string").fillna("").astype(str)
        if "municipality_code" in df.columns else ""
    )  # fmt: skip
    geo, xy = _geography(out, label, crs, region, margin_m)
    problems += geo
    out["x"], out["y"] = xy[:, 0], xy[:, 1]
    return out.reset_index(drop=True), problems


def _specs(
    config: ServicesConfig,
) -> list[tuple[str, ProviderTable | FacilityTable, str, tuple[str, ...], bool]]:
    out: list[tuple[str, ProviderTable | FacilityTable, str, tuple[str, ...], bool]] = [
        ("providers", config.providers, "provider_id", SERVICE_TYPES, False)
    ]
    if config.facilities is not None:
        out.append(("facilities", config.facilities, "facility_id", NEWCOMER_TYPES, True))
    return out


def read_services_raw(
    config: ServicesConfig, reports: list[LayerReport], problems: list[Problem]
) -> dict[str, pd.DataFrame]:
    """Read the providers and facilities tables as they are (checked by
    :func:`check_services_raw`); file problems are added to ``problems``."""
    raw: dict[str, pd.DataFrame] = {}
    for name, spec, id_col, _, _ in _specs(config):
        try:
            # ids are checked later, so a duplicate id does not hide the other problems
            source = LayerSource(
                path=spec.path, separator=spec.separator, decimal=spec.decimal,
                encoding=spec.encoding, date_formats=spec.date_formats,
            )  # fmt: skip
            df, rep = read_table(source, name, [id_col, "type", "x", "y", "capacity"])
        except DataError as exc:
            problems += exc.problems or [Problem(exc.summary, str(spec.path))]
            continue
        reports.append(rep)
        raw[name] = df
    return raw


def check_services_raw(
    config: ServicesConfig,
    raw: dict[str, pd.DataFrame],
    problems: list[Problem],
    reports: tuple[LayerReport, ...] = (),
    region: Region | None = None,
    margin_m: float = 50_000.0,
) -> ServicesTables | None:
    """Check the services tables (ids, types, numbers, and the geography every point
    table gets: degrees in an RD New file, outside the Netherlands, farther than
    ``margin_m`` from the ``region``); every problem goes to ``problems``.

    Returns the checked tables, or None when a table is missing or has a problem.
    """
    tables: dict[str, pd.DataFrame] = {}
    found: list[Problem] = []
    for name, spec, id_col, allowed, is_fac in _specs(config):
        df = raw.get(name)
        label = str(spec.path)
        if df is None:
            continue
        missing = [c for c in (id_col, "type", "x", "y", "capacity") if c not in df.columns]
        if missing:
            found += [
                Problem(
                    Message(
                        "problem.services.missing_column",
                        {"hint": did_you_mean_hint(c, [str(x) for x in df.columns])},
                    ),
                    label,
                    None,
                    c,
                )
                for c in missing
            ]
            continue
        ids = df[id_col].astype("string").str.strip()
        for i in np.flatnonzero((ids.isna() | (ids == "")).to_numpy()):
            found.append(
                Problem(
                    Message("problem.services.missing_id"),
                    label,
                    Message("problem.where.row", {"row": int(i) + 2}),
                    id_col,
                )
            )
        dup = ids[ids.duplicated(keep=False) & ids.notna()]
        for rid in sorted(set(dup)):
            rows = ", ".join(str(i + 2) for i in np.flatnonzero((ids == rid).to_numpy()))
            found.append(
                Problem(
                    Message("problem.services.duplicate_id", {"id": rid, "lines": rows}),
                    label,
                    Message("problem.where.id", {"id": rid}),
                    id_col,
                )
            )
        given = np.flatnonzero((ids.notna() & (ids != "")).to_numpy())
        found += near_duplicate_problems(
            [str(ids.iloc[i]) for i in given],
            [int(i) + 2 for i in given],
            label,
            id_col,
            lambda ident: Message("problem.where.id", {"id": ident}),
        )
        table, probs = _check_table(df, id_col, label, allowed, spec.crs, facility=is_fac,
                                    region=region, margin_m=margin_m)  # fmt: skip
        found += probs
        tables[name] = table
    problems += found
    if found or "providers" not in tables:
        return None
    return ServicesTables(tables["providers"], tables.get("facilities"), reports)


def read_services_tables(config: ServicesConfig) -> ServicesTables:
    """Read and check the providers table and the optional facilities table.

    Raises
    ------
    DataError
        Listing every problem of both tables at once.
    """
    problems: list[Problem] = []
    reports: list[LayerReport] = []
    raw = read_services_raw(config, reports, problems)
    tables = check_services_raw(config, raw, problems, tuple(reports))
    if problems or tables is None:
        raise DataError(Message("problem.services.summary", {"count": len(problems)}), problems)
    return tables

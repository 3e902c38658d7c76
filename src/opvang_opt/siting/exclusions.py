"""Hard, non-compensatory exclusion rules: each broken rule is recorded with its measure."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.dates import parse_dates as parse_date_column
from opvang_opt.errors import DataError, Problem
from opvang_opt.schema import (
    AvailableByRule,
    CloserThanRule,
    Exclusion,
    IntersectsRule,
    LimitRule,
)
from opvang_opt.siting.criteria import (
    NearestDistances,
    intersects_any,
    numeric_column,
    overlap_area,
)
from opvang_opt.texts import Message

EXCLUSION_COLUMNS = ["site_id", "rule", "label", "measured", "limit", "unit", "message"]


def parse_dates(sites: gpd.GeoDataFrame, column: str, id_column: str, source: str) -> pd.Series:
    """Parse a date column of the longlist by the one date policy (:mod:`opvang_opt.dates`);
    every missing or unreadable date is a problem.

    Each distinct value is parsed once (a million plots have a handful of dates)."""
    raw = sites[column]
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    parsed_u, errors_u = parse_date_column(pd.Series(np.asarray(uniques, dtype=object)))
    taken = np.append(parsed_u.to_numpy(dtype=object), None)  # code -1 (missing): None
    parsed = pd.Series(taken[codes], index=raw.index, dtype=object)
    bad = {e.position: e for e in errors_u}
    rows = np.flatnonzero(np.isin(codes, list(bad))) if bad else np.zeros(0, dtype=np.int64)
    problems = [
        Problem(f"{bad[c].message} (got {bad[c].raw!r})", source,
                f"id {sites[id_column].iloc[i]} (row {i + 1})", column)
        for i, c in zip(rows.tolist(), codes[rows].tolist(), strict=True)
    ]  # fmt: skip
    for i in np.flatnonzero(raw.isna().to_numpy()):
        problems.append(
            Problem("missing date", source, f"id {sites[id_column].iloc[i]} (row {i + 1})", column)
        )
    if problems:
        raise DataError(f"Longlist column '{column}' has {len(problems)} problem(s)", problems)
    return parsed


def measure_message(value: float, unit: str = "") -> Message:
    """A measure with its unit code, rendered later: 1.877 m2, 23,1 m, 91%."""
    if not np.isfinite(value):
        return Message("common.none")
    if unit == "share":
        return Message("siting.measure_share", {"value": float(value)})
    if not unit:
        return Message("siting.measure_plain", {"value": float(value)})
    return Message("siting.measure", {"value": float(value), "unit": Message(f"unit.{unit}")})


def measure_messages(values: np.ndarray, unit: str = "") -> list[Message]:
    """:func:`measure_message` of every value (one shared unit message, no numpy scalars)."""
    none = Message("common.none")
    unit_msg = Message(f"unit.{unit}") if unit and unit != "share" else None
    out = []
    for v in np.asarray(values, dtype=float).tolist():
        if not np.isfinite(v):
            out.append(none)
        elif unit == "share":
            out.append(Message("siting.measure_share", {"value": v}))
        elif unit_msg is None:
            out.append(Message("siting.measure_plain", {"value": v}))
        else:
            out.append(Message("siting.measure", {"value": v, "unit": unit_msg}))
    return out


NAME_COLUMNS = ("name", "naam", "naam_n2k", "sitename", "site_name", "label")
"""Columns of a constraint layer that name its features (Natura 2000: naam_n2k)."""


def _names_hit(
    sites: np.ndarray,
    layer: gpd.GeoDataFrame,
    label: str,
    idx: np.ndarray,
    within: float | None = None,
) -> np.ndarray:
    """For the sites at ``idx``, the layer's name followed by the names of the features each
    touches (or lies within ``within`` metres of), when the layer has a name column:
    'natura (Botshol)'; at most three names, sorted. One bulk tree query."""
    out = np.full(len(idx), label, dtype=object)
    lower = {str(c).lower(): c for c in layer.columns}
    col = next((lower[c] for c in NAME_COLUMNS if c in lower), None)
    if col is None or len(layer) == 0 or len(idx) == 0:
        return out
    names = np.asarray(layer[col].astype("string").fillna("").to_numpy(), dtype=object)
    tree = shapely.STRtree(layer.geometry.values)
    if within is None:
        qs, qf = tree.query(sites[idx], predicate="intersects")
    else:
        qs, qf = tree.query(sites[idx], predicate="dwithin", distance=within)
    # (site, name) pairs without empty names or repeats, sorted; the first three per site
    found = sorted({(int(q), str(nm)) for q, nm in zip(qs.tolist(), names[qf].tolist(),
                                                       strict=True) if str(nm)})  # fmt: skip
    per_site: dict[int, list[str]] = {}
    for q, nm in found:
        got = per_site.setdefault(q, [])
        if len(got) < 3:
            got.append(nm)
    for q, got in per_site.items():
        out[q] = f"{label} ({', '.join(got)})"
    return out


def evaluate_exclusions(
    rules: tuple[Exclusion, ...],
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    indicators: dict[str, np.ndarray],
    id_column: str,
    source: str,
    units: dict[str, str] | None = None,
    nearest: NearestDistances | None = None,
    overlaps: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Apply every rule to every site.

    Parameters
    ----------
    rules
        The scenario's exclusion rules.
    sites
        The longlist in RD New.
    layers
        The other layers by name.
    indicators
        Measured criterion indicators by criterion name (for ``below``/``above`` rules).
    units
        Unit code of each criterion's indicator, for the messages.
    nearest
        Shared straight-line distances of the run (made here when not given).
    overlaps
        Overlap areas (m2, or 0/1 for non-polygon layers) of ``intersects`` rules
        already measured, by rule name (measured here when not given).
    id_column, source
        The longlist's id column and file, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per (site, broken rule): site_id, rule, label, measured, limit, unit (a
        code of the catalogue's ``unit.`` texts, or empty), message (a
        :class:`~opvang_opt.texts.Message`). A site that breaks three rules has three rows.
    """
    table, _ = exclusion_rows(
        rules, sites, layers, indicators, id_column, source, units, nearest, overlaps
    )
    return table


def exclusion_rows(
    rules: tuple[Exclusion, ...],
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    indicators: dict[str, np.ndarray],
    id_column: str,
    source: str,
    units: dict[str, str] | None = None,
    nearest: NearestDistances | None = None,
    overlaps: dict[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`evaluate_exclusions`, and the position of each row's site in ``sites``."""
    measured_in = overlaps
    positions: list[np.ndarray] = []
    ids = sites[id_column].astype(str).to_numpy()
    geoms = sites.geometry.values
    area = shapely.area(geoms)
    frames = []
    for rule in rules:
        label = rule.label or rule.name
        match rule:
            case IntersectsRule():
                layer = layers[rule.layer].geometry.values
                polygonal = len(layer) > 0 and bool((shapely.get_dimensions(layer) == 2).all())
                given = (measured_in or {}).get(rule.name)
                if polygonal:
                    measured = overlap_area(geoms, layer) if given is None else given
                    broken = measured > rule.min_overlap_m2 if rule.min_overlap_m2 else measured > 0
                    idx = np.flatnonzero(broken)
                    hit = _names_hit(geoms, layers[rule.layer], rule.layer, idx)
                    m = np.asarray(measured, dtype=float)[idx].tolist()
                    sh = np.divide(
                        measured[idx], area[idx], out=np.zeros(len(idx)), where=area[idx] > 0
                    ).tolist()
                    messages = [
                        Message("siting.exclusion.overlaps", {"layer": h, "area": a, "share": q})
                        for h, a, q in zip(hit, m, sh, strict=True)
                    ]
                    unit = "m2"
                else:
                    broken = intersects_any(geoms, layer) if given is None else given > 0
                    measured = broken.astype(float)
                    idx = np.flatnonzero(broken)
                    hit = _names_hit(geoms, layers[rule.layer], rule.layer, idx)
                    messages = [Message("siting.exclusion.intersects", {"layer": h}) for h in hit]
                    unit = ""
                limit = rule.min_overlap_m2
            case CloserThanRule():
                nearest = nearest or NearestDistances(geoms, layers)
                column = rule.category_column if rule.category else None
                measured = nearest(rule.layer, column, rule.category)
                # strictly closer; GEOS distances carry float noise (a plot exactly 35 m from a
                # line measures 34.99999999999999 m), so values within 1e-9 relative of the
                # limit count as at the limit and stay in
                broken = measured < rule.distance_m * (1 - 1e-9)
                limit, unit = rule.distance_m, "m"
                idx = np.flatnonzero(broken)
                near = _names_hit(geoms, layers[rule.layer], rule.layer, idx, rule.distance_m)
                messages = [
                    Message("siting.exclusion.closer_than",
                            {"layer": h, "distance": d, "limit": rule.distance_m})
                    for h, d in zip(near, np.asarray(measured, float)[idx].tolist(), strict=True)
                ]  # fmt: skip
            case LimitRule():
                if rule.criterion is not None:
                    measured = indicators[rule.criterion]
                    what = rule.criterion
                    unit = (units or {}).get(rule.criterion, "")
                else:
                    measured = numeric_column(sites, rule.column, id_column, source)
                    what, unit = rule.column, ""
                limit = rule.limit
                broken = measured < limit if rule.kind == "below" else measured > limit
                idx = np.flatnonzero(broken)
                code, lim_msg = f"siting.exclusion.{rule.kind}", measure_message(limit, unit)
                messages = [
                    Message(code, {"what": what, "value": v, "limit": lim_msg})
                    for v in measure_messages(np.asarray(measured, float)[idx], unit)
                ]
            case AvailableByRule():
                dates = parse_dates(sites, rule.column, id_column, source)
                ordinal = pd.to_datetime(dates).to_numpy("datetime64[D]").astype(np.int64)
                ordinal = ordinal.astype(float) + dt.date(1970, 1, 1).toordinal()
                measured = ordinal - rule.date.toordinal()
                broken = measured > 0
                limit, unit = 0.0, "days_late"
                idx = np.flatnonzero(broken)
                wanted = rule.date.isoformat()
                messages = [
                    Message("siting.exclusion.available_by",
                            {"available": d.isoformat(), "date": wanted, "days": int(m)})
                    for d, m in zip(dates.to_numpy()[idx], measured[idx].tolist(), strict=True)
                ]  # fmt: skip
            case _:  # pragma: no cover
                raise TypeError(f"unknown rule {rule!r}")
        frames.append(
            pd.DataFrame(
                {
                    "site_id": ids[idx],
                    "rule": rule.name,
                    "label": label,
                    "measured": np.round(np.asarray(measured, dtype=float)[idx], 3),
                    "limit": float(limit),
                    "unit": unit,
                    "message": pd.Series(messages, dtype=object, index=range(len(idx))),
                }
            )
        )
        positions.append(idx)
    if not frames:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS), np.zeros(0, dtype=np.int64)
    table = pd.concat(frames, ignore_index=True)[EXCLUSION_COLUMNS]
    return table, np.concatenate(positions).astype(np.int64)

"""Hard, non-compensatory exclusion rules: each broken rule is recorded with its measure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

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
    every missing or unreadable date is a problem."""
    parsed, errors = parse_date_column(sites[column])
    problems = [
        Problem(f"{e.message} (got {e.raw!r})", source, f"id {sites[id_column].iloc[e.position]} "
                f"(row {e.position + 1})", column)
        for e in errors
    ]  # fmt: skip
    for i in np.flatnonzero(sites[column].isna().to_numpy()):
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


NAME_COLUMNS = ("name", "naam", "naam_n2k", "sitename", "site_name", "label")
"""Columns of a constraint layer that name its features (Natura 2000: naam_n2k)."""


def _names_hit(
    sites: np.ndarray, layer: gpd.GeoDataFrame, label: str, within: float | None = None
) -> Callable[[int], str]:
    """For site i, the layer's name followed by the names of the features it touches (or lies
    within ``within`` metres of), when the layer has a name column: 'natura (Botshol)'."""
    lower = {str(c).lower(): c for c in layer.columns}
    col = next((lower[c] for c in NAME_COLUMNS if c in lower), None)
    if col is None or len(layer) == 0:
        return lambda i: label
    names = layer[col].astype("string").fillna("").to_numpy()
    tree = shapely.STRtree(layer.geometry.values)
    cache: dict[int, str] = {}

    def hit(i: int) -> str:
        if i not in cache:
            if within is None:
                idx = tree.query(sites[i], predicate="intersects")
            else:
                idx = tree.query(sites[i], predicate="dwithin", distance=within)
            found = sorted({str(names[j]) for j in idx if str(names[j])})
            cache[i] = f"{label} ({', '.join(found[:3])})" if found else label
        return cache[i]

    return hit


def evaluate_exclusions(
    rules: tuple[Exclusion, ...],
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    indicators: dict[str, np.ndarray],
    id_column: str,
    source: str,
    units: dict[str, str] | None = None,
    nearest: NearestDistances | None = None,
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
    id_column, source
        The longlist's id column and file, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per (site, broken rule): site_id, rule, label, measured, limit, unit (a
        code of the catalogue's ``unit.`` texts, or empty), message (a
        :class:`~opvang_opt.texts.Message`). A site that breaks three rules has three rows.
    """
    ids = sites[id_column].astype(str).to_numpy()
    geoms = sites.geometry.values
    area = shapely.area(geoms)
    frames = []
    for rule in rules:
        label = rule.label or rule.name
        msg: Callable[[int], Message]  # the sentence for site i, one per rule kind
        match rule:
            case IntersectsRule():
                hit = _names_hit(geoms, layers[rule.layer], rule.layer)
                layer = layers[rule.layer].geometry.values
                polygonal = len(layer) > 0 and bool((shapely.get_dimensions(layer) == 2).all())
                if polygonal:
                    measured = overlap_area(geoms, layer)
                    broken = measured > rule.min_overlap_m2 if rule.min_overlap_m2 else measured > 0
                    share = np.divide(measured, area, out=np.zeros_like(area), where=area > 0)

                    def overlaps_msg(i: int, m=measured, s=share, h=hit) -> Message:
                        return Message(
                            "siting.exclusion.overlaps",
                            {"layer": h(i), "area": float(m[i]), "share": float(s[i])},
                        )

                    msg, unit = overlaps_msg, "m2"
                else:
                    broken = intersects_any(geoms, layer)
                    measured = broken.astype(float)

                    def intersects_msg(i: int, h=hit) -> Message:
                        return Message("siting.exclusion.intersects", {"layer": h(i)})

                    msg, unit = intersects_msg, ""
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

                near = _names_hit(geoms, layers[rule.layer], rule.layer, rule.distance_m)

                def closer_msg(i: int, m=measured, r=rule, h=near) -> Message:
                    return Message(
                        "siting.exclusion.closer_than",
                        {"layer": h(i), "distance": float(m[i]), "limit": r.distance_m},
                    )

                msg = closer_msg
            case LimitRule():
                if rule.criterion is not None:
                    measured = indicators[rule.criterion]
                    what = rule.criterion
                    unit = (units or {}).get(rule.criterion, "")
                else:
                    assert rule.column is not None  # the schema asks for criterion or column
                    measured = numeric_column(sites, rule.column, id_column, source)
                    what, unit = rule.column, ""
                limit = rule.limit
                broken = measured < limit if rule.kind == "below" else measured > limit

                def limit_msg(
                    i: int, m=measured, w=what, u=unit, k=rule.kind, lim=limit
                ) -> Message:
                    return Message(
                        f"siting.exclusion.{k}",
                        {"what": w, "value": measure_message(m[i], u),
                         "limit": measure_message(lim, u)},
                    )  # fmt: skip

                msg = limit_msg
            case AvailableByRule():
                dates = parse_dates(sites, rule.column, id_column, source)
                ordinal = pd.to_datetime(dates).to_numpy("datetime64[D]").astype(np.int64)
                ordinal = ordinal.astype(float) + dt.date(1970, 1, 1).toordinal()
                measured = ordinal - rule.date.toordinal()
                broken = measured > 0
                limit, unit = 0.0, "days_late"

                def late_msg(i: int, d=dates, m=measured, r=rule) -> Message:
                    return Message(
                        "siting.exclusion.available_by",
                        {"available": d.iloc[i].isoformat(), "date": r.date.isoformat(),
                         "days": int(m[i])},
                    )  # fmt: skip

                msg = late_msg
            case _:  # pragma: no cover
                raise TypeError(f"unknown rule {rule!r}")
        idx = np.asarray(broken).nonzero()[0]
        frames.append(
            pd.DataFrame(
                {
                    "site_id": ids[idx],
                    "rule": rule.name,
                    "label": label,
                    "measured": np.round(np.asarray(measured, dtype=float)[idx], 3),
                    "limit": float(limit),
                    "unit": unit,
                    "message": [msg(int(i)) for i in idx],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[EXCLUSION_COLUMNS]

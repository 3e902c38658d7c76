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


def _fmt(value: float, unit: str = "") -> str:
    """Format a measure the Dutch way: 1.877 m2, 23,1 m, 91%."""
    if unit == "aandeel":
        return f"{value:.0%}"
    if not np.isfinite(value):
        return "geen"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} {unit}".strip()


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
        Unit of each criterion's indicator, for the messages.
    nearest
        Shared straight-line distances of the run (made here when not given).
    id_column, source
        The longlist's id column and file, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per (site, broken rule): site_id, rule, label, measured, limit, unit,
        message. A site that breaks three rules has three rows.
    """
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
                if polygonal:
                    measured = overlap_area(geoms, layer)
                    broken = measured > rule.min_overlap_m2 if rule.min_overlap_m2 else measured > 0
                    share = np.divide(measured, area, out=np.zeros_like(area), where=area > 0)

                    def msg(i: int, m=measured, s=share, r=rule) -> str:
                        area_text = _fmt(m[i], "m2")
                        return f"overlapt '{r.layer}' met {area_text} ({s[i]:.0%} van het terrein)"

                    unit = "m2"
                else:
                    broken = intersects_any(geoms, layer)
                    measured = broken.astype(float)

                    def msg(i: int, r=rule) -> str:
                        return f"snijdt '{r.layer}'"

                    unit = ""
                limit = rule.min_overlap_m2
            case CloserThanRule():
                nearest = nearest or NearestDistances(geoms, layers)
                column = rule.category_column if rule.category else None
                measured = nearest(rule.layer, column, rule.category)
                broken = measured < rule.distance_m
                limit, unit = rule.distance_m, "m"

                def msg(i: int, m=measured, r=rule) -> str:
                    near, limit_text = _fmt(m[i], "m"), _fmt(r.distance_m, "m")
                    return f"ligt op {near} van '{r.layer}' (minimaal {limit_text})"
            case LimitRule():
                if rule.criterion is not None:
                    measured = indicators[rule.criterion]
                    what = rule.criterion
                    unit = (units or {}).get(rule.criterion, "")
                else:
                    measured = numeric_column(sites, rule.column, id_column, source)
                    what, unit = rule.column, ""
                limit = rule.limit
                word = "lager" if rule.kind == "below" else "hoger"
                broken = measured < limit if rule.kind == "below" else measured > limit

                def msg(i: int, m=measured, w=what, u=unit, x=word, lim=limit) -> str:
                    return f"{w} = {_fmt(m[i], u)}, {x} dan {_fmt(lim, u)}"
            case AvailableByRule():
                dates = parse_dates(sites, rule.column, id_column, source)
                ordinal = pd.to_datetime(dates).to_numpy("datetime64[D]").astype(np.int64)
                ordinal = ordinal.astype(float) + dt.date(1970, 1, 1).toordinal()
                measured = ordinal - rule.date.toordinal()
                broken = measured > 0
                limit, unit = 0.0, "dagen te laat"

                def msg(i: int, d=dates, m=measured, r=rule) -> str:
                    return (
                        f"beschikbaar vanaf {d.iloc[i].isoformat()}, na {r.date.isoformat()} "
                        f"({int(m[i])} dagen te laat)"
                    )
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
                    "message": [msg(i) for i in idx],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[EXCLUSION_COLUMNS]

"""Hard, non-compensatory exclusion rules: each broken rule is recorded with its measure."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import DataError, Problem
from opvang_opt.scenario import (
    AvailableByRule,
    CloserThanRule,
    Exclusion,
    IntersectsRule,
    LimitRule,
)
from opvang_opt.siting.criteria import (
    intersects_any,
    nearest_distance,
    numeric_column,
    overlap_area,
    select_category,
)

EXCLUSION_COLUMNS = ["site_id", "rule", "label", "measured", "limit", "unit", "message"]


def parse_dates(sites: gpd.GeoDataFrame, column: str, id_column: str, source: str) -> pd.Series:
    """Parse a date column of the longlist; every unreadable date is a problem."""
    raw = sites[column]
    parsed = pd.to_datetime(raw.astype("string"), errors="coerce", format="mixed")
    bad = parsed.isna() & raw.notna()
    bad |= raw.isna()
    if bad.any():
        problems = [
            Problem(
                f"not a date (YYYY-MM-DD): {raw.iloc[i]!r}",
                source,
                f"id {sites[id_column].iloc[i]} (row {i + 1})",
                column,
            )
            for i in bad.to_numpy().nonzero()[0]
        ]
        raise DataError(f"Longlist column '{column}' has {len(problems)} problem(s)", problems)
    return parsed.dt.date


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
                    msgs = [
                        f"overlapt '{rule.layer}' met {_fmt(m, 'm2')} ({s:.0%} van het terrein)"
                        for m, s in zip(measured, share, strict=True)
                    ]
                    unit = "m2"
                else:
                    broken = intersects_any(geoms, layer)
                    measured = broken.astype(float)
                    msgs = [f"snijdt '{rule.layer}'"] * len(ids)
                    unit = ""
                limit = rule.min_overlap_m2
            case CloserThanRule():
                lyr = layers[rule.layer]
                targets = (
                    select_category(lyr, rule.category_column, rule.category)
                    if rule.category
                    else lyr.geometry.values
                )
                measured = nearest_distance(geoms, targets)
                broken = measured < rule.distance_m
                limit, unit = rule.distance_m, "m"
                msgs = [
                    f"ligt op {_fmt(m, 'm')} van '{rule.layer}' (minimaal {_fmt(limit, 'm')})"
                    for m in measured
                ]
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
                msgs = [
                    f"{what} = {_fmt(m, unit)}, {word} dan {_fmt(limit, unit)}" for m in measured
                ]
            case AvailableByRule():
                dates = parse_dates(sites, rule.column, id_column, source)
                ordinal = np.array([d.toordinal() for d in dates], dtype=float)
                measured = ordinal - rule.date.toordinal()
                broken = measured > 0
                limit, unit = 0.0, "dagen te laat"
                msgs = [
                    f"beschikbaar vanaf {d.isoformat()}, na {rule.date.isoformat()} "
                    f"({int(m)} dagen te laat)"
                    for d, m in zip(dates, measured, strict=True)
                ]
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
                    "message": [msgs[i] for i in idx],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    return pd.concat(frames, ignore_index=True)[EXCLUSION_COLUMNS]

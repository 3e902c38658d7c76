"""Capacity per site: packed unit footprints, the density norm, or a known capacity."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandas.api.types import is_numeric_dtype

from opvang_opt.errors import DataError, Problem
from opvang_opt.numtext import thousands_point_message, thousands_point_rows
from opvang_opt.schema import CapacityConfig
from opvang_opt.texts import Message


def id_row(ident: object, i: int | np.integer) -> Message:
    """``id S1 (row 5)`` / ``id S1 (rij 5)``: longlist record ``i`` (0-based) by its id."""
    return Message("problem.table.where.id_row", {"id": str(ident), "row": int(i) + 1})


def column_summary(column: str, count: int) -> Message:
    """``Longlist column 'x' has n problem(s)``, in the user's language."""
    return Message("problem.inputs.column_summary", {"column": column, "count": count})


def capacity_problems(
    sites: gpd.GeoDataFrame, config: CapacityConfig, id_column: str, source: str
) -> list[Problem]:
    """Every problem with the capacity inputs: point sites without an area, bad numbers."""
    geoms = sites.geometry.values
    kind = shapely.get_type_id(geoms)
    polygonal = shapely.get_dimensions(geoms) == 2
    problems: list[Problem] = []

    def where(i: int) -> Message:
        return id_row(sites[id_column].iloc[i], i)

    # a site is a polygon, a multipolygon or (with its area in a column) a point; a line
    # has no area, and a collection of mixed parts is no one site the packing can fill
    points = np.isin(kind, (0, 4))  # Point, MultiPoint
    lines = np.isin(kind, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    mixed = kind == 7  # GeometryCollection
    polygonal &= ~mixed
    for i in np.flatnonzero(lines)[:25]:
        problems.append(
            Problem(
                Message("problem.siting.multiline_no_area" if kind[i] == 5
                        else "problem.siting.line_no_area"),
                source, where(int(i)), "geometry",
            )
        )  # fmt: skip
    for i in np.flatnonzero(mixed)[:25]:
        problems.append(
            Problem(
                Message("problem.siting.collection"),
                source, where(int(i)), "geometry",
            )
        )  # fmt: skip
    if points.any() and config.area_column is None:
        for i in np.flatnonzero(points)[:25]:
            problems.append(
                Problem(
                    Message("problem.siting.point_needs_area"),
                    source, where(int(i)), "geometry",
                )
            )  # fmt: skip
    for column, only_points in ((config.area_column, True), (config.column, False)):
        if column is None:
            continue
        raw = sites[column]
        given = pd.to_numeric(raw, errors="coerce").astype(float)
        # a text field '1.000': 1 or 1000? never guessed (it was read as 1)
        ambiguous = [] if is_numeric_dtype(raw) else thousands_point_rows(raw.tolist())
        for i in ambiguous:
            problems.append(
                Problem(thousands_point_message(raw.iloc[i], "text"), source, where(i), column)
            )
        keep = np.ones(len(raw), dtype=bool)
        keep[ambiguous] = False
        given, raw = given.where(keep), raw.where(keep)  # said once
        if not only_points:  # a number of units is whole: 12.5 was 12 without a word
            part = np.flatnonzero(((given % 1) != 0).to_numpy() & given.notna().to_numpy())
            for i in part:
                what = Message("problem.siting.units_not_whole", {"value": _written(raw.iloc[i])})
                problems.append(Problem(what, source, where(int(i)), column))
            given = given.where(~np.isin(np.arange(len(given)), part), 0.0)
        bad = (given < 0) | (given.isna() & raw.notna())
        zero = pd.Series(False, index=bad.index)
        plot = pd.Series(False, index=bad.index)
        if only_points:
            point = pd.Series(~polygonal, index=bad.index)
            bad |= given.isna() & point
            # the area of a point site is its ground: 0 m2 gave 0 units without a word
            zero = (given <= 0) & point
            # a plot's own area counts, but a stated 0 m2 or less contradicts it
            plot = (given <= 0) & ~point
        bad &= ~(zero | plot)
        for i in np.flatnonzero((bad | zero | plot).to_numpy()):
            if plot.iloc[i]:
                measured = float(shapely.area(geoms[i]))
                what = Message(
                    "problem.siting.area_zero_plot",
                    {"value": _written(raw.iloc[i]), "measured": measured},
                )
            else:
                key = (
                    "problem.siting.area_zero" if zero.iloc[i] else "problem.siting.not_nonnegative"
                )
                what = Message(key, {"value": _written(raw.iloc[i])})
            problems.append(Problem(what, source, where(int(i)), column))
    return problems


def _written(value: object) -> str:
    """A cell's value as a reader wrote it: ``-50`` for a number (not ``np.float64(-50.0)``),
    ``'abc'`` for a text."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(str(value))


def estimate_capacity(
    sites: gpd.GeoDataFrame, config: CapacityConfig, id_column: str, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate how many flexwoningen fit on each site.

    Polygons are packed with unit footprints (``method: packing``) or get the density
    norm; sites given only as points always get the norm over the area in
    ``area_column``, and say so. A filled ``column`` overrides both.

    Parameters
    ----------
    sites
        The longlist in RD New.
    config
        The scenario's capacity settings.
    id_column, source
        For messages.

    Returns
    -------
    (units, method, angle)
        Units per site, how each was estimated (a catalogue message), and the packing orientation
        in degrees (NaN where not packed).

    Raises
    ------
    DataError
        When the capacity or area column holds negative or non-numeric values, or a point
        site has no area.
    """
    problems = capacity_problems(sites, config, id_column, source)
    if problems:
        raise DataError(
            Message("problem.siting.capacity_summary", {"count": len(problems)}), problems
        )
    geoms = sites.geometry.values
    n = len(sites)
    polygonal = shapely.get_dimensions(geoms) == 2
    area_m2 = shapely.area(geoms)
    if config.area_column is not None:
        given = pd.to_numeric(sites[config.area_column], errors="coerce").to_numpy(float)
        area_m2 = np.where(polygonal, area_m2, np.nan_to_num(given))
    units = np.floor(
        area_m2 / 10_000.0 * config.usable_share * config.density_units_per_ha + 1e-9
    ).astype(int)
    angle = np.full(n, np.nan)
    method = np.empty(n, dtype=object)
    norm = {"density": config.density_units_per_ha, "share": config.usable_share}
    method[:] = [Message("siting.capacity.norm", norm)] * n
    point = Message(
        "siting.capacity.point",
        {**norm, "column": config.area_column or Message("siting.capacity.area")},
    )
    method[~polygonal] = [point] * int((~polygonal).sum())
    if config.method == "packing" and polygonal.any():
        from opvang_opt.siting.packing import pack_many

        idx = np.flatnonzero(polygonal)
        counts, angles = pack_many(
            geoms[idx],
            unit_width=config.unit_width_m,
            unit_depth=config.unit_depth_m,
            spacing=config.spacing_m,
            setback=config.setback_m,
            path_share=config.path_share,
        )
        units[idx] = np.asarray(counts, dtype=int)
        angle[idx] = angles
        packed = Message(
            "siting.capacity.packing",
            {"width": config.unit_width_m, "depth": config.unit_depth_m,
             "spacing": config.spacing_m, "setback": config.setback_m,
             "paths": config.path_share},
        )  # fmt: skip
        method[idx] = [packed] * len(idx)
    if config.column is not None:
        given = pd.to_numeric(sites[config.column], errors="coerce")
        has = given.notna().to_numpy()
        units[has] = np.floor(given.to_numpy()[has]).astype(int)
        method[has] = [Message("siting.capacity.given", {"column": config.column})] * int(has.sum())
    return units, method, angle

"""The region part of the one input pass: every layer and table against the region.

Called by :mod:`opvang_opt.io.inputs` after every layer is read; its problems join the
others in one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import Problem
from opvang_opt.io.region import (
    Region,
    beyond_margin,
    check_points_table,
    describe_beyond,
    describe_distance,
    outside_region,
    pick_column,
    region_from_layer,
)
from opvang_opt.schema import Scenario
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.siting.location import (
    POINT_SNAP_M,
    AreaLayer,
    largest_share,
    same_municipality,
)
from opvang_opt.texts import Message

WIJK_CODES = ("wijk_code", "wijkcode", "statcode", "code")
BUURT_CODES = ("buurt_code", "buurtcode", "statcode", "code")
AREA_NAMES = ("name", "naam", "statnaam", "wijknaam", "buurtnaam")
CONTEXT_MARGIN_M = 25_000.0
"""A context layer (points of interest, constraints) none of whose features lies within this
distance of the region is in the wrong place (or the wrong CRS)."""


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def _who(ids: Any, i: int | np.integer) -> str | Message:
    """A site's id as written, or its row when the layer has no ids."""
    return str(ids[i]) if ids is not None else _m("where.row", row=int(i) + 1)


@dataclass(frozen=True)
class RegionFindings:
    """The region and its areas, and what checking every input against it found."""

    region: Region | None = None
    areas: dict[str, AreaLayer] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str | Message] = field(default_factory=list)


def _area_layer(gdf: gpd.GeoDataFrame, id_column: str | None, codes: tuple[str, ...]) -> AreaLayer:
    code_col = id_column if id_column in gdf.columns else pick_column(gdf, None, codes)
    name_col = pick_column(gdf, None, AREA_NAMES)
    code = gdf[code_col].astype(str).to_numpy() if code_col else np.arange(len(gdf)).astype(str)
    name = code
    if name_col:
        # CBS leaves some wijk names empty: such an area is named by its code, so that a
        # site's row never shows an empty wijk
        given = gdf[name_col].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        name = np.where(given == "", code, given).astype(str)
    return AreaLayer(code, name, gdf.geometry.to_numpy())


def check_region(
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame],
) -> RegionFindings:
    """Check every layer and table with coordinates against the scenario's region.

    Without a ``region.boundaries`` layer only the tables are checked (degrees, outside the
    Netherlands); the layers were checked against their CRS when read.
    """
    reg = scenario.region
    out = RegionFindings()
    region = None
    if reg.boundaries is not None and reg.boundaries in layers:
        bnd = layers[reg.boundaries]
        label = str(scenario.layers[reg.boundaries].path)
        codes = [m.code for m in reg.municipalities]
        names = {m.code: m.name for m in reg.municipalities}
        col = reg.code_column or scenario.layers[reg.boundaries].id_column
        given = col if col in bnd.columns else reg.code_column
        region, missing = region_from_layer(
            bnd, codes, names, code_column=given, name_column=reg.name_column
        )
        detected = pick_column(bnd, None, ("municipality_code", "gemeentecode", "statcode", "code"))
        code_col = pick_column(bnd, given, ()) or detected
        if code_col is None:
            out.problems.append(
                Problem(
                    _m(
                        "region.no_code_column",
                        columns=", ".join(str(c) for c in bnd.columns if c != "geometry"),
                    ),
                    source=label,
                    field="region.code_column",
                )
            )
        elif missing:
            present = sorted(bnd[code_col].astype(str))
            for code in missing:
                out.problems.append(
                    Problem(
                        _m(
                            "region.lacks_municipality",
                            code=code,
                            hint=did_you_mean_hint(code, present),
                        ),
                        source=label,
                        field="region.municipalities",
                    )
                )
    if region is not None:
        mun = region.municipalities
        out.areas["municipality"] = AreaLayer(
            mun["code"].to_numpy(dtype=object),
            mun["name"].to_numpy(dtype=object),
            mun.geometry.to_numpy(),
        )
        for key, name, codes_ in (
            ("wijk", reg.districts, WIJK_CODES),
            ("buurt", reg.neighbourhoods, BUURT_CODES),
        ):
            if name is not None and name in layers:
                out.areas[key] = _area_layer(layers[name], scenario.layers[name].id_column, codes_)
        _check_longlist(scenario, layers, region, out)
        _check_context_layers(scenario, layers, region, out, tables)
        misplaced = _region_misplaced(scenario, layers, region)
        if misplaced is not None:
            out.problems.insert(0, misplaced)
    _check_tables(scenario, tables, region, out)
    return RegionFindings(region, out.areas, out.problems, out.warnings)


def _check_longlist(
    scenario: Scenario, layers: dict[str, gpd.GeoDataFrame], region: Region, out: RegionFindings
) -> None:
    reg = scenario.region
    name = scenario.siting.longlist
    sites = layers.get(name)
    if sites is None or len(sites) == 0:
        return
    label = str(scenario.layers[name].path)
    id_col = scenario.layers[name].id_column or "site_id"
    ids = sites[id_col].astype(str).to_numpy() if id_col in sites.columns else None
    geoms = sites.geometry.to_numpy()
    n = len(geoms)
    outside_share = np.zeros(n)
    outside, dist, nearest = np.zeros(n, dtype=bool), np.zeros(n), [""] * n
    shapely.prepare(region.union)  # wholly inside the region (most): nothing more to check
    partly = np.flatnonzero(~shapely.contains_properly(region.union, geoms))
    if len(partly):
        o, d, near = outside_region(sites.iloc[partly], region, reg.margin_m, names_inside=False)
        outside[partly], dist[partly] = o, d
        for at, name_ in zip(partly.tolist(), near, strict=True):
            nearest[at] = name_
        *_, outside_share[partly] = largest_share(geoms[partly], out.areas["municipality"])
    polygonal = shapely.get_dimensions(geoms) == 2
    # a site that meets none of the municipalities (within the margin), a point or a plot
    # wholly outside them, is refused (or warned) with its distance and the nearest one; a
    # point on a boundary given in degrees may land millimetres off it: it lies in the
    # nearest municipality (POINT_SNAP_M)
    point_out = ~outside & (dist > np.where(polygonal, 0.0, POINT_SNAP_M))
    # 'more than' the share: a plot drawn exactly half outside measures 0.5000000000000001
    # (float noise of the overlay areas), which is at the limit, not beyond it
    mostly_out = (
        ~outside & ~point_out & polygonal & (outside_share > reg.max_outside_share + SHARE_NOISE)
    )
    # a multi-part site with one small part far away: the site touches the region and its
    # share outside is small, yet a part lies kilometres off (a digitising or export error)
    part_far = np.zeros(n)
    multi = partly[(~outside[partly]) & (shapely.get_num_geometries(geoms[partly]) > 1)]
    if len(multi):
        parts, owner = shapely.get_parts(geoms[multi], return_index=True)
        np.maximum.at(part_far, multi[owner], shapely.distance(parts, region.union))
    part_out = ~outside & ~point_out & ~mostly_out & beyond_margin(part_far, reg.margin_m)
    lines: list[tuple[str | Message, Message]] = []
    for i in np.flatnonzero(outside | point_out):
        who = _who(ids, i)
        lines.append(
            (
                who,
                _m(
                    "region.site_outside",
                    distance=describe_distance(dist[i]),
                    nearest=str(nearest[i]),
                ),
            )
        )
    for i in np.flatnonzero(mostly_out):
        lines.append(
            (_who(ids, i), _mostly_outside(float(outside_share[i]), reg.max_outside_share))
        )
    for i in np.flatnonzero(part_out):
        who = _who(ids, i)
        lines.append(
            (
                who,
                _m(
                    "region.site_part_outside",
                    distance=describe_beyond(part_far[i], reg.margin_m),
                ),
            )
        )
    for who, what in lines:
        if reg.outside == "error":
            out.problems.append(
                Problem(
                    _m("region.remove_or_warn", what=what),
                    source=label,
                    where=_m("where.id", id=who),
                    field="geometry",
                )
            )
        else:
            out.warnings.append(_m("region.warn_site", file=label, who=who, what=what))


def _region_misplaced(
    scenario: Scenario, layers: dict[str, gpd.GeoDataFrame], region: Region
) -> Problem | None:
    """One leading problem when the region's own layer is the likely culprit.

    When not one site of the longlist lies within the margin of the region, and not one
    feature of any other context layer either (points of interest, constraints), the
    layers agree with each other and the boundaries layer is the odd one out (shifted, or
    written in another CRS than it declares). Each site is still reported, but this
    problem comes first and says which file to check. A longlist far away beside context
    layers in the region is the longlist's own problem (reported per site)."""
    reg = scenario.region
    sites = layers.get(scenario.siting.longlist)
    if sites is None or len(sites) < MISPLACED_MIN_SITES or reg.boundaries is None:
        return None
    own = {scenario.siting.longlist, reg.boundaries, reg.districts, reg.neighbourhoods}
    context = [g for k, g in layers.items() if k not in own and len(g)]
    reach = max(CONTEXT_MARGIN_M, reg.margin_m)
    shapely.prepare(region.union)
    if not context or any(
        shapely.dwithin(region.union, g.geometry.to_numpy(), reach).any() for g in context
    ):
        return None
    geoms = sites.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) < MISPLACED_MIN_SITES:
        return None
    if shapely.dwithin(region.union, geoms, reg.margin_m).any():
        return None
    nearest = float(shapely.distance(geoms, region.union).min())
    return Problem(
        _m(
            "region.layer_misplaced",
            name=reg.boundaries,
            n=len(geoms),
            distance=describe_distance(nearest),
            longlist=scenario.siting.longlist,
        ),
        source=str(scenario.layers[reg.boundaries].path),
        field="region.boundaries",
    )


SHARE_NOISE = 1e-9
"""A share within this of ``region.max_outside_share`` is at the limit (float noise)."""

MISPLACED_MIN_SITES = 3
"""With at least this many sites on the longlist, none of them near the region points at
the region's layer (fewer may be a longlist of the wrong place)."""


def _mostly_outside(share: float, limit: float) -> Message:
    """'87% of the plot lies outside the region's municipalities'; a share above the limit
    whose whole percent is not (50.3 % under ``max_outside_share: 0.5``) in tenths, so
    that it reads as beyond the limit ('50.3%', not '50%')."""
    if round(share * 100) > limit * 100:
        return _m("region.site_mostly_outside", share=share)
    tenths = round(share, 3)
    return _m("region.site_mostly_outside_fine", share=tenths if tenths > limit else tenths + 0.001)


def _check_context_layers(
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    region: Region,
    out: RegionFindings,
    tables: dict[str, pd.DataFrame],
) -> None:
    reg = scenario.region
    skip = {scenario.siting.longlist, reg.boundaries, reg.districts, reg.neighbourhoods}
    reach = max(CONTEXT_MARGIN_M, reg.margin_m)
    for name, gdf in layers.items():
        if name in skip:
            continue
        out.problems.extend(_elsewhere(name, gdf, str(scenario.layers[name].path), region, reach))
    alloc = scenario.allocation
    pois = tables.get("pois")
    if alloc is not None and alloc.inputs is not None and isinstance(pois, gpd.GeoDataFrame):
        # the allocation's own schools and GPs file, checked as a scenario layer is
        label = str(alloc.inputs.pois)
        out.problems.extend(_elsewhere("pois", pois, label, region, reach))


def _elsewhere(
    name: str, gdf: gpd.GeoDataFrame, label: str, region: Region, reach: float
) -> list[Problem]:
    """A layer none of whose features lies within ``reach`` of the region: one problem."""
    if len(gdf) == 0:
        return []
    geoms = gdf.geometry.to_numpy()
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not present.any():
        return []
    shapely.prepare(region.union)  # one feature in the region settles it
    if shapely.intersects(region.union, geoms[present]).any():
        return []
    nearest = float(shapely.distance(geoms[present], region.union).min())
    if nearest <= reach:
        return []
    return [
        Problem(
            _m("region.layer_elsewhere", name=name, distance=describe_beyond(nearest, reach)),
            source=label,
            field="geometry",
        )
    ]


def _check_tables(
    scenario: Scenario,
    tables: dict[str, pd.DataFrame],
    region: Region | None,
    out: RegionFindings,
) -> None:
    alloc = scenario.allocation
    if alloc is None or alloc.inputs is None:
        return
    margin = scenario.region.table_margin_m
    src = alloc.inputs
    checks = (
        (
            "households",
            src.households,
            "household_id",
            (("school_x", "school_y"), ("work_x", "work_y")),
        ),
        ("sites", src.sites, "site_id", (("x", "y"),)),
    )
    for name, path, id_col, pairs in checks:
        df = tables.get(name)
        if df is None:
            continue
        for cols in pairs:
            out.problems.extend(check_points_table(df, cols, str(path), id_col, region, margin))
        if name == "sites":
            out.warnings.extend(stated_municipality_warnings(df, str(path), id_col, region))


def check_planning_points(
    tables: object, region: Region | None, margin_m: float
) -> tuple[list[Problem], list[str | Message]]:
    """The planning stock's and candidate table's x/y against the region, as every other
    table with coordinates: degrees, outside the Netherlands, farther than ``margin_m``
    from the region (problems); and a stated ``municipality_code`` that disagrees with the
    municipality the point lies in (warnings).

    Parameters
    ----------
    tables
        The :class:`~opvang_opt.io.planning.PlanningTables` as read.
    region
        The region, when the scenario has a boundaries layer.
    margin_m
        How far from the region a table's point may lie (``region.table_margin_m``).
    """
    problems: list[Problem] = []
    warnings: list[str | Message] = []
    sources = getattr(tables, "sources", {})
    for name, key in (("stock", "planning_stock"), ("candidates", "planning_candidates")):
        df = getattr(tables, name, None)
        if df is None or len(df) == 0:
            continue
        label = sources.get(key, key)
        problems += check_points_table(df, ("x", "y"), label, "site_id", region, margin_m)
        warnings += stated_municipality_warnings(df, label, "site_id", region)
    return problems, warnings


def stated_municipality_warnings(
    df: pd.DataFrame,
    label: str,
    id_column: str,
    region: Region | None,
    code_column: str = "municipality_code",
) -> list[str | Message]:
    """A row whose point lies in one of the region's municipalities while its
    ``municipality_code`` states another (a code, with or without ``GM`` and leading
    zeros, or a name: see :func:`~opvang_opt.siting.location.same_municipality`): one
    warning per row (file, id, both codes)."""
    if region is None or code_column not in df.columns or not {"x", "y"} <= set(df.columns):
        return []
    x = pd.to_numeric(df["x"], errors="coerce").to_numpy(float)
    y = pd.to_numeric(df["y"], errors="coerce").to_numpy(float)
    stated = df[code_column].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
    ok = np.isfinite(x) & np.isfinite(y) & (stated != "").to_numpy()
    if not ok.any():
        return []
    mun = region.municipalities
    pts = shapely.points(x[ok], y[ok])
    out: list[str | Message] = []
    rows = np.flatnonzero(ok)
    for j, geom in enumerate(mun.geometry.to_numpy()):
        inside = shapely.contains(geom, pts)
        code = str(mun["code"].iloc[j])
        for k in np.flatnonzero(inside):
            i = rows[k]
            if not same_municipality(str(stated.iloc[i]), code, str(mun["name"].iloc[j])):
                who = (
                    str(df[id_column].iloc[i])
                    if id_column in df.columns
                    else _m("where.row", row=int(i) + 1)
                )
                out.append(
                    _m(
                        "region.stated_other",
                        file=label,
                        who=who,
                        column=code_column,
                        stated=str(stated.iloc[i]),
                        name=str(mun["name"].iloc[j]),
                        code=code,
                    )
                )
    return out

"""Geography checked against the declared CRS and against the region.

Three checks, each reporting every feature at once with the layer, ids and what to do:

- :func:`nonfinite_problems`: coordinates that are NaN or infinite (no repair can fix them);
- :func:`crs_problems`: coordinates that cannot belong to the declared CRS (longitude/latitude
  degrees in a file that declares RD New, values outside the CRS's area of use), with the
  CRS the numbers most likely are in;
- :func:`outside_region`: features (after reprojection to RD New) farther from the region's
  municipalities than a margin, with their distance and the nearest municipality.

Pure functions on GeoDataFrames; :mod:`opvang_opt.io` calls them in the one input pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from opvang_opt.errors import Problem
from opvang_opt.siting.location import normalise_code
from opvang_opt.texts import Message

MAX_LISTED = 20
"""At most this many ids are listed per problem (the count says how many there are)."""

CODE_COLUMNS = ("municipality_code", "gemeentecode", "statcode", "gm_code", "code")
"""Columns that hold a CBS municipality code (GM0384), tried in this order."""
NAME_COLUMNS = ("municipality", "gemeentenaam", "statnaam", "gm_naam", "name", "naam")
"""Columns that hold a municipality name, tried in this order."""

# Where the numbers of a CRS usually lie for the Netherlands (x_min, y_min, x_max, y_max),
# to say which CRS a file most likely is in when its declared one cannot be right.
_LIKELY = (
    ("EPSG:28992 (RD New)", (-7_000, 289_000, 300_000, 629_000)),
    ("EPSG:4326 (WGS 84 longitude/latitude)", (3.0, 50.5, 7.5, 54.0)),
    ("EPSG:3857 (Web Mercator)", (330_000, 6_500_000, 840_000, 7_170_000)),
    ("EPSG:25831 / EPSG:32631 (UTM zone 31N)", (480_000, 5_600_000, 800_000, 6_000_000)),
)


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


Named = str | Message
"""An id as written, or a row (``row 5`` / ``rij 5``) when the layer has no id column."""


def _ids(gdf: gpd.GeoDataFrame, id_column: str | None, mask: np.ndarray) -> list[Named]:
    idx = np.flatnonzero(mask)
    if id_column and id_column in gdf.columns:
        return [str(v) for v in gdf[id_column].to_numpy()[idx]]
    return [_m("where.row", row=int(i) + 1) for i in idx]


def _joined(items: Sequence[Named]) -> Named:
    """``a, b, c`` in the user's language (rows are messages, ids are text)."""
    if all(isinstance(v, str) for v in items):
        return ", ".join(str(v) for v in items)
    out: Named = items[0]
    for v in items[1:]:
        out = _m("region.comma", a=out, b=v)
    return out


def _listed(ids: Sequence[Named]) -> Named:
    shown = _joined(ids[:MAX_LISTED])
    if len(ids) > MAX_LISTED:
        return _m("region.and_more", shown=shown, n=len(ids) - MAX_LISTED)
    return shown


def nonfinite_problems(
    gdf: gpd.GeoDataFrame, label: str, id_column: str | None
) -> tuple[list[Problem], np.ndarray]:
    """Every feature with a NaN or infinite coordinate, reported at once.

    Returns
    -------
    (problems, bad)
        The problems (one per feature, at most :data:`MAX_LISTED`, then a count) and a
        boolean mask of the features concerned.
    """
    geoms = gdf.geometry.to_numpy()
    bad = np.zeros(len(gdf), dtype=bool)
    present = ~shapely.is_missing(geoms)
    if present.any():
        coords = shapely.get_coordinates(geoms[present], include_z=False)
        if not np.isfinite(coords).all():  # (the usual case, all finite, needs no owners)
            counts = shapely.get_num_coordinates(geoms[present])
            owner = np.repeat(np.flatnonzero(present), counts)
            nonfinite = ~np.isfinite(coords).all(axis=1)
            bad[np.unique(owner[nonfinite])] = True
    problems = []
    ids = _ids(gdf, id_column, bad)
    for i, ident in zip(np.flatnonzero(bad)[:MAX_LISTED], ids, strict=False):
        coords = shapely.get_coordinates(geoms[i])
        kinds = sorted(
            {"NaN" if np.isnan(v) else "infinite" for v in coords.ravel() if not np.isfinite(v)}
        )
        problems.append(
            Problem(
                _m(f"region.coordinate_{'_'.join(k.lower() for k in kinds)}"),
                source=label,
                where=_m("where.id", id=ident) if id_column else ident,
                field="geometry",
            )
        )
    if bad.sum() > MAX_LISTED:
        problems.append(
            Problem(
                _m("region.more_nonfinite", n=int(bad.sum()) - MAX_LISTED),
                source=label,
                field="geometry",
            )
        )
    return problems, bad


@lru_cache(maxsize=16)
def _to_lonlat(crs_wkt: str) -> Transformer:
    """The transformer from a CRS to longitude/latitude (built once per CRS: ~60 ms each)."""
    return Transformer.from_crs(CRS.from_wkt(crs_wkt), "EPSG:4326", always_xy=True)


def _likely_crs(bounds: np.ndarray) -> str | None:
    """The CRS whose usual Dutch range holds these bounds (minx, miny, maxx, maxy)."""
    for name, (x0, y0, x1, y1) in _LIKELY:
        if bounds[0] >= x0 and bounds[1] >= y0 and bounds[2] <= x1 and bounds[3] <= y1:
            return name
    return None


def crs_problems(
    gdf: gpd.GeoDataFrame, label: str, id_column: str | None, *, margin_deg: float = 0.25
) -> list[Problem]:
    """Features whose coordinates cannot belong to the layer's declared CRS.

    Parameters
    ----------
    gdf
        The layer as read, in its declared CRS (before reprojection); non-finite
        coordinates must have been removed.
    label, id_column
        For messages.
    margin_deg
        Tolerance around the CRS's area of use, in degrees.
    """
    if gdf.crs is None or len(gdf) == 0:
        return []
    crs = CRS.from_user_input(gdf.crs)
    geoms = gdf.geometry.to_numpy()
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not present.any():
        return []
    b = shapely.bounds(geoms)
    problems: list[Problem] = []
    epsg = crs.to_epsg()
    name = f"EPSG:{epsg}" if epsg else crs.name
    if crs.is_projected:
        degrees = (
            present
            & (np.abs(b[:, [0, 2]]) <= 180).all(axis=1)
            & (np.abs(b[:, [1, 3]]) <= 90).all(axis=1)
        )
        if degrees.any():
            ids = _ids(gdf, id_column, degrees)
            problems.append(
                Problem(
                    _m("region.degrees_declared", n=len(ids), crs=name, ids=_listed(ids)),
                    source=label,
                    field="crs",
                )
            )
            present = present & ~degrees
    aou = crs.area_of_use
    if aou is None or not present.any():
        return problems
    to_lonlat = _to_lonlat(crs.to_wkt())
    west, south = aou.west - margin_deg, aou.south - margin_deg
    east, north = aou.east + margin_deg, aou.north + margin_deg
    with np.errstate(all="ignore"):  # the whole layer at once: every feature's box lies in
        box = to_lonlat.transform_bounds(  # the layer's, so one test clears them all
            b[present, 0].min(), b[present, 1].min(), b[present, 2].max(), b[present, 3].max(),
            densify_pts=21,
        )  # fmt: skip
    if (
        np.isfinite(box).all()
        and box[0] >= west
        and box[2] <= east
        and box[1] >= south
        and (box[3] <= north)
    ):
        return problems
    with np.errstate(all="ignore"):
        lon0, lat0 = to_lonlat.transform(b[:, 0], b[:, 1])
        lon1, lat1 = to_lonlat.transform(b[:, 2], b[:, 3])
    lon = np.column_stack([lon0, lon1])
    lat = np.column_stack([lat0, lat1])
    finite = np.isfinite(lon).all(axis=1) & np.isfinite(lat).all(axis=1)
    inside = (
        finite
        & (lon.min(axis=1) >= west)
        & (lon.max(axis=1) <= east)
        & (lat.min(axis=1) >= south)
        & (lat.max(axis=1) <= north)
    )
    outside = present & ~inside
    if outside.any():
        ids = _ids(gdf, id_column, outside)
        sub = b[outside]
        box_xy = np.array([sub[:, 0].min(), sub[:, 1].min(), sub[:, 2].max(), sub[:, 3].max()])
        likely = _likely_crs(box_xy)
        swapped = None if likely else _likely_crs(box_xy[[1, 0, 3, 2]])
        hint: Message | str = _m("region.hint.likely_crs", crs=likely) if likely else ""
        if swapped:
            hint = _m("region.hint.xy_swapped", crs=swapped)
        problems.append(
            Problem(
                _m(
                    "region.outside_area",
                    n=len(ids),
                    crs=name,
                    west=aou.west,
                    east=aou.east,
                    south=aou.south,
                    north=aou.north,
                    ids=_listed(ids),
                    hint=hint,
                ),
                source=label,
                field="crs",
            )
        )
    return problems


@dataclass(frozen=True)
class Region:
    """The region's municipalities in RD New, with their codes and names.

    Build with :func:`region_from_layer`. ``union`` is the dissolved area of the region.
    """

    municipalities: gpd.GeoDataFrame
    """Columns ``code``, ``name`` and the geometry (RD New), one row per municipality."""
    union: shapely.Geometry

    @property
    def codes(self) -> list[str]:
        """The municipality codes, in layer order."""
        return [str(c) for c in self.municipalities["code"]]


def pick_column(gdf: pd.DataFrame, declared: str | None, candidates: Sequence[str]) -> str | None:
    """The declared column, else the first candidate present (case-insensitive)."""
    if declared is not None:
        return declared if declared in gdf.columns else None
    lower = {str(c).lower(): str(c) for c in gdf.columns}
    for c in candidates:
        if c in lower:
            return lower[c]
    return None


def region_from_layer(
    boundaries: gpd.GeoDataFrame,
    codes: Sequence[str],
    names: dict[str, str],
    *,
    code_column: str | None = None,
    name_column: str | None = None,
) -> tuple[Region | None, list[str]]:
    """The region's municipalities from a boundaries layer (RD New).

    Returns
    -------
    (region, missing)
        The region (``None`` when the layer has no code column or none of the codes), and
        the scenario's municipality codes that the layer lacks.
    """
    col = pick_column(boundaries, code_column, CODE_COLUMNS)
    if col is None:
        return None, list(codes)
    # a layer may write GM0384 as 0384 or 384 (PDOK, a column read as numbers)
    values = boundaries[col].map(normalise_code)
    keep = values.isin([normalise_code(c) for c in codes])
    found = set(values[keep])
    missing = [c for c in codes if normalise_code(c) not in found]
    if not keep.any():
        return None, missing
    sub = boundaries[keep.to_numpy()]
    name_col = pick_column(sub, name_column, NAME_COLUMNS)
    dissolved = gpd.GeoDataFrame(
        {
            "code": values[keep].to_numpy(),
            "name": (sub[name_col].astype(str) if name_col else values[keep]).to_numpy(),
        },
        geometry=sub.geometry.to_numpy(),
        crs=boundaries.crs,
    ).dissolve(by="code", as_index=False, aggfunc="first")
    dissolved["name"] = [
        names.get(c, n) for c, n in zip(dissolved["code"], dissolved["name"], strict=True)
    ]
    union = shapely.union_all(dissolved.geometry.to_numpy())
    return Region(dissolved.reset_index(drop=True), union), missing


def outside_region(
    gdf: gpd.GeoDataFrame, region: Region, margin_m: float, *, names_inside: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features farther than ``margin_m`` from the region (RD New, metres).

    Parameters
    ----------
    names_inside
        Also name the municipality of the features in (or touching) the region; without
        it only the features off the region get a name (``""`` for the rest), which saves
        a query per feature when only the ones outside are reported.

    Returns
    -------
    (outside, distance_m, nearest)
        A mask of the features outside, the distance of every feature to the region, and
        the name of the nearest municipality per feature.
    """
    geoms = gdf.geometry.to_numpy()
    n = len(geoms)
    dist = np.zeros(n)
    nearest = [""] * n
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if present.any():
        shapely.prepare(region.union)  # most features lie in the region: distance 0, fast
        far = present & ~shapely.intersects(region.union, geoms)
        dist[far] = shapely.distance(geoms[far], region.union)
        tree = shapely.STRtree(region.municipalities.geometry.to_numpy())
        names = region.municipalities["name"].to_numpy()
        inside = np.flatnonzero(present & ~far) if names_inside else np.zeros(0, dtype=int)
        k, j = tree.query(geoms[inside], predicate="intersects")  # in (or touching) one: that
        first = np.unique(k, return_index=True)[1]
        for a, b in zip(k[first], j[first], strict=True):
            nearest[int(inside[a])] = str(names[b])
        idx = np.flatnonzero(far)
        if len(idx):
            pairs = tree.query_nearest(geoms[idx], all_matches=False)
            for a, b in zip(pairs[0], pairs[1], strict=True):
                nearest[int(idx[a])] = str(names[b])
    return present & beyond_margin(dist, margin_m), dist, nearest


def beyond_margin(distance: np.ndarray, margin_m: float) -> np.ndarray:
    """Which distances are farther than ``margin_m``: GEOS distances carry float noise (a
    plot drawn exactly 2,000 m off measures 2,000.0000000000002 m), so within 1e-9
    relative of the margin counts as at it, as for the closer_than exclusion."""
    return np.asarray(distance, float) > margin_m * (1 + 1e-9)


def describe_distance(metres: float) -> Message:
    """A distance for a message: '612 km' or '1,250 m' (``1.250 m`` in Dutch); a distance
    above 0 that rounds to 0 m is 'less than 1 m' (a plot 0.3 m outside the region does
    not lie '0 m outside' it)."""
    if metres >= 10_000:
        return _m("region.km", km=metres / 1000)
    if 0 < metres < 0.5:
        return _m("region.under_m")
    return _m("region.m", m=metres)


def describe_beyond(metres: float, limit_m: float) -> Message:
    """A distance farther than ``limit_m``, shown so that it reads as farther: a point
    50,000.4 m from the region under a 50 km margin is '50,001 m', not '50 km' (which
    reads as within it); a distance whose rounded text already exceeds the limit is
    :func:`describe_distance`."""
    shown = round(metres / 1000) * 1000 if metres >= 10_000 else round(metres)
    if shown > limit_m:
        return describe_distance(metres)
    return _m("region.m", m=float(math.ceil(metres)))


RD_EXTENT = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
"""The Netherlands in RD New (x_min, y_min, x_max, y_max): the area where RD New is valid."""


def outside_netherlands(
    rd: gpd.GeoDataFrame, original: gpd.GeoDataFrame, label: str, id_column: str | None
) -> list[Problem]:
    """Features that, reprojected from their declared CRS, lie outside the Netherlands.

    A longlist near Berlin correctly declared as WGS 84 is refused here, as is a file whose
    longitude and latitude were swapped (then the message says so).
    """
    geoms = rd.geometry.to_numpy()
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    b = shapely.bounds(geoms)
    x0, y0, x1, y1 = RD_EXTENT
    with np.errstate(invalid="ignore"):
        inside = (b[:, 0] >= x0) & (b[:, 1] >= y0) & (b[:, 2] <= x1) & (b[:, 3] <= y1)
    outside = present & ~inside
    if not outside.any():
        return []
    ids = _ids(rd, id_column, outside)
    centre = shapely.box(*RD_EXTENT)
    far = float(np.nanmax(shapely.distance(geoms[outside], centre)))
    hint: Message | str = ""
    crs = CRS.from_user_input(original.crs)
    if crs.is_geographic:
        ob = shapely.bounds(original.geometry.to_numpy()[outside])
        if (ob[:, 0] >= 50.5).all() and (ob[:, 2] <= 54).all() and (ob[:, 1] >= 3).all():
            hint = _m("region.hint.swapped")
    return [
        Problem(
            _m(
                "region.outside_nl",
                n=len(ids),
                distance=describe_distance(far),
                crs=crs.to_string(),
                ids=_listed(ids),
                hint=hint,
            ),
            source=label,
            field="geometry",
        )
    ]


@dataclass(frozen=True)
class RegionCheck:
    """What checking the inputs against the region found."""

    region: Region | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()


def check_points_table(
    df: pd.DataFrame,
    columns: tuple[str, str],
    label: str,
    id_column: str,
    region: Region | None,
    margin_m: float,
) -> list[Problem]:
    """Coordinates in a table (RD New metres): degrees, outside the Netherlands, or farther
    than ``margin_m`` from the region, every row at once."""
    xc, yc = columns
    if xc not in df.columns or yc not in df.columns:
        return []
    x = pd.to_numeric(df[xc], errors="coerce").to_numpy(float)
    y = pd.to_numeric(df[yc], errors="coerce").to_numpy(float)
    given = np.isfinite(x) & np.isfinite(y)
    if not given.any():
        return []
    ids = df[id_column].astype(str).to_numpy() if id_column in df.columns else None

    def named(mask: np.ndarray) -> list[Named]:
        idx = np.flatnonzero(mask)
        return [str(ids[i]) if ids is not None else _m("where.row", row=int(i) + 1) for i in idx]

    problems = []
    field = f"{xc}/{yc}"
    degrees = given & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if degrees.any():
        problems.append(
            Problem(
                _m("region.points_degrees", ids=_listed(named(degrees))),
                label,
                field=field,
            )
        )
    x0, y0, x1, y1 = RD_EXTENT
    outside_nl = given & ~degrees & ~((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    if outside_nl.any():
        problems.append(
            Problem(
                _m("region.points_outside_nl", ids=_listed(named(outside_nl))),
                label,
                field=field,
            )
        )
    rest = given & ~degrees & ~outside_nl
    if region is not None and rest.any():
        pts = shapely.points(x[rest], y[rest])
        dist = np.zeros(len(df))
        dist[rest] = shapely.distance(pts, region.union)
        far = rest & (dist > margin_m)
        if far.any():
            listed: list[Named] = [
                _m("region.named_distance", name=n, distance=describe_beyond(d, margin_m))
                for n, d in zip(named(far), dist[far], strict=True)
            ]
            problems.append(
                Problem(
                    _m(
                        "region.points_far",
                        distance=describe_distance(margin_m),
                        ids=_listed(listed),
                    ),
                    label,
                    field=field,
                )
            )
    return problems

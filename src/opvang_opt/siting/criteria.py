"""Measure criteria indicators for every site, vectorised with shapely STRtrees."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import DataError, Problem
from opvang_opt.io.graphs import StreetGraph
from opvang_opt.numtext import comma_hint, thousands_point_message, thousands_point_rows
from opvang_opt.schema import (
    Attribute,
    CountWithin,
    Criterion,
    DistanceToLayer,
    DistanceToPoi,
    OverlapShare,
    PlotArea,
    ReceptionLoad,
)
from opvang_opt.siting import spatial
from opvang_opt.siting.capacity import column_summary, id_row
from opvang_opt.siting.location import AreaLayer, largest_share
from opvang_opt.siting.network import network_distance
from opvang_opt.texts import Message

INDICATOR_UNITS = {
    "distance_to_poi": "m",
    "count_within": "count",
    "overlap_share": "share",
    "distance_to_layer": "m",
    "reception_load": "per_1000",
    "area": "m2",
    "attribute": "",
}
"""Unit code of each criterion kind's indicator (a ``unit.`` text of the catalogue)."""


YES_NO = {
    "true": 1.0, "false": 0.0, "ja": 1.0, "nee": 0.0, "yes": 1.0, "no": 0.0,
    "waar": 1.0, "onwaar": 0.0,  # TRUE and FALSE as Excel writes them in a Dutch locale
}  # fmt: skip
"""Yes/no texts of a longlist column, as 1 and 0."""


def indicator_unit(criterion: Criterion) -> str:
    """The unit code of a criterion's indicator: its kind's (:data:`INDICATOR_UNITS`), or
    for an attribute the unit the scenario declares for its column (``eur``, ``yes_no``,
    ...)."""
    if isinstance(criterion, Attribute) and criterion.unit is not None:
        return criterion.unit
    return INDICATOR_UNITS[criterion.kind]


def category_text(values: pd.Series) -> pd.Series:
    """A category column as text, as its author wrote it.

    An integer code column with a gap is read as floats (``1.0``, ``NaN``); its codes are
    compared as the integers they are (``"1"``), like a column without a gap. Other values
    are compared as their text.
    """
    if pd.api.types.is_float_dtype(values):
        known = values.dropna().to_numpy(dtype=float)
        if np.isfinite(known).all() and (known == np.round(known)).all():
            return values.astype("Int64").astype("string")
    return values.astype("string")


def select_category(layer: gpd.GeoDataFrame, column: str, category: str) -> np.ndarray:
    """Return the geometries of one category of a points-of-interest layer."""
    mask = (category_text(layer[column]) == category).fillna(False).to_numpy()
    return layer.geometry.values[mask]


def nearest_distance(sites: np.ndarray, targets: np.ndarray, workers: int = 1) -> np.ndarray:
    """Distance from each site to the nearest target (0 inside or touching); inf if none.

    Exactly GEOS's nearest distance (see :func:`opvang_opt.siting.spatial.nearest_distance`).
    """
    return spatial.nearest_distance(sites, targets, workers=workers)


NearestKey = tuple[str, str | None, str | None]
"""(layer, category column, category): one shared nearest query."""


class NearestDistances:
    """Distance from every site to the nearest feature of a layer (or of one category).

    Computed once per (layer, category) and shared by the criteria and the exclusion
    rules of a run: a criterion and a rule on the same layer cost one query, not two.
    :meth:`prefetch` runs the queries a run needs at the same time, on ``workers``
    threads.
    """

    def __init__(
        self, sites: np.ndarray, layers: dict[str, gpd.GeoDataFrame], workers: int = 1
    ) -> None:
        self._sites = sites
        self._layers = layers
        self._workers = max(1, workers)
        self._done: dict[NearestKey, np.ndarray] = {}

    def _targets(self, key: NearestKey) -> np.ndarray:
        layer, category_column, category = key
        lyr = self._layers[layer]
        if category is not None and category_column is not None:
            return select_category(lyr, category_column, category)
        return lyr.geometry.values

    def preset(self, done: dict[NearestKey, np.ndarray]) -> None:
        """Take distances answered elsewhere (by the screen, or by a cluster)."""
        self._done.update(done)

    def prefetch(self, keys: list[NearestKey]) -> None:
        """Run the not yet computed queries of ``keys`` concurrently."""
        todo = list(dict.fromkeys(k for k in keys if k not in self._done))
        if not todo:
            return
        inner = max(1, self._workers // len(todo))
        results = spatial.thread_map(
            lambda k: nearest_distance(self._sites, self._targets(k), inner),
            todo,
            min(self._workers, len(todo)),
        )
        self._done.update(zip(todo, results, strict=True))

    def __call__(
        self, layer: str, category_column: str | None = None, category: str | None = None
    ) -> np.ndarray:
        """Distances (m) to the nearest feature; ``inf`` when there is none."""
        key = (layer, category_column, category)
        if key not in self._done:
            self._done[key] = nearest_distance(self._sites, self._targets(key), self._workers)
        return self._done[key]


def count_within(
    sites: np.ndarray, targets: np.ndarray, radius: float, workers: int = 1
) -> np.ndarray:
    """Number of targets within ``radius`` of each site (GEOS ``dwithin``)."""
    return spatial.count_within(sites, targets, radius, workers=workers)


def overlap_area(sites: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Area (m2) of each site covered by the union of a polygon layer."""
    out = np.zeros(len(sites))
    polys = layer[shapely.get_dimensions(layer) == 2] if len(layer) else layer
    if len(polys) == 0:
        return out
    tree = shapely.STRtree(polys)
    idx_site, idx_poly = tree.query(sites, predicate="intersects")
    if len(idx_site) == 0:
        return out
    # by site, then by the polygon's position: the union below is built in layer order,
    # whatever the tree's order, so a spatial partition of the layer gives the same area
    order = np.lexsort((idx_poly, idx_site))
    idx_site, idx_poly = idx_site[order], idx_poly[order]
    uniq, starts = np.unique(idx_site, return_index=True)
    single = np.diff(np.append(starts, len(idx_site))) == 1
    # one covering polygon: intersect directly (vectorised)
    s1 = uniq[single]
    out[s1] = shapely.area(shapely.intersection(sites[s1], polys[idx_poly[starts[single]]]))
    # several: intersect with their union, so overlapping constraint polygons count once
    for s, start, stop in zip(
        uniq[~single], starts[~single], np.append(starts, len(idx_site))[1:][~single], strict=True
    ):
        union = shapely.union_all(polys[idx_poly[start:stop]])
        out[s] = shapely.area(shapely.intersection(sites[s], union))
    return out


def overlap_share(sites: np.ndarray, covered: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Share (0-1) of each plot covered by a polygon layer, from the covered m² of
    :func:`overlap_area`. A site given as a point has no area to share: it is wholly in
    the layer (1) when it lies in one of its polygons, else 0 (it was 0 wherever it lay,
    so 'at most half in the noise contour' kept a point in the middle of it)."""
    area = shapely.area(sites)
    share = np.divide(covered, area, out=np.zeros_like(area), where=area > 0)
    points = shapely.get_dimensions(sites) == 0
    if points.any() and len(layer):
        polys = layer[shapely.get_dimensions(layer) == 2]
        share[points] = intersects_any(sites[points], polys).astype(float)
    return share


def intersects_any(sites: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Whether each site intersects any feature of a layer."""
    out = np.zeros(len(sites), dtype=bool)
    if len(layer) == 0:
        return out
    idx_site, _ = shapely.STRtree(layer).query(sites, predicate="intersects")
    out[idx_site] = True
    return out


def numeric_column(sites: gpd.GeoDataFrame, column: str, id_column: str, source: str) -> np.ndarray:
    """A longlist column as floats (booleans as 0/1); every non-number is a problem, and so
    is every missing value (a gap in a nullable boolean or number column too)."""
    raw = sites[column]
    if pd.api.types.is_numeric_dtype(raw) and not raw.isna().any():  # booleans included
        values = raw.astype(float)
        if np.isfinite(values.to_numpy()).all():
            return values.to_numpy()  # nothing to read as text
    else:
        text = raw.astype("string").str.strip().str.lower()
        mapped = text.map(YES_NO)
        values = pd.to_numeric(raw, errors="coerce").astype(float)
        values = values.where(values.notna(), pd.to_numeric(mapped, errors="coerce"))
    # an infinite value is no number a rule or a budget can use (it stopped the run with an
    # internal error); a missing one is named as missing, not as 'nan'
    bad = ~np.isfinite(values.to_numpy())
    # a text field of numbers written with thousands points ('658.000'): 658 or 658,000?
    # never guessed (a CSV layer is refused when it is read; this is a GDAL text field)
    ambiguous: set[int] = set()
    if not pd.api.types.is_numeric_dtype(raw):
        ambiguous = set(thousands_point_rows(raw.tolist()))
        bad[list(ambiguous)] = True

    def what(v: object) -> Message:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return Message("problem.siting.missing_value")
        if isinstance(v, int | float | np.number) and np.isinf(float(v)):
            return Message("problem.siting.not_finite", {"value": str(float(v))})
        hint = comma_hint(v) if source.lower().endswith(".csv") else ""  # CSV declares it
        return Message("problem.siting.not_number", {"value": repr(str(v)), "hint": hint})

    if bad.any():
        problems = [
            Problem(
                (
                    thousands_point_message(raw.iloc[i], "text")
                    if i in ambiguous
                    else what(raw.iloc[i])
                ),
                source,
                id_row(sites[id_column].iloc[i], i),
                column,
            )
            for i in bad.nonzero()[0]
        ]
        raise DataError(column_summary(column, len(problems)), problems)
    return values.to_numpy()


def reception_load(
    sites: np.ndarray, buurten: gpd.GeoDataFrame, places: str, inhabitants: str
) -> np.ndarray:
    """Existing reception places per 1,000 inhabitants of the buurt each site lies in.

    A site lies in the buurt holding the largest share of its plot, as its row states its
    buurt (:func:`~opvang_opt.siting.location.largest_share`; a point: the buurt it lies
    in; the first in the file on a tie or when buurten overlap); a site outside every
    buurt takes the one nearest to its representative point (the first in the file when
    several are equally near). Buurten with fewer than 1 inhabitant count as 1. A buurt
    without a number of places or inhabitants (empty, text such as CBS's ``.`` for a
    secret value, or a negative number such as CBS's ``-99997`` for one) counts as 0
    places, 1 inhabitant.
    """
    polys = buurten.geometry.values

    def known(column: str) -> pd.Series:
        values = pd.to_numeric(buurten[column], errors="coerce")
        # a negative count is CBS's code of a secret or unknown value (-99995, -99997):
        # -3 places gave a load below every buurt without any
        return values.where(values >= 0).fillna(0)

    load = (
        known(places).to_numpy(dtype=float)
        / np.maximum(known(inhabitants), 1.0).to_numpy(dtype=float)
        * 1000.0
    )
    # the buurt holding most of the plot (it took the buurt of the representative point:
    # a plot 70 % in one buurt took the load of the other when that held its point)
    # on copies of the buurten: largest_share prepares its areas, and the siting stage
    # locates the sites in the same buurten (the region's neighbourhoods) on a thread of
    # its own meanwhile; GEOS must not prepare one geometry on two threads at once
    index = np.arange(len(polys)).astype(str)
    own = shapely.from_wkb(shapely.to_wkb(np.asarray(polys)))
    code, *_ = largest_share(np.asarray(sites), AreaLayer(index, index, own))
    which = np.array([int(c) if c != "" else -1 for c in code], dtype=np.int64)
    missing = which < 0
    if missing.any():
        points = shapely.point_on_surface(sites)
        tree = shapely.STRtree(polys)
        (i_pt, i_poly) = tree.query_nearest(points[missing], all_matches=False)
        which[np.flatnonzero(missing)[i_pt]] = i_poly
    return load[which]


def measure(
    criterion: Criterion,
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    id_column: str,
    source: str,
    graphs: dict[str, StreetGraph] | None = None,
    nearest: NearestDistances | None = None,
    area_column: str | None = None,
) -> np.ndarray:
    """Measure one criterion's indicator for every site.

    Parameters
    ----------
    criterion
        The criterion from the scenario.
    sites
        The longlist, in RD New.
    layers
        The other layers by name, in RD New.
    id_column, source
        The longlist's id column and file, for messages.
    graphs
        Street graphs by name, for network distances.
    nearest
        Shared straight-line distances of the run (made here when not given).
    area_column
        The longlist column with the plot area in m² of sites given as points
        (``capacity.area_column``): the ``area`` criterion of a point site is that area,
        as its capacity is (a point has no area of its own).

    Returns
    -------
    numpy.ndarray
        One float per site, in the unit of :data:`INDICATOR_UNITS` for its kind.
    """
    geoms = sites.geometry.values
    nearest = nearest or NearestDistances(geoms, layers)
    match criterion:
        case DistanceToPoi():
            if criterion.network is not None:
                targets = select_category(
                    layers[criterion.layer], criterion.category_column, criterion.category
                )
                return network_distance(geoms, targets, (graphs or {})[criterion.network])
            return nearest(criterion.layer, criterion.category_column, criterion.category)
        case CountWithin():
            targets = select_category(
                layers[criterion.layer], criterion.category_column, criterion.category
            )
            return count_within(geoms, targets, criterion.radius_m)
        case OverlapShare():
            layer = np.asarray(layers[criterion.layer].geometry.values)
            return overlap_share(np.asarray(geoms), overlap_area(geoms, layer), layer)
        case DistanceToLayer():
            return nearest(criterion.layer)
        case ReceptionLoad():
            return reception_load(
                geoms, layers[criterion.layer], criterion.places_column,
                criterion.inhabitants_column,
            )  # fmt: skip
        case PlotArea():
            area = shapely.area(geoms)
            if area_column is not None:
                given = pd.to_numeric(sites[area_column], errors="coerce").to_numpy(float)
                area = np.where(shapely.get_dimensions(geoms) == 2, area, np.nan_to_num(given))
            return area
        case Attribute():
            return numeric_column(sites, criterion.column, id_column, source)
    raise TypeError(f"unknown criterion kind {criterion!r}")  # pragma: no cover

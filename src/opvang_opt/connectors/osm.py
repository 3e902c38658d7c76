"""OpenStreetMap points of interest through osmnx (Overpass API).

The tags asked for, and how a feature gets its category (the vocabulary of the demo's
``pois`` layer, so criteria such as ``distance_to_poi`` with ``category: station`` work on
real data unchanged):

=================  ==================================================================
category           OSM tags
=================  ==================================================================
station            railway=station or railway=halt (train and metro)
tram_stop          railway=tram_stop
bus_stop           highway=bus_stop, or public_transport=platform with bus=yes
primary_school     amenity=school with isced:level 1 or school type 'primary', or a
                   name with 'basisschool'
secondary_school   amenity=school with isced:level 2/3 or school type 'secondary', or a
                   name with 'college', 'lyceum', 'vmbo', 'havo', 'vwo' or 'ISK'
school             any other amenity=school
gp                 amenity=doctors or healthcare=doctor (not a specialist)
supermarket        shop=supermarket
park               leisure=park
=================  ==================================================================

Every feature becomes a point (a polygon its representative point, with its area kept in
``area_m2``), in RD New, with ``poi_id`` ('n123', 'w456', 'r789' for node, way, relation),
``category``, ``name`` and the OSM tag it matched.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import DataError, Problem
from opvang_opt.schema.sources import OSM_ATTRIBUTION, OSM_LICENCE  # noqa: F401  (re-exported)
from opvang_opt.texts import Message

OVERPASS_URL = "https://overpass-api.de/api"

TAGS: dict[str, bool | str | list[str]] = {
    "railway": ["station", "halt", "tram_stop"],
    "highway": "bus_stop",
    "public_transport": "platform",
    "amenity": ["school", "doctors"],
    "healthcare": "doctor",
    "shop": "supermarket",
    "leisure": "park",
}
"""The Overpass tags requested (a union)."""

CATEGORIES = ("station", "tram_stop", "bus_stop", "primary_school", "secondary_school",
              "school", "gp", "supermarket", "park")  # fmt: skip

_PRIMARY = re.compile(r"basisschool|\bbs\b|\bobs\b|\bcbs\b|\brkbs\b|\bkbs\b", re.IGNORECASE)
_SECONDARY = re.compile(r"college|lyceum|gymnasium|vmbo|havo|vwo|\bisk\b|mavo", re.IGNORECASE)


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def _tag(row: pd.Series, key: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def categorise(row: pd.Series) -> tuple[str | None, str]:
    """The category of one OSM feature and the tag that decided it (None: not a POI)."""
    railway = _tag(row, "railway")
    if railway in ("station", "halt"):
        return "station", f"railway={railway}"
    if railway == "tram_stop":
        return "tram_stop", "railway=tram_stop"
    if _tag(row, "highway") == "bus_stop":
        return "bus_stop", "highway=bus_stop"
    if _tag(row, "public_transport") == "platform" and _tag(row, "bus") == "yes":
        return "bus_stop", "public_transport=platform+bus=yes"
    if _tag(row, "amenity") == "school":
        isced = _tag(row, "isced:level")
        kind = (_tag(row, "school") + " " + _tag(row, "school:type")).lower()
        name = _tag(row, "name")
        levels = set(re.split(r"[;,\s\-]+", isced)) if isced else set()
        if "1" in levels or "primary" in kind or _PRIMARY.search(name):
            return "primary_school", "amenity=school (primary)"
        if levels & {"2", "3"} or "secondary" in kind or _SECONDARY.search(name):
            return "secondary_school", "amenity=school (secondary)"
        return "school", "amenity=school"
    speciality = _tag(row, "healthcare:speciality")
    if _tag(row, "amenity") == "doctors" or _tag(row, "healthcare") == "doctor":
        if speciality and "general" not in speciality:
            return None, ""
        return "gp", "amenity=doctors"
    if _tag(row, "shop") == "supermarket":
        return "supermarket", "shop=supermarket"
    if _tag(row, "leisure") == "park":
        return "park", "leisure=park"
    return None, ""


def pois_from_features(features: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Turn osmnx features (tags as columns, WGS84) into a POI layer in RD New.

    Parameters
    ----------
    features
        As returned by ``osmnx.features_from_polygon``: index (element, id); ``None`` for none.

    Returns
    -------
    geopandas.GeoDataFrame
        ``poi_id``, ``category``, ``name``, ``osm_tag``, ``area_m2`` and point geometry,
        sorted by category and id; features of no category are dropped.
    """
    cols = ["poi_id", "category", "name", "osm_tag", "area_m2"]
    if features is None or features.empty:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs="EPSG:28992")
    gdf = features.to_crs("EPSG:28992")
    rows: list[dict[str, Any]] = []
    geoms = []
    for idx, row in gdf.iterrows():
        category, tag = categorise(row)
        if category is None or row.geometry is None or row.geometry.is_empty:
            continue
        element, osm_id = idx if isinstance(idx, tuple) else ("node", idx)
        geom = row.geometry
        area = float(geom.area) if shapely.get_dimensions(geom) == 2 else 0.0
        rows.append({
            "poi_id": f"{str(element)[0]}{osm_id}", "category": category,
            "name": _tag(row, "name"), "osm_tag": tag, "area_m2": round(area, 1),
        })  # fmt: skip
        geoms.append(geom if geom.geom_type == "Point" else geom.representative_point())
    out = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs="EPSG:28992")
    return out.sort_values(["category", "poi_id"]).reset_index(drop=True)


def fetch_osm_pois(polygon_wgs84: Any, *, timeout: float = 180.0, cache_dir: str | None = None
                   ) -> gpd.GeoDataFrame:  # fmt: skip
    """Fetch the POIs inside a polygon (WGS84 lon/lat) from Overpass via osmnx.

    Raises
    ------
    DataError
        When Overpass cannot be reached or answers with an error.
    """
    import osmnx as ox

    ox.settings.requests_timeout = timeout
    ox.settings.log_console = False
    if cache_dir is not None:
        ox.settings.use_cache = True
        ox.settings.cache_folder = cache_dir
    try:
        features = ox.features_from_polygon(polygon_wgs84, TAGS)
    except Exception as exc:
        if type(exc).__name__ == "InsufficientResponseError":  # nothing found
            return pois_from_features(None)
        raise DataError(
            _m("connector.overpass"),
            [
                Problem(
                    _m("connector.error_says", text=f"{type(exc).__name__}: {exc}"[:300]),
                    source=OVERPASS_URL,
                ),
                Problem(_m("connector.check_connection")),
            ],
        ) from None
    return pois_from_features(features)

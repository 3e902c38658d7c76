"""Real-data connectors: fetch public layers for some municipalities, and cache them.

``opvang-opt data fetch --gemeente GM0384 [--layers cbs,osm,natura2000] [--cache DIR]``
writes into the cache folder (default ``data/cache``, or ``$OPVANG_OPT_CACHE``):

=================  ==========================================================  ============
cached layer       content                                                     id column
=================  ==========================================================  ============
cbs_gemeenten      CBS municipalities with inhabitants and households (PDOK)   municipality_code
cbs_wijken         CBS wijken with inhabitants and households (PDOK)           wijk_code
cbs_buurten        CBS buurten with inhabitants and households (PDOK)          buurt_code
osm_pois           OpenStreetMap POIs: schools, GPs, supermarkets, stations,   poi_id
                   stops, parks (osmnx)
natura2000         Natura 2000 areas within 5 km of the municipalities (PDOK)  n2k_id
=================  ==========================================================  ============

Each is a GeoPackage ``<name>.gpkg`` (layer ``<name>``, RD New) with a sidecar
``<name>.meta.json`` that records its source, URL, licence, attribution, the date it was
fetched (per municipality) and its SHA-256. Fetching more municipalities adds to a cached
layer; fetching one again replaces its features.

A scenario refers to a cached layer by name (:func:`resolve_layer_sources`)::

    layers:
      buurten: {source: cbs_buurten}               # id_column from the cache
      pois: {source: osm_pois}

Nothing here prints; the CLI passes a progress callback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from opvang_opt.connectors import osm, pdok
from opvang_opt.connectors.ogc import Session, new_session
from opvang_opt.errors import Problem, ScenarioError
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.schema.sources import (
    CACHE_ENV,
    GROUPS,
    LAYERS,
    NATURA2000_BUFFER_M,
    LayerInfo,
    default_cache_dir,
    layer_path,
    meta_path,
    read_meta,
    resolve_layer_sources,
)
from opvang_opt.texts import Message


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def list_cache(cache: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The metadata of every layer in a cache folder."""
    return [m for name in LAYERS if (m := read_meta(cache, name)) is not None]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def write_cached_layer(
    cache: str | os.PathLike[str],
    name: str,
    gdf: gpd.GeoDataFrame,
    *,
    gemeenten: Sequence[str],
    url: str,
    source: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write (or add to) a cached layer and its sidecar, replacing both atomically.

    Features of other municipalities already in the cache are kept (by
    ``municipality_code``; layers without one are merged by id).

    Returns
    -------
    dict
        The sidecar metadata written.
    """
    info = LAYERS[name]
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    old_meta = read_meta(cache, name) or {}
    fetched = dict(old_meta.get("gemeenten", {}))
    if old_meta:
        old = pyogrio.read_dataframe(layer_path(cache, name), layer=name)
        if "municipality_code" in gdf.columns and "municipality_code" in old.columns:
            old = old[~old["municipality_code"].isin(gemeenten)]
        else:
            old = old[~old[info.id_column].isin(gdf[info.id_column])]
        if len(old):
            gdf = gpd.GeoDataFrame(pd.concat([old, gdf], ignore_index=True),
                                   geometry="geometry", crs=gdf.crs)  # fmt: skip
    gdf = gdf.sort_values(info.id_column).reset_index(drop=True)
    now = _now()
    fetched.update(dict.fromkeys(gemeenten, now))
    tmp = cache / f".{name}.tmp-{os.getpid()}.gpkg"
    tmp.unlink(missing_ok=True)
    try:
        pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
        meta = {
            "layer": name,
            "title": info.title,
            "source": source,
            "url": url,
            "licence": info.licence,
            "attribution": info.attribution,
            "fetched_at": now,
            "gemeenten": dict(sorted(fetched.items())),
            "features": len(gdf),
            "crs": "EPSG:28992",
            "id_column": info.id_column,
            "columns": [c for c in gdf.columns if c != "geometry"],
            "sha256": _sha256(tmp),
            **(extra or {}),
        }
        from opvang_opt import __version__

        meta["tool"] = f"opvang-opt {__version__}"
        meta_tmp = cache / f".{name}.meta.tmp-{os.getpid()}.json"
        meta_tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, layer_path(cache, name))
        os.replace(meta_tmp, meta_path(cache, name))
    finally:
        tmp.unlink(missing_ok=True)
    return meta


ProgressFn = Callable[[str, str], None]
"""Called as progress(step, event); event 'start', 'done' or a short status text."""


def parse_groups(text: str | Sequence[str] | None) -> list[str]:
    """Parse ``--layers cbs,osm`` into groups (default: all).

    Raises
    ------
    ScenarioError
        For an unknown group, with a did-you-mean hint.
    """
    if text is None:
        return list(GROUPS)
    items = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    groups = [g.strip().lower() for g in items if g.strip()]
    bad = [g for g in groups if g not in GROUPS]
    if bad or not groups:
        choices = ", ".join(GROUPS)
        raise ScenarioError(
            _m("connector.unknown_group" if bad else "connector.no_group"),
            [Problem(_m("connector.group_choose", group=g, hint=did_you_mean_hint(g, GROUPS),
                        choices=choices), field="--layers") for g in bad]
            or [Problem(_m("connector.choose_from", choices=choices), field="--layers")],
        )  # fmt: skip
    return list(dict.fromkeys(groups))


def check_gemeenten(codes: Sequence[str]) -> list[str]:
    """Upper-case and check municipality codes (GM and four digits).

    Raises
    ------
    ScenarioError
        When none is given or one is malformed.
    """
    import re

    out = [c.strip().upper() for c in codes if c.strip()]
    bad = [c for c in out if not re.fullmatch(r"GM\d{4}", c)]
    if not out or bad:
        raise ScenarioError(
            _m("connector.codes"),
            [Problem(_m("connector.not_a_code", code=c), field="--gemeente") for c in bad]
            or [Problem(_m("connector.no_gemeente"), field="--gemeente")],
        )
    return list(dict.fromkeys(out))


def fetch_layers(
    gemeenten: Sequence[str],
    groups: Sequence[str] = GROUPS,
    cache: str | os.PathLike[str] | None = None,
    *,
    year: int = 2024,
    session: Session | None = None,
    timeout: float = 30.0,
    progress: ProgressFn | None = None,
    osm_fetch: Callable[..., gpd.GeoDataFrame] | None = None,
) -> list[dict[str, Any]]:
    """Fetch the layers of ``groups`` for ``gemeenten`` and write them to the cache.

    Parameters
    ----------
    gemeenten
        CBS municipality codes.
    groups
        'cbs', 'osm', 'natura2000'.
    cache
        Cache folder (default :func:`default_cache_dir`).
    year
        Year of the CBS Wijken en Buurten.
    session
        HTTP session (default: a new ``requests`` session); tests pass recorded answers.
    timeout
        Seconds per HTTP request.
    progress
        Told as each layer starts and ends.
    osm_fetch
        The OSM fetch function (default :func:`osm.fetch_osm_pois`).

    Returns
    -------
    list of dict
        The sidecar metadata of every layer written.

    Raises
    ------
    DataError
        When a service cannot be reached or answers unexpectedly (layers fetched before
        the failure stay in the cache).
    """
    codes = check_gemeenten(gemeenten)
    cache = Path(cache) if cache is not None else default_cache_dir()
    session = session or new_session()
    written: list[dict[str, Any]] = []

    def step(label: str, fn: Callable[[], Any]) -> Any:
        if progress:
            progress(label, "start")
        out = fn()
        if progress:
            progress(label, "done")
        return out

    def pages(label: str) -> Callable[[int, int], None]:
        return lambda page, n: progress(label, f"page {page}, {n} features") if progress else None

    def cbs(collection: str) -> tuple[gpd.GeoDataFrame, str]:
        label = f"CBS {collection} {year}"
        return step(label, lambda: pdok.fetch_cbs(
            session, codes, collection, year=year, timeout=timeout, on_page=pages(label)
        ))  # fmt: skip

    def save(name: str, gdf: gpd.GeoDataFrame, url: str, source: str, **extra: Any) -> None:
        meta = write_cached_layer(
            cache, name, gdf, gemeenten=codes, url=url, source=source, extra=extra
        )
        written.append(meta)

    source_cbs = f"CBS Wijken en Buurten {year}, PDOK OGC API Features"
    # the municipal boundaries are needed by every group (OSM polygon, Natura 2000 bbox)
    gm, gm_url = cbs("gemeenten")
    if "cbs" in groups:
        save("cbs_gemeenten", gm, gm_url, source_cbs, year=year)
        for coll in ("wijken", "buurten"):
            gdf, url = cbs(coll)
            save(f"cbs_{coll}", gdf, url, source_cbs, year=year)
    area = shapely.union_all(gm.geometry.to_numpy())
    if "osm" in groups:
        fetch = osm_fetch or osm.fetch_osm_pois
        poly = gpd.GeoSeries([area], crs="EPSG:28992").to_crs("EPSG:4326").iloc[0]
        pois = step("OpenStreetMap POIs (Overpass)",
                    lambda: fetch(poly, cache_dir=str(cache / ".osmnx")))  # fmt: skip
        pois = _assign_municipality(pois, gm)
        save("osm_pois", pois, osm.OVERPASS_URL, "OpenStreetMap via the Overpass API (osmnx)",
             tags=osm.TAGS, categories=list(osm.CATEGORIES))  # fmt: skip
    if "natura2000" in groups:
        bbox = tuple(shapely.buffer(area, NATURA2000_BUFFER_M).bounds)
        n2k, url = step("Natura 2000", lambda: pdok.fetch_natura2000(
            session, bbox, timeout=timeout, on_page=pages("Natura 2000")
        ))  # fmt: skip
        save("natura2000", n2k, url, "Natura 2000 (RVO), PDOK OGC API Features",
             bbox_rd=[round(v) for v in bbox], buffer_m=NATURA2000_BUFFER_M)  # fmt: skip
    return written


def _assign_municipality(pois: gpd.GeoDataFrame, gm: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give each POI the municipality it lies in (empty when outside all)."""
    if pois.empty:
        return pois.assign(municipality_code=pd.Series([], dtype=object))
    joined = gpd.sjoin(pois, gm[["municipality_code", "geometry"]], how="left",
                       predicate="within")  # fmt: skip
    joined = joined[~joined.index.duplicated()]
    out = pois.copy()
    out["municipality_code"] = joined["municipality_code"].fillna("").to_numpy()
    return out[out["municipality_code"] != ""].reset_index(drop=True)


__all__ = [
    "CACHE_ENV",
    "GROUPS",
    "LAYERS",
    "LayerInfo",
    "check_gemeenten",
    "default_cache_dir",
    "fetch_layers",
    "layer_path",
    "list_cache",
    "meta_path",
    "parse_groups",
    "read_meta",
    "resolve_layer_sources",
    "write_cached_layer",
]

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

import dataclasses
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
from opvang_opt.errors import DataError, Problem, ScenarioError

CACHE_ENV = "OPVANG_OPT_CACHE"
"""Environment variable with the default cache folder."""
DEFAULT_CACHE = Path("data") / "cache"
"""The cache folder when neither ``--cache`` nor :data:`CACHE_ENV` says otherwise."""
NATURA2000_BUFFER_M = 5000.0
"""Natura 2000 areas this close to the municipalities are fetched too (distance rules)."""


@dataclasses.dataclass(frozen=True)
class LayerInfo:
    """A layer the connectors can fetch."""

    name: str
    group: str
    title: str
    id_column: str
    licence: str
    attribution: str


LAYERS: dict[str, LayerInfo] = {
    "cbs_gemeenten": LayerInfo("cbs_gemeenten", "cbs", "CBS gemeenten met kerncijfers",
                               "municipality_code", pdok.CBS_LICENCE, pdok.CBS_ATTRIBUTION),
    "cbs_wijken": LayerInfo("cbs_wijken", "cbs", "CBS wijken met kerncijfers", "wijk_code",
                            pdok.CBS_LICENCE, pdok.CBS_ATTRIBUTION),
    "cbs_buurten": LayerInfo("cbs_buurten", "cbs", "CBS buurten met kerncijfers", "buurt_code",
                             pdok.CBS_LICENCE, pdok.CBS_ATTRIBUTION),
    "osm_pois": LayerInfo("osm_pois", "osm", "OpenStreetMap-voorzieningen", "poi_id",
                          osm.OSM_LICENCE, osm.OSM_ATTRIBUTION),
    "natura2000": LayerInfo("natura2000", "natura2000", "Natura 2000-gebieden", "n2k_id",
                            pdok.NATURA2000_LICENCE, pdok.NATURA2000_ATTRIBUTION),
}  # fmt: skip
"""Every cached layer by name."""
GROUPS = ("cbs", "osm", "natura2000")
"""The ``--layers`` choices; each fetches the layers of its group."""


def default_cache_dir() -> Path:
    """``$OPVANG_OPT_CACHE``, else ``data/cache`` in the working folder."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else DEFAULT_CACHE


def layer_path(cache: str | os.PathLike[str], name: str) -> Path:
    """The GeoPackage of a cached layer."""
    return Path(cache) / f"{name}.gpkg"


def meta_path(cache: str | os.PathLike[str], name: str) -> Path:
    """The sidecar metadata file of a cached layer."""
    return Path(cache) / f"{name}.meta.json"


def read_meta(cache: str | os.PathLike[str], name: str) -> dict[str, Any] | None:
    """The sidecar metadata of a cached layer, or None when it is not cached."""
    p = meta_path(cache, name)
    if not p.is_file() or not layer_path(cache, name).is_file():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


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
    from opvang_opt.scenario import did_you_mean

    if text is None:
        return list(GROUPS)
    items = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    groups = [g.strip().lower() for g in items if g.strip()]
    bad = [g for g in groups if g not in GROUPS]
    if bad or not groups:
        raise ScenarioError(
            "Unknown layer group" if bad else "No layer group given",
            [Problem(f"'{g}'{did_you_mean(g, GROUPS)}; choose from {', '.join(GROUPS)}",
                     field="--layers") for g in bad]
            or [Problem(f"choose from {', '.join(GROUPS)}", field="--layers")],
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
            "Give municipality codes as GMxxxx (e.g. --gemeente GM0384)",
            [Problem(f"'{c}' is not a CBS municipality code", field="--gemeente") for c in bad]
            or [Problem("no --gemeente given", field="--gemeente")],
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
        ))  # type: ignore[arg-type]  # fmt: skip
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


# =========================================================================== scenario hook


def resolve_layer_sources(
    raw: dict[str, Any],
    *,
    base_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Turn ``layers: {name: {source: cbs_buurten}}`` into paths of the data cache.

    The proposed scenario hook: a layer gives either ``path`` or ``source`` (a cached
    layer's name). ``source`` becomes ``path: <cache>/<source>.gpkg`` and ``layer:
    <source>``, and ``id_column`` defaults to the cached layer's id column. The cache is
    ``cache_dir``, else the scenario's top-level ``data_cache`` (relative to ``base_dir``;
    removed from the mapping), else :func:`default_cache_dir`.

    Parameters
    ----------
    raw
        A merged raw scenario mapping (as from :func:`opvang_opt.scenario.load_raw`).
    base_dir
        Folder of the scenario file.
    cache_dir
        The cache folder, overriding the scenario's.

    Returns
    -------
    dict
        A new mapping (``raw`` is not changed); unchanged when no layer uses ``source``.

    Raises
    ------
    ScenarioError
        For an unknown source name (did-you-mean) or a layer with both path and source.
    DataError
        When a named layer is not in the cache, or lacks one of the scenario's
        municipalities (with the command that fetches it).
    """
    from opvang_opt.scenario import did_you_mean

    layers = raw.get("layers")
    uses = isinstance(layers, dict) and any(
        isinstance(v, dict) and "source" in v for v in layers.values()
    )
    if not uses and "data_cache" not in raw:
        return raw
    out = dict(raw)
    declared = out.pop("data_cache", None)
    if cache_dir is not None:
        cache = Path(cache_dir)
    elif declared:
        cache = Path(declared)
        if not cache.is_absolute() and base_dir is not None:
            cache = Path(base_dir) / cache
    else:
        cache = default_cache_dir()
    if not uses:
        return out
    codes = [
        str(m.get("code")) for m in (raw.get("region") or {}).get("municipalities", [])
        if isinstance(m, dict)
    ]  # fmt: skip
    new_layers: dict[str, Any] = {}
    bad: list[Problem] = []
    missing: list[Problem] = []
    for key, spec in layers.items():
        if not (isinstance(spec, dict) and "source" in spec):
            new_layers[key] = spec
            continue
        spec = dict(spec)
        name = str(spec.pop("source"))
        where = f"layers.{key}.source"
        if "path" in spec:
            bad.append(Problem("give either path or source, not both", field=where))
            continue
        if name not in LAYERS:
            bad.append(Problem(f"unknown cached layer '{name}'{did_you_mean(name, LAYERS)}; "
                               f"known: {', '.join(LAYERS)}", field=where))  # fmt: skip
            continue
        meta = read_meta(cache, name)
        group = LAYERS[name].group
        fetch = f"opvang-opt data fetch {' '.join(f'--gemeente {c}' for c in codes)} " \
                f"--layers {group} --cache {cache}"  # fmt: skip
        if meta is None:
            missing.append(Problem(f"'{name}' is not in the cache {cache}; run: {fetch}",
                                   field=where))  # fmt: skip
            continue
        lacking = [c for c in codes if c not in meta.get("gemeenten", {})]
        if lacking:
            missing.append(Problem(f"the cached '{name}' lacks {', '.join(lacking)}; run: "
                                   f"{fetch}", field=where))  # fmt: skip
            continue
        spec["path"] = str(layer_path(cache, name).resolve())
        spec.setdefault("layer", name)
        spec.setdefault("id_column", meta.get("id_column", LAYERS[name].id_column))
        new_layers[key] = spec
    if bad:
        raise ScenarioError("Invalid layer sources", bad)
    if missing:
        raise DataError("Layers named by source are not in the data cache", missing)
    out["layers"] = new_layers
    return out


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

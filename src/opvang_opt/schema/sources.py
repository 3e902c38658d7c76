"""Cached public layers named in a scenario with ``source:`` (resolved to files by the loader).

Only path resolution lives here (standard library only); fetching is in
:mod:`opvang_opt.connectors`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from opvang_opt.errors import DataError, Problem, ScenarioError
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.texts import Message


def _m(code: str, /, **params: Any) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


CBS_LICENCE = "CC BY 4.0"
CBS_ATTRIBUTION = "CBS / Kadaster (PDOK)"
NATURA2000_LICENCE = "CC0 1.0 (public domain; see the PDOK metadata record)"
NATURA2000_ATTRIBUTION = "RVO / Ministerie van LNV (PDOK)"
OSM_LICENCE = "ODbL 1.0"
OSM_ATTRIBUTION = "© OpenStreetMap-bijdragers"

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
                               "municipality_code", CBS_LICENCE, CBS_ATTRIBUTION),
    "cbs_wijken": LayerInfo("cbs_wijken", "cbs", "CBS wijken met kerncijfers", "wijk_code",
                            CBS_LICENCE, CBS_ATTRIBUTION),
    "cbs_buurten": LayerInfo("cbs_buurten", "cbs", "CBS buurten met kerncijfers", "buurt_code",
                             CBS_LICENCE, CBS_ATTRIBUTION),
    "osm_pois": LayerInfo("osm_pois", "osm", "OpenStreetMap-voorzieningen", "poi_id",
                          OSM_LICENCE, OSM_ATTRIBUTION),
    "natura2000": LayerInfo("natura2000", "natura2000", "Natura 2000-gebieden", "n2k_id",
                            NATURA2000_LICENCE, NATURA2000_ATTRIBUTION),
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


# =========================================================================== scenario hook


def resolve_layer_sources(
    raw: dict[str, Any],
    *,
    base_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    missing: list[Problem] | None = None,
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
        A merged raw scenario mapping (as from :func:`opvang_opt.schema.load_raw`).
    base_dir
        Folder of the scenario file.
    cache_dir
        The cache folder, overriding the scenario's.
    missing
        When given, a layer that is not in the cache (or lacks a municipality) is appended
        here, its source being the file it would be, and still gets that path, so the other
        inputs can be checked too (see :func:`opvang_opt.io.load`). Otherwise it is raised.

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
    if not uses or not isinstance(layers, dict):
        return out
    codes = [
        str(m.get("code")) for m in (raw.get("region") or {}).get("municipalities", [])
        if isinstance(m, dict)
    ]  # fmt: skip
    new_layers: dict[str, Any] = {}
    bad: list[Problem] = []
    absent: list[Problem] = []
    for key, spec in layers.items():
        if not (isinstance(spec, dict) and "source" in spec):
            new_layers[key] = spec
            continue
        spec = dict(spec)
        name = str(spec.pop("source"))
        where = f"layers.{key}.source"
        if "path" in spec:
            bad.append(Problem(_m("source.path_and_source"), field=where))
            continue
        if name not in LAYERS:
            bad.append(Problem(_m("source.unknown_layer", name=name, hint=did_you_mean_hint(
                name, LAYERS), known=", ".join(LAYERS)), field=where))  # fmt: skip
            continue
        meta = read_meta(cache, name)
        group = LAYERS[name].group
        fetch = f"opvang-opt data fetch {' '.join(f'--gemeente {c}' for c in codes)} " \
                f"--layers {group} --cache {cache}"  # fmt: skip
        file = str(layer_path(cache, name).resolve())
        lacking = [c for c in codes if c not in (meta or {}).get("gemeenten", {})]
        if meta is None:
            absent.append(Problem(_m("source.not_cached", name=name, cache=str(cache),
                                     fetch=fetch), source=file, field=where))  # fmt: skip
        elif lacking:
            absent.append(Problem(_m("source.lacks", name=name, codes=", ".join(lacking),
                                     fetch=fetch), source=file, field=where))  # fmt: skip
        if (meta is None or lacking) and missing is None:
            continue
        meta = meta or {}
        spec["path"] = file
        spec.setdefault("layer", name)
        spec.setdefault("id_column", meta.get("id_column", LAYERS[name].id_column))
        new_layers[key] = spec
    if bad:
        raise ScenarioError(_m("source.invalid"), bad)
    if absent and missing is None:
        raise DataError(_m("source.absent"), absent)
    if missing is not None:
        missing += absent
    out["layers"] = new_layers
    return out

# ruff: noqa: E501  (the embedded JavaScript/HTML template reads best with long lines)
"""The interactive Folium map of a run (``map.html``).

Design, for maps of up to 10,000 sites:

- Every layer's data is embedded once as compact JSON: geometries simplified in RD New
  and rounded in WGS84 (6 decimals, about 0.1 m; 5 for very large maps), properties
  with short keys. Popups and tooltips are built in the browser, when opened, from those
  properties and the criteria table that is embedded once.
- Every text that comes from an input file (site names, reasons, labels, notes) is
  HTML-escaped here, in Python, before it is put into the JSON; the browser code inserts
  those strings as they are and only formats numbers itself. The JSON is embedded with
  ``<``, ``>`` and ``&`` written as ``\\u`` escapes, so no input can close the script.
- The page uses Leaflet only (no jQuery, Bootstrap, Font Awesome or d3). By default
  Leaflet's script and style sheet (images as data URIs) are inlined from the copy in
  ``outputs/assets`` (BSD-2-Clause, ``LEAFLET-LICENSE``), so the file works from a USB
  stick with the network off; ``self_contained=False`` loads them from the CDN instead
  (:data:`CDN_ASSETS`). Background tiles are optional (``tiles``); without network the
  map says so and shows its own layers on a plain background.
"""

from __future__ import annotations

import html
import json
import math
from importlib.resources import files
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from opvang_opt.outputs import content
from opvang_opt.outputs.privacy import Profile
from opvang_opt.pipeline import RunResult
from opvang_opt.texts import CATALOGUE, Lang, fmt_date, fmt_number, render, t

SCORE_BREAKS = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
"""Fixed score classes, so colours mean the same in every run."""
SCORE_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
EXCLUDED_COLOUR = "#9e9e9e"
SHORTLIST_EDGE = "#08306b"
LAYOUT_COLOUR = "#6baed6"
ALLOCATION_COLOUR = "#e6550d"
FLOW_COLOUR = "#6a3d9a"
POI_COLOURS = ("#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3",
               "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99")  # fmt: skip
CONSTRAINT_COLOURS = ("#238b45", "#cb181d", "#fd8d3c", "#756bb1", "#8c6d31", "#3182bd")
WGS84 = "EPSG:4326"

LEAFLET_VERSION = "1.9.3"
LEAFLET_JS = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
CDN_ASSETS: dict[str, tuple[str, str]] = {
    LEAFLET_JS: (f"leaflet@{LEAFLET_VERSION}", "dist/leaflet.js"),
    LEAFLET_CSS: (f"leaflet@{LEAFLET_VERSION}", "dist/leaflet.css"),
}
"""Every script and style sheet ``map.html`` loads: URL -> (npm package, file in it).

Leaflet's CSS also loads its own images (``dist/images/*.png``) relative to itself. The
background tiles (:data:`OSM_TILES`) are the only other external requests."""

LARGE_MAP = 3000
"""From this many site features on, the map draws on a canvas and rounds to 5 decimals."""


class LeafletMap(folium.Map):
    """A Folium map that loads Leaflet and nothing else from a CDN."""

    default_js: list[tuple[str, str]] = [("leaflet", LEAFLET_JS)]  # noqa: RUF012 (folium: instance attribute)
    default_css: list[tuple[str, str]] = [("leaflet_css", LEAFLET_CSS)]  # noqa: RUF012 (folium: instance attribute)


class InlineLeafletMap(folium.Map):
    """A Folium map that references no external file: Leaflet is inlined in the page."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium: instance attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012 (folium: instance attribute)


def leaflet_inline() -> str:
    """Leaflet's style sheet and script as inline ``<style>`` and ``<script>`` elements."""
    assets = files("opvang_opt.outputs") / "assets"
    css = (assets / "leaflet.css").read_text(encoding="utf-8")
    js = (assets / "leaflet.js").read_text(encoding="utf-8")
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover (vendored)
        raise ValueError("the vendored Leaflet cannot be inlined")
    return (
        f"<!-- Leaflet {LEAFLET_VERSION}, BSD-2-Clause, (c) Vladimir Agafonkin, CloudMade -->\n"
        f"<style>{css}</style>\n<script>{js}</script>"
    )


# ----------------------------------------------------------------------------- helpers
def _esc(value: object) -> str:
    """HTML-escape a value for the page (``None`` and NaN become empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def map_unit(unit: str, lang: Lang) -> str:
    """The unit shown after a number in a popup or table: none for a count ('3', not
    '3 aantal'), the catalogue's word otherwise."""
    if unit in ("count", "aantal"):
        return ""
    if unit in ("share", "aandeel"):
        return "(" + content.unit_label("share", lang) + ")"
    return content.unit_label(unit, lang)


def poi_label(category: str, lang: Lang) -> str:
    """The readable label of a point-of-interest category (the code when unknown)."""
    key = f"map.poi_{category}"
    return t(key, lang) if key in CATALOGUE else category


def score_colour(score: float) -> str:
    """Colour of a score's class (fixed classes of 20 points)."""
    return SCORE_COLOURS[score_class(score)]


def score_class(score: float) -> int:
    """Index of a score's class (0: 0-20, ..., 4: 80-100)."""
    if score is None or not np.isfinite(score):
        return 0
    return min(int(max(score, 0.0) // 20), len(SCORE_COLOURS) - 1)


def safe_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>``, ``&`` as such)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _finite(value: Any, digits: int) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def geometries(
    geoms: gpd.GeoSeries, *, simplify_m: float = 0.0, decimals: int = 6
) -> list[dict[str, Any] | None]:
    """GeoJSON geometries in WGS84, simplified (metres, RD New) and rounded.

    Parameters
    ----------
    geoms
        Geometries in a projected CRS (RD New).
    simplify_m
        Douglas-Peucker tolerance in metres (topology preserved); 0 keeps every vertex.
    decimals
        Decimals of the WGS84 coordinates (6 is about 0.1 m, 5 about 1 m).
    """
    if simplify_m > 0:
        geoms = geoms.simplify(simplify_m, preserve_topology=True)
    wgs = geoms.to_crs(WGS84).values
    rounded = shapely.transform(wgs, lambda c: np.round(c, decimals))
    out: list[dict[str, Any] | None] = []
    for g in rounded:
        out.append(None if g is None or g.is_empty else shapely.geometry.mapping(g))
    return out


def _collection(geoms: list[dict[str, Any] | None], props: list[dict[str, Any]]) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g, "properties": p}
            for g, p in zip(geoms, props, strict=True)
            if g is not None
        ],
    }


# ----------------------------------------------------------------------------- data
def map_data(result: RunResult, lang: Lang, profile: Profile = "council") -> dict[str, Any]:
    """Everything the map's browser code draws, as plain JSON-ready data.

    All strings are HTML-escaped already; counts of persons and households are text,
    suppressed below 5 for the ``council`` profile.

    Returns
    -------
    dict
        ``texts``, ``criteria``, ``sites`` (a FeatureCollection), ``boundaries``,
        ``layouts``, ``pois``, ``constraints``, ``allocation``, ``flows``, ``large``.
    """
    sites = result.siting.sites
    id_col = result.inputs.siting.id_column
    name_col = content.site_name_column(result)
    large = len(sites) >= LARGE_MAP
    decimals = 5 if large else 6
    crit = result.siting.criteria
    share = None
    sens = result.siting.sensitivity
    if sens is not None and "shortlist_share" in sens.columns and len(sens) == len(sites):
        share = sens["shortlist_share"].to_numpy()
    alloc = content.allocation_by_site(result)
    alloc_ids = set(alloc["site_id"]) if alloc is not None else set()

    ids = sites[id_col].astype(str).to_numpy()
    names = sites[name_col].to_numpy() if name_col else np.full(len(sites), "")
    excluded = sites["excluded"].to_numpy(bool)
    shortlisted = sites["shortlisted"].to_numpy(bool)
    score = sites["score"].to_numpy(float)
    rank = sites["rank"].to_numpy()
    cap_u = sites["capacity_units"].to_numpy()
    cap_p = sites["capacity_places"].to_numpy()
    reasons = sites["exclusion_reasons"].to_numpy()
    decisions = [str(render(d, lang)) for d in sites["decision"]]
    flags = sites["location_flags"].to_numpy() if "location_flags" in sites else None
    munis = sites["municipality"].to_numpy() if "municipality" in sites else None
    overlaps = sites["overlaps_with"].to_numpy() if "overlaps_with" in sites else None
    ind = [sites[c.indicator_column].to_numpy(float) for c in crit]
    val = [sites[c.value_column].to_numpy(float) for c in crit]
    props = []
    for i in range(len(sites)):
        p: dict[str, Any] = {
            "i": _esc(ids[i]),
            "n": _esc(names[i]),
            "s": _finite(score[i], 1),
            "k": -1 if excluded[i] else score_class(score[i]),
            "d": _esc(decisions[i]),
            "v": [_finite(a[i], 2 if c.kind == "overlap_share" else 0) for a, c in
                  zip(ind, crit, strict=True)],
            "w": [_finite(a[i], 2) for a in val],
        }  # fmt: skip
        if excluded[i]:
            p["x"] = 1
            given = reasons[i]  # a tuple of messages (or plain text from a notebook)
            items = given.split("; ") if isinstance(given, str) else given
            p["e"] = [_esc(render(m, lang)) for m in items if m]
        else:
            p["r"] = int(rank[i])
            p["c"] = int(cap_u[i])
            p["p"] = int(cap_p[i])
        if shortlisted[i]:
            p["l"] = 1
        if munis is not None and munis[i]:
            p["m"] = _esc(munis[i])
        # border, outside the region, stated municipality, overlaps, repaired geometry
        shown = [_esc(render(m, lang)) for m in flags[i]] if flags is not None and flags[i] else []
        overlap = content.overlap_flag(overlaps[i], lang) if overlaps is not None else ""
        if overlap:
            shown.append(_esc(overlap))
        if shown:
            p["f"] = shown
        if share is not None and _finite(share[i], 2) is not None:
            p["q"] = _finite(share[i], 2)
        if ids[i] in alloc_ids:
            p["a"] = 1
        props.append(p)
    site_fc = _collection(geometries(sites.geometry, simplify_m=0.5, decimals=decimals), props)

    data: dict[str, Any] = {
        "large": large,
        "texts": _texts(result, lang),
        "criteria": [
            {
                "label": _esc(c.label),
                "unit": "" if c.unit in content.WORDED_UNITS else _esc(map_unit(c.unit, lang)),
                "word": ("share" if c.unit == "aandeel" else c.unit)
                if c.unit in content.WORDED_UNITS
                else "",
                "weight": round(c.weight, 4),
                "digits": 2 if c.kind == "overlap_share" else 0,
            }
            for c in crit
        ],
        "sites": site_fc,
        "boundaries": _boundaries(result),
        "layouts": _layouts(result, lang),
        "pois": _pois(result, lang),
        "constraints": _constraints(result),
        "allocation": _allocation(result, alloc, profile),
        "services": _services_rows(result, lang),
        "flows": _flows(result, lang),
        "planning": _planning(result, lang),
    }
    return data


def _planning(result: RunResult, lang: Lang) -> list[dict[str, Any]] | None:
    """Per period the open sites of the plan: location, units, built and moved in."""
    res = result.planning
    if res is None or res.plan is None:
        return None
    from opvang_opt.outputs.planning import site_points

    inst, p = res.instance, res.plan
    points = site_points(result)
    out = []
    for k, period in enumerate(inst.periods):
        rows = []
        for s, site in enumerate(inst.sites):
            if not p.open[s, k] or site.site_id not in points:
                continue
            lat, lon = points[site.site_id]
            units, built, moved = int(p.units[s, k]), int(p.built[s, k]), int(p.moved_in[s, k])
            if lang == "nl":
                text = f"{site.name}: {units} woningen in {period}"
                extra = f" ({built} nieuw, {moved} verplaatst)" if built or moved else ""
            else:
                text = f"{site.name}: {units} units in {period}"
                extra = f" ({built} new, {moved} moved)" if built or moved else ""
            rows.append({"ll": [round(lat, 6), round(lon, 6)], "u": units,
                         "t": _esc(text + extra), "new": 1 if built or moved else 0})  # fmt: skip
        out.append({"key": f"plan_{k}", "period": _esc(period), "rows": rows})
    return out


LOCALES = {"nl": "nl-NL", "en": "en-GB"}
"""The browser locale that formats the map's numbers per language."""


def _texts(result: RunResult, lang: Lang) -> dict[str, str]:
    keys = ("score", "rank", "capacity", "units", "places", "reasons", "decision", "criterion",
            "measured", "value", "weight", "robust", "none", "alloc_units", "alloc_occupied",
            "alloc_households", "alloc_persons", "alloc_occupancy", "shortlist", "layout",
            "allocation", "municipality", "flags")  # fmt: skip
    words = {k: _esc(t(f"common.{k}", lang)) for k in ("yes", "no")}
    return {k: _esc(t(f"map.{k}", lang)) for k in keys} | words | {"locale": LOCALES[lang]}


NAME_COLUMNS = ("name", "naam", "gemeentenaam", "wijknaam", "buurtnaam", "statnaam", "label")
"""Columns that may hold a feature's name, in order (CBS uses gemeentenaam, wijknaam, ...)."""


def _name_column(gdf: gpd.GeoDataFrame) -> str | None:
    return next((c for c in NAME_COLUMNS if c in gdf.columns), None)


def _boundaries(result: RunResult) -> dict[str, Any]:
    sc = result.scenario
    out: dict[str, Any] = {}
    for key, layer_name in (("municipalities", sc.region.boundaries),
                            ("districts", sc.region.districts)):  # fmt: skip
        if layer_name is None or layer_name not in result.inputs.layers:
            continue
        bnd = result.inputs.layers[layer_name]
        col = _name_column(bnd)
        props = [{"t": _esc(v)} for v in (bnd[col] if col else [""] * len(bnd))]
        out[key] = _collection(geometries(bnd.geometry, simplify_m=2.0), props)
    return out


def _layouts(result: RunResult, lang: Lang) -> dict[str, Any] | None:
    lay = result.siting.layouts
    if lay is None or not len(lay):
        return None
    props = [
        {"t": _esc(f"{sid}: {u} {t('map.units', lang)}")}
        for sid, u in zip(lay["site_id"], lay["units"], strict=True)
    ]
    return _collection(geometries(lay.geometry, decimals=7), props)


def _pois(result: RunResult, lang: Lang = "nl") -> list[dict[str, Any]]:
    out = []
    n = 0
    for layer_name, col in content.poi_layers(result).items():
        gdf = result.inputs.layers[layer_name]
        if gdf.empty:
            continue
        name_col = _name_column(gdf)
        pts = gdf.geometry.representative_point().to_crs(WGS84)
        cats = gdf[col].astype(str)
        for cat in sorted(cats.unique()):
            mask = (cats == cat).to_numpy()
            names = gdf.loc[mask, name_col] if name_col else pd.Series([""] * int(mask.sum()))
            rows = [
                [round(p.y, 6), round(p.x, 6), _esc(nm)]
                for p, nm in zip(pts[mask], names, strict=True)
            ]
            out.append({
                "key": f"poi_{n}", "layer": _esc(layer_name), "label": _esc(poi_label(cat, lang)),
                "colour": POI_COLOURS[n % len(POI_COLOURS)], "points": rows,
            })  # fmt: skip
            n += 1
    return out


def _constraints(result: RunResult) -> list[dict[str, Any]]:
    out = []
    for n, layer in enumerate(content.constraint_layers(result)):
        gdf = result.inputs.layers[layer.name]
        col = _name_column(gdf)
        label = layer.label
        props = [
            {"t": _esc(f"{label}: {v}" if col and pd.notna(v) else label)}
            for v in (gdf[col] if col else [None] * len(gdf))
        ]
        out.append({
            "key": f"constraint_{n}", "label": _esc(label), "role": layer.role,
            "colour": CONSTRAINT_COLOURS[n % len(CONSTRAINT_COLOURS)],
            "data": _collection(geometries(gdf.geometry, simplify_m=2.0), props),
        })  # fmt: skip
    return out


def _allocation(
    result: RunResult, by_site: pd.DataFrame | None, profile: Profile
) -> dict[str, Any] | None:
    if by_site is None or by_site.empty:
        return None
    shown = content.allocation_for_profile(by_site, profile)
    groups = content.allocation_groups(by_site)
    pts = content.allocation_points(result, by_site)
    valid = pts.notna().to_numpy() & ~pts.is_empty.fillna(True).to_numpy()
    wgs = gpd.GeoSeries(pts[valid], crs=pts.crs).to_crs(WGS84)
    rows = []
    for (_, r), p, raw in zip(shown[valid].iterrows(), wgs, by_site[valid]["persons"],
                              strict=True):  # fmt: skip
        rows.append({
            "ll": [round(p.y, 6), round(p.x, 6)],
            "i": _esc(r["site_id"]), "n": _esc(r.get("name", "")),
            "u": int(r["units"]) if "units" in r else None,
            "o": _esc(r["occupied_units"]) if "occupied_units" in r else None,
            "h": _esc(r.get("households", "")), "p": _esc(r["persons"]),
            "g": [_esc(r[f"persons_{g}"]) for g in groups],
            "occ": _finite(r.get("occupancy"), 3),
            "size": float(np.sqrt(content.marker_persons(np.array([raw]), profile)[0])),
        })  # fmt: skip
    return {"groups": [_esc(g) for g in groups], "rows": rows}


def _flows(result: RunResult, lang: Lang) -> list[dict[str, Any]]:
    """Exchange flows: a bent line per (from, to), so opposite flows do not overlap."""
    sc = result.scenario
    if result.exchange is None or result.exchange.result is None or sc.region.boundaries is None:
        return []
    flows = result.exchange.result.flows
    if flows is None or flows.empty:
        return []
    bnd = result.inputs.layers[sc.region.boundaries]
    code_col = sc.layers[sc.region.boundaries].id_column or "municipality_code"
    if code_col not in bnd.columns:
        return []
    pts = bnd.set_index(bnd[code_col].astype(str)).geometry.representative_point()
    labels = {}
    if sc.exchange is not None:
        labels = {g.name: (g.label or g.name) for g in sc.exchange.groups}
    out = []
    pairs = flows.groupby(["from_code", "to_code", "from_name", "to_name"], sort=True)
    for (src, dst, src_name, dst_name), rows in pairs:
        if src not in pts.index or dst not in pts.index:
            continue
        total = float(rows["places"].sum())
        a, b = pts[src], pts[dst]
        dx, dy = b.x - a.x, b.y - a.y
        ctrl = ((a.x + b.x) / 2 - dy * 0.15, (a.y + b.y) / 2 + dx * 0.15)
        s = np.linspace(0, 1, 21)
        xs = (1 - s) ** 2 * a.x + 2 * (1 - s) * s * ctrl[0] + s**2 * b.x
        ys = (1 - s) ** 2 * a.y + 2 * (1 - s) * s * ctrl[1] + s**2 * b.y
        line = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=bnd.crs).to_crs(WGS84)
        detail = "; ".join(
            f"{_esc(labels.get(g, g))}: {fmt_number(p, lang)}"
            for g, p in zip(rows["group"], rows["places"], strict=True)
        )
        total_txt = f"{total:,.0f}".replace(",", ".")
        out.append({
            "line": [[round(p.y, 6), round(p.x, 6)] for p in line],
            "label": f"{_esc(src_name)} &rarr; {_esc(dst_name)}: {total_txt}",
            "text": f"{_esc(src_name)} &rarr; {_esc(dst_name)}: {total_txt} ({detail})",
            "weight": 2 + min(total, 200) / 20,
        })  # fmt: skip
    return out


# ----------------------------------------------------------------------------- page
_SCRIPT = Template(
    """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this.map_name }};
  var D = {{ this.data }};
  var G = { {% for key, name in this.groups.items() %}{{ key|tojson }}: {{ name }}, {% endfor %} };
  var T = D.texts;
  var COLOURS = {{ this.colours }};
  window.opvangMap = { map: map, groups: G, data: D };
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  if (D.attribution) { map.attributionControl.addAttribution(D.attribution); }
  var renderer = D.large ? L.canvas({ padding: 0.2 }) : L.svg();
  // numbers only: every string in D is HTML-escaped on the server
  function num(v, d) {
    if (v === null || v === undefined) { return T.none; }
    return Number(v).toLocaleString(T.locale, { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function measured(v, c) {
    if (c.word === "yes_no") { return (v === null || v === undefined) ? T.none : (v ? T.yes : T.no); }
    if (c.word === "eur") { return (v === null || v === undefined) ? T.none : "EUR " + num(v, 0); }
    if (c.word === "share") { return (v === null || v === undefined) ? T.none : num(100 * v, 0) + "%"; }
    return num(v, c.digits) + " " + c.unit;
  }
  function pct(v) { return (v === null || v === undefined) ? "" : Math.round(v * 100) + "%"; }
  function sitePopup(p) {
    var h = "<div class='site-popup'><b>" + p.n + "</b> <small>(" + p.i + ")</small>";
    if (p.x) {
      h += "<p><b>" + T.reasons + ":</b></p><ul>";
      for (var j = 0; j < p.e.length; j++) { h += "<li>" + p.e[j] + "</li>"; }
      h += "</ul>";
    } else {
      h += "<p>" + T.score + ": <b>" + num(p.s, 1) + "</b> &middot; " + T.rank + " " + p.r +
        " &middot; " + T.capacity + " " + p.c + " " + T.units + " (" + p.p + " " + T.places + ")</p>";
    }
    if (p.m) { h += "<p>" + T.municipality + ": " + p.m + "</p>"; }
    if (p.f) {
      h += "<div class='site-flags'><b>" + T.flags + ":</b><ul>";
      for (var f = 0; f < p.f.length; f++) { h += "<li>" + p.f[f] + "</li>"; }
      h += "</ul></div>";
    }
    h += "<p>" + T.decision + ": " + p.d + "</p>";
    if (p.q !== undefined) { h += "<p>" + T.robust + ": " + pct(p.q) + "</p>"; }
    h += "<table class='score-table'><thead><tr><th>" + T.criterion + "</th><th>" + T.measured +
      "</th><th>" + T.value + "</th><th>" + T.weight + "</th></tr></thead><tbody>";
    for (var k = 0; k < D.criteria.length; k++) {
      var c = D.criteria[k];
      h += "<tr><td>" + c.label + "</td><td>" + measured(p.v[k], c) + "</td><td>" +
        num(p.w[k], 2) + "</td><td>" + pct(c.weight) + "</td></tr>";
    }
    return h + "</tbody></table></div>";
  }
  function siteTip(p) {
    return p.n + " (" + p.i + ")" + (p.x ? "" : " &middot; " + num(p.s, 1));
  }
  function sites(filter, style, cls) {
    return L.geoJSON(D.sites, {
      filter: function (f) { return filter(f.properties); },
      style: function (f) { var s = style(f.properties); s.className = cls; s.renderer = renderer; return s; },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return sitePopup(f.properties); }, { maxWidth: 440 });
        layer.bindTooltip(function () { return siteTip(f.properties); }, { sticky: true });
      }
    });
  }
  if (G.municipalities && D.boundaries.municipalities) {
    L.geoJSON(D.boundaries.municipalities, {
      style: { color: "#333333", weight: 2.5, fill: false, className: "bnd-municipality" },
      onEachFeature: function (f, l) { if (f.properties.t) { l.bindTooltip(f.properties.t); } }
    }).addTo(G.municipalities);
  }
  if (G.districts && D.boundaries.districts) {
    L.geoJSON(D.boundaries.districts, {
      style: { color: "#555555", weight: 1, dashArray: "4", fill: false, className: "bnd-district" },
      onEachFeature: function (f, l) { if (f.properties.t) { l.bindTooltip(f.properties.t); } }
    }).addTo(G.districts);
  }
  D.constraints.forEach(function (c) {
    L.geoJSON(c.data, {
      style: { color: c.colour, weight: 2, fillColor: c.colour, fillOpacity: 0.25, className: "constraint" },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.t, { sticky: true }); }
    }).addTo(G[c.key]);
  });
  sites(function (p) { return !p.x; }, function (p) {
    return { fillColor: COLOURS[p.k], color: "#444444", weight: 1, fillOpacity: 0.7 };
  }, "site site-longlist").addTo(G.longlist);
  sites(function (p) { return p.x; }, function () {
    return { fillColor: "{{ this.excluded_colour }}", color: "#616161", weight: 1, fillOpacity: 0.55 };
  }, "site site-excluded").addTo(G.excluded);
  if (G.shortlist) {
    sites(function (p) { return p.l; }, function () {
      return { color: "{{ this.shortlist_edge }}", weight: 4, fill: true, fillOpacity: 0.0 };
    }, "site site-shortlist").addTo(G.shortlist);
  }
  if (G.layout && D.layouts) {
    L.geoJSON(D.layouts, {
      style: { color: "#08306b", weight: 0.5, fillColor: "{{ this.layout_colour }}", fillOpacity: 0.8, className: "layout" },
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.t); }
    }).addTo(G.layout);
  }
  D.pois.forEach(function (c) {
    c.points.forEach(function (pt) {
      var m = L.circleMarker([pt[0], pt[1]], { radius: 4, color: "#ffffff", weight: 1, fillColor: c.colour,
        fillOpacity: 0.95, className: "poi", renderer: renderer });
      m.bindTooltip(c.label + (pt[2] ? ": " + pt[2] : ""));
      m.addTo(G[c.key]);
    });
  });
  if (G.allocation && D.allocation) {
    D.allocation.rows.forEach(function (r) {
      var h = "<div class='alloc-popup'><b>" + r.n + "</b> <small>(" + r.i + ")</small>" +
        "<table class='alloc-table'><tbody>" +
        "<tr><td>" + T.alloc_units + "</td><td>" + (r.u === null ? "" : r.u) + "</td></tr>" +
        "<tr><td>" + T.alloc_occupied + "</td><td>" + (r.o === null ? "" : r.o) + "</td></tr>" +
        (r.h ? "<tr><td>" + T.alloc_households + "</td><td>" + r.h + "</td></tr>" : "") +
        "<tr><td>" + T.alloc_persons + "</td><td>" + r.p + "</td></tr>";
      for (var j = 0; j < D.allocation.groups.length; j++) {
        h += "<tr><td>&nbsp;&nbsp;" + D.allocation.groups[j] + "</td><td>" + r.g[j] + "</td></tr>";
      }
      h += "<tr><td>" + T.alloc_occupancy + "</td><td>" + pct(r.occ) + "</td></tr></tbody></table></div>";
      var m = L.circleMarker(r.ll, { radius: 6 + 1.5 * r.size, color: "#7f2704", weight: 1.5,
        fillColor: "{{ this.allocation_colour }}", fillOpacity: 0.6, className: "allocation" });
      m.bindPopup(h, { maxWidth: 320 });
      m.bindTooltip(r.n + ": " + r.p + " " + T.alloc_persons.toLowerCase() + ", " + pct(r.occ));
      m.addTo(G.allocation);
    });
  }
  if (G.flows) {
    D.flows.forEach(function (f) {
      var line = L.polyline(f.line, { color: "{{ this.flow_colour }}", weight: f.weight, opacity: 0.8, className: "flow" });
      line.bindTooltip(f.text, { sticky: true });
      line.bindPopup(f.text, { maxWidth: 320 });
      line.addTo(G.flows);
      var head = f.line[f.line.length - 3], mid = f.line[Math.floor(f.line.length / 2)];
      L.marker(mid, { interactive: false, icon: L.divIcon({ className: "flow-label", iconSize: null,
        html: "<div style='font-size:11px;font-weight:bold;color:{{ this.flow_colour }};white-space:nowrap;" +
          "text-shadow:0 0 3px #fff'>" + f.label + "</div>" }) }).addTo(G.flows);
      L.circleMarker(head, { radius: 4, color: "{{ this.flow_colour }}", fillOpacity: 1, interactive: false }).addTo(G.flows);
    });
  }
  (D.planning || []).forEach(function (per) {
    if (!G[per.key]) { return; }
    per.rows.forEach(function (r) {
      var m = L.circleMarker(r.ll, { radius: 4 + Math.sqrt(r.u), color: r.new ? "#d94801" : "#4a1486",
        weight: r.new ? 3 : 1.5, fillColor: "#807dba", fillOpacity: 0.7, className: "plan" });
      m.bindTooltip(r.t);
      m.bindPopup(r.t, { maxWidth: 320 });
      m.addTo(G[per.key]);
    });
  });
  if (G.shortlist) { G.shortlist.bringToFront(); }
  window.opvangReady = true;
})();
{% endmacro %}
"""
)


class _Layers(MacroElement):
    """The browser code that draws every layer into its Folium feature group."""

    def __init__(self, map_name: str, data: dict[str, Any], groups: dict[str, str]) -> None:
        super().__init__()
        self._name = "OpvangLayers"
        self._template = _SCRIPT
        self.map_name = map_name
        self.data = safe_json(data)
        self.groups = groups
        self.colours = json.dumps(list(SCORE_COLOURS))
        self.excluded_colour = EXCLUDED_COLOUR
        self.shortlist_edge = SHORTLIST_EDGE
        self.layout_colour = LAYOUT_COLOUR
        self.allocation_colour = ALLOCATION_COLOUR
        self.flow_colour = FLOW_COLOUR


def layer_names(data: dict[str, Any], lang: Lang) -> list[tuple[str, str, bool]]:
    """The map's switchable layers: ``(key, layer-control label, shown at start)``.

    Labels are HTML-escaped (they are shown as HTML by Leaflet's layer control).
    """
    props = [f["properties"] for f in data["sites"]["features"]]
    n_ex = sum(1 for p in props if p.get("x"))
    n_sl = sum(1 for p in props if p.get("l"))
    out: list[tuple[str, str, bool]] = []
    if "municipalities" in data["boundaries"]:
        out.append(("municipalities", _esc(t("map.municipalities", lang)), True))
    if "districts" in data["boundaries"]:
        out.append(("districts", _esc(t("map.districts", lang)), True))
    for c in data["constraints"]:
        prefix = _esc(
            t("map.constraint" if c["role"] == "exclusion" else "map.criterion_layer", lang)
        )
        out.append((c["key"], f"{prefix}: {c['label']}", c["role"] == "exclusion"))
    out.append(("longlist", f"{_esc(t('map.longlist', lang))} ({len(props) - n_ex})", True))
    out.append(("excluded", f"{_esc(t('map.excluded', lang))} ({n_ex})", True))
    if n_sl:
        out.append(("shortlist", f"{_esc(t('map.shortlist', lang))} ({n_sl})", True))
    if data["layouts"] is not None:
        out.append(("layout", _esc(t("map.layout", lang)), True))
    for c in data["pois"]:
        out.append(
            (c["key"], f"{_esc(t('map.poi', lang))}: {c['label']} ({len(c['points'])})", False)
        )
    if data["allocation"] is not None:
        out.append(("allocation", f"{_esc(t('map.allocation', lang))} ({len(data['allocation']['rows'])})",
                    True))  # fmt: skip
    if data["flows"]:
        out.append(("flows", _esc(t("map.flows", lang)), True))
    if data.get("services"):
        label = _esc(t("services.map_layer", lang))
        out.append(("services", f"{label} ({len(data['services']['rows'])})", True))
    for k, per in enumerate(data.get("planning") or []):
        unit = "locaties" if lang == "nl" else "sites"
        out.append((per["key"], f"Plan {per['period']} ({len(per['rows'])} {unit})", k == 0))
    return out


def build_map(
    result: RunResult,
    lang: Lang | None = None,
    profile: Profile = "council",
    *,
    self_contained: bool = True,
    tiles: bool = True,
) -> folium.Map:
    """Build the run's Folium map.

    Parameters
    ----------
    result
        The run.
    lang
        Language of the labels; defaults to the scenario's ``outputs.lang``.
    profile
        Export profile: ``council`` shows counts of persons below 5 as ``<5``.
    self_contained
        Inline Leaflet (default), so the page needs no network; else load it from the CDN.
    tiles
        Add the OpenStreetMap background (loaded when online; offline the map says so).

    Returns
    -------
    folium.Map
        Switchable layers: municipal and district boundaries, constraint layers, the
        longlist by score class, excluded sites (grey, with every reason), the shortlist
        with its capacity and unit layout, points of interest per category, the allocation
        per site (aggregated) and exchange flows with their numbers. A popup per site with
        its score table; title, legend, scale, attribution, run date, scenario name and hash.
    """
    sc = result.scenario
    lang = lang or sc.outputs.lang
    data = map_data(result, lang, profile)
    data["attribution"] = _esc(content.attribution(result, lang))
    wgs = result.siting.sites.geometry.to_crs(WGS84)
    minx, miny, maxx, maxy = wgs.total_bounds
    fmap = (InlineLeafletMap if self_contained else LeafletMap)(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=12,
        control_scale=False,
        tiles=None,
        prefer_canvas=bool(data["large"]),
        font_size="0.75rem",
    )
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium Map adds itself to a new Figure
    if self_contained:
        root.header.add_child(Element(leaflet_inline()), index=0)
    if tiles:
        tile_layer = folium.TileLayer(
            OSM_TILES, attr=f"&copy; {_esc(t('map.osm', lang))}", name="OpenStreetMap", max_zoom=19
        ).add_to(fmap)
        root.html.add_child(Element(_no_tiles_note(lang)))
        fmap.add_child(_TileErrorNote(tile_layer.get_name()))
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    groups: dict[str, str] = {}
    for key, label, show in layer_names(data, lang):
        fg = folium.FeatureGroup(name=label, show=show)
        fg.add_to(fmap)
        groups[key] = fg.get_name()
    fmap.add_child(_Layers(fmap.get_name(), data, groups))
    if data.get("services"):
        fmap.add_child(_ServicesMarkers(groups["services"], data["services"]))
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    root.header.add_child(Element(_STYLE))
    root.html.add_child(Element(_title_box(result, lang, profile)))
    root.html.add_child(Element(_legend(data, lang)))
    title = _esc(sc.outputs.title or sc.title or sc.name)
    root.header.add_child(Element(f"<title>{title}</title>"))
    return fmap


class _ServicesMarkers(MacroElement):
    """Circle markers of the providers in a feature group; popups built from JSON with
    ``textContent`` (input text never becomes HTML or script)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
(function () {
  var D = {{ this.data }};
  D.rows.forEach(function (r) {
    var box = document.createElement("div");
    [[r.name, true], [r.type, false], [D.now + ": " + r.places, false],
     [D.added + ": " + r.added, false]].forEach(function (line) {
      var p = document.createElement(line[1] ? "b" : "div");
      p.textContent = line[0];
      box.appendChild(p);
    });
    L.circleMarker([r.lat, r.lon], {radius: 6 + Math.min(r.added, 30) / 5, color: r.colour,
      fillColor: r.colour, fillOpacity: 0.8, className: "services"})
      .bindPopup(box).addTo({{ this.group }});
  });
})();
{% endmacro %}
"""
    )

    def __init__(self, group: str, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ServicesMarkers"
        self.group = group
        self.data = safe_json(data)


def _services_rows(result: RunResult, lang: Lang) -> dict[str, Any] | None:
    """The providers (schools with newcomer classes, GPs, youth care) and the opened
    temporary facilities, with their places now and added by the expansion plan."""
    if result.services is None:
        return None
    from pyproj import Transformer

    from opvang_opt.outputs.services import provider_layer, type_name

    colour = {"taalklas": "#6a51a3", "isk": "#3182bd", "gp": "#31a354", "youth_care": "#e6550d"}
    tr = Transformer.from_crs("EPSG:28992", WGS84, always_xy=True)
    rows = []
    for p in provider_layer(result.services):
        lon, lat = tr.transform(p["x"], p["y"])
        rows.append({"name": p["name"], "type": type_name(p["type"], lang),
                     "places": p["places"], "added": p["added"], "lat": round(lat, 6),
                     "lon": round(lon, 6), "colour": colour.get(p["type"], "#555")})  # fmt: skip
    return {"rows": rows, "now": t("services.map_places_now", lang),
            "added": t("services.map_added", lang)}  # fmt: skip


class _TileErrorNote(MacroElement):
    """Show the no-tiles note when the background layer fails to load a tile."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this.layer }}.on('tileerror', function () {"
        " document.getElementById('no-tiles').style.display = 'block'; });"
        "{% endmacro %}"
    )

    def __init__(self, layer: str) -> None:
        super().__init__()
        self._name = "TileErrorNote"
        self.layer = layer


def _no_tiles_note(lang: Lang) -> str:
    """A note, hidden until a background tile fails to load (no network)."""
    text = _esc(t("map.no_tiles_offline", lang))
    return (
        f"<div id='no-tiles' class='map-box' style='display:none;bottom:10px;left:10px'>"
        f"{text}</div>"
    )


_STYLE = """<style>
.score-table, .alloc-table { border-collapse: collapse; font-size: 11px; margin-top: 4px; }
.score-table th, .score-table td, .alloc-table td { border: 1px solid #ccc; padding: 1px 4px; }
.score-table th { background: #eee; }
.site-popup p { margin: 2px 0; }
.site-flags { color: #8a4b00; background: #fff4e0; padding: 2px 4px; margin: 2px 0; }
.site-flags ul { margin: 2px 0; padding-left: 16px; }
.map-box { position: fixed; z-index: 1000; background: rgba(255,255,255,0.93); padding: 6px 10px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-family: sans-serif; font-size: 12px; }
.map-legend .sw { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #555; }
.flow-label { background: none; border: none; }
</style>"""


def _legend(data: dict[str, Any], lang: Lang) -> str:
    rows = [f"<div><b>{_esc(t('map.score', lang))}</b></div>"]
    for i, colour in enumerate(SCORE_COLOURS):
        lo, hi = SCORE_BREAKS[i], SCORE_BREAKS[i + 1]
        rows.append(
            f"<div><span class='sw' style='background:{colour}'></span>{lo:.0f}-{hi:.0f}</div>"
        )
    rows.append(
        f"<div><span class='sw' style='background:{EXCLUDED_COLOUR}'></span>"
        f"{_esc(t('map.excluded_legend', lang))}</div>"
        f"<div><span class='sw' style='background:none;border:3px solid {SHORTLIST_EDGE}'></span>"
        f"{_esc(t('map.shortlist_legend', lang))}</div>"
    )
    if data["layouts"] is not None:
        rows.append(f"<div><span class='sw' style='background:{LAYOUT_COLOUR}'></span>"
                    f"{_esc(t('map.layout', lang))}</div>")  # fmt: skip
    for c in data["constraints"]:
        rows.append(f"<div><span class='sw' style='background:{c['colour']};opacity:.6'></span>"
                    f"{c['label']}</div>")  # fmt: skip
    if data["allocation"] is not None:
        rows.append(f"<div><span class='sw' style='background:{ALLOCATION_COLOUR};"
                    f"border-radius:7px'></span>{_esc(t('map.allocation_legend', lang))}</div>")  # fmt: skip
    if data["flows"]:
        rows.append(f"<div><span class='sw' style='background:{FLOW_COLOUR};height:3px;"
                    f"border:none'></span>{_esc(t('map.flows', lang))}</div>")  # fmt: skip
    for c in data["pois"]:
        rows.append(f"<div><span class='sw' style='background:{c['colour']};border-radius:7px'>"
                    f"</span>{c['label']}</div>")  # fmt: skip
    return (
        "<div id='map-legend' class='map-box map-legend' style='bottom:30px;right:10px;"
        "max-height:45vh;overflow:auto'>" + "".join(rows) + "</div>"
    )


def _title_box(result: RunResult, lang: Lang, profile: Profile) -> str:
    sc = result.scenario
    title = _esc(sc.outputs.title or sc.title or sc.name)
    lines = [f"<div style='font-size:15px;font-weight:bold'>{title}</div>"]
    if sc.outputs.fictitious:
        lines.append(
            "<div class='fictitious' style='color:#b71c1c;font-weight:bold'>"
            f"{t('map.fictitious', lang)}</div>"
        )
    summ = result.siting.summary
    lines.append(
        f"<div>{t('map.scenario', lang)}: {_esc(sc.name)} &middot; hash {_esc(result.scenario_hash)}"
        f" &middot; {t('map.run_date', lang)}: {_esc(fmt_date(result.started_at, lang))}</div>"
    )
    unit = t(f"map.{summ.target_unit}", lang)
    facts = {k: getattr(summ, k) for k in ("n_sites", "n_excluded", "n_shortlisted",
                                           "capacity_selected", "target")}  # fmt: skip
    lines.append(f"<div>{_esc(t('summary.map_line', lang, unit=unit, **facts))}</div>")
    if content.allocation_of(result) is not None:
        lines.append(f"<div style='font-size:11px'>{_esc(t(f'map.profile_{profile}', lang))}</div>")
    attribution = content.attribution(result, lang)
    if attribution:
        lines.append(
            f"<div style='font-size:11px'>{t('map.data', lang)}: {_esc(attribution)}</div>"
        )
    return (
        "<div id='map-title' class='map-box' style='top:10px;left:60px;max-width:460px'>"
        + "".join(lines)
        + "</div>"
    )

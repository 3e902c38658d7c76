"""The interactive Folium map of a run (``map.html``).

Every text that comes from an input file is escaped before it reaches the page:
popups and tooltips are built here as escaped HTML and shown as they are.
"""

from __future__ import annotations

import html
import math

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.outputs.i18n import Lang, t
from opvang_opt.pipeline import RunResult

SCORE_BREAKS = (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)
"""Fixed score classes, so colours mean the same in every run."""
SCORE_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
EXCLUDED_COLOUR = "#9e9e9e"
SHORTLIST_EDGE = "#08306b"
WGS84 = "EPSG:4326"


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _num(value: float, digits: int = 0) -> str:
    if value is None or not np.isfinite(value):
        return "geen"
    return f"{value:,.{digits}f}".replace(",", " ")


def score_colour(score: float) -> str:
    """Colour of a score's class (fixed classes of 20 points)."""
    idx = min(int(max(score, 0.0) // 20), len(SCORE_COLOURS) - 1)
    return SCORE_COLOURS[idx]


def site_popup(row: pd.Series, result: RunResult, lang: Lang) -> str:
    """Escaped HTML popup of one site: identity, decision and its score table."""
    sc = result.scenario.siting
    id_col = result.inputs.siting.id_column
    name = _esc(row.get(sc.name_column, ""))
    parts = [
        f"<div class='site-popup'><b>{name}</b> <small>({_esc(row[id_col])})</small>",
    ]
    if row["excluded"]:
        parts.append(f"<p><b>{t('reasons', lang)}:</b></p><ul>")
        parts += [f"<li>{_esc(m)}</li>" for m in str(row["exclusion_reasons"]).split("; ")]
        parts.append("</ul>")
    else:
        parts.append(
            f"<p>{t('score', lang)}: <b>{row['score']:.1f}</b> &middot; {t('rank', lang)} "
            f"{int(row['rank'])} &middot; {t('capacity', lang)} {int(row['capacity_units'])} "
            f"{t('units', lang)}</p>"
        )
    parts.append(f"<p>{t('decision', lang)}: {_esc(row['decision'])}</p>")
    share = row.get("shortlist_share")
    if share is not None and not (isinstance(share, float) and math.isnan(share)):
        parts.append(f"<p>{t('robust', lang)}: {float(share):.0%}</p>")
    parts.append(
        "<table class='score-table'><thead><tr>"
        f"<th>{t('criterion', lang)}</th><th>{t('measured', lang)}</th>"
        f"<th>{t('value', lang)}</th><th>{t('weight', lang)}</th></tr></thead><tbody>"
    )
    for c in result.siting.criteria:
        ind = row[c.indicator_column]
        digits = 2 if c.kind == "overlap_share" else 0
        parts.append(
            f"<tr><td>{_esc(c.label)}</td><td>{_num(ind, digits)} {_esc(c.unit)}</td>"
            f"<td>{row[c.value_column]:.2f}</td><td>{c.weight:.0%}</td></tr>"
        )
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _features(gdf: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    out = gdf[[*columns, "geometry"]].to_crs(WGS84)
    out["geometry"] = out.geometry.set_precision(1e-6)
    return out


def build_map(result: RunResult, lang: Lang | None = None) -> folium.Map:
    """Build the run's Folium map.

    Parameters
    ----------
    result
        The run.
    lang
        Language of the labels; defaults to the scenario's ``outputs.lang``.

    Returns
    -------
    folium.Map
        Layers: municipal and district boundaries, the scored longlist, excluded sites
        (grey, with every reason) and the shortlist; a legend, scale, title, run date,
        scenario name and hash.
    """
    sc = result.scenario
    lang = lang or sc.outputs.lang
    sites = result.siting.sites.copy()
    id_col = result.inputs.siting.id_column
    sens = result.siting.sensitivity
    if sens is not None and "shortlist_share" in sens.columns:
        sites["shortlist_share"] = sens["shortlist_share"].to_numpy()
    sites["popup_html"] = [site_popup(r, result, lang) for _, r in sites.iterrows()]
    sites["tooltip_html"] = [
        _esc(f"{r.get(sc.siting.name_column, '')} ({r[id_col]})") for _, r in sites.iterrows()
    ]
    sites["site_key"] = sites[id_col].astype(str)
    sites["colour"] = [
        EXCLUDED_COLOUR if ex else score_colour(s)
        for ex, s in zip(sites["excluded"], sites["score"], strict=True)
    ]
    wgs = sites.to_crs(WGS84)
    minx, miny, maxx, maxy = wgs.total_bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=12,
        control_scale=True,
        tiles="OpenStreetMap",
        attr="&copy; OpenStreetMap",
    )
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])

    layers = result.inputs.layers
    for key, layer_name in (
        ("municipalities", sc.region.boundaries),
        ("districts", sc.region.districts),
    ):
        if layer_name is None:
            continue
        bnd = layers[layer_name]
        name_col = next((c for c in ("name", "naam", "statnaam") if c in bnd.columns), None)
        g = _features(bnd, [name_col] if name_col else [])
        if name_col:
            g["tooltip_html"] = g[name_col].map(_esc)
        weight = 2.5 if key == "municipalities" else 1.0
        folium.GeoJson(
            g[["tooltip_html", "geometry"]] if name_col else g[["geometry"]],
            name=t(key, lang),
            style_function=lambda _f, w=weight: {
                "color": "#333333", "weight": w, "fill": False, "dashArray": "4" if w < 2 else None,
            },
            tooltip=folium.GeoJsonTooltip(["tooltip_html"], labels=False) if name_col else None,
        ).add_to(fmap)  # fmt: skip

    cols = ["site_key", "popup_html", "tooltip_html", "colour"]
    for key, mask, edge, weight in (
        ("longlist", ~sites["excluded"], "#444444", 1),
        ("excluded", sites["excluded"], "#616161", 1),
        ("shortlist", sites["shortlisted"], SHORTLIST_EDGE, 4),
    ):
        subset = sites[mask.to_numpy()]
        if subset.empty:
            continue
        fill = 0.0 if key == "shortlist" else 0.65
        folium.GeoJson(
            _features(subset, cols),
            name=f"{t(key, lang)} ({len(subset)})",
            style_function=lambda f, e=edge, w=weight, o=fill: {
                "fillColor": f["properties"]["colour"], "color": e, "weight": w,
                "fillOpacity": o,
            },
            popup=folium.GeoJsonPopup(["popup_html"], labels=False, max_width=420),
            tooltip=folium.GeoJsonTooltip(["tooltip_html"], labels=False),
        ).add_to(fmap)  # fmt: skip

    layouts = result.siting.layouts
    if layouts is not None and len(layouts):
        lay = _features(layouts, ["site_id", "units"])
        lay["tooltip_html"] = [
            _esc(f"{sid}: {u} {t('units', lang)}") for sid, u in zip(lay["site_id"], lay["units"],
                                                                  strict=True)
        ]  # fmt: skip
        folium.GeoJson(
            lay[["tooltip_html", "geometry"]],
            name=t("layout", lang),
            style_function=lambda _f: {"color": "#08306b", "weight": 0.5, "fillColor": "#6baed6",
                                       "fillOpacity": 0.8},
            tooltip=folium.GeoJsonTooltip(["tooltip_html"], labels=False),
        ).add_to(fmap)  # fmt: skip

    _add_flows(fmap, result, lang)

    legend = cm.StepColormap(
        list(SCORE_COLOURS), index=list(SCORE_BREAKS), vmin=0, vmax=100, caption=t("score", lang)
    )
    legend.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_title_box(result, lang)))
    return fmap


def _add_flows(fmap: folium.Map, result: RunResult, lang: Lang) -> None:
    """Exchange flows between municipalities: a line per (from, to) with the numbers."""
    sc = result.scenario
    if result.exchange is None or sc.region.boundaries is None:
        return
    flows = result.exchange.result.flows
    if flows is None or flows.empty:
        return
    bnd = result.inputs.layers[sc.region.boundaries]
    code_col = sc.layers[sc.region.boundaries].id_column or "municipality_code"
    if code_col not in bnd.columns:
        return
    pts = bnd.set_index(bnd[code_col].astype(str)).geometry.representative_point().to_crs(WGS84)
    group = folium.FeatureGroup(name=t("flows", lang))
    pairs = flows.groupby(["from_code", "to_code", "from_name", "to_name"], sort=True)
    for (src, dst, src_name, dst_name), rows in pairs:
        if src not in pts.index or dst not in pts.index:
            continue
        total = float(rows["places"].sum())
        detail = "; ".join(f"{_esc(g)}: {p:,.0f}" for g, p in zip(rows["group"], rows["places"],
                                                                strict=True))  # fmt: skip
        text = f"{_esc(src_name)} &rarr; {_esc(dst_name)}: {total:,.0f} ({detail})"
        a, b = pts[src], pts[dst]
        folium.PolyLine(
            [[a.y, a.x], [b.y, b.x]], color="#6a3d9a", weight=2 + min(total, 200) / 20,
            opacity=0.8, tooltip=text, popup=folium.Popup(text, max_width=300),
        ).add_to(group)  # fmt: skip
        mid = [(a.y + b.y) / 2, (a.x + b.x) / 2]
        folium.Marker(
            mid,
            icon=folium.DivIcon(
                html=f"<div class='flow-label' style='font-size:11px;font-weight:bold;"
                f"color:#6a3d9a;white-space:nowrap'>{total:,.0f} &rarr;</div>"
            ),
        ).add_to(group)
    group.add_to(fmap)


def _title_box(result: RunResult, lang: Lang) -> str:
    sc = result.scenario
    title = _esc(sc.outputs.title or sc.title or sc.name)
    lines = [f"<div style='font-size:15px;font-weight:bold'>{title}</div>"]
    if sc.outputs.fictitious:
        lines.append(
            "<div class='fictitious' style='color:#b71c1c;font-weight:bold'>"
            f"{t('fictitious', lang)}</div>"
        )
    summ = result.siting.summary
    lines.append(
        f"<div>{t('scenario', lang)}: {_esc(sc.name)} &middot; hash {_esc(result.scenario_hash)}"
        f" &middot; {t('run_date', lang)}: {_esc(result.started_at[:10])}</div>"
    )
    lines.append(
        f"<div>{summ['n_sites']} locaties, {summ['n_excluded']} uitgesloten, "
        f"{summ['n_shortlisted']} op shortlist; capaciteit {summ['capacity_selected']} van "
        f"{summ['target']}</div>"
        if lang == "nl"
        else f"<div>{summ['n_sites']} sites, {summ['n_excluded']} excluded, "
        f"{summ['n_shortlisted']} shortlisted; capacity {summ['capacity_selected']} of "
        f"{summ['target']}</div>"
    )
    lines.append(
        f"<div style='font-size:11px'><span style='background:{EXCLUDED_COLOUR}'>&nbsp;&nbsp;"
        f"&nbsp;</span> {t('excluded_legend', lang)} &nbsp; "
        f"<span style='border:3px solid {SHORTLIST_EDGE}'>&nbsp;&nbsp;&nbsp;</span> "
        f"{t('shortlist_legend', lang)}</div>"
    )
    if sc.outputs.attribution:
        lines.append(f"<div style='font-size:11px'>{_esc(sc.outputs.attribution)}</div>")
    return (
        "<div id='map-title' style='position:fixed;top:10px;left:60px;z-index:1000;"
        "background:rgba(255,255,255,0.92);padding:6px 10px;border-radius:4px;"
        "box-shadow:0 1px 4px rgba(0,0,0,0.3);max-width:460px;font-family:sans-serif;"
        "font-size:12px'>" + "".join(lines) + "</div>"
    )

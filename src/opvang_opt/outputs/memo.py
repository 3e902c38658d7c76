# ruff: noqa: E501  (the HTML template reads best with long lines)
"""The decision memo for the council (``raadsbijlage.pdf`` and ``raadsbijlage.html``).

Page one is the advice in plain language (B1): what is proposed, how many places against
the target, what it costs, the main risks and who pays whom. Then one page per shortlisted
site (detail map with the unit layout and the nearest services, place, capacity, score
breakdown, strengths and weaknesses, what leaving it out would cost), the regional map,
the robustness in words, the exchange, method and assumptions, the choices that matter
and the sources with their licences. Contents and page numbers. Every text comes from the
catalogue (``memo.*``): Dutch by default, English with ``lang="en"``.

Engine: WeasyPrint. It is a maintained, pip-installable Python library that implements
CSS paged media (``@page`` margins, ``counter(page)``, ``target-counter()`` for the page
numbers in the contents), so the PDF is made without a browser at run time and the HTML
file is the very same document. Headless Chromium's print has no ``target-counter`` and
would make a browser a runtime dependency of ``opvang-opt run``. WeasyPrint loads the
system libraries Pango and HarfBuzz; where they are missing :func:`pdf_engine_problem`
says so and the writer keeps the HTML and skips the PDF with a warning.

Every text from an input file is escaped by Jinja2's autoescape. No file paths are shown.
"""

from __future__ import annotations

import base64
import contextlib
import io
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from matplotlib.figure import Figure

from opvang_opt.connectors.tiles import LICENCES, Background, TileSource
from opvang_opt.exact import to_cents
from opvang_opt.exchange.settlement import PAYMENT_SIGN, format_cents
from opvang_opt.outputs import content
from opvang_opt.outputs.maps import (
    LAYOUT_COLOUR,
    POI_COLOURS,
    SHORTLIST_EDGE,
    map_unit,
    poi_label,
)
from opvang_opt.outputs.privacy import Profile
from opvang_opt.outputs.static import background_note, draw_background, shown_attribution
from opvang_opt.pipeline import RunResult
from opvang_opt.siting.location import stated_municipality
from opvang_opt.status import SolveStatus
from opvang_opt.texts import CATALOGUE, Lang, fmt_date, fmt_number, render, t

NEAREST_POIS = 6
"""Services drawn and listed on a site's detail map (nearest first)."""
DETAIL_RADIUS_M = 1500.0
"""Services within this distance are drawn on the detail map."""
DETAIL_PX = 820
"""Width in pixels of a detail map's background (the figure at 130 dpi)."""
LOW_ROBUSTNESS = 0.5
"""Below this share of SMAA samples the memo calls the choice sensitive."""


# --------------------------------------------------------------------------- helpers
def _ids(text: Any, skip: str = "") -> list[str]:
    """The site ids of a counterfactual's ``entering`` or ``leaving`` cell (``S004; S012``),
    without ``skip``."""
    if text is None or (isinstance(text, float) and not math.isfinite(text)):
        return []
    return [s.strip() for s in str(text).split(";") if s.strip() and s.strip() != skip]


def _site_names(sites: pd.DataFrame, name_col: str | None, text: Any, skip: str = "") -> str:
    """The sites of a counterfactual's cell by name and id: ``Weiland Essenkade (S004)``."""
    ids = _ids(text, skip)
    if not name_col:
        return ", ".join(ids)
    names = sites[name_col] if name_col in sites.columns else None
    out = []
    for sid in ids:
        name = str(names.loc[sid]) if names is not None and sid in names.index else ""
        out.append(f"{name} ({sid})" if name else sid)
    return ", ".join(out)


def _n(value: Any, lang: Lang, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt_number(value, lang, digits)


def _cents(euros: Any, lang: Lang, cents: Any = None) -> str:
    """An exchange amount formatted from its whole cents (the euros are cents / 100), in
    whole euros (rounded half to even; the exact cents are in side_payments.csv)."""
    if cents is None or pd.isna(cents):
        if euros is None or (isinstance(euros, float) and not math.isfinite(euros)):
            return "-"
        cents = to_cents(euros)
    return format_cents(int(cents), lang, whole=True)


def _eur(value: Any, lang: Lang) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return content.fmt_eur_short(float(value), lang)


def _abs(value: Any) -> Any:
    """``|value|`` for a finite number, else ``value`` (shown as ``-``)."""
    return abs(float(value)) if content.is_number(value) else value


def _cost_key(change: Any) -> str:
    """The drop sentence that says which way the cost goes (``cost_change``: + = rises)."""
    if not content.is_number(change) or float(change) == 0:
        return "memo.drop_feasible"
    return "memo.drop_feasible_up" if float(change) > 0 else "memo.drop_feasible_down"


def _png(fig: Figure, dpi: int = 130) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _municipality_names(result: RunResult) -> dict[str, str]:
    return {m.code: m.name for m in result.scenario.region.municipalities}


def _site_place(row: pd.Series, result: RunResult, zone: Any, lang: Lang = "nl") -> dict[str, Any]:
    """Municipality, wijk and buurt of a site, and its border flag, as far as known."""
    names = _municipality_names(result)
    code = str(row.get("municipality_code", "") or "")
    muni = row.get("municipality") if "municipality" in row.index else None
    if not isinstance(muni, str) or not muni:
        muni = names.get(code, code)
    stated = row.get("municipality_stated") if "municipality_stated" in row.index else None
    if not muni and isinstance(stated, str) and stated.strip():
        # in no municipality of the region (kept under region.outside: warn): the one the
        # longlist states, said to be the longlist's
        known = stated_municipality(stated, names.items())
        said = stated.strip() if known is None else names[known]
        muni = t("memo.municipality_stated", lang, name=said)
    wijk = row.get("wijk") if "wijk" in row.index else None
    if not isinstance(wijk, str) or not wijk:
        wijk = str(zone) if zone is not None and str(zone) not in ("", "nan") else None
    buurt = row.get("buurt") if "buurt" in row.index else None
    crosses = bool(row.get("crosses_border", False)) if "crosses_border" in row.index else False
    share = row.get("border_share") if "border_share" in row.index else None
    found = row.get("location_flags") if "location_flags" in row.index else None
    outside = [render(m, lang) for m in (found or ()) if m.code.startswith("siting.flag.outside")]
    return {
        "municipality": muni,
        "wijk": wijk,
        "buurt": buurt if isinstance(buurt, str) and buurt else None,
        "crosses_border": crosses,
        "border_share": share,
        "outside": outside[0] if outside else None,
        "overlaps_with": row.get("overlaps_with") if "overlaps_with" in row.index else None,
        "flags": [
            *([render(m, lang) for m in (row.get("location_flags") or ())]
              if "location_flags" in row.index else []),
            *[f for f in [content.overlap_flag(row.get("overlaps_with"), lang)] if f],
        ],
    }  # fmt: skip


# --------------------------------------------------------------------------- detail map
def _nearest_pois(result: RunResult, geom: Any) -> list[dict[str, Any]]:
    out = []
    for layer_name, col in content.poi_layers(result).items():
        gdf = result.inputs.layers[layer_name]
        if gdf.empty:
            continue
        dist = gdf.geometry.distance(geom)
        name_col = next((c for c in ("name", "naam") if c in gdf.columns), None)
        for i in np.argsort(dist.to_numpy(), kind="stable")[: NEAREST_POIS * 3]:
            out.append(
                {
                    "category": str(gdf[col].iloc[i]),
                    "name": str(gdf[name_col].iloc[i]) if name_col else "",
                    "distance": float(dist.iloc[i]),
                    "geometry": gdf.geometry.iloc[i],
                }
            )
    out.sort(key=lambda p: p["distance"])
    seen: dict[str, int] = {}
    nearest = []
    for p in out:  # the nearest of each category first, then the rest
        if seen.get(p["category"], 0) < 2:
            nearest.append(p)
            seen[p["category"]] = seen.get(p["category"], 0) + 1
    return sorted(nearest, key=lambda p: p["distance"])[:NEAREST_POIS]


def detail_map(
    result: RunResult, site_id: str, lang: Lang, tiles: TileSource | None = None
) -> Figure:
    """A detail map of one site: the plot, its unit layout and the nearest services.

    With ``tiles``, a background map is drawn under it (the memo says under the map
    whether it was drawn, and credits it).

    Returns
    -------
    matplotlib.figure.Figure
        About 16 x 10 cm; the legend sits inside the figure, below the map.
    """
    return _detail_map(result, site_id, lang, tiles)[0]


def _detail_map(
    result: RunResult, site_id: str, lang: Lang, tiles: TileSource | None
) -> tuple[Figure, Background | None]:
    sites = result.siting.sites
    id_col = result.inputs.siting.id_column
    site = sites[sites[id_col].astype(str) == site_id]
    geom = site.geometry.iloc[0]
    pois = _nearest_pois(result, geom)
    fig = Figure(figsize=(6.3, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    minx, miny, maxx, maxy = geom.bounds
    for p in pois:
        if p["distance"] <= DETAIL_RADIUS_M:
            minx, miny = min(minx, p["geometry"].x), min(miny, p["geometry"].y)
            maxx, maxy = max(maxx, p["geometry"].x), max(maxy, p["geometry"].y)
    pad = max(maxx - minx, maxy - miny) * 0.08 + 50
    others = sites[sites[id_col].astype(str) != site_id]
    others.plot(ax=ax, color="#dddddd", edgecolor="#aaaaaa", linewidth=0.4, zorder=1)
    site.plot(ax=ax, color="#fff7bc", edgecolor=SHORTLIST_EDGE, linewidth=2.0, zorder=3)
    lay = result.siting.layouts
    if lay is not None and len(lay):
        lay_id = next((c for c in (id_col, "site_id") if c in lay.columns), None)
        if lay_id is not None:
            mine = lay[lay[lay_id].astype(str) == site_id]
            if len(mine):
                mine.plot(ax=ax, color=LAYOUT_COLOUR, edgecolor=SHORTLIST_EDGE, linewidth=0.2,
                          zorder=4)  # fmt: skip
    cats = sorted({p["category"] for p in pois})
    colours = {c: POI_COLOURS[i % len(POI_COLOURS)] for i, c in enumerate(cats)}
    for k, p in enumerate(pois, start=1):
        if p["distance"] > DETAIL_RADIUS_M:
            continue
        ax.scatter([p["geometry"].x], [p["geometry"].y], s=40, color=colours[p["category"]],
                   edgecolor="black", linewidth=0.5, zorder=6)  # fmt: skip
        ax.annotate(str(k), (p["geometry"].x, p["geometry"].y), xytext=(4, 4),
                    textcoords="offset points", fontsize=7, zorder=7)  # fmt: skip
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylabel("")
    ax.set_xlabel("")
    bg = draw_background(ax, tiles, DETAIL_PX)
    span = (maxx - minx) + 2 * pad
    length = 10 ** math.floor(math.log10(max(span / 4, 1)))
    x0, y0 = minx - pad + span * 0.04, miny - pad + ((maxy - miny) + 2 * pad) * 0.05
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=2, zorder=8)
    ax.text(x0 + length / 2, y0, f"{length:g} m", ha="center", va="bottom", fontsize=7)
    handles = [
        _patch("#fff7bc", SHORTLIST_EDGE, t("memo.legend_site", lang)),
        _patch(LAYOUT_COLOUR, SHORTLIST_EDGE, t("memo.legend_units", lang)),
    ] + [_dot(colours[c], poi_label(c, lang)) for c in cats]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(4, len(handles)),
               fontsize=7, frameon=False)  # fmt: skip
    return fig, bg


def _patch(face: str, edge: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=face, edgecolor=edge, label=label)


def _dot(colour: str, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="o", ls="", color=colour, markeredgecolor="black", label=label)


# --------------------------------------------------------------------------- content
def _site_pages(
    result: RunResult, lang: Lang, tiles: TileSource | None = None
) -> list[dict[str, Any]]:
    s = result.siting
    id_col = result.inputs.siting.id_column
    name_col = content.site_name_column(result)
    sites = s.sites.set_index(s.sites[id_col].astype(str))
    short = s.shortlist.copy()
    sid = id_col if id_col in short.columns else "site_id"
    cf = s.counterfactuals if s.counterfactuals is not None else pd.DataFrame()
    pages: list[dict[str, Any]] = []
    for _, srow in short.sort_values("rank").iterrows():
        site_id = str(srow[sid])
        row = sites.loc[site_id]
        name = str(row[name_col]) if name_col else site_id
        crit = []
        for c in s.criteria:
            val = float(row.get(c.value_column, np.nan))
            worded = content.measured_text(row.get(c.indicator_column), c.unit, lang)
            crit.append(
                {
                    "label": c.label,
                    "measured": worded
                    if worded is not None
                    else _n(
                        row.get(c.indicator_column),
                        lang,
                        2 if c.unit in ("share", "aandeel") else 0,
                    ),
                    "unit": "" if worded is not None else map_unit(c.unit, lang),
                    "value": val,
                    "value_text": _n(val, lang, 2),
                    "weight": _n(c.weight, lang, 2),
                    "points": _n(100 * c.weight * val, lang, 1) if math.isfinite(val) else "-",
                }
            )
        ranked = sorted((c for c in crit if math.isfinite(c["value"])), key=lambda c: -c["value"])
        strengths = [c["label"] for c in ranked if c["value"] >= 0.7][:3]
        weaknesses = [c["label"] for c in reversed(ranked) if c["value"] < 0.4][:3]
        drop = None
        if len(cf) and "action" in cf.columns:
            d = cf[(cf["site_id"].astype(str) == site_id) & (cf["action"] == "drop")]
            if len(d):
                r = d.iloc[0]
                drop = {
                    "feasible": bool(r["feasible"]),
                    "loss": _n(r["loss"], lang, 2),
                    "loss_unit": content.unit_label(str(r.get("loss_unit", "")), lang),
                    # the amount without its sign; the sentence says whether it rises or falls
                    "cost_change": _eur(_abs(r.get("cost_change")), lang),
                    "cost_key": _cost_key(r.get("cost_change")),
                    "entering": _site_names(sites, name_col, r.get("entering")),
                    # the re-optimised shortlist may let other chosen sites go as well
                    "leaving": _site_names(sites, name_col, r.get("leaving"), skip=site_id),
                    "n_leaving": len(_ids(r.get("leaving"), skip=site_id)),
                    "reason": _reason_text(r.get("reason"), lang),
                }
        pois = _nearest_pois(result, row.geometry)
        fig, bg = _detail_map(result, site_id, lang, tiles)
        pages.append(
            {
                "id": site_id,
                "anchor": f"site-{len(pages) + 1}",
                "name": name,
                "rank": int(srow["rank"]),
                "score": _n(srow["score"], lang, 1),
                "units": _n(srow.get("capacity_units"), lang),
                "places": _n(srow.get("capacity_places"), lang),
                "cost": _eur(srow.get("cost_estimate_eur"), lang),
                "available_from": str(row.get("available_from", "") or ""),
                "available_text": _date(str(row.get("available_from", "") or ""), lang),
                "zoning_change": bool(row.get("zoning_change_needed", False)),
                "place": _site_place(row, result, srow.get("zone"), lang),
                "criteria": crit,
                "strengths": strengths,
                "weaknesses": weaknesses,
                "drop": drop,
                "pois": [
                    {
                        "n": k,
                        "label": poi_label(p["category"], lang),
                        "name": p["name"],
                        "distance": _n(p["distance"], lang),
                    }
                    for k, p in enumerate(pois, start=1)
                ],
                "map": _png(fig),
                "map_note": background_note(tiles, bg, lang) if tiles is not None else None,
            }
        )
    return pages


def _reason_text(reason: Any, lang: Lang) -> str:
    """A counterfactual's reason (a catalogue message, messages or text) in ``lang``."""
    if reason is None or (isinstance(reason, float) and not math.isfinite(reason)):
        return ""
    return render(reason, lang) if not isinstance(reason, str) else reason


def _listed(items: list[str], lang: Lang) -> str:
    """``a, b en c`` / ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('memo.and', lang)} {items[-1]}"


def _advice(result: RunResult, pages: list[dict[str, Any]], lang: Lang) -> dict[str, Any]:
    ss = result.siting.summary
    unit = t(f"common.{ss.target_unit}", lang)
    # a site without a known municipality (no boundaries layer) is named without "()"
    names = [t("memo.site_in", lang, name=p["name"], municipality=p["place"]["municipality"])
             if p["place"]["municipality"] else str(p["name"]) for p in pages]  # fmt: skip
    key = "memo.proposal_one" if len(pages) == 1 else "memo.proposal_many"
    proposal = t(key, lang, n=len(pages), sites=_listed(names, lang))
    offer = "memo.places_offer_one" if len(pages) == 1 else "memo.places_offer"
    places = t(offer, lang, capacity=_n(ss.capacity_selected, lang),
               target=_n(ss.target, lang), unit=unit)  # fmt: skip
    if ss.target_met and ss.overshoot:
        places += " " + t("memo.places_met_extra", lang, extra=_n(ss.overshoot, lang), unit=unit)
    elif ss.target_met:
        places += " " + t("memo.places_met", lang)
    else:
        places += " " + t("memo.places_short", lang, shortfall=_n(ss.shortfall, lang), unit=unit)
        if ss.diagnosis:  # which rule keeps the target out of reach, and by how much
            places += " " + t("memo.places_why", lang, why=render(tuple(ss.diagnosis), lang))
    dates = sorted(p["available_from"] for p in pages if p["available_from"])
    when = None
    deadline = next(
        (getattr(r, "date", None) for r in result.scenario.siting.exclusions
         if getattr(r, "kind", "") == "available_by"), None,
    )  # fmt: skip
    if dates:
        when = (
            t("memo.when_deadline", lang, date=_date(dates[-1], lang),
              deadline=_date(str(deadline), lang))
            if deadline
            else t("memo.when", lang, date=_date(dates[-1], lang))
        )  # fmt: skip
    cost = (
        t("memo.cost", lang, cost=_eur(ss.total_cost, lang)) if ss.total_cost is not None else None
    )
    risks = []
    for p in pages:
        if p["zoning_change"]:
            risks.append(t("memo.risk_zoning", lang, name=p["name"]))
        if p["place"]["crosses_border"]:
            risks.append(t("memo.risk_border", lang, name=p["name"]))
        if p["place"].get("outside"):
            risks.append(t("memo.risk_outside", lang, name=p["name"], flag=p["place"]["outside"]))
    # with the target out of reach no weighting meets it: the share of draws says nothing
    if ss.target_met and ss.smaa_chosen_share is not None and ss.smaa_chosen_share < LOW_ROBUSTNESS:
        risks.append(t("memo.risk_sensitive", lang, pct=_n(100 * ss.smaa_chosen_share, lang)))
    if result.scenario.outputs.fictitious:
        risks.append(t("memo.risk_fictitious", lang))
    return {
        "proposal": proposal,
        "places": places,
        "when": when,
        "cost": cost,
        "risks": risks,
        "payments": content.payment_sentences(result, lang),
    }


def _date(iso: str, lang: Lang) -> str:
    """``2028-06-30`` as ``30 juni 2028`` / ``30 June 2028``; other text unchanged."""
    return fmt_date(iso, lang)


def _robustness(result: RunResult, lang: Lang) -> list[str]:
    ss = result.siting.summary
    if ss.smaa_chosen_share is None:
        return [t("memo.robust_none", lang)]
    if not ss.target_met:  # every draw has the same capacities: none meets the target
        return [t("memo.robust_unreachable", lang)]
    samples = result.scenario.siting.robustness.samples
    out = [t("memo.robust_share", lang, samples=_n(samples, lang),
             pct=_n(100 * ss.smaa_chosen_share, lang))]  # fmt: skip
    core = ss.smaa_stable_core or ()
    stable = round(100 * result.scenario.siting.robustness.stable_share)
    if core:
        out.append(t("memo.robust_core", lang, stable=stable, sites=", ".join(core)))
    else:
        out.append(t("memo.robust_no_core", lang, stable=stable))
    return out


def _method(result: RunResult, lang: Lang) -> str:
    """How the shortlist was made, as the run did it: the scoring method, and a choice that
    is called the best only when the solver proved it (a shortlist found at the time limit
    says so, with its gap)."""
    ss = result.siting.summary

    def code(prefix: str, value: str) -> str:
        key = f"memo.{prefix}.{value}"
        return t(key, lang) if key in CATALOGUE else value

    text = t("memo.method_text", lang, scoring=code("scoring", ss.scoring_method))
    objective = code("objective", ss.objective or "people")
    status = ss.solver_status
    if ss.shortlist_method != "optimise":
        select = t("memo.method_select.top_score", lang)
    elif status is SolveStatus.OPTIMAL:
        select = t("memo.method_select.optimal", lang, objective=objective)
    elif status is SolveStatus.FEASIBLE and ss.solver_gap is not None:
        gap = f"{fmt_number(100 * ss.solver_gap, lang, 2)} %"
        select = t("memo.method_select.feasible", lang, objective=objective, gap=gap)
    elif status is SolveStatus.FEASIBLE:
        select = t("memo.method_select.feasible_no_gap", lang, objective=objective)
    else:
        select = t("memo.method_select.none", lang)
    return f"{text} {select}"


def _choices(result: RunResult, lang: Lang) -> list[tuple[str, str]]:
    """The choices that matter, as readable rows (not every dotted parameter)."""
    sc = result.scenario
    si = sc.siting
    ss = result.siting.summary
    unit = t(f"common.{ss.target_unit}", lang)

    def code(prefix: str, value: str) -> str:
        key = f"memo.{prefix}.{value}"
        return t(key, lang) if key in CATALOGUE else value

    selection = code("selection", ss.shortlist_method)
    if ss.objective and ss.shortlist_method == "optimise":
        selection = t("memo.choice_objective", lang, method=selection,
                      objective=code("objective", ss.objective))  # fmt: skip
    rows = [
        (t("memo.choice_target", lang), f"{_n(ss.target, lang)} {unit}"),
        (t("memo.choice_scoring", lang), code("scoring", ss.scoring_method)),
        (t("memo.choice_selection", lang), selection),
    ]
    for c in result.siting.criteria:
        rows.append((t("memo.choice_weight", lang, label=c.label), _n(c.weight, lang, 2)))
    for r in si.exclusions:
        rows.append((t("memo.choice_rule", lang), str(getattr(r, "label", None) or r.name)))
    rows.append((t("memo.choice_samples", lang), _n(si.robustness.samples, lang)))
    if sc.exchange is not None:
        rows.append((t("memo.choice_exchange", lang),
                     t("memo.choice_municipalities", lang, n=len(sc.exchange.municipalities))))  # fmt: skip
    return rows


def memo_context(
    result: RunResult,
    images: dict[str, bytes],
    lang: Lang,
    profile: Profile,
    tiles: TileSource | None = None,
) -> dict[str, Any]:
    """Everything the memo shows, with numbers already formatted."""
    sc = result.scenario
    pages = _site_pages(result, lang, tiles)
    ex = None
    if result.exchange is not None:
        tables = content.exchange_tables(result)
        pay = tables.get("side_payments.csv")
        rows = []
        if pay is not None:
            for _, r in content.with_payer_role(pay, lang).iterrows():
                rows.append({
                    "municipality": r["municipality"],
                    "no_exchange": _cents(r["cost_no_exchange"], lang),
                    "exchange": _cents(r["cost_exchange"], lang),
                    "payment": _cents(r["payment"], lang, r.get("payment_cents")),
                    "role": r["payer_role"],
                    "after": _cents(r["cost_after_payment"], lang),
                })  # fmt: skip
        facts = content.summary_facts(result)["exchange"]
        ex = {
            "sentences": content.payment_sentences(result, lang),
            "rows": rows,
            "sign": PAYMENT_SIGN[lang],
            "savings": _eur(facts.get("savings"), lang) if facts else "-",
        }
    # credit what the memo's maps show: the data, and the background where one was drawn
    sources = content.data_sources(result, lang)
    credits = [shown_attribution(result, lang)]
    if tiles is not None and tiles.drawn:
        credits.append(t("map.tiles_credit", lang, attribution=tiles.attribution))
        sources.append({"layer": t("memo.background_layer", lang), "features": "",
                        "source": tiles.attribution,
                        "licence": LICENCES.get(tiles.provider, "")})  # fmt: skip
    credits = [c for c in credits if c]
    return {
        "title": sc.outputs.title or sc.title or sc.name,
        "scenario": sc.name,
        "hash": result.scenario_hash,
        "run_date": fmt_date(result.started_at, lang),
        "fictitious": bool(sc.outputs.fictitious),
        "advice": _advice(result, pages, lang),
        "sites": pages,
        "regional_map": "data:image/png;base64," + base64.b64encode(images["png"]).decode(),
        "robustness": _robustness(result, lang),
        "exchange": ex,
        "planning": _planning(result, lang),
        "services": _services(result, lang, profile),
        "choices": _choices(result, lang),
        "method": _method(result, lang),
        "sources": sources,
        "attribution": "; ".join(credits),
        "capacity_method": sc.siting.capacity.method,
        "profile": profile,
        "lang": lang,
        "ss": result.siting.summary,
        "n": lambda v, d=0: _n(v, lang, d),
    }


def _services(result: RunResult, lang: Lang, profile: Profile) -> dict[str, Any] | None:
    """The Voorzieningen page (spoor 1): cost of the expansions, the chart, the bottlenecks
    and the expansion plan as tables of text, and the diagnosis. Counts of people from 1 to 4
    are shown as ``<5`` for the council (the same section as the report's)."""
    if result.services is None:
        return None
    from opvang_opt.outputs.report import _table
    from opvang_opt.outputs.services import report_section

    sec = report_section(result.services, lang, profile, _municipality_names(result))
    if sec is None:
        return None
    from opvang_opt.outputs.services import merge_period_runs

    periods = result.services.result.instance.periods
    for key, totals in (("bottlenecks", ()), ("expansions", ("cost_eur",))):
        merged = merge_period_runs(sec[key], periods, lang, totals=totals)
        # the provider's name says which it is; its code would leave the periods no room
        sec[key] = _table(merged.drop(columns="provider_id", errors="ignore"), lang, result)
    sec["merged_note"] = t("services.merged_note", lang)
    return sec


def _planning(result: RunResult, lang: Lang) -> dict[str, Any] | None:
    """The planning page: facts and the timeline chart with its caption (texts from the
    catalogue; the reasons stay in the report and plan_reasons.csv)."""
    if result.planning is None:
        return None
    from opvang_opt.outputs.content import shortlisted_sites
    from opvang_opt.outputs.planning import section

    return section(result.planning, lang, shortlisted_sites(result))


# --------------------------------------------------------------------------- render
_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ c.lang }}"><head><meta charset="utf-8"><title>{{ tx("memo.doc_title", title=c.title) }}</title>
<style>
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: "{{ tx("memo.page") }} " counter(page) " {{ tx("memo.page_of") }} " counter(pages); font: 9pt sans-serif; color: #555; }
  @top-right { content: "{{ tx("memo.running_head", scenario=c.scenario) }}"; font: 8pt sans-serif; color: #777; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111;
  max-width: 180mm; margin: auto; }
h1 { font-size: 18pt; margin: 0 0 4mm; } h2 { font-size: 14pt; margin: 0 0 3mm; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
section.page { page-break-before: always; } section.first { page-break-before: avoid; }
.fictitious { color: #b71c1c; font-weight: bold; border: 1px solid #b71c1c; padding: 2mm; }
.advice p { font-size: 11.5pt; margin: 0 0 2.5mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1.5mm 0; }
th, td { border: 1px solid #bbb; padding: 0.6mm 1.2mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; }
img { max-width: 100%; } img.detail { max-height: 68mm; display: block; margin: auto; } .meta { color: #555; font-size: 9pt; }
.caption { color: #333; font-size: 7.5pt; text-align: center; margin: 0.5mm 0 1mm; }
.note { color: #333; font-size: 8.5pt; margin: 1mm 0 2mm; }
.period-1 td:nth-child(1), .period-3 td:nth-child(3) { white-space: nowrap; }
tr { break-inside: avoid; }
ul.toc { list-style: none; padding: 0; } ul.toc a { color: #111; text-decoration: none; }
ul.toc a::after { content: leader(".") target-counter(attr(href), page); }
.cols { display: flex; gap: 6mm; } .cols > div { flex: 1; }
</style></head><body>
<section class="first advice" id="advice">
<h1>{{ tx("memo.advice_title", title=c.title) }}</h1>
<p class="meta">{{ tx("memo.meta", scenario=c.scenario, date=c.run_date, hash=c.hash) }}</p>
{% if c.fictitious %}<p class="fictitious">{{ tx("map.fictitious") }}.</p>{% endif %}
<h3>{{ tx("memo.q_proposal") }}</h3><p>{{ c.advice.proposal }}</p>
<h3>{{ tx("memo.q_places") }}</h3><p>{{ c.advice.places }}</p>
{% if c.advice.when %}<h3>{{ tx("memo.q_when") }}</h3><p>{{ c.advice.when }}</p>{% endif %}
{% if c.advice.cost %}<h3>{{ tx("memo.q_cost") }}</h3><p>{{ c.advice.cost }}</p>{% endif %}
{% if c.advice.risks %}<h3>{{ tx("memo.q_risks") }}</h3><ul>{% for r in c.advice.risks %}<li>{{ r }}</li>{% endfor %}</ul>{% endif %}
{% if c.advice.payments %}<h3>{{ tx("memo.q_payments") }}</h3>{% for s in c.advice.payments %}<p class="payment">{{ s }}</p>{% endfor %}{% endif %}
<h3>{{ tx("memo.contents") }}</h3>
<ul class="toc">
{% for s in c.sites %}<li><a href="#{{ s.anchor }}">{{ tx("memo.site_heading", n=loop.index, name=s.name) }}</a></li>{% endfor %}
<li><a href="#regional-map">{{ tx("memo.regional_map") }}</a></li>
<li><a href="#robustness">{{ tx("memo.robustness") }}</a></li>
{% if c.exchange %}<li><a href="#exchange">{{ tx("memo.exchange") }}</a></li>{% endif %}
{% if c.planning %}<li><a href="#planning">{{ c.planning.title }}</a></li>{% endif %}
{% if c.services %}<li><a href="#services">{{ c.services.title }}</a></li>{% endif %}
<li><a href="#method">{{ tx("memo.method") }}</a></li>
<li><a href="#sources">{{ tx("memo.sources") }}</a></li>
</ul>
</section>
{% for s in c.sites %}
<section class="page site" id="{{ s.anchor }}">
<h2>{{ tx("memo.site_heading", n=loop.index, name=s.name) }}</h2>
<p class="meta">{{ tx("memo.site_meta", id=s.id, rank=s.rank, score=s.score) }}</p>
<img class="detail" src="{{ s.map }}" alt="{{ tx("memo.detail_alt", name=s.name) }}">
{% if s.map_note %}<p class="caption">{{ s.map_note }}</p>{% endif %}
<div class="cols"><div>
<table>
<tr><th>{{ tx("memo.municipality") }}</th><td>{{ s.place.municipality }}</td></tr>
{% if s.place.wijk %}<tr><th>{{ tx("memo.wijk") }}</th><td>{{ s.place.wijk }}</td></tr>{% endif %}
{% if s.place.buurt %}<tr><th>{{ tx("memo.buurt") }}</th><td>{{ s.place.buurt }}</td></tr>{% endif %}
<tr><th>{{ tx("memo.border") }}</th><td>{{ tx("common.yes") if s.place.crosses_border else tx("common.no") }}</td></tr>
{% if s.place.flags %}<tr class="flag"><th>{{ tx("memo.flags") }}</th><td>{% for f in s.place.flags %}<p>{{ f }}</p>{% endfor %}</td></tr>{% endif %}
<tr><th>{{ tx("memo.capacity") }}</th><td>{{ tx("memo.capacity_value", units=s.units, places=s.places) }}</td></tr>
<tr><th>{{ tx("memo.site_cost") }}</th><td>{{ s.cost }}</td></tr>
{% if s.available_from %}<tr><th>{{ tx("memo.available") }}</th><td>{{ s.available_text }}</td></tr>{% endif %}
<tr><th>{{ tx("memo.zoning") }}</th><td>{{ tx("memo.zoning_yes") if s.zoning_change else tx("memo.zoning_no") }}</td></tr>
</table></div><div>
<table><tr><th>#</th><th>{{ tx("memo.nearest") }}</th><th>{{ tx("memo.distance_m") }}</th></tr>
{% for p in s.pois %}<tr><td>{{ p.n }}</td><td>{{ p.label }}{% if p.name %}: {{ p.name }}{% endif %}</td><td class="num">{{ p.distance }}</td></tr>{% endfor %}
</table></div></div>
<h3>{{ tx("memo.score_heading") }}</h3>
<table><tr><th>{{ tx("memo.criterion") }}</th><th>{{ tx("memo.measured") }}</th><th>{{ tx("memo.value") }}</th><th>{{ tx("memo.weight") }}</th><th>{{ tx("memo.points") }}</th></tr>
{% for k in s.criteria %}<tr><td>{{ k.label }}</td><td class="num">{{ k.measured }} {{ k.unit }}</td><td class="num">{{ k.value_text }}</td><td class="num">{{ k.weight }}</td><td class="num">{{ k.points }}</td></tr>{% endfor %}
</table>
<p><b>{{ tx("memo.strong") }}</b> {{ s.strengths|join(", ") if s.strengths else tx("memo.no_strong") }}.
<b>{{ tx("memo.weak") }}</b> {{ s.weaknesses|join(", ") if s.weaknesses else tx("memo.no_weak") }}.</p>
{% if s.drop %}<p><b>{{ tx("memo.drop") }}</b>
{% if s.drop.feasible %}{{ tx(s.drop.cost_key, loss=s.drop.loss, unit=s.drop.loss_unit, cost=s.drop.cost_change) }}{% if s.drop.entering %}; {{ tx("memo.drop_entering", sites=s.drop.entering) }}{% endif %}{% if s.drop.leaving %}; {{ tx("memo.drop_also_leaving", sites=s.drop.leaving, n=s.drop.n_leaving) }}{% endif %}.
{% else %}{{ tx("memo.drop_infeasible") }}{% if s.drop.reason %} ({{ s.drop.reason }}){% endif %}.{% endif %}</p>{% endif %}
</section>
{% endfor %}
<section class="page" id="regional-map"><h2>{{ tx("memo.regional_map") }}</h2>
<img src="{{ c.regional_map }}" alt="{{ tx("memo.regional_map") }}"></section>
<section class="page" id="robustness"><h2>{{ tx("memo.robustness") }}</h2>
{% for p in c.robustness %}<p>{{ p }}</p>{% endfor %}
{% if c.exchange %}</section><section class="page" id="exchange"><h2>{{ tx("memo.exchange") }}</h2>
<p>{{ tx("memo.exchange_intro", savings=c.exchange.savings) }}</p>
{% for s in c.exchange.sentences %}<p class="payment">{{ s }}</p>{% endfor %}
<p>{{ tx("memo.sign_explained", sign=c.exchange.sign) }}</p>
<table><tr><th>{{ tx("header.municipality") }}</th><th>{{ tx("header.cost_no_exchange") }}</th><th>{{ tx("header.cost_exchange") }}</th><th>{{ tx("header.payment") }}</th><th>{{ tx("header.payer_role") }}</th><th>{{ tx("header.cost_after_payment") }}</th></tr>
{% for r in c.exchange.rows %}<tr><td>{{ r.municipality }}</td><td class="num">{{ r.no_exchange }}</td><td class="num">{{ r.exchange }}</td><td class="num">{{ r.payment }}</td><td>{{ r.role }}</td><td class="num">{{ r.after }}</td></tr>{% endfor %}
</table>{% endif %}
</section>
{% if c.planning %}<section class="page" id="planning"><h2>{{ c.planning.title }}</h2>
<p>{{ c.planning.intro }}</p>
<p>{{ c.planning.opens }}</p>{% if c.planning.shortlist %}
<p>{{ c.planning.shortlist }}</p>{% endif %}{% if c.planning.baseline %}
<p>{{ c.planning.baseline }}</p>{% endif %}
<table>{% for k, v in c.planning.facts %}<tr><th>{{ k }}</th><td class="num">{{ v }}</td></tr>{% endfor %}</table>
<figure><img src="data:image/png;base64,{{ c.planning.png }}" alt="{{ c.planning.alt }}">
<figcaption class="meta">{{ c.planning.caption }}</figcaption></figure>
</section>{% endif %}
{% macro table(tb) %}{% if tb and tb.rows %}<table><thead><tr>{% for h in tb.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in tb.rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% else %}<p>&ndash;</p>{% endif %}{% endmacro %}
{% if c.services %}<section class="page" id="services"><h2>{{ c.services.title }}</h2>
<p>{{ c.services.intro }}</p>
<p>{{ c.services.cost_label }}: {{ c.services.cost }} ({{ c.services.status }})</p>
<figure><img src="data:image/png;base64,{{ c.services.png }}" alt="{{ c.services.chart_label }}"></figure>
<h3>{{ c.services.bottlenecks_label }}</h3>
<div class="period-1">{{ table(c.services.bottlenecks) }}</div>
{% if c.services.privacy %}<p class="note">{{ c.services.privacy }}</p>{% endif %}
<h3>{{ c.services.expansions_label }}</h3>
<div class="period-3">{{ table(c.services.expansions) }}</div>
<p class="note">{{ c.services.merged_note }}</p>
{% if c.services.diagnosis %}<h3>{{ c.services.diagnosis_label }}</h3>
<ul>{% for d in c.services.diagnosis %}<li>{{ d }}</li>{% endfor %}</ul>{% endif %}
</section>{% endif %}
<section class="page" id="method"><h2>{{ tx("memo.method") }}</h2>
<p>{{ c.method }} {{ tx("memo.capacity_packing") if c.capacity_method == "packing" else tx("memo.capacity_density") }}</p>
<p>{{ tx("memo.small_counts") }}</p>
<h3>{{ tx("memo.choices") }}</h3>
<table>{% for k, v in c.choices %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
</section>
<section class="page" id="sources"><h2>{{ tx("memo.sources") }}</h2>
<table><tr><th>{{ tx("memo.layer") }}</th><th>{{ tx("memo.features") }}</th><th>{{ tx("memo.source") }}</th><th>{{ tx("memo.licence") }}</th></tr>
{% for s in c.sources %}<tr><td>{{ s.layer }}</td><td class="num">{{ s.features }}</td><td>{{ s.source }}</td><td>{{ s.licence }}</td></tr>{% endfor %}
</table>
{% if c.attribution %}<p>{{ tx("memo.map_data", attribution=c.attribution) }}</p>{% endif %}
<p class="meta">{{ tx("memo.made_with", hash=c.hash) }}</p>
</section>
</body></html>
"""


def build_memo_html(
    result: RunResult,
    images: dict[str, bytes],
    lang: Lang = "nl",
    profile: Profile = "council",
    tiles: TileSource | None = None,
) -> str:
    """The memo as one self-contained HTML page (images embedded), in ``lang``.

    ``images`` is the regional map (:func:`~opvang_opt.outputs.static.render_static`);
    ``tiles``, when given, draws a background under each site's detail map."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

    def tx(key: str, **params: Any) -> str:
        return t(key, lang, **params)

    return env.from_string(_TEMPLATE).render(
        c=memo_context(result, images, lang, profile, tiles), tx=tx
    )


PANGO_INSTALL = "apt-get install libpango-1.0-0 libpangoft2-1.0-0"
"""What to install when WeasyPrint cannot load Pango (Debian/Ubuntu; see the README for
other systems)."""


def pdf_engine_problem() -> str | None:
    """Why WeasyPrint cannot make the PDF here, or ``None`` when it can.

    WeasyPrint loads the system libraries Pango, HarfBuzz and fontconfig when it is
    imported; on a machine without them the import fails (``OSError``), and a broken
    installation fails with ``ImportError``. WeasyPrint prints its own installation hints
    to standard output when that happens: they are swallowed here, since the caller says
    what to do in the user's language.

    Returns
    -------
    str or None
        The first line of the loader's error, or ``None`` when WeasyPrint loaded.
    """
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            import weasyprint  # noqa: F401
    except (OSError, ImportError) as exc:
        text = str(exc).strip().splitlines()
        return text[0] if text else type(exc).__name__
    return None


def render_memo_pdf(html_text: str) -> bytes:
    """The memo HTML as an A4 PDF (WeasyPrint).

    Raises
    ------
    OSError, ImportError
        When WeasyPrint or the system libraries it loads are missing; check first with
        :func:`pdf_engine_problem`.
    """
    from weasyprint import HTML

    return HTML(string=html_text).write_pdf()


__all__ = [
    "PANGO_INSTALL",
    "build_memo_html",
    "detail_map",
    "memo_context",
    "pdf_engine_problem",
    "render_memo_pdf",
]
_ = gpd  # geopandas plots the layers (imported for its .plot accessor)

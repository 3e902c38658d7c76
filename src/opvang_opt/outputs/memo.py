# ruff: noqa: E501  (the HTML template reads best with long lines)
"""The decision memo for the council (``raadsbijlage.pdf`` and ``raadsbijlage.html``).

Page one is the advice in plain Dutch (B1): what is proposed, how many places against the
target, what it costs, the main risks and who pays whom. Then one page per shortlisted
site (detail map with the unit layout and the nearest services, place, capacity, score
breakdown, strengths and weaknesses, what leaving it out would cost), the regional map,
the robustness in words, the exchange, method and assumptions, the choices that matter
and the sources with their licences. Contents and page numbers.

Engine: WeasyPrint. It is a maintained, pip-installable Python library that implements
CSS paged media (``@page`` margins, ``counter(page)``, ``target-counter()`` for the page
numbers in the contents), so the PDF is made without a browser at run time and the HTML
file is the very same document. Headless Chromium's print has no ``target-counter`` and
would make a browser a runtime dependency of ``opvang-opt run``.

Every text from an input file is escaped by Jinja2's autoescape. No file paths are shown.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from matplotlib.figure import Figure

from opvang_opt.exchange.settlement import PAYMENT_SIGN
from opvang_opt.outputs import content
from opvang_opt.outputs.maps import (
    LAYOUT_COLOUR,
    POI_COLOURS,
    SHORTLIST_EDGE,
    map_unit,
    poi_label,
)
from opvang_opt.outputs.privacy import Profile
from opvang_opt.pipeline import RunResult
from opvang_opt.texts import Lang, fmt_number

NEAREST_POIS = 6
"""Services drawn and listed on a site's detail map (nearest first)."""
DETAIL_RADIUS_M = 1500.0
"""Services within this distance are drawn on the detail map."""
LOW_ROBUSTNESS = 0.5
"""Below this share of SMAA samples the memo calls the choice sensitive."""


# --------------------------------------------------------------------------- helpers
def _n(value: Any, lang: Lang, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return fmt_number(value, lang, digits)


def _eur(value: Any, lang: Lang) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return content.fmt_eur_short(float(value), lang)


def _png(fig: Figure, dpi: int = 130) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _municipality_names(result: RunResult) -> dict[str, str]:
    return {m.code: m.name for m in result.scenario.region.municipalities}


def _site_place(row: pd.Series, result: RunResult, zone: Any) -> dict[str, Any]:
    """Municipality, wijk and buurt of a site, and its border flag, as far as known."""
    names = _municipality_names(result)
    code = str(row.get("municipality_code", "") or "")
    muni = row.get("municipality") if "municipality" in row.index else None
    if not isinstance(muni, str) or not muni:
        muni = names.get(code, code)
    wijk = row.get("wijk") if "wijk" in row.index else None
    if not isinstance(wijk, str) or not wijk:
        wijk = str(zone) if zone is not None and str(zone) not in ("", "nan") else None
    buurt = row.get("buurt") if "buurt" in row.index else None
    crosses = bool(row.get("crosses_border", False)) if "crosses_border" in row.index else False
    share = row.get("border_share") if "border_share" in row.index else None
    return {
        "municipality": muni,
        "wijk": wijk,
        "buurt": buurt if isinstance(buurt, str) and buurt else None,
        "crosses_border": crosses,
        "border_share": share,
        "overlaps_with": row.get("overlaps_with") if "overlaps_with" in row.index else None,
    }


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


def detail_map(result: RunResult, site_id: str, lang: Lang) -> Figure:
    """A detail map of one site: the plot, its unit layout and the nearest services.

    Returns
    -------
    matplotlib.figure.Figure
        About 16 x 10 cm; the legend sits inside the figure, below the map.
    """
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
    ax.set_xlabel("")
    ax.set_ylabel("")
    span = (maxx - minx) + 2 * pad
    length = 10 ** math.floor(math.log10(max(span / 4, 1)))
    x0, y0 = minx - pad + span * 0.04, miny - pad + ((maxy - miny) + 2 * pad) * 0.05
    ax.plot([x0, x0 + length], [y0, y0], color="black", lw=2, zorder=8)
    ax.text(x0 + length / 2, y0, f"{length:g} m", ha="center", va="bottom", fontsize=7)
    handles = [
        _patch("#fff7bc", SHORTLIST_EDGE, "locatie" if lang == "nl" else "site"),
        _patch(LAYOUT_COLOUR, SHORTLIST_EDGE, "flexwoningen" if lang == "nl" else "units"),
    ] + [_dot(colours[c], poi_label(c, lang)) for c in cats]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(4, len(handles)),
               fontsize=7, frameon=False)  # fmt: skip
    return fig


def _patch(face: str, edge: str, label: str) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor=face, edgecolor=edge, label=label)


def _dot(colour: str, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="o", ls="", color=colour, markeredgecolor="black", label=label)


# --------------------------------------------------------------------------- content
def _site_pages(result: RunResult, lang: Lang) -> list[dict[str, Any]]:
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
            crit.append(
                {
                    "label": c.label,
                    "measured": _n(
                        row.get(c.indicator_column),
                        lang,
                        2 if c.unit in ("share", "aandeel") else 0,
                    ),
                    "unit": map_unit(c.unit, lang),
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
                    "cost_change": _eur(r.get("cost_change"), lang),
                    "entering": str(r.get("entering", "") or "").replace(";", ","),
                    "reason": str(r.get("reason", "") or ""),
                }
        pois = _nearest_pois(result, row.geometry)
        fig = detail_map(result, site_id, lang)
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
                "zoning_change": bool(row.get("zoning_change_needed", False)),
                "place": _site_place(row, result, srow.get("zone")),
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
            }
        )
    return pages


def _advice(result: RunResult, pages: list[dict[str, Any]], lang: Lang) -> dict[str, Any]:
    ss = result.siting.summary
    unit = "plekken" if ss.target_unit == "places" else "woningen"
    names = [f"{p['name']} ({p['place']['municipality']})" for p in pages]
    listed = ", ".join(names[:-1]) + (" en " if len(names) > 1 else "") + names[-1] if names else ""
    proposal = (
        f"Wij stellen voor om flexwoningen te bouwen op {len(pages)} "
        f"{'locatie' if len(pages) == 1 else 'locaties'}: {listed}."
    )
    if ss.target_met:
        places = (
            f"Samen bieden deze locaties {_n(ss.capacity_selected, lang)} {unit}. "
            f"Het doel is {_n(ss.target, lang)} {unit}. Dat doel wordt gehaald"
            + (f", met {_n(ss.overshoot, lang)} {unit} extra." if ss.overshoot else ".")
        )
    else:
        places = (
            f"Samen bieden deze locaties {_n(ss.capacity_selected, lang)} {unit}. "
            f"Het doel is {_n(ss.target, lang)} {unit}. Er zijn {_n(ss.shortfall, lang)} "
            f"{unit} te weinig."
        )
    dates = sorted(p["available_from"] for p in pages if p["available_from"])
    when = None
    deadline = next(
        (getattr(r, "date", None) for r in result.scenario.siting.exclusions
         if getattr(r, "kind", "") == "available_by"), None,
    )  # fmt: skip
    if dates:
        when = f"De laatste locatie is beschikbaar vanaf {_date_nl(dates[-1])}"
        when += f"; dat is op tijd voor {_date_nl(str(deadline))}." if deadline else "."
    cost = (
        f"De geschatte kosten zijn {_eur(ss.total_cost, lang)} voor het bouwrijp maken."
        if ss.total_cost is not None
        else None
    )
    risks = []
    for p in pages:
        if p["zoning_change"]:
            risks.append(f"{p['name']} heeft een bestemmingswijziging nodig. Dat kost tijd.")
        if p["place"]["crosses_border"]:
            risks.append(
                f"{p['name']} ligt over een gemeentegrens. Beide gemeenten moeten meedoen."
            )
    if ss.smaa_chosen_share is not None and ss.smaa_chosen_share < LOW_ROBUSTNESS:
        risks.append(
            "De keuze hangt af van hoe zwaar de criteria wegen. Bij andere gewichten komt in "
            f"{_n(100 * ss.smaa_chosen_share, lang)} van de 100 gevallen precies deze keuze uit."
        )
    if result.scenario.outputs.fictitious:
        risks.append(
            "Dit is een voorbeeld met verzonnen gegevens. Gebruik het niet voor een besluit."
        )
    return {
        "proposal": proposal,
        "places": places,
        "when": when,
        "cost": cost,
        "risks": risks,
        "payments": content.payment_sentences(result, lang),
    }


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")  # fmt: skip


def _date_nl(iso: str) -> str:
    try:
        d = pd.Timestamp(iso)
    except (ValueError, TypeError):
        return iso
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _robustness(result: RunResult, lang: Lang) -> list[str]:
    ss = result.siting.summary
    out = []
    if ss.smaa_chosen_share is None:
        return ["Er is geen gevoeligheidsanalyse gedaan (robustness.samples = 0)."]
    pct = _n(100 * ss.smaa_chosen_share, lang)
    samples = result.scenario.siting.robustness.samples
    out.append(
        f"We hebben de gewichten van de criteria {_n(samples, lang)} keer willekeurig "
        f"gevarieerd en steeds opnieuw gekozen. In {pct} van de 100 gevallen kwam precies "
        "deze shortlist uit."
    )
    core = ss.smaa_stable_core or ()
    stable = round(100 * result.scenario.siting.robustness.stable_share)
    if core:
        out.append(
            f"Deze locaties zitten in minstens {stable} van de 100 gevallen in de keuze "
            f"(de vaste kern): {', '.join(core)}."
        )
    else:
        out.append(f"Geen locatie zit in {stable} van de 100 gevallen in de keuze.")
    return out


def _choices(result: RunResult, lang: Lang) -> list[tuple[str, str]]:
    """The choices that matter, as readable rows (not every dotted parameter)."""
    sc = result.scenario
    si = sc.siting
    ss = result.siting.summary
    unit = "plekken" if ss.target_unit == "places" else "woningen"
    rows = [
        ("Doel", f"{_n(ss.target, lang)} {unit}"),
        ("Manier van scoren", ss.scoring_method.replace("_", " ")),
        ("Manier van kiezen", ss.shortlist_method.replace("_", " ")
         + (f" (doel: {ss.objective})" if ss.objective else "")),
    ]  # fmt: skip
    for c in result.siting.criteria:
        rows.append((f"Gewicht: {c.label}", _n(c.weight, lang, 2)))
    for r in si.exclusions:
        rows.append(("Harde regel", str(getattr(r, "label", None) or r.name)))
    rows.append(("Gevoeligheid: trekkingen", _n(si.robustness.samples, lang)))
    if sc.exchange is not None:
        rows.append(("Regionale uitruil", f"{len(sc.exchange.municipalities)} gemeenten"))
    return rows


def memo_context(
    result: RunResult, images: dict[str, bytes], lang: Lang, profile: Profile
) -> dict[str, Any]:
    """Everything the memo shows, with numbers already formatted."""
    sc = result.scenario
    pages = _site_pages(result, lang)
    ex = None
    if result.exchange is not None:
        tables = content.exchange_tables(result)
        pay = tables.get("side_payments.csv")
        rows = []
        if pay is not None:
            for _, r in content.with_payer_role(pay, lang).iterrows():
                rows.append({
                    "municipality": r["municipality"],
                    "no_exchange": _n(r["cost_no_exchange"], lang),
                    "exchange": _n(r["cost_exchange"], lang),
                    "payment": _n(r["payment"], lang),
                    "role": r["payer_role"],
                    "after": _n(r["cost_after_payment"], lang),
                })  # fmt: skip
        facts = content.summary_facts(result)["exchange"]
        ex = {
            "sentences": content.payment_sentences(result, lang),
            "rows": rows,
            "sign": PAYMENT_SIGN[lang],
            "savings": _eur(facts.get("savings"), lang) if facts else "-",
        }
    return {
        "title": sc.outputs.title or sc.title or sc.name,
        "scenario": sc.name,
        "hash": result.scenario_hash,
        "run_date": result.started_at[:10],
        "fictitious": bool(sc.outputs.fictitious),
        "advice": _advice(result, pages, lang),
        "sites": pages,
        "regional_map": "data:image/png;base64," + base64.b64encode(images["png"]).decode(),
        "robustness": _robustness(result, lang),
        "exchange": ex,
        "choices": _choices(result, lang),
        "sources": content.data_sources(result, lang),
        "attribution": content.attribution(result, lang),
        "profile": profile,
        "ss": result.siting.summary,
        "n": lambda v, d=0: _n(v, lang, d),
    }


# --------------------------------------------------------------------------- render
_TEMPLATE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Raadsbijlage: {{ c.title }}</title>
<style>
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
  @bottom-center { content: "pagina " counter(page) " van " counter(pages); font: 9pt sans-serif; color: #555; }
  @top-right { content: "Raadsbijlage {{ c.scenario }}"; font: 8pt sans-serif; color: #777; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111;
  max-width: 180mm; margin: auto; }
h1 { font-size: 18pt; margin: 0 0 4mm; } h2 { font-size: 14pt; margin: 0 0 3mm; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
section.page { page-break-before: always; } section.first { page-break-before: avoid; }
.fictitious { color: #b71c1c; font-weight: bold; border: 1px solid #b71c1c; padding: 2mm; }
.advice p { font-size: 11.5pt; margin: 0 0 2.5mm; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 1.5mm 0; }
th, td { padding: 0.6mm 1.2mm !important; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; }
img { max-width: 100%; } img.detail { max-height: 68mm; display: block; margin: auto; } .meta { color: #555; font-size: 9pt; }
ul.toc { list-style: none; padding: 0; } ul.toc a { color: #111; text-decoration: none; }
ul.toc a::after { content: leader(".") target-counter(attr(href), page); }
.cols { display: flex; gap: 6mm; } .cols > div { flex: 1; }
</style></head><body>
<section class="first advice" id="advies">
<h1>Advies: {{ c.title }}</h1>
<p class="meta">Scenario {{ c.scenario }} &middot; rundatum {{ c.run_date }} &middot; kenmerk {{ c.hash }}</p>
{% if c.fictitious %}<p class="fictitious">FICTIEVE DEMODATA: geen echte locaties of huishoudens.</p>{% endif %}
<h3>Wat stellen we voor?</h3><p>{{ c.advice.proposal }}</p>
<h3>Hoeveel plekken?</h3><p>{{ c.advice.places }}</p>
{% if c.advice.when %}<h3>Wanneer?</h3><p>{{ c.advice.when }}</p>{% endif %}
{% if c.advice.cost %}<h3>Wat kost het?</h3><p>{{ c.advice.cost }}</p>{% endif %}
{% if c.advice.risks %}<h3>Wat zijn de risico's?</h3><ul>{% for r in c.advice.risks %}<li>{{ r }}</li>{% endfor %}</ul>{% endif %}
{% if c.advice.payments %}<h3>Wie betaalt wie?</h3>{% for s in c.advice.payments %}<p class="payment">{{ s }}</p>{% endfor %}{% endif %}
<h3>Inhoud</h3>
<ul class="toc">
{% for s in c.sites %}<li><a href="#{{ s.anchor }}">Locatie {{ loop.index }}: {{ s.name }}</a></li>{% endfor %}
<li><a href="#kaart">Kaart van de regio</a></li>
<li><a href="#robuustheid">Hoe zeker is de keuze?</a></li>
{% if c.exchange %}<li><a href="#uitruil">Regionale uitruil en verevening</a></li>{% endif %}
<li><a href="#methode">Methode en aannames</a></li>
<li><a href="#bronnen">Bronnen en licenties</a></li>
</ul>
</section>
{% for s in c.sites %}
<section class="page" id="{{ s.anchor }}">
<h2>Locatie {{ loop.index }}: {{ s.name }}</h2>
<p class="meta">Locatie-id {{ s.id }} &middot; rang {{ s.rank }} &middot; score {{ s.score }} van 100</p>
<img class="detail" src="{{ s.map }}" alt="Detailkaart {{ s.name }}">
<div class="cols"><div>
<table>
<tr><th>Gemeente</th><td>{{ s.place.municipality }}</td></tr>
{% if s.place.wijk %}<tr><th>Wijk</th><td>{{ s.place.wijk }}</td></tr>{% endif %}
{% if s.place.buurt %}<tr><th>Buurt</th><td>{{ s.place.buurt }}</td></tr>{% endif %}
<tr><th>Over gemeentegrens</th><td>{{ "ja" if s.place.crosses_border else "nee" }}</td></tr>
<tr><th>Capaciteit</th><td>{{ s.units }} woningen, {{ s.places }} plekken</td></tr>
<tr><th>Kosten (raming)</th><td>{{ s.cost }}</td></tr>
{% if s.available_from %}<tr><th>Beschikbaar vanaf</th><td>{{ s.available_from }}</td></tr>{% endif %}
<tr><th>Bestemmingswijziging</th><td>{{ "nodig" if s.zoning_change else "niet nodig" }}</td></tr>
</table></div><div>
<table><tr><th>#</th><th>Dichtstbij</th><th>Afstand (m)</th></tr>
{% for p in s.pois %}<tr><td>{{ p.n }}</td><td>{{ p.label }}{% if p.name %}: {{ p.name }}{% endif %}</td><td class="num">{{ p.distance }}</td></tr>{% endfor %}
</table></div></div>
<h3>Score per criterium</h3>
<table><tr><th>Criterium</th><th>Gemeten</th><th>Waarde (0-1)</th><th>Gewicht</th><th>Punten</th></tr>
{% for k in s.criteria %}<tr><td>{{ k.label }}</td><td class="num">{{ k.measured }} {{ k.unit }}</td><td class="num">{{ k.value_text }}</td><td class="num">{{ k.weight }}</td><td class="num">{{ k.points }}</td></tr>{% endfor %}
</table>
<p><b>Sterk:</b> {{ s.strengths|join(", ") if s.strengths else "geen uitschieters" }}.
<b>Zwak:</b> {{ s.weaknesses|join(", ") if s.weaknesses else "geen duidelijke zwakke punten" }}.</p>
{% if s.drop %}<p><b>Als deze locatie afvalt:</b>
{% if s.drop.feasible %}de kwaliteit daalt met {{ s.drop.loss }} {{ s.drop.loss_unit }}; de kosten veranderen met {{ s.drop.cost_change }}{% if s.drop.entering %}; in de plaats komen {{ s.drop.entering }}{% endif %}.
{% else %}dan is het doel niet te halen{% if s.drop.reason %} ({{ s.drop.reason }}){% endif %}.{% endif %}</p>{% endif %}
</section>
{% endfor %}
<section class="page" id="kaart"><h2>Kaart van de regio</h2>
<img src="{{ c.regional_map }}" alt="Kaart van de regio"></section>
<section class="page" id="robuustheid"><h2>Hoe zeker is de keuze?</h2>
{% for p in c.robustness %}<p>{{ p }}</p>{% endfor %}
{% if c.exchange %}</section><section class="page" id="uitruil"><h2>Regionale uitruil en verevening</h2>
<p>Gemeenten kunnen taken aan elkaar overdragen. De besparing voor de regio is {{ c.exchange.savings }}. De verevening deelt die besparing eerlijk (Shapley-waarde).</p>
{% for s in c.exchange.sentences %}<p class="payment">{{ s }}</p>{% endfor %}
<p>In de kolom verevening betekent een plus dat de gemeente betaalt en een min dat zij ontvangt ({{ c.exchange.sign }}).</p>
<table><tr><th>Gemeente</th><th>Kosten zonder uitruil (EUR)</th><th>Kosten met uitruil (EUR)</th><th>Verevening (EUR; {{ c.exchange.sign }})</th><th>Betaalt of ontvangt</th><th>Kosten na verevening (EUR)</th></tr>
{% for r in c.exchange.rows %}<tr><td>{{ r.municipality }}</td><td class="num">{{ r.no_exchange }}</td><td class="num">{{ r.exchange }}</td><td class="num">{{ r.payment }}</td><td>{{ r.role }}</td><td class="num">{{ r.after }}</td></tr>{% endfor %}
</table>{% endif %}
</section>
<section class="page" id="methode"><h2>Methode en aannames</h2>
<p>Alle locaties op de longlist zijn eerst getoetst aan harde regels (bijvoorbeeld natuur, geluid, hoogspanning). Locaties die een regel breken vallen af. De overige locaties krijgen per criterium een waarde tussen 0 en 1; de score is de gewogen som, van 0 tot 100. Daarna kiest een rekenmodel de combinatie van locaties die het doel haalt met de beste kwaliteit per benodigde plek. Capaciteit is berekend door flexwoningen op de kavel te leggen.</p>
<p>Aantallen personen of huishoudens onder 5 staan als &lt;5. Bedragen zijn ramingen.</p>
<h3>De keuzes die ertoe doen</h3>
<table>{% for k, v in c.choices %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</table>
</section>
<section class="page" id="bronnen"><h2>Bronnen en licenties</h2>
<table><tr><th>Laag</th><th>Objecten</th><th>Bron</th><th>Licentie</th></tr>
{% for s in c.sources %}<tr><td>{{ s.layer }}</td><td class="num">{{ s.features }}</td><td>{{ s.source }}</td><td>{{ s.licence }}</td></tr>{% endfor %}
</table>
{% if c.attribution %}<p>Kaartgegevens: {{ c.attribution }}.</p>{% endif %}
<p class="meta">Gemaakt met opvang-opt. Kenmerk van het scenario: {{ c.hash }}.</p>
</section>
</body></html>
"""


def build_memo_html(
    result: RunResult, images: dict[str, bytes], lang: Lang = "nl", profile: Profile = "council"
) -> str:
    """The memo as one self-contained HTML page (images embedded)."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_TEMPLATE).render(c=memo_context(result, images, "nl", profile))


def render_memo_pdf(html_text: str) -> bytes:
    """The memo HTML as an A4 PDF (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=html_text).write_pdf()


__all__ = ["build_memo_html", "detail_map", "memo_context", "render_memo_pdf"]
_ = gpd  # geopandas plots the layers (imported for its .plot accessor)

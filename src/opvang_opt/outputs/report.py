# ruff: noqa: E501  (the embedded JavaScript/HTML template reads best with long lines)
"""The run's report (``report.html``): one self-contained file that opens offline.

Built with Jinja2 with autoescaping on, so every text from an input file is escaped. The
static map is embedded as a base64 PNG; the page loads nothing else (no CDN, no script),
and a Content-Security-Policy forbids scripts and every network request.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment

from opvang_opt.outputs import content
from opvang_opt.outputs.privacy import Profile
from opvang_opt.outputs.tables import labelled, summary_rows
from opvang_opt.pipeline import RunResult, StageReport
from opvang_opt.texts import CATALOGUE, Lang, fmt_date, fmt_number, render, t

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""The report's Content-Security-Policy: no scripts, no requests; inline styles and data
images only."""

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

REPORT_KEYS = (
    "summary", "map", "shortlist", "excluded", "allocation", "comparison", "exchange", "method",
    "criteria", "parameters", "sources", "versions", "map_note", "no_alloc", "no_exchange",
    "profile_line", "tradeoff", "robust", "counterfactual",
)  # fmt: skip
"""The report's headings and fixed texts (``report.<key>`` in the catalogue)."""


def _method(result: RunResult, lang: Lang) -> list[str]:
    """Method and assumptions as paragraphs (plain text; escaped by the template)."""
    s = result.scenario.siting
    summ = result.siting.summary
    cap = s.capacity
    method = str(s.method)
    key = f"report.scoring.{method}"
    scoring = t(key, lang) if key in CATALOGUE else method.upper()
    out = [
        t("report.method.criteria", lang, n=len(s.criteria), scoring=scoring),
        t("report.method.exclusions", lang, n=len(s.exclusions)),
        t(
            "report.method.capacity", lang, method=cap.method,
            persons_per_unit=cap.persons_per_unit, density=cap.density_units_per_ha,
        ),
        t(
            "report.method.shortlist", lang, method=s.shortlist.method,
            objective=s.shortlist.objective,
            status=content.status_label(summ.solver_status.value, lang),
            target=s.target.amount, unit=t(f"common.{s.target.unit}", lang),
        ),
    ]  # fmt: skip
    if s.robustness.samples:
        out.append(
            t("report.method.robustness", lang, samples=s.robustness.samples,
              spread=s.robustness.spread)
        )  # fmt: skip
    if result.exchange is not None:
        out.append(t("report.method.exchange", lang))
    if content.allocation_of(result) is not None:
        out.append(t("report.method.allocation", lang))
    return out


def _number(value: Any, lang: Lang, digits: int = 2) -> str:
    """A number as the workbook shows it: whole numbers and amounts from 1,000 on without
    decimals, other fractions (shares, scores) with ``digits`` decimals."""
    f = float(value)
    return fmt_number(f, lang, 0 if f.is_integer() or abs(f) >= 1000 else digits)


def _table(df: pd.DataFrame | None, lang: Lang, result: RunResult, digits: int = 2) -> dict:
    """A table as headers and rows of text (numbers in Dutch notation for ``nl``)."""
    if df is None or df.empty:
        return {"headers": [], "rows": []}
    lab = labelled(content.localised(df, lang), lang, result)
    rows = []
    for rec in lab.itertuples(index=False, name=None):
        row = []
        for v in rec:
            if isinstance(v, bool | np.bool_):
                row.append(t("common.yes" if v else "common.no", lang))
            elif content.is_number(v):
                row.append(_number(v, lang, digits))
            elif v is None or (isinstance(v, float)) or (pd.api.types.is_scalar(v) and pd.isna(v)):
                row.append("")
            else:
                row.append(str(v))
        rows.append(row)
    return {"headers": list(lab.columns), "rows": rows}


def _with_overlaps(shortlist: pd.DataFrame, cols: list[str], lang: Lang) -> pd.DataFrame:
    """The shortlist's ``cols``, its location flags with the overlapping plots added
    (:func:`content.overlap_flag`, from ``overlaps_with``, which is not shown itself)."""
    if "location_flags" not in cols or "overlaps_with" not in shortlist.columns:
        return shortlist[cols]
    shown = content.localised(shortlist[[*cols, "overlaps_with"]], lang, codes=False)
    return shown.drop(columns="overlaps_with")


def _tradeoff_section(result: RunResult, lang: Lang) -> dict[str, Any]:
    """The frontier chart, the robustness of the chosen rule and the counterfactuals."""
    from opvang_opt.outputs.frontier import frontier_png

    s = result.siting
    png = frontier_png(s.tradeoff, lang)
    lines = []
    summ = s.summary
    if summ.quality is not None:
        note = str(render(summ.overshoot_note, lang))
        if note:  # a clause ("overschot 60 boven ..."): its own sentence after the quality
            note = note[0].upper() + note[1:] + ("" if note.endswith(".") else ".")
        lines.append(t("report.tradeoff.quality", lang, quality=round(summ.quality, 1)) + note)
    sets = s.shortlist_sets
    if sets is not None and not sets.empty:
        rob = result.scenario.siting.robustness
        share = float(sets.attrs.get("chosen_share", 0.0))
        core = sets.attrs.get("stable_core", [])
        rule = _memo_label("selection", summ.shortlist_method, lang) + (
            f", {_memo_label('objective', summ.objective, lang)}" if summ.objective else ""
        )
        lines.append(
            t("report.tradeoff.robust", lang, n=rob.samples, rule=rule,
              share=round(100 * share), stable=round(100 * rob.stable_share),
              core=", ".join(core) if core else t("common.none", lang))
        )  # fmt: skip
    shares = None
    if s.sensitivity is not None and "shortlist_share" in s.sensitivity.columns:
        sh = s.sensitivity.dropna(subset=["shortlist_share"])
        sh = sh[(sh["shortlist_share"] > 0) | sh["shortlisted"].astype(bool)]
        shares = sh.sort_values("shortlist_share", ascending=False)[
            ["site_id", "shortlist_share", "stable_core", "shortlisted"]
        ].head(12)
    cf = s.counterfactuals
    cf_table = None
    if cf is not None and not cf.empty:
        keep = ["site_id", "action", "feasible", "loss", "loss_unit", "cost_change", "leaving",
                "entering", "reason"]  # fmt: skip
        cf = cf[[c for c in keep if c in cf.columns]].copy()
        cf["action"] = [t(f"report.tradeoff.{a}", lang) for a in cf["action"]]
        cf_table = cf.sort_values(["action", "loss"], na_position="last").head(15)
    return {
        "png": base64.b64encode(png).decode("ascii") if png else "",
        "lines": lines,
        "sets": _table(sets if sets is not None and not sets.empty else None, lang, result),
        "shares": _table(shares, lang, result),
        "counterfactuals": _table(cf_table, lang, result),
    }


def report_context(
    result: RunResult, lang: Lang, profile: Profile, images: dict[str, bytes]
) -> dict[str, Any]:
    """Everything the report template shows (plain values; escaped by the template)."""
    sc = result.scenario
    s = result.siting
    sites = s.sites
    name_col = content.site_name_column(result)
    id_col = result.inputs.siting.id_column
    ex = sites[sites["excluded"].to_numpy(bool)]
    excluded = pd.DataFrame(
        {
            "site_id": ex[id_col].astype(str),
            "name": ex[name_col] if name_col else "",
            "exclusion_reasons": ex["exclusion_reasons"],
        }
    )
    # the longlist's own id and name columns, under the report's column names
    shortlist = s.shortlist.rename(columns={id_col: "site_id", **({name_col: "name"}
                                                                   if name_col else {})})  # fmt: skip
    short_cols = [c for c in ("rank", "site_id", "name", "municipality", "score",
                              "capacity_units", "capacity_places", "location_flags", "decision")
                  if c in shortlist.columns]  # fmt: skip
    crit = pd.DataFrame(
        [{"criterion": c.label, "kind": c.kind, "unit": c.unit, "weight": c.weight}
         for c in s.criteria]
    )  # fmt: skip
    by_site = content.allocation_by_site(result)
    alloc_summary = content.allocation_summary(result, profile)
    alloc_table = None
    if by_site is not None:
        alloc_table = content.allocation_for_profile(by_site, profile).drop(
            columns=["x", "y"], errors="ignore"
        )
    ex_tables = content.exchange_tables(result)
    exchange = None
    if result.exchange is not None:
        pay = ex_tables.get("side_payments.csv")
        if pay is not None:
            pay = content.with_payer_role(pay, lang)
        keep = ["municipality", "cost_no_exchange", "cost_exchange", "shapley_saving", "payment",
                "payer_role",
                "cost_after_payment", "saving_after_payment", "individually_rational"]  # fmt: skip
        flows = ex_tables.get("exchange_flows.csv")
        facts = content.summary_facts(result)["exchange"]
        payments = result.exchange.payments
        exchange = {
            "facts": facts,
            "sentences": content.payment_sentences(result, lang),
            "payments": _table(
                pay[[c for c in keep if c in pay.columns]] if pay is not None else None,
                lang,
                result,
            ),
            "flows": _table(
                flows[["from_name", "to_name", "group", "places"]]
                if flows is not None and not flows.empty
                else None,
                lang,
                result,
            ),
            # without an exchange (infeasible): what is wrong and which rules must give
            "core": render(payments.core.message, lang)
            if payments is not None
            else render((facts["message"], *facts["diagnosis"]), lang),
        }
    summary = [(k, _number(v, lang) if content.is_number(v) else v)
               for k, v in summary_rows(result, lang, profile)]  # fmt: skip
    return {
        "lang": lang,
        "title": sc.outputs.title or sc.title or sc.name,
        "description": sc.description,
        "fictitious": t("map.fictitious", lang) if sc.outputs.fictitious else "",
        "scenario": sc.name,
        "hash": result.scenario_hash,
        "run_date": fmt_date(result.started_at, lang),
        "profile": t(f"common.profile.{profile}", lang),
        "privacy": t("report.privacy" if profile == "council" else "report.privacy_analyst", lang),
        "summary": summary,
        "png": base64.b64encode(images["png"]).decode("ascii") if "png" in images else "",
        "shortlist": _table(_with_overlaps(shortlist, short_cols, lang), lang, result),
        "excluded": _table(excluded, lang, result),
        "tradeoff": _tradeoff_section(result, lang),
        "alloc_summary": alloc_summary,
        "allocation": _table(alloc_table, lang, result) if alloc_table is not None else None,
        "comparison": _table(alloc_summary.get("comparison"), lang, result)
        if alloc_summary and isinstance(alloc_summary.get("comparison"), pd.DataFrame)
        else None,
        "exchange": exchange,
        "services": _services(result, lang, profile),
        "planning": _planning(result, lang),
        "method": _method(result, lang),
        "criteria": _table(crit, lang, result, digits=3),
        "parameters": content.scenario_parameters(result),
        "sources": _table(pd.DataFrame(content.data_sources(result, lang)), lang, result),
        "attribution": content.attribution(result, lang),
        "versions": sorted(result.versions.items()),
        "stages": [
            (
                _stage_name(st.name, lang),
                content.status_label(st.status, lang),
                fmt_number(st.seconds, lang, 2),
                _stage_message(st, profile, lang),
            )
            for st in result.stages
        ],
        "L": {k: t(f"report.{k}", lang) for k in REPORT_KEYS},
        "T": {k: t(f"map.{k}", lang) for k in ("scenario", "run_date")},
    }


def _services(result: RunResult, lang: Lang, profile: Profile) -> dict[str, Any] | None:
    """The Voorzieningen section (services check), with its tables as text."""
    from opvang_opt.outputs.services import report_section

    names = {m.code: m.name for m in result.scenario.region.municipalities}
    sec = report_section(result.services, lang, profile, names)
    if sec is None:
        return None
    sec["bottlenecks"] = _table(sec["bottlenecks"], lang, result)
    sec["expansions"] = _table(sec["expansions"], lang, result)
    return sec


def _planning(result: RunResult, lang: Lang) -> dict[str, Any] | None:
    """The planning section: facts, the timeline chart with its alt text and caption, the
    totals per period and the reasons."""
    if result.planning is None:
        return None
    from opvang_opt.outputs.content import shortlisted_sites
    from opvang_opt.outputs.planning import section

    sec = section(result.planning, lang, shortlisted_sites(result))
    if sec is not None:
        sec["periods"] = _table(sec["periods"], lang, result)
    return sec


def _memo_label(prefix: str, code: str, lang: Lang) -> str:
    """A shortlist method or objective in words (the memo's label), else the code."""
    key = f"memo.{prefix}.{code}"
    return t(key, lang) if key in CATALOGUE else code


def _stage_name(name: str, lang: Lang) -> str:
    """A stage's name in ``lang`` (the CLI's label: "Toewijzing", not the code)."""
    key = f"cli.stage.{name}"
    return t(key, lang) if key in CATALOGUE else name


def _stage_message(stage: StageReport, profile: Profile, lang: Lang) -> str:
    """A stage's message for the report: the allocation's free text (with household counts
    by rule) and the services' (counts of children below 5 and the totals that give them
    back) only in the analyst profile; the council sees the suppressed tables instead."""
    if stage.name in ("allocation", "services") and profile == "council":
        return ""
    return render(stage.message, lang)


_TEMPLATE = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "Segoe UI", Arial, sans-serif; font-size: 14px; color: #222; max-width: 1100px;
  margin: 0 auto; padding: 16px 24px; line-height: 1.4; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; border-bottom: 2px solid #08306b;
  padding-bottom: 2px; margin-top: 28px; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; }
.meta { color: #555; font-size: 12px; }
.fictitious { color: #b71c1c; font-weight: bold; border: 2px solid #b71c1c; padding: 4px 8px;
  display: inline-block; margin: 6px 0; }
.privacy { background: #fff8e1; border-left: 4px solid #f9a825; padding: 4px 8px; font-size: 12px; }
img.map { max-width: 100%; border: 1px solid #ccc; }
img.chart { max-width: 100%; }
details summary { cursor: pointer; font-weight: bold; }
@media print { details { display: block; } h2 { page-break-after: avoid; } }
</style>
</head>
<body>
{% macro table(tb) %}
{% if tb and tb.rows %}
<table><thead><tr>{% for h in tb.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in tb.rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table>
{% else %}<p>&ndash;</p>{% endif %}
{% endmacro %}
<h1 id="title">{{ title }}</h1>
{% if fictitious %}<div class="fictitious">{{ fictitious }}</div>{% endif %}
<p class="meta">{{ T.scenario }}: {{ scenario }} &middot; hash {{ hash }} &middot; {{ T.run_date }}: {{ run_date }}
 &middot; {{ L.profile_line }}: {{ profile }}</p>
{% if description %}<p>{{ description }}</p>{% endif %}
<p class="privacy">{{ privacy }}</p>

<h2 id="summary">{{ L.summary }}</h2>
<table id="summary-table"><tbody>
{% for k, v in summary %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}
</tbody></table>

<h2 id="map">{{ L.map }}</h2>
{% if png %}<img class="map" id="static-map" alt="{{ L.map }}: {{ title }}" src="data:image/png;base64,{{ png }}">{% endif %}
<p class="meta">{{ L.map_note }}</p>

<h2 id="shortlist">{{ L.shortlist }}</h2>
{{ table(shortlist) }}
<h3>{{ L.excluded }}</h3>
{{ table(excluded) }}

<h2 id="tradeoff">{{ L.tradeoff }}</h2>
{% if tradeoff.png %}<img class="chart" id="frontier-chart" alt="{{ L.tradeoff }}" src="data:image/png;base64,{{ tradeoff.png }}">{% endif %}
{% for line in tradeoff.lines %}<p>{{ line }}</p>{% endfor %}
<h3 id="robust">{{ L.robust }}</h3>
{{ table(tradeoff.sets) }}
{{ table(tradeoff.shares) }}
<h3 id="counterfactual">{{ L.counterfactual }}</h3>
{{ table(tradeoff.counterfactuals) }}

<h2 id="allocation">{{ L.allocation }}</h2>
{% if allocation %}
{{ table(allocation) }}
<h3>{{ L.comparison }}</h3>
{{ table(comparison) }}
{% else %}<p>{{ L.no_alloc }}</p>{% endif %}

<h2 id="exchange">{{ L.exchange }}</h2>
{% if exchange %}
{% for s in exchange.sentences %}<p class="payment">{{ s }}</p>{% endfor %}
{{ table(exchange.flows) }}
{{ table(exchange.payments) }}
{% if exchange.core %}<p>{{ exchange.core }}</p>{% endif %}
{% else %}<p>{{ L.no_exchange }}</p>{% endif %}

{% if services %}
<h2 id="services">{{ services.title }}</h2>
<p>{{ services.intro }}</p>
<p>{{ services.cost_label }}: {{ services.cost }} ({{ services.status }})</p>
<img class="chart" id="services-chart" alt="{{ services.chart_label }}" src="data:image/png;base64,{{ services.png }}">
<h3>{{ services.bottlenecks_label }}</h3>
{{ table(services.bottlenecks) }}
{% if services.privacy %}<p>{{ services.privacy }}</p>{% endif %}
<h3>{{ services.expansions_label }}</h3>
{{ table(services.expansions) }}
{% if services.diagnosis %}<h3>{{ services.diagnosis_label }}</h3>
<ul>{% for d in services.diagnosis %}<li>{{ d }}</li>{% endfor %}</ul>{% endif %}
{% endif %}

{% if planning %}
<h2 id="planning">{{ planning.title }}</h2>
<p>{{ planning.intro }}</p>
<p id="planning-opens">{{ planning.opens }}</p>{% if planning.shortlist %}
<p id="planning-shortlist">{{ planning.shortlist }}</p>{% endif %}{% if planning.baseline %}
<p id="planning-baseline">{{ planning.baseline }}</p>{% endif %}
<h3>{{ planning.facts_label }}</h3>
<table id="planning-facts"><tbody>
{% for k, v in planning.facts %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}
</tbody></table>
<figure>
<img class="chart" id="planning-chart" alt="{{ planning.alt }}" src="data:image/png;base64,{{ planning.png }}">
<figcaption>{{ planning.caption }}</figcaption>
</figure>
<h3>{{ planning.periods_label }}</h3>
{{ table(planning.periods) }}
{% if planning.reasons %}<details><summary>{{ planning.reasons_label }}</summary>
<ul id="planning-reasons">{% for r in planning.reasons %}<li>{{ r }}</li>{% endfor %}</ul></details>{% endif %}
{% endif %}

<h2 id="method">{{ L.method }}</h2>
{% for p in method %}<p>{{ p }}</p>{% endfor %}
<h3>{{ L.criteria }}</h3>
{{ table(criteria) }}

<h2 id="parameters">{{ L.parameters }}</h2>
<table id="parameters-table"><tbody>
{% for k, v in parameters %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}
</tbody></table>

<h2 id="sources">{{ L.sources }}</h2>
{{ table(sources) }}
{% if attribution %}<p class="meta">{{ attribution }}</p>{% endif %}

<h2 id="versions">{{ L.versions }}</h2>
<table><tbody>{% for k, v in versions %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>{% endfor %}</tbody></table>
<table><tbody>{% for n, s, sec, msg in stages %}<tr><th>{{ n }}</th><td>{{ s }}</td><td>{{ sec }} s</td><td>{{ msg }}</td></tr>{% endfor %}</tbody></table>
</body>
</html>
"""
)


def build_report(
    result: RunResult,
    images: dict[str, bytes],
    lang: Lang | None = None,
    profile: Profile = "council",
) -> str:
    """The report as one HTML document.

    Parameters
    ----------
    result
        The run.
    images
        The static map (``{"png": bytes}``, from :func:`~opvang_opt.outputs.static.render_static`).
    lang
        Language; defaults to the scenario's ``outputs.lang``.
    profile
        Export profile (``council`` shows counts of persons below 5 as ``<5``).
    """
    lang = lang or result.scenario.outputs.lang
    ctx = report_context(result, lang, profile, images)
    return _TEMPLATE.render(csp=CSP, **ctx)

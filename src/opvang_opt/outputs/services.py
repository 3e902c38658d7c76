"""Outputs of the services check: CSV tables, the chart, the report section and the map layer.

Council exports show counts of children, registrations and places needed from 1 to 4 as
``<5`` (the demand and the shortfalls describe groups of people); the analyst profile shows
exact numbers.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from opvang_opt.outputs.privacy import Profile, show_count
from opvang_opt.texts import render

COUNT_COLUMNS = ("demand", "placed_now", "short_now", "placed_after", "short_after")
"""Columns that count people (suppressed below 5 for the council)."""

TYPE_NL = {"taalklas": "taalklas (nieuwkomers, 4-11 jaar)", "isk": "ISK (nieuwkomers, 12-17 jaar)",
           "gp": "huisarts (inschrijvingen)", "youth_care": "jeugdzorg (amv)"}  # fmt: skip
TYPE_EN = {"taalklas": "newcomer class (4-11)", "isk": "ISK (12-17)",
           "gp": "GP (registrations)", "youth_care": "youth care (amv)"}  # fmt: skip

_L = {
    "title": {"nl": "Voorzieningen", "en": "Services"},
    "intro": {
        "nl": "Kinderen die nieuwkomersonderwijs nodig hebben (taalklas, ISK), "
        "huisartsinschrijvingen en jeugdzorg voor alleenstaande minderjarigen (amv) per "
        "periode, tegen de plekken binnen bereik; de goedkoopste uitbreiding die de tekorten "
        "dekt (exact: min-cost flow en MIP).",
        "en": "Children who need newcomer education (newcomer class, ISK), GP registrations "
        "and youth care for unaccompanied minors (amv) per period, against the places within "
        "reach; the cheapest expansion that covers the shortfalls (exact: min-cost flow and "
        "MIP).",
    },
    "none": {
        "nl": "Deze run heeft geen voorzieningencheck.",
        "en": "This run has no services check.",
    },
    "bottlenecks": {
        "nl": "Knelpunten per periode en gebied",
        "en": "Bottlenecks per period and area",
    },
    "expansions": {"nl": "Uitbreidingsplan", "en": "Expansion plan"},
    "cost": {"nl": "Kosten uitbreiding", "en": "Cost of the expansion"},
    "diagnosis": {
        "nl": "Niet op te lossen met de toegestane uitbreidingen",
        "en": "Not solved by the allowed expansions",
    },
    "chart": {"nl": "Vraag en plekken per periode", "en": "Demand and places per period"},
}


def _l(key: str, lang: str) -> str:
    return _L[key][lang]


def services_csv_tables(run: Any, profile: Profile) -> dict[str, pd.DataFrame]:
    """The CSV tables, with counts below 5 suppressed for the council profile."""
    out = {}
    for name, table in run.tables().items():
        out[name] = suppress(table, profile)
    return out


def suppress(table: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Counts of people 1-4 as ``<5`` for the council (places and money stay exact)."""
    if profile != "council":
        return table
    df = table.copy()
    for col in COUNT_COLUMNS:
        if col in df.columns:
            df[col] = [show_count(v, profile) for v in df[col]]
    return df


def chart_png(run: Any, lang: str = "nl") -> bytes:
    """A PNG chart per newcomer type: demand, places within reach now and after the
    expansion, per period (region total)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = run.result
    inst = r.instance
    kinds = [k for k in inst.types if k in ("taalklas", "isk")] or list(inst.types)[:1]
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 3.4), squeeze=False)
    names = TYPE_NL if lang == "nl" else TYPE_EN
    x = range(inst.n_periods)
    cap_after = r.expansion.capacity(inst.providers)
    for ax, kind in zip(axes[0], kinds, strict=True):
        idx = inst.providers.of_type(kind)
        dem = inst.demand[kind].sum(axis=0)
        now = [int(inst.providers.capacity[idx][~inst.providers.facility[idx]].sum())] * len(x)
        after = cap_after[idx].sum(axis=0)
        short = r.before[kind].unmet.sum(axis=0)
        ax.bar(x, dem, color="#9ecae1", label="vraag" if lang == "nl" else "demand")
        ax.bar(x, short, color="#de2d26", label="tekort nu" if lang == "nl" else "short now")
        ax.step(x, now, where="mid", color="#333", label="plekken nu" if lang == "nl" else
                "places now")  # fmt: skip
        ax.step(x, after, where="mid", color="#31a354", linestyle="--",
                label="na uitbreiding" if lang == "nl" else "after expansion")  # fmt: skip
        ax.set_title(names.get(kind, kind), fontsize=10)
        ax.set_xticks(list(x), list(inst.periods), rotation=45, fontsize=7)
        ax.legend(fontsize=7)
    fig.suptitle(_l("chart", lang), fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def report_section(run: Any | None, lang: str, profile: Profile) -> dict[str, Any] | None:
    """Plain values for the report's Voorzieningen section (escaped by the template)."""
    if run is None:
        return None
    import base64

    r = run.result
    names = TYPE_NL if lang == "nl" else TYPE_EN
    bott = suppress(run.tables()["services_bottlenecks.csv"], profile)
    bott = bott[(bott["short_now"] != "0") & (bott["short_now"] != 0)]
    bott = bott.assign(type=[names.get(k, k) for k in bott["type"]])
    exp = run.tables()["services_expansions.csv"]
    summ = run.summary(lang)
    cost = f"EUR {r.cost['total'] / 100:,.0f}"
    cost = cost.replace(",", ".") if lang == "nl" else cost
    return {
        "title": _l("title", lang),
        "intro": _l("intro", lang),
        "status": summ["status"],
        "cost_label": _l("cost", lang),
        "cost": cost,
        "bottlenecks_label": _l("bottlenecks", lang),
        "bottlenecks": bott,
        "expansions_label": _l("expansions", lang),
        "expansions": exp,
        "diagnosis_label": _l("diagnosis", lang),
        "diagnosis": [
            _suppress_text(render(s.message, lang), profile) for s in r.diagnosis.shortfalls
        ],
        "png": base64.b64encode(chart_png(run, lang)).decode("ascii"),
        "chart_label": _l("chart", lang),
        "sources": sorted({p.source for p in run.extra.get("profiles", ())}),
    }


def _suppress_text(message: str, profile: Profile) -> str:
    """A diagnosis line with its counts 1-4 shown as <5 for the council."""
    if profile != "council":
        return message
    import re

    return re.sub(r"\b([1-4])\b(?= van| of)", "<5", message)


def provider_layer(run: Any) -> list[dict[str, Any]]:
    """Providers for the map: id, name, type, places now and added, x/y in RD New."""
    r = run.result
    p = r.instance.providers
    cap_after = r.expansion.capacity(p)
    out = []
    for j in range(p.n):
        added = int(cap_after[j].max()) - (0 if p.facility[j] else int(p.capacity[j]))
        if p.facility[j] and added == 0:
            continue  # a candidate facility not opened is not drawn
        out.append({"id": p.ids[j], "name": p.names[j], "type": p.type[j],
                    "places": 0 if p.facility[j] else int(p.capacity[j]), "added": added,
                    "x": float(p.x[j]), "y": float(p.y[j])})  # fmt: skip
    return out

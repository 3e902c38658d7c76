"""Outputs of the services check: CSV tables, the chart, the report section and the map layer.

Council exports show counts of children, registrations and places needed from 1 to 4 as
``<5`` (the demand and the shortfalls describe groups of people); the analyst profile shows
exact numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd

from opvang_opt.outputs.privacy import (
    MIN_COUNT,
    SECONDARY,
    SMALL,
    Profile,
    show_count,
    suppress_row,
)
from opvang_opt.texts import Lang, Message, render, t

COUNT_COLUMNS = ("demand", "placed_now", "short_now", "placed_after", "short_after")
"""Columns that count people (suppressed below 5 for the council)."""

SERVICE_TYPES_NAMED = ("taalklas", "isk", "gp", "youth_care")
"""Types with a name in the text catalogue (``services.type.<type>``)."""


def type_name(kind: str, lang: Lang = "nl") -> str:
    """The readable name of a service type in ``lang`` (the code itself when unknown)."""
    return t(f"services.type.{kind}", lang) if kind in SERVICE_TYPES_NAMED else kind


ANALYST_ONLY = ("services.csv",)
"""Tables written for the analyst profile only. The per-site table's rows add up to the
bottleneck table's area totals, and each table is suppressed on its own: an area's total
less the shown sites gave a site's hidden count of children (1-4) back (demo, ISK
2026-H1: 16 short in Diemen, 14 at one site and 0 at another, so 2 at the third). The
council reads the bottlenecks per area, the expansion plan and the chart."""


def services_csv_tables(run: Any, profile: Profile) -> dict[str, pd.DataFrame]:
    """The CSV tables, with counts below 5 suppressed for the council profile (which gets
    no per-site table: :data:`ANALYST_ONLY`)."""
    out = {}
    for name, table in run.tables().items():
        if profile == "council" and name in ANALYST_ONLY:
            continue
        out[name] = suppress(table, profile)
    return out


SUM_ROWS = (("demand", ("placed_now", "short_now")), ("demand", ("placed_after", "short_after")))
"""Counts that add up in each row (``services.csv``): placed + short = demand."""

SHORT_PLACES = (("short_now", "places_in_reach_now"), ("short_after", "places_in_reach_after"))
"""Shortfalls that the bottleneck table's demand and places in reach give back (short =
demand - places in reach where the places do not suffice): hidden per area and type."""


def suppress(table: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Counts of people 1-4 as ``<5`` for the council (places and money stay exact).

    A suppressed count that the row's other numbers give back is protected by hiding one
    more number as ``x`` (secondary suppression): in ``services.csv`` placed + short =
    demand (see :func:`~opvang_opt.outputs.privacy.suppress_row`); in the bottleneck table a
    shortfall is the demand less the places in reach, so those places are hidden.
    """
    if profile != "council":
        return table
    df = table.copy()
    for col in COUNT_COLUMNS:
        if col in df.columns:
            df[col] = [show_count(v, profile) for v in df[col]]
    pairs = [(t, p) for t, p in SUM_ROWS if t in df.columns and all(c in df.columns for c in p)]
    for i in range(len(df)):
        hide_total = False
        for total, parts in pairs:
            values = [table[c].iloc[i] for c in parts]
            shown, _ = suppress_row(values, table[total].iloc[i])
            for c, v in zip(parts, shown, strict=True):
                df.iloc[i, df.columns.get_loc(c)] = v
            # both parts <5 and adding up to 8: each is 4, whatever is hidden: hide the total
            if shown == [SMALL, SMALL] and sum(float(v) for v in values) == 2 * (MIN_COUNT - 1):
                hide_total = True
        if hide_total:
            df.iloc[i, df.columns.get_loc(pairs[0][0])] = SECONDARY
            for _, parts in pairs:  # a pair shown in full would give the total back
                if not any(df[c].iloc[i] in (SMALL, SECONDARY) for c in parts):
                    for c in parts:
                        if df[c].iloc[i] != "0":
                            df.iloc[i, df.columns.get_loc(c)] = SECONDARY
    keys = [c for c in ("area", "type") if c in df.columns]
    for short, places in SHORT_PLACES:
        if short in df.columns and places in df.columns:
            hide = (df[short] == SMALL).to_numpy()
            if keys:  # the places in reach of an area mostly stay the same over the periods:
                # another period's row would give them back, so hide them in every period
                hit = {tuple(k) for k in df.loc[hide, keys].astype(str).to_numpy()}
                hide = [tuple(k) in hit for k in df[keys].astype(str).to_numpy()]
            df[places] = [SECONDARY if h else v for h, v in zip(hide, df[places], strict=True)]
    return df


def chart_png(run: Any, lang: Lang = "nl") -> bytes:
    """A PNG chart per newcomer type: demand, places within reach now and after the
    expansion, per period (region total)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = run.result
    inst = r.instance
    kinds = [k for k in inst.types if k in ("taalklas", "isk")] or list(inst.types)[:1]
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 3.4), squeeze=False)
    x = range(inst.n_periods)
    cap_after = r.expansion.capacity(inst.providers)
    for ax, kind in zip(axes[0], kinds, strict=True):
        idx = inst.providers.of_type(kind)
        dem = inst.demand[kind].sum(axis=0)
        now = [int(inst.providers.capacity[idx][~inst.providers.facility[idx]].sum())] * len(x)
        after = cap_after[idx].sum(axis=0)
        short = r.before[kind].unmet.sum(axis=0)
        ax.bar(x, dem, color="#9ecae1", label=t("services.chart_demand", lang))
        ax.bar(x, short, color="#de2d26", label=t("services.chart_short_now", lang))
        ax.step(x, now, where="mid", color="#333", label=t("services.chart_places_now", lang))
        ax.step(x, after, where="mid", color="#31a354", linestyle="--",
                label=t("services.chart_after", lang))  # fmt: skip
        ax.set_title(type_name(kind, lang), fontsize=10)
        ax.set_xticks(list(x), list(inst.periods), rotation=45, fontsize=7)
        ax.legend(fontsize=7)
    fig.suptitle(t("services.chart", lang), fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def report_section(
    run: Any | None, lang: Lang, profile: Profile, names: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Plain values for the report's and the memo's Voorzieningen section (escaped by the
    template); ``names`` shows an area code (``GM0384``) as its municipality's name."""
    if run is None:
        return None
    import base64

    r = run.result
    bott = suppress(run.tables()["services_bottlenecks.csv"], profile)
    bott = bott[(bott["short_now"] != "0") & (bott["short_now"] != 0)]
    bott = bott.assign(type=[type_name(k, lang) for k in bott["type"]])
    if names:
        bott = bott.assign(area=[names.get(str(a), a) for a in bott["area"]])
    exp = run.tables()["services_expansions.csv"]
    summ = run.summary(lang)
    # "infeasible" beside a cost reads as if the expansion could not be made: it is made,
    # and some shortfalls remain (the diagnosis below names them)
    status = f"status.{summ['status']}"
    if summ["status"] == "infeasible":
        status = "services.status_short"
    cost = t("services.cost_eur", lang, cost=r.cost["total"] / 100)
    return {
        "title": t("services.title", lang),
        "intro": t("services.intro", lang),
        "status": t(status, lang),
        "privacy": t("services.privacy_note", lang) if profile == "council" else "",
        "cost_label": t("services.cost", lang),
        "cost": cost,
        "bottlenecks_label": t("services.bottlenecks", lang),
        "bottlenecks": bott,
        "expansions_label": t("services.expansions", lang),
        "expansions": exp,
        "diagnosis_label": t("services.diagnosis", lang),
        "diagnosis": [
            _suppress_text(render(_named(s.message, names), lang), profile)
            for s in r.diagnosis.shortfalls
        ],
        "png": base64.b64encode(chart_png(run, lang)).decode("ascii"),
        "chart_label": t("services.chart", lang),
        "sources": sorted({p.source for p in run.extra.get("profiles", ())}),
    }


def merge_period_runs(
    df: pd.DataFrame, periods: Sequence[str], lang: Lang, totals: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per run of consecutive periods whose other values are the same, its period
    written as a range (``2027-H1 t/m 2035-H2``); the ``totals`` columns (money) are
    added up over the run and take no part in the comparison. For the memo, where twenty
    identical half-year rows would fill pages; the CSV files keep a row per period.
    """
    if df.empty or "period" not in df.columns:
        return df
    order = {p: i for i, p in enumerate(periods)}
    keys = [c for c in df.columns if c != "period" and c not in totals]
    runs: list[dict[str, Any]] = []
    last: dict[tuple[str, ...], tuple[int, int]] = {}  # key -> (run index, its last period)
    for rec in df.to_dict("records"):
        key = tuple(str(rec[c]) for c in keys)
        at = order.get(str(rec["period"]))
        prev = last.get(key)
        if at is not None and prev is not None and prev[1] == at - 1:
            run = runs[prev[0]]
            run["_last"] = rec["period"]
            for c in totals:
                run[c] = run[c] + rec[c]
            last[key] = (prev[0], at)
            continue
        runs.append({**rec, "_last": rec["period"]})
        if at is not None:
            last[key] = (len(runs) - 1, at)
    for run in runs:
        first, end = run["period"], run.pop("_last")
        if end != first:
            run["period"] = t("stage.services.period_range", lang, first=first, last=end)
    return pd.DataFrame(runs, columns=df.columns)


def _named(message: Any, names: dict[str, str] | None) -> Any:
    """A diagnosis message with its area code shown as the municipality's name."""
    params = getattr(message, "params", None)
    if not names or not params or str(params.get("area")) not in names:
        return message
    return Message(message.code, {**params, "area": names[str(params["area"])]})


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

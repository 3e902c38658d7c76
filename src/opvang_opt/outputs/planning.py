"""Planning outputs: plan.csv, plan_summary.csv, plan_reasons.csv, the timeline chart and
a Gantt chart of the sites (PNG, drawn offline with matplotlib).

Council tables are aggregates per site, period, municipality and group (no households).
Text cells that start with a formula character are prefixed with a quote.

No count is suppressed here, on purpose: every number is a number of places (the task,
places planned, units, unmet places and the person-days they imply), not of people. The
task is the municipality's share of the national taakstelling (public, in the scenario's
task table), the places are the municipality's own plan, and an unmet place of 1-4 is the
difference of the two: no household stands behind it and nothing about a person follows
from it. The planning stage reads no household data (the allocation's households never
reach it), so the council's privacy rule (counts of people below 5) does not apply; the
services check, whose demand counts children, is suppressed (:mod:`.services`).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from opvang_opt.outputs.safe import neutralise, write_csv
from opvang_opt.planning.explain import render
from opvang_opt.planning.solve import PlanningResult
from opvang_opt.texts import CATALOGUE, Lang, fmt_number, t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from opvang_opt.pipeline import RunResult


def _safe(text: str) -> str:
    """Never let input text become a spreadsheet formula (the one rule of
    :mod:`opvang_opt.outputs.safe`, with its full-width and line-break starts)."""
    return neutralise(text)


def site_points(run: RunResult) -> dict[str, tuple[float, float]]:
    """(lat, lon) per planning site: the longlist geometry's representative point, else the
    x/y (RD New) of the stock or candidate table."""
    import geopandas as gpd
    from shapely.geometry import Point

    ids: list[str] = []
    geoms = []
    sites = run.siting.sites
    id_col = run.inputs.siting.id_column
    for sid, geom in zip(sites[id_col].astype(str), sites.geometry, strict=True):
        if geom is not None and not geom.is_empty:
            ids.append(sid)
            geoms.append(geom.representative_point())
    tables = run.inputs.planning
    for df in (tables.stock, tables.candidates) if tables is not None else ():
        if df is None or "x" not in df.columns or "y" not in df.columns:
            continue
        for sid, x, y in zip(df["site_id"], df["x"], df["y"], strict=True):
            try:
                fx, fy = float(x), float(y)
            except (TypeError, ValueError):
                continue
            if str(sid) not in ids and np.isfinite(fx) and np.isfinite(fy):
                ids.append(str(sid))
                geoms.append(Point(fx, fy))
    if not geoms:
        return {}
    wgs = gpd.GeoSeries(geoms, crs="EPSG:28992").to_crs("EPSG:4326")
    return {sid: (p.y, p.x) for sid, p in zip(ids, wgs, strict=True)}


def plan_table(result: PlanningResult) -> pd.DataFrame:
    """Site x period: open, units, built, moved in/out, closed, occupied places, cost (EUR).

    ``cost_eur`` is the discounted cost of that site in that period (opening, building,
    moving in, closing, running), so the column sums with the unmet cost to the total.
    """
    inst, p = result.instance, result.plan
    if p is None:
        return pd.DataFrame()
    rows = []
    for s, site in enumerate(inst.sites):
        for tp in range(inst.n_periods):
            if not (p.open[s, tp] or p.moved_out[s, tp] or p.closed[s, tp]):
                continue
            cost = (
                (inst.disc(site.opening_cost, tp) if p.start[s, tp] and not site.existing else 0)
                + int(p.built[s, tp]) * inst.disc(site.build_cost, tp)
                + int(p.moved_in[s, tp]) * inst.disc(site.move_cost, tp)
                + int(p.closed[s, tp]) * inst.disc(site.close_cost, tp)
                + int(p.units[s, tp]) * inst.running_coef(s, tp)
            )
            occupied = sum(
                int(p.assigned[s, tp, g]) * inst.places_per_unit[g] for g in range(len(inst.groups))
            )
            row = {
                "site_id": _safe(site.site_id),
                "name": _safe(site.name),
                "municipality_code": inst.municipalities[site.municipality],
                "period": inst.periods[tp],
                "open": int(p.open[s, tp]),
                "units": int(p.units[s, tp]),
                "built": int(p.built[s, tp]),
                "moved_in": int(p.moved_in[s, tp]),
                "moved_out": int(p.moved_out[s, tp]),
                "closed": int(p.closed[s, tp]),
                "occupied_places": occupied,
            }
            for g, name in enumerate(inst.groups):
                row[f"units_{name}"] = int(p.assigned[s, tp, g])
            row["cost_eur"] = round(cost / 100, 2)
            rows.append(row)
    return pd.DataFrame(rows)


def plan_summary(result: PlanningResult) -> pd.DataFrame:
    """Per period, municipality and group: task, capacity placed, unmet places and
    person-days, for the plan and the greedy baseline."""
    inst = result.instance
    rows = []
    for tp in range(inst.n_periods):
        for mu in range(len(inst.municipalities)):
            for g in range(len(inst.groups)):
                row = {
                    "period": inst.periods[tp],
                    "municipality_code": inst.municipalities[mu],
                    "municipality": inst.municipality_names[mu],
                    "group": inst.groups[g],
                    "task": int(inst.tasks[tp, mu, g]),
                }
                for label, plan in (
                    ("", result.plan),
                    ("baseline_", result.baseline.plan if result.baseline else None),
                ):
                    if plan is None:
                        continue
                    cap = inst.places_per_unit[g] * sum(
                        int(plan.assigned[s, tp, g])
                        for s, site in enumerate(inst.sites)
                        if site.municipality == mu
                    )
                    u = int(plan.unmet[tp, mu, g])
                    row[f"{label}capacity"] = cap
                    row[f"{label}unmet"] = u
                    row[f"{label}unmet_person_days"] = u * inst.days[tp]
                rows.append(row)
    return pd.DataFrame(rows)


def reasons_table(result: PlanningResult, lang: Lang = "nl") -> pd.DataFrame:
    """One row per decision with its plain reason."""
    return pd.DataFrame(
        [
            {
                "period": r.period or "",
                "site_id": _safe(r.site or ""),
                "code": r.code,
                "reason": _safe(render(r, lang)),
            }
            for r in result.reasons
        ]
    )


def _status_text(result: PlanningResult, lang: Lang) -> str:
    key = f"status.{result.status.value}"
    return t(key, lang) if key in CATALOGUE else result.status.value


def period_totals(result: PlanningResult) -> pd.DataFrame:
    """Per period (all municipalities and groups): task, capacity and met places, unmet
    places and person-days, sites open, units in use, built, moved and closed."""
    inst, p = result.instance, result.plan
    ppu = np.array(inst.places_per_unit)
    rows = []
    for t_ in range(inst.n_periods):
        task = int(inst.tasks[t_].sum())
        row: dict[str, object] = {"period": inst.periods[t_], "task": task}
        if p is not None:
            cap = int((p.assigned[:, t_, :] * ppu[None, :]).sum())
            unmet = int(p.unmet[t_].sum())
            row |= {
                "capacity_places": cap,
                "met_places": task - unmet,
                "unmet_places": unmet,
                "unmet_person_days": unmet * inst.days[t_],
                "sites_open": int((p.units[:, t_] > 0).sum()),
                "units_open": int(p.units[:, t_].sum()),
                "built": int(p.built[:, t_].sum()),
                "moved_in": int(p.moved_in[:, t_].sum()),
                "closed": int(p.closed[:, t_].sum()),
            }
        if result.baseline is not None:
            bu = int(result.baseline.plan.unmet[t_].sum())
            row["baseline_unmet_places"] = bu
            row["baseline_unmet_person_days"] = bu * inst.days[t_]
        rows.append(row)
    return pd.DataFrame(rows)


MAX_SITES_SHOWN = 12
"""The timeline shows this many sites by name (the most places); the rest as one band."""


def timeline_figure(result: PlanningResult, lang: Lang = "nl") -> Figure:
    """The plan over time, in three panels sharing the periods.

    1. Places per site, stacked (the ``MAX_SITES_SHOWN`` largest by name, the rest as one
       band), against the total task (a step line), with the unmet places hatched on top.
    2. Units per open site (a heat strip: one row per site, darker is more units).
    3. Units built and moved in (up) and closed (down) per period.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inst, p = result.instance, result.plan
    T = inst.n_periods
    x = np.arange(T)
    fig, (ax, ax_open, ax_chg) = plt.subplots(
        3, 1, figsize=(11, 9), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.4]}
    )
    total = inst.tasks.sum(axis=(1, 2))
    if p is not None:
        ppu = np.array(inst.places_per_unit)
        places = (p.assigned * ppu[None, None, :]).sum(axis=2)
        used = [s for s in range(inst.n_sites) if places[s].any()]
        used.sort(key=lambda s: -int(places[s].sum()))
        shown, rest = used[:MAX_SITES_SHOWN], used[MAX_SITES_SHOWN:]
        bottom = np.zeros(T)
        cmap = plt.get_cmap("tab20")
        for k, s in enumerate(shown):
            ax.bar(x, places[s], bottom=bottom, color=cmap(k % 20), width=0.85,
                   label=inst.sites[s].name)  # fmt: skip
            bottom += places[s]
        if rest:
            band = places[rest].sum(axis=0)
            ax.bar(x, band, bottom=bottom, color="#bbbbbb", width=0.85,
                   label=t("planning.legend_other", lang, n=len(rest)))  # fmt: skip
            bottom += band
        unmet = p.unmet.sum(axis=(1, 2))
        ax.bar(x, unmet, bottom=bottom, color="none", edgecolor="#b71c1c", hatch="///",
               width=0.85, label=t("planning.legend_unmet", lang))  # fmt: skip
        open_sites = [s for s in range(inst.n_sites) if p.units[s].any()]
        open_sites.sort(key=lambda s: (int(np.argmax(p.units[s] > 0)), inst.sites[s].name))
        grid = np.ma.masked_equal(p.units[open_sites].astype(float), 0.0)
        if open_sites:
            ax_open.imshow(
                grid,
                aspect="auto",
                cmap="Blues",
                vmin=0,
                vmax=max(1, int(grid.max()) * 1.3),
                interpolation="nearest",
                extent=(-0.5, T - 0.5, len(open_sites) - 0.5, -0.5),
            )
        if len(open_sites) <= 25:
            # the units as numbers in the cells (no colour bar: the panels keep one x axis)
            for row, s in enumerate(open_sites):
                for k in np.flatnonzero(p.units[s]).tolist():
                    ax_open.text(k, row, str(int(p.units[s, k])), ha="center", va="center",
                                 fontsize=6)  # fmt: skip
            ax_open.set_yticks(
                range(len(open_sites)), [inst.sites[s].name for s in open_sites], fontsize=7
            )
        else:
            ax_open.set_yticks([])
        ax_open.set_ylabel(t("planning.axis_units", lang))
        ax_chg.bar(x - 0.2, p.built.sum(axis=0), width=0.4, color="#31a354",
                   label=t("planning.legend_built", lang))  # fmt: skip
        ax_chg.bar(x + 0.2, p.moved_in.sum(axis=0), width=0.4, color="#fd8d3c",
                   label=t("planning.legend_moved", lang))  # fmt: skip
        ax_chg.bar(x, -p.closed.sum(axis=0), width=0.6, color="#636363",
                   label=t("planning.legend_closed", lang))  # fmt: skip
        ax_chg.axhline(0, color="black", linewidth=0.6)
        ax_chg.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.step(x, total, where="mid", color="black", linewidth=2,
            label=t("planning.legend_task", lang))  # fmt: skip
    ax.set_ylabel(t("planning.axis_places", lang))
    ax.set_title(t("planning.chart_places", lang), fontsize=10)
    ax.legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax_open.set_title(t("planning.chart_open", lang), fontsize=10)
    ax_chg.set_title(t("planning.chart_changes", lang), fontsize=10)
    ax_chg.set_ylabel(t("planning.axis_units", lang))
    ax_chg.set_xticks(x, inst.periods, rotation=60, fontsize=8)
    fig.suptitle(t("planning.chart_title", lang), fontsize=12)
    fig.tight_layout()
    return fig


def timeline_png(result: PlanningResult, lang: Lang = "nl") -> bytes:
    """The timeline chart as PNG bytes (see :func:`timeline_figure`)."""
    import matplotlib.pyplot as plt

    fig = timeline_figure(result, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def timeline_chart(result: PlanningResult, path: Path, lang: Lang = "nl") -> None:
    """Write the timeline chart (PNG) to ``path``."""
    path.write_bytes(timeline_png(result, lang))


def chart_texts(result: PlanningResult, lang: Lang = "nl") -> dict[str, str]:
    """The chart's alt text and caption (from the catalogue)."""
    inst, p = result.instance, result.plan
    alt = t("planning.chart_alt", lang, periods=inst.n_periods)
    if p is None or result.costs is None:
        return {"alt": alt, "caption": t("planning.no_plan", lang, why=_status_text(result, lang))}
    caption = t(
        "planning.chart_caption",
        lang,
        sites=int((p.units > 0).any(axis=1).sum()),
        built=int(p.built.sum()),
        moved=int(p.moved_in.sum()),
        closed=int(p.closed.sum()),
        days=int(result.unmet_person_days or 0),
        cost=result.costs.total / 100,
        status=_status_text(result, lang),
    )
    return {"alt": alt, "caption": caption}


def opened_sites(result: PlanningResult, lang: Lang = "nl") -> str:
    """One sentence: the new sites the plan opens, by the period they open (then as listed),
    each with the most units it holds (existing stock is not opened)."""
    inst, p = result.instance, result.plan
    if p is None:
        return ""
    opened = sorted(
        (int(np.flatnonzero(p.start[s])[0]), s)
        for s, site in enumerate(inst.sites)
        if not site.existing and p.start[s].any()
    )
    parts = [
        t("planning.opens_site", lang, name=inst.sites[s].name, period=inst.periods[first],
          units=int(p.units[s].max()))
        for first, s in opened
    ]  # fmt: skip
    if not parts:
        return t("planning.opens_none", lang)
    return t("planning.opens", lang, n=len(parts), sites="; ".join(parts))


def shortlist_in_plan(
    result: PlanningResult, shortlist: Sequence[tuple[str, str]], lang: Lang = "nl"
) -> str:
    """One sentence on the shortlist in the plan: every shortlisted site opens, or which do
    not and why the two may differ (the shortlist weighs the score, the plan the cost over
    time); ``""`` without a plan or a shortlist."""
    inst, p = result.instance, result.plan
    if p is None or not shortlist:
        return ""
    index = {site.site_id: s for s, site in enumerate(inst.sites)}
    missing = [name for sid, name in shortlist if sid not in index or not p.units[index[sid]].any()]
    if not missing:
        return t("planning.shortlist_all", lang)
    n = sum(1 for site in inst.sites if not site.existing)
    return t("planning.shortlist_not_all", lang, names=", ".join(missing), n=n)


def against_baseline(result: PlanningResult, lang: Lang = "nl") -> str:
    """One sentence comparing the plan with the greedy baseline in cost and person-days
    without a place; when the plan leaves more people without a place than the baseline
    (cheaper over all), it says why and how to make the task a must; ``""`` without
    both plans."""
    from opvang_opt.outputs.content import fmt_eur_short

    b = result.baseline
    if result.plan is None or result.costs is None or b is None:
        return ""
    cost, days = result.costs.total, result.unmet_person_days or 0
    d_cost, d_days = cost - b.costs.total, days - b.unmet_person_days
    params = {
        "cost": fmt_eur_short(abs(d_cost) / 100, lang),
        "days": fmt_number(abs(d_days), lang),
    }
    if d_days > 0:
        inst = result.instance
        rates = {c for c, hard in zip(inst.unmet_cost_day, inst.hard, strict=True) if not hard}
        rate = fmt_number(next(iter(rates)) / 100, lang) if len(rates) == 1 else ""
        key = "planning.baseline_more_unmet" if rate else "planning.baseline_more_unmet_rates"
        return t(key, lang, rate=rate, **params)
    if d_cost <= 0:
        return t("planning.baseline_better", lang, **params)
    return t("planning.baseline_dearer", lang, **params)


def section(
    result: PlanningResult | None,
    lang: Lang = "nl",
    shortlist: Sequence[tuple[str, str]] = (),
) -> dict[str, Any] | None:
    """Plain values for the report's and the memo's planning section (escaped by their
    templates): title, intro, the sites the plan opens and how they relate to the
    shortlist (``shortlist``: its sites as ``(id, name)``), facts, the chart (base64 PNG)
    with alt text and caption, the totals per period and the reasons."""
    if result is None:
        return None
    texts = chart_texts(result, lang)
    facts: list[tuple[str, str]] = [(t("planning.fact_status", lang), _status_text(result, lang))]
    if result.plan is not None and result.costs is not None:
        p = result.plan
        facts += [
            (t("planning.fact_gap", lang), f"{fmt_number(100 * (result.gap or 0.0), lang, 2)} %"),
            (t("planning.fact_cost", lang), fmt_number(result.costs.total / 100, lang)),
            (t("planning.fact_unmet_days", lang), fmt_number(result.unmet_person_days, lang)),
            (
                t("planning.fact_sites", lang),
                fmt_number(int((p.units > 0).any(axis=1).sum()), lang),
            ),
            (t("planning.fact_built", lang), fmt_number(int(p.built.sum()), lang)),
            (t("planning.fact_moved", lang), fmt_number(int(p.moved_in.sum()), lang)),
        ]
    if result.baseline is not None:
        facts += [
            (t("planning.fact_baseline_cost", lang),
             fmt_number(result.baseline.costs.total / 100, lang)),
            (t("planning.fact_baseline_unmet_days", lang),
             fmt_number(result.baseline.unmet_person_days, lang)),
        ]  # fmt: skip
    return {
        "title": t("planning.title", lang),
        "intro": t("planning.intro", lang),
        "opens": opened_sites(result, lang),
        "shortlist": shortlist_in_plan(result, shortlist, lang),
        "baseline": against_baseline(result, lang),
        "facts_label": t("planning.facts", lang),
        "facts": facts,
        "png": base64.b64encode(timeline_png(result, lang)).decode("ascii"),
        "alt": texts["alt"],
        "caption": texts["caption"],
        "periods_label": t("planning.periods_label", lang),
        "periods": period_totals(result),
        "reasons_label": t("planning.reasons_label", lang),
        "reasons": [render(r, lang) for r in result.reasons],
    }


def workbook_tables(
    result: PlanningResult, lang: Lang = "nl"
) -> list[tuple[str, pd.DataFrame, tuple[str, ...]]]:
    """The planning sheets: (key, table, euro columns), texts as read (the workbook stores
    every text cell as text, never a formula).

    * ``plan_sites``: per period and site, the decisions and the discounted cost (EUR);
    * ``plan_periods``: per period (all municipalities and groups), the task against the
      capacity and what is met, the shortfall and person-days beside the baseline's, and
      the units in use, built, moved and closed;
    * ``plan_costs``: the discounted cost per kind, plan and baseline (EUR).
    """
    inst, p = result.instance, result.plan
    out: list[tuple[str, pd.DataFrame, tuple[str, ...]]] = []
    if p is not None:
        rows = []
        for t_ in range(inst.n_periods):
            for s, site in enumerate(inst.sites):
                if not (p.units[s, t_] or p.moved_out[s, t_] or p.closed[s, t_]):
                    continue
                cents = (
                    (inst.disc(site.opening_cost, t_) if p.start[s, t_] and not site.existing
                     else 0)
                    + int(p.built[s, t_]) * inst.disc(site.build_cost, t_)
                    + int(p.moved_in[s, t_]) * inst.disc(site.move_cost, t_)
                    + int(p.closed[s, t_]) * inst.disc(site.close_cost, t_)
                    + int(p.units[s, t_]) * inst.running_coef(s, t_)
                )  # fmt: skip
                row: dict[str, object] = {
                    "period": inst.periods[t_],
                    "site_id": site.site_id,
                    "name": site.name,
                    "municipality": inst.municipality_names[site.municipality],
                    "site_open": bool(p.units[s, t_] > 0),
                    "site_units": int(p.units[s, t_]),
                    "built": int(p.built[s, t_]),
                    "moved_in": int(p.moved_in[s, t_]),
                    "moved_out": int(p.moved_out[s, t_]),
                    "closed": int(p.closed[s, t_]),
                    "occupied_places": int(
                        sum(
                            int(p.assigned[s, t_, g]) * inst.places_per_unit[g]
                            for g in range(len(inst.groups))
                        )
                    ),
                }
                for g, label in enumerate(inst.group_labels):
                    row[f"units_{label}"] = int(p.assigned[s, t_, g])
                row["period_cost_eur"] = cents / 100
                rows.append(row)
        out.append(("plan_sites", pd.DataFrame(rows), ("period_cost_eur",)))
    # per period over all municipalities and groups (the detail per municipality and
    # group is in plan_summary.csv); one printed page
    out.append(("plan_periods", period_totals(result), ()))
    kinds = ("opening", "building", "moving", "closing", "running", "unmet")
    cost_rows = []
    for kind in (*kinds, "total"):
        kind_row: dict[str, object] = {"cost_kind": t(f"planning.cost_{kind}", lang)}
        if result.costs is not None:
            kind_row["plan_eur"] = getattr(result.costs, kind) / 100
        if result.baseline is not None:
            kind_row["baseline_eur"] = getattr(result.baseline.costs, kind) / 100
        cost_rows.append(kind_row)
    out.append(("plan_costs", pd.DataFrame(cost_rows), ("plan_eur", "baseline_eur")))
    return out


def gantt_chart(result: PlanningResult, path: Path, lang: Lang = "nl") -> None:
    """One bar per site: the periods it is open, labelled with its units (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inst, p = result.instance, result.plan
    used = [] if p is None else [s for s in range(inst.n_sites) if p.open[s].any()]
    fig, ax = plt.subplots(figsize=(11, 0.45 * max(4, len(used)) + 1.5), dpi=120)
    for row, s in enumerate(used):
        assert p is not None
        for k in np.flatnonzero(p.open[s]):
            colour = "tab:orange" if p.moved_in[s, k] else "tab:blue"
            ax.barh(row, 1, left=k, color=colour, edgecolor="white")
            ax.text(
                k + 0.5,
                row,
                str(int(p.units[s, k])),
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
    ax.set_yticks(range(len(used)), [inst.sites[s].name for s in used], fontsize=8)
    ax.set_xticks(np.arange(inst.n_periods) + 0.5, inst.periods, rotation=60, fontsize=8)
    ax.set_xlim(0, inst.n_periods)
    ax.invert_yaxis()
    ax.set_title(t("planning.gantt_title", lang))
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def write_planning(result: PlanningResult, folder: Path, lang: Lang = "nl") -> list[str]:
    """Write every planning output into ``folder``; return the file names."""
    files = {
        "plan.csv": plan_table(result),
        "plan_summary.csv": plan_summary(result),
        "plan_reasons.csv": reasons_table(result, lang),
    }
    for name, table in files.items():
        write_csv(table, folder / name)
    timeline_chart(result, folder / "plan_timeline.png", lang)
    gantt_chart(result, folder / "plan_gantt.png", lang)
    return [*files, "plan_timeline.png", "plan_gantt.png"]

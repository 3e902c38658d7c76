"""Planning outputs: plan.csv, plan_summary.csv, plan_reasons.csv, the timeline chart and
a Gantt chart of the sites (PNG, drawn offline with matplotlib).

Council tables are aggregates per site, period, municipality and group (no households).
Text cells that start with a formula character are prefixed with a quote.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opvang_opt.outputs.safe import write_csv
from opvang_opt.planning.solve import PlanningResult

if TYPE_CHECKING:
    from opvang_opt.pipeline import RunResult
from opvang_opt.planning.texts import Lang, render


def _safe(text: str) -> str:
    """Never let input text become a spreadsheet formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
        for t in range(inst.n_periods):
            if not (p.open[s, t] or p.moved_out[s, t] or p.closed[s, t]):
                continue
            cost = (
                (inst.disc(site.opening_cost, t) if p.start[s, t] and not site.existing else 0)
                + int(p.built[s, t]) * inst.disc(site.build_cost, t)
                + int(p.moved_in[s, t]) * inst.disc(site.move_cost, t)
                + int(p.closed[s, t]) * inst.disc(site.close_cost, t)
                + int(p.units[s, t]) * inst.running_coef(s, t)
            )
            occupied = sum(
                int(p.assigned[s, t, g]) * inst.places_per_unit[g] for g in range(len(inst.groups))
            )
            row = {
                "site_id": _safe(site.site_id),
                "name": _safe(site.name),
                "municipality_code": inst.municipalities[site.municipality],
                "period": inst.periods[t],
                "open": int(p.open[s, t]),
                "units": int(p.units[s, t]),
                "built": int(p.built[s, t]),
                "moved_in": int(p.moved_in[s, t]),
                "moved_out": int(p.moved_out[s, t]),
                "closed": int(p.closed[s, t]),
                "occupied_places": occupied,
            }
            for g, name in enumerate(inst.groups):
                row[f"units_{name}"] = int(p.assigned[s, t, g])
            row["cost_eur"] = round(cost / 100, 2)
            rows.append(row)
    return pd.DataFrame(rows)


def plan_summary(result: PlanningResult) -> pd.DataFrame:
    """Per period, municipality and group: task, capacity placed, unmet places and
    person-days, for the plan and the greedy baseline."""
    inst = result.instance
    rows = []
    for t in range(inst.n_periods):
        for mu in range(len(inst.municipalities)):
            for g in range(len(inst.groups)):
                row = {
                    "period": inst.periods[t],
                    "municipality_code": inst.municipalities[mu],
                    "municipality": inst.municipality_names[mu],
                    "group": inst.groups[g],
                    "task": int(inst.tasks[t, mu, g]),
                }
                for label, plan in (
                    ("", result.plan),
                    ("baseline_", result.baseline.plan if result.baseline else None),
                ):
                    if plan is None:
                        continue
                    cap = inst.places_per_unit[g] * sum(
                        int(plan.assigned[s, t, g])
                        for s, site in enumerate(inst.sites)
                        if site.municipality == mu
                    )
                    u = int(plan.unmet[t, mu, g])
                    row[f"{label}capacity"] = cap
                    row[f"{label}unmet"] = u
                    row[f"{label}unmet_person_days"] = u * inst.days[t]
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


def timeline_chart(result: PlanningResult, path: Path, lang: Lang = "nl") -> None:
    """Places per site stacked over the periods against the total task (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inst, p = result.instance, result.plan
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=120)
    x = np.arange(inst.n_periods)
    if p is not None:
        places = (p.assigned * np.array(inst.places_per_unit)[None, None, :]).sum(axis=2)
        used = [s for s in range(inst.n_sites) if places[s].any()]
        bottom = np.zeros(inst.n_periods)
        cmap = plt.get_cmap("tab20")
        for k, s in enumerate(used):
            ax.bar(
                x,
                places[s],
                bottom=bottom,
                color=cmap(k % 20),
                width=0.85,
                label=inst.sites[s].name,
            )
            bottom += places[s]
    total = inst.tasks.sum(axis=(1, 2))
    ax.step(
        x,
        total,
        where="mid",
        color="black",
        linewidth=2,
        label="taak (plekken)" if lang == "nl" else "task (places)",
    )
    ax.set_xticks(x, inst.periods, rotation=60, fontsize=8)
    ax.set_ylabel("plekken" if lang == "nl" else "places")
    ax.set_title(
        "Capaciteit per locatie tegen de taak"
        if lang == "nl"
        else "Capacity per site against the task"
    )
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


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
        for t in np.flatnonzero(p.open[s]):
            colour = "tab:orange" if p.moved_in[s, t] else "tab:blue"
            ax.barh(row, 1, left=t, color=colour, edgecolor="white")
            ax.text(
                t + 0.5,
                row,
                str(int(p.units[s, t])),
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
    ax.set_yticks(range(len(used)), [inst.sites[s].name for s in used], fontsize=8)
    ax.set_xticks(np.arange(inst.n_periods) + 0.5, inst.periods, rotation=60, fontsize=8)
    ax.set_xlim(0, inst.n_periods)
    ax.invert_yaxis()
    ax.set_title(
        "Open locaties en woningen per periode (oranje: verplaatsing)"
        if lang == "nl"
        else "Open sites and units per period (orange: relocation)"
    )
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

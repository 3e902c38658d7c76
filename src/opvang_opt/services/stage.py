"""The services stage: from the scenario, the checked tables and the siting result to a
checked services result with its tables (pure: no file reads, nothing printed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.exact import to_cents
from opvang_opt.io.graphs import StreetGraph
from opvang_opt.io.services import ServicesTables
from opvang_opt.schema.services import ServicesConfig
from opvang_opt.services.check import check_services
from opvang_opt.services.instance import (
    Arcs,
    Providers,
    ServicesInstance,
    household_demand,
    reach_arcs,
    residents_demand,
    shortlist_residents,
)
from opvang_opt.services.solve import ServicesResult, solve_services
from opvang_opt.texts import Lang, Message, render

HouseholdRow = tuple[int, str, int, int, int, int]
"""(site index, group, first period, persons, children 4-11, children 12-17)."""


UNKNOWN_AREA = "onbekend"
"""The area of a site in no known municipality or wijk (a shortlisted site outside the
region, kept under ``region.outside: warn``), in the tables; a message names it in the
reader's language (:func:`area_named`)."""


def area_named(message: Any) -> Any:
    """A diagnosis message whose area is :data:`UNKNOWN_AREA` with that area in the
    reader's language (``services.area_unknown``); any other message as it is."""
    params = getattr(message, "params", None)
    if not params or params.get("area") != UNKNOWN_AREA:
        return message
    return Message(message.code, {**params, "area": Message("services.area_unknown")})


@dataclass(frozen=True)
class AllocationSource:
    """The placed households, as demand for the services check.

    Parameters
    ----------
    placed
        One row per placed household: ``site_id`` and ``household_id``.
    households
        The households table: ``household_id``, ``group``, ``persons``, ``children_4_11``,
        ``children_12_17``, ``arrival_date``.
    sites
        The sites: ``site_id``, ``x``, ``y`` (RD New) and, when present,
        ``municipality_code``.
    """

    placed: pd.DataFrame
    households: pd.DataFrame
    sites: pd.DataFrame

    def rows(
        self, start: dt.date, months: int
    ) -> tuple[list[str], np.ndarray, np.ndarray, list[str], list[HouseholdRow]]:
        """Site ids, coordinates and areas, and one row per placed household; a household
        arriving before the first period counts from the first period."""
        hh = self.households.set_index("household_id")
        sites = self.sites.assign(site_id=self.sites["site_id"].astype(str)).set_index("site_id")
        used = [s for s in sorted(set(self.placed["site_id"].astype(str))) if s in sites.index]
        pos = {s: i for i, s in enumerate(used)}
        sx = sites.loc[used, "x"].to_numpy(float)
        sy = sites.loc[used, "y"].to_numpy(float)
        if "municipality_code" in sites.columns:
            codes = sites.loc[used, "municipality_code"]
            area = [str(c) if pd.notna(c) and str(c) else "" for c in codes]
        else:
            area = list(used)
        out: list[HouseholdRow] = []
        pairs = zip(self.placed["site_id"].astype(str), self.placed["household_id"], strict=True)
        for site, hid in pairs:
            if site not in pos or hid not in hh.index:
                continue
            h = hh.loc[hid]
            first = 0
            if pd.notna(h["arrival_date"]):
                d = pd.Timestamp(h["arrival_date"])
                first = max(0, ((d.year - start.year) * 12 + d.month - start.month) // months)
            out.append((pos[site], str(h["group"]), first, int(h["persons"]),
                        int(h["children_4_11"]), int(h["children_12_17"])))  # fmt: skip
        return used, sx, sy, area, out


@dataclass(frozen=True)
class PlanSource:
    """The plan's occupied places per site, period and group, as demand.

    Parameters
    ----------
    site_ids
        The plan's sites that hold anyone in some period.
    periods
        The plan's period labels.
    groups
        The plan's groups.
    persons
        (n_sites x n_periods x n_groups) persons of each group: the units the plan assigns
        to the group x its places per unit (an occupied unit counts as full).
    before
        (n_sites x n_groups) persons on the site before the first period (the existing
        stock's occupants; 0 for a candidate).
    x, y
        Site coordinates (RD New; NaN when neither the longlist nor the planning tables
        give them).
    area
        The municipality code of each site.
    """

    site_ids: tuple[str, ...]
    periods: tuple[str, ...]
    groups: tuple[str, ...]
    persons: np.ndarray
    before: np.ndarray
    x: np.ndarray
    y: np.ndarray
    area: tuple[str, ...]

    @classmethod
    def from_plan(
        cls,
        result: Any,
        sites: pd.DataFrame | None = None,
        id_column: str = "site_id",
        tables: Any = None,
    ) -> PlanSource | None:
        """The demand source of a planning result (None without a plan).

        Coordinates and municipality come from the siting stage's sites (the longlist's
        geometry), else from the planning tables' ``x``/``y`` (stock, candidates).
        """
        plan = getattr(result, "plan", None)
        if plan is None:
            return None
        inst = result.instance
        occupied = plan.assigned.sum(axis=(1, 2)) > 0
        keep = np.flatnonzero(occupied)
        xy: dict[str, tuple[float, float]] = {}
        codes: dict[str, str] = {}
        for name in ("candidates", "stock"):
            df = getattr(tables, name, None) if tables is not None else None
            if df is None or "site_id" not in df.columns:
                continue
            for rec in df.to_dict("records"):
                sid = str(rec["site_id"])
                x, y = rec.get("x"), rec.get("y")
                if x is not None and y is not None and pd.notna(x) and pd.notna(y):
                    xy[sid] = (float(x), float(y))
                code = rec.get("municipality_code")
                if code is not None and pd.notna(code) and str(code):
                    codes[sid] = str(code)
        if sites is not None and len(sites) and id_column in sites.columns:
            pts = sites.geometry.representative_point()
            for sid, px, py in zip(sites[id_column].astype(str), pts.x, pts.y, strict=True):
                if np.isfinite(px) and np.isfinite(py):
                    xy[sid] = (float(px), float(py))
            if "municipality_code" in sites.columns:
                for sid, code in zip(sites[id_column].astype(str), sites["municipality_code"],
                                     strict=True):  # fmt: skip
                    if pd.notna(code) and str(code):
                        codes[sid] = str(code)
        ids = tuple(inst.sites[s].site_id for s in keep)
        pooled = tuple(inst.municipalities) == ("regio",)
        area = tuple(
            codes.get(sid, UNKNOWN_AREA) if pooled or sid in codes
            else inst.municipalities[inst.sites[s].municipality]
            for s, sid in zip(keep, ids, strict=True)
        )  # fmt: skip
        before = np.zeros((len(keep), len(inst.groups)), dtype=np.int64)
        for row, s in enumerate(keep):
            site = inst.sites[s]
            if site.initial_group is not None and site.occupants > 0:
                before[row, site.initial_group] = site.occupants
        nan = (float("nan"), float("nan"))
        return cls(
            site_ids=ids,
            periods=tuple(inst.periods),
            groups=tuple(inst.groups),
            persons=(
                np.asarray(plan.assigned, dtype=np.int64)[keep]
                * np.asarray(inst.places_per_unit, dtype=np.int64)[None, None, :]
            ),
            before=before,
            x=np.array([xy.get(sid, nan)[0] for sid in ids], dtype=float),
            y=np.array([xy.get(sid, nan)[1] for sid in ids], dtype=float),
            area=area,
        )

    def residents(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per group the (n_sites x n_periods) persons and the (n_sites) persons before
        the first period."""
        res = {g: self.persons[:, :, k] for k, g in enumerate(self.groups)}
        bef = {g: self.before[:, k] for k, g in enumerate(self.groups)}
        return res, bef


@dataclass(frozen=True)
class ServicesRun:
    """A services result with where its demand came from, and its tables."""

    result: ServicesResult
    demand_source: str
    notes: tuple[str | Message, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """``services.csv``, ``services_bottlenecks.csv`` and ``services_expansions.csv``."""
        return {
            "services.csv": services_table(self.result),
            "services_bottlenecks.csv": bottleneck_table(self.result),
            "services_expansions.csv": expansion_table(self.result),
        }

    def summary(self, lang: Lang = "nl") -> dict[str, Any]:
        """The figures for run.json and the report, texts in ``lang``."""
        r = self.result
        return {
            "status": r.status.value,
            "demand_from": self.demand_source,
            "types": list(r.instance.types),
            "periods": len(r.instance.periods),
            "short_before": r.short_before,
            "short_after": r.short_after,
            "expansion_cost_eur": r.cost["total"] / 100,
            "groups_added": int(r.expansion.groups.sum()),
            "facility_periods": int(r.expansion.open.sum()),
            "diagnosis": [render(area_named(s.message), lang) for s in r.diagnosis.shortfalls],
            "seconds": round(r.seconds, 3),
            "notes": [render(n, lang) for n in self.notes],
        }


def period_grid(config: ServicesConfig, scenario: Any = None) -> tuple[list[str], int, dt.date]:
    """Period labels, their length in months and the first day: the planning section's
    periods when the scenario has one, else the services section's."""
    planning = getattr(scenario, "planning", None) if scenario is not None else None
    if planning is not None:
        return list(planning.period_labels()), int(planning.period_months), planning.start
    p = config.periods
    labels = []
    for k in range(p.periods):
        months = p.start.month - 1 + k * p.period_months
        y, m = p.start.year + months // 12, months % 12 + 1
        if p.period_months == 12:
            labels.append(f"{y}")
        elif p.period_months == 6:
            labels.append(f"{y}-H{(m - 1) // 6 + 1}")
        elif p.period_months == 3:
            labels.append(f"{y}-Q{(m - 1) // 3 + 1}")
        else:
            labels.append(f"{y}-{m:02d}")
    return labels, p.period_months, p.start


def build_providers(config: ServicesConfig, tables: ServicesTables, months: int) -> Providers:
    """Providers and facilities with every default filled in (cents per period)."""
    rows = []
    for _, r in tables.providers.iterrows():
        t = config.types[r["type"]]
        yearly = r["group_cost_eur_year"] if pd.notna(r["group_cost_eur_year"]) else (
            t.group_cost_eur_year)  # fmt: skip
        rows.append((r["id"], r["name"], r["type"], r["x"], r["y"], int(r["capacity"]),
                     r["reach_m"] if pd.notna(r["reach_m"]) else t.reach_m,
                     int(r["group_size"]) if pd.notna(r["group_size"]) else t.group_size,
                     int(r["max_extra_groups"]) if pd.notna(r["max_extra_groups"])
                     else t.max_extra_groups,
                     _per_period(yearly, months), False, 0, r["area"]))  # fmt: skip
    fd = config.facility_defaults
    if tables.facilities is not None:
        for _, r in tables.facilities.iterrows():
            t = config.types[r["type"]]
            yearly = r["cost_eur_year"] if pd.notna(r["cost_eur_year"]) else fd.cost_eur_year
            setup = r["setup_cost_eur"] if pd.notna(r["setup_cost_eur"]) else fd.setup_cost_eur
            rows.append((r["id"], r["name"], r["type"], r["x"], r["y"], int(r["capacity"]),
                         r["reach_m"] if pd.notna(r["reach_m"]) else t.reach_m, 0, 0,
                         _per_period(yearly, months), True, to_cents(setup),
                         r["area"]))  # fmt: skip
    cols = list(zip(*rows, strict=True)) if rows else [()] * 13
    return Providers(
        ids=tuple(map(str, cols[0])), names=tuple(map(str, cols[1])),
        type=tuple(map(str, cols[2])), x=np.asarray(cols[3], float),
        y=np.asarray(cols[4], float), capacity=np.asarray(cols[5], np.int64),
        reach_m=np.asarray(cols[6], float), group_size=np.asarray(cols[7], np.int64),
        max_extra=np.asarray(cols[8], np.int64), cost_period=np.asarray(cols[9], np.int64),
        facility=np.asarray(cols[10], bool), setup=np.asarray(cols[11], np.int64),
        area=tuple(map(str, cols[12])),
    )  # fmt: skip


def _per_period(eur_year: float, months: int) -> int:
    """Yearly euros as cents per period of ``months`` (rounded half up to a cent)."""
    cents = to_cents(eur_year)
    return (cents * months * 2 + 12) // 24


def _first_periods(
    sites: pd.DataFrame, config: ServicesConfig, start: dt.date, months: int, n: int
) -> np.ndarray:
    if config.opening == "first_period" or config.available_column not in sites.columns:
        return np.zeros(len(sites), dtype=np.int64)
    dates = pd.to_datetime(sites[config.available_column], errors="coerce")
    out = np.zeros(len(sites), dtype=np.int64)
    for i, d in enumerate(dates):
        if pd.isna(d):
            continue
        k = (d.year - start.year) * 12 + d.month - start.month
        out[i] = min(max(k // months, 0), n)
    return out


def _wijk_areas(
    config: ServicesConfig, sites: pd.DataFrame, id_column: str, ids: list[str], area: list[str]
) -> list[str]:
    """The bottleneck areas of the plan's or the allocation's sites: with ``area: wijk``
    each site's wijk as the siting stage located it (the wijk holding most of the plot), as
    for the shortlist's sites; a site outside the longlist (an existing site of the stock,
    a candidate of the planning table, a unit site of the allocation) has no located wijk
    ("onbekend", as a shortlisted site outside every wijk). Without the wijken (no
    ``region.districts``) each site is its own area, as for the shortlist. Otherwise the
    municipality codes ``area`` are kept."""
    if config.area != "wijk":
        return area
    if "wijk" not in sites.columns or id_column not in sites.columns:
        return list(ids)
    known = dict(zip(sites[id_column].astype(str), sites["wijk"], strict=True))
    return [
        str(known[i]) if i in known and pd.notna(known[i]) and str(known[i]) else UNKNOWN_AREA
        for i in ids
    ]


def build_instance(
    config: ServicesConfig,
    tables: ServicesTables,
    sites: gpd.GeoDataFrame,
    id_column: str,
    *,
    scenario: Any = None,
    graph: StreetGraph | None = None,
    allocation: AllocationSource | None = None,
    plan: PlanSource | None = None,
) -> tuple[ServicesInstance, str, list[str | Message]]:
    """The instance: demand of the placed households (``demand_from: allocation``, or
    ``auto`` with an allocation), else of the plan (``plan``, or ``auto`` with a plan: the
    places each group occupies per site and period x the age profiles), else of the
    shortlisted sites (their places x the groups' shares x the age profiles)."""
    notes: list[str | Message] = []
    labels, months, start = period_grid(config, scenario)
    chosen = sites[sites["shortlisted"].astype(bool)] if "shortlisted" in sites else sites
    profiles = {p.group: p for p in config.age_profiles}
    use_alloc = allocation is not None and config.demand_from in ("auto", "allocation")
    use_plan = (not use_alloc and plan is not None
                and config.demand_from in ("auto", "plan"))  # fmt: skip
    if config.demand_from == "allocation" and allocation is None:
        notes.append(Message("stage.services.no_allocation"))
    if config.demand_from == "plan" and plan is None:
        notes.append(Message("stage.services.no_plan"))
    if use_plan:
        assert plan is not None
        residents, before = plan.residents()
        unprofiled = sorted(g for g in plan.groups if g not in profiles
                            and int(residents[g].sum()) > 0)  # fmt: skip
        if unprofiled:
            notes.append(Message("stage.services.no_profile", {"groups": ", ".join(unprofiled)}))
        nowhere = [sid for sid, x, y in zip(plan.site_ids, plan.x, plan.y, strict=True)
                   if not (np.isfinite(x) and np.isfinite(y))]  # fmt: skip
        if nowhere:
            notes.append(Message("stage.services.no_coordinates",
                                 {"n": len(nowhere), "ids": ", ".join(nowhere[:20])}))  # fmt: skip
        demand: dict[str, np.ndarray] = {
            k: residents_demand(residents, profiles, k, period_months=months,
                                duration_months=config.types[k].duration_months,
                                before=before)
            for k in config.check_types
        }  # fmt: skip
        area = _wijk_areas(config, sites, id_column, list(plan.site_ids), list(plan.area))
        inst = _instance(config, tables, list(plan.site_ids), plan.x, plan.y, area,
                         list(plan.periods), months, demand, graph)  # fmt: skip
        return inst, "plan", notes
    if use_alloc:
        assert allocation is not None
        source = "allocation"
        ids, sx, sy, area, rows = allocation.rows(start, months)
        # candidate sites from the longlist: their municipality from the siting layer
        known = {}
        if "municipality_code" in sites.columns:
            known = dict(zip(sites[id_column].astype(str), sites["municipality_code"],
                             strict=True))  # fmt: skip
        area = [a or (str(known[i]) if pd.notna(known.get(i)) and str(known[i]) else UNKNOWN_AREA)
                for a, i in zip(area, ids, strict=True)]  # fmt: skip
        area = _wijk_areas(config, sites, id_column, ids, area)
        demand = {
            k: household_demand(rows, len(ids), len(labels), profiles, k,
                                period_months=months,
                                duration_months=config.types[k].duration_months)
            for k in config.check_types
        }  # fmt: skip
        return _instance(config, tables, ids, sx, sy, area, labels, months, demand, graph), (
            source), notes  # fmt: skip
    source = "shortlist"
    places = chosen["capacity_places"].fillna(0).astype(np.int64).to_numpy()
    first = _first_periods(chosen, config, start, months, len(labels))
    residents = shortlist_residents(places, config.site_groups, len(labels), first)
    demand = {
        k: residents_demand(residents, profiles, k, period_months=months,
                            duration_months=config.types[k].duration_months)
        for k in config.check_types
    }  # fmt: skip
    pts = chosen.geometry.representative_point()
    sx, sy = pts.x.to_numpy(float), pts.y.to_numpy(float)
    area_col = {"municipality": "municipality_code", "wijk": "wijk"}.get(config.area)
    ids = chosen[id_column].astype(str).tolist()
    if area_col and area_col in chosen.columns:
        # a site outside every municipality (or wijk), kept under ``region.outside: warn``,
        # has an empty one: it is in no known area, as a site the plan or allocation has
        # no area for (it was an area without a name in the tables and the memo)
        area = [a or UNKNOWN_AREA for a in chosen[area_col].astype("string").fillna("")]
    else:
        area = ids
    inst = _instance(config, tables, ids, sx, sy, area, labels, months, demand, graph)
    return inst, source, notes


def _instance(
    config: ServicesConfig, tables: ServicesTables, ids: list[str], sx: np.ndarray,
    sy: np.ndarray, area: list[str], labels: list[str], months: int,
    demand: dict[str, np.ndarray], graph: StreetGraph | None,
) -> ServicesInstance:  # fmt: skip
    providers = build_providers(config, tables, months)
    dist = None
    known = np.isfinite(sx) & np.isfinite(sy)
    if graph is not None and providers.n and len(ids):
        import shapely

        from opvang_opt.siting.network import network_distance

        targets = shapely.points(providers.x, providers.y)
        site_pts = shapely.points(np.where(known, sx, 0.0), np.where(known, sy, 0.0))
        dist = np.column_stack(
            [network_distance(site_pts, np.array([pt]), graph) for pt in targets]
        )
        dist[~known] = np.inf  # a site without coordinates reaches nothing
    arcs: dict[str, Arcs] = {k: reach_arcs(sx, sy, providers, k, dist) for k in config.check_types}
    if config.area == "site":
        area = list(ids)
    return ServicesInstance(
        site_ids=tuple(ids), site_area=tuple(area), periods=tuple(labels),
        period_months=months, demand=demand, providers=providers, arcs=arcs,
        site_x=sx, site_y=sy, straight_line=dist is None,
    )  # fmt: skip


def run_services(
    config: ServicesConfig,
    tables: ServicesTables,
    sites: gpd.GeoDataFrame,
    id_column: str,
    *,
    scenario: Any = None,
    graph: StreetGraph | None = None,
    allocation: AllocationSource | None = None,
    plan: PlanSource | None = None,
) -> ServicesRun:
    """Build, solve and check the services model.

    Raises
    ------
    InternalError
        When the independent checker finds a broken rule (a bug).
    """
    inst, source, notes = build_instance(
        config, tables, sites, id_column, scenario=scenario, graph=graph,
        allocation=allocation, plan=plan,
    )  # fmt: skip
    result = solve_services(
        inst, expand=config.expand, aggregate=config.solver.aggregate,
        time_limit_s=config.solver.time_limit_s,
    )  # fmt: skip
    check_services(result).raise_if_violated()
    notes += rule_notes(config, sites, id_column)
    return ServicesRun(result, source, tuple(notes))


def rule_notes(config: ServicesConfig, sites: pd.DataFrame, id_column: str) -> list[str | Message]:
    """What the shortlist's services rule did: the sites it kept out (Dutch)."""
    if not config.siting_rule.enabled:
        return []
    if "binding" not in sites.columns:
        return [Message("stage.services.rule_on")]
    held = sites[sites["binding"].astype(str).str.split(", ").apply(lambda b: "services" in b)]
    if held.empty:
        return [Message("stage.services.rule_none")]
    ids = ", ".join(held[id_column].astype(str).tolist()[:20])
    return [Message("stage.services.rule_held", {"n": len(held), "ids": ids})]


def services_table(r: ServicesResult) -> pd.DataFrame:
    """Per site, period and type: demand, placed and short before and after expansion."""
    inst = r.instance
    rows = []
    for kind in inst.types:
        dem = inst.demand[kind]
        b, a = r.before[kind].unmet, r.after[kind].unmet
        for i, site in enumerate(inst.site_ids):
            for t, label in enumerate(inst.periods):
                if dem[i, t] == 0:
                    continue
                rows.append({
                    "site_id": site, "area": inst.site_area[i], "period": label, "type": kind,
                    "demand": int(dem[i, t]), "placed_now": int(dem[i, t] - b[i, t]),
                    "short_now": int(b[i, t]), "placed_after": int(dem[i, t] - a[i, t]),
                    "short_after": int(a[i, t]),
                })  # fmt: skip
    cols = ["site_id", "area", "period", "type", "demand", "placed_now", "short_now",
            "placed_after", "short_after"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def bottleneck_table(r: ServicesResult) -> pd.DataFrame:
    """Per period, area and type: demand, places within reach now, short now and after."""
    inst = r.instance
    p = inst.providers
    areas = np.asarray(inst.site_area, dtype=object)
    cap_now = np.where(p.facility, 0, p.capacity)
    cap_after = r.expansion.capacity(p)
    rows = []
    for kind in inst.types:
        dem = inst.demand[kind]
        arcs = inst.arcs[kind]
        for t, label in enumerate(inst.periods):
            for a in sorted(set(inst.site_area)):
                mask = areas == a
                d = int(dem[mask, t].sum())
                if d == 0:
                    continue
                reach = np.unique(arcs.provider[mask[arcs.site]])
                rows.append({
                    "period": label, "area": a, "type": kind, "demand": d,
                    "places_in_reach_now": int(cap_now[reach].sum()),
                    "places_in_reach_after": int(cap_after[reach, t].sum()),
                    "short_now": int(r.before[kind].unmet[mask, t].sum()),
                    "short_after": int(r.after[kind].unmet[mask, t].sum()),
                })  # fmt: skip
    cols = ["period", "area", "type", "demand", "places_in_reach_now", "places_in_reach_after",
            "short_now", "short_after"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def expansion_table(r: ServicesResult) -> pd.DataFrame:
    """The expansion plan: per provider and period the groups added or the facility open,
    the places added and the cost in euros (from integer cents)."""
    inst = r.instance
    p = inst.providers
    rows = []
    for j in range(p.n):
        for t, label in enumerate(inst.periods):
            g = int(r.expansion.groups[j, t])
            o = bool(r.expansion.open[j, t])
            if not g and not o:
                continue
            setup = int(p.setup[j]) if o and (t == 0 or not r.expansion.open[j, t - 1]) else 0
            cents = g * int(p.cost_period[j]) + (int(p.cost_period[j]) + setup if o else 0)
            rows.append({
                "provider_id": p.ids[j], "name": p.names[j], "type": p.type[j],
                "period": label, "kind": "facility" if p.facility[j] else "extra_group",
                "groups_added": g, "places_added": int(p.capacity[j]) if o else
                g * int(p.group_size[j]), "cost_eur": cents / 100,
            })  # fmt: skip
    cols = ["provider_id", "name", "type", "period", "kind", "groups_added", "places_added",
            "cost_eur"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)

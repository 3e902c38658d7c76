"""Turn a scenario's planning section, its tables and the siting result into an instance.

Pure: it reads no files (the tables come from :mod:`opvang_opt.io.planning`). Euros become
integer cents here, and dates become period indices: a candidate holds units from the first
period that starts on or after its availability date plus its lead time (with half-year
periods: available on 1 January with a lead time of 7 months, from the next 1 January;
available on 1 March with 3 months, from 1 July). Lead time counts from the horizon's start
for a site available before it.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from opvang_opt.dates import parse_dates
from opvang_opt.planning.instance import PlanningInstance, Site
from opvang_opt.schema import ExchangeConfig, PlanningConfig
from opvang_opt.schema.planning import cycle_offset
from opvang_opt.siting.location import stated_municipality


def _cents(eur: float) -> int:
    return round(eur * 100)


def grown_task(base: float, growth: float, cycle: int) -> int:
    """A task grown by ``planning.task_rule``: ``base x (1 + growth) ** cycle`` computed
    exactly from the figures as written (decimal fractions, no floating point), rounded to
    whole places with halves up.

    Examples
    --------
    >>> grown_task(3, 0.5, 1)  # 4.5 places
    5
    >>> grown_task(10, 0.05, 1)  # 10.5 (floating point rounds it to 10, half to even)
    11
    >>> grown_task(46, 0.5, 3)  # 155.25
    155
    """
    exact = Fraction(str(base)) * (1 + Fraction(str(growth))) ** cycle
    return math.floor(exact + Fraction(1, 2))


def _period_of(day: dt.date, bounds: list[tuple[dt.date, dt.date]]) -> int:
    """Index of the first period that starts on or after ``day`` (a site available
    mid-period counts from the next period)."""
    for t, (first, _) in enumerate(bounds):
        if first >= day:
            return t
    return len(bounds)


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months (the day clamped to the month's length)."""
    k = day.month - 1 + months
    year, month = day.year + k // 12, k % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _last_period_before(day: dt.date, bounds: list[tuple[dt.date, dt.date]]) -> int:
    """Index of the last period that ends on or before ``day`` (a permit ending
    mid-period means the units are gone for that whole period)."""
    last = -1
    for t, (_, end) in enumerate(bounds):
        if end <= day + dt.timedelta(days=1):
            last = t
    return last


def _municipality_of(
    rec: dict[str, Any], municipalities: list[tuple[str, str]], only: str | None
) -> Any:
    """The municipality a longlist site counts for: the one the siting stage located it in
    (holding most of the plot), else, for a site in no municipality of the region (kept
    under ``region.outside: warn``, e.g. a plot just beyond the generalised CBS boundary),
    the one the longlist states (``municipality_stated``); such a site was left out of the
    plan without a word although the longlist names its municipality."""
    code = rec.get("municipality_code", only)
    if code is not None and not _isnan(code) and str(code):
        return code
    known = stated_municipality(rec.get("municipality_stated"), municipalities)
    return code if known is None else known


def build_instance(
    config: PlanningConfig,
    *,
    municipalities: list[tuple[str, str]],
    tasks: pd.DataFrame | None,
    stock: pd.DataFrame | None,
    candidates: pd.DataFrame | None,
    sites: pd.DataFrame | None = None,
    id_column: str = "site_id",
    name_column: str = "name",
    exchange: ExchangeConfig | None = None,
) -> PlanningInstance:
    """Make the planning instance of a scenario.

    Parameters
    ----------
    config
        The planning section.
    municipalities
        (code, name) of the region's municipalities.
    tasks, stock, candidates
        The checked tables (see :func:`opvang_opt.io.planning.read_planning_tables`).
    sites
        The siting stage's sites (``score``, ``capacity_units``, ``excluded``,
        ``shortlisted``, the longlist's columns), for candidates from the shortlist or the
        eligible longlist.
    id_column, name_column
        The longlist's id and name columns.
    exchange
        The exchange section, for tasks grown by ``task_rule``.

    Returns
    -------
    PlanningInstance
    """
    bounds = config.period_bounds()
    labels = config.period_labels()
    T = len(bounds)
    months = config.period_months
    days = tuple((b - a).days for a, b in bounds)
    years = tuple(a.year for a, _ in bounds)
    r = config.discount_rate
    discount = tuple(1.0 / (1 + r) ** ((a - config.start).days / 365.25) for a, _ in bounds)
    groups = [g.name for g in config.groups]
    G = len(groups)
    gi = {g: i for i, g in enumerate(groups)}

    pooled = config.task_scope == "region"
    if pooled:
        munis = [("regio", "regio")]
        mi = {code: 0 for code, _ in municipalities}
    else:
        munis = list(municipalities)
        mi = {code: i for i, (code, _) in enumerate(municipalities)}
    M = len(munis)

    task_arr = np.zeros((T, M, G), dtype=np.int64)
    if tasks is not None:
        pi = {p: t for t, p in enumerate(labels)}
        for row in tasks.itertuples(index=False):
            task_arr[pi[row.period], mi[row.municipality_code], gi[row.group]] += int(row.task)
    elif config.task_rule is not None and exchange is not None:
        growth = config.task_rule.growth_per_cycle
        for code, per_group in exchange.tasks.items():
            if code not in mi:
                continue
            for g in config.groups:
                base = float(per_group.get(g.name, 0))
                # cycles counted from the group's cycle start (default: the first period);
                # the first period's cycle has the exchange task
                offset = 0
                if g.cycle_start is not None:
                    offset = cycle_offset(g.cycle_start, config.start, config.period_months) or 0
                first = offset // g.cycle_periods
                for t in range(T):
                    k = (offset + t) // g.cycle_periods - first
                    task_arr[t, mi[code], gi[g.name]] += grown_task(
                        base, growth.get(g.name, 0.0), k
                    )

    d = config.defaults
    over: dict[str, dict[str, Any]] = {}
    if candidates is not None:
        for rec in candidates.to_dict("records"):
            over[str(rec["site_id"])] = {
                k: v for k, v in rec.items() if v is not None and not _isnan(v)
            }

    def opt(sid: str, key: str, default: Any) -> Any:
        return over.get(sid, {}).get(key, default)

    site_list: list[Site] = []
    if stock is not None:
        for rec in stock.to_dict("records"):
            sid = str(rec["site_id"])
            units = int(rec["units"])
            block = math.gcd(units, int(opt(sid, "block_units", d.block_units)))
            max_units = int(rec["max_units"]) // block * block
            last = min(T - 1, _last_period_before(rec["permit_end"], bounds))
            g_mask = tuple(True for _ in groups)
            site_list.append(
                Site(
                    site_id=sid,
                    name=str(rec["name"]),
                    municipality=mi[rec["municipality_code"]],
                    max_units=max_units,
                    block=block,
                    first_period=0,
                    last_period=last,
                    permit_periods=T,
                    initial_units=units,
                    opening_cost=0,
                    build_cost=_cents(
                        float(opt(sid, "build_cost_per_unit_eur", d.build_cost_per_unit_eur))
                        - d.subsidy_per_unit_eur
                    ),
                    move_cost=_cents(
                        float(opt(sid, "move_cost_per_unit_eur", d.move_cost_per_unit_eur))
                    ),
                    close_cost=_cents(d.close_cost_per_unit_eur),
                    running_cost_year=_cents(
                        float(
                            opt(
                                sid,
                                "running_cost_per_unit_year_eur",
                                d.running_cost_per_unit_year_eur,
                            )
                        )
                    ),
                    groups=g_mask,
                    score=100.0,
                    occupants=int(rec["occupants"]),
                    initial_group=gi[rec["group"]],
                    permit_end=rec["permit_end"].isoformat(),
                )
            )

    # a candidate-table row with an existing site's id sets that site's block and costs
    # (above); it is not a second site with the same id
    stock_ids = {site.site_id for site in site_list}
    cand_rows: list[dict[str, Any]] = []
    src = config.candidates
    if src.from_ in ("shortlist", "eligible") and sites is not None:
        chosen = sites[~sites["excluded"].astype(bool)]
        if src.from_ == "shortlist":
            chosen = chosen[chosen["shortlisted"].astype(bool)]
        for rec in chosen.sort_values("rank").to_dict("records"):
            only = municipalities[0][0] if len(municipalities) == 1 else None
            row = {
                "site_id": str(rec[id_column]),
                "name": str(rec.get(name_column, "")),
                "municipality_code": _municipality_of(rec, municipalities, only),
                "max_units": int(rec.get("capacity_units", d.max_units) or 0),
                "score": float(rec.get("score", 0.0)),
            }
            avail = rec.get(src.available_column)
            if avail is not None and not _isnan(avail) and str(avail):
                day = parse_dates(pd.Series([avail]))[0].iloc[0]
                if isinstance(day, dt.date):
                    row["available_from"] = day
            if src.cost_column and src.cost_column in rec and not _isnan(rec[src.cost_column]):
                row["opening_cost_eur"] = float(rec[src.cost_column])
            row.update(over.get(row["site_id"], {}))
            cand_rows.append(row)
        # table rows for sites outside the longlist (e.g. a site for relocated units) join
        listed = {row["site_id"] for row in cand_rows}
        known = set(sites[id_column].astype(str))
        cand_rows += [
            dict(o)
            for sid, o in over.items()
            if sid not in listed
            and sid not in known
            and sid not in stock_ids
            and o.get("municipality_code")
        ]
    elif src.from_ == "table" and candidates is not None:
        cand_rows = [dict(over[sid]) for sid in over if sid not in stock_ids]

    for row in cand_rows:
        row_code = row.get("municipality_code")
        if row_code not in mi:
            continue  # outside the region (the siting checks say where)
        block = int(row.get("block_units", d.block_units)) or 1
        lead_months = int(row.get("lead_time_months", d.lead_time_months))
        avail = row.get("available_from") or config.start
        # units stand from the first period that starts once the site is ready (available
        # plus lead time); rounding availability and lead time up separately lost a period
        # for a site available mid-period
        first = _period_of(_add_months(max(avail, config.start), lead_months), bounds)
        permit = max(1, math.ceil(int(row.get("permit_years", d.permit_years)) * 12 / months))
        g_mask = tuple(True for _ in groups)
        if row.get("groups"):
            allowed = {g.strip() for g in str(row["groups"]).split(";")}
            g_mask = tuple(g in allowed for g in groups)
        mx = int(row.get("max_units", d.max_units))
        site_list.append(
            Site(
                site_id=str(row["site_id"]),
                name=str(row.get("name") or row["site_id"]),
                municipality=mi[row_code],
                max_units=mx // block * block,
                block=block,
                first_period=min(first, T),
                last_period=T - 1,
                permit_periods=permit,
                initial_units=0,
                opening_cost=_cents(float(row.get("opening_cost_eur", d.opening_cost_eur))),
                build_cost=_cents(
                    float(row.get("build_cost_per_unit_eur", d.build_cost_per_unit_eur))
                    - d.subsidy_per_unit_eur
                ),
                move_cost=_cents(
                    float(row.get("move_cost_per_unit_eur", d.move_cost_per_unit_eur))
                ),
                close_cost=_cents(d.close_cost_per_unit_eur),
                running_cost_year=_cents(
                    float(
                        row.get("running_cost_per_unit_year_eur", d.running_cost_per_unit_year_eur)
                    )
                ),
                groups=g_mask,
                score=float(row.get("score", 0.0)),
                available_from=str(avail),
                lead_periods=math.ceil(lead_months / months),
            )
        )

    unmet = tuple(
        _cents(
            g.unmet_cost_per_person_day_eur
            if g.unmet_cost_per_person_day_eur is not None
            else config.unmet_cost_per_person_day_eur
        )
        for g in config.groups
    )
    return PlanningInstance(
        periods=tuple(labels),
        days=days,
        years=years,
        discount=discount,
        municipalities=tuple(c for c, _ in munis),
        municipality_names=tuple(n for _, n in munis),
        groups=tuple(groups),
        group_labels=tuple(g.label or g.name for g in config.groups),
        places_per_unit=tuple(g.places_per_unit for g in config.groups),
        hard=tuple(g.hard for g in config.groups),
        unmet_cost_day=unmet,
        tasks=task_arr,
        sites=tuple(site_list),
        budgets={y: _cents(b) for y, b in config.yearly_budget_eur.items()},
    )


def _isnan(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False

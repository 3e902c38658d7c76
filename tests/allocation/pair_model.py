"""An independent allocation model: one boolean per (household, unit) pair, solved by SCIP.

Written from the documented rules (the scenario schema's field docs and
``opvang_opt.allocation.rules``'s module text), not from the engine: it shares no code
with the model, only the validated tables. It is exact for small instances: SCIP
proves optimality, first of the number placed, then of the weighted objective with
that many placed.

Rules, as documented:

* a unit holds at most ``min(beds, floor(max_persons_per_bedroom * max(bedrooms, 1)))``
  persons; units already occupied are not given out;
* one household per unit, unless sharing is allowed: then single adults (one person,
  an adult) of one group may share, at most ``max_sharers_per_unit`` of them;
* wheelchair -> accessible unit; ground floor -> floor 0; the unit is available at
  most ``max_wait_days`` after arrival; rent at most the lowest matching cap;
* never on a refused or banned site, in a banned unit, or (when pinned) outside the
  pinned unit or site; nobody else in a unit pinned to a household;
* ``medical_rule: hard``: a household that needs care only on sites with a GP within
  ``medical_reach_m``;
* mix rules on a site's occupied units after allocation (a shared unit counts once),
  share ``p/q`` the nearest fraction with ``q <= 1000``: ``sense * (q G - p T) <=
  max(sense * (q G0 - p T0), 0)``;
* children 4-11 / 12-17 of newcomer-education groups (unless enrolled and
  ``enrolled_keep_school``) need a taalklas / ISK place at a school within
  ``school_reach_m`` of their site, within the schools' places;
* objective per placed household: school, work and (medical) GP distance in km,
  relocation (has a current unit, gets another), not on a preferred site; plus per
  occupied unit its unused beds; each times its weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.linear_solver import pywraplp


@dataclass
class PairResult:
    """The pair model's optimum: number placed, objective, and the assignment."""

    placed: int
    objective: float
    assignment: dict[str, str]


def _allowed(h, u, config, site_xy, gp_m, rent_cap) -> bool:
    cap = min(
        int(u.beds), math.floor(config.max_persons_per_bedroom * max(int(u.bedrooms), 1) + 1e-9)
    )
    if h.persons > cap:
        return False
    if h.needs_wheelchair and not u.accessible:
        return False
    if h.needs_ground_floor and u.floor != 0:
        return False
    if u.available_from > h.arrival_date + np.timedelta64(config.max_wait_days, "D"):
        return False
    if u.rent_eur > rent_cap + 1e-9:
        return False
    if u.site_id in h.refused_sites:
        return False
    if (
        config.medical_rule == "hard"
        and h.needs_medical
        and gp_m[u.site_id] > config.medical_reach_m
    ):
        return False
    for ban in config.bans:
        if ban.household_id == h.household_id and (
            ban.unit_id == u.unit_id or ban.site_id == u.site_id
        ):
            return False
    for pin in config.pins:
        if pin.household_id == h.household_id:
            if pin.unit_id is not None and pin.unit_id != u.unit_id:
                return False
            if pin.site_id is not None and pin.site_id != u.site_id:
                return False
        elif pin.unit_id == u.unit_id:
            return False
    return True


def _rent_cap(h, config) -> float:
    cap = math.inf
    for rule in config.rent_caps:
        if h.persons < rule.min_persons:
            continue
        if rule.max_persons is not None and h.persons > rule.max_persons:
            continue
        if rule.groups is not None and h.group not in rule.groups:
            continue
        cap = min(cap, rule.max_rent_eur)
    return cap


def _needs(h, config) -> tuple[int, int]:
    if not config.school_capacity or h.group not in config.newcomer_education_groups:
        return 0, 0
    if config.enrolled_keep_school and not math.isnan(h.school_x):
        return 0, 0
    return int(h.children_4_11), int(h.children_12_17)


def _cost(h, u, config, site_xy, gp_m) -> float:
    """Per-household cost of ``h`` in ``u`` without the unused beds (charged per unit)."""
    w = config.weights
    sx, sy = site_xy[u.site_id]
    c = 0.0
    if not math.isnan(h.school_x):
        c += w.school_km * math.hypot(h.school_x - sx, h.school_y - sy) / 1000.0
    if not math.isnan(h.work_x):
        c += w.work_km * math.hypot(h.work_x - sx, h.work_y - sy) / 1000.0
    if h.needs_medical and math.isfinite(gp_m[u.site_id]):
        c += w.care_km * gp_m[u.site_id] / 1000.0
    if h.current_unit and h.current_unit != u.unit_id:
        c += w.relocation
    if h.preferred_sites and u.site_id not in h.preferred_sites:
        c += w.not_preferred
    return c


def solve_pair_model(tables, config) -> PairResult:
    """The proven optimum of the pair model on validated ``tables``."""
    hh = list(tables.households.itertuples(index=False))
    occupied = set(tables.occupied["unit_id"])
    un = [u for u in tables.units.itertuples(index=False) if u.unit_id not in occupied]
    site_xy = {s.site_id: (s.x, s.y) for s in tables.sites.itertuples()}
    gps = [(g.x, g.y) for g in tables.gps.itertuples()]
    gp_m = {
        sid: min((math.hypot(x - gx, y - gy) for gx, gy in gps), default=math.inf)
        for sid, (x, y) in site_xy.items()
    }
    solver = pywraplp.Solver.CreateSolver("SCIP")
    x = {}
    for h in hh:
        cap = _rent_cap(h, config)
        for u in un:
            if _allowed(h, u, config, site_xy, gp_m, cap):
                x[h.household_id, u.unit_id] = solver.BoolVar(f"x_{h.household_id}_{u.unit_id}")
    groups = list(config.groups)
    hh_of = {h.household_id: h for h in hh}
    # g[u, group]: the unit is occupied by that group (one group per unit)
    g = {(u.unit_id, grp): solver.BoolVar(f"g_{u.unit_id}_{grp}") for u in un for grp in groups}
    for h in hh:
        solver.Add(sum(v for (hid, _), v in x.items() if hid == h.household_id) <= 1)
    sharers_limit = config.max_sharers_per_unit or 10**6
    for u in un:
        inside = [(hh_of[hid], v) for (hid, uid), v in x.items() if uid == u.unit_id]
        cap = min(
            int(u.beds), math.floor(config.max_persons_per_bedroom * max(int(u.bedrooms), 1) + 1e-9)
        )
        solver.Add(sum(h.persons * v for h, v in inside) <= cap)
        solver.Add(sum(g[u.unit_id, grp] for grp in groups) <= 1)
        for grp in groups:
            solver.Add(g[u.unit_id, grp] <= sum(v for h, v in inside if h.group == grp))
        for h, v in inside:
            solver.Add(v <= g[u.unit_id, h.group])
        if not config.allow_shared_units:
            solver.Add(sum(v for _, v in inside) <= 1)
            continue
        multi = solver.BoolVar(f"m_{u.unit_id}")
        solver.Add(sum(v for _, v in inside) <= 1 + (sharers_limit - 1) * multi)
        for h, v in inside:
            if not (h.persons == 1 and h.adults == 1):
                solver.Add(v + multi <= 1)
    _mix(solver, config, un, g, tables)
    _schools(solver, config, hh_of, un, x, site_xy, tables)
    placed = sum(x.values())
    solver.Maximize(placed)
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    n_placed = round(solver.Objective().Value())
    solver.Add(placed >= n_placed)
    unit_of = {u.unit_id: u for u in un}
    w = config.weights
    cost = sum(
        v * _cost(hh_of[hid], unit_of[uid], config, site_xy, gp_m) for (hid, uid), v in x.items()
    )
    unused = sum(
        w.unused_bed * int(u.beds) * g[u.unit_id, grp] for u in un for grp in groups
    ) - sum(w.unused_bed * hh_of[hid].persons * v for (hid, _), v in x.items())
    solver.Minimize(cost + unused)
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    assignment = {hid: uid for (hid, uid), v in x.items() if v.solution_value() > 0.5}
    return PairResult(n_placed, solver.Objective().Value(), assignment)


def _mix(solver, config, un, g, tables) -> None:
    occ = tables.occupied.merge(tables.units[["unit_id", "site_id"]], on="unit_id")
    for rule in config.mix_rules:
        for sid in rule.sites or list(tables.sites["site_id"]):
            here = [u for u in un if u.site_id == sid]
            if not here:
                continue  # nothing to give out here: the rule cannot change
            before = occ[occ["site_id"] == sid]
            g0 = int(before["group"].isin(rule.groups).sum())
            t0 = len(before)
            in_group = sum(g[u.unit_id, grp] for u in here for grp in rule.groups)
            total = sum(g[u.unit_id, grp] for u in here for grp in config.groups)
            for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None:
                    continue
                f = Fraction(share).limit_denominator(1000)
                p, q = f.numerator, f.denominator
                limit = max(sense * (q * g0 - p * t0), 0)
                solver.Add(sense * (q * (g0 + in_group) - p * (t0 + total)) <= limit)


def _schools(solver, config, hh_of, un, x, site_xy, tables) -> None:
    schools = list(tables.schools.itertuples(index=False))
    for b, places_col in enumerate(("taalklas_places", "isk_places")):
        use = {}
        for sid, (sx, sy) in site_xy.items():
            demand = sum(
                _needs(hh_of[hid], config)[b] * v
                for (hid, uid), v in x.items()
                if next(u.site_id for u in un if u.unit_id == uid) == sid
            )
            reach = [s for s in schools if math.hypot(s.x - sx, s.y - sy) <= config.school_reach_m]
            flows = []
            for s in reach:
                f = solver.IntVar(0, solver.infinity(), f"f_{b}_{sid}_{s.school_id}")
                use.setdefault(s.school_id, []).append(f)
                flows.append(f)
            if flows or not isinstance(demand, int):
                solver.Add(sum(flows) == demand)
        for s in schools:
            if use.get(s.school_id):
                solver.Add(sum(use[s.school_id]) <= int(getattr(s, places_col)))

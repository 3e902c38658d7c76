"""A second independent allocation model: one boolean per (household, unit) pair, CP-SAT.

Written from the documented rules only (``README.md`` "Allocation", the field docs of
``schema/allocation.py``, the module text of ``allocation/rules.py``); it imports
nothing from the engine and reads the raw rows the test generated, not the engine's
validated tables. Coordinates lie on one east-west line on a whole-kilometre grid and
every weight is a whole number, so every objective is an integer and CP-SAT proves it
exactly: the comparison with the engine is to the unit, not within a gap.

The documented rules, as modelled here:

* occupancy: at most ``min(beds, floor(max_persons_per_bedroom * max(bedrooms, 1)))``
  persons in a unit; units in ``occupied`` are not given out;
* one household per unit; with ``allow_shared_units`` households of one person who is
  an adult may share with others of the same group, at most ``max_sharers_per_unit``;
* wheelchair -> accessible; ground floor -> floor 0; ``available_from`` at most
  ``max_wait_days`` after the arrival date; rent at most the lowest matching cap;
* never on a refused site, a banned site or unit; a pinned household only in its unit
  or on its site, nobody else in a unit pinned to a household; staying in the current
  unit is one option like any other (pins and bans apply);
* ``medical_rule: hard``: households needing care only on a site with a GP within
  ``medical_reach_m``;
* mix rules per site over occupied units (a shared unit counts once): a share written
  as a number is the nearest fraction p/q with q <= 1000, ``"p/q"`` is exact; after
  allocation ``q G - p T <= max(q G0 - p T0, 0)`` (min share: the sign turned); with
  ``basis: units`` over all ``U`` units listed for the site instead: ``q G - p U`` (max),
  ``q (T - G) - (q - p) U`` (min: the other groups' units), same "no worse" rule;
* children 4-11 / 12-17 of the newcomer-education groups need a taalklas / ISK place at
  a school within ``school_reach_m`` of their site, unless they have a current school
  and ``enrolled_keep_school``; the schools' places are shared by every site in reach;
* objective: first the number placed (maximised), then per placed household the school,
  work and (when it needs care) nearest-GP distance in km times its weight, the
  relocation weight when it has a current unit and gets another, the not-preferred
  weight when it named preferred sites and is elsewhere, and per occupied unit its
  empty beds times ``unused_bed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from ortools.sat.python import cp_model


@dataclass
class PairOptimum:
    """The proven optimum: households placed, objective, one optimal assignment."""

    placed: int
    objective: int
    assignment: dict[str, str]


def share(value: float | str) -> Fraction:
    """The documented reading of a mix share."""
    if isinstance(value, str):
        return Fraction(value.replace(" ", ""))
    return Fraction(value).limit_denominator(1000)


def _ids(text: str) -> set[str]:
    return {p.strip() for p in str(text).split(";") if p.strip()}


def _capacity(u: dict, per_bedroom: float) -> int:
    by_rooms = math.floor(Fraction(str(per_bedroom)) * max(int(u["bedrooms"]), 1))
    return min(int(u["beds"]), by_rooms)


def _dist_km(a: float, b: float) -> int:
    d = abs(a - b)
    assert d % 1000 == 0
    return int(d // 1000)


def solve(
    hh: list[dict],
    un: list[dict],
    site_x: dict[str, float],
    schools: list[dict],
    gp_x: list[float],
    occupied: list[dict],
    cfg: dict,
) -> PairOptimum:
    """Solve the pair model on raw rows; ``cfg`` is the raw ``allocation:`` mapping."""
    w = cfg["weights"]
    occupied_ids = {o["unit_id"] for o in occupied}
    free = [u for u in un if u["unit_id"] not in occupied_ids]
    gp_m = {s: min(abs(x - g) for g in gp_x) for s, x in site_x.items()}
    pins = cfg.get("pins", [])
    bans = cfg.get("bans", [])
    pinned_unit_owner = {p["unit_id"]: p["household_id"] for p in pins if p.get("unit_id")}

    def rent_cap(h: dict) -> float:
        cap = math.inf
        for r in cfg.get("rent_caps", []):
            if h["persons"] < r.get("min_persons", 1):
                continue
            if r.get("max_persons") is not None and h["persons"] > r["max_persons"]:
                continue
            if r.get("groups") is not None and h["group"] not in r["groups"]:
                continue
            cap = min(cap, r["max_rent_eur"])
        return cap

    def allowed(h: dict, u: dict) -> bool:
        hid, sid = h["household_id"], u["site_id"]
        if h["persons"] > _capacity(u, cfg["max_persons_per_bedroom"]):
            return False
        if h["needs_wheelchair"] and not u["accessible"]:
            return False
        if h["needs_ground_floor"] and u["floor"] != 0:
            return False
        arrival = date.fromisoformat(h["arrival_date"])
        if date.fromisoformat(u["available_from"]) > arrival + timedelta(cfg["max_wait_days"]):
            return False
        if u["rent_eur"] > rent_cap(h):
            return False
        if sid in _ids(h["refused_sites"]):
            return False
        near_gp = gp_m[sid] <= cfg["medical_reach_m"]
        if cfg["medical_rule"] == "hard" and h["needs_medical"] and not near_gp:
            return False
        for b in bans:
            if b["household_id"] == hid and (
                b.get("unit_id") == u["unit_id"] or b.get("site_id") == sid
            ):
                return False
        for p in pins:
            if p["household_id"] == hid:
                if p.get("unit_id") and p["unit_id"] != u["unit_id"]:
                    return False
                if p.get("site_id") and p["site_id"] != sid:
                    return False
        owner = pinned_unit_owner.get(u["unit_id"])
        return not (owner is not None and owner != hid)

    def cost(h: dict, u: dict) -> int:
        sx = site_x[u["site_id"]]
        c = 0
        if not math.isnan(h["school_x"]):
            c += w["school_km"] * _dist_km(h["school_x"], sx)
        if not math.isnan(h["work_x"]):
            c += w["work_km"] * _dist_km(h["work_x"], sx)
        if h["needs_medical"]:
            c += w["care_km"] * _dist_km(gp_m[u["site_id"]], 0.0)
        if h["current_unit"] and h["current_unit"] != u["unit_id"]:
            c += w["relocation"]
        pref = _ids(h["preferred_sites"])
        if pref and u["site_id"] not in pref:
            c += w["not_preferred"]
        return c

    def needs(h: dict) -> tuple[int, int]:
        if not cfg["school_capacity"] or h["group"] not in cfg["newcomer_education_groups"]:
            return 0, 0
        if cfg["enrolled_keep_school"] and not math.isnan(h["school_x"]):
            return 0, 0
        return int(h["children_4_11"]), int(h["children_12_17"])

    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, h in enumerate(hh):
        for j, u in enumerate(free):
            if allowed(h, u):
                x[i, j] = m.new_bool_var(f"x{i}_{j}")
    groups = list(cfg["groups"])
    occ: dict[tuple[int, str], cp_model.IntVar] = {}
    for i in range(len(hh)):
        m.add(sum(v for (a, _), v in x.items() if a == i) <= 1)
    for j, u in enumerate(free):
        inside = [(hh[i], v) for (i, b), v in x.items() if b == j]
        cap = _capacity(u, cfg["max_persons_per_bedroom"])
        m.add(sum(h["persons"] * v for h, v in inside) <= cap)
        for grp in groups:
            occ[j, grp] = m.new_bool_var(f"o{j}_{grp}")
            members = [v for h, v in inside if h["group"] == grp]
            m.add(occ[j, grp] <= sum(members, 0))
            for v in members:
                m.add(v <= occ[j, grp])
        m.add(sum(occ[j, grp] for grp in groups) <= 1)
        shared = m.new_bool_var(f"s{j}")
        limit = cfg.get("max_sharers_per_unit") or cap
        if not cfg["allow_shared_units"]:
            m.add(shared == 0)
        m.add(sum(v for _, v in inside) <= 1 + (max(limit, 1) - 1) * shared)
        for h, v in inside:
            if not (h["persons"] == 1 and h["adults"] == 1):
                m.add(v + shared <= 1)
    # mix rules
    for rule in cfg.get("mix_rules", []):
        for sid in rule.get("sites") or list(site_x):
            here = [j for j, u in enumerate(free) if u["site_id"] == sid]
            before = [o for o in occupied if _site_of(un, o["unit_id"]) == sid]
            g0 = sum(o["group"] in rule["groups"] for o in before)
            t0 = len(before)
            g1 = sum(occ[j, grp] for j in here for grp in rule["groups"])
            t1 = sum(occ[j, grp] for j in here for grp in groups)
            n_units = sum(u["site_id"] == sid for u in un)
            for sense, key in ((1, "max_share"), (-1, "min_share")):
                if rule.get(key) is None:
                    continue
                f = share(rule[key])
                p, q = f.numerator, f.denominator
                if rule.get("basis", "occupied") == "units":
                    if sense == 1:
                        before_ex, after_ex = q * g0 - p * n_units, q * (g0 + g1) - p * n_units
                    else:
                        before_ex = q * (t0 - g0) - (q - p) * n_units
                        after_ex = q * (t0 + t1 - g0 - g1) - (q - p) * n_units
                    m.add(after_ex <= max(before_ex, 0))
                    continue
                m.add(sense * (q * (g0 + g1) - p * (t0 + t1)) <= max(sense * (q * g0 - p * t0), 0))
    # newcomer education: a flow from each site to the schools in reach
    for b, key in enumerate(("taalklas_places", "isk_places")):
        use: dict[int, list] = {}
        for sid, sx in site_x.items():
            demand = [
                needs(hh[i])[b] * v
                for (i, j), v in x.items()
                if free[j]["site_id"] == sid and needs(hh[i])[b]
            ]
            if not demand:
                continue
            reach = [k for k, s in enumerate(schools) if abs(s["x"] - sx) <= cfg["school_reach_m"]]
            flows = [m.new_int_var(0, 100, f"f{b}_{sid}_{k}") for k in reach]
            for k, f in zip(reach, flows, strict=True):
                use.setdefault(k, []).append(f)
            m.add(sum(flows) == sum(demand))
        for k, fl in use.items():
            m.add(sum(fl) <= int(schools[k][key]))
    placed = sum(x.values())
    m.maximize(placed)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    assert solver.solve(m) == cp_model.OPTIMAL
    n_placed = round(solver.objective_value)
    m.add(placed >= n_placed)
    per_hh = sum(cost(hh[i], free[j]) * v for (i, j), v in x.items())
    empty = sum(
        w["unused_bed"] * int(u["beds"]) * occ[j, grp] for j, u in enumerate(free) for grp in groups
    ) - sum(w["unused_bed"] * hh[i]["persons"] * v for (i, _), v in x.items())
    m.minimize(per_hh + empty)
    assert solver.solve(m) == cp_model.OPTIMAL
    assignment = {
        hh[i]["household_id"]: free[j]["unit_id"] for (i, j), v in x.items() if solver.value(v)
    }
    return PairOptimum(n_placed, round(solver.objective_value), assignment)


def _site_of(un: list[dict], unit_id: str) -> str:
    return next(u["site_id"] for u in un if u["unit_id"] == unit_id)

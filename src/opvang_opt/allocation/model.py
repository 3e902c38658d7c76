"""The allocation instance: arrays, unit types, household classes, arcs and costs.

Everything here is built with numpy from the validated tables; no loop runs over
(household, unit) pairs.

Structure exploited (DESIGN.md section 5):

* **Unit types.** Units of one site that no rule and no cost can tell apart
  (same bedrooms, beds, accessibility, ground floor or not, availability and rent
  *relative to the households' deadlines and caps*) form one type with a count.
  A unit that is pinned, banned or someone's current unit is a type of its own.
* **Fit classes.** Households that fit exactly the same unit types at the same
  unit-level cost (persons, needs, deadline, rent cap, pins, bans, current unit,
  shared eligibility) form one fit class ``k``.
* **Household classes.** Households that are identical for every rule and cost
  (fit class, group, children needing places, school and work location,
  preferences, refusals, site bans and pins) form one class ``c`` with a count.

The model is a network ``class c -> (site j, fit class k) -> unit type t -> sink``
with side constraints on the ``c -> (j, k)`` arcs (mix rules, school places) and on
shared units. Site-level costs (distances, preference) sit on the ``c -> (j, k)``
arcs; unit-level costs (unused beds, relocation) on the ``(j, k) -> t`` arcs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opvang_opt.allocation.rules import may_share, persons_capacity
from opvang_opt.allocation.validate import Tables
from opvang_opt.schema import AllocationConfig

BANDS = ("taalklas", "isk")
"""Newcomer-education bands: taalklas (children 4-11) and ISK (children 12-17)."""

COST_WEIGHT = "cost_weight"
"""Optional internal column of the households table (never read from a file): the
factor of a household's costs in the objective, in ``(0, 1]`` (1 when absent). The
rolling look-ahead gives its expected households a lower factor
(``rolling.expected_weight``): they may not come. Households that may share a unit
always count fully."""

IN_MIX = "in_mix"
"""Optional internal column of the households table (never read from a file): False
for a household that does not count in the mix rules (True when absent). The rolling
look-ahead's expected households leave the mix rules to the real households with
``rolling.expected_in_mix`` off."""

SCENARIO = "scenario"
"""Optional internal column of the households table (never read from a file): 0 for a
real household, ``k >= 1`` for an expected household of future ``k`` of the rolling
two-stage look-ahead (``rolling.lookahead_method: two_stage``,
:mod:`~opvang_opt.allocation.twostage`). Households of different scenarios never share
a fit class or a household class (0 when absent)."""

COMPONENTS = ("school_km", "work_km", "care_km", "unused_beds", "relocation", "not_preferred")
"""The objective components, in the order of :class:`~.config.ObjectiveWeights`."""


def _dist(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Pairwise straight-line distances in metres, shape (len(a), len(b))."""
    return np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])


@dataclass(frozen=True, eq=False)
class Instance:
    """One allocation instance as arrays (built by :func:`build_instance`)."""

    config: AllocationConfig
    tables: Tables
    # households (index h)
    hh_ids: np.ndarray
    group_names: tuple[str, ...]
    h_group: np.ndarray
    h_persons: np.ndarray
    h_need: np.ndarray  # (H, 2) children needing a taalklas / ISK place
    h_wheel: np.ndarray
    h_ground: np.ndarray
    h_medical: np.ndarray
    h_deadline: np.ndarray  # datetime64[D]: arrival + max_wait_days
    h_rentcap: np.ndarray  # float, inf when no cap
    h_current: np.ndarray  # unit index or -1
    h_has_current: np.ndarray  # bool: the household lives in a unit now (in the stock or not)
    h_pin_unit: np.ndarray  # unit index or -1
    h_pin_site: np.ndarray  # site index or -1 (also set for a unit pin)
    h_shared: np.ndarray  # bool: single adult that may share
    h_banned_units: tuple[tuple[int, ...], ...]
    site_ok: np.ndarray  # (H, J) bool: refusals, site bans, pins, medical, school reach
    site_block: dict[str, np.ndarray]  # rule name -> (H, J) bool blocked by that rule
    comp_site: np.ndarray  # (H, J, 4) school_km, work_km, care_km, not_preferred (raw)
    # units (index u)
    unit_ids: np.ndarray
    u_site: np.ndarray
    u_bedrooms: np.ndarray
    u_beds: np.ndarray
    u_cap: np.ndarray  # persons allowed (beds and persons per bedroom)
    u_sharers: np.ndarray  # single adults allowed when shared
    u_accessible: np.ndarray
    u_ground: np.ndarray
    u_avail: np.ndarray
    u_rent: np.ndarray
    u_free: np.ndarray  # not already occupied
    # sites (index j)
    site_ids: np.ndarray
    site_gp_km: np.ndarray
    site_medical_ok: np.ndarray
    existing_units: np.ndarray  # (J, G) occupied units per group before allocation
    # schools (index s)
    school_ids: np.ndarray
    school_places: np.ndarray  # (S, 2)
    reach: np.ndarray  # (J, S) bool
    weights: np.ndarray  # (6,) component weights
    h_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per household, the factor of its costs in the objective (:data:`COST_WEIGHT`;
    1 unless the households table carries that column)."""
    h_in_mix: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """Per household, whether it counts in the mix rules (:data:`IN_MIX`)."""
    h_scenario: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Per household, its scenario (:data:`SCENARIO`; 0 unless the households table
    carries that column)."""
    # aggregation
    u_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    h_class: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    h_fit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_households(self) -> int:
        """Number of households to allocate."""
        return len(self.hh_ids)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.site_ids)

    def fits(self, h: np.ndarray | int, u: np.ndarray | int) -> np.ndarray:
        """Unit-level rules for households ``h`` and units ``u`` (broadcast): occupancy,
        accessibility, ground floor, date and rent (not pins, bans or site rules)."""
        h = np.asarray(h)
        u = np.asarray(u)
        return (
            (self.h_persons[h] <= self.u_cap[u])
            & (~self.h_wheel[h] | self.u_accessible[u])
            & (~self.h_ground[h] | self.u_ground[u])
            & (self.u_avail[u] <= self.h_deadline[h])
            & (self.u_rent[u] <= self.h_rentcap[h] + 1e-9)
        )

    def unit_rule_masks(self, h: int) -> dict[str, np.ndarray]:
        """Per unit-level rule, which free units household ``h`` passes (for reasons)."""
        u = np.flatnonzero(self.u_free)
        masks = {
            "occupancy": self.h_persons[h] <= self.u_cap[u],
            "accessibility": ~self.h_wheel[h] | self.u_accessible[u],
            "ground_floor": ~self.h_ground[h] | self.u_ground[u],
            "date": self.u_avail[u] <= self.h_deadline[h],
            "rent_cap": self.u_rent[u] <= self.h_rentcap[h] + 1e-9,
        }
        site_ok = self.site_ok[h][self.u_site[u]]
        masks["site_rules"] = site_ok
        banned = np.ones(len(u), bool)
        if self.h_banned_units[h]:
            banned = ~np.isin(u, self.h_banned_units[h])
        masks["ban"] = banned
        pinned_elsewhere = np.isin(u, self.h_pin_unit[self.h_pin_unit >= 0])
        if self.h_pin_unit[h] >= 0:
            masks["pin"] = u == self.h_pin_unit[h]
        else:
            masks["pin"] = ~pinned_elsewhere
        return {k: v for k, v in masks.items()} | {"_units": u}


def _rent_caps(tables: Tables, config: AllocationConfig) -> np.ndarray:
    hh = tables.households
    caps = np.full(len(hh), np.inf)
    for rule in config.rent_caps:
        match = hh["persons"].to_numpy() >= rule.min_persons
        if rule.max_persons is not None:
            match &= hh["persons"].to_numpy() <= rule.max_persons
        if rule.groups is not None:
            match &= hh["group"].isin(rule.groups).to_numpy()
        caps = np.where(match, np.minimum(caps, rule.max_rent_eur), caps)
    return caps


def build_instance(tables: Tables, config: AllocationConfig) -> Instance:
    """Turn validated tables into the arrays of an :class:`Instance`."""
    hh, un, st, sc, gp = tables.households, tables.units, tables.sites, tables.schools, tables.gps
    site_ids = st["site_id"].to_numpy(dtype=object)
    site_index = {s: i for i, s in enumerate(site_ids)}
    unit_ids = un["unit_id"].to_numpy(dtype=object)
    unit_index = {u: i for i, u in enumerate(unit_ids)}
    hh_ids = hh["household_id"].to_numpy(dtype=object)
    hh_index = {h: i for i, h in enumerate(hh_ids)}
    groups = tuple(config.groups)
    group_index = {g: i for i, g in enumerate(groups)}
    n_h, n_j = len(hh), len(st)

    # --- units ---------------------------------------------------------------------------
    u_site = un["site_id"].map(site_index).to_numpy(np.int64)
    u_bedrooms = un["bedrooms"].to_numpy(np.int64)
    u_beds = un["beds"].to_numpy(np.int64)
    u_cap = persons_capacity(u_beds, u_bedrooms, config.max_persons_per_bedroom)
    u_sharers = u_cap.copy()
    if config.max_sharers_per_unit is not None:
        u_sharers = np.minimum(u_sharers, config.max_sharers_per_unit)
    occ = tables.occupied
    u_free = ~un["unit_id"].isin(set(occ["unit_id"])).to_numpy()

    # --- households ----------------------------------------------------------------------
    h_group = hh["group"].map(group_index).to_numpy(np.int64)
    h_persons = hh["persons"].to_numpy(np.int64)
    newcomer = hh["group"].isin(config.newcomer_education_groups).to_numpy().copy()
    if config.enrolled_keep_school:
        newcomer &= hh["school_x"].isna().to_numpy()
    h_need = np.zeros((n_h, 2), np.int64)
    if config.school_capacity:
        h_need[:, 0] = np.where(newcomer, hh["children_4_11"].to_numpy(np.int64), 0)
        h_need[:, 1] = np.where(newcomer, hh["children_12_17"].to_numpy(np.int64), 0)
    h_deadline = hh["arrival_date"].to_numpy("datetime64[D]") + np.timedelta64(
        config.max_wait_days, "D"
    )
    h_current = np.array([unit_index.get(u, -1) for u in hh["current_unit"]], np.int64)
    h_pin_unit = np.full(n_h, -1, np.int64)
    h_pin_site = np.full(n_h, -1, np.int64)
    for pin in config.pins:
        h = hh_index[pin.household_id]
        if pin.unit_id is not None:
            h_pin_unit[h] = unit_index[pin.unit_id]
            h_pin_site[h] = u_site[h_pin_unit[h]]
        else:
            h_pin_site[h] = site_index[pin.site_id]
    banned_units: list[list[int]] = [[] for _ in range(n_h)]
    site_banned = np.zeros((n_h, n_j), bool)
    for ban in config.bans:
        h = hh_index[ban.household_id]
        if ban.unit_id is not None:
            banned_units[h].append(unit_index[ban.unit_id])
        else:
            site_banned[h, site_index[ban.site_id]] = True
    h_shared = may_share(h_persons, hh["adults"].to_numpy(), config.allow_shared_units)

    # --- sites: GPs, schools, preferences -------------------------------------------------
    sx, sy = st["x"].to_numpy(float), st["y"].to_numpy(float)
    if len(gp):
        gp_m = _dist(sx, sy, gp["x"].to_numpy(float), gp["y"].to_numpy(float)).min(axis=1)
    else:
        gp_m = np.full(n_j, np.inf)
    site_medical_ok = gp_m <= config.medical_reach_m
    site_gp_km = np.where(np.isfinite(gp_m), gp_m / 1000.0, 0.0)
    reach = _dist(sx, sy, sc["x"].to_numpy(float), sc["y"].to_numpy(float)) <= config.school_reach_m
    places = sc[["taalklas_places", "isk_places"]].to_numpy(np.int64).reshape(-1, 2)
    site_band_places = reach.astype(np.int64) @ places  # (J, 2)

    pref = np.zeros((n_h, n_j), bool)
    refused = np.zeros((n_h, n_j), bool)
    for h, (p, r) in enumerate(zip(hh["preferred_sites"], hh["refused_sites"], strict=True)):
        if p:
            pref[h, [site_index[s] for s in p]] = True
        if r:
            refused[h, [site_index[s] for s in r]] = True
    has_pref = np.asarray(pref.any(axis=1))

    block: dict[str, np.ndarray] = {
        "refused": refused,
        "ban": site_banned,
    }
    pinned_site = np.ones((n_h, n_j), bool)
    rows = np.flatnonzero(h_pin_site >= 0)
    pinned_site[rows] = False
    pinned_site[rows, h_pin_site[rows]] = True
    block["pin"] = ~pinned_site
    if config.medical_rule == "hard":
        block["medical"] = hh["needs_medical"].to_numpy()[:, None] & ~site_medical_ok[None, :]
    else:
        block["medical"] = np.zeros((n_h, n_j), bool)
    block["school_reach"] = ((h_need[:, None, :] > 0) & (site_band_places[None, :, :] <= 0)).any(
        axis=2
    )
    site_ok = ~np.logical_or.reduce(list(block.values()))

    comp = np.zeros((n_h, n_j, 4))
    for k, (cx, cy) in enumerate((("school_x", "school_y"), ("work_x", "work_y"))):
        x = hh[cx].to_numpy(float)
        y = hh[cy].to_numpy(float)
        d = _dist(np.nan_to_num(x), np.nan_to_num(y), sx, sy) / 1000.0
        comp[:, :, k] = np.where(np.isnan(x)[:, None], 0.0, d)
    comp[:, :, 2] = hh["needs_medical"].to_numpy()[:, None] * site_gp_km[None, :]
    comp[:, :, 3] = (has_pref[:, None] & ~pref).astype(float)

    existing = np.zeros((n_j, len(groups)), np.int64)
    if len(occ):
        occ_site = occ["unit_id"].map(dict(zip(unit_ids, u_site, strict=True))).to_numpy(np.int64)
        occ_group = occ["group"].map(group_index).to_numpy(np.int64)
        np.add.at(existing, (occ_site, occ_group), 1)

    w = config.weights
    weights = np.array(
        [w.school_km, w.work_km, w.care_km, w.unused_bed, w.relocation, w.not_preferred]
    )

    inst = Instance(
        config=config,
        tables=tables,
        hh_ids=hh_ids,
        group_names=groups,
        h_group=h_group,
        h_persons=h_persons,
        h_need=h_need,
        h_wheel=hh["needs_wheelchair"].to_numpy(bool),
        h_ground=hh["needs_ground_floor"].to_numpy(bool),
        h_medical=hh["needs_medical"].to_numpy(bool),
        h_deadline=h_deadline,
        h_rentcap=_rent_caps(tables, config),
        h_current=h_current,
        h_has_current=(hh["current_unit"] != "").to_numpy(bool),
        h_pin_unit=h_pin_unit,
        h_pin_site=h_pin_site,
        h_shared=h_shared,
        h_banned_units=tuple(tuple(sorted(b)) for b in banned_units),
        site_ok=site_ok,
        site_block=block,
        comp_site=comp,
        unit_ids=unit_ids,
        u_site=u_site,
        u_bedrooms=u_bedrooms,
        u_beds=u_beds,
        u_cap=u_cap,
        u_sharers=u_sharers,
        u_accessible=un["accessible"].to_numpy(bool),
        u_ground=(un["floor"].to_numpy(np.int64) == 0),
        u_avail=un["available_from"].to_numpy("datetime64[D]"),
        u_rent=un["rent_eur"].to_numpy(float),
        u_free=u_free,
        site_ids=site_ids,
        site_gp_km=site_gp_km,
        site_medical_ok=site_medical_ok,
        existing_units=existing,
        school_ids=sc["school_id"].to_numpy(dtype=object),
        school_places=places,
        reach=reach,
        weights=weights,
        h_weight=_cost_weights(hh, h_shared),
        h_in_mix=(
            hh[IN_MIX].fillna(True).to_numpy(bool) if IN_MIX in hh.columns else np.ones(n_h, bool)
        ),
        h_scenario=(
            hh[SCENARIO].to_numpy(np.int64) if SCENARIO in hh.columns else np.zeros(n_h, np.int64)
        ),
    )
    return inst


def _cost_weights(hh: pd.DataFrame, shared: np.ndarray) -> np.ndarray:
    """The households' :data:`COST_WEIGHT` (1 when the column is absent, and for
    households that may share a unit, whose shared-unit costs are not split)."""
    if COST_WEIGHT not in hh.columns:
        return np.ones(len(hh))
    w = hh[COST_WEIGHT].fillna(1.0).to_numpy(float)
    return np.where(shared, 1.0, w)


@dataclass(frozen=True, eq=False)
class Structure:
    """The aggregated network of one instance (built by :func:`build_structure`)."""

    # unit types (index t)
    type_site: np.ndarray
    type_count: np.ndarray
    type_beds: np.ndarray
    type_sharers: np.ndarray
    type_units: tuple[np.ndarray, ...]  # unit indices per type, sorted by unit id
    # fit classes (index k)
    fit_shared_group: np.ndarray  # group index when the class shares units, else -1
    fit_persons: np.ndarray
    # household classes (index c)
    class_members: tuple[np.ndarray, ...]  # household indices, sorted by household id
    class_count: np.ndarray
    class_fit: np.ndarray
    class_group: np.ndarray
    class_need: np.ndarray  # (C, 2)
    class_rep: np.ndarray  # a representative household per class
    # nodes (j, k) and their arcs to types
    node_of: np.ndarray  # (J, K) node index or -1
    node_site: np.ndarray
    node_fit: np.ndarray
    type_arc_node: np.ndarray
    type_arc_type: np.ndarray
    type_arc_cost: np.ndarray
    type_arc_unused: np.ndarray  # unused beds per household on this arc (non-shared)
    type_arc_reloc: np.ndarray  # 1 when the arc is a relocation
    # shared units (t, g)
    shared_type: np.ndarray
    shared_group: np.ndarray
    shared_cost: np.ndarray
    # all allowed household-class -> site arcs
    arc_class: np.ndarray
    arc_site: np.ndarray
    arc_cost: np.ndarray
    arc_comp: np.ndarray  # (A, 4) raw site components per household
    # stay columns: household class keeps its current unit (type s_type on site s_site)
    stay_class: np.ndarray
    stay_type: np.ndarray
    stay_site: np.ndarray
    stay_cost: np.ndarray
    stay_shared: np.ndarray  # the stay is a shared one (counts on its shared unit)
    class_in_mix: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    """Per household class, whether it counts in the mix rules (:data:`IN_MIX`)."""


def _codes(frame: pd.DataFrame) -> np.ndarray:
    """Deterministic integer codes of identical rows (sorted by the row values)."""
    return frame.groupby(list(frame.columns), sort=True, dropna=False).ngroup().to_numpy(np.int64)


def build_structure(inst: Instance) -> Structure:
    """Aggregate units into types and households into classes; build all arcs."""
    n_h, n_j = inst.n_households, inst.n_sites
    free = np.flatnonzero(inst.u_free)

    # --- unit types ------------------------------------------------------------------------
    deadlines = np.unique(inst.h_deadline)
    caps = np.unique(inst.h_rentcap[np.isfinite(inst.h_rentcap)])
    special = np.zeros(len(inst.unit_ids), bool)
    for arr in (inst.h_pin_unit, inst.h_current):
        special[arr[arr >= 0]] = True
    for b in inst.h_banned_units:
        special[list(b)] = True
    u_key = pd.DataFrame(
        {
            "site": inst.u_site,
            "bedrooms": inst.u_bedrooms,
            "beds": inst.u_beds,
            "acc": inst.u_accessible,
            "ground": inst.u_ground,
            "avail": np.searchsorted(deadlines, inst.u_avail, side="left"),
            "rent": np.searchsorted(caps, inst.u_rent - 1e-9, side="left"),
            "special": np.where(special, inst.unit_ids, ""),
        }
    ).iloc[free]
    codes = _codes(u_key) if len(free) else np.zeros(0, np.int64)
    n_t = int(codes.max()) + 1 if len(codes) else 0
    u_type = np.full(len(inst.unit_ids), -1, np.int64)
    u_type[free] = codes
    order = np.lexsort((inst.unit_ids[free].astype(str), codes))
    bounds = np.searchsorted(codes[order], np.arange(n_t + 1))
    t_units = tuple(free[order[bounds[i] : bounds[i + 1]]] for i in range(n_t))
    t_rep = np.array([t[0] for t in t_units], np.int64)
    t_site = inst.u_site[t_rep] if n_t else np.zeros(0, np.int64)
    t_count = np.diff(bounds).astype(np.int64)

    # --- fit classes -----------------------------------------------------------------------
    shared_group = np.where(inst.h_shared, inst.h_group, -1)
    # households see the same units when their deadline (cap) falls between the same two
    # availability dates (rents) of the free units: key on that rank, not the value
    avail_values = np.unique(inst.u_avail[free])
    rent_values = np.unique(inst.u_rent[free])
    k_key = pd.DataFrame(
        {
            "persons": np.minimum(inst.h_persons, 10**6),
            "wheel": inst.h_wheel,
            "ground": inst.h_ground,
            "deadline": np.searchsorted(avail_values, inst.h_deadline, side="right"),
            "cap": np.searchsorted(rent_values, inst.h_rentcap + 1e-9, side="right"),
            "shared": shared_group,
            "pin": inst.h_pin_unit,
            "banned": [";".join(map(str, b)) for b in inst.h_banned_units],
            "weight": inst.h_weight,
            "scenario": inst.h_scenario,
        }
    )
    h_fit = _codes(k_key) if n_h else np.zeros(0, np.int64)
    n_k = int(h_fit.max()) + 1 if n_h else 0
    k_rep = np.zeros(n_k, np.int64)
    k_rep[h_fit[::-1]] = np.arange(n_h)[::-1]

    # fit class x type compatibility (K x T), from representatives
    if n_k and n_t:
        compat = inst.fits(k_rep[:, None], t_rep[None, :])
        pinned_types = u_type[inst.h_pin_unit[inst.h_pin_unit >= 0]]
        compat[:, pinned_types[pinned_types >= 0]] = False
        k_pin = inst.h_pin_unit[k_rep]
        rows = np.flatnonzero(k_pin >= 0)
        compat[rows] = False
        pt = u_type[k_pin[rows]]
        okp = (pt >= 0) & inst.fits(k_rep[rows], k_pin[rows])
        compat[rows[okp], pt[okp]] = True
        for k in range(n_k):
            banned = np.asarray(inst.h_banned_units[k_rep[k]], np.int64)
            if len(banned):
                bt = u_type[banned]
                compat[k, bt[bt >= 0]] = False
    else:
        compat = np.zeros((n_k, n_t), bool)

    # nodes (j, k) and y arcs
    yk, yt = np.nonzero(compat)
    yj = t_site[yt]
    node_flat = yj * max(n_k, 1) + yk
    uniq_nodes, y_node = np.unique(node_flat, return_inverse=True)
    node_of = np.full((n_j, n_k), -1, np.int64)
    n_site = uniq_nodes // max(n_k, 1)
    n_fit = uniq_nodes % max(n_k, 1)
    node_of[n_site, n_fit] = np.arange(len(uniq_nodes))
    k_persons = inst.h_persons[k_rep] if n_k else np.zeros(0, np.int64)
    k_shared = shared_group[k_rep] if n_k else np.zeros(0, np.int64)
    t_beds = inst.u_beds[t_rep] if n_t else np.zeros(0, np.int64)
    t_sharers = inst.u_sharers[t_rep] if n_t else np.zeros(0, np.int64)
    w = inst.weights
    y_shared = k_shared[yk] >= 0
    y_unused = np.where(y_shared, 0, t_beds[yt] - k_persons[yk])
    # relocation is charged on the class->site arcs (every arc through a node is a move);
    # staying in the current unit is a separate "stay" column per resident household
    y_reloc = np.zeros(len(yk), bool)
    y_cost = w[3] * y_unused - np.where(y_shared, w[3] * k_persons[yk], 0.0)
    if n_k:
        y_cost = y_cost * inst.h_weight[k_rep][yk]

    # --- household classes -----------------------------------------------------------------
    hh = inst.tables.households
    c_key = pd.DataFrame(
        {
            "fit": h_fit,
            "group": inst.h_group,
            "need0": inst.h_need[:, 0],
            "need1": inst.h_need[:, 1],
            "medical": inst.h_medical,
            "sx": hh["school_x"].fillna(-1.0).to_numpy(),
            "sy": hh["school_y"].fillna(-1.0).to_numpy(),
            "wx": hh["work_x"].fillna(-1.0).to_numpy(),
            "wy": hh["work_y"].fillna(-1.0).to_numpy(),
            "pref": hh["preferred_sites"].map(";".join).to_numpy(),
            "ref": hh["refused_sites"].map(";".join).to_numpy(),
            "site_ok": [row.tobytes() for row in inst.site_ok],
            "current": inst.h_current,
            "has_current": inst.h_has_current,
            "in_mix": inst.h_in_mix,
        }
    )
    h_class = _codes(c_key) if n_h else np.zeros(0, np.int64)
    n_c = int(h_class.max()) + 1 if n_h else 0
    order = np.lexsort((inst.hh_ids.astype(str), h_class))
    bounds = np.searchsorted(h_class[order], np.arange(n_c + 1))
    c_members = tuple(order[bounds[i] : bounds[i + 1]] for i in range(n_c))
    c_rep = np.array([m[0] for m in c_members], np.int64)
    c_fit = h_fit[c_rep] if n_c else np.zeros(0, np.int64)

    # --- household-class -> site arcs ------------------------------------------------------
    ok = inst.site_ok[c_rep] if n_c else np.zeros((0, n_j), bool)
    if n_c:
        ok &= node_of[:, c_fit].T >= 0
    a_class, a_site = np.nonzero(ok)
    a_comp = inst.comp_site[c_rep[a_class], a_site] if len(a_class) else np.zeros((0, 4))
    a_reloc = inst.h_has_current[c_rep[a_class]] if len(a_class) else np.zeros(0, bool)
    a_cost = a_comp @ w[[0, 1, 2, 5]] + w[4] * a_reloc if len(a_class) else np.zeros(0)
    if len(a_class):
        a_cost = a_cost * inst.h_weight[c_rep[a_class]]

    # stay columns: a resident household keeps its current unit (when every rule allows it)
    # (its own pins included: a household pinned elsewhere moves; a unit pinned to
    # another household is not kept)
    cur = inst.h_current[c_rep] if n_c else np.zeros(0, np.int64)
    s_class = np.flatnonzero(cur >= 0)
    if len(s_class):
        su = cur[s_class]
        rep = c_rep[s_class]
        own_pin = inst.h_pin_unit[rep]
        pinned_units = inst.h_pin_unit[inst.h_pin_unit >= 0]
        ok_s = (
            inst.u_free[su]
            & inst.fits(rep, su)
            & inst.site_ok[rep, inst.u_site[su]]
            & ((own_pin < 0) | (own_pin == su))
            & ((own_pin == su) | ~np.isin(su, pinned_units))
        )
        ok_s &= np.array(
            [u not in inst.h_banned_units[h] for h, u in zip(rep, su, strict=True)], bool
        )
        s_class, su = s_class[ok_s], su[ok_s]
    else:
        su = np.zeros(0, np.int64)
    s_site = inst.u_site[su]
    s_persons = inst.h_persons[c_rep[s_class]]
    s_shared = shared_group[c_rep[s_class]] >= 0
    s_comp = inst.comp_site[c_rep[s_class], s_site] if len(s_class) else np.zeros((0, 4))
    # a shared stay pays (like a shared type arc) minus its persons; the unit's beds are
    # charged once on its shared-unit column
    s_unused = np.where(s_shared, -s_persons, inst.u_beds[su] - s_persons)
    s_cost = (s_comp @ w[[0, 1, 2, 5]] + w[3] * s_unused) if len(s_class) else np.zeros(0)
    if len(s_class):
        s_cost = s_cost * inst.h_weight[c_rep[s_class]]

    # shared units (type, group): from the shared type arcs and the shared stays
    zt_list: list[int] | np.ndarray = []
    zg_list: list[int] | np.ndarray = []
    if inst.config.allow_shared_units:
        sh = y_shared
        pairs = np.concatenate(
            [
                np.stack([yt[sh], k_shared[yk[sh]]], axis=1),
                np.stack([u_type[su[s_shared]], shared_group[c_rep[s_class[s_shared]]]], axis=1),
            ]
        )
        pairs = np.unique(pairs, axis=0)
        if len(pairs):
            zt_list, zg_list = pairs[:, 0], pairs[:, 1]
    z_type = np.asarray(zt_list, np.int64)
    z_group = np.asarray(zg_list, np.int64)
    z_cost = w[3] * t_beds[z_type].astype(float) if len(z_type) else np.zeros(0)

    object.__setattr__(inst, "u_type", u_type)
    object.__setattr__(inst, "h_class", h_class)
    object.__setattr__(inst, "h_fit", h_fit)
    return Structure(
        type_site=t_site,
        type_count=t_count,
        type_beds=t_beds,
        type_sharers=t_sharers,
        type_units=t_units,
        fit_shared_group=k_shared,
        fit_persons=k_persons,
        class_members=c_members,
        class_count=np.diff(bounds).astype(np.int64),
        class_fit=c_fit,
        class_group=inst.h_group[c_rep] if n_c else np.zeros(0, np.int64),
        class_need=inst.h_need[c_rep] if n_c else np.zeros((0, 2), np.int64),
        class_rep=c_rep,
        node_of=node_of,
        node_site=n_site,
        node_fit=n_fit,
        type_arc_node=y_node.astype(np.int64),
        type_arc_type=yt.astype(np.int64),
        type_arc_cost=y_cost.astype(float),
        type_arc_unused=y_unused.astype(np.int64),
        type_arc_reloc=y_reloc.astype(bool),
        shared_type=z_type,
        shared_group=z_group,
        shared_cost=z_cost,
        arc_class=a_class.astype(np.int64),
        arc_site=a_site.astype(np.int64),
        arc_cost=a_cost.astype(float),
        arc_comp=a_comp,
        stay_class=s_class.astype(np.int64),
        stay_type=u_type[su].astype(np.int64),
        stay_site=s_site.astype(np.int64),
        stay_cost=np.asarray(s_cost, float),
        stay_shared=s_shared.astype(bool),
        class_in_mix=inst.h_in_mix[c_rep] if n_c else np.zeros(0, bool),
    )

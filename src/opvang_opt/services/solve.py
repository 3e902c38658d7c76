"""Assign demand to providers within reach, find the shortfalls, and the cheapest expansions.

Three models, each exact:

1. **Assignment** (per type and period): a min-cost maximum flow (OR-Tools
   ``SimpleMinCostFlow``) from sites to providers within reach: as many children placed as
   the places allow, then the shortest total distance. What is left is the shortfall.
2. **Expansions** (per type, all periods): a MIP (MathOpt with HiGHS) that chooses the
   added groups per provider and period and the temporary facilities to open, at the
   lowest total cost in cents, such that every child is placed. Sites that reach the same
   providers form one demand class (exact: the flow part is a transportation problem, so
   for integer capacities an integer flow exists whenever a fractional one does).
3. **Diagnosis**: when even every allowed expansion cannot place everyone, the MIP places
   as many as the maximum flow with every expansion allows (then at the lowest cost), and
   the result lists per type, period and area how many are short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from opvang_opt.errors import Diagnosis, Shortfall
from opvang_opt.services._mip import solve_mip
from opvang_opt.services.instance import Arcs, IntArray, Providers, ServicesInstance
from opvang_opt.solvers import SparseModel
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Message


@dataclass(frozen=True)
class Flow:
    """An assignment of one type: per arc and period the number placed (int64)."""

    arcs: Arcs
    flow: IntArray
    """(n_arcs x n_periods) placed per (site, provider) pair and period."""
    unmet: IntArray
    """(n_sites x n_periods) not placed."""


@dataclass(frozen=True)
class Expansion:
    """Added capacity: groups per provider and period, facilities open per period."""

    groups: IntArray
    """(n_providers x n_periods) groups added (0 for facilities)."""
    open: np.ndarray
    """(n_providers x n_periods) bool: a facility is open (False for providers)."""

    def capacity(self, providers: Providers) -> IntArray:
        """Places per provider and period with this expansion."""
        base = np.where(providers.facility, 0, providers.capacity)[:, None]
        fac = np.where(self.open, providers.capacity[:, None], 0)
        return (base + self.groups * providers.group_size[:, None] + fac).astype(np.int64)


def no_expansion(inst: ServicesInstance) -> Expansion:
    """The expansion that adds nothing."""
    shape = (inst.providers.n, inst.n_periods)
    return Expansion(np.zeros(shape, np.int64), np.zeros(shape, bool))


def full_expansion(inst: ServicesInstance) -> Expansion:
    """Every allowed expansion, in every period."""
    p = inst.providers
    groups = np.repeat(np.where(p.facility, 0, p.max_extra)[:, None], inst.n_periods, axis=1)
    opened = np.repeat(np.asarray(p.facility, bool)[:, None], inst.n_periods, axis=1)
    return Expansion(groups.astype(np.int64), opened)


def expansion_cost(inst: ServicesInstance, exp: Expansion) -> dict[str, int]:
    """Cost in cents of an expansion: added groups, facility periods and facility set-ups."""
    p = inst.providers
    groups = int((exp.groups * p.cost_period[:, None]).sum())
    running = int((exp.open * p.cost_period[:, None]).sum())
    prev = np.zeros_like(exp.open)
    prev[:, 1:] = exp.open[:, :-1]
    starts = exp.open & ~prev
    setup = int((starts * p.setup[:, None]).sum())
    return {"groups": groups, "facilities": running, "setup": setup,
            "total": groups + running + setup}  # fmt: skip


def assign(inst: ServicesInstance, kind: str, capacity: IntArray) -> Flow:
    """Min-cost maximum flow per period: as many placed as possible, then the least metres.

    Parameters
    ----------
    inst
        The instance.
    kind
        The service type.
    capacity
        (n_providers x n_periods) places.
    """
    arcs = inst.arcs[kind]
    demand = inst.demand[kind]
    n_s, n_p = inst.n_sites, inst.providers.n
    flow = np.zeros((arcs.n, inst.n_periods), dtype=np.int64)
    unmet = demand.copy()
    if arcs.n == 0:
        return Flow(arcs, flow, unmet)
    sink = n_s + n_p
    prov_idx = np.unique(arcs.provider)
    for t in range(inst.n_periods):
        d = demand[:, t]
        if d.sum() == 0:
            continue
        mcf = min_cost_flow.SimpleMinCostFlow()
        big = int(d.sum())
        tails = np.concatenate([arcs.site, n_s + prov_idx])
        heads = np.concatenate([n_s + arcs.provider, np.full(len(prov_idx), sink)])
        caps = np.concatenate([np.minimum(d[arcs.site], big), capacity[prov_idx, t]])
        costs = np.concatenate([arcs.metres, np.zeros(len(prov_idx), np.int64)])
        mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[:n_s] = d
        supplies[sink] = -big
        mcf.set_nodes_supplies(np.arange(sink + 1), supplies)
        status = mcf.solve_max_flow_with_min_cost()
        if status != mcf.OPTIMAL:  # pragma: no cover - integer data cannot fail
            raise RuntimeError(f"min-cost flow failed with status {status}")
        f = mcf.flows(np.arange(arcs.n))
        flow[:, t] = f
        placed = np.bincount(arcs.site, weights=f, minlength=n_s).astype(np.int64)
        unmet[:, t] = d - placed
    return Flow(arcs, flow, unmet)


@dataclass(frozen=True)
class AreaShortfall:
    """How many are short in one area, period and type."""

    kind: str
    period: str
    area: str
    demand: int
    short: int


@dataclass(frozen=True)
class ServicesResult:
    """The services check: demand, assignment before and after expansion, the expansion
    plan and its cost, and a diagnosis when not everyone can be placed."""

    status: SolveStatus
    """optimal: everyone placed at the lowest expansion cost (or, without expansions,
    the maximum placed); infeasible: some cannot be placed even with every allowed
    expansion (see the diagnosis); no_solution: the solver stopped without a solution."""
    instance: ServicesInstance
    before: dict[str, Flow]
    after: dict[str, Flow]
    expansion: Expansion
    cost: dict[str, int]
    """Expansion cost in cents: groups, facilities, setup, total."""
    shortfalls: tuple[AreaShortfall, ...]
    """Per type, period and area: short before expansion (``short``) where above 0."""
    remaining: tuple[AreaShortfall, ...]
    """Short even after the chosen expansion (empty when everyone is placed)."""
    diagnosis: Diagnosis = field(default_factory=Diagnosis)
    seconds: float = 0.0
    gap: float = 0.0
    expanded: bool = True

    @property
    def all_placed(self) -> bool:
        """True when, after expansion, everyone is placed."""
        return not self.remaining

    @property
    def short_before(self) -> int:
        """Total short (child-periods) before expansion."""
        return int(sum(int(f.unmet.sum()) for f in self.before.values()))

    @property
    def short_after(self) -> int:
        """Total short (child-periods) after expansion."""
        return int(sum(int(f.unmet.sum()) for f in self.after.values()))


def area_shortfalls(inst: ServicesInstance, flows: dict[str, Flow]) -> tuple[AreaShortfall, ...]:
    """Short per type, period and area (rows with a shortfall only)."""
    areas = np.asarray(inst.site_area, dtype=object)
    names = sorted(set(inst.site_area))
    out = []
    for kind, fl in flows.items():
        dem = inst.demand[kind]
        for t, label in enumerate(inst.periods):
            for a in names:
                mask = areas == a
                short = int(fl.unmet[mask, t].sum())
                if short > 0:
                    out.append(AreaShortfall(kind, label, a, int(dem[mask, t].sum()), short))
    return tuple(out)


def _classes(inst: ServicesInstance, kind: str, aggregate: bool) -> tuple[np.ndarray, list]:
    """Demand classes: sites that reach the same providers (or one class per site)."""
    arcs = inst.arcs[kind]
    reach: list[list[int]] = [[] for _ in range(inst.n_sites)]
    for s, p in zip(arcs.site.tolist(), arcs.provider.tolist(), strict=True):
        reach[s].append(p)
    if not aggregate:
        return np.arange(inst.n_sites), [tuple(sorted(r)) for r in reach]
    keys: dict[tuple[int, ...], int] = {}
    cls = np.empty(inst.n_sites, dtype=np.int64)
    for s, r in enumerate(reach):
        cls[s] = keys.setdefault(tuple(sorted(r)), len(keys))
    return cls, list(keys)


def expand_type(
    inst: ServicesInstance,
    kind: str,
    cover: IntArray,
    *,
    aggregate: bool = True,
    time_limit_s: float = 60.0,
    mask: np.ndarray | None = None,
    providers: np.ndarray | None = None,
    cuts: bool = True,
    links: bool | None = None,
) -> tuple[SolveStatus, Expansion, float, float]:
    """The cheapest expansion of one type that places ``cover[t]`` in each period.

    ``cover[t]`` is at most what the maximum flow with every expansion places; with it
    equal to the demand, everyone is placed. ``mask`` (n_sites x n_periods) keeps only part
    of the demand and ``providers`` only some providers (see :func:`shortage_components`).
    ``cuts`` adds the Hall cuts and (unless ``links`` is False) the per-arc capacity links.
    Returns the status, the expansion (only these providers change), the proven gap and the
    seconds.
    """
    links = cuts if links is None else links
    t0 = time.perf_counter()
    p = inst.providers
    idx = p.of_type(kind) if providers is None else np.asarray(providers, np.int64)
    T = inst.n_periods
    cls, reach = _classes(inst, kind, aggregate)
    n_cls = len(reach)
    dem = np.zeros((n_cls, T), dtype=np.int64)
    site_dem = inst.demand[kind] if mask is None else np.where(mask, inst.demand[kind], 0)
    np.add.at(dem, cls, site_dem)
    # columns: flows (class, provider, period), slack (class, period), groups / open, starts
    c_list, lb, ub, integer = [], [], [], []
    rows, cols, vals, row_lb, row_ub = [], [], [], [], []
    n_col = 0

    def add_cols(n: int, cost: np.ndarray, upper: np.ndarray, is_int: bool) -> np.ndarray:
        nonlocal n_col
        ids = np.arange(n_col, n_col + n)
        c_list.append(np.asarray(cost, float))
        lb.append(np.zeros(n))
        ub.append(np.asarray(upper, float))
        integer.append(np.full(n, is_int))
        n_col += n
        return ids

    n_row = 0

    def add_rows(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        nonlocal n_row
        ids = np.arange(n_row, n_row + len(lo))
        row_lb.append(np.asarray(lo, float))
        row_ub.append(np.asarray(hi, float))
        n_row += len(lo)
        return ids

    # provider capacity rows: one per (provider of this type, period)
    pos = {int(j): k for k, j in enumerate(idx)}
    base = np.where(p.facility[idx], 0, p.capacity[idx])
    cap_rows = add_rows(np.full(len(idx) * T, -np.inf), np.repeat(base, T).astype(float))
    cap_row = cap_rows.reshape(len(idx), T)
    # class demand rows: sum flows + slack == demand
    live = np.argwhere(dem > 0)
    dem_rows = add_rows(dem[live[:, 0], live[:, 1]], dem[live[:, 0], live[:, 1]])
    slack = add_cols(len(live), np.zeros(len(live)), dem[live[:, 0], live[:, 1]], False)
    rows.append(dem_rows)
    cols.append(slack)
    vals.append(np.ones(len(live)))
    # slack per period at most demand - cover
    short_ok = dem.sum(axis=0) - cover
    per_t = add_rows(np.full(T, -np.inf), short_ok.astype(float))
    rows.append(per_t[live[:, 1]])
    cols.append(slack)
    vals.append(np.ones(len(live)))
    # flows, each at most the demand and the provider's largest capacity
    fac = np.asarray(p.facility[idx], bool)
    sizes = np.where(fac, p.capacity[idx], p.group_size[idx]).astype(np.int64)
    most = np.where(fac, p.capacity[idx], base + sizes * p.max_extra[idx]).astype(np.int64)
    flow_parts: list[tuple[np.ndarray, np.ndarray, int, int]] = []
    for r, (c, t) in zip(dem_rows, live, strict=True):
        ks = np.array([pos[j] for j in reach[c] if j in pos], dtype=np.int64)
        if not len(ks):
            continue
        f = add_cols(len(ks), np.zeros(len(ks)), np.minimum(dem[c, t], most[ks]), False)
        rows += [np.full(len(ks), r), cap_row[ks, t]]
        cols += [f, f]
        vals += [np.ones(len(ks)), np.ones(len(ks))]
        flow_parts.append((f, ks, int(t), int(dem[c, t])))
    # added groups (providers) and open / start (facilities)
    g_ids = np.full((len(idx), T), -1, dtype=np.int64)
    s_ids = np.full((len(idx), T), -1, dtype=np.int64)
    for k, j in enumerate(idx):
        upper = 1 if fac[k] else int(p.max_extra[j])
        if upper == 0:
            continue
        size = int(p.capacity[j]) if fac[k] else int(p.group_size[j])
        g = add_cols(T, np.full(T, float(p.cost_period[j])), np.full(T, upper), True)
        g_ids[k] = g
        rows.append(cap_row[k])
        cols.append(g)
        vals.append(np.full(T, -float(size)))
        if fac[k] and p.setup[j] > 0:
            s = add_cols(T, np.full(T, float(p.setup[j])), np.ones(T), True)
            s_ids[k] = s
            # start[t] >= open[t] - open[t-1]
            srow = add_rows(np.full(T, -np.inf), np.zeros(T))
            rows += [srow, srow, srow[1:]]
            cols += [g, s, g[:-1]]
            vals += [np.ones(T), -np.ones(T), -np.ones(T - 1)]
    if links:
        # tight big-M per (class, provider, period): a class sends a provider at most
        # b0 + min(d - b0, size) x groups (b0 = min(d, places today)); valid for every
        # integer solution, and much tighter than the provider's row when d is small
        # (a closed facility receives nothing)
        for f, ks, t, d in flow_parts:
            b0 = np.minimum(d, base[ks])
            on = (b0 < d) & (g_ids[ks, t] >= 0)
            if not on.any():
                continue
            link = add_rows(np.full(int(on.sum()), -np.inf), b0[on].astype(float))
            rows += [link, link]
            cols += [f[on], g_ids[ks[on], t]]
            vals += [np.ones(int(on.sum())), -np.minimum(d - b0[on], sizes[ks[on]]).astype(float)]
    lp = SparseModel(
        c=np.concatenate(c_list) if c_list else np.zeros(0),
        col_lb=np.concatenate(lb) if lb else np.zeros(0),
        col_ub=np.concatenate(ub) if ub else np.zeros(0),
        integer=np.concatenate(integer) if integer else np.zeros(0, bool),
        rows=np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64),
        cols=np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, np.int64),
        vals=np.concatenate(vals).astype(float) if vals else np.zeros(0),
        row_lb=np.concatenate(row_lb),
        row_ub=np.concatenate(row_ub),
    )
    full_cover = short_ok == 0
    if cuts:
        lp = _with_hall_cuts(lp, inst, kind, site_dem, idx, base, sizes, g_ids, full_cover)
    sol = solve_mip(lp, time_limit_s=time_limit_s)
    groups = np.zeros((p.n, T), dtype=np.int64)
    opened = np.zeros((p.n, T), dtype=bool)
    if sol.x is not None:
        for k, j in enumerate(idx):
            if g_ids[k, 0] < 0:
                continue
            v = np.rint(sol.x[g_ids[k]]).astype(np.int64)
            if fac[k]:
                opened[j] = v > 0
            else:
                groups[j] = v
    gap = 0.0 if sol.status == SolveStatus.OPTIMAL else float(sol.gap)
    return sol.status, Expansion(groups, opened), gap, time.perf_counter() - t0


def _deficit_sets(
    site: IntArray, prov: IntArray, dem: IntArray, cap: dict[int, int]
) -> list[tuple[list[int], list[int]]]:
    """Hall sets of one period: (sites, providers) parts that a maximum flow leaves short.

    From the short sites, follow the residual network (site -> every provider within reach,
    provider -> every site that sends it children); each connected part found is a set S of
    sites with D(S) > places of N(S), and N(S) is in the part.
    """
    if len(site) == 0:
        return []
    sites_u = np.unique(site)
    provs_u = sorted(cap)
    s_of = {int(v): i for i, v in enumerate(sites_u)}
    p_of = {v: len(sites_u) + i for i, v in enumerate(provs_u)}
    sink = len(sites_u) + len(provs_u)
    mcf = min_cost_flow.SimpleMinCostFlow()
    tails = [s_of[int(a)] for a in site] + [p_of[j] for j in provs_u]
    heads = [p_of[int(j)] for j in prov] + [sink] * len(provs_u)
    d = np.array([int(dem[v]) for v in sites_u], dtype=np.int64)
    caps = [int(d.sum())] * len(site) + [max(int(cap[j]), 0) for j in provs_u]
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails), np.array(heads), np.array(caps), np.zeros(len(tails), np.int64)
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[: len(sites_u)] = d
    supplies[sink] = -int(d.sum())
    mcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    mcf.solve_max_flow_with_min_cost()
    flow = mcf.flows(np.arange(len(site)))
    placed = np.zeros(len(sites_u), dtype=np.int64)
    np.add.at(placed, [s_of[int(a)] for a in site], flow)
    by_site: dict[int, list[int]] = {}
    by_prov: dict[int, list[tuple[int, int]]] = {}
    for a, (sv, pv) in enumerate(zip(site.tolist(), prov.tolist(), strict=True)):
        by_site.setdefault(sv, []).append(pv)
        by_prov.setdefault(pv, []).append((sv, int(flow[a])))
    # one search from every short site (the set R), then R split into connected parts
    stack = [int(v) for i, v in enumerate(sites_u) if placed[i] < d[i]]
    seen_s: set[int] = set(stack)
    seen_p: set[int] = set()
    while stack:
        sv = stack.pop()
        for pv in by_site.get(sv, []):
            if pv in seen_p:
                continue
            seen_p.add(pv)
            for s2, f in by_prov.get(pv, []):
                if f > 0 and s2 not in seen_s:
                    seen_s.add(s2)
                    stack.append(s2)
    parent = {v: v for v in seen_s}

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    first_site: dict[int, int] = {}
    for sv in sorted(seen_s):
        for pv in by_site.get(sv, []):
            if pv in first_site:
                parent[find(sv)] = find(first_site[pv])
            else:
                first_site[pv] = sv
    parts: dict[int, list[int]] = {}
    for sv in sorted(seen_s):
        parts.setdefault(find(sv), []).append(sv)
    out = []
    for members in parts.values():
        nb = sorted({pv for sv in members for pv in by_site.get(sv, [])})
        out.append((members, nb))
    return out


def _with_hall_cuts(
    lp: SparseModel, inst: ServicesInstance, kind: str, site_dem: IntArray, idx: np.ndarray,
    base: np.ndarray, sizes: np.ndarray, g_ids: np.ndarray, full_cover: np.ndarray,
    rounds: int = 12,
) -> SparseModel:  # fmt: skip
    """Strengthen the expansion MIP with valid Hall cuts, found from its LP relaxation.

    For a set S of sites that must all be placed (periods with full cover), with providers
    N(S) within reach: sum_j size_j g_j >= b, with b = D(S) - places of N(S) today. With
    g integer this implies the rounded cuts sum_j g_j >= ceil(b / max size_j) and
    sum_j min(size_j, b) g_j >= b. Sets S come from a maximum flow with the LP's groups
    rounded down (the parts it leaves short). Each cut is valid for every integer
    solution, so the MIP's optimum is unchanged; they only close the relaxation's gap.
    """
    arcs = inst.arcs[kind]
    p = inst.providers
    fac = np.asarray(p.facility[idx], bool)
    upper = np.where(fac, 1, p.max_extra[idx]).astype(np.int64)
    pos = {int(j): k for k, j in enumerate(idx)}
    keep = np.isin(arcs.provider, idx)
    a_site, a_prov = arcs.site[keep], arcs.provider[keep]
    relax = lp.relaxed()
    seen: set[tuple[int, tuple[int, ...]]] = set()
    for _ in range(rounds):
        sol = solve_mip(relax, time_limit_s=30.0)
        if sol.x is None:
            break
        new_rows, new_cols, new_lb = [], [], []
        for t in np.flatnonzero(full_cover):
            dem_t = site_dem[:, t]
            on = dem_t[a_site] > 0
            gstar = np.array([sol.x[g_ids[k, t]] if g_ids[k, t] >= 0 else 0.0
                              for k in range(len(idx))])  # fmt: skip
            cap = {int(j): int(base[k] + sizes[k] * np.floor(gstar[k] + 1e-9))
                   for k, j in enumerate(idx)}  # fmt: skip
            for part_s, part_p in _deficit_sets(a_site[on], a_prov[on], dem_t, cap):
                ks = sorted(pos[j] for j in part_p)
                b = int(dem_t[part_s].sum()) - int(base[ks].sum())
                var = [k for k in ks if g_ids[k, t] >= 0]
                key = (int(t), tuple(sorted(part_s)))
                if b <= 0 or not var or key in seen:
                    continue
                seen.add(key)
                lhs = float(gstar[var].sum())
                rhs = -(-b // int(sizes[var].max()))
                cols = g_ids[var, t]
                if lhs < rhs - 1e-6:
                    new_rows.append(np.ones(len(var)))
                    new_cols.append(cols)
                    new_lb.append(float(rhs))
                coef = np.minimum(sizes[var], b).astype(float)
                if float(coef @ gstar[var]) < b - 1e-6:
                    new_rows.append(coef)
                    new_cols.append(cols)
                    new_lb.append(float(b))
                # what the schools cannot add even with every group they may add, the
                # facilities must: at least ceil(rest / largest facility) of them open
                var_a = np.asarray(var, dtype=np.int64)
                fac_k = var_a[fac[var_a]]
                rest = b - int((sizes[var_a] * upper[var_a])[~fac[var_a]].sum())
                if rest > 0 and len(fac_k):
                    need = -(-rest // int(sizes[fac_k].max()))
                    if float(gstar[fac_k].sum()) < need - 1e-6:
                        new_rows.append(np.ones(len(fac_k)))
                        new_cols.append(g_ids[fac_k, t])
                        new_lb.append(float(need))
        if not new_lb:
            break
        rows = np.concatenate([np.full(len(c), i) for i, c in enumerate(new_cols)])
        cols_, vals_ = np.concatenate(new_cols), np.concatenate(new_rows)
        lb_, ub_ = np.asarray(new_lb), np.full(len(new_lb), np.inf)
        lp = lp.with_rows(rows, cols_, vals_, lb_, ub_)
        relax = relax.with_rows(rows, cols_, vals_, lb_, ub_)
    return lp


def solve_services(
    inst: ServicesInstance,
    *,
    expand: bool = True,
    aggregate: bool = True,
    decompose: bool = True,
    cuts: bool = True,
    time_limit_s: float = 60.0,
) -> ServicesResult:
    """Assign, find the shortfalls, and choose the cheapest expansions that cover them.

    Parameters
    ----------
    inst
        The instance.
    expand
        Look for expansions (else only the assignment with the places there are).
    aggregate
        Group sites that reach the same providers in the expansion model (exact).
    decompose
        Solve the expansion model only where demand is short, one independent part at a
        time (exact; see :func:`shortage_components`). False: one model of all sites.
    cuts
        Strengthen the expansion model with Hall cuts from its LP relaxation (valid for
        every integer solution: the optimum is unchanged, found sooner).
    time_limit_s
        Time limit of each expansion MIP.

    Returns
    -------
    ServicesResult
    """
    t0 = time.perf_counter()
    p = inst.providers
    none = no_expansion(inst)
    before = {k: assign(inst, k, none.capacity(p)) for k in inst.types}
    shortfalls = area_shortfalls(inst, before)
    status = SolveStatus.OPTIMAL
    gap = 0.0
    exp = none
    if expand:
        full = full_expansion(inst)
        groups = none.groups.copy()
        opened = none.open.copy()
        for kind in inst.types:
            if before[kind].unmet.sum() == 0:
                continue
            best = assign(inst, kind, full.capacity(p))
            parts = (
                shortage_components(inst, kind, before[kind])
                if decompose
                else [(np.ones_like(inst.demand[kind], bool), p.of_type(kind),
                       np.repeat(np.isin(np.arange(p.n), p.of_type(kind))[:, None],
                                 inst.n_periods, axis=1))]
            )  # fmt: skip
            for mask, provs, nodes in parts:
                dem_t = np.where(mask, inst.demand[kind], 0).sum(axis=0)
                cover = dem_t - np.where(mask, best.unmet, 0).sum(axis=0)
                st, e, g, _ = expand_type(
                    inst, kind, cover, aggregate=aggregate, time_limit_s=time_limit_s,
                    mask=mask, providers=provs, cuts=cuts,
                )  # fmt: skip
                if not st.has_solution:
                    status = st
                    continue
                if st == SolveStatus.FEASIBLE and status == SolveStatus.OPTIMAL:
                    status = SolveStatus.FEASIBLE
                gap = max(gap, g)
                # only the (provider, period) pairs of this part: another part may hold
                # the same provider in other periods
                groups[nodes] = e.groups[nodes]
                opened[nodes] = e.open[nodes]
                # a facility with a set-up cost belongs to one part over all periods: it may
                # stay open in a period without shortage to save a second set-up
                tied = provs[p.setup[provs] > 0]
                opened[tied] = e.open[tied]
        exp = Expansion(groups, opened)
    cap = exp.capacity(p)
    after = {k: assign(inst, k, cap) for k in inst.types}
    remaining = area_shortfalls(inst, after)
    if remaining and status.has_solution and expand:
        status = SolveStatus.INFEASIBLE
    diagnosis = diagnose(inst, after, remaining, expanded=expand)
    return ServicesResult(
        status=status,
        instance=inst,
        before=before,
        after=after,
        expansion=exp,
        cost=expansion_cost(inst, exp),
        shortfalls=shortfalls,
        remaining=remaining,
        diagnosis=diagnosis,
        seconds=time.perf_counter() - t0,
        gap=gap,
        expanded=expand,
    )


def shortage_components(
    inst: ServicesInstance, kind: str, current: Flow
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The independent parts of the expansion problem: where demand is short, and what
    it can reach.

    Per period, start from the sites that are short in a maximum flow with today's places
    and follow the residual network: a site reaches every provider within reach; a
    provider reaches every site that sends it children. The sites and providers found
    (R) are closed: R's sites reach only R's providers, and R's providers serve only R's
    sites (otherwise the flow would not be maximal, or the site would be in R). Outside R
    everyone is placed with today's places and nothing in R can change that; so the
    cheapest expansion only concerns R, exactly. Parts of R that share no provider are
    solved apart, and so are periods, unless a facility with a set-up cost ties them.

    Returns
    -------
    list of (mask, providers, nodes)
        Per part: an (n_sites x n_periods) mask of the demand it covers, the indices of its
        providers and an (n_providers x n_periods) mask of the (provider, period) pairs it
        decides (a provider may belong to different parts in different periods).
    """
    arcs = current.arcs
    n_s, n_p, T = inst.n_sites, inst.providers.n, inst.n_periods
    by_site = [[] for _ in range(n_s)]  # type: list[list[int]]
    for a, s in enumerate(arcs.site.tolist()):
        by_site[s].append(a)
    by_prov: dict[int, list[int]] = {}
    for a, j in enumerate(arcs.provider.tolist()):
        by_prov.setdefault(j, []).append(a)
    # union-find over (provider, period): a part is per period, unless a facility with a
    # set-up cost ties its periods together
    setup = np.asarray(inst.providers.setup) > 0
    parent = list(range(n_p * T))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    site_root: dict[tuple[int, int], int] = {}
    used: set[int] = set()
    for t in range(T):
        seen_s = np.zeros(n_s, bool)
        seen_p = np.zeros(n_p, bool)
        stack = [int(s) for s in np.flatnonzero(current.unmet[:, t] > 0)]
        for s in stack:
            seen_s[s] = True
        while stack:
            s = stack.pop()
            provs = [int(arcs.provider[a]) for a in by_site[s]]
            for j in provs:
                union(j * T + t, provs[0] * T + t)
                if seen_p[j]:
                    continue
                seen_p[j] = True
                for a in by_prov.get(j, []):
                    s2 = int(arcs.site[a])
                    if current.flow[a, t] > 0 and not seen_s[s2]:
                        seen_s[s2] = True
                        stack.append(s2)
        for j in np.flatnonzero(seen_p):
            used.add(int(j) * T + t)
            if setup[j]:
                union(int(j) * T + t, int(j) * T)
        for s in np.flatnonzero(seen_s):
            provs = [int(arcs.provider[a]) for a in by_site[s]]
            site_root[(int(s), t)] = provs[0] * T + t if provs else -1
    parts: dict[int, np.ndarray] = {}
    for (s, t), node in site_root.items():
        if node < 0:
            continue  # no provider within reach: nothing can help
        parts.setdefault(find(node), np.zeros((n_s, T), bool))[s, t] = True
    members: dict[int, list[int]] = {}
    for node in sorted(used):
        members.setdefault(find(node), []).append(node)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for root, mask in sorted(parts.items()):
        nodes = members.get(root, [])
        part_provs = np.array(sorted({n // T for n in nodes}), dtype=np.int64)
        decided = np.zeros((n_p, T), bool)
        decided[[n // T for n in nodes], [n % T for n in nodes]] = True
        out.append((mask, part_provs, decided))
    return out


def _period_runs(
    periods: tuple[str, ...], remaining: tuple[AreaShortfall, ...]
) -> list[list[AreaShortfall]]:
    """The shortfalls in runs of consecutive periods with the same type, area, demand and
    shortfall (one line of the diagnosis each: "2026-H1 t/m 2027-H2"), in the order of
    their first period's first appearance."""
    order = {p: i for i, p in enumerate(periods)}
    runs: list[list[AreaShortfall]] = []
    open_runs: dict[tuple[str, str, int, int], list[AreaShortfall]] = {}
    for r in remaining:
        key = (r.kind, r.area, r.demand, r.short)
        run = open_runs.get(key)
        i = order.get(r.period)
        if run is not None and i is not None and order.get(run[-1].period) == i - 1:
            run.append(r)
            continue
        run = [r]
        open_runs[key] = run
        runs.append(run)
    return runs


KNOWN_TYPES = ("taalklas", "isk", "gp", "youth_care")
"""Provider types with a name in the text catalogue (``stage.services.type.<type>``)."""


def diagnose(
    inst: ServicesInstance,
    flows: dict[str, Flow],
    remaining: tuple[AreaShortfall, ...],
    *,
    expanded: bool,
) -> Diagnosis:
    """Which type, period and area is short, and by how much.

    Each shortfall names the type (rule ``services_<type>``), the period and the area, the
    demand there and how many cannot be placed within reach (after every allowed
    expansion when ``expanded``).
    """
    items = []
    for run in _period_runs(inst.periods, remaining):
        r, last = run[0], run[-1]
        what = Message(f"stage.services.type.{r.kind}") if r.kind in KNOWN_TYPES else r.kind
        key = "stage.services.short_expanded" if expanded else "stage.services.short"
        period: str | Message = r.period
        if len(run) > 1:
            span = {"first": r.period, "last": last.period}
            period = Message("stage.services.period_range", span)
        items.append(
            Shortfall(
                rule=f"services_{r.kind}",
                message=Message(
                    key,
                    {
                        "period": period,
                        "area": r.area,
                        "short": r.short,
                        "demand": r.demand,
                        "what": what,
                    },
                ),
                required=float(r.demand),
                available=float(r.demand - r.short),
            )
        )
    totals = {k: int(f.unmet.sum()) for k, f in flows.items()}
    return Diagnosis(tuple(items), {"short_by_type": totals})

"""Solving the aggregated allocation model: min-cost flow, LP with pricing, then MIP.

Method
------
1. **Network relaxation** (OR-Tools ``SimpleMinCostFlow``) over *all* class-to-site arcs,
   without the side constraints. Its arcs, plus each class's ``sites_per_household``
   cheapest sites, form the first restricted arc set.
2. **LP with pricing** (HiGHS dual simplex). The reduced cost of *every* omitted arc is
   computed from the duals in one numpy expression; arcs with a negative reduced cost
   are added. The *Lasdon bound* ``LP(restricted) + sum_c count_c * min(0, min rc_c)`` is
   a proven lower bound over all arcs after every round, so pricing stops as soon as it
   is within the gap setting. Placement comes first: unplaced households cost more than
   any possible sum of the other costs, so the LP is lexicographic.
3. **Integer solution.** When the LP solution is integral it is optimal. Otherwise a
   *dive* keeps every household the LP places integrally and solves the small MIP over
   the rest (HiGHS branch and cut); if that meets the bound within the gap setting it is
   returned. If not, the bound is tightened by pricing to convergence, and then a MIP
   over every column whose reduced cost is at most ``incumbent - bound`` is solved: no
   other column can be in a better solution, so its result is proven over all columns.
4. **Infeasible instances.** When not every household can be placed, a first MIP
   maximises the number placed; the second stage minimises the objective with that
   many placed.

HiGHS is called through :mod:`scipy.optimize` (``linprog`` / ``milp``), which takes the
sparse matrices built here directly (no per-variable Python objects); HiGHS runs
single-threaded and deterministically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from opvang_opt.allocation.model import Instance, Structure


@dataclass
class _Rows:
    """A growing list of sparse rows with bounds."""

    r: list[np.ndarray] = field(default_factory=list)
    c: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)
    lo: list[np.ndarray] = field(default_factory=list)
    hi: list[np.ndarray] = field(default_factory=list)
    n: int = 0

    def block(self, n_rows: int, lo: np.ndarray | float, hi: np.ndarray | float) -> int:
        start = self.n
        self.lo.append(np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy())
        self.n += n_rows
        return start

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        rows = np.asarray(rows, np.int64)
        self.r.append(rows)
        self.c.append(np.asarray(cols, np.int64))
        self.v.append(np.broadcast_to(np.asarray(vals, float), rows.shape).copy())

    def matrix(self, n_cols: int) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        r = np.concatenate(self.r) if self.r else np.zeros(0, np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        a = sp.csr_array((v, (r, c)), shape=(self.n, n_cols))
        a.sum_duplicates()
        lo = np.concatenate(self.lo) if self.lo else np.zeros(0)
        hi = np.concatenate(self.hi) if self.hi else np.zeros(0)
        return a, lo, hi


@dataclass(frozen=True)
class MixRow:
    """One mix-rule row: rule index, site, sense (+1 max share, -1 min share), share."""

    rule: int
    site: int
    sense: int
    share: float
    in_group: np.ndarray  # (G,) bool
    rhs: float


def mix_rows(inst: Instance) -> list[MixRow]:
    """The mix-rule rows of an instance, with their right-hand sides.

    For a max-share rule the final excess ``G - s*T`` must be at most 0, or, when units
    already occupied exceed the share, no larger than it was.
    """
    out = []
    site_index = {s: i for i, s in enumerate(inst.site_ids)}
    n_g = len(inst.group_names)
    for r, rule in enumerate(inst.config.mix_rules):
        in_group = np.isin(np.arange(n_g), [inst.group_names.index(g) for g in rule.groups])
        sites = range(inst.n_sites) if rule.sites is None else [site_index[s] for s in rule.sites]
        for j in sites:
            g0 = float(inst.existing_units[j, in_group].sum())
            t0 = float(inst.existing_units[j].sum())
            for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None:
                    continue
                excess0 = sense * (g0 - share * t0)
                out.append(MixRow(r, j, sense, share, in_group, max(-excess0, 0.0)))
    return out


@dataclass
class SolveOutput:
    """Raw solution of the aggregated model (counts per arc) and solver facts."""

    x: np.ndarray  # per allowed class->site arc (Structure.a_*)
    stay: np.ndarray  # per stay column (Structure.s_*)
    y: np.ndarray
    z: np.ndarray
    unplaced: np.ndarray  # per household class
    school_flow: np.ndarray  # (J, S, 2)
    objective: float
    bound: float
    proven: bool
    time_limit_hit: bool
    lp_bound: float
    stats: dict[str, float | int | str]


class _Model:
    """Column layout and matrix of the aggregated model for one restricted arc set."""

    def __init__(self, inst: Instance, st: Structure, mix: list[MixRow]) -> None:
        self.inst, self.st, self.mix = inst, st, mix
        self.trace: list[tuple[float, float, int]] = []
        self.lasdon = -np.inf
        self.priced = False
        self.mix_first_row = 0
        n_j = inst.n_sites
        # school flow variables (j, s, b) with reach and places
        if inst.config.school_capacity and st.c_need.any():
            jj, ss = np.nonzero(inst.reach)
            fj, fs, fb = [], [], []
            for b in range(2):
                keep = inst.school_places[ss, b] > 0
                fj.append(jj[keep])
                fs.append(ss[keep])
                fb.append(np.full(keep.sum(), b))
            self.f_site = np.concatenate(fj)
            self.f_school = np.concatenate(fs)
            self.f_band = np.concatenate(fb)
        else:
            self.f_site = self.f_school = self.f_band = np.zeros(0, np.int64)
        # demand rows exist for (j, b) with any flow variable
        self.demand_row = np.full((n_j, 2), -1, np.int64)

    def build(
        self, sel: np.ndarray, u_cost: float, max_unplaced: float | None
    ) -> tuple[np.ndarray, sp.csr_array, np.ndarray, np.ndarray, dict[str, int]]:
        inst, st = self.inst, self.st
        nx, ny, nz = len(sel), len(st.y_node), len(st.z_type)
        nf, nc, ns = len(self.f_site), len(st.c_count), len(st.s_class)
        off = {"x": 0, "s": nx}
        off["y"] = off["s"] + ns
        off["z"] = off["y"] + ny
        off["f"] = off["z"] + nz
        off["u"] = off["f"] + nf
        n_cols = off["u"] + nc
        a_c, a_j = st.a_class[sel], st.a_site[sel]
        rows = _Rows()
        # R1: each class placed or unplaced
        r1 = rows.block(nc, st.c_count, st.c_count)
        rows.add(r1 + a_c, off["x"] + np.arange(nx), 1.0)
        rows.add(r1 + np.arange(nc), off["u"] + np.arange(nc), 1.0)
        rows.add(r1 + st.s_class, off["s"] + np.arange(ns), 1.0)
        # R2: node balance
        n_nodes = len(st.n_site)
        r2 = rows.block(n_nodes, 0.0, 0.0)
        rows.add(r2 + st.node_of[a_j, st.c_fit[a_c]], off["x"] + np.arange(nx), 1.0)
        rows.add(r2 + st.y_node, off["y"] + np.arange(ny), -1.0)
        # R3: unit-type capacity
        n_t = len(st.t_count)
        r3 = rows.block(n_t, -np.inf, st.t_count)
        y_fit = st.n_fit[st.y_node]
        y_shared = st.k_shared_group[y_fit] >= 0
        rows.add(r3 + st.y_type[~y_shared], off["y"] + np.flatnonzero(~y_shared), 1.0)
        rows.add(r3 + st.z_type, off["z"] + np.arange(nz), 1.0)
        rows.add(r3 + st.s_type, off["s"] + np.arange(ns), 1.0)
        # R4/R5: shared units (singles <= sharers * z, z <= singles)
        if nz:
            zkey = st.z_type * len(inst.group_names) + st.z_group
            order = np.argsort(zkey)
            ys = np.flatnonzero(y_shared)
            ykey = st.y_type[ys] * len(inst.group_names) + st.k_shared_group[y_fit[ys]]
            yz = order[np.searchsorted(zkey[order], ykey)]
            r4 = rows.block(nz, -np.inf, 0.0)
            rows.add(r4 + yz, off["y"] + ys, 1.0)
            rows.add(r4 + np.arange(nz), off["z"] + np.arange(nz), -st.t_sharers[st.z_type])
            r5 = rows.block(nz, -np.inf, 0.0)
            rows.add(r5 + yz, off["y"] + ys, -1.0)
            rows.add(r5 + np.arange(nz), off["z"] + np.arange(nz), 1.0)
        # R6: mix rules
        c_nonshared = st.k_shared_group[st.c_fit] < 0
        for m in self.mix:
            r = rows.block(1, -np.inf, m.rhs)
            on = (a_j == m.site) & c_nonshared[a_c]
            coef = m.sense * (m.in_group[st.c_group[a_c[on]]].astype(float) - m.share)
            rows.add(np.full(on.sum(), r), off["x"] + np.flatnonzero(on), coef)
            son = st.s_site == m.site
            scoef = m.sense * (m.in_group[st.c_group[st.s_class[son]]].astype(float) - m.share)
            rows.add(np.full(son.sum(), r), off["s"] + np.flatnonzero(son), scoef)
            zon = st.t_site[st.z_type] == m.site
            zcoef = m.sense * (m.in_group[st.z_group[zon]].astype(float) - m.share)
            rows.add(np.full(zon.sum(), r), off["z"] + np.flatnonzero(zon), zcoef)
        # R7/R8: school places
        if len(self.f_site):
            n_j = inst.n_sites
            keys = np.unique(self.f_site * 2 + self.f_band)
            r7 = rows.block(len(keys), 0.0, 0.0)
            self.demand_row[:] = -1
            self.demand_row[keys // 2, keys % 2] = r7 + np.arange(len(keys))
            fr = self.demand_row[self.f_site, self.f_band]
            rows.add(fr, off["f"] + np.arange(nf), -1.0)
            for b in range(2):
                need = st.c_need[a_c, b]
                on = need > 0
                rows.add(self.demand_row[a_j[on], b], off["x"] + np.flatnonzero(on), need[on])
                sneed = st.c_need[st.s_class, b]
                son = sneed > 0
                rows.add(
                    self.demand_row[st.s_site[son], b], off["s"] + np.flatnonzero(son), sneed[son]
                )
            n_s = len(inst.school_ids)
            r8 = rows.block(2 * n_s, -np.inf, inst.school_places.T.reshape(-1))
            rows.add(r8 + self.f_band * n_s + self.f_school, off["f"] + np.arange(nf), 1.0)
            del n_j
        # R9: placement from phase 1
        if max_unplaced is not None:
            r9 = rows.block(1, -np.inf, max_unplaced)
            rows.add(np.full(nc, r9), off["u"] + np.arange(nc), 1.0)
        a, lo, hi = rows.matrix(n_cols)
        cost = np.concatenate(
            [st.a_cost[sel], st.s_cost, st.y_cost, st.z_cost, np.zeros(nf), np.full(nc, u_cost)]
        )
        self.n_rows = {"r1": r1, "r2": r2, "nc": nc}
        return cost, a, lo, hi, off


def _lp(cost, a, lo, hi, ub_cols, time_limit):
    """Solve the LP relaxation; return (result, row duals in row order)."""
    eq = lo == hi
    a_eq, b_eq = a[eq], lo[eq]
    ub_rows = ~eq
    a_ub, b_ub = a[ub_rows], hi[ub_rows]
    res = linprog(
        cost,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a_eq if a_eq.shape[0] else None,
        b_eq=b_eq if a_eq.shape[0] else None,
        bounds=np.stack([np.zeros(len(cost)), ub_cols], axis=1),
        method="highs-ds",
        options={"time_limit": max(time_limit, 0.1), "presolve": True},
    )
    duals = np.zeros(a.shape[0])
    if res.status == 0:
        if a_eq.shape[0]:
            duals[eq] = res.eqlin.marginals
        if a_ub.shape[0]:
            duals[ub_rows] = res.ineqlin.marginals
    return res, duals


def _reduced_costs(model: _Model, duals: np.ndarray, off_rows: dict[str, int]) -> np.ndarray:
    """Reduced cost of every allowed class->site arc under the given row duals."""
    st, inst = model.st, model.inst
    a_c, a_j = st.a_class, st.a_site
    rc = st.a_cost - duals[off_rows["r1"] + a_c]
    rc -= duals[off_rows["r2"] + st.node_of[a_j, st.c_fit[a_c]]]
    c_nonshared = st.k_shared_group[st.c_fit] < 0
    if model.mix:
        first_mix = model.mix_first_row
        for i, m in enumerate(model.mix):
            d = duals[first_mix + i]
            if d == 0.0:
                continue
            on = (a_j == m.site) & c_nonshared[a_c]
            coef = m.sense * (m.in_group[st.c_group[a_c[on]]].astype(float) - m.share)
            rc[on] -= coef * d
    if len(model.f_site):
        for b in range(2):
            need = st.c_need[a_c, b]
            on = need > 0
            rows = model.demand_row[a_j[on], b]
            rc[on] -= need[on] * duals[rows]
    del inst
    return rc


def network_relaxation(st: Structure) -> tuple[np.ndarray, int]:
    """Min-cost flow over *all* arcs without the side constraints (mix, school places,
    sharing): OR-Tools ``SimpleMinCostFlow`` on the network class -> (site, fit class) ->
    unit type -> sink. Returns the flow per class->site arc and the number unplaced.

    It is exact for the network part and very fast; its arcs seed the LP (the side
    constraints usually move few households), and when nothing else binds it is the
    optimum itself.
    """
    nc, nn, nt = len(st.c_count), len(st.n_site), len(st.t_count)
    na = len(st.a_class)
    sink = nc + nn + nt
    scale = 100.0
    big = int(10 * scale * (np.abs(st.a_cost).max(initial=0) + np.abs(st.y_cost).max(initial=0)))
    big += int(scale * 1000)
    tails = np.concatenate(
        [st.a_class, st.s_class, nc + st.y_node, nc + nn + np.arange(nt), np.arange(nc)]
    )
    heads = np.concatenate(
        [
            nc + st.node_of[st.a_site, st.c_fit[st.a_class]],
            nc + nn + st.s_type,
            nc + nn + st.y_type,
            np.full(nt, sink),
            np.full(nc, sink),
        ]
    )
    caps = np.concatenate(
        [
            st.c_count[st.a_class],
            np.ones(len(st.s_class), np.int64),
            st.t_count[st.y_type],
            st.t_count,
            st.c_count,
        ]
    )
    y_cost = st.y_cost.copy()
    y_cost[st.k_shared_group[st.n_fit[st.y_node]] >= 0] = 0.0
    costs = np.concatenate(
        [
            np.round(st.a_cost * scale),
            np.round(st.s_cost * scale),
            np.round(y_cost * scale),
            np.zeros(nt),
            np.full(nc, big),
        ]
    ).astype(np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:nc] = st.c_count
    supplies[sink] = -int(st.c_count.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        return np.zeros(na, np.int64), int(st.c_count.sum())
    f = flow.flows(np.arange(len(tails), dtype=np.int32))
    unplaced = int(f[len(tails) - nc :].sum())
    return f[:na].astype(np.int64), unplaced


def initial_arcs(st: Structure, inst: Instance, per_class: int) -> np.ndarray:
    """Boolean mask over all arcs: the cheapest ``per_class`` sites of each class, plus
    preferred and pinned sites."""
    n_a = len(st.a_class)
    if n_a == 0:
        return np.zeros(0, bool)
    # ties (households without school, work or preference) are spread over the sites
    spread = (st.a_site + st.a_class * 7919) % max(inst.n_sites, 1)
    order = np.lexsort((spread, np.round(st.a_cost, 9), st.a_class))
    cls = st.a_class[order]
    starts = np.searchsorted(cls, np.arange(len(st.c_count)))
    rank = np.arange(n_a) - starts[cls]
    keep = np.zeros(n_a, bool)
    keep[order[rank < per_class]] = True
    return keep


def _price(
    model: _Model,
    st: Structure,
    keep: np.ndarray,
    u_cost: float,
    max_unplaced: float | None,
    deadline: float,
    tol_factor: float = 0.9,
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """LP with pricing over all class->site arcs.

    Returns the LP result of the last round, its row duals, the reduced costs of all
    arcs and of the other columns, the final arc mask and the number of rounds.
    """
    rounds = 0
    while True:
        rounds += 1
        sel = np.flatnonzero(keep)
        cost, a, lo, hi, off = model.build(sel, u_cost, max_unplaced)
        model.mix_first_row = _mix_first_row(model, st)
        ub_cols = _col_upper(st, sel, off, model)
        res, duals = _lp(cost, a, lo, hi, ub_cols, deadline - time.perf_counter())
        if res.status != 0:
            return res, duals, np.zeros(0), np.zeros(0), keep, rounds
        rc_arcs = _reduced_costs(model, duals, model.n_rows)
        add = (rc_arcs < -1e-7) & ~keep
        # Lasdon bound: each class can use its most negative omitted arc at most
        # c_count times, so LP(all arcs) >= LP(restricted) + sum_c count_c * min(0, rc_c)
        min_rc = np.zeros(len(st.c_count))
        np.minimum.at(min_rc, st.a_class, np.where(keep, 0.0, rc_arcs))
        model.lasdon = float(res.fun) + float((st.c_count * np.minimum(min_rc, 0.0)).sum())
        pricing_gap = float(res.fun) - model.lasdon
        model.trace.append((round(float(res.fun), 4), round(pricing_gap, 4), int(add.sum())))
        tol = tol_factor * model.inst.config.solver.relative_gap * max(abs(float(res.fun)), 1.0)
        if not add.any() or pricing_gap <= tol or time.perf_counter() > deadline:
            rc_cols = cost - a.T @ duals
            model.priced = True
            return res, duals, rc_arcs, rc_cols[off["s"] :], keep, rounds
        keep = keep | add


def solve_model(
    inst: Instance, st: Structure, time_limit: float, *, _phase1: bool = False
) -> SolveOutput:
    """Solve the aggregated model; see the module docstring for the method."""
    t0 = time.perf_counter()
    cfg = inst.config.solver
    deadline = t0 + time_limit
    mix = mix_rows(inst)
    model = _Model(inst, st, mix)
    n_a = len(st.a_class)
    nc = len(st.c_count)
    stats: dict[str, float | int | str] = {
        "households": inst.n_households,
        "household_classes": nc,
        "unit_types": len(st.t_count),
        "fit_classes": len(st.k_persons),
        "arcs_all": n_a,
        "type_arcs": len(st.y_node),
    }
    # Big-M for the lexicographic LP: more than any total of the other costs.
    worst = (
        st.c_count
        * (
            np.bincount(st.a_class, weights=st.a_cost, minlength=nc).clip(0)
            + (st.y_cost.clip(0).max() if len(st.y_cost) else 0.0)
            + (st.z_cost.max() if len(st.z_cost) else 0.0)
        )
    ).sum()
    big_m = float(max(1.0, worst) + 1.0)

    keep = initial_arcs(st, inst, cfg.sites_per_household)
    t_flow = time.perf_counter()
    net_x, net_unplaced = network_relaxation(st)
    keep |= net_x > 0
    stats["network_seconds"] = round(time.perf_counter() - t_flow, 3)
    stats["network_unplaced"] = net_unplaced
    res, _duals, rc_arcs, rc_rest, keep, rounds = _price(model, st, keep, big_m, None, deadline)
    stats["lp_rounds"] = rounds
    stats["pricing_trace"] = str(model.trace)
    if res.status != 0:
        raise RuntimeError(f"the allocation LP failed: {res.message}")
    n_rest = len(rc_rest)
    lp_unplaced = float(res.x[-nc:].sum()) if nc else 0.0
    stats["lp_seconds"] = round(time.perf_counter() - t0, 3)

    max_unplaced: float | None = 0.0
    u_cost = big_m
    if lp_unplaced > 0.5 or _phase1:
        # not everyone fits: the fewest unplaced first (MIP over all arcs), then the objective
        sel = np.arange(n_a)
        cost, a, lo, hi, off = model.build(sel, 1.0, None)
        cost[: off["u"]] = 0.0
        ub = _col_upper(st, sel, off, model)
        r1 = _milp(cost, a, lo, hi, ub, off, deadline, cfg, phase1=True)
        if r1.x is None:
            raise RuntimeError("phase 1 of the allocation found no solution")
        max_unplaced = float(round(r1.fun))
        stats["phase1_unplaced"] = max_unplaced
        stats["phase1_proven"] = str(r1.status == 0)
        stats["phase1_seconds"] = round(time.perf_counter() - t0, 3)
        u_cost = 0.0
        res, _duals, rc_arcs, rc_rest, keep, rounds = _price(
            model, st, keep, u_cost, max_unplaced, deadline
        )
        if res.status != 0:
            raise RuntimeError(f"the allocation LP failed: {res.message}")
        stats["lp_rounds"] = int(stats["lp_rounds"]) + rounds
    lp_bound = model.lasdon
    stats["lp_bound_proven"] = str(model.priced)

    # ---- integer solution: reduced-cost column sets ----
    sel = np.flatnonzero(keep)
    cost, a, lo, hi, off = model.build(sel, u_cost, max_unplaced)
    lp_x = res.x
    integral = np.all(np.abs(lp_x[: off["f"]] - np.round(lp_x[: off["f"]])) < 1e-6) and np.all(
        np.abs(lp_x[off["u"] :] - np.round(lp_x[off["u"] :])) < 1e-6
    )
    mip_rounds = 0
    proven = False
    time_hit = False
    mip_bound = lp_bound
    if integral and float(res.fun) - lp_bound <= cfg.relative_gap * max(abs(res.fun), 1.0):
        best_x, best_sel, best_off = lp_x, sel, off
        objective = float(res.fun)
        proven = True
        stats["integral_lp"] = "True"
    else:
        stats["integral_lp"] = "False"
        scale = max(abs(float(res.fun)), 1.0)
        threshold = max(1e-3 * scale, 1e-6)
        best_x = None
        # fast incumbent: keep the households the LP places integrally where they are and
        # solve the small MIP over the rest; often it meets the LP bound at once
        nx0 = len(sel)
        xv0 = lp_x[:nx0]
        fixed = np.abs(xv0 - np.round(xv0)) < 1e-6
        frac_classes = np.unique(st.a_class[sel[~fixed]])
        fixed &= ~np.isin(st.a_class[sel], frac_classes)
        lb = np.zeros(len(cost))
        ub = _col_upper(st, sel, off, model)
        lb[:nx0][fixed] = np.round(xv0[fixed])
        ub[:nx0][fixed] = np.round(xv0[fixed])
        if max_unplaced == 0.0:
            ub[off["u"] :] = 0.0
        r = _milp(cost, a, lo, hi, ub, off, deadline, cfg, phase1=False, lb=lb)
        stats["dive_fixed_arcs"] = int(fixed.sum())
        if r.x is not None:
            best_x, best_sel, best_off, objective = r.x, sel, off, float(r.fun)
            threshold = max(objective - lp_bound, 1e-6)
            stats["dive_objective"] = round(objective, 6)
            if objective - lp_bound > cfg.relative_gap * max(abs(objective), 1.0):
                # tighten the bound first: price to convergence (cheaper than branching)
                res2, _, rc2, rest2, keep, r2 = _price(
                    model, st, keep, u_cost, max_unplaced, deadline, tol_factor=0.0
                )
                if res2.status == 0:
                    rc_arcs, rc_rest = rc2, rest2
                    lp_bound = max(lp_bound, model.lasdon)
                    threshold = max(objective - lp_bound, 1e-6)
                    stats["lp_rounds"] = int(stats["lp_rounds"]) + r2
        while True:
            if best_x is not None and objective - lp_bound <= 1e-9 * max(abs(objective), 1.0):
                proven = True  # the incumbent meets the LP bound
                mip_bound = lp_bound
                break
            if best_x is not None and (
                objective - lp_bound <= cfg.relative_gap * max(abs(objective), 1.0)
            ):
                proven = True  # within the gap setting
                mip_bound = lp_bound
                break
            arcs_in = rc_arcs <= threshold + 1e-9
            if best_x is not None and arcs_in.sum() + len(rc_rest) > 150_000:
                # too large to branch on within the limit: keep the incumbent and its gap
                stats["mip_skipped"] = "column set too large"
                break
            mip_rounds += 1
            sel = np.flatnonzero(arcs_in)
            cost, a, lo, hi, off = model.build(sel, u_cost, max_unplaced)
            ub = _col_upper(st, sel, off, model)
            rest_out = rc_rest > threshold + 1e-9
            is_int = np.ones(n_rest, bool)
            is_int[off["f"] - off["s"] : off["u"] - off["s"]] = False
            is_int[off["u"] - off["s"] :] = False  # unplaced columns always stay
            ub[off["s"] :][rest_out & is_int] = 0.0
            if max_unplaced == 0.0:
                ub[off["u"] :] = 0.0
            r = _milp(cost, a, lo, hi, ub, off, deadline, cfg, phase1=False)
            if r.x is not None and (best_x is None or r.fun < objective - 1e-9):
                best_x, best_sel, best_off, objective = r.x, sel, off, float(r.fun)
            if r.x is None and r.status == 1:
                time_hit = True
                break
            if best_x is None:
                if r.status == 2 and max_unplaced == 0.0 and threshold >= np.inf:
                    break
                # the reduced set has no integer solution: widen it, at last to every column
                threshold = threshold * 10.0 if threshold < 1e3 * scale else np.inf
                continue
            needed = objective - lp_bound
            if needed <= threshold + 1e-9:
                # every column that could be in a better solution was in this MIP
                mip_bound = float(getattr(r, "mip_dual_bound", lp_bound))
                if not np.isfinite(mip_bound):
                    mip_bound = lp_bound
                mip_bound = min(max(mip_bound, lp_bound), objective)
                proven = r.status == 0
                time_hit = r.status == 1
                break
            if time.perf_counter() > deadline:
                time_hit = True
                break
            threshold = needed
        if best_x is None:
            if max_unplaced == 0.0 and not _phase1:
                # the LP places everyone, but no integer solution does: go lexicographic
                return solve_model(inst, st, max(deadline - time.perf_counter(), 0.5), _phase1=True)
            raise RuntimeError("the allocation model has no integer solution")
    stats["mip_rounds"] = mip_rounds
    stats["mip_seconds"] = round(time.perf_counter() - t0 - float(stats["lp_seconds"]), 3)
    sel, off, xv = best_sel, best_off, best_x
    x = np.zeros(n_a, np.int64)
    x[sel] = np.round(xv[: len(sel)]).astype(np.int64)
    stay = np.round(xv[off["s"] : off["y"]]).astype(np.int64)
    ny, nz, nf = len(st.y_node), len(st.z_type), len(model.f_site)
    y = np.round(xv[off["y"] : off["y"] + ny]).astype(np.int64)
    z = np.round(xv[off["z"] : off["z"] + nz]).astype(np.int64)
    f = xv[off["f"] : off["f"] + nf]
    u = np.round(xv[off["u"] :]).astype(np.int64)
    flow = np.zeros((inst.n_sites, len(inst.school_ids), 2))
    np.add.at(flow, (model.f_site, model.f_school, model.f_band), f)
    objective -= u_cost * float(u.sum())
    bound = lp_bound if not proven else max(mip_bound, lp_bound)
    if integral and proven:
        bound = lp_bound
    stats["arcs_used"] = len(sel)
    return SolveOutput(
        x=x,
        stay=stay,
        y=y,
        z=z,
        unplaced=u,
        school_flow=flow,
        objective=objective,
        bound=float(min(bound, objective)),
        proven=bool(proven),
        time_limit_hit=bool(time_hit),
        lp_bound=lp_bound,
        stats=stats,
    )


def _mix_first_row(model: _Model, st: Structure) -> int:
    """Row index of the first mix row in the last built matrix."""
    nc = len(st.c_count)
    n_nodes = len(st.n_site)
    n_t = len(st.t_count)
    nz = len(st.z_type)
    return nc + n_nodes + n_t + 2 * nz


def _col_upper(st: Structure, sel: np.ndarray, off: dict[str, int], model: _Model) -> np.ndarray:
    nx, ny, nz = len(sel), len(st.y_node), len(st.z_type)
    nf, nc = len(model.f_site), len(st.c_count)
    return np.concatenate(
        [
            st.c_count[st.a_class[sel]].astype(float),
            np.ones(len(st.s_class)),
            (
                st.t_count[st.y_type]
                * np.where(st.k_shared_group[st.n_fit[st.y_node]] >= 0, st.t_sharers[st.y_type], 1)
            ).astype(float),
            st.t_count[st.z_type].astype(float),
            np.full(nf, np.inf),
            st.c_count.astype(float),
        ]
    )[: nx + len(st.s_class) + ny + nz + nf + nc]


def _milp(cost, a, lo, hi, ub, off, deadline, cfg, *, phase1: bool, lb=None):
    n = len(cost)
    integrality = np.ones(n, np.uint8)
    integrality[off["f"] : off["u"]] = 0
    remaining = max(deadline - time.perf_counter(), 0.05)
    return milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(n) if lb is None else lb, ub),
        constraints=LinearConstraint(a, lo, hi) if a.shape[0] else None,
        options={
            "time_limit": remaining,
            "mip_rel_gap": 0.0 if phase1 else cfg.relative_gap,
            "presolve": True,
            "disp": False,
        },
    )

"""Solving the aggregated allocation model: min-cost flow, LP with pricing, then MIP.

Method
------
1. **Network relaxation** (OR-Tools ``SimpleMinCostFlow``) over each class's 20 cheapest
   sites (over all arcs if that cannot place everyone), without the side constraints.
   Its arcs, plus each class's ``sites_per_household`` cheapest sites, form the first
   restricted arc set; its type arcs, plus the cheapest type arc of every (site, fit
   class) node, the first restricted type-arc set (all type arcs in small models).
2. **LP with pricing** (HiGHS dual simplex). After each round two lower bounds over
   *all* arcs are computed from the duals:

   * the *Lasdon bound* ``LP(restricted) + sum_c count_c * min(0, min rc_c)`` (plus the
     same per unit type for the type arcs), from reduced costs computed for every arc
     in one numpy expression; it is weak when the LP is degenerate, as here;
   * the *Lagrangian bound*: the side rows (mix, school places, sharing) priced with
     the LP duals, and the network over every arc solved exactly by one min-cost flow
     (costs rounded down, so the bound is rigorous). On the 10,000-household benchmark
     it is within 1e-6 of the LP optimum after the first round.

   Pricing stops when the better bound is within a quarter of the gap setting; arcs
   with a negative reduced cost and arcs the Lagrangian flow uses are added otherwise.
   Placement comes first: unplaced households cost more than any possible sum of the
   other costs, so the LP is lexicographic.
3. **Integer solution.** When the LP solution is integral it is optimal. Otherwise
   *dives* keep what the LP decides integrally and solve a small MIP over the rest
   (HiGHS branch and cut): first only the classes, nodes and types the fractional part
   touches, then every fractional class with all type arcs free, then every column of
   the LP. If none meets the bound within the gap setting, the bound is tightened by
   pricing to convergence, and then a MIP over every column whose reduced cost is at
   most ``incumbent - Lasdon bound`` is solved: no other column can be in a better
   solution, so its result is proven over all columns.
4. **Infeasible instances.** When not every household can be placed, a first MIP
   maximises the number placed; the second stage minimises the objective with that
   many placed.

HiGHS is called through :mod:`scipy.optimize` (``linprog`` / ``milp``), which takes the
sparse matrices built here directly (no per-variable Python objects); HiGHS runs
single-threaded and deterministically. A warm-started LP (``highspy``) was measured and
did not help: after columns with negative reduced cost are added the old basis is dual
infeasible and the dual simplex took longer than a fresh solve with presolve.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.graph.python import min_cost_flow
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from opvang_opt.allocation.model import Instance, Structure

ALL_TYPE_ARCS_UP_TO = 20_000
"""Models with at most this many type arcs keep all of them in the LP (small LPs are
cheap, and the fuller LP is more often integral); larger ones price them."""


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
        self.bound = -np.inf
        self.timers: dict[str, float] = {"lp": 0.0, "lagrangian": 0.0, "mip": 0.0}
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
        # type arcs: shared ones and those into types with shared units touch side rows
        # (R3 of such a type, R4/R5) and are always in the model; the other ("plain")
        # type arcs are priced like the class->site arcs
        y_fit = st.n_fit[st.y_node]
        self.y_shared = st.k_shared_group[y_fit] >= 0
        self.t_side = np.zeros(len(st.t_count), bool)
        self.t_side[st.z_type] = True
        self.y_special = self.y_shared | self.t_side[st.y_type]
        sharers = np.where(self.y_shared, st.t_sharers[st.y_type], 1)
        self.y_ub = (st.t_count[st.y_type] * sharers).astype(float)

    def build(
        self, sel: np.ndarray, ysel: np.ndarray, u_cost: float, max_unplaced: float | None
    ) -> tuple[np.ndarray, sp.csr_array, np.ndarray, np.ndarray, dict[str, int]]:
        """Cost, matrix, row bounds and column offsets for class->site arcs ``sel`` and
        type arcs ``ysel`` (which must hold every special type arc)."""
        inst, st = self.inst, self.st
        nx, ny, nz = len(sel), len(ysel), len(st.z_type)
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
        y_node, y_type = st.y_node[ysel], st.y_type[ysel]
        rows.add(r2 + y_node, off["y"] + np.arange(ny), -1.0)
        # R3: unit-type capacity
        n_t = len(st.t_count)
        r3 = rows.block(n_t, -np.inf, st.t_count)
        y_fit = st.n_fit[y_node]
        y_shared = self.y_shared[ysel]
        rows.add(r3 + y_type[~y_shared], off["y"] + np.flatnonzero(~y_shared), 1.0)
        rows.add(r3 + st.z_type, off["z"] + np.arange(nz), 1.0)
        rows.add(r3 + st.s_type, off["s"] + np.arange(ns), 1.0)
        # R4/R5: shared units (singles <= sharers * z, z <= singles)
        if nz:
            zkey = st.z_type * len(inst.group_names) + st.z_group
            order = np.argsort(zkey)
            ys = np.flatnonzero(y_shared)
            ykey = y_type[ys] * len(inst.group_names) + st.k_shared_group[y_fit[ys]]
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
            [
                st.a_cost[sel],
                st.s_cost,
                st.y_cost[ysel],
                st.z_cost,
                np.zeros(nf),
                np.full(nc, u_cost),
            ]
        )
        self.n_rows = {"r1": r1, "r2": r2, "r3": r3, "nc": nc}
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


def _x_side_costs(model: _Model, duals: np.ndarray) -> np.ndarray:
    """Cost of every allowed class->site arc minus its side-row terms (mix rules and
    school demand) under the given row duals; vectorised over arcs."""
    st, inst = model.st, model.inst
    a_c, a_j = st.a_class, st.a_site
    out = st.a_cost.copy()
    if model.mix:
        mixval = np.zeros((inst.n_sites, len(inst.group_names)))
        for i, m in enumerate(model.mix):
            d = duals[model.mix_first_row + i]
            if d != 0.0:
                mixval[m.site] += d * m.sense * (m.in_group.astype(float) - m.share)
        c_nonshared = st.k_shared_group[st.c_fit] < 0
        out -= mixval[a_j, st.c_group[a_c]] * c_nonshared[a_c]
    if len(model.f_site):
        for b in range(2):
            rows = model.demand_row[:, b]
            dem = np.zeros(inst.n_sites)
            dem[rows >= 0] = duals[rows[rows >= 0]]
            out -= st.c_need[a_c, b] * dem[a_j]
    return out


def _reduced_costs(model: _Model, duals: np.ndarray, off_rows: dict[str, int]) -> np.ndarray:
    """Reduced cost of every allowed class->site arc under the given row duals."""
    st = model.st
    rc = _x_side_costs(model, duals)
    rc -= duals[off_rows["r1"] + st.a_class]
    rc -= duals[off_rows["r2"] + st.node_of[st.a_site, st.c_fit[st.a_class]]]
    return rc


def _lagrangian_bound(
    model: _Model,
    duals: np.ndarray,
    cost: np.ndarray,
    a: sp.csr_array,
    lo: np.ndarray,
    hi: np.ndarray,
    ub: np.ndarray,
    off: dict[str, int],
    ysel: np.ndarray,
    z_lp: float,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian lower bound over *all* class->site and type arcs, by one min-cost flow.

    The side rows (mix rules, school places, sharing, the placement row, and the
    capacity rows of unit types that shared units use) are priced with the LP's row
    duals (clamped to the right sign, which keeps the bound valid for any duals); the
    network rows (class supply, node balance, unit-type capacity) are kept, and the
    network over every arc is solved exactly by ``SimpleMinCostFlow``. Columns outside
    the network (shared units, school flows) are minimised over their bounds. Costs are
    rounded *down* to integers, so the value is a valid lower bound on the LP over all
    arcs (and on every allocation), much tighter than the Lasdon bound when the LP is
    degenerate.

    Returns the bound (``-inf`` when the flow fails) and the flow per class->site arc
    and per type arc.
    """
    st = model.st
    nc, nn, nt = len(st.c_count), len(st.n_site), len(st.t_count)
    n_a, ny_all = len(st.a_class), len(st.y_node)
    t_side = model.t_side
    side = np.ones(a.shape[0], bool)
    side[: nc + nn] = False
    side[nc + nn + np.flatnonzero(~t_side)] = False
    lam = np.where(side, duals, 0.0)
    wrong_sign = ((lam > 0) & ~np.isfinite(lo)) | ((lam < 0) & ~np.isfinite(hi))
    lam[(np.abs(lam) < 1e-12) | wrong_sign] = 0.0
    pos, neg = lam > 0, lam < 0
    const = float(lam[pos] @ lo[pos] + lam[neg] @ hi[neg])
    c_rest = cost - a.T @ lam  # every column of the restricted model
    c_x = _x_side_costs(model, lam)
    # plain type arcs touch no side row; the special ones are all in the model
    c_y = st.y_cost.copy()
    c_y[ysel] = c_rest[off["y"] : off["y"] + len(ysel)]
    ns = len(st.s_class)
    sink = nc + nn + nt
    y_to_sink = model.y_shared | t_side[st.y_type]
    s_to_sink = t_side[st.s_type]
    net_types = np.flatnonzero(~t_side)
    tails = np.concatenate(
        [st.a_class, st.s_class, nc + st.y_node, np.arange(nc), nc + nn + net_types]
    )
    heads = np.concatenate(
        [
            nc + st.node_of[st.a_site, st.c_fit[st.a_class]],
            np.where(s_to_sink, sink, nc + nn + st.s_type),
            np.where(y_to_sink, sink, nc + nn + st.y_type),
            np.full(nc, sink),
            np.full(len(net_types), sink),
        ]
    )
    caps = np.concatenate(
        [
            st.c_count[st.a_class].astype(float),
            ub[off["s"] : off["s"] + ns],
            model.y_ub,
            ub[off["u"] : off["u"] + nc],
            st.t_count[net_types].astype(float),
        ]
    )
    arc_cost = np.concatenate(
        [
            c_x,
            c_rest[off["s"] : off["s"] + ns],
            c_y,
            c_rest[off["u"] : off["u"] + nc],
            np.zeros(len(net_types)),
        ]
    )
    # columns outside the network: shared units (z <= count) and school flows (f <= places,
    # implied by the school rows): each at the bound that minimises its cost
    nz, nf = len(st.z_type), len(model.f_site)
    box_ub = np.concatenate(
        [
            st.t_count[st.z_type].astype(float),
            model.inst.school_places[model.f_school, model.f_band].astype(float),
        ]
    )
    box_c = c_rest[off["z"] : off["z"] + nz + nf]
    box = float(box_ub @ np.minimum(box_c, 0.0))
    # lowering a cost keeps the bound valid: cap the (big-M) costs, then scale and floor
    finite = np.abs(arc_cost[: n_a + ns + ny_all])
    cap_cost = 30.0 * max(float(finite.max(initial=0.0)), 1.0)
    arc_cost = np.minimum(arc_cost, cap_cost)
    n_nodes = sink + 1
    # flooring loses at most 2 * households / scale (a household crosses two cost arcs):
    # keep that below 1% of the gap setting; a coarser scale makes the flow faster
    supply = float(st.c_count.sum())
    rel_gap = max(model.inst.config.solver.relative_gap, 1e-9)
    scale = 200.0 * supply / (rel_gap * max(abs(z_lp), 1.0))
    scale = min(max(scale, 100.0), 1e6)
    scale = min(scale, 1e17 / (n_nodes * max(float(np.abs(arc_cost).max(initial=1.0)), 1.0)))
    icost = np.floor(arc_cost * scale).astype(np.int64)
    arcs = np.flatnonzero(caps > 0)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails[arcs].astype(np.int32),
        heads[arcs].astype(np.int32),
        np.round(caps[arcs]).astype(np.int64),
        icost[arcs],
    )
    supplies = np.zeros(n_nodes, np.int64)
    supplies[:nc] = st.c_count
    supplies[sink] = -int(st.c_count.sum())
    flow.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return -np.inf, np.zeros(n_a, np.int64), np.zeros(ny_all, np.int64)
    f = np.zeros(len(tails), np.int64)
    f[arcs] = flow.flows(np.arange(len(arcs), dtype=np.int32))
    bound = const + box + float(icost[arcs] @ f[arcs]) / scale
    return bound, f[:n_a], f[n_a + ns : n_a + ns + ny_all]


def network_relaxation(
    st: Structure, arcs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Min-cost flow over *all* arcs without the side constraints (mix, school places,
    sharing): OR-Tools ``SimpleMinCostFlow`` on the network class -> (site, fit class) ->
    unit type -> sink. Returns the flow per class->site arc, per type arc and the number
    unplaced.

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
    use = np.ones(len(tails), bool)
    if arcs is not None:
        use[:na] = arcs
    idx = np.flatnonzero(use)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails[idx].astype(np.int32),
        heads[idx].astype(np.int32),
        caps[idx].astype(np.int64),
        costs[idx],
    )
    supplies = np.zeros(sink + 1, np.int64)
    supplies[:nc] = st.c_count
    supplies[sink] = -int(st.c_count.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        return np.zeros(na, np.int64), np.zeros(len(st.y_node), np.int64), int(st.c_count.sum())
    f = np.zeros(len(tails), np.int64)
    f[idx] = flow.flows(np.arange(len(idx), dtype=np.int32))
    unplaced = int(f[len(tails) - nc :].sum())
    ns, ny = len(st.s_class), len(st.y_node)
    return f[:na].astype(np.int64), f[na + ns : na + ns + ny].astype(np.int64), unplaced


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


def initial_type_arcs(model: _Model, net_y: np.ndarray, per_node: int) -> np.ndarray:
    """Boolean mask over all type arcs: the special ones, those the network relaxation
    uses, and the ``per_node`` cheapest of every (site, fit class) node."""
    st = model.st
    ny = len(st.y_node)
    order = np.lexsort((np.arange(ny), np.round(st.y_cost, 9), st.y_node))
    starts = np.searchsorted(st.y_node[order], np.arange(len(st.n_site)))
    rank = np.arange(ny) - starts[st.y_node[order]]
    keep = model.y_special | (net_y > 0)
    keep[order[rank < per_node]] = True
    return keep


@dataclass
class _Priced:
    """The last LP round of :func:`_price` and the reduced costs of every column."""

    res: object
    duals: np.ndarray
    keep: np.ndarray  # class->site arcs in the model
    ykeep: np.ndarray  # type arcs in the model
    rc_x: np.ndarray  # every class->site arc
    rc_y: np.ndarray  # every type arc
    rc_s: np.ndarray
    rc_z: np.ndarray
    rounds: int


def _price(
    model: _Model,
    st: Structure,
    keep: np.ndarray,
    ykeep: np.ndarray,
    u_cost: float,
    max_unplaced: float | None,
    deadline: float,
    tol_factor: float = 0.25,
    *,
    lasdon_only: bool = False,
) -> _Priced:
    """LP with pricing over all class->site and type arcs.

    After each LP round two lower bounds over *all* arcs are computed: the Lasdon bound
    (from the reduced costs) and, when that is not yet close, the Lagrangian bound of
    :func:`_lagrangian_bound`. Pricing stops when the better one is within
    ``tol_factor * relative_gap`` of the restricted LP (``lasdon_only``: when the Lasdon
    bound is, which the reduced-cost column sets of the exact MIP need). Arcs with a
    negative reduced cost and arcs the Lagrangian flow uses are added.
    """
    rounds = 0
    rel_gap = model.inst.config.solver.relative_gap
    nc, ns, nz = len(st.c_count), len(st.s_class), len(st.z_type)
    while True:
        rounds += 1
        sel, ysel = np.flatnonzero(keep), np.flatnonzero(ykeep)
        cost, a, lo, hi, off = model.build(sel, ysel, u_cost, max_unplaced)
        model.mix_first_row = _mix_first_row(model, st)
        ub_cols = _col_upper(st, sel, ysel, off, model)
        t_lp = time.perf_counter()
        res, duals = _lp(cost, a, lo, hi, ub_cols, deadline - time.perf_counter())
        model.timers["lp"] += time.perf_counter() - t_lp
        if res.status != 0:
            empty = np.zeros(0)
            return _Priced(res, duals, keep, ykeep, empty, empty, empty, empty, rounds)
        z = float(res.fun)
        rc_cols = cost - a.T @ duals
        rc_x = _reduced_costs(model, duals, model.n_rows)
        r2, r3 = model.n_rows["r2"], model.n_rows["r3"]
        rc_y = st.y_cost + duals[r2 + st.y_node] - duals[r3 + st.y_type]
        rc_y[ysel] = rc_cols[off["y"] : off["y"] + len(ysel)]
        add = (rc_x < -1e-7) & ~keep
        add_y = (rc_y < -1e-7) & ~ykeep
        # Lasdon bound: each class can use its omitted arcs at most c_count times, each
        # unit type its omitted plain type arcs at most t_count times, so
        # LP(all arcs) >= LP(restricted) + sum count * min(0, min omitted rc)
        min_rc = np.zeros(nc)
        np.minimum.at(min_rc, st.a_class, np.where(keep, 0.0, rc_x))
        min_rc_t = np.zeros(len(st.t_count))
        np.minimum.at(min_rc_t, st.y_type, np.where(ykeep, 0.0, rc_y))
        model.lasdon = (
            z
            + float(st.c_count @ np.minimum(min_rc, 0.0))
            + float(st.t_count @ np.minimum(min_rc_t, 0.0))
        )
        tol = tol_factor * rel_gap * max(abs(z), 1.0)
        bound = model.lasdon
        if z - bound > tol and not lasdon_only:
            t_lag = time.perf_counter()
            lag, lag_x, lag_y = _lagrangian_bound(
                model, duals, cost, a, lo, hi, ub_cols, off, ysel, z
            )
            model.timers["lagrangian"] += time.perf_counter() - t_lag
            bound = max(bound, min(lag, z))
            # arcs the Lagrangian flow uses are the ones most worth adding
            add |= (lag_x > 0) & ~keep
            add_y |= (lag_y > 0) & ~ykeep
        model.bound = bound
        pricing_gap = z - (model.lasdon if lasdon_only else bound)
        model.trace.append(
            (
                round(z, 4),
                round(z - model.lasdon, 4),
                round(z - bound, 4),
                int(add.sum()),
                int(add_y.sum()),
            )
        )
        done = not (add.any() or add_y.any()) or pricing_gap <= tol
        if done or time.perf_counter() > deadline:
            model.priced = True
            return _Priced(
                res,
                duals,
                keep,
                ykeep,
                rc_x,
                rc_y,
                rc_cols[off["s"] : off["s"] + ns],
                rc_cols[off["z"] : off["z"] + nz],
                rounds,
            )
        keep = keep | add
        ykeep = ykeep | add_y


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
    ny_all = len(st.y_node)
    stats: dict[str, float | int | str] = {
        "households": inst.n_households,
        "household_classes": nc,
        "unit_types": len(st.t_count),
        "fit_classes": len(st.k_persons),
        "arcs_all": n_a,
        "type_arcs": ny_all,
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
    # the seed flow over each class's cheapest sites is enough unless it cannot place all
    net_x, net_y, net_unplaced = network_relaxation(st, initial_arcs(st, inst, 20))
    if net_unplaced > 0:
        net_x, net_y, net_unplaced = network_relaxation(st)
    keep |= net_x > 0
    # type arcs are priced only in large models, where they dominate the LP's size
    ykeep = initial_type_arcs(model, net_y, 1 if ny_all > ALL_TYPE_ARCS_UP_TO else ny_all)
    stats["network_seconds"] = round(time.perf_counter() - t_flow, 3)
    stats["network_unplaced"] = net_unplaced
    pr = _price(model, st, keep, ykeep, big_m, None, deadline)
    stats["lp_rounds"] = pr.rounds
    if pr.res.status != 0:
        raise RuntimeError(f"the allocation LP failed: {pr.res.message}")
    lp_unplaced = float(pr.res.x[-nc:].sum()) if nc else 0.0
    stats["lp_seconds"] = round(time.perf_counter() - t0, 3)

    max_unplaced: float | None = 0.0
    u_cost = big_m
    if lp_unplaced > 0.5 or _phase1:
        # not everyone fits: the fewest unplaced first (MIP over all arcs), then the objective
        sel, ysel = np.arange(n_a), np.arange(ny_all)
        cost, a, lo, hi, off = model.build(sel, ysel, 1.0, None)
        cost[: off["u"]] = 0.0
        ub = _col_upper(st, sel, ysel, off, model)
        r1 = _milp(model, cost, a, lo, hi, ub, off, deadline, cfg, phase1=True)
        if r1.x is None:
            raise RuntimeError("phase 1 of the allocation found no solution")
        max_unplaced = float(round(r1.fun))
        stats["phase1_unplaced"] = max_unplaced
        stats["phase1_proven"] = str(r1.status == 0)
        stats["phase1_seconds"] = round(time.perf_counter() - t0, 3)
        u_cost = 0.0
        pr = _price(model, st, pr.keep, pr.ykeep, u_cost, max_unplaced, deadline)
        if pr.res.status != 0:
            raise RuntimeError(f"the allocation LP failed: {pr.res.message}")
        stats["lp_rounds"] = int(stats["lp_rounds"]) + pr.rounds
    # lp_bound: the best proven bound over all arcs (Lasdon or Lagrangian); lasdon: the
    # bound that pairs with the reduced costs of pr (reduced-cost column sets)
    lp_bound = max(model.bound, model.lasdon)
    lasdon = model.lasdon
    stats["lp_bound_proven"] = str(model.priced)

    # ---- integer solution ----
    res = pr.res
    sel, ysel = np.flatnonzero(pr.keep), np.flatnonzero(pr.ykeep)
    cost, a, lo, hi, off = model.build(sel, ysel, u_cost, max_unplaced)
    lp_x = res.x
    integral = np.all(np.abs(lp_x[: off["f"]] - np.round(lp_x[: off["f"]])) < 1e-6) and np.all(
        np.abs(lp_x[off["u"] :] - np.round(lp_x[off["u"] :])) < 1e-6
    )
    mip_rounds = 0
    proven = False
    time_hit = False
    mip_bound = lp_bound

    def within_gap(obj: float) -> bool:
        return obj - lp_bound <= cfg.relative_gap * max(abs(obj), 1.0)

    if integral and within_gap(float(res.fun)):
        best_x, best_sel, best_ysel, best_off = lp_x, sel, ysel, off
        objective = float(res.fun)
        proven = True
        stats["integral_lp"] = "True"
    else:
        stats["integral_lp"] = "False"
        scale = max(abs(float(res.fun)), 1.0)
        threshold = max(1e-3 * scale, 1e-6)
        best_x = None
        # fast incumbents: keep what the LP decides integrally and solve a small MIP over
        # the rest; first only the classes, nodes and types the fractional part touches,
        # then every class placed fractionally with all type arcs free, at last the MIP
        # over every column of the LP (price and branch)
        ub = _col_upper(st, sel, ysel, off, model)
        if max_unplaced == 0.0:
            ub[off["u"] :] = 0.0
        for dive in ("narrow", "wide", "columns"):
            if dive == "columns":
                lb_d, ub_d = np.zeros(len(ub)), ub
            else:
                lb_d, ub_d = _dive_bounds(model, lp_x, sel, ysel, off, ub, narrow=dive == "narrow")
            t_dive = time.perf_counter()
            r = _milp(model, cost, a, lo, hi, ub_d, off, deadline, cfg, phase1=False, lb=lb_d)
            stats[f"dive_{dive}_free_columns"] = int((ub_d > lb_d).sum())
            stats[f"dive_{dive}_seconds"] = round(time.perf_counter() - t_dive, 3)
            if r.x is not None and (best_x is None or float(r.fun) < objective - 1e-9):
                best_x, best_sel, best_ysel, best_off = r.x, sel, ysel, off
                objective = float(r.fun)
                stats["dive_objective"] = round(objective, 6)
                stats["dive"] = dive
            if best_x is not None and within_gap(objective):
                break
        if best_x is not None:
            threshold = max(objective - lasdon, 1e-6)
            if not within_gap(objective):
                # tighten the bound first: price to convergence (cheaper than branching)
                pr2 = _price(
                    model,
                    st,
                    pr.keep,
                    pr.ykeep,
                    u_cost,
                    max_unplaced,
                    deadline,
                    tol_factor=0.0,
                    lasdon_only=True,
                )
                if pr2.res.status == 0:
                    pr = pr2
                    lasdon = model.lasdon
                    lp_bound = max(lp_bound, model.bound, lasdon)
                    threshold = max(objective - lasdon, 1e-6)
                    stats["lp_rounds"] = int(stats["lp_rounds"]) + pr2.rounds
        while True:
            if best_x is not None and objective - lp_bound <= 1e-9 * max(abs(objective), 1.0):
                proven = True  # the incumbent meets the LP bound
                mip_bound = lp_bound
                break
            if best_x is not None and within_gap(objective):
                proven = True  # within the gap setting
                mip_bound = lp_bound
                break
            arcs_in = pr.rc_x <= threshold + 1e-9
            y_in = (pr.rc_y <= threshold + 1e-9) | model.y_special
            n_cols = arcs_in.sum() + y_in.sum() + len(pr.rc_s) + len(pr.rc_z) + nc
            if best_x is not None and n_cols > 150_000:
                # too large to branch on within the limit: keep the incumbent and its gap
                stats["mip_skipped"] = "column set too large"
                break
            mip_rounds += 1
            sel, ysel = np.flatnonzero(arcs_in), np.flatnonzero(y_in)
            cost, a, lo, hi, off = model.build(sel, ysel, u_cost, max_unplaced)
            ub = _col_upper(st, sel, ysel, off, model)
            # columns whose reduced cost exceeds the threshold cannot be in a better
            # solution (school flows and unplaced columns always stay)
            ub[off["s"] : off["y"]][pr.rc_s > threshold + 1e-9] = 0.0
            ub[off["y"] : off["z"]][pr.rc_y[ysel] > threshold + 1e-9] = 0.0
            ub[off["z"] : off["f"]][pr.rc_z > threshold + 1e-9] = 0.0
            if max_unplaced == 0.0:
                ub[off["u"] :] = 0.0
            r = _milp(model, cost, a, lo, hi, ub, off, deadline, cfg, phase1=False)
            if r.x is not None and (best_x is None or r.fun < objective - 1e-9):
                best_x, best_sel, best_ysel, best_off = r.x, sel, ysel, off
                objective = float(r.fun)
            if r.x is None and r.status == 1:
                time_hit = True
                break
            if best_x is None:
                if r.status == 2 and max_unplaced == 0.0 and threshold >= np.inf:
                    break
                # the reduced set has no integer solution: widen it, at last to every column
                threshold = threshold * 10.0 if threshold < 1e3 * scale else np.inf
                continue
            needed = objective - lasdon
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
    for key, secs in model.timers.items():
        stats[f"{key}_solve_seconds"] = round(secs, 3)
    stats["mip_seconds"] = round(time.perf_counter() - t0 - float(stats["lp_seconds"]), 3)
    sel, ysel, off, xv = best_sel, best_ysel, best_off, best_x
    x = np.zeros(n_a, np.int64)
    x[sel] = np.round(xv[: len(sel)]).astype(np.int64)
    stay = np.round(xv[off["s"] : off["y"]]).astype(np.int64)
    nz, nf = len(st.z_type), len(model.f_site)
    y = np.zeros(ny_all, np.int64)
    y[ysel] = np.round(xv[off["y"] : off["y"] + len(ysel)]).astype(np.int64)
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
    stats["type_arcs_used"] = len(ysel)
    stats["pricing_trace"] = str(model.trace)
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


def _dive_bounds(
    model: _Model,
    lp_x: np.ndarray,
    sel: np.ndarray,
    ysel: np.ndarray,
    off: dict[str, int],
    ub: np.ndarray,
    *,
    narrow: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds of a dive: integral LP values fixed, the fractional part free.

    Every class with a fractional arc, stay or unplaced column is free over all its
    arcs, stay and unplaced column; shared units and school flows are always free.
    ``narrow``: the type arcs stay fixed too, except those out of the nodes such classes
    can reach and out of nodes with fractional type arcs; otherwise every type arc is
    free.
    """
    st = model.st
    nx = len(sel)
    frac = np.abs(lp_x - np.round(lp_x)) > 1e-6
    frac[off["f"] : off["u"]] = False  # school flows are continuous
    classes = np.zeros(len(st.c_count), bool)
    classes[st.a_class[sel[frac[:nx]]]] = True
    classes[st.s_class[frac[off["s"] : off["y"]]]] = True
    classes[np.flatnonzero(frac[off["u"] :])] = True
    lb = np.zeros(len(lp_x))
    hi = ub.copy()
    val = np.round(lp_x)
    fix = np.ones(len(lp_x), bool)
    fix[:nx] = ~classes[st.a_class[sel]]
    fix[off["s"] : off["y"]] = ~classes[st.s_class]
    fix[off["u"] :] = ~classes
    fix[off["f"] : off["u"]] = False
    if narrow:
        nodes = np.zeros(len(st.n_site), bool)
        free_x = np.flatnonzero(~fix[:nx])
        nodes[st.node_of[st.a_site[sel[free_x]], st.c_fit[st.a_class[sel[free_x]]]]] = True
        nodes[st.y_node[ysel[frac[off["y"] : off["z"]]]]] = True
        fix[off["y"] : off["z"]] = ~nodes[st.y_node[ysel]]
        fix[off["z"] : off["f"]] = False
    else:
        fix[off["y"] : off["f"]] = False
    lb[fix] = np.minimum(val[fix], hi[fix])
    hi[fix] = lb[fix]
    return lb, hi


def _mix_first_row(model: _Model, st: Structure) -> int:
    """Row index of the first mix row in the last built matrix."""
    nc = len(st.c_count)
    n_nodes = len(st.n_site)
    n_t = len(st.t_count)
    nz = len(st.z_type)
    return nc + n_nodes + n_t + 2 * nz


def _col_upper(
    st: Structure, sel: np.ndarray, ysel: np.ndarray, off: dict[str, int], model: _Model
) -> np.ndarray:
    nf = len(model.f_site)
    return np.concatenate(
        [
            st.c_count[st.a_class[sel]].astype(float),
            np.ones(len(st.s_class)),
            model.y_ub[ysel],
            st.t_count[st.z_type].astype(float),
            np.full(nf, np.inf),
            st.c_count.astype(float),
        ]
    )


def _milp(model, cost, a, lo, hi, ub, off, deadline, cfg, *, phase1: bool, lb=None):
    t = time.perf_counter()
    try:
        return _milp_run(cost, a, lo, hi, ub, off, deadline, cfg, phase1=phase1, lb=lb)
    finally:
        model.timers["mip"] += time.perf_counter() - t


def _milp_run(cost, a, lo, hi, ub, off, deadline, cfg, *, phase1: bool, lb=None):
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

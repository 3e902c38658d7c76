"""LP with pricing over every arc, and two lower bounds over all arcs.

After each LP round over a restricted arc set two lower bounds over *all* arcs are
computed from the row duals:

* the *Lasdon bound* ``LP(restricted) + sum_c count_c * min(0, min rc_c)`` (plus the
  same per unit type for the type arcs), from reduced costs of every arc computed in
  one numpy expression; it is weak when the LP is degenerate, as here;
* the *Lagrangian bound*: the side rows (mix, school places, sharing) priced with the
  LP duals and the network over every arc solved exactly by one min-cost flow (costs
  rounded down, so the bound is rigorous).

Pricing stops when the better bound is close enough to the restricted LP; otherwise
arcs with a negative reduced cost and arcs the Lagrangian flow uses are added.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from opvang_opt.allocation.columns import ColumnModel, LPResult, Matrix, solve_lp
from opvang_opt.allocation.network import solve_flow


def side_costs(model: ColumnModel, duals: np.ndarray) -> np.ndarray:
    """Cost of every class->site arc minus its side-row terms (mix rules and school
    demand) under the given row duals; vectorised over arcs."""
    st, inst = model.st, model.inst
    arc_class, arc_site = st.arc_class, st.arc_site
    out = st.arc_cost.copy()
    if model.mix:
        first = model.row_start["mix"]
        per_group = np.zeros((inst.n_sites, len(inst.group_names)))
        all_groups = np.arange(len(inst.group_names))
        for i, m in enumerate(model.mix):
            d = duals[first + i]
            if d != 0.0:
                per_group[m.site] += d * m.coefficients(all_groups)
        out -= per_group[arc_site, st.class_group[arc_class]] * model.class_in_mix[arc_class]
    if len(model.school_site):
        for b in range(2):
            rows = model.demand_row[:, b]
            demand = np.zeros(inst.n_sites)
            demand[rows >= 0] = duals[rows[rows >= 0]]
            out -= st.class_need[arc_class, b] * demand[arc_site]
    return out


def arc_reduced_costs(model: ColumnModel, duals: np.ndarray) -> np.ndarray:
    """Reduced cost of every class->site arc under the given row duals."""
    st = model.st
    rc = side_costs(model, duals)
    rc -= duals[model.row_start["supply"] + st.arc_class]
    rc -= duals[model.row_start["node"] + st.node_of[st.arc_site, st.class_fit[st.arc_class]]]
    return rc


def _side_duals(model: ColumnModel, m: Matrix, duals: np.ndarray) -> tuple[np.ndarray, float]:
    """Duals of the side rows (clamped to the right sign, which keeps the bound valid for
    any duals; network rows get 0) and the constant they contribute."""
    start = model.row_start["capacity"]
    side = np.ones(m.a.shape[0], bool)
    side[:start] = False
    side[start + np.flatnonzero(~model.type_has_shared)] = False
    lam = np.where(side, duals, 0.0)
    wrong_sign = ((lam > 0) & ~np.isfinite(m.lo)) | ((lam < 0) & ~np.isfinite(m.hi))
    lam[(np.abs(lam) < 1e-12) | wrong_sign] = 0.0
    pos, neg = lam > 0, lam < 0
    return lam, float(lam[pos] @ m.lo[pos] + lam[neg] @ m.hi[neg])


def _network_arcs(model: ColumnModel, m: Matrix, lam: np.ndarray):
    """Tails, heads, capacities and Lagrangian costs of the network over every arc."""
    st = model.st
    nc, nn = len(st.class_count), len(st.node_site)
    reduced = m.cost - m.a.T @ lam  # every column of the restricted model
    type_arc_cost = st.type_arc_cost.copy()  # plain type arcs touch no side row
    type_arc_cost[m.type_arcs] = m.part(reduced, "type_arc")
    sink = nc + nn + len(st.type_count)
    to_sink = model.type_arc_shared | model.type_has_shared[st.type_arc_type]
    stay_to_sink = model.type_has_shared[st.stay_type]
    plain_types = np.flatnonzero(~model.type_has_shared)
    tails = np.concatenate(
        [st.arc_class, st.stay_class, nc + st.type_arc_node, np.arange(nc), nc + nn + plain_types]
    )
    heads = np.concatenate(
        [
            nc + st.node_of[st.arc_site, st.class_fit[st.arc_class]],
            np.where(stay_to_sink, sink, nc + nn + st.stay_type),
            np.where(to_sink, sink, nc + nn + st.type_arc_type),
            np.full(nc, sink),
            np.full(len(plain_types), sink),
        ]
    )
    caps = np.concatenate(
        [
            st.class_count[st.arc_class].astype(float),
            m.part(m.upper, "stay"),
            model.type_arc_upper,
            m.part(m.upper, "unplaced"),
            st.type_count[plain_types].astype(float),
        ]
    )
    costs = np.concatenate(
        [
            side_costs(model, lam),
            m.part(reduced, "stay"),
            type_arc_cost,
            m.part(reduced, "unplaced"),
            np.zeros(len(plain_types)),
        ]
    )
    return tails, heads, caps, costs, reduced


def lagrangian_bound(
    model: ColumnModel, m: Matrix, duals: np.ndarray, lp_value: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """Lagrangian lower bound over *all* class->site and type arcs, by one min-cost flow.

    The side rows (mix rules, school places, sharing, the placement row, and the
    capacity rows of unit types that shared units use) are priced with the LP's duals;
    the network rows are kept and the network over every arc is solved exactly. Columns
    outside the network (shared units, school columns) are minimised over their bounds.
    Costs are rounded *down* to integers, so the value is a valid lower bound on the LP
    over all arcs (and on every allocation).

    Returns the bound (``-inf`` when the flow fails) and the flow per class->site arc
    and per type arc.
    """
    st = model.st
    n_a, ns, ny = len(st.arc_class), len(st.stay_class), len(st.type_arc_node)
    lam, const = _side_duals(model, m, duals)
    tails, heads, caps, costs, reduced = _network_arcs(model, m, lam)
    # shared units (<= count) and school columns (<= places): at their cheapest bound
    box_upper = np.concatenate(
        [
            st.type_count[st.shared_type].astype(float),
            model.inst.school_places[model.school_school, model.school_band].astype(float),
        ]
    )
    box_cost = np.concatenate([m.part(reduced, "shared"), m.part(reduced, "school")])
    box = float(box_upper @ np.minimum(box_cost, 0.0))
    # lowering a cost keeps the bound valid: cap the (big-M) costs, then scale and floor
    cap_cost = 30.0 * max(float(np.abs(costs[: n_a + ns + ny]).max(initial=0.0)), 1.0)
    costs = np.minimum(costs, cap_cost)
    # flooring loses at most 2 * households / scale (a household crosses two cost arcs):
    # keep that below 1% of the gap setting; a coarser scale makes the flow faster
    supply = float(st.class_count.sum())
    rel_gap = max(model.inst.config.solver.relative_gap, 1e-9)
    scale = 200.0 * supply / (rel_gap * max(abs(lp_value), 1.0))
    scale = min(max(scale, 100.0), 1e6)
    n_nodes = len(st.class_count) + len(st.node_site) + len(st.type_count) + 1
    scale = min(scale, 1e17 / (n_nodes * max(float(np.abs(costs).max(initial=1.0)), 1.0)))
    int_costs = np.floor(costs * scale).astype(np.int64)
    use = np.flatnonzero(caps > 0)
    flows = solve_flow(tails[use], heads[use], caps[use], int_costs[use], st.class_count, n_nodes)
    if flows is None:
        return -np.inf, np.zeros(n_a, np.int64), np.zeros(ny, np.int64)
    f = np.zeros(len(tails), np.int64)
    f[use] = flows
    bound = const + box + float(int_costs[use] @ f[use]) / scale
    return bound, f[:n_a], f[n_a + ns : n_a + ns + ny]


@dataclass
class Priced:
    """The last LP round of :func:`price` and the reduced costs of every column."""

    lp: LPResult
    matrix: Matrix | None
    arcs_in: np.ndarray  # mask: class->site arcs in the model
    type_arcs_in: np.ndarray  # mask: type arcs in the model
    rc_arc: np.ndarray  # every class->site arc
    rc_type_arc: np.ndarray  # every type arc
    rc_stay: np.ndarray
    rc_shared: np.ndarray
    rounds: int


def _lasdon_bound(
    model: ColumnModel, lp_value: float, priced: Priced, rc_arc: np.ndarray, rc_type_arc: np.ndarray
) -> float:
    """Each class can use its omitted arcs at most ``count`` times, each unit type its
    omitted plain type arcs at most ``count`` times, so
    LP(all arcs) >= LP(restricted) + sum count * min(0, min omitted reduced cost)."""
    st = model.st
    min_rc = np.zeros(len(st.class_count))
    np.minimum.at(min_rc, st.arc_class, np.where(priced.arcs_in, 0.0, rc_arc))
    min_rc_type = np.zeros(len(st.type_count))
    np.minimum.at(min_rc_type, st.type_arc_type, np.where(priced.type_arcs_in, 0.0, rc_type_arc))
    return (
        lp_value
        + float(st.class_count @ np.minimum(min_rc, 0.0))
        + float(st.type_count @ np.minimum(min_rc_type, 0.0))
    )


def _round(
    model: ColumnModel, p: Priced, unplaced_cost: float, max_unplaced: float | None, deadline
) -> tuple[Priced, np.ndarray, np.ndarray] | None:
    """One LP round over the current arc sets; ``None`` when the LP fails."""
    st = model.st
    m = model.build(
        np.flatnonzero(p.arcs_in), np.flatnonzero(p.type_arcs_in), unplaced_cost, max_unplaced
    )
    t_lp = time.perf_counter()
    lp = solve_lp(m, deadline)
    model.timers["lp"] += time.perf_counter() - t_lp
    p.lp, p.matrix = lp, m
    if lp.status != 0:
        return None
    rc_columns = m.cost - m.a.T @ lp.duals
    rc_arc = arc_reduced_costs(model, lp.duals)
    rc_type_arc = (
        st.type_arc_cost
        + lp.duals[model.row_start["node"] + st.type_arc_node]
        - lp.duals[model.row_start["capacity"] + st.type_arc_type]
    )
    rc_type_arc[m.type_arcs] = m.part(rc_columns, "type_arc")
    p.rc_stay, p.rc_shared = m.part(rc_columns, "stay"), m.part(rc_columns, "shared")
    return p, rc_arc, rc_type_arc


def price(
    model: ColumnModel,
    arcs_in: np.ndarray,
    type_arcs_in: np.ndarray,
    unplaced_cost: float,
    max_unplaced: float | None,
    deadline: float,
    tol_factor: float = 0.25,
    *,
    lasdon_only: bool = False,
) -> Priced:
    """LP with pricing over all class->site and type arcs (see the module docstring).

    Pricing stops when the better bound is within ``tol_factor * relative_gap`` of the
    restricted LP (``lasdon_only``: when the Lasdon bound is, which the reduced-cost
    column sets of the exact MIP need), or at the deadline.
    """
    rel_gap = model.inst.config.solver.relative_gap
    empty = np.zeros(0)
    p = Priced(
        LPResult(1, None, np.inf, empty), None, arcs_in, type_arcs_in, empty, empty, empty, empty, 0
    )
    while True:
        p.rounds += 1
        got = _round(model, p, unplaced_cost, max_unplaced, deadline)
        if got is None:
            return p
        p, rc_arc, rc_type_arc = got
        z = p.lp.fun
        add = (rc_arc < -1e-7) & ~p.arcs_in
        add_type = (rc_type_arc < -1e-7) & ~p.type_arcs_in
        model.lasdon = _lasdon_bound(model, z, p, rc_arc, rc_type_arc)
        tol = tol_factor * rel_gap * max(abs(z), 1.0)
        bound = model.lasdon
        if z - bound > tol and not lasdon_only and p.matrix is not None:
            t_lag = time.perf_counter()
            lag, lag_arc, lag_type_arc = lagrangian_bound(model, p.matrix, p.lp.duals, z)
            model.timers["lagrangian"] += time.perf_counter() - t_lag
            bound = max(bound, min(lag, z))
            # arcs the Lagrangian flow uses are the ones most worth adding
            add |= (lag_arc > 0) & ~p.arcs_in
            add_type |= (lag_type_arc > 0) & ~p.type_arcs_in
        model.bound = bound
        pricing_gap = z - (model.lasdon if lasdon_only else bound)
        model.trace.append(
            (
                round(z, 4),
                round(z - model.lasdon, 4),
                round(z - bound, 4),
                int(add.sum()),
                int(add_type.sum()),
            )
        )
        p.rc_arc, p.rc_type_arc = rc_arc, rc_type_arc
        done = not (add.any() or add_type.any()) or pricing_gap <= tol
        if done or time.perf_counter() > deadline:
            model.priced = done
            return p
        arcs_in, type_arcs_in = p.arcs_in | add, p.type_arcs_in | add_type
        p = Priced(p.lp, p.matrix, arcs_in, type_arcs_in, empty, empty, empty, empty, p.rounds)

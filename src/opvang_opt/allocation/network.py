"""The network part of the allocation model: min-cost flows and the first arc sets.

The network is ``class c -> (site j, fit class k) -> unit type t -> sink`` (see
:mod:`~opvang_opt.allocation.model`). Without the side rules (mix, school places,
sharing) it is a min-cost flow, solved exactly and fast by OR-Tools
``SimpleMinCostFlow``; its arcs seed the LP.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from opvang_opt.allocation.model import Instance, Structure


def solve_flow(
    tails: np.ndarray,
    heads: np.ndarray,
    capacities: np.ndarray,
    costs: np.ndarray,
    supply: np.ndarray,
    n_nodes: int,
) -> np.ndarray | None:
    """Min-cost flow from the first nodes (``supply`` each) to the last node (the sink)
    over ``n_nodes`` nodes; ``None`` when the flow has no optimum. Integer costs; returns
    the flow per arc."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        np.round(capacities).astype(np.int64),
        costs.astype(np.int64),
    )
    supplies = np.zeros(n_nodes, np.int64)
    supplies[: len(supply)] = supply
    supplies[-1] = -int(supply.sum())
    flow.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    return np.asarray(flow.flows(np.arange(len(tails), dtype=np.int32)), np.int64)


def network_relaxation(
    st: Structure, arcs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Min-cost flow over *all* arcs (or the ``arcs`` mask) without the side rules.

    Returns the flow per class->site arc, per type arc and the number unplaced. It is
    exact for the network part and very fast; its arcs seed the LP (the side rules
    usually move few households), and when nothing else binds it is the optimum itself.
    """
    nc, nn, nt = len(st.class_count), len(st.node_site), len(st.type_count)
    na, ns, ny = len(st.arc_class), len(st.stay_class), len(st.type_arc_node)
    sink = nc + nn + nt
    scale = 100.0
    biggest = np.abs(st.arc_cost).max(initial=0) + np.abs(st.type_arc_cost).max(initial=0)
    unplaced_cost = int(10 * scale * biggest) + int(scale * 1000)
    tails = np.concatenate(
        [st.arc_class, st.stay_class, nc + st.type_arc_node, nc + nn + np.arange(nt), np.arange(nc)]
    )
    heads = np.concatenate(
        [
            nc + st.node_of[st.arc_site, st.class_fit[st.arc_class]],
            nc + nn + st.stay_type,
            nc + nn + st.type_arc_type,
            np.full(nt, sink),
            np.full(nc, sink),
        ]
    )
    caps = np.concatenate(
        [
            st.class_count[st.arc_class],
            np.ones(ns, np.int64),
            st.type_count[st.type_arc_type],
            st.type_count,
            st.class_count,
        ]
    )
    type_arc_cost = st.type_arc_cost.copy()
    type_arc_cost[st.fit_shared_group[st.node_fit[st.type_arc_node]] >= 0] = 0.0
    costs = np.concatenate(
        [
            np.round(st.arc_cost * scale),
            np.round(st.stay_cost * scale),
            np.round(type_arc_cost * scale),
            np.zeros(nt),
            np.full(nc, unplaced_cost),
        ]
    )
    use = np.ones(len(tails), bool)
    if arcs is not None:
        use[:na] = arcs
    idx = np.flatnonzero(use)
    flows = solve_flow(tails[idx], heads[idx], caps[idx], costs[idx], st.class_count, sink + 1)
    if flows is None:
        return np.zeros(na, np.int64), np.zeros(ny, np.int64), int(st.class_count.sum())
    f = np.zeros(len(tails), np.int64)
    f[idx] = flows
    unplaced = int(f[len(tails) - nc :].sum())
    return f[:na], f[na + ns : na + ns + ny], unplaced


def arc_rank(st: Structure, inst: Instance) -> np.ndarray:
    """Per class->site arc, its rank among its class's arcs by cost (0 = cheapest).

    ``arc_rank(st, inst) < k`` is :func:`initial_arcs` with ``per_class=k``: one sort
    serves every ``k`` (the sort is the slow part on millions of arcs).
    """
    n_a = len(st.arc_class)
    if n_a == 0:
        return np.zeros(0, np.int64)
    # ties (households without school, work or preference) are spread over the sites
    spread = (st.arc_site + st.arc_class * 7919) % max(inst.n_sites, 1)
    order = np.lexsort((spread, np.round(st.arc_cost, 9), st.arc_class))
    cls = st.arc_class[order]
    starts = np.searchsorted(cls, np.arange(len(st.class_count)))
    rank = np.empty(n_a, np.int64)
    rank[order] = np.arange(n_a) - starts[cls]
    return rank


def initial_arcs(st: Structure, inst: Instance, per_class: int) -> np.ndarray:
    """Boolean mask over all class->site arcs: the cheapest ``per_class`` of each class."""
    return arc_rank(st, inst) < per_class


def initial_type_arcs(
    st: Structure, special: np.ndarray, network_flow: np.ndarray, per_node: int
) -> np.ndarray:
    """Boolean mask over all type arcs: the ``special`` ones, those the network relaxation
    uses, and the ``per_node`` cheapest of every (site, fit class) node."""
    ny = len(st.type_arc_node)
    order = np.lexsort((np.arange(ny), np.round(st.type_arc_cost, 9), st.type_arc_node))
    starts = np.searchsorted(st.type_arc_node[order], np.arange(len(st.node_site)))
    rank = np.arange(ny) - starts[st.type_arc_node[order]]
    keep = special | (network_flow > 0)
    keep[order[rank < per_node]] = True
    return keep

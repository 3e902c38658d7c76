"""Integer solutions: MIPs over parts of the model, each under a hard deadline.

* **Dives** keep what the LP decides integrally and solve a small MIP over the rest
  (HiGHS branch and cut): first only the classes, nodes and types the fractional part
  touches (``narrow``), then every fractional class with all type arcs free
  (``wide``), then every column of the LP (``columns``). Each dive gets a share of the
  time left, so one slow dive cannot take the whole limit.
* **The exact MIP** over every column whose reduced cost is at most ``incumbent -
  Lasdon bound``: no other column can be in a better solution, so its result is
  proven over all columns.

Every MIP runs through :func:`~opvang_opt.allocation.deadline.call_with_deadline`: a
call that does not return by its deadline (plus a short grace) is killed and counts
as a time-limit stop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from opvang_opt.allocation.columns import ColumnModel, Matrix
from opvang_opt.allocation.deadline import call_with_deadline

DIVE_TIME_SHARE = {"narrow": 0.4, "wide": 0.5, "columns": 1.0}
"""Share of the time left that each dive may use."""


@dataclass
class MIPResult:
    """A MIP's status (0 optimal, 1 time limit, 2 infeasible, other: failed), its values,
    objective and proven dual bound."""

    status: int
    x: np.ndarray | None
    fun: float
    dual_bound: float


def _milp(cost, a, lo, hi, lower, upper, integrality, time_limit, gap):
    return milp(
        cost,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        constraints=LinearConstraint(a, lo, hi) if a.shape[0] else None,
        options={"time_limit": time_limit, "mip_rel_gap": gap, "presolve": True, "disp": False},
    )


def solve_mip(
    model: ColumnModel,
    m: Matrix,
    deadline: float,
    gap: float,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
) -> MIPResult:
    """Solve ``m`` as a MIP (school columns continuous) within ``deadline``, hard."""
    t = time.perf_counter()
    n = len(m.cost)
    integrality = np.ones(n, np.uint8)
    integrality[m.offsets["school"] : m.offsets["unplaced"]] = 0
    lower = np.zeros(n) if lower is None else lower
    upper = m.upper if upper is None else upper
    limit = max(deadline - time.perf_counter(), 0.05)
    try:
        res = call_with_deadline(
            lambda: _milp(m.cost, m.a, m.lo, m.hi, lower, upper, integrality, limit, gap),
            deadline,
        )
    finally:
        model.timers["mip"] += time.perf_counter() - t
    if res is None:
        return MIPResult(1, None, np.inf, -np.inf)
    fun = float(res.fun) if res.x is not None else np.inf
    dual = getattr(res, "mip_dual_bound", None)
    return MIPResult(int(res.status), res.x, fun, float(dual) if dual is not None else -np.inf)


def dive_bounds(
    model: ColumnModel, m: Matrix, lp_x: np.ndarray, upper: np.ndarray, *, narrow: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds of a dive: integral LP values fixed, the fractional part free.

    Every class with a fractional arc, stay or unplaced column is free over all its
    arcs, stay and unplaced column; shared units and school columns are always free.
    ``narrow``: the type arcs stay fixed too, except those out of the nodes such classes
    can reach and out of nodes with fractional type arcs; otherwise every type arc is
    free.
    """
    st = model.st
    off = m.offsets
    frac = np.abs(lp_x - np.round(lp_x)) > 1e-6
    frac[off["school"] : off["unplaced"]] = False  # school columns are continuous
    classes = np.zeros(len(st.class_count), bool)
    classes[st.arc_class[m.arcs[m.part(frac, "arc")]]] = True
    classes[st.stay_class[m.part(frac, "stay")]] = True
    classes[np.flatnonzero(m.part(frac, "unplaced"))] = True
    fix = np.ones(len(lp_x), bool)
    fix[: off["stay"]] = ~classes[st.arc_class[m.arcs]]
    fix[off["stay"] : off["type_arc"]] = ~classes[st.stay_class]
    fix[off["unplaced"] :] = ~classes
    fix[off["shared"] : off["unplaced"]] = False
    if narrow:
        nodes = np.zeros(len(st.node_site), bool)
        free = m.arcs[np.flatnonzero(~fix[: off["stay"]])]
        nodes[st.node_of[st.arc_site[free], st.class_fit[st.arc_class[free]]]] = True
        nodes[st.type_arc_node[m.type_arcs[m.part(frac, "type_arc")]]] = True
        fix[off["type_arc"] : off["shared"]] = ~nodes[st.type_arc_node[m.type_arcs]]
    else:
        fix[off["type_arc"] : off["shared"]] = False
    lower = np.zeros(len(lp_x))
    hi = upper.copy()
    lower[fix] = np.minimum(np.round(lp_x)[fix], hi[fix])
    hi[fix] = lower[fix]
    return lower, hi


@dataclass
class Incumbent:
    """The best integer solution so far, with the model it belongs to."""

    x: np.ndarray
    matrix: Matrix
    objective: float
    found_by: str


def run_dives(
    model: ColumnModel,
    m: Matrix,
    lp_x: np.ndarray,
    upper: np.ndarray,
    deadline: float,
    good_enough,
    stats: dict,
) -> Incumbent | None:
    """The dives in turn until one is ``good_enough`` (see the module docstring)."""
    best: Incumbent | None = None
    gap = model.inst.config.solver.relative_gap
    for dive, share in DIVE_TIME_SHARE.items():
        now = time.perf_counter()
        if now >= deadline:
            break
        if dive == "columns":
            lower, hi = np.zeros(len(upper)), upper
        else:
            lower, hi = dive_bounds(model, m, lp_x, upper, narrow=dive == "narrow")
        r = solve_mip(model, m, now + share * (deadline - now), gap, lower, hi)
        stats[f"dive_{dive}_free_columns"] = int((hi > lower).sum())
        stats[f"dive_{dive}_seconds"] = round(time.perf_counter() - now, 3)
        if r.x is not None and (best is None or r.fun < best.objective - 1e-9):
            best = Incumbent(r.x, m, r.fun, dive)
            stats["dive_objective"] = round(r.fun, 6)
            stats["dive"] = dive
        if best is not None and good_enough(best.objective):
            break
    return best

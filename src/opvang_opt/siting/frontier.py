"""Exact trade-off frontiers of the shortlist by the epsilon-constraint method.

Quality is the mean score (0-100) per needed place: the people objective divided by the
target (see :mod:`.shortlist`). Every rule of the scenario holds at every point, including
irredundancy. Each point carries its shortlist.

* :func:`cost_frontier`: the highest quality for each budget. Start without a cost limit;
  solve "highest quality, then lowest cost" (one exact lexicographic objective); record the
  point; demand a cost at least one euro lower; repeat until no shortlist remains. Every
  point is Pareto-optimal, and no Pareto-optimal (cost, quality) pair lies between two
  consecutive points.
* :func:`sites_frontier`: the same with the number of sites as the epsilon constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from opvang_opt.siting.shortlist import (
    _EXACT_DOUBLE,
    _MAX_COEF,
    ShortlistProblem,
    _build,
    _cost_int,
    _quality_expr,
    _solver,
    _status,
    quality,
)
from opvang_opt.status import SolveStatus


@dataclass(frozen=True)
class FrontierPoint:
    """One point of a frontier: the epsilon bound, the verdict and the shortlist."""

    frontier: str
    """"cost" or "sites"."""
    epsilon: float
    """The bound on cost (EUR) or number of sites that was imposed (inf: none)."""
    status: SolveStatus
    selected: np.ndarray
    quality: float
    cost: float
    n_sites: int
    capacity: int


def _point(
    p: ShortlistProblem, kind: str, bound: int | None, time_limit: float, seed: int
) -> tuple[SolveStatus, np.ndarray | None]:
    """Highest quality under the bound, then lowest cost (cost) or fewest sites (sites)."""
    q = replace(p, objective="people", min_quality=p.min_quality)
    mod = _build(
        q,
        max_cost=bound if kind == "cost" else None,
        max_count=bound if kind == "sites" else None,
        places=True,
    )
    if mod.y is None:  # target 0: nothing to weigh
        return SolveStatus.INFEASIBLE, None
    qual = _quality_expr(q, mod)
    if kind == "cost":
        cost = _cost_int(q)
        w = int(cost.clip(0).sum()) + 1
        second = sum(int(c) * xi for c, xi in zip(cost, mod.x, strict=True))
    else:
        w = q.n + 1
        second = sum(mod.x)
    magnitude = w * (int(q.quality_weights().max(initial=0)) * max(q.target, 0) + 1)
    if magnitude >= _MAX_COEF:  # too large for one 64-bit objective: the quality alone
        mod.m.maximize(qual)
    else:
        mod.m.maximize(w * qual - second)
    solver = _solver(time_limit, 1, seed)
    status = _status(solver.solve(mod.m), mod.m)
    if not status.has_solution:
        return status, None
    sel = np.array([bool(solver.value(v)) for v in mod.x])
    if status is SolveStatus.OPTIMAL and magnitude > _EXACT_DOUBLE:
        # CP-SAT's optimality test is in doubles: the tie-breaker gets its own solve
        mod.m.add(qual == round(solver.value(qual)))
        mod.m.minimize(second)
        for xi, h in zip(mod.x, sel, strict=True):
            mod.m.add_hint(xi, bool(h))
        again = _solver(time_limit, 1, seed)
        if _status(again.solve(mod.m), mod.m) is SolveStatus.OPTIMAL:
            sel = np.array([bool(again.value(v)) for v in mod.x])
    return status, sel


def _frontier(
    p: ShortlistProblem, kind: str, max_points: int, time_limit: float, seed: int
) -> list[FrontierPoint]:
    if kind == "cost" and p.cost is None:
        return []
    cost = _cost_int(p)
    out: list[FrontierPoint] = []
    bound: int | None = None
    while len(out) < max_points:
        status, sel = _point(p, kind, bound, time_limit, seed)
        if sel is None:
            break
        c = int(cost[sel].sum())
        k = int(sel.sum())
        out.append(
            FrontierPoint(
                kind, float("inf") if bound is None else bound / (100.0 if kind == "cost" else 1),
                status, sel,
                quality(p, sel), float(np.asarray(p.cost)[sel].sum()) if p.cost is not None
                else 0.0, k, int(p.capacity[sel].sum()),
            )
        )  # fmt: skip
        bound = (c if kind == "cost" else k) - 1
        if bound < 0:
            break
    return out


def cost_frontier(
    p: ShortlistProblem, *, max_points: int = 15, time_limit: float = 10.0, seed: int = 0
) -> list[FrontierPoint]:
    """Quality against cost, most expensive (best) point first.

    Examples
    --------
    >>> p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90., 60., 40.]),
    ...     capacity=np.array([10, 10, 10]), target=10, eligible=np.ones(3, bool),
    ...     cost=np.array([300., 200., 100.]))
    >>> [(pt.cost, pt.quality) for pt in cost_frontier(p)]
    [(300.0, 90.0), (200.0, 60.0), (100.0, 40.0)]
    """
    return _frontier(p, "cost", max_points, time_limit, seed)


def sites_frontier(
    p: ShortlistProblem, *, max_points: int = 15, time_limit: float = 10.0, seed: int = 0
) -> list[FrontierPoint]:
    """Quality against the number of sites, most sites (best quality) first.

    Examples
    --------
    >>> p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90., 80., 40.]),
    ...     capacity=np.array([10, 10, 20]), target=20, eligible=np.ones(3, bool))
    >>> [(pt.n_sites, pt.quality) for pt in sites_frontier(p)]
    [(2, 85.0), (1, 40.0)]
    """
    return _frontier(p, "sites", max_points, time_limit, seed)

"""An independent MILP of the shortlist (scipy's HiGHS), for instances too big to enumerate.

The same documented rules as ``_siting_oracle`` (README "Shortlist"), as a MILP: ``x_i``
chosen, ``y_i`` needed places (``y_i <= min(c_i, T) x_i``, ``sum y = T``); irredundancy
``sum_j c_j x_j - c_i <= T - 1`` for a chosen site not forced in (big-M); the objective
solved in lexicographic stages (each stage fixes the one before), so no weighting and no
precision limit: people ``max Q``, then ``min capacity``, then ``min sites``; cost ``min
cents``, then ``max Q``; sites ``min count``, then ``max Q``; score ``max sum``. Q uses the
scores on the documented 0.001-point grid.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from ._siting_oracle import Instance, cents


def solve(inst: Instance) -> tuple[bool, list[float], np.ndarray | None]:
    """(feasible, the optimal lexicographic key, a selection)."""
    n, T = inst.n, inst.target
    c = np.asarray(inst.capacity, float)
    elig = np.asarray(inst.eligible, bool)
    forced = np.asarray(inst.must_include, bool) & elig if inst.must_include else np.zeros(n, bool)
    allowed = (elig & (c > 0)) | forced
    if inst.available is not None:
        allowed &= np.asarray(inst.available, bool)
    if inst.must_exclude is not None:
        allowed &= ~np.asarray(inst.must_exclude, bool)
    if (forced & ~allowed).any():
        return False, [], None
    nv = 2 * n  # x then y
    lb = np.zeros(nv)
    ub = np.concatenate([allowed.astype(float), np.minimum(c, T) * allowed])
    lb[:n] = forced.astype(float)
    integ = np.concatenate([np.ones(n), np.zeros(n)])
    rows: list[tuple[np.ndarray, float, float]] = []

    def row(coef: np.ndarray, lo: float, hi: float) -> None:
        rows.append((coef, lo, hi))

    for i in range(n):  # y_i <= min(c_i, T) x_i
        a = np.zeros(nv)
        a[n + i] = 1
        a[i] = -min(c[i], T)
        row(a, -np.inf, 0)
    a = np.zeros(nv)
    a[n:] = 1
    row(a, T, T)
    capx = np.concatenate([c, np.zeros(n)])
    row(capx, T, np.inf)
    if inst.max_capacity is not None:
        row(capx, -np.inf, inst.max_capacity)
    if inst.budget is not None and inst.cost is not None:
        cc = np.concatenate([[cents(v) for v in inst.cost], np.zeros(n)])
        row(cc, -np.inf, cents(inst.budget))
    count = np.concatenate([np.ones(n), np.zeros(n)])
    if inst.max_sites is not None:
        row(count, -np.inf, inst.max_sites)
    for i, j in inst.conflicts or []:
        a = np.zeros(nv)
        a[i] = a[j] = 1
        row(a, -np.inf, 1)
    if inst.zone is not None and inst.max_per_zone is not None:
        for z in set(inst.zone):
            a = np.zeros(nv)
            a[:n] = np.asarray(inst.zone) == z
            row(a, -np.inf, inst.max_per_zone)
    if inst.irredundant:
        total = c.sum()
        for i in np.flatnonzero(allowed & ~forced):
            big = max(total - c[i] - (T - 1), 0)
            # sum_j c_j x_j - c_i <= T - 1 + big (1 - x_i)
            #   <=> sum_j c_j x_j + big x_i <= T - 1 + c_i + big
            a = capx.copy()
            a[i] += big
            row(a, -np.inf, T - 1 + c[i] + big)
    v = np.round(np.asarray(inst.value, float) * 1000)
    qrow = np.concatenate([np.zeros(n), v])
    if inst.min_quality is not None and inst.objective not in ("score", "score_x_capacity"):
        m = inst.min_quality * T
        row(
            np.concatenate([np.zeros(n), np.asarray(inst.value, float)]),
            m - 1e-9 * max(1, m),
            np.inf,
        )
    o = inst.objective
    if o == "people":
        stages = [-qrow, capx, count]
    elif o == "cost":
        stages = [np.concatenate([[cents(x) for x in inst.cost or [0] * n], np.zeros(n)]), -qrow]
    elif o == "sites":
        stages = [count, -qrow]
    elif o == "score":
        stages = [-np.concatenate([v, np.zeros(n)])]
    else:
        stages = [
            -np.concatenate([np.round(np.asarray(inst.value, float) * c * 1000), np.zeros(n)])
        ]
    key: list[float] = []
    sel = None
    for obj in stages:
        A = np.array([r[0] for r in rows])
        res = milp(obj, constraints=LinearConstraint(A, [r[1] for r in rows], [r[2] for r in rows]),
                   integrality=integ, bounds=Bounds(lb, ub),
                   options={"mip_rel_gap": 0, "time_limit": 60})  # fmt: skip
        if res.status != 0:
            return False, [], None
        val = float(np.round(res.fun, 6))
        key.append(-val)
        sel = res.x[:n] > 0.5
        row(obj, -np.inf, val + 1e-6 * max(1.0, abs(val)))  # keep this stage's optimum
    return True, key, sel

"""A sparse LP/MIP in array form, solved with OR-Tools MathOpt.

The model is handed to MathOpt as a ``ModelProto`` filled straight from numpy
arrays (no Python object per variable or coefficient), and solved with the
low-level MathOpt solver entry point. This keeps model building at the
342-municipality scale, and the thousands of coalition solves of an exact
Shapley value, cheap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import model_pb2, result_pb2
from ortools.math_opt.python import parameters
from pybind11_abseil.status import StatusNotOk

from opvang_opt import solvers
from opvang_opt.status import SolveStatus

_SOLVERS = {
    "highs": parameters.SolverType.HIGHS,
    "scip": parameters.SolverType.GSCIP,
    "glop": parameters.SolverType.GLOP,
}


@dataclass
class SparseLP:
    """``min c x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``.

    ``A`` is given in coordinate form (``rows``, ``cols``, ``vals``); duplicates are summed.
    """

    c: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    offset: float = 0.0

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return len(self.c)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return len(self.row_lb)

    def subset(self, keep_cols: np.ndarray, keep_rows: np.ndarray) -> SparseLP:
        """Return the LP restricted to the kept columns and rows (boolean masks)."""
        col_new = np.cumsum(keep_cols) - 1
        row_new = np.cumsum(keep_rows) - 1
        nz = keep_cols[self.cols] & keep_rows[self.rows]
        return SparseLP(
            c=self.c[keep_cols],
            col_lb=self.col_lb[keep_cols],
            col_ub=self.col_ub[keep_cols],
            integer=self.integer[keep_cols],
            rows=row_new[self.rows[nz]],
            cols=col_new[self.cols[nz]],
            vals=self.vals[nz],
            row_lb=self.row_lb[keep_rows],
            row_ub=self.row_ub[keep_rows],
            offset=self.offset,
        )

    def to_proto(self) -> model_pb2.ModelProto:
        """Return the MathOpt ``ModelProto`` of this LP."""
        n = max(self.n_cols, 1)
        key = self.rows.astype(np.int64) * n + self.cols.astype(np.int64)
        order = np.argsort(key, kind="stable")
        key, vals = key[order], self.vals[order]
        uniq, start = np.unique(key, return_index=True)
        summed = np.add.reduceat(vals, start) if len(vals) else vals
        nonzero = summed != 0
        uniq, summed = uniq[nonzero], summed[nonzero]
        return solvers.model_proto(
            self.c, self.col_lb, self.col_ub, self.integer, uniq // n, uniq % n, summed,
            self.row_lb, self.row_ub, self.offset,
        )  # fmt: skip


@dataclass(frozen=True)
class LPSolution:
    """Result of :func:`solve_lp`."""

    status: SolveStatus
    x: np.ndarray | None
    objective: float
    bound: float
    gap: float
    seconds: float
    solver: str
    detail: str = ""


def solve_lp(
    lp: SparseLP,
    *,
    backend: str = "highs",
    time_limit_s: float = 60.0,
    relative_gap: float = 1e-6,
    seed: int = 0,
) -> LPSolution:
    """Solve a :class:`SparseLP` with MathOpt and return values, status and gap."""
    t0 = time.perf_counter()
    is_mip = bool(lp.integer.any())
    if backend == "glop" and is_mip:
        backend = "highs"
    stype = _SOLVERS[backend]
    params = parameters.SolveParameters(time_limit=solvers.time_limit(time_limit_s))
    if is_mip:
        params.relative_gap_tolerance = relative_gap
        params.absolute_gap_tolerance = 1e-6
    if backend != "glop":
        params.random_seed = seed
    if backend == "scip":
        params.threads = 1
    try:
        res = solvers.solve(lp.to_proto(), stype, params)
    except StatusNotOk as exc:  # pragma: no cover - solver setup errors
        return LPSolution(
            SolveStatus.NO_SOLUTION,
            None,
            math.nan,
            math.nan,
            math.inf,
            time.perf_counter() - t0,
            backend,
            str(exc),
        )
    reason = res.termination.reason
    status = solvers.termination_status(res)
    x = solvers.primal_values(res, lp.n_cols) if status.has_solution else None
    seconds = time.perf_counter() - t0
    if status is SolveStatus.INFEASIBLE:
        return LPSolution(
            SolveStatus.INFEASIBLE,
            None,
            math.nan,
            math.nan,
            math.inf,
            seconds,
            backend,
            res.termination.detail,
        )
    if x is None:
        return LPSolution(
            SolveStatus.NO_SOLUTION,
            None,
            math.nan,
            math.nan,
            math.inf,
            seconds,
            backend,
            res.termination.detail,
        )
    objective = float(lp.c @ x + lp.offset)
    bound = res.termination.objective_bounds.dual_bound
    if not is_mip or not math.isfinite(bound):
        bound = objective if reason == result_pb2.TERMINATION_REASON_OPTIMAL else bound
    gap = abs(objective - bound) / max(abs(objective), 1.0) if math.isfinite(bound) else math.inf
    return LPSolution(
        status, x, objective, float(bound), float(gap), seconds, backend, res.termination.detail
    )

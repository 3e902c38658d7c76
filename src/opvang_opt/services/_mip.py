"""A sparse LP/MIP in array form, solved with OR-Tools MathOpt (HiGHS).

The model goes to MathOpt as a ``ModelProto`` filled straight from numpy arrays (no Python
object per variable), through the low-level solve entry point. The proto, the solve call and
the mapping of MathOpt's termination are shared with the exchange's LP in
:mod:`opvang_opt.solvers`, which imports no stage: the services stage does not import the
exchange (and scipy.stats).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.math_opt import model_pb2
from ortools.math_opt.python import parameters

from opvang_opt import solvers
from opvang_opt.status import SolveStatus


@dataclass(frozen=True)
class SparseMIP:
    """``min c x`` s.t. ``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``, some ``x``
    integer. ``A`` in coordinate form (``rows``, ``cols``, ``vals``); duplicates are summed."""

    c: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray

    @property
    def n_cols(self) -> int:
        """Number of variables."""
        return len(self.c)

    @property
    def n_rows(self) -> int:
        """Number of constraints."""
        return len(self.row_lb)

    def relaxed(self) -> SparseMIP:
        """The LP relaxation (no integer variables)."""
        return replace(self, integer=np.zeros(self.n_cols, dtype=bool))

    def with_rows(
        self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lb: np.ndarray,
        ub: np.ndarray,
    ) -> SparseMIP:  # fmt: skip
        """The model with more rows (``rows`` numbered from 0 for the new ones)."""
        return replace(
            self,
            rows=np.concatenate([self.rows, np.asarray(rows, np.int64) + self.n_rows]),
            cols=np.concatenate([self.cols, np.asarray(cols, np.int64)]),
            vals=np.concatenate([self.vals, np.asarray(vals, float)]),
            row_lb=np.concatenate([self.row_lb, np.asarray(lb, float)]),
            row_ub=np.concatenate([self.row_ub, np.asarray(ub, float)]),
        )

    def to_proto(self) -> model_pb2.ModelProto:
        """The MathOpt ``ModelProto`` (matrix sorted row-major, duplicates summed)."""
        n = max(self.n_cols, 1)
        key = self.rows.astype(np.int64) * n + self.cols.astype(np.int64)
        uniq, inv = np.unique(key, return_inverse=True)
        summed = np.bincount(inv, weights=self.vals, minlength=len(uniq))
        nz = summed != 0
        uniq, summed = uniq[nz], summed[nz]
        return solvers.model_proto(
            self.c, self.col_lb, self.col_ub, self.integer, uniq // n, uniq % n, summed,
            self.row_lb, self.row_ub,
        )  # fmt: skip


@dataclass(frozen=True)
class MIPSolution:
    """Status, values (``None`` without a solution), objective, proven gap and seconds."""

    status: SolveStatus
    x: np.ndarray | None
    objective: float
    gap: float
    seconds: float


def solve_mip(model: SparseMIP, *, time_limit_s: float = 60.0) -> MIPSolution:
    """Solve with HiGHS; optimal means proven (relative gap 0, absolute gap below a cent).

    A time limit with a feasible solution returns ``FEASIBLE`` with its gap.
    """
    t0 = time.perf_counter()
    params = parameters.SolveParameters(time_limit=solvers.time_limit(time_limit_s))
    if model.integer.any():
        params.relative_gap_tolerance = 0.0
        params.absolute_gap_tolerance = 0.5  # costs are whole cents
    res = solvers.solve(model.to_proto(), parameters.SolverType.HIGHS, params)
    status = solvers.termination_status(res)
    seconds = time.perf_counter() - t0
    if status is SolveStatus.INFEASIBLE:
        return MIPSolution(SolveStatus.INFEASIBLE, None, math.nan, math.inf, seconds)
    x = solvers.primal_values(res, model.n_cols) if status.has_solution else None
    if x is None:
        return MIPSolution(SolveStatus.NO_SOLUTION, None, math.nan, math.inf, seconds)
    obj = float(model.c @ x)
    if status is SolveStatus.OPTIMAL:
        return MIPSolution(SolveStatus.OPTIMAL, x, obj, 0.0, seconds)
    bound = res.termination.objective_bounds.dual_bound
    gap = abs(obj - bound) / max(abs(obj), 1.0) if math.isfinite(bound) else math.inf
    return MIPSolution(SolveStatus.FEASIBLE, x, obj, float(gap), seconds)

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
from ortools.math_opt import model_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import callback, init_arguments, model_parameters, parameters
from pybind11_abseil.status import StatusNotOk

from opvang_opt.status import SolveStatus

_SOLVERS = {
    "highs": parameters.SolverType.HIGHS,
    "scip": parameters.SolverType.GSCIP,
    "glop": parameters.SolverType.GLOP,
}

_INIT = init_arguments.StreamableSolverInitArguments().to_proto()
_CB = callback.CallbackRegistration().to_proto()
_MODEL_PARAMS = model_parameters.ModelSolveParameters().to_proto()


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
        n, m = self.n_cols, self.n_rows
        key = self.rows.astype(np.int64) * max(n, 1) + self.cols.astype(np.int64)
        order = np.argsort(key, kind="stable")
        key, vals = key[order], self.vals[order]
        uniq, start = np.unique(key, return_index=True)
        summed = np.add.reduceat(vals, start) if len(vals) else vals
        nonzero = summed != 0
        uniq, summed = uniq[nonzero], summed[nonzero]
        proto = model_pb2.ModelProto()
        var = proto.variables
        var.ids.extend(range(n))
        var.lower_bounds.extend(self.col_lb.tolist())
        var.upper_bounds.extend(self.col_ub.tolist())
        var.integers.extend(self.integer.tolist())
        obj = proto.objective
        obj.offset = float(self.offset)
        cnz = np.flatnonzero(self.c)
        obj.linear_coefficients.ids.extend(cnz.tolist())
        obj.linear_coefficients.values.extend(self.c[cnz].tolist())
        con = proto.linear_constraints
        con.ids.extend(range(m))
        con.lower_bounds.extend(self.row_lb.tolist())
        con.upper_bounds.extend(self.row_ub.tolist())
        mat = proto.linear_constraint_matrix
        mat.row_ids.extend((uniq // max(n, 1)).tolist())
        mat.column_ids.extend((uniq % max(n, 1)).tolist())
        mat.coefficients.extend(summed.tolist())
        return proto


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
    params = parameters.SolveParameters(time_limit=_td(time_limit_s))
    if is_mip:
        params.relative_gap_tolerance = relative_gap
        params.absolute_gap_tolerance = 1e-6
    if backend != "glop":
        params.random_seed = seed
    if backend == "scip":
        params.threads = 1
    try:
        res = core_solver.solve(
            lp.to_proto(),
            stype.value,
            _INIT,
            params.to_proto(),
            _MODEL_PARAMS,
            None,
            _CB,
            None,
            None,
        )
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
    status = termination_status(res)
    x = None
    if status.has_solution and res.solutions[0].HasField("primal_solution"):
        ps = res.solutions[0].primal_solution
        x = np.zeros(lp.n_cols)
        ids = np.fromiter(ps.variable_values.ids, dtype=np.int64)
        x[ids] = np.fromiter(ps.variable_values.values, dtype=float)
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


def termination_status(res: result_pb2.SolveResultProto) -> SolveStatus:
    """The project's status of a MathOpt result.

    ``optimal`` only for a proven optimum; ``feasible`` when a limit (time, nodes, ...)
    stopped the solver with a primal solution that MathOpt marks feasible (an *undetermined*
    one is not used); ``infeasible`` when the problem is proven infeasible (for
    "infeasible or unbounded" only when the primal is known infeasible or the dual feasible,
    which rules out unboundedness); ``no_solution`` otherwise (no solution found, unbounded,
    numerical or other errors).
    """
    reason = res.termination.reason
    feasible = (
        bool(res.solutions)
        and res.solutions[0].HasField("primal_solution")
        and (
            res.solutions[0].primal_solution.feasibility_status
            == solution_pb2.SOLUTION_STATUS_FEASIBLE
        )
    )
    if reason == result_pb2.TERMINATION_REASON_OPTIMAL:
        has_primal = bool(res.solutions) and res.solutions[0].HasField("primal_solution")
        return SolveStatus.OPTIMAL if has_primal else SolveStatus.NO_SOLUTION
    if reason == result_pb2.TERMINATION_REASON_INFEASIBLE:
        return SolveStatus.INFEASIBLE
    if reason == result_pb2.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED:
        problem = res.termination.problem_status
        if (
            problem.primal_status == result_pb2.FEASIBILITY_STATUS_INFEASIBLE
            or problem.dual_status == result_pb2.FEASIBILITY_STATUS_FEASIBLE
        ):
            return SolveStatus.INFEASIBLE
        return SolveStatus.NO_SOLUTION  # undetermined: possibly unbounded
    if reason in (result_pb2.TERMINATION_REASON_FEASIBLE, result_pb2.TERMINATION_REASON_IMPRECISE):
        return SolveStatus.FEASIBLE if feasible else SolveStatus.NO_SOLUTION
    return SolveStatus.NO_SOLUTION


def _td(seconds: float):
    import datetime

    return datetime.timedelta(seconds=float(seconds))

"""The OR-Tools MathOpt calls shared by the exchange LP and the services MIP.

Both build a ``ModelProto`` straight from numpy arrays (no Python object per variable or
coefficient) and solve it through MathOpt's low-level entry point; this module holds that
path once: the model in array form (:class:`SparseModel`), the proto, the solve call, the
mapping of MathOpt's termination to :class:`~opvang_opt.status.SolveStatus`, and the
primal values.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

import numpy as np
from ortools.math_opt import model_pb2, result_pb2, solution_pb2
from ortools.math_opt.core.python import solver as core_solver
from ortools.math_opt.python import callback, init_arguments, model_parameters, parameters

from opvang_opt.status import SolveStatus

_INIT = init_arguments.StreamableSolverInitArguments().to_proto()
_CB = callback.CallbackRegistration().to_proto()
_MODEL_PARAMS = model_parameters.ModelSolveParameters().to_proto()

__all__ = [
    "SparseModel",
    "model_proto",
    "primal_values",
    "solve",
    "termination_status",
    "time_limit",
]


@dataclass(frozen=True)
class SparseModel:
    """``min c x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub``,
    the ``x`` marked in ``integer`` integer.

    ``A`` in coordinate form (``rows``, ``cols``, ``vals``); duplicates are summed. The
    exchange's LP and the services' MIP are both this model.
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

    def relaxed(self) -> SparseModel:
        """The LP relaxation (no integer variables)."""
        return replace(self, integer=np.zeros(self.n_cols, dtype=bool))

    def with_rows(
        self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, lb: np.ndarray,
        ub: np.ndarray,
    ) -> SparseModel:  # fmt: skip
        """The model with more rows (``rows`` numbered from 0 for the new ones)."""
        return replace(
            self,
            rows=np.concatenate([self.rows, np.asarray(rows, np.int64) + self.n_rows]),
            cols=np.concatenate([self.cols, np.asarray(cols, np.int64)]),
            vals=np.concatenate([self.vals, np.asarray(vals, float)]),
            row_lb=np.concatenate([self.row_lb, np.asarray(lb, float)]),
            row_ub=np.concatenate([self.row_ub, np.asarray(ub, float)]),
        )

    def subset(self, keep_cols: np.ndarray, keep_rows: np.ndarray) -> SparseModel:
        """The model restricted to the kept columns and rows (boolean masks)."""
        col_new = np.cumsum(keep_cols) - 1
        row_new = np.cumsum(keep_rows) - 1
        nz = keep_cols[self.cols] & keep_rows[self.rows]
        return replace(
            self,
            c=self.c[keep_cols],
            col_lb=self.col_lb[keep_cols],
            col_ub=self.col_ub[keep_cols],
            integer=self.integer[keep_cols],
            rows=row_new[self.rows[nz]],
            cols=col_new[self.cols[nz]],
            vals=self.vals[nz],
            row_lb=self.row_lb[keep_rows],
            row_ub=self.row_ub[keep_rows],
        )

    def to_proto(self) -> model_pb2.ModelProto:
        """The MathOpt ``ModelProto`` (matrix sorted row-major, duplicates summed in the
        order they were given, zeros dropped)."""
        n = max(self.n_cols, 1)
        key = self.rows.astype(np.int64) * n + self.cols.astype(np.int64)
        order = np.argsort(key, kind="stable")
        key, vals = key[order], self.vals[order]
        uniq, start = np.unique(key, return_index=True)
        summed = np.add.reduceat(vals, start) if len(vals) else vals
        nonzero = summed != 0
        uniq, summed = uniq[nonzero], summed[nonzero]
        return model_proto(
            self.c, self.col_lb, self.col_ub, self.integer, uniq // n, uniq % n, summed,
            self.row_lb, self.row_ub, self.offset,
        )  # fmt: skip


def model_proto(
    c: np.ndarray,
    col_lb: np.ndarray,
    col_ub: np.ndarray,
    integer: np.ndarray,
    row_ids: np.ndarray,
    col_ids: np.ndarray,
    coefficients: np.ndarray,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    offset: float = 0.0,
) -> model_pb2.ModelProto:
    """``min c x + offset`` s.t. ``row_lb <= A x <= row_ub``, ``col_lb <= x <= col_ub`` as a
    MathOpt ``ModelProto``.

    ``A`` in coordinate form as MathOpt wants it: sorted row-major, no duplicates
    (:meth:`SparseModel.to_proto` sums them).
    """
    proto = model_pb2.ModelProto()
    var = proto.variables
    var.ids.extend(range(len(c)))
    var.lower_bounds.extend(col_lb.tolist())
    var.upper_bounds.extend(col_ub.tolist())
    var.integers.extend(integer.tolist())
    obj = proto.objective
    obj.offset = float(offset)
    cnz = np.flatnonzero(c)
    obj.linear_coefficients.ids.extend(cnz.tolist())
    obj.linear_coefficients.values.extend(c[cnz].tolist())
    con = proto.linear_constraints
    con.ids.extend(range(len(row_lb)))
    con.lower_bounds.extend(row_lb.tolist())
    con.upper_bounds.extend(row_ub.tolist())
    mat = proto.linear_constraint_matrix
    mat.row_ids.extend(row_ids.tolist())
    mat.column_ids.extend(col_ids.tolist())
    mat.coefficients.extend(coefficients.tolist())
    return proto


def time_limit(seconds: float) -> datetime.timedelta:
    """A time limit for :class:`ortools.math_opt.python.parameters.SolveParameters`."""
    return datetime.timedelta(seconds=float(seconds))


def solve(
    proto: model_pb2.ModelProto,
    solver: parameters.SolverType,
    params: parameters.SolveParameters,
) -> result_pb2.SolveResultProto:
    """Solve ``proto`` with MathOpt's low-level entry point (no callbacks, no messages).

    Raises ``pybind11_abseil.status.StatusNotOk`` when the solver cannot be set up.
    """
    return core_solver.solve(
        proto, solver.value, _INIT, params.to_proto(), _MODEL_PARAMS, None, _CB, None, None
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
    has_primal = bool(res.solutions) and res.solutions[0].HasField("primal_solution")
    feasible = has_primal and (
        res.solutions[0].primal_solution.feasibility_status == solution_pb2.SOLUTION_STATUS_FEASIBLE
    )
    if reason == result_pb2.TERMINATION_REASON_OPTIMAL:
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


def primal_values(res: result_pb2.SolveResultProto, n_cols: int) -> np.ndarray | None:
    """The values of the first primal solution (``None`` without one)."""
    if not res.solutions or not res.solutions[0].HasField("primal_solution"):
        return None
    ps = res.solutions[0].primal_solution
    x = np.zeros(n_cols)
    x[np.fromiter(ps.variable_values.ids, dtype=np.int64)] = np.fromiter(
        ps.variable_values.values, dtype=float
    )
    return x

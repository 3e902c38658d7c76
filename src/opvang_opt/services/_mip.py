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
from dataclasses import dataclass

import numpy as np
from ortools.math_opt.python import parameters

from opvang_opt import solvers
from opvang_opt.solvers import SparseModel
from opvang_opt.status import SolveStatus


@dataclass(frozen=True)
class MIPSolution:
    """Status, values (``None`` without a solution), objective, proven gap and seconds."""

    status: SolveStatus
    x: np.ndarray | None
    objective: float
    gap: float
    seconds: float


def solve_mip(model: SparseModel, *, time_limit_s: float = 60.0) -> MIPSolution:
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

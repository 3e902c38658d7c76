"""MathOpt terminations mapped to the project's SolveStatus (``opvang_opt.solvers``, used by
the exchange's LP and the services' MIP), with real solves.

Before this mapping, a solve stopped by its time limit with a feasible solution came back as
``no_solution`` (the solution's status was compared with the code of "undetermined"), and an
unbounded LP that GLOP reports as "infeasible or unbounded" came back as ``infeasible``.
"""

from __future__ import annotations

import numpy as np
import pytest
from ortools.math_opt import result_pb2, solution_pb2

from opvang_opt.exchange._lp import solve_lp
from opvang_opt.solvers import SparseModel, termination_status
from opvang_opt.status import SolveStatus


def lp(c, col_ub, integer, rows, cols, vals, row_lb, row_ub) -> SparseModel:
    return SparseModel(
        c=np.asarray(c, float),
        col_lb=np.zeros(len(c)),
        col_ub=np.asarray(col_ub, float),
        integer=np.asarray(integer, bool),
        rows=np.asarray(rows, np.int64),
        cols=np.asarray(cols, np.int64),
        vals=np.asarray(vals, float),
        row_lb=np.asarray(row_lb, float),
        row_ub=np.asarray(row_ub, float),
    )


def market_split(m: int = 20, n: int = 40, seed: int = 1) -> SparseModel:
    """Cornuéjols-Dawande market split with penalised slacks: every 0/1 vector is feasible
    (the slacks take up the difference), proving the optimum takes far longer than a second."""
    a = np.random.default_rng(seed).integers(0, 100, (m, n))
    b = a.sum(axis=1) // 2
    rows, cols, vals = [], [], []
    for i in range(m):
        rows += [i] * (n + 2)
        cols += [*range(n), n + i, n + m + i]
        vals += [*a[i].tolist(), 1, -1]
    return lp(
        c=np.r_[np.zeros(n), np.ones(2 * m)],
        col_ub=np.r_[np.ones(n), np.full(2 * m, np.inf)],
        integer=np.r_[np.ones(n, bool), np.zeros(2 * m, bool)],
        rows=rows, cols=cols, vals=vals, row_lb=b, row_ub=b,
    )  # fmt: skip


def test_time_limit_with_a_solution_is_feasible_with_that_solution():
    model = market_split()
    sol = solve_lp(model, time_limit_s=0.5)
    assert sol.status is SolveStatus.FEASIBLE
    x = sol.x
    assert x is not None
    n = 40
    assert np.allclose(x[:n], np.round(x[:n])) and ((x[:n] > -1e-9) & (x[:n] < 1 + 1e-9)).all()
    # the rows hold with the solution's own slacks, and the objective is their sum
    lhs = np.zeros(model.n_rows)
    np.add.at(lhs, model.rows, model.vals * x[model.cols])
    assert np.allclose(lhs, model.row_lb, atol=1e-6)
    assert sol.objective == pytest.approx(float(x[n:].sum()))
    assert sol.bound <= sol.objective + 1e-9


@pytest.mark.parametrize("backend", ["highs", "glop"])
def test_unbounded_lp_is_no_solution_not_infeasible(backend):
    # min -x, x >= 0 unbounded above: GLOP says "infeasible or unbounded" (primal status
    # undetermined), HiGHS says "unbounded"; neither is an infeasible exchange
    sol = solve_lp(lp([-1], [np.inf], [False], [0], [0], [1], [0], [np.inf]), backend=backend)
    assert sol.status is SolveStatus.NO_SOLUTION and sol.x is None


@pytest.mark.parametrize("integer", [False, True])
@pytest.mark.parametrize("backend", ["highs", "glop"])
def test_infeasible_lp_and_mip_are_infeasible(backend, integer):
    # 0 <= x <= 1 and x >= 2
    sol = solve_lp(lp([1], [1], [integer], [0], [0], [1], [2], [np.inf]), backend=backend)
    assert sol.status is SolveStatus.INFEASIBLE and sol.x is None


def _result(reason: int, solution_status: int | None = None, **problem: int):
    res = result_pb2.SolveResultProto()
    res.termination.reason = reason
    for key, value in problem.items():
        setattr(res.termination.problem_status, key, value)
    if solution_status is not None:
        res.solutions.add().primal_solution.feasibility_status = solution_status
    return res


def test_termination_mapping_table():
    feasible, undetermined = (
        solution_pb2.SOLUTION_STATUS_FEASIBLE,
        solution_pb2.SOLUTION_STATUS_UNDETERMINED,
    )
    r = result_pb2
    cases = [
        (_result(r.TERMINATION_REASON_OPTIMAL, feasible), SolveStatus.OPTIMAL),
        (_result(r.TERMINATION_REASON_FEASIBLE, feasible), SolveStatus.FEASIBLE),
        # a limit stopped the solver with a point of unknown feasibility: not a solution
        (_result(r.TERMINATION_REASON_FEASIBLE, undetermined), SolveStatus.NO_SOLUTION),
        (_result(r.TERMINATION_REASON_NO_SOLUTION_FOUND), SolveStatus.NO_SOLUTION),
        (_result(r.TERMINATION_REASON_INFEASIBLE), SolveStatus.INFEASIBLE),
        (
            _result(r.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
                    primal_status=r.FEASIBILITY_STATUS_INFEASIBLE),
            SolveStatus.INFEASIBLE,
        ),
        (
            _result(r.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED,
                    dual_status=r.FEASIBILITY_STATUS_FEASIBLE),
            SolveStatus.INFEASIBLE,  # a feasible dual rules out an unbounded primal
        ),
        (_result(r.TERMINATION_REASON_INFEASIBLE_OR_UNBOUNDED), SolveStatus.NO_SOLUTION),
        (_result(r.TERMINATION_REASON_UNBOUNDED, feasible), SolveStatus.NO_SOLUTION),
        (_result(r.TERMINATION_REASON_NUMERICAL_ERROR, feasible), SolveStatus.NO_SOLUTION),
    ]  # fmt: skip
    assert [termination_status(res) for res, _ in cases] == [want for _, want in cases]


def test_services_mip_keeps_a_time_limited_solution_too():
    from opvang_opt.services._mip import solve_mip

    mip = market_split()
    sol = solve_mip(mip, time_limit_s=0.5)
    assert sol.status is SolveStatus.FEASIBLE and sol.x is not None
    assert sol.objective == pytest.approx(float(sol.x[40:].sum())) and sol.gap > 0

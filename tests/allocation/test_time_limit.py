"""The time limit is a guarantee: a solver call that does not stop is killed.

HiGHS once stayed in presolve for more than 1,500 s under a 60 s limit (issue 12);
such a hang cannot be produced on demand, so the hard deadline itself is tested on a
call that never ends, and the engine end to end under a limit far too short to prove
optimality.
"""

from __future__ import annotations

import os
import time

import pytest

from opvang_opt.allocation import allocate, check_allocation
from opvang_opt.allocation.deadline import GRACE_S, SolverCallError, call_with_deadline
from opvang_opt.allocation.synthetic import make_instance
from opvang_opt.schema import AllocationSolverSettings


def _forever() -> None:
    while True:
        time.sleep(0.01)


def test_a_call_that_never_ends_is_stopped_at_the_deadline():
    t0 = time.perf_counter()
    assert call_with_deadline(_forever, t0 + 0.5, grace=0.2) is None
    assert time.perf_counter() - t0 < 0.5 + 0.2 + 1.0


def test_a_call_that_ends_returns_its_result_and_leaves_no_child():
    assert call_with_deadline(lambda: sum(range(10)), time.perf_counter() + 5) == 45
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was reaped


def test_a_call_that_fails_raises_with_the_childs_traceback():
    def fail() -> None:
        raise ValueError("broken model")

    with pytest.raises(SolverCallError, match="broken model"):
        call_with_deadline(fail, time.perf_counter() + 5)


@pytest.mark.parametrize("limit", [0.3, 1.0])
def test_allocation_respects_a_short_limit(limit):
    si = make_instance(800, 880, 16, seed=3)
    config = si.config.model_copy(
        update={"solver": AllocationSolverSettings(time_limit_s=limit, relative_gap=1e-9)}
    )
    t0 = time.perf_counter()
    res = allocate(**si.tables(), config=config)
    solve_and_build = res.timings.validate + res.timings.build + res.timings.solve
    # the solve ends within the limit plus the kill grace (and a little process overhead)
    assert solve_and_build <= max(limit, 0.5) + GRACE_S + 1.5, time.perf_counter() - t0
    if res.status.value == "no_solution":
        assert len(res.assignments) == 0 and res.gap == float("inf")
        assert (res.unplaced["rule"] == "time_limit").all()
    else:
        # an allocation with an honest gap: the bound is proven, the rules hold
        assert res.bound <= res.objective + 1e-9
        assert res.gap == pytest.approx((res.objective - res.bound) / max(res.objective, 1.0))
        assert check_allocation(res.instance.tables, config, res.assignments).is_ok
        if res.gap > config.solver.relative_gap:
            assert res.status.value != "optimal"

"""'optimal' means proven optimal: a loose ``relative_gap`` stops the solver early, and the
plan it returns is ``feasible`` with its gap, never ``optimal``."""

from __future__ import annotations

from opvang_opt.planning.model import OPTIMAL_GAP
from opvang_opt.planning.solve import plan
from opvang_opt.planning.synthetic import synthetic_instance
from opvang_opt.status import SolveStatus


def test_a_plan_stopped_at_a_loose_gap_is_feasible_not_optimal() -> None:
    # 12 sites x 8 periods: with a 30 % stopping gap HiGHS stops at its first plans,
    # several per cent above its bound (it says "optimal" for "within the tolerance").
    res = plan(
        synthetic_instance(12, 8, 2, 2), relative_gap=0.3, method="mip", baseline=False,
        time_limit_s=30,
    )  # fmt: skip
    assert res.gap is not None and res.gap > OPTIMAL_GAP
    assert res.status is SolveStatus.FEASIBLE


def test_the_same_instance_solved_to_the_end_is_optimal() -> None:
    res = plan(synthetic_instance(12, 8, 2, 2), method="mip", baseline=False, time_limit_s=60)
    assert res.status is SolveStatus.OPTIMAL and res.gap is not None and res.gap <= OPTIMAL_GAP

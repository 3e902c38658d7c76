"""Invariants over random instances (hypothesis): every plan keeps every rule, costs what
the checker recomputes, and is never dearer than the greedy baseline."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opvang_opt.planning import check_plan, plan, plan_costs
from opvang_opt.planning.synthetic import synthetic_instance


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    sites=st.integers(2, 8),
    periods=st.integers(1, 6),
    munis=st.integers(1, 3),
    groups=st.integers(1, 3),
    scale=st.sampled_from([0.5, 1.0, 2.0]),
    budget=st.sampled_from([None, 2_000_000.0]),
)
def test_plan_keeps_every_rule_and_beats_greedy(
    seed: int, sites: int, periods: int, munis: int, groups: int, scale: float,
    budget: float | None,
) -> None:  # fmt: skip
    inst = synthetic_instance(sites, periods, munis, groups, seed=seed, task_scale=scale,
                              budget_eur_per_year=budget)  # fmt: skip
    res = plan(inst, time_limit_s=20)
    assert res.plan is not None
    report = check_plan(inst, res.plan)
    assert report.is_ok, report.violations
    assert report.objective == res.costs.total == plan_costs(inst, res.plan).total
    assert res.baseline is not None and res.baseline.check.is_ok
    assert res.costs.total <= res.baseline.costs.total
    if res.status.value == "optimal":
        assert res.gap is not None and res.gap <= 1e-6

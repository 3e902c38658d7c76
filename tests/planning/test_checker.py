"""The checker against an independent list of the rules: a plan changed at random is
rejected by :func:`check_plan` exactly when it breaks a documented rule."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opvang_opt.planning import check_plan, plan
from opvang_opt.planning.instance import Plan, PlanningInstance
from tests.planning._helpers import instance, site
from tests.planning._independent import broken_rules
from tests.planning.test_independent import instances

ARRAYS = ("units", "built", "moved_in", "moved_out", "closed", "assigned", "unmet")


def canonical_flags(inst: PlanningInstance, p: Plan) -> Plan:
    """Open from the first to the last period with units (an existing site from the
    first period), started at the first (as the planning stage records them)."""
    p = dataclasses.replace(p, open=np.zeros_like(p.open), start=np.zeros_like(p.start))
    for s, here in enumerate(inst.sites):
        used = np.flatnonzero(p.units[s] > 0)
        if len(used):
            first = 0 if here.existing else int(used[0])
            p.open[s, first : int(used[-1]) + 1] = True
            p.start[s, first] = True
    return p


def test_checker_rejects_units_built_on_one_site_and_moved_out_at_once() -> None:
    """Regression: 2 units stand on A; A builds 4 (cheap) and moves 4 out to B in the same
    period, keeping 2. Every balance adds up, but only units that stood on A may leave
    it; the checker accepted the plan."""
    a = site("A", max_units=4, initial=2, build=100, move=10)
    b = site("B", max_units=4, build=500, move=10)
    inst = instance([a, b], [6], unmet_day=(50,))
    p = Plan.empty(inst)
    p.units[:, 0] = [2, 4]
    p.built[0, 0] = 4
    p.moved_out[0, 0] = 4
    p.moved_in[1, 0] = 4
    p.assigned[:, 0, 0] = [2, 4]
    p = canonical_flags(inst, p)
    report = check_plan(inst, p)
    assert [v.rule for v in report.violations] == ["balance"]
    assert broken_rules(inst, p) == ["leaving 0 0"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(inst=instances(), data=st.data())
def test_checker_rejects_exactly_the_plans_that_break_a_rule(
    inst: PlanningInstance, data: st.DataObject
) -> None:
    res = plan(inst, time_limit_s=30, baseline=False)
    if res.plan is None:
        return
    p = dataclasses.replace(res.plan, **{n: getattr(res.plan, n).copy() for n in ARRAYS})
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(ARRAYS))
        arr = getattr(p, name)
        idx = tuple(data.draw(st.integers(0, d - 1)) for d in arr.shape)
        arr[idx] += data.draw(st.sampled_from([-2, -1, 1, 2, 3]))
    p = canonical_flags(inst, p)
    expected = broken_rules(inst, p)
    report = check_plan(inst, p)
    assert report.is_ok == (not expected), (expected, report.violations)

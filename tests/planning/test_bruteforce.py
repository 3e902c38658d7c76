"""Small instances: the MIP's optimum equals an independent exhaustive search."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.planning import check_plan, plan
from opvang_opt.planning.model import solve_model
from tests.planning._helpers import brute_force, instance, site


def random_tiny(seed: int):
    """2-3 sites, 3 periods, 1-2 groups, 1-2 municipalities, small integer costs."""
    rng = np.random.default_rng(seed)
    T = 3
    G = int(rng.integers(1, 3))
    M = int(rng.integers(1, 3))
    S = int(rng.integers(2, 4))
    sites = []
    for s in range(S):
        existing = s == 0 and rng.random() < 0.6
        block = int(rng.choice([1, 2]))
        sites.append(
            site(
                f"S{s}",
                mu=s % M,
                max_units=block * int(rng.integers(1, 3)),
                block=block,
                first=0 if existing else int(rng.integers(0, 2)),
                last=int(rng.integers(0, T)) if existing else T - 1,
                permit=int(rng.integers(1, 4)),
                initial=block if existing else 0,
                opening=0 if existing else int(rng.integers(0, 400)),
                build=int(rng.integers(50, 300)),
                move=int(rng.integers(5, 60)),
                close=int(rng.integers(0, 30)),
                running=int(rng.integers(0, 200)),
                groups=tuple(bool(x) for x in (rng.random(G) < 0.7) | (np.arange(G) == s % G)),
            )
        )
    tasks = rng.integers(0, 5, size=(T, M, G))
    hard = tuple(bool(rng.random() < 0.2) for _ in range(G))
    budgets = {2027: int(rng.integers(100, 500))} if rng.random() < 0.3 else {}
    return instance(
        sites,
        tasks,
        ppu=tuple(int(x) for x in rng.integers(1, 3, size=G)),
        unmet_day=tuple(int(x) for x in rng.integers(1, 4, size=G)),
        hard=hard,
        discount=float(rng.choice([1.0, 0.9])),
        budgets=budgets,
    )


@pytest.mark.parametrize("seed", range(30))
def test_optimum_equals_brute_force(seed: int) -> None:
    inst = random_tiny(seed)
    expected = brute_force(inst)
    out = solve_model(inst, relative_gap=0.0)
    if expected == float("inf"):
        assert out.plan is None and out.status.value == "infeasible"
        return
    assert out.status.value == "optimal"
    assert out.objective == expected
    report = check_plan(inst, out.plan, claimed_objective=out.objective)
    assert report.is_ok, report.violations


@pytest.mark.parametrize("seed", [1, 7, 12, 23])
@pytest.mark.parametrize("backend", ["cpsat", "scip"])
def test_other_backends_agree_with_brute_force(seed: int, backend: str) -> None:
    inst = random_tiny(seed)
    expected = brute_force(inst)
    out = solve_model(inst, backend=backend, relative_gap=0.0)  # type: ignore[arg-type]
    if expected == float("inf"):
        assert out.plan is None
    else:
        assert out.objective == expected


@pytest.mark.parametrize("seed", range(0, 30, 5))
def test_plain_formulation_has_the_same_optimum(seed: int) -> None:
    inst = random_tiny(seed)
    tight = solve_model(inst, relative_gap=0.0)
    plain = solve_model(inst, formulation="plain", relative_gap=0.0)
    assert tight.objective == plain.objective


@pytest.mark.parametrize("seed", range(10))
def test_stage_result_is_checked_and_no_worse_than_greedy(seed: int) -> None:
    inst = random_tiny(seed)
    res = plan(inst, relative_gap=0.0)
    if res.plan is None:
        return
    assert res.check is not None and res.check.is_ok
    assert res.baseline is not None
    if not any(inst.hard):
        assert res.costs.total <= res.baseline.costs.total

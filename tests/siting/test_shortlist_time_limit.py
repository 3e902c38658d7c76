"""A shortlist stopped by its time limit does not spend the limit again on its diagnosis.

Before the fix, each probe of the diagnosis (the most capacity without each rule) got
the whole time limit again: with a 1 s limit on 1,000 sites the run took 5 s
(``benchmarks/bench_time_limit.py``). The wall time is a benchmark's matter; here the
number of probes made after the limit passed is counted.
"""

from __future__ import annotations

import numpy as np

from opvang_opt.siting import shortlist
from opvang_opt.siting.shortlist import ShortlistProblem, solve_shortlist
from opvang_opt.status import SolveStatus


def _problem(n: int = 400, seed: int = 3) -> ShortlistProblem:
    """Sites with a budget, a maximum count, zones and separation (four rule families);
    the target is reachable (the 40 largest sites hold far more than it)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20_000, (n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    a, b = np.nonzero(np.triu(d < 800.0, 1))
    return ShortlistProblem(
        ids=np.array([f"S{i:04d}" for i in range(n)]),
        value=np.round(rng.uniform(20, 100, n), 3),
        capacity=rng.integers(5, 80, n),
        target=600,
        eligible=np.ones(n, dtype=bool),
        cost=np.round(rng.uniform(2e5, 4e6, n)),
        budget=4.0e7,
        max_sites=40,
        conflicts=np.column_stack([a, b]),
        conflict_distance=d[a, b],
        min_distance=800.0,
        zone=np.array([f"W{int(x // 4000)}{int(y // 4000)}" for x, y in xy]),
        max_per_zone=3,
    )


def test_a_shortlist_stopped_by_the_limit_probes_no_rule_after_it(monkeypatch):
    probes: list[frozenset[str]] = []
    real = shortlist._max_capacity

    def counted(p, drop, time_limit, workers, seed):
        probes.append(drop)
        return real(p, drop, time_limit, workers, seed)

    monkeypatch.setattr(shortlist, "_max_capacity", counted)
    sol = solve_shortlist(_problem(), time_limit=1e-6, workers=2, seed=1)
    # nothing found within the limit: said so, not "infeasible"
    assert sol.status is SolveStatus.NO_SOLUTION
    # only the most capacity under every rule was looked for, no rule left out after it
    assert probes == [frozenset()]


def test_an_infeasible_target_still_names_the_rules_holding_it_back():
    # without a time limit in the way, the diagnosis probes every rule as before: the
    # target is beyond the 40 sites allowed (each holds at most 79 places)
    p = _problem()
    p = ShortlistProblem(**{**p.__dict__, "target": 40 * 79 + 1})
    sol = solve_shortlist(p, time_limit=20.0, workers=2, seed=1)
    assert sol.status is SolveStatus.INFEASIBLE
    assert any(m.code == "siting.diagnosis.without" for m in sol.diagnosis)

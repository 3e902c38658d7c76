"""Shortlists whose weighted objective does not fit CP-SAT's 64-bit integers.

The lexicographic objectives are solved as one weighted sum (primary times a weight
above the secondary's range, plus the secondary). With many places, costly sites or a
large spread, that sum passes 2^62 and CP-SAT cannot take it. The shortlist then solves
the primary alone and the tie-breaker after it with the primary fixed: the same
lexicographic optimum. It used to stop with a plain ValueError (an internal error to the
user). Each case is compared with the independent brute-force oracle
(``_siting_oracle.py``, written from the README): the same optimum, every rule kept.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from opvang_opt.siting.frontier import cost_frontier
from opvang_opt.siting.shortlist import solve_shortlist
from tests.independent._siting_gen import compare, to_problem
from tests.independent._siting_oracle import Instance, best, evaluate, keys


def _wide(objective: str, seed: int) -> Instance:
    """Target 100,000 places on sites of 10^6 places costing EUR 10^9 each: for cost,
    the weight (quality range, about 10^8) times the summed cents (about 10^12) is far
    above 2^62 (4.6 x 10^18); for people, the weights of the overshoot and site count
    times the quality range likewise."""
    rng = random.Random(seed)
    n = 8
    return Instance(
        value=[float(rng.randint(0, 100)) for _ in range(n)],
        capacity=[rng.choice([60_000, 10**6, 10**7, 99_999]) for _ in range(n)],
        target=100_000,
        eligible=[True] * n,
        cost=[float(rng.choice([1e9, 2e9, 5e8, 999_999_999.99])) for _ in range(n)],
        objective=objective,
        conflicts=[(0, 1)],
        irredundant=rng.random() < 0.5,
    )


@pytest.mark.parametrize("objective", ["cost", "people"])
@pytest.mark.parametrize("seed", range(4))
def test_wide_objective_equals_brute_force(objective: str, seed: int) -> None:
    inst = _wide(objective, seed)
    assert compare(inst, random.Random(seed)) == []


def test_wide_cost_prefers_quality_among_equal_costs() -> None:
    # two cheapest ways at the same cost: the oracle's tie-breaker (higher quality)
    # decides, which only the second solve with the cost fixed can see
    inst = Instance(
        value=[10.0, 90.0, 50.0],
        capacity=[100_000, 100_000, 100_000],
        target=100_000,
        eligible=[True, True, True],
        cost=[4e9, 4e9, 5e9],
        objective="cost",
    )
    sol = solve_shortlist(to_problem(inst), time_limit=20.0, workers=1)
    assert np.asarray(sol.selected, bool).tolist() == [False, True, False]
    ev = evaluate(inst)
    opt, key = best(inst, ev)
    assert ev.s[opt[0]].tolist() == [False, True, False]
    assert keys(inst, ev)[opt[0]].tolist() == key.tolist()


def test_wide_cost_frontier_runs() -> None:
    # the cost frontier weighs quality against summed cents in one objective too
    inst = _wide("people", 1)
    points = cost_frontier(to_problem(inst), max_points=3, time_limit=20.0)
    assert points, "a frontier point was expected: the instance is feasible"
    ev = evaluate(inst)
    best_q = ev.q_grid[ev.feasible].max()
    # the first point has no cost bound: the best quality of any feasible shortlist
    first = points[0].selected
    row = int((np.asarray(first, bool) * (1 << np.arange(inst.n))).sum())
    assert ev.q_grid[row] == best_q

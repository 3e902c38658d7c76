"""SMAA of the rule that is used: every weight sample re-solves the CP-SAT shortlist."""

from __future__ import annotations

import numpy as np

from opvang_opt.siting.robustness import (
    ShortlistRule,
    one_at_a_time,
    rule_smaa,
    sample_weights,
    solve_samples,
)
from opvang_opt.siting.shortlist import ShortlistProblem, objective_key, solve_shortlist


def instance(seed: int = 4, n: int = 14) -> tuple[ShortlistRule, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 1, size=(n, 3))
    p = ShortlistProblem(
        ids=np.array([f"s{i:02d}" for i in range(n)]), value=np.zeros(n),
        capacity=rng.integers(5, 40, n), target=60, eligible=rng.random(n) > 0.15,
        cost=rng.uniform(1e5, 1e6, n).round(), budget=2.5e6, max_sites=4,
        zone=rng.choice(["A", "B"], n), max_per_zone=2,
    )  # fmt: skip
    rule = ShortlistRule(p, values, "weighted_sum", "optimise", seed=3)
    return rule, np.array([0.5, 0.3, 0.2])


def test_every_sample_is_the_rules_own_optimum() -> None:
    rule, w = instance()
    samples = sample_weights(w, 60, spread=0.4, seed=1)
    chosen = rule.select(w)
    res = rule_smaa(rule, samples, chosen, workers=1)
    for s, sel in zip(samples, res.selections, strict=True):
        # independent of the warm start and the reused model: a fresh cold solve
        p, _ = rule.scored(s)
        fresh = solve_shortlist(p, workers=1, explain=False)
        assert objective_key(p, sel) == objective_key(p, fresh.selected)
    assert np.allclose(res.share, res.selections.mean(axis=0))
    # shortlists and shares come from the selections
    for members, share in res.shortlists:
        rows = [set(rule.problem.ids[r]) == set(members) for r in res.selections]
        assert share == np.mean(rows)
    assert set(res.stable_core) == set(rule.problem.ids[res.share >= 0.9])


def test_processes_give_the_same_answer_as_one() -> None:
    rule, w = instance()
    samples = sample_weights(w, 80, spread=0.4, seed=2)
    chosen = rule.select(w)
    one = solve_samples(rule, samples, workers=1, start=chosen)
    two = solve_samples(rule, samples, workers=2, start=chosen)
    assert (one == two).all()


def test_zero_spread_reproduces_the_chosen_shortlist() -> None:
    rule, w = instance()
    chosen = rule.select(w)
    res = rule_smaa(rule, np.tile(w, (30, 1)), chosen, workers=1)
    assert res.chosen_share == 1.0
    assert set(res.stable_core) == set(rule.problem.ids[chosen])


def test_one_at_a_time_with_the_same_rule() -> None:
    # A = (1, 0), B = (0, 1), one site meets the target. Under the people objective with
    # weights (0.6, 0.4) A scores 60 and B 40; B takes over when w1 < 0.5 (change -0.1).
    p = ShortlistProblem(
        ids=np.array(["A", "B"]), value=np.zeros(2), capacity=np.array([10, 10]), target=10,
        eligible=np.ones(2, bool),
    )  # fmt: skip
    values = np.array([[1.0, 0.0], [0.0, 1.0]])
    rule = ShortlistRule(p, values, "weighted_sum", "optimise")
    df = one_at_a_time(
        values, np.array([0.6, 0.4]), p.capacity, p.target,
        shortlist_fn=lambda w: np.flatnonzero(rule.select(w)), ids=p.ids,
    )  # fmt: skip
    row = df.iloc[0]
    assert row.direction == "down" and abs(row.change + 0.1) < 1e-3
    assert row.leaving == ["A"] and row.entering == ["B"]

"""The people-weighted shortlist and the other objectives, against brute force over every
subset (an independent re-implementation of the rules and objectives, not the solver's),
and the frontiers and counterfactuals the same way."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from opvang_opt.siting.frontier import cost_frontier, sites_frontier
from opvang_opt.siting.shortlist import (
    ShortlistProblem,
    check_shortlist,
    counterfactuals,
    optimise_rule,
    solve_shortlist,
    top_score,
)
from opvang_opt.texts import render

OBJECTIVES = ["people", "cost", "sites", "spread", "score", "score_x_capacity"]


def random_problem(seed: int, objective: str, n: int = 10, **kw) -> ShortlistProblem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3000, size=(n, 2))
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    close = [(i, j) for i in range(n) for j in range(i + 1, n) if dist[i, j] < 400]
    cap = rng.integers(0, 60, n)  # zero capacity happens
    base = dict(
        ids=np.array([f"s{i}" for i in range(n)]),
        value=np.round(rng.uniform(20, 95, n), 2),
        capacity=cap,
        target=int(rng.integers(40, 120)),
        eligible=rng.random(n) > 0.1,
        cost=np.round(rng.uniform(1e5, 2e6, n), 0),
        budget=float(rng.choice([4e6, 8e6, 1e9])),
        max_sites=int(rng.choice([3, 5, 10])),
        conflicts=np.array(close, dtype=np.int64).reshape(-1, 2),
        conflict_distance=np.array([dist[i, j] for i, j in close]),
        min_distance=400.0,
        zone=rng.choice(["W1", "W2", "W3"], n),
        max_per_zone=int(rng.choice([2, 3, 4])),
        available=rng.random(n) > 0.1,
        distance=dist,
        objective=objective,
    )
    if seed % 3 == 0:
        base["must_include"] = np.arange(n) == int(rng.integers(n))
    if seed % 5 == 2:
        base["must_exclude"] = np.arange(n) == int(rng.integers(n))
    if seed % 4 == 1:
        base["max_capacity"] = int(base["target"]) + 40
    if objective in ("cost", "sites") and seed % 2 == 0:
        base["min_quality"] = 50.0
    base.update(kw)
    return ShortlistProblem(**base)


# ------------------------------------------------------------- independent re-implementation


def feasible(p: ShortlistProblem, sel: np.ndarray, *, irredundant: bool | None = None) -> bool:
    irr = p.irredundant if irredundant is None else irredundant
    idx = np.flatnonzero(sel)
    forced = np.zeros(p.n, bool) if p.must_include is None else p.must_include & p.eligible
    for i in idx:
        if not p.eligible[i] or (p.available is not None and not p.available[i]):
            return False
        if p.must_exclude is not None and p.must_exclude[i]:
            return False
        if p.capacity[i] <= 0 and not forced[i]:
            return False
    if (forced & ~sel).any():
        return False
    cap = int(p.capacity[idx].sum())
    if cap < p.target or (p.max_capacity is not None and cap > p.max_capacity):
        return False
    if p.budget is not None and p.cost[idx].sum() > p.budget:
        return False
    if p.max_sites is not None and len(idx) > p.max_sites:
        return False
    if p.distance is not None and p.min_distance is not None:
        for i, j in itertools.combinations(idx, 2):
            if p.distance[i, j] < p.min_distance:
                return False
    if p.zone is not None:
        for z in set(p.zone[idx]):
            if (p.zone[idx] == z).sum() > p.max_per_zone:
                return False
    if irr:  # no non-forced selected site can go while the target holds
        for i in idx:
            if not forced[i] and cap - p.capacity[i] >= p.target:
                return False
    weighs_people = p.objective not in ("score", "score_x_capacity")
    need = np.ceil((p.min_quality or 0) * 1000 * p.target - 1e-9)
    return not (p.min_quality is not None and weighs_people and q_points(p, sel) < need)


def q_points(p: ShortlistProblem, sel: np.ndarray) -> int:
    """Needed places filled best score first; each place worth its score (x1000)."""
    left, total = p.target, 0
    for i in sorted(np.flatnonzero(sel), key=lambda i: -p.value[i]):
        take = min(int(p.capacity[i]), left)
        total += take * round(p.value[i] * 1000)
        left -= take
    return total


def key(p: ShortlistProblem, sel: np.ndarray) -> tuple:
    idx = np.flatnonzero(sel)
    q = q_points(p, sel)
    if p.objective == "people":
        return (q, -(int(p.capacity[idx].sum()) - p.target), -len(idx))
    if p.objective == "cost":
        return (-int(np.round(p.cost[idx]).sum()), q)
    if p.objective == "sites":
        return (-len(idx), q)
    if p.objective == "spread":
        if len(idx) < 2:
            ok = np.flatnonzero(
                p.eligible & p.available & ((p.capacity > 0) | (p.must_include is not None
                                                                and p.must_include))
            )  # fmt: skip
            d = int(np.floor(p.distance[np.ix_(ok, ok)]).max()) if len(ok) > 1 else 0
        else:
            d = min(int(np.floor(p.distance[i, j])) for i, j in itertools.combinations(idx, 2))
        return (d, q)
    w = p.value * (p.capacity if p.objective == "score_x_capacity" else 1)
    return (int(np.round(w[idx] * 1000).sum()),)


def all_feasible(p: ShortlistProblem, **kw) -> list[np.ndarray]:
    out = []
    for bits in itertools.product([False, True], repeat=p.n):
        sel = np.array(bits)
        if feasible(p, sel, **kw):
            out.append(sel)
    return out


# ------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("seed", range(8))
def test_every_objective_equals_brute_force(objective: str, seed: int) -> None:
    p = random_problem(seed, objective)
    sets = all_feasible(p)
    sol = solve_shortlist(p, time_limit=20, workers=1)
    if not sets:
        assert not sol.target_met
        return
    assert sol.status == "optimal" and sol.target_met
    assert key(p, sol.selected) == max(key(p, s) for s in sets)
    assert feasible(p, sol.selected)
    assert check_shortlist(p, sol.selected).is_ok


@pytest.mark.parametrize("seed", range(6))
def test_without_irredundancy_too(seed: int) -> None:
    p = random_problem(seed, "people", irredundant=False)
    sets = all_feasible(p)
    sol = solve_shortlist(p, time_limit=20, workers=1)
    if sets:
        assert key(p, sol.selected) == max(key(p, s) for s in sets)


def test_people_objective_by_hand() -> None:
    # target 100. A (90 points, 100 places) alone: 100 places at 90. B + C (50 points, 99
    # places each): 100 needed places at 50. Places x score prefers B + C (9,900 > 9,000);
    # the people objective takes A. The old score sum fills max_sites: A + B (140), and B
    # is not needed.
    p = ShortlistProblem(ids=np.array(["A", "B", "C"]), value=np.array([90.0, 50.0, 50.0]),
                         capacity=np.array([100, 99, 99]), target=100,
                         eligible=np.ones(3, bool))  # fmt: skip
    assert solve_shortlist(p).selected.tolist() == [True, False, False]
    old = ShortlistProblem(**{**p.__dict__, "objective": "score", "max_sites": 2,
                              "irredundant": False})  # fmt: skip
    assert solve_shortlist(old).selected.tolist() == [True, True, False]


def test_zero_capacity_and_redundant_sites_are_caught() -> None:
    p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([99.0, 50.0, 40.0]),
                         capacity=np.array([0, 30, 30]), target=30, eligible=np.ones(3, bool),
                         budget=1e9, cost=np.array([1.0, 1.0, 1.0]))  # fmt: skip
    sol = solve_shortlist(p)
    assert sol.selected.tolist() == [False, True, False]
    assert sol.binding[0] == "capacity" and sol.binding[2] == "target_met"
    report = check_shortlist(p, np.array([True, True, True]))
    found = {(v.rule, v.where) for v in report.violations}
    assert {("capacity", "a"), ("irredundant", "b"), ("irredundant", "c")} <= found
    # before issue 13 the score objective took the zero-capacity site for its score
    # (99 points); no objective does any more
    old = ShortlistProblem(**{**p.__dict__, "objective": "score", "max_sites": 2,
                              "irredundant": False})  # fmt: skip
    assert not solve_shortlist(old).selected[0]


def test_overshoot_is_explained() -> None:
    p = ShortlistProblem(ids=np.array(["a", "b"]), value=np.array([80.0, 70.0]),
                         capacity=np.array([40, 30]), target=50,
                         eligible=np.ones(2, bool))  # fmt: skip
    sol = solve_shortlist(p)
    assert sol.overshoot == 20 and sol.capacity == 70
    # 70 - 30 = 40 < 50: the smallest site is needed, so the overshoot stays below 30
    note = render(sol.overshoot_note, "nl")
    assert "kleinste gekozen locatie (b, 30)" in note
    assert "tekort 10" in note


def test_top_score_drops_sites_the_target_no_longer_needs() -> None:
    # rank order a (10), b (10), c (100): a + b + c reach 100, but c alone does
    p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90.0, 80.0, 70.0]),
                         capacity=np.array([10, 10, 100]), target=100,
                         eligible=np.ones(3, bool))  # fmt: skip
    sol = top_score(p, np.array([1, 2, 3]))
    assert sol.selected.tolist() == [False, False, True]
    assert sol.binding[0] == "redundant" and sol.binding[1] == "redundant"
    keep = top_score(ShortlistProblem(**{**p.__dict__, "irredundant": False}), np.array([1, 2, 3]))
    assert keep.selected.tolist() == [True, True, True]


def pareto(points: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """(cost, quality) pairs not dominated by another (lower-or-equal cost, higher quality)."""
    out = set()
    for c, q in points:
        if not any((c2 <= c and q2 > q) or (c2 < c and q2 >= q) for c2, q2 in points):
            out.add((c, q))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_cost_and_sites_frontiers_equal_brute_force(seed: int) -> None:
    p = random_problem(seed, "people", n=9, budget=None)
    sets = all_feasible(p)
    costs = [(int(np.round(p.cost[s]).sum()), q_points(p, s)) for s in sets]
    front = cost_frontier(p, max_points=100)
    assert {(round(pt.cost), q_points(p, pt.selected)) for pt in front} == pareto(costs)
    counts = [(int(s.sum()), q_points(p, s)) for s in sets]
    front = sites_frontier(p, max_points=100)
    assert {(pt.n_sites, q_points(p, pt.selected)) for pt in front} == pareto(counts)
    for pt in front:
        assert feasible(p, pt.selected)


@pytest.mark.parametrize("seed", range(6))
def test_counterfactuals_equal_brute_force(seed: int) -> None:
    p = random_problem(seed, "people", n=7)
    sol = solve_shortlist(p, workers=1)
    if not sol.target_met:
        return
    sets = all_feasible(p)
    best = key(p, sol.selected)
    for cf in counterfactuals(p, sol, optimise_rule()):
        i = int(np.flatnonzero(p.ids == cf.site)[0])
        if cf.action == "force_in":
            # j forced in must be needed like any other site
            pool = [s for s in sets if s[i]]
        else:
            pool = [s for s in sets if not s[i]]
        assert cf.feasible == bool(pool)
        if pool:
            top = max(pool, key=lambda s: key(p, s))
            assert cf.loss >= -1e-9
            assert cf.loss == pytest.approx((best[0] - key(p, top)[0]) / 1000 / p.target)
        else:
            assert cf.reason

"""The shortlist at its limits: the minimum distance met exactly, the robustness of the
rule that is used against brute force, and ties broken the same way every time.

* ``min_distance_m`` (schema: "selected sites must be at least this far apart, plot edge
  to plot edge"): two plots exactly that far apart may both be chosen, two plots half a
  metre closer may not (distances measured here with shapely directly).
* ``siting.robustness`` re-solves "the scenario's own rule" for every weight sample
  (README): each sample's shortlist must be optimal, under every rule, for the scores
  that sample gives (weighted sum, 0-100, rounded to 4 decimals as ``ShortlistRule``
  documents), by brute force over every subset (``_siting_oracle.py``); the result
  "does not depend on the number of processes".
* Ties: with ``workers: 1`` "the same scenario always gives the same shortlist".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from opvang_opt.schema import SitingConfig
from opvang_opt.siting.robustness import ShortlistRule, rule_smaa
from opvang_opt.siting.shortlist import ShortlistProblem, solve_shortlist
from opvang_opt.siting.stage import SitingInputs, build_problem

from . import _siting_oracle as oracle


def _config(**shortlist) -> SitingConfig:
    return SitingConfig.model_validate(
        {
            "criteria": [{"name": "a", "kind": "attribute", "column": "a", "weight": 1.0,
                          "value": {"type": "linear", "lower": 0, "upper": 1}}],
            "target": {"amount": 20},
            "shortlist": {"method": "optimise", **shortlist},
        }
    )  # fmt: skip


def test_plots_exactly_the_minimum_distance_apart_may_both_be_chosen():
    """Three 10 m squares on a line: A (x 0-10), B (x 510-520: 500 m from A), C (x
    1,019.5-1,029.5: 499.5 m from B, 1,009.5 m from A). Minimum distance 500 m, each
    holds 10 units, target 20, scores A 50, B 90, C 80. The best pair by quality is B+C
    (170 x 10) but they are 499.5 m apart; next is A+B (140 x 10), exactly 500 m apart,
    which the rule allows; A+C (130 x 10) is worse."""
    geoms = [box(0, 0, 10, 10), box(510, 0, 520, 10), box(1019.5, 0, 1029.5, 10)]
    assert shapely.distance(geoms[0], geoms[1]) == 500.0
    assert shapely.distance(geoms[1], geoms[2]) == 499.5
    sites = gpd.GeoDataFrame(
        {"id": ["A", "B", "C"], "excluded": False, "capacity_units": [10, 10, 10]},
        geometry=geoms,
        crs="EPSG:28992",
    )
    inputs = SitingInputs(longlist=sites, layers={}, id_column="id")
    p = build_problem(_config(min_distance_m=500.0), sites, inputs, np.array([50.0, 90.0, 80.0]))
    assert {tuple(map(int, c)) for c in p.conflicts} == {(1, 2)}
    sol = solve_shortlist(p, workers=1)
    assert sol.status.value == "optimal"
    assert sol.selected.tolist() == [True, True, False]
    # half a metre more and B, C are allowed together
    p2 = build_problem(_config(min_distance_m=499.5), sites, inputs, np.array([50.0, 90.0, 80.0]))
    assert len(p2.conflicts) == 0
    assert solve_shortlist(p2, workers=1).selected.tolist() == [False, True, True]


@st.composite
def rules(draw):
    n = draw(st.integers(2, 7))
    m = draw(st.integers(2, 3))
    values = np.array(
        [[draw(st.sampled_from([0.0, 0.25, 0.5, 0.8, 1.0])) for _ in range(m)] for _ in range(n)]
    )
    capacity = np.array([draw(st.sampled_from([0, 5, 10, 10, 20])) for _ in range(n)])
    objective = draw(st.sampled_from(["people", "cost", "spread"]))
    xs = np.array([draw(st.integers(0, 20)) * 100.0 for _ in range(n)])
    distance = np.abs(xs[:, None] - xs[None, :])
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if distance[i, j] < 300]
    cost = [draw(st.sampled_from([0.0, 100_000.01, 250_000.5, 99_999.99])) for _ in range(n)]
    budget = draw(st.sampled_from([None, 300_000.0, 350_000.51]))
    p = ShortlistProblem(
        ids=np.array([f"S{i}" for i in range(n)]),
        value=np.zeros(n),
        capacity=capacity,
        target=draw(st.integers(1, 40)),
        eligible=np.array([draw(st.integers(0, 5)) > 0 for _ in range(n)]),
        cost=np.array(cost),
        budget=budget,
        conflicts=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        conflict_distance=np.array([distance[i, j] for i, j in pairs]),
        min_distance=300.0,
        max_sites=draw(st.sampled_from([None, 2, 3])),
        objective=objective,
        distance=distance if objective == "spread" else None,
    )
    samples = np.array(
        [[draw(st.sampled_from([0.1, 0.3, 0.5, 1.0])) for _ in range(m)] for _ in range(5)]
    )
    return p, values, samples


def _oracle(p: ShortlistProblem, scores: np.ndarray) -> oracle.Instance:
    return oracle.Instance(
        value=scores.tolist(),
        capacity=[int(c) for c in p.capacity],
        target=p.target,
        eligible=p.eligible.tolist(),
        cost=None if p.cost is None else p.cost.tolist(),
        budget=p.budget,
        max_sites=p.max_sites,
        conflicts=[(int(i), int(j)) for i, j in p.conflicts],
        objective=p.objective,
        distance=None if p.distance is None else p.distance.tolist(),
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rules())
def test_each_robustness_sample_is_optimal_for_its_own_weights(case):
    p, values, samples = case
    rule = ShortlistRule(p, values, "weighted_sum", "optimise")
    chosen = np.zeros(p.n, dtype=bool)
    r1 = rule_smaa(rule, samples, chosen, workers=1)
    for w, sel in zip(samples, r1.selections, strict=True):
        scores = np.round(100.0 * values @ w / w.sum(), 4)
        inst = _oracle(p, scores)
        ev = oracle.evaluate(inst)
        optimal, key = oracle.best(inst, ev)
        if len(optimal) == 0:
            assert not sel.any()  # no shortlist keeps every rule: counted as infeasible
            continue
        row = int((ev.s == sel).all(axis=1).nonzero()[0][0])
        assert ev.feasible[row], (w, sel)
        assert np.allclose(oracle.keys(inst, ev)[row], key, rtol=0, atol=1e-6), (w, sel)
    assert np.allclose(r1.share, r1.selections.mean(axis=0))


def test_ties_give_the_same_shortlist_every_time_and_with_more_processes():
    """Six equal sites (score 50, 10 units, cost EUR 1,000.00), target 20: every pair is
    optimal. The same problem twice, and the robustness run on one or two processes,
    give the same shortlists."""
    n = 6
    p = ShortlistProblem(
        ids=np.array([f"S{i}" for i in range(n)]),
        value=np.full(n, 50.0),
        capacity=np.full(n, 10),
        target=20,
        eligible=np.ones(n, dtype=bool),
        cost=np.full(n, 1000.0),
    )
    first = solve_shortlist(p, workers=1).selected.tolist()
    assert sum(first) == 2
    assert all(solve_shortlist(p, workers=1).selected.tolist() == first for _ in range(3))
    values = np.full((n, 2), 0.5)
    rule = ShortlistRule(p, values, "weighted_sum", "optimise")
    samples = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1], [0.3, 0.7]])
    one = rule_smaa(rule, samples, np.array(first), workers=1)
    two = rule_smaa(rule, samples, np.array(first), workers=2)
    assert (one.selections == two.selections).all()
    assert one.shortlists == two.shortlists

"""Weight sampling, SMAA and one-at-a-time sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.siting.mcda import spotis_distance, topsis, weighted_sum
from opvang_opt.siting.robustness import (
    one_at_a_time,
    sample_weights,
    smaa,
    top_score_shortlist,
)
from opvang_opt.texts import render


def test_sample_weights_dirichlet() -> None:
    w = np.array([1.0, 1.0, 1.0, 1.0])
    a = sample_weights(w, 40_000, spread=0.2, seed=42)
    assert a.shape == (40_000, 4) and np.allclose(a.sum(axis=1), 1.0)
    assert np.array_equal(a, sample_weights(w, 40_000, spread=0.2, seed=42))
    assert not np.array_equal(a, sample_weights(w, 40_000, spread=0.2, seed=43))
    assert a.mean(axis=0) == pytest.approx(0.25, abs=0.003)
    # weights of average size (1/k) get a relative standard deviation of `spread`
    assert a.std(axis=0) / 0.25 == pytest.approx(0.2, rel=0.03)
    uneven = sample_weights(np.array([0.6, 0.3, 0.1, 0.0]), 40_000, spread=0.2, seed=1)
    assert (uneven[:, 3] == 0).all()
    k, wj = 3, np.array([0.6, 0.3, 0.1])
    expected = 0.2 * np.sqrt((1 - wj) / (wj * (k - 1)))
    assert uneven[:, :3].std(axis=0) / wj == pytest.approx(expected, rel=0.05)
    assert np.array_equal(sample_weights(w, 3, spread=0.0, seed=1), np.full((3, 4), 0.25))
    with pytest.raises(ValueError, match="too large"):
        sample_weights(np.array([0.5, 0.5]), 10, spread=1.0, seed=1)


def test_sample_weights_uniform() -> None:
    w = np.array([0.5, 0.3, 0.2])
    u = sample_weights(w, 5_000, spread=0.1, seed=3, method="uniform")
    assert np.allclose(u.sum(axis=1), 1.0)
    ratio = (u / w) / (u / w).mean(axis=1, keepdims=True)
    assert ratio.min() >= 0.9 / 1.1 - 1e-12 and ratio.max() <= 1.1 / 0.9 + 1e-12
    assert np.array_equal(u, sample_weights(w, 5_000, spread=0.1, seed=3, method="uniform"))
    with pytest.raises(ValueError, match="unknown method"):
        sample_weights(w, 5, spread=0.1, seed=3, method="normal")  # type: ignore[arg-type]


def test_top_score_shortlist() -> None:
    scores = np.array([50.0, 90.0, 70.0, 80.0, 80.0])
    cap = np.array([10, 0, 10, 10, 10])
    # site 1 (best) has no capacity; 3 and 4 tie -> id order; 3 + 4 reach 20
    assert top_score_shortlist(scores, cap, 20).tolist() == [3, 4]
    assert top_score_shortlist(scores, cap, 20, ids=[0, 1, 2, 9, 8]).tolist() == [4, 3]
    assert top_score_shortlist(scores, cap, 21).tolist() == [3, 4, 2]
    eligible = np.array([True, True, True, False, True])
    assert top_score_shortlist(scores, cap, 20, eligible=eligible).tolist() == [4, 2]
    assert top_score_shortlist(scores, cap, 1_000).tolist() == [3, 4, 2, 0]


def _reference(v, samples, cap, target, score_fn, eligible, ids):
    """Per-sample loop with the same rules, for comparison."""
    n = v.shape[0]
    el = np.flatnonzero(eligible)
    ranks = np.full((len(samples), n), np.nan)
    short = np.zeros(n)
    for s, w in enumerate(samples):
        sc = score_fn(v, w)
        key = sorted(el, key=lambda i: (-sc[i], ids[i]))
        for r, i in enumerate(key):
            ranks[s, i] = r + 1
        short[top_score_shortlist(sc, cap, target, eligible=eligible, ids=ids)] += 1
    return ranks, short / len(samples)


@pytest.mark.parametrize(
    "score_fn",
    [weighted_sum, topsis, lambda v, w: 100 * (1 - spotis_distance(v, w))],
    ids=["weighted_sum", "topsis", "spotis"],
)
def test_smaa_matches_a_per_sample_loop(score_fn) -> None:
    method = {weighted_sum: "weighted_sum", topsis: "topsis"}.get(score_fn, "spotis")
    rng = np.random.default_rng(5)
    v = rng.uniform(0, 1, (40, 4))
    v[7] = v[3]  # a tie, broken by id
    cap = rng.integers(0, 30, 40).astype(float)
    cap[[3, 11]] = 0
    eligible = np.ones(40, dtype=bool)
    eligible[[5, 20]] = False
    ids = rng.permutation(1000)[:40]
    samples = sample_weights(np.array([0.4, 0.3, 0.2, 0.1]), 300, spread=0.3, seed=9)
    r = smaa(v, samples, cap, 150, method=method, eligible=eligible, ids=ids)
    ranks, short = _reference(v, samples, cap, 150, score_fn, eligible, ids)
    mean = np.array(
        [np.mean(c[~np.isnan(c)]) if eligible[i] else np.nan for i, c in enumerate(ranks.T)]
    )
    assert np.allclose(r.mean_rank, mean, equal_nan=True)
    assert np.allclose(r.shortlist_frequency, short)
    assert np.isnan(r.mean_rank[[5, 20]]).all() and (r.shortlist_frequency[[5, 20]] == 0).all()
    acc = r.rank_acceptability[eligible]
    assert np.allclose(acc.sum(axis=0), 1.0) and np.allclose(acc.sum(axis=1), 1.0)
    for i in np.flatnonzero(eligible)[:10]:
        counts = np.bincount(ranks[:, i].astype(int) - 1, minlength=38) / 300
        assert np.allclose(r.rank_acceptability[i], counts)
    assert r.min_rank[eligible].min() == 1 and r.max_rank[eligible].max() == 38
    assert r.target_reachable and r.n_samples == 300


def test_smaa_small_case_by_hand() -> None:
    v = np.array([[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]])
    samples = np.array([[0.7, 0.3], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    # A wins 0.7/0.3, 0.6/0.4 and the 0.5/0.5 tie (id order); B wins 0.3/0.7.
    r = smaa(v, samples, capacity=np.array([10, 10, 10]), target=10, ids=["A", "B", "C"])
    assert r.rank_acceptability[:, 0].tolist() == [0.75, 0.25, 0.0]
    assert r.shortlist_frequency.tolist() == [0.75, 0.25, 0.0]
    assert r.central_weights[0] == pytest.approx([0.6, 0.4])
    assert r.central_weights[1] == pytest.approx([0.3, 0.7])
    assert np.isnan(r.central_weights[2]).all()
    assert r.modal_shortlist == ("A",) and r.modal_shortlist_frequency == 0.75
    # ranks A: 1, 3, 1, 1; B: 3, 1, 2, 2 (ties B-C at 0.6/0.4 by id); C: 2, 2, 3, 3
    assert r.mean_rank.tolist() == [1.5, 2.0, 2.5]
    df = r.to_frame(ranks=2)
    assert list(df.columns)[-2:] == ["rank_1", "rank_2"] and df["id"].tolist() == ["A", "B", "C"]


def test_smaa_target_out_of_reach_and_truncated_ranks() -> None:
    v = np.random.default_rng(1).uniform(0, 1, (6, 3))
    w = sample_weights(np.ones(3), 50, spread=0.2, seed=2)
    r = smaa(v, w, capacity=np.array([1, 2, 0, 1, 1, 1]), target=100, max_ranks=2)
    assert not r.target_reachable
    assert r.shortlist_frequency.tolist() == [1, 1, 0, 1, 1, 1]
    assert r.rank_acceptability.shape == (6, 2)
    assert r.mean_shortlist_size == 5


def test_smaa_speed_smoke() -> None:
    rng = np.random.default_rng(0)
    v = rng.uniform(0, 1, (1000, 6))
    w = sample_weights(np.ones(6), 2000, spread=0.3, seed=0)
    r = smaa(v, w, rng.integers(0, 50, 1000), 1000)
    assert r.rank_acceptability.shape == (1000, 1000)


def test_one_at_a_time_two_sites_by_hand() -> None:
    # A = (1, 0), B = (0, 1), one site meets the target. With (0.6, 0.4) A is chosen; B takes
    # over once w1 < 0.5 (at 0.5 the tie goes to A by id order): change -0.1. Raising w1
    # never changes anything; for criterion 2 the mirror image.
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    df = one_at_a_time(
        v,
        np.array([0.6, 0.4]),
        np.array([10, 10]),
        10,
        ids=["A", "B"],
        names=["kosten", "afstand"],
        tol=1e-5,
    )
    down0, up0, down1, up1 = (df.iloc[i] for i in range(4))
    assert (down0.criterion, down0.direction) == ("kosten", "down")
    assert -0.1 - 1e-5 <= down0.change < -0.1
    assert down0.new_weight == pytest.approx(0.5, abs=1e-5)
    assert down0.leaving == ["A"] and down0.entering == ["B"]
    assert down0.relative_change == pytest.approx(-0.1 / 0.6, abs=1e-4)
    assert np.isnan(up0.change) and render(up0.note, "en") == "none within 0.4"
    assert np.isnan(down1.change) and render(down1.note, "en") == "none within 0.4"
    assert 0.1 < up1.change <= 0.1 + 1e-5


def test_one_at_a_time_rescales_the_others() -> None:
    # Three criteria, weights (0.5, 0.3, 0.2); A = (1, 0, 0), B = (0, 1, 0). Lowering w1 by d
    # rescales the rest by (0.5 + d) / 0.5, so w2 = 0.3 + 0.6 d. B wins when
    # 0.5 - d < 0.3 + 0.6 d, i.e. d > 0.2 / 1.6 = 0.125.
    v = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    df = one_at_a_time(v, np.array([5.0, 3.0, 2.0]), np.array([1, 1]), 1, tol=1e-6)
    assert df.iloc[0].change == pytest.approx(-0.125, abs=1e-6)
    # raising w3 (worth 0 to both) shrinks w1 and w2 alike: A stays ahead up to w3 = 1 - ...
    row = df[(df.criterion == 2) & (df.direction == "up")].iloc[0]
    assert np.isnan(row.change)


def test_one_at_a_time_custom_shortlist_and_bounds() -> None:
    v = np.array([[1.0, 0.0], [0.0, 1.0]])
    calls = []

    def rule(w: np.ndarray) -> set[int]:
        calls.append(w.copy())
        return {0} if w[0] >= 0.3 else {1}

    df = one_at_a_time(
        v,
        np.array([0.6, 0.4]),
        np.array([1, 1]),
        1,
        shortlist_fn=rule,
        max_change=0.45,
        step=0.05,
        tol=1e-4,
    )
    assert df.iloc[0].change == pytest.approx(-0.3, abs=1e-4)
    assert all(np.isclose(w.sum(), 1.0) for w in calls)
    zero = one_at_a_time(v, np.array([1.0, 0.0]), np.array([1, 1]), 1)
    assert render(zero.iloc[1].note, "en") == "weight already at 1"
    assert render(zero.iloc[2].note, "en") == "weight already at 0"

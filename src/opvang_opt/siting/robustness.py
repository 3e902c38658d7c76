"""How robust are the ranking and the shortlist to the weights? SMAA and one-at-a-time.

The question the council will ask: "what if the weights were a bit different?"

* :func:`sample_weights` draws weight vectors around the chosen ones.
* :func:`smaa` scores every site under every sample (SMAA-2 style) and reports, per site,
  how often it gets each rank (rank acceptability), its mean rank, how often it is on the
  shortlist, and its central weight vector.
* :func:`one_at_a_time` finds, per criterion, the smallest change of its weight (up and
  down, the other weights rescaled to keep the sum 1) that changes the shortlist.

* :func:`rule_smaa` re-solves the shortlist rule that the scenario actually uses
  (:class:`ShortlistRule`: the rank rule or the CP-SAT optimiser with its objective and
  every rule) for every weight sample, in parallel processes and warm-started, and reports
  per site its share of samples, the most frequent shortlists and the stable core.

:func:`smaa` keeps the fast vectorised rank statistics (rank acceptability, mean rank) and
the plain "top_score" rule (:func:`top_score_shortlist`): take sites in rank order until
their cumulative capacity reaches the target, skipping sites with capacity 0. Ties in score
are broken by id order (smaller id first), everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from opvang_opt.siting.mcda import _esp, _values, normalise_weights
from opvang_opt.siting.shortlist import (
    ReusableModel,
    ShortlistProblem,
    ShortlistSolution,
    solve_shortlist,
    top_score,
)
from opvang_opt.texts import Message

Method = Literal["weighted_sum", "topsis", "spotis"]
_MAX_FULL_RANKS = 2000  # rank acceptability for all ranks up to this many eligible sites
_CELLS_PER_CHUNK = 2_000_000  # samples x sites handled at once (memory ~ 16 B per cell x 5)


def sample_weights(
    weights: np.ndarray,
    n: int,
    *,
    spread: float,
    seed: int | None,
    method: Literal["dirichlet", "uniform"] = "dirichlet",
) -> np.ndarray:
    """Draw ``n`` weight vectors around ``weights`` (each row sums to 1).

    Parameters
    ----------
    weights
        The chosen weights (m,), normalised inside. Zero weights stay zero.
    n
        Number of samples.
    spread
        Size of the perturbation, roughly the relative standard deviation of a weight:

        * ``"dirichlet"``: Dirichlet(c x w) with concentration ``c = (k - 1) / spread**2 - 1``
          (k = number of positive weights). The mean is ``w`` and the relative standard
          deviation of weight j is ``spread * sqrt((1 - w_j) / (w_j (k - 1)))``: exactly
          ``spread`` for a weight of average size 1/k, smaller for larger weights. Needs
          ``spread < sqrt(k - 1)``.
        * ``"uniform"``: each weight multiplied by U(1 - spread, 1 + spread), then all
          renormalised; ``spread`` in [0, 1].
    seed
        Seed for ``numpy.random.default_rng``; the same seed gives the same samples.
    method
        ``"dirichlet"`` or ``"uniform"``.

    Returns
    -------
    numpy.ndarray
        Samples (n x m), rows summing to 1.

    Examples
    --------
    >>> W = sample_weights(np.array([0.5, 0.3, 0.2]), 20_000, spread=0.2, seed=1)
    >>> W.shape, np.allclose(W.sum(axis=1), 1.0), np.round(W.mean(axis=0), 2).tolist()
    ((20000, 3), True, [0.5, 0.3, 0.2])
    """
    w = normalise_weights(weights)
    if w.ndim != 1:
        raise ValueError("weights must be one vector")
    if int(n) != n or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    if not np.isfinite(spread) or spread < 0:
        raise ValueError(f"spread must be >= 0, got {spread!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    pos = w > 0
    k = int(pos.sum())
    out = np.zeros((n, w.size))
    if method == "dirichlet":
        if spread == 0 or k == 1:
            out[:] = w
            return out
        conc = (k - 1) / spread**2 - 1.0
        if conc <= 0:
            raise ValueError(
                f"spread {spread:g} is too large for {k} positive weights "
                f"(Dirichlet needs spread < sqrt({k} - 1) = {np.sqrt(k - 1):.3g})"
            )
        out[:, pos] = rng.dirichlet(conc * w[pos], size=n)
    elif method == "uniform":
        if spread > 1:
            raise ValueError(f"uniform spread must be in [0, 1], got {spread:g}")
        out[:] = w * rng.uniform(1.0 - spread, 1.0 + spread, size=(n, w.size))
        total = out.sum(axis=1, keepdims=True)
        out /= np.where(total > 0, total, 1.0)
        out[total[:, 0] <= 0] = w  # only when spread == 1 and every factor drew 0
    else:
        raise ValueError(f"unknown method {method!r}: use 'dirichlet' or 'uniform'")
    return out


def _scores_by_sample(
    values: np.ndarray, weights: np.ndarray, method: Method, esp: np.ndarray | None
) -> np.ndarray:
    """Scores (samples x sites) for normalised weights (S x m) and values (n x m)."""
    if method == "weighted_sum":
        return 100.0 * (weights @ values.T)
    if method == "topsis":
        w2 = weights * weights
        d_plus = np.sqrt(np.maximum(w2 @ ((1.0 - values) ** 2).T, 0.0))
        d_minus = np.sqrt(np.maximum(w2 @ (values * values).T, 0.0))
        return 100.0 * d_minus / (d_plus + d_minus)
    if method == "spotis":
        e = _esp(esp, values.shape[1])
        return 100.0 * (1.0 - weights @ np.abs(values - e).T)
    raise ValueError(f"unknown method {method!r}: use 'weighted_sum', 'topsis' or 'spotis'")


def _prepare_sites(
    n: int, capacity: np.ndarray, eligible: np.ndarray | None, ids: Sequence | np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(capacity as float, ids as array, eligible site indices in tie-break order)."""
    cap = np.asarray(capacity, dtype=float)
    if cap.shape != (n,):
        raise ValueError(f"capacity must have one value per site ({n}), got shape {cap.shape}")
    if not np.isfinite(cap).all() or (cap < 0).any():
        raise ValueError("capacity must be finite and >= 0")
    el = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if el.shape != (n,):
        raise ValueError(f"eligible must have one flag per site ({n}), got shape {el.shape}")
    id_arr = np.arange(n) if ids is None else np.asarray(ids)
    if id_arr.shape != (n,):
        raise ValueError(f"ids must have one id per site ({n}), got shape {id_arr.shape}")
    if len(np.unique(id_arr)) != n:
        raise ValueError("ids must be unique")
    idx = np.flatnonzero(el)
    order = idx[np.argsort(id_arr[idx], kind="stable")]
    return cap, id_arr, order


def top_score_shortlist(
    scores: np.ndarray,
    capacity: np.ndarray,
    target: float,
    *,
    eligible: np.ndarray | None = None,
    ids: Sequence | np.ndarray | None = None,
) -> np.ndarray:
    """The "top_score" shortlist: sites by rank until the cumulative capacity reaches target.

    Parameters
    ----------
    scores
        Score per site (higher is better).
    capacity
        Capacity per site (units or places, >= 0); sites with capacity 0 are skipped.
    target
        Capacity to reach. When all eligible sites together fall short, all of them with a
        positive capacity are taken.
    eligible
        Boolean mask; ineligible (excluded) sites are never taken. Default: all.
    ids
        Site ids, for breaking ties in score (smaller id first). Default: the position.

    Returns
    -------
    numpy.ndarray
        Indices of the shortlisted sites, in rank order.

    Examples
    --------
    >>> top_score_shortlist(np.array([50.0, 90.0, 70.0, 80.0]), np.array([10, 0, 10, 10]), 15)
    array([3, 2])
    """
    s = np.asarray(scores, dtype=float)
    cap, _, order = _prepare_sites(s.size, capacity, eligible, ids)
    ranked = order[np.argsort(-s[order], kind="stable")]
    c = cap[ranked]
    before = np.cumsum(c) - c
    return ranked[(c > 0) & (before < target)]


@dataclass(frozen=True, eq=False)
class SMAAResult:
    """Rank acceptability and shortlist frequency per site over weight samples.

    Per-site arrays follow the input order of the sites; excluded (ineligible) sites have
    NaN ranks and zero frequencies. Ranks are 1-based (1 is best).

    Attributes
    ----------
    ids
        Site ids (input order).
    eligible
        Which sites took part.
    n_samples
        Number of weight samples.
    method
        Scoring method.
    rank_acceptability
        (sites x k) share of samples in which the site got rank r + 1 (column r); k is the
        number of eligible sites, or ``max_ranks`` when fewer ranks were asked for.
    mean_rank, min_rank, max_rank
        Over the samples.
    shortlist_frequency
        Share of samples in which the site is on the top_score shortlist.
    central_weights
        (sites x criteria) mean weight vector of the samples in which the site ranks first;
        NaN for a site that never does.
    modal_shortlist
        Ids of the most frequent shortlist (rank order under the first sample giving it).
    modal_shortlist_frequency
        Share of samples giving exactly that shortlist.
    mean_shortlist_size
        Mean number of shortlisted sites.
    target_reachable
        Whether all eligible sites together reach the target.
    """

    ids: np.ndarray
    eligible: np.ndarray
    n_samples: int
    method: str
    rank_acceptability: np.ndarray
    mean_rank: np.ndarray
    min_rank: np.ndarray
    max_rank: np.ndarray
    shortlist_frequency: np.ndarray
    central_weights: np.ndarray
    modal_shortlist: tuple
    modal_shortlist_frequency: float
    mean_shortlist_size: float
    target_reachable: bool

    def to_frame(self, ranks: int = 3) -> pd.DataFrame:
        """One row per site: id, eligibility, rank summary, shortlist frequency and the
        acceptability of the first ``ranks`` ranks (columns ``rank_1`` ...)."""
        df = pd.DataFrame(
            {
                "id": self.ids,
                "eligible": self.eligible,
                "mean_rank": self.mean_rank,
                "min_rank": self.min_rank,
                "max_rank": self.max_rank,
                "shortlist_frequency": self.shortlist_frequency,
            }
        )
        for r in range(min(ranks, self.rank_acceptability.shape[1])):
            df[f"rank_{r + 1}"] = self.rank_acceptability[:, r]
        return df


def smaa(
    values: np.ndarray,
    weight_samples: np.ndarray,
    capacity: np.ndarray,
    target: float,
    *,
    method: Method = "weighted_sum",
    eligible: np.ndarray | None = None,
    ids: Sequence | np.ndarray | None = None,
    max_ranks: int | None = None,
    esp: np.ndarray | None = None,
) -> SMAAResult:
    """Stochastic multicriteria acceptability analysis over given weight samples.

    For every sample: score all eligible sites, rank them (ties by id order) and take the
    top_score shortlist (see :func:`top_score_shortlist`). Fully vectorised over samples
    (in chunks of about two million sample x site cells to bound memory).

    Parameters
    ----------
    values
        Value matrix (sites x criteria) in [0, 1].
    weight_samples
        Weight samples (S x m), e.g. from :func:`sample_weights`; rows normalised inside.
    capacity
        Capacity per site (>= 0).
    target
        Capacity the shortlist must reach.
    method
        ``"weighted_sum"``, ``"topsis"`` or ``"spotis"`` (as in :mod:`.mcda`).
    eligible
        Boolean mask of sites that are not excluded. Default: all.
    ids
        Site ids for ties and reporting. Default: positions.
    max_ranks
        Number of ranks in ``rank_acceptability``. Default: all ranks up to 2,000
        eligible sites, else the first 100.
    esp
        Expected solution point for ``"spotis"`` (default 1 for every criterion).

    Returns
    -------
    SMAAResult

    Examples
    --------
    >>> V = np.array([[1.0, 0.0], [0.0, 1.0], [0.4, 0.4]])
    >>> W = np.array([[0.7, 0.3], [0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    >>> r = smaa(V, W, capacity=np.array([10, 10, 10]), target=10)
    >>> r.rank_acceptability[:, 0].tolist(), r.shortlist_frequency.tolist()
    ([0.75, 0.25, 0.0], [0.75, 0.25, 0.0])
    """
    v = _values(values)
    w = normalise_weights(weight_samples)
    if w.ndim != 2 or w.shape[1] != v.shape[1]:
        raise ValueError(f"weight_samples must be (samples x {v.shape[1]}), got {w.shape}")
    n, m = v.shape
    n_s = w.shape[0]
    cap, id_arr, order = _prepare_sites(n, capacity, eligible, ids)
    el = np.zeros(n, dtype=bool)
    el[order] = True
    ne = order.size
    k = (ne if ne <= _MAX_FULL_RANKS else 100) if max_ranks is None else min(max_ranks, ne)
    vp = v[order]
    cp = cap[order]

    acc = np.zeros(ne * k, dtype=np.int64)
    rank_sum = np.zeros(ne)
    rank_min = np.full(ne, ne, dtype=np.int64)
    rank_max = np.zeros(ne, dtype=np.int64)
    short = np.zeros(ne, dtype=np.int64)
    first_cnt = np.zeros(ne, dtype=np.int64)
    central = np.zeros((ne, m))
    sizes = 0
    rng = np.random.default_rng(12345)  # keys for recognising identical shortlists
    keys = rng.integers(1, 2**63 - 1, size=ne, dtype=np.uint64)
    signatures = np.zeros(n_s, dtype=np.uint64)
    positions = np.arange(ne)
    step = max(1, _CELLS_PER_CHUNK // max(ne, 1))
    for lo in range(0, n_s if ne else 0, step):
        ws = w[lo : lo + step]
        s = ws.shape[0]
        srt = np.argsort(-_scores_by_sample(vp, ws, method, esp), axis=1, kind="stable")
        rank = np.empty_like(srt)
        np.put_along_axis(rank, srt, positions[None, :], axis=1)
        rank_sum += rank.sum(axis=0)
        np.minimum(rank_min, rank.min(axis=0), out=rank_min)
        np.maximum(rank_max, rank.max(axis=0), out=rank_max)
        acc += np.bincount((srt[:, :k] * k + positions[None, :k]).ravel(), minlength=ne * k)
        c = cp[srt]
        sel = (c > 0) & ((np.cumsum(c, axis=1) - c) < target)
        short += np.bincount(srt[sel], minlength=ne)
        sizes += int(sel.sum())
        signatures[lo : lo + s] = np.where(sel, keys[srt], np.uint64(0)).sum(
            axis=1, dtype=np.uint64
        )
        first = srt[:, 0]
        first_cnt += np.bincount(first, minlength=ne)
        for j in range(m):
            central[:, j] += np.bincount(first, weights=ws[:, j], minlength=ne)

    def scatter(x: np.ndarray, fill: float) -> np.ndarray:
        out = np.full((n, *x.shape[1:]), fill, dtype=float)
        out[order] = x
        return out

    denom = max(n_s, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = central / first_cnt[:, None]
    modal: tuple = ()
    modal_freq = 0.0
    if n_s and ne:
        _, first_at, counts = np.unique(signatures, return_index=True, return_counts=True)
        best = int(np.argmax(counts))
        modal_freq = counts[best] / n_s
        ws = w[first_at[best] : first_at[best] + 1]
        srt = np.argsort(-_scores_by_sample(vp, ws, method, esp)[0], kind="stable")
        c = cp[srt]
        chosen = srt[(c > 0) & ((np.cumsum(c) - c) < target)]
        modal = tuple(id_arr[order[chosen]].tolist())
    nan = np.full(ne, np.nan)
    return SMAAResult(
        ids=id_arr,
        eligible=el,
        n_samples=n_s,
        method=method,
        rank_acceptability=scatter(acc.reshape(ne, k) / denom, 0.0),
        mean_rank=scatter(rank_sum / denom + 1.0 if n_s else nan, np.nan),
        min_rank=scatter(rank_min + 1.0 if n_s else nan, np.nan),
        max_rank=scatter(rank_max + 1.0 if n_s else nan, np.nan),
        shortlist_frequency=scatter(short / denom, 0.0),
        central_weights=scatter(central, np.nan),
        modal_shortlist=modal,
        modal_shortlist_frequency=float(modal_freq),
        mean_shortlist_size=sizes / denom,
        target_reachable=bool(cp[cp > 0].sum() >= target),
    )


def _tilt(w: np.ndarray, j: int, new: float) -> np.ndarray:
    """Weights with w_j set to ``new`` and the others rescaled to keep the sum 1."""
    out = w.copy()
    rest = 1.0 - w[j]
    if rest > 1e-12:
        out *= (1.0 - new) / rest
    else:  # all weight on j: share the rest equally among the others
        out[:] = (1.0 - new) / max(w.size - 1, 1)
    out[j] = new
    return out


def one_at_a_time(
    values: np.ndarray,
    weights: np.ndarray,
    capacity: np.ndarray,
    target: float,
    shortlist_fn: Callable[[np.ndarray], set[int] | Sequence[int] | np.ndarray] | None = None,
    *,
    max_change: float = 0.5,
    step: float = 0.01,
    tol: float = 1e-4,
    method: Method = "weighted_sum",
    eligible: np.ndarray | None = None,
    ids: Sequence | np.ndarray | None = None,
    names: Sequence[str] | None = None,
    esp: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per criterion, the smallest weight change (up and down) that changes the shortlist.

    The weight of criterion j moves by delta (an absolute change of the normalised weight);
    the other weights are rescaled proportionally so that the sum stays 1. Delta is scanned
    in steps of ``step`` up to ``max_change`` (or until the weight reaches 0 or 1), and the
    first change found is narrowed down by bisection to ``tol``. The reported change is the
    smallest delta *known* to change the shortlist, so the true tipping point lies within
    ``tol`` below it. A change that appears and disappears again within one ``step`` can be
    missed.

    Parameters
    ----------
    values
        Value matrix (sites x criteria) in [0, 1].
    weights
        The chosen weights (m,), normalised inside.
    capacity, target
        For the default shortlist rule (:func:`top_score_shortlist`).
    shortlist_fn
        Any callable ``weights -> selected site indices`` (e.g. the CP-SAT shortlist).
        Default: the top_score rule on ``method`` scores with ``eligible`` and ``ids``.
    max_change
        Largest absolute weight change tried in each direction.
    step, tol
        Scan step and bisection tolerance (absolute weight).
    method, eligible, ids, esp
        For the default shortlist rule (see :func:`smaa`).
    names
        Criterion names for the table; default the 0-based criterion index (int).

    Returns
    -------
    pandas.DataFrame
        One row per criterion and direction: ``criterion``, ``direction`` (up/down),
        ``weight`` (normalised), ``change`` (signed delta, NaN when none), ``new_weight``,
        ``relative_change`` (change / weight), ``entering`` and ``leaving`` (site ids at
        the tipping point) and ``note`` ("" or why there is no tipping point).

    Examples
    --------
    Two sites, A = (1, 0) and B = (0, 1), one site meets the target; with weights
    (0.6, 0.4) A is shortlisted, and B takes over once w1 drops below 0.5 (a change of
    -0.1):

    >>> df = one_at_a_time(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.6, 0.4]),
    ...                    capacity=np.array([10, 10]), target=10, ids=["A", "B"])
    >>> row = df.iloc[0]
    >>> int(row.criterion), row.direction, float(round(row.change, 3)), row.leaving, row.entering
    (0, 'down', -0.1, ['A'], ['B'])
    """
    v = _values(values)
    w = normalise_weights(weights)
    if w.ndim != 1 or w.size != v.shape[1]:
        raise ValueError(f"weights must be one vector of {v.shape[1]} values")
    if not (step > 0 and tol > 0 and 0 < max_change <= 1):
        raise ValueError("need 0 < step, 0 < tol and 0 < max_change <= 1")
    m = w.size
    label: list = list(range(m)) if names is None else [str(x) for x in names]
    if len(label) != m:
        raise ValueError(f"{len(label)} names for {m} criteria")
    id_arr = np.arange(v.shape[0]) if ids is None else np.asarray(ids)

    def top_score(ww: np.ndarray) -> np.ndarray:
        scores = _scores_by_sample(v, ww[None, :], method, esp)[0]
        return top_score_shortlist(scores, capacity, target, eligible=eligible, ids=ids)

    fn = top_score if shortlist_fn is None else shortlist_fn

    def selected(ww: np.ndarray) -> frozenset[int]:
        return frozenset(int(i) for i in fn(ww))

    base = selected(w)
    rows = []
    for j in range(m):
        for direction, sign in (("down", -1.0), ("up", 1.0)):
            room = w[j] if sign < 0 else 1.0 - w[j]
            limit = min(max_change, room)
            row = {
                "criterion": label[j],
                "direction": direction,
                "weight": w[j],
                "change": np.nan,
                "new_weight": np.nan,
                "relative_change": np.nan,
                "entering": [],
                "leaving": [],
                "note": "",
            }
            if limit <= 1e-12:
                row["note"] = Message(
                    "siting.sensitivity.at_bound", {"bound": 0 if sign < 0 else 1}
                )
                rows.append(row)
                continue
            grid = np.arange(step, limit, step)
            grid = np.append(grid[grid < limit - 1e-12], limit)
            lo_d, hi_d, hi_set = 0.0, None, None
            for d in grid:
                sset = selected(_tilt(w, j, w[j] + sign * d))
                if sset != base:
                    hi_d, hi_set = float(d), sset
                    break
                lo_d = float(d)
            if hi_d is None:
                row["note"] = Message("siting.sensitivity.none_within", {"limit": float(limit)})
                rows.append(row)
                continue
            while hi_d - lo_d > tol:
                mid = (lo_d + hi_d) / 2.0
                sset = selected(_tilt(w, j, w[j] + sign * mid))
                if sset != base:
                    hi_d, hi_set = mid, sset
                else:
                    lo_d = mid
            assert hi_set is not None
            change = sign * hi_d
            row.update(
                change=round(change, 12),
                new_weight=w[j] + change,
                relative_change=change / w[j] if w[j] > 0 else np.inf,
                entering=sorted(id_arr[list(hi_set - base)].tolist()),
                leaving=sorted(id_arr[list(base - hi_set)].tolist()),
            )
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the rule used


def scores_for(method: str, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score 0-100 per site with the chosen method (the siting stage's own scoring)."""
    from opvang_opt.siting import mcda

    if method == "topsis":
        return np.asarray(mcda.topsis(values, weights), dtype=float)
    if method == "spotis":
        return np.asarray(mcda.spotis(values, weights), dtype=float)
    return np.asarray(mcda.weighted_sum(values, weights), dtype=float)


@dataclass(frozen=True, eq=False)
class ShortlistRule:
    """The scenario's shortlist rule as a function of the criterion weights.

    For weights ``w`` it recomputes the scores exactly as the siting stage does (rounded to
    4 decimals, ranks with ties by id) and applies the same rule to the same problem: the
    rank rule (``top_score``) or the CP-SAT optimiser with the scenario's objective and
    every rule (``optimise``). Picklable, so worker processes can use it.
    """

    problem: ShortlistProblem
    values: np.ndarray
    scoring: str
    method: Literal["top_score", "optimise"]
    time_limit: float = 10.0
    seed: int = 0

    def scored(self, w: np.ndarray) -> tuple[ShortlistProblem, np.ndarray]:
        """The problem with the scores under ``w``, and the ranks."""
        from opvang_opt.siting.values import rank_scores

        s = scores_for(self.scoring, self.values, w)
        p = replace(self.problem, value=np.round(s, 4))
        return p, rank_scores(s, p.eligible, p.ids)

    def solve(self, w: np.ndarray, hint: np.ndarray | None = None) -> ShortlistSolution:
        """The full solution under ``w`` (no reasons)."""
        p, rank = self.scored(w)
        if self.method == "top_score":
            return top_score(p, rank)
        return solve_shortlist(
            p, time_limit=self.time_limit, workers=1, seed=self.seed, explain=False, hint=hint
        )

    def select(self, w: np.ndarray, hint: np.ndarray | None = None) -> np.ndarray:
        """The selected sites under ``w`` (boolean mask; all False when the target fails)."""
        if self.method == "top_score":
            return self.solve(w).selected
        p, _ = self.scored(w)
        model = _MODELS.get(id(self))
        if model is None or model[0] is not self:
            model = (self, ReusableModel(self.problem, presolve=False))
            _MODELS.clear()
            _MODELS[id(self)] = model
        raw = model[1].solve(p.value, time_limit=self.time_limit, seed=self.seed, hint=hint)
        if raw.selected is None:
            return np.zeros(p.n, dtype=bool)
        return raw.selected


_MODELS: dict[int, tuple[ShortlistRule, ReusableModel]] = {}
"""The built model of the last rule used in this process (one at a time)."""
_WORKER_RULE: ShortlistRule | None = None
_CHUNK = 25
"""Samples per task. Fixed (not derived from the number of workers), so each sample gets the
same warm start and the result does not depend on the number of workers."""


def _init_worker(rule: ShortlistRule) -> None:
    global _WORKER_RULE
    _WORKER_RULE = rule


def _solve_chunk(rule: ShortlistRule, samples: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """Solve a run of samples, each warm-started from the previous sample's shortlist."""
    out = np.zeros((len(samples), rule.problem.n), dtype=bool)
    hint = start
    for k, w in enumerate(samples):
        out[k] = rule.select(w, hint=hint)
        hint = out[k] if out[k].any() else start
    return out


def _worker_chunk(args: tuple[np.ndarray, np.ndarray | None]) -> np.ndarray:
    assert _WORKER_RULE is not None
    return _solve_chunk(_WORKER_RULE, *args)


def solve_samples(
    rule: ShortlistRule,
    samples: np.ndarray,
    *,
    workers: int = 2,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The rule's shortlist for every weight sample (samples x sites, boolean).

    Parameters
    ----------
    rule
        The shortlist rule (see :class:`ShortlistRule`).
    samples
        Weight samples (S x m).
    workers
        Processes (``1``: in this process). Chunks of 25 samples go to the processes; within
        a chunk each solve is warm-started from the previous sample's shortlist, the first
        from ``start`` (the chosen shortlist). The result does not depend on ``workers``.
    start
        Warm start for the first sample of every chunk.
    """
    w = np.asarray(samples, dtype=float)
    chunks = [(w[lo : lo + _CHUNK], start) for lo in range(0, len(w), _CHUNK)]
    if not chunks:
        return np.zeros((0, rule.problem.n), dtype=bool)
    import multiprocessing as mp

    # a daemonic process (e.g. a Dask worker in a sweep) may not start children: solve here
    serial = workers <= 1 or len(chunks) == 1 or rule.method == "top_score"
    if serial or mp.current_process().daemon:
        parts = [_solve_chunk(rule, c, s) for c, s in chunks]
    else:
        from concurrent.futures import ProcessPoolExecutor

        # fork where available: no re-import of the caller's __main__ (scripts, notebooks)
        methods = mp.get_all_start_methods()
        ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)), mp_context=ctx,
            initializer=_init_worker, initargs=(rule,),
        ) as pool:  # fmt: skip
            parts = list(pool.map(_worker_chunk, chunks))
    return np.vstack(parts)


@dataclass(frozen=True, eq=False)
class RuleSMAA:
    """How often the rule that chose the shortlist picks each site, over weight samples.

    Attributes
    ----------
    ids
        Site ids.
    selections
        (samples x sites) boolean: the rule's shortlist per sample.
    share
        Per site, the share of samples in which it is on the shortlist.
    shortlists
        The most frequent shortlists: (ids, share), most frequent first (ties: first seen).
    chosen_share
        Share of samples giving exactly the chosen shortlist.
    stable_core
        Ids of the sites in at least ``stable_share`` of the samples.
    infeasible_share
        Share of samples in which no shortlist meets the target and every rule.
    """

    ids: np.ndarray
    selections: np.ndarray
    share: np.ndarray
    shortlists: tuple[tuple[tuple[str, ...], float], ...]
    chosen_share: float
    stable_core: tuple[str, ...]
    stable_share: float
    infeasible_share: float


def rule_smaa(
    rule: ShortlistRule,
    samples: np.ndarray,
    chosen: np.ndarray,
    *,
    workers: int = 2,
    stable_share: float = 0.9,
    top: int = 5,
) -> RuleSMAA:
    """SMAA of the shortlist rule that is used: re-solve it for every weight sample.

    Examples
    --------
    Two sites of 10 places, target 10: A is best on criterion 1, B on criterion 2.

    >>> from opvang_opt.siting.shortlist import ShortlistProblem
    >>> p = ShortlistProblem(ids=np.array(["A", "B"]), value=np.zeros(2),
    ...     capacity=np.array([10, 10]), target=10, eligible=np.ones(2, bool))
    >>> rule = ShortlistRule(p, np.array([[1.0, 0.0], [0.0, 1.0]]), "weighted_sum", "optimise")
    >>> W = np.array([[0.7, 0.3], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1]])
    >>> r = rule_smaa(rule, W, np.array([True, False]), workers=1)
    >>> r.share.tolist(), r.shortlists, r.stable_core
    ([0.75, 0.25], ((('A',), 0.75), (('B',), 0.25)), ())
    """
    sel = solve_samples(rule, samples, workers=workers, start=chosen)
    n_s = max(len(sel), 1)
    share = sel.sum(axis=0) / n_s
    ids = rule.problem.ids
    counts: dict[bytes, int] = {}
    first: dict[bytes, int] = {}
    for k, row in enumerate(sel):
        key = np.packbits(row).tobytes()
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, k)
    ordered = sorted(counts, key=lambda key: (-counts[key], first[key]))
    shortlists = tuple(
        (tuple(str(s) for s in ids[sel[first[key]]]), counts[key] / n_s)
        for key in ordered[:top]
        if sel[first[key]].any()
    )
    chosen_key = np.packbits(np.asarray(chosen, dtype=bool)).tobytes()
    empty = np.packbits(np.zeros(len(ids), dtype=bool)).tobytes()
    return RuleSMAA(
        ids=ids,
        selections=sel,
        share=share,
        shortlists=shortlists,
        chosen_share=counts.get(chosen_key, 0) / n_s,
        stable_core=tuple(str(s) for s in ids[share >= stable_share - 1e-12]),
        stable_share=stable_share,
        infeasible_share=counts.get(empty, 0) / n_s if len(ids) else 0.0,
    )

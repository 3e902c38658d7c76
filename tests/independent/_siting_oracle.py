"""An independent shortlist oracle, written from the README and the docstrings only.

Rules (README "Shortlist", "The shortlist objective weighs people, not sites"):

* a site may be chosen when it is eligible, available by the date, not in
  ``must_exclude`` and has capacity above 0 (a ``must_include`` site may have 0);
* every eligible ``must_include`` site is chosen;
* chosen capacity >= target; total cost (whole cents) <= budget (whole cents);
  number of sites <= max_sites; chosen capacity <= max_capacity; no conflicting pair
  (closer than the minimum distance, or overlapping plots); per zone <= max_per_zone;
* irredundant: for every chosen site not forced in, capacity - c_i <= target - 1;
* min_quality: Q / T >= min_quality, with Q the quality of the T needed places
  filled from the best chosen sites first.

Objectives, lexicographic, larger is better:
people ``(Q, -overshoot, -sites)``; cost ``(-cost, Q)``; sites ``(-sites, Q)``;
spread ``(smallest pair distance in whole metres, Q)`` (one site: fully spread);
score ``sum score``; score_x_capacity ``sum score x capacity``.

Every subset is enumerated at once with numpy; nothing from the project's model is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np


def cents(x: float) -> int:
    """Euros (as the decimal the float prints as) to whole cents, half to even."""
    return int((Decimal(repr(float(x))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Instance:
    """Plain data of one shortlist instance (lists, so the test can print it)."""

    value: list[float]
    capacity: list[int]
    target: int
    eligible: list[bool]
    cost: list[float] | None = None
    budget: float | None = None
    max_sites: int | None = None
    max_capacity: int | None = None
    conflicts: list[tuple[int, int]] | None = None
    zone: list[str] | None = None
    max_per_zone: int | None = None
    available: list[bool] | None = None
    must_include: list[bool] | None = None
    must_exclude: list[bool] | None = None
    objective: str = "people"
    irredundant: bool = True
    min_quality: float | None = None
    distance: list[list[float]] | None = None

    @property
    def n(self) -> int:
        return len(self.value)


def subsets(n: int) -> np.ndarray:
    """Every subset of n sites as a (2^n, n) boolean matrix."""
    k = np.arange(2**n, dtype=np.int64)[:, None]
    return ((k >> np.arange(n)) & 1).astype(bool)


def quality_q(inst: Instance, s: np.ndarray, grid: bool = False) -> np.ndarray:
    """Q (sum of score x needed place) per subset: the T places from the best sites first
    (``grid``: scores rounded to 0.001 points, the objective's documented resolution)."""
    v = np.asarray(inst.value, float)
    if grid:
        v = np.round(v * 1000)
    c = np.asarray(inst.capacity, np.int64)
    order = np.argsort(-v, kind="stable")
    cs = s[:, order] * c[order]
    before = np.cumsum(cs, axis=1) - cs
    y = np.clip(inst.target - before, 0, cs)
    return (y * v[order]).sum(axis=1)


@dataclass
class Evaluation:
    s: np.ndarray
    feasible: np.ndarray
    rules_but_target: np.ndarray
    cap: np.ndarray
    cost: np.ndarray
    k: np.ndarray
    q: np.ndarray
    """Q with the scores as given (the min_quality rule)."""
    q_grid: np.ndarray
    """Q with the scores on the objective's documented 0.001-point grid."""
    spread: np.ndarray


def evaluate(inst: Instance) -> Evaluation:
    n = inst.n
    s = subsets(n)
    c = np.asarray(inst.capacity, np.int64)
    elig = np.asarray(inst.eligible, bool)
    forced = np.asarray(inst.must_include, bool) & elig if inst.must_include else np.zeros(n, bool)
    allowed = elig & (c > 0) | forced
    if inst.available is not None:
        allowed &= np.asarray(inst.available, bool)
    if inst.must_exclude is not None:
        allowed &= ~np.asarray(inst.must_exclude, bool)
    ok = ~(s & ~allowed).any(axis=1)
    ok &= (s | ~forced).all(axis=1)
    cap = s @ c
    costc = (
        s @ np.array([cents(x) for x in inst.cost], np.int64)
        if inst.cost
        else np.zeros(len(s), np.int64)
    )
    k = s.sum(axis=1)
    if inst.budget is not None:
        ok &= costc <= cents(inst.budget)
    if inst.max_sites is not None:
        ok &= k <= inst.max_sites
    if inst.max_capacity is not None:
        ok &= cap <= inst.max_capacity
    for i, j in inst.conflicts or []:
        ok &= ~(s[:, i] & s[:, j])
    if inst.zone is not None and inst.max_per_zone is not None:
        for z in set(inst.zone):
            ok &= s[:, np.asarray(inst.zone) == z].sum(axis=1) <= inst.max_per_zone
    rules_but_target = ok.copy()
    feas = ok & (cap >= inst.target)
    if inst.irredundant:
        red = s & ~forced & (cap[:, None] - c[None, :] >= inst.target)
        feas &= ~red.any(axis=1)
    q = quality_q(inst, s)
    if inst.min_quality is not None and inst.objective not in ("score", "score_x_capacity"):
        # Q / T >= m, compared as Q >= m T with a relative tolerance for the float product
        m = inst.min_quality * inst.target
        feas &= q >= m - 1e-9 * max(1.0, abs(m))
    spread = np.zeros(len(s), np.int64)
    if inst.distance is not None:
        d = np.floor(np.asarray(inst.distance, float)).astype(np.int64)
        big = np.iinfo(np.int64).max
        idx_ok = np.flatnonzero(allowed)
        cap_d = int(d[np.ix_(idx_ok, idx_ok)].max()) if len(idx_ok) >= 2 else 0
        for r in range(len(s)):
            idx = np.flatnonzero(s[r])
            if len(idx) < 2:
                spread[r] = cap_d
            else:
                sub = d[np.ix_(idx, idx)]
                spread[r] = sub[np.triu_indices(len(idx), 1)].min() if len(idx) else big
    return Evaluation(s, feas, rules_but_target, cap, costc, k, q, quality_q(inst, s, True), spread)


def keys(inst: Instance, ev: Evaluation) -> np.ndarray:
    """The lexicographic objective per subset, as a (2^n, m) float matrix (larger is better)."""
    v = np.round(np.asarray(inst.value, float) * 1000)
    c = np.asarray(inst.capacity, float)
    o = inst.objective
    if o == "score":
        return (ev.s @ v)[:, None]
    if o == "score_x_capacity":  # score x capacity on the 0.001 grid
        return (ev.s @ np.round(np.asarray(inst.value, float) * c * 1000))[:, None]
    if o == "people":
        return np.column_stack([ev.q_grid, -(ev.cap - inst.target), -ev.k])
    if o == "cost":
        return np.column_stack([-ev.cost, ev.q_grid])
    if o == "sites":
        return np.column_stack([-ev.k, ev.q_grid])
    return np.column_stack([ev.spread, ev.q_grid])


def best(inst: Instance, ev: Evaluation, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Indices of every optimal subset and the optimal key (ties within ``tol`` kept)."""
    kk = keys(inst, ev)
    cand = np.flatnonzero(ev.feasible)
    if len(cand) == 0:
        return cand, np.array([])
    for col in range(kk.shape[1]):
        top = kk[cand, col].max()
        cand = cand[kk[cand, col] >= top - 1e-7 - tol * abs(top)]
    return cand, kk[cand[0]]

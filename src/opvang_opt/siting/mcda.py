"""Scoring methods on a value matrix, and AHP weights with Saaty's consistency ratio.

Every method here works on a VALUE matrix ``V`` (sites x criteria) whose entries are
already in [0, 1] from the scenario's fixed bounds (1 is best), and on weights ``w`` that
are normalised to sum 1 inside. No method looks at the other sites: the ideal is fixed at
1 and the anti-ideal at 0 for every criterion, so adding or removing a site never changes
another site's score or order (no rank reversal).

The score functions also accept a matrix of weight samples ``W`` (samples x criteria) and
then return a (sites x samples) score matrix; :mod:`opvang_opt.siting.robustness` uses this.
"""

from __future__ import annotations

import warnings

import numpy as np

from opvang_opt.schema.ahp import (  # noqa: F401  (re-exported)
    CR_THRESHOLD,
    RECIPROCITY_TOLERANCE,
    SAATY_RI,
    AHPResult,
    ahp_weights,
    check_reciprocal,
)


def _values(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise ValueError(f"values must be a 2-D array (sites x criteria), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite")
    if not v.size:
        return v
    lo, hi = v.min(), v.max()
    if lo < -1e-9 or hi > 1 + 1e-9:
        raise ValueError(f"values must lie in [0, 1] (from fixed bounds), got [{lo:g}, {hi:g}]")
    if lo >= 0.0 and hi <= 1.0:
        return v  # clipping would change nothing: no copy of a million-row matrix
    return np.clip(v, 0.0, 1.0)


def normalise_weights(weights: np.ndarray) -> np.ndarray:
    """Weights divided by their sum; one vector (m,) or one sample per row (S x m).

    Raises
    ------
    ValueError
        When a weight is negative or not finite, or a vector does not sum to a positive value.

    Examples
    --------
    >>> normalise_weights(np.array([2.0, 1.0, 1.0])).tolist()
    [0.5, 0.25, 0.25]
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim not in (1, 2):
        raise ValueError(f"weights must be 1-D or 2-D, got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and >= 0")
    total = w.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise ValueError("weights must sum to a positive value")
    return w / total


def _prepare(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = _values(values)
    w = normalise_weights(weights)
    if w.shape[-1] != v.shape[1]:
        raise ValueError(f"{w.shape[-1]} weights for {v.shape[1]} criteria")
    return v, w


def weighted_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum of the values, 0-100.

    Parameters
    ----------
    values
        Value matrix (sites x criteria) in [0, 1], 1 is best.
    weights
        Weights (m,), or weight samples (S x m); normalised to sum 1 inside.

    Returns
    -------
    numpy.ndarray
        Scores (sites,) or, for weight samples, (sites x S).

    Examples
    --------
    >>> weighted_sum(np.array([[1.0, 0.0], [0.5, 0.5]]), np.array([3.0, 1.0])).tolist()
    [75.0, 50.0]
    """
    v, w = _prepare(values, weights)
    return 100.0 * (v @ w.T)


def topsis(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """TOPSIS closeness x 100 with the ideal fixed at 1 and the anti-ideal at 0.

    With weighted distances ``D+ = sqrt(sum_j (w_j (1 - v_ij))^2)`` to the ideal and
    ``D- = sqrt(sum_j (w_j v_ij)^2)`` to the anti-ideal, the score is
    ``100 D- / (D+ + D-)``. The ideal and anti-ideal do not come from the data (unlike
    classic TOPSIS and ``pymcdm.methods.TOPSIS``), so there is no rank reversal.

    Parameters
    ----------
    values
        Value matrix (sites x criteria) in [0, 1], 1 is best.
    weights
        Weights (m,), or weight samples (S x m); normalised to sum 1 inside.

    Returns
    -------
    numpy.ndarray
        Scores (sites,) or (sites x S) in [0, 100].

    Examples
    --------
    >>> topsis(np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]), np.array([1.0, 1.0])).tolist()
    [100.0, 0.0, 50.0]
    """
    v, w = _prepare(values, weights)
    w2 = (w * w).T
    d_plus = np.sqrt(np.maximum(((1.0 - v) ** 2) @ w2, 0.0))
    d_minus = np.sqrt(np.maximum((v * v) @ w2, 0.0))
    return 100.0 * d_minus / (d_plus + d_minus)  # D+ + D- > 0: w sums to 1


def spotis_distance(
    values: np.ndarray, weights: np.ndarray, esp: np.ndarray | None = None
) -> np.ndarray:
    """SPOTIS distance ``sum_j w_j |v_ij - esp_j|`` with bounds [0, 1] (vectorised).

    Identical to ``pymcdm.methods.SPOTIS`` with bounds [0, 1] per criterion, all criteria of
    profit type, and the given expected solution point; see :func:`spotis`.
    """
    v, w = _prepare(values, weights)
    e = _esp(esp, v.shape[1])
    return np.abs(v - e) @ w.T


def _esp(esp: np.ndarray | None, m: int) -> np.ndarray:
    if esp is None:
        return np.ones(m)
    e = np.asarray(esp, dtype=float)
    if e.shape != (m,) or not np.isfinite(e).all() or (e < 0).any() or (e > 1).any():
        raise ValueError(f"esp must be {m} values in [0, 1]")
    return e


def spotis(values: np.ndarray, weights: np.ndarray, esp: np.ndarray | None = None) -> np.ndarray:
    """SPOTIS score ``100 x (1 - distance)``: higher is better, 0-100.

    SPOTIS (Dezert et al. 2020) ranks by the weighted, bound-normalised L1 distance to the
    expected solution point (ESP). Computed with ``pymcdm.methods.SPOTIS`` (bounds [0, 1]
    for every criterion, all criteria of profit type).

    Note that with the ESP at the ideal 1 (the default) the distance is
    ``1 - sum_j w_j v_ij``, so the score equals :func:`weighted_sum` exactly: on values
    already scaled to [0, 1] by fixed bounds SPOTIS adds nothing unless an ESP below 1 is
    set for some criterion (a "good enough" level beyond which more is not better).

    Parameters
    ----------
    values
        Value matrix (sites x criteria) in [0, 1], 1 is best.
    weights
        Weights (m,), normalised to sum 1 inside.
    esp
        Expected solution point per criterion in [0, 1]; ``None``: 1 for every criterion.

    Returns
    -------
    numpy.ndarray
        Scores (sites,) in [0, 100].

    Examples
    --------
    >>> v = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> spotis(v, np.array([3.0, 1.0])).round(6).tolist()
    [75.0, 50.0]
    >>> spotis(v, np.array([3.0, 1.0]), esp=np.array([0.5, 1.0])).round(6).tolist()
    [37.5, 87.5]
    """
    from pymcdm.methods import SPOTIS  # imported here: pymcdm pulls in matplotlib (~1 s)

    v, w = _prepare(values, weights)
    if w.ndim != 1:
        raise ValueError("spotis takes one weight vector; use spotis_distance for samples")
    e = _esp(esp, v.shape[1])
    m = v.shape[1]
    if v.shape[0] == 0:
        return np.empty(0)
    bounds = np.column_stack([np.zeros(m), np.ones(m)])
    method = SPOTIS(bounds, esp=e)
    with warnings.catch_warnings():  # pymcdm warns about dominant sites: harmless here
        warnings.filterwarnings("ignore", message=".*dominant", category=UserWarning)
        distance = method(v, w, np.ones(m, dtype=int))
    return 100.0 * (1.0 - np.asarray(distance, dtype=float))

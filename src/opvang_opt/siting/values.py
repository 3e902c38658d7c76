"""Value functions against fixed bounds, and the ranking of scores.

The weighted-sum score itself is :func:`opvang_opt.siting.mcda.weighted_sum`.

Values depend only on a site's own indicator and the scenario's fixed bounds, so adding
or removing a candidate never changes another site's value (no rank reversal).
"""

from __future__ import annotations

import numpy as np

from opvang_opt.schema import LinearValue, PiecewiseValue, StepValue, ValueFunction


def apply_value(fn: ValueFunction, indicator: np.ndarray) -> np.ndarray:
    """Map indicators to values in [0, 1].

    Parameters
    ----------
    fn
        The value function: linear between bounds, step thresholds, or piecewise linear.
        For a step function a value equal to a threshold falls in the upper class.
    indicator
        Measured indicators; ``inf`` (nothing found) is handled as beyond every bound.

    Returns
    -------
    numpy.ndarray
        Values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from opvang_opt.schema import LinearValue
    >>> apply_value(LinearValue(lower=0, upper=1000, direction="lower_is_better"),
    ...             np.array([0.0, 250.0, 2000.0])).tolist()
    [1.0, 0.75, 0.0]
    """
    x = np.asarray(indicator, dtype=float)
    match fn:
        case LinearValue():
            v = np.clip((x - fn.lower) / (fn.upper - fn.lower), 0.0, 1.0)
            return 1.0 - v if fn.direction == "lower_is_better" else v
        case StepValue():
            idx = np.searchsorted(np.asarray(fn.thresholds), x, side="right")
            return np.asarray(fn.values, dtype=float)[idx]
        case PiecewiseValue():
            xs = np.array([p[0] for p in fn.points])
            ys = np.array([p[1] for p in fn.points])
            return np.interp(x, xs, ys, left=ys[0], right=ys[-1])
    raise TypeError(f"unknown value function {fn!r}")  # pragma: no cover


def rank_scores(score: np.ndarray, eligible: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rank eligible sites by score, best first (1); ties broken by id. Others get 0."""
    order = np.lexsort((ids.astype(str), -np.round(score, 9)))
    order = order[eligible[order]]
    rank = np.zeros(len(score), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    return rank

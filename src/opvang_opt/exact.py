"""Exact arithmetic where floating point meets integers: places, cents and integer bounds.

A scenario writes decimals (``persons_per_unit: 2.8``, ``min_keep_share: 0.2``) that binary
floating point cannot hold exactly: ``85 * 2.8`` is ``237.99999999999997`` and its floor 237,
not 238. These helpers take the decimal the user wrote (the shortest text that reads back as
the same float) as an exact fraction, and round with integer arithmetic.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

INTEGRALITY_TOLERANCE = 1e-9
"""Relative tolerance when a float bound meant as a whole number is rounded to an integer."""


def decimal_fraction(x: float | int | str | Fraction | Decimal) -> Fraction:
    """The exact fraction of the decimal a user wrote.

    A float is read through its shortest round-trip text (``repr``), so ``2.8`` becomes
    ``14/5``, not the binary value ``2.79999999999999982236431605997495353221893310546875``.

    Examples
    --------
    >>> decimal_fraction(2.8)
    Fraction(14, 5)
    >>> decimal_fraction("0.3333333")
    Fraction(3333333, 10000000)
    """
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite number: {x!r}")
        return Fraction(repr(x))
    return Fraction(x)


def floor_times(counts: np.ndarray | int, factor: float | Fraction) -> np.ndarray:
    """``floor(count * factor)`` exactly, for integer counts and a decimal factor.

    Examples
    --------
    >>> floor_times(np.array([85, 45, 10]), 2.8).tolist()
    [238, 126, 28]
    """
    f = decimal_fraction(factor)
    arr = np.asarray(counts, dtype=np.int64)
    if arr.size == 0 or int(np.abs(arr).max()) * abs(f.numerator) < 2**63:
        return (arr * f.numerator) // f.denominator
    # a factor written with many digits (3.0000000000000013 is 30000000000000013/10**16)
    # times a count overflows 64-bit integers: Python's integers are exact at any size
    out = [int(c) * f.numerator // f.denominator for c in arr.ravel().tolist()]
    return np.array(out, dtype=object if max(map(abs, out)) >= 2**63 else np.int64).reshape(
        arr.shape
    )


def integer_bound(x: float, *, upper: bool = True, tol: float = INTEGRALITY_TOLERANCE) -> int:
    """Round a float bound on a whole-number quantity, forgiving floating-point noise.

    An upper bound of ``15.999999999999996`` (``(1 - 0.2) * 20``) means 16, not 15: values
    within ``tol`` (relative, at least absolute ``tol``) of an integer are taken as that
    integer; otherwise an upper bound is rounded down and a lower bound up.

    Examples
    --------
    >>> integer_bound((1 - 0.2) * 20)
    16
    >>> integer_bound(15.5), integer_bound(15.5, upper=False)
    (15, 16)
    """
    if math.isinf(x):
        raise ValueError("an infinite bound has no integer value")
    nearest = round(x)
    if abs(x - nearest) <= tol * max(1.0, abs(x)):
        return int(nearest)
    return math.floor(x) if upper else math.ceil(x)


def integer_bounds(x: np.ndarray, *, upper: bool = True) -> np.ndarray:
    """:func:`integer_bound` over an array; infinite entries stay infinite (as float)."""
    arr = np.asarray(x, dtype=float)
    out = arr.copy()
    finite = np.isfinite(arr)
    nearest = np.round(arr[finite])
    close = np.abs(arr[finite] - nearest) <= INTEGRALITY_TOLERANCE * np.maximum(
        1.0, np.abs(arr[finite])
    )
    rounded = np.floor(arr[finite]) if upper else np.ceil(arr[finite])
    out[finite] = np.where(close, nearest, rounded)
    return out


def to_cents(amount: float | int | str | Decimal) -> int:
    """Euros as a whole number of cents, rounding half to even (bankers' rounding).

    Raises
    ------
    ValueError
        When the amount is not a finite number.

    Examples
    --------
    >>> to_cents(3.7e6), to_cents("1234.565"), to_cents(0.1 + 0.2)
    (370000000, 123456, 30)
    """
    try:
        d = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"not a number: {amount!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a finite number: {amount!r}")
    return int((d * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def cents_array(amounts: np.ndarray) -> np.ndarray:
    """:func:`to_cents` over an array of euro amounts (NaN stays missing as -1 is not used:
    the caller must have rejected missing values)."""
    return np.array([to_cents(float(a)) for a in np.asarray(amounts, dtype=float)], dtype=np.int64)


def apportion(total: int, weights: np.ndarray | list[float]) -> np.ndarray:
    """Split a whole number ``total`` into whole parts in proportion to ``weights``.

    The largest-remainder (Hamilton) method in exact rational arithmetic: every part gets
    the floor of its exact quota ``total * w_i / sum(w)``, and the units left over go one
    each to the largest remainders, ties to the earlier position. The parts sum to
    ``total`` exactly and each differs from its quota by less than one. Negative weights
    count as zero; with no positive weight the split is equal. A negative ``total`` is
    split as ``-apportion(-total, weights)``.

    Examples
    --------
    >>> apportion(100, [1, 1, 1]).tolist()
    [34, 33, 33]
    >>> apportion(7, [0.5, 0.25, -0.1, 0.25]).tolist()
    [3, 2, 0, 2]
    """
    total = int(total)
    if total < 0:
        return -apportion(-total, weights)
    w = [max(Fraction(float(x)), Fraction(0)) for x in np.asarray(weights, dtype=float)]
    if not w:
        if total:
            raise ValueError("nothing to apportion the total over")
        return np.zeros(0, dtype=np.int64)
    if sum(w) == 0:
        w = [Fraction(1)] * len(w)
    s = sum(w)
    quotas = [total * x / s for x in w]
    parts = [q.numerator // q.denominator for q in quotas]
    left = total - sum(parts)
    order = sorted(range(len(w)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return np.array(parts, dtype=np.int64)

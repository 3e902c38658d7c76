"""One definition of each hard rule that the model and the checker both apply.

The model (:mod:`~opvang_opt.allocation.model`) and the independent checker
(:mod:`~opvang_opt.allocation.check`) evaluate the rules in their own way (arrays of
unit types and classes against one row per placed household), but they read *what*
a rule says from here, so the two cannot drift apart:

* **occupancy**: a unit holds at most ``min(beds, floor(max_persons_per_bedroom *
  max(bedrooms, 1)))`` persons (a studio counts as one bedroom);
* **sharing** (``allow_shared_units``): households of exactly one person who is an
  adult may share a unit with other such households of the same group, up to the
  unit's occupancy and ``max_sharers_per_unit``. Nothing else narrows it: a single
  adult with a ban, a pin or a current unit may share like any other (its ban, pin and
  current unit apply as usual);
* **staying**: a household may keep its current unit only where every rule allows
  that unit for it, its own pins included (a household pinned to another unit or site
  moves);
* **mix rules** are exact rationals. A share is read as the fraction ``p/q`` nearest to
  it with ``q <= MAX_SHARE_DENOMINATOR`` (``0.3333333`` is 1/3, ``0.5`` is 1/2), or
  written as ``"p/q"`` in the scenario. "At most p of every q occupied units" is the
  integer row ``q * G - p * T <= max(q * G0 - p * T0, 0)`` (``G``/``T``: the rule's
  groups' / all occupied units of the site after allocation; ``G0``/``T0``: before),
  so no solver tolerance can decide it; "at least" is the same with the sign turned.
  With ``basis: units`` a rule counts over *all* the site's units (``U``, every unit
  listed for the site, occupied, free or delivered later) instead: "at most p of every
  q units" is ``q * G - p * U``; "at least p of every q units" keeps them for the
  rule's groups, so the other groups take at most ``q - p`` of every ``q`` units:
  ``q * (T - G) - (q - p) * U``. Such a rule does not change as a site fills: it means
  the same week by week (rolling) as over a whole year.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from opvang_opt.schema.allocation import MAX_SHARE_DENOMINATOR

__all__ = [
    "MAX_SHARE_DENOMINATOR",
    "may_share",
    "mix_allows",
    "mix_coefficients",
    "mix_excess",
    "persons_capacity",
    "share_fraction",
]


def share_fraction(share: float) -> Fraction:
    """The exact rational a mix-rule share stands for.

    Examples
    --------
    >>> share_fraction(0.3333333), share_fraction(0.5), share_fraction(0.05)
    (Fraction(1, 3), Fraction(1, 2), Fraction(1, 20))
    """
    return Fraction(share).limit_denominator(MAX_SHARE_DENOMINATOR)


def mix_excess(
    sense: int, share: Fraction, in_group: int, total: int, units: int | None = None
) -> int:
    """How far ``in_group`` of ``total`` occupied units exceed a mix bound, in ``1/q`` units.

    ``sense`` is +1 for a maximum share (``q * G - p * T``) and -1 for a minimum share
    (``p * T - q * G``). With ``units`` (the site's units, for a rule with ``basis:
    units``) the bound is on the site's units instead: ``q * G - p * U`` for a maximum,
    ``q * (T - G) - (q - p) * U`` for a minimum (the other groups' units). A site keeps
    the rule when the excess after allocation is at most ``max(excess before, 0)``.

    Examples
    --------
    >>> half = Fraction(1, 2)
    >>> mix_excess(1, half, 1, 1), mix_excess(1, half, 1, 1, units=4)
    (1, -2)
    >>> mix_excess(-1, half, 0, 3, units=4)  # 3 other units where 2 of 4 are kept
    2
    """
    q, p = share.denominator, share.numerator
    if units is None:
        return sense * (q * in_group - p * total)
    if sense == 1:
        return q * in_group - p * units
    return q * (total - in_group) - (q - p) * units


def mix_coefficients(sense: int, share: Fraction, by_units: bool) -> tuple[int, int]:
    """How much one more occupied unit of the rule's groups, and one of another group,
    adds to :func:`mix_excess` (the coefficients of a linear row).

    Examples
    --------
    >>> mix_coefficients(1, Fraction(3, 5), False), mix_coefficients(-1, Fraction(3, 5), True)
    ((2, -3), (0, 5))
    """
    units = 0 if by_units else None
    base = mix_excess(sense, share, 0, 0, units)
    return (
        mix_excess(sense, share, 1, 1, units) - base,
        mix_excess(sense, share, 0, 1, units) - base,
    )


def mix_allows(
    sense: int,
    share: Fraction,
    before: tuple[int, int],
    after: tuple[int, int],
    units: int | None = None,
) -> bool:
    """Whether a site going from ``before`` to ``after`` (each ``(in_group, total)``
    occupied units) keeps a mix bound: its excess (:func:`mix_excess`) after is at most
    ``max(excess before, 0)``, so a site that broke the rule may not break it further.

    Examples
    --------
    >>> mix_allows(1, Fraction(1, 2), (0, 0), (1, 2)), mix_allows(1, Fraction(1, 2), (0, 0), (1, 1))
    (True, False)
    """
    old = mix_excess(sense, share, before[0], before[1], units)
    return mix_excess(sense, share, after[0], after[1], units) <= max(old, 0)


def persons_capacity(beds: np.ndarray, bedrooms: np.ndarray, per_bedroom: float) -> np.ndarray:
    """Most persons each unit may hold: its beds and ``per_bedroom`` per bedroom."""
    by_rooms = np.floor(per_bedroom * np.maximum(np.asarray(bedrooms), 1) + 1e-9).astype(np.int64)
    return np.minimum(np.asarray(beds, np.int64), by_rooms)


def may_share(persons: np.ndarray, adults: np.ndarray, allow_shared_units: bool) -> np.ndarray:
    """Which households may share a unit: single adults, when sharing is allowed."""
    single = (np.asarray(persons) == 1) & (np.asarray(adults) == 1)
    return single & bool(allow_shared_units)

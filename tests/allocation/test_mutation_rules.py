"""The one definition of occupancy, sharing and the exact mix rules (``allocation/rules.py``).

Written for mutation testing (docs/mutation.md, twelfth session): each expected value is
worked by hand from the rule as the module's docstring states it, or computed with exact
rationals (``fractions.Fraction`` on the decimal text), never read from the code.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from opvang_opt.allocation.rules import (
    may_share,
    mix_allows,
    mix_coefficients,
    mix_excess,
    persons_capacity,
    share_fraction,
)


def test_a_share_is_read_as_the_nearest_fraction_with_a_denominator_of_at_most_1000() -> None:
    # fractions with q <= 1000 lie at least 1/(3 * 1000) from 1/3, and 0.3333 is 0.000033
    # from it: 1/3 is the nearest (the exact decimal would be 3333/10000)
    assert share_fraction(0.3333) == Fraction(1, 3)
    assert share_fraction(0.3333333) == Fraction(1, 3)
    assert share_fraction(0.05) == Fraction(1, 20)
    assert share_fraction(0.5) == Fraction(1, 2)
    # 1/999 and 999/1000 are within the limit and read as written
    assert share_fraction(1 / 999) == Fraction(1, 999)
    assert share_fraction(0.999) == Fraction(999, 1000)


def test_the_mix_excess_is_q_g_minus_p_t_with_the_sense() -> None:
    # at most 1/3: 2 of 5 occupied units in the group: 3 * 2 - 1 * 5 = 1 over
    assert mix_excess(1, Fraction(1, 3), 2, 5) == 1
    # at least 1/3, the same site: 1 * 5 - 3 * 2 = -1 (kept, one to spare)
    assert mix_excess(-1, Fraction(1, 3), 2, 5) == -1
    # at most 2/5: 1 of 4: 5 * 1 - 2 * 4 = -3
    assert mix_excess(1, Fraction(2, 5), 1, 4) == -3
    # at least 2/5: 2 * 4 - 5 * 1 = 3 short
    assert mix_excess(-1, Fraction(2, 5), 1, 4) == 3
    # exactly on the share: 0 either way
    assert mix_excess(1, Fraction(1, 4), 3, 12) == 0
    assert mix_excess(-1, Fraction(1, 4), 3, 12) == 0
    assert isinstance(mix_excess(1, Fraction(3, 7), 4, 9), int)


def test_the_mix_excess_on_the_site_units() -> None:
    # at most 2/5 of a site's 10 units: 4 may be the group's; 5 are 5 * 5 - 2 * 10 = 5 over
    assert mix_excess(1, Fraction(2, 5), 5, 7, units=10) == 5
    assert mix_excess(1, Fraction(2, 5), 4, 9, units=10) == 0
    # at least 2/5 of 10 units kept for the group: the others take at most 6;
    # 7 others (9 occupied, 2 of the group) are 5 * 7 - 3 * 10 = 5 over
    assert mix_excess(-1, Fraction(2, 5), 2, 9, units=10) == 5
    assert mix_excess(-1, Fraction(2, 5), 0, 6, units=10) == 0
    # units=0 is a site without units, not the occupied basis
    assert mix_excess(1, Fraction(1, 2), 1, 3, units=0) == 2


def test_the_mix_coefficients_are_what_one_more_unit_adds() -> None:
    # occupied basis, at most 3/5: a unit of the group adds 5 - 3, another -3; at least
    # 3/5: the signs turned
    assert mix_coefficients(1, Fraction(3, 5), False) == (2, -3)
    assert mix_coefficients(-1, Fraction(3, 5), False) == (-2, 3)
    # units basis: a maximum counts only the group's units, a minimum only the others'
    assert mix_coefficients(1, Fraction(3, 5), True) == (5, 0)
    assert mix_coefficients(-1, Fraction(3, 5), True) == (0, 5)


def test_mix_allows_no_worse_than_before() -> None:
    half = Fraction(1, 2)
    # from an empty site: 1 of 2 is on the share, 2 of 3 over
    assert mix_allows(1, half, (0, 0), (1, 2))
    assert not mix_allows(1, half, (0, 0), (2, 3))
    # a site over the share (3 of 4: excess 2) may go to 3 of 5 (excess 1), not 4 of 6 (2 ok)
    # nor 4 of 5 (excess 3)
    assert mix_allows(1, half, (3, 4), (3, 5))
    assert mix_allows(1, half, (3, 4), (4, 6))
    assert not mix_allows(1, half, (3, 4), (4, 5))
    # on 4 units: 2 of the group are on the share whatever is occupied; 3 are over
    assert mix_allows(1, half, (0, 0), (2, 2), units=4)
    assert not mix_allows(1, half, (0, 0), (3, 3), units=4)
    # a minimum on 4 units keeps 2 for the group: 2 others are allowed, 3 not
    assert mix_allows(-1, half, (0, 0), (0, 2), units=4)
    assert not mix_allows(-1, half, (0, 0), (1, 4), units=4)


def test_occupancy_is_the_beds_and_the_persons_per_bedroom_a_studio_one_bedroom() -> None:
    beds = np.array([5, 5, 3, 10, 2, 40])
    bedrooms = np.array([0, 2, 4, 3, 1, 1])
    # 2 per bedroom: studio 1 room -> 2; 2 rooms -> 4; 4 rooms -> 8 but 3 beds; 3 rooms -> 6;
    # 1 room -> 2 (2 beds); 1 room -> 2 (40 beds)
    got = persons_capacity(beds, bedrooms, 2.0)
    assert got.tolist() == [2, 4, 3, 6, 2, 2]
    assert got.dtype.kind == "i"
    # 1.5 per bedroom: 1.5, 3, 6, 4.5, 1.5, 1.5 -> floor 1, 3, 6 (3 beds), 4, 1, 1
    assert persons_capacity(beds, bedrooms, 1.5).tolist() == [1, 3, 3, 4, 1, 1]


def test_occupancy_is_exact_where_the_float_product_falls_just_below_a_whole_number() -> None:
    # 1.16 persons per bedroom in 25 bedrooms is 29 persons; in floating point the product
    # is 28.999999999999996, which a plain floor would make 28
    assert persons_capacity(np.array([40]), np.array([25]), 1.16).tolist() == [29]


def test_occupancy_is_whole_persons_whatever_the_beds_dtype() -> None:
    got = persons_capacity(np.array([3.0, 6.0]), np.array([1, 2]), 2.0)
    assert got.tolist() == [2, 4]  # 2 per bedroom: 2 and 4, under 3 and 6 beds
    assert got.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 30)), min_size=1, max_size=8
    ),  # (beds, bedrooms)
    hundredths=st.integers(1, 600),
)
def test_occupancy_equals_the_exact_rational_rule(rows, hundredths) -> None:
    per = Fraction(hundredths, 100)
    expected = [min(b, math.floor(per * max(r, 1))) for b, r in rows]
    beds = np.array([b for b, _ in rows])
    bedrooms = np.array([r for _, r in rows])
    assert persons_capacity(beds, bedrooms, hundredths / 100).tolist() == expected


def test_only_single_adults_may_share_and_only_when_sharing_is_allowed() -> None:
    persons = np.array([1, 1, 2, 2, 3, 1])
    adults = np.array([1, 0, 1, 2, 1, 1])
    # one adult alone; a lone minor; a parent and child; a couple; a family; one adult
    assert may_share(persons, adults, True).tolist() == [True, False, False, False, False, True]
    assert may_share(persons, adults, False).tolist() == [False] * 6
    got = may_share([1, 2], [1, 1], True)
    assert got.tolist() == [True, False]
    assert got.dtype == np.bool_

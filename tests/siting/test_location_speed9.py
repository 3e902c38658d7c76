"""The overlap and share routines as reworked for speed (issue 11) against brute force.

- :func:`convex_overlap_area` (the numpy clipping of two convex plots, now without padding
  masks when every ring has the same number of corners) equals GEOS's intersection area
  on random rectangles and convex polygons, also when they touch, contain each other, are
  identical or differ by micrometre noise far from the origin (RD New);
- the hull test's sample (:func:`_sample_apart`) makes the hulls of the sample's plots
  only, and says what the hulls of every plot say;
- :func:`_pick` (largest share, runner-up, share covered) equals a brute-force sort of
  each site's areas;
- :func:`_str_columns_at` (both ids columns of the pairs from one Arrow conversion) gives
  the columns each side's own conversion gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from opvang_opt.siting.location import (
    AreaLayer,
    _convex_rings,
    _Hulls,
    _no_shares,
    _pick,
    _sample_apart,
    _str_column,
    _str_columns_at,
    convex_overlap_area,
)

FAR = (121_000.0, 487_000.0)
"""An RD New point near Diemen: coordinates of this size lose their last bits first."""


def test_hand_worked_overlaps_of_two_squares():
    # 2 x 2 squares: shifted by (1, 1) they share 1 m²; side by side they touch (0); one
    # inside the other shares its own 1 m²; identical squares share all 4 m²; a corner
    # touching a corner shares nothing
    sq = box(0, 0, 2, 2)
    others = [box(1, 1, 3, 3), box(2, 0, 4, 2), box(0.5, 0.5, 1.5, 1.5), sq, box(2, 2, 3, 3)]
    ring_a, count_a = _convex_rings(np.array([sq] * len(others), dtype=object))
    ring_b, count_b = _convex_rings(np.array(others, dtype=object))
    got = convex_overlap_area(ring_a, count_a, ring_b, count_b)
    assert got.tolist() == [1.0, 0.0, 1.0, 4.0, 0.0]


def _convex(corners: list[tuple[int, int]]) -> Polygon | None:
    hull = shapely.MultiPoint(corners).convex_hull
    return hull if hull.geom_type == "Polygon" and hull.area > 0 else None


shape = st.one_of(
    # a rotated rectangle: centre, width, height, angle
    st.tuples(st.just("rect"), st.integers(0, 40), st.integers(0, 40), st.integers(1, 30),
              st.integers(1, 30), st.integers(0, 179)),
    # the convex hull of 3-8 points on a small grid
    st.tuples(st.just("hull"),
              st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=3,
                       max_size=8)),
)  # fmt: skip


def _shape(spec: tuple) -> Polygon | None:
    if spec[0] == "rect":
        _, x, y, w, h, angle = spec
        return shapely.affinity.rotate(box(x - w / 2, y - h / 2, x + w / 2, y + h / 2), angle)
    return _convex(spec[1])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(shape, st.sampled_from(["random", "touching", "inside", "same",
                                                "noise"])), min_size=1, max_size=12),
    shape, st.booleans(),
)  # fmt: skip
def test_convex_overlap_area_is_geos_intersection_area(specs, first, far):
    base = _shape(first)
    if base is None:
        return
    a_list, b_list = [], []
    for spec, how in specs:
        other = _shape(spec)
        if other is None:
            continue
        if how == "touching":  # moved to lie beside the first, sharing at most its edge
            x1 = base.bounds[2]
            ox0 = other.bounds[0]
            other = shapely.affinity.translate(other, x1 - ox0, 0)
        elif how == "inside":  # shrunk into the first
            other = shapely.affinity.scale(base, 0.5, 0.5)
        elif how == "same":
            other = base
        elif how == "noise":  # the first moved by a micrometre
            other = shapely.affinity.translate(base, 1e-6, -1e-6)
        a_list.append(base)
        b_list.append(other)
    if not a_list:
        return
    a = np.array(a_list, dtype=object)
    b = np.array(b_list, dtype=object)
    if far:
        a = shapely.transform(a, lambda xy: xy + np.array(FAR))
        b = shapely.transform(b, lambda xy: xy + np.array(FAR))
    ring_a, count_a = _convex_rings(a)
    ring_b, count_b = _convex_rings(b)
    assert (count_a > 0).all() and (count_b > 0).all()
    got = convex_overlap_area(ring_a, count_a, ring_b, count_b)
    want = shapely.area(shapely.intersection(a, b))
    scale = np.maximum(shapely.area(a), shapely.area(b))
    # the m² as the pairs report them (0.1 m²) never depend on the difference
    assert (np.abs(got - want) <= 1e-9 * np.maximum(scale, 1.0)).all(), (got, want)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(1, 30),
                  st.integers(1, 30), st.integers(0, 179), st.booleans()),
        min_size=2, max_size=25,
    ),
    st.sampled_from([0.5, 1.0, 20.0]), st.randoms(use_true_random=False),
)  # fmt: skip
def test_the_hull_sample_says_what_the_hulls_of_every_plot_say(specs, max_area, rnd):
    geoms = []
    for x, y, w, h, angle, ell in specs:
        shape_ = (
            Polygon([(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)])
            if ell
            else box(0, 0, w, h)
        )
        geoms.append(shapely.affinity.translate(shapely.affinity.rotate(shape_, angle), x, y))
    geoms = np.array(geoms, dtype=object)
    ring, count = _convex_rings(geoms)
    a, b = np.triu_indices(len(geoms), 1)
    pick = np.array(sorted(rnd.sample(range(len(a)), k=min(len(a), 1 + len(a) // 2))))
    a, b = a[pick], b[pick]
    full = _Hulls(geoms, ring, count).apart(a, b, max_area)
    assert _sample_apart(geoms, ring, count, a, b, max_area) == full.mean()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 4),
                       st.sampled_from([0.0, 0.1, 0.25, 1 / 3, 0.5, 0.7, 1.0, 1e-17])),
             max_size=40),
    st.lists(st.booleans(), min_size=10, max_size=10),
)  # fmt: skip
def test_pick_is_the_brute_force_largest_share_and_runner_up(rows, polygonal):
    # brute force: per site its pairs (one per area; a point or line only its first pair),
    # sorted by share (largest first), ties to the area first in the layer
    seen: set[tuple[int, int]] = set()
    pairs = []
    for s, a, w in rows:
        if (s, a) not in seen:
            seen.add((s, a))
            pairs.append((s, a, w))
    poly = np.array(polygonal)
    codes = np.array([f"A{k}" for k in range(5)], dtype=object)
    areas = AreaLayer(codes, codes, np.empty(5, dtype=object))
    out = tuple(_no_shares(10)[:6])
    si = np.array([p[0] for p in pairs], dtype=np.int64)
    ai = np.array([p[1] for p in pairs], dtype=np.int64)
    w = np.array([p[2] for p in pairs], dtype=float)
    _pick(si, ai, w, poly, areas, out)
    code, _name, share, code2, share2, covered = out
    for s in range(10):
        mine = [(w_, a) for s_, a, w_ in pairs if s_ == s]
        if not poly[s]:
            mine = mine[:1]
        mine.sort(key=lambda t: (-t[0], t[1]))
        assert code[s] == (f"A{mine[0][1]}" if mine else "")
        assert share[s] == (mine[0][0] if mine else 0.0)
        assert code2[s] == (f"A{mine[1][1]}" if len(mine) > 1 else "")
        assert share2[s] == (mine[1][0] if len(mine) > 1 else 0.0)
        assert abs(covered[s] - min(1.0, sum(t[0] for t in mine))) <= 1e-12


@given(
    st.lists(st.text(max_size=6), min_size=1, max_size=20),
    st.lists(st.integers(0, 19), max_size=30), st.lists(st.integers(0, 19), max_size=30),
)  # fmt: skip
def test_both_ids_columns_from_one_conversion_equal_each_sides_own(ids, i, j):
    values = np.array(ids, dtype=object)
    i = np.array([k % len(ids) for k in i], dtype=np.int64)
    j = np.array([k % len(ids) for k in j], dtype=np.int64)
    got = _str_columns_at(values, i, j)
    for col, at in zip(got, (i, j), strict=True):
        want = _str_column(values[at])
        pd.testing.assert_series_equal(pd.Series(col), pd.Series(want))

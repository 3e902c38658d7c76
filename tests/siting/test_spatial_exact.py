"""The fast spatial queries give exactly (bit for bit) what the plain GEOS queries give."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from opvang_opt.siting import spatial


def world(seed: int, n_sites: int, n_targets: int, target_kind: str, spread: float):
    """Random plots (rotated rectangles, points, lines, some empty) and targets.

    Coordinates on a coarse grid make ties and touching geometries common.
    """
    rng = np.random.default_rng(seed)
    cx, cy = np.round(rng.uniform(0, spread, (2, n_sites)), 0)
    w, h = rng.choice([0.0, 1.0, 5.0, 40.0, 300.0], (2, n_sites))
    ang = rng.choice([0.0, 0.3, np.pi / 4], n_sites)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx, dy = corners[None, :, 0] * w[:, None], corners[None, :, 1] * h[:, None]
    x = cx[:, None] + dx * np.cos(ang)[:, None] - dy * np.sin(ang)[:, None]
    y = cy[:, None] + dx * np.sin(ang)[:, None] + dy * np.cos(ang)[:, None]
    sites = shapely.polygons(np.stack([x, y], axis=-1))
    flat = (w == 0) | (h == 0)
    sites[flat] = shapely.points(cx[flat], cy[flat])
    sites[rng.random(n_sites) < 0.05] = shapely.LineString([(0, 0), (spread / 3, 7)])
    sites[rng.random(n_sites) < 0.03] = shapely.Polygon()
    txy = np.round(rng.uniform(-spread * 0.1, spread * 1.1, (n_targets, 2)), 0)
    targets = shapely.points(txy)
    if target_kind == "polygons":
        targets = shapely.buffer(targets, rng.choice([1.0, 20.0, 150.0], n_targets), quad_segs=3)
    elif target_kind == "duplicates" and n_targets:
        targets = np.concatenate([targets, targets[: n_targets // 2 + 1]])
    return sites, targets


CASES = dict(
    seed=st.integers(0, 10_000),
    n_sites=st.integers(1, 300),
    n_targets=st.integers(0, 60),
    target_kind=st.sampled_from(["points", "polygons", "duplicates"]),
    spread=st.sampled_from([50.0, 2_000.0, 100_000.0]),
)


@settings(max_examples=150, deadline=None)
@given(**CASES, workers=st.sampled_from([1, 2]), k=st.sampled_from([1, 2, 8]))
def test_nearest_distance_is_geos_nearest(seed, n_sites, n_targets, target_kind, spread,
                                          workers, k) -> None:  # fmt: skip
    sites, targets = world(seed, n_sites, n_targets, target_kind, spread)
    expected = spatial.strtree_nearest(sites, targets)
    got = spatial.nearest_distance(sites, targets, workers=workers, k=k)
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=150, deadline=None)
@given(**CASES, radius=st.sampled_from([0.0, 1.0, 25.0, 500.0, 3_000.0]))
def test_count_within_is_geos_dwithin(seed, n_sites, n_targets, target_kind, spread,
                                      radius) -> None:  # fmt: skip
    sites, targets = world(seed, n_sites, n_targets, target_kind, spread)
    expected = spatial.strtree_count_within(sites, targets, radius)
    got = spatial.count_within(sites, targets, radius, workers=2)
    np.testing.assert_array_equal(got, expected)


def test_hand_worked_distances() -> None:
    """A 10 x 10 square at the origin: a point inside is at 0, one 5 m right of it at 5,
    one diagonal from the corner (13, 14) at 5 (3-4-5)."""
    square = shapely.box(0, 0, 10, 10)
    pts = shapely.points([[5, 5], [15, 5], [13, 14]])
    sites = np.array([square, shapely.Point(15, 9)])
    # the point (15, 9) is 4 m from (15, 5), 10.8 m from (5, 5), 5.4 m from (13, 14)
    assert spatial.nearest_distance(sites, pts[1:]).tolist() == [5.0, 4.0]
    assert spatial.nearest_distance(sites, pts).tolist() == [0.0, 4.0]
    assert spatial.count_within(sites, pts, 5.0).tolist() == [3.0, 1.0]
    assert spatial.count_within(sites, pts, 4.999).tolist() == [1.0, 1.0]

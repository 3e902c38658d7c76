"""Exact spatial queries for the siting screen, faster than plain GEOS nearest queries.

Every function here returns exactly (bit for bit) what the plain shapely/GEOS query
returns; only the way candidates are found differs:

- :func:`nearest_distance` finds, for point targets, the candidates of each site with a
  k-d tree on the site's bounding-box centre, and proves with a distance bound that no
  other target can be closer. The distance itself is always GEOS's own
  (:func:`shapely.distance`), the same call the STRtree's nearest query makes, so the
  indicator is identical. Sites the bound cannot settle fall back to the STRtree.
- :func:`count_within` counts certain hits by the same bound and asks GEOS ``dwithin``
  only for the targets in the uncertain ring.

The bound: every point of a site lies within ``r`` (half its bounding-box diagonal) of
the box centre ``c``, so for a point ``p``, ``|c - p| - r <= distance(site, p) <=
|c - p| + r``. ``r`` is widened by a relative and an absolute margin far above float
rounding, so the bound never excludes a target GEOS would find.

Work is split into chunks of sites that run on a thread pool: shapely's vectorised
functions and scipy's k-d tree release the GIL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import shapely
from scipy.spatial import cKDTree

T = TypeVar("T")

K_NEIGHBOURS = 8
"""Candidates taken per site from the k-d tree before falling back to the STRtree."""
CHUNK = 50_000
"""Sites per chunk of work."""
MAX_TARGET_VERTICES = 256
"""Larger targets (a nature area, a province) are left to the STRtree."""
_REL, _ABS = 1e-9, 1e-6
"""Widening of the bound radius (relative, metres): far above float rounding."""


def default_workers() -> int:
    """Threads to use: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def thread_map(fn: Callable[[T], object], items: Iterable[T], workers: int) -> list:
    """``[fn(x) for x in items]``, on ``workers`` threads when more than one."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def chunks(n: int, size: int = CHUNK) -> list[slice]:
    """Slices of ``size`` covering ``range(n)`` (one empty slice when ``n`` is 0)."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)] or [slice(0, 0)]


def site_discs(sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounding-box centre and widened half-diagonal of each site, and which are usable.

    Returns
    -------
    (centre, radius, valid)
        ``centre`` (n, 2), ``radius`` (n,), ``valid`` (n,) False for missing or empty
        geometries (GEOS finds nothing for them).
    """
    bounds = shapely.bounds(sites)
    valid = np.isfinite(bounds).all(axis=1)
    bounds = np.where(valid[:, None], bounds, 0.0)
    centre = np.column_stack(
        [(bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0]
    )
    half = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2.0
    scale = np.abs(centre).max(axis=1) + half
    return centre, half + _REL * scale + _ABS, valid


def _point_targets(targets: np.ndarray) -> np.ndarray | None:
    """Coordinates of the targets when every one is a non-empty 2D point; else None."""
    if len(targets) == 0:
        return None
    kinds = shapely.get_type_id(targets)
    if not (kinds == 0).all() or shapely.is_empty(targets).any():
        return None
    return shapely.get_coordinates(targets)


def strtree_nearest(sites: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The plain GEOS query: distance to the nearest target; inf if none."""
    out = np.full(len(sites), np.inf)
    if len(targets) == 0 or len(sites) == 0:
        return out
    tree = shapely.STRtree(targets)
    (idx_site, _), dist = tree.query_nearest(sites, return_distance=True, all_matches=False)
    out[idx_site] = dist
    return out


Discs = tuple[np.ndarray, np.ndarray, np.ndarray]
"""What :func:`site_discs` returns: computed once per screen and shared by its queries."""


def nearest_distance(
    sites: np.ndarray,
    targets: np.ndarray,
    workers: int = 1,
    k: int = K_NEIGHBOURS,
    discs: Discs | None = None,
) -> np.ndarray:
    """Distance from each site to the nearest target (0 inside or touching); inf if none.

    Identical to :func:`strtree_nearest`; faster when the targets are points.

    Parameters
    ----------
    sites, targets
        Geometry arrays (same CRS).
    workers
        Threads for the chunks of sites.
    k
        Candidates per site from the k-d tree before the STRtree fallback.
    discs
        :func:`site_discs` of ``sites``, when already computed.

    Returns
    -------
    numpy.ndarray
        One float per site.
    """
    sites, targets = np.asarray(sites), np.asarray(targets)
    n = len(sites)
    if n == 0 or len(targets) == 0:
        return strtree_nearest(sites, targets)
    xy = _point_targets(targets)
    if xy is not None:
        t_radius = np.zeros(len(xy))
    else:  # small polygons or lines: bound each by its own disc
        if shapely.get_num_coordinates(targets).max() > MAX_TARGET_VERTICES:
            return strtree_nearest(sites, targets)
        xy, t_radius, t_valid = site_discs(targets)
        if not t_valid.all():
            return strtree_nearest(sites, targets)
    r_max = float(t_radius.max())
    kd = cKDTree(xy)
    k = max(1, min(k, len(xy)))
    centre, radius, valid = discs if discs is not None else site_discs(sites)

    def chunk(part: slice) -> np.ndarray:
        s, c, r, ok = sites[part], centre[part], radius[part], valid[part]
        dist, idx = kd.query(c, k=k)
        dist, idx = dist.reshape(len(s), k), idx.reshape(len(s), k)
        live = np.flatnonzero(ok)
        best = np.full(len(s), np.inf)
        best[live] = shapely.distance(s[live], targets[idx[live, 0]])
        active = live
        for j in range(1, k):  # candidates in order of centre distance
            # no target from here on can beat the best: the site is settled
            active = active[dist[active, j] - r[active] - r_max <= best[active]]
            if len(active) == 0:
                break
            cand = active[dist[active, j] - r[active] - t_radius[idx[active, j]] <= best[active]]
            if len(cand):
                d = shapely.distance(s[cand], targets[idx[cand, j]])
                best[cand] = np.minimum(best[cand], d)
        else:  # a target beyond the k-th may still be closer: ask the STRtree
            if k < len(xy):
                active = active[dist[active, k - 1] - r[active] - r_max <= best[active]]
                if len(active):
                    best[active] = strtree_nearest(s[active], targets)
        return best

    parts = thread_map(chunk, chunks(n), workers)
    return np.concatenate(parts)


def strtree_count_within(sites: np.ndarray, targets: np.ndarray, radius: float) -> np.ndarray:
    """The plain GEOS query: number of targets within ``radius`` of each site."""
    if len(targets) == 0:
        return np.zeros(len(sites), dtype=float)
    tree = shapely.STRtree(targets)
    idx_site, _ = tree.query(sites, predicate="dwithin", distance=radius)
    return np.bincount(idx_site, minlength=len(sites)).astype(float)


def count_within(
    sites: np.ndarray,
    targets: np.ndarray,
    radius: float,
    workers: int = 1,
    discs: Discs | None = None,
) -> np.ndarray:
    """Number of targets within ``radius`` (GEOS ``dwithin``) of each site.

    Identical to :func:`strtree_count_within`; faster when the targets are points:
    targets within ``radius - r`` of a site's centre count without a GEOS call, and only
    those in the ring up to ``radius + r`` are tested.
    """
    sites, targets = np.asarray(sites), np.asarray(targets)
    n = len(sites)
    xy = _point_targets(targets)
    if xy is None or n == 0:
        return strtree_count_within(sites, targets, radius)
    kd = cKDTree(xy)
    centre, rad, valid = discs if discs is not None else site_discs(sites)

    reach = float(radius + rad[valid].max()) if valid.any() else 0.0

    def chunk(part: slice) -> np.ndarray:
        s, c, r, ok = sites[part], centre[part], rad[part], valid[part]
        live = np.flatnonzero(ok)
        out = np.zeros(len(s))
        if len(live) == 0:
            return out
        pairs = cKDTree(c[live]).sparse_distance_matrix(kd, reach, output_type="ndarray")
        ps, pt, d = pairs["i"], pairs["j"], pairs["v"]
        near = d <= radius + r[live[ps]]
        ps, pt, d = ps[near], pt[near], d[near]
        sure = d <= radius - r[live[ps]]
        ring = np.flatnonzero(~sure)
        hit = sure.copy()
        hit[ring] = shapely.dwithin(s[live[ps[ring]]], targets[pt[ring]], radius)
        out[live] = np.bincount(ps[hit], minlength=len(live))
        return out

    return np.concatenate(thread_map(chunk, chunks(n), workers))

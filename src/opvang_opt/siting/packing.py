"""How many flexwoning footprints fit on a plot: exact row packing at the best orientation.

The model
---------
Units are rectangles ``unit_width`` x ``unit_depth`` (m), laid out in straight rows. In a
layout turned by ``angle_deg`` (counter-clockwise from east), a row runs along the angle
and every unit in it shows its ``unit_width`` along the row. Rows are ``unit_depth +
spacing`` apart (so units in neighbouring rows are at least ``spacing`` apart); inside a
row, units are at least ``spacing`` apart. Every unit lies inside the *setback polygon*:
the plot eroded by ``setback`` m (:func:`setback_polygon`; holes in the plot count as plot
edges, so units also keep the setback from a hole).

How a row is filled (exact, no sampling)
----------------------------------------
In the frame turned by the angle a row is a horizontal band ``y0 < y < y0 + depth``.
Every boundary edge of the setback polygon is clipped to the band and projected onto the
row axis; the union of these projections is where a unit would cross the boundary. Between
two such blocked intervals the band contains no boundary at all, so it lies wholly inside
or wholly outside the polygon; which one follows from the parity of the edges that cross
the band's mid-line to the left (the ray-casting rule). Each free interval inside the
polygon is then filled greedily from the left, keeping ``spacing`` to the last unit placed
in the same row (greedy is optimal for equal units on a line). A placed rectangle is
therefore always inside the setback polygon - up to ``TOLERANCE_M`` (1 millimetre) of
slack, which lets a unit touch the setback line exactly. The slack is a millimetre, not a
micrometre, because plots arrive with their coordinates rounded (6 decimals in WKT and many
GeoPackages): a row that fits a plot exactly, along an edge that is off by a micrometre,
was otherwise blocked over its whole length (the demo's S027: 93 units instead of 102).

Everything for all orientations, row offsets and rows of one plot is computed in one set
of numpy operations over the (edge, row) pairs that can meet.

Orientation search
------------------
By default: the directions of the setback polygon's minimum rotated rectangle and of its
three longest edges, each also turned 90 degrees, plus a sweep every ``sweep_deg``
(15 degrees). For each orientation ``offsets`` row phases are tried, spread evenly between
rows flush with the bottom and rows flush with the top of the polygon. The layout with the
most units wins; ties go to the earliest candidate in that order. The search over angles
and phases is a heuristic (the best layout is not proven optimal), the filling of each row
is exact.

Access paths
------------
``count = floor(raw_count * (1 - path_share))``: a share of the packed units is given up
for access roads and paths (the ``spacing`` between rows already gives footpaths). The
given-up units are spread evenly over the layout (every k-th unit in row order) and
returned separately, so a map can draw them in another style.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

TOLERANCE_M = 1e-3
"""Floating point slack (m): a unit may touch the setback line, or lie this much beyond it."""

SETBACK_QUAD_SEGS = 16
"""Segments per quarter circle where the setback rounds a concave plot corner. GEOS
approximates the eroded polygon (arcs by chords, and it simplifies the offset line by up to
1 % of the distance), so the setback polygon keeps at least 99 % of the setback from the
plot edge (measured: 99.7 %); the units are exactly inside the setback polygon."""

DEFAULT_SWEEP_DEG = 15.0
_POOL_THRESHOLD = 4000  # pack_many(processes=None) uses a pool from this many polygons on


@dataclass(frozen=True)
class PackResult:
    """The unit layout of one plot.

    Attributes
    ----------
    count
        Units after the path share: ``floor(raw_count * (1 - path_share))``.
    raw_count
        Units packed before any is given up for paths.
    angle_deg
        Direction of the rows, degrees counter-clockwise from east, in [0, 180); NaN when
        nothing fits.
    footprints
        The ``count`` kept units as rectangles, in the plot's own coordinates.
    path_footprints
        The ``raw_count - count`` units given up for paths (spread evenly over the layout).
    row_offset_m
        Distance from the polygon's lowest point (in the turned frame) to the first row.
    """

    count: int
    raw_count: int
    angle_deg: float
    footprints: shapely.MultiPolygon
    path_footprints: shapely.MultiPolygon
    row_offset_m: float = 0.0


@dataclass(frozen=True)
class _Params:
    width: float
    depth: float
    spacing: float
    setback: float
    path_share: float
    angles: tuple[float, ...] | None
    offsets: int
    sweep_deg: float | None


def setback_polygon(polygon: BaseGeometry, setback: float) -> BaseGeometry:
    """The part of a plot at least ``setback`` m from its edges (and from its holes).

    Parameters
    ----------
    polygon
        A shapely Polygon or MultiPolygon in a metric CRS.
    setback
        Distance from the plot edge in metres (0 or more).

    Returns
    -------
    shapely geometry
        The plot eroded by ``setback`` (concave corners rounded with
        ``SETBACK_QUAD_SEGS`` segments per quarter circle); empty when nothing is left.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> setback_polygon(box(0, 0, 100, 50), 5.0).bounds
    (5.0, 5.0, 95.0, 45.0)
    """
    return shapely.buffer(polygon, -float(setback), quad_segs=SETBACK_QUAD_SEGS)


def _check_params(
    unit_width: float,
    unit_depth: float,
    spacing: float,
    setback: float,
    path_share: float,
    angles: Sequence[float] | None,
    offsets: int,
    sweep_deg: float | None,
) -> _Params:
    problems = []
    if not unit_width > 0 or not math.isfinite(unit_width):
        problems.append(f"unit_width must be > 0, got {unit_width!r}")
    if not unit_depth > 0 or not math.isfinite(unit_depth):
        problems.append(f"unit_depth must be > 0, got {unit_depth!r}")
    if not spacing >= 0 or not math.isfinite(spacing):
        problems.append(f"spacing must be >= 0, got {spacing!r}")
    if not setback >= 0 or not math.isfinite(setback):
        problems.append(f"setback must be >= 0, got {setback!r}")
    if not 0 <= path_share < 1:
        problems.append(f"path_share must be in [0, 1), got {path_share!r}")
    if int(offsets) != offsets or offsets < 1:
        problems.append(f"offsets must be an integer >= 1, got {offsets!r}")
    if sweep_deg is not None and not 0 < sweep_deg <= 180:
        problems.append(f"sweep_deg must be in (0, 180] or None, got {sweep_deg!r}")
    if angles is not None and (
        len(angles) == 0 or not all(math.isfinite(float(a)) for a in angles)
    ):
        problems.append("angles must be a non-empty sequence of finite numbers or None")
    if problems:
        raise ValueError("; ".join(problems))
    return _Params(
        float(unit_width),
        float(unit_depth),
        float(spacing),
        float(setback),
        float(path_share),
        None if angles is None else tuple(float(a) for a in angles),
        int(offsets),
        None if sweep_deg is None else float(sweep_deg),
    )


def _edges(inner: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Start and end points (E x 2 each) of every boundary edge of a (multi)polygon."""
    rings = shapely.get_rings(shapely.get_parts(inner))
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    same = idx[1:] == idx[:-1]
    return xy[:-1][same], xy[1:][same]


def _candidate_angles(
    inner: BaseGeometry, p0: np.ndarray, p1: np.ndarray, params: _Params
) -> np.ndarray:
    """Row directions to try (degrees in [0, 180)), best guesses first, duplicates removed."""
    if params.angles is not None:
        cand = list(params.angles)
    else:
        cand = []
        mrr = shapely.get_coordinates(shapely.minimum_rotated_rectangle(inner))
        if len(mrr) >= 3:
            d = mrr[1] - mrr[0]
            if np.hypot(*d) < 1e-9:  # degenerate rectangle: take the next side
                d = mrr[2] - mrr[1]
            a = math.degrees(math.atan2(d[1], d[0]))
            cand += [a, a + 90.0]
        d = p1 - p0
        length = np.hypot(d[:, 0], d[:, 1])
        for i in np.argsort(-length, kind="stable")[:3]:
            a = math.degrees(math.atan2(d[i, 1], d[i, 0]))
            cand += [a, a + 90.0]
        if params.sweep_deg is not None:
            cand += list(np.arange(0.0, 180.0 - 1e-9, params.sweep_deg))
    angles = np.round(np.asarray(cand, dtype=float) % 180.0, 6) % 180.0
    _, first = np.unique(angles, return_index=True)
    return angles[np.sort(first)]


def _pack_one(
    polygon: BaseGeometry | None,
    inner: BaseGeometry | None,
    params: _Params,
    want_layout: bool,
) -> tuple[int, float, np.ndarray | None, float]:
    """Pack one plot; returns (raw_count, angle_deg, unit corners (N x 4 x 2) or None, phase)."""
    if polygon is None or shapely.is_empty(polygon):
        return 0, math.nan, (np.empty((0, 4, 2)) if want_layout else None), 0.0
    if shapely.get_type_id(polygon) not in (3, 6):  # Polygon, MultiPolygon
        raise ValueError(f"pack_units needs a Polygon or MultiPolygon, got {polygon.geom_type}")
    if inner is None:
        inner = setback_polygon(polygon, params.setback)
    empty = (0, math.nan, (np.empty((0, 4, 2)) if want_layout else None), 0.0)
    if shapely.is_empty(inner):
        return empty
    w, dep, s, tol = params.width, params.depth, params.spacing, TOLERANCE_M
    pitch = dep + s
    p0, p1 = _edges(inner)
    if len(p0) < 3:
        return empty
    xmin, ymin, xmax, ymax = shapely.bounds(inner)
    centre = np.array([(xmin + xmax) / 2.0, (ymin + ymax) / 2.0])
    p0 = p0 - centre
    p1 = p1 - centre
    reach = float(np.max(np.abs(np.concatenate([p0, p1])))) * 1.5 + 1.0  # |u|, |v| < reach

    angles = _candidate_angles(inner, p0 + centre, p1 + centre, params)
    rad = np.radians(angles)
    cos, sin = np.cos(rad)[:, None], np.sin(rad)[:, None]
    # turned frame per orientation (K x E): u along the rows, v across them
    ua = p0[:, 0] * cos + p0[:, 1] * sin
    va = -p0[:, 0] * sin + p0[:, 1] * cos
    ub = p1[:, 0] * cos + p1[:, 1] * sin
    vb = -p1[:, 0] * sin + p1[:, 1] * cos
    vmin = np.minimum(va.min(axis=1), vb.min(axis=1))
    height = np.maximum(va.max(axis=1), vb.max(axis=1)) - vmin
    n_rows = np.floor((height + s + tol) / pitch).astype(np.int64)
    n_rows[height + tol < dep] = 0
    slack = np.maximum(height - (n_rows * pitch - s), 0.0)

    # blocks = (orientation, row phase)
    n_k, n_j = len(angles), params.offsets
    frac = np.arange(n_j) / (n_j - 1) if n_j > 1 else np.zeros(1)
    blk_k = np.repeat(np.arange(n_k), n_j)
    blk_phase = (slack[:, None] * frac[None, :]).ravel()
    blk_y = vmin[blk_k] + blk_phase  # y0 of row 0
    blk_rows = n_rows[blk_k]
    blk_first = np.concatenate([[0], np.cumsum(blk_rows)[:-1]])  # global id of row 0
    if blk_rows.sum() == 0:
        return empty

    # (block, edge) -> range of rows whose open band the edge reaches
    elo = np.minimum(va, vb)[blk_k]  # (B x E)
    ehi = np.maximum(va, vb)[blk_k]
    base = blk_y[:, None]
    r_lo = np.floor((elo + tol - dep - base) / pitch).astype(np.int64) + 1
    r_hi = np.ceil((ehi - tol - base) / pitch).astype(np.int64) - 1
    np.maximum(r_lo, 0, out=r_lo)
    np.minimum(r_hi, blk_rows[:, None] - 1, out=r_hi)
    cnt = np.maximum(r_hi - r_lo + 1, 0).ravel()
    total = int(cnt.sum())
    n_e = p0.shape[0]
    if total == 0:  # cannot happen for a polygon with rows, kept for safety
        return empty
    pair = np.repeat(np.arange(cnt.size), cnt)  # flat (block, edge) index per pair
    start = np.cumsum(cnt) - cnt
    row = r_lo.ravel()[pair] + (np.arange(total) - start[pair])
    b = pair // n_e
    e = pair % n_e
    k = blk_k[b]
    y0 = blk_y[b] + row * pitch
    y1 = y0 + dep
    xa, ya, xb, yb = ua[k, e], va[k, e], ub[k, e], vb[k, e]
    dy = yb - ya
    flat = np.abs(dy) < 1e-12
    safe = np.where(flat, 1.0, dy)
    t0 = (y0 - ya) / safe
    t1 = (y1 - ya) / safe
    tlo = np.where(flat, 0.0, np.clip(np.minimum(t0, t1), 0.0, 1.0))
    thi = np.where(flat, 1.0, np.clip(np.maximum(t0, t1), 0.0, 1.0))
    xa_c = xa + tlo * (xb - xa)
    xb_c = xa + thi * (xb - xa)
    lo = np.minimum(xa_c, xb_c)
    hi = np.maximum(xa_c, xb_c)
    ym = (y0 + y1) / 2.0
    cross = ((ya > ym) != (yb > ym)).astype(np.int64)  # half-open ray-casting rule
    g = blk_first[b] + row  # global row id

    # sort by (row, lo); merge overlapping projections per row
    big = 2.0 * reach + 1.0
    key_lo = g * big + (lo + reach)
    order = np.argsort(key_lo, kind="stable")
    key_lo = key_lo[order]
    key_hi = (g * big + (hi + reach))[order]
    g = g[order]
    cross = cross[order]
    cm = np.maximum.accumulate(key_hi)
    new = np.ones(total, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (key_lo[1:] > cm[:-1])
    first_idx = np.flatnonzero(new)
    last_idx = np.concatenate([first_idx[1:] - 1, [total - 1]])
    c_g = g[first_idx]
    c_lo = key_lo[first_idx] - c_g * big - reach
    c_hi = cm[last_idx] - c_g * big - reach
    c_parity = np.cumsum(np.add.reduceat(cross, first_idx)) % 2  # every row crosses evenly

    # gaps between consecutive blocked intervals of a row that lie inside the polygon
    inside = (c_g[:-1] == c_g[1:]) & (c_parity[:-1] == 1)
    gi = np.flatnonzero(inside)
    a = c_hi[gi]
    bnd = c_lo[gi + 1]
    gg = c_g[gi]
    keep = bnd - a + tol >= w
    a, bnd, gg = a[keep], bnd[keep], gg[keep]
    n_gap = a.size
    a_eff = a.copy()
    unit = w + s
    for _ in range(n_gap + 1):  # greedy spacing to the last unit of the row, fixed point
        n = np.maximum(np.floor((bnd - a_eff + s + tol) / unit), 0.0)
        n[bnd - a_eff + tol < w] = 0.0
        last_end = np.where(n > 0, a_eff + n * unit - s, -np.inf)
        run = np.maximum.accumulate(np.where(n > 0, gg * big + (last_end + reach), gg * big))
        prev = np.full(n_gap, -np.inf)
        if n_gap > 1:
            same = gg[1:] == gg[:-1]
            prev_end = run[:-1] - gg[:-1] * big - reach
            has = same & (run[:-1] > gg[:-1] * big)
            prev[1:] = np.where(has, prev_end, -np.inf)
        new_a = np.maximum(a, prev + s)
        if np.array_equal(new_a, a_eff):
            break
        a_eff = new_a

    # count per block, pick the best
    row_block = np.repeat(np.arange(blk_rows.size), blk_rows)
    gap_block = row_block[gg]
    raw_b = np.bincount(gap_block, weights=n, minlength=blk_rows.size)
    best = int(np.argmax(raw_b))
    raw = int(raw_b[best] + 0.5)
    if raw == 0:
        return empty
    angle = float(angles[blk_k[best]])
    phase = float(blk_phase[best])
    if not want_layout:
        return raw, angle, None, phase

    sel = (gap_block == best) & (n > 0)
    n_sel = n[sel].astype(np.int64)
    starts = np.repeat(a_eff[sel], n_sel) + unit * (
        np.arange(n_sel.sum()) - np.repeat(np.cumsum(n_sel) - n_sel, n_sel)
    )
    rows_y = np.repeat(blk_y[best] + (gg[sel] - blk_first[best]) * pitch, n_sel)
    uu = np.stack([starts, starts + w, starts + w, starts], axis=1)
    vv = np.stack([rows_y, rows_y, rows_y + dep, rows_y + dep], axis=1)
    c, sn = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = np.stack([uu * c - vv * sn + centre[0], uu * sn + vv * c + centre[1]], axis=2)
    return raw, angle, corners, phase


def _path_mask(raw: int, count: int) -> np.ndarray:
    """Boolean mask (length raw) of the units given up for paths, spread evenly."""
    mask = np.zeros(raw, dtype=bool)
    give = raw - count
    if give > 0:
        mask[np.floor((np.arange(give) + 0.5) * raw / give).astype(np.int64)] = True
    return mask


def _apply_path_share(raw: int, path_share: float) -> int:
    return math.floor(raw * (1.0 - path_share) + 1e-9)


def pack_units(
    polygon: BaseGeometry,
    *,
    unit_width: float,
    unit_depth: float,
    spacing: float,
    setback: float,
    path_share: float,
    angles: Sequence[float] | None = None,
    offsets: int = 2,
    sweep_deg: float | None = DEFAULT_SWEEP_DEG,
) -> PackResult:
    """Lay out flexwoning footprints on a plot at the best orientation.

    Parameters
    ----------
    polygon
        The plot: a shapely Polygon or MultiPolygon in a metric CRS (e.g. RD New). Holes
        count as plot edges. ``None`` or an empty geometry gives zero units.
    unit_width, unit_depth
        Footprint of one unit (m); ``unit_width`` runs along the row.
    spacing
        Minimum distance between units (m), within and between rows.
    setback
        Minimum distance from the plot edge (m).
    path_share
        Share of the packed units given up for access paths, in [0, 1).
    angles
        Row directions to try (degrees counter-clockwise from east). ``None``: the
        directions of the minimum rotated rectangle and of the three longest edges, each
        also turned 90 degrees, plus a sweep every ``sweep_deg``.
    offsets
        Row phases per orientation, evenly spread from bottom-flush to top-flush rows
        (1: bottom-flush only).
    sweep_deg
        Step of the extra sweep over [0, 180) degrees; ``None`` for no sweep. Ignored when
        ``angles`` is given.

    Returns
    -------
    PackResult
        Count after the path share, raw count, row direction and the unit rectangles.

    Raises
    ------
    ValueError
        On a non-polygonal geometry or a parameter out of range.

    Examples
    --------
    A 100 x 50 m plot, 10 x 5 m units, 2 m apart and 5 m from the edge: the usable
    90 x 40 m holds 7 units per row (7 x 10 + 6 x 2 = 82 <= 90) and 6 rows
    (6 x 5 + 5 x 2 = 40 <= 40).

    >>> from shapely.geometry import box
    >>> r = pack_units(box(0, 0, 100, 50), unit_width=10, unit_depth=5, spacing=2,
    ...                setback=5, path_share=0.2)
    >>> r.raw_count, r.count, r.angle_deg
    (42, 33, 0.0)
    """
    params = _check_params(
        unit_width, unit_depth, spacing, setback, path_share, angles, offsets, sweep_deg
    )
    raw, angle, corners, phase = _pack_one(polygon, None, params, want_layout=True)
    count = _apply_path_share(raw, params.path_share)
    assert corners is not None
    polys = shapely.polygons(corners) if len(corners) else np.empty(0, dtype=object)
    mask = _path_mask(raw, count)
    return PackResult(
        count=count,
        raw_count=raw,
        angle_deg=angle,
        footprints=shapely.MultiPolygon(list(polys[~mask])),
        path_footprints=shapely.MultiPolygon(list(polys[mask])),
        row_offset_m=phase,
    )


def _pack_chunk(args: tuple[np.ndarray, _Params]) -> tuple[np.ndarray, np.ndarray]:
    wkb, params = args
    polys = shapely.from_wkb(wkb)
    return _pack_array(polys, params)


def _pack_array(polys: np.ndarray, params: _Params) -> tuple[np.ndarray, np.ndarray]:
    inner = setback_polygon(polys, params.setback)
    counts = np.zeros(len(polys), dtype=np.int64)
    angles = np.full(len(polys), np.nan)
    for i in range(len(polys)):
        raw, angle, _, _ = _pack_one(polys[i], inner[i], params, want_layout=False)
        counts[i] = _apply_path_share(raw, params.path_share)
        angles[i] = angle
    return counts, angles


def pack_many(
    polygons: Sequence[BaseGeometry | None] | np.ndarray,
    *,
    unit_width: float,
    unit_depth: float,
    spacing: float,
    setback: float,
    path_share: float,
    angles: Sequence[float] | None = None,
    offsets: int = 2,
    sweep_deg: float | None = DEFAULT_SWEEP_DEG,
    processes: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pack many plots; the counts equal those of :func:`pack_units` plot by plot.

    Parameters
    ----------
    polygons
        Plots (shapely Polygon or MultiPolygon; ``None`` or empty gives 0 units), e.g.
        ``gdf.geometry.values``.
    unit_width, unit_depth, spacing, setback, path_share, angles, offsets, sweep_deg
        As in :func:`pack_units`.
    processes
        ``1``: in this process. ``k > 1``: a pool of ``k`` worker processes. ``None``: a
        pool of all cores from 4,000 plots on (starting workers costs about a second),
        otherwise in this process.

    Returns
    -------
    (counts, angles)
        Units per plot after the path share (int64) and the row direction in degrees
        (NaN where nothing fits).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> counts, angles = pack_many([box(0, 0, 100, 50), None, box(0, 0, 12, 12)],
    ...                            unit_width=10, unit_depth=5, spacing=2, setback=5,
    ...                            path_share=0.0)
    >>> counts.tolist()
    [42, 0, 0]
    """
    params = _check_params(
        unit_width, unit_depth, spacing, setback, path_share, angles, offsets, sweep_deg
    )
    polys = np.asarray(polygons, dtype=object)
    if polys.ndim != 1:
        polys = polys.ravel()
    n = len(polys)
    if processes is None:
        processes = (os.cpu_count() or 1) if n >= _POOL_THRESHOLD else 1
    if processes < 1:
        raise ValueError(f"processes must be >= 1 or None, got {processes!r}")
    if processes == 1 or n < 2:
        return _pack_array(polys, params)
    wkb = shapely.to_wkb(polys)
    n_chunks = min(n, processes * 4)
    chunks = np.array_split(np.arange(n), n_chunks)
    method = "forkserver" if "forkserver" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context(method)) as pool:
        parts = list(pool.map(_pack_chunk, [(wkb[c], params) for c in chunks]))
    counts = np.concatenate([p[0] for p in parts])
    out_angles = np.concatenate([p[1] for p in parts])
    return counts, out_angles

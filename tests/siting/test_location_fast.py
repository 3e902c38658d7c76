"""The fast paths of the site locations and overlap checks equal the slow, exact ones.

- :func:`nested_shares` (a site in the interior of a buurt takes its wijk and municipality
  when they hold that buurt alone) gives exactly what measuring each layer on its own
  gives, and both agree with a brute-force intersection-area argmax (ties to the area
  that comes first in the layer);
- the hull test of :func:`overlapping_pairs` never drops a pair that overlaps by
  ``min_area``: the pairs equal the pairwise definition, also for tiling parcels (which
  share their edges) and for non-convex plots;
- :func:`conflict_lists` gives each site its conflicting sites in the order the pairs
  list them, as the dictionary it replaces did.
"""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from opvang_opt.siting.location import (
    AreaLayer,
    _convex_rings,
    _Hulls,
    _largest_share,
    largest_share,
    nested_shares,
    nesting,
    overlapping_pairs,
    tiles,
)
from opvang_opt.siting.shortlist import conflict_lists


def _grid(nx: int, ny: int, x0: int, y0: int, step: int, prefix: str) -> AreaLayer:
    boxes, codes = [], []
    for i in range(nx):
        for j in range(ny):
            boxes.append(
                box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
            )
            codes.append(f"{prefix}{i}{j}")
    c = np.array(codes, dtype=object)
    return AreaLayer(c, c, np.array(boxes, dtype=object))


def _areas(offset: int) -> dict[str, AreaLayer]:
    """Municipalities of 12 x 24, wijken of 6 x 6 and buurten of 3 x 3 (or 4 x 4 shifted by
    ``offset``: then some buurten straddle a wijk or municipality border)."""
    areas = {
        "municipality": _grid(2, 1, 0, 0, 12, "GM"),
        "wijk": _grid(4, 4, 0, 0, 6, "WK"),
    }
    if offset == 0:
        areas["buurt"] = _grid(8, 8, 0, 0, 3, "BU")
    else:
        areas["buurt"] = _grid(7, 7, -offset, -offset, 4, "BU")
    # municipalities are 12 wide: stretch them over the 24 x 24 world
    gm = areas["municipality"]
    areas["municipality"] = AreaLayer(
        gm.codes, gm.names, np.array([box(0, 0, 12, 24), box(12, 0, 24, 24)], dtype=object)
    )
    return areas


plot = st.tuples(
    st.integers(-3, 25), st.integers(-3, 25), st.integers(0, 7), st.integers(0, 7)
)  # x, y, width, height (0: a point or a line)


def _plots(specs: list[tuple[int, int, int, int]]) -> np.ndarray:
    out = []
    for x, y, w, h in specs:
        if w == 0 and h == 0:
            out.append(shapely.Point(x + 0.5, y + 0.5))
        elif w == 0 or h == 0:
            out.append(shapely.LineString([(x, y), (x + w, y + h)]))
        else:
            out.append(box(x, y, x + w, y + h))
    return np.array(out, dtype=object)


@settings(max_examples=60, deadline=None)
@given(st.lists(plot, min_size=0, max_size=40), st.sampled_from([0, 1, 2]))
def test_nested_shares_equal_each_layer_measured_on_its_own(specs, offset):
    geoms = _plots(specs)
    areas = _areas(offset)
    fast = nested_shares(geoms, areas)
    for key, layer in areas.items():
        slow = largest_share(geoms, layer)
        for got, want in zip(fast[key], slow, strict=True):
            assert got.tolist() == want.tolist(), key


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-3, 25), st.integers(-3, 25), st.integers(1, 7), st.integers(1, 7)),
        min_size=1, max_size=25,
    ),
    st.sampled_from([0, 1]),
)  # fmt: skip
def test_nested_shares_are_the_intersection_area_argmax(specs, offset):
    # brute force: every area's exact share (integer coordinates: exact in floating point),
    # the largest first, ties to the area first in the layer; the runner-up likewise
    geoms = _plots(specs)
    areas = _areas(offset)
    got = nested_shares(geoms, areas)
    for key, layer in areas.items():
        code, _name, share, code2, share2, outside = got[key]
        for s, g in enumerate(geoms):
            found = [
                (g.intersection(a).area / g.area, k)
                for k, a in enumerate(layer.geometry)
                if g.intersects(a)
            ]
            found.sort(key=lambda t: (-t[0], t[1]))
            assert code[s] == (layer.codes[found[0][1]] if found else "")
            assert share[s] == (found[0][0] if found else 0.0)
            if key == "municipality":
                assert code2[s] == (layer.codes[found[1][1]] if len(found) > 1 else "")
                assert share2[s] == (found[1][0] if len(found) > 1 else 0.0)
                assert abs(outside[s] - max(0.0, 1 - sum(f[0] for f in found))) < 1e-12


def test_nesting_is_checked_on_the_geometry():
    wijk = _grid(2, 1, 0, 0, 10, "WK")
    nested = _grid(4, 2, 0, 0, 5, "BU")
    assert nesting(nested, wijk).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    shifted = _grid(3, 1, 0, 0, 7, "BU")  # 0-7 in WK0; 7-14 straddles; 14-21 in WK1 (and out)
    assert nesting(shifted, wijk).tolist() == [0, -1, -1]
    # two wijken that overlap: a buurt in both belongs to neither alone
    overlapping = AreaLayer(
        np.array(["A", "B"], dtype=object), np.array(["A", "B"], dtype=object),
        np.array([box(0, 0, 10, 10), box(5, 0, 15, 10)], dtype=object),
    )  # fmt: skip
    assert nesting(_grid(3, 1, 0, 0, 5, "BU"), overlapping).tolist() == [0, -1, 1]


def _pairwise(geoms: np.ndarray, min_area: float = 1.0) -> dict[tuple[int, int], float]:
    out = {}
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if geoms[i].is_empty or geoms[j].is_empty:
                continue
            area = geoms[i].intersection(geoms[j]).area
            if area >= min_area:
                out[(i, j)] = area
    return out


def cadastre(seeds: list[tuple[int, int]]) -> np.ndarray:
    """The Voronoi cells of ``seeds`` within (-10, -10, 410, 410): they tile it as cadastral
    parcels do (neighbours share their edges, nothing overlaps)."""
    frame = box(-10, -10, 410, 410)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(np.array(seeds, dtype=float)),
                                 extend_to=frame, ordered=True)
    )  # fmt: skip
    return shapely.intersection(cells, frame)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=3, max_size=40,
             unique=True),
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(2, 60),
                  st.integers(2, 60), st.integers(0, 179), st.booleans()),
        max_size=12,
    ),
)  # fmt: skip
def test_overlapping_pairs_of_tiles_and_odd_plots_equal_the_pairwise_definition(seeds, extra):
    # a cadastre (Voronoi cells: neighbours share their edges, nothing overlaps) plus rotated
    # rectangles and L-shapes (non-convex) lying over it
    cells = cadastre(seeds)
    more = []
    for x, y, w, h, angle, ell in extra:
        if ell:
            shape = Polygon([(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)])
        else:
            shape = box(0, 0, w, h)
        more.append(shapely.affinity.translate(shapely.affinity.rotate(shape, angle), x, y))
    geoms = np.concatenate([cells, np.array(more, dtype=object)])
    ids = np.array([f"S{k}" for k in range(len(geoms))])
    want = _pairwise(geoms)
    got = overlapping_pairs(geoms, ids, workers=1)
    assert list(zip(got["i"], got["j"], strict=True)) == sorted(want)
    for i, j, m2 in zip(got["i"], got["j"], got["overlap_m2"], strict=True):
        assert abs(m2 - want[(i, j)]) <= 0.05 + 1e-6 * want[(i, j)]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(1, 30),
                  st.integers(1, 30), st.integers(0, 179), st.booleans()),
        min_size=2, max_size=25,
    ),
    st.sampled_from([0.5, 1.0, 20.0]),
)  # fmt: skip
def test_hulls_prove_apart_only_pairs_that_overlap_by_less(specs, max_area):
    geoms = []
    for x, y, w, h, angle, ell in specs:
        shape = (
            Polygon([(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)])
            if ell
            else box(0, 0, w, h)
        )
        geoms.append(shapely.affinity.translate(shapely.affinity.rotate(shape, angle), x, y))
    geoms = np.array(geoms, dtype=object)
    ring, count = _convex_rings(geoms)
    hulls = _Hulls(geoms, ring, count)
    a, b = np.triu_indices(len(geoms), 1)
    apart = hulls.apart(a, b, max_area)
    for i, j in zip(a[apart], b[apart], strict=True):
        assert geoms[i].intersection(geoms[j]).area < max_area
    # neighbours sharing an edge are proven apart
    touching = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10), box(10, 10, 25, 30)])
    ring, count = _convex_rings(touching)
    h = _Hulls(touching, ring, count)
    assert h.apart(np.array([0, 0, 1]), np.array([1, 2, 2]), 0.5).tolist() == [True, True, True]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=40).map(
        lambda ps: [(a, b) for a, b in ps if a != b]
    )
)
def test_conflict_lists_keep_the_order_of_the_pairs(pairs):
    clash: dict[int, list[int]] = {}
    for a, b in pairs:  # the dictionary top_score built before
        clash.setdefault(a, []).append(b)
        clash.setdefault(b, []).append(a)
    start, others = conflict_lists(np.array(pairs, dtype=np.int64).reshape(-1, 2), 10)
    for i in range(10):
        assert others[start[i] : start[i + 1]].tolist() == clash.get(i, [])


def _edge_neighbours(geoms: np.ndarray) -> set[tuple[int, int]]:
    """Brute force: pairs whose interiors are apart and whose boundaries share a line."""
    return {
        (i, j)
        for i in range(len(geoms))
        for j in range(i + 1, len(geoms))
        if shapely.relate_pattern(geoms[i], geoms[j], "F***1****")
    }


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 6), st.integers(1, 6), st.integers(1, 9), st.booleans(), st.integers(0, 179),
    st.lists(st.integers(0, 35), max_size=10, unique=True),
)  # fmt: skip
def test_shared_edges_are_the_grid_neighbours(nx, ny, step, clockwise, angle, dropped):
    # a grid of plots (rotated: corners no longer integers, still shared bit for bit), some
    # taken out, some rings clockwise: the neighbours sharing a whole edge, nothing else
    cells = [
        box(i * step, j * step, (i + 1) * step, (j + 1) * step, ccw=not clockwise)
        for i in range(nx) for j in range(ny) if i * ny + j not in dropped
    ]  # fmt: skip
    geoms = shapely.affinity.rotate(shapely.GeometryCollection(cells), angle, origin=(0, 0)).geoms
    geoms = np.array(list(geoms), dtype=object)
    if len(geoms) < 2:
        return
    ring, count = _convex_rings(geoms)
    hulls = _Hulls(geoms, ring, count)
    got = {(int(c) // len(geoms), int(c) % len(geoms)) for c in hulls.shared_edges()}
    assert got == _edge_neighbours(geoms)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), min_size=3, max_size=40,
             unique=True),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(2, 60),
                       st.integers(2, 60)), max_size=8),
)  # fmt: skip
def test_shared_edges_of_a_cadastre_only_touch(seeds, extra):
    # Voronoi cells (convex, some with more corners than the clipping takes: GEOS hulls),
    # plus boxes lying over them: every pair found shares an edge and overlaps by nothing
    cells = cadastre(seeds)
    more = [box(x, y, x + w, y + h) for x, y, w, h in extra]
    geoms = np.concatenate([cells, np.array(more, dtype=object)])
    ring, count = _convex_rings(geoms)
    hulls = _Hulls(geoms, ring, count)
    codes = hulls.shared_edges()
    assert (np.diff(codes) > 0).all()  # sorted, no repeats
    got = {(int(c) // len(geoms), int(c) % len(geoms)) for c in codes}
    assert got <= _edge_neighbours(geoms)
    # the cells' own neighbours share their edges bit for bit: all of them are found
    assert _edge_neighbours(cells) <= got


def test_a_dent_of_a_tenth_of_a_millimetre_is_not_convex_far_from_the_origin():
    # a 100 m square in RD New with one edge's midpoint pushed 0.1 mm inwards: a right turn
    # with cross product 50 x 1e-4 x 2 = 0.01 m2, far above rounding (1e-12 of the longest
    # edge squared, 1e-8 m2) but once below a tolerance taken from the origin (0.1 m2)
    x, y = 121_000.0, 487_000.0
    dent = Polygon([(x, y), (x + 50, y + 1e-4), (x + 100, y), (x + 100, y + 100), (x, y + 100)])
    square = box(x, y, x + 100, y + 100)
    # an octagon beside it: the dent's 5-corner ring is padded to 8 corners
    t = np.arange(8) * np.pi / 4
    octagon = Polygon(np.c_[x + 500 + 40 * np.cos(t), y + 40 * np.sin(t)])
    _, count = _convex_rings(np.array([dent, square, octagon]))
    assert count.tolist() == [0, 4, 8]


def _voronoi_areas(seeds: list[tuple[int, int]], bands: int) -> dict[str, AreaLayer]:
    """Buurten: the Voronoi cells of ``seeds`` in (0, 0, 100, 100) (irregular, sharing
    their corners bit for bit); wijken: the union of the buurten whose seed lies in each of
    ``bands`` vertical bands; one municipality west and one east of x = 50."""
    cells = cadastre_in(seeds, 100)
    xs = np.array([x for x, _ in seeds], dtype=float)
    band = np.minimum((xs * bands // 100).astype(int), bands - 1)
    used = np.unique(band)
    wijken = np.array([shapely.union_all(cells[band == b]) for b in used], dtype=object)
    west = np.isin(used, used[used < bands / 2])
    groups = [g for g in (west, ~west) if g.any()]
    gemeenten = np.array([shapely.union_all(wijken[g]) for g in groups], dtype=object)

    def layer(geoms: np.ndarray, prefix: str) -> AreaLayer:
        c = np.array([f"{prefix}{k}" for k in range(len(geoms))], dtype=object)
        return AreaLayer(c, c, geoms)

    return {"buurt": layer(cells, "BU"), "wijk": layer(wijken, "WK"),
            "municipality": layer(gemeenten, "GM")}  # fmt: skip


def cadastre_in(seeds: list[tuple[int, int]], size: int) -> np.ndarray:
    frame = box(0, 0, size, size)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(np.array(seeds, dtype=float)),
                                 extend_to=frame, ordered=True)
    )  # fmt: skip
    return shapely.intersection(cells, frame)


site_shape = st.tuples(
    st.floats(-10, 110), st.floats(-10, 110), st.floats(0, 30), st.floats(0, 30),
    st.floats(0, 180), st.sampled_from(["box", "ell", "holed", "multi", "point", "line", "thin"]),
)  # fmt: skip


def _site(x: float, y: float, w: float, h: float, angle: float, kind: str):
    if kind == "point":
        return shapely.Point(x, y)
    if kind == "line":
        return shapely.LineString([(x, y), (x + w, y + h)])
    if kind == "thin":  # a sliver: 1e-6 m wide
        shape = box(0, 0, max(w, 1.0), 1e-6)
    elif kind == "ell":
        w, h = max(w, 2.0), max(h, 2.0)
        shape = Polygon([(0, 0), (w, 0), (w, h / 2), (w / 2, h / 2), (w / 2, h), (0, h)])
    elif kind == "holed":
        w, h = max(w, 4.0), max(h, 4.0)
        shape = Polygon([(0, 0), (w, 0), (w, h), (0, h)],
                        [[(1, 1), (w - 1, 1), (w - 1, h - 1), (1, h - 1)]])  # fmt: skip
    elif kind == "multi":
        shape = shapely.MultiPolygon([box(0, 0, w + 1, h + 1), box(w + 3, 0, 2 * w + 4, h + 1)])
    else:
        shape = box(0, 0, w, h)
    return shapely.affinity.translate(shapely.affinity.rotate(shape, angle), x, y)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=3, max_size=30,
             unique=True),
    st.integers(1, 4),
    st.lists(site_shape, min_size=1, max_size=25),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 3)), max_size=6),
)  # fmt: skip
def test_shares_summed_from_tiling_buurten_equal_each_layer_measured(seeds, bands, specs, on):
    # irregular buurten (Voronoi cells) tiling wijken and municipalities (their unions):
    # every border site's wijk and municipality m² are summed from its buurten instead of
    # measured; they must equal GEOS's own overlay of each layer, for rotated boxes,
    # L-shapes, holes, multipolygons, slivers, points and lines, and for sites lying on a
    # buurt's corner or edge (``on``: a box from a buurt's corner)
    areas = _voronoi_areas(seeds, bands)
    assert tiles(areas["buurt"], areas["wijk"]) and tiles(areas["wijk"], areas["municipality"])
    sites = [_site(*spec) for spec in specs]
    corners = shapely.get_coordinates(areas["buurt"].geometry)
    for k, kind in on:
        x, y = corners[k % len(corners)]
        sites.append(
            [
                box(x, y, x + 5, y + 5),
                shapely.Point(x, y),
                box(x - 3, y - 3, x + 3, y + 3),
                box(x - 5, y, x, y + 5),
            ][kind]
        )
    geoms = np.array(sites, dtype=object)
    stats: dict[str, int] = {}
    fast = nested_shares(geoms, areas, stats)
    # no overlay beyond the buurt layer's, except for polygons of no area (measured as ever)
    buurt_alone: dict[str, int] = {}
    _largest_share(geoms, areas["buurt"], stats=buurt_alone)
    no_area = int(((shapely.get_dimensions(geoms) == 2) & (shapely.area(geoms) == 0)).sum())
    coarse = len(areas["wijk"].geometry) + len(areas["municipality"].geometry)
    assert stats["geos_intersection"] <= buurt_alone["geos_intersection"] + no_area * coarse
    # an overlay's area is exact to rounding of the site's own size (about 1e-16 of its
    # extent squared): the shares agree to that, relative to the site's area (a sliver's
    # shares are loose, a plot's are not)
    b = shapely.bounds(geoms)
    extent2 = np.nan_to_num((b[:, 2] - b[:, 0]) ** 2 + (b[:, 3] - b[:, 1]) ** 2)
    area = shapely.area(geoms)
    tol = 1e-9 * np.maximum(1.0, np.divide(extent2, area, out=np.zeros_like(area), where=area > 0))
    for key, layer in areas.items():
        slow = largest_share(geoms, layer)
        code, _, share, code2, share2, outside = fast[key]
        want_code, _, want_share, want_code2, want_share2, want_outside = slow
        assert (np.abs(share - want_share) <= tol).all(), key
        assert (np.abs(share2 - want_share2) <= tol).all(), key
        assert (np.abs(outside - want_outside) <= tol).all(), key
        # the same areas, except where two shares tie to rounding (then either may lead)
        clear = np.abs(want_share - want_share2) > 2 * tol
        assert (code[clear] == want_code[clear]).all(), key
        second = clear & (want_share2 > 2 * tol)
        assert (code2[second] == want_code2[second]).all(), key


def test_tiles_is_checked_on_the_geometry():
    wijk = _grid(2, 1, 0, 0, 10, "WK")
    assert tiles(_grid(4, 2, 0, 0, 5, "BU"), wijk)
    # a buurt missing: WK1 is not the union of its buurten
    missing = _grid(4, 2, 0, 0, 5, "BU")
    missing = AreaLayer(missing.codes[:-1], missing.names[:-1], missing.geometry[:-1])
    assert not tiles(missing, wijk)
    # two buurten overlapping (and one too small, so the areas still add up)
    over = AreaLayer(
        np.array(["A", "B", "C"], dtype=object), np.array(["A", "B", "C"], dtype=object),
        np.array([box(0, 0, 6, 10), box(4, 0, 10, 10), box(10, 0, 20, 8)], dtype=object),
    )  # fmt: skip
    wide = AreaLayer(wijk.codes, wijk.names, np.array([box(0, 0, 10, 10), box(10, 0, 20, 8)]))
    assert not tiles(over, wide)
    # a buurt straddling two wijken
    assert not tiles(_grid(3, 1, 0, 0, 7, "BU"), wijk)
    # a sliver of a gap (1e-6 of the area) is a gap
    gap = AreaLayer(
        np.array(["A", "B"], dtype=object), np.array(["A", "B"], dtype=object),
        np.array([box(0, 0, 5, 10), box(5 + 1e-5, 0, 10, 10)], dtype=object),
    )  # fmt: skip
    assert not tiles(gap, AreaLayer(wijk.codes[:1], wijk.names[:1], wijk.geometry[:1]))


def _convex_rings_padded(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The convexity test as it was before the flat one (padded rings, every ring at
    once): the reference the flat arrays must reproduce, ring for ring, bit for bit. One
    change: the orientation's signed area is taken in coordinates local to the ring's
    first corner (it was taken from the origin, where the sign of a tiny plot's area in RD
    New drowns in rounding)."""
    from opvang_opt.siting.location import CONVEX_MAX_VERTICES, _cross, _edges, _next_corner

    n = len(geoms)
    count = np.zeros(n, dtype=np.int64)
    is_poly = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    idx = np.flatnonzero(is_poly)
    npts = shapely.get_num_coordinates(geoms[idx]) - 1
    fits = (npts >= 3) & (npts <= CONVEX_MAX_VERTICES) & (shapely.area(geoms[idx]) > 0)
    idx, npts = idx[fits], npts[fits]
    if len(idx) == 0:
        return np.zeros((n, CONVEX_MAX_VERTICES, 2)), count
    v = int(npts.max())
    ring = np.zeros((n, v, 2))
    r = np.zeros((len(idx), v, 2))
    c = npts.astype(np.int64)
    coords, which = shapely.get_coordinates(geoms[idx], return_index=True)
    start = np.concatenate([[0], np.cumsum(npts + 1)[:-1]])
    pos = np.arange(len(which)) - start[which]
    inner = pos < npts[which]
    r[which[inner], pos[inner]] = coords[inner]
    k = np.arange(v)[None, :]
    valid = k < c[:, None]
    _, d, _ = _edges(r, c)
    local = r - r[:, :1]
    signed = np.where(valid, _cross(local, local + d), 0.0).sum(axis=1)
    rev = signed < 0
    if rev.any():
        back = np.where(valid, c[:, None] - 1 - k, k)
        r[rev] = np.take_along_axis(r[rev], back[rev][..., None], axis=1)
        _, d, _ = _edges(r, c)
    d_next = _next_corner(d, k + 1 < c[:, None])
    turn = np.arctan2(_cross(d, d_next), (d * d_next).sum(axis=-1))
    length2 = np.einsum("...i,...i->...", d, d)
    scale = np.where(valid, length2, 0.0).max(axis=1, initial=0.0)
    right = valid & (_cross(d, d_next) < -1e-12 * scale[:, None])
    once = np.abs(np.where(valid, turn, 0.0).sum(axis=1) - 2 * np.pi) < 1e-6
    convex = ~right.any(axis=1) & once
    ring[idx[convex]] = r[convex]
    count[idx[convex]] = c[convex]
    return ring, count


corner_lists = st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=3,
                        max_size=10)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(corner_lists, st.booleans(), st.integers(0, 179), st.booleans()),
             min_size=1, max_size=20),
)  # fmt: skip
def test_flat_convexity_test_gives_the_padded_ones_rings(specs):
    # random rings of 3-10 corners on a small grid (collinear corners, stars, repeated
    # corners, both orientations; the valid ones), their convex hulls, rotated or not, far
    # from the origin as in RD New; plus a hole, a multipolygon, a point and a line
    geoms = []
    for corners, hull, angle, far in specs:
        g = Polygon(corners)
        if hull:
            g = g.convex_hull
        if angle:
            g = shapely.affinity.rotate(g, angle, origin=(0, 0))
        if far:
            g = shapely.affinity.translate(g, 121_000.0, 487_000.0)
        # only valid polygons reach the overlap check: read_layer refuses an invalid
        # geometry or repairs it (repair_invalid), and refuses a site without area; a
        # spike, a bow tie or a ring of collinear corners has no meaning to compare (the
        # fast test and the padded one then disagree, and neither ring is convex)
        if g.is_valid:
            geoms.append(g)
    geoms += [
        Polygon([(0, 0), (9, 0), (9, 9), (0, 9)], [[(1, 1), (2, 1), (2, 2)]]),
        shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]),
        shapely.Point(0, 0),
        shapely.LineString([(0, 0), (1, 1)]),
    ]
    geoms = np.array(geoms, dtype=object)
    ring, count = _convex_rings(geoms)
    want_ring, want_count = _convex_rings_padded(geoms)
    assert count.tolist() == want_count.tolist()
    assert np.array_equal(ring, want_ring)
    # and convex means convex: a ring taken is its own hull, counter-clockwise
    for g, c, r in zip(geoms, count, ring, strict=True):
        if c:
            poly = Polygon(r[:c])
            assert poly.exterior.is_ccw
            assert abs(poly.area - g.area) <= 1e-9 * max(1.0, g.area)
            assert abs(g.convex_hull.area - g.area) <= 1e-6 * max(1.0, g.area)


def test_border_sites_in_the_region_take_one_share_as_the_rest_of_their_area():
    # two buurten side by side tiling one wijk and one municipality (hand-worked shares):
    # A straddles the border 4 + 4 m², B 8 + 4 m², both in the region's interior, so one
    # of their two shares is their area less the other (one overlay each); C pokes out of
    # the region (half outside): measured as ever
    def layer(boxes: list, prefix: str) -> AreaLayer:
        c = np.array([f"{prefix}{k}" for k in range(len(boxes))], dtype=object)
        return AreaLayer(c, c, np.array(boxes, dtype=object))

    areas = {
        "buurt": layer([box(0, 0, 10, 10), box(10, 0, 20, 10)], "BU"),
        "wijk": layer([box(0, 0, 20, 10)], "WK"),
        "municipality": layer([box(0, 0, 20, 10)], "GM"),
    }
    sites = np.array([box(8, 2, 12, 4), box(9, 1, 10.5, 9), box(19, 1, 21, 2)], dtype=object)
    stats: dict[str, int] = {}
    got = nested_shares(sites, areas, stats)
    code, _, share, code2, share2, outside = got["buurt"]
    assert code.tolist() == ["BU0", "BU0", "BU1"]
    assert share.tolist() == [0.5, 8 / 12, 0.5]
    assert code2.tolist() == ["BU1", "BU1", ""]
    assert share2.tolist() == [0.5, 4 / 12, 0.0]
    assert outside.tolist() == [0.0, 0.0, 0.5]
    assert stats["geos_intersection"] == 3 and stats["subtracted"] == 2
    code, _, share, _, _, outside = got["municipality"]
    assert code.tolist() == ["GM0"] * 3
    assert share.tolist() == [1.0, 1.0, 0.5]
    assert outside.tolist() == [0.0, 0.0, 0.5]

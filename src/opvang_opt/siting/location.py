"""Where each site lies: municipality, wijk and buurt by largest share, border sites, overlaps.

A plot that lies 70 % in Ouder-Amstel and 30 % in Diemen needs permits and Spreidingswet
accounting in both: it is flagged with both shares. Two candidate plots that overlap would
count the same ground twice: every overlapping pair is reported with its area, and the
shortlist lets at most one of them in.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from opvang_opt.texts import Message

BORDER_MIN_SHARE = 0.01
"""A site counts as crossing a border when a second area holds at least this share of it."""
WHOLLY_OUTSIDE = 0.9999
"""A site with this share (as rounded on its row) outside the region lies wholly outside it."""
OVERLAP_MIN_M2 = 1.0
"""Candidate plots overlapping by less than this (digitising noise) are not reported."""


@dataclass(frozen=True)
class AreaLayer:
    """Polygons with a code and a name (municipalities, wijken or buurten), in RD New."""

    codes: np.ndarray
    names: np.ndarray
    geometry: np.ndarray


def _no_shares(
    n: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empty per-site results of a share computation: codes and names ``""``, shares and
    covered m² 0, no area alone (-1)."""
    return (
        np.full(n, "", dtype=object),
        np.full(n, "", dtype=object),
        np.zeros(n),
        np.full(n, "", dtype=object),
        np.zeros(n),
        np.zeros(n),
        np.full(n, -1, dtype=np.int64),
    )


def largest_share(
    sites: np.ndarray, areas: AreaLayer, known: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every site the area holding most of it, and the runner-up.

    Points and lines count as wholly in the area they lie in (the nearest one within 0 m).
    Ties in share go to the area that comes first in the layer.

    Parameters
    ----------
    known
        Per site, the position of an area that holds it in its interior while no other
        area meets that part of the plane (from :func:`nesting`), else -1: such a site
        lies wholly in that area (share 1, no runner-up) and is not measured again.

    Returns
    -------
    (code, name, share, second_code, second_share, outside_share)
        Per site: the code and name of the area with the largest share (``""`` when none),
        that share (0-1), the runner-up's code and share, and the share in no area.
    """
    code, name, share, code2, share2, outside, _ = _largest_share(sites, areas, known)
    return code, name, share, code2, share2, outside


def _largest_share(
    sites: np.ndarray,
    areas: AreaLayer,
    known: np.ndarray | None = None,
    stats: dict[str, int] | None = None,
    measured: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    within: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`largest_share`, and per site the area holding it wholly in its interior with
    no other candidate (-1 for the rest): what :func:`nesting` carries to coarser layers.

    ``within``: polygons each of which these areas tile (:func:`tiles`). A site in the
    interior of one of them lies wholly in these areas, which share no interior, so the
    m² it holds in them add up to its own area: of the areas it crosses, the one whose
    box it overlaps most is not overlaid but takes the site's area less the others' m².

    ``measured``, when given, gets ``(site, area, m2)`` appended: for every polygonal site
    of positive area that does not lie in one area alone, each area it meets and the m² it
    holds of the site (GEOS's intersection area; the site's area where it lies in the
    area's interior). :func:`nested_shares` sums them into coarser layers that these areas
    tile.
    """
    n = len(sites)
    code, name, share, code2, share2, covered, alone = _no_shares(n)
    if n == 0 or len(areas.geometry) == 0:
        return code, name, share, code2, share2, np.ones(n), alone
    if known is not None and (known >= 0).any():  # settled by a finer layer: share 1 there
        have = np.flatnonzero(known >= 0)
        a = known[have]
        code[have], name[have], share[have] = areas.codes[a], areas.names[a], 1.0
        alone[have] = a
        outside = np.zeros(n)  # (1 - 1 clipped, as measured)
        todo = np.flatnonzero(known < 0)
        if len(todo):
            sub: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = (
                [] if measured is not None else None
            )
            c, m, s_, c2, s2, out, al = _largest_share(sites[todo], areas, stats=stats,
                                                       measured=sub)  # fmt: skip
            code[todo], name[todo], share[todo], code2[todo], share2[todo] = c, m, s_, c2, s2
            alone[todo], outside[todo] = al, out
            if measured is not None and sub:
                measured += [(todo[si], ai, m2) for si, ai, m2 in sub]
        return code, name, share, code2, share2, outside, alone
    # Most sites lie wholly inside one area: a prepared contains_properly test settles them
    # (share 1) without computing any intersection; only the rest (border sites, sites
    # poking out of the region, points on a boundary) get their exact shares.
    geoms = areas.geometry
    shapely.prepare(geoms)
    si, ai = shapely.STRtree(geoms).query(sites)  # candidate pairs by bounding box
    inside = shapely.contains_properly(geoms[ai], sites[si])
    settled = np.zeros(n, dtype=bool)
    settled[si[inside]] = True
    rest = ~inside & ~settled[si]
    rest[rest] = shapely.intersects(geoms[ai[rest]], sites[si[rest]])
    keep = inside | rest
    si, ai, inside = si[keep], ai[keep], inside[keep]
    polygonal = shapely.get_dimensions(sites) == 2
    weight = np.ones(len(si))
    need = polygonal[si] & ~inside
    if stats is not None:  # the work: pairs that meet, GEOS overlays
        stats["area_pairs"] = stats.get("area_pairs", 0) + len(inside)
        stats["geos_intersection"] = stats.get("geos_intersection", 0) + int(need.sum())
    site_area = shapely.area(sites)
    m2 = np.where(polygonal[si], site_area[si], 0.0)  # inside: the whole site
    rest_of = _rest_of_site(sites, geoms, si, ai, need, site_area, within)
    overlay = need & ~rest_of
    if stats is not None:
        stats["geos_intersection"] -= int(rest_of.sum())
        stats["subtracted"] = stats.get("subtracted", 0) + int(rest_of.sum())
    if overlay.any():
        m2[overlay] = shapely.area(shapely.intersection(sites[si[overlay]], geoms[ai[overlay]]))
    if rest_of.any():  # the site's area less the m² in the other areas it crosses
        others = np.bincount(si[overlay], weights=m2[overlay], minlength=n)
        m2[rest_of] = np.maximum(site_area[si[rest_of]] - others[si[rest_of]], 0.0)
    if need.any():
        inter, of = m2[need], site_area[si[need]]
        weight[need] = np.divide(inter, of, out=np.zeros_like(inter), where=of > 0)
    # sites wholly inside one area (most): share 1 there, no runner-up
    per_site = np.bincount(si, minlength=n)
    simple = inside & (per_site[si] == 1)
    s1, a1 = si[simple], ai[simple]
    code[s1], name[s1], share[s1], covered[s1] = areas.codes[a1], areas.names[a1], 1.0, 1.0
    alone[s1] = a1
    si, ai, weight = si[~simple], ai[~simple], weight[~simple]
    if measured is not None:
        kept = polygonal[si] & (site_area[si] > 0)
        measured.append((si[kept], ai[kept], m2[~simple][kept]))
    _pick(si, ai, weight, polygonal, areas, (code, name, share, code2, share2, covered))
    return code, name, share, code2, share2, np.clip(1.0 - covered, 0.0, 1.0), alone


def _rest_of_site(
    sites: np.ndarray,
    geoms: np.ndarray,
    si: np.ndarray,
    ai: np.ndarray,
    need: np.ndarray,
    site_area: np.ndarray,
    within: np.ndarray | None,
) -> np.ndarray:
    """Per pair ``(si, ai)`` to be measured (``need``): whether its m² follow from the
    site's area less those of its other pairs (see :func:`_largest_share`'s ``within``):
    one pair per site of positive area in the interior of a ``within`` polygon that
    crosses two or more areas, the one whose box the site's box overlaps most."""
    out = np.zeros(len(si), dtype=bool)
    if within is None or len(within) == 0 or not need.any():
        return out
    n = len(sites)
    count = np.bincount(si[need], minlength=n)
    multi = need & (count[si] >= 2) & (site_area[si] > 0)
    if not multi.any():
        return out
    crossing = np.unique(si[multi])
    shapely.prepare(within)
    wi, wa = shapely.STRtree(within).query(sites[crossing])
    interior = np.zeros(n, dtype=bool)
    interior[crossing[wi[shapely.contains_properly(within[wa], sites[crossing[wi]])]]] = True
    cand = np.flatnonzero(multi & interior[si])
    if len(cand) == 0:
        return out
    sb, ab = shapely.bounds(sites[si[cand]]), shapely.bounds(geoms[ai[cand]])
    w = np.minimum(sb[:, 2], ab[:, 2]) - np.maximum(sb[:, 0], ab[:, 0])
    h = np.minimum(sb[:, 3], ab[:, 3]) - np.maximum(sb[:, 1], ab[:, 1])
    overlap = np.maximum(w, 0.0) * np.maximum(h, 0.0)
    order = np.lexsort((ai[cand], -overlap, si[cand]))  # per site the largest box overlap
    first = order[np.r_[True, si[cand][order][1:] != si[cand][order][:-1]]]
    out[cand[first]] = True
    return out


def _pick(
    si: np.ndarray,
    ai: np.ndarray,
    weight: np.ndarray,
    polygonal: np.ndarray,
    areas: AreaLayer,
    out: tuple[np.ndarray, ...],
) -> None:
    """Per site of the pairs ``(si, ai)`` with their shares ``weight``: the largest share
    (ties to the area first in the layer), the runner-up and the share covered, written
    into ``out = (code, name, share, code2, share2, covered)``.

    A point (or line) met by several areas counts once, in the first area of the layer.
    The share covered is the sum of a site's shares from the largest down (pandas' group
    sum, as before: ordering and picking in numpy, no data frame sorted).
    """
    code, name, share, code2, share2, covered = out
    si, ai = np.asarray(si, dtype=np.int64), np.asarray(ai, dtype=np.int64)
    weight = np.asarray(weight, dtype=float)
    if len(si) == 0:
        return
    if not polygonal.all():  # a point on a shared border: count it once, in the first area
        # of the layer (not the first the tree query happened to return)
        by = np.lexsort((ai, si))
        first = np.zeros(len(si), dtype=bool)
        first[by[np.r_[True, si[by][1:] != si[by][:-1]]]] = True
        keep = polygonal[si] | first
        si, ai, weight = si[keep], ai[keep], weight[keep]
    order = np.lexsort((ai, -weight, si))  # by site, the largest share first, then by area
    si, ai, weight = si[order], ai[order], weight[order]
    start = np.flatnonzero(np.r_[True, si[1:] != si[:-1]])
    # the shares of each site added in that order (pandas' compensated group sum)
    total = pd.Series(weight).groupby(si, sort=True).sum().to_numpy()
    sites = si[start]
    covered[sites] = np.minimum(total, 1.0)
    a = ai[start]
    code[sites], name[sites], share[sites] = areas.codes[a], areas.names[a], weight[start]
    second = start[np.diff(np.r_[start, len(si)]) > 1] + 1
    s2, a2 = si[second], ai[second]
    code2[s2], share2[s2] = areas.codes[a2], weight[second]


TILE_TOLERANCE = 1e-12
"""How far (a share of its area) a coarse area's area may differ from the sum of its
finer areas' and still count as tiled by them (floating-point noise of the two sums)."""


def tiles(
    fine: AreaLayer,
    coarse: AreaLayer,
    parent: np.ndarray | None = None,
    apart: bool | None = None,
) -> bool:
    """Whether the fine areas tile the coarse ones: every fine area lies in one coarse area
    (:func:`nesting`, or ``parent`` when given), no two fine areas share any interior
    (:func:`interiors_apart`, or ``apart`` when given), and each coarse area's area is the
    sum of its fine areas' (to :data:`TILE_TOLERANCE`).

    Then each coarse area is the union of its fine areas up to a set of no area, so the m²
    a site holds in a coarse area is the sum of the m² it holds in that area's fine areas:
    the coarse layer's shares follow from the fine layer's without a second overlay.
    """
    if len(fine.geometry) == 0 or len(coarse.geometry) == 0:
        return False
    parent = nesting(fine, coarse) if parent is None else parent
    if (parent < 0).any():
        return False
    if not (interiors_apart(fine) if apart is None else apart):
        return False
    whole = shapely.area(coarse.geometry)
    parts = np.bincount(parent, weights=shapely.area(fine.geometry), minlength=len(whole))
    return bool((np.abs(whole - parts) <= TILE_TOLERANCE * whole).all())


def interiors_apart(layer: AreaLayer) -> bool:
    """Whether the areas are valid polygons no two of which share any interior."""
    geoms = layer.geometry
    if not (shapely.is_valid(geoms) & (shapely.get_dimensions(geoms) == 2)).all():
        return False
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    return not bool(shapely.relate_pattern(geoms[i[keep]], geoms[j[keep]], "T********").any())


def nesting(fine: AreaLayer, coarse: AreaLayer) -> np.ndarray:
    """Per fine area (a buurt), the coarse area (its wijk or municipality) that holds it
    while no other coarse area's interior meets it; -1 where that does not hold.

    Checked on the geometry, not assumed from the codes: a site in the interior of a fine
    area with a parent lies in the interior of that parent and meets no other coarse area,
    so its coarse area (share 1, no runner-up) follows without measuring it again.
    """
    parent = np.full(len(fine.geometry), -1, dtype=np.int64)
    if len(fine.geometry) == 0 or len(coarse.geometry) == 0:
        return parent
    usable = shapely.is_valid(coarse.geometry) & (shapely.get_dimensions(coarse.geometry) == 2)
    if not usable.all():  # the reasoning needs valid polygons (closed, regular sets)
        return parent
    present = ~shapely.is_missing(fine.geometry) & ~shapely.is_empty(fine.geometry)
    fi, ci = shapely.STRtree(coarse.geometry).query(fine.geometry, predicate="intersects")
    keep = present[fi]
    fi, ci = fi[keep], ci[keep]
    holds = shapely.covers(coarse.geometry[ci], fine.geometry[fi])
    # any other coarse area whose interior meets the fine area's interior spoils it
    meets = ~holds
    meets[meets] = shapely.relate_pattern(
        fine.geometry[fi[meets]], coarse.geometry[ci[meets]], "T********"
    )
    n_holds = np.bincount(fi[holds], minlength=len(parent))
    spoilt = np.bincount(fi[meets], minlength=len(parent)) > 0
    good = holds & (n_holds[fi] == 1) & ~spoilt[fi]
    parent[fi[good]] = ci[good]
    return parent


WORK_KEYS = ("candidates", "shared_edge", "hull_tested", "hull_apart", "clipped",
             "geos_relate", "geos_intersection")  # fmt: skip
"""The work :func:`overlapping_pairs` counts (pairs)."""
PAIR_CHUNK = 50_000
"""Plots per chunk of the candidate search (bounds the tree's query pairs held at once)."""
AREA_CHUNK = 8_192
"""Candidate pairs per chunk of the overlap areas: the clipping holds a dozen arrays of
pairs x corners x corners floats per thread (5 MB each here, 30 MB at 50,000 pairs)."""


def overlapping_pairs(
    geoms: np.ndarray,
    ids: np.ndarray,
    min_area_m2: float = OVERLAP_MIN_M2,
    workers: int | None = None,
    stats: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Every pair of candidate plots that overlap by at least ``min_area_m2``.

    Candidate pairs come from the bounding boxes. A pair that overlaps by
    ``min_area_m2 > 0`` has intersecting interiors (DE-9IM ``T********``), so GEOS's
    relate test keeps every such pair and drops the neighbours that only share a
    boundary (every pair of a tiling cadastre); the area of the intersection (the same
    GEOS call as ever) decides the rest. Chunks run on ``workers`` threads (shapely
    releases the GIL).

    Parameters
    ----------
    stats
        When given, the work done is added to it (counts of pairs): ``candidates`` (boxes
        meet), ``shared_edge`` (proven apart by a shared hull edge), ``hull_tested`` and
        ``hull_apart`` (the hulls' facing edges), ``clipped`` (measured in numpy),
        ``geos_relate`` and ``geos_intersection`` (GEOS calls).

    Returns
    -------
    pandas.DataFrame
        Columns ``i``, ``j`` (positions, ``i < j``), ``site_a``, ``site_b``,
        ``overlap_m2`` (to 0.1 m²) and ``overlap_exact_m2`` (as measured), sorted by
        position.
    """
    from opvang_opt.siting import spatial

    polygonal = np.flatnonzero(shapely.get_dimensions(geoms) == 2)
    cols = ["i", "j", "site_a", "site_b", "overlap_m2", "overlap_exact_m2"]
    if len(polygonal) < 2:
        return pd.DataFrame(columns=cols)
    sub = geoms[polygonal]
    tree = shapely.STRtree(sub)
    # positions fit in 32 bits below 2**31 plots: half the memory of the candidate pairs
    pos_type = np.int32 if len(sub) < 2**31 else np.int64

    def candidates(tree: shapely.STRtree, part: slice) -> tuple[np.ndarray, np.ndarray]:
        # boxes only (the area is tested below, per pair); chunk by chunk, so the pairs of
        # every plot with itself and both orders never exist all at once
        if min_area_m2 > 0:
            qa, qb = tree.query(sub[part])
        else:  # touching pairs count too: keep the tree's own predicate
            qa, qb = tree.query(sub[part], predicate="intersects")
        qa = qa + part.start
        keep = qa < qb
        code = qa[keep] * len(sub) + qb[keep]  # < n**2: fits 64 bits below 3 * 10**9 plots
        code.sort()  # by position, as the result is sorted
        qa = code // len(sub)
        return qa.astype(pos_type), (code - qa * len(sub)).astype(pos_type)

    found = [candidates(tree, part) for part in spatial.chunks(len(sub), PAIR_CHUNK)]
    del tree  # the boxes' tree is done with: it is not held while the areas are measured
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    del found
    if len(a) == 0:
        return pd.DataFrame(columns=cols)
    ring, count = _convex_rings(sub)
    # neighbours whose hulls share an edge (the same two corners, run the other way): the
    # edge's line separates them, no area to measure (a cadastre's neighbours, found by
    # sorting the edges instead of testing pair by pair); codes a * n + b,
    # sorted; only where most candidates are apart (a sample tells: a cadastre, not plots
    # drawn over each other)
    shared = np.zeros(0, dtype=np.int64)
    hulls: _Hulls | None = None
    hulls_first = False  # the hull test for every candidate, or only for the non-convex
    if min_area_m2 > 0:
        sample = slice(0, min(len(a), HULL_CHUNK))
        hulls_first = _sample_apart(sub, ring, count, a[sample], b[sample],
                                    0.5 * min_area_m2) >= HULL_MIN_APART  # fmt: skip
        # the hulls of every plot, where they are used: for every candidate, or for the
        # pairs with a plot that is not convex (none: no hulls are made)
        if hulls_first or (count[a] == 0).any() or (count[b] == 0).any():
            hulls = _Hulls(sub, ring, count)
        if hulls_first and hulls is not None:
            shared = hulls.shared_edges()

    def chunk(part: slice) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        pa, pb = a[part], b[part]
        area = np.full(len(pa), np.nan)
        apart = np.zeros(len(pa), dtype=bool)
        work = dict.fromkeys(WORK_KEYS, 0)
        work["candidates"] = len(pa)
        if hulls is not None:  # neighbours that at most touch (a cadastre): no area to measure
            if len(shared):
                code = pa.astype(np.int64) * len(sub) + pb
                at = np.minimum(np.searchsorted(shared, code), len(shared) - 1)
                apart = shared[at] == code
            # the test pays where most candidates only touch; where most overlap (the sample
            # tells) only the pairs that would go to GEOS take it
            todo = np.flatnonzero(~apart)
            work["shared_edge"] = len(pa) - len(todo)
            if not hulls_first:
                todo = todo[(count[pa[todo]] == 0) | (count[pb[todo]] == 0)]
            apart[todo] = hulls.apart(pa[todo], pb[todo], 0.5 * min_area_m2)
            area[apart] = 0.0
            work["hull_tested"] = len(todo)
            work["hull_apart"] = int(apart.sum()) - work["shared_edge"]
        fast = (count[pa] > 0) & (count[pb] > 0) & ~apart
        if fast.any():  # two small convex plots (the usual case): exact clipping in numpy
            at = np.flatnonzero(fast)
            clipped = [
                convex_overlaps(ring[pa[q]], count[pa[q]], ring[pb[q]], count[pb[q]])
                for q in (at[s] for s in spatial_chunks(len(at), CLIP_CHUNK))
            ]  # (small blocks stay in the cache)
            area[at] = np.concatenate([c[0] for c in clipped])
            noisy = np.concatenate([c[1] for c in clipped])
            # within floating-point noise of the threshold, or along each other's edges up
            # to rounding: let GEOS decide
            fast[at] = (np.abs(area[at] - min_area_m2) > 1e-6 * max(1.0, min_area_m2)) & ~noisy
            work["clipped"] = len(at)
        slow = np.flatnonzero(~fast & ~apart)
        if len(slow):
            ga, gb = sub[pa[slow]], sub[pb[slow]]
            if min_area_m2 > 0:  # interiors must meet (DE-9IM), else the overlap is 0
                hit = shapely.relate_pattern(ga, gb, "T********")
            else:
                hit = np.ones(len(slow), dtype=bool)
            area[slow] = 0.0
            both = slow[hit]
            area[both] = shapely.area(shapely.intersection(sub[pa[both]], sub[pb[both]]))
            work["geos_relate"] = len(slow) if min_area_m2 > 0 else 0
            work["geos_intersection"] = len(both)
        big = np.flatnonzero(area >= min_area_m2)
        return big + part.start, area[big], work

    w = workers or spatial.default_workers()
    parts = spatial.thread_map(chunk, spatial.chunks(len(a), AREA_CHUNK), w)
    at = np.concatenate([p[0] for p in parts])
    area = np.concatenate([p[1] for p in parts])
    if stats is not None:
        for p in parts:
            for key, v in p[2].items():
                stats[key] = stats.get(key, 0) + v
    i, j = polygonal[a[at]], polygonal[b[at]]
    site_a, site_b = _str_columns_at(ids, i, j)
    return pd.DataFrame(
        {
            "i": i,
            "j": j,
            "site_a": site_a,
            "site_b": site_b,
            "overlap_m2": np.round(area, 1),
            # as measured, for the texts: rounded once, where it is shown (290.53 m² first
            # rounded to 290.5 became "290 m²", half to even)
            "overlap_exact_m2": area,
        }
    )


def overlap_texts(n: int, pairs: pd.DataFrame) -> np.ndarray:
    """Per site: the other plots it overlaps and the shared m², ``"B (5.000 m²); C (12 m²)"``.

    Others in position order; empty for a site without overlaps. The m² are whole square
    metres rounded half to even, as Python's ``"{:,.0f}"`` shows them, with ``"."`` between
    thousands. The texts are put together by Arrow's string kernels, not one by one.
    """
    return _overlap_texts(n, pairs).to_numpy(zero_copy_only=False).astype(object)


def _overlap_texts(n: int, pairs: pd.DataFrame) -> pa.Array:
    """:func:`overlap_texts` as an Arrow string array (no Python string per site)."""
    if len(pairs) == 0:
        return pa.array(np.full(n, "", dtype=object), type=pa.string())
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    site = np.concatenate([i, j])
    other = np.concatenate([j, i])
    order = np.lexsort((other, site))
    site = site[order]
    name = pa.concat_arrays([_as_text(pairs["site_b"]), _as_text(pairs["site_a"])]).take(order)
    exact = "overlap_exact_m2" if "overlap_exact_m2" in pairs.columns else "overlap_m2"
    m2 = np.tile(pairs[exact].to_numpy(dtype=float), 2)[order]
    # "{:,.0f}" rounds the exact binary value half to even, as np.rint does; each whole
    # number is formatted once (Python's own formatting)
    whole = np.rint(m2)
    finite = np.isfinite(whole)
    uniq, inv = np.unique(np.where(finite, whole, 0.0), return_inverse=True)
    shown = [f"{int(v):,d}".replace(",", ".") for v in uniq.tolist()]
    m2_text = pa.array(shown, type=pa.string()).take(inv)
    if not finite.all():  # pragma: no cover - overlap areas are finite
        odd = np.flatnonzero(~finite)
        fixed = m2_text.to_numpy(zero_copy_only=False)
        fixed[odd] = [f"{v:,.0f}".replace(",", ".") for v in m2[odd].tolist()]
        m2_text = pa.array(fixed, type=pa.string())
    part = pc.binary_join_element_wise(name, m2_text, " (")
    part = pc.binary_join_element_wise(part, " m²)", "")
    starts = np.flatnonzero(np.r_[True, site[1:] != site[:-1]])
    offsets = pa.array(np.r_[starts, len(site)].astype(np.int64), type=pa.int64())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, part), "; ")
    # every site's text: its own joined one, or "" (the entry after the last)
    at = np.full(n, len(joined), dtype=np.int64)
    at[site[starts]] = np.arange(len(joined))
    return pa.concat_arrays([joined.cast(pa.string()), pa.array([""], type=pa.string())]).take(
        pa.array(at)
    )


_STR_DTYPE = pd.Series(["x"]).dtype
"""The dtype pandas gives a column of ``str`` (Arrow-backed ``str`` from pandas 3)."""
_STR_IS_OBJECT = isinstance(_STR_DTYPE, np.dtype)  # no string dtype: object columns


def _str_column(values: np.ndarray | pa.Array) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """``values`` (``str`` objects, or an Arrow string array) as the column pandas would
    make of them, converted by Arrow in one pass (pandas checks value by value); values
    Arrow cannot take as text are left to pandas, as before."""
    if isinstance(values, pa.Array):
        if _STR_IS_OBJECT:
            return values.to_numpy(zero_copy_only=False).astype(object)
        arr = values
    elif _STR_IS_OBJECT or len(values) == 0:  # (pandas keeps an empty column object)
        return values
    else:
        try:
            arr = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return values
    return pd.array(arr.cast(pa.large_string()), dtype=_STR_DTYPE)


def _str_columns_at(
    values: np.ndarray, *positions: np.ndarray
) -> list[np.ndarray | pd.api.extensions.ExtensionArray]:
    """``[_str_column(values[p]) for p in positions]``, with ``values`` converted to Arrow
    once and each column taken from it (the ids of both plots of every pair: one pass over
    the ids, not one over each side's copy)."""
    if _STR_IS_OBJECT or len(values) == 0 or any(len(p) == 0 for p in positions):
        return [_str_column(values[p]) for p in positions]
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return [_str_column(values[p]) for p in positions]
    return [_str_column(arr.take(pa.array(p))) for p in positions]


def _as_text(column: pd.Series) -> pa.Array:
    """A column as an Arrow string array (``str`` of every value)."""
    try:
        arr = pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) \
            or arr.null_count:  # fmt: skip
        arr = pa.array([str(x) for x in column.tolist()], type=pa.string())
    return arr.cast(pa.string())


HULL_MAX_VERTICES = 16
"""Plots whose convex hull has more corners are not tested for separation (GEOS decides)."""


CLIP_CHUNK = 10_000
"""Pairs clipped at once."""
HULL_CHUNK = 5_000
"""Pairs tested for separation at once."""
HULL_MIN_APART = 0.5
"""Below this share of candidate pairs proven apart (in a sample), pairs of small convex
plots go straight to the exact clipping (it is cheaper than testing first)."""


def _sample_apart(
    geoms: np.ndarray, ring: np.ndarray, count: np.ndarray, a: np.ndarray, b: np.ndarray,
    max_area: float,
) -> float:  # fmt: skip
    """The share of the pairs ``(a, b)`` that :meth:`_Hulls.apart` proves apart, with the
    hulls of those pairs' plots only (each plot's hull is its own: the same answers as the
    hulls of every plot)."""
    if len(a) == 0:
        return 0.0
    used, at = np.unique(np.concatenate([a, b]), return_inverse=True)
    hulls = _Hulls(geoms[used], ring[used], count[used])
    return float(hulls.apart(at[: len(a)], at[len(a) :], max_area).mean())


def spatial_chunks(n: int, size: int) -> list[slice]:
    """Slices of ``size`` covering ``range(n)``."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


class _Hulls:
    """The convex hulls of plots, for a quick and safe proof that two plots overlap by
    less than a given area.

    The test of a pair ``(a, b)`` takes the edge of ``a``'s hull that faces ``b`` (its
    outward normal closest to the direction from ``a``'s box centre to ``b``'s) and the
    deepest corner of ``b``'s hull behind that edge: ``b`` lies within that depth ``d`` of
    the edge's line, so ``a`` and ``b`` share at most ``d`` times ``a``'s box diagonal (a
    strip of ``a`` along the edge); likewise from ``b``. Neighbours in a cadastre share an
    edge: the depth is 0 and no area is measured. Computed in coordinates local to the
    pair (exact differences of nearby doubles), with a margin of 1e-9 m on the depth, so
    a pair proven apart overlaps by less than the bound.
    """

    def __init__(self, geoms: np.ndarray, ring: np.ndarray, ring_count: np.ndarray) -> None:
        """``ring``, ``ring_count``: :func:`_convex_rings` of ``geoms`` (those plots are
        their own hulls, counter-clockwise); GEOS makes the hulls of the others."""
        n = len(geoms)
        count = np.asarray(ring_count, dtype=np.int64).copy()
        other = np.flatnonzero((count == 0) & (shapely.get_dimensions(geoms) == 2))
        hull = shapely.convex_hull(geoms[other])
        poly = shapely.get_type_id(hull) == 3
        other, hull = other[poly], hull[poly]
        n_hull = shapely.get_num_coordinates(hull) - 1  # without the closing point
        fits = (n_hull >= 3) & (n_hull <= HULL_MAX_VERTICES)
        other, hull, n_hull = other[fits], hull[fits], n_hull[fits]
        count[other] = n_hull
        # padded closed rings (the closing point repeated: edges of length 0), so that a
        # pair's rings are two row gathers
        width = int(count.max(initial=0)) + 1
        k = np.arange(width)[None, :]
        self.rings = np.zeros((n, width, 2))
        convex = np.flatnonzero(ring_count > 0)
        if len(convex):  # the convex rings, closed by their first corner
            src = np.where(k < count[convex][:, None], np.minimum(k, ring.shape[1] - 1), 0)
            self.rings[convex] = np.take_along_axis(ring[convex], src[..., None], axis=1)
        self.sign = np.ones(n)
        if len(other):  # the hulls GEOS made (closed rings), padded with the closing point
            flat = shapely.get_coordinates(hull)
            first = np.concatenate([[0], np.cumsum(n_hull + 1)[:-1]])
            at = np.minimum(k, n_hull[:, None]) + first[:, None]
            self.rings[other] = flat[at]
            # orientation of each hull ring (+1 counter-clockwise): the shoelace sum's sign
            r = self.rings[other] - self.rings[other, :1]  # local: exact differences
            twice_area = (r[:, :-1, 0] * r[:, 1:, 1] - r[:, 1:, 0] * r[:, :-1, 1]).sum(axis=1)
            self.sign[other] = np.where(twice_area < 0, -1.0, 1.0)
            count[other[twice_area == 0]] = 0  # no area: never tested
        self.count = count
        b = shapely.bounds(geoms)
        self.centre = np.column_stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2])
        self.diagonal = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])

    def shared_edges(self) -> np.ndarray:
        """Pairs of plots whose hulls share an edge, run in opposite directions: codes
        ``a * n + b`` (``a < b``), sorted.

        Each hull lies on the left of its own counter-clockwise edges, so for an edge
        ``P -> Q`` of ``a``'s hull and ``Q -> P`` of ``b``'s, the line through ``P`` and
        ``Q`` has ``a`` on one side and ``b`` on the other: they overlap by nothing (the
        limiting case of :meth:`apart`, depth 0). Found by sorting every edge by a hash of
        its two corners' bits (the same either way round); an edge counts only where
        exactly two edges share the hash and their corners are equal, bit for bit, in
        opposite order: anything else is left to :meth:`apart`.
        """
        n, width = len(self.count), self.rings.shape[1]
        m = int(self.count.sum())  # edges: corner k to k + 1 of every ring
        if m < 2:
            return np.zeros(0, dtype=np.int64)
        owner = np.repeat(np.arange(n), self.count)
        # the corners ring by ring, each ring closed by its first corner again
        k = np.arange(width)[None, :]
        corner = (k <= self.count[:, None]) & (self.count[:, None] > 0)
        xy = np.ascontiguousarray(self.rings[corner])  # (corners, 2)
        start = np.flatnonzero((k < self.count[:, None])[corner])  # each edge's first corner
        bits = xy.view(np.uint64)
        with np.errstate(over="ignore"):
            # x's bits and y's turned by half a word (both vary most in their top bits)
            y = bits[:, 1]
            f = _mix64(bits[:, 0] ^ ((y << np.uint64(32)) | (y >> np.uint64(32))))
            h = f[start] + f[start + 1]  # symmetric in the corners
        # sort (hash, edge) packed in one word: the hash's top bits, the edge's position below
        shift = np.uint64(max(1, m.bit_length()))
        key = ((h >> shift) << shift) | np.arange(m, dtype=np.uint64)
        key.sort()
        at = (key & ((np.uint64(1) << shift) - np.uint64(1))).astype(np.int64)
        hk = key >> shift
        same = hk[1:] == hk[:-1]
        # exactly two edges share the hash (runs of length 2)
        first = np.flatnonzero(same & np.r_[True, ~same[:-1]] & np.r_[~same[1:], True])
        e1, e2 = at[first], at[first + 1]
        o1, o2 = owner[e1], owner[e2]
        # each edge's corners as its ring runs (a corner as one complex number: a 1-D gather)
        z = xy.view(np.complex128)[:, 0]
        p1, q1 = z[start[e1]], z[start[e1] + 1]
        p2, q2 = z[start[e2]], z[start[e2] + 1]
        # opposite as the hulls run them (counter-clockwise): as stored, opposite when both
        # rings run the same way, the same when one runs clockwise
        alike = self.sign[o1] == self.sign[o2]
        ok = np.where(alike, (p1 == q2) & (q1 == p2), (p1 == p2) & (q1 == q2))
        ok &= (p1 != q1) & (o1 != o2)  # an edge (not a point) of two plots
        a, b = o1[ok], o2[ok]
        code = np.sort(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
        if len(code) == 0:
            return code
        return code[np.r_[True, code[1:] != code[:-1]]]  # two hulls may share two edges

    def apart(self, a: np.ndarray, b: np.ndarray, max_area: float) -> np.ndarray:
        """Per pair: proven to overlap by less than ``max_area``."""
        if len(a) > HULL_CHUNK:  # small blocks stay in the cache
            return np.concatenate([self.apart(a[p], b[p], max_area)
                                   for p in spatial_chunks(len(a), HULL_CHUNK)])  # fmt: skip
        out = np.zeros(len(a), dtype=bool)
        ok = np.flatnonzero((self.count[a] > 0) & (self.count[b] > 0))
        if len(ok) == 0:
            return out
        a, b = a[ok], b[ok]
        width = int(max(self.count[a].max(), self.count[b].max())) + 1
        ra, rb = self.rings[a, :width], self.rings[b, :width]
        origin = ra[:, :1, :].copy()
        ra -= origin  # local coordinates: exact near the pair
        rb -= origin
        d = self.centre[b] - self.centre[a]
        bound = np.minimum(
            (_depth(ra, self.sign[a], rb, d) + 1e-9) * self.diagonal[a],
            (_depth(rb, self.sign[b], ra, -d) + 1e-9) * self.diagonal[b],
        )
        out[ok] = bound < max_area
        return out


def _mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every bit of ``z`` (unsigned 64-bit) spread over the result
    (the coordinates of whole metres differ only in their top bits)."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _depth(ra: np.ndarray, sign: np.ndarray, rb: np.ndarray, d: np.ndarray) -> np.ndarray:
    """How deep the corners ``rb`` reach behind the edge of the closed convex ring ``ra``
    (orientation ``sign``) that faces direction ``d`` (``inf`` when ``ra`` has no edge)."""
    ex = np.diff(ra[..., 0], axis=1)
    ey = np.diff(ra[..., 1], axis=1)
    nx, ny = ey * sign[:, None], ex * -sign[:, None]  # outward normals
    dot = nx * d[:, :1] + ny * d[:, 1:]
    length2 = nx * nx + ny * ny
    with np.errstate(divide="ignore", invalid="ignore"):
        facing = np.where(length2 > 0, dot * np.abs(dot) / length2, -np.inf)  # sign(cos) cos²
    # the first edge facing most (np.argmax's choice), column by column: a reduction over
    # a short axis pays its loop per row
    best = np.zeros(len(facing), dtype=np.int64)
    top = facing[:, 0].copy()
    for k in range(1, facing.shape[1]):
        col = facing[:, k]
        better = (col > top) | (np.isnan(col) & ~np.isnan(top))
        best[better], top[better] = k, col[better]
    rows = np.arange(len(best))
    px, py = ra[rows, best, 0][:, None], ra[rows, best, 1][:, None]
    ux, uy = nx[rows, best][:, None], ny[rows, best][:, None]
    reach = ux * (rb[..., 0] - px) + uy * (rb[..., 1] - py)
    side = reach[:, 0].copy()
    for k in range(1, reach.shape[1]):
        np.minimum(side, reach[:, k], out=side)
    norm = np.hypot(ux[:, 0], uy[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = np.maximum(-side, 0.0) / norm
    return np.where(norm > 0, depth, np.inf)


COLLINEAR_M = 1e-6
"""An edge whose both ends lie this close to a line of the other plot, but not exactly on
it, makes the numpy clipping's answer noise there: GEOS measures that pair."""
CONVEX_MAX_VERTICES = 8
"""Plots with at most this many corners that are convex take the fast overlap path."""


def _convex_rings(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corners of every convex polygon without holes (at most
    :data:`CONVEX_MAX_VERTICES`), counter-clockwise and padded: ``(ring (n, V, 2), count)``;
    count 0 for every other geometry (they take GEOS's exact overlay).

    Convex: no corner turns against the ring's orientation (beyond rounding: 1e-12 of the
    ring's longest edge squared), and the edges turn once around in all (a star turns
    twice). Tested on all rings of one number of corners at once, as ``(rings, corners)``
    arrays (a cadastre's plots are mostly quadrilaterals: one group); a clockwise ring is
    tested as it runs backwards and stored reversed (starting at its last corner).
    """
    n = len(geoms)
    count = np.zeros(n, dtype=np.int64)
    is_poly = (shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
    idx = np.flatnonzero(is_poly)
    npts = shapely.get_num_coordinates(geoms[idx]) - 1  # the closing point repeats the first
    fits = (npts >= 3) & (npts <= CONVEX_MAX_VERTICES) & (shapely.area(geoms[idx]) > 0)
    idx, npts = idx[fits], npts[fits]
    if len(idx) == 0:
        return np.zeros((n, CONVEX_MAX_VERTICES, 2)), count
    v = int(npts.max())  # no wider than the largest ring present
    ring = np.zeros((n, v, 2))
    xy = shapely.get_coordinates(geoms[idx])  # no holes: each ring, closed
    start = np.concatenate([[0], np.cumsum(npts + 1)[:-1]])  # each ring's first corner
    for c in np.unique(npts).tolist():
        of = npts == c
        if of.all():  # one size (a cadastre of quadrilaterals): the rings as they lie
            closed = xy.reshape(-1, c + 1, 2)
            x, y = closed[..., 0], closed[..., 1]
        else:
            at = start[of][:, None] + np.arange(c + 1)  # (rings, c + 1): closed
            x, y = xy[at, 0], xy[at, 1]
        convex, rev = _convex_group(x, y)
        # the convex rings, clockwise ones reversed (corner c - 1 first)
        rows = idx[of]
        if not convex.all():
            rows, x, y, rev = rows[convex], x[convex], y[convex], rev[convex]
        if rev.any():
            x = np.where(rev[:, None], x[:, c - 1 :: -1], x[:, :c])
            y = np.where(rev[:, None], y[:, c - 1 :: -1], y[:, :c])
        if len(rows) == n:  # every geometry, in order
            ring[:, :c, 0], ring[:, :c, 1] = x[:, :c], y[:, :c]
        else:
            ring[rows, :c, 0], ring[rows, :c, 1] = x[:, :c], y[:, :c]
        count[rows] = c
    return ring, count


def _convex_group(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per closed ring of ``c`` corners (rows of ``x``, ``y``: ``(rings, c + 1)``): whether
    it is convex, and whether it runs clockwise. Sums run corner by corner, in ring order."""
    c = x.shape[1] - 1
    dx, dy = x[:, 1:] - x[:, :-1], y[:, 1:] - y[:, :-1]  # edge k: corner k to k + 1
    # orientation: the signed area, in coordinates local to each ring's first corner
    lx, ly = x[:, :-1] - x[:, :1], y[:, :-1] - y[:, :1]
    term = lx * (ly + dy) - ly * (lx + dx)
    signed = term[:, 0].copy()
    for k in range(1, c):
        signed += term[:, k]
    rev = signed < 0
    # the edge after each one as the ring runs: the next forwards; backwards (a clockwise
    # ring, reversed) the edges are the negated previous ones (the turns are the same)
    nx_ = np.concatenate([dx[:, 1:], dx[:, :1]], axis=1)
    ny_ = np.concatenate([dy[:, 1:], dy[:, :1]], axis=1)
    if rev.any():
        px = np.concatenate([dx[:, -1:], dx[:, :-1]], axis=1)
        py = np.concatenate([dy[:, -1:], dy[:, :-1]], axis=1)
        nx_[rev], ny_[rev] = px[rev], py[rev]
    cross = dx * ny_ - dy * nx_
    dot = dx * nx_ + dy * ny_
    # the tolerance scales with the ring's own longest edge
    length2 = dx * dx + dy * dy
    scale = length2[:, 0].copy()
    for k in range(1, c):  # (the largest of a few columns: no reduction loop per ring)
        np.maximum(scale, length2[:, k], out=scale)
    turns_right = cross < -1e-12 * scale[:, None]
    right = turns_right[:, 0].copy()
    for k in range(1, c):
        right |= turns_right[:, k]
    angle = np.arctan2(cross, dot)
    turn = angle[:, 0].copy()
    for k in range(1, c):
        turn += angle[:, k]
    convex = ~right & (np.abs(turn - 2 * np.pi) < 1e-6)
    return convex, rev


def _edges(ring: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start points, direction vectors and a validity mask of every edge of padded rings."""
    k = np.arange(ring.shape[1])[None, :]
    if (count == ring.shape[1]).all():  # no padding: every ring closes by its first corner
        end = np.concatenate([ring[:, 1:], ring[:, :1]], axis=1)
    else:
        end = _next_corner(ring, k + 1 < count[:, None])
    d = end - ring
    return ring, d, (k < count[:, None]) & ((d[..., 0] != 0) | (d[..., 1] != 0))


def _next_corner(ring: np.ndarray, has_next: np.ndarray) -> np.ndarray:
    """Per corner ``k`` of padded rings ``(n, V, 2)``: corner ``k + 1`` where ``has_next``,
    else corner 0 (the ring closes; the padding repeats corner 0)."""
    shifted = np.concatenate([ring[:, 1:], ring[:, :1]], axis=1)
    return np.where(has_next[..., None], shifted, ring[:, :1])


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _boundary_inside(
    p: np.ndarray, d: np.ndarray, valid: np.ndarray | None,
    q: np.ndarray, e: np.ndarray, valid_q: np.ndarray | None, shared_counts: bool,
    ds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per pair: the part of the area integral (x dy - y dx) / 2 over the edges ``p + t d``
    (t in 0..1) of one polygon that lie inside the other (edges ``q + t e``, CCW).

    Cyrus-Beck clipping of every edge by every half-plane. An edge lying on the other's
    boundary counts only with ``shared_counts`` and the same direction (both interiors on
    the same side); touching plots (opposite directions) add nothing. ``valid`` and
    ``valid_q`` mark the edges of padded rings (``None``: every edge is one); ``ds`` is
    ``e x d`` per edge and half-plane (m, edges, planes): how the side changes along
    each edge (:func:`convex_overlap_area` computes it once for both directions).

    Returns the integral per pair, and per pair whether an edge lies within
    :data:`COLLINEAR_M` of a half-plane's line without lying on it exactly: there the
    side of each end is rounding noise, and so whether the edge counts (the caller lets
    GEOS measure such pairs).
    """
    px, py = p[..., 0][:, :, None], p[..., 1][:, :, None]  # (m, edges, 1)
    dx, dy = d[..., 0][:, :, None], d[..., 1][:, :, None]
    ex, ey = e[..., 0][:, None, :], e[..., 1][:, None, :]  # (m, 1, planes)
    eq = (e[..., 0] * q[..., 1] - e[..., 1] * q[..., 0])[:, None, :]
    s0 = ex * py  # side of each edge's start to each half-plane (m, e, p)
    s0 -= ey * px
    s0 -= eq
    root = np.negative(s0)
    with np.errstate(divide="ignore", invalid="ignore"):
        root /= ds
    entering, leaving = ds > 0, ds < 0
    parallel = ~(entering | leaving)
    if valid_q is not None:  # padded rings: only the real edges are half-planes
        planes = valid_q[:, None, :]
        entering &= planes
        leaving &= planes
        parallel &= planes
    # the latest entry and the earliest exit over the half-planes, one plane at a time
    # (a reduction over an axis of 3-8 planes pays its loop per edge)
    lo = np.zeros(root.shape[:2])
    hi = np.ones(root.shape[:2])
    for k in range(root.shape[2]):
        np.maximum(lo, np.where(entering[..., k], root[..., k], 0.0), out=lo)
        np.minimum(hi, np.where(leaving[..., k], root[..., k], 1.0), out=hi)
    length = np.clip(hi - lo, 0.0, None)
    if parallel.any():
        same = (dx * ex + dy * ey) > 0
        blocked = (parallel & ((s0 < 0) | ((s0 == 0) & ~(shared_counts & same)))).any(axis=2)
        length[blocked] = 0.0
    if valid is not None:
        length[~valid] = 0.0
    # edges along a line of the other polygon up to noise (not exactly on it)
    near = np.hypot(e[..., 0], e[..., 1])[:, None, :] * COLLINEAR_M
    close = np.abs(s0) <= near
    if valid_q is not None:
        close &= valid_q[:, None, :]
    if valid is not None:
        close &= valid[:, :, None]
    noisy = np.zeros(len(p), dtype=bool)
    if close.any():
        close &= (np.abs(s0 + ds) <= near) & ((s0 != 0) | (ds != 0))
        noisy = close.reshape(len(p), -1).any(axis=1)
    return _row_sum(length * _cross(p, d)) / 2.0, noisy


def _row_sum(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=1)`` bit for bit, column by column where numpy adds a row of fewer
    than 8 in order (a reduction over a short axis pays its loop per row)."""
    if not 0 < x.shape[1] < 8:
        return x.sum(axis=1)
    out = x[:, 0].copy()
    for k in range(1, x.shape[1]):
        out += x[:, k]
    return out


def convex_overlap_area(
    ring_a: np.ndarray, count_a: np.ndarray, ring_b: np.ndarray, count_b: np.ndarray
) -> np.ndarray:
    """:func:`convex_overlaps`' areas.

    Examples
    --------
    >>> sq = np.array([[[0, 0], [2, 0], [2, 2], [0, 2]]], dtype=float)
    >>> convex_overlap_area(sq, np.array([4]), sq + 1, np.array([4])).tolist()
    [1.0]
    """
    return convex_overlaps(ring_a, count_a, ring_b, count_b)[0]


def convex_overlaps(
    ring_a: np.ndarray, count_a: np.ndarray, ring_b: np.ndarray, count_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Area of the intersection of convex polygons, pair by pair, all pairs at once.

    The boundary of ``a`` and ``b``'s intersection is the part of each polygon's edges
    inside the other; the area is the integral ``(x dy - y dx) / 2`` over it (Green's
    theorem), each edge clipped to the other polygon by its half-planes (Cyrus-Beck).
    Rings are counter-clockwise corners, padded to a common length, with their ``count``.

    Returns
    -------
    (area, noisy)
        The areas, and per pair whether an edge of one lies along a line of the other to
        within :data:`COLLINEAR_M` without lying on it exactly (the plots share a boundary
        up to rounding: whether that edge counts is noise, so the area may be off by the
        edge's share of the integral; measure those with GEOS).
    """
    count_a = np.asarray(count_a, dtype=np.int64)
    count_b = np.asarray(count_b, dtype=np.int64)
    if len(count_a) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    ring_a = ring_a[:, : int(count_a.max())]  # no work on padding beyond the largest ring
    ring_b = ring_b[:, : int(count_b.max())]
    origin = ring_a[:, :1, :]  # local coordinates: no cancellation on RD's 100 km offsets
    pa, da, va = _edges(ring_a - origin, count_a)
    pb, db, vb = _edges(ring_b - origin, count_b)
    # rings of one size without edges of length 0 (rectangles, say): no padding to mask
    valid_a, valid_b = (None, None) if va.all() and vb.all() else (va, vb)
    # how each edge's side of each half-plane changes along it: e x d (m, a's edges, b's);
    # b's edges against a's half-planes take it negated (d x e), bit for bit
    ds = db[..., 0][:, None, :] * da[..., 1][:, :, None]
    ds -= db[..., 1][:, None, :] * da[..., 0][:, :, None]
    in_b, noisy_a = _boundary_inside(pa, da, valid_a, pb, db, valid_b, True, ds)
    in_a, noisy_b = _boundary_inside(
        pb, db, valid_b, pa, da, valid_a, False, np.negative(ds.transpose(0, 2, 1))
    )
    return np.maximum(in_b + in_a, 0.0), noisy_a | noisy_b


LEVELS = ("buurt", "wijk", "municipality")
"""The area layers from fine to coarse."""


def nested_shares(
    geoms: np.ndarray, areas: Mapping[str, AreaLayer], stats: dict[str, int] | None = None
) -> dict[str, tuple[np.ndarray, ...]]:
    """:func:`largest_share` of every site for each area layer present, finest first.

    A site lying in the interior of a buurt whose wijk and municipality hold it alone
    (:func:`nesting`, checked on the geometry) takes them without being measured again.
    Where the buurten tile the wijken (:func:`tiles`, checked on the geometry: CBS's do),
    the m² a border site holds in each wijk is the sum of the m² it holds in that wijk's
    buurten, which the buurt layer measured already: no second overlay; likewise for the
    municipalities. And a border site in the interior of the region the buurten tile holds
    its whole area in the buurten it crosses: one of them (the one whose box it overlaps
    most) takes the site's area less the others' m², without an overlay. The result is
    the same as measuring every layer on its own (up to the order in which floating-point
    areas are added). ``stats``, when given, gets the work done added: ``area_pairs``
    (pairs of a site and an area that meet), ``geos_intersection`` (pairs measured by
    GEOS's overlay), ``subtracted`` (pairs taken as the rest of the site's area) and
    ``summed_pairs`` (pairs of a site and a coarse area summed from the finer layer).
    """
    out: dict[str, tuple[np.ndarray, ...]] = {}
    # each layer pair's nesting and each layer's disjointness, checked once
    parents: dict[tuple[str, str], np.ndarray] = {}
    apart: dict[str, bool] = {}

    def parent_of(fine: str, coarse: str) -> np.ndarray:
        if (fine, coarse) not in parents:
            parents[fine, coarse] = nesting(areas[fine], areas[coarse])
        return parents[fine, coarse]

    def tiled(fine: str, coarse: str) -> bool:
        parent = parent_of(fine, coarse)
        if (parent < 0).any():
            return False
        if fine not in apart:
            apart[fine] = interiors_apart(areas[fine])
        return tiles(areas[fine], areas[coarse], parent, apart[fine])

    # (layer key, the area holding each site alone, the m² measured per site and area)
    finer: list[tuple[str, np.ndarray, list]] = []
    for key in LEVELS:
        if key not in areas:
            continue
        layer = areas[key]
        known = np.full(len(geoms), -1, dtype=np.int64)
        source: tuple[np.ndarray, list] | None = None
        for fine, alone, pairs in finer:
            parent = parent_of(fine, key)
            carry = (known < 0) & (alone >= 0)
            known[carry] = parent[alone[carry]]
            if source is None and tiled(fine, key):
                source = (parent, pairs)
        measured: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if source is None and not finer:  # the finest layer: the region it tiles, if any
            coarse = next((k for k in reversed(LEVELS[LEVELS.index(key) + 1 :])
                           if k in areas and tiled(key, k)), None)  # fmt: skip
            within = (
                None if coarse is None else np.array([shapely.union_all(areas[coarse].geometry)])
            )
            *found, alone = _largest_share(geoms, layer, None, stats, measured, within)
        elif source is None:
            *found, alone = _largest_share(geoms, layer, known, stats, measured)
        else:
            *found, alone = _summed_share(geoms, layer, known, *source, stats, measured)
        out[key] = tuple(found)
        finer.insert(0, (key, alone, measured))  # the coarser carries first
    return out


def _summed_share(
    sites: np.ndarray,
    areas: AreaLayer,
    known: np.ndarray,
    parent: np.ndarray,
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    stats: dict[str, int] | None,
    measured: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, ...]:
    """:func:`_largest_share` on a layer that a finer one tiles (:func:`tiles`), from the
    m² the finer layer measured (``pairs``, its areas' coarse area ``parent``).

    Sites known to lie in one area (``known``) take it; a site whose finer areas all lie
    in one area takes it alone (share 1) when it lies in that area's interior (the same
    prepared test as :func:`_largest_share`'s); the other measured sites sum their m² per
    area; the rest (points, lines, sites of no area) are measured on the layer itself.
    """
    n = len(sites)
    code, name, share, code2, share2, covered, alone = _no_shares(n)
    have = np.flatnonzero(known >= 0)
    a = known[have]
    code[have], name[have], share[have], covered[have] = areas.codes[a], areas.names[a], 1.0, 1.0
    alone[have] = a
    m = len(areas.geometry)
    if pairs:
        fs = np.concatenate([p[0] for p in pairs])
        fa = np.concatenate([p[1] for p in pairs])
        fm = np.concatenate([p[2] for p in pairs])
    else:
        fs, fa, fm = (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),)
    take = known[fs] < 0
    pair_key = fs[take].astype(np.int64) * m + parent[fa[take]]
    uniq, inv = np.unique(pair_key, return_inverse=True)
    m2 = np.bincount(inv, weights=fm[take], minlength=len(uniq)).astype(float)
    si, ai = uniq // m, uniq % m
    summed = np.zeros(n, dtype=bool)
    summed[si] = True
    # one area only: the site lies in it alone where it lies in its interior
    per_site = np.bincount(si, minlength=n)
    single = np.flatnonzero(per_site[si] == 1)
    shapely.prepare(areas.geometry)
    inside = np.zeros(len(si), dtype=bool)
    inside[single] = shapely.contains_properly(areas.geometry[ai[single]], sites[si[single]])
    s1, a1 = si[inside], ai[inside]
    code[s1], name[s1], share[s1], covered[s1] = areas.codes[a1], areas.names[a1], 1.0, 1.0
    alone[s1] = a1
    si, ai, m2 = si[~inside], ai[~inside], m2[~inside]
    of = shapely.area(sites[si])
    weight = np.divide(m2, of, out=np.zeros_like(m2), where=of > 0)
    polygonal = shapely.get_dimensions(sites) == 2
    _pick(si, ai, weight, polygonal, areas, (code, name, share, code2, share2, covered))
    measured.append((si, ai, m2))
    if stats is not None:
        stats["summed_pairs"] = stats.get("summed_pairs", 0) + len(uniq)
    outside = np.clip(1.0 - covered, 0.0, 1.0)
    rest = np.flatnonzero((known < 0) & ~summed)  # points, lines, no area: measured here
    if len(rest):
        sub: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        c, nm, s_, c2, s2, o, al = _largest_share(sites[rest], areas, stats=stats, measured=sub)
        code[rest], name[rest], share[rest], code2[rest], share2[rest] = c, nm, s_, c2, s2
        outside[rest], alone[rest] = o, al
        measured += [(rest[p], q, r) for p, q, r in sub]
    return code, name, share, code2, share2, outside, alone


def code_number(text: str) -> int | None:
    """The number of a CBS municipality code as written: ``GM0384``, ``gm 384``, ``0384``
    and ``384`` (and ``384.0``, a code column read as numbers) all give 384; ``None`` for
    anything else (a name)."""
    t = text.strip().upper().removeprefix("GM").strip()
    if t.endswith(".0"):
        t = t[:-2]
    return int(t) if t.isascii() and t.isdigit() and len(t) <= 4 else None


def normalise_code(value: object) -> str:
    """A CBS municipality code as the scenario writes it (``GM0384``) when ``value`` is one
    with or without ``GM`` and leading zeros (:func:`code_number`), else the text in upper
    case."""
    text = str(value).strip().upper()
    number = code_number(text)
    return text if number is None else f"GM{number:04d}"


def _name_key(text: str) -> str:
    """A municipality's name as compared: without case, accents, or the difference between
    a hyphen, a space and none (``Ouder Amstel``, ``ouder-amstel`` and ``OUDERAMSTEL`` are
    one name; ``Súdwest-Fryslân`` is ``sudwestfryslan``)."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if c.isalnum())


def same_municipality(stated: str, code: str, name: str) -> bool:
    """Whether a longlist's own municipality (a code with or without ``GM`` and leading
    zeros, or a name in any case, with or without accents, hyphens or spaces) names the
    municipality ``code`` / ``name``."""
    if stated.casefold() in (code.casefold(), name.casefold()):
        return True
    number = code_number(stated)
    if number is not None:
        return number == code_number(code)
    key = _name_key(stated)
    return bool(key) and key in (_name_key(code), _name_key(name))


def stated_municipality(stated: object, municipalities: Iterable[tuple[str, str]]) -> str | None:
    """The code of the region's municipality a longlist's own municipality column names
    (see :func:`same_municipality`), or ``None`` (empty, or no municipality of the region).

    The one mapping of a stated municipality: the planning counts a site outside every
    municipality for it, and the memo names it.

    Parameters
    ----------
    stated
        The longlist's cell (a code or a name; empty or missing gives ``None``).
    municipalities
        The region's ``(code, name)`` pairs.

    Examples
    --------
    >>> stated_municipality("ouder amstel", [("GM0384", "Diemen"), ("GM0437", "Ouder-Amstel")])
    'GM0437'
    >>> stated_municipality("437", [("GM0437", "Ouder-Amstel")])
    'GM0437'
    """
    if stated is None or (isinstance(stated, float) and math.isnan(stated)) or stated is pd.NA:
        return None
    text = str(stated).strip()
    if not text:
        return None
    return next((code for code, name in municipalities if same_municipality(text, code, name)),
                None)  # fmt: skip


POINT_SNAP_M = 1.0
"""A site given as a point that lies in no area but this close to one (a point digitised on
a boundary, in degrees rounded to 7 decimals: millimetres off it) lies in the nearest."""


def _snap_points(
    geoms: np.ndarray, layer: AreaLayer, found: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """:func:`largest_share`'s result with every point site that lies in no area but
    within :data:`POINT_SNAP_M` of one put in the nearest (share 1, nothing outside)."""
    code = found[0]
    loose = np.flatnonzero((shapely.get_dimensions(geoms) == 0) & (code == ""))
    if len(loose) == 0 or len(layer.geometry) == 0:
        return found
    i, j = shapely.STRtree(layer.geometry).query_nearest(
        geoms[loose], max_distance=POINT_SNAP_M, all_matches=False
    )
    if len(i) == 0:
        return found
    code, name, share, code2, share2, outside = (np.array(a, copy=True) for a in found)
    at = loose[i]
    code[at], name[at], share[at], outside[at] = layer.codes[j], layer.names[j], 1.0, 0.0
    return code, name, share, code2, share2, outside


STATED_COLUMNS = ("municipality_code", "gemeentecode", "gemeente", "municipality")
"""Longlist columns that state a site's municipality (code or name), checked in this order."""


def site_locations(
    sites: gpd.GeoDataFrame,
    areas: dict[str, AreaLayer] | None,
    repaired: frozenset[str],
    ids: np.ndarray,
    pairs: pd.DataFrame | None = None,
    shares: Mapping[str, tuple[np.ndarray, ...]] | None = None,
) -> pd.DataFrame:
    """Where each site lies, and the flags a reader must see on its row.

    ``pairs`` (:func:`overlapping_pairs`) and ``shares`` (:func:`nested_shares`) may be
    given when already computed (the siting stage has them measured on a thread of their
    own while the layers are screened).

    Columns: ``municipality_code``/``municipality`` with ``municipality_share``,
    ``border_municipality_code``/``border_share`` (the runner-up), ``crosses_border``,
    ``outside_share``, ``wijk_code``/``wijk``/``wijk_share``,
    ``buurt_code``/``buurt``/``buurt_share`` (the share of the site in that wijk or buurt),
    ``municipality_stated`` and ``municipality_mismatch`` (when the longlist states one),
    ``overlaps_with`` (other candidate plots and the shared m²) and ``repaired``.
    """
    n = len(sites)
    geoms = sites.geometry.to_numpy()
    out = pd.DataFrame(index=sites.index)
    areas = areas or {}
    shares = nested_shares(geoms, areas) if shares is None else shares
    shares = {key: _snap_points(geoms, areas[key], found) for key, found in shares.items()}
    if "municipality" in areas:
        code, name, share, code2, share2, outside = shares["municipality"]
        out["municipality_code"] = _str_column(code)
        out["municipality"] = _str_column(name)
        out["municipality_share"] = np.round(share, 4)
        crosses = share2 >= BORDER_MIN_SHARE
        out["border_municipality_code"] = _str_column(np.where(crosses, code2, ""))
        out["border_share"] = np.round(np.where(crosses, share2, 0.0), 4)
        out["crosses_border"] = crosses
        out["outside_share"] = np.round(outside, 4)
        stated_col = next((c for c in STATED_COLUMNS if c in sites.columns), None)
        if stated_col is not None:
            stated = sites[stated_col].astype("string").fillna("").str.strip().to_numpy()
            agree = np.array(
                [
                    s == "" or same_municipality(s, str(c), str(m))
                    for s, c, m in zip(stated, code, name, strict=True)
                ]
            )
            out["municipality_stated"] = stated
            out["municipality_mismatch"] = ~agree & (code != "")
    for key in ("wijk", "buurt"):
        if key in areas:
            code, name, share, *_ = shares[key]
            out[f"{key}_code"] = _str_column(code)
            out[f"{key}"] = _str_column(name)
            out[f"{key}_share"] = np.round(share, 4)
    if pairs is None:
        pairs = overlapping_pairs(geoms, ids)
    out["overlaps_with"] = _str_column(_overlap_texts(n, pairs))
    out["repaired"] = (
        np.isin(ids.astype(str), list(repaired)) if repaired else np.zeros(n, dtype=bool)
    )
    names = (
        dict(zip(areas["municipality"].codes, areas["municipality"].names, strict=True))
        if "municipality" in areas
        else {}
    )
    out["location_flags"] = location_flags(out, names, _outside_where(geoms, out, areas))
    return out


def _outside_where(
    geoms: np.ndarray, where: pd.DataFrame, areas: Mapping[str, AreaLayer]
) -> dict[int, tuple[float, str]]:
    """For each site wholly outside the region's municipalities (kept under ``region.outside:
    warn``): its distance to the nearest municipality and that one's name, by position."""
    if "municipality" not in areas or "outside_share" not in where.columns:
        return {}
    out_share = np.nan_to_num(where["outside_share"].to_numpy(dtype=float))
    at = np.flatnonzero(out_share >= WHOLLY_OUTSIDE)
    if not len(at):
        return {}
    mun = areas["municipality"]
    dist = shapely.distance(geoms[at][:, None], np.asarray(mun.geometry)[None, :])
    dist = np.where(np.isnan(dist), np.inf, dist)
    best = dist.argmin(axis=1)
    return {
        int(k): (float(dist[r, best[r]]), str(mun.names[best[r]] or mun.codes[best[r]]))
        for r, k in enumerate(at.tolist())
        if np.isfinite(dist[r, best[r]])
    }


def locate_sites(
    sites: gpd.GeoDataFrame,
    areas: Mapping[str, AreaLayer] | None,
    repaired: frozenset[str],
    ids: np.ndarray,
    workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overlap check and the site locations in one call: ``(pairs, locations)``.

    :func:`overlapping_pairs` and then :func:`site_locations` (which measures the shares
    with :func:`nested_shares`); the same as calling them one after the other. Needs only
    the plots' geometry, ids and stated municipality column, so the siting stage runs it
    on a thread of its own while the layers are screened; its columns come back in the
    dtypes the stage's table keeps (no conversion on the screen's thread).
    """
    pairs = overlapping_pairs(sites.geometry.to_numpy(), ids, workers=workers)
    return pairs, site_locations(sites, dict(areas or {}), repaired, ids, pairs)


def location_flags(
    where: pd.DataFrame,
    names: dict[str, str] | None = None,
    outside_at: Mapping[int, tuple[float, str]] | None = None,
) -> np.ndarray:
    """Per site, the flags a reader must see on its row, as catalogue messages (a tuple per
    site, empty when there is nothing to flag; rendered ``"; "``-joined).

    * ``siting.flag.border``: the site crosses a municipal border, with both shares;
    * ``siting.flag.outside``: at least :data:`BORDER_MIN_SHARE` of the plot lies outside
      the region's municipalities (a site kept under ``region.outside: warn``, or one whose
      share outside is below ``region.max_outside_share``), with that share
      (``siting.flag.outside_all`` for a point or a plot wholly outside);
    * ``siting.flag.mismatch``: the longlist's own municipality column names another one;
    * ``siting.flag.repaired``: its invalid geometry was repaired on reading.

    Overlapping candidate plots are in ``overlaps_with``; the outputs add them to the
    flags a reader sees (:func:`opvang_opt.outputs.content.overlap_flag`), so the screen
    builds no text per overlapping pair.

    Parameters
    ----------
    where
        The columns of :func:`site_locations` (any of them may be absent).
    names
        Municipality names by code, for the border flag's runner-up.
    outside_at
        By position, the distance (m) and nearest municipality of each site wholly
        outside the region (``siting.flag.outside_far``; without it ``outside_all``).
    """
    names = names or {}
    n = len(where)

    def flag(name: str) -> np.ndarray:
        if name in where.columns:
            return np.asarray(where[name].to_numpy(), dtype=bool)
        return np.zeros(n, dtype=bool)

    crosses, mismatch, repaired = (
        flag(c) for c in ("crosses_border", "municipality_mismatch", "repaired")
    )
    outside = np.zeros(n, dtype=bool)
    if "outside_share" in where.columns:
        outside = np.nan_to_num(where["outside_share"].to_numpy(dtype=float)) >= BORDER_MIN_SHARE
    flags = np.empty(n, dtype=object)
    flags.fill(())  # (the empty tuple is shared: tuples are immutable)
    # only the sites with something to say
    at = np.flatnonzero(crosses | outside | mismatch | repaired)

    def col(name: str, default: object) -> np.ndarray:
        # the flagged rows only (a text column's values become Python strings one by one)
        out = np.full(n, default, dtype=object)
        if name in where.columns:
            out[at] = where[name].iloc[at].to_numpy()
        return out

    muni, code, share = col("municipality", ""), col("municipality_code", ""), col(
        "municipality_share", 0.0)  # fmt: skip
    code2, share2 = col("border_municipality_code", ""), col("border_share", 0.0)
    stated = col("municipality_stated", "")
    out_share = col("outside_share", 0.0)
    for k in at.tolist():
        found: list[Message] = []
        if bool(crosses[k]):
            found.append(Message("siting.flag.border", {
                "first": str(muni[k] or code[k]), "share": float(share[k]),
                "second": str(names.get(str(code2[k]), code2[k])), "share2": float(share2[k]),
            }))  # fmt: skip
        if bool(outside[k]) and float(out_share[k]) >= WHOLLY_OUTSIDE:  # a point, or all
            if k in (outside_at or {}):
                metres, nearest = (outside_at or {})[k]
                found.append(Message(  # under a metre: not '0 m outside'
                    "siting.flag.outside_far" if metres >= 0.5 else "siting.flag.outside_near",
                    {"metres": metres, "nearest": nearest}))  # fmt: skip
            else:
                found.append(Message("siting.flag.outside_all"))
        elif bool(outside[k]) and round(float(out_share[k]), 2) >= 1.0:  # not '100%' while
            # part of it lies in the region: 99.7 % in tenths, cut down
            tenths = math.floor(float(out_share[k]) * 1000) / 1000
            found.append(Message("siting.flag.outside_fine", {"share": tenths}))
        elif bool(outside[k]):
            found.append(Message("siting.flag.outside", {"share": float(out_share[k])}))
        if bool(mismatch[k]):
            found.append(Message("siting.flag.mismatch", {
                "stated": str(stated[k]), "computed": str(muni[k] or code[k])}))  # fmt: skip
        if bool(repaired[k]):
            found.append(Message("siting.flag.repaired"))
        flags[k] = tuple(found)
    return flags

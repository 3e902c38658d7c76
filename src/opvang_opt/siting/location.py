"""Where each site lies: municipality, wijk and buurt by largest share, border sites, overlaps.

A plot that lies 70 % in Ouder-Amstel and 30 % in Diemen needs permits and Spreidingswet
accounting in both: it is flagged with both shares. Two candidate plots that overlap would
count the same ground twice: every overlapping pair is reported with its area, and the
shortlist lets at most one of them in.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

BORDER_MIN_SHARE = 0.01
"""A site counts as crossing a border when a second area holds at least this share of it."""
OVERLAP_MIN_M2 = 1.0
"""Candidate plots overlapping by less than this (digitising noise) are not reported."""


@dataclass(frozen=True)
class AreaLayer:
    """Polygons with a code and a name (municipalities, wijken or buurten), in RD New."""

    codes: np.ndarray
    names: np.ndarray
    geometry: np.ndarray


def largest_share(
    sites: np.ndarray, areas: AreaLayer
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every site the area holding most of it, and the runner-up.

    Points and lines count as wholly in the area they lie in (the nearest one within 0 m).

    Returns
    -------
    (code, name, share, second_code, second_share, outside_share)
        Per site: the code and name of the area with the largest share (``""`` when none),
        that share (0-1), the runner-up's code and share, and the share in no area.
    """
    n = len(sites)
    code = np.full(n, "", dtype=object)
    name = np.full(n, "", dtype=object)
    share = np.zeros(n)
    code2 = np.full(n, "", dtype=object)
    share2 = np.zeros(n)
    covered = np.zeros(n)
    if n == 0 or len(areas.geometry) == 0:
        return code, name, share, code2, share2, np.ones(n)
    tree = shapely.STRtree(areas.geometry)
    si, ai = tree.query(sites, predicate="intersects")
    polygonal = shapely.get_dimensions(sites) == 2
    site_area = shapely.area(sites)
    weight = np.ones(len(si))
    poly_pair = polygonal[si]
    if poly_pair.any():
        inter = shapely.area(
            shapely.intersection(sites[si[poly_pair]], areas.geometry[ai[poly_pair]])
        )
        weight[poly_pair] = np.divide(
            inter,
            site_area[si[poly_pair]],
            out=np.zeros_like(inter),
            where=site_area[si[poly_pair]] > 0,
        )
    frame = pd.DataFrame({"site": si, "area": ai, "share": weight})
    if not polygonal.all():  # a point on a shared border: count it once, in the first area
        frame = frame[~((~polygonal[frame["site"]]) & frame.duplicated("site"))]
    frame = frame.sort_values(["site", "share", "area"], ascending=[True, False, True])
    totals = frame.groupby("site")["share"].sum()
    covered[totals.index.to_numpy()] = np.minimum(totals.to_numpy(), 1.0)
    first = frame.drop_duplicates("site")
    s, a = first["site"].to_numpy(), first["area"].to_numpy()
    code[s], name[s], share[s] = areas.codes[a], areas.names[a], first["share"].to_numpy()
    rest = frame[frame.duplicated("site")].drop_duplicates("site")
    s2, a2 = rest["site"].to_numpy(), rest["area"].to_numpy()
    code2[s2], share2[s2] = areas.codes[a2], rest["share"].to_numpy()
    return code, name, share, code2, share2, np.clip(1.0 - covered, 0.0, 1.0)


PAIR_CHUNK = 50_000
"""Candidate pairs per chunk of overlap work (bounds the intersections held at once)."""


def overlapping_pairs(
    geoms: np.ndarray,
    ids: np.ndarray,
    min_area_m2: float = OVERLAP_MIN_M2,
    workers: int | None = None,
) -> pd.DataFrame:
    """Every pair of candidate plots that overlap by at least ``min_area_m2``.

    Candidate pairs come from the bounding boxes. A pair that overlaps by
    ``min_area_m2 > 0`` has intersecting interiors (DE-9IM ``T********``), so GEOS's
    relate test keeps every such pair and drops the neighbours that only share a
    boundary (every pair of a tiling cadastre); the area of the intersection (the same
    GEOS call as ever) decides the rest. Chunks run on ``workers`` threads (shapely
    releases the GIL).

    Returns
    -------
    pandas.DataFrame
        Columns ``i``, ``j`` (positions, ``i < j``), ``site_a``, ``site_b`` and
        ``overlap_m2``, sorted by position.
    """
    from opvang_opt.siting import spatial

    polygonal = np.flatnonzero(shapely.get_dimensions(geoms) == 2)
    cols = ["i", "j", "site_a", "site_b", "overlap_m2"]
    if len(polygonal) < 2:
        return pd.DataFrame(columns=cols)
    sub = geoms[polygonal]
    tree = shapely.STRtree(sub)

    def candidates(part: slice) -> tuple[np.ndarray, np.ndarray]:
        # boxes only (relate is tested below, per pair); chunk by chunk, so the pairs of
        # every plot with itself and both orders never exist all at once
        if min_area_m2 > 0:
            qa, qb = tree.query(sub[part])
        else:  # touching pairs count too: keep the tree's own predicate
            qa, qb = tree.query(sub[part], predicate="intersects")
        qa = qa + part.start
        keep = qa < qb
        qa, qb = qa[keep], qb[keep]
        order = np.lexsort((qb, qa))  # by position, as the result is sorted
        return qa[order], qb[order]

    found = [candidates(part) for part in spatial.chunks(len(sub), PAIR_CHUNK)]
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    del found
    if len(a) == 0:
        return pd.DataFrame(columns=cols)

    def chunk(part: slice) -> tuple[np.ndarray, np.ndarray]:
        pa, pb = a[part], b[part]
        ga, gb = sub[pa], sub[pb]
        if min_area_m2 > 0:
            hit = np.flatnonzero(shapely.relate_pattern(ga, gb, "T********"))
            ga, gb = ga[hit], gb[hit]
        else:
            hit = np.arange(len(pa))
        area = shapely.area(shapely.intersection(ga, gb))
        big = area >= min_area_m2
        return hit[big] + part.start, area[big]

    w = workers or spatial.default_workers()
    parts = spatial.thread_map(chunk, spatial.chunks(len(a), PAIR_CHUNK), w)
    at = np.concatenate([p[0] for p in parts])
    area = np.concatenate([p[1] for p in parts])
    i, j = polygonal[a[at]], polygonal[b[at]]
    return pd.DataFrame(
        {"i": i, "j": j, "site_a": ids[i], "site_b": ids[j], "overlap_m2": np.round(area, 1)}
    )


def overlap_texts(n: int, pairs: pd.DataFrame) -> np.ndarray:
    """Per site: the other plots it overlaps and the shared m², ``"B (5.000 m²); C (12 m²)"``.

    Others in position order; empty for a site without overlaps.
    """
    text = np.full(n, "", dtype=object)
    if len(pairs) == 0:
        return text
    i = pairs["i"].to_numpy(dtype=np.int64)
    j = pairs["j"].to_numpy(dtype=np.int64)
    site = np.concatenate([i, j])
    other = np.concatenate([j, i])
    name = np.concatenate([pairs["site_b"].to_numpy(), pairs["site_a"].to_numpy()])
    m2 = np.tile(pairs["overlap_m2"].to_numpy(dtype=float), 2)
    order = np.lexsort((other, site))
    site, name, m2 = site[order], name[order], m2[order]
    # "{:,.0f}" with "." as thousands separator: Python's own formatting, once per value
    uniq, inv = np.unique(m2, return_inverse=True)
    shown = np.array([f"{v:,.0f}".replace(",", ".") for v in uniq], dtype=object)
    labels = [str(x) for x in name.tolist()]
    parts = [f"{a} ({b} m²)" for a, b in zip(labels, shown[inv].tolist(), strict=True)]
    starts = np.flatnonzero(np.r_[True, site[1:] != site[:-1]])
    stops = np.r_[starts[1:], len(site)]
    text[site[starts]] = [
        "; ".join(parts[a:b]) for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
    ]
    return text


STATED_COLUMNS = ("municipality_code", "gemeentecode", "gemeente", "municipality")
"""Longlist columns that state a site's municipality (code or name), checked in this order."""


def site_locations(
    sites: gpd.GeoDataFrame,
    areas: dict[str, AreaLayer] | None,
    repaired: frozenset[str],
    ids: np.ndarray,
    pairs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Where each site lies, and the flags a reader must see on its row.

    Columns: ``municipality_code``/``municipality`` with ``municipality_share``,
    ``border_municipality_code``/``border_share`` (the runner-up), ``crosses_border``,
    ``outside_share``, ``wijk_code``/``wijk``, ``buurt_code``/``buurt``,
    ``municipality_stated`` and ``municipality_mismatch`` (when the longlist states one),
    ``overlaps_with`` (other candidate plots and the shared m²) and ``repaired``.
    """
    n = len(sites)
    geoms = sites.geometry.to_numpy()
    out = pd.DataFrame(index=sites.index)
    areas = areas or {}
    if "municipality" in areas:
        code, name, share, code2, share2, outside = largest_share(geoms, areas["municipality"])
        out["municipality_code"] = code
        out["municipality"] = name
        out["municipality_share"] = np.round(share, 4)
        crosses = share2 >= BORDER_MIN_SHARE
        out["border_municipality_code"] = np.where(crosses, code2, "")
        out["border_share"] = np.round(np.where(crosses, share2, 0.0), 4)
        out["crosses_border"] = crosses
        out["outside_share"] = np.round(outside, 4)
        stated_col = next((c for c in STATED_COLUMNS if c in sites.columns), None)
        if stated_col is not None:
            stated = sites[stated_col].astype("string").fillna("").str.strip().to_numpy()
            agree = np.array(
                [
                    s == "" or s.lower() in (str(c).lower(), str(m).lower())
                    for s, c, m in zip(stated, code, name, strict=True)
                ]
            )
            out["municipality_stated"] = stated
            out["municipality_mismatch"] = ~agree & (code != "")
    for key in ("wijk", "buurt"):
        if key in areas:
            code, name, *_ = largest_share(geoms, areas[key])
            out[f"{key}_code"] = code
            out[f"{key}"] = name
    if pairs is None:
        pairs = overlapping_pairs(geoms, ids)
    out["overlaps_with"] = overlap_texts(n, pairs)
    out["repaired"] = (
        np.isin(ids.astype(str), list(repaired)) if repaired else np.zeros(n, dtype=bool)
    )
    return out

"""Siting benchmark (issue 3): criteria, exclusions and scores at 100,000 plots, and the
CP-SAT shortlist over 1,000 eligible sites with separation constraints.

Prints a table (or JSON with ``--json``) with each figure, its target, and the reference
measured in the same run:

- criteria + exclusions + scores for 100,000 plots, 50,000 points of interest in 5
  categories and 3 constraint layers of 1,000 polygons (target 15 s, peak memory 4 GB);
  reference: a row-by-row geopandas distance loop on a subsample, extrapolated;
- CP-SAT shortlist over 1,000 eligible sites with separation constraints (target: proven
  optimal in 30 s, or the gap reported); reference: a greedy pass by score that keeps the
  same rules.

Packing speed and SMAA are in ``bench_siting_parts.py``.

Usage: ``python benchmarks/bench_siting.py [--json] [--plots N]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

RD = "EPSG:28992"
CATEGORIES = ("station", "bus_stop", "primary_school", "gp", "supermarket")
EXTENT = 60_000.0  # metres


def synthetic_world(n_plots: int, n_pois: int, n_constraint: int, seed: int = 1):
    """Seeded plots (rotated rectangles, 0.2-3 ha), POIs and three constraint layers."""
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(0, EXTENT, n_plots), rng.uniform(0, EXTENT, n_plots)
    area = rng.uniform(2_000, 30_000, n_plots)
    ratio = rng.uniform(1, 3, n_plots)
    w = np.sqrt(area * ratio)
    h = area / w
    ang = rng.uniform(0, np.pi, n_plots)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx = corners[None, :, 0] * w[:, None]
    dy = corners[None, :, 1] * h[:, None]
    x = cx[:, None] + dx * np.cos(ang)[:, None] - dy * np.sin(ang)[:, None]
    y = cy[:, None] + dx * np.sin(ang)[:, None] + dy * np.cos(ang)[:, None]
    plots = shapely.polygons(np.stack([x, y], axis=-1))
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n_plots)],
            "name": [f"Kavel {i}" for i in range(n_plots)],
            "cost": rng.uniform(2e5, 4e6, n_plots),
            "available_from": np.where(rng.random(n_plots) < 0.9, "2026-06-01", "2029-06-01"),
        },
        geometry=plots,
        crs=RD,
    )
    pois = gpd.GeoDataFrame(
        {
            "poi_id": [f"P{i}" for i in range(n_pois)],
            "category": rng.choice(CATEGORIES, n_pois),
        },
        geometry=shapely.points(rng.uniform(0, EXTENT, (n_pois, 2))),
        crs=RD,
    )
    layers = {"pois": pois}
    for k in range(3):
        c = shapely.points(rng.uniform(0, EXTENT, (n_constraint, 2)))
        layers[f"c{k}"] = gpd.GeoDataFrame(
            {"name": [f"c{k}_{i}" for i in range(n_constraint)]},
            geometry=shapely.buffer(c, rng.uniform(50, 400, n_constraint), quad_segs=4),
            crs=RD,
        )
    return sites, layers


def siting_config(min_distance: float | None = None, optimise: bool = False) -> dict:
    crit = [
        {"name": f"d_{c}", "kind": "distance_to_poi", "category": c, "weight": 1,
         "value": {"type": "linear", "lower": 0, "upper": 3000, "direction": "lower_is_better"}}
        for c in CATEGORIES
    ]  # fmt: skip
    crit += [
        {"name": "n_shops", "kind": "count_within", "category": "supermarket", "radius_m": 1000,
         "value": {"type": "step", "thresholds": [1, 2, 3], "values": [0, 0.5, 0.8, 1]}},
        {"name": "c0_share", "kind": "overlap_share", "layer": "c0",
         "value": {"type": "linear", "lower": 0, "upper": 0.5, "direction": "lower_is_better"}},
        {"name": "c2_dist", "kind": "distance_to_layer", "layer": "c2",
         "value": {"type": "linear", "lower": 0, "upper": 2000}},
        {"name": "area", "kind": "area", "value": {"type": "linear", "lower": 1500,
                                                    "upper": 20000}},
        {"name": "cost", "kind": "attribute", "column": "cost",
         "value": {"type": "linear", "lower": 0, "upper": 4e6, "direction": "lower_is_better"}},
    ]  # fmt: skip
    excl = [
        {"name": "in_c1", "kind": "intersects", "layer": "c1"},
        {"name": "near_c2", "kind": "closer_than", "layer": "c2", "distance_m": 100},
        {"name": "small", "kind": "below", "criterion": "area", "limit": 2500},
        {"name": "date", "kind": "available_by", "date": "2028-06-30"},
    ]
    shortlist: dict = {"method": "top_score", "tradeoff_steps": 0}
    if optimise:
        shortlist = {"method": "optimise", "max_sites": 40, "min_distance_m": min_distance,
                     "cost_column": "cost", "budget_eur": 4.0e7, "tradeoff_steps": 0,
                     "time_limit_s": 30, "workers": 2}  # fmt: skip
    return {
        "criteria": crit, "exclusions": excl, "capacity": {"density_units_per_ha": 30},
        "target": {"amount": 1500}, "shortlist": shortlist,
        "robustness": {"samples": 0, "one_at_a_time": False},
    }  # fmt: skip


def _stage_child(n_plots: int, queue) -> None:
    from opvang_opt.schema import SitingConfig
    from opvang_opt.siting.stage import SitingInputs, run_siting

    sites, layers = synthetic_world(n_plots, 50_000, 1_000)
    config = SitingConfig.model_validate(siting_config())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    res = run_siting(config, SitingInputs(sites, layers, "site_id"))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "seconds": seconds,
            "peak_rss_mb": peak / 1024,
            "rss_before_mb": before / 1024,
            "n_excluded": res.summary.n_excluded,
        }
    )


def bench_criteria(n_plots: int) -> dict:
    """Run the stage in a fresh process, so its peak memory is its own."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_stage_child, args=(n_plots, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def reference_loop(n_plots: int, sample: int = 300) -> float:
    """Row-by-row geopandas distances for the 5 POI criteria on a subsample, extrapolated."""
    sites, layers = synthetic_world(n_plots, 50_000, 1_000)
    pois = layers["pois"]
    per_cat = {c: pois[pois["category"] == c] for c in CATEGORIES}
    sub = sites.iloc[:sample]
    t0 = time.perf_counter()
    for geom in sub.geometry:
        for c in CATEGORIES:
            per_cat[c].distance(geom).min()
    return (time.perf_counter() - t0) / sample * n_plots


def shortlist_instance(n: int = 1000, seed: int = 7):
    from opvang_opt.siting.shortlist import ShortlistProblem

    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20_000, (n, 2))
    geoms = shapely.buffer(shapely.points(xy), 60, quad_segs=4)
    min_d = 800.0
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=min_d)
    keep = a < b
    a, b = a[keep], b[keep]
    d = shapely.distance(geoms[a], geoms[b])
    close = d < min_d
    zone = np.array([f"W{int(x // 4000)}{int(y // 4000)}" for x, y in xy])
    return ShortlistProblem(
        ids=np.array([f"S{i:04d}" for i in range(n)]),
        value=np.round(rng.uniform(20, 100, n), 3),
        capacity=rng.integers(5, 80, n),
        target=1500,
        eligible=np.ones(n, dtype=bool),
        cost=np.round(rng.uniform(2e5, 4e6, n)),
        budget=4.0e7,
        max_sites=40,
        conflicts=np.column_stack([a[close], b[close]]),
        conflict_distance=d[close],
        min_distance=min_d,
        zone=zone,
        max_per_zone=3,
    )


def greedy(p) -> tuple[float, bool]:
    """Reference: take sites by score while every rule still holds."""
    order = np.argsort(-p.value, kind="stable")
    sel = np.zeros(p.n, dtype=bool)
    nb = {}
    for i, j in p.conflicts:
        nb.setdefault(i, set()).add(j)
        nb.setdefault(j, set()).add(i)
    cost = 0.0
    zones: dict[str, int] = {}
    for i in order:
        if sel.sum() >= p.max_sites:
            break
        if cost + p.cost[i] > p.budget or zones.get(p.zone[i], 0) >= p.max_per_zone:
            continue
        if any(sel[j] for j in nb.get(i, ())):
            continue
        sel[i] = True
        cost += p.cost[i]
        zones[p.zone[i]] = zones.get(p.zone[i], 0) + 1
    return float(p.value[sel].sum()), bool(p.capacity[sel].sum() >= p.target)


def bench_shortlist() -> dict:
    from opvang_opt.siting.shortlist import check_shortlist, solve_shortlist

    p = shortlist_instance()
    t0 = time.perf_counter()
    sol = solve_shortlist(p, time_limit=30.0, workers=2, seed=1, explain=True)
    seconds = time.perf_counter() - t0
    assert sol.target_met and check_shortlist(p, sol.selected).is_ok
    g_value, g_ok = greedy(p)
    return {
        "seconds": seconds, "status": sol.status.value, "gap": sol.gap, "objective": sol.objective,
        "conflict_pairs": len(p.conflicts), "greedy_objective": g_value,
        "greedy_meets_target": g_ok,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--plots", type=int, default=100_000, help="number of candidate plots")
    args = ap.parse_args()
    crit = bench_criteria(args.plots)
    ref = reference_loop(args.plots)
    sl = bench_shortlist()
    rows = [
        (f"criteria+exclusions+scores, {args.plots} plots (s)", round(crit["seconds"], 2),
         "<= 15", f"row-by-row geopandas loop, extrapolated: {ref:.0f} s"),
        ("  peak memory of that process (MB)", round(crit["peak_rss_mb"]), "<= 4096",
         f"after building the data: {crit['rss_before_mb']:.0f} MB"),
        (f"CP-SAT shortlist, 1,000 sites, {sl['conflict_pairs']} separation pairs (s)",
         round(sl["seconds"], 2), "<= 30 (optimal) or gap", f"status {sl['status']}, "
         f"gap {sl['gap']:.4%}"),
        ("  total value (CP-SAT)", round(sl["objective"], 2), ">= reference",
         f"greedy by score: {sl['greedy_objective']:.2f} (meets target: "
         f"{sl['greedy_meets_target']})"),
    ]  # fmt: skip
    if args.json:
        json.dump({"criteria": crit, "reference_loop_seconds": ref, "shortlist": sl},
                  sys.stdout, indent=2)  # fmt: skip
        print()
        return
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'measured':>10}  {'target':<24} reference (same run)")
    for name, value, target, reference in rows:
        print(f"{name:<{width}}  {value!s:>10}  {target:<24} {reference}")


if __name__ == "__main__":
    main()

"""Benchmark of the siting building blocks (issue 3): capacity packing and SMAA.

Synthetic, seeded instances, each measured beside a naive reference in the same run:

1. Capacity packing of >= 2,000 plots of 0.2-3 ha (rectangles, rotated quads, L-shapes,
   irregular 5-7 vertex polygons; units 5 x 10 m, spacing 5 m, setback 5 m, path share
   0.2). Target: at least 500 plots per second. Reference: a lattice of candidate boxes
   (pitch width + spacing by depth + spacing, 4 lattice offsets) at 36 orientations,
   each box tested with shapely ``within`` one by one, on a subsample, extrapolated.
2. SMAA with 10,000 weight samples over 1,000 sites (8 criteria, top_score shortlist).
   Target: 5 s or less. Reference: a per-sample Python loop on a subsample, extrapolated.

Usage::

    PYTHONPATH=src python benchmarks/bench_siting_parts.py [--json] [--plots N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Polygon, box

from opvang_opt.siting.packing import pack_many, setback_polygon
from opvang_opt.siting.robustness import sample_weights, smaa

UNIT = {"unit_width": 5.0, "unit_depth": 10.0, "spacing": 5.0, "setback": 5.0}
PATH_SHARE = 0.2


def synthetic_plots(n: int, seed: int) -> np.ndarray:
    """Seeded plots of 0.2-3 ha in RD New around Diemen: four shape kinds, random turn."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        area = rng.uniform(2_000.0, 30_000.0)
        kind = i % 4
        if kind == 0:  # rectangle, aspect 1-4
            aspect = rng.uniform(1.0, 4.0)
            p = box(0.0, 0.0, aspect, 1.0)
        elif kind == 1:  # quadrilateral
            p = Polygon(
                np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float) + rng.uniform(-0.2, 0.2, (4, 2))
            )
        elif kind == 2:  # L-shape
            a, b = rng.uniform(0.3, 0.7, 2)
            p = Polygon([(0, 0), (1, 0), (1, a), (b, a), (b, 1), (0, 1)])
        else:  # irregular 5-7 vertices (star-shaped, so simple)
            m = int(rng.integers(5, 8))
            ang = np.sort(rng.uniform(0.0, 2.0 * np.pi, m))
            rad = rng.uniform(0.6, 1.0, m)
            p = Polygon(np.c_[rad * np.cos(ang), rad * np.sin(ang)])
        if not p.is_valid:
            p = p.convex_hull
        f = np.sqrt(area / p.area)
        p = affinity.scale(p, f, f, origin=(0, 0))
        p = affinity.rotate(p, rng.uniform(0.0, 180.0), origin=(0, 0))
        p = affinity.translate(p, rng.uniform(120_000, 126_000), rng.uniform(480_000, 486_000))
        out.append(p)
    return np.array(out, dtype=object)


def naive_pack(plot: Any, *, width: float, depth: float, spacing: float, setback: float) -> int:
    """Reference: lattice boxes at 36 orientations x 4 offsets, each tested with ``within``."""
    inner = setback_polygon(plot, setback)
    if inner.is_empty:
        return 0
    c = inner.centroid
    best = 0
    px, py = width + spacing, depth + spacing
    for angle in range(0, 180, 5):
        turned = affinity.rotate(inner, -angle, origin=c)
        x0, y0, x1, y1 = turned.bounds
        for ox in (0.0, px / 2):
            for oy in (0.0, py / 2):
                n = 0
                for x in np.arange(x0 + ox, x1 - width + 1e-9, px):
                    for y in np.arange(y0 + oy, y1 - depth + 1e-9, py):
                        if box(x, y, x + width, y + depth).within(turned):
                            n += 1
                best = max(best, n)
    return int(np.floor(best * (1 - PATH_SHARE) + 1e-9))


def bench_packing(n_plots: int, seed: int, n_ref: int) -> dict[str, Any]:
    plots = synthetic_plots(n_plots, seed)
    areas = shapely.area(plots)
    t = time.perf_counter()
    counts, _ = pack_many(plots, **UNIT, path_share=PATH_SHARE, processes=1)
    serial = time.perf_counter() - t
    t = time.perf_counter()
    pooled, _ = pack_many(plots, **UNIT, path_share=PATH_SHARE, processes=2)
    pool = time.perf_counter() - t
    assert np.array_equal(counts, pooled)
    sub = np.arange(0, n_plots, max(1, n_plots // n_ref))[:n_ref]
    t = time.perf_counter()
    ref = [
        naive_pack(
            plots[i],
            width=UNIT["unit_width"],
            depth=UNIT["unit_depth"],
            spacing=UNIT["spacing"],
            setback=UNIT["setback"],
        )
        for i in sub
    ]
    ref_time = time.perf_counter() - t
    return {
        "plots": n_plots,
        "area_ha_min": float(areas.min() / 1e4),
        "area_ha_max": float(areas.max() / 1e4),
        "serial_s": serial,
        "serial_plots_per_s": n_plots / serial,
        "pool2_s": pool,
        "pool2_plots_per_s": n_plots / pool,
        "mean_units": float(counts.mean()),
        "reference_plots": len(sub),
        "reference_plots_per_s": len(sub) / ref_time,
        "reference_mean_units": float(np.mean(ref)),
        "ours_mean_units_same_plots": float(counts[sub].mean()),
        "ours_ge_reference_share": float(np.mean(counts[sub] >= np.array(ref))),
    }


def bench_smaa(n_sites: int, n_samples: int, seed: int, n_ref: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.0, 1.0, (n_sites, 8))
    cap = rng.integers(0, 80, n_sites).astype(float)
    target = 0.05 * cap.sum()
    w = sample_weights(rng.uniform(0.5, 2.0, 8), n_samples, spread=0.3, seed=seed)
    t = time.perf_counter()
    res = smaa(v, w, cap, target)
    took = time.perf_counter() - t

    # reference: one sample at a time in Python, same rules
    t = time.perf_counter()
    ids = np.arange(n_sites)
    acc = np.zeros((n_sites, n_sites))
    short = np.zeros(n_sites)
    for ws in w[:n_ref]:
        scores = v @ ws
        order = np.lexsort((ids, -scores))
        for r, i in enumerate(order):
            acc[i, r] += 1
        c = cap[order]
        sel = (c > 0) & (np.cumsum(c) - c < target)
        short[order[sel]] += 1
    ref = (time.perf_counter() - t) * n_samples / n_ref
    same = np.allclose(short / n_ref, smaa(v, w[:n_ref], cap, target).shortlist_frequency)
    return {
        "sites": n_sites,
        "samples": n_samples,
        "smaa_s": took,
        "mean_shortlist_size": res.mean_shortlist_size,
        "reference_samples": n_ref,
        "reference_s_extrapolated": ref,
        "reference_agrees": bool(same),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--plots", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--reference-plots", type=int, default=12)
    args = ap.parse_args(argv)

    pack = bench_packing(args.plots, args.seed, args.reference_plots)
    sm = bench_smaa(1_000, 10_000, args.seed, 500)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out = {"cpus": os.cpu_count(), "load_1min_at_end": load, "packing": pack, "smaa": sm}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    best = max(pack["serial_plots_per_s"], pack["pool2_plots_per_s"])
    rows = [
        (
            f"packing {pack['plots']} plots "
            f"({pack['area_ha_min']:.1f}-{pack['area_ha_max']:.1f} ha)",
            f"{pack['serial_plots_per_s']:.0f} plots/s (1 proc), "
            f"{pack['pool2_plots_per_s']:.0f} (2 procs)",
            ">= 500 plots/s",
            "ok" if best >= 500 else "MISSED",
            f"{pack['reference_plots_per_s']:.2f} plots/s (naive, {pack['reference_plots']} plots)",
        ),
        (
            "  units per plot (same plots)",
            f"{pack['ours_mean_units_same_plots']:.1f}",
            "",
            f">= ref on {pack['ours_ge_reference_share']:.0%}",
            f"{pack['reference_mean_units']:.1f}",
        ),
        (
            f"SMAA {sm['samples']:,} samples x {sm['sites']:,} sites",
            f"{sm['smaa_s']:.2f} s",
            "<= 5 s",
            "ok" if sm["smaa_s"] <= 5 else "MISSED",
            f"{sm['reference_s_extrapolated']:.1f} s (loop, {sm['reference_samples']} samples, "
            f"extrapolated; agrees: {sm['reference_agrees']})",
        ),
    ]
    head = ("measure", "this run", "target", "", "reference")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(5)]
    for r in [head, *rows]:
        print("  ".join(str(x).ljust(widths[i]) for i, x in enumerate(r)).rstrip())
    print(f"(cpus: {out['cpus']}, 1-min load average at the end: {load:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

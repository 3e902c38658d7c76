"""Benchmark: what the geography checks and site locations add to siting at 100,000 plots.

Target (issue 11): the region and overlap checks add at most 10 % to the siting stage at
100,000 plots. Measured in the same run:

- reference: the siting stage (criteria, exclusions, scores, capacity, shortlist) on the
  synthetic world of ``bench_siting.py``, placed in the Duo+ area of RD New, minus the time
  of its site-location step (measured on its own);
- added: the input pass's geography checks (coordinates against the declared CRS,
  non-finite coordinates, the longlist against the region, context layers) plus the site
  locations (municipality, wijk and buurt by largest share, overlapping plots).

Usage: ``python benchmarks/bench_region.py [--json] [--plots N]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_siting import EXTENT, siting_config, synthetic_world

from opvang_opt.io.region import crs_problems, nonfinite_problems
from opvang_opt.io.region_pass import check_region
from opvang_opt.schema import Scenario, SitingConfig
from opvang_opt.siting.location import overlapping_pairs, site_locations
from opvang_opt.siting.stage import SitingInputs, run_siting

ORIGIN = (100_000.0, 460_000.0)
"""Where the synthetic world is placed in RD New (south-west of Diemen)."""


def _grid(n: int, prefix: str, margin: float) -> gpd.GeoDataFrame:
    """An n x n grid of areas covering the world (plus a margin), with codes and names."""
    step = (EXTENT + 2 * margin) / n
    boxes, codes = [], []
    for i in range(n):
        for j in range(n):
            x0, y0 = ORIGIN[0] - margin + i * step, ORIGIN[1] - margin + j * step
            boxes.append(shapely.box(x0, y0, x0 + step, y0 + step))
            codes.append(f"{prefix}{i:02d}{j:02d}")
    return gpd.GeoDataFrame({"code": codes, "name": codes}, geometry=boxes, crs="EPSG:28992")


def world(n_plots: int):
    sites, layers = synthetic_world(n_plots, 50_000, 1_000)
    sites = sites.set_geometry(sites.geometry.translate(*ORIGIN))
    layers = {k: v.set_geometry(v.geometry.translate(*ORIGIN)) for k, v in layers.items()}
    gem = _grid(2, "GM", 5_000.0)
    gem["municipality_code"] = ["GM0384", "GM0437", "GM0451", "GM0363"]
    layers["gemeenten"] = gem
    layers["wijken"] = _grid(6, "WK", 5_000.0)
    layers["buurten"] = _grid(16, "BU", 5_000.0)
    return sites, layers


def scenario_for(config: dict) -> Scenario:
    names = ["GM0384", "GM0437", "GM0451", "GM0363"]
    raw = {
        "name": "bench-region",
        "region": {"municipalities": [{"code": c, "name": c} for c in names],
                   "boundaries": "gemeenten", "districts": "wijken",
                   "neighbourhoods": "buurten"},
        "layers": {k: {"path": f"{k}.gpkg", "id_column": i} for k, i in (
            ("longlist", "site_id"), ("pois", "poi_id"), ("c0", None), ("c1", None),
            ("c2", None), ("gemeenten", "municipality_code"), ("wijken", "code"),
            ("buurten", "code"))},
        "siting": config,
    }  # fmt: skip
    return Scenario.model_validate(raw)


def measure(n_plots: int) -> dict:
    sites, layers = world(n_plots)
    cfg = siting_config()
    scenario = scenario_for(cfg)
    config = SitingConfig.model_validate(cfg)
    all_layers = {"longlist": sites, **layers}

    t0 = time.perf_counter()
    found = []
    for name, gdf in all_layers.items():
        probs, _bad = nonfinite_problems(gdf, name, None)
        found += probs + crs_problems(gdf, name, None)
    region = check_region(scenario, all_layers, {})
    t_io = time.perf_counter() - t0
    assert not found and not region.problems, (found, region.problems[:3])

    ids = sites["site_id"].to_numpy()
    t0 = time.perf_counter()
    pairs = overlapping_pairs(sites.geometry.to_numpy(), ids)
    site_locations(sites, region.areas, frozenset(), ids, pairs)
    t_loc = time.perf_counter() - t0

    inputs = SitingInputs(sites, layers, "site_id", areas=region.areas)
    t0 = time.perf_counter()
    res = run_siting(config, inputs)
    t_stage = time.perf_counter() - t0
    reference = t_stage - t_loc
    added = t_io + t_loc
    return {
        "plots": n_plots,
        "stage_s": round(t_stage, 2),
        "reference_stage_without_locations_s": round(reference, 2),
        "geography_checks_s": round(t_io, 2),
        "site_locations_and_overlaps_s": round(t_loc, 2),
        "overlapping_pairs": len(pairs),
        "added_share": round(added / reference, 4),
        "target_share": 0.10,
        "met": added / reference <= 0.10,
        "n_excluded": res.summary.n_excluded,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--plots", type=int, default=100_000, help="number of candidate plots")
    args = ap.parse_args()
    out = measure(args.plots)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{'figure':44s} {'value':>12s}")
    for key, value in out.items():
        print(f"{key:44s} {value!s:>12s}")
    verdict = "met" if out["met"] else "NOT met"
    print(f"\nadded {out['added_share']:.1%} of the reference stage (target <= 10 %): {verdict}")


if __name__ == "__main__":
    main()

"""Province and nation scale siting benchmark (issue 17), against idiomatic geopandas.

Synthetic cadastral parcels at national density (about 370 per km2, as in Noord-Holland):
by default they tile the land as a cadastre does (Voronoi cells of centres clustered in
towns: small and dense in town, large in the countryside; ``--world overlapping`` gives
the first version's free-standing rectangles, which overlap about 3.4 others each), POIs
in five categories clustered in the towns and three constraint layers; the criteria and
exclusions of ``bench_siting.py``. The world is made once and stored as GeoParquet; each
measurement reads it in a fresh process, so its peak memory (RSS) is that of a run that
reads its files, not of the generator (the process's own high-water mark, ``VmHWM``: a
spawned child's ``ru_maxrss`` starts at its parent's peak on Linux).

Measured in the same run, one process after the other:

1. opvang-opt's siting stage (criteria, exclusions, scores, capacity, locations and
   overlaps, shortlist) on every core, at 100k and 1M plots (``--sizes``);
2. the reference: what a competent GIS analyst writes with idiomatic, vectorised
   geopandas for the same indicators and exclusions (``sjoin_nearest`` per category,
   ``sjoin`` with ``dwithin`` for counts, ``overlay`` against the dissolved union for
   overlap shares), then values and scores. It minds the traps: the overlap is against
   the union of the layer (not a per-polygon sum), ``sjoin_nearest`` returns every tied
   feature (reduced to one distance per plot), "intersects" means overlap area above
   zero, and "closer than" is strict ``<``. Its indicators are checked against the
   engine's: distances and counts identical, overlap shares equal to 1e-9 (another
   algorithm sums the area), exclusions identical;
3. the geometric screen on a LocalCluster of 1, 2 and 4 worker processes
   (``--scale-plots``), every answer checked equal to the single-process screen; from
   it and from the stage the 9M-plot national case is projected.

Targets: 1M plots at least 1.8x faster than the reference on this machine's cores, peak
memory at most 2 GB, scaling efficiency at least 80 % from 1 to 2 workers. Every figure
carries the load average it was measured at: re-measure on a quiet machine.

Usage: ``python benchmarks/bench_siting_scale.py [--json] [--sizes 100000 1000000]
[--world tiled|overlapping] [--scale-plots N] [--workers 1 2 4] [--skip-reference]``
(``--skip-reference --scale-plots 0 --sizes 1000000``: the engine's peak memory alone).
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_siting import CATEGORIES
from bench_siting import siting_config as base_config

RD = "EPSG:28992"
PARCELS_PER_KM2 = 370.0
POIS_PER_MILLION = {"station": 60, "bus_stop": 6_000, "primary_school": 700, "gp": 900,
                    "supermarket": 800}  # fmt: skip


def parcels(n: int, seed: int = 1, world: str = "tiled"):
    """Synthetic parcels, POIs and constraint layers at national density (RD New).

    ``tiled`` (default): parcels tile the land as cadastral parcels do (the Voronoi cells
    of the parcel centres: small and dense in the towns, large in the countryside; no
    two overlap, neighbours share their boundary). ``overlapping``: the first version of
    this benchmark, free-standing rotated rectangles with log-normal areas that overlap
    about 3.4 others each (no cadastre looks like that; the stage then spends most of
    its time measuring those overlaps, which the reference does not do).
    """
    rng = np.random.default_rng(seed)
    side = np.sqrt(n / PARCELS_PER_KM2) * 1000.0
    n_towns = max(3, n // 20_000)
    towns = rng.uniform(0.05 * side, 0.95 * side, (n_towns, 2))
    town_r = rng.lognormal(np.log(1200.0), 0.5, n_towns) * np.sqrt(n_towns / max(n_towns, 1))
    urban = rng.random(n) < 0.7
    which = rng.integers(0, n_towns, n)
    xy = np.where(
        urban[:, None],
        towns[which] + rng.normal(0, 1, (n, 2)) * town_r[which, None],
        rng.uniform(0, side, (n, 2)),
    )
    if world == "tiled":
        xy = side - np.abs(side - np.abs(xy))  # reflected into the square: no repeated points
        frame = shapely.box(0.0, 0.0, side, side)
        cells = shapely.get_parts(
            shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame, ordered=True)
        )
        bounds = shapely.bounds(cells)
        out = (bounds[:, :2] < 0).any(axis=1) | (bounds[:, 2:] > side).any(axis=1)
        cells[out] = shapely.intersection(cells[out], frame)
        geometry = cells
    else:
        xy = np.clip(xy, 0, side)
        area = np.clip(
            np.where(urban, rng.lognormal(np.log(350.0), 0.9, n),
                     rng.lognormal(np.log(6_000), 1.1, n)),
            40.0, 400_000.0,
        )  # fmt: skip
        ratio = rng.lognormal(np.log(1.8), 0.4, n).clip(1.0, 8.0)
        w = np.sqrt(area * ratio)
        h = area / w
        ang = rng.uniform(0, np.pi, n)
        corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
        dx, dy = corners[None, :, 0] * w[:, None], corners[None, :, 1] * h[:, None]
        x = xy[:, 0, None] + dx * np.cos(ang)[:, None] - dy * np.sin(ang)[:, None]
        y = xy[:, 1, None] + dx * np.sin(ang)[:, None] + dy * np.cos(ang)[:, None]
        geometry = shapely.polygons(np.stack([x, y], axis=-1))
    sites = gpd.GeoDataFrame(
        {
            "site_id": np.char.add("S", np.arange(n).astype(str)).astype(object),
            "cost": rng.uniform(2e5, 4e6, n),
            "available_from": np.where(rng.random(n) < 0.9, "2026-06-01", "2029-06-01"),
        },
        geometry=geometry,
        crs=RD,
    )
    cats, pts = [], []
    for cat, per_m in POIS_PER_MILLION.items():
        m = max(3, round(per_m * n / 1e6))
        t = rng.integers(0, n_towns, m)
        in_town = rng.random(m) < 0.85
        p = np.where(in_town[:, None], towns[t] + rng.normal(0, 1, (m, 2)) * town_r[t, None],
                     rng.uniform(0, side, (m, 2)))  # fmt: skip
        cats += [cat] * m
        pts.append(p)
    pxy = np.round(np.concatenate(pts), 1)
    pois = gpd.GeoDataFrame(
        {"poi_id": [f"P{i}" for i in range(len(pxy))], "category": cats},
        geometry=shapely.points(pxy), crs=RD,
    )  # fmt: skip
    layers = {"pois": pois}
    n_c = max(50, n // 1000)
    for k in range(3):
        c = shapely.points(rng.uniform(0, side, (n_c, 2)))
        layers[f"c{k}"] = gpd.GeoDataFrame(
            {"name": [f"c{k}_{i}" for i in range(n_c)]},
            geometry=shapely.buffer(c, rng.uniform(50, 400, n_c), quad_segs=4), crs=RD,
        )  # fmt: skip
    return sites, layers


def siting_config() -> dict:
    """``bench_siting.py``'s criteria and exclusions; the shortlist without counterfactuals
    (they explain a shortlist of a few sites, not a screen of a million)."""
    cfg = base_config()
    cfg["shortlist"] = {**cfg["shortlist"], "counterfactuals": False}
    return cfg


# --------------------------------------------------------------------------- the reference


def idiomatic_geopandas(sites: gpd.GeoDataFrame, layers: dict) -> pd.DataFrame:
    """The same indicators, exclusions and scores, as a GIS analyst writes them."""
    pois = layers["pois"]
    out = pd.DataFrame(index=sites.index)
    plots = sites[["geometry"]]
    for cat in CATEGORIES:
        j = gpd.sjoin_nearest(plots, pois.loc[pois["category"] == cat, ["geometry"]],
                              how="left", distance_col="d")  # fmt: skip
        out[f"d_{cat}"] = j.groupby(level=0)["d"].min()  # ties: one row per tied POI
    shops = pois.loc[pois["category"] == "supermarket", ["geometry"]]
    j = gpd.sjoin(plots, shops, how="inner", predicate="dwithin", distance=1000)
    out["n_shops"] = j.groupby(level=0).size().reindex(sites.index, fill_value=0).astype(float)
    area = plots.area
    for name, layer in (("c0", layers["c0"]), ("c1", layers["c1"])):
        union = gpd.GeoDataFrame(geometry=[layer.union_all()], crs=layer.crs)
        cut = gpd.overlay(plots.reset_index(names="plot"), union, how="intersection",
                          keep_geom_type=True)  # fmt: skip
        covered = cut.area.groupby(cut["plot"]).sum().reindex(sites.index, fill_value=0.0)
        out[f"{name}_m2"] = covered
    out["c0_share"] = np.where(area > 0, out["c0_m2"] / area, 0.0)
    j = gpd.sjoin_nearest(plots, layers["c2"][["geometry"]], how="left", distance_col="d")
    out["c2_dist"] = j.groupby(level=0)["d"].min()
    out["area"] = area
    out["cost"] = sites["cost"]
    # exclusions: overlap area > 0, strictly closer than, below, available after
    out["x_in_c1"] = out["c1_m2"] > 0
    out["x_near_c2"] = out["c2_dist"] < 100
    out["x_small"] = out["area"] < 2500
    out["x_date"] = pd.to_datetime(sites["available_from"]) > pd.Timestamp("2028-06-30")
    # values and the weighted score, as the scenario defines them
    lin = lambda x, lo, hi, low_better=False: (  # noqa: E731
        1 - np.clip((x - lo) / (hi - lo), 0, 1)
        if low_better
        else np.clip((x - lo) / (hi - lo), 0, 1)
    )
    vals = [lin(out[f"d_{c}"], 0, 3000, True) for c in CATEGORIES]
    vals.append(np.array([0, 0.5, 0.8, 1])[np.searchsorted([1, 2, 3], out["n_shops"], "right")])
    vals += [lin(out["c0_share"], 0, 0.5, True), lin(out["c2_dist"], 0, 2000),
             lin(out["area"], 1500, 20000), lin(out["cost"], 0, 4e6, True)]  # fmt: skip
    out["score"] = np.mean(np.column_stack(vals), axis=1) * 100
    return out


def check_identical(engine: pd.DataFrame, ref: pd.DataFrame, excl: pd.DataFrame) -> dict:
    """Compare the engine's indicators and exclusions with the reference's."""
    res = {}
    for c in [f"d_{c}" for c in CATEGORIES] + ["n_shops", "c2_dist", "area"]:
        res[c] = bool(np.array_equal(engine[f"ind_{c}"].to_numpy(), ref[c].to_numpy()))
    diff = np.abs(engine["ind_c0_share"].to_numpy() - ref["c0_share"].to_numpy())
    res["c0_share_max_abs_diff"] = float(diff.max()) if len(diff) else 0.0
    res["c0_share"] = bool(res["c0_share_max_abs_diff"] <= 1e-9)
    ids = engine["site_id"].to_numpy()
    for rule in ("in_c1", "near_c2", "small", "date"):
        mine = set(excl.loc[excl["rule"] == rule, "site_id"])
        theirs = set(ids[ref[f"x_{rule}"].to_numpy()])
        res[f"excl_{rule}"] = mine == theirs
    res["all"] = all(v for k, v in res.items() if not k.endswith("diff"))
    return res


# --------------------------------------------------------------------------- children


def write_world(n: int, world: str, folder: Path) -> Path:
    """Make the world once and store it as GeoParquet, as a real run reads its files."""
    where = folder / f"{world}-{n}"
    where.mkdir(parents=True, exist_ok=True)
    sites, layers = parcels(n, world=world)
    sites.to_parquet(where / "sites.parquet")
    for name, layer in layers.items():
        layer.to_parquet(where / f"layer-{name}.parquet")
    return where


def read_world(where: Path) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame]]:
    """Read the world; the Arrow reader's buffers are handed back before anything runs."""
    import pyarrow as pa

    sites = gpd.read_parquet(where / "sites.parquet")
    layers = {
        f.stem.removeprefix("layer-"): gpd.read_parquet(f)
        for f in sorted(where.glob("layer-*.parquet"))
    }
    pa.default_memory_pool().release_unused()
    return sites, layers


def _peak_mb() -> float:
    """This process's peak RSS (MB): ``VmHWM``, the high-water mark of its own memory.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over into a child
    started with fork and exec (multiprocessing's spawn), so a child's ``ru_maxrss``
    starts at the peak of the parent that made the world, whatever the child uses."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _engine_child(where: Path, queue, compare: bool) -> None:
    from opvang_opt.schema import SitingConfig
    from opvang_opt.siting.stage import SitingInputs, run_siting

    sites, layers = read_world(where)
    config = SitingConfig.model_validate(siting_config())
    before = _peak_mb()
    t0 = time.perf_counter()
    res = run_siting(config, SitingInputs(sites, layers, "site_id"))
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "peak_rss_mb": _peak_mb(), "rss_before_mb": before,
           "n_excluded": res.summary.n_excluded}  # fmt: skip
    if compare:
        cols = ["site_id"] + [c for c in res.sites.columns if c.startswith("ind_")]
        keep = pd.DataFrame(res.sites[cols])
        keep.to_parquet(where / "engine.parquet")
        res.exclusions[["site_id", "rule"]].to_parquet(where / "excl.parquet")
        out["files"] = [str(where / "engine.parquet"), str(where / "excl.parquet")]
    queue.put(out)


def _ref_child(where: Path, queue, files: list[str] | None) -> None:
    sites, layers = read_world(where)
    before = _peak_mb()
    t0 = time.perf_counter()
    ref = idiomatic_geopandas(sites, layers)
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "peak_rss_mb": _peak_mb(), "rss_before_mb": before}
    if files:
        del sites, layers
        engine, excl = pd.read_parquet(files[0]), pd.read_parquet(files[1])
        out["identical"] = check_identical(engine, ref, excl)
        for f in files:
            os.unlink(f)
    queue.put(out)


def in_child(target, *args) -> dict:
    """Run ``target`` in a fresh process (its own peak memory), one at a time."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(args[0], queue, *args[1:]))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def scaling(where: Path, worker_counts: list[int]) -> dict:
    """The geometric screen on LocalClusters of 1, 2, 4 workers, each checked exact."""
    import dask
    from distributed import Client, LocalCluster

    from opvang_opt.schema import SitingConfig
    from opvang_opt.siting import screen
    from opvang_opt.siting.distributed import screen_on_cluster

    importlib.import_module("dask_geopandas")  # a one-off import, not part of any screen
    sites, layers = read_world(where)
    n = len(sites)
    config = SitingConfig.model_validate(siting_config())
    tasks = screen.geometric_tasks(config, layers)
    geoms = np.asarray(sites.geometry.values)
    t0 = time.perf_counter()
    single = screen.run_tasks(geoms, layers, tasks, workers=1)
    single_s = time.perf_counter() - t0
    rows = {"plots": n, "single_process_1_thread_s": single_s, "workers": {}}
    for w in worker_counts:
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)  # fmt: skip
        client = Client(cluster, set_as_default=False)
        try:
            client.wait_for_workers(w)
            # a cluster that serves screens has its libraries loaded: not part of the screen
            client.run(importlib.import_module, "opvang_opt.siting.distributed")
            cpu0 = time.process_time()
            res = screen_on_cluster(config, sites, layers, client=client)
            client_cpu = time.process_time() - cpu0  # client, and the LocalCluster's scheduler
            same = all(np.array_equal(res.answers[t], single[t]) for t in tasks)
            task_s = res.profile["task_s"]
            rows["workers"][w] = {
                "seconds": res.seconds, "identical": same, "partitions": res.partitions,
                "resolved_on_workers": sum(res.resolved_here.values()),
                "client_to_first_task_s": res.profile["client_to_first_task_s"],
                "client_cpu_s": client_cpu, "bytes_shipped": res.profile["bytes_shipped"],
                "task_seconds_sum": float(sum(task_s)), "task_seconds_max": float(max(task_s)),
                "task_seconds": task_s, "load_average": os.getloadavg(),
            }  # fmt: skip
        finally:
            client.close()
            cluster.close()
    base = rows["workers"].get(1, {}).get("seconds")
    for w, r in rows["workers"].items():
        r["speedup"] = base / r["seconds"] if base else None
        r["efficiency"] = base / (w * r["seconds"]) if base else None
    if 1 in rows["workers"]:
        rows["model"] = efficiency_model(rows["workers"][1], 2)
    return rows


def makespan(seconds: list[float], workers: int) -> float:
    """When the last of ``seconds`` ends, handed out in order to the first free worker
    (as the scheduler hands out queued partitions)."""
    free = [0.0] * workers
    for s in seconds:
        k = free.index(min(free))
        free[k] += s
    return max(free)


def efficiency_model(one: dict, workers: int) -> dict:
    """The 1 -> ``workers`` efficiency from the work counted in the 1-worker run, which
    holds on a loaded machine where timings do not: every partition's seconds on its
    worker, the client's seconds before the first partition starts, and the client's CPU
    (packing, the scheduler, collecting) that shares the cores with the workers.

    ``T1 = first + sum(tasks)`` (the client's CPU runs on the core the one worker leaves
    free); ``TW = first + max(makespan of the tasks on W workers, (sum(tasks) + client CPU
    after the first task) / cores)`` with as many cores as workers (a LocalCluster on
    this machine).
    """
    tasks, first = one["task_seconds"], one["client_to_first_task_s"]
    rest = max(0.0, one["client_cpu_s"] - first)
    t1 = first + sum(tasks)
    tw = first + max(makespan(tasks, workers), (sum(tasks) + rest) / workers)
    return {"workers": workers, "t1_s": t1, "tw_s": tw, "efficiency": t1 / (workers * tw),
            "serial_share": (first + rest) / t1}  # fmt: skip


MEMORY_TARGET_MB = 2048
"""Peak memory target of the whole stage at 1M plots (issue 17: at most 2 GB)."""

NATIONAL = 9_000_000
"""Cadastral parcels in the Netherlands (about)."""


def projection(sizes: dict, scale: dict | None) -> dict | None:
    """The 9M-plot national case from the measured figures, linear in plots.

    Stage on one machine: the largest measured size scaled by 9M / n (exponent 1.00 as
    measured in issue 17). Cluster: the 1-worker screen per plot, divided by the workers
    at the 1->2 worker efficiency (the model's, from counted work, else the measured one;
    assumed to hold further out).
    """
    if not sizes:
        return None
    n_max = max(sizes)
    stage = sizes[n_max]["engine"]["seconds"] * NATIONAL / n_max
    out: dict = {"stage_one_machine_s": stage}
    if scale and 1 in scale["workers"]:
        per_plot = scale["workers"][1]["seconds"] / scale["plots"]
        measured = scale["workers"].get(2, {}).get("efficiency")
        eff = min((scale.get("model") or {}).get("efficiency") or measured or 1.0, 1.0)
        out["screen_on_cluster_s"] = {
            w: NATIONAL * per_plot / (w * (eff if w > 1 else 1.0)) for w in (1, 2, 8, 32)
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--sizes", "--plots", dest="sizes", type=int, nargs="+",
                    default=[100_000, 1_000_000], help="plots of stage and reference")  # fmt: skip
    ap.add_argument("--world", choices=["tiled", "overlapping"], default="tiled")
    ap.add_argument(
        "--scale-plots",
        type=int,
        default=400_000,
        help="plots of the cluster scaling measurement (0: skip)",
    )
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument(
        "--skip-reference",
        action="store_true",
        help="the engine only (its time and peak memory), no idiomatic geopandas",
    )
    args = ap.parse_args()
    load = os.getloadavg()
    sizes = {}
    with tempfile.TemporaryDirectory(prefix="opvang-bench-") as tmp:
        for n in args.sizes:
            where = write_world(n, args.world, Path(tmp))
            at = os.getloadavg()
            eng = in_child(_engine_child, where, not args.skip_reference)
            files = eng.pop("files", None)
            ref = None if args.skip_reference else in_child(_ref_child, where, files)
            sizes[n] = {"engine": eng, "reference": ref, "load_average": at,
                        "ratio": ref["seconds"] / eng["seconds"] if ref else None,
                        "memory_target_met": eng["peak_rss_mb"] <= MEMORY_TARGET_MB}  # fmt: skip
            if not args.json:  # as it comes: a 1M-plot pair takes minutes
                refs = f"{ref['seconds']:.2f} s" if ref else "skipped"
                print(f"measured {n} plots: engine {eng['seconds']:.2f} s, peak "
                      f"{eng['peak_rss_mb']:.0f} MB, reference {refs}, load {at[0]:.2f}",
                      flush=True)  # fmt: skip
            shutil.rmtree(where)
        scale = None
        if args.scale_plots:
            scale = scaling(write_world(args.scale_plots, args.world, Path(tmp)), args.workers)
    proj = projection(sizes, scale)
    result = {"load_average_at_start": load, "load_average_at_end": os.getloadavg(),
              "cores": os.cpu_count(), "world": args.world, "sizes": sizes, "scaling": scale,
              "projection_9M": proj}  # fmt: skip
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=str)
        print()
        return
    print(f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{os.cpu_count()} cores; world: {args.world}")  # fmt: skip
    hdr = f"{'plots':>9}  {'engine s':>9}  {'ref s':>8}  {'ratio':>6}  {'target':>7}  "
    print(hdr + f"{'eng MB':>7}  {'target':>8}  {'ref MB':>7}  {'load':>5}  identical")
    for n, r in sizes.items():
        e, f = r["engine"], r["reference"]
        mem = f"{'<= ' + str(MEMORY_TARGET_MB):>8}"
        mem_ok = "" if r["memory_target_met"] else " (memory target NOT met)"
        if f is None:
            print(f"{n:>9}  {e['seconds']:>9.2f}  {'-':>8}  {'-':>6}  {'>= 1.8':>7}  "
                  f"{e['peak_rss_mb']:>7.0f}  {mem}  {'-':>7}  {r['load_average'][0]:>5.2f}  "
                  f"- (reference skipped){mem_ok}")  # fmt: skip
            continue
        ident = f["identical"]
        bad = [k for k, v in ident.items() if v is False]
        print(f"{n:>9}  {e['seconds']:>9.2f}  {f['seconds']:>8.2f}  {r['ratio']:>6.2f}  "
              f"{'>= 1.8':>7}  {e['peak_rss_mb']:>7.0f}  {mem}  {f['peak_rss_mb']:>7.0f}  "
              f"{r['load_average'][0]:>5.2f}  "
              f"{'yes' if ident['all'] else 'NO: ' + ', '.join(bad)} "
              f"(overlap share max diff {ident['c0_share_max_abs_diff']:.1e}){mem_ok}")  # fmt: skip
    print(
        "  engine: whole siting stage on every core; reference: idiomatic geopandas, "
        "indicators + exclusions + scores, in its own process after the engine's; "
        f"peak memory: the peak RSS of the run's own process (VmHWM), the data read included, "
        f"target <= {MEMORY_TARGET_MB} MB"
    )
    if scale:
        print(
            f"\nDask LocalCluster, geometric screen of {scale['plots']} plots "
            f"(single process, one thread: {scale['single_process_1_thread_s']:.2f} s)"
        )
        print(f"{'workers':>8}  {'seconds':>8}  {'speedup':>8}  {'efficiency':>10}  "
              f"{'load':>5}  {'parts':>5}  {'to 1st s':>8}  {'client CPU s':>12}  "
              f"{'shipped MB':>10}  {'task s sum/max':>14}  identical")  # fmt: skip
        for w, r in scale["workers"].items():
            print(f"{w:>8}  {r['seconds']:>8.2f}  {r['speedup']:>8.2f}  "
                  f"{r['efficiency']:>10.0%}  {r['load_average'][0]:>5.2f}  "
                  f"{r['partitions']:>5}  {r['client_to_first_task_s']:>8.2f}  "
                  f"{r['client_cpu_s']:>12.2f}  {r['bytes_shipped'] / 2**20:>10.1f}  "
                  f"{r['task_seconds_sum']:>8.2f}/{r['task_seconds_max']:<5.2f}  "
                  f"{r['identical']}")  # fmt: skip
        model = scale.get("model")
        if model:
            print(f"  efficiency 1 -> 2 workers from the counted work of the 1-worker run "
                  f"(seconds per partition, client seconds before the first, client CPU): "
                  f"{model['efficiency']:.0%} (T1 {model['t1_s']:.2f} s, T2 "
                  f"{model['tw_s']:.2f} s, serial share {model['serial_share']:.1%})")  # fmt: skip
        print("  target: efficiency >= 80 % from 1 to 2 workers (measured above; the model "
              "holds when the load average is above the cores)")  # fmt: skip
    if proj:
        print(f"\nProjection, {NATIONAL:,} plots (national), linear in plots (exponent 1.00):")
        print(f"  whole stage on this machine: {proj['stage_one_machine_s'] / 60:6.1f} min")
        for w, sec in proj.get("screen_on_cluster_s", {}).items():
            print(f"  geometric screen on {w:>3} workers (at the 1->2 efficiency above): "
                  f"{sec / 60:6.1f} min")  # fmt: skip
    end = os.getloadavg()
    print(f"load average at end {end[0]:.2f} {end[1]:.2f} {end[2]:.2f}")


if __name__ == "__main__":
    main()

"""Benchmark of sweeps on Dask (issue 7): a 200-variant sweep of the demo.

Both sides run the same plan (the same 200 variants, the same settings):

- **reference**: the variants one after another in this process (``run_sweep(plan,
  workers=0)``), after the package is imported here (so the reference pays no import);
- **cluster**: a Dask LocalCluster started for the run (processes, ``--workers`` workers,
  one thread each), including its start-up and the workers' imports.

The variants draw the capacity target, the station weight and the density norm at random
(seeded). The sweep base is the demo with its slow optional parts off (no SMAA samples, no
one-at-a-time analysis, no trade-off curve, one CP-SAT thread), and without the allocation
stage unless ``--full``: the same for both sides.

Figures:

- speed-up = reference wall time / cluster wall time (target >= 1.7);
- overhead per variant = (cluster wall time x workers - sum of the variants' own compute
  time on the workers) / variants (target <= 0.5 s): everything the cluster adds per
  variant, start-up, scheduling, transfer and idle workers included. The same without the
  start-up is printed beside it.

The machine's load average is printed too, and how much slower a variant ran on a worker
than in one process: other processes on a 2-core machine slow the cluster side (which needs
both cores) more than the one-process reference (which needs one).

Usage::

    .venv/bin/python benchmarks/bench_sweep.py [--json] [--variants 200] [--workers 2]
        [--full] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_SPEEDUP = 1.7
TARGET_OVERHEAD_S = 0.5


def write_sweep_file(folder: Path, variants: int, seed: int, full: bool) -> Path:
    """The benchmark's sweep file (random draw over three parameters of the demo)."""
    import yaml

    fixed: dict[str, Any] = {
        "siting.robustness.samples": 0,
        "siting.robustness.one_at_a_time": False,
        "siting.shortlist.tradeoff_steps": 0,
        "siting.shortlist.workers": 1,
    }
    if not full:
        fixed["allocation"] = None
    spec = {
        "name": "bench-sweep",
        "base": str(ROOT / "scenarios" / "demo.yaml"),
        "set": fixed,
        "mode": "random",
        "samples": variants,
        "seed": seed,
        "parameters": {
            "siting.target.amount": {"low": 400, "high": 800, "integer": True},
            "siting.criteria[station].weight": {"low": 0.5, "high": 4},
            "siting.capacity.density_units_per_ha": [25, 30, 35],
        },
    }
    path = folder / "bench_sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def run(variants: int, workers: int, seed: int, full: bool) -> dict[str, Any]:
    import tempfile

    from opvang_opt import pipeline  # noqa: F401  (imported here: the reference pays no import)
    from opvang_opt.workflows.sweep_plan import plan_sweep
    from opvang_opt.workflows.sweep_run import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        plan = plan_sweep(write_sweep_file(Path(tmp), variants, seed, full))
    load_before = load_average()
    ref = run_sweep(plan, workers=0)
    load_mid = load_average()
    clu = run_sweep(plan, workers=workers)
    load_after = load_average()

    n = len(plan.variants)
    compute_ref = float(ref.table["seconds"].sum())
    compute_clu = float(clu.table["seconds"].sum())
    overhead = (clu.seconds * clu.workers - compute_clu) / n
    overhead_no_start = ((clu.seconds - clu.startup_seconds) * clu.workers - compute_clu) / n
    speedup = ref.seconds / clu.seconds
    same = ref.table[["variant", "status", "shortlisted", "total_value"]].equals(
        clu.table[["variant", "status", "shortlisted", "total_value"]]
    )
    return {
        "variants": n,
        "workers": clu.workers,
        "allocation_stage": full,
        "reference_seconds": round(ref.seconds, 2),
        "reference_per_variant_s": round(ref.seconds / n, 4),
        "cluster_seconds": round(clu.seconds, 2),
        "cluster_startup_seconds": round(clu.startup_seconds, 2),
        "compute_seconds_reference": round(compute_ref, 2),
        "compute_seconds_cluster": round(compute_clu, 2),
        "speedup": round(speedup, 3),
        "speedup_target": TARGET_SPEEDUP,
        "speedup_ok": speedup >= TARGET_SPEEDUP,
        "overhead_per_variant_s": round(overhead, 4),
        "overhead_per_variant_without_startup_s": round(overhead_no_start, 4),
        "overhead_target_s": TARGET_OVERHEAD_S,
        "overhead_ok": overhead <= TARGET_OVERHEAD_S,
        # > 1 when a variant takes longer on a worker than in one process: other processes
        # competing for the CPUs (a 2-core machine is saturated by the 2 workers alone)
        "slowdown_per_variant_on_cluster": round(compute_clu / compute_ref, 3),
        "failed_variants": int((clu.table["status"] == "error").sum()),
        "same_results": bool(same),
        "load_average": {"before": load_before, "between": load_mid, "after": load_after},
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--variants", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full", action="store_true", help="keep the demo's allocation stage")
    args = ap.parse_args(argv)
    r = run(args.variants, args.workers, args.seed, args.full)
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    ok = {True: "yes", False: "NO"}
    stages = "siting, allocation, exchange" if r["allocation_stage"] else "siting, exchange"
    print(
        f"Sweep of the demo: {r['variants']} variants ({stages}), {r['workers']} workers, "
        f"{r['cpus']} CPUs"
    )
    print(f"{'figure':44s} {'measured':>10s} {'target':>9s}  ok   reference (same run)")
    print(
        f"{'speed-up, LocalCluster vs one process':44s} {r['speedup']:>9.2f}x "
        f"{'>= ' + str(TARGET_SPEEDUP) + 'x':>9s}  {ok[r['speedup_ok']]:3s}  "
        f"one process {r['reference_seconds']:.1f} s, cluster {r['cluster_seconds']:.1f} s"
    )
    print(
        f"{'overhead per variant on the cluster':44s} {r['overhead_per_variant_s']:>9.3f}s "
        f"{'<= ' + str(TARGET_OVERHEAD_S) + 's':>9s}  {ok[r['overhead_ok']]:3s}  "
        f"compute {r['compute_seconds_cluster']:.1f} s on the workers "
        f"({r['compute_seconds_reference']:.1f} s in one process)"
    )
    print(
        f"{'  the same without the cluster start-up':44s} "
        f"{r['overhead_per_variant_without_startup_s']:>9.3f}s {'':9s}       "
        f"start-up {r['cluster_startup_seconds']:.1f} s"
    )
    print(
        f"a variant took {r['slowdown_per_variant_on_cluster']:.2f}x as long on a worker as in "
        f"one process (1.0: no CPU contention)"
    )
    print(
        f"same results on both sides: {r['same_results']}; failed variants: "
        f"{r['failed_variants']}; load average before/between/after: "
        f"{r['load_average']['before']} / {r['load_average']['between']} / "
        f"{r['load_average']['after']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the input pass (issue 10): every problem of every input, before any solver.

1. ``opvang-opt run`` on a demo variant whose longlist (a duplicate id), ``households.csv``
   (an unknown group) and exchange tasks (a negative task) each hold one error: a new
   process, imports included, until it exits 2 with one message listing all three
   (target < 3 s), for ``run`` and ``validate``; the process also reports how many modules
   it imported and which solver modules (OR-Tools, scipy, a stage's solver): none is
   expected before the error;
2. reading and checking every input of the clean demo in process (``io.load``);
3. the reference, measured in the same run: what the old order needed before it could report
   the households problem: reading the layers and solving the siting stage (before issue 10
   the allocation tables were validated inside the allocation stage, after siting).

Usage::

    PYTHONPATH=src python benchmarks/bench_inputs.py [--json] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
TARGET_S = 3.0

# runs the CLI; at exit prints how many modules were imported and the solver modules among them
RUNNER = """
import atexit, json, sys
from opvang_opt.cli import app

HEAVY = ("ortools", "scipy", "scipy.optimize", "opvang_opt.allocation.solve",
         "opvang_opt.exchange._lp", "opvang_opt.siting.shortlist", "opvang_opt.services.solve",
         "opvang_opt.planning.solve")
atexit.register(lambda: print("LOADED " + json.dumps({"modules": len(sys.modules),
    "solver_modules": sorted({h for m in list(sys.modules) for h in HEAVY
                              if m == h or m.startswith(h + ".")})}), file=sys.stderr))
sys.argv[0] = "opvang-opt"
app()
"""


def three_errors(folder: Path) -> Path:
    """Write the demo variant with one error in the longlist, households and exchange tasks."""
    longlist = gpd.read_file(ROOT / "data/demo/longlist.gpkg", layer="longlist")
    longlist.loc[1, "site_id"] = longlist.loc[0, "site_id"]
    longlist.to_file(folder / "longlist.gpkg", layer="longlist", driver="GPKG")
    hh = pd.read_csv(ROOT / "data/demo/households.csv", dtype=str, keep_default_na=False)
    hh.loc[0, "group"] = "marsbewoners"
    hh.to_csv(folder / "households.csv", index=False)
    variant = {
        "extends": str(DEMO),
        "name": "three-errors",
        "layers": {"longlist": {"path": "longlist.gpkg"}},
        "allocation": {"inputs": {"households": "households.csv"}},
        "exchange": {"tasks": {"GM0384": {"asielzoekers": -5}}},
    }
    path = folder / "three.yaml"
    path.write_text(yaml.safe_dump(variant), encoding="utf-8")
    return path


def bench_cli(repeat: int, command: str = "run") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = three_errors(Path(tmp))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        cmd = [sys.executable, "-c", RUNNER, command, str(path)]
        if command == "run":
            cmd += ["--out", f"{tmp}/out"]
        times, cpu, proc = [], [], None
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
            times.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        assert proc is not None
        listed = [ln for ln in proc.stderr.splitlines() if ln.startswith("  - ")]
        loaded = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED ")]
        modules = json.loads(loaded[-1].removeprefix("LOADED ")) if loaded else {}
        return {
            "problem": f"CLI {command}, 3 bad inputs -> one message (new process)",
            "seconds": statistics.median(times),
            "cpu_seconds": statistics.median(cpu),
            "target_s": TARGET_S,
            "exit_code": proc.returncode,
            "problems_listed": len(listed),
            "results_written": Path(tmp, "out").exists(),
            "modules_loaded": modules.get("modules"),
            "solver_modules": modules.get("solver_modules"),
        }


def bench_inprocess(repeat: int) -> tuple[dict, dict]:
    from opvang_opt.io import load
    from opvang_opt.siting import run_siting

    load(DEMO)  # warm the imports
    times, cpu = [], []
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        scenario, inputs = load(DEMO)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    c0, t0 = time.process_time(), time.perf_counter()
    scenario, inputs = load(DEMO)
    run_siting(scenario.siting, inputs.siting)
    reference, ref_cpu = time.perf_counter() - t0, time.process_time() - c0
    new = {"problem": "io.load(demo): scenario + every input checked (in process)",
           "seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu),
           "target_s": None}  # fmt: skip
    ref = {"problem": "reference: old order, inputs + siting before the tables were checked",
           "seconds": reference, "cpu_seconds": ref_cpu, "target_s": None}  # fmt: skip
    return new, ref


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = ap.parse_args(argv)
    rows = [bench_cli(args.repeat), bench_cli(args.repeat, "validate")]
    rows += bench_inprocess(args.repeat)
    for r in rows:
        r["meets_target"] = None if r["target_s"] is None else r["seconds"] <= r["target_s"]
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_average_1min": load, "cores": os.cpu_count(), "rows": rows},
                         indent=2))  # fmt: skip
        return 0
    print(f"load average {load:.1f} on {os.cpu_count()} cores (wall time grows with it; "
          "CPU time is user + system)")  # fmt: skip
    print(f"{'measurement':66s} {'wall s':>7s} {'CPU s':>6s} {'target':>7s}  ok")
    for r in rows:
        target = "-" if r["target_s"] is None else f"{r['target_s']:.0f}"
        ok = {None: "-", True: "yes", False: "NO"}[r["meets_target"]]
        print(f"{r['problem'][:66]:66s} {r['seconds']:7.2f} {r['cpu_seconds']:6.2f} "
              f"{target:>7s}  {ok}")  # fmt: skip
        if "exit_code" in r:
            print(f"{'':66s} exit {r['exit_code']}, {r['problems_listed']} problems listed, "
                  f"results written: {r['results_written']}")  # fmt: skip
            print(f"{'':66s} {r['modules_loaded']} modules imported; solver modules: "
                  f"{', '.join(r['solver_modules']) or 'none'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

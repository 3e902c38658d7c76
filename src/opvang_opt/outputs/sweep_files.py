"""The files of a sweep: ``sweep.csv``, ``sweep.parquet`` and ``sweep.json``."""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from opvang_opt.io.results import atomic_results_dir
from opvang_opt.outputs.safe import write_csv
from opvang_opt.workflows.sweep_plan import plain_value
from opvang_opt.workflows.sweep_run import SweepResult


def sweep_info(result: SweepResult) -> dict[str, Any]:
    """The content of ``sweep.json``: the plan, the executor and the counts."""
    from opvang_opt.pipeline import package_versions

    plan = result.plan
    versions = package_versions()
    for pkg in ("dask", "distributed", "pyarrow"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            versions[pkg] = "not installed"
    return {
        "name": plan.name,
        "description": plan.description,
        "source": plan.source,
        "base": plan.base_path,
        "scenario": plan.scenario_name,
        "mode": plan.mode,
        "seed": plan.seed,
        "set": {k: plain_value(v) for k, v in plan.fixed.items()},
        "parameters": {p.path.text: p.describe() for p in plan.parameters},
        "variants": len(plan.variants),
        "ok": result.n_ok,
        "target_not_met": int((result.table["status"] == "target_not_met").sum()),
        "failed": result.n_failed,
        "executor": result.executor,
        "workers": result.workers,
        "started_at": result.started_at,
        "seconds": round(result.seconds, 3),
        "startup_seconds": round(result.startup_seconds, 3),
        "versions": versions,
        "files": ["sweep.csv", "sweep.json", "sweep.parquet"],
    }


def write_sweep(result: SweepResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``sweep.csv``, ``sweep.parquet`` and ``sweep.json`` into ``out_dir``, atomically."""
    out = Path(out_dir)
    with atomic_results_dir(out) as tmp:
        write_csv(result.table, tmp / "sweep.csv")
        result.table.to_parquet(tmp / "sweep.parquet", index=False, engine="pyarrow")
        (tmp / "sweep.json").write_text(
            json.dumps(sweep_info(result), indent=2, ensure_ascii=False, default=str),
            encoding="utf-8",
        )
    return out.resolve()

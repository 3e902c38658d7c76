"""run.json: what was run, on which inputs, with which versions, and how each stage went."""

from __future__ import annotations

import dataclasses
from typing import Any

from opvang_opt.pipeline import RunResult


def run_info(result: RunResult, files: list[str]) -> dict[str, Any]:
    """Build the content of ``run.json``.

    Parameters
    ----------
    result
        The run.
    files
        The files written to the results folder.
    """
    sc = result.scenario
    siting = dict(result.siting.summary)
    siting["criteria"] = [dataclasses.asdict(c) for c in result.siting.criteria]
    return {
        "scenario": {
            "name": sc.name,
            "title": sc.title,
            "hash": result.scenario_hash,
            "extends": sc.extends,
            "fictitious": sc.outputs.fictitious,
        },
        "started_at": result.started_at,
        "status": "ok" if result.is_ok else "attention",
        "stages": [dataclasses.asdict(s) | {"seconds": round(s.seconds, 4)} for s in result.stages],
        "inputs": [
            {
                "layer": r.name,
                "path": r.path,
                "sha256": r.sha256,
                "features": r.features,
                "source_crs": r.source_crs,
                "repaired": list(r.repaired),
            }
            for r in result.inputs.reports
        ],
        "siting": siting,
        "versions": result.versions,
        "files": sorted(files),
    }

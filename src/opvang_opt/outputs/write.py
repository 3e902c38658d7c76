"""Write a run's results folder atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from opvang_opt.io.results import atomic_results_dir
from opvang_opt.outputs.i18n import Lang
from opvang_opt.outputs.maps import build_map
from opvang_opt.outputs.runinfo import run_info
from opvang_opt.pipeline import RunResult

RESULT_FILES = (
    "run.json",
    "longlist_scored.gpkg",
    "shortlist.csv",
    "exclusions.csv",
    "tradeoff.csv",
    "sensitivity.csv",
    "sensitivity_criteria.csv",
    "map.html",
)
"""The files a run writes (tradeoff and sensitivity files only when enabled)."""


def _gpkg_frame(result: RunResult) -> pd.DataFrame:
    sites = result.siting.sites.copy()
    for col in sites.columns:
        if col == sites.geometry.name:
            continue
        if sites[col].dtype == object or str(sites[col].dtype).startswith("string"):
            sites[col] = sites[col].astype("string").fillna("").astype(object)
        elif sites[col].dtype.kind == "f":
            sites[col] = sites[col].replace([np.inf, -np.inf], np.nan)
    return sites


def write_results(
    result: RunResult, out_dir: str | os.PathLike[str], *, lang: Lang | None = None
) -> Path:
    """Write every result file into ``out_dir``, all or nothing.

    Parameters
    ----------
    result
        The run.
    out_dir
        The results folder; replaced as a whole if it exists.
    lang
        Language of the map; defaults to the scenario's ``outputs.lang``.

    Returns
    -------
    pathlib.Path
        The results folder.
    """
    out = Path(out_dir)
    with atomic_results_dir(out) as tmp:
        pyogrio.write_dataframe(
            _gpkg_frame(result), tmp / "longlist_scored.gpkg", layer="longlist_scored",
            driver="GPKG",
        )  # fmt: skip
        siting = result.siting
        if siting.layouts is not None and len(siting.layouts):
            pyogrio.write_dataframe(
                siting.layouts, tmp / "longlist_scored.gpkg", layer="unit_layout", driver="GPKG"
            )
        siting.shortlist.to_csv(tmp / "shortlist.csv", index=False)
        siting.exclusions.to_csv(tmp / "exclusions.csv", index=False)
        for name, table in (
            ("tradeoff.csv", siting.tradeoff),
            ("sensitivity.csv", siting.sensitivity),
            ("sensitivity_criteria.csv", siting.sensitivity_criteria),
        ):
            if table is not None and len(table.columns):
                table.to_csv(tmp / name, index=False)
        if result.exchange is not None:
            for name, table in result.exchange.tables().items():
                table.to_csv(tmp / name, index=False)
        build_map(result, lang).save(str(tmp / "map.html"))
        files = [*(p.name for p in tmp.iterdir()), "run.json"]
        info = run_info(result, files)
        (tmp / "run.json").write_text(
            json.dumps(info, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return out.resolve()

"""Ids that point into another table must exist; all missing ones are listed (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from opvang_opt.cli import app


def test_unknown_current_units_are_all_listed_with_their_household(demo: Path) -> None:
    path = demo / "data" / "demo" / "households.csv"
    h = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = h.index[:2]
    h.loc[rows, "current_unit"] = ["U-NOPE-1", "U-NOPE-2"]
    h.to_csv(path, index=False)
    out = demo / "results"
    res = CliRunner().invoke(
        app, ["run", str(demo / "scenarios" / "demo.yaml"), "--out", str(out), "--lang", "en"]
    )
    assert res.exit_code == 2, res.output
    for hid, unit in zip(h.loc[rows, "household_id"], ["U-NOPE-1", "U-NOPE-2"], strict=True):
        assert f"household {hid}, current_unit: current unit '{unit}' is not in the unit stock" in (
            res.stderr
        ), res.stderr
    assert "households.csv" in res.stderr and not out.exists()

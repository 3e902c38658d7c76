"""Planning inputs at their edges, through the real CLI where the check spans inputs: each
bad input exits 2 naming file, row or id and field, every problem at once, nothing
written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.errors import DataError
from opvang_opt.io.planning import read_planning_tables
from opvang_opt.schema import PlanningConfig
from tests.conftest import write_yaml

runner = CliRunner()

TASKS = "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,10\n"


def _scenario(tiny, candidates: str, tasks: str = TASKS, **planning: object) -> Path:
    raw = yaml.safe_load(Path(tiny["path"]).read_text())
    (tiny["dir"] / "tasks.csv").write_text(tasks, encoding="utf-8")
    (tiny["dir"] / "cand.csv").write_text(candidates, encoding="utf-8")
    raw["planning"] = {
        "start": "2026-01-01",
        "periods": 4,
        "groups": [{"name": "ontheemden"}],
        "tasks": {"path": "tasks.csv"},
        "candidates": {"from": "eligible", "table": {"path": "cand.csv"}},
        "solver": {"time_limit_s": 20},
        **planning,
    }
    return write_yaml(tiny["dir"] / "edge.yaml", raw)


def test_candidate_not_in_the_longlist_with_empty_name_is_refused(tiny) -> None:
    """Regression: a candidate row whose id is not in the longlist and whose name and
    municipality cells are empty passed (pandas reads the empty cells as NaN, which is
    truthy) and the site was silently dropped."""
    path = _scenario(tiny, "site_id,name,municipality_code,max_units\nA,Alfa,GM0384,20\nZZ9,,,10\n")
    out = tiny["dir"] / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 2, res.output
    assert "cand.csv, row 3 (ZZ9), site_id: unknown site id 'ZZ9'" in " ".join(res.output.split())
    assert "row 2 (A)" not in res.output
    assert not out.exists()


def test_candidate_block_and_permit_of_zero_are_refused(tmp_path: Path) -> None:
    """Regression: block_units 0 became a block of 1 and permit_years 0 a permit of one
    period, silently (the defaults' own minimum is 1)."""
    (tmp_path / "t.csv").write_text(TASKS, encoding="utf-8")
    (tmp_path / "c.csv").write_text(
        "site_id,name,municipality_code,block_units,permit_years,lead_time_months,max_units\n"
        "F1,Dreef,GM0384,0,0,0,0\n",
        encoding="utf-8",
    )
    cfg = PlanningConfig.model_validate(
        {
            "groups": [{"name": "ontheemden"}],
            "tasks": {"path": str(tmp_path / "t.csv")},
            "candidates": {"from": "table", "table": {"path": str(tmp_path / "c.csv")}},
        }
    )
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    got = {(p.where, p.field, p.message) for p in info.value.problems}
    assert got == {
        ("row 2 (F1)", "block_units", "0 is below the minimum 1"),
        ("row 2 (F1)", "permit_years", "0 is below the minimum 1"),
    }

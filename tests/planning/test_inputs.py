"""Planning tables: bad input is reported all at once (file, row, field) with exit 2; good
input reaches the plan through the whole run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.errors import DataError
from opvang_opt.io.planning import read_planning_tables
from opvang_opt.schema import PlanningConfig
from opvang_opt.texts import render
from tests.conftest import write_yaml

runner = CliRunner()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _config(
    tmp_path: Path, tasks: str, stock: str | None = None, candidates: str | None = None
) -> PlanningConfig:
    raw: dict = {
        "start": "2026-01-01",
        "periods": 4,
        "groups": [{"name": "ontheemden"}, {"name": "statushouders", "places_per_unit": 2}],
        "tasks": {"path": str(_write(tmp_path / "tasks.csv", tasks))},
    }
    if stock is not None:
        raw["stock"] = {"path": str(_write(tmp_path / "stock.csv", stock))}
    if candidates is not None:
        raw["candidates"] = {
            "from": "table",
            "table": {"path": str(_write(tmp_path / "cand.csv", candidates))},
        }
    return PlanningConfig.model_validate(raw)


GOOD_TASKS = "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,10\n"


def test_good_tables_are_typed(tmp_path: Path) -> None:
    cfg = _config(
        tmp_path,
        GOOD_TASKS,
        stock="site_id,name,municipality_code,units,occupants,group,permit_end\n"
        "B1,Berg,GM0384,30,85,ontheemden,31-12-2026\n",
        candidates="site_id,name,municipality_code,available_from,max_units,groups\n"
        "F1,Dreef,GM0384,2026-07-01,50,ontheemden;statushouders\n",
    )
    t = read_planning_tables(cfg, ["GM0384"])
    assert t.tasks is not None and int(t.tasks["task"].iloc[0]) == 10
    assert t.stock is not None and int(t.stock["units"].iloc[0]) == 30
    # a Dutch day-first date is read by the project's date policy
    assert t.stock["permit_end"].iloc[0] == dt.date(2026, 12, 31)
    assert t.candidates is not None and int(t.candidates["max_units"].iloc[0]) == 50


def test_every_problem_of_every_table_at_once(tmp_path: Path) -> None:
    cfg = _config(
        tmp_path,
        "period,municipality_code,group,task\n"
        "2026-H1,GM0384,ontheemden,10\n"
        "2026-H1,GM0384,ontheemden,12\n"  # duplicate of row 2
        "2031-H1,GM0384,ontheemden,5\n"  # period outside the horizon
        "2026-H2,GM9999,ontheemden,5\n"  # unknown municipality
        "2026-H2,GM0384,ontheemdem,5\n"  # typo in the group
        "2027-H1,GM0384,statushouders,-3\n"  # negative
        "2027-H2,GM0384,statushouders,1.5\n",  # not whole
        stock="site_id,name,municipality_code,units,occupants,group,permit_end,max_units\n"
        "B1,Berg,GM0384,0,85,ontheemden,2026-13-01,20\n"  # units 0, bad date
        "B1,Berg,GM0384,30,x,ontheemden,2026-12-31,20\n",  # dup id, occupants, max<units
        candidates="site_id,name,municipality_code,max_units,lead_time_months\n"
        "F1,Dreef,GM0384,fifty,6\n",
    )
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    text = str(info.value)
    problems = info.value.problems
    expected = [
        ("tasks.csv", "row 3", None, "duplicate"),
        ("tasks.csv", "row 4", "period", "period '2031-H1' lies after the plan's last period"),
        ("tasks.csv", "row 5", "municipality_code", "unknown municipality 'GM9999'"),
        ("tasks.csv", "row 6", "group", "did you mean 'ontheemden'"),
        ("tasks.csv", "row 7", "task", "below the minimum 0"),
        ("tasks.csv", "row 8", "task", "not a whole number"),
        ("stock.csv", "row 2 (B1)", "units", "below the minimum 1"),
        ("stock.csv", "row 2 (B1)", "permit_end", "impossible date"),
        ("stock.csv", "row 3 (B1)", "site_id", "duplicate id 'B1'"),
        ("stock.csv", "row 3 (B1)", "occupants", "not a whole number"),
        ("stock.csv", "row 3 (B1)", "max_units", "below units 30"),
        ("cand.csv", "row 2 (F1)", "max_units", "'fifty' is not a whole number"),
    ]
    for source, where, field, words in expected:
        assert any(
            p.source
            and p.source.endswith(source)
            and render(p.where, "en") == where
            and (field is None or p.field == field)
            and words in p.text("en")
            for p in problems
        ), (source, where, field, words, text)
    assert len(problems) == len(expected)


def test_missing_files_and_columns(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "period,municipality,group,task\n")
    cfg2 = cfg.model_copy(update={"stock": type(cfg.tasks)(path=tmp_path / "nope.csv")})
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg2, ["GM0384"])
    msgs = [(p.field, p.text("en")) for p in info.value.problems]
    assert (
        "municipality_code",
        "required column is missing (did you mean 'municipality'?)",
    ) in msgs or any(f == "municipality_code" for f, _ in msgs)
    assert any("does not exist" in m for _, m in msgs)


def _planning_scenario(tiny, tasks: str) -> Path:
    raw = yaml.safe_load(Path(tiny["path"]).read_text())
    _write(tiny["dir"] / "tasks.csv", tasks)
    raw["planning"] = {
        "start": "2026-01-01",
        "periods": 4,
        "groups": [{"name": "ontheemden"}],
        "tasks": {"path": "tasks.csv"},
        "candidates": {"from": "eligible"},
        "defaults": {"lead_time_months": 0},
        "solver": {"time_limit_s": 20},
    }
    return write_yaml(tiny["dir"] / "tiny_plan.yaml", raw)


def test_cli_bad_planning_tables_exit_2_listing_all(tiny) -> None:
    path = _planning_scenario(
        tiny,
        "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,x\n"
        "2040-H1,GM0384,ontheemden,1\n",
    )
    res = runner.invoke(app, ["validate", str(path), "--lang", "en"])
    assert res.exit_code == 2, res.output
    assert "row 2" in res.output and "not a whole number" in res.output
    assert "row 3" in res.output and "period '2040-H1' lies after the plan's last" in res.output
    assert "Traceback" not in res.output


def test_cli_run_writes_the_plan(tiny) -> None:
    path = _planning_scenario(
        tiny,
        "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,30\n"
        "2026-H2,GM0384,ontheemden,60\n2027-H1,GM0384,ontheemden,60\n"
        "2027-H2,GM0384,ontheemden,60\n",
    )
    out = tiny["dir"] / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in (
        "plan.csv",
        "plan_summary.csv",
        "plan_reasons.csv",
        "plan_timeline.png",
        "plan_gantt.png",
    ):
        assert (out / name).is_file(), name
    import pandas as pd

    summary = pd.read_csv(out / "plan_summary.csv")
    assert list(summary["task"]) == [30, 60, 60, 60]
    assert (summary["capacity"] + summary["unmet"] >= summary["task"]).all()

"""Planning tables are CSV inputs like every other: the declared separator, decimal mark
and encoding apply; a wrong declaration, an ambiguous date or an unknown site id is bad
input (exit 2, naming file, row and field); what was read is listed in run.json."""

from __future__ import annotations

import json
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

TASKS = "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,10\n"

# A candidate table as Excel saves it in a Dutch locale: semicolons, decimal commas with
# a thousands point, Windows-1252 (the è of Drèef is one byte, 0xE8).
DUTCH_CANDIDATES = (
    "site_id;name;municipality_code;build_cost_per_unit_eur;x;y\n"
    "F1;Drèef;GM0384;125.000,50;125432,5;481234,25\n"
)


def _config(tmp_path: Path, candidates: bytes, **fmt: str) -> PlanningConfig:
    (tmp_path / "tasks.csv").write_text(TASKS, encoding="utf-8")
    (tmp_path / "cand.csv").write_bytes(candidates)
    return PlanningConfig.model_validate(
        {
            "start": "2026-01-01",
            "periods": 4,
            "groups": [{"name": "ontheemden"}],
            "tasks": {"path": str(tmp_path / "tasks.csv")},
            "candidates": {
                "from": "table",
                "table": {"path": str(tmp_path / "cand.csv"), **fmt},
            },
        }
    )


def test_declared_separator_decimal_and_encoding_are_applied(tmp_path: Path) -> None:
    cfg = _config(
        tmp_path,
        DUTCH_CANDIDATES.encode("cp1252"),
        separator=";",
        decimal=",",
        encoding="cp1252",
    )
    tables = read_planning_tables(cfg, ["GM0384"])
    row = tables.candidates.iloc[0]
    assert row["name"] == "Drèef"
    # 125.000,50 is 125000.5 in Dutch notation; 125432,5 and 481234,25 likewise
    assert row["build_cost_per_unit_eur"] == 125000.5
    assert (row["x"], row["y"]) == (125432.5, 481234.25)
    # every table read is reported with its file, hash and rows (for run.json)
    reports = {r.name: r for r in tables.reports}
    assert set(reports) == {"planning_tasks", "planning_candidates"}
    assert reports["planning_candidates"].features == 1
    assert reports["planning_tasks"].path.endswith("tasks.csv")
    assert len(reports["planning_tasks"].sha256) == 64


def test_wrong_decimal_declared_names_file_row_and_field(tmp_path: Path) -> None:
    # separator declared, decimal not: '125.000,50' is no number with a decimal point
    cfg = _config(tmp_path, DUTCH_CANDIDATES.encode("utf-8"), separator=";")
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    found = {
        (Path(p.source).name, render(p.where, "en"), p.field): p.text("en")
        for p in info.value.problems
    }
    key = ("cand.csv", "row 2 (F1)", "build_cost_per_unit_eur")
    assert key in found, found
    assert "'125.000,50' is not a number" in found[key]
    assert 'declare `decimal: ","`' in found[key]
    # x and y as well: all problems at once
    assert ("cand.csv", "row 2 (F1)", "x") in found and ("cand.csv", "row 2 (F1)", "y") in found


def test_undeclared_dutch_export_is_refused_with_what_to_declare(tmp_path: Path) -> None:
    cfg = _config(tmp_path, DUTCH_CANDIDATES.encode("utf-8"))
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    (p,) = info.value.problems
    assert Path(p.source).name == "cand.csv" and render(p.where, "en") == "line 1"
    assert 'separator: ";"' in p.text("en")


def test_wrong_encoding_is_refused_with_the_line(tmp_path: Path) -> None:
    cfg = _config(tmp_path, DUTCH_CANDIDATES.encode("cp1252"), separator=";", decimal=",")
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    (p,) = info.value.problems
    assert Path(p.source).name == "cand.csv" and render(p.where, "en") == "line 2"
    assert "encoding: cp1252" in p.text("en")


def _scenario(tiny, candidates: str, stock: str) -> Path:
    d = tiny["dir"]
    (d / "tasks.csv").write_text(
        "period;municipality_code;group;task\n2026-H1;GM0384;ontheemden;30\n", encoding="utf-8"
    )
    (d / "cand.csv").write_text(candidates, encoding="utf-8")
    (d / "stock.csv").write_text(stock, encoding="utf-8")
    raw = yaml.safe_load(Path(tiny["path"]).read_text())
    raw["planning"] = {
        "start": "2026-01-01",
        "periods": 4,
        "groups": [{"name": "ontheemden"}],
        "tasks": {"path": "tasks.csv", "separator": ";"},
        "stock": {"path": "stock.csv"},
        "candidates": {"from": "eligible", "table": {"path": "cand.csv", "separator": ";"}},
        "defaults": {"lead_time_months": 0},
        "solver": {"time_limit_s": 20},
    }
    return write_yaml(tiny["dir"] / "plan_csv.yaml", raw)


def test_cli_bad_planning_csv_exit_2_with_file_row_and_field(tiny) -> None:
    path = _scenario(
        tiny,
        # A is in the longlist; 'Q' is not, and has no name and municipality to be a new site
        "site_id;build_cost_per_unit_eur\nA;125.000,50\nQ;100000\n",
        # a two-digit year: 2026 or 1926?
        "site_id,name,municipality_code,units,occupants,group,permit_end\n"
        "B1,Berg,GM0384,30,85,ontheemden,31-12-26\n",
    )
    res = runner.invoke(app, ["validate", str(path), "--lang", "en"])
    assert res.exit_code == 2, res.output
    out = " ".join(res.output.split())
    assert "Traceback" not in out
    # wrong decimal declared (none, so '.'): file, row, field, what to declare
    assert "cand.csv" in out and "row 2 (A)" in out and "build_cost_per_unit_eur" in out
    assert "'125.000,50' is not a number" in out
    # ambiguous date
    assert "stock.csv" in out and "row 2 (B1)" in out and "permit_end" in out
    assert "two-digit year is ambiguous" in out
    # unknown site id
    assert "row 3 (Q)" in out and "unknown site id 'Q'" in out


def test_cli_run_lists_the_planning_tables_in_run_json(tiny) -> None:
    path = _scenario(
        tiny,
        "site_id;build_cost_per_unit_eur\nA;125000\n",
        "site_id,name,municipality_code,units,occupants,group,permit_end\n"
        "B1,Berg,GM0384,10,25,ontheemden,2026-12-31\n",
    )
    out = tiny["dir"] / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    inputs = {i["layer"]: i for i in info["inputs"]}
    for name, file, rows in (
        ("planning_tasks", "tasks.csv", 1),
        ("planning_stock", "stock.csv", 1),
        ("planning_candidates", "cand.csv", 1),
    ):
        assert inputs[name]["path"].endswith(file)
        assert inputs[name]["features"] == rows
        assert len(inputs[name]["sha256"]) == 64


MONTH_FIRST = (
    "site_id,name,municipality_code,available_from,x,y\n"
    "F1,Noord,GM0384,07/01/2026,125432.5,481234.25\n"
    "F2,Zuid,GM0384,12/31/2026,125500.0,481300.0\n"
)


def test_a_declared_month_first_date_format_is_read_by_it(tmp_path: Path) -> None:
    # without the declaration 07/01/2026 is 7 January (day-first) and 12/31/2026 impossible
    with pytest.raises(DataError) as info:
        read_planning_tables(_config(tmp_path, MONTH_FIRST.encode()), ["GM0384"])
    assert [(render(p.where, "en"), p.field) for p in info.value.problems] == [
        ("row 3 (F2)", "available_from")
    ]
    cfg = _config(tmp_path, MONTH_FIRST.encode(), date_formats={"available_from": "%m/%d/%Y"})
    got = read_planning_tables(cfg, ["GM0384"]).candidates.set_index("site_id")
    assert str(got.loc["F1", "available_from"]) == "2026-07-01"  # 1 July, as declared
    assert str(got.loc["F2", "available_from"]) == "2026-12-31"


def test_a_declared_date_format_names_rows_that_do_not_match_it(tmp_path: Path) -> None:
    bad = MONTH_FIRST.replace("12/31/2026", "2026-12-31")
    cfg = _config(tmp_path, bad.encode(), date_formats={"available_from": "%m/%d/%Y"})
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    (p,) = info.value.problems
    assert (Path(p.source).name, render(p.where, "en"), p.field) == (
        "cand.csv",
        "row 3 (F2)",
        "available_from",
    )
    assert "does not match the declared format '%m/%d/%Y'" in p.text("en")


def test_a_declared_date_format_for_a_column_the_file_lacks_is_refused(tmp_path: Path) -> None:
    cfg = _config(tmp_path, MONTH_FIRST.encode(), date_formats={"permit_end": "%m/%d/%Y"})
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    assert any(
        p.field == "permit_end" and "which the file does not have" in p.text("en")
        for p in info.value.problems
    )


@pytest.mark.parametrize("fmt", ["%Y", "%m/%Y", "%d/%m", "dag %d"])
def test_a_date_format_without_day_month_and_year_is_refused(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ValueError, match="not a date format with a day, a month and a year"):
        _config(tmp_path, MONTH_FIRST.encode(), date_formats={"available_from": fmt})


def test_planning_tables_warn_of_what_is_allowed_but_probably_not_meant(tmp_path: Path) -> None:
    from opvang_opt.io.planning import planning_table_warnings

    (tmp_path / "tasks.csv").write_text(TASKS, encoding="utf-8")
    (tmp_path / "stock.csv").write_text(
        "site_id,name,municipality_code,units,occupants,group,permit_end\n"
        "B1,Oud,GM0384,30,85,ontheemden,2025-06-30\n"  # permit ended before 2026-01-01
        "B2,Vol,GM0384,10,31,ontheemden,2030-12-31\n"  # 31 > 10 units x 3 places
        "B3,Goed,GM0384,10,30,ontheemden,2030-12-31\n",  # exactly full: no warning
        encoding="utf-8",
    )
    (tmp_path / "cand.csv").write_text(
        "site_id,name,municipality_code,max_units,block_units\n"
        "F1,Rest,GM0384,55,\n"  # default blocks of 10: 50 stand there
        "F2,Heel,GM0384,60,\n"
        "F3,Eigen,GM0384,55,5\n",  # blocks of 5: 55 is whole
        encoding="utf-8",
    )
    cfg = PlanningConfig.model_validate(
        {
            "start": "2026-01-01",
            "periods": 4,
            "groups": [{"name": "ontheemden", "places_per_unit": 3}],
            "tasks": {"path": str(tmp_path / "tasks.csv")},
            "stock": {"path": str(tmp_path / "stock.csv")},
            "candidates": {"from": "table", "table": {"path": str(tmp_path / "cand.csv")}},
        }
    )
    warnings = planning_table_warnings(cfg, read_planning_tables(cfg, ["GM0384"]))
    assert len(warnings) == 3, warnings
    b1, b2, f1 = (render(w, "en") for w in warnings)
    assert "id B1, permit_end: the permit ended on 2025-06-30" in b1
    assert "id B2, occupants: 31 occupants in 10 units is more than 3 per unit (30 places)" in b2
    assert "id F1, max_units: 55 is not a whole number of blocks of 10; at most 50" in f1

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
from opvang_opt.texts import render
from tests.conftest import write_yaml

runner = CliRunner()

TASKS = "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,10\n"


def _candidate_problems(tmp_path: Path, candidates: str, stock: str | None = None) -> list:
    """The problems of reading a candidate table (``candidates.from: table``), with the
    one-row task table and, when given, a stock table."""
    (tmp_path / "t.csv").write_text(TASKS, encoding="utf-8")
    (tmp_path / "c.csv").write_text(candidates, encoding="utf-8")
    config: dict[str, object] = {
        "groups": [{"name": "ontheemden"}],
        "tasks": {"path": str(tmp_path / "t.csv")},
        "candidates": {"from": "table", "table": {"path": str(tmp_path / "c.csv")}},
    }
    if stock is not None:
        (tmp_path / "s.csv").write_text(stock, encoding="utf-8")
        config["stock"] = {"path": str(tmp_path / "s.csv")}
    with pytest.raises(DataError) as info:
        read_planning_tables(PlanningConfig.model_validate(config), ["GM0384"])
    return info.value.problems


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
    problems = _candidate_problems(
        tmp_path,
        "site_id,name,municipality_code,block_units,permit_years,lead_time_months,max_units\n"
        "F1,Dreef,GM0384,0,0,0,0\n",
    )
    got = {(render(p.where, "en"), p.field, p.text("en")) for p in problems}
    assert got == {
        ("row 2 (F1)", "block_units", "0 is below the minimum 1"),
        ("row 2 (F1)", "permit_years", "0 is below the minimum 1"),
    }


def _build(rows: list[dict], **planning: object):
    import pandas as pd

    from opvang_opt.planning.build import build_instance

    cfg = PlanningConfig.model_validate(
        {
            "start": "2026-01-01",
            "periods": 6,
            "groups": [{"name": "ontheemden"}],
            "task_rule": {},
            "candidates": {"from": "table", "table": {"path": "c.csv"}},
            **planning,
        }
    )
    cands = pd.DataFrame([{"name": r["site_id"], "municipality_code": "GM0384", **r} for r in rows])
    return build_instance(
        cfg, municipalities=[("GM0384", "Diemen")], tasks=None, stock=None, candidates=cands
    )


def test_lead_time_counts_from_the_availability_date_not_its_period() -> None:
    """Regression: a site available mid-period had its availability rounded up to the next
    period and then its lead time rounded up again: available 1 March 2026 with 3 months'
    lead time is ready on 1 June and can hold units from 2026-H2 (period 1), not 2027-H1.
    Hand-worked dates for half-year periods from 1 January 2026."""
    import datetime as dt

    rows = [
        {"site_id": "mar3", "available_from": dt.date(2026, 3, 1), "lead_time_months": 3},
        {"site_id": "mar4", "available_from": dt.date(2026, 3, 1), "lead_time_months": 5},
        {"site_id": "jan7", "available_from": dt.date(2026, 1, 1), "lead_time_months": 7},
        {"site_id": "jan6", "available_from": dt.date(2026, 1, 1), "lead_time_months": 6},
        {"site_id": "old0", "available_from": dt.date(2024, 5, 1), "lead_time_months": 0},
        {"site_id": "old12", "available_from": dt.date(2024, 5, 1), "lead_time_months": 12},
        {"site_id": "aug31", "available_from": dt.date(2026, 8, 31), "lead_time_months": 4},
        {"site_id": "late", "available_from": dt.date(2028, 12, 1), "lead_time_months": 24},
    ]
    inst = _build(rows)
    first = {s.site_id: s.first_period for s in inst.sites}
    assert first == {
        "mar3": 1,  # ready 2026-06-01 -> 2026-H2
        "mar4": 2,  # ready 2026-08-01 -> 2027-H1
        "jan7": 2,  # ready 2026-08-01 -> 2027-H1
        "jan6": 1,  # ready 2026-07-01 -> 2026-H2
        "old0": 0,  # available before the start, no lead time
        "old12": 2,  # the lead time runs from the start: ready 2027-01-01
        "aug31": 2,  # ready 2026-12-31 -> 2027-H1
        "late": 6,  # ready 2030-12-01: after the horizon (6 periods), never
    }


def test_half_year_periods_start_on_a_half_year() -> None:
    """Regression: a horizon from 1 March with half-year periods labelled March-August
    '2026-H1' and September-February '2026-H2' (labels of calendar half-years)."""
    with pytest.raises(ValueError, match="first month of a calendar half-year"):
        PlanningConfig.model_validate(
            {"start": "2026-03-01", "groups": [{"name": "a"}], "task_rule": {}}
        )
    ok = PlanningConfig.model_validate(
        {"start": "2026-07-15", "periods": 2, "groups": [{"name": "a"}], "task_rule": {}}
    )
    assert ok.period_labels() == ["2026-H2", "2027-H1"]


def test_subsidy_above_the_build_cost_is_refused(tmp_path: Path) -> None:
    """Regression: with the subsidy above the build cost the net cost of a unit was
    negative, and the plan built and closed 30 units every period to earn it."""
    with pytest.raises(ValueError, match="net cost of building a unit would be negative"):
        PlanningConfig.model_validate(
            {
                "groups": [{"name": "a"}],
                "task_rule": {},
                "defaults": {"build_cost_per_unit_eur": 5000, "subsidy_per_unit_eur": 7800},
            }
        )
    problems = _candidate_problems(
        tmp_path,
        "site_id,name,municipality_code,build_cost_per_unit_eur\nF1,Dreef,GM0384,5000\n"
        "F2,Laan,GM0384,7800\n",
    )
    assert [(render(p.where, "en"), p.field) for p in problems] == [
        ("row 2 (F1)", "build_cost_per_unit_eur")
    ]


def test_task_rule_group_without_an_exchange_task_is_refused() -> None:
    """Regression: with tasks grown from the exchange, a planning group the exchange has
    no task for (a typo: 'ontheemde') got a task of 0 in every period, silently."""
    from opvang_opt.errors import ScenarioError
    from opvang_opt.schema import load_raw, validate_scenario

    root = Path(__file__).resolve().parents[2]
    raw = load_raw(root / "scenarios" / "demo.yaml")
    plan = raw["planning"]
    plan.pop("tasks")
    plan["task_rule"] = {"growth_per_cycle": {"asielzoekers": 0.1}}
    plan["groups"][2]["name"] = "ontheemde"
    with pytest.raises(ScenarioError) as info:
        validate_scenario(raw)
    found = [(p.field, p.text("en")) for p in info.value.problems]
    assert any(
        f == "planning.groups[2].name" and "did you mean 'ontheemden'" in m and "ontheemde" in m
        for f, m in found
    ), found
    plan["groups"][2]["name"] = "ontheemden"
    assert validate_scenario(raw).planning is not None


def test_whole_number_written_with_decimals_is_read(tmp_path: Path) -> None:
    """Regression: a Dutch export with a decimal comma writes a task as '23,0'; it was
    refused as "'23.0' is not a whole number". '23,5' is still refused."""
    (tmp_path / "t.csv").write_text(
        "period;municipality_code;group;task\n2026-H1;GM0384;ontheemden;23,0\n"
        "2026-H2;GM0384;ontheemden;23,5\n",
        encoding="utf-8",
    )
    cfg = PlanningConfig.model_validate(
        {
            "groups": [{"name": "ontheemden"}],
            "tasks": {"path": str(tmp_path / "t.csv"), "separator": ";", "decimal": ","},
        }
    )
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    assert [(render(p.where, "en"), p.field) for p in info.value.problems] == [("row 3", "task")]
    (tmp_path / "t.csv").write_text(
        "period;municipality_code;group;task\n2026-H1;GM0384;ontheemden;23,0\n", encoding="utf-8"
    )
    tables = read_planning_tables(cfg, ["GM0384"])
    assert tables.tasks is not None and tables.tasks["task"].tolist() == [23]


STOCK = (
    "site_id,name,municipality_code,units,occupants,group,permit_end,max_units\n"
    "B1,Berg,GM0384,30,85,ontheemden,2026-12-31,30\n"
)


def test_candidate_row_of_an_existing_site_is_not_a_second_site(tmp_path: Path) -> None:
    """Regression: a candidate-table row with the id of a stock site (to set its costs)
    also became a new candidate with the same id: two sites 'B1', two rows per period in
    plan.csv. Now it sets the existing site's block and costs only, and fields that apply
    to a new site only are refused."""
    from opvang_opt.planning.build import build_instance

    (tmp_path / "t.csv").write_text(TASKS, encoding="utf-8")
    (tmp_path / "s.csv").write_text(STOCK, encoding="utf-8")
    cand = tmp_path / "c.csv"
    cand.write_text(
        "site_id,name,municipality_code,block_units,move_cost_per_unit_eur,max_units\n"
        "B1,Berg,GM0384,5,1000,\nF1,Dreef,GM0384,10,,40\n",
        encoding="utf-8",
    )
    cfg = PlanningConfig.model_validate(
        {
            "groups": [{"name": "ontheemden"}],
            "tasks": {"path": str(tmp_path / "t.csv")},
            "stock": {"path": str(tmp_path / "s.csv")},
            "candidates": {"from": "table", "table": {"path": str(cand)}},
        }
    )
    t = read_planning_tables(cfg, ["GM0384"])
    inst = build_instance(
        cfg,
        municipalities=[("GM0384", "Diemen")],
        tasks=t.tasks,
        stock=t.stock,
        candidates=t.candidates,
    )
    assert [s.site_id for s in inst.sites] == ["B1", "F1"]
    b1 = inst.sites[0]
    assert b1.existing and b1.block == 5 and b1.move_cost == 100_000 and b1.max_units == 30
    cand.write_text(
        "site_id,name,municipality_code,max_units,available_from\nB1,Berg,GM0384,40,2027-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    assert sorted((render(p.where, "en"), p.field) for p in info.value.problems) == [
        ("row 2 (B1)", "available_from"),
        ("row 2 (B1)", "max_units"),
    ]


def test_longlist_site_with_an_existing_site_id_is_refused(tiny) -> None:
    """Regression: a stock site with the id of a longlist site became two sites with one
    id (the existing one and the eligible candidate)."""
    path = _scenario(tiny, "site_id,max_units\nB,20\n")
    raw = yaml.safe_load(path.read_text())
    (tiny["dir"] / "stock.csv").write_text(STOCK.replace("B1,", "A,"), encoding="utf-8")
    raw["planning"]["stock"] = {"path": "stock.csv"}
    path = write_yaml(path, raw)
    out = tiny["dir"] / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "(A), site_id: site id 'A' is also an existing site in the stock table" in text
    assert not out.exists()


@pytest.mark.parametrize("scope", ["municipality", "region"])
def test_tasks_grown_from_the_exchange_per_cycle(scope: str) -> None:
    """Tasks grown by the rule: cycle k of a group has the exchange task x (1 + growth)^k,
    rounded. Hand-worked from the demo's exchange tasks (GM0384: asielzoekers 175,
    statushouders 46; GM0437: 90, 21; GM0451: 190, 46): asielzoekers grow 10 % per cycle of
    4 half-years, statushouders 50 % per half-year, ontheemden have no growth."""
    from opvang_opt.planning.build import build_instance
    from opvang_opt.schema import load_raw
    from opvang_opt.schema.exchange import ExchangeConfig

    root = Path(__file__).resolve().parents[2]
    exchange = ExchangeConfig.model_validate(load_raw(root / "scenarios" / "demo.yaml")["exchange"])
    cfg = PlanningConfig.model_validate(
        {
            "periods": 5,
            "groups": [
                {"name": "asielzoekers", "cycle_periods": 4},
                {"name": "statushouders"},
                {"name": "ontheemden"},
            ],
            "task_rule": {"growth_per_cycle": {"asielzoekers": 0.1, "statushouders": 0.5}},
            "task_scope": scope,
        }
    )
    munis = [("GM0384", "Diemen"), ("GM0437", "Ouder-Amstel")]  # GM0451 outside this region
    inst = build_instance(
        cfg, municipalities=munis, tasks=None, stock=None, candidates=None, exchange=exchange
    )
    diemen = {
        "asielzoekers": [175, 175, 175, 175, 193],  # 192.5 in cycle 1
        "statushouders": [46, 69, 104, 155, 233],  # 46 x 1.5^k: 103.5, 155.25, 232.875
        "ontheemden": [200] * 5,
    }
    amstel = {
        "asielzoekers": [90, 90, 90, 90, 99],
        "statushouders": [21, 32, 47, 71, 106],  # 31.5, 47.25, 70.875, 106.3125
        "ontheemden": [100] * 5,
    }
    for g, name in enumerate(inst.groups):
        if scope == "municipality":
            assert inst.tasks[:, 0, g].tolist() == diemen[name], name
            assert inst.tasks[:, 1, g].tolist() == amstel[name], name
        else:
            assert inst.municipalities == ("regio",)
            pooled = [a + b for a, b in zip(diemen[name], amstel[name], strict=True)]
            assert inst.tasks[:, 0, g].tolist() == pooled, name


def test_a_column_written_twice_in_the_header_is_refused(tmp_path: Path) -> None:
    """Regression: a header with 'task' twice was read with the first column and the
    second silently dropped (pandas renames it 'task.1')."""
    (tmp_path / "t.csv").write_text(
        "period,municipality_code,group,task,task\n2026-H1,GM0384,ontheemden,10,12\n",
        encoding="utf-8",
    )
    cfg = PlanningConfig.model_validate(
        {"groups": [{"name": "ontheemden"}], "tasks": {"path": str(tmp_path / "t.csv")}}
    )
    with pytest.raises(DataError) as info:
        read_planning_tables(cfg, ["GM0384"])
    assert [(render(p.where, "en"), p.field) for p in info.value.problems] == [("line 1", "task")]
    assert "appears more than once" in info.value.problems[0].text("en")


def test_table_candidates_need_an_id_a_name_and_a_municipality(tmp_path: Path) -> None:
    """Regression: with candidates from the table, a row with an empty municipality was
    dropped silently (as if outside the region) and a row with an empty id crashed the
    planning stage (KeyError, exit 1). A row of an existing site (costs only) needs
    neither name nor municipality."""
    problems = _candidate_problems(
        tmp_path,
        "site_id,name,municipality_code,max_units\nF1,Dreef,,20\nF2,,GM0384,20\n"
        ",Leeg,GM0384,5\nB1,,,\n",
        stock=STOCK,
    )
    assert [(render(p.where, "en"), p.field) for p in problems] == [
        ("row 2 (F1)", "municipality_code"),
        ("row 3 (F2)", "name"),
        ("row 4", "site_id"),
    ]


@pytest.mark.parametrize(
    ("base", "growth", "cycle", "expected"),
    [
        (3, 0.5, 1, 5),  # 4.5: halves up (Python's round gives 4, half to even)
        (10, 0.05, 1, 11),  # 10.5
        (1000, 0.0015, 1, 1002),  # 1001.5 (2003/2)
        (200, 0.0025, 2, 201),  # 201.00125
        (46, 0.5, 3, 155),  # 155.25
        (90, -0.5, 2, 23),  # 22.5
        (175, 0.0, 7, 175),
    ],
)
def test_grown_tasks_are_exact_and_round_halves_up(base, growth, cycle, expected) -> None:
    """Hand-worked: base x (1 + growth)^cycle in exact fractions, halves rounded up."""
    from opvang_opt.planning.build import grown_task

    assert grown_task(base, growth, cycle) == expected


@pytest.mark.parametrize(
    ("cycle_start", "expected"),
    [
        # Spreidingswet cycles 2025-2026, 2027-2028, 2029-2030: the horizon (from 2026)
        # starts in the second year of a cycle; 175 x 1.1 = 192.5 -> 193, x 1.21 = 211.75
        ("2025-01-01", [175, 175, 193, 193, 193, 193, 212, 212]),
        # default: cycles counted from the horizon's first period
        (None, [175, 175, 175, 175, 193, 193, 193, 193]),
        # a cycle starting after the horizon's start: 2027-H2 (period 3)
        ("2027-07-01", [175, 175, 175, 193, 193, 193, 193, 212]),
    ],
)
def test_grown_tasks_follow_the_groups_cycle_start(cycle_start, expected) -> None:
    """Hand-worked from the demo's exchange task (Diemen, asielzoekers 175), growing 10 %
    per cycle of 4 half-years, over 8 half-years from 2026-H1."""
    from opvang_opt.planning.build import build_instance
    from opvang_opt.schema import load_raw
    from opvang_opt.schema.exchange import ExchangeConfig

    root = Path(__file__).resolve().parents[2]
    exchange = ExchangeConfig.model_validate(load_raw(root / "scenarios" / "demo.yaml")["exchange"])
    group = {"name": "asielzoekers", "cycle_periods": 4}
    if cycle_start:
        group["cycle_start"] = cycle_start
    cfg = PlanningConfig.model_validate(
        {
            "periods": 8,
            "groups": [group],
            "task_rule": {"growth_per_cycle": {"asielzoekers": 0.1}},
        }
    )
    inst = build_instance(
        cfg,
        municipalities=[("GM0384", "Diemen")],
        tasks=None,
        stock=None,
        candidates=None,
        exchange=exchange,
    )
    assert inst.tasks[:, 0, 0].tolist() == expected


def test_a_cycle_start_off_the_period_boundaries_is_refused() -> None:
    with pytest.raises(ValueError, match=r"groups\[0\]\.cycle_start 2025-02-01 is not on a period"):
        PlanningConfig.model_validate(
            {
                "groups": [{"name": "a", "cycle_periods": 4, "cycle_start": "2025-02-01"}],
                "task_rule": {},
            }
        )

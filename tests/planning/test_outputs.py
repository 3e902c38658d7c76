"""Planning tables and charts from a hand-worked plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opvang_opt.outputs.planning import plan_summary, plan_table, reasons_table, write_planning
from opvang_opt.planning import plan
from tests.planning._helpers import instance, site


def _result():
    # A (permit until P0, 2 units) moves to B in P1; B builds 1 more for the task of 3
    # (building 1 costs 100 cents; leaving the place unmet 2 x 100 days = 200).
    a = site("A", initial=2, max_units=2, last=0, move=10, permit_end="2026-06-30")
    b = site("=B", first=1, max_units=3, move=10, build=100)
    return plan(instance([a, b], [2, 3], unmet_day=(2,)), relative_gap=0.0)


def test_plan_table_rows_and_costs() -> None:
    res = _result()
    t = plan_table(res)
    a0 = t[(t.site_id == "A") & (t.period == "P0")].iloc[0]
    assert (a0.units, a0.built, a0.cost_eur) == (2, 0, 0.0)
    a1 = t[(t.site_id == "A") & (t.period == "P1")].iloc[0]
    assert (a1.open, a1.units, a1.moved_out) == (0, 0, 2)
    b1 = t[(t.period == "P1") & (t.site_id != "A")].iloc[0]
    # 2 moved in (2 x 10 cents) and 1 built (100 cents): EUR 1.20
    assert (b1.units, b1.moved_in, b1.built, b1.cost_eur) == (3, 2, 1, 1.2)
    assert b1.site_id == "'=B"  # never a spreadsheet formula
    assert round(t["cost_eur"].sum() * 100) == res.costs.total == 120


def test_summary_and_reasons() -> None:
    res = _result()
    s = plan_summary(res)
    assert list(s["task"]) == [2, 3] and list(s["capacity"]) == [2, 3]
    assert list(s["unmet_person_days"]) == [0, 0]
    r = reasons_table(res)
    opening = r[r.code == "open"].iloc[0]["reason"]
    assert "opent in P1 met 2 verplaatste en 1 nieuwe woningen" in opening
    assert "vergunning tot 2026-06-30" in opening
    move = r[r.code == "move_out"].iloc[0]["reason"]
    assert move.startswith("2 woningen van A verhuizen in P1 naar =B")


def test_write_planning_files(tmp_path: Path) -> None:
    files = write_planning(_result(), tmp_path)
    assert set(files) == {
        "plan.csv",
        "plan_summary.csv",
        "plan_reasons.csv",
        "plan_timeline.png",
        "plan_gantt.png",
    }
    for name in ("plan_timeline.png", "plan_gantt.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(tmp_path / "plan.csv")) == 3  # A in P0 and P1 (moved out), B in P1


def test_period_totals_and_chart_texts() -> None:
    from opvang_opt.outputs.planning import chart_texts, period_totals, timeline_png

    res = _result()
    p = period_totals(res)
    # P0: A's 2 units meet the task of 2; P1: A's 2 units moved to B, B builds 1 (task 3)
    assert list(p["task"]) == [2, 3] and list(p["capacity_places"]) == [2, 3]
    assert list(p["met_places"]) == [2, 3] and list(p["unmet_places"]) == [0, 0]
    assert list(p["built"]) == [0, 1] and list(p["moved_in"]) == [0, 2]
    assert list(p["units_open"]) == [2, 3] and list(p["sites_open"]) == [1, 1]
    texts = chart_texts(res, "nl")
    assert texts["caption"].startswith(
        "Het plan per periode: 2 locaties in gebruik, 1 woningen gebouwd, 2 verplaatst, "
        "0 gesloten; 0 persoonsdagen zonder plek."
    )
    assert chart_texts(res, "en")["caption"].startswith("The plan per period: 2 sites in use")
    assert timeline_png(res, "en")[:8] == b"\x89PNG\r\n\x1a\n"


def test_workbook_sheets_keep_text_inert_and_costs_in_euros() -> None:
    from opvang_opt.outputs.planning import workbook_tables
    from opvang_opt.outputs.tables import Sheet, build_workbook, labelled

    res = _result()
    tables = {key: (df, eur) for key, df, eur in workbook_tables(res, "nl")}
    sites, _ = tables["plan_sites"]
    # B (named '=B') in P1: 2 moved in at 10 cents, 1 built at 100 cents: EUR 1.20
    b1 = sites[(sites.site_id == "=B") & (sites.period == "P1")].iloc[0]
    assert b1.period_cost_eur == 1.2
    costs, _ = tables["plan_costs"]
    assert list(costs["cost_kind"])[-1] == "Totaal" and costs["plan_eur"].iloc[-1] == 1.2
    shown = labelled(sites, "nl")
    wb = build_workbook(
        [Sheet("plan_sites", "Plan", shown, ("Kosten in de periode, contant (EUR)",))]
    )
    ws = wb["Plan"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=B"]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    col = [c.value for c in ws[1]].index("Kosten in de periode, contant (EUR)") + 1
    assert "€" in ws.cell(row=2, column=col).number_format


def test_reasons_in_english_from_the_catalogue() -> None:
    # the same hand-worked plan: B opens in P1 with A's 2 units and 1 new one
    res = _result()
    r = reasons_table(res, "en")
    opening = r[r.code == "open"].iloc[0]["reason"]
    # the text starts with "=": escaped so that a spreadsheet never reads it as a formula
    assert opening == (
        "'=B opens in P1 with 2 moved and 1 new units, because the units of A must leave "
        "(permit until 2026-06-30) and moving is cheaper than building new."
    )
    move = r[r.code == "move_out"].iloc[0]["reason"]
    assert move.startswith("2 units of A move to =B in P1, because")


def test_planning_code_holds_no_user_texts() -> None:
    # every user-facing planning sentence lives in the text catalogue (planning.reason.*)
    from opvang_opt.texts import CATALOGUE

    root = Path(__file__).resolve().parents[2] / "src" / "opvang_opt" / "planning"
    assert not (root / "texts.py").exists()
    for path in root.glob("*.py"):
        code = path.read_text(encoding="utf-8")
        for word in (" omdat ", " plekken ", " tekort ", " woningen "):
            lines = [x for x in code.splitlines() if word in x and not x.strip().startswith("#")]
            assert not [x for x in lines if 'f"' in x or "message=" in x], (path.name, lines)
    for code in ("open", "extend", "move_out", "close", "not_opened", "unmet", "infeasible_task"):
        assert f"planning.reason.{code}" in CATALOGUE


@pytest.mark.parametrize("name", ["\uff1dB", "\n=B", "\t=B", "@B"])
def test_full_width_and_line_break_starts_are_never_formulas_in_the_plan(name: str) -> None:
    # the planning tables use the one rule of outputs.safe: a full-width '＝' (which some
    # spreadsheet programs also accept) or a leading line break is escaped like '='
    a = site("A", initial=2, max_units=2, last=0, move=10, permit_end="2026-06-30")
    b = site(name, first=1, max_units=3, move=10, build=100)
    res = plan(instance([a, b], [2, 3], unmet_day=(2,)), relative_gap=0.0)
    assert "'" + name in set(plan_table(res)["site_id"])

"""Planning tables and charts from a hand-worked plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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

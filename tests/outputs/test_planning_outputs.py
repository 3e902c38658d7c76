"""The plan in the council outputs: the timeline chart in report.html and the memo (alt
text and caption from the catalogue), the planning sheets in results.xlsx (Dutch headers,
euros, no formulas), in both languages."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
from PIL import Image

from opvang_opt.texts import t


def _chart(html: str) -> tuple[str, bytes]:
    m = re.search(r'id="planning-chart" alt="([^"]*)" src="data:image/png;base64,([^"]+)"', html)
    assert m, "no planning chart in the page"
    return m.group(1), base64.b64decode(m.group(2))


def test_report_has_the_timeline_with_catalogue_alt_and_caption(council_dir: Path) -> None:
    html = (council_dir / "report.html").read_text(encoding="utf-8")
    alt, png = _chart(html)
    assert alt == t("planning.chart_alt", "nl", periods=20)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S)
    assert caption and caption.group(1).startswith("Het plan per periode: ")
    # the facts agree with plan_summary.csv: person-days without a place
    summary = pd.read_csv(council_dir / "plan_summary.csv")
    days = int(summary["unmet_person_days"].sum())
    assert f"{days:,}".replace(",", ".") + " persoonsdagen zonder plek" in caption.group(1)
    assert '<h2 id="planning">Planning in de tijd</h2>' in html


def test_report_in_english(english_dir: Path) -> None:
    html = (english_dir / "report.html").read_text(encoding="utf-8")
    alt, _ = _chart(html)
    assert alt == t("planning.chart_alt", "en", periods=20)
    assert '<h2 id="planning">Planning over time</h2>' in html
    assert "The plan per period: " in html


def test_memo_has_the_planning_page(council_dir: Path) -> None:
    html = (council_dir / "raadsbijlage.html").read_text(encoding="utf-8")
    assert 'id="planning"' in html
    assert f'alt="{t("planning.chart_alt", "nl", periods=20)}"' in html


def test_workbook_planning_sheets(council_dir: Path) -> None:
    wb = openpyxl.load_workbook(council_dir / "results.xlsx")
    for key in ("plan_sites", "plan_periods", "plan_costs"):
        assert t(f"sheet.{key}", "nl") in wb.sheetnames
    sites = wb[t("sheet.plan_sites", "nl")]
    head = [c.value for c in sites[1]]
    assert head[:3] == ["Periode", "Locatie-id", "Naam"]
    cost_col = head.index(t("header.period_cost_eur", "nl")) + 1
    cell = sites.cell(row=2, column=cost_col)
    assert isinstance(cell.value, float) and "€" in cell.number_format
    # the site rows add up to the plan's cost without the unmet part (plan.csv, cents/100)
    plan = pd.read_csv(council_dir / "plan.csv")
    total = sum(sites.cell(row=r, column=cost_col).value for r in range(2, sites.max_row + 1))
    assert round(total, 2) == round(plan["cost_eur"].sum(), 2)
    periods = wb[t("sheet.plan_periods", "nl")]
    head = [c.value for c in periods[1]]
    task, met, unmet = (
        head.index(t("header.task", "nl")),
        head.index(t("header.met_places", "nl")),
        head.index(t("header.unmet_places", "nl")),
    )
    rows = list(periods.iter_rows(min_row=2, values_only=True))
    summary = pd.read_csv(council_dir / "plan_summary.csv")
    tasks = summary.groupby("period", sort=False)["task"].sum()
    assert [r[head.index("Periode")] for r in rows] == list(tasks.index)  # one row a period
    for row in rows:
        assert row[task] == tasks[row[head.index("Periode")]]
        assert row[met] + row[unmet] == row[task]
    costs = wb[t("sheet.plan_costs", "nl")]
    rows = list(costs.iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "Totaal"
    assert round(sum(r[1] for r in rows[:-1]), 2) == round(rows[-1][1], 2)

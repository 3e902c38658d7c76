"""The council workbook holds the services check (spoor 1): the same rows as the CSV files,
and no count of children from 1 to 4 (shown as <5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

SHEETS = {
    "Voorzieningen knelpunten": "services_bottlenecks.csv",
    "Voorzieningen uitbreiding": "services_expansions.csv",
}
"""The council's services sheets (the per-site table is for analysts only)."""
COUNTS = ("Vraag", "Geplaatst zonder uitbreiding", "Tekort zonder uitbreiding",
          "Geplaatst na uitbreiding", "Tekort na uitbreiding")  # fmt: skip


def _sheet(path: Path, title: str) -> pd.DataFrame:
    ws = load_workbook(path)[title]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_services_sheets_hold_the_csv_rows(council_dir: Path) -> None:
    for title, name in SHEETS.items():
        sheet = _sheet(council_dir / "results.xlsx", title)
        csv = pd.read_csv(council_dir / name, dtype=str, keep_default_na=False)
        assert len(sheet) == len(csv) > 0, title
        # the ids, periods and (suppressed) counts row by row, as the CSV has them
        assert [str(v) for v in sheet.iloc[:, 0]] == list(csv.iloc[:, 0]), title
        for col_csv, col_sheet in zip(csv.columns, sheet.columns, strict=True):
            if col_csv in ("demand", "short_now", "short_after", "placed_now", "placed_after"):
                shown = [str(v) for v in sheet[col_sheet]]
                assert shown == list(csv[col_csv]), (title, col_sheet)


def test_no_small_count_of_children_in_the_council_workbook(council_dir: Path) -> None:
    assert "Voorzieningen per locatie" not in load_workbook(council_dir / "results.xlsx").sheetnames
    for title in ("Voorzieningen knelpunten",):
        sheet = _sheet(council_dir / "results.xlsx", title)
        for col in COUNTS:
            if col in sheet.columns:
                small = [v for v in sheet[col] if isinstance(v, int | float) and 1 <= v <= 4]
                assert not small, (title, col, small)


def test_analyst_workbook_shows_exact_counts(analyst_dir: Path) -> None:
    sheet = _sheet(analyst_dir / "results.xlsx", "Voorzieningen per locatie")
    csv = pd.read_csv(analyst_dir / "services.csv")
    assert sheet["Vraag"].astype(int).tolist() == csv["demand"].tolist()
    assert (sheet["Geplaatst zonder uitbreiding"] + sheet["Tekort zonder uitbreiding"]
            == sheet["Vraag"]).all()  # fmt: skip

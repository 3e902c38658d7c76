"""results.xlsx as LibreOffice prints it: page count, Dutch numbers, no formulas, Ja/Nee."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


@pytest.fixture(scope="module")
def printed(council_dir: Path, tmp_path_factory) -> dict:
    """The council workbook converted to PDF by LibreOffice headless, with its text."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    exe = _soffice()
    tmp = tmp_path_factory.mktemp("xlsx_pdf")
    profile = (tmp / "profile").as_uri()  # its own profile: no clash with a running office
    done = subprocess.run(
        [exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp), str(council_dir / "results.xlsx")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    pdf = tmp / "results.pdf"
    assert pdf.is_file(), done.stderr
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return {"pages": pages, "text": text}


def test_prints_one_page_wide(printed: dict, council_dir: Path) -> None:
    wb = load_workbook(council_dir / "results.xlsx")
    # the footer names the sheet and numbers every page
    footers = re.findall(r"(\S[^\n]*?) - pagina (\d+) van (\d+)", printed["text"])
    assert len(footers) == printed["pages"]
    assert [int(p) for _, p, _ in footers] == list(range(1, printed["pages"] + 1))
    pages = printed["text"].split("\f")
    for ws in wb.worksheets:
        own = [i for i, (name, _, _) in enumerate(footers) if name.strip().endswith(ws.title)]
        assert own, ws.title  # every sheet prints
        # fit to width: a landscape A4 page holds at least 25 rows at full scale, so a sheet
        # prints on no more pages than that allows (it was 103 pages before the print set-up)
        assert len(own) <= -(-ws.max_row // 25), (ws.title, len(own), ws.max_row)
        # one page wide: the first column's header (repeated as print title) heads every
        # page of the sheet; a sheet spilling to the right would print pages without it
        first = str(ws["A1"].value).split()[0]
        for i in own:
            assert first in pages[i], (ws.title, i + 1, first)


def test_numbers_print_the_dutch_way(printed: dict, council_dir: Path) -> None:
    pay = pd.read_csv(council_dir / "side_payments.csv")
    for value in pay["cost_no_exchange"]:
        dutch = f"{value:,.0f}".replace(",", ".")  # 7032400 -> 7.032.400
        assert dutch in printed["text"], dutch


def test_cells_are_data_not_formulas(council_dir: Path) -> None:
    wb = load_workbook(council_dir / "results.xlsx")
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.freeze_panes == "A2", ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                assert cell.data_type != "b", (ws.title, cell.coordinate)  # Ja/Nee text
        # the wrapped header row is tall enough for its longest header
        for cell in ws[1]:
            width = ws.column_dimensions[cell.column_letter].width
            if len(str(cell.value)) > width:
                assert ws.row_dimensions[1].height >= 2 * 13, (ws.title, cell.value)


def test_counts_are_numbers_and_values_dutch(council_dir: Path) -> None:
    wb = load_workbook(council_dir / "results.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert not re.fullmatch(r"\d+", v), (ws.title, v)  # counts stored as numbers
                    seen.add(v)
    for english in ("down", "up", "optimal", "council", "school_km", "True", "False"):
        assert english not in seen, english
    assert not any(v.startswith("none within") for v in seen)
    heads = {str(c.value) for ws in wb.worksheets for c in ws[1]}
    assert not any(h.startswith("children_") for h in heads), heads
    assert {"Ja", "Nee"} & seen

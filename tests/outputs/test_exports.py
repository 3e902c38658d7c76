"""The council and analyst exports of the demo: files, privacy, Excel, report, static map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from opvang_opt.outputs import RESULT_FILES, content, write_results
from opvang_opt.outputs.maps import CDN_ASSETS, OSM_TILES
from opvang_opt.outputs.privacy import SMALL, show_count, suppress_row
from opvang_opt.outputs.static import static_map
from opvang_opt.outputs.write import ALLOCATION_FILES
from opvang_opt.schema import flatten
from tests.outputs.conftest import ROOT

HOUSEHOLDS = pd.read_csv(ROOT / "data" / "demo" / "households.csv", dtype=str)
HOUSEHOLD_ID = re.compile(r"\bH\d{4}\b")
# columns that only a household-level table has (aggregates have 'persons', so not that)
HOUSEHOLD_FIELDS = [c for c in HOUSEHOLDS.columns if c not in ("group", "persons")]


def _texts(path: Path) -> list[str]:
    """Every text a person or program can read from an export file."""
    suffix = path.suffix
    if suffix in (".html", ".csv", ".json"):
        return [path.read_text(encoding="utf-8")]
    if suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        out = []
        for ws in wb.worksheets:
            out.append(ws.title)
            for row in ws.iter_rows(values_only=True):
                out += [str(v) for v in row if v is not None]
        return out
    if suffix == ".gpkg":
        out = []
        for layer, _ in pyogrio.list_layers(path):
            df = gpd.read_file(path, layer=layer)
            out += [" ".join(map(str, df.columns))]
            out += [df.drop(columns="geometry").astype(str).to_csv()]
        return out
    if suffix in (".png", ".pdf"):
        return []  # drawn from the same figure as checked in test_static_map_texts
    raise AssertionError(f"unexpected file in the results folder: {path.name}")


COUNCIL_EXPORTS = ("map.html", "report.html", "raadsbijlage.html", "results.xlsx")
"""The council exports with text (map.png and map.pdf: see test_static_map_texts)."""


def test_council_folder_holds_every_output(council_dir: Path) -> None:
    names = {p.relative_to(council_dir).as_posix() for p in council_dir.rglob("*")}
    assert set(RESULT_FILES) <= names
    assert set(ALLOCATION_FILES) <= names  # the analysts' working tables
    # household-level rows only in the analyst/ subfolder
    top = [p for p in council_dir.iterdir() if p.is_file() and p.suffix == ".csv"]
    for path in top:
        assert not HOUSEHOLD_ID.search(path.read_text(encoding="utf-8")), path.name
    info = json.loads((council_dir / "run.json").read_text())
    assert info["export_profile"] == "council"


def test_no_council_export_holds_household_ids_or_fields(council_dir: Path) -> None:
    ids = set(HOUSEHOLDS["household_id"])
    assert len(ids) > 100
    for name in COUNCIL_EXPORTS:
        for text in _texts(council_dir / name):
            found = set(HOUSEHOLD_ID.findall(text)) & ids
            assert not found, f"{name} holds household ids {sorted(found)[:5]}"
            for field in HOUSEHOLD_FIELDS:
                assert not re.search(rf"\b{field}\b", text), f"{name} holds '{field}'"


def test_the_scan_finds_household_data_in_the_analyst_export(analyst_dir: Path) -> None:
    """The same scan does see household ids where the analyst profile allows them."""
    wb = load_workbook(analyst_dir / "results.xlsx", read_only=True)
    assert "Toewijzing huishoudens" in wb.sheetnames
    texts = _texts(analyst_dir / "results.xlsx")
    assert set(HOUSEHOLD_ID.findall("\n".join(texts))) & set(HOUSEHOLDS["household_id"])
    sheet = pd.read_excel(analyst_dir / "results.xlsx", sheet_name="Toewijzing huishoudens")
    assert "Huishouden (pseudoniem)" in sheet.columns
    assert not {"Naam", "name", "naam"} & set(sheet.columns)
    allocation = pd.read_csv(analyst_dir / "analyst" / "allocation.csv")
    assert not {"name", "naam"} & set(allocation.columns)


def _council_allocation(folder: Path) -> pd.DataFrame:
    return pd.read_excel(folder / "results.xlsx", sheet_name="Toewijzing per locatie", dtype=str)


def test_small_counts_are_suppressed_for_the_council(
    council_dir: Path, analyst_dir: Path, demo_result
) -> None:
    shown = _council_allocation(council_dir)
    exact = demo_result.allocation.by_site.set_index("site_id")
    counts = [c for c in shown.columns if c in ("Huishoudens", "Personen")
              or c.startswith(("Personen:", "Woningen:", "children_"))]  # fmt: skip
    assert any(c.startswith("Personen:") for c in counts)
    small = 0
    for _, row in shown.iterrows():
        for c in counts:
            assert row[c] in (SMALL, "x") or int(row[c]) == 0 or int(row[c]) >= 5, (row, c)
            small += row[c] == SMALL
        if row["Personen"] not in (SMALL, "x"):
            assert int(row["Personen"]) == exact.loc[row["Locatie-id"], "persons"]
    assert small > 0, "the demo should have small counts to hide"
    analyst = _council_allocation(analyst_dir)
    assert SMALL not in set(analyst[counts].to_numpy().ravel())


def test_suppression_rules() -> None:
    assert [show_count(v) for v in (0, 1, 4, 5, 17)] == ["0", "<5", "<5", "5", "17"]
    assert show_count(3, "analyst") == "3"
    # one hidden part next to a shown total: a second part is hidden too
    assert suppress_row([3, 7, 9], 19) == (["<5", "x", "9"], "19")
    # two hidden parts whose sum (2) gives them away: one more is hidden
    assert suppress_row([1, 1, 8, 9], 19)[0] == ["<5", "<5", "x", "9"]
    assert suppress_row([2, 3, 8], 13)[0] == ["<5", "<5", "8"]
    assert suppress_row([2, 2], 4) == (["<5", "<5"], "<5")


def test_excel_has_readable_sheets_headers_and_frozen_rows(council_dir: Path) -> None:
    wb = load_workbook(council_dir / "results.xlsx")
    names = wb.sheetnames
    for sheet in ("Samenvatting", "Longlist", "Uitsluitingen", "Shortlist", "Criteria",
                  "Toewijzing per locatie", "Toewijzing vs basislijn", "Uitruil per gemeente",
                  "Verevening", "Parameters", "Databronnen", "Versies"):  # fmt: skip
        assert sheet in names
    assert "Toewijzing huishoudens" not in names
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None)
        assert all(ws.column_dimensions[c.column_letter].width >= 10 for c in ws[1])
    headers = [c.value for c in wb["Longlist"][1]]
    want = {
        "Locatie-id",
        "Score (0-100)",
        "Capaciteit (woningen)",
        "Rang (1 = best; 0 = uitgesloten)",
    }
    assert want <= set(headers)
    assert "Afstand tot station (m)" in headers
    sl = pd.read_excel(council_dir / "results.xlsx", sheet_name="Shortlist")
    assert len(sl) == len(pd.read_csv(council_dir / "shortlist.csv"))


def test_report_is_one_offline_file_with_every_section(council_dir: Path, demo_result) -> None:
    html = (council_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert "Content-Security-Policy" in html and "data:image/png;base64," in html
    for text in ("Samenvatting", "Methode en aannames", "Alle scenarioparameters",
                 "Databronnen en licenties", "Versies", "handmatige basislijn",
                 "FICTIEVE DEMODATA", demo_result.scenario_hash):  # fmt: skip
        assert text in html
    # every scenario setting is listed
    for key in flatten(demo_result.scenario.model_dump(mode="json")):
        assert f"<th>{key}</th>" in html, key
    for name, ver in demo_result.versions.items():
        assert f"<th>{name}</th><td>{ver}</td>" in html


def test_english_outputs(english_dir: Path) -> None:
    html = (english_dir / "report.html").read_text(encoding="utf-8")
    assert "Summary" in html and "Method and assumptions" in html and 'lang="en"' in html
    assert "Excluded sites" in (english_dir / "map.html").read_text(encoding="utf-8")
    assert "Summary" in load_workbook(english_dir / "results.xlsx").sheetnames


def test_map_loads_no_cdn_files(council_dir: Path) -> None:
    """Self-contained (issue 14): Leaflet is inlined; the optional background tiles are the
    only external address the page uses."""
    html = (council_dir / "map.html").read_text(encoding="utf-8")
    loaded = re.findall(r"""<(?:script|img)[^>]*\ssrc\s*=\s*["'](https?://[^"']+)""", html)
    loaded += re.findall(r"""<link[^>]*\shref\s*=\s*["'](https?://[^"']+)""", html)
    assert loaded == []
    assert not any(url in html for url in CDN_ASSETS)
    assert OSM_TILES in html


def test_static_map_texts(demo_result) -> None:
    fig = static_map(demo_result)
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    joined = "\n".join(texts)
    assert demo_result.scenario.title in joined  # title
    assert "N" in texts  # north arrow
    assert any(re.fullmatch(r"\d+ (k)?m", t) for t in texts)  # scale bar
    assert "Data: " in joined and "Fictieve demodata" in joined  # attribution
    assert "Gemeentegrenzen" in joined and "uitgesloten" in joined  # legend
    assert not HOUSEHOLD_ID.search(joined)


def test_static_files_are_png_and_pdf(council_dir: Path) -> None:
    assert (council_dir / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (council_dir / "map.pdf").read_bytes()[:5] == b"%PDF-"


def test_cli_profile_option(tmp_path) -> None:
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "demo.yaml"), "--out",
                                   str(out), "--profile", "analyst", "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads((out / "run.json").read_text())["export_profile"] == "analyst"
    assert "Household assignments" in load_workbook(out / "results.xlsx").sheetnames
    bad = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "demo.yaml"), "--profile",
                                   "public"])  # fmt: skip
    assert bad.exit_code == 2


@pytest.mark.realdata
def test_real_data_carries_the_cbs_attribution(tmp_path) -> None:
    from tests.conftest import real_data_dir, write_yaml

    real = real_data_dir()
    scenario = {
        "name": "real-cbs",
        "region": {"municipalities": [{"code": "GM0384", "name": "Diemen"},
                                      {"code": "GM0437", "name": "Ouder-Amstel"},
                                      {"code": "GM0451", "name": "Uithoorn"}],
                   "boundaries": "gemeenten"},
        "layers": {
            "longlist": {"path": str(real / "duoplus_buurten_2024_rd.geojson"),
                         "id_column": "statcode"},
            "gemeenten": {"path": str(real / "duoplus_gemeenten_2024_rd.geojson"),
                          "id_column": "gemeentecode"},
        },
        "siting": {
            "name_column": "statnaam",
            "criteria": [{"name": "oppervlakte", "kind": "area",
                          "value": {"type": "linear", "lower": 0, "upper": 2_000_000}}],
            "capacity": {"density_units_per_ha": 30, "usable_share": 0.01},
            "target": {"amount": 100},
            "robustness": {"samples": 0},
        },
    }  # fmt: skip
    from opvang_opt.io import load
    from opvang_opt.pipeline import run

    result = run(*load(write_yaml(tmp_path / "real.yaml", scenario)))
    out = write_results(result, tmp_path / "out")
    for name in ("report.html", "map.html"):
        assert "CBS / Kadaster (PDOK), CC BY 4.0" in (out / name).read_text(encoding="utf-8")


def test_council_map_gives_no_small_count_back() -> None:
    """Occupied units, occupancy and marker size must not reveal a count below 5."""
    by_site = pd.DataFrame(
        {
            "site_id": ["A", "B"], "units": [64, 40], "occupied_units": [1, 20],
            "households": [1, 20], "persons": [4, 55], "persons_statushouders": [4, 30],
            "persons_ontheemden": [0, 25], "occupancy": [1 / 64, 0.5],
        }
    )  # fmt: skip
    shown = content.allocation_for_profile(by_site, "council")
    assert shown.loc[0, "occupied_units"] == "<5" and shown.loc[0, "households"] == "<5"
    assert pd.isna(shown.loc[0, "occupancy"])  # 1/64 would give the one household back
    # the report publishes 21 households and 59 persons placed: B's 20 and 55 would give
    # A's 1 and 4 back, so they are x (with B's occupancy, 20 / 40, and one of B's
    # persons per group, which add up to its 55)
    assert shown.loc[1, "households"] == "x" and shown.loc[1, "occupied_units"] == "x"
    assert shown.loc[1, "persons"] == "x" and pd.isna(shown.loc[1, "occupancy"])
    assert "x" in (shown.loc[1, "persons_statushouders"], shown.loc[1, "persons_ontheemden"])
    sizes = content.marker_persons(by_site["persons"].to_numpy(), "council")
    assert sizes.tolist() == [5.0, 55.0]
    assert content.marker_persons(by_site["persons"].to_numpy(), "analyst").tolist() == [4, 55]

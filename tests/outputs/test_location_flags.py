"""Border, stated-municipality and repair flags on a site's row in every output (issue 11).

A small world (the ``tiny`` fixture, at :data:`tests.conftest.ORIGIN`) split into two
municipalities at x = 680 m (relative): site C (x 600-700) lies 80 m of its 100 m width in
Diemen and 20 m in Ouder-Amstel, so 80 % and 20 % by construction; the longlist says
C lies in Ouder-Amstel (wrong: most of it is in Diemen). Site A is a bow-tie (an invalid
polygon) read with ``repair_invalid: true``. Both are shortlisted (target 40 units: A's
repaired two triangles hold 15 units, C 30), and each output must show their flags.
"""

from __future__ import annotations

import csv
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon, box

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from opvang_opt.texts import render
from tests.conftest import rel, write_yaml

BORDER_NL = "ligt over de gemeentegrens: 80% in Diemen, 20% in Ouder-Amstel"
MISMATCH_NL = "de longlist noemt gemeente 'Ouder-Amstel', maar de locatie ligt in Diemen"
REPAIRED_NL = "ongeldige geometrie hersteld bij het inlezen"


@pytest.fixture(scope="module")
def flagged(tmp_path_factory) -> dict[str, Any]:
    from tests.conftest import tiny as tiny_fixture

    tmp = tmp_path_factory.mktemp("flags")
    tiny = tiny_fixture.__wrapped__(tmp)  # the plain function behind the fixture
    gem = gpd.GeoDataFrame(
        {"municipality_code": ["GM0384", "GM0437"], "gemeentenaam": ["Diemen", "Ouder-Amstel"]},
        geometry=[rel(box(-500, -800, 680, 800)), rel(box(680, -800, 1700, 800))],
        crs="EPSG:28992",
    )
    gem.to_file(tiny["data"] / "gemeenten.gpkg", layer="gemeenten", driver="GPKG")
    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites.loc[0, "geometry"] = rel(Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]))
    sites["gemeente"] = ["Diemen", "Diemen", "Ouder-Amstel", "Ouder-Amstel"]
    pyogrio.write_dataframe(sites, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    raw = {
        **tiny["raw"],
        "layers": dict(tiny["raw"]["layers"]),
        "siting": dict(tiny["raw"]["siting"]),
    }
    raw["layers"]["longlist"] = {**raw["layers"]["longlist"], "repair_invalid": True}
    raw["layers"]["gemeenten"] = {"path": "data/gemeenten.gpkg", "layer": "gemeenten",
                                  "id_column": "municipality_code"}  # fmt: skip
    raw["region"] = {
        "municipalities": [{"code": "GM0384", "name": "Diemen"},
                           {"code": "GM0437", "name": "Ouder-Amstel"}],
        "boundaries": "gemeenten",
    }  # fmt: skip
    raw["siting"]["exclusions"] = [e for e in raw["siting"]["exclusions"] if e["name"] != "hv"]
    raw["siting"]["target"] = {"amount": 40}
    raw["siting"]["robustness"] = {"samples": 0, "one_at_a_time": False}
    write_yaml(tiny["path"], raw)
    result = run(*load(tiny["path"]))
    out = write_results(result, tmp / "out", lang="nl")
    return {"result": result, "out": out}


def test_the_world_is_as_designed(flagged):
    sites = flagged["result"].siting.sites.set_index("site_id")
    assert sites.loc[["A", "C"], "shortlisted"].all()
    assert sites.loc["C", "municipality_share"] == pytest.approx(0.8)
    assert sites.loc["C", "border_share"] == pytest.approx(0.2)
    assert bool(sites.loc["A", "repaired"]) and not sites.loc["C", "repaired"]


def test_flags_in_both_languages(flagged):
    sites = flagged["result"].siting.sites.set_index("site_id")
    c_nl, c_en = (
        render(sites.loc["C", "location_flags"], "nl"),
        render(sites.loc["C", "location_flags"], "en"),
    )
    assert BORDER_NL in c_nl and MISMATCH_NL in c_nl
    assert "crosses the municipal border: 80% in Diemen, 20% in Ouder-Amstel" in c_en
    assert "the longlist states municipality 'Ouder-Amstel', but the site lies in Diemen" in c_en
    assert REPAIRED_NL in render(sites.loc["A", "location_flags"], "nl")
    assert "invalid geometry repaired on reading" in render(sites.loc["A", "location_flags"], "en")
    # the other sites carry no flag: B and D lie wholly in Diemen / Ouder-Amstel as stated
    assert sites.loc["B", "location_flags"] == () and sites.loc["D", "location_flags"] == ()


def test_shortlist_csv_and_geopackage_rows(flagged):
    out: Path = flagged["out"]
    with (out / "shortlist.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["site_id"]: r for r in csv.DictReader(fh)}
    assert BORDER_NL in rows["C"]["location_flags"] and MISMATCH_NL in rows["C"]["location_flags"]
    assert REPAIRED_NL in rows["A"]["location_flags"]
    gpkg = pyogrio.read_dataframe(out / "longlist_scored.gpkg", layer="longlist_scored")
    flags = gpkg.set_index("site_id")["location_flags"]
    assert BORDER_NL in flags["C"] and REPAIRED_NL in flags["A"] and flags["B"] == ""


def _map_sites(html: str) -> dict[str, dict]:
    m = re.search(r"var D = (\{.*?\});\n", html, re.S)
    assert m, "map data not found"
    data = json.loads(m.group(1))
    return {f["properties"]["i"]: f["properties"] for f in data["sites"]["features"]}


def test_map_popup_data(flagged):
    props = _map_sites((flagged["out"] / "map.html").read_text(encoding="utf-8"))
    # the popup's texts are HTML (escaped on the server): read them as the browser does
    flags_c = [unescape(f) for f in props["C"]["f"]]
    assert len(flags_c) == 2 and flags_c[0].startswith(BORDER_NL) and flags_c[1] == MISMATCH_NL
    assert next(unescape(f) for f in props["A"]["f"]).startswith(REPAIRED_NL)
    assert "f" not in props["B"]
    assert props["C"]["m"] == "Diemen"


class _Tables(HTMLParser):
    """Every table row's cell texts (text and ``<p>``s in a cell joined by a space)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join(s.strip() for s in self._cell if s.strip()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _rows(html: str) -> list[list[str]]:
    p = _Tables()
    p.feed(html)
    return p.rows


def test_report_shortlist_rows(flagged):
    rows = _rows((flagged["out"] / "report.html").read_text(encoding="utf-8"))
    row_c = next(r for r in rows if "C" in r and "Charlie" in r)
    row_a = next(r for r in rows if "A" in r and "Alfa" in r)
    assert any(BORDER_NL in cell and MISMATCH_NL in cell for cell in row_c), row_c
    assert any(REPAIRED_NL in cell for cell in row_a), row_a


def test_memo_site_pages(flagged):
    html = (flagged["out"] / "raadsbijlage.html").read_text(encoding="utf-8")
    pages = re.split(r'<section class="page[^"]*" id="site-\d+">', html)[1:]
    by_name = {re.search(r"<h2>Locatie \d+: ([^<]+)</h2>", p).group(1): p for p in pages}
    charlie = _rows(by_name["Charlie"].split("</section>")[0])
    assert ["Over gemeentegrens", "ja"] in charlie
    flag_c = next(r for r in charlie if r and r[0] == "Let op")
    assert BORDER_NL in flag_c[1] and MISMATCH_NL in flag_c[1]
    alfa = _rows(by_name["Alfa"].split("</section>")[0])
    flag_a = next(r for r in alfa if r and r[0] == "Let op")
    assert REPAIRED_NL in flag_a[1]

"""Scenario comparison: inputs, results, sites whose status changes, and the written files."""

from __future__ import annotations

import copy

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.outputs.compare_page import comparison_table, note_text, render_html
from opvang_opt.workflows.compare import compare_scenarios
from tests.conftest import write_yaml

runner = CliRunner()
EVIL = "<script>alert('x')</script> & Zn"


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def pair(tiny):
    """The tiny scenario and a variant (extends) without the power-line rule, target 60."""
    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites.loc[sites["site_id"] == "C", "name"] = EVIL
    sites.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    variant = {
        "extends": "tiny.yaml", "name": "tiny-b", "title": "Variant <b>B</b>",
        "siting": {
            "exclusions": [e for e in tiny["raw"]["siting"]["exclusions"] if e["name"] != "hv"],
            "target": {"amount": 60},
        },
    }  # fmt: skip
    return tiny["path"], write_yaml(tiny["dir"] / "variant.yaml", variant)


def test_compare_lines_up_inputs_results_and_sites(pair):
    comp = compare_scenarios(pair)
    assert comp.labels == ["tiny", "tiny-b"] and comp.notes == ()
    items = set(comp.settings["item"])
    assert {"name", "title", "siting.target.amount", "siting.exclusions[hv]"} <= items
    assert not any(i.startswith("siting.exclusions[hv].") for i in items)  # one row per element
    assert not comp.inputs["differs"].any()
    res = comp.results.set_index("item")
    assert res.loc["siting.target", "tiny"] == 30 and res.loc["siting.target", "tiny-b"] == 60
    assert res.loc["siting.shortlist", "tiny"] == "A"
    assert res.loc["siting.shortlist_in", "tiny-b"] == "C"
    assert res.loc["siting.shortlist_out", "tiny-b"] == ""
    assert bool(res.loc["siting.capacity_selected", "differs"])
    assert not bool(res.loc["siting.n_sites", "differs"])
    sites = comp.sites.set_index("site_id")
    assert list(sites.index) == ["C"]
    assert sites.loc["C", "tiny"] == "excluded" and sites.loc["C", "tiny-b"] == "shortlist"
    assert sites.loc["C", "tiny: excluded_by"] == "hv"
    assert sites.loc["C", "change"] == "comes_in"


def test_written_files(pair, tmp_path):
    out = tmp_path / "cmp"
    res = cli("compare", *pair, "--out", out)
    assert res.exit_code == 0, res.output
    # the CLI speaks the page's language (Dutch by default; English in the test below)
    assert "1 locatie(s) veranderen van status" in res.stdout
    assert {p.name for p in out.iterdir()} == {"compare.html", "compare.csv"}
    table = pd.read_csv(out / "compare.csv", keep_default_na=False)
    assert list(table.columns) == ["section", "item", "label", "tiny", "tiny-b", "differs"]
    assert set(table["section"]) == {"settings", "input_files", "results", "sites"}
    row = table[(table["section"] == "results") & (table["item"] == "siting.shortlist")]
    assert row[["tiny", "tiny-b"]].values.tolist() == [["A", "A; C"]]
    page = (out / "compare.html").read_text()
    assert '<html lang="nl">' in page and "Wat verschilt in de uitkomsten" in page
    assert "<script>" not in page and "<b>B</b>" not in page  # input text is escaped
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Zn" in page
    assert "data:image/png;base64," in page  # the map is embedded: one self-contained file
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_english_and_different_regions_are_said(pair, tiny, tmp_path):
    other = copy.deepcopy(tiny["raw"])
    other["name"] = "tiny-ouder-amstel"
    other["region"] = {"municipalities": [{"code": "GM0437", "name": "Ouder-Amstel"}]}
    path = write_yaml(tiny["dir"] / "other.yaml", other)
    comp = compare_scenarios([pair[0], path])
    assert comp.regions_differ
    assert note_text(comp.notes[0], "en").startswith(
        "The scenarios cover different regions: tiny: GM0384; tiny-ouder-amstel: GM0437"
    )
    res = cli("compare", pair[0], path, "--out", tmp_path / "c")
    assert res.exit_code == 0, res.output
    assert "verschillende regio's" in res.stderr
    page = (tmp_path / "c" / "compare.html").read_text()
    assert "verschillende regio&#x27;s" in page
    assert "Geen locatie verandert van status." in page  # same sites, same statuses
    assert "Comparison of scenarios" in render_html(comp, lang="en")


def test_same_labels_are_made_unique(tiny):
    comp = compare_scenarios([tiny["path"], tiny["path"]])
    assert comp.labels == ["tiny", "tiny (2)"]
    assert comp.settings.empty and comp.sites.empty and not comp.results["differs"].any()
    assert len(comparison_table(comp)[lambda t: t["section"] == "sites"]) == 0


def test_bad_input_exits_2_and_writes_nothing(pair, tiny, tmp_path):
    out = tmp_path / "cmp"
    res = cli("compare", pair[0], "--out", out, "--lang", "en")
    assert res.exit_code == 2 and "at least two scenario files" in res.stderr
    bad = copy.deepcopy(tiny["raw"])
    bad["siting"]["target"]["amout"] = 5
    bad_path = write_yaml(tiny["dir"] / "bad.yaml", bad)
    res = cli(
        "compare", pair[0], bad_path, tiny["dir"] / "missing.yaml", "--out", out, "--lang", "en"
    )
    assert res.exit_code == 2, res.output
    assert "unknown key 'amout'" in res.stderr and "missing.yaml" in res.stderr
    assert not out.exists()


@pytest.mark.slow
def test_demo_against_its_variant(tmp_path):
    from tests.conftest import ROOT

    out = tmp_path / "demo"
    res = cli("compare", ROOT / "scenarios" / "demo.yaml",
              ROOT / "scenarios" / "variants" / "snel_beschikbaar.yaml", "--out", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "compare.csv", keep_default_na=False)
    settings = set(table.loc[table["section"] == "settings", "item"])
    assert {"siting.target.amount", "siting.shortlist.available_by",
            "siting.exclusions[te_klein]"} <= settings  # fmt: skip
    results = table[table["section"] == "results"].set_index("item")
    assert bool(results.loc["siting.target", "differs"])
    assert "exchange.savings" in results.index
    assert "FICTIEVE DEMODATA" in (out / "compare.html").read_text()


def test_no_site_name_becomes_a_formula_in_compare_csv(pair, tiny, tmp_path):
    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites.loc[sites["site_id"] == "C", "name"] = "=HYPERLINK(1)"
    sites.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    out = tmp_path / "cmp"
    assert cli("compare", *pair, "--out", out).exit_code == 0
    table = pd.read_csv(out / "compare.csv", keep_default_na=False)
    site = table[table["section"] == "sites"]
    assert site["label"].tolist() == ["'=HYPERLINK(1)"]  # OWASP: a leading apostrophe

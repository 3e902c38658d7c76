"""Where each site lies, border sites, overlaps and repairs on every row (issue 11)."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon, box

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from opvang_opt.texts import render
from tests.conftest import rel, write_yaml


def _region(tiny) -> dict:
    """Two municipalities split at x = 650 (relative): 'Diemen' west, 'Ouder-Amstel' east."""
    gem = gpd.GeoDataFrame(
        {"municipality_code": ["GM0384", "GM0437"], "gemeentenaam": ["Diemen", "Ouder-Amstel"]},
        geometry=[rel(box(-500, -800, 650, 800)), rel(box(650, -800, 1700, 800))],
        crs="EPSG:28992",
    )
    gem.to_file(tiny["data"] / "gemeenten.gpkg", layer="gemeenten", driver="GPKG")
    raw = {
        **tiny["raw"],
        "layers": dict(tiny["raw"]["layers"]),
        "siting": dict(tiny["raw"]["siting"]),
    }
    raw["layers"]["gemeenten"] = {
        "path": "data/gemeenten.gpkg",
        "layer": "gemeenten",
        "id_column": "municipality_code",
    }
    raw["region"] = {
        "municipalities": [
            {"code": "GM0384", "name": "Diemen"},
            {"code": "GM0437", "name": "Ouder-Amstel"},
        ],
        "boundaries": "gemeenten",
    }
    raw["siting"]["exclusions"] = [e for e in raw["siting"]["exclusions"] if e["name"] != "hv"]
    return raw


def test_border_site_gets_both_municipalities_on_its_row_and_in_shortlist_csv(tiny):
    raw = _region(tiny)
    raw["siting"]["target"] = {"amount": 200}  # every eligible site is needed
    write_yaml(tiny["path"], raw)
    result = run(*load(tiny["path"]))
    sites = result.siting.sites.set_index("site_id")
    # C spans x 600-700: 50 m west of the border (Diemen), 50 m east (Ouder-Amstel): a tie,
    # broken by the first area in layer order
    assert sites.loc["C", "crosses_border"]
    assert sites.loc["C", "municipality_share"] == pytest.approx(0.5)
    assert sites.loc["C", "border_share"] == pytest.approx(0.5)
    assert sites.loc["A", "municipality"] == "Diemen" and not sites.loc["A", "crosses_border"]
    assert sites.loc["D", "municipality"] == "Ouder-Amstel"
    out = write_results(result, tiny["dir"] / "out")
    with (out / "shortlist.csv").open(encoding="utf-8") as fh:
        rows = {r["site_id"]: r for r in csv.DictReader(fh)}
    assert rows["C"]["crosses_border"] == "True"
    assert {rows["C"]["municipality_code"], rows["C"]["border_municipality_code"]} == {
        "GM0384",
        "GM0437",
    }
    gpkg = pyogrio.read_dataframe(out / "longlist_scored.gpkg", layer="longlist_scored")
    assert set(gpkg.columns) >= {"municipality", "crosses_border", "border_share", "repaired"}


def test_stated_municipality_that_disagrees_is_flagged(tiny):
    raw = _region(tiny)
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    gdf["gemeente"] = ["Diemen", "Diemen", "Diemen", "Diemen"]  # D lies in Ouder-Amstel
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    write_yaml(tiny["path"], raw)
    sites = run(*load(tiny["path"])).siting.sites.set_index("site_id")
    assert sites["municipality_mismatch"].to_dict() == {
        "A": False,
        "B": False,
        "C": False,
        "D": True,
    }


@pytest.mark.parametrize("method", ["optimise", "top_score"])
def test_overlapping_plots_are_never_shortlisted_together(tiny, method):
    # E overlaps A (the best site) by 50 x 100 m; the target needs two sites
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    extra = gdf.iloc[[0]].copy()
    extra["site_id"], extra["name"] = "E", "Echo"
    extra["geometry"] = [rel(box(50, 0, 150, 100))]
    gdf = gpd.GeoDataFrame(
        __import__("pandas").concat([gdf, extra], ignore_index=True), crs=gdf.crs
    )
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    raw = {**tiny["raw"], "siting": dict(tiny["raw"]["siting"])}
    raw["siting"]["target"] = {"amount": 50}
    if method == "optimise":
        raw["siting"]["shortlist"] = {"method": "optimise"}
    write_yaml(tiny["path"], raw)
    result = run(*load(tiny["path"]))
    sites = result.siting.sites.set_index("site_id")
    assert sites.loc["A", "overlaps_with"] == "E (5.000 m²)"
    assert not (sites.loc["A", "shortlisted"] and sites.loc["E", "shortlisted"])
    left_out = "A" if not sites.loc["A", "shortlisted"] else "E"
    decision = render(sites.loc[left_out, "decision"], "nl")
    assert f"overlapt met gekozen locatie {'E' if left_out == 'A' else 'A'}" in decision, decision
    assert "overlap" in sites.loc[left_out, "binding"]


def test_repaired_site_is_flagged_on_its_row(tiny):
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    gdf.loc[0, "geometry"] = rel(Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]))
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    raw = {**tiny["raw"], "layers": dict(tiny["raw"]["layers"])}
    raw["layers"]["longlist"] = {**raw["layers"]["longlist"], "repair_invalid": True}
    write_yaml(tiny["path"], raw)
    result = run(*load(tiny["path"]))
    sites = result.siting.sites.set_index("site_id")
    assert sites["repaired"].to_dict() == {"A": True, "B": False, "C": False, "D": False}
    out = write_results(result, Path(tiny["dir"]) / "out")
    gpkg = pyogrio.read_dataframe(out / "longlist_scored.gpkg", layer="longlist_scored")
    assert gpkg.set_index("site_id")["repaired"].to_dict()["A"]

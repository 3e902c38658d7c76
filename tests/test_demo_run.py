"""End to end on the bundled (fictitious) demo: the files a user opens, checked independently."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from opvang_opt.outputs import RESULT_FILES, write_results
from opvang_opt.pipeline import run
from opvang_opt.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    scenario = load_scenario(DEMO)
    result = run(scenario, scenario_dir=str(DEMO.parent))
    out = write_results(result, tmp_path_factory.mktemp("demo") / "results")
    return {"scenario": scenario, "result": result, "out": out}


def test_results_folder_holds_every_file(demo) -> None:
    assert sorted(p.name for p in demo["out"].iterdir()) == sorted(RESULT_FILES)


def test_geopackage_has_every_site_with_indicators_and_reasons(demo) -> None:
    path = demo["out"] / "longlist_scored.gpkg"
    info = pyogrio.read_info(path, layer="longlist_scored")
    assert info["crs"] == "EPSG:28992" and info["features"] >= 40
    gdf = gpd.read_file(path, layer="longlist_scored")
    crit = [c.name for c in demo["scenario"].siting.criteria]
    for name in crit:
        assert f"ind_{name}" in gdf.columns and f"val_{name}" in gdf.columns
    assert {"excluded", "exclusion_reasons", "score", "rank", "capacity_units"} <= set(gdf.columns)
    excluded = gdf[gdf["excluded"].astype(bool)]
    assert len(excluded) > 0 and (excluded["exclusion_reasons"].str.len() > 0).all()
    assert (excluded["rank"] == 0).all()
    eligible = gdf[~gdf["excluded"].astype(bool)]
    assert sorted(eligible["rank"]) == list(range(1, len(eligible) + 1))


def test_exclusions_match_an_independent_geopandas_check(demo) -> None:
    sites = gpd.read_file(ROOT / "data/demo/longlist.gpkg", layer="longlist")
    nature = gpd.read_file(ROOT / "data/demo/constraints.gpkg", layer="nature")
    line = gpd.read_file(ROOT / "data/demo/constraints.gpkg", layer="hv_line")
    inter = gpd.overlay(sites, nature, how="intersection")
    in_nature = set(inter.loc[inter.area > 0, "site_id"])
    near_line = set(sites.loc[sites.distance(line.union_all()) < 120, "site_id"])
    late = set(sites.loc[pd.to_datetime(sites["available_from"]) > "2028-06-30", "site_id"])
    ex = demo["result"].siting.exclusions
    assert set(ex.loc[ex["rule"] == "natura", "site_id"]) == in_nature and in_nature
    assert set(ex.loc[ex["rule"] == "hoogspanning", "site_id"]) == near_line and near_line
    assert set(ex.loc[ex["rule"] == "beschikbaarheid", "site_id"]) == late and late


def test_shortlist_is_the_shortest_top_prefix_meeting_the_target(demo) -> None:
    sites = demo["result"].siting.sites
    target = demo["scenario"].siting.target.amount
    short = pd.read_csv(demo["out"] / "shortlist.csv")
    ranked = sites[sites["rank"] > 0].sort_values("rank")
    ranked = ranked[ranked["capacity_places"] > 0]
    cum = ranked["capacity_places"].cumsum()
    expected = ranked.loc[cum.shift(fill_value=0) < target, "site_id"].tolist()
    assert short["site_id"].tolist() == expected
    assert short["capacity_places"].sum() >= target
    assert short["capacity_places"].iloc[:-1].sum() < target


def test_run_json_records_scenario_versions_and_stages(demo) -> None:
    info = json.loads((demo["out"] / "run.json").read_text(encoding="utf-8"))
    assert info["scenario"]["name"] == "demo-duoplus" and len(info["scenario"]["hash"]) == 16
    assert info["scenario"]["fictitious"] is True
    assert {"ortools", "geopandas", "shapely", "gdal", "python"} <= set(info["versions"])
    assert all(isinstance(s["seconds"], float) for s in info["stages"])
    assert info["siting"]["target_met"] is True
    assert sorted(info["files"]) == sorted(RESULT_FILES)


def test_map_is_labelled_fictitious_and_escapes_site_names(demo) -> None:
    html = (demo["out"] / "map.html").read_text(encoding="utf-8")
    assert "FICTIEVE DEMODATA" in html
    # folium writes feature data as JSON with &, <, > as \\u escapes; undo only those
    decoded = html.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">")
    sites = demo["result"].siting.sites
    tricky = [n for n in sites["name"] if "&" in n or '"' in n or "<" in n]
    assert tricky, "the demo should hold a site name that needs escaping"
    for name in tricky:
        escaped = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        assert escaped in decoded
        assert json.dumps(name)[1:-1] not in decoded  # never unescaped
    assert demo["result"].scenario_hash in html


def test_same_scenario_gives_same_results(demo, tmp_path) -> None:
    again = write_results(run(demo["scenario"], scenario_dir=str(DEMO.parent)), tmp_path / "r")
    for name in ("shortlist.csv", "exclusions.csv"):
        assert (again / name).read_bytes() == (demo["out"] / name).read_bytes()
    a = gpd.read_file(again / "longlist_scored.gpkg")
    b = gpd.read_file(demo["out"] / "longlist_scored.gpkg")
    pd.testing.assert_frame_equal(a, b)
    assert (
        run(demo["scenario"], scenario_dir=str(DEMO.parent)).scenario_hash
        == demo["result"].scenario_hash
    )


def test_variant_differs_only_where_it_says(tmp_path) -> None:
    variant = load_scenario(ROOT / "scenarios/variants/snel_beschikbaar.yaml")
    base = load_scenario(DEMO)
    assert variant.siting.criteria == base.siting.criteria
    assert variant.siting.target.amount == 450
    assert variant.layers == base.layers

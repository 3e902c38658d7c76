"""End to end on the bundled (fictitious) demo: the files a user opens, checked independently."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from opvang_opt.io import load_inputs
from opvang_opt.outputs import RESULT_FILES, write_results
from opvang_opt.pipeline import run
from opvang_opt.schema import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    scenario = load_scenario(DEMO)
    inputs = load_inputs(scenario)
    result = run(scenario, inputs, scenario_dir=str(DEMO.parent))
    out = write_results(result, tmp_path_factory.mktemp("demo") / "results")
    return {"scenario": scenario, "inputs": inputs, "result": result, "out": out}


def test_results_folder_holds_every_file(demo) -> None:
    names = {p.name for p in demo["out"].iterdir()}
    assert set(RESULT_FILES) <= names
    assert {"exchange.csv", "side_payments.csv", "tradeoff_exchange.csv"} <= names


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


def test_shortlist_keeps_every_rule_checked_independently(demo) -> None:
    """Re-verify the optimised shortlist from the raw files with plain geopandas."""
    sl = demo["scenario"].siting.shortlist
    raw = gpd.read_file(ROOT / "data/demo/longlist.gpkg", layer="longlist")
    wijken = gpd.read_file(ROOT / "data/demo/boundaries.gpkg", layer="wijken")
    short = pd.read_csv(demo["out"] / "shortlist.csv")
    chosen = raw[raw["site_id"].isin(short["site_id"])].copy()
    assert len(chosen) == len(short) <= sl.max_sites
    # capacity target (places) and budget
    assert short["capacity_places"].sum() >= demo["scenario"].siting.target.amount
    assert chosen["cost_estimate_eur"].sum() <= sl.budget_eur
    # availability
    assert (pd.to_datetime(chosen["available_from"]) <= pd.Timestamp(sl.available_by)).all()
    # spread: every pair at least min_distance apart, edge to edge
    geoms = list(chosen.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].distance(geoms[j]) >= sl.min_distance_m
    # at most max_per_zone per wijk (the wijk holding the site's representative point)
    pts = chosen.set_geometry(chosen.representative_point())
    joined = gpd.sjoin(pts, wijken[["wijk_code", "geometry"]], predicate="within")
    assert joined["wijk_code"].value_counts().max() <= sl.max_per_zone
    # no excluded site is shortlisted
    sites = demo["result"].siting.sites
    assert not (sites["excluded"] & sites["shortlisted"]).any()
    assert demo["result"].siting.summary.solver_status == "optimal"


def test_every_site_says_why_it_is_in_or_out(demo) -> None:
    sites = demo["result"].siting.sites
    assert sites["decision"].map(bool).all()
    out = sites[~sites["shortlisted"] & ~sites["excluded"]]
    assert out["binding"].map(bool).all()
    assert set(sites.loc[sites["shortlisted"], "binding"]) == {"selected"}


def irredundant(members: list[str], caps: dict[str, int], target: int) -> bool:
    """Every site is needed: without any one of them the target is missed."""
    total = sum(caps[m] for m in members)
    return total >= target and all(total - caps[m] < target for m in members)


def test_no_zero_capacity_or_redundant_site_on_the_shortlist(demo) -> None:
    short = pd.read_csv(demo["out"] / "shortlist.csv")
    caps = dict(zip(short["site_id"], short["capacity_places"], strict=True))
    assert (short["capacity_places"] > 0).all()
    assert irredundant(list(caps), caps, demo["scenario"].siting.target.amount)


def test_tradeoff_and_sensitivity_files(demo) -> None:
    trade = pd.read_csv(demo["out"] / "tradeoff.csv", keep_default_na=False, na_values=[""])
    assert trade["is_scenario_target"].sum() == 1
    # Issue 13 replaced "a higher target never gives a higher total score": that held for
    # the old score-sum objective only. Irredundancy can make a larger target better per
    # place (two sites both needed). What holds now: on the cost frontier more money buys
    # strictly more quality, and every point keeps every rule, irredundancy included.
    cost = trade[(trade["frontier"] == "cost") & trade["feasible"]].sort_values("cost")
    assert len(cost) >= 2
    assert cost["quality"].is_monotonic_increasing and cost["quality"].is_unique
    sites = demo["result"].siting.sites
    caps = dict(zip(sites["site_id"], sites["capacity_places"], strict=True))
    for _, row in trade[trade["feasible"]].iterrows():
        members = row["shortlist"].split("; ")
        assert sum(caps[m] for m in members) == row["capacity"]
        assert irredundant(members, caps, int(row["target"]))
    assert trade.loc[trade["frontier"] == "target", "is_chosen"].sum() == 1
    # the robustness table describes the rule that chose the shortlist: every frequent
    # shortlist is one the optimiser could give (irredundant), and the chosen one is among them
    sets = pd.read_csv(demo["out"] / "smaa_shortlists.csv")
    target = demo["scenario"].siting.target.amount
    assert all(irredundant(m.split("; "), caps, target) for m in sets["sites"])
    assert sets["is_chosen"].any()
    sens = pd.read_csv(demo["out"] / "sensitivity.csv")
    assert len(sens) == len(demo["result"].siting.sites)
    assert sens["shortlist_share"].dropna().between(0, 1).all()
    crit = pd.read_csv(demo["out"] / "sensitivity_criteria.csv")
    assert set(crit["criterion"]) == {c.name for c in demo["scenario"].siting.criteria}


def test_run_json_records_scenario_versions_and_stages(demo) -> None:
    info = json.loads((demo["out"] / "run.json").read_text(encoding="utf-8"))
    assert info["scenario"]["name"] == "demo-duoplus" and len(info["scenario"]["hash"]) == 16
    assert info["scenario"]["fictitious"] is True
    assert {"ortools", "geopandas", "shapely", "gdal", "python"} <= set(info["versions"])
    assert all(isinstance(s["seconds"], float) for s in info["stages"])
    assert info["siting"]["target_met"] is True
    assert set(RESULT_FILES) <= set(info["files"])
    assert info["exchange"]["checker_ok"] is True


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
    again = write_results(
        run(demo["scenario"], demo["inputs"], scenario_dir=str(DEMO.parent)), tmp_path / "r"
    )
    for name in ("shortlist.csv", "exclusions.csv", "tradeoff.csv", "sensitivity_criteria.csv",
                 "sensitivity.csv"):  # fmt: skip
        assert (again / name).read_bytes() == (demo["out"] / name).read_bytes()
    a = gpd.read_file(again / "longlist_scored.gpkg", layer="longlist_scored")
    b = gpd.read_file(demo["out"] / "longlist_scored.gpkg", layer="longlist_scored")
    pd.testing.assert_frame_equal(a, b)
    assert (
        run(demo["scenario"], demo["inputs"], scenario_dir=str(DEMO.parent)).scenario_hash
        == demo["result"].scenario_hash
    )


def test_variant_differs_only_where_it_says(tmp_path) -> None:
    variant = load_scenario(ROOT / "scenarios/variants/snel_beschikbaar.yaml")
    base = load_scenario(DEMO)
    assert variant.siting.criteria == base.siting.criteria
    assert variant.siting.target.amount == 450
    assert variant.layers == base.layers


def test_demo_shows_the_newcomer_education_bottleneck(demo) -> None:
    out = demo["out"]
    bott = pd.read_csv(out / "services_bottlenecks.csv", dtype=str)
    taal = bott[bott["type"] == "taalklas"]
    assert (taal["short_now"] != "0").any()  # the demo's schools are short by default
    exp = pd.read_csv(out / "services_expansions.csv")
    assert len(exp) and exp["cost_eur"].sum() > 0
    assert (out / "services_chart.png").exists()
    assert not (out / "services.csv").exists()  # per site: analyst profile only
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="services"' in report and "Voorzieningen" in report
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    # the council's run.json: no total shortfalls (they add the table's hidden counts up)
    assert info["export_profile"] == "council" and "short_before" not in info["services"]
    assert info["services"]["status"] == "infeasible"  # the demo stays short after expansion
    assert info["services"]["expansion_cost_eur"] > 0

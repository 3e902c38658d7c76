"""Geography checked against the declared CRS and the region (issue 11), on real CBS data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from opvang_opt.io.region import crs_problems, nonfinite_problems, outside_region, region_from_layer
from opvang_opt.siting.location import AreaLayer, largest_share, overlapping_pairs
from opvang_opt.texts import render

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"
CODES = ["GM0384", "GM0437", "GM0451"]


@pytest.fixture(scope="module")
def gemeenten():
    path = REAL / "duoplus_gemeenten_2024_rd.geojson"
    if not path.exists():
        pytest.skip(f"real CBS boundaries not available at {path}")
    return gpd.read_file(path)


@pytest.fixture(scope="module")
def region(gemeenten):
    reg, missing = region_from_layer(gemeenten, CODES, {})
    assert missing == []
    return reg


def test_region_from_real_cbs_layer_has_the_three_names(region):
    assert sorted(region.municipalities["name"]) == ["Diemen", "Ouder-Amstel", "Uithoorn"]


def test_degrees_declared_as_rd_new_are_refused_with_the_likely_crs():
    # Diemen station in WGS 84 degrees, written into a file that says EPSG:28992
    pts = [Point(4.96, 52.34), Point(4.97, 52.35)]
    gdf = gpd.GeoDataFrame({"site_id": ["S1", "S2"]}, geometry=pts, crs="EPSG:28992")
    problems = crs_problems(gdf, "sites.csv", "site_id")
    assert len(problems) == 1
    text = str(problems[0])
    assert "longitude/latitude" in text and "S1, S2" in text and "EPSG:4326" in text


def test_rd_numbers_declared_as_wgs84_are_refused_with_the_likely_crs():
    gdf = gpd.GeoDataFrame({"site_id": ["S1"]}, geometry=[Point(125_000, 484_000)], crs="EPSG:4326")
    text = str(crs_problems(gdf, "sites.gpkg", "site_id")[0])
    assert "outside the area where EPSG:4326 is valid" in text and "EPSG:28992" in text


def test_valid_rd_coordinates_pass():
    gdf = gpd.GeoDataFrame(
        {"site_id": ["S1"]}, geometry=[box(124_000, 484_000, 124_100, 484_100)], crs="EPSG:28992"
    )
    assert crs_problems(gdf, "x", "site_id") == []


def test_every_non_finite_coordinate_is_reported_at_once():
    gdf = gpd.GeoDataFrame(
        {"site_id": ["A", "B", "C"]},
        geometry=[Point(np.nan, 484_000), Point(125_000, 484_000), Point(np.inf, 484_000)],
        crs="EPSG:28992",
    )
    problems, bad = nonfinite_problems(gdf, "sites.csv", "site_id")
    assert bad.tolist() == [True, False, True]
    assert [render(p.where, "en") for p in problems] == ["id A", "id C"]
    assert "NaN" in problems[0].text("en") and "infinite" in problems[1].text("en")
    assert "repair" in problems[0].text("en")  # says a repair cannot fix it


def test_a_site_in_berlin_is_outside_the_region_with_its_distance(region):
    berlin = gpd.GeoSeries([Point(13.40, 52.52)], crs="EPSG:4326").to_crs(28992)
    diemen = gpd.GeoSeries([Point(4.96, 52.34)], crs="EPSG:4326").to_crs(28992)
    gdf = gpd.GeoDataFrame(
        {"site_id": ["berlijn", "diemen"]}, geometry=[berlin.iloc[0], diemen.iloc[0]], crs=28992
    )
    outside, dist, nearest = outside_region(gdf, region, margin_m=1000)
    assert outside.tolist() == [True, False]
    assert 560_000 < dist[0] < 600_000  # Berlin is about 575 km east of Diemen
    assert nearest[1] == "Diemen"


def test_border_site_gets_both_shares(gemeenten, region):
    # a square straddling the Diemen / Ouder-Amstel border, split 70 / 30 by construction
    mun = region.municipalities.set_index("code")
    border = mun.loc["GM0384", "geometry"].boundary.intersection(
        mun.loc["GM0437", "geometry"].boundary
    )
    p = border.interpolate(0.5, normalized=True)
    best = None
    for dx in np.linspace(-60, 60, 25):
        sq = box(p.x - 50 + dx, p.y - 50, p.x + 50 + dx, p.y + 50)
        share = sq.intersection(mun.loc["GM0437", "geometry"]).area / sq.area
        if best is None or abs(share - 0.7) < abs(best[1] - 0.7):
            best = (sq, share)
    sq, share_oa = best
    areas = AreaLayer(mun.index.to_numpy(), mun["name"].to_numpy(), mun.geometry.to_numpy())
    code, name, share, code2, share2, outside = largest_share(np.array([sq]), areas)
    expected_d = sq.intersection(mun.loc["GM0384", "geometry"]).area / sq.area
    assert code[0] == "GM0437" and name[0] == "Ouder-Amstel"
    assert share[0] == pytest.approx(share_oa, abs=1e-9)
    assert code2[0] == "GM0384" and share2[0] == pytest.approx(expected_d, abs=1e-9)
    assert outside[0] == pytest.approx(max(0.0, 1 - share_oa - expected_d), abs=1e-9)


def test_overlapping_plots_are_paired_with_their_area():
    geoms = np.array(
        [box(0, 0, 100, 100), box(50, 0, 150, 100), box(300, 0, 400, 100), box(100, 0, 200, 100)]
    )
    pairs = overlapping_pairs(geoms, np.array(["A", "B", "C", "D"]))
    # A-B overlap 50 x 100 m; B-D 50 x 100 m; A-D only touch (0 m2): not reported
    assert pairs[["site_a", "site_b", "overlap_m2"]].values.tolist() == [
        ["A", "B", 5000.0],
        ["B", "D", 5000.0],
    ]


def test_exclusion_reason_names_the_natura2000_area_hit():
    path = REAL / "natura2000_duoplus_region_2013_etrs89.geojson"
    if not path.exists():
        pytest.skip(f"real Natura 2000 areas not available at {path}")
    from opvang_opt.schema import CloserThanRule, IntersectsRule
    from opvang_opt.siting.exclusions import evaluate_exclusions
    from opvang_opt.texts import render

    n2k = gpd.read_file(path).to_crs(28992)
    botshol = n2k[n2k["naam_n2k"] == "Botshol"].geometry.iloc[0]
    inside = botshol.representative_point().buffer(30)
    far = box(121_000, 486_000, 121_100, 486_100)  # Diemen, km from any Natura 2000 area
    sites = gpd.GeoDataFrame({"site_id": ["in", "far"]}, geometry=[inside, far], crs=28992)
    rules = (
        IntersectsRule(name="natura", kind="intersects", layer="n2k"),
        CloserThanRule(name="buffer", kind="closer_than", layer="n2k", distance_m=250),
    )
    t = evaluate_exclusions(rules, sites, {"n2k": n2k}, {}, "site_id", "sites.gpkg")
    texts = [render(m, "en") for m in t["message"]]
    assert t["site_id"].tolist() == ["in", "in"]
    assert all("n2k (Botshol)" in s for s in texts), texts


def test_a_stated_municipality_that_disagrees_with_the_point_is_warned_about(region):
    from opvang_opt.io.region_pass import stated_municipality_warnings

    mun = region.municipalities.set_index("code")
    pts = {c: mun.loc[c, "geometry"].representative_point() for c in CODES}
    df = pd.DataFrame(
        {
            "site_id": ["ok", "wrong", "empty"],
            "municipality_code": ["GM0437", "GM0451", ""],
            "x": [pts["GM0437"].x, pts["GM0384"].x, pts["GM0451"].x],
            "y": [pts["GM0437"].y, pts["GM0384"].y, pts["GM0451"].y],
        }
    )
    found = stated_municipality_warnings(df, "unit_sites.csv", "site_id", region)
    assert [render(w, "en") for w in found] == [
        "unit_sites.csv, id wrong, municipality_code: states municipality 'GM0451', but the "
        "point lies in Diemen (GM0384)"
    ]


def test_planning_tables_are_checked_against_the_region(region):
    from opvang_opt.io.planning import PlanningTables
    from opvang_opt.io.region_pass import check_planning_points

    diemen = region.municipalities.set_index("code").loc["GM0384", "geometry"]
    p = diemen.representative_point()
    stock = pd.DataFrame({"site_id": ["B1", "B2"], "municipality_code": ["GM0384"] * 2,
                          "x": [4.96, p.x], "y": [52.34, p.y]})  # fmt: skip
    cand = pd.DataFrame({"site_id": ["C1"], "municipality_code": ["GM0437"],
                         "x": [p.x + 60_000], "y": [p.y]})  # fmt: skip  # 60 km east
    tables = PlanningTables(None, stock, cand, {"planning_stock": "stock.csv",
                                                "planning_candidates": "cand.csv"})  # fmt: skip
    problems, warnings = check_planning_points(tables, region, 50_000)
    text = [str(x) for x in problems]
    assert len(text) == 2
    assert text[0].startswith("stock.csv, x/y: coordinates look like longitude/latitude")
    assert text[0].endswith(": B1")
    assert text[1].startswith("cand.csv, x/y: coordinates lie more than 50 km from the region")
    assert "C1" in text[1]
    assert warnings == []  # C1 lies outside every municipality: no municipality to compare


def test_a_real_wijk_without_a_name_is_named_by_its_code():
    # CBS 2024 leaves the name of Diemen's wijk WK038402 (among others) empty: a site there
    # shows the code, never an empty wijk
    from opvang_opt.io.region_pass import _area_layer

    path = REAL / "duoplus_wijken_2024_rd.geojson"
    if not path.exists():
        pytest.skip(f"real CBS boundaries not available at {path}")
    wijken = gpd.read_file(path)
    assert wijken.loc[wijken.statcode == "WK038402", "statnaam"].isna().all()
    layer = _area_layer(wijken, "statcode", ("statcode",))
    names = dict(zip(layer.codes, layer.names, strict=True))
    assert names["WK038402"] == "WK038402"
    assert names["WK038403"] == "Diemen Zuid"
    site = box(126_000, 483_500, 126_020, 483_520)  # inside WK038402 (Diemen Centrum)
    inside = wijken.loc[wijken.statcode == "WK038402"].geometry.iloc[0]
    assert inside.contains(site)
    code, name, *_ = largest_share(np.array([site]), layer)
    assert (code[0], name[0]) == ("WK038402", "WK038402")

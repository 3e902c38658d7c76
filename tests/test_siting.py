"""Siting on hand-built worlds whose answers are worked out by hand."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from opvang_opt.io import load, load_inputs
from opvang_opt.pipeline import run
from opvang_opt.schema import LinearValue, PiecewiseValue, StepValue, load_scenario
from opvang_opt.siting import criteria as cr
from opvang_opt.siting.mcda import weighted_sum
from opvang_opt.siting.values import apply_value, rank_scores
from opvang_opt.texts import render
from tests.conftest import rel


def test_nearest_distance_from_polygon_edge() -> None:
    sites = np.array([box(0, 0, 100, 100), box(300, 0, 400, 100)])
    pts = np.array([Point(200, 50), Point(50, 50)])
    # site 1 contains point 2 -> 0; site 2 is 100 m from (200, 50)
    assert cr.nearest_distance(sites, pts).tolist() == [0.0, 100.0]
    assert np.isinf(cr.nearest_distance(sites, np.array([]))).all()


def test_count_within_radius() -> None:
    sites = np.array([box(0, 0, 100, 100)])
    pts = np.array([Point(150, 50), Point(50, 240), Point(50, 251), Point(5000, 0)])
    # distances from the square: 50, 140, 151, 4900
    assert cr.count_within(sites, pts, 150).tolist() == [2.0]
    assert cr.count_within(sites, pts, 151).tolist() == [3.0]


def test_overlap_area_counts_overlapping_constraints_once() -> None:
    site = np.array([box(0, 0, 100, 100)])
    # two constraint polygons overlapping each other over x 40-60; union covers x 20-80
    layer = np.array([box(20, -10, 60, 110), box(40, -10, 80, 110)])
    assert cr.overlap_area(site, layer)[0] == pytest.approx(6000.0)
    assert cr.overlap_area(site, np.array([box(500, 500, 600, 600)]))[0] == 0.0


def test_linear_step_piecewise_values() -> None:
    x = np.array([-10.0, 0.0, 250.0, 1000.0, np.inf])
    up = apply_value(LinearValue(lower=0, upper=1000), x)
    assert up.tolist() == [0.0, 0.0, 0.25, 1.0, 1.0]
    down = apply_value(LinearValue(lower=0, upper=1000, direction="lower_is_better"), x)
    assert down.tolist() == [1.0, 1.0, 0.75, 0.0, 0.0]
    step = StepValue(thresholds=(100, 500), values=(1.0, 0.5, 0.0))
    assert apply_value(step, np.array([99, 100, 499, 500, np.inf])).tolist() == [
        1.0, 0.5, 0.5, 0.0, 0.0,
    ]  # fmt: skip
    pw = PiecewiseValue(points=((0, 1.0), (400, 0.8), (1200, 0.0)))
    assert apply_value(pw, np.array([-5, 200, 800, 5000])).tolist() == pytest.approx(
        [1.0, 0.9, 0.4, 0.0]
    )


def test_weighted_sum_and_rank_ties_by_id() -> None:
    values = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    score = weighted_sum(values, np.array([3.0, 1.0]))
    assert score.tolist() == pytest.approx([75.0, 25.0, 50.0])
    ranks = rank_scores(np.array([50.0, 50.0, 10.0]), np.array([True, True, True]),
                        np.array(["b", "a", "c"]))  # fmt: skip
    assert ranks.tolist() == [2, 1, 3]


def test_tiny_world_scores_exclusions_and_shortlist(tiny) -> None:
    result = run(*load(tiny["path"]))
    sites = result.siting.sites.set_index("site_id")
    # station distance and cost values worked out by hand (see the fixture)
    assert sites["ind_station"].tolist() == pytest.approx([100, 100, 400, 800])
    assert sites["val_station"].tolist() == pytest.approx([0.9, 0.9, 0.6, 0.2])
    assert sites["val_cost"].tolist() == pytest.approx([0.8, 0.6, 0.4, 0.2])
    assert sites["score"].tolist() == pytest.approx([260 / 3, 80.0, 160 / 3, 20.0], abs=1e-3)
    assert sites["excluded"].tolist() == [False, True, True, True]
    assert sites["rank"].tolist() == [1, 0, 0, 0]
    assert sites["capacity_units"].tolist() == [30, 30, 30, 60]

    ex = result.siting.exclusions.set_index("site_id")
    assert ex.loc["B", "rule"] == "nature"
    assert ex.loc["B", "measured"] == pytest.approx(5000.0)  # 50 x 100 m in the nature area
    assert "50%" in render(ex.loc["B", "message"], "nl")
    assert ex.loc["C", "rule"] == "hv"
    assert ex.loc["C", "measured"] == pytest.approx(60.0)  # line at x=760, plot edge at 700
    late = (dt.date(2030, 1, 1) - dt.date(2028, 6, 30)).days
    assert ex.loc["D", "rule"] == "date"
    assert ex.loc["D", "measured"] == late
    assert f"{late} dagen te laat" in render(ex.loc["D", "message"], "nl")

    assert result.siting.shortlist["site_id"].tolist() == ["A"]
    assert result.siting.target_met
    assert result.siting.summary.excluded_by_rule == {"nature": 1, "hv": 1, "date": 1}


def test_site_breaking_several_rules_lists_every_rule(tiny, tmp_path) -> None:
    # move site C into the nature area too, and make it late: it then breaks three rules
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    gdf.loc[2, "geometry"] = rel(box(420, 0, 700, 100))
    gdf.loc[2, "available_from"] = "2029-01-01"
    gdf.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    result = run(*load(tiny["path"]))
    row = result.siting.sites.set_index("site_id").loc["C"]
    assert row["excluded_by"] == "nature, hv, date"
    assert row["n_rules_broken"] == 3
    assert len(render(row["exclusion_reasons"], "nl").split("; ")) == 3


def test_exclusions_are_non_compensatory(tiny) -> None:
    # B is excluded although it scores 80, far above the eligible D-like sites
    result = run(*load(tiny["path"]))
    sites = result.siting.sites.set_index("site_id")
    assert sites.loc["B", "score"] > 50
    assert not sites.loc["B", "shortlisted"]


def test_adding_a_dominated_site_changes_no_other_value_or_order(tiny) -> None:
    before = run(*load(tiny["path"])).siting.sites.set_index("site_id")
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    worse = gdf.iloc[[0]].copy()
    worse["site_id"] = "Z"
    worse["cost"] = 4.9e6  # costlier than every site and farther from the station
    worse["geometry"] = [rel(box(-2000, 0, -1900, 100))]
    gdf = gpd.GeoDataFrame(
        __import__("pandas").concat([gdf, worse], ignore_index=True), crs=gdf.crs
    )
    gdf.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    after = run(*load(tiny["path"])).siting.sites.set_index("site_id")
    cols = ["val_station", "val_cost", "score", "rank"]
    assert after.loc[before.index, cols].equals(before[cols])
    assert after.loc["Z", "rank"] == 2


def test_target_not_met_reports_the_shortfall(tiny) -> None:
    from tests.conftest import write_yaml

    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "target": {"amount": 100}}
    path = write_yaml(tiny["dir"] / "short.yaml", raw)
    result = run(*load(path))
    assert not result.siting.target_met
    assert result.siting.summary.capacity_selected == 30
    assert result.siting.summary.shortfall == 70
    stage = next(s for s in result.stages if s.name == "siting")
    assert stage.status == "target_not_met" and "tekort 70" in render(stage.message, "nl")


def test_target_in_places_uses_persons_per_unit(tiny) -> None:
    from tests.conftest import write_yaml

    raw = dict(tiny["raw"])
    raw["siting"] = {
        **raw["siting"],
        "exclusions": [],
        "capacity": {"density_units_per_ha": 30, "persons_per_unit": 2.5},
        "target": {"amount": 100, "unit": "places"},
    }
    result = run(*load(write_yaml(tiny["dir"] / "places.yaml", raw)))
    # A (75 places) then B (75): 150 >= 100
    assert result.siting.shortlist["site_id"].tolist() == ["A", "B"]
    assert result.siting.shortlist["cumulative_capacity_places"].tolist() == [75, 150]


def test_missing_category_is_reported(tiny) -> None:
    from opvang_opt.errors import DataError
    from tests.conftest import write_yaml

    raw = dict(tiny["raw"])
    crit = dict(raw["siting"]["criteria"][0], category="huisarts")
    raw["siting"] = {**raw["siting"], "criteria": [crit]}
    with pytest.raises(DataError) as exc:
        load_inputs(load_scenario(write_yaml(tiny["dir"] / "cat.yaml", raw)))
    assert "category 'huisarts'" in str(exc.value)
    assert "station" in str(exc.value)  # lists the categories present

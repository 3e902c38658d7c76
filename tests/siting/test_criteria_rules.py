"""Criterion indicators worked by hand, one kind at a time (through ``measure``)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from opvang_opt.errors import DataError
from opvang_opt.schema import SitingConfig
from opvang_opt.siting.criteria import (
    NearestDistances,
    count_within,
    intersects_any,
    measure,
    nearest_distance,
    numeric_column,
    overlap_area,
    reception_load,
    select_category,
)
from opvang_opt.texts import render

RD = "EPSG:28992"
LINEAR = {"type": "linear", "lower": 0, "upper": 1}


def criterion(**spec):
    """One criterion from the scenario's own syntax."""
    raw = {"name": "c", "weight": 1, "value": LINEAR, **spec}
    return SitingConfig.model_validate({"criteria": [raw], "target": {"amount": 1}}).criteria[0]


def longlist(geoms, **columns) -> gpd.GeoDataFrame:
    ids = [f"L{i + 1}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"site_id": ids, **columns}, geometry=list(geoms), crs=RD)


# Sites: L1 = 0-100 x 0-100 (1 ha), L2 = 300-400 x 0-50 (0.5 ha)
SITES = longlist([box(0, 0, 100, 100), box(300, 0, 400, 50)], beds=["12", "ja"])
POIS = gpd.GeoDataFrame(
    {"category": ["station", "shop", "shop", None]},
    geometry=[Point(200, 50), Point(150, 50), Point(350, 120), Point(50, 50)],
    crs=RD,
)
ZONE = gpd.GeoDataFrame(geometry=[box(50, -10, 350, 20)], crs=RD)
LAYERS = {"pois": POIS, "zone": ZONE}


def m(**spec) -> list[float]:
    return measure(criterion(**spec), SITES, LAYERS, "site_id", "sites.gpkg").tolist()


def test_distance_to_a_category_ignores_other_categories_and_gaps():
    # the uncategorised point inside L1 does not count as a station
    assert m(kind="distance_to_poi", category="station") == [100.0, 100.0]
    # shops: L1's edge to (150, 50) is 50 m; L2's top edge to (350, 120) is 70 m
    assert m(kind="distance_to_poi", category="shop") == [50.0, 70.0]
    assert m(kind="distance_to_poi", category="hospital") == [np.inf, np.inf]


def test_count_within_includes_the_boundary():
    # shops within 50 m: L1 has (150, 50) at exactly 50 m; L2 has none (70 m)
    assert m(kind="count_within", category="shop", radius_m=50) == [1.0, 0.0]
    assert m(kind="count_within", category="shop", radius_m=70) == [1.0, 1.0]
    assert m(kind="count_within", category="shop", radius_m=49.9) == [0.0, 0.0]


def test_overlap_share_and_plot_area():
    # the zone covers L1 over x 50-100, y 0-20 = 1,000 m2 of 10,000; L2 over x 300-350,
    # y 0-20 = 1,000 m2 of 5,000
    assert m(kind="overlap_share", layer="zone") == pytest.approx([0.1, 0.2])
    assert m(kind="area") == [10_000.0, 5_000.0]


def test_distance_to_layer_is_zero_when_touching():
    line = gpd.GeoDataFrame(geometry=[LineString([(100, 200), (100, 300)])], crs=RD)
    got = measure(criterion(kind="distance_to_layer", layer="line"), SITES, {"line": line},
                  "site_id", "s")  # fmt: skip
    # L1's corner (100, 100) to (100, 200): 100; L2's corner (300, 50) to (100, 200): 250
    assert got.tolist() == pytest.approx([100.0, 250.0])
    touching = gpd.GeoDataFrame(geometry=[LineString([(100, 100), (300, 50)])], crs=RD)
    assert nearest_distance(SITES.geometry.values, touching.geometry.values).tolist() == [0, 0]


def test_attribute_reads_numbers_and_yes_no_words():
    assert m(kind="attribute", column="beds") == [12.0, 1.0]
    words = longlist([box(0, 0, 1, 1)] * 8, v=["ja", "nee", "yes", "no", "True", " false ",
                                                " 2.5 ", "-3"])  # fmt: skip
    assert numeric_column(words, "v", "site_id", "s").tolist() == [1, 0, 1, 0, 1, 0, 2.5, -3]
    flags = longlist([box(0, 0, 1, 1)] * 2, v=pd.array([True, False], dtype="boolean"))
    assert numeric_column(flags, "v", "site_id", "s").tolist() == [1.0, 0.0]


def test_attribute_lists_every_non_number():
    bad = longlist([box(0, 0, 1, 1)] * 4, v=["1", "veel", None, "2,5"])
    with pytest.raises(DataError) as err:
        numeric_column(bad, "v", "site_id", "sites.gpkg")
    where = [render(p.where, "en") for p in err.value.problems]
    assert where == ["id L2 (row 2)", "id L3 (row 3)", "id L4 (row 4)"]
    assert all(p.field == "v" and p.source == "sites.gpkg" for p in err.value.problems)
    assert "'veel'" in err.value.problems[0].text("en")


def test_select_category_and_intersects_any():
    assert len(select_category(POIS, "category", "shop")) == 2
    assert len(select_category(POIS, "category", "none")) == 0
    sites = SITES.geometry.values
    assert intersects_any(sites, ZONE.geometry.values).tolist() == [True, True]
    assert intersects_any(sites, np.array([box(500, 500, 600, 600)])).tolist() == [False, False]
    assert intersects_any(sites, np.array([])).tolist() == [False, False]
    assert count_within(sites, np.array([]), 100.0).tolist() == [0.0, 0.0]
    assert overlap_area(sites, np.array([])).tolist() == [0.0, 0.0]
    # a point or line layer covers no area
    assert overlap_area(
        sites, np.array([Point(50, 50), LineString([(0, 0), (100, 100)])])
    ).tolist() == [0, 0]


def test_nearest_distances_are_shared_per_layer_and_category():
    nd = NearestDistances(SITES.geometry.values, LAYERS)
    first = nd("pois", "category", "shop")
    assert first.tolist() == [50.0, 70.0]
    assert nd("pois", "category", "shop") is first  # computed once
    assert nd("pois").tolist() == [0.0, 70.0]  # every feature, the point inside L1 too


def test_reception_load_takes_the_first_buurt_and_counts_empty_buurten_as_one_person():
    buurten = gpd.GeoDataFrame(
        {"places": [10, 50, 3], "people": [1000, 500, 0]},
        geometry=[box(0, 0, 200, 200), box(0, 0, 200, 200), box(300, 0, 500, 200)],
        crs=RD,
    )
    sites = np.array([box(10, 10, 20, 20), box(310, 10, 320, 20), box(900, 0, 910, 10)])
    # L1 lies in two identical buurten: the first (10 / 1000 * 1000 = 10) counts;
    # L2's buurt has no inhabitants, counted as 1: 3 / 1 * 1000 = 3000;
    # L3 lies outside every buurt: the nearest (the third) counts
    got = reception_load(sites, buurten, "places", "people")
    assert got.tolist() == [10.0, 3000.0, 3000.0]


def test_reception_load_counts_a_buurt_without_a_number_as_no_places():
    # CBS writes "." for a secret value; an empty cell is missing: 0 places, and a
    # missing number of inhabitants counts as 1 (so its load is 0 whatever it is)
    buurten = gpd.GeoDataFrame(
        {"places": [".", None, "6", "4"], "people": ["2000", "1000", ".", None]},
        geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100), box(400, 0, 500, 100),
                  box(600, 0, 700, 100)],
        crs=RD,
    )  # fmt: skip
    sites = np.array([Point(50, 50), Point(250, 50), Point(450, 50), Point(650, 50)])
    got = reception_load(sites, buurten, "places", "people")
    # 0 / 2000, 0 / 1000, 6 / 1 and 4 / 1 per 1000 inhabitants
    assert got.tolist() == [0.0, 0.0, 6000.0, 4000.0]


def test_count_within_one_target():
    # the station (200, 50) is exactly 100 m from both plots (their sides at x = 100, 300)
    sites = SITES.geometry.values
    station = np.array([Point(200, 50)])
    assert count_within(sites, station, 100.0).tolist() == [1.0, 1.0]
    assert count_within(sites, station, 99.0).tolist() == [0.0, 0.0]


def test_intersects_any_looks_at_the_geometry_not_its_bounding_box():
    # the diagonal's bounding box (0-100 x 0-100) holds the first plot, the line does not:
    # at x = 60..100 it runs at y = 60..100, above the plot's 0..30
    diagonal = np.array([LineString([(0, 0), (100, 100)])])
    got = intersects_any(np.array([box(60, 0, 100, 30), box(0, 0, 10, 10)]), diagonal)
    assert got.dtype == bool and got.tolist() == [False, True]


def test_reception_load_uses_the_buurt_shape_and_the_first_of_equally_near_buurten():
    # two triangles splitting a square (same bounding box): (80, 80) lies in the second;
    # (150, 50) outside both squares below is 50 m from both: the first in the file counts
    halves = gpd.GeoDataFrame(
        {"places": [10, 40], "people": [1000, 1000]},
        geometry=[Polygon([(0, 0), (100, 0), (0, 100)]),
                  Polygon([(100, 0), (100, 100), (0, 100)])],
        crs=RD,
    )  # fmt: skip
    got = reception_load(np.array([Point(80, 80), Point(10, 10)]), halves, "places", "people")
    assert got.tolist() == [40.0, 10.0]
    apart = gpd.GeoDataFrame(
        {"places": [10, 40], "people": [1000, 1000]},
        geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100)],
        crs=RD,
    )
    assert reception_load(np.array([Point(150, 50)]), apart, "places", "people").tolist() == [10.0]


def test_measure_reception_load_through_the_scenario():
    # L1 (0-100 x 0-100) lies in the first buurt: 12 places per 3,000 inhabitants = 4 per
    # 1,000; L2 (300-400 x 0-50) in the second: 0 places
    buurten = gpd.GeoDataFrame(
        {"reception_places": [12, 0], "inhabitants": [3000, 500]},
        geometry=[box(-10, -10, 200, 200), box(250, -10, 500, 200)],
        crs=RD,
    )
    got = measure(
        criterion(kind="reception_load", layer="buurten"), SITES, {"buurten": buurten},
        "site_id", "sites.gpkg",
    )  # fmt: skip
    assert got.tolist() == [4.0, 0.0]

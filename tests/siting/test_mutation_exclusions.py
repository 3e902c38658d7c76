"""Exclusion rules: the cases the mutation run of ``siting/exclusions.py`` found untested.

Each test states the expected table or message from the geometry or the input, worked by
hand (docs/mutation.md, fourth session, lists the mutants each one kills).
"""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from opvang_opt.schema import CloserThanRule, IntersectsRule
from opvang_opt.siting.criteria import NearestDistances
from opvang_opt.siting.exclusions import (
    evaluate_exclusions,
    exclusion_rows,
    measure_message,
    parse_dates,
)
from opvang_opt.texts import Message, render

RD = "EPSG:28992"


def longlist(geoms, **columns) -> gpd.GeoDataFrame:
    ids = [f"L{i + 1}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"site_id": ids, **columns}, geometry=list(geoms), crs=RD)


def layers_of(t: pd.DataFrame) -> list[str]:
    """The layer named in each row's message (the features' names in brackets)."""
    return [m.params["layer"] for m in t["message"]]


def evaluate(rules, sites, layers, **kw) -> pd.DataFrame:
    return evaluate_exclusions(tuple(rules), sites, layers, {}, "site_id", "sites.gpkg", **kw)


def test_an_overlap_names_the_first_three_features_by_name_once_each():
    # L1 (0-100 x 0-100) lies in five zones: Delta, Beta, Alfa, Gamma and Beta again (a
    # second polygon of the same name); sorted and without repeats: Alfa, Beta, Delta,
    # Gamma, of which the first three are named. L2 (300-400) lies in "Botshol", in one
    # zone without a name and in one with an empty name: only Botshol is named. The name
    # column is spelled "Naam" (capital): column names are matched without case.
    # "Ver", a diagonal line from (150, -50) to (450, 250), has a bounding box over all of
    # L2 and misses it (at x 300-400 the line runs at y 100-200, above L2's top at y 50).
    sites = longlist([box(0, 0, 100, 100), box(300, 0, 400, 50), box(600, 0, 700, 100)])
    zones = gpd.GeoDataFrame(
        {"Naam": ["Delta", "Beta", "Alfa", "Gamma", "Beta", "Botshol", None, "", "Ver"]},
        geometry=[box(10, 10, 20, 20), box(30, 30, 40, 40), box(50, 50, 60, 60),
                  box(70, 70, 80, 80), box(80, 10, 90, 20), box(310, 10, 320, 20),
                  box(330, 10, 340, 20), box(350, 10, 360, 20),
                  LineString([(150, -50), (450, 250)])],
        crs=RD,
    )  # fmt: skip
    t = evaluate([IntersectsRule(name="z", kind="intersects", layer="zone")], sites,
                 {"zone": zones})  # fmt: skip
    assert t.site_id.tolist() == ["L1", "L2"]
    assert layers_of(t) == ["zone (Alfa, Beta, Delta)", "zone (Botshol)"]
    assert render(t["message"][1], "en") == "intersects 'zone (Botshol)'"  # a line: not polygonal


def test_a_layer_of_one_named_feature_names_it_for_the_one_site_it_excludes():
    # one rail line, 20 m east of L1 (x 10 -> 30), 970 m from L2: within 100 m of L1 only
    sites = longlist([box(0, 0, 10, 10), box(1000, 0, 1100, 100)])
    rail = gpd.GeoDataFrame({"name": ["Spoorlijn"]},
                            geometry=[LineString([(30, -50), (30, 50)])], crs=RD)  # fmt: skip
    rule = CloserThanRule(name="spoor", kind="closer_than", layer="rail", distance_m=100)
    t = evaluate([rule], sites, {"rail": rail})
    assert t[["site_id", "measured"]].values.tolist() == [["L1", 20.0]]
    assert layers_of(t) == ["rail (Spoorlijn)"]


def test_closer_than_names_the_features_within_the_distance_not_those_touching():
    # L1 = 0-10 x 0-10. "Noord" runs 30 m above it (y = 40), "Oost" 50 m east (x = 60):
    # both within 100 m, neither touching its box; "Ver" at x = 500 is 490 m away
    sites = longlist([box(0, 0, 10, 10)])
    lines = gpd.GeoDataFrame(
        {"name": ["Oost", "Noord", "Ver"]},
        geometry=[LineString([(60, 0), (60, 10)]), LineString([(0, 40), (10, 40)]),
                  LineString([(500, 0), (500, 10)])],
        crs=RD,
    )  # fmt: skip
    rule = CloserThanRule(name="r", kind="closer_than", layer="l", distance_m=100)
    t = evaluate([rule], sites, {"l": lines})
    assert t.measured.tolist() == [30.0]
    assert layers_of(t) == ["l (Noord, Oost)"]


def test_each_site_is_named_with_its_own_features():
    sites = longlist([box(0, 0, 10, 10), box(100, 0, 110, 10)])
    zones = gpd.GeoDataFrame(
        {"name": ["West", "Oost"]}, geometry=[box(5, 0, 15, 10), box(105, 0, 115, 10)], crs=RD
    )
    rule = IntersectsRule(name="z", kind="intersects", layer="zone")
    assert layers_of(evaluate([rule], sites, {"zone": zones})) == ["zone (West)", "zone (Oost)"]


def test_distances_and_overlaps_measured_elsewhere_are_used_as_given():
    # The run shares one NearestDistances between criteria and rules, and the screen hands
    # over the overlaps it measured: the rules read those, they do not measure again.
    # Here the shared distances (from a cluster, say) are 20 m and 500 m, and the given
    # overlaps 0 and 2,500 m2, although the layers given are empty.
    sites = longlist([box(0, 0, 100, 100), box(300, 0, 400, 100)])
    empty = gpd.GeoDataFrame(geometry=[], crs=RD)
    nearest = NearestDistances(sites.geometry.values, {"rail": empty})
    nearest.preset({("rail", None, None): np.array([20.0, 500.0])})
    rules = [
        CloserThanRule(name="spoor", kind="closer_than", layer="rail", distance_m=100),
        IntersectsRule(name="natuur", kind="intersects", layer="zone"),
    ]
    zone = gpd.GeoDataFrame(geometry=[box(1000, 1000, 1001, 1001)], crs=RD)  # polygonal
    t = evaluate(rules, sites, {"rail": empty, "zone": zone}, nearest=nearest,
                 overlaps={"natuur": np.array([0.0, 2500.0])})  # fmt: skip
    assert t[["site_id", "rule", "measured"]].values.tolist() == [
        ["L1", "spoor", 20.0],
        ["L2", "natuur", 2500.0],
    ]
    assert t.index.tolist() == [0, 1]  # one table, numbered through
    # 2,500 of L2's 10,000 m2
    assert t["message"][1].params["share"] == 0.25
    table, positions = exclusion_rows(
        tuple(rules), sites, {"rail": empty, "zone": zone}, {}, "site_id", "s",
        nearest=nearest, overlaps={"natuur": np.array([0.0, 2500.0])},
    )  # fmt: skip
    assert table.site_id.tolist() == ["L1", "L2"] and positions.tolist() == [0, 1]


def test_parsed_dates_keep_the_longlist_index():
    # a longlist filtered to its rows 10 and 11: the dates line up with those rows
    sites = pd.DataFrame({"id": ["a", "b"], "d": ["2026-06-10", "10-06-2027"]}, index=[10, 11])
    got = parse_dates(sites, "d", "id", "s")
    assert got.index.tolist() == [10, 11]
    assert [d.isoformat() for d in got] == ["2026-06-10", "2027-06-10"]


def test_a_measure_without_a_unit_is_a_plain_number():
    assert measure_message(23.14) == Message("siting.measure_plain", {"value": 23.14})
    assert render(measure_message(23.14), "nl") == "23,1"


def test_a_point_or_line_site_in_a_polygon_layer_is_out():
    # P1 lies inside the 10 x 10 zone, L3 is a line crossing it, P2 lies 40 m outside;
    # B4, a plot sharing only the zone's edge x = 10, overlaps by 0 m2 and stays in. A
    # point covers no area, so it cannot overlap by more than the tolerance: lying in the
    # zone is enough (it was never excluded before).
    sites = longlist([Point(5, 5), Point(50, 50), LineString([(8, 20), (8, 5)]),
                      box(10, 0, 20, 10)])  # fmt: skip
    zone = gpd.GeoDataFrame({"name": ["Botshol"]}, geometry=[box(0, 0, 10, 10)], crs=RD)
    for tolerance in (0.0, 5.0):
        rule = IntersectsRule(name="n", kind="intersects", layer="z", min_overlap_m2=tolerance)
        t = evaluate([rule], sites, {"z": zone})
        assert t[["site_id", "measured"]].values.tolist() == [["L1", 0.0], ["L3", 0.0]]
        assert [render(m, "nl") for m in t["message"]] == ["snijdt 'z (Botshol)'"] * 2


def test_intersections_given_for_a_line_layer_are_used_as_given():
    # 0/1 per site for a layer that is not polygonal (here empty): L2 crosses it
    sites = longlist([box(0, 0, 10, 10), box(100, 0, 110, 10)])
    empty = gpd.GeoDataFrame(geometry=[], crs=RD)
    rule = IntersectsRule(name="hv", kind="intersects", layer="hv")
    t = evaluate([rule], sites, {"hv": empty}, overlaps={"hv": np.array([0.0, 1.0])})
    assert t[["site_id", "measured", "unit"]].values.tolist() == [["L2", 1.0, ""]]


def test_row_messages_hash_print_and_pickle_as_the_plain_message():
    sites = longlist([box(0, 0, 10, 10)])
    zone = gpd.GeoDataFrame(geometry=[box(5, 0, 15, 10)], crs=RD)
    rule = IntersectsRule(name="z", kind="intersects", layer="zone")
    row = evaluate([rule], sites, {"zone": zone})["message"][0]
    # half of the 100 m2 plot
    plain = Message("siting.exclusion.overlaps", {"layer": "zone", "area": 50.0, "share": 0.5})
    assert row == plain and hash(row) == hash(plain) and repr(row) == repr(plain)
    back = pickle.loads(pickle.dumps(row))
    assert type(back) is Message and back == plain

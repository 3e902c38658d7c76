"""Exclusion rules, worked by hand: what each row of the exclusions table says.

A user reads the exclusions table (and the map popups built from it) to see which rule
put a site out and by how much: the measured value, the limit, its unit and a sentence.
The geometry below is chosen so every figure can be worked out on paper.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from opvang_opt.errors import DataError
from opvang_opt.schema import AvailableByRule, CloserThanRule, IntersectsRule, LimitRule
from opvang_opt.siting.exclusions import EXCLUSION_COLUMNS, evaluate_exclusions, parse_dates
from opvang_opt.texts import render

RD = "EPSG:28992"


def longlist(geoms, **columns) -> gpd.GeoDataFrame:
    ids = [f"L{i + 1}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"site_id": ids, **columns}, geometry=list(geoms), crs=RD)


def table(rules, sites, layers=None, indicators=None, units=None):
    """The exclusion table with its messages rendered in Dutch (the default language)."""
    out = evaluate_exclusions(
        tuple(rules), sites, layers or {}, indicators or {}, "site_id", "sites.gpkg", units=units
    )
    out["message"] = [render(m, "nl") for m in out["message"]]
    return out


def test_overlap_with_a_polygon_layer_reports_area_and_share():
    # L1: 100 x 100 m; the zone covers x 20-60 and x 40-100 (overlapping): union x 20-100,
    # so 80 x 100 = 8,000 m2 (80%) and not 4,000 + 6,000. L2 lies outside.
    sites = longlist([box(0, 0, 100, 100), box(500, 0, 600, 100)])
    zone = gpd.GeoDataFrame(geometry=[box(20, -10, 60, 110), box(40, -10, 100, 110)], crs=RD)
    rule = IntersectsRule(name="natuur", kind="intersects", layer="zone", label="Natuur")
    t = table([rule], sites, {"zone": zone})
    assert list(t.columns) == EXCLUSION_COLUMNS
    assert t[["site_id", "rule", "label", "measured", "limit", "unit"]].values.tolist() == [
        ["L1", "natuur", "Natuur", 8000.0, 0.0, "m2"]
    ]
    assert "8.000 m²" in t.message[0] and "80%" in t.message[0] and "'zone'" in t.message[0]


def test_overlap_tolerance_keeps_a_small_overlap_in():
    # L1 is covered over 10 x 100 = 1,000 m2; L2 over 10 x 100 + 1 x 100 = 1,100 m2
    sites = longlist([box(0, 0, 100, 100), box(200, 0, 300, 100)])
    zone = gpd.GeoDataFrame(geometry=[box(90, 0, 110, 100), box(289, 0, 310, 100)], crs=RD)
    rule = IntersectsRule(name="z", kind="intersects", layer="zone", min_overlap_m2=1000)
    t = table([rule], sites, {"zone": zone})
    assert t[["site_id", "measured", "limit"]].values.tolist() == [["L2", 1100.0, 1000.0]]


def test_crossing_a_line_layer_is_reported_without_an_area():
    sites = longlist([box(0, 0, 100, 100), box(200, 0, 300, 100)])
    line = gpd.GeoDataFrame(geometry=[LineString([(50, -50), (50, 150)])], crs=RD)
    t = table([IntersectsRule(name="hv", kind="intersects", layer="hv")], sites, {"hv": line})
    assert t[["site_id", "measured", "unit"]].values.tolist() == [["L1", 1.0, ""]]
    assert t.label[0] == "hv"  # no label: the rule's name
    assert "'hv'" in t.message[0]


def test_closer_than_reports_the_distance_and_the_minimum():
    # the line x = 760; L1's edge at x 700 is 60 m away, L2's at x 900 is 140 m away
    sites = longlist([box(600, 0, 700, 100), box(900, 0, 1000, 100)])
    line = gpd.GeoDataFrame(geometry=[LineString([(760, -500), (760, 500)])], crs=RD)
    rule = CloserThanRule(name="hv", kind="closer_than", layer="hv", distance_m=120)
    t = table([rule], sites, {"hv": line})
    assert t[["site_id", "measured", "limit", "unit"]].values.tolist() == [["L1", 60.0, 120.0, "m"]]
    assert "60 m" in t.message[0] and "120 m" in t.message[0]


def test_closer_than_a_site_exactly_at_the_minimum_stays_in():
    sites = longlist([box(0, 0, 10, 10)])
    pois = gpd.GeoDataFrame({"category": ["station"]}, geometry=[Point(110, 5)], crs=RD)
    at = CloserThanRule(name="r", kind="closer_than", layer="p", distance_m=100)
    assert table([at], sites, {"p": pois}).empty
    just = at.model_copy(update={"distance_m": 100.001})
    assert table([just], sites, {"p": pois}).site_id.tolist() == ["L1"]


def test_limits_on_a_column_and_on_a_criterion():
    sites = longlist([box(i * 10, 0, i * 10 + 5, 5) for i in range(3)], rating=[2, 5, 8])
    below = LimitRule(name="laag", kind="below", column="rating", limit=5)
    above = LimitRule(name="hoog", kind="above", criterion="afstand", limit=1500)
    dist = {"afstand": np.array([1500.0, 1877.4, 23.14])}
    t = table([below, above], sites, indicators=dist, units={"afstand": "m"})
    assert t[["site_id", "rule", "measured", "limit", "unit"]].values.tolist() == [
        ["L1", "laag", 2.0, 5.0, ""],  # 2 < 5; 5 is not below 5
        ["L2", "hoog", 1877.4, 1500.0, "m"],  # 1500 is not above 1500
    ]
    assert t.message.tolist() == [
        "rating = 2, lager dan 5",
        "afstand = 1.877 m, hoger dan 1.500 m",
    ]


def test_small_measures_keep_a_decimal_comma_and_no_units_means_no_unit():
    sites = longlist([box(0, 0, 5, 5), box(10, 0, 15, 5)])
    rule = LimitRule(name="dichtbij", kind="below", criterion="afstand", limit=99.5)
    t = table([rule], sites, indicators={"afstand": np.array([23.14, 0.125])})
    assert t.unit.tolist() == ["", ""]  # no unit known for the criterion
    assert t.message.tolist() == [
        "afstand = 23,1, lager dan 99,5",
        "afstand = 0,125, lager dan 99,5",
    ]


def test_any_overlap_excludes_even_below_one_square_metre():
    # L1 is covered over 0.5 x 1 m; L2, a 1 x 0.5 m plot, is covered entirely
    sites = longlist([box(0, 0, 10, 10), box(100, 0, 101, 0.5)])
    zone = gpd.GeoDataFrame(geometry=[box(9.5, 0, 20, 1), box(99, -1, 102, 2)], crs=RD)
    t = table([IntersectsRule(name="z", kind="intersects", layer="zone")], sites, {"zone": zone})
    assert t[["site_id", "measured"]].values.tolist() == [["L1", 0.5], ["L2", 0.5]]
    assert "(0% van het terrein)" in t.message[0]  # 0.5 of 100 m2 rounds to 0%
    assert "(100% van het terrein)" in t.message[1]


def test_a_column_limit_names_the_row_of_a_non_number():
    sites = longlist([box(0, 0, 5, 5), box(10, 0, 15, 5)], v=["3", "veel"])
    rule = LimitRule(name="r", kind="below", column="v", limit=5)
    with pytest.raises(DataError) as err:
        table([rule], sites)
    (problem,) = err.value.problems
    assert (render(problem.where, "en"), problem.source, problem.field) == (
        "id L2 (row 2)",
        "sites.gpkg",
        "v",
    )


def test_limit_on_a_share_criterion_is_shown_as_a_percentage():
    sites = longlist([box(0, 0, 5, 5)])
    rule = LimitRule(name="groen", kind="above", criterion="groen", limit=0.5)
    t = table([rule], sites, indicators={"groen": np.array([0.912])},
              units={"groen": "share"})  # fmt: skip
    assert t.measured.tolist() == [0.912]
    assert "91%" in t.message[0] and "50%" in t.message[0]


def test_available_by_counts_the_days_too_late():
    # L1 ready on the date itself (in), L2 ten days later, L3 in Dutch day-first form
    sites = longlist(
        [box(i * 10, 0, i * 10 + 5, 5) for i in range(3)],
        available_from=["2028-06-30", "2028-07-10", "01-01-2030"],
    )
    rule = AvailableByRule(name="datum", kind="available_by", date=dt.date(2028, 6, 30))
    t = table([rule], sites)
    # 2028-06-30 to 2030-01-01: 1 day + 184 days (July-December) + 365 (2029) = 550
    assert t[["site_id", "measured", "limit"]].values.tolist() == [
        ["L2", 10.0, 0.0],
        ["L3", 550.0, 0.0],
    ]
    assert t.unit.tolist() == ["days_late"] * 2  # a unit code; "dagen te laat" in Dutch outputs
    assert t.message[0] == "beschikbaar vanaf 10 juli 2028, na 30 juni 2028 (10 dagen te laat)"


def test_available_by_one_day_late_is_out_and_bad_dates_name_their_row():
    sites = longlist([box(0, 0, 5, 5), box(10, 0, 15, 5)],
                     available_from=["2028-07-01", "2028-06-29"])  # fmt: skip
    rule = AvailableByRule(name="datum", kind="available_by", date=dt.date(2028, 6, 30))
    assert table([rule], sites)[["site_id", "measured"]].values.tolist() == [["L1", 1.0]]
    bad = sites.assign(available_from=["2028-07-01", "zomer"])
    with pytest.raises(DataError) as err:
        table([rule], bad)
    (problem,) = err.value.problems
    assert (render(problem.where, "en"), problem.source) == ("id L2 (row 2)", "sites.gpkg")


def test_measured_values_are_rounded_to_a_millimetre():
    sites = longlist([box(0, 0, 5, 5)])
    rule = LimitRule(name="r", kind="below", criterion="c", limit=100)
    t = table([rule], sites, indicators={"c": np.array([23.12345])})
    assert t.measured.tolist() == [23.123]


def test_every_broken_rule_gets_its_own_row_in_rule_order():
    sites = longlist([box(0, 0, 10, 10), box(100, 0, 110, 10)], v=[1, 9])
    rules = [
        LimitRule(name="b", kind="above", column="v", limit=0),
        LimitRule(name="a", kind="below", column="v", limit=5),
    ]
    t = table(rules, sites)
    assert list(zip(t.site_id, t.rule, strict=True)) == [("L1", "b"), ("L2", "b"), ("L1", "a")]
    assert table([], sites).columns.tolist() == EXCLUSION_COLUMNS


def test_unreadable_and_missing_dates_are_all_reported_at_once():
    sites = longlist(
        [box(i * 10, 0, i * 10 + 5, 5) for i in range(4)],
        available_from=["2028-06-30", "medio 2028", None, "31-06-2028"],
    )
    with pytest.raises(DataError) as err:
        parse_dates(sites, "available_from", "site_id", "sites.gpkg")
    problems = err.value.problems
    assert len(problems) == 3
    where = sorted(render(p.where, "en") for p in problems)
    assert where == ["id L2 (row 2)", "id L3 (row 3)", "id L4 (row 4)"]
    assert all(p.field == "available_from" and p.source == "sites.gpkg" for p in problems)
    assert [p.text("en") for p in problems if render(p.where, "en") == "id L3 (row 3)"] == [
        "missing date"
    ]
    assert any("medio 2028" in p.text("en") for p in problems)


def test_dates_in_either_accepted_form_parse_to_the_same_day():
    sites = longlist(
        [box(i * 10, 0, i * 10 + 5, 5) for i in range(3)],
        available_from=["2026-06-10", "10-06-2026", "10/6/2026"],
    )
    got = parse_dates(sites, "available_from", "site_id", "sites.gpkg")
    assert list(got) == [dt.date(2026, 6, 10)] * 3


def test_a_limit_on_nothing_found_says_so():
    # no station at all: the distance is infinite, above any maximum, and reads "geen"
    sites = longlist([box(0, 0, 5, 5)])
    rule = LimitRule(name="ver", kind="above", criterion="station", limit=1500)
    t = table([rule], sites, indicators={"station": np.array([np.inf])},
              units={"station": "m"})  # fmt: skip
    assert t.site_id.tolist() == ["L1"]
    assert t.message[0] == "station = geen, hoger dan 1.500 m"

"""The stage's table work at scale (issue 17), worked by hand.

The screen of a million plots builds its tables per column instead of per row: overlaps
found from bounding boxes and a relate test, overlap texts joined over sorted lists,
exclusion messages made from shared columns when read, dates parsed once per distinct
value, the broken rules of a site named once per combination. Each test below states the
expected table from the geometry or the input, not from the code.
"""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from opvang_opt.errors import DataError
from opvang_opt.schema import AvailableByRule, CloserThanRule, IntersectsRule, LimitRule
from opvang_opt.siting.exclusions import RowMessage, evaluate_exclusions, parse_dates
from opvang_opt.siting.location import overlap_texts, overlapping_pairs
from opvang_opt.siting.stage import site_reasons
from opvang_opt.texts import Message, render

RD = "EPSG:28992"


def test_tiling_neighbours_are_not_pairs_but_overlaps_are():
    # a 3 x 1 row of 100 m cells (A B C) that only share edges, plus D over half of B and
    # a corner of C: D-B 50 x 100 = 5,000 m2, D-C 20 x 100 = 2,000 m2; A touches D's edge
    cells = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)]
    geoms = np.array([*cells, box(150, 0, 220, 100)])
    pairs = overlapping_pairs(geoms, np.array(["A", "B", "C", "D"]), workers=2)
    assert pairs[["site_a", "site_b", "overlap_m2"]].values.tolist() == [
        ["B", "D", 5000.0],
        ["C", "D", 2000.0],
    ]


def test_overlap_below_the_minimum_is_not_a_pair():
    # 0.5 x 1 m = 0.5 m2 of digitising noise (below 1 m2); 1 x 2 m = 2 m2 is reported
    geoms = np.array([box(0, 0, 10, 10), box(9.5, 0, 20, 1), box(40, 0, 50, 10),
                      box(49, 0, 60, 2)])  # fmt: skip
    pairs = overlapping_pairs(geoms, np.array(["A", "B", "C", "D"]), workers=1)
    assert pairs[["site_a", "site_b", "overlap_m2"]].values.tolist() == [["C", "D", 2.0]]


def test_a_plot_inside_another_overlaps_by_its_own_area():
    geoms = np.array([box(0, 0, 100, 100), box(10, 10, 30, 40), Polygon()])
    pairs = overlapping_pairs(geoms, np.array(["A", "B", "E"]))
    assert pairs[["i", "j", "overlap_m2"]].values.tolist() == [[0, 1, 600.0]]


def test_overlap_texts_list_the_others_in_position_order_with_dutch_thousands():
    pairs = pd.DataFrame(
        {"i": [0, 1, 0], "j": [2, 2, 1], "site_a": ["A", "B", "A"], "site_b": ["C", "C", "B"],
         "overlap_m2": [1234.4, 12.5, 2500000.0]}
    )  # fmt: skip
    text = overlap_texts(4, pairs)
    # C: A then B (positions 0, 1); 12.5 rounds half to even (12), as Python formats it
    assert text.tolist() == [
        "B (2.500.000 m²); C (1.234 m²)",
        "A (2.500.000 m²); C (12 m²)",
        "A (1.234 m²); B (12 m²)",
        "",
    ]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(1, 12), st.integers(1, 12)),
        min_size=0, max_size=25,
    )
)  # fmt: skip
def test_overlapping_pairs_equal_the_pairwise_definition(rects):
    # brute force over every pair with shapely's own intersection: the same pairs and areas
    geoms = np.array([box(x, y, x + w, y + h) for x, y, w, h in rects], dtype=object)
    ids = np.array([f"S{k}" for k in range(len(geoms))])
    expected = []
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            area = geoms[i].intersection(geoms[j]).area
            if area >= 1.0:
                expected.append([i, j, round(area, 1)])
    got = overlapping_pairs(geoms, ids, workers=2)
    assert got[["i", "j", "overlap_m2"]].values.tolist() == expected


def test_row_messages_render_compare_and_pickle_as_plain_messages():
    values = np.array([12.5, 3400.0])

    def make(k: int) -> Message:
        params = {"layer": "spoor", "distance": float(values[k]), "limit": 100.0}
        return Message("siting.exclusion.closer_than", params)

    rows = RowMessage.column(make, 2)
    plain = Message("siting.exclusion.closer_than",
                    {"layer": "spoor", "distance": 3400.0, "limit": 100.0})  # fmt: skip
    assert rows[1] == plain and plain == rows[1] and hash(rows[1]) == hash(plain)
    assert rows[0] != plain
    assert render(rows[1], "nl") == render(plain, "nl")
    assert render(tuple(rows), "en") == f"{render(make(0), 'en')}; {plain.render('en')}"
    back = pickle.loads(pickle.dumps(rows[1]))
    assert type(back) is Message and back == plain


def test_exclusion_messages_are_the_sentences_of_each_rule():
    sites = gpd.GeoDataFrame(
        {"site_id": ["L1", "L2"], "opp": [10.0, 500.0], "vanaf": ["2029-01-02", "2026-01-01"]},
        geometry=[box(0, 0, 10, 10), box(1000, 0, 1100, 100)], crs=RD,
    )  # fmt: skip
    rail = gpd.GeoDataFrame({"name": ["Spoorlijn"]}, geometry=[box(30, -50, 31, 50)], crs=RD)
    rules = (
        CloserThanRule(name="spoor", kind="closer_than", layer="rail", distance_m=100),
        LimitRule(name="klein", kind="below", column="opp", limit=100),
        AvailableByRule(name="datum", kind="available_by", column="vanaf", date="2028-12-31"),
        IntersectsRule(name="op_spoor", kind="intersects", layer="rail"),
    )
    t = evaluate_exclusions(rules, sites, {"rail": rail}, {}, "site_id", "sites.csv")
    # L1 lies 20 m from the rail (x 10 -> 30), is 10 (< 100) and comes 2 days late
    assert t[["site_id", "rule", "measured"]].values.tolist() == [
        ["L1", "spoor", 20.0], ["L1", "klein", 10.0], ["L1", "datum", 2.0],
    ]  # fmt: skip
    nl = [render(m, "nl") for m in t["message"]]
    assert "rail (Spoorlijn)" in nl[0] and "20" in nl[0] and "100" in nl[0]
    assert "10" in nl[1] and "100" in nl[1]
    assert "2 januari 2029" in nl[2] and "2 dagen te laat" in nl[2]  # a Dutch date


def test_dates_parsed_once_per_value_keep_every_problem_in_row_order():
    sites = pd.DataFrame(
        {"id": ["a", "b", "c", "d", "e"],
         "d": ["2026-06-01", "x", None, "x", "31-06-2026"]}
    )  # fmt: skip
    with pytest.raises(DataError) as err:
        parse_dates(sites, "d", "id", "f.csv")
    where = [render(p.where, "en") for p in err.value.problems]
    assert where == ["id b (row 2)", "id d (row 4)", "id e (row 5)", "id c (row 3)"]
    ok = parse_dates(sites.iloc[[0]], "d", "id", "f.csv")
    assert ok.tolist() == [pd.Timestamp("2026-06-01").date()]


def test_site_reasons_join_rules_in_rule_order_and_keep_messages_per_site():
    ids = np.array(["A", "B", "C"])
    m = [Message("common.yes"), Message("common.no"), Message("common.none")]
    # rows rule by rule: r1 breaks C, r2 breaks A and C
    excl = pd.DataFrame({"site_id": ["C", "A", "C"], "rule": ["r1", "r2", "r2"], "message": m})
    reasons, rules = site_reasons(ids, excl, np.array([2, 0, 2]), ["r1", "r2"])
    assert rules.tolist() == ["r2", "", "r1, r2"]
    assert reasons.tolist() == [(m[1],), (), (m[0], m[2])]

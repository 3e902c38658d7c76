"""Criteria helpers: the cases the mutation run of ``siting/criteria.py`` found untested.

``select_category``, ``numeric_column`` and the shared ``NearestDistances``; each expected
value is worked by hand from the geometry or the input (docs/mutation.md, fourth session,
lists the mutants each test kills).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from opvang_opt.errors import DataError
from opvang_opt.siting.criteria import NearestDistances, numeric_column, select_category
from opvang_opt.texts import render

RD = "EPSG:28992"

# L1 = 0-100 x 0-100, L2 = 300-400 x 0-50
SITES = np.array([box(0, 0, 100, 100), box(300, 0, 400, 50)])
# shops (code 1) at (150, 50) and (350, 120); a station (code 2) at (200, 50); a point
# of code 3 without a kind inside L1
POIS = gpd.GeoDataFrame(
    {"code": [1, 2, 1, 3], "kind": ["shop", "station", "shop", None]},
    geometry=[Point(150, 50), Point(200, 50), Point(350, 120), Point(50, 50)],
    crs=RD,
)


def longlist(**columns) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    ids = [f"L{i + 1}" for i in range(n)]
    return gpd.GeoDataFrame({"site_id": ids, **columns}, geometry=[box(0, 0, 1, 1)] * n, crs=RD)


def test_a_category_is_matched_as_text_in_a_column_of_numbers():
    # CBS-style numeric codes: the category "1" (text, as the scenario gives it) is code 1
    got = select_category(POIS, "code", "1")
    assert [(p.x, p.y) for p in got] == [(150.0, 50.0), (350.0, 120.0)]
    assert [(p.x, p.y) for p in select_category(POIS, "kind", "station")] == [(200.0, 50.0)]


def test_numbers_and_booleans_are_read_as_floats():
    ints = numeric_column(longlist(v=[3, 7]), "v", "site_id", "s")
    assert ints.dtype == np.float64 and ints.tolist() == [3.0, 7.0]
    flags = numeric_column(longlist(v=[True, False, True]), "v", "site_id", "s")
    assert flags.dtype == np.float64 and flags.tolist() == [1.0, 0.0, 1.0]
    words = numeric_column(longlist(v=["JA", "Nee", "4"]), "v", "site_id", "s")
    assert words.dtype == np.float64 and words.tolist() == [1.0, 0.0, 4.0]


@pytest.mark.parametrize(
    "values",
    [
        [1.5, np.nan, 2.0],  # float64 with a gap
        pd.array([1, None, 2], dtype="Int64"),
        pd.array([True, None, False], dtype="boolean"),  # was read as NaN, not a problem
    ],
    ids=["float", "Int64", "boolean"],
)
def test_a_gap_in_a_number_or_boolean_column_is_a_problem(values):
    with pytest.raises(DataError) as err:
        numeric_column(longlist(v=values), "v", "site_id", "sites.gpkg")
    (problem,) = err.value.problems
    assert (render(problem.where, "en"), problem.source, problem.field) == (
        "id L2 (row 2)",
        "sites.gpkg",
        "v",
    )


def test_distances_given_are_kept_and_only_the_others_are_computed():
    # a cluster answered the shops (its figures, 5 and 6 m, are taken as given); prefetch
    # computes only the station: L1's edge x = 100 to (200, 50) is 100 m, L2's edge
    # x = 300 also 100 m
    nd = NearestDistances(SITES, {"pois": POIS}, workers=4)
    given = np.array([5.0, 6.0])
    nd.preset({("pois", "kind", "shop"): given})
    nd.prefetch([("pois", "kind", "shop"), ("pois", "kind", "station"),
                 ("pois", "kind", "station")])  # fmt: skip
    assert nd("pois", "kind", "shop") is given
    assert nd("pois", "kind", "station").tolist() == [100.0, 100.0]


def test_prefetch_on_several_threads_gives_every_query_its_own_answer():
    # shops: L1 to (150, 50) 50 m, L2's top y = 50 to (350, 120) 70 m; station 100 m both;
    # every feature: the point without a kind lies inside L1 (0), L2 as for the shops (70)
    for workers in (1, 2, 3, 8):
        nd = NearestDistances(SITES, {"pois": POIS}, workers=workers)
        keys = [("pois", "kind", "shop"), ("pois", "kind", "station"), ("pois", None, None)]
        nd.prefetch(keys)
        assert [nd(*k).tolist() for k in keys] == [[50.0, 70.0], [100.0, 100.0], [0.0, 70.0]]


def test_a_category_column_without_a_category_means_every_feature():
    nd = NearestDistances(SITES, {"pois": POIS})
    assert nd("pois", "kind", None).tolist() == [0.0, 70.0]
    assert nd("pois", None, "shop").tolist() == [0.0, 70.0]  # no column: no selection


def test_no_feature_of_a_category_is_infinitely_far():
    nd = NearestDistances(SITES, {"pois": POIS})
    assert nd("pois", "kind", "hospital").tolist() == [np.inf, np.inf]


def test_prefetch_answers_before_the_first_call():
    # the prefetched answers are kept: removing the layer afterwards changes nothing
    layers = {"pois": POIS}
    nd = NearestDistances(SITES, layers, workers=2)
    nd.prefetch([("pois", "kind", "shop"), ("pois", None, None)])
    layers["pois"] = POIS.iloc[:0]
    assert nd("pois", "kind", "shop").tolist() == [50.0, 70.0]
    assert nd("pois").tolist() == [0.0, 70.0]
    assert nd("pois", "kind", "station").tolist() == [np.inf, np.inf]  # asked only now


def test_a_code_column_with_a_gap_is_matched_as_its_integers():
    # a code column with an empty cell is read as floats (1.0, NaN, 2.0, 1.0): the category
    # "1" still names the two shops, not nothing (the text of 1.0 is "1.0")
    gap = POIS.assign(code=[1.0, 2.0, 1.0, np.nan])
    assert gap["code"].dtype == np.float64
    got = select_category(gap, "code", "1")
    assert [(p.x, p.y) for p in got] == [(150.0, 50.0), (350.0, 120.0)]
    # real fractions stay as they are written
    frac = POIS.assign(code=[1.5, 2.0, 1.0, np.nan])
    assert [(p.x, p.y) for p in select_category(frac, "code", "1.5")] == [(150.0, 50.0)]
    assert [(p.x, p.y) for p in select_category(frac, "code", "1.0")] == [(350.0, 120.0)]


def test_the_input_check_finds_a_code_of_a_column_with_a_gap(tiny):
    from opvang_opt.io import load
    from tests.conftest import write_yaml

    pois = gpd.read_file(tiny["dir"] / "data" / "pois.gpkg")
    pois["code"] = [7.0, np.nan] + [8.0] * (len(pois) - 2)
    pois.to_file(tiny["dir"] / "data" / "pois.gpkg", layer="pois", driver="GPKG")
    raw = tiny["raw"]
    raw["siting"]["criteria"][0].update(category="7", category_column="code")
    write_yaml(tiny["path"], raw)
    _, inputs = load(tiny["path"])  # no DataError: "7" is the first point's code
    assert len(select_category(inputs.layers["pois"], "code", "7")) == 1

"""A CSV layer whose numbers are written with a thousands point (issue 11: never guess an
ambiguous number format).

``658.000`` in a CSV with a decimal point reads as 658, but a Dutch export means 658,000
by it: a cost column written so made a 658,000-euro site cost 658 euros in the budget.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opvang_opt.errors import DataError
from opvang_opt.io.layers import read_layer
from opvang_opt.schema import LayerSource
from opvang_opt.texts import render


def _layer(tmp_path, costs, **declared):
    rows = [f"S{i},{125000 + 100 * i},{484000 + 100 * i},{c}" for i, c in enumerate(costs, 1)]
    p = tmp_path / "sites.csv"
    sep = declared.get("separator", ",")
    text = "\n".join(["site_id,x,y,kosten", *rows]) + "\n"
    p.write_text(text.replace(",", sep) if sep != "," else text, encoding="utf-8")
    src = LayerSource(path=p, id_column="site_id", x_column="x", y_column="y",
                      crs="EPSG:28992", **declared)  # fmt: skip
    return src


def test_thousands_points_are_refused_naming_row_column_and_both_readings(tmp_path):
    src = _layer(tmp_path, ["658000", "658.000", "1.551.000"])
    with pytest.raises(DataError) as err:
        read_layer(src, "longlist", ["kosten"])
    (p,) = err.value.problems
    assert p.source.endswith("sites.csv") and p.field == "kosten"
    assert render(p.where, "en") == "id S2 (row 2)"  # the first value written with a point
    text = p.text("en")
    assert "'658.000'" in text and "658 with a decimal point" in text
    assert "658000 with a thousands point" in text and 'decimal: ","' in text
    nl = p.text("nl")
    assert "duizendtalpunt" in nl and "658000" in nl


def test_a_decimal_value_shows_the_point_is_decimal(tmp_path):
    # 2.5 and 1234.75 can only be read with a decimal point: so is 658.000 (658.0)
    src = _layer(tmp_path, ["658.000", "2.5", "1234.75"])
    gdf, _ = read_layer(src, "longlist", ["kosten"])
    assert gdf["kosten"].tolist() == [658.0, 2.5, 1234.75]


def test_declared_decimal_comma_reads_thousands(tmp_path):
    src = _layer(tmp_path, ["658.000", "1.551.000", "12"], separator=";", decimal=",")
    gdf, _ = read_layer(src, "longlist", ["kosten"])
    assert gdf["kosten"].tolist() == [658000.0, 1551000.0, 12.0]


def test_coordinates_with_three_decimals_are_not_taken_for_thousands(tmp_path):
    p = tmp_path / "pois.csv"
    p.write_text("poi_id,lon,lat\nP1,4.950,52.345\nP2,4.962,52.331\n", encoding="utf-8")
    src = LayerSource(path=p, id_column="poi_id", x_column="lon", y_column="lat",
                      crs="EPSG:4326")  # fmt: skip
    gdf, _ = read_layer(src, "pois")
    assert len(gdf) == 2


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=8))
def test_whole_numbers_without_points_read_exactly(values):
    # property: plain whole numbers are never refused and never changed
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        src = _layer(Path(d), [str(v) for v in values])
        gdf, _ = read_layer(src, "longlist", ["kosten"])
        assert gdf["kosten"].tolist() == values


@given(st.lists(st.integers(1000, 10**9), min_size=1, max_size=8))
def test_every_column_of_dutch_thousands_is_refused(values):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        src = _layer(Path(d), [f"{v:,}".replace(",", ".") for v in values])
        with pytest.raises(DataError):
            read_layer(src, "longlist", ["kosten"])


def test_a_geopackage_text_field_of_thousands_is_refused_by_the_cost_rule(tmp_path):
    # a GeoPackage whose cost field is text (an Excel sheet joined in QGIS): '658.000' is
    # 658 or 658,000; the column is read by numeric_column (budget, attribute criteria)
    import geopandas as gpd
    import shapely

    from opvang_opt.siting.criteria import numeric_column
    from opvang_opt.texts import render

    gdf = gpd.GeoDataFrame(
        {"site_id": ["S1", "S2", "S3"], "kosten": ["658.000", "1.551.000", "12"]},
        geometry=[shapely.box(0, 0, 10, 10)] * 3,
        crs="EPSG:28992",
    )
    with pytest.raises(DataError) as err:
        numeric_column(gdf, "kosten", "site_id", "sites.gpkg")
    got = {(render(p.where, "en"), p.text("en").split(" ")[0]) for p in err.value.problems}
    assert got == {("id S1 (row 1)", "'658.000'"), ("id S2 (row 2)", "'1.551.000'")}
    assert "658 with a decimal point" in err.value.problems[0].text("en")
    # a decimal value shows the point is decimal: read as numbers
    gdf["kosten"] = ["658.000", "2.5", "12"]
    assert numeric_column(gdf, "kosten", "site_id", "sites.gpkg").tolist() == [658.0, 2.5, 12.0]

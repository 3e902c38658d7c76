"""Reading layers from every supported format, reprojection and validation."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box

from opvang_opt.errors import DataError
from opvang_opt.io.layers import read_layer, read_table
from opvang_opt.schema import LayerSource
from opvang_opt.texts import render
from tests.conftest import at_origin

# Amersfoort, the origin of RD New: its WGS84 position maps to (155000, 463000).
AMERSFOORT_WGS84 = (5.38720621, 52.15517440)


def _gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["a", "b"], "cost": [1.0, 2.0]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)],
        crs="EPSG:28992",
    ).pipe(at_origin)


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [
        (".gpkg", "GPKG"),
        (".geojson", "GeoJSON"),
        (".shp", "ESRI Shapefile"),
        (".fgb", "FlatGeobuf"),
    ],
)
def test_reads_gdal_formats(tmp_path: Path, suffix: str, driver: str) -> None:
    path = tmp_path / f"sites{suffix}"
    _gdf().to_file(path, driver=driver)
    gdf, rep = read_layer(LayerSource(path=path, id_column="site_id"), "sites", ["cost"])
    assert sorted(gdf["site_id"]) == ["a", "b"]  # FlatGeobuf may reorder (spatial index)
    assert gdf.crs.to_epsg() == 28992
    assert gdf.area.tolist() == pytest.approx([100.0, 100.0])
    assert rep.features == 2 and len(rep.sha256) == 64


def test_reprojects_wgs84_to_rd_new(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[Point(*AMERSFOORT_WGS84)], crs="EPSG:4326").to_file(
        path
    )
    gdf, rep = read_layer(LayerSource(path=path), "p")
    assert rep.source_crs == "EPSG:4326"
    assert gdf.geometry.x.iloc[0] == pytest.approx(155000, abs=1.0)
    assert gdf.geometry.y.iloc[0] == pytest.approx(463000, abs=1.0)


def test_csv_with_xy_columns_needs_and_uses_crs(tmp_path: Path) -> None:
    path = tmp_path / "pois.csv"
    path.write_text(
        f"poi_id,category,lon,lat\nP1,station,{AMERSFOORT_WGS84[0]},{AMERSFOORT_WGS84[1]}\n",
        encoding="utf-8",
    )
    src = LayerSource(path=path, id_column="poi_id", x_column="lon", y_column="lat")
    with pytest.raises(DataError, match="no coordinate reference system"):
        read_layer(src, "pois")
    gdf, _ = read_layer(src.model_copy(update={"crs": "EPSG:4326"}), "pois", ["category"])
    assert gdf.geometry.x.iloc[0] == pytest.approx(155000, abs=1.0)
    assert "lon" not in gdf.columns and gdf["category"].tolist() == ["station"]


def test_csv_with_wkt_and_bad_rows_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text(
        "site_id,wkt\n"
        'a,"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"\n'
        "b,POLYGON ((0 0\n"
        'c,"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"\n',
        encoding="utf-8",
    )
    src = LayerSource(path=path, id_column="site_id", wkt_column="wkt", crs="EPSG:28992")
    with pytest.raises(DataError) as exc:
        read_layer(src, "sites")
    assert [str(p) for p in exc.value.problems] == [f"{path}, id b (row 2), wkt: not valid WKT"]


def test_csv_bad_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,x,y\n1,10,20\n2,tien,20\n3,10,\n", encoding="utf-8")
    src = LayerSource(path=path, id_column="id", x_column="x", y_column="y", crs="EPSG:28992")
    with pytest.raises(DataError) as exc:
        read_layer(src, "p")
    text = [str(p) for p in exc.value.problems]
    assert text == [
        f"{path}, id 2 (row 2), x: not a number: 'tien'",
        f"{path}, id 3 (row 3), y: value is empty",
    ]


def test_all_problems_of_a_layer_at_once(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["a", "a", None, "d"]},
        geometry=[
            box(0, 0, 1, 1),
            Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]),
            box(0, 0, 1, 1),
            None,
        ],
        crs="EPSG:28992",
    )
    path = tmp_path / "x.gpkg"
    gdf.to_file(path)
    with pytest.raises(DataError) as exc:
        read_layer(LayerSource(path=path, id_column="site_id"), "x", ["cost", "owner"])
    text = "\n".join(str(p) for p in exc.value.problems)
    assert "cost: required column is missing" in text
    assert "owner: required column is missing" in text
    assert "row 3, site_id: id is empty" in text
    assert "duplicate id 'a' in rows 1, 2" in text
    assert "id a (row 2), geometry: invalid geometry (Self-intersection" in text
    assert "id d (row 4), geometry: empty geometry" in text
    assert len(exc.value.problems) == 6


def test_repair_invalid_only_when_allowed(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        {"site_id": ["ok", "bow"]},
        geometry=[box(0, 0, 1, 1), Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])],
        crs="EPSG:28992",
    ).pipe(at_origin)
    path = tmp_path / "x.gpkg"
    gdf.to_file(path)
    src = LayerSource(path=path, id_column="site_id", repair_invalid=True)
    fixed, rep = read_layer(src, "x")
    assert fixed.is_valid.all()
    assert rep.repaired == ("bow",) and render(rep.notes, "en") == "repaired 1 invalid geometry"
    # the bow-tie's two triangles of 1 m2 each survive the repair
    assert fixed.area.iloc[1] == pytest.approx(2.0)


def test_declared_crs_must_match_file(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    _gdf().to_file(path)
    with pytest.raises(DataError, match="scenario says crs EPSG:4326"):
        read_layer(LayerSource(path=path, crs="EPSG:4326"), "x")


def test_unknown_layer_name_lists_layers(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    _gdf().to_file(path, layer="sites")
    with pytest.raises(
        DataError, match=r"no layer 'site' \(did you mean 'sites'\?\); the file has: sites"
    ):
        read_layer(LayerSource(path=path, layer="site"), "x")


def test_layer_name_in_other_case_is_suggested(tmp_path: Path) -> None:
    # GeoPackage layer names are exact: 'Longlist' is not 'longlist', but the reader
    # is told which one was meant; a name unlike any layer gets no suggestion
    path = tmp_path / "x.gpkg"
    _gdf().to_file(path, layer="longlist")
    _gdf().to_file(path, layer="natura2000")
    with pytest.raises(DataError) as err:
        read_layer(LayerSource(path=path, layer="Longlist"), "x")
    text = err.value.render("nl")
    assert "geen laag 'Longlist' (bedoelde u 'longlist'?); het bestand heeft:" in text
    with pytest.raises(DataError) as err:
        read_layer(LayerSource(path=path, layer="wegen"), "x")
    assert "geen laag 'wegen'; het bestand heeft: longlist, natura2000" in err.value.render("nl")


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "x.gpkg"
    path.write_text("not a geopackage", encoding="utf-8")
    with pytest.raises(DataError, match="cannot be read"):
        read_layer(LayerSource(path=path), "x")


def test_read_table_checks_ids(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("unit_id,beds\nU1,2\nU1,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicate id 'U1' in rows 1, 2"):
        read_table(LayerSource(path=path, id_column="unit_id"), "units")
    path.write_text("unit_id,beds\n", encoding="utf-8")
    with pytest.raises(DataError, match="has no rows"):
        read_table(LayerSource(path=path, id_column="unit_id"), "units")


def test_csv_ids_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,x,y\n007,123001,484002\n8,123003,484004\n", encoding="utf-8")
    src = LayerSource(path=path, id_column="id", x_column="x", y_column="y", crs="EPSG:28992")
    # '007' stays the text '007', not the number 7 ('007' next to '7' in one table is
    # refused since round ten: ids that differ only by leading zeros)
    gdf, _ = read_layer(src, "p")
    assert gdf["id"].tolist() == ["007", "8"]

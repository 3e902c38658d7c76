"""A GeoJSON file without a "crs" member is read by GDAL as EPSG:4326 (RFC 7946's
default); a layer that declares another CRS (ETRS89, EPSG:4258, as the real Natura 2000
export in ../shared/data/real is) is read in the declared one. A file whose own crs member
says otherwise is still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from opvang_opt.errors import DataError
from opvang_opt.io.layers import read_layer
from opvang_opt.schema import LayerSource

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"


def _square(lon, lat, d=0.001):
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def _write(tmp_path, crs_member=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "N1"},
         "geometry": {"type": "Polygon", "coordinates": _square(4.95, 52.33)}}]}  # fmt: skip
    if crs_member is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs_member}}
    p = tmp_path / "n2k.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_declared_etrs89_holds_for_a_geojson_without_crs(tmp_path):
    p = _write(tmp_path)
    gdf, report = read_layer(LayerSource(path=p, crs="EPSG:4258", id_column="id"), "natura")
    assert report.source_crs == "EPSG:4258"
    assert [n.render("en") for n in report.notes] == [
        "GeoJSON without a crs member: read in EPSG:4258, as the scenario declares "
        "(GDAL would assume EPSG:4326)"
    ]
    # lon 4.95, lat 52.33 lies near Diemen (RD about x 126,000, y 482,000)
    c = shapely.centroid(gdf.geometry.iloc[0])
    assert 125_000 < c.x < 128_000 and 480_000 < c.y < 484_000


def test_a_file_that_declares_its_own_crs_is_still_refused(tmp_path):
    p = _write(tmp_path, "urn:ogc:def:crs:EPSG::28992")
    with pytest.raises(DataError) as err:
        read_layer(LayerSource(path=p, crs="EPSG:4258", id_column="id"), "natura")
    assert "the scenario says crs EPSG:4258" in err.value.problems[0].text("en")


@pytest.mark.skipif(not REAL.exists(), reason="../shared/data/real is absent (not a CI run)")
def test_real_natura2000_export_declared_as_etrs89():
    src = LayerSource(path=REAL / "natura2000_duoplus_region_2013_etrs89.geojson", crs="EPSG:4258")
    gdf, report = read_layer(src, "natura")
    assert report.source_crs == "EPSG:4258" and len(gdf) == 4

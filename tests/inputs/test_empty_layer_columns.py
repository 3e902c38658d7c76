"""An empty GeoJSON layer gets one problem that says it is empty, not one per column.

A GeoJSON with no features has no properties, so no columns can be read from it. The
check listed "required column is missing (columns present: )" once per column; it now
says the file has no features and names the columns it needs.
"""

from __future__ import annotations

from pathlib import Path

from tests.inputs.demo_edit import DEMO, edit_scenario, refused


def test_empty_geojson_points_of_interest(demo: Path) -> None:
    (demo / DEMO / "pois.geojson").write_text(
        '{"type": "FeatureCollection", "features": []}', encoding="utf-8"
    )
    edit_scenario(
        demo,
        "pois: {path: ../data/demo/pois.gpkg, layer: pois, id_column: poi_id}",
        "pois: {path: ../data/demo/pois.geojson, id_column: poi_id}",
    )
    err = refused(
        demo,
        ["pois.geojson: the file has no features and so no columns",
         "the columns poi_id, category are needed"],
        command="validate",
    )  # fmt: skip
    assert "required column is missing" not in err
    assert err.count("pois.geojson") == 1

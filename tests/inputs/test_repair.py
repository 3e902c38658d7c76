"""A geometry repaired on reading (``repair_invalid: true``) stays a plot (issue 11).

``make_valid`` turns a polygon with a spike into a collection of the polygon and the
spike's line; packing then stopped the run with an internal error (exit 1)."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

from opvang_opt.errors import DataError
from opvang_opt.io.layers import read_layer
from opvang_opt.schema import LayerSource
from tests.conftest import ORIGIN, write_yaml

X0, Y0 = ORIGIN
# the square A (0-100 m) with a 30 m spike out of the middle of its bottom edge
SPIKED = Polygon(
    [(X0, Y0), (X0 + 50, Y0), (X0 + 50, Y0 - 30), (X0 + 50, Y0), (X0 + 100, Y0),
     (X0 + 100, Y0 + 100), (X0, Y0 + 100)]
)  # fmt: skip
FLAT = Polygon([(X0, Y0), (X0 + 50, Y0), (X0 + 100, Y0)])  # no area at all


def _layer(tmp_path, geoms):
    gdf = gpd.GeoDataFrame(
        {"site_id": [f"S{i + 1}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:28992"
    )
    path = tmp_path / "sites.gpkg"
    pyogrio.write_dataframe(gdf, path, layer="longlist", driver="GPKG")
    return LayerSource(path=path, id_column="site_id", repair_invalid=True)


def test_a_repaired_spiked_polygon_is_the_polygon_without_its_spike(tmp_path):
    assert not SPIKED.is_valid
    gdf, rep = read_layer(_layer(tmp_path, [SPIKED]), "longlist")
    geom = gdf.geometry.iloc[0]
    assert geom.geom_type == "Polygon"
    assert geom.area == pytest.approx(100 * 100)  # the square, by hand
    assert rep.repaired == ("S1",)


def test_a_plot_that_collapses_under_repair_is_refused_with_its_id(tmp_path):
    with pytest.raises(DataError) as err:
        read_layer(_layer(tmp_path, [box(X0, Y0, X0 + 10, Y0 + 10), FLAT]), "longlist")
    text = "\n".join(map(str, err.value.problems))
    assert "id S2 (row 2), geometry" in text and "leaves no area" in text


def test_a_run_with_a_repaired_shortlisted_plot_completes_and_flags_it(tiny):
    from opvang_opt.cli import app

    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites.loc[0, "geometry"] = SPIKED
    pyogrio.write_dataframe(sites, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    raw = {**tiny["raw"], "layers": dict(tiny["raw"]["layers"])}
    raw["layers"]["longlist"] = {**raw["layers"]["longlist"], "repair_invalid": True}
    raw["siting"] = {**raw["siting"], "capacity": {"method": "packing"}}
    write_yaml(tiny["path"], raw)
    out = tiny["dir"] / "results"
    res = CliRunner().invoke(app, ["run", str(tiny["path"]), "--out", str(out), "--lang", "en"])
    assert res.exit_code in (0, 3), res.output
    short = (out / "shortlist.csv").read_text(encoding="utf-8").splitlines()
    header = short[0].split(",")
    row = next(r.split(",") for r in short[1:] if r.startswith("A,"))
    assert row[header.index("repaired")] == "True"
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["stages"][0]["name"]

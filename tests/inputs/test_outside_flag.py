"""A site kept outside the region (``region.outside: warn``) says how far out it lies.

The warning at the run names the distance; the site's own row (longlist GeoPackage,
shortlist, popup) used to say only "lies outside the region's municipalities". A reader
of the council's table sees the same distance and the nearest municipality, measured
here independently with shapely against the demo's municipal boundaries.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
import yaml
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.inputs.demo_edit import DEMO


def test_wholly_outside_site_row_names_distance_and_nearest(demo: Path) -> None:
    ll = demo / DEMO / "longlist.gpkg"
    sites = gpd.read_file(ll, layer="longlist")
    gem = gpd.read_file(demo / DEMO / "boundaries.gpkg", layer="gemeenten")
    region = gem.union_all()
    i = int(sites.index[sites["site_id"] == "S003"][0])
    geom = sites.geometry[i]
    # 5 km above the region's northern edge (from the plot's centroid)
    moved = shapely.affinity.translate(geom, 0, region.bounds[3] - geom.centroid.y + 5_000)
    sites.loc[i, "geometry"] = moved
    sites.to_file(ll, layer="longlist", driver="GPKG")
    # the siting part of the demo only (the other stages do not read the flag)
    path = demo / "scenarios" / "demo.yaml"
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section in ("allocation", "exchange", "planning", "services"):
        scenario.pop(section, None)
    scenario["siting"]["robustness"] = {"samples": 0, "one_at_a_time": False}
    scenario["region"] |= {"outside": "warn", "margin_m": 10_000}
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    far = shapely.distance(moved, region)
    dists = gem.geometry.distance(moved)
    nearest = str(gem.loc[dists.idxmin(), "name"] if "name" in gem else "")
    out = demo / "results"
    res = CliRunner().invoke(
        app, ["run", str(demo / "scenarios" / "demo.yaml"), "--out", str(out), "--lang", "en"]
    )
    assert res.exit_code == 0, res.output
    scored = gpd.read_file(out / "longlist_scored.gpkg", layer="longlist_scored")
    flag = scored.loc[scored["site_id"] == "S003", "location_flags"].iloc[0]
    assert f"lies {far:,.0f} m outside the region's municipalities" in flag
    assert f"(nearest: {nearest})" in flag
    # the run's warning says the same distance
    assert f"{far:,.0f} m" in res.output

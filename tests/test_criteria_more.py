"""Network distance over a GraphML street graph, reception load, and point sites."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, box

from opvang_opt.errors import DataError
from opvang_opt.io import load, load_inputs
from opvang_opt.io.graphs import read_street_graph
from opvang_opt.pipeline import run
from opvang_opt.schema import GraphSource, load_scenario
from opvang_opt.siting.criteria import reception_load
from opvang_opt.texts import render
from tests.conftest import ORIGIN, rel, write_yaml


def write_graph(path: Path, crs: str | None = "epsg:28992") -> Path:
    """An L-shaped street as osmnx saves it: string attributes, a graph-level crs.

    Nodes: 1 (0, 0) - 2 (0, 500) - 3 (800, 500); and a shortcut 1 - 3 that is a long
    detour (length 5000 m although the straight line is shorter).
    """
    g = nx.MultiDiGraph()
    if crs is not None:
        g.graph["crs"] = crs
    for node, (x, y) in {1: (0, 0), 2: (0, 500), 3: (800, 500)}.items():
        g.add_node(node, x=str(x + ORIGIN[0]), y=str(y + ORIGIN[1]))
    g.add_edge(1, 2, length="500.0")
    g.add_edge(2, 3, length="800.0")
    g.add_edge(1, 3, length="5000.0")
    nx.write_graphml(g, path)
    return path


def test_network_distance_follows_the_streets(tiny) -> None:
    write_graph(tiny["data"] / "streets.graphml")
    raw = dict(tiny["raw"])
    raw["graphs"] = {"streets": {"path": "data/streets.graphml"}}
    # a single station at (810, 500): 10 m from node 3
    pois = gpd.GeoDataFrame({"poi_id": ["P1"], "category": ["station"]},
                            geometry=[rel(Point(810, 500))], crs="EPSG:28992")  # fmt: skip
    pois.to_file(tiny["data"] / "pois.gpkg", layer="pois", driver="GPKG")
    crit = {
        "name": "station_net", "kind": "distance_to_poi", "category": "station",
        "network": "streets", "weight": 1,
        "value": {"type": "linear", "lower": 0, "upper": 3000, "direction": "lower_is_better"},
    }  # fmt: skip
    raw["siting"] = {**raw["siting"], "criteria": [crit], "exclusions": []}
    result = run(*load(write_yaml(tiny["dir"] / "net.yaml", raw)))
    ind = result.siting.sites.set_index("site_id")["ind_station_net"]
    # site A (square 0-100) touches node 1 (0, 0): 0 + 500 + 800 + 10 = 1310 m over the streets
    assert ind["A"] == pytest.approx(1310.0)
    # site C (600-700, 0-100): nearest node is 1 at 600 m? no: node 3 (800, 500) is
    # sqrt(100^2 + 400^2) = 412.3 m away, node 1 is 600 m: 412.3 + 10
    assert ind["C"] == pytest.approx(np.hypot(100, 400) + 10.0)


def test_street_graph_in_another_crs_is_refused(tmp_path: Path) -> None:
    path = write_graph(tmp_path / "g.graphml", crs="epsg:4326")
    with pytest.raises(DataError) as exc:
        read_street_graph(GraphSource(path=path), "streets")
    assert "not RD New (EPSG:28992)" in str(exc.value)
    assert "project_graph" in str(exc.value)
    path = write_graph(tmp_path / "h.graphml", crs=None)
    with pytest.raises(DataError, match="no 'crs' attribute"):
        read_street_graph(GraphSource(path=path), "streets")


def test_unknown_graph_name_is_a_scenario_error(tiny) -> None:
    from opvang_opt.errors import ScenarioError

    raw = dict(tiny["raw"])
    crit = dict(raw["siting"]["criteria"][0], network="straten")
    raw["siting"] = {**raw["siting"], "criteria": [crit]}
    with pytest.raises(ScenarioError, match="refers to graph 'straten'"):
        load_scenario(write_yaml(tiny["dir"] / "g.yaml", raw))


def test_reception_load_per_1000_inhabitants() -> None:
    buurten = gpd.GeoDataFrame(
        {"reception_places": [85, 0], "inhabitants": [8500, 4000]},
        geometry=[box(0, 0, 500, 500), box(500, 0, 1000, 500)],
        crs="EPSG:28992",
    )
    sites = np.array([box(10, 10, 50, 50), box(600, 10, 650, 50), box(2000, 0, 2100, 100)])
    # 85 / 8500 * 1000 = 10; the third site lies outside: nearest buurt (the second) -> 0
    assert reception_load(sites, buurten, "reception_places", "inhabitants").tolist() == [
        10.0, 0.0, 0.0,
    ]  # fmt: skip


def test_point_sites_use_the_density_norm_and_say_so(tiny) -> None:
    gdf = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    gdf["area_m2"] = [None, None, 5000.0, None]
    gdf.loc[2, "geometry"] = rel(Point(650, 50))
    gdf.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    raw = dict(tiny["raw"])
    capacity = {"density_units_per_ha": 30, "area_column": "area_m2"}
    raw["siting"] = {**raw["siting"], "exclusions": [], "capacity": capacity}
    result = run(*load(write_yaml(tiny["dir"] / "pt.yaml", raw)))
    row = result.siting.sites.set_index("site_id").loc["C"]
    assert row["capacity_units"] == 15  # 0.5 ha x 30 per ha
    assert render(row["capacity_method"], "nl").startswith("punt:")
    raw["siting"]["capacity"] = {"density_units_per_ha": 30}
    with pytest.raises(DataError, match="point needs its area"):
        load_inputs(load_scenario(write_yaml(tiny["dir"] / "pt2.yaml", raw)))

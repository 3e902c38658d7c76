"""Fixtures for the output tests: the demo written in both profiles, an injection world,
and a headless Chromium (skipped with a reason when absent; failing under CI=true)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from tests.conftest import at_origin, write_yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.yaml"
ARTIFACTS = ROOT / "artifacts" / "outputs"
RD = "EPSG:28992"

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "</script><script>window.__xss=2</script>"


@pytest.fixture(scope="session")
def demo_result() -> Any:
    """The bundled demo, run once per session."""
    return run(*load(DEMO), scenario_dir=str(DEMO.parent))


@pytest.fixture(scope="session")
def council_dir(demo_result, tmp_path_factory) -> Path:
    return write_results(demo_result, tmp_path_factory.mktemp("council") / "out")


@pytest.fixture(scope="session")
def analyst_dir(demo_result, tmp_path_factory) -> Path:
    return write_results(demo_result, tmp_path_factory.mktemp("analyst") / "out", profile="analyst")


@pytest.fixture(scope="session")
def english_dir(demo_result, tmp_path_factory) -> Path:
    return write_results(demo_result, tmp_path_factory.mktemp("english") / "out", lang="en")


@pytest.fixture(scope="session")
def xss_world(tmp_path_factory) -> dict[str, Any]:
    """A tiny world whose every input text is an HTML/JS injection payload."""
    root = tmp_path_factory.mktemp("xss")
    d = root / "data"
    d.mkdir()
    payloads = [XSS_IMG, XSS_SCRIPT, f"{XSS_IMG}{XSS_SCRIPT}", "Gewoon & <b>vet</b>"]
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", "C", "D"],
            "name": payloads,
            "owner": payloads[::-1],
            "notes": payloads,
            "available_from": ["2026-01-01", "2026-06-01", "2027-01-01", "2030-01-01"],
        },
        geometry=[box(0, 0, 100, 100), box(300, 0, 400, 100), box(600, 0, 700, 100),
                  box(1000, 0, 1200, 100)],
        crs=RD,
    )  # fmt: skip
    pois = gpd.GeoDataFrame(
        {"poi_id": ["P1", "P2"], "category": ["station", XSS_IMG], "name": [XSS_SCRIPT, "x"]},
        geometry=[Point(200, 50), Point(150, 50)],
        crs=RD,
    )
    nature = gpd.GeoDataFrame({"name": [XSS_IMG]}, geometry=[box(350, -50, 450, 150)], crs=RD)
    line = gpd.GeoDataFrame(
        {"name": [XSS_SCRIPT]}, geometry=[LineString([(760, -500), (760, 500)])], crs=RD
    )
    gem = gpd.GeoDataFrame(
        {"municipality_code": ["GM0384"], "name": [XSS_SCRIPT]},
        geometry=[box(-500, -800, 1700, 800)],
        crs=RD,
    )
    at_origin(sites).to_file(d / "sites.gpkg", layer="longlist", driver="GPKG")
    at_origin(pois).to_file(d / "pois.gpkg", layer="pois", driver="GPKG")
    at_origin(nature).to_file(d / "c.gpkg", layer="nature", driver="GPKG")
    at_origin(line).to_file(d / "c.gpkg", layer="hv_line", driver="GPKG")
    at_origin(gem).to_file(d / "c.gpkg", layer="gemeenten", driver="GPKG")
    scenario = {
        "name": "xss",
        "title": f"Titel {XSS_IMG}",
        "description": XSS_SCRIPT,
        "region": {"municipalities": [{"code": "GM0384", "name": "Diemen"}],
                   "boundaries": "gemeenten"},
        "layers": {
            "longlist": {"path": "data/sites.gpkg", "layer": "longlist", "id_column": "site_id"},
            "pois": {"path": "data/pois.gpkg", "layer": "pois", "id_column": "poi_id"},
            "nature": {"path": "data/c.gpkg", "layer": "nature"},
            "hv_line": {"path": "data/c.gpkg", "layer": "hv_line"},
            "gemeenten": {"path": "data/c.gpkg", "layer": "gemeenten",
                          "id_column": "municipality_code"},
        },
        "siting": {
            "criteria": [
                {"name": "station", "label": f"Station {XSS_SCRIPT}", "kind": "distance_to_poi",
                 "category": "station", "weight": 2,
                 "value": {"type": "linear", "lower": 0, "upper": 1000,
                           "direction": "lower_is_better"}},
                {"name": "opp", "kind": "area", "weight": 1,
                 "value": {"type": "linear", "lower": 0, "upper": 20000}},
            ],
            "exclusions": [
                {"name": "nature", "label": f"Natuur {XSS_IMG}", "kind": "intersects",
                 "layer": "nature"},
                {"name": "hv", "kind": "closer_than", "layer": "hv_line", "distance_m": 120},
            ],
            "capacity": {"density_units_per_ha": 30},
            "target": {"amount": 30},
            "robustness": {"samples": 0},
        },
        "outputs": {"attribution": f"Bron {XSS_IMG}"},
    }  # fmt: skip
    path = write_yaml(root / "xss.yaml", scenario)
    result = run(*load(path), scenario_dir=str(root))
    out = write_results(result, root / "out")
    return {"result": result, "out": out, "payloads": payloads}


def pdf_missing(reason: object) -> None:
    """Skip a test that needs raadsbijlage.pdf (made only where WeasyPrint loads Pango), or
    fail it under CI=true, where the PDF must be made."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but raadsbijlage.pdf was not made: {reason}")
    pytest.skip(f"raadsbijlage.pdf was not made here: {reason}")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium with local CDN copies; skip (fail under CI) when unavailable."""
    from tests.outputs.browser import Browser, BrowserUnavailable

    try:
        b = Browser()
    except BrowserUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the browser tests cannot run: {exc}")
        pytest.skip(f"browser tests skipped: {exc}")
    yield b
    b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

"""Shared fixtures: small hand-built layers with known answers, and scenario writing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from hypothesis import Phase, settings
from shapely.geometry import LineString, Point, box

# Mutation testing runs every test many times: there a failing example need not be shrunk.
settings.register_profile("mutmut", phases=[Phase.explicit, Phase.reuse, Phase.generate])
# CI runs a clean clone: there the examples are drawn from a fixed seed, so a landing does
# not depend on luck; local runs keep drawing new examples (and keep failures in .hypothesis).
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
_CI = os.environ.get("CI", "").lower() == "true"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if _CI else "default"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under mutation testing (``HYPOTHESIS_PROFILE=mutmut``), run the hand-worked tests
    before the property tests: a mutant run stops at its first failing test, and most
    mutants fail a fast hand-worked test."""
    if os.environ.get("HYPOTHESIS_PROFILE") == "mutmut":
        items.sort(key=lambda it: getattr(getattr(it, "obj", None), "is_hypothesis_test", False))


ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT.parent / "shared" / "data" / "real"
RD = "EPSG:28992"
ORIGIN = (123_000.0, 484_000.0)
"""Where the hand-built test worlds lie in RD New (Diemen): their coordinates below are
relative to this point, so distances are as written while the geography is real (the input
pass refuses coordinates outside the Netherlands)."""


def rel(geom):
    """A geometry written relative to :data:`ORIGIN`, placed there in RD New."""
    from shapely.affinity import translate

    return translate(geom, *ORIGIN)


def at_origin(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame moved from relative coordinates to :data:`ORIGIN` in RD New."""
    out = gdf.copy()
    out.geometry = gdf.geometry.translate(*ORIGIN)
    return out


def real_data_dir() -> Path:
    """The real CBS data folder; skip (or fail under CI=true) when it is absent."""
    if not REAL_DATA.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the real data folder {REAL_DATA} is absent")
        pytest.skip(f"real data folder {REAL_DATA} is absent (only present beside the project)")
    return REAL_DATA


def real_layers(real: Path) -> dict[str, dict[str, str]]:
    """The scenario's layer entries of the real data: Natura 2000 (declared ETRS89) and
    the CBS municipalities, wijken and buurten (RD New) of the Duo+ region."""
    return {
        "natura": {"path": str(real / "natura2000_duoplus_region_2013_etrs89.geojson"),
                   "crs": "EPSG:4258"},
        "gemeenten": {"path": str(real / "duoplus_gemeenten_2024_rd.geojson"),
                      "id_column": "gemeentecode"},
        "wijken": {"path": str(real / "duoplus_wijken_2024_rd.geojson"), "id_column": "statcode"},
        "buurten": {"path": str(real / "duoplus_buurten_2024_rd.geojson"),
                    "id_column": "statcode"},
    }  # fmt: skip


def assert_refused(
    tiny: dict[str, Any], expected: list[str], command: str = "run", lang: str | None = "en"
) -> None:
    """Run the CLI on the tiny world's scenario (``run``, in ``lang`` or the default
    language, or ``validate``) and assert what bad input must get: exit 2, every
    ``expected`` text in the message, no traceback and nothing written (no results folder,
    no half-written temporary one)."""
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    out = tiny["dir"] / "results"
    args = ["run", str(tiny["path"]), "--out", str(out)] if command == "run" else ["validate"]
    args += ["--lang", lang] if lang else []
    args += [str(tiny["path"])] if command == "validate" else []
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    for text in expected:
        assert text in res.stderr, f"{text!r} not in:\n{res.stderr}"
    assert "Traceback" not in res.output
    assert not out.exists()
    assert not [p for p in tiny["dir"].iterdir() if p.name.startswith(".results")]


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Any]:
    """A tiny world with hand-computable answers (RD New, metres).

    Sites (all 100 x 100 m squares, 1 ha, unless said):
      A: x 0-100      station at (200, 50): 100 m away; 2 shops within 150 m
      B: x 300-400    station: 100 m away (from x=300); half of B (x 350-400) in nature
      C: x 600-700    station 400 m; 60 m from the power line at x = 760
      D: x 1000-1200  (2 ha) station 800 m; available only from 2030-01-01
    """
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["A", "B", "C", "D"],
            "name": ["Alfa", "Bravo", "Charlie", "Delta"],
            "cost": [1.0e6, 2.0e6, 3.0e6, 4.0e6],
            "available_from": ["2026-01-01", "2026-06-01", "2027-01-01", "2030-01-01"],
        },
        geometry=[box(0, 0, 100, 100), box(300, 0, 400, 100), box(600, 0, 700, 100),
                  box(1000, 0, 1200, 100)],
        crs=RD,
    )  # fmt: skip
    pois = gpd.GeoDataFrame(
        {
            "poi_id": ["P1", "P2", "P3", "P4"],
            "category": ["station", "supermarket", "supermarket", "supermarket"],
        },
        geometry=[Point(200, 50), Point(150, 50), Point(50, 240), Point(5000, 5000)],
        crs=RD,
    )
    nature = gpd.GeoDataFrame({"name": ["Natuur"]}, geometry=[box(350, -50, 450, 150)], crs=RD)
    line = gpd.GeoDataFrame(
        {"name": ["380 kV"]}, geometry=[LineString([(760, -500), (760, 500)])], crs=RD
    )
    d = tmp_path / "data"
    d.mkdir()
    at_origin(sites).to_file(d / "sites.gpkg", layer="longlist", driver="GPKG")
    at_origin(pois).to_file(d / "pois.gpkg", layer="pois", driver="GPKG")
    at_origin(nature).to_file(d / "constraints.gpkg", layer="nature", driver="GPKG")
    at_origin(line).to_file(d / "constraints.gpkg", layer="hv_line", driver="GPKG")
    scenario = {
        "name": "tiny",
        "title": "Tiny test world",
        "region": {"municipalities": [{"code": "GM0384", "name": "Diemen"}]},
        "layers": {
            "longlist": {"path": "data/sites.gpkg", "layer": "longlist", "id_column": "site_id"},
            "pois": {"path": "data/pois.gpkg", "layer": "pois", "id_column": "poi_id"},
            "nature": {"path": "data/constraints.gpkg", "layer": "nature"},
            "hv_line": {"path": "data/constraints.gpkg", "layer": "hv_line"},
        },
        "siting": {
            "criteria": [
                {
                    "name": "station", "kind": "distance_to_poi", "category": "station",
                    "weight": 2,
                    "value": {"type": "linear", "lower": 0, "upper": 1000,
                              "direction": "lower_is_better"},
                },
                {
                    "name": "cost", "kind": "attribute", "column": "cost", "weight": 1,
                    "value": {"type": "linear", "lower": 0, "upper": 5.0e6,
                              "direction": "lower_is_better"},
                },
            ],
            "exclusions": [
                {"name": "nature", "kind": "intersects", "layer": "nature"},
                {"name": "hv", "kind": "closer_than", "layer": "hv_line", "distance_m": 120},
                {"name": "date", "kind": "available_by", "date": "2028-06-30"},
            ],
            "capacity": {"density_units_per_ha": 30},
            "target": {"amount": 30},
        },
    }  # fmt: skip
    path = write_yaml(tmp_path / "tiny.yaml", scenario)
    return {"dir": tmp_path, "path": path, "raw": scenario, "data": d}

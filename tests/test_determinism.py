"""The same scenario run twice writes identical tables (users compare runs by their files)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from geopandas.testing import assert_geodataframe_equal
from typer.testing import CliRunner

from opvang_opt.cli import app

runner = CliRunner()


def run_into(scenario: Path, out: Path) -> Path:
    res = runner.invoke(app, ["run", str(scenario), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_same_scenario_twice_gives_identical_tables(tiny, tmp_path):
    a = run_into(tiny["path"], tmp_path / "a")
    b = run_into(tiny["path"], tmp_path / "b")
    csv_a = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert csv_a == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    assert len(csv_a) >= 3
    for rel in csv_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    gpkgs = sorted(p.relative_to(a) for p in a.rglob("*.gpkg"))
    assert gpkgs
    for rel in gpkgs:
        layers = list(pyogrio.list_layers(a / rel)[:, 0])
        assert layers == list(pyogrio.list_layers(b / rel)[:, 0]), rel
        for layer in layers:
            assert_geodataframe_equal(
                gpd.read_file(a / rel, layer=layer), gpd.read_file(b / rel, layer=layer)
            )

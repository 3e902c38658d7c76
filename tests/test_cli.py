"""The CLI: a real run, and bad input that must exit 2 with a clear message and no results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon
from typer.testing import CliRunner

from opvang_opt import __version__
from opvang_opt.cli import app
from opvang_opt.outputs import RESULT_FILES
from tests.conftest import assert_refused, rel, write_yaml

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_version() -> None:
    res = cli("--version")
    assert res.exit_code == 0 and __version__ in res.output


def test_run_writes_the_results_folder(tiny) -> None:
    out = tiny["dir"] / "out"
    res = cli("run", tiny["path"], "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    # the memo's PDF besides, where WeasyPrint loads Pango (run.json says whether it did)
    memo_pdf = json.loads((out / "run.json").read_text())["outputs"]["memo_pdf"]
    assert {p.name for p in out.iterdir()} - {"raadsbijlage.pdf"} == set(RESULT_FILES)
    assert (out / "raadsbijlage.pdf").exists() == memo_pdf
    assert f"Map:     {out.resolve() / 'map.html'}" in res.stdout
    info = json.loads((out / "run.json").read_text())
    assert info["scenario"]["name"] == "tiny"
    assert [s["name"] for s in info["stages"]] == ["inputs", "siting", "allocation", "exchange"]
    assert info["versions"]["ortools"]
    assert len(info["inputs"]) == 4 and all(len(i["sha256"]) == 64 for i in info["inputs"])


def test_validate_and_schema(tiny, tmp_path: Path) -> None:
    res = cli("validate", tiny["path"], "--lang", "en")
    assert res.exit_code == 0 and "valid scenario 'tiny'" in res.stdout
    res = cli("schema", "--out", tmp_path / "s.json")
    assert res.exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text())["title"] == "opvang-opt scenario"


# --------------------------------------------------------------------------- bad input


def _bad_layer_longlist(tiny: dict[str, Any], gdf: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")


def _longlist(tiny: dict[str, Any]) -> gpd.GeoDataFrame:
    return gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")


def case_broken_yaml(tiny):
    tiny["path"].write_text("name: tiny\nsiting: {criteria: [\n", encoding="utf-8")
    return ["not valid YAML", "line"]


def case_unknown_key(tiny):
    write_yaml(tiny["path"], {**tiny["raw"], "regoin": {}})
    return ["unknown key 'regoin'", "did you mean 'region'"]


def case_wrong_type(tiny):
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "capacity": {"density_units_per_ha": "dertig"}}
    write_yaml(tiny["path"], raw)
    return ["siting.capacity.density_units_per_ha", "'dertig'"]


def case_missing_scenario_file(tiny):
    tiny["path"].unlink()
    return ["Scenario file not found"]


def case_missing_layer_file(tiny):
    (tiny["data"] / "pois.gpkg").unlink()
    return ["pois.gpkg", "does not exist"]


def case_layer_without_crs(tiny):
    gdf = _longlist(tiny).rename(columns={"available_from": "avail"})
    shp = tiny["data"] / "sites_nocrs.shp"
    pyogrio.write_dataframe(gdf.set_crs(None, allow_override=True), shp)
    assert not shp.with_suffix(".prj").exists()
    raw = dict(tiny["raw"])
    raw["layers"] = {**raw["layers"], "longlist": {"path": "data/sites_nocrs.shp",
                                                     "id_column": "site_id"}}  # fmt: skip
    raw["siting"] = {**raw["siting"], "exclusions": []}
    write_yaml(tiny["path"], raw)
    return ["1 problem(s)", "sites_nocrs.shp", "no coordinate reference system"]


def case_invalid_geometry(tiny):
    gdf = _longlist(tiny)
    gdf.loc[1, "geometry"] = rel(Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]))  # bow-tie
    _bad_layer_longlist(tiny, gdf)
    return ["id B (row 2)", "geometry", "invalid geometry (Self-intersection", "repair_invalid"]


def case_duplicate_ids(tiny):
    gdf = _longlist(tiny)
    gdf.loc[3, "site_id"] = "A"
    _bad_layer_longlist(tiny, gdf)
    return ["duplicate id 'A' in rows 1, 4", "site_id"]


def case_missing_column(tiny):
    gdf = _longlist(tiny).drop(columns=["cost"])
    _bad_layer_longlist(tiny, gdf)
    return ["sites.gpkg, cost: required column is missing"]


def case_empty_longlist(tiny):
    gdf = _longlist(tiny).iloc[0:0]
    _bad_layer_longlist(tiny, gdf)
    return ["layer 'longlist' has no features"]


def case_negative_capacity(tiny):
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "target": {"amount": -30}}
    write_yaml(tiny["path"], raw)
    return ["siting.target.amount", "greater than or equal to 0", "-30"]


def case_negative_capacity_in_column(tiny):
    gdf = _longlist(tiny)
    gdf["known_capacity"] = [10.0, None, -4.0, None]
    _bad_layer_longlist(tiny, gdf)
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "capacity": {"column": "known_capacity"}}
    write_yaml(tiny["path"], raw)
    return ["id C (row 3)", "known_capacity", "got -4"]


def case_missing_category(tiny):
    raw = dict(tiny["raw"])
    crit = dict(raw["siting"]["criteria"][0], category="treinstation")
    raw["siting"] = {**raw["siting"], "criteria": [crit]}
    write_yaml(tiny["path"], raw)
    return ["category 'treinstation'", "present: station, supermarket"]


def case_bad_values_in_several_columns(tiny):
    gdf = _longlist(tiny)
    gdf["cost"] = gdf["cost"].astype(object)
    gdf.loc[0, "cost"] = "duur"
    gdf.loc[2, "available_from"] = "binnenkort"
    _bad_layer_longlist(tiny, gdf)
    return ["id A (row 1), cost: not a number: 'duur'", "id C (row 3), available_from"]


def case_many_problems_at_once(tiny):
    gdf = _longlist(tiny).drop(columns=["cost"])
    gdf.loc[3, "site_id"] = "A"
    gdf.loc[1, "geometry"] = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    _bad_layer_longlist(tiny, gdf)
    return ["3 problem(s)", "cost: required column", "duplicate id 'A'", "invalid geometry"]


CASES = [
    case_broken_yaml, case_unknown_key, case_wrong_type, case_missing_scenario_file,
    case_missing_layer_file, case_layer_without_crs, case_invalid_geometry,
    case_duplicate_ids, case_missing_column, case_empty_longlist, case_negative_capacity,
    case_negative_capacity_in_column, case_missing_category, case_bad_values_in_several_columns,
    case_many_problems_at_once,
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_exits_2_with_message_and_no_results(tiny, case, command) -> None:
    assert_refused(tiny, case(tiny), command, lang="en")


def test_repair_invalid_is_opt_in_and_reported(tiny) -> None:
    case_invalid_geometry(tiny)
    raw = dict(tiny["raw"])
    raw["layers"] = {**raw["layers"], "longlist": {**raw["layers"]["longlist"],
                                                     "repair_invalid": True}}  # fmt: skip
    write_yaml(tiny["path"], raw)
    out = tiny["dir"] / "results"
    res = cli("run", tiny["path"], "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    info = json.loads((out / "run.json").read_text())
    (longlist,) = [i for i in info["inputs"] if i["layer"] == "longlist"]
    assert longlist["repaired"] == ["B"]
    assert "repaired 1 invalid geometry" in info["stages"][0]["message"]


def test_real_process_exit_codes_and_debug_traceback(tiny) -> None:
    case_duplicate_ids(tiny)
    cmd = [sys.executable, "-m", "opvang_opt.cli", "run", str(tiny["path"]), "--lang", "en"]
    plain = subprocess.run(cmd, capture_output=True, text=True, cwd=tiny["dir"])
    assert plain.returncode == 2
    assert "duplicate id 'A'" in plain.stderr and "Traceback" not in plain.stderr
    debug = subprocess.run([*cmd, "--debug"], capture_output=True, text=True, cwd=tiny["dir"])
    assert debug.returncode == 1 and "Traceback" in debug.stderr
    assert not (tiny["dir"] / "results").exists()


def test_internal_error_exits_1_without_traceback(tiny, monkeypatch) -> None:
    from opvang_opt import pipeline

    def boom(*_a, **_k):
        raise RuntimeError("kapot")

    monkeypatch.setattr(pipeline, "run_siting", boom)
    res = cli("run", tiny["path"], "--out", tiny["dir"] / "results", "--lang", "en")
    assert res.exit_code == 1
    assert "Internal error: RuntimeError: kapot" in res.stderr and "Traceback" not in res.output
    assert not (tiny["dir"] / "results").exists()


def test_out_never_replaces_a_folder_opvang_opt_did_not_write(tiny) -> None:
    victim = tiny["dir"] / "thesis"
    victim.mkdir()
    (victim / "thesis.docx").write_text("years of work", encoding="utf-8")
    res = cli("run", tiny["path"], "--out", victim, "--lang", "en")
    assert res.exit_code == 2
    assert "already holds other files" in res.stderr
    assert (victim / "thesis.docx").read_text(encoding="utf-8") == "years of work"
    # an earlier results folder is replaced as a whole
    out = tiny["dir"] / "out"
    assert cli("run", tiny["path"], "--out", out).exit_code == 0
    (out / "stale.txt").write_text("old", encoding="utf-8")
    assert cli("run", tiny["path"], "--out", out).exit_code == 0
    assert not (out / "stale.txt").exists()

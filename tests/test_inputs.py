"""The input pass (`opvang_opt.io`): every input checked before any stage, one message for all
problems, and a pure `pipeline.run(scenario, inputs)`."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt import pipeline
from opvang_opt.cli import app
from opvang_opt.errors import DataError, InternalError
from opvang_opt.io import inputs_from_frames, load, load_inputs
from opvang_opt.schema import load_scenario
from opvang_opt.texts import render
from tests.conftest import write_yaml

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
runner = CliRunner()


def _three_bad_inputs(tmp_path: Path) -> tuple[Path, str, str]:
    """A demo variant whose longlist, households.csv and exchange tasks each hold one error."""
    longlist = gpd.read_file(ROOT / "data/demo/longlist.gpkg", layer="longlist")
    dup = str(longlist.loc[0, "site_id"])
    longlist.loc[1, "site_id"] = dup  # two sites with one id
    longlist.to_file(tmp_path / "longlist.gpkg", layer="longlist", driver="GPKG")
    hh = pd.read_csv(ROOT / "data/demo/households.csv", dtype=str, keep_default_na=False)
    bad_household = str(hh.loc[0, "household_id"])
    hh.loc[0, "group"] = "marsbewoners"  # not a group of the scenario
    hh.to_csv(tmp_path / "households.csv", index=False)
    variant = {
        "extends": str(DEMO),
        "name": "three-errors",
        "layers": {"longlist": {"path": "longlist.gpkg"}},
        "allocation": {"inputs": {"households": "households.csv"}},
        "exchange": {"tasks": {"GM0384": {"asielzoekers": -5}}},
    }
    return write_yaml(tmp_path / "three.yaml", variant), dup, bad_household


def test_longlist_households_and_exchange_errors_in_one_message_exit_2(
    tmp_path, monkeypatch
) -> None:
    path, dup, household = _three_bad_inputs(tmp_path)

    def no_solver(*_a, **_k):  # any stage running would be a failure of the input pass
        raise AssertionError("a stage ran before every input was checked")

    monkeypatch.setattr(pipeline, "run", no_solver)
    out = tmp_path / "results"
    # in English: the frame of the message is asserted in its English wording
    res = runner.invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert err.count("Error:") == 1  # one message
    lines = [ln for ln in err.splitlines() if ln.startswith("  - ")]
    assert any("longlist.gpkg" in ln and f"duplicate id '{dup}'" in ln for ln in lines), err
    assert any("households.csv" in ln and household in ln and "marsbewoners" in ln for ln in lines)
    assert any("exchange.tasks.GM0384.asielzoekers" in ln for ln in lines), err
    assert len(lines) == 3, err
    assert "✓ Reading and checking" not in err  # no tick before every input is checked
    assert "Traceback" not in res.output
    assert not out.exists()


# run the CLI in a fresh process and name, at exit, every solver module it imported
_RUNNER = """
import atexit, json, sys
from opvang_opt.cli import app

HEAVY = ("ortools", "scipy.optimize", "opvang_opt.allocation.solve", "opvang_opt.exchange._lp",
         "opvang_opt.siting.shortlist", "opvang_opt.services.solve", "opvang_opt.planning.solve")
atexit.register(lambda: print("LOADED " + json.dumps(sorted(
    m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY))),
    file=sys.stderr))
sys.argv[0] = "opvang-opt"
app()
"""


@pytest.mark.parametrize("command", ["run", "validate"])
def test_the_input_error_path_imports_no_solver(tmp_path, command) -> None:
    # the input check must not load OR-Tools, scipy's optimiser or a stage's solver module:
    # a scenario with bad inputs fails fast, before any of them is imported (issue 10)
    import subprocess
    import sys

    path, _, _ = _three_bad_inputs(tmp_path)
    args = [str(path), "--out", str(tmp_path / "out")] if command == "run" else [str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, command, *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("  - ")]) == 3
    loaded = [ln for ln in proc.stderr.splitlines() if ln.startswith("LOADED ")]
    assert loaded == ["LOADED []"], proc.stderr


def test_load_lists_input_problems_with_the_scenario_problems(tmp_path) -> None:
    path, _, _ = _three_bad_inputs(tmp_path)
    with pytest.raises(DataError) as exc:
        load(path)
    fields = {p.field for p in exc.value.problems}
    assert fields == {"site_id", "group", "exchange.tasks.GM0384.asielzoekers"}


def test_allocation_tables_are_checked_before_siting(tmp_path) -> None:
    """A bad household is found by load_inputs, with a valid longlist: no stage is needed."""
    _, _, household = _three_bad_inputs(tmp_path)
    raw = {"extends": str(DEMO), "name": "hh-only",
           "allocation": {"inputs": {"households": str(tmp_path / "households.csv")}}}  # fmt: skip
    scenario = load_scenario(write_yaml(tmp_path / "hh.yaml", raw))
    with pytest.raises(DataError) as exc:
        load_inputs(scenario)
    (problem,) = exc.value.problems
    assert render(problem.where, "en") == f"household {household}" and problem.field == "group"
    assert problem.source is not None and problem.source.endswith("households.csv")


def test_preference_for_a_longlist_site_is_valid_input_when_units_come_from_the_shortlist(
    tmp_path,
) -> None:
    """With units on the shortlist, every longlist site may be named (it may be shortlisted);
    an unknown site is still an error."""
    hh = pd.read_csv(ROOT / "data/demo/households.csv", dtype=str, keep_default_na=False)
    hh.loc[0, "preferred_sites"] = "S001"  # a longlist site, not a stock site
    hh.loc[1, "preferred_sites"] = "S999"  # neither
    hh.to_csv(tmp_path / "households.csv", index=False)
    raw = {"extends": str(DEMO), "name": "pref",
           "allocation": {"inputs": {"households": "households.csv"}}}  # fmt: skip
    with pytest.raises(DataError) as exc:
        load(write_yaml(tmp_path / "pref.yaml", raw))
    (problem,) = exc.value.problems
    assert problem.field == "preferred_sites" and "S999" in problem.text("en")
    assert render(problem.where, "en") == f"household {hh.loc[1, 'household_id']}"


def test_pure_run_on_frames_in_memory_matches_the_run_from_files(tiny, monkeypatch) -> None:
    """inputs_from_frames + run read no file: the data folder is deleted before they run."""
    from_files = pipeline.run(*load(tiny["path"]))
    scenario = load_scenario(tiny["path"])
    d = tiny["data"]
    frames = {
        "longlist": gpd.read_file(d / "sites.gpkg", layer="longlist"),
        "pois": gpd.read_file(d / "pois.gpkg", layer="pois"),
        "nature": gpd.read_file(d / "constraints.gpkg", layer="nature"),
        "hv_line": gpd.read_file(d / "constraints.gpkg", layer="hv_line").to_crs("EPSG:4326"),
    }
    shutil.rmtree(d)

    def no_reading(*_a, **_k):
        raise AssertionError("a pure run read a file")

    monkeypatch.setattr(pd, "read_csv", no_reading)
    monkeypatch.setattr(gpd, "read_file", no_reading)
    monkeypatch.setattr("pyogrio.read_dataframe", no_reading)
    inputs = inputs_from_frames(scenario, frames)
    result = pipeline.run(scenario, inputs)
    # hand-worked in conftest: A and B are near the station, B is half in nature, C is 60 m
    # from the power line, D is available too late; so A is the only eligible site
    assert list(result.siting.shortlist["site_id"]) == ["A"]
    cols = ["site_id", "excluded", "score", "rank", "shortlisted"]
    pd.testing.assert_frame_equal(
        result.siting.sites[cols].reset_index(drop=True),
        from_files.siting.sites[cols].reset_index(drop=True),
    )


def test_frames_in_memory_get_the_same_checks(tiny) -> None:
    scenario = load_scenario(tiny["path"])
    d = tiny["data"]
    longlist = gpd.read_file(d / "sites.gpkg", layer="longlist")
    longlist.loc[1, "site_id"] = "A"
    longlist = longlist.drop(columns=["cost"])
    frames = {"longlist": longlist, "pois": gpd.read_file(d / "pois.gpkg", layer="pois")}
    with pytest.raises(DataError) as exc:
        inputs_from_frames(scenario, frames)
    text = "\n".join(str(p) for p in exc.value.problems)
    assert "duplicate id 'A'" in text and "cost: required column is missing" in text
    assert "layer 'nature' (in memory): no frame given" in text
    assert "layer 'hv_line' (in memory): no frame given" in text


def test_target_not_met_exits_3_with_results_written(tiny) -> None:
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "target": {"amount": 1000}}  # only site A is eligible
    path = write_yaml(tiny["dir"] / "short.yaml", raw)
    out = tiny["dir"] / "results"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 3, res.output
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    siting = next(s for s in info["stages"] if s["name"] == "siting")
    assert siting["status"] == "target_not_met"
    assert (out / "map.html").is_file()


def test_internal_error_exits_1_asking_for_a_report(tiny, monkeypatch) -> None:
    def broken(*_a, **_k):
        raise InternalError("shortlist checker: rule broken", ["site A: over budget"])

    monkeypatch.setattr(pipeline, "run_siting", broken)
    out = tiny["dir"] / "results"
    res = runner.invoke(app, ["run", str(tiny["path"]), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 1, res.output
    assert "Internal error: shortlist checker: rule broken" in res.stderr
    assert "site A: over budget" in res.stderr and "please report" in res.stderr
    assert "Traceback" not in res.output and not out.exists()


def test_a_layer_missing_from_the_cache_is_listed_with_the_other_problems(tiny) -> None:
    """A cached layer that was never fetched is one problem (with the command that fetches
    it), listed beside a bad longlist value, and not repeated as a missing file."""
    raw = dict(tiny["raw"])
    raw["data_cache"] = str(tiny["dir"] / "empty-cache")
    raw["layers"] = {**raw["layers"], "natura": {"source": "natura2000"}}
    sites = gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")
    sites["cost"] = sites["cost"].astype(object)
    sites.loc[2, "cost"] = "duur"  # not a number
    sites.to_file(tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")
    with pytest.raises(DataError) as exc:
        load(write_yaml(tiny["dir"] / "cached.yaml", raw))
    problems = exc.value.problems
    assert len(problems) == 2, exc.value.render()
    cache, value = problems
    assert cache.field == "layers.natura.source"
    assert "run: opvang-opt data fetch --gemeente GM0384 --layers natura2000" in cache.text("en")
    assert value.field == "cost" and "C" in render(value.where, "en")


def test_allocation_tables_in_memory_are_checked_like_the_files() -> None:
    scenario, from_files = load(DEMO)
    in_memory = inputs_from_frames(scenario, from_files.layers, tables=from_files.allocation)
    a, b = from_files.allocation_data, in_memory.allocation_data
    assert a is not None and b is not None
    for name in ("households", "units", "sites", "schools", "gps"):
        pd.testing.assert_frame_equal(getattr(a.tables, name), getattr(b.tables, name))
    assert a.candidate_sites == b.candidate_sites
    # units come from the stock and the shortlist: every longlist site is a candidate
    longlist = from_files.layers["longlist"]
    assert b.candidate_sites == set(longlist["site_id"].astype(str))
    bad = from_files.allocation["households"].copy()
    bad.loc[0, "arrival_date"] = "31-02-2026"
    with pytest.raises(DataError) as exc:
        inputs_from_frames(scenario, from_files.layers, tables={**from_files.allocation,
                                                                "households": bad})  # fmt: skip
    (problem,) = exc.value.problems
    assert (
        problem.field == "arrival_date"
        and render(problem.where, "en") == f"household {bad.loc[0, 'household_id']}"
    )


def test_the_schema_imports_no_stage_and_no_heavy_library() -> None:
    # issue 10: the schema is for reading and checking scenarios; it pulls in no solver,
    # no map or chart library and no stage (checked in a fresh interpreter)
    import subprocess
    import sys

    code = "import json, sys; import opvang_opt.schema; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    loaded = json.loads(proc.stdout)
    heavy = ("ortools", "scipy.optimize", "folium", "matplotlib", "geopandas", "shapely")
    stages = ("siting", "allocation", "exchange", "planning", "services", "outputs", "connectors")
    bad = [m for m in loaded if m.split(".")[0] in heavy or m.startswith(heavy)]
    bad += [m for m in loaded if m.startswith(tuple(f"opvang_opt.{s}" for s in stages))]
    assert bad == [], bad


def test_rolling_settings_in_a_scenario_are_said_to_be_unused_by_run(tmp_path):
    """``allocation.rolling`` is accepted (for ``run_rolling``), but a CLI run allocates
    every household at once: the input pass says so instead of ignoring it silently."""
    from opvang_opt.io.scenario import load
    from opvang_opt.schema import load_raw
    from tests.conftest import write_yaml

    root = Path(__file__).resolve().parents[1]
    raw = load_raw(root / "scenarios" / "demo.yaml")
    _, plain = load(root / "scenarios" / "demo.yaml")
    assert not any("allocation.rolling" in render(w, "en") for w in plain.warnings)
    raw["allocation"]["rolling"] = {"period": "week"}
    write_yaml(tmp_path / "rolling.yaml", raw)
    _, inputs = load(tmp_path / "rolling.yaml")
    assert any(
        "allocation.rolling" in (x := render(w, "en")) and "run_rolling" in x
        for w in inputs.warnings
    )

"""Sweeps: planning (every check before anything runs), running, and the results table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from opvang_opt.errors import ScenarioError
from opvang_opt.outputs.sweep_files import write_sweep
from opvang_opt.workflows.sweep_plan import plan_sweep
from opvang_opt.workflows.sweep_run import RESULT_COLUMNS, run_sweep, run_variant
from tests.conftest import write_yaml


def sweep_file(tiny, **spec) -> Path:
    data = {"base": "tiny.yaml", **spec}
    return write_yaml(tiny["dir"] / "sweep.yaml", data)


def test_grid_from_vary_options(tiny):
    plan = plan_sweep(
        tiny["path"], ["siting.target.amount=10:30:10", "siting.criteria[station].weight=1,3"]
    )
    assert plan.mode == "grid" and plan.name == "tiny-sweep"
    assert plan.param_names == ["siting.target.amount", "siting.criteria[station].weight"]
    assert [v.params["siting.target.amount"] for v in plan.variants] == [10, 10, 20, 20, 30, 30]
    # the variant's raw scenario holds the value at the right place, by name
    v = plan.variants[1]
    assert v.raw["siting"]["target"]["amount"] == 10
    assert v.raw["siting"]["criteria"][0]["weight"] == 3
    assert v.raw["siting"]["criteria"][1]["weight"] == 1  # untouched


def test_sweep_file_with_set_random_and_reproducible(tiny):
    path = sweep_file(
        tiny, name="tiny-random", mode="random", samples=7, seed=3,
        set={"siting.robustness.samples": 0},
        parameters={"siting.criteria[cost].weight": {"low": 0.5, "high": 2},
                    "siting.target.amount": {"start": 10, "stop": 40, "step": 10},
                    "siting.capacity.density_units_per_ha": {"low": 20, "high": 40,
                                                             "integer": True}},
    )  # fmt: skip
    a, b = plan_sweep(path), plan_sweep(path)
    assert a.name == "tiny-random" and len(a.variants) == 7
    assert [v.params for v in a.variants] == [v.params for v in b.variants]
    for v in a.variants:
        assert 0.5 <= v.params["siting.criteria[cost].weight"] <= 2
        assert v.params["siting.target.amount"] in (10, 20, 30, 40)
        assert isinstance(v.params["siting.capacity.density_units_per_ha"], int)
        assert v.raw["siting"]["robustness"]["samples"] == 0  # from set:
    assert a.fixed == {"siting.robustness.samples": 0}
    # a different seed draws other variants; --samples switches a grid file to random
    assert [v.params for v in plan_sweep(path, seed=4).variants] != [v.params for v in a.variants]
    # paths in the base stay relative to the base file
    assert Path(a.variants[0].raw["layers"]["longlist"]["path"]).is_file()


def test_vary_replaces_a_file_parameter(tiny):
    path = sweep_file(tiny, parameters={"siting.target.amount": [10, 20]})
    plan = plan_sweep(path, ["siting.target.amount=5"])
    assert [v.params["siting.target.amount"] for v in plan.variants] == [5]


@pytest.mark.parametrize(
    ("vary", "needle"),
    [
        (["siting.target.amout=1,2"], "siting.target has no key 'amout' (did you mean 'amount'?)"),
        (["siting.criteria[statoin].weight=1"], "did you mean 'station'?"),
        (["siting.capacity.density=10"], "did you mean"),
        (["nonsense=1"], "(top level) has no key 'nonsense'"),
        (["siting.target.amount=-5,10"], "variant 1 (siting.target.amount=-5)"),
        (["siting.target.unit=units,persons"], "Input should be 'units' or 'places'"),
        ([], "nothing to vary"),
    ],
)  # fmt: skip
def test_bad_sweeps_are_refused_before_running(tiny, vary, needle):
    with pytest.raises(ScenarioError) as info:
        plan_sweep(tiny["path"], vary)
    assert needle in info.value.render()


def test_invalid_variant_values_are_listed_per_variant(tiny):
    with pytest.raises(ScenarioError) as info:
        plan_sweep(tiny["path"], ["siting.criteria[station].weight=-1,1,-2"])
    text = info.value.render()
    assert info.value.summary_text("en").startswith("2 of 3 variant(s) break the scenario schema")
    assert "variant 1 (siting.criteria[station].weight=-1)" in text
    assert "variant 3 (siting.criteria[station].weight=-2)" in text
    assert "greater than or equal to 0" in text


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"parameters": {"siting.target.amount": {"low": 1, "high": 9}}},
         "low/high can only be sampled"),
        ({"mode": "random", "parameters": {"siting.target.amount": [1, 2]}},
         "random mode needs samples"),
        ({"parameters": {"siting.target.amount": {"start": 9, "stop": 1, "step": 1}}},
         "has no values"),
        ({"parameters": {"siting.target.amount": []}}, "no values"),
        ({"paramters": {}}, "unknown key (did you mean 'parameters'?)"),
        ({"set": {"siting.robustnes.samples": 0}, "parameters": {"siting.target.amount": [1]}},
         "did you mean 'robustness'"),
    ],
)  # fmt: skip
def test_bad_sweep_files(tiny, spec, needle):
    with pytest.raises(ScenarioError) as info:
        plan_sweep(sweep_file(tiny, **spec))
    assert needle in info.value.render()


def test_missing_base_and_missing_file(tiny):
    with pytest.raises(ScenarioError, match="Base scenario not found"):
        plan_sweep(write_yaml(tiny["dir"] / "s.yaml", {"base": "nope.yaml", "parameters": {}}))
    with pytest.raises(ScenarioError, match="file not found"):
        plan_sweep(tiny["dir"] / "absent.yaml")


def test_run_variant_row_and_a_failing_variant(tiny):
    plan = plan_sweep(tiny["path"], ["siting.criteria[station].category=station,nope"])
    ok = run_variant(plan.variants[0].raw, 1, plan.variants[0].params)
    assert ok["status"] == "ok" and ok["error"] is None
    assert ok["shortlisted"] and ok["capacity_selected"] >= 30 and ok["seconds"] > 0
    assert set(RESULT_COLUMNS) <= set(ok)
    bad = run_variant(plan.variants[1].raw, 2, plan.variants[1].params)
    assert bad["status"] == "error" and bad["error_type"] == "DataError"
    assert "category 'nope'" in bad["error"]
    assert bad["siting.criteria[station].category"] == "nope"


def test_run_in_process_writes_csv_parquet_json(tiny, tmp_path):
    plan = plan_sweep(tiny["path"], ["siting.target.amount=30,999",
                                     "siting.criteria[station].category=station,nope"])  # fmt: skip
    seen = []
    result = run_sweep(plan, workers=0, progress=lambda d, t, row: seen.append((d, t)))
    assert seen[-1] == (4, 4)
    table = result.table
    assert list(table["variant"]) == [1, 2, 3, 4]
    assert list(table["status"]) == ["ok", "error", "target_not_met", "error"]
    assert result.n_failed == 2 and result.n_ok == 1
    folder = write_sweep(result, tmp_path / "out")
    assert {p.name for p in folder.iterdir()} == {"sweep.csv", "sweep.parquet", "sweep.json"}
    back = pd.read_parquet(folder / "sweep.parquet")
    assert list(back.columns) == list(table.columns)
    assert back["siting.target.amount"].tolist() == [30, 30, 999, 999]
    assert pd.read_csv(folder / "sweep.csv")["status"].tolist() == list(table["status"])
    info = json.loads((folder / "sweep.json").read_text())
    assert info["variants"] == 4 and info["failed"] == 2 and info["executor"] == "in process"
    assert info["parameters"]["siting.target.amount"] == [30, 999]


@pytest.mark.slow
def test_local_cluster_gives_the_same_table(tiny):
    plan = plan_sweep(tiny["path"], ["siting.target.amount=10,30,999",
                                     "siting.criteria[station].category=station,nope"])  # fmt: skip
    local = run_sweep(plan, workers=0)
    dask = run_sweep(plan, workers=2)
    assert dask.executor == "local cluster" and dask.workers == 2
    cols = ["variant", "status", "shortlisted", "capacity_selected", "total_value", "error"]
    pd.testing.assert_frame_equal(local.table[cols], dask.table[cols])
    assert dask.table["worker"].nunique() >= 1


@pytest.mark.slow
def test_a_scheduler_without_workers_is_a_clear_error(tiny):
    from distributed import LocalCluster

    from opvang_opt.workflows.sweep_run import ClusterError

    plan = plan_sweep(tiny["path"], ["siting.target.amount=30"])
    cluster = LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                           dashboard_address=None)  # fmt: skip
    with cluster, pytest.raises(ClusterError, match="has no workers") as info:
        run_sweep(plan, scheduler=cluster.scheduler_address, connect_timeout=1)
    assert "dask worker" in info.value.render()

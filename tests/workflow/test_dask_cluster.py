"""A sweep through a real Dask scheduler and worker, started as separate processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.dask_processes import dask_processes


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` on 127.0.0.1 (free ports), torn down after."""
    with dask_processes(tmp_path, workers=1) as address:
        yield address


@pytest.mark.slow
def test_sweep_through_a_running_scheduler(tiny, dask_cluster):
    out = tiny["dir"] / "out"
    res = CliRunner().invoke(app, [
        "sweep", str(tiny["path"]), "--vary", "siting.target.amount=10,30,999",
        "--vary", "siting.criteria[station].category=station,nope",
        "--scheduler", dask_cluster, "--timeout", "30", "--out", str(out), "--lang", "en",
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"on {dask_cluster} (1 worker(s))" in res.stdout
    table = pd.read_csv(out / "sweep.csv")
    assert table["status"].tolist() == ["ok", "error", "ok", "error", "target_not_met", "error"]
    # every variant ran in the worker process, not here
    pids = {int(w.rsplit(":", 1)[1]) for w in table["worker"]}
    assert len(pids) == 1 and os.getpid() not in pids

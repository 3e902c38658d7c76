"""A sweep through a real Dask scheduler and worker, started as separate processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app

DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """Stop a process we started and everything it started (its own process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and one `dask worker` on 127.0.0.1 (free ports), torn down after."""
    if not DASK.exists():
        pytest.skip(f"the dask command is not installed beside {sys.executable}")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("scheduler", "worker")}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard"],
            stdout=logs["scheduler"], stderr=subprocess.STDOUT, env=env, start_new_session=True,
        ))  # fmt: skip
        wait_for_port(port, procs[0])
        procs.append(subprocess.Popen(
            [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1",
             "--host", "127.0.0.1", "--no-dashboard", "--name", "opvang-test-worker"],
            stdout=logs["worker"], stderr=subprocess.STDOUT, env=env, start_new_session=True,
            cwd=tmp_path,
        ))  # fmt: skip
        yield address
    finally:
        for proc in reversed(procs):
            stop(proc)
        for fh in logs.values():
            fh.close()


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

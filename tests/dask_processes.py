"""A real `dask scheduler` with `dask worker` processes, for the tests that run on Dask."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

DASK = Path(sys.executable).with_name("dask")
SRC = Path(__file__).resolve().parents[1] / "src"


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


@contextmanager
def dask_processes(tmp_path: Path, workers: int) -> Iterator[str]:
    """Start a scheduler and `workers` one-thread workers on 127.0.0.1; yield its address.

    The workers run in `tmp_path` and import this source tree; logs go to `tmp_path`. Every
    process is stopped (with its process group) on the way out.
    """
    if not DASK.exists():
        pytest.skip(f"the dask command is not installed beside {sys.executable}")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
    procs: list[subprocess.Popen] = []
    with ExitStack() as files:
        log = [files.enter_context((tmp_path / f"dask-{n}.log").open("w"))
               for n in ["scheduler", *(f"w{i}" for i in range(1, workers + 1))]]  # fmt: skip
        try:
            procs.append(subprocess.Popen(
                [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--no-dashboard"], stdout=log[0], stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            ))  # fmt: skip
            wait_for_port(port, procs[0])
            for i in range(1, workers + 1):
                procs.append(subprocess.Popen(
                    [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--host", "127.0.0.1", "--no-dashboard", "--name", f"opvang-w{i}"],
                    stdout=log[i], stderr=subprocess.STDOUT, env=env, start_new_session=True,
                    cwd=tmp_path,
                ))  # fmt: skip
            yield address
        finally:
            for proc in reversed(procs):
                stop(proc)

"""The sweep command: bad input exits 2 with a clear message; a run writes its table."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.conftest import write_yaml
from tests.dask_processes import free_port

runner = CliRunner()


def cli(*args):
    # in English: the messages below are asserted in their English wording
    return runner.invoke(app, [*(str(a) for a in args), "--lang", "en"])


def test_sweep_in_process(tiny):
    out = tiny["dir"] / "out"
    res = cli("sweep", tiny["path"], "--vary", "siting.target.amount=10:30:20",
              "--vary", "siting.criteria[station].category=station,nope",
              "--workers", "0", "--out", out)  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Sweep: 4 variants" in res.stdout and "2 failed" in res.stdout
    assert "variant 2 failed" in res.stderr and "category 'nope'" in res.stderr
    assert f"Results: {out.resolve()}" in res.stdout
    table = pd.read_csv(out / "sweep.csv")
    assert table["status"].tolist() == ["ok", "error", "ok", "error"]
    assert json.loads((out / "sweep.json").read_text())["variants"] == 4


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--vary", "siting.target.amout=1,2"],
         ["Error: Invalid sweep", "has no key 'amout' (did you mean 'amount'?)"]),
        (["--vary", "siting.target.amount=700:600:50"],
         ["Invalid --vary option", "has no values: start 700 is above stop 600"]),
        (["--vary", "siting.target.amount"], ["expected PATH=V1,V2"]),
        (["--vary", "siting.target.amount=-1,5"], ["1 of 2 variant(s) break the scenario schema",
                                                   "variant 1 (siting.target.amount=-1)"]),
        ([], ["nothing to vary"]),
        (["--vary", "siting.target.amount=5", "--scheduler", "not an address"],
         ["Invalid scheduler address 'not an address'", "tcp://HOST:PORT"]),
    ],
)  # fmt: skip
def test_bad_input_exits_2_and_writes_nothing(tiny, args, needles):
    out = tiny["dir"] / "out"
    res = cli("sweep", tiny["path"], *args, "--out", out)
    assert res.exit_code == 2, res.output
    for needle in needles:
        assert needle in res.stderr
    assert "Traceback" not in res.output
    assert not out.exists()


def test_unreachable_scheduler_fails_fast_with_a_clear_message(tiny):
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens here
    t0 = time.perf_counter()
    res = cli("sweep", tiny["path"], "--vary", "siting.target.amount=5", "--scheduler", address,
              "--timeout", "2", "--out", tiny["dir"] / "out")  # fmt: skip
    elapsed = time.perf_counter() - t0
    assert res.exit_code == 2, res.output
    assert f"Cannot reach the Dask scheduler at {address} within 2 s" in res.stderr
    assert "dask scheduler" in res.stderr  # says how to start one
    assert elapsed < 10, f"took {elapsed:.1f} s"


def test_sweep_file_on_the_command_line(tiny):
    path = write_yaml(tiny["dir"] / "s.yaml", {
        "name": "s-test", "base": "tiny.yaml", "mode": "random", "samples": 3, "seed": 1,
        "parameters": {"siting.criteria[cost].weight": {"low": 0.1, "high": 1}},
    })  # fmt: skip
    out = tiny["dir"] / "res"
    res = cli("sweep", path, "--workers", "0", "--out", out)
    assert res.exit_code == 0, res.output
    assert "3 variant(s) (random)" in res.stderr
    assert len(pd.read_parquet(out / "sweep.parquet")) == 3

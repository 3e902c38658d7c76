"""The package as a user installs it: a wheel in a fresh virtual environment, run from a
folder outside the repository, finds its demo through importlib.resources."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _sh(*cmd: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip
    return proc


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_demo_outside_the_repository(tmp_path) -> None:
    # build from a copy, so the build leaves nothing in the working tree
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "results", "cache")
    for part in ("pyproject.toml", "README.md", "src", "scenarios", "data/demo"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, source / part, symlinks=True, ignore=skip)
        else:
            (source / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / part, source / part)
    wheels = tmp_path / "wheels"
    built = _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, source,
                cwd=tmp_path)  # fmt: skip
    if built.returncode != 0 and "Could not find a version" in built.stderr + built.stdout:
        pytest.skip(f"no network for the build backend: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("opvang_opt-*.whl")

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    installed = _sh(sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "-q",
                    wheel, cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    # the dependencies come from this environment's site-packages, added after the fresh
    # venv's own (a plain path line: this environment's editable opvang-opt is not loaded)
    site = Path(_sh(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path).stdout.strip())  # fmt: skip
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    work = tmp_path / "elsewhere"  # outside the repository
    work.mkdir()
    where = _sh(py, "-c", "import opvang_opt, opvang_opt.resources as r; "
                "print(opvang_opt.__file__); print(r.demo_scenario())", cwd=work)  # fmt: skip
    assert where.returncode == 0, where.stderr
    module, scenario = where.stdout.split()
    assert Path(module).is_relative_to(env_dir) and Path(scenario).is_relative_to(env_dir)
    assert not Path(module).is_relative_to(ROOT)

    cli = env_dir / "bin" / "opvang-opt"
    res = _sh(cli, "demo", "--out", "out", cwd=work)
    assert res.returncode == 0, res.stderr
    info = json.loads((work / "out" / "run.json").read_text(encoding="utf-8"))
    # every input was read from the installed package, none from the repository
    paths = [Path(i["path"]) for i in info["inputs"]]
    assert paths and all(p.is_relative_to(env_dir) for p in paths), paths
    assert (work / "out" / "map.html").is_file()
    demo = _sh(py, "-c", "from opvang_opt.exchange import load_demo_config; "
               "print(load_demo_config().codes)", cwd=work)  # fmt: skip
    assert demo.stdout.strip() == "['GM0384', 'GM0437', 'GM0451']", demo.stderr

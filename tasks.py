#!/usr/bin/env python3
"""Set up and run opvang-opt with nothing but Python 3.11 and pip.

    python3 tasks.py demo     set up .venv, run the bundled demo, print where the results are
    python3 tasks.py test     set up .venv, run ruff, mypy and the whole test suite
    python3 tasks.py setup    only set up .venv (from the pinned lock file)
    python3 tasks.py lock     re-pin requirements.lock from pyproject.toml (needs uv)

Set-up is skipped when the lock file and pyproject.toml are unchanged since the last one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".setup-stamp"


def sh(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    """Run a command in the project folder; stop with its exit code if it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if code != 0:
        sys.exit(code)


def setup() -> None:
    """Create .venv and install the pinned dependencies and the package (editable)."""
    if sys.version_info[:2] != (3, 11):
        print(f"warning: opvang-opt is pinned for Python 3.11; this is {sys.version.split()[0]}")
    key = hashlib.sha256(
        (ROOT / "requirements.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == key and PY.exists():
        return
    if not PY.exists():
        print(f"Creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [PY, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    sh(*pip, "-r", "requirements.lock")
    sh(*pip, "--no-deps", "-e", ".")
    STAMP.write_text(key)


def demo() -> None:
    """Run the bundled (fictitious) Duo+ demo scenario."""
    setup()
    sh(BIN / "opvang-opt", "run", "scenarios/demo.yaml", "--out", "results/demo")


def test() -> None:
    """Run ruff (lint and format check), mypy on the package and the whole test suite.

    The browser tests need Chromium (Debian: apt-get install chromium) and npm (for a local
    copy of Leaflet, fetched once into ~/.cache/opvang-opt-test). Without them they skip
    with the reason, except under CI=true (see .ci/run, which installs both).
    """
    setup()
    missing = [name for name in ("chromium", "npm") if shutil.which(name) is None]
    if missing:
        how = "they fail under CI=true" if os.environ.get("CI") == "true" else "they skip"
        print(f"note: {', '.join(missing)} not found: the browser tests {how}", flush=True)
    (ROOT / "artifacts").mkdir(exist_ok=True)  # screenshots of the browser tests (git-ignored)
    sh(BIN / "ruff", "check", ".")
    sh(BIN / "ruff", "format", "--check", ".")
    sh(PY, "-m", "mypy")  # settings and files: [tool.mypy] in pyproject.toml
    sh(PY, "-m", "pytest", "-q", *sys.argv[2:])


def lock() -> None:
    """Re-pin requirements.lock from pyproject.toml with uv (pip install uv first)."""
    uv = BIN / "uv" if (BIN / "uv").exists() else "uv"
    sh(
        uv, "pip", "compile", "pyproject.toml", "--extra", "test", "--python-version",
        "3.11", "--python-platform", "x86_64-manylinux_2_28", "-o", "requirements.lock",
    )  # fmt: skip


COMMANDS = {"setup": setup, "demo": demo, "test": test, "lock": lock}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]]()

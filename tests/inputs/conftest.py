"""Fixtures of the input tests: a copy of the demo that a test may break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.inputs.demo_edit import ROOT


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo scenarios and data copied to ``tmp_path`` (its root)."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "data" / "demo", tmp_path / "data" / "demo")
    return tmp_path

"""Edits of a demo copy (the ``demo`` fixture) for the bad-input corpora."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DEMO = Path("data") / "demo"
"""The demo's data folder, relative to the copy's root."""


def edit_table(demo: Path, name: str, fn: Callable[[pd.DataFrame], object]) -> None:
    """Read a demo CSV as text, let ``fn`` change it in place, write it back."""
    path = demo / DEMO / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df)
    df.to_csv(path, index=False)


def edit_scenario(demo: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the demo scenario (which must hold it) by ``new``."""
    path = demo / "scenarios" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")

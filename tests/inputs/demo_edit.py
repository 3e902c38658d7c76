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


def refused(demo: Path, expected: list[str], command: str = "run", lang: str | None = "en") -> str:
    """Run the CLI (``run`` or ``validate``) on the demo copy: exit 2, every text of
    ``expected`` in its message, no traceback, nothing written (no results folder, no
    half-written temporary one). ``lang=None``: the default language (Dutch)."""
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    out = demo / "results"
    scenario = str(demo / "scenarios" / "demo.yaml")
    args = ["run", scenario, "--out", str(out)] if command == "run" else ["validate", scenario]
    res = CliRunner().invoke(app, [*args, *(["--lang", lang] if lang else [])])
    assert res.exit_code == 2, res.output
    for text in expected:
        assert text in res.stderr, f"{text!r} not in:\n{res.stderr}"
    assert "Traceback" not in res.output
    assert not out.exists()
    assert not [p for p in demo.iterdir() if p.name.startswith(".results")]
    return res.stderr

"""The committed JSON Schema and the README stay true."""

from __future__ import annotations

import json
import re
from pathlib import Path

from opvang_opt.schema import json_schema

ROOT = Path(__file__).resolve().parents[1]


def test_committed_json_schema_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: opvang-opt schema --out docs/scenario.schema.json"


def test_readme_quick_start_has_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)^## ", text, re.S | re.M)
    assert section, "README needs a '## Quick start' section"
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", section.group(1), re.S)
    commands = [
        ln for b in blocks for ln in b.splitlines() if ln.strip() and not ln.startswith("#")
    ]
    assert commands == ["python3 tasks.py demo", "python3 tasks.py test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 tasks.py test" in ci


def test_tasks_test_runs_the_checks_the_readme_names_in_order() -> None:
    # `python3 tasks.py test`: ruff check, ruff format --check, mypy, then pytest; the README
    # says so next to the Quick start
    tasks = (ROOT / "tasks.py").read_text(encoding="utf-8")
    body = tasks.split("\ndef test()", 1)[1].split("\ndef ", 1)[0]
    steps = [
        body.index('"ruff", "check"'),
        body.index('"format", "--check"'),
        body.index('"-m", "mypy"'),
        body.index('"-m", "pytest"'),
    ]
    assert steps == sorted(steps)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "`ruff` (lint and format check), `mypy`" in " ".join(quick.split())

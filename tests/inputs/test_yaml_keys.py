"""Keys that YAML reads as yes/no or nothing are refused with their line and full path.

YAML 1.1 reads an unquoted ``on``, ``off``, ``yes``, ``no`` or ``~`` key as a yes/no value
or nothing. The schema then said "Keys should be strings (got True)" at ``siting[1]``;
the message now names the key as written, its line and the full field path. A year as
the key of a yearly budget stays allowed (a number key is the schema's to judge).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.inputs.demo_edit import edit_scenario, refused


@pytest.mark.parametrize("key", ["on", "Off", "yes", "NO", "~", "null"])
def test_yes_no_or_null_key_is_named_with_its_line(demo: Path, key: str) -> None:
    edit_scenario(demo, "  target:\n", f"  {key}: 3\n  target:\n")
    lines = (demo / "scenarios" / "demo.yaml").read_text(encoding="utf-8").split("\n")
    line = lines.index(f"  {key}: 3") + 1
    refused(
        demo,
        [f"demo.yaml, line {line}, siting.{key}", f"YAML reads the key '{key}' as yes/no"],
        command="validate",
    )


def test_quoted_key_is_text_and_gets_the_schemas_unknown_key_message(demo: Path) -> None:
    edit_scenario(demo, "  target:\n", "  'on': 3\n  target:\n")
    err = refused(demo, ["siting.on"], command="validate")
    assert "as yes/no" not in err


def test_year_keys_of_a_yearly_budget_are_allowed(demo: Path) -> None:
    text = (demo / "scenarios" / "demo.yaml").read_text(encoding="utf-8")
    assert "planning:" in text
    edit_scenario(
        demo, "planning:", "planning:\n  yearly_budget_eur: {2026: 50000000, 2027: 50000000}"
    )
    res = CliRunner().invoke(app, ["validate", str(demo / "scenarios" / "demo.yaml")])
    assert res.exit_code == 0, res.output

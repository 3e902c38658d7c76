"""A required column written in another case or with spaces gets a did-you-mean hint.

Column names are exact (``unit_id``); a municipality's export often writes ``Unit_ID`` or
``Household ID``. The message names the column it has, so the user renames one header
instead of reading the list of columns present.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inputs.demo_edit import DEMO, refused


def _rename_header(demo: Path, file: str, old: str, new: str) -> None:
    path = demo / DEMO / file
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(",")
    assert old in header
    lines[0] = ",".join(new if h == old else h for h in header)
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("units.csv", "unit_id", "Unit_ID"),  # allocation units (a layer-style table)
        ("households.csv", "persons", "Persons"),  # allocation households
        ("providers.csv", "capacity", "Capacity"),  # services providers
        ("planning_stock.csv", "permit_end", "Permit End"),  # planning stock
    ],
)
def test_case_or_space_variant_of_a_required_column_is_named(
    demo: Path, file: str, old: str, new: str
) -> None:
    _rename_header(demo, file, old, new)
    err = refused(demo, [f"{file}, {old}", "required column is missing", f"did you mean '{new}'?"])
    assert err.count("required column is missing") == 1


def test_dutch_hint(demo: Path) -> None:
    _rename_header(demo, "units.csv", "unit_id", "Unit_ID")
    refused(demo, ["units.csv, unit_id", "bedoelde u 'Unit_ID'?"], lang=None)

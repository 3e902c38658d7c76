"""Implausible sizes in the scenario are refused before anything runs.

A capacity target of 10^15 places ran to the end and reported "750 of
1,000,000,000,000,000 places" with exit 3; a search radius of 10^15 m was accepted. Both
are unit or typing errors (the whole country's asylum reception is about 100,000 places;
no rule in one region reaches beyond 100 km). Each is refused with exit 2, the scenario
file, the full field path and the limit; the limit itself is accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from opvang_opt.cli import app
from tests.inputs.demo_edit import edit_scenario, refused

CASES = [
    # (old text in the demo scenario, new text, field path, limit)
    ("target:\n    amount: 600", "target:\n    amount: 1000000000000000",
     "siting.target.amount", "1000000"),
    ("radius_m: 1000", "radius_m: 1.0e15", "siting.criteria[4].radius_m", "100000"),
    ("min_distance_m: 250", "min_distance_m: 250000", "siting.shortlist.min_distance_m",
     "100000"),
    ("distance_m: 120", "distance_m: 120000000", "distance_m", "100000"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "field", "limit"), CASES)
def test_implausible_size_is_refused(demo: Path, old: str, new: str, field: str, limit: str):
    edit_scenario(demo, old, new)
    refused(demo, ["demo.yaml", field, f"less than or equal to {limit}"], command="validate")


def test_limits_themselves_are_accepted(demo: Path) -> None:
    from typer.testing import CliRunner

    edit_scenario(demo, "target:\n    amount: 600", "target:\n    amount: 1000000")
    edit_scenario(demo, "radius_m: 1000", "radius_m: 100000")
    res = CliRunner().invoke(app, ["validate", str(demo / "scenarios" / "demo.yaml")])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "shown"),
    [
        ("providers.csv", "TK-P0066", "capacity", "1000000000000000", "100,000"),
        ("facilities.csv", "TV-1", "capacity", "100001", "100,000"),
    ],
)
def test_services_number_above_its_maximum_is_refused(
    demo: Path, file: str, row: str, column: str, value: str, shown: str
) -> None:
    from tests.inputs.demo_edit import edit_table

    def put(df) -> None:
        df.loc[df.iloc[:, 0] == row, column] = value

    edit_table(demo, file, put)
    refused(demo, [f"{file}, id {row}, {column}", f"{value} is above the maximum {shown}"])

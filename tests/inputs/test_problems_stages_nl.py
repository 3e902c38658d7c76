"""Bad planning, allocation and services tables through the CLI: the problems are Dutch by
default and today's English with ``--lang en``; exit 2 both times, nothing written.

Each case writes one table with known faults; the Dutch and English phrases asserted are
the catalogue's texts for those faults (``opvang_opt.texts.problems_stages``), with the
values of the table filled in by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.conftest import ORIGIN, write_yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.yaml"
runner = CliRunner()


def _refused(path: Path, out: Path, lang: str | None) -> str:
    """Run the scenario; assert exit 2, no traceback, nothing written; the message text."""
    args = ["run", str(path), "--out", str(out)] + (["--lang", lang] if lang else [])
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]
    return " ".join(res.stderr.split())


def _both(path: Path, out: Path, dutch: list[str], english: list[str]) -> None:
    """Dutch by default (no English phrase), English with ``--lang en`` (no Dutch phrase)."""
    nl = _refused(path, out, None)
    en = _refused(path, out, "en")
    for text in dutch:
        assert text in nl, f"{text!r} not in:\n{nl}"
        assert text not in en, f"{text!r} in the English message:\n{en}"
    for text in english:
        assert text in en, f"{text!r} not in:\n{en}"
        assert text not in nl, f"{text!r} in the Dutch message:\n{nl}"


# --------------------------------------------------------------------------- planning


def _planning(tiny: dict[str, Any], tasks: str, stock: str) -> Path:
    d = tiny["dir"]
    (d / "tasks.csv").write_text(tasks, encoding="utf-8")
    (d / "stock.csv").write_text(stock, encoding="utf-8")
    raw = yaml.safe_load(Path(tiny["path"]).read_text(encoding="utf-8"))
    raw["planning"] = {
        "start": "2026-01-01",
        "periods": 4,
        "groups": [{"name": "ontheemden"}],
        "tasks": {"path": "tasks.csv"},
        "stock": {"path": "stock.csv"},
        "candidates": {"from": "eligible"},
        "defaults": {"lead_time_months": 0},
        "solver": {"time_limit_s": 20},
    }
    return write_yaml(d / "plan.yaml", raw)


def test_bad_planning_tables_in_dutch_and_english(tiny) -> None:
    # row 2: task 'x' is no number; row 3: period 2040-H1 is not on the horizon (2026-H1
    # to 2027-H2); stock row 2: 0 units is below the minimum 1, and a duplicate id below
    path = _planning(
        tiny,
        "period,municipality_code,group,task\n2026-H1,GM0384,ontheemden,x\n"
        "2040-H1,GM0384,ontheemden,1\n",
        "site_id,name,municipality_code,units,occupants,group,permit_end\n"
        "B1,Berg,GM0384,0,0,ontheemden,2027-12-31\n"
        "B1,Dal,GM0384,5,5,ontheemden,2027-12-31\n",
    )
    _both(
        path,
        tiny["dir"] / "results",
        dutch=[
            "De invoer heeft 4 problemen",
            "tasks.csv, rij 2, task: 'x' is geen geheel getal",
            "tasks.csv, rij 3, period: periode '2040-H1' ligt na de laatste periode van de "
            "planning (2027-H2; planning.periods is 4)",
            "stock.csv, rij 2 (B1), units: 0 is lager dan het minimum 1",
            "stock.csv, rij 3 (B1), site_id: id 'B1' komt dubbel voor",
        ],
        english=[
            "The inputs have 4 problem(s)",
            "tasks.csv, row 2, task: 'x' is not a whole number",
            "tasks.csv, row 3, period: period '2040-H1' lies after the plan's last period "
            "(2027-H2; planning.periods is 4)",
            "stock.csv, row 2 (B1), units: 0 is below the minimum 1",
            "stock.csv, row 3 (B1), site_id: duplicate id 'B1'",
        ],
    )


# --------------------------------------------------------------------------- allocation


def test_bad_households_table_in_dutch_and_english(tmp_path: Path) -> None:
    hh = pd.read_csv(ROOT / "data/demo/households.csv", dtype=str, keep_default_na=False)
    first, second = str(hh.loc[0, "household_id"]), str(hh.loc[1, "household_id"])
    hh.loc[0, "group"] = "marsbewoners"  # not a group of the scenario
    hh.loc[1, "needs_wheelchair"] = "misschien"  # neither true nor false
    hh.to_csv(tmp_path / "households.csv", index=False)
    raw = {"extends": str(DEMO), "name": "bad-households",
           "allocation": {"inputs": {"households": "households.csv"}}}  # fmt: skip
    path = write_yaml(tmp_path / "hh.yaml", raw)
    _both(
        path,
        tmp_path / "results",
        dutch=[
            f"huishouden {first}, group: onbekende groep 'marsbewoners' (bekend: ",
            f"huishouden {second}, needs_wheelchair: geen true/false (waar/onwaar): 'misschien'",
        ],
        english=[
            f"household {first}, group: unknown group 'marsbewoners' (known: ",
            f"household {second}, needs_wheelchair: not true/false: 'misschien'",
        ],
    )


# --------------------------------------------------------------------------- services


def test_bad_services_table_in_dutch_and_english(tiny) -> None:
    d = tiny["dir"]
    # T1: capacity '12,5' (a decimal comma, undeclared) is no number; T2: type 'kerk' is
    # not a service type; T2 also appears twice (lines 3 and 4)
    x, y = ORIGIN[0] + 50, ORIGIN[1] + 50
    (d / "providers.csv").write_text(
        "provider_id,name,type,x,y,capacity\n"
        f'T1,School,taalklas,{x},{y},"12,5"\n'
        f"T2,Kerk,kerk,{x},{y},10\n"
        f"T2,Kerk,gp,{x},{y},10\n",
        encoding="utf-8",
    )
    raw = {**tiny["raw"], "services": {"providers": {"path": "providers.csv"}}}
    write_yaml(tiny["path"], raw)
    _both(
        tiny["path"],
        d / "results",
        dutch=[
            "providers.csv, id T1, capacity: '12,5' is geen getal",
            "providers.csv, id T2, type: type 'kerk' is niet een van ",
            "providers.csv, id T2, provider_id: id 'T2' komt dubbel voor (regels 3, 4)",
        ],
        english=[
            "providers.csv, id T1, capacity: '12,5' is not a number",
            "providers.csv, id T2, type: type 'kerk' is not one of ",
            "providers.csv, id T2, provider_id: duplicate id 'T2' (lines 3, 4)",
        ],
    )

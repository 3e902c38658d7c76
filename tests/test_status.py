"""One status vocabulary and one checker convention (issue 10).

- A checker that finds a broken rule in an optimiser's result is a bug: the CLI exits 1
  and asks to report it, never "bad input" (exit 2). The broken result is planted at the
  checker's boundary (the solver's output); the checkers themselves run unchanged.
- An infeasible exchange is a status with a diagnosis: the run goes on and writes its
  results.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from opvang_opt import pipeline
from opvang_opt.cli import app
from opvang_opt.exchange import ExchangeConfig, run_exchange
from opvang_opt.io import load
from opvang_opt.siting import stage as siting_stage
from opvang_opt.status import SolveStatus, StageStatus
from opvang_opt.texts import render
from tests.conftest import write_yaml
from tests.exchange._helpers import one_group_config

runner = CliRunner()
A, B = "GM0384", "GM0437"


FEASIBLE = (10, 30)
"""A houses its own 10 at 100 per place, B has room for 30 at 50: by hand, the cheapest
exchange moves A's 10 to B (cost 20 x 50 = 1000; 1500 without exchange)."""
INFEASIBLE = (6, 11)
"""Room for 6 + 11 = 17 places for a task of 20: 3 short whatever the bounds."""


def exchange_section(capacity: tuple[int, int]) -> dict[str, Any]:
    """Two municipalities with a task of 10 each and room for ``capacity`` places."""
    return one_group_config(
        [
            (A, 10, [{"type": "t", "places": capacity[0], "cost_per_place": 100}]),
            (B, 10, [{"type": "t", "places": capacity[1], "cost_per_place": 50}]),
        ]
    )


def with_exchange(tiny: dict[str, Any], capacity: tuple[int, int]) -> Path:
    raw = dict(tiny["raw"], exchange=exchange_section(capacity))
    return write_yaml(tiny["dir"] / f"tiny_exchange_{capacity[1]}.yaml", raw)


def assert_reported_as_bug(res: Any, rule: str) -> None:
    assert res.exit_code == 1, res.output
    assert "please report" in res.output
    assert "Internal error" in res.output and "Error: " not in res.output  # not bad input
    assert f"  - {rule}" in res.output  # every broken rule listed, by its code


# --------------------------------------------------------------------------- checkers


def test_broken_shortlist_exits_1_please_report(tiny, monkeypatch) -> None:
    real_choose = siting_stage.choose

    def select_everything(*args: Any, **kwargs: Any):
        sol = real_choose(*args, **kwargs)
        return dataclasses.replace(sol, selected=np.ones_like(sol.selected))

    monkeypatch.setattr(siting_stage, "choose", select_everything)
    out = tiny["dir"] / "out"
    # in English: the frame of the message is asserted in its English wording
    res = runner.invoke(app, ["run", str(tiny["path"]), "--out", str(out), "--lang", "en"])
    # B, C and D are excluded in the tiny world (nature, power line, date)
    assert_reported_as_bug(res, "excluded (B)")
    assert "excluded (C)" in res.output and "excluded (D)" in res.output
    assert not out.exists() or not any(out.iterdir())


def test_broken_exchange_exits_1_please_report(tiny, monkeypatch) -> None:
    import opvang_opt.exchange as exchange

    real = exchange.shapley_payments

    def misreport_cost(*args: Any, **kwargs: Any):
        pay = real(*args, **kwargs)
        cheaper = dataclasses.replace(pay.exchange, objective=pay.exchange.objective - 1000)
        return dataclasses.replace(pay, exchange=cheaper)

    monkeypatch.setattr(exchange, "shapley_payments", misreport_cost)
    res = runner.invoke(
        app,
        [
            "run",
            str(with_exchange(tiny, FEASIBLE)),
            "--out",
            str(tiny["dir"] / "o"),
            "--lang",
            "en",
        ],
    )
    assert_reported_as_bug(res, "objective")
    assert "doelfunctie klopt niet" in res.output


# --------------------------------------------------------------------------- infeasible


def test_infeasible_exchange_is_a_status_with_a_diagnosis() -> None:
    run = run_exchange(ExchangeConfig.model_validate(exchange_section(INFEASIBLE)))
    assert run.status is SolveStatus.INFEASIBLE and not run.has_solution
    assert run.result is None and run.tables() == {}
    (short,) = run.diagnosis.shortfalls
    assert short.rule == "capacity[g]" and short.short_by == pytest.approx(3)
    assert run.message


@pytest.fixture
def solver_gives_up(monkeypatch) -> None:
    """Every exchange solve stops at its time limit without a solution."""
    from opvang_opt.exchange._lp import LPSolution
    from opvang_opt.exchange.model import ExchangeModel

    def time_limit(self, *args: Any, **kwargs: Any) -> LPSolution:
        nan = float("nan")
        return LPSolution(SolveStatus.NO_SOLUTION, None, nan, nan, float("inf"), 60.0, "highs")

    monkeypatch.setattr(ExchangeModel, "solve", time_limit)


def test_exchange_solver_without_a_solution_is_a_status(solver_gives_up) -> None:
    run = run_exchange(ExchangeConfig.model_validate(exchange_section(FEASIBLE)))
    assert run.status is SolveStatus.NO_SOLUTION and run.result is None
    assert "tijdslimiet" in render(run.message, "nl") and run.diagnosis is None


def test_exchange_without_a_solution_does_not_abort_the_run(tiny, solver_gives_up) -> None:
    path = with_exchange(tiny, FEASIBLE)
    result = pipeline.run(*load(path), scenario_dir=str(path.parent))
    stages = {s.name: s for s in result.stages}
    assert stages["siting"].status is StageStatus.OK
    assert stages["exchange"].status is StageStatus.NO_SOLUTION
    assert "tijdslimiet" in render(stages["exchange"].message, "nl")


def test_infeasible_exchange_does_not_abort_the_run(tiny) -> None:
    path = with_exchange(tiny, INFEASIBLE)
    result = pipeline.run(*load(path), scenario_dir=str(path.parent))
    stages = {s.name: s for s in result.stages}
    assert stages["siting"].status is StageStatus.OK
    assert stages["exchange"].status is StageStatus.INFEASIBLE
    assert "3 plaatsen tekort" in render(stages["exchange"].message, "nl")
    assert result.exchange is not None and result.exchange.status is SolveStatus.INFEASIBLE
    assert not result.is_ok

    out = tiny["dir"] / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "! Uitruil: onhaalbaar" in res.output  # the stage and status in Dutch
    info = json.loads((out / "run.json").read_text())
    assert info["exchange"]["status"] == "infeasible"
    assert [d["rule"] for d in info["exchange"]["diagnosis"]] == ["capacity[g]"]
    assert info["siting"]["n_shortlisted"] >= 1 and (out / "map.html").exists()


def test_feasible_exchange_in_a_run_is_checked_and_clean(tiny) -> None:
    path = with_exchange(tiny, FEASIBLE)
    result = pipeline.run(*load(path), scenario_dir=str(path.parent))
    ex = result.exchange
    assert ex is not None and ex.status is SolveStatus.OPTIMAL and ex.check is not None
    assert ex.check.is_ok and ex.check.checker == "exchange"
    assert ex.check.objective == pytest.approx(20 * 50)
    assert ex.result is not None and ex.result.no_exchange_cost == pytest.approx(1500)


# --------------------------------------------------------------------------- typed summary

RUN_JSON_SITING_KEYS = [
    "target", "target_unit", "capacity_selected", "target_met", "shortfall", "n_shortlisted",
    "n_sites", "n_excluded", "n_eligible", "excluded_by_rule", "scoring_method",
    "shortlist_method", "solver_status", "solver_gap", "solver_seconds", "total_value",
    "total_cost", "diagnosis",
    # issue 13 (the people-weighted shortlist) adds these after the keys above
    "objective", "quality", "overshoot", "overshoot_note", "smaa_chosen_share",
    "smaa_stable_core",
]  # fmt: skip
"""The keys of run.json's siting section before the summary was typed, then the keys
issue 13 added (the AHP keys are added only with AHP weights)."""


def test_siting_summary_is_typed_and_keeps_the_run_json_keys(tiny) -> None:
    result = pipeline.run(*load(tiny["path"]), scenario_dir=str(tiny["dir"]))
    summ = result.siting.summary
    with pytest.raises(dataclasses.FrozenInstanceError):
        summ.target = 1  # type: ignore[misc]
    assert summ.solver_status is SolveStatus.OPTIMAL and summ.target_met
    # tiny world: A (1 ha, 30 units) is the only site no rule excludes; target 30 units
    assert (summ.n_sites, summ.n_excluded, summ.n_eligible) == (4, 3, 1)
    assert (summ.capacity_selected, summ.target, summ.shortfall) == (30, 30, 0)
    data = summ.as_dict()
    assert list(data) == RUN_JSON_SITING_KEYS
    assert data["solver_status"] == "optimal" and isinstance(data["diagnosis"], list)
    json.dumps(data)  # JSON-ready

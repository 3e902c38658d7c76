"""Regional exchange of tasks between municipalities, with fair side payments.

Municipalities may take over part of each other's tasks (asielzoekers,
statushouders, ontheemden, ...). This subpackage finds the cheapest exchange
within the scenario's capacities, substitution rules and bounds, splits the
savings fairly (Shapley value, with a core check), sweeps the allowed shift,
and checks every solution without the solver.

Public API
----------
- :class:`ExchangeConfig`: the scenario's ``exchange:`` section.
- :func:`solve_exchange` -> :class:`ExchangeResult`.
- :func:`shapley_payments` -> :class:`SidePayments`
  (with :class:`ShapleyResult` and :class:`CoreCheck`).
- :func:`core_check`, :class:`CoalitionGame`, :func:`exact_shapley`, :func:`sampled_shapley`.
- :func:`tradeoff` -> :class:`TradeoffResult`.
- :func:`check_exchange` -> :class:`~opvang_opt.status.CheckReport`.
- :func:`output_tables`, :func:`compare_proposals`, :func:`with_task`, :func:`with_capacity`,
  :func:`with_bound`, :func:`load_demo_config`, :func:`exchange_config_from_scenario`,
  :func:`run_exchange`.

Nothing here prints or writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from opvang_opt.errors import Diagnosis, InfeasibleError
from opvang_opt.schema import ExchangeConfig
from opvang_opt.status import CheckReport, SolveStatus
from opvang_opt.texts import Message

from .check import check_exchange
from .diagnose import diagnose, infeasible_error
from .fairness import (
    CoalitionGame,
    CoreCheck,
    ShapleyResult,
    SidePayments,
    core_check,
    exact_shapley,
    sampled_shapley,
    shapley_payments,
)
from .model import ExchangeModel, NoSolutionError
from .solve import ExchangeResult, decompose_flows, solve_exchange
from .tables import compare_proposals, output_tables, with_bound, with_capacity, with_task
from .tradeoff import TradeoffResult, default_shifts, tradeoff


def demo_exchange_data() -> dict[str, Any]:
    """Return the demo scenario's ``exchange:`` section (Duo+) as plain data.

    The demo scenario is package data (see :func:`opvang_opt.resources.demo_scenario`), so
    this works from an installed wheel too.
    """
    from opvang_opt.resources import demo_scenario
    from opvang_opt.schema import read_yaml

    return read_yaml(demo_scenario())["exchange"]


def load_demo_config() -> ExchangeConfig:
    """Return the validated Duo+ demo exchange config (from ``scenarios/demo.yaml``).

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config
    >>> load_demo_config().codes
    ['GM0384', 'GM0437', 'GM0451']
    """
    return ExchangeConfig.model_validate(demo_exchange_data())


def exchange_config_from_scenario(
    path: str | os.PathLike[str] | None = None,
) -> tuple[ExchangeConfig, str]:
    """Return the exchange config of a scenario file (default: the demo scenario).

    Returns
    -------
    tuple
        The config, and the scenario it came from.

    Raises
    ------
    ScenarioError
        When the scenario is invalid or has no ``exchange`` section.
    """
    from opvang_opt.errors import Problem, ScenarioError
    from opvang_opt.schema import load_scenario

    if path is None:
        from opvang_opt.resources import demo_scenario

        path = demo_scenario()
    path = Path(path)
    section = load_scenario(path).exchange
    if section is None:
        raise ScenarioError(
            Message("problem.exchange.no_section", {"path": str(path)}),
            [Problem(Message("problem.exchange.add_section"), source=str(path), field="exchange")],
        )
    return section, str(path)


@dataclass(frozen=True, eq=False)
class ExchangeRun:
    """Everything the pipeline needs from the exchange stage.

    When the exchange has no solution (``status`` INFEASIBLE or NO_SOLUTION), ``result``,
    ``payments``, ``tradeoff`` and ``check`` are ``None`` and ``message`` (with
    ``diagnosis`` when infeasible) says why: the run goes on without an exchange.

    Attributes
    ----------
    status
        :class:`~opvang_opt.status.SolveStatus` of the exchange solve.
    result, payments, tradeoff
        The optimal exchange, its side payments and the trade-off sweep.
    check
        The independent checker's report on ``result`` (always clean in a returned run:
        a broken rule raises :class:`~opvang_opt.errors.InternalError`).
    diagnosis
        When infeasible: the rules that must give, and by how much.
    message
        When there is no solution: what went wrong (a catalogue message, rendered by the
        outputs in their language).
    """

    status: SolveStatus
    result: ExchangeResult | None = None
    payments: SidePayments | None = None
    tradeoff: TradeoffResult | None = None
    check: CheckReport | None = None
    diagnosis: Diagnosis | None = None
    message: str | Message = ""

    @property
    def has_solution(self) -> bool:
        """True when an exchange was found (and checked)."""
        return self.result is not None

    def tables(self) -> dict:
        """The output tables keyed by file name (see :func:`output_tables`); empty
        without a solution."""
        if self.result is None or self.payments is None or self.tradeoff is None:
            return {}
        return output_tables(self.result, self.payments, self.tradeoff)


def run_exchange(config: ExchangeConfig, *, lang: Literal["nl", "en"] = "nl") -> ExchangeRun:
    """Run the whole exchange stage: optimal exchange, side payments, trade-off, check.

    An infeasible exchange (or a missing no-exchange reference, without which the side
    payments have no game) is not an error: the run gets status INFEASIBLE with the
    diagnosis. A solver that stops without a solution gives status NO_SOLUTION.

    Parameters
    ----------
    config
        The scenario's ``exchange`` section.
    lang
        Language of the diagnosis and messages.

    Returns
    -------
    ExchangeRun

    Raises
    ------
    InternalError
        When the independent checker finds a broken rule in the optimiser's exchange (a bug).
    """
    model = ExchangeModel.from_config(config)
    try:
        payments = shapley_payments(config, model=model, lang=lang)
    except InfeasibleError as exc:
        error = exc
        if model.solve(*model.lp()).status is SolveStatus.INFEASIBLE:
            error = infeasible_error(model, lang=lang)  # diagnose the exchange, not the reference
        return ExchangeRun(SolveStatus.INFEASIBLE, diagnosis=error.diagnosis, message=error.text)
    except NoSolutionError as exc:
        return ExchangeRun(SolveStatus.NO_SOLUTION, message=exc.text)
    trade = tradeoff(config, model=model)
    result = payments.exchange
    report = check_exchange(config, result)
    report.raise_if_violated()  # a broken rule is a bug: InternalError, exit 1
    return ExchangeRun(result.status, result, payments, trade, report)


__all__ = [
    "CoalitionGame",
    "CoreCheck",
    "ExchangeConfig",
    "ExchangeModel",
    "ExchangeResult",
    "ExchangeRun",
    "NoSolutionError",
    "ShapleyResult",
    "SidePayments",
    "TradeoffResult",
    "check_exchange",
    "compare_proposals",
    "core_check",
    "decompose_flows",
    "default_shifts",
    "demo_exchange_data",
    "diagnose",
    "exact_shapley",
    "exchange_config_from_scenario",
    "load_demo_config",
    "output_tables",
    "run_exchange",
    "sampled_shapley",
    "shapley_payments",
    "solve_exchange",
    "tradeoff",
    "with_bound",
    "with_capacity",
    "with_task",
]

"""Load a scenario file and read its inputs, reporting the problems of both at once."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from opvang_opt.errors import DataError, OpvangError, Problem, ScenarioError
from opvang_opt.schema import Scenario, load_resolved_raw, validate_scenario
from opvang_opt.schema.loader import scenario_lines
from opvang_opt.texts import Message

if TYPE_CHECKING:
    from opvang_opt.io.inputs import Inputs

INDEPENDENT_SECTIONS = ("allocation", "exchange")
"""Optional scenario sections whose problems do not stop the other inputs from being checked."""


def load(path: str | os.PathLike[str]) -> tuple[Scenario, Inputs]:
    """Load a scenario file and read and check every input it names.

    All problems are reported at once: when the scenario's schema problems lie only in
    sections the inputs do not depend on (``allocation:``, ``exchange:``), the rest of the
    scenario is still validated and its inputs read and checked, and one error lists the
    problems of the scenario file and of the inputs together.

    Parameters
    ----------
    path
        The scenario YAML file.

    Returns
    -------
    (Scenario, Inputs)

    Raises
    ------
    ScenarioError
        When only the scenario file has problems.
    DataError
        When inputs have problems (listing the scenario file's problems too).

    Examples
    --------
    >>> from opvang_opt import pipeline
    >>> from opvang_opt.io import load
    >>> scenario, inputs = load("scenarios/demo.yaml")  # doctest: +SKIP
    >>> result = pipeline.run(scenario, inputs)  # doctest: +SKIP
    """
    from opvang_opt.io.inputs import load_inputs

    missing: list[Problem] = []  # cached layers named by `source:` that are not in the cache
    try:
        raw = load_resolved_raw(path, missing=missing)
        scenario = validate_scenario(raw, source=str(path), lines=scenario_lines(path))
    except ScenarioError as exc:
        raise _with_input_problems(path, exc) from None
    try:
        inputs = load_inputs(scenario)
    except DataError as exc:
        raise _combined([], missing, _named(path, exc.problems)) from None
    if missing:
        raise _combined([], missing, [])
    return scenario, inputs


def _named(path: str | os.PathLike[str], problems: list[Problem]) -> list[Problem]:
    """The inputs' problems of scenario settings (a pin of an unknown household) name the
    scenario file rather than 'scenario'."""
    return [
        dataclasses.replace(p, source=str(path)) if p.source == "scenario" else p for p in problems
    ]


def _combined(schema: list[Problem], missing: list[Problem], found: list[Problem]) -> DataError:
    """One error with the scenario's, the cache's and the inputs' problems.

    A layer that is not in the cache cannot be read either: that it is missing is said once.
    """
    absent = {p.source for p in missing}
    problems = [*schema, *missing, *(p for p in found if p.source not in absent)]
    code = "problem.inputs.scenario_and_inputs" if schema else "problem.inputs.inputs"
    return DataError(Message(code, {"count": len(problems)}), problems)


def _section(problem: Problem) -> str | None:
    """The top-level scenario key a schema problem is in."""
    if not problem.field or problem.field.startswith("("):
        return None
    return problem.field.split(".")[0].split("[")[0]


def _with_input_problems(path: str | os.PathLike[str], exc: ScenarioError) -> OpvangError:
    """``exc``, with the input problems of the scenario's valid part added when it can."""
    from opvang_opt.io.inputs import load_inputs

    sections = {_section(p) for p in exc.problems}
    if not exc.problems or not sections <= set(INDEPENDENT_SECTIONS):
        return exc
    missing: list[Problem] = []
    try:
        raw = load_resolved_raw(path, missing=missing)
        rest = validate_scenario(
            {k: v for k, v in raw.items() if k not in sections}, str(path), scenario_lines(path)
        )
        load_inputs(rest)
    except DataError as more:
        return _combined(exc.problems, missing, _named(path, more.problems))
    except OpvangError:
        return exc
    return _combined(exc.problems, missing, []) if missing else exc

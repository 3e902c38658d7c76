"""Load a scenario file and read its inputs, reporting the problems of both at once."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from opvang_opt.errors import DataError, OpvangError, Problem, ScenarioError
from opvang_opt.schema import Scenario, load_resolved_raw, load_scenario, validate_scenario

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

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise _with_input_problems(path, exc) from None
    return scenario, load_inputs(scenario)


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
    try:
        raw = load_resolved_raw(path)
        rest = validate_scenario({k: v for k, v in raw.items() if k not in sections}, str(path))
        load_inputs(rest)
    except DataError as more:
        problems = [*exc.problems, *more.problems]
        return DataError(f"The scenario and its inputs have {len(problems)} problem(s)", problems)
    except OpvangError:
        return exc
    return exc

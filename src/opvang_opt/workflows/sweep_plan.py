"""Planning a sweep: many variants of one scenario, every one checked before any runs.

A sweep changes named settings of a base scenario and runs every variant. The settings
are named by **parameter paths** into the scenario (``siting.target.amount``,
``siting.criteria[station].weight``, ``exchange.capacity[type=flexwoning].places``; the
grammar is in :mod:`opvang_opt.schema.paths`).

Variants come from a **sweep file** (YAML)::

    name: demo-doel                       # results folder name (optional)
    base: ../demo.yaml                    # the base scenario, relative to this file
    set:                                  # fixed changes for every variant (optional)
      siting.robustness.samples: 0
    mode: grid                            # grid (every combination) or random
    samples: 20                           # random: how many variants
    seed: 1                               # random: the seed
    parameters:
      siting.target.amount: [450, 600, 750]               # a list of values
      siting.capacity.density_units_per_ha: {start: 20, stop: 40, step: 5}   # a range
      siting.criteria[station].weight: {low: 0.5, high: 4}  # random only: uniform

or on the command line (``--vary PATH=V1,V2`` or ``--vary PATH=START:STOP:STEP``,
stop included when a step lands on it). Every path is checked against the validated base
scenario (with a did-you-mean hint) and every variant against the scenario schema before
anything runs.

:func:`plan_sweep` turns the file and options into a :class:`SweepPlan`: every variant as
plain data (the merged raw scenario mapping), ready for :mod:`.sweep_run` to run on Dask.
Nothing here prints.

Example
-------
>>> from opvang_opt.workflows.sweep_plan import plan_sweep
>>> from opvang_opt.workflows.sweep_run import run_sweep
>>> plan = plan_sweep("scenarios/sweeps/demo_doel.yaml")  # doctest: +SKIP
>>> result = run_sweep(plan, workers=2)  # doctest: +SKIP
>>> result.table[["siting.target.amount", "n_shortlisted", "total_value"]]  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import ValidationError

from opvang_opt.errors import Problem, ScenarioError
from opvang_opt.schema import (
    Scenario,
    absolutize_paths,
    did_you_mean_hint,
    load_resolved_raw,
    read_yaml,
    validate_scenario,
)
from opvang_opt.schema.base import foreign_path
from opvang_opt.schema.paths import ParamPath, resolve, set_in
from opvang_opt.schema.sweep import (
    MAX_VARIANTS,
    ParamSpec,
    SweepFile,
    Uniform,
    ValueRange,
    arange_inclusive,
)
from opvang_opt.texts import Message


def parse_vary(text: str) -> tuple[str, ParamSpec]:
    """Parse one ``--vary`` option: ``PATH=V1,V2,...`` or ``PATH=START:STOP:STEP``.

    Each value is read as YAML (``600`` is a number, ``true`` a boolean, ``2027-06-30`` a
    date, anything else text).

    Raises
    ------
    ScenarioError
        When the option has no ``=``, no values, or a range with no values.
    """
    depth, split = 0, -1
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "=" and depth == 0:
            split = i
            break

    def fail(key: str, **params: object) -> ScenarioError:
        return ScenarioError(
            Message("problem.sweep.vary_invalid", {"text": text}),
            [Problem(Message(f"problem.sweep.{key}", params), field="--vary")],
        )

    if split < 0:
        raise fail("vary_no_equals")
    path, values = text[:split].strip(), text[split + 1 :].strip()
    if not path:
        raise fail("vary_no_path")
    if not values:
        raise fail("vary_no_values", path=path)
    m = re.fullmatch(r"\s*([^:,\s]+)\s*:\s*([^:,\s]+)\s*:\s*([^:,\s]+)\s*", values)
    if m:
        try:
            start, stop, step = (float(v) for v in m.groups())
        except ValueError:
            m = None
        else:
            if step == 0:
                raise fail("range_step_0", values=values)
            rng = arange_inclusive(start, stop, step)
            if not rng:
                raise fail(
                    "range_empty_up" if step > 0 else "range_empty_down",
                    values=values, start=f"{start:g}", stop=f"{stop:g}", step=f"{step:g}",
                )  # fmt: skip
            return path, ValueRange(start=start, stop=stop, step=step)
    items = [v.strip() for v in values.split(",")]
    if any(not v for v in items):
        raise fail("empty_value", values=values)
    parsed = []
    for v in items:
        try:
            parsed.append(yaml.safe_load(v))
        except yaml.YAMLError:
            parsed.append(v)
    return path, parsed


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One varied parameter: its path and its values (or its uniform range)."""

    path: ParamPath
    keys: tuple[str | int, ...]
    spec: ParamSpec

    def grid_values(self) -> list[Any]:
        """Every value, for a grid."""
        if isinstance(self.spec, ValueRange):
            return self.spec.values()
        if isinstance(self.spec, Uniform):  # pragma: no cover - refused while planning
            raise ValueError("a uniform range has no grid values")
        return list(self.spec)

    def draw(self, rng: np.random.Generator) -> Any:
        """One random value."""
        if isinstance(self.spec, Uniform):
            if self.spec.integer:
                return int(rng.integers(math.ceil(self.spec.low), math.floor(self.spec.high) + 1))
            return float(round(rng.uniform(self.spec.low, self.spec.high), 6))
        values = self.grid_values()
        return values[int(rng.integers(len(values)))]

    def describe(self) -> Any:
        """The values as plain data (for sweep.json)."""
        if isinstance(self.spec, list):
            return [plain_value(v) for v in self.spec]
        return self.spec.model_dump()


@dataclasses.dataclass(frozen=True)
class Variant:
    """One variant: its number, its parameter values, and its scenario as plain data."""

    id: int
    params: dict[str, Any]
    raw: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    """Everything a sweep will run, checked before anything runs."""

    name: str
    source: str
    base_path: str
    scenario_name: str
    mode: Literal["grid", "random"]
    seed: int
    fixed: dict[str, Any]
    parameters: tuple[Parameter, ...]
    variants: tuple[Variant, ...]
    description: str = ""

    @property
    def param_names(self) -> list[str]:
        """The parameter paths, as column names of the results table."""
        return [p.path.text for p in self.parameters]


def _is_sweep_file(data: dict[str, Any]) -> bool:
    return "base" in data or "parameters" in data


def _pydantic_problems(exc: ValidationError, source: str) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if p not in ("list[any]", "ValueRange", "Uniform")]
        msg = Message("problem.sweep.verbatim", {"text": err["msg"].removeprefix("Value error, ")})
        if err["type"] == "extra_forbidden":
            msg = Message(
                "problem.sweep.unknown_key",
                {"hint": did_you_mean_hint(loc[-1], SweepFile.model_fields)},
            )
        problems.append(Problem(msg, source=source, field=".".join(loc) or None))
    return problems


def plan_sweep(
    file: str | os.PathLike[str],
    vary: Iterable[str] = (),
    *,
    samples: int | None = None,
    seed: int | None = None,
    mode: Literal["grid", "random"] | None = None,
) -> SweepPlan:
    """Read a sweep (or scenario) file and ``--vary`` options into a checked plan.

    Parameters
    ----------
    file
        A sweep file (with ``base:``), or a scenario file to vary with ``vary``.
    vary
        ``PATH=V1,V2`` or ``PATH=START:STOP:STEP`` options; each adds a parameter or
        replaces the file's parameter of the same path.
    samples
        Draw this many random variants (switches to random mode).
    seed
        Seed of the random draw (default: the file's, else 0).
    mode
        Force grid or random mode.

    Returns
    -------
    SweepPlan

    Raises
    ------
    ScenarioError
        Listing every problem: an unknown parameter path (with a did-you-mean hint), a
        range with no values, a value the scenario schema refuses (per variant), an
        invalid sweep file.
    """
    path = Path(file)
    source = str(path)
    spec, base_path = _read_sweep_file(path)
    raw_params: dict[str, ParamSpec] = dict(spec.parameters)
    for option in vary:
        key, values = parse_vary(option)
        raw_params[key] = values
    if samples is not None:
        mode = mode or "random"
    mode = mode or spec.mode
    n_samples = samples if samples is not None else spec.samples
    seed = seed if seed is not None else spec.seed

    # fixed changes first: the parameters are checked against the changed base
    base_raw, fixed = _apply_fixed(load_resolved_raw(base_path), spec.set, base_path, source)
    base_raw = absolutize_paths(base_raw, Scenario, path.parent.resolve())
    base = validate_scenario(base_raw, f"{source} (base with 'set:')")
    params, problems = _check_parameters(raw_params, base.model_dump(), mode, source)
    if mode == "random" and n_samples is None:
        problems.append(Problem(Message("problem.sweep.random_needs_samples"), source=source))
    if problems:
        raise ScenarioError(_invalid(source, problems), problems)
    combos = _combinations(params, mode, n_samples, seed)
    variants = _variants(base_raw, params, combos, path.parent.resolve())
    return SweepPlan(
        name=spec.name or f"{base.name}-sweep", source=source, base_path=str(base_path),
        scenario_name=base.name, mode=mode, seed=seed, fixed=fixed, parameters=tuple(params),
        variants=tuple(variants), description=spec.description,
    )  # fmt: skip


def _read_sweep_file(path: Path) -> tuple[SweepFile, Path]:
    """The sweep file (a scenario file is a sweep of itself) and its base scenario's path."""
    source = str(path)
    data = read_yaml(path)
    if not _is_sweep_file(data):
        return SweepFile(base=str(path)), path.resolve()
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        problems = _pydantic_problems(exc, source)
        raise ScenarioError(
            Message("problem.sweep.invalid_file", {"source": source, "count": len(problems)}),
            problems,
        ) from None
    wrong = foreign_path(spec.base)
    if wrong is not None:  # '..\\demo.yaml' was 'file does not exist'
        raise ScenarioError(
            Message("problem.sweep.invalid_file", {"source": source, "count": 1}),
            [Problem(wrong.message, source=source, field="base")],
        )
    base_path = (path.parent / spec.base).resolve()
    if not base_path.is_file():
        raise ScenarioError(
            Message("problem.sweep.no_base", {"path": str(base_path)}),
            [
                Problem(
                    Message("problem.sweep.no_file", {"file": spec.base}),
                    source=source,
                    field="base",
                )
            ],
        )
    return spec, base_path


def _apply_fixed(
    base_raw: dict[str, Any], changes: dict[str, Any], base_path: Path, source: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply the sweep file's ``set:`` changes to the base; return it and the changes by
    canonical path. Every unknown path is reported at once."""
    problems: list[Problem] = []
    fixed: dict[str, Any] = {}
    base_dump = validate_scenario(base_raw, str(base_path)).model_dump() if changes else {}
    for text, value in changes.items():
        try:
            pp = ParamPath.parse(text)
            keys, _ = resolve(base_dump, pp)
        except (ValueError, KeyError) as exc:
            problems.append(Problem(_msg(exc), source=source, field=f"set: {text}"))
            continue
        set_in(base_raw, keys, value)
        fixed[pp.text] = value
    if problems:
        raise ScenarioError(_invalid(source, problems), problems)
    return base_raw, fixed


def _check_parameters(
    raw_params: dict[str, ParamSpec], dump: dict[str, Any], mode: str, source: str
) -> tuple[list[Parameter], list[Problem]]:
    """The parameters resolved against the (changed) base scenario, and every problem."""
    problems: list[Problem] = []
    params: list[Parameter] = []
    seen: set[str] = set()
    for text, pspec in raw_params.items():
        field = f"parameter {text}"
        try:
            pp = ParamPath.parse(text)
            keys, _ = resolve(dump, pp)
        except (ValueError, KeyError) as exc:
            problems.append(Problem(_msg(exc), source=source, field=field))
            continue
        if pp.text in seen:
            problems.append(
                Problem(Message("problem.sweep.given_twice"), source=source, field=field)
            )
            continue
        seen.add(pp.text)
        message = _spec_problem(pspec, mode)
        if message:
            problems.append(Problem(message, source=source, field=field))
            continue
        params.append(Parameter(pp, keys, pspec))
    if not raw_params:
        problems.append(Problem(Message("problem.sweep.nothing_to_vary"), source=source))
    return params, problems


def _spec_problem(pspec: ParamSpec, mode: str) -> Message | None:
    """What is wrong with a parameter's values (``None`` when nothing is)."""
    if isinstance(pspec, list) and not pspec:
        return Message("problem.sweep.no_values")
    if isinstance(pspec, ValueRange) and not pspec.values():
        text = f"{pspec.start:g}:{pspec.stop:g}:{pspec.step:g}"
        return Message("problem.sweep.range_no_values", {"values": text})
    if isinstance(pspec, Uniform) and mode == "grid":
        return Message("problem.sweep.uniform_in_grid")
    return None


def _variants(
    base_raw: dict[str, Any],
    params: Sequence[Parameter],
    combos: Sequence[tuple[Any, ...]],
    folder: Path,
) -> list[Variant]:
    """One variant per combination of values, each checked against the scenario schema;
    the problems of every variant that breaks it are raised together."""
    variants = []
    bad: list[Problem] = []
    seen: dict[tuple[str | None, str], list[int]] = {}  # one cause, the variants it breaks
    for i, values in enumerate(combos, start=1):
        raw = copy.deepcopy(base_raw)
        for p, v in zip(params, values, strict=True):
            set_in(raw, p.keys, v)
        raw = absolutize_paths(raw, Scenario, folder)
        label = ", ".join(f"{p.path}={_short(v)}" for p, v in zip(params, values, strict=True))
        try:
            validate_scenario(raw, f"variant {i}")
        except ScenarioError as exc:
            for prob in exc.problems:
                # a value that breaks the schema breaks every variant with it: said once,
                # at its first variant, with the others' numbers
                key = (prob.field, repr(prob.message))
                if key not in seen:
                    seen[key] = []
                    bad.append(
                        Problem(prob.message, source=f"variant {i} ({label})", field=prob.field)
                    )
                seen[key].append(i)
            continue
        params_row = {p.path.text: v for p, v in zip(params, values, strict=True)}
        variants.append(Variant(i, params_row, raw))
    if bad:
        n_bad = len({i for numbers in seen.values() for i in numbers})
        for k, numbers in enumerate(seen.values()):
            if len(numbers) > 1:
                shown = ", ".join(map(str, numbers[1:11])) + (", ..." if len(numbers) > 11 else "")
                what = Message("problem.sweep.also_in", {"what": bad[k].message, "variants": shown})
                bad[k] = Problem(what, source=bad[k].source, field=bad[k].field)
        raise ScenarioError(
            Message("problem.sweep.variants_break", {"bad": n_bad, "total": len(combos)}),
            bad[:50]
            + (
                [Problem(Message("problem.sweep.and_more", {"count": len(bad) - 50}))]
                if len(bad) > 50
                else []
            ),
        )
    return variants


def _msg(exc: Exception) -> Message:
    """What a parameter path's parse or lookup said (:mod:`opvang_opt.schema.paths`): its
    message, or its text as it is."""
    what = exc.args[0] if exc.args else str(exc)
    if isinstance(what, Message):
        return what
    text = str(what) if isinstance(exc, KeyError) else str(exc)
    return Message("problem.sweep.verbatim", {"text": text})


def _invalid(source: str, problems: list[Problem]) -> Message:
    return Message("problem.sweep.invalid", {"source": source, "count": len(problems)})


def _short(value: Any) -> str:
    text = json.dumps(plain_value(value), ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _combinations(
    params: Sequence[Parameter], mode: str, n_samples: int | None, seed: int
) -> list[tuple[Any, ...]]:
    if mode == "grid":
        total = math.prod(len(p.grid_values()) for p in params)
        if total > MAX_VARIANTS:
            raise ScenarioError(
                Message("problem.sweep.grid_too_big", {"total": total, "most": MAX_VARIANTS}),
                [Problem(Message("problem.sweep.use_fewer"))],
            )
        return list(itertools.product(*(p.grid_values() for p in params)))
    rng = np.random.default_rng(seed)
    return [tuple(p.draw(rng) for p in params) for _ in range(n_samples or 0)]


def plain_value(value: Any) -> Any:
    """Make a value JSON- and Parquet-friendly (dates as ISO text, tuples as lists)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value

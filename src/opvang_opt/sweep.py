"""Sweeps: many variants of one scenario, run in parallel on Dask.

A sweep changes named settings of a base scenario and runs every variant. The settings
are named by **parameter paths** into the scenario (see :class:`ParamPath`)::

    siting.target.amount                     a key in a mapping
    siting.criteria[0].weight                the first element of a list
    siting.criteria[station].weight          the element whose ``name`` is 'station'
    exchange.capacity[municipality=GM0384,type=flexwoning].places
                                             the element whose keys have these values
    exchange.tasks.GM0384.asielzoekers       a key of a data mapping

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

Workers receive plain data (the merged raw scenario mapping of the variant) and build and
solve their models themselves: OR-Tools models do not pickle. Each variant returns one
small summary row; a failed variant is a row with its error, and never stops the others.
Nothing here prints: the CLI shows progress through the ``progress`` callback.

Example
-------
>>> from opvang_opt.sweep import plan_sweep, run_sweep
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
import socket
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from opvang_opt.errors import OpvangError, Problem, ScenarioError
from opvang_opt.schema import (
    Scenario,
    StrictModel,
    absolutize_paths,
    did_you_mean,
    load_resolved_raw,
    read_yaml,
    validate_scenario,
)

MAX_VARIANTS = 100_000
"""A sweep larger than this is refused (a grid grows fast; use random sampling)."""

# =========================================================================== errors


class ClusterError(OpvangError):
    """The Dask cluster cannot be reached or used (a clear message; exit code 2)."""


# =========================================================================== paths


@dataclasses.dataclass(frozen=True)
class Key:
    """A key of a mapping."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class Index:
    """A list position (0-based; negative counts from the end)."""

    index: int

    def __str__(self) -> str:
        return f"[{self.index}]"


@dataclasses.dataclass(frozen=True)
class Match:
    """The one list element whose keys have the given values (``[name]`` is ``name=...``)."""

    conditions: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        if len(self.conditions) == 1 and self.conditions[0][0] == "name":
            return f"[{self.conditions[0][1]}]"
        return "[" + ",".join(f"{k}={v}" for k, v in self.conditions) + "]"


Step = Key | Index | Match

_KEY = re.compile(r"[A-Za-z0-9_\-]+")


@dataclasses.dataclass(frozen=True)
class ParamPath:
    """A parameter path into a scenario: ``siting.criteria[station].weight``.

    Grammar: keys separated by dots; after a key, any number of ``[...]`` selectors:
    an integer position (``[0]``, ``[-1]``), a name (``[station]``: the element whose
    ``name`` is 'station'), or ``key=value`` conditions separated by commas
    (``[municipality=GM0384,type=flexwoning]``).
    """

    steps: tuple[Step, ...]
    text: str

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> ParamPath:
        """Parse a path; raise ``ValueError`` with the position of a syntax error."""
        s = text.strip()
        if not s:
            raise ValueError("empty parameter path")
        steps: list[Step] = []
        i = 0
        expect_key = True
        while i < len(s):
            if expect_key:
                m = _KEY.match(s, i)
                if not m:
                    raise ValueError(f"expected a key at position {i + 1} of '{s}'")
                steps.append(Key(m.group()))
                i = m.end()
                expect_key = False
            elif s[i] == ".":
                i += 1
                expect_key = True
                if i == len(s):
                    raise ValueError(f"'{s}' ends with a dot")
            elif s[i] == "[":
                end = s.find("]", i)
                if end < 0:
                    raise ValueError(f"unclosed '[' at position {i + 1} of '{s}'")
                steps.append(_selector(s[i + 1 : end].strip(), s))
                i = end + 1
            else:
                raise ValueError(f"unexpected '{s[i]}' at position {i + 1} of '{s}'")
        canonical = "".join(str(st) for st in steps).lstrip(".")
        return cls(tuple(steps), canonical)


def _selector(body: str, text: str) -> Step:
    if not body:
        raise ValueError(f"empty [] in '{text}'")
    if re.fullmatch(r"-?\d+", body):
        return Index(int(body))
    if "=" not in body:
        return Match((("name", body),))
    conditions = []
    for part in body.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"selector [{body}] in '{text}' must be key=value[,key=value]")
        conditions.append((key.strip(), value.strip()))
    return Match(tuple(conditions))


def _where(steps: Sequence[Step]) -> str:
    return "".join(str(s) for s in steps).lstrip(".") or "(top level)"


def _match_index(items: list[Any], step: Match, steps_so_far: Sequence[Step]) -> int:
    hits = [
        i for i, item in enumerate(items)
        if isinstance(item, dict) and all(str(item.get(k)) == v for k, v in step.conditions)
    ]  # fmt: skip
    where = _where(steps_so_far)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise KeyError(f"{where} has {len(hits)} elements matching {step}; add a condition")
    if len(step.conditions) == 1:
        key, value = step.conditions[0]
        present = [str(it.get(key)) for it in items if isinstance(it, dict) and key in it]
        if present:
            raise KeyError(
                f"{where} has no element with {key} '{value}'{_suggest(value, present)}; "
                f"present: {', '.join(present)}"
            )
        if items and key == "name":
            raise KeyError(
                f"the elements of {where} have no 'name'; select one by position [0]..."
                f"[{len(items) - 1}] or by key=value"
            )
    raise KeyError(f"{where} has no element matching {step}")


def resolve(data: Any, path: ParamPath) -> tuple[tuple[str | int, ...], Any]:
    """Walk ``path`` through nested mappings and lists.

    Parameters
    ----------
    data
        A scenario as plain data (best the ``model_dump`` of the validated scenario, which
        holds every key with its default).
    path
        The path.

    Returns
    -------
    tuple
        The concrete keys and positions (selectors by name turned into positions), and
        the value found there.

    Raises
    ------
    KeyError
        When a step does not exist, with a did-you-mean hint and the keys that do.
    """
    node = data
    concrete: list[str | int] = []
    for n, step in enumerate(path.steps):
        done = path.steps[:n]
        where = _where(done)
        if isinstance(step, Key):
            if node is None:
                raise KeyError(
                    f"{where} is not set in the base scenario, so {path} cannot be varied; "
                    f"set {where} in the base scenario or under 'set:' first"
                )
            if not isinstance(node, dict):
                raise KeyError(
                    f"{where} is {_kind(node)}, not a section: it has no key '{step.name}'"
                )
            if step.name not in node:
                keys = sorted(str(k) for k in node)
                raise KeyError(
                    f"{where} has no key '{step.name}'{_suggest(step.name, keys)}"
                    f"; keys here: {', '.join(keys) or 'none'}"
                )
            concrete.append(step.name)
            node = node[step.name]
        else:
            if node is None:
                raise KeyError(
                    f"{where} is not set in the base scenario, so {path} cannot be varied"
                )
            if not isinstance(node, list | tuple):
                raise KeyError(f"{where} is {_kind(node)}, not a list: {step} does not apply")
            items = list(node)
            if isinstance(step, Index):
                if not -len(items) <= step.index < len(items):
                    raise KeyError(
                        f"{where} has {len(items)} element(s); position {step.index} is "
                        f"out of range"
                    )
                i = step.index % len(items)
            else:
                i = _match_index(items, step, done)
            concrete.append(i)
            node = items[i]
    return tuple(concrete), node


def _suggest(word: str, options: Iterable[str]) -> str:
    """A did-you-mean hint: a close spelling, else the one option that contains ``word``."""
    options = list(options)
    hint = did_you_mean(word, options)
    if hint or len(word) < 3:
        return hint
    holders = [o for o in options if word.lower() in o.lower()]
    return f" (did you mean '{holders[0]}'?)" if len(holders) == 1 else ""


def _kind(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a section"
    return f"a value ({value!r})"


def set_in(raw: dict[str, Any], keys: Sequence[str | int], value: Any) -> None:
    """Set ``value`` at concrete ``keys`` in a raw mapping, creating missing sections.

    Lists must already hold the position (a base scenario's lists are in its raw data).
    """
    node: Any = raw
    for k, nxt in itertools.pairwise(keys):
        if isinstance(k, int):
            node = node[k]
            continue
        if not isinstance(node.get(k), dict | list):
            node[k] = [] if isinstance(nxt, int) else {}
        node = node[k]
    node[keys[-1]] = value


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a scenario into ``{path: value}`` in the path syntax of :class:`ParamPath`.

    Lists of mappings that each have a unique ``name`` are keyed by name (so two scenarios
    with the criteria in another order still line up); other lists of mappings by
    position; lists of plain values are one value.
    """
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        if not data and prefix:
            out[prefix] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list | tuple) and data and all(isinstance(v, dict) for v in data):
        names = [v.get("name") for v in data]
        by_name = all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names)
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{names[i] if by_name else i}]"))
        return out
    if isinstance(data, list | tuple):
        out[prefix] = list(data)
        return out
    out[prefix] = data
    return out


# =========================================================================== parameters


class ValueRange(StrictModel):
    """An arithmetic range of values; ``stop`` is included when a step lands on it."""

    start: float
    """First value."""
    stop: float
    """Last value (included when reached exactly, within rounding)."""
    step: float
    """Step between values; negative to count down; not 0."""

    @model_validator(mode="after")
    def _nonzero(self) -> ValueRange:
        if self.step == 0:
            raise ValueError("step must not be 0")
        return self

    def values(self) -> list[float | int]:
        """The values of the range (integers when start, stop and step are whole)."""
        return arange_inclusive(self.start, self.stop, self.step)


class Uniform(StrictModel):
    """Random sampling only: a value drawn uniformly between ``low`` and ``high``."""

    low: float
    """Lowest value."""
    high: float
    """Highest value; must be above ``low``."""
    integer: bool = False
    """Draw whole numbers (``low`` and ``high`` included)."""

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high:g}) must be above low ({self.low:g})")
        return self


ParamSpec = list[Any] | ValueRange | Uniform


class SweepFile(StrictModel):
    """A sweep file: a base scenario, fixed changes, and the parameters to vary."""

    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """Name of the sweep (results folder); default: '<scenario name>-sweep'."""
    description: str = ""
    """What the sweep is about."""
    base: str
    """The base scenario file, relative to the sweep file."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Fixed changes for every variant: parameter path -> value."""
    mode: Literal["grid", "random"] = "grid"
    """grid: every combination of the values; random: ``samples`` random variants."""
    samples: int | None = Field(default=None, ge=1, le=MAX_VARIANTS)
    """random: how many variants to draw."""
    seed: int = 0
    """random: the seed (the same seed draws the same variants)."""
    parameters: dict[str, ParamSpec] = Field(default_factory=dict)
    """Parameter path -> a list of values, a range {start, stop, step}, or (random only)
    {low, high, integer}."""


def arange_inclusive(start: float, stop: float, step: float) -> list[float | int]:
    """Values ``start, start + step, ...`` up to and including ``stop`` (within rounding).

    Whole numbers come back as ``int`` when start, stop and step are all whole.
    """
    if step == 0:
        return []
    n = math.floor((stop - start) / step + 1e-9) + 1
    if n <= 0:
        return []
    if n > MAX_VARIANTS:
        raise ValueError(f"the range has {n:,} values, more than {MAX_VARIANTS:,}")
    whole = all(float(v).is_integer() for v in (start, stop, step))
    vals = [start + k * step for k in range(n)]
    if whole:
        return [round(v) for v in vals]
    digits = max(0, -math.floor(math.log10(abs(step)))) + 6
    return [round(v, digits) for v in vals]


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

    def fail(message: str) -> ScenarioError:
        return ScenarioError(f"Invalid --vary option '{text}'", [Problem(message, field="--vary")])

    if split < 0:
        raise fail("expected PATH=V1,V2,... or PATH=START:STOP:STEP")
    path, values = text[:split].strip(), text[split + 1 :].strip()
    if not path:
        raise fail("no parameter path before '='")
    if not values:
        raise fail(f"no values after '{path}='")
    m = re.fullmatch(r"\s*([^:,\s]+)\s*:\s*([^:,\s]+)\s*:\s*([^:,\s]+)\s*", values)
    if m:
        try:
            start, stop, step = (float(v) for v in m.groups())
        except ValueError:
            m = None
        else:
            if step == 0:
                raise fail(f"the range {values} has step 0, so it has no values")
            rng = arange_inclusive(start, stop, step)
            if not rng:
                direction = "above" if step > 0 else "below"
                raise fail(
                    f"the range {values} has no values: start {start:g} is {direction} "
                    f"stop {stop:g} with step {step:g}"
                )
            return path, ValueRange(start=start, stop=stop, step=step)
    items = [v.strip() for v in values.split(",")]
    if any(not v for v in items):
        raise fail(f"an empty value in '{values}'")
    parsed = []
    for v in items:
        try:
            parsed.append(yaml.safe_load(v))
        except yaml.YAMLError:
            parsed.append(v)
    return path, parsed


# =========================================================================== the plan


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
            return [_plain(v) for v in self.spec]
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
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key{did_you_mean(loc[-1], SweepFile.model_fields)}"
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
    data = read_yaml(path)
    source = str(path)
    if _is_sweep_file(data):
        try:
            spec = SweepFile.model_validate(data)
        except ValidationError as exc:
            problems = _pydantic_problems(exc, source)
            raise ScenarioError(
                f"Invalid sweep file {source}: {len(problems)} problem(s)", problems
            ) from None
        base_path = (path.parent / spec.base).resolve()
        if not base_path.is_file():
            raise ScenarioError(
                f"Base scenario not found: {base_path}",
                [Problem(f"file '{spec.base}' does not exist", source=source, field="base")],
            )
    else:
        spec = SweepFile(base=str(path))
        base_path = path.resolve()
    raw_params: dict[str, ParamSpec] = dict(spec.parameters)
    for option in vary:
        key, values = parse_vary(option)
        raw_params[key] = values
    if samples is not None:
        mode = mode or "random"
    mode = mode or spec.mode
    n_samples = samples if samples is not None else spec.samples
    seed = seed if seed is not None else spec.seed

    base_raw = load_resolved_raw(base_path)
    problems: list[Problem] = []
    # fixed changes first: the parameters are checked against the changed base
    fixed: dict[str, Any] = {}
    base_dump = validate_scenario(base_raw, str(base_path)).model_dump() if spec.set else {}
    for text, value in spec.set.items():
        try:
            pp = ParamPath.parse(text)
            keys, _ = resolve(base_dump, pp)
        except (ValueError, KeyError) as exc:
            problems.append(Problem(_msg(exc), source=source, field=f"set: {text}"))
            continue
        set_in(base_raw, keys, value)
        fixed[pp.text] = value
    if problems:
        raise ScenarioError(f"Invalid sweep {source}: {len(problems)} problem(s)", problems)
    base_raw = absolutize_paths(base_raw, Scenario, path.parent.resolve())
    base = validate_scenario(base_raw, f"{source} (base with 'set:')")
    dump = base.model_dump()

    params: list[Parameter] = []
    seen: set[str] = set()
    for text, pspec in raw_params.items():
        try:
            pp = ParamPath.parse(text)
            keys, _ = resolve(dump, pp)
        except (ValueError, KeyError) as exc:
            problems.append(Problem(_msg(exc), source=source, field=f"parameter {text}"))
            continue
        if pp.text in seen:
            problems.append(Problem("given twice", source=source, field=f"parameter {text}"))
            continue
        seen.add(pp.text)
        if isinstance(pspec, list) and not pspec:
            problems.append(Problem("no values", source=source, field=f"parameter {text}"))
            continue
        if isinstance(pspec, ValueRange) and not pspec.values():
            problems.append(
                Problem(
                    f"the range {pspec.start:g}:{pspec.stop:g}:{pspec.step:g} has no values",
                    source=source, field=f"parameter {text}",
                )
            )  # fmt: skip
            continue
        if isinstance(pspec, Uniform) and mode == "grid":
            problems.append(
                Problem(
                    "low/high can only be sampled (mode: random, or --samples N); for a grid "
                    "give a list of values or start/stop/step",
                    source=source, field=f"parameter {text}",
                )
            )  # fmt: skip
            continue
        params.append(Parameter(pp, keys, pspec))
    if not raw_params:
        problems.append(
            Problem(
                "nothing to vary: give parameters in the sweep file or --vary PATH=VALUES",
                source=source,
            )
        )
    if mode == "random" and n_samples is None:
        problems.append(
            Problem("random mode needs samples (in the file, or --samples N)", source=source)
        )
    if problems:
        raise ScenarioError(f"Invalid sweep {source}: {len(problems)} problem(s)", problems)

    combos = _combinations(params, mode, n_samples, seed)
    variants = []
    bad: list[Problem] = []
    for i, values in enumerate(combos, start=1):
        raw = copy.deepcopy(base_raw)
        for p, v in zip(params, values, strict=True):
            set_in(raw, p.keys, v)
        raw = absolutize_paths(raw, Scenario, path.parent.resolve())
        label = ", ".join(f"{p.path}={_short(v)}" for p, v in zip(params, values, strict=True))
        try:
            validate_scenario(raw, f"variant {i}")
        except ScenarioError as exc:
            for prob in exc.problems:
                bad.append(Problem(prob.message, source=f"variant {i} ({label})", field=prob.field))
            continue
        params_row = {p.path.text: v for p, v in zip(params, values, strict=True)}
        variants.append(Variant(i, params_row, raw))
    if bad:
        n_bad = len({p.source for p in bad})
        raise ScenarioError(
            f"{n_bad} of {len(combos)} variant(s) break the scenario schema; nothing was run",
            bad[:50] + ([Problem(f"... and {len(bad) - 50} more")] if len(bad) > 50 else []),
        )
    name = spec.name or f"{base.name}-sweep"
    return SweepPlan(
        name=name, source=source, base_path=str(base_path), scenario_name=base.name,
        mode=mode, seed=seed, fixed=fixed, parameters=tuple(params), variants=tuple(variants),
        description=spec.description,
    )  # fmt: skip


def _msg(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)


def _short(value: Any) -> str:
    text = json.dumps(_plain(value), ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _combinations(
    params: Sequence[Parameter], mode: str, n_samples: int | None, seed: int
) -> list[tuple[Any, ...]]:
    if mode == "grid":
        total = math.prod(len(p.grid_values()) for p in params)
        if total > MAX_VARIANTS:
            raise ScenarioError(
                f"The grid has {total:,} variants, more than {MAX_VARIANTS:,}",
                [Problem("use fewer values, or random sampling (--samples N)")],
            )
        return list(itertools.product(*(p.grid_values() for p in params)))
    rng = np.random.default_rng(seed)
    return [tuple(p.draw(rng) for p in params) for _ in range(n_samples or 0)]


# =========================================================================== one variant

RESULT_COLUMNS = (
    "variant", "status", "error_type", "error", "n_shortlisted", "shortlisted",
    "capacity_selected", "target", "target_unit", "target_met", "shortfall", "total_value",
    "total_cost", "n_sites", "n_eligible", "n_excluded", "solver_status", "exchange_status",
    "exchange_cost", "exchange_savings", "seconds", "seconds_inputs", "seconds_siting",
    "seconds_exchange", "worker", "scenario_hash",
)  # fmt: skip
"""The result columns of a sweep row, after the parameter columns."""


def run_variant(
    raw: dict[str, Any], variant: int = 0, params: dict[str, Any] | None = None,
    scenario_dir: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run one variant from plain data and return its summary row. Never raises.

    This is what a Dask worker runs: it validates the scenario and builds and solves
    every model itself (OR-Tools models do not pickle).

    Parameters
    ----------
    raw
        The variant's merged raw scenario mapping (absolute paths).
    variant
        The variant's number.
    params
        Its parameter values (copied into the row).
    scenario_dir
        Folder of the base scenario, for a machine-independent scenario hash.

    Returns
    -------
    dict
        The row: parameters, status ('ok', 'target_not_met' or 'error'), the error text,
        shortlisted ids, capacity, cost, total value, exchange savings and timings.
    """
    from opvang_opt import pipeline

    t0 = time.perf_counter()
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(params or {})
    row["variant"] = variant
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    try:
        scenario = validate_scenario(raw, f"variant {variant}")
        result = pipeline.run(scenario, scenario_dir=scenario_dir)
        summ = result.siting.summary
        chosen = result.siting.shortlist
        id_col = chosen.columns[0] if len(chosen.columns) else None
        row.update(
            status="ok" if summ.target_met else "target_not_met",
            n_shortlisted=summ.n_shortlisted,
            shortlisted=";".join(map(str, chosen[id_col])) if id_col else "",
            capacity_selected=summ.capacity_selected,
            target=summ.target,
            target_unit=summ.target_unit,
            target_met=summ.target_met,
            shortfall=summ.shortfall,
            total_value=summ.total_value,
            total_cost=summ.total_cost,
            n_sites=summ.n_sites,
            n_eligible=summ.n_eligible,
            n_excluded=summ.n_excluded,
            solver_status=summ.solver_status.value,
            scenario_hash=result.scenario_hash,
        )
        for stage in result.stages:
            if stage.name in ("inputs", "siting", "exchange"):
                row[f"seconds_{stage.name}"] = round(stage.seconds, 4)
        ex = result.exchange
        res = ex.result if ex is not None else None
        if ex is not None and res is None:
            row["exchange_status"] = ex.status.value  # infeasible: no figures
        elif res is not None:
            row["exchange_status"] = res.status.value
            row["exchange_cost"] = round(float(res.objective), 2)
            row["exchange_savings"] = None if res.savings is None else round(float(res.savings), 2)
    except OpvangError as exc:
        row.update(status="error", error_type=type(exc).__name__, error=exc.render())
    except Exception as exc:
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        row.update(status="error", error_type=type(exc).__name__, error=f"internal error: {tb}")
    row["seconds"] = round(time.perf_counter() - t0, 4)
    return row


# =========================================================================== running

ProgressFn = Callable[[int, int, dict[str, Any]], None]
"""Called as progress(done, total, row) after each variant."""


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The gathered results of a sweep."""

    plan: SweepPlan
    table: pd.DataFrame
    """One row per variant, in variant order."""
    seconds: float
    """Wall time of running the variants (including cluster start-up)."""
    startup_seconds: float
    """Time to start or connect to the cluster."""
    executor: str
    """'local cluster', the scheduler address, or 'in process'."""
    workers: int
    """Number of Dask workers (1 when run in this process)."""
    started_at: str

    @property
    def n_failed(self) -> int:
        """Variants that ended with an error."""
        return int((self.table["status"] == "error").sum())

    @property
    def n_ok(self) -> int:
        """Variants that met the target."""
        return int((self.table["status"] == "ok").sum())


def normalise_address(address: str) -> str:
    """Check a scheduler address; ``HOST:PORT`` gets the ``tcp://`` scheme.

    Raises
    ------
    ClusterError
        When the address is not ``[tcp|tls|ws|wss]://HOST:PORT``.
    """
    text = address.strip()
    if "://" not in text:
        text = f"tcp://{text}"
    m = re.fullmatch(r"(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})", text)
    if not m or not 0 < int(m.group(3)) < 65536:
        raise ClusterError(
            f"Invalid scheduler address '{address}'",
            [Problem("expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786", field="--scheduler")],
        )
    return text


def connect(scheduler: str | None, workers: int, timeout: float) -> tuple[Any, Any, str]:
    """Start a LocalCluster, or connect to a running scheduler, and return a client.

    Returns
    -------
    tuple
        (client, cluster or None, description).

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached within ``timeout`` seconds, or has no
        workers within ``timeout`` seconds.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        # the workers' statistical profiler samples every thread every 10 ms: CPU a
        # 2-core machine needs for the variants (nothing here reads the profiles)
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=50,
            )  # fmt: skip
        return Client(cluster, set_as_default=False), cluster, "local cluster"
    address = normalise_address(scheduler)
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
            client = Client(address, timeout=f"{timeout}s", set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, or a garbled reply from a non-Dask port
        raise ClusterError(
            f"Cannot reach the Dask scheduler at {address} within {timeout:g} s",
            [
                Problem(f"{type(exc).__name__}: {exc}"[:300], field="--scheduler"),
                Problem(
                    "is it running? Start one with 'dask scheduler' and a worker with "
                    f"'dask worker {address}', or leave out --scheduler to use a local cluster"
                ),
            ],
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        client.close()
        raise ClusterError(
            f"The Dask scheduler at {address} has no workers",
            [Problem(f"no worker joined within {timeout:g} s; start one with 'dask worker "
                     f"{address}'", field="--scheduler")],
        ) from None  # fmt: skip
    return client, None, address


def run_sweep(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: ProgressFn | None = None,
    connect_timeout: float = 5.0,
) -> SweepResult:
    """Run every variant of a plan on Dask (or in this process with ``workers=0``).

    Parameters
    ----------
    plan
        From :func:`plan_sweep`.
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``); default: start a
        LocalCluster with ``workers`` processes of one thread each.
    workers
        Worker processes of the LocalCluster; 0 runs the variants one after another in
        this process (no Dask).
    progress
        Called after each variant as ``progress(done, total, row)``.
    connect_timeout
        Seconds to wait for the scheduler and its first worker.

    Returns
    -------
    SweepResult

    Raises
    ------
    ClusterError
        When the cluster cannot be reached or has no workers.
    """
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()
    scenario_dir = str(Path(plan.base_path).parent)
    rows: list[dict[str, Any]] = []
    total = len(plan.variants)
    if workers == 0 and scheduler is None:
        startup = 0.0
        for v in plan.variants:
            rows.append(run_variant(v.raw, v.id, v.params, scenario_dir))
            if progress:
                progress(len(rows), total, rows[-1])
        executor, n_workers = "in process", 1
    else:
        client, cluster, executor = connect(scheduler, max(1, workers), connect_timeout)
        startup = time.perf_counter() - t0
        try:
            n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or workers
            rows = _run_on_client(client, plan, scenario_dir, progress)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    seconds = time.perf_counter() - t0
    rows.sort(key=lambda r: r["variant"])
    return SweepResult(
        plan=plan, table=results_table(plan, rows), seconds=seconds, startup_seconds=startup,
        executor=executor, workers=n_workers, started_at=started,
    )  # fmt: skip


def _run_on_client(
    client: Any, plan: SweepPlan, scenario_dir: str, progress: ProgressFn | None
) -> list[dict[str, Any]]:
    from distributed import as_completed

    variants: dict[str, Variant] = {}
    futures = []
    for v in plan.variants:
        fut = client.submit(run_variant, v.raw, v.id, v.params, scenario_dir, pure=False)
        variants[fut.key] = v
        futures.append(fut)
    rows: list[dict[str, Any]] = []
    total = len(futures)
    for fut in as_completed(futures, loop=client.loop):
        v = variants[fut.key]
        try:
            row = fut.result()
        except Exception as exc:  # the task itself failed (e.g. a worker without opvang-opt)
            row = dict.fromkeys(RESULT_COLUMNS)
            row.update(v.params)
            row.update(
                variant=v.id, status="error", error_type=type(exc).__name__,
                error=f"the worker could not run the variant: {type(exc).__name__}: {exc}",
            )  # fmt: skip
        fut.release()
        rows.append(row)
        if progress:
            progress(len(rows), total, row)
    return rows


def _plain(value: Any) -> Any:
    """Make a value JSON- and Parquet-friendly (dates as ISO text, tuples as lists)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def results_table(plan: SweepPlan, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per variant: parameter columns, then :data:`RESULT_COLUMNS`."""
    cols = ["variant", *plan.param_names, *(c for c in RESULT_COLUMNS if c != "variant")]
    table = pd.DataFrame(rows, columns=cols)
    for name in plan.param_names:
        vals = [_plain(v) for v in table[name]]
        if any(isinstance(v, list | dict) for v in vals):
            vals = [json.dumps(v, ensure_ascii=False) for v in vals]
        table[name] = pd.Series(vals, index=table.index, dtype=object).infer_objects()
    for col in ("error_type", "error", "shortlisted", "target_unit", "solver_status",
                "exchange_status", "worker", "scenario_hash", "status"):  # fmt: skip
        table[col] = table[col].astype("string")
    for col in ("n_shortlisted", "capacity_selected", "target", "shortfall", "n_sites",
                "n_eligible", "n_excluded"):  # fmt: skip
        table[col] = pd.to_numeric(table[col]).astype("Int64")
    table["target_met"] = table["target_met"].astype("boolean")
    for col in ("total_value", "total_cost", "exchange_cost", "exchange_savings", "seconds",
                "seconds_inputs", "seconds_siting", "seconds_exchange"):  # fmt: skip
        table[col] = pd.to_numeric(table[col]).astype("float64")
    return table


def sweep_info(result: SweepResult) -> dict[str, Any]:
    """The content of ``sweep.json``: the plan, the executor and the counts."""
    from opvang_opt.pipeline import package_versions

    plan = result.plan
    versions = package_versions()
    for pkg in ("dask", "distributed", "pyarrow"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # pragma: no cover
            versions[pkg] = "not installed"
    return {
        "name": plan.name,
        "description": plan.description,
        "source": plan.source,
        "base": plan.base_path,
        "scenario": plan.scenario_name,
        "mode": plan.mode,
        "seed": plan.seed,
        "set": {k: _plain(v) for k, v in plan.fixed.items()},
        "parameters": {p.path.text: p.describe() for p in plan.parameters},
        "variants": len(plan.variants),
        "ok": result.n_ok,
        "target_not_met": int((result.table["status"] == "target_not_met").sum()),
        "failed": result.n_failed,
        "executor": result.executor,
        "workers": result.workers,
        "started_at": result.started_at,
        "seconds": round(result.seconds, 3),
        "startup_seconds": round(result.startup_seconds, 3),
        "versions": versions,
        "files": ["sweep.csv", "sweep.json", "sweep.parquet"],
    }


def write_sweep(result: SweepResult, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``sweep.csv``, ``sweep.parquet`` and ``sweep.json`` into ``out_dir``, atomically."""
    from opvang_opt.io.results import atomic_results_dir

    out = Path(out_dir)
    with atomic_results_dir(out) as tmp:
        result.table.to_csv(tmp / "sweep.csv", index=False)
        result.table.to_parquet(tmp / "sweep.parquet", index=False, engine="pyarrow")
        (tmp / "sweep.json").write_text(
            json.dumps(sweep_info(result), indent=2, ensure_ascii=False, default=str),
            encoding="utf-8",
        )
    return out.resolve()

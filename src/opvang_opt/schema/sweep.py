"""The sweep file: a base scenario, fixed changes and the parameters to vary.

Read by :func:`opvang_opt.workflows.sweep_plan.plan_sweep`; the parameters are named by
parameter paths (:mod:`opvang_opt.schema.paths`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from opvang_opt.schema.base import Seed, StrictModel, invalid

MAX_VARIANTS = 100_000
"""A sweep larger than this is refused (a grid grows fast; use random sampling)."""


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
            raise invalid("scenario.sweep.step_zero")
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
            raise invalid("scenario.sweep.high_low", high=self.high, low=self.low)
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
    seed: Seed = 0
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
        raise invalid("scenario.sweep.too_many", n=n, most=MAX_VARIANTS)
    whole = all(float(v).is_integer() for v in (start, stop, step))
    vals = [start + k * step for k in range(n)]
    if whole:
        return [round(v) for v in vals]
    digits = max(0, -math.floor(math.log10(abs(step)))) + 6
    return [round(v, digits) for v in vals]

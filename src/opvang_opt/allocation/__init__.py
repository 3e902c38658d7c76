"""Household allocation: place households in flexwoning units optimally.

Public API
----------
:func:`allocate`
    One allocation: validated inputs in, :class:`AllocationResult` out.
:func:`run_rolling`
    Period by period, given the units occupied before.
:func:`allocate_baseline` / :func:`compare_with_baseline`
    First-come-first-served as done by hand, and the optimiser's improvement on it.
:func:`check_allocation` / :func:`assert_valid`
    The independent checker of every hard rule (a :class:`~opvang_opt.status.CheckReport`).
:func:`explain`
    Why a household got its unit, and why not its best alternative (Dutch or English).
:class:`AllocationConfig`
    Every rule, weight and solver setting.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# light modules (numpy and pandas only): imported with the package
from opvang_opt.allocation.check import RULES, assert_valid, check_allocation
from opvang_opt.allocation.explain import Explanation, explain, explanations
from opvang_opt.allocation.result import AllocationResult, Comparison, Components, Timings
from opvang_opt.allocation.validate import Tables, validate_inputs

if TYPE_CHECKING:
    from opvang_opt.allocation.api import allocate, allocate_tables
    from opvang_opt.allocation.baseline import allocate_baseline, compare_with_baseline
    from opvang_opt.allocation.rolling import PeriodResult, RollingResult, run_rolling

# the solver modules (OR-Tools, scipy's optimiser) load on first use, so that the input
# check, which imports allocation.validate, loads no solver (issue 10)
_LAZY = {
    "allocate": "api",
    "allocate_tables": "api",
    "allocate_baseline": "baseline",
    "compare_with_baseline": "baseline",
    "PeriodResult": "rolling",
    "RollingResult": "rolling",
    "run_rolling": "rolling",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "RULES",
    "AllocationResult",
    "Comparison",
    "Components",
    "Explanation",
    "PeriodResult",
    "RollingResult",
    "Tables",
    "Timings",
    "allocate",
    "allocate_baseline",
    "allocate_tables",
    "assert_valid",
    "check_allocation",
    "compare_with_baseline",
    "explain",
    "explanations",
    "run_rolling",
    "validate_inputs",
]

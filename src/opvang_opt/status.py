"""One status vocabulary and one checker convention for every optimiser.

Every solve (shortlist, allocation, exchange, and later planning and services) returns a
result carrying a :class:`SolveStatus`; every optimiser has an independent checker that
returns a :class:`CheckReport`. A checker that finds a broken rule means a bug in the
optimiser, never bad input: :meth:`CheckReport.raise_if_violated` raises
:class:`~opvang_opt.errors.InternalError` (exit code 1, "please report").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from opvang_opt.errors import InternalError


class SolveStatus(enum.StrEnum):
    """Outcome of one solve, shared by every optimiser."""

    OPTIMAL = "optimal"
    """Proven optimal (within the stated gap setting)."""
    FEASIBLE = "feasible"
    """A solution that keeps every hard rule, without a proof of optimality (see the gap)."""
    INFEASIBLE = "infeasible"
    """No solution keeps every hard rule; the result carries a diagnosis."""
    NO_SOLUTION = "no_solution"
    """Stopped without any solution (time limit, numerical trouble)."""

    @property
    def has_solution(self) -> bool:
        """True when a solution that keeps every hard rule was found."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


class StageStatus(enum.StrEnum):
    """How a stage of a run ended (see the README's exit codes)."""

    OK = "ok"
    """The stage ran and met its task."""
    TARGET_NOT_MET = "target_not_met"
    """The stage ran, but its task (capacity target, placements, ...) is not met: see the
    diagnosis."""
    PARTIAL = "partial"
    """The stage ran and returned its best partial result (for example, not everyone placed)."""
    INFEASIBLE = "infeasible"
    """The stage's model has no solution under its hard rules: see the diagnosis."""
    NO_SOLUTION = "no_solution"
    """The solver stopped (time limit) before it found any solution: see the message."""
    SKIPPED = "skipped"
    """The scenario does not ask for the stage."""


@dataclass(frozen=True)
class Violation:
    """One broken rule found by a checker.

    Parameters
    ----------
    rule
        The rule's code (for example ``capacity``, ``budget``, ``mix``).
    message
        What is broken, with the values involved.
    where
        The id(s) of the record(s) involved, when there are any.
    value, limit
        The measured value and the limit it breaks, when both are numbers.
    """

    rule: str
    message: str
    where: str | None = None
    value: float | None = None
    limit: float | None = None

    def __str__(self) -> str:
        prefix = f"{self.rule}" + (f" ({self.where})" if self.where else "")
        return f"{prefix}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    """What an independent checker found.

    Parameters
    ----------
    checker
        Which checker ran (``shortlist``, ``allocation``, ``exchange``, ...).
    violations
        Every broken rule; empty when the solution is valid.
    objective
        The objective recomputed by the checker, when it recomputes one.
    """

    checker: str
    violations: tuple[Violation, ...] = ()
    objective: float | None = None
    details: dict[str, float] = field(default_factory=dict)

    @property
    def is_ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def raise_if_violated(self) -> None:
        """Raise :class:`~opvang_opt.errors.InternalError` listing every violation.

        A violation found by a checker is a bug in the optimiser, never bad input.
        """
        if self.violations:
            raise InternalError(
                f"The {self.checker} checker found {len(self.violations)} broken rule(s) in "
                "an optimiser's result",
                [str(v) for v in self.violations],
            )

"""Typed results of an allocation: status, objective, tables, diagnosis, timings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opvang_opt.allocation.model import COMPONENTS, Instance
from opvang_opt.errors import Diagnosis
from opvang_opt.status import SolveStatus, Violation


@dataclass(frozen=True)
class Components:
    """Objective components (raw values) and their weighted total."""

    school_km: float = 0.0
    work_km: float = 0.0
    care_km: float = 0.0
    unused_beds: float = 0.0
    relocation: float = 0.0
    not_preferred: float = 0.0
    total: float = 0.0

    def as_dict(self) -> dict[str, float]:
        """The components as a plain dict."""
        return {k: getattr(self, k) for k in (*COMPONENTS, "total")}


@dataclass(frozen=True)
class Timings:
    """Wall-clock seconds per step."""

    validate: float = 0.0
    build: float = 0.0
    solve: float = 0.0
    map_back: float = 0.0
    check: float = 0.0
    total: float = 0.0


@dataclass(frozen=True)
class Comparison:
    """Optimiser against the first-come-first-served baseline, on the same input."""

    components: pd.DataFrame
    """Per component (rows): optimiser, baseline, improvement (baseline - optimiser)."""
    optimiser_violations: int
    baseline_violations: int
    baseline_placed: int
    optimiser_placed: int
    baseline_violations_by_rule: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class AllocationResult:
    """The result of :func:`~opvang_opt.allocation.allocate`.

    Attributes
    ----------
    status
        The :class:`~opvang_opt.status.SolveStatus` of the solve. The solver places as
        many households as the hard rules allow, then minimises the objective: OPTIMAL
        (or FEASIBLE, see ``gap``) also when not everyone could be placed (see
        ``all_placed``, ``n_unplaced`` and ``diagnosis``); INFEASIBLE when there are
        households and none can be placed; NO_SOLUTION when the time limit stopped the
        solve before anyone was placed.
    objective
        The weighted objective of the returned allocation (cost points; lower is better).
    bound
        A proven lower bound on the objective with the same number of households placed.
    gap
        Proven relative gap ``(objective - bound) / max(objective, 1)``.
    components
        The objective's components (raw and total).
    assignments
        One row per placed household: ``household_id, group, unit_id, site_id, persons,
        beds, shared, school_km, work_km, care_km, unused_beds, relocation, not_preferred,
        cost``.
    unplaced
        One row per unplaced household: ``household_id, group, persons, rule, reason``
        (a :class:`~opvang_opt.texts.Message`, rendered by the outputs).
    by_site
        Per site: units, free units, occupied units after allocation, households,
        persons, beds, occupancy, units per group, children per band.
    by_school
        Per school: places and children placed per band.
    diagnosis
        The shortfalls when not every household can be placed (else empty).
    violations
        Hard-rule violations found by the independent checker (empty for the solver).
    timings
        Seconds per step.
    solver_stats
        Model sizes and solver facts (classes, types, arcs, LP rounds, MIP nodes).
    """

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    components: Components
    assignments: pd.DataFrame
    unplaced: pd.DataFrame
    by_site: pd.DataFrame
    by_school: pd.DataFrame
    diagnosis: Diagnosis
    violations: tuple[Violation, ...]
    timings: Timings
    solver_stats: dict[str, float | int | str]
    instance: Instance = field(repr=False)
    school_use: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    @property
    def n_placed(self) -> int:
        """Households placed."""
        return len(self.assignments)

    @property
    def n_unplaced(self) -> int:
        """Households that could not be placed (see ``unplaced`` and ``diagnosis``)."""
        return len(self.unplaced)

    @property
    def all_placed(self) -> bool:
        """True when every household is placed."""
        return self.n_unplaced == 0

    @property
    def is_ok(self) -> bool:
        """True when every household is placed and no hard rule is broken."""
        return self.status.has_solution and self.all_placed and not self.violations

    @property
    def proven_optimal(self) -> bool:
        """True when the solver proved the objective optimal within the gap setting."""
        return self.gap <= self.instance.config.solver.relative_gap + 1e-12

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary for ``run.json`` (aggregates and ids only)."""
        return {
            "status": self.status.value,
            "objective": round(self.objective, 6),
            "bound": round(self.bound, 6),
            "gap": round(self.gap, 8),
            "placed": len(self.assignments),
            "unplaced": len(self.unplaced),
            "components": {k: round(v, 6) for k, v in self.components.as_dict().items()},
            "diagnosis": [
                {
                    "rule": s.rule,
                    "message": s.message,
                    "required": s.required,
                    "available": s.available,
                }
                for s in self.diagnosis.shortfalls
            ],
            "violations": len(self.violations),
            "timings_s": {
                k: round(getattr(self.timings, k), 4)
                for k in ("validate", "build", "solve", "map_back", "check", "total")
            },
            "solver": dict(self.solver_stats),
        }


def components_of(assignments: pd.DataFrame, weights: np.ndarray) -> Components:
    """Sum the per-household components of an assignments table."""
    if len(assignments) == 0:
        return Components()
    sums = {k: float(assignments[k].sum()) for k in COMPONENTS}
    total = float(sum(w * sums[k] for w, k in zip(weights, COMPONENTS, strict=True)))
    return Components(**sums, total=total)

"""The planning instance (pure numbers) and the plan (the decisions), as frozen values.

An instance is what the model, the checker and the greedy baseline all read: periods,
municipalities, groups, sites and tasks, with every cost already in integer cents per
period (discounted). Building it from a scenario is :mod:`opvang_opt.planning.build`'s job.

Timing convention
-----------------
Period ``t`` runs from ``starts[t]`` for ``days[t]`` days. ``units[s, t]`` stand on site
``s`` during period ``t``. The decisions that change them happen at the start of ``t``:

``units[s, t] = units[s, t-1] + built[s, t] + moved_in[s, t] - moved_out[s, t] - closed[s, t]``

with ``units[s, -1]`` the existing stock. Units moved out of one site at the start of a
period are moved into another at the start of the same period (a move within the region
takes less than a period), so per period the moves in and out balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Site:
    """One site: an existing flexwoning site or a candidate.

    Parameters
    ----------
    site_id, name
        Id and readable name.
    municipality
        Index into :attr:`PlanningInstance.municipalities`.
    max_units
        Room on the site, in units (a multiple of ``block`` is used).
    block
        Units stand in blocks of this size.
    first_period
        First period the site may hold units (availability plus lead time).
    last_period
        Last period the site may hold units (its permit end, or the horizon's end).
    permit_periods
        Longest run of periods the site may be open, counted from its opening.
    initial_units
        Units standing before the first period (existing stock; 0 for a candidate).
    opening_cost, build_cost, move_cost, close_cost, running_cost_year
        Costs in integer cents, not discounted: per site for opening, per unit for
        building (net of subsidy), moving in, closing, and per unit per year in use.
    groups
        Which groups the site may house (one bool per group).
    score
        Siting score (0-100), used by the greedy baseline to rank sites.
    occupants, initial_group, permit_end, available_from, lead_periods
        For reasons and tables: who lives there now, the permit end and availability as
        given, and the lead time in periods.
    """

    site_id: str
    name: str
    municipality: int
    max_units: int
    block: int
    first_period: int
    last_period: int
    permit_periods: int
    initial_units: int
    opening_cost: int
    build_cost: int
    move_cost: int
    close_cost: int
    running_cost_year: int
    groups: tuple[bool, ...]
    score: float = 0.0
    occupants: int = 0
    initial_group: int | None = None
    permit_end: str = ""
    available_from: str = ""
    lead_periods: int = 0

    @property
    def existing(self) -> bool:
        """True for a site of the existing stock."""
        return self.initial_units > 0

    @property
    def max_blocks(self) -> int:
        """The most blocks the site can hold."""
        return self.max_units // self.block

    def may_open(self, t: int) -> bool:
        """True when the site may hold units in period ``t`` (ignoring its permit run)."""
        return self.first_period <= t <= self.last_period


@dataclass(frozen=True)
class PlanningInstance:
    """Everything the planning model needs, as plain numbers.

    Parameters
    ----------
    periods
        Period labels (``2026-H1``, ...).
    days
        Days in each period.
    years
        Calendar year each period starts in (for yearly budgets).
    discount
        Discount factor of each period (1 for the first).
    municipalities, municipality_names
        Municipality codes and names.
    groups, group_labels
        Group keys and readable names.
    places_per_unit
        Places one unit offers each group.
    hard
        Per group: must the task be met in full?
    unmet_cost_day
        Per group: cost in cents of one person without a place for one day.
    tasks
        Places needed, shape (periods, municipalities, groups).
    sites
        Existing and candidate sites.
    budgets
        Investment budget in cents per calendar year (years not listed: no limit).
    """

    periods: tuple[str, ...]
    days: tuple[int, ...]
    years: tuple[int, ...]
    discount: tuple[float, ...]
    municipalities: tuple[str, ...]
    municipality_names: tuple[str, ...]
    groups: tuple[str, ...]
    group_labels: tuple[str, ...]
    places_per_unit: tuple[int, ...]
    hard: tuple[bool, ...]
    unmet_cost_day: tuple[int, ...]
    tasks: IntArray
    sites: tuple[Site, ...]
    budgets: dict[int, int] = field(default_factory=dict)

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return len(self.periods)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.sites)

    # ------------------------------------------------------------------ cost coefficients
    # Per-period discounted coefficients in integer cents. Rounding each coefficient once
    # makes the objective an exact integer that the checker recomputes to the cent.

    def disc(self, cents: int, t: int) -> int:
        """``cents`` paid in period ``t``, discounted, rounded to whole cents."""
        return round(cents * self.discount[t])

    def running_coef(self, s: int, t: int) -> int:
        """Discounted running cost of one unit on site ``s`` during period ``t``."""
        return round(self.sites[s].running_cost_year * self.days[t] / 365 * self.discount[t])

    def unmet_coef(self, g: int, t: int) -> int:
        """Discounted cost of one place of group ``g`` unmet during period ``t``."""
        return round(self.unmet_cost_day[g] * self.days[t] * self.discount[t])


@dataclass(frozen=True)
class Plan:
    """The decisions per site and period (all integers).

    Arrays have shape (sites, periods) unless stated; ``assigned`` is (sites, periods,
    groups) and ``unmet`` is (periods, municipalities, groups) in places.
    """

    open: BoolArray
    start: BoolArray
    units: IntArray
    built: IntArray
    moved_in: IntArray
    moved_out: IntArray
    closed: IntArray
    assigned: IntArray
    unmet: IntArray

    @staticmethod
    def empty(inst: PlanningInstance) -> Plan:
        """A plan with every decision zero (for builders such as the greedy baseline)."""
        S, T, M, G = inst.n_sites, inst.n_periods, len(inst.municipalities), len(inst.groups)
        z = np.zeros((S, T), dtype=np.int64)
        return Plan(
            open=np.zeros((S, T), dtype=bool),
            start=np.zeros((S, T), dtype=bool),
            units=z.copy(),
            built=z.copy(),
            moved_in=z.copy(),
            moved_out=z.copy(),
            closed=z.copy(),
            assigned=np.zeros((S, T, G), dtype=np.int64),
            unmet=np.zeros((T, M, G), dtype=np.int64),
        )


@dataclass(frozen=True)
class CostBreakdown:
    """Discounted cost of a plan per kind, in integer cents."""

    opening: int
    building: int
    moving: int
    closing: int
    running: int
    unmet: int

    @property
    def total(self) -> int:
        """Sum of every kind."""
        return self.opening + self.building + self.moving + self.closing + self.running + self.unmet


def plan_costs(inst: PlanningInstance, plan: Plan) -> CostBreakdown:
    """The discounted cost of a plan per kind (integer cents), computed with plain loops.

    This is the objective's definition; the checker uses it, the model mirrors it.
    """
    opening = building = moving = closing = running = unmet = 0
    for s, site in enumerate(inst.sites):
        for t in range(inst.n_periods):
            if plan.start[s, t] and not (site.existing and t == 0):
                opening += inst.disc(site.opening_cost, t)
            building += int(plan.built[s, t]) * inst.disc(site.build_cost, t)
            moving += int(plan.moved_in[s, t]) * inst.disc(site.move_cost, t)
            closing += int(plan.closed[s, t]) * inst.disc(site.close_cost, t)
            running += int(plan.units[s, t]) * inst.running_coef(s, t)
    for t in range(inst.n_periods):
        for g in range(len(inst.groups)):
            unmet += int(plan.unmet[t, :, g].sum()) * inst.unmet_coef(g, t)
    return CostBreakdown(opening, building, moving, closing, running, unmet)


def investment_per_year(inst: PlanningInstance, plan: Plan) -> dict[int, int]:
    """Undiscounted investment (opening, building, moving) per calendar year, in cents."""
    out: dict[int, int] = {}
    for s, site in enumerate(inst.sites):
        for t in range(inst.n_periods):
            spend = int(plan.built[s, t]) * site.build_cost + int(plan.moved_in[s, t]) * (
                site.move_cost
            )
            if plan.start[s, t] and not (site.existing and t == 0):
                spend += site.opening_cost
            if spend:
                out[inst.years[t]] = out.get(inst.years[t], 0) + spend
    return out

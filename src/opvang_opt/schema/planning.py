"""The scenario's ``planning:`` section: capacity over time (spoor 2 and 3).

Which sites open when, how many flexwoningen are built, moved or closed per period, and
whether each period's task per municipality and group is met. Every figure that is not a
property of one site is a scenario parameter here, with its documented default; the
defaults carry their public source (see ``data/real/MANIFEST.md`` and the shared design
notes) or are marked as an assumption when no public figure exists.

Money is given in euros here and turned into integer cents by the planning stage; units
and places are integers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from opvang_opt.schema.base import CsvOptions, InputPath, StrictModel, invalid, msg
from opvang_opt.texts import Message

GroupName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A group key such as ``ontheemden``, ``statushouders`` or ``asielzoekers``."""

Euro = Annotated[float, Field(ge=0, le=1e11, allow_inf_nan=False)]
"""A non-negative amount in euros (converted to integer cents by the stage)."""


class PlanningGroup(StrictModel):
    """A group with a task per period (e.g. ontheemden, statushouders, asielzoekers)."""

    name: GroupName
    """Key of the group, as used in the task table."""
    label: str | None = None
    """Readable name in reasons and charts (defaults to the key)."""
    places_per_unit: int = Field(default=3, ge=1, le=12)
    """Places (persons) one flexwoning offers this group. Default 3: Diemen houses 85
    ontheemden in 30 flexwoningen, 2.8 per unit (MANIFEST), rounded up to whole places."""
    hard: bool = False
    """If true, the task must be met in full every period (infeasible otherwise, with a
    diagnosis); if false, every unmet place costs `unmet_cost_per_person_day_eur`."""
    unmet_cost_per_person_day_eur: Euro | None = None
    """Cost of one person without a place for one day for this group (emergency
    reception); defaults to the section's `unmet_cost_per_person_day_eur`."""
    cycle_periods: int = Field(default=1, ge=1, le=40)
    """Periods per task cycle when tasks are grown by `task_rule`: 4 half-years for the
    Spreidingswet (two-year periods from 1 January 2025, with `cycle_start`), 1 for the
    statushouders' half-yearly taakstelling."""
    cycle_start: dt.date | None = None
    """First day of one of the group's task cycles, for tasks grown by `task_rule` (e.g.
    2025-01-01: the Spreidingswet's cycles 2025-2026, 2027-2028, ...); it must fall on a
    period boundary. The exchange task is the task of the cycle that holds the horizon's
    first period, and it grows at the start of each later cycle. Default: the horizon's
    start (cycles counted from the first period)."""


class PlanningCsv(CsvOptions):
    """The CSV options of a planning table, as for every other CSV input."""


class TaskTable(PlanningCsv):
    """A CSV with the task per period, municipality and group.

    Columns: ``period`` (a label of the horizon, e.g. ``2026-H1``), ``municipality_code``
    (CBS ``GM`` code), ``group`` and ``task`` (places, an integer >= 0). A missing row
    means a task of 0.
    """

    path: InputPath
    """File path, relative to the scenario file."""


class TaskRule(StrictModel):
    """Tasks grown from the exchange section's tasks (one figure per municipality and group).

    In cycle k (k = 0, 1, ...) of a group, the task is the exchange task x
    (1 + growth_per_cycle[group]) ** k, computed exactly from the figures as written and
    rounded to whole places, halves up (102.5 places become 103).
    """

    growth_per_cycle: dict[GroupName, Annotated[float, Field(ge=-1, le=10)]] = Field(
        default_factory=dict
    )
    """Relative change of the task from one cycle to the next, per group (default 0)."""


class StockTable(PlanningCsv):
    """A CSV with the existing stock of flexwoningen.

    Columns: ``site_id``, ``name``, ``municipality_code``, ``units`` (int > 0), ``occupants``
    (int >= 0, persons living there now), ``group`` (who lives there), ``permit_end`` (ISO
    date; the units must be gone or moved by then); optional ``max_units`` (room for
    extension, default ``units``), ``x``/``y`` (RD New, for the map).
    """

    path: InputPath
    """File path, relative to the scenario file."""


class CandidateTable(PlanningCsv):
    """A CSV with per-site planning data that overrides the defaults.

    Columns: ``site_id`` and any of ``available_from`` (ISO date), ``max_units``,
    ``lead_time_months``, ``permit_years``, ``block_units``, ``build_cost_per_unit_eur``,
    ``move_cost_per_unit_eur``, ``running_cost_per_unit_year_eur``, ``opening_cost_eur``,
    ``groups`` (semicolon-separated group keys the site may house; empty = all), ``x``/``y``
    (RD New, for the map, when the site is not in the longlist). With
    ``candidates.from: table`` it also needs ``name`` and ``municipality_code`` and is the
    whole candidate list. A row with the id of an existing site (the stock table) sets that
    site's ``block_units`` and costs only; it is not a candidate.
    """

    path: InputPath
    """File path, relative to the scenario file."""


class SiteDefaults(StrictModel):
    """Planning figures of a candidate site, where neither the longlist nor the candidate
    table gives one."""

    build_cost_per_unit_eur: Euro = 123_000
    """Building one flexwoning. Diemen paid about EUR 3.7 million for 30 units, about
    EUR 123,000 each; the public range is EUR 100,000-160,000 (MANIFEST)."""
    subsidy_per_unit_eur: Euro = 7_800
    """Subsidy per newly built unit, deducted from the build cost: the SFT subsidy of
    EUR 7,800 per unit (MANIFEST)."""
    move_cost_per_unit_eur: Euro = 25_000
    """Moving one existing flexwoning to another site (dismantling, transport, new
    foundations and connections). Assumption: no public figure; about a fifth of the build
    cost, in line with the design note that moving costs far less than building."""
    close_cost_per_unit_eur: Euro = 2_500
    """Removing one flexwoning for good at the end of its use. Assumption: no public
    figure."""
    running_cost_per_unit_year_eur: Euro = 4_000
    """Yearly management and maintenance per unit in use. Assumption: no public figure."""
    opening_cost_eur: Euro = 500_000
    """Preparing a site (ground works, utilities), when the longlist has no cost column.
    Assumption; the demo longlist has EUR 0.27-2.59 million per site."""
    lead_time_months: int = Field(default=12, ge=0, le=120)
    """Months from a site's availability until units can stand there (permit, ground
    works, building). Assumption."""
    permit_years: int = Field(default=15, ge=1, le=50)
    """Longest permit for temporary homes: up to 15 years (MANIFEST)."""
    block_units: int = Field(default=10, ge=1, le=1000)
    """Units are placed in blocks of this size (a site holds a multiple of it)."""
    max_units: int = Field(default=60, ge=0, le=100_000)
    """Room on a site when neither the siting capacity nor the candidate table gives one."""

    @model_validator(mode="after")
    def _net_build_cost(self) -> SiteDefaults:
        # a negative net cost would pay the plan to build and close units at once
        if self.subsidy_per_unit_eur > self.build_cost_per_unit_eur:
            raise invalid(
                "scenario.planning.subsidy_above_cost",
                subsidy=self.subsidy_per_unit_eur,
                cost=self.build_cost_per_unit_eur,
            )
        return self


class CandidateSource(StrictModel):
    """Where the candidate sites come from."""

    from_: Literal["shortlist", "eligible", "table", "none"] = Field(
        default="shortlist", alias="from"
    )
    """shortlist: the siting stage's shortlist; eligible: every site the siting stage did
    not exclude; table: only the sites in `table`; none: only the existing stock."""
    table: CandidateTable | None = None
    """Per-site overrides (or the whole list with from: table)."""
    available_column: str = "available_from"
    """Longlist column with the date a site becomes available (empty = from the start)."""
    cost_column: str | None = "cost_estimate_eur"
    """Longlist column with the site's preparation cost in EUR (the opening cost); none:
    use `defaults.opening_cost_eur`."""

    @model_validator(mode="after")
    def _table(self) -> CandidateSource:
        if self.from_ == "table" and self.table is None:
            raise invalid("scenario.planning.table_needs_table")
        return self


class PlanningSolver(StrictModel):
    """Solver settings of the planning model."""

    backend: Literal["highs", "scip", "cpsat"] = "highs"
    """MathOpt backend. highs (default) proved the benchmark instances fastest; see
    benchmarks/bench_planning.py for the measurements of all three."""
    time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    """Wall-clock limit of one solve."""
    relative_gap: float = Field(default=1e-6, ge=0, le=0.5)
    """Stop when the proven gap is at most this; a result within 1e-6 is reported optimal."""
    threads: int = Field(default=1, ge=1, le=64)
    """Solver threads (1 keeps results deterministic)."""
    method: Literal["auto", "mip", "lp_round", "municipalities"] = "auto"
    """mip: one MIP of the whole region, started from the greedy plan; lp_round: a plan
    rounded from the LP relaxation (openings where the LP opens a site at least half, then
    blocks and assignments by a small MIP), with the LP value as the proven bound;
    municipalities: one MIP per municipality (moves kept inside it), LP bound of the whole;
    auto: lp_round, then (up to 150 sites) the full MIP started from the better of that plan
    and the greedy one."""


class PlanningConfig(StrictModel):
    """Plan over time which sites open when, where flexwoningen move, and whether each
    period's task is met (scenario section ``planning``)."""

    start: dt.date = dt.date(2026, 1, 1)
    """First day of the horizon (the first period starts here)."""
    periods: int = Field(default=20, ge=1, le=120)
    """Number of periods in the horizon (default: 20 half-years = 10 years)."""
    period_months: Literal[1, 2, 3, 4, 6, 12] = 6
    """Length of a period: 6 = half-years (the statushouders' taakstelling), 12 = years."""
    groups: tuple[PlanningGroup, ...] = Field(min_length=1)
    """The groups with a task."""
    tasks: TaskTable | None = None
    """The task per period, municipality and group as a table."""
    task_rule: TaskRule | None = None
    """Instead of a table: grow the tasks from the exchange section's tasks."""
    task_scope: Literal["municipality", "region"] = "municipality"
    """municipality: each municipality meets its own task with its own sites; region: the
    tasks are pooled over the region (the regional exchange), any site counts for any
    municipality."""
    stock: StockTable | None = None
    """The existing stock of flexwoningen (sites, units, occupants, permit end)."""
    candidates: CandidateSource = CandidateSource()
    """Candidate sites: the shortlist, the eligible longlist or a table."""
    defaults: SiteDefaults = SiteDefaults()
    """Planning figures of a site where its own data give none."""
    unmet_cost_per_person_day_eur: Euro = 61
    """Cost of one person without a regular place for one day (emergency reception).
    Default EUR 61: the normbedrag municipalities received per place per day for the
    reception of Ukrainian displaced persons from 1 January 2024 (NOS, July 2024; the
    exchange demo uses the same figure); it was EUR 100 in 2022. A group may set its own."""
    discount_rate: float = Field(default=0.0225, ge=0, le=0.5)
    """Yearly discount rate for costs in later periods. Default 2.25 %: the real discount
    rate for Dutch social cost-benefit analyses (Werkgroep discontovoet, 2020)."""
    yearly_budget_eur: dict[int, Euro] = Field(default_factory=dict)
    """Optional investment budget per calendar year (opening, building and moving costs,
    not discounted); years not listed have no limit."""
    solver: PlanningSolver = PlanningSolver()
    """Solver settings."""
    baseline: bool = True
    """Also run the greedy baseline ('when short, open the best available site')."""

    @model_validator(mode="after")
    def _check(self) -> PlanningConfig:
        problems: list[Message] = []
        if (self.tasks is None) == (self.task_rule is None):
            problems.append(msg("scenario.planning.tasks_or_rule"))
        names = [g.name for g in self.groups]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            problems.append(msg("scenario.planning.groups_twice", groups=", ".join(dup)))
        if self.task_rule is not None:
            unknown = sorted(set(self.task_rule.growth_per_cycle) - set(names))
            if unknown:
                problems.append(msg("scenario.planning.growth_unknown", groups=", ".join(unknown)))
        m = self.period_months
        for i, g in enumerate(self.groups):
            c = g.cycle_start
            if c is not None and (c.day != 1 or cycle_offset(c, self.start, m) is None):
                problems.append(
                    msg(
                        "scenario.planning.cycle_start",
                        i=i,
                        date=c.isoformat(),
                        months=m,
                        start=self.start.isoformat(),
                    )
                )
        if m in (3, 6, 12) and (self.start.month - 1) % m:
            # the labels name calendar quarters, half-years or years: a horizon from March
            # would label March-August '2026-H1' and September-February '2026-H2'
            kind = {3: "quarter", 6: "half_year", 12: "year"}[m]
            firsts = ", ".join(dt.date(2000, k, 1).strftime("%m") for k in range(1, 13, m))
            problems.append(
                msg(
                    f"scenario.planning.start_{kind}",
                    start=self.start.isoformat(),
                    months=m,
                    firsts=firsts,
                )
            )
        if problems:
            raise invalid("joined", items=problems)
        return self

    def period_labels(self) -> list[str]:
        """Labels of the periods: ``2026-H1`` for half-years, ``2026`` for years,
        ``2026-Q1`` for quarters, ``2026-01`` otherwise."""
        return [period_label(s, self.period_months) for s, _ in self.period_bounds()]

    def period_bounds(self) -> list[tuple[dt.date, dt.date]]:
        """(first day, first day of the next period) of each period."""
        out = []
        for k in range(self.periods + 1):
            months = self.start.month - 1 + k * self.period_months
            day = dt.date(self.start.year + months // 12, months % 12 + 1, 1)
            out.append(day)
        if self.start.day != 1:
            out[0] = self.start
        return list(itertools.pairwise(out))


def cycle_offset(cycle_start: dt.date, start: dt.date, period_months: int) -> int | None:
    """Periods from ``cycle_start`` to the horizon's ``start`` (negative when the cycle
    starts later), or ``None`` when it is not a whole number of periods.

    Examples
    --------
    >>> cycle_offset(dt.date(2025, 1, 1), dt.date(2026, 1, 1), 6)
    2
    >>> cycle_offset(dt.date(2027, 7, 1), dt.date(2026, 1, 1), 6)
    -3
    >>> cycle_offset(dt.date(2025, 2, 1), dt.date(2026, 1, 1), 6) is None
    True
    """
    months = (start.year - cycle_start.year) * 12 + start.month - cycle_start.month
    if cycle_start.day != 1 or start.day != 1 or months % period_months:
        return None
    return months // period_months


def period_label(first: dt.date, months: int) -> str:
    """The label of a period that starts on ``first`` and lasts ``months`` months."""
    if months == 12:
        return f"{first.year}"
    if months == 6:
        return f"{first.year}-H{(first.month - 1) // 6 + 1}"
    if months == 3:
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    return f"{first.year}-{first.month:02d}"

"""The scenario's ``exchange:`` section: the schema of the regional exchange of tasks.

Errors
------
All validation of this section raises :class:`pydantic.ValidationError` only,
so the scenario loader can turn every problem into one ``field: message`` line:

* types and ranges (a negative task or cost, a rate of zero or below, a bad
  CBS code) are checked by the field types;
* checks within one record (cost steps out of order, a group counting for
  itself) run in that record's validator, so they are reported even when
  another part of the scenario has errors;
* cross-field checks (unknown municipality codes, groups or housing types used
  but not defined, duplicate names, a backend that cannot solve the model)
  are collected by ``ExchangeConfig._cross_check`` once all fields are valid,
  and raised *together* as one
  ``ValidationError`` whose entries carry the exact location (for example
  ``tasks.GM9999`` or ``substitution.0.from_group``) and a Dutch message.

Infeasible combinations that can only be detected by solving (bounds that
cannot all hold) raise :class:`opvang_opt.errors.InfeasibleError` from
``solve_exchange``; in a run, the exchange stage reports them as the status
``infeasible`` with the diagnosis, and the run goes on.

Units
-----
Tasks and capacities are in places (persons) for the scenario's period; costs
are euros per place for that period (capital costs annualised, see the demo
block), fixed costs are euros for opening a location in that period.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from opvang_opt.schema.base import Problem, Seed, StrictModel, msg, raise_problems

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^GM\d{4}$")]
"""A CBS municipality code: ``GM`` followed by four digits, e.g. ``GM0384``."""

KeyName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""A key for a group or housing type: lower case letters, digits and underscores."""

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
MAX_TASK_PLACES = 1_000_000
"""The largest task of one municipality and group: beyond it a number is a typing error,
and its cost in cents (times an unmet cost per place) would leave 64 bits."""
MAX_EUR_PER_PLACE = 1e9
"""The largest cost of one place (a billion euros): beyond it a cost is a typing error or a
wrong unit, and sums in whole cents would leave 64 bits."""
TaskPlaces = Annotated[float, Field(ge=0, le=MAX_TASK_PLACES, allow_inf_nan=False)]
EurPerPlace = Annotated[float, Field(ge=0, le=MAX_EUR_PER_PLACE, allow_inf_nan=False)]
Eur = Annotated[float, Field(ge=0, le=1e11, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Period(StrictModel):
    """The period the tasks, capacities and costs refer to."""

    label: str = "2025"
    """Name of the period, e.g. ``2025`` or ``2025-H1``."""

    days: int = Field(365, ge=1, le=3660)
    """Length of the period in days; converts daily reference prices to the period."""


class ExchangeMunicipality(StrictModel):
    """A municipality taking part in the exchange."""

    code: MunicipalityCode
    """CBS municipality code, e.g. ``GM0384`` (Diemen)."""

    name: str = Field(min_length=1)
    """Name as shown in tables and maps."""

    population: int = Field(ge=0)
    """Number of inhabitants; used for places per 1,000 inhabitants in the tables."""


class Group(StrictModel):
    """A group of people with a task, e.g. asielzoekers, statushouders, ontheemden."""

    name: KeyName
    """Key of the group, used in tasks, housing types and rules."""

    label: str | None = None
    """Readable name for tables; defaults to the key."""

    unmet_cost_per_place: EurPerPlace | None = None
    """Cost per place of a task that is not housed in the region's own capacity
    (e.g. emergency reception, hotel). Empty: every place must be housed, and a
    task that does not fit makes the problem infeasible."""


class CostStep(StrictModel):
    """One step of a rising cost curve: places up to ``up_to`` cost ``cost_per_place``."""

    up_to: float | None = Field(None, gt=0, allow_inf_nan=False)
    """Cumulative number of places at a location this step runs to; empty for the
    last step (no limit other than the capacity)."""

    cost_per_place: EurPerPlace
    """Cost per place in this step, in euros for the period."""


class _Costed(StrictModel):
    """Cost fields shared by housing types and capacity entries."""

    cost_per_place: EurPerPlace | None = None
    """Flat cost per place in euros for the period (use this or ``cost_steps``)."""

    cost_steps: list[CostStep] | None = Field(None, min_length=1)
    """Cost rising with volume: steps in order of ``up_to``; costs may not fall
    from one step to the next (economies of scale belong in ``fixed_cost``)."""

    fixed_cost: Eur | None = None
    """Cost of opening the location in the period, paid only when it houses
    anyone. Zero or empty for a location that is already open."""

    @model_validator(mode="after")
    def _check_costs(self) -> _Costed:
        raise_problems(type(self).__name__, _cost_problems(self, ()))
        return self


class HousingType(_Costed):
    """A kind of housing, e.g. flexwoningen, a reception location, social rental vacancies."""

    name: KeyName
    """Key of the housing type."""

    label: str | None = None
    """Readable name for tables; defaults to the key."""

    groups: list[KeyName] = Field(min_length=1)
    """The groups this type can house."""


class CapacityEntry(_Costed):
    """Capacity of one housing type in one municipality.

    Cost fields left empty are taken from the housing type.
    """

    municipality: MunicipalityCode
    """CBS code of the municipality."""

    type: KeyName
    """Key of the housing type."""

    places: NonNegative
    """Number of places available in the period."""


class SubstitutionRule(StrictModel):
    """Group ``from_group`` may count for the task of ``to_group``.

    One place of ``from_group`` counts as ``rate`` places of ``to_group``
    (the Spreidingswet, for example, lets a municipality count places for
    statushouders or ontheemden towards its asylum reception task).
    """

    from_group: KeyName
    """The group that is housed."""

    to_group: KeyName
    """The group whose task it counts for."""

    rate: float = Field(gt=0, allow_inf_nan=False)
    """Places of ``to_group`` credited per place of ``from_group``; must be above 0."""

    max_share: Share = 1.0
    """At most this share of a municipality's placements credited to ``to_group``
    may come from this rule."""

    @model_validator(mode="after")
    def _check_self(self) -> SubstitutionRule:
        if self.from_group == self.to_group:
            raise_problems(
                "SubstitutionRule",
                [
                    (
                        (),
                        "self_substitution",
                        msg("scenario.exchange.self_substitution", group=repr(self.from_group)),
                        self.from_group,
                    )
                ],
            )
        return self


class BoundSpec(StrictModel):
    """Limits on how far a municipality's task per group may move."""

    min_keep_share: Share | None = None
    """Share of its own task the municipality keeps at least (0 = may hand all
    of it to others, 1 = hands nothing over)."""

    max_extra: NonNegative | None = None
    """At most this many places taken over from others (empty = no limit)."""

    max_extra_share: NonNegative | None = None
    """At most this share of its own task taken over extra (empty = no limit)."""


class BoundOverride(BoundSpec):
    """Bounds for one municipality, and optionally one group; overrides the default."""

    municipality: MunicipalityCode
    """CBS code of the municipality."""

    group: KeyName | None = None
    """Key of the group; empty = all groups of the municipality."""


class Bounds(StrictModel):
    """Bounds per municipality and group: a default and overrides."""

    default: BoundSpec = BoundSpec(min_keep_share=0.0)
    """Bounds for every municipality and group without an override."""

    overrides: list[BoundOverride] = Field(default_factory=list)
    """Bounds for particular municipalities (and groups); a group-specific
    override wins over a municipality-wide one; unset fields fall back."""


class ReferencePrice(StrictModel):
    """A public price per place to compare side payments with."""

    name: str = Field(min_length=1)
    """Short name, e.g. ``Spreidingswet-prikkel``."""

    group: KeyName
    """The group the price refers to."""

    amount: NonNegative
    """Amount in euros."""

    unit: Literal["per_place", "per_place_per_day"] = "per_place"
    """``per_place`` (once for the period) or ``per_place_per_day`` (times the
    period's days)."""

    source: str = ""
    """Where the figure comes from."""

    assumption: bool = False
    """True when the figure is an assumption rather than a verified public figure."""


class TradeoffSettings(StrictModel):
    """The sweep of the allowed shift (trade-off of savings against moving tasks)."""

    shifts: list[Share] | None = None
    """Shifts to evaluate (shares of a municipality's own task per group that may
    move); empty = ``steps`` values evenly spaced from 0 to ``max_shift``."""

    steps: int = Field(11, ge=2, le=101)
    """Number of shift values when ``shifts`` is empty."""

    max_shift: Share = 1.0
    """Largest shift when ``shifts`` is empty."""

    limit_intake: bool = True
    """If true, a municipality also takes at most ``shift`` times its own task extra."""


class ShapleySettings(StrictModel):
    """How the Shapley value of the cost-saving game is computed."""

    exact_max_municipalities: int = Field(12, ge=1, le=16)
    """Exact (every coalition solved) up to this many municipalities; sampled above."""

    samples: int = Field(200, ge=2, le=100_000)
    """Number of random orders (permutations) for the sampled Shapley value."""

    seed: Seed = 0
    """Seed of the random orders; the same seed gives the same payments."""

    antithetic: bool = True
    """Pair every random order with its reverse (lowers the sampling error)."""


class ExchangeSolverSettings(StrictModel):
    """Settings of the optimisation solver (OR-Tools MathOpt)."""

    backend: Literal["highs", "scip", "glop"] = "highs"
    """Solver: ``highs`` (LP and MIP), ``scip`` (MIP) or ``glop`` (LP only)."""

    time_limit_s: float = Field(60.0, gt=0, le=86_400)
    """Time limit per solve, in seconds."""

    relative_gap: float = Field(1e-6, ge=0, le=1)
    """Relative optimality gap at which a MIP solve may stop."""

    seed: Seed = 0
    """Random seed of the solver."""

    integer_places: bool = False
    """Whole persons: places are integers (a MIP instead of an LP)."""

    coalition_backend: Literal["auto", "highs", "scip", "glop"] = "auto"
    """Solver for the many coalition models of the Shapley value: ``auto`` uses
    ``glop`` when the model is an LP (about twice as fast as HiGHS on these small
    LPs) and ``backend`` when it needs integers."""


class ExchangeConfig(StrictModel):
    """The regional exchange of tasks between municipalities (scenario section ``exchange``)."""

    period: Period = Period()
    """The period of tasks, capacities and costs."""

    municipalities: list[ExchangeMunicipality] = Field(min_length=1)
    """The municipalities taking part."""

    groups: list[Group] = Field(min_length=1)
    """The groups with a task."""

    tasks: dict[MunicipalityCode, dict[KeyName, TaskPlaces]]
    """Task per municipality and group in places, e.g. ``{GM0384: {asielzoekers: 175}}``;
    a missing group counts as 0."""

    housing_types: list[HousingType] = Field(min_length=1)
    """The kinds of housing, which groups each can house and their default costs."""

    capacity: list[CapacityEntry] = Field(default_factory=list)
    """Capacity per municipality and housing type."""

    substitution: list[SubstitutionRule] = Field(default_factory=list)
    """Which group may count for which other group's task, and at what rate."""

    bounds: Bounds = Bounds()
    """How much of its own task a municipality keeps at least, and takes at most extra."""

    reference_prices: list[ReferencePrice] = Field(default_factory=list)
    """Public prices per place to compare side payments with."""

    tradeoff: TradeoffSettings = TradeoffSettings()
    """The sweep of the allowed shift."""

    shapley: ShapleySettings = ShapleySettings()
    """Exact or sampled Shapley value."""

    solver: ExchangeSolverSettings = ExchangeSolverSettings()
    """Solver settings."""

    # ------------------------------------------------------------------ helpers
    @property
    def codes(self) -> list[str]:
        """The municipality codes in declared order."""
        return [m.code for m in self.municipalities]

    @property
    def group_names(self) -> list[str]:
        """The group keys in declared order."""
        return [g.name for g in self.groups]

    @property
    def type_names(self) -> list[str]:
        """The housing type keys in declared order."""
        return [t.name for t in self.housing_types]

    def municipality_name(self, code: str) -> str:
        """Return the name of the municipality with CBS code ``code``."""
        for m in self.municipalities:
            if m.code == code:
                return m.name
        raise KeyError(code)

    def task(self, code: str, group: str) -> float:
        """Return the task of a municipality for a group (0 when not given)."""
        return float(self.tasks.get(code, {}).get(group, 0.0))

    @property
    def needs_mip(self) -> bool:
        """True when the model needs integer variables (fixed costs or whole persons)."""
        if self.solver.integer_places:
            return True
        types = {t.name: t for t in self.housing_types}
        for e in self.capacity:
            fixed = e.fixed_cost if e.fixed_cost is not None else types.get(e.type, e).fixed_cost
            if fixed and e.places > 0:
                return True
        return False

    # --------------------------------------------------------------- validation
    @model_validator(mode="after")
    def _cross_check(self) -> ExchangeConfig:
        raise_problems("ExchangeConfig", _cross_problems(self))
        return self


_Err = Problem


def _cross_problems(cfg: ExchangeConfig) -> list[_Err]:
    """Collect every cross-field problem of an exchange section (Dutch messages)."""
    errs: list[_Err] = []

    def dupes(names: list[str], what: str, field: str) -> None:
        for name, count in Counter(names).items():
            if count > 1:
                idx = names.index(name)
                errs.append(
                    (
                        (field, idx),
                        f"duplicate_{what}",
                        msg(
                            "scenario.exchange.duplicate",
                            what=msg(f"scenario.exchange.what_{what}"),
                            name=repr(name),
                            count=count,
                        ),
                        name,
                    )
                )

    codes = cfg.codes
    groups = set(cfg.group_names)
    types = {t.name: t for t in cfg.housing_types}
    dupes(codes, "municipality", "municipalities")
    dupes(cfg.group_names, "group", "groups")
    dupes(cfg.type_names, "housing_type", "housing_types")
    known = set(codes)
    known_txt = ", ".join(codes)
    group_txt = ", ".join(cfg.group_names)
    type_txt = ", ".join(cfg.type_names)

    def unknown_code(loc: tuple[Any, ...], code: str) -> None:
        errs.append(
            (
                loc,
                "unknown_municipality",
                msg("scenario.exchange.unknown_code", code=repr(code), known=known_txt),
                code,
            )
        )

    def unknown_group(loc: tuple[Any, ...], group: str) -> None:
        errs.append(
            (
                loc,
                "unknown_group",
                msg("scenario.exchange.unknown_group", group=repr(group), known=group_txt),
                group,
            )
        )

    for code, per_group in cfg.tasks.items():
        if code not in known:
            unknown_code(("tasks", code), code)
        for g in per_group:
            if g not in groups:
                unknown_group(("tasks", code, g), g)

    for i, t in enumerate(cfg.housing_types):
        for j, g in enumerate(t.groups):
            if g not in groups:
                unknown_group(("housing_types", i, "groups", j), g)

    seen: dict[tuple[str, str], int] = {}
    for i, e in enumerate(cfg.capacity):
        if e.municipality not in known:
            unknown_code(("capacity", i, "municipality"), e.municipality)
        if e.type not in types:
            errs.append(
                (
                    ("capacity", i, "type"),
                    "unknown_housing_type",
                    msg("scenario.exchange.unknown_type", type=repr(e.type), known=type_txt),
                    e.type,
                )
            )
        else:
            t = types[e.type]
            if (
                e.cost_per_place is None
                and e.cost_steps is None
                and (t.cost_per_place is None and t.cost_steps is None)
            ):
                errs.append(
                    (
                        ("capacity", i),
                        "missing_cost",
                        msg(
                            "scenario.exchange.missing_cost",
                            type=repr(e.type),
                            municipality=e.municipality,
                        ),
                        e.type,
                    )
                )
        key = (e.municipality, e.type)
        if key in seen:
            errs.append(
                (
                    ("capacity", i),
                    "duplicate_capacity",
                    msg(
                        "scenario.exchange.duplicate_capacity",
                        type=repr(e.type),
                        municipality=e.municipality,
                        index=seen[key],
                    ),
                    e.type,
                )
            )
        seen.setdefault(key, i)

    pairs: set[tuple[str, str]] = set()
    for i, r in enumerate(cfg.substitution):
        for fld in ("from_group", "to_group"):
            g = getattr(r, fld)
            if g not in groups:
                unknown_group(("substitution", i, fld), g)
        if (r.from_group, r.to_group) in pairs:
            errs.append(
                (
                    ("substitution", i),
                    "duplicate_rule",
                    msg("scenario.exchange.duplicate_rule", source=r.from_group, to=r.to_group),
                    r.from_group,
                )
            )
        pairs.add((r.from_group, r.to_group))

    for i, b in enumerate(cfg.bounds.overrides):
        if b.municipality not in known:
            unknown_code(("bounds", "overrides", i, "municipality"), b.municipality)
        if b.group is not None and b.group not in groups:
            unknown_group(("bounds", "overrides", i, "group"), b.group)

    for i, p in enumerate(cfg.reference_prices):
        if p.group not in groups:
            unknown_group(("reference_prices", i, "group"), p.group)

    if cfg.solver.integer_places:
        # whole persons: a task or a capacity of 12.5 places has no meaning, and rounding
        # it would be a guess
        for code, per_group in cfg.tasks.items():
            for g, v in per_group.items():
                if float(v) != int(float(v)):
                    errs.append(
                        (
                            ("tasks", code, g),
                            "fractional_places",
                            msg("scenario.exchange.fractional_task", value=f"{v:g}"),
                            v,
                        )
                    )
        for i, e in enumerate(cfg.capacity):
            if float(e.places) != int(float(e.places)):
                errs.append(
                    (
                        ("capacity", i, "places"),
                        "fractional_places",
                        msg("scenario.exchange.fractional_capacity", value=f"{e.places:g}"),
                        e.places,
                    )
                )

    if "glop" in (cfg.solver.backend, cfg.solver.coalition_backend) and cfg.needs_mip:
        errs.append(
            (
                ("solver", "backend" if cfg.solver.backend == "glop" else "coalition_backend"),
                "lp_only_backend",
                msg("scenario.exchange.lp_only"),
                "glop",
            )
        )
    return errs


def _cost_problems(item: _Costed, loc: tuple[Any, ...]) -> list[_Err]:
    errs: list[_Err] = []
    if item.cost_per_place is not None and item.cost_steps is not None:
        errs.append(
            (
                loc,
                "two_costs",
                msg("scenario.exchange.two_costs"),
                item.cost_per_place,
            )
        )
    steps = item.cost_steps or []
    for k, step in enumerate(steps):
        if step.up_to is None and k < len(steps) - 1:
            errs.append(
                (
                    (*loc, "cost_steps", k, "up_to"),
                    "open_step",
                    msg("scenario.exchange.open_step"),
                    None,
                )
            )
        if k > 0:
            prev = steps[k - 1]
            if step.up_to is not None and prev.up_to is not None and step.up_to <= prev.up_to:
                errs.append(
                    (
                        (*loc, "cost_steps", k, "up_to"),
                        "steps_not_increasing",
                        msg("scenario.exchange.steps_order", up_to=step.up_to, prev=prev.up_to),
                        step.up_to,
                    )
                )
            if step.cost_per_place < prev.cost_per_place:
                errs.append(
                    (
                        (*loc, "cost_steps", k, "cost_per_place"),
                        "falling_cost",
                        msg(
                            "scenario.exchange.falling_cost",
                            prev=prev.cost_per_place,
                            cost=step.cost_per_place,
                        ),
                        step.cost_per_place,
                    )
                )
    return errs

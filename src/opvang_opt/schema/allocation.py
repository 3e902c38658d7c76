"""Settings of the allocation stage: every hard rule, weight and solver setting.

The scenario's ``allocation:`` section is validated into :class:`AllocationConfig`.
Every field carries its documentation as a docstring, so the exported JSON Schema
documents every key.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Literal

from pydantic import Field, field_validator, model_validator

from opvang_opt.schema.base import (
    DateFormats,
    Encoding,
    InputPath,
    Seed,
    StrictModel,
    check_separator_and_decimal,
    invalid,
)

MAX_SHARE_DENOMINATOR = 1000
"""Mix-rule shares are read as the nearest fraction p/q with q at most this (0.3333333 is
1/3); a share written as "p/q" must not need a larger q (it would not be read exactly)."""

DEFAULT_GROUPS: tuple[str, ...] = (
    "ontheemden",
    "statushouders",
    "asielzoekers",
    "urgent",
    "starter",
)
"""The groups a scenario knows unless it lists its own."""


class MixRule(StrictModel):
    """One mixed-housing rule (gemengd wonen) on the share of a site's occupied units.

    The share is counted over the *occupied* units of a site after allocation
    (units already occupied included). A shared unit counts once, for the group
    of its occupants. When units already occupied break the rule, new placements
    may not make the excess larger.
    """

    groups: list[str] = Field(min_length=1)
    """The groups counted together by this rule (e.g. ``[statushouders]``)."""

    max_share: float | None = Field(default=None, ge=0.0, le=1.0)
    """At most this share of a site's occupied units may go to these groups. A number
    (read exactly as the nearest fraction p/q with q <= 1000: 0.3333333 is 1/3) or a
    fraction written as ``"p/q"``; the rule is "at most p of every q occupied units"."""

    min_share: float | None = Field(default=None, ge=0.0, le=1.0)
    """At least this share of a site's occupied units must go to these groups (a number or
    ``"p/q"``, read like ``max_share``)."""

    sites: list[str] | None = None
    """Site ids the rule applies to; every site when omitted."""

    basis: Literal["occupied", "units"] = "occupied"
    """What the share is counted over. ``occupied`` (default): the site's occupied units
    after allocation. ``units``: all the site's units (every unit listed for the site,
    occupied, free or delivered later), as in "at most half of the homes on this site for
    statushouders"; a ``min_share`` then keeps that share of the units for the rule's
    groups (the other groups take at most the rest) and does not ask that a site be
    filled. A rule on the units does not change as a site fills, so a rolling run keeps
    it week by week exactly as a whole-year allocation keeps it."""

    name: str | None = None
    """A short name used in explanations and diagnoses; built from the groups when omitted."""

    @field_validator("max_share", "min_share", mode="before")
    @classmethod
    def _fraction_text(cls, value: object) -> object:
        if isinstance(value, str) and "/" in value:
            num, _, den = value.partition("/")
            try:
                exact = Fraction(int(num.strip()), int(den.strip()))
            except (ValueError, ZeroDivisionError):
                raise invalid("scenario.allocation.not_fraction", value=repr(value)) from None
            if exact.denominator > MAX_SHARE_DENOMINATOR:
                # read as the nearest p/q with q <= 1000, it would not be the rule written
                raise invalid(
                    "scenario.allocation.fraction_too_fine",
                    value=repr(value),
                    most=MAX_SHARE_DENOMINATOR,
                )
            return exact.numerator / exact.denominator
        return value

    @model_validator(mode="after")
    def _one_bound(self) -> MixRule:
        if self.max_share is None and self.min_share is None:
            raise invalid("scenario.allocation.mix_bound")
        if (
            self.max_share is not None
            and self.min_share is not None
            and self.min_share > self.max_share
        ):
            raise invalid("scenario.allocation.min_above_max")
        return self

    @property
    def label(self) -> str:
        """The rule's name, or one built from its groups and bounds."""
        if self.name:
            return self.name
        parts = []
        if self.max_share is not None:
            parts.append(f"max {self.max_share:.0%}")
        if self.min_share is not None:
            parts.append(f"min {self.min_share:.0%}")
        return f"{'+'.join(self.groups)} {' '.join(parts)}"


class RentCap(StrictModel):
    """A maximum monthly rent for matching households (passend toewijzen).

    A household gets the lowest cap of all rules that match it.
    """

    max_rent_eur: float = Field(gt=0)
    """The highest monthly rent (EUR) a matching household may be given."""

    groups: list[str] | None = None
    """Groups the cap applies to; every group when omitted."""

    min_persons: int = Field(default=1, ge=1)
    """The cap applies to households of at least this many persons."""

    max_persons: int | None = Field(default=None, ge=1)
    """The cap applies to households of at most this many persons; no upper limit when omitted."""

    @model_validator(mode="after")
    def _persons_range(self) -> RentCap:
        # min_persons 3 with max_persons 1 matches no household: the cap would never apply
        if self.max_persons is not None and self.min_persons > self.max_persons:
            raise invalid(
                "scenario.allocation.persons_min_above_max",
                min=self.min_persons,
                max=self.max_persons,
            )
        return self


class Pin(StrictModel):
    """A manual decision: this household gets this unit, or a unit on this site."""

    household_id: str
    """The pseudonymous household id."""

    unit_id: str | None = None
    """The unit the household must get."""

    site_id: str | None = None
    """The site the household must be placed on (any fitting unit there)."""

    @model_validator(mode="after")
    def _one_target(self) -> Pin:
        if (self.unit_id is None) == (self.site_id is None):
            raise invalid("scenario.allocation.unit_or_site")
        return self


class Ban(StrictModel):
    """A manual decision: this household must not get this unit, or any unit on this site."""

    household_id: str
    """The pseudonymous household id."""

    unit_id: str | None = None
    """The unit the household must not get."""

    site_id: str | None = None
    """The site the household must not be placed on."""

    @model_validator(mode="after")
    def _one_target(self) -> Ban:
        if (self.unit_id is None) == (self.site_id is None):
            raise invalid("scenario.allocation.unit_or_site")
        return self


class ObjectiveWeights(StrictModel):
    """Weights of the objective components, in cost points per unit of each component.

    The objective is minimised. All components are zero or positive; a household
    on one of its preferred sites costs nothing on the preference component.
    """

    school_km: float = Field(default=1.0, ge=0)
    """Cost per km (straight line) from the site to the household's current school."""

    work_km: float = Field(default=0.5, ge=0)
    """Cost per km from the site to the household's work."""

    care_km: float = Field(default=0.5, ge=0)
    """Cost per km from the site to the nearest GP, for households that need medical care."""

    unused_bed: float = Field(default=0.5, ge=0)
    """Cost per bed left empty in an occupied unit."""

    relocation: float = Field(default=5.0, ge=0)
    """Cost when a household with a current unit is given another unit."""

    not_preferred: float = Field(default=2.0, ge=0)
    """Cost when a household that named preferred sites is placed elsewhere."""


class AllocationSolverSettings(StrictModel):
    """How the solver runs. The defaults are deterministic."""

    time_limit_s: float = Field(default=30.0, gt=0)
    """Wall-clock limit of one allocation, in seconds: building the model, the solve, the
    mapping to units, the diagnosis and the independent checker (validating the input
    tables comes before it). A solver call that ignores the limit is stopped; a run
    stopped by the limit returns its best allocation with its proven gap (``feasible``),
    or ``no_solution``. In rolling mode the limit applies to each allocation of a period:
    a period makes up to ``rolling.lookahead_scenarios`` + 2 of them (the look-ahead's,
    the second chance of households left out, and the exact rescoring), so it ends within
    about that many times the limit."""

    relative_gap: float = Field(default=1e-4, ge=0, le=0.5)
    """Stop when the proven relative gap is at most this value (1e-4 = 0.01%)."""

    seed: Seed = 0
    """Random seed of the solver (the model itself uses no randomness)."""

    threads: int = Field(default=1, ge=1, le=64)
    """Solver threads. One thread keeps runs reproducible."""

    sites_per_household: int = Field(default=3, ge=1)
    """How many cheapest sites per household enter the first model; further sites are
    added by pricing until the LP bound is proven over all sites, so this affects speed only."""


class RollingSettings(StrictModel):
    """Rolling mode: allocate the arrivals of one period at a time."""

    period: Literal["week", "month", "quarter"] = "month"
    """Length of one period; households belong to the period of their arrival date."""

    carry_school_places: bool = True
    """Children placed in earlier periods keep using their newcomer-education places."""

    lookahead_periods: int = Field(default=52, ge=0)
    """Look-ahead over expected arrivals: each period is allocated together with the
    households expected in this many coming periods (up to the last period of the run),
    estimated from the arrivals so far (households already living in a unit of the
    stock do not count) at their observed rate per period, so that units, school places
    and mix room are kept for groups still to come. Only the period's own households are
    placed; 0 places each period on its own. The default reaches the end of a year of
    weekly periods: a shorter horizon sees too few households to come for the units
    left (measured in ``benchmarks/bench_rolling.py``)."""

    lookahead_sample: Literal["arrival_order", "stratified"] = "stratified"
    """Which arrivals stand for the households expected (with one expected stream,
    ``lookahead_scenarios: 1``): the arrivals so far, after last year's when a history is
    given (``run_rolling(history=...)``). ``stratified`` (default): a systematic sample
    over the arrivals sorted by size, group, children, needs and adults, so each kind of
    household is expected in proportion to the arrivals (up to one household), in arrival
    order. ``arrival_order``: the arrivals repeated in the order they came (when fewer are
    expected than have come, the first ones). Measured (``benchmarks/bench_rolling.py``,
    600 households, 52-week look-ahead, seeds 0-5, last year's arrivals as history):
    stratified is as good as or better than arrival order on every seed (97.8, 97.3,
    98.8*, 95.9, 107.8*, 93.8 % of hindsight against 97.8, 97.3, 97.1*, 93.3, 104.4*,
    93.7 %; * places fewer households than hindsight: 594 and 586 against 593 and 586).
    Without a history the two are alike (seeds 0-2: 95.4, 96.2, 96.4 % against 96.7, 95.4,
    96.2 %)."""

    lookahead_scenarios: int = Field(default=1, ge=1)
    """Number of sampled futures of the look-ahead. 1: one expected stream (the arrivals
    so far repeated in their order). More, with ``lookahead_method: single``: each
    future is drawn (seeded, with replacement) from the arrivals so far, the period is
    allocated together with each future, and every household gets the unit most
    futures gave it (consensus); households that most futures leave out are placed
    afterwards on their own. Measured
    (``benchmarks/bench_rolling.py``, 600 households, seeds 0 and 1, a look-ahead of 13
    weeks): 5 futures reach
    94.6 % and 94.4 % of hindsight against 97.0 % and 94.8 % for one expected stream, at
    about twice the time, so the default stays 1. With ``lookahead_method: two_stage``,
    the number of futures of its program."""

    lookahead_method: Literal["single", "two_stage"] = "single"
    """How the look-ahead's expected households are planned with the period's own.
    ``single`` (default): the period is allocated together with one expected stream, or
    with each of ``lookahead_scenarios`` sampled futures in turn and then by consensus.
    ``two_stage``: one two-stage program over ``K = lookahead_scenarios`` futures, each
    an expected stream like the one of ``single`` (with its reserve, ``reserve_sd``),
    the ``k``-th taking other households of every stratum of the sample (with ``K: 1``,
    the one stream of ``single``): the period's households get one placement shared by
    every future, each future's expected households are placed on their own copy of the
    units, mix room and school places left, and the objective is the period's
    households' cost plus the average of the futures' costs (times
    ``expected_weight``), after the fewest unplaced (an expected household counting
    ``1/K``). Only the period's households are integer; the futures are their LP
    relaxation. ``expected_in_mix`` does not apply (expected households always count).
    Opt-in: measured (``benchmarks/bench_rolling.py``, 600 households, seeds 3 and 5,
    2026-11-30), three such futures reach 93.1 and 96.2 % of hindsight, and three
    futures sampled like the consensus's (Poisson counts, households drawn with
    replacement, no reserve) 95.5 and 95.4 %, against 96.9 and 97.7 % for ``single``;
    one future (the stream of ``single``, relaxed) 95.3 % on seed 3: the relaxation
    alone loses about 1.6 points there."""

    reserve_sd: float = Field(default=1.0, ge=0)
    """Reserve for families needing newcomer-education places (with one expected
    stream, ``lookahead_scenarios: 1``): the look-ahead expects ``ceil(reserve_sd *
    sqrt(m))`` more households with a child needing a taalklas or ISK place than the
    ``m`` the arrivals so far let it expect (their count varies by about ``sqrt(m)``), so
    units within reach of a school with places, and the places, are kept for them. Such
    a family cannot be placed at all once none is left, while a kept unit costs at most a
    dearer unit for someone else; the reserve shrinks as the year runs out. 0 expects
    only ``m``. Measured (``benchmarks/bench_rolling.py --skip
    no_history,other_sample,no_lookahead``, 600 households, seeds 0-5, last year's arrivals
    as history): 1.0 reaches 98.2, 96.2, 95.9*, 96.2, 100.7*, 94.9 % of hindsight and
    places 596 and 589 households on seeds 2 and 4 (* places fewer than hindsight's 600 and
    599), against 97.8, 97.3, 98.8*, 95.9, 107.8*, 93.8 % and 594 and 586 without (mean
    96.4 against 96.2 %, worst 94.9 against 93.8 %); 0.5 (seeds 0-5: 96.3, 98.1, 96.9*,
    95.5, 102.5*, 94.2 %; 597 and 589 placed) shows that a seed's share moves by about two
    points with any small change of the look-ahead, so only the fewer households left
    unplaced (14 or 13 against 19) is clearly the reserve's."""

    decide_by_deadline: bool = False
    """A household is given its unit in the last period that ends by its deadline
    (arrival + ``max_wait_days``), not in the period it arrives: until then every
    period's look-ahead plans a unit for it together with the others, and it waits (at
    most ``max_wait_days``, which the rules allow anyway), so that its unit is chosen
    when more arrivals are known. In the last period every choice is final. No effect
    with ``max_wait_days`` shorter than a period. Families needing newcomer-education
    places are still decided on arrival while ``school_families_on_arrival`` is on.
    Off by default: since a household is no longer placed after its deadline (a
    household the last period before its deadline could not place was placed weeks
    later, without a word), deciding at the deadline leaves the household a single
    chance, and a mix rule that blocks it then (the site's share of its group at that
    moment) leaves it unplaced; deciding on arrival tries again every period until the
    deadline. Measured in ``benchmarks/bench_rolling.py`` (600 households,
    ``max_wait_days: 60``, seeds 0-5, last year's arrivals as history; hindsight places
    600, 600, 600, 600, 599, 600): on arrival 596, 599, 596, 599, 585, 599 placed (25
    short in all), by the deadline 588, 587, 590, 585, 582, 587 (80 short, every one for
    a mix rule). Before that fix, by the deadline was the default (12 short against 14;
    mean 97.7 against 96.4 % of hindsight over the seeds placing as many)."""

    school_families_on_arrival: bool = True
    """With ``decide_by_deadline``: households with a child needing a taalklas or ISK
    place (newcomer education) are still given their unit in the period they arrive;
    only the others wait until their deadline. No effect without ``decide_by_deadline``
    (off by default). Such a family can only use a unit in reach of a school with a
    place, and those run out late in the year. Measured before households were kept
    from being placed after their deadline (``benchmarks/bench_rolling.py``, as for
    ``decide_by_deadline``): on, 98.6, 97.8, 96.8*, 96.9, 101.1*, 97.7 % of hindsight
    and 596 and 591 placed on seeds 2 and 4; off (every household waits), 98.7, 98.4,
    96.3*, 95.1, 104.3*, 97.5 % and 598 and 585 placed (12 against 16 households short;
    mean 97.7 against 97.4 %, worst 96.9 against 95.1 %)."""

    expected_weight: float = Field(default=1.0, gt=0, le=1)
    """Factor of the expected households' costs in the look-ahead's objective (the real
    households' costs count fully): below 1, the look-ahead gives the period's real
    households their better units first and expects less of households that may not
    come. Placing counts as much for both (as many households as possible first).
    Measured (``benchmarks/bench_rolling.py --set expected_weight=0.5``, 600 households,
    seeds 0-5, 2026-11-30): 0.5 reaches 99.0, 98.0, 100.1*, 97.4, 104.3*, 97.7 % of
    hindsight (mean 98.0 %, worst 97.4 % over the four seeds placing as many, against
    97.7 and 96.9 % at 1) but places 594 and 589 households on seeds 2 and 4 (* fewer
    than hindsight's 600 and 599; 16 short against 12 at 1), so the default stays 1;
    0.8 places 597 and 589 there (13 short)."""

    expected_in_mix: bool = True
    """The look-ahead's expected households count in the mix rules (``max_share``,
    ``min_share``) like the real ones. Off: only real households (placed earlier or in
    this period) count, so mix room is not kept for households that may not come.
    Measured (``benchmarks/bench_rolling.py --set expected_in_mix=false``, 600
    households, seeds 3 and 5 only, 2026-11-30): off reaches 96.7 and 97.5 % of
    hindsight against 96.9 and 97.7 % on, so it stays on."""

    seed: Seed = 0
    """Seed of the sampled futures (the same seed gives the same placements)."""

    decide_at_move_in: bool = False
    """A household whose unit (as the look-ahead chooses it) is not available before the
    period ends is not given that unit yet: it moves in later anyway, so its unit is
    chosen again in the next period, when more arrivals are known. Its arrival date and
    deadline stay as they are, and in the last period every choice is final. Off (the
    default; on, ``benchmarks/bench_rolling.py`` measured no gain beyond its run-to-run
    spread): every placement is final in the period it is made."""


DATE_COLUMNS = {"arrival_date": "households", "available_from": "units"}
"""The date columns of the allocation files, and the file of each."""


class AllocationInputs(StrictModel):
    """Files of the allocation stage (read by the pipeline, not by the allocation code)."""

    households: InputPath
    """CSV of households (pseudonymous ids; no names)."""

    units: InputPath | None = None
    """CSV of the unit stock (needed unless `units_from: shortlist`)."""

    sites: InputPath | None = None
    """CSV of the unit stock's sites (site_id, x, y in EPSG:28992)."""

    pois: InputPath | None = None
    """Points of interest (GeoPackage or CSV) with schools and GP locations; when omitted,
    the scenario layer named by `pois_layer` is used."""

    pois_layer: str | None = "pois"
    """Layer name inside ``pois``, or the name of a scenario layer when ``pois`` is omitted."""

    pois_id_column: str | None = None
    """Id column of the points of interest (default: the scenario layer's id_column, else
    poi_id)."""

    pois_category_column: str = "category"
    """Column of the points of interest with the category ('gp' marks GPs; schools are the
    points with taalklas_places or isk_places)."""
    separator: Literal[",", ";", "\t", "|"] | None = None
    """The CSV files' field separator (default ','; a Dutch Excel export uses ';')."""
    decimal: Literal[".", ","] = "."
    """The CSV files' decimal mark (',' for Dutch numbers such as 2,5)."""
    encoding: Encoding = None
    """The CSV files' text encoding (default UTF-8, with or without byte-order mark)."""
    date_formats: DateFormats = Field(default_factory=dict)
    """Per column of the households and units files (``arrival_date``,
    ``available_from``), a declared date format in Python strptime codes (e.g.
    '%m/%d/%Y') for files that really are month-first. Without it, dates are read as
    YYYY-MM-DD or day-first DD-MM-YYYY, never month-first."""

    @field_validator("date_formats")
    @classmethod
    def _date_columns(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DATE_COLUMNS))
        if unknown:
            raise invalid(
                "scenario.allocation.no_date_column",
                columns=", ".join(map(repr, unknown)),
                known=", ".join(map(repr, DATE_COLUMNS)),
            )
        return value

    @model_validator(mode="after")
    def _stock_pair(self) -> AllocationInputs:
        if (self.units is None) != (self.sites is None):
            raise invalid("scenario.allocation.units_and_sites")
        check_separator_and_decimal(self.separator, self.decimal)
        return self


class ShortlistUnits(StrictModel):
    """The units the pipeline creates on shortlisted sites (their capacity estimate)."""

    bedrooms: int = Field(default=2, ge=0, le=6)
    """Bedrooms per unit (0 = studio)."""
    beds: int = Field(default=4, ge=1, le=12)
    """Beds per unit."""
    accessible_share: float = Field(default=0.1, ge=0, le=1)
    """Share of the units on a site built wheelchair accessible (rounded up)."""
    rent_eur: float = Field(default=650.0, ge=0)
    """Monthly rent of a new unit."""
    available_from: date | None = None
    """When the new units are ready; default: the site's own available-from date."""


class AllocationConfig(StrictModel):
    """Every rule, weight and solver setting of the household allocation."""

    inputs: AllocationInputs | None = None
    """Input files; the pipeline reads them and passes tables to :func:`allocate`."""

    units_from: Literal["stock", "shortlist", "both"] = "stock"
    """Which units to allocate: the unit stock file, units on the shortlisted sites (from
    their capacity estimate), or both."""

    shortlist_units: ShortlistUnits = Field(default_factory=ShortlistUnits)
    """The kind of unit created on shortlisted sites."""
    current_units_outside_stock: Literal["error", "move"] = "error"
    """A household's `current_unit` that is not in the unit stock: refused as a broken
    reference (`error`, the default, listing every one), or accepted as a unit being closed
    or relocated, whose household must move (`move`, for spoor 2 relocations)."""

    groups: list[str] = Field(default_factory=lambda: list(DEFAULT_GROUPS), min_length=1)
    """The household groups this scenario knows; any other group in the data is an error."""

    max_persons_per_bedroom: float = Field(default=2.0, gt=0)
    """Occupancy: persons per bedroom at most this (a studio counts as one bedroom)."""

    max_wait_days: int = Field(default=0, ge=0, le=36_500)
    """A unit may become available at most this many days after the household's arrival
    (at most 36,500 days, a hundred years: more is a typing error, and a date that far
    away does not fit the model's dates)."""

    mix_rules: list[MixRule] = Field(default_factory=list)
    """Mixed-housing rules per site (gemengd wonen)."""

    school_reach_m: float = Field(default=3000.0, gt=0, le=100_000)
    """A site can use the newcomer-education places of schools within this straight-line
    distance (metres)."""

    newcomer_education_groups: list[str] = Field(
        default_factory=lambda: ["ontheemden", "statushouders", "asielzoekers"]
    )
    """Groups whose children aged 4-17 need a taalklas (4-11) or ISK (12-17) place."""

    enrolled_keep_school: bool = True
    """Children of households with a current school (school_x/school_y given) keep it and need no
    new place."""

    school_capacity: bool = True
    """Enforce the newcomer-education capacity rule (taalklas, ISK)."""

    medical_reach_m: float = Field(default=1500.0, gt=0, le=100_000)
    """'Near medical care' means a GP within this straight-line distance of the site."""

    medical_rule: Literal["hard", "soft"] = "hard"
    """``hard``: households needing medical care only go to sites near a GP; ``soft``: only the
    care-distance objective applies."""

    rent_caps: list[RentCap] = Field(default_factory=list)
    """Maximum rents (passend toewijzen); the lowest matching cap applies."""

    pins: list[Pin] = Field(default_factory=list)
    """Manual pins of a household to a unit or site."""

    bans: list[Ban] = Field(default_factory=list)
    """Manual bans of a household from a unit or site."""

    allow_shared_units: bool = False
    """Single adults (households of one adult) may share a unit with other single adults of the
    same group, up to its beds and the persons-per-bedroom maximum."""

    max_sharers_per_unit: int | None = Field(default=None, ge=2, le=100_000)
    """At most this many single adults in one shared unit; no extra limit when omitted (at
    most 100,000, the largest count a table may hold)."""

    weights: ObjectiveWeights = Field(default_factory=ObjectiveWeights)
    """Objective weights."""

    solver: AllocationSolverSettings = Field(default_factory=AllocationSolverSettings)
    """Solver settings."""

    rolling: RollingSettings = Field(default_factory=RollingSettings)
    """Rolling-mode settings."""

    @model_validator(mode="after")
    def _known_groups(self) -> AllocationConfig:
        known = set(self.groups)
        if len(known) != len(self.groups):
            raise invalid("scenario.allocation.groups_duplicates")
        unknown: set[str] = set()
        for rule in self.mix_rules:
            unknown |= set(rule.groups) - known
        for cap in self.rent_caps:
            unknown |= set(cap.groups or []) - known
        unknown |= set(self.newcomer_education_groups) - known
        if unknown:
            raise invalid("scenario.allocation.unknown_groups", groups=", ".join(sorted(unknown)))
        if self.inputs is not None and self.units_from != "shortlist" and self.inputs.units is None:
            raise invalid("scenario.allocation.units_from", units_from=self.units_from)
        return self

    def persons_capacity(self, beds: int, bedrooms: int) -> int:
        """Most persons a unit may hold under the occupancy rules."""
        by_rooms = int(self.max_persons_per_bedroom * max(bedrooms, 1) + 1e-9)
        return min(int(beds), by_rooms)

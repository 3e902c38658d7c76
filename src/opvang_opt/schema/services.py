"""The scenario's ``services:`` section: will the schools and care keep up? (spoor 1)

Demand for newcomer education (taalklas for primary-school age, ISK for secondary-school
age), GP registrations and youth care for unaccompanied minors (amv) per site and period;
the providers within reach; the shortfalls; and the cheapest expansions that cover them.

Every figure is a scenario parameter with a documented default. Where a default comes from
a public figure, its source is named; where no public figure was found, the default is
marked as an assumption. Money is given in euros here and turned into integer cents by the
services stage; places and children are integers.

Sources of the defaults (see also the shared design notes, section 6):

- [S1] Spreidingswet: unaccompanied minors (amv) are about 8.5 % of the reception places.
- [S2] Newcomer education: a newcomer class (taalklas, primary age) or an international
  transition class (ISK, secondary age), usually for one to two years.
- [S3] PO-Raad (2018): a place in a newcomer class costs about EUR 9,000 a year.
- [S4] Temporary education facilities were allowed by law for Ukrainian pupils where schools
  were full (Tijdelijke wet onderwijsvoorzieningen voor ontheemde kinderen uit Oekraïne).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from opvang_opt.schema.base import (
    CsvOptions,
    InputPath,
    StrictModel,
    invalid,
    msg,
    raise_problems,
)
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.texts import Message

ServiceType = Literal["taalklas", "isk", "gp", "youth_care"]
"""A kind of provision: taalklas (newcomer class, primary age 4-11), isk (international
transition class, secondary age 12-17), gp (GP registrations) or youth_care (care for
unaccompanied minors)."""

SERVICE_TYPES: tuple[ServiceType, ...] = ("taalklas", "isk", "gp", "youth_care")
"""Every service type, in the order of the outputs."""

NEWCOMER_TYPES: tuple[ServiceType, ...] = ("taalklas", "isk")
"""The newcomer-education types (a child needs a place for a while after arrival)."""

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A share between 0 and 1."""

Euro = Annotated[float, Field(ge=0, le=1e10, allow_inf_nan=False)]
"""A non-negative amount in euros (converted to integer cents by the stage)."""


class AgeProfile(StrictModel):
    """Who lives on a site of one group, per person housed: the age profile of a group."""

    group: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    """The group (ontheemden, statushouders, asielzoekers, ...)."""
    primary_share: Share
    """Share of the persons aged 4-11 (primary-school age: taalklas)."""
    secondary_share: Share
    """Share of the persons aged 12-17 (secondary-school age: ISK)."""
    new_to_country_share: Share = 1.0
    """Share of the children who are new to the Netherlands on arrival at the site and so
    need newcomer education (the others already went through it)."""
    amv_share: Share = 0.0
    """Share of the persons who are unaccompanied minors (amv) needing youth care."""
    gp_share: Share = 1.0
    """Share of the persons who need a GP registration with a practice within reach."""
    turnover_per_year: Annotated[float, Field(ge=0, le=12, allow_inf_nan=False)] = 0.0
    """Share of the residents replaced by newcomers per year (each newcomer child needs
    newcomer education again)."""
    source: str = ""
    """Where the figures come from (shown in the report)."""

    @model_validator(mode="after")
    def _ages(self) -> AgeProfile:
        if self.primary_share + self.secondary_share + self.amv_share > 1.0 + 1e-12:
            raise invalid(
                "scenario.services.shares_above_1",
                total=self.primary_share + self.secondary_share + self.amv_share,
            )
        return self


def _default_profiles() -> tuple[AgeProfile, ...]:
    return (
        AgeProfile(
            group="ontheemden",
            primary_share=0.12,
            secondary_share=0.09,
            new_to_country_share=1.0,
            amv_share=0.0,
            turnover_per_year=0.2,
            source=(
                "ASSUMPTION: about one in five Ukrainian displaced persons registered in "
                "Dutch municipalities is of school age (4-17); check against the current "
                "CBS StatLine table of Ukrainians by age. Turnover: assumption."
            ),
        ),
        AgeProfile(
            group="statushouders",
            primary_share=0.14,
            secondary_share=0.08,
            new_to_country_share=0.5,
            amv_share=0.0,
            turnover_per_year=0.1,
            source=(
                "ASSUMPTION: family reunification makes many statushouder households "
                "families with children; half of the children are taken to have had "
                "newcomer education while in reception [S2: one to two years]."
            ),
        ),
        AgeProfile(
            group="asielzoekers",
            primary_share=0.10,
            secondary_share=0.06,
            new_to_country_share=1.0,
            amv_share=0.085,
            turnover_per_year=0.5,
            source=(
                "amv share 8.5 % of Spreidingswet places [S1]; age shares and turnover: "
                "ASSUMPTION (reception population, check against COA occupancy figures)."
            ),
        ),
    )


class ServiceTypeSettings(StrictModel):
    """Defaults for one service type (a provider's own columns override them)."""

    reach_m: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    """Farthest distance from a site to a provider of this type, in metres (straight line,
    or over the street graph when `services.network` is set)."""
    duration_months: int = Field(default=0, ge=0, le=60)
    """Newcomer education only: months a newly arrived child needs a place (0 for the other
    types: they count everyone present)."""
    group_size: int = Field(default=15, ge=1, le=10_000)
    """Places one added group (class, practice capacity, care team) adds."""
    group_cost_eur_year: Euro = 0.0
    """Yearly cost of one added group at an existing provider."""
    max_extra_groups: int = Field(default=0, ge=0, le=1_000)
    """Groups a provider may add at most, unless its own `max_extra_groups` says otherwise."""


def _default_types() -> dict[ServiceType, ServiceTypeSettings]:
    return {
        "taalklas": ServiceTypeSettings(
            reach_m=3000,
            duration_months=12,
            group_size=15,
            group_cost_eur_year=135_000,
            max_extra_groups=1,
        ),
        "isk": ServiceTypeSettings(
            reach_m=10_000,
            duration_months=24,
            group_size=15,
            group_cost_eur_year=135_000,
            max_extra_groups=1,
        ),
        "gp": ServiceTypeSettings(reach_m=3000, group_size=500, group_cost_eur_year=0.0),
        "youth_care": ServiceTypeSettings(reach_m=25_000, group_size=5, group_cost_eur_year=0),
    }


ServiceTypeDefaults = dict[ServiceType, ServiceTypeSettings]


class ProviderTable(CsvOptions):
    """A CSV with the providers: schools with newcomer classes (taalklas, ISK), GP practices
    and youth-care providers.

    Columns: ``provider_id`` (unique), ``name``, ``type`` (taalklas, isk, gp or youth_care),
    ``x``/``y`` (coordinates in `crs`), ``capacity`` (free places now, an integer >= 0).
    Optional: ``reach_m``, ``group_size``, ``max_extra_groups``, ``group_cost_eur_year``
    (empty = the type's default) and ``area`` (empty = the municipality code column
    ``municipality_code`` if present).
    """

    path: InputPath
    """File path, relative to the scenario file."""
    crs: str = "EPSG:28992"
    """Coordinate reference system of x and y."""


class FacilityTable(CsvOptions):
    """A CSV with candidate temporary education facilities (as the law allowed for
    Ukrainian pupils where schools were full [S4]).

    Columns: ``facility_id`` (unique), ``name``, ``type`` (taalklas or isk), ``x``/``y``,
    ``capacity`` (places, an integer > 0). Optional: ``reach_m``, ``cost_eur_year``,
    ``setup_cost_eur`` (empty = the section's `facility_defaults`).
    """

    path: InputPath
    """File path, relative to the scenario file."""
    crs: str = "EPSG:28992"
    """Coordinate reference system of x and y."""


class FacilityDefaults(StrictModel):
    """Costs of a temporary education facility where its row gives none."""

    cost_eur_year: Euro = 9_000 * 30
    """Yearly cost of a facility: EUR 9,000 per place per year [S3] x 30 places."""
    setup_cost_eur: Euro = 150_000
    """One-off cost of setting up a temporary facility (paid in its first period).
    ASSUMPTION: no public figure found."""


class ServicesPeriods(StrictModel):
    """The periods of the services check when the scenario has no `planning:` section (with
    one, its periods are used)."""

    start: dt.date = dt.date(2026, 1, 1)
    """First day of the first period."""
    periods: int = Field(default=8, ge=1, le=120)
    """Number of periods."""
    period_months: Literal[1, 2, 3, 4, 6, 12] = 6
    """Length of a period in months."""


class SitingRule(StrictModel):
    """The services rule of the shortlist: the children of the chosen sites must fit in the
    places within reach, given the expansions the scenario allows."""

    enabled: bool = False
    """Add the rule to the shortlist (`shortlist.method: optimise`)."""
    types: tuple[ServiceType, ...] = ("taalklas", "isk")
    """The service types the rule covers."""
    with_expansions: bool = True
    """Count every allowed expansion (added groups, temporary facilities) as available; if
    false, only the places there are now."""


class ServicesSolver(StrictModel):
    """Solver settings of the expansion model."""

    time_limit_s: float = Field(default=60.0, gt=0, le=3600)
    """Wall-clock limit of one solve."""
    aggregate: bool = True
    """Group sites that reach the same providers into one demand class (exact; much faster).
    False: one flow variable per site and provider (the plain formulation)."""


class ServicesConfig(StrictModel):
    """Demand for newcomer education and care per site and period, the providers within
    reach, the shortfalls and the cheapest expansions (scenario section ``services``)."""

    providers: ProviderTable
    """The providers (schools, GPs, youth care) with their free places."""
    facilities: FacilityTable | None = None
    """Candidate temporary education facilities (optional)."""
    demand_from: Literal["auto", "allocation", "plan", "shortlist"] = "auto"
    """Where the residents of each site come from: the allocation (households placed), the
    plan (per site and period the units the planning stage gives each group x its places per
    unit, in the plan's periods; the stock's occupants count as arrived before the first
    period), or the shortlist's capacity x `site_groups`. auto: the allocation if the
    scenario has one, else the plan, else the shortlist."""
    site_groups: dict[str, Share] = Field(
        default_factory=lambda: {"ontheemden": 0.5, "statushouders": 0.25, "asielzoekers": 0.25}
    )
    """With demand from the shortlist: the share of each site's places per group (they must
    add up to at most 1). ASSUMPTION: a mix like the demo's tasks."""
    age_profiles: tuple[AgeProfile, ...] = Field(default_factory=_default_profiles)
    """The age profile per group (a table; defaults with their sources)."""
    types: ServiceTypeDefaults = Field(default_factory=_default_types)
    """Defaults per service type: reach, duration, group size and cost of an added group.
    taalklas and isk: one added group of 15 places costs 15 x EUR 9,000 = EUR 135,000 a
    year [S3]; duration 12 months (taalklas) and 24 months (isk) [S2: one to two years].
    gp: 3 km, no expansion by default; youth_care: 25 km, no expansion by default."""
    check_types: tuple[ServiceType, ...] = ("taalklas", "isk", "gp", "youth_care")
    """The service types to check (those without providers in the table are reported as
    short by their whole demand)."""
    facility_defaults: FacilityDefaults = FacilityDefaults()
    """Costs of a temporary facility where its row gives none."""
    periods: ServicesPeriods = ServicesPeriods()
    """Periods when the scenario has no planning section."""
    opening: Literal["first_period", "available_from"] = "first_period"
    """With demand from the shortlist: every chosen site is full from the first period, or
    from the period that holds the longlist's `available_column` date."""
    available_column: str = "available_from"
    """Longlist column with the date a site becomes available (opening: available_from)."""
    network: str | None = None
    """Name of a street graph (under `graphs`) for the reach; none: straight line."""
    area: Literal["municipality", "wijk", "site"] = "municipality"
    """How the bottleneck table groups sites: per municipality, per wijk (the wijk holding
    most of each site; needs `region.districts`) or per site."""
    expand: bool = True
    """Look for the cheapest expansions that cover every shortfall."""
    siting_rule: SitingRule = SitingRule()
    """The optional services rule of the shortlist."""
    solver: ServicesSolver = ServicesSolver()
    """Solver settings."""

    @field_validator("types", mode="before")
    @classmethod
    def _merge_types(cls, value: object) -> object:
        """A scenario lists only what it changes: each type's settings start from the
        defaults."""
        if not isinstance(value, dict):
            return value
        merged: dict[str, object] = {k: v.model_dump() for k, v in _default_types().items()}
        for key, given in value.items():
            base = merged.get(key)
            if isinstance(base, dict) and isinstance(given, dict):
                merged[key] = {**base, **given}
            else:
                merged[key] = given
        return merged

    @model_validator(mode="after")
    def _check(self) -> ServicesConfig:
        # each problem at its own field, so the message names the full path
        errors: list[tuple[tuple[Any, ...], str | Message, Any]] = []
        groups = [p.group for p in self.age_profiles]
        for i, g in enumerate(groups):
            if g in groups[:i]:
                errors.append(
                    (("age_profiles", i, "group"), msg("scenario.services.group_twice", group=g), g)
                )
        for g in sorted(set(self.site_groups) - set(groups)):
            errors.append(
                (
                    ("site_groups", g),
                    msg(
                        "scenario.services.no_profile",
                        group=g,
                        hint=did_you_mean_hint(g, groups),
                        profiles=", ".join(groups),
                    ),
                    g,
                )
            )
        if sum(self.site_groups.values()) > 1.0 + 1e-12:
            errors.append(
                (
                    ("site_groups",),
                    msg(
                        "scenario.services.site_groups_sum",
                        total=sum(self.site_groups.values()),
                    ),
                    dict(self.site_groups),
                )
            )
        for kind in self.check_types:
            if kind not in self.types:
                errors.append(
                    (("check_types",), msg("scenario.services.no_settings", kind=kind), kind)
                )
        raise_problems("ServicesConfig", [(loc, "services", m, v) for loc, m, v in errors])
        return self

    def profile(self, group: str) -> AgeProfile | None:
        """The age profile of a group, if the scenario has one."""
        return next((p for p in self.age_profiles if p.group == group), None)

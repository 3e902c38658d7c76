"""The scenario schema: every part of a scenario file as a strict, frozen pydantic model.

A scenario is a YAML file validated by these models (unknown keys are rejected with a
did-you-mean hint by :mod:`opvang_opt.schema.loader`; values are typed and range-checked).
This module imports no solver, connector or output code.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Annotated, Literal

from pydantic import Field, model_validator

from opvang_opt.schema.allocation import AllocationConfig
from opvang_opt.schema.base import (
    DateFormats,
    Encoding,
    InputPath,
    Seed,
    StrictModel,
    check_separator_and_decimal,
    invalid,
    msg,
    raise_problems,
)
from opvang_opt.schema.exchange import ExchangeConfig
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.schema.planning import PlanningConfig
from opvang_opt.schema.services import ServicesConfig
from opvang_opt.texts import Message

MAX_DISTANCE_M = 100_000.0
"""The largest distance a siting rule may state (a search radius, a minimum distance): 100
km, beyond the width of any region (a larger one is a unit error: centimetres or mm)."""

# --------------------------------------------------------------------------- layers


class LayerSource(StrictModel):
    """Where a layer comes from: any vector source GDAL reads, or a CSV with x/y or WKT."""

    path: InputPath | None = None
    """File path, relative to the scenario file (GeoPackage, GeoJSON, Shapefile, CSV, ...)."""
    source: (
        Literal["cbs_gemeenten", "cbs_wijken", "cbs_buurten", "osm_pois", "natura2000"] | None
    ) = None
    """Instead of a path: a layer fetched with `opvang-opt data fetch`, taken from the data
    cache (see `data_cache`)."""
    layer: str | None = None
    """Layer name inside a multi-layer source such as a GeoPackage."""
    id_column: str | None = None
    """Column with a unique id per feature; checked for gaps and duplicates."""
    x_column: str | None = None
    """CSV only: column with the x (easting or longitude) coordinate."""
    y_column: str | None = None
    """CSV only: column with the y (northing or latitude) coordinate."""
    wkt_column: str | None = None
    """CSV only: column with the geometry as WKT."""
    crs: str | None = None
    """CRS of a source that declares none (always needed for CSV), e.g. 'EPSG:28992'."""
    repair_invalid: bool = False
    """Repair invalid geometries with shapely's make_valid (and report which) instead of failing."""
    required_columns: tuple[str, ...] = ()
    """Extra columns that must be present (the columns a scenario uses are checked anyway)."""
    separator: Literal[",", ";", "\t", "|"] | None = None
    """CSV only: the character between fields (default ','). A Dutch Excel export uses ';'."""
    decimal: Literal[".", ","] = "."
    """CSV only: the decimal mark of numbers. With ',' Dutch numbers such as 1.234,5 are read
    as 1234.5 (the id column is left as written)."""
    encoding: Encoding = None
    """CSV only: the text encoding (default UTF-8, with or without byte-order mark), e.g.
    'cp1252' for Excel's plain 'CSV' in a Dutch locale."""
    date_formats: DateFormats = Field(default_factory=dict)
    """Per column, a declared date format in Python strptime codes (e.g. '%m/%d/%Y') for a
    file that really is month-first. Without it, dates are read as YYYY-MM-DD or day-first
    DD-MM-YYYY, never month-first."""

    @model_validator(mode="after")
    def _csv_geometry(self) -> LayerSource:
        if (self.path is None) == (self.source is None):
            raise invalid("scenario.layer.path_or_source")
        if (self.x_column is None) != (self.y_column is None):
            raise invalid("scenario.layer.x_and_y")
        if self.wkt_column is not None and self.x_column is not None:
            raise invalid("scenario.layer.xy_or_wkt")
        check_separator_and_decimal(self.separator, self.decimal)
        return self


# --------------------------------------------------------------------------- value functions


class LinearValue(StrictModel):
    """Linear value between two fixed bounds; 0 at the worst end, 1 at the best end."""

    type: Literal["linear"] = "linear"
    lower: float
    """Lower bound of the measured indicator (fixed, not taken from the longlist)."""
    upper: float
    """Upper bound of the measured indicator; must be above `lower`."""
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    """Whether a higher indicator is better (value 1 at `upper`) or worse (value 1 at `lower`)."""

    @model_validator(mode="after")
    def _order(self) -> LinearValue:
        if not self.upper > self.lower:
            raise invalid("scenario.value.lower_upper", lower=self.lower, upper=self.upper)
        return self


class StepValue(StrictModel):
    """Step value: the indicator is cut at thresholds; each class has a value in [0, 1]."""

    type: Literal["step"] = "step"
    thresholds: tuple[float, ...] = Field(min_length=1)
    """Class limits in increasing order; n thresholds make n + 1 classes."""
    values: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field(min_length=2)
    """Value of each class, from below the first threshold to above the last."""

    @model_validator(mode="after")
    def _shape(self) -> StepValue:
        if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
            raise invalid("scenario.value.thresholds_order")
        if len(self.values) != len(self.thresholds) + 1:
            raise invalid(
                "scenario.value.step_values",
                thresholds=len(self.thresholds),
                need=len(self.thresholds) + 1,
                got=len(self.values),
            )
        return self


class PiecewiseValue(StrictModel):
    """Piecewise-linear value through fixed (indicator, value) points; flat outside them."""

    type: Literal["piecewise"] = "piecewise"
    points: tuple[tuple[float, Annotated[float, Field(ge=0, le=1)]], ...] = Field(min_length=2)
    """(indicator, value) breakpoints with strictly increasing indicator."""

    @model_validator(mode="after")
    def _order(self) -> PiecewiseValue:
        xs = [p[0] for p in self.points]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise invalid("scenario.value.breakpoints_order")
        return self


ValueFunction = Annotated[LinearValue | StepValue | PiecewiseValue, Field(discriminator="type")]

# --------------------------------------------------------------------------- criteria

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class _Criterion(StrictModel):
    name: Name
    """Short identifier (lower case, digits, underscores); used in column names."""
    label: str | None = None
    """Readable label for maps and reports (Dutch by default)."""
    weight: float = Field(default=1.0, ge=0)
    """Weight in the weighted sum (normalised by the sum of all weights)."""
    value: ValueFunction
    """Value function that turns the measured indicator into a value between 0 and 1."""


class DistanceToPoi(_Criterion):
    """Straight-line distance (m) from the plot edge to the nearest point of a category."""

    kind: Literal["distance_to_poi"]
    layer: str = "pois"
    """Name of the points-of-interest layer."""
    category: str
    """Category to measure to (a value of the layer's category column)."""
    category_column: str = "category"
    """Column holding the category."""
    network: str | None = None
    """Name of a street graph under `graphs`: measure the distance over the network instead
    of in a straight line (from the plot's nearest graph node to the point's nearest node,
    plus both straight-line connections)."""


class CountWithin(_Criterion):
    """Number of points of a category within a radius (m) of the plot."""

    kind: Literal["count_within"]
    layer: str = "pois"
    """Name of the points-of-interest layer."""
    category: str
    """Category to count."""
    category_column: str = "category"
    """Column holding the category."""
    radius_m: float = Field(gt=0, le=MAX_DISTANCE_M)
    """Search radius in metres, from the plot edge (at most 100 km)."""


class OverlapShare(_Criterion):
    """Share (0-1) of the plot area that overlaps a constraint layer."""

    kind: Literal["overlap_share"]
    layer: str
    """Name of the constraint layer."""


class DistanceToLayer(_Criterion):
    """Distance (m) from the plot to the nearest feature of a layer (0 when they touch)."""

    kind: Literal["distance_to_layer"]
    layer: str
    """Name of the layer."""


class ReceptionLoad(_Criterion):
    """Existing reception places per 1,000 inhabitants of the buurt holding most of the site."""

    kind: Literal["reception_load"]
    layer: str
    """Name of the buurt layer (polygons)."""
    places_column: str = "reception_places"
    """Column with the existing reception places in the buurt."""
    inhabitants_column: str = "inhabitants"
    """Column with the buurt's inhabitants."""


class PlotArea(_Criterion):
    """Plot area in m2."""

    kind: Literal["area"]


class Attribute(_Criterion):
    """A numeric or boolean column of the longlist itself (cost, zoning change, ...)."""

    kind: Literal["attribute"]
    column: str
    """Column of the longlist; booleans count as 0/1."""
    unit: Literal["eur", "yes_no", "m", "m2", "count", "share", "per_1000"] | None = None
    """Unit of the column's values, for the memo, report, map and workbook: ``eur`` (an
    amount in euros, shown as ``EUR 2.259.000``), ``yes_no`` (a 0/1 or boolean column, shown
    as ja/nee), or a measure (``m``, ``m2``, ``count``, ``share``, ``per_1000``); none by
    default (the number alone)."""


Criterion = Annotated[
    DistanceToPoi
    | CountWithin
    | OverlapShare
    | DistanceToLayer
    | ReceptionLoad
    | PlotArea
    | Attribute,
    Field(discriminator="kind"),
]

# --------------------------------------------------------------------------- exclusions


class _Rule(StrictModel):
    name: Name
    """Short identifier of the rule, reported with every site it excludes."""
    label: str | None = None
    """Readable label for maps and reports."""


class IntersectsRule(_Rule):
    """Exclude a site that overlaps a layer by more than a tolerance."""

    kind: Literal["intersects"]
    layer: str
    """Name of the constraint layer."""
    min_overlap_m2: float = Field(default=0.0, ge=0)
    """Overlaps of this many m2 or less are tolerated (0: any overlap excludes)."""


class CloserThanRule(_Rule):
    """Exclude a site closer than a distance to any feature of a layer."""

    kind: Literal["closer_than"]
    layer: str
    """Name of the layer (points, lines or polygons)."""
    distance_m: float = Field(gt=0, le=MAX_DISTANCE_M)
    """Minimum distance in metres from the plot edge (at most 100 km)."""
    category: str | None = None
    """Only features of this category (for a layer with a category column)."""
    category_column: str = "category"
    """Column holding the category."""


class LimitRule(_Rule):
    """Exclude a site whose criterion indicator or longlist column is below or above a limit."""

    kind: Literal["below", "above"]
    criterion: str | None = None
    """Name of a criterion whose measured indicator is tested."""
    column: str | None = None
    """Or: a numeric column of the longlist."""
    limit: float
    """The limit: `below` excludes values < limit, `above` excludes values > limit."""

    @model_validator(mode="after")
    def _one_source(self) -> LimitRule:
        if (self.criterion is None) == (self.column is None):
            raise invalid("scenario.rule.criterion_or_column")
        return self


class AvailableByRule(_Rule):
    """Exclude a site that is not available by a date."""

    kind: Literal["available_by"]
    date: dt.date
    """Date by which the site must be available."""
    column: str = "available_from"
    """Longlist column with the available-from date."""


Exclusion = Annotated[
    IntersectsRule | CloserThanRule | LimitRule | AvailableByRule,
    Field(discriminator="kind"),
]

# --------------------------------------------------------------------------- siting


class CapacityConfig(StrictModel):
    """How many flexwoningen fit on a site."""

    method: Literal["density", "packing"] = "density"
    """density: plot area x usable share x density norm. packing: lay out unit footprints
    inside the polygon at the best orientation. Sites given as points always use the norm."""
    density_units_per_ha: float = Field(default=30.0, gt=0, le=200)
    """Density norm in units per hectare of plot (about 30/ha for flexwoningen)."""
    usable_share: float = Field(default=1.0, gt=0, le=1)
    """Share of the plot area that can be built on (density method)."""
    unit_width_m: float = Field(default=5.0, ge=2, le=50)
    """Packing: footprint width of one unit (m); at least 2 m (the narrowest container
    unit is 2.4 m; a smaller footprint is no home and would have the packing lay out
    millions per plot)."""
    unit_depth_m: float = Field(default=10.0, ge=2, le=50)
    """Packing: footprint depth of one unit (m); at least 2 m, as the width."""
    spacing_m: float = Field(default=5.0, ge=0, le=100)
    """Packing: minimum distance between units (m), e.g. for fire safety."""
    setback_m: float = Field(default=5.0, ge=0, le=200)
    """Packing: minimum distance from the plot edge (m)."""
    path_share: float = Field(default=0.2, ge=0, lt=1)
    """Packing: share of the packed units given up for access paths."""
    area_column: str | None = None
    """Longlist column with the plot area in m2, for sites given only as points."""
    column: str | None = None
    """Longlist column with a known capacity in units; used instead of the estimate where filled."""
    persons_per_unit: float = Field(default=2.8, gt=0, le=100)
    """Average persons per unit, to express capacity in places (at most 100: more is a
    typing error, and places of 10**15 per unit left 64 bits)."""


class TargetConfig(StrictModel):
    """The capacity the shortlist must reach."""

    amount: int = Field(ge=0, le=1_000_000)
    """Target amount (e.g. Spreidingswet places plus the flexwoningen needed); at most
    1,000,000 (the whole country's asylum reception is about a tenth of that)."""
    unit: Literal["units", "places"] = "units"
    """Whether the target counts units or places (persons)."""


class ShortlistConfig(StrictModel):
    """How the shortlist is chosen, and the rules it must keep."""

    method: Literal["top_score", "optimise"] = "top_score"
    """top_score: take eligible sites by rank until the target is met. optimise: choose the
    set of sites that is best for `objective` and meets every rule below (CP-SAT)."""
    objective: Literal["people", "cost", "sites", "spread", "score", "score_x_capacity"] = "people"
    """optimise: what "best" means. people (default): the highest quality of the places that
    are needed (the target's places filled from the best chosen sites, each place valued by
    its site's score); cost: the lowest total cost at `min_quality`; sites: the fewest sites;
    spread: the largest smallest distance between chosen sites (p-dispersion); score and
    score_x_capacity: the sum of the chosen sites' scores (or scores x capacity), the old
    objectives, which reward more sites rather than more people."""
    irredundant: bool = True
    """No chosen site may be droppable while the target and every rule still hold (sites in
    must_include excepted). This bounds the overshoot: it stays below the smallest chosen
    site's capacity."""
    min_quality: float | None = Field(default=None, ge=0, le=100)
    """optimise (not with score objectives): the lowest mean score (0-100) per needed place."""
    max_sites: int | None = Field(default=None, ge=1, le=1_000_000)
    """Never take more than this many sites (at most 1,000,000: more is a typing error, and
    beyond 64 bits the solver could not take it)."""
    budget_eur: float | None = Field(default=None, gt=0, le=1e13)
    """optimise: the total cost of the selected sites may not exceed this (at most ten
    trillion euros: more is a typing error, and whole cents must fit 64 bits)."""
    cost_column: str | None = None
    """Longlist column with each site's cost (EUR), for the budget, the cost objective, the
    cost frontier and reports."""
    max_capacity: int | None = Field(default=None, ge=0, le=10_000_000)
    """optimise: the selected capacity may not exceed this (same unit as the target; at
    most 10,000,000, ten times the largest target: beyond 64 bits the solver stopped)."""
    min_distance_m: float | None = Field(default=None, gt=0, le=MAX_DISTANCE_M)
    """optimise: selected sites must be at least this far apart (plot edge to plot edge; at
    most 100 km)."""
    zone_layer: str | None = None
    """optimise: layer of wijken or buurten for the per-zone maximum."""
    zone_column: str | None = None
    """Column of `zone_layer` with the zone code."""
    max_per_zone: int | None = Field(default=None, ge=1, le=1_000_000)
    """optimise: at most this many selected sites per zone (at most 1,000,000)."""
    available_by: dt.date | None = None
    """Only sites available by this date may be selected."""
    available_column: str = "available_from"
    """Longlist column with the available-from date."""
    must_include: tuple[str, ...] = ()
    """Site ids that must be selected (manual override)."""
    must_exclude: tuple[str, ...] = ()
    """Site ids that may not be selected (manual override)."""
    time_limit_s: float = Field(default=30.0, gt=0, le=3600)
    """optimise: time limit of one CP-SAT solve; the gap is reported when it is reached."""
    workers: int = Field(default=1, ge=1, le=64)
    """optimise: CP-SAT search workers. With 1 (the default) the same scenario always gives
    the same shortlist; more workers can be faster but may pick another of equally good
    shortlists."""
    seed: Seed = 20261122
    """optimise: CP-SAT random seed."""
    tradeoff_steps: int = Field(default=9, ge=0, le=100)
    """Points on the trade-off curve of the capacity target (0: none)."""
    frontier_points: int = Field(default=15, ge=0, le=200)
    """optimise: most points on each exact frontier (quality against cost, quality against
    the number of sites), found by the epsilon-constraint method (0: none)."""
    counterfactuals: bool = True
    """Per site: what forcing it in (or dropping it) would cost, under the same rule."""

    allow_overlap: bool = False
    """Let two candidate plots that overlap both be shortlisted (their shared ground then
    counts twice). By default at most one of each overlapping pair is chosen."""

    @model_validator(mode="after")
    def _consistent(self) -> ShortlistConfig:
        problems = []
        if (
            self.method == "optimise"
            and self.objective in ("score", "score_x_capacity")
            and not (self.max_sites or self.budget_eur or self.max_capacity is not None)
        ):
            problems.append(msg("scenario.shortlist.needs_limit", objective=self.objective))
        if self.objective == "cost" and self.cost_column is None:
            problems.append(msg("scenario.shortlist.cost_needs_column"))
        if self.min_quality is not None and self.objective in ("score", "score_x_capacity"):
            problems.append(msg("scenario.shortlist.min_quality", objective=self.objective))
        if self.budget_eur is not None and self.cost_column is None:
            problems.append(msg("scenario.shortlist.budget_needs_column"))
        if (self.zone_layer is None) != (self.max_per_zone is None) or (
            self.zone_layer is not None and self.zone_column is None
        ):
            problems.append(msg("scenario.shortlist.zone_together"))
        if self.method == "top_score":
            ignored = [name for name, given in (
                ("budget_eur", self.budget_eur is not None),
                ("max_capacity", self.max_capacity is not None),
                ("max_per_zone", self.max_per_zone is not None),
                ("min_distance_m", self.min_distance_m is not None),
            ) if given]  # fmt: skip
            if ignored:
                problems.append(msg("scenario.shortlist.top_score", limits=", ".join(ignored)))
        both = sorted(set(self.must_include) & set(self.must_exclude))
        if both:
            problems.append(msg("scenario.shortlist.include_exclude", sites=", ".join(both)))
        if problems:
            raise invalid("joined", items=problems)
        return self


class AHPConfig(StrictModel):
    """Weights from an AHP pairwise comparison matrix (Saaty scale 1/9..9)."""

    matrix: tuple[tuple[Annotated[float, Field(gt=0)], ...], ...]
    """Square matrix in the order of the criteria: entry (i, j) says how much more important
    criterion i is than j; it must be reciprocal (a_ji = 1 / a_ij, ones on the diagonal)."""
    max_consistency_ratio: float = Field(default=0.1, gt=0, le=1)
    """Matrices with a higher consistency ratio are rejected."""
    accept_inconsistent: bool = False
    """Accept a matrix above the maximum consistency ratio (reported in run.json)."""
    tolerance: float = Field(default=0.02, ge=0, le=0.5)
    """Relative tolerance of the reciprocity check (a_ij x a_ji within 1 +- tolerance)."""


class RobustnessConfig(StrictModel):
    """Weight sensitivity of the shortlist rule that is used: SMAA and one-at-a-time."""

    samples: int = Field(default=1000, ge=0, le=1_000_000)
    """Weight samples around the chosen weights (0: no sampling). For every sample the
    scores are recomputed and the scenario's own shortlist rule is solved again."""
    spread: float = Field(default=0.25, gt=0, le=2)
    """Relative spread of each sampled weight around its chosen value."""
    distribution: Literal["dirichlet", "uniform"] = "dirichlet"
    """How weights are sampled."""
    seed: Seed = 20261122
    """Random seed (the same seed gives the same samples)."""
    one_at_a_time: bool = True
    """Per criterion, find the smallest weight change that changes the shortlist."""
    max_change: float = Field(default=0.5, gt=0, le=1)
    """Largest absolute weight change searched by the one-at-a-time analysis."""
    workers: int = Field(default=2, ge=1, le=64)
    """Processes that solve the weight samples in parallel (1: in this process). The result
    does not depend on it."""
    stable_share: float = Field(default=0.9, gt=0, le=1)
    """A site on the shortlist in at least this share of the samples is in the stable core."""
    top_shortlists: int = Field(default=5, ge=1, le=100)
    """How many of the most frequent shortlists to report."""


class SitingConfig(StrictModel):
    """Siting (spoor 3): criteria, exclusions, capacity and shortlist."""

    longlist: str = "longlist"
    """Name of the layer with the candidate sites."""
    name_column: str = "name"
    """Longlist column with a readable site name."""
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    """Scoring criteria, each with a value function and a weight."""
    ahp: AHPConfig | None = None
    """Derive the weights from an AHP matrix instead of the criteria's own weights."""
    method: Literal["weighted_sum", "topsis", "spotis"] = "weighted_sum"
    """Scoring method on the criterion values (all against fixed bounds)."""
    exclusions: tuple[Exclusion, ...] = ()
    """Hard rules; a site that breaks any one is out, whatever its score."""
    capacity: CapacityConfig = CapacityConfig()
    """Capacity estimate per site."""
    target: TargetConfig
    """Capacity target of the shortlist."""
    shortlist: ShortlistConfig = ShortlistConfig()
    """Shortlist method and limits."""
    robustness: RobustnessConfig = RobustnessConfig()
    """Sensitivity of the shortlist to the weights."""

    @model_validator(mode="after")
    def _consistent(self) -> SitingConfig:
        names = [c.name for c in self.criteria]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise invalid("scenario.criteria.names_repeated", names=", ".join(dup))
        rules = [r.name for r in self.exclusions]
        dup = sorted({n for n in rules if rules.count(n) > 1})
        if dup:
            raise invalid("scenario.exclusions.names_repeated", names=", ".join(dup))
        if self.ahp is not None:
            _check_ahp(self.ahp, len(self.criteria))
        elif not sum(c.weight for c in self.criteria) > 0:
            raise invalid("scenario.criteria.weights_sum")
        for r in self.exclusions:
            if isinstance(r, LimitRule) and r.criterion and r.criterion not in names:
                hint = did_you_mean_hint(r.criterion, names)
                raise invalid(
                    "scenario.exclusions.unknown_criterion",
                    name=r.name,
                    criterion=r.criterion,
                    hint=hint,
                )
        return self


def _check_ahp(ahp: AHPConfig, n: int) -> None:
    """Shape, reciprocity and consistency of an AHP matrix, all problems at once."""
    from opvang_opt.schema.ahp import ahp_weights, reciprocal_problems

    m = ahp.matrix
    if len(m) != n or any(len(row) != n for row in m):
        raise invalid("scenario.ahp.shape", n=n)
    problems = reciprocal_problems(m, ahp.tolerance)
    if problems:
        raise invalid("scenario.ahp.not_reciprocal", problems=problems)
    result = ahp_weights(m, ahp.tolerance)
    if result.cr > ahp.max_consistency_ratio and not ahp.accept_inconsistent:
        raise invalid("scenario.ahp.inconsistent", cr=result.cr, limit=ahp.max_consistency_ratio)


class GraphSource(StrictModel):
    """A street graph as osmnx writes it (GraphML), projected to RD New."""

    path: InputPath
    """GraphML file, relative to the scenario file."""
    length_attribute: str = "length"
    """Edge attribute with the length in metres."""


# --------------------------------------------------------------------------- region, outputs


class Municipality(StrictModel):
    """A municipality of the region."""

    code: str = Field(pattern=r"^GM\d{4}$")
    """CBS code, e.g. GM0384."""
    name: str
    """Name, e.g. Diemen."""


class RegionConfig(StrictModel):
    """The region the scenario covers."""

    name: str = "Duo+"
    """Name of the region."""
    municipalities: tuple[Municipality, ...] = Field(min_length=1)
    """Municipalities of the region."""
    boundaries: str | None = None
    """Name of a layer with municipality boundaries: drawn on the map, and the region every
    layer and table with coordinates is checked against. Its municipality code column is
    `code_column`, else the first of municipality_code, gemeentecode, statcode, code."""
    districts: str | None = None
    """Name of a layer with wijk boundaries (drawn on the map; each site's wijk)."""
    neighbourhoods: str | None = None
    """Name of a layer with buurt boundaries (each site's buurt)."""
    code_column: str | None = None
    """Column of the boundaries layer with the CBS municipality code (default: detected)."""
    name_column: str | None = None
    """Column of the boundaries layer with the municipality name (default: detected, e.g.
    gemeentenaam on CBS data)."""
    margin_m: float = Field(default=2000.0, ge=0, le=100_000)
    """How far beyond the region's municipalities a part of a candidate site may lie (a
    multi-part site with a part farther off is outside the region), and the least reach of
    a context layer (a layer none of whose features lies within 25 km, or this margin if
    larger, is outside the region). A candidate site that meets none of the municipalities
    is outside the region whatever its distance (a point within 1 m of a border excepted);
    see `outside` for what it gets."""
    table_margin_m: float = Field(default=50_000.0, ge=0, le=300_000)
    """Locations in tables (schools, work, unit sites) farther than this from the region are
    refused: a school or workplace may lie in a neighbouring city, not across the country."""
    max_outside_share: float = Field(default=0.5, ge=0, le=1)
    """A candidate site with more than this share of its area outside the region's
    municipalities is outside the region (a smaller share is flagged on its row)."""
    outside: Literal["error", "warn"] = "error"
    """What a feature outside the region gets: refused (`error`, the default) or a warning
    in run.json and the outputs (`warn`, for layers that deliberately reach beyond it, such
    as nature areas or stations nearby)."""

    @model_validator(mode="after")
    def _codes_once(self) -> RegionConfig:
        """A municipality listed twice would count twice wherever the region is summed."""
        codes = [m.code for m in self.municipalities]
        raise_problems(
            "RegionConfig",
            [
                (
                    ("municipalities", i, "code"),
                    "duplicate_municipality",
                    msg(
                        "scenario.exchange.duplicate",
                        what=msg("scenario.exchange.what_municipality"),
                        name=repr(code),
                        count=codes.count(code),
                    ),
                    code,
                )
                for i, code in enumerate(codes)
                if code in codes[:i]
            ],
        )
        return self


class DataSource(StrictModel):
    """Where a layer's data comes from, for the report's sources and licences."""

    source: str
    """Publisher and product, e.g. 'CBS / Kadaster (PDOK), wijk- en buurtkaart 2024'."""
    licence: str
    """Licence, e.g. 'CC BY 4.0'."""
    url: str | None = None
    """Where the data can be found."""


class BackgroundConfig(StrictModel):
    """A background map under the static maps (map.png, map.pdf and the memo's detail maps).

    Off unless set: a run then needs no network and its maps depend on nothing but the
    scenario and its inputs. When the tiles cannot be fetched the run still completes; the
    maps say that no background was loaded and credit only what they show."""

    provider: Literal["brt", "brt_grijs", "brt_pastel", "osm"] = "brt"
    """brt: PDOK BRT-Achtergrondkaart (Kadaster, CC BY 4.0; also its grijs and pastel
    styles); osm: OpenStreetMap's standard tiles (ODbL; mind the OSMF tile usage policy)."""
    url: str | None = None
    """Another XYZ tile server with the provider's content (a mirror), as a URL template with
    {z}, {x} and {y}; the provider's own server when not set."""
    attribution: str | None = None
    """Credit line of the tiles; the provider's own when not set."""
    cache_dir: InputPath | None = None
    """Folder of the tile cache (default: tiles/ in $OPVANG_OPT_CACHE, else data/cache)."""
    timeout_s: float = Field(default=10.0, gt=0)
    """Seconds to wait for one tile before giving up on the background."""

    @model_validator(mode="after")
    def _template(self) -> BackgroundConfig:
        if self.url is not None and not all(f"{{{k}}}" in self.url for k in "zxy"):
            raise invalid("scenario.background.url", z="{z}", x="{x}", y="{y}")
        return self


class OutputsConfig(StrictModel):
    """What a run writes and how it is labelled."""

    profile: Literal["council", "analyst"] = "council"
    """council: map, report and Excel hold aggregates only (counts below 5 as <5).
    analyst: they may add household-level tables with pseudonymous ids."""
    sources: dict[str, DataSource] = Field(default_factory=dict)
    """Source and licence per layer name (layers not listed are marked as not stated, or as
    fictitious when `fictitious` is set)."""

    lang: Literal["nl", "en"] = "nl"
    """Language of maps and reports."""
    title: str | None = None
    """Title on the map and report; defaults to the scenario title."""
    fictitious: bool = False
    """Label every output as based on fictitious data (the bundled demo sets this)."""
    attribution: str = ""
    """Data attribution printed on the map."""
    background: BackgroundConfig | None = None
    """A background map under the static maps (off when not set): see BackgroundConfig."""


class Scenario(StrictModel):
    """A complete opvang-opt scenario."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)]
    """Short name, used for the results folder (letters, digits, '.', '_', '-')."""
    title: str = ""
    """Readable title."""
    description: str = ""
    """What the scenario is about."""
    extends: str | None = None
    """Path of a base scenario this one overrides (resolved by the loader)."""
    region: RegionConfig
    """The region and its municipalities."""
    layers: dict[Name, LayerSource] = Field(min_length=1)
    """Named input layers, referred to by name elsewhere in the scenario."""
    data_cache: InputPath | None = None
    """Folder of layers fetched with `opvang-opt data fetch` (default: $OPVANG_OPT_CACHE,
    else data/cache); layers refer to them with `source:`."""
    graphs: dict[Name, GraphSource] = Field(default_factory=dict)
    """Named street graphs for network distances."""
    siting: SitingConfig
    """Siting stage settings."""
    allocation: AllocationConfig | None = None
    """Household allocation to flexwoning units (optional)."""
    exchange: ExchangeConfig | None = None
    """Regional exchange of tasks between municipalities, with side payments (optional)."""
    services: ServicesConfig | None = None
    """Newcomer education and care: demand, bottlenecks and expansions (optional)."""
    planning: PlanningConfig | None = None
    """Capacity over time: which sites open when, moves, permit ends, tasks per period
    (optional)."""
    outputs: OutputsConfig = OutputsConfig()
    """Output settings."""

    @model_validator(mode="after")
    def _layer_refs(self) -> Scenario:
        # each problem at its own field, so the message names the full path
        problems: list[tuple[tuple[str | int, ...], str | Message, object]] = []
        known = sorted(self.layers)

        def need(layer: str | None, loc: tuple[str | int, ...], name: str = "") -> None:
            if layer is not None and layer not in self.layers:
                hint = did_you_mean_hint(layer, known)
                text = (
                    msg("scenario.ref.named_layer", name=name, layer=layer, hint=hint)
                    if name
                    else msg("scenario.ref.layer", layer=layer, hint=hint)
                )
                problems.append((loc, text, layer))

        need(self.siting.longlist, ("siting", "longlist"))
        need(self.region.boundaries, ("region", "boundaries"))
        need(self.region.districts, ("region", "districts"))
        need(self.region.neighbourhoods, ("region", "neighbourhoods"))
        for i, c in enumerate(self.siting.criteria):
            need(getattr(c, "layer", None), ("siting", "criteria", i, "layer"), c.name)
            graph = getattr(c, "network", None)
            if graph is not None and graph not in self.graphs:
                problems.append(
                    (
                        ("siting", "criteria", i, "network"),
                        msg(
                            "scenario.ref.named_graph",
                            name=c.name,
                            graph=graph,
                            hint=did_you_mean_hint(graph, sorted(self.graphs)),
                        ),
                        graph,
                    )
                )
        need(self.siting.shortlist.zone_layer, ("siting", "shortlist", "zone_layer"))
        alloc = self.allocation
        if alloc is not None and alloc.inputs is not None and alloc.inputs.pois is None:
            need(alloc.inputs.pois_layer, ("allocation", "inputs", "pois_layer"))
        for i, r in enumerate(self.siting.exclusions):
            need(getattr(r, "layer", None), ("siting", "exclusions", i, "layer"), r.name)
        net = self.services.network if self.services is not None else None
        if net is not None and net not in self.graphs:
            problems.append(
                (
                    ("services", "network"),
                    msg(
                        "scenario.ref.graph",
                        graph=net,
                        hint=did_you_mean_hint(net, sorted(self.graphs)),
                    ),
                    net,
                )
            )
        if (
            self.services is not None
            and self.services.area == "wijk"
            and self.region.districts is None
        ):  # without the wijken every site was silently its own area
            problems.append((("services", "area"), msg("scenario.ref.services_area_wijk"), "wijk"))
        plan = self.planning
        if plan is not None and plan.task_rule is not None and self.exchange is None:
            problems.append(
                (
                    ("planning", "task_rule"),
                    msg("scenario.ref.task_rule_needs_exchange"),
                    "task_rule",
                )
            )
        elif plan is not None and plan.task_rule is not None and self.exchange is not None:
            # a group the exchange has no task for would silently get a task of 0
            groups = self.exchange.group_names
            for i, g in enumerate(plan.groups):
                if g.name not in groups:
                    problems.append(
                        (
                            ("planning", "groups", i, "name"),
                            msg(
                                "scenario.ref.task_rule_group",
                                hint=did_you_mean_hint(g.name, groups),
                            ),
                            g.name,
                        )
                    )
        raise_problems("Scenario", [(loc, "reference", m, v) for loc, m, v in problems])
        return self

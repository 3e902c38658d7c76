"""The siting stage: a pure function from the scenario and its layers to a SitingResult."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import Problem, ScenarioError
from opvang_opt.exact import floor_times
from opvang_opt.io.graphs import StreetGraph
from opvang_opt.schema import SitingConfig
from opvang_opt.siting import mcda, screen, spatial
from opvang_opt.siting.capacity import estimate_capacity
from opvang_opt.siting.criteria import NearestDistances, indicator_unit, measure
from opvang_opt.siting.exclusions import exclusion_rows, parse_dates
from opvang_opt.siting.location import (
    AreaLayer,
    largest_share,
    locate_sites,
    overlapping_pairs,
)
from opvang_opt.siting.robustness import ShortlistRule, scores_for
from opvang_opt.siting.screen import GeoTask
from opvang_opt.siting.services_rule import ServicesRule
from opvang_opt.siting.shortlist import (
    ShortlistProblem,
    ShortlistSolution,
    check_shortlist,
    counterfactuals,
    optimise_rule,
    quality,
    solve_shortlist,
    top_score,
    top_score_rule,
)
from opvang_opt.siting.values import apply_value, rank_scores
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Lang, Message, render


@dataclass(frozen=True)
class SitingInputs:
    """The layers the siting stage works on, already read and validated (RD New)."""

    longlist: gpd.GeoDataFrame
    """The candidate sites."""
    layers: dict[str, gpd.GeoDataFrame]
    """Every other layer of the scenario, by name."""
    id_column: str
    """The longlist's id column."""
    source: str = "longlist"
    """The longlist's file, for messages."""
    graphs: dict[str, StreetGraph] = field(default_factory=dict)
    """Street graphs by name, for network distances."""
    areas: Mapping[str, AreaLayer] = field(default_factory=dict)
    """The region's municipalities, wijken and buurten (keys ``municipality``, ``wijk``,
    ``buurt``), for where each site lies."""
    repaired: frozenset[str] = frozenset()
    """Ids of sites whose invalid geometry was repaired on reading (flagged on their row)."""
    services_rule: Callable[[gpd.GeoDataFrame], ServicesRule] | None = None
    """Builds the services rule of the shortlist from the sites with their capacity
    (the scenario's ``services.siting_rule``), when it is on."""


@dataclass(frozen=True)
class CriterionInfo:
    """A criterion as scored: its columns, unit and normalised weight."""

    name: str
    label: str
    kind: str
    unit: str
    weight: float
    indicator_column: str
    value_column: str


@dataclass(frozen=True)
class SitingSummary:
    """The headline figures of a siting run (``run.json``'s ``siting`` section).

    Attributes
    ----------
    target
        The capacity target, in ``target_unit``.
    target_unit
        ``"units"`` (flexwoningen) or ``"places"`` (persons).
    capacity_selected
        Capacity of the shortlisted sites, in ``target_unit``.
    target_met
        Whether ``capacity_selected`` reaches the target under every shortlist rule.
    shortfall
        How much capacity is missing (0 when the target is met).
    n_shortlisted, n_sites, n_excluded, n_eligible
        Sites on the shortlist, in the longlist, excluded by a hard rule, and not excluded.
    excluded_by_rule
        Per exclusion rule (by name): how many sites it excludes (a site breaking two
        rules counts for both).
    scoring_method
        ``weighted_sum``, ``topsis`` or ``spotis``.
    shortlist_method
        ``top_score`` or ``optimise``.
    solver_status
        The shortlist's :class:`~opvang_opt.status.SolveStatus`.
    solver_gap
        Relative gap of the shortlist solve (``None`` when unknown, e.g. infeasible).
    solver_seconds
        Seconds of the shortlist solve.
    total_value
        Sum of the shortlisted sites' values (the objective's unit).
    total_cost
        Cost of the shortlisted sites in euros (``None`` without a cost column).
    diagnosis
        Why the target is not met (catalogue messages, rendered by the outputs; empty
        when it is met).
    objective
        The optimiser's objective (``people``, ``cost``, ...; ``None`` for top_score).
    quality
        Mean score (0-100) of the places needed for the target, best sites first.
    overshoot, overshoot_note
        Capacity above the target, and why it is bounded (a catalogue message).
    smaa_chosen_share, smaa_stable_core
        Share of weight samples in which the rule gives exactly this shortlist, and the
        sites in at least ``robustness.stable_share`` of them (``None`` without SMAA).
    ahp_consistency_ratio, ahp_lambda_max, ahp_accepted_inconsistent
        The AHP weights' consistency (``None`` when the weights are given directly).
    """

    target: int
    target_unit: Literal["units", "places"]
    capacity_selected: int
    target_met: bool
    shortfall: int
    n_shortlisted: int
    n_sites: int
    n_excluded: int
    n_eligible: int
    excluded_by_rule: dict[str, int]
    scoring_method: str
    shortlist_method: str
    solver_status: SolveStatus
    solver_gap: float | None
    solver_seconds: float
    total_value: float
    total_cost: float | None
    diagnosis: tuple[Message, ...] = ()
    objective: str | None = None
    quality: float | None = None
    overshoot: int = 0
    overshoot_note: str | Message = ""
    smaa_chosen_share: float | None = None
    smaa_stable_core: tuple[str, ...] | None = None
    ahp_consistency_ratio: float | None = None
    ahp_lambda_max: float | None = None
    ahp_accepted_inconsistent: bool | None = None

    def as_dict(self, lang: Lang = "nl") -> dict[str, Any]:
        """The summary as JSON-ready data (the AHP keys only when AHP weights are used), with
        its messages (diagnosis, overshoot note) rendered in ``lang``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("ahp_") and value is None:
                continue
            if isinstance(value, SolveStatus):
                value = value.value
            elif isinstance(value, Message):
                value = value.render(lang)
            elif isinstance(value, tuple):
                value = [render(v, lang) for v in value]
            elif isinstance(value, dict):
                value = dict(value)
            out[f.name] = value
        return out


@dataclass(frozen=True)
class SitingResult:
    """What the siting stage produced.

    Attributes
    ----------
    sites
        Every longlist site with its indicators (``ind_*``), values (``val_*``),
        exclusions, score (0-100), rank (1 = best eligible; 0 = excluded), capacity,
        whether it is shortlisted, why, and the binding rule.
    exclusions
        One row per (site, broken rule) with the measured value and the limit.
    shortlist
        The shortlisted sites in order, with cumulative capacity and the reason.
    criteria
        The criteria as scored.
    summary
        Counts, capacity against the target, solver status and gap, diagnosis
        (see :class:`SitingSummary`).
    tradeoff
        The trade-off: the capacity target against quality, cost and sites, and the exact
        frontiers of quality against cost and against the number of sites (``frontier``
        column), each point with its shortlist.
    sensitivity
        Per site: SMAA mean rank, rank-1 share and the share of weight samples in which the
        scenario's own shortlist rule picks it; the stable core (empty when disabled).
    sensitivity_criteria
        Per criterion: the smallest weight change that changes the shortlist (same rule).
    shortlist_sets
        The most frequent shortlists over the weight samples, with their shares.
    counterfactuals
        Per eligible site left out: forcing it in; per chosen site: dropping it.
    layouts
        Unit footprints of the shortlisted sites (packing only), one row per site.
    problem
        The shortlist problem as solved (for independent checking).
    """

    sites: gpd.GeoDataFrame
    exclusions: pd.DataFrame
    shortlist: pd.DataFrame
    criteria: tuple[CriterionInfo, ...]
    summary: SitingSummary
    tradeoff: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity_criteria: pd.DataFrame = field(default_factory=pd.DataFrame)
    layouts: gpd.GeoDataFrame | None = None
    problem: ShortlistProblem | None = None
    shortlist_sets: pd.DataFrame = field(default_factory=pd.DataFrame)
    counterfactuals: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def target_met(self) -> bool:
        """Whether the shortlist reaches the capacity target."""
        return self.summary.target_met


def criterion_weights(config: SitingConfig) -> tuple[np.ndarray, mcda.AHPResult | None]:
    """Normalised weights: the criteria's own, or from the AHP matrix (with its CR)."""
    if config.ahp is None:
        w = np.array([c.weight for c in config.criteria], dtype=float)
        return w / w.sum(), None
    res = mcda.ahp_weights(np.array(config.ahp.matrix, dtype=float), config.ahp.tolerance)
    w = np.asarray(res.weights, dtype=float)
    return w / w.sum(), res


def score_sites(method: str, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score 0-100 per site with the chosen method (all on fixed-bound values)."""
    return scores_for(method, values, weights)


def run_siting(
    config: SitingConfig,
    inputs: SitingInputs,
    *,
    workers: int | None = None,
    answers: dict[GeoTask, np.ndarray] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SitingResult:
    """Score the longlist, apply the exclusions and choose the shortlist.

    Parameters
    ----------
    config
        The scenario's siting section.
    inputs
        The longlist and other layers, validated and in RD New.
    workers
        Threads for the spatial queries (default: every core this process may use).
        The result does not depend on it.
    answers
        The spatial queries already answered (by
        :func:`opvang_opt.siting.distributed.screen_on_cluster`); default: answered here.
    progress
        Called as ``progress(done, total)`` after each spatial query.

    Returns
    -------
    SitingResult

    Examples
    --------
    >>> from opvang_opt.io import load_inputs
    >>> from opvang_opt.schema import load_scenario
    >>> sc = load_scenario("scenarios/demo.yaml")  # doctest: +SKIP
    >>> res = run_siting(sc.siting, load_inputs(sc).siting)  # doctest: +SKIP
    """
    sites = inputs.longlist.reset_index(drop=True)  # copy-on-write: the input stays as it is
    ids = sites[inputs.id_column].astype(str).to_numpy()
    n = len(sites)

    weights, ahp = criterion_weights(config)
    workers = workers or spatial.default_workers()
    geoms = np.asarray(sites.geometry.values)
    # the overlap check and the site locations need only the plots' geometry, ids and stated
    # municipality: they run on a thread of their own (GEOS releases the GIL) while the layers
    # are screened, on a shallow copy (the screen adds columns to ``sites`` meanwhile)
    located_from = (sites.copy(deep=False), dict(inputs.areas), inputs.repaired, ids)
    with ThreadPoolExecutor(max_workers=1) as background:
        located = background.submit(locate_sites, *located_from, workers) if workers > 1 else None
        if answers is None:
            tasks = screen.geometric_tasks(config, inputs.layers)
            answers = screen.run_tasks(geoms, inputs.layers, tasks, workers, progress)
        nearest = NearestDistances(geoms, inputs.layers, workers)
        nearest.preset({t.nearest_key: a for t, a in answers.items() if t.kind == "nearest"})
        infos, indicators = [], {}
        value_matrix = np.zeros((n, len(config.criteria)))
        for j, (c, w) in enumerate(zip(config.criteria, weights, strict=True)):
            if screen.criterion_task(c) is not None:
                ind = screen.indicator(c, geoms, answers, inputs.layers)
            else:
                ind = measure(
                    c, sites, inputs.layers, inputs.id_column, inputs.source, inputs.graphs,
                    nearest, config.capacity.area_column,
                )  # fmt: skip
            val = apply_value(c.value, ind)
            indicators[c.name] = ind
            value_matrix[:, j] = val
            sites[f"ind_{c.name}"] = np.where(np.isfinite(ind), ind, np.nan)
            sites[f"val_{c.name}"] = np.round(val, 6)
            infos.append(
                CriterionInfo(
                    c.name, c.label or c.name, c.kind, indicator_unit(c), float(w),
                    f"ind_{c.name}", f"val_{c.name}",
                )
            )  # fmt: skip

        exclusions, positions = exclusion_rows(
            config.exclusions, sites, inputs.layers, indicators, inputs.id_column, inputs.source,
            units={c.name: indicator_unit(c) for c in config.criteria}, nearest=nearest,
            overlaps=_rule_measures(config, inputs.layers, answers), ids=ids,
        )  # fmt: skip
        reasons, rules = site_reasons(
            ids, exclusions, positions, [r.name for r in config.exclusions]
        )
        n_broken = np.bincount(positions, minlength=n).astype(int)
        sites["excluded"] = n_broken > 0
        sites["excluded_by"] = rules
        sites["exclusion_reasons"] = reasons  # a tuple of messages per site, rendered "; "-joined
        sites["n_rules_broken"] = n_broken
        where = {s: i for i, s in enumerate(ids.tolist())} if config.shortlist.must_include else {}
        why = {s: reasons[where[s]] for s in config.shortlist.must_include if s in where}
        by = {s: rules[where[s]] for s in why}
        forced_out = [s for s in config.shortlist.must_include if why.get(s)]
        if forced_out:  # one behaviour for every shortlist rule: a clear error, before any solve
            raise ScenarioError(
                Message("problem.siting.forced_out_summary", {"count": len(forced_out)}),
                [Problem(Message("problem.siting.forced_out",
                                 {"site": s, "rules": str(by[s]), "why": list(why[s])}),
                         source=inputs.source, where=Message("problem.siting.where.id", {"id": s}),
                         field="siting.shortlist.must_include") for s in forced_out],
            )  # fmt: skip

        score = score_sites(config.method, value_matrix, weights)
        eligible = ~sites["excluded"].to_numpy()
        sites["score"] = np.round(score, 4)
        sites["rank"] = rank_scores(score, eligible, ids)

        units, method, angle = estimate_capacity(
            sites, config.capacity, inputs.id_column, inputs.source
        )
        sites["capacity_units"] = units
        sites["capacity_places"] = floor_times(units, config.capacity.persons_per_unit)
        sites["capacity_method"] = method
        sites["layout_angle"] = angle
        overlaps, location = (
            located.result() if located is not None else locate_sites(*located_from, workers=1)
        )
        for col in location.columns:  # where the site lies; the longlist's own statement is kept
            sites[col] = location[col]  # in municipality_stated (same index: no conversion)

        problem = build_problem(
            config, sites, inputs, np.asarray(sites["score"], dtype=float), overlaps, ids
        )
        solution = choose(config, problem, sites["rank"].to_numpy())
        if solution.status.has_solution:  # a broken rule is a bug: InternalError (exit 1)
            check_shortlist(problem, solution.selected).raise_if_violated()
        sites["shortlisted"] = solution.selected
        sites["decision"] = solution.reasons
        sites["binding"] = solution.binding

        shortlist = _shortlist_table(config, sites, inputs.id_column, problem)
        summary = SitingSummary(
            target=config.target.amount,
            target_unit=config.target.unit,
            capacity_selected=int(solution.capacity),
            target_met=bool(solution.target_met),
            shortfall=int(solution.shortfall),
            n_shortlisted=int(solution.selected.sum()),
            n_sites=n,
            n_excluded=int((~eligible).sum()),
            n_eligible=int(eligible.sum()),
            excluded_by_rule={
                r.name: int((exclusions["rule"] == r.name).sum()) for r in config.exclusions
            },
            scoring_method=config.method,
            shortlist_method=config.shortlist.method,
            solver_status=solution.status,
            solver_gap=None if np.isnan(solution.gap) else round(float(solution.gap), 6),
            solver_seconds=round(solution.seconds, 4),
            total_value=round(float(problem.value[solution.selected].sum()), 4),
            total_cost=round(float(solution.cost), 2) if problem.cost is not None else None,
            diagnosis=tuple(solution.diagnosis),
            objective=config.shortlist.objective if config.shortlist.method == "optimise" else None,
            quality=None if np.isnan(solution.quality) else round(float(solution.quality), 4),
            overshoot=int(solution.overshoot),
            overshoot_note=solution.overshoot_note,
            ahp_consistency_ratio=None if ahp is None else round(float(ahp.cr), 4),
            ahp_lambda_max=None if ahp is None else round(float(ahp.lambda_max), 4),
            ahp_accepted_inconsistent=None
            if ahp is None or config.ahp is None
            else bool(ahp.cr > config.ahp.max_consistency_ratio),
        )
        tradeoff = tradeoff_curve(config, problem, sites["rank"].to_numpy(), solution.selected)
        rule = shortlist_rule(config, problem, value_matrix)
        sensitivity, sens_criteria, sets = robustness(
            config, problem, value_matrix, weights, sites, rule
        )
        if sets.attrs.get("chosen_share") is not None:
            summary = replace(
                summary, smaa_chosen_share=float(sets.attrs["chosen_share"]),
                smaa_stable_core=tuple(sets.attrs["stable_core"]),
            )  # fmt: skip
        cf = counterfactual_table(config, problem, solution, rank=sites["rank"].to_numpy())
        layouts = unit_layouts(config, sites, inputs.id_column)
        return SitingResult(
            sites, exclusions, shortlist, tuple(infos), summary, tradeoff, sensitivity,
            sens_criteria, layouts, problem, sets, cf,
        )  # fmt: skip


def shortlist_rule(
    config: SitingConfig, problem: ShortlistProblem, values: np.ndarray
) -> ShortlistRule:
    """The scenario's shortlist rule as a function of the weights (for SMAA and OAT)."""
    sl = config.shortlist
    return ShortlistRule(
        problem, values, config.method, sl.method, time_limit=min(sl.time_limit_s, 10.0),
        seed=sl.seed,
    )  # fmt: skip


def counterfactual_table(
    config: SitingConfig, problem: ShortlistProblem, solution: ShortlistSolution,
    rank: np.ndarray,
) -> pd.DataFrame:  # fmt: skip
    """Per eligible site left out: what forcing it in costs; per chosen site: dropping it.

    Forcing in or dropping re-runs the scenario's own rule with the site in ``must_include``
    or ``must_exclude``; ``loss`` is in the objective's unit (positive is worse).
    """
    if not config.shortlist.counterfactuals or not solution.target_met:
        return pd.DataFrame()
    sl = config.shortlist

    rule = (
        top_score_rule(rank) if sl.method == "top_score"
        else optimise_rule(time_limit=min(sl.time_limit_s, 10.0), seed=sl.seed,
                           hint=solution.selected)
    )  # fmt: skip
    rows = counterfactuals(problem, solution, rule)
    unit = {"people": "points_per_place", "cost": "eur", "sites": "sites",
            "spread": "m", "score": "score", "score_x_capacity": "score"}  # fmt: skip
    loss_unit = "score" if sl.method == "top_score" else unit[sl.objective]  # a unit code
    return pd.DataFrame(
        [
            {
                "site_id": r.site,
                "action": r.action,
                "feasible": r.feasible,
                "loss": round(r.loss, 4) if r.feasible else None,
                "loss_unit": loss_unit,
                "quality_change": round(r.quality_change, 4) if r.feasible else None,
                "cost_change": round(r.cost_change, 2)
                if r.feasible and problem.cost is not None
                else None,
                "leaving": "; ".join(r.leaving),
                "entering": "; ".join(r.entering),
                "reason": r.reason,
            }
            for r in rows
        ]
    )


def site_reasons(
    ids: np.ndarray, exclusions: pd.DataFrame, positions: np.ndarray, rule_names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per site: the tuple of its exclusion messages and its broken rules, ``", "``-joined.

    ``exclusions`` holds one row per (site, broken rule), rule by rule, and ``positions``
    each row's site. Sites without a broken rule get ``()`` and ``""``. The rule text is
    made once per combination of rules, not per site.
    """
    n = len(ids)
    reasons = np.empty(n, dtype=object)
    reasons[:] = [()] * n
    rules = np.full(n, "", dtype=object)
    if len(positions) == 0:
        return reasons, rules
    order = np.argsort(positions, kind="stable")  # by site, rule order within a site
    pos = positions[order]
    messages = exclusions["message"].to_numpy()[order].tolist()
    starts = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])
    stops = np.r_[starts[1:], len(pos)]
    site = pos[starts]
    reasons[site] = [tuple(messages[a:b]) for a, b in zip(starts.tolist(), stops.tolist(),
                                                          strict=True)]  # fmt: skip
    # the rule of each row by its code: no Python string per row (a million at 1M plots)
    codes, names = pd.factorize(exclusions["rule"])
    lookup = np.append(pd.Index(rule_names).get_indexer(np.asarray(names, dtype=object)), -1)
    rule_no = lookup[codes][order]  # code -1 (missing) takes the last entry: -1
    if len(rule_names) <= 62 and (rule_no >= 0).all() and len(set(rule_names)) == len(rule_names):
        mask = np.zeros(n, dtype=np.uint64)
        np.bitwise_or.at(mask, pos, np.left_shift(np.uint64(1), rule_no.astype(np.uint64)))
        combos, inverse = np.unique(mask[site], return_inverse=True)
        text = np.array(
            [", ".join(r for k, r in enumerate(rule_names) if int(m) >> k & 1) for m in combos],
            dtype=object,
        )
        rules[site] = text[inverse]
    else:  # pragma: no cover - more rules than bits
        names = exclusions["rule"].to_numpy()[order].tolist()
        rules[site] = [", ".join(names[a:b]) for a, b in zip(starts, stops, strict=True)]
    return reasons, rules


def _rule_measures(
    config: SitingConfig, layers: dict[str, gpd.GeoDataFrame], answers: dict[GeoTask, np.ndarray]
) -> dict[str, np.ndarray]:
    """The answered measure of each ``intersects`` rule, by rule name."""
    out = {}
    for rule in config.exclusions:
        task = screen.rule_task(rule, layers)
        if task is not None and task.kind in ("overlap", "intersects"):
            out[rule.name] = answers[task]
    return out


def site_zones(sites: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """The zone (wijk or buurt) of each site: the one holding the largest share of its area
    (:func:`~opvang_opt.siting.location.largest_share`, as the site's row states its wijk
    and buurt; a point: the zone it lies in), else the nearest.

    A plot that lies 85 % in one wijk and has a thin arm in another counts in the first for
    the per-zone maximum, not in the one that happens to hold its representative point.
    A zone is every feature with its code together: with the buurten as zone layer and
    their ``gemeentecode`` as zone column, a plot 67 % in three Diemen buurten and 33 % in
    one Ouder-Amstel buurt counts in Diemen (not in the one buurt holding most of it).
    """
    codes = zones[column].astype(str).to_numpy()
    areas = zones.geometry.values
    uniq, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    if len(uniq) < len(codes):  # the features of one zone as one area, in layer order
        order = np.argsort(first)
        areas = np.array(
            [shapely.union_all(areas[inverse == k]) for k in order.tolist()], dtype=object
        )
        codes = uniq[order]
    geoms = sites.geometry.values
    code, *_ = largest_share(np.asarray(geoms), AreaLayer(codes, codes, areas))
    which = np.asarray(code, dtype=object)
    missing = np.flatnonzero(which == "")
    if len(missing):
        tree = shapely.STRtree(areas)
        i_pt, i_poly = tree.query_nearest(np.asarray(geoms)[missing], all_matches=False)
        which[missing[i_pt]] = codes[i_poly]
    return which.astype(str)


def build_problem(
    config: SitingConfig,
    sites: gpd.GeoDataFrame,
    inputs: SitingInputs,
    value: np.ndarray,
    overlaps: pd.DataFrame | None = None,
    ids: np.ndarray | None = None,
) -> ShortlistProblem:
    """Turn the scored longlist and the shortlist settings into a ShortlistProblem
    (``ids``: the sites' ids as text, when the caller has them already)."""
    sl = config.shortlist
    ids = sites[inputs.id_column].astype(str).to_numpy() if ids is None else ids
    eligible = ~sites["excluded"].to_numpy()
    cap_col = "capacity_units" if config.target.unit == "units" else "capacity_places"
    cost = (
        pd.to_numeric(sites[sl.cost_column], errors="coerce").to_numpy(float)
        if sl.cost_column
        else None
    )
    available = None
    if sl.available_by is not None:
        dates = parse_dates(sites, sl.available_column, inputs.id_column, inputs.source)
        available = np.array([d <= sl.available_by for d in dates], dtype=bool)
    conflicts = np.zeros((0, 2), dtype=np.int64)
    dist = np.zeros(0)
    if not sl.allow_overlap:  # overlapping plots share ground: at most one of each pair
        pairs = (
            overlaps if overlaps is not None else overlapping_pairs(sites.geometry.to_numpy(), ids)
        )
        both = eligible[pairs["i"].to_numpy(dtype=int)] & eligible[pairs["j"].to_numpy(dtype=int)]
        conflicts = pairs[["i", "j"]].to_numpy(dtype=np.int64)[both]
        dist = np.zeros(len(conflicts))
    if sl.min_distance_m is not None and sl.method == "optimise":
        geoms = sites.geometry.values
        cand = np.flatnonzero(eligible)
        tree = shapely.STRtree(geoms[cand])
        a, b = tree.query(geoms[cand], predicate="dwithin", distance=sl.min_distance_m)
        keep = a < b
        a, b = cand[a[keep]], cand[b[keep]]
        d = shapely.distance(geoms[a], geoms[b])
        # 'at least this far apart': GEOS distances carry float noise (a pair drawn exactly
        # 500 m apart may measure 499.99999999999994 m), so within 1e-9 relative of the
        # limit counts as at it, as for the closer_than exclusion
        close = d < sl.min_distance_m * (1 - 1e-9)
        near = np.column_stack([a[close], b[close]]).astype(np.int64)
        known = {(int(i), int(j)) for i, j in conflicts}
        new = np.array([(int(i), int(j)) not in known for i, j in near], dtype=bool)
        conflicts = np.concatenate([conflicts, near[new]]) if len(near) else conflicts
        dist = np.concatenate([dist, d[close][new]]) if len(near) else dist
    zone = None
    if sl.zone_layer is not None and sl.zone_column is not None:
        zone = site_zones(sites, inputs.layers[sl.zone_layer], sl.zone_column)
    distance = None
    if sl.objective == "spread" and sl.method == "optimise":
        geoms = sites.geometry.values
        a, b = np.triu_indices(len(geoms), 1)
        distance = np.zeros((len(geoms), len(geoms)))
        distance[a, b] = shapely.distance(geoms[a], geoms[b])
        distance[b, a] = distance[a, b]
    return ShortlistProblem(
        ids=ids,
        value=value,
        capacity=sites[cap_col].to_numpy(dtype=np.int64),
        target=config.target.amount,
        eligible=eligible,
        cost=cost,
        budget=sl.budget_eur,
        max_sites=sl.max_sites,
        max_capacity=sl.max_capacity,
        conflicts=conflicts,
        conflict_distance=dist,
        min_distance=sl.min_distance_m,
        zone=zone,
        max_per_zone=sl.max_per_zone,
        available=available,
        must_include=np.isin(ids, sl.must_include) if sl.must_include else None,
        must_exclude=np.isin(ids, sl.must_exclude) if sl.must_exclude else None,
        objective=sl.objective,
        irredundant=sl.irredundant,
        min_quality=sl.min_quality,
        distance=distance,
        services=inputs.services_rule(sites) if inputs.services_rule is not None else None,
    )


def choose(
    config: SitingConfig,
    problem: ShortlistProblem,
    rank: np.ndarray,
    *,
    explain: bool = True,
    time_limit: float | None = None,
    workers: int | None = None,
) -> ShortlistSolution:
    """Apply the scenario's shortlist method to a problem."""
    sl = config.shortlist
    if sl.method == "top_score":
        return top_score(problem, rank)
    return solve_shortlist(
        problem, time_limit=time_limit or sl.time_limit_s, workers=workers or sl.workers,
        seed=sl.seed, explain=explain,
    )  # fmt: skip


def _shortlist_table(
    config: SitingConfig, sites: gpd.GeoDataFrame, id_column: str, problem: ShortlistProblem
) -> pd.DataFrame:
    cap_col = "capacity_units" if config.target.unit == "units" else "capacity_places"
    chosen = sites[sites["shortlisted"]].sort_values("rank")
    where = ("municipality_code", "municipality", "municipality_share", "wijk", "wijk_share",
             "buurt", "buurt_share", "crosses_border", "border_municipality_code",
             "border_share", "outside_share", "municipality_mismatch", "overlaps_with",
             "repaired", "location_flags")  # fmt: skip
    extra = [c for c in ("name", *where) if c in sites.columns]
    cols = [id_column, *extra, "rank", "score", "capacity_units", "capacity_places",
            "capacity_method"]  # fmt: skip
    if config.shortlist.cost_column:
        cols.append(config.shortlist.cost_column)
    if problem.zone is not None:
        chosen = chosen.assign(zone=problem.zone[chosen.index.to_numpy()])
        cols.append("zone")
    table = pd.DataFrame(chosen[cols]).reset_index(drop=True)
    table[f"cumulative_{cap_col}"] = table[cap_col].cumsum()
    table["decision"] = chosen["decision"].to_numpy()
    return table


def tradeoff_curve(
    config: SitingConfig, problem: ShortlistProblem, rank: np.ndarray,
    chosen: np.ndarray | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The trade-off table: one row per point, ``frontier`` says which curve.

    * ``target``: the capacity target from half to one and a half times the scenario's
      (plus the target itself), each point solved with the scenario's rule;
    * ``cost`` and ``sites`` (method optimise): the exact frontiers of quality (mean score
      per needed place) against cost and against the number of sites (epsilon-constraint,
      :mod:`.frontier`).

    Every row carries its shortlist (site ids, ``; ``-separated).
    """
    from opvang_opt.siting.frontier import cost_frontier, sites_frontier

    sl = config.shortlist
    rows = []
    t = config.target.amount
    chosen_key = None if chosen is None else tuple(np.flatnonzero(chosen))

    def row(frontier: str, target: int, epsilon: float | None, sel: np.ndarray | None,
            status: str, gap: float | None) -> dict:  # fmt: skip
        if sel is None:
            sel = np.zeros(problem.n, dtype=bool)
        met = bool(sel.any()) and int(problem.capacity[sel].sum()) >= target
        sub = replace(problem, target=target)
        q = quality(sub, sel) if met else float("nan")
        return {
            "frontier": frontier,
            "target": target,
            "epsilon": epsilon,
            "feasible": met,
            "status": status,
            "gap": gap,
            "quality": round(q, 4) if met else None,
            "total_value": round(float(problem.value[sel].sum()), 4) if met else None,
            "capacity": int(problem.capacity[sel].sum()) if met else None,
            "overshoot": int(problem.capacity[sel].sum()) - target if met else None,
            "n_sites": int(sel.sum()) if met else None,
            "cost": round(float(problem.cost[sel].sum()), 2)
            if met and problem.cost is not None
            else None,
            "shortlist": "; ".join(map(str, problem.ids[sel])) if met else "",
            "is_scenario_target": frontier == "target" and target == t,
            "is_chosen": bool(met and chosen_key == tuple(np.flatnonzero(sel))),
        }

    if sl.tradeoff_steps:
        targets = sorted(
            {round(float(v)) for v in np.linspace(0.5 * t, 1.5 * t, sl.tradeoff_steps)} | {t}
        )
        limit = min(sl.time_limit_s, 10.0)
        for target in targets:
            p = replace(problem, target=target)
            sol = choose(config, p, rank, explain=False, time_limit=limit, workers=1)
            gap = None if np.isnan(sol.gap) else round(float(sol.gap), 6)
            rows.append(row("target", target, None,
                            sol.selected if sol.target_met else None, sol.status.value,
                            gap))  # fmt: skip
    if sl.method == "optimise" and sl.frontier_points:
        limit = min(sl.time_limit_s, 10.0)
        for fn in (cost_frontier, sites_frontier):
            for pt in fn(problem, max_points=sl.frontier_points, time_limit=limit, seed=sl.seed):
                eps = None if not np.isfinite(pt.epsilon) else pt.epsilon
                rows.append(row(pt.frontier, t, eps, pt.selected, pt.status.value,
                                0.0 if pt.status is SolveStatus.OPTIMAL else None))  # fmt: skip
    return pd.DataFrame(rows)


def robustness(
    config: SitingConfig,
    problem: ShortlistProblem,
    values: np.ndarray,
    weights: np.ndarray,
    sites: gpd.GeoDataFrame,
    rule: ShortlistRule | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SMAA of the rule that chose the shortlist, and one-at-a-time weight changes.

    Returns the per-site table (rank statistics over the samples, the share of samples in
    which the scenario's own rule picks the site, the stable core), the per-criterion
    table, and the most frequent shortlists.
    """
    from opvang_opt.siting import robustness as rb

    rc = config.robustness
    rule = rule or shortlist_rule(config, problem, values)
    ids = problem.ids
    allowed = problem.allowed()
    chosen = sites["shortlisted"].to_numpy(bool)
    per_site = pd.DataFrame({"site_id": ids})
    per_criterion = pd.DataFrame()
    sets = pd.DataFrame()
    if rc.samples > 0 and allowed.any():
        samples = rb.sample_weights(
            weights, rc.samples, spread=rc.spread, seed=rc.seed, method=rc.distribution
        )
        res = rb.smaa(
            values, samples, problem.capacity, problem.target, method=config.method,
            eligible=allowed, ids=ids,
        )  # fmt: skip
        used = rb.rule_smaa(
            rule, samples, chosen, workers=rc.workers, stable_share=rc.stable_share,
            top=rc.top_shortlists,
        )  # fmt: skip
        per_site["mean_rank"] = np.round(res.mean_rank, 3)
        per_site["rank1_share"] = np.round(res.rank_acceptability[:, 0], 4)
        top = min(3, res.rank_acceptability.shape[1])
        per_site[f"top{top}_share"] = np.round(res.rank_acceptability[:, :top].sum(axis=1), 4)
        per_site["shortlist_share"] = np.round(used.share, 4)
        per_site.loc[~allowed, ["mean_rank", "rank1_share", f"top{top}_share",
                                "shortlist_share"]] = np.nan  # fmt: skip
        per_site["stable_core"] = np.isin(ids, used.stable_core)
        per_site["shortlisted"] = chosen
        rule_name = (
            "top_score" if config.shortlist.method == "top_score"
            else f"optimise ({config.shortlist.objective})"
        )  # fmt: skip
        per_site.attrs["note"] = Message(
            "siting.sensitivity.share_note", {"samples": rc.samples, "rule": rule_name}
        )
        chosen_ids = tuple(str(s) for s in ids[chosen])
        sets = pd.DataFrame(
            [
                {"rank": k + 1, "share": round(share, 4), "n_sites": len(members),
                 "sites": "; ".join(members), "is_chosen": members == chosen_ids}
                for k, (members, share) in enumerate(used.shortlists)
            ]
        )  # fmt: skip
        sets.attrs["chosen_share"] = round(used.chosen_share, 4)
        sets.attrs["stable_core"] = list(used.stable_core)
        sets.attrs["infeasible_share"] = round(used.infeasible_share, 4)
    if rc.one_at_a_time and allowed.any():

        def shortlist_fn(w: np.ndarray) -> set[int]:
            return set(np.flatnonzero(rule.select(w, hint=chosen)).tolist())

        per_criterion = rb.one_at_a_time(
            values, weights, problem.capacity, problem.target, shortlist_fn=shortlist_fn,
            max_change=rc.max_change, method=config.method, eligible=allowed, ids=ids,
            names=[c.name for c in config.criteria], step=0.05,
        )  # fmt: skip
        for col in ("entering", "leaving"):
            if col in per_criterion.columns:
                per_criterion[col] = [
                    "; ".join(map(str, v)) if isinstance(v, list | tuple | set) else v
                    for v in per_criterion[col]
                ]
        per_criterion = per_criterion.round(6)
    return per_site, per_criterion, sets


def unit_layouts(
    config: SitingConfig, sites: gpd.GeoDataFrame, id_column: str
) -> gpd.GeoDataFrame | None:
    """Unit footprints of every shortlisted polygon site (packing method only)."""
    cap = config.capacity
    if cap.method != "packing":
        return None
    from opvang_opt.siting.packing import pack_units

    rows, geoms = [], []
    for _, row in sites[sites["shortlisted"]].iterrows():
        if shapely.get_dimensions(row.geometry) != 2:
            continue
        res = pack_units(
            row.geometry, unit_width=cap.unit_width_m, unit_depth=cap.unit_depth_m,
            spacing=cap.spacing_m, setback=cap.setback_m, path_share=cap.path_share,
        )  # fmt: skip
        foot = res.footprints
        parts = list(foot.geoms) if hasattr(foot, "geoms") else list(foot)
        parts = parts[: int(row["capacity_units"])]
        rows.append({"site_id": row[id_column], "units": len(parts),
                     "angle_deg": float(res.angle_deg)})  # fmt: skip
        geoms.append(shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon())
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=sites.crs)

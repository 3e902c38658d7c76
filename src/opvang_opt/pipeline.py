"""The one entry point: ``run(scenario) -> RunResult``.

Inputs are read in :func:`load_inputs` (the only place that reads files for a run);
each stage is a pure function of the scenario and earlier results. Nothing here
prints or writes: the CLI and notebooks show progress, :mod:`opvang_opt.outputs` writes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import geopandas as gpd
import pandas as pd

from opvang_opt import __version__
from opvang_opt.allocation.stage import AllocationRun, run_allocation_stage
from opvang_opt.errors import DataError, Problem
from opvang_opt.exchange import ExchangeRun, run_exchange
from opvang_opt.io.graphs import StreetGraph, read_street_graph
from opvang_opt.io.layers import LayerReport, read_layer, read_table
from opvang_opt.schema import (
    Attribute,
    AvailableByRule,
    CloserThanRule,
    CountWithin,
    DistanceToPoi,
    LayerSource,
    LimitRule,
    ReceptionLoad,
    Scenario,
    did_you_mean,
    scenario_hash,
)
from opvang_opt.siting import SitingInputs, SitingResult, run_siting
from opvang_opt.siting.capacity import capacity_problems
from opvang_opt.siting.criteria import numeric_column
from opvang_opt.siting.exclusions import parse_dates
from opvang_opt.status import SolveStatus, StageStatus

_STAGE_STATUS = {SolveStatus.INFEASIBLE: StageStatus.INFEASIBLE,
                 SolveStatus.NO_SOLUTION: StageStatus.NO_SOLUTION}  # fmt: skip
"""The stage status of a solve without a solution."""

STAGES = ("inputs", "siting", "allocation", "exchange")
"""The stages of a run, in order."""


@dataclass(frozen=True)
class StageReport:
    """How one stage went."""

    name: str
    status: StageStatus
    seconds: float
    message: str = ""


@dataclass(frozen=True)
class Inputs:
    """Every layer and table a run needs, read and validated, in RD New."""

    layers: dict[str, gpd.GeoDataFrame]
    reports: tuple[LayerReport, ...]
    siting: SitingInputs
    allocation: dict[str, pd.DataFrame] = field(default_factory=dict)
    """The allocation's raw tables: households, units, sites, pois (when configured)."""


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced; outputs are written from this value alone."""

    scenario: Scenario
    scenario_hash: str
    started_at: str
    inputs: Inputs
    siting: SitingResult
    stages: tuple[StageReport, ...]
    versions: dict[str, str] = field(default_factory=dict)
    exchange: ExchangeRun | None = None
    allocation: AllocationRun | None = None

    @property
    def is_ok(self) -> bool:
        """True when every stage ran and met its task (skipped stages count as met)."""
        return all(s.status in (StageStatus.OK, StageStatus.SKIPPED) for s in self.stages)


ProgressFn = Callable[[str, str], None]
"""Called as progress(stage, event) with event 'start' or 'done'."""


def required_columns(scenario: Scenario) -> dict[str, list[str]]:
    """The columns the scenario uses, per layer name."""
    need: dict[str, list[str]] = {name: [] for name in scenario.layers}
    s = scenario.siting
    need[s.longlist].append(s.name_column)
    for c in s.criteria:
        if isinstance(c, Attribute):
            need[s.longlist].append(c.column)
        if isinstance(c, DistanceToPoi | CountWithin):
            need[c.layer].append(c.category_column)
        if isinstance(c, ReceptionLoad):
            need[c.layer] += [c.places_column, c.inhabitants_column]
    for r in s.exclusions:
        if isinstance(r, AvailableByRule):
            need[s.longlist].append(r.column)
        if isinstance(r, LimitRule) and r.column:
            need[s.longlist].append(r.column)
        if isinstance(r, CloserThanRule) and r.category:
            need[r.layer].append(r.category_column)
    if s.capacity.column:
        need[s.longlist].append(s.capacity.column)
    if s.capacity.area_column:
        need[s.longlist].append(s.capacity.area_column)
    sl = s.shortlist
    if sl.cost_column:
        need[s.longlist].append(sl.cost_column)
    if sl.available_by:
        need[s.longlist].append(sl.available_column)
    if sl.zone_layer and sl.zone_column:
        need[sl.zone_layer].append(sl.zone_column)
    return {k: list(dict.fromkeys(v)) for k, v in need.items()}


def load_inputs(scenario: Scenario) -> Inputs:
    """Read and validate every layer of the scenario.

    Problems of all layers are collected and raised together.

    Raises
    ------
    DataError
        Listing every problem of every layer.
    """
    cols = required_columns(scenario)
    layers: dict[str, gpd.GeoDataFrame] = {}
    reports: list[LayerReport] = []
    problems: list[Problem] = []
    for name, source in scenario.layers.items():
        try:
            gdf, rep = read_layer(
                source, name, cols[name], allow_empty=name != scenario.siting.longlist
            )
        except DataError as exc:
            problems += exc.problems or [Problem(exc.summary)]
            continue
        layers[name] = gdf
        reports.append(rep)
    graphs: dict[str, StreetGraph] = {}
    for name, gsrc in scenario.graphs.items():
        try:
            graphs[name] = read_street_graph(gsrc, name)
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(f"The input layers have {len(problems)} problem(s)", problems)
    problems += _check_categories(scenario, layers)
    problems += _check_longlist_values(scenario, layers[scenario.siting.longlist])
    if problems:
        raise DataError(f"The input layers have {len(problems)} problem(s)", problems)
    allocation = _read_allocation_tables(scenario, layers, reports, problems)
    if problems:
        raise DataError(f"The input tables have {len(problems)} problem(s)", problems)
    ll = scenario.layers[scenario.siting.longlist]
    siting = SitingInputs(
        longlist=layers[scenario.siting.longlist],
        layers=layers,
        id_column=ll.id_column or "site_id",
        source=str(ll.path),
        graphs=graphs,
    )
    return Inputs(layers, tuple(reports), siting, allocation)


def _read_allocation_tables(
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    reports: list[LayerReport],
    problems: list[Problem],
) -> dict[str, pd.DataFrame]:
    """Read the allocation's households, unit stock, sites and points of interest."""
    alloc = scenario.allocation
    if alloc is None or alloc.inputs is None:
        return {}
    src = alloc.inputs
    tables: dict[str, pd.DataFrame] = {}
    files = {"households": (src.households, "household_id"), "units": (src.units, "unit_id"),
             "sites": (src.sites, "site_id")}  # fmt: skip
    for name, (path, id_col) in files.items():
        if path is None:
            continue
        try:
            df, rep = read_table(LayerSource(path=path, id_column=id_col), name)
        except DataError as exc:
            problems += exc.problems
            continue
        tables[name] = df
        reports.append(rep)
    if src.pois is not None:
        try:
            pois, rep = read_layer(
                LayerSource(path=src.pois, layer=src.pois_layer), "pois",
                [src.pois_category_column], allow_empty=True,
            )  # fmt: skip
            reports.append(rep)
        except DataError as exc:
            problems += exc.problems
            return tables
    elif src.pois_layer is not None:
        pois = layers[src.pois_layer]
        if src.pois_category_column not in pois.columns:
            problems.append(
                Problem(
                    "required column is missing",
                    source=str(scenario.layers[src.pois_layer].path),
                    field=src.pois_category_column,
                )
            )
            return tables
    else:
        return tables
    tables["pois"] = pois
    return tables


def _check_longlist_values(scenario: Scenario, sites: gpd.GeoDataFrame) -> list[Problem]:
    """Every longlist value the scenario uses must be readable: numbers, dates, capacities."""
    s = scenario.siting
    source = scenario.layers[s.longlist]
    id_col = source.id_column or "site_id"
    checks: list[tuple[str, Callable[..., Any]]] = []
    for c in s.criteria:
        if isinstance(c, Attribute):
            checks.append((c.column, numeric_column))
    for r in s.exclusions:
        if isinstance(r, LimitRule) and r.column:
            checks.append((r.column, numeric_column))
        if isinstance(r, AvailableByRule):
            checks.append((r.column, parse_dates))
    if s.shortlist.cost_column:
        checks.append((s.shortlist.cost_column, numeric_column))
    if s.shortlist.available_by:
        checks.append((s.shortlist.available_column, parse_dates))
    problems = capacity_problems(sites, s.capacity, id_col, str(source.path))
    known = set(sites[id_col].astype(str)) if id_col in sites.columns else set()
    for key in ("must_include", "must_exclude"):
        for site in getattr(s.shortlist, key):
            if site not in known:
                problems.append(
                    Problem(
                        f"site '{site}' is not in the longlist"
                        f"{did_you_mean(site, sorted(known))}",
                        source=str(source.path), field=f"siting.shortlist.{key}",
                    )
                )  # fmt: skip
    for column, check in dict(checks).items():
        try:
            check(sites, column, id_col, str(source.path))
        except DataError as exc:
            problems += exc.problems
    return problems


def _check_categories(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """Every category a criterion or rule names must occur in its layer."""
    problems = []
    items = [*scenario.siting.criteria, *scenario.siting.exclusions]
    for item in items:
        category = getattr(item, "category", None)
        if not category:
            continue
        layer = layers[item.layer]
        present = set(layer[item.category_column].dropna().astype(str))
        if category not in present:
            problems.append(
                Problem(
                    f"'{item.name}' uses category '{category}', which layer '{item.layer}' "
                    f"does not have (present: {', '.join(sorted(present)) or 'none'})",
                    source=str(scenario.layers[item.layer].path),
                    field=item.category_column,
                )
            )
    return problems


def package_versions() -> dict[str, str]:
    """Versions of opvang-opt and the packages that shape its results."""
    out = {"opvang-opt": __version__}
    for pkg in ("ortools", "geopandas", "shapely", "pandas", "numpy", "pyogrio", "pyproj",
                "folium", "pydantic"):  # fmt: skip
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    import platform

    import pyogrio

    out["gdal"] = pyogrio.__gdal_version_string__
    out["python"] = platform.python_version()
    return out


def run(
    scenario: Scenario,
    *,
    progress: ProgressFn | None = None,
    scenario_dir: str | None = None,
) -> RunResult:
    """Run every stage of a scenario.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`opvang_opt.schema.load_scenario`).
    progress
        Optional callback told when each stage starts and ends.
    scenario_dir
        Folder of the scenario file, so the scenario hash is machine-independent.

    Returns
    -------
    RunResult

    Raises
    ------
    DataError
        When an input layer fails validation.

    Examples
    --------
    >>> from opvang_opt.schema import load_scenario
    >>> result = run(load_scenario("scenarios/demo.yaml"))  # doctest: +SKIP
    >>> result.siting.summary.n_shortlisted  # doctest: +SKIP
    """
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    stages: list[StageReport] = []

    def step(name: str, fn: Callable[[], Any]) -> tuple[Any, float]:
        if progress:
            progress(name, "start")
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        if progress:
            progress(name, "done")
        return out, seconds

    inputs, sec = step("inputs", lambda: load_inputs(scenario))
    notes = [f"{r.name}: {n}" for r in inputs.reports for n in r.notes]
    stages.append(StageReport("inputs", StageStatus.OK, sec, "; ".join(notes)))

    siting, sec = step("siting", lambda: run_siting(scenario.siting, inputs.siting))
    summ = siting.summary
    if siting.target_met:
        stages.append(StageReport("siting", StageStatus.OK, sec))
    else:
        unit = "woningen" if summ.target_unit == "units" else "plekken"
        message = (
            f"doel niet gehaald: {summ.capacity_selected} van {summ.target} {unit} "
            f"(tekort {summ.shortfall}); {summ.n_eligible} van {summ.n_sites} "
            "locaties toegestaan"
        )
        if summ.diagnosis:
            message += "; " + "; ".join(summ.diagnosis)
        stages.append(StageReport("siting", StageStatus.TARGET_NOT_MET, sec, message))
    allocation = None
    if scenario.allocation is None:
        stages.append(
            StageReport(
                "allocation", StageStatus.SKIPPED, 0.0, "the scenario has no 'allocation' section"
            )
        )
    else:
        alloc_config = scenario.allocation
        srcs = alloc_config.inputs
        sources = {
            k: str(getattr(srcs, k)) for k in ("households", "units", "sites")
            if srcs is not None and getattr(srcs, k) is not None
        }  # fmt: skip
        poi_id = "poi_id"
        if srcs is not None and srcs.pois_id_column:
            poi_id = srcs.pois_id_column
        elif srcs is not None and srcs.pois is None and srcs.pois_layer in scenario.layers:
            poi_id = scenario.layers[srcs.pois_layer].id_column or poi_id
        poi_category = srcs.pois_category_column if srcs is not None else "category"
        allocation, sec = step(
            "allocation",
            lambda: run_allocation_stage(
                alloc_config,
                inputs.allocation,
                siting.sites,
                inputs.siting.id_column,
                sources=sources,
                poi_id_column=poi_id,
                poi_category_column=poi_category,
            ),
        )
        res = allocation.result
        msg = f"{res.status.value}: {len(res.assignments)} geplaatst, {len(res.unplaced)} niet"
        if len(res.unplaced):
            msg += "; " + "; ".join(s.message for s in res.diagnosis.shortfalls)
        if res.all_placed:
            status = StageStatus.OK
        elif res.status.has_solution:
            status = StageStatus.PARTIAL
        else:
            status = _STAGE_STATUS[res.status]
        stages.append(StageReport("allocation", status, sec, msg))

    exchange = None
    if scenario.exchange is None:
        stages.append(
            StageReport(
                "exchange", StageStatus.SKIPPED, 0.0, "the scenario has no 'exchange' section"
            )
        )
    else:
        config = scenario.exchange
        # checked inside (a broken rule raises InternalError); infeasible is a status
        exchange, sec = step("exchange", lambda: run_exchange(config))
        ex_res = exchange.result
        if ex_res is None:  # no exchange: the status and the diagnosis say why; the run goes on
            message = f"{exchange.status.value}: {exchange.message}"
            if exchange.diagnosis is not None and exchange.diagnosis.shortfalls:
                message += " " + "; ".join(s.message for s in exchange.diagnosis.shortfalls)
            stages.append(StageReport("exchange", _STAGE_STATUS[exchange.status], sec, message))
        else:
            saving = f"{ex_res.savings or 0:,.0f}".replace(",", ".")
            message = f"{ex_res.status.value}, besparing EUR {saving}"
            stages.append(StageReport("exchange", StageStatus.OK, sec, message))

    return RunResult(
        scenario=scenario,
        scenario_hash=scenario_hash(scenario, scenario_dir),
        started_at=started,
        inputs=inputs,
        siting=siting,
        stages=tuple(stages),
        versions=package_versions(),
        exchange=exchange,
        allocation=allocation,
    )

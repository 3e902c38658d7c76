"""Every input of a run, read and checked in one pass before any stage runs.

:func:`load_inputs` reads each layer, street graph and allocation table the scenario
names, reprojects the layers to RD New and checks them against the scenario: required
columns, ids, geometries, categories, longlist values, and the allocation tables
(households, units, unit sites, schools and GPs) through
:func:`opvang_opt.allocation.validate.validate_inputs`. Every problem of every input is
collected and raised as *one* :class:`~opvang_opt.errors.DataError`.

:func:`inputs_from_frames` runs the same checks on frames already in memory (a notebook),
without reading a file. The stages then get the result, :class:`Inputs`, through
:func:`opvang_opt.pipeline.run`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.allocation.stage import schools_and_gps
from opvang_opt.allocation.validate import HOUSEHOLD_REQUIRED, UNIT_REQUIRED, Tables
from opvang_opt.allocation.validate import validate_inputs as validate_allocation_tables
from opvang_opt.errors import DataError, Problem
from opvang_opt.io.graphs import StreetGraph, read_street_graph
from opvang_opt.io.layers import (
    WORKING_CRS,
    LayerReport,
    check_columns_and_ids,
    read_layer,
    read_table,
)
from opvang_opt.io.planning import (
    PlanningTables,
    collect_planning_tables,
    longlist_problems,
    planning_table_warnings,
)
from opvang_opt.io.region_pass import (
    check_planning_points,
    check_region,
    stated_municipality_warnings,
)
from opvang_opt.io.services import ServicesTables, check_services_raw, read_services_raw
from opvang_opt.schema import AllocationInputs as AllocationFiles
from opvang_opt.schema import (
    Attribute,
    AvailableByRule,
    CloserThanRule,
    CountWithin,
    DistanceToPoi,
    LayerSource,
    LimitRule,
    OverlapShare,
    ReceptionLoad,
    Scenario,
    did_you_mean_hint,
)
from opvang_opt.schema.allocation import DATE_COLUMNS
from opvang_opt.schema.names import id_key
from opvang_opt.siting.capacity import capacity_problems
from opvang_opt.siting.criteria import category_text, numeric_column
from opvang_opt.siting.exclusions import parse_dates
from opvang_opt.texts import Message, render

if TYPE_CHECKING:
    from opvang_opt.siting import SitingInputs

__all__ = [
    "AllocationData",
    "Inputs",
    "inputs_from_frames",
    "load_inputs",
    "required_columns",
]


@dataclass(frozen=True, eq=False)
class AllocationData:
    """The allocation's tables, validated before any stage runs.

    Attributes
    ----------
    tables
        The validated, normalised tables (see
        :func:`opvang_opt.allocation.validate.validate_inputs`). ``tables.units`` holds
        the unit stock (no rows with ``units_from: shortlist``); ``tables.sites`` holds
        the stock's sites and, when units are built on the shortlist, every longlist
        site as a candidate (so preferences, pins and rules may name them).
    candidate_sites
        The ids in ``tables.sites`` that are longlist candidates, not stock sites.
    sources
        The file of each table, for messages.
    """

    tables: Tables
    candidate_sites: frozenset[str] = frozenset()
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Inputs:
    """Every layer and table a run needs, read and validated, in RD New.

    Build it with :func:`load_inputs` (from the scenario's files) or
    :func:`inputs_from_frames` (from frames in memory).
    """

    layers: dict[str, gpd.GeoDataFrame]
    """Every scenario layer by name (RD New)."""
    reports: tuple[LayerReport, ...]
    """What was read: file, SHA-256, features, CRS, repairs (for run.json)."""
    siting: SitingInputs
    """The siting stage's view of the layers."""
    allocation: dict[str, pd.DataFrame] = field(default_factory=dict)
    """The allocation's tables as read: households, units, sites, pois (when configured)."""
    allocation_data: AllocationData | None = None
    """The allocation's validated tables (when the scenario has an ``allocation:`` section)."""
    services: ServicesTables | None = None
    """The services tables: providers and candidate facilities (with a ``services:``
    section)."""
    seconds: float = 0.0
    """How long reading and checking took."""
    warnings: tuple[str | Message, ...] = ()
    """What the checks accepted but a reader must know (e.g. sites outside the region when
    the scenario allows them); written to run.json and the report."""
    planning: PlanningTables | None = None
    """The planning tables: tasks per period, stock, candidate data (with a ``planning:``
    section; read from files by :func:`load_inputs` only)."""


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
    alloc = scenario.allocation
    if alloc is not None and alloc.inputs is not None and alloc.inputs.pois is None:
        layer = alloc.inputs.pois_layer
        if layer in need:
            need[layer].append(alloc.inputs.pois_category_column)
    return {k: list(dict.fromkeys(v)) for k, v in need.items()}


def load_inputs(scenario: Scenario) -> Inputs:
    """Read and check every input of a scenario: layers, graphs and tables, in one pass.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`opvang_opt.schema.load_scenario`); its paths
        are absolute.

    Returns
    -------
    Inputs

    Raises
    ------
    DataError
        Listing every problem of every input (file, row or id, field, what is wrong).

    Examples
    --------
    >>> from opvang_opt.schema import load_scenario
    >>> from opvang_opt.io import load_inputs
    >>> inputs = load_inputs(load_scenario("scenarios/demo.yaml"))  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    cols = required_columns(scenario)
    layers: dict[str, gpd.GeoDataFrame] = {}
    reports: list[LayerReport] = []
    problems: list[Problem] = []
    absent: dict[str, tuple[int, list[str]]] = {}  # a missing file: its problem, its layers
    for name, source in scenario.layers.items():
        where = str(source.path)
        if where in absent:  # one file of several layers (a GeoPackage) is missing once
            absent[where][1].append(name)
            continue
        try:
            gdf, rep = read_layer(
                source, name, cols[name], allow_empty=name != scenario.siting.longlist
            )
        except DataError as exc:
            if source.path is not None and not Path(where).exists() and len(exc.problems) == 1:
                absent[where] = (len(problems), [name])
            problems += exc.problems or [Problem(exc.summary)]
            continue
        layers[name] = gdf
        reports.append(rep)
    for at, names in absent.values():
        if len(names) > 1:
            layers_named = ", ".join(f"'{n}'" for n in names)
            where_all = Message("problem.where.layers", {"names": layers_named})
            problems[at] = replace(problems[at], where=where_all)
    graphs: dict[str, StreetGraph] = {}
    for name, gsrc in scenario.graphs.items():
        try:
            graphs[name] = read_street_graph(gsrc, name)
        except DataError as exc:
            problems += exc.problems or [Problem(exc.summary)]
    tables = _read_allocation_tables(scenario, reports, problems)
    if scenario.services is not None:
        tables.update(read_services_raw(scenario.services, reports, problems))
    planning = None
    if scenario.planning is not None:
        planning, found = collect_planning_tables(
            scenario.planning,
            [m.code for m in scenario.region.municipalities],
            {m.code: m.name for m in scenario.region.municipalities},
        )
        problems += found
        reports += planning.reports
    return _checked(scenario, layers, graphs, tables, reports, problems, t0, planning)


def inputs_from_frames(
    scenario: Scenario,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    graphs: Mapping[str, StreetGraph] | None = None,
) -> Inputs:
    """Check frames already in memory against a scenario, as :func:`load_inputs` checks files.

    Nothing is read from disk: use this in a notebook to run
    :func:`opvang_opt.pipeline.run` on layers built or edited in memory.

    Parameters
    ----------
    scenario
        The scenario the frames belong to (its layer names, columns and rules).
    layers
        A GeoDataFrame per scenario layer, with a CRS (reprojected to RD New here).
    tables
        The allocation's tables by name (``households``, ``units``, ``sites``, and
        ``pois`` when they do not come from a scenario layer), when the scenario has an
        ``allocation:`` section; ``providers`` and ``facilities`` with a ``services:``
        section.
    graphs
        Street graphs by name, when criteria use ``network:``.

    Returns
    -------
    Inputs

    Raises
    ------
    DataError
        Listing every problem of every frame.

    Examples
    --------
    >>> from opvang_opt.io import inputs_from_frames
    >>> inputs = inputs_from_frames(scenario, {"longlist": sites, "pois": pois})  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    cols = required_columns(scenario)
    problems: list[Problem] = []
    out: dict[str, gpd.GeoDataFrame] = {}
    reports: list[LayerReport] = []
    for name, source in scenario.layers.items():
        label = f"layer '{name}' (in memory)"
        gdf = layers.get(name)
        if gdf is None:
            problems.append(Problem(Message("problem.inputs.no_frame"), source=label))
            continue
        found = check_columns_and_ids(gdf, source, label, cols[name])
        if gdf.crs is None:
            found.append(Problem(Message("problem.inputs.frame_no_crs"), label))
        if len(gdf) == 0 and name == scenario.siting.longlist:
            found.append(
                Problem(Message("problem.inputs.no_features", {"layer": name}), source=label)
            )
        geoms = gdf.geometry.values
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms) | ~shapely.is_valid(geoms)
        for i in bad.nonzero()[0][:25]:
            found.append(
                Problem(
                    Message("problem.inputs.bad_geometry"),
                    label,
                    Message("problem.where.row", {"row": int(i) + 1}),
                    "geometry",
                )
            )
        problems += found
        if found:
            continue
        crs = gdf.crs.to_string()
        out[name] = gdf.to_crs(WORKING_CRS) if crs != WORKING_CRS else gdf.copy()
        reports.append(LayerReport(name, label, "", len(gdf), crs))
    raw = {k: v.copy() for k, v in (tables or {}).items()}
    return _checked(scenario, out, dict(graphs or {}), raw, reports, problems, t0)


def _checked(
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    graphs: dict[str, StreetGraph],
    tables: dict[str, pd.DataFrame],
    reports: list[LayerReport],
    problems: list[Problem],
    t0: float,
    planning: PlanningTables | None = None,
) -> Inputs:
    """The checks across inputs, then one DataError with every problem, or the Inputs."""
    s = scenario.siting
    found, poi_notes = _poi_points(scenario, layers, tables)
    problems += found
    problems += _check_categories(scenario, layers)
    problems += _check_zone_column(scenario, layers)
    problems += _check_overlap_layers(scenario, layers)
    found, without_areas = _check_area_layers(scenario, layers)
    problems += found
    problems += _check_area_overlaps(scenario, layers, without_areas)
    if s.longlist in layers:
        problems += _check_longlist_values(scenario, layers[s.longlist])
        if scenario.planning is not None:
            problems += longlist_problems(
                scenario.planning, layers[s.longlist], str(scenario.layers[s.longlist].path),
                len(scenario.region.municipalities),
                candidates=planning.candidates if planning is not None else None,
                id_column=scenario.layers[s.longlist].id_column or "site_id",
                stock=planning.stock if planning is not None else None,
                located=scenario.region.boundaries is not None,
            )  # fmt: skip
    svc_raw = {k: tables.pop(k) for k in SERVICES_TABLES if k in tables}
    # a region or zone layer without areas is named once, not as every site outside it
    with_areas = {k: v for k, v in layers.items() if k not in without_areas}
    region = check_region(scenario, with_areas, tables)
    problems += region.problems
    warnings: list[str | Message] = [*poi_notes, *_unknown_counts(scenario, layers)]
    warnings += region.warnings
    if scenario.allocation is not None and "rolling" in scenario.allocation.model_fields_set:
        # accepted for run_rolling (Python), but a CLI run must not seem to use them
        warnings.append(Message("problem.inputs.warn.rolling_unused"))
    if planning is not None:
        found, noted = check_planning_points(
            planning, region.region, scenario.region.table_margin_m
        )
        problems += found
        warnings += noted
        if scenario.planning is not None:
            warnings += planning_table_warnings(scenario.planning, planning)
    alloc = _allocation_data(scenario, layers, tables, problems)
    services = None
    if scenario.services is not None:
        services = check_services_raw(scenario.services, svc_raw, problems, tuple(reports),
                                      region.region, scenario.region.table_margin_m)  # fmt: skip
        if services is not None:
            warnings += _provider_areas(scenario, services, svc_raw, region.region)
    problems = _one_per_cell(problems)
    if problems:
        raise DataError(Message("problem.inputs.summary", {"count": len(problems)}), problems)
    # the siting stage (and its solvers) is imported once the inputs are known to be good
    from opvang_opt.siting import SitingInputs

    ll = scenario.layers[s.longlist]
    repaired = next((r.repaired for r in reports if r.name == s.longlist), ())
    siting = SitingInputs(
        longlist=layers[s.longlist],
        layers=layers,
        id_column=ll.id_column or "site_id",
        source=str(ll.path),
        graphs=graphs,
        areas=region.areas,
        repaired=frozenset(repaired),
        services_rule=_services_rule(scenario, services),
    )
    seconds = time.perf_counter() - t0
    return Inputs(
        layers,
        tuple(reports),
        siting,
        tables,
        alloc,
        services,
        seconds,
        tuple(warnings),
        planning,
    )


def _provider_areas(
    scenario: Scenario, services: ServicesTables, raw: dict[str, pd.DataFrame], region: Any
) -> list[str | Message]:
    """A provider or facility whose point lies in one of the region's municipalities while
    its ``area`` (or ``municipality_code``) names another: one warning per row, as for the
    unit sites and the planning tables (the area was read and never compared)."""
    config = scenario.services
    if config is None or region is None:
        return []
    out: list[str | Message] = []
    for name, table, spec in (
        ("providers", services.providers, config.providers),
        ("facilities", services.facilities, config.facilities),
    ):
        df = raw.get(name)
        if table is None or spec is None or df is None:
            continue
        column = next((c for c in ("area", "municipality_code") if c in df.columns), None)
        if column is None:
            continue
        stated = table.rename(columns={"area": column})
        out += stated_municipality_warnings(stated, str(spec.path), "id", region, column)
    return out


def _one_per_cell(problems: list[Problem]) -> list[Problem]:
    """The problems with one message per cell (file, record and field): a cell that two
    checks read (a longlist date or cost the siting and the planning both use) is
    reported once, by the first check."""
    seen: set[tuple[str | None, str | None, str | None]] = set()
    out = []
    for p in dict.fromkeys(problems):
        # the record as it reads (a message or a text): two checks may name it either way
        key = (p.source, None if p.where is None else str(render(p.where, "en")), p.field)
        if p.where is not None and p.field is not None:
            if key in seen:
                continue
            seen.add(key)
        out.append(p)
    return out


SERVICES_TABLES = ("providers", "facilities")
"""The services' tables (by name in ``tables``)."""


def _services_rule(scenario: Scenario, tables: ServicesTables | None) -> Any:
    """The shortlist's services rule builder, when the scenario turns the rule on."""
    cfg = scenario.services
    if cfg is None or tables is None or not cfg.siting_rule.enabled:
        return None
    from opvang_opt.services.siting_rule import shortlist_rule

    return shortlist_rule(cfg, tables)


# --------------------------------------------------------------------------- allocation tables


def _read_allocation_tables(
    scenario: Scenario, reports: list[LayerReport], problems: list[Problem]
) -> dict[str, pd.DataFrame]:
    """Read the allocation's households, unit stock, unit sites and points of interest."""
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
            layer = LayerSource(
                path=path,
                id_column=id_col,
                separator=src.separator,
                decimal=src.decimal,
                encoding=src.encoding,
                date_formats={c: f for c, f in src.date_formats.items()
                              if DATE_COLUMNS[c] == name},
            )  # fmt: skip
            df, rep = read_table(layer, name)
        except DataError as exc:
            problems += exc.problems or [Problem(exc.summary)]
            if not exc.problems or not all(_is_duplicate_id(p) for p in exc.problems):
                continue
            # only ids written twice: the rows are still checked, so every other problem
            # of the table is listed now too (the duplicates are named once, here)
            try:
                df, rep = read_table(layer.model_copy(update={"id_column": None}), name)
            except DataError:
                continue
        tables[name] = df
        reports.append(rep)
    if src.pois is not None:
        try:
            pois, rep = read_layer(
                LayerSource(path=src.pois, layer=src.pois_layer), "pois",
                [src.pois_category_column], allow_empty=True,
            )  # fmt: skip
        except DataError as exc:
            problems += exc.problems or [Problem(exc.summary)]
        else:
            reports.append(rep)
            tables["pois"] = pois
    return tables


def _is_duplicate_id(problem: Problem) -> bool:
    return isinstance(problem.message, Message) and problem.message.code in (
        "problem.layer.duplicate_id",
        "problem.allocation.duplicate_id",
        "problem.ids.near_duplicates",
    )


def _allocation_data(
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame],
    problems: list[Problem],
) -> AllocationData | None:
    """Validate the allocation tables (all problems appended to ``problems``)."""
    config = scenario.allocation
    if config is None:
        return None
    src = config.inputs
    if src is None:
        problems.append(
            Problem(Message("problem.inputs.no_households"), source="scenario",
                    field="allocation.inputs.households")
        )  # fmt: skip
        return None
    sources = {k: str(getattr(src, k)) for k in ("households", "units", "sites")
               if getattr(src, k) is not None}  # fmt: skip
    # a table that could not be read has its problems listed already
    if "households" not in tables and "households" in sources:
        return None
    stock = config.units_from in ("stock", "both")
    if stock and ("units" not in tables or "sites" not in tables):
        problems += _households_alone(config, tables, sources)
        return None

    pois, poi_id = _pois(src, scenario, layers, tables, sources)
    schools, gps = (None, None)
    if pois is not None:
        schools, gps = schools_and_gps(pois, poi_id, src.pois_category_column)
    units = tables["units"] if stock else pd.DataFrame(columns=list(UNIT_REQUIRED))
    sites = tables["sites"] if stock else pd.DataFrame(columns=["site_id", "x", "y"])
    candidates = frozenset[str]()
    if config.units_from in ("shortlist", "both"):
        extra = _candidate_sites(scenario, layers)
        candidates = frozenset(extra["site_id"])
        sites = pd.concat([sites, extra], ignore_index=True)
    try:
        validated = validate_allocation_tables(
            tables.get("households", pd.DataFrame(columns=list(HOUSEHOLD_REQUIRED))),
            units, sites, schools, gps, config, sources=sources,
        )  # fmt: skip
    except DataError as exc:
        reported = {p.source for p in problems if _is_duplicate_id(p)}  # read_table's
        problems += [p for p in exc.problems if not (_is_duplicate_id(p) and p.source in reported)]
        return None
    return AllocationData(validated, candidates, sources)


REFERENCE_FIELDS = frozenset({"current_unit", "preferred_sites", "refused_sites"})
"""Household fields that point into the unit stock or its sites."""


def _households_alone(
    config: Any, tables: dict[str, pd.DataFrame], sources: dict[str, str]
) -> list[Problem]:
    """The households' own problems when the unit stock or its sites could not be read:
    every problem of every input at once, without references into a table not read."""
    if "households" not in tables:
        return []
    try:
        validate_allocation_tables(
            tables["households"], pd.DataFrame(columns=list(UNIT_REQUIRED)),
            pd.DataFrame(columns=["site_id", "x", "y"]), None, None,
            config.model_copy(update={"pins": [], "bans": [], "mix_rules": []}),
            sources=sources,
        )  # fmt: skip
    except DataError as exc:
        own = sources.get("households")
        return [p for p in exc.problems if p.source == own and p.field not in REFERENCE_FIELDS]
    return []


def _pois(
    src: AllocationFiles,
    scenario: Scenario,
    layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame],
    sources: dict[str, str],
) -> tuple[gpd.GeoDataFrame | None, str]:
    """The points of interest the allocation uses (schools, GPs) and their id column."""
    poi_id = src.pois_id_column or "poi_id"
    if src.pois is not None:
        sources["schools"] = sources["gps"] = str(src.pois)
        return tables.get("pois"), poi_id
    if src.pois_layer is None or src.pois_layer not in layers:
        return None, poi_id
    layer = scenario.layers[src.pois_layer]
    sources["schools"] = sources["gps"] = str(layer.path)
    if not src.pois_id_column and layer.id_column:
        poi_id = layer.id_column
    return layers[src.pois_layer], poi_id


def _candidate_sites(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Every longlist site as a place the allocation may build units on (if shortlisted)."""
    id_col = scenario.layers[scenario.siting.longlist].id_column or "site_id"
    longlist = layers.get(scenario.siting.longlist)
    if longlist is None or id_col not in longlist.columns:
        ids = _longlist_ids(scenario.layers[scenario.siting.longlist], id_col)
        return pd.DataFrame({"site_id": ids, "x": 0.0, "y": 0.0})
    points = shapely.point_on_surface(longlist.geometry.values)
    frame = pd.DataFrame(
        {
            "site_id": longlist[id_col].astype(str).to_numpy(),
            "x": shapely.get_x(points),
            "y": shapely.get_y(points),
        }
    )
    if "name" in longlist.columns:
        frame["name"] = longlist["name"].astype(str).to_numpy()
    return frame


def _longlist_ids(source: LayerSource, id_col: str) -> list[str]:
    """The longlist's ids when the longlist itself has problems (best effort, for messages).

    Only used to check the allocation's references to longlist sites while the longlist's
    own problems are reported; nothing runs on it.
    """
    try:
        path = Path(str(source.path))
        if path.suffix.lower() == ".csv":
            ids = pd.read_csv(path, usecols=[id_col], dtype=str)[id_col]
        else:
            import pyogrio

            ids = pyogrio.read_dataframe(
                path, layer=source.layer, columns=[id_col], read_geometry=False
            )[id_col]
        # as the allocation reads ids (stripped, blanks left out): the longlist's own
        # problems with its ids (also ids that differ only by case or leading zeros) are
        # listed once, under the longlist
        first: dict[str, str] = {}
        for ident in sorted(set(ids.dropna().astype(str).str.strip()) - {""}):
            first.setdefault(id_key(ident), ident)
        return sorted(first.values())
    except Exception:  # the longlist's own problems are listed already
        return []


# --------------------------------------------------------------------------- longlist checks


def _check_longlist_values(scenario: Scenario, sites: gpd.GeoDataFrame) -> list[Problem]:
    """Every longlist value the scenario uses must be readable: numbers, dates, capacities."""
    s = scenario.siting
    source = scenario.layers[s.longlist]
    id_col = source.id_column or "site_id"
    checks: list[tuple[str, Callable[..., Any]]] = []
    for c in s.criteria:
        if isinstance(c, Attribute):
            checks.append((c.column, _yes_no if c.unit == "yes_no" else numeric_column))
    for r in s.exclusions:
        if isinstance(r, LimitRule) and r.column:
            checks.append((r.column, numeric_column))
        if isinstance(r, AvailableByRule):
            checks.append((r.column, parse_dates))
    if s.shortlist.cost_column:
        checks.append((s.shortlist.cost_column, _costs))
    if s.shortlist.available_by:
        checks.append((s.shortlist.available_column, parse_dates))
    problems = capacity_problems(sites, s.capacity, id_col, str(source.path))
    known = set(sites[id_col].astype(str)) if id_col in sites.columns else set()
    for key in ("must_include", "must_exclude"):
        for site in getattr(s.shortlist, key):
            if site not in known:
                problems.append(
                    Problem(
                        Message("problem.inputs.not_in_longlist",
                                {"site": site, "hint": did_you_mean_hint(site, sorted(known))}),
                        source=str(source.path), field=f"siting.shortlist.{key}",
                    )
                )  # fmt: skip
    for column, check in dict(checks).items():
        try:
            check(sites, column, id_col, str(source.path))
        except DataError as exc:
            problems += exc.problems
    return problems


MAX_COST_EUR = 1e11
"""The largest cost of one site (a hundred billion euros): beyond it a cost is a typing
error or a wrong unit, and sums in whole cents over many sites would leave 64 bits."""


def _costs(sites: gpd.GeoDataFrame, column: str, id_col: str, source: str) -> Any:
    """The shortlist's cost column: numbers (see ``numeric_column``) of 0 or more (a
    negative cost would let a site pay for the others under the budget)."""
    values = numeric_column(sites, column, id_col, source)
    # more than MAX_COST_EUR is a typing error or a wrong unit (1e300 stopped the run with an
    # internal error where the costs become whole cents)
    negative = np.flatnonzero((values < 0) | (values > MAX_COST_EUR))
    if len(negative):
        problems = [
            Problem(
                Message(
                    "problem.inputs.negative_cost"
                    if values[i] < 0
                    else "problem.inputs.cost_too_large",
                    {"value": f"{values[i]:g}", "limit": f"{MAX_COST_EUR:g}"},
                ),
                source,
                Message(
                    "problem.table.where.id_row",
                    {"id": str(sites[id_col].iloc[i]), "row": int(i) + 1},
                ),
                column,
            )
            for i in negative
        ]
        raise DataError(
            Message("problem.inputs.column_summary", {"column": column, "count": len(problems)}),
            problems,
        )
    return values


def _yes_no(sites: gpd.GeoDataFrame, column: str, id_col: str, source: str) -> Any:
    """A column the scenario reads as yes/no (``unit: yes_no``): numbers (see
    ``numeric_column``) that are 0 or 1; a 2 or 0.5 was scored as if it were a yes."""
    values = numeric_column(sites, column, id_col, source)
    bad = np.flatnonzero(~np.isin(values, (0, 1)))
    if len(bad):
        problems = [
            Problem(
                Message("problem.inputs.not_yes_no", {"value": f"{values[i]:g}"}),
                source,
                Message(
                    "problem.table.where.id_row",
                    {"id": str(sites[id_col].iloc[i]), "row": int(i) + 1},
                ),
                column,
            )
            for i in bad
        ]
        raise DataError(
            Message("problem.inputs.column_summary", {"column": column, "count": len(problems)}),
            problems,
        )
    return values


def _check_overlap_layers(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """A share of the plot's area in a layer needs areas: a layer of points or lines (a
    nature layer saved as centroids) gives a share of 0 for every site, silently."""
    problems = []
    for item in scenario.siting.criteria:
        if not isinstance(item, OverlapShare) or item.layer not in layers:
            continue
        layer = layers[item.layer]
        kinds = set(layer.geometry.geom_type.dropna())
        if len(layer) and not kinds & {"Polygon", "MultiPolygon"}:
            problems.append(
                Problem(
                    Message(
                        "problem.inputs.overlap_needs_areas",
                        {"name": item.name, "layer": item.layer,
                         "kinds": ", ".join(sorted(kinds))},
                    ),
                    source=str(scenario.layers[item.layer].path),
                    where=Message("problem.where.layer", {"name": item.layer}),
                    field="geometry",
                )
            )  # fmt: skip
    return problems


def _area_roles(scenario: Scenario) -> dict[str, list[str]]:
    """The layers whose features are areas a site lies in, with the settings that use
    them: the region's municipalities, wijken and buurten, the zones of the shortlist and
    the buurten of a reception-load criterion."""
    roles: dict[str, list[str]] = {}
    reg = scenario.region
    for key in ("boundaries", "districts", "neighbourhoods"):
        name = getattr(reg, key)
        if name is not None:
            roles.setdefault(name, []).append(f"region.{key}")
    zone = scenario.siting.shortlist.zone_layer
    if zone is not None:
        roles.setdefault(zone, []).append("siting.shortlist.zone_layer")
    for item in scenario.siting.criteria:
        if isinstance(item, ReceptionLoad):
            roles.setdefault(item.layer, []).append(f"siting.criteria[{item.name}].layer")
    return roles


def _check_area_layers(
    scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]
) -> tuple[list[Problem], set[str]]:
    """A layer of areas (municipalities, wijken, buurten, zones) saved as points or lines
    (centroids, outlines), or without any feature: no site lies inside a point or a line,
    so every site seemed outside the region, or silently in no wijk. One problem per
    layer, naming every setting that uses it; returns the problems and the names of those
    layers."""
    problems: list[Problem] = []
    bad: set[str] = set()
    for name, fields in _area_roles(scenario).items():
        if name not in layers:
            continue
        if not len(layers[name]):  # every site in no wijk: the per-zone maximum held none
            bad.add(name)
            problems.append(
                Problem(
                    Message("problem.inputs.area_layer_empty",
                            {"layer": name, "fields": ", ".join(fields)}),
                    source=str(scenario.layers[name].path),
                    where=Message("problem.where.layer", {"name": name}),
                )
            )  # fmt: skip
            continue
        kinds = set(layers[name].geometry.geom_type.dropna())
        if kinds & {"Polygon", "MultiPolygon"}:
            continue
        bad.add(name)
        problems.append(
            Problem(
                Message(
                    "problem.inputs.layer_needs_areas",
                    {"layer": name, "fields": ", ".join(fields),
                     "kinds": ", ".join(sorted(kinds))},
                ),
                source=str(scenario.layers[name].path),
                where=Message("problem.where.layer", {"name": name}),
                field="geometry",
            )
        )  # fmt: skip
    return problems, bad


AREA_OVERLAP_MIN_SHARE = 0.01
"""Two areas of one layer (wijken, buurten) overlapping by less than this share of the
smaller one are neighbours whose shared border was digitised twice (a sliver); more, and a
site in the overlap lies in both."""


def _check_area_overlaps(
    scenario: Scenario, layers: dict[str, gpd.GeoDataFrame], skip: set[str]
) -> list[Problem]:
    """Areas of one layer of areas (municipalities, wijken, buurten, zones) that overlap:
    a site in the overlap counted in both (two wijken of the per-zone maximum, two buurten
    of the reception load). One problem per pair (at most 25 per layer), naming both ids
    and the area they share; slivers along a shared border (below 1 m², or below
    :data:`AREA_OVERLAP_MIN_SHARE` of the smaller area) are borders, not overlaps."""
    from opvang_opt.siting.location import overlapping_pairs

    problems: list[Problem] = []
    for name, fields in _area_roles(scenario).items():
        if name not in layers or name in skip or len(layers[name]) < 2:
            continue
        layer = layers[name]
        id_col = scenario.layers[name].id_column
        geoms = layer.geometry.to_numpy()
        if id_col and id_col in layer.columns:
            ids = layer[id_col].astype(str).to_numpy()
        else:
            ids = np.array([str(i + 1) for i in range(len(layer))])
        pairs = overlapping_pairs(geoms, ids)
        if not len(pairs):
            continue
        i, j = pairs["i"].to_numpy(int), pairs["j"].to_numpy(int)
        smaller = np.minimum(shapely.area(geoms[i]), shapely.area(geoms[j]))
        shared = pairs["overlap_exact_m2"].to_numpy(float)
        big = np.flatnonzero(shared >= AREA_OVERLAP_MIN_SHARE * smaller)
        for k in big[:25]:
            problems.append(
                Problem(
                    Message(
                        "problem.inputs.areas_overlap",
                        {"layer": name, "fields": ", ".join(fields), "a": ids[i[k]],
                         "b": ids[j[k]], "m2": float(shared[k]),
                         "share": float(shared[k] / smaller[k])},
                    ),
                    source=str(scenario.layers[name].path),
                    where=Message("problem.where.layer", {"name": name}),
                    field="geometry",
                )
            )  # fmt: skip
        if len(big) > 25:
            problems.append(
                Problem(
                    Message("problem.inputs.areas_overlap_more", {"n": len(big) - 25}),
                    source=str(scenario.layers[name].path),
                    where=Message("problem.where.layer", {"name": name}),
                    field="geometry",
                )
            )
    return problems


def _poi_roles(scenario: Scenario) -> dict[str, list[str]]:
    """The layers of points of interest (stations, schools, GPs), with the settings that
    use them: a ``distance_to_poi`` or ``count_within`` criterion, the allocation's
    schools and GPs."""
    roles: dict[str, list[str]] = {}
    for item in scenario.siting.criteria:
        if isinstance(item, DistanceToPoi | CountWithin):
            roles.setdefault(item.layer, []).append(f"siting.criteria[{item.name}].layer")
    alloc = scenario.allocation
    src = alloc.inputs if alloc is not None else None
    if src is not None and src.pois is None and src.pois_layer is not None:
        roles.setdefault(src.pois_layer, []).append("allocation.inputs.pois_layer")
    return roles


def _poi_points(
    scenario: Scenario, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame]
) -> tuple[list[Problem], list[str | Message]]:
    """Points of interest given as areas or lines.

    A school or a GP drawn as its building or grounds (a polygon, as OSM and BGT give
    them) is measured from a point inside it, as the allocation measures every site and
    point of interest (``point_on_surface``), and said once per layer as a warning: the
    siting measured to the polygon's edge while the allocation measured to its inner
    point, without a word. A line or a mixed collection is no place: one problem per
    feature (at most 25 per layer), naming the layer and the feature, as a site given as
    a line is refused. The scenario's layers of points of interest and the allocation's
    own schools-and-GPs file are checked; polygons are replaced in ``layers`` and
    ``tables``. Returns the problems and the warnings."""
    found: list[tuple[str, gpd.GeoDataFrame, str | None, str, list[str], dict[str, Any]]] = []
    for name, fields in _poi_roles(scenario).items():
        if name in layers:
            source = scenario.layers[name]
            found.append((name, layers[name], source.id_column, str(source.path), fields, layers))
    alloc = scenario.allocation
    own = tables.get("pois")
    if alloc is not None and alloc.inputs is not None and isinstance(own, gpd.GeoDataFrame):
        src = alloc.inputs
        found.append(("pois", own, src.pois_id_column or "poi_id", str(src.pois),
                      ["allocation.inputs.pois"], tables))  # fmt: skip
    problems: list[Problem] = []
    warnings: list[str | Message] = []
    for name, layer, id_col, label, fields, store in found:
        if not len(layer):
            continue
        geoms = layer.geometry.to_numpy()
        kind = shapely.get_type_id(geoms)
        areas = np.isin(kind, (3, 6))  # Polygon, MultiPolygon
        other = np.isin(kind, (1, 2, 5, 7))  # (Multi)LineString, LinearRing, collection
        if not (areas.any() or other.any()):
            continue
        if id_col and id_col in layer.columns:
            ids = layer[id_col].astype(str).to_numpy()
        else:
            ids = np.array([str(i + 1) for i in range(len(layer))])
        for i in np.flatnonzero(other)[:25]:
            problems.append(
                Problem(
                    Message("problem.inputs.poi_not_a_place",
                            {"layer": name, "fields": ", ".join(fields),
                             "kind": str(layer.geom_type.iloc[i])}),
                    label, Message("problem.table.where.id_row", {"id": ids[i], "row": int(i) + 1}),
                    "geometry",
                )
            )  # fmt: skip
        if areas.any() and not other.any():
            at = np.flatnonzero(areas)
            fixed = geoms.copy()
            fixed[at] = shapely.point_on_surface(geoms[at])
            store[name] = layer.set_geometry(fixed, crs=layer.crs)
            listed = ", ".join(ids[at[:5]]) + (", ..." if len(at) > 5 else "")
            warnings.append(
                Message("problem.inputs.warn.poi_areas",
                        {"file": label, "layer": name, "n": len(at), "total": len(layer),
                         "ids": listed})
            )  # fmt: skip
    return problems, warnings


def _unknown_counts(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> list[Message]:
    """The buurten of a reception-load criterion whose places or inhabitants are negative
    (CBS writes -99995, -99997 for a secret or unknown value): counted as unknown, as an
    empty cell is (:func:`~opvang_opt.siting.criteria.reception_load`), and said once per
    column."""
    out: list[Message] = []
    for item in scenario.siting.criteria:
        if not isinstance(item, ReceptionLoad) or item.layer not in layers:
            continue
        layer = layers[item.layer]
        id_col = scenario.layers[item.layer].id_column
        for column in (item.places_column, item.inhabitants_column):
            if column not in layer.columns:
                continue  # its problem is listed already
            values = pd.to_numeric(layer[column], errors="coerce")
            at = np.flatnonzero((values < 0).to_numpy())
            if not len(at):
                continue
            ids = (
                layer[id_col].astype(str).to_numpy()
                if id_col and id_col in layer.columns
                else np.array([str(i + 1) for i in range(len(layer))])
            )
            listed = ", ".join(f"{ids[i]} ({values.iloc[i]:g})" for i in at[:5])
            out.append(
                Message("problem.inputs.warn.negative_counts",
                        {"file": str(scenario.layers[item.layer].path), "layer": item.layer,
                         "column": column, "n": len(at),
                         "ids": listed + (", ..." if len(at) > 5 else "")})
            )  # fmt: skip
    return out


def _check_zone_column(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """The per-zone maximum needs a zone for every area of its layer: an empty cell of the
    zone column is no zone (the real CBS wijken have no name outside Diemen; as the zone
    column their names stopped the shortlist with an internal error)."""
    sl = scenario.siting.shortlist
    name, column = sl.zone_layer, sl.zone_column
    if name is None or column is None or name not in layers or column not in layers[name]:
        return []  # an unreadable layer or a missing column has its problem listed already
    layer = layers[name]
    text = layer[column].astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy()
    if not empty.any():
        return []
    id_col = scenario.layers[name].id_column
    idx = np.flatnonzero(empty)
    if id_col and id_col in layer.columns:
        listed = [str(v) for v in layer[id_col].iloc[idx[:10]]]
    else:
        listed = [str(i + 1) for i in idx[:10]]
    ids = ", ".join(listed) + (", ..." if len(idx) > 10 else "")
    full = [
        str(c)
        for c in layer.columns
        if c != layer.geometry.name
        and layer[c].notna().all()
        and not (layer[c].astype("string").str.strip() == "").any()
    ]
    hint = Message("problem.inputs.zone_hint", {"columns": ", ".join(full[:3])}) if full else ""
    return [
        Problem(
            Message(
                "problem.inputs.zone_empty",
                {"n": len(idx), "total": len(layer), "layer": name, "ids": ids, "hint": hint},
            ),
            source=str(scenario.layers[name].path),
            field=column,
        )
    ]


def _check_categories(scenario: Scenario, layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """Every category a criterion or rule names must occur in its layer."""
    problems = []
    items = [*scenario.siting.criteria, *scenario.siting.exclusions]
    for item in items:
        if not isinstance(item, DistanceToPoi | CountWithin | CloserThanRule):
            continue
        category = item.category
        if not category or item.layer not in layers:
            continue  # a layer that could not be read has its problems listed already
        layer = layers[item.layer]
        present = set(category_text(layer[item.category_column]).dropna())
        if category not in present:
            problems.append(
                Problem(
                    Message(
                        "problem.inputs.unknown_category",
                        {
                            "name": item.name,
                            "category": category,
                            "layer": item.layer,
                            "present": ", ".join(sorted(present)) or Message("common.none"),
                        },
                    ),
                    source=str(scenario.layers[item.layer].path),
                    field=item.category_column,
                )
            )
    return problems

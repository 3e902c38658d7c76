"""The allocation stage of the pipeline: tables in, an allocation and its baseline out.

Pure: the input pass (:func:`opvang_opt.io.load_inputs`) reads and validates the tables
before any stage runs; this module adds the units of the shortlisted sites when asked,
allocates and compares with the baseline. :func:`schools_and_gps` (used by the input pass)
turns the points of interest into schools and GPs.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.allocation.result import AllocationResult, Comparison
from opvang_opt.allocation.validate import HOUSEHOLD_REQUIRED, Tables, validate_inputs
from opvang_opt.errors import DataError, InternalError
from opvang_opt.schema import AllocationConfig


@dataclass(frozen=True, eq=False)
class AllocationRun:
    """What the allocation stage produced."""

    result: AllocationResult
    """The optimised allocation (checked by the independent checker)."""
    comparison: Comparison
    """The optimiser against first-come-first-served on the same input."""
    units_from_shortlist: int = 0
    """How many units were created on shortlisted sites."""

    @property
    def by_site(self) -> pd.DataFrame:
        """Per site: units, occupancy and persons per group (aggregates only)."""
        return self.result.by_site

    def tables(self) -> dict[str, pd.DataFrame]:
        """The analyst tables keyed by file name (household level: pseudonymous ids only)."""
        comp = self.comparison.components.reset_index()
        return {
            "allocation.csv": self.result.assignments,
            "allocation_by_site.csv": self.result.by_site,
            "allocation_by_school.csv": self.result.by_school,
            "unplaced.csv": self.result.unplaced,
            "allocation_vs_baseline.csv": comp,
        }

    def summary(self) -> dict[str, object]:
        """A JSON-ready summary for run.json: the solve, and the baseline comparison."""
        c = self.comparison
        return {
            **self.result.summary(),
            "units_from_shortlist": self.units_from_shortlist,
            "baseline": {
                "placed": c.baseline_placed,
                "violations": c.baseline_violations,
                "violations_by_rule": dict(c.baseline_violations_by_rule),
                "optimiser_placed": c.optimiser_placed,
                "optimiser_violations": c.optimiser_violations,
            },
        }


def shortlist_units(
    sites: gpd.GeoDataFrame, id_column: str, config: AllocationConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Units and sites for the shortlisted sites, from their capacity estimate.

    Parameters
    ----------
    sites
        The scored longlist (``shortlisted``, ``capacity_units``; RD New).
    id_column
        The longlist's id column.
    config
        The allocation settings (``shortlist_units`` says what a unit is like).

    Returns
    -------
    (units, sites)
        Unit ids are ``<site id>-U001`` and so on; the first units of a site (rounded up
        to the accessible share) are accessible; all are on the ground floor.
    """
    spec = config.shortlist_units
    chosen = sites[sites["shortlisted"].astype(bool)]
    rows = []
    for _, site in chosen.iterrows():
        n = int(site["capacity_units"])
        accessible = math.ceil(n * spec.accessible_share - 1e-9)
        ready = spec.available_from
        if ready is None:
            when = pd.to_datetime(site.get("available_from"), errors="coerce")
            ready = None if pd.isna(when) else when.date()  # no date: available now
        for k in range(n):
            rows.append(
                {
                    "unit_id": f"{site[id_column]}-U{k + 1:03d}",
                    "site_id": str(site[id_column]),
                    "bedrooms": spec.bedrooms,
                    "beds": spec.beds,
                    "accessible": k < accessible,
                    "floor": 0,
                    "available_from": ready.isoformat() if ready else "",
                    "rent_eur": spec.rent_eur,
                }
            )
    points = shapely.point_on_surface(chosen.geometry.values)
    site_table = pd.DataFrame(
        {
            "site_id": chosen[id_column].astype(str).to_numpy(),
            "name": chosen["name"].astype(str).to_numpy() if "name" in chosen else "",
            "x": shapely.get_x(points),
            "y": shapely.get_y(points),
        }
    )
    unit_table = pd.DataFrame(
        rows, columns=["unit_id", "site_id", "bedrooms", "beds", "accessible", "floor",
                       "available_from", "rent_eur"],
    )  # fmt: skip
    return unit_table, site_table


def schools_and_gps(
    pois: gpd.GeoDataFrame | None, id_column: str = "poi_id", category_column: str = "category"
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Newcomer-education schools (taalklas, ISK places) and GPs from a POI layer."""
    if pois is None or len(pois) == 0:
        return None, None
    pts = shapely.point_on_surface(pois.geometry.values)
    ids = pois[id_column].astype(str) if id_column in pois else pd.Series(
        [f"P{i}" for i in range(len(pois))], index=pois.index
    )  # fmt: skip
    frame = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "x": shapely.get_x(pts),
            "y": shapely.get_y(pts),
            "category": pois[category_column].astype(str).to_numpy(),
        }
    )
    places = {
        c: pd.to_numeric(pois[c], errors="coerce").fillna(0).astype(int).to_numpy()
        if c in pois else np.zeros(len(pois), dtype=int)
        for c in ("taalklas_places", "isk_places")
    }  # fmt: skip
    frame["taalklas_places"] = places["taalklas_places"]
    frame["isk_places"] = places["isk_places"]
    school = (frame["taalklas_places"] > 0) | (frame["isk_places"] > 0)
    schools = frame[school].rename(columns={"id": "school_id"})[
        ["school_id", "x", "y", "taalklas_places", "isk_places"]
    ]
    gps = frame[frame["category"] == "gp"].rename(columns={"id": "gp_id"})[["gp_id", "x", "y"]]
    return schools.reset_index(drop=True), gps.reset_index(drop=True)


def run_allocation_stage(
    config: AllocationConfig,
    tables: Tables,
    sites: gpd.GeoDataFrame,
    id_column: str,
    *,
    candidate_sites: Collection[str] = (),
) -> AllocationRun:
    """Allocate the scenario's households and compare with the manual baseline.

    Parameters
    ----------
    config
        The scenario's allocation section.
    tables
        The allocation tables, validated before any stage ran (see
        :func:`opvang_opt.io.load_inputs`): households, the unit stock, schools and GPs,
        and as sites the stock's sites plus the longlist candidates.
    sites
        The scored longlist (for units on the shortlisted sites).
    id_column
        The longlist's id column.
    candidate_sites
        The ids in ``tables.sites`` that are longlist candidates rather than stock sites.

    Returns
    -------
    AllocationRun
    """
    candidates = set(candidate_sites)
    stock_sites = tables.sites[~tables.sites["site_id"].isin(candidates)]
    units, unit_sites = [], []
    created = 0
    if config.units_from in ("stock", "both"):
        units.append(tables.units)
        unit_sites.append(stock_sites)
    if config.units_from in ("shortlist", "both"):
        new = _normalised(*shortlist_units(sites, id_column, config))
        created = len(new.units)
        units.append(new.units)
        unit_sites.append(new.sites)
    all_units = pd.concat(units, ignore_index=True)
    used = set(pd.concat(unit_sites)["site_id"]) if unit_sites else set()
    named = _named_sites(tables, config) - used
    unit_sites.append(tables.sites[tables.sites["site_id"].isin(named & candidates)])
    all_sites = pd.concat(unit_sites, ignore_index=True)
    final = replace(tables, units=all_units.reset_index(drop=True), sites=all_sites)
    # the solvers load here, not when the input check imports this module
    from opvang_opt.allocation.api import allocate_tables
    from opvang_opt.allocation.baseline import compare_with_baseline

    result = allocate_tables(final, config)
    return AllocationRun(result, compare_with_baseline(result), created)


def _normalised(units: pd.DataFrame, sites: pd.DataFrame) -> Tables:
    """The units and sites built on the shortlist, normalised as the input pass does."""
    households = pd.DataFrame(columns=list(HOUSEHOLD_REQUIRED))
    try:
        return validate_inputs(households, units.astype({"accessible": int}), sites, None, None,
                               AllocationConfig())  # fmt: skip
    except DataError as exc:  # units made here from the shortlist: a bug, not bad input
        raise InternalError("the units built on the shortlist are invalid",
                            [str(p) for p in exc.problems]) from None  # fmt: skip


def _named_sites(tables: Tables, config: AllocationConfig) -> set[str]:
    """Every site the households, units, pins, bans and rules name."""
    hh = tables.households
    named = {s for col in ("preferred_sites", "refused_sites") for ids in hh[col] for s in ids}
    named |= set(tables.units["site_id"])
    named |= {p.site_id for p in config.pins if p.site_id is not None}
    named |= {b.site_id for b in config.bans if b.site_id is not None}
    named |= {s for rule in config.mix_rules for s in rule.sites or ()}
    return named

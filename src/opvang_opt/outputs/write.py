"""Write a run's results folder atomically (the only place in outputs that writes files)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from opvang_opt.connectors.tiles import TileSource
from opvang_opt.io.results import atomic_results_dir
from opvang_opt.outputs.content import (
    allocation_by_site,
    allocation_count_columns,
    allocation_for_profile,
    hidden_totals,
    localised,
)
from opvang_opt.outputs.maps import build_map
from opvang_opt.outputs.memo import (
    PANGO_INSTALL,
    build_memo_html,
    pdf_engine_problem,
    render_memo_pdf,
)
from opvang_opt.outputs.privacy import (
    COLUMN_TOTALS,
    MIN_COUNT,
    NAME_COLUMN,
    SECONDARY,
    SMALL,
    Profile,
    check_profile,
    council_comparison,
    suppress_frame,
)
from opvang_opt.outputs.report import build_report
from opvang_opt.outputs.runinfo import run_info
from opvang_opt.outputs.safe import write_csv
from opvang_opt.outputs.static import render_static
from opvang_opt.outputs.tables import build_workbook, result_tables
from opvang_opt.pipeline import RunResult
from opvang_opt.schema.sources import default_cache_dir
from opvang_opt.texts import Lang, Message

RESULT_FILES = (
    "run.json",
    "longlist_scored.gpkg",
    "shortlist.csv",
    "exclusions.csv",
    "tradeoff.csv",
    "sensitivity.csv",
    "sensitivity_criteria.csv",
    "smaa_shortlists.csv",
    "counterfactuals.csv",
    "map.html",
    "map.png",
    "map.pdf",
    "report.html",
    "raadsbijlage.html",
    "results.xlsx",
)
"""The files a run writes (tradeoff, sensitivity, SMAA shortlists and counterfactuals only
when enabled and the target is met; ``raadsbijlage.pdf`` besides, where WeasyPrint loads
Pango: see :data:`MEMO_FILES`)."""

ALLOCATION_FILES = (
    "analyst/allocation.csv",
    "allocation_by_site.csv",
    "allocation_by_school.csv",
    "analyst/unplaced.csv",
    "allocation_vs_baseline.csv",
)
"""The allocation's working tables for analysts, written when the run has an allocation.

``allocation.csv`` and ``unplaced.csv`` are household level (pseudonymous ids, never
names). They are not council exports: the council exports are ``map.html``, ``map.png``,
``map.pdf``, ``report.html`` and ``results.xlsx``, which follow the export profile."""


SERVICES_FILES = (
    "services.csv",
    "services_bottlenecks.csv",
    "services_expansions.csv",
    "services_chart.png",
)
"""Written when the run has a services section: demand, placed and short per site, period
and type (analyst profile only: see :data:`opvang_opt.outputs.services.ANALYST_ONLY`); the
bottlenecks per period and area; the expansion plan with its cost; the chart. Counts below
5 are shown as <5 unless the profile is analyst."""

GPKG_VERSION = "1.2"
"""GeoPackage version written: GDAL 3.6 (older QGIS LTR installs) reads 1.2 without a
warning; GDAL >= 3.7 would write 1.4 by default."""
GPKG_OPTIONS = {"VERSION": GPKG_VERSION}

MEMO_FILES = ("raadsbijlage.html", "raadsbijlage.pdf")
"""The decision memo, in the run's language (Dutch by default, English with ``--lang en``).
The PDF is skipped, with a warning, where WeasyPrint cannot load Pango
(:func:`~opvang_opt.outputs.memo.pdf_engine_problem`); the HTML is always written."""

HOUSEHOLD_CSV = ("allocation.csv", "unplaced.csv")
"""Allocation tables with one row per household: written to the ``analyst/`` subfolder."""


def allocation_csv_tables(
    result: RunResult, lang: Lang = "nl", profile: Profile = "analyst"
) -> dict[str, pd.DataFrame]:
    """The allocation's CSV tables by relative path, without columns that look like names,
    with their reasons in ``lang``.

    Household-level tables (pseudonymous ids) go to ``analyst/``, so the top of the results
    folder holds aggregates only; for the ``council`` profile their counts of households,
    persons and children are suppressed as in the workbook (see :func:`council_allocation`).
    """
    if result.allocation is None:
        return {}
    out = {}
    hidden = hidden_totals(result) if profile == "council" else set()
    sheet = None
    if profile == "council":  # the workbook's per-site table, persons per group included
        by_site = allocation_by_site(result)
        if by_site is not None:
            sheet = allocation_for_profile(by_site, "council")
    for name, table in result.allocation.tables().items():
        table = localised(pd.DataFrame(table), lang, codes=False)
        path = f"analyst/{name}" if name in HOUSEHOLD_CSV else name
        if profile == "council" and name not in HOUSEHOLD_CSV:
            table = council_allocation(name, table, hidden, sheet)
        out[path] = table[[c for c in table.columns if not NAME_COLUMN.match(str(c))]]
    return out


COUNCIL_DROPPED = ("beds_occupied_units", "free_before")
"""Columns of ``allocation_by_site.csv`` left out for the council (the workbook never showed
them): the beds of the occupied units are a multiple of the households where a site's
units have the same beds (the shortlist's units: 16 beds of 4 each are 4 households), and
add up, less the persons, to the unused beds of the comparison; the units less the free
units before are the households already housed."""


def council_allocation(
    name: str,
    table: pd.DataFrame,
    hidden_totals: Iterable[str] = (),
    sheet: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """An aggregate allocation table as the council sees it: households, persons and
    children 1-4 as ``<5``, with secondary suppression where a site's occupied units per
    group add up to its households (one household per unit); ``occupied`` is the same count
    as ``households``, and the occupancy (occupied / units) is rounded to 10 % and left out
    where 1-4 units are occupied, so neither gives a suppressed count back.

    ``sheet`` is the workbook's council table of the same sites
    (:func:`~opvang_opt.outputs.content.allocation_for_profile`), whose persons per group
    hide more of the households per group: where given, the counts and the occupancy are
    taken from it, so that the two tables side by side show no more than the workbook."""
    if name == "allocation_by_site.csv":
        table = table.drop(columns=list(COUNCIL_DROPPED), errors="ignore")
        units = [c for c in table.columns if c.startswith("units_")]
        counts = [*allocation_count_columns(table), "occupied"]
        totals = [*COLUMN_TOTALS, *(c for c in table.columns if c.startswith("children_"))]
        out = suppress_frame(table, counts, "council", groups=[(units, "households")],
                             column_totals=totals)  # fmt: skip
        if {"occupied", "households"} <= set(out.columns):
            out["occupied"] = out["households"]
        if {"occupancy", "occupied"} <= set(table.columns):
            few = pd.to_numeric(table["occupied"], errors="coerce").between(1, MIN_COUNT - 1)
            if "households" in out.columns:  # an x (column total) too: occupied / units
                few |= out["households"].isin([SMALL, SECONDARY]).to_numpy()
            occ = pd.to_numeric(table["occupancy"], errors="coerce").round(1)
            out["occupancy"] = occ.where(~few)
        if sheet is not None and "site_id" in out.columns:
            same = sheet.assign(occupied=sheet.get("households")).set_index(
                sheet["site_id"].astype(str)
            )
            ids = out["site_id"].astype(str)
            for c in [*counts, "occupancy"]:
                if c in out.columns and c in same.columns:
                    out[c] = ids.map(same[c]).to_numpy()
        return out
    if name == "allocation_by_school.csv":  # children placed per school
        used = [c for c in table.columns if str(c).endswith("_used")]
        # the children per school add up to the children per site of the other table
        return suppress_frame(table, used, "council", column_totals=used)
    if name == "allocation_vs_baseline.csv":
        return council_comparison(table, hidden_totals)
    return table


def _gpkg_frame(result: RunResult, lang: Lang) -> pd.DataFrame:
    sites = localised(result.siting.sites, lang, codes=False)
    for col in sites.columns:
        if col == sites.geometry.name:
            continue
        if sites[col].dtype == object or str(sites[col].dtype).startswith("string"):
            sites[col] = sites[col].astype("string").fillna("").astype(object)
        elif sites[col].dtype.kind == "f":
            sites[col] = sites[col].replace([np.inf, -np.inf], np.nan)
    return sites


def tile_source(result: RunResult) -> TileSource | None:
    """The background tiles the scenario asks for (``outputs.background``), or ``None``."""
    cfg = result.scenario.outputs.background
    if cfg is None:
        return None
    cache = cfg.cache_dir if cfg.cache_dir is not None else default_cache_dir() / "tiles"
    return TileSource(
        cfg.provider, cache, url=cfg.url, attribution=cfg.attribution, timeout=cfg.timeout_s
    )


def default_profile(result: RunResult) -> Profile:
    """The scenario's ``outputs.profile`` when it has one, else ``council``."""
    return check_profile(result.scenario.outputs.profile)


def write_results(
    result: RunResult,
    out_dir: str | os.PathLike[str],
    *,
    lang: Lang | None = None,
    profile: Profile | None = None,
    on_warning: Callable[[Message], None] | None = None,
) -> Path:
    """Write every result file into ``out_dir``, all or nothing.

    Parameters
    ----------
    result
        The run.
    out_dir
        The results folder; replaced as a whole if it exists.
    lang
        Language of map, report and workbook; defaults to the scenario's ``outputs.lang``.
    profile
        Export profile: ``council`` (default: aggregates only, counts below 5 as ``<5``)
        or ``analyst`` (exact counts, and household-level tables with pseudonymous ids).
    on_warning
        Called with each warning about the outputs (a catalogue message; for example
        ``raadsbijlage.pdf`` not made because Pango is missing). The warnings are also
        recorded in ``run.json`` (``outputs.warnings``).

    Returns
    -------
    pathlib.Path
        The results folder.
    """
    out = Path(out_dir)
    lang = lang or result.scenario.outputs.lang
    profile = check_profile(profile) if profile else default_profile(result)
    warnings: list[Message] = []
    with atomic_results_dir(out) as tmp:
        pyogrio.write_dataframe(
            _gpkg_frame(result, lang), tmp / "longlist_scored.gpkg", layer="longlist_scored",
            driver="GPKG", dataset_options=GPKG_OPTIONS,
        )  # fmt: skip
        siting = result.siting
        if siting.layouts is not None and len(siting.layouts):
            pyogrio.write_dataframe(
                siting.layouts, tmp / "longlist_scored.gpkg", layer="unit_layout", driver="GPKG"
            )
        write_csv(localised(siting.shortlist, lang, codes=False), tmp / "shortlist.csv")
        write_csv(localised(siting.exclusions, lang, codes=False), tmp / "exclusions.csv")
        for name, table in (
            ("tradeoff.csv", siting.tradeoff),
            ("sensitivity.csv", siting.sensitivity),
            ("sensitivity_criteria.csv", siting.sensitivity_criteria),
            ("smaa_shortlists.csv", siting.shortlist_sets),
            ("counterfactuals.csv", siting.counterfactuals),
        ):
            if table is not None and len(table.columns):
                write_csv(localised(table, lang, codes=False), tmp / name)
        if result.exchange is not None:
            for name, table in result.exchange.tables().items():
                write_csv(localised(table, lang, codes=False), tmp / name)
        if result.services is not None:
            from opvang_opt.outputs.services import chart_png, services_csv_tables

            for name, table in services_csv_tables(result.services, profile).items():
                write_csv(table, tmp / name)
            (tmp / "services_chart.png").write_bytes(chart_png(result.services, lang, profile))
        if result.planning is not None:
            from opvang_opt.outputs.planning import write_planning

            write_planning(result.planning, tmp, lang)
        for name, table in allocation_csv_tables(result, lang, profile).items():
            (tmp / name).parent.mkdir(exist_ok=True)
            write_csv(table, tmp / name)
        build_map(result, lang, profile).save(str(tmp / "map.html"))
        tiles = tile_source(result)
        images = render_static(result, lang, tiles)
        (tmp / "map.png").write_bytes(images["png"])
        (tmp / "map.pdf").write_bytes(images["pdf"])
        (tmp / "report.html").write_text(
            build_report(result, images, lang, profile), encoding="utf-8"
        )
        build_workbook(result_tables(result, lang, profile), lang).save(tmp / "results.xlsx")
        memo = build_memo_html(result, images, lang, profile, tiles)
        (tmp / "raadsbijlage.html").write_text(memo, encoding="utf-8")
        problem = pdf_engine_problem()
        if problem is None:
            (tmp / "raadsbijlage.pdf").write_bytes(render_memo_pdf(memo))
        else:
            warnings.append(
                Message(
                    "stage.write.memo_pdf_skipped", {"reason": problem, "install": PANGO_INSTALL}
                )
            )
        if tiles is not None and tiles.failed is not None:
            warnings.append(Message("stage.write.tiles_failed", {"reason": tiles.failed}))
        files = [p.relative_to(tmp).as_posix() for p in sorted(tmp.rglob("*")) if p.is_file()] + [
            "run.json"
        ]
        info = run_info(result, files, profile=profile, lang=lang)
        info["outputs"] = {
            "memo_pdf": problem is None,
            "memo_pdf_engine": "WeasyPrint" if problem is None else None,
            "background": None
            if tiles is None
            else {
                "provider": tiles.provider,
                "server": tiles.host,
                "maps_with_background": tiles.drawn,
                "tiles_fetched": tiles.fetched,
                "failed": tiles.failed,
            },
            "warnings": [w.render(lang) for w in warnings],
        }
        (tmp / "run.json").write_text(
            json.dumps(info, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    if on_warning is not None:
        for w in warnings:
            on_warning(w)
    return out.resolve()

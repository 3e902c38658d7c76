"""What the outputs show, computed once from a RunResult (no drawing, no files).

The map, the static map, the report and the Excel workbook all take their facts from
here, so they agree with each other.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.allocation.stage import AllocationRun
from opvang_opt.exchange.settlement import role as payer_role
from opvang_opt.exchange.settlement import settle
from opvang_opt.outputs.privacy import (
    COLUMN_TOTALS,
    SECONDARY,
    SMALL,
    Profile,
    council_comparison,
    show_count,
    suppress_frame,
    totals_pin_a_small_count,
)
from opvang_opt.pipeline import RunResult
from opvang_opt.schema import flatten
from opvang_opt.texts import CATALOGUE, Lang, fmt_number, render_frame, t

CBS_ATTRIBUTION = "CBS / Kadaster (PDOK), CC BY 4.0"
"""Attribution of the CBS wijk- en buurtkaart (real boundary data)."""
OSM_ATTRIBUTION = "© OpenStreetMap-bijdragers (ODbL)"


@dataclass(frozen=True)
class MapLayer:
    """An input layer drawn on the maps as context."""

    name: str
    """The scenario's layer name."""
    label: str
    """Readable label (from the rules and criteria that use it)."""
    role: str
    """``exclusion`` (a hard rule uses it) or ``criterion``."""


def site_name_column(result: RunResult) -> str | None:
    """The longlist's name column, when it has one."""
    col = result.scenario.siting.name_column
    return col if col in result.siting.sites.columns else None


def shortlisted_sites(result: RunResult) -> list[tuple[str, str]]:
    """The shortlist as ``(id, name)`` in rank order (the id where the longlist has no
    names)."""
    sites = result.siting.sites
    short = sites[sites["shortlisted"].to_numpy(bool)].sort_values("rank")
    ids = short[result.inputs.siting.id_column].astype(str).tolist()
    col = site_name_column(result)
    names = short[col].astype(str).tolist() if col else ids
    return [(i, n if n.strip() else i) for i, n in zip(ids, names, strict=True)]


def poi_layers(result: RunResult) -> dict[str, str]:
    """Layers with points of interest by category: layer name -> category column.

    A layer counts as a POI layer when a criterion or rule picks features from it by
    category (``distance_to_poi``, ``count_within``, ``closer_than`` with a category).
    """
    sc = result.scenario
    out: dict[str, str] = {}
    for item in (*sc.siting.criteria, *sc.siting.exclusions):
        layer = getattr(item, "layer", None)
        col = getattr(item, "category_column", None)
        if layer is None or col is None:
            continue
        by_category = getattr(item, "kind", "") in ("distance_to_poi", "count_within")
        by_category = by_category or bool(getattr(item, "category", None))
        layers = result.inputs.layers
        if by_category and layer in layers and col in layers[layer].columns:
            out.setdefault(layer, col)
    return out


def constraint_layers(result: RunResult) -> list[MapLayer]:
    """Layers that rules or criteria use, other than the longlist, POIs and boundaries.

    Layers used by an exclusion rule come first (role ``exclusion``); layers only used by a
    criterion follow (role ``criterion``).
    """
    sc = result.scenario
    skip = {sc.siting.longlist, sc.region.boundaries, sc.region.districts, *poi_layers(result)}
    labels: dict[str, list[str]] = {}
    roles: dict[str, str] = {}
    crit_layer = {c.name: getattr(c, "layer", None) for c in sc.siting.criteria}
    for role, items in (("exclusion", sc.siting.exclusions), ("criterion", sc.siting.criteria)):
        for item in items:
            layer = getattr(item, "layer", None)
            if layer is None and role == "exclusion":  # a limit on a criterion's measure
                layer = crit_layer.get(getattr(item, "criterion", None) or "")
            if layer is None or layer in skip or layer not in result.inputs.layers:
                continue
            labels.setdefault(layer, []).append(item.label or item.name)
            roles.setdefault(layer, role)
    order = sorted(labels, key=lambda n: (roles[n] != "exclusion", list(labels).index(n)))
    return [MapLayer(n, " / ".join(dict.fromkeys(labels[n])), roles[n]) for n in order]


def layer_label(result: RunResult, name: str) -> str:
    """Readable label of an input layer (its rule or criterion labels, else its name)."""
    for layer in constraint_layers(result):
        if layer.name == name:
            return layer.label
    return name


# ------------------------------------------------------------------------- allocation
def allocation_of(result: RunResult) -> AllocationRun | None:
    """The run's allocation stage, when the run has one."""
    return result.allocation


def _persons_groups(by_site: pd.DataFrame) -> list[str]:
    return [c[len("persons_") :] for c in by_site.columns if c.startswith("persons_")]


COUNT_PREFIXES = ("persons_", "units_", "children_")
"""Per-site columns that count persons or households (suppressed for the council);
``units_<group>`` counts the occupied units, so the households, of a group."""


def allocation_count_columns(by_site: pd.DataFrame) -> list[str]:
    """The columns of a per-site allocation table that count persons or households.

    ``occupied_units`` counts households too: a household is never split over units.
    """
    return [
        c
        for c in by_site.columns
        if c in ("households", "persons", "occupied_units") or c.startswith(COUNT_PREFIXES)
    ]


def marker_persons(persons: np.ndarray, profile: Profile) -> np.ndarray:
    """Persons as a map marker may show them: for the council, 1-4 are drawn as 5."""
    p = np.maximum(np.asarray(persons, dtype=float), 0.0)
    if profile == "analyst":
        return p
    return np.where((p > 0) & (p < 5), 5.0, p)


def allocation_by_site(result: RunResult) -> pd.DataFrame | None:
    """The allocation per site with exact counts, normalised to the documented columns.

    Returns ``None`` when the run has no allocation. Columns: ``site_id``, ``name``,
    ``units``, ``occupied_units``, ``households``, ``persons``, ``persons_<group>`` per
    group, ``units_<group>`` (occupied units per group), ``children_*``, ``occupancy``
    (0-1), ``x``/``y`` (RD New, when the site is not on the longlist).

    When the table has no ``persons_<group>`` columns they are summed here from the
    household assignments (new placements); persons already living there before are then
    in ``persons_bestaand``.
    """
    alloc = result.allocation
    if alloc is None:
        return None
    by = alloc.by_site.copy()
    by["site_id"] = by["site_id"].astype(str)
    if "occupied_units" not in by.columns and "occupied" in by.columns:
        by["occupied_units"] = by["occupied"]
    if "occupancy" not in by.columns and {"units", "occupied_units"} <= set(by.columns):
        by["occupancy"] = (by["occupied_units"] / by["units"].where(by["units"] > 0)).fillna(0.0)
    assignments = alloc.result.assignments
    if not _persons_groups(by) and len(assignments):
        sums = assignments.groupby(["site_id", "group"])["persons"].sum().unstack(fill_value=0)
        sums.index = sums.index.astype(str)
        for g in sums.columns:
            by[f"persons_{g}"] = by["site_id"].map(sums[g]).fillna(0).astype(int)
        if "persons" in by.columns:
            rest = by["persons"] - by[[f"persons_{g}" for g in sums.columns]].sum(axis=1)
            if (rest != 0).any():
                by["persons_bestaand"] = rest.astype(int)
    sites = result.siting.sites
    id_col = result.inputs.siting.id_column
    name_col = site_name_column(result)
    raw_sites = result.inputs.allocation.get("sites")
    if isinstance(raw_sites, pd.DataFrame) and "site_id" in raw_sites.columns:
        extra = raw_sites.assign(site_id=raw_sites["site_id"].astype(str)).set_index("site_id")
        for col in ("name", "x", "y"):
            if col not in by.columns and col in extra.columns:
                by[col] = by["site_id"].map(extra[col])
    if name_col:
        names = dict(zip(sites[id_col].astype(str), sites[name_col], strict=True))
        known = by["site_id"].map(names)
        by["name"] = known.fillna(by["name"]) if "name" in by.columns else known
    lead = ["site_id", "name", "units", "occupied_units", "households", "persons"]
    groups = [f"persons_{g}" for g in _persons_groups(by)]
    per_group = [c for c in by.columns if c.startswith(("units_", "children_"))]
    cols = [*lead, *groups, *per_group, "occupancy", "x", "y"]
    return by[[c for c in cols if c in by.columns]].reset_index(drop=True)


def allocation_links(by_site: pd.DataFrame) -> list[tuple[str, str]]:
    """``(units_<group>, persons_<group>)`` per group with both columns: a group's
    households and persons at a site, suppressed together for the council
    (:func:`~opvang_opt.outputs.privacy.protect_linked_row`)."""
    return [
        (f"units_{g}", f"persons_{g}")
        for g in _persons_groups(by_site)
        if f"units_{g}" in by_site.columns
    ]


def allocation_groups(by_site: pd.DataFrame) -> list[str]:
    """The groups with a ``persons_<group>`` column."""
    return _persons_groups(by_site)


def allocation_for_profile(by_site: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The per-site allocation with person and household counts as the profile shows them.

    For the council the occupancy is rounded to 10% and left out where fewer than 5 units
    are occupied, so that it cannot give a suppressed count back (occupied / units). A
    group's persons are hidden with its households (:func:`allocation_links`).
    """
    persons = [f"persons_{g}" for g in _persons_groups(by_site)]
    units = [c for c in by_site.columns if c.startswith("units_")]
    if profile == "council" and {"occupancy", "occupied_units"} <= set(by_site.columns):
        by_site = by_site.copy()
        occ = pd.to_numeric(by_site["occupancy"], errors="coerce").round(1)
        few = pd.to_numeric(by_site["occupied_units"], errors="coerce").between(1, 4)
        by_site["occupancy"] = occ.where(~few)
    out = suppress_frame(
        by_site,
        allocation_count_columns(by_site),
        profile,
        groups=[(persons, "persons"), (units, "households")],
        column_totals=[*COLUMN_TOTALS, *(c for c in by_site.columns if c.startswith("children_"))],
        linked=allocation_links(by_site),
    )
    if profile == "council" and "households" in out.columns:
        hidden = out["households"].isin([SMALL, SECONDARY]).to_numpy()
        if "occupied_units" in out.columns:  # the same count as the households
            out["occupied_units"] = out["households"]
        if "occupancy" in out.columns:  # occupied / units would give an x back
            out["occupancy"] = out["occupancy"].where(~hidden)
    return out


def allocation_points(result: RunResult, by_site: pd.DataFrame) -> gpd.GeoSeries:
    """A point per allocation site (RD New): the longlist site's, else ``x``/``y``."""
    sites = result.siting.sites
    id_col = result.inputs.siting.id_column
    pts = dict(zip(sites[id_col].astype(str), sites.geometry.representative_point(), strict=True))
    has_xy = {"x", "y"} <= set(by_site.columns)
    geoms = []
    for i, sid in enumerate(by_site["site_id"]):
        if sid in pts:
            geoms.append(pts[sid])
        elif has_xy and pd.notna(by_site["x"].iloc[i]) and pd.notna(by_site["y"].iloc[i]):
            geoms.append(shapely.Point(float(by_site["x"].iloc[i]), float(by_site["y"].iloc[i])))
        else:
            geoms.append(None)
    return gpd.GeoSeries(geoms, crs=sites.crs)


def allocation_summary(result: RunResult, profile: Profile) -> dict[str, Any] | None:
    """Placed and unplaced households, status, and the comparison with the baseline."""
    alloc = result.allocation
    if alloc is None:
        return None
    res = alloc.result
    out: dict[str, Any] = {"status": res.status.value}
    hidden = hidden_totals(result) if profile == "council" else set()
    out["households_placed"] = (
        SECONDARY if "households" in hidden else show_count(len(res.assignments), profile)
    )
    if "persons" in res.assignments.columns:
        persons = int(res.assignments["persons"].sum())
        out["persons_placed"] = SECONDARY if "persons" in hidden else show_count(persons, profile)
    out["households_unplaced"] = show_count(len(res.unplaced), profile)
    comp = alloc.comparison.components
    if not comp.empty:
        table = comp.reset_index()
        table = table.rename(columns={table.columns[0]: "component"})
        for col in ("optimiser", "baseline", "improvement"):
            if col in table.columns:
                table[col] = pd.to_numeric(table[col], errors="coerce").astype(object)
        if profile == "council":
            table = council_comparison(table, hidden)
        out["comparison"] = table
    return out


def hidden_totals(result: RunResult) -> set[str]:
    """The totals over sites (``households``, ``persons`` placed) that the council must not
    see exactly: where they, with the council's per-site table and its row sums, pin a
    hidden count even after the table's secondary suppression
    (:func:`~opvang_opt.outputs.privacy.totals_pin_a_small_count`; e.g. two sites, one
    with 1 household and one with 5, beside 6 placed). Without those totals each row is
    protected on its own (:func:`~opvang_opt.outputs.privacy.suppress_row`)."""
    by_site = allocation_by_site(result)
    if by_site is None or by_site.empty:
        return set()
    shown = allocation_for_profile(by_site, "council")
    persons = [f"persons_{g}" for g in _persons_groups(by_site)]
    units = [c for c in by_site.columns if c.startswith("units_")]
    groups = [(persons, "persons"), (units, "households")]
    totals = [c for c in COLUMN_TOTALS if c in shown.columns]
    if not totals_pin_a_small_count(shown, by_site, groups, totals, allocation_links(by_site)):
        return set()
    return {c for c in totals if shown[c].isin([SMALL, SECONDARY]).any()}


def allocation_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """The allocation's household-level tables (assignments, unplaced), when present."""
    if result.allocation is None:
        return {}
    res = result.allocation.result
    return {"assignments": res.assignments, "unplaced": res.unplaced}


# ------------------------------------------------------------------------- exchange
def exchange_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """The exchange stage's tables (empty when the run has no exchange)."""
    if result.exchange is None:
        return {}
    return {k: pd.DataFrame(v) for k, v in result.exchange.tables().items()}


def with_payer_role(payments: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``side_payments.csv`` with a ``payer_role`` column after ``payment`` saying in words
    whether the municipality pays or receives (the sign convention of
    :mod:`opvang_opt.exchange.settlement`)."""
    out = payments.copy()
    where = list(out.columns).index("payment") + 1 if "payment" in out.columns else len(out.columns)
    roles = [t(f"exchange.role.{payer_role(float(v))}", lang) for v in out["payment"]]
    out.insert(where, "payer_role", roles)
    return out


def payment_sentences(result: RunResult, lang: Lang) -> list[str]:
    """Who pays whom, in sentences ("Diemen betaalt EUR 2,04 mln aan Ouder-Amstel voor
    66 plekken."); empty without side payments."""
    if result.exchange is None or result.exchange.payments is None:
        return []
    tables = exchange_tables(result)
    transfers = settle(tables["side_payments.csv"], tables.get("exchange_flows.csv"))
    out = []
    for tr in transfers:
        key = "exchange.pays_whom_places" if tr.places else "exchange.pays_whom"
        out.append(t(key, lang, payer=tr.payer, receiver=tr.receiver, places=tr.places,
                     amount=fmt_eur_short(tr.amount_cents / 100, lang)))  # fmt: skip
    return out


def fmt_eur_short(value: float, lang: Lang) -> str:
    """An amount in euros for a sentence: ``EUR 2,04 mln`` / ``EUR 2.04 M``; below a
    million ``EUR 612.000`` / ``EUR 612,000``."""
    if abs(value) >= 1_000_000:
        return t("exchange.eur_million", lang, x=fmt_number(value / 1_000_000, lang, 2))
    return t("exchange.eur", lang, x=fmt_number(value, lang, 0))


# ------------------------------------------------------------------------- sources
def data_sources(result: RunResult, lang: Lang) -> list[dict[str, str]]:
    """One row per input layer: layer, file, features, source and licence.

    The scenario may name them per layer in ``outputs.sources`` (``{layer: {source,
    licence}}``); otherwise fictitious data says so, CBS wijk- en buurtkaart files are
    attributed to CBS / Kadaster (PDOK) under CC BY 4.0, and any other layer is marked as
    not stated.
    """
    sc = result.scenario
    given = sc.outputs.sources
    rows = []
    for rep in result.inputs.reports:
        spec = given.get(rep.name)
        if spec is not None:
            source, licence = spec.source, spec.licence
        elif sc.outputs.fictitious:
            source, licence = t("map.src_fictitious", lang), t("map.lic_none", lang)
        elif _looks_cbs(rep.path):
            source, licence = "CBS / Kadaster (PDOK), wijk- en buurtkaart", "CC BY 4.0"
        else:
            source, licence = t("map.src_unknown", lang), t("map.lic_unknown", lang)
        rows.append(
            {
                "layer": rep.name,
                "file": Path(rep.path).name,
                "features": str(rep.features),
                "sha256": rep.sha256[:16],
                "source": source,
                "licence": licence,
            }
        )
    return rows


def _looks_cbs(path: str) -> bool:
    name = Path(path).name.lower()
    return any(k in name for k in ("buurt", "wijk", "gemeente", "cbs")) and "natura" not in name


def attribution(result: RunResult, lang: Lang) -> str:
    """The data attribution line: the scenario's, plus CBS / PDOK when its data is used."""
    parts = []
    if result.scenario.outputs.attribution:
        parts.append(result.scenario.outputs.attribution)
    sources = data_sources(result, lang)
    uses_cbs = any(s["licence"] == "CC BY 4.0" and "CBS" in s["source"] for s in sources)
    if uses_cbs and not any("CBS" in p for p in parts):
        parts.append(CBS_ATTRIBUTION)
    if result.scenario.outputs.fictitious and not parts:
        parts.append(t("map.src_fictitious", lang))
    return "; ".join(parts)


# ------------------------------------------------------------------------- parameters
def scenario_parameters(result: RunResult) -> list[tuple[str, str]]:
    """Every scenario setting as ``(parameter path, text)`` rows, defaults included, in
    schema order; named the way the comparison and the sweep name them
    (:func:`opvang_opt.schema.flatten`)."""
    return [
        (key, _setting_text(value))
        for key, value in flatten(result.scenario.model_dump(mode="json")).items()
    ]


def _setting_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def summary_facts(result: RunResult) -> dict[str, Any]:
    """The headline numbers of a run (sites, exclusions by rule, capacity, exchange)."""
    summ = result.siting.summary
    facts: dict[str, Any] = {
        "n_sites": summ.n_sites,
        "n_excluded": summ.n_excluded,
        "n_eligible": summ.n_eligible,
        "n_shortlisted": summ.n_shortlisted,
        "capacity_selected": summ.capacity_selected,
        "target": summ.target,
        "target_unit": summ.target_unit,
        "target_met": summ.target_met,
        "shortfall": summ.shortfall,
        "excluded_by_rule": dict(summ.excluded_by_rule),
    }
    ex = result.exchange
    if ex is not None:
        res = ex.result
        diagnosis = ex.diagnosis.shortfalls if ex.diagnosis is not None else ()
        facts["exchange"] = {
            "status": ex.status.value,
            "cost": None if res is None else res.objective,
            "no_exchange_cost": None if res is None else res.no_exchange_cost,
            "savings": None if res is None else res.savings,
            "message": ex.message,
            "diagnosis": [s.message for s in diagnosis],
        }
    return facts


def rule_labels(result: RunResult) -> dict[str, str]:
    """Exclusion rule name -> label."""
    return {r.name: r.label or r.name for r in result.scenario.siting.exclusions}


def is_number(value: Any) -> bool:
    """True for a finite int or float (not bool)."""
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


# ------------------------------------------------------------------------- languages
CODE_COLUMNS = {
    "direction": "common.direction",
    "unit": "unit",
    "status": "status",
    "component": "allocation.component",
    "loss_unit": "unit",
    "kind": "services.kind",
    "type": "services.type",
    "action": "report.tradeoff",
}
"""Columns whose values are codes with a text in the catalogue (``<prefix>.<code>``)."""


def unit_label(code: str, lang: Lang) -> str:
    """The readable unit of a unit code (``m``, ``share``, ...), or the code itself."""
    return t(f"unit.{code}", lang) if f"unit.{code}" in CATALOGUE else code


WORDED_UNITS = ("eur", "yes_no", "share", "aandeel")
"""Units whose measured value is written by :func:`measured_text` (and the map's popup)."""


def measured_text(value: Any, unit: str, lang: Lang) -> str | None:
    """A measured value whose unit is a word or a sign, not a suffix: ``EUR 2.259.000`` for
    ``eur``, ``ja``/``nee`` for ``yes_no``, ``23%`` for a share (as in the exclusion
    reasons); None for every other unit (shown as number and unit)."""
    if unit not in WORDED_UNITS:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "-"
    if not math.isfinite(x):
        return "-"
    if unit == "yes_no":
        return t("common.yes" if x else "common.no", lang)
    if unit in ("share", "aandeel"):
        return fmt_number(100 * x, lang, 0) + "%"
    return "EUR " + fmt_number(x, lang, 0)


def status_label(code: object, lang: Lang) -> object:
    """The readable name of a status code (``optimal``, ``target_not_met``, ...)."""
    key = f"status.{code}"
    return t(key, lang) if isinstance(code, str) and key in CATALOGUE else code


_OVERLAP_M2 = re.compile(r"\((\d{1,3}(?:\.\d{3})+) m²\)")
"""The shared m² in an ``overlaps_with`` text (``"B (6.351 m²)"``), with thousands points."""


def _overlap_text(text: object, lang: Lang) -> object:
    """One ``overlaps_with`` text with the shared m² in ``lang``'s notation."""
    if lang == "nl" or not isinstance(text, str) or "." not in text:
        return text
    return _OVERLAP_M2.sub(
        lambda m: "(" + fmt_number(int(m.group(1).replace(".", "")), lang) + " m²)", text
    )


def _overlaps_in(column: pd.Series, lang: Lang) -> pd.Series:
    """The ``overlaps_with`` texts with the shared m² in ``lang``'s notation: the siting
    stage writes them with Dutch thousands points (``"B (6.351 m²)"``), which an English
    reader would take for 6.351 m² (``"B (6,351 m²)"``)."""
    return column.map(lambda v: _overlap_text(v, lang))


def overlap_flag(text: object, lang: Lang) -> str:
    """The flag a reader sees on the row of a site whose plot overlaps other candidate
    plots (``""`` for none): the other sites and the shared m² (``overlaps_with``, in
    ``lang``'s notation). The siting stage keeps the overlaps in ``overlaps_with`` only (no
    text per pair while screening); the outputs add this flag to ``location_flags``."""
    if not isinstance(text, str) or not text:
        return ""
    return t("siting.flag.overlaps", lang, others=_overlap_text(text, lang))


def localised(df: pd.DataFrame, lang: Lang, *, codes: bool = True) -> pd.DataFrame:
    """A table ready to show: catalogue messages rendered in ``lang``, and, with ``codes``,
    code values (directions, units, statuses) replaced by their text.

    The CSV files keep the codes (``codes=False``) so scripts can rely on them; the
    workbook, report and map show the texts.
    """
    out = render_frame(df, lang)
    if "overlaps_with" in out.columns and "location_flags" in out.columns:
        extra = out["overlaps_with"].map(lambda v: overlap_flag(v, lang))
        if (extra != "").any():
            flags = out["location_flags"].astype(object).where(out["location_flags"].notna(), "")
            out["location_flags"] = [
                f"{a}; {b}" if a and b else (a or b)
                for a, b in zip(flags.astype(str), extra, strict=True)
            ]
    if lang != "nl" and "overlaps_with" in out.columns:
        out["overlaps_with"] = _overlaps_in(out["overlaps_with"], lang)
    if not codes:
        return out
    for col, prefix in CODE_COLUMNS.items():
        if col in out.columns and (
            out[col].dtype == object or pd.api.types.is_string_dtype(out[col])
        ):
            out[col] = out[col].map(
                lambda v, p=prefix: (
                    t(f"{p}.{v}", lang) if isinstance(v, str) and f"{p}.{v}" in CATALOGUE else v
                )
            )
    return out

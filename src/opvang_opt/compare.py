"""Side-by-side comparison of scenarios: what differs in the inputs and in the results.

:func:`compare_scenarios` runs two or more scenario files and lines them up:

- **inputs**: every setting of the merged, validated scenarios (defaults included),
  flattened to parameter paths (``siting.criteria[station].weight``; lists of named
  elements are keyed by name), and the SHA-256 of every input file;
- **results**: the shortlist (which sites come in and go out), capacity, cost, total value,
  the allocation's quality when the scenarios have one, and the exchange outcome (cost,
  savings and each municipality's side payment);
- **sites**: every site whose status (shortlist, eligible, excluded, absent) differs.

:func:`write_comparison` writes ``compare.html`` (one self-contained page, Dutch by default,
with a static map of the sites whose status changed) and ``compare.csv``, atomically.
Scenarios of different regions may be compared; the comparison says so clearly.
Nothing here prints.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html
import io
import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.errors import Problem, ScenarioError
from opvang_opt.schema import Scenario, load_scenario
from opvang_opt.sweep import flatten

Lang = Literal["nl", "en"]

STATUS_SHORTLIST = "shortlist"
STATUS_ELIGIBLE = "eligible"
STATUS_EXCLUDED = "excluded"
STATUS_ABSENT = "absent"

TEXTS: dict[str, dict[str, str]] = {
    "title": {"nl": "Vergelijking van scenario's", "en": "Comparison of scenarios"},
    "made": {"nl": "Gemaakt op", "en": "Made on"},
    "scenarios": {"nl": "Scenario's", "en": "Scenarios"},
    "file": {"nl": "Bestand", "en": "File"},
    "scenario_title": {"nl": "Titel", "en": "Title"},
    "hash": {"nl": "Hash", "en": "Hash"},
    "notes": {"nl": "Let op", "en": "Note"},
    "inputs": {"nl": "Wat verschilt in de invoer", "en": "What differs in the inputs"},
    "settings": {"nl": "Instellingen", "en": "Settings"},
    "setting": {"nl": "Instelling", "en": "Setting"},
    "no_setting_diff": {
        "nl": "De instellingen zijn gelijk.",
        "en": "The settings are the same.",
    },
    "files": {"nl": "Invoerbestanden", "en": "Input files"},
    "layer": {"nl": "Laag", "en": "Layer"},
    "no_file_diff": {
        "nl": "Alle invoerbestanden zijn gelijk (zelfde SHA-256).",
        "en": "All input files are the same (same SHA-256).",
    },
    "results": {"nl": "Wat verschilt in de uitkomsten", "en": "What differs in the results"},
    "metric": {"nl": "Uitkomst", "en": "Result"},
    "differs": {"nl": "verschilt", "en": "differs"},
    "sites": {
        "nl": "Locaties waarvan de status verandert",
        "en": "Sites whose status changes",
    },
    "no_site_diff": {
        "nl": "Geen locatie verandert van status.",
        "en": "No site changes status.",
    },
    "site": {"nl": "Locatie", "en": "Site"},
    "name": {"nl": "Naam", "en": "Name"},
    "map_caption": {
        "nl": "Kaart: locaties waarvan de status verandert (RD New, EPSG:28992).",
        "en": "Map: sites whose status changes (RD New, EPSG:28992).",
    },
    STATUS_SHORTLIST: {"nl": "shortlist", "en": "shortlist"},
    STATUS_ELIGIBLE: {"nl": "toegestaan, niet gekozen", "en": "eligible, not chosen"},
    STATUS_EXCLUDED: {"nl": "uitgesloten", "en": "excluded"},
    STATUS_ABSENT: {"nl": "niet op longlist", "en": "not on longlist"},
    "comes_in": {"nl": "komt op de shortlist", "en": "enters the shortlist"},
    "goes_out": {"nl": "valt van de shortlist", "en": "leaves the shortlist"},
    "other_change": {"nl": "andere statuswijziging", "en": "other change"},
    "unchanged": {"nl": "overige locaties", "en": "other sites"},
    "regions_differ": {
        "nl": "De scenario's gaan over verschillende regio's: {detail}. Uitkomsten zijn "
        "daardoor niet één op één te vergelijken.",
        "en": "The scenarios cover different regions: {detail}. Their results are therefore "
        "not directly comparable.",
    },
    "longlists_differ": {
        "nl": "De longlists verschillen: {n} locatie(s) staan niet in elke longlist.",
        "en": "The longlists differ: {n} site(s) are not in every longlist.",
    },
    "fictitious": {
        "nl": "FICTIEVE DEMODATA: geen echte locaties of huishoudens",
        "en": "FICTITIOUS DEMO DATA: no real sites or households",
    },
    "absent": {"nl": "—", "en": "—"},
}

RESULT_LABELS: dict[str, dict[str, str]] = {
    "siting.n_sites": {"nl": "Locaties op de longlist", "en": "Sites on the longlist"},
    "siting.n_excluded": {"nl": "Uitgesloten locaties", "en": "Excluded sites"},
    "siting.n_eligible": {"nl": "Toegestane locaties", "en": "Eligible sites"},
    "siting.n_shortlisted": {"nl": "Locaties op de shortlist", "en": "Shortlisted sites"},
    "siting.shortlist": {"nl": "Shortlist", "en": "Shortlist"},
    "siting.shortlist_in": {
        "nl": "Komt op de shortlist (t.o.v. het eerste scenario)",
        "en": "Enters the shortlist (against the first scenario)",
    },
    "siting.shortlist_out": {
        "nl": "Valt van de shortlist (t.o.v. het eerste scenario)",
        "en": "Leaves the shortlist (against the first scenario)",
    },
    "siting.capacity_selected": {"nl": "Capaciteit shortlist", "en": "Shortlist capacity"},
    "siting.target": {"nl": "Doel", "en": "Target"},
    "siting.target_unit": {"nl": "Eenheid doel", "en": "Target unit"},
    "siting.target_met": {"nl": "Doel gehaald", "en": "Target met"},
    "siting.shortfall": {"nl": "Tekort", "en": "Shortfall"},
    "siting.total_value": {"nl": "Totale waarde (som scores)", "en": "Total value"},
    "siting.total_cost": {"nl": "Kosten shortlist (EUR)", "en": "Shortlist cost (EUR)"},
    "siting.solver_status": {"nl": "Status solver shortlist", "en": "Shortlist solver status"},
    "exchange.status": {"nl": "Uitruil: status", "en": "Exchange: status"},
    "exchange.cost": {"nl": "Uitruil: kosten regio (EUR)", "en": "Exchange: regional cost"},
    "exchange.no_exchange_cost": {
        "nl": "Uitruil: kosten zonder uitruil (EUR)",
        "en": "Exchange: cost without exchange",
    },
    "exchange.savings": {"nl": "Uitruil: besparing (EUR)", "en": "Exchange: savings (EUR)"},
}


ALLOCATION_LABELS: dict[str, tuple[str, str]] = {
    "status": ("status", "status"),
    "placed": ("geplaatste huishoudens", "households placed"),
    "unplaced": ("niet geplaatste huishoudens", "households not placed"),
    "objective": ("waarde doelfunctie (lager is beter)", "objective (lower is better)"),
    "gap": ("optimaliteitsmarge", "optimality gap"),
    "violations": ("overtreden harde regels", "hard rules broken"),
    "school_km": ("km naar school", "km to school"),
    "work_km": ("km naar werk", "km to work"),
    "care_km": ("km naar zorg", "km to care"),
    "unused_beds": ("onbenutte bedden", "unused beds"),
    "relocation": ("verhuizingen", "relocations"),
    "not_preferred": ("niet de voorkeurslocatie", "not the preferred site"),
    "total": ("totaal", "total"),
    "baseline_placed": ("geplaatst bij wie-eerst-komt", "placed, first come first served"),
    "baseline_violations": ("overtredingen bij wie-eerst-komt", "rules broken, first come"),
    "baseline_objective": ("doelfunctie bij wie-eerst-komt", "objective, first come"),
}
"""Labels of the allocation's quality figures (Dutch, English)."""


def tx(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang``."""
    return TEXTS[key][lang]


# =========================================================================== data


@dataclasses.dataclass(frozen=True)
class ScenarioRun:
    """One compared scenario: its file, settings, input files and run result."""

    label: str
    """Column label (the scenario name, made unique)."""
    path: str
    scenario: Scenario
    result: Any
    """The :class:`~opvang_opt.pipeline.RunResult`."""
    settings: dict[str, Any]
    """Flattened settings (parameter path -> JSON value), paths shown relative."""
    inputs: dict[str, dict[str, Any]]
    """Input layer -> {path, sha256}."""


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Two or more scenarios side by side.

    Attributes
    ----------
    runs
        The compared scenarios, in the order given.
    settings
        One row per setting that differs: ``item`` and one column per scenario.
    inputs
        One row per input layer: its file and SHA-256 per scenario, and ``differs``.
    results
        One row per result figure: ``item``, ``label``, a column per scenario, ``differs``.
    sites
        One row per site whose status differs: id, name, a status column per scenario,
        ``change`` (comes_in, goes_out, other_change) and the geometry (RD New).
    notes
        Warnings for the reader (different regions, different longlists).
    """

    runs: tuple[ScenarioRun, ...]
    settings: pd.DataFrame
    inputs: pd.DataFrame
    results: pd.DataFrame
    sites: gpd.GeoDataFrame
    notes: tuple[str, ...]
    lang: Lang = "nl"
    created_at: str = ""

    @property
    def labels(self) -> list[str]:
        """The scenario column labels."""
        return [r.label for r in self.runs]

    @property
    def regions_differ(self) -> bool:
        """Whether the scenarios cover different sets of municipalities."""
        codes = {tuple(sorted(m.code for m in r.scenario.region.municipalities)) for r in self.runs}
        return len(codes) > 1


ProgressFn = Callable[[str, str], None]
"""Called as progress(step, event) with event 'start' or 'done'."""


def _display_path(value: str) -> str:
    try:
        rel = os.path.relpath(value)
    except ValueError:  # another drive
        return value
    return value if rel.startswith("../../..") else rel.replace(os.sep, "/")


def _display_paths(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _display_paths(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_display_paths(v) for v in obj]
    if isinstance(obj, str) and os.path.isabs(obj):
        return _display_path(obj)
    return obj


def scenario_settings(scenario: Scenario) -> dict[str, Any]:
    """The scenario's effective settings (defaults included), flattened to paths."""
    data = scenario.model_dump(mode="json", exclude={"extends"})
    return flatten(_display_paths(data))


def _unique_labels(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        label, k = name, 2
        while label in out:
            label, k = f"{name} ({k})", k + 1
        out.append(label)
    return out


def _same(values: Sequence[Any]) -> bool:
    texts = {json.dumps(v, sort_keys=True, default=str) for v in values}
    return len(texts) <= 1


def _site_status(result: Any) -> pd.DataFrame:
    sites = result.siting.sites
    id_col = result.inputs.siting.id_column
    status = np.where(
        sites["shortlisted"].to_numpy(bool),
        STATUS_SHORTLIST,
        np.where(sites["excluded"].to_numpy(bool), STATUS_EXCLUDED, STATUS_ELIGIBLE),
    )
    name_col = result.scenario.siting.name_column
    return pd.DataFrame(
        {
            "site_id": sites[id_col].astype(str).to_numpy(),
            "name": sites[name_col].astype(str).to_numpy() if name_col in sites else "",
            "status": status,
            "excluded_by": sites["excluded_by"].astype(str).to_numpy(),
            "score": sites["score"].to_numpy(float),
            "rank": sites["rank"].to_numpy(int),
            "geometry": sites.geometry.to_numpy(),
        }
    )


def result_figures(result: Any) -> dict[str, Any]:
    """The result figures that are compared, keyed as in ``compare.csv``.

    Siting summary, the shortlist ids, the exclusions per rule, the allocation's quality
    (when the run has one) and the exchange outcome with each municipality's payment.
    """
    summ = result.siting.summary
    figures = summ.as_dict()
    out: dict[str, Any] = {}
    for key in ("n_sites", "n_excluded", "n_eligible", "n_shortlisted", "capacity_selected",
                "target", "target_unit", "target_met", "shortfall", "total_value",
                "total_cost", "solver_status"):  # fmt: skip
        out[f"siting.{key}"] = figures[key]
    out["siting.shortlist"] = "; ".join(_shortlist_ids(result))
    for rule, n in summ.excluded_by_rule.items():
        out[f"siting.excluded_by.{rule}"] = n
    alloc = getattr(result, "allocation", None)
    if alloc is not None:
        out.update(allocation_figures(alloc))
    ex = getattr(result, "exchange", None)
    if ex is not None and ex.result is None:  # no exchange (infeasible): its status only
        out["exchange.status"] = ex.status.value
    elif ex is not None:
        res = ex.result
        out["exchange.status"] = res.status.value
        out["exchange.cost"] = _round(res.objective)
        out["exchange.no_exchange_cost"] = _round(res.no_exchange_cost)
        out["exchange.savings"] = _round(res.savings)
        table = getattr(ex.payments, "table", None)
        if table is not None and "payment" in table:
            for code, pay in zip(table["municipality_code"], table["payment"], strict=True):
                out[f"exchange.payment.{code}"] = _round(pay)
    return out


def allocation_figures(alloc: Any) -> dict[str, Any]:
    """The allocation's quality figures (aggregates only), whatever form the stage has.

    Accepts an object with ``summary()`` (an :class:`~opvang_opt.allocation.AllocationResult`)
    or with a ``result`` attribute holding one.
    """
    summary_fn = getattr(alloc, "summary", None)
    if not callable(summary_fn):
        summary_fn = getattr(getattr(alloc, "result", None), "summary", None)
    if not callable(summary_fn):
        return {}
    summ = summary_fn()
    out: dict[str, Any] = {}
    for key in ("status", "placed", "unplaced", "objective", "gap", "violations"):
        if key in summ:
            out[f"allocation.{key}"] = summ[key]
    for key, value in (summ.get("components") or {}).items():
        out[f"allocation.components.{key}"] = value
    base = summ.get("baseline") or {}
    for key in ("placed", "violations"):
        if key in base:
            out[f"allocation.baseline_{key}"] = base[key]
    comparison = getattr(alloc, "comparison", None)
    table = getattr(comparison, "components", None)
    if table is not None and "baseline" in getattr(table, "columns", ()) and "total" in table.index:
        out["allocation.baseline_objective"] = round(float(table.loc["total", "baseline"]), 6)
    return out


def _round(value: Any) -> Any:
    if value is None:
        return None
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return value


def compare_scenarios(
    paths: Sequence[str | os.PathLike[str]],
    *,
    lang: Lang = "nl",
    progress: ProgressFn | None = None,
    run: Callable[..., Any] | None = None,
) -> Comparison:
    """Run two or more scenario files and line them up.

    Parameters
    ----------
    paths
        The scenario files (at least two).
    lang
        Language of the labels and notes.
    progress
        Told when each scenario's run starts and ends.
    run
        The run function (default :func:`opvang_opt.pipeline.run`).

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        With fewer than two files, or when a scenario is invalid.
    DataError
        When a scenario's input layers fail validation.
    """
    from opvang_opt import pipeline

    if len(paths) < 2:
        raise ScenarioError(
            "compare needs at least two scenario files",
            [Problem(f"got {len(paths)}", field="FILES")],
        )
    run = run or pipeline.run
    # validate every file first: bad input is reported before anything long runs
    loaded = []
    problems: list[Problem] = []
    for p in paths:
        try:
            loaded.append((str(p), load_scenario(p)))
        except ScenarioError as exc:
            problems += exc.problems or [Problem(exc.summary, source=str(p))]
    if problems:
        raise ScenarioError(f"{len(problems)} problem(s) in the compared scenarios", problems)
    labels = _unique_labels([sc.name for _, sc in loaded])
    runs = []
    for label, (p, sc) in zip(labels, loaded, strict=True):
        if progress:
            progress(label, "start")
        result = run(sc, scenario_dir=str(Path(p).parent))
        if progress:
            progress(label, "done")
        inputs = {
            r.name: {"path": _display_path(str(r.path)), "sha256": r.sha256}
            for r in result.inputs.reports
        }
        runs.append(ScenarioRun(label, p, sc, result, scenario_settings(sc), inputs))
    return build_comparison(runs, lang=lang)


def build_comparison(runs: Sequence[ScenarioRun], *, lang: Lang = "nl") -> Comparison:
    """Line up already-run scenarios (see :func:`compare_scenarios`)."""
    labels = [r.label for r in runs]
    settings = pd.DataFrame(_setting_rows(runs), columns=["item", *labels])

    layers = list(dict.fromkeys(k for r in runs for k in r.inputs))
    rows = []
    for layer in layers:
        vals = [r.inputs.get(layer) for r in runs]
        hashes = [v["sha256"] if v else None for v in vals]
        row: dict[str, Any] = {"item": layer}
        for lab, v in zip(labels, vals, strict=True):
            row[lab] = f"{v['path']} (sha256 {v['sha256'][:12]})" if v else None
        row["differs"] = len(set(hashes)) > 1
        rows.append(row)
    inputs = pd.DataFrame(rows, columns=["item", *labels, "differs"])

    figures = [result_figures(r.result) for r in runs]
    first = set(_shortlist_ids(runs[0].result))
    for fig, r in zip(figures[1:], runs[1:], strict=True):
        ids = _shortlist_ids(r.result)
        fig["siting.shortlist_in"] = "; ".join(i for i in ids if i not in first)
        fig["siting.shortlist_out"] = "; ".join(
            i for i in _shortlist_ids(runs[0].result) if i not in set(ids)
        )
    figures[0]["siting.shortlist_in"] = figures[0]["siting.shortlist_out"] = ""
    fkeys = [k for k in dict.fromkeys(k for f in figures for k in f)
             if k not in ("siting.shortlist_in", "siting.shortlist_out")]  # fmt: skip
    at = fkeys.index("siting.shortlist") + 1
    fkeys[at:at] = ["siting.shortlist_in", "siting.shortlist_out"]
    rows = []
    for key in fkeys:
        vals = [f.get(key) for f in figures]
        row = {"item": key, "label": _result_label(key, lang)}
        row.update(zip(labels, vals, strict=True))
        row["differs"] = not _same(vals)
        rows.append(row)
    results = pd.DataFrame(rows, columns=["item", "label", *labels, "differs"])

    sites = _changed_sites(runs)
    notes = []
    regions = [tuple(m.code for m in r.scenario.region.municipalities) for r in runs]
    if len({tuple(sorted(c)) for c in regions}) > 1:
        detail = "; ".join(f"{lab}: {', '.join(c)}" for lab, c in zip(labels, regions, strict=True))
        notes.append(tx("regions_differ", lang).format(detail=detail))
    all_ids = [set(_site_status(r.result)["site_id"]) for r in runs]
    not_everywhere = set.union(*all_ids) - set.intersection(*all_ids)
    if not_everywhere:
        notes.append(tx("longlists_differ", lang).format(n=len(not_everywhere)))
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return Comparison(tuple(runs), settings, inputs, results, sites, tuple(notes), lang, created)


def _elements(key: str) -> list[str]:
    """The list-element prefixes of a flattened key: 'a[x].b[y].c' -> ['a[x]', 'a[x].b[y]']."""
    return [key[: i + 1] for i, ch in enumerate(key) if ch == "]"]


def _setting_rows(runs: Sequence[ScenarioRun]) -> list[dict[str, Any]]:
    """One row per differing setting; a list element only some scenarios have is one row
    (its settings as a mapping), not one row per key inside it."""
    labels = [r.label for r in runs]
    present = [{p for k in r.settings for p in _elements(k)} for r in runs]
    partial = set.union(*present) - set.intersection(*present)
    rows: list[dict[str, Any]] = []
    done: set[str] = set()
    for key in dict.fromkeys(k for r in runs for k in r.settings):
        top = next((p for p in _elements(key) if p in partial), None)
        if top is not None:
            if top in done:
                continue
            done.add(top)
            vals = []
            for r in runs:
                sub = {k[len(top) :].lstrip("."): v for k, v in r.settings.items()
                       if k.startswith(top)}  # fmt: skip
                vals.append(sub or None)
            rows.append({"item": top, **dict(zip(labels, vals, strict=True))})
            continue
        has = [key in r.settings for r in runs]
        vals = [r.settings.get(key) for r in runs]
        if all(has) and _same(vals):
            continue
        rows.append({"item": key, **dict(zip(labels, vals, strict=True))})
    return rows


def _shortlist_ids(result: Any) -> list[str]:
    chosen = result.siting.shortlist
    return [str(i) for i in chosen.iloc[:, 0]] if len(chosen) else []


def _result_label(key: str, lang: Lang) -> str:
    if key in RESULT_LABELS:
        return RESULT_LABELS[key][lang]
    if key.startswith("siting.excluded_by."):
        rule = key.removeprefix("siting.excluded_by.")
        return f"Uitgesloten door regel {rule}" if lang == "nl" else f"Excluded by rule {rule}"
    if key.startswith("exchange.payment."):
        code = key.removeprefix("exchange.payment.")
        return f"Uitruil: betaling {code} (EUR)" if lang == "nl" else f"Exchange: payment {code}"
    if key.startswith("allocation."):
        rest = key.removeprefix("allocation.")
        label = ALLOCATION_LABELS.get(rest.removeprefix("components."), (rest, rest))
        text = label[0] if lang == "nl" else label[1]
        if rest.startswith("components."):
            text = ("doelfunctie, " if lang == "nl" else "objective, ") + text
        return f"Toewijzing: {text}" if lang == "nl" else f"Allocation: {text}"
    return key


def _changed_sites(runs: Sequence[ScenarioRun]) -> gpd.GeoDataFrame:
    labels = [r.label for r in runs]
    tables = [_site_status(r.result).set_index("site_id") for r in runs]
    ids = list(dict.fromkeys(i for t in tables for i in t.index))
    rows, geoms = [], []
    crs = runs[0].result.siting.sites.crs
    for sid in ids:
        statuses = [t.at[sid, "status"] if sid in t.index else STATUS_ABSENT for t in tables]
        if len(set(statuses)) == 1:
            continue
        first = next(t.loc[sid] for t in tables if sid in t.index)
        in_short = [s == STATUS_SHORTLIST for s in statuses]
        if len(runs) == 2 and in_short == [False, True]:
            change = "comes_in"
        elif len(runs) == 2 and in_short == [True, False]:
            change = "goes_out"
        else:
            change = "other_change"
        row = {"site_id": sid, "name": first["name"]}
        for lab, t, s in zip(labels, tables, statuses, strict=True):
            row[lab] = s
            row[f"{lab}: excluded_by"] = t.at[sid, "excluded_by"] if sid in t.index else ""
        row["change"] = change
        rows.append(row)
        geoms.append(first["geometry"])
    cols = ["site_id", "name", *labels, *(f"{lab}: excluded_by" for lab in labels), "change"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs=crs)


# =========================================================================== outputs


def comparison_table(comp: Comparison) -> pd.DataFrame:
    """The long table of ``compare.csv``: section, item, label, one column per scenario,
    differs. Sections: settings, input_files, results, sites."""
    labels = comp.labels
    parts = []
    s = comp.settings.copy()
    s.insert(0, "section", "settings")
    s.insert(2, "label", "")
    s["differs"] = True
    parts.append(s)
    i = comp.inputs.copy()
    i.insert(0, "section", "input_files")
    i.insert(2, "label", "")
    parts.append(i)
    r = comp.results.copy()
    r.insert(0, "section", "results")
    parts.append(r)
    st = pd.DataFrame(comp.sites.drop(columns="geometry"))
    sites = pd.DataFrame({
        "section": "sites", "item": st["site_id"], "label": st["name"],
        **{lab: st[lab] for lab in labels}, "differs": True,
    })  # fmt: skip
    parts.append(sites)
    cols = ["section", "item", "label", *labels, "differs"]
    out = pd.concat([p[cols] for p in parts if len(p)], ignore_index=True)
    for lab in labels:
        out[lab] = [_csv_value(v) for v in out[lab]]
    return out


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _fmt(value: Any, lang: Lang) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return tx("absent", lang)
    if isinstance(value, bool):
        return ("ja" if value else "nee") if lang == "nl" else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang == "nl" else ",")
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return f"{int(value):,}".replace(",", "." if lang == "nl" else ",")
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        if lang == "nl":
            text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return text
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_COUNT_KEYS = ("allocation.placed", "allocation.unplaced", "allocation.baseline_placed")


def _cell(key: str, value: Any, lang: Lang) -> str:
    """A value as escaped HTML text; counts of households are shown as <5 below 5."""
    if key in _COUNT_KEYS and isinstance(value, int | float) and 0 < value < 5:
        return html.escape("<5")
    return html.escape(_fmt(value, lang))


CHANGE_COLOURS = {"comes_in": "#1a9641", "goes_out": "#d7191c", "other_change": "#fdae61"}


def status_map_png(comp: Comparison) -> bytes | None:
    """A static map (PNG) of the sites whose status changes, over the region's boundaries.

    Returns ``None`` when no site changes status.
    """
    if comp.sites.empty:
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    lang = comp.lang
    first = comp.runs[0].result
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    bnd_name = comp.runs[0].scenario.region.boundaries
    if bnd_name and bnd_name in first.inputs.layers:
        first.inputs.layers[bnd_name].boundary.plot(ax=ax, color="#777777", linewidth=0.8)
    first.siting.sites.plot(ax=ax, facecolor="#e0e0e0", edgecolor="#bdbdbd", linewidth=0.4)
    handles = [Patch(facecolor="#e0e0e0", edgecolor="#bdbdbd", label=tx("unchanged", lang))]
    for change, colour in CHANGE_COLOURS.items():
        part = comp.sites[comp.sites["change"] == change]
        if part.empty:
            continue
        part.plot(ax=ax, facecolor=colour, edgecolor="#333333", linewidth=0.8)
        pts = part.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=46, color=colour, edgecolor="#333333", linewidth=0.7,
                   zorder=3)  # fmt: skip
        handles.append(Patch(facecolor=colour, edgecolor="#333333", label=tx(change, lang)))
        for sid, pt in zip(part["site_id"], pts, strict=True):
            ax.annotate(str(sid), (pt.x, pt.y), xytext=(4, 4), textcoords="offset points",
                        fontsize=7)  # fmt: skip
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title(tx("sites", lang), fontsize=11)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _scale_bar(ax: Any) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = (x1 - x0) / 5
    length = 10 ** math.floor(math.log10(span)) if span > 0 else 1
    if span / length >= 5:
        length *= 5
    elif span / length >= 2:
        length *= 2
    x, y = x1 - (x1 - x0) * 0.05 - length, y0 + (y1 - y0) * 0.05
    ax.plot([x, x + length], [y, y], color="black", linewidth=2)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x + length / 2, y + (y1 - y0) * 0.01, label, ha="center", fontsize=7)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;
max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}tr.differs td{background:#fff4d6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fdecea;border-left:4px solid #d7191c;padding:.5em 1em;margin:.5em 0}
.fict{background:#222;color:#fff;padding:.4em 1em;font-weight:bold}
.muted{color:#666}img{max-width:100%;border:1px solid #ccc}
.s-shortlist{color:#1a9641;font-weight:bold}.s-excluded{color:#777}
"""


def render_html(comp: Comparison, map_png: bytes | None = None) -> str:
    """``compare.html``: one self-contained page (inline style, map as embedded PNG).

    Every text from an input (names, titles, labels, file names, values) is escaped.
    """
    lang = comp.lang
    e = html.escape
    labels = comp.labels
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(tx('title', lang))}</title><style>{_CSS}</style></head><body>",
    ]
    if any(r.scenario.outputs.fictitious for r in comp.runs):
        parts.append(f'<div class="fict">{e(tx("fictitious", lang))}</div>')
    parts.append(f"<h1>{e(tx('title', lang))}</h1>")
    parts.append(f'<p class="muted">{e(tx("made", lang))} {e(comp.created_at)}</p>')
    parts.append(f"<h2>{e(tx('scenarios', lang))}</h2><table><tr><th></th>"
                 f"<th>{e(tx('scenario_title', lang))}</th><th>{e(tx('file', lang))}</th>"
                 f"<th>{e(tx('hash', lang))}</th></tr>")  # fmt: skip
    for r in comp.runs:
        parts.append(
            f"<tr><th>{e(r.label)}</th><td>{e(r.scenario.title)}</td>"
            f"<td>{e(_display_path(str(Path(r.path).resolve())))}</td>"
            f"<td><code>{e(r.result.scenario_hash)}</code></td></tr>"
        )
    parts.append("</table>")
    for note in comp.notes:
        parts.append(f'<div class="note"><strong>{e(tx("notes", lang))}:</strong> {e(note)}</div>')

    head = "".join(f"<th>{e(lab)}</th>" for lab in labels)
    parts.append(f"<h2>{e(tx('inputs', lang))}</h2><h3>{e(tx('settings', lang))}</h3>")
    if comp.settings.empty:
        parts.append(f"<p>{e(tx('no_setting_diff', lang))}</p>")
    else:
        parts.append(f"<table><tr><th>{e(tx('setting', lang))}</th>{head}</tr>")
        for _, row in comp.settings.iterrows():
            cells = "".join(f"<td>{e(_fmt(row[lab], lang))}</td>" for lab in labels)
            parts.append(f'<tr class="differs"><td><code>{e(row["item"])}</code></td>{cells}</tr>')
        parts.append("</table>")
    parts.append(f"<h3>{e(tx('files', lang))}</h3>")
    if not comp.inputs["differs"].any():
        parts.append(f"<p>{e(tx('no_file_diff', lang))}</p>")
    parts.append(f"<table><tr><th>{e(tx('layer', lang))}</th>{head}</tr>")
    for _, row in comp.inputs.iterrows():
        cls = ' class="differs"' if row["differs"] else ""
        cells = "".join(f"<td>{e(_fmt(row[lab], lang))}</td>" for lab in labels)
        parts.append(f"<tr{cls}><td>{e(row['item'])}</td>{cells}</tr>")
    parts.append("</table>")

    parts.append(f"<h2>{e(tx('results', lang))}</h2>")
    parts.append(f"<table><tr><th>{e(tx('metric', lang))}</th>{head}</tr>")
    for _, row in comp.results.iterrows():
        cls = ' class="differs"' if row["differs"] else ""
        cells = "".join(
            f'<td class="num">{_cell(row["item"], row[lab], lang)}</td>' for lab in labels
        )
        parts.append(f"<tr{cls}><td>{e(row['label'])}</td>{cells}</tr>")
    parts.append("</table>")

    parts.append(f"<h2>{e(tx('sites', lang))}</h2>")
    if comp.sites.empty:
        parts.append(f"<p>{e(tx('no_site_diff', lang))}</p>")
    else:
        parts.append(f"<table><tr><th>{e(tx('site', lang))}</th><th>{e(tx('name', lang))}</th>"
                     f"{head}</tr>")  # fmt: skip
        for _, row in comp.sites.iterrows():
            cells = []
            for lab in labels:
                status = row[lab]
                text = tx(status, lang)
                why = row[f"{lab}: excluded_by"]
                if status == STATUS_EXCLUDED and why:
                    text += f" ({why})"
                cells.append(f'<td class="s-{e(status)}">{e(text)}</td>')
            parts.append(f"<tr><td>{e(row['site_id'])}</td><td>{e(row['name'])}</td>"
                         f"{''.join(cells)}</tr>")  # fmt: skip
        parts.append("</table>")
        if map_png:
            data = base64.b64encode(map_png).decode("ascii")
            caption = e(tx("map_caption", lang))
            parts.append(f'<figure><img alt="{e(tx("sites", lang))}" '
                         f'src="data:image/png;base64,{data}">'
                         f"<figcaption>{caption}</figcaption></figure>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)


def write_comparison(comp: Comparison, out_dir: str | os.PathLike[str]) -> Path:
    """Write ``compare.html`` and ``compare.csv`` into ``out_dir``, all or nothing."""
    from opvang_opt.io.results import atomic_results_dir

    out = Path(out_dir)
    with atomic_results_dir(out) as tmp:
        comparison_table(comp).to_csv(tmp / "compare.csv", index=False)
        (tmp / "compare.html").write_text(render_html(comp, status_map_png(comp)), encoding="utf-8")
    return out.resolve()

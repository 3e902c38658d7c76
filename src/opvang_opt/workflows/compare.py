"""Side-by-side comparison of scenarios: what differs in the inputs and in the results.

:func:`compare_scenarios` runs two or more scenario files and lines them up:

- **inputs**: every setting of the merged, validated scenarios (defaults included),
  flattened to parameter paths (``siting.criteria[station].weight``; lists of named
  elements are keyed by name, see :func:`opvang_opt.schema.flatten`), and the SHA-256 of
  every input file;
- **results**: the shortlist (which sites come in and go out), capacity, cost, total value,
  the allocation's quality when the scenarios have one, and the exchange outcome (cost,
  savings and each municipality's side payment);
- **sites**: every site whose status (shortlist, eligible, excluded, absent) differs.

The result is data only (:class:`Comparison`: frames and typed notes, no language);
:mod:`opvang_opt.outputs.compare_page` renders and writes ``compare.html`` and
``compare.csv``. Scenarios of different regions may be compared; a :class:`Note` says so.
Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.errors import Problem, ScenarioError
from opvang_opt.schema import Scenario, flatten
from opvang_opt.texts import Message
from opvang_opt.workflows.figures import FigureValue, result_figures, shortlist_ids

if TYPE_CHECKING:
    from opvang_opt.pipeline import ProgressFn, RunResult

SiteStatus = Literal["shortlist", "eligible", "excluded", "absent"]
"""A site's status in one scenario ('absent': not on that scenario's longlist)."""

STATUS_SHORTLIST: SiteStatus = "shortlist"
STATUS_ELIGIBLE: SiteStatus = "eligible"
STATUS_EXCLUDED: SiteStatus = "excluded"
STATUS_ABSENT: SiteStatus = "absent"

Change = Literal["comes_in", "goes_out", "other_change"]
"""How a site's status changes: onto or off the shortlist (two scenarios), or otherwise."""

SHORTLIST_IN = "siting.shortlist_in"
SHORTLIST_OUT = "siting.shortlist_out"


@dataclasses.dataclass(frozen=True)
class InputFile:
    """One input file of a scenario: where it is (shown relative) and its SHA-256."""

    path: str
    sha256: str


@dataclasses.dataclass(frozen=True)
class ScenarioRun:
    """One compared scenario: its file, settings, input files and run result."""

    label: str
    """Column label (the scenario name, made unique)."""
    path: str
    scenario: Scenario
    result: RunResult
    settings: dict[str, Any]
    """Flattened settings (parameter path -> JSON value), paths shown relative."""
    inputs: dict[str, InputFile]
    """Input layer -> its file."""

    @property
    def region_codes(self) -> tuple[str, ...]:
        """The codes of the scenario's municipalities, in scenario order."""
        return tuple(m.code for m in self.scenario.region.municipalities)


@dataclasses.dataclass(frozen=True)
class Note:
    """A warning for the reader, as a code and its parameters (rendered at the edge).

    ``regions_differ`` has ``detail`` (per scenario its municipality codes);
    ``longlists_differ`` has ``n`` (sites not on every longlist).
    """

    code: Literal["regions_differ", "longlists_differ"]
    params: dict[str, str | int]


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
        One row per result figure: ``item``, a column per scenario, ``differs``.
    sites
        One row per site whose status differs: id, name, a status column per scenario,
        its ``<label>: excluded_by`` column, ``change`` (:data:`Change`) and the geometry
        (RD New).
    notes
        Warnings for the reader (different regions, different longlists).
    created_at
        When the comparison was made (UTC, ISO 8601).
    """

    runs: tuple[ScenarioRun, ...]
    settings: pd.DataFrame
    inputs: pd.DataFrame
    results: pd.DataFrame
    sites: gpd.GeoDataFrame
    notes: tuple[Note, ...]
    created_at: str = ""

    @property
    def labels(self) -> list[str]:
        """The scenario column labels."""
        return [r.label for r in self.runs]

    @property
    def regions_differ(self) -> bool:
        """Whether the scenarios cover different sets of municipalities."""
        return _regions_differ(self.runs)


def display_path(value: str) -> str:
    """A file path as shown: relative to the working folder, unless far outside it."""
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
        return display_path(obj)
    return obj


def scenario_settings(scenario: Scenario) -> dict[str, Any]:
    """The scenario's effective settings (defaults included), flattened to paths."""
    data = scenario.model_dump(mode="json", exclude={"extends"})
    return flatten(_display_paths(data))


def compare_scenarios(
    paths: Sequence[str | os.PathLike[str]],
    *,
    progress: ProgressFn | None = None,
    run: Callable[..., RunResult] | None = None,
) -> Comparison:
    """Run two or more scenario files and line them up.

    Parameters
    ----------
    paths
        The scenario files (at least two).
    progress
        Told when each scenario's run starts and ends, as ``progress(label, event)``.
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
        When a scenario's inputs fail validation (every problem of every file, before
        any scenario runs).
    """
    from opvang_opt import pipeline
    from opvang_opt.errors import DataError, OpvangError
    from opvang_opt.io import Inputs, load

    if len(paths) < 2:
        raise ScenarioError(
            Message("problem.compare.two_files"),
            [Problem(Message("problem.compare.got", {"count": len(paths)}), field="FILES")],
        )
    run = run or pipeline.run
    # read and check every file and its inputs first: bad input is reported before anything
    # long runs
    loaded: list[tuple[str, Scenario, Inputs]] = []
    problems: list[Problem] = []
    kind: type[OpvangError] = ScenarioError
    for p in paths:
        try:
            loaded.append((str(p), *load(p)))
        except OpvangError as exc:
            problems += exc.problems or [Problem(exc.summary, source=str(p))]
            kind = DataError if isinstance(exc, DataError) else kind
    if problems:
        raise kind(Message("problem.compare.summary", {"count": len(problems)}), problems)
    labels = _unique_labels([sc.name for _, sc, _ in loaded])
    runs = []
    for label, (p, sc, sc_inputs) in zip(labels, loaded, strict=True):
        if progress:
            progress(label, "start")
        result = run(sc, sc_inputs, scenario_dir=str(Path(p).parent))
        if progress:
            progress(label, "done")
        inputs = {
            r.name: InputFile(display_path(str(r.path)), r.sha256) for r in result.inputs.reports
        }
        runs.append(ScenarioRun(label, p, sc, result, scenario_settings(sc), inputs))
    return build_comparison(runs)


def build_comparison(runs: Sequence[ScenarioRun]) -> Comparison:
    """Line up already-run scenarios (see :func:`compare_scenarios`)."""
    statuses = [site_status(r.result) for r in runs]
    notes: list[Note] = []
    if _regions_differ(runs):
        detail = "; ".join(f"{r.label}: {', '.join(r.region_codes)}" for r in runs)
        notes.append(Note("regions_differ", {"detail": detail}))
    all_ids: list[set[str]] = [set(s["site_id"]) for s in statuses]
    not_everywhere = set[str]().union(*all_ids) - all_ids[0].intersection(*all_ids[1:])
    if not_everywhere:
        notes.append(Note("longlists_differ", {"n": len(not_everywhere)}))
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return Comparison(
        runs=tuple(runs),
        settings=_settings_frame(runs),
        inputs=_inputs_frame(runs),
        results=_results_frame(runs),
        sites=_changed_sites(runs, statuses),
        notes=tuple(notes),
        created_at=created,
    )


def site_status(result: RunResult) -> pd.DataFrame:
    """Per longlist site: id, name, status, the rules that exclude it, score, rank, geometry."""
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


def _regions_differ(runs: Sequence[ScenarioRun]) -> bool:
    return len({tuple(sorted(r.region_codes)) for r in runs}) > 1


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


def _elements(key: str) -> list[str]:
    """The list-element prefixes of a flattened key: 'a[x].b[y].c' -> ['a[x]', 'a[x].b[y]']."""
    return [key[: i + 1] for i, ch in enumerate(key) if ch == "]"]


def _settings_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """One row per differing setting; a list element only some scenarios have is one row
    (its settings as a mapping), not one row per key inside it."""
    labels = [r.label for r in runs]
    present = [{p for k in r.settings for p in _elements(k)} for r in runs]
    partial = set[str]().union(*present) - present[0].intersection(*present[1:])
    rows: list[dict[str, Any]] = []
    done: set[str] = set()
    for key in dict.fromkeys(k for r in runs for k in r.settings):
        top = next((p for p in _elements(key) if p in partial), None)
        if top is not None:
            if top in done:
                continue
            done.add(top)
            vals: list[Any] = []
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
    return pd.DataFrame(rows, columns=["item", *labels])


def _inputs_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """One row per input layer: its file (with a short hash) per scenario, and ``differs``."""
    labels = [r.label for r in runs]
    rows: list[dict[str, Any]] = []
    for layer in dict.fromkeys(k for r in runs for k in r.inputs):
        files = [r.inputs.get(layer) for r in runs]
        row: dict[str, Any] = {"item": layer}
        for lab, f in zip(labels, files, strict=True):
            row[lab] = f"{f.path} (sha256 {f.sha256[:12]})" if f else None
        row["differs"] = len({f.sha256 if f else None for f in files}) > 1
        rows.append(row)
    return pd.DataFrame(rows, columns=["item", *labels, "differs"])


def _results_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """One row per result figure; the shortlist's ins and outs against the first scenario
    follow the shortlist itself."""
    labels = [r.label for r in runs]
    figures = [result_figures(r.result) for r in runs]
    first = shortlist_ids(runs[0].result)
    for fig, r in zip(figures, runs, strict=True):
        ids = shortlist_ids(r.result)
        fig[SHORTLIST_IN] = "; ".join(i for i in ids if i not in set(first))
        fig[SHORTLIST_OUT] = "; ".join(i for i in first if i not in set(ids))
    keys = [k for k in dict.fromkeys(k for f in figures for k in f)
            if k not in (SHORTLIST_IN, SHORTLIST_OUT)]  # fmt: skip
    at = keys.index("siting.shortlist") + 1
    keys[at:at] = [SHORTLIST_IN, SHORTLIST_OUT]
    rows: list[dict[str, FigureValue]] = []
    for key in keys:
        vals = [f.get(key) for f in figures]
        row: dict[str, FigureValue] = {"item": key, **dict(zip(labels, vals, strict=True))}
        row["differs"] = not _same(vals)
        rows.append(row)
    return pd.DataFrame(rows, columns=["item", *labels, "differs"])


def _change(statuses: Sequence[SiteStatus]) -> Change:
    in_short = [s == STATUS_SHORTLIST for s in statuses]
    if in_short == [False, True]:
        return "comes_in"
    if in_short == [True, False]:
        return "goes_out"
    return "other_change"


def _changed_sites(
    runs: Sequence[ScenarioRun], statuses: Sequence[pd.DataFrame]
) -> gpd.GeoDataFrame:
    labels = [r.label for r in runs]
    tables = [s.set_index("site_id") for s in statuses]
    ids = list(dict.fromkeys(i for t in tables for i in t.index))
    rows, geoms = [], []
    crs = runs[0].result.siting.sites.crs
    for sid in ids:
        status: list[SiteStatus] = [
            t.at[sid, "status"] if sid in t.index else STATUS_ABSENT for t in tables
        ]
        if len(set(status)) == 1:
            continue
        first = next(t.loc[sid] for t in tables if sid in t.index)
        row: dict[str, Any] = {"site_id": sid, "name": first["name"]}
        for lab, t, s in zip(labels, tables, status, strict=True):
            row[lab] = s
            row[f"{lab}: excluded_by"] = t.at[sid, "excluded_by"] if sid in t.index else ""
        row["change"] = _change(status)
        rows.append(row)
        geoms.append(first["geometry"])
    cols = ["site_id", "name", *labels, *(f"{lab}: excluded_by" for lab in labels), "change"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry=geoms, crs=crs)

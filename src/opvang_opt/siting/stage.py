"""The siting stage: a pure function from the scenario and its layers to a SitingResult."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.scenario import SitingConfig
from opvang_opt.siting.capacity import estimate_capacity
from opvang_opt.siting.criteria import INDICATOR_UNITS, measure
from opvang_opt.siting.exclusions import evaluate_exclusions
from opvang_opt.siting.values import apply_value, normalised_weights, rank_scores, weighted_sum


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
class SitingResult:
    """What the siting stage produced.

    Attributes
    ----------
    sites
        Every longlist site with its indicators (``ind_*``), values (``val_*``),
        exclusions, score (0-100), rank (1 = best eligible; 0 = excluded), capacity,
        whether it is shortlisted and why.
    exclusions
        One row per (site, broken rule) with the measured value and the limit.
    shortlist
        The shortlisted sites in order, with cumulative capacity.
    criteria
        The criteria as scored.
    summary
        Counts and capacity against the target.
    """

    sites: gpd.GeoDataFrame
    exclusions: pd.DataFrame
    shortlist: pd.DataFrame
    criteria: tuple[CriterionInfo, ...]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def target_met(self) -> bool:
        """Whether the shortlist reaches the capacity target."""
        return bool(self.summary.get("target_met"))


def run_siting(config: SitingConfig, inputs: SitingInputs) -> SitingResult:
    """Score the longlist, apply the exclusions and take the shortlist.

    Parameters
    ----------
    config
        The scenario's siting section.
    inputs
        The longlist and other layers, validated and in RD New.

    Returns
    -------
    SitingResult

    Examples
    --------
    >>> from opvang_opt.pipeline import load_inputs
    >>> from opvang_opt.scenario import load_scenario
    >>> sc = load_scenario("scenarios/demo.yaml")  # doctest: +SKIP
    >>> res = run_siting(sc.siting, load_inputs(sc).siting)  # doctest: +SKIP
    """
    sites = inputs.longlist.reset_index(drop=True).copy()
    ids = sites[inputs.id_column].astype(str).to_numpy()
    n = len(sites)

    infos, indicators, values = [], {}, []
    weights = normalised_weights(np.array([c.weight for c in config.criteria]))
    for c, w in zip(config.criteria, weights, strict=True):
        ind = measure(c, sites, inputs.layers, inputs.id_column, inputs.source)
        val = apply_value(c.value, ind)
        indicators[c.name] = ind
        values.append(val)
        sites[f"ind_{c.name}"] = np.where(np.isfinite(ind), ind, np.nan)
        sites[f"val_{c.name}"] = np.round(val, 6)
        infos.append(
            CriterionInfo(
                c.name, c.label or c.name, c.kind, INDICATOR_UNITS[c.kind], float(w),
                f"ind_{c.name}", f"val_{c.name}",
            )
        )  # fmt: skip
    value_matrix = np.column_stack(values) if values else np.zeros((n, 0))

    exclusions = evaluate_exclusions(
        config.exclusions, sites, inputs.layers, indicators, inputs.id_column, inputs.source,
        units={c.name: INDICATOR_UNITS[c.kind] for c in config.criteria},
    )  # fmt: skip
    broken = exclusions.groupby("site_id", sort=False)
    reasons = broken["message"].agg("; ".join).to_dict()
    rules = broken["rule"].agg(", ".join).to_dict()
    counts = broken.size().to_dict()
    sites["excluded"] = np.array([i in reasons for i in ids], dtype=bool)
    sites["excluded_by"] = np.array([rules.get(i, "") for i in ids], dtype=object)
    sites["exclusion_reasons"] = np.array([reasons.get(i, "") for i in ids], dtype=object)
    sites["n_rules_broken"] = np.array([counts.get(i, 0) for i in ids], dtype=int)

    score = weighted_sum(value_matrix, np.array([c.weight for c in config.criteria]))
    eligible = ~sites["excluded"].to_numpy()
    sites["score"] = np.round(score, 4)
    sites["rank"] = rank_scores(score, eligible, ids)

    units, method = estimate_capacity(sites, config.capacity, inputs.id_column, inputs.source)
    sites["capacity_units"] = units
    sites["capacity_places"] = np.floor(units * config.capacity.persons_per_unit).astype(int)
    sites["capacity_method"] = method

    shortlist, summary = _take_top(config, sites, inputs.id_column)
    summary.update(
        n_sites=n,
        n_excluded=int((~eligible).sum()),
        n_eligible=int(eligible.sum()),
        excluded_by_rule={
            r.name: int((exclusions["rule"] == r.name).sum()) for r in config.exclusions
        },
    )
    return SitingResult(sites, exclusions, shortlist, tuple(infos), summary)


def _take_top(
    config: SitingConfig, sites: gpd.GeoDataFrame, id_column: str
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Walk the eligible sites by rank and take them until the target is reached."""
    target = config.target
    cap_col = "capacity_units" if target.unit == "units" else "capacity_places"
    max_sites = config.shortlist.max_sites or math.inf
    decision = np.where(
        sites["excluded"], "uitgesloten: " + sites["excluded_by"].astype(str), ""
    ).astype(object)
    shortlisted = np.zeros(len(sites), dtype=bool)
    total, taken = 0, 0
    for i in np.argsort(np.where(sites["rank"] > 0, sites["rank"], np.iinfo(int).max)):
        if sites["rank"].iat[i] == 0:
            break
        cap = int(sites[cap_col].iat[i])
        if total >= target.amount:
            decision[i] = "niet nodig: doel al bereikt"
        elif taken >= max_sites:
            decision[i] = f"niet gekozen: maximaal {config.shortlist.max_sites} locaties"
        elif cap <= 0:
            decision[i] = "niet gekozen: capaciteit 0"
        else:
            total += cap
            taken += 1
            shortlisted[i] = True
            decision[i] = (
                f"gekozen: rang {sites['rank'].iat[i]}, cumulatief {total} van "
                f"{target.amount} {'woningen' if target.unit == 'units' else 'plekken'}"
            )
    sites["shortlisted"] = shortlisted
    sites["decision"] = decision
    chosen = sites[shortlisted].sort_values("rank")
    cols = [id_column, "rank", "score", "capacity_units", "capacity_places", "decision"]
    extra = [c for c in ("name", "municipality_code") if c in sites.columns and c not in cols]
    shortlist = pd.DataFrame(chosen[[id_column, *extra, *cols[1:]]]).reset_index(drop=True)
    shortlist.insert(
        len(shortlist.columns) - 1, f"cumulative_{cap_col}", shortlist[cap_col].cumsum()
    )
    summary = {
        "target": target.amount,
        "target_unit": target.unit,
        "capacity_selected": int(total),
        "target_met": bool(total >= target.amount),
        "shortfall": int(max(0, target.amount - total)),
        "n_shortlisted": int(shortlisted.sum()),
    }
    return shortlist, summary

"""Rolling mode: allocate the arrivals of one period at a time.

Each period allocates the households arriving in it, plus those still waiting from
earlier periods (their arrival date becomes the period's start: they are placed when
a unit is free by then). Units given out in earlier periods are occupied and count
in the mix rules; children placed earlier keep their newcomer-education places when
``rolling.carry_school_places`` is on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opvang_opt.allocation.api import allocate_tables
from opvang_opt.allocation.result import AllocationResult
from opvang_opt.allocation.validate import Tables, validate_inputs
from opvang_opt.schema import AllocationConfig

_FREQ = {"week": "W-SUN", "month": "M", "quarter": "Q"}


@dataclass(frozen=True)
class PeriodResult:
    """The allocation of one period."""

    period: str
    start: np.datetime64
    end: np.datetime64
    arrivals: int
    waiting: int
    result: AllocationResult


@dataclass(frozen=True)
class RollingResult:
    """All periods of a rolling run."""

    periods: tuple[PeriodResult, ...]
    assignments: pd.DataFrame
    """Every placement, with the ``period`` it was made in."""
    unplaced: pd.DataFrame
    """Households still waiting after the last period, with their last reason."""

    def summary(self) -> pd.DataFrame:
        """One row per period: arrivals, waiting, placed, unplaced, status, objective, gap."""
        return pd.DataFrame(
            [
                {
                    "period": p.period,
                    "arrivals": p.arrivals,
                    "waiting_from_before": p.waiting,
                    "placed": len(p.result.assignments),
                    "unplaced": len(p.result.unplaced),
                    "status": p.result.status.value,
                    "objective": p.result.objective,
                    "gap": p.result.gap,
                    "seconds": p.result.timings.total,
                }
                for p in self.periods
            ]
        )


def run_rolling(
    households: pd.DataFrame,
    units: pd.DataFrame,
    sites: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    gps: pd.DataFrame | None = None,
    config: AllocationConfig | None = None,
    *,
    occupied: pd.DataFrame | None = None,
) -> RollingResult:
    """Allocate period by period (see the module docstring).

    Examples
    --------
    >>> from opvang_opt.allocation.synthetic import make_instance
    >>> si = make_instance(40, 50, 3, seed=4)
    >>> rr = run_rolling(**si.tables(), config=si.config)
    >>> int(rr.summary()["placed"].sum()) == len(rr.assignments)
    True
    """
    config = config or AllocationConfig()
    tables = validate_inputs(households, units, sites, schools, gps, config, occupied=occupied)
    hh = tables.households
    freq = _FREQ[config.rolling.period]
    period = pd.PeriodIndex(pd.DatetimeIndex(hh["arrival_date"]), freq=freq)
    labels = sorted(period.unique())
    occ = tables.occupied.copy()
    schools_now = tables.schools.copy()
    waiting = pd.Index([], dtype=object)
    results: list[PeriodResult] = []
    all_assign: list[pd.DataFrame] = []
    last_unplaced = pd.DataFrame()
    ids = hh["household_id"]
    for label in labels:
        start = np.datetime64(label.start_time.date(), "D")
        end = np.datetime64(label.end_time.date(), "D")
        arriving = ids[(period == label)]
        batch_ids = list(waiting) + list(arriving)
        batch = hh[ids.isin(batch_ids)].copy()
        late = batch["household_id"].isin(waiting)
        batch.loc[late, "arrival_date"] = np.maximum(
            batch.loc[late, "arrival_date"].to_numpy(), start
        )
        in_batch = set(batch["household_id"])
        cfg = config.model_copy(
            update={
                "pins": [p for p in config.pins if p.household_id in in_batch],
                "bans": [b for b in config.bans if b.household_id in in_batch],
            }
        )
        t = Tables(
            batch.reset_index(drop=True),
            tables.units,
            tables.sites,
            schools_now,
            tables.gps,
            occ.reset_index(drop=True),
        )
        res = allocate_tables(t, cfg)
        a = res.assignments.assign(period=str(label))
        all_assign.append(a)
        occ = pd.concat(
            [
                occ,
                pd.DataFrame(
                    {
                        "unit_id": a["unit_id"],
                        "group": a["group"],
                        "household_id": a["household_id"],
                        "persons": a["persons"],
                    }
                ),
            ],
            ignore_index=True,
        ).drop_duplicates("unit_id")
        if config.rolling.carry_school_places and len(res.by_school):
            bs = res.by_school.set_index("school_id")
            schools_now = schools_now.copy()
            sid = schools_now["school_id"]
            schools_now["taalklas_places"] = (
                schools_now["taalklas_places"] - sid.map(bs["taalklas_used"]).fillna(0).astype(int)
            ).clip(lower=0)
            schools_now["isk_places"] = (
                schools_now["isk_places"] - sid.map(bs["isk_used"]).fillna(0).astype(int)
            ).clip(lower=0)
        results.append(PeriodResult(str(label), start, end, len(arriving), len(waiting), res))
        waiting = pd.Index(res.unplaced["household_id"], dtype=object)
        last_unplaced = res.unplaced
    assignments = pd.concat(all_assign, ignore_index=True) if all_assign else pd.DataFrame()
    return RollingResult(tuple(results), assignments, last_unplaced)

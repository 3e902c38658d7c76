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
from opvang_opt.schema import AllocationConfig, Pin

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
    period = pd.PeriodIndex(pd.DatetimeIndex(hh["arrival_date"]), freq=_FREQ[config.rolling.period])
    labels = sorted(period.unique())
    state = Tables(
        hh, tables.units, tables.sites, tables.schools.copy(), tables.gps, tables.occupied.copy()
    )
    waiting = pd.Index([], dtype=object)
    results: list[PeriodResult] = []
    all_assign: list[pd.DataFrame] = []
    last_unplaced = pd.DataFrame()
    ids = hh["household_id"]
    for label in labels:
        start = np.datetime64(label.start_time.date(), "D")
        end = np.datetime64(label.end_time.date(), "D")
        arriving = ids[(period == label)]
        batch = hh[ids.isin(list(waiting) + list(arriving))].copy()
        late = batch["household_id"].isin(waiting)
        batch.loc[late, "arrival_date"] = np.maximum(
            batch.loc[late, "arrival_date"].to_numpy(), start
        )
        # the expected arrivals of the coming periods, up to the end of the horizon
        ahead = [label + k for k in range(1, config.rolling.lookahead_periods + 1)]
        ahead = [p for p in ahead if p <= labels[-1]]
        n_past = (label - labels[0]).n
        history = hh[period < label]
        k = config.rolling.lookahead_scenarios
        if k == 1:
            futures = [_expected_arrivals(history, n_past, ahead)]
        else:
            rng = np.random.default_rng([config.rolling.seed, n_past])
            futures = [_sampled_arrivals(history, n_past, ahead, rng) for _ in range(k)]
        res = _allocate_period(state, batch, futures, config)
        a = res.assignments.assign(period=str(label))
        all_assign.append(a)
        state = _after_period(state, a, res, config)
        results.append(PeriodResult(str(label), start, end, len(arriving), len(waiting), res))
        waiting = pd.Index(res.unplaced["household_id"], dtype=object)
        last_unplaced = res.unplaced
    assignments = pd.concat(all_assign, ignore_index=True) if all_assign else pd.DataFrame()
    return RollingResult(tuple(results), assignments, last_unplaced)


EXPECTED_PREFIX = "~expected:"
"""Id prefix of the expected (not yet arrived) households of the look-ahead."""


def _expected_arrivals(history: pd.DataFrame, n_past: int, ahead: list[pd.Period]) -> pd.DataFrame:
    """The households expected in the periods ``ahead``: the arrivals of the ``n_past``
    periods so far at their observed rate per period, in the order they came, with
    arrival dates spread evenly over the periods ahead (deterministic)."""
    if not n_past or not len(history) or not ahead:
        return history.iloc[0:0]
    n = round(len(history) / n_past * len(ahead))
    if n == 0:
        return history.iloc[0:0]
    out = history.iloc[np.resize(np.arange(len(history)), n)].copy()
    start = np.datetime64(ahead[0].start_time.date(), "D")
    days = (
        int((np.datetime64(ahead[-1].end_time.date(), "D") - start) // np.timedelta64(1, "D")) + 1
    )
    offsets = ((np.arange(n) + 0.5) / n * days).astype(np.int64)
    out["arrival_date"] = start + offsets.astype("timedelta64[D]")
    out["household_id"] = [f"{EXPECTED_PREFIX}{k}" for k in range(n)]
    out["current_unit"] = ""
    return out.reset_index(drop=True)


def _sampled_arrivals(
    history: pd.DataFrame, n_past: int, ahead: list[pd.Period], rng: np.random.Generator
) -> pd.DataFrame:
    """One sampled future of the periods ``ahead``: a Poisson number of households at
    the observed rate per period, each drawn with replacement from the arrivals so far,
    on uniformly drawn dates within the periods ahead (seeded by ``rng``)."""
    if not n_past or not len(history) or not ahead:
        return history.iloc[0:0]
    n = int(rng.poisson(len(history) / n_past * len(ahead)))
    if n == 0:
        return history.iloc[0:0]
    out = history.iloc[rng.integers(0, len(history), n)].copy()
    start = np.datetime64(ahead[0].start_time.date(), "D")
    days = (
        int((np.datetime64(ahead[-1].end_time.date(), "D") - start) // np.timedelta64(1, "D")) + 1
    )
    offsets = np.sort(rng.integers(0, days, n))
    out["arrival_date"] = start + offsets.astype("timedelta64[D]")
    out["household_id"] = [f"{EXPECTED_PREFIX}{k}" for k in range(n)]
    out["current_unit"] = ""
    return out.reset_index(drop=True)


def consensus(
    placements: list[pd.DataFrame], order: list[str], kinds: dict[str, str] | None = None
) -> dict[str, str]:
    """The unit each household gets by consensus over the futures' ``placements``
    (tables of household_id and unit_id, one per future).

    A household counts one vote for the kind of unit each future gave it (``kinds``
    maps every free unit to its kind: units that no rule and no cost tells apart; by
    default every unit is a kind of its own). Households are taken by their strongest
    vote (most votes first, then the order of ``order``); each takes its most voted kind
    that still has a unit (ties: the kind's name), and of it the unit with the smallest
    id. A household placed in fewer than half of the futures gets no unit here (it is
    left for later). Shared units are not voted on.

    Examples
    --------
    >>> a = pd.DataFrame({"household_id": ["A", "B"], "unit_id": ["U1", "U2"]})
    >>> b = pd.DataFrame({"household_id": ["A", "B"], "unit_id": ["U2", "U1"]})
    >>> c = pd.DataFrame({"household_id": ["A"], "unit_id": ["U1"]})
    >>> consensus([a, b, c], ["A", "B"])
    {'A': 'U1', 'B': 'U2'}
    """
    kind_of = kinds if kinds is not None else {}
    units_of: dict[str, list[str]] = {}
    for u, k in sorted(kind_of.items()):
        units_of.setdefault(k, []).append(u)
    votes: dict[str, dict[str, int]] = {}
    for p in placements:
        single = p[~p["unit_id"].duplicated(keep=False)]
        for h, u in zip(single["household_id"], single["unit_id"], strict=True):
            k = kind_of.get(u, u)
            if k == u:
                units_of.setdefault(k, [u])
            votes.setdefault(h, {})
            votes[h][k] = votes[h].get(k, 0) + 1
    rank = {h: i for i, h in enumerate(order)}
    half = len(placements) / 2
    todo = [h for h in order if h in votes and sum(votes[h].values()) >= half]
    todo.sort(key=lambda h: (-max(votes[h].values()), rank[h]))
    taken: set[str] = set()
    out: dict[str, str] = {}
    for h in todo:
        for k, _ in sorted(votes[h].items(), key=lambda kv: (-kv[1], kv[0])):
            free = [u for u in units_of.get(k, []) if u not in taken]
            if free:
                taken.add(free[0])
                out[h] = free[0]
                break
    return out


def unit_kinds(units: pd.DataFrame, free: pd.Series) -> dict[str, str]:
    """Each free unit's kind: site, bedrooms, beds, accessibility, floor, date and rent
    (units of one kind are alike for every rule and cost)."""
    cols = ["site_id", "bedrooms", "beds", "accessible", "floor", "available_from", "rent_eur"]
    u = units[free.to_numpy()]
    key = u[cols].astype(str).agg("|".join, axis=1)
    return dict(zip(u["unit_id"], key, strict=True))


def _allocate_period(
    state: Tables, batch: pd.DataFrame, futures: list[pd.DataFrame], config: AllocationConfig
) -> AllocationResult:
    """Allocate one period's households, together with the expected ones (look-ahead);
    with several futures, by consensus (:func:`consensus`); households left out for an
    expected one get a second chance on their own."""
    in_batch = set(batch["household_id"])
    cfg = config.model_copy(
        update={
            "pins": [p for p in config.pins if p.household_id in in_batch],
            "bans": [b for b in config.bans if b.household_id in in_batch],
        }
    )
    futures = [f for f in futures if len(f)]
    if not futures:
        return allocate_tables(_with(state, batch), cfg)
    placements = []
    for expected in futures:
        joint = allocate_tables(
            _with(state, pd.concat([batch, expected], ignore_index=True)), cfg, check=False
        )
        a = joint.assignments
        placements.append(a[~a["household_id"].str.startswith(EXPECTED_PREFIX)])
    if len(placements) == 1:
        real = placements[0]
    else:
        free = ~state.units["unit_id"].isin(set(state.occupied["unit_id"]))
        kinds = unit_kinds(state.units, free)
        chosen = consensus(placements, sorted(in_batch), kinds)
        real = _feasible_part(state, batch, cfg, chosen)
    # the real households' placements, checked and scored on their own
    occupied = _occupy(state.occupied, real)
    rest = batch[~batch["household_id"].isin(set(real["household_id"]))]
    second = allocate_tables(_with(state, rest, occupied), cfg)
    placed = pd.concat([real, second.assignments], ignore_index=True)
    return _rescored(state, batch, cfg, placed)


def _feasible_part(
    state: Tables, batch: pd.DataFrame, cfg: AllocationConfig, chosen: dict[str, str]
) -> pd.DataFrame:
    """The consensus placements ``chosen`` as an assignments table, kept only as far as
    they pass the checker together (the futures' choices need not fit one another's
    mix rules and school places): households named in a violation are dropped, then
    the check is repeated."""
    from opvang_opt.allocation.check import check_allocation

    hh = batch.set_index("household_id")
    ids = sorted(chosen)
    while ids:
        a = pd.DataFrame(
            {
                "household_id": ids,
                "unit_id": [chosen[h] for h in ids],
                "group": hh.loc[ids, "group"].to_numpy(),
                "persons": hh.loc[ids, "persons"].to_numpy(),
            }
        )
        tables = _with(state, batch[batch["household_id"].isin(ids)])
        report = check_allocation(tables, cfg, a)
        if report.is_ok:
            return a
        named = {w.strip() for v in report.violations for w in (v.where or "").split(",")}
        site = state.units.set_index("unit_id")["site_id"]
        bad = [
            h
            for h in ids
            if f"household {h}" in named
            or f"unit {chosen[h]}" in named
            or f"site {site[chosen[h]]}" in named
        ]
        if not bad:
            return a.iloc[0:0]
        ids = [h for h in ids if h not in set(bad)]
    return pd.DataFrame(columns=["household_id", "unit_id", "group", "persons"])


def _with(state: Tables, batch: pd.DataFrame, occupied: pd.DataFrame | None = None) -> Tables:
    occ = state.occupied if occupied is None else occupied
    return Tables(
        batch.reset_index(drop=True),
        state.units,
        state.sites,
        state.schools,
        state.gps,
        occ.reset_index(drop=True),
    )


def _rescored(
    state: Tables, batch: pd.DataFrame, cfg: AllocationConfig, placed: pd.DataFrame
) -> AllocationResult:
    """The period's result for ``placed``: every household of the period pinned to the
    unit it got (an exact, checked allocation of the batch alone)."""
    shared = placed["unit_id"].duplicated(keep=False).to_numpy()
    site_of = state.units.set_index("unit_id")["site_id"]
    pins = [
        Pin(household_id=h, site_id=site_of[u]) if sh else Pin(household_id=h, unit_id=u)
        for h, u, sh in zip(placed["household_id"], placed["unit_id"], shared, strict=True)
    ]
    fixed = set(placed["household_id"])
    bans_ok = [b for b in cfg.bans if b.household_id not in fixed]
    keep = [p for p in cfg.pins if p.household_id not in fixed]
    cfg2 = cfg.model_copy(update={"pins": keep + pins, "bans": bans_ok})
    return allocate_tables(_with(state, batch), cfg2)


def _occupy(occupied: pd.DataFrame, a: pd.DataFrame) -> pd.DataFrame:
    """Units occupied after the placements ``a``."""
    new = pd.DataFrame(
        {
            "unit_id": a["unit_id"],
            "group": a["group"],
            "household_id": a["household_id"],
            "persons": a["persons"],
        }
    )
    return pd.concat([occupied, new], ignore_index=True).drop_duplicates("unit_id")


def _after_period(
    state: Tables, a: pd.DataFrame, res: AllocationResult, config: AllocationConfig
) -> Tables:
    """The units and school places left after one period's placements ``a``."""
    schools_now = state.schools
    if config.rolling.carry_school_places and len(res.by_school):
        bs = res.by_school.set_index("school_id")
        schools_now = schools_now.copy()
        sid = schools_now["school_id"]
        for band in ("taalklas", "isk"):
            used = sid.map(bs[f"{band}_used"]).fillna(0).astype(int)
            schools_now[f"{band}_places"] = (schools_now[f"{band}_places"] - used).clip(lower=0)
    return Tables(
        state.households,
        state.units,
        state.sites,
        schools_now,
        state.gps,
        _occupy(state.occupied, a),
    )

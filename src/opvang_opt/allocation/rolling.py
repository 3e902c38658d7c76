"""Rolling mode: allocate the arrivals of one period at a time.

Each period allocates the households arriving in it, plus those still waiting from
earlier periods. A waiting household keeps its own arrival date and so its deadline
(arrival + ``max_wait_days``): waiting never lets it take a unit delivered later,
nor be placed in a period that starts after its deadline (it then stays unplaced, with
the rule and reason of the last period it could be placed in); a unit not delivered
before a period ends is not chosen again in a later period when the household's
deadline passes before that period starts.
The look-ahead expects the households still to come from the arrivals so far, after any
earlier arrivals given as ``history`` (for example last year's), at their pooled rate per
period, plus a reserve of families needing newcomer-education places (:func:`with_reserve`,
``rolling.reserve_sd``). Units given out in earlier periods are occupied and count in
the mix rules; children placed earlier keep their newcomer-education places when
``rolling.carry_school_places`` is on, at the schools that leave the most places for
the children the look-ahead expects (:func:`school_use`). With
``rolling.decide_by_deadline`` (off by default) a household is given its unit only in the
last period that ends by its deadline; until then it waits and is planned with each
period's households. With ``rolling.school_families_on_arrival`` (on by default) households
with a child needing a newcomer-education place are then still decided on arrival. A
``forecast`` of who will come (``run_rolling(forecast=...)``) replaces the sampled
expected households. ``rolling.lookahead_method: two_stage`` plans the period with
several futures in one two-stage program instead (:mod:`~opvang_opt.allocation.twostage`).

Measured against the hindsight optimum (``benchmarks/bench_rolling.py``, 600 households
a year in weekly batches; its docstring holds the tables). Since a household is never
placed after its deadline (eleventh session), the default rule, deciding on arrival,
places 596, 599, 596, 599, 585, 599 households on seeds 0-5 where hindsight places 600
(599 on seed 4): 25 short in all, every one for a mix rule, which a rolling period
applies to the site's units occupied at that moment and hindsight to the whole year's;
its cost is 94.3-99.1 % of hindsight's on the seeds it was compared (102.4 % on seed 4,
placing 14 fewer). Deciding by the deadline places 80 fewer. The target of 98 % of
hindsight, placing as many, is not met. Before that fix (households placed weeks after
their deadline counted as placed) the rule deciding by the deadline reached a mean of
97.7 % and equalled hindsight given the year's real arrivals as its forecast; weighting
the expected households' costs (``rolling.expected_weight``), not counting them in the
mix rules (``rolling.expected_in_mix``), K sampled futures by consensus and the two-stage
look-ahead (``rolling.lookahead_method``) were each measured worse; all stay off.

**Time limit.** ``solver.time_limit_s`` bounds each allocation of a period (see
:class:`~opvang_opt.schema.AllocationSolverSettings`): the look-ahead's joint allocation
with each future (or the two-stage program), the second chance of the households left
out, and the exact rescoring of the period's placements, so a period ends within about
``rolling.lookahead_scenarios`` + 2 times the limit. When one of them stopped at the
limit, the period's status is ``feasible`` with an infinite gap (nothing is proven), and
its ``seconds`` in :meth:`RollingResult.summary` are the whole period's.

The hindsight keeps the mix rules only after the year: given out week by week, its plan
breaks a rule in 56-103 site-weeks a year on the six benchmark years (twelfth session),
where a rolling run breaks none. A mix rule on the site's units (``basis: units``) means
the same week by week as after the year; with the benchmark's rules on the units
(thirteenth session) hindsight breaks none, and the default rule reaches a mean of 96.6 %
of hindsight (worst 95.5 %) on the four seeds placing as many, placing 13 fewer on the
other two; with no mix rules 96.7 %. What is left is what a rolling rule loses for not
knowing who comes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from opvang_opt.allocation.api import allocate_tables
from opvang_opt.allocation.model import COST_WEIGHT, IN_MIX
from opvang_opt.allocation.result import AllocationResult
from opvang_opt.allocation.validate import Tables, validate_inputs
from opvang_opt.schema import AllocationConfig, Pin
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Message

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
    deferred: int = 0
    """Households whose unit is chosen again in the next period (their unit is not
    available before this period ends; ``rolling.decide_at_move_in``)."""
    kept: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Units the look-ahead kept free in this period for expected households (see
    :meth:`RollingResult.kept`)."""
    seconds: float = 0.0
    """Wall-clock seconds of the whole period (every allocation solve it made)."""


@dataclass(frozen=True)
class RollingResult:
    """All periods of a rolling run."""

    periods: tuple[PeriodResult, ...]
    assignments: pd.DataFrame
    """Every placement, with the ``period`` it was made in."""
    unplaced: pd.DataFrame
    """Households not placed, each with its last reason: those still waiting after the
    last period, and those whose deadline passed while they waited."""

    def kept(self) -> pd.DataFrame:
        """The units the look-ahead kept free, per period: ``period, unit_id, persons,
        group, futures, reason``: the size and group of the expected household it was
        kept for (the largest one, over the sampled futures), in how many futures, and
        the reason as a catalogue message (``allocation.rolling.kept_for_expected``). A unit kept in
        a period may be given out in a later one."""
        cols = ["period", "unit_id", "persons", "group", "futures", "reason"]
        frames = [p.kept.assign(period=p.period) for p in self.periods if len(p.kept)]
        if not frames:
            return pd.DataFrame(columns=cols)
        return pd.concat(frames, ignore_index=True)[cols]

    def summary(self) -> pd.DataFrame:
        """One row per period: arrivals, waiting, placed, unplaced, status, objective, gap,
        and the period's wall-clock seconds. The status is ``feasible`` with an infinite
        gap when one of the period's solves stopped at the time limit (its search was cut
        short, so nothing is proven)."""
        return pd.DataFrame(
            [
                {
                    "period": p.period,
                    "arrivals": p.arrivals,
                    "waiting_from_before": p.waiting,
                    "placed": len(p.result.assignments),
                    "deferred": p.deferred,
                    "unplaced": len(p.result.unplaced),
                    "status": p.result.status.value,
                    "objective": p.result.objective,
                    "gap": p.result.gap,
                    "seconds": p.seconds,
                }
                for p in self.periods
            ]
        )


def past_deadline(waiting: np.ndarray, deadline: np.ndarray, start: np.datetime64) -> np.ndarray:
    """Which households can no longer be placed in a period starting on ``start``: those
    still ``waiting`` whose deadline (arrival + ``max_wait_days``) lies before that day.
    A household whose deadline is the period's first day may still be placed in it; one
    not waiting (placed, or not yet arrived) is never past its deadline here.

    Examples
    --------
    >>> d = np.array(["2025-03-09", "2025-03-10", "2025-03-01"], "datetime64[D]")
    >>> past_deadline(np.array([True, True, False]), d, np.datetime64("2025-03-10"))
    array([ True, False, False])
    """
    return np.asarray(waiting, bool) & (np.asarray(deadline, "datetime64[D]") < start)


def run_rolling(
    households: pd.DataFrame,
    units: pd.DataFrame,
    sites: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    gps: pd.DataFrame | None = None,
    config: AllocationConfig | None = None,
    *,
    occupied: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
) -> RollingResult:
    """Allocate period by period (see the module docstring).

    Parameters
    ----------
    households, units, sites, schools, gps, config, occupied
        As for :func:`~opvang_opt.allocation.allocate` (``arrival_date`` sets each
        household's period).
    history
        Earlier arrivals, for example last year's (the households' columns, checked like
        them; ids need only be unique within it): the look-ahead expects the households
        to come from these together with the arrivals so far, at their pooled rate per
        period, so that the first periods, when few have arrived yet, already keep units,
        mix room and school places for the kinds of household a year brings (as Annie
        MOORE's dynamic placement samples its futures from the previous year's arrivals).
        Without it, the look-ahead knows only the arrivals so far.
    forecast
        Expected arrivals given instead of the sampled ones, for example a prognosis of
        who will come (the households' columns, each with its ``arrival_date``; ids need
        only be unique within it): each period's look-ahead expects the forecast
        households whose arrival falls in its periods ahead, as they are (no sample, no
        reserve, no ``history``; :func:`forecast_arrivals`). ``benchmarks/bench_rolling.py
        --perfect-forecast`` gives it the real arrivals, which measures what the rule
        loses for not knowing who comes.

    Examples
    --------
    >>> from opvang_opt.allocation.synthetic import make_instance
    >>> si = make_instance(40, 50, 3, seed=4)
    >>> rr = run_rolling(**si.tables(), config=si.config)
    >>> int(rr.summary()["placed"].sum()) == len(rr.assignments)
    True
    """
    config = config or AllocationConfig()
    tables = validate_inputs(
        households,
        units,
        sites,
        schools,
        gps,
        config,
        occupied=occupied,
        history=history,
        forecast=forecast,
    )
    hh = tables.households
    freq = _FREQ[config.rolling.period]
    period = pd.PeriodIndex(pd.DatetimeIndex(hh["arrival_date"]), freq=freq)
    earlier, earlier_periods = _earlier(tables.history, freq)
    labels = sorted(period.unique())
    state = Tables(
        hh, tables.units, tables.sites, tables.schools.copy(), tables.gps, tables.occupied.copy()
    )
    waiting = pd.Index([], dtype=object)
    results: list[PeriodResult] = []
    all_assign: list[pd.DataFrame] = []
    last_unplaced = pd.DataFrame()
    expired: list[pd.DataFrame] = []
    ids = hh["household_id"]
    deadline = hh["arrival_date"].to_numpy("datetime64[D]") + np.timedelta64(
        config.max_wait_days, "D"
    )
    for i, label in enumerate(labels):
        start = np.datetime64(label.start_time.date(), "D")
        end = np.datetime64(label.end_time.date(), "D")
        # a household still waiting whose deadline passed before this period starts stays
        # unplaced, with the reason of the last period it could be placed in
        late = past_deadline(ids.isin(list(waiting)).to_numpy(), deadline, start)
        if late.any():
            expired.append(last_unplaced[last_unplaced["household_id"].isin(set(ids[late]))])
            waiting = waiting[~waiting.isin(set(ids[late]))]
        arriving = ids[(period == label)]
        # households still waiting keep their own arrival date, so their deadline
        # (arrival + max_wait_days) is never stretched by waiting
        batch = hh[ids.isin(list(waiting) + list(arriving))].copy()
        # the expected arrivals of the coming periods, up to the end of the horizon
        ahead = [label + k for k in range(1, config.rolling.lookahead_periods + 1)]
        ahead = [p for p in ahead if p <= labels[-1]]
        pool, n_past = _history(hh, period, label, earlier, earlier_periods)
        k = config.rolling.lookahead_scenarios
        if forecast is not None:
            futures = [forecast_arrivals(tables.forecast, ahead, freq)]
        elif k == 1 or config.rolling.lookahead_method == "two_stage":
            # one expected stream; the two-stage look-ahead's K futures are K such
            # streams, each taking other households of every stratum (its own start)
            stratified = config.rolling.lookahead_sample == "stratified"
            futures = [
                with_reserve(
                    _expected_arrivals(pool, n_past, ahead, stratified, (f + 0.5) / k),
                    pool,
                    config,
                    config.rolling.reserve_sd,
                )
                for f in range(k)
            ]
        else:
            rng = np.random.default_rng([config.rolling.seed, n_past])
            futures = [_sampled_arrivals(pool, n_past, ahead, rng) for _ in range(k)]
        last = label == labels[-1]
        until = end if config.rolling.decide_at_move_in and not last else None
        hold = (
            _may_wait(batch, config, labels[i + 1])
            if config.rolling.decide_by_deadline and not last
            else set()
        )
        # a unit not delivered before this period ends is chosen again in the next
        # period only by households whose deadline has not passed when it starts
        final: set[str] = set()
        if not last:
            in_batch = ids.isin(set(batch["household_id"])).to_numpy()
            final = set(ids[in_batch & (deadline < _start(labels[i + 1]))])
        t_period = time.perf_counter()
        res, expected_need, deferred, kept = _allocate_period(
            _without_pinned(state, batch, config), batch, futures, config, until, hold, final
        )
        seconds = time.perf_counter() - t_period
        a = res.assignments.assign(period=str(label))
        all_assign.append(a)
        state = _after_period(state, a, config, expected_need)
        results.append(
            PeriodResult(
                str(label),
                start,
                end,
                len(arriving),
                len(waiting),
                res,
                len(deferred),
                kept,
                seconds,
            )
        )
        waiting = pd.Index(list(res.unplaced["household_id"]) + deferred, dtype=object)
        last_unplaced = res.unplaced
    assignments = pd.concat(all_assign, ignore_index=True) if all_assign else pd.DataFrame()
    if expired:
        last_unplaced = pd.concat(
            [f for f in [*expired, last_unplaced] if len(f)], ignore_index=True
        ).sort_values("household_id", kind="stable", ignore_index=True)
    return RollingResult(tuple(results), assignments, last_unplaced)


def _without_pinned(state: Tables, batch: pd.DataFrame, config: AllocationConfig) -> Tables:
    """``state`` without the free units pinned to households outside ``batch``: a pinned
    unit is kept for its household ("nobody else is in a pinned unit"), also while that
    household has not yet arrived."""
    in_batch = set(batch["household_id"])
    kept = {p.unit_id for p in config.pins if p.unit_id and p.household_id not in in_batch}
    kept -= set(state.occupied["unit_id"])
    if not kept:
        return state
    units = state.units[~state.units["unit_id"].isin(kept)].reset_index(drop=True)
    return Tables(state.households, units, state.sites, state.schools, state.gps, state.occupied)


def _start(label: pd.Period) -> np.datetime64:
    return np.datetime64(label.start_time.date(), "D")


def _may_wait(batch: pd.DataFrame, config: AllocationConfig, following: pd.Period) -> set[str]:
    """The households of ``batch`` that may still be decided in the ``following``
    period (``rolling.decide_by_deadline``): those whose deadline (arrival +
    ``max_wait_days``) is not before its last day, except, with
    ``rolling.school_families_on_arrival``, those with a child needing a
    newcomer-education place."""
    from opvang_opt.allocation.check import children_needing_places

    next_end = np.datetime64(following.end_time.date(), "D")
    deadline = batch["arrival_date"].to_numpy("datetime64[D]") + np.timedelta64(
        config.max_wait_days, "D"
    )
    wait = deadline >= next_end
    if config.rolling.school_families_on_arrival and len(batch):
        taal, isk = children_needing_places(batch, config)
        wait &= (np.asarray(taal) + np.asarray(isk)) == 0
    return set(batch.loc[wait, "household_id"])


def _earlier(history: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, int]:
    """The declared earlier arrivals (``run_rolling(history=...)``) in arrival order, and
    the number of periods they span (from the first to the last arrival's period, both
    included)."""
    if not len(history):
        return history, 0
    h = history.sort_values("arrival_date", kind="stable").reset_index(drop=True)
    p = pd.PeriodIndex(pd.DatetimeIndex(h["arrival_date"]), freq=freq)
    return h, (p.max() - p.min()).n + 1


def _history(
    hh: pd.DataFrame,
    period: pd.PeriodIndex,
    label: pd.Period,
    earlier: pd.DataFrame | None = None,
    earlier_periods: int = 0,
) -> tuple[pd.DataFrame, int]:
    """The arrivals seen before period ``label`` (after the ``earlier`` arrivals, when
    given) and the number of periods they span (``earlier_periods`` more).

    Households living in a unit of the stock (``current_unit``) are not arrivals: they
    neither count in the rate nor stand for the households to come. The periods are
    counted from the first arrival's period, so quiet weeks before it do not dilute
    the rate."""
    arrival = (hh["current_unit"] == "").to_numpy()
    seen = arrival & (period < label)
    n_seen = (label - period[seen].min()).n if seen.any() else 0
    if earlier is None or not len(earlier):
        return (hh[seen], n_seen) if seen.any() else (hh.iloc[0:0], 0)
    cols = list(hh.columns)
    pooled = pd.concat([earlier[cols], hh.loc[seen, cols]], ignore_index=True)
    return pooled, earlier_periods + n_seen


EXPECTED_PREFIX = "~expected:"
"""Id prefix of the expected (not yet arrived) households of the look-ahead."""


def _expected_arrivals(
    history: pd.DataFrame,
    n_past: int,
    ahead: list[pd.Period],
    stratified: bool = False,
    offset: float = 0.5,
) -> pd.DataFrame:
    """The households expected in the periods ``ahead``: the arrivals of the ``n_past``
    periods (earlier ones and those so far, see :func:`_history`) at their observed rate
    per period, in the order they came or as a stratified sample of them, with arrival
    dates spread evenly over the periods ahead (deterministic). ``offset`` in ``[0, 1)``
    shifts which arrivals the sample takes (:func:`stratified_rows`; in arrival order,
    the first one taken)."""
    if not n_past or not len(history) or not ahead:
        return history.iloc[0:0]
    n = round(len(history) / n_past * len(ahead))
    if n == 0:
        return history.iloc[0:0]
    if stratified:
        rows = stratified_rows(history, n, offset)
    else:
        first = int((offset - 0.5) % 1.0 * len(history))
        rows = np.resize(np.roll(np.arange(len(history)), -first), n)
    out = history.iloc[rows].copy()
    start = np.datetime64(ahead[0].start_time.date(), "D")
    days = (
        int((np.datetime64(ahead[-1].end_time.date(), "D") - start) // np.timedelta64(1, "D")) + 1
    )
    offsets = ((np.arange(n) + 0.5) / n * days).astype(np.int64)
    out["arrival_date"] = start + offsets.astype("timedelta64[D]")
    out["household_id"] = [f"{EXPECTED_PREFIX}{k}" for k in range(n)]
    out["current_unit"] = ""
    return out.reset_index(drop=True)


def forecast_arrivals(forecast: pd.DataFrame, ahead: list[pd.Period], freq: str) -> pd.DataFrame:
    """The households of ``forecast`` (``run_rolling(forecast=...)``) arriving in the
    periods ``ahead`` (of frequency ``freq``), as expected households (their own
    arrival dates; ids :data:`EXPECTED_PREFIX` and their position; no current unit).

    Examples
    --------
    >>> f = pd.DataFrame({"household_id": ["A", "B", "C"], "current_unit": "",
    ...     "arrival_date": np.array(["2025-03-02", "2025-03-03", "2025-03-17"], "datetime64[D]")})
    >>> week = pd.Period("2025-03-03", freq="W-SUN")
    >>> forecast_arrivals(f, [week, week + 1], "W-SUN")["household_id"].tolist()
    ['~expected:0']
    """
    if not ahead or not len(forecast):
        return forecast.iloc[0:0]
    period = pd.PeriodIndex(pd.DatetimeIndex(forecast["arrival_date"]), freq=freq)
    out = forecast[(period >= ahead[0]) & (period <= ahead[-1])].copy()
    out["household_id"] = [f"{EXPECTED_PREFIX}{k}" for k in range(len(out))]
    out["current_unit"] = ""
    return out.reset_index(drop=True)


def with_reserve(
    expected: pd.DataFrame, pool: pd.DataFrame, config: AllocationConfig, sd: float
) -> pd.DataFrame:
    """The expected households plus a reserve of families needing newcomer-education
    places (``rolling.reserve_sd``).

    Of the arrivals ``pool`` the expected stream stands for, the share ``s`` of
    households with a child needing a taalklas or ISK place gives their expected number
    ``m = s * len(expected)``. Arrivals vary around ``m`` by about ``sqrt(m)`` (as
    Poisson arrivals do), and such a family cannot be placed at all when no unit within
    reach of a school with a place is left, while a place kept for a family that does
    not come costs at most a dearer unit for someone else. So ``ceil(sd * sqrt(m))``
    more of them are expected (a stratified sample of them, :func:`stratified_rows`),
    on dates spread evenly over the expected stream's dates. The reserve shrinks as the
    year runs out (``m`` with it), and is empty when ``sd`` is 0, nothing is expected,
    or the rule for school places is off.

    Examples
    --------
    Nine single adults and one family with a child of 4-11 came; one household is
    expected (a single adult): the family's expected number is 0.1, so one more
    family is expected (``ceil(sqrt(0.1)) = 1``):

    >>> from opvang_opt.schema import AllocationConfig
    >>> cols = {c: 0 for c in STRATA}
    >>> pool = pd.DataFrame([{**cols, "persons": 1, "group": "urgent"}] * 9
    ...     + [{**cols, "persons": 2, "group": "ontheemden", "children_4_11": 1}])
    >>> pool["school_x"] = float("nan")
    >>> pool["arrival_date"] = np.datetime64("2025-03-10", "D")
    >>> exp = pool.iloc[[0]].assign(household_id="~expected:0", current_unit="")
    >>> out = with_reserve(exp, pool, AllocationConfig(), 1.0)
    >>> out["persons"].tolist(), out["household_id"].tolist()
    ([1, 2], ['~expected:0', '~expected:1'])
    """
    from opvang_opt.allocation.check import children_needing_places

    if sd <= 0 or not len(expected) or not len(pool):
        return expected
    taal, isk = children_needing_places(pool, config)
    families = pool[taal + isk > 0]
    m = len(expected) * len(families) / len(pool)
    extra = int(np.ceil(sd * np.sqrt(m) - 1e-9)) if len(families) else 0
    if extra == 0:
        return expected
    more = families.iloc[stratified_rows(families, extra)].copy()
    dates = np.sort(expected["arrival_date"].to_numpy("datetime64[D]"))
    more["arrival_date"] = dates[((np.arange(extra) + 0.5) / extra * len(dates)).astype(np.int64)]
    more["current_unit"] = ""
    out = pd.concat([expected, more], ignore_index=True)
    out["household_id"] = [f"{EXPECTED_PREFIX}{k}" for k in range(len(out))]
    return out


STRATA = [
    "persons",
    "group",
    "children_4_11",
    "children_12_17",
    "needs_wheelchair",
    "needs_ground_floor",
    "needs_medical",
    "adults",
    "children_0_3",
]
"""Columns of the stratified look-ahead sample, most important first."""


def stratified_rows(history: pd.DataFrame, n: int, start: float = 0.5) -> np.ndarray:
    """Positions of ``n`` households of ``history`` taken systematically over the
    history sorted by :data:`STRATA` (then arrival order), so that every household size,
    group and need is expected in proportion to the arrivals so far (up to one
    household), not as it happens to fall in the first ``n`` arrivals. The positions are
    returned in arrival order (so the expected stream's dates do not follow its sizes).
    ``start`` in ``[0, 1)``: where in each of the ``n`` equal slices of the sorted history
    the pick falls (0.5, the middle, by default; other starts give other households of
    the same strata, as the two-stage look-ahead's futures use).

    Examples
    --------
    >>> h = pd.DataFrame({c: 0 for c in STRATA}, index=range(6))
    >>> h["persons"] = [1, 1, 1, 1, 4, 4]
    >>> h["group"] = "g"
    >>> stratified_rows(h, 3).tolist()
    [1, 3, 5]
    >>> stratified_rows(h, 3, start=0.0).tolist()
    [0, 2, 4]
    """
    cols = [c for c in STRATA if c in history.columns]
    keyed = history[cols].reset_index(drop=True).assign(_pos=np.arange(len(history)))
    order = keyed.sort_values([*cols, "_pos"], kind="stable")["_pos"].to_numpy()
    picks = np.floor((np.arange(n) + start) * len(history) / n).astype(np.int64)
    return np.sort(order[picks])


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
    state: Tables,
    batch: pd.DataFrame,
    futures: list[pd.DataFrame],
    config: AllocationConfig,
    until: np.datetime64 | None = None,
    hold: set[str] | None = None,
    final: set[str] | None = None,
) -> tuple[AllocationResult, pd.DataFrame, list[str], pd.DataFrame]:
    """Allocate one period's households, together with the expected ones (look-ahead);
    with several futures, by consensus (:func:`consensus`); households left out for an
    expected one get a second chance on their own. With ``until``, households the
    look-ahead gives a unit available only after ``until`` are deferred, except those in
    ``final`` (their deadline passes before the next period starts).

    Returns the period's result (without the deferred households), the newcomer
    children of the expected households per site where the look-ahead placed them
    (``site_id, taalklas, isk``), the ids of the deferred households, and the units kept
    free for expected households (:meth:`RollingResult.kept`)."""
    in_batch = set(batch["household_id"])
    cfg = config.model_copy(
        update={
            "pins": [p for p in config.pins if p.household_id in in_batch],
            "bans": [b for b in config.bans if b.household_id in in_batch],
        }
    )
    two_stage = config.rolling.lookahead_method == "two_stage" and any(len(f) for f in futures)
    # the two-stage program averages over every future, an empty one included
    futures = futures if two_stage else [f for f in futures if len(f)]
    hold = hold or set()
    if not futures:
        if until is None and not hold:
            return (
                allocate_tables(_with(state, batch), cfg),
                _need_by_site(batch.iloc[0:0], cfg),
                [],
                _kept([], set()),
            )
        futures = [batch.iloc[0:0]]
    placements = []
    expected_need = []
    kept_for: list[pd.DataFrame] = []
    timed: list[bool] = []  # per solve of the period: stopped at the time limit
    weight = config.rolling.expected_weight
    for expected in [] if two_stage else futures:
        if weight != 1.0:
            expected = expected.assign(**{COST_WEIGHT: weight})
        if not config.rolling.expected_in_mix:
            expected = expected.assign(**{IN_MIX: False})
        joint = allocate_tables(
            _with(state, pd.concat([batch, expected], ignore_index=True)), cfg, check=False
        )
        timed.append(_timed_out(joint))
        a = joint.assignments
        is_expected = a["household_id"].str.startswith(EXPECTED_PREFIX)
        placements.append(a[~is_expected])
        got = expected.set_index("household_id").loc[a.loc[is_expected, "household_id"]]
        expected_need.append(
            _need_by_site(got.assign(site_id=a.loc[is_expected, "site_id"].to_numpy()), cfg)
        )
        kept_for.append(
            pd.DataFrame(
                {
                    "unit_id": a.loc[is_expected, "unit_id"].to_numpy(),
                    "persons": got["persons"].to_numpy(),
                    "group": got["group"].to_numpy(),
                }
            )
        )
    if two_stage:
        real = _two_stage(state, batch, futures, cfg, expected_need, kept_for, timed)
    elif len(placements) == 1:
        real = placements[0]
    else:
        free = ~state.units["unit_id"].isin(set(state.occupied["unit_id"]))
        kinds = unit_kinds(state.units, free)
        chosen = consensus(placements, sorted(in_batch), kinds)
        real = _feasible_part(state, batch, cfg, chosen)
    deferred: list[str] = sorted(hold)
    if (until is not None or hold) and len(batch):
        later = real["household_id"].isin(hold).to_numpy().copy()
        if until is not None and len(real):
            ready = state.units.set_index("unit_id")["available_from"]
            later |= (ready.loc[real["unit_id"]].to_numpy("datetime64[D]") > until) & ~real[
                "household_id"
            ].isin(final or set()).to_numpy()
        deferred = sorted(set(real.loc[later, "household_id"]) | hold)
        real = real[~later]
        batch = batch[~batch["household_id"].isin(set(deferred))]
        cfg = cfg.model_copy(
            update={
                "pins": [p for p in cfg.pins if p.household_id not in set(deferred)],
                "bans": [b for b in cfg.bans if b.household_id not in set(deferred)],
            }
        )
    # the real households' placements, checked and scored on their own
    occupied = _occupy(state.occupied, real)
    rest = batch[~batch["household_id"].isin(set(real["household_id"]))]
    # the pins and bans of the households still to place (those placed above are fixed)
    left = set(rest["household_id"])
    second = allocate_tables(
        _with(state, rest, occupied),
        cfg.model_copy(
            update={
                "pins": [p for p in cfg.pins if p.household_id in left],
                "bans": [b for b in cfg.bans if b.household_id in left],
            }
        ),
    )
    timed.append(_timed_out(second))
    placed = pd.concat([real, second.assignments], ignore_index=True)
    result = _rescored(state, batch, cfg, placed)
    if any(timed) and result.status.has_solution:
        # the rescoring is exact for the placements made, but a solve that chose them
        # was cut short by the time limit: nothing is proven about the period
        result = replace(
            result,
            status=SolveStatus.FEASIBLE,
            bound=-np.inf,
            gap=np.inf,
            solver_stats={**result.solver_stats, "time_limit_hit": "True"},
        )
    return (
        result,
        pd.concat(expected_need, ignore_index=True),
        deferred,
        _kept(kept_for, set(placed["unit_id"])),
    )


def _two_stage(
    state: Tables,
    batch: pd.DataFrame,
    futures: list[pd.DataFrame],
    cfg: AllocationConfig,
    expected_need: list[pd.DataFrame],
    kept_for: list[pd.DataFrame],
    timed: list[bool],
) -> pd.DataFrame:
    """The real households' placements of the two-stage look-ahead
    (:func:`~opvang_opt.allocation.twostage.plan_two_stage`), kept as far as they pass
    the checker (:func:`_feasible_part`); appends each future's expected households'
    school needs per site to ``expected_need``, their units to ``kept_for``, and to
    ``timed`` whether the program stopped at the time limit."""
    from opvang_opt.allocation.twostage import plan_two_stage

    plan = plan_two_stage(state, batch, futures, cfg)
    timed.append(plan.status != "optimal")
    for future, got in zip(futures, plan.expected, strict=True):
        pos = [int(h.rsplit(":", 1)[1]) for h in got["household_id"]]
        rows = future.iloc[pos]
        expected_need.append(_need_by_site(rows.assign(site_id=got["site_id"].to_numpy()), cfg))
        kept_for.append(
            pd.DataFrame(
                {
                    "unit_id": got["unit_id"].to_numpy(),
                    "persons": rows["persons"].to_numpy(),
                    "group": rows["group"].to_numpy(),
                }
            )
        )
    chosen = dict(zip(plan.real["household_id"], plan.real["unit_id"], strict=True))
    return _feasible_part(state, batch, cfg, chosen)


def _timed_out(result: AllocationResult) -> bool:
    """Whether the time limit stopped the solve of ``result``."""
    return (
        result.solver_stats.get("time_limit_hit") == "True"
        or result.status is SolveStatus.NO_SOLUTION
    )


def _kept(kept_for: list[pd.DataFrame], given: set[str]) -> pd.DataFrame:
    """The units the futures' expected households got (``kept_for``, one table of
    ``unit_id, persons, group`` per future) and no household of the period got
    (``given``): per unit the largest expected household, the number of futures, and
    the reason."""
    cols = ["unit_id", "persons", "group", "futures", "reason"]
    frames = [f.assign(future=i) for i, f in enumerate(kept_for) if len(f)]
    if not frames:
        return pd.DataFrame(columns=cols)
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[~rows["unit_id"].isin(given)]
    futures = rows.groupby("unit_id")["future"].nunique()
    top = rows.sort_values(["unit_id", "persons", "group"], ascending=[True, False, True])
    top = top.drop_duplicates("unit_id").reset_index(drop=True)
    top["futures"] = futures.loc[top["unit_id"]].to_numpy()
    top["reason"] = [
        Message(
            "allocation.rolling.kept_for_expected",
            {"unit": u, "persons": int(p), "group": g, "futures": int(f), "of": len(kept_for)},
        )
        for u, p, g, f in zip(
            top["unit_id"], top["persons"], top["group"], top["futures"], strict=True
        )
    ]
    return top[cols]


def _need_by_site(placed: pd.DataFrame, config: AllocationConfig) -> pd.DataFrame:
    """Children needing a newcomer-education place (``taalklas``, ``isk``) of the
    households ``placed`` (with a ``site_id`` column), one row per household."""
    from opvang_opt.allocation.check import children_needing_places

    taal, isk = children_needing_places(placed, config)
    site = placed["site_id"].to_numpy() if "site_id" in placed else np.zeros(0, object)
    return pd.DataFrame({"site_id": site, "taalklas": taal, "isk": isk})


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


def school_use(
    schools: pd.DataFrame,
    sites: pd.DataFrame,
    reach_m: float,
    placed: pd.DataFrame,
    expected: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which schools' places the children ``placed`` in one period take, chosen to
    leave as many places as possible for the children ``expected`` later.

    Both tables hold ``site_id``, ``taalklas`` and ``isk`` (children needing a place,
    per household or per site). Per band, a min-cost flow routes every placed child to
    a school within ``reach_m`` of its site that has a place (each costs ``-B``, with
    ``B`` larger than the number of expected children, so all of them are routed
    first), then as many expected children as the places left allow (each ``-1``).
    The placed children's flow is their use; the expected children only steer it.

    Returns
    -------
    pandas.DataFrame
        ``school_id, taalklas_used, isk_used`` for every school.

    Raises
    ------
    InternalError
        When the placed children do not fit the places (the period was checked
        against these places, so this is a bug).

    Examples
    --------
    Two schools with one place each; site S1 reaches both, S2 only school B. The
    child placed on S1 takes school A, because a child expected on S2 can only use B:

    >>> sc = pd.DataFrame({"school_id": ["A", "B"], "x": [0.0, 2000.0], "y": [0.0, 0.0],
    ...                    "taalklas_places": [1, 1], "isk_places": [0, 0]})
    >>> st = pd.DataFrame({"site_id": ["S1", "S2"], "x": [1000.0, 3000.0], "y": [0.0, 0.0]})
    >>> now = pd.DataFrame({"site_id": ["S1"], "taalklas": [1], "isk": [0]})
    >>> later = pd.DataFrame({"site_id": ["S2"], "taalklas": [1], "isk": [0]})
    >>> school_use(sc, st, 1500.0, now, later)["taalklas_used"].tolist()
    [1, 0]
    """
    from ortools.graph.python import min_cost_flow

    from opvang_opt.errors import InternalError

    out = pd.DataFrame({"school_id": schools["school_id"].to_numpy()})
    n_s = len(schools)
    site_row = {s: i for i, s in enumerate(sites["site_id"])}
    dx = sites["x"].to_numpy(float)[:, None] - schools["x"].to_numpy(float)[None, :]
    dy = sites["y"].to_numpy(float)[:, None] - schools["y"].to_numpy(float)[None, :]
    reach = np.hypot(dx, dy) <= reach_m
    exp = expected if expected is not None else placed.iloc[0:0]
    for band in ("taalklas", "isk"):
        used = np.zeros(n_s, np.int64)
        need = placed.groupby("site_id")[band].sum()
        need = need[need > 0]
        if need.empty:
            out[f"{band}_used"] = used
            continue
        later = exp.groupby("site_id")[band].sum() if len(exp) else need.iloc[0:0]
        later = later[later > 0]
        places = schools[f"{band}_places"].to_numpy(np.int64)
        big = int(later.sum()) + 1
        # nodes: 0 source, 1 sink, 2.. demand nodes, then schools
        demand = [(s, int(n), big) for s, n in need.items()] + [
            (s, int(n), 1) for s, n in later.items()
        ]
        flow = min_cost_flow.SimpleMinCostFlow()
        first_school = 2 + len(demand)
        total = sum(n for _, n, _ in demand)
        placed_arcs: list[tuple[int, int]] = []
        for d, (site, n, cost) in enumerate(demand):
            flow.add_arc_with_capacity_and_unit_cost(0, 2 + d, n, -cost)
            for k in np.flatnonzero(reach[site_row[site]] & (places > 0)):
                arc = flow.add_arc_with_capacity_and_unit_cost(2 + d, first_school + k, n, 0)
                if cost == big:
                    placed_arcs.append((arc, int(k)))
        for k in np.flatnonzero(places > 0):
            flow.add_arc_with_capacity_and_unit_cost(first_school + k, 1, int(places[k]), 0)
        flow.add_arc_with_capacity_and_unit_cost(0, 1, total, 0)
        flow.set_node_supply(0, total)
        flow.set_node_supply(1, -total)
        if flow.solve() != flow.OPTIMAL:
            raise InternalError("school places of a rolling period: the flow has no solution")
        for arc, school in placed_arcs:
            used[school] += flow.flow(arc)
        if used.sum() != need.sum():
            raise InternalError(
                f"school places of a rolling period: {int(need.sum() - used.sum())} "
                f"{band} children placed without a place"
            )
        out[f"{band}_used"] = used
    return out


def _after_period(
    state: Tables, a: pd.DataFrame, config: AllocationConfig, expected_need: pd.DataFrame
) -> Tables:
    """The units and school places left after one period's placements ``a``.

    With ``rolling.carry_school_places``, the children placed take places of the
    schools chosen by :func:`school_use`: those that leave the most places for the
    children the look-ahead expects (``expected_need``), not whichever a flow happens
    to find first."""
    schools_now = state.schools
    if config.rolling.carry_school_places and config.school_capacity and len(a):
        hh = state.households.set_index("household_id").loc[a["household_id"]]
        placed = _need_by_site(hh.assign(site_id=a["site_id"].to_numpy()), config)
        use = school_use(state.schools, state.sites, config.school_reach_m, placed, expected_need)
        schools_now = schools_now.copy()
        for band in ("taalklas", "isk"):
            used = use[f"{band}_used"].to_numpy()
            schools_now[f"{band}_places"] = schools_now[f"{band}_places"].to_numpy() - used
    return Tables(
        state.households,
        state.units,
        state.sites,
        schools_now,
        state.gps,
        _occupy(state.occupied, a),
    )

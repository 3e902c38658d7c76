"""Benchmark: rolling placement against the hindsight optimum (issue 12).

A year of arrivals (synthetic, seeded; every hard rule active) is replayed in weekly
batches with :func:`~opvang_opt.allocation.run_rolling`: each week places that week's
arrivals and those still waiting, without knowing later arrivals. The *hindsight*
optimum allocates the whole year at once, knowing every arrival, and is proven optimal
(``relative_gap: 0``; its status and gap are printed). First-come-first-
served (the manual baseline: each household in arrival order takes the first fitting
unit) is measured on the same year.

Columns: "rolling" is the rolling rule (``--sample``, ``--scenarios``, ``--lookahead``;
by default the settings' defaults) whose look-ahead gets last year's arrivals as its
history (``run_rolling(history=...)``; :func:`previous_year`: the same generator with
another seed, arrival dates over 2024, never the replayed year), as Annie MOORE's dynamic
placement samples its futures from the previous year's arrivals; "no hist" is the same rule
knowing only the arrivals so far (the rule before the history); "other" the rule with the
other ``lookahead_sample`` (with the history); "no resv" the rule without the reserve for
families needing newcomer-education places (``reserve_sd: 0``, with the history); "no look"
the rule without look-ahead (``lookahead_periods: 0``); "decide" the rule with the other
``decide_by_deadline`` (with the history): each household decided in the week it arrives
instead of in the last week that ends by its deadline, or the other way round; "school"
the rule deciding by the deadline with the other ``school_families_on_arrival`` (families
needing school places waiting too, or not); "perfect" the rule whose look-ahead is given
the replayed year's own arrivals (``run_rolling(forecast=...)``): not a rule, a bound on
what any forecast of who comes can give. The share
of hindsight is ``hindsight objective / method's objective`` (costs are minimised, so
100 % is as good as hindsight) when both place as many households (a ``*`` marks a method
that places fewer: its share is not comparable); the placed counts are printed beside it.
Target: rolling >= 98 % of hindsight.

Units: about 10 % more than households; 60 % ready at the start of the year, the rest
delivered in three batches (April, July, October). Households may wait up to
``max_wait_days`` for a unit.

Each rolling solve gets ``--time-limit`` seconds (120 by default), so that a busy
machine does not cut a period's solve short and change the placements.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_rolling.py [--json] [--seeds 6]
[--jobs 3]`` (``--seed-list 2,4`` measures only those seeds; ``--set KEY=VALUE`` changes
a rolling setting for every method, e.g. ``--set expected_weight=0.5``).

Measured 2026-11-30, eighth session (``--seeds 6 --jobs 1 --skip no_history,other_sample,
no_lookahead,no_reserve,other_school_families``; load average 4.2 before, 1.4 after, on 2
cpus; the placements do not depend on the load; hindsight proven optimal, gap 0). Default
rule: deciding by the deadline, families needing school places on arrival
(``decide_by_deadline`` and ``school_families_on_arrival`` on). The column "decide by
deadline, all" is the earlier measurement (same session, same code path) of
``decide_by_deadline`` with every household waiting:

====  =====  ============  ============  ============  ==========  ============
seed  hind-  rolling       on arrival    by deadline,  perfect     FCFS
      sight  (default)                   all           forecast
====  =====  ============  ============  ============  ==========  ============
0     600    98.6 %        98.2 %        98.7 %        100.0 %     39.7 % (599)
1     600    97.8 %        96.2 %        98.4 %        100.0 %     41.9 %
2     600    96.8 %* 596   95.9 %* 596   96.3 %* 598   100.0 %     52.6 %
3     600    96.9 %        96.2 %        95.1 %        100.0 %     42.3 %
4     599    101.1 %* 591  100.7 %* 589  104.3 %* 585  102.2 %*    51.5 %
                                                       593
5     600    97.7 %        94.9 %        97.5 %        100.0 %     41.0 % (596)
====  =====  ============  ============  ============  ==========  ============

(hindsight: households placed; ``*`` and a count: fewer placed than hindsight, that many.)

Over the four seeds placing as many as hindsight: mean 97.7 % (worst 96.9 %) for the
default, against 96.4 % (worst 94.9 %) deciding on arrival and 97.4 % (worst 95.1 %) with
every household deciding by its deadline; 12 households short on seeds 2 and 4 against 14
and 16. FCFS: mean 47.1 %; its placements break rules (2-4 violations per seed, column
"viol"). The target (>= 98 % on every seed, placing as many) is NOT met.

What limits it: not knowing who comes. With the year's real arrivals as the look-ahead's
forecast the same rule equals hindsight on five seeds (100.0 %) and places 593 of 599 on
seed 4 (so there the period-by-period decisions themselves lose 6 households). One-off
diagnostics on seed 3 (deciding on arrival, ``reserve_sd: 0``; a script patching the
expected stream, not kept): the real future households with their dates spread evenly
and shuffled 99.95 %, so timing hardly matters; the sample with the real number of
arrivals 96.0 %; the real sizes, groups, children and needs with work places,
preferences and refusals drawn from the history 95.4 %; the sampled kinds with the real
work places, preferences and refusals 95.6 %; the sample without work places,
preferences and refusals 95.3 % (599 placed). Only knowing the households themselves
(kind and place together) closes the gap. Tried and not better: the expected number
scaled by 1.1 (seeds 3, 5: 94.1, 92.0 %) or 0.9 (95.2, 96.4 %); ``reserve_sd: 3`` (seed 4:
587 placed). Earlier sessions: dual prices from LPs of 8-16 sampled futures (96.6 %), a
reserve per household size (seeds 3, 5: 94.4 and 93.1 %), ``reserve_sd: 2`` with deciding
by the deadline (seed 4: 581 placed), several sampled futures jointly. Most of the loss
falls on the last arrivals of the year, who find the units of their size and the school
places in reach taken (seed 3 deciding on arrival: December about 22 of 35 points); the
households short are newcomer families (3-6 persons, children needing places) arriving in
November and December, when the units on sites in reach of schools with places are taken.

Measured 2026-11-30, ninth session (``--jobs 1 --skip no_history,other_sample,
no_lookahead,no_reserve,other_decide,other_school_families,perfect_forecast``, one
process at a time beside other sessions' work: load average 4.3-10.4 on 2 cpus; the
placements do not depend on the load; hindsight proven optimal, gap 0 on every run).
Seed 3 with the default rule again: 96.9 % (the same as above). Two engine-level ideas:

* ``--set expected_weight=0.5`` (the expected households' costs at half weight in the
  look-ahead, :data:`opvang_opt.allocation.model.COST_WEIGHT`), all six seeds (seeds 0,
  1, 2, 4 in 1,485 s at load 8.9 before, 6.3 after; seeds 3, 5 in 573 s at 6.5, 10.2)::

    seed  hindsight placed | rolling placed   share | FCFS placed   share viol
       0      902.4    600 |   911.8    600  99.0%  |   2271.0  599  39.7%   3
       1      975.4    600 |   995.2    600  98.0%  |   2325.9  600  41.9%   2
       2     1231.7    600 |  1230.7    594 100.1%* |   2343.8  600  52.6%   2
       3      910.0    600 |   934.1    600  97.4%  |   2153.2  600  42.3%   4
       4     1204.8    599 |  1155.6    589 104.3%* |   2338.6  600  51.5%   2
       5      904.7    600 |   925.7    600  97.7%  |   2208.7  596  41.0%   3

  mean 98.0 %, worst 97.4 % over the four seeds placing as many as hindsight (default:
  97.7 %, 96.9 %), but 16 households short on seeds 2 and 4 (594 and 589 placed) against
  the default's 12 (596 and 591). Placing comes first (a share is only comparable at
  equal counts), so this is not better and the default stays 1 (which households are
  short was not analysed; the weight changes costs only, so the real households' cheaper
  units must leave less for later arrivals). ``expected_weight=0.7``, seeds 3
  and 5 only: 97.3 and 97.1 % (default 96.9 and 97.7 %); ``expected_weight=0.8``, seeds
  2 and 4 only (466 s, load 5.8 before, 5.7 after): 597 and 589 placed, 13 short
  against 12. The default rule on seed 5 after these engine changes: 97.7 % (as above).
* ``--set expected_in_mix=false`` (expected households not counted in the mix rules),
  seeds 3 and 5 only (501 s, load 10.1 before, 8.8 after): 96.7 and 97.5 %, below the
  default's 96.9 and 97.7 %; not measured further.

Idea (d), choosing again the unit of a household that has not moved in yet
(``--set decide_at_move_in=true``, with the default rule), seeds 2 and 4 only (the two
placing fewer; 551 s, load 4.8 before, 5.9 after): 598 and 587 placed (97.0* and
102.3*) against the default's 596 and 591: 14 short against 12; not measured further.
Households still waiting are already planned again every week by
``decide_by_deadline``.
Not tried for lack of time this session: several sampled futures in one two-stage
program (this week's placements shared, the futures' placements per future); the
consensus over 5 futures (``lookahead_scenarios``) and the duals of 8-16 sampled
futures were measured worse in earlier sessions. The target is still NOT met.

Measured 2026-11-30, eleventh session: the two-stage look-ahead
(``rolling.lookahead_method: two_stage``, :mod:`opvang_opt.allocation.twostage`; the
period's households integer, the futures' columns relaxed to their LP), ``--seed-list 3,5
--skip no_history,other_sample,no_reserve,no_lookahead,other_decide,
other_school_families,perfect_forecast,one_future --set lookahead_method=two_stage
--scenarios 3`` (1,798 s; load average 6.5 before, 10.2 after, on 2 cpus, beside other
sessions' tests; hindsight proven optimal, gap 0)::

    seed  hindsight placed | rolling placed   share viol | FCFS placed   share viol | roll s
       3      910.0    600 |   952.5    600  95.5%    0  | 2153.2  600  42.3%    4 | 1149.6
       5      904.7    600 |   948.7    600  95.4%    0  | 2208.7  596  41.0%    3 |  636.4

Three futures sampled as for the consensus (Poisson counts, households drawn with
replacement, no reserve) in one two-stage program reach 95.5 and 95.4 %, below the
default rule's 96.9 and 97.7 % on the same seeds. The futures as the two-stage method
now builds them, three stratified expected streams with the reserve (each taking other
households of every stratum; the same command, 1,480 s, load average 14.0 before, 11.6
after)::

    seed  hindsight placed | rolling placed   share viol | FCFS placed   share viol | roll s
       3      910.0    600 |   977.0    600  93.1%    0  | 2153.2  600  42.3%    4 |  707.6
       5      904.7    600 |   940.5    600  96.2%    0  | 2208.7  596  41.0%    3 |  753.8

93.1 and 96.2 %: worse again. Neither was measured on the other seeds, and the two-stage
method stays opt-in. What the LP relaxation of the futures costs: ``--seed-list 3
--scenarios 1`` with ``two_stage`` (one future, the default rule's own stream, relaxed;
159 s, load average 1.0 before, 3.9 after) reaches 95.3 % (600 placed) against the
default's 96.9 % with the same stream kept integer. So the relaxation alone loses about
1.6 points on seed 3, and three futures do not win it back (93.1 %). Next step, not
taken for lack of time: integer futures (``plan_two_stage(..., integer_futures=True)``,
about 90 s a week with three futures at load 6, against 10-25 s relaxed).

Measured 2026-11-30, eleventh session, after the fix that never places a household in a
period that starts after its deadline (before, a household the last period before its
deadline could not place was placed weeks later and counted as placed): ``--seeds 6
--jobs 2 --skip`` every variant (614 s and 479 s wall, load average 0.6-2.7 on 2 cpus;
hindsight proven optimal; 0 violations). Shares marked ``*`` are not comparable (fewer
placed):

====  =========  ===================  ===================  =============
seed  hindsight  by the deadline      on arrival           FCFS
                 (default before)     (default now)
====  =========  ===================  ===================  =============
0     600        101.1 %* 588         99.1 %* 596          39.7 % (599)
1     600        103.5 %* 587         97.2 %* 599          41.9 %
2     600         98.5 %* 590         95.9 %* 596          52.6 %
3     600        103.0 %* 585         96.1 %* 599          42.3 %
4     599        103.5 %* 582        102.4 %* 585          51.5 %
5     600        102.0 %* 587         94.3 %* 599          41.0 % (596)
====  =========  ===================  ===================  =============

Every household short is short for a mix rule (seed 5 by the deadline: 13 of 13, e.g.
"ontheemden max 60%" on a site): a rolling period applies the share to the units of the
site occupied at that moment, while hindsight applies it to the whole year's, so an
ontheemde arriving while a site holds few others cannot take a unit there until they
come. Deciding by the deadline gives a household one chance; deciding on arrival tries
again every week until its deadline, so it places 55 more and is now the default. The
target is NOT met: no seed places as many as hindsight. What would close most of it is a
decision on what a mix share means over time (for example applied from a site's q-th
occupied unit for "p of every q", or to the units planned for the site), which is the
users' to make.

Measured 2026-11-30, twelfth session: the mix rules week by week (``--seeds 6 --jobs 2
--json --skip`` every variant; 1,085 s wall, load average 5.1 before, 7.0 after on 2
cpus, beside three helpers' tests; the placements are the eleventh session's, to the
household: the rule is deterministic). Hindsight keeps a mix rule only after the year: a
plan that gives every household its unit in the week it arrives breaks the rules on some
sites for weeks (a count written in :func:`hindsight_weekly.broken_weeks`, checked by
hand in ``tests/allocation/test_hindsight_weekly.py``). The rolling run, counted from
the week each household is placed, breaks none. The LP bounds are those of a hindsight
keeping every rule every week, each household counting from the week it arrives
(:mod:`hindsight_weekly`, ``relax=True``; its exact model, proven on small years, is not
solved in minutes at 600 households)::

    seed | hindsight placed, weeks broken | on-arrival LP: placed <=, cost >= | rolling placed
       0 |              600,          103 |                      600,   902.9 |            596
       1 |              600,           95 |                      600,   981.8 |            599
       2 |              600,           62 |                      600,  1231.9 |            596
       3 |              600,           56 |                      600,   912.5 |            599
       4 |              599,           98 |                      599,  1207.2 |            585
       5 |              600,           87 |                      599,   898.2 |            599

So the hindsight the target is measured against is a plan nobody could follow week by
week: it breaks a rule in 56-103 site-weeks a year. Keeping the rules from arrival costs
little in the LP (cost bounds 0.0-0.7 % above hindsight's on seeds 0-4, where both place
as many) and lowers the most that can be placed only on seed 5, to 599, which rolling
places. The LP bounds do not close the question: they allow 600 on four seeds where
rolling places 596-599 (and 599 on seed 4, where it places 585), and a rule letting
households wait could do better than any bound counted from arrival. A bound for every
rolling rule (each household counting from its deadline's week for the rules it is
limited by, from arrival for the others; ``counting="bound"``) is vacuous here: with 60
days to wait, it equals hindsight's (600, 904.654 on seed 5). The target is NOT met;
what is measured now is how far the reference itself is from what a week-by-week process
may do.

Measured 2026-11-30, thirteenth session: a fair reference (``--seeds 6 --jobs 2 --json
--skip`` every variant; two runs side by side beside three helpers' tests, load average
0.3 before, 6.7 after, and 7.0 before, 6.0 after, on 2 cpus, 1,311 and 1,460 s wall;
hindsight proven optimal). A mix rule may now be counted over all a site's units
(``basis: units``, ``--mix-basis units``): "at most half of the homes on this site for
statushouders". Such a rule only counts the group's units, which only grow over a year,
so it means the same week by week as after the year: hindsight's plan breaks it in no
week, and the comparison is between plans that keep the same rules. With no mix rules at
all (``--mix-basis none``) it is the same kind of comparison::

    seed  hindsight placed | units: rolling placed  share | none: rolling placed  share
       0      902.4    600 |        922.9    600   97.8 % |       918.5    600   98.3 %
       1      975.4    600 |       1000.5    600   97.5 % |      1006.8    600   96.9 %
       2     1231.7    600 |       1270.2    595   97.0 %*|      1276.4    597   96.5 %*
       3      910.0    600 |        952.7    600   95.5 % |       946.6    600   96.1 %
       4     1204.8    599 |       1195.6    591  100.8 %*|      1210.6    588   99.5 %*
       5      904.7    600 |        944.8    600   95.7 % |       946.8    600   95.5 %

Hindsight's objective is the same in all three (the mix rules never bind its whole-year
plan). On the units the rolling rule reaches a mean of 96.6 % (worst 95.5 %) on the four
seeds placing as many, and places 13 fewer on seeds 2 and 4; with no mix rules 96.7 %
(worst 95.5 %), 14 fewer. So the rule on the occupied units explained the households
short for a mix rule (25 before), but not the distance to 98 %: that is what a rolling
rule loses for not knowing who comes (given the year's own arrivals as its forecast it
equalled hindsight, eighth session). Deciding by the deadline on the units (``--set
decide_by_deadline=true --mix-basis units``, 1,122 s, load average 4.6 before, 4.5
after): 98.4, 97.6, 97.0* (596), 97.0, 103.1* (588), 96.5 %, a mean of 97.4 % (worst
96.5 %) but 15 households short on seeds 2 and 4 against 13; placing comes first, so the
default stays on arrival. The target is NOT met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from opvang_opt.allocation import allocate_tables, check_allocation, validate_inputs
from opvang_opt.allocation.baseline import allocate_baseline
from opvang_opt.allocation.result import components_of
from opvang_opt.allocation.rolling import run_rolling
from opvang_opt.allocation.synthetic import make_instance
from opvang_opt.schema import RollingSettings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hindsight_weekly import broken_weeks, solve_weekly_hindsight, week_of

TARGET = 0.98


def year_instance(
    n_households: int,
    n_sites: int,
    seed: int,
    max_wait_days: int,
    lookahead: int = RollingSettings().lookahead_periods,
    scenarios: int = 1,
    time_limit_s: float = 120.0,
    sample: str = RollingSettings().lookahead_sample,
    reserve_sd: float = RollingSettings().reserve_sd,
    rolling_set: tuple[tuple[str, object], ...] = (),
    mix_basis: str = "occupied",
):
    """A synthetic year: arrivals over 2025, unit deliveries in four batches; the mix
    rules counted over the occupied units or the site's units (``mix_basis``), or none."""
    n_units = round(1.1 * n_households)
    si = make_instance(n_households, n_units, n_sites, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    start = np.datetime64("2025-01-01")
    hh = si.households.copy()
    residents = hh["current_unit"] != ""
    arrival = start + rng.integers(0, 365, len(hh))
    hh["arrival_date"] = np.where(residents, start - 20, arrival).astype("datetime64[D]")
    un = si.units.copy()
    batch = rng.choice(4, len(un), p=[0.6, 0.4 / 3, 0.4 / 3, 0.4 / 3])
    delivery = np.array(["2024-12-01", "2025-04-01", "2025-07-01", "2025-10-01"], "datetime64[D]")
    lived_in = un["unit_id"].isin(set(hh.loc[residents, "current_unit"]))
    un["available_from"] = np.where(lived_in, delivery[0], delivery[batch])
    rolling = RollingSettings(
        period="week",
        lookahead_periods=lookahead,
        lookahead_scenarios=scenarios,
        lookahead_sample=sample,
        reserve_sd=reserve_sd,
        seed=seed,
        **dict(rolling_set),
    )
    # each period's solves get a roomy limit, so a busy machine does not change the result
    solver = si.config.solver.model_copy(update={"time_limit_s": time_limit_s})
    rules = (
        []
        if mix_basis == "none"
        else [r.model_copy(update={"basis": mix_basis}) for r in si.config.mix_rules]
    )
    config = si.config.model_copy(
        update={
            "max_wait_days": max_wait_days,
            "rolling": rolling,
            "solver": solver,
            "mix_rules": rules,
        }
    )
    return hh, un, si, config


def previous_year(n_households: int, n_sites: int, seed: int) -> pd.DataFrame:
    """Last year's arrivals (2024), the look-ahead's history: households drawn
    independently from the same generator (another seed; the same site ids), never
    the year that is replayed."""
    si = make_instance(n_households, round(1.1 * n_households), n_sites, seed=seed + 7919)
    hh = si.households[si.households["current_unit"] == ""].copy()
    rng = np.random.default_rng(seed + 9000)
    days = rng.integers(0, 366, len(hh))
    hh["arrival_date"] = (np.datetime64("2024-01-01") + days).astype("datetime64[D]")
    hh = hh.sort_values("arrival_date", kind="stable").reset_index(drop=True)
    hh["household_id"] = [f"P{i + 1:05d}" for i in range(len(hh))]
    return hh


def measure(
    n_households: int,
    n_sites: int,
    seed: int,
    max_wait_days: int,
    scenarios: int,
    lookahead: int,
    time_limit_s: float,
    sample: str = RollingSettings().lookahead_sample,
    reserve_sd: float = RollingSettings().reserve_sd,
    skip: tuple[str, ...] = (),
    rolling_set: tuple[tuple[str, object], ...] = (),
    mix_basis: str = "occupied",
) -> dict:
    hh, un, si, config = year_instance(
        n_households,
        n_sites,
        seed,
        max_wait_days,
        lookahead=lookahead,
        scenarios=scenarios,
        time_limit_s=time_limit_s,
        sample=sample,
        reserve_sd=reserve_sd,
        rolling_set=rolling_set,
        mix_basis=mix_basis,
    )
    tables = validate_inputs(hh, un, si.sites, si.schools, si.gps, config)
    # hindsight: the whole year at once, solved to a proven optimum (gap 0)
    exact = config.solver.model_copy(update={"relative_gap": 0.0, "time_limit_s": 900.0})
    t0 = time.perf_counter()
    hind = allocate_tables(tables, config.model_copy(update={"solver": exact}))
    t_hind = time.perf_counter() - t0
    last_year = previous_year(n_households, n_sites, seed)
    t0 = time.perf_counter()
    roll = run_rolling(hh, un, si.sites, si.schools, si.gps, config, history=last_year)
    t_roll = time.perf_counter() - t0
    roll_obj = components_of(roll.assignments, hind.instance.weights).total
    roll_viol = len(check_allocation(tables, config, roll.assignments).violations)
    one_cfg = config.model_copy(
        update={"rolling": config.rolling.model_copy(update={"lookahead_scenarios": 1})}
    )
    one = (
        roll
        if scenarios == 1 or "one_future" in skip
        else run_rolling(hh, un, si.sites, si.schools, si.gps, one_cfg, history=last_year)
    )
    one_obj = components_of(one.assignments, hind.instance.weights).total
    other = "arrival_order" if sample == "stratified" else "stratified"
    variants = {
        # the rule without look-ahead
        "no_lookahead": ({"lookahead_periods": 0}, None),
        # the same rule without last year's arrivals: the look-ahead knows the arrivals so far
        "no_history": ({}, None),
        "other_sample": ({"lookahead_sample": other}, last_year),
        # the same rule without the reserve for families needing school places
        "no_reserve": ({"reserve_sd": 0.0}, last_year),
        # the same rule deciding each household by its deadline (or on arrival, when
        # that is the default)
        "other_decide": (
            {"decide_by_deadline": not RollingSettings().decide_by_deadline},
            last_year,
        ),
        # deciding by the deadline, with households needing school places waiting too (or
        # not, when that is the default)
        "other_school_families": (
            {
                "decide_by_deadline": True,
                "school_families_on_arrival": not RollingSettings().school_families_on_arrival,
            },
            last_year,
        ),
    }
    measured: dict[str, object] = {}
    for key, (update, history) in variants.items():
        if key in skip:
            continue
        cfg = config.model_copy(update={"rolling": config.rolling.model_copy(update=update)})
        if key == "no_reserve" and reserve_sd == 0:
            got = roll
        else:
            got = run_rolling(hh, un, si.sites, si.schools, si.gps, cfg, history=history)
        obj = components_of(got.assignments, hind.instance.weights).total
        measured[f"{key}_placed"] = len(got.assignments)
        measured[f"{key}_objective"] = obj
        measured[f"{key}_share"] = hind.objective / max(obj, 1e-9)
        measured[f"{key}_violations"] = len(
            check_allocation(tables, config, got.assignments).violations
        )
    if "perfect_forecast" not in skip:
        # what the rule loses for not knowing who comes: the look-ahead is given the
        # replayed year's own arrivals (never a rule: a bound on what a forecast can give)
        real = hh[hh["current_unit"] == ""]
        got = run_rolling(hh, un, si.sites, si.schools, si.gps, config, forecast=real)
        obj = components_of(got.assignments, hind.instance.weights).total
        measured["perfect_forecast_placed"] = len(got.assignments)
        measured["perfect_forecast_objective"] = obj
        measured["perfect_forecast_share"] = hind.objective / max(obj, 1e-9)
        measured["perfect_forecast_violations"] = len(
            check_allocation(tables, config, got.assignments).violations
        )
    # the mix rules week by week: hindsight's allocation with each household counting
    # from the week it arrives (from the week it was placed, for the rolling run)
    arrival_week = dict(zip(hh["household_id"], week_of(hh["arrival_date"]), strict=True))
    placed_week = dict(
        zip(
            roll.assignments["household_id"],
            week_of(roll.assignments["period"].str[:10].to_numpy()),
            strict=True,
        )
    )
    measured["hindsight_broken_weeks"] = broken_weeks(
        tables, config, hind.assignments, arrival_week
    )
    measured["rolling_broken_weeks"] = broken_weeks(tables, config, roll.assignments, placed_week)
    if "weekly" not in skip and mix_basis == "occupied":
        # LP bounds of the hindsight keeping the mix rules every week, each household
        # counting from the week it arrives (benchmarks/hindsight_weekly.py)
        lp = solve_weekly_hindsight(hind.instance, "arrival", relax=True)
        measured["arrival_lp_placed"] = lp.placed
        measured["arrival_lp_cost"] = lp.objective
    fcfs = allocate_baseline(tables, config)
    fcfs_obj = components_of(fcfs, hind.instance.weights).total
    fcfs_viol = len(check_allocation(tables, config, fcfs).violations)
    return {
        "seed": seed,
        "households": n_households,
        "units": len(un),
        "weeks": len(roll.periods),
        "hindsight_placed": len(hind.assignments),
        "hindsight_objective": hind.objective,
        "hindsight_status": hind.status.value,
        "hindsight_gap": hind.gap,
        "hindsight_seconds": t_hind,
        "rolling_placed": len(roll.assignments),
        "rolling_objective": roll_obj,
        "rolling_share": hind.objective / max(roll_obj, 1e-9),
        "rolling_violations": roll_viol,
        "rolling_seconds": t_roll,
        "lookahead_periods": config.rolling.lookahead_periods,
        "rolling_deferred": int(sum(p.deferred for p in roll.periods)),
        "scenarios": scenarios,
        "one_future_placed": len(one.assignments),
        "one_future_share": hind.objective / max(one_obj, 1e-9),
        "lookahead_sample": sample,
        "other_sample": other,
        "reserve_sd": reserve_sd,
        "rolling_set": dict(rolling_set),
        "mix_basis": mix_basis,
        "history_households": len(last_year),
        **measured,
        "fcfs_placed": len(fcfs),
        "fcfs_objective": fcfs_obj,
        "fcfs_share": hind.objective / max(fcfs_obj, 1e-9),
        "fcfs_violations": fcfs_viol,
    }


METHODS = (
    "rolling",
    "no_history",
    "other_sample",
    "no_reserve",
    "no_lookahead",
    "other_decide",
    "other_school_families",
    "perfect_forecast",
    "fcfs",
)
"""The methods of a row (``<method>_share``, ``<method>_placed``)."""


VARIANT_COLUMNS = METHODS[1:-1]
"""The variants of a row, in the order of the table's columns."""


def method_summary(rows: list[dict], key: str) -> dict:
    """Share of hindsight of one method over the seeds where it places as many households
    as hindsight (a share is only comparable there: unplaced households cost nothing),
    and how many seeds and households it falls short on elsewhere."""
    ok = [r for r in rows if r[f"{key}_placed"] >= r["hindsight_placed"]]
    shares = [r[f"{key}_share"] for r in ok]
    return {
        "share_mean": float(np.mean(shares)) if shares else float("nan"),
        "share_min": float(min(shares)) if shares else float("nan"),
        "seeds_comparable": len(ok),
        "seeds_placing_fewer": len(rows) - len(ok),
        "households_short": int(
            sum(max(0, r["hindsight_placed"] - r[f"{key}_placed"]) for r in rows)
        ),
    }


def print_table(rows: list[dict], summary: dict) -> None:
    """Print the table of :func:`main` (also from a saved ``--json`` document)."""
    print(f"mix rules counted over: {rows[0].get('mix_basis', 'occupied')}")
    head = (
        f"{'seed':>4} {'hh':>5} {'weeks':>5} | {'hindsight':>9} {'placed':>6} | "
        f"{'rolling':>9} {'placed':>6} {'share':>7} {'viol':>4} | "
        f"{'no hist':>7} {'other':>7} {'no resv':>7} {'no look':>7} {'decide':>7} "
        f"{'school':>7} {'perfect':>7} | "
        f"{'FCFS':>9} {'placed':>6} {'share':>7} {'viol':>4} | {'roll s':>6}"
    )
    print(head)
    print("-" * len(head))

    def mark(share: float, placed: int, r: dict) -> str:
        # a share is only comparable when as many households are placed as in hindsight
        if share != share:  # a variant not measured (--skip)
            return f"{'-':>7}"
        return f"{share:>6.1%}" + ("*" if placed < r["hindsight_placed"] else " ")

    nan = float("nan")
    for r in rows:
        print(
            f"{r['seed']:>4} {r['households']:>5} {r['weeks']:>5} | "
            f"{r['hindsight_objective']:>9.1f} {r['hindsight_placed']:>6} | "
            f"{r['rolling_objective']:>9.1f} {r['rolling_placed']:>6} "
            f"{mark(r['rolling_share'], r['rolling_placed'], r)} {r['rolling_violations']:>4} "
            + " ".join(
                mark(r.get(f"{k}_share", nan), r.get(f"{k}_placed", 0), r) for k in VARIANT_COLUMNS
            )
            + " | "
            f"{r['fcfs_objective']:>9.1f} {r['fcfs_placed']:>6} {r['fcfs_share']:>7.1%} "
            f"{r['fcfs_violations']:>4} | {r['rolling_seconds']:>6.1f}"
        )
    print("* fewer households placed than in hindsight: the share is not comparable")
    print()
    if "hindsight_broken_weeks" in rows[0]:
        print(
            "mix rules week by week (weeks broken, summed over rules and sites; a household "
            "counting from the week it arrives, or for rolling the week it is placed):"
        )
        print(
            f"{'seed':>4} | {'hindsight broken site-weeks':>27} | {'rolling broken':>14} | "
            f"{'on-arrival LP: placed <=':>24} {'cost >=':>8} | {'rolling placed':>14}"
        )
        for r in rows:
            lp = (
                f"{r['arrival_lp_placed']:>24} {r['arrival_lp_cost']:>8.1f}"
                if "arrival_lp_placed" in r
                else f"{'-':>24} {'-':>8}"
            )
            print(
                f"{r['seed']:>4} | {r['hindsight_broken_weeks']:>27} | "
                f"{r['rolling_broken_weeks']:>14} | {lp} | {r['rolling_placed']:>14}"
            )
        print()
    print(
        f"target: rolling >= {TARGET:.0%} of hindsight on every seed, placing as many: "
        f"{'met' if summary['meets_target'] else 'NOT met'} ({rows[0]['scenarios']} sampled "
        f"futures, look-ahead {rows[0].get('lookahead_periods', '?')} weeks, "
        f"{rows[0].get('lookahead_sample', 'arrival_order')} sample, "
        f"reserve {rows[0].get('reserve_sd', 0.0)} sd"
        + "".join(f", {k} {v}" for k, v in rows[0].get("rolling_set", {}).items())
        + ")"
    )
    labels = {
        "rolling": "rolling (last year's arrivals)",
        "no_history": "without last year's arrivals",
        "other_sample": f"other sample ({rows[0].get('other_sample', '?')})",
        "no_reserve": "without the school-place reserve",
        "no_lookahead": "without look-ahead",
        "other_decide": (
            "deciding on arrival"
            if RollingSettings().decide_by_deadline
            else "deciding by the deadline"
        ),
        "other_school_families": (
            "by the deadline, school families too"
            if RollingSettings().school_families_on_arrival
            else "by the deadline, school families on arrival"
        ),
        "perfect_forecast": "perfect forecast (who comes)",
        "fcfs": "first-come-first-served",
    }
    for key, label in labels.items():
        if f"{key}_share" not in rows[0]:
            continue
        m = method_summary(rows, key)
        fewer = (
            f"; {m['seeds_placing_fewer']} place fewer ({m['households_short']} households in all)"
            if m["seeds_placing_fewer"]
            else ""
        )
        print(
            f"  {label:34s} mean {m['share_mean']:6.1%}, worst {m['share_min']:6.1%} over the "
            f"{m['seeds_comparable']} seeds placing as many as hindsight{fewer}"
        )
    print(
        "hindsight: "
        + ", ".join(sorted({r["hindsight_status"] for r in rows}))
        + f", largest proven gap {max(r.get('hindsight_gap', float('nan')) for r in rows):.1e}"
    )
    m = summary["machine"]
    print(
        f"wall {summary['wall_seconds']:.0f} s; load average before {m['load_average_before']}, "
        f"after {m['load_average_after']} on {m['cpus']} cpus"
    )


def _settings(pairs: list[str]) -> tuple[tuple[str, object], ...]:
    """``--set KEY=VALUE`` pairs as rolling-setting updates, each value checked by
    :class:`RollingSettings`."""
    out = []
    for pair in pairs:
        key, _, value = pair.partition("=")
        checked = RollingSettings.model_validate({key: value})
        out.append((key, getattr(checked, key)))
    return tuple(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON document")
    parser.add_argument("--seeds", type=int, default=6, help="number of seeded years")
    parser.add_argument(
        "--seed-list", help="comma-separated seeds to measure (instead of 0 .. --seeds - 1)"
    )
    parser.add_argument(
        "--reserve-sd",
        type=float,
        default=RollingSettings().reserve_sd,
        help="reserve for families needing school places (default: the setting's default)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a rolling setting for every method (e.g. expected_weight=0.5); repeatable",
    )
    parser.add_argument("--households", type=int, default=600)
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--max-wait-days", type=int, default=60)
    parser.add_argument(
        "--scenarios",
        type=int,
        default=RollingSettings().lookahead_scenarios,
        help="sampled futures of the look-ahead (default: the setting's default)",
    )
    parser.add_argument(
        "--lookahead",
        type=int,
        default=RollingSettings().lookahead_periods,
        help="look-ahead periods (default: the setting's default)",
    )
    parser.add_argument(
        "--sample",
        choices=["arrival_order", "stratified"],
        default=RollingSettings().lookahead_sample,
        help="expected households of the look-ahead (the other one is reported beside it)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help="seconds per solve of a rolling period"
    )
    parser.add_argument(
        "--skip",
        help="comma-separated variants not to measure (no_lookahead, no_history, "
        "other_sample, no_reserve, other_decide, other_school_families, perfect_forecast, "
        "weekly (the on-arrival LP bounds); "
        "their columns show '-'; one_future: with --scenarios above 1, no run of the same "
        "rule with one future beside it)",
    )
    parser.add_argument(
        "--mix-basis",
        choices=["occupied", "units", "none"],
        default="occupied",
        help="the mix rules counted over the occupied units (the rules' default), over the "
        "site's units (the same rule week by week as after the year), or no mix rules",
    )
    parser.add_argument("--table-from", help="print the table of a saved --json document")
    parser.add_argument("--jobs", type=int, default=1, help="seeds measured in parallel")
    args = parser.parse_args(argv)
    if args.table_from:
        with open(args.table_from) as f:
            doc = json.load(f)
        print_table(doc["rows"], doc["summary"])
        return 0
    seeds = (
        [int(s) for s in args.seed_list.split(",")] if args.seed_list else list(range(args.seeds))
    )
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    work = [
        (
            args.households,
            args.sites,
            seed,
            args.max_wait_days,
            args.scenarios,
            args.lookahead,
            args.time_limit,
            args.sample,
            args.reserve_sd,
            tuple(args.skip.split(",")) if args.skip else (),
            _settings(args.set),
            args.mix_basis,
        )
        for seed in seeds
    ]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(measure, *zip(*work, strict=True)))
    else:
        rows = [measure(*w) for w in work]
    wall = time.perf_counter() - t0
    summary = {
        "target_rolling_share": TARGET,
        **{f"{k}_summary": method_summary(rows, k) for k in METHODS if f"{k}_share" in rows[0]},
        "meets_target": bool(
            all(r["rolling_placed"] >= r["hindsight_placed"] for r in rows)
            and min(r["rolling_share"] for r in rows) >= TARGET
        ),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "wall_seconds": wall,
    }
    if args.json:
        json.dump({"rows": rows, "summary": summary}, sys.stdout, indent=2)
        print()
        return 0
    print_table(rows, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

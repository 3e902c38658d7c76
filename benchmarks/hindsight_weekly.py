"""The hindsight optimum with the mix rules kept every week, as the rolling rule must.

The engine's hindsight (:func:`opvang_opt.allocation.allocate_tables` on the whole
year) keeps a mix rule on the site's occupied units *after* the year's allocation. A
rolling run must keep it at the end of every period, on the units given out so far
(``rolling.py``: "units given out in earlier periods are occupied and count in the mix
rules"). On the benchmark's years the engine's hindsight breaks a rule at the end of
some weeks (for example a site whose first two occupants, in January, are
statushouders under "statushouders at most 50 %"): a plan nobody could carry out week
by week. This module computes the reference the rolling rule can be held to: the best
allocation knowing every arrival that keeps each mix rule at the end of every week.

It is a pair model: one boolean per (household, unit) pair that the unit-level and
site-level rules allow (read from the engine's :class:`~opvang_opt.allocation.model.
Instance`: occupancy, accessibility, ground floor, date, rent, site rules, bans, pins),
the school places as a transport from sites to the schools in reach, and the mix rows
written here, per rule, site and week. Solved by HiGHS (``scipy.optimize.milp``) to a
proven optimum, first of the number placed, then of the weighted cost with that many
placed (the engine's lexicographic objective). With ``counting="year_end"`` it is the
engine's own hindsight problem, so its optimum must equal the engine's (the benchmark
prints both; ``tests/allocation/test_hindsight_weekly.py`` checks it).

When does a household start to count on its site? In a rolling run, in the week it is
given its unit, which lies between the week it arrives and the week of its deadline
(arrival + ``max_wait_days``). Two countings:

* ``"bound"`` (the reference): for each rule separately, a household of the rule's
  groups counts from the week of its deadline and every other household from the
  week it arrives (for a minimum share the other way round): the most lenient week
  any rolling rule could give it. Every allocation a rolling run can make (each
  household given its unit in one week within its window, the rules kept every week)
  is feasible here, so this optimum is a proven bound: no rolling rule, however good
  its forecast, places more or, placing as many, costs less.
* ``"arrival"``: every household counts from the week it arrives (the best a rule
  deciding every household on arrival could do, knowing the future). Not a bound
  for rules that let households wait.

Solving: the exact model (:func:`solve_weekly_hindsight`) proves small years (the tests:
50-70 households) in seconds; on the benchmark's years of 600 households HiGHS proves the
``year_end`` counting (equal to the engine's optimum, 904.6537 on seed 5, 12-225 s) but
not the weekly countings within 10 minutes: its heuristics find no good allocation (the
root bound is 599 placed; the best found placed 20). SCIP (through OR-Tools) did no
better in 5 minutes. So the benchmark prints the weekly countings' LP bounds
(``relax=True``): no allocation places more than the first LP's bound, rounded down, and
none placing that many costs less than the second. They are bounds, not allocations.

Measured on seed 5 (12 sites, ``max_wait_days`` 60): the ``bound`` counting's LP is the
``year_end`` one (600 placed, cost >= 904.654): with 60 days to wait, nine weeks, every
household can count late enough, so that bound says nothing; counted from arrival, no
allocation places more than 599.

Only the benchmark uses this module; it is not part of the tool. Sharing units is not
modelled (the benchmark's years do not allow it); :func:`solve_weekly_hindsight`
refuses an instance that allows it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from opvang_opt.allocation.model import Instance
from opvang_opt.allocation.rules import share_fraction

COUNTINGS = ("year_end", "arrival", "bound")


@dataclass(frozen=True)
class WeeklyHindsight:
    """A proven optimum of the pair model."""

    counting: str
    placed: int
    objective: float
    assignment: dict[str, str]
    """household id -> unit id."""
    seconds: float
    rows_mix: int
    placed_bound: float = float("nan")
    """With ``relax``: the LP bound on the number placed (no allocation places more)."""
    """Mix rows in the model (rules x sites x weeks, or rules x sites for ``year_end``)."""


def _unit_types(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Free units that no rule and no cost tells apart, as types: the type of each free
    unit (``-1`` for an occupied one) and one representative unit per type.

    A unit's rules and costs depend only on its site, occupancy, beds, accessibility,
    ground floor, availability and rent, unless it is some household's current unit,
    pinned or banned: such a unit is a type of its own.
    """
    free = inst.u_free
    special = np.zeros(len(inst.unit_ids), bool)
    special[inst.h_current[inst.h_current >= 0]] = True
    special[inst.h_pin_unit[inst.h_pin_unit >= 0]] = True
    for banned in inst.h_banned_units:
        special[list(banned)] = True
    key = pd.DataFrame(
        {
            "site": inst.u_site,
            "cap": inst.u_cap,
            "beds": inst.u_beds,
            "acc": inst.u_accessible,
            "ground": inst.u_ground,
            "avail": inst.u_avail.astype("datetime64[D]").astype(np.int64),
            "rent": inst.u_rent,
            "own": np.where(special, np.arange(len(special)), -1),
        }
    )
    codes = np.full(len(key), -1, np.int64)
    codes[free] = key[free].groupby(list(key.columns), sort=True, dropna=False).ngroup().to_numpy()
    n_t = int(codes.max()) + 1 if free.any() else 0
    rep = np.full(n_t, -1, np.int64)
    for u in np.flatnonzero(free)[::-1]:
        rep[codes[u]] = u
    return codes, rep


def _week(dates: np.ndarray) -> np.ndarray:
    """The rolling period (a week ending on Sunday) of each date, as an integer."""
    return pd.PeriodIndex(pd.DatetimeIndex(dates), freq="W-SUN").asi8


def count_weeks(inst: Instance, counting: str, sense: int, in_rule: np.ndarray) -> np.ndarray:
    """Per household, the week from which it counts in one mix rule (see the module text).

    ``sense`` is +1 for a maximum share, -1 for a minimum share; ``in_rule`` marks the
    households of the rule's groups.
    """
    arrival = inst.h_deadline - np.timedelta64(inst.config.max_wait_days, "D")
    first, last = _week(arrival), _week(inst.h_deadline)
    if counting == "arrival":
        return first
    # bound: the week most lenient for the rule (late for those it limits, early else)
    late = in_rule if sense > 0 else ~in_rule
    return np.where(late, last, first)


def _fit_classes(inst: Instance, rep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Households with the same unit-level rules (occupancy, needs, date, rent, bans,
    pins) and persons form one fit class: the fit class of each household, and per fit
    class the unit types it may take (a boolean matrix)."""
    pinned = inst.h_pin_unit[inst.h_pin_unit >= 0]
    allowed = np.zeros((inst.n_households, len(rep)), bool)
    for h in range(inst.n_households):
        ok = inst.fits(h, rep)
        if inst.h_banned_units[h]:
            ok &= ~np.isin(rep, inst.h_banned_units[h])
        if inst.h_pin_unit[h] >= 0:
            ok &= rep == inst.h_pin_unit[h]
        else:
            ok &= ~np.isin(rep, pinned)
        allowed[h] = ok
    key = [
        bytes(np.packbits(row)) + int(p).to_bytes(4, "little")
        for row, p in zip(allowed, inst.h_persons, strict=True)
    ]
    uniq, fit = np.unique(np.array(key, dtype=object), return_inverse=True)
    k_allowed = np.zeros((len(uniq), len(rep)), bool)
    k_allowed[fit] = allowed
    return fit, k_allowed


def solve_weekly_hindsight(
    inst: Instance,
    counting: str = "bound",
    time_limit_s: float = 1800.0,
    *,
    relax: bool = False,
    at_least: int | None = None,
) -> WeeklyHindsight:
    """The proven optimum of the pair model with the mix rules counted as ``counting``.

    Raises
    ------
    ValueError
        For an unknown ``counting``, an instance that allows shared units, or when HiGHS
        does not prove an optimum within ``time_limit_s`` (no figure is then printed).
    """
    import time

    if counting not in COUNTINGS:
        raise ValueError(f"counting must be one of {COUNTINGS}")
    if inst.config.allow_shared_units:
        raise ValueError("shared units are not modelled")
    if any(rule.basis != "occupied" for rule in inst.config.mix_rules):
        # a rule on the site's units is the same every week as after the year
        raise ValueError("only mix rules on the occupied units are modelled")
    t0 = time.perf_counter()
    if np.any(inst.h_weight != 1.0) or not np.all(inst.h_in_mix):
        raise ValueError("only real households (no expected ones) are modelled")
    n_h, n_j = inst.n_households, inst.n_sites
    u_type, rep = _unit_types(inst)
    n_t = len(rep)
    t_count = np.bincount(u_type[u_type >= 0], minlength=n_t).astype(float)
    t_site = inst.u_site[rep]
    fit, k_allowed = _fit_classes(inst, rep)
    w = inst.weights

    # a[h, j]: household h lives on site j in a unit it moves to
    k_site = np.zeros((len(k_allowed), n_j), bool)
    for j in range(n_j):
        k_site[:, j] = k_allowed[:, t_site == j].any(axis=1)
    ah, aj = np.nonzero(inst.site_ok & k_site[fit])
    a_cost = inst.comp_site[ah, aj] @ w[[0, 1, 2, 5]] + w[4] * inst.h_has_current[ah]
    # s[h]: household h stays in its current unit (every rule allowing it there)
    sh = np.flatnonzero(inst.h_current >= 0)
    su = inst.h_current[sh]
    ok = inst.u_free[su] & (u_type[np.maximum(su, 0)] >= 0)
    ok &= inst.site_ok[sh, inst.u_site[su]]
    ok &= k_allowed[fit[sh], u_type[su]]
    sh, su = sh[ok], su[ok]
    sj = inst.u_site[su]
    s_cost = inst.comp_site[sh, sj] @ w[[0, 1, 2, 5]] + w[3] * (
        inst.u_beds[su] - inst.h_persons[sh]
    )
    # y[(j, k), t]: units of type t on site j taken by households of fit class k
    node_j, node_k = np.unique(np.stack([aj, fit[ah]]), axis=1)
    yn, yt = [], []
    for n, (j, k) in enumerate(zip(node_j, node_k, strict=True)):
        t = np.flatnonzero(k_allowed[k] & (t_site == j))
        yn.append(np.full(len(t), n))
        yt.append(t)
    y_node, y_type = np.concatenate(yn), np.concatenate(yt)
    k_persons = np.zeros(len(k_allowed), np.int64)
    k_persons[fit] = inst.h_persons
    y_cost = w[3] * (inst.u_beds[rep[y_type]] - k_persons[node_k[y_node]])
    a_node = np.searchsorted(node_j * len(k_allowed) + node_k, aj * len(k_allowed) + fit[ah])

    # f[j, s, band]: school places of school s used by children living on site j
    fj, fs = np.nonzero(inst.reach)
    n_a, n_s, n_y, n_f = len(ah), len(sh), len(y_node), len(fj)
    off_s, off_y, off_f = n_a, n_a + n_s, n_a + n_s + n_y
    n_var = off_f + 2 * n_f
    cost = np.concatenate([a_cost, s_cost, y_cost, np.zeros(2 * n_f)])
    rows: list[sp.csr_matrix] = []
    lo_e: list[np.ndarray] = []
    hi_e: list[np.ndarray] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []

    def add(mat: sp.spmatrix, lower: np.ndarray | float, upper: np.ndarray | float) -> None:
        mat = sp.csr_matrix(mat)
        rows.append(mat)
        lo.append(np.broadcast_to(np.asarray(lower, float), mat.shape[0]).copy())
        hi.append(np.broadcast_to(np.asarray(upper, float), mat.shape[0]).copy())

    def block(r: np.ndarray, c: np.ndarray, v: np.ndarray, n_rows: int) -> sp.csr_matrix:
        return sp.csr_matrix((np.asarray(v, float), (r, c)), shape=(n_rows, n_var))

    a_cols, s_cols, y_cols = np.arange(n_a), off_s + np.arange(n_s), off_y + np.arange(n_y)
    # each household at most once (a move or a stay)
    add(block(np.r_[ah, sh], np.r_[a_cols, s_cols], np.ones(n_a + n_s), n_h), -np.inf, 1.0)
    # node balance: households of fit class k on site j == units they take there
    add(
        block(
            np.r_[a_node, y_node],
            np.r_[a_cols, y_cols],
            np.r_[np.ones(n_a), -np.ones(n_y)],
            len(node_j),
        ),
        0.0,
        0.0,
    )
    # units of each type
    add(
        block(np.r_[y_type, u_type[su]], np.r_[y_cols, s_cols], np.ones(n_y + n_s), n_t),
        -np.inf,
        t_count,
    )
    # school places: the children of each site within the places of the schools in reach
    hj_h, hj_j, hj_col = np.r_[ah, sh], np.r_[aj, sj], np.r_[a_cols, s_cols]
    for b in range(2):
        f_cols = off_f + b * n_f + np.arange(n_f)
        need = inst.h_need[hj_h, b]
        add(
            block(np.r_[hj_j, fj], np.r_[hj_col, f_cols], np.r_[need, -np.ones(n_f)], n_j), 0.0, 0.0
        )
        add(
            block(fs, f_cols, np.ones(n_f), len(inst.school_ids)), -np.inf, inst.school_places[:, b]
        )

    # mix rules: per rule, site and (for weekly countings) week, over a site's households;
    # written with running sums e[k] = e[k-1] + (the households counting from check k)
    # <= rhs, which keeps the matrix sparse
    mix: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = []
    site_index = {s: i for i, s in enumerate(inst.site_ids.astype(str))}
    groups = list(inst.group_names)
    for rule in inst.config.mix_rules:
        sites = [site_index[s] for s in rule.sites] if rule.sites else list(range(n_j))
        g_idx = [groups.index(g) for g in rule.groups if g in groups]
        in_rule = np.isin(inst.h_group, g_idx)
        for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
            if share is None:
                continue
            frac: Fraction = share_fraction(share)
            p, q = frac.numerator, frac.denominator
            coef = sense * np.where(in_rule[hj_h], q - p, -p)
            if counting == "year_end":
                weeks = np.zeros(len(hj_h), np.int64)
            else:
                weeks = count_weeks(inst, counting, sense, in_rule)[hj_h]
            for j in sites:
                g0 = int(inst.existing_units[j, g_idx].sum())
                t0_ = int(inst.existing_units[j].sum())
                e0 = sense * (q * g0 - p * t0_)
                on = np.flatnonzero(hj_j == j)
                if len(on):
                    _, k_of = np.unique(weeks[on], return_inverse=True)
                    mix.append((on, k_of, coef[on], float(max(e0, 0) - e0)))
    n_e = sum(int(k.max()) + 1 for _, k, _, _ in mix)
    n_var += n_e
    cost = np.r_[cost, np.zeros(n_e)]
    rows = [sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_var)) for m in rows]
    e_at = n_var - n_e
    for on, k_of, c, rhs in mix:
        n_k = int(k_of.max()) + 1
        e_cols = e_at + np.arange(n_k)
        # e[k] - e[k-1] - sum(coef * x of the households counting from k) == 0
        r = np.r_[np.arange(n_k), np.arange(1, n_k), k_of]
        cc = np.r_[e_cols, e_cols[:-1], hj_col[on]]
        v = np.r_[np.ones(n_k), -np.ones(n_k - 1), -c]
        add(block(r, cc, v, n_k), 0.0, 0.0)
        lo_e.append(np.full(n_k, -np.inf))
        hi_e.append(np.full(n_k, rhs))
        e_at += n_k
    n_mix = n_e

    a = sp.vstack(rows, format="csr")
    lower, upper = np.concatenate(lo), np.concatenate(hi)
    integrality = np.r_[np.ones(off_f), np.zeros(2 * n_f + n_e)]
    bounds = Bounds(
        np.r_[np.zeros(off_f + 2 * n_f), np.concatenate(lo_e) if n_e else []],
        np.r_[
            np.ones(n_a + n_s),
            t_count[y_type],
            np.full(2 * n_f, np.inf),
            np.concatenate(hi_e) if n_e else [],
        ],
    )
    if relax:
        # LP bounds only: no allocation places more than the first LP, nor, placing
        # ``at_least`` (default: the first bound rounded down), costs less than the second
        lp_opts = {"time_limit": time_limit_s, "disp": bool(os.environ.get("HIGHS_DISP"))}
        placed_c = np.r_[-np.ones(n_a + n_s), np.zeros(n_y + 2 * n_f + n_e)]
        cons = LinearConstraint(a, lower, upper)
        lp1 = milp(placed_c, constraints=cons, bounds=bounds, options=lp_opts)
        if lp1.status != 0:
            raise ValueError(f"HiGHS did not solve the LP: {lp1.message}")
        ub = -float(lp1.fun)
        n = int(np.floor(ub + 1e-6)) if at_least is None else at_least
        cons2 = LinearConstraint(
            sp.vstack([a, sp.csr_matrix(placed_c.reshape(1, -1))], format="csr"),
            np.r_[lower, -np.inf],
            np.r_[upper, -n],
        )
        lp2 = milp(cost, constraints=cons2, bounds=bounds, options=lp_opts)
        if lp2.status != 0:
            raise ValueError(f"HiGHS did not solve the LP: {lp2.message}")
        return WeeklyHindsight(counting, n, float(lp2.fun), {}, time.perf_counter() - t0, n_mix, ub)
    opts = {
        "time_limit": time_limit_s,
        "mip_rel_gap": 0.0,
        "disp": bool(os.environ.get("HIGHS_DISP")),
    }
    placed_c = np.r_[-np.ones(n_a + n_s), np.zeros(n_y + 2 * n_f + n_e)]
    # the most placed, ties broken by cost: every household placed outweighs all costs
    big = float(np.abs(cost).sum()) + 1.0
    first = milp(
        placed_c + cost / big,
        constraints=LinearConstraint(a, lower, upper),
        integrality=integrality,
        bounds=bounds,
        options=opts,
    )
    if first.status != 0:
        raise ValueError(f"HiGHS did not prove the most placed: {first.message}")
    n_placed = round(-float(placed_c @ first.x))
    # then the least cost with that many placed
    a2 = sp.vstack([a, sp.csr_matrix(placed_c.reshape(1, -1))], format="csr")
    second = milp(
        cost,
        constraints=LinearConstraint(a2, np.r_[lower, -np.inf], np.r_[upper, -n_placed]),
        integrality=integrality,
        bounds=bounds,
        options=opts,
    )
    if second.status != 0:
        raise ValueError(f"HiGHS did not prove the least cost: {second.message}")
    x = np.round(second.x).astype(np.int64)
    # concrete units: the stays their own; each node's households the units of its types
    assignment = {
        str(inst.hh_ids[h]): str(inst.unit_ids[u])
        for h, u in zip(sh[x[s_cols] == 1], su[x[s_cols] == 1], strict=True)
    }
    taken = set(su[x[s_cols] == 1].tolist())
    pool = {t: [u for u in np.flatnonzero(u_type == t) if u not in taken] for t in range(n_t)}
    for n in range(len(node_j)):
        hs = ah[(a_node == n) & (x[a_cols] == 1)]
        types = np.repeat(y_type[y_node == n], x[y_cols][y_node == n])
        for h, t in zip(sorted(hs, key=lambda h: str(inst.hh_ids[h])), types, strict=True):
            assignment[str(inst.hh_ids[h])] = str(inst.unit_ids[pool[t].pop(0)])
    return WeeklyHindsight(
        counting=counting,
        placed=n_placed,
        objective=float(cost @ second.x),
        assignment=assignment,
        seconds=time.perf_counter() - t0,
        rows_mix=n_mix,
    )


def broken_weeks(tables, config, assignments: pd.DataFrame, since: dict[str, int]) -> int:
    """How many weeks, summed over mix rules and sites, an allocation breaks a rule when
    each household counts on its site from its week in ``since`` (household id ->
    :func:`week_of` value), up to the week after the last one in ``since``: the rule's
    excess ``sense * (q G - p T)`` over the units given out by the end of a week, beyond
    ``max(excess before, 0)``, as the checker reads the rule after the year. A rule on
    the site's ``U`` units (``basis: units``) has the excess ``q G - p U`` (max) or
    ``q (T - G) - (q - p) U`` (min) instead.
    """
    units = tables.units.set_index("unit_id")["site_id"]
    n_units = tables.units.groupby("site_id").size()

    def excess(rule, sense: int, p: int, q: int, g: int, t: int, site: str) -> int:
        if rule.basis != "units":
            return sense * (q * g - p * t)
        u = int(n_units.get(site, 0))
        return q * g - p * u if sense == 1 else q * (t - g) - (q - p) * u

    a = assignments[["household_id", "group", "unit_id"]].copy()
    a["site_id"] = a["unit_id"].map(units).to_numpy()
    a["week"] = a["household_id"].map(since).to_numpy()
    occ = tables.occupied.merge(tables.units[["unit_id", "site_id"]], on="unit_id")
    end = max(since.values()) + 1 if since else 0
    broken = 0
    for rule in config.mix_rules:
        for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
            if share is None:
                continue
            frac = share_fraction(share)
            p, q = frac.numerator, frac.denominator
            for site, here in a.groupby("site_id"):
                if rule.sites is not None and site not in rule.sites:
                    continue
                before = occ[occ["site_id"] == site]
                g0, t0 = int(before["group"].isin(rule.groups).sum()), len(before)
                e0 = excess(rule, sense, p, q, g0, t0, site)
                weeks = np.unique(here["week"])
                # a site changes only in a week in which a household starts to count;
                # each state lasts until the next change (the last one until the end)
                ends = np.r_[weeks[1:], end]
                for week, until in zip(weeks, ends, strict=True):
                    now = here[here["week"] <= week]
                    g = int(now.loc[now["group"].isin(rule.groups), "unit_id"].nunique())
                    t = int(now["unit_id"].nunique())
                    if excess(rule, sense, p, q, g0 + g, t0 + t, site) > max(e0, 0):
                        broken += int(until - week)
    return broken


def week_of(dates) -> np.ndarray:
    """The rolling period (a week ending on Sunday) of each date, as an integer."""
    return _week(np.asarray(dates, "datetime64[D]"))

"""Tiny planning instances and an independent exact solver (dynamic programming over the
periods, enumerating every decision), for comparing optima with the MIP."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from opvang_opt.planning.instance import PlanningInstance, Site


def site(
    sid: str,
    *,
    mu: int = 0,
    max_units: int = 2,
    block: int = 1,
    first: int = 0,
    last: int = 99,
    permit: int = 99,
    initial: int = 0,
    opening: int = 0,
    build: int = 100,
    move: int = 10,
    close: int = 0,
    running: int = 0,
    groups: tuple[bool, ...] = (True,),
    score: float = 50.0,
    permit_end: str = "",
) -> Site:
    """A site with small round numbers (costs in cents)."""
    return Site(
        site_id=sid,
        name=sid,
        municipality=mu,
        max_units=max_units,
        block=block,
        first_period=first,
        last_period=last,
        permit_periods=permit,
        initial_units=initial,
        opening_cost=opening,
        build_cost=build,
        move_cost=move,
        close_cost=close,
        running_cost_year=running,
        groups=groups,
        score=score,
        permit_end=permit_end,
    )


def instance(
    sites: list[Site],
    tasks: list | np.ndarray,
    *,
    ppu: tuple[int, ...] = (1,),
    unmet_day: tuple[int, ...] = (1,),
    hard: tuple[bool, ...] | None = None,
    days: int = 100,
    discount: float = 1.0,
    budgets: dict[int, int] | None = None,
    n_muni: int = 1,
) -> PlanningInstance:
    """An instance with T = len(tasks) periods of ``days`` days, one year per period."""
    arr = np.asarray(tasks, dtype=np.int64)
    if arr.ndim == 1:
        arr = arr[:, None, None]
    T, M, G = arr.shape
    last_fix = [s if s.last_period < T else _with(s, last_period=T - 1) for s in sites]
    return PlanningInstance(
        periods=tuple(f"P{t}" for t in range(T)),
        days=tuple(days for _ in range(T)),
        years=tuple(2026 + t for t in range(T)),
        discount=tuple(discount**t for t in range(T)),
        municipalities=tuple(f"GM000{m}" for m in range(M)),
        municipality_names=tuple(f"Gem{m}" for m in range(M)),
        groups=tuple(f"g{g}" for g in range(G)),
        group_labels=tuple(f"g{g}" for g in range(G)),
        places_per_unit=ppu,
        hard=hard or tuple(False for _ in range(G)),
        unmet_cost_day=unmet_day,
        tasks=arr,
        sites=tuple(last_fix),
        budgets=budgets or {},
    )


def _with(s: Site, **kw: object) -> Site:
    from dataclasses import replace

    return replace(s, **kw)  # type: ignore[arg-type]


INF = float("inf")


def brute_force(inst: PlanningInstance) -> float:
    """The least total cost (cents) by exhaustive dynamic programming; inf if infeasible.

    Written from the problem statement, not from the model: every unit count per site and
    period, every split of changes into builds, moves in, moves out and closures (moves
    balance per period), every assignment of units to groups, opening costs at a site's
    first period with units, permit spans, availability windows and yearly budgets.
    """
    S, T = inst.n_sites, inst.n_periods
    G, M = len(inst.groups), len(inst.municipalities)

    def d(c: int, t: int) -> int:
        return round(c * inst.discount[t])

    def values(s: int, t: int) -> list[int]:
        st = inst.sites[s]
        if not (st.first_period <= t <= st.last_period):
            return [0]
        return list(range(0, st.max_units // st.block * st.block + 1, st.block))

    def site_options(s: int, prev: int, now: int) -> list[tuple[int, int, int, int]]:
        """(built, moved_in, moved_out, closed) turning prev into now."""
        out = []
        for mo in range(prev + 1):
            for c in range(prev - mo + 1):
                inflow = now - prev + mo + c
                if inflow < 0:
                    continue
                for mi in range(inflow + 1):
                    out.append((inflow - mi, mi, mo, c))
        return out

    def unmet_cost(t: int, units: tuple[int, ...]) -> float:
        """Least unmet cost in period t over assignments of units to groups."""
        per_site = []
        for s, n in enumerate(units):
            allowed = [g for g in range(G) if inst.sites[s].groups[g]]
            opts = []
            for a in itertools.product(range(n + 1), repeat=len(allowed)):
                if sum(a) <= n:
                    vec = [0] * G
                    for g, x in zip(allowed, a, strict=True):
                        vec[g] = x
                    opts.append(vec)
            per_site.append(opts or [[0] * G])
        best = INF
        for combo in itertools.product(*per_site):
            cost = 0
            ok = True
            for mu in range(M):
                for g in range(G):
                    cover = inst.places_per_unit[g] * sum(
                        combo[s][g] for s in range(S) if inst.sites[s].municipality == mu
                    )
                    short = max(0, int(inst.tasks[t, mu, g]) - cover)
                    if short and inst.hard[g]:
                        ok = False
                    cost += short * round(inst.unmet_cost_day[g] * inst.days[t] * inst.discount[t])
            if ok:
                best = min(best, cost)
        return best

    @cache
    def go(t: int, prev: tuple[int, ...], first: tuple[int, ...], spent: int) -> float:
        if t == T:
            return 0
        best = INF
        year = inst.years[t]
        if t > 0 and inst.years[t - 1] != year:
            spent = 0
        for now in itertools.product(*(values(s, t) for s in range(S))):
            new_first = list(first)
            ok = True
            fixed = 0
            invest = 0
            for s, st in enumerate(inst.sites):
                if now[s] > 0 and not st.existing:
                    if first[s] < 0:
                        new_first[s] = t
                        fixed += d(st.opening_cost, t)
                        invest += st.opening_cost
                    if t - new_first[s] + 1 > st.permit_periods:
                        ok = False
            if not ok:
                continue
            # (an existing site may stand empty and fill again: it stays open at no cost)
            # the cheapest split into builds and moves, with moves balancing
            best_t = INF
            choices = [site_options(s, prev[s], now[s]) for s in range(S)]
            for combo in itertools.product(*choices):
                if sum(c[1] for c in combo) != sum(c[2] for c in combo):
                    continue
                spend = invest + sum(
                    c[0] * inst.sites[s].build_cost + c[1] * inst.sites[s].move_cost
                    for s, c in enumerate(combo)
                )
                budget = inst.budgets.get(year)
                if budget is not None and spent + spend > budget:
                    continue
                cost = sum(
                    c[0] * d(inst.sites[s].build_cost, t)
                    + c[1] * d(inst.sites[s].move_cost, t)
                    + c[3] * d(inst.sites[s].close_cost, t)
                    for s, c in enumerate(combo)
                )
                rest = go(t + 1, now, tuple(new_first), spent + spend)
                best_t = min(best_t, cost + rest)
            if best_t == INF:
                continue
            running = sum(
                now[s]
                * round(inst.sites[s].running_cost_year * inst.days[t] / 365 * inst.discount[t])
                for s in range(S)
            )
            u = unmet_cost(t, now)
            best = min(best, fixed + running + u + best_t)
        return best

    start_first = tuple(0 if st.existing else -1 for st in inst.sites)
    return go(0, tuple(st.initial_units for st in inst.sites), start_first, 0)

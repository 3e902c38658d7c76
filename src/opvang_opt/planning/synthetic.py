"""Seeded random planning instances of any size (benchmarks and property tests).

Sizes and costs follow the scenario defaults (see :mod:`opvang_opt.schema.planning`): the
build cost of Diemen's flexwoningen net of the SFT subsidy, a 15-year permit, EUR 100 per
person-day unmet, half-year periods and a 2.25 % discount rate.
"""

from __future__ import annotations

import numpy as np

from opvang_opt.planning.instance import PlanningInstance, Site

GROUPS = ("asielzoekers", "statushouders", "ontheemden")


def synthetic_instance(
    n_sites: int = 60,
    n_periods: int = 20,
    n_municipalities: int = 3,
    n_groups: int = 3,
    *,
    seed: int = 20261122,
    stock_share: float = 0.1,
    task_scale: float = 1.0,
    hard: bool = False,
    budget_eur_per_year: float | None = None,
) -> PlanningInstance:
    """A random but plausible instance.

    Parameters
    ----------
    n_sites, n_periods, n_municipalities, n_groups
        Sizes (periods are half-years from 2026).
    seed
        Seed of ``numpy.random.default_rng``.
    stock_share
        Share of the sites that are existing stock with a permit end inside the horizon.
    task_scale
        Multiplies every task (tasks are sized so that about 60 % of the region's room
        meets them at scale 1).
    hard
        Make every group's task hard.
    budget_eur_per_year
        A yearly investment budget, or none.

    Returns
    -------
    PlanningInstance
    """
    rng = np.random.default_rng(seed)
    T, M, G = n_periods, n_municipalities, n_groups
    periods = tuple(f"{2026 + t // 2}-H{t % 2 + 1}" for t in range(T))
    days = tuple(181 if t % 2 == 0 else 184 for t in range(T))
    years = tuple(2026 + t // 2 for t in range(T))
    discount = tuple(1.0 / (1.0225 ** (t / 2)) for t in range(T))
    groups = tuple(GROUPS[g] if g < len(GROUPS) else f"groep{g}" for g in range(G))
    ppu = tuple(int(x) for x in rng.choice([2, 3], size=G))
    sites = []
    for s in range(n_sites):
        mu = s % M
        existing = rng.random() < stock_share
        block = 10
        max_units = int(rng.integers(2, 9)) * block
        if existing:
            initial = int(rng.integers(1, max_units // block + 1)) * block
            first, last = 0, (T if T <= 2 else int(rng.integers(2, T)))
            permit = T
            opening = 0
        else:
            initial = 0
            first = int(rng.integers(0, max(1, T // 2))) + 2
            permit = int(rng.choice([10, 20, 30]))
            last = T - 1
            opening = int(rng.integers(270_000, 2_590_000)) * 100
        sites.append(
            Site(
                site_id=f"S{s:04d}",
                name=f"Locatie {s}",
                municipality=mu,
                max_units=max_units,
                block=block,
                first_period=min(first, T),
                last_period=last,
                permit_periods=permit,
                initial_units=initial,
                opening_cost=opening,
                build_cost=int(rng.integers(100_000, 160_000) - 7_800) * 100,
                move_cost=2_500_000,
                close_cost=250_000,
                running_cost_year=400_000,
                groups=tuple(bool(x) for x in (rng.random(G) < 0.8) | (np.arange(G) == s % G)),
                score=float(rng.uniform(20, 90)),
            )
        )
    room = np.zeros(M)
    for site in sites:
        room[site.municipality] += site.max_units
    tasks = np.zeros((T, M, G), dtype=np.int64)
    for mu in range(M):
        share = rng.dirichlet(np.ones(G) * 3)
        for g in range(G):
            base = room[mu] * 0.6 * share[g] * ppu[g] * task_scale
            # asielzoekers: a level per two-year Spreidingswet cycle; statushouders: a
            # half-yearly taakstelling drifting up; ontheemden: flat, then falling after
            # the temporary protection ends (a random period in the second half)
            steps = rng.uniform(0.85, 1.15, size=T)
            end = int(rng.integers(T // 2, T + 1))
            for t in range(T):
                if g % 3 == 0:
                    level = base * steps[(t // 4) * 4]
                elif g % 3 == 1:
                    level = base * (0.8 + 0.02 * t) * rng.uniform(0.95, 1.05)
                else:
                    level = base * (1.0 if t < end else max(0.3, 1.0 - 0.15 * (t - end + 1)))
                tasks[t, mu, g] = round(level)
    budgets = {}
    if budget_eur_per_year is not None:
        budgets = {y: int(budget_eur_per_year * 100) for y in sorted(set(years))}
    return PlanningInstance(
        periods=periods,
        days=days,
        years=years,
        discount=discount,
        municipalities=tuple(f"GM{9000 + mu:04d}" for mu in range(M)),
        municipality_names=tuple(f"Gemeente {mu + 1}" for mu in range(M)),
        groups=groups,
        group_labels=groups,
        places_per_unit=ppu,
        hard=tuple(hard for _ in range(G)),
        unmet_cost_day=tuple(10_000 for _ in range(G)),
        tasks=tasks,
        sites=tuple(sites),
        budgets=budgets,
    )

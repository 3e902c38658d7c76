"""Adversarial small planning instances: near-twins, budgets exactly at a plan's
investment, tasks exactly at a site's room, zero and euro-sized costs."""

from __future__ import annotations

import dataclasses
import random

import numpy as np

from opvang_opt.planning.instance import PlanningInstance, Site


def near_twin(rng: random.Random, s: Site, k: int, n_muni: int) -> Site:
    """A copy of ``s`` that differs in one field (or none: a true twin), by the least step."""
    field = rng.choice(
        ["none", "municipality", "groups", "first_period", "build_cost", "running_cost_year",
         "opening_cost", "score", "max_units", "permit_periods"]
    )  # fmt: skip
    kw: dict[str, object] = {"site_id": f"{s.site_id}t{k}", "name": f"twin{k}"}
    if field == "municipality":
        kw["municipality"] = (s.municipality + 1) % n_muni
    elif field == "groups":
        kw["groups"] = tuple(not g for g in s.groups) if len(s.groups) > 1 else s.groups
    elif field == "first_period":
        kw["first_period"] = s.first_period + 1
    elif field in ("build_cost", "running_cost_year", "opening_cost"):
        kw[field] = getattr(s, field) + 1  # one cent more
    elif field == "score":
        kw["score"] = 100 - s.score
    elif field == "max_units":
        kw["max_units"] = s.max_units + s.block
    elif field == "permit_periods":
        kw["permit_periods"] = max(1, s.permit_periods - 1)
    return dataclasses.replace(s, **kw)  # type: ignore[arg-type]


def random_instance(rng: random.Random) -> PlanningInstance:
    T = rng.randint(1, 4)
    M = rng.randint(1, 2)
    G = rng.randint(1, 2)
    k = rng.choice([1, 1, 10_000, 123_457])  # cents, or euro-sized costs
    sites: list[Site] = []
    for s in range(rng.randint(1, 2)):
        existing = s == 0 and rng.random() < 0.4
        block = rng.choice([1, 2, 3])
        initial = block * rng.randint(1, 2) if existing else 0
        max_units = max(initial, block * rng.randint(0, 2))
        sites.append(
            Site(
                site_id=f"S{s}", name=f"S{s}", municipality=rng.randrange(M),
                max_units=max_units, block=block,
                first_period=0 if existing else rng.randint(0, T),
                last_period=rng.randint(-1, T - 1) if existing else T - 1,
                permit_periods=T if existing else rng.randint(1, T + 1),
                initial_units=initial,
                opening_cost=0 if existing else k * rng.choice([0, 150, 400]),
                build_cost=k * rng.choice([0, 60, 100, 250]),
                move_cost=k * rng.choice([0, 5, 30, 120]),
                close_cost=k * rng.choice([0, 10, 40]),
                running_cost_year=k * rng.choice([0, 73, 365, 1000]),
                groups=tuple(rng.random() < 0.7 or g == s % G for g in range(G)),
                score=float(rng.randint(0, 100)),
            )
        )  # fmt: skip
    cands = [x for x in sites if not x.existing]
    for j in range(rng.randint(0, 2) if cands else 0):
        sites.append(near_twin(rng, rng.choice(cands), j, M))
    ppu = tuple(rng.randint(1, 3) for _ in range(G))
    # tasks exactly at what a site holds, or random
    room = [x.max_units * ppu[0] for x in sites] or [0]
    tasks = np.array(
        [rng.choice([rng.randint(0, 6), rng.choice(room), 0]) for _ in range(T * M * G)],
        dtype=np.int64,
    ).reshape(T, M, G)
    rate = rng.choice([0.0, 0.0225, 0.5])
    days = tuple(rng.choice([181, 184]) for _ in range(T))
    years = tuple(2026 + t // 2 for t in range(T))
    discount = tuple(1.0 / (1 + rate) ** (sum(days[:t]) / 365.25) for t in range(T))
    budgets = {}
    for y in sorted(set(years)):
        if rng.random() < 0.3:
            budgets[y] = k * rng.choice([0, 60, 100, 150, 250, 300, 400, 600])
    return PlanningInstance(
        periods=tuple(f"{years[t]}-H{t % 2 + 1}" for t in range(T)),
        days=days, years=years, discount=discount,
        municipalities=tuple(f"GM000{m}" for m in range(M)),
        municipality_names=tuple(f"Gem{m}" for m in range(M)),
        groups=tuple(f"g{g}" for g in range(G)), group_labels=tuple(f"g{g}" for g in range(G)),
        places_per_unit=ppu,
        hard=tuple(rng.random() < 0.2 for _ in range(G)),
        unmet_cost_day=tuple((k // 10 or 1) * rng.choice([0, 1, 2, 5]) for _ in range(G)),
        tasks=tasks, sites=tuple(sites), budgets=budgets,
    )  # fmt: skip

"""Synthetic services instances for tests and benchmarks (seeded, fictitious)."""

from __future__ import annotations

import numpy as np

from opvang_opt.services.instance import Providers, ServicesInstance, reach_arcs


def make_providers(
    x: list[float] | np.ndarray,
    y: list[float] | np.ndarray,
    capacity: list[int] | np.ndarray,
    *,
    kind: str = "taalklas",
    reach_m: float | list[float] = 3000.0,
    group_size: int | list[int] = 15,
    max_extra: int | list[int] = 1,
    cost_period: int | list[int] = 0,
    facility: bool | list[bool] = False,
    setup: int | list[int] = 0,
) -> Providers:
    """Providers of one type from plain lists (scalars are repeated)."""
    n = len(x)

    def arr(v: object, dtype: type) -> np.ndarray:
        return np.asarray(v if isinstance(v, list | np.ndarray) else [v] * n, dtype=dtype)

    return Providers(
        ids=tuple(f"P{j}" for j in range(n)),
        names=tuple(f"Provider {j}" for j in range(n)),
        type=(kind,) * n,
        x=np.asarray(x, float),
        y=np.asarray(y, float),
        capacity=np.asarray(capacity, np.int64),
        reach_m=arr(reach_m, float),
        group_size=arr(group_size, np.int64),
        max_extra=arr(max_extra, np.int64),
        cost_period=arr(cost_period, np.int64),
        facility=arr(facility, bool),
        setup=arr(setup, np.int64),
        area=("A",) * n,
    )


def make_instance(
    site_x: list[float] | np.ndarray,
    site_y: list[float] | np.ndarray,
    demand: np.ndarray,
    providers: Providers,
    *,
    kind: str = "taalklas",
    areas: list[str] | None = None,
) -> ServicesInstance:
    """An instance of one type: ``demand`` is (n_sites x n_periods)."""
    sx, sy = np.asarray(site_x, float), np.asarray(site_y, float)
    demand = np.asarray(demand, np.int64)
    n = len(sx)
    return ServicesInstance(
        site_ids=tuple(f"S{i}" for i in range(n)),
        site_area=tuple(areas or ["A"] * n),
        periods=tuple(f"t{t}" for t in range(demand.shape[1])),
        period_months=6,
        demand={kind: demand},
        providers=providers,
        arcs={kind: reach_arcs(sx, sy, providers, kind)},
        site_x=sx,
        site_y=sy,
    )


def random_instance(
    n_sites: int,
    n_schools: int,
    n_periods: int,
    *,
    seed: int = 0,
    n_facilities: int = 0,
    extent_m: float = 30_000.0,
    reach_m: float = 4000.0,
    pressure: float = 1.15,
) -> ServicesInstance:
    """A random instance of one type (taalklas) in a square region, in half-years.

    Schools lie uniformly in the square; each site lies within ``reach_m`` of a random
    school (sites are built near schools). A site's demand grows from a random start to
    about one and a half times it over the horizon. Schools have places so that the peak
    demand is about ``pressure`` times today's places; each may add up to two groups of 15
    at EUR 130,000-160,000 a year (cents per half-year). Facilities: 30 places, EUR 135,000
    a year plus EUR 150,000 to set up.
    """
    rng = np.random.default_rng(seed)
    m = n_schools + n_facilities
    px, py = rng.uniform(0, extent_m, m), rng.uniform(0, extent_m, m)
    near = rng.integers(0, n_schools, n_sites)
    ang = rng.uniform(0, 2 * np.pi, n_sites)
    rad = reach_m * np.sqrt(rng.uniform(0, 1, n_sites))
    sx, sy = px[near] + rad * np.cos(ang), py[near] + rad * np.sin(ang)
    start = rng.integers(1, 12, n_sites)
    t = np.arange(n_periods)
    growth = 1 + 0.5 * t / max(n_periods - 1, 1)
    demand = np.floor(start[:, None] * growth[None, :]).astype(np.int64)
    peak = int(demand.sum(axis=0).max())
    mean_cap = peak / pressure / n_schools
    cap = rng.integers(int(0.5 * mean_cap), int(1.5 * mean_cap) + 1, n_schools)
    fac = [False] * n_schools + [True] * n_facilities
    cost = [int(c) // 2 for c in rng.integers(13_000_000, 16_000_001, n_schools)]
    prov = make_providers(
        px, py, list(cap) + [30] * n_facilities, reach_m=reach_m,
        max_extra=[0 if f else 2 for f in fac], cost_period=cost + [6_750_000] * n_facilities,
        facility=fac, setup=[15_000_000 if f else 0 for f in fac],
    )  # fmt: skip
    areas = [
        f"wijk{int(x // (extent_m / 4))}{int(y // (extent_m / 4))}"
        for x, y in zip(sx, sy, strict=True)
    ]
    return make_instance(sx, sy, demand, prov, areas=areas)

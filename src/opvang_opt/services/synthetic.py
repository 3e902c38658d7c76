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
    extent_m: float = 10_000.0,
    reach_m: float = 2500.0,
) -> ServicesInstance:
    """A random instance: sites and schools in a square, demand growing and shrinking,
    each school able to add up to two groups of 15 at EUR 135,000 a year (in cents per
    half-year), facilities of 30 places with a set-up cost."""
    rng = np.random.default_rng(seed)
    sx, sy = rng.uniform(0, extent_m, n_sites), rng.uniform(0, extent_m, n_schools + n_facilities)
    sy_sites = rng.uniform(0, extent_m, n_sites)
    px = rng.uniform(0, extent_m, n_schools + n_facilities)
    fac = [False] * n_schools + [True] * n_facilities
    cap = list(rng.integers(0, 31, n_schools)) + [30] * n_facilities
    cost = list(rng.integers(5_000_000, 8_000_000, n_schools)) + [13_500_000] * n_facilities
    prov = make_providers(
        px, sy, cap, reach_m=reach_m, max_extra=[0 if f else 2 for f in fac],
        cost_period=cost, facility=fac, setup=[15_000_000 if f else 0 for f in fac],
    )  # fmt: skip
    base = rng.integers(0, 12, n_sites)
    trend = rng.integers(-1, 3, n_sites)
    t = np.arange(n_periods)
    demand = np.maximum(base[:, None] + trend[:, None] * (t[None, :] // 4), 0)
    areas = [f"wijk{int(x // (extent_m / 4))}" for x in sx]
    return make_instance(sx, sy_sites, demand, prov, areas=areas)

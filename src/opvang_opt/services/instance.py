"""The services instance: demand per site and period, providers and which sites reach them.

Everything here is integers (children, registrations, places, cents) and numpy arrays, so the
solvers and the checker work on the same exact numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from opvang_opt.exact import decimal_fraction
from opvang_opt.schema.services import NEWCOMER_TYPES, AgeProfile

IntArray = np.ndarray
"""A numpy array of int64."""


@dataclass(frozen=True)
class Providers:
    """Providers and candidate facilities, one row each (index = provider).

    A facility (``facility[j]``) has its capacity only in the periods it is open, and costs
    ``cost_period[j]`` cents per open period plus ``setup[j]`` cents in each period it opens.
    An existing provider has ``capacity[j]`` places and may add up to ``max_extra[j]`` groups
    of ``group_size[j]`` places, each costing ``cost_period[j]`` cents per period.
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    type: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    capacity: IntArray
    reach_m: np.ndarray
    group_size: IntArray
    max_extra: IntArray
    cost_period: IntArray
    facility: np.ndarray
    setup: IntArray
    area: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of providers (facilities included)."""
        return len(self.ids)

    def of_type(self, kind: str) -> np.ndarray:
        """Indices of the providers of one type."""
        return np.flatnonzero(np.asarray(self.type) == kind)


@dataclass(frozen=True)
class Arcs:
    """Which site reaches which provider, and how far (one row per pair within reach)."""

    site: IntArray
    provider: IntArray
    metres: IntArray

    @property
    def n(self) -> int:
        """Number of (site, provider) pairs within reach."""
        return len(self.site)


@dataclass(frozen=True)
class ServicesInstance:
    """Sites with their demand per type and period, and the providers within reach.

    Parameters
    ----------
    site_ids, site_area
        Site ids and the area (municipality, wijk or site) each belongs to.
    periods, period_months
        Period labels and their length in months.
    demand
        Per service type, an (n_sites x n_periods) int64 array of children, registrations
        or places needed.
    providers
        Every provider and candidate facility.
    arcs
        Per service type, the (site, provider) pairs within reach.
    """

    site_ids: tuple[str, ...]
    site_area: tuple[str, ...]
    periods: tuple[str, ...]
    period_months: int
    demand: Mapping[str, IntArray]
    providers: Providers
    arcs: Mapping[str, Arcs]
    site_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    site_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    straight_line: bool = True
    """Reach measured in a straight line (the checker re-measures it); False over a street
    graph."""

    @property
    def types(self) -> tuple[str, ...]:
        """The service types checked."""
        return tuple(self.demand)

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return len(self.site_ids)

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return len(self.periods)


def reach_arcs(
    site_x: np.ndarray,
    site_y: np.ndarray,
    providers: Providers,
    kind: str,
    distance: np.ndarray | None = None,
) -> Arcs:
    """The (site, provider) pairs of one type within the provider's reach.

    Parameters
    ----------
    site_x, site_y
        Site coordinates (RD New, metres).
    providers
        The providers.
    kind
        The service type.
    distance
        Optional (n_sites x n_providers) distances (e.g. over a street graph); straight
        line when omitted.

    Examples
    --------
    >>> import numpy as np
    >>> p = Providers(("a",), ("A",), ("taalklas",), np.array([0.0]), np.array([0.0]),
    ...               np.array([10]), np.array([1000.0]), np.array([15]), np.array([0]),
    ...               np.array([0]), np.array([False]), np.array([0]))
    >>> reach_arcs(np.array([600.0, 1200.0]), np.array([800.0, 0.0]), p, "taalklas").site
    array([0])
    """
    idx = providers.of_type(kind)
    if distance is None:
        dx = site_x[:, None] - providers.x[idx][None, :]
        dy = site_y[:, None] - providers.y[idx][None, :]
        d = np.hypot(dx, dy)
    else:
        d = np.asarray(distance, float)[:, idx]
    ok = d <= providers.reach_m[idx][None, :] + 1e-9
    s, k = np.nonzero(ok)
    metres = np.ceil(d[s, k] - 1e-9).astype(np.int64)
    return Arcs(s.astype(np.int64), idx[k].astype(np.int64), metres)


def residents_demand(
    residents: Mapping[str, np.ndarray],
    profiles: Mapping[str, AgeProfile],
    kind: str,
    *,
    period_months: int,
    duration_months: int,
) -> IntArray:
    """Children, registrations or places needed per site and period, from the residents.

    ``residents[group]`` is an (n_sites x n_periods) array of persons of that group on
    each site. Per site and period, summed over the groups, exactly (decimal fractions),
    then rounded to whole children (half up):

    - ``taalklas`` / ``isk``: the newly arrived children of primary (secondary) age who are
      new to the country, counted for ``duration_months`` after they arrive. Arrivals in a
      period are the growth of the site's residents plus the turnover (``turnover_per_year``
      x residents of the period before x the period's length in years); never more than the
      children present.
    - ``gp``: persons x ``gp_share`` (registrations).
    - ``youth_care``: persons x ``amv_share`` (unaccompanied minors).

    Examples
    --------
    100 ontheemden arrive in period 0 and stay; 12 % primary age, all new, no turnover,
    12-month duration in 6-month periods: 12 children in periods 0 and 1, none after.

    >>> import numpy as np
    >>> from opvang_opt.schema.services import AgeProfile
    >>> p = {"o": AgeProfile(group="o", primary_share=0.12, secondary_share=0.0)}
    >>> residents_demand({"o": np.array([[100, 100, 100]])}, p, "taalklas",
    ...                  period_months=6, duration_months=12).tolist()
    [[12, 12, 0]]
    """
    shape = next(iter(residents.values())).shape if residents else (0, 0)
    total = np.empty(shape, dtype=object)
    total.fill(Fraction(0))
    window = -(-duration_months // period_months) if duration_months > 0 else 0
    years = Fraction(period_months, 12)
    for group, persons in residents.items():
        prof = profiles.get(group)
        if prof is None:
            continue
        persons = np.asarray(persons, dtype=np.int64)
        if kind in NEWCOMER_TYPES:
            share = decimal_fraction(
                prof.primary_share if kind == "taalklas" else prof.secondary_share
            ) * decimal_fraction(prof.new_to_country_share)
            if share == 0 or window == 0:
                continue
            turnover = decimal_fraction(prof.turnover_per_year) * years
            prev = np.zeros_like(persons)
            prev[:, 1:] = persons[:, :-1]
            growth = np.maximum(persons - prev, 0)
            for i in range(persons.shape[0]):
                arrivals = [Fraction(int(g)) + turnover * int(p) for g, p in
                            zip(growth[i], prev[i], strict=True)]  # fmt: skip
                for t in range(persons.shape[1]):
                    recent = sum(arrivals[max(0, t - window + 1) : t + 1], Fraction(0))
                    total[i, t] += min(recent, Fraction(int(persons[i, t]))) * share
        else:
            share = decimal_fraction(prof.gp_share if kind == "gp" else prof.amv_share)
            if share == 0:
                continue
            for i, t in np.ndindex(persons.shape):
                total[i, t] += int(persons[i, t]) * share
    out = np.zeros(shape, dtype=np.int64)
    for i, t in np.ndindex(shape):
        v: Fraction = total[i, t]  # type: ignore[assignment]
        out[i, t] = (2 * v.numerator + v.denominator) // (2 * v.denominator)  # half up
    return out


def shortlist_residents(
    places: Sequence[int],
    site_groups: Mapping[str, float],
    n_periods: int,
    first_period: Sequence[int] | np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Residents per group, site and period when each site is full from its first period.

    Each site's places are divided over the groups by ``site_groups`` (exact decimal
    shares, rounded down to whole persons).

    Examples
    --------
    >>> shortlist_residents([100], {"a": 0.5, "b": 0.25}, 3, [1])["b"].tolist()
    [[0, 25, 25]]
    """
    places_arr = np.asarray(places, dtype=np.int64)
    first = np.zeros(len(places_arr), dtype=np.int64) if first_period is None else (
        np.asarray(first_period, dtype=np.int64))  # fmt: skip
    live = np.arange(n_periods)[None, :] >= first[:, None]
    out = {}
    for group, share in site_groups.items():
        f = decimal_fraction(share)
        persons = (places_arr * f.numerator) // f.denominator
        out[group] = np.where(live, persons[:, None], 0).astype(np.int64)
    return out


def household_demand(
    households: Sequence[tuple[int, str, int, int, int, int]],
    n_sites: int,
    n_periods: int,
    profiles: Mapping[str, AgeProfile],
    kind: str,
    *,
    period_months: int,
    duration_months: int,
) -> IntArray:
    """Demand per site and period from placed households (the allocation).

    ``households`` holds ``(site, group, first_period, persons, children_4_11,
    children_12_17)`` per placed household. Newcomer education counts the household's own
    children of the age band x its group's ``new_to_country_share``, from its first period
    for ``duration_months``; GP registrations count persons x ``gp_share``; youth care
    persons x ``amv_share`` (unaccompanied minors are not housed as households, so this is
    usually 0). Summed exactly per site and period, then rounded half up.

    Examples
    --------
    A family of 4 with 2 children aged 4-11 arrives in period 1; 12-month taalklas, half-years.

    >>> from opvang_opt.schema.services import AgeProfile
    >>> p = {"o": AgeProfile(group="o", primary_share=0.1, secondary_share=0.1)}
    >>> household_demand([(0, "o", 1, 4, 2, 0)], 1, 4, p, "taalklas", period_months=6,
    ...                  duration_months=12).tolist()
    [[0, 2, 2, 0]]
    """
    total = np.empty((n_sites, n_periods), dtype=object)
    total.fill(Fraction(0))
    window = -(-duration_months // period_months) if duration_months > 0 else 0
    for site, group, first, persons, young, teen in households:
        prof = profiles.get(group)
        first = max(first, 0)
        if prof is None or first >= n_periods:
            continue
        if kind in NEWCOMER_TYPES:
            kids = young if kind == "taalklas" else teen
            if kids == 0 or window == 0:
                continue
            share = decimal_fraction(prof.new_to_country_share)
            for t in range(first, min(first + window, n_periods)):
                total[site, t] += kids * share
        else:
            share = decimal_fraction(prof.gp_share if kind == "gp" else prof.amv_share)
            for t in range(first, n_periods):
                total[site, t] += persons * share
    out = np.zeros((n_sites, n_periods), dtype=np.int64)
    for i, t in np.ndindex(out.shape):
        v: Fraction = total[i, t]  # type: ignore[assignment]
        out[i, t] = (2 * v.numerator + v.denominator) // (2 * v.denominator)
    return out

"""The services expansion (spoor 1) against an independent SCIP model, to the cent.

``_services_milp.py`` is written from the documented rules on plain rows (its own
straight-line reach, no demand classes, shortage parts or Hall cuts). Hypothesis draws
instances with several types at once (taalklas, ISK, GP registrations, youth care),
providers of different reach (sites exactly on a reach boundary included: 3-4-5
triangles), added groups, temporary facilities whose set-up ties periods, and costs in
odd cents. The engine must leave as few short and cost exactly as little, before and
after expansion, and its checker must pass it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opvang_opt.schema.services import AgeProfile
from opvang_opt.services import check_services, solve_services
from opvang_opt.services.instance import (
    Providers,
    ServicesInstance,
    reach_arcs,
    residents_demand,
)
from opvang_opt.status import SolveStatus

from . import _services_milp

TYPES = ("taalklas", "isk", "gp", "youth_care")


@st.composite
def instances(draw):
    kinds = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True))
    n_periods = draw(st.integers(1, 4))
    n_sites = draw(st.integers(1, 5))
    # sites on a 300 m grid: distances like 300-400-500 fall exactly on a reach of 500
    sites = [
        (300.0 * draw(st.integers(0, 8)), 400.0 * draw(st.integers(0, 5))) for _ in range(n_sites)
    ]
    provs = []
    for j in range(draw(st.integers(1, 6))):
        facility = draw(st.integers(0, 3)) == 0
        provs.append(
            {
                "id": f"P{j}",
                "type": draw(st.sampled_from(kinds)),
                "x": 300.0 * draw(st.integers(0, 8)),
                "y": 400.0 * draw(st.integers(0, 5)),
                "capacity": draw(st.integers(0, 12)) if not facility else draw(st.integers(5, 20)),
                "reach_m": float(draw(st.sampled_from([500, 1000, 1500, 2500]))),
                "group_size": 0 if facility else draw(st.integers(1, 8)),
                "max_extra": 0 if facility else draw(st.integers(0, 3)),
                "cost": draw(st.integers(1, 900_001)),
                "facility": facility,
                "setup": draw(st.integers(0, 1_500_001)) if facility else 0,
            }
        )
    demand = {
        k: [[draw(st.integers(0, 15)) for _ in range(n_periods)] for _ in range(n_sites)]
        for k in kinds
    }
    return sites, demand, provs, n_periods


def _instance(sites, demand, provs, n_periods) -> ServicesInstance:
    def col(key, dtype):
        return np.asarray([p[key] for p in provs], dtype)

    providers = Providers(
        ids=tuple(p["id"] for p in provs),
        names=tuple(p["id"] for p in provs),
        type=tuple(p["type"] for p in provs),
        x=col("x", float),
        y=col("y", float),
        capacity=col("capacity", np.int64),
        reach_m=col("reach_m", float),
        group_size=col("group_size", np.int64),
        max_extra=col("max_extra", np.int64),
        cost_period=col("cost", np.int64),
        facility=col("facility", bool),
        setup=col("setup", np.int64),
        area=("A",) * len(provs),
    )
    sx = np.asarray([s[0] for s in sites])
    sy = np.asarray([s[1] for s in sites])
    return ServicesInstance(
        site_ids=tuple(f"S{i}" for i in range(len(sites))),
        site_area=tuple("W1" if i % 2 else "W2" for i in range(len(sites))),
        periods=tuple(f"t{t}" for t in range(n_periods)),
        period_months=6,
        demand={k: np.asarray(v, np.int64) for k, v in demand.items()},
        providers=providers,
        arcs={k: reach_arcs(sx, sy, providers, k) for k in demand},
        site_x=sx,
        site_y=sy,
    )


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_expansion_equals_the_independent_model_to_the_cent(case):
    sites, demand, provs, n_periods = case
    inst = _instance(sites, demand, provs, n_periods)
    res = solve_services(inst)
    assert check_services(res).is_ok
    short0, _ = _services_milp.solve(sites, demand, provs, n_periods, expand=False)
    short1, cost1 = _services_milp.solve(sites, demand, provs, n_periods)
    assert res.short_before == short0
    assert res.short_after == short1
    assert res.cost["total"] == cost1, (res.cost, cost1, res.expansion)
    assert (res.status == SolveStatus.OPTIMAL) == (short1 == 0)


def test_a_site_exactly_on_the_reach_boundary_is_within_reach():
    # a 3-4-5 triangle: the site lies exactly 500 m from a school whose reach is 500 m
    sites = [(300.0, 400.0)]
    provs = [
        {"id": "P0", "type": "taalklas", "x": 0.0, "y": 0.0, "capacity": 3, "reach_m": 500.0,
         "group_size": 2, "max_extra": 1, "cost": 450_001, "facility": False, "setup": 0},
    ]  # fmt: skip
    demand = {"taalklas": [[5]]}
    res = solve_services(_instance(sites, demand, provs, 1))
    assert res.short_before == 2 and res.short_after == 0
    assert res.cost["total"] == 450_001


# --------------------------------------------------------------------------- demand


@st.composite
def residents_cases(draw):
    n_periods = draw(st.integers(1, 6))
    persons = [draw(st.integers(0, 400)) for _ in range(n_periods)]
    before = draw(st.one_of(st.none(), st.integers(0, 400)))
    return {
        "persons": persons,
        "before": before,
        "primary": draw(st.sampled_from([0.0, 0.12, 0.3333333, 0.07])),
        "new": draw(st.sampled_from([1.0, 0.5, 0.85])),
        "turnover": draw(st.sampled_from([0.0, 0.1, 0.25, 1.5])),
        "months": draw(st.sampled_from([3, 6, 12])),
        "duration": draw(st.sampled_from([0, 6, 12, 18, 24])),
    }


def _demand_by_hand(c) -> list[int]:
    """README: newly arrived children (growth of the residents plus turnover x residents
    of the period before x the period's years), new to the country, counted for
    ``duration_months`` after arrival, never more than the children present; exact, then
    half up."""
    from decimal import Decimal

    def dec(x: float) -> Fraction:
        return Fraction(Decimal(repr(x)))

    share = dec(c["primary"]) * dec(c["new"])
    years = Fraction(c["months"], 12)
    window = -(-c["duration"] // c["months"]) if c["duration"] else 0
    p = c["persons"]
    prev = [c["before"] if c["before"] is not None else 0, *p[:-1]]
    arrivals = [
        max(p[t] - prev[t], 0) + dec(c["turnover"]) * years * prev[t] for t in range(len(p))
    ]
    out = []
    for t in range(len(p)):
        recent = sum(arrivals[max(0, t - window + 1) : t + 1], Fraction(0)) if window else 0
        v = min(Fraction(recent), Fraction(p[t])) * share
        out.append(math.floor(v + Fraction(1, 2)))
    return out


@settings(max_examples=200, deadline=None, derandomize=True)
@given(residents_cases())
def test_newcomer_demand_from_residents_equals_the_documented_rule(c):
    profile = AgeProfile(
        group="o",
        primary_share=c["primary"],
        secondary_share=0.0,
        new_to_country_share=c["new"],
        turnover_per_year=c["turnover"],
    )
    prof = {"o": profile}
    got = residents_demand(
        {"o": np.array([c["persons"]])}, prof, "taalklas", period_months=c["months"],
        duration_months=c["duration"],
        before=None if c["before"] is None else {"o": np.array([c["before"]])},
    )  # fmt: skip
    assert got[0].tolist() == _demand_by_hand(c)

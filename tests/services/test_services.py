"""The services check: hand-worked cases, brute force against Hall's theorem, an infeasible
case with its diagnosis, the checker, and bad input (exit 2, all problems at once)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.errors import DataError
from opvang_opt.io.services import read_services_tables
from opvang_opt.schema.services import AgeProfile, ServicesConfig
from opvang_opt.services import (
    Flow,
    ServicesResult,
    check_services,
    expansion_cost,
    residents_demand,
    solve_services,
)
from opvang_opt.services.synthetic import make_instance, make_providers
from opvang_opt.status import SolveStatus
from opvang_opt.texts import render
from tests.conftest import write_yaml

# --------------------------------------------------------------------------- hand-worked


def two_schools(demand_a: int, demand_b: int):
    """Site A at x=0 reaches school S1 (x=0, 10 places); site B at x=2000 reaches S2
    (x=2000, 0 places); reach 1500 m, so A cannot use S2. Groups of 5: S1 EUR 1/period
    (100 cents), S2 EUR 3 (300 cents), at most 2 groups each."""
    prov = make_providers([0, 2000], [0, 0], [10, 0], reach_m=1500, group_size=5,
                          max_extra=2, cost_period=[100, 300])  # fmt: skip
    return make_instance([0, 2000], [0, 0], np.array([[demand_a], [demand_b]]), prov,
                         areas=["Noord", "Zuid"])  # fmt: skip


def test_hand_worked_cheapest_expansion() -> None:
    # A needs 12: 10 at S1, 2 short -> one group at S1 (100). B needs 4: S2 has none ->
    # one group at S2 (300). Before: 6 short. Total 400 cents.
    r = solve_services(two_schools(12, 4))
    assert r.status == SolveStatus.OPTIMAL
    assert r.short_before == 6 and r.short_after == 0
    assert r.cost["total"] == 400
    assert r.expansion.groups[:, 0].tolist() == [1, 1]
    assert {(s.area, s.short) for s in r.shortfalls} == {("Noord", 2), ("Zuid", 4)}
    assert check_services(r).is_ok


def test_no_shortfall_no_cost() -> None:
    r = solve_services(two_schools(10, 0))
    assert r.status == SolveStatus.OPTIMAL and r.cost["total"] == 0 and not r.shortfalls


def test_assignment_prefers_the_nearer_school() -> None:
    # one site at x=0 with 5 children; schools at 100 m and 900 m with 5 places each
    prov = make_providers([100, 900], [0, 0], [5, 5], reach_m=1000, max_extra=0)
    r = solve_services(make_instance([0], [0], np.array([[5]]), prov))
    assert r.after["taalklas"].flow[:, 0].tolist() == [5, 0]


def test_facility_set_up_makes_staying_open_cheaper() -> None:
    # Demand 10 in periods 0 and 2, none in 1. School: no places, groups of 10 at 700 per
    # period. Facility: 30 places, 100 per period + 1000 to set up.
    # Options: groups in periods 0 and 2: 1400; facility open 0 and 2: 2 x 1100 = 2200;
    # facility open 0-2: 1000 + 300 = 1300 (cheapest).
    prov = make_providers([0, 0], [0, 0], [0, 30], reach_m=1000, group_size=10,
                          max_extra=[1, 0], cost_period=[700, 100], facility=[False, True],
                          setup=[0, 1000])  # fmt: skip
    r = solve_services(make_instance([0], [0], np.array([[10, 0, 10]]), prov))
    assert r.status == SolveStatus.OPTIMAL
    assert r.cost["total"] == 1300
    assert r.expansion.open[1].tolist() == [True, True, True]
    assert check_services(r).is_ok


def test_demand_hand_worked() -> None:
    # 100 ontheemden from period 0; 12 % primary age; turnover 20 % a year; half-years;
    # taalklas for 12 months. Arrivals: 100, then 100 x 0.2 x 0.5 = 10 per period.
    # Need: t0 12; t1 min(110, 100) x 0.12 = 12; t2 (10 + 10) x 0.12 = 2.4 -> 2.
    p = {"o": AgeProfile(group="o", primary_share=0.12, secondary_share=0.05,
                         turnover_per_year=0.2, amv_share=0.085)}  # fmt: skip
    res = {"o": np.array([[100, 100, 100]])}
    assert residents_demand(res, p, "taalklas", period_months=6,
                            duration_months=12).tolist() == [[12, 12, 2]]  # fmt: skip
    # gp: everyone; youth care: 8.5 % of 100 = 8.5 -> 9 (half up)
    assert residents_demand(res, p, "gp", period_months=6, duration_months=0).tolist() == [
        [100, 100, 100]
    ]
    assert residents_demand(res, p, "youth_care", period_months=6,
                            duration_months=0).tolist() == [[9, 9, 9]]  # fmt: skip


# --------------------------------------------------------------------------- infeasible


def test_infeasible_with_diagnosis() -> None:
    # A needs 22: S1 has 10 + 2 groups of 5 = 20 at most -> 2 short even with expansion.
    r = solve_services(two_schools(22, 4))
    assert r.status == SolveStatus.INFEASIBLE
    assert r.short_after == 2
    (d,) = r.diagnosis.shortfalls
    assert d.rule == "services_taalklas"
    text = render(d.message, "nl")
    assert "Noord" in text and "2 van 22" in text and "t0" in text
    # it still covers what can be covered at least cost: 2 groups at S1, 1 at S2
    assert r.cost["total"] == 2 * 100 + 300
    assert check_services(r).is_ok


# --------------------------------------------------------------------------- brute force


def hall_deficiency(dem: np.ndarray, reach: list[set[int]], cap: np.ndarray) -> int:
    """Most children that cannot be placed: max over site subsets of D(S) - cap(N(S))
    (the deficiency form of Hall's theorem), computed by enumeration."""
    best = 0
    n = len(dem)
    for k in range(1, n + 1):
        for sub in itertools.combinations(range(n), k):
            nb = set().union(*(reach[s] for s in sub))
            best = max(best, int(dem[list(sub)].sum()) - int(sum(cap[j] for j in nb)))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_s, n_p, T = 3, 3, 2
    fac = [False, False, bool(rng.integers(0, 2))]
    prov = make_providers(
        rng.uniform(0, 3000, n_p), rng.uniform(0, 3000, n_p),
        [int(rng.integers(0, 8)) for _ in range(n_p - 1)] + [int(rng.integers(4, 12))],
        reach_m=1800, group_size=[int(rng.integers(2, 6)) for _ in range(n_p)],
        max_extra=[int(rng.integers(0, 3)), int(rng.integers(0, 3)), 0 if fac[2] else 1],
        cost_period=[int(rng.integers(50, 500)) for _ in range(n_p)], facility=fac,
        setup=[0, 0, int(rng.integers(0, 800))],
    )  # fmt: skip
    sx, sy = rng.uniform(0, 3000, n_s), rng.uniform(0, 3000, n_s)
    dem = rng.integers(0, 12, (n_s, T))
    inst = make_instance(sx, sy, dem, prov)
    r = solve_services(inst)
    assert check_services(r).is_ok
    reach = [set() for _ in range(n_s)]
    arcs = inst.arcs["taalklas"]
    for s, j in zip(arcs.site, arcs.provider, strict=True):
        reach[int(s)].add(int(j))
    base = np.where(prov.facility, 0, prov.capacity)
    # before: the assignment places the most possible
    for t in range(T):
        assert int(r.before["taalklas"].unmet[:, t].sum()) == hall_deficiency(
            dem[:, t], reach, base
        )
    # the cheapest full cover, by enumerating every expansion
    choices = [range(int(m) + 1) if not f else range(2)
               for m, f in zip(prov.max_extra, prov.facility, strict=True)]  # fmt: skip
    best_cost, best_short = None, None
    for per_t in itertools.product(itertools.product(*choices), repeat=T):
        g = np.array(per_t).T  # providers x periods
        groups = np.where(prov.facility[:, None], 0, g)
        opened = np.where(prov.facility[:, None], g > 0, False)
        cap = base[:, None] + groups * prov.group_size[:, None] + opened * prov.capacity[:, None]
        short = sum(hall_deficiency(dem[:, t], reach, cap[:, t]) for t in range(T))
        from opvang_opt.services import Expansion

        cost = expansion_cost(inst, Expansion(groups, opened))["total"]
        if best_short is None or (short, cost) < (best_short, best_cost):
            best_short, best_cost = short, cost
    assert r.short_after == best_short
    assert r.cost["total"] == best_cost
    assert (r.status == SolveStatus.OPTIMAL) == (best_short == 0)


# --------------------------------------------------------------------------- checker


def test_checker_finds_a_broken_result() -> None:
    r = solve_services(two_schools(12, 4))
    f = r.after["taalklas"]
    broken = Flow(f.arcs, f.flow + 3, f.unmet)  # 3 more at each pair: over capacity
    bad = ServicesResult(**{**r.__dict__, "after": {"taalklas": broken}})
    rules = {v.rule for v in check_services(bad).violations}
    assert {"capacity", "demand"} <= rules
    cheap = ServicesResult(**{**r.__dict__, "cost": {**r.cost, "total": 1}})
    assert {v.rule for v in check_services(cheap).violations} == {"cost"}


# --------------------------------------------------------------------------- bad input


PROVIDERS_BAD = """provider_id,name,type,x,y,capacity
T1,School 1,taalklass,50,50,10
T2,School 2,isk,abc,50,10
T3,School 3,gp,50,50,2.5
T3,School 4,gp,50,50,4
"""


def test_bad_tables_all_problems_at_once(tmp_path: Path) -> None:
    (tmp_path / "providers.csv").write_text(PROVIDERS_BAD, encoding="utf-8")
    (tmp_path / "facilities.csv").write_text(
        "facility_id,name,type,x,y,capacity\nF1,Noodlokaal,gp,0,0,0\n", encoding="utf-8"
    )
    cfg = ServicesConfig(providers={"path": tmp_path / "providers.csv"},
                         facilities={"path": tmp_path / "facilities.csv"})  # fmt: skip
    with pytest.raises(DataError) as err:
        read_services_tables(cfg)
    text = err.value.render()
    for needle in ("T3", "duplicate", "taalklass", "did you mean", "'abc' is not a number",
                   "2.5 is not a whole number", "F1", "below 1"):  # fmt: skip
        assert needle.lower() in text.lower(), f"{needle!r} not in\n{text}"


def test_cli_bad_services_input_exits_2(tiny) -> None:
    d = tiny["dir"]
    (d / "providers.csv").write_text(PROVIDERS_BAD, encoding="utf-8")
    raw = {**tiny["raw"], "services": {"providers": {"path": "providers.csv"},
                                       "facilities": {"path": "missing.csv"}}}  # fmt: skip
    path = write_yaml(d / "tiny.yaml", raw)
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    for needle in ("taalklass", "abc", "2.5", "missing.csv"):
        assert needle in res.stderr, res.stderr
    assert "Traceback" not in res.output


def test_cli_tiny_run_writes_services(tiny) -> None:
    from tests.conftest import ORIGIN

    d = tiny["dir"]
    # 150 m north of site A in the tiny world (RD New; plain 50,200 lies outside the
    # Netherlands, which the inputs' geography check now reports)
    xy = f"{ORIGIN[0] + 50:.0f},{ORIGIN[1] + 200:.0f}"
    (d / "providers.csv").write_text(
        "provider_id,name,type,x,y,capacity,max_extra_groups\n"
        f"T1,School,taalklas,{xy},1,0\nI1,ISK,isk,{xy},0,0\nG1,GP,gp,{xy},500,0\n"
        f"J1,Jeugdzorg,youth_care,{xy},5,0\n",
        encoding="utf-8",
    )
    raw = {**tiny["raw"], "services": {"providers": {"path": "providers.csv"}}}
    path = write_yaml(d / "tiny.yaml", raw)
    out = d / "res"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("services_bottlenecks.csv", "services_expansions.csv", "services_chart.png"):
        assert (out / name).exists(), name
    # the per-site table is for analysts (its rows add up to the area totals, which would
    # give a suppressed count back): not in the council's (default) results
    assert not (out / "services.csv").exists()
    assert "Voorzieningen" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", range(6))
def test_engine_equals_plain_formulation(seed: int) -> None:
    """The reductions (shortage parts, demand classes, Hall cuts) keep the optimum: the
    same cost and shortfall as one plain MIP without them, on medium instances with and
    without facilities whose set-up ties periods."""
    from opvang_opt.services.synthetic import random_instance

    inst = random_instance(60, 15, 4, seed=seed, n_facilities=seed % 3, extent_m=12_000,
                           reach_m=3000, pressure=1.3)  # fmt: skip
    fast = solve_services(inst)
    plain = solve_services(inst, decompose=False, aggregate=False, cuts=False)
    assert fast.status == plain.status
    assert fast.cost["total"] == plain.cost["total"]
    assert fast.short_after == plain.short_after
    assert check_services(fast).is_ok and check_services(plain).is_ok


def test_demand_from_placed_households() -> None:
    """Two households on one site: a statushouder family (2 children 4-11, arrived in the
    first half of 2026) and an ontheemden family (1 child 12-17, arrived in 2026-H2).
    Statushouders are half new to the country: 2 x 0.5 = 1 taalklas child in 2026-H1 and
    2026-H2 (12 months); the teenager needs an ISK place for 24 months: 2026-H2 to 2027-H2
    (4 half-years, the horizon ends there). GP: 4 + 3 persons from their arrival."""
    import datetime as dt

    import pandas as pd

    from opvang_opt.services.instance import household_demand
    from opvang_opt.services.stage import AllocationSource

    src = AllocationSource(
        placed=pd.DataFrame({"site_id": ["F1", "F1"], "household_id": ["H1", "H2"]}),
        households=pd.DataFrame({
            "household_id": ["H1", "H2"], "group": ["statushouders", "ontheemden"],
            "persons": [4, 3], "children_4_11": [2, 0], "children_12_17": [0, 1],
            "arrival_date": pd.to_datetime(["2026-02-01", "2026-08-15"]),
        }),
        sites=pd.DataFrame({"site_id": ["F1"], "x": [1.0], "y": [2.0],
                            "municipality_code": ["GM0384"]}),
    )  # fmt: skip
    ids, sx, sy, area, rows = src.rows(dt.date(2026, 1, 1), 6)
    assert ids == ["F1"] and area == ["GM0384"] and sx.tolist() == [1.0] and sy.tolist() == [2.0]
    assert sorted(rows) == [(0, "ontheemden", 1, 3, 0, 1), (0, "statushouders", 0, 4, 2, 0)]
    cfg = ServicesConfig(providers={"path": "x.csv"})
    profiles = {p.group: p for p in cfg.age_profiles}

    def demand(kind: str, months: int) -> list[int]:
        return household_demand(rows, 1, 4, profiles, kind, period_months=6,
                                duration_months=months)[0].tolist()  # fmt: skip

    assert demand("taalklas", 12) == [1, 1, 0, 0]
    assert demand("isk", 24) == [0, 1, 1, 1]
    assert demand("gp", 0) == [4, 7, 7, 7]


def test_provider_in_two_parts_keeps_both_expansions() -> None:
    """A school that belongs to one shortage part in period 0 and to another in period 1
    gets the groups of both parts (found on the facilities benchmark: the larger part used
    to overwrite the other's groups with its own zero).

    Facility F (x=-800; 30 places, 100 per period + 1000 set-up), school A (x=0, no places,
    groups of 5 at 50), school B (x=1500, no places, one group of 5 at 70); reach 1000 m.
    s1 (x=-400) reaches F and A; s3 (x=750) reaches A and B; s2 (x=2300) reaches B only.
    Demand s1 [5, 5], s3 [5, 0], s2 [0, 5]. The set-up ties F's periods, so one part holds
    F, A (periods 0-1) and B (period 0); B in period 1 is a part of its own.
    Cheapest by hand: period 0 two groups at A (100; A+B costs 120, F 1100); period 1 one
    group at A for s1 (50) and one at B for s2 (70): 220 cents, F stays closed.
    """
    from opvang_opt.services.solve import shortage_components

    prov = make_providers([-800, 0, 1500], [0, 0, 0], [30, 0, 0], reach_m=1000,
                          group_size=5, max_extra=[0, 2, 1], cost_period=[100, 50, 70],
                          facility=[True, False, False], setup=[1000, 0, 0])  # fmt: skip
    inst = make_instance([-400, 750, 2300], [0, 0, 0], np.array([[5, 5], [5, 0], [0, 5]]), prov)
    r = solve_services(inst)
    parts = shortage_components(inst, "taalklas", r.before["taalklas"])
    nodes = sorted(sorted(map(tuple, np.argwhere(n).tolist())) for _, _, n in parts)
    assert nodes == [[(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)], [(2, 1)]]
    assert r.status == SolveStatus.OPTIMAL and r.short_after == 0
    assert r.cost["total"] == 220
    assert r.expansion.groups[1:].tolist() == [[2, 1], [0, 1]]
    assert not r.expansion.open.any()
    assert check_services(r).is_ok


@pytest.mark.parametrize("seed", range(12))
def test_facilities_brute_force(seed: int) -> None:
    """Temporary facilities whose set-up ties periods, against brute force over every
    expansion choice: two facilities (open or not in each of 3 periods) and two schools
    (0-2 groups per period), 3^6 x 2^6 = 46,656 plans, each scored by Hall's theorem
    (enumeration, no flow solver). Sites are spread so that shortage parts split by
    period and provider, then meet at a facility."""
    rng = np.random.default_rng(100 + seed)
    n_s, T = 4, 3
    fac = [False, False, True, True]
    prov = make_providers(
        [0, 2400, 800, 1800], [0, 0, 600, -600],
        [int(rng.integers(0, 6)), int(rng.integers(0, 6)), 12, 12],
        reach_m=1500, group_size=[int(rng.integers(3, 7)), int(rng.integers(3, 7)), 0, 0],
        max_extra=[2, 2, 0, 0],
        cost_period=[int(rng.integers(80, 300)), int(rng.integers(80, 300)),
                     int(rng.integers(100, 250)), int(rng.integers(100, 250))],
        facility=fac, setup=[0, 0, int(rng.integers(0, 600)), int(rng.integers(0, 600))],
    )  # fmt: skip
    sx = rng.uniform(-300, 2700, n_s)
    sy = rng.uniform(-500, 500, n_s)
    dem = rng.integers(0, 9, (n_s, T))
    inst = make_instance(sx, sy, dem, prov)
    r = solve_services(inst)
    assert check_services(r).is_ok
    reach = [set() for _ in range(n_s)]
    arcs = inst.arcs["taalklas"]
    for s, j in zip(arcs.site, arcs.provider, strict=True):
        reach[int(s)].add(int(j))
    base = np.where(prov.facility, 0, prov.capacity)
    from opvang_opt.services import Expansion

    # a period's shortfall depends only on that period's choice: 3 x 3 x 2 x 2 per period
    choice = list(itertools.product(range(3), range(3), (0, 1), (0, 1)))
    short_of = [
        {c: hall_deficiency(dem[:, t], reach, base + np.array(c) * np.where(
            prov.facility, prov.capacity, prov.group_size)) for c in choice}
        for t in range(T)
    ]  # fmt: skip
    best_short, best_cost = None, None
    for plan in itertools.product(choice, repeat=T):
        short = sum(short_of[t][c] for t, c in enumerate(plan))
        if best_short is not None and short > best_short:
            continue
        per = np.array(plan).T  # 4 providers x T periods
        groups = np.where(prov.facility[:, None], 0, per).astype(np.int64)
        opened = np.where(prov.facility[:, None], per > 0, False)
        cost = expansion_cost(inst, Expansion(groups, opened))["total"]
        if best_short is None or (short, cost) < (best_short, best_cost):
            best_short, best_cost = short, cost
    assert r.short_after == best_short
    assert r.cost["total"] == best_cost
    assert (r.status == SolveStatus.OPTIMAL) == (best_short == 0)

"""Demand from the plan: the places each group occupies per site and period (planning stage)
x the groups' age profiles, in the plan's periods; expected counts worked by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from opvang_opt.io.planning import PlanningTables
from opvang_opt.io.services import read_services_tables
from opvang_opt.planning import plan
from opvang_opt.planning.instance import Plan
from opvang_opt.schema.planning import PlanningConfig
from opvang_opt.schema.services import ServicesConfig
from opvang_opt.services import check_services
from opvang_opt.services.stage import PlanSource, build_instance, run_services
from opvang_opt.status import SolveStatus
from opvang_opt.texts import render
from tests.planning._helpers import instance, site

X0, Y0 = 125_000.0, 483_000.0  # Diemen, RD New

PROFILES = [
    # ontheemden: 10 % primary, 10 % secondary age, all new, 20 % turnover a year
    {"group": "ontheemden", "primary_share": 0.1, "secondary_share": 0.1,
     "turnover_per_year": 0.2, "gp_share": 1.0},
    # asielzoekers: 25 % primary age, no teenagers, 5 % amv, no turnover
    {"group": "asielzoekers", "primary_share": 0.25, "secondary_share": 0.0,
     "amv_share": 0.05, "gp_share": 1.0},
]  # fmt: skip


def _config(tmp_path: Path, capacity: int = 6, **extra: object) -> ServicesConfig:
    (tmp_path / "providers.csv").write_text(
        "provider_id,name,type,x,y,capacity,max_extra_groups\n"
        f"T1,Taalklas,taalklas,{X0 + 500},{Y0},{capacity},1\n",
        encoding="utf-8",
    )
    return ServicesConfig(
        providers={"path": tmp_path / "providers.csv"},
        age_profiles=PROFILES,
        site_groups={"ontheemden": 0.5, "asielzoekers": 0.5},
        **{"check_types": ("taalklas", "isk", "gp", "youth_care"), **extra},
    )


def _scenario() -> SimpleNamespace:
    cfg = PlanningConfig(
        start=dt.date(2026, 1, 1), periods=3, period_months=6,
        groups=[{"name": "asielzoekers"}, {"name": "ontheemden"}, {"name": "starter"}],
        tasks={"path": "tasks.csv"},
    )  # fmt: skip
    return SimpleNamespace(planning=cfg)


def _plan_result() -> SimpleNamespace:
    """Three sites, three half-years, groups (asielzoekers, ontheemden, starter) with 4, 5
    and 2 places per unit; the plan's ``assigned`` counts units per group.

    E: existing stock (in no longlist; x/y from the stock table), 50 ontheemden living
    there before 2026, then 50, 50, 60. C: a candidate on the longlist with 40
    asielzoekers and 10 starters from the second half-year. Z: empty all the time.
    """
    e = replace(site("E", initial=20, max_units=30, groups=(True, True, True)),
                occupants=50, initial_group=1)  # fmt: skip
    c = site("C", max_units=30, groups=(True, True, True))
    z = site("Z", max_units=30, groups=(True, True, True))
    base = instance([e, c, z], np.zeros((3, 1, 3), dtype=np.int64), ppu=(4, 5, 2))
    inst = replace(base, municipalities=("GM0384",), periods=("2026-H1", "2026-H2", "2027-H1"),
                   groups=("asielzoekers", "ontheemden", "starter"))  # fmt: skip
    p = Plan.empty(inst)
    p.assigned[0, :, 1] = [10, 10, 12]  # units of 5 places: 50, 50, 60 ontheemden
    p.assigned[1, :, 0] = [0, 10, 10]  # units of 4 places: 40 asielzoekers
    p.assigned[1, :, 2] = [0, 5, 5]  # units of 2 places: 10 starters
    return SimpleNamespace(instance=inst, plan=p)


def _longlist() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"site_id": ["C"], "municipality_code": ["GM0384"], "shortlisted": [True],
         "capacity_places": [100]},
        geometry=[box(X0 + 900, Y0 - 50, X0 + 1100, Y0 + 50)], crs="EPSG:28992",
    )  # fmt: skip


def _tables() -> PlanningTables:
    stock = pd.DataFrame({"site_id": ["E"], "municipality_code": ["GM0384"],
                          "x": [X0], "y": [Y0]})  # fmt: skip
    return PlanningTables(tasks=None, stock=stock, candidates=None, sources={})


def test_plan_source_sites_coordinates_and_people() -> None:
    src = PlanSource.from_plan(_plan_result(), _longlist(), "site_id", _tables())
    assert src is not None
    # Z holds nobody in any period: left out
    assert src.site_ids == ("E", "C")
    assert src.periods == ("2026-H1", "2026-H2", "2027-H1")
    # E from the stock table, C from the longlist's plot (its centre)
    assert src.x.tolist() == [X0, X0 + 1000] and src.y.tolist() == [Y0, Y0]
    assert src.area == ("GM0384", "GM0384")
    res, before = src.residents()
    assert res["ontheemden"].tolist() == [[50, 50, 60], [0, 0, 0]]
    assert res["asielzoekers"].tolist() == [[0, 0, 0], [0, 40, 40]]
    assert before["ontheemden"].tolist() == [50, 0]
    assert PlanSource.from_plan(SimpleNamespace(plan=None)) is None


def test_demand_from_the_plan_hand_worked(tmp_path: Path) -> None:
    """Half-years; taalklas 12 months (2 periods), ISK 24 months (4 periods).

    E (ontheemden, 50 before 2026): arrivals = growth + turnover 0.2/yr x 0.5 yr x the
    persons of the period before: [0 + 5, 0 + 5, 10 + 5] = [5, 5, 15].
    taalklas: arrivals of the last 2 periods [5, 10, 20] x 0.1 = [0.5, 1, 2] -> [1, 1, 2]
    (half up). ISK: last 4 periods [5, 10, 25] x 0.1 -> [1, 1, 3]. GP: [50, 50, 60].
    C (asielzoekers, none before): arrivals [0, 40, 0]; taalklas [0, 40, 40] x 0.25 =
    [0, 10, 10]; ISK 0; GP [0, 40, 40]; youth care 5 % amv: [0, 2, 2]. The 10 starters
    have no age profile: not counted, and a note says so.
    """
    cfg = _config(tmp_path)
    tables = read_services_tables(cfg)
    src = PlanSource.from_plan(_plan_result(), _longlist(), "site_id", _tables())
    inst, source, notes = build_instance(cfg, tables, _longlist(), "site_id",
                                         scenario=_scenario(), plan=src)  # fmt: skip
    assert source == "plan"
    assert inst.periods == ("2026-H1", "2026-H2", "2027-H1")
    assert inst.site_ids == ("E", "C")
    assert inst.demand["taalklas"].tolist() == [[1, 1, 2], [0, 10, 10]]
    assert inst.demand["isk"].tolist() == [[1, 1, 3], [0, 0, 0]]
    assert inst.demand["gp"].tolist() == [[50, 50, 60], [0, 40, 40]]
    assert inst.demand["youth_care"].tolist() == [[0, 0, 0], [0, 2, 2]]
    text = " ".join(render(n, "en") for n in notes)
    assert "without an age profile" in text and "starter" in text


def test_plan_demand_flows_and_expansion_per_period(tmp_path: Path) -> None:
    """One taalklas school 500 m from E and C (reach 3 km) with 6 places, one added group of
    15 allowed at EUR 135,000 a year. Demand [1, 11, 12]: short [0, 5, 6] now; one group
    in 2026-H2 and 2027-H1 covers it: 2 x EUR 67,500 = EUR 135,000."""
    cfg = _config(tmp_path, check_types=("taalklas",))
    tables = read_services_tables(cfg)
    src = PlanSource.from_plan(_plan_result(), _longlist(), "site_id", _tables())
    run = run_services(cfg, tables, _longlist(), "site_id", scenario=_scenario(), plan=src)
    r = run.result
    assert run.demand_source == "plan"
    assert r.status == SolveStatus.OPTIMAL
    assert r.before["taalklas"].unmet.sum(axis=0).tolist() == [0, 5, 6]
    assert r.short_after == 0
    assert r.expansion.groups[0].tolist() == [0, 1, 1]
    assert r.cost["total"] == 13_500_000
    assert check_services(r).is_ok


def test_without_a_plan_the_shortlist_is_used_and_a_note_says_so(tmp_path: Path) -> None:
    cfg = _config(tmp_path, demand_from="plan")
    tables = read_services_tables(cfg)
    inst, source, notes = build_instance(cfg, tables, _longlist(), "site_id", plan=None)
    assert source == "shortlist" and inst.site_ids == ("C",)
    assert any("no plan" in render(n, "en") for n in notes)


def test_demand_from_a_solved_plan(tmp_path: Path) -> None:
    """A real plan: one candidate site (10 units of 4 places) and a hard task of 40
    asielzoekers from the second period, so the plan must house 40 there in periods 1
    and 2. taalklas: [0, 40, 40] x 0.25 = [0, 10, 10]; GP [0, 40, 40]."""
    c = site("C", max_units=10, build=100)
    inst = replace(instance([c], [0, 40, 40], ppu=(4,), hard=(True,)), groups=("asielzoekers",),
                   municipalities=("GM0384",))  # fmt: skip
    result = plan(inst, baseline=False)
    assert result.status == SolveStatus.OPTIMAL
    # 10 units of 4 places assigned in periods 1 and 2
    assert result.plan is not None and result.plan.assigned[0, :, 0].tolist() == [0, 10, 10]
    src = PlanSource.from_plan(result, _longlist(), "site_id")
    cfg = _config(tmp_path, check_types=("taalklas", "gp"))
    built, source, _ = build_instance(cfg, read_services_tables(cfg), _longlist(), "site_id",
                                      plan=src)  # fmt: skip
    assert source == "plan" and built.site_ids == ("C",)
    assert built.demand["taalklas"].tolist() == [[0, 10, 10]]
    assert built.demand["gp"].tolist() == [[0, 40, 40]]

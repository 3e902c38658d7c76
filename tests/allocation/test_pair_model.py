"""The engine against an independent pair model on random small instances.

Hypothesis draws instances with every rule active (sharing, pins, bans, current
units, occupied units, mix rules with many-digit shares, school places, medical
reach, rent caps, dates, refusals, preferences); the pair model
(``pair_model.py``: one boolean per household-unit pair, SCIP) is solved to proven
optimality. The engine must place as many households and reach the same objective
(within its gap setting), and the checker must pass both allocations.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pair_model import solve_pair_model

from conftest import gps, households, schools, sites, units
from opvang_opt.allocation import allocate, check_allocation
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap

GROUPS = ["statushouders", "starter"]
SHARES = [0.3333333, 0.5, "2/3", 0.25, 0.6]


@st.composite
def instances(draw):
    n_sites = draw(st.integers(1, 3))
    n_units = draw(st.integers(1, 6))
    n_hh = draw(st.integers(1, 6))
    site_ids = [f"S{i + 1}" for i in range(n_sites)]
    un_rows = []
    for _ in range(n_units):
        bedrooms = draw(st.integers(0, 2))
        un_rows.append(
            {
                "site_id": draw(st.sampled_from(site_ids)),
                "bedrooms": bedrooms,
                "beds": draw(st.integers(1, 2 * max(bedrooms, 1) + 1)),
                "accessible": draw(st.booleans()),
                "floor": draw(st.sampled_from([0, 0, 1])),
                "available_from": draw(st.sampled_from(["2025-01-01", "2025-03-10"])),
                "rent_eur": float(draw(st.sampled_from([500, 700]))),
            }
        )
    unit_ids = [f"U{i + 1}" for i in range(n_units)]
    occupied_units = draw(st.lists(st.sampled_from(unit_ids), unique=True, max_size=2))
    free_units = [u for u in unit_ids if u not in occupied_units]
    hh_rows = []
    currents = set()
    for _ in range(n_hh):
        group = draw(st.sampled_from(GROUPS))
        persons = draw(st.sampled_from([1, 1, 2, 3]))
        kids = draw(st.integers(0, persons - 1))
        row = {
            "group": group,
            "persons": persons,
            "adults": persons - kids,
            "children_4_11": kids,
            "needs_wheelchair": draw(st.sampled_from([False, False, True])),
            "needs_ground_floor": draw(st.sampled_from([False, False, True])),
            "needs_medical": draw(st.sampled_from([False, False, True])),
        }
        if draw(st.booleans()):
            row["work_x"] = float(draw(st.integers(115_000, 130_000)))
            row["work_y"] = 480_000.0 + draw(st.integers(-3000, 3000))
        if draw(st.integers(0, 3)) == 0:
            row["preferred_sites"] = draw(st.sampled_from(site_ids))
        elif draw(st.integers(0, 4)) == 0:
            row["refused_sites"] = draw(st.sampled_from(site_ids))
        if free_units and draw(st.integers(0, 3)) == 0:
            cur = draw(st.sampled_from(free_units))
            if cur not in currents:
                currents.add(cur)
                row["current_unit"] = cur
        hh_rows.append(row)
    hh_ids = [f"H{i + 1}" for i in range(n_hh)]
    pins, bans = [], []
    pinned_units = set()
    for hid in hh_ids:
        kind = draw(st.integers(0, 9))
        if kind == 0:
            u = draw(st.sampled_from(unit_ids))
            if u not in pinned_units:
                pinned_units.add(u)
                pins.append(Pin(household_id=hid, unit_id=u))
        elif kind == 1:
            pins.append(Pin(household_id=hid, site_id=draw(st.sampled_from(site_ids))))
        elif kind == 2:
            bans.append(Ban(household_id=hid, unit_id=draw(st.sampled_from(unit_ids))))
        elif kind == 3:
            bans.append(Ban(household_id=hid, site_id=draw(st.sampled_from(site_ids))))
    mix = []
    if draw(st.booleans()):
        mix.append(MixRule(groups=["statushouders"], max_share=draw(st.sampled_from(SHARES))))
    if draw(st.integers(0, 3)) == 0:
        mix.append(MixRule(groups=["starter"], min_share=draw(st.sampled_from([0.25, "1/3"]))))
    config = AllocationConfig(
        groups=GROUPS,
        newcomer_education_groups=["statushouders"],
        allow_shared_units=draw(st.booleans()),
        max_sharers_per_unit=draw(st.sampled_from([None, 2])),
        max_wait_days=draw(st.sampled_from([0, 30])),
        mix_rules=mix,
        pins=pins,
        bans=bans,
        rent_caps=[RentCap(max_rent_eur=600.0, min_persons=3)] if draw(st.booleans()) else [],
        medical_reach_m=2500.0,
        weights={
            "school_km": 1.0,
            "work_km": 0.5,
            "care_km": 0.5,
            "unused_bed": 0.5,
            "relocation": draw(st.sampled_from([0.0, 5.0])),
            "not_preferred": 2.0,
        },
    )
    sc = schools(
        {"x": 121_000.0, "taalklas_places": draw(st.integers(0, 3))},
        {"x": 126_000.0, "taalklas_places": draw(st.integers(0, 2))},
    )
    occupied = pd.DataFrame(
        {
            "unit_id": occupied_units,
            "group": [draw(st.sampled_from(GROUPS)) for _ in occupied_units],
        }
    )
    return (
        households(*hh_rows),
        units(*un_rows),
        sites(n_sites, spacing=2500.0),
        sc,
        gps((120_500.0, 480_000.0)),
        config,
        occupied,
    )


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_engine_equals_pair_model(case):
    hh, un, st_, sc, gp, config, occupied = case
    res = allocate(hh, un, st_, sc, gp, config, occupied=occupied)
    tables = res.instance.tables
    pair = solve_pair_model(tables, config)
    pair_frame = pd.DataFrame(list(pair.assignment.items()), columns=["household_id", "unit_id"])
    assert check_allocation(tables, config, pair_frame).is_ok
    assert check_allocation(tables, config, res.assignments).is_ok
    assert len(res.assignments) == pair.placed
    tol = config.solver.relative_gap * max(abs(pair.objective), 1.0) + 1e-6
    assert res.objective == pytest.approx(pair.objective, abs=tol)
    assert res.gap <= config.solver.relative_gap + 1e-12

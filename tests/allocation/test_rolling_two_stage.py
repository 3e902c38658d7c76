"""``rolling.lookahead_method: two_stage``: one program over several futures, the
period's placements shared by all of them.

Hand-worked (:func:`test_the_average_over_futures_decides`): two sites 5 km apart (S1
at x = 120 km, S2 at x = 125 km), one 1-bed studio on each (U1 on S1, U2 on S2); single
adults, only work distance costs (0.5 a km).

* H1 (this period) works at x = 121 km: S1 costs it 0.5, S2 2.0.
* Future 1 expects X1 working at S1 (S1 0, S2 2.5); future 2 expects X2 working at S2
  (S1 2.5, S2 0).

With future 1 alone, H1 on S1 costs 0.5 + 2.5 = 3.0 and H1 on S2 2.0 + 0 = 2.0: H1 gets
U2. With both futures, H1 on S1 costs 0.5 + (2.5 + 0) / 2 = 1.75 and H1 on S2 2.0 +
(0 + 2.5) / 2 = 3.25: H1 gets U1, and each future's expected household the other
studio in its own copy of the stock (both studios are used twice over the futures, once
per future: the futures do not compete with each other).

With one future and integer futures, the program is the single-future rule's joint
allocation: on random instances its objective and number left unplaced equal those of
the engine's own allocation of the period's and the expected households together (a
different solve: the engine prices columns and dives; here every column is in one
HiGHS MIP).
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate_tables, check_allocation, run_rolling, validate_inputs
from opvang_opt.allocation.model import SCENARIO
from opvang_opt.allocation.rolling import EXPECTED_PREFIX
from opvang_opt.allocation.synthetic import make_instance
from opvang_opt.allocation.twostage import joint_households, plan_two_stage
from opvang_opt.allocation.validate import Tables
from opvang_opt.schema import AllocationConfig, RollingSettings


def _hand_tables():
    hh = households(
        {"household_id": "H1", "work_x": 121000.0},
        {"household_id": "X1", "work_x": 120000.0},
        {"household_id": "X2", "work_x": 125000.0},
    )
    hh["work_y"] = 480000.0
    un = units({"unit_id": "U1", "beds": 1}, {"unit_id": "U2", "site_id": "S2", "beds": 1})
    cfg = AllocationConfig(
        weights={"work_km": 0.5, "school_km": 0.0},
        rolling=RollingSettings(lookahead_method="two_stage"),
    )
    return validate_inputs(hh, un, sites(2), None, None, cfg), cfg


@pytest.mark.parametrize(
    ("futures", "unit", "objective"), [(["X1"], "U2", 2.0), (["X1", "X2"], "U1", 1.75)]
)
def test_the_average_over_futures_decides(futures, unit, objective):
    tables, cfg = _hand_tables()
    hh = tables.households.set_index("household_id")
    batch = hh.loc[["H1"]].reset_index()
    fut = [hh.loc[[f]].reset_index() for f in futures]
    plan = plan_two_stage(tables, batch, fut, cfg)
    assert dict(zip(plan.real["household_id"], plan.real["unit_id"], strict=True)) == {"H1": unit}
    assert plan.objective == pytest.approx(objective, abs=1e-4)  # phase 2 allows 1e-7 more unplaced
    assert plan.unplaced == pytest.approx(0.0, abs=1e-5)
    # each future's expected household gets the studio H1 leaves, in its own copy
    other = {"U1": "U2", "U2": "U1"}[unit]
    assert [e["unit_id"].tolist() for e in plan.expected] == [[other]] * len(futures)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_integer_future_is_the_joint_allocation(seed):
    si = make_instance(36, 30, 3, seed=seed)
    t = validate_inputs(**si.tables(), config=si.config)
    hh = t.households[t.households["current_unit"] == ""].reset_index(drop=True)
    batch, expected = hh.iloc[:8], hh.iloc[8:].copy()
    expected["household_id"] = [f"{EXPECTED_PREFIX}{i}" for i in range(len(expected))]
    empty = t.occupied.iloc[0:0]
    state = Tables(batch, t.units, t.sites, t.schools, t.gps, empty)
    plan = plan_two_stage(state, batch, [expected], si.config, integer_futures=True)
    joint = Tables(
        pd.concat([batch, expected], ignore_index=True), t.units, t.sites, t.schools, t.gps, empty
    )
    exact = si.config.solver.model_copy(update={"relative_gap": 0.0})
    engine = allocate_tables(joint, si.config.model_copy(update={"solver": exact}), check=False)
    assert plan.status == "optimal"
    assert plan.unplaced == pytest.approx(len(engine.unplaced))
    assert plan.objective == pytest.approx(engine.objective, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("seed", "futures"), [(4, 3), (5, 1)])
def test_two_stage_rolling_keeps_every_rule(seed, futures):
    si = make_instance(30, 34, 3, seed=seed)
    rolling = RollingSettings(
        period="month", lookahead_method="two_stage", lookahead_scenarios=futures, seed=seed
    )
    cfg = si.config.model_copy(update={"rolling": rolling})
    rr = run_rolling(**si.tables(), config=cfg)
    tables = validate_inputs(**si.tables(), config=cfg)
    report = check_allocation(tables, cfg, rr.assignments)
    assert report.is_ok, report.violations
    assert not rr.assignments["household_id"].str.startswith(EXPECTED_PREFIX).any()
    assert len(rr.assignments) + len(rr.unplaced) == len(si.households)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_future_keeps_every_rule(seed):
    # three futures of 9-10 expected households each compete for 30 units with the
    # period's 8: in every future, the period's placements and that future's own pass
    # the checker together (the period's alone need not: expected households count in
    # the mix rules, as with the single-future rule)
    si = make_instance(36, 30, 3, seed=seed)
    t = validate_inputs(**si.tables(), config=si.config)
    hh = t.households[t.households["current_unit"] == ""].reset_index(drop=True)
    batch, rest = hh.iloc[:8], hh.iloc[8:].reset_index(drop=True)
    futures = [rest.iloc[k::3].reset_index(drop=True) for k in range(3)]
    empty = t.occupied.iloc[0:0]
    state = Tables(batch, t.units, t.sites, t.schools, t.gps, empty)
    plan = plan_two_stage(state, batch, futures, si.config, integer_futures=True)
    assert plan.status == "optimal"
    assert len(plan.real) >= 1
    joint = joint_households(batch, futures).set_index("household_id", drop=False)
    for k, expected in enumerate(plan.expected, start=1):
        both = pd.concat(
            [plan.real[["household_id", "unit_id"]], expected[["household_id", "unit_id"]]]
        )
        both = both.assign(
            group=joint.loc[both["household_id"], "group"].to_numpy(),
            persons=joint.loc[both["household_id"], "persons"].to_numpy(),
        )
        future = joint[joint[SCENARIO].isin([0, k])].drop(columns=SCENARIO).reset_index(drop=True)
        tables = Tables(future, t.units, t.sites, t.schools, t.gps, empty)
        report = check_allocation(tables, si.config, both)
        assert report.is_ok, (k, report.violations)

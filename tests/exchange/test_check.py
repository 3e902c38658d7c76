"""The independent checker accepts valid solutions and catches broken ones."""

from __future__ import annotations

import dataclasses

import pytest

from opvang_opt.errors import InternalError
from opvang_opt.exchange import check_exchange, solve_exchange, with_task


@pytest.fixture(scope="module")
def solved(demo):
    return demo, solve_exchange(demo)


def broken(res, **tables):
    return dataclasses.replace(res, **tables)


def test_valid_solution_passes(solved):
    config, res = solved
    report = check_exchange(config, res)
    assert report.is_ok, report.violations
    assert report.objective == pytest.approx(res.objective)


def test_capacity_violation_caught(solved):
    config, res = solved
    p = res.placements.copy()
    i = p.index[(p["places"] > 0)][0]
    p.loc[i, "places"] += 1000
    report = check_exchange(config, broken(res, placements=p))
    assert any("capaciteit overschreden" in v.message for v in report.violations)


def test_group_not_allowed_in_type_caught(solved):
    config, res = solved
    p = res.placements.copy()
    row = p[p["housing_type"] == "sociale_huur"].iloc[0].copy()
    row["group"] = "asielzoekers"
    row["places"] = 1.0
    p.loc[len(p)] = row
    report = check_exchange(config, broken(res, placements=p))
    assert any("mag geen asielzoekers" in v.message for v in report.violations)


def test_conservation_violation_caught(solved):
    config, res = solved
    ex = res.exchange.copy()
    ex.loc[0, "net_transfer"] += 5
    ex.loc[0, "assigned"] += 5
    report = check_exchange(config, broken(res, exchange=ex))
    assert any("regionaal totaal" in v.message for v in report.violations)


def test_bound_violation_caught(solved):
    config, res = solved
    # the same solution checked under a shift of 1% breaks the bounds
    report = check_exchange(config, broken(res, shift=0.01), limit_intake=True)
    assert any("grens is" in v.message for v in report.violations)


def test_objective_mismatch_caught(solved):
    config, res = solved
    report = check_exchange(config, broken(res, objective=res.objective - 1000))
    assert any("doelfunctie klopt niet" in v.message for v in report.violations)


def test_substitution_beyond_max_share_caught(demo):
    # with more ontheemden in Ouder-Amstel and fewer in Uithoorn, substitution pays off
    config = with_task(with_task(demo, "GM0437", "ontheemden", 120), "GM0451", "ontheemden", 100)
    res = solve_exchange(config)
    s = res.substitutions.copy()
    assert len(s), "this variant uses a substitution"
    s.loc[0, "places"] *= 10
    report = check_exchange(config, broken(res, substitutions=s))
    assert not report.is_ok
    assert "substitution_share" in {v.rule for v in report.violations}
    with pytest.raises(InternalError):
        report.raise_if_violated()


def test_entry_cost_worked_by_hand():
    # steps: places 1-5 at 100, 6-10 at 120, 11-20 at 150; beyond the last step's up_to
    # (20) the last price goes on (the capacity, not the curve, limits the places)
    from opvang_opt.exchange.check import entry_cost
    from opvang_opt.schema import CapacityEntry, HousingType

    steps = [
        {"up_to": 5, "cost_per_place": 100},
        {"up_to": 10, "cost_per_place": 120},
        {"up_to": 20, "cost_per_place": 150},
    ]
    htype = HousingType(name="t", groups=["g"], fixed_cost=1000)
    stepped = CapacityEntry(municipality="GM0001", type="t", places=30, cost_steps=steps)
    assert entry_cost(stepped, htype, 0) == 0  # nobody housed: no fixed cost either
    assert entry_cost(stepped, htype, 7) == 1000 + 5 * 100 + 2 * 120  # 1,740
    assert entry_cost(stepped, htype, 25) == 1000 + 5 * 100 + 5 * 120 + 10 * 150 + 5 * 150
    own_fixed = CapacityEntry(
        municipality="GM0001", type="t", places=30, cost_steps=steps, fixed_cost=0
    )
    assert entry_cost(own_fixed, htype, 25) == 3350  # the entry's own (zero) fixed cost
    free = CapacityEntry(municipality="GM0001", type="t", places=30, cost_per_place=0)
    assert entry_cost(free, HousingType(name="t", groups=["g"]), 12) == 0  # free places
    flat = HousingType(name="t", groups=["g"], cost_per_place=80)
    bare = CapacityEntry(municipality="GM0001", type="t", places=30)
    assert entry_cost(bare, flat, 12) == 12 * 80  # the type's price

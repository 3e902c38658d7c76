"""Hand-solvable exchanges: known optimal swaps, conservation, bounds, substitution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opvang_opt.exchange import (
    ExchangeResult,
    check_exchange,
    solve_exchange,
    tradeoff,
    with_bound,
    with_capacity,
    with_task,
)
from opvang_opt.status import SolveStatus

from ._helpers import cfg, one_group_config

A, B, C = "GM0001", "GM0002", "GM0003"


def assert_valid(config, res: ExchangeResult) -> None:
    """Checker passes, totals per group conserved, nobody's task lost."""
    check_exchange(config, res).raise_if_violated()
    ex = res.exchange
    per_group = ex.groupby("group")[["task", "assigned", "net_transfer"]].sum()
    np.testing.assert_allclose(per_group["assigned"], per_group["task"], atol=1e-6)
    np.testing.assert_allclose(per_group["net_transfer"], 0.0, atol=1e-6)
    np.testing.assert_allclose(ex["credited"] + ex["unmet"], ex["assigned"], atol=1e-6)


def two_munis(keep: float = 0.0, **extra):
    # A: task 10, cost 100 per place, 20 places; B: task 10, cost 50, 20 places.
    return cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 20, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 20, "cost_per_place": 50}]),
            ],
            keep=keep,
            **extra,
        )
    )


def test_two_municipalities_known_swap():
    # Without exchange: 10*100 + 10*50 = 1500. With: B houses all 20 at 50 = 1000.
    config = two_munis()
    res = solve_exchange(config)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(1000)
    assert res.no_exchange_cost == pytest.approx(1500)
    assert res.savings == pytest.approx(500)
    assert res.gap == pytest.approx(0, abs=1e-9)
    ex = res.exchange.set_index("municipality_code")
    assert ex.loc[A, "net_transfer"] == pytest.approx(-10)
    assert ex.loc[B, "net_transfer"] == pytest.approx(10)
    flows = res.flows
    assert list(flows[["from_code", "to_code"]].iloc[0]) == [A, B]
    assert flows["places"].sum() == pytest.approx(10)
    assert_valid(config, res)


def test_keep_share_bound_limits_the_swap():
    # A keeps at least 60% of 10 -> hands over at most 4; savings 4 * (100 - 50) = 200.
    config = two_munis(keep=0.6)
    res = solve_exchange(config)
    assert res.savings == pytest.approx(200)
    assert res.exchange.set_index("municipality_code").loc[A, "net_transfer"] == pytest.approx(-4)
    assert_valid(config, res)


def test_max_extra_bound():
    config = with_bound(two_munis(), B, "g", max_extra=3)
    res = solve_exchange(config)
    assert res.savings == pytest.approx(150)
    assert_valid(config, res)


def test_stepwise_costs_are_convex_piecewise_linear():
    # B: first 12 places at 50, then 90. A at 100. Optimal: B takes 2 at 50 and 8 at 90.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 20, "cost_per_place": 100}]),
                (
                    B,
                    10,
                    [
                        {
                            "type": "t",
                            "places": 20,
                            "cost_steps": [
                                {"up_to": 12, "cost_per_place": 50},
                                {"cost_per_place": 90},
                            ],
                        }
                    ],
                ),
            ]
        )
    )
    res = solve_exchange(config)
    # 12*50 + 8*90 = 1320, versus alone 1000 + 500 = 1500
    assert res.objective == pytest.approx(1320)
    assert_valid(config, res)


def test_fixed_opening_cost_needs_a_binary():
    # B has a large location with fixed cost 300 and 0 per place; alone B uses a small one at 50.
    # Alone: A 10*100 = 1000, B min(300, 500) = 300 -> 1300. Exchange: B opens large (20
    # places) for both: 300 -> savings 1000.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "small", "places": 10, "cost_per_place": 100}]),
                (
                    B,
                    10,
                    [
                        {"type": "small", "places": 10, "cost_per_place": 50},
                        {"type": "large", "places": 20, "cost_per_place": 0, "fixed_cost": 300},
                    ],
                ),
            ]
        )
    )
    res = solve_exchange(config)
    assert res.no_exchange_cost == pytest.approx(1300)
    assert res.objective == pytest.approx(300)
    assert_valid(config, res)


def test_integer_places():
    # keep 55% of 11 -> at most 4.95 may move; whole persons -> 4.
    data = one_group_config(
        [
            (A, 11, [{"type": "t", "places": 20, "cost_per_place": 100}]),
            (B, 10, [{"type": "t", "places": 20, "cost_per_place": 50}]),
        ],
        keep=0.55,
    )
    assert solve_exchange(cfg(data)).savings == pytest.approx(4.95 * 50)
    data["solver"] = {"integer_places": True}
    config = cfg(data)
    res = solve_exchange(config)
    assert res.savings == pytest.approx(4 * 50)
    assert_valid(config, res)


def test_substitution_rule_counts_other_group():
    # A has an asylum task of 10 but only places for ontheemden (rate 0.5: 2 count as 1).
    data = {
        "municipalities": [{"code": A, "name": "A", "population": 1000}],
        "groups": [{"name": "asielzoekers"}, {"name": "ontheemden"}],
        "tasks": {A: {"asielzoekers": 10}},
        "housing_types": [{"name": "flex", "groups": ["ontheemden"], "cost_per_place": 10}],
        "capacity": [{"municipality": A, "type": "flex", "places": 30}],
        "substitution": [{"from_group": "ontheemden", "to_group": "asielzoekers", "rate": 0.5}],
    }
    config = cfg(data)
    res = solve_exchange(config)
    ex = res.exchange.set_index("group")
    assert ex.loc["ontheemden", "placed"] == pytest.approx(20)
    assert ex.loc["asielzoekers", "credited"] == pytest.approx(10)
    assert res.objective == pytest.approx(200)
    assert_valid(config, res)


def test_three_municipalities_known_swap():
    config = three_munis()
    res = solve_exchange(config)
    # cheapest 30 places: C 15 at 40 and B 15 at 60 = 1500; alone 1000 + 600 + 400 = 2000
    assert res.objective == pytest.approx(1500)
    assert res.savings == pytest.approx(500)
    ex = res.exchange.set_index("municipality_code")
    assert ex.loc[C, "assigned"] == pytest.approx(15)
    assert ex.loc[B, "assigned"] == pytest.approx(15)
    assert ex.loc[A, "assigned"] == pytest.approx(0)
    assert_valid(config, res)


def three_munis():
    return cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 10, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 20, "cost_per_place": 60}]),
                (C, 10, [{"type": "t", "places": 15, "cost_per_place": 40}]),
            ]
        )
    )


def test_demo_solves_and_checks(demo):
    res = solve_exchange(demo)
    assert res.is_ok
    assert res.savings > 0
    assert set(res.flows.columns) >= {"from_code", "to_code", "group", "places"}
    assert_valid(demo, res)


def test_tradeoff_monotone_and_zero_at_zero(demo):
    t = tradeoff(demo, [0.0, 0.1, 0.3, 0.5])
    s = t.summary["savings"].to_numpy()
    assert s[0] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.diff(s) >= -1e-6)
    assert len(t.per_municipality) == 4 * 3
    for shift in (0.1, 0.3):
        res = solve_exchange(demo, shift=shift)
        assert_valid(demo, res)


def test_what_if_helpers(demo):
    more = with_task(demo, "GM0384", "asielzoekers", 250)
    assert more.task("GM0384", "asielzoekers") == 250
    bigger = with_capacity(demo, "GM0437", "opvanglocatie", 300)
    assert solve_exchange(bigger).objective <= solve_exchange(demo).objective + 1e-6
    assert_valid(more, solve_exchange(more))


def test_determinism(demo):
    a, b = solve_exchange(demo), solve_exchange(demo)
    assert a.objective == b.objective
    pd.testing.assert_frame_equal(a.exchange, b.exchange)
    pd.testing.assert_frame_equal(a.flows, b.flows)

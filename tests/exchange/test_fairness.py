"""Shapley side payments worked out by hand, individual rationality, and the core check."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.errors import InfeasibleError
from opvang_opt.exchange import (
    CoalitionGame,
    core_check,
    exact_shapley,
    shapley_payments,
)
from opvang_opt.texts import render

from ._helpers import cfg, one_group_config

A, B, C = "GM0001", "GM0002", "GM0003"


def assert_fair(sp) -> None:
    """Individual rationality and budget balance of the side payments."""
    t = sp.table
    assert sp.individually_rational
    assert (t["cost_after_payment"] <= t["cost_no_exchange"] + 1e-6).all()
    assert t["payment"].sum() == pytest.approx(0.0, abs=1e-6)
    assert t["shapley_saving"].sum() == pytest.approx(sp.exchange.savings)


def test_two_municipalities_split_savings_equally():
    # A: 10 at 100, B: 10 at 50 with room for 20. v(AB) = 1500 - 1000 = 500.
    # Two players: phi_A = phi_B = v(AB) / 2 = 250.
    # A's exchange cost is 0, so A pays 1000 - 250 - 0 = 750; B: 500 - 250 - 1000 = -750.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 20, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 20, "cost_per_place": 50}]),
            ]
        )
    )
    sp = shapley_payments(config)
    t = sp.table.set_index("municipality_code")
    assert t.loc[A, "shapley_saving"] == pytest.approx(250)
    assert t.loc[B, "shapley_saving"] == pytest.approx(250)
    assert t.loc[A, "payment"] == pytest.approx(750)
    assert t.loc[B, "payment"] == pytest.approx(-750)
    assert t.loc[A, "payment_per_place_moved"] == pytest.approx(75)
    assert_fair(sp)
    assert not sp.core.core_empty and sp.core.allocation_in_core and sp.core.complete


def three_player_config():
    # A: task 10, 10 places at 100. B: task 10, 20 places at 60. C: task 10, 15 places at 40.
    return cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 10, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 20, "cost_per_place": 60}]),
                (C, 10, [{"type": "t", "places": 15, "cost_per_place": 40}]),
            ]
        )
    )


def test_three_municipalities_shapley_by_hand():
    # Alone: A 1000, B 600, C 400.
    # v(AB) = 10 * (100 - 60) = 400     (B takes all of A's 10)
    # v(AC) = 5 * (100 - 40)  = 300     (C has 5 spare places)
    # v(BC) = 5 * (60 - 40)   = 100
    # v(ABC): cheapest 30 places are C 15 at 40 and B 15 at 60 = 1500 -> 500
    # phi_A = 1/6*400 + 1/6*300 + 1/3*(500-100) = 66.67 + 50 + 133.33 = 250
    # phi_B = 1/6*400 + 1/6*100 + 1/3*(500-300) = 66.67 + 16.67 + 66.67 = 150
    # phi_C = 1/6*300 + 1/6*100 + 1/3*(500-400) = 50 + 16.67 + 33.33 = 100
    # Core: AB gets 400 >= 400, AC 350 >= 300, BC 250 >= 100 -> in the core (AB tight).
    config = three_player_config()
    sp = shapley_payments(config, method="exact")
    np.testing.assert_allclose(sp.shapley.values, [250, 150, 100], atol=1e-6)
    assert sp.shapley.grand_value == pytest.approx(500)
    assert sp.shapley.solves == 3  # the three pairs; singletons are 0, N from the full solve
    assert_fair(sp)
    assert not sp.core.core_empty
    assert sp.core.allocation_in_core
    assert "niet leeg" in render(sp.core.message, "nl")


def test_sampled_shapley_close_to_exact_and_deterministic():
    config = three_player_config()
    a = shapley_payments(config, method="sampled", samples=600, seed=7)
    b = shapley_payments(config, method="sampled", samples=600, seed=7)
    np.testing.assert_array_equal(a.shapley.values, b.shapley.values)
    assert a.shapley.method == "sampled"
    assert a.shapley.values.sum() == pytest.approx(500)  # efficient in every order
    err = np.abs(a.shapley.values - [250, 150, 100])
    assert (err <= 4 * a.shapley.std_error + 1e-6).all()
    assert (a.shapley.std_error > 0).all()
    assert a.core.coalitions_checked == 6  # with 3 players every coalition was sampled
    assert_fair(a)


def test_empty_core_reported_plainly():
    # Economies of scale: every municipality has a task of 10 and either 10 small places at
    # 100 each or a large location (20 places, fixed cost 1000, nothing per place).
    # Alone: 1000 each. Any pair: one opens the large location for both: 1000 -> v(pair) = 1000.
    # All three: 30 places need a large location plus 10 more (1000 + 1000) -> v(N) = 1000.
    # Core needs x_i + x_j >= 1000 for every pair -> sum >= 1500 > v(N) = 1000: empty.
    # Least core: x = 333.33 each, every pair short by 333.33 -> epsilon = -333.33.
    entries = [
        {"type": "small", "places": 10, "cost_per_place": 100},
        {"type": "large", "places": 20, "cost_per_place": 0, "fixed_cost": 1000},
    ]
    config = cfg(one_group_config([(A, 10, entries), (B, 10, entries), (C, 10, entries)]))
    sp = shapley_payments(config)
    np.testing.assert_allclose(sp.shapley.values, [1000 / 3] * 3, atol=1e-3)
    assert sp.core.core_empty
    assert sp.core.least_core_epsilon == pytest.approx(-1000 / 3, abs=1e-3)
    assert sp.core.worst_excess == pytest.approx(1000 / 3, abs=1e-3)
    assert len(sp.core.worst_coalition) == 2
    assert "De kern is leeg" in render(sp.core.message, "nl")
    assert_fair(sp)


def test_demo_payments_fair_and_compared_with_reference_prices(demo):
    sp = shapley_payments(demo)
    assert_fair(sp)
    refs = sp.references
    assert set(refs["reference"]) == {p.name for p in demo.reference_prices}
    spreiding = refs[refs["reference"] == "Spreidingswet-prikkel"]
    assert (spreiding["price_per_place_period"] == 5000).all()
    norm = refs[refs["group"] == "ontheemden"]
    assert (norm["price_per_place_period"] == 61 * 365).all()


def test_core_check_flags_a_bad_allocation():
    game = CoalitionGame(three_player_config())
    exact_shapley(game)
    res = core_check(game, np.array([500.0, 0.0, 0.0]))
    # B and C together get 0 but save 100 on their own
    assert not res.allocation_in_core
    assert res.worst_coalition == (B, C)
    assert res.worst_excess == pytest.approx(100)


def test_no_reference_without_exchange_is_diagnosed():
    # A cannot house its task alone and no emergency reception is allowed: the game has no
    # reference; the error names A and the group.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 5, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 20, "cost_per_place": 50}]),
            ]
        )
    )
    with pytest.raises(InfeasibleError) as exc:
        shapley_payments(config)
    text = str(exc.value)
    assert "M01 (GM0001), g" in text
    assert "5 plaatsen tekort" in text
    short = exc.value.diagnosis.shortfalls[0]
    assert short.short_by == pytest.approx(5)

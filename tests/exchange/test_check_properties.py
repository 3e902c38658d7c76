"""Property-based tests (Hypothesis): the exchange optimum and its checker against brute force.

Small one-group exchanges (two or three municipalities, one housing type each, a cost per
place, integer tasks and capacities, a keep share and an optional cost per unmet place)
have integral optima, so a brute force over every integer transfer finds the optimum:

- the solver's cost equals the brute-force minimum, and the checker passes it;
- the checker accepts any hand-built solution exactly when the rules written out below
  accept it (capacity, keep share, conservation, unmet places, the reported cost);
- the same config twice gives identical tables.
"""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opvang_opt.exchange import check_exchange, solve_exchange

from ._helpers import cfg, one_group_config

CODES = ("GM0001", "GM0002", "GM0003")
PROPS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def exchanges(draw):
    n = draw(st.integers(2, 3))
    specs = []
    for code in CODES[:n]:
        task = 10 * draw(st.integers(0, 3))
        places = 5 * draw(st.integers(0, 8))
        price = 10 * draw(st.integers(1, 10))
        specs.append((code, task, places, price))
    keep = draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    unmet = draw(st.sampled_from([None, 1000.0]))
    return specs, keep, unmet


def config_of(specs, keep, unmet):
    return cfg(
        one_group_config(
            [(c, t, [{"type": f"t{c[-1]}", "places": p, "cost_per_place": k}])
             for c, t, p, k in specs],
            keep=keep,
            unmet=unmet,
        )
    )  # fmt: skip


def cost_by_hand(specs, unmet, placed, net) -> float | None:
    """Cost of housing ``placed`` after transfers ``net``; None when a rule is broken."""
    total = 0.0
    for (_, task, places, price), x, d in zip(specs, placed, net, strict=True):
        if x < 0 or x > places:
            return None
        short = task + d - x  # places of the (new) task not housed
        if short < 0 or (short > 0 and unmet is None):
            return None
        total += price * x + (unmet or 0.0) * short
    return total


def transfers(specs, keep):
    """Every integer transfer vector within the keep shares that sums to zero."""
    most = sum(s[1] for s in specs)
    ranges = [range(-round((1 - keep) * t), most + 1) for _, t, *_ in specs]
    for net in itertools.product(*ranges):
        if sum(net) == 0:
            yield net


def brute_force(specs, keep, unmet):
    best = None
    for net in transfers(specs, keep):
        # housing more is never worse than leaving places unmet at 1000 > every price
        placed = [min(p, t + d) for (_, t, p, _), d in zip(specs, net, strict=True)]
        if any(t + d < 0 for (_, t, *_), d in zip(specs, net, strict=True)):
            continue
        c = cost_by_hand(specs, unmet, placed, net)
        if c is not None and (best is None or c < best):
            best = c
    return best


@PROPS
@given(exchanges())
def test_solver_matches_brute_force_and_passes_the_checker(case):
    specs, keep, unmet = case
    best = brute_force(specs, keep, unmet)
    assume(best is not None)  # an infeasible exchange is tested in test_errors
    config = config_of(specs, keep, unmet)
    res = solve_exchange(config)
    assert res.objective == pytest.approx(best, abs=1e-6)
    report = check_exchange(config, res)
    assert report.is_ok, report.violations
    assert report.objective == pytest.approx(best, abs=1e-6)
    again = solve_exchange(config)
    for table in ("placements", "exchange", "flows", "municipalities"):
        pd.testing.assert_frame_equal(getattr(res, table), getattr(again, table))


def with_solution(res, specs, placed, net, objective):
    """The solved result with its tables replaced by a hand-built solution."""
    placements = pd.DataFrame(
        {
            "municipality_code": [s[0] for s in specs],
            "housing_type": [f"t{s[0][-1]}" for s in specs],
            "group": "g",
            "places": [float(x) for x in placed],
        }
    )
    exchange = res.exchange.copy().set_index("municipality_code")
    for (code, task, *_), x, d in zip(specs, placed, net, strict=True):
        exchange.loc[code, "net_transfer"] = float(d)
        exchange.loc[code, "unmet"] = float(task + d - x)
    givers = [[s[0], -d] for s, d in zip(specs, net, strict=True) if d < 0]
    rows = []
    for s, d in zip(specs, net, strict=True):
        need = d
        for g in givers:
            take = min(need, g[1])
            if take > 0:
                rows.append({"group": "g", "from_code": g[0], "to_code": s[0], "places": take})
                g[1] -= take
                need -= take
    flows = pd.DataFrame(rows, columns=["group", "from_code", "to_code", "places"])
    return dataclasses.replace(
        res,
        placements=placements,
        exchange=exchange.reset_index(),
        flows=flows.astype({"places": float}),
        objective=objective,
    )


@PROPS
@given(exchanges(), st.data())
def test_checker_agrees_with_the_rules_written_out(case, data):
    specs, keep, unmet = case
    config = config_of(specs, keep, unmet)
    # any result carries the table layout; its numbers are replaced below
    base = solve_exchange(config_of([(c, 0, 5, 10) for c, *_ in specs], 0.0, 1000.0))
    n = len(specs)
    total = sum(s[1] for s in specs)
    for _ in range(5):
        net = data.draw(st.lists(st.integers(-total, total), min_size=n - 1, max_size=n - 1))
        net = [*net, -sum(net)]
        placed = data.draw(st.lists(st.integers(0, 45), min_size=n, max_size=n))
        cost = cost_by_hand(specs, unmet, placed, net)
        within_keep = all(-d <= (1 - keep) * t for (_, t, *_), d in zip(specs, net, strict=True))
        valid = cost is not None and within_keep
        # claim the cost of the placements as the rules price them, valid or not, so
        # that a broken rule must be found by the rule, not by the objective
        claimed = sum(
            k * x + (unmet or 0.0) * max(t + d - x, 0)
            for (_, t, _, k), x, d in zip(specs, placed, net, strict=True)
        )
        report = check_exchange(config, with_solution(base, specs, placed, net, claimed))
        assert report.is_ok == valid, (placed, net, report.violations)
        if valid:
            # a wrong reported cost is caught
            wrong = with_solution(base, specs, placed, net, claimed + 1.0)
            assert not check_exchange(config, wrong).is_ok


def test_checker_rejects_more_credited_than_assigned():
    # A has task 0 and houses 1 place without taking anything over: its credit (1) is
    # above its task (0), which only a negative "unmet" could balance. Found by the
    # property above; the checker used to accept it.
    specs = [("GM0001", 0, 5, 10), ("GM0002", 0, 0, 10)]
    config = config_of(specs, 0.0, None)
    base = solve_exchange(config_of([(c, 0, 5, 10) for c, *_ in specs], 0.0, 1000.0))
    report = check_exchange(config, with_solution(base, specs, [1, 0], [0, 0], 10.0))
    assert not report.is_ok
    assert len(report.violations) == 1
    assert report.violations[0].rule == "unmet"  # a Violation, not a bare text
    assert "GM0001/g" in report.violations[0].message


A, B = CODES[0], CODES[1]


def bounded(overrides, **default):
    """A (task 20, EUR 100, 40 places) and B (task 10, EUR 50, 40 places)."""
    specs = [(A, 20, 40, 100), (B, 10, 40, 50)]
    data = one_group_config(
        [(c, t, [{"type": f"t{c[-1]}", "places": p, "cost_per_place": k}])
         for c, t, p, k in specs],
        bounds={"default": {"min_keep_share": 0.0, **default}, "overrides": overrides},
    )  # fmt: skip
    base = solve_exchange(config_of([(c, 0, 5, 10) for c, *_ in specs], 0.0, 1000.0))

    def ok(handed_over: int) -> bool:
        placed, net = [20 - handed_over, 10 + handed_over], [-handed_over, handed_over]
        cost = 100 * placed[0] + 50 * placed[1]
        return check_exchange(cfg(data), with_solution(base, specs, placed, net, cost)).is_ok

    return ok


def test_bound_overrides_per_municipality_and_per_group():
    # A keeps at least half of its 20: hands over at most 10
    ok = bounded([{"municipality": A, "min_keep_share": 0.5}])
    assert ok(10) and not ok(11)
    # a group override beats the municipality-wide one: A keeps 90%, for g only 25%
    ok = bounded([
        {"municipality": A, "min_keep_share": 0.9},
        {"municipality": A, "group": "g", "min_keep_share": 0.25},
    ])  # fmt: skip
    assert ok(15) and not ok(16)
    # B takes at most 5 more (absolute), or at most half its task more (share)
    ok = bounded([{"municipality": B, "group": "g", "max_extra": 5}])
    assert ok(5) and not ok(6)
    ok = bounded([{"municipality": B, "max_extra_share": 0.5}])
    assert ok(5) and not ok(6)
    # the default applies to everyone without an override; an override of another
    # municipality changes nothing for A
    ok = bounded([{"municipality": B, "min_keep_share": 0.0}], min_keep_share=0.75)
    assert ok(5) and not ok(6)


def test_fixed_cost_counts_from_the_first_place():
    # one place in an entry with a EUR 1,000 opening cost costs 100 + 1,000
    specs = [(A, 1, 5, 100)]
    data = one_group_config(
        [(A, 1, [{"type": "t1", "places": 5, "cost_per_place": 100, "fixed_cost": 1000}]),
         (B, 0, [{"type": "t2", "places": 5, "cost_per_place": 100}])],
    )  # fmt: skip
    specs = [(A, 1, 5, 100), (B, 0, 5, 100)]
    base = solve_exchange(config_of([(c, 0, 5, 10) for c, *_ in specs], 0.0, 1000.0))
    right = with_solution(base, specs, [1, 0], [0, 0], 1100.0)
    assert check_exchange(cfg(data), right).is_ok
    assert not check_exchange(cfg(data), with_solution(base, specs, [1, 0], [0, 0], 100.0)).is_ok

"""The rolling benchmark's weekly hindsight (``benchmarks/hindsight_weekly.py``).

The benchmark holds the rolling rule to the best allocation knowing every arrival that
keeps the mix rules at the end of every week, as a rolling run must. These tests check
that reference three ways:

* a hand-worked case where the weekly rule changes the optimum;
* with the rules counted after the year (``counting="year_end"``) it is the engine's own
  hindsight problem, so on random years its optimum equals the engine's proven optimum,
  and its allocation passes the engine's checker;
* its allocations keep the rule every week by a week-by-week count written here, and
  rolling runs never beat the ``bound`` counting (a proven bound for any rolling rule).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate_tables, check_allocation, run_rolling, validate_inputs
from opvang_opt.allocation.model import build_instance
from opvang_opt.schema import AllocationConfig, MixRule, RollingSettings

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "hindsight_weekly.py"
_spec = importlib.util.spec_from_file_location("hindsight_weekly", _PATH)
assert _spec is not None and _spec.loader is not None
hw = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("hindsight_weekly", hw)
_spec.loader.exec_module(hw)
_bench_spec = importlib.util.spec_from_file_location(
    "bench_rolling", _PATH.parent / "bench_rolling.py"
)
assert _bench_spec is not None and _bench_spec.loader is not None
_bench = importlib.util.module_from_spec(_bench_spec)
_bench_spec.loader.exec_module(_bench)

S1_X, Y = 120000.0, 480000.0


def _case(max_wait_days: int):
    """H1 (statushouder) arrives Monday 3 March 2025, H2 (ontheemde) Monday 17 March,
    both working at site S1; S1 has two units, S2 (5 km away) one; statushouders at
    most 1/2 on S1."""
    work = {"work_x": S1_X, "work_y": Y}
    hh = households(
        {"household_id": "H1", "group": "statushouders", "arrival_date": "2025-03-03", **work},
        {"household_id": "H2", "group": "ontheemden", "arrival_date": "2025-03-17", **work},
    )
    un = units(
        {"unit_id": "U1", "site_id": "S1"},
        {"unit_id": "U2", "site_id": "S1"},
        {"unit_id": "U3", "site_id": "S2"},
    )
    config = AllocationConfig(
        max_wait_days=max_wait_days,
        mix_rules=[MixRule(groups=["statushouders"], max_share=0.5, sites=["S1"])],
        rolling=RollingSettings(period="week", lookahead_periods=0),
    )
    tables = validate_inputs(hh, un, sites(2), None, None, config)
    return tables, config


@pytest.mark.parametrize(
    ("max_wait_days", "counting", "h1_site"),
    [
        # after the year: 1 of 2 on S1 is 1/2, allowed
        (7, "year_end", "S1"),
        (14, "year_end", "S1"),
        # counted from arrival: in the week of 3 March H1 would be 1 of 1 on S1
        (7, "arrival", "S2"),
        (14, "arrival", "S2"),
        # bound: H1 counts from its deadline's week; 3 March + 14 = 17 March, the week
        # H2 arrives, so 1 of 2; + 7 = 10 March, a week before H2, so 1 of 1
        (14, "bound", "S1"),
        (7, "bound", "S2"),
    ],
)
def test_hand_worked_weekly_rule(max_wait_days, counting, h1_site):
    tables, config = _case(max_wait_days)
    inst = build_instance(tables, config)
    got = hw.solve_weekly_hindsight(inst, counting)
    units_site = {"U1": "S1", "U2": "S1", "U3": "S2"}
    assert got.placed == 2
    assert units_site[got.assignment["H1"]] == h1_site
    assert units_site[got.assignment["H2"]] == "S1"
    # every unit has 2 beds for 1 person (1 unused bed each); H1 on S2 adds 5 km of work
    w = dict(zip(("school", "work", "care", "unused", "reloc", "pref"), inst.weights, strict=True))
    expected = 2 * w["unused"] + (5.0 * w["work"] if h1_site == "S2" else 0.0)
    assert got.objective == pytest.approx(expected, abs=1e-9)


def _year(seed: int, n_households: int = 70, n_sites: int = 4):
    """A small year as the benchmark builds it (``bench_rolling.year_instance``): 28 days
    to wait, no look-ahead, every solve to a proven optimum."""
    hh, un, si, config = _bench.year_instance(n_households, n_sites, seed, 28, lookahead=0)
    solver = config.solver.model_copy(update={"relative_gap": 0.0})
    config = config.model_copy(update={"solver": solver})
    tables = validate_inputs(hh, un, si.sites, si.schools, si.gps, config)
    return hh, un, si, config, tables


def _weekly_excess(tables, config, assignment: dict[str, str], since: dict[str, int]):
    """Week-by-week count, written here: for each mix rule, site and week, the rule's
    excess ``sense * (q G - p T)`` beyond ``max(excess before, 0)``, each household
    counting from its week in ``since``; the largest excess found (0 when kept)."""
    from fractions import Fraction

    site_of = dict(zip(tables.units["unit_id"], tables.units["site_id"], strict=True))
    group_of = dict(zip(tables.households["household_id"], tables.households["group"], strict=True))
    occ = tables.occupied.merge(tables.units[["unit_id", "site_id"]], on="unit_id")
    worst = 0
    for rule in config.mix_rules:
        f = Fraction(rule.max_share).limit_denominator(1000)
        p, q = f.numerator, f.denominator
        for site in sorted(set(site_of.values())):
            before = occ[occ["site_id"] == site]
            g0 = int(before["group"].isin(rule.groups).sum())
            t0 = len(before)
            allowed = max(q * g0 - p * t0, 0)
            here = [h for h, u in assignment.items() if site_of[u] == site]
            for week in sorted({since[h] for h in here}):
                now = [h for h in here if since[h] <= week]
                g = g0 + sum(group_of[h] in rule.groups for h in now)
                worst = max(worst, q * g - p * (t0 + len(now)) - allowed)
    return worst


def _weeks(dates) -> dict:
    return pd.PeriodIndex(pd.DatetimeIndex(dates), freq="W-SUN").asi8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_year_end_counting_is_the_engines_hindsight(seed):
    *_, config, tables = _year(seed)
    engine = allocate_tables(tables, config)
    assert engine.status.value == "optimal"
    got = hw.solve_weekly_hindsight(engine.instance, "year_end")
    assert got.placed == len(engine.assignments)
    assert got.objective == pytest.approx(engine.objective, rel=1e-9, abs=1e-6)
    frame = pd.DataFrame(
        {"household_id": list(got.assignment), "unit_id": list(got.assignment.values())}
    )
    assert check_allocation(tables, config, frame).is_ok


def test_weekly_countings_keep_the_rule_and_bound_rolling():
    hh, un, si, config, tables = _year(3, n_households=50, n_sites=3)
    engine = allocate_tables(tables, config)
    inst = engine.instance
    arrival = _weeks(hh["arrival_date"].to_numpy())
    since = dict(zip(hh["household_id"], arrival, strict=True))
    year_end = hw.solve_weekly_hindsight(inst, "year_end")
    on_arrival = hw.solve_weekly_hindsight(inst, "arrival")
    bound = hw.solve_weekly_hindsight(inst, "bound")
    # the allocation counted from arrival keeps every rule every week (count written here)
    assert _weekly_excess(tables, config, on_arrival.assignment, since) <= 0
    frame = pd.DataFrame(
        {
            "household_id": list(on_arrival.assignment),
            "unit_id": list(on_arrival.assignment.values()),
        }
    )
    # and every other rule (the checker applies the mix rules after the year)
    assert check_allocation(tables, config, frame).is_ok
    # each counting is more lenient than the one before it
    for tight, loose in ((on_arrival, bound), (bound, year_end)):
        assert tight.placed <= loose.placed
        if tight.placed == loose.placed:
            assert tight.objective >= loose.objective - 1e-6
    # a rolling run keeps the rule every week, so never beats the bound
    rr = run_rolling(hh, un, si.sites, si.schools, si.gps, config)
    period_week = _weeks(pd.to_datetime(rr.assignments["period"].astype(str).str[:10]).to_numpy())
    when = dict(zip(rr.assignments["household_id"], period_week, strict=True))
    placed = dict(zip(rr.assignments["household_id"], rr.assignments["unit_id"], strict=True))
    assert _weekly_excess(tables, config, placed, when) <= 0
    assert len(placed) <= bound.placed
    if len(placed) == bound.placed:
        assert float(rr.assignments["cost"].sum()) >= bound.objective - 1e-6


def test_broken_weeks_hand_worked():
    # weeks: 3 March is week a, 10 March a + 1, 17 March a + 2; the count runs to a + 3
    # both on S1, counted from arrival: H1 alone (1 of 1 statushouders, above 1/2) in
    # weeks a and a + 1, then 1 of 2: 2 weeks broken
    tables, config = _case(14)
    a = pd.DataFrame(
        {
            "household_id": ["H1", "H2"],
            "group": ["statushouders", "ontheemden"],
            "unit_id": ["U1", "U2"],
        }
    )
    since = dict(zip(["H1", "H2"], hw.week_of(["2025-03-03", "2025-03-17"]), strict=True))
    assert since["H2"] - since["H1"] == 2
    assert hw.broken_weeks(tables, config, a, since) == 2
    # H2 on S2 instead: S1 holds H1 alone in weeks a, a + 1 and a + 2
    a.loc[1, "unit_id"] = "U3"
    assert hw.broken_weeks(tables, config, a, since) == 3
    # both on S1 and H1 counting from 17 March as well: 1 of 2, kept
    a.loc[1, "unit_id"] = "U2"
    since["H1"] = since["H2"]
    assert hw.broken_weeks(tables, config, a, since) == 0


def test_broken_weeks_on_the_site_units_hand_worked():
    # the same plans with the rule on S1's 2 units: H1 alone is 1 of 2 units, on the share,
    # in every week; a second statushouder would be 2 of 2, over it from its week on
    tables, config = _case(14)
    on_units = [r.model_copy(update={"basis": "units"}) for r in config.mix_rules]
    config = config.model_copy(update={"mix_rules": on_units})
    a = pd.DataFrame(
        {
            "household_id": ["H1", "H2"],
            "group": ["statushouders", "ontheemden"],
            "unit_id": ["U1", "U3"],
        }
    )
    since = dict(zip(["H1", "H2"], hw.week_of(["2025-03-03", "2025-03-17"]), strict=True))
    assert hw.broken_weeks(tables, config, a, since) == 0
    a.loc[1, ["group", "unit_id"]] = ["statushouders", "U2"]
    # H2 counts from week a + 2 and the count runs to a + 3: 1 week broken
    assert hw.broken_weeks(tables, config, a, since) == 1


@pytest.mark.parametrize("seed", [0])
def test_on_the_site_units_hindsight_keeps_the_rule_every_week(seed):
    # a rule on the site's units only counts the group's units, which only grow over a
    # year: the whole-year optimum keeps it in every week, and so is a plan a week-by-week
    # rule could have made
    hh, un, si, config, tables = _year(seed)
    on_units = [r.model_copy(update={"basis": "units"}) for r in config.mix_rules]
    config = config.model_copy(update={"mix_rules": on_units})
    tables = validate_inputs(hh, un, si.sites, si.schools, si.gps, config)
    engine = allocate_tables(tables, config)
    assert engine.status.value == "optimal"
    since = dict(zip(hh["household_id"], hw.week_of(hh["arrival_date"]), strict=True))
    assert hw.broken_weeks(tables, config, engine.assignments, since) == 0
    rr = run_rolling(hh, un, si.sites, si.schools, si.gps, config)
    assert check_allocation(tables, config, rr.assignments).is_ok
    assert len(rr.assignments) <= len(engine.assignments)

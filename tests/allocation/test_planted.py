"""Hand-worked cases that catch three planted bugs of the issue-10 review.

Each case is small enough to work out on paper; the expected outcome is written next
to the reasoning, never copied from the code's output.
"""

from __future__ import annotations

import pandas as pd

from conftest import households, sites, units
from opvang_opt.allocation import allocate, explain, validate_inputs
from opvang_opt.allocation.baseline import allocate_baseline
from opvang_opt.schema import AllocationConfig, MixRule

# Only the preference weight matters below (unused beds are equal everywhere).
PREF_ONLY = {
    "school_km": 0.0,
    "work_km": 0.0,
    "care_km": 0.0,
    "unused_bed": 0.0,
    "relocation": 0.0,
    "not_preferred": 2.0,
}


def test_explanation_says_taken_when_the_cheaper_unit_went_to_another_household():
    # Two households both prefer S1, which has one unit; S2 has one unit of the same
    # size. Whoever lands on S2 pays 2 (not preferred); its best alternative, the S1
    # unit, costs 0 and is held by the other household: the reason is "taken" by it.
    hh = households({"preferred_sites": "S1"}, {"preferred_sites": "S1"})
    un = units({"site_id": "S1"}, {"site_id": "S2"})
    cfg = AllocationConfig(weights=PREF_ONLY)
    res = allocate(hh, un, sites(), None, None, cfg)
    assert len(res.assignments) == 2
    got = dict(zip(res.assignments.unit_id, res.assignments.household_id, strict=True))
    on_s2, on_s1 = got["U2"], got["U1"]
    e = explain(res, on_s2, lang="en")
    assert e.cost == 2.0
    assert e.alternative_unit == "U1" and e.alternative_cost == 0.0
    assert e.why_not == "taken"
    assert e.taken_by == (on_s1,)
    assert on_s1 in e.text
    # the household on S1 has nothing cheaper: its alternative costs more
    assert explain(res, on_s1).why_not == "costs_more"


def test_explanation_names_the_mix_rule_when_the_cheaper_unit_is_free():
    # S1 holds U1 (already occupied by statushouders) and a free U2; S2 has a free U3.
    # The mix rule applies to S1 only.
    # A statushouder household preferring S1 cannot take U2: 2 of 2 occupied units
    # would be statushouders, above the 50% maximum (1 of 1 now, so it may not grow).
    # It goes to U3 (cost 2); U2 (cost 0) stays free, so the reason is the mix rule.
    hh = households({"preferred_sites": "S1"})
    un = units({"site_id": "S1"}, {"site_id": "S1"}, {"site_id": "S2"})
    occupied = pd.DataFrame({"unit_id": ["U1"], "group": ["statushouders"]})
    cfg = AllocationConfig(
        weights=PREF_ONLY,
        mix_rules=[MixRule(groups=["statushouders"], max_share=0.5, sites=["S1"])],
    )
    res = allocate(hh, un, sites(), None, None, cfg, occupied=occupied)
    assert res.assignments[["household_id", "unit_id"]].values.tolist() == [["H1", "U3"]]
    e = explain(res, "H1", lang="en")
    assert e.alternative_unit == "U2" and e.alternative_cost == 0.0
    assert e.why_not == "mix"
    assert e.taken_by == ()


def test_baseline_serves_households_in_order_of_arrival():
    # H1 arrives last, H2 first, H3 in between; one unit fits all three. First come,
    # first served: H2 gets U1, then H3 gets U2 (stock order), H1 gets nothing.
    hh = households(
        {"arrival_date": "2025-03-03"},
        {"arrival_date": "2025-03-01"},
        {"arrival_date": "2025-03-02"},
    )
    un = units({}, {})
    cfg = AllocationConfig()
    tables = validate_inputs(hh, un, sites(), None, None, cfg)
    base = allocate_baseline(tables, cfg)
    pairs = sorted(zip(base.household_id, base.unit_id, strict=True))
    assert pairs == [("H2", "U1"), ("H3", "U2")]


def test_baseline_breaks_arrival_ties_by_household_id():
    # Same day: H1 before H2 (by id); only one unit, so H1 gets it.
    hh = households({}, {})
    un = units({})
    cfg = AllocationConfig()
    tables = validate_inputs(hh, un, sites(), None, None, cfg)
    base = allocate_baseline(tables, cfg)
    assert list(zip(base.household_id, base.unit_id, strict=True)) == [("H1", "U1")]

"""The smallest cases of issue 12, worked out by hand.

Each case once made the engine place fewer households than possible, break a pin, or
disagree with the checker about a mix share. The expected values follow from the
documented rules (``opvang_opt.allocation.rules``) by hand.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import households, sites, units
from opvang_opt.allocation import allocate, check_allocation
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin

LATE = "2030-01-01"  # a unit available long after everyone's arrival: fits nobody


def run(hh, un, **cfg):
    config = AllocationConfig(**cfg)
    res = allocate(hh, un, sites(1), None, None, config)
    assert check_allocation(res.instance.tables, config, res.assignments).is_ok
    return res


def placed(res) -> dict[str, str]:
    return dict(zip(res.assignments.household_id, res.assignments.unit_id, strict=True))


def test_shared_unit_with_an_unrelated_ban():
    # two single adults of one group, one unit of 1 bedroom and 2 beds, sharing allowed;
    # H2 is banned from U2, a unit nobody can use: both share U1 (0 unused beds, cost 0)
    hh = households({}, {})
    un = units({"bedrooms": 1, "beds": 2}, {"available_from": LATE})
    res = run(hh, un, allow_shared_units=True, bans=[Ban(household_id="H2", unit_id="U2")])
    assert placed(res) == {"H1": "U1", "H2": "U1"}
    assert res.objective == pytest.approx(0.0)
    assert res.status.value == "optimal" and len(res.unplaced) == 0


def test_shared_unit_with_a_resident():
    # H2 already lives in U1; H1 moves in beside it and H2 stays (no relocation)
    hh = households({}, {"current_unit": "U1"})
    un = units({"bedrooms": 1, "beds": 2})
    res = run(hh, un, allow_shared_units=True)
    assert placed(res) == {"H1": "U1", "H2": "U1"}
    assert res.components.relocation == 0.0 and res.objective == pytest.approx(0.0)


def test_shared_unit_with_a_unit_pin():
    # H1 is pinned to U1: nobody else may be placed in a pinned unit, so H2 takes U2
    hh = households({}, {})
    un = units({"bedrooms": 1, "beds": 2}, {"bedrooms": 0, "beds": 1})
    res = run(hh, un, allow_shared_units=True, pins=[Pin(household_id="H1", unit_id="U1")])
    assert placed(res) == {"H1": "U1", "H2": "U2"}


def test_resident_pinned_to_another_unit_on_its_site():
    # a 2-person household lives in U1 and is pinned to U2 (same site): it moves to U2,
    # paying the relocation (5) and 2 unused beds of U2 (2 x 0.5)
    hh = households({"persons": 2, "adults": 2, "current_unit": "U1"})
    un = units({"bedrooms": 1, "beds": 2}, {"bedrooms": 2, "beds": 4})
    res = run(hh, un, pins=[Pin(household_id="H1", unit_id="U2")])
    assert placed(res) == {"H1": "U2"}
    assert res.objective == pytest.approx(5.0 + 1.0)
    assert res.status.value == "optimal"


def test_resident_pinned_to_its_own_unit_stays():
    hh = households({"persons": 2, "adults": 2, "current_unit": "U1"})
    un = units({"bedrooms": 1, "beds": 2}, {"bedrooms": 2, "beds": 4})
    res = run(hh, un, pins=[Pin(household_id="H1", unit_id="U1")])
    assert placed(res) == {"H1": "U1"} and res.objective == pytest.approx(0.0)


def test_resident_pinned_to_another_site_moves():
    hh = households({"persons": 2, "adults": 2, "current_unit": "U1"})
    un = units({"bedrooms": 1, "beds": 2}, {"bedrooms": 1, "beds": 2, "site_id": "S2"})
    config = AllocationConfig(pins=[Pin(household_id="H1", site_id="S2")])
    res = allocate(hh, un, sites(2), None, None, config)
    assert check_allocation(res.instance.tables, config, res.assignments).is_ok
    assert placed(res) == {"H1": "U2"}


STUDIOS = {"bedrooms": 0, "beds": 1}


@pytest.mark.parametrize("share", [0.3333333, "1/3", 1 / 3])
def test_many_digit_share_is_one_in_three(share):
    # three studios on one site, one statushouder and two other single adults: 1 of 3
    # occupied units is the statushouder's, which "at most 1/3" allows
    hh = households({}, {"group": "starter"}, {"group": "starter"})
    res = run(
        hh,
        units(STUDIOS, STUDIOS, STUDIOS),
        mix_rules=[MixRule(groups=["statushouders"], max_share=share)],
    )
    assert len(res.assignments) == 3


def test_a_share_just_below_one_in_three_refuses_it():
    # 0.33 is 33/100: 1 of 3 (33.3 %) is too many and 1 of 2 too, so the statushouder waits
    hh = households({}, {"group": "starter"}, {"group": "starter"})
    res = run(
        hh,
        units(STUDIOS, STUDIOS, STUDIOS),
        mix_rules=[MixRule(groups=["statushouders"], max_share=0.33)],
    )
    assert sorted(placed(res)) == ["H2", "H3"]


def test_checker_reads_shares_exactly():
    hh = households({}, {"group": "starter"}, {"group": "starter"})
    un = units(STUDIOS, STUDIOS, STUDIOS)
    a = pd.DataFrame({"household_id": ["H1", "H2", "H3"], "unit_id": ["U1", "U2", "U3"]})
    for share, ok in ((0.3333333, True), (0.33, False), ("1/3", True)):
        config = AllocationConfig(mix_rules=[MixRule(groups=["statushouders"], max_share=share)])
        res = allocate(hh, un, sites(1), None, None, config)
        assert check_allocation(res.instance.tables, config, a).is_ok is ok


def test_fraction_text_is_validated():
    with pytest.raises(ValueError, match="fraction"):
        MixRule(groups=["statushouders"], max_share="1/0")

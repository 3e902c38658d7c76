"""The council reads the shortlist (siting) and the plan (planning) side by side: the memo
says which sites the plan opens, and which shortlisted sites the plan does not use, with
why the two may differ (the audit found the demo's memo advising two sites the plan never
opens, without a word)."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.outputs.planning import opened_sites, shortlist_in_plan
from opvang_opt.planning.solve import plan
from opvang_opt.planning.synthetic import synthetic_instance


@pytest.fixture(scope="module")
def result():
    return plan(synthetic_instance(8, 6, 2, 2, seed=3), baseline=False, time_limit_s=30)


def test_every_opened_site_is_named_once_in_period_order(result):
    inst, p = result.instance, result.plan
    opened = [s for s, site in enumerate(inst.sites) if not site.existing and p.start[s].any()]
    assert opened, "the instance must open a site for this test to say anything"
    text = opened_sites(result, "en")
    positions = []
    for s, site in enumerate(inst.sites):
        # "Locatie 1" is a prefix of "Locatie 10": match the name with its period
        needle = f"{site.name} in "
        if s in opened:
            first = inst.periods[int(np.flatnonzero(p.start[s])[0])]
            units = int(p.units[s].max())
            noun = "unit" if units == 1 else "units"
            assert text.count(f"{site.name} in {first} (up to {units} {noun})") == 1
            positions.append((first, text.index(f"{site.name} in {first}")))
        else:
            assert needle not in text
    sites = "new site" if len(opened) == 1 else "new sites"
    assert text.startswith(f"The plan opens {len(opened)} {sites}: ")
    # in the order of the periods they open
    assert [pos for _, pos in sorted(positions)] == sorted(pos for _, pos in positions)


def test_shortlist_sites_not_in_use_are_named(result):
    inst, p = result.instance, result.plan
    used = [site for s, site in enumerate(inst.sites) if p.units[s].any()]
    unused = [site for s, site in enumerate(inst.sites) if not p.units[s].any()]
    assert used and unused
    short = [(used[0].site_id, used[0].name), (unused[0].site_id, unused[0].name)]
    text = shortlist_in_plan(result, short, "en")
    assert text.startswith(f"Not in use in the plan, but on the shortlist: {unused[0].name}.")
    assert used[0].name + "," not in text and f" {used[0].name}." not in text
    n_candidates = sum(1 for site in inst.sites if not site.existing)
    assert f"among {n_candidates} candidate sites" in text
    nl = shortlist_in_plan(result, short, "nl")
    assert nl.startswith(f"Niet in gebruik in het plan, wel op de shortlist: {unused[0].name}.")
    # a shortlist whose sites all hold units in the plan
    assert shortlist_in_plan(result, [(used[0].site_id, used[0].name)], "en") == (
        "Every site of the shortlist is in use in the plan."
    )
    # a shortlisted site the plan does not know (not a planning candidate) is not in use
    assert "Elders" in shortlist_in_plan(result, [("X9", "Elders")], "en")
    assert shortlist_in_plan(result, [], "en") == ""

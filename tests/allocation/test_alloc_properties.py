"""Property-based tests (Hypothesis) of the allocation invariants users rely on.

- The independent checker agrees with the hard rules written out again below, for any
  assignment (valid or not) of a small instance: the same violations, no more, no less.
- The optimiser's allocation keeps every rule (by that hand-written list), never gives a
  unit twice or one already occupied, never counts a bed twice, and places as many
  households as a brute force over every assignment can.
- The same input twice gives identical tables.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import households, sites, units
from opvang_opt.allocation import allocate, check_allocation, validate_inputs
from opvang_opt.schema import AllocationConfig, Ban, MixRule, Pin, RentCap

START = dt.date(2025, 3, 1)
GROUPS = ("statushouders", "starter")
PROPS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@st.composite
def instances(draw, max_households: int = 4, max_units: int = 4):
    """Households, units, occupied units and rules of a small instance on two sites."""
    n_h = draw(st.integers(1, max_households))
    n_u = draw(st.integers(1, max_units))
    hh_rows = []
    for _ in range(n_h):
        persons = draw(st.integers(1, 4))
        hh_rows.append(
            {
                "group": draw(st.sampled_from(GROUPS)),
                "persons": persons,
                "adults": draw(st.integers(1, persons)),
                "needs_wheelchair": draw(st.booleans()),
                "needs_ground_floor": draw(st.booleans()),
                "refused_sites": draw(st.sampled_from(["", "", "S1", "S2"])),
                "arrival_date": (START + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat(),
            }
        )
    for r in hh_rows:
        r["children_0_3"] = r["persons"] - r["adults"]  # no school places in play here
    un_rows = []
    for _ in range(n_u):
        bedrooms = draw(st.integers(0, 2))
        un_rows.append(
            {
                "site_id": draw(st.sampled_from(["S1", "S2"])),
                "bedrooms": bedrooms,
                "beds": draw(st.integers(1, 5)),
                "accessible": draw(st.booleans()),
                "floor": draw(st.sampled_from([0, 0, 1])),
                "available_from": (
                    START + dt.timedelta(days=draw(st.integers(-5, 30)))
                ).isoformat(),
                "rent_eur": float(draw(st.sampled_from([500, 650, 800]))),
            }
        )
    hh, un = households(*hh_rows), units(*un_rows)
    h_ids, u_ids = list(hh.household_id), list(un.unit_id)
    occ_ids = draw(st.lists(st.sampled_from(u_ids), unique=True, max_size=max(0, n_u - 1)))
    occupied = pd.DataFrame(
        {
            "unit_id": occ_ids,
            "group": [draw(st.sampled_from(GROUPS)) for _ in occ_ids],
        }
    )
    pins, bans = [], []
    if draw(st.booleans()):
        h = draw(st.sampled_from(h_ids))
        pins.append(
            Pin(household_id=h, unit_id=draw(st.sampled_from(u_ids)))
            if draw(st.booleans())
            else Pin(household_id=h, site_id=draw(st.sampled_from(["S1", "S2"])))
        )
    if draw(st.booleans()):
        h = draw(st.sampled_from(h_ids))
        ban = (
            Ban(household_id=h, unit_id=draw(st.sampled_from(u_ids)))
            if draw(st.booleans())
            else Ban(household_id=h, site_id=draw(st.sampled_from(["S1", "S2"])))
        )
        # a pin and a ban of the same unit or site contradict each other: the input check
        # refuses them (tests/inputs/test_corpus_round10.py), so no instance has both
        site_of = dict(zip(un.unit_id, un.site_id, strict=True))
        clash = any(
            p.household_id == h
            and (
                (p.unit_id is not None and p.unit_id == ban.unit_id)
                or (ban.site_id is not None and ban.site_id == (p.site_id or site_of[p.unit_id]))
            )
            for p in pins
        )
        if not clash:
            bans.append(ban)
    mix = []
    if draw(st.booleans()):
        share = draw(st.sampled_from([0.0, 0.34, 0.5, 1.0]))
        bound = draw(st.sampled_from(["max_share", "min_share"]))
        where = draw(st.sampled_from([None, ["S1"]]))
        mix.append(MixRule(groups=["statushouders"], sites=where, **{bound: share}))
    caps = []
    if draw(st.booleans()):
        caps.append(
            RentCap(
                max_rent_eur=float(draw(st.sampled_from([600, 700]))),
                min_persons=draw(st.integers(1, 3)),
                groups=draw(st.sampled_from([None, ["starter"]])),
            )
        )
    shared = draw(st.booleans())
    cfg = AllocationConfig(
        max_persons_per_bedroom=draw(st.sampled_from([1.0, 1.5, 2.0])),
        max_wait_days=draw(st.sampled_from([0, 7])),
        allow_shared_units=shared,
        max_sharers_per_unit=draw(st.sampled_from([None, 2])) if shared else None,
        mix_rules=mix,
        rent_caps=caps,
        pins=pins,
        bans=bans,
    )
    return hh, un, occupied, cfg


def rules_by_hand(hh, un, occupied, cfg, pairs) -> Counter:
    """Every broken hard rule of an assignment, from the rules as documented.

    A household listed twice breaks ``no_split``; the other rules look at its first unit.
    """
    H = hh.set_index("household_id")
    U = un.set_index("unit_id")
    out: Counter = Counter()
    times = Counter(h for h, _ in pairs)
    for h, n in times.items():
        if n > 1:
            out["no_split", h] += 1
    first: dict[str, str] = {}
    for h, u in pairs:
        first.setdefault(h, u)
    taken = set(occupied.unit_id)
    in_unit: dict[str, list[str]] = {}
    for h, u in first.items():
        in_unit.setdefault(u, []).append(h)
    for u, members in in_unit.items():
        unit = U.loc[u]
        persons = sum(int(H.at[h, "persons"]) for h in members)
        if u in taken:
            out["unit_taken", u] += 1
        if len(members) > 1:
            singles = all(H.at[h, "persons"] == 1 and H.at[h, "adults"] == 1 for h in members)
            one_group = len({H.at[h, "group"] for h in members}) == 1
            limit = cfg.max_sharers_per_unit or math.inf
            if not cfg.allow_shared_units or not (singles and one_group) or len(members) > limit:
                out["shared_unit", u] += 1
        if persons > unit.beds:
            out["occupancy_beds", u] += 1
        if persons > math.floor(cfg.max_persons_per_bedroom * max(unit.bedrooms, 1)):
            out["occupancy_bedrooms", u] += 1
    for h, u in first.items():
        person, unit = H.loc[h], U.loc[u]
        if person.needs_wheelchair and not unit.accessible:
            out["accessibility", h] += 1
        if person.needs_ground_floor and unit.floor != 0:
            out["ground_floor", h] += 1
        ready = dt.date.fromisoformat(unit.available_from)
        arrives = dt.date.fromisoformat(person.arrival_date)
        if ready > arrives + dt.timedelta(days=cfg.max_wait_days):
            out["date", h] += 1
        caps = [
            c.max_rent_eur
            for c in cfg.rent_caps
            if c.min_persons <= person.persons
            and (c.max_persons is None or person.persons <= c.max_persons)
            and (c.groups is None or person.group in c.groups)
        ]
        if caps and unit.rent_eur > min(caps):
            out["rent_cap", h] += 1
        if unit.site_id in person.refused_sites.split(";"):
            out["refused_site", h] += 1
        for b in cfg.bans:
            if b.household_id == h and (b.unit_id == u or b.site_id == unit.site_id):
                out["ban", h] += 1
        for p in cfg.pins:
            if p.household_id == h and p.unit_id is not None and p.unit_id != u:
                out["pin", h] += 1
            if p.household_id == h and p.site_id is not None and p.site_id != unit.site_id:
                out["pin", h] += 1
            if p.unit_id == u and p.household_id != h:
                out["pin", h] += 1
    # mix: shares over occupied units (old and new; a shared unit counts once) may not
    # pass the limit, or, where the old units already pass it, may not move further away
    group_of_unit = {u: H.at[members[0], "group"] for u, members in in_unit.items()}
    old = dict(zip(occupied.unit_id, occupied.group, strict=True))
    for rule in cfg.mix_rules:
        for s in rule.sites or ["S1", "S2"]:

            def count(table, s=s, rule=rule):
                here = [g for uid, g in table.items() if U.at[uid, "site_id"] == s]
                return sum(g in rule.groups for g in here), len(here)

            g_old, t_old = count(old)
            g_new, t_new = count(group_of_unit)
            for sign, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None:
                    continue
                before = sign * (g_old - share * t_old)
                after = sign * (g_old + g_new - share * (t_old + t_new))
                if after > max(before, 0) + 1e-9:
                    out["mix", s] += 1
    return out


def ids_of(v) -> dict[str, str]:
    """The ids a violation names: ``where`` reads "household H1, unit U1, site S1"."""
    return dict(part.split(" ", 1) for part in (v.where or "").split(", ") if part)


def key(v) -> tuple[str, str]:
    ids = ids_of(v)
    if v.rule in ("unit_taken", "shared_unit", "occupancy_beds", "occupancy_bedrooms"):
        return v.rule, ids.get("unit")
    if v.rule == "mix":
        return v.rule, ids.get("site")
    return v.rule, ids.get("household")


@PROPS
@given(instances(), st.data())
def test_checker_agrees_with_the_rules_written_out(inst, data):
    hh, un, occupied, cfg = inst
    tables = validate_inputs(hh, un, sites(), None, None, cfg, occupied=occupied)
    h_ids, u_ids = list(hh.household_id), list(un.unit_id)
    pair = st.tuples(st.sampled_from(h_ids), st.sampled_from(u_ids))
    for _ in range(4):  # several assignments per validated instance
        pairs = data.draw(st.lists(pair, max_size=6))
        a = pd.DataFrame(pairs, columns=["household_id", "unit_id"])
        got = Counter(key(v) for v in check_allocation(tables, cfg, a).violations)
        assert got == rules_by_hand(hh, un, occupied, cfg, pairs), pairs


def most_placed_by_brute_force(hh, un, occupied, cfg) -> int:
    """The most households any valid assignment places (each to its own free unit or
    none; sharing is tried too when allowed)."""
    h_ids, u_ids = list(hh.household_id), list(un.unit_id)
    best = 0
    for choice in itertools.product([None, *u_ids], repeat=len(h_ids)):
        pairs = [(h, u) for h, u in zip(h_ids, choice, strict=True) if u is not None]
        if len(pairs) <= best:
            continue
        if not rules_by_hand(hh, un, occupied, cfg, pairs):
            best = len(pairs)
    return best


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(instances(max_households=3, max_units=3))
def test_optimiser_keeps_every_rule_and_places_as_many_as_brute_force(inst):
    hh, un, occupied, cfg = inst
    res = allocate(hh, un, sites(), None, None, cfg, occupied=occupied)
    pairs = list(zip(res.assignments.household_id, res.assignments.unit_id, strict=True))
    assert rules_by_hand(hh, un, occupied, cfg, pairs) == Counter()
    # capacity is never counted twice: no household twice, no occupied unit reused,
    # a unit shared only when sharing is on, and never more persons than beds
    assert res.assignments.household_id.is_unique
    assert not set(res.assignments.unit_id) & set(occupied.unit_id)
    if not cfg.allow_shared_units:
        assert res.assignments.unit_id.is_unique
    beds = dict(zip(un.unit_id, un.beds, strict=True))
    for u, persons in res.assignments.groupby("unit_id")["persons"].sum().items():
        assert persons <= beds[u]
    assert len(res.assignments) + len(res.unplaced) == len(hh)
    assert len(res.assignments) == most_placed_by_brute_force(hh, un, occupied, cfg)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(instances())
def test_allocation_is_deterministic(inst):
    hh, un, occupied, cfg = inst
    a = allocate(hh, un, sites(), None, None, cfg, occupied=occupied)
    b = allocate(hh.copy(), un.copy(), sites(), None, None, cfg, occupied=occupied.copy())
    pd.testing.assert_frame_equal(a.assignments, b.assignments)
    pd.testing.assert_frame_equal(a.unplaced, b.unplaced)
    pd.testing.assert_frame_equal(a.by_site, b.by_site)
    assert a.objective == b.objective

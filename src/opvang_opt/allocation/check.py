"""Independent checker: re-verifies every hard rule of any allocation, without a solver.

It reads the validated tables and the scenario settings only; it shares no code with
the model (no unit types, classes or arcs), so a bug in the model cannot hide here.
What each rule *says* (occupancy, who may share, the exact mix fractions) is defined
once in :mod:`~opvang_opt.allocation.rules` and read by both.
The school-capacity rule is checked with a small exact max-flow (sites to schools in
reach), written out below.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

import numpy as np
import pandas as pd

from opvang_opt.allocation.rules import may_share, mix_allows, persons_capacity, share_fraction
from opvang_opt.allocation.validate import Tables
from opvang_opt.schema import AllocationConfig
from opvang_opt.status import CheckReport, Violation

RULES = (
    "unknown_id",
    "no_split",
    "unit_taken",
    "shared_unit",
    "occupancy_beds",
    "occupancy_bedrooms",
    "accessibility",
    "ground_floor",
    "date",
    "rent_cap",
    "pin",
    "ban",
    "refused_site",
    "medical",
    "mix",
    "school_capacity",
)
"""Every hard rule the checker knows."""


def _violation(
    rule: str,
    message: str,
    household_id: str | None = None,
    unit_id: str | None = None,
    site_id: str | None = None,
    value: float | None = None,
    limit: float | None = None,
) -> Violation:
    """A :class:`~opvang_opt.status.Violation` naming the household(s), unit and site."""
    ids = (("household", household_id), ("unit", unit_id), ("site", site_id))
    where = ", ".join(f"{k} {v}" for k, v in ids if v is not None) or None
    return Violation(
        rule, message, where, None if value is None else float(value),
        None if limit is None else float(limit),
    )  # fmt: skip


def _max_flow_bipartite(
    demand: dict[int, int], capacity: dict[int, int], edges: dict[int, list[int]]
) -> tuple[int, dict[tuple[int, int], int]]:
    """Exact max flow from sources (demand) to sinks (capacity) over the given edges.

    Edmonds-Karp on the small graph source -> sites -> schools -> sink.
    Returns the flow value and the flow per (site, school).
    """
    src, snk = ("s",), ("t",)
    cap: dict[tuple, dict[tuple, int]] = {src: {}, snk: {}}

    def arc(a: tuple, b: tuple, c: int) -> None:
        cap.setdefault(a, {})
        cap.setdefault(b, {})
        cap[a][b] = cap[a].get(b, 0) + c
        cap[b].setdefault(a, 0)

    big = sum(demand.values()) + 1
    for j, d in sorted(demand.items()):
        arc(src, ("j", j), d)
        for s in sorted(edges.get(j, [])):
            arc(("j", j), ("s", s), big)
    for s, c in sorted(capacity.items()):
        arc(("s", s), snk, c)
    total = 0
    while True:
        parent: dict[tuple, tuple] = {src: src}
        queue = deque([src])
        while queue and snk not in parent:
            a = queue.popleft()
            for b, c in cap[a].items():
                if c > 0 and b not in parent:
                    parent[b] = a
                    queue.append(b)
        if snk not in parent:
            break
        push = big
        b = snk
        while b != src:
            a = parent[b]
            push = min(push, cap[a][b])
            b = a
        b = snk
        while b != src:
            a = parent[b]
            cap[a][b] -= push
            cap[b][a] += push
            b = a
        total += push
    flows = {}
    for j in demand:
        for s in edges.get(j, []):
            f = cap[("s", s)].get(("j", j), 0)
            if f:
                flows[(j, s)] = f
    return total, flows


def school_assignment(
    tables: Tables, config: AllocationConfig, children: pd.DataFrame
) -> tuple[dict[str, int], pd.DataFrame]:
    """Assign children needing places to schools in reach, exactly (max flow).

    Parameters
    ----------
    children
        ``site_id`` and the number of children needing a place per band
        (``taalklas``, ``isk``).

    Returns
    -------
    unmet
        Children without a place per band.
    use
        ``site_id, school_id, band, children``.
    """
    sites = tables.sites.set_index("site_id")
    schools = tables.schools
    unmet: dict[str, int] = {}
    rows = []
    school_x = schools["x"].to_numpy(float)
    school_ids = schools["school_id"].to_numpy(object)
    school_y = schools["y"].to_numpy(float)
    for band, col in (("taalklas", "taalklas_places"), ("isk", "isk_places")):
        places = schools[col].to_numpy()
        demand_by_site = children.groupby("site_id")[band].sum() if len(children) else {}
        demand: dict[int, int] = {}
        site_names: dict[int, str] = {}
        edges: dict[int, list[int]] = {}
        for n, (site, d) in enumerate(sorted(dict(demand_by_site).items())):
            if d <= 0:
                continue
            demand[n] = int(d)
            site_names[n] = site
            sx, sy = float(sites.at[site, "x"]), float(sites.at[site, "y"])
            edges[n] = [
                s
                for s in range(len(schools))
                if math.hypot(school_x[s] - sx, school_y[s] - sy) <= config.school_reach_m
                and int(places[s]) > 0
            ]
        capacity = {s: int(places[s]) for s in range(len(schools))}
        total, flows = _max_flow_bipartite(demand, capacity, edges)
        unmet[band] = int(sum(demand.values()) - total)
        for (n, s), f in sorted(flows.items()):
            rows.append((site_names[n], school_ids[s], band, int(f)))
    use = pd.DataFrame(rows, columns=["site_id", "school_id", "band", "children"])
    return unmet, use


def children_needing_places(
    households: pd.DataFrame, config: AllocationConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Children per household needing a taalklas / ISK place under the settings."""
    if not config.school_capacity:
        zero = np.zeros(len(households), np.int64)
        return zero, zero
    newcomer = households["group"].isin(config.newcomer_education_groups).to_numpy().copy()
    if config.enrolled_keep_school:
        newcomer &= households["school_x"].isna().to_numpy()
    taal = np.where(newcomer, households["children_4_11"].to_numpy(), 0)
    isk = np.where(newcomer, households["children_12_17"].to_numpy(), 0)
    return taal.astype(np.int64), isk.astype(np.int64)


def check_allocation(
    tables: Tables, config: AllocationConfig, assignments: pd.DataFrame
) -> CheckReport:
    """Re-verify every hard rule of an allocation.

    Parameters
    ----------
    tables
        The validated inputs (see :func:`~opvang_opt.allocation.validate_inputs`);
        ``tables.occupied`` holds units occupied before this allocation.
    config
        The rules.
    assignments
        At least ``household_id`` and ``unit_id`` per placed household.

    Returns
    -------
    CheckReport
        ``checker="allocation"``: every broken rule (none when the allocation is valid),
        each a :class:`~opvang_opt.status.Violation` with a rule of :data:`RULES`.
    """
    hh = tables.households.set_index("household_id", drop=False)
    un = tables.units.set_index("unit_id", drop=False)
    a = assignments[["household_id", "unit_id"]].astype(str)
    out = _check_ids(a, hh, un)
    a = a[_isin(a["household_id"], hh.index) & _isin(a["unit_id"], un.index)]
    a = a.drop_duplicates("household_id")
    out += _check_units(a, hh, un, set(tables.occupied["unit_id"]), config)
    placed = _placed_rows(a, hh, un)
    out += _check_household_rules(placed, tables, config)
    out += _check_pins(placed, config)
    out += _check_bans(placed, config)
    out += _check_mix(a, hh, un, tables, config)
    out += _check_school_places(a, hh, un, tables, config)
    return CheckReport("allocation", tuple(out))


def _isin(values: pd.Series | pd.Index, keys: Iterable[object]) -> np.ndarray:
    """Which ``values`` are among ``keys``, by a hash lookup (pandas' ``isin`` on Arrow
    strings builds one pyarrow scalar per key: a second on 20,000 ids, counted in the
    time limit)."""
    index = keys if isinstance(keys, pd.Index) and keys.is_unique else pd.Index(list(set(keys)))
    return np.asarray(index.get_indexer(pd.Index(values)) >= 0, dtype=bool)


def _check_ids(a: pd.DataFrame, hh: pd.DataFrame, un: pd.DataFrame) -> list[Violation]:
    """Rules ``no_split`` (one unit per household) and ``unknown_id``."""
    out = []
    for hid, count in a["household_id"].value_counts().items():
        if count > 1:
            out.append(_violation("no_split", f"household {hid} is in {count} units", hid))
    known = _isin(a["household_id"], hh.index) & _isin(a["unit_id"], un.index)
    for row in a[~known].itertuples(index=False):
        out.append(
            _violation(
                "unknown_id",
                f"unknown household or unit: {row.household_id} -> {row.unit_id}",
                row.household_id,
                row.unit_id,
            )
        )
    return out


def _check_units(
    a: pd.DataFrame,
    hh: pd.DataFrame,
    un: pd.DataFrame,
    occupied_units: set[str],
    config: AllocationConfig,
) -> list[Violation]:
    """Per unit: ``unit_taken``, ``shared_unit``, ``occupancy_beds``, ``occupancy_bedrooms``.

    Only units that may break a rule (already occupied, holding more than one household
    or more persons than beds or bedrooms allow) are looked at one by one.
    """
    m = a.merge(
        hh[["household_id", "persons", "adults", "group"]].reset_index(drop=True), on="household_id"
    )
    m = m.assign(sharer=may_share(m["persons"], m["adults"], True))
    per_unit = m.groupby("unit_id", sort=True).agg(
        households=("household_id", "size"),
        persons=("persons", "sum"),
        sharers=("sharer", "all"),
        groups=("group", "nunique"),
    )
    per_unit = per_unit.join(un[["beds", "bedrooms"]])
    rooms = persons_capacity(
        np.full(len(per_unit), np.iinfo(np.int64).max),
        per_unit["bedrooms"].to_numpy(),
        config.max_persons_per_bedroom,
    )
    per_unit = per_unit.assign(rooms=rooms)
    flagged = (
        _isin(per_unit.index, occupied_units)
        | (per_unit["households"].to_numpy() > 1)
        | (per_unit["persons"].to_numpy() > per_unit["beds"].to_numpy())
        | (per_unit["persons"].to_numpy() > rooms)
    )
    per_unit = per_unit[flagged]
    members_of = (
        m[_isin(m["unit_id"], per_unit.index)].groupby("unit_id")["household_id"].agg(sorted)
        if len(per_unit)
        else {}
    )
    out: list[Violation] = []
    for r in per_unit.itertuples():
        members = ";".join(members_of[r.Index])
        if r.Index in occupied_units:
            out.append(
                _violation("unit_taken", f"unit {r.Index} was already occupied", None, r.Index)
            )
        out += _shared_unit(r, members, config)
        out += _occupancy(r, members, config)
    return out


def _shared_unit(r, members: str, config: AllocationConfig) -> list[Violation]:
    """Rule ``shared_unit`` for one unit (see :mod:`~opvang_opt.allocation.rules`)."""
    uid = r.Index
    if r.households <= 1:
        return []
    if not config.allow_shared_units:
        return [
            _violation(
                "shared_unit",
                f"unit {uid} holds {r.households} households; sharing is off",
                members,
                uid,
                value=r.households,
                limit=1,
            )
        ]
    if not (r.sharers and r.groups == 1):
        return [
            _violation(
                "shared_unit",
                f"unit {uid} is shared by households that are not all single adults of one group",
                members,
                uid,
            )
        ]
    limit_share = config.max_sharers_per_unit or 10**9
    if r.households > limit_share:
        return [
            _violation(
                "shared_unit",
                f"unit {uid} is shared by {r.households} (max {limit_share})",
                members,
                uid,
                value=r.households,
                limit=limit_share,
            )
        ]
    return []


def _occupancy(r, members: str, config: AllocationConfig) -> list[Violation]:
    """Rules ``occupancy_beds`` and ``occupancy_bedrooms`` for one unit."""
    out = []
    uid = r.Index
    if r.persons > r.beds:
        out.append(
            _violation(
                "occupancy_beds",
                f"unit {uid}: {r.persons} persons, {r.beds} beds",
                members,
                uid,
                value=r.persons,
                limit=r.beds,
            )
        )
    if r.persons > r.rooms:
        out.append(
            _violation(
                "occupancy_bedrooms",
                f"unit {uid}: {r.persons} persons in {r.bedrooms} bedroom(s), "
                f"max {config.max_persons_per_bedroom:g} per bedroom",
                members,
                uid,
                value=r.persons,
                limit=int(r.rooms),
            )
        )
    return out


def _placed_rows(a: pd.DataFrame, hh: pd.DataFrame, un: pd.DataFrame) -> pd.DataFrame:
    """One row per placed household with its own and its unit's columns."""
    return a.merge(hh.reset_index(drop=True), on="household_id").merge(
        un.reset_index(drop=True), on="unit_id", suffixes=("", "_unit")
    )


def _rent_caps(d: pd.DataFrame, config: AllocationConfig) -> pd.Series:
    """The lowest matching rent cap per placed household (inf when none matches)."""
    cap = pd.Series(np.inf, index=d.index)
    for rule in config.rent_caps:
        match = d["persons"] >= rule.min_persons
        if rule.max_persons is not None:
            match &= d["persons"] <= rule.max_persons
        if rule.groups is not None:
            match &= d["group"].isin(rule.groups)
        cap[match] = np.minimum(cap[match], rule.max_rent_eur)
    return cap


def _gp_distance(d: pd.DataFrame, tables: Tables) -> np.ndarray:
    """Straight-line metres from each placed household's site to the nearest GP."""
    sites = tables.sites.set_index("site_id")
    sx = d["site_id"].map(sites["x"]).to_numpy(float)
    sy = d["site_id"].map(sites["y"]).to_numpy(float)
    gps = tables.gps
    if not len(gps):
        return np.full(len(d), np.inf)
    return np.hypot(
        sx[:, None] - gps["x"].to_numpy()[None, :], sy[:, None] - gps["y"].to_numpy()[None, :]
    ).min(axis=1)


def _check_household_rules(
    d: pd.DataFrame, tables: Tables, config: AllocationConfig
) -> list[Violation]:
    """Per placed household: ``accessibility``, ``ground_floor``, ``date``, ``rent_cap``,
    ``refused_site`` and ``medical``."""
    cap = _rent_caps(d, config)
    wait = np.timedelta64(config.max_wait_days, "D")
    avail = d["available_from"].to_numpy("datetime64[D]")
    arrive = d["arrival_date"].to_numpy("datetime64[D]")
    refused = np.array(
        [sid in r for sid, r in zip(d["site_id"], d["refused_sites"], strict=True)], bool
    )
    far_from_gp = _gp_distance(d, tables) > config.medical_reach_m
    checks = [
        (
            "accessibility",
            d["needs_wheelchair"].to_numpy() & ~d["accessible"].to_numpy(),
            lambda r: f"{r.household_id} needs a wheelchair-accessible unit; {r.unit_id} is not",
            None,
            None,
        ),
        (
            "ground_floor",
            d["needs_ground_floor"].to_numpy() & (d["floor"].to_numpy() != 0),
            lambda r: f"{r.household_id} needs the ground floor; {r.unit_id} is on floor {r.floor}",
            "floor",
            0,
        ),
        (
            "date",
            avail > arrive + wait,
            lambda r: (
                f"{r.unit_id} is available from {r.available_from}, {r.household_id} "
                f"arrives {r.arrival_date}"
            ),
            None,
            None,
        ),
        (
            "rent_cap",
            d["rent_eur"].to_numpy() > cap.to_numpy() + 1e-9,
            lambda r: f"{r.unit_id} rent {r.rent_eur:.2f} above the cap of {r.household_id}",
            "rent_eur",
            None,
        ),
        (
            "refused_site",
            refused,
            lambda r: f"{r.household_id} refused site {r.site_id}",
            None,
            None,
        ),
        (
            "medical",
            d["needs_medical"].to_numpy() & far_from_gp & (config.medical_rule == "hard"),
            lambda r: (
                f"{r.household_id} needs medical care; no GP within "
                f"{config.medical_reach_m:g} m of site {r.site_id}"
            ),
            None,
            None,
        ),
    ]
    out = []
    for rule, bad, msg, value_col, limit in checks:
        for i in np.flatnonzero(bad):
            r = d.iloc[i]
            value = float(r[value_col]) if value_col else None
            lim = float(cap.iloc[i]) if rule == "rent_cap" else limit
            out.append(_violation(rule, msg(r), r.household_id, r.unit_id, r.site_id, value, lim))
    return out


def _check_pins(d: pd.DataFrame, config: AllocationConfig) -> list[Violation]:
    """Rule ``pin``: a pinned household is in its unit or on its site; nobody else is in a
    pinned unit."""
    out = []
    got = dict(zip(d["household_id"], zip(d["unit_id"], d["site_id"], strict=True), strict=True))
    for pin in config.pins:
        if pin.household_id not in got:
            continue
        uid, sid = got[pin.household_id]
        if pin.unit_id is not None and pin.unit_id != uid:
            out.append(
                _violation(
                    "pin",
                    f"{pin.household_id} is pinned to unit {pin.unit_id}, got {uid}",
                    pin.household_id,
                    uid,
                    sid,
                )
            )
        if pin.site_id is not None and pin.site_id != sid:
            out.append(
                _violation(
                    "pin",
                    f"{pin.household_id} is pinned to site {pin.site_id}, got {sid}",
                    pin.household_id,
                    uid,
                    sid,
                )
            )
    for pin in config.pins:
        if pin.unit_id is None:
            continue
        others = d[(d["unit_id"] == pin.unit_id) & (d["household_id"] != pin.household_id)]
        for r in others.itertuples(index=False):
            out.append(
                _violation(
                    "pin",
                    f"unit {pin.unit_id} is pinned to {pin.household_id}, "
                    f"given to {r.household_id}",
                    r.household_id,
                    pin.unit_id,
                    r.site_id,
                )
            )
    return out


def _check_bans(d: pd.DataFrame, config: AllocationConfig) -> list[Violation]:
    """Rule ``ban``: no household in a unit or on a site it is banned from."""
    out = []
    got = dict(zip(d["household_id"], zip(d["unit_id"], d["site_id"], strict=True), strict=True))
    for ban in config.bans:
        if ban.household_id not in got:
            continue
        uid, sid = got[ban.household_id]
        if ban.unit_id == uid or ban.site_id == sid:
            what = f"unit {uid}" if ban.unit_id == uid else f"site {sid}"
            out.append(
                _violation(
                    "ban", f"{ban.household_id} is banned from {what}", ban.household_id, uid, sid
                )
            )
    return out


def _check_mix(
    a: pd.DataFrame, hh: pd.DataFrame, un: pd.DataFrame, tables: Tables, config: AllocationConfig
) -> list[Violation]:
    """Rule ``mix``, in exact integers: counted over occupied units (a shared unit counts
    once), or over all the site's units (``basis: units``), "at most / at least p of every
    q" (:func:`~opvang_opt.allocation.rules.mix_allows`)."""
    placed = a.assign(
        site_id=a["unit_id"].map(un["site_id"]), group=a["household_id"].map(hh["group"])
    )
    new_units = placed.drop_duplicates("unit_id")[["unit_id", "site_id", "group"]]
    old_units = tables.occupied[["unit_id", "group"]].assign(
        site_id=tables.occupied["unit_id"].map(un["site_id"])
    )
    t_new_of = new_units.groupby("site_id").size().to_dict()
    t_old_of = old_units.groupby("site_id").size().to_dict()
    units_of = un.groupby("site_id").size().to_dict()
    out = []
    for rule in config.mix_rules:
        g_new_of = new_units["group"].isin(rule.groups).groupby(new_units["site_id"]).sum()
        g_old_of = old_units["group"].isin(rule.groups).groupby(old_units["site_id"]).sum()
        g_new_of, g_old_of = g_new_of.to_dict(), g_old_of.to_dict()
        by_units = rule.basis == "units"
        for sid in rule.sites or list(tables.sites["site_id"]):
            g_old, t_old = int(g_old_of.get(sid, 0)), int(t_old_of.get(sid, 0))
            g_all = g_old + int(g_new_of.get(sid, 0))
            t_all = t_old + int(t_new_of.get(sid, 0))
            n_units = int(units_of.get(sid, 0))
            for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None:
                    continue
                frac = share_fraction(share)
                units = n_units if by_units else None
                if mix_allows(sense, frac, (g_old, t_old), (g_all, t_all), units):
                    continue
                word = "at most" if sense == 1 else "at least"
                if by_units and sense == -1:
                    what = (
                        f"{t_all - g_all} of its {n_units} units are not "
                        f"{'+'.join(rule.groups)}; rule {rule.label} keeps {frac.numerator} "
                        f"of every {frac.denominator} units for them"
                    )
                    value = (t_all - g_all) / max(n_units, 1)
                    limit = 1 - share
                elif by_units:
                    what = (
                        f"{g_all} of its {n_units} units are {'+'.join(rule.groups)}; rule "
                        f"{rule.label} allows at most {frac.numerator} of every "
                        f"{frac.denominator} units"
                    )
                    value, limit = g_all / max(n_units, 1), share
                else:
                    what = (
                        f"{g_all} of {t_all} occupied units are "
                        f"{'+'.join(rule.groups)}; rule {rule.label} allows {word} "
                        f"{frac.numerator} of every {frac.denominator}"
                    )
                    value, limit = g_all / max(t_all, 1), share
                out.append(
                    _violation("mix", f"site {sid}: {what}", site_id=sid, value=value, limit=limit)
                )
    return out


def _check_school_places(
    a: pd.DataFrame, hh: pd.DataFrame, un: pd.DataFrame, tables: Tables, config: AllocationConfig
) -> list[Violation]:
    """Rule ``school_capacity``: an exact max flow of children to schools in reach."""
    if not config.school_capacity or not len(a):
        return []
    taal, isk = children_needing_places(tables.households, config)
    need = pd.DataFrame({"taalklas": taal, "isk": isk}, index=tables.households["household_id"])
    children = pd.DataFrame(
        {
            "site_id": a["unit_id"].map(un["site_id"]).to_numpy(),
            "taalklas": need.loc[a["household_id"], "taalklas"].to_numpy(),
            "isk": need.loc[a["household_id"], "isk"].to_numpy(),
        }
    )
    unmet, _ = school_assignment(tables, config, children)
    return [
        _violation(
            "school_capacity",
            f"{n} child(ren) needing a {band} place have none within "
            f"{config.school_reach_m:g} m of their site",
            value=n,
            limit=0,
        )
        for band, n in unmet.items()
        if n > 0
    ]


def assert_valid(tables: Tables, config: AllocationConfig, assignments: pd.DataFrame) -> None:
    """Raise :class:`~opvang_opt.errors.InternalError` listing every violation, if any.

    For allocations the optimiser made: a broken rule there is a bug, never bad input.
    """
    check_allocation(tables, config, assignments).raise_if_violated()

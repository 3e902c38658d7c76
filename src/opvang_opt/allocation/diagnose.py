"""Diagnosis: which rule is short and by how much, and why a household is unplaced.

The counting bounds here are necessary conditions (Hall-type): when one fails, no
allocation can place everyone, and the message says which rule and by how much,
e.g. "7 households of 6+ persons, 4 units with room for 6+ persons".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opvang_opt.allocation.model import BANDS, Instance
from opvang_opt.allocation.rules import mix_allows, share_fraction
from opvang_opt.errors import Diagnosis, Shortfall
from opvang_opt.schema import MixRule
from opvang_opt.texts import Lang, Message, t

REASONS = (
    "occupancy", "accessibility", "ground_floor", "date", "rent_cap", "pin", "ban", "refused",
    "medical", "school_reach", "combination", "capacity", "school_capacity", "mix", "time_limit",
)  # fmt: skip
"""Reason codes; the text of each is ``allocation.reason.<code>`` in the catalogue."""


def reason_message(code: str, **fields: object) -> Message:
    """The reason for an unplaced household as a catalogue message."""
    return Message(f"allocation.reason.{code}", fields)


def reason_text(code: str, lang: Lang = "nl", **fields: object) -> str:
    """The text of a reason code in Dutch (``nl``, default) or English (``en``)."""
    return t(f"allocation.reason.{code}", lang, **fields)


def _short(code: str, **params: object) -> Message:
    if "need" in params and "have" in params:  # the amount short, said in the message
        params["short"] = int(params["need"]) - int(params["have"])  # type: ignore[call-overload]
    return Message(f"allocation.shortfall.{code}", params)


def diagnose_counts(inst: Instance) -> list[Shortfall]:
    """Counting bounds that show when not every household can be placed."""
    out: list[Shortfall] = []
    free = inst.u_free
    n_h = inst.n_households
    if n_h == 0:
        return out
    sharing = inst.config.allow_shared_units
    cap = inst.u_cap[free]
    # total
    n_units = int(free.sum())
    if not sharing and n_h > n_units:
        out.append(Shortfall("units", _short("units", need=n_h, have=n_units), n_h, n_units))
    # occupancy by size
    worst = None
    for s in np.unique(inst.h_persons):
        if s == 1 and sharing:
            continue
        need = int((inst.h_persons >= s).sum())
        have = int((cap >= s).sum())
        # the largest deficit is the least number unplaced (Hall: the sizes are nested);
        # on a tie, the larger size
        if need > have and (worst is None or need - have >= worst[1] - worst[2]):
            worst = (s, need, have)
    if worst is not None:
        s, need, have = worst
        out.append(
            Shortfall(
                "occupancy",
                _short("occupancy", need=need, have=have, size=int(s)),
                need,
                have,
            )
        )
    # accessibility
    for rule, need_arr, unit_arr in (
        ("accessibility", inst.h_wheel, inst.u_accessible),
        ("ground_floor", inst.h_ground, inst.u_ground),
    ):
        need = int(need_arr.sum())
        have = int(unit_arr[free].sum())
        if need > have:
            out.append(Shortfall(rule, _short(rule, need=need, have=have), need, have))
    # dates
    avail = inst.u_avail[free]
    if not sharing:
        # the date with the largest deficit (the least number unplaced; the earliest on
        # a tie), not the first date short
        worst_d = max(
            ((int((inst.h_deadline <= d).sum()), int((avail <= d).sum()), d)
             for d in np.unique(inst.h_deadline)),
            key=lambda x: x[0] - x[1], default=None,
        )  # fmt: skip
        if worst_d is not None and worst_d[0] > worst_d[1]:
            need, have, d = worst_d
            out.append(
                Shortfall("date", _short("date", need=need, have=have, date=str(d)), need, have)
            )
    # rent caps
    caps = np.unique(inst.h_rentcap[np.isfinite(inst.h_rentcap)])
    if not sharing:
        worst_c = max(
            ((int((inst.h_rentcap <= c).sum()), int((inst.u_rent[free] <= c + 1e-9).sum()), c)
             for c in caps),
            key=lambda x: x[0] - x[1], default=None,
        )  # fmt: skip
        if worst_c is not None and worst_c[0] > worst_c[1]:
            need, have, c = worst_c
            out.append(
                Shortfall(
                    "rent_cap", _short("rent_cap", need=need, have=have, cap=float(c)), need, have
                )
            )
    # school places per band
    if inst.config.school_capacity:
        for b, band in enumerate(BANDS):
            need = int(inst.h_need[:, b].sum())
            if need == 0:
                continue
            reachable = inst.reach.any(axis=0)
            places = inst.school_places[:, b]
            have = int(places[reachable].sum())
            if need > have:
                used = np.flatnonzero(reachable & (places > 0))
                if len(used) == 1:
                    msg = _short(
                        "school_one", school=str(inst.school_ids[used[0]]), need=need,
                        have=have, band=band,
                    )  # fmt: skip
                else:
                    msg = _short(
                        "school_many", band=band, n_schools=len(used), need=need, have=have
                    )
                out.append(
                    Shortfall(
                        "school_capacity",
                        msg,
                        need,
                        have,
                    )
                )
    out += _mix_bounds(inst)
    return out


def _mix_bounds(inst: Instance) -> list[Shortfall]:
    out: list[Shortfall] = []
    free_per_site = np.bincount(inst.u_site[inst.u_free], minlength=inst.n_sites)
    units_of = np.bincount(inst.u_site, minlength=inst.n_sites)
    n_h = inst.n_households
    existing = inst.existing_units
    n_g = len(inst.group_names)
    site_index = {s: i for i, s in enumerate(inst.site_ids)}
    for rule in inst.config.mix_rules:
        in_g = np.isin(np.arange(n_g), [inst.group_names.index(g) for g in rule.groups])
        sites = np.zeros(inst.n_sites, bool)
        if rule.sites is None:
            sites[:] = True
        else:
            sites[[site_index[s] for s in rule.sites]] = True
        g_hh = int(in_g[inst.h_group].sum())
        other_hh = inst.n_households - g_hh
        g0 = existing[:, in_g].sum(axis=1)
        t0 = existing.sum(axis=1)
        if rule.basis == "units":
            out += _mix_bounds_on_units(rule, sites, free_per_site, g0, t0, units_of, g_hh, n_h)
            continue
        if rule.max_share is not None and g_hh:
            # exact fractions, as the rules read the share (0.3333333 is 1/3): at most
            # p of every q occupied units; in floats 0.3333333 x 3 units left no room
            s = share_fraction(rule.max_share)
            p, q = s.numerator, s.denominator
            room = np.array(
                [
                    min(
                        int(free_per_site[j]),
                        max(
                            0,
                            min(
                                (p * int(t0[j] + free_per_site[j]) - q * int(g0[j])) // q,
                                (p * int(t0[j] + other_hh) - q * int(g0[j])) // (q - p)
                                if q > p
                                else int(free_per_site[j]),
                            ),
                        ),
                    )
                    if sites[j]
                    else int(free_per_site[j])
                    for j in range(inst.n_sites)
                ],
                dtype=np.int64,
            )
            have = int(room.sum())
            if g_hh > have:
                out.append(
                    Shortfall(
                        "mix",
                        _short(
                            "mix_max",
                            need=g_hh,
                            groups="+".join(rule.groups),
                            have=have,
                            rule=rule.label,
                        ),
                        g_hh,
                        have,
                    )
                )
        if rule.min_share is not None and rule.min_share > 0:
            s = share_fraction(rule.min_share)
            p, q = s.numerator, s.denominator
            room = np.array(
                [
                    min(int(free_per_site[j]), max(0, q * int(g0[j] + g_hh) // p - int(t0[j])))
                    if sites[j]
                    else int(free_per_site[j])
                    for j in range(inst.n_sites)
                ],
                dtype=np.int64,
            )
            have = int(room.sum())
            if inst.n_households > have:
                out.append(
                    Shortfall(
                        "mix",
                        _short(
                            "mix_min",
                            need=inst.n_households,
                            have=have,
                            rule=rule.label,
                            n_group=g_hh,
                            groups="+".join(rule.groups),
                        ),
                        inst.n_households,
                        have,
                    )
                )
    return out


def _mix_bounds_on_units(
    rule: MixRule,
    sites: np.ndarray,
    free: np.ndarray,
    g0: np.ndarray,
    t0: np.ndarray,
    units: np.ndarray,
    g_hh: int,
    n_h: int,
) -> list[Shortfall]:
    """The counting bounds of a mix rule on the site's units (``basis: units``): a
    maximum leaves at most ``floor(p*U/q) - G0`` free units of a site to the rule's
    groups, a minimum at most ``floor((q-p)*U/q) - (T0 - G0)`` to the other groups."""
    out: list[Shortfall] = []
    for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
        if share is None:
            continue
        frac = share_fraction(share)
        p, q = frac.numerator, frac.denominator
        need = g_hh if sense == 1 else n_h - g_hh
        if not need:
            continue
        room = 0
        for j in range(len(free)):
            if not sites[j]:
                room += int(free[j])
            elif sense == 1:
                room += min(int(free[j]), max(0, p * int(units[j]) // q - int(g0[j])))
            else:
                taken = int(t0[j] - g0[j])
                room += min(int(free[j]), max(0, (q - p) * int(units[j]) // q - taken))
        if need > room:
            key = "mix_max" if sense == 1 else "mix_min_units"
            out.append(
                Shortfall(
                    "mix",
                    _short(
                        key, need=need, groups="+".join(rule.groups), have=room, rule=rule.label
                    ),
                    need,
                    room,
                )
            )
    return out


SITE_RULES = ("refused", "ban", "pin", "medical", "school_reach")
UNIT_RULES = ("occupancy", "accessibility", "ground_floor", "date", "rent_cap", "pin", "ban")


def individual_reason(inst: Instance, h: int) -> tuple[str, dict[str, object]] | None:
    """The rule that leaves household ``h`` without any fitting free unit, or ``None``."""
    m = inst.unit_rule_masks(h)
    units = m.pop("_units")
    site_ok = m.pop("site_rules")
    unit_ok = np.logical_and.reduce([m[r] for r in UNIT_RULES]) if len(units) else np.zeros(0)
    if len(units) and (unit_ok & site_ok).any():
        return None
    fields = _fields(inst, h)
    for r in UNIT_RULES:
        if not m[r].any():
            return r, fields
    if inst.h_pin_unit[h] >= 0 or inst.h_pin_site[h] >= 0:
        # the pinned unit or site exists but breaks another rule
        return "pin", fields
    # every unit-level rule alone leaves units; check site rules on the unit-fitting units
    fit_sites = np.unique(inst.u_site[units[unit_ok]])
    if len(fit_sites):
        for r in SITE_RULES:
            if inst.site_block[r][h, fit_sites].all():
                return r, fields
    failing = [r for r in UNIT_RULES if not m[r].all()]
    failing += [r for r in SITE_RULES if inst.site_block[r][h].any()]
    return "combination", {**fields, "rules": ", ".join(dict.fromkeys(failing))}


def _fields(inst: Instance, h: int) -> dict[str, object]:
    return {
        "persons": int(inst.h_persons[h]),
        "date": str(inst.tables.households["arrival_date"].iloc[h]),
        "cap": float(inst.h_rentcap[h]) if np.isfinite(inst.h_rentcap[h]) else 0.0,
        "reach": inst.config.medical_reach_m,
    }


def unplaced_table(
    inst: Instance,
    unplaced: np.ndarray,
    assignments: pd.DataFrame,
    by_school: pd.DataFrame,
    time_limit_hit: bool,
) -> pd.DataFrame:
    """One row per unplaced household with its rule and reason (a catalogue message)."""
    rows = []
    taken = set(assignments["unit_id"])
    unit_pos = {u: i for i, u in enumerate(inst.unit_ids)}
    taken_idx = np.array(sorted(unit_pos[u] for u in taken), np.int64)
    for h in sorted(unplaced, key=lambda i: inst.hh_ids[i]):
        found = individual_reason(inst, int(h))
        if found is not None:
            code, fields = found
            if code == "school_reach":
                fields = {**fields, "reach": inst.config.school_reach_m}
        else:
            code, fields = _shared_reason(inst, int(h), taken_idx, assignments, by_school)
            if code == "none":
                code, fields = ("time_limit", {}) if time_limit_hit else ("capacity", {"n": 0})
        rows.append(
            {
                "household_id": str(inst.hh_ids[h]),
                "group": inst.group_names[inst.h_group[h]],
                "persons": int(inst.h_persons[h]),
                "rule": code,
                "reason": reason_message(code, **fields),
            }
        )
    return pd.DataFrame(rows, columns=["household_id", "group", "persons", "rule", "reason"])


def fitting_units(inst: Instance, h: int) -> np.ndarray:
    """Free units household ``h`` may get under every unit- and site-level rule."""
    m = inst.unit_rule_masks(h)
    units = m.pop("_units")
    ok = m.pop("site_rules")
    for r in UNIT_RULES:
        ok = ok & m[r]
    return units[ok]


def _shared_reason(
    inst: Instance,
    h: int,
    taken_idx: np.ndarray,
    assignments: pd.DataFrame,
    by_school: pd.DataFrame,
) -> tuple[str, dict[str, object]]:
    """Why a household that fits some unit is still unplaced: capacity, school or mix."""
    fit = fitting_units(inst, h)
    free_fit = fit[~np.isin(fit, taken_idx)]
    if len(free_fit) == 0:
        return "capacity", {"n": len(fit)}
    sites = np.unique(inst.u_site[free_fit])
    need = inst.h_need[h]
    if need.any() and len(by_school):
        left = np.stack(
            [
                by_school["taalklas_places"].to_numpy() - by_school["taalklas_used"].to_numpy(),
                by_school["isk_places"].to_numpy() - by_school["isk_used"].to_numpy(),
            ],
            axis=1,
        )
        room = inst.reach[sites].astype(np.int64) @ left  # (sites, 2)
        ok = (room >= need[None, :]).all(axis=1)
        if not ok.any():
            band = BANDS[int(np.argmax(need > 0))]
            return "school_capacity", {"band": band}
        sites = sites[ok]
    g = inst.h_group[h]
    new_units = assignments.drop_duplicates("unit_id")
    for rule in inst.config.mix_rules:
        if rule.max_share is None or inst.group_names[g] not in rule.groups:
            continue
        blocked = []
        for j in sites:
            sid = inst.site_ids[j]
            if rule.sites is not None and sid not in rule.sites:
                continue
            on = new_units[new_units["site_id"] == sid]
            g0 = int(inst.existing_units[j, [inst.group_names.index(x) for x in rule.groups]].sum())
            t0 = int(inst.existing_units[j].sum())
            gi = int(on["group"].isin(rule.groups).sum()) + g0
            t = len(on) + t0
            units = int((inst.u_site == j).sum()) if rule.basis == "units" else None
            frac = share_fraction(rule.max_share)
            if not mix_allows(1, frac, (g0, t0), (gi + 1, t + 1), units):
                blocked.append(sid)
        if blocked and len(blocked) == len(sites):
            return "mix", {"rule": rule.label, "site": ", ".join(map(str, blocked[:3]))}
    return "none", {}


def diagnosis(inst: Instance, unplaced: pd.DataFrame) -> Diagnosis:
    """The diagnosis of an allocation: counting shortfalls plus unplaced per rule."""
    shortfalls = diagnose_counts(inst)
    per_rule = unplaced["rule"].value_counts().sort_index() if len(unplaced) else {}
    covered = {s.rule for s in shortfalls}
    for rule, n in dict(per_rule).items():
        rule_name = "school_capacity" if rule == "school_reach" else rule
        if rule_name in covered:
            continue
        # aggregate only: ids and per-household reasons stay in the unplaced table
        shortfalls.append(Shortfall(rule, _short("unplaced_by_rule", n=int(n), rule=str(rule))))
    return Diagnosis(
        shortfalls=tuple(shortfalls),
        details={"unplaced_by_rule": {str(k): int(v) for k, v in dict(per_rule).items()}},
    )

"""Explanations per household, in Dutch (default) or English (texts from the catalogue).

For a placed household: its unit, the score components, its best alternative (the
cheapest other kind of fitting unit) and why it did not get it: the units are taken
(by whom), a rule (mix, school places) blocks it, or it costs more (by how much, on
which components). For an unplaced household: the reason from the diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opvang_opt.allocation.diagnose import fitting_units
from opvang_opt.allocation.model import BANDS, COMPONENTS
from opvang_opt.allocation.result import AllocationResult
from opvang_opt.allocation.rules import mix_allows, share_fraction
from opvang_opt.texts import Lang, render, t


def component_label(component: str, lang: Lang = "nl") -> str:
    """The readable name of an objective component (``allocation.component.<name>``)."""
    return t(f"allocation.component.{component}", lang)


@dataclass(frozen=True)
class Explanation:
    """Why a household got its unit (or none)."""

    household_id: str
    placed: bool
    unit_id: str | None
    site_id: str | None
    components: dict[str, float]
    cost: float | None
    alternative_unit: str | None
    alternative_site: str | None
    alternative_cost: float | None
    why_not: str
    """Reason code: ``taken``, ``mix``, ``school_capacity``, ``costs_more``, ``none``, or the
    unplaced rule."""
    text: str
    taken_by: tuple[str, ...] = field(default=())


def _components(inst, h: int, u: np.ndarray) -> np.ndarray:
    """Components (len(u), 6) of household h in each unit u, as if alone in the unit."""
    j = inst.u_site[u]
    comp = np.zeros((len(u), 6))
    site = inst.comp_site[h, j]
    comp[:, 0:3] = site[:, 0:3]
    comp[:, 3] = inst.u_beds[u] - inst.h_persons[h]
    comp[:, 4] = inst.h_has_current[h] & (u != inst.h_current[h])
    comp[:, 5] = site[:, 3]
    return comp


def explain(result: AllocationResult, household_id: str, lang: Lang = "nl") -> Explanation:
    """Explain one household's placement.

    Parameters
    ----------
    result
        An allocation result.
    household_id
        The pseudonymous household id.
    lang
        ``"nl"`` (default, for caseworkers) or ``"en"``.

    Examples
    --------
    >>> from opvang_opt.allocation.synthetic import make_instance
    >>> from opvang_opt.allocation import allocate
    >>> si = make_instance(20, 30, 3, seed=3)
    >>> res = allocate(**si.tables(), config=si.config)
    >>> e = explain(res, res.assignments.household_id.iloc[0], lang="en")
    >>> e.placed
    True
    """
    inst = result.instance
    hits = np.flatnonzero(inst.hh_ids == household_id)
    if len(hits) == 0:
        raise KeyError(household_id)
    h = int(hits[0])
    a = result.assignments
    row = a[a["household_id"] == household_id]
    if row.empty:
        un = result.unplaced[result.unplaced["household_id"] == household_id].iloc[0]
        text = t("allocation.explain.not_placed", lang, reason=render(un["reason"], lang))
        return Explanation(
            household_id,
            False,
            None,
            None,
            {},
            None,
            None,
            None,
            None,
            str(un["rule"]),
            text,
        )
    row = row.iloc[0]
    own_u = int(np.flatnonzero(inst.unit_ids == row["unit_id"])[0])
    comps = {k: float(row[k]) for k in COMPONENTS}
    own_cost = float(row["cost"])
    fit = fitting_units(inst, h)
    same_kind = (
        (inst.u_site[fit] == inst.u_site[own_u])
        & (inst.u_beds[fit] == inst.u_beds[own_u])
        & (inst.u_bedrooms[fit] == inst.u_bedrooms[own_u])
    )
    cand = fit[~same_kind]
    if len(cand) == 0:
        text = t(
            "allocation.explain.only_kind", lang, unit=str(row["unit_id"]),
            site=str(row["site_id"]), cost=own_cost,
        )  # fmt: skip
        return Explanation(
            household_id,
            True,
            row["unit_id"],
            row["site_id"],
            comps,
            own_cost,
            None,
            None,
            None,
            "none",
            text,
        )
    cc = _components(inst, h, cand)
    cost = cc @ inst.weights
    order = np.lexsort((inst.unit_ids[cand].astype(str), cost))
    best = cand[order[0]]
    best_cost = float(cost[order[0]])
    best_site = str(inst.site_ids[inst.u_site[best]])
    # the same kind of unit at that site: all taken?
    kind = fit[
        (inst.u_site[fit] == inst.u_site[best])
        & (inst.u_beds[fit] == inst.u_beds[best])
        & (inst.u_bedrooms[fit] == inst.u_bedrooms[best])
    ]
    taken_map = dict(zip(a["unit_id"], a["household_id"], strict=False))
    kind_ids = [str(u) for u in inst.unit_ids[kind]]
    free_kind = [u for u in kind_ids if u not in taken_map]
    head = t(
        "allocation.explain.head", lang, unit=str(row["unit_id"]), site=str(row["site_id"]),
        cost=own_cost,
    )  # fmt: skip
    alt = t(
        "allocation.explain.alternative", lang, bedrooms=int(inst.u_bedrooms[best]),
        beds=int(inst.u_beds[best]), site=best_site, cost=best_cost,
    )  # fmt: skip
    taken_by: tuple[str, ...] = ()
    if best_cost >= own_cost - 1e-9:
        diff = cc[order[0]] - np.array([comps[k] for k in COMPONENTS])
        parts = [
            t("allocation.explain.component_diff", lang, component=component_label(k, lang),
              diff=float(d))
            for k, d in zip(COMPONENTS, diff, strict=True)
            if abs(d) > 1e-9
        ]  # fmt: skip
        why = "costs_more"
        reason = t(
            "allocation.explain.costs_more", lang, diff=best_cost - own_cost,
            parts=", ".join(parts),
        )  # fmt: skip
    elif not free_kind:
        taken_by = tuple(sorted(taken_map[u] for u in kind_ids))
        why = "taken"
        shown = ", ".join(taken_by[:3]) + (" …" if len(taken_by) > 3 else "")
        reason = t("allocation.explain.taken", lang, n=len(kind_ids), by=shown)
    else:
        why, reason = _rule_block(result, h, int(inst.u_site[best]), lang)
    return Explanation(
        household_id,
        True,
        row["unit_id"],
        row["site_id"],
        comps,
        own_cost,
        str(inst.unit_ids[best]),
        best_site,
        best_cost,
        why,
        head + alt + reason,
        taken_by,
    )


def _rule_block(result: AllocationResult, h: int, j: int, lang: Lang) -> tuple[str, str]:
    """Which rule keeps household h from a free unit on site j."""
    inst = result.instance
    need = inst.h_need[h]
    bs = result.by_school
    if need.any() and len(bs):
        left = np.stack(
            [
                bs["taalklas_places"].to_numpy() - bs["taalklas_used"].to_numpy(),
                bs["isk_places"].to_numpy() - bs["isk_used"].to_numpy(),
            ],
            axis=1,
        )
        room = inst.reach[j].astype(np.int64) @ left
        short = np.flatnonzero(room < need)
        if len(short):
            band = BANDS[int(short[0])]
            return "school_capacity", t("allocation.explain.school_full", lang, band=band)
    by = result.by_site.set_index("site_id")
    sid = str(inst.site_ids[j])
    g = inst.group_names[inst.h_group[h]]
    for rule in inst.config.mix_rules:
        if rule.sites is not None and sid not in rule.sites:
            continue
        occ = int(by.at[sid, "occupied"])
        gi = sum(int(by.at[sid, f"units_{x}"]) for x in rule.groups)
        in_g = [inst.group_names.index(x) for x in rule.groups]
        before = (int(inst.existing_units[j, in_g].sum()), int(inst.existing_units[j].sum()))
        units = int((inst.u_site == j).sum()) if rule.basis == "units" else None
        if (
            rule.max_share is not None
            and g in rule.groups
            and not mix_allows(1, share_fraction(rule.max_share), before, (gi + 1, occ + 1), units)
        ):
            return "mix", t("allocation.explain.mix_max", lang, rule=rule.label, group=g)
        if (
            rule.min_share is not None
            and g not in rule.groups
            and not mix_allows(-1, share_fraction(rule.min_share), before, (gi, occ + 1), units)
        ):
            key = (
                "allocation.explain.mix_min_units"
                if units is not None
                else "allocation.explain.mix_min"
            )
            return "mix", t(key, lang, rule=rule.label, groups="+".join(rule.groups))
    return "none", t("allocation.explain.within_gap", lang)


def explanations(
    result: AllocationResult,
    lang: Lang = "nl",
    household_ids: list[str] | None = None,
) -> pd.DataFrame:
    """Explanations for many households (all when ``household_ids`` is omitted)."""
    ids = household_ids if household_ids is not None else sorted(map(str, result.instance.hh_ids))
    rows = []
    for hid in ids:
        e = explain(result, hid, lang)
        rows.append(
            {
                "household_id": e.household_id,
                "placed": e.placed,
                "unit_id": e.unit_id,
                "site_id": e.site_id,
                "cost": e.cost,
                "alternative_unit": e.alternative_unit,
                "alternative_site": e.alternative_site,
                "alternative_cost": e.alternative_cost,
                "why_not": e.why_not,
                "explanation": e.text,
            }
        )
    return pd.DataFrame(rows)

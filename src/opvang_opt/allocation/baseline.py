"""The manual baseline: first come, first served.

Households in order of arrival (then id) each get the first free unit in stock order
that fits: occupancy, accessibility and ground floor, date, rent cap, refused sites,
pins and bans, and medical nearness are respected, as a caseworker would. Mix rules
and school capacity are *not* looked at, so the baseline may break them; the checker
counts how often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opvang_opt.allocation.check import check_allocation
from opvang_opt.allocation.model import COMPONENTS, build_instance
from opvang_opt.allocation.report import score
from opvang_opt.allocation.result import AllocationResult, Comparison, components_of
from opvang_opt.allocation.validate import Tables
from opvang_opt.schema import AllocationConfig

_BLOCK = 128
"""Units tested first for one household (then twice as many, and so on)."""


def allocate_baseline(tables: Tables, config: AllocationConfig) -> pd.DataFrame:
    """First-come-first-served allocation; returns an assignments table (with components).

    Examples
    --------
    >>> from opvang_opt.allocation.synthetic import make_instance
    >>> from opvang_opt.allocation import validate_inputs
    >>> si = make_instance(30, 40, 3, seed=2)
    >>> t = validate_inputs(**si.tables(), config=si.config)
    >>> len(allocate_baseline(t, si.config)) <= 30
    True
    """
    inst = build_instance(tables, config)
    hh = tables.households
    order = np.lexsort((hh["household_id"].to_numpy(str), hh["arrival_date"].to_numpy()))
    free = inst.u_free.copy()
    pinned = inst.h_pin_unit[inst.h_pin_unit >= 0]
    reserved = np.zeros(len(free), bool)
    reserved[pinned] = True
    site_ok = inst.site_ok | inst.site_block["school_reach"]  # schools ignored
    h_out, u_out = [], []
    for h in order:
        if inst.h_pin_unit[h] >= 0:
            cand = np.array([inst.h_pin_unit[h]])
        else:
            cand = np.flatnonzero(free & ~reserved)
        # the first fitting unit in stock order, looked for in blocks that double (most
        # households fit one of the first free units: the loop then costs about
        # households x first block, not households x units)
        start, size = 0, _BLOCK
        while start < len(cand):
            part = cand[start : start + size]
            start, size = start + size, 2 * size
            ok = free[part] & inst.fits(h, part) & site_ok[h, inst.u_site[part]]
            if inst.h_banned_units[h]:
                ok &= ~np.isin(part, inst.h_banned_units[h])
            hit = np.flatnonzero(ok)
            if len(hit):
                u = part[hit[0]]
                free[u] = False
                h_out.append(h)
                u_out.append(u)
                break
    return score(inst, np.asarray(h_out, np.int64), np.asarray(u_out, np.int64))


def compare_with_baseline(result: AllocationResult) -> Comparison:
    """The optimiser's improvement over first-come-first-served, per component.

    ``improvement`` is baseline minus optimiser (positive: the optimiser is better),
    for every objective component, the weighted total, households placed (negative
    sign: more placed is better) and hard-rule violations.
    """
    inst = result.instance
    base = allocate_baseline(inst.tables, inst.config)
    base_viol = check_allocation(inst.tables, inst.config, base).violations
    opt_viol = check_allocation(inst.tables, inst.config, result.assignments).violations
    cb = components_of(base, inst.weights).as_dict()
    co = result.components.as_dict()
    rows = []
    for k in (*COMPONENTS, "total"):
        rows.append(
            {"component": k, "optimiser": co[k], "baseline": cb[k], "improvement": cb[k] - co[k]}
        )
    rows.append(
        {
            "component": "placed",
            "optimiser": float(len(result.assignments)),
            "baseline": float(len(base)),
            "improvement": float(len(result.assignments) - len(base)),
        }
    )
    rows.append(
        {
            "component": "violations",
            "optimiser": float(len(opt_viol)),
            "baseline": float(len(base_viol)),
            "improvement": float(len(base_viol) - len(opt_viol)),
        }
    )
    by_rule: dict[str, int] = {}
    for v in base_viol:
        by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
    return Comparison(
        components=pd.DataFrame(rows).set_index("component"),
        optimiser_violations=len(opt_viol),
        baseline_violations=len(base_viol),
        baseline_placed=len(base),
        optimiser_placed=len(result.assignments),
        baseline_violations_by_rule=dict(sorted(by_rule.items())),
    )

"""An independent checker of a services result (no solver).

It recomputes, from the instance and the chosen expansion alone: the places per provider
and period, every placement's reach (straight line), that nobody is placed twice or beyond
a provider's places, that placed + short = demand, that the expansion stays within what is
allowed, and the cost in cents.
"""

from __future__ import annotations

import math

import numpy as np

from opvang_opt.services.solve import ServicesResult
from opvang_opt.status import CheckReport, Violation


def check_services(result: ServicesResult) -> CheckReport:
    """Re-verify every rule of a services result.

    Returns
    -------
    CheckReport
        With every violation; ``objective`` is the recomputed expansion cost in cents.
    """
    inst = result.instance
    p = inst.providers
    v: list[Violation] = []
    g = np.asarray(result.expansion.groups)
    o = np.asarray(result.expansion.open, bool)
    for j in range(p.n):
        if p.facility[j]:
            if g[j].any():
                v.append(Violation("expansion", "groups added to a facility", p.ids[j]))
        else:
            if o[j].any():
                v.append(Violation("expansion", "a provider opened as a facility", p.ids[j]))
            if (g[j] < 0).any() or (g[j] > p.max_extra[j]).any():
                v.append(Violation("expansion", f"groups outside 0..{p.max_extra[j]}", p.ids[j],
                                   float(g[j].max()), float(p.max_extra[j])))  # fmt: skip
    places = np.zeros((p.n, inst.n_periods), dtype=np.int64)
    for j in range(p.n):
        for t in range(inst.n_periods):
            if p.facility[j]:
                places[j, t] = int(p.capacity[j]) if o[j, t] else 0
            else:
                places[j, t] = int(p.capacity[j]) + int(g[j, t]) * int(p.group_size[j])
    for label, flows, cap in (("before", result.before, None), ("after", result.after, places)):
        for kind, fl in flows.items():
            use = cap if cap is not None else np.where(p.facility, 0, p.capacity)[:, None]
            use = np.broadcast_to(use, (p.n, inst.n_periods))
            f = np.asarray(fl.flow)
            if (f < 0).any():
                v.append(Violation("flow", f"{label}/{kind}: a negative placement"))
            load = np.zeros((p.n, inst.n_periods), dtype=np.int64)
            placed = np.zeros((inst.n_sites, inst.n_periods), dtype=np.int64)
            for a in range(fl.arcs.n):
                s, j = int(fl.arcs.site[a]), int(fl.arcs.provider[a])
                if p.type[j] != kind:
                    v.append(Violation("type", f"{label}: {kind} placed at a {p.type[j]}",
                                       f"{inst.site_ids[s]} -> {p.ids[j]}"))  # fmt: skip
                if inst.straight_line and f[a].any():
                    d = math.hypot(inst.site_x[s] - p.x[j], inst.site_y[s] - p.y[j])
                    if d > float(p.reach_m[j]) + 1e-6:
                        v.append(Violation("reach", f"{label}/{kind}: {d:.0f} m away",
                                           f"{inst.site_ids[s]} -> {p.ids[j]}", d,
                                           float(p.reach_m[j])))  # fmt: skip
                load[j] += f[a]
                placed[s] += f[a]
            over = np.argwhere(load > use)
            for j, t in over:
                v.append(Violation("capacity", f"{label}/{kind} {inst.periods[t]}: "
                                   f"{load[j, t]} placed, {use[j, t]} places", p.ids[j],
                                   float(load[j, t]), float(use[j, t])))  # fmt: skip
            dem = np.asarray(inst.demand[kind])
            bad = np.argwhere(placed + np.asarray(fl.unmet) != dem)
            for s, t in bad:
                v.append(Violation("demand", f"{label}/{kind} {inst.periods[t]}: placed + "
                                   f"short != demand {dem[s, t]}", inst.site_ids[s]))  # fmt: skip
            if (np.asarray(fl.unmet) < 0).any():
                v.append(Violation("demand", f"{label}/{kind}: more placed than needed"))
    if result.status.has_solution and result.expanded and result.remaining:
        v.append(Violation("status", "status says everyone is placed, but some are short"))
    # cost in cents, recomputed
    total = 0
    for j in range(p.n):
        for t in range(inst.n_periods):
            if p.facility[j]:
                if o[j, t]:
                    total += int(p.cost_period[j])
                    if t == 0 or not o[j, t - 1]:
                        total += int(p.setup[j])
            else:
                total += int(g[j, t]) * int(p.cost_period[j])
    if total != result.cost["total"]:
        v.append(Violation("cost", f"cost {result.cost['total']} cents, recomputed {total}",
                           value=float(result.cost["total"]), limit=float(total)))  # fmt: skip
    return CheckReport("services", tuple(v), objective=float(total))

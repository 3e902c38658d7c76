"""The baseline: "when short, open the best available site".

Period by period, the baseline keeps what stands, moves the units of sites whose permit
ends to open sites with room (else closes them), and, where a municipality is short, adds
blocks to its open sites and then opens its best available site (highest siting score,
then lowest cost per unit) until the shortfall is covered or no site is left. It does not
look ahead: a site only counts once its lead time has passed. Its plan obeys every hard
rule except the tasks, which it simply misses when short.
"""

from __future__ import annotations

import math

import numpy as np

from opvang_opt.planning.instance import Plan, PlanningInstance


def greedy_plan(inst: PlanningInstance) -> Plan:
    """Plan with the greedy baseline.

    Parameters
    ----------
    inst
        The instance.

    Returns
    -------
    Plan
        Checkable with :func:`~opvang_opt.planning.check.check_plan` (``hard_tasks=False``).
    """
    T, S, G = inst.n_periods, inst.n_sites, len(inst.groups)
    M = len(inst.municipalities)
    plan = Plan.empty(inst)
    units = np.array([s.initial_units for s in inst.sites], dtype=np.int64)
    # explicit dtypes: an instance without sites (a municipality with none) has empty arrays
    opened = np.array([s.existing for s in inst.sites], dtype=bool)  # ever opened
    is_open = np.array([s.existing for s in inst.sites], dtype=bool)
    open_until = np.array([s.last_period for s in inst.sites], dtype=np.int64)
    for s, site in enumerate(inst.sites):
        if not site.existing:
            open_until[s] = -1

    def rank(s: int) -> tuple[float, float]:
        site = inst.sites[s]
        per_unit = site.build_cost + site.opening_cost / max(1, site.max_units)
        return (-site.score, per_unit)

    spent: dict[int, int] = {}
    for t in range(T):
        year = inst.years[t]
        budget = inst.budgets.get(year)
        pool = 0  # units released this period, available to move
        # 1. permits ending: the site must be empty from period t on
        for s, site in enumerate(inst.sites):
            if is_open[s] and (t > open_until[s] or not site.may_open(t)):
                pool += int(units[s])
                plan.moved_out[s, t] = units[s]  # tentatively moved; closed if unused
                units[s] = 0
                is_open[s] = False
        # 2. need per municipality, in units, greedily per group
        need_units = np.zeros(M, dtype=np.int64)
        for mu in range(M):
            need_units[mu] = sum(
                math.ceil(int(inst.tasks[t, mu, g]) / inst.places_per_unit[g]) for g in range(G)
            )
        have = np.zeros(M, dtype=np.int64)
        for s, site in enumerate(inst.sites):
            have[site.municipality] += units[s]
        for mu in range(M):
            short = int(need_units[mu] - have[mu])
            if short <= 0:
                continue
            # extend open sites first, then open the best available sites
            order = [s for s in range(S) if is_open[s] and inst.sites[s].municipality == mu]
            fresh = sorted(
                (
                    s
                    for s in range(S)
                    if not opened[s]
                    and inst.sites[s].municipality == mu
                    and inst.sites[s].may_open(t)
                ),
                key=rank,
            )
            for s in order + fresh:
                if short <= 0:
                    break
                site = inst.sites[s]
                room = site.max_blocks * site.block - int(units[s])
                if room <= 0:
                    continue
                add = min(room, math.ceil(short / site.block) * site.block)
                fixed = 0 if is_open[s] else site.opening_cost
                while add > 0 and budget is not None:
                    moved = min(pool, add)
                    cost = fixed + moved * site.move_cost + (add - moved) * site.build_cost
                    if spent.get(year, 0) + cost <= budget:
                        break
                    add -= site.block  # within the year's budget, or not at all
                if add <= 0:
                    continue
                moved = min(pool, add)
                spent[year] = (
                    spent.get(year, 0)
                    + fixed
                    + moved * site.move_cost
                    + (add - moved) * site.build_cost
                )
                if not is_open[s]:
                    is_open[s] = True
                    opened[s] = True
                    open_until[s] = min(site.last_period, t + site.permit_periods - 1)
                moved = min(pool, add)
                pool -= moved
                plan.moved_in[s, t] += moved
                plan.built[s, t] += add - moved
                units[s] += add
                short -= add
        # 3. units released but not moved are closed
        for s in range(S):
            if plan.moved_out[s, t] and pool > 0:
                keep = min(pool, int(plan.moved_out[s, t]))
                plan.moved_out[s, t] -= keep
                plan.closed[s, t] += keep
                pool -= keep
        plan.units[:, t] = units
        plan.open[:, t] = is_open & (units > 0)
        for s, site in enumerate(inst.sites):
            was = site.existing if t == 0 else bool(plan.open[s, t - 1])
            plan.start[s, t] = bool(plan.open[s, t]) and (not was or (site.existing and t == 0))
        # 4. assign units to groups in each municipality, the largest shortfall first
        for mu in range(M):
            left = {g: int(inst.tasks[t, mu, g]) for g in range(G)}
            for s, site in enumerate(inst.sites):
                if site.municipality != mu or units[s] == 0:
                    continue
                free = int(units[s])
                for g in sorted(range(G), key=lambda g: -left[g]):
                    if not site.groups[g] or free == 0 or left[g] <= 0:
                        continue
                    take = min(free, math.ceil(left[g] / inst.places_per_unit[g]))
                    plan.assigned[s, t, g] = take
                    free -= take
                    left[g] -= take * inst.places_per_unit[g]
            for g in range(G):
                plan.unmet[t, mu, g] = max(0, left[g])
    return plan

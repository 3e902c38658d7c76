"""An independent exact planning solver, written from the documented rules (README, issue 15,
the instance's timing convention), not from :mod:`opvang_opt.planning.model`.

A CP-SAT model (``ortools.sat.python.cp_model`` directly, not MathOpt) with a different
formulation from the project's MIP:

* a site's units are ``block * k`` with ``k`` whole; ``used[s, t]`` is the bool
  ``units > 0`` (both ways), and a candidate's opening is its first period with units;
* the permit as pairs: a candidate holds units in ``t1`` and ``t2`` only if they lie less
  than ``permit_periods`` apart (no open or start variables at all);
* availability as a fixed zero outside ``first_period .. last_period``;
* units leave only from what stood there (moves out plus closures at most the previous
  units); moves balance per period over the region;
* per period, municipality and group the places of the units given to the group count
  against its task; a hard group's task is met in full;
* yearly budgets on the undiscounted opening, building and moving costs.

Costs use the documented per-coefficient rounding (each cost discounted and rounded to whole
cents once), so the optimum is an exact integer to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from opvang_opt.planning.instance import Plan, PlanningInstance


@dataclass(frozen=True)
class Independent:
    """The independent solver's answer."""

    status: str  # "optimal" or "infeasible"
    objective: int | None
    units: np.ndarray | None = None
    shortfall: int | None = None


def _coefs(inst: PlanningInstance):
    T = inst.n_periods

    def disc(c: int, t: int) -> int:
        return round(c * inst.discount[t])

    run = [
        [round(s.running_cost_year * inst.days[t] / 365 * inst.discount[t]) for t in range(T)]
        for s in inst.sites
    ]
    unmet = [
        [round(inst.unmet_cost_day[g] * inst.days[t] * inst.discount[t]) for t in range(T)]
        for g in range(len(inst.groups))
    ]
    return disc, run, unmet


def solve_independent(
    inst: PlanningInstance,
    *,
    objective: str = "cost",
    task_relief: np.ndarray | None = None,
    time_limit_s: float = 30.0,
) -> Independent:
    """Solve an instance exactly with CP-SAT.

    Parameters
    ----------
    objective
        ``cost``: the least discounted total cost; ``shortfall``: the least total shortfall
        of the hard groups' tasks (every task soft).
    task_relief
        Places taken off the hard tasks (shape of ``inst.tasks``), to verify a diagnosis.
    """
    T, S = inst.n_periods, inst.n_sites
    G, M = len(inst.groups), len(inst.municipalities)
    disc, run, unmet_c = _coefs(inst)
    m = cp_model.CpModel()
    units, used = {}, {}
    built, mi, mo, cl = {}, {}, {}, {}
    cost = []
    invest: dict[int, list] = {}
    for s, st in enumerate(inst.sites):
        cap = st.max_units // st.block * st.block
        prev = st.initial_units
        for t in range(T):
            ok = st.first_period <= t <= st.last_period
            k = m.new_int_var(0, cap // st.block if ok else 0, f"k{s}_{t}")
            n = m.new_int_var(0, cap if ok else 0, f"n{s}_{t}")
            m.add(n == st.block * k)
            u = m.new_bool_var(f"u{s}_{t}")
            m.add(n >= 1).only_enforce_if(u)
            m.add(n == 0).only_enforce_if(~u)
            big = max(cap, st.initial_units) + 1
            b = m.new_int_var(0, big, f"b{s}_{t}")
            i = m.new_int_var(0, big, f"i{s}_{t}")
            o = m.new_int_var(0, big, f"o{s}_{t}")
            c = m.new_int_var(0, big, f"c{s}_{t}")
            m.add(n == prev + b + i - o - c)
            m.add(o + c <= prev)
            units[s, t], used[s, t] = n, u
            built[s, t], mi[s, t], mo[s, t], cl[s, t] = b, i, o, c
            cost += [disc(st.build_cost, t) * b, disc(st.move_cost, t) * i]
            cost += [disc(st.close_cost, t) * c, run[s][t] * n]
            yr = inst.years[t]
            invest.setdefault(yr, []).extend([st.build_cost * b, st.move_cost * i])
            prev = n
        if not st.existing:
            P = st.permit_periods
            for t1 in range(T):
                for t2 in range(t1 + P, T):
                    m.add_bool_or([~used[s, t1], ~used[s, t2]])
            for t in range(T):
                first = m.new_bool_var(f"f{s}_{t}")
                # first[t] = used[t] and no use before
                m.add_implication(first, used[s, t])
                for u in range(t):
                    m.add_implication(first, ~used[s, u])
                m.add_bool_or([first, ~used[s, t], *[used[s, u] for u in range(t)]])
                cost.append(disc(st.opening_cost, t) * first)
                invest.setdefault(inst.years[t], []).append(st.opening_cost * first)
    for t in range(T):
        m.add(sum(mi[s, t] for s in range(S)) == sum(mo[s, t] for s in range(S)))
    for yr, budget in inst.budgets.items():
        if yr in invest:
            m.add(sum(invest[yr]) <= budget)
    short_terms = []
    for t in range(T):
        a_by = {}
        for s, st in enumerate(inst.sites):
            row = []
            for g in range(G):
                if st.groups[g]:
                    a = m.new_int_var(0, st.max_units, f"a{s}_{t}_{g}")
                    a_by[s, g] = a
                    row.append(a)
            if row:
                m.add(sum(row) <= units[s, t])
        for mu in range(M):
            for g in range(G):
                task = int(inst.tasks[t, mu, g])
                if task_relief is not None:
                    task -= int(task_relief[t, mu, g])
                cover = sum(
                    inst.places_per_unit[g] * a_by[s, g]
                    for s, st in enumerate(inst.sites)
                    if st.municipality == mu and (s, g) in a_by
                )
                sh = m.new_int_var(0, max(task, 0), f"sh{t}_{mu}_{g}")
                m.add(sh + cover >= task)
                if inst.hard[g] and objective == "cost":
                    m.add(sh == 0)
                cost.append(unmet_c[g][t] * sh)
                if inst.hard[g]:
                    short_terms.append(sh)
    m.minimize(sum(cost) if objective == "cost" else sum(short_terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    res = solver.solve(m)
    if res == cp_model.INFEASIBLE:
        return Independent("infeasible", None)
    if res != cp_model.OPTIMAL:
        raise RuntimeError(f"independent solver did not finish: {solver.status_name(res)}")
    obj = round(solver.objective_value)
    arr = np.array([[solver.value(units[s, t]) for t in range(T)] for s in range(S)])
    return Independent(
        "optimal", obj if objective == "cost" else None, arr, obj if objective != "cost" else None
    )


def broken_rules(inst: PlanningInstance, plan: Plan) -> list[str]:
    """The rules a plan breaks, by the documented rules alone (units, moves, assignments,
    unmet places and budgets; the plan's open and start flags are not read: a candidate
    opens in its first period with units, and its permit runs from there)."""
    T, G, M = inst.n_periods, len(inst.groups), len(inst.municipalities)
    out = []
    for name in ("units", "built", "moved_in", "moved_out", "closed", "assigned", "unmet"):
        if (getattr(plan, name) < 0).any():
            out.append(f"negative {name}")
    invest: dict[int, int] = {}
    for s, st in enumerate(inst.sites):
        prev = st.initial_units
        used = [t for t in range(T) if plan.units[s, t] > 0]
        for t in range(T):
            n = int(plan.units[s, t])
            if n % st.block or n > st.max_units:
                out.append(f"blocks or room {s} {t}")
            if n and not (st.first_period <= t <= st.last_period):
                out.append(f"window {s} {t}")
            flow = int(plan.built[s, t] + plan.moved_in[s, t] - plan.moved_out[s, t])
            if n != prev + flow - int(plan.closed[s, t]):
                out.append(f"balance {s} {t}")
            if plan.moved_out[s, t] + plan.closed[s, t] > prev:
                out.append(f"leaving {s} {t}")
            if (plan.built[s, t] or plan.moved_in[s, t]) and not n:
                out.append(f"inflow to an empty site {s} {t}")
            if plan.assigned[s, t].sum() > n:
                out.append(f"assigned {s} {t}")
            for g in range(G):
                if plan.assigned[s, t, g] and not st.groups[g]:
                    out.append(f"group {s} {t} {g}")
            yr = inst.years[t]
            invest[yr] = invest.get(yr, 0) + int(
                plan.built[s, t] * st.build_cost + plan.moved_in[s, t] * st.move_cost
            )
            prev = n
        if used and not st.existing:
            if used[-1] - used[0] + 1 > st.permit_periods:
                out.append(f"permit {s}")
            yr = inst.years[used[0]]
            invest[yr] = invest.get(yr, 0) + st.opening_cost
    for t in range(T):
        if plan.moved_in[:, t].sum() != plan.moved_out[:, t].sum():
            out.append(f"moves {t}")
        for mu in range(M):
            for g in range(G):
                cover = inst.places_per_unit[g] * sum(
                    int(plan.assigned[s, t, g])
                    for s, st in enumerate(inst.sites)
                    if st.municipality == mu
                )
                task = int(inst.tasks[t, mu, g])
                u = int(plan.unmet[t, mu, g])
                if u < task - cover or u > task:
                    out.append(f"unmet {t} {mu} {g}")
                if inst.hard[g] and u:
                    out.append(f"hard {t} {mu} {g}")
    for yr, budget in inst.budgets.items():
        if invest.get(yr, 0) > budget:
            out.append(f"budget {yr}")
    return out

"""Large instances: a plan per municipality, bounded by the LP relaxation of the whole.

For province-sized instances (hundreds of sites, tens of municipalities) the full MIP does
not find good plans in minutes. Municipalities share nothing but moves of units between
them (and budgets), so a plan per municipality, with moves kept inside it, is a feasible
plan of the whole. Its cost is compared with the LP relaxation of the whole (tight
formulation): a valid lower bound, so the reported gap is proven.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any, Literal

import numpy as np
from ortools.math_opt.python import mathopt

from opvang_opt.planning.greedy import greedy_plan
from opvang_opt.planning.instance import Plan, PlanningInstance, plan_costs
from opvang_opt.planning.model import Backend, _extract, build_model, solve_model


def lp_bound(inst: PlanningInstance) -> float:
    """The LP relaxation of the tight formulation: a lower bound on any plan's cost (cents)."""
    model, _ = build_model(inst, "tight", implied_continuous=True)
    for x in model.variables():
        x.integer = False
    result = mathopt.solve(model, mathopt.SolverType.HIGHS)
    if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return float("-inf")
    return float(result.objective_value())


def sub_instance(inst: PlanningInstance, mu: int) -> tuple[PlanningInstance, list[int]]:
    """The instance of one municipality (its sites and tasks) and its sites' indices."""
    idx = [s for s, site in enumerate(inst.sites) if site.municipality == mu]
    sub = dataclasses.replace(
        inst,
        sites=tuple(dataclasses.replace(inst.sites[s], municipality=0) for s in idx),
        tasks=inst.tasks[:, mu : mu + 1, :].copy(),
        municipalities=(inst.municipalities[mu],),
        municipality_names=(inst.municipality_names[mu],),
    )
    return sub, idx


def plan_by_municipality(
    inst: PlanningInstance,
    *,
    time_limit_s: float,
    backend: Backend = "highs",
    relative_gap: float = 1e-4,
) -> tuple[Plan, float]:
    """A plan per municipality (moves inside it), and the LP bound of the whole.

    Parameters
    ----------
    inst
        The instance (without yearly budgets: they couple the municipalities).
    time_limit_s
        Wall-clock budget for the LP bound and every municipality's solve together.
    backend, relative_gap
        Settings of each municipality's solve (which starts from its greedy plan).

    Returns
    -------
    (Plan, bound)
        A plan that keeps every rule of the whole instance, and the LP bound in cents.
    """
    t0 = time.perf_counter()
    bound = lp_bound(inst)
    plan = Plan.empty(inst)
    M = len(inst.municipalities)
    for mu in range(M):
        sub, idx = sub_instance(inst, mu)
        left = time_limit_s - (time.perf_counter() - t0)
        share = max(0.5, left / (M - mu))
        start = greedy_plan(sub)
        out = solve_model(
            sub, backend=backend, time_limit_s=share, relative_gap=relative_gap, hint=start
        )
        best = start
        if out.plan is not None and plan_costs(sub, out.plan).total <= plan_costs(sub, start).total:
            best = out.plan
        for name in ("open", "start", "units", "built", "moved_in", "moved_out", "closed"):
            getattr(plan, name)[idx] = getattr(best, name)
        plan.assigned[idx] = best.assigned
        plan.unmet[:, mu, :] = best.unmet[:, 0, :]
    return plan, bound


def _fix_openings(inst: PlanningInstance, v: Any, vals: dict, theta: float) -> None:
    """Open each site over the periods the LP opens it at least ``theta`` (one run)."""
    for s, site in enumerate(inst.sites):
        ts = [t for t in range(inst.n_periods) if (s, t) in v.open and vals[v.open[s, t]] >= theta]
        on: set[int] = set()
        if ts:
            first, last = (0 if site.existing else ts[0]), ts[-1]
            if not site.existing:
                last = min(last, first + site.permit_periods - 1)
            on = set(range(first, last + 1))
        for t in range(inst.n_periods):
            if (s, t) in v.open:
                value = 1.0 if t in on else 0.0
                v.open[s, t].lower_bound = v.open[s, t].upper_bound = value
            if (s, t) in v.start and not site.existing:
                value = 1.0 if on and t == min(on) else 0.0
                v.start[s, t].lower_bound = v.start[s, t].upper_bound = value


def lp_rounding_plan(
    inst: PlanningInstance,
    *,
    time_limit_s: float,
    theta: float = 0.5,
    mode: Literal["round", "rins"] = "round",
) -> tuple[Plan | None, float]:
    """A plan rounded from the LP relaxation, and the LP bound of the whole (cents).

    1. Solve the LP relaxation of the tight formulation (its value is the bound).
    2. Open each site over the periods where the LP opens it at least ``theta`` (one
       contiguous run within the permit), closed elsewhere.
    3. Solve the LP again with those openings, round the blocks per site and period up.
    4. Solve what is left (group assignments, builds, moves, unmet) as a MIP with openings
       and blocks fixed: small and quick.

    Returns ``(None, bound)`` when a step finds no solution.
    """
    t0 = time.perf_counter()
    model, v = build_model(inst, "tight", implied_continuous=True)
    ints = [x for x in model.variables() if x.integer]
    for x in ints:
        x.integer = False
    res = mathopt.solve(model, mathopt.SolverType.HIGHS)
    if res.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return None, float("-inf")
    bound = float(res.objective_value())
    vals = res.variable_values()
    if mode == "round":
        _fix_openings(inst, v, vals, theta)
        res = mathopt.solve(model, mathopt.SolverType.HIGHS)
        if res.termination.reason != mathopt.TerminationReason.OPTIMAL:
            return None, bound
        vals = res.variable_values()
    for key, k in v.blocks.items():
        o = v.open[key]
        if mode == "rins" and o.lower_bound < o.upper_bound and 1e-6 < vals[o] < 1 - 1e-6:
            k.lower_bound = 0.0  # the site may stay closed here
        else:
            # blocks the LP sets whole stay; the others may round down or up
            k.lower_bound = float(np.floor(vals[k] + 1e-6))
        k.upper_bound = float(min(k.upper_bound, np.ceil(vals[k] - 1e-6)))
    if mode == "rins":
        # openings the LP decides (0 or 1) are fixed; the fractional ones stay free
        for x in [*v.open.values(), *v.start.values()]:
            if vals[x] <= 1e-6:
                x.upper_bound = 0.0
            elif vals[x] >= 1 - 1e-6:
                x.lower_bound = 1.0
    for x in ints:
        x.integer = True
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    res = mathopt.solve(
        model,
        mathopt.SolverType.HIGHS,
        params=mathopt.SolveParameters(
            time_limit=dt.timedelta(seconds=left), relative_gap_tolerance=1e-4
        ),
    )
    if not res.has_primal_feasible_solution():
        return None, bound
    return _extract(inst, v, res.variable_values()), bound


def improve_by_municipality(
    inst: PlanningInstance,
    plan: Plan,
    *,
    time_limit_s: float,
    backend: Backend = "highs",
) -> Plan:
    """Re-plan each municipality alone, starting from its part of ``plan``; keep what is
    cheaper.

    Only a municipality whose part of the plan moves units within itself (moves in and out
    balance per period inside it) is re-planned, so the other parts stay valid.
    """
    t0 = time.perf_counter()
    out = dataclasses.replace(plan)
    M = len(inst.municipalities)
    for mu in range(M):
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0.5:
            break
        sub, idx = sub_instance(inst, mu)
        if not idx:
            continue
        part = Plan(
            open=out.open[idx],
            start=out.start[idx],
            units=out.units[idx],
            built=out.built[idx],
            moved_in=out.moved_in[idx],
            moved_out=out.moved_out[idx],
            closed=out.closed[idx],
            assigned=out.assigned[idx],
            unmet=out.unmet[:, mu : mu + 1, :],
        )
        if (part.moved_in.sum(axis=0) != part.moved_out.sum(axis=0)).any():
            continue
        res = solve_model(
            sub,
            backend=backend,
            time_limit_s=max(0.5, left / (M - mu)),
            relative_gap=1e-4,
            hint=part,
        )
        if res.plan is None or plan_costs(sub, res.plan).total >= plan_costs(sub, part).total:
            continue
        for name in ("open", "start", "units", "built", "moved_in", "moved_out", "closed"):
            getattr(out, name)[idx] = getattr(res.plan, name)
        out.assigned[idx] = res.plan.assigned
        out.unmet[:, mu, :] = res.plan.unmet[:, 0, :]
    return out

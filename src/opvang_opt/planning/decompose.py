"""Large instances: plans built municipality by municipality, with proven bounds.

For province-sized instances (hundreds of sites, tens of municipalities) the full MIP may not
reach its target gap in time. Municipalities share nothing but moves of units between them
(and budgets), which gives:

* bounds: the LP relaxation of the whole (tight formulation), and above it the Lagrangian
  relaxation of the move balance (:func:`lagrangian_bound`: the LP's duals as the price of
  a moved unit, then one exact MIP per municipality); both are valid lower bounds, so the
  reported gap is proven;
* plans: LP rounding (:func:`lp_rounding_plan`), a plan per municipality with moves kept
  inside it (:func:`plan_by_municipality`), and fix-and-optimise over a few municipalities
  at a time with the rest of the plan fixed (:func:`fix_and_optimise`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
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
    return part_instance(inst, [mu])


def part_instance(
    inst: PlanningInstance, munis: Sequence[int]
) -> tuple[PlanningInstance, list[int]]:
    """The instance of some municipalities (their sites and tasks, in the order given) and
    their sites' indices in ``inst``."""
    local = {mu: i for i, mu in enumerate(munis)}
    idx = [s for s, site in enumerate(inst.sites) if site.municipality in local]
    sub = dataclasses.replace(
        inst,
        sites=tuple(
            dataclasses.replace(inst.sites[s], municipality=local[inst.sites[s].municipality])
            for s in idx
        ),
        tasks=inst.tasks[:, list(munis), :].copy(),
        municipalities=tuple(inst.municipalities[mu] for mu in munis),
        municipality_names=tuple(inst.municipality_names[mu] for mu in munis),
    )
    return sub, idx


def _part(plan: Plan, idx: list[int], munis: Sequence[int]) -> Plan:
    """The part of a plan on sites ``idx`` and municipalities ``munis`` (copies)."""
    return Plan(
        open=plan.open[idx].copy(),
        start=plan.start[idx].copy(),
        units=plan.units[idx].copy(),
        built=plan.built[idx].copy(),
        moved_in=plan.moved_in[idx].copy(),
        moved_out=plan.moved_out[idx].copy(),
        closed=plan.closed[idx].copy(),
        assigned=plan.assigned[idx].copy(),
        unmet=plan.unmet[:, list(munis), :].copy(),
    )


def _splice(plan: Plan, part: Plan, idx: list[int], munis: Sequence[int]) -> None:
    """Write a part back into the plan of the whole (in place)."""
    for name in ("open", "start", "units", "built", "moved_in", "moved_out", "closed"):
        getattr(plan, name)[idx] = getattr(part, name)
    plan.assigned[idx] = part.assigned
    plan.unmet[:, list(munis), :] = part.unmet


def fix_and_optimise(
    inst: PlanningInstance,
    plan: Plan,
    *,
    time_limit_s: float,
    group_size: int = 4,
    backend: Backend = "highs",
    seed: int = 20261122,
    stop_at: float | None = None,
) -> tuple[Plan, int]:
    """Improve a plan by re-solving a few municipalities at a time, the rest fixed.

    Each step takes ``group_size`` municipalities, keeps every other site as the plan has
    it, and solves the exact model of the part (its sites and tasks) with the part's net
    moves per period held at the plan's value: units the plan moves between the part and
    the rest still leave and arrive, but where inside the part they go, and everything
    else the part decides, is free. The plan (as the solver's start) is a solution of
    every step, so a step never makes the plan worse; a step's plan is kept when it is
    cheaper. Rounds go over every municipality, grouped differently each round (a seeded
    shuffle), until the time is up or a round improves nothing.

    Stops as soon as the plan costs at most ``stop_at`` (cents), when given. Yearly budgets
    couple every municipality; with budgets the plan is returned as is.

    Returns
    -------
    (Plan, steps)
        The improved plan (a new one) and the number of sub-models solved.
    """
    t0 = time.perf_counter()
    out = dataclasses.replace(
        plan, **{f.name: getattr(plan, f.name).copy() for f in dataclasses.fields(plan)}
    )
    M = len(inst.municipalities)
    if inst.budgets or group_size >= M:
        return out, 0
    if stop_at is not None and plan_costs(inst, out).total <= stop_at:
        return out, 0
    rng = np.random.default_rng(seed)
    order = list(range(M))
    steps = 0
    first = True
    while True:
        if not first:
            rng.shuffle(order)
        groups = [order[i : i + group_size] for i in range(0, M, group_size)]
        improved = False
        for k, munis in enumerate(groups):
            left = time_limit_s - (time.perf_counter() - t0)
            if left <= 1.0:
                return out, steps
            sub, idx = part_instance(inst, munis)
            if not idx:
                continue
            part = _part(out, idx, munis)
            net = (part.moved_in.sum(axis=0) - part.moved_out.sum(axis=0)).tolist()
            res = solve_model(
                sub,
                backend=backend,
                time_limit_s=max(1.0, left / (len(groups) - k)),
                relative_gap=1e-5,
                hint=part,
                move_net=net,
            )
            steps += 1
            if res.plan is None:
                continue
            new = tidy_unmet(sub, res.plan)
            if plan_costs(sub, new).total < plan_costs(sub, part).total:
                _splice(out, new, idx, munis)
                improved = True
                if stop_at is not None and plan_costs(inst, out).total <= stop_at:
                    return out, steps
        first = False
        if not improved:
            return out, steps


def tidy_unmet(inst: PlanningInstance, p: Plan) -> Plan:
    """Unmet places equal to the shortfall (a stopped solve may leave slack there)."""
    for t in range(inst.n_periods):
        for mu in range(len(inst.municipalities)):
            for g in range(len(inst.groups)):
                cover = inst.places_per_unit[g] * sum(
                    int(p.assigned[s, t, g])
                    for s, site in enumerate(inst.sites)
                    if site.municipality == mu
                )
                p.unmet[t, mu, g] = max(0, int(inst.tasks[t, mu, g]) - cover)
    return p


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
        # the greedy plan may leave a hard task short (it is checked without them)
        greedy_short = any(
            start.unmet[:, :, g].any() for g in range(len(sub.groups)) if sub.hard[g]
        )
        if out.plan is not None and (
            greedy_short or plan_costs(sub, out.plan).total <= plan_costs(sub, start).total
        ):
            best = out.plan
        for name in ("open", "start", "units", "built", "moved_in", "moved_out", "closed"):
            getattr(plan, name)[idx] = getattr(best, name)
        plan.assigned[idx] = best.assigned
        plan.unmet[:, mu, :] = best.unmet[:, 0, :]
    return plan, bound


def _fix_openings(inst: PlanningInstance, v: Any, vals: dict, theta: float) -> None:
    """Start each candidate in the first period the LP opens it at least ``theta``; it may
    then stay open over its whole permit (being open costs nothing by itself, and the
    strengthened model ties openings to the permit window of the start). Existing sites
    are left to the solver (they are open until their permit end at no cost)."""
    for s, site in enumerate(inst.sites):
        if site.existing:
            continue
        ts = [t for t in range(inst.n_periods) if (s, t) in v.open and vals[v.open[s, t]] >= theta]
        on: set[int] = set()
        if ts:
            on = set(range(ts[0], ts[0] + site.permit_periods))
        for t in range(inst.n_periods):
            if (s, t) in v.open:
                value = 1.0 if t in on else 0.0
                v.open[s, t].lower_bound = v.open[s, t].upper_bound = value
            if (s, t) in v.start:
                value = 1.0 if ts and t == ts[0] else 0.0
                v.start[s, t].lower_bound = v.start[s, t].upper_bound = value


def lp_rounding_plan(
    inst: PlanningInstance,
    *,
    time_limit_s: float,
    theta: float = 0.5,
    mode: Literal["round", "rins"] = "round",
    prices: list[float] | None = None,
) -> tuple[Plan | None, float]:
    """A plan rounded from the LP relaxation, and the LP bound of the whole (cents).

    ``prices``, when given, is filled with the LP's price of a moved unit per period (see
    :func:`lp_move_prices`; for :func:`lagrangian_bound`).

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
    if prices is not None:
        prices[:] = _move_prices(model, res, inst.n_periods)
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


def lp_move_prices(inst: PlanningInstance) -> tuple[float, list[float]]:
    """The LP relaxation of the whole (tight formulation) and the price of a moved unit per
    period: the dual values of the move balance rows, signed so that the Lagrangian
    relaxation with these prices has the LP value as its own LP relaxation."""
    model, _ = build_model(inst, "tight", implied_continuous=True)
    for x in model.variables():
        x.integer = False
    res = mathopt.solve(model, mathopt.SolverType.HIGHS)
    if res.termination.reason != mathopt.TerminationReason.OPTIMAL:
        return float("-inf"), [0.0] * inst.n_periods
    return float(res.objective_value()), _move_prices(model, res, inst.n_periods)


def _move_prices(model: mathopt.Model, res: mathopt.SolveResult, T: int) -> list[float]:
    duals = res.dual_values()
    prices = [0.0] * T
    for row in model.linear_constraints():
        if row.name.startswith("moves_"):
            # MathOpt's Lagrangian is c'x - y'(Ax - b): the row's term is -y (in - out)
            prices[int(row.name[6:])] = -float(duals[row])
    return prices


def lagrangian_bound(
    inst: PlanningInstance,
    prices: Sequence[float],
    *,
    time_limit_s: float,
    backend: Backend = "highs",
) -> tuple[float, int]:
    """A lower bound on every plan's cost: the Lagrangian relaxation of the move balance.

    With the balance rows priced out (a unit moved in during ``t`` costs ``prices[t]``
    more, one moved out earns it) the model falls apart into one MIP per municipality.
    For any prices, the sum of their optima is a lower bound on the whole (a plan of the
    whole balances its moves, so its priced cost equals its cost); the sum of the MIPs'
    proven dual bounds is therefore one too. With the LP's prices it is at least the LP
    value up to the solvers' tolerance, and it adds each municipality's integrality (whole
    blocks, whole sites) that the LP misses.

    A municipality reached after the time limit contributes its LP relaxation (quick,
    weaker, still a bound); one stopped by the limit contributes its MIP's dual bound.

    Returns
    -------
    (bound, proven)
        The bound in cents (``-inf`` when a solve gives no bound) and how many
        municipalities were solved to optimality.
    """
    if inst.budgets:
        return float("-inf"), 0  # budgets couple the municipalities as well
    t0 = time.perf_counter()
    M = len(inst.municipalities)
    total, proven = 0.0, 0
    for mu in range(M):
        sub, idx = part_instance(inst, [mu])
        if not idx:
            total += sum(
                inst.unmet_coef(g, t) * int(inst.tasks[t, mu, g])
                for t in range(inst.n_periods)
                for g in range(len(inst.groups))
            )
            proven += 1
            continue
        left = time_limit_s - (time.perf_counter() - t0)
        model, _v = build_model(sub, "tight", implied_continuous=True, move_price=prices)
        if left <= 0.2:
            # out of time: this municipality's LP relaxation (a weaker bound, still valid)
            for x in model.variables():
                x.integer = False
        res = mathopt.solve(
            model,
            mathopt.SolverType.HIGHS if backend == "cpsat" else _SOLVER[backend],
            params=mathopt.SolveParameters(
                time_limit=dt.timedelta(seconds=max(0.2, left / (M - mu))),
                relative_gap_tolerance=1e-6,
            ),
        )
        bound = res.termination.objective_bounds.dual_bound
        if not np.isfinite(bound):
            return float("-inf"), proven
        if res.termination.reason == mathopt.TerminationReason.OPTIMAL:
            proven += 1
        total += float(bound)
    return total, proven


_SOLVER = {"highs": mathopt.SolverType.HIGHS, "scip": mathopt.SolverType.GSCIP}

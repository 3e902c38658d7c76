"""An independent checker of a plan: every rule re-verified with plain loops, no solver.

It reads only the instance and the plan, recomputes the cost with
:func:`~opvang_opt.planning.instance.plan_costs`, and returns a
:class:`~opvang_opt.status.CheckReport`. A violation means a bug in whoever made the plan
(the model or the greedy baseline), never bad input.
"""

from __future__ import annotations

from opvang_opt.planning.instance import (
    Plan,
    PlanningInstance,
    investment_per_year,
    plan_costs,
)
from opvang_opt.status import CheckReport, Violation


def check_plan(
    inst: PlanningInstance,
    plan: Plan,
    *,
    claimed_objective: int | None = None,
    hard_tasks: bool = True,
    checker: str = "planning",
) -> CheckReport:
    """Re-verify every rule of a plan.

    Parameters
    ----------
    inst
        The instance the plan is for.
    plan
        The decisions.
    claimed_objective
        The cost the optimiser reported, in cents; a difference of a cent or more is a
        violation.
    hard_tasks
        Check that hard groups' tasks are met (the greedy baseline is checked without).
    checker
        Name in the report.

    Returns
    -------
    CheckReport
        With the recomputed objective (cents) and the cost per kind in ``details``.
    """
    T, G = inst.n_periods, len(inst.groups)
    M = len(inst.municipalities)
    out: list[Violation] = []

    def bad(
        rule: str, msg: str, where: str, value: float | None = None, limit: float | None = None
    ) -> None:
        out.append(Violation(rule, msg, where, value, limit))

    arrays = {
        "units": plan.units,
        "built": plan.built,
        "moved_in": plan.moved_in,
        "moved_out": plan.moved_out,
        "closed": plan.closed,
        "assigned": plan.assigned,
        "unmet": plan.unmet,
    }
    for name, arr in arrays.items():
        if (arr < 0).any():
            bad("sign", f"{name} has negative entries", name)
    if plan.units.shape != (inst.n_sites, T) or plan.unmet.shape != (T, M, G):
        bad("shape", "plan arrays do not match the instance", "plan")
        return CheckReport(checker, tuple(out))

    for s, site in enumerate(inst.sites):
        sid = site.site_id
        prev = site.initial_units
        starts = 0
        for t in range(T):
            where = f"{sid} {inst.periods[t]}"
            n = int(plan.units[s, t])
            if n % site.block:
                bad(
                    "block",
                    f"{n} units is not a multiple of the block of {site.block}",
                    where,
                    n,
                    site.block,
                )
            if n > site.max_units:
                bad(
                    "capacity",
                    f"{n} units on a site with room for {site.max_units}",
                    where,
                    n,
                    site.max_units,
                )
            expect = (
                prev
                + int(plan.built[s, t])
                + int(plan.moved_in[s, t])
                - int(plan.moved_out[s, t])
                - int(plan.closed[s, t])
            )
            if n != expect:
                bad(
                    "balance",
                    f"units {n} differ from previous units plus built and moved "
                    f"in minus moved out and closed ({expect})",
                    where,
                    n,
                    expect,
                )
            is_open = bool(plan.open[s, t])
            if n > 0 and not is_open:
                bad("open", f"{n} units on a site that is not open", where, n, 0)
            if is_open and not site.may_open(t):
                bad(
                    "availability",
                    f"open outside its window (periods "
                    f"{inst.periods[site.first_period] if site.first_period < T else '-'} to "
                    f"{inst.periods[min(site.last_period, T - 1)]}: available from, lead "
                    "time, permit end)",
                    where,
                )
            if (plan.built[s, t] or plan.moved_in[s, t]) and not is_open:
                bad("open", "units built or moved in while the site is not open", where)
            was_open = site.existing if t == 0 else bool(plan.open[s, t - 1])
            if is_open and not was_open:
                if site.existing:
                    bad("reopen", "an existing site reopens after it closed", where)
                starts += 1
                if not plan.start[s, t]:
                    bad("start", "the site opens without a recorded start", where)
            elif plan.start[s, t] and not (site.existing and t == 0):
                bad("start", "a start is recorded where the site does not open", where)
            leaving = int(plan.moved_out[s, t]) + int(plan.closed[s, t])
            if leaving > 0 and prev == 0:
                bad("balance", "units moved out or closed from an empty site", where)
            elif leaving > prev:
                # only units that stood there can leave (no build here, move there)
                bad(
                    "balance",
                    f"{leaving} units moved out or closed, {prev} stood there",
                    where,
                    leaving,
                    prev,
                )
            a = plan.assigned[s, t]
            if int(a.sum()) > n:
                bad(
                    "assigned",
                    f"{int(a.sum())} units assigned to groups, {n} stand there",
                    where,
                    int(a.sum()),
                    n,
                )
            for g in range(G):
                if a[g] and not site.groups[g]:
                    bad(
                        "group",
                        f"units assigned to {inst.groups[g]}, which the site may not house",
                        where,
                    )
            prev = n
        if starts > 1:
            bad("start", f"the site opens {starts} times; a site opens at most once", sid)
        if not site.existing:
            run = int(plan.open[s].sum())
            if run > site.permit_periods:
                bad(
                    "permit",
                    f"open {run} periods, the permit allows {site.permit_periods}",
                    sid,
                    run,
                    site.permit_periods,
                )

    for t in range(T):
        ins, outs = int(plan.moved_in[:, t].sum()), int(plan.moved_out[:, t].sum())
        if ins != outs:
            bad("moves", f"{outs} units moved out but {ins} moved in", inst.periods[t], ins, outs)

    for t in range(T):
        for mu in range(M):
            for g in range(G):
                where = f"{inst.periods[t]} {inst.municipalities[mu]} {inst.groups[g]}"
                task = int(inst.tasks[t, mu, g])
                cover = inst.places_per_unit[g] * sum(
                    int(plan.assigned[s, t, g])
                    for s, site in enumerate(inst.sites)
                    if site.municipality == mu
                )
                short = max(0, task - cover)
                u = int(plan.unmet[t, mu, g])
                if u < short:
                    bad(
                        "task",
                        f"unmet {u} places, but the task of {task} has {cover} placed",
                        where,
                        u,
                        short,
                    )
                if u > task:
                    bad("task", f"unmet {u} above the task {task}", where, u, task)
                if hard_tasks and inst.hard[g] and u > 0:
                    bad("hard_task", f"{u} places short of a task that must be met", where, u, 0)

    spend = investment_per_year(inst, plan)
    for year, budget in inst.budgets.items():
        if spend.get(year, 0) > budget:
            bad(
                "budget",
                f"investment {spend[year] / 100:,.2f} EUR above the budget {budget / 100:,.2f} EUR",
                str(year),
                spend[year],
                budget,
            )

    costs = plan_costs(inst, plan)
    if claimed_objective is not None and abs(claimed_objective - costs.total) >= 1:
        bad(
            "objective",
            f"reported cost {claimed_objective} cents, recomputed {costs.total} cents",
            "plan",
            claimed_objective,
            costs.total,
        )
    details = {
        "opening": costs.opening,
        "building": costs.building,
        "moving": costs.moving,
        "closing": costs.closing,
        "running": costs.running,
        "unmet": costs.unmet,
    }
    return CheckReport(
        checker,
        tuple(out),
        objective=float(costs.total),
        details={k: float(v) for k, v in details.items()},
    )

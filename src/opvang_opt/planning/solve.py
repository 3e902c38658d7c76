"""The planning stage function: ``plan(instance) -> PlanningResult`` (pure)."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from opvang_opt.errors import Diagnosis, Shortfall
from opvang_opt.planning.check import check_plan
from opvang_opt.planning.decompose import (
    fix_and_optimise,
    improve_by_municipality,
    lagrangian_bound,
    lp_move_prices,
    lp_rounding_plan,
    plan_by_municipality,
    tidy_unmet,
)
from opvang_opt.planning.explain import Reason, explain
from opvang_opt.planning.greedy import greedy_plan
from opvang_opt.planning.instance import CostBreakdown, Plan, PlanningInstance, plan_costs
from opvang_opt.planning.model import (
    Backend,
    Formulation,
    SolveOutcome,
    proven_status,
    solve_model,
)
from opvang_opt.status import CheckReport, SolveStatus
from opvang_opt.texts import Message

Method = Literal["auto", "mip", "lp_round", "municipalities"]

MIP_SHARE = 0.9
"""With method ``auto`` on a large instance: the share of the time limit for the full MIP
(from the greedy plan); the rest, if its gap is not met, for the Lagrangian bound and
fix-and-optimise."""

LAGRANGIAN_SHARE = 0.6
"""With method ``auto`` on a large instance: the share of the time left after the full MIP
(and the LP) for the Lagrangian bound (one MIP per municipality); the rest goes to
fix-and-optimise."""

FIX_GROUP = 8
"""Municipalities re-planned together in one fix-and-optimise step (the benchmark's
province: 8 gave a cheaper plan than 4 in the same time)."""

POST_SOLVE_S = 4.0
"""Seconds of a large instance's time limit kept after its full MIP's solver should stop
when building the model took most of the limit: reading the plan out of the model and
sending it back from the child process take about 1 s, checking it and its reasons 1-3 s
(measured on the province benchmark's 400 sites, on a shared machine)."""

KILL_SHARE = 0.25
"""The province's full MIP is stopped (and its plan lost) only this share of the time
limit after the limit (at least the grace): HiGHS through MathOpt passes its limit there
(by 3 s on a 15 s limit, 6 s on 97 s, more under load), and a plan a few seconds late
beats the greedy one."""

LARGE_ABOVE_SITES = 150
"""With method ``auto``, instances with more sites than this are planned by LP rounding and
fix-and-optimise against a Lagrangian bound, not by the full MIP (its root does not finish
in minutes there; see the benchmark)."""


@dataclass(frozen=True)
class BaselineResult:
    """The greedy baseline's plan on the same instance."""

    plan: Plan
    costs: CostBreakdown
    unmet_person_days: int
    check: CheckReport


@dataclass(frozen=True)
class PlanningResult:
    """What the planning stage returns.

    Parameters
    ----------
    instance
        The instance that was planned.
    status
        optimal, feasible (with ``gap``), infeasible (see ``diagnosis``) or no_solution.
    plan
        The decisions (none when infeasible or without a solution).
    costs
        Discounted cost per kind, in integer cents, recomputed by the checker's rules.
    gap
        Proven relative gap between the plan's cost and the solver's bound (0 when optimal).
    bound
        The solver's lower bound on the cost, in cents.
    check
        The independent checker's report.
    reasons
        A reason per decision (catalogue codes with parameters; render with ``Reason.render``).
    diagnosis
        When infeasible: per period, municipality and group, the least shortfall.
    baseline
        The greedy baseline, when asked for.
    nodes, lp_iterations
        The full MIP's branch-and-bound nodes and LP iterations, when it ran (a measure of
        the work that does not depend on the machine's load).
    """

    instance: PlanningInstance
    status: SolveStatus
    plan: Plan | None
    costs: CostBreakdown | None
    gap: float | None
    bound: float | None
    check: CheckReport | None
    reasons: tuple[Reason, ...]
    diagnosis: Diagnosis | None
    baseline: BaselineResult | None
    seconds: float
    backend: str
    formulation: str
    nodes: int | None = None
    lp_iterations: int | None = None

    @property
    def unmet_person_days(self) -> int | None:
        """Person-days without a place over the horizon (none without a plan)."""
        return None if self.plan is None else unmet_person_days(self.instance, self.plan)


def unmet_person_days(inst: PlanningInstance, plan: Plan) -> int:
    """Sum over periods of unmet places times the days of the period."""
    return int(sum(int(plan.unmet[t].sum()) * inst.days[t] for t in range(inst.n_periods)))


def plan(
    inst: PlanningInstance,
    *,
    backend: Backend = "highs",
    formulation: Formulation = "tight",
    time_limit_s: float = 60.0,
    relative_gap: float = 1e-6,
    threads: int = 1,
    baseline: bool = True,
    method: Method = "auto",
) -> PlanningResult:
    """Plan capacity over time: the cheapest plan that keeps every hard rule.

    Parameters
    ----------
    inst
        The instance (see :mod:`opvang_opt.planning.build` to make one from a scenario).
    backend, formulation, time_limit_s, relative_gap, threads
        Solver settings (see :func:`opvang_opt.planning.model.solve_model`).
    baseline
        Also plan with the greedy baseline.
    method
        ``mip``: the full MIP, started from the greedy plan; ``lp_round``: a plan rounded
        from the LP relaxation, with the LP value as the proven bound; ``municipalities``: a
        MIP per municipality (moves kept inside it), LP bound of the whole (see
        :mod:`~opvang_opt.planning.decompose`); ``auto``: ``lp_round``, then up to
        ``LARGE_ABOVE_SITES`` sites the full MIP started from the better of that plan and
        the greedy one, for the rest of the time limit; above it (a province), the bound is
        raised from the LP's to a Lagrangian one (the move balance priced at the LP's
        duals, one exact MIP per municipality; see
        :func:`~opvang_opt.planning.decompose.lagrangian_bound`) and the rounded plan is
        improved by fix-and-optimise, a few municipalities at a time with the rest fixed
        (:func:`~opvang_opt.planning.decompose.fix_and_optimise`), until its proven gap
        is at most ``relative_gap`` or the time is up.

    Returns
    -------
    PlanningResult
        A plan is always re-verified by :func:`~opvang_opt.planning.check.check_plan`;
        a broken rule raises :class:`~opvang_opt.errors.InternalError`.

    Examples
    --------
    >>> from opvang_opt.planning.synthetic import synthetic_instance
    >>> result = plan(synthetic_instance(6, 4, 2, 2))
    >>> result.status.value
    'optimal'
    """
    t0 = time.perf_counter()
    start = greedy_plan(inst)
    base = None
    if baseline:
        bcheck = check_plan(inst, start, hard_tasks=False, checker="planning-baseline")
        bcheck.raise_if_violated()
        base = BaselineResult(
            start, plan_costs(inst, start), unmet_person_days(inst, start), bcheck
        )
    if method == "municipalities":
        p, bound = plan_by_municipality(
            inst, time_limit_s=time_limit_s, backend=backend, relative_gap=max(relative_gap, 1e-4)
        )
        if _meets_hard(inst, p):
            return _bounded(inst, p, bound, base, t0, backend, "per municipality")
        # a hard task no municipality meets on its own (it may need units moved in from
        # another, or be infeasible): the full MIP decides, and diagnoses if it must
        method = "mip"
    rounded, lp = (None, float("-inf"))
    large = inst.n_sites > LARGE_ABOVE_SITES
    if method == "auto" and large and backend != "cpsat":
        return _plan_large(
            inst, start, base, t0, backend, formulation, time_limit_s, relative_gap, threads
        )
    if method in ("auto", "lp_round"):
        rounded, lp = lp_rounding_plan(inst, time_limit_s=time_limit_s / 2)
        if rounded is not None:
            rounded = _tidy(inst, rounded)
    if rounded is not None and (method == "lp_round" or (method == "auto" and large)):
        if not any(inst.hard) and plan_costs(inst, start).total < plan_costs(inst, rounded).total:
            rounded = start
        left = time_limit_s - (time.perf_counter() - t0)
        if left > 1 and len(inst.municipalities) > 1 and not inst.budgets:
            rounded = improve_by_municipality(
                inst, _tidy(inst, _copy(rounded)), time_limit_s=left, backend=backend
            )
        return _bounded(inst, rounded, lp, base, t0, backend, "LP rounding")
    # no rounded plan in time on a large instance: the full MIP from the greedy plan for the
    # time left (the strengthened model improves on the greedy plan there; see the
    # benchmark), and the greedy plan bounded by the LP if it finds nothing better
    fallback = rounded is None and method == "auto" and large and not any(inst.hard)
    hint = start
    if rounded is not None and plan_costs(inst, rounded).total <= plan_costs(inst, start).total:
        hint = rounded
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    if large:
        left = max(1.0, 0.9 * left - 3.0)  # building the model is not in the solver's limit
    out = solve_model(
        inst,
        formulation=formulation,
        backend=backend,
        time_limit_s=left,
        relative_gap=relative_gap,
        threads=threads,
        hint=hint,
    )
    if out.bound is not None and lp > out.bound:
        out = dataclasses.replace(out, bound=lp)
    if out.status == SolveStatus.INFEASIBLE:
        diag = diagnose(inst, backend=backend, time_limit_s=time_limit_s)
        return PlanningResult(
            inst,
            out.status,
            None,
            None,
            None,
            None,
            None,
            (),
            diag,
            base,
            time.perf_counter() - t0,
            backend,
            formulation,
        )
    if out.plan is None and fallback and out.status != SolveStatus.INFEASIBLE:
        bound = max(lp, out.bound if out.bound is not None else float("-inf"))
        if bound > float("-inf"):
            return _bounded(inst, start, bound, base, t0, backend, "greedy, bound")
    if out.plan is None:
        return PlanningResult(
            inst,
            out.status,
            None,
            None,
            None,
            None,
            None,
            (),
            None,
            base,
            time.perf_counter() - t0,
            backend,
            formulation,
        )
    p = _tidy(inst, out.plan)
    worse = fallback and plan_costs(inst, p).total > plan_costs(inst, start).total
    bound = max(lp, out.bound if out.bound is not None else float("-inf"))
    if worse and bound > float("-inf"):
        return _bounded(inst, start, bound, base, t0, backend, "greedy, bound")
    claimed = out.objective if out.status == SolveStatus.OPTIMAL else None
    check = check_plan(inst, p, claimed_objective=claimed)
    check.raise_if_violated()
    costs = plan_costs(inst, p)
    gap = out.gap
    if out.bound is not None and costs.total > 0:
        gap = 0.0 if costs.total - out.bound < 1 else (costs.total - out.bound) / costs.total
    return PlanningResult(
        inst,
        out.status,
        p,
        costs,
        gap,
        out.bound,
        check,
        explain(inst, p),
        None,
        base,
        time.perf_counter() - t0,
        backend,
        formulation,
        out.nodes,
        out.lp_iterations,
    )


def _plan_large(
    inst: PlanningInstance,
    start: Plan,
    base: BaselineResult | None,
    t0: float,
    backend: Backend,
    formulation: Formulation,
    time_limit_s: float,
    relative_gap: float,
    threads: int,
) -> PlanningResult:
    """Method ``auto`` above ``LARGE_ABOVE_SITES`` sites (a province).

    1. The full MIP from the greedy plan for ``MIP_SHARE`` of the time: with the tight
       formulation its root bound and heuristics usually prove the gap on their own.
    2. If the gap is still above ``relative_gap``: the plan is improved by
       fix-and-optimise (``FIX_GROUP`` municipalities at a time, the rest fixed) until the
       gap is met or the time is up. Without a bound from the MIP (its root unfinished),
       the bound is first the LP's, raised to the Lagrangian relaxation of the move
       balance (the LP's duals as prices, one exact MIP per municipality).
    """
    # building the model (10-17 s on a province) is not in the solver's limit: the build
    # and the solve run in a child process stopped after the limit (KILL_SHARE; then
    # the greedy plan stands, without a bound), and the solver gets only what is left
    # after the build (at most its share, as before), less the time the check and the
    # reasons take
    from opvang_opt.allocation.deadline import GRACE_S, call_with_deadline

    end = t0 + time_limit_s
    mip_limit = max(1.0, 0.9 * MIP_SHARE * time_limit_s - (time.perf_counter() - t0))
    outcome = call_with_deadline(
        lambda: solve_model(
            inst,
            formulation=formulation,
            backend=backend,
            time_limit_s=mip_limit,
            relative_gap=relative_gap,
            threads=threads,
            hint=start,
            deadline=end - POST_SOLVE_S,
        ),
        end,
        grace=max(GRACE_S, KILL_SHARE * time_limit_s),
    )
    out = outcome if outcome is not None else _stopped(formulation, backend, mip_limit)
    if out.status == SolveStatus.INFEASIBLE:
        diag = diagnose(inst, backend=backend, time_limit_s=time_limit_s)
        return PlanningResult(
            inst, out.status, None, None, None, None, None, (), diag, base,
            time.perf_counter() - t0, backend, formulation,
        )  # fmt: skip
    best: Plan | None = None
    if out.plan is not None:
        found = _tidy(inst, out.plan)
        if check_plan(inst, found).is_ok:
            best = found
    if not any(inst.hard) and (
        best is None or plan_costs(inst, start).total < plan_costs(inst, best).total
    ):
        best = start
    if best is None:
        return PlanningResult(
            inst, out.status, None, None, None, None, None, (), None, base,
            time.perf_counter() - t0, backend, formulation,
        )  # fmt: skip
    bound = out.bound if out.bound is not None else float("-inf")
    how = "full MIP from the greedy plan, MIP bound"
    if outcome is None:
        how = "greedy plan (the full MIP stopped at the time limit), no bound"

    def gap_met(p: Plan) -> bool:
        cost = plan_costs(inst, p).total
        return cost <= 0 or (cost - bound) / cost <= relative_gap

    M = len(inst.municipalities)
    left = time_limit_s - (time.perf_counter() - t0)
    if not gap_met(best) and left > 2 and M > 1 and not inst.budgets:
        if not math.isfinite(bound):
            # no bound from the MIP: the LP's, raised to the Lagrangian one
            lp, prices = lp_move_prices(inst)
            bound, how = lp, "full MIP from the greedy plan, LP bound"
            left = time_limit_s - (time.perf_counter() - t0)
            if left > 1 and not gap_met(best):
                lag, _proven = lagrangian_bound(
                    inst, prices, time_limit_s=LAGRANGIAN_SHARE * left, backend=backend
                )
                if lag > bound:
                    bound, how = lag, "full MIP from the greedy plan, Lagrangian bound"
        left = time_limit_s - (time.perf_counter() - t0)
        if left > 1 and not gap_met(best):
            best, _steps = fix_and_optimise(
                inst,
                _copy(best),
                time_limit_s=left - 0.5,
                group_size=FIX_GROUP,
                backend=backend,
                stop_at=bound / (1 - relative_gap),
            )
            how = how.replace("greedy plan,", "greedy plan, fix-and-optimise,")
    result = _bounded(inst, best, bound, base, t0, backend, how)
    return dataclasses.replace(result, nodes=out.nodes, lp_iterations=out.lp_iterations)


def _stopped(formulation: Formulation, backend: Backend, seconds: float) -> SolveOutcome:
    """The outcome of a build and solve stopped at the time limit: no plan, no bound."""
    return SolveOutcome(
        SolveStatus.NO_SOLUTION, None, None, None, None, seconds, 0.0, backend, formulation, 0, 0
    )


def _bounded(
    inst: PlanningInstance,
    p: Plan,
    bound: float,
    base: BaselineResult | None,
    t0: float,
    backend: str,
    how: str,
) -> PlanningResult:
    """The result of a heuristic plan with a proven lower bound (the LP relaxation)."""
    p = _tidy(inst, p)
    check = check_plan(inst, p)
    check.raise_if_violated()
    costs = plan_costs(inst, p)
    gap = max(0.0, (costs.total - bound) / costs.total) if costs.total else 0.0
    status = proven_status(gap)
    return PlanningResult(
        inst,
        status,
        p,
        costs,
        gap,
        bound,
        check,
        explain(inst, p),
        None,
        base,
        time.perf_counter() - t0,
        backend,
        f"tight, {how}",
    )


def _meets_hard(inst: PlanningInstance, p: Plan) -> bool:
    """True when a plan leaves no place of a hard group's task unmet."""
    p = _tidy(inst, _copy(p))
    return not any(p.unmet[:, :, g].any() for g in range(len(inst.groups)) if inst.hard[g])


def _copy(p: Plan) -> Plan:
    """A plan with its own arrays."""
    return Plan(**{f.name: getattr(p, f.name).copy() for f in dataclasses.fields(p)})


def _tidy(inst: PlanningInstance, p: Plan) -> Plan:
    """Unmet places equal to the shortfall (a stopped solve may leave slack there)."""
    return tidy_unmet(inst, p)


def diagnose(
    inst: PlanningInstance, *, backend: Backend = "highs", time_limit_s: float = 60.0
) -> Diagnosis:
    """Why the hard tasks cannot all be met: the least total shortfall, per period,
    municipality and group.

    The model is solved with every task soft and the unmet places of the hard groups as
    the objective; each (period, municipality, group) short in that plan is reported with
    its task and shortfall.
    """
    out = solve_model(
        inst, backend=backend, time_limit_s=time_limit_s, soft_all=True, objective="shortfall"
    )
    shortfalls = []
    if out.plan is not None:
        p = _tidy(inst, out.plan)
        _T, _M, _G = p.unmet.shape
        for t, mu, g in zip(*np.nonzero(p.unmet), strict=True):
            if not inst.hard[g]:
                continue
            short = int(p.unmet[t, mu, g])
            task = int(inst.tasks[t, mu, g])
            shortfalls.append(
                Shortfall(
                    rule=f"task:{inst.periods[t]}:{inst.municipalities[mu]}:{inst.groups[g]}",
                    message=Message(
                        "planning.reason.infeasible_task",
                        {
                            "municipality": inst.municipality_names[mu],
                            "period": inst.periods[t],
                            "short": short,
                            "group": inst.group_labels[g],
                            "task": task,
                        },
                    ),
                    required=float(task),
                    available=float(task - short),
                )
            )
    details = {"minimal_total_shortfall": out.objective, "status": out.status.value}
    return Diagnosis(tuple(shortfalls), details)

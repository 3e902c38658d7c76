"""The exact planning model: a time-indexed MIP built with OR-Tools MathOpt.

Per site ``s`` and period ``t`` the model decides whether the site is open (``open``),
whether it opens then (``start``), how many blocks of units stand there (``blocks``), and
how many units are built, moved in, moved out and closed; per group it assigns units to
the group, and per period, municipality and group it counts the unmet places.

Two formulations share the variables and differ in how they link them:

``tight`` (the default)
    * permit windows: a site is open in ``t`` only if it opened in the last
      ``permit_periods`` periods (one constraint per site and period: the convex hull of
      an interval of bounded length, instead of one count per site);
    * strong assignment links: units given to a group at a site never exceed what that
      group's task there needs, times ``open`` (``a <= ceil(task / places) * open``), the
      facility-location "x <= y" strengthening; moves out and closures link to being open
      in the previous period;
    * a site that cannot hold units in a period gets no variables there;
    * with ``strengthen`` (default), the rows of :func:`_strengthen`: openings as permit
      windows, block-rounding MIR cuts, aggregate capacity rows, symmetry rows and the
      envelope cuts on unmet places.

``plain``
    The textbook time-indexed model: every variable for every site and period, ``units <=
    max_units * open``, permit length as ``sum(open) <= permit_periods`` and no assignment
    links. Used as the benchmark reference.

Both solve with HiGHS, SCIP or CP-SAT through MathOpt; every coefficient is an integer
(cents, units, places), so CP-SAT takes the same model.

Tried and not kept (measured in the docstring of ``benchmarks/bench_planning.py``): window
flows, a candidate's units split by the permit window they stand in (valid, and they
close 29-50 % of the LP gap, but HiGHS proves the benchmark optimum more slowly with
them).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2

from opvang_opt.planning.instance import Plan, PlanningInstance
from opvang_opt.status import SolveStatus

Formulation = Literal["tight", "plain"]
Backend = Literal["highs", "scip", "cpsat"]

_SOLVERS = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
    "cpsat": mathopt.SolverType.CP_SAT,
}


@dataclass(frozen=True)
class SolveOutcome:
    """What one solve returned."""

    status: SolveStatus
    plan: Plan | None
    objective: int | None
    bound: float | None
    gap: float | None
    seconds: float
    build_seconds: float
    backend: str
    formulation: str
    n_variables: int
    n_constraints: int
    nodes: int | None = None
    lp_iterations: int | None = None


@dataclass
class _Vars:
    open: dict[tuple[int, int], mathopt.Variable]
    start: dict[tuple[int, int], mathopt.Variable]
    blocks: dict[tuple[int, int], mathopt.Variable]
    built: dict[tuple[int, int], mathopt.Variable]
    moved_in: dict[tuple[int, int], mathopt.Variable]
    moved_out: dict[tuple[int, int], mathopt.Variable]
    closed: dict[tuple[int, int], mathopt.Variable]
    assigned: dict[tuple[int, int, int], mathopt.Variable]
    unmet: dict[tuple[int, int, int], mathopt.Variable]


def _scope(inst: PlanningInstance, s: int, t: int, formulation: Formulation) -> bool:
    """May site ``s`` hold units in period ``t`` (tight: only then are variables made)?"""
    return formulation == "plain" or inst.sites[s].may_open(t)


def build_model(
    inst: PlanningInstance,
    formulation: Formulation = "tight",
    *,
    soft_all: bool = False,
    objective: Literal["cost", "shortfall"] = "cost",
    implied_continuous: bool = False,
    strengthen: bool = True,
    move_net: Sequence[int] | None = None,
    move_price: Sequence[float] | None = None,
    objective_scale: float = 1.0,
) -> tuple[mathopt.Model, _Vars]:
    """Build the MathOpt model of an instance.

    Parameters
    ----------
    inst
        The instance.
    formulation
        ``tight`` (default) or ``plain`` (the benchmark reference; see the module notes).
    soft_all
        Treat every group's task as soft (used by the infeasibility diagnosis).
    objective
        ``cost``: the discounted total cost; ``shortfall``: the unmet places of the hard
        groups (the diagnosis' minimum shortfall).
    implied_continuous
        Keep builds, moves, closures and unmet places continuous (MIP backends).
    strengthen
        With ``tight``: also the strengthening of :func:`_strengthen` (openings as the
        permit window of the start, existing sites open until their permit end, and the
        aggregate block-rounding cuts per period and municipality). ``False`` gives the
        tight formulation as it was before (kept as a test reference).
    move_net
        Per period, units moved in minus units moved out over the instance's sites (default
        0: every move stays inside the instance). A part of a larger instance uses the
        part's net moves of a plan of the whole, so that moves to and from the rest stay
        as they are (see :func:`opvang_opt.planning.decompose.fix_and_optimise`).
    move_price
        Lagrangian relaxation of the move balance: no balance rows; instead every unit
        moved in during period ``t`` costs ``move_price[t]`` more and every unit moved out
        earns it (see :func:`opvang_opt.planning.decompose.lagrangian_bound`). Only for
        the MIP backends (the prices are not whole cents).

    Returns
    -------
    (model, variables)
    """
    T, S, G, M = inst.n_periods, inst.n_sites, len(inst.groups), len(inst.municipalities)
    m = mathopt.Model(name=f"planning-{formulation}")
    # With the blocks and group assignments fixed, builds, moves, closures and unmet places
    # form a transportation problem per period (totally unimodular): integral at every
    # vertex. The tight formulation lets a MIP solver keep them continuous (no branching on
    # them); CP-SAT needs integers throughout. Values are rounded and checked afterwards.
    # A yearly budget row (builds and moves weighted by their costs) breaks that structure:
    # a vertex may then move a fraction of a unit, so with budgets the flows stay integer.
    cont = formulation == "tight" and implied_continuous and not inst.budgets

    def flow_var(lb: float, ub: float, name: str) -> mathopt.Variable:
        if cont:
            return m.add_variable(lb=lb, ub=ub, name=name)
        return m.add_integer_variable(lb=lb, ub=ub, name=name)

    v = _Vars({}, {}, {}, {}, {}, {}, {}, {}, {})
    tight = formulation == "tight"
    terms: list[tuple[float, mathopt.Variable]] = []

    for s, site in enumerate(inst.sites):
        cap = site.max_blocks * site.block
        for t in range(T):
            prev_scope = t > 0 and _scope(inst, s, t - 1, formulation)
            here = _scope(inst, s, t, formulation)
            possible = site.may_open(t)
            if here:
                ub = 1.0 if possible else 0.0
                v.open[s, t] = m.add_binary_variable(name=f"o_{s}_{t}")
                if not possible:
                    v.open[s, t].upper_bound = 0.0
                v.blocks[s, t] = m.add_integer_variable(
                    lb=0, ub=site.max_blocks * ub, name=f"k_{s}_{t}"
                )
                v.built[s, t] = flow_var(lb=0, ub=cap * ub, name=f"b_{s}_{t}")
                v.moved_in[s, t] = flow_var(lb=0, ub=cap * ub, name=f"mi_{s}_{t}")
                start_ok = possible and (not site.existing or t == 0)
                v.start[s, t] = m.add_binary_variable(name=f"z_{s}_{t}")
                if not start_ok or site.existing:
                    v.start[s, t].upper_bound = 0.0
            had_units = (t == 0 and site.existing) or prev_scope
            if had_units:
                v.moved_out[s, t] = flow_var(lb=0, ub=cap, name=f"mo_{s}_{t}")
                v.closed[s, t] = flow_var(lb=0, ub=cap, name=f"c_{s}_{t}")

    for s, site in enumerate(inst.sites):
        cap = site.max_blocks * site.block
        starts = []
        for t in range(T):
            here = (s, t) in v.open
            units_now = site.block * v.blocks[s, t] if here else 0
            if t == 0:
                units_prev: mathopt.LinearExpression | int = site.initial_units
            elif (s, t - 1) in v.blocks:
                units_prev = site.block * v.blocks[s, t - 1]
            else:
                units_prev = 0
            inflow = (v.built[s, t] + v.moved_in[s, t]) if here else 0
            outflow = (v.moved_out[s, t] + v.closed[s, t]) if (s, t) in v.moved_out else 0
            if here or (s, t) in v.moved_out:
                m.add_linear_constraint(units_now == units_prev + inflow - outflow)
            if (s, t) in v.moved_out:
                # only units that stood there can leave (no build-here, move-there)
                m.add_linear_constraint(outflow <= units_prev)
            if not here:
                continue
            o = v.open[s, t]
            m.add_linear_constraint(site.block * v.blocks[s, t] <= cap * o)
            if tight:
                m.add_linear_constraint(v.built[s, t] + v.moved_in[s, t] <= cap * o)
                if (s, t) in v.moved_out and t > 0 and (s, t - 1) in v.open:
                    m.add_linear_constraint(
                        v.moved_out[s, t] + v.closed[s, t] <= cap * v.open[s, t - 1]
                    )
            else:
                m.add_linear_constraint(v.built[s, t] <= cap * o)
                m.add_linear_constraint(v.moved_in[s, t] <= cap * o)
            # opening: a jump from closed to open is a start; existing sites never reopen
            if site.existing:
                prev_open = 1 if t == 0 else v.open.get((s, t - 1), 0)
                m.add_linear_constraint(o <= prev_open)
            else:
                prev_o = v.open.get((s, t - 1), 0) if t > 0 else 0
                m.add_linear_constraint(o - prev_o <= v.start[s, t])
                if inst.budgets:
                    # a site opens in its first period with units (the opening cost and
                    # its budget year are that period's, as the checker counts them);
                    # without budgets an earlier start only costs more, so the row is
                    # needed only to keep an opening out of an earlier year's budget
                    m.add_linear_constraint(v.blocks[s, t] >= v.start[s, t])
                starts.append(v.start[s, t])
                cost = inst.disc(site.opening_cost, t)
                if cost:
                    terms.append((cost, v.start[s, t]))
            # costs
            terms.append((inst.disc(site.build_cost, t), v.built[s, t]))
            terms.append((inst.disc(site.move_cost, t), v.moved_in[s, t]))
            terms.append((inst.running_coef(s, t) * site.block, v.blocks[s, t]))
            # groups
            assigned = []
            for g in range(G):
                if not site.groups[g]:
                    continue
                a = m.add_integer_variable(lb=0, ub=cap, name=f"a_{s}_{t}_{g}")
                v.assigned[s, t, g] = a
                assigned.append(a)
                if tight:
                    need = math.ceil(
                        int(_task_bound(inst, t, site.municipality, g)) / inst.places_per_unit[g]
                    )
                    m.add_linear_constraint(a <= min(cap, need) * o)
            if assigned:
                m.add_linear_constraint(sum(assigned) <= site.block * v.blocks[s, t])
        for t in range(T):
            if (s, t) in v.closed:
                terms.append((inst.disc(site.close_cost, t), v.closed[s, t]))
        if not site.existing and starts:
            m.add_linear_constraint(sum(starts) <= 1)
            P = site.permit_periods
            if tight:
                for t in range(T):
                    if (s, t) in v.open:
                        window = [
                            v.start[s, u]
                            for u in range(max(0, t - P + 1), t + 1)
                            if (s, u) in v.start
                        ]
                        m.add_linear_constraint(v.open[s, t] <= sum(window))
            else:
                m.add_linear_constraint(sum(v.open[s, t] for t in range(T)) <= P)

    # moves balance per period
    for t in range(T):
        ins = [v.moved_in[s, t] for s in range(S) if (s, t) in v.moved_in]
        outs = [v.moved_out[s, t] for s in range(S) if (s, t) in v.moved_out]
        if move_price is not None:
            lam = float(move_price[t])
            if lam:
                terms.extend((lam, x) for x in ins)
                terms.extend((-lam, x) for x in outs)
            continue
        net = 0 if move_net is None else int(move_net[t])
        if ins or outs:
            m.add_linear_constraint(sum(ins) - sum(outs) == net, name=f"moves_{t}")
        elif net:
            raise ValueError(f"net moves {net} in period {t} without sites to move them")

    # tasks
    by_muni: dict[int, list[int]] = {}
    for s, site in enumerate(inst.sites):
        by_muni.setdefault(site.municipality, []).append(s)
    shortfall_terms = []
    for t in range(T):
        for mu in range(M):
            for g in range(G):
                task = int(inst.tasks[t, mu, g])
                if task == 0:
                    continue
                hard = inst.hard[g] and not soft_all
                u = flow_var(0, 0 if hard else task, name=f"u_{t}_{mu}_{g}")
                v.unmet[t, mu, g] = u
                cover = [
                    inst.places_per_unit[g] * v.assigned[s, t, g]
                    for s in by_muni.get(mu, [])
                    if (s, t, g) in v.assigned
                ]
                m.add_linear_constraint(u + sum(cover) >= task)
                terms.append((inst.unmet_coef(g, t), u))
                if inst.hard[g]:
                    shortfall_terms.append(u)

    if tight and strengthen:
        _strengthen(m, inst, v, by_muni)

    # budgets
    for year, budget in inst.budgets.items():
        spend = []
        for s, site in enumerate(inst.sites):
            for t in range(T):
                if inst.years[t] != year or (s, t) not in v.open:
                    continue
                spend.append(site.build_cost * v.built[s, t])
                spend.append(site.move_cost * v.moved_in[s, t])
                if not site.existing and site.opening_cost:
                    spend.append(site.opening_cost * v.start[s, t])
        if spend:
            m.add_linear_constraint(sum(spend) <= budget)

    if objective == "cost":
        obj = mathopt.fast_sum((c * objective_scale) * x for c, x in terms if c)
    else:
        obj = mathopt.fast_sum(shortfall_terms)
    m.minimize(obj)
    return m, v


def _strengthen(
    m: mathopt.Model, inst: PlanningInstance, v: _Vars, by_muni: dict[int, list[int]]
) -> None:
    """Tighten the tight formulation without changing its optimum.

    1. Being open costs nothing by itself (only units, builds, moves and starts cost), so a
       site may as well be open over its whole permit window once it has started, and an
       existing site over every period up to its permit end: ``open[s, t]`` equals the sum
       of the starts in the window ``t - permit + 1 .. t`` (candidates), and is fixed to 1
       (existing sites). Every plan keeps its cost with these openings; the solver branches
       on starts only.
    2. Block rounding, per period and municipality (and per group): the units standing on
       the sites ``S'`` that may house a set of groups ``G'`` come in multiples of ``b``
       (the gcd of their blocks), so with ``Y = sum_s block_s * blocks_s / b`` integer,
       ``b * Y + sum_g unmet_g / ppu_g >= D = sum_g task_g / ppu_g`` holds in every plan.
       Its mixed-integer rounding (MIR) cut, with ``d = D / b`` and ``f = d - floor(d)``::

           sum_g unmet_g / ppu_g >= b * f * (ceil(d) - Y)

       is valid for every integer ``Y``: at ``Y = floor(d)`` it is the row itself, it is
       looser below, and void at ``ceil(d)`` and above. The LP relaxation can no longer
       build a fraction of a block to meet the last few places; it must pay for them.
       Multiplied by the lcm of the places per unit so that every coefficient is an
       integer (CP-SAT takes the same model).
    3. Aggregate capacity per period and municipality (and per group): the units that
       meet the task stand on open sites, ``sum_s room_s * open[s, t] + sum_g unmet_g /
       ppu_g >= D``; a knapsack row with a continuous slack, on which the solver's own
       c-MIR separation finds cover cuts that no single site's row shows.

    4. Symmetry: of identical candidate sites (equal in everything but id, name and
       score), the first listed has started by ``t`` whenever the next one has.
    5. Envelope, per period and municipality: the unmet places, weighted by their cost,
       lie above the convex envelope of the least that whole units in whole blocks leave
       unmet, whichever group each unit is given to (:func:`unmet_envelope`,
       :func:`_envelope_cuts`). Unlike 2 it sees each group's remainder (5 places in
       units of 2 need 3 units, not 2.5) with the groups' costs.

    Every added row is implied by the model's rows for integer values (1, 3), is the MIR
    rounding of such an implied row (2), lies below every whole plan's unmet places (5),
    or removes only relabelled copies of plans (4);
    the tests compare the optimum with and
    without them and with an exhaustive search on small instances.
    """
    T, G = inst.n_periods, len(inst.groups)
    # 4. identical candidates (same municipality, room, blocks, window, permit, costs and
    # groups; they differ in id, name and score only) are interchangeable: of any plan,
    # the one that opens them in the order they are listed costs the same. So a site
    # has started by t whenever the next identical one has.
    twins: dict[tuple[object, ...], list[int]] = {}
    for s, site in enumerate(inst.sites):
        if not site.existing:
            key = (
                site.municipality, site.max_units, site.block, site.first_period,
                site.last_period, site.permit_periods, site.opening_cost, site.build_cost,
                site.move_cost, site.close_cost, site.running_cost_year, site.groups,
            )  # fmt: skip
            twins.setdefault(key, []).append(s)
    for members in twins.values():
        for a, b in itertools.pairwise(members):
            for t in range(T):
                later = [v.start[b, u] for u in range(t + 1) if (b, u) in v.start]
                if later:
                    m.add_linear_constraint(
                        sum(v.start[a, u] for u in range(t + 1) if (a, u) in v.start) >= sum(later)
                    )
    for s, site in enumerate(inst.sites):
        window_ok = site.existing and site.first_period == 0
        for t in range(T):
            if (s, t) not in v.open:
                continue
            if site.existing:
                if window_ok and site.may_open(t):
                    v.open[s, t].lower_bound = 1.0
                else:
                    window_ok = False
                continue
            window = [
                v.start[s, u]
                for u in range(max(0, t - site.permit_periods + 1), t + 1)
                if (s, u) in v.start
            ]
            m.add_linear_constraint(v.open[s, t] == sum(window))
    for t in range(T):
        for mu, sites in by_muni.items():
            here = [s for s in sites if (s, t) in v.blocks]
            if not here:
                continue
            groups = [g for g in range(G) if (t, mu, g) in v.unmet]
            subsets: list[list[int]] = [groups] if len(groups) > 1 else []
            subsets += [[g] for g in groups]
            for gs in subsets:
                members = [s for s in here if any(inst.sites[s].groups[g] for g in gs)]
                if not members:
                    continue
                b = math.gcd(*(inst.sites[s].block for s in members))
                lcm = math.lcm(*(inst.places_per_unit[g] for g in gs))
                # everything times lcm: L*D = sum_g task_g * (L / ppu_g), an integer
                LD = sum(int(inst.tasks[t, mu, g]) * (lcm // inst.places_per_unit[g]) for g in gs)
                Lb = lcm * b
                # the units must stand on open sites: a knapsack row with a continuous
                # slack, from which the solver's c-MIR separator derives cover cuts
                w = sum((lcm // inst.places_per_unit[g]) * v.unmet[t, mu, g] for g in gs)
                room = sum(
                    lcm * inst.sites[s].max_blocks * inst.sites[s].block * v.open[s, t]
                    for s in members
                )
                m.add_linear_constraint(w + room >= LD)
                if LD % Lb == 0:
                    continue  # f = 0: the cut is the row itself
                ceil_d = -(-LD // Lb)
                Lbf = LD - Lb * (LD // Lb)  # L * b * f, an integer
                y_ub = sum(inst.sites[s].max_blocks * inst.sites[s].block for s in members) // b
                y = m.add_integer_variable(
                    lb=0, ub=y_ub, name=f"y_{t}_{mu}_{'_'.join(map(str, gs))}"
                )
                m.add_linear_constraint(
                    b * y == sum(inst.sites[s].block * v.blocks[s, t] for s in members)
                )
                m.add_linear_constraint(w + Lbf * y >= Lbf * ceil_d)
    if ENVELOPE:
        _envelope_cuts(m, inst, v, by_muni)


ENVELOPE = True
"""Add the envelope cuts (step 5 of :func:`_strengthen`); off only to measure them."""


def unmet_envelope(
    tasks: Sequence[int], ppu: Sequence[int], weights: Sequence[int], block: int, max_units: int
) -> list[tuple[int, int, int]]:
    """The least weighted unmet places with a number of units, as lines below it.

    With ``U`` units in a municipality and period, group ``g`` given ``A_g`` whole units
    leaves ``max(0, task_g - ppu_g * A_g)`` places unmet. The least weighted unmet
    ``f(U) = min sum_g weight_g * max(0, task_g - ppu_g * A_g)`` over whole ``A_g`` with
    ``sum_g A_g <= U`` is found greedily: the k-th unit given to a group saves
    ``weight_g * ppu_g`` while the group has a whole unit's worth left, then ``weight_g *
    (task_g mod ppu_g)`` once, then nothing; these savings fall per group, so taking the
    largest first is optimal and ``f`` is convex. Units come in multiples of ``block``,
    ``U = block * Y``; the lines through ``(Y, f(block Y))`` and ``(Y + 1, f(block Y +
    block))`` lie below every such point (convexity), so for every whole ``Y``::

        sum_g weight_g * unmet_g >= f_k - delta_k * (Y - k),  delta_k = f_k - f_{k+1}

    Returns the distinct lines as ``(k, f_k, delta_k)`` (collinear neighbours dropped,
    lines with ``f_k = 0`` and ``delta_k = 0`` dropped: they say nothing).
    """
    gains: list[int] = []
    for task, p, w in zip(tasks, ppu, weights, strict=True):
        gains += [w * p] * (task // p)
        if task % p:
            gains.append(w * (task % p))
    gains.sort(reverse=True)
    total = sum(w * t for t, w in zip(tasks, weights, strict=True))
    n_y = max_units // block
    f = []
    saved = 0
    for k in range(n_y + 1):
        f.append(total - saved)
        saved += sum(gains[k * block : (k + 1) * block])
    lines: list[tuple[int, int, int]] = []
    last_delta = None
    for k in range(n_y):
        delta = f[k] - f[k + 1]
        if delta == last_delta:
            continue
        last_delta = delta
        if f[k] == 0 and delta == 0:
            break
        lines.append((k, f[k], delta))
    return lines


def _envelope_cuts(
    m: mathopt.Model, inst: PlanningInstance, v: _Vars, by_muni: dict[int, list[int]]
) -> None:
    """5. Per period and municipality, the weighted unmet places lie above the convex
    envelope of what whole units in whole blocks can cover (:func:`unmet_envelope`),
    whichever group each unit is given to; site by site group rules only raise it."""
    T, G = inst.n_periods, len(inst.groups)
    for t in range(T):
        for mu, sites in by_muni.items():
            here = [s for s in sites if (s, t) in v.blocks]
            groups = [g for g in range(G) if (t, mu, g) in v.unmet]
            if not here or not groups:
                continue
            b = math.gcd(*(inst.sites[s].block for s in here))
            cap = sum(inst.sites[s].max_blocks * inst.sites[s].block for s in here)
            weights = [inst.unmet_coef(g, t) for g in groups]
            wg = math.gcd(*weights)
            if wg == 0:
                continue  # unmet places cost nothing here: nothing to bound
            weights = [w // wg for w in weights]
            lines = unmet_envelope(
                [int(inst.tasks[t, mu, g]) for g in groups],
                [inst.places_per_unit[g] for g in groups],
                weights,
                b,
                cap,
            )
            if not lines:
                continue
            y = m.add_integer_variable(lb=0, ub=cap // b, name=f"Y_{t}_{mu}")
            m.add_linear_constraint(
                b * y == sum(inst.sites[s].block * v.blocks[s, t] for s in here)
            )
            w = sum(wt * v.unmet[t, mu, g] for wt, g in zip(weights, groups, strict=True))
            for k, fk, delta in lines:
                m.add_linear_constraint(w + delta * y >= fk + delta * k)


def _task_bound(inst: PlanningInstance, t: int, mu: int, g: int) -> int:
    return int(inst.tasks[t, mu, g])


def solve_model(
    inst: PlanningInstance,
    *,
    formulation: Formulation = "tight",
    backend: Backend = "highs",
    time_limit_s: float = 60.0,
    relative_gap: float = 1e-6,
    threads: int = 1,
    soft_all: bool = False,
    objective: Literal["cost", "shortfall"] = "cost",
    hint: Plan | None = None,
    strengthen: bool = True,
    move_net: Sequence[int] | None = None,
    deadline: float | None = None,
) -> SolveOutcome:
    """Build and solve the planning model; return the plan and how the solve ended.

    Parameters
    ----------
    inst
        The instance.
    formulation
        ``tight`` or ``plain``.
    backend
        ``highs``, ``scip`` or ``cpsat`` (all through MathOpt).
    time_limit_s, relative_gap, threads
        Solver settings. The objective is an integer number of cents, so an absolute gap
        below one cent is also accepted as optimal.
    soft_all, objective
        See :func:`build_model`.
    hint
        A plan to start from (for example the greedy baseline), passed as a solution hint.
    strengthen
        Add the strengthening of :func:`_strengthen` (``tight`` only; default).
    move_net
        See :func:`build_model`.
    deadline
        A ``time.perf_counter()`` value: the solver gets at most the time left until then
        once the model is built (at least half a second), as building is not in its limit.

    Returns
    -------
    SolveOutcome
    """
    t0 = time.perf_counter()
    scale = OBJECTIVE_SCALE if backend == "highs" and objective == "cost" else 1.0
    model, v = build_model(
        inst,
        formulation,
        soft_all=soft_all,
        objective=objective,
        implied_continuous=backend != "cpsat",
        strengthen=strengthen,
        move_net=move_net,
        objective_scale=scale,
    )
    build = time.perf_counter() - t0
    if deadline is not None:
        time_limit_s = max(min(time_limit_s, deadline - time.perf_counter()), 0.5)
    params = mathopt.SolveParameters(
        time_limit=_td(time_limit_s),
        relative_gap_tolerance=relative_gap,
        absolute_gap_tolerance=0.99 * scale,
        threads=None if backend == "highs" else threads,
        random_seed=20261122,
        enable_output=False,
        highs=_highs_options() if backend == "highs" else highs_pb2.HighsOptionsProto(),
    )
    t1 = time.perf_counter()
    model_params = None
    if hint is not None:
        model_params = mathopt.ModelSolveParameters(
            solution_hints=[mathopt.SolutionHint(variable_values=hint_values(inst, v, hint))]
        )
    try:
        result = mathopt.solve(model, _SOLVERS[backend], params=params, model_params=model_params)
    except Exception:
        if model_params is None:
            raise
        result = mathopt.solve(model, _SOLVERS[backend], params=params)
    seconds = time.perf_counter() - t1
    reason = result.termination.reason
    n_vars = len(list(model.variables()))
    n_cons = len(list(model.linear_constraints()))
    infeasible = reason == mathopt.TerminationReason.INFEASIBLE
    if infeasible or not result.has_primal_feasible_solution():
        return SolveOutcome(
            SolveStatus.INFEASIBLE if infeasible else SolveStatus.NO_SOLUTION,
            None,
            None,
            None,
            None,
            seconds,
            build,
            backend,
            formulation,
            n_vars,
            n_cons,
        )
    values = result.variable_values()
    plan = _extract(inst, v, values)
    obj = round(result.objective_value() / scale)
    bound = result.termination.objective_bounds.dual_bound / scale
    gap = _gap(obj, bound)
    optimal = reason == mathopt.TerminationReason.OPTIMAL
    status = proven_status(gap) if optimal else SolveStatus.FEASIBLE
    stats = result.solve_stats
    return SolveOutcome(
        status, plan, obj, bound, gap, seconds, build, backend, formulation, n_vars, n_cons,
        nodes=int(stats.node_count),
        lp_iterations=int(stats.simplex_iterations + stats.barrier_iterations),
    )  # fmt: skip


OBJECTIVE_SCALE = 2.0**-8
"""HiGHS solves the cost in units of 256 cents (its coefficients, up to 1e8 cents, are
"excessively large" to it; scaling by a power of two is exact in floating point). Plans
and costs stay in whole cents: the objective is recomputed by the checker."""

HIGHS_OPTIONS: dict[str, bool | int | float | str] = {}
"""Extra HiGHS options for every solve (none by default: heuristic effort, restarts, cut
pools and reliability branching were measured on the benchmark and left at HiGHS's
defaults); for re-measuring."""


def _highs_options() -> highs_pb2.HighsOptionsProto:
    opts = highs_pb2.HighsOptionsProto()
    for key, value in HIGHS_OPTIONS.items():
        if isinstance(value, bool):
            opts.bool_options[key] = value
        elif isinstance(value, int):
            opts.int_options[key] = value
        elif isinstance(value, float):
            opts.double_options[key] = value
        else:
            opts.string_options[key] = value
    return opts


def hint_values(inst: PlanningInstance, v: _Vars, plan: Plan) -> dict[mathopt.Variable, float]:
    """Every model variable's value in a plan (a complete solution hint)."""
    out: dict[mathopt.Variable, float] = {}
    for (s, t), x in v.open.items():
        site = inst.sites[s]
        if site.existing:
            out[x] = float(plan.open[s, t])
        else:
            # open over the start's whole permit window, as the strengthened model has it
            # (being open costs nothing; a plan's last units may leave before the window
            # ends, and a hint open only while units stand breaks the window rows)
            first = max(0, t - site.permit_periods + 1)
            out[x] = float(bool(plan.start[s, first : t + 1].any()))
    for (s, t), x in v.start.items():
        out[x] = float(plan.start[s, t] and not inst.sites[s].existing)
    for (s, t), x in v.blocks.items():
        out[x] = float(plan.units[s, t] // inst.sites[s].block)
    for name in ("built", "moved_in", "moved_out", "closed"):
        arr = getattr(plan, name)
        for (s, t), x in getattr(v, name).items():
            out[x] = float(arr[s, t])
    for (s, t, g), x in v.assigned.items():
        out[x] = float(plan.assigned[s, t, g])
    for (t, mu, g), x in v.unmet.items():
        out[x] = float(plan.unmet[t, mu, g])
    # a hint outside a variable's bounds (a greedy plan short of a hard task) upsets HiGHS
    return {x: min(max(val, x.lower_bound), x.upper_bound) for x, val in out.items()}


OPTIMAL_GAP = 1e-6
"""The largest proven relative gap reported as ``optimal`` (a looser ``relative_gap`` stops
the solver earlier, but its result is ``feasible`` with its gap, never ``optimal``)."""


def proven_status(gap: float | None) -> SolveStatus:
    """``optimal`` for a proven gap of at most :data:`OPTIMAL_GAP`, else ``feasible``."""
    return SolveStatus.OPTIMAL if gap is not None and gap <= OPTIMAL_GAP else SolveStatus.FEASIBLE


def _gap(obj: float, bound: float | None) -> float | None:
    if bound is None or not math.isfinite(bound):
        return None
    if abs(obj - bound) < 1.0:
        return 0.0
    return abs(obj - bound) / max(1.0, abs(obj))


def _td(seconds: float):
    import datetime as dt

    return dt.timedelta(seconds=seconds)


def _extract(inst: PlanningInstance, v: _Vars, values: dict) -> Plan:
    plan = Plan.empty(inst)

    def val(x: mathopt.Variable) -> int:
        return round(values[x])

    for (s, t), x in v.open.items():
        plan.open[s, t] = val(x) == 1
    for (s, t), x in v.blocks.items():
        plan.units[s, t] = val(x) * inst.sites[s].block
    for name in ("built", "moved_in", "moved_out", "closed"):
        arr = getattr(plan, name)
        for (s, t), x in getattr(v, name).items():
            arr[s, t] = val(x)
    for (s, t, g), x in v.assigned.items():
        plan.assigned[s, t, g] = val(x)
    for (t, mu, g), x in v.unmet.items():
        plan.unmet[t, mu, g] = val(x)
    # a site counts as open from its first to its last period with units: the solver may
    # keep an empty site open when that costs nothing, which would read as an odd decision
    for s, site in enumerate(inst.sites):
        used = np.flatnonzero(plan.units[s] > 0)
        plan.open[s] = False
        if len(used):
            first = 0 if site.existing else int(used[0])
            plan.open[s, first : int(used[-1]) + 1] = True
            plan.start[s, first] = True
        elif site.existing:
            plan.start[s, 0] = False
    return plan

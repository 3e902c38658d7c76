"""The public entry point :func:`allocate`."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from opvang_opt.allocation.check import check_allocation
from opvang_opt.allocation.deadline import GRACE_S
from opvang_opt.allocation.diagnose import diagnosis as make_diagnosis
from opvang_opt.allocation.diagnose import reason_message, unplaced_table
from opvang_opt.allocation.model import Instance, Structure, build_instance, build_structure
from opvang_opt.allocation.report import score, site_tables
from opvang_opt.allocation.result import AllocationResult, Timings, components_of
from opvang_opt.allocation.solve import SolveOutput, solve_model
from opvang_opt.allocation.validate import Tables, validate_inputs
from opvang_opt.schema import AllocationConfig
from opvang_opt.status import SolveStatus, Violation

MIN_SOLVE_S = 0.5
"""Seconds the solve gets even when building the model used up the time limit (a run
then ends at most this, plus the grace and the work after the solve, past the limit)."""


def post_solve_reserve(n_households: int, n_free_units: int) -> float:
    """Seconds kept from the time limit for the work after the solve: mapping to units,
    scoring, the reasons of the unplaced households and the independent checker.

    Measured with ``benchmarks/bench_time_limit.py`` and on the baseline allocation of
    synthetic instances on a shared machine (load 6-9 on 2 cores): mapping and checker
    0.7 s for 10,000 households placed, the checker 1.7 s for 20,000; the reasons 1.5 ms
    per unplaced household (3.1 s for 2,000). At least ``n_households - n_free_units``
    households stay unplaced; more may (for a rule), and then the reserve is short.

    Examples
    --------
    >>> post_solve_reserve(0, 0), post_solve_reserve(20_000, 22_000)
    (0.2, 1.8)
    >>> post_solve_reserve(10_000, 8_000)
    4.0
    """
    surely_unplaced = max(n_households - n_free_units, 0)
    return round(0.2 + 0.08 * n_households / 1000 + 1.5 * surely_unplaced / 1000, 3)


def map_to_units(inst: Instance, st: Structure, out: SolveOutput) -> tuple[np.ndarray, np.ndarray]:
    """Turn arc counts into concrete (household, unit) pairs, deterministically.

    Households of a class are taken in household-id order, units of a type in unit-id
    order; within a class and a type every choice is equivalent for every rule and cost.
    """
    n_nodes = len(st.node_site)
    next_member = np.zeros(len(st.class_count), np.int64)
    type_single: list[list[int]] = [[] for _ in range(len(st.type_count))]
    type_shared: dict[tuple[int, int], list[int]] = {}
    # residents who stay come first: the resident's own unit is the only unit of its type
    stay_of_type: dict[int, int] = {}
    for i in np.flatnonzero(out.stay > 0):
        c, t = st.stay_class[i], st.stay_type[i]
        n = int(out.stay[i])
        members = [int(m) for m in st.class_members[c][next_member[c] : next_member[c] + n]]
        next_member[c] += n
        if st.stay_shared[i]:
            type_shared.setdefault((int(t), int(st.class_group[c])), []).extend(members)
        else:
            stay_of_type[int(t)] = members[0]
    node_households: list[list[int]] = [[] for _ in range(n_nodes)]
    order = np.lexsort((st.arc_site, st.arc_class))
    for a in order[out.x[order] > 0]:
        c, j = st.arc_class[a], st.arc_site[a]
        k = st.class_fit[c]
        n = int(out.x[a])
        members = st.class_members[c][next_member[c] : next_member[c] + n]
        next_member[c] += n
        node_households[st.node_of[j, k]].extend(int(m) for m in members)
    y_order = np.lexsort((st.type_arc_type, st.type_arc_node))
    pos = np.zeros(n_nodes, np.int64)
    for i in y_order[out.y[y_order] > 0]:
        node, t = st.type_arc_node[i], st.type_arc_type[i]
        hs = sorted(node_households[node], key=lambda m: inst.hh_ids[m])
        take = hs[pos[node] : pos[node] + int(out.y[i])]
        pos[node] += int(out.y[i])
        g = st.fit_shared_group[st.node_fit[node]]
        if g >= 0:
            type_shared.setdefault((int(t), int(g)), []).extend(take)
        else:
            type_single[t].extend(take)
    z_count = {
        (int(t), int(g)): int(n)
        for t, g, n in zip(st.shared_type, st.shared_group, out.z, strict=True)
    }
    hs_out, us_out = [], []
    for t, m in sorted(stay_of_type.items()):
        hs_out.append(m)
        us_out.append(int(st.type_units[t][0]))
    for t in range(len(st.type_count)):
        units = st.type_units[t]
        single = sorted(type_single[t], key=lambda m: inst.hh_ids[m])
        if t in stay_of_type:
            units = units[1:]
        n_used = len(single)
        hs_out += single
        us_out += list(units[:n_used])
        for g in sorted(g for (tt, g) in type_shared if tt == t):
            members = sorted(type_shared[(t, g)], key=lambda m: inst.hh_ids[m])
            n_z = max(1, min(z_count.get((t, g), 1), len(members)))
            block = units[n_used : n_used + n_z]
            n_used += n_z
            for slot, m in enumerate(members):
                hs_out.append(m)
                us_out.append(block[slot % n_z])
    return np.asarray(hs_out, np.int64), np.asarray(us_out, np.int64)


def allocate(
    households: pd.DataFrame,
    units: pd.DataFrame,
    sites: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    gps: pd.DataFrame | None = None,
    config: AllocationConfig | None = None,
    *,
    occupied: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
) -> AllocationResult:
    """Place households in units optimally under every hard rule.

    The allocation maximises the number of households placed first and then minimises
    the weighted objective (distances to school, work and care, unused beds,
    relocations, not getting a preferred site). Every hard rule is re-verified by the
    independent checker before the result is returned.

    Parameters
    ----------
    households, units, sites
        Input tables (see :func:`~opvang_opt.allocation.validate_inputs` for columns).
    schools
        Newcomer-education schools: ``school_id, x, y, taalklas_places, isk_places``.
    gps
        GP locations: ``gp_id, x, y``.
    config
        Rules, weights and solver settings; defaults when omitted.
    occupied
        Units already occupied: ``unit_id, group`` (and optionally ``household_id``,
        ``persons``). They are not given out and count in the mix rules.
    sources
        Labels (e.g. file names) per table for error messages.

    Returns
    -------
    AllocationResult
        Status, objective, gap, components, tables, diagnosis and timings.

    Raises
    ------
    DataError
        When an input table is invalid (every problem listed).
    InternalError
        When the checker finds a broken hard rule in the solver's allocation (a bug).

    Examples
    --------
    >>> import pandas as pd
    >>> from opvang_opt.allocation import allocate
    >>> hh = pd.DataFrame({"household_id": ["H1", "H2"], "group": ["statushouders", "starter"],
    ...     "persons": [3, 1], "adults": [2, 1], "children_0_3": [1, 0],
    ...     "children_4_11": [0, 0], "children_12_17": [0, 0],
    ...     "arrival_date": ["2025-03-01", "2025-03-01"]})
    >>> un = pd.DataFrame({"unit_id": ["U1", "U2"], "site_id": ["S1", "S1"],
    ...     "bedrooms": [0, 2], "beds": [1, 4]})
    >>> st = pd.DataFrame({"site_id": ["S1"], "x": [122000.0], "y": [484000.0]})
    >>> res = allocate(hh, un, st)
    >>> res.status.value, dict(zip(res.assignments.household_id, res.assignments.unit_id))
    ('optimal', {'H1': 'U2', 'H2': 'U1'})
    """
    config = config or AllocationConfig()
    t0 = time.perf_counter()
    tables = validate_inputs(
        households, units, sites, schools, gps, config, occupied=occupied, sources=sources
    )
    return allocate_tables(tables, config, _t0=t0)


def allocate_tables(
    tables: Tables, config: AllocationConfig, *, check: bool = True, _t0: float | None = None
) -> AllocationResult:
    """:func:`allocate` on tables already validated by :func:`validate_inputs`."""
    t0 = _t0 if _t0 is not None else time.perf_counter()
    t1 = time.perf_counter()
    inst = build_instance(tables, config)
    st = build_structure(inst)
    t2 = time.perf_counter()
    # the solve ends early enough for the mapping, the diagnosis and the checker, and for
    # a solver call killed at its deadline plus the grace, to end within the limit
    remaining = max(
        config.solver.time_limit_s
        - (t2 - t0)
        - post_solve_reserve(inst.n_households, int(inst.u_free.sum()))
        - GRACE_S,
        MIN_SOLVE_S,
    )
    if inst.n_households and len(st.arc_class):
        out = solve_model(inst, st, remaining)
        h_idx, u_idx = map_to_units(inst, st, out)
        stats = {**out.stats, "time_limit_hit": str(bool(out.time_limit_hit))}
    else:
        out = None
        h_idx = u_idx = np.zeros(0, np.int64)
        stats = {"households": inst.n_households, "arcs_all": 0}
    t3 = time.perf_counter()
    assignments = score(inst, h_idx, u_idx)
    by_site, by_school, school_use = site_tables(inst, assignments)
    placed = np.zeros(inst.n_households, bool)
    placed[h_idx] = True
    if out is not None and out.no_solution:
        # nobody placed: the limit, not a rule, is short (no per-household search, which
        # could take longer than the limit itself on a large instance)
        order = np.argsort(inst.hh_ids.astype(str), kind="stable")
        unplaced = pd.DataFrame(
            {
                "household_id": inst.hh_ids[order].astype(str),
                "group": np.asarray(inst.group_names, dtype=object)[inst.h_group[order]],
                "persons": inst.h_persons[order],
                "rule": "time_limit",
                "reason": [reason_message("time_limit")] * len(order),
            }
        )
    else:
        unplaced = unplaced_table(
            inst,
            np.flatnonzero(~placed),
            assignments,
            by_school,
            bool(out.time_limit_hit) if out is not None else False,
        )
    diag = make_diagnosis(inst, unplaced)
    comps = components_of(assignments, inst.weights)
    t4 = time.perf_counter()
    violations: tuple[Violation, ...] = ()
    if check:  # a broken rule is a bug: InternalError (exit 1), every violation listed
        report = check_allocation(tables, config, assignments)
        report.raise_if_violated()
        violations = report.violations
    t5 = time.perf_counter()

    if out is not None:
        objective = comps.total
        # the mapped cost can only be lower than the model's (a resident routed to its own
        # unit through a site arc is charged a relocation in the model, not in reality);
        # the model weighs each household's costs by its cost weight (model.COST_WEIGHT)
        if not np.all(inst.h_weight == 1.0):
            # assignments are sorted by household id, h_idx by position: match them
            pos = {h: i for i, h in enumerate(inst.hh_ids.astype(str))}
            rows = np.array([pos[h] for h in assignments["household_id"]], np.int64)
            mapped = float(assignments["cost"].to_numpy(float) @ inst.h_weight[rows])
        else:
            mapped = objective
        if mapped > out.objective + 1e-6 * max(1.0, abs(mapped)):
            raise RuntimeError(
                f"mapped objective {mapped} differs from the model's {out.objective}"
            )
        # with cost weights, the bound and gap are on the model's (weighted) scale
        bound = min(out.bound, mapped)
        gap = (mapped - bound) / max(abs(mapped), 1.0) if np.isfinite(bound) else np.inf
    else:
        objective, bound, gap = comps.total, comps.total, 0.0
    if out is not None and out.no_solution:
        status = SolveStatus.NO_SOLUTION
        bound, gap = -np.inf, np.inf
    elif len(unplaced) > 0 and len(assignments) == 0:
        timed_out = out is not None and bool(out.time_limit_hit)
        status = SolveStatus.NO_SOLUTION if timed_out else SolveStatus.INFEASIBLE
    elif gap <= config.solver.relative_gap + 1e-12:
        status = SolveStatus.OPTIMAL
    else:
        status = SolveStatus.FEASIBLE
    return AllocationResult(
        status=status,
        objective=float(objective),
        bound=float(bound),
        gap=float(max(gap, 0.0)),
        components=comps,
        assignments=assignments,
        unplaced=unplaced,
        by_site=by_site,
        by_school=by_school,
        diagnosis=diag,
        violations=violations,
        timings=Timings(
            validate=t1 - t0,
            build=t2 - t1,
            solve=t3 - t2,
            map_back=t4 - t3,
            check=t5 - t4,
            total=t5 - t0,
        ),
        solver_stats=dict(stats),
        instance=inst,
        school_use=school_use,
    )

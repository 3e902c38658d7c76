"""Benchmark of the household allocation (issue 4).

Prints a table with each figure beside its target; ``--json`` prints a JSON document.

Instances (synthetic, seeded; all hard rules active: mix, school capacity,
accessibility, dates, medical, refusals):

* ``duo``: Duo+ scale, 500 households x 600 units over 12 sites; target 1 s or less.
* ``large``: 10,000 households x 11,000 units over 60 sites; target proven optimal or
  gap <= 0.1% in 10 s or less.
* ``reference``: 2,000 households x 2,200 units over 20 sites, solved by the
  optimiser and by the one-boolean-per-pair CP-SAT model (``pair_model_cpsat``
  below) with a 60 s limit. Skipped with ``--quick``.

For every instance the greedy first-come-first-served baseline's objective and its
hard-rule violations (independent checker) are reported too.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_allocation.py [--quick] [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np

from opvang_opt.allocation import (
    allocate_tables,
    check_allocation,
    compare_with_baseline,
    validate_inputs,
)
from opvang_opt.allocation.model import build_instance
from opvang_opt.allocation.report import score
from opvang_opt.allocation.rules import share_fraction
from opvang_opt.allocation.synthetic import make_instance
from opvang_opt.schema import AllocationConfig, AllocationSolverSettings


def pair_model_cpsat(tables, config: AllocationConfig, time_limit_s: float, workers: int):
    """Reference: one boolean per compatible (household, unit) pair in CP-SAT.

    Same hard rules as the optimiser (unit fit, site rules, mix, school capacity with
    integer school flows), placement first then the objective (costs scaled by 100).
    Returns (seconds, status name, CP-SAT's own relative gap, assignments table).
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    inst = build_instance(tables, config)
    free = np.flatnonzero(inst.u_free)
    h_idx, u_idx = np.nonzero(inst.fits(np.arange(inst.n_households)[:, None], free[None, :]))
    u_idx = free[u_idx]
    ok = inst.site_ok[h_idx, inst.u_site[u_idx]]
    h_idx, u_idx = h_idx[ok], u_idx[ok]
    w = inst.weights
    comp = inst.comp_site[h_idx, inst.u_site[u_idx]]
    cost = (
        comp @ w[[0, 1, 2, 5]]
        + w[3] * (inst.u_beds[u_idx] - inst.h_persons[h_idx])
        + w[4] * (inst.h_has_current[h_idx] & (inst.h_current[h_idx] != u_idx))
    )
    icost = np.round(cost * 100).astype(np.int64)
    big = int(icost.max(initial=0) * 10 + 1000)
    m = cp_model.CpModel()
    b = [m.new_bool_var(f"b{i}") for i in range(len(h_idx))]
    by_h: dict[int, list[int]] = {}
    by_u: dict[int, list[int]] = {}
    for i, (h, u) in enumerate(zip(h_idx, u_idx, strict=True)):
        by_h.setdefault(int(h), []).append(i)
        by_u.setdefault(int(u), []).append(i)
    placed = []
    for h in range(inst.n_households):
        lits = [b[i] for i in by_h.get(h, [])]
        if lits:
            m.add_at_most_one(lits)
            placed.extend(lits)
    for lits in by_u.values():
        m.add_at_most_one([b[i] for i in lits])
    site_of = inst.u_site[u_idx]
    for rule in config.mix_rules:
        in_g = np.isin(inst.h_group[h_idx], [inst.group_names.index(g) for g in rule.groups])
        for j in range(inst.n_sites):
            if rule.sites is not None and inst.site_ids[j] not in rule.sites:
                continue
            on = np.flatnonzero(site_of == j)
            for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None or len(on) == 0:
                    continue
                frac = share_fraction(share)
                coef = sense * (frac.denominator * in_g[on].astype(int) - frac.numerator)
                m.add(sum(int(c) * b[i] for c, i in zip(coef, on, strict=True)) <= 0)
    if config.school_capacity and inst.h_need.any():
        for band in range(2):
            need = inst.h_need[h_idx, band]
            flows: dict[tuple[int, int], cp_model.IntVar] = {}
            for j in range(inst.n_sites):
                on = np.flatnonzero((site_of == j) & (need > 0))
                if len(on) == 0:
                    continue
                schools = np.flatnonzero(inst.reach[j] & (inst.school_places[:, band] > 0))
                total = int(need[on].sum())
                fs = []
                for s in schools:
                    f = m.new_int_var(0, int(inst.school_places[s, band]), f"f{band}_{j}_{s}")
                    flows[(j, int(s))] = f
                    fs.append(f)
                m.add(sum(int(need[i]) * b[i] for i in on) <= sum(fs) if fs else 0)
                del total
            for s in range(len(inst.school_ids)):
                fs = [f for (j, ss), f in flows.items() if ss == s]
                if fs:
                    m.add(sum(fs) <= int(inst.school_places[s, band]))
    m.minimize(sum(int(c) * v for c, v in zip(icost, b, strict=True)) - big * sum(placed))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    build_s = time.perf_counter() - t0
    status = solver.solve(m)
    seconds = time.perf_counter() - t0
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.array([solver.boolean_value(v) for v in b], bool)
        assignments = score(inst, h_idx[chosen], u_idx[chosen])
        obj, bound = solver.objective_value, solver.best_objective_bound
        n = int(chosen.sum())
        # gap on the cost part, with the placement part taken at its best bound
        cost_part = obj + big * n
        bound_part = bound + big * n
        gap = (cost_part - bound_part) / max(abs(cost_part), 1.0)
    else:
        assignments, gap = None, math.nan
    return {
        "seconds": seconds,
        "build_seconds": build_s,
        "status": name,
        "gap": gap,
        "pairs": len(b),
    }, assignments


def run_instance(name, n_h, n_u, n_s, seed, relative_gap, time_limit):
    si = make_instance(n_h, n_u, n_s, seed=seed, time_limit_s=time_limit)
    config = si.config.model_copy(
        update={
            "solver": AllocationSolverSettings(time_limit_s=time_limit, relative_gap=relative_gap)
        }
    )
    t0 = time.perf_counter()
    tables = validate_inputs(**si.tables(), config=config)
    res = allocate_tables(tables, config)
    total = time.perf_counter() - t0
    cmp = compare_with_baseline(res)
    tab = cmp.components
    row = {
        "instance": name,
        "households": n_h,
        "units": n_u,
        "sites": n_s,
        "status": res.status.value,
        "objective": res.objective,
        "bound": res.bound,
        "gap": res.gap,
        "solve_seconds": res.timings.solve,
        "total_seconds": total,
        "check_seconds": res.timings.check,
        "placed": len(res.assignments),
        "unplaced": len(res.unplaced),
        "violations": len(res.violations),
        "baseline_objective": float(tab.loc["total", "baseline"]),
        "baseline_placed": cmp.baseline_placed,
        "baseline_violations": cmp.baseline_violations,
        "baseline_violations_by_rule": cmp.baseline_violations_by_rule,
        "improvement": {k: float(v) for k, v in tab["improvement"].items()},
        "solver_stats": {k: v for k, v in res.solver_stats.items() if k != "pricing_trace"},
    }
    return row, tables, config, res


def _ok(row: dict) -> str:
    if "meets_target" not in row:
        return "-"
    return "yes" if row["meets_target"] else "NO"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON document")
    parser.add_argument("--quick", action="store_true", help="skip the 60 s CP-SAT reference")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of the large instance (the machine may be shared: min, median and max "
        "are printed; the row shows the median run)",
    )
    args = parser.parse_args(argv)

    rows = []
    duo, *_ = run_instance("duo", 500, 600, 12, 1, 1e-4, 30.0)
    duo["target"] = "total <= 1 s, optimal"
    duo["meets_target"] = duo["total_seconds"] <= 1.0 and duo["status"] == "optimal"
    rows.append(duo)
    runs = [run_instance("large", 10_000, 11_000, 60, 1, 1e-3, 60.0)[0] for _ in range(args.repeat)]
    runs.sort(key=lambda r: r["total_seconds"])
    large = runs[len(runs) // 2]
    large["total_seconds_runs"] = [round(r["total_seconds"], 3) for r in runs]
    large["same_allocation_every_run"] = len({r["objective"] for r in runs}) == 1
    large["target"] = "total <= 10 s, gap <= 0.1%"
    large["meets_target"] = large["total_seconds"] <= 10.0 and large["gap"] <= 1e-3
    rows.append(large)
    reference = None
    if not args.quick:
        ref_row, tables, config, res = run_instance("reference", 2000, 2200, 20, 2, 1e-4, 60.0)
        ref_row["target"] = "(optimiser on the reference instance)"
        rows.append(ref_row)
        cp, cp_assign = pair_model_cpsat(tables, config, 60.0, workers=os.cpu_count() or 1)
        if cp_assign is not None:
            cp_obj = float(cp_assign["cost"].sum())
            cp["placed"] = len(cp_assign)
            cp["objective"] = cp_obj
            cp["gap_to_optimiser_optimum"] = (cp_obj - res.objective) / max(res.objective, 1.0)
            cp["violations"] = len(check_allocation(tables, config, cp_assign).violations)
        reference = {"cpsat_pair_model_2000": cp, "target": "reference only (60 s limit)"}

    doc = {
        "benchmark": "allocation",
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
        },
        "instances": rows,
        "reference": reference,
    }
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
        return 0
    header = (
        f"{'instance':<10} {'hh x units':>13} {'status':>9} {'gap':>9} {'solve s':>8} "
        f"{'total s':>8} {'target':<28} {'ok':>3} {'baseline obj':>12} {'opt obj':>10} "
        f"{'base viol':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['instance']:<10} {r['households']:>6}x{r['units']:<6} {r['status']:>9} "
            f"{r['gap']:>9.2e} {r['solve_seconds']:>8.2f} {r['total_seconds']:>8.2f} "
            f"{r['target']:<28} {_ok(r):>3} "
            f"{r['baseline_objective']:>12.1f} {r['objective']:>10.1f} "
            f"{r['baseline_violations']:>9}"
        )
    secs = large["total_seconds_runs"]
    st = large["solver_stats"]
    print()
    print(
        f"large: {len(secs)} runs, total s min {secs[0]:.2f} median {secs[len(secs) // 2]:.2f} "
        f"max {secs[-1]:.2f}; same objective every run: {large['same_allocation_every_run']}"
    )
    print(
        "large, median run: "
        + ", ".join(
            f"{k} {st[k]}"
            for k in (
                "network_seconds",
                "lp_solve_seconds",
                "lagrangian_solve_seconds",
                "mip_solve_seconds",
                "lp_rounds",
                "dive",
            )
            if k in st
        )
        + f", check {large['check_seconds']:.2f} s"
    )
    if reference:
        cp = reference["cpsat_pair_model_2000"]
        print()
        print("reference: one-boolean-per-pair CP-SAT, 2,000 households, 60 s limit")
        print(
            f"  pairs {cp['pairs']}, time {cp['seconds']:.1f} s "
            f"(build {cp['build_seconds']:.1f} s),"
            f" status {cp['status']}, own gap {cp['gap']:.2%}"
            + (
                f", {cp['gap_to_optimiser_optimum']:.2%} above the optimiser's optimum"
                if "gap_to_optimiser_optimum" in cp
                else ""
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

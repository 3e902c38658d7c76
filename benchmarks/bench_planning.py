"""Benchmark of the planning model (issue 15).

Synthetic, seeded instances (:func:`opvang_opt.planning.synthetic.synthetic_instance`):

1. 60 sites x 20 half-years x 3 groups x 3 municipalities: target optimal in <= 10 s;
2. province: 400 sites x 20 half-years x 3 groups x 44 municipalities: target a proven gap
   of at most 1 % in <= 120 s.

References in the same run, on the same instances:

* the greedy baseline ("when short, open the best available site"): cost and unmet
  person-days;
* the plain time-indexed formulation (no permit windows, no strong links, every variable for
  every site and period), same solver and time limit;
* the tight MIP alone (no LP rounding), started from the greedy plan, on each MathOpt
  backend (HiGHS, SCIP, CP-SAT; ``--backends``), for the solver choice.

The planning stage's ``auto`` method: LP rounding (its LP value is the proven bound), then
up to 150 sites the tight MIP started from the better of that plan and the greedy plan, for
the rest of the time limit. Every plan is re-verified by the independent checker. Times
include building the models.

Usage::

    PYTHONPATH=src python benchmarks/bench_planning.py [--json] [--quick]
        [--backends highs,scip,cpsat] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from opvang_opt.planning.check import check_plan
from opvang_opt.planning.greedy import greedy_plan
from opvang_opt.planning.instance import plan_costs
from opvang_opt.planning.model import solve_model
from opvang_opt.planning.solve import plan, unmet_person_days
from opvang_opt.planning.synthetic import synthetic_instance

CASES = {
    "60 sites x 20 periods x 3 groups x 3 municipalities": (60, 20, 3, 10.0, 0.0),
    "province 400 sites x 20 periods x 3 groups x 44 municipalities": (400, 20, 44, 120.0, 0.01),
}


def _row(
    problem: str,
    method: str,
    inst: Any,
    out: Any,
    limit: float,
    gap_target: float,
    target_s: float | None,
) -> dict[str, Any]:
    plan = out.plan
    report = check_plan(inst, plan) if plan is not None else None
    costs = plan_costs(inst, plan) if plan is not None else None
    gap = None
    if costs is not None and out.bound is not None:
        gap = max(0.0, (costs.total - out.bound) / costs.total)
    seconds = out.seconds + out.build_seconds
    ok = None
    if target_s is not None:
        ok = (
            plan is not None
            and seconds <= target_s
            and (out.status.value == "optimal" if gap_target == 0 else (gap or 0) <= gap_target)
        )
    return {
        "problem": problem,
        "method": method,
        "status": out.status.value,
        "seconds": round(seconds, 2),
        "build_seconds": round(out.build_seconds, 2),
        "time_limit_s": limit,
        "cost_eur": None if costs is None else round(costs.total / 100),
        "bound_eur": None if out.bound is None else round(out.bound / 100),
        "gap": None if gap is None else round(gap, 6),
        "unmet_person_days": None if plan is None else unmet_person_days(inst, plan),
        "variables": out.n_variables,
        "constraints": out.n_constraints,
        "checker_ok": None if report is None else report.is_ok,
        "target": None
        if target_s is None
        else (
            f"optimal <= {target_s:g} s"
            if gap_target == 0
            else f"gap <= {gap_target:.0%} in <= {target_s:g} s"
        ),
        "meets_target": ok,
    }


def _plan_row(
    problem: str,
    method: str,
    inst: Any,
    res: Any,
    limit: float,
    gap_target: float,
    target_s: float | None,
) -> dict[str, Any]:
    ok = None
    if target_s is not None:
        ok = (
            res.plan is not None
            and res.seconds <= target_s
            and (res.status.value == "optimal" if gap_target == 0 else (res.gap or 0) <= gap_target)
        )
    return {
        "problem": problem,
        "method": method,
        "status": res.status.value,
        "seconds": round(res.seconds, 2),
        "time_limit_s": limit,
        "cost_eur": None if res.costs is None else round(res.costs.total / 100),
        "bound_eur": None if res.bound is None else round(res.bound / 100),
        "gap": None if res.gap is None else round(res.gap, 6),
        "unmet_person_days": res.unmet_person_days,
        "checker_ok": None if res.check is None else res.check.is_ok,
        "target": None
        if target_s is None
        else (
            f"optimal <= {target_s:g} s"
            if gap_target == 0
            else f"gap <= {gap_target:.0%} in <= {target_s:g} s"
        ),
        "meets_target": ok,
    }


def run(seed: int, backends: list[str], quick: bool) -> list[dict[str, Any]]:
    """Run every case and its references; return one row per (case, method)."""
    rows = []
    for problem, (sites, periods, munis, target_s, gap_target) in CASES.items():
        if quick:
            sites, periods = sites // 4, periods // 2
            problem = f"(quick) {sites} sites x {periods} periods x {munis} municipalities"
        inst = synthetic_instance(sites, periods, munis, 3, seed=seed)
        limit = target_s
        gap = max(gap_target, 1e-6)
        res = plan(inst, time_limit_s=limit, relative_gap=gap, baseline=False)
        rows.append(
            _plan_row(
                problem,
                f"planning stage (auto: {res.formulation})",
                inst,
                res,
                limit,
                gap_target,
                target_s,
            )
        )
        t0 = time.perf_counter()
        g = greedy_plan(inst)
        secs = time.perf_counter() - t0
        rep = check_plan(inst, g, hard_tasks=False)
        rows.append(
            {
                "problem": problem,
                "method": "greedy baseline",
                "status": "heuristic",
                "seconds": round(secs, 2),
                "cost_eur": round(plan_costs(inst, g).total / 100),
                "unmet_person_days": unmet_person_days(inst, g),
                "checker_ok": rep.is_ok,
            }
        )
        plain = solve_model(inst, formulation="plain", time_limit_s=limit, relative_gap=gap)
        rows.append(
            _row(
                problem,
                "plain time-indexed MIP (HiGHS), reference",
                inst,
                plain,
                limit,
                gap_target,
                None,
            )
        )
        for b in backends:
            o = solve_model(
                inst,
                backend=b,
                time_limit_s=limit,  # type: ignore[arg-type]
                relative_gap=gap,
                hint=g,
            )
            rows.append(
                _row(
                    problem,
                    f"tight MIP alone, greedy start ({b})",
                    inst,
                    o,
                    limit,
                    gap_target,
                    None,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--quick", action="store_true", help="smaller instances (smoke test)")
    ap.add_argument(
        "--backends",
        default="highs,scip,cpsat",
        help="MathOpt backends to compare on the tight formulation",
    )
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--json-out", default=None, help="also write the rows as JSON to this file")
    args = ap.parse_args(argv)
    rows = run(args.seed, [b for b in args.backends.split(",") if b], args.quick)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = (
        f"{'problem / method':64s} {'status':>10s} {'sec':>7s} {'cost EUR':>14s} "
        f"{'gap':>8s} {'unmet p-days':>12s} {'check':>5s} target"
    )
    print(head)
    last = None
    for r in rows:
        if r["problem"] != last:
            print(r["problem"])
            last = r["problem"]
        gap = "" if r.get("gap") is None else f"{r['gap']:.4%}"
        cost = "" if r.get("cost_eur") is None else f"{r['cost_eur']:,}"
        target = ""
        if r.get("target"):
            target = f"{r['target']}: {'met' if r['meets_target'] else 'NOT met'}"
        print(
            f"  {r['method'][:62]:62s} {r['status']:>10s} {r['seconds']:7.2f} {cost:>14s} "
            f"{gap:>8s} {r.get('unmet_person_days', '')!s:>12s} "
            f"{r.get('checker_ok')!s:>5s} {target}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

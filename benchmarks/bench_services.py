"""Benchmark of the services check (issue 16): 100 schools x 500 sites x 20 periods, exact.

Synthetic, seeded instances (``opvang_opt.services.synthetic.random_instance``): 100 schools
with newcomer-class places in a 30 x 30 km region, 500 sites each within 4 km of a school,
demand growing over 20 half-years to about 1.15 times today's places; every school may add
up to two groups of 15. Target: the exact cheapest expansion in at most 10 s.

Each instance is solved twice in the same run:

- **engine** (the default): min-cost maximum flows for the assignment, then the expansion
  MIP only where demand is short (the residual-reachability reduction), one independent part
  and period at a time, with sites that reach the same schools in one demand class;
- **reference**: the same MIP as one model over all sites and periods, one flow variable per
  (site, school, period) (the plain formulation), without cuts, with the same HiGHS
  solver.

With ``--facilities N`` the instance also has N candidate temporary facilities whose set-up
cost ties periods together.

Usage::

    PYTHONPATH=src python benchmarks/bench_services.py [--json] [--seed S]
        [--facilities N] [--reference-limit SECONDS]

The timings cover the whole solve (assignment before, expansion, assignment after), not
building the synthetic instance; the checker runs after the clock stops.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from opvang_opt.services import check_services, solve_services
from opvang_opt.services.synthetic import random_instance


def run_case(seed: int, facilities: int, reference_limit: float) -> list[dict[str, Any]]:
    inst = random_instance(500, 100, 20, seed=seed, n_facilities=facilities)
    rows = []
    for name, kwargs in (
        ("engine (decomposed, aggregated)", {"decompose": True, "aggregate": True,
                                             "time_limit_s": 60.0}),
        ("reference (one plain MIP)", {"decompose": False, "aggregate": False,
                                       "cuts": False, "time_limit_s": reference_limit}),
    ):  # fmt: skip
        t0 = time.perf_counter()
        res = solve_services(inst, **kwargs)
        seconds = time.perf_counter() - t0
        check = check_services(res)
        rows.append({
            "instance": f"500 sites x 100 schools x 20 periods, {facilities} facilities, "
                        f"seed {seed}",
            "method": name,
            "seconds": seconds,
            "target_s": 10.0 if name.startswith("engine") else None,
            "status": res.status.value,
            "gap": res.gap,
            "short_before": res.short_before,
            "short_after": res.short_after,
            "cost_eur": res.cost["total"] / 100 if res.status.has_solution else None,
            "check_ok": check.is_ok,
        })  # fmt: skip
    eng, ref = rows
    both = eng["cost_eur"] is not None and ref["cost_eur"] is not None
    same = both and eng["cost_eur"] == ref["cost_eur"]
    for r in rows:
        r["same_cost_as_other"] = same if both else None
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--facilities", type=int, default=0)
    ap.add_argument("--reference-limit", type=float, default=60.0,
                    help="time limit of the reference solve in seconds (default 60)")  # fmt: skip
    args = ap.parse_args(argv)
    rows = run_case(args.seed, args.facilities, args.reference_limit)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    head = f"{'method':34} {'seconds':>8} {'target':>7} {'status':>12} {'cost EUR':>14} " \
           f"{'short now':>9} {'after':>6} {'check':>6} {'same':>5}"  # fmt: skip
    print(rows[0]["instance"])
    print(head)
    for r in rows:
        cost = "-" if r["cost_eur"] is None else f"{r['cost_eur']:,.2f}"
        target = "-" if r["target_s"] is None else f"{r['target_s']:.0f} s"
        print(f"{r['method']:34} {r['seconds']:8.2f} {target:>7} {r['status']:>12} "
              f"{cost:>14} {r['short_before']:9d} {r['short_after']:6d} "
              f"{'ok' if r['check_ok'] else 'FAIL':>6} {r['same_cost_as_other']!s:>5}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of SMAA on the rule that chose the shortlist (issue 13).

On the bundled demo (``scenarios/demo.yaml``: 44 sites, 30 eligible, CP-SAT with the
people objective, max 6 sites, max capacity, budget, 250 m spread, max 2 per wijk), the
optimised shortlist is solved again for every weight sample.

* measured: :func:`opvang_opt.siting.robustness.rule_smaa` as the siting stage runs it:
  1,000 samples, 2 worker processes, one model built per process and warm-started from the
  previous sample's shortlist. Target: 30 s or less on 2 cores.
* reference, in the same run: the per-sample serial solve (a fresh model per sample, no
  warm start, ``solve_shortlist``), on a subsample, extrapolated to all samples.

Both must give the same objective for every sample of the subsample (checked; the set can
differ only between exactly tied optima).

Usage::

    PYTHONPATH=src python benchmarks/bench_smaa.py [--json] [--samples N] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from opvang_opt.pipeline import load_inputs
from opvang_opt.schema import load_scenario
from opvang_opt.siting import robustness as rb
from opvang_opt.siting import stage
from opvang_opt.siting.shortlist import objective_key, solve_shortlist

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reference", type=int, default=100, help="samples in the reference")
    args = ap.parse_args(argv)

    sc = load_scenario(ROOT / "scenarios" / "demo.yaml")
    cfg = sc.siting.model_copy(
        update={
            "robustness": sc.siting.robustness.model_copy(
                update={"samples": 0, "one_at_a_time": False}
            ),
            "shortlist": sc.siting.shortlist.model_copy(
                update={"counterfactuals": False, "frontier_points": 0, "tradeoff_steps": 0}
            ),
        }
    )
    res = stage.run_siting(cfg, load_inputs(sc).siting)
    problem = res.problem
    assert problem is not None
    values = res.sites[[c.value_column for c in res.criteria]].to_numpy(float)
    weights, _ = stage.criterion_weights(cfg)
    rule = stage.shortlist_rule(cfg, problem, values)
    rc = sc.siting.robustness
    samples = rb.sample_weights(
        weights, args.samples, spread=rc.spread, seed=rc.seed, method=rc.distribution
    )
    chosen = res.sites["shortlisted"].to_numpy(bool)

    t0 = time.perf_counter()
    out = rb.rule_smaa(rule, samples, chosen, workers=args.workers)
    smaa_s = time.perf_counter() - t0

    k = min(args.reference, args.samples)
    t0 = time.perf_counter()
    ref = []
    for w in samples[:k]:
        p, _ = rule.scored(w)
        ref.append(solve_shortlist(p, time_limit=rule.time_limit, workers=1, seed=rule.seed,
                                   explain=False))  # fmt: skip
    ref_s = (time.perf_counter() - t0) / k * args.samples
    agree = all(
        objective_key(rule.scored(w)[0], out.selections[i])
        == objective_key(rule.scored(w)[0], ref[i].selected)
        for i, w in enumerate(samples[:k])
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    result: dict[str, Any] = {
        "instance": f"demo: {problem.n} sites, {int(problem.allowed().sum())} allowed, "
        f"objective {problem.objective}",
        "samples": args.samples,
        "workers": args.workers,
        "smaa_seconds": round(smaa_s, 2),
        "target_seconds": TARGET_S,
        "meets_target": smaa_s <= TARGET_S,
        "reference_seconds_extrapolated": round(ref_s, 2),
        "reference_samples": k,
        "speed_up": round(ref_s / smaa_s, 2),
        "same_objective_as_reference": agree,
        "chosen_share": round(out.chosen_share, 4),
        "stable_core": list(out.stable_core),
        "cpus": os.cpu_count(),
        "load_average_1min": round(load, 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0 if result["meets_target"] and agree else 1
    rows = [
        ("what", "samples", "seconds", "per sample (ms)", "note"),
        ("rule_smaa (warm, reused model)", args.samples, f"{smaa_s:.2f}",
         f"{1000 * smaa_s / args.samples:.1f}",
         f"{args.workers} processes; target <= {TARGET_S:.0f} s: "
         f"{'met' if smaa_s <= TARGET_S else 'NOT met'}"),
        ("reference: serial, fresh model", args.samples, f"{ref_s:.2f}",
         f"{1000 * ref_s / args.samples:.1f}", f"measured on {k}, extrapolated"),
    ]  # fmt: skip
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    print(f"SMAA of the chosen rule on {result['instance']}")
    for r in rows:
        print("  ".join(str(x).ljust(widths[i]) for i, x in enumerate(r)).rstrip())
    print(
        f"speed-up {result['speed_up']}x; same objective as the reference on {k} samples: "
        f"{agree}; chosen shortlist in {100 * out.chosen_share:.1f} % of samples; stable core "
        f"{', '.join(out.stable_core) or '-'}"
    )
    print(f"(cpus: {result['cpus']}, 1-min load average at the end: {load:.2f})")
    return 0 if result["meets_target"] and agree else 1


if __name__ == "__main__":
    sys.exit(main())

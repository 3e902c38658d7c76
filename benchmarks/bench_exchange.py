"""Benchmark of the regional exchange engine (issue 5).

Synthetic, seeded instances:

1. 342 municipalities x 3 groups x 4 housing types with stepwise costs (target <= 2 s),
   beside the no-exchange cost of the same instance;
2. exact Shapley value for 10 municipalities, 1,024 coalitions (target <= 20 s);
3. sampled Shapley value for 44 municipalities with its standard error (target <= 60 s),
   beside the exact Shapley value of a 10-municipality subset, sampled on that subset with
   the same settings (sampled-vs-exact error).

Usage::

    PYTHONPATH=src python benchmarks/bench_exchange.py [--json] [--samples N] [--seed S] [--mip]

The timings include compiling the model, the exchange solve, the no-exchange
reference solve and building the result tables (not building the synthetic config).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np

from opvang_opt.exchange import (
    CoalitionGame,
    ExchangeConfig,
    ExchangeModel,
    check_exchange,
    exact_shapley,
    sampled_shapley,
    solve_exchange,
)

GROUPS = ["asielzoekers", "statushouders", "ontheemden"]
TYPES = {
    "opvanglocatie": (["asielzoekers", "ontheemden"], 16_000.0),
    "flexwoning": (["statushouders", "ontheemden"], 4_500.0),
    "sociale_huur": (["statushouders"], 2_000.0),
    "hotel": (["asielzoekers", "statushouders", "ontheemden"], 30_000.0),
}


def synthetic_config(n: int, seed: int, *, fixed_costs: bool = False) -> ExchangeConfig:
    """A seeded instance: n municipalities x 3 groups x 4 housing types, 3 cost steps each."""
    rng = np.random.default_rng(seed)
    pop = np.round(rng.lognormal(10.3, 0.8, n)).astype(int) + 3_000
    national = {"asielzoekers": 96_000, "statushouders": 20_000, "ontheemden": 90_000}
    scale = pop / pop.sum()
    munis = [
        {"code": f"GM{i + 1:04d}", "name": f"Gemeente {i + 1}", "population": int(p)}
        for i, p in enumerate(pop)
    ]
    tasks = {
        m["code"]: {g: float(np.round(national[g] * scale[i] * n / 342)) for g in GROUPS}
        for i, m in enumerate(munis)
    }
    capacity = []
    for m in munis:
        total = sum(tasks[m["code"]].values())
        for t, (_, base) in TYPES.items():
            places = float(np.round(total * rng.uniform(0.15, 0.6)))
            c0 = base * rng.uniform(0.8, 1.25)
            steps = [
                {"up_to": max(1.0, np.round(places * 0.5)), "cost_per_place": round(c0)},
                {"up_to": max(2.0, np.round(places * 0.8)), "cost_per_place": round(c0 * 1.15)},
                {"cost_per_place": round(c0 * 1.4)},
            ]
            entry: dict[str, Any] = {
                "municipality": m["code"],
                "type": t,
                "places": places,
                "cost_steps": steps,
            }
            if fixed_costs and t == "flexwoning":
                entry["fixed_cost"] = round(50_000 * rng.uniform(0.5, 1.5))
            capacity.append(entry)
    data = {
        "municipalities": munis,
        "groups": [{"name": g, "unmet_cost_per_place": 45_000} for g in GROUPS],
        "tasks": tasks,
        "housing_types": [
            {"name": t, "groups": gs, "cost_per_place": base} for t, (gs, base) in TYPES.items()
        ],
        "capacity": capacity,
        "substitution": [
            {"from_group": "ontheemden", "to_group": "asielzoekers", "rate": 1.0, "max_share": 0.3}
        ],
        "bounds": {"default": {"min_keep_share": 0.5, "max_extra_share": 1.0}},
    }
    return ExchangeConfig.model_validate(data)


def subset_config(config: ExchangeConfig, codes: list[str]) -> ExchangeConfig:
    """The same instance restricted to some municipalities."""
    data = config.model_dump()
    keep = set(codes)
    data["municipalities"] = [m for m in data["municipalities"] if m["code"] in keep]
    data["tasks"] = {c: v for c, v in data["tasks"].items() if c in keep}
    data["capacity"] = [e for e in data["capacity"] if e["municipality"] in keep]
    return ExchangeConfig.model_validate(data)


def bench_national(seed: int, *, fixed_costs: bool = False) -> dict[str, Any]:
    tv = time.perf_counter()
    config = synthetic_config(342, seed, fixed_costs=fixed_costs)
    validate_s = time.perf_counter() - tv
    t0 = time.perf_counter()
    res = solve_exchange(config)
    total = time.perf_counter() - t0
    model = ExchangeModel.from_config(config)
    lp, _ = model.lp()
    check = check_exchange(config, res)
    return {
        "problem": "342 municipalities x 3 groups x 4 types, stepwise costs"
        + (" + fixed costs (MIP)" if fixed_costs else ""),
        "seconds": total,
        "target_s": None if fixed_costs else 2.0,
        "build_and_validate_config_s": validate_s,
        "status": res.status.value,
        "gap": res.gap,
        "variables": lp.n_cols,
        "constraints": lp.n_rows,
        "cost_exchange": res.objective,
        "reference_no_exchange_cost": res.no_exchange_cost,
        "savings_share": res.savings / res.no_exchange_cost,
        "check_ok": check.is_ok,
    }


def bench_exact(seed: int) -> dict[str, Any]:
    config = synthetic_config(10, seed)
    t0 = time.perf_counter()
    game = CoalitionGame(config)
    sh = exact_shapley(game)
    total = time.perf_counter() - t0
    return {
        "problem": "exact Shapley, 10 municipalities (1,024 coalitions)",
        "seconds": total,
        "target_s": 20.0,
        "coalitions": 1 << 10,
        "solves": game.solves,
        "grand_savings": sh.grand_value,
        "reference_no_exchange_cost": float(game.alone.sum()),
        "min_shapley": float(sh.values.min()),
    }


def bench_sampled(seed: int, samples: int) -> dict[str, Any]:
    config = synthetic_config(44, seed)
    t0 = time.perf_counter()
    game = CoalitionGame(config)
    sh = sampled_shapley(game, samples, seed)
    total = time.perf_counter() - t0
    # reference: exact vs sampled on a 10-municipality subset, same sampling settings
    sub = subset_config(config, list(config.codes[:10]))
    t1 = time.perf_counter()
    sub_game = CoalitionGame(sub)
    exact = exact_shapley(sub_game).values
    sampled_sub = sampled_shapley(sub_game, samples, seed)
    ref_s = time.perf_counter() - t1
    err = np.abs(sampled_sub.values - exact)
    scale = max(np.abs(exact).max(), 1.0)
    return {
        "problem": "sampled Shapley, 44 municipalities",
        "seconds": total,
        "target_s": 60.0,
        "samples": sh.samples,
        "solves": game.solves,
        "grand_savings": sh.grand_value,
        "reference_no_exchange_cost": float(game.alone.sum()),
        "max_std_error": float(sh.std_error.max()),
        "max_std_error_rel": float(sh.std_error.max() / max(np.abs(sh.values).max(), 1.0)),
        "subset10_max_abs_error": float(err.max()),
        "subset10_max_rel_error": float(err.max() / scale),
        "subset10_max_std_error": float(sampled_sub.std_error.max()),
        "subset10_within_3se": bool((err <= 3 * sampled_sub.std_error + 1e-6).all()),
        "subset10_seconds": ref_s,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=200, help="orders for sampled Shapley")
    ap.add_argument(
        "--mip",
        action="store_true",
        help="also time the 342 instance with fixed opening costs (no target)",
    )
    args = ap.parse_args(argv)
    rows = [
        bench_national(args.seed),
        bench_exact(args.seed),
        bench_sampled(args.seed, args.samples),
    ]
    if args.mip:
        rows.insert(1, bench_national(args.seed, fixed_costs=True))
    for r in rows:
        r["meets_target"] = None if r["target_s"] is None else r["seconds"] <= r["target_s"]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'problem':58s} {'seconds':>8s} {'target':>7s}  ok   reference")
    for r in rows:
        ref = f"no-exchange cost EUR {r['reference_no_exchange_cost']:,.0f}"
        target = "-" if r["target_s"] is None else f"{r['target_s']:.0f}"
        ok = {None: "-  ", True: "yes", False: "NO "}[r["meets_target"]]
        print(f"{r['problem'][:58]:58s} {r['seconds']:8.2f} {target:>7s}  {ok}  {ref}")
        if "status" in r:
            print(
                f"{'':58s} status {r['status']}, gap {r['gap']:.1e}, {r['variables']} vars, "
                f"{r['constraints']} rows, savings {r['savings_share']:.1%}, "
                f"check {'ok' if r['check_ok'] else 'FAILED'}"
            )
            print(
                f"{'':58s} (building + validating the config: "
                f"{r['build_and_validate_config_s']:.2f} s, not in the timing)"
            )
        if "solves" in r:
            print(
                f"{'':58s} {r['solves']} coalition solves, grand savings EUR "
                f"{r['grand_savings']:,.0f}"
            )
        if "max_std_error" in r:
            print(
                f"{'':58s} {r['samples']} orders, max std error EUR {r['max_std_error']:,.0f} "
                f"({r['max_std_error_rel']:.1%} of largest value)"
            )
            print(
                f"{'':58s} 10-municipality subset: sampled vs exact max error EUR "
                f"{r['subset10_max_abs_error']:,.0f} ({r['subset10_max_rel_error']:.1%}), "
                f"std error EUR {r['subset10_max_std_error']:,.0f}, within 3 SE: "
                f"{r['subset10_within_3se']} ({r['subset10_seconds']:.1f} s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``benchmarks/bench_planning.py --proof-seeds``: the proof alone from the stage's plan, once
per HiGHS seed (what a portfolio of seeds could gain). Each seed must prove the optimum
of a plain solve to a zero gap, and the seed option must not leak into later solves."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from opvang_opt.planning import model
from opvang_opt.planning.model import solve_model
from opvang_opt.planning.synthetic import synthetic_instance

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_planning.py"


def test_proof_rows_prove_the_optimum_per_seed() -> None:
    spec = importlib.util.spec_from_file_location("bench_planning", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert "random_seed" not in model.HIGHS_OPTIONS
    rows = bench.run(20261122, [], quick=True, only="small", stage_only=True, proof_seeds=[1, 2])
    stage, *proofs = rows
    # the quick case of the benchmark: 15 sites, 10 periods, 3 municipalities, 3 groups
    best = solve_model(synthetic_instance(15, 10, 3, 3, seed=20261122), relative_gap=0.0)
    assert best.status.value == "optimal" and best.objective is not None
    opt_eur = best.objective / 100
    assert stage["cost_eur"] >= round(opt_eur)
    assert [r["method"][-1] for r in proofs] == ["1", "2"]
    for r in proofs:
        assert r["status"] == "optimal" and r["checker_ok"]
        # optimal means a proven gap of at most OPTIMAL_GAP (costs printed in whole euros)
        assert abs(r["cost_eur"] - opt_eur) <= model.OPTIMAL_GAP * opt_eur + 1
        assert r["cpu_seconds"] is not None and r["cpu_seconds"] >= 0
    assert "random_seed" not in model.HIGHS_OPTIONS

"""Random and adversarial exchange configs, and the comparison with the project."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from opvang_opt.errors import InfeasibleError
from opvang_opt.exchange import check_exchange, shapley_payments, solve_exchange
from opvang_opt.schema import ExchangeConfig
from opvang_opt.status import SolveStatus

from . import _exchange_oracle as oracle

THIRD = 0.3333333333333333


def _money(rng: random.Random) -> float:
    return rng.choice([0.0, 0.01, 0.1, 0.2, 1000.0, 5000.0, 1234.56, rng.randint(0, 10**6) / 100])


def random_config(rng: random.Random, n_max: int = 4) -> dict[str, Any]:
    n = rng.randint(2, n_max)
    codes = [f"GM{100 + k:04d}" for k in range(n)]
    ng = rng.randint(1, 3)
    groups = [{"name": "abc"[k]} for k in range(ng)]
    for g in groups:
        if rng.random() < 0.7:
            g["unmet_cost_per_place"] = _money(rng) + rng.choice([0, 10000])
    integer = rng.random() < 0.5
    whole = integer or rng.random() < 0.5

    def places(lo: int, hi: int) -> float:
        v = float(rng.randint(lo, hi))
        return v if whole else v + rng.choice([0.0, 0.5, 0.25, THIRD])

    types = []
    for k in range(rng.randint(1, 3)):
        gs = sorted(rng.sample([g["name"] for g in groups], rng.randint(1, ng)))
        t: dict[str, Any] = {"name": f"t{k}", "groups": gs}
        if rng.random() < 0.5:
            t["cost_per_place"] = _money(rng)
        else:
            c1 = _money(rng)
            t["cost_steps"] = [
                {"up_to": float(rng.randint(1, 20)), "cost_per_place": c1},
                {"cost_per_place": c1 + rng.choice([0.0, 0.01, 500.0])},
            ]
        types.append(t)
    capacity = []
    for code in codes:
        for t in types:
            if rng.random() < 0.7:
                e: dict[str, Any] = {"municipality": code, "type": t["name"],
                                     "places": places(0, 40)}  # fmt: skip
                if rng.random() < 0.3:
                    e["cost_per_place"] = _money(rng)
                if rng.random() < 0.4:
                    e["fixed_cost"] = _money(rng) + rng.choice([0, 20000])
                capacity.append(e)
    tasks = {
        c: {g["name"]: rng.choice([places(0, 30), 10.0, 20.0, 30.0, 90.0]) for g in groups
            if rng.random() < 0.85}
        for c in codes
    }  # fmt: skip
    cfg: dict[str, Any] = {
        "municipalities": [{"code": c, "name": f"M{c}", "population": 1000} for c in codes],
        "groups": groups,
        "tasks": tasks,
        "housing_types": types,
        "capacity": capacity,
        "solver": {"integer_places": integer},
    }
    if ng >= 2 and rng.random() < 0.5:
        a, b = rng.sample([g["name"] for g in groups], 2)
        cfg["substitution"] = [{"from_group": a, "to_group": b,
                                "rate": rng.choice([1.0, 0.5, 1.5, THIRD]),
                                "max_share": rng.choice([1.0, 0.5, THIRD, 0.0])}]  # fmt: skip
    # shares whose float products miss whole numbers: (1 - 0.2) x 20 = 15.999999999999996
    keep = rng.choice([0.0, 0.3, THIRD, 0.5, 1.0, 0.2, 0.7, 0.1])
    default: dict[str, Any] = {"min_keep_share": keep}
    if rng.random() < 0.3:
        default["max_extra"] = float(rng.randint(0, 15))
    if rng.random() < 0.2:
        default["max_extra_share"] = rng.choice([0.0, 0.5, THIRD, 2.0, 0.1, 0.7])
    overrides = []
    if rng.random() < 0.4:
        o: dict[str, Any] = {"municipality": rng.choice(codes),
                             "min_keep_share": rng.choice([0.0, 1.0, 0.7])}  # fmt: skip
        if rng.random() < 0.5:
            o["group"] = rng.choice(groups)["name"]
        overrides.append(o)
    cfg["bounds"] = {"default": default, "overrides": overrides}
    return cfg


def _close(a: float, b: float, tol: float = 0.011) -> bool:
    """Equal within ``tol`` euros (each municipality's cost is whole cents, rounded half to
    even when places are fractional: half a cent per municipality) and 1e-7 relative."""
    return abs(a - b) <= tol + 1e-7 * max(abs(a), abs(b))


def compare(data: dict[str, Any], rng: random.Random, shapley: bool = True) -> list[str]:
    """Every disagreement between the project and the oracle on one config."""
    out: list[str] = []
    cfg = ExchangeConfig.model_validate(data)
    codes = [m["code"] for m in data["municipalities"]]
    tol = 0.006 * len(codes) + 0.001
    shifts = [None, rng.choice([0.0, 0.25, THIRD, 1.0, 0.1, 0.3, 0.7])]
    for shift in shifts:
        mine = oracle.solve(data, codes, exchange=True, shift=shift)
        try:
            res = solve_exchange(cfg, shift=shift)
        except InfeasibleError:
            if mine.feasible:
                out.append(f"shift {shift}: project infeasible, oracle {mine.cost}")
            continue
        if not mine.feasible:
            out.append(f"shift {shift}: oracle infeasible, project {res.objective}")
            continue
        if res.status is SolveStatus.OPTIMAL:  # proven to the cent
            if not _close(res.objective, mine.cost, tol):
                out.append(f"shift {shift}: cost {res.objective} != oracle {mine.cost}")
        elif res.status is SolveStatus.FEASIBLE:  # within the reported gap (1e-6 default)
            if not res.gap <= cfg.solver.relative_gap + 1e-9:
                out.append(f"shift {shift}: feasible at gap {res.gap}")
            if res.objective - mine.cost > res.gap * abs(res.objective) + tol:
                out.append(f"shift {shift}: gap {res.gap} untrue: {res.objective} vs {mine.cost}")
        else:
            out.append(f"shift {shift}: status {res.status}")
        if res.objective < mine.cost - tol:
            out.append(f"shift {shift}: cost {res.objective} below the optimum {mine.cost}")
        rep = check_exchange(cfg, res)
        if not rep.is_ok:
            out.append(f"shift {shift}: checker {[v.message for v in rep.violations][:2]}")
        alone = [oracle.solve(data, [c], exchange=False) for c in codes]
        if all(a.feasible for a in alone):
            ref = sum(a.cost for a in alone)
            if res.no_exchange_cost is None or not _close(res.no_exchange_cost, ref, tol):
                out.append(f"shift {shift}: no-exchange {res.no_exchange_cost} != {ref}")
        elif res.no_exchange_cost is not None:
            out.append(f"shift {shift}: no-exchange {res.no_exchange_cost}, oracle infeasible")
    if shapley and not out:
        out += compare_shapley(data, cfg, codes)
    return out


def compare_shapley(data: dict[str, Any], cfg: ExchangeConfig, codes: list[str]) -> list[str]:
    out: list[str] = []
    try:
        alone, v = oracle.game_values(data)
    except ValueError:
        alone = None
    if oracle.solve(data, codes).feasible is False:
        return out
    try:
        sp = shapley_payments(cfg, method="exact")
    except InfeasibleError:
        if alone is not None:
            out.append("shapley: project infeasible, oracle has a game")
        return out
    if alone is None:
        out.append("shapley: project paid out, but a municipality cannot meet its task alone")
        return out
    phi = oracle.shapley(codes, v)
    grand = v[frozenset(codes)]
    tab = sp.table
    for k, c in enumerate(codes):
        if not _close(float(sp.shapley.values[k]), phi[c], 0.011 + 1e-6 * abs(grand)):
            out.append(f"shapley {c}: {sp.shapley.values[k]} != {phi[c]}")
        if not _close(tab["cost_no_exchange"].iloc[k], alone[c]):
            out.append(f"alone {c}: {tab['cost_no_exchange'].iloc[k]} != {alone[c]}")
    pay = tab["payment_cents"].to_numpy()
    al = tab["cost_no_exchange_cents"].to_numpy()
    ex = tab["cost_exchange_cents"].to_numpy()
    sav = tab["shapley_saving_cents"].to_numpy()
    after = tab["cost_after_payment_cents"].to_numpy()
    if not all(isinstance(int(p), int) and float(p) == int(p) for p in pay):
        out.append(f"payments not whole cents: {pay}")
    if int(pay.sum()) != 0:
        out.append(f"payments sum to {int(pay.sum())} cents")
    V = int(al.sum() - ex.sum())
    if int(sav.sum()) != V:
        out.append(f"savings {int(sav.sum())} != region's saving {V}")
    if not np.array_equal(pay, al - sav - ex) or not np.array_equal(after, al - sav):
        out.append("payment != alone - saving - exchange")
    if V >= 0:
        if (after > al).any():
            out.append(f"someone worse off: after {after.tolist()} alone {al.tolist()}")
        pos = np.array([max(phi[c], 0.0) for c in codes])
        if pos.sum() > 0:
            exact = V * pos / pos.sum()
            if (np.abs(sav - exact) >= 1.0 + 1e-6 * V).any():
                out.append(f"savings {sav.tolist()} not within a cent of {exact.tolist()}")
        if not tab["individually_rational"].all():
            out.append("individually_rational False")
    # the core: least-core epsilon, emptiness, and whether the Shapley value lies in it
    scale = max(1.0, abs(grand))
    eps = oracle.least_core(codes, v)
    core = sp.core
    if not core.complete:
        out.append("core check not complete on an exact game")
    if abs(core.least_core_epsilon - eps) > 1e-4 * scale:
        out.append(f"least-core epsilon {core.least_core_epsilon} != {eps}")
    if core.core_empty and eps > -1e-6 * scale:
        out.append(f"core reported empty, least-core epsilon {eps}")
    if not core.core_empty and eps < -1e-4 * scale:
        out.append(f"core reported not empty, least-core epsilon {eps}")
    worst = max((v[S] - sum(phi[c] for c in S) for S in v if 0 < len(S) < len(codes)), default=0.0)
    if abs(worst) > 1e-4 * scale and core.allocation_in_core != (worst <= 0):
        out.append(f"Shapley in core {core.allocation_in_core}, worst excess {worst}")
    if not _close(V / 100, grand, 0.011 * len(codes) + 1e-6 * abs(grand)):
        out.append(f"region's saving {V / 100} != v(N) {grand}")
    return out

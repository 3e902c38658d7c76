"""Random and adversarial shortlist instances, and the comparison with the project."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from opvang_opt.siting.shortlist import ShortlistProblem, check_shortlist, solve_shortlist
from opvang_opt.status import SolveStatus

from ._siting_oracle import Instance, best, cents, evaluate, keys

OBJECTIVES = ("people", "people", "people", "cost", "sites", "spread", "score", "score_x_capacity")


def random_instance(rng: random.Random, n_max: int = 9) -> Instance:
    n = rng.randint(1, n_max)
    vmode = rng.choice(["int", "tie", "milli", "third", "digits"])
    if vmode == "int":
        value = [float(rng.randint(0, 100)) for _ in range(n)]
    elif vmode == "tie":
        value = [float(rng.choice([40, 60])) for _ in range(n)]
    elif vmode == "milli":
        value = [rng.randint(0, 100_000) / 1000 for _ in range(n)]
    elif vmode == "third":
        value = [round(100 * rng.randint(0, 3) / 3, 3) for _ in range(n)]
    else:  # scores as a weighted sum writes them: 1/3 with every digit
        value = [100 * rng.randint(0, 3) / 3 + rng.choice([0.0, 0.0004, 1e-9]) for _ in range(n)]
    cmode = rng.choice(["small", "small", "zero", "huge"])
    if cmode == "small":
        capacity = [rng.randint(1, 12) for _ in range(n)]
    elif cmode == "zero":
        capacity = [rng.choice([0, 0, 3, 5, 8]) for _ in range(n)]
    else:
        capacity = [rng.choice([1, 10**6, 10**7, 123_456]) for _ in range(n)]
    eligible = [rng.random() > 0.15 for _ in range(n)]
    # a target that some subset meets exactly, or a random one
    sub = [i for i in range(n) if rng.random() < 0.5]
    exact_cap = sum(capacity[i] for i in sub)
    target = rng.choice([exact_cap, exact_cap, max(1, exact_cap - 1), exact_cap + 1, 1])
    # targets up to 100,000 places (larger ones are refused by a documented guard)
    target = min(max(target, 1), 100_000)
    inst = Instance(value=value, capacity=capacity, target=target, eligible=eligible)
    inst.objective = rng.choice(OBJECTIVES)
    inst.irredundant = rng.random() < 0.85
    if rng.random() < 0.5 or inst.objective == "cost":
        inst.cost = [
            rng.choice([0.0, 1000.0, rng.randint(0, 10**7) / 100, 0.1, 0.2]) for _ in range(n)
        ]
        if rng.random() < 0.6:
            sub = [i for i in range(n) if rng.random() < 0.5]
            exact = sum(inst.cost[i] for i in sub)  # exactly at budget (float sum of cents)
            inst.budget = rng.choice([exact, round(exact, 2), round(exact - 0.01, 2)])
            if inst.budget < 0:
                inst.budget = 0.0
    if rng.random() < 0.3:
        inst.max_sites = rng.randint(1, max(1, n))
    if rng.random() < 0.25:
        sub = [i for i in range(n) if rng.random() < 0.6]
        inst.max_capacity = max(0, sum(capacity[i] for i in sub))
    if rng.random() < 0.4 and n >= 2:
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        inst.conflicts = sorted(rng.sample(pairs, rng.randint(1, min(len(pairs), 4))))
    if rng.random() < 0.3:
        inst.zone = [rng.choice("ab") for _ in range(n)]
        inst.max_per_zone = rng.randint(1, 2)
    if rng.random() < 0.2:
        inst.available = [rng.random() > 0.2 for _ in range(n)]
    if rng.random() < 0.2:
        mi = [False] * n
        mi[rng.randrange(n)] = True
        inst.must_include = mi
    if rng.random() < 0.2:
        me = [False] * n
        me[rng.randrange(n)] = True
        if inst.must_include is None or not any(
            a and b for a, b in zip(me, inst.must_include, strict=True)
        ):
            inst.must_exclude = me
    if inst.objective == "spread" or rng.random() < 0.1:
        pts = [(rng.randint(0, 2000), rng.randint(0, 2000)) for _ in range(n)]
        d = [[float(np.hypot(a[0] - b[0], a[1] - b[1])) for b in pts] for a in pts]
        inst.distance = d
    if inst.objective in ("score", "score_x_capacity") and rng.random() < 0.5:
        inst.max_sites = inst.max_sites or rng.randint(1, n)
    if rng.random() < 0.25 and inst.objective not in ("score", "score_x_capacity"):
        # exactly at a reachable quality
        ev = evaluate(inst)
        ok = np.flatnonzero(ev.feasible)
        if len(ok):
            r = ok[rng.randrange(len(ok))]
            inst.min_quality = float(ev.q[r]) / inst.target
    return inst


def to_problem(inst: Instance) -> ShortlistProblem:
    n = inst.n
    conf = (
        np.array(inst.conflicts, dtype=np.int64).reshape(-1, 2)
        if inst.conflicts
        else np.zeros((0, 2), np.int64)
    )
    return ShortlistProblem(
        ids=np.array([f"s{i}" for i in range(n)]),
        value=np.array(inst.value, float),
        capacity=np.array(inst.capacity, np.int64),
        target=inst.target,
        eligible=np.array(inst.eligible, bool),
        cost=np.array(inst.cost, float) if inst.cost is not None else None,
        budget=inst.budget,
        max_sites=inst.max_sites,
        max_capacity=inst.max_capacity,
        conflicts=conf,
        conflict_distance=np.zeros(len(conf)),
        min_distance=1.0 if inst.conflicts else None,
        zone=np.array(inst.zone) if inst.zone is not None else None,
        max_per_zone=inst.max_per_zone,
        available=np.array(inst.available, bool) if inst.available is not None else None,
        must_include=np.array(inst.must_include, bool) if inst.must_include is not None else None,
        must_exclude=np.array(inst.must_exclude, bool) if inst.must_exclude is not None else None,
        objective=inst.objective,  # type: ignore[arg-type]
        irredundant=inst.irredundant,
        min_quality=inst.min_quality,
        distance=np.array(inst.distance, float) if inst.distance is not None else None,
    )


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)


def compare(inst: Instance, rng: random.Random | None = None, checks: int = 8) -> list[str]:
    """Every disagreement between the project and the oracle on one instance."""
    out: list[str] = []
    ev = evaluate(inst)
    opt, key = best(inst, ev)
    p = to_problem(inst)
    sol = solve_shortlist(p, time_limit=20.0, workers=1)
    sel = np.asarray(sol.selected, bool)
    row = int((sel * (1 << np.arange(inst.n))).sum())
    if len(opt) == 0:
        if sol.status is not SolveStatus.INFEASIBLE or sol.target_met:
            out.append(f"oracle infeasible, project {sol.status} target_met={sol.target_met}")
        if inst.min_quality is None:
            rb = np.flatnonzero(ev.rules_but_target)
            maxcap = int(ev.cap[rb].max()) if len(rb) else -1
            want = max(0, inst.target - maxcap) if maxcap >= 0 else inst.target
            if sol.shortfall != want:
                out.append(f"shortfall {sol.shortfall} != {want}")
    else:
        if sol.status is not SolveStatus.OPTIMAL:
            out.append(f"oracle feasible (key {key.tolist()}), project {sol.status}")
            return out
        if not sol.target_met:
            out.append("target_met False on a feasible instance")
        if not ev.feasible[row]:
            out.append(f"project selection {sel.astype(int).tolist()} breaks a rule")
        else:
            kk = keys(inst, ev)[row]
            if not np.allclose(kk, key, rtol=1e-9, atol=1e-6):
                mine = ev.s[opt[0]].astype(int).tolist()
                out.append(f"key {kk.tolist()} != optimum {key.tolist()} ({mine})")
            want = {
                "people": float(ev.q[row]) / inst.target,
                "cost": int(ev.cost[row]) / 100,
                "sites": float(ev.k[row]),
                "spread": float(ev.spread[row]),
            }.get(inst.objective)
            if want is not None and not np.isclose(sol.objective, want, rtol=1e-9, atol=1e-9):
                out.append(f"objective {sol.objective} != {want}")
        if sol.gap != 0.0:
            out.append(f"gap {sol.gap} on optimal")
        if sol.capacity != int(ev.cap[row]):
            out.append(f"capacity {sol.capacity} != {int(ev.cap[row])}")
        over = int(ev.cap[row]) - inst.target
        if sol.overshoot != max(0, over):
            out.append(f"overshoot {sol.overshoot} != {over}")
        if not check_shortlist(p, sel).is_ok:
            bad = check_shortlist(p, sel).violations
            out.append(f"checker refuses the project's optimal shortlist: {bad}")
    # the checker's verdict against the oracle's on random subsets
    rng = rng or random.Random(0)
    for _ in range(checks):
        r = rng.randrange(len(ev.s))
        verdict = check_shortlist(p, ev.s[r]).is_ok
        if verdict != bool(ev.feasible[r]):
            rules = [v.rule for v in check_shortlist(p, ev.s[r]).violations]
            subset = ev.s[r].astype(int).tolist()
            out.append(f"checker {verdict} on {subset}, oracle {bool(ev.feasible[r])}: {rules}")
    return out


def compare_counterfactuals(inst: Instance) -> list[str]:
    """Forcing each left-out site in and dropping each chosen one, against brute force:
    feasibility and the loss in the objective's unit (the best subset with the site, or
    without it)."""
    from opvang_opt.siting.shortlist import counterfactuals, optimise_rule

    out: list[str] = []
    if inst.objective not in ("people", "cost", "sites"):
        return out
    ev = evaluate(inst)
    opt, _ = best(inst, ev)
    if len(opt) == 0:
        return out
    p = to_problem(inst)
    sol = solve_shortlist(p, time_limit=20.0, workers=1, explain=False)
    base = np.asarray(sol.selected, bool)
    unit = {
        "people": ev.q / max(inst.target, 1),
        "cost": ev.cost / 100.0,
        "sites": ev.k.astype(float),
    }[inst.objective]
    sign = -1.0 if inst.objective == "people" else 1.0
    row = int((base * (1 << np.arange(inst.n))).sum())
    for cf in counterfactuals(p, sol, optimise_rule(time_limit=20.0)):
        i = int(cf.site[1:])
        has = ev.s[:, i] if cf.action == "force_in" else ~ev.s[:, i]
        ok = ev.feasible & has
        if not ok.any():
            if cf.feasible:
                out.append(f"{cf.action} {cf.site}: feasible by the project, not by brute force")
            continue
        if not cf.feasible:
            out.append(f"{cf.action} {cf.site}: infeasible by the project, not by brute force")
            continue
        kk = keys(inst, ev)
        cand = np.flatnonzero(ok)
        for col in range(kk.shape[1]):
            top = kk[cand, col].max()
            cand = cand[kk[cand, col] >= top - 1e-7 - 1e-12 * abs(top)]
        want = sign * (unit[cand[0]] - unit[row])
        if abs(cf.loss - want) > 1e-3 + 1e-9 * abs(want):
            out.append(f"{cf.action} {cf.site}: loss {cf.loss} != brute force {want}")
    return out


def medium_instance(rng: random.Random) -> Instance:
    """15-40 sites on a 3 km square: separation from the points, zones, budgets at a third
    of the cheapest sites, realistic capacities and targets."""
    n = rng.randint(15, 40)
    pts = [(rng.uniform(0, 3000), rng.uniform(0, 3000)) for _ in range(n)]
    value = [
        rng.choice([float(rng.randint(0, 100)), rng.randint(0, 100_000) / 1000,
                    100 * rng.randint(0, 3) / 3])
        for _ in range(n)
    ]  # fmt: skip
    cap = [rng.choice([0, rng.randint(5, 120), rng.randint(5, 120), 300]) for _ in range(n)]
    target = rng.randint(50, 600)
    inst = Instance(value=value, capacity=cap, target=target,
                    eligible=[rng.random() > 0.1 for _ in range(n)])  # fmt: skip
    inst.objective = rng.choice(["people", "people", "cost", "sites", "score", "score_x_capacity"])
    inst.irredundant = rng.random() < 0.85
    if rng.random() < 0.6 or inst.objective == "cost":
        inst.cost = [rng.randint(0, 10**8) / 100 for _ in range(n)]
        if rng.random() < 0.5:
            inst.budget = round(sum(sorted(inst.cost)[: n // 3]), 2)
    if rng.random() < 0.4:
        inst.max_sites = rng.randint(2, 8)
    if rng.random() < 0.3:
        inst.max_capacity = target + rng.randint(0, 200)
    d = rng.choice([0, 200, 400])
    if d:
        inst.conflicts = [
            (i, j) for i in range(n) for j in range(i + 1, n)
            if np.hypot(pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]) < d
        ]  # fmt: skip
    if rng.random() < 0.4:
        inst.zone = [rng.choice("abcd") for _ in range(n)]
        inst.max_per_zone = rng.randint(1, 3)
    if rng.random() < 0.3:
        inst.must_include = [k == rng.randrange(n) for k in range(n)]
    if rng.random() < 0.3:
        me = [False] * n
        me[rng.randrange(n)] = True
        if not (
            inst.must_include and any(a and b for a, b in zip(me, inst.must_include, strict=True))
        ):
            inst.must_exclude = me
    if rng.random() < 0.2 and inst.objective not in ("score", "score_x_capacity"):
        inst.min_quality = rng.choice([40.0, 60.0, 70.0])
    return inst


def compare_medium(inst: Instance) -> list[str]:
    """The project against the independent lexicographic MILP (``_siting_milp``)."""
    from . import _siting_milp
    from ._siting_oracle import quality_q

    ok, key, _ = _siting_milp.solve(inst)
    p = to_problem(inst)
    s = solve_shortlist(p, workers=1, time_limit=30.0)
    if not ok:
        if s.status is not SolveStatus.INFEASIBLE:
            return [f"milp infeasible, project {s.status}"]
        return []
    if s.status is not SolveStatus.OPTIMAL:
        return [f"status {s.status}, milp {key}"]
    out = []
    if not check_shortlist(p, s.selected).is_ok:
        out.append(f"checker {check_shortlist(p, s.selected).violations}")
    sel = np.asarray(s.selected, bool)
    c = np.asarray(inst.capacity)
    v = np.asarray(inst.value, float)
    qg = float(quality_q(inst, sel[None, :], True)[0])
    costc = sum(cents(x) for x, b in zip(inst.cost or [0.0] * inst.n, sel, strict=True) if b)
    theirs = {
        "people": [qg, -int(c[sel].sum()), -int(sel.sum())],
        "cost": [-costc, qg],
        "sites": [-int(sel.sum()), qg],
        "score": [float(np.round(v * 1000)[sel].sum())],
        "score_x_capacity": [float(np.round(v * c * 1000)[sel].sum())],
    }[inst.objective]
    if not np.allclose(theirs, key, rtol=1e-9, atol=1e-4):
        out.append(f"{inst.objective}: project {theirs} != milp {key}")
    return out

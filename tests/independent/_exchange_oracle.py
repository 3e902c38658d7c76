"""An independent exchange model (scipy's HiGHS MILP), written from the documented rules.

Sources: the README ("Exchange"), the schema docstrings of ``ExchangeConfig`` and the
formulation in ``exchange/model.py``'s module docstring; nothing of the project's
arrays or solver calls is used. Every municipality ``i`` houses ``x[i, e, g]`` places of
group ``g`` in its capacity entry ``e`` (only groups the type can house), at the entry's
(stepwise, non-falling) cost and its fixed opening cost when it houses anyone; ``s[i, r]``
places of ``from_group`` count as ``rate`` places of ``to_group`` (at most what is housed
of ``from_group``, at most ``max_share`` of what is credited to ``to_group``); ``in``/``out``
move task between municipalities, the region's total per group kept exactly, ``out <=
(1 - min_keep_share) task``, ``in <= max_extra`` and ``in <= max_extra_share task``;
``u`` is the unmet task of groups with ``unmet_cost_per_place``. Minimise the total cost.
``integer_places``: x, s, in and out whole. Without the exchange, in = out = 0.

The game: ``v(S) = sum_{i in S} alone(i) - cost(S)``; Shapley by the subset formula.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


def cents(x: float) -> int:
    return int((Decimal(repr(float(x))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class Solved:
    feasible: bool
    cost: float = math.nan
    """Total cost in euros (costs read as whole cents)."""
    per_muni: dict[str, float] | None = None


class _Builder:
    def __init__(self) -> None:
        self.c: list[float] = []
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integ: list[int] = []
        self.owner: list[str | None] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, cost: float, ub: float, owner: str | None, integer: bool = False) -> int:
        self.c.append(cost)
        self.lb.append(0.0)
        self.ub.append(ub)
        self.integ.append(1 if integer else 0)
        self.owner.append(owner)
        return len(self.c) - 1

    def row(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coefs, lo, hi))


def _bounds(cfg: dict[str, Any], code: str, group: str) -> tuple[float, float, float]:
    """(min_keep_share, max_extra, max_extra_share): group override > municipality override
    > default, per field."""
    b = cfg.get("bounds", {})
    d = b.get("default", {"min_keep_share": 0.0})
    out = [d.get("min_keep_share"), d.get("max_extra"), d.get("max_extra_share")]
    for level in (None, group):
        for o in b.get("overrides", []):
            if o["municipality"] == code and o.get("group") == level:
                for k, f in enumerate(("min_keep_share", "max_extra", "max_extra_share")):
                    if o.get(f) is not None:
                        out[k] = o[f]
    keep = 0.0 if out[0] is None else float(out[0])
    extra = math.inf if out[1] is None else float(out[1])
    share = math.inf if out[2] is None else float(out[2])
    return keep, extra, share


def solve(
    cfg: dict[str, Any], members: list[str], *, exchange: bool = True,
    shift: float | None = None, limit_intake: bool = True,
) -> Solved:  # fmt: skip
    """The cheapest way ``members`` meet their tasks (together when ``exchange``)."""
    integer = bool(cfg.get("solver", {}).get("integer_places", False))
    groups = [g["name"] for g in cfg["groups"]]
    unmet = {g["name"]: g.get("unmet_cost_per_place") for g in cfg["groups"]}
    types = {t["name"]: t for t in cfg["housing_types"]}
    rules = cfg.get("substitution", [])
    B = _Builder()
    B.var(0.0, 0.0, None)  # so that a model without places still has a column
    placed: dict[tuple[str, str], list[int]] = {(i, g): [] for i in members for g in groups}
    for e in cfg.get("capacity", []):
        i = e["municipality"]
        if i not in members or e["places"] <= 0:
            continue
        t = types[e["type"]]
        steps = e.get("cost_steps")
        flat = e.get("cost_per_place")
        if steps is None and flat is None:
            steps, flat = t.get("cost_steps"), t.get("cost_per_place")
        fixed = e.get("fixed_cost", t.get("fixed_cost")) or 0.0
        if e.get("fixed_cost") is None:
            fixed = t.get("fixed_cost") or 0.0
        places = float(e["places"])
        xs = [B.var(0.0, places, None, integer) for _ in t["groups"]]
        for g, xv in zip(t["groups"], xs, strict=True):
            placed[(i, g)].append(xv)
        # cost steps: y_k in [0, width_k], sum y = load
        widths: list[tuple[float, float]] = []
        if steps:
            prev = 0.0
            for st in steps:
                top = places if st.get("up_to") is None else min(float(st["up_to"]), places)
                widths.append((max(top - prev, 0.0), cents(st["cost_per_place"]) / 100))
                prev = max(prev, top)
        else:
            widths.append((places, cents(flat) / 100))
        ys = [B.var(cost, w, i) for w, cost in widths]
        row = {xv: 1.0 for xv in xs}
        for yv in ys:
            row[yv] = row.get(yv, 0.0) - 1.0
        B.row(row, 0.0, 0.0)
        load = {xv: 1.0 for xv in xs}
        if fixed > 0:
            z = B.var(cents(fixed) / 100, 1.0, i, True)
            load[z] = -places
            B.row(load, -math.inf, 0.0)
        else:
            B.row(load, -math.inf, places)
    task = {(i, g): float(cfg["tasks"].get(i, {}).get(g, 0.0)) for i in members for g in groups}
    net: dict[str, dict[int, float]] = {g: {} for g in groups}
    for i in members:
        s = [B.var(0.0, math.inf, None, integer) for _ in rules]
        for g in groups:
            credited: dict[int, float] = {xv: 1.0 for xv in placed[(i, g)]}
            for r, sv in zip(rules, s, strict=True):
                if r["from_group"] == g:
                    credited[sv] = credited.get(sv, 0.0) - 1.0
                if r["to_group"] == g:
                    credited[sv] = credited.get(sv, 0.0) + float(r["rate"])
            bal = dict(credited)
            if unmet[g] is not None:
                u = B.var(cents(unmet[g]) / 100, math.inf, i)
                bal[u] = 1.0
            if exchange:
                keep, extra, share = _bounds(cfg, i, g)
                out_cap = (1 - keep) * task[(i, g)]
                in_cap = min(extra, share * task[(i, g)] if math.isfinite(share) else math.inf)
                if shift is not None:
                    out_cap = min(out_cap, shift * task[(i, g)])
                    if limit_intake:
                        in_cap = min(in_cap, shift * task[(i, g)])
                if integer:  # whole places: the largest whole number within the bound
                    out_cap = _floor(out_cap)
                    in_cap = _floor(in_cap)
                vin = B.var(0.0, in_cap, None, integer)
                vout = B.var(0.0, out_cap, None, integer)
                bal[vin] = bal.get(vin, 0.0) - 1.0
                bal[vout] = bal.get(vout, 0.0) + 1.0
                net[g][vin] = 1.0
                net[g][vout] = -1.0
            B.row(bal, task[(i, g)], task[(i, g)])
            # only places actually housed can count for another group
            from_g = {sv: 1.0 for r, sv in zip(rules, s, strict=True) if r["from_group"] == g}
            if from_g:
                row = dict(from_g)
                for xv in placed[(i, g)]:
                    row[xv] = row.get(xv, 0.0) - 1.0
                B.row(row, -math.inf, 0.0)
            # rate s <= max_share x credited(to_group)
            for r, sv in zip(rules, s, strict=True):
                if r["to_group"] == g and r.get("max_share", 1.0) < 1.0:
                    row = {k: -r.get("max_share", 1.0) * v for k, v in credited.items()}
                    row[sv] = row.get(sv, 0.0) + float(r["rate"])
                    B.row(row, -math.inf, 0.0)
    if exchange:
        for g in groups:
            B.row(net[g], 0.0, 0.0)
    nv = len(B.c)
    r_i, c_i, v_i, lo, hi = [], [], [], [], []
    for k, (coefs, a, b) in enumerate(B.rows):
        for j, v in coefs.items():
            r_i.append(k)
            c_i.append(j)
            v_i.append(v)
        lo.append(a)
        hi.append(b)
    A = coo_matrix((v_i, (r_i, c_i)), shape=(len(B.rows), nv)).tocsr()
    res = milp(
        np.array(B.c), constraints=LinearConstraint(A, lo, hi),
        integrality=np.array(B.integ), bounds=Bounds(B.lb, B.ub),
        # without presolve: HiGHS's MIP presolve proved a wrong optimum on one of these
        options={"mip_rel_gap": 1e-9, "time_limit": 60, "presolve": False},
    )  # fmt: skip
    if res.status != 0:
        return Solved(False)
    x = res.x
    if integer:
        x = np.where(np.abs(x - np.rint(x)) < 1e-6, np.rint(x), x)
    per = dict.fromkeys(members, 0.0)
    for j in range(nv):
        if B.owner[j] is not None:
            per[B.owner[j]] += B.c[j] * x[j]  # type: ignore[index]
    return Solved(True, float(np.dot(B.c, x)), per)


def _floor(v: float) -> float:
    if not math.isfinite(v):
        return v
    near = round(v)
    return float(near) if abs(v - near) <= 1e-9 * max(1.0, abs(v)) else float(math.floor(v))


def game_values(cfg: dict[str, Any]) -> tuple[dict[str, float], dict[frozenset[str], float]]:
    """Cost alone per municipality and v(S) for every coalition."""
    codes = [m["code"] for m in cfg["municipalities"]]
    alone = {}
    for i in codes:
        sol = solve(cfg, [i], exchange=False)
        if not sol.feasible:
            raise ValueError(f"{i} cannot meet its task alone")
        alone[i] = sol.cost
    v: dict[frozenset[str], float] = {frozenset(): 0.0}
    for k in range(1, len(codes) + 1):
        for S in itertools.combinations(codes, k):
            if k == 1:
                v[frozenset(S)] = 0.0
                continue
            sol = solve(cfg, list(S), exchange=True)
            assert sol.feasible, S  # the alone solutions are an exchange of nothing
            v[frozenset(S)] = sum(alone[i] for i in S) - sol.cost
    return alone, v


def shapley(codes: list[str], v: dict[frozenset[str], float]) -> dict[str, float]:
    n = len(codes)
    out = {}
    for i in codes:
        others = [c for c in codes if c != i]
        tot = 0.0
        for k in range(n):
            w = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for S in itertools.combinations(others, k):
                fs = frozenset(S)
                tot += w * (v[fs | {i}] - v[fs])
        out[i] = tot
    return out


def least_core(codes: list[str], v: dict[frozenset[str], float]) -> float:
    """The least-core epsilon: ``max e`` s.t. ``x(S) >= v(S) + e`` for every proper
    non-empty coalition and ``x(N) = v(N)`` (the core is empty when it is below 0)."""
    from scipy.optimize import linprog

    n = len(codes)
    idx = {c: k for k, c in enumerate(codes)}
    a_ub, b_ub = [], []
    for S, val in v.items():
        if 0 < len(S) < n:
            row = np.zeros(n + 1)
            for c in S:
                row[idx[c]] = -1.0
            row[n] = 1.0  # -x(S) + e <= -v(S)
            a_ub.append(row)
            b_ub.append(-val)
    a_eq = [np.concatenate([np.ones(n), [0.0]])]
    res = linprog(
        np.concatenate([np.zeros(n), [-1.0]]), A_ub=np.array(a_ub), b_ub=b_ub, A_eq=a_eq,
        b_eq=[v[frozenset(codes)]], bounds=[(None, None)] * (n + 1), method="highs",
    )  # fmt: skip
    assert res.status == 0, res.message
    return float(res.x[n])

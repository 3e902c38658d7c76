"""A second independent planning model: scipy's HiGHS MILP on a window formulation.

Written from the documented rules (README "Planning", the timing convention and the
field descriptions of :mod:`opvang_opt.planning.instance`), not from the project's model
nor from ``tests/planning/_independent.py``:

* ``units[s, t] = units[s, t-1] + built + moved_in - moved_out - closed`` with the stock
  before the first period; units stand in whole blocks, at most ``max_units``; units
  leave only from what stood there; per period the moves in and out balance over the
  region;
* a site holds units only in ``first_period .. last_period``; a candidate is open in
  one window of at most ``permit_periods`` periods that starts in its first period with
  units (one binary per window: where the opening is paid and counted in the budget);
* the units given to a group (only groups the site may house) offer
  ``places_per_unit`` places each against the task of the site's municipality in that
  period; a hard group's task is met in full, an unmet place costs per day;
* yearly budgets on the undiscounted opening, building and moving costs;
* every cost is discounted and rounded to whole cents once per coefficient (``disc``,
  running per unit per period as ``year * days / 365``), so the optimum is an integer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from opvang_opt.planning.instance import Plan, PlanningInstance


def disc(inst: PlanningInstance, cents: int, t: int) -> int:
    return round(cents * inst.discount[t])


def running(inst: PlanningInstance, s: int, t: int) -> int:
    return round(inst.sites[s].running_cost_year * inst.days[t] / 365 * inst.discount[t])


def unmet_cost(inst: PlanningInstance, g: int, t: int) -> int:
    return round(inst.unmet_cost_day[g] * inst.days[t] * inst.discount[t])


@dataclass(frozen=True)
class Answer:
    status: str  # "optimal" or "infeasible"
    objective: int | None


class _Model:
    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.cost: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def var(self, ub: float, cost: float = 0.0, lb: float = 0.0) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(cost)
        return len(self.lb) - 1

    def row(self, coefs: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coefs, lo, hi))

    def solve(self) -> tuple[str, float | None]:
        n = len(self.lb)
        r, c, v = [], [], []
        for i, (coefs, _, _) in enumerate(self.rows):
            for j, a in coefs.items():
                r.append(i)
                c.append(j)
                v.append(a)
        a = coo_matrix((v, (r, c)), shape=(len(self.rows), n)).tocsr()
        lo = np.array([x[1] for x in self.rows], float)
        hi = np.array([x[2] for x in self.rows], float)
        res = milp(
            np.array(self.cost, float),
            integrality=np.ones(n),
            bounds=Bounds(np.array(self.lb, float), np.array(self.ub, float)),
            constraints=[LinearConstraint(a, lo, hi)] if self.rows else [],
            options={"mip_rel_gap": 0.0, "time_limit": 60.0},
        )
        if res.status == 2:
            return "infeasible", None
        if res.status != 0:
            raise RuntimeError(f"scipy milp did not finish: {res.message}")
        return "optimal", float(res.fun)


def solve(inst: PlanningInstance, *, shortfall: bool = False) -> Answer:
    """The least discounted cost in cents; with ``shortfall`` the least total unmet
    places of the hard groups, every task soft (what a diagnosis must report)."""
    T, M, G = inst.n_periods, len(inst.municipalities), len(inst.groups)
    m = _Model()
    inf = np.inf
    k_of: dict[tuple[int, int], int] = {}
    a_of: dict[tuple[int, int, int], int] = {}
    invest: dict[int, dict[int, float]] = {}
    moves_in: dict[int, dict[int, float]] = {t: {} for t in range(T)}
    scale = 0.0 if shortfall else 1.0
    for s, st in enumerate(inst.sites):
        big = st.max_units + st.initial_units + 1
        prev: int | None = None  # k variable of the previous period
        for t in range(T):
            ok = st.first_period <= t <= st.last_period
            k = m.var(st.max_units // st.block if ok else 0, scale * running(inst, s, t) * st.block)
            b = m.var(big, scale * disc(inst, st.build_cost, t))
            i = m.var(big, scale * disc(inst, st.move_cost, t))
            o = m.var(big)
            c = m.var(big, scale * disc(inst, st.close_cost, t))
            k_of[s, t] = k
            # block*k - block*k_prev - b - i + o + c == initial (t = 0) or 0
            coefs = {k: st.block, b: -1, i: -1, o: 1, c: 1}
            if prev is not None:
                coefs[prev] = -st.block
            base = st.initial_units if prev is None else 0
            m.row(coefs, base, base)
            leave = {o: 1, c: 1}
            if prev is not None:
                leave[prev] = -st.block
            m.row(leave, -inf, st.initial_units if prev is None else 0)
            moves_in[t][i] = moves_in[t].get(i, 0) + 1
            moves_in[t][o] = moves_in[t].get(o, 0) - 1
            yr = invest.setdefault(inst.years[t], {})
            yr[b] = st.build_cost
            yr[i] = st.move_cost
            groups = [g for g in range(G) if st.groups[g]]
            cover = {k: -st.block}
            for g in groups:
                a_of[s, t, g] = m.var(st.max_units)
                cover[a_of[s, t, g]] = 1
            m.row(cover, -inf, 0)
            prev = k
        if not st.existing:
            windows = [
                (a, e)
                for a in range(max(st.first_period, 0), min(st.last_period, T - 1) + 1)
                for e in range(a, min(a + st.permit_periods - 1, T - 1, st.last_period) + 1)
            ]
            w = {ae: m.var(1, scale * disc(inst, st.opening_cost, ae[0])) for ae in windows}
            m.row(dict.fromkeys(w.values(), 1), 0, 1)
            for t in range(T):
                # units only inside the chosen window
                row = {k_of[s, t]: 1.0}
                for (a, e), x in w.items():
                    if a <= t <= e:
                        row[x] = -(st.max_units // st.block)
                m.row(row, -inf, 0)
            for (a, _e), x in w.items():
                m.row({k_of[s, a]: 1, x: -1}, 0, inf)  # the window starts with units
                yr = invest.setdefault(inst.years[a], {})
                yr[x] = yr.get(x, 0) + st.opening_cost
    for t in range(T):
        m.row(moves_in[t], 0, 0)
    for year, budget in inst.budgets.items():
        if year in invest:
            m.row(invest[year], -inf, budget)
    for t in range(T):
        for mu in range(M):
            for g in range(G):
                task = int(inst.tasks[t, mu, g])
                hard = inst.hard[g] and not shortfall
                cost = (1.0 if inst.hard[g] else 0.0) if shortfall else unmet_cost(inst, g, t)
                sh = m.var(0 if hard else task, cost)
                row = {sh: 1.0}
                for s, st in enumerate(inst.sites):
                    if st.municipality == mu and (s, t, g) in a_of:
                        row[a_of[s, t, g]] = inst.places_per_unit[g]
                m.row(row, task, inf)
    status, value = m.solve()
    return Answer(status, None if value is None else round(value))


def plan_cost(inst: PlanningInstance, p: Plan) -> int:
    """The discounted cost of a plan in cents, opening paid in each candidate's first
    period with units."""
    total = 0
    for s, st in enumerate(inst.sites):
        used = [t for t in range(inst.n_periods) if p.units[s, t] > 0]
        if used and not st.existing:
            total += disc(inst, st.opening_cost, used[0])
        for t in range(inst.n_periods):
            total += int(p.built[s, t]) * disc(inst, st.build_cost, t)
            total += int(p.moved_in[s, t]) * disc(inst, st.move_cost, t)
            total += int(p.closed[s, t]) * disc(inst, st.close_cost, t)
            total += int(p.units[s, t]) * running(inst, s, t)
    for t in range(inst.n_periods):
        for g in range(len(inst.groups)):
            total += int(p.unmet[t, :, g].sum()) * unmet_cost(inst, g, t)
    return total


def broken_rules(inst: PlanningInstance, p: Plan) -> list[str]:
    """Every documented rule the plan breaks; unmet places must equal the shortfall
    exactly (``max(0, task - places given)``), as the plan reports whether each task is met."""
    T, M, G = inst.n_periods, len(inst.municipalities), len(inst.groups)
    out: list[str] = []
    invest: dict[int, int] = {}
    for s, st in enumerate(inst.sites):
        prev = st.initial_units
        used = [t for t in range(T) if p.units[s, t] > 0]
        for t in range(T):
            n = int(p.units[s, t])
            moves = [int(x[s, t]) for x in (p.built, p.moved_in, p.moved_out, p.closed)]
            if min(moves) < 0 or n < 0 or (p.assigned[s, t] < 0).any():
                out.append(f"negative at {st.site_id} {inst.periods[t]}")
            if n % st.block or n > st.max_units:
                out.append(f"{st.site_id} {inst.periods[t]}: {n} units, blocks {st.block}")
            if n and not st.first_period <= t <= st.last_period:
                out.append(f"{st.site_id} holds units in {inst.periods[t]}, outside its window")
            if n != prev + moves[0] + moves[1] - moves[2] - moves[3]:
                out.append(f"{st.site_id} {inst.periods[t]}: units do not balance")
            if moves[2] + moves[3] > prev:
                out.append(f"{st.site_id} {inst.periods[t]}: more leave than stood there")
            if int(p.assigned[s, t].sum()) > n:
                out.append(f"{st.site_id} {inst.periods[t]}: more units given than stand")
            if any(p.assigned[s, t, g] and not st.groups[g] for g in range(G)):
                out.append(f"{st.site_id} {inst.periods[t]}: a group it may not house")
            year = inst.years[t]
            invest[year] = invest.get(year, 0) + moves[0] * st.build_cost + moves[1] * st.move_cost
            prev = n
        if used and not st.existing:
            if used[-1] - used[0] + 1 > st.permit_periods:
                out.append(f"{st.site_id} open longer than its permit")
            invest[inst.years[used[0]]] = invest.get(inst.years[used[0]], 0) + st.opening_cost
    for t in range(T):
        if int(p.moved_in[:, t].sum()) != int(p.moved_out[:, t].sum()):
            out.append(f"moves do not balance in {inst.periods[t]}")
        for mu in range(M):
            for g in range(G):
                places = inst.places_per_unit[g] * sum(
                    int(p.assigned[s, t, g])
                    for s, st in enumerate(inst.sites)
                    if st.municipality == mu
                )
                short = max(0, int(inst.tasks[t, mu, g]) - places)
                if int(p.unmet[t, mu, g]) != short:
                    out.append(
                        f"{inst.periods[t]} {inst.municipalities[mu]} {inst.groups[g]}: "
                        f"unmet {int(p.unmet[t, mu, g])}, short {short}"
                    )
                if inst.hard[g] and short:
                    out.append(f"hard task short in {inst.periods[t]}")
    for year, budget in inst.budgets.items():
        if invest.get(year, 0) > budget:
            out.append(f"budget {year}: {invest.get(year, 0)} > {budget}")
    return out

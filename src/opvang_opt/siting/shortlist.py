"""The shortlist: by rank (top_score) or optimised with OR-Tools CP-SAT.

The optimisation maximises the total value of the selected sites subject to a capacity
target, a budget, a maximum number of sites, a minimum distance between selected sites,
a maximum per zone (wijk or buurt), availability by a date and manual overrides. Every
site gets the reason it is in or out; an unreachable target is diagnosed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from ortools.sat.python import cp_model

from opvang_opt.status import CheckReport, SolveStatus, Violation

VALUE_SCALE = 1000
"""Scores are scaled to integers for CP-SAT (0.001 score point resolution)."""


@dataclass(frozen=True)
class ShortlistProblem:
    """Everything the shortlist needs, as arrays over the longlist (index = site).

    Capacities are in the unit of the target (units or places).
    """

    ids: np.ndarray
    value: np.ndarray
    capacity: np.ndarray
    target: int
    eligible: np.ndarray
    cost: np.ndarray | None = None
    budget: float | None = None
    max_sites: int | None = None
    max_capacity: int | None = None
    conflicts: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    """Pairs (i, j), i < j, of sites closer than the minimum distance."""
    conflict_distance: np.ndarray = field(default_factory=lambda: np.zeros(0))
    min_distance: float | None = None
    zone: np.ndarray | None = None
    max_per_zone: int | None = None
    available: np.ndarray | None = None
    """False where a site is not available by the shortlist's date."""
    must_include: np.ndarray | None = None
    must_exclude: np.ndarray | None = None
    objective: Literal["score", "score_x_capacity"] = "score"

    @property
    def n(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def weights(self) -> np.ndarray:
        """Integer objective coefficient per site."""
        w = self.value * (self.capacity if self.objective == "score_x_capacity" else 1)
        return np.round(w * VALUE_SCALE).astype(np.int64)

    def allowed(self) -> np.ndarray:
        """Sites that may be selected at all (eligible, available, not excluded by hand)."""
        ok = self.eligible.copy()
        if self.available is not None:
            ok &= self.available
        if self.must_exclude is not None:
            ok &= ~self.must_exclude
        return ok


@dataclass(frozen=True)
class ShortlistSolution:
    """A shortlist with its status and the reason for every site."""

    selected: np.ndarray
    status: SolveStatus
    """OPTIMAL or FEASIBLE when the target is met under every rule; INFEASIBLE when it
    cannot be (see ``diagnosis``); NO_SOLUTION when the time limit stopped the search
    before any shortlist was found."""
    objective: float
    bound: float
    seconds: float
    reasons: np.ndarray
    binding: np.ndarray
    """Per site: the constraint that keeps it out (or 'selected', 'excluded', ...)."""
    capacity: int = 0
    cost: float = 0.0
    target_met: bool = True
    shortfall: int = 0
    diagnosis: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        """Relative gap between the best bound and the objective (0 when proven optimal)."""
        if self.status is SolveStatus.OPTIMAL:
            return 0.0
        if not np.isfinite(self.bound) or self.bound <= 0:
            return float("nan")
        return max(0.0, (self.bound - self.objective) / self.bound)


def _build(
    p: ShortlistProblem,
    *,
    drop: frozenset[str] = frozenset(),
    maximise_capacity: bool = False,
    target: int | None = None,
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """Build the CP-SAT model; ``drop`` leaves out constraint families (for diagnosis)."""
    m = cp_model.CpModel()
    allowed = p.eligible.copy()
    if p.available is not None and "availability" not in drop:
        allowed &= p.available
    if p.must_exclude is not None and "must_exclude" not in drop:
        allowed &= ~p.must_exclude
    x = [m.new_bool_var(f"x{i}") for i in range(p.n)]
    for i in np.flatnonzero(~allowed):
        m.add(x[i] == 0)
    if p.must_include is not None and "must_include" not in drop:
        for i in np.flatnonzero(p.must_include):
            m.add(x[i] == 1)
    cap = [int(c) for c in p.capacity]
    t = p.target if target is None else target
    if not maximise_capacity and "target" not in drop:
        m.add(sum(c * xi for c, xi in zip(cap, x, strict=True)) >= t)
    if p.max_capacity is not None and "max_capacity" not in drop:
        m.add(sum(c * xi for c, xi in zip(cap, x, strict=True)) <= p.max_capacity)
    if p.budget is not None and p.cost is not None and "budget" not in drop:
        cost = np.round(p.cost).astype(np.int64)
        m.add(sum(int(c) * xi for c, xi in zip(cost, x, strict=True)) <= int(p.budget))
    if p.max_sites is not None and "max_sites" not in drop:
        m.add(sum(x) <= p.max_sites)
    if "separation" not in drop:
        for i, j in p.conflicts:
            m.add_bool_or([x[i].Not(), x[j].Not()])
    if p.zone is not None and p.max_per_zone is not None and "zone" not in drop:
        for z in np.unique(p.zone[allowed]):
            members = np.flatnonzero((p.zone == z) & allowed)
            if len(members) > p.max_per_zone:
                m.add(sum(x[i] for i in members) <= p.max_per_zone)
    if maximise_capacity:
        m.maximize(sum(c * xi for c, xi in zip(cap, x, strict=True)))
    else:
        m.maximize(sum(int(w) * xi for w, xi in zip(p.weights(), x, strict=True)))
    return m, x


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A CP-SAT solver. With one worker the limit is in deterministic time, so the same
    input gives the same answer even when the limit is reached (wall time: 10x as a guard)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if workers == 1:
        solver.parameters.max_deterministic_time = time_limit
        solver.parameters.max_time_in_seconds = 10 * time_limit
    else:
        solver.parameters.max_time_in_seconds = time_limit
    return solver


_STATUS: dict[cp_model.CpSolverStatus, SolveStatus] = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}

FAMILIES = {
    "budget": "het budget",
    "max_sites": "het maximum aantal locaties",
    "max_capacity": "de maximale capaciteit",
    "separation": "de minimale afstand tussen locaties",
    "zone": "het maximum per wijk/buurt",
    "availability": "de beschikbaarheidsdatum",
    "must_include": "de verplichte locaties",
    "must_exclude": "de handmatig uitgesloten locaties",
}


def _active_families(p: ShortlistProblem) -> list[str]:
    fams = []
    if p.budget is not None and p.cost is not None:
        fams.append("budget")
    if p.max_sites is not None:
        fams.append("max_sites")
    if p.max_capacity is not None:
        fams.append("max_capacity")
    if len(p.conflicts):
        fams.append("separation")
    if p.zone is not None and p.max_per_zone is not None:
        fams.append("zone")
    if p.available is not None and not p.available[p.eligible].all():
        fams.append("availability")
    if p.must_include is not None and p.must_include.any():
        fams.append("must_include")
    if p.must_exclude is not None and p.must_exclude[p.eligible].any():
        fams.append("must_exclude")
    return fams


def solve_shortlist(
    p: ShortlistProblem, *, time_limit: float = 30.0, workers: int = 2, seed: int = 0,
    explain: bool = True,
) -> ShortlistSolution:  # fmt: skip
    """Choose the shortlist with the highest total value that keeps every rule.

    Parameters
    ----------
    p
        The problem.
    time_limit
        Seconds for the main solve; when reached, the gap is reported.
    workers, seed
        CP-SAT search workers and random seed (fixed: the same input gives the same result).
    explain
        Work out the binding constraint of every site that is out.

    Returns
    -------
    ShortlistSolution
        When the target cannot be met, the solution with the most capacity under the
        other rules, the shortfall, and which rule prevents it (``diagnosis``).

    Examples
    --------
    >>> import numpy as np
    >>> p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90., 60., 50.]),
    ...     capacity=np.array([10, 10, 10]), target=20, eligible=np.ones(3, bool), max_sites=2)
    >>> solve_shortlist(p).selected.tolist()
    [True, True, False]
    """
    t0 = time.perf_counter()
    model, x = _build(p)
    solver = _solver(time_limit, workers, seed)
    status = _STATUS.get(solver.solve(model), SolveStatus.NO_SOLUTION)
    if status.has_solution:
        sel = np.array([bool(solver.value(v)) for v in x])
        sol = ShortlistSolution(
            sel, status, solver.objective_value / VALUE_SCALE,
            solver.best_objective_bound / VALUE_SCALE, 0.0,
            np.empty(p.n, dtype=object), np.empty(p.n, dtype=object),
        )  # fmt: skip
        diagnosis: tuple[str, ...] = ()
        shortfall = 0
    else:
        sol, diagnosis, shortfall = _diagnose(p, time_limit, workers, seed)
        if status is SolveStatus.NO_SOLUTION:  # stopped by the time limit, not proven
            sol = replace(sol, status=status)
    cap = int(p.capacity[sol.selected].sum())
    cost = float(p.cost[sol.selected].sum()) if p.cost is not None else 0.0
    reasons, binding = explain_sites(p, sol.selected) if explain else (sol.reasons, sol.binding)
    return replace(
        sol, reasons=reasons, binding=binding, capacity=cap, cost=cost,
        target_met=cap >= p.target and not diagnosis, shortfall=shortfall,
        diagnosis=diagnosis, seconds=time.perf_counter() - t0,
    )  # fmt: skip


def _max_capacity(
    p: ShortlistProblem, drop: frozenset[str], time_limit: float, workers: int, seed: int
) -> tuple[int, np.ndarray | None]:
    model, x = _build(p, drop=drop | {"target"}, maximise_capacity=True)
    solver = _solver(time_limit, workers, seed)
    st = solver.solve(model)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return -1, None
    return round(solver.objective_value), np.array([bool(solver.value(v)) for v in x])


def _diagnose(
    p: ShortlistProblem, time_limit: float, workers: int, seed: int
) -> tuple[ShortlistSolution, tuple[str, ...], int]:
    """The most capacity under all other rules, and which rules keep the target out of reach."""
    best, sel = _max_capacity(p, frozenset(), time_limit, workers, seed)
    lines = []
    if sel is None:
        # even without the target the rules conflict (e.g. must_include against max_sites)
        sel = np.zeros(p.n, dtype=bool)
        for fam in _active_families(p):
            cap, _ = _max_capacity(p, frozenset({fam}), time_limit, workers, seed)
            if cap >= 0:
                lines.append(f"de regels spreken elkaar tegen; zonder {FAMILIES[fam]} kan het wel")
        shortfall = p.target
    else:
        shortfall = max(0, p.target - best)
        lines.append(
            f"doel {p.target} niet haalbaar: hoogstens {best} binnen alle regels "
            f"(tekort {shortfall})"
        )
        all_eligible = int(p.capacity[p.eligible].sum())
        if all_eligible < p.target:
            lines.append(
                f"alle {int(p.eligible.sum())} toegestane locaties samen hebben {all_eligible} "
                f"(tekort {p.target - all_eligible}): de uitsluitingsregels laten te weinig over"
            )
        for fam in _active_families(p):
            cap, _ = _max_capacity(p, frozenset({fam}), time_limit, workers, seed)
            if cap > best:
                verdict = "genoeg" if cap >= p.target else f"nog tekort {p.target - cap}"
                lines.append(f"zonder {FAMILIES[fam]}: hoogstens {cap} ({verdict})")
    sol = ShortlistSolution(
        sel, SolveStatus.INFEASIBLE, float(p.weights()[sel].sum()) / VALUE_SCALE, float("nan"), 0.0,
        np.empty(p.n, dtype=object), np.empty(p.n, dtype=object),
    )  # fmt: skip
    return sol, tuple(lines), shortfall


def explain_sites(p: ShortlistProblem, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Why each site is in or out: the constraint that adding it would break.

    Returns
    -------
    (reasons, binding)
        A Dutch sentence per site, and the short name of the binding rule.
    """
    reasons = np.empty(p.n, dtype=object)
    binding = np.empty(p.n, dtype=object)
    cap = int(p.capacity[selected].sum())
    cost = float(p.cost[selected].sum()) if p.cost is not None else 0.0
    n_sel = int(selected.sum())
    zone_count: dict[object, int] = {}
    if p.zone is not None:
        for z in p.zone[selected]:
            zone_count[z] = zone_count.get(z, 0) + 1
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for (i, j), d in zip(p.conflicts, p.conflict_distance, strict=False):
        neighbours.setdefault(int(i), []).append((int(j), float(d)))
        neighbours.setdefault(int(j), []).append((int(i), float(d)))
    for i in range(p.n):
        if selected[i]:
            forced = p.must_include is not None and p.must_include[i]
            reasons[i] = "gekozen (verplicht)" if forced else "gekozen"
            binding[i] = "selected"
            continue
        if not p.eligible[i]:
            reasons[i], binding[i] = "uitgesloten door harde regel", "excluded"
            continue
        if p.must_exclude is not None and p.must_exclude[i]:
            reasons[i], binding[i] = "handmatig uitgesloten", "must_exclude"
            continue
        if p.available is not None and not p.available[i]:
            reasons[i], binding[i] = "niet op tijd beschikbaar", "availability"
            continue
        broken: list[tuple[str, str]] = []
        if p.max_sites is not None and n_sel + 1 > p.max_sites:
            broken.append(("max_sites", f"maximum van {p.max_sites} locaties bereikt"))
        if p.budget is not None and p.cost is not None and cost + p.cost[i] > p.budget:
            over = cost + p.cost[i] - p.budget
            euros = f"{over:,.0f}".replace(",", ".")
            broken.append(("budget", f"budget zou EUR {euros} overschreden worden"))
        if p.max_capacity is not None and cap + p.capacity[i] > p.max_capacity:
            broken.append(("max_capacity", f"maximale capaciteit {p.max_capacity} bereikt"))
        close = [(j, d) for j, d in neighbours.get(i, []) if selected[j]]
        if close:
            j, d = min(close, key=lambda t: t[1])
            broken.append(
                ("separation", f"te dicht bij {p.ids[j]} ({d:.0f} m < {p.min_distance:.0f} m)")
            )
        full = p.max_per_zone is not None and p.zone is not None
        if full and zone_count.get(p.zone[i], 0) + 1 > p.max_per_zone:
            broken.append(("zone", f"{p.zone[i]} heeft al {p.max_per_zone} locatie(s)"))
        if not broken:
            if p.capacity[i] <= 0:
                broken.append(("capacity", "capaciteit 0"))
            else:
                broken.append(("value", "andere locaties leveren samen meer waarde"))
        binding[i] = ", ".join(b for b, _ in broken)
        reasons[i] = "niet gekozen: " + "; ".join(r for _, r in broken)
    return reasons, binding


def top_score(p: ShortlistProblem, rank: np.ndarray) -> ShortlistSolution:
    """Take allowed sites by rank until the target is met (and at most ``max_sites``)."""
    t0 = time.perf_counter()
    allowed = p.allowed()
    order = np.argsort(np.where(rank > 0, rank, np.iinfo(np.int64).max), kind="stable")
    selected = np.zeros(p.n, dtype=bool)
    reasons = np.empty(p.n, dtype=object)
    binding = np.empty(p.n, dtype=object)
    total = 0
    taken = 0
    if p.must_include is not None:
        for i in np.flatnonzero(p.must_include & p.eligible):
            selected[i] = True
            total += int(p.capacity[i])
            taken += 1
            reasons[i], binding[i] = "gekozen (verplicht)", "selected"
    for i in order:
        if selected[i]:
            continue
        if not p.eligible[i]:
            reasons[i], binding[i] = "uitgesloten door harde regel", "excluded"
            continue
        if not allowed[i]:
            manual = p.must_exclude is not None and p.must_exclude[i]
            reasons[i] = "handmatig uitgesloten" if manual else "niet op tijd beschikbaar"
            binding[i] = "must_exclude" if manual else "availability"
            continue
        cap = int(p.capacity[i])
        if total >= p.target:
            reasons[i], binding[i] = "niet nodig: doel al bereikt", "target_met"
        elif p.max_sites is not None and taken >= p.max_sites:
            reasons[i] = f"niet gekozen: maximum van {p.max_sites} locaties bereikt"
            binding[i] = "max_sites"
        elif cap <= 0:
            reasons[i], binding[i] = "niet gekozen: capaciteit 0", "capacity"
        else:
            total += cap
            taken += 1
            selected[i] = True
            reasons[i] = f"gekozen: rang {rank[i]}, cumulatief {total} van {p.target}"
            binding[i] = "selected"
    met = total >= p.target
    diagnosis: tuple[str, ...] = ()
    if not met:
        all_allowed = int(p.capacity[allowed].sum())
        diagnosis = (
            f"doel {p.target} niet gehaald: {total} (tekort {p.target - total})",
            f"alle toegestane locaties samen: {all_allowed}",
        )
    return ShortlistSolution(
        selected, SolveStatus.OPTIMAL if met else SolveStatus.INFEASIBLE,
        float(p.value[selected].sum()), float(p.value[selected].sum()),
        time.perf_counter() - t0, reasons, binding, total,
        float(p.cost[selected].sum()) if p.cost is not None else 0.0,
        met, max(0, p.target - total), diagnosis,
    )  # fmt: skip


def check_shortlist(p: ShortlistProblem, selected: np.ndarray) -> CheckReport:
    """Independently re-verify every rule of a shortlist (no solver).

    The capacity target is checked too: a shortlist that misses it is reported with the
    rule ``target`` (expected when the solution's status is INFEASIBLE; a bug otherwise).

    Parameters
    ----------
    p
        The problem the shortlist claims to solve.
    selected
        One boolean per site.

    Returns
    -------
    CheckReport
        ``checker="shortlist"``; one :class:`~opvang_opt.status.Violation` per broken rule
        (``excluded``, ``availability``, ``must_exclude``, ``must_include``, ``target``,
        ``max_capacity``, ``budget``, ``max_sites``, ``separation``, ``zone``) and the
        total value of the selected sites as ``objective``.
    """
    bad: list[Violation] = []
    sel = np.asarray(selected, dtype=bool)
    ids = p.ids
    for i in np.flatnonzero(sel & ~p.eligible):
        bad.append(Violation("excluded", "excluded by a hard rule but selected", str(ids[i])))
    if p.available is not None:
        for i in np.flatnonzero(sel & ~p.available):
            bad.append(
                Violation("availability", "not available by the date but selected", str(ids[i]))
            )
    if p.must_exclude is not None:
        for i in np.flatnonzero(sel & p.must_exclude):
            bad.append(Violation("must_exclude", "must be excluded but selected", str(ids[i])))
    if p.must_include is not None:
        for i in np.flatnonzero(~sel & p.must_include & p.eligible):
            bad.append(Violation("must_include", "must be included but not selected", str(ids[i])))
    cap = int(p.capacity[sel].sum())
    if cap < p.target:
        bad.append(
            Violation("target", f"capacity {cap} below the target {p.target}", None, cap, p.target)
        )
    if p.max_capacity is not None and cap > p.max_capacity:
        bad.append(
            Violation(
                "max_capacity", f"capacity {cap} above the maximum {p.max_capacity}", None,
                cap, p.max_capacity,
            )
        )  # fmt: skip
    if p.budget is not None and p.cost is not None and p.cost[sel].sum() > p.budget + 1e-6:
        cost = float(p.cost[sel].sum())
        bad.append(
            Violation(
                "budget", f"cost {cost:,.0f} above the budget {p.budget:,.0f}", None,
                cost, p.budget,
            )
        )  # fmt: skip
    if p.max_sites is not None and sel.sum() > p.max_sites:
        n = int(sel.sum())
        bad.append(
            Violation(
                "max_sites", f"{n} sites, more than the maximum {p.max_sites}", None,
                n, p.max_sites,
            )
        )  # fmt: skip
    for (i, j), d in zip(p.conflicts, p.conflict_distance, strict=False):
        if sel[i] and sel[j]:
            bad.append(
                Violation(
                    "separation", f"{d:.0f} m apart, less than {p.min_distance}",
                    f"{ids[i]}, {ids[j]}", float(d), p.min_distance,
                )
            )  # fmt: skip
    if p.zone is not None and p.max_per_zone is not None:
        zones, counts = np.unique(p.zone[sel], return_counts=True)
        for z, c in zip(zones, counts, strict=True):
            if c > p.max_per_zone:
                bad.append(
                    Violation(
                        "zone", f"{c} sites, more than {p.max_per_zone}", f"zone {z}",
                        int(c), p.max_per_zone,
                    )
                )  # fmt: skip
    return CheckReport("shortlist", tuple(bad), objective=float(p.value[sel].sum()))

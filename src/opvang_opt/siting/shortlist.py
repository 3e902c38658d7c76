"""The shortlist: by rank (top_score) or optimised with OR-Tools CP-SAT.

The optimisation chooses a set of sites that meets the capacity target and every rule (a
budget, a maximum number of sites or capacity, a minimum distance between selected sites,
a maximum per zone, availability by a date and manual overrides) and is best for one of
these objectives (``ShortlistProblem.objective``):

``people`` (default)
    The quality of the places that are needed. The target's ``T`` places are filled from
    the best selected sites first (``y_i`` places on site ``i``, ``sum y_i = T``,
    ``y_i <= c_i``), and the objective is ``Q = sum_i v_i * y_i``: every needed person
    counts once, valued by the score ``v_i`` (0-100) of the site they live on. ``Q / T``
    is the mean score per needed place. Ties: less overshoot (built places above the
    target), then fewer sites.
``cost``
    The lowest total cost at a minimum mean score per needed place (``min_quality``);
    ties: the higher quality.
``sites``
    The fewest sites (at ``min_quality`` when given); ties: the higher quality.
``spread``
    The largest smallest distance between two selected sites (p-dispersion, as in PySAL
    spopt); one selected site counts as fully spread. Ties: the higher quality.
``score``, ``score_x_capacity``
    The sum of the selected sites' scores (or scores x capacity): the old objectives, kept
    for comparison. They reward more sites, not more people.

By default (``irredundant=True``) the shortlist is irredundant: no selected site can be
dropped while the target and every rule still hold (sites forced in by ``must_include``
are exempt). So the overshoot above the target is smaller than the smallest selected
(non-forced) site. A site with zero capacity is never selected unless forced in.

Every site gets the reason it is in or out; an unreachable target is diagnosed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np
from ortools.sat.python import cp_model

from opvang_opt.errors import InternalError
from opvang_opt.exact import cents_array, to_cents
from opvang_opt.siting.exclusions import shown_beyond
from opvang_opt.siting.services_rule import (
    ServicesRule,
    add_services_rule,
    blocking_reason,
    rule_violations,
)
from opvang_opt.status import CheckReport, SolveStatus, Violation
from opvang_opt.texts import Message

VALUE_SCALE = 1000
"""Scores are scaled to integers for CP-SAT (0.001 score point resolution)."""

_MAX_COEF = 2**62
"""Largest weighted objective magnitude set in one solve (CP-SAT works in 64-bit
integers); above it the primary term is solved alone and the tie-breakers after it."""

Objective = Literal["people", "cost", "sites", "spread", "score", "score_x_capacity"]
OBJECTIVES: tuple[str, ...] = ("people", "cost", "sites", "spread", "score", "score_x_capacity")
_USES_PLACES = frozenset({"people", "cost", "sites", "spread"})
"""Objectives that model the needed places ``y`` (and so the quality ``Q``)."""


@dataclass(frozen=True)
class ShortlistProblem:
    """Everything the shortlist needs, as arrays over the longlist (index = site).

    Capacities are in the unit of the target (units or places).
    """

    ids: np.ndarray
    value: np.ndarray
    """Score per site (0-100): the quality of every place on it."""
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
    objective: Objective = "people"
    irredundant: bool = True
    """No selected site may be droppable while the target and every rule still hold."""
    min_quality: float | None = None
    """Lowest mean score (0-100) per needed place (``Q / T``); every objective but score."""
    distance: np.ndarray | None = None
    """(n x n) distances in metres between sites (edge to edge), for ``spread``."""
    services: ServicesRule | None = None
    """The services rule (children of the chosen sites fit in the places within reach)."""

    @property
    def n(self) -> int:
        """Number of sites."""
        return len(self.ids)

    def weights(self) -> np.ndarray:
        """Integer objective coefficient per site (the ``score`` objectives)."""
        w = self.value * (self.capacity if self.objective == "score_x_capacity" else 1)
        return np.round(w * VALUE_SCALE).astype(np.int64)

    def quality_weights(self) -> np.ndarray:
        """Integer quality per place per site (score x VALUE_SCALE, at least 0)."""
        return np.maximum(np.round(np.asarray(self.value, float) * VALUE_SCALE), 0).astype(np.int64)

    def forced(self) -> np.ndarray:
        """Sites forced in by hand (and not excluded by a hard rule)."""
        if self.must_include is None:
            return np.zeros(self.n, dtype=bool)
        return self.must_include & self.eligible

    def allowed(self) -> np.ndarray:
        """Sites that may be selected at all (eligible, available, not excluded by hand,
        with a capacity above zero unless forced in)."""
        ok = self.eligible.copy()
        if self.available is not None:
            ok &= self.available
        if self.must_exclude is not None:
            ok &= ~self.must_exclude
        ok &= (np.asarray(self.capacity) > 0) | self.forced()
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
    """The objective in its own unit: mean score per needed place (people), EUR (cost),
    sites (sites), metres (spread) or summed score (score objectives)."""
    bound: float
    seconds: float
    reasons: np.ndarray
    binding: np.ndarray
    """Per site: the constraint that keeps it out (or 'selected', 'excluded', ...)."""
    capacity: int = 0
    cost: float = 0.0
    target_met: bool = True
    shortfall: int = 0
    diagnosis: tuple[Message, ...] = ()
    quality: float = float("nan")
    """Mean score (0-100) of the places needed for the target, best sites first."""
    overshoot: int = 0
    """Selected capacity above the target."""
    overshoot_note: str | Message = ""
    """Why the overshoot is what it is (a catalogue message)."""

    @property
    def gap(self) -> float:
        """Relative gap between the best bound and the objective (0 when proven optimal)."""
        if self.status is SolveStatus.OPTIMAL:
            return 0.0
        if not np.isfinite(self.bound) or self.bound == 0:
            return float("nan")
        return max(0.0, abs(self.bound - self.objective) / abs(self.bound))


# --------------------------------------------------------------------------- evaluation


def needed_places(
    p: ShortlistProblem, selected: np.ndarray, target: int | None = None
) -> np.ndarray:
    """Places per site counted towards the target: the best selected sites first.

    This is the optimal ``y`` of the people objective for a fixed selection (filling the
    target from the highest scores is optimal: an exchange argument). Ties in score are
    filled in site order.
    """
    t = p.target if target is None else target
    sel = np.flatnonzero(np.asarray(selected, dtype=bool))
    order = sel[np.argsort(-np.asarray(p.value, float)[sel], kind="stable")]
    y = np.zeros(p.n, dtype=np.int64)
    left = int(t)
    for i in order:
        take = min(int(p.capacity[i]), max(left, 0))
        y[i] = take
        left -= take
    return y


def quality_points(p: ShortlistProblem, selected: np.ndarray) -> int:
    """``Q`` in integer units: sum of quality weight x needed places."""
    return int((p.quality_weights() * needed_places(p, selected)).sum())


def quality(p: ShortlistProblem, selected: np.ndarray) -> float:
    """Mean score (0-100) per needed place; NaN when the target is 0 or not met."""
    sel = np.asarray(selected, dtype=bool)
    if p.target <= 0 or int(p.capacity[sel].sum()) < p.target:
        return float("nan")
    return float((np.asarray(p.value, float) * needed_places(p, sel)).sum() / p.target)


def min_pair_distance(p: ShortlistProblem, selected: np.ndarray) -> int:
    """Smallest distance (whole metres, rounded down) between two selected sites; the
    largest distance between allowed sites when fewer than two are selected."""
    if p.distance is None:
        raise ValueError("objective spread needs the distance matrix")
    idx = np.flatnonzero(np.asarray(selected, dtype=bool))
    d = np.floor(np.asarray(p.distance, float)).astype(np.int64)
    if len(idx) < 2:
        return _distance_cap(p)
    sub = d[np.ix_(idx, idx)]
    return int(sub[np.triu_indices(len(idx), 1)].min())


MIN_QUALITY_SCALE = 10**6
"""Scores are scaled to integers for the ``min_quality`` rule (0.000001 point resolution)."""

MIN_QUALITY_TOLERANCE = 2.0 / MIN_QUALITY_SCALE
"""How far (score points per needed place) a mean score may lie below ``min_quality`` and
still meet it: the rounding of the scaled scores, never more."""


def min_quality_row(p: ShortlistProblem, t: int) -> tuple[np.ndarray, int]:
    """The ``min_quality`` rule as ``sum_i w_i y_i >= need`` in integers.

    ``w_i`` is the score on a grid of 0.000001 points, so the rule is met by every
    selection whose mean score per needed place reaches ``min_quality`` (a minimum equal
    to a reachable mean score included: rounding every score half a grid step down never
    refuses it), and by none more than :data:`MIN_QUALITY_TOLERANCE` below it. (At the
    objective's 0.001-point grid, a site of score 0.0004 missed a minimum of 0.0004.)
    """
    assert p.min_quality is not None
    w = np.maximum(np.round(np.asarray(p.value, float) * MIN_QUALITY_SCALE), 0).astype(np.int64)
    tt = max(int(t), 0)
    need = int(np.ceil(p.min_quality * MIN_QUALITY_SCALE * tt - 0.5 * tt - 1e-6 * max(tt, 1)))
    return w, need


def _distance_cap(p: ShortlistProblem) -> int:
    assert p.distance is not None
    ok = np.flatnonzero(p.allowed())
    if len(ok) < 2:
        return 0
    d = np.floor(np.asarray(p.distance, float)[np.ix_(ok, ok)]).astype(np.int64)
    return int(d.max())


def _cost_int(p: ShortlistProblem) -> np.ndarray:
    """Costs in integer cents (the unit of the cost objective, the budget and the checker).

    Money is exact: a budget of EUR 1,000,000.00 admits sites costing 600,000.40 and
    399,999.60, and refuses 600,000.40 and 399,999.61; rounding to whole euros would not.
    """
    if p.cost is None:
        return np.zeros(p.n, dtype=np.int64)
    return cents_array(np.nan_to_num(np.asarray(p.cost, float)))


def _budget_cents(p: ShortlistProblem) -> int:
    """The budget in integer cents."""
    assert p.budget is not None
    return to_cents(p.budget)


def objective_key(p: ShortlistProblem, selected: np.ndarray) -> tuple[int, ...]:
    """The lexicographic objective of a selection as integers, larger is better.

    This is what the solver optimises (as one weighted integer objective), recomputed
    from the data; brute-force tests compare it with the solver's.

    * people: ``(Q, -overshoot, -sites)``
    * cost: ``(-cost in EUR, Q)``; sites: ``(-sites, Q)``; spread: ``(distance m, Q)``
    * score, score_x_capacity: ``(sum of weights,)``
    """
    sel = np.asarray(selected, dtype=bool)
    k = int(sel.sum())
    if p.objective in ("score", "score_x_capacity"):
        return (int(p.weights()[sel].sum()),)
    q = quality_points(p, sel)
    if p.objective == "people":
        return (q, -(int(p.capacity[sel].sum()) - p.target), -k)
    if p.objective == "cost":
        return (-int(_cost_int(p)[sel].sum()), q)
    if p.objective == "sites":
        return (-k, q)
    return (min_pair_distance(p, sel), q)


def primary_value(p: ShortlistProblem, selected: np.ndarray) -> float:
    """The objective in its own unit (see :attr:`ShortlistSolution.objective`)."""
    sel = np.asarray(selected, dtype=bool)
    if p.objective in ("score", "score_x_capacity"):
        return float(p.weights()[sel].sum()) / VALUE_SCALE
    if p.objective == "people":
        return quality(p, sel)
    if p.objective == "cost":
        return float(_cost_int(p)[sel].sum()) / 100.0  # euros
    if p.objective == "sites":
        return float(sel.sum())
    return float(min_pair_distance(p, sel))


def redundant_sites(p: ShortlistProblem, selected: np.ndarray) -> np.ndarray:
    """Selected, non-forced sites that can be dropped while the target still holds.

    Dropping a site never breaks a budget, a maximum, a distance or a zone rule; only the
    target and ``must_include`` ask for more, so this is every rule's check.
    """
    sel = np.asarray(selected, dtype=bool)
    total = int(p.capacity[sel].sum())
    if total < p.target:
        return np.zeros(p.n, dtype=bool)
    return sel & ~p.forced() & (total - np.asarray(p.capacity) >= p.target)


def explain_overshoot(p: ShortlistProblem, selected: np.ndarray) -> Message | str:
    """The overshoot above the target and why it is bounded (a catalogue message; empty
    text when the target is not met)."""
    sel = np.asarray(selected, dtype=bool)
    total = int(p.capacity[sel].sum())
    over = total - p.target
    if total < p.target or not sel.any():
        return ""
    if over == 0:
        return Message("siting.overshoot.none", {"target": p.target})
    free = np.flatnonzero(sel & ~p.forced())
    if len(free) == 0:
        return Message("siting.overshoot.forced", {"over": over})
    small = free[np.argmin(np.asarray(p.capacity)[free])]
    c = int(p.capacity[small])
    if total - c < p.target:
        return Message(
            "siting.overshoot.smallest",
            {"over": over, "target": p.target, "site": str(p.ids[small]), "capacity": c,
             "left": total - c, "shortfall": p.target - (total - c)},
        )  # fmt: skip
    return Message(
        "siting.overshoot.redundant",
        {"over": over, "target": p.target, "site": str(p.ids[small]), "capacity": c},
    )


# --------------------------------------------------------------------------- the model


@dataclass
class _Model:
    """A built CP-SAT model with the handles needed to set objectives and read results."""

    m: cp_model.CpModel
    x: list[cp_model.IntVar]
    y: list[cp_model.IntVar] | None
    """Needed places per site (objectives that weigh people)."""
    spread: cp_model.IntVar | None = None
    allowed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    primary: object = None
    """The objective's first term (set with the objective); see :func:`_polish`."""
    secondary: object = None
    """Its tie-breakers as one expression (larger is better)."""
    magnitude: int = 0
    """The largest absolute value the weighted objective can take."""


def _build(
    p: ShortlistProblem,
    *,
    drop: frozenset[str] = frozenset(),
    maximise_capacity: bool = False,
    target: int | None = None,
    force_in: Sequence[int] = (),
    force_out: Sequence[int] = (),
    max_cost: int | None = None,
    max_count: int | None = None,
    places: bool | None = None,
) -> _Model:
    """Build the CP-SAT model and its constraints (the objective is set separately).

    ``drop`` leaves out constraint families (for diagnosis); ``force_in`` / ``force_out``
    fix sites (counterfactuals; unlike ``must_include``, a site forced in must be needed);
    ``max_cost`` / ``max_count`` are the epsilon constraints of the frontiers.
    """
    m = cp_model.CpModel()
    allowed = p.eligible.copy()
    if p.available is not None and "availability" not in drop:
        allowed &= p.available
    if p.must_exclude is not None and "must_exclude" not in drop:
        allowed &= ~p.must_exclude
    hand = p.forced() if "must_include" not in drop else np.zeros(p.n, dtype=bool)
    forced = hand.copy()
    forced[list(force_in)] = True  # fixed in, but (unlike must_include) it must be needed
    allowed &= (np.asarray(p.capacity) > 0) | forced
    allowed[list(force_out)] = False
    x = [m.new_bool_var(f"x{i}") for i in range(p.n)]
    for i in np.flatnonzero(~allowed):
        m.add(x[i] == 0)
    for i in np.flatnonzero(forced & allowed):
        m.add(x[i] == 1)
    for i in np.flatnonzero(forced & ~allowed):
        m.add(x[i] == 1)  # contradiction on purpose: the rules say no, the hand says yes
    cap = [int(c) for c in p.capacity]
    cap_expr = sum(c * xi for c, xi in zip(cap, x, strict=True))
    t = p.target if target is None else target
    use_target = not maximise_capacity and "target" not in drop
    if use_target:
        m.add(cap_expr >= t)
    if p.max_capacity is not None and "max_capacity" not in drop:
        m.add(cap_expr <= p.max_capacity)
    cost = _cost_int(p)
    if p.budget is not None and p.cost is not None and "budget" not in drop:
        m.add(sum(int(c) * xi for c, xi in zip(cost, x, strict=True)) <= _budget_cents(p))
    if max_cost is not None:
        m.add(sum(int(c) * xi for c, xi in zip(cost, x, strict=True)) <= int(max_cost))
    if p.max_sites is not None and "max_sites" not in drop:
        m.add(sum(x) <= p.max_sites)
    if max_count is not None:
        m.add(sum(x) <= max_count)
    if "separation" not in drop:
        for i, j in p.conflicts:
            m.add_bool_or([x[i].Not(), x[j].Not()])
    if p.zone is not None and p.max_per_zone is not None and "zone" not in drop:
        for z in np.unique(p.zone[allowed]):
            members = np.flatnonzero((p.zone == z) & allowed)
            if len(members) > p.max_per_zone:
                m.add(sum(x[i] for i in members) <= p.max_per_zone)
    if use_target and p.irredundant and "irredundant" not in drop:
        # a selected site that is not forced in must be needed: without it, the target fails
        for i in np.flatnonzero(allowed & ~hand):
            m.add(cap_expr - cap[i] <= t - 1).only_enforce_if(x[i])
    y = None
    want_places = (p.objective in _USES_PLACES) if places is None else places
    if use_target and want_places:
        # y_i <= min(c_i, T): sum y = T, and the tighter domain keeps CP-SAT's check of
        # the objective's range within 64 bits (a 10,000,000-place site with target 1 made
        # the model invalid, reported as "no solution")
        y = [m.new_int_var(0, max(min(cap[i], t), 0), f"y{i}") for i in range(p.n)]
        for k in range(p.n):
            if allowed[k] or forced[k]:
                m.add(y[k] <= cap[k] * x[k])
            else:
                m.add(y[k] == 0)
        m.add(sum(y) == max(t, 0))
        if p.min_quality is not None and "min_quality" not in drop:
            qw, need = min_quality_row(p, t)
            m.add(sum(int(w) * yi for w, yi in zip(qw, y, strict=True)) >= need)
    if p.services is not None and "services" not in drop:
        add_services_rule(m, x, p.services)
    mod = _Model(m, x, y, allowed=allowed)
    if p.objective == "spread" and use_target and "spread" not in drop:
        if p.distance is None:
            raise ValueError("objective spread needs the distance matrix")
        dcap = _distance_cap(p)
        d = np.floor(np.asarray(p.distance, float)).astype(np.int64)
        mod.spread = m.new_int_var(0, max(dcap, 0), "spread")
        ok = np.flatnonzero(allowed)
        for a in range(len(ok)):
            for b in range(a + 1, len(ok)):
                i, j = ok[a], ok[b]
                if d[i, j] < dcap:
                    m.add(mod.spread <= int(d[i, j])).only_enforce_if([x[i], x[j]])
    return mod


def _quality_expr(p: ShortlistProblem, mod: _Model) -> cp_model.LinearExpr:
    assert mod.y is not None
    expr = sum(int(w) * yi for w, yi in zip(p.quality_weights(), mod.y, strict=True))
    return cast(cp_model.LinearExpr, expr)


def _set_objective(p: ShortlistProblem, mod: _Model, target: int | None = None) -> int:
    """Set the objective (one weighted integer form of :func:`objective_key`).

    Returns the weight of the primary term, to read the primary bound back.
    """
    m, x = mod.m, mod.x
    t = p.target if target is None else target
    n = p.n
    if p.objective in ("score", "score_x_capacity"):
        m.maximize(sum(int(w) * xi for w, xi in zip(p.weights(), x, strict=True)))
        return 1
    q = _quality_expr(p, mod)
    q_max = int(p.quality_weights().max(initial=0)) * max(t, 0)
    count = sum(x)
    if p.objective == "people":
        over_max = int(np.asarray(p.capacity)[mod.allowed | p.forced()].sum())
        w2 = n + 1
        w1 = (over_max + 1) * w2
        cap_expr = sum(int(c) * xi for c, xi in zip(p.capacity, x, strict=True))
        # CP-SAT checks the sum of |coefficient| x largest value over every term
        mod.magnitude = w1 * (_quality_range(p, t) + 1) + w2 * (over_max + 1)
        mod.primary, mod.secondary = q, -w2 * cap_expr - count
        return _weighted(mod, w1, q, -w2 * cap_expr - count)
    w = q_max + 1
    if p.objective == "cost":
        cost = _cost_int(p)
        cost_expr = sum(int(c) * xi for c, xi in zip(cost, x, strict=True))
        mod.primary, mod.secondary = -cost_expr, q
        mod.magnitude = w * (int(np.abs(cost).sum()) + 1)
        return -_weighted(mod, w, -cost_expr, q)
    if p.objective == "sites":
        mod.primary, mod.secondary, mod.magnitude = -count, q, w * (n + 1)
        return -_weighted(mod, w, -count, q)
    assert mod.spread is not None
    mod.primary, mod.secondary = mod.spread, q
    mod.magnitude = w * (_distance_cap(p) + 1)
    return _weighted(mod, w, mod.spread, q)


def _weighted(mod: _Model, w: int, primary: Any, secondary: Any) -> int:
    """Maximise ``w * primary + secondary`` (one solve, lexicographic), or, when that
    form does not fit CP-SAT's 64-bit integers, ``primary`` alone: :func:`_polish` then
    fixes the primary at its optimum and maximises the secondary in a second solve (the
    same lexicographic optimum in two steps). Returns the weight of the primary term as
    set (``w`` or 1), to read the primary bound back."""
    if mod.magnitude >= _MAX_COEF:
        mod.m.maximize(primary)
        return 1
    mod.m.maximize(w * primary + secondary)
    return w


_EXACT_DOUBLE = 2**52
"""CP-SAT compares objective values and bounds as doubles: above this magnitude a
difference in the tie-breakers can be lost, so the tie-breakers are solved apart."""


def _polish(
    p: ShortlistProblem, mod: _Model, solver: cp_model.CpSolver, sel: np.ndarray,
    time_limit: float, workers: int, seed: int, build: Mapping[str, object],
) -> np.ndarray:  # fmt: skip
    """The tie-breakers of an optimal solve, exactly: with the first term fixed at its
    optimum, re-solve for the rest (only when the weighted objective is too large for
    CP-SAT's double-precision optimality test; else the one solve was exact already).

    A 123,456-place site was chosen with a 1-place site that added nothing but overshoot,
    reported as optimal: the weighted objective was near 10^18, where a double cannot tell
    apart values 10 apart.
    """
    if mod.magnitude <= _EXACT_DOUBLE or mod.primary is None:
        return sel
    value = round(solver.value(mod.primary))  # type: ignore[arg-type]
    again = _build(p, **build)  # type: ignore[arg-type]
    _set_objective(p, again, build.get("target"))  # type: ignore[arg-type]
    again.m.add(again.primary == value)
    again.m.maximize(again.secondary)  # type: ignore[arg-type]
    for xi, h in zip(again.x, sel, strict=True):
        again.m.add_hint(xi, bool(h))
    second = _solver(time_limit, workers, seed)
    if _status(second.solve(again.m), again.m) is SolveStatus.OPTIMAL:
        return np.array([bool(second.value(v)) for v in again.x])
    return sel


def _quality_range(p: ShortlistProblem, t: int) -> int:
    """The largest value of the quality expression term by term (``y_i <= min(c_i, T)``)."""
    ub = np.minimum(np.maximum(np.asarray(p.capacity, dtype=np.int64), 0), max(t, 0))
    return sum(int(w) * int(u) for w, u in zip(p.quality_weights(), ub, strict=True))


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


_STATUS: dict[object, SolveStatus] = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
}


def _status(code: object, m: cp_model.CpModel) -> SolveStatus:
    """The solve status; a model CP-SAT refuses as invalid is a bug, not "no solution"."""
    if code == cp_model.MODEL_INVALID:
        raise InternalError(f"the shortlist model is invalid: {m.validate()[:300]}")
    return _STATUS.get(code, SolveStatus.NO_SOLUTION)


FAMILIES = (
    "budget", "max_sites", "max_capacity", "separation", "zone", "availability",
    "must_include", "must_exclude", "min_quality", "irredundant", "services",
)  # fmt: skip
"""Constraint families; each is named by the catalogue text ``siting.family.<name>``."""


def _family(name: str) -> Message:
    return Message(f"siting.family.{name}")


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
    if p.services is not None:
        fams.append("services")
    return fams


@dataclass(frozen=True)
class RawSolve:
    """One CP-SAT solve of a built model: the selection and the solver's verdict."""

    selected: np.ndarray | None
    status: SolveStatus
    bound: float


def solve_raw(
    p: ShortlistProblem,
    *,
    time_limit: float = 30.0,
    workers: int = 1,
    seed: int = 0,
    hint: np.ndarray | None = None,
    **build: object,
) -> RawSolve:
    """Build, set the objective and solve once (no diagnosis, no reasons).

    ``hint`` warm-starts the search from a selection (for example the previous weight
    sample's shortlist). Keyword arguments go to the model builder (``force_in``,
    ``force_out``, ``max_cost``, ``max_count``, ``target``).
    """
    mod = _build(p, **build)  # type: ignore[arg-type]
    w1 = _set_objective(p, mod, build.get("target"))  # type: ignore[arg-type]
    if hint is not None:
        for xi, h in zip(mod.x, hint, strict=True):
            mod.m.add_hint(xi, bool(h))
    solver = _solver(time_limit, workers, seed)
    status = _status(solver.solve(mod.m), mod.m)
    if not status.has_solution:
        return RawSolve(None, status, float("nan"))
    sel = np.array([bool(solver.value(v)) for v in mod.x])
    if status is SolveStatus.OPTIMAL:
        sel = _polish(p, mod, solver, sel, time_limit, workers, seed, build)
    bound = solver.best_objective_bound / w1
    if p.objective in ("score", "score_x_capacity"):
        bound /= VALUE_SCALE
    elif p.objective == "people":
        bound /= VALUE_SCALE * max(p.target, 1)
    return RawSolve(sel, status, float(bound))


class ReusableModel:
    """One built CP-SAT model whose site scores change between solves.

    SMAA and the one-at-a-time analysis solve the same rules for many weight vectors; only
    the scores (the objective) change. Building the model once and resetting the objective
    and the warm start per solve gives the same answers as :func:`solve_raw` at a fraction
    of the cost. With ``min_quality`` the scores enter a constraint too; then every solve
    builds afresh.
    """

    def __init__(self, p: ShortlistProblem, *, presolve: bool = True) -> None:
        self.p = p
        self.presolve = presolve
        self.mod = None if p.min_quality is not None else _build(p)
        if self.mod is not None:
            _set_objective(p, self.mod)
            if self.mod.magnitude > _EXACT_DOUBLE:  # tie-breakers need their own solve
                self.mod = None

    def solve(
        self,
        value: np.ndarray,
        *,
        time_limit: float = 10.0,
        seed: int = 0,
        hint: np.ndarray | None = None,
    ) -> RawSolve:
        """Solve with the scores ``value`` (same rules), warm-started from ``hint``."""
        q = replace(self.p, value=np.asarray(value, dtype=float))
        if self.mod is None:
            return solve_raw(q, time_limit=time_limit, workers=1, seed=seed, hint=hint)
        mod = self.mod
        w1 = _set_objective(q, mod)
        if mod.magnitude > _EXACT_DOUBLE:  # these scores need the tie-breakers apart
            return solve_raw(q, time_limit=time_limit, workers=1, seed=seed, hint=hint)
        mod.m.clear_hints()
        if hint is not None:
            for xi, h in zip(mod.x, hint, strict=True):
                mod.m.add_hint(xi, bool(h))
        solver = _solver(time_limit, 1, seed)
        solver.parameters.cp_model_presolve = self.presolve
        status = _status(solver.solve(mod.m), mod.m)
        if not status.has_solution:
            return RawSolve(None, status, float("nan"))
        sel = np.array([bool(solver.value(v)) for v in mod.x])
        return RawSolve(sel, status, float(solver.best_objective_bound / w1))


def solve_shortlist(
    p: ShortlistProblem, *, time_limit: float = 30.0, workers: int = 2, seed: int = 0,
    explain: bool = True, hint: np.ndarray | None = None,
) -> ShortlistSolution:  # fmt: skip
    """Choose the best shortlist (see the module docstring) that keeps every rule.

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
    hint
        A selection to start the search from (warm start).

    Returns
    -------
    ShortlistSolution
        When the target cannot be met, the solution with the most capacity under the
        other rules, the shortfall, and which rule prevents it (``diagnosis``).

    Examples
    --------
    Three sites of 10 places, target 20: the two best are chosen, and no third one.

    >>> import numpy as np
    >>> p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90., 60., 50.]),
    ...     capacity=np.array([10, 10, 10]), target=20, eligible=np.ones(3, bool))
    >>> s = solve_shortlist(p)
    >>> s.selected.tolist(), s.quality, s.overshoot
    ([True, True, False], 75.0, 0)
    """
    t0 = time.perf_counter()
    raw = solve_raw(p, time_limit=time_limit, workers=workers, seed=seed, hint=hint)
    if raw.selected is not None:
        sel = raw.selected
        sol = ShortlistSolution(
            sel, raw.status, primary_value(p, sel), raw.bound, 0.0,
            np.empty(p.n, dtype=object), np.empty(p.n, dtype=object),
        )  # fmt: skip
        diagnosis: tuple[Message, ...] = ()
        shortfall = 0
    else:
        # stopped by the time limit: the diagnosis gets only what is left of it
        timed_out = raw.status is SolveStatus.NO_SOLUTION
        sol, diagnosis, shortfall = _diagnose(
            p, time_limit, workers, seed, deadline=t0 + time_limit if timed_out else None
        )
        if timed_out:  # stopped by the time limit, not proven
            sol = replace(sol, status=raw.status)
    cap = int(p.capacity[sol.selected].sum())
    cost = float(p.cost[sol.selected].sum()) if p.cost is not None else 0.0
    reasons, binding = explain_sites(p, sol.selected) if explain else (sol.reasons, sol.binding)
    met = cap >= p.target and not diagnosis
    return replace(
        sol, reasons=reasons, binding=binding, capacity=cap, cost=cost,
        target_met=met, shortfall=shortfall,
        diagnosis=diagnosis, seconds=time.perf_counter() - t0,
        quality=quality(p, sol.selected), overshoot=max(0, cap - p.target) if met else 0,
        overshoot_note=explain_overshoot(p, sol.selected) if met else "",
    )  # fmt: skip


def _max_capacity(
    p: ShortlistProblem, drop: frozenset[str], time_limit: float, workers: int, seed: int
) -> tuple[int, np.ndarray | None]:
    mod = _build(p, drop=drop | {"target"}, maximise_capacity=True)
    mod.m.maximize(sum(int(c) * xi for c, xi in zip(p.capacity, mod.x, strict=True)))
    solver = _solver(time_limit, workers, seed)
    st = solver.solve(mod.m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return -1, None
    return round(solver.objective_value), np.array([bool(solver.value(v)) for v in mod.x])


def _best_quality(
    p: ShortlistProblem, drop: frozenset[str], time_limit: float, workers: int, seed: int
) -> tuple[float, np.ndarray | None]:
    """The highest mean score per needed place within the rules (without min_quality)."""
    q = replace(p, objective="people", min_quality=None)
    raw = solve_raw(q, time_limit=time_limit, workers=workers, seed=seed, drop=drop)
    if raw.selected is None:
        return float("nan"), None
    return quality(q, raw.selected), raw.selected


_DIAGNOSIS_MIN_S = 0.5
"""Seconds the diagnosis' first solve gets when the time limit has passed (it finds the
most capacity under the rules, the shortlist returned)."""


def _diagnose(
    p: ShortlistProblem, time_limit: float, workers: int, seed: int, deadline: float | None = None
) -> tuple[ShortlistSolution, tuple[Message, ...], int]:
    """The most capacity under all other rules, and which rules keep the target out of reach.

    With a ``deadline`` (the main solve stopped at the time limit), every solve after the
    first gets only what is left until then, and the probes of single rules stop when
    nothing is left (the diagnosis then names fewer rules; it never guesses).
    """

    def limit() -> float:
        return time_limit if deadline is None else deadline - time.perf_counter()

    def out_of_time() -> bool:
        return limit() <= 0.0

    best, sel = _max_capacity(p, frozenset(), max(limit(), _DIAGNOSIS_MIN_S), workers, seed)
    lines: list[Message] = []
    if sel is None:
        # even without the target the rules conflict (e.g. must_include against max_sites)
        sel = np.zeros(p.n, dtype=bool)
        for fam in _active_families(p):
            if out_of_time():
                break
            cap, _ = _max_capacity(p, frozenset({fam}), limit(), workers, seed)
            if cap >= 0:
                lines.append(Message("siting.diagnosis.conflict", {"family": _family(fam)}))
        lines += _forced_conflicts(p)
        shortfall = p.target

    elif best >= p.target and p.min_quality is not None and p.objective in _USES_PLACES:
        # the capacity is there: the minimum quality is what cannot be met
        q, qsel = _best_quality(p, frozenset(), max(limit(), _DIAGNOSIS_MIN_S), workers, seed)
        shortfall = 0
        if qsel is not None:
            sel = qsel
        lines.append(
            Message(
                "siting.diagnosis.min_quality",
                {"min_quality": p.min_quality, "best": q, "shortfall": p.min_quality - q},
            )
        )
        # which rule holds the quality down (the capacity is there): without each alone
        fams = _active_families(p) + (["irredundant"] if p.irredundant else [])
        for fam in fams:
            if out_of_time():
                break
            q2, _ = _best_quality(p, frozenset({fam}), limit(), workers, seed)
            if np.isfinite(q2) and (not np.isfinite(q) or q2 > q + MIN_QUALITY_TOLERANCE):
                short = p.min_quality - q2
                verdict = (
                    Message("siting.diagnosis.enough")
                    if short <= MIN_QUALITY_TOLERANCE
                    else Message("siting.diagnosis.quality_short", {"shortfall": short})
                )
                lines.append(
                    Message(
                        "siting.diagnosis.without_quality",
                        {"family": _family(fam), "best": q2, "verdict": verdict},
                    )
                )
    else:
        shortfall = max(0, p.target - best)
        lines.append(
            Message(
                "siting.diagnosis.unreachable",
                {"target": p.target, "best": best, "shortfall": shortfall},
            )
        )
        all_eligible = int(p.capacity[p.eligible].sum())
        if all_eligible < p.target:
            lines.append(
                Message(
                    "siting.diagnosis.too_few_eligible",
                    {"n_eligible": int(p.eligible.sum()), "capacity": all_eligible,
                     "shortfall": p.target - all_eligible},
                )
            )  # fmt: skip
        fams = _active_families(p)
        named = False
        for fam in fams:
            if out_of_time():
                break
            cap, _ = _max_capacity(p, frozenset({fam}), limit(), workers, seed)
            if cap > best:
                named = True
                lines.append(
                    Message(
                        "siting.diagnosis.without",
                        {"family": _family(fam), "capacity": cap, "verdict": _verdict(p, cap)},
                    )
                )
        if not named and all_eligible >= p.target:
            # no rule alone holds the target back: two rules bind together (e.g. max_sites
            # and the budget each allow the same two sites); name every pair that does
            for a, b in itertools.combinations(fams, 2):
                if out_of_time():
                    break
                cap, _ = _max_capacity(p, frozenset({a, b}), limit(), workers, seed)
                if cap > best:
                    named = True
                    lines.append(
                        Message(
                            "siting.diagnosis.without_both",
                            {"family": _family(a), "other": _family(b), "capacity": cap,
                             "verdict": _verdict(p, cap)},
                        )
                    )  # fmt: skip
            # three or more bind together: all of them
            if not named and len(fams) > 2 and not out_of_time():
                cap, _ = _max_capacity(p, frozenset(fams), limit(), workers, seed)
                if cap > best:
                    lines.append(
                        Message(
                            "siting.diagnosis.without_all",
                            {"families": tuple(_family(f) for f in fams), "capacity": cap,
                             "verdict": _verdict(p, cap)},
                        )
                    )  # fmt: skip
    sol = ShortlistSolution(
        sel, SolveStatus.INFEASIBLE, primary_value(p, sel), float("nan"), 0.0,
        np.empty(p.n, dtype=object), np.empty(p.n, dtype=object),
    )  # fmt: skip
    return sol, tuple(lines), shortfall


def _verdict(p: ShortlistProblem, cap: int) -> Message:
    """ "enough" or "still short by ..." for the capacity reachable without some rules."""
    if cap >= p.target:
        return Message("siting.diagnosis.enough")
    return Message("siting.diagnosis.still_short", {"shortfall": p.target - cap})


def _forced_conflicts(p: ShortlistProblem) -> list[Message]:
    """By how much the required sites (``must_include``) alone break each other rule.

    Every selection holds the required sites, so what they break alone is the least any
    selection breaks: the number of sites, cost and capacity over their limits, a
    district with more required sites than allowed, two required sites too close, and a
    required site that is unavailable or excluded by hand.
    """
    hand = p.forced()
    if not hand.any():
        return []
    out: list[Message] = []
    ids = [str(i) for i in p.ids]
    n = int(hand.sum())
    if p.max_sites is not None and n > p.max_sites:
        out.append(Message("siting.diagnosis.forced_sites",
                           {"n": n, "limit": p.max_sites, "over": n - p.max_sites}))  # fmt: skip
    if p.budget is not None and p.cost is not None:
        cents = int(_cost_int(p)[hand].sum())
        if cents > _budget_cents(p):
            out.append(Message("siting.diagnosis.forced_budget", {
                "cost": cents / 100, "budget": _budget_cents(p) / 100,
                "over": (cents - _budget_cents(p)) / 100}))  # fmt: skip
    cap = int(np.asarray(p.capacity)[hand].sum())
    if p.max_capacity is not None and cap > p.max_capacity:
        out.append(Message("siting.diagnosis.forced_capacity",
                           {"capacity": cap, "limit": p.max_capacity,
                            "over": cap - p.max_capacity}))  # fmt: skip
    if p.zone is not None and p.max_per_zone is not None:
        zones, counts = np.unique(p.zone[hand], return_counts=True)
        for z, c in zip(zones, counts, strict=True):
            if c > p.max_per_zone:
                out.append(Message("siting.diagnosis.forced_zone", {
                    "zone": str(z), "n": int(c), "limit": p.max_per_zone,
                    "over": int(c) - p.max_per_zone}))  # fmt: skip
    for (i, j), d in zip(p.conflicts, p.conflict_distance, strict=False):
        if hand[i] and hand[j]:
            limit = float(p.min_distance or 0)  # 499.6 m under 500 m: '499 m', not '500 m'
            out.append(Message("siting.diagnosis.forced_close", {
                "a": ids[i], "b": ids[j], "distance": shown_beyond(float(d), limit),
                "min_distance": limit}))  # fmt: skip
    for i in np.flatnonzero(hand):
        if p.available is not None and not p.available[i]:
            out.append(Message("siting.diagnosis.forced_unavailable", {"site": ids[i]}))
        if p.must_exclude is not None and p.must_exclude[i]:
            out.append(Message("siting.diagnosis.forced_excluded", {"site": ids[i]}))
    return out


_VALUE_REASON = {
    "score": "value", "score_x_capacity": "value", "people": "people", "cost": "cost",
    "sites": "sites", "spread": "spread",
}  # fmt: skip
"""The reason (``siting.why.<code>``) a site is out when only the objective keeps it out."""


def explain_sites(p: ShortlistProblem, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Why each site is in or out: the constraint that adding it would break.

    Returns
    -------
    (reasons, binding)
        A :class:`~opvang_opt.texts.Message` per site, and the short name of the binding
        rule.
    """
    reasons = np.empty(p.n, dtype=object)
    binding = np.empty(p.n, dtype=object)
    cap = int(p.capacity[selected].sum())
    n_sel = int(selected.sum())
    cents = _cost_int(p)
    zone_count: dict[object, int] = {}
    if p.zone is not None:
        for z in p.zone[selected]:
            zone_count[z] = zone_count.get(z, 0) + 1
    neighbours: dict[int, list[tuple[int, float]]] = {}
    pairs = np.asarray(p.conflicts, dtype=np.int64).reshape(-1, 2).tolist()
    for (i, j), d in zip(pairs, conflict_distances(p).tolist(), strict=True):
        neighbours.setdefault(int(i), []).append((int(j), float(d)))
        neighbours.setdefault(int(j), []).append((int(i), float(d)))
    for i in range(p.n):
        if selected[i]:
            forced = p.must_include is not None and p.must_include[i]
            reasons[i] = Message(
                "siting.decision.chosen_forced" if forced else "siting.decision.chosen"
            )
            binding[i] = "selected"
            continue
        if not p.eligible[i]:
            reasons[i], binding[i] = Message("siting.decision.excluded"), "excluded"
            continue
        if p.must_exclude is not None and p.must_exclude[i]:
            reasons[i], binding[i] = Message("siting.decision.must_exclude"), "must_exclude"
            continue
        if p.available is not None and not p.available[i]:
            reasons[i], binding[i] = Message("siting.decision.availability"), "availability"
            continue
        if p.capacity[i] <= 0:
            reasons[i], binding[i] = Message("siting.decision.not_chosen_capacity"), "capacity"
            continue
        broken: list[tuple[str, Mapping[str, object]]] = []
        if p.max_sites is not None and n_sel + 1 > p.max_sites:
            broken.append(("max_sites", {"max_sites": p.max_sites}))
        if (
            p.budget is not None
            and p.cost is not None
            and (int(cents[selected].sum()) + int(cents[i]) > _budget_cents(p))
        ):
            over = (int(cents[selected].sum()) + int(cents[i]) - _budget_cents(p)) / 100.0
            broken.append(("budget", {"over": over}))
        if p.max_capacity is not None and cap + p.capacity[i] > p.max_capacity:
            broken.append(("max_capacity", {"max_capacity": p.max_capacity}))
        close = [(j, d) for j, d in neighbours.get(i, []) if selected[j]]
        if close:  # the nearest; a pair given without a distance last
            j, d = min(close, key=lambda t: (np.isnan(t[1]), t[1]))
            if np.isnan(d):
                broken.append(("separation", {"other": str(p.ids[j]), "distance": None}))
            elif d <= 0:  # an overlapping plot (see siting.location.overlapping_pairs)
                broken.append(("overlap", {"other": str(p.ids[j])}))
            else:
                limit = float(p.min_distance or 0)  # 499.6 m under 500 m: '499 m'
                broken.append(
                    ("separation", {"other": str(p.ids[j]),
                                    "distance": shown_beyond(float(d), limit),
                                    "min_distance": limit})
                )  # fmt: skip
        if (
            p.max_per_zone is not None
            and p.zone is not None
            and zone_count.get(p.zone[i], 0) + 1 > p.max_per_zone
        ):
            broken.append(("zone", {"zone": str(p.zone[i]), "max_per_zone": p.max_per_zone}))
        blocked = blocking_reason(p.services, selected, i)
        if blocked:
            broken.append(("services", blocked))
        why: list[Message] = [
            Message("siting.why.conflict", params)
            if b == "separation" and params["distance"] is None
            else Message(f"siting.why.{b}", params)
            for b, params in broken
        ]
        if not broken:
            if p.irredundant and cap >= p.target:
                broken.append(("target_met", {}))
                why.append(Message("siting.why.target_met"))
            else:
                broken.append(("value", {}))
                why.append(Message(f"siting.why.{_VALUE_REASON[p.objective]}"))
        binding[i] = ", ".join(b for b, _ in broken)
        reasons[i] = Message("siting.decision.not_chosen", {"reasons": why})
    return reasons, binding


def conflict_distances(p: ShortlistProblem) -> np.ndarray:
    """The distance of every conflict pair, NaN where none is given (a pair is a conflict
    whatever its distance; the distance only words the reason)."""
    out = np.full(len(np.asarray(p.conflicts).reshape(-1, 2)), np.nan)
    given = np.asarray(p.conflict_distance, dtype=float)[: len(out)]
    out[: len(given)] = given
    return out


def conflict_lists(conflicts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each site's conflicting sites, in the order the pairs list them: site ``i``'s are
    ``others[start[i]:start[i + 1]]`` (both members of a pair get the other)."""
    c = np.asarray(conflicts, dtype=np.int64).reshape(-1, 2)
    site = np.concatenate([c[:, 0], c[:, 1]])
    other = np.concatenate([c[:, 1], c[:, 0]])
    pair = np.tile(np.arange(len(c)), 2)
    order = np.lexsort((pair, site))  # by site, then by pair (a site is in a pair once)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(site, minlength=n)[:n], out=start[1:])
    return start, other[order]


def top_score(p: ShortlistProblem, rank: np.ndarray) -> ShortlistSolution:
    """Take allowed sites by rank until the target is met (and at most ``max_sites``).

    With ``irredundant`` (the default) the sites that the target no longer needs are
    dropped afterwards, the lowest-ranked first (a large site late in the ranking can make
    earlier small ones unnecessary).

    ``must_include`` sites that break a rule among themselves (not available by the date,
    more than ``max_sites``, two overlapping plots) cannot all be chosen: the result is
    INFEASIBLE and names the rules that conflict, as ``optimise`` does.
    """
    t0 = time.perf_counter()
    clash = _forced_clashes(p)
    if clash:
        none = np.zeros(p.n, dtype=bool)
        reasons, binding = explain_sites(p, none)
        lines = tuple(
            Message("siting.diagnosis.conflict", {"family": _family(f)})
            for f in ("must_include", *clash)
        )
        return ShortlistSolution(
            none, SolveStatus.INFEASIBLE, 0.0, 0.0, time.perf_counter() - t0, reasons,
            binding, 0, 0.0, False, p.target, lines, quality=quality(p, none),
        )  # fmt: skip
    allowed = p.allowed()
    order = np.argsort(np.where(rank > 0, rank, np.iinfo(np.int64).max), kind="stable")
    selected = np.zeros(p.n, dtype=bool)
    reasons = np.empty(p.n, dtype=object)
    binding = np.empty(p.n, dtype=object)
    total = 0
    taken = 0
    # overlapping plots (top_score has no distance rule): each site's others, in the order
    # the conflicts list them
    start, others = conflict_lists(p.conflicts, p.n)
    if p.must_include is not None:
        for i in np.flatnonzero(p.must_include & p.eligible):
            selected[i] = True
            total += int(p.capacity[i])
            taken += 1
            reasons[i], binding[i] = Message("siting.decision.chosen_forced"), "selected"
    # one shared message per constant reason (a million excluded plots share one)
    excluded_msg = Message("siting.decision.excluded")
    target_met_msg = Message("siting.decision.target_met")
    for i in order:
        if selected[i]:
            continue
        if not p.eligible[i]:
            reasons[i], binding[i] = excluded_msg, "excluded"
            continue
        manual = p.must_exclude is not None and p.must_exclude[i]
        late = p.available is not None and not p.available[i]
        if manual or late:
            binding[i] = "must_exclude" if manual else "availability"
            reasons[i] = Message(f"siting.decision.{binding[i]}")
            continue
        cap = int(p.capacity[i])
        if total >= p.target:
            reasons[i], binding[i] = target_met_msg, "target_met"
        elif p.max_sites is not None and taken >= p.max_sites:
            reasons[i] = Message("siting.decision.not_chosen_max_sites", {"max_sites": p.max_sites})
            binding[i] = "max_sites"
        elif cap <= 0:
            reasons[i] = Message("siting.decision.not_chosen_capacity")
            binding[i] = "capacity"
        elif selected[mine := others[start[i] : start[i + 1]]].any():
            other = p.ids[mine[np.argmax(selected[mine])]]
            reasons[i] = Message("siting.decision.not_chosen_overlap", {"other": str(other)})
            binding[i] = "overlap"
        else:
            total += cap
            taken += 1
            selected[i] = True
            reasons[i] = Message(
                "siting.decision.chosen_rank",
                {"rank": int(rank[i]), "total": total, "target": p.target},
            )
            binding[i] = "selected"
    met = total >= p.target
    if met and p.irredundant:
        for i in order[::-1]:
            if selected[i] and redundant_sites(p, selected)[i]:
                selected[i] = False
                total -= int(p.capacity[i])
                reasons[i] = Message(
                    "siting.decision.redundant", {"total": total, "target": p.target}
                )
                binding[i] = "redundant"
        # the chosen sites' running totals count the shortlist they are in, without the
        # sites dropped above (as its cumulative column does); the required sites first;
        # every dropped site names what the shortlist holds without it and the others
        for i in np.flatnonzero(binding == "redundant"):
            reasons[i] = Message("siting.decision.redundant", {"total": total, "target": p.target})
        ranked = "siting.decision.chosen_rank"
        forced = [i for i in np.flatnonzero(selected) if reasons[i].code != ranked]
        running = int(p.capacity[forced].sum())
        for i in order:
            if selected[i] and reasons[i].code == ranked:
                running += int(p.capacity[i])
                reasons[i] = Message(
                    "siting.decision.chosen_rank",
                    {"rank": int(rank[i]), "total": running, "target": p.target},
                )
    diagnosis: tuple[Message, ...] = ()
    if not met:
        all_allowed = int(p.capacity[allowed].sum())
        diagnosis = (
            Message(
                "siting.diagnosis.not_met",
                {"target": p.target, "total": total, "shortfall": p.target - total},
            ),
            Message("siting.diagnosis.all_allowed", {"capacity": all_allowed}),
        )
        if p.max_sites is not None and taken >= p.max_sites and all_allowed > total:
            # the rank order stopped at the maximum number of sites, not at the end of
            # the allowed sites: name the rule
            diagnosis += (Message("siting.diagnosis.rank_max_sites", {"max_sites": p.max_sites}),)
    return ShortlistSolution(
        selected, SolveStatus.OPTIMAL if met else SolveStatus.INFEASIBLE,
        float(p.value[selected].sum()), float(p.value[selected].sum()),
        time.perf_counter() - t0, reasons, binding, total,
        float(p.cost[selected].sum()) if p.cost is not None else 0.0,
        met, max(0, p.target - total), diagnosis,
        quality=quality(p, selected), overshoot=max(0, total - p.target) if met else 0,
        overshoot_note=explain_overshoot(p, selected) if met else "",
    )  # fmt: skip


def _forced_clashes(p: ShortlistProblem) -> list[str]:
    """The rule families that the ``must_include`` sites break among themselves."""
    forced = p.forced()
    out = []
    if p.available is not None and (forced & ~p.available).any():
        out.append("availability")
    if p.max_sites is not None and int(forced.sum()) > p.max_sites:
        out.append("max_sites")
    if len(p.conflicts) and (forced[p.conflicts[:, 0]] & forced[p.conflicts[:, 1]]).any():
        out.append("separation")
    return out


def check_shortlist(p: ShortlistProblem, selected: np.ndarray) -> CheckReport:
    """Independently re-verify every rule of a shortlist (no solver).

    The capacity target is checked too: a shortlist that misses it is reported with the
    rule ``target`` (expected when the solution's status is INFEASIBLE; a bug otherwise).
    With ``irredundant`` every selected site that could be dropped is reported
    (``irredundant``), and so is a selected site without capacity (``capacity``).

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
        (``excluded``, ``availability``, ``must_exclude``, ``must_include``, ``capacity``,
        ``target``, ``max_capacity``, ``budget``, ``max_sites``, ``separation``, ``zone``,
        ``irredundant``, ``min_quality``) and the total value of the selected sites as
        ``objective``.
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
    for i in np.flatnonzero(sel & (np.asarray(p.capacity) <= 0) & ~p.forced()):
        bad.append(Violation("capacity", "capacity 0 but selected", str(ids[i])))
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
    if (
        p.budget is not None
        and p.cost is not None
        and int(_cost_int(p)[sel].sum()) > _budget_cents(p)
    ):
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
    pairs = np.asarray(p.conflicts, dtype=np.int64).reshape(-1, 2)
    # every pair is a conflict (the solver keeps them all apart); a distance, when given,
    # only words the message
    dists = conflict_distances(p)
    both = np.flatnonzero(sel[pairs[:, 0]] & sel[pairs[:, 1]])  # (then one by one)
    for (i, j), d in zip(pairs[both].tolist(), dists[both].tolist(), strict=True):
        if np.isnan(d):
            text, value = "conflicting sites, no distance given", None
        else:
            text = f"{d:.0f} m apart, less than {p.min_distance}" if d > 0 else "plots overlap"
            value = float(d)
        bad.append(Violation("separation", text, f"{ids[i]}, {ids[j]}", value, p.min_distance))
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
    if p.irredundant:
        for i in np.flatnonzero(redundant_sites(p, sel)):
            rest = cap - int(p.capacity[i])
            bad.append(
                Violation(
                    "irredundant",
                    f"redundant: the target {p.target} still holds without it ({rest})",
                    str(ids[i]), rest, p.target - 1,
                )
            )  # fmt: skip
    if p.min_quality is not None and p.objective in _USES_PLACES and cap >= p.target:
        q = quality(p, sel)
        if q < p.min_quality - MIN_QUALITY_TOLERANCE:
            bad.append(
                Violation(
                    "min_quality",
                    f"mean score per needed place {q:.3f} below the minimum {p.min_quality}",
                    None, q, p.min_quality,
                )
            )  # fmt: skip
    bad += rule_violations(p.services, sel)
    return CheckReport("shortlist", tuple(bad), objective=float(p.value[sel].sum()))


@dataclass(frozen=True)
class Counterfactual:
    """What changes when one site is forced in (left out) or dropped (chosen).

    ``loss`` is how much worse the objective gets, in its own unit (positive = worse);
    ``quality_change`` the change of the mean score per needed place, ``cost_change`` of
    the total cost. ``leaving`` / ``entering``: the other sites that leave or join.
    When no shortlist keeps every rule, ``feasible`` is False and ``reason`` says why.
    """

    site: str
    action: Literal["force_in", "drop"]
    feasible: bool
    loss: float
    quality_change: float
    cost_change: float
    leaving: tuple[str, ...]
    entering: tuple[str, ...]
    reason: str | Message | tuple[Message, ...]
    """Why (catalogue messages, rendered by the outputs); empty text when nothing to say."""


def optimise_rule(
    *, time_limit: float = 10.0, seed: int = 0, hint: np.ndarray | None = None
) -> Callable[[ShortlistProblem, int | None, int | None], ShortlistSolution]:
    """The CP-SAT rule with one site forced in or out, for :func:`counterfactuals`.

    A site forced in must be needed like any other (irredundancy holds for it too). When no
    shortlist keeps every rule, the diagnosis names the rule whose removal would allow it.
    """

    def rule(p: ShortlistProblem, force_in: int | None, force_out: int | None) -> ShortlistSolution:
        fin = () if force_in is None else (force_in,)
        fout = () if force_out is None else (force_out,)
        raw = solve_raw(p, time_limit=time_limit, seed=seed, hint=hint, force_in=fin,
                        force_out=fout)  # fmt: skip
        empty = np.empty(p.n, dtype=object)
        if raw.selected is not None:
            sel = raw.selected
            cap = int(p.capacity[sel].sum())
            return ShortlistSolution(
                sel, raw.status, primary_value(p, sel), raw.bound, 0.0, empty, empty, cap,
                quality=quality(p, sel),
            )  # fmt: skip
        lines: list[Message] = []
        if force_out is not None:
            cap, _ = _max_capacity(
                replace(p, must_exclude=_with(p.must_exclude, p.n, force_out)),
                frozenset(), time_limit, 1, seed,
            )  # fmt: skip
            if cap < p.target:
                lines.append(
                    Message(
                        "siting.counterfactual.needed",
                        {"capacity": cap, "shortfall": p.target - cap},
                    )
                )
        for fam in [*_active_families(p), "irredundant", "min_quality"]:
            if lines:
                break
            ok = solve_raw(p, time_limit=time_limit, seed=seed, force_in=fin,
                           force_out=fout, drop=frozenset({fam}))  # fmt: skip
            if ok.selected is not None:
                lines.append(Message("siting.counterfactual.forbidden", {"family": _family(fam)}))
        if not lines:
            lines.append(Message("siting.counterfactual.combination"))
        zeros = np.zeros(p.n, dtype=bool)
        return ShortlistSolution(
            zeros, SolveStatus.INFEASIBLE, float("nan"), float("nan"), 0.0, empty, empty,
            target_met=False, diagnosis=tuple(lines),
        )  # fmt: skip

    return rule


def top_score_rule(
    rank: np.ndarray,
) -> Callable[[ShortlistProblem, int | None, int | None], ShortlistSolution]:
    """The rank rule with one site moved to the top (forced in) or left out (dropped)."""

    def rule(p: ShortlistProblem, force_in: int | None, force_out: int | None) -> ShortlistSolution:
        r = np.asarray(rank, dtype=np.int64) * 2
        if force_in is not None:
            r[force_in] = 1
        if force_out is not None:
            p = replace(p, must_exclude=_with(p.must_exclude, p.n, force_out))
        return top_score(p, r)

    return rule


def _with(mask: np.ndarray | None, n: int, i: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool) if mask is None else mask.copy()
    out[i] = True
    return out


def counterfactuals(
    p: ShortlistProblem,
    solution: ShortlistSolution,
    rule: Callable[[ShortlistProblem, int | None, int | None], ShortlistSolution],
) -> list[Counterfactual]:
    """For every allowed site left out: force it in; for every chosen site: drop it.

    ``rule(problem, force_in, force_out)`` re-runs the shortlist rule that chose
    ``solution`` with one site forced in or kept out (:func:`optimise_rule`,
    :func:`top_score_rule`). With an exact optimiser the loss is never negative.

    Examples
    --------
    >>> p = ShortlistProblem(ids=np.array(["a", "b", "c"]), value=np.array([90., 60., 50.]),
    ...     capacity=np.array([10, 10, 10]), target=10, eligible=np.ones(3, bool))
    >>> sol = solve_shortlist(p, explain=False)
    >>> [(c.site, c.action, c.loss, c.leaving) for c in counterfactuals(p, sol, optimise_rule())]
    [('b', 'force_in', 30.0, ('a',)), ('c', 'force_in', 40.0, ('a',)), ('a', 'drop', 30.0, ('a',))]
    """
    base = solution.selected
    if not solution.target_met:
        return []
    sign = -1.0 if p.objective in ("people", "spread", "score", "score_x_capacity") else 1.0
    base_q = quality(p, base)
    base_c = float(p.cost[base].sum()) if p.cost is not None else 0.0
    out = []
    candidates = [(int(i), "force_in") for i in np.flatnonzero(p.allowed() & ~base)]
    candidates += [(int(i), "drop") for i in np.flatnonzero(base & ~p.forced())]
    for i, action in candidates:
        sol = rule(p, i, None) if action == "force_in" else rule(p, None, i)
        if not sol.target_met:
            reason = sol.diagnosis or (Message("siting.counterfactual.no_shortlist"),)
            out.append(Counterfactual(str(p.ids[i]), action, False, float("nan"),  # type: ignore[arg-type]
                                      float("nan"), float("nan"), (), (), reason))  # fmt: skip
            continue
        new = sol.selected
        loss = sign * (primary_value(p, new) - primary_value(p, base))
        new_c = float(p.cost[new].sum()) if p.cost is not None else 0.0
        leaving = tuple(str(s) for s in p.ids[base & ~new])
        entering = tuple(str(s) for s in p.ids[new & ~base] if s != p.ids[i])
        note = "" if action == "drop" or new[i] else Message("siting.counterfactual.not_needed")
        out.append(
            Counterfactual(
                str(p.ids[i]), action, True, float(loss), quality(p, new) - base_q,  # type: ignore[arg-type]
                new_c - base_c, leaving, entering, note,
            )
        )  # fmt: skip
    return out

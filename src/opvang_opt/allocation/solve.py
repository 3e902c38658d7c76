"""Solving the aggregated allocation model: min-cost flow, LP with pricing, then MIP.

Method
------
1. **Network relaxation** (:mod:`~opvang_opt.allocation.network`, OR-Tools
   ``SimpleMinCostFlow``) over each class's 20 cheapest sites (over all arcs if that
   cannot place everyone), without the side constraints. Its arcs, plus each class's
   ``sites_per_household`` cheapest sites, form the first restricted arc set; its type
   arcs, plus the cheapest type arc of every (site, fit class) node, the first
   restricted type-arc set (all type arcs in small models).
2. **LP with pricing** (:mod:`~opvang_opt.allocation.pricing`, HiGHS dual simplex)
   until a lower bound over *all* arcs (Lasdon or Lagrangian) is within a quarter of
   the gap setting. Placement comes first: unplaced households cost more than any
   possible sum of the other costs, so the LP is lexicographic.
3. **Integer solution** (:mod:`~opvang_opt.allocation.dives`). When the LP solution is
   integral it is optimal. Otherwise dives solve small MIPs around the LP solution; if
   none meets the bound within the gap setting, the bound is tightened by pricing to
   convergence, and then a MIP over every column whose reduced cost is at most
   ``incumbent - Lasdon bound`` is solved: its result is proven over all columns.
4. **Infeasible instances.** When not every household can be placed, a first MIP
   maximises the number placed; the second stage minimises the objective with that
   many placed.

**Time limit.** Every LP and MIP runs in a child process that is killed when the
deadline (plus :data:`~opvang_opt.allocation.deadline.GRACE_S`) has passed, so a
solver that ignores its own limit cannot hold the run. On a timeout the best
allocation found so far is returned with its proven gap; when none was found, the
output says so (``no_solution``) and nobody is placed.

HiGHS is called through :mod:`scipy.optimize` (``linprog`` / ``milp``), which takes the
sparse matrices built here directly; it runs single-threaded and deterministically.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from opvang_opt.allocation.columns import ColumnModel, MixRow, mix_rows
from opvang_opt.allocation.deadline import call_with_deadline
from opvang_opt.allocation.dives import Incumbent, run_dives, solve_mip
from opvang_opt.allocation.model import Instance, Structure
from opvang_opt.allocation.network import arc_rank, initial_type_arcs, network_relaxation
from opvang_opt.allocation.pricing import Priced, price

__all__ = ["MixRow", "SolveOutput", "mix_rows", "network_relaxation", "solve_model"]

ALL_TYPE_ARCS_UP_TO = 20_000
"""Models with at most this many type arcs keep all of them in the LP (small LPs are
cheap, and the fuller LP is more often integral); larger ones price them."""

EXACT_MIP_MAX_COLUMNS = 150_000
"""Above this many columns the exact MIP is not tried; the incumbent keeps its gap."""


@dataclass
class SolveOutput:
    """Raw solution of the aggregated model (counts per arc) and solver facts."""

    x: np.ndarray  # per class->site arc (Structure.arc_*)
    stay: np.ndarray  # per stay column (Structure.stay_*)
    y: np.ndarray  # per type arc (Structure.type_arc_*)
    z: np.ndarray  # per shared unit column (Structure.shared_*)
    unplaced: np.ndarray  # per household class
    school_flow: np.ndarray  # (J, S, 2)
    objective: float
    bound: float
    proven: bool
    time_limit_hit: bool
    lp_bound: float
    stats: dict[str, float | int | str]
    no_solution: bool = False
    """The time limit passed before any allocation was found (nobody is placed)."""


@dataclass
class _Stage:
    """The objective's stage: the cost of leaving a household unplaced, and (second
    stage of an infeasible instance) how many may be left unplaced."""

    unplaced_cost: float
    max_unplaced: float | None
    from_bound: bool = False
    """``max_unplaced`` is the LP's lower bound, not yet shown reachable: when no integer
    allocation leaves so few unplaced, phase 1 runs after all."""
    count_proven: bool = True
    """Whether ``max_unplaced`` is proven the fewest possible. When phase 1 stopped at
    its time limit with an allocation it is not: the cost's bound then says nothing,
    and the gap is unknown."""


class _TimeUp(Exception):
    """The deadline passed before any allocation was found."""


def solve_model(
    inst: Instance, st: Structure, time_limit: float, *, _phase1: bool = False
) -> SolveOutput:
    """Solve the aggregated model; see the module docstring for the method."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit
    model = ColumnModel(inst, st)
    stats = _size_stats(inst, st)
    try:
        priced, stage = _first_lp(model, deadline, stats, _phase1)
        stats["lp_seconds"] = round(time.perf_counter() - t0, 3)
        search = _Search(model, priced, stage, deadline, stats)
        best = search.run()
    except _TimeUp:
        return _nothing_placed(model, stats)
    if best is None:
        if search.time_hit:
            return _nothing_placed(model, stats)
        if (stage.max_unplaced == 0.0 or stage.from_bound) and not _phase1:
            # the LP places everyone (or leaves a whole number unplaced), but no integer
            # solution does: find the fewest unplaced first (phase 1)
            return solve_model(inst, st, max(deadline - time.perf_counter(), 0.5), _phase1=True)
        raise RuntimeError("the allocation model has no integer solution")
    for key, secs in model.timers.items():
        stats[f"{key}_solve_seconds"] = round(secs, 3)
    stats["mip_seconds"] = round(time.perf_counter() - t0 - float(stats["lp_seconds"]), 3)
    stats["pricing_trace"] = str(model.trace)
    return _unpack(model, best, search, stage)


def _size_stats(inst: Instance, st: Structure) -> dict[str, float | int | str]:
    return {
        "households": inst.n_households,
        "household_classes": len(st.class_count),
        "unit_types": len(st.type_count),
        "fit_classes": len(st.fit_persons),
        "arcs_all": len(st.arc_class),
        "type_arcs": len(st.type_arc_node),
    }


def _unplaced_cost(st: Structure) -> float:
    """Big-M for the lexicographic LP: more than any total of the other costs."""
    nc = len(st.class_count)
    worst_per_household = (
        np.bincount(st.arc_class, weights=st.arc_cost, minlength=nc).clip(0)
        + (st.type_arc_cost.clip(0).max() if len(st.type_arc_cost) else 0.0)
        + (st.shared_cost.max() if len(st.shared_cost) else 0.0)
    )
    return float(max(1.0, float(st.class_count @ worst_per_household)) + 1.0)


def _first_lp(
    model: ColumnModel, deadline: float, stats: dict, phase1: bool
) -> tuple[Priced, _Stage]:
    """Seed arcs from the network relaxation, then the priced LP; when the LP cannot
    place everyone (or ``phase1``), first the fewest unplaced by a MIP."""
    st = model.st
    t_flow = time.perf_counter()
    # the seed (a sort of every arc and a min-cost flow: seconds on millions of arcs) runs
    # under the hard deadline like every solver call, so the time limit holds here too
    seed = call_with_deadline(lambda: _seed(model), deadline)
    if seed is None:
        raise _TimeUp
    arcs_in, net_type_arcs, net_unplaced = seed
    # type arcs are priced only in large models, where they dominate the LP's size
    n_type_arcs = len(st.type_arc_node)
    per_node = 1 if n_type_arcs > ALL_TYPE_ARCS_UP_TO else n_type_arcs
    type_arcs_in = initial_type_arcs(st, model.type_arc_special, net_type_arcs, per_node)
    stats["network_seconds"] = round(time.perf_counter() - t_flow, 3)
    stats["network_unplaced"] = net_unplaced
    stage = _Stage(_unplaced_cost(st), 0.0)
    priced = _checked(price(model, arcs_in, type_arcs_in, stage.unplaced_cost, None, deadline))
    stats["lp_rounds"] = priced.rounds
    assert priced.matrix is not None and priced.lp.x is not None  # status 0: solved
    lp_unplaced = float(priced.matrix.part(priced.lp.x, "unplaced").sum())
    if lp_unplaced > 0.5 or phase1:
        least = None if phase1 else _least_unplaced(model, stage.unplaced_cost, lp_unplaced)
        if least is not None:
            # the LP over every arc leaves no fewer unplaced than this: an allocation that
            # leaves this many proves the count without phase 1's MIP over every arc
            stats["least_unplaced_lp"] = least
            stage = _Stage(0.0, float(least), from_bound=True)
        else:
            stage = _fewest_unplaced(model, deadline, stats)
        again = price(model, priced.arcs_in, priced.type_arcs_in, 0.0, stage.max_unplaced, deadline)
        priced = _checked(again)
        stats["lp_rounds"] = int(stats["lp_rounds"]) + priced.rounds
    stats["lp_bound_proven"] = str(model.priced)
    return priced, stage


def _least_unplaced(model: ColumnModel, unplaced_cost: float, lp_unplaced: float) -> int | None:
    """The fewest households any allocation leaves unplaced, from the lexicographic LP,
    when that LP is whole there and priced over every arc; else ``None``.

    Every allocation costs ``M * U + C`` with ``C`` less than ``M`` (``unplaced_cost``)
    and at least the LP's proven bound ``B`` over every arc, so ``U > B / M - 1`` and
    ``U >= floor(B / M)``; the LP's own ``U`` shows that this many is the least only
    when the two agree.
    """
    k = round(lp_unplaced)
    if not model.priced or abs(lp_unplaced - k) > 1e-6:
        return None
    bound = max(model.bound, model.lasdon)
    if not np.isfinite(bound) or int(np.floor(bound / unplaced_cost + 1e-9)) < k:
        return None
    return int(k)


def _seed(model: ColumnModel) -> tuple[np.ndarray, np.ndarray, int]:
    """The first restricted arc set (each class's cheapest sites and the arcs of the
    network relaxation), the relaxation's type-arc flow and how many it leaves unplaced."""
    inst, st = model.inst, model.st
    rank = arc_rank(st, inst)
    arcs_in = rank < inst.config.solver.sites_per_household
    # the seed flow over each class's cheapest sites is enough unless it cannot place all
    net_arcs, net_type_arcs, net_unplaced = network_relaxation(st, rank < 20)
    if net_unplaced > 0:
        net_arcs, net_type_arcs, net_unplaced = network_relaxation(st)
    return arcs_in | (net_arcs > 0), net_type_arcs, net_unplaced


def _checked(priced: Priced) -> Priced:
    """The priced LP, or :class:`_TimeUp` when it timed out; other failures are bugs."""
    if priced.lp.status == 1:
        raise _TimeUp
    if priced.lp.status != 0:
        raise RuntimeError(f"the allocation LP failed: {priced.lp.message}")
    return priced


def _fewest_unplaced(model: ColumnModel, deadline: float, stats: dict) -> _Stage:
    """Phase 1: a MIP over all arcs that minimises the number of households unplaced."""
    st = model.st
    m = model.build(np.arange(len(st.arc_class)), np.arange(len(st.type_arc_node)), 1.0, None)
    m.cost[: m.offsets["unplaced"]] = 0.0
    r = solve_mip(model, m, deadline, 0.0)
    if r.x is None:
        if r.status == 1:
            raise _TimeUp
        raise RuntimeError("phase 1 of the allocation found no solution")
    stats["phase1_unplaced"] = float(round(r.fun))
    stats["phase1_proven"] = str(r.status == 0)
    return _Stage(0.0, float(round(r.fun)), count_proven=r.status == 0)


class _Search:
    """The integer search after the LP: dives, a tighter bound, the exact MIP."""

    def __init__(
        self, model: ColumnModel, priced: Priced, stage: _Stage, deadline: float, stats: dict
    ) -> None:
        self.model, self.priced, self.stage = model, priced, stage
        self.deadline, self.stats = deadline, stats
        self.gap = model.inst.config.solver.relative_gap
        # lp_bound: the best proven bound over all arcs (Lasdon or Lagrangian); lasdon:
        # the bound that pairs with the reduced costs of ``priced`` (reduced-cost sets)
        self.lp_bound = max(model.bound, model.lasdon)
        self.lasdon = model.lasdon
        self.mip_bound = self.lp_bound
        self.best: Incumbent | None = None
        self.proven = False
        self.time_hit = False
        self.integral = False
        self.mip_rounds = 0

    def within_gap(self, objective: float) -> bool:
        return objective - self.lp_bound <= self.gap * max(abs(objective), 1.0)

    def run(self) -> Incumbent | None:
        """The best allocation found; ``proven``, ``time_hit`` and bounds are set."""
        p = self.priced
        m, lp_x = p.matrix, p.lp.x
        assert m is not None and lp_x is not None  # the LP was solved (_checked)
        self.integral = bool(np.all(np.abs(lp_x - np.round(lp_x))[_integer_columns(m)] < 1e-6))
        self.stats["integral_lp"] = str(self.integral)
        if self.integral and self.within_gap(p.lp.fun):
            self.best = Incumbent(lp_x, m, p.lp.fun, "lp")
            self.proven = True
            return self.best
        upper = m.upper.copy()
        if self.stage.max_unplaced == 0.0:
            upper[m.offsets["unplaced"] :] = 0.0
        self.best = run_dives(
            self.model, m, lp_x, upper, self.deadline, self.within_gap, self.stats
        )
        if time.perf_counter() >= self.deadline:
            self.time_hit = True
        threshold = self._tighten_bound()
        self._exact(threshold)
        self.stats["mip_rounds"] = self.mip_rounds
        return self.best

    def _tighten_bound(self) -> float:
        """Price to convergence (cheaper than branching) when the dives miss the gap;
        return the first reduced-cost threshold of the exact MIP."""
        if self.best is None:
            return max(1e-3 * max(abs(self.priced.lp.fun), 1.0), 1e-6)
        if not self.within_gap(self.best.objective) and not self.time_hit:
            p = self.priced
            stage = self.stage
            again = price(
                self.model,
                p.arcs_in,
                p.type_arcs_in,
                stage.unplaced_cost,
                stage.max_unplaced,
                self.deadline,
                tol_factor=0.0,
                lasdon_only=True,
            )
            if again.lp.status == 0:
                self.priced = again
                self.lasdon = self.model.lasdon
                self.lp_bound = max(self.lp_bound, self.model.bound, self.lasdon)
                self.stats["lp_rounds"] = int(self.stats["lp_rounds"]) + again.rounds
        return max(self.best.objective - self.lasdon, 1e-6)

    def _exact(self, threshold: float) -> None:
        """MIPs over every column whose reduced cost is at most ``threshold``, widened
        until no column outside could be in a better solution."""
        scale = max(abs(float(self.priced.lp.fun)), 1.0)
        while True:
            if self.best is not None and self.within_gap(self.best.objective):
                self.proven = True  # the incumbent meets the LP bound (within the gap)
                self.mip_bound = self.lp_bound
                return
            if self.time_hit or time.perf_counter() > self.deadline:
                self.time_hit = True
                return
            m, upper = self._exact_model(threshold)
            if self.best is not None and len(m.cost) > EXACT_MIP_MAX_COLUMNS:
                self.stats["mip_skipped"] = "column set too large"
                return
            self.mip_rounds += 1
            r = solve_mip(self.model, m, self.deadline, self.gap, upper=upper)
            if r.x is not None and (self.best is None or r.fun < self.best.objective - 1e-9):
                self.best = Incumbent(r.x, m, r.fun, "exact")
            if r.x is None and r.status == 1:
                self.time_hit = True
                return
            if self.best is None:
                if (
                    r.status == 2
                    and threshold >= np.inf
                    and (self.stage.max_unplaced == 0.0 or self.stage.from_bound)
                ):
                    # no integer allocation leaves so few unplaced: phase 1 follows
                    return
                # the reduced set has no integer solution: widen it, at last to every column
                threshold = threshold * 10.0 if threshold < 1e3 * scale else np.inf
                continue
            needed = self.best.objective - self.lasdon
            if needed <= threshold + 1e-9:
                # every column that could be in a better solution was in this MIP
                bound = r.dual_bound if np.isfinite(r.dual_bound) else self.lp_bound
                self.mip_bound = min(max(bound, self.lp_bound), self.best.objective)
                self.proven = r.status == 0
                self.time_hit = r.status == 1
                return
            threshold = needed

    def _exact_model(self, threshold: float):
        """The model over the columns with reduced cost at most ``threshold`` (school and
        unplaced columns always stay) and its column upper bounds."""
        p, model = self.priced, self.model
        arcs = np.flatnonzero(p.rc_arc <= threshold + 1e-9)
        type_arcs = np.flatnonzero((p.rc_type_arc <= threshold + 1e-9) | model.type_arc_special)
        m = model.build(arcs, type_arcs, self.stage.unplaced_cost, self.stage.max_unplaced)
        upper = m.upper.copy()
        off = m.offsets
        upper[off["stay"] : off["type_arc"]][p.rc_stay > threshold + 1e-9] = 0.0
        upper[off["type_arc"] : off["shared"]][p.rc_type_arc[type_arcs] > threshold + 1e-9] = 0.0
        upper[off["shared"] : off["school"]][p.rc_shared > threshold + 1e-9] = 0.0
        if self.stage.max_unplaced == 0.0:
            upper[off["unplaced"] :] = 0.0
        return m, upper


def _integer_columns(m) -> np.ndarray:
    """Mask of the integer columns (every column but the school columns)."""
    mask = np.ones(len(m.cost), bool)
    mask[m.offsets["school"] : m.offsets["unplaced"]] = False
    return mask


def _unpack(model: ColumnModel, best: Incumbent, search: _Search, stage: _Stage) -> SolveOutput:
    """Counts per arc of the full structure from the incumbent's restricted model."""
    st, inst, m, values = model.st, model.inst, best.matrix, best.x
    x = np.zeros(len(st.arc_class), np.int64)
    x[m.arcs] = np.round(m.part(values, "arc")).astype(np.int64)
    y = np.zeros(len(st.type_arc_node), np.int64)
    y[m.type_arcs] = np.round(m.part(values, "type_arc")).astype(np.int64)
    unplaced = np.round(m.part(values, "unplaced")).astype(np.int64)
    flow = np.zeros((inst.n_sites, len(inst.school_ids), 2))
    school = m.part(values, "school")
    np.add.at(flow, (model.school_site, model.school_school, model.school_band), school)
    objective = best.objective - stage.unplaced_cost * float(unplaced.sum())
    if search.proven and not search.integral:
        bound = max(search.mip_bound, search.lp_bound)
    else:
        bound = search.lp_bound
    if not stage.count_proven:
        # phase 1 stopped at the time limit: more households might be placed, so the
        # cost's bound for this many placed proves nothing
        bound = -np.inf
    stats = search.stats
    stats["arcs_used"] = len(m.arcs)
    stats["type_arcs_used"] = len(m.type_arcs)
    return SolveOutput(
        x=x,
        stay=np.round(m.part(values, "stay")).astype(np.int64),
        y=y,
        z=np.round(m.part(values, "shared")).astype(np.int64),
        unplaced=unplaced,
        school_flow=flow,
        objective=objective,
        bound=float(min(bound, objective)),
        proven=bool(search.proven),
        time_limit_hit=bool(search.time_hit) or not stage.count_proven,
        lp_bound=search.lp_bound,
        stats=stats,
    )


def _nothing_placed(model: ColumnModel, stats: dict) -> SolveOutput:
    """The output when the time limit passed before any allocation was found."""
    st, inst = model.st, model.inst
    stats["time_limit_no_solution"] = "True"
    return SolveOutput(
        x=np.zeros(len(st.arc_class), np.int64),
        stay=np.zeros(len(st.stay_class), np.int64),
        y=np.zeros(len(st.type_arc_node), np.int64),
        z=np.zeros(len(st.shared_type), np.int64),
        unplaced=st.class_count.copy(),
        school_flow=np.zeros((inst.n_sites, len(inst.school_ids), 2)),
        objective=0.0,
        bound=-np.inf,
        proven=False,
        time_limit_hit=True,
        lp_bound=-np.inf,
        stats=stats,
        no_solution=True,
    )

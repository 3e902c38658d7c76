"""The aggregated allocation model as a sparse matrix, for a restricted set of arcs.

Columns, in this order (their first index is in the ``offsets`` dict):

* ``arc``: household class -> site arcs (``Structure.arc_*``) in the restricted set;
* ``stay``: a resident household class keeps its current unit;
* ``type_arc``: (site, fit class) node -> unit type arcs in the restricted set;
* ``shared``: units of a type shared by single adults of one group;
* ``school``: children of a site using a school's places, per band (continuous);
* ``unplaced``: households of a class left unplaced.

Rows: class supply, node balance, unit-type capacity, shared-unit links, mix rules
(exact integers, :mod:`~opvang_opt.allocation.rules`), school demand and places, and
in the second stage of an infeasible instance the number left unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from opvang_opt.allocation.deadline import call_with_deadline
from opvang_opt.allocation.model import Instance, Structure
from opvang_opt.allocation.rules import mix_coefficients, mix_excess, share_fraction

COLUMN_GROUPS = ("arc", "stay", "type_arc", "shared", "school", "unplaced")
"""The column groups of the matrix, in order."""


@dataclass
class RowBuilder:
    """A growing list of sparse rows with bounds."""

    r: list[np.ndarray] = field(default_factory=list)
    c: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)
    lo: list[np.ndarray] = field(default_factory=list)
    hi: list[np.ndarray] = field(default_factory=list)
    n: int = 0

    def block(self, n_rows: int, lo: np.ndarray | float, hi: np.ndarray | float) -> int:
        """Add ``n_rows`` rows with bounds ``lo``/``hi``; return the first row's index."""
        start = self.n
        self.lo.append(np.broadcast_to(np.asarray(lo, float), (n_rows,)).copy())
        self.hi.append(np.broadcast_to(np.asarray(hi, float), (n_rows,)).copy())
        self.n += n_rows
        return start

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        """Add coefficients ``vals`` at ``(rows, cols)`` (duplicates are summed)."""
        rows = np.asarray(rows, np.int64)
        self.r.append(rows)
        self.c.append(np.asarray(cols, np.int64))
        self.v.append(np.broadcast_to(np.asarray(vals, float), rows.shape).copy())

    def matrix(self, n_cols: int) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        """The matrix and its row bounds."""
        r = np.concatenate(self.r) if self.r else np.zeros(0, np.int64)
        c = np.concatenate(self.c) if self.c else np.zeros(0, np.int64)
        v = np.concatenate(self.v) if self.v else np.zeros(0)
        a = sp.csr_array((v, (r, c)), shape=(self.n, n_cols))
        a.sum_duplicates()
        lo = np.concatenate(self.lo) if self.lo else np.zeros(0)
        hi = np.concatenate(self.hi) if self.hi else np.zeros(0)
        return a, lo, hi


@dataclass(frozen=True)
class MixRow:
    """One mix-rule row ``sum(coefficient * new occupied unit) <= rhs`` on a site.

    ``sense`` is +1 for a maximum share, -1 for a minimum share; the share is the exact
    fraction ``p/q`` (:func:`~opvang_opt.allocation.rules.share_fraction`) and the
    coefficients of a unit of the rule's groups and of another group are those of
    :func:`~opvang_opt.allocation.rules.mix_coefficients` (counted over the occupied
    units, or over all the site's units with ``basis: units``), so every coefficient
    and the right-hand side are integers.
    """

    rule: int
    site: int
    sense: int
    share: Fraction
    in_group: np.ndarray  # (G,) bool
    rhs: float
    coef_in: int = 0
    coef_out: int = 0

    def coefficients(self, groups: np.ndarray) -> np.ndarray:
        """Row coefficient of one occupied unit per group index in ``groups``."""
        return np.where(self.in_group[groups], float(self.coef_in), float(self.coef_out))


def school_columns(inst: Instance, st: Structure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The school-use columns: (site, school, band) for every school in reach of a site
    with places in that band (band 0 taalklas, 1 ISK); empty without school capacity or
    children needing a place."""
    if not (inst.config.school_capacity and st.class_need.any()):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    jj, ss = np.nonzero(inst.reach)
    fj, fs, fb = [], [], []
    for b in range(2):
        keep = inst.school_places[ss, b] > 0
        fj.append(jj[keep])
        fs.append(ss[keep])
        fb.append(np.full(int(keep.sum()), b))
    return np.concatenate(fj), np.concatenate(fs), np.concatenate(fb)


def mix_rows(inst: Instance) -> list[MixRow]:
    """The mix-rule rows of an instance, with their right-hand sides.

    For a max-share rule the final excess ``q*G - p*T`` (``q*G - p*U`` on the site's
    units) must be at most 0, or, when units already occupied exceed the share, no
    larger than it was (integers throughout; :func:`~opvang_opt.allocation.rules.mix_excess`).
    """
    out = []
    site_index = {s: i for i, s in enumerate(inst.site_ids)}
    n_g = len(inst.group_names)
    units_of = np.bincount(inst.u_site, minlength=inst.n_sites)
    for r, rule in enumerate(inst.config.mix_rules):
        by_units = rule.basis == "units"
        in_group = np.isin(np.arange(n_g), [inst.group_names.index(g) for g in rule.groups])
        sites = range(inst.n_sites) if rule.sites is None else [site_index[s] for s in rule.sites]
        for j in sites:
            g0 = int(inst.existing_units[j, in_group].sum())
            t0 = int(inst.existing_units[j].sum())
            for sense, share in ((1, rule.max_share), (-1, rule.min_share)):
                if share is None:
                    continue
                frac = share_fraction(share)
                units = int(units_of[j]) if by_units else None
                excess0 = mix_excess(sense, frac, g0, t0, units)
                c_in, c_out = mix_coefficients(sense, frac, by_units)
                out.append(
                    MixRow(r, j, sense, frac, in_group, float(max(-excess0, 0)), c_in, c_out)
                )
    return out


@dataclass
class Matrix:
    """One built model: costs, constraint matrix, row and column bounds, offsets."""

    cost: np.ndarray
    a: sp.csr_array
    lo: np.ndarray
    hi: np.ndarray
    upper: np.ndarray
    offsets: dict[str, int]
    arcs: np.ndarray  # the class->site arcs in the model (indices into Structure.arc_*)
    type_arcs: np.ndarray  # the type arcs in the model

    def part(self, values: np.ndarray, group: str) -> np.ndarray:
        """The slice of a column vector that belongs to one column group."""
        i = COLUMN_GROUPS.index(group)
        end = self.offsets[COLUMN_GROUPS[i + 1]] if i + 1 < len(COLUMN_GROUPS) else len(values)
        return values[self.offsets[group] : end]


class ColumnModel:
    """Column layout and matrix of the aggregated model for any restricted arc set.

    Also keeps what the pricing loop learns across rounds: the best bounds, the
    pricing trace and the time spent per solver.
    """

    def __init__(self, inst: Instance, st: Structure) -> None:
        self.inst, self.st, self.mix = inst, st, mix_rows(inst)
        self.trace: list[tuple[float, ...]] = []
        self.lasdon = -np.inf
        self.bound = -np.inf
        self.timers: dict[str, float] = {"lp": 0.0, "lagrangian": 0.0, "mip": 0.0}
        self.priced = False
        self.row_start: dict[str, int] = {}
        self._school_columns()
        # type arcs of shared fit classes and those into unit types with shared units
        # touch side rows (capacity of such a type, shared-unit links) and are always in
        # the model; the other ("plain") type arcs are priced like the class->site arcs
        arc_fit = st.node_fit[st.type_arc_node]
        self.type_arc_shared = st.fit_shared_group[arc_fit] >= 0
        self.type_has_shared = np.zeros(len(st.type_count), bool)
        self.type_has_shared[st.shared_type] = True
        self.type_arc_special = self.type_arc_shared | self.type_has_shared[st.type_arc_type]
        sharers = np.where(self.type_arc_shared, st.type_sharers[st.type_arc_type], 1)
        self.type_arc_upper = (st.type_count[st.type_arc_type] * sharers).astype(float)
        self.class_not_shared = st.fit_shared_group[st.class_fit] < 0
        # classes whose class->site arcs count in the mix rows (shared ones count on
        # their shared-unit columns; expected households may not count, model.IN_MIX)
        self.class_in_mix = self.class_not_shared & st.class_in_mix

    def _school_columns(self) -> None:
        """School-use columns (site, school, band) for schools in reach with places."""
        inst = self.inst
        self.school_site, self.school_school, self.school_band = school_columns(inst, self.st)
        # demand rows exist for (site, band) with any school column
        self.demand_row = np.full((inst.n_sites, 2), -1, np.int64)

    def offsets(self, n_arcs: int, n_type_arcs: int) -> dict[str, int]:
        """First column of each group for a model with these many arcs and type arcs."""
        st = self.st
        sizes = (
            n_arcs,
            len(st.stay_class),
            n_type_arcs,
            len(st.shared_type),
            len(self.school_site),
            len(st.class_count),
        )
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        return dict(zip((*COLUMN_GROUPS, "end"), starts.tolist(), strict=True))

    def build(
        self,
        arcs: np.ndarray,
        type_arcs: np.ndarray,
        unplaced_cost: float,
        max_unplaced: float | None,
    ) -> Matrix:
        """The model over class->site arcs ``arcs`` and type arcs ``type_arcs`` (which must
        hold every special type arc)."""
        off = self.offsets(len(arcs), len(type_arcs))
        rows = RowBuilder()
        self.row_start = {}
        self._rows_supply(rows, off, arcs)
        self._rows_nodes(rows, off, arcs, type_arcs)
        self._rows_capacity(rows, off, type_arcs)
        self._rows_shared(rows, off, type_arcs)
        self._rows_mix(rows, off, arcs)
        self._rows_school(rows, off, arcs)
        if max_unplaced is not None:  # second stage: no more unplaced than the first found
            r = rows.block(1, -np.inf, max_unplaced)
            nc = len(self.st.class_count)
            rows.add(np.full(nc, r), off["unplaced"] + np.arange(nc), 1.0)
        a, lo, hi = rows.matrix(off["end"])
        st = self.st
        cost = np.concatenate(
            [
                st.arc_cost[arcs],
                st.stay_cost,
                st.type_arc_cost[type_arcs],
                st.shared_cost,
                np.zeros(len(self.school_site)),
                np.full(len(st.class_count), unplaced_cost),
            ]
        )
        upper = self.column_upper(arcs, type_arcs)
        return Matrix(cost, a, lo, hi, upper, off, arcs, type_arcs)

    def column_upper(self, arcs: np.ndarray, type_arcs: np.ndarray) -> np.ndarray:
        """Upper bound of every column (school columns are bounded by their rows)."""
        st = self.st
        stay_upper = np.where(
            st.stay_shared,
            np.minimum(st.class_count[st.stay_class], st.type_sharers[st.stay_type]),
            1,
        )
        return np.concatenate(
            [
                st.class_count[st.arc_class[arcs]].astype(float),
                stay_upper.astype(float),
                self.type_arc_upper[type_arcs],
                st.type_count[st.shared_type].astype(float),
                np.full(len(self.school_site), np.inf),
                st.class_count.astype(float),
            ]
        )

    def _rows_supply(self, rows: RowBuilder, off: dict[str, int], arcs: np.ndarray) -> None:
        """Each class's households are placed through an arc, stay, or are unplaced."""
        st = self.st
        nc, ns = len(st.class_count), len(st.stay_class)
        r = self.row_start["supply"] = rows.block(nc, st.class_count, st.class_count)
        rows.add(r + st.arc_class[arcs], off["arc"] + np.arange(len(arcs)), 1.0)
        rows.add(r + np.arange(nc), off["unplaced"] + np.arange(nc), 1.0)
        rows.add(r + st.stay_class, off["stay"] + np.arange(ns), 1.0)

    def _rows_nodes(
        self, rows: RowBuilder, off: dict[str, int], arcs: np.ndarray, type_arcs: np.ndarray
    ) -> None:
        """What enters a (site, fit class) node leaves it through its type arcs."""
        st = self.st
        r = self.row_start["node"] = rows.block(len(st.node_site), 0.0, 0.0)
        nodes = st.node_of[st.arc_site[arcs], st.class_fit[st.arc_class[arcs]]]
        rows.add(r + nodes, off["arc"] + np.arange(len(arcs)), 1.0)
        rows.add(r + st.type_arc_node[type_arcs], off["type_arc"] + np.arange(len(type_arcs)), -1.0)

    def _rows_capacity(self, rows: RowBuilder, off: dict[str, int], type_arcs: np.ndarray) -> None:
        """A unit type's units: one each per household placed alone, per shared unit and
        per resident staying alone."""
        st = self.st
        r = self.row_start["capacity"] = rows.block(len(st.type_count), -np.inf, st.type_count)
        alone = np.flatnonzero(~self.type_arc_shared[type_arcs])
        rows.add(r + st.type_arc_type[type_arcs[alone]], off["type_arc"] + alone, 1.0)
        nz = len(st.shared_type)
        rows.add(r + st.shared_type, off["shared"] + np.arange(nz), 1.0)
        staying = np.flatnonzero(~st.stay_shared)
        rows.add(r + st.stay_type[staying], off["stay"] + staying, 1.0)

    def _rows_shared(self, rows: RowBuilder, off: dict[str, int], type_arcs: np.ndarray) -> None:
        """Shared units of (type, group): sharers <= max sharers * units, units <= sharers."""
        st, n_g = self.st, len(self.inst.group_names)
        nz = len(st.shared_type)
        if not nz:
            return
        key = st.shared_type * n_g + st.shared_group
        order = np.argsort(key)
        on_arc = np.flatnonzero(self.type_arc_shared[type_arcs])
        arc_key = (
            st.type_arc_type[type_arcs[on_arc]] * n_g
            + st.fit_shared_group[st.node_fit[st.type_arc_node[type_arcs[on_arc]]]]
        )
        arc_unit = order[np.searchsorted(key[order], arc_key)]
        stays = np.flatnonzero(st.stay_shared)
        stay_key = st.stay_type[stays] * n_g + st.class_group[st.stay_class[stays]]
        stay_unit = order[np.searchsorted(key[order], stay_key)]
        units = off["shared"] + np.arange(nz)
        r = self.row_start["sharers"] = rows.block(nz, -np.inf, 0.0)
        rows.add(r + arc_unit, off["type_arc"] + on_arc, 1.0)
        rows.add(r + stay_unit, off["stay"] + stays, 1.0)
        rows.add(r + np.arange(nz), units, -st.type_sharers[st.shared_type])
        r = self.row_start["shared_used"] = rows.block(nz, -np.inf, 0.0)
        rows.add(r + arc_unit, off["type_arc"] + on_arc, -1.0)
        rows.add(r + stay_unit, off["stay"] + stays, -1.0)
        rows.add(r + np.arange(nz), units, 1.0)

    def _rows_mix(self, rows: RowBuilder, off: dict[str, int], arcs: np.ndarray) -> None:
        """One integer row per mix rule and site, over the site's newly occupied units."""
        st = self.st
        self.row_start["mix"] = rows.n
        arc_class, arc_site = st.arc_class[arcs], st.arc_site[arcs]
        for m in self.mix:
            r = rows.block(1, -np.inf, m.rhs)
            on = np.flatnonzero((arc_site == m.site) & self.class_in_mix[arc_class])
            rows.add(
                np.full(len(on), r), off["arc"] + on, m.coefficients(st.class_group[arc_class[on]])
            )
            on = np.flatnonzero((st.stay_site == m.site) & ~st.stay_shared)
            coef = m.coefficients(st.class_group[st.stay_class[on]])
            rows.add(np.full(len(on), r), off["stay"] + on, coef)
            on = np.flatnonzero(st.type_site[st.shared_type] == m.site)
            rows.add(np.full(len(on), r), off["shared"] + on, m.coefficients(st.shared_group[on]))

    def _rows_school(self, rows: RowBuilder, off: dict[str, int], arcs: np.ndarray) -> None:
        """Children needing places per (site, band) use places of schools in reach."""
        if not len(self.school_site):
            return
        st, inst = self.st, self.inst
        nf = len(self.school_site)
        keys = np.unique(self.school_site * 2 + self.school_band)
        r = self.row_start["school_demand"] = rows.block(len(keys), 0.0, 0.0)
        self.demand_row[:] = -1
        self.demand_row[keys // 2, keys % 2] = r + np.arange(len(keys))
        columns = off["school"] + np.arange(nf)
        rows.add(self.demand_row[self.school_site, self.school_band], columns, -1.0)
        arc_class, arc_site = st.arc_class[arcs], st.arc_site[arcs]
        for b in range(2):
            need = st.class_need[arc_class, b]
            on = np.flatnonzero(need > 0)
            rows.add(self.demand_row[arc_site[on], b], off["arc"] + on, need[on])
            need = st.class_need[st.stay_class, b]
            on = np.flatnonzero(need > 0)
            rows.add(self.demand_row[st.stay_site[on], b], off["stay"] + on, need[on])
        n_s = len(inst.school_ids)
        r = self.row_start["school_places"] = rows.block(
            2 * n_s, -np.inf, inst.school_places.T.reshape(-1)
        )
        rows.add(r + self.school_band * n_s + self.school_school, columns, 1.0)


def _linprog(cost, a_ub, b_ub, a_eq, b_eq, upper, time_limit):
    return linprog(
        cost,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a_eq if a_eq.shape[0] else None,
        b_eq=b_eq if a_eq.shape[0] else None,
        bounds=np.stack([np.zeros(len(cost)), upper], axis=1),
        method="highs-ds",
        options={"time_limit": max(time_limit, 0.1), "presolve": True},
    )


@dataclass
class LPResult:
    """The LP's status (0 optimal, 1 time limit, other: failed), values and row duals."""

    status: int
    x: np.ndarray | None
    fun: float
    duals: np.ndarray
    message: str = ""


def solve_lp(m: Matrix, deadline: float) -> LPResult:
    """Solve the LP relaxation of ``m`` (HiGHS dual simplex) under a hard deadline."""
    import time

    eq = m.lo == m.hi
    ub_rows = ~eq
    a_eq, b_eq = m.a[eq], m.lo[eq]
    a_ub, b_ub = m.a[ub_rows], m.hi[ub_rows]
    limit = deadline - time.perf_counter()
    res = call_with_deadline(
        lambda: _linprog(m.cost, a_ub, b_ub, a_eq, b_eq, m.upper, limit), deadline
    )
    duals = np.zeros(m.a.shape[0])
    if res is None:
        return LPResult(1, None, np.inf, duals, "killed at the hard deadline")
    if res.status == 0:
        if a_eq.shape[0]:
            duals[eq] = res.eqlin.marginals
        if a_ub.shape[0]:
            duals[ub_rows] = res.ineqlin.marginals
    return LPResult(int(res.status), res.x, float(res.fun or 0.0), duals, str(res.message))

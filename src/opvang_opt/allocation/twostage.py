"""Two-stage look-ahead of the rolling mode (``rolling.lookahead_method: two_stage``).

One period's real households and ``K`` sampled futures of expected households are
planned in one mixed-integer program:

* the real households' placements (first stage) are shared by every future;
* each future's expected households are placed on their own copy of what is left
  (second stage): per future a copy of every unit type's capacity row, of every mix
  rule's row per site, of the shared-unit rows and of the school demand and places
  rows, each counting the real households' columns and that future's own;
* the objective is the real households' cost plus the average over the futures of
  the expected households' cost (times ``rolling.expected_weight``), lexicographically
  after the number left unplaced (real households count 1, an expected household
  ``1/K``).

The program is built on the aggregated structure of the allocation engine
(:func:`~opvang_opt.allocation.model.build_structure`): the expected households of
future ``k`` carry the internal column :data:`~opvang_opt.allocation.model.SCENARIO`
``= k``, so they form classes and fit classes of their own, and the rules (fit, site
rules, school reach, mix shares as exact integers, costs) are the engine's. It is
solved over every column at once with HiGHS (no pricing), twice: the fewest unplaced,
then the cheapest with no more unplaced. The real households' placements are then
checked and scored by the rolling mode like those of the single-future rule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from opvang_opt.allocation.api import map_to_units
from opvang_opt.allocation.columns import RowBuilder, mix_rows, school_columns
from opvang_opt.allocation.deadline import call_with_deadline
from opvang_opt.allocation.model import SCENARIO, Instance, Structure, build_instance
from opvang_opt.allocation.model import build_structure as _build_structure
from opvang_opt.allocation.solve import SolveOutput
from opvang_opt.allocation.validate import Tables


@dataclass(frozen=True)
class TwoStagePlan:
    """The plan of one period: ``real`` placements (``household_id, unit_id, group,
    persons``) and, per future, the expected households' placements (``household_id,
    unit_id, site_id``) on that future's copy of the stock."""

    real: pd.DataFrame
    expected: tuple[pd.DataFrame, ...]
    status: str
    objective: float = float("nan")
    """The real households' cost plus the futures' average cost (expected weight)."""
    unplaced: float = float("nan")
    """Real households left unplaced plus the futures' average of expected ones."""


def joint_households(batch: pd.DataFrame, futures: list[pd.DataFrame]) -> pd.DataFrame:
    """The period's real households (scenario 0) and every future's expected ones
    (scenario ``k``, ids ``<prefix><k>:<i>``), in one table."""
    from opvang_opt.allocation.rolling import EXPECTED_PREFIX

    parts = [batch.assign(**{SCENARIO: 0})]
    for k, f in enumerate(futures, start=1):
        ids = [f"{EXPECTED_PREFIX}{k}:{i}" for i in range(len(f))]
        parts.append(f.assign(household_id=ids, **{SCENARIO: k}))
    return pd.concat(parts, ignore_index=True)


class _Columns:
    """Column layout of the two-stage program."""

    def __init__(self, inst: Instance, st: Structure, n_futures: int) -> None:
        self.K = n_futures
        self.c_scen = inst.h_scenario[st.class_rep]
        fit_scen = np.zeros(len(st.fit_persons), np.int64)
        fit_scen[st.class_fit] = self.c_scen
        self.fit_scen = fit_scen
        self.node_scen = fit_scen[st.node_fit]
        self.y_scen = self.node_scen[st.type_arc_node]
        self.y_shared = st.fit_shared_group[st.node_fit[st.type_arc_node]] >= 0
        self.arc_scen = self.c_scen[st.arc_class]
        # school columns: (site, school, band) per future
        self.f_site, self.f_school, self.f_band = school_columns(inst, st)
        nz = len(st.shared_type)
        sizes = {
            "arc": len(st.arc_class),
            "stay": len(st.stay_class),
            "type_arc": len(st.type_arc_node),
            "shared": nz * (self.K + 1),  # (shared unit, scenario 0..K)
            "school": len(self.f_site) * self.K,
            "unplaced": len(st.class_count),
        }
        self.off: dict[str, int] = {}
        n = 0
        for key, size in sizes.items():
            self.off[key] = n
            n += size
        self.n = n


def _build(
    inst: Instance, st: Structure, col: _Columns, weight: float
) -> tuple[np.ndarray, np.ndarray, sp.csr_array, np.ndarray, np.ndarray, np.ndarray]:
    """Costs, unplaced weights, matrix, row bounds and column upper bounds."""
    K, off = col.K, col.off
    w_scen = np.concatenate([[1.0], np.full(K, weight / K)])
    nz = len(st.shared_type)
    n_a, ns, ny = len(st.arc_class), len(st.stay_class), len(st.type_arc_node)
    nc = len(st.class_count)
    cost = np.zeros(col.n)
    cost[off["arc"] : off["arc"] + n_a] = st.arc_cost * w_scen[col.arc_scen]
    cost[off["stay"] : off["stay"] + ns] = st.stay_cost  # residents are real
    cost[off["type_arc"] : off["type_arc"] + ny] = st.type_arc_cost * w_scen[col.y_scen]
    z_scen = np.repeat(np.arange(K + 1), nz)
    cost[off["shared"] : off["school"]] = np.tile(st.shared_cost, K + 1) * w_scen[z_scen]
    unplaced_w = w_scen[col.c_scen]
    upper = np.full(col.n, np.inf)
    upper[off["arc"] : off["arc"] + n_a] = st.class_count[st.arc_class]
    upper[off["stay"] : off["stay"] + ns] = np.where(
        st.stay_shared,
        np.minimum(st.class_count[st.stay_class], st.type_sharers[st.stay_type]),
        1,
    )
    sharers = np.where(col.y_shared, st.type_sharers[st.type_arc_type], 1)
    upper[off["type_arc"] : off["type_arc"] + ny] = st.type_count[st.type_arc_type] * sharers
    upper[off["shared"] : off["school"]] = np.tile(st.type_count[st.shared_type], K + 1)
    upper[off["unplaced"] :] = st.class_count

    rows = RowBuilder()
    arcs = np.arange(n_a)
    # supply: every class's households are placed, stay, or are left unplaced
    r = rows.block(nc, st.class_count, st.class_count)
    rows.add(r + st.arc_class, off["arc"] + arcs, 1.0)
    rows.add(r + st.stay_class, off["stay"] + np.arange(ns), 1.0)
    rows.add(r + np.arange(nc), off["unplaced"] + np.arange(nc), 1.0)
    # node balance
    r = rows.block(len(st.node_site), 0.0, 0.0)
    nodes = st.node_of[st.arc_site, st.class_fit[st.arc_class]]
    rows.add(r + nodes, off["arc"] + arcs, 1.0)
    rows.add(r + st.type_arc_node, off["type_arc"] + np.arange(ny), -1.0)
    n_g = len(inst.group_names)
    z_key = st.shared_type * n_g + st.shared_group
    z_order = np.argsort(z_key)
    mix = mix_rows(inst)
    for k in range(1, K + 1):
        here_y = (col.y_scen == 0) | (col.y_scen == k)
        here_arc = (col.arc_scen == 0) | (col.arc_scen == k)
        z_cols = [off["shared"] + np.arange(nz), off["shared"] + k * nz + np.arange(nz)]
        # capacity of every unit type in future k
        r = rows.block(len(st.type_count), -np.inf, st.type_count)
        alone = np.flatnonzero(here_y & ~col.y_shared)
        rows.add(r + st.type_arc_type[alone], off["type_arc"] + alone, 1.0)
        for zc in z_cols:
            rows.add(r + st.shared_type, zc, 1.0)
        staying = np.flatnonzero(~st.stay_shared)
        rows.add(r + st.stay_type[staying], off["stay"] + staying, 1.0)
        # mix rules per site in future k
        arc_group = st.class_group[st.arc_class]
        in_mix = (st.fit_shared_group[st.class_fit] < 0) & st.class_in_mix
        for m in mix:
            r = rows.block(1, -np.inf, m.rhs)
            on = np.flatnonzero((st.arc_site == m.site) & in_mix[st.arc_class] & here_arc)
            rows.add(np.full(len(on), r), off["arc"] + on, m.coefficients(arc_group[on]))
            on = np.flatnonzero((st.stay_site == m.site) & ~st.stay_shared)
            coef = m.coefficients(st.class_group[st.stay_class[on]])
            rows.add(np.full(len(on), r), off["stay"] + on, coef)
            on = np.flatnonzero(st.type_site[st.shared_type] == m.site)
            for zc in z_cols:
                rows.add(np.full(len(on), r), zc[on], m.coefficients(st.shared_group[on]))
        # school demand and places in future k
        nf = len(col.f_site)
        if nf:
            keys = np.unique(col.f_site * 2 + col.f_band)
            r = rows.block(len(keys), 0.0, 0.0)
            demand_row = np.full((inst.n_sites, 2), -1, np.int64)
            demand_row[keys // 2, keys % 2] = r + np.arange(len(keys))
            fcols = off["school"] + (k - 1) * nf + np.arange(nf)
            rows.add(demand_row[col.f_site, col.f_band], fcols, -1.0)
            for b in range(2):
                need = st.class_need[st.arc_class, b]
                on = np.flatnonzero((need > 0) & here_arc)
                rows.add(demand_row[st.arc_site[on], b], off["arc"] + on, need[on])
                need = st.class_need[st.stay_class, b]
                on = np.flatnonzero(need > 0)
                rows.add(demand_row[st.stay_site[on], b], off["stay"] + on, need[on])
            n_s = len(inst.school_ids)
            r = rows.block(2 * n_s, -np.inf, inst.school_places.T.reshape(-1))
            rows.add(r + col.f_band * n_s + col.f_school, fcols, 1.0)
    # shared units per scenario: sharers <= max sharers * units, units <= sharers
    if nz:
        on = np.flatnonzero(col.y_shared)
        y_key = st.type_arc_type[on] * n_g + st.fit_shared_group[st.node_fit[st.type_arc_node[on]]]
        y_unit = z_order[np.searchsorted(z_key[z_order], y_key)]
        y_z = col.y_scen[on] * nz + y_unit
        stays = np.flatnonzero(st.stay_shared)
        s_key = st.stay_type[stays] * n_g + st.class_group[st.stay_class[stays]]
        s_z = z_order[np.searchsorted(z_key[z_order], s_key)]
        nzs = nz * (K + 1)
        z_all = off["shared"] + np.arange(nzs)
        r = rows.block(nzs, -np.inf, 0.0)
        rows.add(r + y_z, off["type_arc"] + on, 1.0)
        rows.add(r + s_z, off["stay"] + stays, 1.0)
        rows.add(r + np.arange(nzs), z_all, -np.tile(st.type_sharers[st.shared_type], K + 1))
        r = rows.block(nzs, -np.inf, 0.0)
        rows.add(r + y_z, off["type_arc"] + on, -1.0)
        rows.add(r + s_z, off["stay"] + stays, -1.0)
        rows.add(r + np.arange(nzs), z_all, 1.0)
    a, lo, hi = rows.matrix(col.n)
    return cost, unplaced_w, a, lo, hi, upper


def _milp(cost, a, lo, hi, upper, integrality, time_limit, gap):
    return milp(
        cost,
        integrality=integrality,
        bounds=Bounds(np.zeros(len(cost)), upper),
        constraints=LinearConstraint(a, lo, hi),
        options={"time_limit": time_limit, "mip_rel_gap": gap, "presolve": True, "disp": False},
    )


def _solve(cost, a, lo, hi, upper, integrality, deadline, gap):
    limit = max(deadline - time.perf_counter(), 0.05)
    return call_with_deadline(
        lambda: _milp(cost, a, lo, hi, upper, integrality, limit, gap), deadline
    )


def plan_two_stage(
    tables: Tables,
    batch: pd.DataFrame,
    futures: list[pd.DataFrame],
    config,
    *,
    integer_futures: bool = False,
) -> TwoStagePlan:
    """Plan one period's real households ``batch`` together with the expected households
    of every future (see the module docstring) on the units left in ``tables``.

    Returns the real households' placements (not yet checked: the rolling mode checks
    them) and each future's expected placements. When no solution is found within the
    solver's time limit, nobody is placed here (``status`` says so) and the rolling mode
    places the period's households on their own.

    Only the real households' columns are integer unless ``integer_futures``: the
    futures' columns are their LP relaxation (a future is an estimate; the relaxation
    keeps the program about as fast as one allocation). With ``integer_futures`` and one
    future, the program is the single-future rule's joint allocation of the period's and
    the expected households."""
    hh = joint_households(batch, futures)
    joint = Tables(hh, tables.units, tables.sites, tables.schools, tables.gps, tables.occupied)
    inst = build_instance(joint, config)
    st = _build_structure(inst)
    K = len(futures)
    col = _Columns(inst, st, K)
    cost, unplaced_w, a, lo, hi, upper = _build(inst, st, col, config.rolling.expected_weight)
    integrality = np.ones(col.n, np.uint8)
    integrality[col.off["school"] : col.off["unplaced"]] = 0
    if not integer_futures:
        off = col.off
        nz = len(st.shared_type)
        integrality[off["arc"] : off["stay"]] = col.arc_scen == 0
        integrality[off["type_arc"] : off["shared"]] = col.y_scen == 0
        integrality[off["shared"] + nz : off["school"]] = 0
        integrality[off["unplaced"] :] = col.c_scen == 0
    deadline = time.perf_counter() + config.solver.time_limit_s
    gap = config.solver.relative_gap
    off_u = col.off["unplaced"]
    # 1. the fewest unplaced (weighted: an expected household counts 1/K)
    c1 = np.zeros(col.n)
    c1[off_u:] = unplaced_w
    r1 = _solve(c1, a, lo, hi, upper, integrality, deadline, 0.0)
    status = "optimal"
    if r1 is None or r1.x is None:
        return _empty(K, "no solution")
    # 2. the cheapest with no more unplaced
    a2 = sp.vstack([a, sp.csr_array(c1[None, :])]).tocsr()
    lo2 = np.concatenate([lo, [-np.inf]])
    hi2 = np.concatenate([hi, [float(r1.fun) + 1e-7]])
    r2 = _solve(cost, a2, lo2, hi2, upper, integrality, deadline, gap)
    x = r1.x
    if r2 is not None and r2.x is not None:
        x = r2.x
        # proven only when both stages are (a first stage cut short may leave too many out)
        status = "optimal" if r2.status == 0 and r1.status == 0 else "time_limit"
    else:
        status = "time_limit"
    # integer columns rounded; a relaxed future's columns rounded down (its expected
    # placements only steer the school places and name the units kept)
    values = np.where(integrality > 0, np.round(x), np.floor(x + 1e-3)).astype(np.int64)
    real = _placements(inst, st, col, values, 0)
    expected = tuple(_placements(inst, st, col, values, k) for k in range(1, K + 1))
    real = real[real["scenario"] == 0]
    expected = tuple(e[e["scenario"] > 0] for e in expected)
    hh_of = batch.set_index("household_id")
    real_out = pd.DataFrame(
        {
            "household_id": real["household_id"].to_numpy(),
            "unit_id": real["unit_id"].to_numpy(),
            "group": hh_of.loc[real["household_id"], "group"].to_numpy(),
            "persons": hh_of.loc[real["household_id"], "persons"].to_numpy(),
        }
    )
    cols = ["household_id", "unit_id", "site_id"]
    objective = float(cost @ x)
    unplaced = float(c1 @ x)
    return TwoStagePlan(real_out, tuple(e[cols] for e in expected), status, objective, unplaced)


def _empty(K: int, status: str) -> TwoStagePlan:
    real = pd.DataFrame(columns=["household_id", "unit_id", "group", "persons"])
    exp = pd.DataFrame(columns=["household_id", "unit_id", "site_id"])
    return TwoStagePlan(real, tuple(exp for _ in range(K)), status)


def _placements(
    inst: Instance, st: Structure, col: _Columns, values: np.ndarray, k: int
) -> pd.DataFrame:
    """Households and units of the real households and (``k >= 1``) future ``k``'s
    expected ones: the program's columns of those scenarios mapped to units."""
    off = col.off
    n_a, ns, ny = len(st.arc_class), len(st.stay_class), len(st.type_arc_node)
    nz = len(st.shared_type)
    here_arc = (col.arc_scen == 0) | (col.arc_scen == k)
    here_y = (col.y_scen == 0) | (col.y_scen == k)
    x = np.where(here_arc, values[off["arc"] : off["arc"] + n_a], 0)
    y = np.where(here_y, values[off["type_arc"] : off["type_arc"] + ny], 0)
    z = values[off["shared"] : off["shared"] + nz].copy()
    if k:
        z = z + values[off["shared"] + k * nz : off["shared"] + (k + 1) * nz]
    out = SolveOutput(
        x=x,
        stay=values[off["stay"] : off["stay"] + ns],
        y=y,
        z=z,
        unplaced=np.zeros(len(st.class_count), np.int64),
        school_flow=np.zeros((inst.n_sites, len(inst.school_ids), 2)),
        objective=0.0,
        bound=0.0,
        proven=False,
        time_limit_hit=False,
        lp_bound=0.0,
        stats={},
    )
    h, u = map_to_units(inst, st, out)
    return pd.DataFrame(
        {
            "household_id": inst.hh_ids[h],
            "unit_id": inst.unit_ids[u],
            "site_id": inst.site_ids[inst.u_site[u]],
            "scenario": inst.h_scenario[h],
        }
    )

"""The exchange model: minimise the region's cost of housing every group's task.

Formulation
-----------
Indices: municipality ``i``, group ``g``, capacity entry ``e`` (a housing type
in a municipality), cost step ``k`` of an entry, substitution rule ``r``.

Variables (all >= 0)

* ``x[e, g]``   places of group ``g`` housed in entry ``e`` (only groups the type can house);
* ``y[e, k]``   places of entry ``e`` in cost step ``k`` (``y <= width``);
* ``z[e]``      1 if entry ``e`` with a fixed opening cost is used (binary);
* ``s[i, r]``   places of ``from_group`` in ``i`` counted for ``to_group``;
* ``in[i, g]``, ``out[i, g]``  task of ``g`` taken over from / handed to others
  (net transfer ``in - out``);
* ``u[i, g]``   task not housed (only for groups with ``unmet_cost_per_place``).

Constraints

* ``sum_g x[e, g] = sum_k y[e, k]``; ``sum_g x[e, g] <= places[e] * z[e]`` for entries
  with a fixed cost;
* credit of ``i`` for ``g``: ``sum_e x[e, g] - sum_{r: from=g} s[i, r]
  + sum_{r: to=g} rate_r s[i, r] + u[i, g] = task[i, g] + in[i, g] - out[i, g]``;
* ``sum_{r: from=A} s[i, r] <= sum_e x[e, A]`` (only places actually housed can count
  for another group);
* ``rate_r s[i, r] <= max_share_r * credited[i, to_r]``;
* regional totals per group kept exactly: ``sum_i (in[i, g] - out[i, g]) = 0``;
* bounds: ``out[i, g] <= (1 - min_keep_share) task[i, g]``, ``in[i, g] <= max_extra``.

Objective: ``sum cost_k y + fixed_e z + unmet_g u`` (plus a tie-breaker of
1e-4 euro per place moved or substituted, so that among equally cheap
solutions the one that moves least is chosen; it is not part of the reported cost).

Step costs must not fall (checked in the config), so the piecewise-linear cost
is convex and an LP is exact; binaries appear only for fixed opening costs or
``integer_places``.

Without exchange (the reference), ``in = out = 0``: every municipality meets its
own task, substitution within the municipality still allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from opvang_opt.errors import OpvangError
from opvang_opt.exact import integer_bounds, to_cents
from opvang_opt.schema import ExchangeConfig
from opvang_opt.solvers import SparseModel
from opvang_opt.texts import Lang, Message

from ._lp import LPSolution, solve_lp

TIE_BREAK = 1e-4
"""Euros per place moved or substituted, to prefer the least movement among equal-cost solutions."""

ELASTIC_WEIGHT_BOUND = 1.0
ELASTIC_WEIGHT_UNMET = 10.0


class NoSolutionError(OpvangError):
    """The solver stopped without any solution (time limit or numerical trouble).

    Raised by the exchange API (:func:`solve_exchange`, :func:`shapley_payments`); in a
    run, :func:`run_exchange` turns it into the status ``NO_SOLUTION``.

    Parameters
    ----------
    text
        What stopped, as a catalogue message (kept as ``text`` for other languages).
    lang
        Language of the summary.
    """

    def __init__(self, text: Message, lang: Lang = "nl") -> None:
        self.text = text
        super().__init__(text.render(lang))


@dataclass(frozen=True)
class Blocks:
    """Column ranges of the variable blocks in the full model."""

    x: slice
    y: slice
    z: slice
    s: slice
    inflow: slice
    outflow: slice
    unmet: slice
    ex_out: slice
    ex_in: slice
    ex_unmet: slice


@dataclass(frozen=True, eq=False)
class ExchangeModel:
    """The exchange model of a config, compiled once into arrays.

    Build with :meth:`from_config`; :meth:`lp` returns the LP for a setting
    (shift, no exchange, a coalition, the elastic relaxation).
    """

    config: ExchangeConfig
    codes: tuple[str, ...]
    names: tuple[str, ...]
    groups: tuple[str, ...]
    task: np.ndarray  # (n, G)
    out_cap: np.ndarray  # (n, G) max handed to others
    in_cap: np.ndarray  # (n, G) max taken over
    e_muni: np.ndarray
    e_type: np.ndarray
    e_places: np.ndarray
    e_fixed: np.ndarray
    pair_e: np.ndarray
    pair_g: np.ndarray
    step_e: np.ndarray
    step_width: np.ndarray
    step_cost: np.ndarray
    z_e: np.ndarray
    r_from: np.ndarray
    r_to: np.ndarray
    r_rate: np.ndarray
    r_share: np.ndarray
    unmet_cost: np.ndarray  # (G,) nan = not allowed
    base: SparseModel = field(repr=False)
    c_true: np.ndarray = field(repr=False)
    col_owner: np.ndarray = field(repr=False)
    row_owner: np.ndarray = field(repr=False)
    blocks: Blocks = field(repr=False)

    @property
    def n(self) -> int:
        """Number of municipalities."""
        return len(self.codes)

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.groups)

    # ----------------------------------------------------------------- build
    @classmethod
    def from_config(cls, cfg: ExchangeConfig) -> ExchangeModel:
        """Compile a validated :class:`ExchangeConfig` into arrays."""
        codes = tuple(cfg.codes)
        groups = tuple(cfg.group_names)
        n, ng = len(codes), len(groups)
        ci = {c: i for i, c in enumerate(codes)}
        gi = {g: j for j, g in enumerate(groups)}
        ti = {t: j for j, t in enumerate(cfg.type_names)}
        types = {t.name: t for t in cfg.housing_types}

        task = np.zeros((n, ng))
        for code, per in cfg.tasks.items():
            for g, v in per.items():
                task[ci[code], gi[g]] = v
        keep, extra, extra_share = _resolve_bounds(cfg, ci, gi)
        out_cap = (1.0 - keep) * task
        with np.errstate(invalid="ignore"):
            share_cap = np.where(np.isinf(extra_share), np.inf, extra_share * task)
        in_cap = np.minimum(extra, share_cap)
        if cfg.solver.integer_places:
            # whole places: (1 - 0.2) x 20 = 15.999999999999996 means 16, not 15
            out_cap = integer_bounds(out_cap)
            in_cap = integer_bounds(in_cap)

        e_muni: list[int] = []
        e_type, e_places, e_fixed = [], [], []
        pair_e, pair_g, step_e, step_w, step_c = [], [], [], [], []
        for entry in cfg.capacity:
            if entry.places <= 0:
                continue
            t = types[entry.type]
            e = len(e_muni)
            e_muni.append(ci[entry.municipality])
            e_type.append(ti[entry.type])
            e_places.append(entry.places)
            fixed = entry.fixed_cost if entry.fixed_cost is not None else t.fixed_cost
            e_fixed.append(_euros_of_cents(fixed or 0.0))
            for g in t.groups:
                pair_e.append(e)
                pair_g.append(gi[g])
            own_cost = entry.cost_steps is not None or entry.cost_per_place is not None
            src = entry if own_cost else t
            widths, costs = _step_widths(src, entry.places)
            step_e += [e] * len(widths)
            step_w += widths
            step_c += [_euros_of_cents(c) for c in costs]

        e_muni_a = np.asarray(e_muni, dtype=np.int64)
        e_places_a = np.asarray(e_places, dtype=float)
        e_fixed_a = np.asarray(e_fixed, dtype=float)
        rules = cfg.substitution
        r_from = np.asarray([gi[r.from_group] for r in rules], dtype=np.int64)
        r_to = np.asarray([gi[r.to_group] for r in rules], dtype=np.int64)
        r_rate = np.asarray([r.rate for r in rules], dtype=float)
        r_share = np.asarray([r.max_share for r in rules], dtype=float)
        unmet_cost = np.asarray(
            [
                np.nan
                if g.unmet_cost_per_place is None
                else _euros_of_cents(g.unmet_cost_per_place)
                for g in cfg.groups
            ],
            dtype=float,
        )
        arrays = dict(
            e_muni=e_muni_a,
            e_type=np.asarray(e_type, dtype=np.int64),
            e_places=e_places_a,
            e_fixed=e_fixed_a,
            pair_e=np.asarray(pair_e, dtype=np.int64),
            pair_g=np.asarray(pair_g, dtype=np.int64),
            step_e=np.asarray(step_e, dtype=np.int64),
            step_width=np.asarray(step_w, dtype=float),
            step_cost=np.asarray(step_c, dtype=float),
            z_e=np.flatnonzero(e_fixed_a > 0),
            r_from=r_from,
            r_to=r_to,
            r_rate=r_rate,
            r_share=r_share,
        )
        base, c_true, col_owner, row_owner, blocks = _assemble(
            n, ng, task, out_cap, in_cap, unmet_cost, cfg.solver.integer_places, **arrays
        )
        return cls(
            config=cfg,
            codes=codes,
            names=tuple(m.name for m in cfg.municipalities),
            groups=groups,
            task=task,
            out_cap=out_cap,
            in_cap=in_cap,
            unmet_cost=unmet_cost,
            base=base,
            c_true=c_true,
            col_owner=col_owner,
            row_owner=row_owner,
            blocks=blocks,
            **arrays,
        )

    # -------------------------------------------------------------- variants
    def lp(
        self,
        *,
        shift: float | None = None,
        limit_intake: bool = True,
        exchange: bool = True,
        members: np.ndarray | None = None,
        elastic: bool = False,
        lean: bool = False,
    ) -> tuple[SparseModel, np.ndarray]:
        """Return the LP of a setting and the mask of kept columns.

        Parameters
        ----------
        shift
            Allowed shift: at most this share of each own task per group is
            handed over (and, with ``limit_intake``, taken over extra).
        limit_intake
            Apply ``shift`` to the intake too.
        exchange
            False: no exchange (every municipality meets its own task).
        members
            Boolean mask of the coalition's municipalities; others are left out.
        elastic
            The elastic relaxation used for diagnosis: bounds and the
            housing of every place may give, at a price per place.
        lean
            For solves that need only the optimal cost (coalition values): one
            free net-transfer variable instead of ``in`` and ``out``, and no
            tie-breaker costs.

        Columns fixed at zero (unused relaxation columns, unmet places that
        are not allowed, transfers without exchange) are left out; the
        returned mask maps the LP's columns back to the full model.
        """
        b = self.blocks
        lp = self.base
        col_lb, col_ub, c = lp.col_lb.copy(), lp.col_ub.copy(), lp.c.copy()
        out_ub = self.out_cap.ravel().copy()
        in_ub = self.in_cap.ravel().copy()
        if shift is not None:
            shifted = shift * self.task.ravel()
            if self.config.solver.integer_places:
                shifted = integer_bounds(shifted)
            out_ub = np.minimum(out_ub, shifted)
            if limit_intake:
                in_ub = np.minimum(in_ub, shifted)
        if not exchange:
            out_ub[:] = 0.0
            in_ub[:] = 0.0
        col_ub[b.outflow] = out_ub
        col_ub[b.inflow] = in_ub
        if elastic:
            c[:] = 0.0
            if exchange:
                col_ub[b.ex_out] = np.inf
                col_ub[b.ex_in] = np.inf
                c[b.ex_out] = ELASTIC_WEIGHT_BOUND
                c[b.ex_in] = ELASTIC_WEIGHT_BOUND
            col_ub[b.ex_unmet] = np.inf
            c[b.ex_unmet] = ELASTIC_WEIGHT_UNMET
            integer = np.zeros_like(lp.integer)
        else:
            integer = lp.integer
        if lean and not elastic:
            c[b.inflow] = self.c_true[b.inflow]
            c[b.s] = self.c_true[b.s]
            col_lb[b.inflow] = -col_ub[b.outflow]
            col_ub[b.outflow] = 0.0
        full = SparseModel(
            c, col_lb, col_ub, integer, lp.rows, lp.cols, lp.vals, lp.row_lb, lp.row_ub, lp.offset
        )
        keep_cols = ~((col_lb == 0.0) & (col_ub == 0.0))
        keep_rows = np.ones(lp.n_rows, dtype=bool)
        if members is not None:
            members = np.asarray(members, dtype=bool)
            keep_cols &= members[self.col_owner]
            keep_rows = (self.row_owner < 0) | members[np.maximum(self.row_owner, 0)]
        return full.subset(keep_cols, keep_rows), keep_cols

    def solve(
        self,
        lp: SparseModel,
        keep: np.ndarray | None = None,
        backend: str | None = None,
        relative_gap: float | None = None,
    ) -> LPSolution:
        """Solve an LP of this model with the config's solver settings.

        With ``keep`` (the mask from :meth:`lp`) the solution vector is
        expanded to the full model's columns; ``relative_gap`` overrides the config's.
        """
        s = self.config.solver
        sol = solve_lp(
            lp,
            backend=backend or s.backend,
            time_limit_s=s.time_limit_s,
            relative_gap=s.relative_gap if relative_gap is None else relative_gap,
            seed=s.seed,
        )
        if keep is None or sol.x is None:
            return sol
        x = np.zeros(self.base.n_cols)
        x[keep] = sol.x
        return replace(sol, x=x)

    def true_cost(self, x_full: np.ndarray) -> float:
        """The regional cost of a full-length solution vector (without tie-breakers)."""
        return float(self.c_true @ x_full)

    def cost_per_municipality(self, x_full: np.ndarray) -> np.ndarray:
        """Cost per municipality of a full-length solution vector (euros, from
        :meth:`cost_cents_per_municipality`)."""
        return self.cost_cents_per_municipality(x_full) / 100.0

    def cost_cents_per_municipality(self, x_full: np.ndarray) -> np.ndarray:
        """Cost per municipality in whole cents.

        Every cost coefficient is a whole number of cents (read with :func:`.to_cents`).
        With ``integer_places`` the solver's values are snapped to the whole numbers they
        stand for, so the cost is exact; with fractional places each municipality's cost is
        rounded half to even to a whole cent.
        """
        x = np.asarray(x_full, dtype=float)
        if self.config.solver.integer_places:
            near = np.rint(x)
            x = np.where(np.abs(x - near) <= 1e-6, near, x)
        cents = np.rint(self.c_true * 100.0)  # whole cents by construction
        total = np.bincount(self.col_owner, weights=cents * x, minlength=self.n)
        return np.rint(total).astype(np.int64)


def _euros_of_cents(amount: float) -> float:
    """A cost the user wrote, as whole cents (:func:`.to_cents`), back in euros for the LP."""
    return to_cents(amount) / 100.0


def _resolve_bounds(
    cfg: ExchangeConfig, ci: dict[str, int], gi: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, ng = len(ci), len(gi)
    d = cfg.bounds.default

    def fill(val: float | None, default: float) -> np.ndarray:
        return np.full((n, ng), default if val is None else val, dtype=float)

    keep = fill(d.min_keep_share, 0.0)
    extra = fill(d.max_extra, np.inf)
    extra_share = fill(d.max_extra_share, np.inf)
    # municipality-wide overrides first, then group-specific ones win
    ordered = sorted(cfg.bounds.overrides, key=lambda o: o.group is not None)
    for o in ordered:
        i = ci[o.municipality]
        cols = slice(None) if o.group is None else gi[o.group]
        if o.min_keep_share is not None:
            keep[i, cols] = o.min_keep_share
        if o.max_extra is not None:
            extra[i, cols] = o.max_extra
        if o.max_extra_share is not None:
            extra_share[i, cols] = o.max_extra_share
    return keep, extra, extra_share


def _step_widths(src, places: float) -> tuple[list[float], list[float]]:
    """Turn a cost definition into step widths and costs, clipped to ``places``."""
    if src.cost_steps is None:
        return [float(places)], [float(src.cost_per_place)]
    widths, costs, prev = [], [], 0.0
    for step in src.cost_steps:
        top = places if step.up_to is None else min(step.up_to, places)
        if top > prev:
            widths.append(top - prev)
            costs.append(step.cost_per_place)
            prev = top
        if prev >= places:
            break
    if prev < places:  # last step had an up_to below capacity: rest at the last cost
        widths.append(places - prev)
        costs.append(src.cost_steps[-1].cost_per_place)
    return widths, costs


def _assemble(
    n: int,
    ng: int,
    task: np.ndarray,
    out_cap: np.ndarray,
    in_cap: np.ndarray,
    unmet_cost: np.ndarray,
    integer_places: bool,
    *,
    e_muni: np.ndarray,
    e_type: np.ndarray,
    e_places: np.ndarray,
    e_fixed: np.ndarray,
    pair_e: np.ndarray,
    pair_g: np.ndarray,
    step_e: np.ndarray,
    step_width: np.ndarray,
    step_cost: np.ndarray,
    z_e: np.ndarray,
    r_from: np.ndarray,
    r_to: np.ndarray,
    r_rate: np.ndarray,
    r_share: np.ndarray,
) -> tuple[SparseModel, np.ndarray, np.ndarray, np.ndarray, Blocks]:
    """Assemble the full model's sparse matrix with numpy (no loop per coefficient)."""
    n_e, n_p, n_k, n_z, n_r = len(e_muni), len(pair_e), len(step_e), len(z_e), len(r_from)
    nig = n * ng
    sizes = [n_p, n_k, n_z, n * n_r, nig, nig, nig, nig, nig, nig]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    blocks = Blocks(*(slice(int(starts[k]), int(starts[k + 1])) for k in range(len(sizes))))
    n_cols = int(starts[-1])

    def col(block: slice, idx: np.ndarray) -> np.ndarray:
        return block.start + np.asarray(idx, dtype=np.int64)

    # column data
    c_true = np.zeros(n_cols)
    col_lb = np.zeros(n_cols)
    col_ub = np.full(n_cols, np.inf)
    integer = np.zeros(n_cols, dtype=bool)
    col_owner = np.zeros(n_cols, dtype=np.int64)
    muni_of_ig = np.repeat(np.arange(n), ng)
    col_owner[blocks.x] = e_muni[pair_e]
    col_owner[blocks.y] = e_muni[step_e]
    col_owner[blocks.z] = e_muni[z_e]
    col_owner[blocks.s] = np.repeat(np.arange(n), n_r)
    for blk in (
        blocks.inflow,
        blocks.outflow,
        blocks.unmet,
        blocks.ex_out,
        blocks.ex_in,
        blocks.ex_unmet,
    ):
        col_owner[blk] = muni_of_ig
    c_true[blocks.y] = step_cost
    col_ub[blocks.y] = step_width
    c_true[blocks.z] = e_fixed[z_e]
    col_ub[blocks.z] = 1.0
    integer[blocks.z] = True
    unmet_ok = ~np.isnan(unmet_cost)
    c_true[blocks.unmet] = np.tile(np.where(unmet_ok, unmet_cost, 0.0), n)
    col_ub[blocks.unmet] = np.tile(np.where(unmet_ok, np.inf, 0.0), n)
    col_ub[blocks.outflow] = out_cap.ravel()
    col_ub[blocks.inflow] = in_cap.ravel()
    for blk in (blocks.ex_out, blocks.ex_in, blocks.ex_unmet):
        col_ub[blk] = 0.0
    if integer_places:
        for blk in (blocks.x, blocks.s, blocks.inflow, blocks.outflow):
            integer[blk] = True
    c = c_true.copy()
    c[blocks.inflow] += TIE_BREAK
    c[blocks.outflow] += TIE_BREAK
    c[blocks.s] += TIE_BREAK

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lb: list[np.ndarray] = []
    row_ub: list[np.ndarray] = []
    row_owner: list[np.ndarray] = []
    n_rows = 0

    def add_rows(
        count: int, lb: np.ndarray | float, ub: np.ndarray | float, owner: np.ndarray
    ) -> int:
        nonlocal n_rows
        first = n_rows
        row_lb.append(np.broadcast_to(np.asarray(lb, dtype=float), (count,)))
        row_ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (count,)))
        row_owner.append(np.broadcast_to(np.asarray(owner, dtype=np.int64), (count,)))
        n_rows += count
        return first

    def add_nz(r: np.ndarray, cc: np.ndarray, v: np.ndarray | float) -> None:
        r = np.asarray(r, dtype=np.int64)
        rows.append(r)
        cols.append(np.asarray(cc, dtype=np.int64))
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), r.shape))

    p_idx = np.arange(n_p)
    # 1. link: sum_g x[e, g] - sum_k y[e, k] = 0
    r0 = add_rows(n_e, 0.0, 0.0, e_muni)
    add_nz(r0 + pair_e, col(blocks.x, p_idx), 1.0)
    add_nz(r0 + step_e, col(blocks.y, np.arange(n_k)), -1.0)
    # 2. fixed-cost entries: sum_g x[e, g] - places[e] z[e] <= 0
    if n_z:
        r0 = add_rows(n_z, -np.inf, 0.0, e_muni[z_e])
        z_row = np.full(n_e, -1, dtype=np.int64)
        z_row[z_e] = np.arange(n_z)
        sel = z_row[pair_e] >= 0
        add_nz(r0 + z_row[pair_e[sel]], col(blocks.x, p_idx[sel]), 1.0)
        add_nz(r0 + np.arange(n_z), col(blocks.z, np.arange(n_z)), -e_places[z_e])
    # 3. credit per (i, g) = task
    r_credit = add_rows(nig, task.ravel(), task.ravel(), muni_of_ig)
    pair_ig = e_muni[pair_e] * ng + pair_g
    add_nz(r_credit + pair_ig, col(blocks.x, p_idx), 1.0)
    if n_r:
        i_rep = np.repeat(np.arange(n), n_r)
        r_rep = np.tile(np.arange(n_r), n)
        s_cols = col(blocks.s, np.arange(n * n_r))
        add_nz(r_credit + i_rep * ng + r_from[r_rep], s_cols, -1.0)
        add_nz(r_credit + i_rep * ng + r_to[r_rep], s_cols, r_rate[r_rep])
    ig = np.arange(nig)
    add_nz(r_credit + ig, col(blocks.unmet, ig), 1.0)
    add_nz(r_credit + ig, col(blocks.inflow, ig), -1.0)
    add_nz(r_credit + ig, col(blocks.outflow, ig), 1.0)
    add_nz(r_credit + ig, col(blocks.ex_unmet, ig), 1.0)
    add_nz(r_credit + ig, col(blocks.ex_in, ig), -1.0)
    add_nz(r_credit + ig, col(blocks.ex_out, ig), 1.0)
    if n_r:
        # 4. substitutes only from places housed: sum_{r from A} s - sum_e x[e, A] <= 0
        src_groups = np.unique(r_from)
        src_pos = np.full(ng, -1, dtype=np.int64)
        src_pos[src_groups] = np.arange(len(src_groups))
        n_src = len(src_groups)
        r0 = add_rows(n * n_src, -np.inf, 0.0, np.repeat(np.arange(n), n_src))
        add_nz(r0 + i_rep * n_src + src_pos[r_from[r_rep]], s_cols, 1.0)
        sel = src_pos[pair_g] >= 0
        add_nz(
            r0 + e_muni[pair_e[sel]] * n_src + src_pos[pair_g[sel]], col(blocks.x, p_idx[sel]), -1.0
        )
        # 5. max share: rate s[i, r] - share * (task + in - out - u)[i, to] <= 0
        lim = np.flatnonzero(r_share < 1.0)
        if len(lim):
            n_l = len(lim)
            i_l = np.repeat(np.arange(n), n_l)
            r_l = np.tile(lim, n)
            k_l = np.arange(n * n_l)
            to_ig = i_l * ng + r_to[r_l]
            sh = r_share[r_l]
            r0 = add_rows(n * n_l, -np.inf, sh * task.ravel()[to_ig], i_l)
            add_nz(r0 + k_l, col(blocks.s, i_l * n_r + r_l), r_rate[r_l])
            for blk, sign in (
                (blocks.inflow, -1.0),
                (blocks.outflow, 1.0),
                (blocks.unmet, 1.0),
                (blocks.ex_in, -1.0),
                (blocks.ex_out, 1.0),
                (blocks.ex_unmet, 1.0),
            ):
                add_nz(r0 + k_l, col(blk, to_ig), sign * sh)
    # 6. regional totals per group: sum_i (in - out) = 0
    r0 = add_rows(ng, 0.0, 0.0, np.full(ng, -1))
    g_of = np.tile(np.arange(ng), n)
    for blk, sign in (
        (blocks.inflow, 1.0),
        (blocks.outflow, -1.0),
        (blocks.ex_in, 1.0),
        (blocks.ex_out, -1.0),
    ):
        add_nz(r0 + g_of, col(blk, ig), sign)

    lp = SparseModel(
        c=c,
        col_lb=col_lb,
        col_ub=col_ub,
        integer=integer,
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        vals=np.concatenate([np.array(v, dtype=float) for v in vals]),
        row_lb=np.concatenate(row_lb).astype(float),
        row_ub=np.concatenate(row_ub).astype(float),
    )
    return lp, c_true, col_owner, np.concatenate(row_owner).astype(np.int64), blocks

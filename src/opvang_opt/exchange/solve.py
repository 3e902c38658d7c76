"""Solve the regional exchange and return typed results."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from opvang_opt.schema import ExchangeConfig
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Message

from ._lp import OPTIMAL_ABS_GAP, LPSolution
from .diagnose import infeasible_error
from .model import ExchangeModel, NoSolutionError

_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class ExchangeResult:
    """The optimal exchange of tasks and what it costs.

    Attributes
    ----------
    status
        :class:`SolveStatus` of the exchange solve (``OPTIMAL`` or ``FEASIBLE``).
    objective
        Total regional cost with the exchange, in euros for the period.
    bound
        Best proven lower bound on the cost (equals ``objective`` for an LP).
    gap
        Relative gap between ``objective`` and ``bound``.
    no_exchange_cost
        Total cost when every municipality meets its own task; ``None`` when
        that is infeasible (see ``no_exchange_message``).
    savings
        ``no_exchange_cost - objective`` (``None`` without a reference).
    exchange
        Per municipality and group: task, placed, credited, net transfer (see
        :func:`exchange_table_columns`).
    municipalities
        Per municipality: cost without and with the exchange, places moved.
    placements
        Per municipality, housing type and group: places housed, with the type's load and cost.
    substitutions
        Per municipality and rule: places of one group counted for another.
    flows
        Who takes over how much of whose task: ``from_code`` hands ``places`` of
        ``group`` to ``to_code`` (a decomposition of the net transfers; for a map layer).
    shift
        The allowed shift of this solve (``None`` = the scenario's bounds only).
    seconds, solver
        Solve time of the exchange solve, and the solver used.
    """

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    no_exchange_cost: float | None
    no_exchange_message: str | None
    exchange: pd.DataFrame
    municipalities: pd.DataFrame
    placements: pd.DataFrame
    substitutions: pd.DataFrame
    flows: pd.DataFrame
    shift: float | None
    seconds: float
    solver: str
    period: str

    @property
    def savings(self) -> float | None:
        """Regional savings of the exchange (``None`` without a no-exchange reference)."""
        if self.no_exchange_cost is None:
            return None
        return self.no_exchange_cost - self.objective

    @property
    def is_ok(self) -> bool:
        """True when a solution was found (optimal, or feasible within the gap reported)."""
        return self.status.has_solution


def solve_exchange(
    config: ExchangeConfig,
    *,
    shift: float | None = None,
    limit_intake: bool | None = None,
    lang: Literal["nl", "en"] = "nl",
    model: ExchangeModel | None = None,
) -> ExchangeResult:
    """Find the cheapest exchange of tasks between the municipalities.

    Parameters
    ----------
    config
        The scenario's ``exchange`` section.
    shift
        Optional extra limit: each municipality hands at most this share of its
        own task per group to others (and, with ``limit_intake``, takes at most
        this share extra). ``None``: only the scenario's bounds.
    limit_intake
        Apply ``shift`` to the intake too; default from ``config.tradeoff.limit_intake``.
    lang
        Language of a diagnosis: ``"nl"`` (default) or ``"en"``.
    model
        A compiled model of ``config`` to reuse (saves compiling again).

    Returns
    -------
    ExchangeResult

    Raises
    ------
    InfeasibleError
        When the bounds and capacities cannot all hold; the diagnosis names the
        municipality, group and rule that must give, and by how much.
    NoSolutionError
        When the solver stops without a solution (time limit).

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, solve_exchange
    >>> res = solve_exchange(load_demo_config())
    >>> res.status.value, res.savings > 0
    ('optimal', True)
    """
    model = model or ExchangeModel.from_config(config)
    if limit_intake is None:
        limit_intake = config.tradeoff.limit_intake
    sol = model.solve(*model.lp(shift=shift, limit_intake=limit_intake))
    if sol.status is SolveStatus.INFEASIBLE:
        raise infeasible_error(model, lang=lang, shift=shift, limit_intake=limit_intake)
    if sol.x is None:
        raise NoSolutionError(
            Message("exchange.no_solution", {"seconds": config.solver.time_limit_s}), lang
        )
    ref = solve_no_exchange(model)
    ref_x = ref.x if ref.x is not None else None
    ref_msg = None
    if ref_x is None:
        ref_msg = str(infeasible_error(model, lang=lang, exchange=False))
    return build_result(model, sol, ref_x, ref_msg, shift=shift)


def _no_worse_than(model: ExchangeModel, sol: LPSolution, ref_x: np.ndarray | None) -> LPSolution:
    """``sol``, or the reference ``ref_x`` when that costs less (see :func:`build_result`)."""
    if ref_x is None or sol.x is None:
        return sol
    if not model.true_cost(ref_x) < model.true_cost(sol.x) - 1e-9:
        return sol
    objective = float(model.base.c @ ref_x + model.base.offset)
    bound = min(sol.bound, objective) if math.isfinite(sol.bound) else sol.bound
    gap = abs(objective - bound) / max(abs(objective), 1.0) if math.isfinite(bound) else math.inf
    status = SolveStatus.OPTIMAL if objective - bound < OPTIMAL_ABS_GAP else SolveStatus.FEASIBLE
    return replace(sol, x=np.asarray(ref_x, dtype=float), objective=objective, bound=bound,
                   gap=gap, status=status)  # fmt: skip


def solve_no_exchange(model: ExchangeModel) -> LPSolution:
    """Solve the reference without exchange (each municipality alone), proven to the cent.

    Not at the config's relative gap: every saving and side payment is measured from this
    reference, and at 1e-6 a reference of EUR 178,910.10 was reported where 178,910.00
    keeps every rule (a saving understated by 10 cents, with no status to say so).
    """
    return model.solve(*model.lp(exchange=False), relative_gap=0.0)


def build_result(
    model: ExchangeModel,
    sol: LPSolution,
    ref_x: np.ndarray | None,
    ref_message: str | None = None,
    *,
    shift: float | None = None,
) -> ExchangeResult:
    """Turn a full-length solution vector into an :class:`ExchangeResult`.

    A MIP stopped at its relative gap may end above the reference without exchange,
    which is a solution of the exchange model too (nothing moves): then the reference is
    the result, so the exchange never costs more than no exchange (a 10-cent "loss"
    where nothing could move made every side payment's guarantee fail).
    """
    assert sol.x is not None
    sol = _no_worse_than(model, sol, ref_x)
    x = sol.x
    assert x is not None
    b = model.blocks
    n, ng = model.n, model.n_groups
    cfg = model.config
    codes, names, groups = np.array(model.codes), np.array(model.names), np.array(model.groups)
    type_names = np.array(cfg.type_names)
    task = model.task

    xp = x[b.x]
    xp = np.where(np.abs(xp) < _TOL, 0.0, xp)
    placed = np.zeros((n, ng))
    np.add.at(placed, (model.e_muni[model.pair_e], model.pair_g), xp)
    n_r = len(model.r_from)
    s = x[b.s].reshape(n, n_r) if n_r else np.zeros((n, 0))
    s = np.where(np.abs(s) < _TOL, 0.0, s)
    sub_out = np.zeros((n, ng))
    sub_in = np.zeros((n, ng))
    for r in range(n_r):
        sub_out[:, model.r_from[r]] += s[:, r]
        sub_in[:, model.r_to[r]] += s[:, r] * model.r_rate[r]
    net = _clean((x[b.inflow] - x[b.outflow]).reshape(n, ng))
    unmet = _clean(x[b.unmet].reshape(n, ng))
    credited = placed - sub_out + sub_in

    pop = np.array([m.population for m in cfg.municipalities], dtype=float)
    per_k = np.where(pop > 0, 1000.0 / np.maximum(pop, 1), np.nan)
    exchange = pd.DataFrame(
        {
            "municipality_code": np.repeat(codes, ng),
            "municipality": np.repeat(names, ng),
            "group": np.tile(groups, n),
            "task": task.ravel(),
            "net_transfer": net.ravel(),
            "assigned": (task + net).ravel(),
            "placed": placed.ravel(),
            "substituted_out": sub_out.ravel(),
            "substituted_in": sub_in.ravel(),
            "credited": credited.ravel(),
            "unmet": unmet.ravel(),
            "task_per_1000": (task * per_k[:, None]).ravel(),
            "assigned_per_1000": ((task + net) * per_k[:, None]).ravel(),
        }
    )

    cost_ex_c = model.cost_cents_per_municipality(x)
    cost_ref_c = model.cost_cents_per_municipality(ref_x) if ref_x is not None else None
    cost_ex = cost_ex_c / 100.0
    cost_ref = cost_ref_c / 100.0 if cost_ref_c is not None else np.full(n, np.nan)
    moved_in = np.clip(net, 0, None).sum(axis=1)
    moved_out = np.clip(-net, 0, None).sum(axis=1)
    municipalities = pd.DataFrame(
        {
            "municipality_code": codes,
            "municipality": names,
            "population": pop.astype(np.int64),
            "cost_no_exchange": cost_ref,
            "cost_exchange": cost_ex,
            "cost_no_exchange_cents": pd.array(
                cost_ref_c if cost_ref_c is not None else [None] * n, dtype="Int64"
            ),
            "cost_exchange_cents": cost_ex_c,
            "cost_difference": (cost_ex_c - cost_ref_c) / 100.0
            if cost_ref_c is not None
            else np.full(n, np.nan),
            "places_taken_over": moved_in,
            "places_handed_over": moved_out,
        }
    )

    # placements per entry and group
    e_load = np.bincount(model.pair_e, weights=xp, minlength=len(model.e_muni))
    y = x[b.y]
    e_cost = np.bincount(model.step_e, weights=y * model.step_cost, minlength=len(model.e_muni))
    z_full = np.zeros(len(model.e_muni))
    z_full[model.z_e] = np.round(x[b.z])
    e_cost = e_cost + z_full * model.e_fixed
    pe = model.pair_e
    placements = pd.DataFrame(
        {
            "municipality_code": codes[model.e_muni[pe]],
            "municipality": names[model.e_muni[pe]],
            "housing_type": type_names[model.e_type[pe]],
            "group": groups[model.pair_g],
            "places": xp,
            "type_capacity": model.e_places[pe],
            "type_load": e_load[pe],
            "type_cost": e_cost[pe],
            "type_opened": (e_load[pe] > _TOL),
        }
    )
    if n_r:
        i_rep = np.repeat(np.arange(n), n_r)
        r_rep = np.tile(np.arange(n_r), n)
        substitutions = pd.DataFrame(
            {
                "municipality_code": codes[i_rep],
                "municipality": names[i_rep],
                "from_group": groups[model.r_from[r_rep]],
                "to_group": groups[model.r_to[r_rep]],
                "rate": model.r_rate[r_rep],
                "places": s.ravel(),
                "credited": s.ravel() * model.r_rate[r_rep],
            }
        )
        substitutions = substitutions[substitutions["places"] > _TOL].reset_index(drop=True)
    else:
        substitutions = pd.DataFrame(
            columns=[
                "municipality_code",
                "municipality",
                "from_group",
                "to_group",
                "rate",
                "places",
                "credited",
            ]
        )
    flows = decompose_flows(net, codes, names, groups)
    # money in whole cents: the region's totals are sums of the municipalities' cents
    no_ex = int(cost_ref_c.sum()) / 100.0 if cost_ref_c is not None else None
    objective = int(cost_ex_c.sum()) / 100.0
    bound = sol.bound if math.isfinite(sol.bound) else objective
    # the solver bound includes the tie-breaker; never report a bound above the cost
    bound = min(bound, objective)
    return ExchangeResult(
        status=sol.status,
        objective=objective,
        bound=bound,
        gap=sol.gap,
        no_exchange_cost=no_ex,
        no_exchange_message=ref_message,
        exchange=exchange,
        municipalities=municipalities,
        placements=placements,
        substitutions=substitutions,
        flows=flows,
        shift=shift,
        seconds=sol.seconds,
        solver=sol.solver,
        period=cfg.period.label,
    )


def _clean(a: np.ndarray) -> np.ndarray:
    return np.where(np.abs(a) < _TOL, 0.0, a)


def decompose_flows(
    net: np.ndarray,
    codes: np.ndarray,
    names: np.ndarray,
    groups: np.ndarray,
) -> pd.DataFrame:
    """Split net transfers per group into flows from givers to takers.

    Per group, municipalities that hand over (negative net transfer) are matched
    to municipalities that take over (positive), largest first, ties by code:
    a deterministic decomposition with at most ``givers + takers - 1`` flows
    per group. The net transfers do not fix who takes over from whom; this
    is one fair reading of them, for a map layer and for talks.

    Parameters
    ----------
    net
        ``(n, G)`` net transfers (taken over minus handed over).
    codes, names, groups
        Labels of the rows and columns.

    Returns
    -------
    DataFrame
        Columns ``group, from_code, from_name, to_code, to_name, places``.
    """
    recs: list[tuple[str, str, str, str, str, float]] = []
    for g in range(net.shape[1]):
        col = net[:, g]
        givers = [i for i in np.lexsort((codes, col)) if col[i] < -_TOL]
        takers = [i for i in np.lexsort((codes, -col)) if col[i] > _TOL]
        give = {i: -col[i] for i in givers}
        take = {i: col[i] for i in takers}
        gi = ti = 0
        while gi < len(givers) and ti < len(takers):
            a, b = givers[gi], takers[ti]
            amount = min(give[a], take[b])
            if amount > _TOL:
                recs.append(
                    (
                        str(groups[g]),
                        str(codes[a]),
                        str(names[a]),
                        str(codes[b]),
                        str(names[b]),
                        float(amount),
                    )
                )
            give[a] -= amount
            take[b] -= amount
            if give[a] <= _TOL:
                gi += 1
            if take[b] <= _TOL:
                ti += 1
    return pd.DataFrame(
        recs, columns=["group", "from_code", "from_name", "to_code", "to_name", "places"]
    )

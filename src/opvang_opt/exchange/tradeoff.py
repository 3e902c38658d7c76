"""Trade-off: savings as the allowed shift of tasks grows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opvang_opt.schema import ExchangeConfig

from .model import ExchangeModel
from .solve import build_result, solve_no_exchange


@dataclass(frozen=True, eq=False)
class TradeoffResult:
    """Savings and per-municipality results for each allowed shift.

    Attributes
    ----------
    summary
        One row per shift: status, gap, total cost, savings, savings as a share
        of the no-exchange cost, places moved.
    per_municipality
        One row per shift and municipality: cost, places taken over and handed over.
    no_exchange_cost
        The reference cost without exchange.
    """

    summary: pd.DataFrame
    per_municipality: pd.DataFrame
    no_exchange_cost: float | None


def default_shifts(config: ExchangeConfig) -> list[float]:
    """The shifts of the sweep: ``config.tradeoff.shifts``, or an even grid up to ``max_shift``."""
    t = config.tradeoff
    if t.shifts is not None:
        return sorted(set(float(s) for s in t.shifts))
    return [float(s) for s in np.round(np.linspace(0.0, t.max_shift, t.steps), 6)]


def tradeoff(
    config: ExchangeConfig,
    shifts: Sequence[float] | None = None,
    *,
    limit_intake: bool | None = None,
    model: ExchangeModel | None = None,
) -> TradeoffResult:
    """Sweep the allowed shift and report the savings at each setting.

    At shift ``s`` each municipality hands at most ``s`` times its own task per
    group to others (and, with ``limit_intake``, takes at most ``s`` times its
    task extra), on top of the scenario's own bounds. At ``s = 0`` nothing
    moves and the savings are 0; they cannot fall as ``s`` grows. A shift
    that is infeasible (e.g. because intake is too limited) is reported with
    status ``infeasible`` and empty figures, not raised.

    Parameters
    ----------
    config
        The exchange section.
    shifts
        Shares in [0, 1]; default :func:`default_shifts`.
    limit_intake
        Default ``config.tradeoff.limit_intake``.
    model
        Optional compiled model to reuse.

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, tradeoff
    >>> t = tradeoff(load_demo_config(), [0.0, 0.5])
    >>> float(t.summary["savings"].iloc[0])
    0.0
    """
    model = model or ExchangeModel.from_config(config)
    if limit_intake is None:
        limit_intake = config.tradeoff.limit_intake
    shifts = default_shifts(config) if shifts is None else sorted(float(s) for s in shifts)
    for s in shifts:
        if not 0.0 <= s <= 1.0:
            raise ValueError(f"shift {s} ligt niet tussen 0 en 1")
    ref = solve_no_exchange(model)
    ref_x = ref.x
    no_ex = (
        int(model.cost_cents_per_municipality(ref_x).sum()) / 100.0 if ref_x is not None else None
    )
    rows, per = [], []
    for s in shifts:
        sol = model.solve(*model.lp(shift=s, limit_intake=limit_intake))
        if sol.x is None:
            rows.append(
                {
                    "shift": s,
                    "status": sol.status.value,
                    "gap": np.nan,
                    "cost": np.nan,
                    "savings": np.nan,
                    "savings_share": np.nan,
                    "places_moved": np.nan,
                }
            )
            continue
        res = build_result(model, sol, ref_x, shift=s)
        savings = res.savings
        moved = float(res.municipalities["places_taken_over"].sum())
        rows.append(
            {
                "shift": s,
                "status": res.status.value,
                "gap": res.gap,
                "cost": res.objective,
                "savings": savings if savings is not None else np.nan,
                "savings_share": (savings / no_ex) if (savings is not None and no_ex) else np.nan,
                "places_moved": moved,
            }
        )
        m = res.municipalities
        per.append(
            pd.DataFrame(
                {
                    "shift": s,
                    "municipality_code": m["municipality_code"],
                    "municipality": m["municipality"],
                    "cost_no_exchange": m["cost_no_exchange"],
                    "cost_exchange": m["cost_exchange"],
                    "places_taken_over": m["places_taken_over"],
                    "places_handed_over": m["places_handed_over"],
                }
            )
        )
    per_df = (
        pd.concat(per, ignore_index=True)
        if per
        else pd.DataFrame(
            columns=[
                "shift",
                "municipality_code",
                "municipality",
                "cost_no_exchange",
                "cost_exchange",
                "places_taken_over",
                "places_handed_over",
            ]
        )
    )
    return TradeoffResult(pd.DataFrame(rows), per_df, no_ex)


__all__ = ["TradeoffResult", "default_shifts", "tradeoff"]

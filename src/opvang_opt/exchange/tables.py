"""Output tables, comparison of proposals, and small edits of a config (for notebooks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from opvang_opt.schema import ExchangeConfig

from .fairness import SidePayments
from .solve import ExchangeResult
from .tradeoff import TradeoffResult

EXCHANGE_COLUMNS = [
    "municipality_code",
    "municipality",
    "group",
    "task",
    "placed",
    "substituted_out",
    "substituted_in",
    "credited",
    "unmet",
    "net_transfer",
    "assigned",
    "task_per_1000",
    "assigned_per_1000",
]
SIDE_PAYMENT_COLUMNS = [
    "municipality_code",
    "municipality",
    "cost_no_exchange",
    "cost_exchange",
    "shapley_saving",
    "shapley_std_error",
    "payment",
    "cost_after_payment",
    "saving_after_payment",
    "individually_rational",
    "places_taken_over",
    "places_handed_over",
    "payment_per_place_moved",
    "method",
    "payment_cents",
]
TRADEOFF_COLUMNS = [
    "shift",
    "municipality_code",
    "municipality",
    "status",
    "gap",
    "cost_region",
    "savings_region",
    "savings_share_region",
    "cost_no_exchange",
    "cost_exchange",
    "places_taken_over",
    "places_handed_over",
]


def output_tables(
    result: ExchangeResult,
    payments: SidePayments | None = None,
    trade: TradeoffResult | None = None,
) -> dict[str, pd.DataFrame]:
    """Return the output tables keyed by file name, for the outputs module to write.

    Parameters
    ----------
    result
        The exchange (``exchange.csv``, plus ``exchange_flows.csv`` for the map layer).
    payments
        Side payments (``side_payments.csv``, ``side_payments_reference.csv``).
    trade
        The trade-off sweep (``tradeoff_exchange.csv``: one row per shift and
        municipality, with the region's totals repeated on each row).

    Returns
    -------
    dict
        ``{"exchange.csv": df, "side_payments.csv": df, "tradeoff_exchange.csv": df, ...}``
        (only the tables whose input was given).
    """
    out: dict[str, pd.DataFrame] = {
        "exchange.csv": result.exchange[EXCHANGE_COLUMNS].copy(),
        "exchange_flows.csv": result.flows.copy(),
    }
    if payments is not None:
        out["side_payments.csv"] = payments.table[SIDE_PAYMENT_COLUMNS].copy()
        out["side_payments_reference.csv"] = payments.references.copy()
    if trade is not None:
        s = trade.summary.rename(
            columns={
                "cost": "cost_region",
                "savings": "savings_region",
                "savings_share": "savings_share_region",
            }
        )
        merged = trade.per_municipality.merge(
            s[["shift", "status", "gap", "cost_region", "savings_region", "savings_share_region"]],
            on="shift",
            how="right",
        )
        out["tradeoff_exchange.csv"] = merged[TRADEOFF_COLUMNS].reset_index(drop=True)
    return out


def compare_proposals(
    proposals: Mapping[str, ExchangeResult | SidePayments],
) -> pd.DataFrame:
    """Compare proposals side by side, one column block per proposal.

    Parameters
    ----------
    proposals
        ``{"label": result}`` where each result is an :class:`ExchangeResult`
        or :class:`SidePayments` (then the payments are included).

    Returns
    -------
    DataFrame
        Index: ``region`` and each municipality; columns: per proposal, the cost
        with exchange, places taken over and handed over, and (with payments) the
        payment and cost after payment.

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, solve_exchange, compare_proposals
    >>> cfg = load_demo_config()
    >>> df = compare_proposals({"A": solve_exchange(cfg), "B": solve_exchange(cfg, shift=0.1)})
    >>> list(df.columns.get_level_values(0).unique())
    ['A', 'B']
    """
    blocks = {}
    for label, res in proposals.items():
        pay = res if isinstance(res, SidePayments) else None
        ex = res.exchange if isinstance(res, SidePayments) else res
        m = ex.municipalities.set_index("municipality")
        df = pd.DataFrame(
            {
                "kosten_zonder_uitruil": m["cost_no_exchange"],
                "kosten_met_uitruil": m["cost_exchange"],
                "overgenomen": m["places_taken_over"],
                "overgedragen": m["places_handed_over"],
            }
        )
        if pay is not None:
            t = pay.table.set_index("municipality")
            df["betaling"] = t["payment"]
            df["kosten_na_betaling"] = t["cost_after_payment"]
        region = df.sum(numeric_only=True).to_frame("regio").T
        blocks[label] = pd.concat([region, df])
    return pd.concat(blocks, axis=1)


# ------------------------------------------------------------- config edits
def _replace(config: ExchangeConfig, **changes: Any) -> ExchangeConfig:
    """Return a validated copy of ``config`` with top-level fields replaced."""
    data = config.model_dump()
    data.update(changes)
    return ExchangeConfig.model_validate(data)


def with_task(
    config: ExchangeConfig, municipality: str, group: str, places: float
) -> ExchangeConfig:
    """Return a copy with the task of ``municipality`` for ``group`` set to ``places``.

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, with_task
    >>> with_task(load_demo_config(), "GM0384", "asielzoekers", 200).task("GM0384", "asielzoekers")
    200.0
    """
    tasks = {c: dict(v) for c, v in config.model_dump()["tasks"].items()}
    tasks.setdefault(municipality, {})[group] = places
    return _replace(config, tasks=tasks)


def with_capacity(
    config: ExchangeConfig, municipality: str, housing_type: str, places: float, **costs: Any
) -> ExchangeConfig:
    """Return a copy with the capacity of a housing type in a municipality set (or added).

    Extra keyword arguments (``cost_per_place``, ``cost_steps``, ``fixed_cost``)
    set the entry's own costs.
    """
    cap = config.model_dump()["capacity"]
    for e in cap:
        if e["municipality"] == municipality and e["type"] == housing_type:
            e["places"] = places
            e.update(costs)
            break
    else:
        cap.append({"municipality": municipality, "type": housing_type, "places": places, **costs})
    return _replace(config, capacity=cap)


def with_bound(
    config: ExchangeConfig, municipality: str, group: str | None = None, **bounds: Any
) -> ExchangeConfig:
    """Return a copy with bounds for a municipality (and group) set.

    Keyword arguments: ``min_keep_share``, ``max_extra``, ``max_extra_share``.
    """
    b = config.model_dump()["bounds"]
    for o in b["overrides"]:
        if o["municipality"] == municipality and o.get("group") == group:
            o.update(bounds)
            break
    else:
        b["overrides"].append({"municipality": municipality, "group": group, **bounds})
    return _replace(config, bounds=b)

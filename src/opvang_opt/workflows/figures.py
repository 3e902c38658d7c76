"""The figures a workflow reads off a run: shortlist ids, siting, allocation and exchange.

Shared by the comparison (:mod:`.compare`) and the sweep (:mod:`.sweep_run`), so both read
a run the same way. Plain values only (text, numbers, booleans), ready for a table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opvang_opt.allocation.stage import AllocationRun
    from opvang_opt.exchange import ExchangeRun
    from opvang_opt.pipeline import RunResult

FigureValue = str | int | float | bool | None
"""One result figure: what a cell of ``compare.csv`` holds."""

SITING_FIGURES = (
    "n_sites", "n_excluded", "n_eligible", "n_shortlisted", "capacity_selected", "target",
    "target_unit", "target_met", "shortfall", "total_value", "total_cost", "solver_status",
)  # fmt: skip
"""The keys of the siting summary that are compared."""


def round_money(value: float | None) -> float | None:
    """An amount in euros rounded to cents (``None`` stays ``None``)."""
    return None if value is None else round(float(value), 2)


def shortlist_ids(result: RunResult) -> list[str]:
    """The ids of the shortlisted sites, in shortlist order, as text."""
    chosen = result.siting.shortlist
    return [str(i) for i in chosen.iloc[:, 0]] if len(chosen) else []


def result_figures(result: RunResult) -> dict[str, FigureValue]:
    """The result figures that are compared, keyed as in ``compare.csv``.

    Siting summary, the shortlist ids, the exclusions per rule, the allocation's quality
    (when the run has one) and the exchange outcome with each municipality's payment.

    Parameters
    ----------
    result
        A finished run.

    Returns
    -------
    dict
        ``siting.*``, ``allocation.*`` and ``exchange.*`` keys, in that order.
    """
    out = {f"siting.{key}": value for key, value in siting_figures(result).items()}
    out["siting.shortlist"] = "; ".join(shortlist_ids(result))
    for rule, n in result.siting.summary.excluded_by_rule.items():
        out[f"siting.excluded_by.{rule}"] = n
    if result.allocation is not None:
        out.update(allocation_figures(result.allocation))
    if result.exchange is not None:
        out.update(exchange_figures(result.exchange))
    return out


def siting_figures(result: RunResult) -> dict[str, FigureValue]:
    """The siting summary's figures of :data:`SITING_FIGURES` (the solver status as text)."""
    summary = result.siting.summary.as_dict()
    return {key: summary[key] for key in SITING_FIGURES}


def allocation_figures(alloc: AllocationRun) -> dict[str, FigureValue]:
    """The allocation's quality figures (aggregates only), against the baseline.

    Parameters
    ----------
    alloc
        The allocation stage's result.

    Returns
    -------
    dict
        ``allocation.status``, ``placed``, ``unplaced``, ``objective``, ``gap``,
        ``violations``, ``components.*`` and the first-come-first-served baseline's
        ``baseline_placed``, ``baseline_violations`` and ``baseline_objective``.
    """
    res = alloc.result
    comparison = alloc.comparison
    out: dict[str, FigureValue] = {
        "allocation.status": res.status.value,
        "allocation.placed": len(res.assignments),
        "allocation.unplaced": len(res.unplaced),
        "allocation.objective": round(res.objective, 6),
        "allocation.gap": round(res.gap, 8),
        "allocation.violations": len(res.violations),
    }
    for key, value in res.components.as_dict().items():
        out[f"allocation.components.{key}"] = round(value, 6)
    out["allocation.baseline_placed"] = comparison.baseline_placed
    out["allocation.baseline_violations"] = comparison.baseline_violations
    table = comparison.components
    if "baseline" in table.columns and "total" in table.index:
        out["allocation.baseline_objective"] = round(float(table.loc["total", "baseline"]), 6)
    return out


def exchange_figures(ex: ExchangeRun) -> dict[str, FigureValue]:
    """The exchange outcome: status, cost with and without exchange, savings, payments.

    Amounts in euros, rounded to cents; one ``exchange.payment.<code>`` per municipality.
    An exchange without a solution (infeasible, no solution) has its status only.
    """
    res = ex.result
    if res is None:
        return {"exchange.status": ex.status.value}
    out: dict[str, FigureValue] = {
        "exchange.status": res.status.value,
        "exchange.cost": round_money(res.objective),
        "exchange.no_exchange_cost": round_money(res.no_exchange_cost),
        "exchange.savings": round_money(res.savings),
    }
    table = ex.payments.table if ex.payments is not None else None
    if table is not None and "payment" in table:
        for code, pay in zip(table["municipality_code"], table["payment"], strict=True):
            out[f"exchange.payment.{code}"] = round_money(pay)
    return out

"""Outputs of the services check: CSV tables, the chart, the report section and the map layer.

Council exports show counts of children, registrations and places needed from 1 to 4 as
``<5`` (the demand and the shortfalls describe groups of people); the analyst profile shows
exact numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd

from opvang_opt.outputs.privacy import (
    MIN_COUNT,
    SECONDARY,
    SMALL,
    Profile,
    show_count,
    suppress_row,
)
from opvang_opt.services.stage import UNKNOWN_AREA, area_named
from opvang_opt.texts import Lang, Message, render, t

COUNT_COLUMNS = ("demand", "placed_now", "short_now", "placed_after", "short_after")
"""Columns that count people (suppressed below 5 for the council)."""

SERVICE_TYPES_NAMED = ("taalklas", "isk", "gp", "youth_care")
"""Types with a name in the text catalogue (``services.type.<type>``)."""


def type_name(kind: str, lang: Lang = "nl") -> str:
    """The readable name of a service type in ``lang`` (the code itself when unknown)."""
    return t(f"services.type.{kind}", lang) if kind in SERVICE_TYPES_NAMED else kind


ANALYST_ONLY = ("services.csv",)
"""Tables written for the analyst profile only. The per-site table's rows add up to the
bottleneck table's area totals, and each table is suppressed on its own: an area's total
less the shown sites gave a site's hidden count of children (1-4) back (demo, ISK
2026-H1: 16 short in Diemen, 14 at one site and 0 at another, so 2 at the third). The
council reads the bottlenecks per area, the expansion plan and the chart."""


def services_csv_tables(run: Any, profile: Profile) -> dict[str, pd.DataFrame]:
    """The CSV tables, with counts below 5 suppressed for the council profile (which gets
    no per-site table: :data:`ANALYST_ONLY`)."""
    out = {}
    for name, table in run.tables().items():
        if profile == "council" and name in ANALYST_ONLY:
            continue
        out[name] = suppress(table, profile)
    return out


SUM_ROWS = (("demand", ("placed_now", "short_now")), ("demand", ("placed_after", "short_after")))
"""Counts that add up in each row (``services.csv``): placed + short = demand."""

PEOPLE = ("demand", "short_now", "short_after")
"""The bottleneck table's counts of people (children, registrations)."""

REACH = (("short_now", "places_in_reach_now"), ("short_after", "places_in_reach_after"))
"""Each shortfall with the places within reach it is measured against."""


def suppress(table: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Counts of people 1-4 as ``<5`` for the council (places and money stay exact).

    A suppressed count that the other published numbers give back is protected by hiding
    more numbers as ``x`` (secondary suppression). In ``services.csv`` placed + short =
    demand (see :func:`~opvang_opt.outputs.privacy.suppress_row`). In the bottleneck table
    see :func:`suppress_bottleneck_row`.
    """
    if profile != "council":
        return table
    df = table.copy()
    if all(c in table.columns for c in (*PEOPLE, *(p for _, p in REACH))):
        return _suppress_bottlenecks(table, df)
    for col in COUNT_COLUMNS:
        if col in df.columns:
            df[col] = [show_count(v, profile) for v in df[col]]
    pairs = [(t, p) for t, p in SUM_ROWS if t in df.columns and all(c in df.columns for c in p)]
    for i in range(len(df)):
        hide_total = False
        for total, parts in pairs:
            values = [table[c].iloc[i] for c in parts]
            shown, _ = suppress_row(values, table[total].iloc[i])
            for c, v in zip(parts, shown, strict=True):
                df.iloc[i, df.columns.get_loc(c)] = v
            # both parts <5 and adding up to 8: each is 4, whatever is hidden: hide the total
            if shown == [SMALL, SMALL] and sum(float(v) for v in values) == 2 * (MIN_COUNT - 1):
                hide_total = True
        if hide_total:
            df.iloc[i, df.columns.get_loc(pairs[0][0])] = SECONDARY
            for _, parts in pairs:  # a pair shown in full would give the total back
                if not any(df[c].iloc[i] in (SMALL, SECONDARY) for c in parts):
                    for c in parts:
                        if df[c].iloc[i] != "0":
                            df.iloc[i, df.columns.get_loc(c)] = SECONDARY
    return df


def _suppress_bottlenecks(table: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """The bottleneck table for the council: :func:`suppress_bottleneck_row` per row."""
    for c in PEOPLE:
        df[c] = df[c].astype(object)
    cols = [df.columns.get_loc(c) for c in PEOPLE]
    for i in range(len(table)):
        d, sn, sa = (int(table[c].iloc[i]) for c in PEOPLE)
        pn, pa = (int(table[p].iloc[i]) for _, p in REACH)
        for col, v in zip(cols, suppress_bottleneck_row(d, sn, sa, pn, pa), strict=True):
            df.iloc[i, col] = v
    return df


def suppress_bottleneck_row(
    demand: int, short_now: int, short_after: int, places_now: int, places_after: int
) -> tuple[str, str, str]:
    """One row of the bottleneck table as the council sees it: demand, short now, short
    after (the places within reach are shown as they are).

    The places within reach are facts about schools and care providers, not about people,
    and they are public anyway: the map lists every provider with its places now and added,
    and ``services_expansions.csv`` the places added per period. So hiding them protects
    nothing (the tenth audit hid them as ``x`` in every period, and 31 - 15 = 16 places from
    the expansion table still gave back a taalklas shortfall of 17 - 16 = 1). A reader who
    knows them can have, for each shortfall ``S`` with places ``P`` and demand ``D``:
    ``max(0, D - P) <= S <= D``, and ``S = max(0, D - P)`` when all of the area's demand
    competes for those places alone (the worst case, assumed here whenever it holds).

    The rule: a row without a count of 1-4 is shown in full. In a row with one, every
    non-zero count of people is hidden (1-4 as ``<5``, 5 or more as ``x``): the demand
    then no longer pins a shortfall through the places. The row is then checked against
    that reader (:func:`row_pins_a_small_count`: each count 1-4 must keep at least two
    possible values); where the public places and a zero still pin one (e.g. 16 places
    now, 17 after, nobody short after: a shortfall now of at most 1), all three are shown
    as ``x``, which then stands for any number, and the row says nothing but its places.

    Rows do not constrain one another: the places are public and exact, demand has no
    published relation across periods or areas, and the totals that would add rows up
    (the run's total shortfall, the chart's regional bars, the diagnosis lines) follow
    this table in the council's outputs (:func:`council_summary`, :func:`chart_png`,
    :func:`report_section`). So a check per row is a check of the whole table.

    Examples
    --------
    >>> suppress_bottleneck_row(68, 52, 7, 16, 61)
    ('68', '52', '7')
    >>> suppress_bottleneck_row(17, 1, 0, 16, 31)
    ('x', '<5', '0')
    >>> suppress_bottleneck_row(17, 1, 0, 16, 17)
    ('x', 'x', 'x')
    """
    true = (demand, short_now, short_after)
    shown = (show_count(demand), show_count(short_now), show_count(short_after))
    if SMALL not in shown:
        return shown

    def hide(v: int) -> str:
        return SMALL if 0 < v < MIN_COUNT else SECONDARY if v else "0"

    hidden = (hide(demand), hide(short_now), hide(short_after))
    if not row_pins_a_small_count(hidden, true, places_now, places_after):
        return hidden
    return (SECONDARY, SECONDARY, SECONDARY)


def row_pins_a_small_count(
    shown: Sequence[str], true: Sequence[int], places_now: int, places_after: int
) -> bool:
    """Whether a reader of a bottleneck row pins a count of 1-4 to one value.

    The reader knows the places within reach and the relations of
    :func:`suppress_bottleneck_row` (with ``S = max(0, D - P)`` where it holds in ``true``);
    ``<5`` is 1-4, a number is itself, and ``x`` is 5 or more, or any number when the whole
    row is ``x``; a listed row has a demand of at least 1. Enumerated over every demand up
    to 10 above the largest number in the row: a shortfall is bounded by it, and a demand
    not bounded by the row keeps every count beyond the bound free.
    """
    d0, sn0, sa0 = true
    all_x = all(s == SECONDARY for s in shown)
    bound = max(d0, places_now, places_after) + 10

    def allowed(s: str, lo: int, hi: int) -> range:
        if s == SMALL:
            lo, hi = max(lo, 1), min(hi, MIN_COUNT - 1)
        elif s == SECONDARY:
            lo = lo if all_x else max(lo, MIN_COUNT)
        else:
            lo, hi = max(lo, int(s)), min(hi, int(s))
        return range(lo, hi + 1)

    exact = [sn0 == max(0, d0 - places_now), sa0 == max(0, d0 - places_after)]
    seen: list[set[int]] = [set(), set(), set()]
    for d in allowed(shown[0], 1, bound):
        options = []
        for k, places in enumerate((places_now, places_after)):
            low = max(0, d - places)
            values = allowed(shown[k + 1], low, low if exact[k] else d)
            options.append(values)
        if all(len(v) for v in options):
            seen[0].add(d)
            for k in (0, 1):  # two values are enough to know a count is not pinned
                seen[k + 1].update(options[k][:2])
    return any(0 < v < MIN_COUNT and len(seen[k]) < 2 for k, v in enumerate(true))


def chart_bars(run: Any, kind: str, profile: Profile = "council") -> tuple[list, list]:
    """The chart's bars for ``kind``: demand and shortfall now per period, the region's
    total over the bottleneck table's areas. For the council a period's bar is left out
    (``None``) when the council's table hides one of the numbers it adds up: a regional
    total less the areas shown would give a hidden count back."""
    table = run.tables()["services_bottlenecks.csv"]
    table = table[table["type"] == kind]
    shown = suppress(table, profile).astype(str)
    dem: list[int | None] = []
    short: list[int | None] = []
    for label in run.result.instance.periods:
        at = (table["period"] == label).to_numpy()
        for out, col in ((dem, "demand"), (short, "short_now")):
            ok = all(v.isdigit() for v in shown.loc[at, col])
            out.append(int(table.loc[at, col].sum()) if ok else None)
    return dem, short


def chart_png(run: Any, lang: Lang = "nl", profile: Profile = "council") -> bytes:
    """A PNG chart per newcomer type: demand, places within reach now and after the
    expansion, per period (region total); for the council without the bars that would
    give a hidden count back (:func:`chart_bars`), with a note where one is left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = run.result
    inst = r.instance
    kinds = [k for k in inst.types if k in ("taalklas", "isk")] or list(inst.types)[:1]
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 3.4), squeeze=False)
    x = range(inst.n_periods)
    cap_after = r.expansion.capacity(inst.providers)
    left_out = False
    for ax, kind in zip(axes[0], kinds, strict=True):
        idx = inst.providers.of_type(kind)
        dem_bars, short_bars = chart_bars(run, kind, profile)
        left_out |= None in dem_bars or None in short_bars
        dem = [float("nan") if v is None else v for v in dem_bars]
        short = [float("nan") if v is None else v for v in short_bars]
        now = [int(inst.providers.capacity[idx][~inst.providers.facility[idx]].sum())] * len(x)
        after = cap_after[idx].sum(axis=0)
        ax.bar(x, dem, color="#9ecae1", label=t("services.chart_demand", lang))
        ax.bar(x, short, color="#de2d26", label=t("services.chart_short_now", lang))
        ax.step(x, now, where="mid", color="#333", label=t("services.chart_places_now", lang))
        ax.step(x, after, where="mid", color="#31a354", linestyle="--",
                label=t("services.chart_after", lang))  # fmt: skip
        ax.set_title(type_name(kind, lang), fontsize=10)
        ax.set_xticks(list(x), list(inst.periods), rotation=45, fontsize=7)
        ax.legend(fontsize=7)
    fig.suptitle(t("services.chart", lang), fontsize=11)
    if left_out:
        fig.text(0.5, 0.005, t("services.chart_hidden", lang), ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.04 if left_out else 0, 1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def report_section(
    run: Any | None, lang: Lang, profile: Profile, names: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Plain values for the report's and the memo's Voorzieningen section (escaped by the
    template); ``names`` shows an area code (``GM0384``) as its municipality's name."""
    if run is None:
        return None
    import base64

    r = run.result
    bott = suppress(run.tables()["services_bottlenecks.csv"], profile)
    bott = bott[(bott["short_now"] != "0") & (bott["short_now"] != 0)]
    bott = bott.assign(type=[type_name(k, lang) for k in bott["type"]])
    # the area of sites in no known municipality or wijk, in the reader's language
    names = {**(names or {}), UNKNOWN_AREA: t("services.area_unknown", lang)}
    bott = bott.assign(area=[names.get(str(a), a) for a in bott["area"]])
    exp = run.tables()["services_expansions.csv"]
    summ = run.summary(lang)
    # "infeasible" beside a cost reads as if the expansion could not be made: it is made,
    # and some shortfalls remain (the diagnosis below names them)
    status = f"status.{summ['status']}"
    if summ["status"] == "infeasible":
        status = "services.status_short"
    cost = t("services.cost_eur", lang, cost=r.cost["total"] / 100)
    return {
        "title": t("services.title", lang),
        "intro": t("services.intro", lang),
        "status": t(status, lang),
        "privacy": t("services.privacy_note", lang) if profile == "council" else "",
        "cost_label": t("services.cost", lang),
        "cost": cost,
        "bottlenecks_label": t("services.bottlenecks", lang),
        "bottlenecks": bott,
        "expansions_label": t("services.expansions", lang),
        "expansions": exp,
        "diagnosis_label": t("services.diagnosis", lang),
        "diagnosis": [
            render(_named(m, names), lang)
            for m in (
                council_shortfalls(run)
                if profile == "council"
                else [s.message for s in r.diagnosis.shortfalls]
            )
        ],
        "png": base64.b64encode(chart_png(run, lang, profile)).decode("ascii"),
        "chart_label": t("services.chart", lang),
        "sources": sorted({p.source for p in run.extra.get("profiles", ())}),
    }


def merge_period_runs(
    df: pd.DataFrame, periods: Sequence[str], lang: Lang, totals: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per run of consecutive periods whose other values are the same, its period
    written as a range (``2027-H1 t/m 2035-H2``); the ``totals`` columns (money) are
    added up over the run and take no part in the comparison. For the memo, where twenty
    identical half-year rows would fill pages; the CSV files keep a row per period.
    """
    if df.empty or "period" not in df.columns:
        return df
    order = {p: i for i, p in enumerate(periods)}
    keys = [c for c in df.columns if c != "period" and c not in totals]
    runs: list[dict[str, Any]] = []
    last: dict[tuple[str, ...], tuple[int, int]] = {}  # key -> (run index, its last period)
    for rec in df.to_dict("records"):
        key = tuple(str(rec[c]) for c in keys)
        at = order.get(str(rec["period"]))
        prev = last.get(key)
        if at is not None and prev is not None and prev[1] == at - 1:
            run = runs[prev[0]]
            run["_last"] = rec["period"]
            for c in totals:
                run[c] = run[c] + rec[c]
            last[key] = (prev[0], at)
            continue
        runs.append({**rec, "_last": rec["period"]})
        if at is not None:
            last[key] = (len(runs) - 1, at)
    for run in runs:
        first, end = run["period"], run.pop("_last")
        if end != first:
            run["period"] = t("stage.services.period_range", lang, first=first, last=end)
    return pd.DataFrame(runs, columns=df.columns)


def _named(message: Any, names: dict[str, str] | None) -> Any:
    """A diagnosis message with its area code shown as the municipality's name."""
    params = getattr(message, "params", None)
    if not names or not params or str(params.get("area")) not in names:
        return message
    return Message(message.code, {**params, "area": names[str(params["area"])]})


def council_shortfalls(run: Any) -> list[Any]:
    """The diagnosis lines (catalogue messages) with their counts as the council's bottleneck
    table shows them: a shortfall of 1-4 as ``<5`` and the demand beside it as the table
    shows it for those periods, never a number beside a ``<5`` (demand less the places
    within reach after every allowed expansion, public in the scenario, would give the
    shortfall back)."""
    table = run.tables()["services_bottlenecks.csv"]
    shown = suppress(table, "council")
    out = []
    for s in run.result.diagnosis.shortfalls:
        params = dict(getattr(s.message, "params", {}) or {})
        if "short" not in params or "demand" not in params:
            out.append(s.message)
            continue
        period = params.get("period")
        first = last = str(period)
        if isinstance(period, Message):
            first, last = str(period.params["first"]), str(period.params["last"])
        kind = s.rule.removeprefix("services_")
        periods = list(table["period"].astype(str))
        rows = (table["area"].astype(str) == str(params["area"])) & (table["type"] == kind)
        if first in periods and last in periods:
            inside = [periods.index(first) <= i <= periods.index(last) for i in range(len(table))]
            rows &= pd.Series(inside, index=table.index)  # the bottleneck rows of the line
        short = show_count(params["short"])
        demand = {str(v) for v in shown.loc[rows, "demand"]}
        demand_txt = demand.pop() if len(demand) == 1 else SECONDARY
        if short == SMALL and demand_txt not in (SMALL, SECONDARY):
            demand_txt = SECONDARY
        if not rows.any():
            demand_txt = SECONDARY if short == SMALL else show_count(params["demand"])
        out.append(Message(s.message.code, {**params, "short": short, "demand": demand_txt}))
    return out


def council_summary(run: Any, lang: Lang = "nl") -> dict[str, Any]:
    """The services summary for ``run.json`` in the council's folder: without the total
    shortfalls before and after the expansion (their sum over the bottleneck table's rows,
    less the rows shown, would give the hidden counts back) and with the diagnosis as
    :func:`council_shortfalls` shows it. The analyst profile keeps
    :meth:`~opvang_opt.services.stage.ServicesRun.summary` whole."""
    summ = run.summary(lang)
    for key in ("short_before", "short_after"):
        summ.pop(key, None)
    summ["diagnosis"] = [render(area_named(m), lang) for m in council_shortfalls(run)]
    return summ


def provider_layer(run: Any) -> list[dict[str, Any]]:
    """Providers for the map: id, name, type, places now and added, x/y in RD New."""
    r = run.result
    p = r.instance.providers
    cap_after = r.expansion.capacity(p)
    out = []
    for j in range(p.n):
        added = int(cap_after[j].max()) - (0 if p.facility[j] else int(p.capacity[j]))
        if p.facility[j] and added == 0:
            continue  # a candidate facility not opened is not drawn
        out.append({"id": p.ids[j], "name": p.names[j], "type": p.type[j],
                    "places": 0 if p.facility[j] else int(p.capacity[j]), "added": added,
                    "x": float(p.x[j]), "y": float(p.y[j])})  # fmt: skip
    return out

"""Council outputs, eleventh audit: can a reader pin a hidden count by the published numbers?

The reader is modelled independently of the suppression code: an integer program (HiGHS
through ``scipy.optimize.milp``) over every number of the services bottlenecks that the
council's folder publishes (the CSV, the diagnosis lines and the totals in ``run.json``),
with the relations a reader has: the places within reach are public (the map lists each
provider's places), a shortfall lies between demand less places and the demand, and, in
the worst case, equals demand less places wherever it does in the exact table. For each
hidden count of 1-4 the program finds the smallest and the largest value it can take:
they must differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from opvang_opt.outputs.privacy import SECONDARY, SMALL
from opvang_opt.outputs.services import chart_bars, suppress, suppress_bottleneck_row
from opvang_opt.texts import t

PEOPLE = ("demand", "short_now", "short_after")
PLACES = ("places_in_reach_now", "places_in_reach_after")
BIG = 10_000


class Reader:
    """Integer variables (demand, short now, short after) per bottleneck row, and the
    linear relations a reader of the published numbers has about them. Where a shortfall
    is demand less places or nothing (``S = max(0, D - P)``) in the exact table, the reader
    is assumed to know that relation (not which branch holds): a binary ``b`` per such
    shortfall chooses ``S = D - P`` (``b = 1``) or ``S = 0 >= D - P`` (``b = 0``)."""

    def __init__(
        self, shown: pd.DataFrame | None = None, exact: pd.DataFrame | None = None
    ) -> None:
        shown = pd.DataFrame(columns=[*PEOPLE, *PLACES]) if shown is None else shown
        exact = shown if exact is None else exact
        n = len(shown)
        self.n = n
        self.lo = [0.0] * (3 * n)
        self.hi = [float(BIG)] * (3 * n)
        self.rows: list[tuple[dict[int, float], float, float]] = []
        for i in range(n):
            cells = [str(shown[c].iloc[i]) for c in PEOPLE]
            all_x = all(c == SECONDARY for c in cells)
            for k, c in enumerate(cells):
                j = 3 * i + k
                if c == SMALL:
                    self.lo[j], self.hi[j] = 1, 4
                elif c == SECONDARY:
                    self.lo[j] = 0 if all_x else 5
                else:
                    self.lo[j] = self.hi[j] = float(c)
            self.lo[3 * i] = max(self.lo[3 * i], 1)  # a listed row has some demand
            d = int(exact["demand"].iloc[i])
            for k, places in ((1, PLACES[0]), (2, PLACES[1])):
                p = float(shown[places].iloc[i])  # the places are shown as numbers
                s, j = int(exact[PEOPLE[k]].iloc[i]), 3 * i + k
                self.add({j: 1, 3 * i: -1}, -p, np.inf)  # s >= d - p
                self.add({j: 1, 3 * i: -1}, -np.inf, 0)  # s <= d
                if s == max(0, d - p):  # s = max(0, d - p): a binary picks the branch
                    b = self.var(0, 1)  # integer in 0-1: a binary
                    self.add({j: 1, 3 * i: -1, b: BIG}, -np.inf, BIG - p)  # b=1: s <= d-p
                    self.add({j: 1, b: -BIG}, -np.inf, 0)  # b=0: s <= 0

    def var(self, lo: float, hi: float) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        return len(self.lo) - 1

    def add(self, coef: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((coef, lo, hi))

    def span(self, j: int) -> tuple[int, int]:
        """The smallest and largest value variable ``j`` can take."""
        m = len(self.lo)
        a = np.zeros((len(self.rows), m))
        for r, (coef, _, _) in enumerate(self.rows):
            for v, x in coef.items():
                a[r, v] += x
        cons = LinearConstraint(a, [r[1] for r in self.rows], [r[2] for r in self.rows])
        out = []
        for sign in (1, -1):
            c = np.zeros(m)
            c[j] = sign
            res = milp(c, constraints=cons, integrality=np.ones(m),
                       bounds=Bounds(self.lo, self.hi))  # fmt: skip
            assert res.status == 0, res.message  # the truth is feasible
            out.append(round(sign * res.fun))
        return out[0], out[1]


def _diagnosis_lines(lines: list[str], reader: Reader, exact: pd.DataFrame) -> int:
    """Add what each diagnosis line says ("<period(s)>, <area>: <k> van <d> <type> ...") to
    the reader: the shortfall after expansion and the demand in those periods."""
    periods = list(dict.fromkeys(exact["period"]))
    names = {t(f"services.type.{k}", "nl"): k for k in ("taalklas", "isk", "youth_care", "gp")}
    names.update({"taalklas": "taalklas", "ISK": "isk", "jeugdzorg": "youth_care"})
    used = 0
    for line in lines:
        m = re.match(r"(\S+)(?: t/m (\S+))?, (\S+): (\S+) van (\S+) (.*)", line)
        assert m, line
        first, last, area, k, d, rest = m.groups()
        kind = next(v for name, v in names.items() if name in rest)
        span = periods[periods.index(first) : periods.index(last or first) + 1]
        rows = exact.index[(exact["area"] == area) & (exact["type"] == kind)
                           & exact["period"].isin(span)]  # fmt: skip
        for i in rows:
            if k.isdigit() and int(exact["short_after"].iloc[i]) == int(k):
                reader.lo[3 * i + 2] = reader.hi[3 * i + 2] = int(k)
                used += 1
            if d.isdigit():
                reader.lo[3 * i] = reader.hi[3 * i] = int(d)
                used += 1
    return used


def _small_cells(exact: pd.DataFrame) -> list[tuple[int, int]]:
    return [(i, k) for i in range(len(exact)) for k, c in enumerate(PEOPLE)
            if 1 <= int(exact[c].iloc[i]) <= 4]  # fmt: skip


def _reader_of(folder: Path, exact: pd.DataFrame) -> Reader:
    shown = pd.read_csv(folder / "services_bottlenecks.csv", dtype=str)
    assert list(shown["period"]) == list(exact["period"])  # the same rows, the same order
    reader = Reader(shown, exact)
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    services = info["services"]
    for key, k in (("short_before", 1), ("short_after", 2)):
        if key in services:  # a total over every row
            total = {3 * i + k: 1.0 for i in range(len(exact))}
            reader.add(total, services[key], services[key])
    _diagnosis_lines(services["diagnosis"], reader, exact)
    return reader


def test_no_hidden_services_count_is_pinned_by_the_council_folder(
    council_dir: Path, demo_result
) -> None:
    exact = demo_result.services.tables()["services_bottlenecks.csv"]
    reader = _reader_of(council_dir, exact)
    cells = _small_cells(exact)
    assert len(cells) >= 38  # taalklas 2027-2035 short now, youth care short now and after
    pinned = []
    for i, k in cells:
        lo, hi = reader.span(3 * i + k)
        assert lo <= int(exact[PEOPLE[k]].iloc[i]) <= hi
        if lo == hi:
            pinned.append((exact["period"].iloc[i], exact["type"].iloc[i], PEOPLE[k], lo))
    assert not pinned, pinned


def test_the_reader_pins_what_the_analyst_folder_gives_away(analyst_dir: Path, demo_result) -> None:
    # the reader has teeth: the analyst's run.json says "2 van 14 plekken jeugdzorg"
    exact = demo_result.services.tables()["services_bottlenecks.csv"]
    info = json.loads((analyst_dir / "run.json").read_text(encoding="utf-8"))
    assert info["services"]["short_before"] == int(exact["short_now"].sum())
    shown = suppress(exact, "council")
    reader = Reader(shown, exact)
    assert _diagnosis_lines(info["services"]["diagnosis"], reader, exact) > 0
    youth = exact.index[(exact["type"] == "youth_care")][0]
    assert reader.span(3 * youth + 2) == (2, 2)
    # and the places within reach alone pin it too where the table shows the demand
    taal = exact.index[(exact["type"] == "taalklas") & (exact["period"] == "2027-H1")][0]
    shown.loc[taal, "demand"] = str(exact["demand"].iloc[taal])
    assert Reader(shown, exact).span(3 * taal + 1) == (1, 1)


def test_council_run_json_and_texts_hold_no_small_services_count(
    council_dir: Path, analyst_dir: Path
) -> None:
    council = json.loads((council_dir / "run.json").read_text(encoding="utf-8"))
    analyst = json.loads((analyst_dir / "run.json").read_text(encoding="utf-8"))
    assert "short_before" not in council["services"]
    assert "short_after" not in council["services"]
    assert analyst["services"]["short_before"] > 0  # the analyst keeps the totals
    stages = {s["name"]: s["message"] for s in council["stages"]}
    assert stages["services"] == "" and stages["allocation"] == ""
    assert "414" in {s["name"]: s["message"] for s in analyst["stages"]}["services"]
    for line in council["services"]["diagnosis"]:
        m = re.search(r": (\S+) van (\S+) ", line)
        assert m, line
        k, d = m.groups()
        assert not (k.isdigit() and 1 <= int(k) <= 4), line
        assert not (k == SMALL and d.isdigit()), line
    text = " ".join(council["services"]["diagnosis"])
    assert "<5 van x" in text  # youth care: 2 of 14 in the analyst's


def test_memo_and_workbook_show_the_bottlenecks_as_the_csv(council_dir: Path) -> None:
    csv_rows = pd.read_csv(council_dir / "services_bottlenecks.csv", dtype=str)
    sheets = pd.read_excel(council_dir / "results.xlsx", sheet_name=None, dtype=str)
    sheet = next(s for s in sheets.values() if len(s) == len(csv_rows)
                 and s.shape[1] == csv_rows.shape[1])  # fmt: skip
    for col_csv, col_xl in zip(csv_rows.columns[3:], sheet.columns[3:], strict=True):
        a = [v.replace(".", "") for v in csv_rows[col_csv]]
        b = [str(v).replace(".", "") for v in sheet[col_xl]]
        assert a == b, (col_csv, col_xl)
    memo = (council_dir / "raadsbijlage.html").read_text(encoding="utf-8")
    # the memo's Voorzieningen table: no demand beside a <5 (its rows are merged runs)
    hidden = 0
    for row in re.findall(r"<tr>(.*?)</tr>", memo, flags=re.S):
        cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
        if "&lt;5" in cells and len(cells) == 8:
            assert cells[3] in ("x", "&lt;5"), cells
            hidden += 1
    assert hidden >= 2  # taalklas 2027-2035 and youth care


def test_chart_leaves_out_the_bars_the_table_hides(demo_result) -> None:
    run = demo_result.services
    exact = run.tables()["services_bottlenecks.csv"]
    dem, short = chart_bars(run, "taalklas", "council")
    periods = list(run.result.instance.periods)
    assert dem[periods.index("2026-H1")] == 68 and short[periods.index("2026-H1")] == 52
    assert dem[periods.index("2027-H1")] is None and short[periods.index("2027-H1")] is None
    dem_a, short_a = chart_bars(run, "taalklas", "analyst")
    taal = exact[exact["type"] == "taalklas"]
    assert dem_a == [int(taal.loc[taal["period"] == p, "demand"].sum()) for p in periods]
    assert short_a[periods.index("2027-H1")] == 1


@settings(max_examples=120, deadline=None)
@given(
    d=st.integers(1, 30),
    pn=st.integers(0, 30),
    extra=st.integers(0, 8),
    over_n=st.integers(0, 3),
    over_a=st.integers(0, 3),
)
def test_a_row_never_pins_its_small_counts(d, pn, extra, over_n, over_a) -> None:
    pa = pn + extra
    sn = min(d, max(0, d - pn) + over_n)  # places shared with other areas: more short
    sa = min(sn, max(0, d - pa) + over_a)
    exact = pd.DataFrame({"demand": [d], "short_now": [sn], "short_after": [sa],
                          "places_in_reach_now": [pn], "places_in_reach_after": [pa]})  # fmt: skip
    shown_row = suppress_bottleneck_row(d, sn, sa, pn, pa)
    shown = exact.astype(str)
    for c, v in zip(PEOPLE, shown_row, strict=True):
        shown[c] = [v]
    truth = (d, sn, sa)
    if not any(1 <= v <= 4 for v in truth):  # nothing to protect: shown in full
        assert shown_row == tuple(str(v) for v in truth)
        return
    for v, s in zip(truth, shown_row, strict=True):  # shown numbers are true
        assert s in (SMALL, SECONDARY) or int(s) == v
        assert s != SMALL or 1 <= v <= 4
    reader = Reader(shown, exact)
    for k, v in enumerate(truth):
        if 1 <= v <= 4:
            lo, hi = reader.span(k)
            assert lo <= v <= hi and lo < hi, (truth, pn, pa, shown_row, k)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # demand 17, 16 places now, 31 after: 1 short now; demand 17-20 all fit
        ((17, 1, 0, 16, 31), ("x", "<5", "0")),
        # 17 places after and nobody short after: demand at most 17, so 1 short now
        ((17, 1, 0, 16, 17), ("x", "x", "x")),
        # youth care: 14 children, 12 places: 2 short now and after, demand 13-16 fit
        ((14, 2, 2, 12, 12), ("x", "<5", "<5")),
        ((68, 52, 7, 16, 61), ("68", "52", "7")),
    ],
)
def test_rows_worked_by_hand(row, expected) -> None:
    assert suppress_bottleneck_row(*row) == expected


# ------------------------------------------------------------------------ allocation


def _cell_range(v: str, households: str, column: str) -> tuple[int, int]:
    """What a reader knows of one cell of the per-site table: ``<5`` is 1-4; an ``x`` is
    5 or more, except a group's cell in a row whose households are ``<5``, which shows
    no breakdown (privacy.WHOLE_ROW_PARTS): 0-4 there."""
    if v == SMALL:
        return 1, 4
    if v == SECONDARY:
        return (0, 4) if households == SMALL and column.startswith("units_") else (5, BIG)
    return int(v), int(v)


def _alloc_reader(folder: Path, exact: pd.DataFrame) -> tuple[Reader, list[tuple[int, str]]]:
    """A reader of the council's allocation_by_site.csv with the published totals: one
    variable per count cell, the row sums (occupied units per group = households =
    occupied), the occupancy (occupied / units, rounded to 0.1), persons >= households,
    and the column totals of households and persons (placed, from the comparison and
    run.json)."""
    shown = pd.read_csv(folder / "allocation_by_site.csv", dtype=str).set_index("site_id")
    exact = exact.set_index(exact["site_id"].astype(str)).loc[shown.index]
    units = [c for c in shown.columns if c.startswith("units_")]
    counts = ["households", "occupied", "persons", *units]
    reader = Reader()  # no bottleneck rows: the allocation's variables only
    index: dict[tuple[int, str], int] = {}
    for i, (_, row) in enumerate(shown.iterrows()):
        for c in counts:
            index[(i, c)] = reader.var(*_cell_range(str(row[c]), str(row["households"]), c))
        reader.add({index[(i, c)]: 1 for c in units} | {index[(i, "households")]: -1}, 0, 0)
        reader.add({index[(i, "occupied")]: 1, index[(i, "households")]: -1}, 0, 0)
        reader.add({index[(i, "persons")]: 1, index[(i, "households")]: -1}, 0, np.inf)
        occ, n_units = str(row["occupancy"]), float(row["units"])
        if occ not in ("", "nan"):  # occupied in [(occ - 0.05) units, (occ + 0.05) units]
            lo_o, hi_o = (float(occ) - 0.05) * n_units, (float(occ) + 0.05) * n_units
            reader.add({index[(i, "occupied")]: 1}, np.ceil(lo_o - 1e-9), np.floor(hi_o + 1e-9))
    vs = pd.read_csv(folder / "allocation_vs_baseline.csv", dtype=str).set_index("component")
    placed = vs.loc["placed", "optimiser"]
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert str(info["allocation"]["placed"]) == placed
    if placed.isdigit():
        reader.add({index[(i, "households")]: 1 for i in range(len(shown))},
                   int(placed), int(placed))  # fmt: skip
    total_persons = int(exact["persons"].sum())  # the report's "persons placed"
    reader.add({index[(i, "persons")]: 1 for i in range(len(shown))},
               total_persons, total_persons)  # fmt: skip
    small = [(i, c) for i in range(len(shown)) for c in counts
             if 1 <= int(exact[c].iloc[i]) <= 4]  # fmt: skip
    return reader, [(index[k], f"{shown.index[k[0]]}:{k[1]}") for k in small]


def test_no_site_count_is_pinned_by_the_totals_of_households_placed(
    council_dir: Path, demo_result
) -> None:
    # S011 houses 4 households, shown <5; the other sites' households added up to 296 and
    # 300 were placed: 300 - 296 = 4. Now a second site is x
    exact = demo_result.allocation.by_site.copy()
    exact["site_id"] = exact["site_id"].astype(str)
    reader, small = _alloc_reader(council_dir, exact)
    assert any(name == "S011:households" for _, name in small)
    pinned = []
    for j, name in small:
        lo, hi = reader.span(j)
        if lo == hi:
            pinned.append((name, lo))
    assert not pinned, pinned


def test_weighted_total_hides_with_a_small_count_of_households() -> None:
    # by hand: 1 household relocated at weight 5 beside 10 km at weight 1: total 15; the
    # total less the km, over the weight, gave the 1 back
    table = pd.DataFrame({
        "component": ["school_km", "relocation", "not_preferred", "total", "placed"],
        "optimiser": [10.0, 1.0, 0.0, 15.0, 30.0],
        "baseline": [12.0, 6.0, 0.0, 42.0, 30.0],
        "improvement": [2.0, 5.0, 0.0, 27.0, 0.0],
    })  # fmt: skip
    from opvang_opt.outputs.privacy import council_comparison

    out = council_comparison(table).set_index("component")
    assert out.loc["relocation"].tolist() == [SMALL, "6", SECONDARY]
    assert out.loc["total", "optimiser"] == SECONDARY
    assert out.loc["total", "improvement"] == SECONDARY
    assert out.loc["total", "baseline"] == 42.0  # the baseline's column has no <5
    assert out.loc["school_km", "optimiser"] == 10.0 and out.loc["placed", "optimiser"] == "30"


@settings(max_examples=120, deadline=None)
@given(
    parts=st.lists(
        st.lists(st.integers(0, 12), min_size=2, max_size=3), min_size=2, max_size=6
    ).filter(lambda rows: len({len(r) for r in rows}) == 1)
)
def test_a_table_with_row_and_column_totals_pins_no_small_count(parts) -> None:
    # occupied units per group add up to a site's households (row); the households of all
    # sites add up to the households placed, published elsewhere (column)
    from opvang_opt.outputs.privacy import suppress_frame, totals_pin_a_small_count

    k = len(parts[0])
    names = [f"units_{g}" for g in range(k)]
    table = pd.DataFrame(parts, columns=names)
    table["households"] = table[names].sum(axis=1)
    table = table[table["households"] > 0].reset_index(drop=True)
    if table.empty:
        return
    cols = [*names, "households"]
    shown = suppress_frame(table, cols, "council", groups=[(names, "households")],
                           column_totals=["households"])  # fmt: skip
    reader = Reader()
    var = {}
    for i in range(len(table)):
        for c in cols:
            v = str(shown[c].iloc[i])
            assert v in (SMALL, SECONDARY) or int(v) == int(table[c].iloc[i])
            var[(i, c)] = reader.var(*_cell_range(v, str(shown["households"].iloc[i]), c))
        reader.add({var[(i, c)]: 1 for c in names} | {var[(i, "households")]: -1}, 0, 0)
    total = int(table["households"].sum())
    # the households placed are published (as <5 below 5) unless they would pin a cell
    # the table hides (one site: 4 + 4 households of two groups beside 8 placed): as
    # hidden_totals decides for the report, the comparison and run.json
    groups = [(names, "households")]
    if not totals_pin_a_small_count(shown, table, groups, ["households"]):
        lo_t, hi_t = (1, 4) if total < 5 else (total, total)
        reader.add({var[(i, "households")]: 1 for i in range(len(table))}, lo_t, hi_t)
    for (i, c), j in var.items():
        if 1 <= int(table[c].iloc[i]) <= 4:
            lo, hi = reader.span(j)
            assert lo < hi, (table.to_dict("records"), shown.to_dict("records"), i, c)


def test_households_placed_hidden_where_the_sites_would_give_a_count_back() -> None:
    # two sites: 1 household (<5) and 5 (a single part, so x with its row's part), 6
    # placed: the x is 5 or more, so the <5 is 1. The total must not be published
    from opvang_opt.outputs.privacy import (
        council_comparison,
        suppress_frame,
        totals_pin_a_small_count,
    )

    table = pd.DataFrame({"units_a": [1, 5], "units_b": [0, 0], "households": [1, 5]})
    groups = [(["units_a", "units_b"], "households")]
    shown = suppress_frame(table, ["units_a", "units_b", "households"], "council",
                           groups=groups, column_totals=["households"])  # fmt: skip
    assert shown["households"].tolist() == [SMALL, SECONDARY]
    assert totals_pin_a_small_count(shown, table, groups, ["households"])
    assert not totals_pin_a_small_count(shown, table, groups, [])  # rows alone: safe
    comp = pd.DataFrame({"component": ["placed"], "optimiser": [6.0], "baseline": [6.0],
                         "improvement": [0.0]})  # fmt: skip
    out = council_comparison(comp, {"households"}).iloc[0]
    # the baseline placed all 6 as well: hidden too
    assert (out["optimiser"], out["baseline"], out["improvement"]) == (SECONDARY,) * 3

"""Council outputs, thirteenth audit: the persons per group beside the households per group.

The per-site allocation table shows, per group, the occupied units (households) and the
persons. A persons cell tells whether the group lives at the site (persons 1 or more
exactly when households 1 or more) and bounds its households (persons at least
households): shown beside hidden households it gave them back. Four groups with persons
at a site of fewer than 5 households are 1 household each.

The reader is modelled independently of ``outputs/privacy.py``: a brute force that tries
every integer table consistent with what one site shows, and a CP-SAT model (OR-Tools,
not the HiGHS program of the module) over the whole table with the published totals of
households and persons placed. For each protected cell (hidden with 1-4 in the exact
table, or the persons of a hidden group of 1-4 households) the smallest and the largest
value a reader can find must differ.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from opvang_opt.outputs import content
from opvang_opt.outputs.privacy import SECONDARY, SMALL, suppress_frame, totals_pin_a_small_count

X = SECONDARY


# ------------------------------------------------------------------------ the readers


def _domain(text: str, no_breakdown: bool, persons: bool, cap: int) -> range:
    """The values a reader allows a cell: a number is itself; ``<5`` is 1-4; ``x`` is 5 or
    more, but in a site's split without breakdown (fewer than 5 households, every group's
    cell ``x``) a households cell is 0-4 and a persons cell any number, 0 included."""
    if text == SMALL:
        return range(1, 5)
    if text == X:
        if no_breakdown:
            return range(0, cap + 1) if persons else range(0, 5)
        return range(5, cap + 1)
    return range(int(float(text)), int(float(text)) + 1)


def _no_breakdown(row: dict[str, str], units: list[str]) -> bool:
    return row["households"] == SMALL and len(units) >= 4 and all(row[u] == X for u in units)


def _compositions(total: int, domains: list[range]) -> Iterator[tuple[int, ...]]:
    """Every tuple from ``domains`` adding up to ``total``."""
    if not domains:
        if total == 0:
            yield ()
        return
    rest_lo = sum(d.start for d in domains[1:])
    rest_hi = sum(d.stop - 1 for d in domains[1:])
    for v in domains[0]:
        if rest_lo <= total - v <= rest_hi:
            for tail in _compositions(total - v, domains[1:]):
                yield (v, *tail)


def brute_force_site(shown: dict[str, str], groups: list[str], cap: int) -> list[dict[str, int]]:
    """Every integer site consistent with one shown row: the households per group add up
    to the households, the persons per group to the persons, a group's persons are at
    least its households and 1 or more exactly when its households are."""
    units = [f"units_{g}" for g in groups]
    persons = [f"persons_{g}" for g in groups]
    nb = _no_breakdown(shown, units)
    h_dom = _domain(shown["households"], False, False, cap)
    p_dom = _domain(shown["persons"], False, True, cap)
    u_doms = [_domain(shown[c], nb, False, cap) for c in units]
    q_doms = [_domain(shown[c], nb, True, cap) for c in persons]
    out = []
    for h in h_dom:
        for us in _compositions(h, u_doms):
            # a group's persons: 0 without households, else at least its households
            doms = [
                range(max(d.start, u, 1), d.stop) if u > 0 else range(0, 1 if d.start == 0 else 0)
                for d, u in zip(q_doms, us, strict=True)
            ]
            for p in p_dom:
                for ps in _compositions(p, doms):
                    out.append({"households": h, "persons": p,
                                **dict(zip(units, us, strict=True)),
                                **dict(zip(persons, ps, strict=True))})  # fmt: skip
    return out


def protected_cells(shown: pd.DataFrame, exact: pd.DataFrame, groups: list[str]) -> list:
    """Hidden cells with 1-4 in the exact table, and the persons of a hidden group of 1-4
    households (the persons of 1-4 households)."""
    cols = ["households", "persons", *(f"{k}_{g}" for g in groups for k in ("units", "persons"))]
    out = []
    for i in range(len(shown)):
        for c in cols:
            hidden = str(shown[c].iloc[i]) in (SMALL, X)
            if hidden and 1 <= int(exact[c].iloc[i]) <= 4:
                out.append((i, c))
        for g in groups:
            u, p = f"units_{g}", f"persons_{g}"
            if (i, u) in out and str(shown[p].iloc[i]) in (SMALL, X) and (i, p) not in out:
                out.append((i, p))
    return out


def cpsat_pinned(
    shown: pd.DataFrame,
    exact: pd.DataFrame,
    groups: list[str],
    published: dict[str, int],
) -> list[tuple[str, str, int]]:
    """The protected cells a reader pins (CP-SAT): every shown number, the row sums, the
    links of a group's households and persons, the occupancy (occupied / units rounded to
    0.1, where shown) and the published column totals (households and persons placed)."""
    cap = int(exact["persons"].sum() + exact["households"].sum()) + 5
    units = [f"units_{g}" for g in groups]
    persons = [f"persons_{g}" for g in groups]
    m = cp_model.CpModel()
    var: dict[tuple[int, str], cp_model.IntVar] = {}
    for i in range(len(shown)):
        row = {c: str(shown[c].iloc[i]) for c in shown.columns}
        nb = _no_breakdown(row, units)
        for c in ["households", "persons", *units, *persons]:
            d = _domain(row[c], nb and c != "households" and c != "persons",
                        c.startswith("persons"), cap)  # fmt: skip
            var[(i, c)] = m.new_int_var(d.start, d.stop - 1, f"{c}_{i}")
        m.add(sum(var[(i, c)] for c in units) == var[(i, "households")])
        m.add(sum(var[(i, c)] for c in persons) == var[(i, "persons")])
        for u, p in zip(units, persons, strict=True):
            present = m.new_bool_var(f"present_{u}_{i}")
            m.add(var[(i, u)] >= 1).only_enforce_if(present)
            m.add(var[(i, u)] == 0).only_enforce_if(present.Not())
            m.add(var[(i, p)] >= var[(i, u)])
            m.add(var[(i, p)] == 0).only_enforce_if(present.Not())
        occ = row.get("occupancy", "nan")
        if occ not in ("", "nan", "None"):
            n_units = float(exact["units"].iloc[i])
            lo, hi = (float(occ) - 0.05) * n_units, (float(occ) + 0.05) * n_units
            m.add(var[(i, "households")] >= int(np.ceil(lo - 1e-9)))
            m.add(var[(i, "households")] <= int(np.floor(hi + 1e-9)))
    for c, total in published.items():
        m.add(sum(var[(i, c)] for i in range(len(shown))) == total)
    pinned = []
    for i, c in protected_cells(shown, exact, groups):
        ends = []
        for sense in (m.minimize, m.maximize):
            sense(var[(i, c)])
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            status = solver.solve(m)
            assert status == cp_model.OPTIMAL, "the exact table is a reading"
            ends.append(int(solver.value(var[(i, c)])))
        if ends[0] == ends[1]:
            pinned.append((str(shown["site_id"].iloc[i]), c, ends[0]))
    return pinned


# ------------------------------------------------------------------------ helpers


def site_table(rows: dict[str, tuple[list[int], list[int]]], groups: list[str]) -> pd.DataFrame:
    """A per-site allocation table (content.allocation_by_site's columns) from households
    and persons per group: one household per unit, every unit of a site with 4 beds."""
    recs = []
    for site, (us, ps) in rows.items():
        h, p = sum(us), sum(ps)
        rec: dict[str, object] = {"site_id": site, "name": site, "units": max(h, 1) * 2,
                                  "occupied_units": h, "households": h, "persons": p}  # fmt: skip
        rec |= {f"persons_{g}": v for g, v in zip(groups, ps, strict=True)}
        rec |= {f"units_{g}": v for g, v in zip(groups, us, strict=True)}
        rec |= {"children_taalklas": 0, "children_isk": 0, "occupancy": h / (max(h, 1) * 2)}
        recs.append(rec)
    return pd.DataFrame(recs)


def council(by_site: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The council's table and the totals published beside it (households and persons
    placed, unless they would pin a hidden count: ``content.hidden_totals``' rule)."""
    shown = content.allocation_for_profile(by_site, "council")
    persons = [c for c in by_site.columns if c.startswith("persons_")]
    units = [c for c in by_site.columns if c.startswith("units_")]
    groups = [(persons, "persons"), (units, "households")]
    totals = ["households", "persons"]
    links = content.allocation_links(by_site)
    if totals_pin_a_small_count(shown, by_site, groups, totals, links):
        totals = [c for c in totals if not shown[c].isin([SMALL, X]).any()]
    return shown, {c: int(by_site[c].sum()) for c in totals}


def _texts(shown: pd.DataFrame) -> pd.DataFrame:
    return shown.astype(object).map(lambda v: "nan" if pd.isna(v) else str(v))


# ------------------------------------------------------------------------ the leak


GROUPS4 = ["a", "b", "c", "d"]
# site A: 4 households, one in each of four groups, with 6, 5, 1 and 2 persons; B and C
# larger sites. Households placed 23, persons placed 70 (published beside the table)
LEAK = {"A": ([1, 1, 1, 1], [6, 5, 1, 2]),
        "B": ([6, 0, 5, 1], [20, 0, 14, 3]),
        "C": ([3, 4, 0, 0], [9, 10, 0, 0])}  # fmt: skip


def test_the_persons_of_four_groups_gave_their_households_back() -> None:
    # the table as round 12 showed it (households per group x x x x beside <5, the persons
    # per group suppressed on their own: 6, 5, <5, <5): every reading has 1 household per
    # group. The brute force over all tables consistent with that row says so
    old = {"households": SMALL, "persons": "14", "units_a": X, "units_b": X, "units_c": X,
           "units_d": X, "persons_a": "6", "persons_b": "5", "persons_c": SMALL,
           "persons_d": SMALL}  # fmt: skip
    readings = brute_force_site(old, GROUPS4, cap=30)
    assert readings, "the exact site is a reading"
    assert {tuple(r[f"units_{g}"] for g in GROUPS4) for r in readings} == {(1, 1, 1, 1)}
    # the module's reader finds it too, with the links of households and persons only
    exact = site_table({"A": LEAK["A"]}, GROUPS4)
    units, persons = [f"units_{g}" for g in GROUPS4], [f"persons_{g}" for g in GROUPS4]
    groups = [(persons, "persons"), (units, "households")]
    links = content.allocation_links(exact)
    assert totals_pin_a_small_count(pd.DataFrame([old]), exact, groups, [], links) is True
    assert totals_pin_a_small_count(pd.DataFrame([old]), exact, groups, []) is False
    # shown now: no group's persons either, so every split of 1-4 households is a reading
    shown, _ = council(site_table(LEAK, GROUPS4))
    row = _texts(shown).iloc[0].to_dict()
    assert [row[f"persons_{g}"] for g in GROUPS4] == [X] * 4
    assert [row[f"units_{g}"] for g in GROUPS4] == [X] * 4
    assert (row["households"], row["persons"]) == (SMALL, "14")
    readings = brute_force_site(row, GROUPS4, cap=30)
    for g in GROUPS4:
        values = {r[f"units_{g}"] for r in readings}
        assert values == {0, 1, 2, 3, 4}, (g, values)
    assert {r["households"] for r in readings} == {1, 2, 3, 4}


def test_the_leak_table_pins_nothing_with_the_published_totals() -> None:
    by_site = site_table(LEAK, GROUPS4)
    shown, published = council(by_site)
    assert cpsat_pinned(_texts(shown), by_site, GROUPS4, published) == []
    # the council still reads the large sites: C's households and persons (7 and 19)
    # pin nothing once A's split is hidden
    c = _texts(shown).set_index("site_id").loc["C"]
    assert (c["households"], c["persons"]) == ("7", "19") or X in (c["households"],)


# ------------------------------------------------------------------------ rows by hand


@pytest.mark.parametrize(
    ("units", "persons", "expected"),
    [
        # nothing below 5: nothing hidden (not over-hidden)
        ([6, 7, 0], [15, 20, 0], {"units": ["6", "7", "0"], "persons": ["15", "20", "0"]}),
        # 1 household of group a: its 3 persons are hidden with it; c's 10 households are
        # the x that protects the 1, and c's 30 persons go with them; the totals 11 and 33
        # stay: a's persons are 33 - c's persons, c's persons at least c's 7-10 households
        ([1, 0, 10], [3, 0, 30], {"units": [SMALL, "0", X], "persons": [SMALL, "0", X]}),
        # 2 households of a with 9 persons: the persons (9, not below 5) are hidden too
        ([2, 6, 8], [9, 12, 20], {"units": [SMALL, X, "8"], "persons": [X, X, "20"]}),
    ],
)
def test_rows_worked_by_hand(units, persons, expected) -> None:
    groups = ["a", "b", "c"]
    shown, _ = council(site_table({"S": (units, persons)}, groups))
    row = _texts(shown).iloc[0]
    assert [row[f"units_{g}"] for g in groups] == expected["units"]
    assert [row[f"persons_{g}"] for g in groups] == expected["persons"]
    assert row["households"] == str(sum(units)) and row["persons"] == str(sum(persons))
    # every reading of the row keeps each hidden count of 1-4 free (brute force)
    readings = brute_force_site(row.to_dict(), groups, cap=sum(persons) + 5)
    for g, u, p in zip(groups, units, persons, strict=True):
        if row[f"units_{g}"] in (SMALL, X) and 1 <= u <= 4:
            assert len({r[f"units_{g}"] for r in readings}) > 1, g
            assert len({r[f"persons_{g}"] for r in readings}) > 1, g
        if row[f"persons_{g}"] in (SMALL, X) and 1 <= p <= 4:
            assert len({r[f"persons_{g}"] for r in readings}) > 1, g


def test_a_shown_households_cell_does_not_pin_its_persons_hidden_in_their_row() -> None:
    # persons 1 + 9 beside 8 + 1 + ... : the persons row hides a group's persons as x
    # beside its shown households (9 of b); persons >= households then bounds the x from
    # below. The brute force over that row finds every hidden 1-4 free
    groups = ["a", "b", "c"]
    units, persons = [1, 9, 0], [1, 9, 0]
    shown, _ = council(site_table({"S": (units, persons)}, groups))
    row = _texts(shown).iloc[0].to_dict()
    readings = brute_force_site(row, groups, cap=20)
    assert {r["units_a"] for r in readings} != {1}
    assert {r["persons_a"] for r in readings} != {1}


def test_a_site_with_shared_units_keeps_its_persons_total() -> None:
    # units shared by single adults (allow_shared_units): group a has 3 households in 2
    # units (two singles share one) with 5 persons, b 6 households in 6 units with 14. The
    # units add up to 8, the households to 9: the reader knows units <= households, not
    # units = households. By hand: a's 2 units are <5, b's 6 the x that protects them, the
    # households x (the row does not add up); the persons of both groups go with their
    # units (x, x: 5 and 14), and the persons total 19 leaves each of them 5-14
    by_site = site_table({"S": ([2, 6], [5, 14])}, ["a", "b"]).assign(households=9)
    shown = _texts(content.allocation_for_profile(by_site, "council")).iloc[0]
    assert [shown["units_a"], shown["units_b"], shown["households"]] == [SMALL, X, X]
    assert [shown["persons_a"], shown["persons_b"], shown["persons"]] == [X, X, "19"]

    # the reader of a row shown <5, 6 beside 9 households: a's units are at most 9 - 6 = 3,
    # so 1-3, not pinned (read as adding up, 3 would be the only value, and the exact 2 no
    # reading at all: "cannot tell", the row hidden further)
    row = pd.DataFrame({"units_a": [SMALL], "units_b": ["6"], "households": ["9"]})
    exact = pd.DataFrame({"units_a": [2], "units_b": [6], "households": [9]})
    assert not totals_pin_a_small_count(row, exact, [(["units_a", "units_b"], "households")], [])


# ------------------------------------------------------------------------ properties


@st.composite
def allocations(draw) -> tuple[dict[str, tuple[list[int], list[int]]], list[str]]:
    k = draw(st.integers(2, 4))
    groups = [f"g{j}" for j in range(k)]
    n = draw(st.integers(1, 4))
    rows = {}
    for s in range(n):
        us = draw(st.lists(st.integers(0, 7), min_size=k, max_size=k))
        if sum(us) == 0:
            us[0] = 1
        # 1-4 persons per household
        ps = [u + draw(st.integers(0, 3 * u)) for u in us]
        rows[f"S{s}"] = (us, ps)
    return rows, groups


@settings(max_examples=35, deadline=None)
@given(case=allocations())
def test_no_reader_pins_a_hidden_count_of_a_random_allocation(case) -> None:
    rows, groups = case
    by_site = site_table(rows, groups)
    shown, published = council(by_site)
    texts = _texts(shown)
    for i in range(len(by_site)):
        for g in groups:
            u, p = f"units_{g}", f"persons_{g}"
            # the joint rule: a group's persons are hidden wherever its households are
            if texts[u].iloc[i] in (SMALL, X):
                assert texts[p].iloc[i] in (SMALL, X) or int(by_site[p].iloc[i]) == 0
        for c in ["households", "persons", *(f"{k}_{g}" for g in groups
                                                for k in ("units", "persons"))]:  # fmt: skip
            v, true = texts[c].iloc[i], int(by_site[c].iloc[i])
            # a shown number is the exact count, never 1-4; <5 only for 1-4
            if v == SMALL:
                assert 1 <= true <= 4, (c, true)
            elif v != X:
                assert int(v) == true and not 1 <= true <= 4, (c, v, true)
    assert cpsat_pinned(texts, by_site, groups, published) == [], (rows, texts.to_dict("records"))


@settings(max_examples=25, deadline=None)
@given(case=allocations())
@example(case=({"A": LEAK["A"], "C": LEAK["C"]}, GROUPS4))
def test_the_module_reader_agrees_with_cpsat_on_a_table_that_shows_the_persons(case) -> None:
    # the reader model of the module, given the links, finds what CP-SAT finds on a table
    # whose persons per group are suppressed on their own (as round 12 showed them)
    rows, groups = case
    by_site = site_table(rows, groups)
    units = [f"units_{g}" for g in groups]
    persons = [f"persons_{g}" for g in groups]
    shown = suppress_frame(by_site, [*units, *persons, "households", "persons"], "council",
                           groups=[(persons, "persons"), (units, "households")])  # fmt: skip
    shown = shown.drop(columns=["occupancy"])  # the module's reader has no occupancy
    texts = _texts(shown)
    links = content.allocation_links(by_site)
    for published in ({}, {"households": int(by_site["households"].sum()),
                           "persons": int(by_site["persons"].sum())}):  # fmt: skip
        expected = bool(cpsat_pinned(texts, by_site, groups, published))
        got = totals_pin_a_small_count(
            shown, by_site,
            [(persons, "persons"), (units, "households")], list(published), links,
        )  # fmt: skip
        assert got is expected, (rows, texts.to_dict("records"), published)


# ------------------------------------------------------------------------ end to end


def _fake_run(demo_result, rows: dict[str, tuple[list[int], list[int]]]):
    """The demo run with its allocation replaced by ``rows`` (site: households and persons
    per group), made of household rows the way the optimiser reports them."""
    res = demo_result.allocation.result
    groups = ["statushouders", "ontheemden", "asielzoekers", "urgent"]
    recs, by = [], []
    n = 0
    for site, (us, ps) in rows.items():
        for g, u, p in zip(groups, us, ps, strict=True):
            sizes = [1] * u
            for k in range(p - u):
                sizes[k % u] += 1
            for size in sizes:
                n += 1
                recs.append({"household_id": f"H{n:04d}", "group": g, "persons": size,
                             "unit_id": f"{site}-U{n:03d}", "site_id": site})  # fmt: skip
        h = sum(us)
        by.append({"site_id": site, "units": 40, "free_before": 40, "occupied": h,
                   "households": h, "persons": sum(ps), "beds_occupied_units": 4 * h,
                   "occupancy": h / 40,
                   **{f"units_{g}": u for g, u in zip(groups, us, strict=True)},
                   "children_taalklas": 0, "children_isk": 0})  # fmt: skip
    assignments = res.assignments.iloc[0:0].copy()
    assignments = pd.concat([assignments, pd.DataFrame(recs)], ignore_index=True)
    for c in assignments.columns:
        if c not in pd.DataFrame(recs).columns:
            assignments[c] = 0
    fake_res = dataclasses.replace(res, assignments=assignments, by_site=pd.DataFrame(by),
                                   unplaced=res.unplaced.iloc[0:0])  # fmt: skip
    alloc = dataclasses.replace(demo_result.allocation, result=fake_res)
    return dataclasses.replace(demo_result, allocation=alloc), groups


def test_the_written_csv_and_workbook_pin_no_hidden_count(demo_result, tmp_path: Path) -> None:
    from opvang_opt.outputs.safe import write_csv
    from opvang_opt.outputs.tables import build_workbook, result_tables
    from opvang_opt.outputs.write import allocation_csv_tables

    rows = {"T1": ([1, 1, 1, 1], [6, 5, 1, 2]), "T2": ([6, 0, 5, 1], [20, 0, 14, 3]),
            "T3": ([3, 4, 0, 0], [9, 10, 0, 0])}  # fmt: skip
    fake, groups = _fake_run(demo_result, rows)
    # the writer's own steps for these two files (write_results)
    for name, table in allocation_csv_tables(fake, "nl", "council").items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write_csv(table, tmp_path / name)
    build_workbook(result_tables(fake, "nl", "council"), "nl").save(tmp_path / "results.xlsx")
    csv = pd.read_csv(tmp_path / "allocation_by_site.csv", dtype=str).set_index("site_id")
    sheet = pd.read_excel(tmp_path / "results.xlsx", sheet_name="Toewijzing per locatie",
                          dtype=str).set_index("Locatie-id")  # fmt: skip
    # the beds of occupied units (4 each) were 4 x the households: not for the council
    assert "beds_occupied_units" not in csv.columns and "free_before" not in csv.columns
    # the CSV and the sheet show the same counts
    for g in groups:
        assert csv[f"units_{g}"].tolist() == sheet[f"Woningen: {g}"].tolist(), g
    assert csv["households"].tolist() == sheet["Huishoudens"].tolist()
    assert csv["persons"].tolist() == sheet["Personen"].tolist()
    assert sheet.loc["T1", [f"Personen: {g}" for g in groups]].tolist() == [X] * 4
    # read back: the sheet's counts, and the totals the same folder publishes
    shown = pd.DataFrame({"site_id": sheet.index, "households": sheet["Huishoudens"].values,
                          "persons": sheet["Personen"].values,
                          "occupancy": sheet["Bezetting (0-1)"].values})  # fmt: skip
    for g in groups:
        shown[f"units_{g}"] = sheet[f"Woningen: {g}"].values
        shown[f"persons_{g}"] = sheet[f"Personen: {g}"].values
    exact = site_table(rows, groups).assign(units=40)
    summ = pd.read_excel(tmp_path / "results.xlsx", sheet_name="Samenvatting", dtype=str)
    values = dict(zip(summ.iloc[:, 0], summ.iloc[:, 1], strict=True))
    published = {}
    for key, col, total in (("Huishoudens geplaatst", "households", 23),
                            ("Personen geplaatst", "persons", 70)):  # fmt: skip
        if values[key] != X:
            assert int(values[key]) == total
            published[col] = total
    assert cpsat_pinned(_texts(shown), exact, groups, published) == []


def test_the_demo_folder_pins_no_hidden_count(council_dir: Path, demo_result) -> None:
    # the demo's S011: 4 households of two groups (2 + 2) with 7 and 5 persons; the persons
    # per group were shown (0, 7, 0, 5, 0) beside households x x x x x: now x throughout
    sheet = pd.read_excel(council_dir / "results.xlsx", sheet_name="Toewijzing per locatie",
                          dtype=str).set_index("Locatie-id")  # fmt: skip
    groups = [c.split(": ", 1)[1] for c in sheet.columns if c.startswith("Woningen: ")]
    assert set(sheet.loc["S011", [f"Personen: {g}" for g in groups]]) == {X}
    exact = content.allocation_by_site(demo_result)
    shown = pd.DataFrame({"site_id": sheet.index, "households": sheet["Huishoudens"].values,
                          "persons": sheet["Personen"].values,
                          "occupancy": sheet["Bezetting (0-1)"].values})  # fmt: skip
    for g in groups:
        shown[f"units_{g}"] = sheet[f"Woningen: {g}"].values
        shown[f"persons_{g}"] = sheet[f"Personen: {g}"].values
    vs = pd.read_csv(council_dir / "allocation_vs_baseline.csv", dtype=str)
    placed = vs.set_index("component").loc["placed", "optimiser"]
    published = {"persons": int(exact["persons"].sum())}
    if placed.isdigit():
        published["households"] = int(placed)
    exact = exact.set_index("site_id").loc[sheet.index].reset_index()
    assert cpsat_pinned(_texts(shown), exact, groups, published) == []
    csv = pd.read_csv(council_dir / "allocation_by_site.csv", dtype=str).set_index("site_id")
    for g in groups:
        assert csv[f"units_{g}"].tolist() == sheet[f"Woningen: {g}"].tolist(), g
    # the shortlist's units have 4 beds each (scenario: shortlist_units), so the beds of
    # S011's occupied units were 4 x its <5 households: the column is not for the council
    raw = demo_result.allocation.by_site.set_index("site_id")
    assert raw.loc["S011", "beds_occupied_units"] == 4 * raw.loc["S011", "households"]
    assert "beds_occupied_units" not in csv.columns


def test_brute_force_enumerates_what_it_should() -> None:
    # the oracle itself, by hand: <5 households in two groups (x x would be 5 or more;
    # shown <5 <5 they are 1-3 each adding up to 2-4), persons 6 shown as 2 + 4 etc.
    row = {"households": SMALL, "persons": "6", "units_a": SMALL, "units_b": SMALL,
           "persons_a": SMALL, "persons_b": SMALL}  # fmt: skip
    readings = brute_force_site(row, ["a", "b"], cap=10)
    pairs = {(r["units_a"], r["units_b"]) for r in readings}
    assert pairs == {(a, b) for a, b in itertools.product(range(1, 4), repeat=2) if a + b <= 4}
    assert {(r["persons_a"], r["persons_b"]) for r in readings} == {(2, 4), (3, 3), (4, 2)}

"""Council small-count suppression (``outputs/privacy.py``): rows, columns, the comparison.

Written for mutation testing (docs/mutation.md, twelfth session). Expected tables are
worked by hand from the rules in the module's docstrings (1-4 shown as ``<5``, ``x`` read
as 5 or more, a published total read by the reader); the invariants are checked against a
brute-force reader that tries every value each hidden cell can take.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opvang_opt.outputs.privacy import (
    SECONDARY,
    SMALL,
    check_profile,
    column_pins,
    council_comparison,
    hidden_ranges,
    household_table_for,
    show_count,
    suppress_frame,
    suppress_row,
    totals_pin_a_small_count,
)

X = SECONDARY


def test_show_count_hides_1_to_4_for_the_council_only() -> None:
    assert [show_count(v) for v in (0, 1, 2, 3, 4, 5, 6, 12)] == [
        "0", SMALL, SMALL, SMALL, SMALL, "5", "6", "12"
    ]  # fmt: skip
    assert [show_count(v) for v in (3.0, 4.4, 4.6, 12.0)] == [SMALL, SMALL, "5", "12"]
    assert show_count(None) == "" and show_count(float("nan")) == ""
    assert [show_count(v, "analyst") for v in (0, 3, 4.0, 12)] == ["0", "3", "4", "12"]
    assert show_count(None, "analyst") == ""


def test_the_profiles_are_council_and_analyst() -> None:
    assert check_profile("council") == "council"
    assert check_profile("analyst") == "analyst"
    with pytest.raises(
        ValueError, match=r"^unknown export profile 'public' \(use one of council, analyst\)$"
    ):
        check_profile("public")


@pytest.mark.parametrize(
    ("parts", "total", "expected"),
    [
        # 10 - 7 - 0 gives the 3 back: the 7 is hidden (x is 5 or more: 3 is 1 to 5)
        ([3, 7, 0], 10, ([SMALL, X, "0"], "10")),
        # the two hidden add up to 2: both 1; hiding the 8 leaves 2 to 5
        ([1, 1, 8], 10, ([SMALL, SMALL, X], "10")),
        # 2 + 3 = 5 leaves 1+4, 2+3, 3+2, 4+1: nothing more to hide
        ([2, 3, 8], 13, ([SMALL, SMALL, "8"], "13")),
        # 4 + 4 = 8 pins both, no other part: the total is hidden
        ([4, 4, 0], 8, ([SMALL, SMALL, "0"], X)),
        # 1 + 5 = 6: with the 5 hidden the 1 is still 6 - (5 or more) = 1; hide the total too
        ([1, 5, 0], 6, ([SMALL, X, "0"], X)),
        # the smallest other (5) does not free the 1 (6 - x <= 1), the next (9) does
        ([1, 5, 9], 15, ([SMALL, "5", X], "15")),
        # the smallest that frees is taken: 7 rather than 9
        ([3, 7, 9], 19, ([SMALL, X, "9"], "19")),
        # a total below 5 is itself <5, and its parts give nothing away
        ([2, 2], 4, ([SMALL, SMALL], SMALL)),
        ([1, 0], 1, ([SMALL, "0"], SMALL)),
        # nothing small: shown in full
        ([5, 0, 12], 17, (["5", "0", "12"], "17")),
        # no <5 but the parts do not add up: nothing to protect
        ([6, 7], 20, (["6", "7"], "20")),
        # parts that do not add up to the total: the reader cannot be trusted to be
        # unable to work it out, so the part and the total are hidden
        ([3, 7], 12, ([SMALL, X], X)),
    ],
)
def test_rows_worked_by_hand(parts, total, expected) -> None:
    assert suppress_row(parts, total) == expected


def test_four_parts_beside_a_total_below_5_are_not_each_pinned_at_1() -> None:
    # four groups of 1 person at one site, 4 persons: shown <5 four times beside a total
    # <5, the reader would hold four counts of at least 1 adding up to at most 4: all 1.
    # A row of four or more parts with a total below 5 shows no breakdown (each x: any
    # count 0-4 here, as the total bounds it), whatever its counts, so the rule itself
    # tells nothing either
    for parts in ([1, 1, 1, 1], [2, 0, 1, 0], [0, 0, 0, 3], [1, 1, 1, 1, 0]):
        shown, total_txt = suppress_row(parts, sum(parts))
        assert shown == [X] * len(parts) and total_txt == SMALL
        possible = {p for p in itertools.product(range(5), repeat=len(parts)) if 1 <= sum(p) <= 4}
        assert len({p[0] for p in possible}) > 1 and tuple(parts) in possible
    # three parts beside a total below 5 keep their <5: three counts of 1-4 adding up
    # to at most 4 are (1, 1, 1), (2, 1, 1), (1, 2, 1) or (1, 1, 2)
    shown, total_txt = suppress_row([1, 1, 1], 3)
    assert shown == [SMALL] * 3 and total_txt == SMALL
    assert len({p for p in _row_values(shown, total_txt, 3)}) == 4


def test_a_row_without_a_total_and_the_analyst_profile() -> None:
    assert suppress_row([3, 7, 0], None) == ([SMALL, "7", "0"], "")
    assert suppress_row([3, 7, 0], 10, "analyst") == (["3", "7", "0"], "10")
    assert suppress_row([4, 4, 0], 8, "analyst") == (["4", "4", "0"], "8")


def _row_values(shown: list[str], total_txt: str, true_total: int):
    """Every (parts, total) a reader of the shown row holds possible (brute force)."""
    big = true_total + 12

    def cell(s: str) -> range:
        if s == SMALL:
            return range(1, 5)
        if s == X:
            return range(5, big)
        return range(int(s), int(s) + 1)

    for parts in itertools.product(*(cell(s) for s in shown)):
        if sum(parts) in cell(total_txt):
            yield parts


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.integers(0, 11), min_size=1, max_size=4))
def test_a_reader_of_a_suppressed_row_pins_no_small_count(parts) -> None:
    total = sum(parts)
    shown, total_txt = suppress_row(parts, total)
    if 1 <= total <= 4 and len(parts) >= 4:
        # no breakdown beside a total below 5 (each part 0-4 as far as a reader knows)
        assert shown == [X] * len(parts) and total_txt == SMALL
        return
    for s, v in zip([*shown, total_txt], [*parts, total], strict=True):
        assert s in (SMALL, X) or int(s) == v  # shown numbers are true
        assert (s == SMALL) == (1 <= v <= 4)  # every count 1-4 and only those is <5
    possible = list(_row_values(shown, total_txt, total))
    assert tuple(parts) in possible
    for k, s in enumerate(shown):
        if s == SMALL:
            assert len({p[k] for p in possible}) > 1, (parts, shown, total_txt)
    # nothing is hidden as x unless the <5 alone would give a count back
    if X in [*shown, total_txt]:
        primary = [show_count(v) for v in parts]
        alone = list(_row_values(primary, show_count(total), total))
        assert any(s == SMALL and len({p[k] for p in alone}) == 1 for k, s in enumerate(primary)), (
            parts,
            shown,
            total_txt,
        )


def test_hidden_ranges_and_column_pins_worked_by_hand() -> None:
    # 22 less the 10 shown leaves 12 for a 1-4 and a 5-or-more: 1-4 and 8-11
    assert hidden_ranges([SMALL, "10", X], [4, 10, 8], 22) == [(1.0, 4.0), (0.0, 0.0), (8.0, 11.0)]
    # one hidden beside the total: it is the rest
    assert hidden_ranges([SMALL, "10"], [4, 10], 14) == [(4.0, 4.0), (0.0, 0.0)]
    # two <5 adding up to 5: each 1-4
    assert hidden_ranges([SMALL, SMALL, "20"], [2, 3, 20], 25) == [
        (1.0, 4.0),
        (1.0, 4.0),
        (0.0, 0.0),
    ]
    # two <5 adding up to 8: both 4
    assert hidden_ranges([SMALL, SMALL], [4, 4], 8) == [(4.0, 4.0), (4.0, 4.0)]
    # two x adding up to 10: both 5
    assert hidden_ranges([X, X, "3"], [5, 5, 3], 13) == [(5.0, 5.0), (5.0, 5.0), (0.0, 0.0)]
    assert column_pins([SMALL, X], [1, 5])  # 6 - (5 or more) = 1
    assert not column_pins([SMALL, X], [4, 9])
    assert column_pins([SMALL, "20"], [3, 20])
    assert not column_pins([SMALL, SMALL, "20"], [2, 3, 20])
    assert column_pins([X, X, "3"], [5, 5, 3])  # an x pinned gives its row's <5 back
    assert not column_pins([X, X, "3"], [5, 6, 3])
    assert not column_pins(["3", "20"], [3, 20])  # nothing hidden


def test_a_column_with_a_published_total_hides_the_smallest_cell_of_8_or_more() -> None:
    table = pd.DataFrame({"site": ["A", "B", "C"], "households": [4, 12, 9]})
    out = suppress_frame(table, ["households"], "council", column_totals=["households"])
    # 25 - 12 - 9 gives the 4 back; of 12 and 9 (both 8 or more) the 9 is hidden: the
    # reader then has 13 for a 1-4 and a 5-or-more
    assert out["households"].tolist() == [SMALL, "12", X]
    assert out["site"].tolist() == ["A", "B", "C"]
    # without a published total nothing more is hidden
    plain = suppress_frame(table, ["households"], "council")
    assert plain["households"].tolist() == [SMALL, "12", "9"]
    # the analyst sees the numbers
    exact = suppress_frame(table, ["households"], "analyst", column_totals=["households"])
    assert exact["households"].tolist() == ["4", "12", "9"]


def test_a_column_without_a_cell_of_8_or_more_hides_its_largest() -> None:
    table = pd.DataFrame({"households": [3, 5, 6, 0]})
    out = suppress_frame(table, ["households"], "council", column_totals=["households"])
    # 14 - 5 - 6 - 0 gives the 3 back; none of 8 or more: the 6 is hidden; then the
    # reader has 9 for a 1-4 and a 5-or-more: 1-4 and 5-8, free
    assert out["households"].tolist() == [SMALL, "5", X, "0"]


def test_a_column_hides_until_nothing_is_pinned_or_nothing_is_left() -> None:
    # 1 beside 5 with 6 published: the 5 is hidden, and the 1 is still 6 - (5 or more);
    # nothing is left to hide (column_pins says the total must then not be published)
    table = pd.DataFrame({"households": [1, 5]})
    out = suppress_frame(table, ["households"], "council", column_totals=["households"])
    assert out["households"].tolist() == [SMALL, X]
    assert column_pins(out["households"].tolist(), [1, 5])
    # a single <5 in the column, nothing else: nothing to hide
    one = suppress_frame(pd.DataFrame({"households": [3, 0]}), ["households"], "council",
                         column_totals=["households"])  # fmt: skip
    assert one["households"].tolist() == [SMALL, "0"]


def test_a_hidden_row_total_takes_its_largest_part_with_it() -> None:
    table = pd.DataFrame({
        "site": ["A", "B", "C"],
        "units_a": [2, 6, 10],
        "units_b": [2, 5, 0],
        "households": [4, 11, 10],
    })  # fmt: skip
    groups = [(["units_a", "units_b"], "households")]
    out = suppress_frame(table, ["units_a", "units_b", "households"], "council",
                         groups=groups, column_totals=["households"])  # fmt: skip
    # row A: 2 + 2 = 4, all <5 (a total below 5 gives nothing away). The column: 25 - 11
    # - 10 gives A's 4 back; 10 is the smallest of 8 or more: hidden, and C's 10 of
    # units_a with it (else 10 + 0 gives the x back)
    assert out.to_dict("list") == {
        "site": ["A", "B", "C"],
        "units_a": [SMALL, "6", X],
        "units_b": [SMALL, "5", "0"],
        "households": [SMALL, "11", X],
    }


def test_frame_rows_get_secondary_suppression_and_missing_columns_are_skipped() -> None:
    table = pd.DataFrame({"p1": [3, 6], "p2": [7, 6], "persons": [10, 12], "km": [1.5, 2.0]})
    out = suppress_frame(table, ["p1", "p2", "persons", "absent"], "council",
                         groups=[(["p1", "p2", "absent"], "persons"), (["absent"], "persons"),
                                 (["p1"], "nope")])  # fmt: skip
    assert out["p1"].tolist() == [SMALL, "6"]
    assert out["p2"].tolist() == [X, "6"]
    assert out["persons"].tolist() == ["10", "12"]
    assert out["km"].tolist() == [1.5, 2.0]
    assert table["p1"].tolist() == [3, 6]  # the input is left as it was
    analyst = suppress_frame(table, ["p1", "p2", "persons"], "analyst",
                             groups=[(["p1", "p2"], "persons")])  # fmt: skip
    assert analyst["p1"].tolist() == ["3", "6"] and analyst["p2"].tolist() == ["7", "6"]


def _table_reader_pins(shown: pd.DataFrame, groups, column_totals, raw: pd.DataFrame) -> bool:
    """Brute force: does any <5 of the table take one value in every reading?"""
    cols = list(dict.fromkeys([*(c for p, t in groups for c in (*p, t)), *column_totals]))
    cells = [(i, c) for c in cols for i in range(len(shown))]
    big = int(max(raw[c].sum() for c in cols)) + 1

    def cell(i: int, c: str) -> range:
        s = str(shown[c].iloc[i])
        if s == SMALL:
            return range(1, 5)
        if s == X:
            return range(5, big + 1)
        return range(int(s), int(s) + 1)

    smalls = [k for k, (i, c) in enumerate(cells) if str(shown[c].iloc[i]) == SMALL]
    if not smalls:
        return False
    seen: dict[int, set[int]] = {k: set() for k in smalls}
    for values in itertools.product(*(cell(i, c) for i, c in cells)):
        v = dict(zip(cells, values, strict=True))
        if any(
            sum(v[(i, p)] for p in parts) != v[(i, t)]
            for parts, t in groups
            for i in range(len(shown))
        ):
            continue
        if any(sum(v[(i, c)] for i in range(len(shown))) != raw[c].sum() for c in column_totals):
            continue
        for k in smalls:
            seen[k].add(values[k])
    return any(len(s) == 1 for s in seen.values())


@pytest.mark.parametrize(
    ("shown", "raw", "pinned"),
    [
        # three sites of 1 (one group), 2 (1 + 1) and 5 (x) households, 8 placed: the x
        # is 5 or more, so the first two hold at most 3 together; the second has two
        # groups of at least 1: 2, so the first is 1 and the second's groups 1 each
        (
            {"a": ["<5", "<5", "x"], "b": ["0", "<5", "0"], "h": ["<5", "<5", "x"]},
            {"a": [1, 1, 5], "b": [0, 1, 0], "h": [1, 2, 5]},
            True,
        ),
        # the same with 12 at the third site: 15 - (5 or more) leaves the first two free
        (
            {"a": ["<5", "<5", "x"], "b": ["0", "<5", "0"], "h": ["<5", "<5", "x"]},
            {"a": [1, 1, 12], "b": [0, 1, 0], "h": [1, 2, 12]},
            False,
        ),
        # 1 and 5 households, 6 placed: the 1 is pinned by the column alone
        (
            {"a": ["<5", "x"], "b": ["0", "0"], "h": ["<5", "x"]},
            {"a": [1, 5], "b": [0, 0], "h": [1, 5]},
            True,
        ),
        # 4 and 9 households, 13 placed: 13 - (5 or more) leaves 1-4 free
        (
            {"a": ["<5", "x"], "b": ["0", "0"], "h": ["<5", "x"]},
            {"a": [4, 9], "b": [0, 0], "h": [4, 9]},
            False,
        ),
        # no <5 at all
        (
            {"a": ["6", "x"], "b": ["0", "0"], "h": ["6", "x"]},
            {"a": [6, 9], "b": [0, 0], "h": [6, 9]},
            False,
        ),
    ],
)
def test_totals_pin_a_small_count_agrees_with_a_brute_force_reader(shown, raw, pinned) -> None:
    shown_df, raw_df = pd.DataFrame(shown), pd.DataFrame(raw)
    groups = [(["a", "b"], "h")]
    assert _table_reader_pins(shown_df, groups, ["h"], raw_df) is pinned  # the oracle
    assert totals_pin_a_small_count(shown_df, raw_df, groups, ["h"]) is pinned


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=3))
def test_totals_pin_a_small_count_agrees_with_brute_force_on_suppressed_tables(rows) -> None:
    raw = pd.DataFrame(rows, columns=["a", "b"])
    raw["h"] = raw["a"] + raw["b"]
    groups = [(["a", "b"], "h")]
    for column_totals in (["h"], []):
        shown = suppress_frame(raw, ["a", "b", "h"], "council", groups=groups,
                               column_totals=column_totals)  # fmt: skip
        if sum(str(v) in (SMALL, X) for v in shown.to_numpy().ravel()) > 5:
            continue  # keep the brute force small
        expected = _table_reader_pins(shown, groups, ["h"], raw)
        assert totals_pin_a_small_count(shown, raw, groups, ["h"]) is expected, (rows, shown)


def test_an_x_is_read_as_5_or_more_not_as_the_sum_of_its_column() -> None:
    # one site: 2 + 5 = 7 households, 7 placed. Shown <5, x, 7: the reader has a + b = 7
    # with b 5 or more: a is 1 or 2. The units of group b are not published per column,
    # so the x is not known to be 5 (this was read as pinned, and the households placed
    # were hidden from the council for nothing)
    shown = pd.DataFrame({"a": [SMALL], "b": [X], "h": ["7"]})
    raw = pd.DataFrame({"a": [2], "b": [5], "h": [7]})
    groups = [(["a", "b"], "h")]
    assert not _table_reader_pins(shown, groups, ["h"], raw)  # the oracle
    assert not totals_pin_a_small_count(shown, raw, groups, ["h"])
    # with b's column total published, b is 5 and a is 2
    assert _table_reader_pins(shown, groups, ["h", "b"], raw)
    assert totals_pin_a_small_count(shown, raw, groups, ["h", "b"])


def test_totals_pin_nothing_without_a_relation() -> None:
    shown = pd.DataFrame({"a": [SMALL, "6"], "h": [SMALL, "6"]})
    raw = pd.DataFrame({"a": [4, 6], "h": [4, 6]})
    # no groups and no column totals: no relation, nothing pinned
    assert not totals_pin_a_small_count(shown, raw, [], [])
    # a column total over a column that is not in the table relates nothing
    assert not totals_pin_a_small_count(shown, raw, [], ["missing"])
    # with the total of column a: 10 - 6 = 4
    assert totals_pin_a_small_count(shown, raw, [], ["a"])


def _comparison() -> pd.DataFrame:
    return pd.DataFrame({
        "component": ["school_km", "relocation", "not_preferred", "violations", "total", "placed"],
        "optimiser": [10.5, 1.0, 0.0, 7.0, 15.5, 30.0],
        "baseline": [20.0, 6.0, 3.0, 7.0, 50.0, 30.0],
        "improvement": [9.5, 5.0, 3.0, 0.0, 34.5, 0.0],
    })  # fmt: skip


def test_council_comparison_hides_small_household_counts_and_what_gives_them_back() -> None:
    out = council_comparison(_comparison()).set_index("component")
    assert out.loc["school_km"].tolist() == [10.5, 20.0, 9.5]  # km: not a count
    assert out.loc["relocation"].tolist() == [SMALL, "6", X]  # 6 - 5 would give the 1
    assert out.loc["not_preferred"].tolist() == ["0", SMALL, X]
    assert out.loc["violations"].tolist() == ["7", "7", "0"]
    # a <5 in both columns: both totals and the total's improvement hidden
    assert out.loc["total"].tolist() == [X, X, X]
    assert out.loc["placed"].tolist() == ["30", "30", "0"]


def test_council_comparison_hides_the_placed_where_the_sites_would_pin_a_count() -> None:
    out = council_comparison(_comparison(), hidden_totals=["households"]).set_index("component")
    assert out.loc["placed"].tolist() == [X, X, X]
    assert out.loc["school_km"].tolist() == [10.5, 20.0, 9.5]
    other = council_comparison(_comparison(), hidden_totals=["persons"]).set_index("component")
    assert other.loc["placed"].tolist() == ["30", "30", "0"]


def test_council_comparison_without_a_small_count_keeps_the_total() -> None:
    table = _comparison()
    table["optimiser"] = [10.5, 6.0, 0.0, 7.0, 20.5, 30.0]
    table["baseline"] = [20.0, 6.0, 0.0, 7.0, 50.0, 30.0]
    table["improvement"] = [9.5, 0.0, 0.0, 0.0, 29.5, 0.0]
    out = council_comparison(table).set_index("component")
    assert out.loc["total"].tolist() == [20.5, 50.0, 29.5]
    assert out.loc["relocation"].tolist() == ["6", "6", "0"]
    # only the optimiser's column holds a <5: the baseline's total stays
    table.loc[1, "optimiser"] = 2.0
    table.loc[1, "improvement"] = 4.0
    out = council_comparison(table).set_index("component")
    assert out.loc["relocation"].tolist() == [SMALL, "6", X]
    assert out.loc["total"].tolist() == [X, 50.0, X]


def test_council_comparison_of_a_table_without_improvement_or_with_a_gap() -> None:
    table = _comparison().drop(columns="improvement")
    out = council_comparison(table).set_index("component")
    assert list(out.columns) == ["optimiser", "baseline"]
    assert out.loc["relocation"].tolist() == [SMALL, "6"]
    # a <5 in each column (the optimiser's relocation, the baseline's not_preferred)
    assert out.loc["total"].tolist() == [X, X]
    gap = _comparison()
    gap.loc[3, "improvement"] = float("nan")
    assert council_comparison(gap).set_index("component").loc["violations"].tolist() == [
        "7", "7", ""
    ]  # fmt: skip


def test_household_tables_never_for_the_council_and_without_names_for_the_analyst() -> None:
    table = pd.DataFrame({
        "household_id": ["H1"], "Naam": ["A"], "first_name": ["B"], "e-mail": ["c"],
        "E_Mail": ["d"], "BSN": ["1"], "persons": [3], "naamloos": ["keep"],
    })  # fmt: skip
    assert household_table_for(table, "council") is None
    analyst = household_table_for(table, "analyst")
    assert analyst is not None
    assert list(analyst.columns) == ["household_id", "e-mail", "persons", "naamloos"]
    analyst.loc[0, "persons"] = 9
    assert table.loc[0, "persons"] == 3  # a copy


def test_a_group_whose_columns_are_absent_does_not_stop_the_next() -> None:
    table = pd.DataFrame({"p1": [3], "p2": [7], "persons": [10]})
    groups = [(["absent"], "persons"), (["p1", "p2"], "missing"), (["p1", "p2"], "persons")]
    out = suppress_frame(table, ["p1", "p2", "persons"], "council", groups=groups)
    # 10 - 7 gives the 3 back: the 7 is hidden, as without the two absent groups
    assert out.iloc[0].tolist() == [SMALL, X, "10"]


def test_the_hidden_cell_is_the_smallest_leaving_a_small_count_all_four_values() -> None:
    # a <5 of 1 beside an x: the two add up to 1 + v, and the x is 5 or more, so the <5 is
    # at most v - 4: all four values (1-4) stay possible from v = 8 on
    out = suppress_frame(pd.DataFrame({"h": [1, 8, 12]}), ["h"], "council", column_totals=["h"])
    assert out["h"].tolist() == [SMALL, X, "12"]  # 8 is the smallest of 8 or more
    out = suppress_frame(pd.DataFrame({"h": [1, 7, 12]}), ["h"], "council", column_totals=["h"])
    # a 7 would leave the 1 only 1-3: the 12 is hidden
    assert out["h"].tolist() == [SMALL, "7", X]


def test_a_row_without_breakdown_is_read_as_parts_of_0_to_4() -> None:
    # one site of 4 households, one in each of four groups: no breakdown (x x x x, <5).
    # Each x is 0-4 there, not 5 or more: nothing is pinned, so nothing more is hidden
    # (read as 5 or more, the row was impossible and the households placed were hidden)
    from opvang_opt.outputs.privacy import totals_pin_a_small_count

    parts = ["units_a", "units_b", "units_c", "units_d"]
    raw = pd.DataFrame([[1, 1, 1, 1, 4]], columns=[*parts, "households"])
    groups = [(parts, "households")]
    shown = suppress_frame(raw, [*parts, "households"], "council", groups=groups)
    assert shown.iloc[0].tolist() == [X, X, X, X, SMALL]
    assert totals_pin_a_small_count(shown, raw, groups, []) is False
    # with the households placed published (4), the <5 is 4: pinned
    assert totals_pin_a_small_count(shown, raw, groups, ["households"]) is True

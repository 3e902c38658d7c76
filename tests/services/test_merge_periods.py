"""The memo's period runs (:func:`merge_period_runs`), worked by hand."""

from __future__ import annotations

import pandas as pd

from opvang_opt.outputs.services import merge_period_runs

PERIODS = ("2026-H1", "2026-H2", "2027-H1", "2027-H2", "2028-H1")


def test_equal_consecutive_rows_become_one_range_and_costs_add_up() -> None:
    df = pd.DataFrame(
        {
            "period": ["2026-H1", "2026-H2", "2027-H1", "2027-H2", "2026-H1", "2028-H1"],
            "what": ["a", "a", "b", "a", "c", "c"],
            "cost_eur": [10.0, 10.0, 5.0, 10.0, 7.0, 7.0],
        }
    )
    out = merge_period_runs(df, PERIODS, "nl", totals=("cost_eur",))
    # a: 2026-H1 and 2026-H2 run together; a has no 2027-H1, so its 2027-H2 starts a new
    # row; c's periods 2026-H1 and 2028-H1 are not consecutive
    assert out.to_dict("records") == [
        {"period": "2026-H1 t/m 2026-H2", "what": "a", "cost_eur": 20.0},
        {"period": "2027-H1", "what": "b", "cost_eur": 5.0},
        {"period": "2027-H2", "what": "a", "cost_eur": 10.0},
        {"period": "2026-H1", "what": "c", "cost_eur": 7.0},
        {"period": "2028-H1", "what": "c", "cost_eur": 7.0},
    ]


def test_a_value_that_changes_breaks_the_run_and_english_says_to() -> None:
    df = pd.DataFrame({"period": list(PERIODS), "short": ["<5", "<5", "7", "7", "7"]})
    out = merge_period_runs(df, PERIODS, "en")
    assert list(out["period"]) == ["2026-H1 to 2026-H2", "2027-H1 to 2028-H1"]
    assert list(out["short"]) == ["<5", "7"]


def test_without_totals_a_different_cost_is_a_different_row() -> None:
    df = pd.DataFrame({"period": ["2026-H1", "2026-H2"], "cost_eur": [285_000.0, 135_000.0]})
    assert len(merge_period_runs(df, PERIODS, "nl")) == 2
    merged = merge_period_runs(df, PERIODS, "nl", totals=("cost_eur",))
    assert merged.to_dict("records") == [{"period": "2026-H1 t/m 2026-H2", "cost_eur": 420_000.0}]

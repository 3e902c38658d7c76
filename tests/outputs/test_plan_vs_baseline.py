"""The council reads the plan beside the greedy baseline: when the cheapest plan leaves
more people without a place than the baseline, the memo and report say so, by how much,
why, and how to make the task a must (the demo's plan leaves 17,959 more person-days
without a place than the baseline and said nothing)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from opvang_opt.outputs.planning import against_baseline
from opvang_opt.planning.solve import plan
from opvang_opt.planning.synthetic import synthetic_instance


def _nl(value: float, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def test_demo_memo_names_the_extra_person_days_and_why(council_dir: Path) -> None:
    summary = pd.read_csv(council_dir / "plan_summary.csv")
    # independent: the person-days of both plans summed from plan_summary.csv
    more = int(summary["unmet_person_days"].sum() - summary["baseline_unmet_person_days"].sum())
    assert more > 0, "the demo's plan leaves more person-days without a place"
    html = (council_dir / "raadsbijlage.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert f"het plan laat {_nl(more)} persoonsdagen meer zonder plek" in text
    assert "Met EUR 61 per persoon per dag voor noodopvang" in text  # the demo's rate
    assert "hard: true" in text
    report = (council_dir / "report.html").read_text(encoding="utf-8")
    assert f"het plan laat {_nl(more)} persoonsdagen meer" in report


@pytest.mark.parametrize("seed", [1, 3])
def test_sentence_follows_the_two_plans(seed: int) -> None:
    result = plan(synthetic_instance(8, 6, 2, 2, seed=seed), time_limit_s=30)
    b = result.baseline
    assert b is not None and result.costs is not None
    d_days = result.unmet_person_days - b.unmet_person_days
    d_cost = result.costs.total - b.costs.total
    # the optimum's total cost (which includes the unmet places) is never above the
    # baseline's
    assert d_cost <= 0
    text = against_baseline(result, "en")
    if d_days > 0:
        assert text.startswith(f"Note: the plan leaves {d_days:,} more person-days")
        assert "At EUR 100 per person per day" in text  # the synthetic instances' rate
    else:
        assert text.startswith('Against the baseline "when short, open the best site"')
        assert f"leaves {-d_days:,} fewer person-days" in text


def test_no_sentence_without_a_baseline() -> None:
    result = plan(synthetic_instance(8, 6, 2, 2, seed=3), baseline=False, time_limit_s=30)
    assert against_baseline(result, "nl") == ""


def test_a_plan_better_on_both_counts_says_so() -> None:
    import dataclasses

    result = plan(synthetic_instance(8, 6, 2, 2, seed=3), time_limit_s=30)
    b = result.baseline
    assert b is not None and result.costs is not None
    # a baseline (numbers set by hand) that costs EUR 1,500,000 more and leaves 1,234
    # person-days more without a place than the plan
    worse = dataclasses.replace(
        b,
        costs=dataclasses.replace(result.costs, opening=result.costs.opening + 150_000_000),
        unmet_person_days=result.unmet_person_days + 1_234,
    )
    text = against_baseline(dataclasses.replace(result, baseline=worse), "nl")
    assert text == (
        'Tegenover de basislijn "bij tekort de beste locatie openen" kost het plan '
        "EUR 1,50 mln minder en zijn er 1.234 persoonsdagen minder zonder plek."
    )
    # the plan dearer (the baseline's cost set EUR 612,000 below it), fewer person-days
    cheaper = dataclasses.replace(
        worse, costs=dataclasses.replace(result.costs, opening=result.costs.opening - 61_200_000)
    )
    text = against_baseline(dataclasses.replace(result, baseline=cheaper), "en")
    assert text == (
        'Against the baseline "when short, open the best site" the plan costs EUR 612,000 '
        "more and leaves 1,234 fewer person-days without a place."
    )

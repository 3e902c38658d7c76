# ruff: noqa: E501
"""Counts with their noun in the catalogue: '1 plek', '2 plekken' (the audit found
'1 plekken tekort' in the plan's reasons)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opvang_opt.texts import t


def test_one_and_many_in_both_languages():
    nl = [t("planning.reason.unmet", "nl", municipality="Diemen", period="2027-H1", short=n,
            group="statushouders", person_days=181 * n, why="x") for n in (1, 2)]  # fmt: skip
    assert (
        nl[0]
        == "Diemen komt in 2027-H1 1 plek tekort voor statushouders (181 persoonsdagen noodopvang), omdat x."
    )
    assert (
        nl[1]
        == "Diemen komt in 2027-H1 2 plekken tekort voor statushouders (362 persoonsdagen noodopvang), omdat x."
    )
    en = t("planning.reason.move_out", "en", units=1, site="A", period="2027-H1", dest="B", why="x")
    assert en == "1 unit of A moves to B in 2027-H1, because x."
    nl1 = t(
        "planning.reason.move_out", "nl", units=1, site="A", period="2027-H1", dest="B", why="x"
    )
    assert nl1 == "1 woning van A verhuist in 2027-H1 naar B, omdat x."


@given(st.integers(0, 10**7))
def test_plural_form_follows_the_count(n):
    text = t("planning.reason.close", "nl", site="A", period="P", units=n, why="x")
    expected_noun = "woning" if n == 1 else "woningen"
    number = f"{n:,}".replace(",", ".")
    assert f"A sluit in P {number} {expected_noun}, omdat x." == text


def test_problem_counts_in_the_summary():
    assert t("problem.inputs.inputs", "nl", count=1) == "De invoer heeft 1 probleem"
    assert t("problem.inputs.inputs", "nl", count=3) == "De invoer heeft 3 problemen"
    assert t("problem.inputs.inputs", "en", count=3) == "The inputs have 3 problem(s)"

"""Numbers written the Dutch or the English way are never guessed: the hint names both
readings where there are two, and what to write or declare."""

from __future__ import annotations

import pytest

from opvang_opt.numtext import ambiguous_whole, amount_hint, whole_number_hint


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [("1.000", True), ("12.000", True), ("1.000.000", True), ("-3.000", True),
     ("1.0", False), ("1000", False), ("1000.000", False), ("1,000", False), ("12.5", False)],
)  # fmt: skip
def test_only_counts_with_a_thousands_point_are_ambiguous(text: str, ambiguous: bool) -> None:
    assert ambiguous_whole(text) is ambiguous


def test_a_thousands_point_in_a_whole_number_names_both_readings() -> None:
    hint = str(whole_number_hint("12.000"))
    assert "a Dutch export: 12000" in hint and "decimal point (12)" in hint
    # 1.175 is no whole number with a decimal point: one reading only
    assert str(whole_number_hint("1.175")).startswith(
        "; '.' is a thousands separator here: write 1175"
    )


def test_an_english_thousands_comma_in_a_whole_number_names_both_readings() -> None:
    hint = str(whole_number_hint("1,000"))
    assert "English: 1000" in hint and "Dutch: 1)" in hint
    assert "without separators" in hint
    # a decimal comma that is no thousands group keeps the decimal-comma hint
    assert 'declare `decimal: ","`' in str(whole_number_hint("2,5"))


def test_an_amount_with_three_decimals_names_both_readings() -> None:
    hint = str(amount_hint("1.250"))
    assert "1250 euros" in hint and "1.25 euros" in hint
    assert amount_hint("725.15") == "" and amount_hint("1250") == ""

"""The text catalogue: both languages for every key, the same fields, numbers per language."""

from __future__ import annotations

import re
import string
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opvang_opt.texts import CATALOGUE, LANGS, Message, fmt_number, placeholders, render, t


def test_every_key_has_both_languages_and_no_empty_text() -> None:
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGS), key
        for lang in LANGS:
            assert isinstance(texts[lang], str) and texts[lang].strip(), (key, lang)


def test_both_languages_use_the_same_placeholders() -> None:
    bad = {
        key: (placeholders(v["nl"]), placeholders(v["en"]))
        for key, v in CATALOGUE.items()
        if placeholders(v["nl"]) != placeholders(v["en"])
    }
    assert not bad


def test_every_text_renders_with_its_fields_in_both_languages() -> None:
    # a dummy value per field: a number where the field has a format spec, else text
    for key, texts in CATALOGUE.items():
        fields = {
            name: 1.5 if spec else "x"
            for _, name, spec, _ in string.Formatter().parse(texts["nl"])
            if name
        }
        for lang in LANGS:
            assert not re.search(r"\{[a-z_]+[:}]", t(key, lang, **fields)), (key, lang)


@pytest.mark.parametrize(
    ("value", "digits", "nl", "en"),
    [
        (1234.5, 1, "1.234,5", "1,234.5"),
        (1234567, 0, "1.234.567", "1,234,567"),
        (-0.25, 2, "-0,25", "-0.25"),
        (12, 0, "12", "12"),
    ],
)
def test_numbers_per_language(value: float, digits: int, nl: str, en: str) -> None:
    assert fmt_number(value, "nl", digits) == nl
    assert fmt_number(value, "en", digits) == en


def test_fields_are_formatted_per_language() -> None:
    # hand-worked: 1877.2 m2 is >= 100, so whole with separators; 0.5 is 50%
    assert t("siting.exclusion.overlaps", "nl", layer="n", area=1877.2, share=0.5) == (
        "overlapt 'n' met 1.877 m² (50% van het terrein)"
    )
    assert t("siting.exclusion.overlaps", "en", layer="n", area=1877.2, share=0.5) == (
        "overlaps 'n' by 1,877 m² (50% of the site)"
    )
    # below 100: three significant digits, decimal comma in Dutch
    assert t("siting.exclusion.closer_than", "nl", layer="w", distance=23.14, limit=50) == (
        "ligt op 23,1 m van 'w' (minimaal 50 m)"
    )
    # places: whole numbers without decimals, else one
    assert "4 plaatsen tekort" in t(
        "exchange.own_capacity", "nl", who="A", group="g", task=10.0, short=4.0
    )
    assert "2.5 places short" in t(
        "exchange.own_capacity", "en", who="A", group="g", task=10.0, short=2.5
    )


def test_messages_render_nested_and_joined() -> None:
    why = [Message("siting.why.max_sites", {"max_sites": 2}), Message("siting.why.capacity")]
    m = Message("siting.decision.not_chosen", {"reasons": why})
    assert render(m, "nl") == "niet gekozen: maximum van 2 locaties bereikt; capaciteit 0"
    assert render(m, "en") == "not chosen: maximum of 2 sites reached; capacity 0"
    assert render("plain text", "en") == "plain text"
    assert hash(m) == hash(Message("siting.decision.not_chosen", {"reasons": list(why)}))


def test_unknown_key_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key", "nl")


def test_keys_are_dotted_lowercase() -> None:
    for key in CATALOGUE:
        assert re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_.]+)+", key), key


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=3),
)
def test_both_notations_read_back_to_the_same_number(value: float, digits: int) -> None:
    nl, en = fmt_number(value, "nl", digits), fmt_number(value, "en", digits)
    # Dutch: dots group thousands and a comma marks decimals; English the other way round
    assert float(nl.replace(".", "").replace(",", ".")) == float(en.replace(",", ""))
    # rounded as written: within half a unit of the last shown digit of the decimal value
    # (0.975 with 2 digits may show 0.98 although the binary float is 0.97499...)
    shown, written = Fraction(en.replace(",", "")), Fraction(repr(value))
    assert abs(shown - written) <= Fraction(1, 2 * 10**digits)
    assert nl.count(",") == (1 if digits else 0) and en.count(".") == (1 if digits else 0)


@pytest.mark.parametrize(
    ("value", "digits", "nl"),
    [
        (0.975, 2, "0,98"),  # as written, not the binary 0.97499...
        (2.675, 2, "2,68"),
        (0.125, 2, "0,12"),  # a tie goes to the even digit
        (0.135, 2, "0,14"),
        (2.5, 0, "2"),
        (3.5, 0, "4"),
        (-0.004, 2, "0,00"),  # no minus sign before a zero
        (1234567.891, 1, "1.234.567,9"),
    ],
)
def test_numbers_round_half_even_as_written(value: float, digits: int, nl: str) -> None:
    # hand-worked: the decimal as written, rounded half to even
    assert fmt_number(value, "nl", digits) == nl

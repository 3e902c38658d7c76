"""An attribute criterion's declared unit: amounts in euros and yes/no columns read as such
in exclusion reasons and tables (the memo and map are tested on the demo)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from opvang_opt.schema import Criterion
from opvang_opt.siting.criteria import indicator_unit
from opvang_opt.siting.exclusions import measure_message
from opvang_opt.texts import render

ADAPTER: TypeAdapter = TypeAdapter(Criterion)


def _attribute(**extra) -> object:
    spec = {"name": "kosten", "kind": "attribute", "column": "cost_estimate_eur",
            "value": {"type": "linear", "lower": 0, "upper": 1}} | extra  # fmt: skip
    return ADAPTER.validate_python(spec)


def test_declared_unit_is_the_indicators_unit() -> None:
    assert indicator_unit(_attribute(unit="eur")) == "eur"
    assert indicator_unit(_attribute(unit="yes_no")) == "yes_no"
    assert indicator_unit(_attribute()) == ""  # none declared: the number alone


def test_an_unknown_unit_is_refused() -> None:
    with pytest.raises(ValidationError):
        _attribute(unit="euro")


@pytest.mark.parametrize(
    ("value", "unit", "nl", "en"),
    [
        (2_259_000.0, "eur", "EUR 2.259.000", "EUR 2,259,000"),
        (1.0, "yes_no", "ja", "yes"),
        (0.0, "yes_no", "nee", "no"),
    ],
)
def test_reasons_name_euros_and_yes_or_no(value: float, unit: str, nl: str, en: str) -> None:
    assert render(measure_message(value, unit), "nl") == nl
    assert render(measure_message(value, unit), "en") == en

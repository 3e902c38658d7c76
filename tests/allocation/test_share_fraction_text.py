"""A mix share written as "p/q" is the rule written, or it is refused.

Shares are read as the nearest fraction with a denominator of at most 1,000 (0.3333333 is
1/3). A share written as "1/1001" was read as 1/1000 (and "500/1001" as 499/999): a
different rule than the one written, without a word. It is now refused with the limit; a
fraction that reduces to a denominator within it ("500/1002" is 250/501) is read exactly.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from opvang_opt.allocation.rules import share_fraction
from opvang_opt.schema.allocation import MixRule


@pytest.mark.parametrize("text", ["1/1001", "500/1001", "7/99991"])
def test_fraction_finer_than_the_limit_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="q at most 1,000"):
        MixRule(groups=["statushouders"], max_share=text)


@pytest.mark.parametrize(
    ("text", "exact"),
    [("500/1002", Fraction(250, 501)), ("2/6", Fraction(1, 3)), ("999/1000", Fraction(999, 1000))],
)
def test_fraction_within_the_limit_is_the_rule_written(text: str, exact: Fraction) -> None:
    rule = MixRule(groups=["statushouders"], min_share=text)
    assert rule.min_share is not None
    assert share_fraction(rule.min_share) == exact

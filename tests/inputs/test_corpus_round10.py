"""Round ten of the bad-input corpus of issue 11 (and the bad-input parts of issues 12 and
15), each case through the CLI on a copy of the demo, in the default language (Dutch):
exit 2, one message naming the file, the line, row or id and the field, every problem at
once, no traceback and nothing written.

New here (not in the earlier ``test_corpus*`` files): scenario files that YAML reads
otherwise than they look (a leading zero is octal: ``0600`` places were 384; a colon is base
60: ``1:30`` seconds were 90), aliases that refer to themselves or expand to a billion
values (a crash and a hang), values nested too deeply; impossible times of day in dates;
and more. Inputs that are legitimately awkward are read to the same values as the clean
demo.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.inputs.demo_edit import edit_scenario as _scenario
from tests.inputs.demo_edit import edit_table as _edit
from tests.inputs.demo_edit import refused


def _cell(demo: Path, file: str, row: int, columns: str | list[str], value: object) -> None:
    def f(df: pd.DataFrame) -> None:
        df.loc[row, columns] = value

    _edit(demo, file, f)


# --------------------------------------------------------------------------- scenario YAML


def case_yaml_target_with_a_leading_zero_is_octal(demo):
    # was accepted: YAML 1.1 reads 0600 as the octal number 384, a target of 384 places
    _scenario(demo, "    amount: 600", "    amount: 0600")
    return [
        "demo.yaml, regel 133, siting.target.amount: '0600' leest YAML door de voorloopnul "
        "als het achttallige getal 384; schrijf 600 zonder de nul",
    ]


def case_yaml_municipality_code_without_gm_and_with_a_leading_zero(demo):
    # was 'Input should be a valid string (got 287)': 0437 is octal 287
    _scenario(
        demo, "    - {code: GM0437, name: Ouder-Amstel}", "    - {code: 0437, name: Ouder-Amstel}"
    )
    return [
        "demo.yaml, regel 17, region.municipalities[1].code: '0437' leest YAML door de "
        "voorloopnul als het achttallige getal 287",
        "('0437')",
    ]


def case_yaml_time_limit_with_a_colon_is_base_60(demo):
    # was accepted: 1:30 is 90 in YAML 1.1; 2:1 (a ratio) would be 121
    _scenario(demo, "    time_limit_s: 30\n  robustness", "    time_limit_s: 1:30\n  robustness")
    _scenario(demo, "  discount_rate: 0.0225", "  discount_rate: 2:1")
    return [
        "demo.yaml, regel 147, siting.shortlist.time_limit_s: '1:30' leest YAML door de "
        "dubbele punt als een zestigtallig getal (90)",
        "demo.yaml, regel 302, planning.discount_rate: '2:1' leest YAML door de dubbele punt "
        "als een zestigtallig getal (121)",
    ]


def case_yaml_alias_inside_its_own_anchor(demo):
    # was exit 1: 'RecursionError: maximum recursion depth exceeded'
    _scenario(demo, "  lang: nl", "  lang: nl\n  extra: &eigen {a: *eigen}")
    return ["demo.yaml, regel 307: een alias (*naam) staat binnen de waarde die hij noemt"]


def case_yaml_alias_in_a_list_inside_its_own_anchor(demo):
    _scenario(demo, "    amount: 600", "    amount: &a [1, *a]")
    return ["demo.yaml, regel 133: een alias (*naam) staat binnen de waarde die hij noemt"]


def case_yaml_alias_bomb(demo):
    # nine lines that expand to over a billion values: the check did not end (killed at 120 s)
    lines = "x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)
    )
    _scenario(demo, "name: demo-duoplus", lines + "name: demo-duoplus")
    return [
        "demo.yaml: de aliassen (*naam) maken van dit bestand 1234568809 waarden (meer dan 100000)"
    ]


def case_yaml_nested_too_deeply(demo):
    _scenario(demo, "  lang: nl", "  lang: nl\n  diep: " + "[" * 3000 + "]" * 3000)
    return ["demo.yaml: de waarden zijn te diep in elkaar genest om te lezen"]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_round10_bad_input_exits_2_naming_file_line_id_field_and_writes_nothing(demo, case):
    refused(demo, case(demo), lang=None)


# --------------------------------------------------------------------------- accepted


def _load(demo: Path):
    from opvang_opt.io import load

    return load(demo / "scenarios" / "demo.yaml")


def test_yaml_zero_hex_and_underscores_are_the_numbers_written(demo) -> None:
    """Only a leading zero and a colon are refused: ``0``, ``0x258`` (600 in hexadecimal,
    written on purpose) and ``6_00`` keep their YAML values."""
    _scenario(demo, "    amount: 600", "    amount: 0x258")
    _scenario(demo, "  max_wait_days: 180 ", "  max_wait_days: 0 ")
    _scenario(demo, "    max_capacity: 750", "    max_capacity: 7_50")
    scenario, _ = _load(demo)
    assert scenario.siting.target.amount == 600
    assert scenario.allocation is not None and scenario.allocation.max_wait_days == 0
    assert scenario.siting.shortlist.max_capacity == 750

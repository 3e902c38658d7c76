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


# --------------------------------------------------------------------------- dates


def case_dates_with_impossible_times_of_day(demo):
    # were accepted as 1 March and 16 January: a time that does not exist says the cell
    # is not what it seems, and '24:00' is the next day's midnight
    _cell(demo, "units.csv", 0, "available_from", "2026-03-01T25:00")
    _cell(demo, "units.csv", 1, "available_from", "2026-03-01 12:99")
    _cell(demo, "households.csv", 0, "arrival_date", "16-01-2026 24:00")
    return [
        "units.csv, woning U0001, available_from: onmogelijke datum ('25:00' is geen tijd op "
        "een dag: uren 0 tot en met 23, minuten en seconden 0 tot en met 59; gelezen als "
        "jaar-maand-dag)",
        "units.csv, woning U0002, available_from: onmogelijke datum ('12:99' is geen tijd",
        "households.csv, huishouden H0001, arrival_date: onmogelijke datum ('24:00' is geen "
        "tijd op een dag",
        "gelezen als dag-maand-jaar",
        "De invoer heeft 3 problemen",
    ]


def case_planning_date_with_a_leap_second(demo):
    _cell(demo, "planning_stock.csv", 0, "permit_end", "2026-12-31T23:59:60")
    return [
        "planning_stock.csv, rij 2 (B01), permit_end: '2026-12-31T23:59:60': onmogelijke "
        "datum ('23:59:60' is geen tijd op een dag"
    ]


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


def test_day_first_dates_with_points_single_digits_and_a_time_are_read_day_first(demo):
    """'10.06.2026', '1-3-2026' and '01-03-2026 14:00' (Excel's date cell in a Dutch
    locale) are 10 June and 1 March: by hand, day first, the time dropped."""
    import datetime as dt

    _cell(demo, "units.csv", 0, "available_from", "10.06.2026")
    _cell(demo, "units.csv", 1, "available_from", "1-3-2026")
    _cell(demo, "units.csv", 2, "available_from", "01-03-2026 14:00")
    _cell(demo, "units.csv", 3, "available_from", "2026-03-01T23:59:59")
    _, inputs = _load(demo)
    got = inputs.allocation_data.tables.units["available_from"].iloc[:4].dt.date.tolist()
    assert got == [dt.date(2026, 6, 10)] + [dt.date(2026, 3, 1)] * 3

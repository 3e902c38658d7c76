"""Round ten of the bad-input corpus of issue 11 (and the bad-input parts of issues 12 and
15), each case through the CLI on a copy of the demo, in the default language (Dutch):
exit 2, one message naming the file, the line, row or id and the field, every problem at
once, no traceback and nothing written.

New here (not in the earlier ``test_corpus*`` files):

- scenario files that YAML reads otherwise than they look (a leading zero is octal:
  ``0600`` places were 384; a colon is base 60: ``1:30`` seconds were 90), aliases that
  refer to themselves (a RecursionError) or expand to a billion values (a hang), values
  nested too deeply (a RecursionError), a file saved as UTF-16, and the line of every
  schema problem (also in the base file of a variant);
- dates with a time of day that does not exist (``25:00``, ``12:99``, ``24:00``, a leap
  second), which were dropped and the date taken;
- ids of one table that differ only by case or leading zeros (``S001``/``S0001``,
  ``H0001``/``h0001``, a planning candidate ``b01`` beside the stock's ``B01``), and
  invisible characters (a zero-width space made ``F02`` another id that every message
  showed as ``F02``);
- a CSV header with a column twice in another case (the second was left out silently),
  and planning numbers that Python reads but no other table does (``１７５``, ``2_3``,
  ``nan``);
- scenario settings that contradict themselves (a pin and a ban of the same unit, a rent
  cap for at least three and at most one person) and a mix rule whose second unknown site
  was dropped.

Inputs that are legitimately awkward are read to the same values as the clean demo: BOM
and CRLF in the planning and services tables and in the scenario, declared Dutch exports
of them, trailing empty columns, spaced headers, a quoted line break, Dutch Excel's
WAAR/ONWAAR, a curved site, YAML's hexadecimal and underscores.
"""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from tests.inputs.demo_edit import DEMO, ROOT, refused
from tests.inputs.demo_edit import edit_scenario as _scenario
from tests.inputs.demo_edit import edit_table as _edit


def _scenario_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


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


def case_yaml_wrong_types_name_their_lines(demo):
    # the field path was named, the line not: a scalar where a mapping belongs, a list
    # where a mapping belongs, a mapping where a list belongs, a choice that does not exist
    _scenario(demo, "  solver: {backend: highs, time_limit_s: 20}", "  solver: highs")
    _scenario(
        demo,
        "  site_groups: {ontheemden: 0.5, statushouders: 0.25, asielzoekers: 0.25}",
        "  site_groups: [{ontheemden: 0.5}, {statushouders: 0.25}, {asielzoekers: 0.25}]",
    )
    _scenario(
        demo,
        "      groups: [asielzoekers, ontheemden]",
        "      groups: {asielzoekers: 1, ontheemden: 1}",
    )
    _scenario(demo, "  lang: nl", "  lang: fr")
    return [
        "demo.yaml, planning.solver: moet een mapping van sleutels en waarden zijn",
        "(ingevuld: 'highs') (regel 303)",
        "demo.yaml, services.site_groups: moet een mapping van sleutels en waarden zijn",
        "(regel 320)",
        "demo.yaml, exchange.housing_types[0].groups: moet een lijst zijn",
        "(regel 220)",
        "demo.yaml, outputs.lang: moet 'nl' of 'en' zijn (ingevuld: 'fr') (regel 306)",
    ]


def case_yaml_unknown_key_and_missing_key_name_their_lines(demo):
    _scenario(demo, "    amount: 600\n", "    amuont: 600\n")
    return [
        "demo.yaml, siting.target.amuont: onbekende sleutel 'amuont' (bedoelde u 'amount'?)",
        "(regel 133)",
        "demo.yaml, siting.target.amount: verplicht veld ontbreekt (regel 132)",
    ]


def case_yaml_problem_in_the_base_of_a_variant_names_the_base_file(demo):
    # a variant that extends the demo: the bad value is in the base file, on its line
    scenarios = demo / "scenarios"
    (scenarios / "demo.yaml").rename(scenarios / "basis.yaml")
    (scenarios / "demo.yaml").write_text(
        "extends: basis.yaml\nsiting:\n  target:\n    amount: -5\n", encoding="utf-8"
    )
    _scenario_in(scenarios / "basis.yaml", "    max_sites: 6", "    max_sites: zes")
    return [
        "demo.yaml, siting.target.amount: moet groter dan of gelijk aan 0 zijn "
        "(ingevuld: -5) (regel 4)",
        "demo.yaml, siting.shortlist.max_sites: moet een geheel getal zijn",
        "basis.yaml, regel 138)",
    ]


def case_rent_cap_for_at_least_three_and_at_most_one_person(demo):
    # was accepted: a rule that fits no household
    _scenario(
        demo,
        "{max_rent_eur: 700, groups: [starter], max_persons: 1}",
        "{max_rent_eur: 700, groups: [starter], max_persons: 1, min_persons: 3}",
    )
    return [
        "demo.yaml, allocation.rent_caps[0]: min_persons 3 is groter dan max_persons 1: de "
        "regel past dan op geen enkel huishouden (regel 172)"
    ]


def case_household_pinned_to_a_unit_it_is_banned_from(demo):
    # was accepted: a pin and a ban of the same unit (or its site) for one household
    _scenario(
        demo,
        "  max_wait_days: 180 ",
        "  pins: [{household_id: H0001, unit_id: U0003}, {household_id: H0003, unit_id: U0004}]\n"
        "  bans: [{household_id: H0001, unit_id: U0003}, {household_id: H0003, site_id: F01}]\n"
        "  max_wait_days: 180 ",
    )
    return [
        "demo.yaml, allocation.pins[0]: huishouden H0001 is vastgezet op U0003 en daar "
        "ook van uitgesloten (allocation.bans[0]); houd één van beide",
        # U0004 is a unit of site F01 (units.csv)
        "demo.yaml, allocation.pins[1]: huishouden H0003 is vastgezet op U0004 en daar "
        "ook van uitgesloten (allocation.bans[1])",
        "De invoer heeft 2 problemen",
    ]


def case_scenario_saved_as_notepads_unicode(demo):
    # was 'byte 0 cannot be read as UTF-8': true, but not what to do
    path = demo / "scenarios" / "demo.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return ["demo.yaml: het bestand is UTF-16-tekst (Kladblok: 'Unicode'); sla het op als UTF-8"]


# --------------------------------------------------------------------------- geography


def case_longlist_as_a_shapefile_without_prj(demo):
    # the .prj is what says the CRS; a Shapefile also cuts field names to 10 characters
    # ('cost_estim'): was 'required column is missing' with no word of why
    gdf = gpd.read_file(demo / DEMO / "longlist.gpkg", layer="longlist")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio's own note on the cut names
        gdf.to_file(demo / DEMO / "ll.shp")
    (demo / DEMO / "ll.prj").unlink()
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/ll.shp, id_column: site_id}",
    )
    return [
        "ll.shp: de laag heeft geen coördinatenstelsel (CRS)",
        "ll.shp, cost_estimate_eur: verplichte kolom ontbreekt; 'cost_estim' is waarschijnlijk "
        "deze kolom, afgekapt op 10 tekens zoals een Shapefile (dBase) veldnamen afkapt: sla "
        "de laag op als GeoPackage",
        "ll.shp, available_from: verplichte kolom ontbreekt; 'available_'",
    ]


# --------------------------------------------------------------------------- ids


def case_longlist_ids_that_differ_only_by_leading_zeros_or_case(demo):
    # were accepted as four sites: 'S0001' next to 'S001', 's005' next to 'S005'
    gdf = gpd.read_file(demo / DEMO / "longlist.gpkg", layer="longlist")
    gdf.loc[1, "site_id"] = "S0001"
    gdf.loc[5, "site_id"] = "s005"
    pyogrio.write_dataframe(gdf, demo / DEMO / "longlist.gpkg", layer="longlist", driver="GPKG")
    return [
        "longlist.gpkg, id S001, site_id: de id's 'S001', 'S0001' verschillen alleen in hoofd- "
        "en kleine letters of voorloopnullen (rijen 1, 2)",
        "longlist.gpkg, id S005, site_id: de id's 'S005', 's005' verschillen alleen",
        "(rijen 5, 6)",
        "De invoer heeft 2 problemen",  # said under the longlist only, not again as unit sites
    ]


def case_longlist_id_with_a_zero_width_space(demo):
    # 'S002' + U+200B is another id than 'S002' (a must_include of S002 would not find
    # it, and the message would show 'S002' twice)
    gdf = gpd.read_file(demo / DEMO / "longlist.gpkg", layer="longlist")
    gdf.loc[1, "site_id"] = "S002\u200b"
    pyogrio.write_dataframe(gdf, demo / DEMO / "longlist.gpkg", layer="longlist", driver="GPKG")
    return [
        "longlist.gpkg, rij 2, site_id: 'S002\\u200b' bevat een onzichtbaar teken (U+200B, "
        "zero width space): het lijkt 'S002', maar is het niet",
        "De invoer heeft 1 probleem",
    ]


def case_allocation_ids_that_differ_only_by_case_or_leading_zeros(demo):
    _cell(demo, "households.csv", 5, "household_id", "h0001")
    _cell(demo, "units.csv", 5, "unit_id", "U01")
    _cell(demo, "unit_sites.csv", 3, "site_id", "f1")
    return [
        "households.csv, id H0001, household_id: de id's 'H0001', 'h0001' verschillen "
        "alleen in hoofd- en kleine letters of voorloopnullen (rijen 1, 6)",
        "units.csv, id U0001, unit_id: de id's 'U0001', 'U01'",
        "unit_sites.csv, id F01, site_id: de id's 'F01', 'f1'",
    ]


def case_provider_ids_that_differ_only_by_case(demo):
    _cell(demo, "providers.csv", 3, "provider_id", "tk-p0066")
    return [
        "providers.csv, id TK-P0066, provider_id: de id's 'TK-P0066', 'tk-p0066' verschillen "
        "alleen in hoofd- en kleine letters of voorloopnullen (rijen 2, 5)"
    ]


def case_planning_candidate_written_like_an_existing_site(demo):
    # was accepted: 'b01' a new site next to the existing 'B01'
    _cell(demo, "planning_candidates.csv", 0, "site_id", "b01")
    return [
        "planning_candidates.csv, rij 2 (b01), site_id: 'b01' verschilt alleen in hoofd- en "
        "kleine letters of voorloopnullen van de bestaande locatie 'B01' (planning.stock)"
    ]


def case_poi_ids_that_differ_only_by_leading_zeros(demo):
    gdf = gpd.read_file(demo / DEMO / "pois.gpkg", layer="pois")
    gdf.loc[3, "poi_id"] = "P1"
    pyogrio.write_dataframe(gdf, demo / DEMO / "pois.gpkg", layer="pois", driver="GPKG")
    return ["pois.gpkg, id P0001, poi_id: de id's 'P0001', 'P1'", "(rijen 1, 4)"]


# --------------------------------------------------------------------------- CSV files


def _append_column(demo: Path, name: str, header: str, value: str) -> None:
    path = demo / DEMO / name
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + "," + header] + [line + "," + value for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def case_header_column_twice_in_another_case(demo):
    # was accepted: 'persons' read, 'Persons' (9 for everyone) left out without a word
    _append_column(demo, "households.csv", "Persons", "9")
    return [
        "households.csv, regel 1, Persons: kolom 'Persons' staat ook als 'persons' in de "
        "kopregel (alleen hoofd- en kleine letters verschillen): alleen 'persons' zou gelezen "
        "worden; houd er één"
    ]


def case_invisible_characters_in_an_id_a_code_and_a_header(demo):
    # 'F02' + a zero-width space was 'unknown site 'F02'' for 60 units and 7 households
    # (it looked like the F02 that exists); a soft hyphen in a code, one in a header
    path = demo / DEMO / "unit_sites.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("F02,", "F02\u200b,", 1))
    _cell(demo, "planning_tasks.csv", 3, "municipality_code", "GM\u00ad0437")
    path = demo / DEMO / "units.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("beds,", "beds\u200b,", 1))
    return [
        "unit_sites.csv, regel 3, site_id: 'F02\\u200b' bevat een onzichtbaar teken (U+200B, "
        "zero width space): het lijkt 'F02', maar is het niet; verwijder het teken",
        "planning_tasks.csv, regel 5, municipality_code: 'GM\\xad0437' bevat een onzichtbaar "
        "teken (U+00AD, soft hyphen): het lijkt 'GM0437'",
        "units.csv, regel 1: 'beds\\u200b' bevat een onzichtbaar teken",
        "De invoer heeft 3 problemen",
    ]


def case_planning_numbers_python_reads_but_no_table_does(demo):
    # int() and float() read '１７５' (full-width digits), '2_3' (23) and 'nan': the
    # planning took them where every other table refuses them
    _cell(demo, "planning_tasks.csv", 0, "task", "１７５")
    _cell(demo, "planning_tasks.csv", 1, "task", "2_3")
    _cell(demo, "planning_stock.csv", 0, "x", "nan")
    _cell(demo, "planning_candidates.csv", 0, "x", "1_26350")
    return [
        "planning_tasks.csv, rij 2, task: '１７５' is geen geheel getal",
        "planning_tasks.csv, rij 3, task: '2_3' is geen geheel getal",
        "planning_stock.csv, rij 2 (B01), x: 'nan' is geen getal",
        "planning_candidates.csv, rij 2 (F01), x: '1_26350' is geen getal",
        "De invoer heeft 4 problemen",
    ]


def case_mix_rule_with_two_unknown_sites_names_both(demo):
    # only 'F98' was named: the second problem of the same rule and field was dropped
    _scenario(
        demo,
        "groups: [statushouders], max_share: 0.5}",
        "groups: [statushouders], max_share: 0.5, sites: [F98, F01, F99]}",
    )
    return ["demo.yaml, allocation.mix_rules[0].sites: onbekende locatie 'F98', 'F99'"]


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


@pytest.fixture(scope="module")
def clean():
    """The clean demo's scenario and inputs, as read by the input pass."""
    from opvang_opt.io import load

    return load(ROOT / "scenarios" / "demo.yaml")


def _frames(inputs) -> dict[str, pd.DataFrame]:
    t = inputs.allocation_data.tables
    return {
        "households": t.households,
        "units": t.units,
        "sites": t.sites,
        "providers": inputs.services.providers,
        "facilities": inputs.services.facilities,
        "stock": inputs.planning.stock,
        "candidates": inputs.planning.candidates,
        "tasks": inputs.planning.tasks,
    }


def _same(inputs, clean_inputs, skip: dict[str, list[str]] | None = None) -> None:
    got, want = _frames(inputs), _frames(clean_inputs)
    for name, frame in want.items():
        drop = (skip or {}).get(name, [])
        pd.testing.assert_frame_equal(
            got[name].drop(columns=drop).reset_index(drop=True),
            frame.drop(columns=drop).reset_index(drop=True),
            check_dtype=False,
        )


def _rewrite(demo: Path, name: str, fn) -> None:
    path = demo / DEMO / name
    path.write_bytes(fn(path.read_text(encoding="utf-8")))


def test_bom_and_crlf_in_the_planning_and_services_tables_read_as_the_clean_csv(demo, clean):
    """Excel's 'CSV UTF-8' (a byte-order mark and CRLF line ends) for the planning stock,
    candidates and tasks and the facilities: the same tables as the clean demo."""
    for name in (
        "planning_stock.csv",
        "planning_candidates.csv",
        "planning_tasks.csv",
        "facilities.csv",
    ):
        _rewrite(demo, name, lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode())
    _, inputs = _load(demo)
    _same(inputs, clean[1])


def test_declared_dutch_planning_and_services_tables_read_as_the_clean_csv(demo, clean):
    """Semicolons and decimal commas, declared per table, in Windows-1252: the same tables."""

    def dutch(text: str) -> bytes:
        # as Excel saves it: a cell holding ';' (a list of groups) is quoted
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        for row in csv.reader(io.StringIO(text)):
            writer.writerow([c.replace(".", ",") for c in row])
        return out.getvalue().encode("cp1252")

    for name in ("planning_stock.csv", "planning_candidates.csv", "facilities.csv"):
        _rewrite(demo, name, dutch)
    declare = ', separator: ";", decimal: ",", encoding: cp1252}'
    for old in (
        "  stock: {path: ../data/demo/planning_stock.csv}",
        "    table: {path: ../data/demo/planning_candidates.csv}",
        "  facilities: {path: ../data/demo/facilities.csv}",
    ):
        _scenario(demo, old, old.removesuffix("}") + declare)
    _, inputs = _load(demo)
    _same(inputs, clean[1])


def test_trailing_empty_columns_spaced_headers_and_quoted_line_breaks_are_fine(demo, clean):
    """Empty columns after the last one (a separator at every line end, the header's too),
    spaces around a header name and a quoted name over two lines: the clean tables, with
    the two-line name kept as written."""
    _rewrite(demo, "unit_sites.csv", lambda t: t.replace("\n", ",,\n").encode())
    _rewrite(
        demo,
        "units.csv",
        lambda t: t.replace("unit_id,site_id,bedrooms", "unit_id, site_id ,bedrooms", 1).encode(),
    )
    _rewrite(
        demo,
        "planning_stock.csv",
        lambda t: t.replace(
            "Bergwijkdreef (fictief)", '"Bergwijkdreef\nachter (fictief)"'
        ).encode(),
    )
    _, inputs = _load(demo)
    _same(inputs, clean[1], skip={"stock": ["name"]})
    assert inputs.planning.stock["name"].iloc[0] == "Bergwijkdreef\nachter (fictief)"


def test_dutch_excel_waar_and_onwaar_are_yes_and_no(demo, clean) -> None:
    """A Dutch Excel writes TRUE and FALSE as WAAR and ONWAAR (was 'not true/false:
    'WAAR''): the same households and units as the clean 1 and 0, and the same yes/no
    column of the longlist."""

    def waar(df: pd.DataFrame) -> None:
        for col in ("needs_wheelchair", "needs_ground_floor", "needs_medical", "accessible"):
            if col in df.columns:
                df[col] = df[col].map({"1": "WAAR", "0": "ONWAAR"}).fillna(df[col])

    _edit(demo, "households.csv", waar)
    _edit(demo, "units.csv", waar)
    gdf = gpd.read_file(demo / DEMO / "longlist.gpkg", layer="longlist")
    gdf["zoning_change_needed"] = ["WAAR" if v else "onwaar" for v in gdf["zoning_change_needed"]]
    pyogrio.write_dataframe(gdf, demo / DEMO / "longlist.gpkg", layer="longlist", driver="GPKG")
    _, inputs = _load(demo)
    _same(inputs, clean[1])
    from opvang_opt.siting.criteria import numeric_column

    got = numeric_column(inputs.layers["longlist"], "zoning_change_needed", "site_id", "ll")
    want = clean[1].layers["longlist"]["zoning_change_needed"].astype(float).to_numpy()
    assert got.tolist() == want.tolist()


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) absent")
def test_a_curved_site_is_read_as_its_circle(demo) -> None:
    """A site drawn as a circle (a GeoPackage CURVEPOLYGON of radius 40 m, as CAD exports
    give them) is read as a polygon close to the circle: area pi x 40^2 = 5,026.5 m2
    within 1 %, centred where it was drawn."""
    gdf = gpd.read_file(demo / DEMO / "longlist.gpkg", layer="longlist")
    c = gdf.geometry.iloc[2].centroid
    ring = ",".join(
        f"{c.x + dx} {c.y + dy}" for dx, dy in ((-40, 0), (0, 40), (40, 0), (0, -40), (-40, 0))
    )
    wkts = [g.wkt for g in gdf.geometry]
    wkts[2] = f"CURVEPOLYGON(CIRCULARSTRING({ring}))"
    table = pd.DataFrame(gdf.drop(columns="geometry"))
    table["wkt"] = wkts
    table.to_csv(demo / DEMO / "ll.csv", index=False)
    (demo / DEMO / "longlist.gpkg").unlink()
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(demo / DEMO / "longlist.gpkg"), str(demo / DEMO / "ll.csv"),
         "-oo", "GEOM_POSSIBLE_NAMES=wkt", "-oo", "KEEP_GEOM_COLUMNS=NO", "-oo",
         "AUTODETECT_TYPE=YES", "-a_srs", "EPSG:28992", "-nln", "longlist", "-nlt", "GEOMETRY"],
        check=True, capture_output=True,
    )  # fmt: skip
    _, inputs = _load(demo)
    site = inputs.layers["longlist"].set_index("site_id").geometry["S003"]
    assert site.area == pytest.approx(math.pi * 40**2, rel=0.01)
    assert site.centroid.distance(c) < 0.5


def test_scenario_with_a_byte_order_mark_and_windows_line_ends_is_the_clean_one(demo, clean):
    """Notepad's UTF-8 (a byte-order mark) with CRLF line ends: the same scenario."""
    path = demo / "scenarios" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    from opvang_opt.schema import scenario_hash

    scenario, _ = _load(demo)
    # every setting, with the paths relative to each scenario's own folder
    got = scenario_hash(scenario, relative_to=demo / "scenarios")
    assert got == scenario_hash(clean[0], relative_to=ROOT / "scenarios")

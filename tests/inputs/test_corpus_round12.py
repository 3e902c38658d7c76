"""Round twelve of the bad-input corpus of issue 11, each case through the CLI on a copy of
the demo, in the default language (Dutch): exit 2, one message naming the file, the row or
id and the field, every problem at once, no traceback and nothing written.

New here (not in the earlier ``test_corpus*`` files):

- a workbook whose date column holds a few dates typed as text among the date cells (GDAL
  then reads the whole column as text and writes each date cell as ``2026/01/16``: every
  household of the table was 'not a date', 300 lines for one typed cell);
- a workbook whose formulas have no computed value (written by a program that does not
  compute them, never saved by Excel since): each was 'value is empty';
- a workbook as municipalities keep them: a site merged over the rows of its 30 units (was
  'unknown site \'\'', the empty site), a total row at the bottom (a unit 'Totaal'),
  formatted empty rows below the table (each an 'id is empty'; the CSV reader drops them)
  and a column name with a space after it (a 'missing' column; the CSV reader strips it);
- an empty site id of a unit: 'unknown site \'\'', now 'missing';
- a planning candidate available only after the plan's last period: accepted without a
  word (it can never open), now a warning as for a permit that ended before the start;
- paths as Windows writes them (``..\\data\\demo\\households.csv``, ``C:\\Users\\...``, a
  network share), in double quotes (YAML's 'unknown escape character'), as the ``extends``
  of a variant or the ``base`` of a sweep, and web addresses: each was 'file does not
  exist' with the path glued to the scenario's folder;
- numbers with a non-breaking space (``1\u00a0725.15``: Excel's thousands separator in a
  Dutch or French locale; or one after the number) or English thousands commas with a
  decimal point (``"1,725.15"``): 'not a number' without what to write;
- Excel's error values in number columns (``#N/B`` of a lookup that found nothing,
  ``#DEEL/0!``, ``#WAARDE!``): 'not a number' without why;
- a unit or a household naming a site as another table writes it otherwise (``f01``,
  ``F1`` for ``F01``): 'unknown site' without the site meant (the planning tables said it);
- a sweep value that breaks the schema: one line per variant holding it (5 lines for one
  ``twee`` in a 5 x 3 grid), now one line naming the other variants.

Inputs that are legitimately awkward are read to the same values as the clean demo: a
workbook's date column with a few dates typed as text (day-first), formatted empty rows
below a sheet's table, column names with a space around them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.inputs.demo_edit import DEMO, ROOT, edit_scenario, refused

_DATES = ("arrival_date", "available_from", "permit_end")


def _workbook(demo: Path, table: str, edit: Callable[[dict[str, int], object], None]) -> None:
    """``table`` (a demo CSV) saved as an .xlsx as Excel does (numbers as numbers, dates as
    date cells), then ``edit(columns, sheet)`` (``columns``: name -> 1-based column), and
    named in the scenario instead of the CSV."""
    df = pd.read_csv(demo / DEMO / table, dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        row: list[object] = []
        for col, v in zip(df.columns, rec, strict=True):
            if col in _DATES and v:
                row.append(dt.date.fromisoformat(v))
            elif v and v.replace(".", "", 1).lstrip("-").isdigit():
                row.append(float(v) if "." in v else int(v))
            else:
                row.append(v or None)
        ws.append(row)
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "dd-mm-yyyy"
    edit({c: k + 1 for k, c in enumerate(df.columns)}, ws)
    wb.save(demo / DEMO / table.replace(".csv", ".xlsx"))
    edit_scenario(demo, f"../data/demo/{table}", f"../data/demo/{table.replace('.csv', '.xlsx')}")


def _load(scenario: Path):
    from opvang_opt.io import load

    return load(scenario)


@pytest.fixture(scope="module")
def clean():
    """The clean demo's scenario and inputs, as read by the input pass."""
    return _load(ROOT / "scenarios" / "demo.yaml")


def _allocation_tables(inputs) -> dict[str, pd.DataFrame]:
    tables = inputs.allocation_data.tables
    return {"households": tables.households, "units": tables.units}


# --------------------------------------------------------------------------- workbooks


def _typed_dates(columns, ws) -> None:
    # H0001 arrives 2026-01-16 and H0002 2026-12-07 (the demo's CSV): typed as text,
    # day-first, as a Dutch user types them into a cell formatted as text
    c = columns["arrival_date"]
    ws.cell(row=2, column=c).value = "16-01-2026"
    ws.cell(row=3, column=c).value = "7-12-2026"


def test_workbook_date_column_with_dates_typed_as_text_reads_as_the_clean_csv(demo, clean):
    """Two dates typed as text among 298 date cells: every date is the clean CSV's."""
    _workbook(demo, "households.csv", _typed_dates)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    got, want = _allocation_tables(inputs), _allocation_tables(clean[1])
    pd.testing.assert_frame_equal(
        got["households"].reset_index(drop=True),
        want["households"].reset_index(drop=True),
        check_dtype=False,
    )


def case_workbook_date_column_with_one_unreadable_typed_date(demo):
    def edit(columns, ws) -> None:
        ws.cell(row=2, column=columns["available_from"]).value = "medio 2026"

    _workbook(demo, "units.csv", edit)
    return [
        "units.xlsx, woning U0001, available_from: geen datum; schrijf JJJJ-MM-DD",
        "De invoer heeft 1 probleem",  # not one per date cell of the column
    ]


# --------------------------------------------------------------------------- numbers


def _replace(demo: Path, file: str, old: str, new: str) -> None:
    path = demo / DEMO / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


NBSP = (
    "er staat een vaste spatie (U+00A0) in het getal, zoals Excel de duizendtallen scheidt "
    "in een Nederlandse of Franse opmaak (of van een webpagina gekopieerd): schrijf"
)


def case_numbers_with_a_non_breaking_space_or_english_thousands(demo):
    _replace(demo, "units.csv", "725.15", "1\u00a0725.15")  # U0001
    _replace(demo, "units.csv", "594.87", "594.87\u00a0")  # U0002
    _replace(demo, "units.csv", "672.09", '"1,672.09"')  # U0003
    _replace(
        demo,
        "planning_tasks.csv",
        "2026-H1,GM0384,asielzoekers,175",
        "2026-H1,GM0384,asielzoekers,1\u00a0175",
    )
    _replace(
        demo,
        "providers.csv",
        "taalklas,126890.0,483416.0,16,",
        "taalklas,126890.0,483416.0,1\u202f016,",
    )
    return [
        f"units.csv, woning U0001, rent_eur: geen getal: '1\\xa0725.15'; {NBSP} 1725.15",
        f"units.csv, woning U0002, rent_eur: geen getal: '594.87\\xa0'; {NBSP} 594.87",
        "units.csv, woning U0003, rent_eur: geen getal: '1,672.09'; ',' scheidt hier "
        "duizendtallen (een Engelse export, met een decimale punt): schrijf 1672.09",
        f"planning_tasks.csv, rij 2, task: '1\u00a0175' is geen geheel getal; {NBSP} 1175",
        "providers.csv, id TK-P0066, capacity: '1\u202f016' is geen getal; er staat een vaste "
        "spatie (U+202F) in het getal",
        "De invoer heeft 5 problemen",
    ]


def _cell(demo: Path, file: str, row: int, column: str, value: str) -> None:
    path = demo / DEMO / file
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False)


EXCEL_ERROR = (
    "is een foutwaarde van Excel: de formule van deze cel kon niet worden berekend "
    "(bijvoorbeeld VERT.ZOEKEN die niets vond, of een deling door nul); herstel de formule in "
    "de werkmap of vul het getal in, en exporteer opnieuw"
)


def case_excel_error_values_in_number_columns(demo):
    _cell(demo, "providers.csv", 0, "capacity", "#N/B")
    _cell(demo, "units.csv", 0, "rent_eur", "#DEEL/0!")
    _cell(demo, "planning_tasks.csv", 0, "task", "#WAARDE!")
    return [
        f"providers.csv, id TK-P0066, capacity: '#N/B' is geen getal; #N/B {EXCEL_ERROR}",
        f"units.csv, woning U0001, rent_eur: geen getal: '#DEEL/0!'; #DEEL/0! {EXCEL_ERROR}",
        f"planning_tasks.csv, rij 2, task: '#WAARDE!' is geen geheel getal; #WAARDE! {EXCEL_ERROR}",
        "De invoer heeft 3 problemen",
    ]


# --------------------------------------------------------------------------- ids


def case_site_ids_written_otherwise_than_the_sites_file(demo):
    _replace(demo, "units.csv", "U0001,F01", "U0001,f01")
    _replace(demo, "units.csv", "U0002,F01", "U0002,F1")
    _replace(
        demo,
        "households.csv",
        "H0002,statushouders,3,2,0,0,1,0,0,0,113321.0,472109.0,,,F06,",
        "H0002,statushouders,3,2,0,0,1,0,0,0,113321.0,472109.0,,,f06,",
    )
    _replace(
        demo,
        "households.csv",
        "H0001,statushouders,1,1,0,0,0,0,0,0,,,,,,",
        "H0001,statushouders,1,1,0,0,0,0,0,0,,,,,,F09",
    )
    return [
        "units.csv, woning U0001, site_id: onbekende locatie 'f01' (bedoelde u 'F01'?)",
        "units.csv, woning U0002, site_id: onbekende locatie 'F1' (bedoelde u 'F01'?)",
        "households.csv, huishouden H0002, preferred_sites: onbekende locatie 'f06' (bedoelde u "
        "'F06'?)",
        # another site, not one written otherwise: no site suggested
        "households.csv, huishouden H0001, refused_sites: onbekende locatie(s) F09\n",
        "De invoer heeft 4 problemen",
    ]


# --------------------------------------------------------------------------- paths

WINDOWS = "a Windows path reads on Windows as written"
windows_only = pytest.mark.skipif(os.name == "nt", reason=WINDOWS)


def case_windows_paths_and_a_web_address(demo):
    if os.name == "nt":
        pytest.skip(WINDOWS)
    edit_scenario(
        demo, "    households: ../data/demo/households.csv",
        r"    households: ..\data\demo\households.csv",
    )  # fmt: skip
    edit_scenario(
        demo, "{path: ../data/demo/pois.gpkg,", r"{path: 'C:\Users\beleid\opvang\pois.gpkg',"
    )
    edit_scenario(
        demo, "{path: ../data/demo/providers.csv}", r"{path: '\\gemeente\data\providers.csv'}"
    )
    edit_scenario(
        demo, "{path: ../data/demo/facilities.csv}", "{path: 'https://example.org/f.csv'}"
    )
    return [
        r"demo.yaml, allocation.inputs.households: '..\data\demo\households.csv' heeft "
        r"backslashes (\) tussen de mappen, zoals Windows ze schrijft; op deze computer is dat "
        "één bestandsnaam: schrijf ../data/demo/households.csv (regel 158)",
        r"demo.yaml, layers.pois.path: 'C:\Users\beleid\opvang\pois.gpkg' is een "
        "Windows-bestandspad (met een stationsletter of netwerkmap) dat op deze computer niet "
        "bestaat: noem het bestand relatief aan het scenariobestand, met / tussen de mappen",
        r"demo.yaml, services.providers.path: '\\gemeente\data\providers.csv' is een "
        "Windows-bestandspad",
        "demo.yaml, services.facilities.path: 'https://example.org/f.csv' is een webadres; een "
        "scenario leest alleen bestanden op deze computer: download het bestand",
        "4 problemen",
    ]


def case_windows_path_in_double_quotes(demo):
    # a YAML problem on any system: "\d" is no escape of YAML's
    edit_scenario(demo, "    units: ../data/demo/units.csv", r'    units: "..\data\demo\units.csv"')
    return [
        "demo.yaml, regel 159, kolom 16: YAML-leesfout: "
        "found unknown escape character 'd'; tussen dubbele aanhalingstekens begint een "
        r"backslash (\) een teken als \n: schrijf een bestandspad met / tussen de mappen",
    ]


@windows_only
def test_variant_and_sweep_of_a_windows_base_path_are_refused(demo) -> None:
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    scenarios = demo / "scenarios"
    variant = scenarios / "variants" / "snel_beschikbaar.yaml"
    variant.write_text(
        variant.read_text(encoding="utf-8").replace(
            "extends: ../demo.yaml", r"extends: ..\demo.yaml"
        )
    )
    sweep = scenarios / "sweeps" / "demo_doel.yaml"
    sweep.write_text(
        sweep.read_text(encoding="utf-8").replace("base: ../demo.yaml", r"base: ..\demo.yaml")
    )
    said = r"'..\demo.yaml' heeft backslashes (\) tussen de mappen, zoals Windows ze schrijft"
    out = demo / "results"
    for args in (["validate", str(variant)], ["sweep", str(sweep), "--out", str(out)]):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, res.output
        assert said in res.stderr and "schrijf ../demo.yaml" in res.stderr, res.stderr
        field = "extends" if args[0] == "validate" else "base"
        assert f"{field}: {said}" in res.stderr
        assert "Traceback" not in res.output
        assert not out.exists()


def case_workbook_formulas_without_their_computed_values(demo):
    def edit(columns, ws) -> None:
        # openpyxl writes a formula without a value, as any program that does not compute
        persons, adults = columns["persons"], columns["adults"]
        ws.cell(row=2, column=persons).value = "=D2+E2+F2+G2"
        ws.cell(row=4, column=persons).value = "=D4+E4+F4+G4"
        ws.cell(row=3, column=adults).value = "=C3-1"

    _workbook(demo, "households.csv", edit)
    return [
        "households.xlsx, id H0001 (rij 1), persons: cel C2 heeft de formule =D2+E2+F2+G2 maar "
        "geen berekende waarde (en nog 1 cel(len) van deze kolom): de werkmap is gemaakt door "
        "een programma dat formules niet uitrekent; open en bewaar hem in Excel, of plak de "
        "waarden als waarden",
        "households.xlsx, id H0002 (rij 2), adults: cel D3 heeft de formule =C3-1 maar geen",
        "De invoer heeft 2 problemen",  # not 'value is empty'
    ]


def case_workbook_with_a_merged_site_and_a_total_row(demo):
    def edit(columns, ws) -> None:
        site = columns["site_id"]
        # U0001..U0030 are the 30 units of F01 in the demo: the site written once, merged
        for row in range(3, 32):
            assert ws.cell(row=row, column=site).value == "F01"
            ws.cell(row=row, column=site).value = None
        ws.merge_cells(start_row=2, start_column=site, end_row=31, end_column=site)
        total = ws.max_row + 1
        ws.cell(row=total, column=1).value = "Totaal"
        ws.cell(row=total, column=columns["beds"]).value = 1234

    _workbook(demo, "units.csv", edit)
    return [
        "units.xlsx, id U0001 (rij 1), site_id: de cellen B2:B31 zijn samengevoegd: alleen de "
        "eerste (B2) heeft de waarde, de andere rijen lezen als leeg; maak de samenvoeging "
        "ongedaan en vul de waarde in elke rij in",
        "units.xlsx, rij 331: dit lijkt een totaalregel ('Totaal')",
        "De invoer heeft 2 problemen",
    ]


def case_workbook_with_a_total_row(demo):
    def edit(columns, ws) -> None:
        total = ws.max_row + 1  # the demo's 330 units, then the total
        ws.cell(row=total, column=1).value = "Totaal"
        ws.cell(row=total, column=columns["beds"]).value = 1234

    _workbook(demo, "units.csv", edit)
    return [
        "units.xlsx, rij 331: dit lijkt een totaalregel ('Totaal'), geen rij met gegevens: "
        "verwijder hem uit het bestand",
        "De invoer heeft 1 probleem",  # not an unknown site '' and empty values of 'Totaal'
    ]


def case_unit_without_a_site(demo):
    _replace(demo, "units.csv", "U0001,F01", "U0001,")
    _replace(demo, "units.csv", "U0002,F01", "U0002,")
    return [
        "units.csv, woning U0001, site_id: ontbreekt, ook bij 1 andere woning(en): U0002",
        "De invoer heeft 1 probleem",
    ]


def test_workbook_with_formatted_empty_rows_and_spaced_names_reads_as_the_clean_csv(demo, clean):
    """Formatted but empty rows below the table and column names with a space around them
    (as a CSV with ';;;;' lines at the bottom and a spaced header): the clean tables."""
    from openpyxl.styles import Font

    def edit(columns, ws) -> None:
        ws.cell(row=1, column=columns["persons"]).value = "persons "
        ws.cell(row=1, column=columns["adults"]).value = " adults"
        for row in range(ws.max_row + 1, ws.max_row + 6):
            for col in range(1, 6):
                ws.cell(row=row, column=col).font = Font(bold=True)
                ws.cell(row=row, column=col).value = " " if col == 3 else None

    _workbook(demo, "households.csv", edit)
    _, inputs = _load(demo / "scenarios" / "demo.yaml")
    got, want = _allocation_tables(inputs), _allocation_tables(clean[1])
    pd.testing.assert_frame_equal(
        got["households"].reset_index(drop=True),
        want["households"].reset_index(drop=True),
        check_dtype=False,
    )


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_round12_bad_input_exits_2_naming_file_row_field_and_writes_nothing(demo, case):
    refused(demo, case(demo), lang=None)


def test_sweep_value_that_breaks_the_schema_is_said_once(demo) -> None:
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    sweep = demo / "scenarios" / "sweeps" / "demo_doel.yaml"
    text = sweep.read_text(encoding="utf-8")
    assert "siting.criteria[station].weight: [1, 2, 4]" in text
    sweep.write_text(text.replace("[1, 2, 4]", "[1, twee, 4]"), encoding="utf-8")
    out = demo / "results"
    res = CliRunner().invoke(app, ["sweep", str(sweep), "--out", str(out)])
    assert res.exit_code == 2, res.output
    # the grid is amount (400..800, 5 values) x weight (3 values): 'twee' is the 2nd weight
    # of each amount, variants 2, 5, 8, 11 and 14
    assert "5 van 15 variant(en) voldoen niet aan het scenarioschema" in res.stderr
    assert (
        'variant 2 (siting.target.amount=400, siting.criteria[station].weight="twee"), '
        "siting.criteria[0].weight: moet een getal zijn"
    ) in res.stderr
    assert "(ingevuld: 'twee') (ook in variant 5, 8, 11, 14)" in res.stderr
    assert res.stderr.count("twee") == 2, res.stderr  # one problem line
    assert "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("day", "warned"), [("2036-01-01", True), ("2035-12-31", False), ("01-01-2037", True)]
)
def test_planning_candidate_available_after_the_horizon_is_warned_of(demo, day, warned):
    """The demo plans 20 half-years from 2026-01-01: the last, 2035-H2, ends on
    2036-01-01; a candidate available from that day on can never open in the plan."""
    from opvang_opt.io.planning import planning_table_warnings, read_planning_tables
    from opvang_opt.schema import load_scenario
    from opvang_opt.texts import render

    _cell(demo, "planning_candidates.csv", 0, "available_from", day)
    config = load_scenario(demo / "scenarios" / "demo.yaml").planning
    assert config is not None
    tables = read_planning_tables(config, ["GM0384", "GM0437", "GM0451"])
    said = [render(w, "nl") for w in planning_table_warnings(config, tables)]
    found = [s for s in said if "available_from" in s]
    if not warned:
        assert found == []
        return
    iso = "2036-01-01" if day.startswith("2036") else "2037-01-01"
    assert len(found) == 1, said
    assert found[0].endswith(
        f"planning_candidates.csv, id F01, available_from: beschikbaar vanaf {iso}, na de "
        "laatste periode van de planning (2035-H2, tot 2036-01-01): de locatie kan binnen de "
        "planning nooit open; laat de rij weg, of zet planning.periods hoger"
    )

"""More bad and awkward inputs of issue 11, as a municipal analyst's real files have them,
each through the CLI on a copy of the demo: exit 2, one message naming the file, the id or
row and the field, and nothing written. Kinds not in ``test_corpus`` and
``test_corpus_tables``: scenario files (non-finite numbers, quoted numbers with a thousands
point, Dutch and Excel dates, typing errors), layers (a file of several layers without
``layer:``, null and mixed geometries, degrees in one layer of several, huge costs),
tables (total rows, empty cells, ``ja``/``nee``, references, duplicates, leading zeros)
and the planning and services tables.

Awkward inputs that are accepted (a byte-order mark, Windows line endings, trailing empty
rows and columns, a declared Dutch export) give the same shortlist as the clean file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from opvang_opt.cli import app
from tests.conftest import ORIGIN, write_yaml
from tests.inputs.demo_edit import DEMO
from tests.inputs.demo_edit import edit_scenario as _scenario
from tests.inputs.demo_edit import edit_table as _edit
from tests.inputs.demo_edit import refused as _refused


def _append(demo: Path, name: str, text: str) -> None:
    path = demo / DEMO / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _layer(demo: Path, file: str = "longlist.gpkg", layer: str = "longlist") -> gpd.GeoDataFrame:
    return gpd.read_file(demo / DEMO / file, layer=layer)


def _write_layer(
    demo: Path, gdf: gpd.GeoDataFrame, file: str = "longlist.gpkg", layer: str = "longlist"
) -> None:
    pyogrio.write_dataframe(gdf, demo / DEMO / file, layer=layer, driver="GPKG")


def _longlist_cell(demo: Path, row: int, column: str, value: object) -> None:
    gdf = _layer(demo)
    gdf[column] = gdf[column].astype(object)
    gdf.loc[row, column] = value
    _write_layer(demo, gdf)


# --------------------------------------------------------------------------- scenario


def case_scenario_infinite_budget_and_nan_target(demo):
    # `.inf` was accepted as a budget (and 1e300 stopped the run where costs become cents)
    _scenario(demo, "    budget_eur: 15000000", "    budget_eur: .inf")
    _scenario(demo, "    amount: 600", "    amount: .nan")
    return [
        "demo.yaml, siting.target.amount",
        "demo.yaml, siting.shortlist.budget_eur",
        "finite number (got inf)",
        "2 problem(s)",
    ]


def case_scenario_budget_beyond_any_municipality(demo):
    _scenario(demo, "    budget_eur: 15000000", "    budget_eur: 1.0e+300")
    return ["demo.yaml, siting.shortlist.budget_eur"]


def case_scenario_quoted_task_with_a_thousands_point(demo):
    # pydantic read the text '1.750' as 1.75 places; a Dutch writer means 1750
    _scenario(demo, "GM0384: {asielzoekers: 175,", "GM0384: {asielzoekers: '1.750',")
    return [
        "demo.yaml, exchange.tasks.GM0384.asielzoekers: the text '1.750' is read as 1.75",
        "without quotes and without a thousands point: 1750",
    ]


def case_scenario_percentage_as_share(demo):
    _scenario(demo, "max_share: 0.5}", "max_share: 50%}")
    return ["allocation.mix_rules[0].max_share", "'50%'", "without '%'"]


def case_scenario_ja_as_boolean(demo):
    _scenario(demo, "  fictitious: true", "  fictitious: ja")
    return ["demo.yaml, outputs.fictitious", "'ja'"]


def case_scenario_dutch_month_name(demo):
    _scenario(demo, "  start: 2026-01-01\n  periods: 20", "  start: 1 januari 2026\n  periods: 20")
    return ["demo.yaml, planning.start", "YYYY-MM-DD"]


def case_scenario_excel_serial_date(demo):
    _scenario(demo, "      date: 2028-06-30", "      date: 47299")  # 2029-06-30 in Excel
    return ["demo.yaml, siting.exclusions[4].date", "not a valid date", "47299"]


def case_scenario_key_twice_in_a_flow_mapping(demo):
    _scenario(
        demo,
        "    - {code: GM0437, name: Ouder-Amstel, population: 14000}",
        "    - {code: GM0437, name: Ouder-Amstel, population: 14000, population: 1400}",
    )
    return ["demo.yaml", "exchange.municipalities[1].population", "written twice"]


def case_scenario_tab_indentation(demo):
    _scenario(demo, "  name: Duo+\n", "\tname: Duo+\n")
    return ["demo.yaml", "line 14, column 1", "spaces, not tabs"]


def case_scenario_three_independent_problems(demo):
    _scenario(demo, "    max_sites: 6", "    max_site: 6")
    _scenario(demo, "    amount: 600", "    amount: zeshonderd")
    _scenario(demo, "  discount_rate: 0.0225", "  discount_rate: -0.5")
    return [
        "siting.shortlist.max_site",
        "did you mean 'max_sites'",
        "siting.target.amount",
        "planning.discount_rate",
        "3 problem(s)",
    ]


def case_scenario_exchange_capacity_of_an_unknown_municipality(demo):
    _scenario(
        demo,
        "{municipality: GM0437, type: sociale_huur, places: 15}",
        "{municipality: GM0438, type: sociale_huur, places: -15}",
    )
    # the municipality is checked across fields once every field is valid: the places first
    return ["demo.yaml, exchange.capacity[5].places", "greater than or equal to 0"]


def case_scenario_layer_of_a_file_with_several_layers_undeclared(demo):
    # GDAL read the first layer (the noise contour) as the nature areas, silently
    _scenario(
        demo,
        "  nature: {path: ../data/demo/constraints.gpkg, layer: nature}",
        "  nature: {path: ../data/demo/constraints.gpkg}",
    )
    return [
        "constraints.gpkg, layer 'nature', layer: the file has several layers",
        "noise_contour, hv_line, hv_zone, nature",
        "declare `layer:`",
    ]


def case_scenario_layer_file_misspelt(demo):
    _scenario(demo, "../data/demo/pois.gpkg", "../data/demo/poi.gpkg")
    return ["poi.gpkg, layer 'pois': file does not exist (did you mean 'pois.gpkg'?)"]


def case_scenario_pin_of_a_household_id_without_a_zero(demo):
    # named 'scenario' rather than the file, without a hint
    _scenario(
        demo,
        "  max_wait_days: 180 ",
        "  pins: [{household_id: H001, unit_id: U001}]\n  max_wait_days: 180 ",
    )
    return [
        "demo.yaml, allocation.pins[0].household_id: unknown household 'H001' (did you",
        "demo.yaml, allocation.pins[0].unit_id: unit 'U001' does not exist (did you",
    ]


# --------------------------------------------------------------------------- layers


def case_longlist_cost_beyond_any_site(demo):
    _longlist_cell(demo, 1, "cost_estimate_eur", 1e300)  # was exit 1 (Decimal overflow)
    return ["longlist.gpkg, id S002 (row 2), cost_estimate_eur", "1e+300", "more than 1e+11"]


def case_longlist_geojson_with_null_geometries(demo):
    gdf = _layer(demo)
    gdf.loc[[2, 5], "geometry"] = None
    gdf.to_file(demo / DEMO / "longlist.geojson", driver="GeoJSON")
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/longlist.geojson, id_column: site_id}",
    )
    return [
        "longlist.geojson, id S003 (row 3), geometry: empty geometry",
        "longlist.geojson, id S006 (row 6), geometry: empty geometry",
    ]


def case_longlist_point_among_polygons(demo):
    gdf = _layer(demo)
    gdf.loc[3, "geometry"] = gdf.geometry.iloc[3].centroid
    _write_layer(demo, gdf)
    return ["longlist.gpkg", "S004", "geometry"]


def case_longlist_site_in_groningen(demo):
    gdf = _layer(demo)
    gdf.loc[6, "geometry"] = box(233_000, 581_000, 233_100, 581_100)
    _write_layer(demo, gdf)
    return ["longlist.gpkg", "id S007", "geometry", "outside the region", "km"]


def case_longlist_two_duplicate_ids(demo):
    gdf = _layer(demo)
    gdf.loc[7, "site_id"] = "S001"
    gdf.loc[9, "site_id"] = "S003"
    _write_layer(demo, gdf)
    return ["site_id: duplicate id 'S001' in rows 1, 8", "duplicate id 'S003' in rows 3, 10"]


def case_longlist_excel_serial_and_dutch_month_dates(demo):
    _longlist_cell(demo, 1, "available_from", "46054")
    _longlist_cell(demo, 2, "available_from", "1 februari 2026")
    return [
        "longlist.gpkg, id S002 (row 2), available_from",
        "Excel",
        "longlist.gpkg, id S003 (row 3), available_from",
    ]


def case_longlist_percentage_and_euro_sign(demo):
    _longlist_cell(demo, 1, "zoning_change_needed", "30%")
    _longlist_cell(demo, 2, "cost_estimate_eur", "€ 1 250 000")
    return [
        "id S002 (row 2), zoning_change_needed: not a number: '30%'",
        "id S003 (row 3), cost_estimate_eur: not a number: '€ 1 250 000'",
    ]


def case_longlist_without_crs(demo):
    _write_layer(demo, _layer(demo).set_crs(None, allow_override=True))
    return ["longlist.gpkg", "no coordinate reference system", "crs: EPSG:28992"]


def case_one_layer_of_several_in_degrees_names_the_layer(demo):
    gdf = _layer(demo, "boundaries.gpkg", "buurten").to_crs(4326)
    _write_layer(demo, gdf.set_crs(28992, allow_override=True), "boundaries.gpkg", "buurten")
    return ["boundaries.gpkg, layer 'buurten', crs", "longitude/latitude degrees", "BU03840101"]


def case_noise_contour_as_points(demo):
    # the share of each plot in the contour was 0 for every site, silently
    gdf = _layer(demo, "constraints.gpkg", "noise_contour")
    gdf["geometry"] = gdf.geometry.centroid
    _write_layer(demo, gdf, "constraints.gpkg", "noise_contour")
    return [
        "constraints.gpkg, layer 'noise_contour', geometry",
        "criterion 'geluid' measures the share of a plot inside layer 'noise_contour'",
        "no areas (Point)",
    ]


def case_longlist_csv_with_a_total_row(demo):
    gdf = _layer(demo)
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df["wkt"] = gdf.geometry.to_wkt()
    text = df.to_csv(index=False)
    total = "Totaal" + "," * (len(df.columns) - 1) + "\n"
    (demo / DEMO / "longlist.csv").write_text(text + total, encoding="utf-8")
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/longlist.csv, wkt_column: wkt, crs: 'EPSG:28992', id_column: site_id}",
    )
    return ["longlist.csv, line 46: this looks like a total row ('Totaal')", "1 problem(s)"]


def case_longlist_csv_with_broken_wkt_and_missing_column(demo):
    gdf = _layer(demo)
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df["wkt"] = gdf.geometry.to_wkt()
    df.loc[2, "wkt"] = "POLYGON ((kapot"
    df.to_csv(demo / DEMO / "longlist.csv", index=False)
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/longlist.csv, wkt_column: wkt, crs: 'EPSG:28992', id_column: site_id}",
    )
    return ["longlist.csv, id S003 (row 3), wkt: not valid WKT"]


# --------------------------------------------------------------------------- households


def case_households_total_row_at_the_bottom(demo):
    # read as a household 'Totaal' with six problems; it is one total row
    _append(demo, "households.csv", "Totaal,,900,,,,,,,,,,,,,,,\n")
    return ["households.csv, line 302: this looks like a total row ('Totaal')", "1 problem(s)"]


def case_households_empty_whole_number_cells(demo):
    def f(df):
        df.loc[0, "adults"] = ""
        df.loc[1, "children_0_3"] = " "

    _edit(demo, "households.csv", f)
    return [
        "household H0001, adults: value is empty",
        "household H0002, children_0_3: value is empty",
    ]


def case_households_duplicate_id_by_a_trailing_space(demo):
    _edit(demo, "households.csv", lambda df: df.loc.__setitem__((5, "household_id"), "H0005 "))
    return ["households.csv", "household_id: duplicate id 'H0005' in rows 5, 6"]


def case_households_unknown_preferred_and_refused_sites(demo):
    def f(df):
        df.loc[1, "preferred_sites"] = "F99"
        df.loc[2, "refused_sites"] = "F77;F01"

    _edit(demo, "households.csv", f)
    return [
        "household H0002, preferred_sites: unknown site(s) F99",
        "household H0003, refused_sites: unknown site(s) F77",
    ]


def case_households_current_unit_without_leading_zeros(demo):
    _edit(demo, "households.csv", lambda df: df.loc.__setitem__((0, "current_unit"), "U1"))
    return ["household H0001, current_unit: current unit 'U1' is not in the unit stock"]


def case_households_excel_serial_and_dutch_month_dates(demo):
    def f(df):
        df.loc[0, "arrival_date"] = "46054"
        df.loc[1, "arrival_date"] = "1 februari 2026"

    _edit(demo, "households.csv", f)
    return ["household H0001, arrival_date", "Excel", "household H0002, arrival_date"]


def case_households_header_only(demo):
    path = demo / DEMO / "households.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return ["households.csv", "has no rows"]


def case_households_school_in_degrees_and_swapped(demo):
    def f(df):
        df.loc[2, ["school_x", "school_y"]] = ["4.95", "52.33"]
        df.loc[3, ["school_x", "school_y"]] = ["482936.0", "127542.0"]

    _edit(demo, "households.csv", f)
    return ["households.csv", "H0003", "degrees", "H0004", "outside the Netherlands"]


def case_households_dutch_export_undeclared(demo):
    path = demo / DEMO / "households.csv"
    text = path.read_text(encoding="utf-8").replace(",", ";").replace("\n", "\r\n")
    path.write_bytes(text.encode("cp1252"))
    return ["households.csv, line 1", 'separator: ";"', "households"]


def case_households_and_units_problems_at_once(demo):
    def f(df):
        df.loc[0, "arrival_date"] = "31-09-2026"
        df.loc[3, "persons"] = "vier"

    _edit(demo, "households.csv", f)
    _edit(demo, "units.csv", lambda df: df.loc.__setitem__((0, "site_id"), "F09"))
    return ["households.csv", "H0001, arrival_date", "H0004, persons", "units.csv", "U0001"]


# --------------------------------------------------------------------------- units and sites


def case_units_duplicate_id_negative_beds_and_half_bedroom(demo):
    def f(df):
        df.loc[1, "unit_id"] = "U0001"
        df.loc[3, "beds"] = "-2"
        df.loc[4, "bedrooms"] = "1,5"

    _edit(demo, "units.csv", f)
    return ["units.csv", "U0001", "unit U0004, beds", "unit U0005, bedrooms"]


def case_units_negative_and_missing_rent(demo):
    def f(df):
        df.loc[0, "rent_eur"] = "-650"
        df.loc[1, "rent_eur"] = "NaN"

    _edit(demo, "units.csv", f)
    return ["units.csv", "unit U0001, rent_eur", "unit U0002, rent_eur"]


def case_units_two_digit_year_and_slashed_iso(demo):
    def f(df):
        df.loc[0, "available_from"] = "1-3-26"
        df.loc[1, "available_from"] = "2026/03/01"

    _edit(demo, "units.csv", f)
    return ["unit U0001, available_from: two-digit year", "unit U0002, available_from"]


def case_unit_sites_duplicate_and_in_groningen(demo):
    def f(df):
        df.loc[1, "site_id"] = "F01"
        df.loc[2, ["x", "y"]] = ["233000", "581000"]

    _edit(demo, "unit_sites.csv", f)
    return [
        "unit_sites.csv, id F01, site_id: duplicate id 'F01' in rows 1, 2",
        "unit_sites.csv, x/y: coordinates lie more than 50 km from the region: F03",
        # one line for the 60 units of the site renamed, not 60
        "units.csv, unit U0031, site_id: unknown site 'F02', as for 59 more unit(s)",
    ]


def case_unit_sites_without_y(demo):
    _edit(demo, "unit_sites.csv", lambda df: df.pop("y"))
    return ["unit_sites.csv", "y"]


# --------------------------------------------------------------------------- planning


def case_planning_task_period_code_and_group_wrong(demo):
    def f(df):
        df.loc[0, "period"] = "2026-H3"
        df.loc[1, "municipality_code"] = "GM999"
        df.loc[2, "group"] = "ontheemde"

    _edit(demo, "planning_tasks.csv", f)
    return ["planning_tasks.csv", "2026-H3", "GM999", "ontheemde"]


def case_planning_task_negative_and_percentage(demo):
    def f(df):
        df.loc[0, "task"] = "-5"
        df.loc[1, "task"] = "30%"

    _edit(demo, "planning_tasks.csv", f)
    return ["planning_tasks.csv", "row 2, task", "row 3, task", "'30%'"]


def case_planning_stock_permit_end_as_excel_serial(demo):
    _edit(demo, "planning_stock.csv", lambda df: df.loc.__setitem__((0, "permit_end"), "46387"))
    return ["planning_stock.csv", "B01", "permit_end", "Excel"]


def case_planning_candidate_unknown_group_and_zero_block(demo):
    def f(df):
        df.loc[0, "groups"] = "ontheemden;vluchtelingen"
        df.loc[0, "block_units"] = "0"

    _edit(demo, "planning_candidates.csv", f)
    return ["planning_candidates.csv", "F01", "vluchtelingen", "block_units"]


def case_planning_candidate_date_with_a_month_name(demo):
    _edit(
        demo,
        "planning_candidates.csv",
        lambda df: df.loc.__setitem__((0, "available_from"), "1 juli 2026"),
    )
    return ["planning_candidates.csv", "F01", "available_from", "'1 juli 2026'"]


def case_planning_tasks_header_only(demo):
    # was accepted: a plan without any task
    (demo / DEMO / "planning_tasks.csv").write_text("period,municipality_code,group,task\n")
    return ["planning_tasks.csv: the table 'planning.tasks' has no rows"]


# --------------------------------------------------------------------------- services


def case_providers_unknown_type_and_negative_capacity(demo):
    def f(df):
        df.loc[0, "type"] = "Taalklasje"
        df.loc[1, "capacity"] = "-10"

    _edit(demo, "providers.csv", f)
    return ["providers.csv", "TK-P0066", "type", "TK-P0075", "capacity"]


def case_providers_duplicate_id_and_a_bad_capacity(demo):
    def f(df):
        df.loc[1, "provider_id"] = "TK-P0066"
        df.loc[2, "capacity"] = "veel"

    _edit(demo, "providers.csv", f)
    return ["providers.csv", "duplicate id 'TK-P0066' (lines 2, 3)", "TK-P0080, capacity"]


def case_providers_infinite_capacity_and_missing_x(demo):
    def f(df):
        df.loc[0, "capacity"] = "inf"
        df.loc[1, "x"] = ""

    _edit(demo, "providers.csv", f)
    return ["providers.csv", "TK-P0066", "capacity", "TK-P0075", "x"]


def case_providers_in_brussels_degrees(demo):
    _edit(demo, "providers.csv", lambda df: df.loc.__setitem__((0, ["x", "y"]), ["4.35", "50.85"]))
    return ["providers.csv", "TK-P0066", "degrees"]


def case_facilities_duplicate_id(demo):
    _edit(demo, "facilities.csv", lambda df: df.loc.__setitem__((1, "facility_id"), "TV-1"))
    return ["facilities.csv", "TV-1"]


def case_providers_file_missing(demo):
    (demo / DEMO / "providers.csv").unlink()
    return ["providers.csv", "does not exist"]


# --------------------------------------------------------------------------- files


def case_geopackage_that_is_a_csv(demo):
    (demo / DEMO / "pois.gpkg").write_text("poi_id,category\n1,station\n", encoding="utf-8")
    return ["pois.gpkg: the file is not a GeoPackage (it starts with 'poi_id,categ')"]


def case_units_file_of_binary_bytes(demo):
    (demo / DEMO / "units.csv").write_bytes(bytes(range(256)) * 4)
    return ["units.csv, line 2: byte 128 cannot be read as UTF-8", "declare its encoding"]


def case_empty_geopackage(demo):
    (demo / DEMO / "longlist.gpkg").write_bytes(b"")
    return ["longlist.gpkg: the file is empty (0 bytes)"]


def case_geopackage_cut_off_while_copying(demo):
    # the first 3,000 bytes of a real GeoPackage: SQLite's header, then nothing; GDAL's
    # own text ("database disk image is malformed") is kept, after the explanation
    path = demo / DEMO / "pois.gpkg"
    path.write_bytes(path.read_bytes()[:3000])
    return ["pois.gpkg: the file is damaged or incomplete", "copy or export it again",
            "malformed"]  # fmt: skip


def case_layer_in_an_unknown_format(demo):
    # a GeoJSON name on bytes that are no GeoJSON (nor any format GDAL knows)
    (demo / DEMO / "pois.geojson").write_bytes(bytes(range(256)) * 2)
    _scenario(demo, "../data/demo/pois.gpkg, layer: pois,", "../data/demo/pois.geojson,")
    return ["pois.geojson: this file format is not recognised", "GeoPackage (.gpkg)"]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_more_bad_input_exits_2_naming_file_id_field_and_writes_nothing(demo, case) -> None:
    _refused(demo, case(demo))


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (case_scenario_layer_of_a_file_with_several_layers_undeclared,
         "het bestand heeft meerdere lagen"),
        (case_households_total_row_at_the_bottom, "dit lijkt een totaalregel ('Totaal')"),
        (case_longlist_cost_beyond_any_site, "voor één locatie"),
        (case_households_empty_whole_number_cells, "adults: waarde is leeg"),
        (case_geopackage_cut_off_while_copying, "het bestand is beschadigd of onvolledig"),
    ],
)  # fmt: skip
def test_validate_says_it_in_dutch(demo, case, expected) -> None:
    case(demo)
    _refused(demo, [expected], command="validate", lang="nl")


# --------------------------------------------------------------------------- accepted


def test_quoted_text_with_a_point_stays_text_where_the_schema_wants_text(demo) -> None:
    """Only a number field refuses quoted '1.750': a title may read so."""
    from opvang_opt.schema import load_scenario

    _scenario(demo, 'title: "Spoor 3 demo', 'title: "1.750"\nsubtitle_was: "Spoor 3 demo')
    path = demo / "scenarios" / "demo.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("subtitle_was"))
    path.write_text(text.replace(line + "\n", ""), encoding="utf-8")
    assert load_scenario(path).title == "1.750"


def _tiny_csv(tiny: dict[str, Any], data: bytes, **decl: Any) -> None:
    (tiny["data"] / "sites.csv").write_bytes(data)
    raw = {
        **tiny["raw"],
        "layers": dict(tiny["raw"]["layers"]),
        "siting": dict(tiny["raw"]["siting"]),
    }
    raw["siting"]["capacity"] = {**raw["siting"]["capacity"], "area_column": "area_m2"}
    raw["layers"]["longlist"] = {
        "path": "data/sites.csv",
        "id_column": "site_id",
        "x_column": "x",
        "y_column": "y",
        "crs": "EPSG:28992",
        **decl,
    }
    write_yaml(tiny["path"], raw)


_ROWS = [  # the tiny world's sites as points (area from the density norm's 1 ha)
    ("A", "Alfa", "1000000.5", "2026-01-01", 50, 50),
    ("B", "Bravo", "2000000", "2026-06-01", 350, 50),
    ("C", "Charlie", "3000000", "2027-01-01", 650, 50),
    ("D", "Délta", "4000000", "2030-01-01", 1100, 50),
]


def _clean_csv() -> str:
    lines = ["site_id,name,cost,available_from,x,y,area_m2"]
    for sid, name, cost, date, x, y in _ROWS:
        area = 20000 if sid == "D" else 10000
        lines.append(f"{sid},{name},{cost},{date},{ORIGIN[0] + x:.1f},{ORIGIN[1] + y:.1f},{area}")
    return "\n".join(lines) + "\n"


def _dutch_csv() -> str:
    """As Excel saves it in a Dutch locale: semicolons, decimal commas, thousands points,
    day-first dates, a trailing empty column and empty rows at the bottom."""
    lines = ["site_id;name;cost;available_from;x;y;area_m2;"]
    for sid, name, cost, date, x, y in _ROWS:
        euros, _, cents = cost.partition(".")
        dutch_cost = f"{int(euros):,}".replace(",", ".") + (f",{cents}" if cents else "")
        d = f"{date[8:]}-{date[5:7]}-{date[:4]}"
        xs, ys = f"{ORIGIN[0] + x:.1f}".replace(".", ","), f"{ORIGIN[1] + y:.1f}".replace(".", ",")
        area = "20.000" if sid == "D" else "10.000"
        lines.append(f'{sid};{name};"{dutch_cost}";{d};{xs};{ys};{area};')
    return "\r\n".join(lines) + "\r\n;;;;;;;\r\n\r\n"


def _shortlist(tiny: dict[str, Any], name: str) -> str:
    out = tiny["dir"] / name
    res = CliRunner().invoke(app, ["run", str(tiny["path"]), "--out", str(out), "--lang", "en"])
    assert res.exit_code in (0, 3), res.output
    return (out / "shortlist.csv").read_text(encoding="utf-8")


def test_awkward_but_declared_csv_gives_the_clean_files_shortlist(tiny) -> None:
    """A byte-order mark with Windows line endings, and a declared Dutch Excel export in
    Windows-1252 with a trailing empty column and empty rows, give the same shortlist (ids,
    capacities, costs, names) as the clean UTF-8 file."""
    _tiny_csv(tiny, _clean_csv().encode("utf-8"))
    clean = _shortlist(tiny, "clean")
    assert "Alfa" in clean and "Délta" not in clean  # D is only available from 2030

    _tiny_csv(tiny, b"\xef\xbb\xbf" + _clean_csv().replace("\n", "\r\n").encode("utf-8"))
    assert _shortlist(tiny, "bom_crlf") == clean

    _tiny_csv(tiny, _dutch_csv().encode("cp1252"), separator=";", decimal=",", encoding="cp1252")
    assert _shortlist(tiny, "dutch") == clean


def test_utf8_with_bom_declared_as_cp1252_is_refused(demo) -> None:
    """Excel's 'CSV UTF-8' under a cp1252 declaration: 'ï»¿household_id' was the first
    column (a missing required column) and accented letters would be garbled."""
    path = demo / DEMO / "households.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    _scenario(demo, "    pois_layer: pois ", "    encoding: cp1252\n    pois_layer: pois ")
    _refused(demo, ["households.csv, line 1", "UTF-8 byte-order mark", "encoding: cp1252"])

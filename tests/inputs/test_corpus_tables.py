"""Bad and awkward inputs of issue 11 in the allocation, planning and services tables, each
through the CLI on a copy of the demo: exit 2, one message naming the file, the id or row
and the field, and nothing written. Cases the tiny world of ``test_corpus`` cannot hold."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.inputs.demo_edit import DEMO
from tests.inputs.demo_edit import edit_scenario as _scenario
from tests.inputs.demo_edit import edit_table as _edit
from tests.inputs.demo_edit import refused as _refused

# --------------------------------------------------------------------------- geography


def case_planning_stock_in_degrees(demo):
    def f(df):
        df.loc[0, ["x", "y"]] = ["4.9712", "52.3301"]  # Diemen in WGS 84 degrees

    _edit(demo, "planning_stock.csv", f)
    return ["planning_stock.csv", "x/y", "longitude/latitude degrees", "B01"]


def case_planning_candidate_outside_the_netherlands(demo):
    def f(df):
        df.loc[0, ["x", "y"]] = ["700000", "482750"]  # RD New numbers far east of the border

    _edit(demo, "planning_candidates.csv", f)
    return ["planning_candidates.csv", "x/y", "outside the Netherlands", "F01"]


def case_allocation_schools_file_elsewhere(demo):
    import geopandas as gpd

    pois = gpd.read_file(demo / DEMO / "pois.gpkg", layer="pois")
    pois["geometry"] = pois.geometry.translate(60_000, 0)  # 60 km east: still in RD New's area
    pois.to_file(demo / DEMO / "schools.gpkg", layer="pois", driver="GPKG")
    _scenario(demo, "pois_layer: pois ", "pois: ../data/demo/schools.gpkg\n    pois_layer: pois ")
    return ["schools.gpkg", "geometry", "lies entirely outside the region"]


# --------------------------------------------------------------------------- dates


def case_household_dates_month_first_and_two_digit_year(demo):
    def f(df):
        df.loc[0, "arrival_date"] = "03/15/2026"  # month-first: month 15 is refused
        df.loc[1, "arrival_date"] = "16-01-26"

    _edit(demo, "households.csv", f)
    return [
        "households.csv",
        "household H0001, arrival_date: impossible date",
        "household H0002, arrival_date: two-digit year",
        "The inputs have 2 problem(s)",
    ]


def case_impossible_unit_date(demo):
    _edit(demo, "units.csv", lambda df: df.__setitem__("available_from", ["31-06-2026"] * len(df)))
    return ["units.csv", "unit U0001, available_from: impossible date", "(got '31-06-2026')"]


def case_longlist_bad_date_once_with_its_id(demo):
    # read by the siting's exclusion, its shortlist rule and the planning: one message
    import geopandas as gpd
    import pyogrio

    path = demo / DEMO / "longlist.gpkg"
    gdf = gpd.read_file(path, layer="longlist")
    gdf.loc[4, "available_from"] = "31-06-2027"
    pyogrio.write_dataframe(gdf, path, layer="longlist", driver="GPKG")
    return [
        "longlist.gpkg, id S005 (row 5), available_from: impossible date",
        "The inputs have 1 problem(s)",
    ]


def _longlist_cell(demo: Path, row: int, column: str, value: object) -> None:
    import geopandas as gpd
    import pyogrio

    path = demo / DEMO / "longlist.gpkg"
    gdf = gpd.read_file(path, layer="longlist")
    gdf[column] = gdf[column].astype(object)
    gdf.loc[row, column] = value
    pyogrio.write_dataframe(gdf, path, layer="longlist", driver="GPKG")


def case_longlist_cost_read_by_siting_and_planning_once(demo):
    _longlist_cell(demo, 1, "cost_estimate_eur", "veel")
    return [
        "longlist.gpkg, id S002 (row 2), cost_estimate_eur: not a number: 'veel'",
        "The inputs have 1 problem(s)",
    ]


def case_empty_longlist_id_is_the_longlists_problem_only(demo):
    # the allocation builds on longlist sites: its check named unit_sites.csv for this
    _longlist_cell(demo, 1, "site_id", "  ")
    stderr = ["longlist.gpkg, row 2, site_id: id is empty", "The inputs have 1 problem(s)"]
    return stderr


# --------------------------------------------------------------------------- files


def case_provider_number_with_decimal_comma_undeclared(demo):
    _edit(demo, "providers.csv", lambda df: df.__setitem__("x", ["126890,0"] * len(df)))
    return ["providers.csv", "TK-P0066, x: '126890,0' is not a number", 'declare `decimal: ","`']


def case_facilities_saved_as_utf16(demo):
    path = demo / DEMO / "facilities.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    return ["facilities.csv", "line 1", "UTF-16", "encoding: utf-16"]


def case_empty_units_file(demo):
    (demo / DEMO / "units.csv").write_bytes(b"")
    return ["units.csv", "line 1", "the file is empty"]


def case_unit_rent_with_decimal_comma(demo):
    _edit(demo, "units.csv", lambda df: df.__setitem__("rent_eur", ["725,15"] * len(df)))
    return ["units.csv", "unit U0001, rent_eur: not a number: '725,15'", 'declare `decimal: ","`']


def case_planning_task_with_a_thousands_separator(demo):
    _edit(demo, "planning_tasks.csv", lambda df: df.__setitem__("task", ["1.175"] * len(df)))
    return ["planning_tasks.csv", "row 2, task: '1.175' is not a whole number",
            "thousands separator here: write 1175"]  # fmt: skip


def case_planning_task_one_thousand_with_a_point_is_not_read_as_one(demo):
    # '1.000' is one thousand in a Dutch export and one with a decimal point: never guessed
    _edit(demo, "planning_tasks.csv", lambda df: df.__setitem__("task", ["1.000"] * len(df)))
    return ["planning_tasks.csv", "row 2, task: '1.000' is not a whole number",
            "write 1000 or 1 without the point"]  # fmt: skip


def case_household_persons_one_thousand_with_a_point(demo):
    def f(df):
        df.loc[0, "persons"] = "1.000"

    _edit(demo, "households.csv", f)
    return ["households.csv", "household H0001, persons: not a whole number: '1.000'",
            "write 1000"]  # fmt: skip


def case_provider_capacity_twelve_thousand_with_a_point(demo):
    def f(df):
        df.loc[0, "capacity"] = "12.000"

    _edit(demo, "providers.csv", f)
    return ["providers.csv", "TK-P0066", "capacity", "12.000 is not a whole number",
            "write 12000"]  # fmt: skip


def case_planning_opening_cost_with_a_thousands_point(demo):
    # '250.000' euros: 250 with a decimal point, 250,000 in a Dutch export; never guessed
    def f(df):
        df["opening_cost_eur"] = ""
        df.loc[0, "opening_cost_eur"] = "250.000"

    _edit(demo, "planning_candidates.csv", f)
    return ["planning_candidates.csv", "opening_cost_eur",
            "'250.000' is not an amount in euros", "write 250000"]  # fmt: skip


def case_unit_rent_with_a_thousands_point(demo):
    def f(df):
        df.loc[0, "rent_eur"] = "1.250"

    _edit(demo, "units.csv", f)
    return ["units.csv", "unit U0001, rent_eur: not an amount in euros: '1.250'", "write 1250"]


def case_longlist_site_as_a_geometry_collection(demo):
    # was exit 1 (an internal error in the packing); a collection of mixed parts is no site
    import geopandas as gpd
    from shapely.geometry import GeometryCollection

    path = demo / DEMO / "longlist.gpkg"
    gdf = gpd.read_file(path, layer="longlist")
    first = gdf.geometry.iloc[0]
    gdf.loc[0, "geometry"] = GeometryCollection([first, first.centroid])
    gdf.to_file(path, layer="longlist", driver="GPKG")
    return ["longlist.gpkg", "id S001 (row 1), geometry: a geometry collection"]


def case_longlist_site_as_a_line(demo):
    import geopandas as gpd
    from shapely.geometry import LineString

    path = demo / DEMO / "longlist.gpkg"
    gdf = gpd.read_file(path, layer="longlist")
    ring = list(gdf.geometry.iloc[0].exterior.coords)
    gdf.loc[0, "geometry"] = LineString(ring[:3])
    gdf.to_file(path, layer="longlist", driver="GPKG")
    return ["longlist.gpkg", "id S001 (row 1), geometry: a line has no area"]


def case_region_code_mistyped_names_the_code_the_boundaries_have(demo):
    _scenario(demo, "    - {code: GM0451, name: Uithoorn}", "    - {code: GM0452, name: Uithoorn}")
    return [
        "boundaries.gpkg",
        "region.municipalities",
        "lacks municipality GM0452 of the scenario's region (did you mean 'GM0451'?)",
    ]


def case_unreadable_household_values_are_reported_once(demo):
    def f(df):
        df.loc[1, "persons"] = "drie"  # gave a second message: children do not add up (0 - 2)
        df.loc[3, ["school_x", "school_y"]] = ["nan", "480000"]  # and 'both must be given'
        df.loc[4, ["school_x", "school_y"]] = ["inf", "480000"]

    _edit(demo, "households.csv", f)
    return [
        "household H0002, persons: not a whole number: 'drie'",
        "household H0004, school_x: not a number: 'nan'",
        "household H0005, school_x: not a number: 'inf'",
        "The inputs have 3 problem(s)",
    ]


def case_households_checked_when_the_unit_stock_cannot_be_read(demo):
    (demo / DEMO / "units.csv").write_bytes(b"")
    _edit(demo, "households.csv", lambda df: df.__setitem__("arrival_date", "31-02-2026"))
    return [
        "units.csv, line 1: the file is empty",
        "households.csv, household H0001, arrival_date: impossible date",
    ]


def case_several_tables_at_once(demo):
    case_planning_stock_in_degrees(demo)
    case_planning_candidate_outside_the_netherlands(demo)
    case_provider_number_with_decimal_comma_undeclared(demo)
    case_facilities_saved_as_utf16(demo)
    return ["planning_stock.csv", "planning_candidates.csv", "providers.csv", "facilities.csv"]


# --------------------------------------------------------------------------- scenario


def case_services_site_group_without_profile_names_its_path(demo):
    _scenario(demo, "site_groups: {ontheemden: 0.5,", "site_groups: {ontheemdne: 0.5,")
    return ["demo.yaml", "services.site_groups.ontheemdne", "did you mean 'ontheemden'"]


def case_providers_may_declare_dutch_csv_options(demo):
    # the hint says what to declare; the schema must then accept it (it refused the key)
    path = demo / DEMO / "providers.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["x"] = [v.replace(".", ",") for v in df["x"]]
    df.loc[0, "capacity"] = "veel"  # so the run stops at the input pass
    text = df.to_csv(index=False, sep=";").replace("\n", "\r\n").replace("Regenboog", "Regenbóóg")
    path.write_bytes(text.encode("cp1252"))
    _scenario(
        demo,
        "providers: {path: ../data/demo/providers.csv}",
        'providers: {path: ../data/demo/providers.csv, separator: ";", decimal: ",", '
        "encoding: cp1252}",
    )
    return ["providers.csv", "TK-P0066, capacity: 'veel' is not a number", "1 problem(s)"]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_bad_table_input_exits_2_naming_file_id_field_and_writes_nothing(demo, case) -> None:
    _refused(demo, case(demo))

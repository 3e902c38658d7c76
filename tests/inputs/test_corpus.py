"""The bad and awkward inputs of issue 11, each through the CLI: exit 2, one message naming
the file, the id or row and the field, and nothing written.

Every case edits the tiny world (tests/conftest.py, placed in Diemen) and returns the texts
the message must hold. The kinds: geography against the CRS and the region, dates, Dutch
spreadsheet exports and encodings, scenario files (duplicate keys, impossible dates),
references between tables, and non-finite coordinates.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, box
from typer.testing import CliRunner

from tests.conftest import ORIGIN, assert_refused, rel, write_yaml

runner = CliRunner()
DIEMEN_WGS84 = (4.9628, 52.3397)


def _longlist(tiny: dict[str, Any]) -> gpd.GeoDataFrame:
    return gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")


def _write_longlist(tiny: dict[str, Any], gdf: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")


def _raw(tiny: dict[str, Any]) -> dict[str, Any]:
    return {
        **tiny["raw"],
        "layers": dict(tiny["raw"]["layers"]),
        "siting": dict(tiny["raw"]["siting"]),
    }


def _with_region(tiny: dict[str, Any], raw: dict[str, Any] | None = None) -> dict[str, Any]:
    """Add a municipal boundary around the tiny world (2.2 x 1.6 km, 'Diemen')."""
    gem = gpd.GeoDataFrame(
        {"municipality_code": ["GM0384"], "gemeentenaam": ["Diemen"]},
        geometry=[rel(box(-500, -800, 1700, 800))],
        crs="EPSG:28992",
    )
    gem.to_file(tiny["data"] / "gemeenten.gpkg", layer="gemeenten", driver="GPKG")
    raw = raw or _raw(tiny)
    raw["layers"]["gemeenten"] = {
        "path": "data/gemeenten.gpkg",
        "layer": "gemeenten",
        "id_column": "municipality_code",
    }
    raw["region"] = {**raw["region"], "boundaries": "gemeenten"}
    return raw


def _csv_longlist(tiny: dict[str, Any], text: str, file_encoding: str = "utf-8", **decl: Any):
    path = tiny["data"] / "sites.csv"
    path.write_bytes(text.encode(file_encoding))
    raw = _raw(tiny)
    raw["layers"]["longlist"] = {
        "path": "data/sites.csv",
        "id_column": "site_id",
        "x_column": "x",
        "y_column": "y",
        "crs": "EPSG:28992",
        **decl,
    }
    raw["siting"]["exclusions"] = [
        e for e in raw["siting"]["exclusions"] if e["kind"] != "available_by"
    ]
    write_yaml(tiny["path"], raw)
    return path


def _rd(x: float, y: float) -> str:
    return f"{ORIGIN[0] + x:.1f},{ORIGIN[1] + y:.1f}"


CSV_OK_HEADER = "site_id,name,cost,available_from,x,y\n"


# --------------------------------------------------------------------------- geography


def case_degrees_declared_as_rd_new(tiny):
    lon, lat = DIEMEN_WGS84
    _csv_longlist(
        tiny,
        CSV_OK_HEADER + f"A,Alfa,1e6,2026-01-01,{lon},{lat}\n"
        f"B,Bravo,2e6,2026-01-01,{lon + 0.01},{lat}\n",
    )
    return ["sites.csv", "crs", "longitude/latitude degrees", "A, B", "EPSG:4326"]


def case_rd_numbers_declared_as_wgs84(tiny):
    _csv_longlist(tiny, CSV_OK_HEADER + f"A,Alfa,1e6,2026-01-01,{_rd(50, 50)}\n")
    raw = _raw(tiny)
    raw["layers"]["longlist"] = {**tiny_layers_csv(), "crs": "EPSG:4326"}
    raw["siting"]["exclusions"] = []
    write_yaml(tiny["path"], raw)
    return ["sites.csv", "crs", "outside the area where EPSG:4326 is valid", "EPSG:28992"]


def tiny_layers_csv() -> dict[str, Any]:
    return {"path": "data/sites.csv", "id_column": "site_id", "x_column": "x", "y_column": "y"}


def case_longlist_near_berlin_in_wgs84(tiny):
    gdf = _longlist(tiny).to_crs(4326)
    gdf["geometry"] = gdf.geometry.translate(13.40 - DIEMEN_WGS84[0], 52.52 - DIEMEN_WGS84[1])
    _write_longlist(tiny, gdf)
    return ["sites.gpkg", "geometry", "outside the Netherlands", "A, B, C, D", "EPSG:4326"]


def case_single_site_in_brussels(tiny):
    gdf = _longlist(tiny).to_crs(4326)
    gdf.loc[2, "geometry"] = Point(4.3517, 50.8503).buffer(0.0005)
    _write_longlist(tiny, gdf)
    write_yaml(tiny["path"], _with_region(tiny))
    return ["sites.gpkg", "id C", "geometry", "outside the region", "km"]


def case_longitude_latitude_swapped(tiny):
    lon, lat = DIEMEN_WGS84
    _csv_longlist(tiny, CSV_OK_HEADER + f"A,Alfa,1e6,2026-01-01,{lat},{lon}\n")
    raw = _raw(tiny)
    raw["layers"]["longlist"] = {**tiny_layers_csv(), "crs": "EPSG:4326"}
    raw["siting"]["exclusions"] = []
    write_yaml(tiny["path"], raw)
    return ["sites.csv", "outside the Netherlands", "longitude and latitude look swapped"]


def case_site_far_outside_the_region(tiny):
    gdf = _longlist(tiny)
    gdf.loc[3, "geometry"] = rel(box(20_000, 0, 20_100, 100))  # 18 km east of the boundary
    _write_longlist(tiny, gdf)
    write_yaml(tiny["path"], _with_region(tiny))
    return [
        "sites.gpkg",
        "id D",
        "geometry",
        "outside the region",
        "nearest municipality: Diemen",
        "region.outside: warn",
    ]


def case_site_mostly_outside_the_municipalities(tiny):
    gdf = _longlist(tiny)
    # 1,000 x 100 m from x = 1,470 to 2,470: 23 % inside the boundary (x <= 1,700), 77 % out
    gdf.loc[3, "geometry"] = rel(box(1470, 0, 2470, 100))
    _write_longlist(tiny, gdf)
    write_yaml(tiny["path"], _with_region(tiny))
    return ["sites.gpkg", "id D", "77% of the plot lies outside the region's municipalities"]


def case_boundaries_lack_a_municipality(tiny):
    raw = _with_region(tiny)
    raw["region"]["municipalities"] = [
        {"code": "GM0384", "name": "Diemen"},
        {"code": "GM0437", "name": "Ouder-Amstel"},
    ]
    write_yaml(tiny["path"], raw)
    return ["gemeenten.gpkg", "region.municipalities", "lacks municipality GM0437"]


def case_boundaries_without_a_code_column(tiny):
    raw = _with_region(tiny)
    gem = gpd.read_file(tiny["data"] / "gemeenten.gpkg").rename(columns={"municipality_code": "gm"})
    gem.to_file(tiny["data"] / "gemeenten.gpkg", layer="gemeenten", driver="GPKG")
    raw["layers"]["gemeenten"] = {"path": "data/gemeenten.gpkg", "layer": "gemeenten"}
    write_yaml(tiny["path"], raw)
    return ["gemeenten.gpkg", "region.code_column", "no municipality code column"]


def case_poi_layer_entirely_elsewhere(tiny):
    pois = gpd.read_file(tiny["data"] / "pois.gpkg", layer="pois")
    pois["geometry"] = pois.geometry.translate(100_000, 0)  # 100 km east: Germany's border
    pois.to_file(tiny["data"] / "pois.gpkg", layer="pois", driver="GPKG")
    write_yaml(tiny["path"], _with_region(tiny))
    return ["pois.gpkg", "geometry", "lies entirely outside the region"]


def case_nan_and_inf_coordinates_both_reported(tiny):
    _csv_longlist(
        tiny,
        CSV_OK_HEADER + f"A,Alfa,1e6,2026-01-01,{_rd(50, 50)}\n"
        f"B,Bravo,1e6,2026-01-01,inf,{ORIGIN[1]}\nC,Charlie,1e6,2026-01-01,"
        f"{ORIGIN[0]},-inf\n",
    )
    return ["sites.csv", "id B", "id C", "infinite", "no repair can fix this"]


# --------------------------------------------------------------------------- dates


def _longlist_date(tiny, value):
    gdf = _longlist(tiny)
    gdf["available_from"] = gdf["available_from"].astype(object)
    gdf.loc[1, "available_from"] = value
    _write_longlist(tiny, gdf)
    return ["sites.gpkg", "id B (row 2)", "available_from"]


def case_text_date_in_longlist(tiny):
    return [*_longlist_date(tiny, "medio 2028"), "not a date", "YYYY-MM-DD"]


def case_impossible_date_in_longlist(tiny):
    return [*_longlist_date(tiny, "31-06-2028"), "impossible date"]


def case_two_digit_year_in_longlist(tiny):
    return [*_longlist_date(tiny, "30-06-28"), "two-digit year"]


def case_month_first_date_in_longlist(tiny):
    return [*_longlist_date(tiny, "06/30/2028"), "impossible date", "day-month-year"]


def case_empty_date_in_longlist(tiny):
    return [*_longlist_date(tiny, None), "missing date"]


def case_impossible_date_in_scenario(tiny):
    raw = _raw(tiny)
    raw["siting"]["exclusions"] = [
        *raw["siting"]["exclusions"][:2],
        {"name": "date", "kind": "available_by", "date": "2028-06-31"},
    ]
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.exclusions[2].date", "not a valid date", "2028-06-31"]


def case_text_date_in_scenario(tiny):
    raw = _raw(tiny)
    raw["siting"]["exclusions"] = [
        *raw["siting"]["exclusions"][:2],
        {"name": "date", "kind": "available_by", "date": "medio 2028"},
    ]
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.exclusions[2].date", "not a valid date", "'medio 2028'"]


def case_dutch_date_in_scenario(tiny):
    raw = _raw(tiny)
    raw["siting"]["exclusions"] = [
        *raw["siting"]["exclusions"][:2],
        {"name": "date", "kind": "available_by", "date": "30-06-2028"},
    ]
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.exclusions[2].date", "YYYY-MM-DD"]


def case_dutch_date_in_shortlist_available_by_names_the_field(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {"available_by": "30-06-2028"}  # a field named like a rule kind
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.shortlist.available_by: not a valid date", "'30-06-2028'"]


def case_date_not_matching_the_declared_format(tiny):
    gdf = _longlist(tiny)
    gdf["available_from"] = ["01/02/2026", "06/01/2026", "2027-01-01", "01/01/2030"]
    _write_longlist(tiny, gdf)
    raw = _raw(tiny)
    raw["layers"]["longlist"] = {
        **raw["layers"]["longlist"],
        "date_formats": {"available_from": "%m/%d/%Y"},
    }
    write_yaml(tiny["path"], raw)
    return [
        "sites.gpkg",
        "id C (row 3), available_from: does not match the declared format '%m/%d/%Y'",
        "The inputs have 1 problem(s)",
    ]


def case_date_format_for_a_column_the_layer_lacks(tiny):
    raw = _raw(tiny)
    raw["layers"]["longlist"] = {
        **raw["layers"]["longlist"],
        "date_formats": {"beschikbaar": "%m/%d/%Y"},
    }
    write_yaml(tiny["path"], raw)
    return ["sites.gpkg", "beschikbaar", "date_formats declares a format for column"]


# --------------------------------------------------------------------------- values and ids


def case_infinite_and_missing_cost_in_longlist(tiny):
    gdf = _longlist(tiny)
    gdf.loc[0, "cost"] = float("inf")  # stopped the run with an internal error (exit 1)
    gdf.loc[2, "cost"] = float("nan")
    _write_longlist(tiny, gdf)
    return [
        "sites.gpkg",
        "id A (row 1), cost: not a finite number: inf",
        "id C (row 3), cost: missing value",
    ]


def case_negative_cost_in_longlist(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {
        **raw["siting"].get("shortlist", {}),
        "method": "optimise",
        "cost_column": "cost",
        "budget_eur": 5_000_000,
    }
    write_yaml(tiny["path"], raw)
    gdf = _longlist(tiny)
    gdf.loc[1, "cost"] = -250_000  # would pay for other sites under the budget
    _write_longlist(tiny, gdf)
    return ["sites.gpkg", "id B (row 2), cost: a cost cannot be negative: -250000"]


def case_ids_that_differ_only_by_a_space(tiny):
    gdf = _longlist(tiny)
    gdf.loc[3, "site_id"] = "A "  # one id to every table that refers to it
    _write_longlist(tiny, gdf)
    return ["sites.gpkg", "site_id: duplicate id 'A' in rows 1, 4"]


# --------------------------------------------------------------------------- files


def case_dutch_excel_csv_undeclared(tiny):
    _csv_longlist(
        tiny,
        "site_id;name;cost;x;y\r\n"
        f"A;Alfa;1.000.000,50;{ORIGIN[0] + 50:.0f};{ORIGIN[1] + 50:.0f}\r\n",
    )
    return ["sites.csv", "line 1", "Dutch Excel export", 'separator: ";"', 'decimal: ","']


def case_csv_coordinate_with_decimal_comma_undeclared(tiny):
    _csv_longlist(tiny, CSV_OK_HEADER + f'A,Alfa,1e6,2026-01-01,"{ORIGIN[0] + 50:.0f},5",'
                        f"{ORIGIN[1] + 50:.0f}\n")  # fmt: skip
    return ["sites.csv", "id A (row 1), x: not a number: '123050,5'", 'declare `decimal: ","`']


def case_windows_1252_csv(tiny):
    _csv_longlist(
        tiny, CSV_OK_HEADER + f"A,Café Zuid,1e6,2026-01-01,{_rd(50, 50)}\n", file_encoding="cp1252"
    )
    return ["sites.csv", "line 2", "encoding: cp1252"]


def case_ragged_csv_row(tiny):
    _csv_longlist(tiny, CSV_OK_HEADER + f"A,Alfa,1000000,50,2026-01-01,{_rd(50, 50)}\n")
    return ["sites.csv", "line 2", "7 fields where the header has 6"]


def case_unknown_encoding_declared(tiny):
    _csv_longlist(
        tiny, CSV_OK_HEADER + f"A,Alfa,1e6,2026-01-01,{_rd(50, 50)}\n", encoding="klingon-8"
    )
    return ["tiny.yaml", "layers.longlist", "unknown encoding 'klingon-8'"]


def case_not_a_number_in_dutch_csv(tiny):
    _csv_longlist(
        tiny,
        f"site_id;name;cost;x;y\nA;Alfa;veel;{ORIGIN[0] + 50:.0f};{ORIGIN[1] + 50:.0f}\n",
        separator=";",
        decimal=",",
    )
    return ["sites.csv", "id A", "cost"]


def case_yaml_key_written_twice(tiny):
    text = tiny["path"].read_text(encoding="utf-8")
    tiny["path"].write_text(
        text.replace("  target:\n    amount: 30\n", "  target:\n    amount: 30\n    amount: 45\n"),
        encoding="utf-8",
    )
    assert "amount: 45" in tiny["path"].read_text(encoding="utf-8")
    return ["tiny.yaml", "siting.target.amount", "written twice", "line"]


def case_yaml_top_key_written_twice(tiny):
    text = tiny["path"].read_text(encoding="utf-8")
    tiny["path"].write_text(text + "name: tweede\n", encoding="utf-8")
    return ["tiny.yaml", "name", "written twice (first on line"]


def case_scenario_not_utf8(tiny):
    text = tiny["path"].read_text(encoding="utf-8").replace("Tiny test world", "Tést")
    tiny["path"].write_bytes(text.encode("cp1252"))
    return ["tiny.yaml", "not UTF-8", "save the file as UTF-8"]


# --------------------------------------------------------------------------- references


def case_neighbourhoods_layer_not_defined(tiny):
    raw = _raw(tiny)
    raw["region"] = {**raw["region"], "neighbourhoods": "buurten"}  # was accepted silently
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "region.neighbourhoods: refers to layer 'buurten'"]


def case_rule_layer_not_defined_names_its_field(tiny):
    raw = _raw(tiny)
    raw["siting"]["exclusions"] = [
        {**raw["siting"]["exclusions"][0], "layer": "natuur"},
        *raw["siting"]["exclusions"][1:],
    ]
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.exclusions[0].layer: 'nature' refers to layer 'natuur'",
            "did you mean 'nature'"]  # fmt: skip


def case_must_include_unknown_site(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {"method": "optimise", "max_sites": 2, "must_include": ["Q"]}
    write_yaml(tiny["path"], raw)
    return ["siting.shortlist.must_include", "site 'Q' is not in the longlist"]


def case_must_include_site_excluded_by_a_rule(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {"method": "optimise", "max_sites": 2, "must_include": ["B"]}
    write_yaml(tiny["path"], raw)
    return ["siting.shortlist.must_include", "id B", "excluded by nature"]


def case_must_include_site_excluded_with_top_score(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {"must_include": ["C"]}  # C lies 60 m from the power line
    write_yaml(tiny["path"], raw)
    return ["siting.shortlist.must_include", "id C", "excluded by hv"]


def case_top_score_with_a_budget_it_cannot_keep(tiny):
    raw = _raw(tiny)
    raw["siting"]["shortlist"] = {
        "method": "top_score",
        "cost_column": "cost",
        "budget_eur": 1_500_000,
    }
    write_yaml(tiny["path"], raw)
    return ["tiny.yaml", "siting.shortlist", "method top_score", "budget_eur", "method: optimise"]


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_bad_input_exits_2_naming_file_id_field_and_writes_nothing(tiny, case) -> None:
    assert_refused(tiny, case(tiny))


def test_a_site_kept_under_outside_warn_is_printed_and_recorded(tiny) -> None:
    """``region.outside: warn`` accepts a site outside the region, but says so: on the
    command line and in run.json (the warning was collected and then dropped)."""
    import json

    from opvang_opt.cli import app

    gdf = _longlist(tiny)
    gdf.loc[3, "geometry"] = rel(box(20_000, 0, 20_100, 100))  # 18 km east of the boundary
    _write_longlist(tiny, gdf)
    raw = _with_region(tiny)
    raw["region"]["outside"] = "warn"
    write_yaml(tiny["path"], raw)
    out = tiny["dir"] / "results"
    res = runner.invoke(app, ["run", str(tiny["path"]), "--out", str(out), "--lang", "en"])
    assert res.exit_code in (0, 3), res.output
    assert "sites.gpkg, id D: lies" in res.stderr and "outside the region" in res.stderr
    stages = json.loads((out / "run.json").read_text(encoding="utf-8"))["stages"]
    notes = next(s["message"] for s in stages if s["name"] == "inputs")
    notes = [notes] if isinstance(notes, str) else notes  # messages are joined with "; "
    assert any("id D: lies" in n and "outside the region" in n for n in notes), notes

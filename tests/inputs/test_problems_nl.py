"""Bad inputs of the scenario, its layers and its tables get their problems in Dutch by
default and in today's English with ``--lang en``: exit 2 both times, nothing written.

Each case gives a Dutch phrase the default must print (and the English phrase it must not),
and the English phrase ``--lang en`` must print.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon

from tests.conftest import assert_refused, write_yaml


def _longlist(tiny: dict[str, Any]) -> gpd.GeoDataFrame:
    return gpd.read_file(tiny["data"] / "sites.gpkg", layer="longlist")


def _write_longlist(tiny: dict[str, Any], gdf: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(gdf, tiny["data"] / "sites.gpkg", layer="longlist", driver="GPKG")


def case_unknown_key(tiny):
    write_yaml(tiny["path"], {**tiny["raw"], "regoin": {}})
    return (
        ["onbekende sleutel 'regoin' (bedoelde u 'region'?)", "hier toegestaan:"],
        ["unknown key 'regoin' (did you mean 'region'?)", "allowed here:"],
    )


def case_thousands_point(tiny):
    # the example of the brief: max_capacity written the Dutch way
    text = tiny["path"].read_text(encoding="utf-8")
    text += "\n".join(["", "extra_unused_never_read: 1.000", ""])
    tiny["path"].write_text(text, encoding="utf-8")
    return (
        ["Scenariobestand heeft getallen met een duizendtalpunt", "regel ",
         "'1.000' leest YAML als 1, maar op z'n Nederlands geschreven is het 1000"],
        ["Scenario file has numbers written with a thousands point", "line ",
         "'1.000' reads as 1 in YAML, but as 1000 written the Dutch way"],
    )  # fmt: skip


def case_wrong_type_with_decimal_comma(tiny):
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "capacity": {"density_units_per_ha": "2,5"}}
    write_yaml(tiny["path"], raw)
    return (
        ["siting.capacity.density_units_per_ha: moet een getal zijn", "(ingevuld: '2,5')",
         "getallen in YAML krijgen een decimale punt: schrijf 2.5"],
        ["siting.capacity.density_units_per_ha: Input should be a valid number",
         "(got '2,5')", "YAML numbers use a decimal point: write 2.5"],
    )  # fmt: skip


def case_negative_target(tiny):
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "target": {"amount": -30}}
    write_yaml(tiny["path"], raw)
    return (
        ["Ongeldig scenario", "moet groter dan of gelijk aan 0 zijn (ingevuld: -30)"],
        ["Invalid scenario", "Input should be greater than or equal to 0 (got -30)"],
    )


def case_duplicate_ids_and_missing_column(tiny):
    gdf = _longlist(tiny).drop(columns=["cost"])
    gdf.loc[3, "site_id"] = "A"
    _write_longlist(tiny, gdf)
    return (
        ["De invoer heeft 2 problemen", "dubbel id 'A' in rijen 1, 4",
         "cost: verplichte kolom ontbreekt (aanwezige kolommen:"],
        ["The inputs have 2 problem(s)", "duplicate id 'A' in rows 1, 4",
         "cost: required column is missing (columns present:"],
    )  # fmt: skip


def case_invalid_geometry(tiny):
    gdf = _longlist(tiny)
    gdf.loc[1, "geometry"] = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])  # bow-tie
    _write_longlist(tiny, gdf)
    return (
        ["id B (rij 2), geometry: ongeldige geometrie (Self-intersection", "repair_invalid: true"],
        ["id B (row 2), geometry: invalid geometry (Self-intersection", "repair_invalid: true"],
    )


def case_missing_layer_file(tiny):
    (tiny["data"] / "pois.gpkg").unlink()
    return (["pois.gpkg", "bestand bestaat niet"], ["pois.gpkg", "file does not exist"])


CASES = [
    case_unknown_key, case_thousands_point, case_wrong_type_with_decimal_comma,
    case_negative_target, case_duplicate_ids_and_missing_column, case_invalid_geometry,
    case_missing_layer_file,
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_dutch_by_default_and_english_on_request(tiny, case) -> None:
    dutch, english = case(tiny)
    assert_refused(tiny, dutch, "validate", lang=None)
    assert_refused(tiny, english, "validate", lang="en")
    # the default output holds none of the English phrases (those the same in both, such as
    # a file name, excepted)
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    res = CliRunner().invoke(app, ["validate", str(tiny["path"])])
    assert res.exit_code == 2 and res.stderr.startswith("Fout: "), res.stderr
    for text in english:
        if text not in dutch:
            assert text not in res.stderr, (text, res.stderr)


@pytest.mark.parametrize("case", CASES[:2], ids=["unknown_key", "thousands_point"])
def test_run_refuses_in_dutch_too(tiny, case) -> None:
    dutch, _ = case(tiny)
    assert_refused(tiny, dutch, "run", lang=None)

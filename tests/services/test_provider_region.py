"""Schools, care providers and candidate facilities get the geography checks of every other
point input (issue 11's bad-input corpus style): through the CLI, exit 2, one message
naming the file, the id and the field, all problems at once, and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.errors import DataError
from opvang_opt.io.services import read_services_tables
from opvang_opt.schema.services import ServicesConfig
from tests.conftest import ORIGIN, assert_refused, rel, write_yaml

runner = CliRunner()
DIEMEN_WGS84 = (4.9628, 52.3397)
HEADER = "provider_id,name,type,x,y,capacity\n"
FAC_HEADER = "facility_id,name,type,x,y,capacity\n"


def _rd(x: float, y: float) -> str:
    return f"{ORIGIN[0] + x:.1f},{ORIGIN[1] + y:.1f}"


def _scenario(tiny: dict[str, Any], providers: str, facilities: str | None = None,
              *, region: bool = False, **decl: Any) -> None:  # fmt: skip
    """Write the services tables and add them (and optionally a boundary) to the tiny
    world's scenario."""
    d = tiny["dir"]
    (d / "providers.csv").write_text(providers, encoding="utf-8")
    services: dict[str, Any] = {"providers": {"path": "providers.csv", **decl}}
    if facilities is not None:
        (d / "facilities.csv").write_text(facilities, encoding="utf-8")
        services["facilities"] = {"path": "facilities.csv", **decl}
    raw = {**tiny["raw"], "services": services}
    if region:
        gem = gpd.GeoDataFrame(
            {"municipality_code": ["GM0384"], "gemeentenaam": ["Diemen"]},
            geometry=[rel(box(-500, -800, 1700, 800))],
            crs="EPSG:28992",
        )
        gem.to_file(tiny["data"] / "gemeenten.gpkg", layer="gemeenten", driver="GPKG")
        raw["layers"] = {**raw["layers"], "gemeenten": {
            "path": "data/gemeenten.gpkg", "layer": "gemeenten",
            "id_column": "municipality_code"}}  # fmt: skip
        raw["region"] = {**raw["region"], "boundaries": "gemeenten"}
    write_yaml(tiny["path"], raw)


def case_provider_degrees_in_an_rd_file(tiny):
    lon, lat = DIEMEN_WGS84
    _scenario(tiny, HEADER + f"T1,School,taalklas,{_rd(50, 50)},10\n"
              f"T2,ISK,isk,{lon},{lat},10\nG1,GP,gp,{lon + 0.01},{lat},500\n")  # fmt: skip
    return ["providers.csv", "x/y", "longitude/latitude degrees", "T2, G1", "EPSG:28992"]


def case_provider_outside_the_netherlands(tiny):
    # RD New numbers east of Germany's border (x 350 km)
    _scenario(tiny, HEADER + f"T1,School,taalklas,{_rd(50, 50)},10\n"
              "J1,Jeugdzorg,youth_care,350000,450000,5\n")  # fmt: skip
    return ["providers.csv", "x/y", "outside the Netherlands", "J1"]


def case_provider_far_outside_the_region(tiny):
    # Maastricht, about 170 km from Diemen; the margin for tables is 50 km
    _scenario(tiny, HEADER + f"T1,School,taalklas,{_rd(50, 50)},10\n"
              "T9,School Maastricht,taalklas,176000,317500,10\n", region=True)  # fmt: skip
    return ["providers.csv", "x/y", "from the region", "T9", "km"]


def case_facility_rd_numbers_declared_as_wgs84(tiny):
    lon, lat = DIEMEN_WGS84
    _scenario(tiny, HEADER + f"T1,School,taalklas,{lon},{lat},10\n",
              FAC_HEADER + f"F1,Noodlokaal,taalklas,{_rd(50, 50)},30\n",
              crs="EPSG:4326")  # fmt: skip
    return ["facilities.csv", "x/y", "F1", "outside the area where EPSG:4326 is valid",
            "EPSG:28992"]  # fmt: skip


def case_provider_and_facility_problems_at_once(tiny):
    lon, lat = DIEMEN_WGS84
    _scenario(tiny, HEADER + f"T1,School,taalklas,{lon},{lat},10\n",
              FAC_HEADER + "F7,Noodlokaal,isk,176000,317500,30\n", region=True)  # fmt: skip
    return ["providers.csv", "T1", "longitude/latitude degrees",
            "facilities.csv", "F7", "from the region"]  # fmt: skip


CASES = [v for k, v in sorted(globals().items()) if k.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.removeprefix("case_") for c in CASES])
def test_bad_provider_location_exits_2_naming_file_id_field(tiny, case) -> None:
    assert_refused(tiny, case(tiny))


def test_providers_in_the_region_pass(tiny) -> None:
    """The same tables with every point inside the region run (the checks find nothing)."""
    _scenario(tiny, HEADER + f"T1,School,taalklas,{_rd(50, 50)},10\n",
              FAC_HEADER + f"F1,Noodlokaal,taalklas,{_rd(900, 50)},30\n", region=True)  # fmt: skip
    res = runner.invoke(app, ["validate", str(tiny["path"])])
    assert res.exit_code == 0, res.output


def test_reader_alone_checks_degrees_without_a_region(tmp_path: Path) -> None:
    lon, lat = DIEMEN_WGS84
    (tmp_path / "p.csv").write_text(HEADER + f"T1,School,taalklas,{lon},{lat},10\n",
                                    encoding="utf-8")  # fmt: skip
    with pytest.raises(DataError) as err:
        read_services_tables(ServicesConfig(providers={"path": tmp_path / "p.csv"}))
    (p,) = err.value.problems
    assert p.field == "x/y" and "T1" in p.text("en") and str(tmp_path / "p.csv") == p.source

"""The pipeline over the real CBS 2024 boundaries and Natura 2000 areas in ../shared."""

from __future__ import annotations

import geopandas as gpd
import pytest

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from tests.conftest import real_data_dir, write_yaml

pytestmark = pytest.mark.realdata


def test_real_buurten_as_longlist_with_natura2000(tmp_path) -> None:
    real = real_data_dir()
    scenario = {
        "name": "real-cbs",
        "region": {
            "municipalities": [
                {"code": "GM0384", "name": "Diemen"},
                {"code": "GM0437", "name": "Ouder-Amstel"},
                {"code": "GM0451", "name": "Uithoorn"},
            ],
            "boundaries": "gemeenten",
        },
        "layers": {
            "longlist": {"path": str(real / "duoplus_buurten_2024_rd.geojson"),
                         "id_column": "statcode"},
            "natura": {"path": str(real / "natura2000_duoplus_region_2013_etrs89.geojson")},
            "gemeenten": {"path": str(real / "duoplus_gemeenten_2024_rd.geojson"),
                          "id_column": "gemeentecode"},
        },
        "siting": {
            "name_column": "statnaam",
            "criteria": [
                {"name": "natura_afstand", "kind": "distance_to_layer", "layer": "natura",
                 "value": {"type": "linear", "lower": 0, "upper": 5000}},
                {"name": "oppervlakte", "kind": "area",
                 "value": {"type": "linear", "lower": 0, "upper": 2_000_000}},
            ],
            "exclusions": [{"name": "natura", "kind": "intersects", "layer": "natura"}],
            "capacity": {"density_units_per_ha": 30, "usable_share": 0.01},
            "target": {"amount": 100},
        },
    }  # fmt: skip
    path = write_yaml(tmp_path / "real.yaml", scenario)
    result = run(*load(path))
    sites = result.siting.sites.set_index("statcode")

    # 55 buurten (MANIFEST: Diemen 37, Ouder-Amstel 7, Uithoorn 11)
    assert len(sites) == 55
    assert sites["gemeentecode"].value_counts().to_dict() == {
        "GM0384": 37, "GM0451": 11, "GM0437": 7,
    }  # fmt: skip
    # the file's own simplified area (ha) agrees with the measured plot area
    big = sites[sites["area_ha_simplified"] > 5]
    ratio = big["ind_oppervlakte"] / (big["area_ha_simplified"] * 10_000)
    assert ratio.between(0.98, 1.02).all()

    # independent check: reproject Natura 2000 with geopandas and overlay
    buurten = gpd.read_file(real / "duoplus_buurten_2024_rd.geojson")
    natura = gpd.read_file(real / "natura2000_duoplus_region_2013_etrs89.geojson").to_crs(28992)
    inter = gpd.overlay(buurten, natura, how="intersection")
    expected = set(inter.loc[inter.area > 0, "statcode"])
    # Diemer Vijfhoek borders the IJmeer (Natura 2000 Markermeer & IJmeer)
    assert "BU03840804" in expected
    assert set(sites.index[sites["excluded"]]) == expected
    assert (sites.loc[list(expected), "ind_natura_afstand"] == 0).all()

    out = write_results(result, tmp_path / "out")
    assert (out / "map.html").stat().st_size > 0
    back = gpd.read_file(out / "longlist_scored.gpkg")
    assert len(back) == 55 and back.crs.to_epsg() == 28992

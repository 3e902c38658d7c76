"""Checks on the fictitious demo data in ``data/demo`` and on its generator.

These tests need neither the ``opvang_opt`` package nor the real data, except the one
marked ``realdata``, which compares the demo sites with the real CBS municipality
boundaries in ``../shared/data/real`` when that folder exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SCRIPT = ROOT / "scripts" / "make_demo.py"
REAL = ROOT.parent / "shared" / "data" / "real" / "duoplus_gemeenten_2024_rd.geojson"
CODES = {"GM0384", "GM0437", "GM0451"}

LAYERS = {  # (file, layer): required columns
    ("boundaries.gpkg", "gemeenten"): ["municipality_code", "name", "population", "note"],
    ("boundaries.gpkg", "wijken"): ["wijk_code", "name", "municipality_code", "note"],
    ("boundaries.gpkg", "buurten"): [
        "buurt_code",
        "name",
        "wijk_code",
        "municipality_code",
        "inhabitants",
        "reception_places",
        "note",
    ],
    ("longlist.gpkg", "longlist"): [
        "site_id",
        "name",
        "municipality_code",
        "owner",
        "zoning",
        "zoning_change_needed",
        "available_from",
        "cost_estimate_eur",
        "area_m2",
        "notes",
    ],
    ("pois.gpkg", "pois"): ["poi_id", "category", "name", "taalklas_places", "isk_places"],
    ("constraints.gpkg", "noise_contour"): ["name", "lden_db"],
    ("constraints.gpkg", "hv_line"): ["name", "voltage_kv"],
    ("constraints.gpkg", "hv_zone"): ["name"],
    ("constraints.gpkg", "nature"): ["name", "designation"],
}
GEOM_TYPES = {"longlist": {"Polygon"}, "pois": {"Point"}, "hv_line": {"LineString"}}
TABLES = {
    "unit_sites.csv": ["site_id", "name", "municipality_code", "x", "y"],
    "units.csv": [
        "unit_id",
        "site_id",
        "bedrooms",
        "beds",
        "accessible",
        "floor",
        "available_from",
        "rent_eur",
    ],
    "households.csv": [
        "household_id",
        "group",
        "persons",
        "adults",
        "children_0_3",
        "children_4_11",
        "children_12_17",
        "needs_wheelchair",
        "needs_ground_floor",
        "needs_medical",
        "school_x",
        "school_y",
        "work_x",
        "work_y",
        "preferred_sites",
        "refused_sites",
        "arrival_date",
        "current_unit",
    ],
    "tasks.csv": ["municipality_code", "municipality_name", "group", "period", "task"],
    "providers.csv": ["provider_id", "name", "type", "x", "y", "capacity", "area"],
    "facilities.csv": ["facility_id", "name", "type", "x", "y", "capacity"],
    "planning_tasks.csv": ["period", "municipality_code", "group", "task"],
    "planning_stock.csv": [
        "site_id",
        "name",
        "municipality_code",
        "units",
        "occupants",
        "group",
        "permit_end",
    ],
    "planning_candidates.csv": ["site_id", "name", "municipality_code", "available_from"],
}
IDS = {
    "gemeenten": "municipality_code",
    "wijken": "wijk_code",
    "buurten": "buurt_code",
    "longlist": "site_id",
    "pois": "poi_id",
    "unit_sites.csv": "site_id",
    "units.csv": "unit_id",
    "households.csv": "household_id",
    "planning_stock.csv": "site_id",
    "planning_candidates.csv": "site_id",
}
CHILDREN = ["children_0_3", "children_4_11", "children_12_17"]


def layer(file: str, name: str) -> gpd.GeoDataFrame:
    """Read one layer of a demo GeoPackage."""
    return gpd.read_file(DEMO / file, layer=name)


def table(file: str) -> pd.DataFrame:
    """Read one demo CSV with the text columns kept as text."""
    text = {c: str for c in ("preferred_sites", "refused_sites", "current_unit", "period")}
    return pd.read_csv(
        DEMO / file,
        dtype=text,
        keep_default_na=False,
        na_values={c: [""] for c in ("school_x", "school_y", "work_x", "work_y")},
    )


@pytest.fixture(scope="module")
def longlist() -> gpd.GeoDataFrame:
    return layer("longlist.gpkg", "longlist")


@pytest.fixture(scope="module")
def households() -> pd.DataFrame:
    return table("households.csv")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return table("units.csv")


@pytest.mark.parametrize(("file", "name"), list(LAYERS))
def test_layers_open_with_crs_columns_and_valid_geometry(file: str, name: str) -> None:
    gdf = layer(file, name)
    assert len(gdf) > 0
    assert gdf.crs is not None and gdf.crs.to_epsg() == 28992
    assert set(LAYERS[file, name]) <= set(gdf.columns), set(LAYERS[file, name]) - set(gdf.columns)
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    types = set(gdf.geom_type)
    assert types <= GEOM_TYPES.get(name, {"Polygon"}), types
    if name in IDS:
        assert gdf[IDS[name]].is_unique


def test_every_file_is_listed_and_labelled_fictitious() -> None:
    files = {p.name for p in DEMO.iterdir()} - {"README.md"}
    assert files == {f for f, _ in LAYERS} | set(TABLES)
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "fictief" in readme.lower() and "fictitious" in readme.lower()
    assert "20261122" in readme
    for f in files:
        assert f in readme, f"{f} not described in README.md"
    for file, name in [("boundaries.gpkg", n) for n in ("gemeenten", "wijken", "buurten")]:
        assert (layer(file, name)["note"] == "fictief / fictitious demo").all()


@pytest.mark.parametrize("file", list(TABLES))
def test_tables_open_with_columns_and_unique_ids(file: str) -> None:
    df = table(file)
    assert len(df) > 0
    assert set(TABLES[file]) <= set(df.columns), set(TABLES[file]) - set(df.columns)
    if file in IDS:
        assert df[IDS[file]].is_unique


def test_wijken_and_buurten_tile_their_parents() -> None:
    gem = layer("boundaries.gpkg", "gemeenten").set_index("municipality_code")
    wijken = layer("boundaries.gpkg", "wijken")
    buurten = layer("boundaries.gpkg", "buurten")
    assert set(gem.index) == CODES
    for code, parts in wijken.groupby("municipality_code"):
        assert 3 <= len(parts) <= 5
        assert parts.union_all().symmetric_difference(gem.geometry[code]).area < 1.0
        assert parts.geometry.area.sum() == pytest.approx(gem.geometry[code].area, rel=1e-6)
    wg = wijken.set_index("wijk_code").geometry
    for wijk, parts in buurten.groupby("wijk_code"):
        assert 2 <= len(parts) <= 4
        assert parts.union_all().symmetric_difference(wg[wijk]).area < 1.0
        assert parts.geometry.area.sum() == pytest.approx(wg[wijk].area, rel=1e-6)
    per_mun = buurten.groupby("municipality_code").inhabitants.sum()
    assert np.allclose(per_mun[gem.index], gem.population, rtol=0.05)
    assert (buurten.reception_places >= 0).all() and (buurten.reception_places > 0).sum() >= 3


def test_longlist_sites_lie_inside_their_municipality(longlist: gpd.GeoDataFrame) -> None:
    gem = layer("boundaries.gpkg", "gemeenten").set_index("municipality_code").geometry
    assert set(longlist.municipality_code) == CODES
    outside = [
        s
        for s, c, g in zip(
            longlist.site_id, longlist.municipality_code, longlist.geometry, strict=True
        )
        if not g.within(gem[c])
    ]
    assert not outside, f"sites outside their stated municipality: {outside}"


def test_longlist_content(longlist: gpd.GeoDataFrame) -> None:
    assert len(longlist) >= 40
    assert longlist.site_id.str.fullmatch(r"S\d{3}").all()
    assert longlist.owner.isin(["gemeente", "rijk", "provincie", "corporatie", "particulier"]).all()
    assert longlist.zoning.isin(
        ["wonen", "bedrijven", "groen", "agrarisch", "maatschappelijk", "verkeer"]
    ).all()
    assert longlist.zoning_change_needed.dtype == bool
    dates = pd.to_datetime(longlist.available_from, format="%Y-%m-%d")
    assert dates.between("2026-01-01", "2029-12-31").all()
    assert longlist.cost_estimate_eur.between(200_000, 4_000_000).all()
    area = longlist.geometry.area
    assert (longlist.area_m2 == area.round()).all()
    assert area.between(1_500, 35_000).all()
    tree = shapely.STRtree(longlist.geometry.values)
    pairs = tree.query(longlist.geometry.values, predicate="intersects")
    assert (pairs[0] == pairs[1]).all(), "longlist polygons overlap"
    assert longlist.name.str.contains('"').any() and longlist.name.str.contains("&").any()


def test_hard_rules_have_something_to_exclude(longlist: gpd.GeoDataFrame) -> None:
    def hits(name: str) -> np.ndarray:
        zone = layer("constraints.gpkg", name).union_all()
        return longlist.geometry.intersects(zone).to_numpy()

    noise, hv, nature = hits("noise_contour"), hits("hv_zone"), hits("nature")
    late = (longlist.available_from > "2028-06-30").to_numpy()
    assert noise.sum() >= 3 and hv.sum() >= 2 and nature.sum() >= 2 and late.sum() >= 3
    assert (~(noise | hv | nature | late)).sum() >= 25, "too few sites pass every rule"


def test_pois(longlist: gpd.GeoDataFrame) -> None:
    pois = layer("pois.gpkg", "pois")
    cats = pois.category.value_counts()
    assert set(cats.index) == {
        "station",
        "bus_stop",
        "primary_school",
        "secondary_school",
        "gp",
        "supermarket",
    }
    assert cats["bus_stop"] >= 40 and cats["primary_school"] >= 15
    assert (pois.taalklas_places[pois.category != "primary_school"] == 0).all()
    assert (pois.isk_places[pois.category != "secondary_school"] == 0).all()
    assert 1 <= (pois.taalklas_places > 0).sum() <= 5 and 1 <= (pois.isk_places > 0).sum() <= 2
    gem = layer("boundaries.gpkg", "gemeenten").set_index("municipality_code").geometry
    assert shapely.within(pois.geometry.values, gem[pois.municipality_code].values).all()


def test_units_and_sites(units: pd.DataFrame) -> None:
    sites = table("unit_sites.csv")
    assert set(units.site_id) <= set(sites.site_id)
    assert (sites.name == "Diemerdreef (fictief)").sum() == 1
    f01 = sites.site_id[sites.name == "Diemerdreef (fictief)"].iloc[0]
    assert (units.site_id == f01).sum() == 30
    assert units.bedrooms.between(0, 4).all() and units.beds.between(1, 8).all()
    assert units.floor.between(0, 2).all() and units.accessible.isin([0, 1]).all()
    assert units.rent_eur.between(450, 950).all()
    if "area_m2" in units:
        assert units.area_m2.between(20, 50).all()
    gem = layer("boundaries.gpkg", "gemeenten").set_index("municipality_code").geometry
    for code, x, y in zip(sites.municipality_code, sites.x, sites.y, strict=True):
        assert gem[code].contains(shapely.Point(x, y))


def test_household_composition(households: pd.DataFrame) -> None:
    h = households
    assert (h.persons == h.adults + h[CHILDREN].sum(axis=1)).all()
    assert (h.adults >= 1).all() and h.persons.between(1, 8).all()
    assert h.group.isin(["ontheemden", "statushouders", "asielzoekers", "urgent", "starter"]).all()
    school_age = h.children_4_11 + h.children_12_17 > 0
    assert (h.school_x.notna() == school_age).all() and (h.school_y.notna() == school_age).all()
    assert (h.work_x.notna() == h.work_y.notna()).all()


def test_households_are_pseudonymous(households: pd.DataFrame) -> None:
    name_like = re.compile(r"name|naam|first|last|surname|initial|bsn|birth|geboorte", re.I)
    assert not [c for c in households.columns if name_like.search(c)]
    patterns = {
        "household_id": r"H\d{4}",
        "group": r"[a-z]+",
        "arrival_date": r"2026-\d\d-\d\d",
        "preferred_sites": r"(F\d\d(;F\d\d)*)?",
        "refused_sites": r"(F\d\d(;F\d\d)*)?",
        "current_unit": r"(U\d{4})?",
    }
    text = households.select_dtypes(exclude="number").columns
    assert set(text) <= set(patterns), set(text) - set(patterns)
    for col in text:
        assert households[col].astype(str).str.fullmatch(patterns[col]).all(), col


def test_household_references(households: pd.DataFrame, units: pd.DataFrame) -> None:
    sites = set(table("unit_sites.csv").site_id)
    for col in ("preferred_sites", "refused_sites"):
        listed = {s for v in households[col] for s in v.split(";") if s}
        assert listed <= sites, col
    current = households.current_unit[households.current_unit != ""]
    assert 10 <= len(current) <= 30 and current.is_unique
    assert set(current) <= set(units.unit_id)
    fit = households.merge(units, left_on="current_unit", right_on="unit_id")
    assert (fit.beds >= fit.persons).all()


def test_allocation_is_feasible_in_aggregate(households: pd.DataFrame, units: pd.DataFrame) -> None:
    persons = np.sort(households.persons.to_numpy())[::-1]
    beds = np.sort(units.beds.to_numpy())[::-1]
    assert len(units) >= len(households)
    assert (beds[: len(persons)] >= persons).all(), "the k-th largest household fits no unit"
    assert units.accessible.sum() >= households.needs_wheelchair.sum()
    assert (units.floor == 0).sum() >= households.needs_ground_floor.sum()


def test_tasks() -> None:
    tasks = table("tasks.csv")
    assert set(tasks.municipality_code) == CODES
    assert set(tasks.group) == {"asielzoekers", "statushouders", "ontheemden"}
    assert not tasks.duplicated(["municipality_code", "group", "period"]).any()
    spread = tasks[tasks.group == "asielzoekers"].set_index("municipality_code").task
    assert spread["GM0384"] == 175  # Spreidingswet, MANIFEST


def run_generator(out: Path) -> None:
    """Run ``make_demo.py --out out`` in a fresh interpreter."""
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_same_output(a: Path, b: Path) -> None:
    """CSV files identical byte for byte; GeoPackage layers equal as GeoDataFrames."""
    for csv in TABLES:
        assert (a / csv).read_bytes() == (b / csv).read_bytes(), csv
    for gpkg in sorted({f for f, _ in LAYERS}):
        names_a = list(pyogrio.list_layers(a / gpkg)[:, 0])
        assert names_a == list(pyogrio.list_layers(b / gpkg)[:, 0]), gpkg
        for name in names_a:
            assert_geodataframe_equal(
                gpd.read_file(a / gpkg, layer=name), gpd.read_file(b / gpkg, layer=name)
            )


def test_generator_is_deterministic(tmp_path: Path) -> None:
    run_generator(tmp_path / "a")
    run_generator(tmp_path / "b")
    assert_same_output(tmp_path / "a", tmp_path / "b")
    # The committed demo data must be what the generator makes now.
    assert_same_output(tmp_path / "a", DEMO)


@pytest.mark.realdata
def test_sites_fall_in_the_real_municipalities(longlist: gpd.GeoDataFrame) -> None:
    if not REAL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real boundaries missing in CI: {REAL}")
        pytest.skip(f"real CBS boundaries not available at {REAL}")
    real = gpd.read_file(REAL).to_crs(28992)
    code_col = "gemeentecode" if "gemeentecode" in real.columns else "statcode"
    real = real.set_index(code_col).geometry
    centroids = longlist.geometry.centroid
    inside = [
        real[c].contains(p) for c, p in zip(longlist.municipality_code, centroids, strict=True)
    ]
    assert np.mean(inside) >= 0.95

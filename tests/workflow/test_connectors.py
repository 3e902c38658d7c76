"""Real-data connectors, tested offline on recorded responses (tests/workflow/fixtures/).

The live test at the end fetches from PDOK and skips with the reason when there is no
internet connection.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from opvang_opt import connectors
from opvang_opt.cli import app
from opvang_opt.connectors import osm, pdok
from opvang_opt.connectors.ogc import fetch_features
from opvang_opt.errors import DataError, ScenarioError
from opvang_opt.workflows.sweep_plan import plan_sweep
from opvang_opt.workflows.sweep_run import run_variant
from tests.conftest import write_yaml

FIX = Path(__file__).parent / "fixtures"
runner = CliRunner()


def load(name: str) -> dict[str, Any]:
    return json.loads((FIX / name).read_text(encoding="utf-8"))


class Reply:
    def __init__(self, data: Any, status: int = 200) -> None:
        self.data, self.status_code = data, status

    def json(self) -> Any:
        return self.data


class RecordedPdok:
    """Answers PDOK requests from the fixture files, and records every request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any] | None]] = []

    def get(self, url: str, params: dict[str, Any] | None = None, timeout: float = 0) -> Reply:
        self.calls.append((url, params))
        if "natura2000" in url:
            return Reply(load("pdok_natura2000.json"))
        if "cursor=" in url:
            return Reply(load("pdok_cbs_buurten_GM0384_page2.json"))
        assert params is not None and params["gemeentecode"] == "GM0384", params
        assert params["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
        coll = url.split("/collections/")[1].split("/")[0]
        if coll == "buurten":
            return Reply(load("pdok_cbs_buurten_GM0384_page1.json"))
        return Reply(load(f"pdok_cbs_{coll}_GM0384.json"))


class Offline:
    def get(self, url: str, **kwargs: Any) -> Reply:
        import requests

        raise requests.ConnectionError("Failed to resolve 'api.pdok.nl'")


@pytest.fixture
def overpass(monkeypatch):
    """osmnx gets the recorded Overpass answer instead of a network request."""
    import osmnx._overpass

    queries: list[str] = []

    def answer(data):
        queries.append(data["data"])
        return load("overpass_pois.json")

    monkeypatch.setattr(osmnx._overpass, "_overpass_request", answer)
    return queries


@pytest.fixture
def cache(tmp_path, overpass) -> Path:
    folder = tmp_path / "cache"
    connectors.fetch_layers(["GM0384"], cache=folder, session=RecordedPdok())
    return folder


# --------------------------------------------------------------------------- PDOK


def test_paging_follows_next_links():
    session = RecordedPdok()
    url = f"{pdok.cbs_url(2024)}/collections/buurten/items"
    pages = []
    feats = fetch_features(session, url, {"gemeentecode": "GM0384", "f": "json", "limit": 1000,
                                          "crs": "http://www.opengis.net/def/crs/EPSG/0/28992"},
                           on_page=lambda p, n: pages.append((p, n)))  # fmt: skip
    assert [f["properties"]["buurtcode"] for f in feats] == [
        "BU03840101", "BU03840102", "BU03840201"]  # fmt: skip
    assert pages == [(1, 2), (2, 3)]
    assert "cursor=" in session.calls[1][0] and session.calls[1][1] is None


def test_cbs_normalised_with_key_figures():
    gdf, url = pdok.fetch_cbs(RecordedPdok(), ["GM0384"], "buurten")
    assert url == "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/buurten/items"
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf["buurt_code"]) == ["BU03840101", "BU03840102", "BU03840201"]
    assert {"name", "wijk_code", "municipality_code", "inhabitants", "households"} <= set(gdf)
    assert "percentage_koopwoningen" not in gdf  # only the columns this tool uses
    c = gdf.set_index("buurt_code").loc["BU03840201"]
    assert c["inhabitants"] == 13250 and np.isnan(c["households"])  # -99997: secret
    assert gdf.geometry.area.sum() == pytest.approx(3000 * 3000)
    gm, _ = pdok.fetch_cbs(RecordedPdok(), ["GM0384"], "gemeenten")
    assert len(gm) == 1 and gm["inhabitants"].iloc[0] == 31250  # the water part is dropped


def test_natura2000():
    gdf, _ = pdok.fetch_natura2000(RecordedPdok(), (120000, 478000, 133000, 491000))
    assert list(gdf.columns) == ["n2k_id", "name", "n2k_nr", "protection", "sitecode_h",
                                 "sitecode_v", "status", "geometry"]  # fmt: skip
    assert gdf["n2k_id"].tolist() == ["17"] and gdf["protection"].tolist() == ["VR"]


def test_service_failures_are_data_errors():
    with pytest.raises(DataError, match=r"Cannot reach api\.pdok\.nl") as info:
        pdok.fetch_cbs(Offline(), ["GM0384"], "buurten")
    assert "internet connection" in info.value.render()

    class Broken:
        def __init__(self, reply):
            self.reply = reply

        def get(self, url, **kw):
            return self.reply

    with pytest.raises(DataError, match="answered HTTP 500"):
        pdok.fetch_cbs(Broken(Reply({"detail": "boom"}, 500)), ["GM0384"], "buurten")
    with pytest.raises(DataError, match="Unexpected answer"):
        pdok.fetch_cbs(Broken(Reply({"type": "Feature"})), ["GM0384"], "buurten")
    empty = {"type": "FeatureCollection", "features": [], "links": []}
    with pytest.raises(DataError, match="PDOK has no CBS buurten for GM9999"):
        pdok.fetch_cbs(Broken(Reply(empty)), ["GM9999"], "buurten")
    with pytest.raises(DataError, match="No CBS Wijken en Buurten OGC API for 1999"):
        pdok.cbs_url(1999)


# --------------------------------------------------------------------------- OSM


@pytest.mark.parametrize(
    ("tags", "category"),
    [
        ({"railway": "station"}, "station"), ({"railway": "halt"}, "station"),
        ({"railway": "tram_stop"}, "tram_stop"), ({"highway": "bus_stop"}, "bus_stop"),
        ({"public_transport": "platform", "bus": "yes"}, "bus_stop"),
        ({"public_transport": "platform", "train": "yes"}, None),
        ({"amenity": "school", "isced:level": "1;2"}, "primary_school"),
        ({"amenity": "school", "isced:level": "2"}, "secondary_school"),
        ({"amenity": "school", "name": "OBS De Regenboog"}, "primary_school"),
        ({"amenity": "school", "name": "Amstel Lyceum"}, "secondary_school"),
        ({"amenity": "school"}, "school"),
        ({"amenity": "doctors"}, "gp"),
        ({"healthcare": "doctor", "healthcare:speciality": "general"}, "gp"),
        ({"amenity": "doctors", "healthcare:speciality": "dermatology"}, None),
        ({"shop": "supermarket"}, "supermarket"), ({"leisure": "park"}, "park"),
        ({"shop": "bakery"}, None),
    ],
)  # fmt: skip
def test_osm_categories(tags, category):
    assert osm.categorise(pd.Series(tags))[0] == category


def test_osm_pois_through_osmnx(overpass):
    import shapely

    area = gpd.GeoSeries([shapely.box(125000, 483000, 128000, 486000)], crs=28992)
    pois = osm.fetch_osm_pois(area.to_crs(4326).iloc[0])
    assert overpass and "amenity" in overpass[0]  # the query asks for the tags
    assert pois.crs.to_epsg() == 28992 and (pois.geom_type == "Point").all()
    by_id = pois.set_index("poi_id")
    assert by_id.loc["n1001", "category"] == "station"
    assert by_id.loc["n1003", "category"] == "bus_stop"
    assert by_id.loc["n1009", "category"] == "primary_school"
    assert by_id.loc["n1010", "category"] == "secondary_school"
    assert by_id.loc["w3001", "category"] == "park"
    assert by_id.loc["w3001", "area_m2"] == pytest.approx(160_000, rel=0.01)
    assert "n1007" not in by_id.index  # a specialist is not a GP
    assert "n1012" not in by_id.index  # outside the polygon
    assert by_id.loc["n1001"].geometry.distance(shapely.Point(126000, 484000)) < 0.05


# --------------------------------------------------------------------------- cache


def test_fetch_writes_layers_with_source_licence_and_date(cache):
    for name in connectors.LAYERS:
        meta = connectors.read_meta(cache, name)
        assert meta is not None, name
        assert meta["source"] and meta["url"].startswith("https://")
        assert meta["licence"] and meta["attribution"] and meta["fetched_at"]
        assert list(meta["gemeenten"]) == ["GM0384"]
        gdf = gpd.read_file(connectors.layer_path(cache, name), layer=name)
        assert len(gdf) == meta["features"] and gdf.crs.to_epsg() == 28992
        assert gdf[meta["id_column"]].is_unique
        import hashlib

        digest = hashlib.sha256(connectors.layer_path(cache, name).read_bytes()).hexdigest()
        assert meta["sha256"] == digest
    assert connectors.read_meta(cache, "cbs_buurten")["licence"] == "CC BY 4.0"
    assert connectors.read_meta(cache, "osm_pois")["licence"] == "ODbL 1.0"
    pois = gpd.read_file(connectors.layer_path(cache, "osm_pois"))
    assert set(pois["municipality_code"]) == {"GM0384"}
    assert not list(cache.glob(".*tmp*"))  # no temporary files left


def test_fetching_another_municipality_adds_to_the_cache(cache):
    gdf = gpd.read_file(connectors.layer_path(cache, "cbs_buurten"))
    other = gdf.iloc[:1].copy()
    other["buurt_code"], other["municipality_code"] = "BU04370101", "GM0437"
    connectors.write_cached_layer(cache, "cbs_buurten", other, gemeenten=["GM0437"],
                                  url="u", source="s")  # fmt: skip
    meta = connectors.read_meta(cache, "cbs_buurten")
    assert list(meta["gemeenten"]) == ["GM0384", "GM0437"] and meta["features"] == 4
    # fetching GM0384 again replaces its features, keeps GM0437's
    connectors.write_cached_layer(cache, "cbs_buurten", gdf.iloc[:2], gemeenten=["GM0384"],
                                  url="u", source="s")  # fmt: skip
    back = gpd.read_file(connectors.layer_path(cache, "cbs_buurten"))
    assert sorted(back["buurt_code"]) == ["BU03840101", "BU03840102", "BU04370101"]


# --------------------------------------------------------------------------- scenario hook


def _with_sources(tiny, cache: Path) -> Path:
    raw = copy.deepcopy(tiny["raw"])
    raw["data_cache"] = str(cache)
    raw["layers"]["osm"] = {"source": "osm_pois"}
    raw["layers"]["buurten"] = {"source": "cbs_buurten"}
    raw["siting"]["criteria"].append({
        "name": "supermarkt", "kind": "distance_to_poi", "layer": "osm",
        "category": "supermarket", "weight": 1,
        "value": {"type": "linear", "lower": 0, "upper": 200000, "direction": "lower_is_better"},
    })  # fmt: skip
    return write_yaml(tiny["dir"] / "sources.yaml", raw)


def test_a_scenario_refers_to_cached_layers_by_name(tiny, cache):
    raw = {"region": {"municipalities": [{"code": "GM0384", "name": "Diemen"}]},
           "layers": {"b": {"source": "cbs_buurten"}, "x": {"path": "x.gpkg"}}}  # fmt: skip
    out = connectors.resolve_layer_sources(raw, cache_dir=cache)
    assert out["layers"]["b"] == {
        "path": str((cache / "cbs_buurten.gpkg").resolve()), "layer": "cbs_buurten",
        "id_column": "buurt_code",
    }  # fmt: skip
    assert out["layers"]["x"] == {"path": "x.gpkg"} and raw["layers"]["b"] == {
        "source": "cbs_buurten"}  # fmt: skip
    # end to end: a sweep variant runs on the cached OSM layer
    plan = plan_sweep(_with_sources(tiny, cache), ["siting.target.amount=30"])
    row = run_variant(plan.variants[0].raw, 1, plan.variants[0].params)
    assert row["status"] == "ok", row["error"]


@pytest.mark.parametrize(
    ("layer", "error", "needle"),
    [
        ({"source": "cbs_buurtn"}, ScenarioError, "did you mean 'cbs_buurten'?"),
        ({"source": "cbs_buurten", "path": "a.gpkg"}, ScenarioError, "either path or source"),
        ({"source": "natura2000"}, DataError, "run: opvang-opt data fetch --gemeente GM0384 "
                                              "--layers natura2000"),
    ],
)  # fmt: skip
def test_source_errors(tmp_path, layer, error, needle):
    raw = {"region": {"municipalities": [{"code": "GM0384", "name": "Diemen"}]},
           "layers": {"b": layer}}  # fmt: skip
    with pytest.raises(error) as info:
        connectors.resolve_layer_sources(raw, cache_dir=tmp_path / "empty")
    assert needle in info.value.render()


def test_a_municipality_missing_from_the_cache(cache):
    raw = {"region": {"municipalities": [{"code": "GM0384", "name": "D"},
                                         {"code": "GM0451", "name": "U"}]},
           "layers": {"b": {"source": "cbs_buurten"}}}  # fmt: skip
    with pytest.raises(DataError, match="Layers named by source") as info:
        connectors.resolve_layer_sources(raw, cache_dir=cache)
    assert "the cached 'cbs_buurten' lacks GM0451" in info.value.render()


# --------------------------------------------------------------------------- CLI


def test_cli_fetch_and_list(tmp_path, monkeypatch, overpass):
    monkeypatch.setattr(connectors, "new_session", RecordedPdok)
    folder = tmp_path / "c"
    res = runner.invoke(app, ["data", "fetch", "--gemeente", "gm0384", "--layers", "cbs,osm",
                              "--cache", str(folder), "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "cbs_buurten: 3 features, CC BY 4.0" in res.stdout
    assert "osm_pois: 11 features, ODbL 1.0" in res.stdout
    assert not (folder / "natura2000.gpkg").exists()
    res = runner.invoke(app, ["data", "list", "--cache", str(folder), "--lang", "en"])
    assert res.exit_code == 0 and "cbs_wijken: 2 features (GM0384)" in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--gemeente", "Diemen"], "'DIEMEN' is not a CBS municipality code"),
        (["--gemeente", "GM0384", "--layers", "cbs,osn"], "'osn' (did you mean 'osm'?)"),
        (["--gemeente", "GM0384", "--layers", "cbs"], "Cannot reach api.pdok.nl"),
    ],
)  # fmt: skip
def test_cli_fetch_errors_exit_2(tmp_path, monkeypatch, args, needle):
    monkeypatch.setattr(connectors, "new_session", Offline)
    args = [*args, "--cache", str(tmp_path / "c"), "--lang", "en"]
    res = runner.invoke(app, ["data", "fetch", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and "Traceback" not in res.output


# --------------------------------------------------------------------------- live


def _online() -> str | None:
    import requests

    try:
        r = requests.get(f"{pdok.cbs_url(2024)}?f=json", timeout=5)
        if r.status_code == 200 and "links" in r.json():
            return None
        return f"PDOK answered HTTP {r.status_code}"
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc)[:120]}"


@pytest.mark.slow
def test_live_pdok_fetch(tmp_path):
    reason = _online()
    if reason is not None:
        pytest.skip(f"offline: PDOK (api.pdok.nl) is not reachable ({reason})")
    metas = connectors.fetch_layers(["GM0384"], ["cbs", "natura2000"], tmp_path)
    by = {m["layer"]: m for m in metas}
    assert by["cbs_buurten"]["features"] >= 20
    buurten = gpd.read_file(connectors.layer_path(tmp_path, "cbs_buurten"))
    assert buurten["inhabitants"].sum() > 20_000  # Diemen has about 31,000 inhabitants

"""Where sites lie on the real CBS 2024 boundaries, in every output (issue 11, held-back kind).

Candidate plots drawn on the real Diemen, Ouder-Amstel and Uithoorn boundaries in
../shared/data/real (never copied into the repository):

* ``B`` (border): 150 x 100 m across the Diemen / Ouder-Amstel border, about 70 % in
  Ouder-Amstel, while the longlist says Diemen;
* ``W`` (wijk border): 100 x 100 m inside Diemen across the border of wijken WK038402 and
  WK038403 (and three buurten);
* ``O`` (partly outside): 100 x 100 m across Uithoorn's outer boundary, about 27 % outside
  every municipality of the region (below ``max_outside_share``, so kept);
* ``P`` and ``Q``: two plots in Uithoorn's Veenweidegebied overlapping by a rectangle of
  73 x 87 m = 6,351 m² (hand-worked from their corners), both shortlisted under
  ``allow_overlap: true``.

Expected shares come from geopandas overlays of the plots with the real layers, computed
here and independently of :mod:`opvang_opt.siting.location`.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
from html import unescape
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Polygon, box

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from opvang_opt.texts import render
from tests.conftest import real_data_dir, real_layers, write_yaml

pytestmark = pytest.mark.realdata

OUTSIDE_NL = "27% van de kavel ligt buiten de gemeenten van de regio"
OUTSIDE_EN = "27% of the plot lies outside the region's municipalities"
OVERLAP_NL = "overlapt met andere kandidaat-locatie(s), gedeelde grond: {other} (6.351 m²)"
OVERLAP_EN = "overlaps other candidate site(s), shared ground: {other} (6,351 m²)"


def _plots(real: Path) -> gpd.GeoDataFrame:
    buurten = gpd.read_file(real / "duoplus_buurten_2024_rd.geojson").set_index("statcode")
    veen = buurten.loc["BU04519500", "geometry"].representative_point()
    x0, y0 = round(veen.x) - 100, round(veen.y) - 75
    p = box(x0, y0, x0 + 120, y0 + 110)
    q = Polygon([(x0 + 47, y0 + 23), (x0 + 190, y0 + 23), (x0 + 190, y0 + 150),
                 (x0 + 47, y0 + 150)])  # fmt: skip
    assert buurten.loc["BU04519500", "geometry"].contains(p.union(q))
    rows = [
        ("B", "Grens", "Diemen", box(125048, 482900, 125198, 483050)),
        ("W", "Wijkgrens", "Diemen", box(125821, 483371, 125921, 483471)),
        ("O", "Deels buiten", "Uithoorn", box(111344, 471334, 111444, 471434)),
        ("P", "Overlap P", "Uithoorn", p),
        ("Q", "Overlap Q", "Uithoorn", q),
    ]
    return gpd.GeoDataFrame(rows, columns=["site_id", "name", "gemeente", "geometry"],
                            crs="EPSG:28992")  # fmt: skip


def _shares(plots: gpd.GeoDataFrame, layer: gpd.GeoDataFrame, code: str) -> dict[str, list]:
    """Per plot its areas' codes and shares, largest first (geopandas overlay)."""
    inter = gpd.overlay(plots[["site_id", "geometry"]], layer[[code, "geometry"]],
                        how="intersection", keep_geom_type=True)  # fmt: skip
    inter["share"] = inter.area / inter["site_id"].map(plots.set_index("site_id").area)
    out: dict[str, list] = {}
    for sid, part in inter.groupby("site_id"):
        out[str(sid)] = list(part.sort_values("share", ascending=False)[[code, "share"]]
                             .itertuples(index=False, name=None))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Any]:
    real = real_data_dir()
    tmp = tmp_path_factory.mktemp("realgeo")
    plots = _plots(real)
    plots.to_file(tmp / "longlist.gpkg", layer="longlist", driver="GPKG")
    scenario = {
        "name": "real-geography-more",
        "region": {
            "municipalities": [{"code": "GM0384", "name": "Diemen"},
                               {"code": "GM0437", "name": "Ouder-Amstel"},
                               {"code": "GM0451", "name": "Uithoorn"}],
            "boundaries": "gemeenten", "districts": "wijken", "neighbourhoods": "buurten",
        },
        "layers": {
            "longlist": {"path": "longlist.gpkg", "layer": "longlist", "id_column": "site_id"},
            **real_layers(real),
        },
        "siting": {
            "longlist": "longlist", "name_column": "name",
            "criteria": [{"name": "oppervlakte", "kind": "area",
                          "value": {"type": "linear", "lower": 0, "upper": 30000}}],
            "exclusions": [{"name": "natura", "kind": "intersects", "layer": "natura"}],
            "capacity": {"method": "density", "density_units_per_ha": 30, "usable_share": 0.8,
                         "persons_per_unit": 2.8},
            # every plot is needed: 151 + 67 + 67 + 86 + 120 = 491 places
            "target": {"amount": 491},
            "shortlist": {"method": "top_score", "allow_overlap": True, "tradeoff_steps": 0},
            "robustness": {"samples": 0, "one_at_a_time": False},
        },
        "outputs": {"fictitious": True},
    }  # fmt: skip
    path = write_yaml(tmp / "scenario.yaml", scenario)
    result = run(*load(path))
    return {
        "plots": plots,
        "real": real,
        "result": result,
        "nl": write_results(result, tmp / "out_nl", lang="nl"),
        "en": write_results(result, tmp / "out_en", lang="en"),
    }


def _csv(out: Path) -> dict[str, dict[str, str]]:
    with (out / "shortlist.csv").open(encoding="utf-8-sig") as fh:
        return {r["site_id"]: r for r in csv.DictReader(fh)}


def _popups(out: Path) -> dict[str, dict]:
    m = re.search(r"var D = (\{.*?\});\n", (out / "map.html").read_text(encoding="utf-8"), re.S)
    assert m, "map data not found"
    data = json.loads(m.group(1))
    return {f["properties"]["i"]: f["properties"] for f in data["sites"]["features"]}


def _texts(out: Path, lang: str) -> dict[str, str]:
    """Every place a reader sees a site's flags: shortlist.csv, the GeoPackage, the popup,
    report.html and raadsbijlage.html (the last two as text; per site for the first three)."""
    rows = _csv(out)
    gpkg = pyogrio.read_dataframe(out / "longlist_scored.gpkg", layer="longlist_scored")
    gflags = gpkg.set_index("site_id")["location_flags"]
    pops = _popups(out)
    report = unescape((out / "report.html").read_text(encoding="utf-8"))
    memo = unescape((out / "raadsbijlage.html").read_text(encoding="utf-8"))
    texts = {}
    for sid in rows:
        texts[f"csv:{sid}"] = rows[sid]["location_flags"]
        texts[f"gpkg:{sid}"] = gflags[sid]
        texts[f"popup:{sid}"] = " | ".join(unescape(f) for f in pops[sid].get("f", []))
    texts["report"], texts["memo"] = report, memo
    return texts


def test_the_world_is_as_designed(world) -> None:
    plots = world["plots"].set_index("site_id")
    real = world["real"]
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    region = gem.union_all()
    o = plots.loc["O", "geometry"]
    outside = 1 - o.intersection(region).area / o.area
    assert 0.265 < outside < 0.275  # flagged, shown as 27 %
    assert plots.loc["P", "geometry"].intersection(plots.loc["Q", "geometry"]).area == 73 * 87
    sites = world["result"].siting.sites.set_index("site_id")
    assert sites["shortlisted"].all()  # every plot needed, overlap allowed


def test_wijk_and_buurt_shares_on_every_row(world) -> None:
    real = world["real"]
    plots = world["plots"]
    wijk = _shares(plots, gpd.read_file(real / "duoplus_wijken_2024_rd.geojson"), "statcode")
    buurt = _shares(plots, gpd.read_file(real / "duoplus_buurten_2024_rd.geojson"), "statcode")
    gem = _shares(plots, gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson"),
                  "gemeentecode")  # fmt: skip
    # the wijk-border site: most of it in WK038403 (Diemen Zuid), a tenth in WK038402
    assert wijk["W"][0][0] == "WK038403" and len(wijk["W"]) == 2 and len(buurt["W"]) == 3
    sites = world["result"].siting.sites.set_index("site_id")
    rows = _csv(world["nl"])
    for sid in plots["site_id"]:
        assert sites.loc[sid, "wijk_code"] == wijk[sid][0][0]
        assert sites.loc[sid, "wijk_share"] == pytest.approx(wijk[sid][0][1], abs=5e-5)
        assert sites.loc[sid, "buurt_code"] == buurt[sid][0][0]
        assert sites.loc[sid, "buurt_share"] == pytest.approx(buurt[sid][0][1], abs=5e-5)
        # shortlist.csv states every share: municipality, wijk, buurt, other municipality
        assert float(rows[sid]["wijk_share"]) == pytest.approx(wijk[sid][0][1], abs=5e-5)
        assert float(rows[sid]["buurt_share"]) == pytest.approx(buurt[sid][0][1], abs=5e-5)
        assert float(rows[sid]["municipality_share"]) == pytest.approx(gem[sid][0][1], abs=5e-5)
    # the border site: both shares in shortlist.csv (70 % Ouder-Amstel, 30 % Diemen)
    assert [c for c, _ in gem["B"]] == ["GM0437", "GM0384"]
    assert float(rows["B"]["municipality_share"]) == pytest.approx(gem["B"][0][1], abs=5e-5)
    assert float(rows["B"]["border_share"]) == pytest.approx(gem["B"][1][1], abs=5e-5)
    assert float(rows["O"]["outside_share"]) == pytest.approx(1 - gem["O"][0][1], abs=5e-5)
    gpkg = pyogrio.read_dataframe(world["nl"] / "longlist_scored.gpkg", layer="longlist_scored")
    g = gpkg.set_index("site_id")
    assert g.loc["W", "wijk_share"] == pytest.approx(wijk["W"][0][1], abs=5e-5)
    assert g.loc["W", "buurt_share"] == pytest.approx(buurt["W"][0][1], abs=5e-5)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_partly_outside_site_flagged_everywhere(world, lang) -> None:
    flag = OUTSIDE_NL if lang == "nl" else OUTSIDE_EN
    texts = _texts(world[lang], lang)
    for where in ("csv:O", "gpkg:O", "popup:O", "report", "memo"):
        assert flag in texts[where], where
    # the plots wholly inside the region carry no such flag
    for sid in ("B", "W", "P", "Q"):
        assert "buiten de gemeenten" not in texts[f"csv:{sid}"]
        assert "outside the region" not in texts[f"csv:{sid}"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_overlapping_pair_flagged_everywhere_with_shared_m2(world, lang) -> None:
    flag = OVERLAP_NL if lang == "nl" else OVERLAP_EN
    texts = _texts(world[lang], lang)
    for sid, other in (("P", "Q"), ("Q", "P")):
        for where in (f"csv:{sid}", f"gpkg:{sid}", f"popup:{sid}", "report", "memo"):
            assert flag.format(other=other) in texts[where], where
    for sid in ("B", "W", "O"):  # overlapping nothing
        assert "kandidaat-locatie" not in texts[f"csv:{sid}"]
        assert "candidate site" not in texts[f"csv:{sid}"]


def _points_scenario(real: Path, tmp: Path, outside: str) -> Path:
    """Three candidate sites given as points (ETRS89 degrees in a CSV): one in Diemen,
    one in Uithoorn, and ``X`` at RD (110500, 471000), 234 m west of Uithoorn's boundary
    and in none of the region's municipalities (within the 2 km margin)."""
    from shapely.geometry import Point

    pts = gpd.GeoSeries([Point(126000, 484000), Point(113000, 471500), Point(110500, 471000)],
                        crs="EPSG:28992").to_crs("EPSG:4258")  # fmt: skip
    rows = ["site_id,name,lon,lat,area_m2"] + [
        f"{sid},{sid},{p.x:.8f},{p.y:.8f},10000" for sid, p in zip("DUX", pts, strict=True)
    ]
    (tmp / "points.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = {
        "name": "real-points",
        "region": {
            "municipalities": [{"code": "GM0384", "name": "Diemen"},
                               {"code": "GM0437", "name": "Ouder-Amstel"},
                               {"code": "GM0451", "name": "Uithoorn"}],
            "boundaries": "gemeenten", "outside": outside,
        },
        "layers": {
            "longlist": {"path": "points.csv", "x_column": "lon", "y_column": "lat",
                         "crs": "EPSG:4258", "id_column": "site_id"},
            "gemeenten": {"path": str(real / "duoplus_gemeenten_2024_rd.geojson"),
                          "id_column": "gemeentecode"},
        },
        "siting": {
            "longlist": "longlist", "name_column": "name",
            "criteria": [{"name": "oppervlakte", "kind": "area",
                          "value": {"type": "linear", "lower": 0, "upper": 30000}}],
            "capacity": {"density_units_per_ha": 30, "usable_share": 0.8,
                         "persons_per_unit": 2.8, "area_column": "area_m2"},
            "target": {"amount": 100},
            "robustness": {"samples": 0, "one_at_a_time": False},
        },
        "outputs": {"fictitious": True},
    }  # fmt: skip
    return write_yaml(tmp / "points.yaml", scenario)


def _point_distance(real: Path) -> float:
    from shapely.geometry import Point

    region = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson").union_all()
    return float(region.distance(Point(110500, 471000)))


def test_point_site_outside_every_municipality_is_refused(tmp_path) -> None:
    """A plot wholly outside the municipalities is refused (100 % > max_outside_share);
    a site given as a point there was accepted without a word."""
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    real = real_data_dir()
    metres = _point_distance(real)
    assert 230 < metres < 240
    path = _points_scenario(real, tmp_path, "error")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 2, res.output
    assert "id X" in res.output and f"lies {round(metres)} m outside the region" in res.output
    assert "nearest municipality: Uithoorn" in res.output
    assert "id D" not in res.output and "id U" not in res.output
    assert "Traceback" not in res.output and not out.exists()


def test_point_site_outside_kept_under_warn_is_flagged(tmp_path) -> None:
    real = real_data_dir()
    metres = _point_distance(real)
    result = run(*load(_points_scenario(real, tmp_path, "warn")))
    sites = result.siting.sites.set_index("site_id")
    # the row says how far out and the nearest municipality, as the run's warning does
    m_en = f"{metres:,.0f}"
    m_nl = m_en.replace(",", ".")
    assert render(sites.loc["X", "location_flags"], "nl") == (
        f"ligt {m_nl} m buiten de gemeenten van de regio (dichtstbijzijnde: Uithoorn)"
    )
    assert render(sites.loc["X", "location_flags"], "en") == (
        f"lies {m_en} m outside the region's municipalities (nearest: Uithoorn)"
    )
    assert sites.loc["D", "location_flags"] == () and sites.loc["U", "location_flags"] == ()
    assert sites.loc["X", "municipality"] == "" and sites.loc["D", "municipality"] == "Diemen"
    with warnings.catch_warnings(record=True) as caught:  # point sites: ringed, not skipped
        warnings.simplefilter("always")
        out = write_results(result, tmp_path / "out", lang="nl")
    assert not [w for w in caught if "empty geometries" in str(w.message)]
    stages = json.loads((out / "run.json").read_text(encoding="utf-8"))["stages"]
    message = next(s["message"] for s in stages if s["name"] == "inputs")
    assert f"id X: ligt {round(metres)} m buiten de regio" in message, message


def test_overlap_column_in_the_readers_notation(world) -> None:
    """``overlaps_with`` names the other plot and the shared 73 x 87 = 6,351 m²: with a
    thousands point in Dutch, a thousands comma in English (not "6.351 m²", six m²)."""
    for lang, text in (("nl", "6.351"), ("en", "6,351")):
        rows = _csv(world[lang])
        assert rows["P"]["overlaps_with"] == f"Q ({text} m²)"
        assert rows["Q"]["overlaps_with"] == f"P ({text} m²)"
        gpkg = pyogrio.read_dataframe(world[lang] / "longlist_scored.gpkg",
                                      layer="longlist_scored")  # fmt: skip
        assert gpkg.set_index("site_id").loc["P", "overlaps_with"] == f"Q ({text} m²)"
    # the stage keeps its one notation (language-neutral table)
    sites = world["result"].siting.sites.set_index("site_id")
    assert sites.loc["P", "overlaps_with"] == "Q (6.351 m²)"

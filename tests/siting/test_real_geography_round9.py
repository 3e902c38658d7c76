"""Where sites lie on the real CBS 2024 boundaries, ninth round (issue 11, held-back kind).

Candidate plots and points digitised over the real Diemen, Ouder-Amstel and Uithoorn
boundaries and the Natura 2000 areas in ../shared/data/real (never copied into the
repository). Each scenario here found a defect; the expected values come from geopandas /
shapely computations in this file (overlays, distances, the layers' own order), not from
:mod:`opvang_opt.siting.location`:

* a per-wijk maximum counted a plot in the wijk of its representative point (a thin arm
  reaching into another wijk), while its row states the wijk holding most of it;
* a longlist stating the municipality as ``0384`` (CBS code without ``GM``) was flagged
  as disagreeing with Diemen; a boundaries layer writing its codes as ``0384`` or ``384``
  was refused with a did-you-mean the schema forbids;
* a plot wholly outside the municipalities but within the margin was refused as "100 %
  of the plot lies outside" without its distance or the nearest municipality;
* a point on a shared border went to the area the tree query happened to return (Ouder-
  Amstel), not to the first of the layer (Diemen) as documented;
* a point on the region's outer boundary given in degrees (7 decimals, millimetres off)
  was refused as lying "0 m outside the region".
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.pipeline import run
from tests.conftest import real_data_dir, real_layers, write_yaml

pytestmark = pytest.mark.realdata

MUNICIPALITIES = [{"code": "GM0384", "name": "Diemen"},
                  {"code": "GM0437", "name": "Ouder-Amstel"},
                  {"code": "GM0451", "name": "Uithoorn"}]  # fmt: skip


def _scenario(real: Path, longlist: dict, **siting: Any) -> dict[str, Any]:
    return {
        "name": "real-geography-round9",
        "region": {"municipalities": MUNICIPALITIES, "boundaries": "gemeenten",
                   "districts": "wijken", "neighbourhoods": "buurten"},
        "layers": {
            "longlist": longlist,
            **real_layers(real),
        },
        "siting": {
            "longlist": "longlist", "name_column": "name",
            "criteria": [{"name": "oppervlakte", "kind": "area",
                          "value": {"type": "linear", "lower": 0, "upper": 30000}}],
            "capacity": {"density_units_per_ha": 30, "usable_share": 0.8},
            "target": {"amount": 10},
            "shortlist": {"tradeoff_steps": 0},
            "robustness": {"samples": 0, "one_at_a_time": False},
            **siting,
        },
        "outputs": {"fictitious": True},
    }  # fmt: skip


def _write_plots(tmp: Path, rows: list[tuple]) -> dict[str, Any]:
    plots = gpd.GeoDataFrame(rows, columns=["site_id", "name", "gemeente", "geometry"],
                             crs="EPSG:28992")  # fmt: skip
    plots.to_file(tmp / "longlist.gpkg", layer="longlist", driver="GPKG")
    return {"path": "longlist.gpkg", "layer": "longlist", "id_column": "site_id"}


def _largest(geom, layer: gpd.GeoDataFrame, code: str) -> tuple[str, float]:
    """The code of the area holding most of ``geom``, and that share (overlay by hand)."""
    shares = [(str(c), g.intersection(geom).area / geom.area)
              for c, g in zip(layer[code], layer.geometry, strict=True)]  # fmt: skip
    return max(shares, key=lambda t: t[1])


def _csv(out: Path, name: str = "shortlist.csv") -> dict[str, dict[str, str]]:
    with (out / name).open(encoding="utf-8-sig") as fh:
        return {r["site_id"]: r for r in csv.DictReader(fh)}


# --------------------------------------------------------------------------- per-wijk rule

# Z: a 100 x 100 m block in wijk WK038402 with a 300 x 6 m arm reaching through WK038406
# into WK038403 (the arm is the widest part: it holds the representative point); S: a
# 100 x 100 m block in WK038402; T: a 100 x 100 m block in WK038405 (Holland Park).
Z = MultiPolygon([box(125700, 483700, 125800, 483800), box(126150, 483020, 126450, 483026)])
S = box(126000, 483700, 126100, 483800)
T = box(125855, 482280, 125955, 482380)


def test_per_wijk_rule_counts_the_wijk_holding_most_of_the_site(tmp_path) -> None:
    real = real_data_dir()
    wijken = gpd.read_file(real / "duoplus_wijken_2024_rd.geojson")
    z_wijk, z_share = _largest(Z, wijken, "statcode")
    s_wijk, s_share = _largest(S, wijken, "statcode")
    t_wijk, _ = _largest(T, wijken, "statcode")
    assert z_wijk == s_wijk == "WK038402" and s_share == 1.0 and 0.8 < z_share < 0.9
    assert t_wijk == "WK038405"
    # the representative point lies elsewhere: the old rule counted Z there
    rep = shapely.point_on_surface(Z)
    assert not wijken.set_index("statcode").loc["WK038402", "geometry"].contains(rep)
    # capacities by hand: floor(m² x 30 / 10,000 x 0.8): Z 11,800 m² -> 28, S and T -> 24
    longlist = _write_plots(tmp_path, [("Z", "Blok met arm", "Diemen", Z),
                                       ("S", "Zelfde wijk", "Diemen", S),
                                       ("T", "Andere wijk", "Diemen", T)])  # fmt: skip
    scenario = _scenario(real, longlist, target={"amount": 70}, shortlist={
        "method": "optimise", "objective": "sites", "zone_layer": "wijken",
        "zone_column": "statcode", "max_per_zone": 1, "tradeoff_steps": 0,
        "frontier_points": 0})  # fmt: skip
    result = run(*load(write_yaml(tmp_path / "zone.yaml", scenario)))
    sites = result.siting.sites.set_index("site_id")
    assert sites["capacity_units"].to_dict() == {"Z": 28, "S": 24, "T": 24}
    chosen = sites.index[sites["shortlisted"]].tolist()
    # at most one site per wijk: Z or S (same wijk) with T; the best is Z + T = 52 of 70
    assert sorted(chosen) == ["T", "Z"]
    assert int(sites.loc[chosen, "capacity_units"].sum()) == 52
    summary = result.siting.summary
    assert not summary.target_met and summary.shortfall == 18
    rows = _csv(write_results(result, tmp_path / "out", lang="en"))
    for sid in chosen:  # the zone the rule counted is the wijk the row states
        assert rows[sid]["zone"] == sites.loc[sid, "wijk_code"]
    assert rows["Z"]["zone"] == z_wijk


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize("stated", ["0384", "384", "gm0384", "GM 0384", " diemen "])
def test_stated_municipality_code_without_gm_agrees(tmp_path, stated) -> None:
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson").set_index("gemeentecode")
    site = box(126000, 484000, 126100, 484100)
    assert gem.loc["GM0384", "geometry"].contains(site)
    other = box(124800, 482800, 124900, 482900)  # in Ouder-Amstel, stated as Diemen
    assert gem.loc["GM0437", "geometry"].contains(other)
    longlist = _write_plots(tmp_path, [("A", "A", stated, site), ("B", "B", "0384", other)])
    result = run(*load(write_yaml(tmp_path / "codes.yaml", _scenario(real, longlist))))
    sites = result.siting.sites.set_index("site_id")
    assert sites.loc["A", "municipality_code"] == "GM0384"
    assert not bool(sites.loc["A", "municipality_mismatch"])
    assert sites.loc["A", "location_flags"] == ()
    assert bool(sites.loc["B", "municipality_mismatch"])  # 0384 is Diemen, B lies elsewhere


@pytest.mark.parametrize("codes", ["text", "numbers"])
def test_boundaries_layer_codes_without_gm(tmp_path, codes) -> None:
    """A boundaries layer writing GM0384 as '0384' (or as the number 384) is the same
    municipality: the region is found, and sites get the scenario's codes."""
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    digits = gem["gemeentecode"].str[2:]
    gem["gemeentecode"] = digits if codes == "text" else digits.astype(int)
    gem.to_file(tmp_path / "gemeenten.geojson", driver="GeoJSON")
    mp = MultiPolygon([box(125400, 483000, 125460, 483060), box(124800, 482800, 124900, 482900)])
    longlist = _write_plots(tmp_path, [("MP", "Twee delen", "Diemen", mp)])
    scenario = _scenario(real, longlist)
    scenario["layers"]["gemeenten"]["path"] = "gemeenten.geojson"
    result = run(*load(write_yaml(tmp_path / "codes.yaml", scenario)))
    site = result.siting.sites.set_index("site_id").loc["MP"]
    # by hand: 100 x 100 m in Ouder-Amstel, 60 x 60 m in Diemen: 10,000 / 13,600
    assert site["municipality_code"] == "GM0437" and site["municipality"] == "Ouder-Amstel"
    assert site["municipality_share"] == pytest.approx(10000 / 13600, abs=5e-5)
    assert site["border_municipality_code"] == "GM0384"
    assert site["border_share"] == pytest.approx(3600 / 13600, abs=5e-5)


# --------------------------------------------------------------------------- outside


def test_plot_wholly_outside_within_the_margin_refused_with_its_distance(tmp_path) -> None:
    """A 100 x 100 m plot in the gap between Uithoorn and Ouder-Amstel (within the 2 km
    margin, in no municipality) is refused with its distance and nearest municipality, as
    a point there is; a plot 87 % outside keeps its share in the message."""
    from typer.testing import CliRunner

    from opvang_opt.cli import app

    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    gap = box(118900, 473300, 119000, 473400)
    mostly = box(109461, 469900, 109711, 470100)
    region = gem.union_all()
    dist = gap.distance(region)
    assert 500 < dist < 2000 and not gap.intersects(region)
    nearest = gem.loc[gem.distance(gap).idxmin(), "gemeentenaam"]
    assert nearest == "Uithoorn"
    out_share = 1 - mostly.intersection(region).area / mostly.area
    assert round(out_share * 100) == 87
    longlist = _write_plots(tmp_path, [("OG", "Tussen", "Uithoorn", gap),
                                       ("OM", "Meest buiten", "Uithoorn", mostly),
                                       ("IN", "Binnen", "Diemen",
                                        box(126000, 484000, 126100, 484100))])  # fmt: skip
    path = write_yaml(tmp_path / "out.yaml", _scenario(real, longlist))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert f"id OG, geometry: lies {round(dist)} m outside the region" in text
    assert f"(nearest municipality: {nearest})" in text
    assert "id OM, geometry: 87% of the plot lies outside the region's municipalities" in text
    assert "id IN" not in text and "Traceback" not in text and not out.exists()


# --------------------------------------------------------------------------- points

# P1: a corner of the Diemen / Ouder-Amstel border; P3: the corner of four Diemen wijken;
# P2: the middle of an edge of Diemen's outer boundary.
P1, P3 = (125108.0, 482733.0), (126367.0, 483188.0)
P2 = ((126550 + 127033) / 2, (485438 + 485145) / 2)


def _points_run(tmp: Path, real: Path, rows: list[tuple[str, float, float]], crs: str):
    lines = ["site_id,name,x,y,area_m2"] + [f"{s},{s},{x},{y},10000" for s, x, y in rows]
    (tmp / "points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    longlist = {"path": "points.csv", "x_column": "x", "y_column": "y", "crs": crs,
                "id_column": "site_id"}  # fmt: skip
    scenario = _scenario(real, longlist)
    scenario["siting"]["capacity"]["area_column"] = "area_m2"
    return run(*load(write_yaml(tmp / "points.yaml", scenario)))


def _first_in_layer(point: Point, layer: gpd.GeoDataFrame, code: str) -> str:
    return str(layer.loc[layer.intersects(point), code].iloc[0])


def test_point_on_a_shared_border_lies_in_the_first_area_of_the_layer(tmp_path) -> None:
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    wijken = gpd.read_file(real / "duoplus_wijken_2024_rd.geojson")
    buurten = gpd.read_file(real / "duoplus_buurten_2024_rd.geojson")
    p1, p3 = Point(P1), Point(P3)
    assert gem.intersects(p1).sum() == 2 and wijken.intersects(p3).sum() == 4
    result = _points_run(tmp_path, real, [("P1", *P1), ("P3", *P3)], "EPSG:28992")
    sites = result.siting.sites.set_index("site_id")
    for sid, p in (("P1", p1), ("P3", p3)):
        assert sites.loc[sid, "municipality_code"] == _first_in_layer(p, gem, "gemeentecode")
        assert sites.loc[sid, "wijk_code"] == _first_in_layer(p, wijken, "statcode")
        assert sites.loc[sid, "buurt_code"] == _first_in_layer(p, buurten, "statcode")
        assert sites.loc[sid, "municipality_share"] == 1.0
        assert not bool(sites.loc[sid, "crosses_border"])
    # the first of the layer: Diemen, whose wijk and buurt hold the point too
    assert sites.loc["P1", "municipality_code"] == "GM0384"
    assert sites.loc["P1", "wijk_code"].startswith("WK0384")
    assert sites.loc["P1", "buurt_code"].startswith("BU0384")


def test_point_on_the_region_boundary_given_in_degrees(tmp_path) -> None:
    """P2 lies on Diemen's outer boundary; written in WGS 84 degrees with 7 decimals it
    lands millimetres outside: it lies in Diemen (the nearest), not 0 m outside."""
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    wijken = gpd.read_file(real / "duoplus_wijken_2024_rd.geojson")
    buurten = gpd.read_file(real / "duoplus_buurten_2024_rd.geojson")
    deg = gpd.GeoSeries([Point(P2), Point(126000, 484000)], crs="EPSG:28992").to_crs(4326)
    rows = [
        (s, float(f"{p.x:.7f}"), float(f"{p.y:.7f}"))
        for s, p in zip(["P2", "IN"], deg, strict=True)
    ]
    back = gpd.GeoSeries([Point(x, y) for _, x, y in rows], crs=4326).to_crs(28992)
    region = gem.union_all()
    off = back.iloc[0].distance(region)
    assert 0 < off < 0.05  # millimetres outside every municipality
    lines = ["site_id,name,x,y,area_m2"] + [f"{s},{s},{x:.7f},{y:.7f},10000" for s, x, y in rows]
    (tmp_path / "points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    longlist = {"path": "points.csv", "x_column": "x", "y_column": "y", "crs": "EPSG:4326",
                "id_column": "site_id"}  # fmt: skip
    scenario = _scenario(real, longlist)
    scenario["siting"]["capacity"]["area_column"] = "area_m2"
    result = run(*load(write_yaml(tmp_path / "points.yaml", scenario)))  # not refused
    site = result.siting.sites.set_index("site_id").loc["P2"]
    p = back.iloc[0]

    def nearest(layer: gpd.GeoDataFrame, code: str) -> str:
        return str(layer.loc[layer.distance(p).idxmin(), code])

    assert site["municipality_code"] == nearest(gem, "gemeentecode") == "GM0384"
    assert site["wijk_code"] == nearest(wijken, "statcode")
    assert site["buurt_code"] == nearest(buurten, "statcode")
    assert site["outside_share"] == 0.0 and site["location_flags"] == ()
    out = write_results(result, tmp_path / "out", lang="nl")
    rows_csv = _csv(out)
    if "P2" in rows_csv:
        assert rows_csv["P2"]["location_flags"] == ""
    gpkg = pyogrio.read_dataframe(out / "longlist_scored.gpkg", layer="longlist_scored")
    g = gpkg.set_index("site_id").loc["P2"]
    assert g["municipality"] == "Diemen" and not g["location_flags"]
    stages = json.loads((out / "run.json").read_text(encoding="utf-8"))["stages"]
    message = next(s.get("message") or "" for s in stages if s["name"] == "inputs")
    assert "P2" not in message


def test_every_site_of_a_mixed_longlist_against_an_overlay(tmp_path) -> None:
    """A longlist as an analyst digitises it (a multipolygon over two municipalities, a
    2 x 2 m sliver on the border, a plot along the border, a donut with a plot in its
    hole, a 2.5 km square partly outside, plots on a four-wijk and a three-buurt corner,
    two plots overlapping across the border, a plot stated as '0384'): every share, the
    overlap pairs and m², and the stated-municipality flag against geopandas overlays."""
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson")
    wijken = gpd.read_file(real / "duoplus_wijken_2024_rd.geojson")
    buurten = gpd.read_file(real / "duoplus_buurten_2024_rd.geojson")
    a, b = (125108, 482733), (125233, 483406)  # a Diemen / Ouder-Amstel border edge
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    hole = box(mx - 20, my - 100, mx + 130, my + 100)
    donut = Polygon(box(mx - 150, my - 150, mx + 150, my + 150).exterior.coords,
                    [hole.exterior.coords])  # fmt: skip
    rows = [
        ("MP", "Twee delen", "Diemen", MultiPolygon([box(125400, 483000, 125460, 483060),
                                                     box(124800, 482800, 124900, 482900)])),
        ("SL", "Snipper", "Ouder-Amstel", box(mx - 0.7, my - 1, mx + 1.3, my + 1)),
        ("ED", "Langs de grens", "GM0384",
         Polygon([a, b, (b[0] + 120, b[1]), (a[0] + 120, a[1])])),
        ("TI", "Klein", "0384", box(126000, 484000, 126010, 484010)),
        ("DO", "Donut", "Diemen", donut),
        ("IH", "In het gat", "Diemen", box(mx, my - 50, mx + 100, my + 50)),
        ("WK", "Vier wijken", "Diemen", box(126317, 483138, 126417, 483238)),
        ("BC", "Drie buurten", "Diemen", box(125942, 483401, 126002, 483461)),
        ("HU", "Reusachtig", "Diemen", box(124000, 481000, 126500, 483500)),
        ("XA", "Overlap A", "Ouder-Amstel", box(125000, 483000, 125150, 483100)),
        ("XB", "Overlap B", "Diemen", box(125100, 483060, 125250, 483160)),
    ]  # fmt: skip
    plots = gpd.GeoDataFrame(rows, columns=["site_id", "name", "gemeente", "geometry"],
                             crs="EPSG:28992").set_index("site_id")  # fmt: skip
    longlist = _write_plots(tmp_path, rows)
    scenario = _scenario(real, longlist, shortlist={"allow_overlap": True, "tradeoff_steps": 0})
    result = run(*load(write_yaml(tmp_path / "mixed.yaml", scenario)))
    sites = result.siting.sites.set_index("site_id")
    region = gem.union_all()
    for sid, geom in plots.geometry.items():
        for layer, code, col in (
            (gem, "gemeentecode", "municipality"),
            (wijken, "statcode", "wijk"),
            (buurten, "statcode", "buurt"),
        ):
            want, share = _largest(geom, layer, code)
            assert sites.loc[sid, f"{col}_code"] == want, (sid, col)
            assert sites.loc[sid, f"{col}_share"] == pytest.approx(share, abs=5e-5), (sid, col)
        outside = 1 - geom.intersection(region).area / geom.area
        assert sites.loc[sid, "outside_share"] == pytest.approx(max(outside, 0), abs=5e-5)
    # the border flags: both shares where the second municipality holds 1 % or more
    for sid in ("MP", "SL", "DO", "IH", "HU", "XB"):
        assert bool(sites.loc[sid, "crosses_border"]), sid
    for sid in ("ED", "TI", "WK", "BC", "XA"):
        assert not bool(sites.loc[sid, "crosses_border"]), sid
    # the stated municipality: only the plots lying mostly elsewhere disagree
    mismatch = set(sites.index[sites["municipality_mismatch"].astype(bool)])
    assert mismatch == {"MP", "DO", "XB", "SL"}  # TI's '0384' and ED's 'GM0384' agree
    # overlapping pairs (>= 1 m²) by hand with shapely, none for the plot in the hole
    ids = list(plots.index)
    want_pairs = {}
    for i, j in ((p, q) for p in range(len(ids)) for q in range(p + 1, len(ids))):
        m2 = plots.geometry.iloc[i].intersection(plots.geometry.iloc[j]).area
        if m2 >= 1:
            want_pairs[ids[i], ids[j]] = m2
    assert ("DO", "IH") not in want_pairs and ("XA", "XB") in want_pairs
    texts = {sid: "; ".join(f"{o} ({round(m2):,d} m²)".replace(",", ".")
                            for o, m2 in sorted(((q if p == sid else p, m2)
                                                 for (p, q), m2 in want_pairs.items()
                                                 if sid in (p, q)),
                                                key=lambda t: ids.index(t[0])))
             for sid in ids}  # fmt: skip
    assert sites["overlaps_with"].to_dict() == texts
    gpkg = pyogrio.read_dataframe(write_results(result, tmp_path / "out", lang="nl")
                                  / "longlist_scored.gpkg", layer="longlist_scored")  # fmt: skip
    g = gpkg.set_index("site_id")
    assert g["overlaps_with"].fillna("").to_dict() == texts
    assert not np.any(pd.isna(g.loc[ids, "municipality_share"]))


# --------------------------------------------------------------------------- feature named


def test_closer_than_a_category_names_only_features_of_that_category(tmp_path) -> None:
    """A plot in Diemen 150 m from a petrol station and 50 m from a school, under 'not
    within 200 m of a tankstation': the reason names the petrol station only (it named
    the school too, as if the school had broken the rule)."""
    real = real_data_dir()
    site = box(126000, 484000, 126100, 484100)
    pois = gpd.GeoDataFrame(
        [("T1", "Tankstation Diemen", "tankstation", Point(126250, 484050)),
         ("S1", "Basisschool De Kaap", "school", Point(126150, 484050)),
         ("T2", "Tankstation Ver", "tankstation", Point(127000, 484050))],
        columns=["poi_id", "name", "category", "geometry"], crs="EPSG:28992",
    )  # fmt: skip
    pois.to_file(tmp_path / "pois.gpkg", layer="pois", driver="GPKG")
    # by hand: 150 m to T1, 50 m to S1 (both within 200 m), 900 m to T2
    tank = pois[pois["category"] == "tankstation"]
    within = sorted(tank.loc[tank.distance(site) < 200, "name"])
    assert within == ["Tankstation Diemen"] and site.distance(pois.geometry.iloc[1]) == 50
    longlist = _write_plots(tmp_path, [("A", "Plek", "Diemen", site)])
    scenario = _scenario(real, longlist)
    scenario["layers"]["pois"] = {"path": "pois.gpkg", "layer": "pois", "id_column": "poi_id"}
    scenario["siting"]["exclusions"] = [{"name": "tankstation", "kind": "closer_than",
                                         "layer": "pois", "category": "tankstation",
                                         "distance_m": 200}]  # fmt: skip
    scenario["siting"]["target"] = {"amount": 0}
    result = run(*load(write_yaml(tmp_path / "poi.yaml", scenario)))
    rows = result.siting.exclusions
    assert rows["site_id"].tolist() == ["A"] and rows["measured"].tolist() == [150.0]
    out = write_results(result, tmp_path / "out", lang="en")
    text = _csv(out, "exclusions.csv")["A"]["message"]
    assert f"'pois ({', '.join(within)})'" in text and "Basisschool" not in text


def test_intersects_names_the_feature_overlapped_not_its_neighbour(tmp_path) -> None:
    """Two noise zones drawn as the real wijken WK038402 and WK038403 (sharing an edge);
    a 30 m deep plot along that edge inside the first overlaps it wholly and the second by
    no m²: the reason names the first only (it named both)."""
    real = real_data_dir()
    wijken = gpd.read_file(real / "duoplus_wijken_2024_rd.geojson").set_index("statcode")
    a, b = wijken.loc["WK038402", "geometry"], wijken.loc["WK038403", "geometry"]
    p, q = (126367.0, 483188.0), (125972.0, 483431.0)  # the first edge of their border
    assert a.intersection(b).buffer(1e-6).contains(shapely.LineString([p, q]))
    dx, dy = q[0] - p[0], q[1] - p[1]
    n = np.hypot(dx, dy)
    ox, oy = dy / n * 30, -dx / n * 30  # 30 m to the right of p -> q
    site = Polygon([p, q, (q[0] + ox, q[1] + oy), (p[0] + ox, p[1] + oy)])
    if site.intersection(a).area < site.area / 2:  # the other side
        site = Polygon([p, q, (q[0] - ox, q[1] - oy), (p[0] - ox, p[1] - oy)])
    assert site.intersection(a).area == pytest.approx(site.area)
    assert site.intersection(b).area == pytest.approx(0, abs=1e-6) and site.touches(b)
    zones = gpd.GeoDataFrame({"name": ["Geluidszone A", "Geluidszone B"]}, geometry=[a, b],
                             crs="EPSG:28992")  # fmt: skip
    zones.to_file(tmp_path / "zones.gpkg", layer="zones", driver="GPKG")
    longlist = _write_plots(tmp_path, [("E", "Langs de zonegrens", "Diemen", site)])
    scenario = _scenario(real, longlist)
    scenario["layers"]["geluid"] = {"path": "zones.gpkg", "layer": "zones"}
    scenario["siting"]["exclusions"] = [{"name": "geluid", "kind": "intersects",
                                         "layer": "geluid"}]  # fmt: skip
    scenario["siting"]["target"] = {"amount": 0}
    result = run(*load(write_yaml(tmp_path / "touch.yaml", scenario)))
    out = write_results(result, tmp_path / "out", lang="en")
    row = _csv(out, "exclusions.csv")["E"]
    assert float(row["measured"]) == pytest.approx(site.area, abs=1e-3)
    assert "'geluid (Geluidszone A)'" in row["message"] and "Zone B" not in row["message"]


# --------------------------------------------------------------------------- overlaps


def test_shared_m2_rounded_once(tmp_path) -> None:
    """Two plots in Diemen overlapping by 20 x 14.526 m = 290.52 m² (by hand): shown as
    291 m², not 290 m² (rounded to 290.5 first, then half to even)."""
    real = real_data_dir()
    gem = gpd.read_file(real / "duoplus_gemeenten_2024_rd.geojson").set_index("gemeentecode")
    x0, y0 = 126000.0, 484000.0
    a = box(x0, y0, x0 + 100, y0 + 50)
    b = box(x0 + 80, y0 + 35.474, x0 + 180, y0 + 135)
    assert gem.loc["GM0384", "geometry"].contains(a.union(b))
    assert a.intersection(b).area == pytest.approx(290.52, abs=1e-6)
    longlist = _write_plots(tmp_path, [("A", "A", "Diemen", a), ("B", "B", "Diemen", b)])
    scenario = _scenario(real, longlist, shortlist={"allow_overlap": True, "tradeoff_steps": 0})
    scenario["siting"]["target"] = {"amount": 30}  # both needed: 12 + 23 units
    result = run(*load(write_yaml(tmp_path / "ovl.yaml", scenario)))
    for lang in ("nl", "en"):
        rows = _csv(write_results(result, tmp_path / f"out_{lang}", lang=lang))
        assert rows["A"]["overlaps_with"] == "B (291 m²)"
        assert rows["B"]["overlaps_with"] == "A (291 m²)"

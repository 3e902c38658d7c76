"""The optional background map of the static maps, against a real local tile server.

A ``http.server`` in a thread serves generated 256 x 256 PNG tiles in one colour that
nothing else on the maps uses (magenta); the provider's URL is pointed at it. No test
uses the internet. A refused connection (a port nobody listens on) stands for "no
network": the maps then say that no background was loaded and credit no tiles.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from opvang_opt.connectors.tiles import TileSource
from opvang_opt.outputs import write_results
from opvang_opt.outputs.static import render_static
from opvang_opt.schema.scenario import BackgroundConfig

MAGENTA = (255, 0, 255)


CYAN = (0, 255, 255)


def _tile_png(colour: tuple[int, int, int] = MAGENTA) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def tile_server():
    """A local XYZ tile server: ``{"url": template, "requests": [(z, x, y), ...]}``.

    Every tile is magenta, unless ``checker`` is set: then tiles with ``x + y`` even are
    magenta and the others cyan."""
    pngs = {0: _tile_png(MAGENTA), 1: _tile_png(CYAN)}
    requests: list[tuple[int, int, int]] = []
    state = {"checker": False}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            parts = self.path.strip("/").removesuffix(".png").split("/")
            try:
                z, x, y = (int(p) for p in parts[-3:])
            except ValueError:
                self.send_error(404)
                return
            requests.append((z, x, y))
            png = pngs[(x + y) % 2 if state["checker"] else 0]
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield {"url": f"http://{host}:{port}/tiles/{{z}}/{{x}}/{{y}}.png", "requests": requests,
           "state": state}  # fmt: skip
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def refused_url() -> str:
    """A tile URL on a local port that nobody listens on: every request is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"


def _magenta_share(png: bytes) -> float:
    px = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    near = np.abs(px - np.array(MAGENTA)).sum(axis=2) <= 30
    return float(near.mean())


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = tmp_path / "map.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return " ".join(out.stdout.split())


def _slippy_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The OSM tile holding a point (the formula of the OSM wiki's "Slippy map tilenames")."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def test_tiles_land_where_the_slippy_map_formula_puts_them(tile_server, tmp_path) -> None:
    """The warp from Web Mercator tiles to RD New: sampled pixels of the background have
    the colour of the tile that the OSM wiki's formula gives for their WGS 84 position."""
    import geopandas as gpd
    from shapely.geometry import Point

    tile_server["state"]["checker"] = True
    tiles = TileSource("brt", tmp_path / "cache", url=tile_server["url"])
    extent = (121_000.0, 129_000.0, 480_000.0, 485_000.0)  # about Diemen, RD New
    bg = tiles.background(extent, 400)
    assert bg is not None and bg.image.shape == (250, 400, 4)
    rng = np.random.default_rng(7)
    rows, cols = rng.integers(0, 250, 60), rng.integers(0, 400, 60)
    xs = extent[0] + (cols + 0.5) * (extent[1] - extent[0]) / 400
    ys = extent[3] - (rows + 0.5) * (extent[3] - extent[2]) / 250
    pts = gpd.GeoSeries([Point(x, y) for x, y in zip(xs, ys, strict=True)], crs="EPSG:28992")
    wgs = pts.to_crs("EPSG:4326")
    checked = 0
    for r, c, p in zip(rows, cols, wgs, strict=True):
        n = 2**bg.zoom
        fx = (p.x + 180.0) / 360.0 * n
        fy = (1.0 - math.asinh(math.tan(math.radians(p.y))) / math.pi) / 2.0 * n
        if min(fx % 1, 1 - fx % 1, fy % 1, 1 - fy % 1) < 0.02:
            continue  # within a pixel or so of a tile edge: either colour is right
        want = MAGENTA if (int(fx) + int(fy)) % 2 == 0 else CYAN
        assert tuple(bg.image[r, c, :3]) == want, (r, c, p.x, p.y)
        checked += 1
    assert checked >= 40


def test_without_background_the_map_has_no_tiles_and_says_so(demo_result, tmp_path) -> None:
    images = render_static(demo_result, "nl")
    assert _magenta_share(images["png"]) == 0.0
    text = _pdf_text(images["pdf"], tmp_path)
    assert "Kaart zonder achtergrondkaart" in text
    # the demo's own attribution names OSM tiles (for map.html); the static map shows none
    assert "OpenStreetMap" not in text


def test_tiles_are_fetched_drawn_credited_and_cached(demo_result, tile_server, tmp_path) -> None:
    cache = tmp_path / "cache"
    tiles = TileSource("osm", cache, url=tile_server["url"])
    images = render_static(demo_result, "nl", tiles)
    assert tiles.failed is None
    # drawn: a large part of the map is the tiles' colour (the layers cover the rest)
    assert _magenta_share(images["png"]) > 0.2
    # credited, in the caption of the PDF (vector text)
    text = _pdf_text(images["pdf"], tmp_path)
    assert "Achtergrondkaart: (C) OpenStreetMap contributors" in text
    assert "Kaart zonder achtergrondkaart" not in text
    # the tiles asked for are those over the region: one zoom level, and the tile that
    # holds the centre of the municipalities (WGS 84 via geopandas, slippy-map formula)
    got = tile_server["requests"]
    assert len(got) == tiles.fetched > 0
    zooms = {z for z, _, _ in got}
    assert len(zooms) == 1
    z = zooms.pop()
    bnd = demo_result.inputs.layers[demo_result.scenario.region.boundaries]
    centre = bnd.to_crs("EPSG:4326").union_all().centroid
    assert (z, *_slippy_tile(centre.x, centre.y, z)) in got
    assert 10 <= z <= 16  # about a town's width on an A4 page
    # cached on disk: a second source over the same cache fetches nothing
    again = TileSource("osm", cache, url=tile_server["url"])
    render_static(demo_result, "en", again)
    assert again.fetched == 0 and again.drawn == 1
    assert len(tile_server["requests"]) == len(got)


def test_refused_connection_means_no_background_and_no_tile_credit(
    demo_result, refused_url, tmp_path
) -> None:
    tiles = TileSource("osm", tmp_path / "cache", url=refused_url, timeout=5)
    images = render_static(demo_result, "en", tiles)
    assert tiles.failed is not None and "Connection" in tiles.failed
    assert tiles.drawn == 0
    assert _magenta_share(images["png"]) == 0.0
    text = _pdf_text(images["pdf"], tmp_path)
    host = refused_url.split("/")[2]
    assert f"Background map not loaded (no connection to {host})" in text
    assert "OpenStreetMap" not in text


def _with_background(result, **settings):
    outputs = result.scenario.outputs.model_copy(
        update={"background": BackgroundConfig(**settings)}
    )
    scenario = result.scenario.model_copy(update={"outputs": outputs})
    return dataclasses.replace(result, scenario=scenario)


@pytest.mark.slow
def test_scenario_option_draws_the_background_on_every_static_map(
    demo_result, tile_server, tmp_path
) -> None:
    result = _with_background(
        demo_result, provider="brt", url=tile_server["url"], cache_dir=tmp_path / "cache"
    )
    out = write_results(result, tmp_path / "out")
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    bg = info["outputs"]["background"]
    n_sites = int(demo_result.siting.shortlist.shape[0])
    assert bg["provider"] == "brt" and bg["failed"] is None
    assert bg["maps_with_background"] == 1 + n_sites  # the regional map and each detail map
    assert info["outputs"]["warnings"] == []
    assert _magenta_share((out / "map.png").read_bytes()) > 0.2
    html = (out / "raadsbijlage.html").read_text(encoding="utf-8")
    credit = "Achtergrondkaart: (C) Kadaster / PDOK, BRT-Achtergrondkaart"
    assert html.count(credit) >= n_sites  # under each detail map, and on the sources page
    assert "OpenStreetMap" not in html.split('id="sources"')[1]


@pytest.mark.slow
def test_scenario_option_offline_run_completes_and_says_so(
    demo_result, refused_url, tmp_path
) -> None:
    result = _with_background(
        demo_result, provider="osm", url=refused_url, cache_dir=tmp_path / "cache", timeout_s=5
    )
    seen = []
    out = write_results(result, tmp_path / "out", on_warning=seen.append)
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    bg = info["outputs"]["background"]
    assert bg["maps_with_background"] == 0 and bg["tiles_fetched"] == 0
    assert "Connection" in bg["failed"]
    assert [m.code for m in seen] == ["stage.write.tiles_failed"]
    assert info["outputs"]["warnings"][0].startswith("achtergrondkaart niet geladen")
    html = (out / "raadsbijlage.html").read_text(encoding="utf-8")
    host = refused_url.split("/")[2]
    assert f"Achtergrondkaart niet geladen (geen verbinding met {host})" in html
    assert "OpenStreetMap" not in html

"""Background tiles for the static maps: fetched from an XYZ tile server, cached on disk,
and warped to RD New (EPSG:28992).

The providers are described by xyzservices (URL template, zoom range, attribution):
``brt`` is PDOK's BRT-Achtergrondkaart (``nlmaps.standaard``; also ``brt_grijs``,
``brt_pastel``), ``osm`` is OpenStreetMap's standard layer. A scenario may point ``url`` at
another server with the same ``{z}/{x}/{y}`` scheme (a municipality's own mirror, or a test
server). Tiles are fetched with ``requests`` and kept in a cache folder
(``<cache>/<provider>/<z>/<x>/<y>.png``); a cached tile younger than ``max_age_days`` is
never fetched again, so a second run and every detail map of the same area cost nothing.

Web tiles are in Web Mercator (EPSG:3857). The static maps are drawn in RD New, so the
tile mosaic is resampled onto the map's own grid (each output pixel looks up its Web
Mercator position with pyproj; nearest neighbour). That needs no GDAL/rasterio warp.

The first tile that cannot be fetched (no network, refused connection, an HTTP error, a
file that is no image) stops the source for the rest of the run: :attr:`TileSource.failed`
says why, and the maps say that no background was loaded instead of waiting for every
tile to time out. Nothing here prints.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

PROVIDERS: dict[str, str] = {
    "brt": "nlmaps.standaard",
    "brt_grijs": "nlmaps.grijs",
    "brt_pastel": "nlmaps.pastel",
    "osm": "OpenStreetMap.Mapnik",
}
"""Provider names in the scenario and their xyzservices names."""

LICENCES: dict[str, str] = {
    "brt": "CC BY 4.0",
    "brt_grijs": "CC BY 4.0",
    "brt_pastel": "CC BY 4.0",
    "osm": "ODbL 1.0",
}
"""The licence of each provider's map data (BRT-Achtergrondkaart: Kadaster, CC BY 4.0;
OpenStreetMap: ODbL)."""

CREDITS: dict[str, str] = {
    "brt": "(C) Kadaster / PDOK, BRT-Achtergrondkaart",
    "brt_grijs": "(C) Kadaster / PDOK, BRT-Achtergrondkaart",
    "brt_pastel": "(C) Kadaster / PDOK, BRT-Achtergrondkaart",
}
"""Credit lines that read the same in Dutch and English (xyzservices' own line for BRT is
Dutch, "Kaartgegevens (C) Kadaster"); other providers use xyzservices' line."""

TILE = 256
"""Tile size in pixels."""
EARTH = 2 * math.pi * 6378137.0
"""The width of the Web Mercator world in metres."""
MAX_TILES = 64
"""Most tiles fetched for one map; the zoom level is lowered until the area fits."""


@dataclass(frozen=True)
class Background:
    """A background image on the map's grid.

    Parameters
    ----------
    image
        RGBA pixels (``height x width x 4``, uint8), north up; transparent outside the tiles.
    extent
        ``(xmin, xmax, ymin, ymax)`` in RD New metres, as ``imshow`` takes it.
    attribution
        The credit line the provider asks for.
    provider
        The scenario's provider name (``brt``, ``osm``, ...).
    zoom
        The tile zoom level used.
    tiles
        How many tiles were used (``from_cache`` of them from the cache).
    """

    image: np.ndarray
    extent: tuple[float, float, float, float]
    attribution: str
    provider: str
    zoom: int
    tiles: int
    from_cache: int


class TileSource:
    """Fetches, caches and warps the tiles of one provider for a run.

    Parameters
    ----------
    provider
        ``brt``, ``brt_grijs``, ``brt_pastel`` or ``osm`` (see :data:`PROVIDERS`).
    cache_dir
        The tile cache folder (created when needed).
    url
        Another tile server with the same ``{z}/{x}/{y}`` scheme, instead of the provider's.
    attribution
        The credit line; defaults to the provider's.
    timeout
        Seconds to wait for one tile.
    max_age_days
        A cached tile older than this is fetched again.
    session
        A ``requests`` session (default: a new one with this tool's User-Agent).
    """

    def __init__(
        self,
        provider: str,
        cache_dir: str | Path,
        *,
        url: str | None = None,
        attribution: str | None = None,
        timeout: float = 10.0,
        max_age_days: float = 30.0,
        session: Any = None,
    ) -> None:
        import xyzservices.providers as xyz

        if provider not in PROVIDERS:
            raise ValueError(f"unknown background provider {provider!r}: {sorted(PROVIDERS)}")
        spec = xyz.query_name(PROVIDERS[provider])
        self.provider = provider
        self.template = url or spec.build_url(x="{x}", y="{y}", z="{z}")
        self.attribution = attribution or CREDITS.get(provider) or str(spec.get("attribution"))
        self.min_zoom = int(spec.get("min_zoom") or 0)
        self.max_zoom = int(spec.get("max_zoom") or 19)
        self.timeout = timeout
        self.max_age_s = max_age_days * 86400.0
        key = hashlib.sha256(self.template.encode()).hexdigest()[:10]
        self.cache = Path(cache_dir) / f"{provider}-{key}"
        self._session = session
        self.failed: str | None = None
        """Why the tiles could not be fetched (``None`` while all went well)."""
        self.fetched = 0
        """Tiles fetched over the network so far."""
        self.drawn = 0
        """Backgrounds made so far (maps that show this provider's tiles)."""

    @property
    def host(self) -> str:
        """The tile server's host (for messages)."""
        return urlsplit(self.template).netloc or self.template

    # ------------------------------------------------------------------ tiles
    def _get(self, z: int, x: int, y: int) -> tuple[np.ndarray, bool]:
        """One tile as RGBA pixels, and whether it came from the cache."""
        from PIL import Image

        path = self.cache / str(z) / str(x) / f"{y}.png"
        if path.is_file() and time.time() - path.stat().st_mtime < self.max_age_s:
            try:
                with Image.open(path) as im:
                    return np.asarray(im.convert("RGBA")), True
            except OSError:
                path.unlink(missing_ok=True)  # a damaged cache entry: fetch it again
        if self._session is None:
            import requests

            from opvang_opt.connectors.ogc import USER_AGENT

            self._session = requests.Session()
            self._session.headers.update({"User-Agent": USER_AGENT})
        url = self.template.format(z=z, x=x, y=y)
        response = self._session.get(url, timeout=self.timeout)
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code} for {url}")
        with Image.open(io.BytesIO(response.content)) as im:
            pixels = np.asarray(im.convert("RGBA"))
        if pixels.shape[:2] != (TILE, TILE):
            raise OSError(f"tile {z}/{x}/{y} is {pixels.shape[1]} x {pixels.shape[0]} pixels")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(response.content)
        tmp.replace(path)
        self.fetched += 1
        return pixels, False

    def zoom_for(self, bounds_3857: tuple[float, float, float, float], width_px: int) -> int:
        """The zoom level whose tiles have about the map's resolution (at most
        :data:`MAX_TILES` tiles)."""
        minx, _, maxx, _ = bounds_3857
        metres_per_px = max(maxx - minx, 1.0) / max(width_px, 1)
        z = math.ceil(math.log2(EARTH / (TILE * metres_per_px)))
        z = max(self.min_zoom, min(self.max_zoom, z))
        while z > self.min_zoom:
            x0, y0, x1, y1 = _tile_range(bounds_3857, z)
            if (x1 - x0 + 1) * (y1 - y0 + 1) <= MAX_TILES:
                break
            z -= 1
        return z

    def background(
        self, extent_rd: tuple[float, float, float, float], width_px: int
    ) -> Background | None:
        """The background for a map of ``extent_rd`` (``xmin, xmax, ymin, ymax`` in RD New)
        drawn ``width_px`` pixels wide, or ``None`` when the tiles cannot be fetched (then
        :attr:`failed` says why)."""
        if self.failed is not None:
            return None
        from pyproj import Transformer

        xmin, xmax, ymin, ymax = extent_rd
        to_merc = Transformer.from_crs("EPSG:28992", "EPSG:3857", always_xy=True)
        bounds = to_merc.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
        z = self.zoom_for(bounds, width_px)
        x0, y0, x1, y1 = _tile_range(bounds, z)
        mosaic = np.zeros(((y1 - y0 + 1) * TILE, (x1 - x0 + 1) * TILE, 4), dtype=np.uint8)
        cached = 0
        try:
            for ty in range(y0, y1 + 1):
                for tx in range(x0, x1 + 1):
                    pixels, hit = self._get(z, tx, ty)
                    cached += hit
                    r, c = (ty - y0) * TILE, (tx - x0) * TILE
                    mosaic[r : r + TILE, c : c + TILE] = pixels
        except Exception as exc:  # network, HTTP, image: each means "no background"
            self.failed = _reason(exc)
            return None
        # resample onto the map's grid: each output pixel's centre, in Web Mercator
        height_px = max(1, round(width_px * (ymax - ymin) / max(xmax - xmin, 1e-9)))
        xs = xmin + (np.arange(width_px) + 0.5) * (xmax - xmin) / width_px
        ys = ymax - (np.arange(height_px) + 0.5) * (ymax - ymin) / height_px
        gx, gy = np.meshgrid(xs, ys)
        mx, my = to_merc.transform(gx.ravel(), gy.ravel())
        res = EARTH / (TILE * 2**z)
        left, top = x0 * TILE * res - EARTH / 2, EARTH / 2 - y0 * TILE * res
        col = np.floor((np.asarray(mx) - left) / res).astype(np.int64)
        row = np.floor((top - np.asarray(my)) / res).astype(np.int64)
        inside = (col >= 0) & (col < mosaic.shape[1]) & (row >= 0) & (row < mosaic.shape[0])
        out = np.zeros((height_px * width_px, 4), dtype=np.uint8)
        out[inside] = mosaic[row[inside], col[inside]]
        n = (x1 - x0 + 1) * (y1 - y0 + 1)
        self.drawn += 1
        return Background(
            image=out.reshape(height_px, width_px, 4),
            extent=(xmin, xmax, ymin, ymax),
            attribution=self.attribution,
            provider=self.provider,
            zoom=z,
            tiles=n,
            from_cache=cached,
        )


def _tile_range(
    bounds_3857: tuple[float, float, float, float], z: int
) -> tuple[int, int, int, int]:
    """The tiles ``(x0, y0, x1, y1)`` (inclusive) covering Web Mercator bounds at zoom z."""
    minx, miny, maxx, maxy = bounds_3857
    n = 2**z
    size = EARTH / n

    def tx(x: float) -> int:
        return min(n - 1, max(0, math.floor((x + EARTH / 2) / size)))

    def ty(y: float) -> int:
        return min(n - 1, max(0, math.floor((EARTH / 2 - y) / size)))

    return tx(minx), ty(maxy), tx(maxx), ty(miny)


def _reason(exc: BaseException) -> str:
    """A short reason for a failed fetch (the exception's class and first line)."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


__all__ = ["CREDITS", "LICENCES", "PROVIDERS", "Background", "TileSource"]

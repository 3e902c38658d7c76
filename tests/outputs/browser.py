"""Headless Chromium for the output tests and the benchmark, fully offline.

Debian's ``chromium`` is driven by Playwright (``executable_path``; Playwright's own browser
download is not used). Every request the page makes is intercepted:

- the CDN files a map loads (:data:`opvang_opt.outputs.maps.CDN_ASSETS`, plus Leaflet's
  images) are served from a local copy of the npm package, installed once per machine with
  ``npm pack`` into a cache folder (never committed);
- background tiles get a blank tile;
- anything else is aborted and recorded, so a test can assert that nothing unexpected was
  requested.

Without Chromium, Playwright or npm the browser tests skip with the reason, except when
``CI=true``: then they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opvang_opt.outputs.maps import CDN_ASSETS, LEAFLET_VERSION

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _blank_tile() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (242, 239, 233)).save(buf, format="PNG")
    return buf.getvalue()


BLANK_TILE = _blank_tile()
"""A plain light tile served instead of background map tiles."""
TILE_HOSTS = ("tile.openstreetmap.org",)
LEAFLET_IMAGES = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/images/"


class BrowserUnavailable(RuntimeError):
    """Chromium, Playwright or npm is missing; the message says which and how to get it."""


def chromium_path() -> str:
    """The Chromium executable (``OPVANG_CHROMIUM`` or Debian's ``chromium``)."""
    for cand in (os.environ.get("OPVANG_CHROMIUM"), "chromium", "chromium-browser"):
        if cand and shutil.which(cand):
            return str(shutil.which(cand))
    raise BrowserUnavailable(
        "Chromium is not installed (apt-get install chromium; or set OPVANG_CHROMIUM)"
    )


def cache_dir() -> Path:
    """Where the npm packages are unpacked (outside the repository)."""
    base = os.environ.get("OPVANG_TEST_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "opvang-opt-test" / "npm"


def npm_package(spec: str) -> Path:
    """Unpack an npm package (``name@version``) into the cache once; return its folder."""
    target = cache_dir() / spec.replace("/", "__")
    if (target / "package.json").is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise BrowserUnavailable(
            f"npm is not installed, needed to fetch {spec} (apt-get install npm)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.with_name(target.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    proc = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(work), "--silent"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    tgz = list(work.glob("*.tgz"))
    if proc.returncode != 0 or not tgz:
        raise BrowserUnavailable(f"npm pack {spec} failed: {proc.stderr.strip()[:500]}")
    with tarfile.open(tgz[0]) as tar:
        tar.extractall(work, filter="data")
    shutil.rmtree(target, ignore_errors=True)
    (work / "package").rename(target)
    shutil.rmtree(work, ignore_errors=True)
    return target


def local_assets() -> dict[str, Path]:
    """Every CDN URL a map may load -> the local file (Leaflet's images included)."""
    out: dict[str, Path] = {}
    for url, (spec, rel) in CDN_ASSETS.items():
        out[url] = npm_package(spec) / rel
    images = npm_package(f"leaflet@{LEAFLET_VERSION}") / "dist" / "images"
    for f in images.iterdir():
        out[LEAFLET_IMAGES + f.name] = f
    return out


@dataclass
class PageLog:
    """What a page did: console errors, uncaught errors, requests served and refused."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    tiles: int = 0
    refused: list[str] = field(default_factory=list)


class Browser:
    """A headless Chromium that opens local files with every request intercepted."""

    def __init__(self) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise BrowserUnavailable("the Python package 'playwright' is not installed") from exc
        self._exe = chromium_path()
        self._assets = local_assets()
        self._pw = sync_playwright().start()
        try:
            self.browser = self._pw.chromium.launch(
                executable_path=self._exe, args=CHROMIUM_ARGS, headless=True
            )
        except Exception as exc:
            self._pw.stop()
            raise BrowserUnavailable(f"Chromium at {self._exe} did not start: {exc}") from exc

    def close(self) -> None:
        """Stop the browser."""
        self.browser.close()
        self._pw.stop()

    @contextmanager
    def page(
        self, path: Path, *, allow_cdn: bool = True, width: int = 1400, height: int = 900
    ) -> Iterator[tuple[Any, PageLog]]:
        """Open ``path`` (file://) and yield the page and its log.

        ``allow_cdn=False`` refuses every request (for documents that must be self-contained).
        """
        log = PageLog()
        ctx = self.browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                log.console_errors.append(msg.text)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:", "about:")):
                r.continue_()
            elif allow_cdn and url in self._assets:
                log.served.append(url)
                r.fulfill(path=str(self._assets[url]))
            elif allow_cdn and any(h in url for h in TILE_HOSTS):
                log.tiles += 1
                r.fulfill(body=BLANK_TILE, content_type="image/png")
            else:
                log.refused.append(url)
                r.abort()

        page.on("console", on_console)
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.route("**/*", route)
        try:
            page.goto(path.resolve().as_uri(), wait_until="load", timeout=60_000)
            yield page, log
        finally:
            ctx.close()

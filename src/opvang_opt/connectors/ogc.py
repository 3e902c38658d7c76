"""Reading OGC API Features collections over plain HTTP (GeoJSON, following ``next`` links).

PDOK serves its datasets (CBS wijken en buurten, Natura 2000, ...) as OGC API Features.
Every page is a GeoJSON FeatureCollection with ``links``; the page with ``rel: next`` holds
the rest. Coordinates are asked in RD New (``crs=...EPSG/0/28992``), so nothing is
reprojected here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import geopandas as gpd

from opvang_opt.errors import DataError, Problem
from opvang_opt.texts import Message

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
"""The OGC URI of RD New (EPSG:28992), for the ``crs`` and ``bbox-crs`` parameters."""
USER_AGENT = "opvang-opt (spoor 3 analysis tool; +https://github.com/)"
PAGE_SIZE = 1000
MAX_PAGES = 200


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


class Response(Protocol):
    """The part of a ``requests.Response`` used here."""

    status_code: int

    def json(self) -> Any: ...


class Session(Protocol):
    """The part of a ``requests.Session`` used here (tests pass a recorded one)."""

    def get(self, url: str, params: Any = ..., *, timeout: float = ...) -> Response: ...


def new_session() -> Session:
    """A ``requests`` session with this tool's User-Agent."""
    import requests

    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/geo+json"})
    return session


def get_json(
    session: Session, url: str, params: Mapping[str, Any] | None, timeout: float
) -> dict[str, Any]:
    """GET a URL and return its JSON; every failure becomes a :class:`DataError`."""
    try:
        response = session.get(url, params=dict(params) if params else None, timeout=timeout)
    except Exception as exc:  # requests.ConnectionError, Timeout, ...
        raise DataError(
            _m("connector.unreachable", host=_host(url)),
            [
                Problem(
                    _m("connector.error_says", text=f"{type(exc).__name__}: {exc}"[:300]),
                    source=url,
                ),
                Problem(_m("connector.check_connection")),
            ],
        ) from None
    if response.status_code != 200:
        raise DataError(
            _m("connector.http_status", host=_host(url), status=response.status_code),
            [Problem(_m("connector.server_says", text=_error_text(response)), source=url)],
        )
    try:
        data = response.json()
    except (ValueError, json.JSONDecodeError):
        raise DataError(
            _m("connector.no_json", host=_host(url)),
            [Problem(_m("connector.not_json_body"), source=url)],
        ) from None
    if not isinstance(data, dict):
        raise DataError(
            _m("connector.unexpected", host=_host(url)), [Problem(_m("connector.not_json_object"))]
        )
    return data


def _host(url: str) -> str:
    from urllib.parse import urlparse

    return urlparse(url).netloc or url


def _error_text(response: Any) -> str:
    try:
        data = response.json()
        return str(data.get("detail") or data.get("title") or data)[:300]
    except Exception:
        return str(getattr(response, "text", ""))[:300]


def fetch_features(
    session: Session,
    url: str,
    params: Mapping[str, Any],
    *,
    timeout: float = 30.0,
    on_page: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """All features of an OGC API Features ``items`` request, page after page.

    Parameters
    ----------
    session
        HTTP session (``requests.Session`` or a recorded stand-in).
    url
        The collection's ``items`` URL.
    params
        Query parameters of the first page (``limit``, ``f=json``, ``crs``, filters).
    timeout
        Seconds per request.
    on_page
        Called as ``on_page(page, features_so_far)`` after each page.

    Returns
    -------
    list of dict
        The GeoJSON features.

    Raises
    ------
    DataError
        When a page cannot be fetched or is not a FeatureCollection.
    """
    features: list[dict[str, Any]] = []
    next_url: str | None = url
    next_params: Mapping[str, Any] | None = params
    seen: set[str] = set()
    page = 0
    while next_url is not None:
        page += 1
        if page > MAX_PAGES:
            raise DataError(
                _m("connector.too_many_pages", pages=MAX_PAGES, host=_host(url)),
                [Problem(_m("connector.stopped"), source=url)],
            )
        data = get_json(session, next_url, next_params, timeout)
        if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
            raise DataError(
                _m("connector.unexpected", host=_host(url)),
                [Problem(_m("connector.not_feature_collection"), source=next_url)],
            )
        features += data["features"]
        if on_page:
            on_page(page, len(features))
        nxt = next(
            (link.get("href") for link in data.get("links", []) if link.get("rel") == "next"),
            None,
        )
        if nxt is None or nxt in seen or not data["features"]:
            break
        seen.add(nxt)
        next_url, next_params = nxt, None  # the next link carries every parameter
    return features


def features_to_frame(features: list[dict[str, Any]], crs: str = "EPSG:28992") -> gpd.GeoDataFrame:
    """GeoJSON features to a GeoDataFrame (the feature ``id`` kept as ``feature_id``)."""
    if not features:
        return gpd.GeoDataFrame({"feature_id": []}, geometry=[], crs=crs)
    gdf = gpd.GeoDataFrame.from_features(features, crs=crs)
    gdf.insert(0, "feature_id", [str(f.get("id", "")) for f in features])
    return gdf

"""PDOK connectors: CBS wijken and buurten with key figures, and Natura 2000.

Both are read from PDOK's OGC API Features in RD New:

- CBS Wijken en Buurten (``https://api.pdok.nl/cbs/wijken-en-buurten-<year>/ogc/v1``),
  collections ``gemeenten``, ``wijken`` and ``buurten``, filtered by ``gemeentecode``;
  CBS marks secret or unknown figures with negative codes (-99995, -99997, ...), which
  become empty here.
- Natura 2000 (``https://api.pdok.nl/rvo/natura2000/ogc/v1``), collection ``natura2000``,
  filtered by a bounding box around the municipalities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from opvang_opt.connectors.ogc import PAGE_SIZE, RD_URI, Session, features_to_frame, fetch_features
from opvang_opt.errors import DataError, Problem
from opvang_opt.schema.sources import (  # noqa: F401  (re-exported)
    CBS_ATTRIBUTION,
    CBS_LICENCE,
    NATURA2000_ATTRIBUTION,
    NATURA2000_LICENCE,
)
from opvang_opt.texts import Message

CBS_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
NATURA2000_URL = "https://api.pdok.nl/rvo/natura2000/ogc/v1"
CBS_YEARS = (2023, 2024, 2025)
"""Years with a CBS Wijken en Buurten OGC API on PDOK."""


CBS_COLUMNS: dict[str, dict[str, str]] = {
    "gemeenten": {
        "gemeentecode": "municipality_code", "gemeentenaam": "name",
        "aantal_inwoners": "inhabitants", "aantal_huishoudens": "households",
        "water": "water", "jaar": "year",
    },
    "wijken": {
        "wijkcode": "wijk_code", "wijknaam": "name", "gemeentecode": "municipality_code",
        "gemeentenaam": "municipality_name", "aantal_inwoners": "inhabitants",
        "aantal_huishoudens": "households", "water": "water", "jaar": "year",
    },
    "buurten": {
        "buurtcode": "buurt_code", "buurtnaam": "name", "wijkcode": "wijk_code",
        "wijknaam": "wijk_name", "gemeentecode": "municipality_code",
        "gemeentenaam": "municipality_name", "aantal_inwoners": "inhabitants",
        "aantal_huishoudens": "households", "gemiddelde_huishoudsgrootte": "household_size",
        "bevolkingsdichtheid_inwoners_per_km2": "inhabitants_per_km2",
        "water": "water", "jaar": "year",
    },
}  # fmt: skip
"""PDOK property -> column name here, per collection (other properties are dropped)."""

CBS_ID = {"gemeenten": "municipality_code", "wijken": "wijk_code", "buurten": "buurt_code"}
KEY_FIGURES = ("inhabitants", "households", "household_size", "inhabitants_per_km2")


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def cbs_url(year: int) -> str:
    """The OGC API landing page of the CBS Wijken en Buurten of ``year``."""
    if year not in CBS_YEARS:
        raise DataError(
            _m("connector.no_cbs_year", year=str(year)),
            [
                Problem(
                    _m("connector.choose_year", years=", ".join(map(str, CBS_YEARS))),
                    field="--year",
                )
            ],
        )
    return CBS_URL.format(year=year)


def normalise_cbs(gdf: gpd.GeoDataFrame, collection: str) -> gpd.GeoDataFrame:
    """Rename a CBS collection's columns, blank CBS's secret-value codes, drop water parts.

    Parameters
    ----------
    gdf
        Features as read (PDOK property names).
    collection
        'gemeenten', 'wijken' or 'buurten'.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of :data:`CBS_COLUMNS` that are present (key figures as float, empty
        where CBS publishes none), in RD New.
    """
    mapping = CBS_COLUMNS[collection]
    keep = [c for c in mapping if c in gdf.columns]
    out = gdf[[*keep, gdf.geometry.name]].rename(columns=mapping)
    for col in KEY_FIGURES:
        if col in out:
            vals = pd.to_numeric(out[col], errors="coerce").astype(float)
            out[col] = vals.where(vals >= 0, np.nan)  # -99995 etc.: secret or unknown
    if "water" in out:
        out = out[out["water"].astype(str).str.upper() != "JA"]
    id_col = CBS_ID[collection]
    if id_col in out:
        out = out.drop_duplicates(id_col).sort_values(id_col)
    out = gpd.GeoDataFrame(out.reset_index(drop=True), geometry=gdf.geometry.name, crs=gdf.crs)
    return out.rename_geometry("geometry") if out.geometry.name != "geometry" else out


def fetch_cbs(
    session: Session,
    gemeenten: Sequence[str],
    collection: str,
    *,
    year: int = 2024,
    timeout: float = 30.0,
    on_page: Callable[[int, int], None] | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Fetch one CBS collection for some municipalities.

    Returns
    -------
    tuple
        The normalised features (RD New) and the items URL used.
    """
    url = f"{cbs_url(year)}/collections/{collection}/items"
    frames = []
    for code in gemeenten:
        params = {"gemeentecode": code, "f": "json", "limit": PAGE_SIZE, "crs": RD_URI}
        feats = fetch_features(session, url, params, timeout=timeout, on_page=on_page)
        frames.append(features_to_frame(feats))
    raw = pd.concat(frames, ignore_index=True) if frames else features_to_frame([])
    gdf = normalise_cbs(gpd.GeoDataFrame(raw, geometry="geometry", crs="EPSG:28992"), collection)
    found = set(gdf["municipality_code"]) if "municipality_code" in gdf else set()
    missing = [g for g in gemeenten if g not in found]
    if missing:
        raise DataError(
            _m(
                "connector.pdok_missing",
                collection=collection,
                codes=", ".join(missing),
                year=str(year),
            ),
            [Problem(_m("connector.check_code_year"), source=url)],
        )
    return gdf, url


def normalise_natura2000(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep the name, number and protection type of each Natura 2000 feature."""
    mapping = {
        "naam_n2k": "name", "nr": "n2k_nr", "beschermin": "protection",
        "sitecode_h": "sitecode_h", "sitecode_v": "sitecode_v", "status": "status",
    }  # fmt: skip
    keep = [c for c in mapping if c in gdf.columns]
    out = gdf[["feature_id", *keep, gdf.geometry.name]].rename(columns=mapping)
    out = out.drop_duplicates("feature_id").reset_index(drop=True)
    out = out.rename(columns={"feature_id": "n2k_id"})
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs)


def fetch_natura2000(
    session: Session,
    bbox: tuple[float, float, float, float],
    *,
    timeout: float = 30.0,
    on_page: Callable[[int, int], None] | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Fetch the Natura 2000 features that intersect a bounding box in RD New."""
    url = f"{NATURA2000_URL}/collections/natura2000/items"
    params: dict[str, Any] = {
        "bbox": ",".join(f"{v:.0f}" for v in bbox), "bbox-crs": RD_URI, "crs": RD_URI,
        "f": "json", "limit": PAGE_SIZE,
    }  # fmt: skip
    feats = fetch_features(session, url, params, timeout=timeout, on_page=on_page)
    return normalise_natura2000(features_to_frame(feats)), url

"""x and y given the wrong way round (issue 11: say the likely cause and what to do)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from opvang_opt.io.region import crs_problems


def _sites(xy, crs):
    return gpd.GeoDataFrame(
        {"site_id": [f"S{i}" for i in range(len(xy))]},
        geometry=[shapely.box(x, y, x + 50, y + 50) for x, y in xy],
        crs=crs,
    )


def test_rd_new_with_x_and_y_swapped_says_so():
    # Diemen lies at about x 126,000, y 484,000 in RD New; given as (484,000, 126,000) the
    # sites fall outside RD New's area of use, and swapped they fit RD New
    gdf = _sites([(484_000, 126_000), (484_500, 126_200)], "EPSG:28992")
    (p,) = crs_problems(gdf, "sites.csv", "site_id")
    text = p.text("en")
    assert "S0, S1" in text and "x and y look swapped" in text and "EPSG:28992" in text


def test_a_site_far_outside_without_a_swap_gets_no_swap_hint():
    # Web Mercator numbers: the likely CRS is named, not a swap
    gdf = _sites([(549_000, 6_865_000)], "EPSG:28992")
    (p,) = crs_problems(gdf, "sites.csv", "site_id")
    assert "EPSG:3857" in p.text("en") and "swapped" not in p.text("en")

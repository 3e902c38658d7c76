"""Capacity per site: a known capacity from the longlist, or the density norm."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.errors import DataError, Problem
from opvang_opt.scenario import CapacityConfig


def estimate_capacity(
    sites: gpd.GeoDataFrame, config: CapacityConfig, id_column: str, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate how many flexwoningen fit on each site.

    Parameters
    ----------
    sites
        The longlist in RD New.
    config
        Density norm, usable share and an optional capacity column.
    id_column, source
        For messages.

    Returns
    -------
    (units, method)
        Units per site (int) and, per site, how it was estimated.

    Raises
    ------
    DataError
        When the capacity column holds negative or non-numeric values.
    """
    area_ha = shapely.area(sites.geometry.values) / 10_000.0
    units = np.floor(area_ha * config.usable_share * config.density_units_per_ha + 1e-9)
    method = np.full(
        len(sites),
        f"norm {config.density_units_per_ha:g} woningen/ha x {config.usable_share:.0%} bruikbaar",
        dtype=object,
    )
    if config.column is not None:
        raw = sites[config.column]
        given = pd.to_numeric(raw, errors="coerce")
        problems = []
        for i in ((given < 0) | (given.isna() & raw.notna())).to_numpy().nonzero()[0]:
            problems.append(
                Problem(
                    f"capacity must be a number of 0 or more, got {raw.iloc[i]!r}",
                    source,
                    f"id {sites[id_column].iloc[i]} (row {i + 1})",
                    config.column,
                )
            )
        if problems:
            raise DataError(f"Capacity column has {len(problems)} problem(s)", problems)
        has = given.notna().to_numpy()
        units[has] = np.floor(given.to_numpy()[has])
        method[has] = f"opgegeven ({config.column})"
    return units.astype(int), method

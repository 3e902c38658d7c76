"""A misplaced region layer is named first, not hidden behind one problem per site.

When the municipal boundaries are shifted (or written in another CRS than they declare),
every site and every context layer lies outside the region. The user's fix is in one file,
the boundaries layer; the first problem says so. When only the longlist lies elsewhere
(the context layers are in the region), the longlist is the odd one out and no such
problem is given.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from tests.inputs.demo_edit import DEMO, refused

MISPLACED = "the boundaries layer itself is probably misplaced"


def _shift(demo: Path, file: str, layers: tuple[str, ...], dx: float, dy: float) -> None:
    path = demo / DEMO / file
    frames = {name: gpd.read_file(path, layer=name) for name in layers}
    for name, gdf in frames.items():
        gdf.set_geometry(gdf.geometry.translate(dx, dy)).to_file(path, layer=name, driver="GPKG")


def test_shifted_boundaries_are_named_first(demo: Path) -> None:
    # 60 km south and 30 km west: still inside the Netherlands (RD New's area of use), so
    # no CRS problem; the 44 demo sites lie within 12 km of each other and at least 40 km
    # from every shifted municipality
    _shift(demo, "boundaries.gpkg", ("gemeenten", "wijken", "buurten"), -30_000, -60_000)
    err = refused(demo, [MISPLACED, "none of the 44 sites", "boundaries.gpkg, region.boundaries"])
    first = err.split("\n  - ")[1]
    assert MISPLACED in first
    # every site is still reported on its own
    assert err.count("longlist.gpkg, id S0") == 44


def test_far_longlist_beside_context_in_the_region_is_the_longlists_problem(
    demo: Path,
) -> None:
    # the longlist moved 60 km; boundaries, points of interest and constraints stay
    _shift(demo, "longlist.gpkg", ("longlist",), -30_000, -60_000)
    err = refused(demo, ["longlist.gpkg, id S001, geometry"])
    assert MISPLACED not in err


def test_boundaries_shifted_a_little_are_not_called_misplaced(demo: Path) -> None:
    # 3 km east: some sites still lie in the region, so the region layer is not the odd
    # one out (the sites now outside are reported on their own)
    _shift(demo, "boundaries.gpkg", ("gemeenten", "wijken", "buurten"), 3_000, 0)
    err = refused(demo, ["geometry"])
    assert MISPLACED not in err

"""The geometric screen of a large longlist on a Dask cluster, partition by partition.

The longlist is cut into spatially compact partitions along a Hilbert curve
(:func:`partition_sites`, with dask-geopandas's Hilbert distance). Each partition travels
to a worker with only the features it needs: for every spatial question
(:class:`~opvang_opt.siting.screen.GeoTask`), the features that meet the partition's
bounding box widened by a margin. The answers equal the single-process answers exactly:

- ``count`` (within a radius) and ``overlap``/``intersects``: the margin is the radius
  (or nothing), so every feature that can count is in the partition;
- ``nearest``: a distance below the margin was found among the only features that can
  be that close, so it is exact; sites whose nearest feature is farther than the margin
  (or that found none) are answered again here, against the whole layer;
- overlap areas are built from the covering polygons in layer order, whatever the
  partition (see :func:`opvang_opt.siting.criteria.overlap_area`).

Nothing here prints; progress goes to the ``progress`` callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from opvang_opt.schema import SitingConfig
from opvang_opt.siting import screen, spatial
from opvang_opt.siting.screen import GeoTask

MIN_MARGIN_M = 1_000.0
"""Smallest margin for nearest-distance questions."""
MAX_MARGIN_M = 25_000.0
"""Largest margin: sites farther from every feature are answered on the client."""
SITES_PER_PARTITION = 50_000
"""Largest partition (default)."""
PARTS_PER_WORKER = 4
"""Fewest partitions per worker (default): uneven partitions (a town and a polder) even out."""


@dataclass(frozen=True)
class ClusterScreen:
    """The answers of a screen on a cluster, and how it went."""

    answers: dict[GeoTask, np.ndarray]
    partitions: int
    workers: int
    executor: str
    seconds: float
    resolved_here: dict[GeoTask, int]
    """Per nearest question: sites answered again on the client (nearest beyond margin)."""


def nearest_margin(targets: np.ndarray, bounds: np.ndarray) -> float:
    """A margin that holds the nearest feature of almost every site.

    Two mean spacings of the features over the longlist's extent (for features spread
    at random, a site's nearest lies farther with probability ``exp(-4 pi)``), clipped to
    [:data:`MIN_MARGIN_M`, :data:`MAX_MARGIN_M`]. Only speed depends on it, never a result.
    """
    area = max((bounds[2] - bounds[0]) * (bounds[3] - bounds[1]), 1.0)
    spacing = np.sqrt(area / max(len(targets), 1))
    return float(np.clip(2.0 * spacing, MIN_MARGIN_M, MAX_MARGIN_M))


def partition_sites(geoms: np.ndarray, n_parts: int) -> list[np.ndarray]:
    """Positions of the sites in each of ``n_parts`` Hilbert-curve partitions.

    The sites are ordered by the Hilbert distance of their bounding-box centres (via
    dask-geopandas; ties by position) and cut into runs of equal size.
    """
    import dask_geopandas

    n = len(geoms)
    n_parts = max(1, min(n_parts, n))
    if n == 0:
        return [np.zeros(0, dtype=np.int64)]
    centre, _, valid = spatial.site_discs(geoms)
    if not valid.any():
        return np.array_split(np.arange(n), n_parts)
    centre[~valid] = centre[valid][0]  # empty geometries go with the first site
    lo, hi = centre[valid].min(axis=0), centre[valid].max(axis=0)
    hi = np.maximum(hi, lo + 1.0)  # a curve over a single point has no width
    total = np.array([lo[0], lo[1], hi[0], hi[1]])
    try:  # dask-geopandas's own Hilbert encoding, on the centres directly (no points, no graph)
        from dask_geopandas.hilbert_distance import _continuous_to_discrete_coords, _encode

        x, y = _continuous_to_discrete_coords(np.hstack([centre, centre]), 16, total)
        dist = np.asarray(_encode(16, x, y))
    except ImportError:  # pragma: no cover - its private helpers moved
        pts = gpd.GeoSeries(shapely.points(centre))
        dist = (
            dask_geopandas.from_geopandas(pts, npartitions=1)
            .hilbert_distance(total_bounds=tuple(total), level=16)
            .compute()
            .to_numpy()
        )
    order = np.lexsort((np.arange(n), dist))
    return [part for part in np.array_split(order, n_parts)]


def pack(geoms: np.ndarray) -> Any:
    """Geometries for the trip to a worker: shapely's ragged coordinate arrays (a few
    contiguous arrays, exact coordinates) when the geometries are of one kind and none is
    missing or empty, else WKB."""
    geoms = np.asarray(geoms)
    if (
        len(geoms)
        and not shapely.is_missing(geoms).any()
        and not shapely.is_empty(geoms).any()
        and len(np.unique(shapely.get_type_id(geoms))) == 1  # no polygon made multi
    ):
        try:
            return ("ragged", shapely.to_ragged_array(geoms))
        except ValueError:  # pragma: no cover - a kind ragged arrays do not hold
            pass
    return ("wkb", shapely.to_wkb(geoms))


def unpack(packed: Any) -> np.ndarray:
    """The geometries of :func:`pack`."""
    kind, data = packed
    if kind == "ragged":
        return np.asarray(shapely.from_ragged_array(*data))
    return np.asarray(shapely.from_wkb(data))


def screen_partition(sites: Any, tasks: list[GeoTask], targets: list[Any]) -> list[np.ndarray]:
    """What a worker runs: answer every task for one partition's sites.

    The sites and features travel packed (:func:`pack`): a handful of arrays instead of
    one pickled geometry object per site.
    """
    geoms = unpack(sites)
    discs = spatial.site_discs(geoms)
    return [
        screen.answer(t, geoms, unpack(tg), 1, discs) for t, tg in zip(tasks, targets, strict=True)
    ]


def _subset(tree: shapely.STRtree, targets: np.ndarray, box: np.ndarray, margin: float):
    window = shapely.box(box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)
    return pack(targets[np.sort(tree.query(window, predicate="intersects"))])


def screen_on_cluster(
    config: SitingConfig,
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    scheduler: str | None = None,
    workers: int = 2,
    partitions: int | None = None,
    connect_timeout: float = 5.0,
    progress: Callable[[int, int], None] | None = None,
    client: Any = None,
) -> ClusterScreen:
    """Answer every spatial question of a siting run on a Dask cluster.

    Parameters
    ----------
    config
        The siting section (which questions to ask).
    sites, layers
        The longlist and the other layers (RD New).
    scheduler
        Address of a running Dask scheduler; default: a LocalCluster of ``workers``
        processes (one thread each).
    workers
        Processes of the LocalCluster.
    partitions
        Number of Hilbert partitions (default: one per :data:`SITES_PER_PARTITION`
        sites, at least :data:`PARTS_PER_WORKER` per worker).
    connect_timeout
        Seconds to wait for the scheduler and its first worker.
    progress
        Called as ``progress(done, total)`` after each partition.
    client
        An open ``distributed.Client`` to use instead (left open).

    Returns
    -------
    ClusterScreen
        ``answers`` is what :func:`opvang_opt.siting.stage.run_siting` takes.

    Raises
    ------
    opvang_opt.workflows.sweep_run.ClusterError
        When the scheduler cannot be reached or has no workers.
    """
    from distributed import as_completed

    from opvang_opt.workflows.sweep_run import connect

    t0 = time.perf_counter()
    geoms = np.asarray(sites.geometry.values)
    n = len(geoms)
    tasks = screen.geometric_tasks(config, layers)
    full = [screen.task_targets(t, layers) for t in tasks]
    trees = [shapely.STRtree(tg) for tg in full]
    bounds = np.asarray(shapely.total_bounds(geoms))
    margins = []
    for t, tg in zip(tasks, full, strict=True):
        if t.kind == "nearest":
            margins.append(nearest_margin(tg, bounds))
        elif t.kind == "count":
            margins.append(t.radius * (1 + 1e-9) + 1e-6)
        else:
            margins.append(1e-6)

    own = client is None
    cluster = None
    if own:
        client, cluster, executor = connect(scheduler, max(1, workers), connect_timeout)
    else:
        executor = str(getattr(client, "scheduler", None) and client.scheduler.address)
    try:
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or workers
        n_parts = partitions or max(PARTS_PER_WORKER * n_workers, -(-n // SITES_PER_PARTITION))
        parts = partition_sites(geoms, n_parts)
        futures, where = [], {}
        for i, pos in enumerate(parts):
            g = geoms[pos]
            box = np.asarray(shapely.total_bounds(g))
            if not np.isfinite(box).all():
                box = np.zeros(4)
            subsets = [
                _subset(tree, tg, box, m) for tree, tg, m in zip(trees, full, margins, strict=True)
            ]
            fut = client.submit(screen_partition, pack(g), tasks, subsets, pure=False)
            where[fut.key] = i
            futures.append(fut)
        answers = {t: np.empty(n) for t in tasks}
        for done, fut in enumerate(as_completed(futures, loop=client.loop), start=1):
            pos = parts[where[fut.key]]
            for t, values in zip(tasks, fut.result(), strict=True):
                answers[t][pos] = values
            fut.release()
            if progress is not None:
                progress(done, len(futures))
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    resolved = {}
    for t, tg, m in zip(tasks, full, margins, strict=True):
        if t.kind != "nearest":
            continue
        values = answers[t]
        again = np.flatnonzero(~(values < m * (1 - 1e-9)))
        resolved[t] = len(again)
        if len(again):
            values[again] = spatial.nearest_distance(geoms[again], tg, spatial.default_workers())
    return ClusterScreen(
        answers=answers, partitions=len(parts), workers=n_workers, executor=executor,
        seconds=time.perf_counter() - t0, resolved_here=resolved,
    )  # fmt: skip

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
  (or that found none) are answered again on their worker, against the whole layer
  (scattered once to every worker: POI and constraint layers are small next to the plots);
- overlap areas are built from the covering polygons in layer order, whatever the
  partition (see :func:`opvang_opt.siting.criteria.overlap_area`).

Nothing here prints; progress goes to the ``progress`` callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
"""Largest margin: sites farther from every feature are answered on their worker against
the whole layer."""
SITES_PER_PARTITION = 25_000
"""Largest partition (default): a partition costs a few tenths of a second on a worker,
so the last one to finish leaves the other workers idle for no longer than that."""
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
    """Per nearest question: sites answered again against the whole layer (nearest beyond
    the margin), on the workers."""
    profile: dict[str, Any] = field(default_factory=dict)
    """Where the time went: client seconds before the first task and for packing, bytes
    shipped, the seconds of each partition on its worker (for the benchmark)."""


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
    """Geometries for the trip to a worker, as a few contiguous arrays with the exact
    coordinates instead of one pickled object per geometry.

    - points: their coordinates;
    - polygons without holes (a cadastre's parcels): the coordinates of every ring, closing
      point included, and the number per polygon (one GEOS call; a tenth of the time of
      shapely's ragged arrays, which build a ring object per polygon first);
    - other geometries of one kind: shapely's ragged coordinate arrays;
    - a mix, or a missing or empty geometry: WKB.
    """
    geoms = np.asarray(geoms)
    if len(geoms) and not shapely.is_missing(geoms).any() and not shapely.is_empty(geoms).any():
        kinds = np.unique(shapely.get_type_id(geoms))
        if len(kinds) == 1 and kinds[0] == 0 and not shapely.has_z(geoms).any():
            return ("points", shapely.get_coordinates(geoms))
        if (
            len(kinds) == 1
            and kinds[0] == 3
            and not shapely.has_z(geoms).any()
            and not shapely.get_num_interior_rings(geoms).any()
        ):
            coords, which = shapely.get_coordinates(geoms, return_index=True)
            return ("rings", coords, np.bincount(which, minlength=len(geoms)).astype(np.int64))
        if len(kinds) == 1:  # no polygon made multi
            try:
                return ("ragged", shapely.to_ragged_array(geoms))
            except ValueError:  # pragma: no cover - a kind ragged arrays do not hold
                pass
    return ("wkb", shapely.to_wkb(geoms))


def take(packed: Any, positions: np.ndarray) -> Any:
    """The geometries at ``positions`` of packed points or polygons (:func:`pack`), as
    :func:`pack` gives them for ``geoms[positions]``, by array indexing alone."""
    kind = packed[0]
    if kind == "points":
        return ("points", packed[1][positions])
    if kind != "rings":
        raise ValueError(f"cannot take from packed {kind!r}")
    coords, counts = packed[1], packed[2]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    sub = counts[positions]
    first = np.repeat(starts[positions] - np.concatenate([[0], np.cumsum(sub)[:-1]]), sub)
    return ("rings", coords[first + np.arange(int(sub.sum()))], sub)


def unpack(packed: Any) -> np.ndarray:
    """The geometries of :func:`pack`."""
    kind = packed[0]
    if kind == "points":
        return np.asarray(shapely.points(packed[1]))
    if kind == "rings":
        coords, counts = packed[1], packed[2]
        rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(counts)), counts))
        return np.asarray(shapely.polygons(rings))
    if kind == "ragged":
        return np.asarray(shapely.from_ragged_array(*packed[1]))
    return np.asarray(shapely.from_wkb(packed[1]))


def screen_partition(
    sites: Any,
    tasks: list[GeoTask],
    targets: list[Any],
    whole: list[Any] | None = None,
    margins: list[float] | None = None,
) -> tuple[list[np.ndarray], list[int], float]:
    """What a worker runs: answer every task for one partition's sites.

    The sites and features travel packed (:func:`pack`): a handful of arrays instead of
    one pickled geometry object per site. ``targets`` are the features within each task's
    margin of the partition. For a ``nearest`` task, ``whole`` holds the whole layer
    (sent once to every worker) and ``margins`` the margin: a site whose nearest feature
    in the margin lies farther than the margin (or that found none) is answered again
    here against the whole layer, so the answer is exact without a trip back.

    Returns
    -------
    (answers, resolved, seconds)
        One array per task, the sites answered again per task, and the seconds the
        partition took on the worker (for the benchmark's account of the serial part).
    """
    t0 = time.perf_counter()
    geoms = unpack(sites)
    discs = spatial.site_discs(geoms)
    answers, resolved = [], []
    for k, (t, tg) in enumerate(zip(tasks, targets, strict=True)):
        values = screen.answer(t, geoms, unpack(tg), 1, discs)
        again = np.zeros(0, dtype=np.int64)
        if t.kind == "nearest" and whole is not None and margins is not None:
            again = np.flatnonzero(~(values < margins[k] * (1 - 1e-9)))
            if len(again):
                values[again] = spatial.nearest_distance(geoms[again], unpack(whole[k]), 1)
        answers.append(values)
        resolved.append(len(again))
    return answers, resolved, time.perf_counter() - t0


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
    t_connect = time.perf_counter()
    if own:
        client, cluster, executor = connect(scheduler, max(1, workers), connect_timeout)
    else:
        executor = str(getattr(client, "scheduler", None) and client.scheduler.address)
    t_start = time.perf_counter()
    profile: dict[str, Any] = {"connect_s": t_start - t_connect}
    try:
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or workers
        n_parts = partitions or max(PARTS_PER_WORKER * n_workers, -(-n // SITES_PER_PARTITION))
        parts = partition_sites(geoms, n_parts)
        # the whole layer of each nearest question goes to every worker once (POIs and
        # constraint layers are small next to the plots): the sites beyond a partition's
        # margin are answered there, not on the client after the last partition
        whole_packed = [pack(tg) if t.kind == "nearest" else None for t, tg in
                        zip(tasks, full, strict=True)]  # fmt: skip
        shipped = sum(_nbytes(w) for w in whole_packed if w is not None)
        whole = client.scatter(whole_packed, broadcast=True, hash=False)
        futures, where = [], {}
        t_pack = time.perf_counter()
        # read every site's geometry once, in the longlist's order: reading GEOS objects in
        # a partition's (Hilbert) order jumps through memory and takes ten times longer
        whole_sites = pack(geoms)
        site_bounds = shapely.bounds(geoms)
        pack_s = time.perf_counter() - t_pack
        for i, pos in enumerate(parts):
            t_pack = time.perf_counter()
            b = site_bounds[pos]
            b = b[np.isfinite(b).all(axis=1)]  # missing and empty geometries have no box
            box = np.r_[b[:, :2].min(axis=0), b[:, 2:].max(axis=0)] if len(b) else np.zeros(4)
            subsets = [
                _subset(tree, tg, box, m) for tree, tg, m in zip(trees, full, margins, strict=True)
            ]
            packed = take(whole_sites, pos) if whole_sites[0] in ("points", "rings") else None
            if packed is None:
                packed = pack(geoms[pos])
            pack_s += time.perf_counter() - t_pack
            shipped += _nbytes(packed) + sum(_nbytes(x) for x in subsets)
            fut = client.submit(screen_partition, packed, tasks, subsets, whole, margins,
                                pure=False)  # fmt: skip
            if i == 0:
                profile["client_to_first_task_s"] = time.perf_counter() - t_start
            where[fut.key] = i
            futures.append(fut)
        profile["client_pack_s"] = pack_s
        profile["submitted_s"] = time.perf_counter() - t_start
        answers = {t: np.empty(n) for t in tasks}
        resolved = {t: 0 for t in tasks if t.kind == "nearest"}
        task_s = [0.0] * len(parts)  # by partition, in the order they were submitted
        for done, fut in enumerate(as_completed(futures, loop=client.loop), start=1):
            pos = parts[where[fut.key]]
            values, again, seconds = fut.result()
            for t, v, r in zip(tasks, values, again, strict=True):
                answers[t][pos] = v
                if t in resolved:
                    resolved[t] += r
            task_s[where[fut.key]] = seconds
            fut.release()
            if progress is not None:
                progress(done, len(futures))
        profile["last_result_s"] = time.perf_counter() - t_start
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    profile.update(task_s=task_s, bytes_shipped=shipped,
                   total_s=time.perf_counter() - t_start)  # fmt: skip
    return ClusterScreen(
        answers=answers, partitions=len(parts), workers=n_workers, executor=executor,
        seconds=time.perf_counter() - t0, resolved_here=resolved, profile=profile,
    )  # fmt: skip


def _nbytes(packed: Any) -> int:
    """Bytes of the arrays of a packed geometry array (what travels, before pickling)."""
    out = 0
    for part in packed[1:]:
        for a in part if isinstance(part, tuple) else (part,):
            out += int(getattr(a, "nbytes", 0))
            if isinstance(a, np.ndarray) and a.dtype == object:  # WKB: the bytes themselves
                out += sum(len(x) for x in a if x is not None)
    return out

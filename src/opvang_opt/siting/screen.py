"""The geometric screen of a longlist: every spatial query of a siting run, each once.

A siting run asks four kinds of spatial question of its sites: the distance to the
nearest feature of a layer (or of one category), the number of features within a
radius, the area covered by the union of a polygon layer, and whether a site touches a
layer. :func:`geometric_tasks` lists the distinct questions of a configuration (a
criterion and an exclusion rule on the same layer share one), and :func:`run_tasks`
answers them concurrently on a thread pool. The answers depend only on each site's own
geometry and the layers, which is what lets :mod:`opvang_opt.siting.distributed` answer
them partition by partition on a Dask cluster.

Everything else (attributes, plot areas, reception load, network distances, messages,
scores) stays in :func:`opvang_opt.siting.stage.run_siting`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from opvang_opt.schema import (
    CloserThanRule,
    CountWithin,
    Criterion,
    DistanceToLayer,
    DistanceToPoi,
    Exclusion,
    IntersectsRule,
    OverlapShare,
    SitingConfig,
)
from opvang_opt.siting import spatial
from opvang_opt.siting.criteria import (
    intersects_any,
    overlap_area,
    overlap_share,
    select_category,
)

TaskKind = Literal["nearest", "count", "overlap", "intersects"]


@dataclass(frozen=True)
class GeoTask:
    """One spatial question asked of every site.

    Attributes
    ----------
    kind
        ``nearest`` (distance, m), ``count`` (features within ``radius``), ``overlap``
        (m2 covered by the layer's polygons) or ``intersects`` (0/1).
    layer, category_column, category
        The features asked about.
    radius
        The radius of a ``count`` (0 otherwise).
    """

    kind: TaskKind
    layer: str
    category_column: str | None = None
    category: str | None = None
    radius: float = 0.0

    @property
    def nearest_key(self) -> tuple[str, str | None, str | None]:
        """The key of :class:`~opvang_opt.siting.criteria.NearestDistances`."""
        return (self.layer, self.category_column, self.category)


def criterion_task(c: Criterion) -> GeoTask | None:
    """The spatial question behind a criterion; None for the others."""
    match c:
        case DistanceToPoi() if c.network is None:
            return GeoTask("nearest", c.layer, c.category_column, c.category)
        case DistanceToLayer():
            return GeoTask("nearest", c.layer)
        case CountWithin():
            return GeoTask("count", c.layer, c.category_column, c.category, float(c.radius_m))
        case OverlapShare():
            return GeoTask("overlap", c.layer)
    return None


def rule_task(rule: Exclusion, layers: dict[str, gpd.GeoDataFrame]) -> GeoTask | None:
    """The spatial question behind an exclusion rule; None for the others."""
    match rule:
        case CloserThanRule():
            column = rule.category_column if rule.category else None
            return GeoTask("nearest", rule.layer, column, rule.category)
        case IntersectsRule():
            geoms = layers[rule.layer].geometry.values
            polygonal = len(geoms) > 0 and bool((shapely.get_dimensions(geoms) == 2).all())
            return GeoTask("overlap" if polygonal else "intersects", rule.layer)
    return None


def geometric_tasks(config: SitingConfig, layers: dict[str, gpd.GeoDataFrame]) -> list[GeoTask]:
    """The distinct spatial questions of a configuration, in first-use order."""
    tasks = [criterion_task(c) for c in config.criteria]
    tasks += [rule_task(r, layers) for r in config.exclusions]
    return list(dict.fromkeys(t for t in tasks if t is not None))


def task_targets(task: GeoTask, layers: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """The features a task asks about (one category, or the whole layer)."""
    lyr = layers[task.layer]
    if task.category is not None and task.category_column is not None:
        return select_category(lyr, task.category_column, task.category)
    return np.asarray(lyr.geometry.values)


def answer(
    task: GeoTask,
    sites: np.ndarray,
    targets: np.ndarray,
    workers: int = 1,
    discs: spatial.Discs | None = None,
) -> np.ndarray:
    """Answer one task for every site (see :class:`GeoTask` for the units).

    ``discs`` (:func:`~opvang_opt.siting.spatial.site_discs` of the sites) is shared by
    the tasks of one screen.
    """
    match task.kind:
        case "nearest":
            return spatial.nearest_distance(sites, targets, workers=workers, discs=discs)
        case "count":
            return spatial.count_within(sites, targets, task.radius, workers=workers, discs=discs)
        case "overlap":
            return overlap_area(sites, targets)
        case "intersects":
            return intersects_any(sites, targets).astype(float)
    raise ValueError(f"unknown task kind {task.kind!r}")  # pragma: no cover


def run_tasks(
    sites: np.ndarray,
    layers: dict[str, gpd.GeoDataFrame],
    tasks: list[GeoTask],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[GeoTask, np.ndarray]:
    """Answer every task, ``workers`` at a time (shapely and scipy release the GIL).

    Parameters
    ----------
    sites
        The site geometries.
    layers
        The layers by name.
    tasks
        From :func:`geometric_tasks`.
    workers
        Threads; a task gets the threads left over when there are fewer tasks.
    progress
        Called as ``progress(done, total)`` after each task.

    Returns
    -------
    dict
        One array per task, one value per site.
    """
    sites = np.asarray(sites)
    if not tasks:
        return {}
    workers = max(1, workers)
    inner = max(1, workers // len(tasks))
    done = [0]
    discs = spatial.site_discs(sites)  # once for every nearest and count question

    def one(task: GeoTask) -> np.ndarray:
        out = answer(task, sites, task_targets(task, layers), inner, discs)
        done[0] += 1
        if progress is not None:
            progress(done[0], len(tasks))
        return out

    results = spatial.thread_map(one, tasks, min(workers, len(tasks)))
    return dict(zip(tasks, results, strict=True))


def indicator(
    c: Criterion,
    sites: np.ndarray,
    answers: dict[GeoTask, np.ndarray],
    layers: dict[str, gpd.GeoDataFrame] | None = None,
) -> np.ndarray:
    """A geometric criterion's indicator from the answers (as ``criteria.measure`` gives
    it; an overlap share of sites given as points needs the ``layers``)."""
    task = criterion_task(c)
    assert task is not None
    value = answers[task]
    if task.kind == "overlap":
        layer = np.asarray(layers[task.layer].geometry.values) if layers else np.empty(0)
        return overlap_share(sites, value, layer)
    return value

"""The siting screen on Dask equals the single-process run exactly.

One module-wide LocalCluster (two processes) for the random inputs; a real `dask scheduler`
with two `dask worker` processes for the demo scenario through the CLI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.io import load
from opvang_opt.schema import SitingConfig
from opvang_opt.siting.distributed import partition_sites, screen_on_cluster
from opvang_opt.siting.stage import SitingInputs, run_siting
from tests.dask_processes import dask_processes

RD = "EPSG:28992"
REPO = Path(__file__).resolve().parents[2]
CATS = ("station", "shop", "school")


def world(seed: int, n: int, spread: float) -> tuple[gpd.GeoDataFrame, dict]:
    """Random plots of very different sizes, POIs in three categories, two polygon layers
    that overlap each other (so the union matters), and a line layer."""
    rng = np.random.default_rng(seed)
    xy = np.round(rng.uniform(0, spread, (n, 2)))
    size = rng.choice([0.0, 10.0, 80.0, 600.0], n)
    geoms = shapely.buffer(shapely.points(xy), size, quad_segs=2)
    geoms[size == 0] = shapely.points(xy[size == 0])
    sites = gpd.GeoDataFrame(
        {"site_id": [f"S{i}" for i in range(n)], "area_m2": rng.uniform(1e3, 1e5, n),
         "available_from": "2026-01-01"},
        geometry=geoms, crs=RD,
    )  # fmt: skip
    m = int(rng.integers(1, 40))
    pois = gpd.GeoDataFrame(
        {"poi_id": [f"P{i}" for i in range(m)], "category": rng.choice(CATS, m)},
        geometry=shapely.points(np.round(rng.uniform(-spread / 4, spread * 1.25, (m, 2)))),
        crs=RD,
    )
    polys = shapely.buffer(
        shapely.points(rng.uniform(0, spread, (12, 2))), rng.uniform(20, 900, 12)
    )
    layers = {
        "pois": pois,
        "nature": gpd.GeoDataFrame({"name": range(12)}, geometry=polys, crs=RD),
        "line": gpd.GeoDataFrame(
            {"name": [1]},
            geometry=[shapely.LineString([(0, spread / 2), (spread, spread / 3)])],
            crs=RD,
        ),
    }
    return sites, layers


def config(radius: float) -> SitingConfig:
    lin = {"type": "linear", "lower": 0, "upper": 2000, "direction": "lower_is_better"}
    crit = [{"name": f"d_{c}", "kind": "distance_to_poi", "category": c, "weight": 1,
             "value": lin} for c in CATS]  # fmt: skip
    crit += [
        {"name": "n_shop", "kind": "count_within", "category": "shop", "radius_m": radius,
         "value": {"type": "step", "thresholds": [1, 2], "values": [0, 0.5, 1]}},
        {"name": "nat", "kind": "overlap_share", "layer": "nature", "value": lin},
        {"name": "line", "kind": "distance_to_layer", "layer": "line", "value": lin},
    ]  # fmt: skip
    excl = [
        {"name": "in_nature", "kind": "intersects", "layer": "nature", "min_overlap_m2": 50},
        {"name": "on_line", "kind": "intersects", "layer": "line"},
        {"name": "near_school", "kind": "closer_than", "layer": "pois", "category": "school",
         "distance_m": 150},
    ]  # fmt: skip
    return SitingConfig.model_validate(
        {"criteria": crit, "exclusions": excl,
         "capacity": {"density_units_per_ha": 30, "area_column": "area_m2"},
         "target": {"amount": 50}, "shortlist": {"method": "top_score", "tradeoff_steps": 0},
         "robustness": {"samples": 0, "one_at_a_time": False}}
    )  # fmt: skip


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(a.sites), pd.DataFrame(b.sites), check_exact=True)
    pd.testing.assert_frame_equal(a.exclusions, b.exclusions, check_exact=True)
    assert replace(a.summary, solver_seconds=0) == replace(b.summary, solver_seconds=0)


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=50)  # fmt: skip
    c = Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@pytest.mark.slow
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400),
       spread=st.sampled_from([300.0, 5_000.0, 200_000.0]), parts=st.integers(1, 9),
       radius=st.sampled_from([1.0, 100.0, 2_500.0]))  # fmt: skip
def test_cluster_screen_equals_single_process(client, seed, n, spread, parts, radius) -> None:
    sites, layers = world(seed, n, spread)
    cfg = config(radius)
    inputs = SitingInputs(sites, layers, "site_id")
    single = run_siting(cfg, inputs, workers=1)
    screened = screen_on_cluster(cfg, sites, layers, partitions=parts, client=client)
    assert screened.partitions == min(parts, n)
    assert_same(run_siting(cfg, inputs, answers=screened.answers), single)
    assert_same(run_siting(cfg, inputs, workers=2), single)


def test_partitions_cover_every_site_once_and_are_compact() -> None:
    rng = np.random.default_rng(3)
    geoms = shapely.points(rng.uniform(0, 10_000, (4000, 2)))
    parts = partition_sites(geoms, 4)
    assert sorted(np.concatenate(parts).tolist()) == list(range(4000))
    assert [len(p) for p in parts] == [1000] * 4
    # Hilbert runs are compact: each quarter's box is far smaller than the whole extent
    for p in parts:
        x0, y0, x1, y1 = shapely.total_bounds(geoms[p])
        assert (x1 - x0) * (y1 - y0) < 0.6 * 10_000**2


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, torn down after."""
    with dask_processes(tmp_path, workers=2) as address:
        yield address


@pytest.mark.slow
def test_run_on_a_real_scheduler_with_two_workers(two_workers, tmp_path) -> None:
    from distributed import Client

    from opvang_opt import pipeline

    scenario, inputs = load(REPO / "scenarios" / "demo.yaml")
    single = pipeline.run(scenario, inputs, scenario_dir=str(REPO / "scenarios"))
    with Client(two_workers, set_as_default=False) as c:
        c.wait_for_workers(2, timeout=60)
        seen = {}

        def screener(cfg, inputs):
            res = screen_on_cluster(cfg, inputs.longlist, inputs.layers, client=c, partitions=5)
            seen["res"] = res
            return res.answers

        remote = pipeline.run(
            scenario, inputs, scenario_dir=str(REPO / "scenarios"), screener=screener
        )
        assert seen["res"].workers == 2 and seen["res"].partitions == 5
        who = c.run(os.getpid)
        assert len(who) == 2 and os.getpid() not in who.values()
    assert_same(remote.siting, single.siting)
    # and through the CLI
    res = CliRunner().invoke(app, ["run", str(REPO / "scenarios" / "demo.yaml"), "--scheduler",
                                   two_workers, "--timeout", "30", "--out",
                                   str(tmp_path / "out"), "--lang", "en"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert f"on {two_workers} (2 worker(s)" in res.output
    assert (tmp_path / "out" / "map.html").exists()


HOLED = shapely.Polygon([(0, 0), (9, 0), (9, 9), (0, 0)], [[(5, 1), (6, 1), (6, 2)]])


@pytest.mark.parametrize(
    ("geoms", "kind"),
    [
        (shapely.points([[1.5, 2.25], [3e5, 4e5]]), "points"),
        (shapely.buffer(shapely.points([[0.0, 0.0], [10.0, 5.0]]), 3.3, quad_segs=2), "rings"),
        (np.array([HOLED, shapely.box(0, 0, 1, 1)]), "ragged"),
        (shapely.linestrings([[[0, 0], [1, 2]], [[3, 3], [4, 4.5]]]), "ragged"),
        (shapely.points([[1.0, 2.0, 3.0]]), "ragged"),  # with z: not flattened
        (np.array([shapely.Point(1, 2), shapely.box(0, 0, 1, 1)]), "wkb"),
        (np.array([shapely.Point(), shapely.box(0, 0, 1, 1)]), "wkb"),
    ],
)
def test_packed_geometries_come_back_coordinate_for_coordinate(geoms, kind) -> None:
    from opvang_opt.siting.distributed import pack, unpack

    packed = pack(geoms)
    assert packed[0] == kind
    back = unpack(packed)
    # WKB of both sides: same kinds, same rings in the same order, every coordinate exact
    assert [shapely.to_wkb(g, output_dimension=3) for g in back] == [
        shapely.to_wkb(g, output_dimension=3) for g in geoms
    ]


def test_taken_partitions_equal_packing_the_partition() -> None:
    from opvang_opt.siting.distributed import pack, take

    rng = np.random.default_rng(5)
    polys = shapely.buffer(shapely.points(rng.uniform(0, 1e4, (300, 2))),
                           rng.uniform(1, 50, 300), quad_segs=int(rng.integers(1, 4)))  # fmt: skip
    points = shapely.points(rng.uniform(0, 1e4, (300, 2)))
    for geoms in (polys, points):
        whole = pack(geoms)
        for part in partition_sites(geoms, 7):
            got, want = take(whole, part), pack(geoms[part])
            assert got[0] == want[0]
            assert all(np.array_equal(a, b) for a, b in zip(got[1:], want[1:], strict=True))

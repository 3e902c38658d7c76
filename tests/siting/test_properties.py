"""Property-based tests (Hypothesis) of the siting invariants users rely on.

- No rank reversal: a site's value depends on its own indicator and the scenario's fixed
  bounds only, so adding or removing a candidate never changes another site's value,
  score or the order of the others.
- Exclusions are monotone in their limits and exact at the boundary (``below`` excludes
  values < limit, ``above`` > limit, ``closer_than`` distances strictly < the distance).
- The shortlist checker agrees with a brute force over every subset of small instances
  (the optimum itself is checked against brute force in test_shortlist_properties.py).
- Capacity is never counted twice (overlapping constraints, the shortlist's total).
- The same input twice gives identical tables.

Every expected value comes from the rule as stated in the scenario reference, written out
again here in plain Python, never from the code under test.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from opvang_opt.schema import (
    AvailableByRule,
    CloserThanRule,
    IntersectsRule,
    LimitRule,
    LinearValue,
    PiecewiseValue,
    SitingConfig,
    StepValue,
)
from opvang_opt.siting.criteria import overlap_area
from opvang_opt.siting.exclusions import evaluate_exclusions
from opvang_opt.siting.shortlist import ShortlistProblem, check_shortlist, explain_sites
from opvang_opt.siting.stage import SitingInputs, run_siting
from opvang_opt.siting.values import apply_value, rank_scores
from opvang_opt.texts import render

RD = "EPSG:28992"
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
SLOW = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# --------------------------------------------------------------------------- strategies

indicator = st.one_of(
    st.integers(-3000, 3000).map(float),
    st.floats(-3000, 3000, allow_nan=False),
    st.just(math.inf),
)
indicators = st.lists(indicator, min_size=1, max_size=12)


@st.composite
def linear_values(draw) -> LinearValue:
    lower = draw(st.integers(-1000, 1000))
    width = draw(st.integers(1, 2000))
    direction = draw(st.sampled_from(["higher_is_better", "lower_is_better"]))
    return LinearValue(lower=lower, upper=lower + width, direction=direction)


@st.composite
def step_values(draw) -> StepValue:
    cuts = sorted(draw(st.sets(st.integers(-1000, 1000), min_size=1, max_size=4)))
    values = draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=len(cuts) + 1,
                           max_size=len(cuts) + 1))  # fmt: skip
    return StepValue(thresholds=tuple(cuts), values=tuple(values))


@st.composite
def piecewise_values(draw) -> PiecewiseValue:
    xs = sorted(draw(st.sets(st.integers(-1000, 1000), min_size=2, max_size=5)))
    ys = draw(st.lists(st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0]), min_size=len(xs),
                       max_size=len(xs)))  # fmt: skip
    return PiecewiseValue(points=tuple(zip(map(float, xs), ys, strict=True)))


value_functions = st.one_of(linear_values(), step_values(), piecewise_values())


# --------------------------------------------------------------------------- value functions


def linear_by_hand(fn: LinearValue, x: float) -> float:
    """Linear value: 0 at the worst bound, 1 at the best, flat beyond both."""
    share = (min(max(x, fn.lower), fn.upper) - fn.lower) / (fn.upper - fn.lower)
    return 1.0 - share if fn.direction == "lower_is_better" else share


def step_by_hand(fn: StepValue, x: float) -> float:
    """Step value: the class is the number of thresholds at or below x."""
    return fn.values[sum(1 for t in fn.thresholds if t <= x)]


def piecewise_by_hand(fn: PiecewiseValue, x: float) -> float:
    """Piecewise-linear through the points, flat outside them."""
    pts = fn.points
    if x <= pts[0][0]:
        return pts[0][1]
    if x >= pts[-1][0]:
        return pts[-1][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise AssertionError("unreachable")


BY_HAND = {"linear": linear_by_hand, "step": step_by_hand, "piecewise": piecewise_by_hand}


@FAST
@given(value_functions, indicators)
def test_value_function_matches_its_definition(fn, xs):
    got = apply_value(fn, np.array(xs))
    want = [BY_HAND[fn.type](fn, x) for x in xs]
    assert got.tolist() == pytest.approx(want, abs=1e-12)
    assert ((got >= 0.0) & (got <= 1.0)).all()


@FAST
@given(value_functions, indicators, st.data())
def test_value_depends_on_own_indicator_only(fn, xs, data):
    """Removing or adding a candidate changes no other site's value (fixed bounds)."""
    x = np.array(xs)
    full = apply_value(fn, x)
    k = data.draw(st.integers(0, len(xs) - 1))
    without = apply_value(fn, np.delete(x, k))
    assert np.array_equal(without, np.delete(full, k))
    extra = data.draw(indicator)
    with_extra = apply_value(fn, np.append(x, extra))
    assert np.array_equal(with_extra[:-1], full)
    for i, xi in enumerate(xs):
        assert apply_value(fn, np.array([xi]))[0] == full[i]


@FAST
@given(linear_values(), indicator, indicator)
def test_linear_value_is_monotone_in_the_better_direction(fn, a, b):
    lo, hi = sorted((a, b))
    v_lo, v_hi = apply_value(fn, np.array([lo, hi]))
    if fn.direction == "higher_is_better":
        assert v_lo <= v_hi
    else:
        assert v_lo >= v_hi


@FAST
@given(
    st.lists(st.integers(0, 80).map(lambda q: q / 4), min_size=2, max_size=10),
    st.data(),
)
def test_rank_order_of_the_others_survives_removing_a_site(scores, data):
    n = len(scores)
    ids = np.array([f"s{i:02d}" for i in range(n)])
    eligible = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    score = np.array(scores)
    rank = rank_scores(score, eligible, ids)
    # by hand: eligible sites ordered by score (high first), ties by id, ranked 1..m
    order = sorted(np.flatnonzero(eligible), key=lambda i: (-score[i], ids[i]))
    want = np.zeros(n, int)
    for r, i in enumerate(order, start=1):
        want[i] = r
    assert rank.tolist() == want.tolist()
    assert rank.dtype.kind == "i"  # ranks are whole numbers in every table
    k = data.draw(st.integers(0, n - 1))
    keep = np.arange(n) != k
    rank2 = rank_scores(score[keep], eligible[keep], ids[keep])
    before = [i for i in np.argsort(rank) if rank[i] > 0 and i != k]
    after = [np.flatnonzero(keep)[i] for i in np.argsort(rank2) if rank2[i] > 0]
    assert before == after


def test_scores_equal_up_to_floating_noise_are_ties_ranked_by_id():
    # weights normalised in floating point leave noise far below 1e-9 of a score point;
    # such scores are ties, ranked by id, whatever the order of the sites
    score = np.array([50.0 + 4e-10, 50.0, 49.9999])
    ids = np.array(["b", "a", "c"])
    assert rank_scores(score, np.ones(3, bool), ids).tolist() == [2, 1, 3]


# --------------------------------------------------------------------------- whole stage

CATEGORIES = ("station", "supermarket")


@st.composite
def worlds(draw):
    """A longlist of 3-7 square sites, a handful of POIs and a numeric column."""
    n = draw(st.integers(3, 7))
    corners = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n, max_size=n)
    )
    sizes = draw(st.lists(st.integers(2, 12), min_size=n, max_size=n))
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"L{i}" for i in range(n)],
            "name": [f"Site {i}" for i in range(n)],
            "rating": draw(st.lists(st.integers(0, 10), min_size=n, max_size=n)),
        },
        geometry=[
            box(x * 50.0, y * 50.0, x * 50.0 + s * 10.0, y * 50.0 + s * 10.0)
            for (x, y), s in zip(corners, sizes, strict=True)
        ],
        crs=RD,
    )
    m = draw(st.integers(1, 6))
    pois = gpd.GeoDataFrame(
        {
            "poi_id": [f"P{i}" for i in range(m)],
            "category": draw(st.lists(st.sampled_from(CATEGORIES), min_size=m, max_size=m)),
        },
        geometry=[
            Point(x * 25.0, y * 25.0)
            for x, y in draw(
                st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)), min_size=m, max_size=m)
            )
        ],
        crs=RD,
    )
    method = draw(st.sampled_from(["weighted_sum", "topsis", "spotis"]))
    limit = draw(st.integers(0, 10))
    return sites, pois, method, limit


def siting_config(method: str, limit: int) -> SitingConfig:
    return SitingConfig.model_validate(
        {
            "method": method,
            "criteria": [
                {"name": "station", "kind": "distance_to_poi", "category": "station",
                 "weight": 3, "value": {"type": "linear", "lower": 0, "upper": 2000,
                                        "direction": "lower_is_better"}},
                {"name": "shops", "kind": "count_within", "category": "supermarket",
                 "radius_m": 500, "weight": 1,
                 "value": {"type": "step", "thresholds": [1, 2], "values": [0, 0.5, 1]}},
                {"name": "rating", "kind": "attribute", "column": "rating", "weight": 2,
                 "value": {"type": "piecewise", "points": [[0, 0], [5, 0.8], [10, 1]]}},
            ],
            "exclusions": [{"name": "low", "kind": "below", "column": "rating", "limit": limit}],
            "target": {"amount": 1},
            "robustness": {"samples": 0, "one_at_a_time": False},
            "shortlist": {"tradeoff_steps": 0},
        }
    )  # fmt: skip


def siting(sites: gpd.GeoDataFrame, pois: gpd.GeoDataFrame, cfg: SitingConfig):
    return run_siting(cfg, SitingInputs(sites, {"pois": pois}, "site_id"))


@SLOW
@pytest.mark.filterwarnings("ignore:Alternatives with indices:UserWarning")  # pymcdm, SPOTIS
@given(worlds(), st.data())
def test_no_rank_reversal_when_a_candidate_is_removed(world, data):
    sites, pois, method, limit = world
    cfg = siting_config(method, limit)
    full = siting(sites, pois, cfg).sites.set_index("site_id")
    k = data.draw(st.integers(0, len(sites) - 1))
    gone = sites["site_id"].iloc[k]
    part = siting(sites.drop(index=k).reset_index(drop=True), pois, cfg).sites
    part = part.set_index("site_id")
    rest = full.drop(index=gone)
    cols = [c for c in full.columns if c.startswith(("ind_", "val_"))] + ["score", "excluded"]
    assert len(cols) == 8
    pd.testing.assert_frame_equal(part[cols], rest[cols].loc[part.index])
    # the eligible others keep their order (ranks close up around the removed site)
    order_full = rest[rest["rank"] > 0].sort_values("rank").index.tolist()
    order_part = part[part["rank"] > 0].sort_values("rank").index.tolist()
    assert order_part == order_full
    # and the rank of a site is one plus the number of better eligible sites
    for sid, r in part.loc[part["rank"] > 0, "rank"].items():
        s = part.at[sid, "score"]
        better = part[(part["rank"] > 0) & ((part["score"] > s) | (
            (part["score"] == s) & (part.index < sid)))]  # fmt: skip
        assert r == 1 + len(better)


@SLOW
@pytest.mark.filterwarnings("ignore:Alternatives with indices:UserWarning")
@given(worlds())
def test_siting_is_deterministic(world):
    sites, pois, method, limit = world
    cfg = siting_config(method, limit)
    a, b = siting(sites, pois, cfg), siting(sites.copy(), pois.copy(), cfg)
    pd.testing.assert_frame_equal(a.sites, b.sites)
    pd.testing.assert_frame_equal(a.exclusions, b.exclusions)
    pd.testing.assert_frame_equal(a.shortlist, b.shortlist)
    assert replace(a.summary, solver_seconds=0.0) == replace(b.summary, solver_seconds=0.0)


# --------------------------------------------------------------------------- exclusions


def longlist(geoms, **columns) -> gpd.GeoDataFrame:
    n = len(geoms)
    return gpd.GeoDataFrame(
        {"site_id": [f"L{i}" for i in range(n)], **columns}, geometry=list(geoms), crs=RD
    )


def excluded(rule, sites, layers=None, indicators=None) -> set[str]:
    table = evaluate_exclusions((rule,), sites, layers or {}, indicators or {}, "site_id", "t")
    assert (table["rule"] == rule.name).all()
    return set(table["site_id"])


values_10 = st.lists(st.integers(-50, 50), min_size=1, max_size=10)
limits = st.tuples(st.integers(-60, 60), st.integers(-60, 60)).map(sorted)


@FAST
@given(values_10, limits)
def test_below_excludes_exactly_the_values_under_the_limit_and_is_monotone(xs, lims):
    lo, hi = lims
    sites = longlist([box(i * 10, 0, i * 10 + 5, 5) for i in range(len(xs))], v=xs)
    rule = lambda lim: LimitRule(name="r", kind="below", column="v", limit=lim)  # noqa: E731
    at_lo, at_hi = excluded(rule(lo), sites), excluded(rule(hi), sites)
    assert at_lo == {f"L{i}" for i, x in enumerate(xs) if x < lo}
    assert at_hi == {f"L{i}" for i, x in enumerate(xs) if x < hi}
    assert at_lo <= at_hi  # raising a `below` limit never re-admits a site


@FAST
@given(values_10, limits)
def test_above_excludes_exactly_the_values_over_the_limit_and_is_monotone(xs, lims):
    lo, hi = lims
    sites = longlist([box(i * 10, 0, i * 10 + 5, 5) for i in range(len(xs))], v=xs)
    rule = lambda lim: LimitRule(name="r", kind="above", column="v", limit=lim)  # noqa: E731
    at_lo, at_hi = excluded(rule(lo), sites), excluded(rule(hi), sites)
    assert at_lo == {f"L{i}" for i, x in enumerate(xs) if x > lo}
    assert at_hi == {f"L{i}" for i, x in enumerate(xs) if x > hi}
    assert at_hi <= at_lo  # lowering an `above` limit never re-admits a site


@FAST
@given(values_10, limits)
def test_limit_on_a_criterion_indicator_uses_the_indicator(xs, lims):
    lo, _ = lims
    sites = longlist([box(i * 10, 0, i * 10 + 5, 5) for i in range(len(xs))])
    rule = LimitRule(name="r", kind="below", criterion="c", limit=lo)
    got = excluded(rule, sites, indicators={"c": np.array(xs, float)})
    assert got == {f"L{i}" for i, x in enumerate(xs) if x < lo}


gaps = st.lists(st.integers(0, 300), min_size=1, max_size=10)


@FAST
@example(gaps=[100, 99, 101], lims=[100, 100])
@example(gaps=[35], lims=[35, 35])  # GEOS measures 34.99999999999999 m here
@given(gaps, st.tuples(st.integers(1, 300), st.integers(1, 300)).map(sorted))
def test_closer_than_is_strict_and_monotone(gaps, lims):
    """A site exactly at the minimum distance stays in: only distances < the limit exclude."""
    d_lo, d_hi = lims
    # site i: a 20 x 20 square whose left edge lies gaps[i] metres right of the line x = 0
    sites = longlist([box(g, i * 50, g + 20, i * 50 + 20) for i, g in enumerate(gaps)])
    line = gpd.GeoDataFrame(geometry=[LineString([(0, -100), (0, 1000)])], crs=RD)
    rule = lambda d: CloserThanRule(name="r", kind="closer_than", layer="hv", distance_m=d)  # noqa: E731
    at_lo = excluded(rule(d_lo), sites, {"hv": line})
    at_hi = excluded(rule(d_hi), sites, {"hv": line})
    assert at_lo == {f"L{i}" for i, g in enumerate(gaps) if g < d_lo}
    assert at_hi == {f"L{i}" for i, g in enumerate(gaps) if g < d_hi}
    assert at_lo <= at_hi  # a larger minimum distance never re-admits a site


def test_closer_than_only_counts_the_named_category():
    # the station is 50 m away, the shop 10 m: a 30 m rule on stations keeps the site
    sites = longlist([box(0, 0, 10, 10)])
    pois = gpd.GeoDataFrame(
        {"category": ["station", "shop"]}, geometry=[Point(60, 5), Point(20, 5)], crs=RD
    )
    near = CloserThanRule(name="r", kind="closer_than", layer="p", distance_m=30,
                          category="station")  # fmt: skip
    assert excluded(near, sites, {"p": pois}) == set()
    wide = near.model_copy(update={"distance_m": 50.5})
    assert excluded(wide, sites, {"p": pois}) == {"L0"}
    assert excluded(near.model_copy(update={"category": "shop"}), sites, {"p": pois}) == {"L0"}


@FAST
@given(
    st.lists(st.integers(0, 10), min_size=1, max_size=8),
    st.tuples(st.integers(0, 120), st.integers(0, 120)).map(sorted),
)
def test_intersects_tolerance_is_monotone(cover, tols):
    """Site i (10 x 10) is covered over cover[i] x 10 m2; overlaps up to the tolerance stay in."""
    t_lo, t_hi = tols
    sites = longlist([box(i * 100, 0, i * 100 + 10, 10) for i in range(len(cover))])
    zone = gpd.GeoDataFrame(
        geometry=[box(i * 100 + 10 - c, -5, i * 100 + 10, 15) for i, c in enumerate(cover) if c],
        crs=RD,
    )
    rule = lambda t: IntersectsRule(name="r", kind="intersects", layer="z", min_overlap_m2=t)  # noqa: E731
    at = {t: excluded(rule(t), sites, {"z": zone}) for t in (t_lo, t_hi)}
    for t in (t_lo, t_hi):
        assert at[t] == {f"L{i}" for i, c in enumerate(cover) if c * 10 > t}
    assert at[t_hi] <= at[t_lo]  # tolerating more overlap never excludes more


@FAST
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=8),
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted),
)
def test_available_by_is_monotone_in_the_date(days, cut):
    start = dt.date(2026, 1, 1)
    sites = longlist(
        [box(i * 10, 0, i * 10 + 5, 5) for i in range(len(days))],
        available_from=[(start + dt.timedelta(days=d)).isoformat() for d in days],
    )
    rule = lambda c: AvailableByRule(  # noqa: E731
        name="r", kind="available_by", date=start + dt.timedelta(days=c)
    )
    early, late = excluded(rule(cut[0]), sites), excluded(rule(cut[1]), sites)
    assert early == {f"L{i}" for i, d in enumerate(days) if d > cut[0]}  # ready on the day: in
    assert late <= early  # a later date never excludes more


# --------------------------------------------------------------------------- capacity once


@FAST
@given(
    st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(1, 10), st.integers(1, 10)),
    st.lists(
        st.tuples(st.integers(-5, 20), st.integers(-5, 20), st.integers(1, 15), st.integers(1, 15)),
        min_size=1,
        max_size=5,
    ),
    st.booleans(),
)
def test_overlapping_constraints_count_each_square_metre_once(site, polys, duplicate):
    """Overlap area against a brute-force count of 1 x 1 m cells covered by any polygon."""
    x, y, w, h = site
    layer = [box(px, py, px + pw, py + ph) for px, py, pw, ph in polys]
    if duplicate:
        layer = layer + layer  # the same constraint twice must not count twice
    cells = sum(
        1
        for cx in range(x, x + w)
        for cy in range(y, y + h)
        if any(px <= cx and cx + 1 <= px + pw and py <= cy and cy + 1 <= py + ph
               for px, py, pw, ph in polys)
    )  # fmt: skip
    got = overlap_area(np.array([box(x, y, x + w, y + h)]), np.array(layer))[0]
    assert got == pytest.approx(cells)
    assert got <= w * h


# --------------------------------------------------------------------------- shortlist checker


@st.composite
def shortlist_problems(draw):
    n = draw(st.integers(1, 6))
    ids = np.array([f"s{i}" for i in range(n)])
    value = np.array(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)), float) / 4
    capacity = np.array(draw(st.lists(st.integers(0, 30), min_size=n, max_size=n)))
    eligible = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    opt = lambda s: draw(st.one_of(st.none(), s))  # noqa: E731
    cost = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), float)
    budget = opt(st.integers(0, 150))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    conflicts = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []
    zone = np.array(draw(st.lists(st.sampled_from(["w1", "w2"]), min_size=n, max_size=n)))
    max_per_zone = opt(st.integers(1, 3))
    available = opt(st.lists(st.booleans(), min_size=n, max_size=n).map(np.array))
    # manual overrides: disjoint, and must_include only on eligible sites (the stage
    # drops a must_include of an excluded site with a warning)
    manual = draw(st.lists(st.sampled_from(["", "in", "out"]), min_size=n, max_size=n))
    must_include = np.array([m == "in" for m in manual]) & eligible
    must_exclude = np.array([m == "out" for m in manual])
    return ShortlistProblem(
        ids=ids,
        value=value,
        capacity=capacity,
        target=draw(st.integers(0, 60)),
        eligible=eligible,
        cost=cost,
        budget=None if budget is None else float(budget),
        max_sites=opt(st.integers(1, 4)),
        max_capacity=opt(st.integers(0, 80)),
        conflicts=np.array(sorted(conflicts), dtype=np.int64).reshape(-1, 2),
        conflict_distance=np.full(len(conflicts), 75.0),
        min_distance=100.0,
        zone=zone if max_per_zone is not None else None,
        max_per_zone=max_per_zone,
        available=available,
        must_include=must_include,
        must_exclude=must_exclude,
        objective=draw(st.sampled_from(["score", "score_x_capacity"])),
        irredundant=draw(st.booleans()),
    )


def feasible_by_hand(p: ShortlistProblem, chosen: tuple[int, ...]) -> bool:
    """Every shortlist rule, written out from the scenario reference."""
    s = set(chosen)
    for i in s:
        if not p.eligible[i]:
            return False
        if p.available is not None and not p.available[i]:
            return False
        if p.must_exclude[i]:
            return False
    if any(p.must_include[i] and i not in s for i in range(p.n)):
        return False
    forced = [bool(p.must_include[i] and p.eligible[i]) for i in range(p.n)]
    if any(p.capacity[i] <= 0 and not forced[i] for i in s):
        return False  # a site without capacity is never selected (unless forced in)
    cap = sum(int(p.capacity[i]) for i in s)
    if cap < p.target:
        return False
    # irredundant: no selected site (not forced in) can go while the target still holds
    if p.irredundant and any(not forced[i] and cap - p.capacity[i] >= p.target for i in s):
        return False
    if p.max_capacity is not None and cap > p.max_capacity:
        return False
    if p.budget is not None and sum(p.cost[i] for i in s) > p.budget:
        return False
    if p.max_sites is not None and len(s) > p.max_sites:
        return False
    if any(int(i) in s and int(j) in s for i, j in p.conflicts):
        return False
    if p.max_per_zone is not None:
        for z in set(p.zone):
            if sum(1 for i in s if p.zone[i] == z) > p.max_per_zone:
                return False
    return True


def subsets(n: int):
    return itertools.chain.from_iterable(itertools.combinations(range(n), k) for k in range(n + 1))


def mask(n: int, chosen: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(n, bool)
    out[list(chosen)] = True
    return out


@settings(max_examples=120, deadline=None, derandomize=True)
@given(shortlist_problems())
def test_shortlist_checker_agrees_with_brute_force(p):
    for chosen in subsets(p.n):
        report = check_shortlist(p, mask(p.n, chosen))
        assert report.is_ok == feasible_by_hand(p, chosen), (chosen, report.violations)


def broken(report) -> list[tuple]:
    return [(v.rule, v.where, v.value, v.limit) for v in report.violations]


def test_checker_names_the_missed_target():
    p = ShortlistProblem(
        ids=np.array(["a", "b"]), value=np.array([1.0, 1.0]), capacity=np.array([10, 10]),
        target=30, eligible=np.array([True, True]),
    )  # fmt: skip
    assert broken(check_shortlist(p, np.array([True, True]))) == [("target", None, 20, 30)]


def test_checker_limits_are_inclusive_and_every_violation_names_the_site():
    # three sites of 10 places and EUR 100 each; at most 20 places, EUR 200, 2 sites
    base = dict(
        ids=np.array(["a", "b", "c"]), value=np.ones(3), capacity=np.array([10, 10, 10]),
        target=0, eligible=np.ones(3, bool), cost=np.array([100.0, 100.0, 100.0]),
        budget=200.0, max_capacity=20, max_sites=2, irredundant=False,
    )  # fmt: skip
    p = ShortlistProblem(**base)
    assert check_shortlist(p, np.array([True, True, False])).is_ok  # exactly at every limit
    assert check_shortlist(p, [1, 1, 0]).is_ok  # a 0/1 list is a mask, not indices
    assert broken(check_shortlist(p, [1, 1, 1])) == [
        ("max_capacity", None, 30, 20),
        ("budget", None, 300.0, 200.0),
        ("max_sites", None, 3, 2),
    ]
    # EUR 0.50 over the budget is over (only rounding noise of 1e-6 is forgiven)
    half = ShortlistProblem(**{**base, "cost": np.array([100.0, 100.5, 100.0])})
    assert broken(check_shortlist(half, [1, 1, 0])) == [("budget", None, 200.5, 200.0)]
    assert check_shortlist(replace(p, budget=200.0 - 1e-9), [1, 1, 0]).is_ok
    manual = replace(
        p,
        available=np.array([True, False, True]),
        must_exclude=np.array([False, False, True]),
        must_include=np.array([True, False, False]),
    )
    assert [(v.rule, v.where) for v in check_shortlist(manual, [0, 1, 1]).violations] == [
        ("availability", "b"),
        ("must_exclude", "c"),
        ("must_include", "a"),
    ]
    # zones without a maximum per zone are no rule
    zoned = replace(p, zone=np.array(["w", "w", "w"]), max_per_zone=None)
    assert check_shortlist(zoned, [1, 1, 0]).is_ok


def in_full(report) -> list[tuple]:
    return [(v.rule, v.message, v.where, v.value, v.limit) for v in report.violations]


def test_checker_messages_of_the_site_rules_in_full():
    # a excluded by a hard rule, b without capacity, c not available by the date, d must be
    # excluded by hand, e must be included by hand; a, b, c, d selected, e left out
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c", "d", "e"]), value=np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
        capacity=np.array([10, 0, 10, 10, 10]), target=0,
        eligible=np.array([False, True, True, True, True]),
        available=np.array([True, True, False, True, True]),
        must_exclude=np.array([False, False, False, True, False]),
        must_include=np.array([False, False, False, False, True]), irredundant=False,
    )  # fmt: skip
    report = check_shortlist(p, [1, 1, 1, 1, 0])
    assert in_full(report) == [
        ("excluded", "excluded by a hard rule but selected", "a", None, None),
        ("availability", "not available by the date but selected", "c", None, None),
        ("must_exclude", "must be excluded but selected", "d", None, None),
        ("must_include", "must be included but not selected", "e", None, None),
        ("capacity", "capacity 0 but selected", "b", None, None),
    ]
    assert report.objective == 1.0 + 2.0 + 3.0 + 4.0  # the selected sites' values


def test_checker_messages_of_the_totals_in_full():
    # 3 sites of 10 places, EUR 500,000.40 + 400,000.00 + 334,567.00 = 1,234,567.40
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c"]), value=np.ones(3), capacity=np.array([10, 10, 10]),
        target=40, eligible=np.ones(3, bool),
        cost=np.array([500_000.40, 400_000.00, 334_567.00]), budget=1_000_000.0,
        max_capacity=20, max_sites=2, irredundant=False,
    )  # fmt: skip
    got = in_full(check_shortlist(p, [1, 1, 1]))
    assert [g[:3] for g in got] == [
        ("target", "capacity 30 below the target 40", None),
        ("max_capacity", "capacity 30 above the maximum 20", None),
        ("budget", "cost 1,234,567 above the budget 1,000,000", None),
        ("max_sites", "3 sites, more than the maximum 2", None),
    ]
    assert [g[3:] for g in got] == [
        (30, 40), (30, 20), (pytest.approx(1_234_567.40), 1_000_000.0), (3, 2),
    ]  # fmt: skip


def test_checker_messages_of_separation_and_zones_in_full():
    # a-b 120.4 m apart, b-c plots overlap, c-d too close but d not selected;
    # zone w holds a and b (2 > 1), zone e holds c only
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c", "d"]), value=np.ones(4), capacity=np.array([5, 5, 5, 5]),
        target=0, eligible=np.ones(4, bool),
        conflicts=np.array([[0, 1], [1, 2], [2, 3]]),
        conflict_distance=np.array([120.4, 0.0, 50.0]), min_distance=300.0,
        zone=np.array(["w", "w", "e", "e"]), max_per_zone=1, irredundant=False,
    )  # fmt: skip
    assert in_full(check_shortlist(p, [1, 1, 1, 0])) == [
        ("separation", "120 m apart, less than 300.0", "a, b", 120.4, 300.0),
        ("separation", "plots overlap", "b, c", 0.0, 300.0),
        ("zone", "2 sites, more than 1", "zone w", 2, 1),
    ]


def test_checker_messages_of_redundancy_and_quality_in_full():
    # 3 sites of 10 places, target 15: with all three, each can go (30 - 10 = 20 >= 15)
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c"]), value=np.array([50.0, 30.0, 10.0]),
        capacity=np.array([10, 10, 10]), target=15, eligible=np.ones(3, bool),
    )  # fmt: skip
    msg = "redundant: the target 15 still holds without it (20)"
    assert in_full(check_shortlist(p, [1, 1, 1])) == [
        ("irredundant", msg, "a", 20, 14), ("irredundant", msg, "b", 20, 14),
        ("irredundant", msg, "c", 20, 14),
    ]  # fmt: skip
    # a and b exactly meet the target 20: the best 20 places score (10 x 50 + 10 x 30) / 20
    # = 40.0 per place; a minimum of 40 holds, 40.001 does not
    q = replace(p, target=20, min_quality=40.0)
    assert check_shortlist(q, [1, 1, 0]).is_ok
    assert in_full(check_shortlist(replace(q, min_quality=40.001), [1, 1, 0])) == [
        ("min_quality", "mean score per needed place 40.000 below the minimum 40.001", None,
         40.0, 40.001),
    ]  # fmt: skip
    # target 15: the best 15 places are 10 at 50 and 5 at 30, (500 + 150) / 15 = 43.333
    r = replace(p, min_quality=45.0)
    got = in_full(check_shortlist(r, [1, 1, 0]))
    assert [g[:3] for g in got] == [
        ("min_quality", "mean score per needed place 43.333 below the minimum 45.0", None),
    ]
    assert got[0][3] == pytest.approx(650 / 15)
    # a missed target is reported as the target only, not as a quality below the minimum
    assert [
        v.rule for v in check_shortlist(replace(q, min_quality=99.0), [1, 0, 0]).violations
    ] == ["target"]
    # the score objectives have no quality rule
    assert check_shortlist(replace(q, min_quality=99.0, objective="score"), [1, 1, 0]).is_ok


def test_checker_leaves_allowed_sites_alone_and_names_itself():
    # a has 1 place (above 0), b has 0 places but is forced in by hand, c is left out and
    # not asked for, d is asked for by hand but excluded by a hard rule: nothing is broken
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c", "d"]), value=np.ones(4), capacity=np.array([1, 0, 5, 5]),
        target=0, eligible=np.array([True, True, True, False]),
        must_include=np.array([False, True, False, True]), irredundant=False,
    )  # fmt: skip
    report = check_shortlist(p, [1, 1, 0, 0])
    assert report.violations == ()
    assert report.checker == "shortlist"


def test_checker_separation_needs_both_sites_and_rounds_the_metres():
    # a-b 0.6 m apart (rounds to 1 m, plots do not overlap), b-c overlap; a not selected
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c"]), value=np.ones(3), capacity=np.array([5, 5, 5]),
        target=0, eligible=np.ones(3, bool), conflicts=np.array([[0, 1], [1, 2]]),
        conflict_distance=np.array([0.6, 0.0]), min_distance=300.0, irredundant=False,
    )  # fmt: skip
    assert in_full(check_shortlist(p, [0, 1, 1])) == [
        ("separation", "plots overlap", "b, c", 0.0, 300.0)
    ]
    assert in_full(check_shortlist(p, [1, 1, 0])) == [
        ("separation", "1 m apart, less than 300.0", "a, b", 0.6, 300.0)
    ]


def test_checker_separation_holds_for_pairs_passed_without_a_distance():
    # a problem built by hand (a notebook) with conflict pairs and no distances: the solver
    # keeps every pair apart, so a shortlist holding both sites of a pair breaks the rule
    # whatever is known of the distance; b-c has a distance (50 m), a-b and c-d have none
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c", "d"]), value=np.ones(4), capacity=np.array([5, 5, 5, 5]),
        target=0, eligible=np.ones(4, bool), conflicts=np.array([[1, 2], [0, 1], [2, 3]]),
        conflict_distance=np.array([50.0]), min_distance=300.0, irredundant=False,
    )  # fmt: skip
    assert in_full(check_shortlist(p, [1, 1, 1, 0])) == [
        ("separation", "50 m apart, less than 300.0", "b, c", 50.0, 300.0),
        ("separation", "conflicting sites, no distance given", "a, b", None, 300.0),
    ]
    none = replace(p, conflict_distance=np.zeros(0))
    assert in_full(check_shortlist(none, [0, 0, 1, 1])) == [
        ("separation", "conflicting sites, no distance given", "c, d", None, 300.0)
    ]
    assert check_shortlist(none, [1, 0, 1, 0]).is_ok  # no pair both selected


def test_a_site_kept_out_by_a_conflict_without_a_distance_says_so():
    # b conflicts with the chosen a (a pair given without a distance) and with the chosen c
    # (120 m, under 300 m): the reason names the measured neighbour first; d conflicts only
    # with a, without a distance, and is out for that pair, not for its score
    p = ShortlistProblem(
        ids=np.array(["a", "b", "c", "d"]), value=np.array([90.0, 80.0, 70.0, 95.0]),
        capacity=np.array([5, 5, 5, 5]), target=10, eligible=np.ones(4, bool),
        conflicts=np.array([[1, 2], [0, 1], [0, 3]]), conflict_distance=np.array([120.0]),
        min_distance=300.0, irredundant=False,
    )  # fmt: skip
    reasons, binding = explain_sites(p, np.array([True, False, True, False]))
    assert binding.tolist() == ["selected", "separation", "selected", "separation"]
    assert "too close to c (120 m < 300 m)" in render(reasons[1], "en")
    assert "may not be chosen with chosen site a (a given conflict, no distance)" in render(
        reasons[3], "en"
    )
    assert "opgegeven conflict" in render(reasons[3], "nl")


def test_checker_minimum_quality_has_no_slack_beyond_rounding():
    # a and b, 10 places each at scores 50 and 30, meet the target 20 exactly: the mean
    # score per needed place is 40.0, below a minimum of 40.00005 (the finest step of a
    # mean over 20 places at 0.001 score points is 0.00005)
    p = ShortlistProblem(
        ids=np.array(["a", "b"]), value=np.array([50.0, 30.0]), capacity=np.array([10, 10]),
        target=20, eligible=np.ones(2, bool), min_quality=40.00005,
    )  # fmt: skip
    assert [v.rule for v in check_shortlist(p, [1, 1]).violations] == ["min_quality"]

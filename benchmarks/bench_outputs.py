"""Benchmark of the council outputs (issue 6).

1. ``map.html`` for 10,000 sites (the demo run with its longlist replaced by 10,000 seeded
   synthetic plots of 8-12 vertices, 30% excluded): file size (target <= 10 MB) and time to
   the load event in headless Chromium (target <= 5 s), and the time until every layer is
   drawn. Reference, measured in the same run: the naive Folium map of the same sites
   (one ``GeoJson`` with full-precision geometry and a ``GeoJsonPopup`` per feature holding
   the popup HTML, and Folium's default CDN files).
2. The static map (PNG + PDF) and the report for the demo (target <= 5 s), and the Excel
   workbook beside it.

The browser is Debian's Chromium, offline: Leaflet comes from a local copy of its npm
package (tests/outputs/browser.py); other CDN files of the naive map are refused at once,
which can only make the reference faster.

Usage::

    python benchmarks/bench_outputs.py [--json] [--sites N] [--runs R]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from opvang_opt.io import load  # noqa: E402
from opvang_opt.outputs.maps import build_map, score_colour  # noqa: E402
from opvang_opt.outputs.report import build_report  # noqa: E402
from opvang_opt.outputs.static import render_static  # noqa: E402
from opvang_opt.outputs.tables import build_workbook, result_tables  # noqa: E402
from opvang_opt.pipeline import RunResult, run  # noqa: E402
from opvang_opt.texts import Message, render  # noqa: E402

DEMO = ROOT / "scenarios" / "demo.yaml"


def synthetic_result(base: RunResult, n: int, seed: int = 6) -> RunResult:
    """The demo run with its longlist replaced by ``n`` seeded plots (same columns)."""
    rng = np.random.default_rng(seed)
    sites = base.siting.sites
    minx, miny, maxx, maxy = sites.total_bounds
    cx = rng.uniform(minx, maxx, n)
    cy = rng.uniform(miny, maxy, n)
    geoms = []
    for x, y in zip(cx, cy, strict=True):
        k = int(rng.integers(8, 13))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(25, 90, k)
        geoms.append(shapely.Polygon(np.c_[x + rad * np.cos(ang), y + rad * np.sin(ang)]))
    idx = rng.integers(0, len(sites), n)
    big = sites.iloc[idx].reset_index(drop=True).copy()
    big = gpd.GeoDataFrame(big, geometry=geoms, crs=sites.crs)
    big["site_id"] = [f"X{i:05d}" for i in range(n)]
    big["name"] = [f"Synthetische locatie {i} (fictief)" for i in range(n)]
    excluded = rng.random(n) < 0.3
    big["excluded"] = excluded
    reasons = (
        Message("siting.exclusion.overlaps", {"layer": "nature", "area": 1250.0, "share": 0.4}),
        Message("siting.exclusion.closer_than", {"layer": "hv_line", "distance": 85.0,
                                                 "limit": 120.0}),
    )  # fmt: skip
    big["exclusion_reasons"] = pd.Series([reasons if e else () for e in excluded], dtype=object)
    big["score"] = np.round(rng.uniform(0, 100, n), 4)
    order = np.argsort(-np.where(excluded, -1, big["score"].to_numpy()))
    rank = np.zeros(n, dtype=int)
    rank[order[: (~excluded).sum()]] = np.arange(1, (~excluded).sum() + 1)
    big["rank"] = rank
    big["shortlisted"] = (rank >= 1) & (rank <= 8)
    siting = dataclasses.replace(
        base.siting, sites=big, sensitivity=base.siting.sensitivity.iloc[0:0], layouts=None
    )
    return dataclasses.replace(base, siting=siting)


def naive_map(result: RunResult) -> folium.Map:
    """The reference: one GeoJson, full-precision geometry, a GeoJsonPopup per feature."""
    sites = result.siting.sites.to_crs(4326)
    crit = result.siting.criteria
    popups = []
    for _, r in sites.iterrows():
        rows = "".join(
            f"<tr><td>{c.label}</td><td>{r[c.indicator_column]:.0f} {c.unit}</td>"
            f"<td>{r[c.value_column]:.2f}</td><td>{c.weight:.0%}</td></tr>"
            for c in crit
        )
        popups.append(
            f"<b>{r['name']}</b> ({r['site_id']})<p>Score {r['score']:.1f}</p>"
            f"<p>{render(r['exclusion_reasons'])}</p><p>{render(r['decision'])}</p>"
            f"<table><tr><th>Criterium</th><th>Gemeten</th><th>Waarde</th><th>Gewicht</th></tr>"
            f"{rows}</table>"
        )
    sites = sites.assign(popup_html=popups, colour=[score_colour(s) for s in sites["score"]])
    minx, miny, maxx, maxy = sites.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12)
    folium.GeoJson(
        sites[["site_id", "popup_html", "colour", "geometry"]],
        name="sites",
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "weight": 1},
        popup=folium.GeoJsonPopup(["popup_html"], labels=False),
    ).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def browser_load(browser: Any, path: Path, ready: bool) -> dict[str, float]:
    """Seconds to the load event (navigation timing) and until the layers are drawn."""
    t0 = time.perf_counter()
    with browser.page(path) as (page, log):
        load = page.evaluate(
            "(() => { var t = performance.getEntriesByType('navigation')[0];"
            " return t.loadEventEnd / 1000; })()"
        )
        if ready:
            page.wait_for_function("window.opvangReady === true", timeout=60_000)
        drawn = time.perf_counter() - t0
        errors = len(log.console_errors) + len(log.page_errors)
        refused = len(log.refused)
    return {"load_s": load, "wall_s": drawn, "errors": errors, "refused": refused}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3, help="browser loads per map (median)")
    args = ap.parse_args()

    from tests.outputs.browser import Browser

    base = run(*load(DEMO), scenario_dir=str(DEMO.parent))
    big = synthetic_result(base, args.sites)
    rows: list[dict[str, Any]] = []
    browser = Browser()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, build, ready in (
                ("map.html (opvang-opt)", lambda: build_map(big), True),
                ("map.html (naive folium, reference)", lambda: naive_map(big), False),
            ):
                t0 = time.perf_counter()
                path = Path(tmp) / f"{len(rows)}.html"
                build().save(str(path))
                build_s = time.perf_counter() - t0
                size = path.stat().st_size / 1e6
                loads = [browser_load(browser, path, ready) for _ in range(args.runs)]
                med = {k: float(np.median([x[k] for x in loads])) for k in loads[0]}
                is_ours = "reference" not in label
                rows.append({"what": f"{label}: time to load event, {args.sites:,} sites",
                             "value": round(med["load_s"], 2), "unit": "s",
                             "target": "<= 5" if is_ours else "reference",
                             "ok": med["load_s"] <= 5 if is_ours else None,
                             "note": f"all layers drawn {med['wall_s']:.2f} s; build "
                                     f"{build_s:.2f} s; console errors {med['errors']:.0f}; "
                                     f"refused requests {med['refused']:.0f}"})  # fmt: skip
                rows.append({"what": f"{label}: file size, {args.sites:,} sites",
                             "value": round(size, 2), "unit": "MB",
                             "target": "<= 10" if is_ours else "reference",
                             "ok": size <= 10 if is_ours else None, "note": ""})  # fmt: skip
    finally:
        browser.close()

    t0 = time.perf_counter()
    images = render_static(base)
    t_static = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = build_report(base, images)
    t_report = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_workbook(result_tables(base, "nl"))
    t_xlsx = time.perf_counter() - t0
    total = t_static + t_report
    rows.append({"what": "static map (PNG + PDF) and report, demo", "value": round(total, 2),
                 "unit": "s", "target": "<= 5", "ok": total <= 5,
                 "note": f"static {t_static:.2f} s; report {t_report:.2f} s "
                         f"({len(report) / 1e6:.2f} MB); Excel {t_xlsx:.2f} s"})  # fmt: skip

    if args.json:
        print(json.dumps({"benchmark": "outputs", "rows": rows}, indent=2))
        return
    w = max(len(r["what"]) for r in rows)
    print(f"{'what':<{w}}  {'value':>8}  unit  {'target':<10}  ok   note")
    for r in rows:
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        print(f"{r['what']:<{w}}  {r['value']:>8}  {r['unit']:<4}  {r['target']:<10}  "
              f"{ok:<3}  {r['note']}")  # fmt: skip


if __name__ == "__main__":
    main()

"""map.html and report.html in a real headless Chromium (Debian's), fully offline.

Leaflet comes from a local copy of its npm package (see tests/outputs/browser.py); every
other request is refused and recorded. Screenshots go to artifacts/outputs/.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from opvang_opt.outputs.maps import layer_names, map_data


def _wait_map(page) -> None:
    page.wait_for_selector(".folium-map")
    page.wait_for_function("window.opvangReady === true", timeout=15_000)


def _clean(log) -> None:
    assert not log.console_errors, log.console_errors
    assert not log.page_errors, log.page_errors
    assert not log.refused, f"requests outside the local copies: {log.refused}"


def test_map_in_the_browser(browser, council_dir: Path, demo_result, artifacts: Path) -> None:
    sites = demo_result.siting.sites
    n_ex = int(sites["excluded"].sum())
    n_sl = int(sites["shortlisted"].sum())
    with browser.page(council_dir / "map.html") as (page, log):
        _wait_map(page)
        assert page.evaluate("L.version") == "1.9.3"
        # one drawn feature per site in each site layer
        assert (
            page.evaluate("document.querySelectorAll('path.site-longlist').length")
            == len(sites) - n_ex
        )
        assert page.evaluate("document.querySelectorAll('path.site-excluded').length") == n_ex
        assert page.evaluate("document.querySelectorAll('path.site-shortlist').length") == n_sl
        # the layer control lists every layer, with the counts
        labels = page.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map(e => e.textContent.trim())"
        )
        expected = [lbl for _, lbl, _ in layer_names(map_data(demo_result, "nl"), "nl")]
        assert labels == [e.replace("&amp;", "&") for e in expected]
        for part in ("Gemeentegrenzen", "Wijkgrenzen", "Longlist (score)", "Uitgesloten",
                     "Shortlist", "Verkaveling", "Voorziening: Treinstation",
                     "Beperking: Natuurgebied",
                     "Toewijzing per locatie", "Uitruil tussen gemeenten"):  # fmt: skip
            assert any(lbl.startswith(part) for lbl in labels), part
        assert page.locator(".leaflet-control-scale").count() == 1
        assert "Fictieve demodata" in page.inner_text(".leaflet-control-attribution")
        assert page.locator("#map-legend").is_visible()
        # a real click on a site opens its popup with the score table
        best = sites[~sites["excluded"]].sort_values("rank").iloc[0]
        c = best.geometry.representative_point()
        ll = gpd.GeoSeries([c], crs=sites.crs).to_crs(4326).iloc[0]
        page.evaluate(f"window.opvangMap.map.setView([{ll.y}, {ll.x}], 18, {{animate: false}})")
        page.wait_for_timeout(300)
        pt = page.evaluate(
            f"(() => {{ var p = window.opvangMap.map.latLngToContainerPoint([{ll.y}, {ll.x}]);"
            " var r = document.querySelector('.folium-map').getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; })()"
        )
        page.mouse.click(pt[0], pt[1])
        page.wait_for_selector(".leaflet-popup-content table.score-table", timeout=5_000)
        popup = page.inner_text(".leaflet-popup-content")
        assert best["name"] in popup and str(best["site_id"]) in popup
        rows = page.locator(".leaflet-popup-content table.score-table tbody tr").count()
        assert rows == len(demo_result.siting.criteria)
        # the cost column reads in euros and the zoning column as ja/nee (units: eur, yes_no)
        cells = page.locator(".leaflet-popup-content table.score-table tbody tr td")
        texts = [cells.nth(i).inner_text() for i in range(cells.count())]
        cost = texts[texts.index("Kosten bouwrijp maken") + 1]
        assert cost.replace("\u00a0", " ") == "EUR " + f"{best['cost_estimate_eur']:,.0f}".replace(
            ",", "."
        )
        zoning = texts[texts.index("Bestemmingswijziging nodig") + 1]
        assert zoning == ("ja" if best["zoning_change_needed"] else "nee")
        # a share reads as a percentage, as in the exclusion reasons (unit: share)
        noise = texts[texts.index("Deel in geluidscontour") + 1]
        assert noise == f"{round(100 * best['ind_geluid'])}%"
        page.screenshot(path=str(artifacts / "map_popup.png"))
        _clean(log)
        assert not log.served  # Leaflet is inlined: nothing comes from the CDN


def test_map_works_with_the_network_off(
    browser, council_dir: Path, demo_result, artifacts: Path
) -> None:
    """Every request refused: the map still draws every site and opens popups, says the
    background is missing, and its layer control starts collapsed."""
    sites = demo_result.siting.sites
    with browser.page(council_dir / "map.html", allow_cdn=False) as (page, log):
        _wait_map(page)
        assert page.evaluate("L.version") == "1.9.3"
        drawn = page.evaluate(
            "document.querySelectorAll('path.site-longlist, path.site-excluded').length"
        )
        assert drawn == len(sites)
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        # a real click on the best site opens its popup with the score table
        best = sites[~sites["excluded"]].sort_values("rank").iloc[0]
        c = best.geometry.representative_point()
        ll = gpd.GeoSeries([c], crs=sites.crs).to_crs(4326).iloc[0]
        page.evaluate(f"window.opvangMap.map.setView([{ll.y}, {ll.x}], 17, {{animate: false}})")
        page.wait_for_timeout(300)
        pt = page.evaluate(
            f"(() => {{ var p = window.opvangMap.map.latLngToContainerPoint([{ll.y}, {ll.x}]);"
            " var r = document.querySelector('.folium-map').getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; })()"
        )
        page.mouse.click(pt[0], pt[1])
        page.wait_for_selector(".leaflet-popup-content table.score-table", timeout=5_000)
        assert best["name"] in page.inner_text(".leaflet-popup-content")
        page.wait_for_selector("#no-tiles", state="visible", timeout=10_000)
        assert "geen internet" in page.inner_text("#no-tiles")
        page.screenshot(path=str(artifacts / "map_offline.png"))
        assert not log.console_errors or all("ERR_FAILED" in e for e in log.console_errors)
        assert not log.page_errors, log.page_errors
        # the only requests are background tiles, and the map works without them
        assert log.refused
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in log.refused)


def test_map_in_english(browser, english_dir: Path) -> None:
    with browser.page(english_dir / "map.html", allow_cdn=False) as (page, _log):
        _wait_map(page)
        labels = page.evaluate(
            "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map(e => e.textContent.trim())"
        )
        assert any(lbl.startswith("Amenity: Railway station") for lbl in labels), labels
        assert any(lbl.startswith("Municipal boundaries") for lbl in labels), labels


def test_allocation_popup_is_aggregated(browser, council_dir: Path) -> None:
    with browser.page(council_dir / "map.html") as (page, log):
        _wait_map(page)
        n = page.evaluate("document.querySelectorAll('path.allocation').length")
        assert n >= 1
        page.evaluate(
            "(() => { var g = window.opvangMap.groups.allocation;"
            " g.getLayers()[0].openPopup(); })()"
        )
        text = page.inner_text(".leaflet-popup-content")
        assert "Personen" in text and "Bezetting" in text
        _clean(log)


def test_report_in_the_browser_offline(browser, council_dir: Path, artifacts: Path) -> None:
    with browser.page(council_dir / "report.html", allow_cdn=False) as (page, log):
        assert (
            page.evaluate(
                "document.getElementById('static-map').complete &&"
                " document.getElementById('static-map').naturalWidth"
            )
            > 1000
        )
        assert page.locator("#summary-table tr").count() > 10
        page.screenshot(path=str(artifacts / "report.png"), full_page=False)
        _clean(log)
        assert not log.served


def test_no_injected_script_runs(browser, xss_world, artifacts: Path) -> None:
    out = xss_world["out"]
    with browser.page(out / "map.html") as (page, log):
        _wait_map(page)
        # open every site popup and tooltip: the payloads must show as text
        page.evaluate(
            "(() => { var G = window.opvangMap.groups; Object.keys(G).forEach(function (k) {"
            " G[k].eachLayer(function (l) { (l.eachLayer ? l.getLayers() : [l]).forEach("
            "function (f) { if (f.getPopup()) { f.openPopup(); } if (f.getTooltip()) {"
            " f.openTooltip(); } }); }); }); })()"
        )
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__xss") == "undefined"
        body = page.inner_text("body")
        assert 'onerror="window.__xss=1"' in body or "window.__xss" in body
        assert page.locator("img[src='x']").count() == 0
        page.screenshot(path=str(artifacts / "map_injection.png"))
        _clean(log)
    with browser.page(out / "report.html", allow_cdn=False) as (page, log):
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator("img[src='x']").count() == 0
        assert "window.__xss=2" in page.inner_text("body")
        _clean(log)


def test_services_layer_draws_every_provider(browser, council_dir: Path, demo_result) -> None:
    """One marker per provider (and per opened facility), with a text-only popup."""
    from opvang_opt.outputs.services import provider_layer

    expected = provider_layer(demo_result.services)
    with browser.page(council_dir / "map.html") as (page, log):
        _wait_map(page)
        n = page.evaluate("document.querySelectorAll('path.services').length")
        assert n == len(expected)
        _clean(log)

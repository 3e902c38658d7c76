"""raadsbijlage.pdf: rendered to images (pdftoppm) and read back as text (pdftotext); the
advice is there and its numbers equal the CSV results."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from PIL import Image

from tests.outputs.conftest import pdf_missing


def _nl(value: float, digits: int = 0) -> str:
    """Dutch notation by hand: 1234567.891 -> 1.234.567,89."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture(scope="module")
def memo(council_dir: Path, tmp_path_factory) -> dict:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but poppler-utils (pdftotext, pdftoppm) is not installed")
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    pdf = council_dir / "raadsbijlage.pdf"
    if not pdf.exists():
        info = json.loads((council_dir / "run.json").read_text(encoding="utf-8"))
        pdf_missing(info.get("outputs", {}).get("warnings"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    pages = text.split("\f")
    imgs = tmp_path_factory.mktemp("memo")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(imgs / "p")], check=True)
    return {"text": " ".join(text.split()), "pages": [" ".join(p.split()) for p in pages
                                                      if p.strip()],
            "images": sorted(imgs.glob("p-*.png"))}  # fmt: skip


@pytest.fixture(scope="module")
def memo_layout(memo: dict, council_dir: Path) -> list[str]:
    """The memo's pages as ``pdftotext -layout`` lays them out (table rows on one line)."""
    pdf = council_dir / "raadsbijlage.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return [" ".join(p.split(" ")) for p in text.split("\f") if p.strip()]


def test_memo_pages_render(memo: dict) -> None:
    assert len(memo["images"]) == len(memo["pages"]) >= 6
    for path in memo["images"]:
        im = Image.open(path).convert("L")
        lo, hi = im.getextrema()
        assert hi - lo > 100, f"{path.name} looks blank"
    for n, page in enumerate(memo["pages"], start=1):
        assert f"pagina {n} van {len(memo['pages'])}" in page


def test_advice_on_page_one_matches_the_results(memo: dict, council_dir: Path) -> None:
    first = memo["pages"][0]
    short = pd.read_csv(council_dir / "shortlist.csv")
    run = __import__("json").loads((council_dir / "run.json").read_text())
    assert "Wat stellen we voor?" in first
    assert f"op {len(short)} locaties" in first
    for name in short["name"]:
        assert name in first
    capacity = int(short["capacity_places"].sum())  # 268 + 336 = 604 in the demo
    assert f"Samen bieden deze locaties {_nl(capacity)} plekken" in first
    target = run["siting"]["target"]
    assert f"Het doel is {_nl(target)} plekken" in first
    cost = short["cost_estimate_eur"].sum() / 1e6
    assert f"EUR {_nl(cost, 2)} mln" in first
    assert "Inhoud" in first


def test_who_pays_whom_matches_side_payments(memo: dict, council_dir: Path) -> None:
    pay = pd.read_csv(council_dir / "side_payments.csv")
    flows = pd.read_csv(council_dir / "exchange_flows.csv")
    first = memo["pages"][0]
    receivers = pay[pay["payment"] < 0]
    assert len(receivers) == 1  # the demo: one receiver, so each payer pays it directly
    receiver = receivers["municipality"].iloc[0]
    for _, r in pay[pay["payment"] > 0].iterrows():
        places = int(flows.loc[flows["from_name"] == r["municipality"], "places"].sum())
        sentence = (f"{r['municipality']} betaalt EUR {_nl(r['payment'] / 1e6, 2)} mln aan "
                    f"{receiver} voor {places} plekken.")  # fmt: skip
        assert sentence in first, sentence
    assert "Diemen betaalt EUR 2,04 mln aan Ouder-Amstel voor 66 plekken." in first


def test_a_page_per_site_with_its_numbers(memo: dict, council_dir: Path) -> None:
    short = pd.read_csv(council_dir / "shortlist.csv")
    for k, (_, row) in enumerate(short.sort_values("rank").iterrows(), start=1):
        page = next(p for p in memo["pages"] if f"Locatie {k}: {row['name']} Locatie-id" in p)
        assert (
            f"{_nl(row['capacity_units'])} woningen, {_nl(row['capacity_places'])} plekken" in page
        )
        assert f"score {_nl(row['score'], 1)} van 100" in page
        assert "Score per criterium" in memo["text"]


def test_no_paths_and_the_sections(memo: dict) -> None:
    text = memo["text"]
    assert not re.search(r"(/tmp/|/home/|/work/|[A-Z]:\\\\)", text)
    for part in ("Kaart van de regio", "Hoe zeker is de keuze?", "Regionale uitruil",
                 "Methode en aannames", "Bronnen en licenties", "+ = betaalt"):  # fmt: skip
        assert part in text, part


def test_memo_html_has_the_same_advice(memo: dict, council_dir: Path) -> None:
    html = (council_dir / "raadsbijlage.html").read_text(encoding="utf-8")
    assert "Diemen betaalt EUR 2,04 mln aan Ouder-Amstel voor 66 plekken." in html
    assert "http://" not in html and "https://" not in html  # self-contained


MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")  # fmt: skip


def _site_pages(memo: dict, short: pd.DataFrame) -> list[tuple[pd.Series, str]]:
    out = []
    for k, (_, row) in enumerate(short.sort_values("rank").iterrows(), start=1):
        page = next(p for p in memo["pages"] if f"Locatie {k}: {row['name']} Locatie-id" in p)
        out.append((row, page))
    return out


def test_when_and_risks_follow_the_shortlist(memo: dict, council_dir: Path) -> None:
    sites = pyogrio.read_dataframe(council_dir / "longlist_scored.gpkg",
                                   layer="longlist_scored", read_geometry=False)  # fmt: skip
    short = sites[sites["shortlisted"].astype(bool)]
    assert len(short) == len(pd.read_csv(council_dir / "shortlist.csv"))
    first = memo["pages"][0]
    last = pd.Timestamp(short["available_from"].max())  # the demo: 2028-05-08
    when = f"De laatste locatie is beschikbaar vanaf {last.day} {MONTHS_NL[last.month - 1]} "
    assert when + str(last.year) in first
    for _, row in short.iterrows():
        risk = f"{row['name']} heeft een bestemmingswijziging nodig."
        assert (risk in first) == bool(row["zoning_change_needed"]), row["name"]
    assert "Dit is een voorbeeld met verzonnen gegevens." in first  # the demo is fictitious


def test_site_pages_hold_place_cost_id_and_points_that_add_up(
    memo: dict, council_dir: Path, memo_layout: list[str]
) -> None:
    short = pd.read_csv(council_dir / "shortlist.csv")
    for row, page in _site_pages(memo, short):
        assert f"Locatie-id {row['site_id']}" in page
        assert f"Kosten (raming) EUR {_nl(row['cost_estimate_eur'] / 1e6, 2)} mln" in page
        assert f"Gemeente {row['municipality']}" in page
        # the score table: the points (100 x weight x value) add up to the site's score
        layout = next(p for p in memo_layout if f"Locatie-id {row['site_id']}" in p)
        table = layout.split("Punten", 1)[1].split("Sterk:", 1)[0]
        points = [float(m.replace(",", ".")) for m in
                  re.findall(r"\s(\d+,\d)\s*$", table, flags=re.MULTILINE)]  # fmt: skip
        assert len(points) >= 5  # the demo's ten criteria (labels may wrap)
        assert abs(sum(points) - row["score"]) <= 0.05 * len(points) + 0.05


def test_attribute_criteria_read_in_euros_and_yes_or_no(
    memo: dict, council_dir: Path, memo_layout: list[str]
) -> None:
    # the demo declares its cost column `unit: eur` and its zoning column `unit: yes_no`:
    # the score table shows "EUR 2.259.000" and "ja"/"nee", not a bare 2259000 or 0/1
    short = pd.read_csv(council_dir / "shortlist.csv")
    longlist = pyogrio.read_dataframe(council_dir / "longlist_scored.gpkg",
                                      layer="longlist_scored", read_geometry=False)  # fmt: skip
    zoning_of = dict(zip(longlist["site_id"], longlist["zoning_change_needed"], strict=True))
    for row, _ in _site_pages(memo, short):
        layout = next(p for p in memo_layout if f"Locatie-id {row['site_id']}" in p)
        table = layout.split("Punten", 1)[1].split("Sterk:", 1)[0]
        cost = re.search(r"Kosten bouwrijp maken\s+(\S+ \S+)", table)
        assert cost is not None and cost.group(1) == f"EUR {_nl(row['cost_estimate_eur'])}"
        zoning = re.search(r"Bestemmingswijziging nodig\s+(\S+)", table)
        assert zoning is not None
        assert zoning.group(1) == ("ja" if zoning_of[row["site_id"]] else "nee")


def test_share_criteria_read_as_percentages(
    memo: dict, council_dir: Path, memo_layout: list[str]
) -> None:
    # the noise criterion measures the share of the plot inside the contour: "0%", as the
    # exclusion reasons write it, not "0,00 (aandeel)"
    short = pd.read_csv(council_dir / "shortlist.csv")
    longlist = pyogrio.read_dataframe(council_dir / "longlist_scored.gpkg",
                                      layer="longlist_scored", read_geometry=False)  # fmt: skip
    share_of = dict(zip(longlist["site_id"], longlist["ind_geluid"], strict=True))
    for row, _ in _site_pages(memo, short):
        layout = next(p for p in memo_layout if f"Locatie-id {row['site_id']}" in p)
        table = layout.split("Punten", 1)[1].split("Sterk:", 1)[0]
        noise = re.search(r"Deel in geluidscontour\s+(\S+)", table)
        assert noise is not None
        assert noise.group(1) == f"{round(100 * share_of[row['site_id']])}%"
        assert "(aandeel)" not in table


def test_exchange_page_table_equals_side_payments(memo: dict, council_dir: Path) -> None:
    pay = pd.read_csv(council_dir / "side_payments.csv")
    page = next(p for p in memo["pages"] if p.startswith("Raadsbijlage")
                and "Regionale uitruil en verevening Gemeenten" in p)  # fmt: skip
    for _, r in pay.iterrows():
        role = "betaalt" if r["payment"] > 0 else "ontvangt"
        cells = (f"{_nl(r['cost_no_exchange'])} {_nl(r['cost_exchange'])} "
                 f"{_nl(r['payment'])} {role} {_nl(r['cost_after_payment'])}")  # fmt: skip
        # the name leads its row (a long name wraps after its hyphen: "Ouder- ... Amstel")
        head = r["municipality"].split("-")[0]
        assert re.search(re.escape(head) + r"-? " + re.escape(cells), page), (head, cells)
    # every payer's sentence on the exchange page too (same as page one)
    for sentence in re.findall(r"\S+ betaalt EUR [\d,.]+ mln aan \S+ voor \d+ plekken\.",
                               memo["pages"][0]):  # fmt: skip
        assert sentence in page


def test_maps_are_drawn_on_their_pages(memo: dict, council_dir: Path, tmp_path: Path) -> None:
    """Each site page and the regional map page embed a map image (pdfimages), and each
    image shows coloured features (the plot, its units, services; the score classes)."""
    if shutil.which("pdfimages") is None:
        pytest.skip("poppler-utils (pdfimages) is not installed")
    pdf = council_dir / "raadsbijlage.pdf"
    subprocess.run(["pdfimages", "-png", "-p", str(pdf), str(tmp_path / "i")], check=True)
    by_page: dict[int, list[Path]] = {}
    for path in sorted(tmp_path.glob("i-*.png")):
        by_page.setdefault(int(path.name.split("-")[1]), []).append(path)
    want = [
        n for n, text in enumerate(memo["pages"], start=1)
        if "Locatie-id" in text or ("Kaart van de regio" in text and "Inhoud" not in text)
    ]  # fmt: skip
    assert len(want) >= 3  # two site pages and the regional map in the demo
    for n in want:
        images = [np.asarray(Image.open(p).convert("RGB")).astype(int) for p in by_page[n]]
        maps = [px for px in images if px.shape[1] >= 800]  # soft masks are grey: no colour
        assert maps, f"page {n} has no map image"
        colourful = max(float(((px.max(axis=2) - px.min(axis=2)) > 60).mean()) for px in maps)
        assert colourful > 0.005, f"page {n}: the map shows no coloured feature"


def test_english_memo_is_complete(english_dir: Path) -> None:
    """``--lang en``: the same memo in English (the catalogue's ``memo.*`` texts)."""
    html = (english_dir / "raadsbijlage.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"base64,[A-Za-z0-9+/=]+", "", html)).split())
    short = pd.read_csv(english_dir / "shortlist.csv")
    run = json.loads((english_dir / "run.json").read_text(encoding="utf-8"))
    capacity = f"{int(short['capacity_places'].sum()):,}"
    for part in (
        '<html lang="en">',
        f"We propose to build modular temporary homes on {len(short)} sites:",
        f"Together these sites offer {capacity} places.",
        f"The target is {run['siting']['target']:,} places.",
        "Diemen pays EUR 2.04 M to Ouder-Amstel for 66 places.",
        "What are the risks?",
        "Contents",
        "Score per criterion",
        "How certain is the choice?",
        "Regional exchange and side payments",
        "+ = pays, - = receives",
        "Method and assumptions",
        "The choices that matter",
        "Sources and licences",
    ):
        assert part in (html if part.startswith("<") else text), part
    # (criterion labels and site names are input text: Dutch in the demo, and left alone)
    for dutch in ("Wat stellen we voor", "betaalt", " plekken", "Locatie-id", "Gemeente ",
                  "Bronnen", "pagina", "Inhoud"):  # fmt: skip
        assert dutch not in text, dutch
    pdf = english_dir / "raadsbijlage.pdf"
    if not pdf.exists():
        pdf_missing(run["outputs"]["warnings"])
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")  # fmt: skip
    pages = [p for p in pages if p.strip()]
    assert f"page 1 of {len(pages)}" in " ".join(pages[0].split())


def test_services_page_cost_equals_the_expansion_plan(memo: dict, council_dir: Path) -> None:
    """The Voorzieningen pages (spoor 1) state the expansion cost of
    services_expansions.csv (summed here, in cents), list the periods with a bottleneck of
    services_bottlenecks.csv, and carry Dutch headers; the contents list the section."""
    exp = pd.read_csv(council_dir / "services_expansions.csv")
    start = next(i for i, p in enumerate(memo["pages"]) if i > 0 and "Voorzieningen" in p)
    pages = " ".join(memo["pages"][start:])
    total_cents = int((exp["cost_eur"] * 100).round().sum()) if len(exp) else 0
    assert f"Kosten uitbreiding: EUR {_nl(total_cents / 100)}" in pages
    assert "Uitbreidingsplan" in pages and "Knelpunten per periode en gebied" in pages
    assert "extra_group" not in pages and "short_now" not in pages
    bott = pd.read_csv(council_dir / "services_bottlenecks.csv", dtype=str)
    # every period with a bottleneck is on a row of its own or inside a range "A t/m B"
    periods = list(bott["period"].drop_duplicates())  # the CSV lists them in order
    covered = set(re.findall(r"(?<!t/m )(\d{4}-H[12])(?! t/m)", pages))
    for first, last in re.findall(r"(\d{4}-H[12]) t/m (\d{4}-H[12])", pages):
        covered |= set(periods[periods.index(first) : periods.index(last) + 1])
    for period in bott.loc[bott["short_now"] != "0", "period"].unique():
        assert str(period) in covered
    assert "Voorzieningen" in memo["pages"][0]
    # areas by the municipality's name, not the CBS code (demo: services in Diemen, GM0384)
    assert "GM0384" not in pages and "Diemen" in pages


def test_services_tables_merge_runs_of_equal_periods(
    memo: dict, council_dir: Path, memo_layout: list[str]
) -> None:
    """Twenty identical half-year rows would fill pages: the memo shows one row per run of
    consecutive periods with the same values (counted here from the CSV), the expansion
    cost of a run is its periods' total, and a note explains <5 and x."""
    bott = pd.read_csv(council_dir / "services_bottlenecks.csv", dtype=str)
    bott = bott[bott["short_now"] != "0"]
    order = {p: i for i, p in enumerate(bott["period"].drop_duplicates())}
    runs, last = 0, {}
    for rec in bott.to_dict("records"):
        key = tuple(v for k, v in rec.items() if k != "period")
        runs += last.get(key) != order[rec["period"]] - 1
        last[key] = order[rec["period"]]
    start = next(i for i, p in enumerate(memo_layout) if i > 0 and "Knelpunten per" in p)
    table = "".join(memo_layout[start:]).split("Knelpunten per periode en gebied", 1)[1]
    table = table.split("Uitbreidingsplan", 1)[0]
    rows = re.findall(r"^\s*\d{4}-H[12]", table, flags=re.MULTILINE)
    assert len(rows) == runs < len(bott)
    # each run's cost is the sum of its periods' costs: the demo's extra groups cost
    # 67.500 per half year, so a run of n periods shows n x 67.500
    exp = pd.read_csv(council_dir / "services_expansions.csv")
    plan = "".join(memo_layout[start:]).split("Uitbreidingsplan", 1)[1]
    for (_, _), g in exp[exp["kind"] == "extra_group"].groupby(["provider_id", "groups_added"]):
        first, last_p = g["period"].iloc[0], g["period"].iloc[-1]
        if len(g) == order[last_p] - order[first] + 1 and g["cost_eur"].nunique() == 1:
            total = _nl(float(g["cost_eur"].sum()))
            assert re.search(rf"{first} t/m {last_p}\s+extra groep.*{re.escape(total)}", plan)
    page = " ".join(memo["pages"][start:])
    assert "een x verbergt een aantal waaruit een <5 terug te rekenen is" in page
    assert "(onhaalbaar)" not in page and "dekt niet elk tekort" in page

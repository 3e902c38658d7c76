"""raadsbijlage.pdf: rendered to images (pdftoppm) and read back as text (pdftotext); the
advice is there and its numbers equal the CSV results."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image


def _nl(value: float, digits: int = 0) -> str:
    """Dutch notation by hand: 1234567.891 -> 1.234.567,89."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@pytest.fixture(scope="module")
def memo(council_dir: Path, tmp_path_factory) -> dict:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) is not installed")
    pdf = council_dir / "raadsbijlage.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    pages = text.split("\f")
    imgs = tmp_path_factory.mktemp("memo")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(imgs / "p")], check=True)
    return {"text": " ".join(text.split()), "pages": [" ".join(p.split()) for p in pages
                                                      if p.strip()],
            "images": sorted(imgs.glob("p-*.png"))}  # fmt: skip


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

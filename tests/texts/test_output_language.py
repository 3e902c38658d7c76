"""``--lang en`` writes no Dutch text from the catalogue into any output, and the default
Dutch run writes none of the catalogue's English sentences.

The demo is run through the CLI in both languages (analyst profile: every file, household
tables included). Every written text is scanned: HTML, CSV and JSON as text, the workbook's
cell values via openpyxl, the GeoPackage's text attributes, and the PDF map's text (via
``pdftotext`` when poppler is installed). Input text (site names, labels from the scenario,
CSV contents) is exempt: words that occur in the demo's own input files are not counted.
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from opvang_opt.cli import app
from opvang_opt.texts import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo.yaml"
DATA = ROOT / "data" / "demo"
ENGLISH_TOO = {"let"}
"""Dutch words of the catalogue that are English (or code) words as well."""
WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def _literal(template: str) -> str:
    """A catalogue text without its fields."""
    return " ".join(lit for lit, *_ in string.Formatter().parse(template))


def _layer_texts(path: Path) -> list[str]:
    out = []
    for name, _ in pyogrio.list_layers(path):
        df = pyogrio.read_dataframe(path, layer=name, read_geometry=False)
        for col in df.columns:
            out.append(str(col))
            if not pd.api.types.is_numeric_dtype(df[col]):
                out += [str(v) for v in df[col].dropna()]
    return out


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def _input_words() -> set[str]:
    """Every word of the demo's inputs: the values (not the comments) of the scenario YAML
    files, the tables, and the layers' attributes."""
    yamls = [*(ROOT / "scenarios").rglob("*.yaml"), *(ROOT / "src").rglob("*.yaml")]
    texts = [s for p in yamls for s in _strings(yaml.safe_load(p.read_text(encoding="utf-8")))]
    texts += [p.read_text(encoding="utf-8") for p in DATA.glob("*.csv")]
    for p in DATA.glob("*.gpkg"):
        texts += _layer_texts(p)
    return set().union(*map(_words, texts))


def _output_texts(folder: Path) -> dict[str, str]:
    """Every text the run wrote, by file."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.suffix in (".html", ".csv", ".json"):
            # embedded images are no text
            out[rel] = re.sub(r"base64,[A-Za-z0-9+/=]+", "", p.read_text(encoding="utf-8"))
        elif p.suffix == ".xlsx":
            wb = load_workbook(p, read_only=True)
            cells = [wb.sheetnames]
            for ws in wb.worksheets:
                cells += [
                    [c for c in row if c is not None] for row in ws.iter_rows(values_only=True)
                ]
            out[rel] = "\n".join(" ".join(map(str, row)) for row in cells)
        elif p.suffix == ".gpkg":
            out[rel] = "\n".join(_layer_texts(p))
        elif p.suffix == ".pdf" and shutil.which("pdftotext"):
            run = subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True)
            out[rel] = run.stdout
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    folders = {}
    runner = CliRunner()
    for lang in ("en", "nl"):
        out = tmp_path_factory.mktemp(f"lang-{lang}") / "out"
        args = ["run", str(DEMO), "--out", str(out), "--profile", "analyst", "--lang", lang]
        res = runner.invoke(app, args)
        assert res.exit_code in (0, 3), res.output
        folders[lang] = out
    return folders


def test_english_run_writes_no_dutch_word_of_the_catalogue(runs) -> None:
    english = set().union(*(_words(_literal(v["en"])) for v in CATALOGUE.values()))
    dutch = set().union(*(_words(_literal(v["nl"])) for v in CATALOGUE.values()))
    # Dutch words of the catalogue that are no English word of it and not in the inputs
    # ("let" of "Let op" is also a JavaScript keyword in map.html)
    only_dutch = dutch - english - _input_words() - ENGLISH_TOO
    assert {"gekozen", "uitgesloten", "woningen", "huishoudens", "tekort"} <= only_dutch
    texts = _output_texts(runs["en"])
    assert {"report.html", "map.html", "results.xlsx", "run.json", "shortlist.csv"} <= set(texts)
    found = {name: sorted(_words(text) & only_dutch) for name, text in texts.items()}
    assert not {k: v for k, v in found.items() if v}


def test_dutch_run_writes_no_english_sentence_of_the_catalogue(runs) -> None:
    # literal parts of the English texts (three words or more) that the Dutch text lacks
    fragments = set()
    for v in CATALOGUE.values():
        nl = v["nl"].lower()
        for lit, *_ in string.Formatter().parse(v["en"]):
            lit = lit.strip(" .,;:()'").lower()
            if len(lit.split()) >= 3 and lit not in nl:
                fragments.add(lit)
    texts = {k: v.lower() for k, v in _output_texts(runs["nl"]).items()}
    found = {name: sorted(f for f in fragments if f in text) for name, text in texts.items()}
    assert not {k: v for k, v in found.items() if v}


def test_english_run_names_its_reasons_in_english(runs) -> None:
    # hand-picked: the demo excludes sites and the exclusions table says why, in English
    text = (runs["en"] / "exclusions.csv").read_text(encoding="utf-8")
    assert re.search(r"overlaps '|intersects '|is [\d,.]+ m from '|available from", text)
    report = (runs["en"] / "report.html").read_text(encoding="utf-8")
    assert "Excluded sites" in report and "Uitgesloten" not in report

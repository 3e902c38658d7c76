"""Council outputs, tenth audit: the reader's language, dates, exchange payments by hand,
input text in HTML and spreadsheets, and what a suppressed table gives back.

Expected values have a reason outside the code under test: Dutch month names and the
run's own start time, the longlist's dates, a three-municipality exchange worked by hand
(Shapley values of a game small enough to enumerate), and the demo's exact services
tables (analyst profile) against what the council table lets a reader work out.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from opvang_opt.io import load
from opvang_opt.outputs import write_results
from opvang_opt.outputs.content import payment_sentences
from opvang_opt.outputs.privacy import SECONDARY, SMALL
from opvang_opt.outputs.report import report_context
from opvang_opt.outputs.runinfo import run_info
from opvang_opt.outputs.services import suppress
from opvang_opt.pipeline import STAGES, run
from tests.conftest import tiny, write_yaml

MONTHS_NL = ("januari februari maart april mei juni juli augustus september oktober "
             "november december").split()  # fmt: skip
MONTHS_EN = ("January February March April May June July August September October "
             "November December").split()  # fmt: skip
STATUS_CODES = re.compile(r"\b(optimal|feasible|infeasible|no_solution|target_not_met)\b")
"""The solve status codes: words a Dutch reader must never see."""


def _nl_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def _text(html: str) -> str:
    """The visible text of an HTML page: scripts and styles dropped, tags removed."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ------------------------------------------------------------------------ language


def test_dutch_report_names_stages_and_statuses_in_dutch(demo_result) -> None:
    ctx = report_context(demo_result, "nl", "council", {})
    names = [row[0] for row in ctx["stages"]]
    # the stage column held the codes (inputs, siting, planning, ...) in a Dutch report
    assert not set(names) & set(STAGES), names
    for name, _status, _secs, message in ctx["stages"]:
        # "optimal (gap 0,00%), kosten EUR ..." in a Dutch report: the status code
        assert not STATUS_CODES.search(message), (name, message)
    planning = demo_result.planning
    messages = dict((r[0], r[3]) for r in ctx["stages"])
    if planning is not None and planning.plan is not None:
        assert messages["Planning in de tijd"].startswith(
            {"optimal": "optimaal", "feasible": "haalbaar, niet bewezen optimaal"}[
                planning.status.value
            ]
        )
    # the English report keeps the English words
    en = report_context(demo_result, "en", "council", {})
    assert "Planning over time" in [r[0] for r in en["stages"]]
    assert not any("optimaal" in r[3] for r in en["stages"])


def test_run_json_stage_messages_in_the_run_language(demo_result) -> None:
    for lang, bad in (("nl", STATUS_CODES), ("en", re.compile(r"\b(optimaal|onhaalbaar)\b"))):
        info = run_info(demo_result, [], lang=lang)
        for stage in info["stages"]:
            assert not bad.search(stage["message"]), (lang, stage)


def test_report_names_the_profile_and_the_rule_in_words(council_dir: Path) -> None:
    text = _text((council_dir / "report.html").read_text(encoding="utf-8"))
    assert "profiel: raad" in text and "profiel: council" not in text
    # the shortlist rule by its words, not "(optimise, people)"
    assert "(optimise" not in text and "rekenmodel (optimalisatie)" in text
    # the overshoot note is a sentence of its own after the mean score ("83,6. overschot")
    assert not re.search(r"score van [\d.,]+\. [a-z]", text), re.findall(r"score van .{40}", text)


# ------------------------------------------------------------------------ dates


def test_run_date_is_a_dutch_date_in_every_dutch_council_document(
    council_dir: Path, demo_result
) -> None:
    started = dt.datetime.fromisoformat(demo_result.started_at)
    dutch, iso = _nl_date(started.date()), started.date().isoformat()
    for name in ("raadsbijlage.html", "report.html", "map.html"):
        text = _text((council_dir / name).read_text(encoding="utf-8"))
        assert dutch in text, name
        assert iso not in text, (name, re.findall(rf".{{30}}{iso}.{{10}}", text))
    wb = openpyxl.load_workbook(council_dir / "results.xlsx", read_only=True)
    values = [c for row in wb.worksheets[0].iter_rows(values_only=True) for c in row]
    assert dutch in values and not any(isinstance(v, str) and iso in v for v in values)


def test_exclusion_reasons_write_dates_as_dutch_dates(council_dir: Path, demo_result) -> None:
    longlist = gpd.read_file(Path("data/demo/longlist.gpkg"), layer="longlist")
    by = demo_result.scenario.siting  # the rule's date, from the scenario: 30 juni 2028
    rule = next(r for r in by.exclusions if r.kind == "available_by")
    exclusions = pd.read_csv(council_dir / "exclusions.csv", dtype=str)
    late = exclusions[exclusions["rule"] == rule.name]
    assert len(late) >= 1
    for row in late.itertuples():
        raw = longlist.loc[longlist["site_id"] == row.site_id, "available_from"].iloc[0]
        available = pd.Timestamp(raw).date()
        days = (available - rule.date).days
        expected = (f"beschikbaar vanaf {_nl_date(available)}, na {_nl_date(rule.date)} "
                    f"({days} dagen te laat)")  # fmt: skip
        assert expected in " ".join(str(v) for v in row), (row.site_id, row)


# ------------------------------------------------------------------------ exchange by hand

PAYER = '=HYPERLINK("http://example.invalid","klik")'
RECEIVER = "<script>window.__xss=1</script>"
LABEL = '"><img src=x onerror="window.__xss=2">'


@pytest.fixture(scope="module")
def one_pays_two(tmp_path_factory) -> dict[str, Any]:
    """Three municipalities, one group: GM0384 has a task of 20 at EUR 100 per place, the
    other two a task of 10 each and room for 20 at EUR 50. Worked by hand: without exchange
    2,000 + 500 + 500 = 3,000; with it GM0384 hands 10 to each (40 x 50 = 2,000), saving
    1,000. Coalition savings: {1,2} = {1,3} = 500 (10 places moved at 50 less), {2,3} = 0,
    all = 1,000. Shapley: GM0384 (0 + 0 + 500 + 1000 + 500 + 1000) / 6 = 500, the others
    250 each. So GM0384 pays 2,000 - 500 - 0 = 1,500, 750 to each receiver; each receiver
    ends at 1,000 - 750 = 250 = 500 - 250. Names are an injection payload each."""
    root = tmp_path_factory.mktemp("one_pays_two")
    world = tiny.__wrapped__(root)  # type: ignore[attr-defined]
    exchange = {
        "municipalities": [
            {"code": "GM0384", "name": PAYER, "population": 10000},
            {"code": "GM0437", "name": RECEIVER, "population": 10000},
            {"code": "GM0451", "name": "Uithoorn", "population": 10000},
        ],
        "groups": [{"name": "g", "label": LABEL}],
        "tasks": {"GM0384": {"g": 20}, "GM0437": {"g": 10}, "GM0451": {"g": 10}},
        "housing_types": [{"name": "t", "label": "+cmd|' /C calc'!A0", "groups": ["g"]}],
        "capacity": [
            {"municipality": "GM0384", "type": "t", "places": 20, "cost_per_place": 100},
            {"municipality": "GM0437", "type": "t", "places": 20, "cost_per_place": 50},
            {"municipality": "GM0451", "type": "t", "places": 20, "cost_per_place": 50},
        ],
        "bounds": {"default": {"min_keep_share": 0.0}},
    }
    path = write_yaml(root / "ex.yaml", dict(world["raw"], exchange=exchange))
    result = run(*load(path), scenario_dir=str(root))
    return {"result": result, "out": write_results(result, root / "out")}


def test_one_payer_two_receivers_by_hand(one_pays_two) -> None:
    out = one_pays_two["out"]
    with (out / "side_payments.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["municipality_code"]: r for r in csv.DictReader(f)}
    cents = {k: int(r["payment_cents"]) for k, r in rows.items()}
    assert cents == {"GM0384": 150_000, "GM0437": -75_000, "GM0451": -75_000}
    assert sum(cents.values()) == 0  # what is paid is received
    for code, before, after in (("GM0384", 2000, 1500), ("GM0437", 500, 250),
                                ("GM0451", 500, 250)):  # fmt: skip
        r = rows[code]
        assert float(r["cost_no_exchange"]) == before
        assert float(r["cost_after_payment"]) == after  # nobody worse off
    nl = payment_sentences(one_pays_two["result"], "nl")
    assert sorted(nl) == sorted([
        f"{PAYER} betaalt EUR 750 aan {RECEIVER} voor 10 plekken.",
        f"{PAYER} betaalt EUR 750 aan Uithoorn voor 10 plekken.",
    ])  # fmt: skip
    en = payment_sentences(one_pays_two["result"], "en")
    assert f"{PAYER} pays EUR 750 to Uithoorn for 10 places." in en


def test_exchange_names_are_text_in_html_and_workbook(one_pays_two) -> None:
    out = one_pays_two["out"]
    for name in ("raadsbijlage.html", "report.html", "map.html"):
        html = (out / name).read_text(encoding="utf-8")
        assert RECEIVER not in html and "<img src=x" not in html, name
    memo = _text((out / "raadsbijlage.html").read_text(encoding="utf-8"))
    assert "betaalt EUR 750 aan" in memo
    wb = openpyxl.load_workbook(out / "results.xlsx")
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


# ------------------------------------------------------------------------ suppression


def _places_given_back(shown: pd.DataFrame, short: str, places: str) -> dict[tuple, int]:
    """Per (area, type): the places in reach a reader works out from a row that shows both
    the demand and a positive shortfall (short = demand - places when places fall short)."""
    out: dict[tuple, int] = {}
    for r in shown.itertuples():
        d, s = str(r.demand), str(getattr(r, short))
        if d.isdigit() and s.isdigit() and int(s) > 0:
            out[(r.area, r.type)] = int(d) - int(s)
    return out


@pytest.mark.xfail(
    strict=True,
    reason="known: the places in reach hidden as x in every period of an area and type are "
    "given back by another period's demand - shortfall (taalklas 2026: 68 - 52 = 16, so "
    "2027: 17 - 16 = 1); a fix needs suppression across the bottleneck and per-site tables",
)
def test_no_period_gives_back_the_places_that_hide_a_small_shortfall(demo_result) -> None:
    exact = demo_result.services.tables()["services_bottlenecks.csv"]
    shown = suppress(exact, "council")
    for short, places in (("short_now", "places_in_reach_now"),
                          ("short_after", "places_in_reach_after")):  # fmt: skip
        given = _places_given_back(shown, short, places)
        for i, r in enumerate(shown.itertuples()):
            if getattr(r, short) != SMALL or (r.area, r.type) not in given:
                continue
            assert getattr(r, places) == SECONDARY
            guess = int(exact["demand"].iloc[i]) - given[(r.area, r.type)]
            # the guess must not be the true suppressed count
            assert guess != int(exact[short].iloc[i]), (r.period, r.area, r.type, short)

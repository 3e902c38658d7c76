"""One sign convention for side payments: the CSV, the workbook, the report and the memo
name the same payer."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from opvang_opt.exchange.settlement import PAYMENT_SIGN, role, settle

PAYS = r"([A-Z][\w-]*(?: [A-Z][\w-]*)?) betaalt EUR [\d,.]+ (?:mln )?aan ([A-Z][\w-]*)"
"""A payment sentence: payer (one or two capitalised words) and receiver."""


def _visible(html_text: str) -> str:
    """The text of an HTML page without its embedded images (data URIs)."""
    return html.unescape(re.sub(r"data:[^\"')]+", "", html_text))


def _payers(csv: pd.DataFrame) -> dict[str, str]:
    """Payer or receiver per municipality, from the accounting identity, not the sign.

    After the payment a municipality's cost is ``cost_after_payment``; when that is more
    than its cost in the exchange, it paid the difference."""
    out = {}
    for _, row in csv.iterrows():
        extra = row["cost_after_payment"] - row["cost_exchange"]
        out[row["municipality"]] = "pays" if extra > 0.5 else "receives" if extra < -0.5 else "-"
    return out


def test_side_payments_csv_sign_is_pays(council_dir: Path) -> None:
    csv = pd.read_csv(council_dir / "side_payments.csv")
    payers = _payers(csv)
    # the demo has payers and receivers, so the test can fail
    assert set(payers.values()) == {"pays", "receives"}
    for _, row in csv.iterrows():
        assert role(row["payment"]) == payers[row["municipality"]]


def test_workbook_names_the_same_payer(council_dir: Path) -> None:
    payers = _payers(pd.read_csv(council_dir / "side_payments.csv"))
    ws = load_workbook(council_dir / "results.xlsx", read_only=True)["Verevening"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    pay_col = next(i for i, h in enumerate(head) if str(h).startswith("Verevening (EUR"))
    assert PAYMENT_SIGN["nl"] in head[pay_col]
    assert "ontvangt)" not in head[pay_col].replace(PAYMENT_SIGN["nl"], "")
    role_col = head.index("Betaalt of ontvangt")
    name_col = head.index("Gemeente")
    words = {"pays": "betaalt", "receives": "ontvangt"}
    for row in rows[1:]:
        who = payers[row[name_col]]
        assert (row[pay_col] > 0) == (who == "pays")
        assert row[role_col] == words[who]


def test_report_names_the_same_payer(council_dir: Path) -> None:
    payers = _payers(pd.read_csv(council_dir / "side_payments.csv"))
    text = _visible((council_dir / "report.html").read_text(encoding="utf-8"))
    assert "+ = ontvangt" not in text
    assert PAYMENT_SIGN["nl"] in text
    sentences = re.findall(PAYS, text)
    assert sentences
    for payer, receiver in sentences:
        assert payers[payer] == "pays", payer
        assert payers[receiver] == "receives", receiver


def test_english_header_says_pays(english_dir: Path) -> None:
    ws = load_workbook(english_dir / "results.xlsx", read_only=True)["Side payments"]
    head = next(ws.iter_rows(values_only=True))
    assert any("+ = pays" in str(h) for h in head)


def test_settle_hand_worked() -> None:
    p = pd.DataFrame(
        {
            "municipality_code": ["D", "O", "U"],
            "municipality": ["Diemen", "Ouder-Amstel", "Uithoorn"],
            "payment": [2038050.0, -3364525.0, 1326475.0],
        }
    )
    flows = pd.DataFrame(
        {"from_code": ["U", "D", "U", "D", "D"], "to_code": ["O"] * 5,
         "places": [37.0, 25.0, 11.0, 10.0, 31.0]}
    )  # fmt: skip
    got = [(t.payer, t.receiver, t.amount_cents, t.places) for t in settle(p, flows)]
    assert got == [
        ("Diemen", "Ouder-Amstel", 203805000, 66),
        ("Uithoorn", "Ouder-Amstel", 132647500, 48),
    ]


def test_settle_prefers_the_receiver_that_took_the_places() -> None:
    p = pd.DataFrame(
        {"municipality_code": ["A", "B", "C"], "municipality": ["A", "B", "C"],
         "payment": [100.0, -60.0, -40.0]}
    )  # fmt: skip
    flows = pd.DataFrame({"from_code": ["A"], "to_code": ["C"], "places": [5.0]})
    got = [(t.receiver, t.amount_cents, t.places) for t in settle(p, flows)]
    assert got == [("C", 4000, 5), ("B", 6000, 0)]


@given(st.lists(st.integers(-(10**8), 10**8), min_size=1, max_size=7))
def test_settle_pays_every_net_amount(amounts: list[int]) -> None:
    cents = [*amounts, -sum(amounts)]  # payments sum to zero
    codes = [f"M{i}" for i in range(len(cents))]
    p = pd.DataFrame({"municipality_code": codes, "municipality": codes,
                      "payment": [c / 100 for c in cents]})  # fmt: skip
    net = dict.fromkeys(codes, 0)
    for t in settle(p):
        assert t.amount_cents > 0
        assert role(cents[codes.index(t.payer_code)] / 100) == "pays"
        net[t.payer_code] += t.amount_cents
        net[t.receiver_code] -= t.amount_cents
    assert net == dict(zip(codes, cents, strict=True))


def test_memo_names_the_same_payer(council_dir: Path) -> None:
    payers = _payers(pd.read_csv(council_dir / "side_payments.csv"))
    text = _visible((council_dir / "raadsbijlage.html").read_text(encoding="utf-8"))
    assert PAYMENT_SIGN["nl"] in text
    sentences = re.findall(PAYS, text)
    assert sentences
    for payer, receiver in sentences:
        assert payers[payer] == "pays", payer
        assert payers[receiver] == "receives", receiver

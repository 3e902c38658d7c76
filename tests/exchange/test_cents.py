"""Exchange money in whole cents, end to end (issue 11).

The rule (``exchange.settlement``): each municipality's cost with and without the exchange
is a whole number of cents; the region's saving in cents is split in proportion to the
Shapley savings by largest remainder; payment = cost alone - saving - cost in the exchange.
So the payments sum to exactly 0 cents and nobody ends above its cost alone.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opvang_opt.exact import apportion
from opvang_opt.exchange import shapley_payments
from opvang_opt.exchange.settlement import format_cents, payments_in_cents, settle

from ._helpers import cfg, one_group_config

A, B, C, D = "GM0001", "GM0002", "GM0003", "GM0004"


def test_hand_worked_one_cent_saving():
    # A: task 1, 2 places at EUR 0.02; B: task 1, 2 places at EUR 0.03.
    # Alone: A 2 ct, B 3 ct. Exchange: both places at A, 4 ct; B 0 ct. Saving 1 ct.
    # Shapley: 0.5 ct each. Whole cents: the one cent goes to the first in declared order
    # (equal remainders), so saving A 1 ct, B 0 ct.
    # Payments: A 2 - 1 - 4 = -3 ct (receives 3 ct), B 3 - 0 - 0 = +3 ct (pays 3 ct).
    # After payment: A 4 - 3 = 1 ct <= 2 ct alone; B 0 + 3 = 3 ct <= 3 ct alone.
    config = cfg(
        one_group_config(
            [
                (A, 1, [{"type": "t", "places": 2, "cost_per_place": 0.02}]),
                (B, 1, [{"type": "t", "places": 2, "cost_per_place": 0.03}]),
            ]
        )
    )
    t = shapley_payments(config).table.set_index("municipality_code")
    assert t["cost_no_exchange_cents"].tolist() == [2, 3]
    assert t["cost_exchange_cents"].tolist() == [4, 0]
    assert t["shapley_saving_cents"].tolist() == [1, 0]
    assert t["payment_cents"].tolist() == [-3, 3]
    assert t["cost_after_payment_cents"].tolist() == [1, 3]
    # the euro columns are the same cents, and print as such
    assert t["payment"].map(repr).tolist() == ["-0.03", "0.03"]
    assert [tr.amount_cents for tr in settle(t.reset_index())] == [3]


def test_costs_are_read_as_the_decimal_written():
    # 0.1 + 0.2 per place would be 0.30000000000000004 euro in binary; in cents it is 30.
    # 3 places at EUR 0.10 (A alone) and 3 at EUR 0.20 (B alone): 30 ct and 60 ct.
    config = cfg(
        one_group_config(
            [
                (A, 3, [{"type": "a", "places": 3, "cost_per_place": 0.1}]),
                (B, 3, [{"type": "b", "places": 3, "cost_per_place": 0.2}]),
            ]
        )
    )
    t = shapley_payments(config).table.set_index("municipality_code")
    assert t["cost_no_exchange_cents"].tolist() == [30, 60]
    assert t["payment_cents"].sum() == 0


def test_apportion_by_hand():
    # quotas 100 x (1/3, 1/3, 1/3) = 33 1/3 each: floors 33, one cent left, first gets it
    assert apportion(100, [1, 1, 1]).tolist() == [34, 33, 33]
    # quotas 7 x (0.5, 0.25, 0, 0.25) = 3.5, 1.75, 0, 1.75: floors 3, 1, 0, 1; two cents
    # left go to the largest remainders 0.75 (positions 1 and 3)
    assert apportion(7, [0.5, 0.25, -0.1, 0.25]).tolist() == [3, 2, 0, 2]
    assert apportion(-5, [1, 1]).tolist() == [-3, -2]
    assert apportion(5, [0, 0]).tolist() == [3, 2]


def test_format_cents_by_integer_arithmetic():
    assert format_cents(123456789) == "1.234.567,89"
    assert format_cents(123456789, "en") == "1,234,567.89"
    assert format_cents(-5) == "-0,05"
    assert format_cents(2**62) == "46.116.860.184.273.879,04"  # beyond a float's cents


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=8).flatmap(
        lambda alone: st.tuples(
            st.just(alone),
            st.lists(st.integers(0, 10**9), min_size=len(alone), max_size=len(alone)),
            st.lists(
                st.floats(-1e3, 1e9, allow_nan=False), min_size=len(alone), max_size=len(alone)
            ),
        )
    )
)
def test_payments_in_cents_invariants(case):
    alone, exchange, shapley = (np.array(x) for x in case)
    p = payments_in_cents(alone, exchange, shapley)
    total = int(alone.sum()) - int(exchange.sum())
    assert p.payment_cents.dtype == np.int64 and p.saving_cents.dtype == np.int64
    assert int(p.payment_cents.sum()) == 0  # budget balance, exactly
    assert int(p.saving_cents.sum()) == total
    assert (p.payment_cents == alone - p.saving_cents - exchange).all()
    assert (p.cost_after_cents == exchange + p.payment_cents).all()
    if total >= 0:  # an exchange that saves: nobody worse off than alone
        assert (p.cost_after_cents <= alone).all()
        assert (p.saving_cents >= 0).all()
    # each saving within one cent of its exact share (Shapley, negatives as zero)
    w = [max(Fraction(float(x)), Fraction(0)) for x in shapley]
    if sum(w) == 0:
        w = [Fraction(1)] * len(w)
    for got, wi in zip(p.saving_cents, w, strict=True):
        assert abs(Fraction(int(got)) - total * wi / sum(w)) < 1


def _instance(data) -> tuple[dict, int]:
    n = data.draw(st.integers(2, 4), label="municipalities")
    integer = data.draw(st.booleans(), label="integer_places")
    specs = []
    for k, code in enumerate((A, B, C, D)[:n]):
        task = data.draw(st.integers(0, 6), label=f"task {code}")
        entries = []
        for e in range(data.draw(st.integers(1, 2), label=f"types {code}")):
            cents = data.draw(st.integers(0, 500_000), label=f"cost {code}.{e}")
            places = data.draw(st.integers(0, 8), label=f"places {code}.{e}")
            entries.append(
                {"type": f"t{k}{e}", "places": places + (task if e == 0 else 0),
                 "cost_per_place": float(Fraction(cents, 100))}
            )  # fmt: skip
        specs.append((code, task, entries))
    data_ = one_group_config(specs)
    data_["solver"] = {"integer_places": integer}
    return data_, n


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # each example solves every coalition's LP
@given(st.data())
def test_random_exchanges_pay_in_cents_that_balance_and_leave_nobody_worse_off(data):
    raw, n = _instance(data)
    sp = shapley_payments(cfg(raw))
    t = sp.table
    for col in ("cost_no_exchange_cents", "cost_exchange_cents", "shapley_saving_cents",
                "payment_cents", "cost_after_payment_cents"):  # fmt: skip
        assert pd.api.types.is_integer_dtype(t[col]), col
    assert int(t["payment_cents"].sum()) == 0
    assert (t["cost_after_payment_cents"] <= t["cost_no_exchange_cents"]).all()
    assert t["individually_rational"].all()
    assert (t["shapley_saving_cents"] >= 0).all()
    # the euro columns are exactly the cents
    for eur, ct in (("payment", "payment_cents"), ("cost_no_exchange", "cost_no_exchange_cents"),
                    ("cost_after_payment", "cost_after_payment_cents")):  # fmt: skip
        assert [round(v * 100) for v in t[eur]] == t[ct].tolist()
        assert all(v == c / 100 for v, c in zip(t[eur], t[ct], strict=True))
    # the settlement moves exactly the payments, in whole cents
    moved = {c: 0 for c in t["municipality_code"]}
    for tr in settle(t):
        moved[tr.payer_code] += tr.amount_cents
        moved[tr.receiver_code] -= tr.amount_cents
    assert [moved[c] for c in t["municipality_code"]] == t["payment_cents"].tolist()
    # with whole places every cost is exact: the costs alone are the cost per place
    # times the task (each municipality houses its own task at its cheapest own places)
    if raw["solver"]["integer_places"]:
        for code, task, entries in (
            (m["code"], raw["tasks"][m["code"]]["g"], [e for e in raw["capacity"]
                                                     if e["municipality"] == m["code"]])
            for m in raw["municipalities"]
        ):  # fmt: skip
            left, cost = task, 0
            for e in sorted(entries, key=lambda e: round(e["cost_per_place"] * 100)):
                take = min(left, e["places"])
                cost += take * round(e["cost_per_place"] * 100)
                left -= take
            row = t.set_index("municipality_code").loc[code]
            assert int(row["cost_no_exchange_cents"]) == cost
    assert n == len(t)


def test_side_payments_table_has_cents():
    from opvang_opt.exchange import load_demo_config

    sp = shapley_payments(load_demo_config())
    from opvang_opt.exchange.tables import output_tables

    table = output_tables(sp.exchange, sp)["side_payments.csv"]
    assert pd.api.types.is_integer_dtype(table["payment_cents"])
    assert int(table["payment_cents"].sum()) == 0
    assert (table["payment"] * 100).round().astype(int).tolist() == table["payment_cents"].tolist()

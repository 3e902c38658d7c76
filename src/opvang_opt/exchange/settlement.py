"""The one sign convention of side payments, and who pays whom.

Sign convention
---------------
In ``side_payments.csv`` (column ``payment``) and everywhere the payments are shown,
a **positive** payment means the municipality **pays** that amount into the exchange;
a **negative** payment means it **receives** it (see :mod:`.fairness`)::

    payment(i) = cost_alone(i) - shapley(i) - cost_exchange_grand(i)

:data:`PAYMENT_SIGN` is the phrase every header carries; :func:`role` reads a payment.

Whole cents
-----------
Every amount is a whole number of cents. Costs per place are read as the decimal the user
wrote and converted with :func:`opvang_opt.exact.to_cents`; each municipality's cost with and
without the exchange is a whole number of cents (exact with whole places; rounded half to
even when places are fractional). The Shapley value comes out of the coalition LPs as real
numbers; :func:`payments_in_cents` turns it into cents by one rule:

1. the region's saving in cents is ``V = sum(cost_alone_cents) - sum(cost_exchange_cents)``;
2. ``V`` is split over the municipalities in proportion to their Shapley savings (negative
   estimates, which only sampling noise or a MIP gap can give, count as zero) by the
   largest-remainder method (:func:`opvang_opt.exact.apportion`): whole cents, each within
   one cent of its exact share, summing to ``V`` exactly;
3. ``payment_cents(i) = cost_alone_cents(i) - saving_cents(i) - cost_exchange_cents(i)``.

So the payments sum to exactly 0 cents, and when ``V >= 0`` every municipality ends at
``cost_alone_cents(i) - saving_cents(i) <= cost_alone_cents(i)``: no worse off than without
the exchange.

Who pays whom
-------------
The table gives each municipality's net payment only. :func:`settle` turns it into
transfers from payers to receivers (the payments sum to zero, so they settle exactly):
each payer pays first the receivers that took over its places (most places first), then
the others, in the table's order. With one payer or one receiver this is the only
settlement; otherwise it is one of several with the same net result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from opvang_opt.exact import apportion, to_cents
from opvang_opt.texts import t

PAYMENT_SIGN: dict[Literal["nl", "en"], str] = {
    lang: t("exchange.payment_sign", lang) for lang in ("nl", "en")
}
"""The sign convention as it appears in every header of a payment column (the catalogue's
``exchange.payment_sign``; ``header.payment`` carries the same words)."""

POSITIVE_PAYS = True
"""A positive ``payment`` is paid by the municipality (the one definition)."""

_CENT = 0.005


@dataclass(frozen=True)
class CentPayments:
    """Side payments in whole cents (see *Whole cents* above); arrays per municipality."""

    saving_cents: np.ndarray
    payment_cents: np.ndarray
    cost_after_cents: np.ndarray


def payments_in_cents(
    alone_cents: np.ndarray, exchange_cents: np.ndarray, shapley: np.ndarray
) -> CentPayments:
    """Whole-cent savings and payments from the costs in cents and the Shapley savings.

    Parameters
    ----------
    alone_cents, exchange_cents
        Each municipality's cost without and with the exchange, in whole cents.
    shapley
        Its Shapley saving (any unit: only the proportions count).

    Returns
    -------
    CentPayments
        ``payment_cents`` sums to 0; ``cost_after_cents = alone_cents - saving_cents``.

    Examples
    --------
    Two municipalities, alone 1,000.00 and 500.00 euros; in the exchange A houses nothing
    (0.00) and B everything (1,000.00): the region saves 500.00, split evenly by Shapley:

    >>> p = payments_in_cents(np.array([100_000, 50_000]), np.array([0, 100_000]),
    ...                       np.array([250.0, 250.0]))
    >>> p.saving_cents.tolist(), p.payment_cents.tolist(), p.cost_after_cents.tolist()
    ([25000, 25000], [75000, -75000], [75000, 25000])
    """
    alone = np.asarray(alone_cents, dtype=np.int64)
    ex = np.asarray(exchange_cents, dtype=np.int64)
    total = int(alone.sum()) - int(ex.sum())
    saving = apportion(total, shapley)
    sign = 1 if POSITIVE_PAYS else -1
    payment = sign * (alone - saving - ex)
    return CentPayments(saving, payment, alone - saving)


def format_cents(
    cents: int, lang: Literal["nl", "en"] = "nl", *, sign: bool = False, whole: bool = False
) -> str:
    """An amount of whole cents as euros with two decimals, by integer arithmetic
    (``whole``: rounded half to even to whole euros, for council tables).

    Examples
    --------
    >>> format_cents(123456789), format_cents(-5, "en"), format_cents(75000, sign=True)
    ('1.234.567,89', '-0.05', '+750,00')
    >>> format_cents(123456789, whole=True), format_cents(250, whole=True)
    ('1.234.568', '2')
    """
    c = int(cents)
    euros, rest = divmod(abs(c), 100)
    thousands, dec = (".", ",") if lang == "nl" else (",", ".")
    if whole:
        euros += 1 if rest > 50 or (rest == 50 and euros % 2 == 1) else 0
        text = f"{euros:,d}".replace(",", thousands)
        return ("-" if c < 0 and euros else "+" if sign and c > 0 and euros else "") + text
    text = f"{euros:,d}".replace(",", thousands) + f"{dec}{rest:02d}"
    if c < 0:
        return "-" + text
    return ("+" if sign and c > 0 else "") + text


def role(payment: float) -> Literal["pays", "receives", "neither"]:
    """Whether a municipality with this ``payment`` (EUR) pays, receives or neither."""
    if payment > _CENT:
        return "pays" if POSITIVE_PAYS else "receives"
    if payment < -_CENT:
        return "receives" if POSITIVE_PAYS else "pays"
    return "neither"


@dataclass(frozen=True)
class Transfer:
    """One payment from ``payer`` to ``receiver``.

    Attributes
    ----------
    payer_code, payer, receiver_code, receiver
        CBS codes and names.
    amount_cents
        Whole cents, > 0.
    places
        Places the payer handed over to the receiver in the exchange (all groups).
    """

    payer_code: str
    payer: str
    receiver_code: str
    receiver: str
    amount_cents: int
    places: int


def settle(payments: pd.DataFrame, flows: pd.DataFrame | None = None) -> list[Transfer]:
    """Transfers that settle the net payments of ``side_payments.csv``.

    Parameters
    ----------
    payments
        Columns ``municipality_code``, ``municipality`` and ``payment_cents`` (whole
        cents, + = pays) or else ``payment`` (EUR, converted with :func:`.to_cents`).
    flows
        Optional ``exchange_flows.csv`` (``from_code``, ``to_code``, ``places``): which
        receivers took over a payer's places, so it pays them first.

    Returns
    -------
    list[Transfer]
        In payer order (largest payment first); amounts in whole cents summing to each
        municipality's payment.

    Examples
    --------
    >>> p = pd.DataFrame({"municipality_code": ["A", "B", "C"],
    ...                   "municipality": ["Aa", "Bee", "Cee"],
    ...                   "payment": [300.0, -500.0, 200.0]})
    >>> [(t.payer, t.receiver, t.amount_cents) for t in settle(p)]
    [('Aa', 'Bee', 30000), ('Cee', 'Bee', 20000)]
    """
    names = dict(
        zip(
            payments["municipality_code"].astype(str),
            payments["municipality"].astype(str),
            strict=True,
        )
    )
    amounts = (
        payments["payment_cents"].astype("int64")
        if "payment_cents" in payments.columns
        else payments["payment"].map(to_cents)
    )
    cents = {str(c): int(v) for c, v in zip(payments["municipality_code"], amounts, strict=True)}
    sign = 1 if POSITIVE_PAYS else -1
    owe = {c: sign * v for c, v in cents.items() if sign * v > 0}
    due = {c: -sign * v for c, v in cents.items() if -sign * v > 0}
    moved: dict[tuple[str, str], int] = {}
    if flows is not None and len(flows):
        for f, to, n in zip(flows["from_code"], flows["to_code"], flows["places"], strict=True):
            key = (str(f), str(to))
            moved[key] = moved.get(key, 0) + round(float(n))
    order = list(cents)
    out: list[Transfer] = []
    for payer in sorted(owe, key=lambda c: (-owe[c], order.index(c))):
        receivers = sorted(due, key=lambda r: (-moved.get((payer, r), 0), order.index(r)))
        for rec in receivers:
            if owe[payer] <= 0:
                break
            amount = min(owe[payer], due[rec])
            if amount <= 0:
                continue
            owe[payer] -= amount
            due[rec] -= amount
            out.append(
                Transfer(payer, names[payer], rec, names[rec], amount, moved.get((payer, rec), 0))
            )
    return out

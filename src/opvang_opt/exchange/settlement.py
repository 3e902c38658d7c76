"""The one sign convention of side payments, and who pays whom.

Sign convention
---------------
In ``side_payments.csv`` (column ``payment``) and everywhere the payments are shown,
a **positive** payment means the municipality **pays** that amount into the exchange;
a **negative** payment means it **receives** it (see :mod:`.fairness`)::

    payment(i) = cost_alone(i) - shapley(i) - cost_exchange_grand(i)

:data:`PAYMENT_SIGN` is the phrase every header carries; :func:`role` reads a payment.

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

import pandas as pd

from opvang_opt.texts import t

PAYMENT_SIGN: dict[Literal["nl", "en"], str] = {
    lang: t("exchange.payment_sign", lang) for lang in ("nl", "en")
}
"""The sign convention as it appears in every header of a payment column (the catalogue's
``exchange.payment_sign``; ``header.payment`` carries the same words)."""

POSITIVE_PAYS = True
"""A positive ``payment`` is paid by the municipality (the one definition)."""

_CENT = 0.005


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
        Columns ``municipality_code``, ``municipality``, ``payment`` (EUR, + = pays).
    flows
        Optional ``exchange_flows.csv`` (``from_code``, ``to_code``, ``places``): which
        receivers took over a payer's places, so it pays them first.

    Returns
    -------
    list[Transfer]
        In payer order (largest payment first); amounts in whole cents summing to each
        municipality's payment (rounded to cents).

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
    cents = {
        str(c): round(float(v) * 100)
        for c, v in zip(payments["municipality_code"], payments["payment"], strict=True)
    }
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

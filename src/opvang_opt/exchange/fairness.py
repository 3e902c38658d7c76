"""Fair side payments: the Shapley value of the cost-saving game, and a core check.

The game
--------
For a coalition ``S`` of municipalities, ``v(S)`` is what ``S`` saves by
exchanging tasks among its own members::

    v(S) = sum_{i in S} cost_alone(i) - cost_exchange(S)

``cost_alone(i)`` is the cost of municipality ``i`` meeting its own task;
``cost_exchange(S)`` the optimal cost of ``S`` with the exchange model
restricted to ``S`` (same bounds, capacities and rules, regional totals of
``S`` kept exactly). ``v({i}) = 0``. The game is superadditive (two coalitions
can always exchange separately), so every marginal contribution is >= 0 and
the Shapley value gives each municipality a saving >= 0: after side payments
everyone is at least as well off as without the exchange (individual
rationality). With a MIP stopped at a gap this can fail by up to the gap; the
side-payment table reports it per municipality.

Side payments
-------------
Municipality ``i`` ends with cost ``cost_alone(i) - shapley(i)``. Its payment
is what it pays into (positive) or receives from (negative) the others::

    payment(i) = cost_alone(i) - shapley(i) - cost_exchange_grand(i)

The payments sum to zero.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from opvang_opt.errors import OpvangError
from opvang_opt.exact import to_cents
from opvang_opt.schema import ExchangeConfig
from opvang_opt.solvers import SparseModel
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Message

from ._lp import solve_lp
from .diagnose import infeasible_error
from .model import ExchangeModel, NoSolutionError
from .settlement import payments_in_cents
from .solve import ExchangeResult, build_result, solve_no_exchange

_TOL = 1e-6


class CoalitionGame:
    """The cost-saving game of an exchange config; evaluates and caches ``v(S)``.

    Coalitions are Python ints used as bit masks over the municipalities in
    declared order (bit ``i`` = municipality ``i``).

    Parameters
    ----------
    config
        The exchange section.
    model
        Optional compiled model to reuse.
    """

    def __init__(self, config: ExchangeConfig, model: ExchangeModel | None = None) -> None:
        self.config = config
        self.model = model or ExchangeModel.from_config(config)
        self.n = self.model.n
        ref = solve_no_exchange(self.model)
        if ref.x is None and ref.status is not SolveStatus.INFEASIBLE:
            raise NoSolutionError(Message("exchange.no_solution_reference"))
        if ref.x is None:
            raise infeasible_error(self.model, exchange=False)
        self.alone_cents = self.model.cost_cents_per_municipality(ref.x)
        self.alone = self.alone_cents / 100.0
        # the game's own costs alone, not rounded to cents: v(S) compares them with a
        # coalition's unrounded optimum. Rounded alone costs gave v(S) of a few tenths of a
        # cent where nothing can be saved (fractional places), and "the core is empty".
        self.alone_exact = np.bincount(
            self.model.col_owner,
            weights=self.model.c_true * np.asarray(ref.x, dtype=float),
            minlength=self.n,
        )
        self._alone_x = ref.x
        self.values: dict[int, float] = {0: 0.0}
        for i in range(self.n):
            self.values[1 << i] = 0.0
        self.solves = 0
        self.max_gap = 0.0
        sv = config.solver
        if sv.coalition_backend == "auto":
            self.backend = sv.backend if config.needs_mip else "glop"
        else:
            self.backend = sv.coalition_backend

    @property
    def grand(self) -> int:
        """Mask of the grand coalition."""
        return (1 << self.n) - 1

    def mask_members(self, mask: int) -> np.ndarray:
        """Boolean membership array of a mask."""
        return np.array([(mask >> i) & 1 for i in range(self.n)], dtype=bool)

    def value(self, mask: int) -> float:
        """``v(S)``: what coalition ``mask`` saves by exchanging within itself."""
        got = self.values.get(mask)
        if got is not None:
            return got
        members = self.mask_members(mask)
        lp, keep = self.model.lp(members=members, lean=True)
        sol = self.model.solve(lp, keep, backend=self.backend)
        self.solves += 1
        if sol.x is None:
            if sol.status is SolveStatus.INFEASIBLE:
                raise infeasible_error(self.model, members=members)
            raise NoSolutionError(
                Message("exchange.no_solution_coalition", {"coalition": self.label(mask)})
            )
        self.max_gap = max(self.max_gap, sol.gap)
        cost = self.model.true_cost(sol.x)
        # at least 0: not exchanging is open to every coalition (a MIP stopped at its gap
        # may end a little above that)
        v = max(float(self.alone_exact[members].sum() - cost), 0.0)
        self.values[mask] = v
        return v

    def set_value(self, mask: int, value: float) -> None:
        """Store a known ``v(S)`` (e.g. of the grand coalition from a full solve)."""
        self.values[mask] = float(value)

    def label(self, mask: int) -> str:
        """Names of the members of a coalition."""
        return ", ".join(self.model.names[i] for i in range(self.n) if (mask >> i) & 1)

    def codes(self, mask: int) -> list[str]:
        """CBS codes of the members of a coalition."""
        return [self.model.codes[i] for i in range(self.n) if (mask >> i) & 1]


@dataclass(frozen=True, eq=False)
class ShapleyResult:
    """The Shapley value of the cost-saving game.

    Attributes
    ----------
    method
        ``"exact"`` (every coalition solved) or ``"sampled"`` (random orders).
    values
        Per municipality, in declared order: its share of the savings (euros).
    std_error
        Standard error per municipality (zeros when exact).
    ci95
        Half-width of the 95 % confidence interval per municipality: Student's t quantile
        with (pairs - 1) degrees of freedom times the standard error (zeros when exact). With
        few samples the normal quantile (1.96) covers too little (about 92 % at 10 pairs).
    grand_value
        ``v(N)``: the savings of the whole region.
    samples
        Number of random orders (0 when exact).
    solves
        Number of coalition models solved.
    seconds
        Wall time.
    max_gap
        Largest relative MIP gap among the coalition solves.
    """

    method: Literal["exact", "sampled"]
    codes: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray
    std_error: np.ndarray
    grand_value: float
    samples: int
    solves: int
    seconds: float
    max_gap: float
    ci95: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """Per municipality: Shapley value and standard error."""
        return pd.DataFrame(
            {
                "municipality_code": self.codes,
                "municipality": self.names,
                "shapley": self.values,
                "std_error": self.std_error,
            }
        )


def _popcount(a: np.ndarray) -> np.ndarray:
    return np.array([int(x).bit_count() for x in a], dtype=np.int64)


def exact_shapley(game: CoalitionGame) -> ShapleyResult:
    """Exact Shapley value: solves every coalition's model (``2^n - n - 1`` solves).

    Coalitions are visited in Gray-code order (neighbours differ by one
    member); values are cached in ``game.values`` for the core check.
    """
    t0 = time.perf_counter()
    n = game.n
    size = 1 << n
    v = np.zeros(size)
    for k in range(1, size):
        mask = k ^ (k >> 1)  # Gray code: each step adds or removes one member
        v[mask] = game.value(mask)
    masks = np.arange(size, dtype=np.int64)
    pc = _popcount(masks)
    fact = np.array([math.factorial(k) for k in range(n + 1)], dtype=float)
    phi = np.zeros(n)
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        s = pc[without]
        w = fact[s] * fact[n - s - 1] / fact[n]
        phi[i] = float(np.sum(w * (v[without | bit] - v[without])))
    return ShapleyResult(
        "exact",
        game.model.codes,
        game.model.names,
        phi,
        np.zeros(n),
        float(v[size - 1]),
        0,
        game.solves,
        time.perf_counter() - t0,
        game.max_gap,
        np.zeros(n),
    )


def sampled_shapley(
    game: CoalitionGame, samples: int, seed: int, *, antithetic: bool = True
) -> ShapleyResult:
    """Shapley value by permutation sampling, with a standard error per municipality.

    Each random order of the municipalities adds them one by one; a
    municipality's marginal contribution ``v(S + i) - v(S)`` is recorded. The
    estimate is the mean over orders; every order's contributions sum to
    ``v(N)``, so the estimates do too. With ``antithetic`` every order is
    paired with its reverse and the standard error is taken over pairs.
    """
    t0 = time.perf_counter()
    n = game.n
    rng = np.random.default_rng(seed)
    n_base = max(1, samples // 2) if antithetic else samples
    orders: list[np.ndarray] = []
    for _ in range(n_base):
        p = rng.permutation(n)
        orders.append(p)
        if antithetic:
            orders.append(p[::-1].copy())
    contrib = np.zeros((len(orders), n))
    for k, order in enumerate(orders):
        mask, prev = 0, 0.0
        for i in order:
            mask |= 1 << int(i)
            val = game.value(mask)
            contrib[k, i] = val - prev
            prev = val
    phi = contrib.mean(axis=0)
    per = contrib.reshape(n_base, 2, n).mean(axis=1) if antithetic else contrib
    m = per.shape[0]
    se = per.std(axis=0, ddof=1) / math.sqrt(m) if m > 1 else np.full(n, np.inf)
    ci95 = se * float(student_t.ppf(0.975, m - 1)) if m > 1 else np.full(n, np.inf)
    return ShapleyResult(
        "sampled",
        game.model.codes,
        game.model.names,
        phi,
        se,
        game.value(game.grand),
        len(orders),
        game.solves,
        time.perf_counter() - t0,
        game.max_gap,
        ci95,
    )


@dataclass(frozen=True, eq=False)
class CoreCheck:
    """Is there a split of the savings that no coalition would walk away from?

    Attributes
    ----------
    complete
        True when every coalition was checked (exact game); False when only the
        coalitions evaluated while sampling were (a necessary check only).
    coalitions_checked
        Number of coalitions ``S`` (not empty, not all) in the check.
    core_empty
        True when no split gives every checked coalition at least ``v(S)``.
    least_core_epsilon
        Largest ``e`` such that a split gives every coalition ``v(S) + e``;
        ``e < 0`` means the core is empty (every split leaves some coalition
        short by at least ``-e``).
    core_allocation
        A split of the savings in the (least) core, per municipality.
    allocation_in_core
        Whether the given allocation (the Shapley value) is in the core.
    worst_coalition
        Codes of the coalition most short-changed by the given allocation.
    worst_excess
        By how much: ``v(S) - sum of allocation over S`` (> 0 means it would
        do better on its own).
    message
        Plain Dutch summary.
    """

    complete: bool
    coalitions_checked: int
    core_empty: bool
    least_core_epsilon: float
    core_allocation: np.ndarray
    allocation_in_core: bool
    worst_coalition: tuple[str, ...]
    worst_excess: float
    message: Message
    """The verdict as a catalogue message (rendered by the outputs)."""


def core_check(
    game: CoalitionGame,
    allocation: np.ndarray,
    *,
    tol: float = 1e-6,
) -> CoreCheck:
    """Check the core of the savings game, and whether ``allocation`` lies in it.

    Solves the least-core LP ``max e`` s.t. ``sum_{i in S} x_i >= v(S) + e`` for
    every known coalition and ``sum_i x_i = v(N)``. The core is empty when
    ``e < 0``. Uses all coalitions already evaluated in ``game`` (all of them
    after :func:`exact_shapley`).

    Parameters
    ----------
    game
        The game, with the values evaluated so far.
    allocation
        Savings per municipality to test (e.g. the Shapley value).
    tol
        Tolerance in euros, relative to ``max(1, v(N))``.

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config
    >>> from opvang_opt.exchange.fairness import CoalitionGame, exact_shapley, core_check
    >>> game = CoalitionGame(load_demo_config())
    >>> sh = exact_shapley(game)
    >>> core_check(game, sh.values).core_empty
    False
    """
    n = game.n
    grand = game.grand
    v_n = game.value(grand)
    items = [(m, v) for m, v in game.values.items() if m not in (0, grand)]
    masks = np.array([m for m, _ in items], dtype=object)
    vals = np.array([v for _, v in items], dtype=float)
    complete = len(items) == (1 << n) - 2
    member = np.array([[(int(m) >> i) & 1 for i in range(n)] for m in masks], dtype=float).reshape(
        len(items), n
    )
    scale = max(1.0, abs(v_n))
    atol = tol * scale

    # least-core LP: variables x_0..x_{n-1}, e ; maximise e
    m = len(items)
    r_i, c_i = np.nonzero(member)
    rows = np.concatenate([r_i, np.arange(m), np.full(n, m)])
    cols = np.concatenate([c_i, np.full(m, n), np.arange(n)])
    vv = np.concatenate([np.ones(len(r_i)), -np.ones(m), np.ones(n)])
    c = np.zeros(n + 1)
    c[n] = -1.0
    lp = SparseModel(
        c=c,
        col_lb=np.full(n + 1, -np.inf),
        col_ub=np.full(n + 1, np.inf),
        integer=np.zeros(n + 1, dtype=bool),
        rows=rows,
        cols=cols,
        vals=vv,
        row_lb=np.concatenate([vals, [v_n]]),
        row_ub=np.concatenate([np.full(m, np.inf), [v_n]]),
    )
    if m:
        sol = solve_lp(lp, backend="glop")
        if sol.x is None:  # pragma: no cover - the least-core LP is always feasible
            raise OpvangError(Message("exchange.core_lp_failed"))
        eps, core_alloc = float(sol.x[n]), sol.x[:n]
    else:
        eps, core_alloc = math.inf, np.asarray(allocation, dtype=float)
    core_empty = eps < -atol

    alloc = np.asarray(allocation, dtype=float)
    if m:
        excess = vals - member @ alloc
        worst = int(np.argmax(excess))
        worst_excess = float(excess[worst])
        worst_codes = tuple(game.codes(int(masks[worst])))
        worst_label = game.label(int(masks[worst]))
    else:
        worst_excess, worst_codes, worst_label = -math.inf, (), ""
    in_core = worst_excess <= atol and abs(alloc.sum() - v_n) <= atol
    scope = "" if complete else Message("exchange.core.scope", {"m": m, "n": n})
    if core_empty:
        msg = Message(
            "exchange.core.empty",
            {"scope": scope, "eps": -eps, "worst": worst_label, "excess": worst_excess},
        )
    elif in_core:
        msg = Message("exchange.core.shapley_in", {"scope": scope})
    else:
        msg = Message(
            "exchange.core.shapley_out",
            {"scope": scope, "worst": worst_label, "excess": worst_excess},
        )
    return CoreCheck(
        complete,
        m,
        bool(core_empty),
        eps,
        np.asarray(core_alloc, dtype=float),
        bool(in_core),
        worst_codes,
        worst_excess,
        msg,
    )


@dataclass(frozen=True, eq=False)
class SidePayments:
    """Shapley side payments for the optimal exchange, with the core check.

    Attributes
    ----------
    table
        Per municipality: cost alone, cost in the exchange, Shapley saving
        (with standard error when sampled), payment (positive = pays,
        negative = receives), cost after payment, individual rationality,
        places moved and payment per place moved.
    references
        Payments compared with the reference prices, per municipality and price.
    shapley
        The :class:`ShapleyResult`.
    core
        The :class:`CoreCheck`.
    exchange
        The grand-coalition :class:`ExchangeResult` the payments belong to.
    """

    table: pd.DataFrame
    references: pd.DataFrame
    shapley: ShapleyResult
    core: CoreCheck
    exchange: ExchangeResult

    @property
    def individually_rational(self) -> bool:
        """True when every municipality is at least as well off as without exchange."""
        return bool(self.table["individually_rational"].all())


def shapley_payments(
    config: ExchangeConfig,
    *,
    method: Literal["auto", "exact", "sampled"] = "auto",
    samples: int | None = None,
    seed: int | None = None,
    lang: Literal["nl", "en"] = "nl",
    model: ExchangeModel | None = None,
) -> SidePayments:
    """Compute fair side payments for the optimal exchange.

    Parameters
    ----------
    config
        The exchange section.
    method
        ``"exact"``, ``"sampled"`` or ``"auto"`` (exact up to
        ``config.shapley.exact_max_municipalities``).
    samples, seed
        Override ``config.shapley.samples`` and ``seed``.
    lang
        Language of messages.
    model
        Optional compiled model to reuse.

    Returns
    -------
    SidePayments

    Raises
    ------
    InfeasibleError
        When the exchange is infeasible, or some municipality cannot meet its
        own task alone (then the game has no reference; set
        ``unmet_cost_per_place``).

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, shapley_payments
    >>> sp = shapley_payments(load_demo_config())
    >>> round(float(sp.table["payment"].sum()), 6) == 0.0, sp.individually_rational
    (True, True)
    """
    model = model or ExchangeModel.from_config(config)
    game = CoalitionGame(config, model)
    sol = model.solve(*model.lp())
    if sol.status is SolveStatus.INFEASIBLE:
        raise infeasible_error(model, lang=lang)
    if sol.x is None:
        raise NoSolutionError(Message("exchange.no_solution_region"), lang)
    result = build_result(model, sol, game._alone_x)
    game.set_value(game.grand, max(float(game.alone_exact.sum() - model.true_cost(sol.x)), 0.0))
    game.max_gap = max(game.max_gap, sol.gap)
    settings = config.shapley
    if method == "auto":
        method = "exact" if model.n <= settings.exact_max_municipalities else "sampled"
    if method == "exact":
        sh = exact_shapley(game)
    else:
        sh = sampled_shapley(
            game,
            samples or settings.samples,
            settings.seed if seed is None else seed,
            antithetic=settings.antithetic,
        )
    core = core_check(game, sh.values)
    return _payments(config, model, game, result, sh, core)


def _payments(
    config: ExchangeConfig,
    model: ExchangeModel,
    game: CoalitionGame,
    result: ExchangeResult,
    sh: ShapleyResult,
    core: CoreCheck,
) -> SidePayments:
    # whole cents (settlement.payments_in_cents): the Shapley savings apportioned to the
    # region's saving in cents; payments sum to 0 and nobody ends above its cost alone
    alone_c = game.alone_cents
    cost_ex_c = result.municipalities["cost_exchange_cents"].to_numpy(dtype=np.int64)
    cents = payments_in_cents(alone_c, cost_ex_c, sh.values)
    alone, cost_ex = alone_c / 100.0, cost_ex_c / 100.0
    phi = cents.saving_cents / 100.0
    payment = cents.payment_cents / 100.0
    final = cents.cost_after_cents / 100.0
    ex = result.exchange
    net = ex["net_transfer"].to_numpy().reshape(model.n, model.n_groups)
    moved = np.abs(net).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_place = np.where(moved > _TOL, np.abs(payment) / moved, np.nan)
    table = pd.DataFrame(
        {
            "municipality_code": model.codes,
            "municipality": model.names,
            "cost_no_exchange": alone,
            "cost_exchange": cost_ex,
            "shapley_saving": phi,
            "shapley_std_error": sh.std_error,
            "payment": payment,
            "cost_after_payment": final,
            "saving_after_payment": alone - final,
            "individually_rational": cents.cost_after_cents <= alone_c,
            "places_taken_over": np.clip(net, 0, None).sum(axis=1),
            "places_handed_over": np.clip(-net, 0, None).sum(axis=1),
            "payment_per_place_moved": per_place,
            "method": sh.method,
            "cost_no_exchange_cents": alone_c,
            "cost_exchange_cents": cost_ex_c,
            "shapley_saving_cents": cents.saving_cents,
            "payment_cents": cents.payment_cents,
            "cost_after_payment_cents": cents.cost_after_cents,
        }
    )
    refs = []
    gi = {g: j for j, g in enumerate(model.groups)}
    days = config.period.days
    for ref in config.reference_prices:
        price_cents = to_cents(ref.amount) * (days if ref.unit == "per_place_per_day" else 1)
        price = price_cents / 100.0
        g = gi[ref.group]
        for i in range(model.n):
            moved_g = net[i, g]
            refs.append(
                {
                    "municipality_code": model.codes[i],
                    "municipality": model.names[i],
                    "reference": ref.name,
                    "group": ref.group,
                    "price_per_place_period": price,
                    "net_transfer_group": moved_g,
                    "reference_value": moved_g * price,
                    "payment": payment[i],
                    "payment_per_place_moved": per_place[i],
                    "ratio_to_reference": per_place[i] / price if price > 0 else np.nan,
                    "assumption": ref.assumption,
                    "source": ref.source,
                }
            )
    references = pd.DataFrame(
        refs,
        columns=[
            "municipality_code",
            "municipality",
            "reference",
            "group",
            "price_per_place_period",
            "net_transfer_group",
            "reference_value",
            "payment",
            "payment_per_place_moved",
            "ratio_to_reference",
            "assumption",
            "source",
        ],
    )
    return SidePayments(table, references, sh, core, result)


def coalition_values(game: CoalitionGame, max_size: int | None = None) -> pd.DataFrame:
    """Evaluate and list ``v(S)`` for every coalition up to ``max_size`` members (for reports)."""
    n = game.n
    recs = []
    for k in range(2, (max_size or n) + 1):
        for members in combinations(range(n), k):
            mask = sum(1 << i for i in members)
            recs.append({"coalition": game.label(mask), "size": k, "saving": game.value(mask)})
    return pd.DataFrame(recs, columns=["coalition", "size", "saving"])


__all__ = [
    "CoalitionGame",
    "CoreCheck",
    "ShapleyResult",
    "SidePayments",
    "coalition_values",
    "core_check",
    "exact_shapley",
    "sampled_shapley",
    "shapley_payments",
]

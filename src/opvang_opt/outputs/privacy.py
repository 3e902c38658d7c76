"""Export profiles and small-count suppression.

Two profiles decide what an export may hold:

- ``council`` (the default for map, report and Excel): aggregates only. Counts of persons
  and households from 1 to 4 are shown as ``<5``; when a row would let a reader work out a
  suppressed count from its total, one more count is hidden as ``x`` (secondary
  suppression). No household id and no household-level field appears anywhere.
- ``analyst``: exact counts, and household-level tables with pseudonymous ids. Columns that
  look like names are dropped all the same: the tool never needs them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

Profile = Literal["council", "analyst"]
PROFILES: tuple[Profile, ...] = ("council", "analyst")

MIN_COUNT = 5
"""Counts of persons or households below this are shown as ``<5`` in council exports."""
SMALL = "<5"
"""How a suppressed count is shown."""
SECONDARY = "x"
"""How a count hidden to protect a suppressed one (secondary suppression) is shown."""
WHOLE_ROW_PARTS = 4
"""Parts from which a row with a total below 5 shows no breakdown (:func:`suppress_row`)."""

COLUMN_TOTALS = ("households", "persons")
"""Per-site count columns whose total is published elsewhere (households and persons
placed, in the report, the workbook and the allocation's comparison with the baseline)."""

COUNT_COMPONENTS = ("placed", "relocation", "not_preferred", "violations")
"""Rows of the allocation's comparison with the baseline that count households: each
household relocated or placed off its preferred sites adds 1 (weights apply only to the
total)."""

HOUSEHOLD_FIELDS = (
    "household_id", "persons", "adults", "children_0_3", "children_4_11", "children_12_17",
    "needs_wheelchair", "needs_ground_floor", "needs_medical", "school_x", "school_y",
    "work_x", "work_y", "preferred_sites", "refused_sites", "arrival_date", "current_unit",
)  # fmt: skip
"""Columns of the household input (``households.csv``); a table with one row per household
holds ``household_id``. Council exports hold none of these as household-level data."""

NAME_COLUMN = re.compile(
    r"^(name|naam|voornaam|achternaam|first_?name|last_?name|surname|full_?name|"
    r"given_?name|family_?name|bsn|v_?nummer|email|e_?mail|phone|telefoon|address|adres)$",
    re.IGNORECASE,
)
"""Column names that may hold direct identifiers; dropped from household tables."""


def check_profile(profile: str) -> Profile:
    """Return ``profile`` if it is known, else raise ``ValueError``."""
    if profile not in PROFILES:
        raise ValueError(f"unknown export profile '{profile}' (use one of {', '.join(PROFILES)})")
    return profile


def show_count(value: float | int | None, profile: Profile = "council") -> str:
    """A count of persons or households as text, suppressed below 5 for the council.

    Parameters
    ----------
    value
        The count (``None`` or NaN: unknown, shown as empty).
    profile
        ``council`` shows 1-4 as ``<5``; ``analyst`` shows the number.

    Examples
    --------
    >>> show_count(3), show_count(0), show_count(12), show_count(3, "analyst")
    ('<5', '0', '12', '3')
    """
    if value is None or pd.isna(value):
        return ""
    n = round(float(value))
    if profile == "council" and 0 < n < MIN_COUNT:
        return SMALL
    return str(n)


def suppress_row(
    parts: Sequence[float | int], total: float | int | None, profile: Profile = "council"
) -> tuple[list[str], str]:
    """Suppress a row of counts that add up to a shown total.

    Primary suppression shows counts 1-4 as ``<5``. When the suppressed parts could be
    worked out from the total and the other parts (one suppressed part; or several whose
    sum leaves one possibility, all 1 or all 4), the smallest other non-zero part is hidden
    too (``x``), or the total when there is none. A total below 5 is itself ``<5``; beside
    it, a row of :data:`WHOLE_ROW_PARTS` or more parts shows every part as ``x`` (four parts
    shown ``<5`` beside a total of 1-4 are 1 each).

    Parameters
    ----------
    parts
        The counts (e.g. persons per group at one site).
    total
        Their total, or ``None`` when no total is shown.
    profile
        ``analyst`` returns every number as it is.

    Returns
    -------
    tuple
        The parts and the total as text.

    Examples
    --------
    >>> suppress_row([3, 7, 0], 10)
    (['<5', 'x', '0'], '10')
    >>> suppress_row([3, 7, 9], 19)
    (['<5', 'x', '9'], '19')
    >>> suppress_row([2, 3, 8], 13)
    (['<5', '<5', '8'], '13')
    >>> suppress_row([1, 1, 8], 10)
    (['<5', '<5', 'x'], '10')
    >>> suppress_row([4, 4, 0], 8)
    (['<5', '<5', '0'], 'x')
    >>> suppress_row([1, 5, 0], 6)
    (['<5', 'x', '0'], 'x')
    >>> suppress_row([1, 1, 1, 1], 4)
    (['x', 'x', 'x', 'x'], '<5')
    >>> suppress_row([2, 0, 1, 0], 3)
    (['x', 'x', 'x', 'x'], '<5')
    """
    shown = [show_count(v, profile) for v in parts]
    total_txt = show_count(total, profile) if total is not None else ""
    if profile == "council" and total_txt == SMALL and len(shown) >= WHOLE_ROW_PARTS:
        # four or more parts, each 0 or 1-4, beside a total of 1-4: four parts shown <5
        # can only be 1 each; hiding the breakdown only then would say so, so a row of that
        # many parts with a total below 5 shows no breakdown at all
        return [SECONDARY] * len(shown), total_txt
    if profile != "council" or total is None or total_txt == SMALL:
        return shown, total_txt
    values = [float(v) for v in parts]
    if SMALL in shown and _row_pins(shown, values, float(total)):
        # the hidden counts (each 1-4) are known exactly when there is one, or when their
        # sum leaves a single possibility (all 1 or all 4): hide one more count, the
        # smallest that frees them (an x is known to be 5 or more: 1 + x = 6 pins the 1)
        others = sorted((values[i], i) for i, s in enumerate(shown) if s not in (SMALL, "0", ""))
        for _, i in others:
            if not _row_pins([SECONDARY if j == i else c for j, c in enumerate(shown)],
                             values, float(total)):  # fmt: skip
                shown[i] = SECONDARY
                break
        else:  # no single part frees them (4 + 4 = 8, or 1 + 5 = 6): hide the total
            if others:
                shown[others[-1][1]] = SECONDARY
            total_txt = SECONDARY
    return shown, total_txt


def _row_pins(shown: Sequence[str], values: Sequence[float], total: float) -> bool:
    """Whether the row's total pins one of its ``<5`` or ``x`` (:func:`hidden_ranges`)."""
    return column_pins(shown, values) if sum(values) == total else True


def suppress_frame(
    df: pd.DataFrame,
    count_columns: Iterable[str],
    profile: Profile = "council",
    *,
    groups: Sequence[tuple[Sequence[str], str]] = (),
    column_totals: Sequence[str] = (),
    linked: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """A copy of ``df`` whose count columns are text, suppressed for the council.

    Parameters
    ----------
    df
        One row per aggregate (site, municipality, ...), never per household.
    count_columns
        Columns holding counts of persons or households.
    profile
        The export profile.
    groups
        ``(parts, total)`` column sets whose parts add up to the total in each row: these
        get secondary suppression (see :func:`suppress_row`).
    column_totals
        Count columns whose total over all rows is published elsewhere or follows from
        another table (households and persons placed, in the report and ``run.json``;
        children per site and per school add up to the same children): see
        :func:`protect_column`.
    linked
        ``(households, persons)`` column pairs of one group (occupied units and persons of
        the group at a site): suppressed together, see :func:`protect_linked_row`.
    """
    out = df.copy()
    raw = df.copy()
    for c in [c for c in count_columns if c in out.columns]:
        out[c] = [show_count(v, profile) for v in raw[c]]
    for parts, total in groups:
        part_cols = [c for c in parts if c in out.columns]
        if not part_cols or total not in out.columns:
            continue
        for i in range(len(out)):
            vals, tot = suppress_row(
                [raw[c].iloc[i] for c in part_cols], raw[total].iloc[i], profile
            )
            for c, v in zip(part_cols, vals, strict=True):
                out.iloc[i, out.columns.get_loc(c)] = v
            out.iloc[i, out.columns.get_loc(total)] = tot
    if profile == "council":
        pairs = [(h, p) for h, p in linked if h in out.columns and p in out.columns]
        for _ in range(out.size + 1):  # each pass hides a cell more, or ends
            before = out.copy()
            for i in range(len(out)) if pairs else ():
                protect_linked_row(out, raw, i, groups, pairs)
            for col in [c for c in column_totals if c in out.columns]:
                protect_column(out, raw, col, groups)
            if not pairs or out.equals(before):
                break
    return out


def _hidden(v: object) -> bool:
    return str(v) in (SMALL, SECONDARY)


def protect_linked_row(
    out: pd.DataFrame,
    raw: pd.DataFrame,
    i: int,
    groups: Sequence[tuple[Sequence[str], str]],
    linked: Sequence[tuple[str, str]],
) -> None:
    """Suppress a group's households and persons at one site together (row ``i``, in place).

    A persons cell of a group tells whether the group lives at the site (persons 1 or more
    if and only if households 1 or more) and bounds its households (persons at least
    households): shown beside hidden households, it would give them back (four groups with
    persons beside a total of 4 households are 1 household each), and the persons of 1-4
    households are household-level data. So:

    - a group's persons cell is hidden (``<5``, ``x``) wherever its households cell is;
    - in a row without breakdown (:data:`WHOLE_ROW_PARTS` or more households parts beside a
      total ``<5``, :func:`suppress_row`) every persons part is ``x`` too, ``0`` included;
    - while a reader of the row (:func:`totals_pin_a_small_count` on this row alone, with
      both relations) can still pin a hidden count of 1-4, or the persons of a group with
      1-4 households, one more group is hidden: its persons alone, else its households and
      persons, the smallest first; failing that, groups are hidden smallest first until
      the row pins nothing, and last the row's totals.
    """
    pairs = [(h, p) for h, p in linked if h in out.columns and p in out.columns]
    col = out.columns.get_loc

    def hide(c: str) -> None:
        v = float(raw[c].iloc[i])
        if not _hidden(out[c].iloc[i]) and v > 0:
            out.iloc[i, col(c)] = SMALL if v < MIN_COUNT else SECONDARY

    row = out.iloc[[i]].reset_index(drop=True)
    no_breakdown = {c for _, c in _no_breakdown_cells(row, groups)}
    for h, p in pairs:
        if h in no_breakdown:
            out.iloc[i, col(p)] = SECONDARY
        elif _hidden(out[h].iloc[i]):
            hide(p)

    def pins(frame: pd.DataFrame) -> bool:
        return totals_pin_a_small_count(
            frame.iloc[[i]].reset_index(drop=True), raw.iloc[[i]].reset_index(drop=True),
            groups, [], linked=pairs,
        )  # fmt: skip

    if not pins(out):
        return
    order = sorted(pairs, key=lambda hp: (float(raw[hp[0]].iloc[i]), float(raw[hp[1]].iloc[i])))
    shown = [(h, p) for h, p in order if not (_hidden(out[h].iloc[i]) and _hidden(out[p].iloc[i]))
             and float(raw[p].iloc[i]) > 0]  # fmt: skip
    for h, p in shown:
        for cells in ([p], [h, p]):
            trial = out.copy()
            for c in cells:
                v = float(raw[c].iloc[i])
                if not _hidden(trial[c].iloc[i]) and v > 0:
                    trial.iloc[i, col(c)] = SMALL if v < MIN_COUNT else SECONDARY
            if not pins(trial):
                for c in cells:
                    hide(c)
                return
    for h, p in shown:
        hide(h)
        hide(p)
        if not pins(out):
            return
    for _, total in groups:
        if total in out.columns:
            hide(total)


def hidden_ranges(
    shown: Sequence[str], values: Sequence[float], total: float
) -> list[tuple[float, float]]:
    """The range each hidden cell of a column can take when the reader knows the column's
    total: ``<5`` is 1-4 and ``x`` 5 or more, and the hidden cells add up to the total less
    the cells shown. For cell ``j``: at least the rest less the others' upper bounds, at
    most the rest less their lower bounds.

    Examples
    --------
    >>> hidden_ranges(["<5", "10", "x"], [4, 10, 8], 22)
    [(1.0, 4.0), (0.0, 0.0), (8.0, 11.0)]
    >>> hidden_ranges(["<5", "10"], [4, 10], 14)
    [(4.0, 4.0), (0.0, 0.0)]
    """
    bounds = [(1.0, 4.0) if s == SMALL else (5.0, float("inf")) if s == SECONDARY else None
              for s in shown]  # fmt: skip
    rest = float(total) - sum(float(v) for v, b in zip(values, bounds, strict=True) if b is None)
    out = []
    for j, b in enumerate(bounds):
        if b is None:
            out.append((0.0, 0.0))
            continue
        lo_others = sum(o[0] for i, o in enumerate(bounds) if o is not None and i != j)
        hi_others = sum(o[1] for i, o in enumerate(bounds) if o is not None and i != j)
        out.append((max(b[0], rest - hi_others), min(b[1], rest - lo_others)))
    return out


def column_pins(shown: Sequence[str], values: Sequence[float]) -> bool:
    """Whether the column's total pins one of its hidden cells (:func:`hidden_ranges`): a
    ``<5``, or an ``x``, which protects a ``<5`` in its row. Where
    :func:`protect_column` finds no more cells to hide (one or two sites, say 1 and 5
    households beside 6 placed), the total itself must not be published exactly.

    Examples
    --------
    >>> column_pins(["<5", "x"], [1, 5]), column_pins(["<5", "x"], [4, 9])
    (True, False)
    """
    ranges = hidden_ranges(shown, values, sum(values))
    return any(
        s in (SMALL, SECONDARY) and lo == hi for s, (lo, hi) in zip(shown, ranges, strict=True)
    )


def _no_breakdown_cells(
    shown: pd.DataFrame, groups: Sequence[tuple[Sequence[str], str]]
) -> set[tuple[int, str]]:
    """The parts shown ``x`` in rows that show no breakdown (:data:`WHOLE_ROW_PARTS` or more
    parts beside a total ``<5``, :func:`suppress_row`): each is 0-4, not 5 or more."""
    out: set[tuple[int, str]] = set()
    for parts, total in groups:
        cols = [c for c in parts if c in shown.columns]
        if total not in shown.columns or len(cols) < WHOLE_ROW_PARTS:
            continue
        for i in range(len(shown)):
            cells = [str(shown[c].iloc[i]) for c in cols]
            if str(shown[total].iloc[i]) == SMALL and all(v == SECONDARY for v in cells):
                out |= {(i, c) for c in cols}
    return out


def totals_pin_a_small_count(
    shown: pd.DataFrame,
    raw: pd.DataFrame,
    groups: Sequence[tuple[Sequence[str], str]],
    column_totals: Sequence[str],
    linked: Sequence[tuple[str, str]] = (),
) -> bool:
    """Whether a reader pins a hidden count of 1-4 of the table by all its relations at once.

    The reader has every shown number, ``<5`` as 1-4, ``x`` as 5 or more (0-4 for a part
    of a row without breakdown, :func:`suppress_row`), each row's ``groups`` (parts adding
    up to a total; at most or at least the total where the exact row does not add up) and
    the total of each column in ``column_totals``. Row and column
    relations together can pin a count that neither pins alone (4 + 1 households of two
    sites beside 7 placed and a site of 5 shown as ``x``: the ``x`` is at least 5, so the
    second site holds at most 2, and its two groups at least 1 each).

    ``linked`` holds ``(households, persons)`` column pairs of one group: the reader knows
    that a group's persons are at least its households, and 1 or more exactly when its
    households are (each relation where the exact table keeps it). A group's persons
    hidden beside its hidden households of 1-4 must not be pinned either (they would be
    the persons of 1-4 households); its persons in a row without breakdown are ``x``
    for any number, 0 included.

    An integer program (HiGHS) finds, per protected cell (hidden, with 1-4 in the exact
    table; or such a group's persons), its smallest and largest value: pinned when they
    are equal. Two readings that move every protected cell at once (all down, all up) go
    first: a cell they show at another value than its own is free.
    """
    pairs = [(h, p) for h, p in linked if h in shown.columns and p in shown.columns]
    cols = list(dict.fromkeys([*(c for p, t in groups for c in (*p, t)), *column_totals,
                               *(c for pair in pairs for c in pair)]))  # fmt: skip
    cols = [c for c in cols if c in shown.columns]
    # remembered: the map, the report, the workbook and the CSV read the same tables
    return _pins(
        tuple(cols),
        tuple(tuple(str(shown[c].iloc[i]) for c in cols) for i in range(len(shown))),
        tuple(tuple(float(raw[c].iloc[i]) for c in cols) for i in range(len(shown))),
        tuple((tuple(p), t) for p, t in groups),
        tuple(column_totals),
        tuple(pairs),
    )


@functools.lru_cache(maxsize=4096)
def _pins(
    cols: tuple[str, ...],
    texts: tuple[tuple[str, ...], ...],
    values: tuple[tuple[float, ...], ...],
    groups: tuple[tuple[tuple[str, ...], str], ...],
    column_totals: tuple[str, ...],
    pairs: tuple[tuple[str, str], ...],
) -> bool:
    """:func:`totals_pin_a_small_count` of a table as text and numbers (hashable)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    shown = pd.DataFrame(list(texts), columns=list(cols), dtype=object)
    raw = pd.DataFrame(list(values), columns=list(cols), dtype=float)
    no_breakdown = _no_breakdown_cells(shown, groups)
    for i, h in list(no_breakdown):  # its persons shown x: any number, 0 included
        no_breakdown |= {(i, p) for hh, p in pairs
                         if hh == h and str(shown[p].iloc[i]) == SECONDARY}  # fmt: skip
    var: dict[tuple[int, str], int] = {}
    lo: list[float] = []
    hi: list[float] = []
    # above every cell of the exact table: keeps the program bounded, pins nothing
    top = sum(float(raw[c].clip(lower=0).sum()) for c in cols) + MIN_COUNT
    ceiling = dict.fromkeys(cols, top)
    for c in cols:
        for i in range(len(shown)):
            v = str(shown[c].iloc[i])
            if v in (SMALL, SECONDARY):
                var[(i, c)] = len(lo)
                if (i, c) in no_breakdown:  # a part of a row without breakdown
                    lo.append(0.0)
                    persons = any(c == p for _, p in pairs)
                    hi.append(ceiling[c] if persons else MIN_COUNT - 1.0)
                    continue
                lo.append(1.0 if v == SMALL else float(MIN_COUNT))
                # an x is 5 or more: its column's sum is no bound the reader knows
                hi.append(MIN_COUNT - 1.0 if v == SMALL else ceiling[c])

    def exact(i: int, c: str) -> float:
        return float(raw[c].iloc[i])

    protected = {k for k in var if 0 < exact(*k) < MIN_COUNT}
    protected |= {(i, p) for h, p in pairs for i in range(len(shown))
                  if (i, h) in protected and (i, p) in var}  # fmt: skip
    if not protected:
        return False
    rows: list[tuple[dict[int, float], float, float]] = []

    def relation(cells: list[tuple[int, str, float]], rlo: float, rhi: float) -> None:
        """rlo <= sum(sign * cell) <= rhi, the shown cells moved to the bounds."""
        coef: dict[int, float] = {}
        for i, c, sign in cells:
            if (i, c) in var:
                coef[var[(i, c)]] = coef.get(var[(i, c)], 0.0) + sign
            else:
                rlo, rhi = rlo - sign * exact(i, c), rhi - sign * exact(i, c)
        if coef:
            rows.append((coef, rlo, rhi))

    for parts, total in groups:
        part_cols = [c for c in parts if c in cols]
        if total in cols and part_cols:
            for i in range(len(shown)):
                # parts add up to the total; where the exact row does not (units shared by
                # single adults: fewer occupied units than households), the side it keeps
                gap = sum(exact(i, c) for c in part_cols) - exact(i, total)
                rlo, rhi = (0.0, 0.0) if gap == 0 else (-np.inf, 0.0) if gap < 0 else (0.0, np.inf)
                relation([(i, c, 1.0) for c in part_cols] + [(i, total, -1.0)], rlo, rhi)
    for c in [c for c in column_totals if c in cols]:
        relation([(i, c, 1.0) for i in range(len(shown))], float(raw[c].sum()),
                 float(raw[c].sum()))  # fmt: skip
    for h, p in pairs:
        big = ceiling[p]  # no group's persons exceed it
        for i in range(len(shown)):
            if exact(i, p) >= exact(i, h):  # persons >= households
                relation([(i, p, 1.0), (i, h, -1.0)], 0.0, np.inf)
            if exact(i, p) == 0 or exact(i, h) >= 1:  # persons >= 1 only with households
                relation([(i, p, 1.0), (i, h, -big)], -np.inf, 0.0)
    if not rows:
        return False
    a = np.zeros((len(rows), len(lo)))
    for r, (coef, _, _) in enumerate(rows):
        for j, x in coef.items():
            a[r, j] = x
    cons = LinearConstraint(a, [r[1] for r in rows], [r[2] for r in rows])
    integral, box = np.ones(len(lo)), Bounds(lo, hi)
    left = {var[k]: exact(*k) for k in protected}  # cells not yet seen at another value

    def reading(obj: np.ndarray) -> np.ndarray | None:
        """A reading (values of the hidden cells) optimal for ``obj``; it frees every cell
        it gives another value than its own."""
        res = milp(obj, constraints=cons, integrality=integral, bounds=box)
        if res.status != 0:
            return None
        x = np.round(res.x)
        for j in [j for j, v in left.items() if x[j] != v]:
            del left[j]
        return x

    # two readings that move all protected cells at once (down, up) free most of them
    for sign in (1.0, -1.0):
        obj = np.zeros(len(lo))
        obj[list(left)] = sign
        if left and reading(obj) is None:
            return True  # cannot tell: treat as pinned
    for j in sorted(left):  # the rest one by one: smallest and largest value
        if j not in left:
            continue
        own = left[j]
        for sign in (1.0, -1.0):
            obj = np.zeros(len(lo))
            obj[j] = sign
            seen = reading(obj)
            if seen is None or sign * seen[j] > sign * own:
                return True  # cannot tell (the exact table is no reading): treat as pinned
            if seen[j] != own:
                break  # the cell can take another value than its own
        else:
            return True
    return False


def protect_column(
    out: pd.DataFrame, raw: pd.DataFrame, col: str, groups: Sequence[tuple[Sequence[str], str]]
) -> None:
    """Secondary suppression down a column whose total is published (in place).

    The hidden cells of the column add up to the total less the cells shown: where that
    pins a ``<5`` (:func:`hidden_ranges`; e.g. one site with 4 households beside a total
    of households placed) or an ``x`` (which protects a ``<5`` in its row, e.g. 4 + 4
    households of two groups), one more cell of the column is hidden as ``x``: the smallest of
    8 or more (an ``x`` is known to be 5 or more, so 8 leaves each ``<5`` all four values),
    else the largest. That cell is the total of its row's parts (households = occupied
    units per group) when ``col`` is a group's total: then the row's largest shown part is
    hidden too, else the parts would give the ``x`` back.
    """
    for _ in range(len(out)):
        shown = [str(v) for v in out[col]]
        values = [float(v) for v in raw[col]]
        if not column_pins(shown, values):
            return
        free = [(v, i) for i, (s, v) in enumerate(zip(shown, values, strict=True))
                if s not in (SMALL, SECONDARY) and v > 0]  # fmt: skip
        if not free:
            return
        wide = [c for c in free if c[0] >= 2 * MIN_COUNT - 2]
        _, i = min(wide) if wide else max(free)
        out.iloc[i, out.columns.get_loc(col)] = SECONDARY
        for parts, total in groups:
            cols = [c for c in parts if c in out.columns]
            if total != col or any(str(out[c].iloc[i]) in (SMALL, SECONDARY) for c in cols):
                continue
            nonzero = [(float(raw[c].iloc[i]), c) for c in cols if float(raw[c].iloc[i]) > 0]
            if nonzero:
                out.iloc[i, out.columns.get_loc(max(nonzero)[1])] = SECONDARY


def council_comparison(table: pd.DataFrame, hidden_totals: Iterable[str] = ()) -> pd.DataFrame:
    """The allocation's comparison with the baseline (``allocation_vs_baseline.csv``, the
    report's and the workbook's table) as the council sees it.

    The rows in :data:`COUNT_COMPONENTS` count households: 1-4 as ``<5``. Each row's
    ``improvement`` is baseline less optimiser, so it is hidden (``x``) beside a ``<5``.
    The ``total`` is the weighted sum of the components, with the weights in the scenario
    and every other component shown exactly: it would give a ``<5`` back (a relocation of
    1 at weight 5 and the km), so a column's total is hidden where the column holds one,
    and the total's improvement with it. ``hidden_totals`` holds ``households`` where the
    households placed would pin a hidden count of the per-site table
    (:func:`totals_pin_a_small_count`): the ``placed`` row is then ``x`` (the baseline's
    too, which mostly places every household as well).

    Examples
    --------
    >>> t = pd.DataFrame({"component": ["school_km", "relocation", "total"],
    ...                   "optimiser": [10.5, 1.0, 15.5], "baseline": [20.0, 6.0, 50.0],
    ...                   "improvement": [9.5, 5.0, 34.5]})
    >>> council_comparison(t)[["optimiser", "baseline", "improvement"]].values.tolist()
    [[10.5, 20.0, 9.5], ['<5', '6', 'x'], ['x', 50.0, 'x']]
    """
    out = table.copy()
    key = out.columns[0]
    cols = [c for c in ("optimiser", "baseline", "improvement") if c in out.columns]
    for c in cols:
        out[c] = out[c].astype(object)
    hidden_in: set[str] = set()
    for i in range(len(out)):
        if str(out[key].iloc[i]) not in COUNT_COMPONENTS:
            continue
        small = False
        for c in ("optimiser", "baseline"):
            if c in cols:
                v = show_count(table[c].iloc[i])
                out.iloc[i, out.columns.get_loc(c)] = v
                if v == SMALL:
                    small = True
                    hidden_in.add(c)
        if "improvement" in cols:
            v = table["improvement"].iloc[i]
            out.iloc[i, out.columns.get_loc("improvement")] = (
                SECONDARY if small else str(round(float(v))) if pd.notna(v) else ""
            )
    for i in range(len(out)):
        if str(out[key].iloc[i]) == "placed" and "households" in set(hidden_totals):
            # the baseline mostly places everyone too: its placed is the same number
            for c in ("optimiser", "baseline", "improvement"):
                if c in cols:
                    out.iloc[i, out.columns.get_loc(c)] = SECONDARY
        if str(out[key].iloc[i]) == "total" and hidden_in:
            for c in [*hidden_in, "improvement"]:
                if c in cols:
                    out.iloc[i, out.columns.get_loc(c)] = SECONDARY
    return out


def household_table_for(df: pd.DataFrame, profile: Profile) -> pd.DataFrame | None:
    """A household-level table as the profile allows it.

    ``council``: ``None`` (never exported). ``analyst``: the table without columns that
    look like names or other direct identifiers.
    """
    if profile == "council":
        return None
    keep = [c for c in df.columns if not NAME_COLUMN.match(str(c))]
    return df[keep].copy()

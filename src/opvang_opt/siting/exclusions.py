"""Hard, non-compensatory exclusion rules: each broken rule is recorded with its measure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from opvang_opt.dates import parse_dates as parse_date_column
from opvang_opt.errors import DataError, Problem
from opvang_opt.schema import (
    AvailableByRule,
    CloserThanRule,
    Exclusion,
    IntersectsRule,
    LimitRule,
)
from opvang_opt.siting.capacity import column_summary, id_row
from opvang_opt.siting.criteria import (
    NearestDistances,
    category_text,
    intersects_any,
    numeric_column,
    overlap_area,
)
from opvang_opt.texts import DEFAULT_LANG, Lang, Message

EXCLUSION_COLUMNS = ["site_id", "rule", "label", "measured", "limit", "unit", "message"]


class RowMessage(Message):
    """The message of one row of a rule, made from the rule's shared columns when read.

    A million excluded plots hold a million of these: two slots each, instead of a
    message with its own parameter dicts and nested measure messages. It renders, hashes,
    compares and pickles as the plain :class:`~opvang_opt.texts.Message` it stands for.
    """

    __slots__ = ("_make", "_row")
    _make: Callable[[int], Message]
    _row: int

    def __init__(self, make: Callable[[int], Message], row: int) -> None:
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_row", row)

    @property
    def plain(self) -> Message:
        """The message as a plain :class:`~opvang_opt.texts.Message`."""
        return self._make(self._row)

    @property
    def code(self) -> str:
        return self.plain.code

    @property
    def params(self) -> Mapping[str, Any]:
        return self.plain.params

    def render(self, lang: Lang = DEFAULT_LANG) -> str:
        return self.plain.render(lang)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.code, self.params) == (other.code, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.plain)

    def __repr__(self) -> str:
        return repr(self.plain)

    def __reduce__(self) -> tuple[Any, ...]:
        plain = self.plain
        return (Message, (plain.code, plain.params))

    @classmethod
    def column(cls, make: Callable[[int], Message], n: int) -> list[Message]:
        """The messages of rows ``0 .. n-1``."""
        return [cls(make, k) for k in range(n)]


def parse_dates(sites: gpd.GeoDataFrame, column: str, id_column: str, source: str) -> pd.Series:
    """Parse a date column of the longlist by the one date policy (:mod:`opvang_opt.dates`);
    every missing or unreadable date is a problem.

    Each distinct value is parsed once (a million plots have a handful of dates)."""
    raw = sites[column]
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    parsed_u, errors_u = parse_date_column(pd.Series(np.asarray(uniques, dtype=object)))
    # code -1 (missing) takes the last entry: None
    taken = np.concatenate([parsed_u.to_numpy(dtype=object), np.array([None], dtype=object)])
    parsed = pd.Series(taken[codes], index=raw.index, dtype=object)
    bad = {e.position: e for e in errors_u}
    rows = np.flatnonzero(np.isin(codes, list(bad))) if bad else np.zeros(0, dtype=np.int64)
    problems = [
        Problem(Message("problem.siting.bad_date",
                        {"why": bad[c].message, "value": repr(bad[c].raw)}),
                source, id_row(sites[id_column].iloc[i], i), column)
        for i, c in zip(rows.tolist(), codes[rows].tolist(), strict=True)
    ]  # fmt: skip
    for i in np.flatnonzero(raw.isna().to_numpy()):
        problems.append(
            Problem(
                Message("problem.siting.missing_date"),
                source,
                id_row(sites[id_column].iloc[i], i),
                column,
            )
        )
    if problems:
        raise DataError(column_summary(column, len(problems)), problems)
    return parsed


def measure_message(value: float, unit: str = "") -> Message:
    """A measure with its unit code, rendered later: 1.877 m2, 23,1 m, 91%."""
    if not np.isfinite(value):
        return Message("common.none")
    if unit == "share":
        return Message("siting.measure_share", {"value": float(value)})
    if unit == "yes_no":
        return Message("common.yes" if value else "common.no")
    if unit == "eur":
        return Message("siting.measure_eur", {"value": float(value)})
    if not unit:
        return Message("siting.measure_plain", {"value": float(value)})
    return Message("siting.measure", {"value": float(value), "unit": Message(f"unit.{unit}")})


NAME_COLUMNS = ("name", "naam", "naam_n2k", "sitename", "site_name", "label")
"""Columns of a constraint layer that name its features (Natura 2000: naam_n2k)."""


def _names_hit(
    sites: np.ndarray,
    layer: gpd.GeoDataFrame,
    label: str,
    idx: np.ndarray,
    within: float | None = None,
) -> np.ndarray:
    """For the sites at ``idx``, the layer's name followed by the names of the features each
    touches (or lies within ``within`` metres of), when the layer has a name column:
    'natura (Botshol)'; at most three names, sorted. One bulk tree query."""
    out = np.full(len(idx), label, dtype=object)
    lower = {str(c).lower(): c for c in layer.columns}
    col = next((lower[c] for c in NAME_COLUMNS if c in lower), None)
    if col is None or len(layer) == 0 or len(idx) == 0:
        return out
    names = np.asarray(layer[col].astype("string").fillna("").to_numpy(), dtype=object)
    tree = shapely.STRtree(layer.geometry.values)
    if within is None:
        qs, qf = tree.query(sites[idx], predicate="intersects")
        # a plot overlapping one feature and only touching its neighbour (a shared edge,
        # no m² in common) names the one it overlaps
        flat = (shapely.get_dimensions(sites[idx][qs]) < 2) | (
            shapely.get_dimensions(layer.geometry.values[qf]) < 2
        )
        keep = flat.copy()
        keep[~flat] = shapely.relate_pattern(
            sites[idx][qs[~flat]], layer.geometry.values[qf[~flat]], "T********"
        )
        qs, qf = qs[keep], qf[keep]
    else:
        qs, qf = tree.query(sites[idx], predicate="dwithin", distance=within)
    # (site, name) pairs without empty names or repeats, sorted; the first three per site
    found = sorted({(int(q), str(nm)) for q, nm in zip(qs.tolist(), names[qf].tolist(),
                                                       strict=True) if str(nm)})  # fmt: skip
    per_site: dict[int, list[str]] = {}
    for q, nm in found:
        got = per_site.setdefault(q, [])
        if len(got) < 3:
            got.append(nm)
    for q, got in per_site.items():
        out[q] = f"{label} ({', '.join(got)})"
    return out


def _overlaps_message(
    k: int, hit: np.ndarray, area: np.ndarray, share: np.ndarray, flat: np.ndarray
) -> Message:
    if flat[k]:  # a point or line site has no area to overlap with: it lies in the layer
        return _intersects_message(k, hit)
    return Message(
        "siting.exclusion.overlaps",
        {"layer": hit[k], "area": float(area[k]), "share": float(share[k])},
    )


def _intersects_message(k: int, hit: np.ndarray) -> Message:
    return Message("siting.exclusion.intersects", {"layer": hit[k]})


OVERLAP_NOISE_M2 = 1e-6
"""Overlaps of at most a square millimetre are float noise of the overlay (a plot sharing an
edge with a layer's polygon measures 1e-9 m² or so), not an overlap."""


def shown_beyond(
    value: float, limit: float, unit: str = "", *, below: bool = True, digits: int | None = None
) -> float:
    """A measure that broke a limit (below it, or above it with ``below=False``) as its
    text shows it (:func:`measure_message`: whole numbers from 100 on, else three
    significant digits; whole percent; whole euros), cut towards the broken side rather
    than rounded when rounding would reach the limit: a plot 999.6 m from a Natura 2000
    area under 'at least 1,000 m' is '999 m' from it, not '1,000 m' (which reads as
    allowed); an area of 4,999.6 m² under 'at least 5,000 m²' is '4,999 m²'. ``digits``:
    the decimals shown, when not those of ``unit``."""
    beyond = value < limit if below else value > limit
    if not np.isfinite(value) or not beyond or unit == "yes_no":
        return value
    if digits is None and unit == "share":
        digits = 2
    elif digits is None:
        whole = unit == "eur" or value == 0 or abs(value) >= 100
        digits = 0 if whole else 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, digits)
    if (rounded < limit) if below else (rounded > limit):
        return value
    scale = 10**digits
    return (math.floor(value * scale) if below else math.ceil(value * scale)) / scale


def _closer_message(k: int, hit: np.ndarray, distance: np.ndarray, limit: float) -> Message:
    return Message(
        "siting.exclusion.closer_than",
        {"layer": hit[k], "distance": shown_beyond(float(distance[k]), limit), "limit": limit},
    )


def _limit_message(
    k: int, code: str, what: str, measured: np.ndarray, unit: str, limit: float
) -> Message:
    value, below = float(measured[k]), code.endswith("below")
    shown = shown_beyond(value, limit, unit, below=below)
    text = measure_message(shown, unit)
    if unit == "share" and shown != value:  # 50.3 % above 50 %: '50.3%', not '51%'
        tenths = shown_beyond(value, limit, unit, below=below, digits=3)
        text = Message("siting.measure_share_fine", {"value": tenths})
    return Message(code, {"what": what, "value": text,
                          "limit": measure_message(limit, unit)})  # fmt: skip


def _late_message(k: int, available: np.ndarray, days: np.ndarray, date: dt.date) -> Message:
    # dates, not ISO text: the message writes them as the reader's language does
    # ("25 september 2029" in Dutch)
    return Message(
        "siting.exclusion.available_by",
        {"available": _as_date(available[k]), "date": date, "days": int(days[k])},
    )


def _as_date(value: object) -> dt.date:
    """A date cell (``datetime.date``, pandas or numpy) as a plain ``datetime.date``."""
    return pd.Timestamp(value).date()


def evaluate_exclusions(
    rules: tuple[Exclusion, ...],
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    indicators: dict[str, np.ndarray],
    id_column: str,
    source: str,
    units: dict[str, str] | None = None,
    nearest: NearestDistances | None = None,
    overlaps: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Apply every rule to every site.

    Parameters
    ----------
    rules
        The scenario's exclusion rules.
    sites
        The longlist in RD New.
    layers
        The other layers by name.
    indicators
        Measured criterion indicators by criterion name (for ``below``/``above`` rules).
    units
        Unit code of each criterion's indicator, for the messages.
    nearest
        Shared straight-line distances of the run (made here when not given).
    overlaps
        Overlap areas (m2, or 0/1 for non-polygon layers) of ``intersects`` rules
        already measured, by rule name (measured here when not given).
    id_column, source
        The longlist's id column and file, for messages.

    Returns
    -------
    pandas.DataFrame
        One row per (site, broken rule): site_id, rule, label, measured, limit, unit (a
        code of the catalogue's ``unit.`` texts, or empty), message (a
        :class:`~opvang_opt.texts.Message`). A site that breaks three rules has three rows.
    """
    table, _ = exclusion_rows(
        rules, sites, layers, indicators, id_column, source, units, nearest, overlaps
    )
    return table


def exclusion_rows(
    rules: tuple[Exclusion, ...],
    sites: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    indicators: dict[str, np.ndarray],
    id_column: str,
    source: str,
    units: dict[str, str] | None = None,
    nearest: NearestDistances | None = None,
    overlaps: dict[str, np.ndarray] | None = None,
    ids: np.ndarray | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`evaluate_exclusions`, and the position of each row's site in ``sites``.

    ``ids`` are the sites' ids as text, when the caller has them already."""
    measured_in = overlaps
    positions: list[np.ndarray] = []
    ids = sites[id_column].astype(str).to_numpy() if ids is None else ids
    geoms = sites.geometry.values
    area = shapely.area(geoms)
    frames = []
    for rule in rules:
        label = rule.label or rule.name
        match rule:
            case IntersectsRule():
                layer = layers[rule.layer].geometry.values
                polygonal = len(layer) > 0 and bool((shapely.get_dimensions(layer) == 2).all())
                given = (measured_in or {}).get(rule.name)
                if polygonal:
                    measured = overlap_area(geoms, layer) if given is None else given
                    # more than the tolerated m²; GEOS areas carry float noise: a plot drawn
                    # along a Natura 2000 boundary (sharing its edge) overlaps it by 5e-10 m²,
                    # so overlaps within OVERLAP_NOISE_M2 (and within 1e-9 relative of the
                    # tolerance) are no overlap, as distances at a limit stay in
                    broken = measured > max(rule.min_overlap_m2 * (1 + 1e-9), OVERLAP_NOISE_M2)
                    # a point or line site covers no area: it is out when it touches the layer
                    is_flat = shapely.get_dimensions(geoms) < 2
                    flat = np.flatnonzero(is_flat)
                    if len(flat):
                        broken[flat] |= intersects_any(geoms[flat], layer)
                    idx = np.flatnonzero(broken)
                    hit = _names_hit(geoms, layers[rule.layer], rule.layer, idx)
                    m = np.asarray(measured, dtype=float)[idx]
                    sh = np.divide(m, area[idx], out=np.zeros(len(idx)), where=area[idx] > 0)
                    make = partial(_overlaps_message, hit=hit, area=m, share=sh,
                                   flat=is_flat[idx])  # fmt: skip
                    unit = "m2"
                else:
                    broken = intersects_any(geoms, layer) if given is None else given > 0
                    measured = broken.astype(float)
                    idx = np.flatnonzero(broken)
                    hit = _names_hit(geoms, layers[rule.layer], rule.layer, idx)
                    make = partial(_intersects_message, hit=hit)
                    unit = ""
                limit = rule.min_overlap_m2
            case CloserThanRule():
                nearest = nearest or NearestDistances(geoms, layers)
                column = rule.category_column if rule.category else None
                measured = nearest(rule.layer, column, rule.category)
                # strictly closer; GEOS distances carry float noise (a plot exactly 35 m from a
                # line measures 34.99999999999999 m), so values within 1e-9 relative of the
                # limit count as at the limit and stay in
                broken = measured < rule.distance_m * (1 - 1e-9)
                limit, unit = rule.distance_m, "m"
                idx = np.flatnonzero(broken)
                # name only the features the rule is about (its category), not a school
                # that happens to lie nearer than the petrol station that broke the rule
                features = layers[rule.layer]
                if column is not None and rule.category is not None:
                    of = (category_text(features[column]) == rule.category).fillna(False)
                    features = features[of.to_numpy()]
                near = _names_hit(geoms, features, rule.layer, idx, rule.distance_m)
                dist = np.asarray(measured, float)[idx]
                make = partial(_closer_message, hit=near, distance=dist, limit=rule.distance_m)
            case LimitRule():
                if rule.criterion is not None:
                    measured = indicators[rule.criterion]
                    what = rule.criterion
                    unit = (units or {}).get(rule.criterion, "")
                else:
                    column = rule.column or ""  # the schema sets a criterion or a column
                    measured = numeric_column(sites, column, id_column, source)
                    what, unit = column, ""
                limit = rule.limit
                # a criterion measured on the geometry carries float noise (a plot drawn
                # exactly 2,000 m² measures 1,999.9999999999998 m² when rotated): within
                # 1e-9 relative of the limit counts as at it and stays in, as for closer_than
                slack = 1e-9 * max(abs(limit), 1.0) if rule.criterion is not None else 0.0
                broken = (
                    measured < limit - slack if rule.kind == "below" else measured > limit + slack
                )
                idx = np.flatnonzero(broken)
                make = partial(_limit_message, code=f"siting.exclusion.{rule.kind}", what=what,
                               measured=np.asarray(measured, float)[idx], unit=unit,
                               limit=float(limit))  # fmt: skip
            case AvailableByRule():
                dates = parse_dates(sites, rule.column, id_column, source)
                ordinal = pd.to_datetime(dates).to_numpy("datetime64[D]").astype(np.int64)
                ordinal = ordinal.astype(float) + dt.date(1970, 1, 1).toordinal()
                measured = ordinal - rule.date.toordinal()
                broken = measured > 0
                limit, unit = 0.0, "days_late"
                idx = np.flatnonzero(broken)
                make = partial(_late_message, available=dates.to_numpy()[idx],
                               days=measured[idx], date=rule.date)  # fmt: skip
            case _:  # pragma: no cover
                raise TypeError(f"unknown rule {rule!r}")
        frames.append(
            pd.DataFrame(
                {
                    "site_id": ids[idx],
                    "rule": rule.name,
                    "label": label,
                    "measured": np.round(np.asarray(measured, dtype=float)[idx], 3),
                    "limit": float(limit),
                    "unit": unit,
                    "message": pd.Series(
                        RowMessage.column(make, len(idx)), dtype=object, index=range(len(idx))
                    ),
                }
            )
        )
        positions.append(idx)
    if not frames:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS), np.zeros(0, dtype=np.int64)
    table = pd.concat(frames, ignore_index=True)[EXCLUSION_COLUMNS]
    return table, np.concatenate(positions).astype(np.int64)

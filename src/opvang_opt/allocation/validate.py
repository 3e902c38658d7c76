"""Validation of the allocation input tables.

:func:`validate_inputs` checks every table at once and raises one
:class:`~opvang_opt.errors.DataError` listing *all* problems found (file, row or
id, column, message). It returns normalised copies of the tables that the rest of
the allocation code relies on: ids as strings, counts as integers, flags as
booleans, dates as ``datetime64[D]``, site lists as tuples.

A household larger than any unit is *not* a data error: the solver reports it as
infeasibility with a diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from opvang_opt.dates import parse_dates
from opvang_opt.errors import DataError, Problem
from opvang_opt.numtext import ambiguous_whole, amount_hint, comma_hint, whole_number_hint
from opvang_opt.schema import AllocationConfig, did_you_mean_hint
from opvang_opt.schema.allocation import Ban, Pin
from opvang_opt.schema.names import id_key, near_duplicate_problems
from opvang_opt.texts import Message

HOUSEHOLD_REQUIRED = (
    "household_id",
    "group",
    "persons",
    "adults",
    "children_0_3",
    "children_4_11",
    "children_12_17",
    "arrival_date",
)
HOUSEHOLD_OPTIONAL: dict[str, object] = {
    "needs_wheelchair": False,
    "needs_ground_floor": False,
    "needs_medical": False,
    "school_x": np.nan,
    "school_y": np.nan,
    "work_x": np.nan,
    "work_y": np.nan,
    "preferred_sites": "",
    "refused_sites": "",
    "current_unit": "",
}
UNIT_REQUIRED = ("unit_id", "site_id", "bedrooms", "beds")
UNIT_OPTIONAL: dict[str, object] = {
    "accessible": False,
    "floor": 0,
    "available_from": pd.NaT,
    "rent_eur": np.nan,
}
SITE_REQUIRED = ("site_id", "x", "y")
SCHOOL_REQUIRED = ("school_id", "x", "y", "taalklas_places", "isk_places")
GP_REQUIRED = ("gp_id", "x", "y")
OCCUPIED_REQUIRED = ("unit_id", "group")
OCCUPIED_OPTIONAL: dict[str, object] = {"household_id": "", "persons": 1}

EARLIEST = np.datetime64("1900-01-01", "D")


@dataclass(frozen=True)
class Tables:
    """The validated and normalised inputs of one allocation.

    Attributes
    ----------
    households, units, sites, schools, gps, occupied
        Normalised copies of the input tables (never the caller's objects).
    history
        Earlier arrivals for the rolling look-ahead (households' columns; empty when none
        were given).
    forecast
        Expected arrivals given to the rolling look-ahead instead of its sample
        (households' columns; empty when none were given).
    """

    households: pd.DataFrame
    units: pd.DataFrame
    sites: pd.DataFrame
    schools: pd.DataFrame
    gps: pd.DataFrame
    occupied: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    forecast: pd.DataFrame = field(default_factory=pd.DataFrame)


class _Collector:
    def __init__(self, sources: Mapping[str, str]) -> None:
        self.sources = dict(sources)
        self.problems: list[Problem] = []

    def add(
        self,
        table: str,
        message: Message,
        where: str | Message | None = None,
        field: str | None = None,
    ) -> None:
        self.problems.append(
            Problem(message, source=self.sources.get(table, table), where=where, field=field)
        )


PINS = "pins"
"""The scenario key named as the place of a problem with the pins (not language-bound)."""


def _row(i: int | np.integer) -> Message:
    return Message("problem.where.row", {"row": int(i) + 1})


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def split_ids(value: object) -> tuple[str, ...]:
    """Split a semicolon-separated id list (``"S01;S02"``) into a tuple; blanks give ``()``."""
    if _blank(value):
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(p.strip() for p in str(value).split(";") if p.strip())


def _id_column(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].map(lambda v: "" if _blank(v) else str(v).strip()).astype(object)


def _m(key: str, **params: object) -> Message:
    """The catalogue message ``problem.allocation.<key>``."""
    return Message(f"problem.allocation.{key}", params)


def _record(kind: str, ident: object) -> Message:
    """``household H1`` / ``huishouden H1``: a record named by its kind and id."""
    return _m(f"where.{kind.lower()}", id=str(ident))


def _where(ids: pd.Series | None, i: int | np.integer, kind: str) -> Message:
    if ids is not None and ids.iloc[i]:
        return _record(kind, ids.iloc[i])
    return Message("problem.where.row", {"row": int(i) + 1})


MAX_COUNT = 100_000
"""The largest count a household or unit table may hold in a cell (persons, beds, floors):
anything larger is a typing or export error, not a household."""


def _int_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    out: _Collector,
    ids: pd.Series | None,
    kind: str,
    minimum: int | None = 0,
) -> pd.Series:
    raw = pd.to_numeric(df[col], errors="coerce")
    # '1.000' is one or one thousand (a Dutch thousands separator): never guessed
    ambiguous = df[col].map(ambiguous_whole).astype(bool)
    bad = raw.isna() | (raw.notna() & (raw != np.round(raw))) | ambiguous
    for i in np.flatnonzero(bad.to_numpy()):
        value = df[col].iloc[i]
        what = (  # an empty cell is missing, not 'nan'
            Message("problem.layer.value_empty")
            if _blank(value) or (isinstance(value, str) and not value.strip())
            else _m("not_whole", value=repr(value), hint=whole_number_hint(value))
        )
        out.add(table, what, _where(ids, i, kind), col)
    # a count beyond any household or unit ('1e15' beds, or 20 digits that overflowed
    # to a negative 64-bit integer and were reported as 'less than 1')
    huge = ~bad & (raw.abs() > MAX_COUNT)
    for i in np.flatnonzero(huge.to_numpy()):
        value = str(df[col].iloc[i]).strip()
        out.add(table, _m("too_large", value=value, maximum=MAX_COUNT),
                _where(ids, i, kind), col)  # fmt: skip
    bad = bad | huge
    values = raw.where(~bad, 0).fillna(0).round().astype(np.int64)
    if minimum is not None:
        for i in np.flatnonzero((values < minimum).to_numpy() & ~bad.to_numpy()):
            n = str(int(values.iloc[i]))
            what = (
                _m("negative", value=n)
                if minimum == 0
                else _m("less_than", minimum=str(minimum), value=n)
            )
            out.add(table, what, _where(ids, i, kind), col)
    return values


def _float_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    out: _Collector,
    ids: pd.Series | None,
    kind: str,
    required: bool,
) -> pd.Series:
    raw = pd.to_numeric(df[col], errors="coerce")
    given = df[col].map(lambda v: not _blank(v))
    bad = (raw.isna() & given) | (raw.notna() & ~np.isfinite(raw.fillna(0)))
    if required:
        bad = bad | ~given
    for i in np.flatnonzero(bad.to_numpy()):
        value = df[col].iloc[i]
        msg = (
            _m("missing")
            if _blank(value)
            else _m("not_number", value=repr(value), hint=comma_hint(value))
        )
        out.add(table, msg, _where(ids, i, kind), col)
    return raw.astype(float)


def _bool_column(
    df: pd.DataFrame, col: str, table: str, out: _Collector, ids: pd.Series | None, kind: str
) -> pd.Series:
    # WAAR/ONWAAR: TRUE and FALSE as Excel writes them in a Dutch locale; J/N as a Dutch
    # form abbreviates ja/nee (N was no, J was refused); 1.0/0.0 as a float column exports
    truthy = {"true", "1", "1.0", "yes", "ja", "j", "y", "t", "waar"}
    falsy = {"false", "0", "0.0", "no", "nee", "n", "f", "", "onwaar"}

    def conv(v: object) -> bool | None:
        if _blank(v):
            return False
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
            return bool(v)
        s = str(v).strip().lower()
        if s in truthy:
            return True
        if s in falsy:
            return False
        return None

    values = df[col].map(conv)
    for i in np.flatnonzero(values.isna().to_numpy()):
        out.add(table, _m("not_bool", value=repr(df[col].iloc[i])), _where(ids, i, kind), col)
    return values.fillna(False).astype(bool)


def _date_column(
    df: pd.DataFrame,
    col: str,
    table: str,
    out: _Collector,
    ids: pd.Series | None,
    kind: str,
    required: bool,
) -> np.ndarray:
    """A date column by the project's one date policy (:mod:`opvang_opt.dates`): ISO or
    Dutch day-first, never month-first, never a two-digit year; every unreadable date is a
    problem naming its row and what to write."""
    parsed, errors = parse_dates(df[col].reset_index(drop=True))
    for e in errors:
        out.add(
            table,
            _m("bad_date", why=e.message, value=repr(e.raw)),
            _where(ids, e.position, kind),
            col,
        )
    if required:
        for i in np.flatnonzero(df[col].map(_blank).to_numpy()):
            out.add(table, _m("missing_date"), _where(ids, i, kind), col)
    days = np.array(
        [np.datetime64(d, "D") if d is not None else EARLIEST for d in parsed.tolist()],
        dtype="datetime64[D]",
    )
    return days


def _check_columns(
    df: pd.DataFrame | None, required: tuple[str, ...], table: str, out: _Collector
) -> bool:
    if df is None:
        out.add(table, _m("no_table"))
        return False
    missing = [c for c in required if c not in df.columns]
    for c in missing:
        out.add(table, _m("missing_column", hint=did_you_mean_hint(c, df.columns)), field=c)
    return not missing


def _unique_ids(
    frame: pd.DataFrame, field: str, table: str, kind: str, out: _Collector
) -> pd.Series:
    """A table's id column as text, each id present and once (every problem collected)."""
    ids = _id_column(frame, field)
    _duplicates(ids, table, field, kind, out)
    return ids


def _duplicates(ids: pd.Series, table: str, field: str, kind: str, out: _Collector) -> None:
    counts = ids[ids != ""].value_counts()
    for value in sorted(counts[counts > 1].index):
        out.add(
            table, _m("duplicate_id", times=str(int(counts[value]))), _record(kind, value), field
        )
    for i in np.flatnonzero((ids == "").to_numpy()):
        out.add(table, _m("missing_id"), Message("problem.where.row", {"row": int(i) + 1}), field)
    given = np.flatnonzero((ids != "").to_numpy())
    for p in near_duplicate_problems(
        [str(ids.iloc[i]) for i in given],
        [int(i) + 1 for i in given],
        table,
        field,
        lambda ident: _record(kind, ident),
    ):
        out.add(table, p.message, p.where, field)  # type: ignore[arg-type]


def validate_inputs(
    households: pd.DataFrame,
    units: pd.DataFrame,
    sites: pd.DataFrame,
    schools: pd.DataFrame | None,
    gps: pd.DataFrame | None,
    config: AllocationConfig,
    *,
    occupied: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
) -> Tables:
    """Check the allocation inputs and return normalised copies.

    Every problem of every table is collected before raising, so a user sees them
    all at once.

    Parameters
    ----------
    households, units, sites, schools, gps
        The input tables (see the package documentation for the columns).
        ``schools`` and ``gps`` may be ``None`` (no schools / no GPs).
    config
        The allocation settings (known groups, pins and bans are checked against the data).
    occupied
        Units already occupied (rolling mode): ``unit_id``, ``group`` and optionally
        ``household_id`` and ``persons``.
    history
        Earlier arrivals for rolling mode's look-ahead
        (:func:`~opvang_opt.allocation.rolling.run_rolling`): a table with the
        households' columns, checked like the households (ids unique within it, groups,
        composition, needs, dates, site references); its ``current_unit`` is not used.
    forecast
        Expected arrivals for rolling mode's look-ahead, given instead of its sample
        (:func:`~opvang_opt.allocation.rolling.run_rolling`): checked like ``history``.
    sources
        Labels for the messages per table name (``"households"``, ``"units"``,
        ``"sites"``, ``"schools"``, ``"gps"``, ``"occupied"``, ``"history"``,
        ``"forecast"``, ``"scenario"``),
        e.g. the file names. The table name is used when omitted.

    Returns
    -------
    Tables
        The normalised tables.

    Raises
    ------
    DataError
        When any problem is found; ``problems`` lists every one.

    Examples
    --------
    >>> import pandas as pd
    >>> from opvang_opt.allocation import validate_inputs
    >>> from opvang_opt.schema import AllocationConfig
    >>> hh = pd.DataFrame({"household_id": ["H1"], "group": ["martians"], "persons": [2],
    ...     "adults": [1], "children_0_3": [0], "children_4_11": [0], "children_12_17": [0],
    ...     "arrival_date": ["2025-01-01"]})
    >>> un = pd.DataFrame({"unit_id": ["U1"], "site_id": ["S9"], "bedrooms": [1], "beds": [2]})
    >>> st = pd.DataFrame({"site_id": ["S1"], "x": [0.0], "y": [0.0]})
    >>> try:
    ...     validate_inputs(hh, un, st, None, None, AllocationConfig())
    ... except Exception as e:
    ...     print(len(e.problems))
    3
    """
    out = _Collector(sources or {})
    sites_n, site_ids = _sites(sites, out)
    units_n = _units(units, site_ids, sites is not None, out)
    hh_n = _households(households, site_ids, config, out)
    schools_n = _schools(schools, out)
    gps_n = _gps(gps, out)
    occ_n = _occupied(occupied, units_n, hh_n, config, out)
    _scenario_references(config, hh_n, units_n, site_ids, out)
    _current_unit_references(config, hh_n, units_n, units is not None, out)
    history_n = _arrivals(history, "history", site_ids, config, out)
    forecast_n = _arrivals(forecast, "forecast", site_ids, config, out)
    if out.problems:
        raise DataError(_m("summary", count=len(out.problems)), out.problems)
    assert hh_n is not None and units_n is not None
    return Tables(
        households=hh_n,
        units=units_n,
        sites=sites_n.reset_index(drop=True),
        schools=schools_n,
        gps=gps_n,
        occupied=occ_n,
        history=history_n.assign(current_unit="") if history_n is not None else pd.DataFrame(),
        forecast=forecast_n.assign(current_unit="") if forecast_n is not None else pd.DataFrame(),
    )


def _arrivals(
    table: pd.DataFrame | None,
    name: str,
    site_ids: set[str],
    config: AllocationConfig,
    out: _Collector,
) -> pd.DataFrame | None:
    """A table of other arrivals (``history``, ``forecast``) checked like the households,
    with the table's own label in every message."""
    if table is None:
        return None
    other = _Collector({"households": out.sources.get(name, name)})
    checked = _households(table, site_ids, config, other)
    out.problems.extend(other.problems)
    return checked


def _ids(frame: pd.DataFrame | None, col: str) -> set[str]:
    """The non-empty ids of a normalised table (empty when the table was unusable)."""
    if frame is None:
        return set()
    return set(frame[col][frame[col] != ""])


def _sites(sites: pd.DataFrame, out: _Collector) -> tuple[pd.DataFrame, set[str]]:
    """The sites table: unique ids and coordinates."""
    sites_n = pd.DataFrame({"site_id": pd.Series(dtype=object), "x": [], "y": []})
    if not _check_columns(sites, SITE_REQUIRED, "sites", out):
        return sites_n, set()
    s = sites.reset_index(drop=True)
    sid = _unique_ids(s, "site_id", "sites", "site", out)
    x = _float_column(s, "x", "sites", out, sid, "site", True)
    y = _float_column(s, "y", "sites", out, sid, "site", True)
    sites_n = s.copy()
    sites_n["site_id"], sites_n["x"], sites_n["y"] = sid, x, y
    return sites_n, set(sid[sid != ""])


def _units(
    units: pd.DataFrame, site_ids: set[str], have_sites: bool, out: _Collector
) -> pd.DataFrame | None:
    """The units table: unique ids, known sites, counts, flags, dates and rents."""
    if not _check_columns(units, UNIT_REQUIRED, "units", out):
        return None
    u = units.reset_index(drop=True).copy()
    for col, default in UNIT_OPTIONAL.items():
        if col not in u.columns:
            u[col] = default
    uid = _unique_ids(u, "unit_id", "units", "unit", out)
    usite = _id_column(u, "site_id")
    if site_ids or have_sites:
        # one problem per unknown site, at its first unit (a site renamed in the sites file
        # would otherwise give one line per unit on it)
        unknown = np.flatnonzero(~usite.isin(site_ids).to_numpy())
        by_site: dict[str, list[int]] = {}
        for i in unknown:
            by_site.setdefault(str(usite.iloc[i]), []).append(int(i))
        for site, rows in by_site.items():
            others = [str(uid.iloc[i]) if uid is not None else str(i + 1) for i in rows[1:]]
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            if not site.strip():  # no site at all: said as such, not as the site ''
                what = (
                    _m("missing") if not others else _m("missing_units", n=len(others), ids=shown)
                )
                out.add("units", what, _where(uid, rows[0], "unit"), "site_id")
                continue
            out.add(
                "units",
                _m("unknown_site", id=repr(site), hint=_same_id_hint(site, site_ids))
                if not others
                else _m(
                    "unknown_site_units",
                    id=repr(site),
                    hint=_same_id_hint(site, site_ids),
                    n=len(others),
                    ids=shown,
                ),
                _where(uid, rows[0], "unit"),
                "site_id",
            )
    bedrooms = _int_column(u, "bedrooms", "units", out, uid, "unit")
    beds = _int_column(u, "beds", "units", out, uid, "unit", minimum=1)
    floor = _int_column(u, "floor", "units", out, uid, "unit", minimum=None)
    accessible = _bool_column(u, "accessible", "units", out, uid, "unit")
    avail = _date_column(u, "available_from", "units", out, uid, "unit", required=False)
    rent = _float_column(u, "rent_eur", "units", out, uid, "unit", required=False)
    for i in np.flatnonzero(u["rent_eur"].map(lambda v: bool(amount_hint(v))).to_numpy(bool)):
        # '1.250' is 1.25 or 1,250 euros (a Dutch thousands point): never guessed
        value = u["rent_eur"].iloc[i]
        out.add("units", _m("not_amount", value=repr(value), hint=amount_hint(value)),
                _where(uid, i, "unit"), "rent_eur")  # fmt: skip
    for i in np.flatnonzero((rent < 0).to_numpy()):
        out.add(
            "units",
            _m("negative_rent", value=str(rent.iloc[i])),
            _where(uid, i, "unit"),
            "rent_eur",
        )
    return pd.DataFrame(
        {
            "unit_id": uid,
            "site_id": usite,
            "bedrooms": bedrooms,
            "beds": beds,
            "accessible": accessible,
            "floor": floor,
            "available_from": avail,
            "rent_eur": rent.fillna(0.0),
        }
    )


def _households(
    households: pd.DataFrame, site_ids: set[str], config: AllocationConfig, out: _Collector
) -> pd.DataFrame | None:
    """The households table: ids, groups, composition, needs, locations, dates, sites and
    current units."""
    if not _check_columns(households, HOUSEHOLD_REQUIRED, "households", out):
        return None
    h = households.reset_index(drop=True).copy()
    for col, default in HOUSEHOLD_OPTIONAL.items():
        if col not in h.columns:
            h[col] = default
    hid = _unique_ids(h, "household_id", "households", "household", out)
    group = _id_column(h, "group")
    for i in np.flatnonzero(~group.isin(set(config.groups)).to_numpy()):
        out.add(
            "households",
            _m("unknown_group_known", group=repr(group.iloc[i]), known=", ".join(config.groups)),
            _where(hid, i, "household"),
            "group",
        )
    counts = _household_counts(h, hid, out)
    flags = {
        c: _bool_column(h, c, "households", out, hid, "household")
        for c in ("needs_wheelchair", "needs_ground_floor", "needs_medical")
    }
    coords = _household_locations(h, hid, out)
    arrival = _date_column(h, "arrival_date", "households", out, hid, "household", True)
    pref, refu = _household_sites(h, hid, site_ids, out)
    return pd.DataFrame(
        {
            "household_id": hid,
            "group": group,
            **counts,
            **flags,
            **coords,
            "preferred_sites": pref,
            "refused_sites": refu,
            "arrival_date": arrival,
            "current_unit": _current_units(h, out),
        }
    )


def _household_counts(h: pd.DataFrame, hid: pd.Series, out: _Collector) -> dict[str, pd.Series]:
    """Persons, adults and children per age band; the children add up."""
    ints = {}
    for col in ("persons", "adults", "children_0_3", "children_4_11", "children_12_17"):
        ints[col] = _int_column(
            h, col, "households", out, hid, "household", minimum=1 if col == "persons" else 0
        )
    kids = ints["children_0_3"] + ints["children_4_11"] + ints["children_12_17"]
    # a count that could not be read is reported already: no sum from a stand-in 0
    readable = np.ones(len(h), dtype=bool)
    for col in ints:
        number = pd.to_numeric(h[col], errors="coerce")
        readable &= (number.notna() & (number.abs() <= MAX_COUNT)).to_numpy()
    for i in np.flatnonzero((kids != ints["persons"] - ints["adults"]).to_numpy() & readable):
        out.add(
            "households",
            _m(
                "children_sum",
                children=str(int(kids.iloc[i])),
                persons=str(int(ints["persons"].iloc[i])),
                adults=str(int(ints["adults"].iloc[i])),
            ),
            _where(hid, i, "household"),
            "children_0_3+children_4_11+children_12_17",
        )
    return ints


def _household_locations(h: pd.DataFrame, hid: pd.Series, out: _Collector) -> dict[str, pd.Series]:
    """School and work coordinates, each pair both given or both empty."""
    coords = {
        c: _float_column(h, c, "households", out, hid, "household", required=False)
        for c in ("school_x", "school_y", "work_x", "work_y")
    }
    given = {c: h[c].map(lambda v: not _blank(v)).to_numpy() for c in coords}
    for a, b in (("school_x", "school_y"), ("work_x", "work_y")):
        # only a value left empty: one that is given but unreadable is reported already
        for i in np.flatnonzero(given[a] != given[b]):
            out.add(
                "households",
                _m("both_or_neither", a=a, b=b),
                _where(hid, i, "household"),
                a,
            )
    return coords


def _same_id_hint(site: str, site_ids: set[str]) -> Message | str:
    """`` (did you mean 'F01'?)`` when a known site is the unknown one written otherwise
    (``f01``, ``F1``: case or leading zeros), else ``""``: a near id such as ``F03`` for a
    missing ``F02`` is another site, never suggested."""
    key = id_key(site)
    same = sorted(s for s in site_ids if id_key(s) == key)
    return Message("problem.hint.did_you_mean", {"name": same[0]}) if same else ""


def _household_sites(
    h: pd.DataFrame, hid: pd.Series, site_ids: set[str], out: _Collector
) -> tuple[pd.Series, pd.Series]:
    """Preferred and refused sites: known, and never both."""
    pref = h["preferred_sites"].map(split_ids)
    refu = h["refused_sites"].map(split_ids)
    for col, lists in (("preferred_sites", pref), ("refused_sites", refu)):
        # an unknown site named by several households (a site renamed in the sites file)
        # is one problem, at its first household, not one per household
        rows_of: dict[str, list[int]] = {}
        for i, ids in enumerate(lists):
            for site in dict.fromkeys(s for s in ids if s not in site_ids):
                rows_of.setdefault(site, []).append(i)
        found: list[tuple[int, Message]] = []
        for site, rows in rows_of.items():
            if len(rows) > 1:
                others = [str(hid.iloc[i]) if hid is not None else str(i + 1) for i in rows[1:]]
                shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
                found.append(
                    (
                        rows[0],
                        _m(
                            "unknown_site_households",
                            id=repr(site),
                            hint=_same_id_hint(site, site_ids),
                            n=len(others),
                            ids=shown,
                        ),
                    )
                )
        for i, ids in enumerate(lists):
            unknown = [s for s in dict.fromkeys(ids) if s in rows_of and len(rows_of[s]) == 1]
            if len(unknown) == 1 and (same := _same_id_hint(unknown[0], site_ids)):
                found.append((i, _m("unknown_site", id=repr(unknown[0]), hint=same)))
            elif unknown:
                found.append((i, _m("unknown_sites", ids=", ".join(unknown))))
        for i, message in sorted(found, key=lambda item: item[0]):
            out.add("households", message, _where(hid, i, "household"), col)
    for i, (p, r) in enumerate(zip(pref, refu, strict=True)):
        both = sorted(set(p) & set(r))
        if both:
            out.add(
                "households",
                _m("preferred_and_refused", ids=", ".join(both)),
                _where(hid, i, "household"),
                "refused_sites",
            )
    return pref, refu


def _current_unit_references(
    config: AllocationConfig,
    hh_n: pd.DataFrame | None,
    units_n: pd.DataFrame | None,
    has_stock: bool,
    out: _Collector,
) -> None:
    """Every current unit must be in the stock, unless the scenario says such units close.

    All missing ones are listed, each with its household.
    """
    if hh_n is None or units_n is None or not has_stock:
        return  # without a stock file every household is placed anew
    if config.current_units_outside_stock == "move":
        return
    known = set(_ids(units_n, "unit_id"))
    current = hh_n["current_unit"].astype(str)
    missing = (current != "") & ~current.isin(known)
    for hid, unit in zip(hh_n["household_id"][missing], current[missing], strict=True):
        out.add("households", _m("current_not_in_stock", unit=repr(unit)),
                _record("household", hid), "current_unit")  # fmt: skip


def _current_units(h: pd.DataFrame, out: _Collector) -> pd.Series:
    """Current units, each of one household at most (their existence is checked by
    :func:`_current_unit_references`)."""
    current = _id_column(h, "current_unit")
    cur_counts = current[current != ""].value_counts()
    hid = _id_column(h, "household_id") if "household_id" in h.columns else None
    for unit in sorted(cur_counts[cur_counts > 1].index):
        who = ""
        if hid is not None:
            named = [str(x) for x in hid[current == unit] if x]
            who = f" ({', '.join(named[:10])}{', ...' if len(named) > 10 else ''})"
        out.add(
            "households",
            _m("current_unit_shared", unit=str(unit), count=str(int(cur_counts[unit])), who=who),
            None,
            "current_unit",
        )
    return current


def _schools(schools: pd.DataFrame | None, out: _Collector) -> pd.DataFrame:
    """Newcomer-education schools with their places per band."""
    empty = pd.DataFrame(
        {
            "school_id": pd.Series(dtype=object),
            "x": [],
            "y": [],
            "taalklas_places": [],
            "isk_places": [],
        }
    ).astype({"taalklas_places": np.int64, "isk_places": np.int64})
    if schools is None or not _check_columns(schools, SCHOOL_REQUIRED, "schools", out):
        return empty
    sc = schools.reset_index(drop=True)
    scid = _unique_ids(sc, "school_id", "schools", "school", out)
    return pd.DataFrame(
        {
            "school_id": scid,
            "x": _float_column(sc, "x", "schools", out, scid, "school", True),
            "y": _float_column(sc, "y", "schools", out, scid, "school", True),
            "taalklas_places": _int_column(sc, "taalklas_places", "schools", out, scid, "school"),
            "isk_places": _int_column(sc, "isk_places", "schools", out, scid, "school"),
        }
    )


def _gps(gps: pd.DataFrame | None, out: _Collector) -> pd.DataFrame:
    """GP locations."""
    empty = pd.DataFrame({"gp_id": pd.Series(dtype=object), "x": [], "y": []})
    if gps is None or not _check_columns(gps, GP_REQUIRED, "gps", out):
        return empty
    g = gps.reset_index(drop=True)
    gid = _unique_ids(g, "gp_id", "gps", "GP", out)
    return pd.DataFrame(
        {
            "gp_id": gid,
            "x": _float_column(g, "x", "gps", out, gid, "GP", True),
            "y": _float_column(g, "y", "gps", out, gid, "GP", True),
        }
    )


def _occupied(
    occupied: pd.DataFrame | None,
    units_n: pd.DataFrame | None,
    hh_n: pd.DataFrame | None,
    config: AllocationConfig,
    out: _Collector,
) -> pd.DataFrame:
    """Units already occupied (rolling mode): known units and groups, and no household
    both housed and to be allocated."""
    empty = pd.DataFrame(
        {
            "unit_id": pd.Series(dtype=object),
            "group": pd.Series(dtype=object),
            "household_id": pd.Series(dtype=object),
            "persons": pd.Series(dtype=np.int64),
        }
    )
    if occupied is None or not _check_columns(occupied, OCCUPIED_REQUIRED, "occupied", out):
        return empty
    o = occupied.reset_index(drop=True).copy()
    for col, default in OCCUPIED_OPTIONAL.items():
        if col not in o.columns:
            o[col] = default
    ouid = _id_column(o, "unit_id")
    for i in np.flatnonzero(~ouid.isin(_ids(units_n, "unit_id")).to_numpy()):
        out.add("occupied", _m("unknown_unit", id=repr(ouid.iloc[i])), _row(i), "unit_id")
    ogroup = _id_column(o, "group")
    for i in np.flatnonzero(~ogroup.isin(set(config.groups)).to_numpy()):
        out.add("occupied", _m("unknown_group", group=repr(ogroup.iloc[i])), _row(i), "group")
    ohid = _id_column(o, "household_id")
    for hid_ in sorted(set(ohid[ohid != ""]) & _ids(hh_n, "household_id")):
        out.add(
            "occupied",
            _m("housed_and_to_allocate"),
            _record("household", hid_),
            "household_id",
        )
    return pd.DataFrame(
        {
            "unit_id": ouid,
            "group": ogroup,
            "household_id": ohid,
            "persons": _int_column(o, "persons", "occupied", out, None, "row", minimum=1),
        }
    )


def _scenario_references(
    config: AllocationConfig,
    hh_n: pd.DataFrame | None,
    units_n: pd.DataFrame | None,
    site_ids: set[str],
    out: _Collector,
) -> None:
    """Pins, bans and mix rules name households, units and sites that exist; a household
    is pinned once, a unit to one household."""
    household_ids, unit_ids = _ids(hh_n, "household_id"), _ids(units_n, "unit_id")
    pinned: dict[str, int] = {}
    rules: tuple[tuple[str, Sequence[Pin | Ban]], ...] = (
        ("pins", config.pins),
        ("bans", config.bans),
    )
    for kind, items in rules:
        for n, item in enumerate(items):
            # the item by its full path, as the schema names it: allocation.pins[0].unit_id
            field = f"allocation.{kind}[{n}]"
            if hh_n is not None and item.household_id not in household_ids:
                out.add(
                    "scenario",
                    _m(
                        "unknown_household_hint",
                        id=repr(item.household_id),
                        hint=did_you_mean_hint(item.household_id, sorted(household_ids)),
                    ),
                    None,
                    f"{field}.household_id",
                )
            if item.unit_id is not None and units_n is not None and item.unit_id not in unit_ids:
                hint = did_you_mean_hint(item.unit_id, sorted(unit_ids))
                out.add(
                    "scenario",
                    _m("no_unit_hint", id=repr(item.unit_id), hint=hint),
                    None,
                    f"{field}.unit_id",
                )
            if item.site_id is not None and item.site_id not in site_ids:
                out.add("scenario", _m("no_site", id=repr(item.site_id)), None, f"{field}.site_id")
            if kind == "pins":
                pinned[item.household_id] = pinned.get(item.household_id, 0) + 1
    for hid_, count in sorted(pinned.items()):
        if count > 1:
            out.add(
                "scenario",
                _m("pinned_twice", id=str(hid_), count=str(count)),
                PINS,
                "allocation.pins",
            )
    unit_site: dict[str, str] = {}
    if units_n is not None and {"unit_id", "site_id"} <= set(units_n.columns):
        unit_site = dict(
            zip(units_n["unit_id"].astype(str), units_n["site_id"].astype(str), strict=True)
        )
    for n, pin in enumerate(config.pins):
        for k, ban in enumerate(config.bans):
            if ban.household_id != pin.household_id:
                continue
            pin_site = pin.site_id or unit_site.get(str(pin.unit_id))
            if (pin.unit_id is not None and ban.unit_id == pin.unit_id) or (
                ban.site_id is not None and ban.site_id == pin_site
            ):
                target = pin.unit_id if pin.unit_id is not None else pin.site_id
                ban_at = f"allocation.bans[{k}]"  # list positions, not words
                out.add(
                    "scenario",
                    _m("pin_banned", id=pin.household_id, target=str(target), ban=ban_at),
                    None,
                    f"allocation.pins[{n}]",
                )
    pin_units = [p.unit_id for p in config.pins if p.unit_id is not None]
    for unit in sorted({u for u in pin_units if pin_units.count(u) > 1}):
        out.add(
            "scenario",
            _m("unit_pinned_twice", id=str(unit)),
            PINS,
            "allocation.pins",
        )
    for n, rule in enumerate(config.mix_rules):
        # every unknown site of a rule in one message (one problem per rule and field: a
        # second one was dropped as a repeat of the first)
        unknown = [s for s in rule.sites or [] if s not in site_ids]
        if unknown:
            out.add(
                "scenario",
                _m("unknown_site", id=", ".join(map(repr, unknown)), hint=""),
                None,
                f"allocation.mix_rules[{n}].sites",
            )

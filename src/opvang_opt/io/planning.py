"""Read and check the planning tables: tasks per period, existing stock, candidate data.

Every problem of every table is collected and raised together as one
:class:`~opvang_opt.errors.DataError` (file, row, field, what is wrong; exit 2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from opvang_opt.dates import parse_dates
from opvang_opt.errors import DataError, Problem
from opvang_opt.io.csvfile import not_a_file, read_csv_frame
from opvang_opt.io.layers import LayerReport, file_sha256
from opvang_opt.numtext import ambiguous_whole, amount_hint, separator_hint, whole_number_hint
from opvang_opt.schema import PlanningConfig, did_you_mean_hint
from opvang_opt.schema.names import id_key
from opvang_opt.schema.planning import CandidateTable, StockTable, TaskTable, period_label
from opvang_opt.siting.location import stated_municipality
from opvang_opt.texts import Message

CANDIDATE_INT = ("max_units", "lead_time_months", "permit_years", "block_units")
CANDIDATE_MIN = {"permit_years": 1, "block_units": 1}
"""Least value of a candidate's whole-number columns (as the defaults; else 0): a block of
0 units or a permit of 0 years means nothing."""
CANDIDATE_EUR = (
    "build_cost_per_unit_eur",
    "move_cost_per_unit_eur",
    "running_cost_per_unit_year_eur",
    "opening_cost_eur",
)


@dataclass(frozen=True)
class PlanningTables:
    """The planning tables, read and checked (typed columns)."""

    tasks: pd.DataFrame | None
    """period, municipality_code, group, task (int)."""
    stock: pd.DataFrame | None
    """site_id, name, municipality_code, units, occupants, group, permit_end (date),
    max_units (int), x, y (float or NaN)."""
    candidates: pd.DataFrame | None
    """site_id and the override columns present (typed; NaN/None where empty)."""
    sources: dict[str, str]
    """Table name -> file path (for run.json)."""
    reports: tuple[LayerReport, ...] = ()
    """What was read: file, SHA-256 and rows per table (for run.json's inputs)."""


TEXT_COLUMNS = ("site_id", "name", "municipality_code", "group", "groups", "period",
                "permit_end", "available_from")  # fmt: skip
"""Columns never read as numbers (a decimal comma is not converted there)."""


def _read_csv(
    spec: TaskTable | StockTable | CandidateTable,
    name: str,
    problems: list[Problem],
    reports: list[LayerReport],
) -> pd.DataFrame | None:
    """Read a planning CSV with its declared separator, decimal mark and encoding (as
    every other CSV input, :func:`~opvang_opt.io.csvfile.read_csv_frame`); every cell as
    text, empty cells as ``""``. Its file, SHA-256 and rows go to ``reports``."""
    path = Path(spec.path)
    label = str(path)
    if not path.exists():
        what = not_a_file(path)
        loop = what is not None and what.code == "problem.file.symlink_loop"
        problems.append(
            Problem(
                what if loop and what is not None else Message("problem.planning.no_file"),
                source=label,
                where=Message("problem.planning.where.table", {"table": name}),
            )
        )
        return None
    try:
        df = read_csv_frame(
            path,
            f"planning.{name}",
            separator=spec.separator,
            decimal=spec.decimal,
            encoding=spec.encoding,
            text_columns=TEXT_COLUMNS,
        )
    except DataError as exc:
        problems += exc.problems or [Problem(exc.summary, source=label)]
        return None
    reports.append(LayerReport(f"planning_{name}", label, file_sha256(path), len(df), "none"))
    df = df.fillna("").astype(str)
    _declared_dates(df, spec.date_formats, label, problems)
    return df


def _declared_dates(
    df: pd.DataFrame, formats: dict[str, str], label: str, problems: list[Problem]
) -> None:
    """Read the columns with a declared date format (``date_formats``) by that format and
    rewrite them as ISO dates in place, so that the checks read them by the one policy;
    every value that does not match is a problem naming its row."""
    for col, fmt in formats.items():
        if col not in df.columns:
            problems.append(
                Problem(
                    Message(
                        "problem.planning.date_format_no_column",
                        {"column": col, "present": ", ".join(map(str, df.columns))},
                    ),
                    source=label,
                    field=col,
                )
            )
            continue
        given = df[col].str.strip() != ""
        parsed, errors = parse_dates(df.loc[given, col].str.strip().reset_index(drop=True), fmt)
        rows = np.flatnonzero(given.to_numpy())
        for e in errors:
            i = int(rows[e.position])
            sid = str(df["site_id"].iloc[i]).strip() if "site_id" in df.columns else ""
            problems.append(
                Problem(
                    Message("problem.planning.bad_date", {"value": e.raw, "why": e.message}),
                    source=label,
                    where=row_where(i + 2, sid),
                    field=col,
                )
            )
        if not errors:
            iso = [d.isoformat() if d is not None else "" for d in parsed.tolist()]
            df.loc[given, col] = iso


def _need(df: pd.DataFrame, cols: tuple[str, ...], label: str, problems: list[Problem]) -> bool:
    missing = [c for c in cols if c not in df.columns]
    for c in missing:
        problems.append(
            Problem(
                Message(
                    "problem.planning.missing_column",
                    {"hint": did_you_mean_hint(c, list(df.columns))},
                ),
                source=label,
                field=c,
            )
        )
    return not missing


_COMMA_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+,\d+$")


def _comma_hint(value: str) -> Message | str:
    """What to declare when a number is written with a decimal comma (a Dutch export)
    while the table declares (or defaults to) a decimal point (``""`` otherwise)."""
    if "," in value and _COMMA_NUMBER.match(value):
        return Message("problem.planning.hint.decimal_comma")
    return separator_hint(value)


def _near_duplicate(
    sid: str, row: int, keys: dict[str, tuple[str, int]], label: str, problems: list[Problem]
) -> None:
    """A site id that differs from an earlier one of the table only by case or leading
    zeros (``B01`` and ``b01``) is a problem; ``keys`` holds the table's ids seen so far."""
    key = id_key(sid)
    if key in keys:
        first, first_row = keys[key]
        problems.append(
            Problem(
                Message(
                    "problem.ids.near_duplicates",
                    {
                        "ids": f"'{first}', '{sid}'",
                        "rows": Message("problem.where.rows", {"rows": f"{first_row}, {row}"}),
                    },
                ),
                source=label,
                where=row_where(row, sid),
                field="site_id",
            )
        )
    else:
        keys[key] = (sid, row)


def _near_existing(
    sid: str, row: Message, stock_keys: dict[str, str], label: str, problems: list[Problem]
) -> None:
    """A candidate id that differs from an existing (stock) site's only by case or leading
    zeros: the existing site written another way, or a new site no one can tell apart.
    ``stock_keys``: the stock's ids by :func:`id_key`; ``sid`` is not one of them."""
    existing = stock_keys.get(id_key(sid))
    if existing is not None:
        problems.append(
            Problem(
                Message("problem.ids.near_existing_site", {"id": sid, "existing": existing}),
                source=label,
                where=row,
                field="site_id",
            )
        )


def row_where(row: int, site_id: str = "") -> Message:
    """``row 5 (S1)`` / ``rij 5 (S1)``, or ``row 5`` without an id."""
    if site_id:
        return Message("problem.table.where.row_id", {"row": row, "id": site_id})
    return Message("problem.where.row", {"row": row})


def id_row_where(site_id: object, row: int) -> Message:
    """``id S1 (row 5)`` / ``id S1 (rij 5)``: a longlist record, as the siting names it."""
    return Message("problem.table.where.id_row", {"id": str(site_id), "row": row})


_WHOLE_DECIMAL = re.compile(r"^-?\d+\.0+$")


MAX_COUNT = 1_000_000
"""The largest whole number a planning table may hold (a task, units, months): beyond it a
number is a typing or export error, and a plan over it cannot be built."""


_ASCII_WHOLE = re.compile(r"[+-]?[0-9]+")
_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _int(
    value: str, label: str, row: Message, col: str, problems: list[Problem], *, minimum: int = 0
) -> int | None:
    v = value.strip()
    if ambiguous_whole(v):
        # '1.000' is one or one thousand (a Dutch thousands separator): never guessed
        problems.append(_not_whole(v, label, row, col))
        return None
    if _WHOLE_DECIMAL.match(v):
        v = v.split(".")[0]  # '23.0': a whole number written with decimals (e.g. '23,0')
    if not _ASCII_WHOLE.fullmatch(v):
        # Python's int() also reads '1_000' and digits of other scripts ('１７５'), which
        # every other table refuses
        problems.append(_not_whole(v, label, row, col))
        return None
    n = int(v)
    bound = None
    if n < minimum:
        bound = Message("problem.planning.below_minimum", {"value": n, "minimum": minimum})
    elif n > MAX_COUNT:
        # a task of 10**15 persons filled the memory building the plan (exit 1)
        bound = Message("problem.allocation.too_large", {"value": v, "maximum": MAX_COUNT})
    if bound is not None:
        problems.append(Problem(bound, source=label, where=row, field=col))
        return None
    return n


def _not_whole(v: str, label: str, row: Message, col: str) -> Problem:
    return Problem(
        Message("problem.planning.not_whole", {"value": v, "hint": whole_number_hint(v)}),
        source=label,
        where=row,
        field=col,
    )


def _both_or_neither(
    record: dict[str, str], label: str, row: Message, problems: list[Problem]
) -> None:
    """A site with x and no y (or y and no x) was left off the map and out of the region
    check without a word: both or neither."""
    given = [bool(str(record.get(c) or "").strip()) for c in ("x", "y")]
    if given[0] != given[1]:
        problems.append(
            Problem(
                Message("problem.allocation.both_or_neither", {"a": "x", "b": "y"}),
                source=label,
                where=row,
                field="y" if given[0] else "x",
            )
        )


def _float(value: str, label: str, row: Message, col: str, problems: list[Problem]) -> float | None:
    v = value.strip()
    try:
        if not _ASCII_NUMBER.fullmatch(v):
            # float() also reads 'nan', 'inf', '1_000' and digits of other scripts
            raise ValueError(v)
        x = float(v)
    except ValueError:
        problems.append(
            Problem(
                Message("problem.planning.not_number", {"value": v, "hint": _comma_hint(v)}),
                source=label,
                where=row,
                field=col,
            )
        )
        return None
    if not x >= 0 or x == float("inf"):
        problems.append(
            Problem(
                Message("problem.planning.negative", {"value": v}),
                source=label,
                where=row,
                field=col,
            )
        )
        return None
    return x


def _date(
    value: str, label: str, row: Message, col: str, problems: list[Problem]
) -> dt.date | None:
    """A date by the project's one date policy (ISO or Dutch day-first)."""
    v = value.strip()
    dates, errors = parse_dates(pd.Series([v]))
    if errors:
        problems.append(
            Problem(
                Message("problem.planning.bad_date", {"value": v, "why": errors[0].message}),
                source=label,
                where=row,
                field=col,
            )
        )
        return None
    day = dates.iloc[0]
    return day if isinstance(day, dt.date) else None


def read_planning_tables(config: PlanningConfig, municipalities: list[str]) -> PlanningTables:
    """Read and check the planning tables of a scenario.

    Parameters
    ----------
    config
        The scenario's planning section.
    municipalities
        The region's municipality codes.

    Returns
    -------
    PlanningTables

    Raises
    ------
    DataError
        Listing every problem of every planning table at once.
    """
    tables, problems = collect_planning_tables(config, municipalities)
    if problems:
        raise DataError(Message("problem.planning.summary", {"count": len(problems)}), problems)
    return tables


def _outside_horizon(config: PlanningConfig, value: str) -> Message | None:
    """A period written like the plan's own labels but before its first or after its last
    period (a hundred years either way): said so, not 'did you mean' another year's."""
    months = config.period_months
    before = 1200 // months
    labels = []
    for k in range(-before, config.periods + before):
        m = config.start.month - 1 + k * months
        labels.append(period_label(dt.date(config.start.year + m // 12, m % 12 + 1, 1), months))
    if value not in labels:
        return None
    own = config.period_labels()
    early = labels.index(value) < before
    return Message(
        "problem.planning.period_before" if early else "problem.planning.period_after",
        {"value": value, "first": own[0], "last": own[-1], "start": config.start.isoformat(),
         "periods": config.periods},
    )  # fmt: skip


def collect_planning_tables(
    config: PlanningConfig, municipalities: list[str], names: Mapping[str, str] | None = None
) -> tuple[PlanningTables, list[Problem]]:
    """Read and check the planning tables; return what could be read and every problem
    (the caller raises them together with the other inputs' problems), so that checks
    across inputs (candidate ids against the longlist) still run. ``names`` (code ->
    name) lets a municipality written as its name be told its code."""
    problems: list[Problem] = []
    groups = [g.name for g in config.groups]
    labels = config.period_labels()
    sources: dict[str, str] = {}
    reports: list[LayerReport] = []
    tasks = stock = candidates = None

    def known(
        value: str, allowed: list[str], what: str, label: str, row: Message, col: str
    ) -> bool:
        if value in allowed:
            return True
        outside = _outside_horizon(config, value) if what == "period" else None
        hint: Message | str = did_you_mean_hint(value, allowed)
        if what == "municipality":  # 'Diemen' or 'gm384': the code meant, as the longlist
            meant = stated_municipality(value, [(c, (names or {}).get(c, c)) for c in allowed])
            hint = Message("problem.hint.did_you_mean", {"name": meant}) if meant else hint
        problems.append(
            Problem(
                outside
                or Message(
                    f"problem.planning.unknown_{what}",
                    {"value": value, "hint": hint},
                ),
                source=label,
                where=row,
                field=col,
            )
        )
        return False

    if config.tasks is not None:
        path = Path(config.tasks.path)
        label = str(path)
        sources["planning_tasks"] = label
        df = _read_csv(config.tasks, "tasks", problems, reports)
        if df is not None and len(df) == 0:  # a header only: a plan without any task
            problems.append(
                Problem(Message("problem.table.no_rows", {"name": "planning.tasks"}), label)
            )
        if df is not None and _need(
            df, ("period", "municipality_code", "group", "task"), label, problems
        ):
            rows = []
            seen: dict[tuple[str, str, str], Message] = {}
            for i, r in enumerate(df.to_dict("records")):
                row = row_where(i + 2)
                ok = known(r["period"].strip(), labels, "period", label, row, "period")
                ok &= known(
                    r["municipality_code"].strip(),
                    municipalities,
                    "municipality",
                    label,
                    row,
                    "municipality_code",
                )
                ok &= known(r["group"].strip(), groups, "group", label, row, "group")
                n = _int(r["task"], label, row, "task", problems)
                if not ok or n is None:
                    continue
                key = (r["period"].strip(), r["municipality_code"].strip(), r["group"].strip())
                if key in seen:
                    problems.append(
                        Problem(
                            Message("problem.planning.duplicate_task", {"first": seen[key]}),
                            source=label,
                            where=row,
                        )
                    )
                    continue
                seen[key] = row
                rows.append((*key, n))
            tasks = pd.DataFrame(rows, columns=["period", "municipality_code", "group", "task"])

    if config.stock is not None:
        path = Path(config.stock.path)
        label = str(path)
        sources["planning_stock"] = label
        df = _read_csv(config.stock, "stock", problems, reports)
        cols = ("site_id", "name", "municipality_code", "units", "occupants", "group", "permit_end")
        if df is not None and _need(df, cols, label, problems):
            rows = []
            ids: set[str] = set()
            keys: dict[str, tuple[str, int]] = {}
            for i, r in enumerate(df.to_dict("records")):
                sid = r["site_id"].strip()
                row = row_where(i + 2, sid)
                if not sid:
                    problems.append(
                        Problem(
                            Message("problem.planning.empty_id"),
                            source=label,
                            where=row,
                            field="site_id",
                        )
                    )
                elif sid in ids:
                    problems.append(
                        Problem(
                            Message("problem.planning.duplicate_id", {"id": sid}),
                            source=label,
                            where=row,
                            field="site_id",
                        )
                    )
                else:
                    _near_duplicate(sid, i + 2, keys, label, problems)
                ids.add(sid)
                known(
                    r["municipality_code"].strip(),
                    municipalities,
                    "municipality",
                    label,
                    row,
                    "municipality_code",
                )
                known(r["group"].strip(), groups, "group", label, row, "group")
                units = _int(r["units"], label, row, "units", problems, minimum=1)
                occ = _int(r["occupants"], label, row, "occupants", problems)
                end = _date(r["permit_end"], label, row, "permit_end", problems)
                mx = units
                if "max_units" in df.columns and r["max_units"].strip():
                    mx = _int(r["max_units"], label, row, "max_units", problems, minimum=1)
                    if mx is not None and units is not None and mx < units:
                        problems.append(
                            Problem(
                                Message(
                                    "problem.planning.max_below_units",
                                    {"max_units": mx, "units": units},
                                ),
                                source=label,
                                where=row,
                                field="max_units",
                            )
                        )
                xy = [float("nan"), float("nan")]
                for j, c in enumerate(("x", "y")):
                    if c in df.columns and r[c].strip():
                        xv = _float(r[c], label, row, c, problems)
                        xy[j] = float("nan") if xv is None else xv
                _both_or_neither(r, label, row, problems)
                rows.append(
                    (
                        sid,
                        r["name"].strip(),
                        r["municipality_code"].strip(),
                        units,
                        occ,
                        r["group"].strip(),
                        end,
                        mx,
                        *xy,
                    )
                )
            stock = pd.DataFrame(
                rows,
                columns=[
                    "site_id",
                    "name",
                    "municipality_code",
                    "units",
                    "occupants",
                    "group",
                    "permit_end",
                    "max_units",
                    "x",
                    "y",
                ],
            )

    if config.candidates.table is not None:
        path = Path(config.candidates.table.path)
        label = str(path)
        sources["planning_candidates"] = label
        df = _read_csv(config.candidates.table, "candidates", problems, reports)
        need: tuple[str, ...] = ("site_id",)
        if config.candidates.from_ == "table":
            need = ("site_id", "name", "municipality_code")
        if df is not None and _need(df, need, label, problems):
            out: dict[str, list] = {c: [] for c in df.columns}
            ids = set()
            keys = {}
            stock_ids = set() if stock is None else {str(x) for x in stock["site_id"]}
            stock_keys: dict[str, str] = {}
            for x in stock_ids:
                stock_keys.setdefault(id_key(x), x)
            for i, r in enumerate(df.to_dict("records")):
                sid = r["site_id"].strip()
                row = row_where(i + 2, sid)
                if not sid:
                    problems.append(
                        Problem(
                            Message("problem.planning.empty_id"),
                            source=label,
                            where=row,
                            field="site_id",
                        )
                    )
                elif sid in ids:
                    problems.append(
                        Problem(
                            Message("problem.planning.duplicate_id", {"id": sid}),
                            source=label,
                            where=row,
                            field="site_id",
                        )
                    )
                else:
                    _near_duplicate(sid, i + 2, keys, label, problems)
                    if sid not in stock_ids:
                        _near_existing(sid, row, stock_keys, label, problems)
                ids.add(sid)
                existing = sid in stock_ids
                if config.candidates.from_ == "table" and not existing:
                    # the whole candidate list: a row without its municipality was dropped
                    for c in ("name", "municipality_code"):
                        if not r[c].strip():
                            problems.append(
                                Problem(
                                    Message("problem.planning.candidate_needs_field"),
                                    source=label,
                                    where=row,
                                    field=c,
                                )
                            )
                _both_or_neither(r, label, row, problems)
                for c in df.columns:
                    v = r[c].strip()
                    val: object = v or None
                    if v and c in CANDIDATE_INT:
                        val = _int(v, label, row, c, problems, minimum=CANDIDATE_MIN.get(c, 0))
                    elif v and c in CANDIDATE_EUR and amount_hint(v):
                        # '250.000' is 250 or 250,000 euros (a Dutch thousands point)
                        problems.append(
                            Problem(
                                Message(
                                    "problem.planning.not_amount",
                                    {"value": v, "hint": amount_hint(v)},
                                ),
                                source=label,
                                where=row,
                                field=c,
                            )
                        )
                        val = None
                    elif (v and c in CANDIDATE_EUR) or (v and c in ("x", "y")):
                        val = _float(v, label, row, c, problems)
                        subsidy = config.defaults.subsidy_per_unit_eur
                        if c == "build_cost_per_unit_eur" and val is not None and val < subsidy:
                            problems.append(
                                Problem(
                                    Message(
                                        "problem.planning.below_subsidy",
                                        {"value": v, "subsidy": f"{subsidy:g}"},
                                    ),
                                    source=label,
                                    where=row,
                                    field=c,
                                )
                            )
                    elif v and c == "available_from":
                        val = _date(v, label, row, c, problems)
                    elif v and c == "municipality_code":
                        known(v, municipalities, "municipality", label, row, c)
                    elif v and c == "groups":
                        for g in v.split(";"):
                            known(g.strip(), groups, "group", label, row, c)
                    out[c].append(val)
            candidates = pd.DataFrame(out)

    if stock is not None and candidates is not None and config.candidates.table is not None:
        # a candidate-table row with the id of an existing site sets that site's block and
        # costs; the fields of a new site would be ignored there, so they are refused
        label = str(Path(config.candidates.table.path))
        stock_ids = set(stock["site_id"])
        for i, rec in enumerate(candidates.to_dict("records")):
            sid = str(rec["site_id"])
            if sid not in stock_ids:
                continue
            for c in STOCK_IGNORED:
                if c in rec and _given(rec[c]):
                    problems.append(
                        Problem(
                            Message(
                                "problem.planning.stock_field_ignored", {"id": sid, "column": c}
                            ),
                            source=label,
                            where=row_where(i + 2, sid),
                            field=c,
                        )
                    )
    return PlanningTables(tasks, stock, candidates, sources, tuple(reports)), problems


STOCK_IGNORED = ("available_from", "max_units", "lead_time_months", "permit_years",
                 "opening_cost_eur", "groups")  # fmt: skip
"""Candidate-table columns that do not apply to an existing site (a stock row): the
stock table gives its room and permit end; it is open from the start to every group."""


def longlist_problems(
    config: PlanningConfig,
    longlist: pd.DataFrame,
    source: str,
    n_municipalities: int,
    *,
    candidates: pd.DataFrame | None = None,
    id_column: str = "site_id",
    stock: pd.DataFrame | None = None,
    located: bool = False,
) -> list[Problem]:
    """What the planning stage needs from the longlist, when candidates come from it: a
    municipality per site (unless the region has one, or ``located``: the region's
    boundaries layer gives every site its municipality), readable availability dates and
    preparation costs; every row of the candidate table names a longlist site or an existing
    site, or is a new site with its name and municipality; and no longlist site has the id of
    an existing site."""
    src = config.candidates
    if src.from_ not in ("shortlist", "eligible"):
        return []
    problems = []
    stock_ids = set() if stock is None else set(stock["site_id"].astype(str))
    if stock_ids and id_column in longlist.columns:
        for i, sid in enumerate(longlist[id_column].astype(str)):
            if sid in stock_ids:
                problems.append(
                    Problem(
                        Message(
                            "problem.planning.longlist_id_in_stock", {"id": sid, "from": src.from_}
                        ),
                        source=source,
                        where=row_where(i + 1, sid),
                        field=id_column,
                    )
                )
    if candidates is not None and src.table is not None and id_column in longlist.columns:
        known = set(longlist[id_column].astype(str)) | stock_ids
        label = str(src.table.path)
        for i, rec in enumerate(candidates.to_dict("records")):
            sid = str(rec["site_id"])
            if sid in known or (_given(rec.get("name")) and _given(rec.get("municipality_code"))):
                continue
            problems.append(
                Problem(
                    Message(
                        "problem.planning.unknown_candidate",
                        {"id": sid, "hint": did_you_mean_hint(sid, sorted(known))},
                    ),
                    source=label,
                    where=row_where(i + 2, sid),
                    field="site_id",
                )
            )
    if "municipality_code" not in longlist.columns and n_municipalities > 1 and not located:
        problems.append(
            Problem(
                Message("problem.planning.longlist_needs_municipality"),
                source=source,
                field="municipality_code",
            )
        )
    ids = longlist[id_column].astype(str).tolist() if id_column in longlist.columns else None

    def where(i: int) -> Message:
        # as the siting's checks name a longlist row, so one bad cell is one message
        return id_row_where(ids[i], i + 1) if ids is not None else row_where(i + 1)

    if src.available_column in longlist.columns:
        _, errors = parse_dates(longlist[src.available_column].reset_index(drop=True))
        for e in errors:
            problems.append(
                Problem(
                    Message(
                        "problem.planning.bad_date_got", {"why": e.message, "value": repr(e.raw)}
                    ),
                    source=source,
                    where=where(e.position),
                    field=src.available_column,
                )
            )
    if src.cost_column and src.cost_column in longlist.columns:
        values = pd.to_numeric(longlist[src.cost_column], errors="coerce")
        for i in range(len(values)):
            raw = longlist[src.cost_column].iloc[i]
            if pd.isna(raw) or str(raw) == "":
                continue
            if pd.isna(values.iloc[i]) or not 0 <= values.iloc[i] < float("inf"):
                problems.append(
                    Problem(
                        Message("problem.planning.not_cost", {"value": str(raw)}),
                        source=source,
                        where=where(i),
                        field=src.cost_column,
                    )
                )
    return problems


def _given(value: object) -> bool:
    """True for a cell with a value (not None, NaN or empty): a candidate table read by
    pandas has NaN, which is truthy, where a cell was empty."""
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip() != ""


def planning_table_warnings(config: PlanningConfig, tables: PlanningTables) -> list[Message]:
    """What in the planning tables is allowed but probably not what was meant (one line
    each, file, id and field named; the run goes on):

    - a stock site whose permit ended before the horizon starts (its units must leave in
      the first period);
    - more occupants than the stock site's units hold at the group's places per unit
      (the services demand counts the occupants as given);
    - a room (``max_units``) that is not a whole number of blocks: only whole blocks
      stand on a site, so the rest is never used;
    - a candidate available only after the plan's last period: it can never open within
      the plan (as a task after the horizon, which is refused, it weighs nothing).

    Each is a catalogue message (rendered in the user's language by the CLI and outputs).
    """
    out: list[Message] = []
    ppu = {g.name: g.places_per_unit for g in config.groups}
    block_default = config.defaults.block_units
    stock = tables.stock
    if stock is not None and len(stock):
        label = tables.sources.get("planning_stock", "planning stock")
        for _, r in stock.iterrows():
            sid = r["site_id"]
            end = r["permit_end"]
            if isinstance(end, dt.date) and end < config.start:
                out.append(
                    Message(
                        "problem.planning.warn.permit_ended",
                        {
                            "file": label,
                            "id": str(sid),
                            "end": end.isoformat(),
                            "start": config.start.isoformat(),
                        },
                    )
                )
            units, occ, group = r["units"], r["occupants"], r["group"]
            room = units * ppu.get(group, 0) if pd.notna(units) else None
            if room and pd.notna(occ) and occ > room:
                out.append(
                    Message(
                        "problem.planning.warn.overfull",
                        {
                            "file": label,
                            "id": str(sid),
                            "occupants": str(int(occ)),
                            "units": str(int(units)),
                            "per_unit": str(ppu[group]),
                            "places": str(room),
                            "group": str(group),
                        },
                    )
                )
    cands = tables.candidates
    if cands is not None and len(cands) and "available_from" in cands.columns:
        label = tables.sources.get("planning_candidates", "planning candidates")
        first, end = config.period_bounds()[-1]
        for _, r in cands.iterrows():
            day = r["available_from"]
            if isinstance(day, dt.date) and day >= end:
                out.append(
                    Message(
                        "problem.planning.warn.after_horizon",
                        {
                            "file": label,
                            "id": str(r["site_id"]),
                            "day": day.isoformat(),
                            "last": period_label(first, config.period_months),
                            "end": end.isoformat(),
                        },
                    )
                )
    if cands is not None and len(cands) and "max_units" in cands.columns:
        label = tables.sources.get("planning_candidates", "planning candidates")
        for _, r in cands.iterrows():
            mx = r["max_units"]
            if mx is None or pd.isna(mx):
                continue
            block = block_default
            if "block_units" in cands.columns and pd.notna(r["block_units"]):
                block = int(r["block_units"]) or 1
            if int(mx) % block:
                out.append(
                    Message(
                        "problem.planning.warn.blocks",
                        {
                            "file": label,
                            "id": str(r["site_id"]),
                            "max_units": str(int(mx)),
                            "block": str(block),
                            "most": str(int(mx) // block * block),
                        },
                    )
                )
    return out

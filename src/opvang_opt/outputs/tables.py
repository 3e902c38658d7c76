"""The tables of a run, with readable headers and units, and the Excel workbook.

:func:`result_tables` chooses and labels the tables (one per sheet) for an export profile;
:func:`build_workbook` lays them out with openpyxl (frozen header row, column widths,
number formats). Nothing is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opvang_opt.outputs import content
from opvang_opt.outputs.privacy import SMALL, Profile, household_table_for
from opvang_opt.pipeline import RunResult
from opvang_opt.texts import CATALOGUE, Lang, fmt_date, render, t


@dataclass(frozen=True)
class Sheet:
    """One table of the workbook."""

    key: str
    title: str
    table: pd.DataFrame
    """With readable headers already."""
    euros: tuple[str, ...] = ()
    """Readable headers of the columns that hold euros (shown with a euro format)."""


def header(column: str, lang: Lang, result: RunResult | None = None) -> str:
    """The readable header of a column (with its unit), else the column name."""
    if f"header.{column}" in CATALOGUE:
        return t(f"header.{column}", lang)
    if result is not None:
        for c in result.siting.criteria:
            if column == c.indicator_column:
                unit = content.unit_label(c.unit, lang)
                return f"{c.label} ({unit})" if unit else c.label
            if column == c.value_column:
                return t("common.value_suffix", lang, label=c.label)
    m = re.match(r"^(persons|units)_(.+)$", column)
    if m:
        what = t(f"header.{m.group(1)}", lang)
        return f"{what}: {m.group(2)}"
    m = re.match(r"^children_(.+)$", column)
    if m:
        return t("header.children_group", lang, group=m.group(1).upper())
    return column


def labelled(df: pd.DataFrame, lang: Lang, result: RunResult | None = None) -> pd.DataFrame:
    """``df`` with readable headers (duplicates get their column name added)."""
    names = [header(str(c), lang, result) for c in df.columns]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    names = [f"{n} [{c}]" if seen[n] > 1 else n for n, c in zip(names, df.columns, strict=True)]
    out = df.copy()
    out.columns = names
    return out


def _key_value(rows: list[tuple[str, object]], lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[t("header.item", lang), t("header.value", lang)])


def _parameter_text(key: str, text: str, lang: Lang) -> str:
    """A scenario setting as the workbook shows it: yes/no and the profile in ``lang``."""
    if text in ("True", "False"):
        return t("common.yes" if text == "True" else "common.no", lang)
    if key == "outputs.profile" and f"common.profile.{text}" in CATALOGUE:
        return t(f"common.profile.{text}", lang)
    return text


def summary_rows(result: RunResult, lang: Lang, profile: Profile) -> list[tuple[str, object]]:
    """The headline figures as (label, value) rows."""
    f = content.summary_facts(result)
    unit = t(f"common.{f['target_unit']}", lang)

    def row(key: str, value: object, **params: object) -> tuple[str, object]:
        return t(f"summary.{key}", lang, **params), value

    rows: list[tuple[str, object]] = [
        row("scenario", result.scenario.name),
        row("hash", result.scenario_hash),
        row("run_date", fmt_date(result.started_at, lang)),
        row("profile", t(f"common.profile.{profile}", lang)),
        row("n_sites", f["n_sites"]),
        row("n_excluded", f["n_excluded"]),
    ]
    labels = content.rule_labels(result)
    for rule, n in f["excluded_by_rule"].items():
        rows.append(row("excluded_by", n, rule=labels.get(rule, rule)))
    rows += [
        row("n_eligible", f["n_eligible"]),
        row("n_shortlisted", f["n_shortlisted"]),
        row("capacity_selected", f["capacity_selected"], unit=unit),
        row("target", f["target"], unit=unit),
        row("target_met", t("common.yes" if f["target_met"] else "common.no", lang)),
    ]
    ss = result.siting.summary
    if ss.quality is not None:
        rows.append(row("quality", round(ss.quality, 1)))
        rows.append(row("overshoot", ss.overshoot, unit=unit))
    # with the target out of reach every draw fails alike: no share of draws to show
    if ss.smaa_chosen_share is not None and ss.target_met:
        rows.append(row("smaa_share", round(ss.smaa_chosen_share, 3)))
        pct = round(100 * result.scenario.siting.robustness.stable_share)
        core = ", ".join(ss.smaa_stable_core or ()) or t("common.none", lang)
        rows.append(row("stable_core", core, pct=pct))
    alloc = content.allocation_summary(result, profile)
    if alloc is not None:
        rows.append(row("allocation_status", content.status_label(alloc.get("status"), lang)))
        for key in ("households_placed", "persons_placed", "households_unplaced"):
            if key in alloc:
                rows.append(row(key, alloc[key]))
    ex = f.get("exchange")
    if ex:
        rows += [
            row("exchange_status", content.status_label(ex["status"], lang)),
            row("no_exchange_cost", ex["no_exchange_cost"]),
            row("exchange_cost", ex["cost"]),
            row("savings", ex["savings"]),
        ]
        if ex["diagnosis"]:
            rows.append(row("exchange_diagnosis", render(tuple(ex["diagnosis"]), lang)))
    return rows


def result_tables(result: RunResult, lang: Lang, profile: Profile = "council") -> list[Sheet]:
    """The tables of a run for the workbook, in sheet order.

    ``council`` holds aggregates only (allocation counts below 5 as ``<5``); ``analyst``
    adds the household-level assignments and unplaced households (pseudonymous ids, no
    names).
    """
    s = result.siting
    sheets: list[tuple[str, pd.DataFrame]] = [
        ("summary", _key_value(summary_rows(result, lang, profile), lang))
    ]
    sites = pd.DataFrame(s.sites.drop(columns=s.sites.geometry.name))
    sheets.append(("longlist", sites))
    sheets.append(("exclusions", s.exclusions))
    sheets.append(("shortlist", s.shortlist))
    sheets.append(("criteria", pd.DataFrame(
        [{"criterion": c.name, "label": c.label, "kind": c.kind, "unit": c.unit,
          "weight": round(c.weight, 6)} for c in s.criteria])))  # fmt: skip
    for key, table in (("sensitivity", s.sensitivity),
                       ("sensitivity_criteria", s.sensitivity_criteria),
                       ("tradeoff", s.tradeoff),
                       ("smaa_shortlists", s.shortlist_sets),
                       ("counterfactuals", s.counterfactuals)):  # fmt: skip
        if table is not None and len(table.columns):
            sheets.append((key, table))
    for name, table in content.exchange_tables(result).items():
        if name == "side_payments.csv":
            table = content.with_payer_role(table, lang)
        sheets.append((name, table))
    by_site = content.allocation_by_site(result)
    if by_site is not None:
        shown = content.allocation_for_profile(by_site, profile)
        sheets.append(("allocation_by_site", shown.drop(columns=["x", "y"], errors="ignore")))
        summ = content.allocation_summary(result, profile)
        if summ is not None and isinstance(summ.get("comparison"), pd.DataFrame):
            sheets.append(("allocation_comparison", summ["comparison"]))
        for key, table in content.allocation_tables(result).items():
            allowed = household_table_for(table, profile)
            if allowed is not None:
                sheets.append((key, allowed))
    euros: dict[str, tuple[str, ...]] = {}
    if result.planning is not None:
        from opvang_opt.outputs.planning import workbook_tables

        for key, table, eur in workbook_tables(result.planning, lang):
            sheets.append((key, table))
            euros[key] = eur
    if result.services is not None:
        # spoor 1, the expected bottleneck: the same tables as the CSV files, with counts of
        # children below 5 as <5 (and what would give them back hidden) for the council
        from opvang_opt.outputs.services import services_csv_tables

        for name, table in services_csv_tables(result.services, profile).items():
            sheets.append((name, table))
            if "cost_eur" in table.columns:
                euros[name] = ("cost_eur",)
    params = [(k, _parameter_text(k, v, lang)) for k, v in content.scenario_parameters(result)]
    sheets.append(("parameters", pd.DataFrame(params, columns=["key", "value"])))
    sheets.append(("sources", pd.DataFrame(content.data_sources(result, lang))))
    sheets.append(("versions", pd.DataFrame(sorted(result.versions.items()),
                                            columns=["package", "version"])))  # fmt: skip
    out = []
    for key, table in sheets:
        title = t(f"sheet.{key}", lang) if f"sheet.{key}" in CATALOGUE else key
        shown = yes_no(content.localised(table, lang), lang)
        eur = tuple(header(c, lang, result) for c in euros.get(key, ()) if c in table.columns)
        out.append(Sheet(key, _sheet_title(title), labelled(shown, lang, result), eur))
    return out


def yes_no(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``df`` with booleans as Ja/Nee (Yes/No): LibreOffice shows stored booleans as
    ``TRUE()``/``FALSE()``."""
    out = df.copy()
    yes, no = t("common.yes", lang).capitalize(), t("common.no", lang).capitalize()
    for col in out.columns:
        s = out[col]
        if s.dtype == bool or (
            s.dtype == object and s.map(lambda v: isinstance(v, bool | np.bool_)).any()
        ):
            out[col] = s.astype(object).map(
                lambda v: (yes if v else no) if isinstance(v, bool | np.bool_) else v
            )
    return out


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def _text_never_formula(ws: object) -> None:
    """Store every cell openpyxl took for a formula (text starting with '=') as text.

    The workbook holds no formulas of its own, so any such cell is input text (a site name
    like ``=HYPERLINK(...)``): it must stay inert (OWASP, CSV/formula injection).
    """
    for row in ws.iter_rows():  # type: ignore[attr-defined]
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True


_INT_TEXT = re.compile(r"^-?(0|[1-9]\d{0,14})$")
_DEC_TEXT = re.compile(r"^-?(0|[1-9]\d{0,14})\.\d{1,12}$")
NUMBER_TEXT_SHEETS = ("summary", "parameters", "sources", "allocation_comparison")
"""Key/value sheets whose numbers arrive as text; stored as numbers."""


def _cell(value: object, counts: bool = False) -> object:
    """A cell value: numbers as numbers, booleans as Ja/Nee, everything else as is.

    ``counts``: the column holds numbers that arrive as text (counts with suppressed cells
    ``<5``, or settings); they are stored as numbers."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "Ja" if value else "Nee"
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, list | tuple | dict | set):
        return str(value)
    if counts and isinstance(value, str) and _INT_TEXT.match(value):
        return int(value)
    if counts and isinstance(value, str) and _DEC_TEXT.match(value):
        return float(value)
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value


def _count_text(values: pd.Series) -> bool:
    """A column of counts that arrive as text (suppressed cells ``<5`` or ``x`` among them)."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values):
        return False
    text = values.dropna().astype(str)
    return bool(len(text)) and bool(
        text.map(
            lambda v: v in (SMALL, "x") or bool(_INT_TEXT.match(v) or _DEC_TEXT.match(v))
        ).all()
    )


HEADER_LINE_PT = 13.0
"""Height of one header text line (points) at the header's font size."""


def _header_lines(text: str, width: float) -> int:
    """How many lines a wrapped header needs in a column ``width`` characters wide."""
    lines, used = 1, 0.0
    for w in text.split():
        need = len(w) * 1.1 + (1 if used else 0)
        if used and used + need > width - 1:
            lines += 1
            used = len(w) * 1.1
        else:
            used += need
    return lines


def _print_setup(ws: Any) -> None:
    """A4 landscape, fit to one page wide, header row repeated on every page, page footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A - " + t("common.page_of", "nl", page="&P", pages="&N")


NUMBER_LOCALE: dict[Lang, str] = {"nl": "[$-413]", "en": ""}
"""Locale modifier of number formats: Dutch (0x413) shows 1.234,56 in LibreOffice whatever
the reader's own locale; Excel keeps the reader's separators."""


EURO_FORMAT = '"€" #,##0.00'
"""Number format of money columns (amounts computed in integer cents, shown in euros)."""


PRINT_WIDTH = 800
"""The widest sheet, in characters, that LibreOffice still prints one A4 page wide (its
smallest print scale; measured: 876 characters fit, 985 did not). A wider sheet (the
longlist with every criterion's indicator and value) gets narrower columns with wrapped
text, and A3 paper if even that is too wide."""


def _column_widths(df: pd.DataFrame) -> tuple[list[float], list[int], bool]:
    """Column widths in characters: the content (10-50), at least the header's first 14
    characters; in a sheet wider than :data:`PRINT_WIDTH`, the content only, text
    wrapped beyond 24 characters (headers wrap anyway). Also returns each column's longest
    text (of the first 200 rows) and whether the sheet was narrowed."""
    longest = [max((len(str(v)) for v in df[c].head(200)), default=0) for c in df.columns]
    widths = [
        float(min(max(n + 2, min(len(str(c)), 14) + 2, 10), 50))
        for n, c in zip(longest, df.columns, strict=True)
    ]
    narrowed = sum(widths) > PRINT_WIDTH
    if narrowed:
        widths = [float(min(max(n + 2, 10), 24)) for n in longest]
    return widths, longest, narrowed


def build_workbook(sheets: list[Sheet], lang: Lang = "nl") -> Workbook:
    """An Excel workbook with one sheet per table.

    Bold header row on a grey fill, tall enough for its wrapped text (so it never covers the
    first data row), frozen below the header, an auto-filter, column widths from the
    content (10-50 characters; narrower with wrapped text in a sheet too wide to print,
    see :data:`PRINT_WIDTH`), numbers stored as numbers with formats (whole numbers with a
    thousands separator, 2 decimals for shares and scores; Dutch separators with
    ``lang="nl"``), booleans as Ja/Nee, and a print set-up: A4 landscape, one page wide,
    the header row repeated on every page, the page number in the footer.
    """
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    loc = NUMBER_LOCALE[lang]
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        df = sheet.table
        ws.append([str(c) for c in df.columns])
        counts = [sheet.key in NUMBER_TEXT_SHEETS or _count_text(df[c]) for c in df.columns]
        for row in df.itertuples(index=False, name=None):
            ws.append([_cell(v, k) for v, k in zip(row, counts, strict=True)])
        _text_never_formula(ws)
        widths, longest, narrowed = _column_widths(df)
        header_lines = 1
        for j, col in enumerate(df.columns, start=1):
            values = df[col]
            width = widths[j - 1]
            ws.column_dimensions[get_column_letter(j)].width = width
            header_lines = max(header_lines, _header_lines(str(col), width))
            if narrowed and width < longest[j - 1] + 2:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            fmt = "#,##0"
            money = "(EUR" in str(col)  # euro amounts are whole cents: show the cents
            if money and pd.api.types.is_float_dtype(values):
                fmt = "#,##0.00"
            elif pd.api.types.is_float_dtype(values):
                finite = values[np.isfinite(values)]
                big = finite.abs().max() if len(finite) else 0
                whole = bool(len(finite)) and bool((finite == finite.round()).all())
                fmt = "#,##0" if whole or (big and big >= 1000) else "0.00"
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(cell.value, bool) or not isinstance(cell.value, int | float):
                    continue
                small_fraction = (
                    isinstance(cell.value, float) and fmt == "#,##0"
                    and cell.value != int(cell.value) and abs(cell.value) < 1000
                )  # fmt: skip
                cell.number_format = loc + ("#,##0.00" if small_fraction else fmt)
                if col in sheet.euros:
                    cell.number_format = loc + EURO_FORMAT
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[1].height = HEADER_LINE_PT * header_lines + 4
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(len(df), 1) + 1}"
        _print_setup(ws)
        if sum(widths) > PRINT_WIDTH:
            ws.page_setup.paperSize = 8  # A3: too wide for A4 even with narrow columns
    return wb

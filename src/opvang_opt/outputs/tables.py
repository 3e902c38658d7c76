# ruff: noqa: E501  (the header tables read best one column per line)
"""The tables of a run, with readable headers and units, and the Excel workbook.

:func:`result_tables` chooses and labels the tables (one per sheet) for an export profile;
:func:`build_workbook` lays them out with openpyxl (frozen header row, column widths,
number formats). Nothing is written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opvang_opt.outputs import content
from opvang_opt.outputs.i18n import Lang
from opvang_opt.outputs.privacy import Profile, household_table_for
from opvang_opt.pipeline import RunResult

HEADERS: dict[str, dict[Lang, str]] = {
    "site_id": {"nl": "Locatie-id", "en": "Site id"},
    "name": {"nl": "Naam", "en": "Name"},
    "municipality_code": {"nl": "Gemeentecode (CBS)", "en": "Municipality code (CBS)"},
    "municipality": {"nl": "Gemeente", "en": "Municipality"},
    "owner": {"nl": "Eigenaar", "en": "Owner"},
    "zoning": {"nl": "Bestemming", "en": "Zoning"},
    "zoning_change_needed": {"nl": "Bestemmingswijziging nodig (1 = ja)", "en": "Zoning change needed (1 = yes)"},
    "available_from": {"nl": "Beschikbaar vanaf (datum)", "en": "Available from (date)"},
    "cost_estimate_eur": {"nl": "Kostenraming (EUR)", "en": "Cost estimate (EUR)"},
    "area_m2": {"nl": "Oppervlakte (m²)", "en": "Area (m²)"},
    "notes": {"nl": "Opmerkingen", "en": "Notes"},
    "excluded": {"nl": "Uitgesloten", "en": "Excluded"},
    "excluded_by": {"nl": "Uitgesloten door regel(s)", "en": "Excluded by rule(s)"},
    "exclusion_reasons": {"nl": "Redenen van uitsluiting", "en": "Reasons for exclusion"},
    "n_rules_broken": {"nl": "Aantal overtreden regels", "en": "Rules broken"},
    "score": {"nl": "Score (0-100)", "en": "Score (0-100)"},
    "rank": {"nl": "Rang (1 = best; 0 = uitgesloten)", "en": "Rank (1 = best; 0 = excluded)"},
    "capacity_units": {"nl": "Capaciteit (woningen)", "en": "Capacity (units)"},
    "capacity_places": {"nl": "Capaciteit (plekken)", "en": "Capacity (places)"},
    "capacity_method": {"nl": "Capaciteitsmethode", "en": "Capacity method"},
    "layout_angle": {"nl": "Hoek verkaveling (graden)", "en": "Layout angle (degrees)"},
    "shortlisted": {"nl": "Op shortlist", "en": "Shortlisted"},
    "decision": {"nl": "Besluit en reden", "en": "Decision and reason"},
    "binding": {"nl": "Bepalende regel", "en": "Binding rule"},
    "zone": {"nl": "Zone (wijk)", "en": "Zone (district)"},
    "cumulative_capacity_places": {"nl": "Cumulatieve capaciteit (plekken)", "en": "Cumulative capacity (places)"},
    "cumulative_capacity_units": {"nl": "Cumulatieve capaciteit (woningen)", "en": "Cumulative capacity (units)"},
    "rule": {"nl": "Regel", "en": "Rule"},
    "label": {"nl": "Omschrijving", "en": "Label"},
    "measured": {"nl": "Gemeten waarde", "en": "Measured value"},
    "limit": {"nl": "Grens", "en": "Limit"},
    "unit": {"nl": "Eenheid", "en": "Unit"},
    "message": {"nl": "Toelichting", "en": "Explanation"},
    "mean_rank": {"nl": "Gemiddelde rang (SMAA)", "en": "Mean rank (SMAA)"},
    "rank1_share": {"nl": "Aandeel rang 1 (0-1)", "en": "Share rank 1 (0-1)"},
    "top3_share": {"nl": "Aandeel top 3 (0-1)", "en": "Share top 3 (0-1)"},
    "shortlist_share": {"nl": "Aandeel op shortlist (0-1)", "en": "Share shortlisted (0-1)"},
    "stable_core": {"nl": "Vaste kern", "en": "Stable core"},
    "share": {"nl": "Aandeel trekkingen (0-1)", "en": "Share of samples (0-1)"},
    "sites": {"nl": "Locaties", "en": "Sites"},
    "is_chosen": {"nl": "Gekozen shortlist", "en": "Chosen shortlist"},
    "action": {"nl": "Wat als", "en": "What if"},
    "loss": {"nl": "Verlies", "en": "Loss"},
    "loss_unit": {"nl": "Eenheid verlies", "en": "Unit of loss"},
    "cost_change": {"nl": "Verschil kosten (EUR)", "en": "Cost change (EUR)"},
    "quality_change": {"nl": "Verschil kwaliteit (punten)", "en": "Quality change (points)"},
    "quality": {"nl": "Kwaliteit (gem. score per benodigde plek)", "en": "Quality (mean score per needed place)"},
    "overshoot": {"nl": "Overschot", "en": "Overshoot"},
    "frontier": {"nl": "Curve", "en": "Curve"},
    "epsilon": {"nl": "Grens (epsilon)", "en": "Bound (epsilon)"},
    "criterion": {"nl": "Criterium", "en": "Criterion"},
    "direction": {"nl": "Richting", "en": "Direction"},
    "weight": {"nl": "Gewicht (0-1)", "en": "Weight (0-1)"},
    "change": {"nl": "Wijziging gewicht", "en": "Weight change"},
    "new_weight": {"nl": "Nieuw gewicht (0-1)", "en": "New weight (0-1)"},
    "relative_change": {"nl": "Relatieve wijziging (0-1)", "en": "Relative change (0-1)"},
    "entering": {"nl": "Komt op shortlist", "en": "Entering"},
    "leaving": {"nl": "Valt af", "en": "Leaving"},
    "note": {"nl": "Opmerking", "en": "Note"},
    "target": {"nl": "Doel (capaciteit)", "en": "Target (capacity)"},
    "feasible": {"nl": "Haalbaar", "en": "Feasible"},
    "status": {"nl": "Status", "en": "Status"},
    "gap": {"nl": "Optimaliteitsgat (0-1)", "en": "Optimality gap (0-1)"},
    "total_value": {"nl": "Totale waarde", "en": "Total value"},
    "capacity": {"nl": "Capaciteit", "en": "Capacity"},
    "n_sites": {"nl": "Aantal locaties", "en": "Sites"},
    "cost": {"nl": "Kosten (EUR)", "en": "Cost (EUR)"},
    "is_scenario_target": {"nl": "Doel van het scenario", "en": "Scenario target"},
    "group": {"nl": "Doelgroep", "en": "Group"},
    "task": {"nl": "Taakstelling (plekken)", "en": "Task (places)"},
    "placed": {"nl": "Gehuisvest (plekken)", "en": "Housed (places)"},
    "substituted_out": {"nl": "Vervangen, uit (plekken)", "en": "Substituted out (places)"},
    "substituted_in": {"nl": "Vervangen, in (plekken)", "en": "Substituted in (places)"},
    "credited": {"nl": "Toegerekend (plekken)", "en": "Credited (places)"},
    "unmet": {"nl": "Niet gehuisvest (plekken)", "en": "Unmet (places)"},
    "net_transfer": {"nl": "Netto overgenomen (plekken)", "en": "Net transfer (places)"},
    "assigned": {"nl": "Toegewezen (plekken)", "en": "Assigned (places)"},
    "task_per_1000": {"nl": "Taak per 1.000 inwoners", "en": "Task per 1,000 inhabitants"},
    "assigned_per_1000": {"nl": "Toegewezen per 1.000 inwoners", "en": "Assigned per 1,000 inhabitants"},
    "from_code": {"nl": "Van (code)", "en": "From (code)"},
    "from_name": {"nl": "Van", "en": "From"},
    "to_code": {"nl": "Naar (code)", "en": "To (code)"},
    "to_name": {"nl": "Naar", "en": "To"},
    "places": {"nl": "Plekken", "en": "Places"},
    "cost_no_exchange": {"nl": "Kosten zonder uitruil (EUR)", "en": "Cost without exchange (EUR)"},
    "cost_exchange": {"nl": "Kosten met uitruil (EUR)", "en": "Cost with exchange (EUR)"},
    "shapley_saving": {"nl": "Besparing Shapley (EUR)", "en": "Shapley saving (EUR)"},
    "shapley_std_error": {"nl": "Standaardfout Shapley (EUR)", "en": "Shapley std. error (EUR)"},
    "payment": {"nl": "Verevening (EUR; + = ontvangt)", "en": "Side payment (EUR; + = receives)"},
    "cost_after_payment": {"nl": "Kosten na verevening (EUR)", "en": "Cost after payment (EUR)"},
    "saving_after_payment": {"nl": "Besparing na verevening (EUR)", "en": "Saving after payment (EUR)"},
    "individually_rational": {"nl": "Individueel rationeel", "en": "Individually rational"},
    "places_taken_over": {"nl": "Overgenomen plekken", "en": "Places taken over"},
    "places_handed_over": {"nl": "Overgedragen plekken", "en": "Places handed over"},
    "payment_per_place_moved": {"nl": "Verevening per verplaatste plek (EUR)", "en": "Payment per place moved (EUR)"},
    "method": {"nl": "Methode", "en": "Method"},
    "reference": {"nl": "Referentieprijs", "en": "Reference price"},
    "price_per_place_period": {"nl": "Prijs per plek per periode (EUR)", "en": "Price per place per period (EUR)"},
    "net_transfer_group": {"nl": "Netto overgenomen in groep (plekken)", "en": "Net transfer in group (places)"},
    "reference_value": {"nl": "Referentiewaarde (EUR)", "en": "Reference value (EUR)"},
    "ratio_to_reference": {"nl": "Verhouding tot referentie", "en": "Ratio to reference"},
    "assumption": {"nl": "Aanname", "en": "Assumption"},
    "source": {"nl": "Bron", "en": "Source"},
    "shift": {"nl": "Toegestane verschuiving (0-1)", "en": "Allowed shift (0-1)"},
    "cost_region": {"nl": "Kosten regio (EUR)", "en": "Cost region (EUR)"},
    "savings_region": {"nl": "Besparing regio (EUR)", "en": "Savings region (EUR)"},
    "savings_share_region": {"nl": "Besparing regio (aandeel 0-1)", "en": "Savings region (share 0-1)"},
    "units": {"nl": "Woningen", "en": "Units"},
    "occupied_units": {"nl": "Bewoonde woningen", "en": "Occupied units"},
    "households": {"nl": "Huishoudens", "en": "Households"},
    "persons": {"nl": "Personen", "en": "Persons"},
    "occupancy": {"nl": "Bezetting (0-1)", "en": "Occupancy (0-1)"},
    "component": {"nl": "Onderdeel", "en": "Component"},
    "optimiser": {"nl": "Optimalisatie", "en": "Optimiser"},
    "baseline": {"nl": "Handmatige basislijn (wie eerst komt)", "en": "Manual baseline (first come)"},
    "improvement": {"nl": "Verbetering (basislijn - optimalisatie)", "en": "Improvement (baseline - optimiser)"},
    "household_id": {"nl": "Huishouden (pseudoniem)", "en": "Household (pseudonym)"},
    "unit_id": {"nl": "Woning-id", "en": "Unit id"},
    "reason": {"nl": "Reden", "en": "Reason"},
    "key": {"nl": "Instelling", "en": "Setting"},
    "value": {"nl": "Waarde", "en": "Value"},
    "layer": {"nl": "Laag", "en": "Layer"},
    "file": {"nl": "Bestand", "en": "File"},
    "features": {"nl": "Objecten", "en": "Features"},
    "sha256": {"nl": "SHA-256 (begin)", "en": "SHA-256 (start)"},
    "licence": {"nl": "Licentie", "en": "Licence"},
    "package": {"nl": "Pakket", "en": "Package"},
    "version": {"nl": "Versie", "en": "Version"},
    "stage": {"nl": "Stap", "en": "Stage"},
    "seconds": {"nl": "Duur (s)", "en": "Duration (s)"},
    "kind": {"nl": "Soort", "en": "Kind"},
    "item": {"nl": "Onderdeel", "en": "Item"},
}  # fmt: skip
"""Readable headers with units, per column name."""

SHEETS: dict[str, dict[Lang, str]] = {
    "summary": {"nl": "Samenvatting", "en": "Summary"},
    "longlist": {"nl": "Longlist", "en": "Longlist"},
    "exclusions": {"nl": "Uitsluitingen", "en": "Exclusions"},
    "shortlist": {"nl": "Shortlist", "en": "Shortlist"},
    "criteria": {"nl": "Criteria", "en": "Criteria"},
    "sensitivity": {"nl": "Gevoeligheid locaties", "en": "Sensitivity sites"},
    "sensitivity_criteria": {"nl": "Gevoeligheid gewichten", "en": "Sensitivity weights"},
    "tradeoff": {"nl": "Afweging", "en": "Trade-off"},
    "smaa_shortlists": {"nl": "Robuustheid shortlists", "en": "Robustness shortlists"},
    "counterfactuals": {"nl": "Wat als per locatie", "en": "What if per site"},
    "exchange.csv": {"nl": "Uitruil per gemeente", "en": "Exchange per municipality"},
    "exchange_flows.csv": {"nl": "Uitruilstromen", "en": "Exchange flows"},
    "side_payments.csv": {"nl": "Verevening", "en": "Side payments"},
    "side_payments_reference.csv": {"nl": "Verevening referentie", "en": "Payments reference"},
    "tradeoff_exchange.csv": {"nl": "Afweging uitruil", "en": "Exchange trade-off"},
    "allocation_by_site": {"nl": "Toewijzing per locatie", "en": "Allocation per site"},
    "allocation_comparison": {"nl": "Toewijzing vs basislijn", "en": "Allocation vs baseline"},
    "assignments": {"nl": "Toewijzing huishoudens", "en": "Household assignments"},
    "unplaced": {"nl": "Niet geplaatst", "en": "Not placed"},
    "parameters": {"nl": "Parameters", "en": "Parameters"},
    "sources": {"nl": "Databronnen", "en": "Data sources"},
    "versions": {"nl": "Versies", "en": "Versions"},
}  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    """One table of the workbook."""

    key: str
    title: str
    table: pd.DataFrame
    """With readable headers already."""


def header(column: str, lang: Lang, result: RunResult | None = None) -> str:
    """The readable header of a column (with its unit), else the column name."""
    if column in HEADERS:
        return HEADERS[column][lang]
    if result is not None:
        for c in result.siting.criteria:
            if column == c.indicator_column:
                return f"{c.label} ({c.unit})" if c.unit else c.label
            if column == c.value_column:
                return f"{c.label}: {'waarde' if lang == 'nl' else 'value'} (0-1)"
    m = re.match(r"^(persons|units)_(.+)$", column)
    if m:
        what = HEADERS[m.group(1)][lang]
        return f"{what}: {m.group(2)}"
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
    return pd.DataFrame(rows, columns=[HEADERS["item"][lang], HEADERS["value"][lang]])


def summary_rows(result: RunResult, lang: Lang, profile: Profile) -> list[tuple[str, object]]:
    """The headline figures as (label, value) rows."""
    f = content.summary_facts(result)
    nl = lang == "nl"
    unit = ("plekken" if nl else "places") if f["target_unit"] == "places" else (
        "woningen" if nl else "units")  # fmt: skip
    rows: list[tuple[str, object]] = [
        ("Scenario", result.scenario.name),
        ("Hash", result.scenario_hash),
        ("Rundatum" if nl else "Run date", result.started_at),
        ("Exportprofiel" if nl else "Export profile", profile),
        ("Locaties beoordeeld" if nl else "Sites assessed", f["n_sites"]),
        ("Uitgesloten" if nl else "Excluded", f["n_excluded"]),
    ]
    labels = content.rule_labels(result)
    for rule, n in f["excluded_by_rule"].items():
        rows.append(
            (f"  {'uitgesloten door' if nl else 'excluded by'} {labels.get(rule, rule)}", n)
        )
    rows += [
        ("Toegestaan" if nl else "Eligible", f["n_eligible"]),
        ("Op shortlist" if nl else "Shortlisted", f["n_shortlisted"]),
        (f"{'Capaciteit shortlist' if nl else 'Shortlist capacity'} ({unit})", f["capacity_selected"]),
        (f"{'Doel' if nl else 'Target'} ({unit})", f["target"]),
        ("Doel gehaald" if nl else "Target met", ("ja" if nl else "yes") if f["target_met"]
         else ("nee" if nl else "no")),
    ]  # fmt: skip
    ss = result.siting.summary
    if ss.quality is not None:
        rows.append(
            (
                "Kwaliteit: gem. score per benodigde plek (0-100)"
                if nl
                else "Quality: mean score per needed place (0-100)",
                round(ss.quality, 1),
            )
        )
        rows.append((f"{'Overschot' if nl else 'Overshoot'} ({unit})", ss.overshoot))
    if ss.smaa_chosen_share is not None:
        rows.append(
            (
                "Robuustheid: aandeel trekkingen met deze shortlist"
                if nl
                else "Robustness: share of samples giving this shortlist",
                round(ss.smaa_chosen_share, 3),
            )
        )
        pct = round(100 * result.scenario.siting.robustness.stable_share)
        rows.append(
            (
                f"Vaste kern (>= {pct} % van de trekkingen)"
                if nl
                else f"Stable core (>= {pct} % of samples)",
                ", ".join(ss.smaa_stable_core or ()) or ("geen" if nl else "none"),
            )
        )
    alloc = content.allocation_summary(result, profile)
    if alloc is not None:
        rows.append(("Toewijzing: status" if nl else "Allocation: status", alloc.get("status")))
        for key, nl_label, en_label in (
            ("households_placed", "Huishoudens geplaatst", "Households placed"),
            ("persons_placed", "Personen geplaatst", "Persons placed"),
            ("households_unplaced", "Huishoudens niet geplaatst", "Households not placed"),
        ):
            if key in alloc:
                rows.append((nl_label if nl else en_label, alloc[key]))
    ex = f.get("exchange")
    if ex:
        rows += [
            ("Uitruil: status" if nl else "Exchange: status", ex["status"]),
            ("Kosten zonder uitruil (EUR)" if nl else "Cost without exchange (EUR)",
             ex["no_exchange_cost"]),
            ("Kosten met uitruil (EUR)" if nl else "Cost with exchange (EUR)", ex["cost"]),
            ("Besparing (EUR)" if nl else "Savings (EUR)", ex["savings"]),
        ]  # fmt: skip
        if ex["diagnosis"]:
            rows.append(("Uitruil: diagnose" if nl else "Exchange: diagnosis",
                         "; ".join(ex["diagnosis"])))  # fmt: skip
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
    sheets.append(("parameters", pd.DataFrame(content.scenario_parameters(result),
                                              columns=["key", "value"])))  # fmt: skip
    sheets.append(("sources", pd.DataFrame(content.data_sources(result, lang))))
    sheets.append(("versions", pd.DataFrame(sorted(result.versions.items()),
                                            columns=["package", "version"])))  # fmt: skip
    out = []
    for key, table in sheets:
        title = SHEETS.get(key, {}).get(lang, key)
        out.append(Sheet(key, _sheet_title(title), labelled(table, lang, result)))
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


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, list | tuple | dict | set):
        return str(value)
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    return value


def build_workbook(sheets: list[Sheet]) -> Workbook:
    """An Excel workbook with one sheet per table.

    Bold header row on a grey fill, frozen below the header, an auto-filter, column widths
    from the content (10-60 characters) and number formats (whole numbers, 2 decimals for
    shares and scores, thousands separators for amounts).
    """
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        df = sheet.table
        ws.append([str(c) for c in df.columns])
        for row in df.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        _text_never_formula(ws)
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(len(df), 1) + 1}"
        for j, col in enumerate(df.columns, start=1):
            values = df[col]
            width = max([len(str(col)) * 0.8, *(len(str(v)) for v in values.head(200))], default=10)
            ws.column_dimensions[get_column_letter(j)].width = float(min(max(width + 2, 10), 60))
            if pd.api.types.is_float_dtype(values):
                big = values.abs().max(skipna=True) if len(values) else 0
                fmt = "#,##0" if big and big >= 1000 else "0.00"
                for cell in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell[0].number_format = fmt
            elif pd.api.types.is_integer_dtype(values):
                for cell in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell[0].number_format = "#,##0"
    return wb

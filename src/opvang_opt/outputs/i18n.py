"""Texts of maps and reports, Dutch by default with English available."""

from __future__ import annotations

from typing import Literal

Lang = Literal["nl", "en"]

TEXTS: dict[str, dict[Lang, str]] = {
    "fictitious": {
        "nl": "FICTIEVE DEMODATA: geen echte locaties of huishoudens",
        "en": "FICTITIOUS DEMO DATA: no real sites or households",
    },
    "longlist": {"nl": "Longlist (score)", "en": "Longlist (score)"},
    "excluded": {"nl": "Uitgesloten locaties", "en": "Excluded sites"},
    "shortlist": {"nl": "Shortlist", "en": "Shortlist"},
    "municipalities": {"nl": "Gemeentegrenzen", "en": "Municipal boundaries"},
    "districts": {"nl": "Wijkgrenzen", "en": "District boundaries"},
    "score": {"nl": "Score (0-100)", "en": "Score (0-100)"},
    "rank": {"nl": "Rang", "en": "Rank"},
    "capacity": {"nl": "Capaciteit", "en": "Capacity"},
    "units": {"nl": "woningen", "en": "units"},
    "reasons": {"nl": "Uitgesloten om", "en": "Excluded because"},
    "decision": {"nl": "Besluit", "en": "Decision"},
    "criterion": {"nl": "Criterium", "en": "Criterion"},
    "measured": {"nl": "Gemeten", "en": "Measured"},
    "value": {"nl": "Waarde", "en": "Value"},
    "weight": {"nl": "Gewicht", "en": "Weight"},
    "scenario": {"nl": "Scenario", "en": "Scenario"},
    "run_date": {"nl": "Rundatum", "en": "Run date"},
    "robust": {
        "nl": "Op shortlist bij gewichtsvariatie (SMAA)",
        "en": "Shortlisted under weight variation (SMAA)",
    },
    "flows": {"nl": "Uitruil tussen gemeenten", "en": "Exchange between municipalities"},
    "layout": {"nl": "Verkaveling flexwoningen", "en": "Unit layout"},
    "excluded_legend": {"nl": "uitgesloten", "en": "excluded"},
    "shortlist_legend": {"nl": "op shortlist (dikke rand)", "en": "shortlisted (thick edge)"},
}


def t(key: str, lang: Lang = "nl") -> str:
    """Return the text for ``key`` in ``lang``."""
    return TEXTS[key][lang]

"""Texts of maps, reports and tables, Dutch by default with English available."""

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
    "places": {"nl": "plekken", "en": "places"},
    "reasons": {"nl": "Uitgesloten om", "en": "Excluded because"},
    "decision": {"nl": "Besluit", "en": "Decision"},
    "criterion": {"nl": "Criterium", "en": "Criterion"},
    "measured": {"nl": "Gemeten", "en": "Measured"},
    "value": {"nl": "Waarde (0-1)", "en": "Value (0-1)"},
    "weight": {"nl": "Gewicht", "en": "Weight"},
    "none": {"nl": "geen", "en": "none"},
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
    "constraint": {"nl": "Beperking", "en": "Constraint"},
    "criterion_layer": {"nl": "Criteriumlaag", "en": "Criterion layer"},
    "poi": {"nl": "Voorziening", "en": "Amenity"},
    "allocation": {"nl": "Toewijzing per locatie", "en": "Allocation per site"},
    "allocation_legend": {
        "nl": "toewijzing per locatie (grootte: personen)",
        "en": "allocation per site (size: persons)",
    },
    "alloc_units": {"nl": "Woningen", "en": "Units"},
    "alloc_occupied": {"nl": "Bewoonde woningen", "en": "Occupied units"},
    "alloc_households": {"nl": "Huishoudens", "en": "Households"},
    "alloc_persons": {"nl": "Personen", "en": "Persons"},
    "alloc_occupancy": {"nl": "Bezetting", "en": "Occupancy"},
    "osm": {"nl": "OpenStreetMap-bijdragers", "en": "OpenStreetMap contributors"},
    "data": {"nl": "Data", "en": "Data"},
    "profile_council": {
        "nl": "Exportprofiel raad: alleen totalen; aantallen onder 5 als <5",
        "en": "Council export profile: aggregates only; counts below 5 as <5",
    },
    "profile_analyst": {
        "nl": "Exportprofiel analist: exacte aantallen (niet voor publicatie)",
        "en": "Analyst export profile: exact counts (not for publication)",
    },
    "src_fictitious": {
        "nl": "Fictieve demodata (scripts/make_demo.py)",
        "en": "Fictitious demo data (scripts/make_demo.py)",
    },
    "src_unknown": {"nl": "niet opgegeven", "en": "not stated"},
    "lic_none": {"nl": "n.v.t. (fictief)", "en": "n/a (fictitious)"},
    "lic_unknown": {
        "nl": "niet opgegeven: vul aan in de scenario-instellingen",
        "en": "not stated: add it to the scenario settings",
    },
    "north": {"nl": "N", "en": "N"},
    "static_sites": {"nl": "locaties op de longlist", "en": "longlist sites"},
    "no_tiles": {
        "nl": "Kaart zonder achtergrondkaart",
        "en": "Map without background tiles",
    },
}


def t(key: str, lang: Lang = "nl") -> str:
    """Return the text for ``key`` in ``lang``."""
    return TEXTS[key][lang]

# ruff: noqa: E501  (one text per line reads best)
"""Texts of input problems found by the stages and their table checks (``io.planning``,
``io.services``, ``io.inputs``, ``allocation``, ``siting``, ``exchange``, ``workflows``):
the lines under "Fout:" / "Error:". Keyed without the ``problem.`` prefix; merged into
:data:`opvang_opt.texts.catalogue.CATALOGUE`.

Dutch first, English complete; both use the same fields. A ``hint`` field holds a hint
built by a shared helper (``did_you_mean``, ``numtext``, ``dates``): a message or text that
brings its own leading separator, or ``""``.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- where: records of a table
    "table.where.row_id": {"nl": "rij {row:plain} ({id})", "en": "row {row:plain} ({id})"},
    "table.where.id_row": {"nl": "id {id} (rij {row:plain})", "en": "id {id} (row {row:plain})"},
    # --- io.planning: the planning tables (tasks, stock, candidates)
    "planning.summary": {"nl": "De planningstabellen bevatten {count:d} probleem/problemen", "en": "The planning tables have {count:d} problem(s)"},
    "planning.where.table": {"nl": "tabel '{table}'", "en": "table '{table}'"},
    "planning.no_file": {"nl": "bestand bestaat niet", "en": "file does not exist"},
    "planning.date_format_no_column": {"nl": "date_formats geeft een datumnotatie voor kolom '{column}', maar het bestand heeft die kolom niet (aanwezige kolommen: {present})", "en": "date_formats declares a format for column '{column}', which the file does not have (columns present: {present})"},
    "planning.bad_date": {"nl": "'{value}': {why}", "en": "'{value}': {why}"},
    "planning.bad_date_got": {"nl": "{why} (gevonden: {value})", "en": "{why} (got {value})"},
    "planning.missing_column": {"nl": "verplichte kolom ontbreekt{hint}", "en": "required column is missing{hint}"},
    "planning.hint.decimal_comma": {"nl": '; het getal is geschreven met een decimale komma: geef `decimal: ","` op voor deze tabel (met `separator: ";"` voor een Nederlandse Excel-export)', "en": '; it is written with a decimal comma: declare `decimal: ","` for this table (with `separator: ";"` for a Dutch Excel export)'},
    "planning.not_whole": {"nl": "'{value}' is geen geheel getal{hint}", "en": "'{value}' is not a whole number{hint}"},
    "planning.below_minimum": {"nl": "{value:plain} is lager dan het minimum {minimum:plain}", "en": "{value:plain} is below the minimum {minimum:plain}"},
    "planning.not_number": {"nl": "'{value}' is geen getal{hint}", "en": "'{value}' is not a number{hint}"},
    "planning.negative": {"nl": "{value} moet een getal van 0 of meer zijn", "en": "{value} must be a number of 0 or more"},
    "planning.unknown_period": {"nl": "onbekende periode '{value}'{hint}", "en": "unknown period '{value}'{hint}"},
    "planning.unknown_municipality": {"nl": "onbekende gemeente '{value}'{hint}", "en": "unknown municipality '{value}'{hint}"},
    "planning.unknown_group": {"nl": "onbekende groep '{value}'{hint}", "en": "unknown group '{value}'{hint}"},
    "planning.duplicate_task": {"nl": "dubbel met {first} (zelfde periode, gemeente en groep)", "en": "duplicate of {first} (same period, municipality and group)"},
    "planning.empty_id": {"nl": "id is leeg", "en": "empty id"},
    "planning.duplicate_id": {"nl": "id '{id}' komt dubbel voor", "en": "duplicate id '{id}'"},
    "planning.max_below_units": {"nl": "max_units {max_units:plain} is lager dan units {units:plain}", "en": "max_units {max_units:plain} is below units {units:plain}"},
    "planning.candidate_needs_field": {"nl": "leeg; een kandidaat-locatie (candidates.from: table) heeft dit veld nodig", "en": "empty; a candidate site (candidates.from: table) needs it"},
    "planning.not_amount": {"nl": "'{value}' is geen bedrag in euro's{hint}", "en": "'{value}' is not an amount in euros{hint}"},
    "planning.below_subsidy": {"nl": "{value} is lager dan de subsidie van {subsidy} per woning (planning.defaults.subsidy_per_unit_eur): de nettokosten van een woning bouwen zouden negatief zijn", "en": "{value} is below the subsidy of {subsidy} per unit (planning.defaults.subsidy_per_unit_eur): the net cost of building a unit would be negative"},
    "planning.stock_field_ignored": {"nl": "'{id}' is een bestaande locatie (planning.stock): de kolom {column} wordt hier niet gebruikt; geef de gegevens van de bestaande locatie in de voorraadtabel, of geef een nieuwe locatie een eigen id", "en": "'{id}' is an existing site (planning.stock): its {column} is not used here; give the existing site's figures in the stock table, or a new site its own id"},
    "planning.longlist_id_in_stock": {"nl": "locatie-id '{id}' is ook een bestaande locatie in de voorraadtabel (kandidaten '{from}' komen uit de longlist): een bestaande locatie en een kandidaat hebben verschillende id's nodig", "en": "site id '{id}' is also an existing site in the stock table ({from} candidates come from the longlist): an existing site and a candidate need different ids"},
    "planning.unknown_candidate": {"nl": "onbekend locatie-id '{id}': niet in de longlist{hint}; een nieuwe locatie heeft een name en municipality_code nodig", "en": "unknown site id '{id}': not in the longlist{hint}; a new site needs its name and municipality_code"},
    "planning.longlist_needs_municipality": {"nl": "verplichte kolom ontbreekt (de planning heeft de gemeente van elke locatie nodig)", "en": "required column is missing (planning needs the municipality of each site)"},
    "planning.not_cost": {"nl": "'{value}' is geen kosten van 0 of meer", "en": "'{value}' is not a cost of 0 or more"},
    "planning.warn.permit_ended": {"nl": "{file}, id {id}, permit_end: de vergunning is verlopen op {end}, voor het begin van de planperiode ({start}); de woningen moeten in de eerste periode weg", "en": "{file}, id {id}, permit_end: the permit ended on {end}, before the horizon starts ({start}); its units must leave in the first period"},
    "planning.warn.overfull": {"nl": "{file}, id {id}, occupants: {occupants} bewoners in {units} woningen is meer dan {per_unit} per woning ({places} plaatsen) voor {group}; de vraag naar voorzieningen telt ze allemaal mee", "en": "{file}, id {id}, occupants: {occupants} occupants in {units} units is more than {per_unit} per unit ({places} places) for {group}; the services demand counts all of them"},
    "planning.warn.blocks": {"nl": "{file}, id {id}, max_units: {max_units} is geen veelvoud van blokken van {block}; er staan daar hoogstens {most} woningen", "en": "{file}, id {id}, max_units: {max_units} is not a whole number of blocks of {block}; at most {most} units stand there"},
}  # fmt: skip

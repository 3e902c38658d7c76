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
    # --- allocation.validate: households, units, sites, schools, GPs, occupied, pins
    "allocation.summary": {"nl": "de invoer van de toewijzing bevat {count:d} probleem/problemen", "en": "allocation input has {count:d} problem(s)"},
    "allocation.where.household": {"nl": "huishouden {id}", "en": "household {id}"},
    "allocation.where.unit": {"nl": "woning {id}", "en": "unit {id}"},
    "allocation.where.site": {"nl": "locatie {id}", "en": "site {id}"},
    "allocation.where.school": {"nl": "school {id}", "en": "school {id}"},
    "allocation.where.gp": {"nl": "huisarts {id}", "en": "GP {id}"},
    "allocation.where.row": {"nl": "rij {id}", "en": "row {id}"},
    "allocation.not_whole": {"nl": "geen geheel getal: {value}{hint}", "en": "not a whole number: {value}{hint}"},
    "allocation.negative": {"nl": "negatief: {value}", "en": "negative: {value}"},
    "allocation.less_than": {"nl": "kleiner dan {minimum}: {value}", "en": "less than {minimum}: {value}"},
    "allocation.missing": {"nl": "ontbreekt", "en": "missing"},
    "allocation.not_number": {"nl": "geen getal: {value}{hint}", "en": "not a number: {value}{hint}"},
    "allocation.not_bool": {"nl": "geen true/false (waar/onwaar): {value}", "en": "not true/false: {value}"},
    "allocation.bad_date": {"nl": "{why} (gevonden: {value})", "en": "{why} (got {value})"},
    "allocation.missing_date": {"nl": "datum ontbreekt", "en": "missing date"},
    "allocation.no_table": {"nl": "tabel ontbreekt", "en": "table is missing"},
    "allocation.missing_column": {"nl": "verplichte kolom ontbreekt", "en": "required column is missing"},
    "allocation.duplicate_id": {"nl": "id komt dubbel voor ({times} keer)", "en": "duplicate id ({times} times)"},
    "allocation.missing_id": {"nl": "id ontbreekt", "en": "missing id"},
    "allocation.unknown_site": {"nl": "onbekende locatie {id}", "en": "unknown site {id}"},
    "allocation.not_amount": {"nl": "geen bedrag in euro's: {value}{hint}", "en": "not an amount in euros: {value}{hint}"},
    "allocation.negative_rent": {"nl": "negatieve huur: {value}", "en": "negative rent: {value}"},
    "allocation.unknown_group_known": {"nl": "onbekende groep {group} (bekend: {known})", "en": "unknown group {group} (known: {known})"},
    "allocation.unknown_group": {"nl": "onbekende groep {group}", "en": "unknown group {group}"},
    "allocation.children_sum": {"nl": "het aantal kinderen ({children}) is niet gelijk aan personen min volwassenen ({persons} - {adults})", "en": "children ({children}) do not add up to persons minus adults ({persons} - {adults})"},
    "allocation.both_or_neither": {"nl": "{a} en {b} moeten allebei ingevuld of allebei leeg zijn", "en": "{a} and {b} must both be given or both be empty"},
    "allocation.unknown_sites": {"nl": "onbekende locatie(s) {ids}", "en": "unknown site(s) {ids}"},
    "allocation.preferred_and_refused": {"nl": "locatie(s) zowel voorkeur als geweigerd: {ids}", "en": "site(s) both preferred and refused: {ids}"},
    "allocation.current_not_in_stock": {"nl": "huidige woning {unit} staat niet in de woningvoorraad; verbeter het id, of zet allocation.current_units_outside_stock: move als de woning sluit en het huishouden moet verhuizen", "en": "current unit {unit} is not in the unit stock; correct the id, or set allocation.current_units_outside_stock: move if the unit is being closed and its household must move"},
    "allocation.current_unit_shared": {"nl": "woning {unit} is de huidige woning van {count} huishoudens{who}", "en": "unit {unit} is the current unit of {count} households{who}"},
    "allocation.unknown_unit": {"nl": "onbekende woning {id}", "en": "unknown unit {id}"},
    "allocation.housed_and_to_allocate": {"nl": "huishouden is al gehuisvest en staat ook op de lijst om toe te wijzen", "en": "household is both already housed and to be allocated"},
    "allocation.unknown_household": {"nl": "onbekend huishouden {id}", "en": "unknown household {id}"},
    "allocation.no_unit": {"nl": "woning {id} bestaat niet", "en": "unit {id} does not exist"},
    "allocation.no_site": {"nl": "locatie {id} bestaat niet", "en": "site {id} does not exist"},
    "allocation.pinned_twice": {"nl": "huishouden {id} is {count} keer vastgezet", "en": "household {id} is pinned {count} times"},
    "allocation.unit_pinned_twice": {"nl": "woning {id} is aan meer dan één huishouden vastgezet", "en": "unit {id} is pinned to more than one household"},
}  # fmt: skip

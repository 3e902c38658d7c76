"""Every user text of the planning stage, in one place (Dutch default, English complete).

The stage returns reasons as a code with parameters (:class:`Reason`); outputs render them
with :func:`render`. The project's shared text catalogue had not landed when this was
written; these entries are ready to move there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["nl", "en"]

TEXTS: dict[str, dict[Lang, str]] = {
    "open": {
        "nl": "{site} opent in {period} met {moved} verplaatste en {built} nieuwe woningen, "
        "omdat {why}.",
        "en": "{site} opens in {period} with {moved} moved and {built} new units, because {why}.",
    },
    "extend": {
        "nl": "{site} krijgt in {period} {moved} verplaatste en {built} nieuwe woningen "
        "erbij, omdat {why}.",
        "en": "{site} gains {moved} moved and {built} new units in {period}, because {why}.",
    },
    "move_out": {
        "nl": "{units} woningen van {site} verhuizen in {period} naar {dest}, omdat {why}.",
        "en": "{units} units of {site} move to {dest} in {period}, because {why}.",
    },
    "close": {
        "nl": "{site} sluit in {period} {units} woningen, omdat {why}.",
        "en": "{site} closes {units} units in {period}, because {why}.",
    },
    "not_opened": {
        "nl": "{site} opent niet: {why}.",
        "en": "{site} does not open: {why}.",
    },
    "unmet": {
        "nl": "{municipality} komt in {period} {short} plekken tekort voor {group} "
        "({person_days} persoonsdagen noodopvang), omdat {why}.",
        "en": "{municipality} is {short} places short for {group} in {period} "
        "({person_days} person-days of emergency reception), because {why}.",
    },
    # the 'why' parts
    "why_short": {
        "nl": "{municipality} anders in {period} {short} plekken tekort komt voor {group}",
        "en": "{municipality} would otherwise be {short} places short for {group} in {period}",
    },
    "why_relocate": {
        "nl": "de woningen van {from_site} daar weg moeten (vergunning tot {permit_end}) en "
        "verplaatsen goedkoper is dan nieuw bouwen",
        "en": "the units of {from_site} must leave (permit until {permit_end}) and moving is "
        "cheaper than building new",
    },
    "why_ahead": {
        "nl": "de taak later stijgt en de bouwtijd van {lead} perioden vooruit plannen vraagt",
        "en": "the task rises later and the lead time of {lead} periods asks for planning ahead",
    },
    "why_cheaper": {
        "nl": "dit goedkoper is dan de plekken in noodopvang ({cost_day} euro per persoon per dag)",
        "en": "this is cheaper than emergency reception ({cost_day} euro per person per day)",
    },
    "why_permit_end": {
        "nl": "de vergunning afloopt ({permit_end})",
        "en": "the permit ends ({permit_end})",
    },
    "why_needed_elsewhere": {
        "nl": "ze daar nodig zijn en verplaatsen goedkoper is dan nieuw bouwen",
        "en": "they are needed there and moving is cheaper than building new",
    },
    "why_surplus": {
        "nl": "de taak daalt en leegstand duurder is dan sluiten",
        "en": "the task falls and keeping empty units costs more than closing them",
    },
    "why_not_available": {
        "nl": "pas beschikbaar in {period} (inclusief bouwtijd), na de horizon",
        "en": "only available in {period} (lead time included), after the horizon",
    },
    "why_not_needed": {
        "nl": "de taak is goedkoper te halen met andere locaties (openen kost {opening} euro)",
        "en": "the task is met more cheaply with other sites (opening costs {opening} euro)",
    },
    "why_no_room": {
        "nl": "er in {municipality} in {period} geen locatie met ruimte beschikbaar is",
        "en": "no site in {municipality} with room is available in {period}",
    },
    "why_unmet_cheaper": {
        "nl": "een extra locatie of uitbreiding hier meer kost dan de noodopvang van de "
        "ontbrekende plekken",
        "en": "an extra site or extension here costs more than emergency reception of the "
        "missing places",
    },
    "infeasible": {
        "nl": "{municipality} komt in {period} minstens {short} plekken tekort voor {group} "
        "(taak {task}, die volledig gehaald moet worden)",
        "en": "{municipality} is at least {short} places short for {group} in {period} "
        "(task {task}, which must be met in full)",
    },
}


@dataclass(frozen=True)
class Reason:
    """One decision and why, as a text code with parameters.

    ``why`` is itself a reason (a code and parameters) filled into the ``{why}`` slot.
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    period: str | None = None
    why: Reason | None = None


def render(reason: Reason, lang: Lang = "nl") -> str:
    """The text of a reason in the chosen language."""
    params = dict(reason.params)
    if reason.why is not None:
        params["why"] = render(reason.why, lang)
    return TEXTS[reason.code][lang].format(**params)


def euro(cents: int) -> str:
    """Whole euros with a dot as thousands separator (Dutch style)."""
    return f"{round(cents / 100):,}".replace(",", ".")

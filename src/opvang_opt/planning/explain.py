"""A plain reason for every decision of a plan, as catalogue codes with parameters.

The texts live in the project's one catalogue (:mod:`opvang_opt.texts`) under
``planning.reason.<code>`` (Dutch default, English complete); a :class:`Reason` names the
code, its parameters and the site and period it is about, and is rendered at the edge
with :func:`render`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from opvang_opt.planning.instance import Plan, PlanningInstance
from opvang_opt.texts import DEFAULT_LANG, Lang, Message


@dataclass(frozen=True)
class Reason:
    """One decision and why, as a catalogue code (``planning.reason.<code>``) with
    parameters.

    ``why`` is itself a reason, filled into the ``{why}`` slot of the text.
    """

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    period: str | None = None
    why: Reason | None = None

    @property
    def message(self) -> Message:
        """The reason as a catalogue message (its ``why`` nested as a message)."""
        params = dict(self.params)
        if self.why is not None:
            params["why"] = self.why.message
        return Message(f"planning.reason.{self.code}", params)

    def render(self, lang: Lang = DEFAULT_LANG) -> str:
        """The text of the reason in ``lang``."""
        return self.message.render(lang)


def render(reason: Reason, lang: Lang = DEFAULT_LANG) -> str:
    """The text of a reason in ``lang`` (Dutch by default)."""
    return reason.render(lang)


def explain(inst: PlanningInstance, plan: Plan) -> tuple[Reason, ...]:
    """One reason per decision: openings, extensions, moves, closures, sites left
    unopened and unmet places.

    Parameters
    ----------
    inst, plan
        The instance and its plan.

    Returns
    -------
    tuple of Reason
        In order of period, then site.
    """
    T, G = inst.n_periods, len(inst.groups)
    out: list[tuple[int, int, Reason]] = []
    name = [s.name for s in inst.sites]

    def shortfall_without(s: int, t: int) -> tuple[int, int]:
        """(short, group) of the site's municipality in t if the site gave nothing."""
        mu = inst.sites[s].municipality
        best = (0, 0)
        for g in range(G):
            others = sum(
                int(plan.assigned[o, t, g])
                for o, site in enumerate(inst.sites)
                if site.municipality == mu and o != s
            )
            short = int(inst.tasks[t, mu, g]) - inst.places_per_unit[g] * others
            short -= int(plan.unmet[t, mu, g])
            if short > best[0]:
                best = (short, g)
        return best

    def why_in(s: int, t: int) -> Reason:
        site = inst.sites[s]
        sources = [
            o
            for o in range(inst.n_sites)
            if plan.moved_out[o, t] > 0 and not inst.sites[o].may_open(t)
        ]
        if plan.moved_in[s, t] > 0 and sources:
            o = sources[0]
            return Reason(
                "why_relocate",
                {
                    "from_site": name[o],
                    "permit_end": inst.sites[o].permit_end
                    or inst.periods[inst.sites[o].last_period],
                },
            )
        short, g = shortfall_without(s, t)
        mu = site.municipality
        if short > 0:
            return Reason(
                "why_short",
                {
                    "municipality": inst.municipality_names[mu],
                    "period": inst.periods[t],
                    "short": short,
                    "group": inst.group_labels[g],
                },
            )
        later = inst.tasks[t:, mu, :].sum(axis=1)
        if len(later) > 1 and later.max() > later[0] and site.lead_periods > 0:
            return Reason("why_ahead", {"lead": site.lead_periods})
        g = int(np.argmax(inst.tasks[t, mu, :]))
        return Reason("why_cheaper", {"cost_day": inst.unmet_cost_day[g] / 100})

    for s, site in enumerate(inst.sites):
        for t in range(T):
            period = inst.periods[t]
            built, moved = int(plan.built[s, t]), int(plan.moved_in[s, t])
            if built or moved or (plan.start[s, t] and not site.existing):
                code = "open" if plan.start[s, t] and not site.existing else "extend"
                out.append(
                    (
                        t,
                        s,
                        Reason(
                            code,
                            {"site": name[s], "period": period, "moved": moved, "built": built},
                            site.site_id,
                            period,
                            why_in(s, t),
                        ),
                    )
                )
            mo, cl = int(plan.moved_out[s, t]), int(plan.closed[s, t])
            ends = not site.may_open(t) or (
                t > 0 and not plan.open[s, t] and plan.open[s, t - 1] and site.existing
            )
            permit = {"permit_end": site.permit_end or inst.periods[min(site.last_period, T - 1)]}
            if mo:
                dest = [name[o] for o in range(inst.n_sites) if plan.moved_in[o, t] > 0]
                why = Reason("why_permit_end", permit) if ends else Reason("why_needed_elsewhere")
                out.append(
                    (
                        t,
                        s,
                        Reason(
                            "move_out",
                            {
                                "units": mo,
                                "site": name[s],
                                "period": period,
                                "dest": ", ".join(dest),
                            },
                            site.site_id,
                            period,
                            why,
                        ),
                    )
                )
            if cl:
                why = Reason("why_permit_end", permit) if ends else Reason("why_surplus")
                out.append(
                    (
                        t,
                        s,
                        Reason(
                            "close",
                            {"site": name[s], "period": period, "units": cl},
                            site.site_id,
                            period,
                            why,
                        ),
                    )
                )
        if not site.existing and not plan.open[s].any():
            if site.first_period >= T:
                why = Reason("why_not_available", {"period": inst.periods[-1]})
            else:
                why = Reason("why_not_needed", {"opening": site.opening_cost / 100})
            out.append((T, s, Reason("not_opened", {"site": name[s]}, site.site_id, None, why)))
    for t in range(T):
        for mu in range(len(inst.municipalities)):
            for g in range(G):
                u = int(plan.unmet[t, mu, g])
                if not u:
                    continue
                room = any(
                    site.municipality == mu
                    and site.groups[g]
                    and site.may_open(t)
                    and plan.units[o, t] < site.max_blocks * site.block
                    for o, site in enumerate(inst.sites)
                )
                why = (
                    Reason("why_unmet_cheaper")
                    if room
                    else Reason(
                        "why_no_room",
                        {"municipality": inst.municipality_names[mu], "period": inst.periods[t]},
                    )
                )
                out.append(
                    (
                        t,
                        -1,
                        Reason(
                            "unmet",
                            {
                                "municipality": inst.municipality_names[mu],
                                "period": inst.periods[t],
                                "short": u,
                                "group": inst.group_labels[g],
                                "person_days": u * inst.days[t],
                            },
                            None,
                            inst.periods[t],
                            why,
                        ),
                    )
                )
    out.sort(key=lambda x: (x[0], x[1]))
    return tuple(r for _, _, r in out)

"""The services rule of the shortlist, as a separate constraint part.

"The children of the chosen sites must fit in the newcomer-education places within reach,
given the expansions the scenario allows." Per service type: each site brings ``need[i]``
children when chosen (its places x the groups' shares x the age profile, all new on
arrival); each provider offers its places today plus every allowed expansion (added groups,
temporary facilities). The part adds, per type, an integer flow from the chosen sites to the
providers within reach: ``sum_j f[i, j] = need[i] * x[i]`` and ``sum_i f[i, j] <= places[j]``.
By Hall's theorem this is exactly "every set of chosen sites has enough places within reach".

:func:`rule_violations` re-checks a shortlist with a maximum flow (no CP-SAT), and
:func:`blocking_reason` says why a site that is out would break the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from opvang_opt.status import Violation
from opvang_opt.texts import Message


@dataclass(frozen=True)
class ServicesRule:
    """Per service type: the children per site and the places per provider within reach.

    Parameters
    ----------
    need
        Per type, children per site (index = longlist site) when the site is chosen.
    places
        Per type, places per provider (with the allowed expansions).
    pairs
        Per type, (site, provider) pairs within reach as a (k x 2) int array.
    """

    need: dict[str, np.ndarray]
    places: dict[str, np.ndarray]
    pairs: dict[str, np.ndarray]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The service types the rule covers."""
        return tuple(self.need)


def add_services_rule(m: cp_model.CpModel, x: list[cp_model.IntVar], rule: ServicesRule) -> None:
    """Add the rule to a CP-SAT shortlist model with one boolean ``x[i]`` per site."""
    for kind in rule.kinds:
        need = rule.need[kind]
        pairs = rule.pairs[kind]
        by_site: dict[int, list[cp_model.IntVar]] = {}
        by_prov: dict[int, list[cp_model.IntVar]] = {}
        for a, (i, j) in enumerate(pairs.tolist()):
            if need[i] <= 0:
                continue
            f = m.new_int_var(0, int(need[i]), f"svc_{kind}_{a}")
            by_site.setdefault(i, []).append(f)
            by_prov.setdefault(j, []).append(f)
        for i in np.flatnonzero(need > 0):
            flows = by_site.get(int(i), [])
            if flows:
                m.add(sum(flows) == int(need[i]) * x[int(i)])
            else:
                m.add(x[int(i)] == 0)  # children, and no place within reach at all
        for j, flows in by_prov.items():
            m.add(sum(flows) <= int(rule.places[kind][j]))


def short_by(rule: ServicesRule, kind: str, selected: np.ndarray) -> int:
    """Children of the selected sites that cannot be placed within reach (maximum flow)."""
    need = np.where(np.asarray(selected, bool), rule.need[kind], 0).astype(np.int64)
    total = int(need.sum())
    pairs = rule.pairs[kind]
    if total == 0:
        return 0
    n_s, n_p = len(need), len(rule.places[kind])
    keep = need[pairs[:, 0]] > 0 if len(pairs) else np.zeros(0, bool)
    pairs = pairs[keep]
    if len(pairs) == 0:
        return total
    sink = n_s + n_p
    mcf = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([pairs[:, 0], n_s + np.arange(n_p)])
    heads = np.concatenate([n_s + pairs[:, 1], np.full(n_p, sink)])
    caps = np.concatenate([need[pairs[:, 0]], rule.places[kind]]).astype(np.int64)
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, np.zeros(len(tails), np.int64))
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_s] = need
    supplies[sink] = -total
    mcf.set_nodes_supplies(np.arange(sink + 1), supplies)
    mcf.solve_max_flow_with_min_cost()
    return total - int(mcf.maximum_flow())


def rule_violations(rule: ServicesRule | None, selected: np.ndarray) -> list[Violation]:
    """One violation per type whose children of the selected sites do not fit."""
    if rule is None:
        return []
    out = []
    for kind in rule.kinds:
        short = short_by(rule, kind, selected)
        if short:
            out.append(Violation(f"services_{kind}", f"{short} children without a "
                                 f"{kind} place within reach", value=float(short),
                                 limit=0.0))  # fmt: skip
    return out


def blocking_reason(
    rule: ServicesRule | None, selected: np.ndarray, i: int
) -> dict[str, list[Message]] | None:
    """Why adding site ``i`` to the selection breaks the rule: the parameters of the
    catalogue text ``siting.why.services`` (None when it does not break it)."""
    if rule is None:
        return None
    with_i = np.asarray(selected, bool).copy()
    with_i[i] = True
    items: list[Message] = []
    for kind in rule.kinds:
        short = short_by(rule, kind, with_i)
        if short:
            items.append(Message(f"siting.services_short.{kind}", {"n": int(short)}))
    if not items:
        return None
    return {"what": items}

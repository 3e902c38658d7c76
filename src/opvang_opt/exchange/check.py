"""An independent checker of an exchange solution (no solver, no model arrays).

It reads the solution from the result's tables and the rules from the config,
and recomputes everything with plain Python: conservation of every group's
regional total, capacities and which groups a housing type may house,
substitution rules and their maxima, bounds (and the shift), the unmet places,
the flows, and the total cost, which must equal the reported objective.
"""

from __future__ import annotations

from collections import defaultdict

from opvang_opt.schema import CapacityEntry, ExchangeConfig, HousingType
from opvang_opt.status import CheckReport, Violation

from .solve import ExchangeResult


def entry_cost(entry: CapacityEntry, htype: HousingType, load: float) -> float:
    """Cost of housing ``load`` places in a capacity entry (steps and fixed cost)."""
    src = entry if (entry.cost_steps is not None or entry.cost_per_place is not None) else htype
    if src.cost_steps is None:
        cost = load * float(src.cost_per_place or 0.0)
    else:
        cost, prev = 0.0, 0.0
        for step in src.cost_steps:
            top = load if step.up_to is None else min(step.up_to, load)
            if top > prev:
                cost += (top - prev) * step.cost_per_place
                prev = top
        if prev < load:
            cost += (load - prev) * src.cost_steps[-1].cost_per_place
    fixed = entry.fixed_cost if entry.fixed_cost is not None else htype.fixed_cost
    if fixed and load > 1e-6:
        cost += fixed
    return cost


def check_exchange(
    config: ExchangeConfig,
    result: ExchangeResult,
    *,
    limit_intake: bool | None = None,
    tol: float = 1e-5,
) -> CheckReport:
    """Check an exchange solution against the config without a solver.

    Parameters
    ----------
    config
        The exchange section the result claims to solve.
    result
        The result to check (its ``placements``, ``substitutions``,
        ``exchange``, ``flows`` and ``objective``; its ``shift`` is applied).
    limit_intake
        Whether the shift limits intake; default ``config.tradeoff.limit_intake``.
    tol
        Absolute tolerance in places (and relative, times the cost, for the objective).

    Returns
    -------
    CheckReport
        ``checker="exchange"``: one :class:`~opvang_opt.status.Violation` per broken rule
        (rules ``places``, ``groups``, ``capacity``, ``substitution``, ``balance``,
        ``unmet``, ``bounds``, ``substitution_share``, ``conservation``, ``flows``,
        ``objective``), and the total cost recomputed from the solution as ``objective``.

    Examples
    --------
    >>> from opvang_opt.exchange import load_demo_config, solve_exchange, check_exchange
    >>> cfg = load_demo_config()
    >>> check_exchange(cfg, solve_exchange(cfg)).is_ok
    True
    """
    if limit_intake is None:
        limit_intake = config.tradeoff.limit_intake
    bad: list[Violation] = []
    types = {t.name: t for t in config.housing_types}
    groups = {g.name: g for g in config.groups}
    codes = config.codes

    # placements: capacities, allowed groups, cost
    load: dict[tuple[str, str], float] = defaultdict(float)
    placed: dict[tuple[str, str], float] = defaultdict(float)
    for row in result.placements.itertuples(index=False):
        p = float(row.places)
        if p < -tol:
            bad.append(
                Violation(
                    "places",
                    f"negatief aantal plaatsen: {row.municipality_code}/{row.housing_type}/"
                    f"{row.group} = {p:g}",
                )
            )
        if p > tol and row.group not in types[row.housing_type].groups:
            bad.append(
                Violation(
                    "groups",
                    f"{row.housing_type} mag geen {row.group} huisvesten "
                    f"({row.municipality_code}: {p:g})",
                )
            )
        load[(row.municipality_code, row.housing_type)] += p
        placed[(row.municipality_code, row.group)] += p
    cost = 0.0
    entries = {(e.municipality, e.type): e for e in config.capacity}
    for key, amount in load.items():
        e = entries.get(key)
        if e is None:
            if amount > tol:
                bad.append(
                    Violation(
                        "capacity", f"plaatsen zonder capaciteit: {key[0]}/{key[1]} = {amount:g}"
                    )
                )
            continue
        if amount > e.places + tol:
            bad.append(
                Violation(
                    "capacity",
                    f"capaciteit overschreden: {key[0]}/{key[1]} {amount:g} > {e.places:g}",
                )
            )
        cost += entry_cost(e, types[e.type], amount)

    # substitutions
    rules = {(r.from_group, r.to_group): r for r in config.substitution}
    sub_out: dict[tuple[str, str], float] = defaultdict(float)
    sub_in: dict[tuple[str, str], float] = defaultdict(float)
    per_rule: list[tuple[str, str, str, float]] = []
    for row in result.substitutions.itertuples(index=False):
        s = float(row.places)
        rule = rules.get((row.from_group, row.to_group))
        if rule is None:
            if s > tol:
                bad.append(
                    Violation(
                        "substitution",
                        f"substitutie zonder regel: {row.from_group} -> {row.to_group} "
                        f"in {row.municipality_code}",
                    )
                )
            continue
        if s < -tol:
            bad.append(
                Violation("substitution", f"negatieve substitutie in {row.municipality_code}")
            )
        sub_out[(row.municipality_code, row.from_group)] += s
        sub_in[(row.municipality_code, row.to_group)] += s * rule.rate
        per_rule.append((row.municipality_code, row.from_group, row.to_group, s * rule.rate))

    # exchange table: credits, unmet, bounds, conservation
    ex = result.exchange.set_index(["municipality_code", "group"])
    net_total: dict[str, float] = defaultdict(float)
    shift = result.shift
    keep, extra, extra_share = _bounds(config)
    credited_of: dict[tuple[str, str], float] = {}
    for code in codes:
        for g in config.group_names:
            task = config.task(code, g)
            net = float(ex.loc[(code, g), "net_transfer"])
            unmet = float(ex.loc[(code, g), "unmet"])
            net_total[g] += net
            if sub_out[(code, g)] > placed[(code, g)] + tol:
                bad.append(
                    Violation(
                        "substitution",
                        f"{code}/{g}: {sub_out[(code, g)]:g} geteld voor een andere groep, "
                        f"maar maar {placed[(code, g)]:g} gehuisvest",
                    )
                )
            credited = placed[(code, g)] - sub_out[(code, g)] + sub_in[(code, g)]
            credited_of[(code, g)] = credited
            if abs(credited + unmet - (task + net)) > tol * max(1.0, task):
                bad.append(
                    Violation(
                        "balance",
                        f"{code}/{g}: gehuisvest {credited:g} + niet gehuisvest {unmet:g} "
                        f"!= taak {task:g} + overdracht {net:g}",
                    )
                )
            if unmet < -tol:
                bad.append(
                    Violation("unmet", f"{code}/{g}: negatief aantal niet gehuisvest ({unmet:g})")
                )
            if unmet > tol:
                uc = groups[g].unmet_cost_per_place
                if uc is None:
                    bad.append(
                        Violation(
                            "unmet",
                            f"{code}/{g}: {unmet:g} plaatsen niet gehuisvest, niet toegestaan",
                        )
                    )
                else:
                    cost += unmet * uc
            k = keep[(code, g)]
            out_cap = (1 - k) * task
            es = extra_share[(code, g)]
            in_cap = min(extra[(code, g)], float("inf") if es == float("inf") else es * task)
            if shift is not None:
                out_cap = min(out_cap, shift * task)
                if limit_intake:
                    in_cap = min(in_cap, shift * task)
            if -net > out_cap + tol:
                bad.append(
                    Violation("bounds", f"{code}/{g}: draagt {-net:g} over, grens is {out_cap:g}")
                )
            if net > in_cap + tol:
                bad.append(
                    Violation("bounds", f"{code}/{g}: neemt {net:g} over, grens is {in_cap:g}")
                )
    for code, fg, tg, credit in per_rule:
        share = rules[(fg, tg)].max_share
        if credit > share * credited_of[(code, tg)] + tol:
            bad.append(
                Violation(
                    "substitution_share",
                    f"{code}: {fg} telt voor {credit:g} mee bij {tg}, maximaal "
                    f"{share:.0%} van {credited_of[(code, tg)]:g}",
                )
            )
    for g, total in net_total.items():
        if abs(total) > tol * max(1, len(codes)):
            bad.append(
                Violation(
                    "conservation",
                    f"regionaal totaal van {g} niet behouden: netto overdracht {total:g}",
                )
            )

    # flows match the net transfers
    out_flow: dict[tuple[str, str], float] = defaultdict(float)
    in_flow: dict[tuple[str, str], float] = defaultdict(float)
    for row in result.flows.itertuples(index=False):
        out_flow[(row.from_code, row.group)] += float(row.places)
        in_flow[(row.to_code, row.group)] += float(row.places)
    for code in codes:
        for g in config.group_names:
            net = float(ex.loc[(code, g), "net_transfer"])
            if abs(in_flow[(code, g)] - out_flow[(code, g)] - net) > tol * 10:
                bad.append(
                    Violation("flows", f"stromen kloppen niet met de overdracht van {code}/{g}")
                )

    # the reported cost is a sum of whole cents per municipality (each rounded half to
    # even when places are fractional): at most half a cent per municipality off
    if abs(cost - result.objective) > max(1e-6 * abs(cost), 0.005 * len(codes) + 1e-3):
        bad.append(
            Violation(
                "objective",
                f"doelfunctie klopt niet: herberekend {cost:,.2f}, gemeld {result.objective:,.2f}",
            )
        )
    return CheckReport("exchange", tuple(bad), objective=cost)


def _bounds(config: ExchangeConfig) -> tuple[dict, dict, dict]:
    d = config.bounds.default
    keep, extra, share = {}, {}, {}
    for code in config.codes:
        for g in config.group_names:
            k, e, s = d.min_keep_share, d.max_extra, d.max_extra_share
            for o in config.bounds.overrides:
                if o.municipality == code and o.group is None:
                    k = o.min_keep_share if o.min_keep_share is not None else k
                    e = o.max_extra if o.max_extra is not None else e
                    s = o.max_extra_share if o.max_extra_share is not None else s
            for o in config.bounds.overrides:
                if o.municipality == code and o.group == g:
                    k = o.min_keep_share if o.min_keep_share is not None else k
                    e = o.max_extra if o.max_extra is not None else e
                    s = o.max_extra_share if o.max_extra_share is not None else s
            keep[(code, g)] = 0.0 if k is None else k
            extra[(code, g)] = float("inf") if e is None else e
            share[(code, g)] = float("inf") if s is None else s
    return keep, extra, share

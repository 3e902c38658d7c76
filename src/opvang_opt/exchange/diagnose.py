"""Why an exchange has no solution: an elastic relaxation names the rules that must give.

The elastic model lets every bound give (hand over more than ``1 - min_keep_share``,
take over more than ``max_extra``) at 1 per place, and lets any place stay
unhoused at 10 per place, and minimises the total. Places that still had to
give say which municipality and group, which rule, and by how much. Bounds
give first, so a shortage of capacity is only reported when no shift of tasks
within the bounds and the region's capacity can house everyone.
"""

from __future__ import annotations

import numpy as np

from opvang_opt.errors import Diagnosis, InfeasibleError, Shortfall
from opvang_opt.status import SolveStatus
from opvang_opt.texts import Lang, Message, t

from .model import ExchangeModel

_TOL = 1e-6


def diagnose(
    model: ExchangeModel,
    *,
    shift: float | None = None,
    limit_intake: bool = True,
    exchange: bool = True,
    members: np.ndarray | None = None,
) -> Diagnosis:
    """Return a :class:`~opvang_opt.errors.Diagnosis` of an infeasible setting.

    Parameters
    ----------
    model
        The compiled exchange model.
    shift, limit_intake, exchange, members
        The setting that was infeasible (as in :meth:`ExchangeModel.lp`).

    Returns
    -------
    Diagnosis
        One :class:`~opvang_opt.errors.Shortfall` per municipality and group
        whose bound must give or whose places cannot be housed.
    """
    lp, keep = model.lp(
        shift=shift, limit_intake=limit_intake, exchange=exchange, members=members, elastic=True
    )
    sol = model.solve(lp)
    if sol.status is SolveStatus.INFEASIBLE or sol.x is None:  # pragma: no cover
        return Diagnosis((Shortfall("model", Message("exchange.relaxation_infeasible")),))
    x = np.zeros(model.base.n_cols)
    x[keep] = sol.x
    b = model.blocks
    n, ng = model.n, model.n_groups
    ex_out = x[b.ex_out].reshape(n, ng)
    ex_in = x[b.ex_in].reshape(n, ng)
    ex_unmet = x[b.ex_unmet].reshape(n, ng)
    task = model.task
    out_ub = model.out_cap.copy()
    in_ub = model.in_cap.copy()
    if shift is not None:
        out_ub = np.minimum(out_ub, shift * task)
        if limit_intake:
            in_ub = np.minimum(in_ub, shift * task)
    shortfalls: list[Shortfall] = []
    for i, g in zip(*np.nonzero(ex_out > _TOL), strict=True):
        who = f"{model.names[i]} ({model.codes[i]})"
        grp = model.groups[g]
        keep_places = task[i, g] - out_ub[i, g]
        need = ex_out[i, g]
        msg = Message(
            "exchange.min_keep",
            {"who": who, "group": grp, "keep": float(keep_places), "task": float(task[i, g]),
             "can": float(keep_places - need), "need": float(need)},
        )  # fmt: skip
        shortfalls.append(
            Shortfall(
                f"bounds.min_keep_share[{model.codes[i]}/{grp}]",
                msg,
                required=float(keep_places),
                available=float(keep_places - need),
            )
        )
    inflow = x[b.inflow].reshape(n, ng)
    in_mask = np.ones(n, bool) if members is None else np.asarray(members, bool)
    joint: set[int] = set()
    for g in np.flatnonzero(ex_in.sum(axis=0) > _TOL):
        # every municipality that takes over up to its limit (or beyond) could take the
        # excess: which one's limit gives is the solver's choice, their sum is not
        full = (inflow[:, g] >= in_ub[:, g] - _TOL) & np.isfinite(in_ub[:, g]) & in_mask
        at = np.flatnonzero(full | (ex_in[:, g] > _TOL))
        if len(at) < 2:
            continue
        joint.add(int(g))
        grp = model.groups[g]
        need = float(ex_in[:, g].sum())
        limit = float(in_ub[at, g].sum())
        who = ", ".join(f"{model.names[i]} ({model.codes[i]})" for i in at)
        msg = Message(
            "exchange.max_extra_joint",
            {"who": who, "group": grp, "limit": limit, "must": limit + need, "need": need},
        )
        codes = "+".join(model.codes[i] for i in at)
        shortfalls.append(
            Shortfall(f"bounds.max_extra[{codes}/{grp}]", msg, required=limit + need,
                      available=limit)
        )  # fmt: skip
    for i, g in zip(*np.nonzero(ex_in > _TOL), strict=True):
        if int(g) in joint:
            continue
        who = f"{model.names[i]} ({model.codes[i]})"
        grp = model.groups[g]
        need = ex_in[i, g]
        msg = Message(
            "exchange.max_extra",
            {"who": who, "group": grp, "limit": float(in_ub[i, g]),
             "must": float(in_ub[i, g] + need), "need": float(need)},
        )  # fmt: skip
        shortfalls.append(
            Shortfall(
                f"bounds.max_extra[{model.codes[i]}/{grp}]",
                msg,
                required=float(in_ub[i, g] + need),
                available=float(in_ub[i, g]),
            )
        )
    if exchange:
        mask = np.ones(n, bool) if members is None else np.asarray(members, bool)
        # groups that share a housing type (or a substitution) share its places: how a
        # shortage of those places splits over them is arbitrary, their sum is not, so
        # they are reported together
        for comp in _sharing_groups(model):
            if ex_unmet[:, comp].sum() <= _TOL:
                continue
            grp = " + ".join(model.groups[g] for g in comp)
            short = ex_unmet[:, comp].sum()
            total = task[mask][:, comp].sum()
            hit = np.flatnonzero(ex_unmet[:, comp].sum(axis=1) > _TOL)
            where = ", ".join(model.names[i] for i in hit)
            msg = Message(
                "exchange.region_capacity",
                {"group": grp, "total": float(total), "housed": float(total - short),
                 "short": float(short), "where": where},
            )  # fmt: skip
            shortfalls.append(
                Shortfall(
                    f"capacity[{'+'.join(model.groups[g] for g in comp)}]",
                    msg,
                    required=float(total),
                    available=float(total - short),
                )
            )
    else:
        for i, g in zip(*np.nonzero(ex_unmet > _TOL), strict=True):
            who = f"{model.names[i]} ({model.codes[i]})"
            grp = model.groups[g]
            short = ex_unmet[i, g]
            msg = Message(
                "exchange.own_capacity",
                {"who": who, "group": grp, "task": float(task[i, g]), "short": float(short)},
            )
            shortfalls.append(
                Shortfall(
                    f"capacity[{model.codes[i]}/{grp}]",
                    msg,
                    required=float(task[i, g]),
                    available=float(task[i, g] - short),
                )
            )
    details = {
        "setting": {"shift": shift, "exchange": exchange},
        "total_violation": float(ex_out.sum() + ex_in.sum() + ex_unmet.sum()),
    }
    return Diagnosis(tuple(shortfalls), details)


def _sharing_groups(model: ExchangeModel) -> list[list[int]]:
    """The groups joined by a housing type they share or a substitution between them,
    as lists of group indices (one list per connected set, in group order)."""
    index = {g: j for j, g in enumerate(model.groups)}
    parent = list(range(len(model.groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    def join(names: list[str]) -> None:
        known = [index[g] for g in names if g in index]
        for j in known[1:]:
            parent[find(j)] = find(known[0])

    cfg = model.config
    for ht in cfg.housing_types:
        join(list(ht.groups))
    for sub in cfg.substitution:
        join([sub.from_group, sub.to_group])
    comps: dict[int, list[int]] = {}
    for j in range(len(model.groups)):
        comps.setdefault(find(j), []).append(j)
    return sorted(comps.values())


def infeasible_error(model: ExchangeModel, *, lang: Lang = "nl", **setting) -> InfeasibleError:
    """Build the :class:`InfeasibleError` of an infeasible setting, with its diagnosis."""
    diag = diagnose(model, **setting)
    key = "exchange.infeasible" if setting.get("exchange", True) else "exchange.infeasible_alone"
    return InfeasibleError(t(key, lang), diag, lang=lang, text=Message(key))

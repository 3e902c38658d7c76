"""Why an exchange has no solution: an elastic relaxation names the rules that must give.

The elastic model lets every bound give (hand over more than ``1 - min_keep_share``,
take over more than ``max_extra``) at 1 per place, and lets any place stay
unhoused at 10 per place, and minimises the total. Places that still had to
give say which municipality and group, which rule, and by how much. Bounds
give first, so a shortage of capacity is only reported when no shift of tasks
within the bounds and the region's capacity can house everyone.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from opvang_opt.errors import Diagnosis, InfeasibleError, Shortfall
from opvang_opt.status import SolveStatus

from .model import ExchangeModel

Lang = Literal["nl", "en"]

_TOL = 1e-6


def _fmt(v: float) -> str:
    return f"{v:,.1f}".replace(",", " ").removesuffix(".0")


def diagnose(
    model: ExchangeModel,
    *,
    shift: float | None = None,
    limit_intake: bool = True,
    exchange: bool = True,
    members: np.ndarray | None = None,
    lang: Lang = "nl",
) -> Diagnosis:
    """Return a :class:`~opvang_opt.errors.Diagnosis` of an infeasible setting.

    Parameters
    ----------
    model
        The compiled exchange model.
    shift, limit_intake, exchange, members
        The setting that was infeasible (as in :meth:`ExchangeModel.lp`).
    lang
        ``"nl"`` (default) or ``"en"`` for the messages.

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
        return Diagnosis((Shortfall("model", "de relaxatie is ook onoplosbaar"),))
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
        msg = (
            f"{who}, {grp}: moet minstens {_fmt(keep_places)} van de eigen taak "
            f"{_fmt(task[i, g])} zelf houden, maar kan er maar {_fmt(keep_places - need)} "
            f"huisvesten; de ondergrens moet {_fmt(need)} plaatsen ruimer"
            if lang == "nl"
            else f"{who}, {grp}: must keep at least {_fmt(keep_places)} of its own task "
            f"{_fmt(task[i, g])}, but can house only {_fmt(keep_places - need)}; the lower "
            f"bound must give by {_fmt(need)} places"
        )
        shortfalls.append(
            Shortfall(
                f"bounds.min_keep_share[{model.codes[i]}/{grp}]",
                msg,
                required=float(keep_places),
                available=float(keep_places - need),
            )
        )
    for i, g in zip(*np.nonzero(ex_in > _TOL), strict=True):
        who = f"{model.names[i]} ({model.codes[i]})"
        grp = model.groups[g]
        need = ex_in[i, g]
        msg = (
            f"{who}, {grp}: mag hoogstens {_fmt(in_ub[i, g])} extra overnemen, maar moet er "
            f"{_fmt(in_ub[i, g] + need)} overnemen om de regionale taak te halen; de "
            f"bovengrens moet {_fmt(need)} plaatsen ruimer"
            if lang == "nl"
            else f"{who}, {grp}: may take over at most {_fmt(in_ub[i, g])} extra, but must "
            f"take {_fmt(in_ub[i, g] + need)} to meet the regional task; the upper bound must "
            f"give by {_fmt(need)} places"
        )
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
        for g in np.flatnonzero(ex_unmet.sum(axis=0) > _TOL):
            grp = model.groups[g]
            short = ex_unmet[:, g].sum()
            total = task[mask, g].sum()
            where = ", ".join(model.names[i] for i in np.flatnonzero(ex_unmet[:, g] > _TOL))
            msg = (
                f"regio, {grp}: te weinig capaciteit: van de taak {_fmt(total)} kunnen er "
                f"hooguit {_fmt(total - short)} worden gehuisvest, {_fmt(short)} plaatsen tekort "
                f"(tekort valt in {where}); voeg capaciteit toe of sta noodopvang toe "
                f"(unmet_cost_per_place)"
                if lang == "nl"
                else f"region, {grp}: not enough capacity: of the task {_fmt(total)} at most "
                f"{_fmt(total - short)} can be housed, {_fmt(short)} places short (shortage "
                f"falls in {where}); add capacity or allow emergency reception "
                f"(unmet_cost_per_place)"
            )
            shortfalls.append(
                Shortfall(
                    f"capacity[{grp}]", msg, required=float(total), available=float(total - short)
                )
            )
    else:
        for i, g in zip(*np.nonzero(ex_unmet > _TOL), strict=True):
            who = f"{model.names[i]} ({model.codes[i]})"
            grp = model.groups[g]
            short = ex_unmet[i, g]
            msg = (
                f"{who}, {grp}: kan de eigen taak {_fmt(task[i, g])} zonder uitruil niet "
                f"huisvesten, {_fmt(short)} plaatsen tekort; zonder uitruil bestaat geen "
                f"referentie (stel unmet_cost_per_place in voor noodopvang)"
                if lang == "nl"
                else f"{who}, {grp}: cannot house its own task {_fmt(task[i, g])} without "
                f"exchange, {_fmt(short)} places short; there is no no-exchange reference (set "
                f"unmet_cost_per_place for emergency reception)"
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


def infeasible_error(model: ExchangeModel, *, lang: Lang = "nl", **setting) -> InfeasibleError:
    """Build the :class:`InfeasibleError` of an infeasible setting, with its diagnosis."""
    diag = diagnose(model, lang=lang, **setting)
    if setting.get("exchange", True):
        summary = (
            "De regionale uitruil heeft geen oplossing: de grenzen en capaciteiten zijn niet "
            "tegelijk haalbaar."
            if lang == "nl"
            else "The regional exchange has no solution: bounds and capacities cannot all hold."
        )
    else:
        summary = (
            "Zonder uitruil kan niet elke gemeente haar eigen taak huisvesten."
            if lang == "nl"
            else "Without exchange not every municipality can house its own task."
        )
    return InfeasibleError(summary, diag)

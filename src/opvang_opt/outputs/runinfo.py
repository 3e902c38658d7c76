"""run.json: what was run, on which inputs, with which versions, and how each stage went."""

from __future__ import annotations

import dataclasses
from typing import Any

from opvang_opt.outputs.privacy import Profile
from opvang_opt.pipeline import RunResult
from opvang_opt.texts import Lang, Message, render


def run_info(
    result: RunResult, files: list[str], *, profile: Profile = "council", lang: Lang = "nl"
) -> dict[str, Any]:
    """Build the content of ``run.json``.

    Parameters
    ----------
    result
        The run.
    files
        The files written to the results folder.
    profile
        The export profile the council exports were written with.
    lang
        Language of the messages (stage messages, diagnoses, the core verdict).
    """
    sc = result.scenario
    siting = result.siting.summary.as_dict(lang)
    siting["criteria"] = [dataclasses.asdict(c) for c in result.siting.criteria]
    info = {
        "scenario": {
            "name": sc.name,
            "title": sc.title,
            "hash": result.scenario_hash,
            "extends": sc.extends,
            "fictitious": sc.outputs.fictitious,
        },
        "started_at": result.started_at,
        "status": "ok" if result.is_ok else "attention",
        "stages": [
            {
                "name": s.name,
                "status": s.status,
                "seconds": round(s.seconds, 4),
                "message": _stage_message(s, profile, lang),
            }
            for s in result.stages
        ],
        "inputs": [
            {
                "layer": r.name,
                "path": r.path,
                "sha256": r.sha256,
                "features": r.features,
                "source_crs": r.source_crs,
                "repaired": list(r.repaired),
            }
            for r in result.inputs.reports
        ],
        "siting": siting,
        "allocation": allocation_summary(result, profile),
        "exchange": exchange_summary(result),
        "services": services_summary(result, profile, lang),
        "export_profile": profile,
        "versions": result.versions,
        "files": sorted(files),
    }
    return _rendered(info, lang)


def _stage_message(stage: Any, profile: Profile, lang: Lang) -> str:
    """A stage's message as the report shows it: the allocation's and the services' free
    text (counts by rule, the total shortfalls, the diagnosis) only for the analyst
    profile; the council's folder has their suppressed tables instead."""
    if stage.name in ("allocation", "services") and profile == "council":
        return ""
    return render(stage.message, lang)


def services_summary(result: RunResult, profile: Profile, lang: Lang) -> dict[str, Any] | None:
    """The services summary: whole for the analyst profile; for the council without the
    totals that would give a hidden count back
    (:func:`~opvang_opt.outputs.services.council_summary`)."""
    if result.services is None:
        return None
    if profile == "council":
        from opvang_opt.outputs.services import council_summary

        return council_summary(result.services, lang)
    return result.services.summary(lang)


def _rendered(value: Any, lang: Lang) -> Any:
    """``value`` with every catalogue message in it rendered in ``lang``."""
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, dict):
        return {k: _rendered(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rendered(v, lang) for v in value]
    return value


def exchange_summary(result: RunResult) -> dict[str, Any] | None:
    """Status, gap, costs, savings and the fairness verdict of the exchange stage."""
    if result.exchange is None:
        return None
    ex = result.exchange
    res, pay = ex.result, ex.payments
    if res is None or pay is None:  # no exchange: its status and diagnosis
        shortfalls = ex.diagnosis.shortfalls if ex.diagnosis is not None else ()
        return {
            "status": ex.status.value,
            "message": ex.message,
            "diagnosis": [
                {"rule": s.rule, "message": s.message, "required": s.required,
                 "available": s.available}
                for s in shortfalls
            ],
        }  # fmt: skip
    core = pay.core
    return {
        "status": res.status.value,
        "gap": res.gap,
        "cost": round(res.objective, 2),
        "no_exchange_cost": None
        if res.no_exchange_cost is None
        else round(res.no_exchange_cost, 2),
        "savings": None if res.savings is None else round(res.savings, 2),
        "solver": res.solver,
        "period": res.period,
        "individually_rational": pay.individually_rational,
        "core": core.message,
        "checker_ok": ex.check is not None and ex.check.is_ok,
    }


def allocation_summary(result: RunResult, profile: Profile) -> dict[str, Any] | None:
    """The allocation's own summary (solve, diagnosis, baseline comparison), or ``None``.

    Whole for the analyst profile. ``run.json`` sits in the council's folder too, so for
    the council its counts of households follow the council's tables: placed, unplaced
    and violations 1-4 as ``<5``; the components as in the comparison with the baseline
    (:func:`~opvang_opt.outputs.privacy.council_comparison`: a relocation of 1 at weight
    5 beside the exact km gave the count back through the objective), the objective and
    its bound hidden with the total; no diagnosis counts per rule and no solver figures
    (the solver's household count less those placed gave the unplaced back).
    """
    if result.allocation is None:
        return None
    summ: dict[str, Any] = dict(result.allocation.summary())
    if profile != "council":
        return summ
    import pandas as pd

    from opvang_opt.outputs.content import hidden_totals
    from opvang_opt.outputs.privacy import SECONDARY, council_comparison, show_count

    def count(v: Any) -> Any:
        """A count as a number where the council sees it, else ``<5`` or ``x``."""
        text = show_count(v) if isinstance(v, int | float) else str(v)
        return int(text) if text.isdigit() else text

    comps = dict(summ.get("components", {}))
    table = pd.DataFrame({"component": list(comps), "optimiser": list(comps.values())})
    shown = council_comparison(table).set_index("component")["optimiser"].to_dict()
    out: dict[str, Any] = {
        k: summ[k] for k in ("status", "gap", "units_from_shortlist") if k in summ
    }
    hidden = hidden_totals(result)
    out["placed"] = SECONDARY if "households" in hidden else count(summ["placed"])
    out["unplaced"] = count(summ["unplaced"])
    out["violations"] = count(summ["violations"])
    out["components"] = {
        k: count(shown[k]) if isinstance(shown.get(k), str) else shown.get(k, v)
        for k, v in comps.items()
    }
    if shown.get("total") != SECONDARY:
        out["objective"] = summ["objective"]
    out["diagnosis"] = [d["rule"] for d in summ.get("diagnosis", [])]
    base = dict(summ.get("baseline", {}))
    out["baseline"] = {
        k: count(v) if isinstance(v, int | float) else v
        for k, v in base.items()
        if k != "violations_by_rule"
    }
    if "households" in hidden:  # the optimiser's households placed, repeated
        out["baseline"]["optimiser_placed"] = out["baseline"]["placed"] = SECONDARY
    out["baseline"]["violations_by_rule"] = {  # counts of households per rule
        k: count(v) for k, v in dict(base.get("violations_by_rule", {})).items()
    }
    return out

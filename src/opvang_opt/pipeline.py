"""The one entry point: ``run(scenario, inputs) -> RunResult``.

Inputs are read and checked before a run, in one pass, by :func:`opvang_opt.io.load_inputs`
(from the scenario's files) or :func:`opvang_opt.io.inputs_from_frames` (from frames in
memory). :func:`run` is pure: each stage is a function of the scenario, the inputs and
earlier results; nothing here reads a file, prints or writes. The CLI and notebooks show
progress; :mod:`opvang_opt.outputs` writes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from opvang_opt import __version__
from opvang_opt.allocation.stage import AllocationRun, run_allocation_stage
from opvang_opt.errors import DataError, Problem
from opvang_opt.exchange import ExchangeRun, run_exchange
from opvang_opt.io.inputs import Inputs
from opvang_opt.planning.solve import PlanningResult
from opvang_opt.schema import Scenario, SitingConfig, scenario_hash
from opvang_opt.services.stage import AllocationSource, PlanSource, ServicesRun, run_services
from opvang_opt.siting import SitingInputs, SitingResult, run_siting
from opvang_opt.siting.screen import GeoTask
from opvang_opt.status import SolveStatus, StageStatus
from opvang_opt.texts import Message

_STAGE_STATUS = {SolveStatus.INFEASIBLE: StageStatus.INFEASIBLE,
                 SolveStatus.NO_SOLUTION: StageStatus.NO_SOLUTION}  # fmt: skip
"""The stage status of a solve without a solution."""

STAGES = ("inputs", "siting", "planning", "allocation", "services", "exchange")
"""The stages of a run, in order."""


def _status(status: SolveStatus) -> Message:
    """A solve status as a catalogue message, so a stage's message reads it in the run's
    language ("optimaal", not the code "optimal", in a Dutch report)."""
    return Message(f"status.{status.value}")


@dataclass(frozen=True)
class StageReport:
    """How one stage went."""

    name: str
    status: StageStatus
    seconds: float
    message: str | Message | tuple[Message | str, ...] = ""
    """Plain text (input notes), or catalogue messages rendered by the outputs."""


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced; outputs are written from this value alone."""

    scenario: Scenario
    scenario_hash: str
    started_at: str
    inputs: Inputs
    siting: SitingResult
    stages: tuple[StageReport, ...]
    versions: dict[str, str] = field(default_factory=dict)
    exchange: ExchangeRun | None = None
    allocation: AllocationRun | None = None
    services: ServicesRun | None = None
    """The services check (newcomer education and care), when the scenario has one."""
    planning: PlanningResult | None = None

    @property
    def is_ok(self) -> bool:
        """True when every stage ran and met its task (skipped stages count as met)."""
        return all(s.status in (StageStatus.OK, StageStatus.SKIPPED) for s in self.stages)


ProgressFn = Callable[[str, str], None]
"""Called as progress(stage, event) with event 'start' or 'done'."""
Screener = Callable[[SitingConfig, SitingInputs], dict[GeoTask, Any]]
"""Answers the siting stage's spatial questions (see :mod:`opvang_opt.siting.screen`)."""


def package_versions() -> dict[str, str]:
    """Versions of opvang-opt and the packages that shape its results."""
    out = {"opvang-opt": __version__}
    for pkg in ("ortools", "geopandas", "shapely", "pandas", "numpy", "pyogrio", "pyproj",
                "folium", "pydantic"):  # fmt: skip
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "not installed"
    import platform

    import pyogrio

    out["gdal"] = pyogrio.__gdal_version_string__
    out["python"] = platform.python_version()
    return out


def run(
    scenario: Scenario,
    inputs: Inputs,
    *,
    progress: ProgressFn | None = None,
    scenario_dir: str | None = None,
    screener: Screener | None = None,
) -> RunResult:
    """Run every stage of a scenario on inputs already read and checked.

    Pure: reads no file, prints nothing, writes nothing.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`opvang_opt.schema.load_scenario`).
    inputs
        Its inputs, read and checked in one pass (see :func:`opvang_opt.io.load_inputs`,
        or :func:`opvang_opt.io.inputs_from_frames` for frames in memory).
    progress
        Optional callback told when each stage starts and ends.
    scenario_dir
        Folder of the scenario file, so the scenario hash is machine-independent.
    screener
        Answers the siting stage's spatial questions elsewhere (e.g. on a Dask cluster:
        :func:`opvang_opt.siting.distributed.screen_on_cluster`); default: in this
        process, on every core.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> from opvang_opt.io import load
    >>> scenario, inputs = load("scenarios/demo.yaml")  # doctest: +SKIP
    >>> result = run(scenario, inputs)  # doctest: +SKIP
    >>> result.siting.summary.n_shortlisted  # doctest: +SKIP
    """
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    stages: list[StageReport] = []

    def step(name: str, fn: Callable[[], Any]) -> tuple[Any, float]:
        if progress:
            progress(name, "start")
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        if progress:
            progress(name, "done")
        return out, seconds

    notes: tuple[Message | str, ...] = tuple(
        Message("stage.inputs.note", {"layer": r.name, "note": n})
        for r in inputs.reports
        for n in r.notes
    )
    notes += inputs.warnings  # what the checks accepted but a reader must know (run.json)
    stages.append(StageReport("inputs", StageStatus.OK, inputs.seconds, notes))

    def siting_stage() -> SitingResult:
        answers = screener(scenario.siting, inputs.siting) if screener else None
        return run_siting(scenario.siting, inputs.siting, answers=answers)

    siting, sec = step("siting", siting_stage)
    summ = siting.summary
    if siting.target_met:
        stages.append(StageReport("siting", StageStatus.OK, sec))
    else:
        head = Message(
            "stage.siting.target_not_met",
            {"capacity": summ.capacity_selected, "target": summ.target,
             "unit": Message(f"common.{summ.target_unit}"), "shortfall": summ.shortfall,
             "n_eligible": summ.n_eligible, "n_sites": summ.n_sites},
        )  # fmt: skip
        message = (head, *summ.diagnosis)
        stages.append(StageReport("siting", StageStatus.TARGET_NOT_MET, sec, message))
    planning = None
    # (a run without a planning section lists no planning stage, as before the stage existed)
    if scenario.planning is not None and inputs.planning is None:
        stages.append(
            StageReport("planning", StageStatus.SKIPPED, 0.0,
                        "planning tables not read (inputs given as frames)")
        )  # fmt: skip
    elif scenario.planning is not None and inputs.planning is not None:
        from opvang_opt.planning.stage import run_planning

        tables = inputs.planning
        planning, sec = step(
            "planning",
            lambda: run_planning(scenario, tables, siting.sites, inputs.siting.id_column),
        )
        pres = planning
        if pres.plan is None:
            why: object = Message("stage.planning.no_plan")
            if pres.diagnosis is not None and pres.diagnosis.shortfalls:
                why = tuple(s.message for s in pres.diagnosis.shortfalls)
            msg = Message("stage.planning.none", {"status": _status(pres.status), "why": why})
            pstatus = (
                StageStatus.INFEASIBLE
                if pres.status == SolveStatus.INFEASIBLE
                else StageStatus.NO_SOLUTION
            )
            stages.append(StageReport("planning", pstatus, sec, msg))
        else:
            assert pres.costs is not None
            days = pres.unmet_person_days or 0
            msg = Message(
                "stage.planning.done",
                {"status": _status(pres.status), "gap": pres.gap or 0.0,
                 "cost": pres.costs.total / 100, "days": days},
            )  # fmt: skip
            pstatus = StageStatus.OK if days == 0 else StageStatus.TARGET_NOT_MET
            stages.append(StageReport("planning", pstatus, sec, msg))

    allocation = None
    if scenario.allocation is None:
        stages.append(
            StageReport("allocation", StageStatus.SKIPPED, 0.0, Message("stage.allocation.skipped"))
        )
    else:
        alloc_config = scenario.allocation
        data = inputs.allocation_data
        if data is None:
            raise DataError(
                Message("problem.inputs.no_allocation_tables"),
                [Problem(Message("problem.inputs.build_with_load_inputs"), field="allocation")],
            )
        allocation, sec = step(
            "allocation",
            lambda: run_allocation_stage(
                alloc_config, data.tables, siting.sites, inputs.siting.id_column,
                candidate_sites=data.candidate_sites,
            ),
        )  # fmt: skip
        res = allocation.result
        head = Message(
            "stage.allocation.placed",
            {"status": _status(res.status), "placed": len(res.assignments),
             "unplaced": len(res.unplaced)},
        )  # fmt: skip
        lines: tuple[Message | str, ...] = (head,)
        if len(res.unplaced):
            lines += tuple(s.message for s in res.diagnosis.shortfalls)
        if res.all_placed:
            status = StageStatus.OK
        elif res.status.has_solution:
            status = StageStatus.PARTIAL
        else:
            status = _STAGE_STATUS[res.status]
        stages.append(StageReport("allocation", status, sec, lines))

    services = None
    # a run without a services section lists no services stage (as before the stage existed)
    if scenario.services is not None and inputs.services is not None:
        cfg, services_tables = scenario.services, inputs.services
        graph = inputs.siting.graphs.get(cfg.network) if cfg.network else None
        placed = None
        if allocation is not None and inputs.allocation_data is not None:
            t = inputs.allocation_data.tables
            placed = AllocationSource(allocation.result.assignments, t.households, t.sites)
        planned = (None if planning is None else PlanSource.from_plan(
            planning, siting.sites, inputs.siting.id_column, inputs.planning))  # fmt: skip
        services, sec = step(
            "services",
            lambda: run_services(cfg, services_tables, siting.sites, inputs.siting.id_column,
                                 scenario=scenario, graph=graph, allocation=placed,
                                 plan=planned),
        )  # fmt: skip
        sres = services.result
        head = Message("stage.services.done", {
            "status": _status(sres.status), "before": sres.short_before, "after": sres.short_after,
            "cost": sres.cost["total"] / 100})  # fmt: skip
        lines = (head,)
        shortfalls = sres.diagnosis.shortfalls
        lines += tuple(s.message for s in shortfalls[:10])
        if len(shortfalls) > 10:
            lines += (Message("stage.services.more_short", {"n": len(shortfalls) - 10}),)
        lines += tuple(services.notes)
        if sres.all_placed:
            sstatus = StageStatus.OK
        elif sres.status.has_solution or not sres.expanded:
            sstatus = StageStatus.TARGET_NOT_MET
        else:
            sstatus = _STAGE_STATUS.get(sres.status, StageStatus.TARGET_NOT_MET)
        stages.append(StageReport("services", sstatus, sec, lines))

    exchange = None
    if scenario.exchange is None:
        stages.append(
            StageReport("exchange", StageStatus.SKIPPED, 0.0, Message("stage.exchange.skipped"))
        )
    else:
        config = scenario.exchange
        # checked inside (a broken rule raises InternalError); infeasible is a status
        exchange, sec = step("exchange", lambda: run_exchange(config))
        ex_res = exchange.result
        if ex_res is None:  # no exchange: the status and the diagnosis say why; the run goes on
            head = Message(
                "stage.exchange.none", {"status": _status(exchange.status), "why": exchange.message}
            )
            lines = (head,)
            if exchange.diagnosis is not None:
                lines += tuple(s.message for s in exchange.diagnosis.shortfalls)
            stages.append(StageReport("exchange", _STAGE_STATUS[exchange.status], sec, lines))
        else:
            done = Message(
                "stage.exchange.done",
                {"status": _status(ex_res.status), "savings": ex_res.savings or 0},
            )
            stages.append(StageReport("exchange", StageStatus.OK, sec, done))

    return RunResult(
        scenario=scenario,
        scenario_hash=scenario_hash(scenario, scenario_dir),
        started_at=started,
        inputs=inputs,
        siting=siting,
        stages=tuple(stages),
        versions=package_versions(),
        exchange=exchange,
        allocation=allocation,
        services=services,
        planning=planning,
    )

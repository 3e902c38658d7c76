"""Running a sweep: every variant of a plan, in parallel on Dask.

Workers receive plain data (the merged raw scenario mapping of the variant) and build and
solve their models themselves: OR-Tools models do not pickle. Each variant returns one
small summary row (:func:`run_variant`); a failed variant is a row with its error, and
never stops the others. :func:`run_sweep` gathers the rows into one table, in variant
order. Nothing here prints or writes: the CLI shows progress through the ``progress``
callback, :mod:`opvang_opt.outputs.sweep_files` writes the results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from opvang_opt.errors import OpvangError, Problem
from opvang_opt.schema import validate_scenario
from opvang_opt.texts import Message
from opvang_opt.workflows.figures import round_money, shortlist_ids, siting_figures
from opvang_opt.workflows.sweep_plan import SweepPlan, Variant, plain_value


class ClusterError(OpvangError):
    """The Dask cluster cannot be reached or used (a clear message; exit code 2)."""


RESULT_COLUMNS = (
    "variant", "status", "error_type", "error", "n_shortlisted", "shortlisted",
    "capacity_selected", "target", "target_unit", "target_met", "shortfall", "total_value",
    "total_cost", "n_sites", "n_eligible", "n_excluded", "solver_status", "exchange_status",
    "exchange_cost", "exchange_savings", "seconds", "seconds_inputs", "seconds_siting",
    "seconds_exchange", "worker", "scenario_hash",
)  # fmt: skip
"""The result columns of a sweep row, after the parameter columns."""


def run_variant(
    raw: dict[str, Any], variant: int = 0, params: dict[str, Any] | None = None,
    scenario_dir: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run one variant from plain data and return its summary row. Never raises.

    This is what a Dask worker runs: it validates the scenario and builds and solves
    every model itself (OR-Tools models do not pickle).

    Parameters
    ----------
    raw
        The variant's merged raw scenario mapping (absolute paths).
    variant
        The variant's number.
    params
        Its parameter values (copied into the row).
    scenario_dir
        Folder of the base scenario, for a machine-independent scenario hash.

    Returns
    -------
    dict
        The row: parameters, status ('ok', 'target_not_met' or 'error'), the error text,
        shortlisted ids, capacity, cost, total value, exchange savings and timings.
    """
    from opvang_opt import pipeline
    from opvang_opt.io import load_inputs

    t0 = time.perf_counter()
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(params or {})
    row["variant"] = variant
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    try:
        scenario = validate_scenario(raw, f"variant {variant}")
        result = pipeline.run(scenario, load_inputs(scenario), scenario_dir=scenario_dir)
        row.update(siting_figures(result))
        row.update(
            status="ok" if result.siting.summary.target_met else "target_not_met",
            shortlisted=";".join(shortlist_ids(result)),
            scenario_hash=result.scenario_hash,
        )
        for stage in result.stages:
            if stage.name in ("inputs", "siting", "exchange"):
                row[f"seconds_{stage.name}"] = round(stage.seconds, 4)
        ex = result.exchange
        res = ex.result if ex is not None else None
        if ex is not None and res is None:
            row["exchange_status"] = ex.status.value  # infeasible: no figures
        elif res is not None:
            row["exchange_status"] = res.status.value
            row["exchange_cost"] = round_money(res.objective)
            row["exchange_savings"] = round_money(res.savings)
    except OpvangError as exc:
        row.update(status="error", error_type=type(exc).__name__, error=exc.render())
    except Exception as exc:
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        row.update(status="error", error_type=type(exc).__name__, error=f"internal error: {tb}")
    row["seconds"] = round(time.perf_counter() - t0, 4)
    return row


SweepProgress = Callable[[int, int, dict[str, Any]], None]
"""Called as progress(done, total, row) after each variant."""


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """The gathered results of a sweep."""

    plan: SweepPlan
    table: pd.DataFrame
    """One row per variant, in variant order."""
    seconds: float
    """Wall time of running the variants (including cluster start-up)."""
    startup_seconds: float
    """Time to start or connect to the cluster."""
    executor: str
    """'local cluster', the scheduler address, or 'in process'."""
    workers: int
    """Number of Dask workers (1 when run in this process)."""
    started_at: str

    @property
    def n_failed(self) -> int:
        """Variants that ended with an error."""
        return int((self.table["status"] == "error").sum())

    @property
    def n_ok(self) -> int:
        """Variants that met the target."""
        return int((self.table["status"] == "ok").sum())


def normalise_address(address: str) -> str:
    """Check a scheduler address; ``HOST:PORT`` gets the ``tcp://`` scheme.

    Raises
    ------
    ClusterError
        When the address is not ``[tcp|tls|ws|wss]://HOST:PORT``.
    """
    text = address.strip()
    if "://" not in text:
        text = f"tcp://{text}"
    m = re.fullmatch(r"(tcp|tls|ws|wss)://(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9_.\-]+):(\d{1,5})", text)
    if not m or not 0 < int(m.group(3)) < 65536:
        raise ClusterError(
            Message("problem.sweep.bad_address", {"address": address}),
            [Problem(Message("problem.sweep.address_form"), field="--scheduler")],
        )
    return text


def connect(scheduler: str | None, workers: int, timeout: float) -> tuple[Any, Any, str]:
    """Start a LocalCluster, or connect to a running scheduler, and return a client.

    Returns
    -------
    tuple
        (client, cluster or None, description).

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached within ``timeout`` seconds, or has no
        workers within ``timeout`` seconds.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        # the workers' statistical profiler samples every thread every 10 ms: CPU a
        # 2-core machine needs for the variants (nothing here reads the profiles)
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=50,
            )  # fmt: skip
        return Client(cluster, set_as_default=False), cluster, "local cluster"
    address = normalise_address(scheduler)
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
            client = Client(address, timeout=f"{timeout}s", set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, or a garbled reply from a non-Dask port
        raise ClusterError(
            Message("problem.sweep.unreachable", {"address": address, "seconds": f"{timeout:g}"}),
            [
                Problem(
                    Message(
                        "problem.sweep.verbatim", {"text": f"{type(exc).__name__}: {exc}"[:300]}
                    ),
                    field="--scheduler",
                ),
                Problem(Message("problem.sweep.start_scheduler", {"address": address})),
            ],
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except Exception:
        client.close()
        raise ClusterError(
            Message("problem.sweep.no_workers", {"address": address}),
            [Problem(Message("problem.sweep.no_worker_joined",
                             {"seconds": f"{timeout:g}", "address": address}),
                     field="--scheduler")],
        ) from None  # fmt: skip
    return client, None, address


def run_sweep(
    plan: SweepPlan,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: SweepProgress | None = None,
    connect_timeout: float = 5.0,
) -> SweepResult:
    """Run every variant of a plan on Dask (or in this process with ``workers=0``).

    Parameters
    ----------
    plan
        From :func:`plan_sweep`.
    scheduler
        Address of a running Dask scheduler (``tcp://HOST:PORT``); default: start a
        LocalCluster with ``workers`` processes of one thread each.
    workers
        Worker processes of the LocalCluster; 0 runs the variants one after another in
        this process (no Dask).
    progress
        Called after each variant as ``progress(done, total, row)``.
    connect_timeout
        Seconds to wait for the scheduler and its first worker.

    Returns
    -------
    SweepResult

    Raises
    ------
    ClusterError
        When the cluster cannot be reached or has no workers.
    """
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()
    scenario_dir = str(Path(plan.base_path).parent)
    rows: list[dict[str, Any]] = []
    total = len(plan.variants)
    if workers == 0 and scheduler is None:
        startup = 0.0
        for v in plan.variants:
            rows.append(run_variant(v.raw, v.id, v.params, scenario_dir))
            if progress:
                progress(len(rows), total, rows[-1])
        executor, n_workers = "in process", 1
    else:
        client, cluster, executor = connect(scheduler, max(1, workers), connect_timeout)
        startup = time.perf_counter() - t0
        try:
            n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or workers
            rows = _run_on_client(client, plan, scenario_dir, progress)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    seconds = time.perf_counter() - t0
    rows.sort(key=lambda r: r["variant"])
    return SweepResult(
        plan=plan, table=results_table(plan, rows), seconds=seconds, startup_seconds=startup,
        executor=executor, workers=n_workers, started_at=started,
    )  # fmt: skip


def _run_on_client(
    client: Any, plan: SweepPlan, scenario_dir: str, progress: SweepProgress | None
) -> list[dict[str, Any]]:
    from distributed import as_completed

    variants: dict[str, Variant] = {}
    futures = []
    for v in plan.variants:
        fut = client.submit(run_variant, v.raw, v.id, v.params, scenario_dir, pure=False)
        variants[fut.key] = v
        futures.append(fut)
    rows: list[dict[str, Any]] = []
    total = len(futures)
    for fut in as_completed(futures, loop=client.loop):
        v = variants[fut.key]
        try:
            row = fut.result()
        except Exception as exc:  # the task itself failed (e.g. a worker without opvang-opt)
            row = dict.fromkeys(RESULT_COLUMNS)
            row.update(v.params)
            row.update(
                variant=v.id, status="error", error_type=type(exc).__name__,
                error=f"the worker could not run the variant: {type(exc).__name__}: {exc}",
            )  # fmt: skip
        fut.release()
        rows.append(row)
        if progress:
            progress(len(rows), total, row)
    return rows


def results_table(plan: SweepPlan, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per variant: parameter columns, then :data:`RESULT_COLUMNS`."""
    cols = ["variant", *plan.param_names, *(c for c in RESULT_COLUMNS if c != "variant")]
    table = pd.DataFrame(rows, columns=cols)
    for name in plan.param_names:
        vals = [plain_value(v) for v in table[name]]
        if any(isinstance(v, list | dict) for v in vals):
            vals = [json.dumps(v, ensure_ascii=False) for v in vals]
        table[name] = pd.Series(vals, index=table.index, dtype=object).infer_objects()
    for col in ("error_type", "error", "shortlisted", "target_unit", "solver_status",
                "exchange_status", "worker", "scenario_hash", "status"):  # fmt: skip
        table[col] = table[col].astype("string")
    for col in ("n_shortlisted", "capacity_selected", "target", "shortfall", "n_sites",
                "n_eligible", "n_excluded"):  # fmt: skip
        table[col] = pd.to_numeric(table[col]).astype("Int64")
    table["target_met"] = table["target_met"].astype("boolean")
    for col in ("total_value", "total_cost", "exchange_cost", "exchange_savings", "seconds",
                "seconds_inputs", "seconds_siting", "seconds_exchange"):  # fmt: skip
        table[col] = pd.to_numeric(table[col]).astype("float64")
    return table

"""The ``opvang-opt`` command line: the only place that turns errors into messages.

Bad input (any :class:`~opvang_opt.errors.OpvangError`) prints one readable message that
lists every problem. A checker that finds a broken rule in an optimiser's result
(:class:`~opvang_opt.errors.InternalError`) and any other unexpected error are internal
errors, with a request to report it. No traceback unless ``--debug``.

Exit codes (also in the README):

- 0: done, results written; the capacity target is met. A stage without a (complete)
  solution (an infeasible exchange, households that cannot be placed) is reported in the
  results with its diagnosis.
- 1: internal error (a bug, e.g. a checker found a broken rule): "please report".
- 2: bad input: the scenario or an input file has problems; one message lists them all,
  before any solver runs, and nothing is written.
- 3: done and results written, but the capacity target is not met (the run says by how
  much and which rule prevents it).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console

from opvang_opt import __version__
from opvang_opt.errors import InternalError, OpvangError
from opvang_opt.texts import CATALOGUE, Lang, render, t

app = typer.Typer(
    name="opvang-opt",
    help="Site selection, household allocation and regional exchange for Duo+ (spoor 3).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback of errors.")]
LangOpt = Annotated[
    Literal["nl", "en"] | None,
    typer.Option("--lang", help="Language of messages and outputs (default: the scenario's, nl)."),
]

TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.5, help="Seconds to wait for the scheduler.")
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_TARGET_NOT_MET = 3
"""A run finished and wrote its results, but the capacity target is not met."""


def _version(value: bool) -> None:
    if value:
        out.print(f"opvang-opt {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """opvang-opt: from longlist to shortlist, explained."""


def _guard(debug: bool, fn: Any, lang: Lang = "nl") -> Any:
    """Run ``fn``; turn user errors into exit code 2 and anything else into 1.

    The frame of the message (``Error:``, ``Internal error:``) is in ``lang``; each
    problem keeps its "file, row, field: what" form.
    """
    try:
        return fn()
    except OpvangError as exc:
        if debug:
            raise
        summary = exc.summary_text(lang)
        err.print(t("cli.error", lang, summary=summary), markup=False, style="bold red")
        for p in exc.problems:
            err.print(f"  - {p.render(lang)}", markup=False)
        raise typer.Exit(code=exc.exit_code) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except InternalError as exc:  # a checker found a broken rule: a bug, never bad input
        if debug:
            raise
        err.print(t("cli.internal", lang, summary=exc.summary), markup=False, style="bold red")
        for line in exc.details:
            err.print(f"  - {line}", markup=False)
        err.print(t("cli.bug", lang), markup=False)
        raise typer.Exit(code=exc.exit_code) from None
    except Exception as exc:
        if debug:
            raise
        text = t("cli.internal_error", lang, kind=type(exc).__name__, error=str(exc))
        err.print(text, markup=False, style="bold red")
        err.print(t("cli.report_it", lang), markup=False)
        raise typer.Exit(code=EXIT_INTERNAL) from None


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    lang: LangOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check a scenario file, every layer and table it names, and run its stages without
    writing anything: "valid" means `run` will succeed."""
    from opvang_opt.io import load

    def go() -> None:
        scenario, inputs = load(file)
        say = lang or scenario.outputs.lang
        # the stages (and their solvers) are imported once the inputs are known to be good
        from opvang_opt import pipeline

        result = pipeline.run(scenario, inputs, scenario_dir=str(file.parent))
        out.print(t("cli.valid", say, file=str(file), name=scenario.name), markup=False)
        _stage_warnings(result, say)
        for r in inputs.reports:
            note = f" ({render(r.notes, say)})" if r.notes else ""
            line = t(
                "cli.layer_line", say, layer=r.name, features=r.features, crs=str(r.source_crs),
                note=note,
            )  # fmt: skip
            out.print(line, markup=False)

    _guard(debug, go, lang or "nl")


def _stage_label(stage: str, lang: Lang) -> str:
    key = f"cli.stage.{stage}"
    return t(key, lang) if key in CATALOGUE else stage


def _status(code: str, lang: Lang) -> str:
    key = f"status.{code}"
    return t(key, lang) if key in CATALOGUE else code


def _stage_warnings(result: Any, lang: Lang) -> None:
    """Print what the input checks accepted but a reader must know (e.g. a site outside
    the region under ``region.outside: warn``), and every stage that did not simply
    succeed, with its message in ``lang``."""
    for w in result.inputs.warnings:
        text = t("cli.stage_warning", lang, stage=_stage_label("inputs", lang), message=w)
        err.print(text, markup=False, style="yellow")
    for s in result.stages:
        if s.status not in ("ok", "skipped"):
            label = _stage_label(s.name, lang)
            text = t("cli.stage_warning", lang, stage=label, message=render(s.message, lang))
            err.print(text, markup=False, style="yellow")


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/<scenario name>)."),
    ] = None,
    lang: LangOpt = None,
    profile: Annotated[
        Literal["council", "analyst"] | None,
        typer.Option(
            "--profile",
            help="Export profile: council (default; aggregates only, counts below 5 as <5) "
            "or analyst (adds household-level tables with pseudonymous ids).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Screen the longlist on a running Dask scheduler (tcp://HOST:PORT).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Screen the longlist on a local Dask cluster of N processes "
            "(0: in this process, on every core).",
        ),
    ] = 0,
    timeout: TimeoutOpt = 5.0,
    debug: DebugOpt = False,
) -> None:
    """Run a scenario and write its results folder."""
    from opvang_opt.io import load
    from opvang_opt.io.results import check_target

    def go() -> int:
        label = _stage_label("inputs", lang or "nl")
        err.print(f"… {label}", markup=False)
        t0 = time.perf_counter()
        scenario, inputs = load(file)  # every problem of the scenario and its inputs at once
        say: Lang = lang or scenario.outputs.lang
        label = _stage_label("inputs", say)  # the scenario's language, once it is known
        target = check_target(out_dir or Path("results") / scenario.name)  # before the work
        done = t("cli.stage_done", say, label=label, seconds=time.perf_counter() - t0)
        err.print(f"✓ {done}", markup=False)
        # the stages and outputs are imported once the inputs are known to be good
        from opvang_opt import pipeline
        from opvang_opt.outputs import write_results

        started: dict[str, float] = {}

        def progress(stage: str, event: str) -> None:
            label = _stage_label(stage, say)
            if event == "start":
                started[stage] = time.perf_counter()
                err.print(f"… {label}", markup=False)
            else:
                sec = time.perf_counter() - started[stage]
                err.print(f"✓ {t('cli.stage_done', say, label=label, seconds=sec)}", markup=False)

        screener = _screener(scheduler, workers, timeout, say)
        result = pipeline.run(
            scenario, inputs, progress=progress, scenario_dir=str(file.parent), screener=screener
        )
        progress("write", "start")
        written: list[Any] = []  # warnings about the outputs (e.g. no PDF without Pango)
        folder = write_results(result, target, lang=say, profile=profile, on_warning=written.append)
        progress("write", "done")
        _stage_warnings(result, say)
        for w in written:
            label = _stage_label("write", say)
            text = t("cli.stage_warning", say, stage=label, message=render(w, say))
            err.print(text, markup=False, style="yellow")
        summ = result.siting.summary
        line = t(
            "cli.shortlist", say, n_shortlisted=summ.n_shortlisted,
            capacity=summ.capacity_selected, target=summ.target,
            unit=t(f"common.{summ.target_unit}", say), n_excluded=summ.n_excluded,
            n_sites=summ.n_sites,
        )  # fmt: skip
        out.print(line, markup=False)
        if result.allocation is not None:
            res = result.allocation.result
            line = t(
                "cli.allocation", say, placed=len(res.assignments), unplaced=len(res.unplaced),
                status=_status(res.status.value, say), gap=res.gap,
            )  # fmt: skip
            out.print(line, markup=False)
        if result.exchange is not None and result.exchange.result is not None:
            ex = result.exchange.result
            line = t(
                "cli.exchange", say, cost=ex.objective, savings=ex.savings or 0,
                status=_status(ex.status.value, say),
            )  # fmt: skip
            out.print(line, markup=False)
        elif result.exchange is not None:
            line = t("cli.exchange_none", say, status=_status(result.exchange.status.value, say))
            out.print(line, markup=False)
        out.print(t("cli.results", say, folder=str(folder)), markup=False)
        out.print(t("cli.map", say, file=str(folder / "map.html")), markup=False)
        if not result.siting.target_met:
            line = t("cli.target_not_met", say, code=EXIT_TARGET_NOT_MET)
            err.print(f"! {line}", markup=False, style="yellow")
            return EXIT_TARGET_NOT_MET
        return EXIT_OK

    code = _guard(debug, go, lang or "nl")
    if code:
        raise typer.Exit(code=code)


@app.command()
def demo(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/<scenario name>)."),
    ] = None,
    lang: LangOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Run the bundled demo scenario (fictitious Duo+ data) and write its results folder."""
    from opvang_opt.resources import demo_scenario

    scenario_file = _guard(debug, demo_scenario, lang or "nl")
    run(scenario_file, out_dir=out_dir, lang=lang, profile=None, debug=debug)


def _screener(scheduler: str | None, workers: int, timeout: float, lang: Lang = "nl") -> Any:
    """The siting screen with a progress bar: on a Dask cluster, or in this process."""

    def say(code: str, /, **params: Any) -> str:
        return t(f"problem.cli.{code}", lang, **params)

    import numpy as np

    def on_cluster(config: Any, inputs: Any) -> Any:
        from opvang_opt.siting.distributed import screen_on_cluster

        where = scheduler or say("local_cluster", workers=workers)
        n = len(inputs.longlist)
        err.print(f"… {say('screening', n=n, where=where)}", markup=False)
        with _bar(transient=True) as bar:
            task = bar.add_task(say("partitions"), total=None, status=say("sites", n=n))

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            res = screen_on_cluster(
                config, inputs.longlist, inputs.layers, scheduler=scheduler,
                workers=max(1, workers), connect_timeout=timeout, progress=progress,
            )  # fmt: skip
        done = say("screened", n=n, executor=res.executor, workers=res.workers,
                   partitions=res.partitions, seconds=res.seconds)  # fmt: skip
        err.print(f"✓ {done}", markup=False)
        return res.answers

    def in_process(config: Any, inputs: Any) -> Any:
        from opvang_opt.siting import screen, spatial

        tasks = screen.geometric_tasks(config, inputs.layers)
        n = len(inputs.longlist)
        with _bar(transient=True) as bar:
            task = bar.add_task(say("queries"), total=len(tasks), status=say("sites", n=n))

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done)

            return screen.run_tasks(
                np.asarray(inputs.longlist.geometry.values), inputs.layers, tasks,
                spatial.default_workers(), progress,
            )  # fmt: skip

    return on_cluster if scheduler or workers else in_process


@app.command()
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    lang: LangOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write the JSON Schema of scenario files (for editor autocompletion)."""
    from opvang_opt.schema import json_schema

    say: Lang = lang or "nl"

    def go() -> None:
        text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
        if out_file is None:
            sys.stdout.write(text + "\n")
        else:
            out_file.write_text(text + "\n", encoding="utf-8")
            err.print(t("cli.wrote", say, file=str(out_file)), markup=False)

    _guard(debug, go, say)


# --------------------------------------------------------------------------- compare, sweep, data


def _bar(*, transient: bool = False) -> Any:
    """A rich progress bar on stderr (the CLI's only progress display)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[status]}", markup=False), TimeElapsedColumn(),
        TimeRemainingColumn(), console=err, transient=transient,
    )  # fmt: skip


@app.command()
def compare(
    files: Annotated[list[Path], typer.Argument(help="Two or more scenario YAML files.")],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for compare.html and compare.csv (default: results/compare-<A>-<B>).",
        ),
    ] = None,
    lang: Annotated[
        Literal["nl", "en"],
        typer.Option("--lang", help="Language of compare.html and the messages."),
    ] = "nl",
    debug: DebugOpt = False,
) -> None:
    """Run scenarios and write a side-by-side comparison of their inputs and results."""
    from opvang_opt.io.results import check_target
    from opvang_opt.outputs.compare_page import note_text, write_comparison
    from opvang_opt.workflows.compare import compare_scenarios

    def go() -> None:
        if out_dir is not None:
            check_target(out_dir)  # before the work (the default folder is named after it)
        with _bar() as bar:
            task = bar.add_task(t("cli.compare.comparing", lang), total=len(files), status="")

            def progress(label: str, event: str) -> None:
                if event == "start":
                    bar.update(task, status=t("cli.compare.running", lang, label=label))
                else:
                    bar.advance(task)

            comp = compare_scenarios(files, progress=progress)
            bar.update(task, status=t("cli.compare.writing", lang))
            names = "-".join(r.scenario.name for r in comp.runs[:2])
            folder = write_comparison(
                comp, out_dir or Path("results") / f"compare-{names}", lang=lang
            )
            bar.update(task, status=t("cli.compare.done", lang))
        for note in comp.notes:
            err.print(f"! {note_text(note, lang)}", markup=False, style="yellow")
        n_res = int(comp.results["differs"].sum())
        n_files = int(comp.inputs["differs"].sum())
        line = t(
            "cli.compare.summary", lang, n_runs=len(comp.runs), n_settings=len(comp.settings),
            n_files=n_files, n_results=n_res, n_sites=len(comp.sites),
        )  # fmt: skip
        out.print(line, markup=False)
        out.print(t("cli.results", lang, folder=str(folder)), markup=False)
        out.print(t("cli.compare.page", lang, file=str(folder / "compare.html")), markup=False)

    _guard(debug, go, lang)


@app.command()
def sweep(
    file: Annotated[
        Path, typer.Argument(help="Sweep file (with base: and parameters:) or a scenario file.")
    ],
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="PATH=V1,V2,... or PATH=START:STOP:STEP (stop included); "
            "repeat for more parameters. PATH: siting.target.amount, "
            "siting.criteria\\[station].weight, siting.criteria\\[0].weight, ...",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option("--samples", min=1, help="Draw N random variants instead of the full grid."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, max=2**31 - 1, help="Seed of the random draw."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Use a running Dask scheduler (tcp://HOST:PORT) instead of a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Worker processes of the local cluster "
            "(0: run one after another in this process).",
        ),
    ] = 2,
    timeout: TimeoutOpt = 5.0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/<sweep name>)."),
    ] = None,
    lang: LangOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Run many variants of a scenario in parallel on Dask; write sweep.csv and .parquet."""
    from opvang_opt.io.results import check_target
    from opvang_opt.outputs.sweep_files import write_sweep
    from opvang_opt.workflows.sweep_plan import plan_sweep
    from opvang_opt.workflows.sweep_run import run_sweep

    say: Lang = lang or "nl"

    def go() -> None:
        err.print(f"… {t('cli.sweep.checking', say)}", markup=False)
        plan = plan_sweep(file, vary or (), samples=samples, seed=seed)
        n = len(plan.variants)
        params = ", ".join(plan.param_names)
        line = t("cli.sweep.planned", say, n=n, mode=plan.mode, name=plan.scenario_name,
                 params=params)  # fmt: skip
        err.print(f"✓ {line}", markup=False)
        check_target(out_dir or Path("results") / plan.name)  # before the work
        if scheduler is not None:
            err.print(f"… {t('cli.sweep.connecting', say, where=scheduler)}", markup=False)
        else:
            where = (t("cli.sweep.local", say, workers=workers) if workers
                     else t("cli.sweep.in_process", say))  # fmt: skip
            err.print(f"… {t('cli.sweep.starting', say, where=where)}", markup=False)
        counts = {"ok": 0, "target_not_met": 0, "error": 0}
        with _bar() as bar:
            task = bar.add_task(t("cli.sweep.running", say), total=n, status="")

            def progress(done: int, total: int, row: dict[str, Any]) -> None:
                counts[row["status"]] = counts.get(row["status"], 0) + 1
                failed = t("cli.sweep.failed_count", say, n=counts["error"])
                bar.update(task, completed=done, status=failed)

            result = run_sweep(plan, scheduler=scheduler, workers=workers, progress=progress,
                               connect_timeout=timeout)  # fmt: skip
        folder = write_sweep(result, out_dir or Path("results") / plan.name)
        failed = result.table[result.table["status"] == "error"]
        for _, row in failed.head(10).iterrows():
            lines = [ln.strip().removeprefix("- ") for ln in str(row["error"]).splitlines()]
            text = ": ".join(lines[:2])
            if len(lines) > 2:
                text += t("cli.sweep.more_lines", say, n=len(lines) - 2)
            line = t("cli.sweep.variant_failed", say, variant=row["variant"], error=text)
            err.print(f"! {line}", markup=False, style="yellow")
        if len(failed) > 10:
            line = t("cli.sweep.more_failed", say, n=len(failed) - 10)
            err.print(f"! {line}", markup=False, style="yellow")
        line = t(
            "cli.sweep.summary", say, n=n, seconds=result.seconds, executor=result.executor,
            workers=result.workers, ok=counts["ok"], not_met=counts["target_not_met"],
            failed=counts["error"],
        )  # fmt: skip
        out.print(line, markup=False)
        out.print(t("cli.results", say, folder=str(folder)), markup=False)

    _guard(debug, go, say)


data_app = typer.Typer(
    help="Real data: fetch and cache public layers (CBS, OpenStreetMap, Natura 2000).",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")

CacheOpt = Annotated[
    Path | None,
    typer.Option("--cache", help="Cache folder (default: $OPVANG_OPT_CACHE or data/cache)."),
]


@data_app.command("fetch")
def data_fetch(
    gemeente: Annotated[
        list[str],
        typer.Option("--gemeente", help="CBS municipality code, e.g. GM0384; repeat for more."),
    ],
    layers: Annotated[
        str, typer.Option("--layers", help="Comma-separated: cbs, osm, natura2000.")
    ] = "cbs,osm,natura2000",
    cache: CacheOpt = None,
    year: Annotated[int, typer.Option("--year", help="Year of the CBS wijken en buurten.")] = 2024,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds per HTTP request.")
    ] = 30.0,
    lang: LangOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Fetch CBS wijken/buurten, OSM POIs and Natura 2000 into the cache, with their source,
    licence and date."""
    from opvang_opt.connectors import (
        check_gemeenten,
        default_cache_dir,
        fetch_layers,
        layer_path,
        parse_groups,
    )

    say: Lang = lang or "nl"

    def go() -> None:
        codes = check_gemeenten(gemeente)
        groups = parse_groups(layers)
        folder = cache or default_cache_dir()
        with _bar() as bar:
            tasks: dict[str, Any] = {}

            def progress(step: str, event: str) -> None:
                if event == "start":
                    tasks[step] = bar.add_task(step, total=1, status="")
                elif event == "done":
                    bar.update(tasks[step], completed=1, status=t("cli.compare.done", say))
                else:
                    bar.update(tasks[step], status=event)

            metas = fetch_layers(codes, groups, folder, year=year, timeout=timeout,
                                 progress=progress)  # fmt: skip
        for m in metas:
            where = layer_path(folder, m["layer"])
            line = t("cli.data.fetched", say, layer=m["layer"], features=m["features"],
                     licence=m["licence"], date=m["fetched_at"], path=str(where))  # fmt: skip
            out.print(line, markup=False)
        out.print(t("cli.data.cache", say, folder=str(folder.resolve())), markup=False)

    _guard(debug, go, say)


@data_app.command("list")
def data_list(cache: CacheOpt = None, lang: LangOpt = None, debug: DebugOpt = False) -> None:
    """List the cached layers with their source, licence, date and municipalities."""
    from opvang_opt.connectors import default_cache_dir, list_cache

    say: Lang = lang or "nl"

    def go() -> None:
        folder = cache or default_cache_dir()
        metas = list_cache(folder)
        if not metas:
            out.print(t("cli.data.empty", say, folder=str(folder)), markup=False)
        for m in metas:
            line = t(
                "cli.data.listed", say, layer=m["layer"], features=m["features"],
                codes=", ".join(m.get("gemeenten", {})), source=m["source"],
                licence=m["licence"], date=m["fetched_at"],
            )  # fmt: skip
            out.print(line, markup=False)

    _guard(debug, go, say)


if __name__ == "__main__":  # pragma: no cover
    app()

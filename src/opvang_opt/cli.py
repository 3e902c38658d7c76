"""The ``opvang-opt`` command line: the only place that turns errors into messages.

Bad input (any :class:`~opvang_opt.errors.OpvangError`) prints one readable message that
lists every problem, and exits with code 2. Any other error is an internal error: exit
code 1. No traceback unless ``--debug``.
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
from opvang_opt.errors import OpvangError

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


def _guard(debug: bool, fn: Any) -> Any:
    """Run ``fn``; turn user errors into exit code 2 and anything else into 1."""
    try:
        return fn()
    except OpvangError as exc:
        if debug:
            raise
        err.print(f"Error: {exc.summary}", markup=False, style="bold red")
        for p in exc.problems:
            err.print(f"  - {p}", markup=False)
        raise typer.Exit(code=exc.exit_code) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug:
            raise
        err.print(f"Internal error: {type(exc).__name__}: {exc}", markup=False, style="bold red")
        err.print("Run again with --debug for the traceback, and report it.", markup=False)
        raise typer.Exit(code=1) from None


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    debug: DebugOpt = False,
) -> None:
    """Check a scenario file and every layer it names, without running it."""
    from opvang_opt.pipeline import load_inputs
    from opvang_opt.scenario import load_scenario

    def go() -> None:
        scenario = load_scenario(file)
        inputs = load_inputs(scenario)
        out.print(f"{file}: valid scenario '{scenario.name}'", markup=False)
        for r in inputs.reports:
            note = f" ({'; '.join(r.notes)})" if r.notes else ""
            out.print(f"  {r.name}: {r.features} features, CRS {r.source_crs}{note}", markup=False)

    _guard(debug, go)


STAGE_LABELS = {
    "inputs": "Reading and checking layers",
    "siting": "Siting: criteria, exclusions, scores, shortlist",
    "allocation": "Allocation",
    "exchange": "Exchange",
}


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Results folder (default: results/<scenario name>)."),
    ] = None,
    lang: Annotated[
        Literal["nl", "en"] | None,
        typer.Option("--lang", help="Language of map and report (default: the scenario's)."),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Run a scenario and write its results folder."""
    from opvang_opt import pipeline
    from opvang_opt.outputs import write_results
    from opvang_opt.scenario import load_scenario

    def go() -> None:
        scenario = load_scenario(file)
        started: dict[str, float] = {}

        def progress(stage: str, event: str) -> None:
            if event == "start":
                started[stage] = time.perf_counter()
                err.print(f"… {STAGE_LABELS.get(stage, stage)}", markup=False)
            else:
                sec = time.perf_counter() - started[stage]
                err.print(f"✓ {STAGE_LABELS.get(stage, stage)} ({sec:.2f} s)", markup=False)

        result = pipeline.run(scenario, progress=progress, scenario_dir=str(file.parent))
        target = out_dir or Path("results") / scenario.name
        err.print("… Writing results", markup=False)
        folder = write_results(result, target, lang=lang)
        for s in result.stages:
            if s.status not in ("ok", "skipped"):
                err.print(f"! {s.name}: {s.message}", markup=False, style="yellow")
        summ = result.siting.summary
        out.print(
            f"Shortlist: {summ['n_shortlisted']} sites, {summ['capacity_selected']} of "
            f"{summ['target']} {summ['target_unit']} "
            f"({summ['n_excluded']} of {summ['n_sites']} sites excluded)",
            markup=False,
        )
        if result.allocation is not None:
            res = result.allocation.result
            out.print(
                f"Allocation: {len(res.assignments)} households placed, {len(res.unplaced)} "
                f"not ({res.status.value}, gap {res.gap:.2%})",
                markup=False,
            )
        if result.exchange is not None:
            ex = result.exchange.result
            out.print(
                f"Exchange: cost EUR {ex.objective:,.0f}, savings EUR {ex.savings or 0:,.0f} "
                f"({ex.status.value})",
                markup=False,
            )
        out.print(f"Results: {folder}", markup=False)
        out.print(f"Map:     {folder / 'map.html'}", markup=False)

    _guard(debug, go)


@app.command()
def schema(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Write the JSON Schema of scenario files (for editor autocompletion)."""
    from opvang_opt.scenario import json_schema

    def go() -> None:
        text = json.dumps(json_schema(), indent=2, ensure_ascii=False)
        if out_file is None:
            sys.stdout.write(text + "\n")
        else:
            out_file.write_text(text + "\n", encoding="utf-8")
            err.print(f"Wrote {out_file}", markup=False)

    _guard(debug, go)


if __name__ == "__main__":  # pragma: no cover
    app()

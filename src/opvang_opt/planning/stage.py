"""The planning stage of a run: scenario section + tables + siting result -> result."""

from __future__ import annotations

import pandas as pd

from opvang_opt.io.planning import PlanningTables
from opvang_opt.planning.build import build_instance
from opvang_opt.planning.solve import PlanningResult, plan
from opvang_opt.schema import Scenario


def run_planning(
    scenario: Scenario,
    tables: PlanningTables,
    sites: pd.DataFrame | None,
    id_column: str = "site_id",
) -> PlanningResult:
    """Build the instance of the scenario's planning section and plan it (pure).

    Parameters
    ----------
    scenario
        A scenario with a ``planning`` section.
    tables
        The checked planning tables.
    sites
        The siting stage's sites (for candidates from the shortlist or longlist).
    id_column
        The longlist's id column.

    Returns
    -------
    PlanningResult
    """
    config = scenario.planning
    assert config is not None
    munis = [(m.code, m.name) for m in scenario.region.municipalities]
    inst = build_instance(
        config,
        municipalities=munis,
        tasks=tables.tasks,
        stock=tables.stock,
        candidates=tables.candidates,
        sites=sites,
        id_column=id_column,
        name_column=scenario.siting.name_column,
        exchange=scenario.exchange,
    )
    s = config.solver
    return plan(
        inst,
        backend=s.backend,
        time_limit_s=s.time_limit_s,
        relative_gap=s.relative_gap,
        threads=s.threads,
        baseline=config.baseline,
        method=s.method,
    )

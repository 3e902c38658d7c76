"""An independent model of the services expansion (spoor 1), solved by SCIP.

Written from the documented rules (README "Services", the docstrings of
``services.instance.Providers`` and ``services.solve``), from plain rows, without the
engine's reach arcs, demand classes, shortage parts or cuts:

* a child (or registration) of a type on a site may use a provider of that type whose
  straight-line distance to the site is at most the provider's reach;
* an existing provider has ``capacity`` places plus ``group_size`` per added group, at
  most ``max_extra`` groups per period, each costing ``cost`` cents per period;
* a facility has its ``capacity`` only in the periods it is open, costs ``cost`` cents
  per open period and ``setup`` cents in every period in which it opens (open now, not
  open in the period before; the first period counts as opening);
* the plan first places as many as possible over every type and period, then costs
  the least (SCIP with a relative gap of 0: its default, 1e-4, would accept a
  plan a cent too dear).
"""

from __future__ import annotations

import math

from ortools.linear_solver import pywraplp


def reaches(site: tuple[float, float], prov: dict) -> bool:
    """The documented reach: straight line, at most ``reach_m``."""
    return math.dist(site, (prov["x"], prov["y"])) <= prov["reach_m"]


def _exact(s: pywraplp.Solver) -> int:
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)
    return s.Solve(params)


def solve(
    sites: list[tuple[float, float]],
    demand: dict[str, list[list[int]]],
    providers: list[dict],
    n_periods: int,
    *,
    expand: bool = True,
) -> tuple[int, int]:
    """The fewest short (child-periods, all types) and then the least cost in cents."""
    s = pywraplp.Solver.CreateSolver("SCIP")
    inf = s.infinity()
    grp, opn, start = {}, {}, {}
    cost = 0
    for j, p in enumerate(providers):
        for t in range(n_periods):
            if p["facility"]:
                opn[j, t] = s.BoolVar(f"o{j}_{t}") if expand else 0
                start[j, t] = s.BoolVar(f"s{j}_{t}") if expand else 0
                if expand:
                    prev = opn[j, t - 1] if t > 0 else 0
                    s.Add(start[j, t] >= opn[j, t] - prev)
                cost += p["cost"] * opn[j, t] + p["setup"] * start[j, t]
            else:
                grp[j, t] = s.IntVar(0, p["max_extra"] if expand else 0, f"g{j}_{t}")
                cost += p["cost"] * grp[j, t]
    placed = 0
    for kind, dem in demand.items():
        for t in range(n_periods):
            load: dict[int, list] = {}
            for i, xy in enumerate(sites):
                fl = []
                for j, p in enumerate(providers):
                    if p["type"] == kind and reaches(xy, p):
                        f = s.IntVar(0, inf, f"f{kind}{i}_{j}_{t}")
                        fl.append(f)
                        load.setdefault(j, []).append(f)
                if fl:
                    s.Add(sum(fl) <= dem[i][t])
                    placed += sum(fl)
            for j, fl in load.items():
                p = providers[j]
                if p["facility"]:
                    s.Add(sum(fl) <= p["capacity"] * opn[j, t])
                else:
                    s.Add(sum(fl) <= p["capacity"] + p["group_size"] * grp[j, t])
    total = sum(sum(sum(row) for row in dem) for dem in demand.values())
    if isinstance(placed, int):
        return total, 0
    s.Maximize(placed)
    assert _exact(s) == pywraplp.Solver.OPTIMAL
    most = round(s.Objective().Value())
    s.Add(placed >= most)
    s.Minimize(cost)
    if isinstance(cost, int):
        return total - most, 0
    assert _exact(s) == pywraplp.Solver.OPTIMAL
    return total - most, round(s.Objective().Value())

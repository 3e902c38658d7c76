"""Will the schools and care keep up? Demand for newcomer education and care per site and
period, the bottlenecks, and the cheapest way to add places (spoor 1).

:func:`solve_services` assigns, finds the shortfalls and the cheapest expansions;
:func:`check_services` re-verifies a result without a solver.
"""

from opvang_opt.services.check import check_services
from opvang_opt.services.instance import (
    Arcs,
    Providers,
    ServicesInstance,
    reach_arcs,
    residents_demand,
    shortlist_residents,
)
from opvang_opt.services.solve import (
    AreaShortfall,
    Expansion,
    Flow,
    ServicesResult,
    assign,
    expansion_cost,
    full_expansion,
    no_expansion,
    solve_services,
)

__all__ = [
    "Arcs",
    "AreaShortfall",
    "Expansion",
    "Flow",
    "Providers",
    "ServicesInstance",
    "ServicesResult",
    "assign",
    "check_services",
    "expansion_cost",
    "full_expansion",
    "no_expansion",
    "reach_arcs",
    "residents_demand",
    "shortlist_residents",
    "solve_services",
]

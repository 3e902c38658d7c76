"""Planning over time: which sites open when, where flexwoningen move, and whether each
period's task is met (spoor 2 and 3).

The stage function is :func:`plan`; :func:`check_plan` re-verifies a plan without a
solver; :func:`greedy_plan` is the baseline ("when short, open the best available site").
"""

from opvang_opt.planning.check import check_plan
from opvang_opt.planning.explain import Reason, render
from opvang_opt.planning.greedy import greedy_plan
from opvang_opt.planning.instance import CostBreakdown, Plan, PlanningInstance, Site, plan_costs
from opvang_opt.planning.solve import BaselineResult, PlanningResult, diagnose, plan

__all__ = [
    "BaselineResult",
    "CostBreakdown",
    "Plan",
    "PlanningInstance",
    "PlanningResult",
    "Reason",
    "Site",
    "check_plan",
    "diagnose",
    "greedy_plan",
    "plan",
    "plan_costs",
    "render",
]

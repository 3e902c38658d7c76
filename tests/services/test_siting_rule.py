"""The services rule of the shortlist: a constraint part with its own feasible and
infeasible tests, the reason it gives, and the checker."""

from __future__ import annotations

import numpy as np
import pytest

from opvang_opt.siting.services_rule import ServicesRule, rule_violations, short_by
from opvang_opt.siting.shortlist import ShortlistProblem, check_shortlist, solve_shortlist
from opvang_opt.status import SolveStatus
from opvang_opt.texts import render


def problem(target: int, need: list[int], places: list[int], pairs: list[tuple[int, int]],
            rule: bool = True) -> ShortlistProblem:  # fmt: skip
    n = len(need)
    svc = ServicesRule(
        need={"taalklas": np.array(need)}, places={"taalklas": np.array(places)},
        pairs={"taalklas": np.array(pairs, dtype=np.int64).reshape(-1, 2)},
    )  # fmt: skip
    return ShortlistProblem(
        ids=np.array([f"S{i}" for i in range(n)]), value=np.array([90.0, 60.0, 50.0][:n]),
        capacity=np.full(n, 10), target=target, eligible=np.ones(n, bool),
        services=svc if rule else None, objective="score", irredundant=False,
    )  # fmt: skip


def test_rule_changes_the_shortlist_and_says_why() -> None:
    # Two sites bring 10 children each; the one school within reach of both has 15 places.
    # Objective: total score, redundant sites allowed. Without the rule both are chosen
    # (more value); with it only the better one fits.
    assert solve_shortlist(problem(10, [10, 10], [15], [(0, 0), (1, 0)], rule=False)
                           ).selected.tolist() == [True, True]  # fmt: skip
    sol = solve_shortlist(problem(10, [10, 10], [15], [(0, 0), (1, 0)]))
    assert sol.selected.tolist() == [True, False]
    assert "services" in sol.binding[1]
    assert "5 taalklasplekken te weinig binnen bereik" in render(sol.reasons[1], "nl")
    assert "5 newcomer-class places short within reach" in render(sol.reasons[1], "en")


def test_rule_uses_a_second_school_within_reach() -> None:
    # S1 also reaches a second school with 5 places: 10 + 10 children fit in 15 + 5.
    sol = solve_shortlist(problem(10, [10, 10], [15, 5], [(0, 0), (1, 0), (1, 1)]))
    assert sol.selected.tolist() == [True, True]


def test_rule_makes_the_target_infeasible_with_diagnosis() -> None:
    sol = solve_shortlist(problem(20, [10, 10], [15], [(0, 0), (1, 0)]))
    assert sol.status == SolveStatus.INFEASIBLE and not sol.target_met
    lines = [render(d, "nl") for d in sol.diagnosis]
    assert any("voorzieningenregel" in d for d in lines), lines


def test_site_out_of_reach_of_every_school_is_never_chosen() -> None:
    sol = solve_shortlist(problem(10, [10, 3], [30], [(0, 0)]))
    assert sol.selected.tolist() == [True, False]


@pytest.mark.parametrize("selected,short", [([True, True], 5), ([True, False], 0),
                                            ([False, True], 0)])  # fmt: skip
def test_checker_measures_the_shortfall_with_a_max_flow(selected, short) -> None:
    p = problem(10, [10, 10], [15], [(0, 0), (1, 0)])
    assert p.services is not None
    assert short_by(p.services, "taalklas", np.array(selected)) == short
    rules = {v.rule for v in check_shortlist(p, np.array(selected)).violations}
    assert ("services_taalklas" in rules) == (short > 0)
    assert len(rule_violations(p.services, np.array(selected))) == (short > 0)

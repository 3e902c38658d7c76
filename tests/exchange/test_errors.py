"""Bad input gets a clear error naming it; infeasible bounds get a diagnosis."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from opvang_opt.errors import InfeasibleError
from opvang_opt.exchange import ExchangeConfig, demo_exchange_data, solve_exchange
from opvang_opt.texts import render

from ._helpers import cfg, one_group_config

A, B = "GM0001", "GM0002"


def errors_of(data) -> dict[str, str]:
    """Each problem's text in Dutch (the scenario loader renders it from the error's context)."""
    with pytest.raises(ValidationError) as exc:
        ExchangeConfig.model_validate(data)
    return {
        ".".join(str(p) for p in e["loc"]): render(
            (e.get("ctx") or {}).get("message", e["msg"]), "nl"
        )
        for e in exc.value.errors()
    }


@pytest.fixture
def data():
    return copy.deepcopy(demo_exchange_data())


def test_demo_block_is_valid(data):
    config = ExchangeConfig.model_validate(data)
    # what the demo promises: Duo+ (Diemen, Ouder-Amstel, Uithoorn) with Diemen's
    # Spreidingswet share of 175 reception places (DESIGN.md section 6)
    assert config.codes == ["GM0384", "GM0437", "GM0451"]
    assert set(config.group_names) == {"asielzoekers", "statushouders", "ontheemden"}
    assert config.task("GM0384", "asielzoekers") == 175
    assert config.task("GM0451", "statushouders") == 46


def test_unknown_municipality_codes_all_reported(data):
    data["tasks"]["GM9999"] = {"asielzoekers": 5}
    data["capacity"].append({"municipality": "GM8888", "type": "flexwoning", "places": 5})
    data["bounds"]["overrides"].append({"municipality": "GM7777", "min_keep_share": 0.5})
    errs = errors_of(data)
    assert "onbekende gemeentecode 'GM9999'" in errs["tasks.GM9999"]
    assert "GM0384" in errs["tasks.GM9999"]  # lists the declared ones
    assert "GM8888" in errs[f"capacity.{len(data['capacity']) - 1}.municipality"]
    assert "GM7777" in errs["bounds.overrides.1.municipality"]


def test_bad_code_pattern(data):
    data["municipalities"][0]["code"] = "0384"
    assert "municipalities.0.code" in errors_of(data)


def test_group_in_rule_not_defined(data):
    data["substitution"].append(
        {"from_group": "arbeidsmigranten", "to_group": "asielzoekers", "rate": 1.0}
    )
    errs = errors_of(data)
    msg = errs["substitution.2.from_group"]
    assert "'arbeidsmigranten'" in msg and "niet gedefinieerd" in msg


def test_group_in_housing_type_and_task_not_defined(data):
    data["housing_types"][0]["groups"].append("studenten")
    data["tasks"]["GM0384"]["studenten"] = 3
    errs = errors_of(data)
    assert "studenten" in errs["housing_types.0.groups.2"]
    assert "studenten" in errs["tasks.GM0384.studenten"]


def test_negative_task(data):
    data["tasks"]["GM0384"]["asielzoekers"] = -5
    errs = errors_of(data)
    assert "tasks.GM0384.asielzoekers" in errs
    assert "greater than or equal to 0" in errs["tasks.GM0384.asielzoekers"]


def test_negative_costs(data):
    data["housing_types"][2]["cost_per_place"] = -1
    data["capacity"][0]["fixed_cost"] = -100
    data["housing_types"][0]["cost_steps"][1]["cost_per_place"] = -3
    errs = errors_of(data)
    assert "housing_types.2.cost_per_place" in errs
    assert "capacity.0.fixed_cost" in errs
    assert "housing_types.0.cost_steps.1.cost_per_place" in errs


@pytest.mark.parametrize("rate", [0, -1.5])
def test_substitution_rate_zero_or_below(data, rate):
    data["substitution"][0]["rate"] = rate
    errs = errors_of(data)
    assert "greater than 0" in errs["substitution.0.rate"]


def test_all_problems_at_once(data):
    data["tasks"]["GM9999"] = {"asielzoekers": 5}
    data["substitution"][0]["to_group"] = "onbekend"
    data["capacity"][0]["type"] = "tent"
    errs = errors_of(data)
    assert {"tasks.GM9999", "substitution.0.to_group", "capacity.0.type"} <= set(errs)


def test_falling_step_costs_and_unknown_keys(data):
    data["housing_types"][0]["cost_steps"] = [
        {"up_to": 10, "cost_per_place": 50},
        {"cost_per_place": 40},
    ]
    data["shapley"]["sample"] = 10  # typo
    errs = errors_of(data)
    assert "dalen" in errs["housing_types.0.cost_steps.1.cost_per_place"]
    assert "shapley.sample" in errs


def test_glop_with_fixed_costs_is_refused(data):
    data["solver"]["backend"] = "glop"  # the demo has a fixed opening cost in Uithoorn
    assert "solver.backend" in errors_of(data)


def test_infeasible_keep_bound_names_municipality_group_and_amount():
    # A keeps all of its 10 but has room for 6: its lower bound must give by 4 places.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 6, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 30, "cost_per_place": 50}]),
            ],
            keep=1.0,
        )
    )
    with pytest.raises(InfeasibleError) as exc:
        solve_exchange(config)
    err = exc.value
    (short,) = err.diagnosis.shortfalls
    assert short.rule == "bounds.min_keep_share[GM0001/g]"
    assert short.short_by == pytest.approx(4)
    text = render(short.message, "nl")
    assert "M01 (GM0001), g" in text and "4 plaatsen" in text
    assert "GM0001" in str(err)
    with pytest.raises(InfeasibleError, match="must give by 4 places"):
        solve_exchange(config, lang="en")


def test_infeasible_intake_bound_diagnosed():
    # A must hand over 4 (room for 6), but B takes at most 1 extra: B's upper bound gives by 3.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 6, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 30, "cost_per_place": 50}]),
            ],
            bounds={
                "default": {"min_keep_share": 0.0},
                "overrides": [{"municipality": B, "max_extra": 1}],
            },
        )
    )
    with pytest.raises(InfeasibleError) as exc:
        solve_exchange(config)
    rules = {s.rule: s for s in exc.value.diagnosis.shortfalls}
    assert rules["bounds.max_extra[GM0002/g]"].short_by == pytest.approx(3)


def test_regional_capacity_shortage_diagnosed():
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 6, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 11, "cost_per_place": 50}]),
            ]
        )
    )
    with pytest.raises(InfeasibleError) as exc:
        solve_exchange(config)
    (short,) = exc.value.diagnosis.shortfalls
    assert short.rule == "capacity[g]"
    assert short.short_by == pytest.approx(3)
    assert "te weinig capaciteit" in render(short.message, "nl")


def test_no_exchange_reference_missing_is_reported_not_raised():
    # The exchange is feasible; without it A is 4 short: no reference cost, with the reason.
    config = cfg(
        one_group_config(
            [
                (A, 10, [{"type": "t", "places": 6, "cost_per_place": 100}]),
                (B, 10, [{"type": "t", "places": 30, "cost_per_place": 50}]),
            ]
        )
    )
    res = solve_exchange(config)
    assert res.no_exchange_cost is None and res.savings is None
    assert "4 plaatsen tekort" in res.no_exchange_message


def test_every_field_is_documented_in_the_json_schema():
    schema = ExchangeConfig.model_json_schema()
    missing = []
    for name, model in [("ExchangeConfig", schema), *schema.get("$defs", {}).items()]:
        for field, spec in model.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    assert not missing, missing


def test_fractional_places_refused_with_integer_places(data):
    # whole persons: 175.5 places cannot be met in whole places without a guess
    data.setdefault("solver", {})["integer_places"] = True
    data["tasks"]["GM0384"]["asielzoekers"] = 175.5
    data["capacity"][0]["places"] = 12.25
    errs = errors_of(data)
    assert "taak 175.5 is geen geheel aantal plaatsen" in errs["tasks.GM0384.asielzoekers"]
    assert "capaciteit 12.25 is geen geheel aantal plaatsen" in errs["capacity.0.places"]
    # without integer_places the model is an LP over fractional places: allowed
    data["solver"]["integer_places"] = False
    assert ExchangeConfig.model_validate(data).task("GM0384", "asielzoekers") == 175.5

"""The scenario schema and loader: strictness, hints, variants and paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from opvang_opt.errors import ScenarioError
from opvang_opt.schema import deep_merge, json_schema, load_scenario, scenario_hash
from opvang_opt.texts import render
from tests.conftest import write_yaml


def _messages(exc: pytest.ExceptionInfo[ScenarioError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_valid_scenario_loads_frozen_with_absolute_paths(tiny) -> None:
    sc = load_scenario(tiny["path"])
    assert sc.layers["longlist"].path == (tiny["data"] / "sites.gpkg").resolve()
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises a ValidationError
        sc.name = "other"  # type: ignore[misc]


def test_unknown_key_gets_did_you_mean(tiny) -> None:
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "exclusion": []}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    (msg,) = _messages(exc)
    assert "siting.exclusion" in msg
    assert "did you mean 'exclusions'" in msg


def test_unknown_key_inside_a_union_member(tiny) -> None:
    raw = dict(tiny["raw"])
    crit = dict(raw["siting"]["criteria"][0])
    crit["catgory"] = crit.pop("category")
    raw["siting"] = {**raw["siting"], "criteria": [crit]}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    text = "\n".join(_messages(exc))
    assert "siting.criteria[0].catgory" in text
    assert "did you mean 'category'" in text


def test_every_problem_is_reported_at_once(tiny) -> None:
    raw = dict(tiny["raw"])
    raw["siting"] = {
        **raw["siting"],
        "target": {"amount": -5},
        "capacity": {"density_units_per_ha": "veel"},
    }
    raw["colour"] = "red"
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    text = "\n".join(_messages(exc))
    assert "siting.target.amount" in text and "greater than or equal to 0" in text
    assert "siting.capacity.density_units_per_ha" in text and "'veel'" in text
    assert "unknown key 'colour'" in text
    assert len(exc.value.problems) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"type": "linear", "lower": 10, "upper": 5}, "bounds in the wrong order"),
        ({"type": "step", "thresholds": [5, 1], "values": [1, 0.5, 0]}, "wrong order"),
        ({"type": "piecewise", "points": [[5, 1], [1, 0]]}, "wrong order"),
        ({"type": "step", "thresholds": [1], "values": [1, 0.5, 0]}, "need 2 values"),
        ({"type": "linear", "lower": 0}, "upper"),
        ({"type": "sigmoid", "lower": 0, "upper": 1}, "type"),
    ],
)
def test_value_function_checks(tiny, value, expected) -> None:
    raw = dict(tiny["raw"])
    crit = dict(raw["siting"]["criteria"][0], value=value)
    raw["siting"] = {**raw["siting"], "criteria": [crit]}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    assert expected in "\n".join(_messages(exc))


def test_weights_must_sum_to_a_positive_value(tiny) -> None:
    raw = dict(tiny["raw"])
    crits = [dict(c, weight=0) for c in raw["siting"]["criteria"]]
    raw["siting"] = {**raw["siting"], "criteria": crits}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    assert "weights must sum to a positive value" in "\n".join(_messages(exc))


def test_reference_to_undefined_layer_has_hint(tiny) -> None:
    raw = dict(tiny["raw"])
    rules = [dict(raw["siting"]["exclusions"][0], layer="natuur")]
    raw["siting"] = {**raw["siting"], "exclusions": rules}
    with pytest.raises(ScenarioError) as exc:
        load_scenario(write_yaml(tiny["dir"] / "bad.yaml", raw))
    assert "layer 'natuur'" in "\n".join(_messages(exc))
    assert "did you mean 'nature'" in "\n".join(_messages(exc))


def test_broken_yaml_names_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("name: x\nsiting: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    assert "not valid YAML" in exc.value.summary_text()
    assert "line" in str(exc.value.problems[0])


def test_a_tab_in_the_indentation_names_its_line_and_says_to_use_spaces(tmp_path: Path) -> None:
    p = tmp_path / "tab.yaml"
    p.write_text("name: x\nsiting:\n\tshortlist: {}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    (problem,) = exc.value.problems
    assert render(problem.where, "en") == "line 3, column 1"
    assert "YAML indents with spaces, not tabs" in problem.text("en")


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(tmp_path / "nope.yaml")
    assert "not found" in exc.value.summary_text()


def test_variant_extends_base_and_keeps_base_paths(tiny) -> None:
    sub = tiny["dir"] / "variants"
    sub.mkdir()
    variant = write_yaml(
        sub / "v.yaml",
        {
            "extends": "../tiny.yaml",
            "name": "tiny-variant",
            "siting": {"target": {"amount": 60}, "capacity": {"density_units_per_ha": 40}},
        },
    )
    sc = load_scenario(variant)
    assert sc.name == "tiny-variant"
    assert sc.siting.target.amount == 60
    assert sc.siting.capacity.density_units_per_ha == 40
    assert len(sc.siting.criteria) == 2  # inherited
    # the base's relative paths stay relative to the base file, not the variant
    assert sc.layers["longlist"].path == (tiny["data"] / "sites.gpkg").resolve()
    assert sc.extends == str(tiny["path"].resolve())


def test_variant_paths_are_relative_to_the_variant(tiny) -> None:
    sub = tiny["dir"] / "variants"
    sub.mkdir()
    variant = write_yaml(
        sub / "v.yaml",
        {"extends": "../tiny.yaml", "layers": {"pois": {"path": "pois2.gpkg", "layer": "pois"}}},
    )
    sc = load_scenario(variant)
    assert sc.layers["pois"].path == (sub / "pois2.gpkg").resolve()


def test_extends_cycle_and_missing_base(tiny) -> None:
    a = write_yaml(tiny["dir"] / "a.yaml", {"extends": "b.yaml"})
    write_yaml(tiny["dir"] / "b.yaml", {"extends": "a.yaml"})
    with pytest.raises(ScenarioError, match="extends itself"):
        load_scenario(a)
    c = write_yaml(tiny["dir"] / "c.yaml", {"extends": "missing.yaml"})
    with pytest.raises(ScenarioError, match="Base scenario not found"):
        load_scenario(c)


def test_deep_merge_replaces_lists_and_merges_mappings() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert deep_merge(base, {"a": {"c": [3]}}) == {"a": {"b": 1, "c": [3]}, "d": 1}


def test_hash_is_stable_and_sensitive(tiny) -> None:
    sc = load_scenario(tiny["path"])
    assert scenario_hash(sc, tiny["dir"]) == scenario_hash(load_scenario(tiny["path"]), tiny["dir"])
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "target": {"amount": 31}}
    other = load_scenario(write_yaml(tiny["dir"] / "o.yaml", raw))
    assert scenario_hash(other, tiny["dir"]) != scenario_hash(sc, tiny["dir"])


def test_json_schema_documents_fields_and_forbids_extra() -> None:
    schema = json_schema()
    json.dumps(schema)
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert {"name", "layers", "siting", "region", "outputs", "extends"} <= set(props)
    lin = schema["$defs"]["LinearValue"]
    assert "fixed" in lin["properties"]["lower"]["description"]


def test_bundled_scenarios_validate() -> None:
    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted(p for p in root.rglob("*.yaml") if "sweeps" not in p.parts)
    assert len(files) >= 2
    for f in files:
        load_scenario(f)


def _with_ahp(tiny, matrix, **extra):
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "ahp": {"matrix": matrix, **extra}}
    return write_yaml(tiny["dir"] / "ahp.yaml", raw)


def test_ahp_weights_replace_criterion_weights(tiny) -> None:
    from opvang_opt.io import load
    from opvang_opt.pipeline import run

    # criterion 1 is 3 times as important as criterion 2: weights 0.75 / 0.25, CR 0
    result = run(*load(_with_ahp(tiny, [[1, 3], [1 / 3, 1]])))
    assert [c.weight for c in result.siting.criteria] == pytest.approx([0.75, 0.25])
    assert result.siting.summary.ahp_consistency_ratio == 0


def test_ahp_matrix_must_be_reciprocal_and_square(tiny) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_with_ahp(tiny, [[1, 3], [1, 1]]))
    assert "not reciprocal" in "\n".join(_messages(exc))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_with_ahp(tiny, [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]))
    assert "must be 2 x 2" in "\n".join(_messages(exc))


def test_inconsistent_ahp_rejected_unless_accepted(tiny) -> None:
    # three criteria; a > b (9), b > c (9) but c > a (9): very inconsistent
    raw = dict(tiny["raw"])
    third = {"name": "area", "kind": "area", "value": {"type": "linear", "lower": 0,
                                                       "upper": 20000}}  # fmt: skip
    raw["siting"] = {
        **raw["siting"],
        "criteria": [*raw["siting"]["criteria"], third],
        "ahp": {"matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]},
    }
    path = write_yaml(tiny["dir"] / "bad_ahp.yaml", raw)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert "inconsistent: consistency ratio" in "\n".join(_messages(exc))
    raw["siting"]["ahp"]["accept_inconsistent"] = True
    from opvang_opt.io import load
    from opvang_opt.pipeline import run

    result = run(*load(write_yaml(tiny["dir"] / "ok_ahp.yaml", raw)))
    assert result.siting.summary.ahp_consistency_ratio > 0.1
    assert result.siting.summary.ahp_accepted_inconsistent is True


def test_topsis_scoring_uses_fixed_ideal(tiny) -> None:
    from opvang_opt.io import load
    from opvang_opt.pipeline import run

    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "method": "topsis", "exclusions": []}
    sites = run(*load(write_yaml(tiny["dir"] / "t.yaml", raw))).siting.sites
    # site A: values (0.9, 0.8), weights (2/3, 1/3): distance to the ideal 1 and anti-ideal 0
    w = np.array([2 / 3, 1 / 3])
    v = np.array([0.9, 0.8])
    d_plus = np.sqrt(((w * (1 - v)) ** 2).sum())
    d_minus = np.sqrt(((w * v) ** 2).sum())
    assert sites.loc[0, "score"] == pytest.approx(100 * d_minus / (d_plus + d_minus), abs=1e-3)


def test_optimise_needs_a_limit(tiny) -> None:
    # only the old score objectives fill every site without a limit (issue 13 changed the
    # default objective to people, which is irredundant and needs no limit)
    raw = dict(tiny["raw"])
    raw["siting"] = {**raw["siting"], "shortlist": {"method": "optimise", "objective": "score"}}
    with pytest.raises(ScenarioError, match="optimise with objective score needs a limit"):
        load_scenario(write_yaml(tiny["dir"] / "o.yaml", raw))
    raw["siting"] = {**raw["siting"], "shortlist": {"method": "optimise"}}
    assert load_scenario(write_yaml(tiny["dir"] / "p.yaml", raw)).siting.shortlist.objective == (
        "people"
    )


@pytest.mark.parametrize("text", ["1.000", "15.000", "250.000.000", "-2.000"])
def test_a_number_with_a_thousands_point_is_refused_with_both_readings(
    tmp_path: Path, text: str
) -> None:
    # YAML reads 15.000 as 15.0; written the Dutch way it is fifteen thousand: never guessed
    p = tmp_path / "points.yaml"
    p.write_text(f"name: x\nsiting:\n  shortlist:\n    budget_eur: {text}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    (problem,) = exc.value.problems
    assert (render(problem.where, "en"), problem.field) == ("line 4", "siting.shortlist.budget_eur")
    plain = text.replace(".", "")
    assert f"write {plain} (or {text.split('.')[0]} without the point)" in problem.text("en")


@pytest.mark.parametrize("text", ["0.125", "2.833", "1.5", "1.250", '"15.000"', "15000"])
def test_numbers_that_are_no_thousands_point_pass_the_reading(tmp_path: Path, text: str) -> None:
    from opvang_opt.schema.loader import read_yaml

    p = tmp_path / "fine.yaml"
    p.write_text(f"name: x\nvalue: {text}\n", encoding="utf-8")
    assert read_yaml(p)["value"] is not None


def test_a_decimal_comma_or_a_percent_sign_says_what_to_write(tmp_path: Path) -> None:
    p = tmp_path / "comma.yaml"
    p.write_text(
        "name: x\nsiting:\n  capacity:\n    persons_per_unit: 2,8\n"
        "planning:\n  discount_rate: 2.25%\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    found = {pr.field: pr.text("en") for pr in exc.value.problems}
    assert "write 2.8" in found["siting.capacity.persons_per_unit"]
    assert "2.25% is 0.0225" in found["planning.discount_rate"]

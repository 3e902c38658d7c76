"""Parameter paths (the sweep's and the comparison's naming of settings) and --vary parsing."""

from __future__ import annotations

import pytest

from opvang_opt.errors import ScenarioError
from opvang_opt.schema.paths import Index, Key, Match, ParamPath, flatten, resolve, set_in
from opvang_opt.schema.sweep import ValueRange, arange_inclusive
from opvang_opt.workflows.sweep_plan import parse_vary

DATA = {
    "siting": {
        "target": {"amount": 600, "unit": "places"},
        "criteria": [
            {"name": "station", "weight": 2.0},
            {"name": "ov_halte", "weight": 1.5},
        ],
        "ahp": None,
    },
    "exchange": {
        "capacity": [
            {"municipality": "GM0384", "type": "flexwoning", "places": 180},
            {"municipality": "GM0384", "type": "opvanglocatie", "places": 150},
        ],
        "tasks": {"GM0384": {"asielzoekers": 175}},
    },
}


@pytest.mark.parametrize(
    ("text", "steps", "canonical"),
    [
        ("siting.target.amount", (Key("siting"), Key("target"), Key("amount")),
         "siting.target.amount"),
        ("siting.criteria[0].weight", (Key("siting"), Key("criteria"), Index(0), Key("weight")),
         "siting.criteria[0].weight"),
        ("siting.criteria[ station ].weight",
         (Key("siting"), Key("criteria"), Match((("name", "station"),)), Key("weight")),
         "siting.criteria[station].weight"),
        ("exchange.capacity[municipality=GM0384, type=flexwoning].places",
         (Key("exchange"), Key("capacity"),
          Match((("municipality", "GM0384"), ("type", "flexwoning"))), Key("places")),
         "exchange.capacity[municipality=GM0384,type=flexwoning].places"),
        ("siting.criteria[-1]", (Key("siting"), Key("criteria"), Index(-1)),
         "siting.criteria[-1]"),
    ],
)  # fmt: skip
def test_parse(text, steps, canonical):
    p = ParamPath.parse(text)
    assert p.steps == steps
    assert p.text == canonical


@pytest.mark.parametrize(
    ("text", "needle"),
    [("", "empty"), ("siting.", "ends with a dot"), ("siting..x", "expected a key"),
     ("siting.criteria[0", "unclosed"), ("siting.criteria[]", "empty []"),
     ("a[x=]", "key=value"), ("a b", "unexpected ' '")],
)  # fmt: skip
def test_parse_errors(text, needle):
    with pytest.raises(ValueError, match=needle.replace("[", r"\[")):
        ParamPath.parse(text)


def test_resolve_by_position_name_and_conditions():
    assert resolve(DATA, ParamPath.parse("siting.target.amount")) == (
        ("siting", "target", "amount"), 600,
    )  # fmt: skip
    assert resolve(DATA, ParamPath.parse("siting.criteria[ov_halte].weight")) == (
        ("siting", "criteria", 1, "weight"), 1.5,
    )  # fmt: skip
    assert resolve(DATA, ParamPath.parse("siting.criteria[-1].name"))[0][2] == 1
    keys, value = resolve(DATA, ParamPath.parse("exchange.capacity[type=opvanglocatie].places"))
    assert keys == ("exchange", "capacity", 1, "places") and value == 150
    assert resolve(DATA, ParamPath.parse("exchange.tasks.GM0384.asielzoekers"))[1] == 175


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("siting.target.amout", "has no key 'amout' (did you mean 'amount'?)"),
        ("siting.criteria[statoin].weight", "did you mean 'station'?"),
        ("siting.criteria[5].weight", "has 2 element(s); position 5 is out of range"),
        ("siting.target.amount.x", "is a value (600), not a section"),
        ("siting.target[0]", "is a section, not a list"),
        ("siting.ahp.matrix", "siting.ahp is not set in the base scenario"),
        ("exchange.capacity[foo].places", "have no 'name'; select one by position"),
        ("exchange.capacity[municipality=GM0384].places", "2 elements matching"),
    ],
)  # fmt: skip
def test_resolve_errors_say_what_and_where(text, needle):
    with pytest.raises(KeyError) as info:
        resolve(DATA, ParamPath.parse(text))
    assert needle in str(info.value.args[0])


def test_set_in_creates_missing_sections():
    raw = {"siting": {"criteria": [{"name": "a"}]}}
    set_in(raw, ("siting", "robustness", "samples"), 0)
    set_in(raw, ("siting", "criteria", 0, "weight"), 3)
    assert raw == {"siting": {"criteria": [{"name": "a", "weight": 3}],
                              "robustness": {"samples": 0}}}  # fmt: skip


def test_flatten_keys_named_lists_by_name():
    flat = flatten(DATA)
    assert flat["siting.criteria[station].weight"] == 2.0
    assert flat["exchange.capacity[1].places"] == 150  # no names: by position
    assert flat["siting.ahp"] is None
    # every flattened key is itself a valid path that resolves to the same value
    for key, value in flat.items():
        assert resolve(DATA, ParamPath.parse(key))[1] == value


def test_arange_inclusive():
    assert arange_inclusive(400, 800, 100) == [400, 500, 600, 700, 800]
    assert arange_inclusive(0.1, 0.3, 0.1) == [0.1, 0.2, 0.3]  # stop reached despite rounding
    assert arange_inclusive(10, 0, -5) == [10, 5, 0]
    assert arange_inclusive(700, 600, 50) == []
    assert all(isinstance(v, int) for v in arange_inclusive(1, 3, 1))


def test_parse_vary_lists_and_ranges():
    assert parse_vary("siting.target.amount=450,600") == ("siting.target.amount", [450, 600])
    path, spec = parse_vary("siting.target.amount=400:600:100")
    assert isinstance(spec, ValueRange) and spec.values() == [400, 500, 600]
    # '=' inside a selector is part of the path; values are YAML (bool, date, text)
    path, vals = parse_vary("exchange.capacity[type=flexwoning].places=1,2")
    assert path == "exchange.capacity[type=flexwoning].places" and vals == [1, 2]
    _, vals = parse_vary("siting.robustness.one_at_a_time=true,false")
    assert vals == [True, False]
    _, vals = parse_vary("siting.shortlist.available_by=2027-06-30")
    assert str(vals[0]) == "2027-06-30"


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("siting.target.amount", "expected PATH=V1,V2"),
        ("siting.target.amount=", "no values after 'siting.target.amount='"),
        ("=1,2", "no parameter path"),
        ("siting.target.amount=700:600:50", "has no values: start 700 is above stop 600"),
        ("siting.target.amount=1:5:0", "step 0"),
        ("siting.target.amount=1,,2", "an empty value"),
    ],
)  # fmt: skip
def test_parse_vary_errors_name_the_option(option, needle):
    with pytest.raises(ScenarioError) as info:
        parse_vary(option)
    assert option in info.value.summary_text("en")
    assert needle in info.value.render()

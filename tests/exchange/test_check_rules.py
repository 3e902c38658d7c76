"""Each rule of the exchange checker, broken on its own, is reported under its code with the
ids involved; and a substitution worked by hand (rate and maximum share other than 1)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from opvang_opt.exchange import check_exchange, solve_exchange
from opvang_opt.exchange.check import _bounds

from ._helpers import cfg, muni, one_group_config


@pytest.fixture(scope="module")
def solved(demo):
    return demo, solve_exchange(demo)


def rules(report) -> dict[str, list[str]]:
    """The messages of a report by rule code (every violation is a Violation)."""
    out: dict[str, list[str]] = {}
    for v in report.violations:
        out.setdefault(v.rule, []).append(v.message)
    return out


def test_negative_places_are_reported_as_places(solved):
    config, res = solved
    p = res.placements.copy()
    row = p.iloc[0]
    p.loc[p.index[0], "places"] = -1.0
    got = rules(check_exchange(config, dataclasses.replace(res, placements=p)))
    where = f"{row.municipality_code}/{row.housing_type}/{row.group}"
    assert any(where in m for m in got["places"]), got


def test_a_group_the_type_may_not_house_is_reported_as_groups(solved):
    config, res = solved
    p = res.placements.copy()
    row = p[p["housing_type"] == "sociale_huur"].iloc[0].copy()
    row["group"], row["places"] = "asielzoekers", 1.0
    p.loc[len(p)] = row
    got = rules(check_exchange(config, dataclasses.replace(res, placements=p)))
    assert any("sociale_huur" in m and row.municipality_code in m for m in got["groups"]), got


def test_places_beyond_or_without_capacity_are_reported_as_capacity():
    # A may house 10 places of type tA; B has no tB capacity at all
    config = cfg(one_group_config([("GM0001", 10, [{"type": "ta", "places": 10,
                                                    "cost_per_place": 1}]),
                                   ("GM0002", 0, [{"type": "tb", "places": 5,
                                                   "cost_per_place": 1}])]))  # fmt: skip
    res = solve_exchange(config)
    p = res.placements.copy()
    p.loc[p["municipality_code"] == "GM0001", "places"] = 12.0
    got = rules(check_exchange(config, dataclasses.replace(res, placements=p)))
    assert any("GM0001/ta" in m for m in got["capacity"]), got
    # 2 places where B has no capacity of type ta, listed first: they cost nothing, and
    # the places after them are still checked and costed (the objective stays right)
    extra = p.iloc[[0]].assign(municipality_code="GM0002", housing_type="ta", places=2.0)
    p2 = pd.concat([extra, res.placements], ignore_index=True)
    got = rules(check_exchange(config, dataclasses.replace(res, placements=p2)))
    assert any("zonder capaciteit" in m and "GM0002/ta" in m for m in got["capacity"]), got
    assert "objective" not in got, got


def test_unmet_places_of_a_group_without_an_unmet_cost_are_reported_as_unmet():
    config = cfg(one_group_config([("GM0001", 10, [{"type": "ta", "places": 10,
                                                    "cost_per_place": 1}]),
                                   ("GM0002", 0, [{"type": "tb", "places": 5,
                                                   "cost_per_place": 1}])]))  # fmt: skip
    res = solve_exchange(config)
    p = res.placements.copy()
    p.loc[p["municipality_code"] == "GM0001", "places"] = 7.0
    ex = res.exchange.copy()
    ex.loc[ex["municipality_code"] == "GM0001", "unmet"] = 3.0  # balance holds: 7 + 3 = 10
    fixed = dataclasses.replace(res, placements=p, exchange=ex, objective=7.0)
    got = rules(check_exchange(config, fixed))
    assert set(got) == {"unmet"} and "GM0001/g" in got["unmet"][0], got


def test_balance_conservation_flows_and_objective_each_under_their_code(solved):
    config, res = solved
    ex = res.exchange.copy()
    ex.loc[0, "unmet"] += 3  # 3 more unmet places than the placements leave
    code, group = ex.loc[0, "municipality_code"], ex.loc[0, "group"]
    got = rules(check_exchange(config, dataclasses.replace(res, exchange=ex)))
    assert any(f"{code}/{group}" in m for m in got["balance"]), got
    ex = res.exchange.copy()
    ex.loc[0, "net_transfer"] += 5
    ex.loc[0, "unmet"] += 5  # the balance still holds; the region gains 5 places
    got = rules(check_exchange(config, dataclasses.replace(res, exchange=ex)))
    assert any(group in m for m in got["conservation"]), got
    f = res.flows.copy()
    f.loc[0, "places"] += 1
    got = rules(check_exchange(config, dataclasses.replace(res, flows=f)))
    assert set(got) == {"flows"}, got
    assert any(f"{f.loc[0, 'from_code']}/{f.loc[0, 'group']}" in m for m in got["flows"])
    # one flow split over two rows is the same flow
    halves = pd.concat([res.flows.iloc[[0]]] * 2 + [res.flows.iloc[1:]], ignore_index=True)
    halves.loc[[0, 1], "places"] = res.flows.loc[0, "places"] / 2
    report = check_exchange(config, dataclasses.replace(res, flows=halves))
    assert report.is_ok and report.checker == "exchange", report.violations
    got = rules(check_exchange(config, dataclasses.replace(res, objective=res.objective + 1e4)))
    assert set(got) == {"objective"}, got


def test_substitutions_without_a_rule_negative_or_beyond_the_placements(solved):
    config, res = solved
    code = config.codes[0]
    row = {"municipality_code": code, "municipality": "x", "rate": 1.0, "credited": 0.0}
    no_rule = pd.DataFrame([{**row, "from_group": "asielzoekers", "to_group": "statushouders",
                             "places": 1.0}])  # fmt: skip
    got = rules(check_exchange(config, dataclasses.replace(res, substitutions=no_rule)))
    assert any("asielzoekers -> statushouders" in m for m in got["substitution"]), got
    negative = no_rule.assign(from_group="ontheemden", to_group="asielzoekers", places=-1.0)
    got = rules(check_exchange(config, dataclasses.replace(res, substitutions=negative)))
    assert any("negatieve" in m and code in m for m in got["substitution"]), got
    placed = res.placements.query("municipality_code == @code and group == 'ontheemden'")
    beyond = negative.assign(places=float(placed["places"].sum()) + 1)
    got = rules(check_exchange(config, dataclasses.replace(res, substitutions=beyond)))
    assert any(f"{code}/ontheemden" in m for m in got["substitution"]), got


def test_intake_limit_follows_the_config_unless_given(solved):
    # a shift of 1% limits what a municipality hands over and, when the tradeoff says so,
    # what it takes over; the demo solution takes over far more than 1% of some task
    config, res = solved
    limiting = config.model_copy(
        update={"tradeoff": config.tradeoff.model_copy(update={"limit_intake": True})}
    )
    narrow = dataclasses.replace(res, shift=0.01)

    def takes_over(report) -> bool:
        return any("neemt" in m for m in rules(report).get("bounds", []))

    assert takes_over(check_exchange(limiting, narrow))  # default: the config's True
    assert not takes_over(check_exchange(limiting, narrow, limit_intake=False))
    assert not takes_over(check_exchange(config, narrow))  # the demo's False
    assert takes_over(check_exchange(config, narrow, limit_intake=True))
    # what is handed over is reported as a positive number of places
    hands = [m for m in rules(check_exchange(config, narrow)).get("bounds", []) if "draagt" in m]
    assert hands and all(m.split("draagt ")[1][0].isdigit() for m in hands), hands
    # a shift of 100% limits nothing the bounds did not already limit: every municipality
    # that takes over takes at most its own task in the demo solution
    ex = res.exchange
    takers = ex[ex["net_transfer"] > 0]
    assert (takers["net_transfer"] <= takers["task"]).all()
    whole = dataclasses.replace(res, shift=1.0)
    assert check_exchange(limiting, whole).is_ok
    assert check_exchange(config, whole).is_ok


def substitution_config(max_share: float):
    """A: asylum task 10, 8 reception places at 100; status-holder task 4, 10 flexible
    places at 50. One status-holder place counts as half an asylum place, up to max_share
    of the asylum places credited. B has no task and one flexible place."""
    return cfg(
        {
            "municipalities": [muni("GM0001", "A"), muni("GM0002", "B")],
            "groups": [{"name": "a", "unmet_cost_per_place": 1000},
                       {"name": "s", "unmet_cost_per_place": 1000}],
            "tasks": {"GM0001": {"a": 10, "s": 4}, "GM0002": {"a": 0, "s": 0}},
            "housing_types": [{"name": "opv", "groups": ["a"]},
                              {"name": "flex", "groups": ["s"]}],
            "capacity": [
                {"municipality": "GM0001", "type": "opv", "places": 8, "cost_per_place": 100},
                {"municipality": "GM0001", "type": "flex", "places": 10, "cost_per_place": 50},
                {"municipality": "GM0002", "type": "flex", "places": 1, "cost_per_place": 50},
            ],
            "substitution": [{"from_group": "s", "to_group": "a", "rate": 0.5,
                              "max_share": max_share}],
            "bounds": {"default": {"min_keep_share": 1.0}},
        }
    )  # fmt: skip


def by_hand(config, res, sub_places: float | list[float], no_rule: float | None = None):
    """A houses 8 asylum seekers and 8 status holders, 4 of whom count for asylum: 4 x 0.5
    = 2 asylum places, so 8 + 2 = 10 asylum and 8 - 4 = 4 status-holder places are
    credited, nothing unmet. Cost 8 x 100 + 8 x 50 = 1,200. ``sub_places`` may be split
    over several rows; ``no_rule`` adds a first row a -> s, for which there is no rule."""
    split = sub_places if isinstance(sub_places, list) else [sub_places]
    placements = pd.DataFrame(
        {"municipality_code": ["GM0001", "GM0001"], "housing_type": ["opv", "flex"],
         "group": ["a", "s"], "places": [8.0, 8.0]}
    )  # fmt: skip
    subs = pd.DataFrame(
        {"municipality_code": "GM0001", "from_group": "s", "to_group": "a", "places": split}
    )
    if no_rule is not None:
        first = {"municipality_code": "GM0001", "from_group": "a", "to_group": "s",
                 "places": no_rule}  # fmt: skip
        subs = pd.concat([pd.DataFrame([first]), subs], ignore_index=True)
    ex = res.exchange.copy()
    ex["net_transfer"], ex["unmet"] = 0.0, 0.0
    flows = res.flows.iloc[0:0]
    return dataclasses.replace(
        res, placements=placements, substitutions=subs, exchange=ex, flows=flows,
        objective=1200.0, shift=None,
    )  # fmt: skip


def test_substitution_worked_by_hand():
    config = substitution_config(max_share=0.25)
    res = solve_exchange(config)
    assert res.objective == pytest.approx(1200.0)  # no cheaper way exists (see by_hand)
    report = check_exchange(config, by_hand(config, res, 4.0))
    assert report.is_ok, report.violations
    assert report.objective == pytest.approx(1200.0)
    # the same 4 places in two rows of 2, or with an empty row: the same solution
    assert check_exchange(config, by_hand(config, res, [2.0, 2.0])).is_ok
    assert check_exchange(config, by_hand(config, res, [4.0, 0.0])).is_ok
    # a row without a rule is reported, and not counted: the rows after it still are
    got = rules(check_exchange(config, by_hand(config, res, 4.0, no_rule=1.0)))
    assert set(got) == {"substitution"} and "a -> s" in got["substitution"][0], got
    # counting 6 status holders for asylum: 3 credited (8 + 3 = 11, one too many: balance),
    # only 8 - 6 = 2 status holders left for a task of 4 (balance), and 3 > 25% of 11
    got = rules(check_exchange(config, by_hand(config, res, 6.0)))
    assert set(got) == {"balance", "substitution_share"}, got
    assert any("GM0001/a" in m for m in got["balance"]) and any(
        "GM0001/s" in m for m in got["balance"]
    )


def test_substitution_share_worked_by_hand():
    # 2 asylum places credited by substitution out of 10: 20%, above a maximum of 15%
    config = substitution_config(max_share=0.15)
    res = solve_exchange(config)
    got = rules(check_exchange(config, by_hand(config, res, 4.0)))
    assert set(got) == {"substitution_share"}, got
    assert "GM0001" in got["substitution_share"][0] and "15%" in got["substitution_share"][0]
    # 20% is allowed at a maximum of exactly 20%
    assert check_exchange(substitution_config(0.2), by_hand(config, res, 4.0)).is_ok


def test_bounds_take_municipality_then_group_overrides():
    data = one_group_config(
        [("GM0001", 10, [{"type": "ta", "places": 10, "cost_per_place": 1}]),
         ("GM0002", 10, [{"type": "tb", "places": 10, "cost_per_place": 1}]),
         ("GM0003", 10, [{"type": "tc", "places": 10, "cost_per_place": 1}])],
        keep=0.5,
    )  # fmt: skip
    data["bounds"]["default"].update({"max_extra": 7, "max_extra_share": 0.4})
    data["bounds"]["overrides"] = [
        {"municipality": "GM0001", "group": "g", "min_keep_share": 0.9, "max_extra_share": 0.2},
        {"municipality": "GM0001", "min_keep_share": 0.1, "max_extra": 3},
        {"municipality": "GM0002", "max_extra": 5},
        {"municipality": "GM0002", "group": "g", "max_extra": 6},
        {"municipality": "GM0003", "min_keep_share": 0.3},
    ]
    keep, extra, share = _bounds(cfg(data))
    # the group override beats the municipality one whatever their order; unset fields
    # fall back to the municipality override, then to the default
    assert keep == {("GM0001", "g"): 0.9, ("GM0002", "g"): 0.5, ("GM0003", "g"): 0.3}
    assert extra == {("GM0001", "g"): 3, ("GM0002", "g"): 6, ("GM0003", "g"): 7}
    assert share == {("GM0001", "g"): 0.2, ("GM0002", "g"): 0.4, ("GM0003", "g"): 0.4}
    # no keep share anywhere: nothing has to stay; no limits: no limit
    data["bounds"] = {"default": {"min_keep_share": None}}
    keep, extra, share = _bounds(cfg(data))
    assert set(keep.values()) == {0.0}
    assert set(extra.values()) == set(share.values()) == {float("inf")}

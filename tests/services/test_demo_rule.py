"""On the demo: turning the services rule on changes the shortlist, and the run says so."""

from __future__ import annotations

from pathlib import Path

from opvang_opt.io import load_inputs
from opvang_opt.schema import load_scenario
from opvang_opt.services.siting_rule import shortlist_rule
from opvang_opt.services.stage import rule_notes
from opvang_opt.siting import run_siting
from opvang_opt.texts import render

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo.yaml"


def test_services_rule_changes_the_demo_shortlist_and_says_so() -> None:
    sc = load_scenario(DEMO)
    assert sc.services is not None
    inputs = load_inputs(sc)
    assert inputs.services is not None
    id_col = inputs.siting.id_column
    without = run_siting(sc.siting, inputs.siting)
    cfg = sc.services.model_copy(update={"siting_rule": sc.services.siting_rule.model_copy(
        update={"enabled": True})})  # fmt: skip
    from dataclasses import replace

    with_rule = run_siting(
        sc.siting, replace(inputs.siting, services_rule=shortlist_rule(cfg, inputs.services))
    )
    before = set(without.shortlist[id_col])
    after = set(with_rule.shortlist[id_col])
    assert before != after
    assert with_rule.summary.target_met
    # every site the rule keeps out says so, with the number of places short
    held = with_rule.sites[with_rule.sites["binding"].astype(str).str.contains("services")]
    assert len(held) and held["decision"].str.contains("plekken te weinig binnen bereik").all()
    # a dropped site that was chosen without the rule is among them
    dropped = before - after
    assert dropped & set(held[id_col])
    (note,) = rule_notes(cfg, with_rule.sites, id_col)
    assert "voorzieningenregel houdt" in render(note, "nl")

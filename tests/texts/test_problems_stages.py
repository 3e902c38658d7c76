"""The stages' input problems come from the catalogue (Dutch default, English complete).

A scan of the source (AST) fails when a ``Problem(...)``, an ``OpvangError``-family raise,
a ``where=`` or an allocation table check (``out.add(...)``) in the stages' modules gets a
plain string or an f-string instead of a catalogue ``Message``: a new English-only text
cannot slip in. The catalogue file itself is checked for keys of its own, both languages
and a Dutch text that is not the English one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from opvang_opt.errors import Problem
from opvang_opt.texts import CATALOGUE, Message, problems_io, problems_stages, render

SRC = Path(__file__).resolve().parents[2] / "src" / "opvang_opt"

MODULES = sorted(
    {
        SRC / "io" / "planning.py",
        SRC / "io" / "services.py",
        SRC / "io" / "inputs.py",
        SRC / "allocation" / "validate.py",
        SRC / "siting" / "capacity.py",
        SRC / "siting" / "criteria.py",
        SRC / "siting" / "exclusions.py",
        SRC / "siting" / "frontier.py",
        SRC / "siting" / "robustness.py",
        SRC / "siting" / "shortlist.py",
        SRC / "siting" / "stage.py",
        SRC / "exchange" / "__init__.py",
        SRC / "workflows" / "compare.py",
        SRC / "workflows" / "sweep_plan.py",
        SRC / "workflows" / "sweep_run.py",
        *(SRC / "planning").glob("*.py"),
        *(SRC / "services").glob("*.py"),
    }
)
"""The modules whose input problems this catalogue holds (``problems_stages``)."""

ERRORS = {"OpvangError", "DataError", "ScenarioError", "OutputError", "ClusterError",
          "NoSolutionError"}  # fmt: skip
"""The user-error classes whose summary a user reads (``InfeasibleError`` carries its
rendered summary and the message beside it; ``InternalError`` is a bug report)."""

ALLOWED: set[tuple[str, str]] = set()
"""(module, source text) of a literal allowed where a message belongs (none now: a
scenario key path such as ``allocation.mix_rules[2].sites`` is the problem's field). A text
copied verbatim from another tool is wrapped in a message that says in both languages what
it is, not added here."""


def _plain_text(node: ast.expr | None) -> bool:
    """A str literal, an f-string, or text joined with ``+`` / ``%``: English-only text."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _plain_text(node.left) or _plain_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _plain_text(node.func.value)
    return False


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _arg(call: ast.Call, i: int, keyword: str) -> ast.expr | None:
    if len(call.args) > i and not isinstance(call.args[i], ast.Starred):
        return call.args[i]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _offences(path: Path) -> list[str]:
    """Every plain text where a message belongs in ``path``, as ``file:line: source``."""
    return _offences_in(path.read_text(encoding="utf-8"), path.relative_to(SRC).as_posix())


def _offences_in(text: str, rel: str) -> list[str]:
    """Every plain text where a message belongs in the source ``text`` of module ``rel``."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        checked: list[ast.expr | None] = []
        if name == "Problem":
            checked = [_arg(node, 0, "message"), _arg(node, 2, "where")]
        elif name in ERRORS:
            checked = [_arg(node, 0, "summary")]
        elif name == "add" and rel == "allocation/validate.py" and len(node.args) >= 2:
            checked = [_arg(node, 1, "message"), _arg(node, 2, "where")]
        checked += [k.value for k in node.keywords if k.arg == "where"]
        for arg in checked:
            if _plain_text(arg):
                assert arg is not None
                src = ast.get_source_segment(text, arg) or ""
                if (rel, src) not in ALLOWED:
                    found.append(f"{rel}:{arg.lineno}: {src}")
    return found


def test_the_stages_build_their_problems_from_the_catalogue() -> None:
    offences = [o for path in MODULES for o in _offences(path)]
    assert not offences, "plain text where a catalogue message belongs:\n" + "\n".join(offences)


def test_the_scan_finds_a_plain_text() -> None:
    # the scan itself: each kind of offence in a made-up module is found, a message is not
    bad = (
        "Problem('empty id', source=label)\n"
        "Problem(Message('problem.planning.empty_id'), label, f'row {i}')\n"
        "raise DataError(f'{n} problem(s)', problems)\n"
        "x = Problem(msg, where='row ' + str(i))\n"
        "out.add('units', 'missing id', None, 'unit_id')\n"
        "Problem(Message('k', {'v': f'{v}'}), label, Message('problem.where.row', {'row': 2}))\n"
    )
    lines = [int(o.split(":")[1]) for o in _offences_in(bad, "allocation/validate.py")]
    assert sorted(set(lines)) == [1, 2, 3, 4, 5]


def test_every_message_key_the_stages_name_is_in_the_catalogue() -> None:
    missing = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node) == "Message" and node.args:
                key = node.args[0]
                literal = isinstance(key, ast.Constant) and isinstance(key.value, str)
                if literal and key.value not in CATALOGUE:
                    missing.append(f"{path.name}:{node.lineno}: {key.value}")
    assert not missing


@pytest.mark.parametrize(
    "key",
    [
        # keys built from a name (f"problem.planning.unknown_{what}", _m(f"where.{kind}"))
        "problem.planning.unknown_period",
        "problem.planning.unknown_municipality",
        "problem.planning.unknown_group",
        "problem.allocation.where.household",
        "problem.allocation.where.unit",
        "problem.allocation.where.site",
        "problem.allocation.where.school",
        "problem.allocation.where.gp",
    ],
)
def test_keys_built_from_a_name_exist(key: str) -> None:
    assert key in CATALOGUE


PREFIXES = ("table.", "planning.", "services.", "inputs.", "allocation.", "siting.",
            "exchange.", "sweep.", "compare.")  # fmt: skip


def test_the_catalogue_file_has_keys_of_its_own() -> None:
    assert not set(problems_stages.TEXTS) & set(problems_io.TEXTS)
    assert all(k.startswith(PREFIXES) for k in problems_stages.TEXTS), [
        k for k in problems_stages.TEXTS if not k.startswith(PREFIXES)
    ]
    for key, texts in problems_stages.TEXTS.items():
        assert CATALOGUE[f"problem.{key}"] == texts


SAME_IN_BOTH = {"planning.bad_date", "siting.where.id", "allocation.where.school",
                "sweep.verbatim"}  # fmt: skip
"""Texts that read the same in Dutch and English (only fields and punctuation, or a word
both languages use)."""


def test_every_text_is_dutch_not_the_english_again() -> None:
    same = [
        k for k, v in problems_stages.TEXTS.items() if v["nl"] == v["en"] and k not in SAME_IN_BOTH
    ]
    assert not same


def test_a_problem_renders_in_either_language() -> None:
    # hand-written: the Dutch and English text of one planning problem with its row
    p = Problem(
        Message("problem.planning.below_minimum", {"value": 0, "minimum": 1}),
        source="stock.csv",
        where=Message("problem.table.where.row_id", {"row": 1234, "id": "B1"}),
        field="units",
    )
    assert p.render("nl") == "stock.csv, rij 1234 (B1), units: 0 is lager dan het minimum 1"
    assert p.render("en") == "stock.csv, row 1234 (B1), units: 0 is below the minimum 1"
    assert render(p.where, "en") == "row 1234 (B1)"

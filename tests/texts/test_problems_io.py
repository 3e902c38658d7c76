"""The input problems of ``io``, ``schema``, ``connectors`` and the shared helpers are
catalogue messages (Dutch default, English complete), never English-only text.

The scan reads the source (AST): a ``Problem(...)``, an ``OpvangError``-family error, a
``where=`` and a scenario validator's ``ValueError`` must not get a plain string or an
f-string. The catalogue checks render every key of ``problems_io`` in both languages and
compare the English of pydantic's error types with pydantic's own text.
"""

from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opvang_opt.errors import Problem, ValueProblem
from opvang_opt.schema.loader import pydantic_message
from opvang_opt.texts import CATALOGUE, Message, render, t
from opvang_opt.texts.problems_io import TEXTS

SRC = Path(__file__).resolve().parents[2] / "src" / "opvang_opt"

MODULES = [
    *sorted((SRC / "schema").glob("*.py")),
    *sorted((SRC / "connectors").glob("*.py")),
    *(SRC / "io" / name for name in (
        "layers.py", "csvfile.py", "region.py", "region_pass.py", "graphs.py", "results.py",
        "scenario.py",
    )),
    *(SRC / name for name in (
        "resources.py", "pipeline.py", "numtext.py", "dates.py", "errors.py", "cli.py",
    )),
]  # fmt: skip

ERRORS = {
    "Problem", "OpvangError", "ScenarioError", "DataError", "OutputError", "InfeasibleError",
    "ValueProblem", "PathProblem",
}  # fmt: skip
"""Calls whose text (first argument, ``message``/``summary``) must be a message."""

VALIDATOR_ERRORS = {"ValueError", "KeyError"}
"""In ``schema``: a validator's error text reaches the user through the loader."""

ALLOWED: dict[tuple[str, str], str] = {
    ("schema/ahp.py", "ValueError"): (
        "ahp_weights refuses a matrix the scenario's validator has already refused (with a "
        "message): only a caller that skips the schema sees this developer text"
    ),
    ("connectors/tiles.py", "ValueError"): (
        "an unknown background provider: the scenario's Literal refuses it first"
    ),
}
"""Plain text that is knowingly not a catalogue message, and why (file, call)."""


def _name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def _is_text(node: ast.AST | None) -> bool:
    """A literal string, an f-string, or strings joined with ``+`` / ``%``."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    return False


def _plain_texts(path: Path) -> list[str]:
    rel = path.relative_to(SRC).as_posix()
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node)
        texts: list[ast.AST] = []
        if name in ERRORS or (rel.startswith("schema/") and name in VALIDATOR_ERRORS):
            texts += node.args[:1]
            texts += [k.value for k in node.keywords if k.arg in ("message", "summary")]
        if name == "Problem" and len(node.args) >= 3:
            texts.append(node.args[2])  # where
        texts += [k.value for k in node.keywords if k.arg == "where"]
        if (rel, name) in ALLOWED:
            continue
        found += [f"{rel}:{n.lineno} {name}(...)" for n in texts if _is_text(n)]
    return found


def test_the_scan_finds_plain_text() -> None:
    # the scan must be able to fail: English-only text in each form it looks for
    code = (
        'Problem("file does not exist", where=f"row {i}")\n'
        'DataError(f"Layer {name} not found", [])\n'
        'Problem(msg, label, "line 1")\n'
    )
    tmp = SRC / "io" / "_scan_probe.py"
    try:
        tmp.write_text(code, encoding="utf-8")
        assert len(_plain_texts(tmp)) == 4
    finally:
        tmp.unlink()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(SRC).as_posix())
def test_no_english_only_problem_text(path: Path) -> None:
    assert _plain_texts(path) == []


def test_every_problem_text_renders_in_both_languages() -> None:
    for key, texts in TEXTS.items():
        fields = {
            name: 1.5 if spec else "x"
            for _, name, spec, _ in string.Formatter().parse(texts["nl"])
            if name
        }
        code = f"problem.{key}"
        assert code in CATALOGUE
        nl, en = t(code, "nl", **fields), t(code, "en", **fields)
        assert nl.strip() and en.strip()


def test_dutch_texts_are_dutch() -> None:
    # a Dutch text that is the English one word for word is a forgotten translation,
    # unless it holds no words (a pure template such as "{a}, {b}") or only library text
    same = {
        key for key, v in TEXTS.items()
        if v["nl"] == v["en"] and any(c.isalpha() for c in _without_fields(v["en"]))
    }  # fmt: skip
    # identical by nature: a kilometre or metre figure, an id label, a chain of files
    assert same <= {"region.km", "region.m", "where.id", "region.warn_site"}, same


def _without_fields(text: str) -> str:
    return "".join(lit for lit, *_ in string.Formatter().parse(text))


class _Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(gt=0)
    share: float = Field(default=0.5, ge=0.25, le=1000)
    small: int = Field(default=1, lt=10)
    tiny: float = Field(default=0.1, gt=0.0)
    kind: Literal["a", "b", "c"] = "a"
    day: dt.date = dt.date(2028, 1, 1)
    text: str = "t"
    items: list[int] = Field(default_factory=list)
    table: dict[str, int] = Field(default_factory=dict)
    flag: bool = True
    code: str = Field(default="GM0384", pattern=r"^GM\d{4}$")
    names: list[str] = Field(default_factory=lambda: ["a"], min_length=1)
    pair: list[int] = Field(default_factory=lambda: [1, 2], min_length=2, max_length=3)
    label: str = Field(default="ab", min_length=1, max_length=3)
    finite: float = Field(default=1.0, allow_inf_nan=False)


@pytest.mark.parametrize(
    "data",
    [
        {"share": 2000, "kind": "q", "small": 12, "tiny": -1, "text": 1, "items": "x"},
        {"count": "1,5", "share": "x", "table": [1], "flag": "maybe"},
        {"count": 0, "share": 0.1, "count2": 1},
        {"count": 1.5, "share": [1], "flag": 2},
        {"count": 1, "code": "Diemen", "names": [], "pair": [1], "label": "", "finite": "inf"},
        {"count": 1, "pair": [1, 2, 3, 4], "label": "abcd"},
    ],
)
def test_pydantic_errors_in_english_are_pydantic_s_own_words(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError) as info:
        _Sample.model_validate(data)
    for err in info.value.errors(include_url=False):
        if err["type"].startswith("date_") or err["type"] == "extra_forbidden":
            continue
        message = pydantic_message(err)
        assert message.code != "problem.scenario.pydantic_text", err["type"]  # in the catalogue
        assert render(message, "en") == err["msg"]
        assert render(message, "nl") != err["msg"]


def test_pydantic_context_numbers_follow_the_language() -> None:
    err = {"type": "less_than_equal", "msg": "", "ctx": {"le": 0.75}}
    assert render(pydantic_message(err), "en") == "Input should be less than or equal to 0.75"
    assert render(pydantic_message(err), "nl") == "moet kleiner dan of gelijk aan 0,75 zijn"
    lit = {"type": "literal_error", "msg": "", "ctx": {"expected": "'a', 'b' or 'c'"}}
    assert render(pydantic_message(lit), "nl") == "moet 'a', 'b' of 'c' zijn"


def test_a_validator_message_keeps_its_english_and_renders_in_dutch() -> None:
    exc = ValueProblem(Message("problem.scenario.criteria.weights_sum"))
    assert str(exc) == "the criteria weights must sum to a positive value"
    err = {"type": "value_error", "msg": f"Value error, {exc}", "ctx": {"error": exc}}
    assert "gewichten" in render(pydantic_message(err), "nl")


def test_a_problem_renders_place_and_text_in_the_language() -> None:
    p = Problem(
        Message("problem.layer.id_empty"),
        "sites.csv",
        Message("problem.where.row", {"row": 1234}),
        "site_id",
    )
    assert p.render("nl") == "sites.csv, rij 1234, site_id: id is leeg"
    assert p.render("en") == str(p) == "sites.csv, row 1234, site_id: id is empty"

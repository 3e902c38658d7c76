"""The scenario loader: YAML, ``extends:``, relative paths, validation and the JSON Schema.

A scenario is a YAML file validated by a strict pydantic schema (unknown keys are
rejected with a did-you-mean hint; values are typed and range-checked). A variant
names its base with ``extends:`` and overrides parts of it: mappings are merged key by
key, lists and scalars are replaced. Paths are relative to the file that writes them.

Example
-------
>>> from opvang_opt.schema import load_scenario
>>> scenario = load_scenario("scenarios/demo.yaml")  # doctest: +SKIP
>>> scenario.siting.target.amount  # doctest: +SKIP
150
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, ValidationError

from opvang_opt.errors import Problem, ScenarioError, ValueProblem
from opvang_opt.schema.base import foreign_path
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.schema.scenario import Scenario
from opvang_opt.schema.sources import resolve_layer_sources
from opvang_opt.texts import Message

# --------------------------------------------------------------------------- loading


def _unwrap(annotation: Any) -> list[Any]:
    """Return the concrete member types of an annotation (Optional/Union/Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out += _unwrap(arg)
        return out
    return [annotation]


def _is_path(annotation: Any) -> bool:
    """Whether an annotation is a file path (every Path in a scenario is an input path)."""
    return any(m is Path for m in _unwrap(annotation))


def _member_for(members: list[Any], value: Any) -> type[BaseModel] | None:
    """Pick the model of a (discriminated) union that fits a raw mapping."""
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1:
        return models[0]
    if isinstance(value, dict):
        for m in models:
            for key in ("kind", "type"):
                f = m.model_fields.get(key)
                if f is not None and value.get(key) in typing.get_args(f.annotation):
                    return m
    return None


def resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute with its symbolic links followed; a link that leads back to
    itself is kept as written (absolute), for the reader to name."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):  # a symbolic-link loop (RuntimeError up to 3.12)
        return Path(os.path.abspath(path))


def absolutize_paths(raw: Any, annotation: Any, base_dir: Path) -> Any:
    """Make every InputPath in a raw mapping absolute, relative to ``base_dir``.

    The schema is walked alongside the data, so a base scenario's paths stay relative to
    the base file even after a variant in another folder overrides other parts.
    """
    if _is_path(annotation):
        if (
            isinstance(raw, str)
            and raw
            and not Path(raw).is_absolute()
            and foreign_path(raw) is None  # refused as written, by the schema
        ):
            return str(resolved(base_dir / raw))
        return raw
    members = _unwrap(annotation)
    model = _member_for(members, raw)
    if model is not None and isinstance(raw, dict):
        out = dict(raw)
        for key, value in raw.items():
            f = model.model_fields.get(key)
            if f is not None:
                out[key] = absolutize_paths(value, f.annotation, base_dir)
        return out
    for m in members:
        origin = typing.get_origin(m)
        args = typing.get_args(m)
        if origin in (list, tuple) and isinstance(raw, list) and args:
            return [absolutize_paths(v, args[0], base_dir) for v in raw]
        if origin is dict and isinstance(raw, dict) and len(args) == 2:
            return {k: absolutize_paths(v, args[1], base_dir) for k, v in raw.items()}
    return raw


def _allowed_keys(loc: tuple[Any, ...], raw: Any) -> list[str]:
    """Return the keys allowed at the mapping that holds ``loc[-1]`` (for hints)."""
    annotation: Any = Scenario
    value = raw
    for part in loc[:-1]:
        members = _unwrap(annotation)
        model = _member_for(members, value)
        if model is not None:
            if part in model.model_fields:
                annotation = model.model_fields[part].annotation
                value = value.get(part) if isinstance(value, dict) else None
                continue
            continue  # a union tag in the location: stay on this model
        nxt = None
        for m in members:
            origin, args = typing.get_origin(m), typing.get_args(m)
            if origin in (list, tuple) and args and isinstance(part, int):
                nxt = args[0]
                value = value[part] if isinstance(value, list) and part < len(value) else None
            elif origin is dict and len(args) == 2:
                nxt = args[1]
                value = value.get(part) if isinstance(value, dict) else None
        if nxt is None:
            return []
        annotation = nxt
    model = _member_for(_unwrap(annotation), value)
    return list(model.model_fields) if model is not None else []


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_UNION_TAGS = {
    "linear", "step", "piecewise", "distance_to_poi", "count_within", "overlap_share",
    "distance_to_layer", "reception_load", "area", "attribute", "intersects", "closer_than",
    "below", "above", "available_by",
}  # fmt: skip


def _without_tags(loc: tuple[Any, ...], raw: Any) -> tuple[Any, ...]:
    """The error's path without the tags pydantic adds for a tagged union (the ``kind`` of
    a criterion or rule, the ``type`` of a value function). Only a tag that is the kind or
    type of the mapping at that place is dropped: a field named like a tag (the
    shortlist's ``available_by``) stays in the path."""
    out = []
    node = raw
    for part in loc:
        if (
            isinstance(node, dict)
            and part in _UNION_TAGS
            and part not in node
            and part in (node.get("kind"), node.get("type"))
        ):
            continue
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(out)


def _m(code: str, /, **params: Any) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


# pydantic's error types users hit, by the catalogue key of their text (the English text
# is pydantic's own, word for word); a type not named here falls back to pydantic's text
_PYDANTIC_TEXTS = {
    "missing": "missing",
    "int_parsing": "int_parsing",
    "int_type": "int_type",
    "int_from_float": "int_from_float",
    "float_parsing": "float_parsing",
    "float_type": "float_type",
    "bool_parsing": "bool_parsing",
    "bool_type": "bool_type",
    "greater_than": "greater_than",
    "greater_than_equal": "greater_than_equal",
    "less_than": "less_than",
    "less_than_equal": "less_than_equal",
    "literal_error": "literal_error",
    "string_type": "string_type",
    "list_type": "list_type",
    "dict_type": "dict_type",
    "model_type": "model_type",
    "model_attributes_type": "model_attributes_type",
    "union_tag_invalid": "union_tag_invalid",
    "union_tag_not_found": "union_tag_not_found",
    "string_pattern_mismatch": "string_pattern_mismatch",
    "finite_number": "finite_number",
}


def _ctx_param(value: Any) -> Any:
    """A context value of a pydantic error as a message parameter: a number as a number
    (a whole float as an int, as pydantic writes it), anything else as its text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    return str(value)


def _choices(expected: str) -> Message | str:
    """pydantic's ``'a', 'b' or 'c'`` with the last ``or`` in the user's language."""
    head, sep, last = expected.rpartition(" or ")
    return _m("scenario.choices", head=head, last=last) if sep else expected


def pydantic_message(err: Mapping[str, Any]) -> Message:
    """The text of one pydantic error as a catalogue message, by its ``type`` and ``ctx``.

    A project validator's :class:`~opvang_opt.errors.ValueProblem` (or a cross-field
    problem raised with a message in its context) gives its own message; an error type
    the catalogue does not name keeps pydantic's English text, marked as such in Dutch.
    """
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if isinstance(ctx.get("message"), Message):
        return ctx["message"]
    if kind == "value_error" and isinstance(ctx.get("error"), ValueProblem):
        return ctx["error"].message
    if kind.startswith("date_"):
        return _m("scenario.not_a_date")
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        bound = ctx.get("min_length", ctx.get("max_length"))
        if kind.startswith("string_") or ctx.get("field_type") == "List":
            n = "one" if bound == 1 else "many"
            params = {k: _ctx_param(v) for k, v in ctx.items() if k != "field_type"}
            return _m(f"scenario.pydantic.{kind}_{n}", **params)
    if kind == "literal_error":
        return _m("scenario.pydantic.literal_error", expected=_choices(str(ctx["expected"])))
    if kind in _PYDANTIC_TEXTS:
        params = {k: _ctx_param(v) for k, v in ctx.items()}
        return _m(f"scenario.pydantic.{_PYDANTIC_TEXTS[kind]}", **params)
    msg = str(err["msg"])
    if kind == "value_error":
        return _m("scenario.validator_text", text=msg.removeprefix("Value error, "))
    return _m("scenario.pydantic_text", text=msg)


Lines = dict[tuple[Any, ...], tuple[str, int]]
"""Where each value of a scenario is written: its location (keys and list positions) ->
(file, line); see :func:`scenario_lines`."""


def _value_lines(node: yaml.Node, file: str, loc: tuple[Any, ...], out: Lines) -> None:
    """Add the line of every key and list item under ``node`` to ``out``."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                here = (*loc, str(key_node.value))
                out[here] = (file, key_node.start_mark.line + 1)
                _value_lines(value_node, file, here, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*loc, i)] = (file, item.start_mark.line + 1)
            _value_lines(item, file, (*loc, i), out)


def scenario_lines(path: str | os.PathLike[str], _seen: tuple[Path, ...] = ()) -> Lines:
    """The file and line of every key and list item of a scenario and its ``extends``
    chain (a variant's own lines over its base's), for messages that name the line.

    Best effort: a file that cannot be read gives no lines (its reader reports it)."""
    path = resolved(path)
    if path in _seen:
        return {}
    try:
        loader = _ScenarioYamlLoader(path.read_text(encoding="utf-8-sig"))
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return {}
    if node is None or _alias_problem(node) is not None:
        return {}
    own: Lines = {}
    _value_lines(node, str(path), (), own)
    base: Lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "extends" and isinstance(value_node, yaml.ScalarNode):
                base = scenario_lines(path.parent / str(value_node.value), (*_seen, path))
    return {**base, **own}


def _at_line(msg: Message, loc: tuple[Any, ...], source: str, lines: Lines | None) -> Message:
    """``msg`` with the line of ``loc`` (or of the nearest key above it) added: the file
    too when it is another file of the ``extends`` chain than ``source``."""
    for n in range(len(loc), 0, -1):
        if lines and loc[:n] in lines:
            file, line = lines[loc[:n]]
            same = Path(file) == Path(source).resolve() if source else False
            if same:
                return _m("scenario.at_line", what=msg, line=line)
            return _m("scenario.at_file_line", what=msg, file=file, line=line)
    return msg


def validation_problems(
    exc: ValidationError, raw: dict[str, Any], source: str, lines: Lines | None = None
) -> list[Problem]:
    """Turn a pydantic ValidationError into readable problems with did-you-mean hints (and
    the line of each, when ``lines`` says where the values are written)."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = _without_tags(tuple(err["loc"]), raw)
        field = _loc_text(loc) or None  # the top level has no key: said as the place
        msg: Message
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(loc, raw)
            hint = did_you_mean_hint(key, allowed)
            if allowed:
                msg = _m(
                    "scenario.unknown_key_allowed",
                    key=key,
                    hint=hint,
                    allowed=", ".join(sorted(allowed)),
                )
            else:
                msg = _m("scenario.unknown_key", key=key, hint=hint)
        else:
            msg = pydantic_message(err)
        if err["type"] not in ("extra_forbidden", "missing") and "input" in err:
            shown = repr(err["input"])
            named = any(isinstance(v, str) and v == err["input"] for v in msg.params.values())
            if len(shown) <= 60 and not isinstance(err["input"], dict | list) and not named:
                msg = _m("scenario.got", what=msg, got=shown)
            text = err["input"] if isinstance(err["input"], str) else ""
            if err["type"].endswith("_parsing") and re.fullmatch(r"-?\d+,\d+", text.strip()):
                msg = _m(
                    "scenario.hint.decimal_comma", what=msg, number=text.strip().replace(",", ".")
                )
            elif err["type"].endswith("_parsing") and re.fullmatch(r"-?[\d.]+%", text.strip()):
                msg = _m("scenario.hint.percent", what=msg)
        top = _m("scenario.top_level") if field is None else None
        msg = _at_line(msg, loc, source, lines)
        problems.append(Problem(msg, source=source, where=top, field=field))
    return problems


class _ScenarioYamlLoader(yaml.SafeLoader):
    """YAML loader for scenario files: dates stay text (the schema parses them, so an
    impossible date such as ``2028-06-31`` is reported with its field instead of crashing
    the YAML reader)."""


def _duplicate_keys(node: yaml.Node, path: str = "") -> list[tuple[str, int, int]]:
    """Every key written twice in one mapping: (full field path, first line, line)."""
    out: list[tuple[str, int, int]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            here = f"{path}.{key}" if path else key
            line = key_node.start_mark.line + 1
            if key in seen:
                out.append((here, seen[key], line))
            else:
                seen[key] = line
            out += _duplicate_keys(value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _duplicate_keys(item, f"{path}[{i}]")
    return out


_THOUSANDS_POINT = re.compile(r"^-?[1-9]\d{0,2}(\.000)+$")
_QUOTED_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}\.\d{3}$")
"""Quoted text such as ``'1.750'``: pydantic reads it as the number 1.75 where a number is
expected, a Dutch writer means 1750."""


def _plain_scalars(node: yaml.Node, path: str = "") -> list[tuple[str, int, str]]:
    """Every plain (unquoted) scalar below ``node``: (full field path ``a.b.0.c``, line,
    text as written)."""
    out: list[tuple[str, int, str]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            out += _plain_scalars(value_node, f"{path}.{key}" if path else key)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _plain_scalars(item, f"{path}.{i}")
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        out.append((path, node.start_mark.line + 1, str(node.value)))
    return out


def _thousands_points(node: yaml.Node) -> list[tuple[str, int, str]]:
    """Every plain number written like ``15.000`` or ``1.000``: YAML reads it as 15.0 or
    1.0, a Dutch writer means fifteen thousand or one thousand; never guessed (quoted
    text such as ``'1.750'`` is checked where the schema reads it as a number, see
    :func:`validate_scenario`). Returns (full field path, line, text)."""
    return [s for s in _plain_scalars(node) if _THOUSANDS_POINT.match(s[2])]


_MONEY_KEYS = frozenset({"cost_per_place", "unmet_cost_per_place", "fixed_cost"})
_SUB_CENT = re.compile(r"^-?\d+\.\d{3,}$")


def _is_money(path: str) -> bool:
    """Whether a field path (``a.b.0.c``) holds an amount in euros: a key that ends in
    ``_eur`` (or ``_eur_year``) or a value of such a mapping (a year's budget), an
    exchange cost, or the amount of a reference price."""
    parts = path.split(".")
    key = parts[-1]
    if key in _MONEY_KEYS or key.endswith(("_eur", "_eur_year")):
        return True
    if len(parts) > 1 and parts[-2].endswith("_eur"):
        return True
    return key == "amount" and "reference_prices" in parts


def _sub_cent_amounts(node: yaml.Node) -> list[tuple[str, int, str]]:
    """Every plain amount in euros written with three or more decimals (``15.500``,
    ``1200.005``): money is counted in whole cents, so such an amount was rounded without
    a word, and ``15.500`` (15.5 in YAML) is fifteen thousand five hundred written the
    Dutch way; never guessed. Returns (full field path, line, text)."""
    return [
        (path, line, text)
        for path, line, text in _plain_scalars(node)
        if _SUB_CENT.match(text)
        and not _THOUSANDS_POINT.match(text)  # said by the thousands check
        and _is_money(path)
    ]


def _sub_cent_problem(key: str, line: int, text: str, label: str) -> Problem:
    if _QUOTED_THOUSANDS.match(text):
        what = _m(
            "scenario.money_three_decimals",
            text=text, yaml=f"{float(text):g}", dutch=text.replace(".", ""),
        )  # fmt: skip
    else:
        what = _m("scenario.money_sub_cent", text=text)
    return Problem(what, source=label, where=_m("where.line", line=line), field=key)


_MAX_YAML_VALUES = 100_000
"""At most this many values once every alias is written out: far more than any scenario
holds, far fewer than an alias bomb (a few lines that expand to a billion values)."""


class _AliasLoop(Exception):
    """An alias inside the value it names (``&a [*a]``): a value that never ends."""

    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


def _expanded_size(node: yaml.Node, memo: dict[int, int], stack: set[int]) -> int:
    """How many values ``node`` holds with every alias written out, each shared node
    counted once per use but walked once (so an alias bomb is measured, not expanded).

    Raises
    ------
    _AliasLoop
        For an alias inside the value it names.
    """
    key = id(node)
    if key in stack:
        raise _AliasLoop(node)
    if key in memo:
        return memo[key]
    stack.add(key)
    n = 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            n += _expanded_size(k, memo, stack) + _expanded_size(v, memo, stack)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            n += _expanded_size(item, memo, stack)
    stack.discard(key)
    memo[key] = n
    return n


def _alias_problem(node: yaml.Node) -> Problem | None:
    """An alias that refers to itself, or aliases that expand the file beyond
    :data:`_MAX_YAML_VALUES` values (the file, the line and what to do)."""
    try:
        size = _expanded_size(node, {}, set())
    except _AliasLoop as loop:
        return Problem(
            _m("scenario.yaml_alias_loop"),
            where=_m("where.line", line=loop.node.start_mark.line + 1),
        )
    if size > _MAX_YAML_VALUES:
        return Problem(_m("scenario.yaml_alias_bomb", count=size, limit=_MAX_YAML_VALUES))
    return None


_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_YAML_INT = "tag:yaml.org,2002:int"
_YAML_FLOAT = "tag:yaml.org,2002:float"


def _yaml11_numbers(node: yaml.Node, path: str = "") -> list[tuple[str, int, Message]]:
    """Every plain number that YAML 1.1 reads otherwise than it looks: a leading zero
    (``0600`` is octal 384, ``0437`` is 287) or a colon (``1:30`` is base 60: 90); never
    guessed. Keys are checked as well as values. Returns (full field path, line, text)."""
    out: list[tuple[str, int, Message]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            here = f"{path}.{key}" if path else key
            out += _yaml11_numbers(key_node, here)
            out += _yaml11_numbers(value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _yaml11_numbers(item, f"{path}[{i}]")
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        text = str(node.value)
        line = node.start_mark.line + 1
        if node.tag == _YAML_INT and _OCTAL.match(text) and text.strip("+-0_"):
            digits = text.lstrip("+-").lstrip("0_") or "0"
            value = int(text.replace("_", ""), 8)
            msg = _m("scenario.yaml_octal", text=text, value=value, plain=digits)
            out.append((path, line, msg))
        elif node.tag in (_YAML_INT, _YAML_FLOAT) and _SEXAGESIMAL.match(text):
            loader = yaml.SafeLoader("")
            try:
                value = loader.construct_object(node)
            finally:
                loader.dispose()
            out.append((path, line, _m("scenario.yaml_sexagesimal", text=text, value=value)))
    return out


def _keys_not_text(node: yaml.Node, path: str = "") -> list[tuple[str, int, Message]]:
    """Every plain key that YAML reads as yes/no or nothing: ``on``, ``off``, ``yes``,
    ``no``, ``true``, ``false`` (yes/no), ``null`` or ``~`` (nothing). No scenario key is
    one of these; the schema would only say "keys should be strings (got True)" at a
    numbered place. (Number keys are left to the schema: a yearly budget is keyed by
    year.) Returns (full field path, line, message)."""
    out: list[tuple[str, int, Message]] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            here = f"{path}.{key}" if path else key
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.style is None
                and key_node.tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
            ):
                line = key_node.start_mark.line + 1
                out.append((here, line, _m("scenario.yaml_key_not_text", key=key)))
            out += _keys_not_text(value_node, here)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out += _keys_not_text(item, f"{path}[{i}]")
    return out


_ScenarioYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping.

    Raises
    ------
    ScenarioError
        For a missing file, bad YAML, text that is not UTF-8, a top level that is not a
        mapping, or keys written twice (each named with its lines).
    """
    label = str(path)
    if not path.is_file():
        code = "file.does_not_exist"
        try:
            os.stat(path)
            code = "file.is_folder" if path.is_dir() else code
        except OSError as exc:
            code = "file.symlink_loop" if exc.errno == errno.ELOOP else code
        raise ScenarioError(_m("scenario.not_found", file=label), [Problem(_m(code), source=label)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        utf16 = path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
        what = _m("scenario.utf16") if utf16 else _m("file.byte_not_utf8", byte=exc.start)
        raise ScenarioError(
            _m("scenario.not_utf8", file=label), [Problem(what, source=label)]
        ) from None
    loader = _ScenarioYamlLoader(text)
    try:
        node = loader.get_single_node()
        alias = _alias_problem(node) if node is not None else None
        if alias is not None:
            raise ScenarioError(
                _m("scenario.not_yaml", file=label), [dataclasses.replace(alias, source=label)]
            )
        duplicates = _duplicate_keys(node) if node is not None else []
        points = _thousands_points(node) if node is not None else []
        money = _sub_cent_amounts(node) if node is not None else []
        yaml11 = _yaml11_numbers(node) if node is not None else []
        not_text = _keys_not_text(node) if node is not None else []
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise ScenarioError(
            _m("scenario.not_yaml", file=label),
            [Problem(_m("scenario.yaml_too_deep"), source=label)],
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = (
            _m("where.line_column", line=mark.line + 1, column=mark.column + 1) if mark else None
        )
        problem = str(getattr(exc, "problem", None) or exc)
        code = "scenario.yaml_problem"
        if "'\\t'" in problem:
            code = "scenario.yaml_tab"
        elif "unknown escape character" in problem:  # "..\data\units.csv" in double quotes
            code = "scenario.yaml_escape"
        what = _m(code, problem=problem)
        raise ScenarioError(
            _m("scenario.not_yaml", file=label), [Problem(what, source=label, where=where)]
        ) from None
    finally:
        loader.dispose()
    if duplicates:
        raise ScenarioError(
            _m("scenario.keys_twice", file=label),
            [
                Problem(
                    _m("scenario.written_twice", first=first, line=line),
                    source=label,
                    where=_m("where.line", line=line),
                    field=key,
                )
                for key, first, line in duplicates
            ],
        )
    if points or money:
        found = [
            (
                line,
                Problem(
                    _m(
                        "scenario.thousands_point",
                        text=text,
                        yaml=text.split(".")[0],
                        dutch=text.replace(".", ""),
                    ),
                    source=label,
                    where=_m("where.line", line=line),
                    field=key,
                ),
            )
            for key, line, text in points
        ]
        found += [(line, _sub_cent_problem(key, line, text, label)) for key, line, text in money]
        raise ScenarioError(
            _m("scenario.thousands_points" if points else "scenario.money_decimals", file=label),
            [p for _, p in sorted(found, key=lambda lp: lp[0])],
        )
    if not_text:
        raise ScenarioError(
            _m("scenario.yaml_keys_not_text", file=label),
            [
                Problem(msg, source=label, where=_m("where.line", line=line), field=key)
                for key, line, msg in not_text
            ],
        )
    if yaml11:
        raise ScenarioError(
            _m("scenario.yaml_numbers", file=label),
            [
                Problem(msg, source=label, where=_m("where.line", line=line), field=key)
                for key, line, msg in yaml11
            ],
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            _m("scenario.not_mapping", file=label),
            [Problem(_m("scenario.top_level_is", type=type(data).__name__), source=label)],
        )
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base``: mappings key by key, everything else replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_raw(path: str | os.PathLike[str], _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and its ``extends`` chain into one raw mapping.

    Paths are made absolute relative to the file that writes them.
    """
    path = resolved(path)
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise ScenarioError(
            _m("scenario.extends_itself"),
            [Problem(_m("scenario.extends_chain", chain=chain), field="extends")],
        )
    data = read_yaml(path)
    data = absolutize_paths(data, Scenario, path.parent)
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data
    if not isinstance(base_ref, str):
        raise ScenarioError(
            _m("scenario.invalid", file=str(path)),
            [Problem(_m("scenario.extends_not_path"), source=str(path), field="extends")],
        )
    wrong = foreign_path(base_ref)
    if wrong is not None:  # '..\\demo.yaml' was 'file does not exist'
        raise ScenarioError(
            _m("scenario.invalid", file=str(path)),
            [Problem(wrong.message, source=str(path), field="extends")],
        )
    base_path = resolved(path.parent / base_ref)
    if not base_path.is_file():
        raise ScenarioError(
            _m("scenario.base_not_found", file=str(base_path)),
            [
                Problem(
                    _m("scenario.base_file_missing", file=base_ref),
                    source=str(path),
                    field="extends",
                )
            ],
        )
    base = load_raw(base_path, (*_seen, path))
    merged = deep_merge(base, data)
    merged["extends"] = str(base_path)
    return merged


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.

    Returns
    -------
    Scenario
        The validated, immutable scenario; every path in it is absolute.

    Raises
    ------
    ScenarioError
        When the file is missing, is not YAML, or breaks the schema. Every problem is
        listed, with a did-you-mean hint for unknown keys.
    """
    return validate_scenario(load_resolved_raw(path), source=str(path), lines=scenario_lines(path))


def load_resolved_raw(
    path: str | os.PathLike[str], *, missing: list[Problem] | None = None
) -> dict[str, Any]:
    """The merged raw mapping of a scenario file, with cached layers named by `source:`
    resolved to their files (what :func:`load_scenario` validates, and sweeps vary).

    ``missing`` collects cached layers that are absent instead of raising (see
    :func:`opvang_opt.schema.sources.resolve_layer_sources`)."""
    base_dir = resolved(path).parent
    return resolve_layer_sources(load_raw(path), base_dir=base_dir, missing=missing)


def validate_scenario(
    raw: dict[str, Any], source: str = "scenario", lines: Lines | None = None
) -> Scenario:
    """Validate a raw (already merged) scenario mapping; ``lines`` (see
    :func:`scenario_lines`) adds the line of each problem to its message."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = validation_problems(exc, raw, source, lines)
        raise ScenarioError(
            _m("scenario.invalid_count", file=source, count=len(problems)), problems
        ) from None
    quoted = _quoted_numbers(raw, scenario)
    if quoted:
        raise ScenarioError(
            _m("scenario.thousands_points", file=source),
            [
                Problem(
                    _at_line(
                        _m(
                            "scenario.thousands_point_quoted",
                            text=text,
                            yaml=f"{float(text):g}",
                            dutch=text.replace(".", ""),
                        ),
                        loc,
                        source,
                        lines,
                    ),
                    source=source,
                    field=_loc_text(loc),
                )
                for loc, text in quoted
            ],
        )
    return scenario


def _quoted_numbers(raw: Any, model: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, str]]:
    """Every text like ``'1.750'`` (quoted in YAML) that the schema read as a number:
    pydantic turns it into 1.75 where a Dutch writer means 1750; never guessed. A text
    field holding such a text (a name) is left alone. Returns (location, text)."""
    if isinstance(raw, str):
        number = isinstance(model, int | float) and not isinstance(model, bool)
        return [(loc, raw.strip())] if number and _QUOTED_THOUSANDS.match(raw.strip()) else []
    out: list[tuple[Any, str]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(model, BaseModel):
                names = {f.alias or n: n for n, f in type(model).model_fields.items()}
                child = getattr(model, names.get(str(key), str(key)), None)
            elif isinstance(model, Mapping):
                child = model.get(key)
            else:
                continue
            out += _quoted_numbers(value, child, (*loc, key))
    elif isinstance(raw, list) and isinstance(model, list | tuple) and len(raw) == len(model):
        for i, (value, child) in enumerate(zip(raw, model, strict=True)):
            out += _quoted_numbers(value, child, (*loc, i))
    return out


def scenario_hash(scenario: Scenario, relative_to: str | os.PathLike[str] | None = None) -> str:
    """A stable hash of the scenario's settings.

    Parameters
    ----------
    scenario
        The scenario.
    relative_to
        Folder that absolute paths are written relative to before hashing (the scenario
        file's folder), so the same scenario gives the same hash on any machine.

    Returns
    -------
    str
        The first 16 hex digits of a SHA-256 over the canonical JSON of the settings.
        Input files are hashed separately (see ``run.json``).
    """
    data = scenario.model_dump(mode="json", exclude={"extends"})
    base = Path(relative_to).resolve() if relative_to is not None else None
    text = json.dumps(_relpaths(data, base), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _relpaths(obj: Any, base: Path | None) -> Any:
    if isinstance(obj, dict):
        return {k: _relpaths(v, base) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_relpaths(v, base) for v in obj]
    if isinstance(obj, str) and os.path.isabs(obj):
        return os.path.relpath(obj, base).replace(os.sep, "/") if base else Path(obj).name
    return obj


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema of scenario files (for editor autocompletion)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "opvang-opt scenario"
    return schema

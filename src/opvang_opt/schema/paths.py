"""Parameter paths: the one naming of a scenario's settings.

A path names one setting of a scenario, as the sweep varies it and as the comparison and
the report list it::

    siting.target.amount                     a key in a mapping
    siting.criteria[0].weight                the first element of a list
    siting.criteria[station].weight          the element whose ``name`` is 'station'
    exchange.capacity[municipality=GM0384,type=flexwoning].places
                                             the element whose keys have these values
    exchange.tasks.GM0384.asielzoekers       a key of a data mapping

:func:`flatten` turns a scenario's model dump into ``{path: value}``; :func:`resolve` walks
one path back to its value, so every flattened key resolves to the same value.
Plain Python only: importing this loads no heavy library.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from opvang_opt.errors import ValueProblem
from opvang_opt.schema.names import did_you_mean_hint
from opvang_opt.texts import Message, render


def _m(code: str, /, **params: Any) -> Message:
    return Message(f"problem.path.{code}", params)


class PathProblem(KeyError):
    """A step of a parameter path that does not exist: a ``KeyError`` whose first argument
    and :attr:`message` are the catalogue message (either language); ``str()`` is the
    English text."""

    def __init__(self, message: Message) -> None:
        from opvang_opt.numtext import Hint  # a message whose str() is its English text

        self.message = message
        super().__init__(Hint(message.code, message.params))

    def __str__(self) -> str:
        return str(render(self.message, "en"))


def _bad(code: str, /, **params: Any) -> ValueProblem:
    return ValueProblem(_m(code, **params))


@dataclasses.dataclass(frozen=True)
class Key:
    """A key of a mapping."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class Index:
    """A list position (0-based; negative counts from the end)."""

    index: int

    def __str__(self) -> str:
        return f"[{self.index}]"


@dataclasses.dataclass(frozen=True)
class Match:
    """The one list element whose keys have the given values (``[name]`` is ``name=...``)."""

    conditions: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        if len(self.conditions) == 1 and self.conditions[0][0] == "name":
            return f"[{self.conditions[0][1]}]"
        return "[" + ",".join(f"{k}={v}" for k, v in self.conditions) + "]"


Step = Key | Index | Match

_KEY = re.compile(r"[A-Za-z0-9_\-]+")


@dataclasses.dataclass(frozen=True)
class ParamPath:
    """A parameter path into a scenario: ``siting.criteria[station].weight``.

    Grammar: keys separated by dots; after a key, any number of ``[...]`` selectors:
    an integer position (``[0]``, ``[-1]``), a name (``[station]``: the element whose
    ``name`` is 'station'), or ``key=value`` conditions separated by commas
    (``[municipality=GM0384,type=flexwoning]``).
    """

    steps: tuple[Step, ...]
    text: str

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> ParamPath:
        """Parse a path; raise ``ValueError`` with the position of a syntax error."""
        s = text.strip()
        if not s:
            raise _bad("empty")
        steps: list[Step] = []
        i = 0
        expect_key = True
        while i < len(s):
            if expect_key:
                m = _KEY.match(s, i)
                if not m:
                    raise _bad("expected_key", position=i + 1, path=s)
                steps.append(Key(m.group()))
                i = m.end()
                expect_key = False
            elif s[i] == ".":
                i += 1
                expect_key = True
                if i == len(s):
                    raise _bad("ends_with_dot", path=s)
            elif s[i] == "[":
                end = s.find("]", i)
                if end < 0:
                    raise _bad("unclosed", position=i + 1, path=s)
                steps.append(_selector(s[i + 1 : end].strip(), s))
                i = end + 1
            else:
                raise _bad("unexpected", char=s[i], position=i + 1, path=s)
        canonical = "".join(str(st) for st in steps).lstrip(".")
        return cls(tuple(steps), canonical)


def _selector(body: str, text: str) -> Step:
    if not body:
        raise _bad("empty_selector", path=text)
    if re.fullmatch(r"-?\d+", body):
        return Index(int(body))
    if "=" not in body:
        return Match((("name", body),))
    conditions = []
    for part in body.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise _bad("bad_selector", body=body, path=text)
        conditions.append((key.strip(), value.strip()))
    return Match(tuple(conditions))


def _where(steps: Sequence[Step]) -> str | Message:
    return "".join(str(s) for s in steps).lstrip(".") or Message("problem.scenario.top_level")


def _match_index(items: list[Any], step: Match, steps_so_far: Sequence[Step]) -> int:
    hits = [
        i for i, item in enumerate(items)
        if isinstance(item, dict) and all(str(item.get(k)) == v for k, v in step.conditions)
    ]  # fmt: skip
    where = _where(steps_so_far)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise PathProblem(_m("many_match", where=where, n=len(hits), step=str(step)))
    if len(step.conditions) == 1:
        key, value = step.conditions[0]
        present = [str(it.get(key)) for it in items if isinstance(it, dict) and key in it]
        if present:
            raise PathProblem(
                _m(
                    "no_element_with",
                    where=where,
                    key=key,
                    value=value,
                    hint=_suggest(value, present),
                    present=", ".join(present),
                )
            )
        if items and key == "name":
            raise PathProblem(_m("no_names", where=where, last=len(items) - 1))
    raise PathProblem(_m("no_match", where=where, step=str(step)))


def resolve(data: Any, path: ParamPath) -> tuple[tuple[str | int, ...], Any]:
    """Walk ``path`` through nested mappings and lists.

    Parameters
    ----------
    data
        A scenario as plain data (best the ``model_dump`` of the validated scenario, which
        holds every key with its default).
    path
        The path.

    Returns
    -------
    tuple
        The concrete keys and positions (selectors by name turned into positions), and
        the value found there.

    Raises
    ------
    KeyError
        When a step does not exist, with a did-you-mean hint and the keys that do.
    """
    node = data
    concrete: list[str | int] = []
    for n, step in enumerate(path.steps):
        done = path.steps[:n]
        where = _where(done)
        if isinstance(step, Key):
            if node is None:
                raise PathProblem(_m("not_set_key", where=where, path=str(path)))
            if not isinstance(node, dict):
                raise PathProblem(_m("not_section", where=where, kind=_kind(node), key=step.name))
            if step.name not in node:
                keys = sorted(str(k) for k in node)
                raise PathProblem(
                    _m(
                        "no_key",
                        where=where,
                        key=step.name,
                        hint=_suggest(step.name, keys),
                        keys=", ".join(keys) if keys else _m("none"),
                    )
                )
            concrete.append(step.name)
            node = node[step.name]
        else:
            if node is None:
                raise PathProblem(_m("not_set", where=where, path=str(path)))
            if not isinstance(node, list | tuple):
                raise PathProblem(_m("not_list", where=where, kind=_kind(node), step=str(step)))
            items = list(node)
            if isinstance(step, Index):
                if not -len(items) <= step.index < len(items):
                    raise PathProblem(
                        _m("out_of_range", where=where, n=len(items), index=step.index)
                    )
                i = step.index % len(items)
            else:
                i = _match_index(items, step, done)
            concrete.append(i)
            node = items[i]
    return tuple(concrete), node


def _suggest(word: str, options: Iterable[str]) -> Message | str:
    """A did-you-mean hint: a close spelling, else the one option that contains ``word``."""
    options = list(options)
    hint = did_you_mean_hint(word, options)
    if hint or len(word) < 3:
        return hint
    holders = [o for o in options if word.lower() in o.lower()]
    return Message("problem.hint.did_you_mean", {"name": holders[0]}) if len(holders) == 1 else ""


def _kind(value: Any) -> Message:
    if isinstance(value, list | tuple):
        return _m("kind_list")
    if isinstance(value, dict):
        return _m("kind_section")
    return _m("kind_value", value=repr(value))


def set_in(raw: dict[str, Any], keys: Sequence[str | int], value: Any) -> None:
    """Set ``value`` at concrete ``keys`` in a raw mapping, creating missing sections.

    Lists must already hold the position (a base scenario's lists are in its raw data).
    """
    node: Any = raw
    for k, nxt in itertools.pairwise(keys):
        if isinstance(k, int):
            node = node[k]
            continue
        if not isinstance(node.get(k), dict | list):
            node[k] = [] if isinstance(nxt, int) else {}
        node = node[k]
    node[keys[-1]] = value


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a scenario into ``{path: value}`` in the path syntax of :class:`ParamPath`.

    The one flattening of scenario settings: the comparison, the report and the Excel
    parameters sheet all name a setting by the key it has here.

    Lists of mappings that each have a unique ``name`` are keyed by name (so two scenarios
    with the criteria in another order still line up); other lists of mappings by
    position; lists of plain values are one value.

    Parameters
    ----------
    data
        Plain data, typically ``scenario.model_dump(mode="json")``.
    prefix
        The path of ``data`` itself (empty at the top).

    Returns
    -------
    dict
        Path -> value, in the order of ``data``.

    Examples
    --------
    >>> flatten({"a": {"b": 1, "c": [2, 3]}, "d": [{"name": "x", "w": 1}, {"name": "y"}]})
    {'a.b': 1, 'a.c': [2, 3], 'd[x].name': 'x', 'd[x].w': 1, 'd[y].name': 'y'}
    """
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        if not data and prefix:
            out[prefix] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list | tuple) and data and all(isinstance(v, dict) for v in data):
        names = [v.get("name") for v in data]
        by_name = all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names)
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{names[i] if by_name else i}]"))
        return out
    if isinstance(data, list | tuple):
        out[prefix] = list(data)
        return out
    out[prefix] = data
    return out

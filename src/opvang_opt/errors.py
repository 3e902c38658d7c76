"""Exceptions of opvang-opt.

Every error a user can cause is an :class:`OpvangError`. It carries a list of
:class:`Problem` records, so one exception can report *all* problems of an input
at once (each naming the file, the row or id, the field and what is wrong).
Only the CLI turns these into messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opvang_opt.texts import Lang, Message, render


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    message
        What is wrong, in plain words: a catalogue :class:`~opvang_opt.texts.Message`
        (rendered by the CLI in the user's language), or plain text.
    source
        The file (or scenario section) the problem is in.
    where
        The row number or id of the record, when the problem is in one record (a message
        such as ``row 5`` / ``rij 5``, or an id as it is written).
    field
        The column or scenario key, when the problem is in one field.
    """

    message: str | Message
    source: str | None = None
    where: str | Message | None = None
    field: str | None = None

    def text(self, lang: Lang = "en") -> str:
        """What is wrong, in ``lang`` (without the file, row and field)."""
        return str(render(self.message, lang))

    def render(self, lang: Lang = "en") -> str:
        """``file, row, field: what is wrong`` in ``lang``."""
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.where:
            parts.append(str(render(self.where, lang)))
        if self.field:
            parts.append(str(self.field))
        prefix = ", ".join(parts)
        text = self.text(lang)
        return f"{prefix}: {text}" if prefix else text

    def __str__(self) -> str:
        """The English form (logs and developers); the CLI renders the user's language."""
        return self.render("en")


class OpvangError(Exception):
    """Base class of every error a user can cause with bad input or settings.

    Parameters
    ----------
    summary
        One line that says what failed.
    problems
        Every problem found, each printed on a line of its own.
    """

    exit_code = 2

    def __init__(self, summary: str | Message, problems: list[Problem] | None = None) -> None:
        self.summary = summary
        self.problems: list[Problem] = list(problems or [])
        super().__init__(self.render())

    def summary_text(self, lang: Lang = "en") -> str:
        """The summary line in ``lang``."""
        return str(render(self.summary, lang))

    def render(self, lang: Lang = "en") -> str:
        """Return the summary and every problem as a bulleted text in ``lang``."""
        lines = [self.summary_text(lang)]
        lines += [f"  - {p.render(lang)}" for p in self.problems]
        return "\n".join(lines)


class ScenarioError(OpvangError):
    """The scenario file cannot be read or does not follow the schema."""


class DataError(OpvangError):
    """An input layer or table is missing, unreadable or fails validation."""


class ValueProblem(ValueError):
    """A ``ValueError`` whose text is a catalogue message (raised by a scenario validator).

    Pydantic keeps the exception in the error's context, so the scenario loader renders
    the message in the user's language; ``str()`` gives the English text, and the first
    argument is the message itself (one that reads as English where it is joined into text).

    Parameters
    ----------
    message
        What is wrong, as a catalogue message.
    """

    def __init__(self, message: Message) -> None:
        from opvang_opt.numtext import Hint  # a message whose str() is its English text

        self.message = message
        super().__init__(Hint(message.code, message.params))

    def __str__(self) -> str:
        return str(render(self.message, "en"))


class InternalError(Exception):
    """A bug in opvang-opt: an independent checker found a broken rule in an optimiser's result.

    Never raised for bad input. The CLI prints it with a request to report it and exits
    with code 1.

    Parameters
    ----------
    summary
        One line that says what failed.
    details
        Every broken rule, one line each.
    """

    exit_code = 1

    def __init__(self, summary: str, details: list[str] | None = None) -> None:
        self.summary = summary
        self.details = list(details or [])
        super().__init__("\n".join([summary, *[f"  - {d}" for d in self.details]]))


class OutputError(OpvangError):
    """The results folder cannot be written where the user asked (nothing is changed)."""


@dataclass(frozen=True)
class Shortfall:
    """One rule that is short, and by how much (part of a diagnosis)."""

    rule: str
    message: str | Message
    """A catalogue message (rendered by the outputs in their language), or plain text."""
    required: float | None = None
    available: float | None = None

    @property
    def short_by(self) -> float | None:
        """How much is missing, when both sides are numbers."""
        if self.required is None or self.available is None:
            return None
        return max(0.0, self.required - self.available)


@dataclass(frozen=True)
class Diagnosis:
    """Why a model has no (complete) solution: the rules that are short."""

    shortfalls: tuple[Shortfall, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(render(s.message) for s in self.shortfalls) or "no diagnosis"


class InfeasibleError(OpvangError):
    """A model has no feasible solution; carries a :class:`Diagnosis`."""

    def __init__(
        self, summary: str, diagnosis: Diagnosis, *, lang: Lang = "nl", text: Message | None = None
    ) -> None:
        self.diagnosis = diagnosis
        self.text: str | Message = text if text is not None else summary
        """The summary as a catalogue message, for outputs in another language."""
        problems = [Problem(render(s.message, lang), field=s.rule) for s in diagnosis.shortfalls]
        super().__init__(summary, problems)


def file_label(path: str | Path) -> str:
    """Return a short label for a file in messages (its name with parent folder)."""
    p = Path(path)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name

"""The strict pydantic base model every scenario part uses, and shared field types."""

from __future__ import annotations

import datetime as dt
import os
import re
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from opvang_opt.errors import ValueProblem
from opvang_opt.texts import Message, render


class StrictModel(BaseModel):
    """Base of every scenario part.

    It forbids unknown keys (the loader turns them into a did-you-mean hint),
    is frozen (a loaded scenario never changes), validates defaults and
    assignments, and uses each field's docstring as its description, so the
    exported JSON Schema documents every key.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        validate_assignment=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,  # `.inf` or `.nan` in a scenario is never a setting
    )

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, data: object) -> object:
        """``max_sites: true`` (or ``yes``, ``on``) was read as 1: a yes/no value is never a
        number. It is handed on as the text ``'true'``, which the number field refuses at
        its own field path."""
        if not isinstance(data, dict):
            return data
        out = None
        for name, field in cls.model_fields.items():
            key = field.alias or name
            value = data.get(key)
            if isinstance(value, bool) and _numeric_only(field.annotation):
                out = out if out is not None else dict(data)
                out[key] = str(value).lower()
        return data if out is None else out


def _numeric_only(tp: object) -> bool:
    """True when a field's type is a number (int, float) and admits no yes/no value."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _numeric_only(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return bool(args) and all(_numeric_only(a) for a in args)
    return tp in (int, float)


Problem = tuple[tuple[Any, ...], str, str | Message, Any]
"""A cross-field problem of a scenario part: location, kind, message and the value."""


def msg(code: str, /, **params: Any) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``) with its parameters."""
    return Message(f"problem.{code}", params)


def invalid(code: str, /, **params: Any) -> ValueProblem:
    """The ``ValueError`` a validator raises: a catalogue problem text (``problem.`` +
    ``code``) that the loader renders in the user's language."""
    return ValueProblem(msg(code, **params))


def _custom_error(kind: str, message: str | Message) -> PydanticCustomError:
    if isinstance(message, Message):  # the loader renders it from the context
        return PydanticCustomError(kind, str(render(message, "en")), {"message": message})
    return PydanticCustomError(kind, message)


def raise_problems(title: str, problems: Sequence[Problem]) -> None:
    """Raise every collected cross-field problem at once, as one ``ValidationError`` with
    each problem at its own location (so the loader names every full field path)."""
    if problems:
        raise ValidationError.from_exception_data(
            title,
            [
                InitErrorDetails(type=_custom_error(kind, message), loc=loc, input=value)
                for loc, kind, message, value in problems
            ],
        )


def _resolve(path: Path, info: ValidationInfo) -> Path:
    """Make a path absolute, relative to the scenario file's folder."""
    base = (info.context or {}).get("base_dir")
    if path.is_absolute() or base is None:
        return path
    try:
        return (Path(base) / path).resolve()
    except (OSError, RuntimeError):  # a symbolic-link loop: kept for the reader to name
        return Path(os.path.abspath(Path(base) / path))


MAX_SEED = 2**31 - 1
"""The largest seed: CP-SAT and HiGHS take a 32-bit seed (a larger one stopped a run with a
TypeError); NumPy's generator takes no negative one (a ValueError)."""

Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
"""A random seed: a whole number from 0 to 2,147,483,647."""

_DRIVE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
"""A Windows drive letter (``C:\\``) or a network share (``\\\\server``) at the start."""
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
"""A web address (``https://``, ``file://``)."""
_HOME = re.compile(r"^~[A-Za-z0-9._-]*(?:[\\/]|$)")
"""A home folder as a shell writes it (``~/data``, ``~beleid/data``)."""


def foreign_path(text: str) -> ValueProblem | None:
    """What is wrong with a path as a scenario writes it, when this machine cannot read it
    as written: a web address, a shell's home folder (``~/data/units.csv`` was a folder
    named '~' beside the scenario: 'file does not exist'), a Windows path with a drive
    letter or a network share, or backslashes between folders (``..\\data\\units.csv``
    was one file name with backslashes in it: 'file does not exist'). ``None`` for an
    ordinary path, and on Windows for a Windows path (which reads there as written)."""
    if _URL.match(text):
        return invalid("scenario.path_url", path=text)
    if _HOME.match(text):  # a shell's home folder: glued to the scenario's folder
        return invalid("scenario.path_home", path=text, home=os.path.expanduser(text))
    if os.name == "nt":
        return None
    if _DRIVE.match(text):
        return invalid("scenario.path_drive", path=text)
    if "\\" in text:
        return invalid("scenario.path_backslash", path=text, write=text.replace("\\", "/"))
    return None


def _plain_path(value: object) -> object:
    """Refuse a path this machine cannot read as written (see :func:`foreign_path`)."""
    if isinstance(value, str) and (wrong := foreign_path(value)) is not None:
        raise wrong
    return value


InputPath = Annotated[Path, BeforeValidator(_plain_path), AfterValidator(_resolve)]
"""A file path in a scenario: relative paths are taken from the scenario file's folder."""


def known_encoding(encoding: str | None) -> str | None:
    """A declared text encoding must be one Python knows."""
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise invalid("scenario.unknown_encoding", encoding=encoding) from None
    return encoding


Encoding = Annotated[str | None, AfterValidator(known_encoding)]
"""A CSV file's declared text encoding (``None``: UTF-8, with or without byte-order mark)."""


def date_format(fmt: str) -> str:
    """Check a declared date format: Python ``strptime`` codes that write and read back a
    day, a month and a year (``%m/%d/%Y`` for a month-first export)."""
    probe = dt.date(2028, 6, 30)  # day 30 and month 6 cannot be mistaken for each other
    try:
        ok = dt.datetime.strptime(probe.strftime(fmt), fmt).date() == probe
    except ValueError:
        ok = False
    if not ok:
        raise invalid("scenario.bad_date_format", format=repr(fmt))
    return fmt


DateFormats = dict[str, Annotated[str, AfterValidator(date_format)]]
"""Per column, a declared date format (see :func:`date_format`)."""


class CsvOptions(StrictModel):
    """The options every CSV table input may declare (a Dutch Excel export writes ';',
    decimal commas and, as plain 'CSV', cp1252)."""

    separator: Literal[",", ";", "\t", "|"] | None = None
    """The character between fields (default ','). A Dutch Excel export uses ';'."""
    decimal: Literal[".", ","] = "."
    """The decimal mark of numbers. With ',' Dutch numbers such as 1.234,5 are read as
    1234.5 (ids, names, periods and dates are left as written)."""
    encoding: Encoding = None
    """The text encoding (default UTF-8, with or without byte-order mark), e.g. 'cp1252'
    for Excel's plain 'CSV' in a Dutch locale."""
    date_formats: DateFormats = Field(default_factory=dict)
    """Per column, a declared date format in Python strptime codes (e.g. '%m/%d/%Y') for a
    file that really is month-first. Without it, dates are read as YYYY-MM-DD or day-first
    DD-MM-YYYY, never month-first."""

    @model_validator(mode="after")
    def _separator_not_decimal(self) -> CsvOptions:
        check_separator_and_decimal(self.separator, self.decimal)
        return self


def check_separator_and_decimal(separator: str | None, decimal: str) -> None:
    """Refuse a declared separator that is also the decimal mark (``separator: ","`` with
    ``decimal: ","``): a number such as 2,5 would fall into two fields."""
    if separator is not None and separator == decimal:
        raise invalid("scenario.csv.separator_is_decimal", mark=separator)

"""The strict pydantic base model every scenario part uses, and shared field types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo


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
    )


def _resolve(path: Path, info: ValidationInfo) -> Path:
    """Make a path absolute, relative to the scenario file's folder."""
    base = (info.context or {}).get("base_dir")
    if path.is_absolute() or base is None:
        return path
    return (Path(base) / path).resolve()


InputPath = Annotated[Path, AfterValidator(_resolve)]
"""A file path in a scenario: relative paths are taken from the scenario file's folder."""

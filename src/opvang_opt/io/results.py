"""Atomic writing of a results folder: a failed run leaves nothing half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from opvang_opt.errors import OutputError, Problem
from opvang_opt.texts import Message

RESULT_MARKERS = ("run.json", "compare.csv", "sweep.csv")
"""Files that mark a folder as one opvang-opt wrote (and may replace)."""


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


def check_target(target: str | os.PathLike[str]) -> Path:
    """Refuse a results folder that is not empty and was not written by opvang-opt.

    Replacing results is fine; deleting someone's unrelated folder (``--out .`` or
    ``--out ~/Documents``) is not.

    Raises
    ------
    OutputError
        When ``target`` is a file, lies inside a file, is a symbolic link that leads back
        to itself, or is a non-empty folder without a results marker.
    """
    try:
        path = Path(target).resolve()
    except (OSError, RuntimeError):  # a symbolic link that leads back to itself
        path = Path(os.path.abspath(target))
        raise OutputError(
            _m("results.cannot_be_folder", path=str(path)),
            [Problem(_m("results.symlink_loop"), source=str(path))],
        ) from None
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        # a folder cannot be made inside a file: this failed only when the results were
        # written, after every stage had run
        raise OutputError(
            _m("results.cannot_be_folder", path=str(path)),
            [Problem(_m("results.inside_a_file", file=str(above)), source=str(path))],
        )
    if path.is_file():
        raise OutputError(
            _m("results.is_file", path=str(path)),
            [Problem(_m("results.choose_other"), source=str(path))],
        )
    foreign = path.is_dir() and any(path.iterdir())
    if foreign and not any((path / m).is_file() for m in RESULT_MARKERS):
        raise OutputError(
            _m("results.other_files", path=str(path)),
            [Problem(_m("results.only_own"), source=str(path))],
        )
    return path


@contextlib.contextmanager
def atomic_results_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; rename it to ``target`` on success.

    An existing ``target`` is replaced only after the new results are complete, and only
    when opvang-opt wrote it (see :func:`check_target`). On any error the temporary folder
    is removed and ``target`` is left as it was.

    Parameters
    ----------
    target
        The results folder to create or replace.
    """
    target = check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; results are ordinary files
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

"""Data shipped inside the package, found through :mod:`importlib.resources`.

The bundled demo (``scenarios/`` and ``data/demo/`` of the repository, fictitious data) is
package data under ``opvang_opt/_demo/``, with the same folders as in the repository, so the
scenario's relative paths (``../data/demo/...``) hold both in a checkout and in an installed
wheel. In a checkout ``_demo/scenarios`` and ``_demo/data/demo`` are links to the
repository's folders (one copy of the data); a wheel holds the files themselves.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from opvang_opt.errors import DataError, Problem
from opvang_opt.texts import Message

DEMO_NAME = "demo.yaml"


def demo_dir() -> Path:
    """The folder of the bundled demo (holding ``scenarios/`` and ``data/demo/``).

    Raises
    ------
    DataError
        When the package was installed without its demo data.
    """
    root = files("opvang_opt") / "_demo"
    path = Path(str(root))
    if not (path / "scenarios" / DEMO_NAME).is_file():
        raise DataError(
            Message("problem.demo.missing"),
            [Problem(Message("problem.demo.reinstall"), source=str(path))],
        )
    return path


def demo_scenario() -> Path:
    """The bundled demo scenario file (``scenarios/demo.yaml``; its data lies beside it).

    Examples
    --------
    >>> from opvang_opt.resources import demo_scenario
    >>> demo_scenario().name
    'demo.yaml'
    """
    return demo_dir() / "scenarios" / DEMO_NAME

"""opvang-opt: site selection, household allocation and regional task exchange.

The one entry point is :func:`opvang_opt.pipeline.run`; the CLI and the notebooks
are thin faces over it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opvang-opt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

"""opvang-opt: site selection, household allocation and regional task exchange.

Read and check every input with :func:`opvang_opt.io.load` (or
:func:`opvang_opt.io.load_inputs`), then run with :func:`opvang_opt.pipeline.run`
``(scenario, inputs)``; the CLI and the notebooks are thin faces over these two.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("opvang-opt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

"""Reading inputs and writing results: the only modules that touch files.

:func:`load_inputs` reads and checks every input of a scenario in one pass;
:func:`load` also loads the scenario file and reports the problems of both at once.
"""

from __future__ import annotations

from typing import Any

from opvang_opt.io.layers import WORKING_CRS, LayerReport, read_layer, read_table
from opvang_opt.io.results import atomic_results_dir

_LAZY = {
    "AllocationData": "opvang_opt.io.inputs",
    "Inputs": "opvang_opt.io.inputs",
    "inputs_from_frames": "opvang_opt.io.inputs",
    "load_inputs": "opvang_opt.io.inputs",
    "required_columns": "opvang_opt.io.inputs",
    "load": "opvang_opt.io.scenario",
}

__all__ = [
    "WORKING_CRS",
    "AllocationData",
    "Inputs",
    "LayerReport",
    "atomic_results_dir",
    "inputs_from_frames",
    "load",
    "load_inputs",
    "read_layer",
    "read_table",
    "required_columns",
]


def __getattr__(name: str) -> Any:
    # the input pass imports the stages' checks: loaded on first use only
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)

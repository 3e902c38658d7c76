"""Reading inputs and writing results: the only modules that touch files."""

from opvang_opt.io.layers import WORKING_CRS, LayerReport, read_layer, read_table
from opvang_opt.io.results import atomic_results_dir

__all__ = ["WORKING_CRS", "LayerReport", "atomic_results_dir", "read_layer", "read_table"]

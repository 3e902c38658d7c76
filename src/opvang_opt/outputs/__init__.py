"""Writing a run's results folder: tables, GeoPackage, map and run.json."""

from opvang_opt.outputs.write import RESULT_FILES, write_results

__all__ = ["RESULT_FILES", "write_results"]

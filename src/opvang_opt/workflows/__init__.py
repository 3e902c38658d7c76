"""Workflows over many runs: comparing scenarios and sweeping their settings.

Each module computes data (frames and typed results); rendering and writing them is in
:mod:`opvang_opt.outputs` (``compare_page``, ``sweep_files``). Settings are named by the
parameter paths of :mod:`opvang_opt.schema.paths` throughout.

- :mod:`.compare`: run two or more scenario files and line up their settings, input
  files, result figures and site statuses (:func:`~.compare.compare_scenarios`).
- :mod:`.figures`: the figures read off one run (shared by compare and sweep).
- :mod:`.sweep_plan`: read a sweep file and ``--vary`` options into a checked plan of
  variants (:func:`~.sweep_plan.plan_sweep`).
- :mod:`.sweep_run`: run every variant of a plan on Dask, one summary row per variant
  (:func:`~.sweep_run.run_sweep`).

Importing this package imports none of them (each loads what it needs).
"""

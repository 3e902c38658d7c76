"""Texts of input problems found by the stages and their table checks (``io.planning``,
``io.services``, ``io.inputs``, ``allocation``, ``siting``, ``exchange``, ``workflows``):
the lines under "Fout:" / "Error:". Keyed without the ``problem.`` prefix; merged into
:data:`opvang_opt.texts.catalogue.CATALOGUE`.

Dutch first, English complete; both use the same fields.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
}  # fmt: skip

"""Texts of input problems read from files and the scenario (``io``, ``schema``,
``connectors``, and shared helpers such as ``numtext`` and ``dates``): the lines under
"Fout:" / "Error:". Keyed without the ``problem.`` prefix; merged into
:data:`opvang_opt.texts.catalogue.CATALOGUE`.

Dutch first, English complete; both use the same fields.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "where.row": {"nl": "rij {row:plain}", "en": "row {row:plain}"},
    "where.line": {"nl": "regel {line:plain}", "en": "line {line:plain}"},
}  # fmt: skip

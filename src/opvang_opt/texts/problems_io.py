# ruff: noqa: E501  (one text per line reads best)
"""Texts of input problems read from files and the scenario (``io``, ``schema``,
``connectors``, and shared helpers such as ``numtext`` and ``dates``): the lines under
"Fout:" / "Error:". Keyed without the ``problem.`` prefix; merged into
:data:`opvang_opt.texts.catalogue.CATALOGUE`.

Dutch first, English complete; both use the same fields.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "where.row": {"nl": "rij {row:plain}", "en": "row {row:plain}"},
    "layer.thousands_point_column": {"nl": "'{value}' kan twee dingen betekenen: met een decimale punt is het {point:plain}, met een duizendtalpunt (een Nederlandse export) {thousands:plain}, en geen getal in deze kolom laat zien welke van de twee bedoeld is. Schrijf de getallen zonder punt, of geef `decimal: \",\"` op voor deze laag (met `separator: \";\"` voor een Nederlandse Excel-export)", "en": "'{value}' reads two ways: {point:plain} with a decimal point, {thousands:plain} with a thousands point (a Dutch export), and no number in this column shows which is meant. Write the numbers without the point, or declare `decimal: \",\"` for this layer (with `separator: \";\"` for a Dutch Excel export)"},
    "layer.thousands_points_column": {"nl": "'{value}' is geschreven met duizendtalpunten (een Nederlandse export: {thousands:plain}) in een laag met een decimale punt. Schrijf de getallen zonder punt, of geef `decimal: \",\"` op voor deze laag (met `separator: \";\"` voor een Nederlandse Excel-export)", "en": "'{value}' is written with thousands points (a Dutch export: {thousands:plain}) in a layer with a decimal point. Write the numbers without the points, or declare `decimal: \",\"` for this layer (with `separator: \";\"` for a Dutch Excel export)"},
    "layer.thousands_point_text": {"nl": "'{value}' staat als tekst in de laag en kan twee dingen betekenen: met een decimale punt {point:plain}, met een duizendtalpunt {thousands:plain}, en geen getal in deze kolom laat zien welke van de twee bedoeld is. Sla de kolom op als getallen (een numeriek veld), of schrijf de getallen zonder punt", "en": "'{value}' is text in the layer and reads two ways: {point:plain} with a decimal point, {thousands:plain} with a thousands point, and no number in this column shows which is meant. Store the column as numbers (a numeric field), or write the numbers without the point"},
    "layer.thousands_points_text": {"nl": "'{value}' staat als tekst in de laag, geschreven met duizendtalpunten ({thousands:plain}). Sla de kolom op als getallen (een numeriek veld), of schrijf de getallen zonder punten", "en": "'{value}' is text in the layer, written with thousands points ({thousands:plain}). Store the column as numbers (a numeric field), or write the numbers without the points"},
    "where.line": {"nl": "regel {line:plain}", "en": "line {line:plain}"},
}  # fmt: skip

"""The comparison's files: ``compare.html`` (one self-contained page) and ``compare.csv``.

Renders a :class:`~opvang_opt.workflows.compare.Comparison` (data only) in Dutch (default)
or English: labels of the result figures, the notes, the page with a static map of the
sites whose status changed, and the long table. :func:`write_comparison` writes both
files atomically. Every text from an input is escaped in the page.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from opvang_opt.io.results import atomic_results_dir
from opvang_opt.outputs.safe import write_csv
from opvang_opt.outputs.static import _nice_length
from opvang_opt.texts import CATALOGUE, Lang, localise, t
from opvang_opt.workflows.compare import (
    STATUS_EXCLUDED,
    Comparison,
    Note,
    display_path,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def tx(key: str, lang: Lang) -> str:
    """The text of ``key`` in ``lang`` (``compare.<key>`` in the catalogue)."""
    return t(f"compare.{key}", lang)


def result_label(key: str, lang: Lang) -> str:
    """The label of a result figure (an ``item`` of ``Comparison.results``) in ``lang``."""
    if f"compare.result.{key}" in CATALOGUE:
        return t(f"compare.result.{key}", lang)
    if key.startswith("siting.excluded_by."):
        return t("compare.excluded_by", lang, rule=key.removeprefix("siting.excluded_by."))
    if key.startswith("exchange.payment."):
        return t("compare.payment", lang, code=key.removeprefix("exchange.payment."))
    if key.startswith("allocation."):
        rest = key.removeprefix("allocation.")
        name = rest.removeprefix("components.")
        known = f"compare.allocation.{name}" in CATALOGUE
        text = t(f"compare.allocation.{name}", lang) if known else rest
        if rest.startswith("components."):
            text = t("compare.objective_part", lang, text=text)
        return t("compare.allocation_label", lang, text=text)
    return key


def note_text(note: Note, lang: Lang) -> str:
    """A note of the comparison as a sentence in ``lang``."""
    return t(f"compare.{note.code}", lang, **note.params)


def comparison_table(comp: Comparison, lang: Lang = "nl") -> pd.DataFrame:
    """The long table of ``compare.csv``: section, item, label, one column per scenario,
    differs. Sections: settings, input_files, results, sites; result labels in ``lang``."""
    labels = comp.labels
    parts = []
    s = comp.settings.copy()
    s.insert(0, "section", "settings")
    s.insert(2, "label", "")
    s["differs"] = True
    parts.append(s)
    i = comp.inputs.copy()
    i.insert(0, "section", "input_files")
    i.insert(2, "label", "")
    parts.append(i)
    r = comp.results.copy()
    r.insert(0, "section", "results")
    r.insert(2, "label", [result_label(k, lang) for k in r["item"]])
    parts.append(r)
    st = pd.DataFrame(comp.sites.drop(columns="geometry"))
    sites = pd.DataFrame({
        "section": "sites", "item": st["site_id"], "label": st["name"],
        **{lab: st[lab] for lab in labels}, "differs": True,
    })  # fmt: skip
    parts.append(sites)
    cols = ["section", "item", "label", *labels, "differs"]
    out = pd.concat([p[cols] for p in parts if len(p)], ignore_index=True)
    for lab in labels:
        out[lab] = [_csv_value(v) for v in out[lab]]
    return out


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _fmt(value: Any, lang: Lang) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return tx("absent", lang)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    if isinstance(value, int):
        return localise(f"{value:,}", lang)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1000:
            return localise(f"{int(value):,}", lang)
        return localise(f"{value:,.4f}".rstrip("0").rstrip("."), lang)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_COUNT_KEYS = ("allocation.placed", "allocation.unplaced", "allocation.baseline_placed")


def _cell(key: str, value: Any, lang: Lang) -> str:
    """A value as escaped HTML text; counts of households are shown as <5 below 5."""
    if key in _COUNT_KEYS and isinstance(value, int | float) and 0 < value < 5:
        return html.escape("<5")
    return html.escape(_fmt(value, lang))


CHANGE_COLOURS = {"comes_in": "#1a9641", "goes_out": "#d7191c", "other_change": "#fdae61"}


def status_map_png(comp: Comparison, lang: Lang = "nl") -> bytes | None:
    """A static map (PNG) of the sites whose status changes, over the region's boundaries.

    Returns ``None`` when no site changes status.
    """
    if comp.sites.empty:
        return None
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    first = comp.runs[0].result
    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    bnd_name = comp.runs[0].scenario.region.boundaries
    if bnd_name and bnd_name in first.inputs.layers:
        first.inputs.layers[bnd_name].boundary.plot(ax=ax, color="#777777", linewidth=0.8)
    first.siting.sites.plot(ax=ax, facecolor="#e0e0e0", edgecolor="#bdbdbd", linewidth=0.4)
    handles = [Patch(facecolor="#e0e0e0", edgecolor="#bdbdbd", label=tx("unchanged", lang))]
    for change, colour in CHANGE_COLOURS.items():
        part = comp.sites[comp.sites["change"] == change]
        if part.empty:
            continue
        part.plot(ax=ax, facecolor=colour, edgecolor="#333333", linewidth=0.8)
        pts = part.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=46, color=colour, edgecolor="#333333", linewidth=0.7,
                   zorder=3)  # fmt: skip
        handles.append(Patch(facecolor=colour, edgecolor="#333333", label=tx(change, lang)))
        for sid, pt in zip(part["site_id"], pts, strict=True):
            ax.annotate(str(sid), (pt.x, pt.y), xytext=(4, 4), textcoords="offset points",
                        fontsize=7)  # fmt: skip
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_title(tx("sites", lang), fontsize=11)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _scale_bar(ax: Axes) -> None:
    """A plain scale bar in the lower right corner, about a fifth of the map wide."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0) if x1 > x0 else 1.0
    x, y = x1 - (x1 - x0) * 0.05 - length, y0 + (y1 - y0) * 0.05
    ax.plot([x, x + length], [y, y], color="black", linewidth=2)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x + length / 2, y + (y1 - y0) * 0.01, label, ha="center", fontsize=7)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;
max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}tr.differs td{background:#fff4d6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fdecea;border-left:4px solid #d7191c;padding:.5em 1em;margin:.5em 0}
.fict{background:#222;color:#fff;padding:.4em 1em;font-weight:bold}
.muted{color:#666}img{max-width:100%;border:1px solid #ccc}
.s-shortlist{color:#1a9641;font-weight:bold}.s-excluded{color:#777}
"""

_e = html.escape


def render_html(comp: Comparison, map_png: bytes | None = None, *, lang: Lang = "nl") -> str:
    """``compare.html``: one self-contained page (inline style, map as embedded PNG).

    Every text from an input (names, titles, labels, file names, values) is escaped.
    """
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{_e(tx('title', lang))}</title><style>{_CSS}</style></head><body>",
    ]
    if any(r.scenario.outputs.fictitious for r in comp.runs):
        parts.append(f'<div class="fict">{_e(tx("fictitious", lang))}</div>')
    parts.append(f"<h1>{_e(tx('title', lang))}</h1>")
    parts.append(f'<p class="muted">{_e(tx("made", lang))} {_e(comp.created_at)}</p>')
    parts += _scenarios_section(comp, lang)
    parts += _inputs_section(comp, lang)
    parts += _results_section(comp, lang)
    parts += _sites_section(comp, lang, map_png)
    parts.append("</body></html>")
    return "\n".join(parts)


def _head(comp: Comparison) -> str:
    return "".join(f"<th>{_e(lab)}</th>" for lab in comp.labels)


def _scenarios_section(comp: Comparison, lang: Lang) -> list[str]:
    parts = [f"<h2>{_e(tx('scenarios', lang))}</h2><table><tr><th></th>"
             f"<th>{_e(tx('scenario_title', lang))}</th><th>{_e(tx('file', lang))}</th>"
             f"<th>{_e(tx('hash', lang))}</th></tr>"]  # fmt: skip
    for r in comp.runs:
        parts.append(
            f"<tr><th>{_e(r.label)}</th><td>{_e(r.scenario.title)}</td>"
            f"<td>{_e(display_path(str(Path(r.path).resolve())))}</td>"
            f"<td><code>{_e(r.result.scenario_hash)}</code></td></tr>"
        )
    parts.append("</table>")
    for note in comp.notes:
        parts.append(f'<div class="note"><strong>{_e(tx("notes", lang))}:</strong> '
                     f"{_e(note_text(note, lang))}</div>")  # fmt: skip
    return parts


def _inputs_section(comp: Comparison, lang: Lang) -> list[str]:
    labels, head = comp.labels, _head(comp)
    parts = [f"<h2>{_e(tx('inputs', lang))}</h2><h3>{_e(tx('settings', lang))}</h3>"]
    if comp.settings.empty:
        parts.append(f"<p>{_e(tx('no_setting_diff', lang))}</p>")
    else:
        parts.append(f"<table><tr><th>{_e(tx('setting', lang))}</th>{head}</tr>")
        for _, row in comp.settings.iterrows():
            cells = "".join(f"<td>{_e(_fmt(row[lab], lang))}</td>" for lab in labels)
            parts.append(f'<tr class="differs"><td><code>{_e(row["item"])}</code></td>{cells}</tr>')
        parts.append("</table>")
    parts.append(f"<h3>{_e(tx('files', lang))}</h3>")
    if not comp.inputs["differs"].any():
        parts.append(f"<p>{_e(tx('no_file_diff', lang))}</p>")
    parts.append(f"<table><tr><th>{_e(tx('layer', lang))}</th>{head}</tr>")
    for _, row in comp.inputs.iterrows():
        cls = ' class="differs"' if row["differs"] else ""
        cells = "".join(f"<td>{_e(_fmt(row[lab], lang))}</td>" for lab in labels)
        parts.append(f"<tr{cls}><td>{_e(row['item'])}</td>{cells}</tr>")
    parts.append("</table>")
    return parts


def _results_section(comp: Comparison, lang: Lang) -> list[str]:
    parts = [f"<h2>{_e(tx('results', lang))}</h2>",
             f"<table><tr><th>{_e(tx('metric', lang))}</th>{_head(comp)}</tr>"]  # fmt: skip
    for _, row in comp.results.iterrows():
        cls = ' class="differs"' if row["differs"] else ""
        cells = "".join(
            f'<td class="num">{_cell(row["item"], row[lab], lang)}</td>' for lab in comp.labels
        )
        parts.append(f"<tr{cls}><td>{_e(result_label(row['item'], lang))}</td>{cells}</tr>")
    parts.append("</table>")
    return parts


def _sites_section(comp: Comparison, lang: Lang, map_png: bytes | None) -> list[str]:
    parts = [f"<h2>{_e(tx('sites', lang))}</h2>"]
    if comp.sites.empty:
        parts.append(f"<p>{_e(tx('no_site_diff', lang))}</p>")
        return parts
    parts.append(f"<table><tr><th>{_e(tx('site', lang))}</th><th>{_e(tx('name', lang))}</th>"
                 f"{_head(comp)}</tr>")  # fmt: skip
    for _, row in comp.sites.iterrows():
        cells = []
        for lab in comp.labels:
            status = row[lab]
            text = tx(status, lang)
            why = row[f"{lab}: excluded_by"]
            if status == STATUS_EXCLUDED and why:
                text += f" ({why})"
            cells.append(f'<td class="s-{_e(status)}">{_e(text)}</td>')
        parts.append(f"<tr><td>{_e(row['site_id'])}</td><td>{_e(row['name'])}</td>"
                     f"{''.join(cells)}</tr>")  # fmt: skip
    parts.append("</table>")
    if map_png:
        data = base64.b64encode(map_png).decode("ascii")
        caption = _e(tx("map_caption", lang))
        parts.append(f'<figure><img alt="{_e(tx("sites", lang))}" '
                     f'src="data:image/png;base64,{data}">'
                     f"<figcaption>{caption}</figcaption></figure>")  # fmt: skip
    return parts


def write_comparison(
    comp: Comparison, out_dir: str | os.PathLike[str], *, lang: Lang = "nl"
) -> Path:
    """Write ``compare.html`` and ``compare.csv`` into ``out_dir`` in ``lang``, all or nothing."""
    out = Path(out_dir)
    page = render_html(comp, status_map_png(comp, lang), lang=lang)
    with atomic_results_dir(out) as tmp:
        write_csv(comparison_table(comp, lang), tmp / "compare.csv")
        (tmp / "compare.html").write_text(page, encoding="utf-8")
    return out.resolve()

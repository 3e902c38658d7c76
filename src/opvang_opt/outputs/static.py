"""Static maps for documents (``map.png``, ``map.pdf``), drawn with matplotlib.

The map works offline: it needs no tiles. It shows the key layers (boundaries, constraint
layers, the longlist by score class, excluded sites, the shortlist with its rank, unit
layouts, the allocation per site and exchange flows), with a title, legend, scale bar,
north arrow and attribution. Nothing is written here: :func:`render_static` returns bytes.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from opvang_opt.outputs import content
from opvang_opt.outputs.maps import (
    ALLOCATION_COLOUR,
    CONSTRAINT_COLOURS,
    EXCLUDED_COLOUR,
    FLOW_COLOUR,
    LAYOUT_COLOUR,
    NAME_COLUMNS,
    SCORE_BREAKS,
    SCORE_COLOURS,
    SHORTLIST_EDGE,
    score_class,
)
from opvang_opt.pipeline import RunResult
from opvang_opt.texts import Lang, fmt_number, t

A4_LANDSCAPE = (11.69, 8.27)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length of about a fifth of the map's width."""
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return step * power
    return power


def _scale_bar(ax, lang: Lang) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    h = (y1 - y0) * 0.008
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h,
                               facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", lw=0.6, zorder=20))  # fmt: skip
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 2.2 * h, "0", fontsize=7, ha="center", zorder=20)
    ax.text(bx + length, by + 2.2 * h, label, fontsize=7, ha="center", zorder=20)


def _north_arrow(ax, lang: Lang) -> None:
    ax.annotate(
        t("map.north", lang), xy=(0.96, 0.95), xytext=(0.96, 0.86), xycoords="axes fraction",
        ha="center", va="center", fontsize=12, fontweight="bold", zorder=20,
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10},
    )  # fmt: skip


def static_map(result: RunResult, lang: Lang | None = None) -> Figure:
    """Draw the run's static map.

    Parameters
    ----------
    result
        The run.
    lang
        Language of the labels; defaults to the scenario's ``outputs.lang``.

    Returns
    -------
    matplotlib.figure.Figure
        An A4 landscape figure (no pyplot state is touched).
    """
    sc = result.scenario
    lang = lang or sc.outputs.lang
    sites = result.siting.sites
    layers = result.inputs.layers
    fig = Figure(figsize=A4_LANDSCAPE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    handles: list = []

    extent = sites.total_bounds
    if sc.region.boundaries in layers:
        extent = layers[sc.region.boundaries].total_bounds
    pad = max(extent[2] - extent[0], extent[3] - extent[1]) * 0.03

    for n, layer in enumerate(content.constraint_layers(result)):
        gdf = layers[layer.name]
        if gdf.empty or layer.role != "exclusion":
            continue
        colour = CONSTRAINT_COLOURS[n % len(CONSTRAINT_COLOURS)]
        kinds = set(gdf.geom_type)
        if kinds & {"Polygon", "MultiPolygon"}:
            gdf.plot(ax=ax, color=colour, alpha=0.25, edgecolor=colour, linewidth=0.5, zorder=2)
            handles.append(Patch(facecolor=colour, alpha=0.4, edgecolor=colour,
                                 label=f"{t('map.constraint', lang)}: {layer.label}"))  # fmt: skip
        else:
            gdf.plot(ax=ax, color=colour, linewidth=1.5, markersize=6, zorder=3)
            handles.append(Line2D([], [], color=colour, lw=1.5,
                                  label=f"{t('map.constraint', lang)}: {layer.label}"))  # fmt: skip

    if sc.region.districts in layers:
        layers[sc.region.districts].boundary.plot(
            ax=ax, color="#666666", linewidth=0.5, linestyle="--", zorder=4
        )
        handles.append(Line2D([], [], color="#666666", lw=0.6, ls="--",
                              label=t("map.districts", lang)))  # fmt: skip
    if sc.region.boundaries in layers:
        bnd = layers[sc.region.boundaries]
        bnd.boundary.plot(ax=ax, color="#222222", linewidth=1.6, zorder=5)
        handles.append(Line2D([], [], color="#222222", lw=1.6, label=t("map.municipalities", lang)))
        name_col = next((c for c in NAME_COLUMNS if c in bnd.columns), None)
        if name_col:
            for geom, name in zip(bnd.geometry, bnd[name_col], strict=True):
                p = geom.representative_point()
                ax.text(p.x, p.y, str(name), fontsize=9, color="#222222", alpha=0.7,
                        ha="center", va="center", zorder=6, style="italic")  # fmt: skip

    excluded = sites[sites["excluded"].to_numpy(bool)]
    eligible = sites[~sites["excluded"].to_numpy(bool)]
    if len(excluded):
        excluded.plot(ax=ax, color=EXCLUDED_COLOUR, edgecolor="#616161", linewidth=0.4, zorder=7)
    if len(eligible):
        colours = [SCORE_COLOURS[score_class(s)] for s in eligible["score"]]
        eligible.plot(ax=ax, color=colours, edgecolor="#444444", linewidth=0.4, zorder=8)
    for i, colour in enumerate(SCORE_COLOURS):
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor="#444444",
                label=f"score {SCORE_BREAKS[i]:.0f}-{SCORE_BREAKS[i + 1]:.0f}",
            )
        )
    handles.append(Patch(facecolor=EXCLUDED_COLOUR, edgecolor="#616161",
                         label=t("map.excluded_legend", lang)))  # fmt: skip

    short = sites[sites["shortlisted"].to_numpy(bool)]
    if len(short):
        short.boundary.plot(ax=ax, color=SHORTLIST_EDGE, linewidth=2.2, zorder=9)
        for geom, rank in zip(short.geometry, short["rank"], strict=True):
            p = geom.representative_point()
            ax.annotate(
                str(int(rank)),
                (p.x, p.y),
                xytext=(6, 6),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold",
                color="white",
                zorder=12,
                bbox={"boxstyle": "circle,pad=0.2", "fc": SHORTLIST_EDGE, "ec": "none"},
            )
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=SHORTLIST_EDGE,
                linewidth=2,
                label=f"{t('map.shortlist_legend', lang)}, {t('map.rank', lang).lower()}",
            )
        )

    lay = result.siting.layouts
    if lay is not None and len(lay):
        lay.plot(ax=ax, color=LAYOUT_COLOUR, edgecolor=SHORTLIST_EDGE, linewidth=0.1, zorder=10)
        handles.append(Patch(facecolor=LAYOUT_COLOUR, label=t("map.layout", lang)))

    by_site = content.allocation_by_site(result)
    if by_site is not None and len(by_site):
        pts = content.allocation_points(result, by_site)
        ok = pts.notna().to_numpy()
        # drawn for the council in every profile: 1-4 persons look like 5
        persons = np.sqrt(content.marker_persons(by_site["persons"].to_numpy(float), "council"))
        persons = persons[ok]
        gpd.GeoSeries(pts[ok], crs=pts.crs).plot(
            ax=ax, markersize=20 + 12 * persons, color=ALLOCATION_COLOUR, alpha=0.6,
            edgecolor="#7f2704", zorder=11,
        )  # fmt: skip
        handles.append(Line2D([], [], marker="o", ls="", color=ALLOCATION_COLOUR, alpha=0.6,
                              markersize=8, label=t("map.allocation_legend", lang)))  # fmt: skip

    _flows(ax, result, lang, handles)

    ax.set_xlim(extent[0] - pad, extent[2] + pad)
    ax.set_ylim(extent[1] - pad, extent[3] + pad)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, lang)
    _north_arrow(ax, lang)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False, borderaxespad=0)  # fmt: skip

    title = sc.outputs.title or sc.title or sc.name
    fig.suptitle(title, fontsize=13, fontweight="bold")
    sub = (
        f"{t('map.scenario', lang)}: {sc.name} · hash {result.scenario_hash} · "
        f"{t('map.run_date', lang)}: {result.started_at[:10]}"
    )
    ax.set_title(sub, fontsize=8, color="#333333")
    if sc.outputs.fictitious:
        ax.text(0.5, 0.02, t("map.fictitious", lang), transform=ax.transAxes, ha="center",
                fontsize=10, fontweight="bold", color="#b71c1c", zorder=21,
                bbox={"fc": "white", "ec": "#b71c1c", "alpha": 0.85})  # fmt: skip
    attribution = content.attribution(result, lang)
    note = f"{t('map.data', lang)}: {attribution} · " if attribution else ""
    fig.text(0.01, 0.005, f"{note}{t('map.no_tiles', lang)} · RD New (EPSG:28992) · opvang-opt",
             fontsize=6.5, color="#444444", ha="left", va="bottom")  # fmt: skip
    return fig


def _flows(ax, result: RunResult, lang: Lang, handles: list) -> None:
    sc = result.scenario
    if result.exchange is None or result.exchange.result is None or sc.region.boundaries is None:
        return
    flows = result.exchange.result.flows
    if flows is None or flows.empty:
        return
    bnd = result.inputs.layers[sc.region.boundaries]
    code_col = sc.layers[sc.region.boundaries].id_column or "municipality_code"
    if code_col not in bnd.columns:
        return
    pts = bnd.set_index(bnd[code_col].astype(str)).geometry.representative_point()
    pairs = flows.groupby(["from_code", "to_code"], sort=True)["places"].sum()
    for (src, dst), total in pairs.items():
        if src not in pts.index or dst not in pts.index:
            continue
        a, b = pts[src], pts[dst]
        arrow = FancyArrowPatch(
            (a.x, a.y),
            (b.x, b.y),
            connectionstyle="arc3,rad=0.15",
            arrowstyle="-|>,head_length=6,head_width=3",
            color=FLOW_COLOUR,
            lw=1 + min(total, 200) / 40,
            zorder=13,
        )
        ax.add_patch(arrow)
        mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
        dx, dy = b.x - a.x, b.y - a.y
        ax.text(mx + dy * 0.09, my - dx * 0.09, fmt_number(total, lang), fontsize=8,
                color=FLOW_COLOUR, fontweight="bold", ha="center", va="center", zorder=14,
                bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})  # fmt: skip
    handles.append(Line2D([], [], color=FLOW_COLOUR, lw=2, label=t("map.flows", lang)))


def render_static(result: RunResult, lang: Lang | None = None) -> dict[str, bytes]:
    """The static map as ``{"png": ..., "pdf": ...}`` bytes (150 dpi PNG, vector PDF)."""
    fig = static_map(result, lang)
    out = {}
    for fmt, kwargs in (
        ("png", {"dpi": 150, "metadata": {"Software": None}}),
        ("pdf", {"metadata": {"CreationDate": None, "Creator": "opvang-opt"}}),
    ):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, **kwargs)
        out[fmt] = buf.getvalue()
    return out

"""Static maps for documents (``map.png``, ``map.pdf``), drawn with matplotlib.

The map works offline: it needs no tiles. With ``outputs.background`` in the scenario a
background map (PDOK BRT-Achtergrondkaart or OpenStreetMap, see
:mod:`opvang_opt.connectors.tiles`) is drawn under the layers; when its tiles cannot be
fetched the caption says so and no background is credited. It shows the key layers
(boundaries, constraint layers, the longlist by score class, excluded sites, the
shortlist with its name, unit layouts, the allocation per site and exchange flows), with a
title, legend, scale bar, north arrow and attribution. Nothing is written here:
:func:`render_static` returns bytes.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle
from matplotlib.text import Text

from opvang_opt.connectors.tiles import Background, TileSource
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
from opvang_opt.texts import Lang, fmt_date, fmt_number, t

A4_LANDSCAPE = (11.69, 8.27)
BACKGROUND_PX = 1600
"""Width in pixels of the regional map's background (about the PNG's 150 dpi)."""


def draw_background(ax, tiles: TileSource | None, width_px: int) -> Background | None:
    """Draw the background tiles under everything on ``ax`` (whose limits are final).

    Returns the background drawn, or ``None`` (no background asked, or the tiles could
    not be fetched: then ``tiles.failed`` says why)."""
    if tiles is None:
        return None
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bg = tiles.background((x0, x1, y0, y1), width_px)
    if bg is not None:
        ax.imshow(bg.image, extent=bg.extent, origin="upper", zorder=0, interpolation="nearest")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    return bg


def background_note(tiles: TileSource | None, bg: Background | None, lang: Lang) -> str:
    """The caption's word on the background: its credit when drawn, why not when it
    could not be loaded, or that the map has none."""
    if bg is not None:
        return t("map.tiles_credit", lang, attribution=bg.attribution)
    if tiles is not None:
        return t("map.tiles_failed", lang, host=tiles.host)
    return t("map.no_tiles", lang)


def shown_attribution(result: RunResult, lang: Lang) -> str:
    """The data attribution without any background-map credit of the scenario (that is for
    the tiles of map.html; a static map credits its own background, when it draws one)."""
    return "; ".join(
        part for part in content.attribution(result, lang).split("; ")
        if part and not part.lower().startswith(("achtergrondkaart", "background"))
    )  # fmt: skip


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


NORTH_CORNERS = ((0.96, 0.95), (0.04, 0.95), (0.96, 0.30), (0.04, 0.30))
"""Candidate places of the north arrow's tip (axes fraction), first choice first; the lower
corners sit above the scale bar and the fictitious-data banner."""


def north_arrow_place(ax, points: np.ndarray) -> tuple[float, float]:
    """The first corner whose arrow box (8 % x 14 % of the axes) covers the fewest
    ``points`` (data coordinates of the sites; shortlisted ones count ten times)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    if len(points):
        fx = (points[:, 0] - x0) / (x1 - x0)
        fy = (points[:, 1] - y0) / (y1 - y0)
        w = points[:, 2]
    best, best_n = NORTH_CORNERS[0], math.inf
    for cx, cy in NORTH_CORNERS:
        n = 0.0
        if len(points):
            inside = (abs(fx - cx) <= 0.04) & (fy <= cy + 0.02) & (fy >= cy - 0.14)
            n = float(w[inside].sum())
        if n < best_n:
            best, best_n = (cx, cy), n
    return best


def _north_arrow(ax, lang: Lang, where: tuple[float, float] = NORTH_CORNERS[0]) -> None:
    cx, cy = where
    ax.annotate(
        t("map.north", lang), xy=(cx, cy), xytext=(cx, cy - 0.09), xycoords="axes fraction",
        ha="center", va="center", fontsize=12, fontweight="bold", zorder=20,
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10},
    )  # fmt: skip


def static_map(
    result: RunResult, lang: Lang | None = None, tiles: TileSource | None = None
) -> Figure:
    """Draw the run's static map.

    Parameters
    ----------
    result
        The run.
    lang
        Language of the labels; defaults to the scenario's ``outputs.lang``.
    tiles
        Where to fetch a background map from (none by default).

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
    site_labels: list = []  # the shortlisted sites' names, placed at the end

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
        edge = short.boundary
        drawn = ~edge.is_empty.to_numpy(bool)  # a site given as a point has no boundary
        if drawn.any():
            edge[drawn].plot(ax=ax, color=SHORTLIST_EDGE, linewidth=2.2, zorder=9)
        points = short[~drawn & short.geom_type.isin(["Point", "MultiPoint"]).to_numpy(bool)]
        if len(points):  # ringed instead
            points.plot(ax=ax, facecolor="none", edgecolor=SHORTLIST_EDGE, markersize=90,
                        linewidth=2.2, zorder=9)  # fmt: skip
        name_col = content.site_name_column(result)
        names = short[name_col] if name_col else short[result.inputs.siting.id_column]
        for geom, name in zip(short.geometry, names, strict=True):
            p = geom.representative_point()
            label = str(name) if len(str(name)) <= 32 else str(name)[:31] + "…"
            site_labels.append(ax.annotate(
                label,
                (p.x, p.y),
                xytext=(8, 8),
                textcoords="offset points",
                fontsize=7.5,
                fontweight="bold",
                color=SHORTLIST_EDGE,
                zorder=12,
                arrowprops={"arrowstyle": "-", "color": SHORTLIST_EDGE, "lw": 0.6},
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": SHORTLIST_EDGE,
                      "alpha": 0.9, "lw": 0.6},
            ))  # fmt: skip
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=SHORTLIST_EDGE,
                linewidth=2,
                label=t("map.shortlist_legend", lang),
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
    bg = draw_background(ax, tiles, BACKGROUND_PX)
    _scale_bar(ax, lang)
    pts = sites.geometry.representative_point()
    weights = np.where(sites["shortlisted"].to_numpy(bool), 10.0, 1.0)
    _north_arrow(ax, lang, north_arrow_place(
        ax, np.column_stack([pts.x.to_numpy(), pts.y.to_numpy(), weights])))  # fmt: skip
    # the legend inside the figure (constrained layout makes room), never clipped
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7, frameon=False)

    title = sc.outputs.title or sc.title or sc.name
    fig.suptitle(title, fontsize=13, fontweight="bold")
    sub = (
        f"{t('map.scenario', lang)}: {sc.name} · hash {result.scenario_hash} · "
        f"{t('map.run_date', lang)}: {fmt_date(result.started_at, lang)}"
    )
    ax.set_title(sub, fontsize=8, color="#333333")
    if sc.outputs.fictitious:
        ax.text(0.5, 0.02, t("map.fictitious", lang), transform=ax.transAxes, ha="center",
                fontsize=10, fontweight="bold", color="#b71c1c", zorder=21,
                bbox={"fc": "white", "ec": "#b71c1c", "alpha": 0.85})  # fmt: skip
    # credit only what is shown: the data, and the background when one is drawn
    attribution = shown_attribution(result, lang)
    note = f"{t('map.data', lang)}: {attribution} · " if attribution else ""
    # credits under the subtitle, inside the layout (clear of the legend, never clipped)
    credits = f"{note}{background_note(tiles, bg, lang)} · RD New (EPSG:28992) · opvang-opt"
    ax.set_title(f"{sub}\n{credits}", fontsize=7.5, color="#333333")
    place_labels(fig, ax, site_labels)
    return fig


LABEL_OFFSETS = tuple(
    (sx * r, sy * r) for r in (8, 18, 32, 50, 72) for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1))
)
"""Where a site's name may stand from its site (points, nearest first; each quadrant)."""
LABEL_GAP_PX = 2.0
"""Room kept between two names (pixels of the figure as drawn)."""
LABEL_PAD_PX = 2.0
"""The white frame round a name's text (``pad=0.2`` of 7.5 pt at 100 dpi is 2 px)."""


def place_labels(fig: Figure, ax, labels: list) -> None:
    """Move each site name (an annotation with a leader line) to the nearest spot where it
    overlaps no name placed before it and stays inside the map frame; where no spot is
    free, the one with the least overlap. Names are placed from north to south."""
    if not labels:
        return
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    for ann in labels:
        ann.set_in_layout(False)  # a name never moves the frame (constrained layout)
    fig.draw_without_rendering()  # settles the layout: the frame's place on the page
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    placed: list = []
    for ann in sorted(labels, key=lambda a: (-a.xy[1], a.xy[0])):
        best, best_cost = None, math.inf
        for dx, dy in LABEL_OFFSETS:
            ann.set_position((dx, dy))
            ann.set_horizontalalignment("left" if dx > 0 else "right")
            ann.set_verticalalignment("bottom" if dy > 0 else "top")
            # the name's box (its text and white frame), not its leader line
            box = Text.get_window_extent(ann, renderer).padded(LABEL_PAD_PX)
            grown = box.padded(LABEL_GAP_PX)
            overlap = sum(_overlap_area(grown, other) for other in placed)
            outside = box.width * box.height - _overlap_area(box, frame)
            cost = overlap + outside
            if cost < best_cost:
                best, best_cost = (dx, dy, box), cost
            if cost == 0:
                break
        assert best is not None
        dx, dy, box = best
        ann.set_position((dx, dy))
        ann.set_horizontalalignment("left" if dx > 0 else "right")
        ann.set_verticalalignment("bottom" if dy > 0 else "top")
        placed.append(box)


def _overlap_area(a, b) -> float:
    """Area shared by two display boxes (0 when apart)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


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


def render_static(
    result: RunResult, lang: Lang | None = None, tiles: TileSource | None = None
) -> dict[str, bytes]:
    """The static map as ``{"png": ..., "pdf": ...}`` bytes (150 dpi PNG, vector PDF; the
    background, when drawn, is embedded as an image)."""
    fig = static_map(result, lang, tiles)
    out = {}
    for fmt, kwargs in (
        ("png", {"dpi": 150, "metadata": {"Software": None}}),
        ("pdf", {"metadata": {"CreationDate": None, "Creator": "opvang-opt"}}),
    ):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, **kwargs)
        out[fmt] = buf.getvalue()
    return out

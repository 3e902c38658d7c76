"""The shortlist's trade-off chart (``frontier`` in the report and notebook 01).

Three panels from ``SitingResult.tradeoff``: quality (mean score per needed place) against
cost and against the number of sites (the exact frontiers), and against the capacity
target. The chosen shortlist is marked in every panel.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.figure import Figure

from opvang_opt.texts import Lang, t


def frontier_figure(tradeoff: pd.DataFrame, lang: Lang = "nl") -> Figure | None:
    """The chart as a matplotlib figure; None when there is nothing to draw."""
    if tradeoff is None or tradeoff.empty or "frontier" not in tradeoff.columns:
        return None
    ok = tradeoff[tradeoff["feasible"].astype(bool)]
    panels = [
        (kind, x, t(f"frontier.t_{kind}", lang), t(f"frontier.{x}", lang))
        for kind, x in (("cost", "cost"), ("sites", "sites"), ("target", "target"))
        if (ok["frontier"] == kind).any()
    ]
    if not panels:
        return None
    fig = Figure(figsize=(4.2 * len(panels), 3.6), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (kind, x, title, xlabel) in zip(axes, panels, strict=True):
        pts = ok[ok["frontier"] == kind]
        col = {"cost": "cost", "sites": "n_sites", "target": "target"}[x]
        xs = pts[col].astype(float) / (1e6 if x == "cost" else 1)
        step = "post" if kind != "target" else None
        pts_sorted = pd.DataFrame({"x": xs, "q": pts["quality"].astype(float)}).sort_values("x")
        if step:
            ax.step(pts_sorted["x"], pts_sorted["q"], where="post", color="steelblue")
        else:
            ax.plot(pts_sorted["x"], pts_sorted["q"], color="steelblue")
        ax.scatter(xs, pts["quality"], color="steelblue", zorder=3, s=18)
        mark = pts["is_chosen"].astype(bool) if kind != "target" else pts["is_scenario_target"]
        if mark.any():
            ax.scatter(xs[mark], pts["quality"][mark], color="crimson", zorder=4, s=45,
                       label=t("frontier.chosen", lang))  # fmt: skip
            ax.legend(loc="lower right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(t("frontier.quality", lang), fontsize=8)
        ax.grid(alpha=0.3)
    return fig


def frontier_png(tradeoff: pd.DataFrame, lang: Lang = "nl") -> bytes:
    """The chart as PNG bytes (empty when there is nothing to draw)."""
    fig = frontier_figure(tradeoff, lang)
    if fig is None:
        return b""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()

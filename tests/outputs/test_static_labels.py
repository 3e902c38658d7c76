"""Site names on the static map (``map.png``, ``map.pdf``): none hides another and none
runs out of the map frame, also where the shortlisted sites lie close together."""

from __future__ import annotations

import itertools

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

from opvang_opt.outputs.static import A4_LANDSCAPE, place_labels, static_map


def _boxes(fig: Figure, labels: list[Annotation]) -> tuple[list, object]:
    """Each name's text box as drawn, and the map frame (display pixels), measured by
    matplotlib after a full draw."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [Text.get_window_extent(a, renderer) for a in labels], fig.axes[0].get_window_extent(
        renderer
    )


def _apart(a, b) -> bool:
    return a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


def _inside(box, frame) -> bool:
    return frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1


def test_eight_names_at_one_spot_near_the_edge_all_readable() -> None:
    # eight sites within 30 m of each other, 100 m from the frame's right edge of a 10 km
    # map: with one fixed offset every name would cover the others and leave the frame
    fig = Figure(figsize=A4_LANDSCAPE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(0, 10_000)
    ax.set_ylim(0, 7_000)
    names = [f"Braakliggend terrein nummer {i} (fictief)" for i in range(8)]
    labels = [ax.annotate(n, (9_900 - 4 * i, 3_500 + 3 * i), xytext=(8, 8),
                          textcoords="offset points", fontsize=7.5, fontweight="bold",
                          arrowprops={"arrowstyle": "-"},
                          bbox={"boxstyle": "round,pad=0.2", "fc": "white"})
              for i, n in enumerate(names)]  # fmt: skip
    before, frame = _boxes(fig, labels)
    assert not all(_apart(a, b) for a, b in itertools.combinations(before, 2))
    assert not all(_inside(b, frame) for b in before)
    place_labels(fig, ax, labels)
    after, frame = _boxes(fig, labels)
    for a, b in itertools.combinations(after, 2):
        assert _apart(a, b), (a, b)
    for box in after:
        assert _inside(box, frame), (box, frame)


def test_demo_map_names_are_apart_and_inside_the_frame(demo_result) -> None:
    fig = static_map(demo_result)
    short = demo_result.siting.shortlist
    names = [str(n) for n in short["name"]]
    labels = [a for a in fig.axes[0].texts if isinstance(a, Annotation)
              and any(n.startswith(a.get_text().rstrip("…")) for n in names)]  # fmt: skip
    assert len(labels) == len(short) >= 3  # one name per shortlisted site
    boxes, frame = _boxes(fig, labels)
    for a, b in itertools.combinations(boxes, 2):
        assert _apart(a, b), (a, b)
    for box in boxes:
        assert _inside(box, frame), (box, frame)

"""Read a street graph as osmnx writes it (GraphML), projected to RD New."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS
from pyproj.exceptions import CRSError

from opvang_opt.errors import DataError, Problem
from opvang_opt.io.layers import WORKING_CRS
from opvang_opt.schema import GraphSource
from opvang_opt.texts import Message


def _m(code: str, /, **params: object) -> Message:
    """A problem text of the catalogue (``problem.`` + ``code``)."""
    return Message(f"problem.{code}", params)


@dataclass(frozen=True)
class StreetGraph:
    """A street graph as arrays: node coordinates (RD New) and undirected edges with lengths."""

    node_x: np.ndarray
    node_y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    path: str


def read_street_graph(source: GraphSource, name: str) -> StreetGraph:
    """Read a GraphML street graph (osmnx ``save_graphml`` format).

    Parameters
    ----------
    source
        The graph's file and length attribute.
    name
        The graph's name in the scenario (for messages).

    Returns
    -------
    StreetGraph

    Raises
    ------
    DataError
        When the file is missing or unreadable, the graph has no CRS or another CRS than
        RD New (EPSG:28992), or nodes lack coordinates or edges lack a valid length.
    """
    import networkx as nx

    path = Path(source.path)
    label = str(path)
    if not path.is_file():
        raise DataError(
            _m("graph.not_found", name=name, file=label),
            [Problem(_m("file.does_not_exist"), source=label, where=_m("where.graph", name=name))],
        )
    try:
        graph = nx.read_graphml(path)
    except Exception as exc:
        raise DataError(
            _m("graph.unreadable", name=name, file=label),
            [
                Problem(
                    _m("graph.reader_says", text=str(exc).strip() or type(exc).__name__),
                    source=label,
                )
            ],
        ) from None
    problems: list[Problem] = []
    crs_text = graph.graph.get("crs")
    if crs_text is None:
        problems.append(Problem(_m("graph.no_crs"), source=label))
    else:
        try:
            crs = CRS.from_user_input(crs_text)
        except CRSError:
            crs = None
            problems.append(
                Problem(_m("graph.unknown_crs", crs=repr(crs_text)), source=label, field="crs")
            )
        if crs is not None and not crs.equals(CRS.from_user_input(WORKING_CRS)):
            problems.append(
                Problem(
                    _m("graph.not_rd", crs=str(crs_text)),
                    source=label,
                    field="crs",
                )
            )
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    xs = np.full(len(nodes), np.nan)
    ys = np.full(len(nodes), np.nan)
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        try:
            xs[i], ys[i] = float(data["x"]), float(data["y"])
        except (KeyError, TypeError, ValueError):
            if len(problems) < 25:
                problems.append(
                    Problem(_m("graph.node_xy"), label, _m("where.node", node=str(node)), "x, y")
                )
    us, vs, lengths = [], [], []
    for u, v, data in graph.edges(data=True):
        try:
            length = float(data[source.length_attribute])
        except (KeyError, TypeError, ValueError):
            length = np.nan
        if not np.isfinite(length) or length < 0:
            if len(problems) < 25:
                problems.append(
                    Problem(
                        _m("graph.edge_length"),
                        label,
                        _m("where.edge", u=str(u), v=str(v)),
                        source.length_attribute,
                    )
                )
            continue
        us.append(index[u])
        vs.append(index[v])
        lengths.append(length)
    if not nodes:
        problems.append(Problem(_m("graph.no_nodes"), source=label))
    if problems:
        raise DataError(_m("graph.problems", name=name, file=label, count=len(problems)), problems)
    return StreetGraph(
        xs, ys, np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64),
        np.array(lengths, dtype=float), label,
    )  # fmt: skip

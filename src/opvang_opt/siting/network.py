"""Distances over a street graph (multi-source Dijkstra with scipy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from opvang_opt.io.graphs import StreetGraph

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# scipy.sparse loads on the first network distance: the input check imports this module
# (through the criteria) and must stay light (issue 10)


def network_distance(sites: np.ndarray, targets: np.ndarray, graph: StreetGraph) -> np.ndarray:
    """Distance over the street graph from each site to its nearest target.

    Each site and each target connects to its nearest graph node in a straight line; the
    distance is the site's connection + the shortest path + the target's connection.
    Edges are used in both directions (walking).

    Parameters
    ----------
    sites
        Site geometries (RD New).
    targets
        Target geometries (RD New), e.g. the points of one category.
    graph
        The street graph.

    Returns
    -------
    numpy.ndarray
        Metres per site; ``inf`` when no target is reachable.

    Examples
    --------
    A path of two 100 m edges; a site at node 0 and a target at node 2 are 200 m apart.

    >>> import numpy as np, shapely
    >>> from opvang_opt.io.graphs import StreetGraph
    >>> g = StreetGraph(np.array([0., 100, 100]), np.array([0., 0, 100]),
    ...                 np.array([0, 1]), np.array([1, 2]), np.array([100., 100]), "g")
    >>> network_distance(np.array([shapely.Point(0, 0)]), np.array([shapely.Point(100, 100)]), g)
    array([200.])
    """
    out = np.full(len(sites), np.inf)
    if len(targets) == 0 or len(sites) == 0:
        return out
    n = len(graph.node_x)
    nodes = shapely.points(graph.node_x, graph.node_y)
    tree = shapely.STRtree(nodes)
    (_, t_node), t_dist = tree.query_nearest(targets, return_distance=True, all_matches=False)
    # a virtual source node n connects to every target's nearest node at its snap distance
    rows = np.concatenate([graph.edge_u, graph.edge_v, np.full(len(t_node), n)])
    cols = np.concatenate([graph.edge_v, graph.edge_u, t_node])
    w = np.concatenate([graph.edge_length, graph.edge_length, t_dist])
    w = np.maximum(w, 1e-9)  # scipy drops explicit zeros from sparse graphs
    adj = _min_duplicates(rows, cols, w, n + 1)  # parallel edges: keep the shortest
    from scipy.sparse.csgraph import dijkstra

    dist = dijkstra(adj, directed=True, indices=n)
    (s_idx, s_node), s_dist = tree.query_nearest(sites, return_distance=True, all_matches=False)
    out[s_idx] = s_dist + dist[s_node]
    return out


def _min_duplicates(rows: np.ndarray, cols: np.ndarray, w: np.ndarray, size: int) -> csr_matrix:
    """A sparse matrix with the smallest weight of every repeated (row, col)."""
    from scipy.sparse import coo_matrix

    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return coo_matrix((w[first], (rows[first], cols[first])), shape=(size, size)).tocsr()

"""Graph features: audience size, unique 2-hop reach, PageRank, engagement with one's audience.

The heavy kernels run on scipy sparse matrices built straight from the edge arrays; NetworkX is the
readable reference the tests compare them with. Direction: ``source follows target`` puts the
source in the target's audience; a ``friend`` edge puts each in the other's audience.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from advocates.data.identity import node_key
from advocates.data.membership import is_in
from advocates.errors import ConvergenceError

__all__ = [
    "AudienceGraph",
    "audience_graph_as_of",
    "audience_pairs",
    "build_audience_graph",
    "graph_features",
    "pagerank",
    "unique_reach_2hop",
]

ENGAGEMENT_KINDS = ("like", "comment", "reply", "mention")


@dataclass(frozen=True)
class AudienceGraph:
    """``audience[v, u] = 1`` when node ``u`` is in the audience of node ``v``."""

    nodes: pd.Index
    audience: sp.csr_matrix

    @property
    def audience_size(self) -> np.ndarray:
        return np.diff(self.audience.indptr)


def build_audience_graph(
    edges: pd.DataFrame, *, extra_nodes: pd.Series | None = None
) -> AudienceGraph:
    """Build the audience matrix from an edges frame (columns network, source, target, kind)."""
    source = node_key(edges["network"], edges["source"])
    target = node_key(edges["network"], edges["target"])
    parts = [source, target] + ([extra_nodes] if extra_nodes is not None else [])
    nodes = pd.Index(pd.concat(parts, ignore_index=True).unique())
    s, t = nodes.get_indexer(source), nodes.get_indexer(target)
    friend = (edges["kind"] == "friend").to_numpy()
    rows = np.concatenate([t, s[friend]])
    cols = np.concatenate([s, t[friend]])
    n = len(nodes)
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    matrix.setdiag(0)
    matrix.eliminate_zeros()
    return AudienceGraph(nodes=nodes, audience=matrix)


def pagerank(
    graph: AudienceGraph, *, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 200
) -> np.ndarray:
    """PageRank of each node, a random walk that follows people toward whom they follow.

    Converges to an L1 change below ``tol`` over the whole vector (not per node: the NetworkX
    default multiplies its tolerance by the node count and stops early on large graphs).

    Raises
    ------
    ConvergenceError
        When the change is still above ``tol`` after ``max_iter`` iterations (a vector that is
        not PageRank is never returned).
    """
    n = graph.audience.shape[0]
    if n == 0:
        return np.zeros(0)
    # follower u -> followed v: the walk goes from an audience member to the person.
    walk = graph.audience.T.tocsr()
    out_degree = np.asarray(walk.sum(axis=1)).ravel()
    dangling = out_degree == 0
    inv = np.divide(1.0, out_degree, out=np.zeros(n), where=~dangling)
    transition = (sp.diags(inv) @ walk).T.tocsr()
    rank = np.full(n, 1.0 / n)
    change = np.inf
    for _ in range(max_iter):
        new = alpha * (transition @ rank + rank[dangling].sum() / n) + (1.0 - alpha) / n
        change = float(np.abs(new - rank).sum())
        if change < tol:
            return new
        rank = new
    raise ConvergenceError("PageRank", iterations=max_iter, change=change, tol=tol)


def unique_reach_2hop(graph: AudienceGraph, *, block_rows: int = 4096) -> np.ndarray:
    """Number of distinct people within two audience hops of each node (itself excluded).

    Exact, computed by blocks of rows so memory stays bounded.
    """
    a = graph.audience.astype(bool).astype(np.int32).tocsr()
    n = a.shape[0]
    reach = np.zeros(n, dtype=np.int64)
    for start in range(0, n, block_rows):
        block = a[start : start + block_rows]
        two = (block + block @ a).tocsr()
        two.data[:] = 1
        counts = np.diff(two.indptr).astype(np.int64)
        own = np.asarray(
            two[np.arange(two.shape[0]), np.arange(start, start + two.shape[0])]
        ).ravel()
        reach[start : start + two.shape[0]] = counts - (own > 0)
    return reach


def _engaged_audience(
    graph: AudienceGraph, interactions: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Per node: how many engagements came from its audience, and from how many distinct people."""
    n = len(graph.nodes)
    none = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    engaged = interactions[
        interactions["kind"].isin(ENGAGEMENT_KINDS)
        & (interactions["actor"] != interactions["target"])
    ]
    person = graph.nodes.get_indexer(node_key(engaged["network"], engaged["target"]))
    actor = graph.nodes.get_indexer(node_key(engaged["network"], engaged["actor"]))
    known = (person >= 0) & (actor >= 0)
    person, actor = person[known], actor[known]
    if len(person) == 0:  # no engagement between two known people (also: no interactions)
        return none
    in_audience = np.asarray(graph.audience[person, actor]).ravel() > 0
    person, actor = person[in_audience], actor[in_audience]
    count = np.bincount(person, minlength=n)
    pairs = np.unique(person.astype(np.int64) * n + actor)
    distinct = np.bincount(pairs // n, minlength=n)
    return count, distinct


def audience_graph_as_of(
    edges: pd.DataFrame, links: pd.DataFrame, as_of: pd.Timestamp
) -> AudienceGraph:
    """The audience graph of edges that existed at ``as_of`` (undated edges always), with every
    customer's account as a node."""
    edges = edges[edges["created_at"].isna() | (edges["created_at"] <= as_of)]
    return build_audience_graph(edges, extra_nodes=links["node"])


def graph_features(
    *,
    graph: AudienceGraph,
    interactions: pd.DataFrame,
    links: pd.DataFrame,
    as_of: pd.Timestamp,
    recent_days: int,
) -> pd.DataFrame:
    """Per-customer graph features as of ``as_of``, summed over the customer's accounts.

    ``graph`` is the audience graph as of the same date (:func:`audience_graph_as_of`). Returns one row per customer that has at least one account, with columns ``audience_size``,
    ``unique_reach_2hop``, ``pagerank`` (scaled so that the average node is 1.0),
    ``audience_engagements_recent`` and ``engaged_audience_recent``.
    """
    recent = interactions[
        (interactions["occurred_at"] <= as_of)
        & (interactions["occurred_at"] > as_of - pd.Timedelta(days=recent_days))
    ]
    count, distinct = _engaged_audience(graph, recent)
    per_node = pd.DataFrame(
        {
            "audience_size": graph.audience_size,
            "unique_reach_2hop": unique_reach_2hop(graph),
            "pagerank": pagerank(graph) * len(graph.nodes),
            "audience_engagements_recent": count,
            "engaged_audience_recent": distinct,
        },
        index=graph.nodes,
    )
    joined = per_node.reindex(links["node"].to_numpy()).assign(
        customer_id=links["customer_id"].to_numpy()
    )
    return joined.groupby("customer_id", sort=False).sum()


def audience_pairs(graph: AudienceGraph, links: pd.DataFrame, customers: pd.Index) -> pd.DataFrame:
    """``customer_id, member`` pairs: the people in the audience of each of ``customers`` (the
    union over their accounts), as graph node keys."""
    linked = links[is_in(links["customer_id"], customers)]
    rows = graph.nodes.get_indexer(linked["node"])
    known = rows >= 0
    sub = graph.audience[rows[known]].tocoo()
    owners = linked["customer_id"].to_numpy()[known]
    pairs = pd.DataFrame({"customer_id": owners[sub.row], "member": graph.nodes[sub.col]})
    return pairs.drop_duplicates().reset_index(drop=True)

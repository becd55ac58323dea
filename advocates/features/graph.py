"""Graph features: audience size, unique 2-hop reach, PageRank, engagement with one's audience.

The heavy kernels run on scipy sparse matrices built straight from the edge arrays; NetworkX is the
readable reference the tests compare them with. Direction: ``source follows target`` puts the
source in the target's audience; a ``friend`` edge puts each in the other's audience.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from advocates.data.identity import node_key
from advocates.data.membership import count_at, distinct, is_in, positions, same_values
from advocates.errors import ConvergenceError

__all__ = [
    "AudienceGraph",
    "GraphKernels",
    "NumberedKeys",
    "SocialGraph",
    "audience_pairs",
    "build_audience_graph",
    "graph_features",
    "graph_kernels",
    "numbering_digest",
    "own_nodes",
    "pagerank",
    "social_graph",
    "unique_reach_2hop",
]

ENGAGEMENT_KINDS = ("like", "comment", "reply", "mention")


@dataclass(frozen=True)
class NumberedKeys:
    """Node keys given when the graph was numbered (``keys``, such as every customer's accounts)
    and the number each got (``at``), so that looking them up again costs a comparison, not a
    hash of the graph's millions of keys (1.4 s a lookup at 1,000,000 customers)."""

    keys: pd.Series
    at: np.ndarray


@dataclass(frozen=True)
class AudienceGraph:
    """``audience[v, u] = 1`` when node ``u`` is in the audience of node ``v``."""

    nodes: pd.Index
    audience: sp.csr_matrix
    numbered: NumberedKeys | None = None

    @property
    def audience_size(self) -> np.ndarray:
        return np.diff(self.audience.indptr)

    def positions(self, keys: pd.Series) -> np.ndarray:
        """The number of each node key of ``keys`` (-1 where it is not a node): the numbers it
        got when the graph was numbered when ``keys`` are those keys, else looked up."""
        given = self.numbered
        if given is not None and same_values(keys, given.keys):
            return given.at
        return positions(keys, self.nodes)


@dataclass(frozen=True)
class SocialGraph:
    """Every edge of the input on numbered nodes, built once per run, so that the audience graph
    of any date is a mask over integer arrays (:meth:`as_of`) rather than a rebuild from text keys.

    ``person[i]`` has ``member[i]`` in their audience since ``created_at[i]`` (NaT: undated, always
    there); a friend edge appears twice, once in each direction. ``nodes`` are looked up with
    :func:`~advocates.data.membership.positions`: ``nodes.get_indexer`` would keep a hash table of
    Python strings beside them for the rest of the run (453 MiB for 4 million keys).
    """

    nodes: pd.Index
    person: np.ndarray
    member: np.ndarray
    created_at: pd.Series
    numbered: NumberedKeys | None = None
    #: What it was numbered from (:func:`numbering_digest`), when known.
    digest: str = ""

    def frames(self) -> dict[str, pd.DataFrame]:
        """The graph as frames, to keep it between runs (:meth:`from_frames` reads them)."""
        numbered = self.numbered or NumberedKeys(pd.Series([], dtype="str"), np.zeros(0, int))
        return {
            "nodes": pd.DataFrame({"key": self.nodes}),
            "edges": pd.DataFrame(
                {"person": self.person, "member": self.member, "created_at": self.created_at}
            ),
            "numbered": pd.DataFrame(
                {"key": numbered.keys.to_numpy(), "at": np.asarray(numbered.at, dtype=np.int64)}
            ),
        }

    @classmethod
    def from_frames(cls, digest: str, frames: Mapping[str, pd.DataFrame]) -> SocialGraph:
        """The graph kept as :meth:`frames` gave it, numbered from what has ``digest``."""
        edges, numbered = frames["edges"], frames["numbered"]
        at = numbered["at"].to_numpy(dtype=np.int64)
        at.flags.writeable = False
        return cls(
            nodes=pd.Index(frames["nodes"]["key"]),
            person=edges["person"].to_numpy(dtype=np.int32),
            member=edges["member"].to_numpy(dtype=np.int32),
            created_at=edges["created_at"],
            numbered=NumberedKeys(numbered["key"], at) if len(numbered) else None,
            digest=digest,
        )

    def as_of(self, as_of: pd.Timestamp | None = None) -> AudienceGraph:
        """The audience graph of the edges that existed at ``as_of`` (every edge when None)."""
        person, member = self.person, self.member
        if as_of is not None:
            keep = (self.created_at.isna() | (self.created_at <= as_of)).to_numpy(dtype=bool)
            person, member = person[keep], member[keep]
        loop = person == member  # nobody is in their own audience
        if loop.any():
            person, member = person[~loop], member[~loop]
        n = len(self.nodes)
        matrix = sp.csr_matrix(
            (np.ones(len(person), dtype=np.float64), (person, member)), shape=(n, n)
        )
        matrix.sum_duplicates()
        matrix.data[:] = 1.0
        return AudienceGraph(nodes=self.nodes, audience=matrix, numbered=self.numbered)


def social_graph(edges: pd.DataFrame, *, extra_nodes: pd.Series | None = None) -> SocialGraph:
    """Number the nodes of an edges frame (columns network, source, target, kind, optionally
    created_at) and of ``extra_nodes`` (node keys, such as every customer's accounts), in the
    order they first appear (sources, then targets, then the extra nodes).

    The ends are numbered from their network and handle numbers, not from keys written out:
    ``network:handle`` texts for tens of millions of edge ends cost gigabytes; only the distinct
    nodes' keys are written.
    """
    m = len(edges)
    handle, handles = pd.factorize(pd.concat([edges["source"], edges["target"]], ignore_index=True))
    network, networks = pd.factorize(pd.concat([edges["network"]] * 2, ignore_index=True))
    code, pairs = pd.factorize(network.astype(np.int64) * max(len(handles), 1) + handle)
    keys = pd.Index(
        node_key(
            pd.Series(networks.take(pairs // max(len(handles), 1))),
            pd.Series(handles.take(pairs % max(len(handles), 1))),
        )
    )
    numbered = None
    if extra_nodes is not None:  # numbered after the edges' nodes, the new ones once each
        extra = pd.Series(extra_nodes)
        at = positions(extra, keys).copy()
        missing = at < 0
        new, added = pd.factorize(extra[missing])  # (a missing key gets -1: it is no node)
        at[missing] = np.where(new >= 0, len(keys) + new, -1)
        keys = keys.append(pd.Index(added, dtype=keys.dtype))
        at.flags.writeable = False  # (handed to every caller that looks these keys up)
        numbered = NumberedKeys(extra, at)
    source, target = code[:m], code[m:]
    friend = (edges["kind"] == "friend").to_numpy()
    created = (
        edges["created_at"].reset_index(drop=True)
        if "created_at" in edges
        else pd.Series(pd.NaT, index=range(m), dtype="datetime64[ns, UTC]")
    )
    return SocialGraph(
        nodes=keys,
        person=np.concatenate([target, source[friend]]).astype(np.int32),
        member=np.concatenate([source, target[friend]]).astype(np.int32),
        created_at=pd.concat([created, created[friend]], ignore_index=True),
        numbered=numbered,
    )


def numbering_digest(edges: pd.DataFrame, extra_nodes: pd.Series | None = None) -> str:
    """A SHA-256 of what :func:`social_graph` numbers: the edges' ends, kinds and dates, and
    ``extra_nodes``. The same digest means the same numbering (0.6 s for 9.7 million edges,
    where numbering them takes 8)."""
    digest = hashlib.sha256()
    columns = [
        edges[c] for c in ("network", "source", "target", "kind", "created_at") if c in edges
    ]
    for values in (*columns, extra_nodes):
        digest.update(b"none" if values is None else b"column")
        if values is not None:
            _hash_into(digest, values)
    return digest.hexdigest()


def _hash_into(digest: Any, values: object) -> None:
    """Add a column's values to ``digest``: the same values add the same, however Arrow holds
    them (in chunks, sliced, as ``string`` or ``large_string``), so that a table read from its
    file and the same table mapped from a kept copy have one digest."""
    array = (
        values
        if isinstance(values, pa.Array | pa.ChunkedArray)
        else pa.array(pd.Series(values), from_pandas=True)
    )
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    parts = [hashlib.sha256() for _ in range(3)]  # value lengths (text), values, missing rows
    start, kinds = 0, set()
    for chunk in chunks:
        if isinstance(chunk, pa.DictionaryArray):
            chunk = chunk.dictionary_decode()
        if pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type):
            chunk = chunk.cast(pa.large_string())
            kinds.add("text")
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
            parts[0].update(np.diff(offsets).tobytes())
            data = chunk.buffers()[2]
            if data is not None and len(offsets):
                parts[1].update(memoryview(data)[offsets[0] : offsets[-1]])
        else:  # numbers, dates: the values as numpy holds them (a missing date as NaT)
            parts[1].update(np.ascontiguousarray(chunk.to_numpy(zero_copy_only=False)).tobytes())
            kinds.add(str(chunk.type))
        if chunk.null_count:
            missing = np.flatnonzero(~chunk.is_valid().to_numpy(zero_copy_only=False)) + start
            parts[2].update(missing.tobytes())
        start += len(chunk)
    digest.update(f"{sorted(kinds)}:{len(array)}:".encode())
    for part in parts:
        digest.update(part.digest())


def build_audience_graph(
    edges: pd.DataFrame, *, extra_nodes: pd.Series | None = None
) -> AudienceGraph:
    """Build the audience matrix of every edge of an edges frame (columns network, source,
    target, kind)."""
    return social_graph(edges, extra_nodes=extra_nodes).as_of(None)


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
    # follower u -> followed v: the walk goes from an audience member to the person, so the
    # chance to step from u to v is audience[v, u] / (how many people u follows), the column's
    # count: the transition matrix is the audience matrix with each entry scaled by its column
    # (no transposed copies of a matrix of millions of edges).
    audience = graph.audience
    out_degree = np.bincount(audience.indices, weights=audience.data, minlength=n)
    dangling = out_degree == 0
    inv = np.divide(1.0, out_degree, out=np.zeros(n), where=~dangling)
    transition = sp.csr_matrix(
        (audience.data * inv[audience.indices], audience.indices, audience.indptr), shape=(n, n)
    )
    rank = np.full(n, 1.0 / n)
    change = np.inf
    for _ in range(max_iter):
        new = alpha * (transition @ rank + rank[dangling].sum() / n) + (1.0 - alpha) / n
        change = float(np.abs(new - rank).sum())
        if change < tol:
            return new
        rank = new
    raise ConvergenceError("PageRank", iterations=max_iter, change=change, tol=tol)


def unique_reach_2hop(
    graph: AudienceGraph, *, rows: np.ndarray | None = None, block_rows: int = 4096
) -> np.ndarray:
    """Number of distinct people within two audience hops of each node of ``rows`` (every node
    when None), itself excluded.

    Exact, computed by blocks of rows so memory stays bounded; a run asks only for its customers'
    nodes, a fraction of the graph's.
    """
    a = graph.audience.astype(bool).astype(np.int32).tocsr()
    rows = np.arange(a.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
    reach = np.zeros(len(rows), dtype=np.int64)
    for start in range(0, len(rows), block_rows):
        chosen = rows[start : start + block_rows]
        block = a[chosen]
        two = (block + block @ a).tocsr()
        two.data[:] = 1
        counts = np.diff(two.indptr).astype(np.int64)
        own = np.asarray(two[np.arange(len(chosen)), chosen]).ravel()
        reach[start : start + len(chosen)] = counts - (own > 0)
    return reach


def _engaged_audience(
    graph: AudienceGraph, interactions: pd.DataFrame, actors: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per node: how many engagements came from its audience, and from how many distinct people
    (``actors``: the node number of each interaction's actor)."""
    n = len(graph.nodes)
    none = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    chosen = (
        interactions["kind"].isin(ENGAGEMENT_KINDS)
        & (interactions["actor"] != interactions["target"])
    ).to_numpy(dtype=bool)
    engaged = interactions[chosen]
    person = positions(node_key(engaged["network"], engaged["target"]), graph.nodes)
    actor = actors[chosen]
    known = (person >= 0) & (actor >= 0)
    person, actor = person[known], actor[known]
    if len(person) == 0:  # no engagement between two known people (also: no interactions)
        return none
    in_audience = np.asarray(graph.audience[person, actor]).ravel() > 0
    person, actor = person[in_audience], actor[in_audience]
    count = np.bincount(person, minlength=n)
    pairs = distinct(person.astype(np.int64) * n + actor)
    return count, np.bincount(pairs // n, minlength=n)


@dataclass(frozen=True)
class GraphKernels:
    """The costly graph features of one audience graph: PageRank of every node and 2-hop reach
    of some nodes (``rows``, the customers' own), with a digest of the graph and of those rows,
    so that a later run on the same graph takes them instead of computing them again
    (:func:`graph_kernels`)."""

    digest: str
    pagerank: np.ndarray
    rows: np.ndarray
    reach: np.ndarray


def own_nodes(graph: AudienceGraph, links: pd.DataFrame) -> np.ndarray:
    """The numbers of the customers' own nodes (their accounts) in ``graph``, sorted."""
    linked = graph.positions(links["node"])
    return distinct(linked[linked >= 0])


def _digest(graph: AudienceGraph, rows: np.ndarray) -> str:
    """A SHA-256 of the graph (its node keys and audience matrix) and of ``rows``."""
    digest = hashlib.sha256()
    _hash_into(digest, graph.nodes)
    matrix = graph.audience
    for array in (matrix.indptr, matrix.indices, matrix.data, rows):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def graph_kernels(
    graph: AudienceGraph, rows: np.ndarray, *, previous: GraphKernels | None = None
) -> GraphKernels:
    """PageRank and the 2-hop reach of ``rows`` in ``graph``; ``previous`` itself when it was
    computed on the same graph for the same rows (the same answer, without the work)."""
    digest = _digest(graph, rows)
    if previous is not None and previous.digest == digest:
        return previous
    return GraphKernels(digest, pagerank(graph), rows, unique_reach_2hop(graph, rows=rows))


def _audience_activity(
    graph: AudienceGraph,
    links: pd.DataFrame,
    linked: np.ndarray,
    actors: np.ndarray,
    orders: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """Per node: how many people in its audience were active (acted on the network, or are
    customers who completed an order) and how many orders they completed, in the period of
    ``actors`` (the node numbers of interactions' actors) and ``orders``; ``linked`` is the node
    number of each account of ``links``."""
    n = len(graph.nodes)
    ordered = orders.loc[orders["status"] == "completed", "customer_id"].value_counts()
    per_account = ordered.reindex(links["customer_id"].to_numpy(), fill_value=0).to_numpy()
    orders_at = count_at(linked, n, weights=per_account.astype(float))
    active = ((orders_at > 0) | (count_at(actors, n) > 0)).astype(float)
    return graph.audience @ active, graph.audience @ orders_at


def graph_features(
    *,
    graph: AudienceGraph,
    interactions: pd.DataFrame,
    orders: pd.DataFrame,
    links: pd.DataFrame,
    as_of: pd.Timestamp,
    recent_days: int,
    kernels: bool | GraphKernels = True,
) -> pd.DataFrame:
    """Per-customer graph features as of ``as_of``, summed over the customer's accounts.

    ``graph`` is the audience graph as of the same date (:meth:`SocialGraph.as_of`). Returns
    one row per customer that has at least one account, with columns ``audience_size``,
    ``unique_reach_2hop``, ``pagerank`` (scaled so that the average node is 1.0),
    ``audience_engagements_recent``, ``engaged_audience_recent``, ``active_audience_recent``
    (people in the audience who acted on the network or completed an order in the recent
    window) and ``audience_orders_recent`` (the orders they completed). Without ``kernels``,
    the costly ones (2-hop reach and PageRank) are left out; given :class:`GraphKernels` of
    this graph, they are taken from them.
    """
    since = as_of - pd.Timedelta(days=recent_days)
    recent = interactions[
        (interactions["occurred_at"] <= as_of) & (interactions["occurred_at"] > since)
    ]
    # Each actor's node and each account's node, looked up once for the features below.
    actors = positions(node_key(recent["network"], recent["actor"]), graph.nodes)
    linked = graph.positions(links["node"])
    count, engaged = _engaged_audience(graph, recent, actors)
    active, audience_orders = _audience_activity(
        graph,
        links,
        linked,
        actors,
        orders[(orders["ordered_at"] <= as_of) & (orders["ordered_at"] > since)],
    )
    # Only the customers' own nodes are features; the rest of the graph is their audience.
    known = linked >= 0
    own = distinct(linked[known])
    if kernels is True:
        kernels = graph_kernels(graph, own)
    if isinstance(kernels, GraphKernels) and not np.array_equal(kernels.rows, own):
        raise ValueError("graph kernels of other nodes than the customers' own")
    computed = kernels if isinstance(kernels, GraphKernels) else None
    columns = {
        "audience_size": graph.audience_size[own],
        "unique_reach_2hop": computed.reach if computed else None,
        "pagerank": computed.pagerank[own] * len(graph.nodes) if computed else None,
        "audience_engagements_recent": count[own],
        "engaged_audience_recent": engaged[own],
        "active_audience_recent": active[own],
        "audience_orders_recent": audience_orders[own],
    }
    per_node = pd.DataFrame(
        {name: values for name, values in columns.items() if values is not None}, index=own
    )
    joined = per_node.reindex(linked[known]).assign(
        customer_id=links["customer_id"].to_numpy()[known]
    )
    return joined.groupby("customer_id", sort=False).sum()


def audience_pairs(graph: AudienceGraph, links: pd.DataFrame, customers: pd.Index) -> pd.DataFrame:
    """``customer_id, member`` pairs: the people in the audience of each of ``customers`` (the
    union over their accounts). A member is the number of a node of ``graph`` (``graph.nodes``
    has its key): what campaign plans need to count people reached once, in a fraction of the
    space of text keys. ``customer_id`` is categorical, as a run's files keep it."""
    chosen = is_in(links["customer_id"], customers)
    rows = graph.positions(links["node"])[chosen]
    known = rows >= 0
    owner, owners = pd.factorize(links["customer_id"].to_numpy()[chosen][known])
    sub = graph.audience[rows[known]].tocoo()
    pairs = pd.DataFrame(
        {"owner": owner[sub.row].astype(np.int32), "member": sub.col.astype(np.int32)}
    )
    if len(owners) < known.sum():  # a customer with several accounts: their audiences overlap
        pairs = pairs.drop_duplicates()
    return pd.DataFrame(
        {
            "customer_id": pd.Categorical.from_codes(pairs["owner"], categories=owners),
            "member": pairs["member"].to_numpy(),
        }
    )

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from advocates.data.identity import link_customers
from advocates.data.inputs import InputCache
from advocates.data.membership import positions
from advocates.errors import ConvergenceError
from advocates.features.graph import (
    SocialGraph,
    audience_pairs,
    build_audience_graph,
    graph_features,
    graph_kernels,
    numbering_digest,
    pagerank,
    social_graph,
    unique_reach_2hop,
)


def edges_frame(pairs: list[tuple[str, str]], kinds: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "network": "x",
            "source": [s for s, _ in pairs],
            "target": [t for _, t in pairs],
            "kind": kinds or ["follows"] * len(pairs),
        }
    )


def random_edges(seed: int, n: int = 300, m: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    src, tgt = rng.integers(n, size=m), (rng.pareto(1.2, m) * 5).astype(int) % n
    keep = src != tgt
    kinds = np.where(rng.random(keep.sum()) < 0.2, "friend", "follows").tolist()
    return edges_frame(
        [(f"u{s}", f"u{t}") for s, t in zip(src[keep], tgt[keep], strict=True)], kinds
    )


def reference_digraph(edges: pd.DataFrame) -> nx.DiGraph:
    """The readable reference: an arc from each audience member to the person they follow."""
    graph = nx.DiGraph()
    for row in edges.itertuples():
        graph.add_edge(f"x:{row.source}", f"x:{row.target}")
        if row.kind == "friend":
            graph.add_edge(f"x:{row.target}", f"x:{row.source}")
    return graph


def test_audience_direction_and_friends() -> None:
    graph = build_audience_graph(edges_frame([("fan", "star"), ("a", "b")], ["follows", "friend"]))
    size = dict(zip(graph.nodes, graph.audience_size, strict=True))
    assert size == {"x:fan": 0, "x:a": 1, "x:star": 1, "x:b": 1}


def test_pagerank_matches_networkx() -> None:
    edges = random_edges(1)
    graph = build_audience_graph(edges)
    ours = dict(zip(graph.nodes, pagerank(graph), strict=True))
    reference = nx.pagerank(reference_digraph(edges), alpha=0.85, tol=1e-13)
    assert max(abs(ours[k] - v) for k, v in reference.items()) < 1e-8


def test_pagerank_raises_instead_of_returning_an_unconverged_vector() -> None:
    graph = build_audience_graph(random_edges(1))
    with pytest.raises(
        ConvergenceError, match="PageRank did not converge in 5 iterations"
    ) as error:
        pagerank(graph, max_iter=5)
    assert error.value.iterations == 5 and error.value.change > error.value.tol


def test_unique_reach_2hop_matches_brute_force() -> None:
    edges = random_edges(2)
    graph = build_audience_graph(edges)
    reach = dict(zip(graph.nodes, unique_reach_2hop(graph, block_rows=37), strict=True))
    audience = reference_digraph(edges).reverse()  # arcs from a person to their audience
    for node in audience.nodes:
        within_two = nx.single_source_shortest_path_length(audience, node, cutoff=2)
        assert reach[node] == len(within_two) - 1, node


def test_campaign_audiences_only_hold_edges_that_existed_at_the_run_date() -> None:

    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = pd.DataFrame(
        {
            "network": "x",
            "source": ["f1", "f2", "f3"],
            "target": ["a", "a", "a"],
            "kind": "follows",
            "created_at": [t - pd.Timedelta(days=5), pd.NaT, t + pd.Timedelta(days=5)],
        }
    )
    links = link_customers(pd.DataFrame({"customer_id": ["c1"], "network": ["x"], "handle": ["a"]}))
    audience = social_graph(edges, extra_nodes=links["node"]).as_of(t)
    pairs = audience_pairs(audience, links, pd.Index(["c1"]))
    assert sorted(audience.nodes[pairs["member"]]) == ["x:f1", "x:f2"]
    assert pairs["customer_id"].tolist() == ["c1", "c1"]


def test_unique_reach_2hop_of_chosen_rows_is_the_same_as_of_the_whole_graph() -> None:
    graph = build_audience_graph(random_edges(3))
    rows = np.array([5, 0, 17, 5, 120])
    everyone = unique_reach_2hop(graph)
    assert unique_reach_2hop(graph, rows=rows, block_rows=2).tolist() == everyone[rows].tolist()


def test_the_audience_graph_of_a_date_masks_the_numbered_graph() -> None:
    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = edges_frame([("f1", "a"), ("a", "f2"), ("f3", "a")], ["follows", "friend", "follows"])
    edges["created_at"] = [t, pd.NaT, t + pd.Timedelta(days=1)]
    social = social_graph(edges, extra_nodes=pd.Series(["x:lonely"]))
    size = dict(zip(social.nodes, social.as_of(t).audience_size, strict=True))
    assert size == {"x:f1": 0, "x:a": 2, "x:f2": 1, "x:f3": 0, "x:lonely": 0}
    assert social.as_of(None).audience_size.sum() == 4


def test_the_keys_a_graph_was_numbered_with_are_found_as_any_lookup_finds_them() -> None:
    edges = edges_frame([("f1", "a"), ("a", "f2"), ("f1", "a")])
    extra = pd.Series(["x:b", "x:a", None, "x:b", "x:lonely"])
    graph = social_graph(edges, extra_nodes=extra).as_of(None)
    assert list(graph.nodes) == ["x:f1", "x:a", "x:f2", "x:b", "x:lonely"]
    assert graph.positions(extra.copy()).tolist() == [3, 1, -1, 3, 4]
    assert graph.numbered is not None and graph.positions(extra) is graph.numbered.at
    other = pd.Series(["x:lonely", "x:nobody", "x:f1", "x:a", "x:b"])  # same length, not the same
    assert (
        graph.positions(other).tolist()
        == positions(other, graph.nodes).tolist()
        == [
            4,
            -1,
            0,
            1,
            3,
        ]
    )


def test_a_numbered_graph_kept_on_disk_reads_back_the_same(tmp_path: Path) -> None:
    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = edges_frame([("f1", "a"), ("a", "f2"), ("f3", "a")], ["follows", "friend", "follows"])
    edges["created_at"] = [t, pd.NaT, t + pd.Timedelta(days=1)]
    extra = pd.Series(["x:a", "x:lonely"])
    social = replace(social_graph(edges, extra_nodes=extra), digest=numbering_digest(edges, extra))
    cache = InputCache(tmp_path)
    assert cache.kept("social") is None
    cache.keep("social", social.digest, social.frames())
    kept = cache.kept("social")
    assert kept is not None
    back = SocialGraph.from_frames(*kept)
    assert back.digest == social.digest
    assert list(back.nodes) == list(social.nodes)
    assert back.person.tolist() == social.person.tolist()
    assert back.member.tolist() == social.member.tolist()
    pd.testing.assert_series_equal(back.created_at, social.created_at, check_names=False)
    assert back.as_of(t).positions(extra).tolist() == [1, 4]
    assert back.numbered is not None and back.numbered.at.tolist() == [1, 4]
    for date in (t, None):
        assert (back.as_of(date).audience != social.as_of(date).audience).nnz == 0


def test_the_numbering_digest_changes_with_any_edge_end_kind_date_or_extra_node() -> None:
    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = edges_frame([("f1", "a"), ("a", "f2")], ["follows", "friend"])
    edges["created_at"] = [t, pd.NaT]
    extra = pd.Series(["x:a", "x:lonely"])
    digest = numbering_digest(edges, extra)
    assert numbering_digest(edges.copy(deep=True), extra.copy()) == digest
    changed = [
        edges.assign(target=["a", "f3"]),
        edges.assign(kind=["follows", "follows"]),
        edges.assign(created_at=[t, t]),
        edges.assign(network=["x", "y"]),
        pd.concat([edges, edges.iloc[:1]], ignore_index=True),
    ]
    for other in changed:
        assert numbering_digest(other, extra) != digest
    assert numbering_digest(edges, pd.Series(["x:a", "x:other"])) != digest
    assert numbering_digest(edges) != digest


def test_a_customer_with_two_accounts_has_each_audience_member_once() -> None:
    edges = edges_frame([("fan", "a1"), ("fan", "a2"), ("other", "a2"), ("x", "b")])
    links = link_customers(
        pd.DataFrame(
            {"customer_id": ["c1", "c1", "c2"], "network": "x", "handle": ["a1", "a2", "b"]}
        )
    )
    audience = build_audience_graph(edges, extra_nodes=links["node"])
    pairs = audience_pairs(audience, links, pd.Index(["c1", "c2"]))
    members = {
        (c, audience.nodes[m]) for c, m in zip(pairs["customer_id"], pairs["member"], strict=True)
    }
    assert len(pairs) == len(members) == 3
    assert members == {("c1", "x:fan"), ("c1", "x:other"), ("c2", "x:x")}
    one = audience_pairs(audience, links, pd.Index(["c2"]))  # one account each: no duplicates
    assert one["customer_id"].tolist() == ["c2"] and audience.nodes[one["member"][0]] == "x:x"


def test_graph_kernels_are_taken_from_the_previous_run_only_for_the_same_graph_and_rows() -> None:
    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = random_edges(4)
    edges["created_at"] = [t] * (len(edges) - 1) + [t + pd.Timedelta(days=1)]  # the last, later
    rows = np.array([0, 3, 9])
    first = graph_kernels(social_graph(edges).as_of(t), rows)
    # The same graph (numbered again by the next run; its date's edges alike): the kept answer.
    assert graph_kernels(social_graph(edges).as_of(t), rows, previous=first) is first
    # A day later, one edge more; or other rows: computed again, as without anything kept.
    later = social_graph(edges).as_of(t + pd.Timedelta(days=1))
    for graph, chosen in ((later, rows), (social_graph(edges).as_of(t), np.array([0, 3]))):
        again = graph_kernels(graph, chosen, previous=first)
        fresh = graph_kernels(graph, chosen)
        assert again is not first and again.digest == fresh.digest != first.digest
        np.testing.assert_array_equal(again.pagerank, fresh.pagerank)
        np.testing.assert_array_equal(again.reach, fresh.reach)


def test_the_active_audience_counts_followers_who_acted_or_bought_in_the_window() -> None:
    t = pd.Timestamp("2024-06-01", tz="UTC")
    edges = edges_frame([("f1", "a"), ("f2", "a"), ("f3", "a"), ("f4", "b")])
    links = link_customers(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "F1", "F2"],
                "network": "x",
                "handle": ["a", "b", "f1", "f2"],
            }
        )
    )
    graph = build_audience_graph(edges, extra_nodes=links["node"])
    orders = pd.DataFrame(
        {
            "customer_id": ["F1", "F1", "F2"],
            "ordered_at": [t - pd.Timedelta(days=d) for d in (5, 10, 300)],  # F2's is too old
            "status": "completed",
        }
    )
    interactions = pd.DataFrame(
        {
            "network": "x",
            "actor": ["f3", "f4"],
            "target": ["a", "b"],
            "kind": "like",
            "occurred_at": [t - pd.Timedelta(days=1), t - pd.Timedelta(days=200)],
        }
    )
    features = graph_features(
        graph=graph,
        interactions=interactions,
        orders=orders,
        links=links,
        as_of=t,
        recent_days=90,
        kernels=False,
    )
    # A's audience: f1 bought twice, f3 acted; f2's order is older than the window. B's: f4
    # acted 200 days ago.
    assert features.loc["A", ["active_audience_recent", "audience_orders_recent"]].tolist() == [
        2,
        2,
    ]
    assert features.loc["B", ["active_audience_recent", "audience_orders_recent"]].tolist() == [
        0,
        0,
    ]

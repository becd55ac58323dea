"""Demo tables seen on social networks: accounts, edges, interactions and brand mentions.

Each network's graph spans customers and people who are not customers. Audiences are heavy-tailed
and homophilous (people follow people of their own community). Positive customers share, and
their audience engages with what they share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from advocates.data.membership import distinct
from advocates.demo.phrases import make_texts
from advocates.demo.population import (
    DAY,
    LANGUAGES,
    Population,
    iso,
    missing_unless,
    numbered,
    sigmoid,
    texts,
    times,
)

__all__ = [
    "NETWORKS",
    "Followers",
    "NetworkSpec",
    "Nodes",
    "accounts_table",
    "edges_table",
    "interactions_table",
    "mentions_table",
    "social_graph",
]


@dataclass(frozen=True)
class NetworkSpec:
    """How big one social network is, relative to the number of customers."""

    name: str
    account_share: float  # share of customers with an account
    outsiders: float  # people who are not customers, per customer
    edge_share: float  # follows, in tens per customer
    share_scale: float  # how often customers share there, relative to their share rate


NETWORKS = (NetworkSpec("x", 0.85, 2.0, 0.7, 1.0), NetworkSpec("instagram", 0.4, 0.8, 0.3, 0.5))


@dataclass(frozen=True, eq=False)
class Nodes:
    """The people on one network: customers' accounts first, then people who are not customers."""

    network: NetworkSpec
    handles: ExtensionArray  # every node's handle
    community: np.ndarray  # every node's community
    of_customer: np.ndarray  # per customer, the index of their node, or -1 without an account


@dataclass(frozen=True, eq=False)
class Followers:
    """Who follows whom on one network, grouped by the node followed."""

    nodes: Nodes
    sources: np.ndarray  # follower nodes, grouped by the node they follow
    bounds: np.ndarray  # node i's followers are sources[bounds[i] : bounds[i + 1]]


def _sample_by_weight(
    weights: np.ndarray, groups: np.ndarray, group_of_draw: np.ndarray, uniform: np.ndarray
) -> np.ndarray:
    """Pick one node index per draw, proportional to ``weights`` within the draw's group.

    ``uniform`` holds each draw's random number in [0, 1): where in its group's total weight
    the draw lands.
    """
    order = np.argsort(groups, kind="stable")
    cum = np.cumsum(weights[order])
    starts = np.searchsorted(groups[order], np.arange(groups.max() + 2), side="left")
    base = np.concatenate([[0.0], cum])
    low = base[starts[group_of_draw]]
    high = base[starts[group_of_draw + 1]]
    landing = low + uniform * (high - low)
    # Searching for the landing points in ascending order finds the same positions several
    # times faster than in random order (numpy starts each search from the previous result).
    ascending = np.argsort(landing)
    pos = np.empty(len(landing), dtype=np.intp)
    pos[ascending] = np.searchsorted(cum, landing[ascending], side="right")
    return order[np.minimum(pos, len(order) - 1)]


def accounts_table(pop: Population, network: NetworkSpec) -> tuple[pd.DataFrame, Nodes]:
    """Generate one network's rows of the accounts table, and all of that network's nodes."""
    rng = pop.rng
    members = np.flatnonzero(rng.random(pop.size) < network.account_share)
    outsiders = rng.integers(pop.communities, size=int(network.outsiders * pop.size))
    community = np.concatenate([pop.community[members], outsiders])
    handles = numbered(f"{network.name}_", len(community), start=0)
    of_customer = np.full(pop.size, -1)
    of_customer[members] = np.arange(len(members))
    frame = pd.DataFrame(
        {
            "customer_id": pop.ids[members],
            "network": network.name,
            "handle": handles[: len(members)],
        }
    )
    return frame, Nodes(network, handles, community, of_customer)


def edges_table(pop: Population, nodes: Nodes) -> tuple[pd.DataFrame, Followers]:
    """Generate one network's rows of the edges table: heavy-tailed, mostly within a community."""
    rng, total = pop.rng, len(nodes.handles)
    popularity = rng.pareto(1.3, total) + 1.0  # heavy-tailed audiences, unrelated to satisfaction
    e = int(10 * pop.size * nodes.network.edge_share)
    src = rng.integers(total, size=e)
    same = rng.random(e) < 0.85  # homophily: most follows stay inside the community
    within, anyone = rng.random(e), rng.random(e)  # where in the popularity each follow lands
    tgt = np.empty(e, dtype=np.int64)
    tgt[same] = _sample_by_weight(
        popularity, nodes.community, nodes.community[src[same]], within[same]
    )
    everyone = np.zeros(total, dtype=np.int64)  # one group: follow anyone on the network
    tgt[~same] = _sample_by_weight(
        popularity, everyone, np.zeros(e - same.sum(), dtype=np.int64), anyone[~same]
    )
    keep = src != tgt
    # Each follow once, ordered by follower then followed: one number per pair, distinct.
    src, tgt = np.divmod(distinct(src[keep] * total + tgt[keep]), total)
    frame = pd.DataFrame(
        {
            "network": nodes.network.name,
            "source": nodes.handles[src],
            "target": nodes.handles[tgt],
            "kind": texts(["follows", "friend"])[(rng.random(len(src)) < 0.12).astype(np.intp)],
            "created_at": iso(
                times(rng, np.full(len(src), pop.end - 4 * 365 * DAY), pop.end - DAY)
            ),
        }
    )
    order = np.argsort(tgt, kind="stable")
    bounds = np.searchsorted(tgt[order], np.arange(total + 1))
    return frame, Followers(nodes, src[order], bounds)


def social_graph(pop: Population) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Followers]]:
    """Generate the accounts and edges tables, one network after the other.

    Returns both tables and each network's followers, by network name. The draws for one
    network's accounts and edges come before the next network's.
    """
    accounts: list[pd.DataFrame] = []
    edges: list[pd.DataFrame] = []
    graph: dict[str, Followers] = {}
    for network in NETWORKS:
        account_rows, nodes = accounts_table(pop, network)
        edge_rows, graph[network.name] = edges_table(pop, nodes)
        accounts.append(account_rows)
        edges.append(edge_rows)
    return pd.concat(accounts, ignore_index=True), pd.concat(edges, ignore_index=True), graph


def _shares(pop: Population, nodes: Nodes) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Draw customers' shares on one network: the rows, and each share's customer and time."""
    active = np.flatnonzero(nodes.of_customer >= 0)
    shares = pop.rng.poisson(pop.share_rate[active] * nodes.network.share_scale)
    who = np.repeat(active, shares)
    when = times(pop.rng, np.maximum(pop.created[who], pop.end - 2 * 365 * DAY), pop.end)
    frame = pd.DataFrame(
        {
            "network": nodes.network.name,
            "actor": nodes.handles[nodes.of_customer[who]],
            "target": nodes.handles[nodes.of_customer[who]],
            "kind": "share",
            "occurred_at": iso(when),
            "content_id": "S" + np.arange(len(who)).astype(str) + nodes.network.name[0],
        }
    )
    return frame, who, when


def _reactions(
    pop: Population, followers: Followers, who: np.ndarray, when: np.ndarray, engagement: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Draw the likes, comments and replies of sharers' followers: the rows and each one's time.

    None if there are none.
    """
    rng, nodes = pop.rng, followers.nodes
    sharer = nodes.of_customer[who]
    audience = followers.bounds[sharer + 1] - followers.bounds[sharer]
    reactions = rng.poisson(np.minimum(audience, 200) * engagement[who])
    share = np.repeat(np.arange(len(who)), reactions)
    if not len(share):
        return None
    start, size = followers.bounds[sharer[share]], audience[share]
    actor = followers.sources[start + (rng.random(len(share)) * size).astype(np.int64)]
    kinds = texts(["like", "comment", "reply"])
    kind = kinds[rng.choice(3, size=len(share), p=[0.7, 0.2, 0.1])]
    at = when[share] + (rng.exponential(1.5, len(share)) * 86400).astype("timedelta64[s]")
    at = np.minimum(at, pop.end)
    frame = pd.DataFrame(
        {
            "network": nodes.network.name,
            "actor": nodes.handles[actor],
            "target": nodes.handles[sharer[share]],
            "kind": kind,
            "occurred_at": iso(at),
            "content_id": None,
        }
    )
    return frame, at


def _in_time_order(frame: pd.DataFrame, instants: np.ndarray) -> pd.DataFrame:
    """Return ``frame`` sorted by its rows' ``instants``, rows at the same instant kept in order.

    The same order as a stable sort on the rows' ISO 8601 text of those instants, which takes
    several times longer.
    """
    return frame.take(np.argsort(instants, kind="stable")).reset_index(drop=True)


def interactions_table(pop: Population, graph: dict[str, Followers]) -> pd.DataFrame:
    """Generate the interactions table: customers' shares and their followers' reactions."""
    engagement = pop.rng.gamma(1.5, 0.2, pop.size)  # hidden: how much a sharer's audience reacts
    frames, instants = [], []
    for followers in graph.values():  # network by network, in the order of NETWORKS
        shares, who, when = _shares(pop, followers.nodes)
        frames.append(shares)
        instants.append(when)
        reactions = _reactions(pop, followers, who, when, engagement)
        if reactions is not None:
            frames.append(reactions[0])
            instants.append(reactions[1])
    return _in_time_order(pd.concat(frames, ignore_index=True), np.concatenate(instants))


def mentions_table(pop: Population, nodes: Nodes) -> pd.DataFrame:
    """Generate the mentions table on one network, by customers and by people who are not."""
    rng = pop.rng
    rate = 0.4 + 0.8 * sigmoid(pop.share_trait) + 0.6 * (pop.satisfaction < -0.5)
    has_account = nodes.of_customer >= 0
    authors = np.repeat(np.flatnonzero(has_account), rng.poisson(rate[has_account]))
    outsiders = rng.integers(int(has_account.sum()), len(nodes.handles), size=len(authors) // 4)
    mood = np.concatenate([pop.satisfaction[authors], rng.normal(0.3, 1.0, len(outsiders))])
    noisy = mood + rng.normal(0, 0.6, len(mood))
    sentiment = np.where(noisy > 0.6, 2, np.where(noisy < -0.4, 0, 1))
    language = np.concatenate(
        [pop.language[authors], LANGUAGES[rng.choice(3, size=len(outsiders), p=[0.6, 0.2, 0.2])]]
    )
    k = len(mood)
    posted = times(rng, np.full(k, pop.end - 2 * 365 * DAY), pop.end)
    labelled = rng.random(k) < 0.4
    label = texts(["negative", "neutral", "positive"])[
        np.where(rng.random(k) < 0.05, rng.integers(3, size=k), sentiment)  # 5% mislabelled
    ]
    frame = pd.DataFrame(
        {
            "mention_id": numbered("M", k),
            "network": nodes.network.name,
            "author": nodes.handles[np.concatenate([nodes.of_customer[authors], outsiders])],
            "posted_at": iso(posted),
            "text": make_texts(rng, language, sentiment),
            "language": language,
            "impressions": rng.poisson(50, k) * (1 + rng.pareto(1.5, k)).astype(np.int64),
            "sentiment_label": missing_unless(labelled, label),
        }
    )
    return _in_time_order(frame, posted)

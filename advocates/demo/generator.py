# numpy's stubs reject datetime64 +/- timedelta64 arithmetic and np.where over object arrays,
# which are valid at run time and tested; the ignore is scoped to those codes in this module.
# mypy: disable-error-code="operator,arg-type,call-overload,assignment"
"""A deterministic generator of realistic demo data for all nine input tables.

Every customer has hidden traits (satisfaction, sharing tendency, how much peers act on their
invites, purchase rate); the visible tables are drawn from them, so a good model can recover
who the advocates are and a bad one (follower count) cannot. Audiences are heavy-tailed and
homophilous (people follow people of their own community); the graph spans customers and
non-customers. ``broken_rows`` corrupts a share of rows in the ways real exports break.

Examples
--------
>>> tables = generate_demo_tables(customers=200, seed=1, end="2026-11-01")
>>> sorted(tables)  # doctest: +NORMALIZE_WHITESPACE
['accounts', 'customers', 'edges', 'exposures', 'interactions', 'mentions', 'orders',
 'referrals', 'reviews']
>>> len(tables["customers"])
200
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advocates.demo.phrases import make_texts

__all__ = ["BrokenRows", "break_rows", "generate_demo_tables"]

_DAY = np.timedelta64(1, "D")
_LANGS = np.array(["en", "fr", "ro"], dtype=object)
_COUNTRY = {"en": ["US", "GB", "IE"], "fr": ["FR", "BE", "CA"], "ro": ["RO", "MD", "RO"]}
_FIRST = np.array(
    ["Ana", "Ben", "Chloé", "Dan", "Elena", "Femi", "Gabi", "Hugo", "Ioana", "Jack"], dtype=object
)
_LAST = np.array(
    ["Popescu", "Martin", "Smith", "Ionescu", "Dubois", "Brown", "Stan", "Moreau"], dtype=object
)
_CATEGORIES = np.array(
    ["audio", "lighting", "bags", "shoes", "kitchen", "outerwear", "accessories", "home"],
    dtype=object,
)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _times(rng: np.random.Generator, start: np.ndarray, end: np.datetime64) -> np.ndarray:
    """Uniform random instants between each ``start`` and ``end`` (to the second)."""
    span = ((end - start) / np.timedelta64(1, "s")).astype(np.float64)
    offset = (rng.random(len(start)) * np.maximum(span, 0)).astype(np.int64)
    return start + offset.astype("timedelta64[s]")


def _iso(times: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(times.astype("datetime64[s]"), unit="s", timezone="UTC")


def _sample_by_weight(
    rng: np.random.Generator, weights: np.ndarray, groups: np.ndarray, group_of_draw: np.ndarray
) -> np.ndarray:
    """Draw one node index per draw, proportional to ``weights`` within the draw's group."""
    order = np.argsort(groups, kind="stable")
    cum = np.cumsum(weights[order])
    starts = np.searchsorted(groups[order], np.arange(groups.max() + 2), side="left")
    base = np.concatenate([[0.0], cum])
    low = base[starts[group_of_draw]]
    high = base[starts[group_of_draw + 1]]
    pos = np.searchsorted(cum, low + rng.random(len(group_of_draw)) * (high - low), side="right")
    return order[np.minimum(pos, len(order) - 1)]


def generate_demo_tables(
    *, customers: int = 5000, seed: int = 0, end: str = "2026-11-01"
) -> dict[str, pd.DataFrame]:
    """Generate the nine input tables for ``customers`` customers, ending at ``end`` (UTC).

    The same arguments always give the same tables.
    """
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    rng = np.random.default_rng(seed)
    n = customers
    end_t = np.datetime64(pd.Timestamp(end, tz="UTC").tz_localize(None), "s")
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)

    # Hidden traits.
    satisfaction = rng.normal(0.5, 1.0, n)
    share_trait = rng.normal(0.0, 1.0, n)
    influence = rng.beta(2.0, 9.0, n)  # chance a peer acts on one of their invites
    purchase_rate = rng.gamma(0.9, 3.0, n)
    n_communities = max(1, n // 250)
    community = rng.integers(n_communities, size=n)
    community_lang = _LANGS[rng.choice(3, size=n_communities, p=[0.6, 0.2, 0.2])]
    language = np.where(
        rng.random(n) < 0.9, community_lang[community], _LANGS[rng.integers(3, size=n)]
    )

    # customers
    created = _times(rng, np.full(n, end_t - 3 * 365 * _DAY), end_t - 30 * _DAY)
    first, last = _FIRST[rng.integers(len(_FIRST), size=n)], _LAST[rng.integers(len(_LAST), size=n)]
    country = np.array(
        [_COUNTRY[lang][k] for lang, k in zip(language, rng.integers(3, size=n), strict=True)],
        dtype=object,
    )
    customers_df = pd.DataFrame(
        {
            "customer_id": ids,
            "created_at": _iso(created),
            "marketing_consent": np.where(rng.random(n) < 0.82, "true", "false"),
            "email": first + "." + last + np.arange(n).astype(str) + "@example.com",
            "name": first + " " + last,
            "country": country,
            "language": language,
            "do_not_contact": np.where(rng.random(n) < 0.03, "true", "false"),
        }
    )

    # orders: a customer's rate falls when they are unhappy; refunds follow dissatisfaction.
    n_orders = rng.poisson(purchase_rate * np.exp(0.25 * satisfaction)) + (rng.random(n) < 0.9)
    owner = np.repeat(np.arange(n), n_orders)
    m = len(owner)
    refunded = rng.random(m) < _sigmoid(-2.8 - 1.2 * satisfaction[owner])
    cancelled = ~refunded & (rng.random(m) < 0.02)
    orders_df = pd.DataFrame(
        {
            "order_id": np.char.add("O", np.char.zfill(np.arange(1, m + 1).astype(str), 8)).astype(
                object
            ),
            "customer_id": ids[owner],
            "ordered_at": _iso(_times(rng, created[owner], end_t)),
            "amount": np.round(rng.lognormal(3.7 + 0.3 * rng.normal(size=n)[owner], 0.45), 2),
            "currency": np.where(
                language[owner] == "en", "USD", np.where(language[owner] == "fr", "EUR", "RON")
            ),
            "status": np.where(refunded, "refunded", np.where(cancelled, "cancelled", "completed")),
            "quantity": 1 + rng.poisson(0.3, m),
            "category": _CATEGORIES[(community[owner] + rng.integers(0, 3, m)) % len(_CATEGORIES)],
        }
    )

    # graph nodes: customers' accounts plus non-customers, on two networks.
    node_frames, account_frames, edge_frames = [], [], []
    follower_index: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    customer_node: dict[str, np.ndarray] = {}
    for network, has_share, outsiders, edge_share in (
        ("x", 0.85, 2.0, 0.7),
        ("instagram", 0.4, 0.8, 0.3),
    ):
        has = rng.random(n) < has_share
        members = np.flatnonzero(has)
        k = int(outsiders * n)
        node_comm = np.concatenate([community[members], rng.integers(n_communities, size=k)])
        total = len(node_comm)
        handles = np.char.add(f"{network}_", np.char.zfill(np.arange(total).astype(str), 8)).astype(
            object
        )
        node_customer = np.full(total, -1)
        node_customer[: len(members)] = members
        account_frames.append(
            pd.DataFrame(
                {"customer_id": ids[members], "network": network, "handle": handles[: len(members)]}
            )
        )
        popularity = (
            rng.pareto(1.3, total) + 1.0
        )  # heavy-tailed audiences, unrelated to satisfaction
        e = int(10 * n * edge_share)
        src = rng.integers(total, size=e)
        same = rng.random(e) < 0.85  # homophily: most follows stay inside the community
        tgt = np.where(
            same,
            _sample_by_weight(rng, popularity, node_comm, node_comm[src]),
            _sample_by_weight(
                rng, popularity, np.zeros(total, dtype=np.int64), np.zeros(e, dtype=np.int64)
            ),
        )
        keep = src != tgt
        pairs = np.unique(np.stack([src[keep], tgt[keep]], axis=1), axis=0)
        src, tgt = pairs[:, 0], pairs[:, 1]
        edge_frames.append(
            pd.DataFrame(
                {
                    "network": network,
                    "source": handles[src],
                    "target": handles[tgt],
                    "kind": np.where(rng.random(len(src)) < 0.12, "friend", "follows"),
                    "created_at": _iso(
                        _times(rng, np.full(len(src), end_t - 4 * 365 * _DAY), end_t - _DAY)
                    ),
                }
            )
        )
        order = np.argsort(tgt, kind="stable")
        follower_index[network] = (
            handles,
            src[order],
            np.searchsorted(tgt[order], np.arange(total + 1)),
        )
        node = np.full(n, -1)
        node[members] = np.arange(len(members))
        customer_node[network] = node
        node_frames.append(node_customer)

    # interactions: positive customers share; their audience engages with what they share.
    share_rate = 2.0 * np.exp(0.9 * share_trait) * _sigmoid(1.8 * satisfaction - 0.3)
    engagement_trait = rng.gamma(1.5, 0.2, n)
    inter = []
    for network in ("x", "instagram"):
        handles, followers, bounds = follower_index[network]
        node = customer_node[network]
        active = np.flatnonzero(node >= 0)
        shares = rng.poisson(share_rate[active] * (1.0 if network == "x" else 0.5))
        who = np.repeat(active, shares)
        when = _times(rng, np.maximum(created[who], end_t - 2 * 365 * _DAY), end_t)
        inter.append(
            pd.DataFrame(
                {
                    "network": network,
                    "actor": handles[node[who]],
                    "target": handles[node[who]],
                    "kind": "share",
                    "occurred_at": _iso(when),
                    "content_id": "S" + np.arange(len(who)).astype(str) + network[0],
                }
            )
        )
        audience = bounds[node[who] + 1] - bounds[node[who]]
        reactions = rng.poisson(np.minimum(audience, 200) * engagement_trait[who])
        r_who = np.repeat(np.arange(len(who)), reactions)
        if len(r_who):
            start, size = bounds[node[who[r_who]]], audience[r_who]
            actor = followers[start + (rng.random(len(r_who)) * size).astype(np.int64)]
            kind = np.array(["like", "comment", "reply"], dtype=object)[
                rng.choice(3, size=len(r_who), p=[0.7, 0.2, 0.1])
            ]
            r_when = when[r_who] + (rng.exponential(1.5, len(r_who)) * 86400).astype(
                "timedelta64[s]"
            )
            inter.append(
                pd.DataFrame(
                    {
                        "network": network,
                        "actor": handles[actor],
                        "target": handles[node[who[r_who]]],
                        "kind": kind,
                        "occurred_at": _iso(np.minimum(r_when, end_t)),
                        "content_id": None,
                    }
                )
            )
    interactions_df = pd.concat(inter, ignore_index=True)

    # mentions by customers (and by people who are not customers), sentiment from satisfaction.
    mention_rate = 0.4 + 0.8 * _sigmoid(share_trait) + 0.6 * (satisfaction < -0.5)
    x_node = customer_node["x"]
    authors = np.repeat(np.flatnonzero(x_node >= 0), rng.poisson(mention_rate[x_node >= 0]))
    x_handles = follower_index["x"][0]
    outsiders = rng.integers(int((x_node >= 0).sum()), len(x_handles), size=len(authors) // 4)
    mood = np.concatenate([satisfaction[authors], rng.normal(0.3, 1.0, len(outsiders))])
    noisy = mood + rng.normal(0, 0.6, len(mood))
    sentiment = np.where(noisy > 0.6, 2, np.where(noisy < -0.4, 0, 1))
    m_lang = np.concatenate(
        [language[authors], _LANGS[rng.choice(3, size=len(outsiders), p=[0.6, 0.2, 0.2])]]
    )
    k = len(mood)
    posted = _times(rng, np.full(k, end_t - 2 * 365 * _DAY), end_t)
    labelled = rng.random(k) < 0.4
    label = np.array(["negative", "neutral", "positive"], dtype=object)[
        np.where(rng.random(k) < 0.05, rng.integers(3, size=k), sentiment)
    ]
    mentions_df = pd.DataFrame(
        {
            "mention_id": np.char.add(
                "M", np.char.zfill(np.arange(1, k + 1).astype(str), 8)
            ).astype(object),
            "network": "x",
            "author": np.concatenate([x_handles[x_node[authors]], x_handles[outsiders]]),
            "posted_at": _iso(posted),
            "text": make_texts(rng, m_lang, sentiment),
            "language": m_lang,
            "impressions": rng.poisson(50, k) * (1 + rng.pareto(1.5, k)).astype(np.int64),
            "sentiment_label": np.where(labelled, label, None),
        }
    ).sort_values("posted_at", kind="stable", ignore_index=True)

    # reviews: about a quarter of completed orders, star rating from satisfaction.
    completed = np.flatnonzero(orders_df["status"].to_numpy() == "completed")
    reviewed = completed[rng.random(len(completed)) < 0.25]
    r_owner = owner[reviewed]
    rating = np.clip(
        np.round(3.6 + 1.2 * satisfaction[r_owner] + rng.normal(0, 0.8, len(reviewed))), 1, 5
    ).astype(int)
    r_sent = np.where(rating >= 4, 2, np.where(rating <= 2, 0, 1))
    ordered_at = (
        pd.to_datetime(orders_df["ordered_at"].to_numpy()[reviewed])
        .tz_localize(None)
        .to_numpy()
        .astype("datetime64[s]")
    )
    reviews_df = pd.DataFrame(
        {
            "review_id": np.char.add(
                "R", np.char.zfill(np.arange(1, len(reviewed) + 1).astype(str), 8)
            ).astype(object),
            "customer_id": ids[r_owner],
            "created_at": _iso(
                np.minimum(
                    ordered_at
                    + (rng.exponential(10, len(reviewed)) * 86400).astype("timedelta64[s]"),
                    end_t,
                )
            ),
            "rating": rating,
            "text": make_texts(rng, language[r_owner], r_sent),
            "language": language[r_owner],
        }
    )

    # referrals: sharers invite friends; peers act on some people's invites far more than others'.
    invites = rng.poisson(0.35 * share_rate)
    referrer = np.repeat(np.arange(n), invites)
    q = len(referrer)
    invited = _times(rng, np.maximum(created[referrer], end_t - 2 * 365 * _DAY), end_t)
    converts = rng.random(q) < np.clip(
        influence[referrer] * 2.2 * _sigmoid(satisfaction[referrer]), 0, 0.95
    )
    converted = np.where(converts, (referrer + 1 + rng.integers(n - 1, size=q)) % n, -1)
    conv_at = invited + (rng.exponential(6, q) * 86400).astype("timedelta64[s]")
    converts &= conv_at <= end_t
    referrals_df = pd.DataFrame(
        {
            "referral_id": np.char.add(
                "F", np.char.zfill(np.arange(1, q + 1).astype(str), 8)
            ).astype(object),
            "referrer_customer_id": ids[referrer],
            "invited_at": _iso(invited),
            "channel": np.array(["email", "link", "social"], dtype=object)[rng.integers(3, size=q)],
            "invitee": np.char.add("invitee-", np.arange(q).astype(str)).astype(object),
            "converted_customer_id": np.where(converts, ids[np.maximum(converted, 0)], None),
            "converted_at": np.where(converts, _iso(conv_at), None),
            "order_id": None,
            "campaign_id": None,
            "incentive_id": None,
        }
    )

    # exposures: one past randomised test with a control arm; two-sided rewards work best.
    tested = np.flatnonzero(rng.random(n) < 0.2)
    arm_index = rng.integers(3, size=len(tested))
    lift = np.array([1.0, 1.5, 2.0])[arm_index]
    base = 0.05 + 0.25 * _sigmoid(share_trait[tested]) * _sigmoid(satisfaction[tested])
    success = rng.random(len(tested)) < np.clip(base * lift, 0, 0.95)
    assigned = np.full(len(tested), end_t - 150 * _DAY)
    exposures_df = pd.DataFrame(
        {
            "campaign_id": "spring-test",
            "customer_id": ids[tested],
            "arm": np.array(["control", "ADV10", "DUO10"], dtype=object)[arm_index],
            "assigned_at": _iso(assigned),
            "outcome": np.where(success, "referral_converted", "none"),
            "outcome_at": np.where(success, _iso(assigned + 21 * _DAY), None),
        }
    )

    return {
        "customers": customers_df,
        "orders": orders_df,
        "accounts": pd.concat(account_frames, ignore_index=True),
        "edges": pd.concat(edge_frames, ignore_index=True),
        "interactions": interactions_df.sort_values(
            "occurred_at", kind="stable", ignore_index=True
        ),
        "mentions": mentions_df,
        "reviews": reviews_df,
        "referrals": referrals_df,
        "exposures": exposures_df,
    }


@dataclass(frozen=True)
class BrokenRows:
    """Which rows of a table :func:`break_rows` corrupted, and how (for tests and the manifest)."""

    table: str
    value_errors: int
    duplicates: int
    bad_bytes_lines: list[int]
    extra_field_lines: list[int]

    @property
    def total(self) -> int:
        return (
            self.value_errors
            + self.duplicates
            + len(self.bad_bytes_lines)
            + len(self.extra_field_lines)
        )


_BREAKERS: dict[str, list[tuple[str, str]]] = {
    # table -> (column, broken value) pairs chosen at random per broken row
    "customers": [
        ("created_at", "31/02/2025"),
        ("marketing_consent", "maybe"),
        ("customer_id", ""),
    ],
    "orders": [
        ("amount", "-19.90"),
        ("customer_id", "C_UNKNOWN"),
        ("ordered_at", "last tuesday"),
        ("amount", "12,50 EUR"),
        ("status", "lost"),
    ],
    "accounts": [("customer_id", "C_UNKNOWN"), ("handle", "")],
    "edges": [("kind", "blocks"), ("target", "")],
    "interactions": [("actor", "ghost_account"), ("kind", "poke"), ("occurred_at", "2025-13-45")],
    "mentions": [("posted_at", "not a date"), ("text", ""), ("sentiment_label", "angry")],
    "reviews": [("rating", "6"), ("customer_id", "C_UNKNOWN"), ("rating", "four")],
    "referrals": [("referrer_customer_id", "C_UNKNOWN"), ("invited_at", "2025-02-30")],
    "exposures": [("customer_id", "C_UNKNOWN"), ("assigned_at", "soon")],
}
_UNIQUE = {
    "customers": "customer_id",
    "orders": "order_id",
    "mentions": "mention_id",
    "reviews": "review_id",
    "referrals": "referral_id",
}
_TEXT_COLUMNS = {"customers": "name", "mentions": "text", "reviews": "text"}


def break_rows(
    table: str, frame: pd.DataFrame, *, fraction: float, seed: int
) -> tuple[pd.DataFrame, BrokenRows]:
    """Corrupt about ``fraction`` of the rows of ``frame`` in realistic ways.

    Returns the frame with value errors and duplicate rows, and which CSV lines (file rows, the
    header being line 1) should get bytes that are not UTF-8 or an extra field when written.
    """
    rng = np.random.default_rng([seed, len(table), sum(map(ord, table))])
    count = round(fraction * len(frame))
    if count == 0:
        return frame, BrokenRows(table, 0, 0, [], [])
    out = frame.astype(object).copy()
    picked = rng.choice(len(out), size=min(count, len(out)), replace=False)
    n_dup = len(picked) // 6 if table in _UNIQUE else 0
    n_bytes = len(picked) // 8 if table in _TEXT_COLUMNS else 0
    n_extra = len(picked) // 10
    value_rows = picked[n_dup + n_bytes + n_extra :]
    breakers = _BREAKERS[table]
    choice = rng.integers(len(breakers), size=len(value_rows))
    for index, (column, value) in enumerate(breakers):
        out.iloc[value_rows[choice == index], out.columns.get_loc(column)] = value
    dups = out.iloc[picked[:n_dup]].copy() if n_dup else out.iloc[:0]
    if n_dup:
        dups[_UNIQUE[table]] = out.iloc[rng.integers(len(out), size=n_dup)][
            _UNIQUE[table]
        ].to_numpy()
    out = pd.concat([out.drop(out.index[picked[:n_dup]]), dups], ignore_index=True)
    lines = rng.choice(len(out), size=n_bytes + n_extra, replace=False) + 2
    return out, BrokenRows(
        table,
        len(value_rows),
        n_dup,
        sorted(lines[:n_bytes].tolist()),
        sorted(lines[n_bytes:].tolist()),
    )

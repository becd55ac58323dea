"""Demo tables the brand keeps itself: customers, orders, reviews, referrals and a past test.

Each generator draws from the :class:`~advocates.demo.population.Population`'s generator, so they
must be called in the order :func:`~advocates.demo.generator.generate_demo_tables` calls them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from advocates.demo.phrases import make_texts
from advocates.demo.population import (
    DAY,
    Population,
    iso,
    missing_unless,
    numbered,
    sigmoid,
    texts,
    times,
)

__all__ = [
    "customers_table",
    "exposures_table",
    "orders_table",
    "referrals_table",
    "reviews_table",
]

_COUNTRY = {"en": ["US", "GB", "IE"], "fr": ["FR", "BE", "CA"], "ro": ["RO", "MD", "RO"]}
_CURRENCY = {"en": "USD", "fr": "EUR", "ro": "RON"}
_STATUS = texts(["completed", "cancelled", "refunded"])
_FIRST = np.array(
    ["Ana", "Ben", "Chloé", "Dan", "Elena", "Femi", "Gabi", "Hugo", "Ioana", "Jack"], dtype=object
)
_LAST = np.array(
    ["Popescu", "Martin", "Smith", "Ionescu", "Dubois", "Brown", "Stan", "Moreau"], dtype=object
)
_CATEGORIES = texts(
    ["audio", "lighting", "bags", "shoes", "kitchen", "outerwear", "accessories", "home"]
)


def customers_table(pop: Population) -> pd.DataFrame:
    """Generate the customers table: names, country and consent for every customer."""
    rng, n = pop.rng, pop.size
    first, last = _FIRST[rng.integers(len(_FIRST), size=n)], _LAST[rng.integers(len(_LAST), size=n)]
    country = np.array(
        [_COUNTRY[lang][k] for lang, k in zip(pop.language, rng.integers(3, size=n), strict=True)],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "customer_id": pop.ids,
            "created_at": iso(pop.created),
            "marketing_consent": np.where(rng.random(n) < 0.82, "true", "false"),
            "email": first + "." + last + np.arange(n).astype(str) + "@example.com",
            "name": first + " " + last,
            "country": country,
            "language": pop.language,
            "do_not_contact": np.where(rng.random(n) < 0.03, "true", "false"),
        }
    )


def orders_table(pop: Population) -> pd.DataFrame:
    """Generate the orders table: unhappy customers buy less and ask for refunds more."""
    rng, n = pop.rng, pop.size
    n_orders = rng.poisson(pop.purchase_rate * np.exp(0.25 * pop.satisfaction)) + (
        rng.random(n) < 0.9
    )
    owner = np.repeat(np.arange(n), n_orders)
    m = len(owner)
    refunded = rng.random(m) < sigmoid(-2.8 - 1.2 * pop.satisfaction[owner])
    cancelled = ~refunded & (rng.random(m) < 0.02)
    currency = texts([_CURRENCY[language] for language in pop.language])  # by customer
    ordered_at = iso(times(rng, pop.created[owner], pop.end))
    amount = np.round(rng.lognormal(3.7 + 0.3 * rng.normal(size=n)[owner], 0.45), 2)
    return pd.DataFrame(
        {
            "order_id": numbered("O", m),
            "customer_id": pop.ids[owner],
            "ordered_at": ordered_at,
            "amount": amount,
            "currency": currency[owner],
            "status": _STATUS[np.select([refunded, cancelled], [2, 1], 0)],
            "quantity": 1 + rng.poisson(0.3, m),
            "category": _CATEGORIES[
                (pop.community[owner] + rng.integers(0, 3, m)) % len(_CATEGORIES)
            ],
        }
    )


def reviews_table(pop: Population, orders: pd.DataFrame) -> pd.DataFrame:
    """Generate the reviews table: about a quarter of completed orders, rated by satisfaction."""
    rng = pop.rng
    completed = np.flatnonzero((orders["status"] == "completed").to_numpy())
    reviewed = completed[rng.random(len(completed)) < 0.25]
    owner = pd.Index(pop.ids).get_indexer(orders["customer_id"].array[reviewed])
    rating = np.clip(
        np.round(3.6 + 1.2 * pop.satisfaction[owner] + rng.normal(0, 0.8, len(reviewed))), 1, 5
    ).astype(int)
    sentiment = np.where(rating >= 4, 2, np.where(rating <= 2, 0, 1))
    ordered_at = (
        pd.to_datetime(orders["ordered_at"].array[reviewed])
        .tz_localize(None)
        .to_numpy()
        .astype("datetime64[s]")
    )
    delay = (rng.exponential(10, len(reviewed)) * 86400).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "review_id": numbered("R", len(reviewed)),
            "customer_id": pop.ids[owner],
            "created_at": iso(np.minimum(ordered_at + delay, pop.end)),
            "rating": rating,
            "text": make_texts(rng, pop.language[owner], sentiment),
            "language": pop.language[owner],
        }
    )


def referrals_table(pop: Population) -> pd.DataFrame:
    """Generate the referrals table: peers act on some people's invites far more than others'."""
    rng, n, end = pop.rng, pop.size, pop.end
    referrer = np.repeat(np.arange(n), rng.poisson(0.35 * pop.share_rate))
    q = len(referrer)
    invited = times(rng, np.maximum(pop.created[referrer], end - 2 * 365 * DAY), end)
    converts = rng.random(q) < np.clip(
        pop.influence[referrer] * 2.2 * sigmoid(pop.satisfaction[referrer]), 0, 0.95
    )
    converted = np.where(converts, (referrer + 1 + rng.integers(n - 1, size=q)) % n, -1)
    converted_at = invited + (rng.exponential(6, q) * 86400).astype("timedelta64[s]")
    converts &= converted_at <= end
    return pd.DataFrame(
        {
            "referral_id": numbered("F", q),
            "referrer_customer_id": pop.ids[referrer],
            "invited_at": iso(invited),
            "channel": texts(["email", "link", "social"])[rng.integers(3, size=q)],
            "invitee": np.char.add("invitee-", np.arange(q).astype(str)).astype(object),
            "converted_customer_id": missing_unless(converts, pop.ids[np.maximum(converted, 0)]),
            "converted_at": missing_unless(converts, iso(converted_at)),
            "order_id": None,
            "campaign_id": None,
            "incentive_id": None,
        }
    )


def exposures_table(pop: Population) -> pd.DataFrame:
    """Generate the exposures table: one past randomised test in which two-sided rewards win."""
    rng = pop.rng
    tested = np.flatnonzero(rng.random(pop.size) < 0.2)
    arm_index = rng.integers(3, size=len(tested))
    lift = np.array([1.0, 1.5, 2.0])[arm_index]
    base = 0.05 + 0.25 * sigmoid(pop.share_trait[tested]) * sigmoid(pop.satisfaction[tested])
    success = rng.random(len(tested)) < np.clip(base * lift, 0, 0.95)
    assigned = np.full(len(tested), pop.end - 150 * DAY)
    return pd.DataFrame(
        {
            "campaign_id": "spring-test",
            "customer_id": pop.ids[tested],
            "arm": texts(["control", "ADV10", "DUO10"])[arm_index],
            "assigned_at": iso(assigned),
            "outcome": np.where(success, "referral_converted", "none"),
            "outcome_at": missing_unless(success, iso(assigned + 21 * DAY)),
        }
    )

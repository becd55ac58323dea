"""The population every demo table is drawn from, and the drawing helpers the tables share.

Every customer has hidden traits (satisfaction, sharing tendency, how much peers act on their
invites, purchase rate), a community and a language; the visible tables are drawn from them, so a
good model can recover who the advocates are and a bad one (follower count) cannot. All tables
draw from the population's one random generator, one after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

__all__ = [
    "DAY",
    "LANGUAGES",
    "Population",
    "iso",
    "make_population",
    "missing_unless",
    "numbered",
    "sigmoid",
    "texts",
    "times",
]

DAY = np.timedelta64(1, "D")
LANGUAGES = np.array(["en", "fr", "ro"], dtype=object)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of ``x``."""
    return 1.0 / (1.0 + np.exp(-x))


def times(rng: np.random.Generator, start: np.ndarray, end: np.datetime64) -> np.ndarray:
    """Draw uniform random instants between each ``start`` and ``end`` (to the second)."""
    # numpy's stubs reject this datetime64 arithmetic, which is valid at run time.
    span = ((end - start) / np.timedelta64(1, "s")).astype(np.float64)  # type: ignore[operator]
    offset = (rng.random(len(start)) * np.maximum(span, 0)).astype(np.int64)
    return start + offset.astype("timedelta64[s]")


def texts(values: Sequence[str] | np.ndarray) -> ExtensionArray:
    """Return ``values`` as pandas text (dtype ``str``), the way a frame stores a column of text.

    The tables pick their text from such arrays (``words[index]``): a frame takes the picked
    array as it is, where from a numpy array it would convert every row's Python string.
    """
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def missing_unless(keep: np.ndarray, values: ExtensionArray) -> ExtensionArray:
    """Return ``values`` where ``keep`` holds and missing values elsewhere."""
    return pd.Series(values).where(keep).array


@cache
def _seconds_of_day() -> ExtensionArray:
    """Return the 86,400 seconds of a day as ISO 8601 text: ``T00:00:00Z`` to ``T23:59:59Z``."""
    return texts([f"T{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}Z" for s in range(86400)])


def iso(instants: np.ndarray) -> ExtensionArray:
    """Format instants as ISO 8601 text in UTC, to the second.

    >>> list(iso(np.array(["2026-11-01T08:05:09", "1969-12-31T23:59:59"], dtype="datetime64[s]")))
    ['2026-11-01T08:05:09Z', '1969-12-31T23:59:59Z']
    """
    # Millions of instants fall on at most a few thousand days: each day is formatted once,
    # and each instant is its day's text followed by its second's.
    days, seconds = np.divmod(instants.astype("datetime64[s]").astype(np.int64), 86400)
    first = int(days.min()) if len(days) else 0
    dates = np.arange(first, days.max(initial=first) + 1).astype("datetime64[D]")
    return texts(np.datetime_as_string(dates))[days - first] + _seconds_of_day()[seconds]


def numbered(prefix: str, count: int, *, width: int = 8, start: int = 1) -> ExtensionArray:
    """Return ``count`` ids ``prefix`` + a zero-padded running number, from ``start``.

    >>> list(numbered("C", 3, width=4, start=9))
    ['C0009', 'C0010', 'C0011']
    """
    digits = pd.Series(np.arange(start, start + count)).astype("str").str.zfill(width)
    return (prefix + digits).array


@dataclass(frozen=True, eq=False)
class Population:
    """The customers every demo table is drawn from: their ids, hidden traits and sign-up times.

    ``rng`` is shared: each table generator draws from it in turn, so the order in which the
    tables are generated is part of the data.
    """

    rng: np.random.Generator
    end: np.datetime64  # last instant of the data (UTC, to the second)
    ids: ExtensionArray  # customer ids, C0000001 onwards
    satisfaction: np.ndarray  # hidden: how happy each customer is
    share_trait: np.ndarray  # hidden: how much they share
    influence: np.ndarray  # hidden: chance a peer acts on one of their invites
    purchase_rate: np.ndarray  # hidden: orders over the period, before (dis)satisfaction
    communities: int  # number of communities; people mostly follow their own
    community: np.ndarray  # each customer's community
    language: np.ndarray  # en, fr or ro; mostly their community's language
    created: np.ndarray  # when each customer signed up

    @property
    def size(self) -> int:
        """Return the number of customers."""
        return len(self.ids)

    @property
    def share_rate(self) -> np.ndarray:
        """Return each customer's expected number of shares: happy sharers share most."""
        return 2.0 * np.exp(0.9 * self.share_trait) * sigmoid(1.8 * self.satisfaction - 0.3)


def make_population(*, customers: int, seed: int, end: str) -> Population:
    """Draw ``customers`` customers' hidden traits from a generator seeded with ``seed``."""
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    rng = np.random.default_rng(seed)
    n = customers
    end_t = np.datetime64(pd.Timestamp(end, tz="UTC").tz_localize(None), "s")
    satisfaction = rng.normal(0.5, 1.0, n)
    share_trait = rng.normal(0.0, 1.0, n)
    influence = rng.beta(2.0, 9.0, n)
    purchase_rate = rng.gamma(0.9, 3.0, n)
    communities = max(1, n // 250)
    community = rng.integers(communities, size=n)
    community_language = LANGUAGES[rng.choice(3, size=communities, p=[0.6, 0.2, 0.2])]
    language = np.where(
        rng.random(n) < 0.9, community_language[community], LANGUAGES[rng.integers(3, size=n)]
    )
    # numpy's stubs type datetime64 - timedelta64 as a timedelta; it is a datetime64 at run time.
    created = times(rng, np.full(n, end_t - 3 * 365 * DAY), end_t - 30 * DAY)  # type: ignore[arg-type]
    return Population(
        rng=rng,
        end=end_t,
        ids=numbered("C", n, width=7),
        satisfaction=satisfaction,
        share_trait=share_trait,
        influence=influence,
        purchase_rate=purchase_rate,
        communities=communities,
        community=community,
        language=language,
        created=created,
    )

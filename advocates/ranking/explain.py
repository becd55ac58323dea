"""Explanations: the few factors that drove a customer's score, in a marketer's words.

For each objective, the factors that enter its formula are ranked by how high the customer
stands among eligible customers (percentile); the top three are written out with their figures.
Customers who are not ranked get the reason, and for the sentiment gate the text that caused it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "FACTORS_BY_OBJECTIVE",
    "NO_EVIDENCE",
    "NO_POSITIVE_EVIDENCE",
    "POSITIVE_EVIDENCE",
    "explain",
    "influence_role",
    "withhold_quote",
    "withhold_quotes",
]

FACTORS_BY_OBJECTIVE = {
    "awareness": ("reach", "shares", "sentiment", "audience"),
    "engagement": ("engagement", "shares", "sentiment", "audience"),
    "conversion": ("conversion", "shares", "reviews", "sentiment", "loyalty"),
}
_FACTOR_COLUMN = {
    "reach": "unique_reach_2hop",
    "audience": "audience_size",
    "engagement": "engaged_audience_recent",
    "shares": "shares_recent",
    "sentiment": "sentiment",
    "conversion": "conversion_influence",
    "loyalty": "orders_completed",
    "reviews": "reviews_five_star",
}
#: The objectives whose explanation ends with the customer's reach and peer influence.
_STYLED = ("awareness", "conversion")


class _Figures:
    """The figures a sentence quotes, as text, for the customers at positions ``rows``."""

    def __init__(self, frame: pd.DataFrame, rows: np.ndarray) -> None:
        self._frame, self._rows = frame, rows

    def values(self, column: str) -> np.ndarray:
        return self._frame[column].to_numpy(dtype=float, na_value=np.nan)[self._rows]

    def count(self, column: str, write: Callable[[int], str] = "{:,}".format) -> np.ndarray:
        """Rounded to a whole number (missing as 0) and written by ``write``, by default with
        thousands separators ("1,234")."""
        values = self.values(column)
        return _per_count(np.round(np.where(np.isnan(values), 0.0, values)), write)

    def signed(self, column: str) -> np.ndarray:
        """ "+0.50", "-1.00"."""
        return np.array([f"{v:+.2f}" for v in self.values(column).tolist()], dtype=object)


def _per_count(values: np.ndarray, write: Callable[[int], str]) -> np.ndarray:
    """``write(n)`` for each whole number of ``values``, called once per distinct number: a
    million customers have only a few thousand distinct counts."""
    codes, counts = pd.factorize(values.astype(np.int64))
    return np.array([write(n) for n in counts.tolist()], dtype=object)[codes]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n:,} times"


def _sentences(factor: str, at: _Figures, recent_days: int) -> np.ndarray:
    """The sentence naming ``factor`` for each row of ``at`` (NaN where a figure it needs is
    missing: such a customer's explanation is missing, as pandas' string ``+`` always left it).

    Formatting through ``Series.map`` over every customer took most of the scoring stage at a
    million customers; now each distinct count is written once, for the rows that need it.
    """
    if factor == "reach":
        return at.count("unique_reach_2hop", "reaches {:,} unique people within two hops".format)
    if factor == "audience":
        return at.count("audience_size", "{:,} people follow them".format)
    if factor == "engagement":
        engaged = (
            f"{{:,}} people in their audience engaged with them in the last {recent_days} days"
        )
        return at.count("engaged_audience_recent", engaged.format)
    if factor == "shares":
        shared = f"shared brand content {{}} in the last {recent_days} days"
        return at.count("shares_recent", lambda n: shared.format(_times(n)))
    if factor == "sentiment":
        return _concat(
            "feels positive about the brand (",
            at.signed("sentiment"),
            " over ",
            at.count("sentiment_evidence"),
            " mentions and reviews)",
        )
    if factor == "conversion":
        percent = _per_count(np.round(at.values("conversion_influence") * 100), str)
        return _concat(
            at.count("invites_converted", lambda n: "1 friend" if n == 1 else f"{n:,} friends"),
            " bought after their ",
            at.count("outreach_total"),
            " shares and invites (",
            percent,
            "% after smoothing)",
        )
    if factor == "reviews":
        return _concat(
            "gave 5 stars in ",
            at.count("reviews_five_star"),
            " of ",
            at.count("reviews_total"),
            " reviews of their ",
            at.count("orders_completed"),
            " orders",
        )
    if factor == "loyalty":
        years = np.round(at.values("tenure_days") / 365.25, 1).tolist()
        written = np.array([np.nan if np.isnan(y) else f"{y}" for y in years], dtype=object)
        return _concat(
            at.count("orders_completed"), " orders over ", written, " years as a customer"
        )
    raise ValueError(f"no sentence for factor {factor!r}")


def _concat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise ``+`` of texts (object arrays of equal length, or one string for all), missing
    (NaN) wherever an array part is missing, as with pandas strings."""
    missing = np.logical_or.reduce([pd.isna(p) for p in parts if not isinstance(p, str)])
    columns = [
        itertools.repeat(p, len(missing)) if isinstance(p, str) else np.where(missing, "", p)
        for p in parts
    ]
    # One join per row: cheaper than adding the arrays part by part.
    out = np.array(["".join(row) for row in zip(*columns, strict=True)], dtype=object)
    out[missing] = np.nan
    return out


def _excluded_text(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Why each customer at ``rows`` is not asked, quoting the worst text behind a sentiment gate."""
    reason = frame["excluded_reason"].to_numpy(dtype=object)[rows]
    reason[pd.isna(reason)] = ""
    text = "not asked to advocate: " + reason
    unproven = np.flatnonzero(np.isin(reason, list(_UNPROVEN_HINT)))
    text[unproven] = text[unproven] + np.array([_UNPROVEN_HINT[r] for r in reason[unproven]])
    has_text = frame["worst_text"].notna().to_numpy()[rows]
    negative = np.array(["negative" in r for r in reason], dtype=bool)
    gated = np.flatnonzero(negative & has_text)
    quote = _quote_worst(frame, rows[gated], _QUOTE_WIDTHS[0])
    text[gated] = _concat(text[gated], " (e.g. ", quote, ")")
    return text


#: The exclusion reasons of customers who may be asked once they gave positive evidence
#: (:class:`advocates.ranking.scoring.GateRules`), and what their explanation adds.
NO_EVIDENCE = "no sentiment evidence yet"
#: The counts of positive evidence: positive mentions, reviews of 4 or 5 stars, converted
#: referrals (in the order explanations name them).
POSITIVE_EVIDENCE = ("positive_mentions", "positive_reviews", "invites_converted")
NO_POSITIVE_EVIDENCE = "no positive evidence yet"
_UNPROVEN_HINT = {
    NO_EVIDENCE: " (no mention, review or converted referral): ask for a review first",
    NO_POSITIVE_EVIDENCE: " (no positive mention, no review of 4 or 5 stars, no converted "
    "referral): ask for a review first",
}


def _evidence_text(frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The positive evidence of the customers at ``rows``: "positive evidence: 2 positive
    mentions, 1 review of 4 or 5 stars", or "no positive evidence yet" (ranked only when the
    rules do not ask for it). Each distinct combination of counts is written once."""
    counts = frame[list(POSITIVE_EVIDENCE)].fillna(0).to_numpy(dtype=np.int64)[rows]
    combos, codes = np.unique(counts, axis=0, return_inverse=True)
    words = []
    for mentions, reviews, converted in combos.tolist():
        parts = [
            f"{mentions:,} positive mention{'s' * (mentions != 1)}" if mentions else "",
            f"{reviews:,} review{'s' * (reviews != 1)} of 4 or 5 stars" if reviews else "",
            f"{converted:,} converted referral{'s' * (converted != 1)}" if converted else "",
        ]
        named = ", ".join(p for p in parts if p)
        words.append(f"positive evidence: {named}" if named else NO_POSITIVE_EVIDENCE)
    return np.array(words, dtype=object)[codes.reshape(-1)]


#: How much of the worst text an explanation quotes: gated customers, detractors.
_QUOTE_WIDTHS = (120, 160)


def withhold_quotes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the customer's own words taken out of every explanation: a quoted mention
    or review is named by its id alone (for callers who may not see personal data)."""
    columns = [c for c in frame.columns if str(c).startswith("explanation_")]
    if "worst_text" not in frame or not columns:
        return frame
    quoted = np.flatnonzero(frame["worst_text"].notna().to_numpy())
    ids, worst = (
        frame["worst_text_id"].to_numpy(dtype=object),
        frame["worst_text"].to_numpy(dtype=object),
    )
    out = frame.copy()
    for column in columns:
        texts = out[column].to_numpy(dtype=object).copy()
        for row in map(int, quoted):
            texts[row] = withhold_quote(texts[row], ids[row], worst[row])
        out[column] = texts
    return out


def withhold_quote(text: Any, worst_text_id: Any, worst_text: Any) -> Any:
    """One explanation with its quote of the customer's worst text (as :func:`_quote_worst`
    writes it, at any of its widths) replaced by the text's id.

    >>> withhold_quote('worst: m1: "awful"', "m1", "awful")
    'worst: m1 (text withheld)'
    """
    if not isinstance(text, str) or not isinstance(worst_text, str):
        return text
    for width in _QUOTE_WIDTHS:
        text = text.replace(
            f'{worst_text_id}: "{worst_text[:width]}"', f"{worst_text_id} (text withheld)"
        )
    return text


def _quote_worst(frame: pd.DataFrame, rows: np.ndarray, width: int) -> np.ndarray:
    """The worst mention or review of the customers at ``rows`` as evidence: ``m123: "text"``
    (text cut at ``width``); :func:`withhold_quote` finds it by the same format."""
    ids = frame["worst_text_id"].iloc[rows].reset_index(drop=True).astype(str)
    texts = frame["worst_text"].iloc[rows].reset_index(drop=True).astype(str)
    quotes = ids + ': "' + texts.str.slice(0, width) + '"'
    return quotes.to_numpy(dtype=object, na_value=np.nan)


def explain(scored: pd.DataFrame, *, recent_days: int) -> pd.DataFrame:
    """Return ``scored`` with an ``explanation_<objective>`` column per objective.

    A factor is named only when the customer stands in the upper half of eligible customers on it
    and its value says something (a positive sentiment, at least one share, ...).

    Texts are put together in NumPy object arrays by position, each sentence written once and
    only for the customers who can have it: pandas' masked writes and alignments on the
    customer_id index took about a minute at a million customers.
    """
    eligible = scored["eligible"].to_numpy(dtype=bool)
    percentile = _percentiles(scored, eligible)
    # A factor is named only in the upper half (percentile >= 0.5), so only those rows need it.
    sentences = {}
    for factor in _FACTOR_COLUMN:
        rows = np.flatnonzero(percentile[factor] >= 0.5)
        sentences[factor] = np.full(len(scored), np.nan, dtype=object)
        sentences[factor][rows] = _sentences(factor, _Figures(scored, rows), recent_days)
    ranked, excluded = np.flatnonzero(eligible), np.flatnonzero(~eligible)
    excluded_text = _excluded_text(scored, excluded)
    evidence = [f"; {e}" for e in _evidence_text(scored, ranked).tolist()]
    styled = [
        f"; {s}{e}"
        for s, e in zip(_influence_style(scored, eligible, ranked), evidence, strict=True)
    ]
    columns = {}
    for objective, factors in FACTORS_BY_OBJECTIVE.items():
        column = np.empty(len(scored), dtype=object)
        column[excluded] = excluded_text
        column[ranked] = _strongest(
            np.column_stack([percentile[f][ranked] for f in factors]),
            np.column_stack([sentences[f][ranked] for f in factors]),
            fallback=f"no single strong factor: ranked by the {objective} formula",
            tails=styled if objective in _STYLED else evidence,
        )
        columns[f"explanation_{objective}"] = _text_series(column, scored.index)
    columns["explanation_detractor"] = _text_series(
        _detractor_text(scored, recent_days), scored.index
    )
    return scored.assign(**columns)


def _strongest(
    strength: np.ndarray, sentences: np.ndarray, *, fallback: str, tails: list[str]
) -> np.ndarray:
    """Per row (a customer; columns are factors), the sentences of the three strongest factors
    that reach 0.5, strongest first (ties: in factor order), joined by "; ", or ``fallback``;
    then the row's tail. NaN where a sentence named is missing."""
    top = np.argsort(-strength, axis=1, kind="stable")[:, :3]
    # Strengths fall with position, so the factors named are always the first ``count``.
    named = np.take_along_axis(strength, top, axis=1) >= 0.5
    words = np.take_along_axis(sentences, top, axis=1)
    words[~named] = ""
    gaps = pd.isna(words)
    words[gaps] = ""
    counts = named.sum(axis=1).tolist()
    text = np.array(
        [
            ("; ".join((a, b, c)[:n]) or fallback) + tail
            for a, b, c, n, tail in zip(*words.T.tolist(), counts, tails, strict=True)
        ],
        dtype=object,
    )
    text[gaps.any(axis=1)] = np.nan
    return text


def _text_series(texts: np.ndarray, index: pd.Index) -> pd.Series:
    """``texts`` (strings, NaN for none) as a Series of pandas' default text dtype. Where that is
    Arrow strings (pandas 3), pyarrow builds them directly: pandas' own conversion first checks
    every value in Python (half a second a column at a million customers)."""
    dtype = pd.Series(["text"]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        values = pa.array(texts, type=pa.large_string(), from_pandas=True)
        return pd.Series(pd.arrays.ArrowStringArray(values, dtype=dtype), index=index)
    return pd.Series(texts, index=index)


def _percentiles(scored: pd.DataFrame, eligible: np.ndarray) -> dict[str, np.ndarray]:
    """Per factor, where each customer stands among eligible customers (0 to 1), 0 where the
    value says nothing (no shares, sentiment at most 0.2, no converted invite, ...)."""
    meaningful = {
        name: (scored[column] > (0.2 if name == "sentiment" else 0)).to_numpy()
        for name, column in _FACTOR_COLUMN.items()
    }
    meaningful["conversion"] = (
        meaningful["conversion"] & (scored["invites_converted"] > 0).to_numpy()
    )
    return {
        name: np.where(
            meaningful[name],
            np.nan_to_num(_rank_among(scored[column], eligible, pct=True, method="average")),
            0.0,
        )
        for name, column in _FACTOR_COLUMN.items()
    }


def _rank_among(values: pd.Series, eligible: np.ndarray, **how: Any) -> np.ndarray:
    """``values`` ranked among eligible customers (NaN for the others), by position: pandas'
    ``where`` and ``rank`` on the customer_id index rebuilt its hash table at every call."""
    ranks = np.full(len(values), np.nan)
    among = values.to_numpy(dtype=float, na_value=np.nan)[eligible]
    ranks[eligible] = pd.Series(among).rank(**how).to_numpy(dtype=float)
    return ranks


def _top_share(values: pd.Series, eligible: np.ndarray) -> np.ndarray:
    """Where each customer stands among eligible customers: 3 means "in the top 3%"."""
    position = _rank_among(values, eligible, ascending=False, method="min")
    return np.ceil(position / max(int(np.count_nonzero(~np.isnan(position))), 1) * 100)


def _standing(top: np.ndarray) -> np.ndarray:
    """ "in the top 3%" for the upper half, "in the bottom 20%" for the lower half ("in the
    bottom 0%" without a value); each of the (at most 100) values is written once."""
    codes, values = pd.factorize(top)
    words = [
        f"in the top {int(v)}%" if v <= 50 else f"in the bottom {int(np.clip(101 - v, 1, 100))}%"
        for v in values
    ]
    return np.array([*words, "in the bottom 0%"], dtype=object)[codes]  # code -1: missing


def _influence_style(scored: pd.DataFrame, eligible: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Reach and peer influence side by side, so a broadcaster (many people, few who act) is told
    apart from a trusted advisor (fewer people who act on what they say); for ``rows``."""
    r = _top_share(scored["unique_reach_2hop"], eligible)[rows]
    i = _top_share(scored["conversion_influence"], eligible)[rows]
    label = influence_role(r, i)
    return np.array(
        [
            f"reach {a}, peer influence {b}" + (f": {c}" if c else "")
            for a, b, c in zip(_standing(r), _standing(i), label.tolist(), strict=True)
        ],
        dtype=object,
    )


def influence_role(reach_top: np.ndarray, influence_top: np.ndarray) -> np.ndarray:
    """What reach and peer influence make of a customer, from where each stands among eligible
    customers (``3``: in the top 3%): a broadcaster reaches many (top quarter) of whom few act
    (bottom half), a trusted advisor the other way round; "" when neither stands out.

    >>> influence_role(np.array([3, 10, 80, 40]), np.array([5, 90, 20, 40])).tolist()
    ['broadcaster and trusted advisor', 'a broadcaster', 'a trusted advisor', '']
    """
    r, i = np.asarray(reach_top), np.asarray(influence_top)
    return np.select(
        [(r <= 25) & (i <= 25), (r <= 25) & (i > 50), (i <= 25) & (r > 50)],
        ["broadcaster and trusted advisor", "a broadcaster", "a trusted advisor"],
        "",
    )


def _detractor_text(scored: pd.DataFrame, recent_days: int) -> np.ndarray:
    """The case for customer care, for detractors (NaN for everyone else)."""
    rows = np.flatnonzero(scored["detractor_score"].notna().to_numpy())
    at = _Figures(scored, rows)
    text = _concat(
        "reaches ",
        at.count("unique_reach_2hop"),
        " unique people within two hops; sentiment ",
        at.signed("sentiment"),
        " over ",
        at.count("sentiment_evidence"),
        " mentions and reviews; ",
        at.count("negative_mentions_recent"),
        f" negative mentions in the last {recent_days} days",
    )
    quoted = np.flatnonzero(scored["worst_text"].notna().to_numpy()[rows])
    quote = _quote_worst(scored, rows[quoted], _QUOTE_WIDTHS[1])
    text[quoted] = _concat(text[quoted], "; worst: ", quote)
    column = np.full(len(scored), np.nan, dtype=object)
    column[rows] = text
    return column

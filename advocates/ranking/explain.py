"""Explanations: the few factors that drove a customer's score, in a marketer's words.

For each objective, the factors that enter its formula are ranked by how high the customer
stands among eligible customers (percentile); the top three are written out with their figures.
Customers who are not ranked get the reason, and for the sentiment gate the text that caused it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FACTORS_BY_OBJECTIVE", "explain", "withhold_quote", "withhold_quotes"]

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


def _count(values: pd.Series) -> pd.Series:
    return values.fillna(0).round().astype("int64").map("{:,}".format)


def _times(values: pd.Series) -> pd.Series:
    counts = values.fillna(0).round().astype("int64")
    return (counts.map("{:,}".format) + " times").where(counts != 1, "once")


def _sentences(frame: pd.DataFrame, recent_days: int) -> dict[str, pd.Series]:
    years = (frame["tenure_days"] / 365.25).round(1).astype(str)
    return {
        "reach": "reaches " + _count(frame["unique_reach_2hop"]) + " unique people within two hops",
        "audience": _count(frame["audience_size"]) + " people follow them",
        "engagement": _count(frame["engaged_audience_recent"])
        + f" people in their audience engaged with them in the last {recent_days} days",
        "shares": "shared brand content "
        + _times(frame["shares_recent"])
        + f" in the last {recent_days} days",
        "sentiment": "feels positive about the brand ("
        + frame["sentiment"].map("{:+.2f}".format)
        + " over "
        + _count(frame["sentiment_evidence"])
        + " mentions and reviews)",
        "conversion": _count(frame["invites_converted"])
        + " friends bought after their "
        + _count(frame["outreach_total"])
        + " shares and invites ("
        + (frame["conversion_influence"] * 100).round().astype("int64").astype(str)
        + "% after smoothing)",
        "reviews": "gave 5 stars in "
        + _count(frame["reviews_five_star"])
        + " of "
        + _count(frame["reviews_total"])
        + " reviews of their "
        + _count(frame["orders_completed"])
        + " orders",
        "loyalty": _count(frame["orders_completed"])
        + " orders over "
        + years
        + " years as a customer",
    }


def _excluded_text(frame: pd.DataFrame) -> pd.Series:
    reason = "not asked to advocate: " + frame["excluded_reason"].fillna("")
    gated = (
        frame["excluded_reason"].fillna("").str.contains("negative") & frame["worst_text"].notna()
    )
    return reason.where(~gated, reason + " (e.g. " + _quote_worst(frame, _QUOTE_WIDTHS[0]) + ")")


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


def _quote_worst(frame: pd.DataFrame, width: int) -> pd.Series:
    """The worst mention or review as evidence: ``m123: "text"`` (text cut at ``width``);
    :func:`withhold_quote` finds it by the same format."""
    return (
        frame["worst_text_id"].astype(str)
        + ': "'
        + frame["worst_text"].astype(str).str.slice(0, width)
        + '"'
    )


def explain(scored: pd.DataFrame, *, recent_days: int) -> pd.DataFrame:
    """Return ``scored`` with an ``explanation_<objective>`` column per objective.

    A factor is named only when the customer stands in the upper half of eligible customers on it
    and its value says something (a positive sentiment, at least one share, ...).
    """
    eligible = scored["eligible"].to_numpy(dtype=bool)
    sentences = _sentences(scored, recent_days)
    meaningful = {
        name: (scored[column] > (0.2 if name == "sentiment" else 0)).to_numpy()
        for name, column in _FACTOR_COLUMN.items()
    }
    meaningful["conversion"] = (
        meaningful["conversion"] & (scored["invites_converted"] > 0).to_numpy()
    )
    percentile = {
        name: np.where(
            meaningful[name],
            scored[column].where(eligible).rank(pct=True, method="average").fillna(0.0).to_numpy(),
            0.0,
        )
        for name, column in _FACTOR_COLUMN.items()
    }
    excluded = _excluded_text(scored)
    style = _influence_style(scored, eligible)
    columns = {}
    for objective, factors in FACTORS_BY_OBJECTIVE.items():
        table = np.column_stack([percentile[f] for f in factors])
        top = np.argsort(-table, axis=1, kind="stable")[:, :3]
        text = pd.Series("", index=scored.index, dtype=object)
        for position in range(3):
            strength = np.take_along_axis(table, top[:, [position]], axis=1).ravel()
            named = strength >= 0.5
            chosen = pd.Series(
                np.array(factors, dtype=object)[top[:, position]], index=scored.index
            )
            part = pd.Series("", index=scored.index, dtype=object)
            for factor in factors:
                mask = (chosen == factor) & named
                part[mask] = sentences[factor][mask]
            separator = np.where((text == "") | (part == ""), "", "; ")
            text = text + separator + part
        text = text.where(text != "", f"no single strong factor: ranked by the {objective} formula")
        if objective in ("awareness", "conversion"):
            text = text + "; " + style
        columns[f"explanation_{objective}"] = text.where(eligible, excluded)
    columns["explanation_detractor"] = _detractor_text(scored, recent_days).where(
        scored["detractor_score"].notna()
    )
    return scored.assign(**columns)


def _top_share(values: pd.Series, eligible: np.ndarray) -> pd.Series:
    """Where each customer stands among eligible customers: 3 means "in the top 3%"."""
    among = values.where(eligible)
    position = among.rank(ascending=False, method="min")
    top = np.ceil(position / max(int(among.notna().sum()), 1) * 100)
    return top.astype("Int64")


def _standing(top: pd.Series) -> pd.Series:
    """ "in the top 3%" for the upper half, "in the bottom 20%" for the lower half."""
    value = top.to_numpy(dtype=float, na_value=np.nan)
    bottom = np.clip(101 - value, 1, 100)
    words = np.where(
        value <= 50,
        "in the top " + pd.Series(value).fillna(0).astype(int).astype(str) + "%",
        "in the bottom " + pd.Series(bottom).fillna(0).astype(int).astype(str) + "%",
    )
    return pd.Series(words, index=top.index)


def _influence_style(scored: pd.DataFrame, eligible: np.ndarray) -> pd.Series:
    """Reach and peer influence side by side, so a broadcaster (many people, few who act) is told
    apart from a trusted advisor (fewer people who act on what they say)."""
    reach = _top_share(scored["unique_reach_2hop"], eligible)
    influence = _top_share(scored["conversion_influence"], eligible)
    r = reach.to_numpy(dtype=float, na_value=np.nan)
    i = influence.to_numpy(dtype=float, na_value=np.nan)
    label = np.select(
        [(r <= 25) & (i <= 25), (r <= 25) & (i > 50), (i <= 25) & (r > 50)],
        ["broadcaster and trusted advisor", "a broadcaster", "a trusted advisor"],
        "",
    )
    text = "reach " + _standing(reach) + ", peer influence " + _standing(influence)
    return text + pd.Series(np.where(label == "", "", ": " + label), index=scored.index)


def _detractor_text(scored: pd.DataFrame, recent_days: int) -> pd.Series:
    text = (
        "reaches "
        + _count(scored["unique_reach_2hop"])
        + " unique people within two hops; sentiment "
        + scored["sentiment"].map("{:+.2f}".format)
        + " over "
        + _count(scored["sentiment_evidence"])
        + " mentions and reviews; "
        + _count(scored["negative_mentions_recent"])
        + f" negative mentions in the last {recent_days} days"
    )
    evidence = "; worst: " + _quote_worst(scored, _QUOTE_WIDTHS[1])
    return text + evidence.where(scored["worst_text"].notna(), "")

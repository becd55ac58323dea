"""The shortlist: the columns a marketer reviews for one objective, shared by the CLI and API.

Examples
--------
>>> shortlist_columns("awareness")[:4]
['rank', 'customer_id', 'awareness_score', 'p_share']
>>> "email" in shortlist_columns("conversion", include_pii=True)
True
"""

from __future__ import annotations

import pandas as pd

from advocates.errors import ConfigurationError
from advocates.ranking.scoring import blend, check_objective, parse_weights
from advocates.store import Store

__all__ = [
    "DETRACTOR_COLUMNS",
    "PII_COLUMNS",
    "check_ranking",
    "detractor_frame",
    "ranked_page",
    "shortlist_columns",
    "shortlist_frame",
]

PII_COLUMNS = ("email", "name")

_COUNTS = {
    "rank",
    "unique_reach_2hop",
    "audience_size",
    "invites_sent",
    "invites_converted",
    "shares_recent",
    "negative_mentions_recent",
    "sentiment_evidence",
}

#: The detractor list's columns (before PII): who, how far they reach, and the evidence.
DETRACTOR_COLUMNS = [
    "rank",
    "customer_id",
    "detractor_score",
    "sentiment",
    "sentiment_evidence",
    "negative_mentions_recent",
    "audience_size",
    "unique_reach_2hop",
    "evidence_id",
    "evidence_text",
    "explanation",
]

_PARTS = {
    "awareness": ["unique_reach_2hop", "audience_size"],
    "engagement": ["expected_engagements", "audience_size", "engagement_rate"],
    "custom": ["awareness_score", "engagement_score", "conversion_score"],
    "conversion": [
        "expected_converted_peers",
        "conversion_influence",
        "invites_sent",
        "invites_converted",
    ],
}


def shortlist_columns(objective: str, *, include_pii: bool = False) -> list[str]:
    """Columns of the shortlist of ``objective``: rank, id, score, its parts, explanation.

    ``custom`` is the ranking by custom weights (:func:`advocates.scoring.blend`).
    """
    if objective != "custom":
        check_objective(objective)
    pii = list(PII_COLUMNS) if include_pii else []
    return [
        "rank",
        "customer_id",
        *pii,
        f"{objective}_score",
        "p_share",
        *_PARTS[objective],
        "sentiment",
        "shares_recent",
        "language",
        "explanation",
    ]


def shortlist_frame(
    ranked: pd.DataFrame, objective: str, *, include_pii: bool = False
) -> pd.DataFrame:
    """Turn ranked store rows into shortlist rows (PII only when asked for)."""
    columns = shortlist_columns(objective, include_pii=include_pii)
    return _select(ranked, objective, columns)


def detractor_frame(ranked: pd.DataFrame, *, include_pii: bool = False) -> pd.DataFrame:
    """Turn detractor rows of the store into the detractor list (PII only when asked for)."""
    columns = list(DETRACTOR_COLUMNS)
    if include_pii:
        columns[2:2] = PII_COLUMNS
    frame = ranked.assign(evidence_id=ranked["worst_text_id"], evidence_text=ranked["worst_text"])
    return _select(frame, "detractor", columns)


def _select(ranked: pd.DataFrame, ranking: str, columns: list[str]) -> pd.DataFrame:
    frame = ranked.assign(
        rank=ranked[f"rank_{ranking}"], explanation=ranked[f"explanation_{ranking}"]
    )
    for column in columns:
        if column not in frame:
            frame[column] = None
        elif column in _COUNTS:
            frame[column] = frame[column].round().astype("Int64")
    return frame[columns]


def check_ranking(objective: str | None, weights: str | None) -> None:
    """Check that exactly one of ``objective`` and ``weights`` is given, and that it is valid."""
    if (objective is None) == (weights is None):
        raise ConfigurationError(
            "give either an objective or weights (e.g. awareness=1,conversion=2)"
        )
    if objective is not None:
        check_objective(objective)
    else:
        parse_weights(str(weights))


def ranked_page(
    store: Store,
    run_id: str,
    *,
    objective: str | None,
    weights: str | None,
    limit: int,
    offset: int,
) -> tuple[pd.DataFrame, int, str]:
    """One page of a run's eligible customers, best first, ranked either by one ``objective`` or
    by custom ``weights`` (``"awareness=1,conversion=2"``); with the total and the ranking's
    name (the objective, or ``custom``)."""
    if (objective is None) == (weights is None):
        raise ConfigurationError(
            "give either an objective or weights (e.g. awareness=1,conversion=2)"
        )
    if objective is not None:
        page, total = store.ranked(
            run_id, objective=check_objective(objective), limit=limit, offset=offset
        )
        return page, total, objective
    ranked = blend(store.eligible(run_id), parse_weights(str(weights)))
    return ranked.iloc[offset : offset + limit].reset_index(drop=True), len(ranked), "custom"

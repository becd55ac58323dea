"""The shortlist: the columns a marketer reviews for one objective, shared by the CLI and API.

Examples
--------
>>> shortlist_columns("awareness")[:4]
['rank', 'customer_id', 'awareness_score', 'p_share']
>>> "email" in shortlist_columns("conversion", include_pii=True)
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from advocates.data.contract import PII_COLUMNS
from advocates.errors import ConfigurationError, NothingToRankError
from advocates.ranking.explain import withhold_quote, withhold_quotes
from advocates.ranking.objectives import Ranking
from advocates.ranking.scoring import blend
from advocates.store import Condition, Store

__all__ = [
    "DETRACTOR_COLUMNS",
    "WORDS_COLUMNS",
    "check_rankable",
    "check_unproven",
    "detractor_frame",
    "explanations",
    "iter_ranked",
    "iter_unproven",
    "listing_filters",
    "public_features",
    "ranked_page",
    "run_standing",
    "score_parts",
    "served_frame",
    "shortlist_columns",
    "shortlist_frame",
    "unproven_page",
]

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
    "evidence_at",
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

    ``custom`` is the ranking by custom weights (:func:`advocates.ranking.scoring.blend`).
    """
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


def check_rankable(ranked: pd.DataFrame, ranking: str, run_id: str) -> None:
    """NothingToRankError when the top of a ranking (``ranked``, best first) scores 0: then
    every score is 0, and a shortlist would list customers by id, not by merit."""
    score = f"{ranking}_score"
    if len(ranked) and score in ranked and not (ranked[score].fillna(0) > 0).any():
        raise NothingToRankError(
            f"every {ranking} score of run {run_id} is 0: there is nothing to rank by. Was the "
            "input older than the run's date (see advocates score --as-of)?"
        )


def shortlist_frame(
    ranked: pd.DataFrame, objective: str, *, include_pii: bool = False
) -> pd.DataFrame:
    """Turn ranked store rows into shortlist rows (PII only when asked for)."""
    columns = shortlist_columns(objective, include_pii=include_pii)
    return _select(ranked, objective, columns)


def detractor_frame(
    ranked: pd.DataFrame, *, include_pii: bool = False, include_words: bool = True
) -> pd.DataFrame:
    """Turn detractor rows of the store into the detractor list: email and name only with
    ``include_pii``; the customer's own words (the evidence text, and its quote in the
    explanation) only with ``include_words``, else the evidence is named by its id alone."""
    columns = list(DETRACTOR_COLUMNS)
    if include_pii:
        columns[2:2] = PII_COLUMNS
    frame = ranked.assign(
        evidence_id=ranked["worst_text_id"],
        evidence_at=ranked.get("worst_text_at"),  # runs published before it was kept: None
        evidence_text=ranked["worst_text"] if include_words else None,
    )
    return _select(frame if include_words else withhold_quotes(frame), "detractor", columns)


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


def score_parts(ranking: str) -> list[str]:
    """The figures that a ranking's score is made of, as the shortlist shows them.

    >>> score_parts("awareness")
    ['unique_reach_2hop', 'audience_size']
    """
    return list(_PARTS[ranking])


#: Stored columns that are not features of a customer: what the run decided about them
#: (eligibility, scores, ranks, explanations) and the sharing probability.
_NOT_FEATURES = {"customer_id", "eligible", "excluded_reason", "p_share"}
#: Stored columns that hold the customer's own words: personal data, like email and name.
WORDS_COLUMNS = ("worst_text",)


def public_features(row: Mapping[str, Any], *, include_pii: bool = False) -> dict[str, Any]:
    """The features of one stored customer row, without scores, ranks, explanations or
    eligibility; email, name and the customer's own words only with ``include_pii``.

    >>> row = {"customer_id": "c1", "email": "a@b", "sentiment": 0.5, "worst_text": "meh",
    ...        "rank_awareness": 3, "awareness_score": 9.0}
    >>> public_features(row)
    {'sentiment': 0.5}
    >>> public_features(row, include_pii=True)
    {'email': 'a@b', 'sentiment': 0.5, 'worst_text': 'meh'}
    """
    personal = () if include_pii else (*PII_COLUMNS, *WORDS_COLUMNS)
    return {
        k: v
        for k, v in row.items()
        if k not in _NOT_FEATURES
        and k not in personal
        and not k.startswith(("rank_", "explanation_"))
        and not k.endswith("_score")
    }


def served_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """A run's eligible customers as rankings per request, exports and campaign plans read
    them: every column but personal data, the customer's own words and the detractor
    explanation that quotes them. Published as the run's ``served`` table; the store reads its
    explanations only for the rankings asked for.

    >>> served_frame(pd.DataFrame({"customer_id": ["c1", "c2"], "eligible": [True, False],
    ...     "email": ["a@b", "c@d"], "p_share": [0.5, 0.1], "explanation_awareness": ["x", "y"],
    ...     "explanation_detractor": [None, 'worst: "meh"'], "worst_text": [None, "meh"]}))
      customer_id  eligible  p_share explanation_awareness
    0          c1      True      0.5                     x
    """
    left_out = {*PII_COLUMNS, *WORDS_COLUMNS, "explanation_detractor"}
    columns = [
        i
        for i, c in enumerate(scores.columns)
        if c not in left_out and not str(c).startswith("rank_unproven_")
    ]
    # Sorted by id, so that ranks per request break ties by position (as by id) without
    # sorting the ids again; taken in one step (a selection, then a sort, copied it twice).
    eligible = np.flatnonzero(scores["eligible"].to_numpy(dtype=bool))
    ids = scores["customer_id"].to_numpy(dtype=str)[eligible]
    rows = eligible[np.argsort(ids, kind="stable")]
    return scores.iloc[rows, columns].reset_index(drop=True)


def run_standing(rows: pd.DataFrame) -> pd.DataFrame:
    """Where a customer stood in each run: run, as-of date, eligibility, every score and rank
    (no features, explanations or personal data).

    >>> run_standing(pd.DataFrame({"run_id": ["r1"], "as_of": ["2026-11-01"], "eligible": [1],
    ...     "email": ["a@b"], "awareness_score": [2.0], "rank_awareness": [7]})).columns.tolist()
    ['run_id', 'as_of', 'eligible', 'awareness_score', 'rank_awareness']
    """
    keep = ("run_id", "as_of", "eligible", "excluded_reason", "p_share")
    columns = [
        c
        for c in rows.columns
        if c in keep or str(c).endswith("_score") or str(c).startswith("rank_")
    ]
    return rows[columns]


def explanations(row: Mapping[str, Any], *, include_pii: bool = False) -> dict[str, Any]:
    """The ``explanation_*`` values of one stored customer row, by ranking name; quotes of the
    customer's own words only with ``include_pii``.

    >>> explanations({"explanation_detractor": 'worst: m1: "awful"', "worst_text": "awful",
    ...               "worst_text_id": "m1"})
    {'detractor': 'worst: m1 (text withheld)'}
    """
    worst_id, worst = row.get("worst_text_id"), row.get("worst_text")
    return {
        str(k)[len("explanation_") :]: v if include_pii else withhold_quote(v, worst_id, worst)
        for k, v in row.items()
        if str(k).startswith("explanation_")
    }


def listing_filters(
    *, language: str | None = None, country: str | None = None, min_sentiment: float | None = None
) -> list[Condition]:
    """The conditions of a filtered shortlist: the customer's language and country (in any
    case: codes are stored as ``fr`` and ``FR``) and a least sentiment (-1 to 1); ``None`` or
    blank: any.

    >>> [(c.column, c.op, c.value) for c in listing_filters(language=" FR ", country="fr")]
    [('language', '=', 'fr'), ('country', '=', 'FR')]
    """
    where = [
        Condition(
            column, "=", value.strip().lower() if column == "language" else value.strip().upper()
        )
        for column, value in (("language", language), ("country", country))
        if value is not None and value.strip()
    ]
    if min_sentiment is not None:
        where.append(Condition("sentiment", ">=", float(min_sentiment)))
    return where


def ranked_page(
    store: Store,
    run_id: str,
    *,
    ranking: Ranking,
    limit: int,
    offset: int,
    where: Sequence[Condition] = (),
) -> tuple[pd.DataFrame, int]:
    """One page of a run's eligible customers meeting ``where``, best first by ``ranking``,
    and how many there are. One objective's ranks are stored (and stay the ranks among every
    eligible customer); custom weights rank the customers listed per request (with ``where``,
    the mix is scaled by their means and ranked among them)."""
    if ranking.weights is None:
        if where or offset >= DEEP_OFFSET:
            kept = _cut_from_served(store, run_id, ranking.name, limit, offset, where)
            if kept is not None:
                return kept
        return store.ranked(run_id, objective=ranking.name, limit=limit, offset=offset, where=where)
    served = store.served(run_id, explanations=list(ranking.weights))
    if where:
        served = served[_meets(served, where)].reset_index(drop=True)
    return blend(served, ranking.weights, offset=offset, limit=limit), len(served)


#: From this offset on, a page is cut from the served customers the process keeps: the store
#: would read every row it skips (349 ms for page 2,000 of a 1,000,000-customer run).
DEEP_OFFSET = 10_000


def _cut_from_served(
    store: Store,
    run_id: str,
    objective: str,
    limit: int,
    offset: int,
    where: Sequence[Condition],
) -> tuple[pd.DataFrame, int] | None:
    """:func:`ranked_page` of one objective from the run's served customers, which the
    process keeps after the first read (a filtered page of a 1,000,000-customer run: a filter
    over them in memory instead of a pass over the stored rows, 1.4 s); ``None`` when the run
    was published without them."""
    served = store.served(run_id, explanations=(objective,))
    rank = f"rank_{objective}"
    if rank not in served or f"explanation_{objective}" not in served:
        return None
    ranks = served[rank].to_numpy(dtype=float, na_value=np.nan)
    listed = np.flatnonzero(~np.isnan(ranks) & _meets(served, where))
    order = listed[np.argsort(ranks[listed], kind="stable")]
    return served.iloc[order[offset : offset + limit]].reset_index(drop=True), len(listed)


def _meets(frame: pd.DataFrame, where: Sequence[Condition]) -> np.ndarray:
    """Which rows of ``frame`` meet every condition (a column it lacks: none)."""
    met = np.ones(len(frame), dtype=bool)
    for c in where:
        if c.column not in frame:
            return np.zeros(len(frame), dtype=bool)
        column = frame[c.column]
        met &= (
            (column == c.value if c.op == "=" else column >= c.value).fillna(False).to_numpy(bool)
        )
    return met


def unproven_page(
    store: Store, run_id: str, *, ranking: Ranking, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    """One page of the customers of a run held back only for want of positive evidence, best
    first by ``ranking``'s objective (their rank among themselves in ``rank_<objective>``; the
    explanation says what evidence is missing), and how many there are."""
    name = check_unproven(ranking)
    page, total = store.ranked(run_id, objective=f"unproven_{name}", limit=limit, offset=offset)
    return _as_ranked(page, name), total


def iter_unproven(
    store: Store, run_id: str, *, ranking: Ranking, limit: int
) -> Iterator[pd.DataFrame]:
    """The top ``limit`` of :func:`unproven_page`'s list in chunks, for streaming exports."""
    name = check_unproven(ranking)
    for chunk in store.iter_ranked(run_id, objective=f"unproven_{name}", limit=limit):
        yield _as_ranked(chunk, name)


def check_unproven(ranking: Ranking) -> str:
    """The objective the unproven are listed by: ``ranking``'s, which must be one objective."""
    if ranking.weights is not None:
        raise ConfigurationError(
            "--unproven lists one objective (on the API: unproven=true): give an objective, "
            "not weights"
        )
    return ranking.name


def _as_ranked(rows: pd.DataFrame, objective: str) -> pd.DataFrame:
    """Unproven rows with their rank among the unproven where the shortlist reads a rank."""
    return rows.assign(**{f"rank_{objective}": rows[f"rank_unproven_{objective}"]})


def iter_ranked(
    store: Store, run_id: str, *, ranking: Ranking, limit: int, chunk_rows: int = 50_000
) -> Iterator[pd.DataFrame]:
    """The top ``limit`` eligible customers by ``ranking`` in chunks, for streaming exports
    (the columns of their shortlist): from the run's served customers, which the process keeps
    (a run published without them is read from its scores by rank)."""
    if ranking.weights is not None:
        yield ranked_page(store, run_id, ranking=ranking, limit=limit, offset=0)[0]
        return
    served = store.served(run_id, explanations=(ranking.name,))
    rank = f"rank_{ranking.name}"
    if rank not in served or f"explanation_{ranking.name}" not in served:
        yield from store.iter_ranked(run_id, objective=ranking.name, limit=limit)
        return
    ranks = served[rank].to_numpy(dtype=float, na_value=np.nan)
    listed = np.flatnonzero(~np.isnan(ranks))
    if limit < len(listed):  # the top alone is sorted
        listed = listed[np.argpartition(ranks[listed], limit - 1)[:limit]]
    top = listed[np.argsort(ranks[listed], kind="stable")]
    shown = {rank, f"explanation_{ranking.name}", *shortlist_columns(ranking.name)}
    columns = [i for i, column in enumerate(served.columns) if column in shown]
    for start in range(0, len(top), chunk_rows):  # the shortlist's columns alone
        yield served.iloc[top[start : start + chunk_rows], columns].reset_index(drop=True)

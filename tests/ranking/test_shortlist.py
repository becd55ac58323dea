from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from advocates.data.events import record_events
from advocates.data.io import csv_lines
from advocates.pipeline import RunOutcome
from advocates.ranking import shortlist
from advocates.ranking.objectives import parse_ranking
from advocates.ranking.shortlist import (
    iter_ranked,
    listing_filters,
    ranked_page,
    shortlist_frame,
)
from advocates.store import SqliteStore


def exported(chunks: list[pd.DataFrame], objective: str) -> str:
    return "".join(csv_lines(shortlist_frame(pd.concat(chunks), objective)))


@pytest.mark.slow
@pytest.mark.parametrize("objective", ["awareness", "engagement", "conversion"])
def test_an_export_from_the_served_customers_is_the_one_from_the_scores(
    scored: tuple[SqliteStore, RunOutcome], objective: str
) -> None:
    store, outcome = scored
    ranking = parse_ranking(objective=objective, weights=None)
    served = list(iter_ranked(store, outcome.run_id, ranking=ranking, limit=250, chunk_rows=100))
    assert [len(c) for c in served] == [100, 100, 50]
    from_scores = list(store.iter_ranked(outcome.run_id, objective=objective, limit=250))
    assert exported(served, objective) == exported(from_scores, objective)


def test_an_export_leaves_out_customers_blocked_since_the_run(
    scored: tuple[SqliteStore, RunOutcome], tmp_path_factory: pytest.TempPathFactory
) -> None:
    source, outcome = scored
    copy = tmp_path_factory.mktemp("blocked") / "s.db"  # the block must not reach other tests
    with closing(sqlite3.connect(source.path)) as original, closing(sqlite3.connect(copy)) as to:
        original.backup(to)
    store = SqliteStore(copy)
    ranking = parse_ranking(objective="awareness", weights=None)
    top = next(iter_ranked(store, outcome.run_id, ranking=ranking, limit=3))["customer_id"]
    record_events(
        store,
        [
            {
                "event_id": "w1",
                "type": "consent_withdrawn",
                "customer_id": top[0],
                "occurred_at": "2026-11-02",
            }
        ],
    )
    after = next(iter_ranked(store, outcome.run_id, ranking=ranking, limit=3))["customer_id"]
    assert after.tolist() == [*top[1:], after[2]] and top[0] not in set(after)


def test_custom_weights_rank_the_filtered_customers_among_themselves(
    scored: tuple[SqliteStore, RunOutcome],
) -> None:
    store, outcome = scored
    ranking = parse_ranking(objective=None, weights="awareness=1,conversion=2")
    where = listing_filters(language="ro", min_sentiment=0.2)
    page, total = ranked_page(
        store, outcome.run_id, ranking=ranking, limit=5, offset=0, where=where
    )
    eligible = store.served(outcome.run_id)
    listed = eligible[(eligible["language"] == "ro") & (eligible["sentiment"] >= 0.2)]
    assert total == len(listed) > 5
    assert set(page["language"]) == {"ro"} and (page["sentiment"] >= 0.2).all()
    assert page["rank_custom"].tolist() == [1, 2, 3, 4, 5]
    assert page["custom_score"].is_monotonic_decreasing
    nobody = listing_filters(country="nowhere")
    assert (
        ranked_page(store, outcome.run_id, ranking=ranking, limit=5, offset=0, where=nobody)[1] == 0
    )


@pytest.mark.parametrize("objective", ["awareness", "conversion"])
def test_a_page_cut_from_the_served_customers_is_the_stores_page(
    scored: tuple[SqliteStore, RunOutcome], monkeypatch: pytest.MonkeyPatch, objective: str
) -> None:
    """Filtered and deep pages come from the customers the process keeps: the same rows, in the
    same order, with the same count, as the store's own query gives."""
    store, outcome = scored
    ranking = parse_ranking(objective=objective, weights=None)
    where = listing_filters(language="fr", min_sentiment=0.1)
    expected = store.ranked(outcome.run_id, objective=objective, limit=20, offset=10, where=where)
    monkeypatch.setattr(shortlist, "DEEP_OFFSET", 0)
    for filters in (where, []):
        page, total = ranked_page(
            store, outcome.run_id, ranking=ranking, limit=20, offset=10, where=filters
        )
        stored, count = store.ranked(
            outcome.run_id, objective=objective, limit=20, offset=10, where=filters
        )
        assert (page["customer_id"].tolist(), total) == (stored["customer_id"].tolist(), count)
        assert (
            page[f"explanation_{objective}"].tolist() == stored[f"explanation_{objective}"].tolist()
        )
    assert expected[1] > 20  # the filtered case lists enough customers to have a page 2

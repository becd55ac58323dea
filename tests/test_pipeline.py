from __future__ import annotations

import json
import pickle
import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advocates import pipeline
from advocates.data.events import record_events
from advocates.data.io import read_raw_table
from advocates.data.validation import validate_tables
from advocates.errors import NotFoundError
from advocates.features import graph
from advocates.models.sentiment import SentimentState
from advocates.pipeline import (
    KEPT_GRAPH,
    MODEL_STATES,
    RUN_STAGES,
    SCORING_STAGES,
    RunOutcome,
    ScoringParams,
    run_nightly,
    score_tables,
)
from advocates.settings import Settings
from advocates.store import SqliteStore, Store, open_store
from tests.conftest import score_demo
from tests.helpers import write_demo

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")
#: The top 100 per objective on the tests' demo data, as ranked before the work that made a
#: 1,000,000-customer night fit minutes and a few GiB (issue 9): the graph numbered once, 2-hop
#: reach for customers' nodes only, one calibrated propensity model instead of three.
TOP_100_BEFORE = Path(__file__).parent / "golden" / "top100_demo.json"


def accepted_demo(folder: Path, *, customers: int) -> dict[str, pd.DataFrame]:
    """The accepted rows of each table of a demo input written to ``folder``."""
    demo = write_demo(folder, customers=customers)
    results = validate_tables({p.stem: read_raw_table(p.stem, p) for p in demo.glob("*.csv")})
    return {name: result.frame for name, result in results.items()}


def test_every_stage_input_is_given_or_made_by_an_earlier_stage_and_made_once() -> None:
    available = {"tables", "params", *(f"previous_{n}" for n in (*MODEL_STATES, KEPT_GRAPH))}
    for stage in SCORING_STAGES:
        missing = set(stage.inputs) - available
        assert not missing, f"stage {stage.name!r} needs {missing} before anything makes it"
        made_twice = set(stage.outputs) & available
        assert not made_twice, f"stage {stage.name!r} makes {made_twice} again"
        available |= set(stage.outputs)
    assert {"scores", "run_tables", "sentiment_fit", "value_fit", "propensity_fit"} <= available


def test_the_progress_display_lists_the_stages_the_run_walks() -> None:
    names = tuple(stage.name for stage in SCORING_STAGES)
    assert RUN_STAGES[:3] == ("read", "validate", "events") and RUN_STAGES[-1] == "publish"
    assert RUN_STAGES[3:-1] == names


def test_scoring_params_come_from_the_settings_of_the_same_names() -> None:
    settings = Settings(recent_window_days=30, sentiment_half_life_days=10.0, seed=7)
    params = ScoringParams.from_settings(settings, as_of=AS_OF)
    assert (params.recent_window_days, params.sentiment_half_life_days, params.seed) == (
        30,
        10.0,
        7,
    )
    assert params.cutoff == AS_OF - pd.Timedelta(days=30)
    for field in fields(ScoringParams):
        if field.name != "as_of":
            assert getattr(params, field.name) == getattr(settings, field.name), field.name


@pytest.mark.slow
def test_the_graph_is_numbered_once_and_masked_once_per_date_and_pagerank_run_only_when_read(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbered: list[int] = []
    built: list[pd.Timestamp | None] = []
    ranked: list[int] = []
    number, mask, rank = graph.social_graph, graph.SocialGraph.as_of, graph.pagerank

    def counting_number(edges: pd.DataFrame, **kwargs: Any) -> Any:
        numbered.append(len(edges))
        return number(edges, **kwargs)

    def counting_mask(social: graph.SocialGraph, as_of: pd.Timestamp | None = None) -> Any:
        built.append(as_of)
        return mask(social, as_of)

    def counting_rank(audience: graph.AudienceGraph, **kwargs: Any) -> Any:
        ranked.append(len(audience.nodes))
        return rank(audience, **kwargs)

    monkeypatch.setattr(pipeline, "social_graph", counting_number)
    monkeypatch.setattr(graph.SocialGraph, "as_of", counting_mask)
    monkeypatch.setattr(graph, "pagerank", counting_rank)
    params = ScoringParams(as_of=AS_OF)
    outcome = run_nightly(
        input_dir=demo_dir,
        store=SqliteStore(tmp_path / "store.db"),
        params=params,
        rejects_dir=tmp_path / "rejects",
        max_reject_share=0.05,
    )
    # One numbering; three dates, three masks: the start of the recent window, the run date
    # (shared by the features and the published audiences) and the first incentive test, whose
    # features (for the uplift model) need no PageRank.
    assert outcome.report["uplift_model"]["model"] != "none (no exposures)"  # type: ignore[index]
    assert len(numbered) == 1
    assert len(built) == len(set(built)) == 3, built
    assert set(built[:2]) == {AS_OF, params.cutoff}
    assert built[2] is not None and built[2] < AS_OF  # the first exposure
    assert len(ranked) == 2


@pytest.mark.slow
def test_the_numbered_graph_is_kept_beside_the_input_and_taken_while_edges_and_accounts_stay(
    demo_dir: Path, tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbered: list[int] = []
    number = graph.social_graph

    def counting_number(edges: pd.DataFrame, **kwargs: Any) -> Any:
        numbered.append(len(edges))
        return number(edges, **kwargs)

    monkeypatch.setattr(pipeline, "social_graph", counting_number)
    store = open_store(store_url)

    def run(input_dir: Path, **options: Any) -> RunOutcome:
        return score_demo(store, input_dir, tmp_path, input_cache=tmp_path / "kept", **options)

    first, again = run(demo_dir), run(demo_dir)
    assert len(numbered) == 1
    assert first.report["graph_numbering"] == "computed"
    assert (
        again.report["graph_numbering"] == "reused: the edges and accounts are the previous run's"
    )
    same = ["customer_id", "audience_size", "unique_reach_2hop", "pagerank", "rank_awareness"]
    before = store.eligible(first.run_id)[same].sort_values("customer_id", ignore_index=True)
    after = store.eligible(again.run_id)[same].sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(before, after)
    assert store.run_table(again.run_id, "audience").equals(
        store.run_table(first.run_id, "audience")
    )

    # One new follow: numbered again, and the new follower counts.
    changed = tmp_path / "changed"
    shutil.copytree(demo_dir, changed)
    accounts = pd.read_csv(changed / "accounts.csv", dtype=str, on_bad_lines="skip")
    accounts = accounts.set_index("customer_id")
    customer = str(before["customer_id"][0])
    network, handle = accounts.loc[[customer], ["network", "handle"]].iloc[0]
    with (changed / "edges.csv").open("a", encoding="utf-8") as edges:
        edges.write(f"{network},a_new_fan,{handle},follows,2020-01-01T00:00:00Z\n")
    third = run(changed)
    assert third.report["graph_numbering"] == "computed" and len(numbered) == 2
    audience = store.eligible(third.run_id).set_index("customer_id")["audience_size"]
    earlier = store.eligible(first.run_id).set_index("customer_id")["audience_size"]
    grown = audience - earlier.reindex(audience.index)
    assert grown[grown != 0].to_dict() == {customer: 1.0}
    assert run(changed, full=True).report["graph_numbering"] == "computed"
    assert len(numbered) == 3
    # A kept graph that cannot be read back costs a numbering, never the run.
    for kept in (tmp_path / "kept").glob(f"{KEPT_GRAPH}-*.arrow"):
        kept.write_bytes(b"not an Arrow file")
    assert run(changed).report["graph_numbering"] == "computed"
    assert len(numbered) == 4


@pytest.mark.slow
def test_the_top_100_per_objective_is_the_one_ranked_before_the_speed_work(
    scored: tuple[SqliteStore, RunOutcome],
) -> None:
    store, outcome = scored
    before = json.loads(TOP_100_BEFORE.read_text(encoding="utf-8"))
    for objective, listed in before.items():
        # Less the customers without positive evidence, whom the gate now holds back (issue 10;
        # they were 15 to 25 of each top 100).
        ids = [c for c in listed if store.customer(outcome.run_id, c)["positive_evidence"] > 0]
        assert 60 <= len(ids) < 100, objective
        ranked, _ = store.ranked(outcome.run_id, objective=objective, limit=len(ids), offset=0)
        now = ranked["customer_id"].tolist()
        # The same people up to model randomness (the propensity model's calibration changed);
        # awareness reads no model beyond it and must hold almost exactly.
        assert len(set(now) & set(ids)) >= 0.9 * len(ids), objective
        assert now[:10] == ids[:10] or len(set(now[:10]) & set(ids[:10])) >= 8, objective
        assert (ranked["positive_evidence"] > 0).all()


@pytest.mark.slow
def test_stored_events_feed_the_next_run(
    demo_dir: Path, tmp_path: Path, store_url: str, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    before, outcome = scored
    ranked, _ = before.ranked(outcome.run_id, objective="awareness", limit=2, offset=0)
    withdrawn, inviter = ranked["customer_id"].tolist()
    invites_before = before.customer(outcome.run_id, inviter)["invites_sent"]
    store = open_store(store_url)
    day = "2026-10-20T12:00:00Z"
    record_events(
        store,
        [
            {
                "event_id": "w",
                "type": "consent_withdrawn",
                "customer_id": withdrawn,
                "occurred_at": day,
            },
            *(
                {"event_id": f"i{n}", "type": "invite", "customer_id": inviter, "occurred_at": day}
                for n in range(3)
            ),
            {
                "event_id": "late",
                "type": "invite",
                "customer_id": inviter,
                "occurred_at": "2027-01-01",
            },
        ],
    )
    after = score_demo(store, demo_dir, tmp_path)
    assert after.report["events"]["invite"] == 3 and after.report["events"]["events"] == 4  # type: ignore[index]
    gone = store.customer(after.run_id, withdrawn)
    assert not gone["eligible"] and gone["excluded_reason"] == "no marketing consent"
    assert store.customer(after.run_id, inviter)["invites_sent"] == invites_before + 3


@pytest.mark.slow
def test_an_erased_customer_is_left_out_of_later_runs(
    demo_dir: Path, tmp_path: Path, store_url: str, scored: tuple[SqliteStore, RunOutcome]
) -> None:
    before, first = scored
    erased = before.ranked(first.run_id, objective="awareness", limit=1, offset=0)[0]
    erased = erased["customer_id"].iloc[0]
    store = open_store(store_url)
    click = {"event_id": "c", "type": "click", "customer_id": erased, "occurred_at": "2026-10-01"}
    record_events(store, [click])
    store.erase_customer(erased, key_id="test")
    outcome = score_demo(store, demo_dir, tmp_path)
    assert outcome.report["erased_customers_left_out"] == 1
    with pytest.raises(NotFoundError):
        store.customer(outcome.run_id, erased)


@pytest.mark.slow
def test_the_next_run_reuses_the_models_and_the_text_scores_until_labels_change(
    tmp_path: Path,
    store_url: str,
) -> None:
    store = open_store(store_url)
    demo_dir = write_demo(tmp_path / "demo", customers=400)

    def run(input_dir: Path, **options: Any) -> RunOutcome:
        return score_demo(store, input_dir, tmp_path, **options)

    first = run(demo_dir)
    dates: list[pd.Timestamp] = []
    features_on = pipeline._features_on

    def counted(*args: Any, as_of: pd.Timestamp, **kwargs: Any) -> pd.DataFrame:
        dates.append(as_of)
        return features_on(*args, as_of=as_of, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "_features_on", counted)
        again = run(demo_dir)
    # Every model reused: features of the run date alone, none for the models' training dates;
    # the same graph: its PageRank and 2-hop reach too.
    assert dates == [AS_OF]
    assert first.report["graph_kernels"] == "computed"
    assert again.report["graph_kernels"].startswith("reused")  # type: ignore[union-attr]
    for model in ("customer_value_model", "propensity_model", "conversion_model", "uplift_model"):
        before, after = first.report[model], again.report[model]
        assert before["fitted_this_run"] is True and after["fitted_this_run"] is False  # type: ignore[index]
        assert after["version"] == before["version"] and after["labelled_changed_share"] == 0  # type: ignore[index]
    fitted, reused = first.report["sentiment_model"], again.report["sentiment_model"]
    assert fitted["fitted_this_run"] is True and fitted["mentions_scored"] > 0  # type: ignore[index]
    assert reused["fitted_this_run"] is False and reused["mentions_scored"] == 0  # type: ignore[index]
    assert reused["version"] == fitted["version"] and reused["macro_f1"] == fitted["macro_f1"]  # type: ignore[index]
    same = ["customer_id", "sentiment", "rank_awareness", "rank_conversion"]
    before = store.eligible(first.run_id)[same].sort_values("customer_id", ignore_index=True)
    after = store.eligible(again.run_id)[same].sort_values("customer_id", ignore_index=True)
    pd.testing.assert_frame_equal(before, after)
    full = run(demo_dir, full=True).report
    models = ("sentiment", "customer_value", "propensity", "conversion", "uplift")
    for model in models:
        assert full[f"{model}_model"]["fitted_this_run"] is True  # type: ignore[index]
    # The conversion score says where it came from, with the figures it was chosen by.
    conversion = first.report["conversion_model"]
    assert conversion["used"] in ("learned model", "hand-set formula")  # type: ignore[index]
    if "validation" in conversion:  # type: ignore[operator]
        compared = set(conversion["validation"])  # type: ignore[index]
        assert compared == {"learned model", "hand-set formula", "follower count"}
    else:  # the tests' small demo: too few converters in the window to learn from
        assert conversion["used"] == "hand-set formula"  # type: ignore[index]
        assert conversion["model"].startswith("none (fewer than 20")  # type: ignore[index]

    # A new mention is scored; a changed text is scored again; the rest keep their score.
    changed = tmp_path / "changed"
    shutil.copytree(demo_dir, changed)
    mentions = pd.read_csv(changed / "mentions.csv", dtype=str, keep_default_na=False)
    mentions.loc[0, "text"] = "a brand new text about the brand"
    mentions.to_csv(changed / "mentions.csv", index=False)
    report = run(changed).report["sentiment_model"]
    assert report["fitted_this_run"] is False and report["mentions_scored"] == 1  # type: ignore[index]

    # Half the labels gone: past the share, the model is fitted again.
    halved = mentions.assign(
        sentiment_label=mentions["sentiment_label"].where(mentions.index % 2 == 0, "")
    )
    halved.to_csv(changed / "mentions.csv", index=False)
    report = run(changed).report["sentiment_model"]
    assert report["fitted_this_run"] is True and report["labelled_changed_share"] > 0.05  # type: ignore[index]

    # A month on, who shared in the recent window changed past the share: the propensity model
    # is fitted again; the exposures did not change: the uplift model is reused.
    later = run(changed, as_of=AS_OF + pd.Timedelta(days=30)).report
    assert later["propensity_model"]["fitted_this_run"] is True  # type: ignore[index]
    assert later["propensity_model"]["labelled_changed_share"] > 0.05  # type: ignore[index]
    assert later["uplift_model"]["fitted_this_run"] is False  # type: ignore[index]


@pytest.mark.slow
def test_a_run_given_its_tables_lets_each_go_once_no_stage_reads_it(
    tmp_path: Path,
) -> None:
    tables = accepted_demo(tmp_path / "demo", customers=300)
    kept = score_tables(dict(tables), params=ScoringParams(as_of=AS_OF))
    handed = dict(tables)
    seen: dict[str, set[str]] = {}
    given = score_tables(
        handed,
        params=ScoringParams(as_of=AS_OF),
        hand_over=True,
        progress=lambda stage: seen.setdefault(stage, set(handed)),
    )
    assert seen["identity"] == set(tables)
    assert seen["graph"] == set(tables) - {"accounts"}  # gone once customers are linked
    assert seen["rewards"] == set(tables) - {"accounts", "edges"}  # once the graph is numbered
    assert seen["features"] == {"customers", "orders", "interactions", "referrals", "exposures"}
    assert seen["scoring"] == {"customers", "referrals", "exposures"}
    assert seen["run tables"] == set() and handed == {}
    pd.testing.assert_frame_equal(kept.scores, given.scores)


def test_a_sentiment_state_that_cannot_be_read_back_is_fitted_afresh() -> None:
    assert pipeline._unpickled(None, SentimentState) is None
    assert pipeline._unpickled(b"not a pickle", SentimentState) is None
    assert pipeline._unpickled(pickle.dumps({"some": "thing"}), SentimentState) is None
    # Written by an earlier version, with other fields: unpickling makes one without ``kept``.
    earlier = object.__new__(SentimentState)
    earlier.__dict__.update(version="v1", model=None, scores=pd.DataFrame())
    assert pipeline._unpickled(pickle.dumps(earlier), SentimentState) is None


@pytest.mark.slow
def test_mentions_in_a_language_the_model_did_not_learn_are_counted_not_scored(
    tmp_path: Path,
) -> None:
    tables = accepted_demo(tmp_path / "demo", customers=300)
    mentions = tables["mentions"]
    unlabelled = np.flatnonzero(mentions["sentiment_label"].isna().to_numpy())[:7]
    german = mentions.index[unlabelled]
    tables["mentions"] = mentions.assign(
        language=mentions["language"].astype(object).where(~mentions.index.isin(german), "de")
    )
    report = score_tables(tables, params=ScoringParams(as_of=AS_OF)).report
    sentiment = report["sentiment_model"]
    assert sentiment["mentions_unread_by_language"] == {"de": 7}  # type: ignore[index]
    assert "de" not in sentiment["languages"]  # type: ignore[index]
    scored = sentiment["mentions_scored"] + sentiment["mentions_kept"]  # type: ignore[index]
    assert scored == len(mentions) - 7


@pytest.mark.slow
def test_the_same_run_reads_back_alike_from_both_stores(
    scored: tuple[SqliteStore, RunOutcome], scored_postgres: tuple[Store, RunOutcome]
) -> None:
    (sqlite, first), (postgres, second) = scored, scored_postgres
    assert second.report["eligible"] == first.report["eligible"]
    for objective in ("awareness", "engagement", "conversion", "detractor"):
        pages = [
            store.ranked(run.run_id, objective=objective, limit=100, offset=0)
            for store, run in ((sqlite, first), (postgres, second))
        ]
        assert pages[0][1] == pages[1][1]
        pd.testing.assert_frame_equal(pages[0][0], pages[1][0], check_dtype=False)
    by_id = [
        store.eligible(run.run_id).sort_values("customer_id", ignore_index=True)
        for store, run in ((sqlite, first), (postgres, second))
    ]
    pd.testing.assert_frame_equal(*by_id, check_dtype=False)
    served = [store.served(run.run_id) for store, run in ((sqlite, first), (postgres, second))]
    pd.testing.assert_frame_equal(*served)
    some = str(by_id[0]["customer_id"].iloc[0])
    assert sqlite.customer(first.run_id, some) == postgres.customer(second.run_id, some)

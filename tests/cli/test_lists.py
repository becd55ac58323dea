"""``advocates shortlist``, ``detractors`` and ``rewards``: the lists people read, as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from advocates.store import SqliteStore
from tests.cli.helpers import CliScored, advocates, error_of
from tests.helpers import AS_OF


@pytest.mark.slow  # over the session's folder the CLI scored
def test_shortlist_is_ranked_explained_and_has_no_pii(
    cli_scored: CliScored, tmp_path: Path
) -> None:
    out = tmp_path / "short.csv"
    listed = advocates(
        "shortlist", "--objective", "engagement", "--limit", "25", "--out", out,
        cwd=cli_scored.folder,
    )  # fmt: skip
    assert listed.exit_code == 0, listed.stderr
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in rows] == list(range(1, 26))
    assert "email" not in rows[0] and "name" not in rows[0]
    scores = [float(r["engagement_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["explanation"] for r in rows)


@pytest.mark.slow  # over the session's folder the CLI scored
def test_shortlist_includes_contact_details_when_asked(cli_scored: CliScored) -> None:
    with_pii = advocates(
        "shortlist", "--objective", "engagement", "--limit", "2", "--include-pii",
        cwd=cli_scored.folder,
    )  # fmt: skip
    assert with_pii.exit_code == 0, with_pii.stderr
    assert "@example.com" in with_pii.stdout


@pytest.mark.slow  # over the session's folder the CLI scored
def test_shortlist_ranks_by_custom_weights(cli_scored: CliScored) -> None:
    mixed = advocates(
        "shortlist", "--weights", "awareness=1,conversion=2", "--limit", "5", cwd=cli_scored.folder
    )
    assert mixed.exit_code == 0, mixed.stderr
    rows = list(csv.DictReader(mixed.stdout.lstrip("\ufeff").splitlines()))
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5] and "custom_score" in rows[0]


@pytest.mark.slow  # over the session's folder the CLI scored
def test_the_unproven_are_listed_apart_to_be_asked_for_a_review_first(
    cli_scored: CliScored, tmp_path: Path
) -> None:
    store = SqliteStore(cli_scored.folder / "store.db")
    run = store.latest_run().run_id
    advocates_listed, total = store.ranked(run, objective="awareness", limit=10_000, offset=0)
    assert total > 0 and (advocates_listed["positive_evidence"] > 0).all()
    out = tmp_path / "ask.csv"
    listed = advocates(
        "shortlist", "--objective", "awareness", "--unproven", "--limit", "20", "--out", out,
        cwd=cli_scored.folder,
    )  # fmt: skip
    assert listed.exit_code == 0, listed.stderr
    assert "customers to ask for a review first" in listed.stderr
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in rows] == list(range(1, 21))
    scores = [float(r["awareness_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all("ask for a review first" in r["explanation"] for r in rows)
    ids = [r["customer_id"] for r in rows]
    assert not set(ids) & set(advocates_listed["customer_id"])
    for customer in ids[:3]:
        row = store.customer(run, customer)
        assert row["positive_evidence"] == 0 and row["marketing_consent"]


def test_unproven_lists_take_one_objective(tmp_path: Path) -> None:
    message = error_of(
        advocates("shortlist", "--weights", "awareness=1", "--unproven", cwd=tmp_path)
    )
    assert "--unproven lists one objective" in message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "either an objective or weights"),
        (
            ["--objective", "awareness", "--weights", "awareness=1"],
            "either an objective or weights",
        ),
        (["--objective", "fame"], "unknown objective 'fame'"),
        (["--weights", "fame=1"], "unknown objective 'fame'"),
        (["--weights", "awareness=lots"], "'awareness=lots' needs a number"),
    ],
    ids=["neither", "both", "unknown-objective", "unknown-weight", "weight-not-a-number"],
)
def test_a_bad_objective_or_weights_get_a_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    # Refused before the store is opened: this folder has none.
    assert message in error_of(advocates("shortlist", *args, cwd=tmp_path))


@pytest.mark.slow  # over the session's folder the CLI scored
def test_rewards_have_a_status_per_converted_referral(cli_scored: CliScored) -> None:
    paid = advocates("rewards", cwd=cli_scored.folder)
    assert paid.exit_code == 0, paid.stderr
    statuses = {
        r["reward_status"].split(":")[0]
        for r in csv.DictReader(paid.stdout.lstrip("\ufeff").splitlines())
    }
    assert "earned" in statuses and statuses <= {"earned", "pending", "void"}


@pytest.mark.slow  # over the session's folder the CLI scored
def test_detractors_come_with_their_evidence_and_no_pii(
    cli_scored: CliScored, tmp_path: Path
) -> None:
    care = tmp_path / "care.csv"
    listed = advocates("detractors", "--limit", "10", "--out", care, cwd=cli_scored.folder)
    assert listed.exit_code == 0, listed.stderr
    with open(care, encoding="utf-8-sig", newline="") as handle:
        detractors = list(csv.DictReader(handle))
    assert [int(r["rank"]) for r in detractors] == list(range(1, 11))
    assert all(
        float(r["sentiment"]) < 0 or int(r["negative_mentions_recent"]) > 0 for r in detractors
    )
    assert all(r["evidence_id"] and r["evidence_text"] for r in detractors)
    assert "email" not in detractors[0]


@pytest.mark.parametrize(
    "command",
    [["shortlist", "--objective", "awareness"], ["detractors"], ["rewards"]],
    ids=["shortlist", "detractors", "rewards"],
)
def test_lists_of_a_store_without_a_published_run_get_a_message(
    tmp_path: Path, command: list[str]
) -> None:
    assert "has no published run yet" in error_of(advocates(*command, cwd=tmp_path))


def test_a_shortlist_whose_every_score_is_0_says_so_instead_of_ranking(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store.db")
    run = store.begin_run(as_of=AS_OF)
    store.publish(
        run,
        scores=pd.DataFrame(
            {
                "customer_id": ["c1", "c2", "c3"],
                "eligible": [1, 1, 1],
                "awareness_score": [0.0, 0.0, 0.0],
                "rank_awareness": [1, 2, 3],
            }
        ),
        report={},
    )
    message = error_of(advocates("shortlist", "--objective", "awareness", cwd=tmp_path))
    assert f"every awareness score of run {run} is 0: there is nothing to rank by" in message
    assert "--as-of" in message

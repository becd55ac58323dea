"""Both engines on the demo data: the same published run (issue 12's parity test); and a user
choosing Spark by one setting.

The session's demo run (``scored``: the pandas engine) against the same folder scored with the
Spark engine: the same rejects, the same eligible customers, the same exclusions, and per
objective the same top 100 (at least 95 of them, ties aside).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advocates.pipeline import RunOutcome
from advocates.spark.engine import SparkEngine
from advocates.spark.session import SparkAvailability
from advocates.store import SqliteStore, Store, open_store
from advocates.store.common import scores_table
from tests.cli.helpers import advocates, error_of
from tests.conftest import score_demo
from tests.helpers import AS_OF

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

OBJECTIVES = ("awareness", "engagement", "conversion", "detractor")


def _exclusions(store: Store, run_id: str) -> dict[str, str]:
    rows = store._query(  # type: ignore[attr-defined]
        f"SELECT customer_id, excluded_reason FROM {scores_table(run_id)} "
        "WHERE excluded_reason IS NOT NULL"
    )
    return dict(zip(rows["customer_id"], rows["excluded_reason"], strict=True))


def test_both_engines_publish_the_same_run_of_the_demo_data(
    spark: Any, demo_dir: Path, scored: tuple[SqliteStore, RunOutcome], tmp_path: Path
) -> None:
    pandas_store, by_pandas = scored
    store = open_store(f"sqlite:///{tmp_path / 'spark.db'}")
    engine = SparkEngine(master="local[2]", session=spark)
    by_spark = score_demo(store, demo_dir, tmp_path, engine=engine)

    assert by_spark.report["engine"] == "spark (local[2])"
    assert by_pandas.report["engine"] == "pandas"
    assert by_spark.report["tables"] == by_pandas.report["tables"]  # rows in, accepted, rejected
    pd.testing.assert_frame_equal(
        pd.read_csv(by_spark.rejects_path, dtype=str),
        pd.read_csv(by_pandas.rejects_path, dtype=str),
    )
    eligible = [
        set(s.eligible(run.run_id)["customer_id"])
        for s, run in ((pandas_store, by_pandas), (store, by_spark))
    ]
    assert eligible[0] == eligible[1] and eligible[0]
    assert _exclusions(store, by_spark.run_id) == _exclusions(pandas_store, by_pandas.run_id)
    for objective in OBJECTIVES:
        tops = [
            s.ranked(run.run_id, objective=objective, limit=100, offset=0)[0]
            for s, run in ((pandas_store, by_pandas), (store, by_spark))
        ]
        shared = set(tops[0]["customer_id"]) & set(tops[1]["customer_id"])
        assert len(shared) >= 0.95 * len(tops[0]) and len(tops[0]) == len(tops[1]), objective


def test_a_user_scores_on_spark_by_one_setting(
    spark: Any, demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spark_env = {"ADVOCATES_ENGINE": "spark", "ADVOCATES_SPARK_MASTER": "local[2]"}
    as_of = AS_OF.isoformat()
    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    try:  # (the command's engine takes the running session, and sets it up for itself)
        ran = advocates("score", "--input", demo_dir, "--as-of", as_of, cwd=tmp_path, env=spark_env)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", partitions)
    assert ran.exit_code == 0, ran.stderr
    assert open_store(f"sqlite:///{tmp_path / 'store.db'}").latest_run().report["engine"] == (
        "spark (local[2])"
    )
    # Where Spark cannot run, the run says why and publishes nothing.
    monkeypatch.setattr(
        "advocates.spark.session.spark_availability",
        lambda: SparkAvailability(False, "no Java runtime found (java is not on PATH)"),
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = advocates("score", "--input", demo_dir, "--as-of", as_of, cwd=elsewhere, env=spark_env)
    assert "ADVOCATES_ENGINE=spark, but Spark cannot run here: no Java runtime" in error_of(ran)
    assert not (elsewhere / "store.db").exists()

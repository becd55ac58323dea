"""Whether Spark can run here is told with the reason, and the session is set up for the
engine: UTC, Arrow, few shuffle partitions in local mode."""

from __future__ import annotations

from typing import Any

import pytest

from advocates.spark import session

# PySpark 4 warns that it does not fully support pandas 3 yet, and calls astype(copy=...).
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def test_spark_is_found_unavailable_without_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session.importlib.util, "find_spec", lambda name: None)
    found = session.spark_availability()
    assert not found.available and "pyspark is not installed" in found.reason


def test_spark_is_found_unavailable_without_java(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session.importlib.util, "find_spec", lambda name: object())
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(session.shutil, "which", lambda name: None)
    found = session.spark_availability()
    assert not found.available and "no Java runtime found" in found.reason


def test_a_java_runtime_that_does_not_run_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    broken = tmp_path / "bin" / "java"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(session.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    found = session.spark_availability()
    assert not found.available and str(broken) in found.reason


def test_the_session_reads_and_writes_time_in_utc_through_arrow(spark: Any) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    # A timestamp without an offset is UTC, as the input contract reads it.
    row = spark.sql("SELECT unix_seconds(timestamp'2024-01-02 00:00:00') AS s").collect()[0]
    assert row["s"] == 1704153600
    # The running session is reused, with the engine's SQL settings.
    again = session.spark_session(master="local[2]", shuffle_partitions=2)
    assert again is spark or again.sparkContext is spark.sparkContext

"""The Spark engine's fixtures: one local SparkSession for the whole test session (the JVM
starts once), and the demo data validated by both engines once. Without Spark (no pyspark, no
Java runtime) the tests that need it are skipped, unless ADVOCATES_REQUIRE_SPARK=1 (as in CI):
then they fail with the reason."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advocates.data.inputs import validated_inputs
from advocates.data.io import find_table_files
from advocates.spark.session import SMALL_DATA_CONFIG, spark_availability, spark_session
from tests.spark.helpers import DemoInputs


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    availability = spark_availability()
    if not availability.available:
        if os.environ.get("ADVOCATES_REQUIRE_SPARK") == "1":
            pytest.fail(f"Spark cannot run here: {availability.reason}")
        pytest.skip(f"Spark cannot run here ({availability.reason})")
    session = spark_session(
        master="local[2]", driver_memory="2g", shuffle_partitions=2, config=SMALL_DATA_CONFIG
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_inputs(spark: Any, demo_dir: Path) -> DemoInputs:
    from advocates.spark.tables import validated_tables

    files = find_table_files(demo_dir)
    return DemoInputs(spark=validated_tables(spark, files), pandas=validated_inputs(files)[0])

"""The Spark engine hands the nightly run what the pandas engine's validation gives."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advocates.data.inputs import validated_inputs
from advocates.data.io import find_table_files
from advocates.pipeline import Engine
from advocates.spark.engine import SparkEngine
from tests.spark.helpers import assert_same_results

# PySpark 4 warns that it does not fully support pandas 3 yet, and calls astype(copy=...).
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def test_the_engine_gives_the_run_the_pandas_engines_results(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    customers = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c2"],
            "created_at": ["2024-01-01", "soon", "2024-01-01"],
            "marketing_consent": ["yes", "no", "no"],
        }
    )
    customers.to_csv(folder / "customers.csv", index=False)
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["c1", "c2"],
            "ordered_at": "2024-02-01",
            "amount": ["5.5", "1"],
        }
    )
    orders.to_parquet(folder / "orders.parquet", index=False)
    files = find_table_files(folder)
    stages: list[str] = []

    def stage(name: str) -> Any:
        stages.append(name)
        return contextlib.nullcontext()

    engine: Engine = SparkEngine(master="local[2]", session=spark)
    got, how = engine.validated_inputs(files, stage=stage)
    expected, expected_how = validated_inputs(files)
    assert_same_results(got, expected)
    assert how == expected_how == {"customers": "read whole", "orders": "read whole"}
    assert engine.name == "spark (local[2])" and stages == ["read", "validate"]

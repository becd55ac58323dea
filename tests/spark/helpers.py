"""Types and checks the Spark engine's tests share (imported, never collected)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from advocates.data.validation import TableResult


@dataclass(frozen=True)
class DemoInputs:
    """The demo folder's tables as each engine accepted them."""

    spark: dict[str, Any]  # table -> advocates.spark.validation.SparkTableResult
    pandas: dict[str, TableResult]


def assert_same_results(got: dict[str, TableResult], expected: dict[str, TableResult]) -> None:
    """The same tables, accepted frames (values, dtypes, order), rejects and rows read."""
    assert got.keys() == expected.keys()
    for name in expected:
        pd.testing.assert_frame_equal(got[name].frame, expected[name].frame, obj=name)
        pd.testing.assert_frame_equal(
            got[name].rejects, expected[name].rejects, obj=f"{name} rejects"
        )
        assert got[name].rows_in == expected[name].rows_in, name

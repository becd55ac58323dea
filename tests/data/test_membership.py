"""``is_in`` answers as ``Series.isin`` does, missing values apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.membership import is_in


@pytest.mark.parametrize(
    ("values", "known"),
    [
        (pd.Series(["a", "b", None, "a"], dtype="str"), pd.Series(["a", None, "z"], dtype="str")),
        (pd.Series(["a", "b", None], dtype=object), pd.Index(["b"])),
        (pd.Series(["x\x1fh1", "x\x1fh2"]), {"x\x1fh2"}),
        (pd.Series([1.0, np.nan, 3.0]), [3.0, np.nan]),
        (pd.Series([1, 2, 3]), pd.Series([2, 3, 4])),
        (pd.Series([], dtype="str"), pd.Series(["a"])),
        (pd.Series(["a"], dtype="str"), pd.Series([], dtype="str")),
    ],
    ids=["arrow-text", "object-text", "set", "floats", "ints", "no-values", "nothing-known"],
)
def test_is_in_is_series_isin_except_that_missing_is_never_in(
    values: pd.Series, known: object
) -> None:
    expected = values.isin(list(known) if isinstance(known, set) else known) & values.notna()
    assert is_in(values, known).tolist() == expected.tolist()  # type: ignore[arg-type]

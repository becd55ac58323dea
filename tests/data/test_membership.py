"""``is_in`` answers as ``Series.isin`` does, missing values apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.membership import is_in, positions


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


def test_a_few_values_looked_up_in_a_large_set_are_found_as_in_a_small_one() -> None:
    # A set over eight times larger than the values is scanned for them instead of hashed.
    rng = np.random.default_rng(3)
    known = pd.Series([f"h{i}" for i in rng.permutation(5_000)], dtype="str")
    values = pd.Series(["h17", "nope", None, "h4999", "h17", "h0"], dtype="str")
    assert len(known) > 8 * len(values)
    expected = [True, False, False, True, True, True]
    assert is_in(values, known).tolist() == expected
    assert is_in(values, pd.concat([known, known])).tolist() == expected  # repeated: the same
    where = positions(values, pd.Index(known))
    assert where.tolist() == pd.Index(known).get_indexer(values).tolist()
    assert positions(pd.Series(["nope"], dtype="str"), pd.Index(known)).tolist() == [-1]

from __future__ import annotations

import numpy as np
import pytest

from advocates.models.fit import changed_share


@pytest.mark.parametrize("seed", range(5))
def test_changed_share_is_the_symmetric_difference_over_the_rows_fitted_on(seed: int) -> None:
    rng = np.random.default_rng(seed)
    before = rng.integers(0, 50, rng.integers(0, 40)).astype(np.uint64)
    after = rng.integers(0, 50, rng.integers(0, 40)).astype(np.uint64)
    expected = len(np.setxor1d(before, after)) / max(len(set(before.tolist())), 1)
    assert changed_share(before, after) == pytest.approx(expected)

"""Set membership for large columns: which values of one column are among those of another.

pandas' ``Series.isin`` on its Arrow-backed text columns turns every value of the lookup set
into a Python object first: checking 3 million references against 4 million graph nodes took
32.7 s, where Arrow's own hash lookup (``pyarrow.compute.is_in``) takes 1.6 s for the same
answer. :func:`is_in` is that lookup, for any column pandas can hand to Arrow.

>>> is_in(pd.Series(["a", "b", None]), pd.Series(["b", "c"])).tolist()
[False, True, False]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["is_in"]


def is_in(
    values: pd.Series | pd.Index, known: pd.Series | pd.Index | Iterable[object]
) -> np.ndarray:
    """True for each of ``values`` that is among ``known``, as a boolean array aligned with
    ``values``; a missing value is never among them (``Series.isin`` would match a missing value
    with a missing one)."""
    lookup = pd.Series(known if isinstance(known, pd.Series | pd.Index) else list(known))
    found = pc.is_in(
        pa.array(pd.Series(values), from_pandas=True),
        value_set=pa.array(lookup.dropna().unique(), from_pandas=True),
        skip_nulls=True,
    )
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)

"""The one shape every model fit returns (the fitted model and how it did on data it did not see),
and what a run keeps of a fit so that the next run may reuse it instead of fitting again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import pandas as pd

from advocates.data.membership import distinct

__all__ = ["Fit", "KeptFit", "changed_share", "fit_or_reuse", "row_hashes"]

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Fit(Generic[ModelT]):
    """A fitted model and its metrics.

    ``model`` is ``None`` when there was too little data to fit one; ``metrics["model"]`` then
    says why, and the run report shows it.

    Examples
    --------
    >>> Fit(model=None, metrics={"model": "none (no labelled text)"}).metrics["model"]
    'none (no labelled text)'
    """

    model: ModelT
    metrics: dict[str, object]


@dataclass(frozen=True)
class KeptFit(Generic[ModelT]):
    """What a run keeps of a fit for the next run: the fit, a version naming it, and the hashes
    of the labelled rows it learnt from (:func:`row_hashes`), to tell how much they changed."""

    version: str
    fit: Fit[ModelT]
    labelled: np.ndarray


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row of ``frame`` (its values, not its index): what a model's
    labelled rows are compared by between runs.

    >>> a = row_hashes(pd.DataFrame({"id": ["c1", "c2"], "label": [True, False]}))
    >>> b = row_hashes(pd.DataFrame({"id": ["c1", "c2"], "label": [True, True]}))
    >>> bool(a[0] == b[0]), bool(a[1] == b[1])
    (True, False)
    """
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def changed_share(previous: np.ndarray, current: np.ndarray) -> float:
    """How much labelled data changed since a model was fitted: the rows added or gone (hashes,
    as sets) as a share of the rows it was fitted on. A changed row counts twice (gone, added).

    >>> changed_share(np.array([1, 2, 3, 4]), np.array([1, 2, 3, 4, 5]))
    0.25
    >>> changed_share(np.array([1, 2, 2]), np.array([2, 3]))
    1.0
    """
    before, after = distinct(previous), distinct(current)
    at = np.minimum(np.searchsorted(before, after), max(len(before) - 1, 0))
    common = int(np.count_nonzero(before[at] == after)) if len(before) else 0
    return (len(before) + len(after) - 2 * common) / max(len(before), 1)


def fit_or_reuse(
    previous: KeptFit[ModelT] | None,
    labelled: np.ndarray,
    *,
    share: float,
    fit: Callable[[], Fit[ModelT]],
) -> tuple[Fit[ModelT], KeptFit[ModelT]]:
    """Reuse ``previous`` while the hashes of its labelled rows changed by at most ``share``
    (:func:`changed_share`); otherwise call ``fit`` and keep the new fit under a new version.

    Returns the fit to use, its metrics told apart by ``version``, ``fitted_this_run`` and
    ``labelled_changed_share`` (None when there was nothing to compare with), and what to keep.

    >>> first, kept = fit_or_reuse(None, np.arange(100), share=0.05,
    ...                            fit=lambda: Fit(model="m", metrics={}))
    >>> first.metrics["fitted_this_run"], first.metrics["labelled_changed_share"]
    (True, None)
    >>> again, _ = fit_or_reuse(kept, np.arange(102), share=0.05, fit=lambda: 1 / 0)
    >>> again.metrics["fitted_this_run"], again.metrics["labelled_changed_share"]
    (False, 0.02)
    """
    changed = changed_share(previous.labelled, labelled) if previous is not None else None
    reused = previous is not None and changed is not None and changed <= share
    if previous is not None and reused:
        kept = previous
    else:
        kept = KeptFit(version=uuid.uuid4().hex[:12], fit=fit(), labelled=distinct(labelled))
    metrics = {
        **kept.fit.metrics,
        "version": kept.version,
        "fitted_this_run": not reused,
        "labelled_changed_share": None if changed is None else round(changed, 4),
    }
    return Fit(model=kept.fit.model, metrics=metrics), kept

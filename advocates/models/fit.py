"""The one shape every model fit returns: the fitted model and how it did on data it did not see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Fit"]

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

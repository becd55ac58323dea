"""What customers can be ranked by: one campaign objective, or a weighted mix of objectives.

A request names either an ``objective`` or ``weights`` (``"awareness=1,conversion=2"``);
:func:`parse_ranking` checks that once, where a ranking is asked for, and hands back a
:class:`Ranking` that every later step uses as it is.

Examples
--------
>>> parse_ranking(objective="awareness", weights=None)
Ranking(name='awareness', weights=None)
>>> parse_ranking(objective=None, weights="conversion=2").weights
{'conversion': 2.0}
"""

from __future__ import annotations

from dataclasses import dataclass

from advocates.errors import ConfigurationError

__all__ = [
    "MAX_WEIGHT",
    "OBJECTIVES",
    "Ranking",
    "check_objective",
    "parse_ranking",
    "parse_weights",
]

OBJECTIVES = ("awareness", "engagement", "conversion")
#: The largest weight one objective may get: only ratios between weights matter, and bounded
#: weights keep every weighted score finite.
MAX_WEIGHT = 1_000_000.0


@dataclass(frozen=True)
class Ranking:
    """A checked ranking: ``name`` is the objective, or ``custom`` with its ``weights``."""

    name: str
    weights: dict[str, float] | None = None

    @property
    def key(self) -> tuple[str, tuple[tuple[str, float], ...]]:
        """The ranking as a hashable value (for caches): equal rankings, equal keys."""
        return self.name, tuple(sorted((self.weights or {}).items()))


def parse_ranking(*, objective: str | None, weights: str | None) -> Ranking:
    """The ranking a request asks for: exactly one of ``objective`` and ``weights``, valid."""
    if (objective is None) == (weights is None):
        raise ConfigurationError(
            "give either an objective or weights (e.g. awareness=1,conversion=2)"
        )
    if objective is not None:
        return Ranking(name=check_objective(objective))
    return Ranking(name="custom", weights=parse_weights(str(weights)))


def check_objective(objective: str) -> str:
    """Return ``objective`` if it is one of :data:`OBJECTIVES`."""
    if objective not in OBJECTIVES:
        raise ConfigurationError(
            f"unknown objective {objective!r}: expected one of {', '.join(OBJECTIVES)}"
        )
    return objective


def parse_weights(text: str) -> dict[str, float]:
    """Parse custom objective weights such as ``"awareness=1,conversion=2"`` (``:`` works too).

    >>> parse_weights("awareness:1, conversion=2.5")
    {'awareness': 1.0, 'conversion': 2.5}
    """
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.replace(":", "=").partition("=")
        name = name.strip()
        try:
            check_objective(name)
        except ConfigurationError as error:
            raise ConfigurationError(f"weights: {error}") from None
        try:
            weight = float(value)
        except ValueError:
            raise ConfigurationError(
                f"weights: {part!r} needs a number, as in awareness=1"
            ) from None
        if not 0 <= weight <= MAX_WEIGHT:  # also refuses NaN and infinity
            raise ConfigurationError(
                f"weights: {name} must be a number from 0 to {MAX_WEIGHT:,.0f}, got {value!r}"
            )
        weights[name] = weight
    if not weights or sum(weights.values()) == 0:
        raise ConfigurationError("weights: give at least one positive weight, as in awareness=1")
    return weights

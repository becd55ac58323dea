from __future__ import annotations

import pytest

from advocates.errors import ConfigurationError
from advocates.ranking.objectives import Ranking, parse_ranking


@pytest.mark.parametrize(
    ("objective", "weights", "expected"),
    [
        ("awareness", None, Ranking("awareness")),
        ("conversion", None, Ranking("conversion")),
        (
            None,
            "awareness=1, conversion:2.5",
            Ranking("custom", {"awareness": 1.0, "conversion": 2.5}),
        ),
        (
            None,
            "engagement=0,awareness=1",
            Ranking("custom", {"engagement": 0.0, "awareness": 1.0}),
        ),
    ],
)
def test_a_ranking_is_one_objective_or_parsed_weights(
    objective: str | None, weights: str | None, expected: Ranking
) -> None:
    assert parse_ranking(objective=objective, weights=weights) == expected


@pytest.mark.parametrize(
    ("objective", "weights", "message"),
    [
        (None, None, "give either an objective or weights"),
        ("awareness", "awareness=1", "give either an objective or weights"),
        (
            "reach",
            None,
            "unknown objective 'reach': expected one of awareness, engagement, conversion",
        ),
        (None, "reach=1", "weights: unknown objective 'reach'"),
        (None, "awareness=lots", "'awareness=lots' needs a number"),
        (None, "awareness=-1", "awareness must be a number from 0 to 1,000,000, got '-1'"),
        (None, "awareness=inf", "awareness must be a number from 0 to 1,000,000"),
        (None, "awareness=nan", "awareness must be a number from 0 to 1,000,000"),
        (None, "awareness=1e308,conversion=1e308", "awareness must be a number from 0 to"),
        (None, "awareness=0", "give at least one positive weight"),
        (None, " , ", "give at least one positive weight"),
    ],
)
def test_a_bad_ranking_is_refused_with_what_was_expected(
    objective: str | None, weights: str | None, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        parse_ranking(objective=objective, weights=weights)

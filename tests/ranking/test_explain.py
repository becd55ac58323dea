from __future__ import annotations

import pandas as pd

from advocates.ranking.explain import withhold_quotes


def test_withholding_takes_the_customers_words_out_of_every_explanation() -> None:
    text = "the worst service I have had " * 10  # longer than both quote widths
    frame = pd.DataFrame(
        {
            "worst_text_id": ["m1", None],
            "worst_text": [text, None],
            "explanation_awareness": [f'not asked: negative (e.g. m1: "{text[:120]}")', "fine"],
            "explanation_detractor": [f'reaches 9; worst: m1: "{text[:160]}"', None],
        }
    )
    hidden = withhold_quotes(frame)
    assert hidden["explanation_awareness"].tolist() == [
        "not asked: negative (e.g. m1 (text withheld))",
        "fine",
    ]
    assert hidden["explanation_detractor"][0] == "reaches 9; worst: m1 (text withheld)"
    assert "worst service" not in " ".join(hidden.filter(like="explanation_").astype(str).sum())
    assert frame["explanation_detractor"][0].endswith('"')  # the input is not changed

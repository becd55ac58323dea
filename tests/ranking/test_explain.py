from __future__ import annotations

import pandas as pd

from advocates.ranking.explain import explain, withhold_quotes


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


def test_explanations_name_the_strongest_factors_with_their_figures() -> None:
    """The exact texts: the explanation code is tuned for speed, and must not change a word."""
    scored = pd.DataFrame(
        {
            "eligible": [True, True, True, False, False, False],
            "excluded_reason": [
                None,
                None,
                None,
                "negative sentiment toward the brand",
                "no marketing consent",
                "no sentiment evidence yet",
            ],
            "unique_reach_2hop": [12345.0, 40.0, 3.0, 900.0, 5.0, 70.0],
            "audience_size": [1500.0, 20.0, 2.0, 80.0, 1.0, 9.0],
            "engaged_audience_recent": [300.0, 2.0, 0.0, 9.0, 0.0, 0.0],
            "shares_recent": [1.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            "sentiment": [0.456, 0.9, 0.1, -0.6, 0.0, 0.0],
            "sentiment_evidence": [3.0, 1200.0, 0.0, 7.0, 0.0, 0.0],
            "positive_mentions": [0.0, 1199.0, 0.0, 0.0, 0.0, 0.0],
            "positive_reviews": [3.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            "conversion_influence": [0.235, 0.0, 0.0, 0.0, 0.0, 0.0],
            "invites_converted": [2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "outreach_total": [9.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "reviews_five_star": [2.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            "reviews_total": [3.0, 1.0, 0.0, 2.0, 0.0, 0.0],
            "orders_completed": [7.0, 2.0, 1.0, 3.0, 0.0, 1.0],
            "tenure_days": [800.0, 365.25, 30.0, 400.0, 10.0, 50.0],
            "negative_mentions_recent": [0.0, 0.0, 0.0, 3.0, 0.0, 0.0],
            "worst_text": [None, None, None, "never again", None, None],
            "worst_text_id": [None, None, None, "m9", None, None],
            "detractor_score": [None, None, None, 540.0, None, None],
        },
        index=pd.Index(["ana", "ben", "cy", "dee", "eve", "fay"], name="customer_id"),
    )
    texts = explain(scored, recent_days=90)
    top, bottom = (
        "reach in the top 34%, peer influence in the top 34%",
        ("reach in the bottom 34%, peer influence in the bottom 34%"),
    )
    gated = 'not asked to advocate: negative sentiment toward the brand (e.g. m9: "never again")'
    no_consent = "not asked to advocate: no marketing consent"
    unproven = (
        "not asked to advocate: no sentiment evidence yet (no mention, review or converted "
        "referral): ask for a review first"
    )
    # What the positive evidence was (cy has none: ranked only when the rules allow it).
    ana = "positive evidence: 3 reviews of 4 or 5 stars, 2 converted referrals"
    ben = "positive evidence: 1,199 positive mentions, 1 review of 4 or 5 stars"
    assert texts["explanation_awareness"].tolist() == [
        "reaches 12,345 unique people within two hops; 1,500 people follow them; "
        f"shared brand content once in the last 90 days; {top}; {ana}",
        "shared brand content 4 times in the last 90 days; feels positive about the brand "
        "(+0.90 over 1,200 mentions and reviews); reaches 40 unique people within two hops; "
        f"{bottom}; {ben}",
        "no single strong factor: ranked by the awareness formula; "
        "reach in the bottom 1%, peer influence in the bottom 34%; no positive evidence yet",
        gated,
        no_consent,
        unproven,
    ]
    assert texts["explanation_engagement"].tolist()[1:] == [
        "shared brand content 4 times in the last 90 days; feels positive about the brand "
        "(+0.90 over 1,200 mentions and reviews); "
        f"2 people in their audience engaged with them in the last 90 days; {ben}",
        "no single strong factor: ranked by the engagement formula; no positive evidence yet",
        gated,
        no_consent,
        unproven,
    ]
    assert texts["explanation_conversion"].tolist()[0] == (
        "2 friends bought after their 9 shares and invites (24% after smoothing); "
        "gave 5 stars in 2 of 3 reviews of their 7 orders; "
        f"7 orders over 2.2 years as a customer; {top}; {ana}"
    )
    detractor = texts["explanation_detractor"]
    assert detractor.isna().tolist() == [True, True, True, False, True, True]
    assert detractor["dee"] == (
        "reaches 900 unique people within two hops; sentiment -0.60 over 7 mentions and "
        'reviews; 3 negative mentions in the last 90 days; worst: m9: "never again"'
    )

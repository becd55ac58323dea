from __future__ import annotations

import pandas as pd
import pytest

from advocates.data.events import apply_events, check_events

AS_OF = pd.Timestamp("2026-11-01", tz="UTC")


def event(
    event_id: str, type_: str, customer: str = "C1", at: str = "2026-10-01", **more: object
) -> dict:
    return {"event_id": event_id, "type": type_, "customer_id": customer, "occurred_at": at, **more}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (
            {"type": "share", "customer_id": "C1", "occurred_at": "2026-10-01"},
            "event_id is required",
        ),
        (event("e", "share", customer=""), "customer_id is required"),
        (event("e", "teleport"), "type 'teleport' is not one of share"),
        (event("e", "share", at="yesterday"), "occurred_at 'yesterday' is not an ISO 8601"),
        (event("e", "conversion"), "a conversion event needs friend_customer_id"),
        (event("e", "refund"), "a refund event needs order_id"),
        (
            event("e", "conversion", friend_customer_id="C2", amount="lots"),
            "amount 'lots' is not a number",
        ),
        (
            event("e", "conversion", friend_customer_id="C2", amount=float("inf")),
            "amount must be a number from 0",
        ),
        (
            event("e", "conversion", friend_customer_id="C2", amount=-5),
            "amount must be a number from 0",
        ),
        (event("e", "click", currency="euros"), "currency 'euros' is not a three-letter code"),
        (event("e" * 201, "click"), "event_id is longer than 200 characters"),
        ("not an object", "an event is an object"),
    ],
)
def test_an_invalid_event_is_rejected_alone_with_its_reason(item: object, reason: str) -> None:
    frame, rejected = check_events([event("ok", "click"), item])
    assert frame["event_id"].tolist() == ["ok"]
    assert [(r.index, r.reason[: len(reason)]) for r in rejected] == [(1, reason)]


def test_valid_events_are_normalised_and_a_repeat_within_a_batch_kept_once() -> None:
    frame, rejected = check_events(
        [
            event(
                "e1",
                "conversion",
                at="2026-10-01T12:00:00+02:00",
                friend_customer_id="C2",
                amount="59.5",
            ),
            event("e1", "conversion", friend_customer_id="C2"),
        ]
    )
    assert not rejected and len(frame) == 1
    assert frame["occurred_at"][0] == pd.Timestamp("2026-10-01T10:00:00Z")
    assert frame["amount"][0] == 59.5


def tables() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "created_at": pd.to_datetime(["2025-01-01"] * 3, utc=True),
            "marketing_consent": [True, False, True],
            "do_not_contact": [False, False, False],
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": ["O1", "O2"],
            "customer_id": ["C2", "C3"],
            "ordered_at": pd.to_datetime(["2026-09-01"] * 2, utc=True),
            "amount": [10.0, 20.0],
            "status": ["completed", "completed"],
        }
    )
    accounts = pd.DataFrame({"customer_id": ["C1"], "network": ["x"], "handle": ["@one"]})
    return {"customers": customers, "orders": orders, "accounts": accounts}


def test_events_become_rows_of_the_input_contract_for_the_next_run() -> None:
    frame, _ = check_events(
        [
            event("i1", "invite", campaign_id="K1"),
            event("c1", "conversion", friend_customer_id="C3", order_id="O2", at="2026-10-02"),
            event("s1", "share"),
            event("s2", "share", customer="C3"),  # C3 has no social account
            event("r1", "refund", customer="C2", order_id="O1"),
            event("r2", "refund", customer="C2", order_id="NOPE"),
            event("g1", "consent_given", customer="C2", at="2026-10-01"),
            event("w1", "consent_withdrawn", customer="C2", at="2026-10-03"),
            event("d1", "do_not_contact", customer="C3"),
            event("x1", "click", customer="C404"),
            event("late", "invite", at="2026-12-01"),  # after the run date
        ]
    )
    out, report = apply_events(tables(), frame, as_of=AS_OF)
    referrals = out["referrals"].set_index("referral_id")
    assert referrals.index.tolist() == ["event:i1", "event:c1"]
    assert referrals.loc["event:c1", "converted_customer_id"] == "C3"
    assert pd.isna(referrals.loc["event:i1", "converted_at"])
    assert out["interactions"][["network", "actor", "kind"]].values.tolist() == [
        ["x", "@one", "share"]
    ]
    assert out["orders"].set_index("order_id")["status"].to_dict() == {
        "O1": "refunded",
        "O2": "completed",
    }
    customers = out["customers"].set_index("customer_id")
    assert customers["marketing_consent"].to_dict() == {"C1": True, "C2": False, "C3": True}
    assert customers["do_not_contact"].to_dict() == {"C1": False, "C2": False, "C3": True}
    assert report["events"] == 10 and report["unknown_customer"] == 1
    assert report["share_without_account"] == 1 and report["refund_unknown_order"] == 1


def test_the_latest_consent_event_wins_whatever_the_order_they_arrived_in() -> None:
    frame, _ = check_events(
        [
            event("w1", "consent_withdrawn", customer="C1", at="2026-10-05"),
            event("g1", "consent_given", customer="C1", at="2026-10-09"),
        ]
    )
    out, _ = apply_events(tables(), frame, as_of=AS_OF)
    assert bool(out["customers"].set_index("customer_id").loc["C1", "marketing_consent"])


def test_no_events_change_nothing() -> None:
    frame, _ = check_events([])
    source = tables()
    out, report = apply_events(source, frame, as_of=AS_OF)
    assert report == {"events": 0} and set(out) == set(source)
    assert all(out[name] is source[name] for name in source)

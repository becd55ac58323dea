"""Outcome events sent back by campaign tools: what each type carries, and checking a batch.

An event is one thing a customer did (``share``, ``invite``, ``click``, ``conversion``,
``refund``) or said (``consent_withdrawn``, ``consent_given``, ``do_not_contact``), identified by
its ``event_id`` (the idempotency key: the same id sent twice is stored once). Every event has
``event_id``, ``type``, ``customer_id`` and ``occurred_at`` (ISO 8601, UTC when no offset is
given); the types that need more name it in :data:`EVENT_FIELDS`. A batch is checked item by
item: an invalid item is rejected with its reason and the valid ones are kept.

:func:`apply_events` turns stored events into rows of the input contract for the nightly run:
an invite is a referral, a conversion a converted referral, a share an interaction from one of
the customer's accounts, a refund marks the order refunded, and consent events override the
customer's consent and do-not-contact flags (the latest event before the run date wins).

Examples
--------
>>> frame, rejected = check_events([
...     {"event_id": "e1", "type": "share", "customer_id": "C1",
...      "occurred_at": "2026-11-01T10:00:00Z"},
...     {"event_id": "e2", "type": "teleport", "customer_id": "C1",
...      "occurred_at": "2026-11-01"},
... ])
>>> frame["event_id"].tolist(), rejected[0].reason
(['e1'], "type 'teleport' is not one of share, invite, click, conversion, refund, consent_withdrawn, consent_given, do_not_contact")
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from advocates.data.contract import empty_table
from advocates.store import Store

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_FIELDS",
    "EVENT_TYPES",
    "MAX_BATCH",
    "Recorded",
    "RejectedEvent",
    "apply_events",
    "check_events",
    "record_events",
]

#: Most events one API request may carry (a file import is sent in batches of this size).
MAX_BATCH = 1000

EVENT_TYPES = (
    "share",
    "invite",
    "click",
    "conversion",
    "refund",
    "consent_withdrawn",
    "consent_given",
    "do_not_contact",
)
#: Fields a type needs beyond event_id, type, customer_id and occurred_at.
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "conversion": ("friend_customer_id",),
    "refund": ("order_id",),
}
_TEXT_FIELDS = ("campaign_id", "incentive_id", "friend_customer_id", "order_id", "currency")
#: The stored columns of an event, in order.
EVENT_COLUMNS = [
    "event_id",
    "type",
    "customer_id",
    "occurred_at",
    *_TEXT_FIELDS[:4],
    "amount",
    "currency",
]
_MAX_TEXT = 200
_MAX_AMOUNT = 1e9
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class RejectedEvent:
    """An item of a batch that was not stored, and why (``index`` counts from 0)."""

    index: int
    event_id: str | None
    reason: str


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _check_one(item: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The event as stored, or the reason it is refused."""
    if not isinstance(item, Mapping):
        return None, "an event is an object with event_id, type, customer_id and occurred_at"
    event: dict[str, Any] = {c: None for c in EVENT_COLUMNS}
    for field in ("event_id", "type", "customer_id", "occurred_at", *_TEXT_FIELDS):
        value = _text(item.get(field))
        if value is not None and len(value) > _MAX_TEXT:
            return None, f"{field} is longer than {_MAX_TEXT} characters"
        event[field] = value
    for field in ("event_id", "type", "customer_id", "occurred_at"):
        if event[field] is None:
            return None, f"{field} is required"
    if event["type"] not in EVENT_TYPES:
        return None, f"type {event['type']!r} is not one of {', '.join(EVENT_TYPES)}"
    for field in EVENT_FIELDS.get(event["type"], ()):
        if event[field] is None:
            return None, f"a {event['type']} event needs {field}"
    try:
        at = pd.Timestamp(event["occurred_at"])
    except (ValueError, TypeError):
        return None, f"occurred_at {event['occurred_at']!r} is not an ISO 8601 timestamp"
    if pd.isna(at):
        return None, f"occurred_at {event['occurred_at']!r} is not an ISO 8601 timestamp"
    event["occurred_at"] = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    amount = item.get("amount")
    if amount is not None and amount != "":
        try:
            number = float(amount)
        except (TypeError, ValueError):
            return None, f"amount {amount!r} is not a number"
        if not 0 <= number <= _MAX_AMOUNT:  # also refuses NaN and infinity
            return None, f"amount must be a number from 0 to {_MAX_AMOUNT:,.0f}, got {amount!r}"
        event["amount"] = number
    if event["currency"] is not None and not _CURRENCY.match(event["currency"]):
        return None, f"currency {event['currency']!r} is not a three-letter code such as EUR"
    return event, None


def check_events(items: Iterable[Any]) -> tuple[pd.DataFrame, list[RejectedEvent]]:
    """The valid events of a batch as a frame of :data:`EVENT_COLUMNS` (a repeated
    ``event_id`` within the batch kept once), and the rejected items with their reasons."""
    kept: list[dict[str, Any]] = []
    rejected: list[RejectedEvent] = []
    for index, item in enumerate(items):
        event, reason = _check_one(item)
        if event is None:
            raw_id = item.get("event_id") if isinstance(item, Mapping) else None
            rejected.append(RejectedEvent(index, _text(raw_id), str(reason)))
        else:
            kept.append(event)
    frame = pd.DataFrame(kept, columns=EVENT_COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    frame["amount"] = frame["amount"].astype(float)
    return frame.drop_duplicates("event_id").reset_index(drop=True), rejected


@dataclass(frozen=True)
class Recorded:
    """What became of a batch: new events stored, repeats acknowledged, items rejected."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]


def record_events(store: Store, items: Iterable[Any]) -> Recorded:
    """Check a batch and store its valid events durably, once per ``event_id``; consent
    withdrawals and do-not-contact requests take effect in the store at once."""
    events, rejected = check_events(items)
    accepted, duplicates = store.save_events(events) if len(events) else (0, 0)
    return Recorded(accepted=accepted, duplicates=duplicates, rejected=rejected)


def _consent_overrides(events: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Customers with their consent and do-not-contact flags after the consent events."""
    consent = events[events["type"].isin(["consent_withdrawn", "consent_given"])]
    latest = consent.sort_values("occurred_at").groupby("customer_id")["type"].last()
    given = latest.map({"consent_given": True, "consent_withdrawn": False})
    blocked = set(events.loc[events["type"] == "do_not_contact", "customer_id"])
    ids = customers["customer_id"]
    return customers.assign(
        marketing_consent=given.reindex(ids).fillna(customers["marketing_consent"]).to_numpy(bool),
        do_not_contact=customers["do_not_contact"].astype(bool).to_numpy() | ids.isin(blocked),
    )


def apply_events(
    tables: Mapping[str, pd.DataFrame], events: pd.DataFrame, *, as_of: pd.Timestamp
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The input tables with the events up to ``as_of`` applied, and how many of each kind were
    used or could not be (an event of an unknown customer, a share of a customer without a
    social account, a refund of an unknown order)."""
    out = dict(tables)
    events = events[events["occurred_at"] <= as_of]
    if events.empty:
        return out, {"events": 0}
    for name in ("referrals", "interactions", "accounts", "orders"):
        out.setdefault(name, empty_table(name))
    customers = out["customers"]
    known = events["customer_id"].isin(customers["customer_id"])
    report = {"events": len(events), "unknown_customer": int((~known).sum())}
    events = events[known]
    out["customers"] = _consent_overrides(events, customers)

    referral_like = events[events["type"].isin(["invite", "conversion"])]
    converted = referral_like["type"] == "conversion"
    referrals = pd.DataFrame(
        {
            "referral_id": "event:" + referral_like["event_id"],
            "referrer_customer_id": referral_like["customer_id"],
            "invited_at": referral_like["occurred_at"],
            "converted_customer_id": referral_like["friend_customer_id"].where(converted),
            "converted_at": referral_like["occurred_at"].where(converted),
            "order_id": referral_like["order_id"].where(converted),
            "campaign_id": referral_like["campaign_id"],
            "incentive_id": referral_like["incentive_id"],
        }
    )
    out["referrals"] = pd.concat([out["referrals"], referrals], ignore_index=True)

    shares = events[events["type"] == "share"]
    first_account = out["accounts"].drop_duplicates("customer_id").set_index("customer_id")
    owned = shares[shares["customer_id"].isin(first_account.index)]
    account = first_account.reindex(owned["customer_id"])
    interactions = pd.DataFrame(
        {
            "network": account["network"].to_numpy(),
            "actor": account["handle"].to_numpy(),
            "target": account["handle"].to_numpy(),
            "kind": "share",
            "occurred_at": owned["occurred_at"].to_numpy(),
            "content_id": owned["campaign_id"].to_numpy(),
        }
    )
    out["interactions"] = pd.concat([out["interactions"], interactions], ignore_index=True)
    report["share_without_account"] = len(shares) - len(owned)

    refunds = events[events["type"] == "refund"]
    orders = out["orders"]
    refunded = orders["order_id"].isin(refunds["order_id"])
    out["orders"] = orders.assign(status=np.where(refunded, "refunded", orders["status"]))
    report["refund_unknown_order"] = int((~refunds["order_id"].isin(orders["order_id"])).sum())
    for kind in EVENT_TYPES:
        report[kind] = int((events["type"] == kind).sum())
    return out, report

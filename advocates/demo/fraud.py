"""Referral fraud planted in the demo, so that the guardrails show on it as they do on real data.

:func:`plant_fraud` adds, for about one customer in 2,000 (at least one of each):

* self-referrals: a converted referral whose friend has the referrer's e-mail address, written
  with other capitals and a trailing space (the flag trims and lower-cases);
* referral rings: three customers who refer each other in a cycle (each friend's first
  conversion), within the last month;
* invite bursts: a customer who sends 60 invites in one day (over the default limit of 50).

It draws from a generator of its own (seeded from the demo's seed), after every table is made,
so the rest of the demo is the same with or without it; the customers it uses have converted
from no one else. What it planted is returned, for the manifest and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advocates.demo.population import numbered

__all__ = ["BURST_INVITES", "PlantedFraud", "plant_fraud"]

#: Invites a planted burst sends in one day (the default limit is 50).
BURST_INVITES = 60


@dataclass(frozen=True)
class PlantedFraud:
    """Who was planted, by kind: referrers of self-referrals, ring members, burst senders."""

    self_referral: list[str]
    referral_ring: list[str]
    invite_burst: list[str]

    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in vars(self).items()}


def plant_fraud(
    tables: dict[str, pd.DataFrame], *, seed: int, end: str
) -> tuple[dict[str, pd.DataFrame], PlantedFraud]:
    """``tables`` with planted referral fraud (customers' e-mails and extra referrals)."""
    customers, referrals = tables["customers"], tables["referrals"]
    rng = np.random.default_rng([seed, 0xF12A])
    each = max(1, len(customers) // 2000)
    converted = set(referrals["converted_customer_id"].dropna())
    free = customers.loc[~customers["customer_id"].isin(converted), "customer_id"].to_numpy()
    picked = rng.choice(free, size=min(len(free), 6 * each), replace=False)
    pairs, rings, bursts = picked[: 2 * each], picked[2 * each : 5 * each], picked[5 * each :]
    last = pd.Timestamp(end).tz_localize(None).floor("D")
    rows: list[dict[str, object]] = []

    def referral(referrer: str, at: pd.Timestamp, friend: str | None = None) -> None:
        rows.append(
            {
                "referrer_customer_id": referrer,
                "invited_at": f"{at:%Y-%m-%dT%H:%M:%SZ}",
                "channel": "link",
                "converted_customer_id": friend,
                "converted_at": f"{at + pd.Timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}"
                if friend
                else None,
            }
        )

    emails = customers.set_index("customer_id")["email"].copy()
    copied: dict[str, str] = {}  # each self-referred friend's e-mail: their referrer's, altered
    for referrer, friend in zip(pairs[0::2], pairs[1::2], strict=True):
        copied[friend] = f"{str(emails[referrer]).upper()} "
        referral(referrer, last - pd.Timedelta(days=20), friend)
    emails.update(pd.Series(copied, dtype=object))  # one by one, each would copy the column
    for a, b, c in zip(rings[0::3], rings[1::3], rings[2::3], strict=True):
        for days, (referrer, friend) in enumerate([(a, b), (b, c), (c, a)]):
            referral(referrer, last - pd.Timedelta(days=25 - days), friend)
    for sender in bursts:
        for minute in range(BURST_INVITES):
            referral(sender, last - pd.Timedelta(days=3) + pd.Timedelta(minutes=minute))

    earlier = int(referrals["referral_id"].str.startswith("FX").sum())  # planted before
    planted = pd.DataFrame(rows).assign(
        referral_id=numbered("FX", len(rows), start=earlier + 1),
        invitee=lambda f: "planted-" + f.index.astype(str),
    )
    out = dict(tables)
    out["customers"] = customers.assign(email=customers["customer_id"].map(emails))
    out["referrals"] = pd.concat(
        [referrals, planted[referrals.columns.intersection(planted.columns)]], ignore_index=True
    )
    fraud = PlantedFraud(
        self_referral=[str(r) for r in pairs[0::2]],
        referral_ring=[str(r) for r in rings],
        invite_burst=[str(r) for r in bursts],
    )
    return out, fraud

"""All of a customer's features as of one date, and the attributes that decide who may be asked.

:func:`customer_features` joins the purchase, graph, listening and behaviour features of one date
into one frame indexed by customer_id; the nightly run computes it for three dates (the start of
the recent window, the run date, and the first incentive test), each with the audience graph of
that date. :func:`customer_attributes` adds what the eligibility gate and the campaign guardrails
read: consent, do-not-contact, language, PII, fraud flags and recent contacts.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from advocates.data.contract import PII_COLUMNS
from advocates.features.behaviour import behaviour_features
from advocates.features.fraud import contacts_recent, fraud_flags
from advocates.features.graph import AudienceGraph, GraphKernels, graph_features
from advocates.features.listening import listening_features
from advocates.features.purchase import purchase_features

__all__ = ["customer_attributes", "customer_features"]


def customer_features(
    tables: Mapping[str, pd.DataFrame],
    *,
    links: pd.DataFrame,
    evidence: pd.DataFrame,
    graph: AudienceGraph,
    as_of: pd.Timestamp,
    recent_days: int,
    half_life_days: float,
    graph_kernels: bool | GraphKernels = True,
) -> pd.DataFrame:
    """Purchase, graph, listening and behaviour features of every customer as of ``as_of``.

    ``graph`` is the audience graph as of ``as_of``; ``evidence`` the scored texts
    (:func:`advocates.features.listening.text_evidence`). A customer without a graph account
    gets 0 for every graph feature. Without ``graph_kernels``, 2-hop reach and PageRank are left
    out (see :func:`advocates.features.graph.graph_features`).
    """
    customers = tables["customers"]
    purchase = purchase_features(customers=customers, orders=tables["orders"], as_of=as_of)
    graph_part = graph_features(
        graph=graph,
        interactions=tables["interactions"],
        orders=tables["orders"],
        links=links,
        as_of=as_of,
        recent_days=recent_days,
        kernels=graph_kernels,
    )
    listening = listening_features(
        customers=customers,
        evidence=evidence,
        as_of=as_of,
        half_life_days=half_life_days,
        recent_days=recent_days,
    )
    behaviour = behaviour_features(
        customers=customers,
        links=links,
        interactions=tables["interactions"],
        referrals=tables["referrals"],
        as_of=as_of,
        recent_days=recent_days,
    )
    graph_part = graph_part.reindex(purchase.index).fillna(0.0)
    return purchase.join(graph_part).join(listening).join(behaviour)


def customer_attributes(
    tables: Mapping[str, pd.DataFrame],
    *,
    index: pd.Index,
    as_of: pd.Timestamp,
    max_invites_per_day: int,
    contact_period_days: int,
) -> pd.DataFrame:
    """Per customer of ``index``: ``marketing_consent``, ``do_not_contact``, ``language`` and
    ``country`` (codes as :func:`_code` writes them) and the PII columns when present, ``fraud_flag`` (the first fraud reason, or None) and
    ``contacts_recent`` (campaign assignments in the last ``contact_period_days``)."""
    customers = tables["customers"].set_index("customer_id")
    columns = {
        "marketing_consent": customers["marketing_consent"].reindex(index).astype(bool),
        "do_not_contact": customers["do_not_contact"].reindex(index).fillna(False).astype(bool),
        **{
            c: _code(customers[c], c).reindex(index)
            for c in ("language", "country", *PII_COLUMNS)
            if c in customers
        },
        "fraud_flag": fraud_flags(
            customers=tables["customers"],
            referrals=tables["referrals"],
            as_of=as_of,
            max_invites_per_day=max_invites_per_day,
        ).reindex(index),
        "contacts_recent": contacts_recent(
            customers=tables["customers"],
            exposures=tables["exposures"],
            as_of=as_of,
            days=contact_period_days,
        ).reindex(index),
    }
    return pd.DataFrame(columns, index=index)


def _code(values: pd.Series, column: str) -> pd.Series:
    """A language or country code as listings filter by it, whatever case the CRM wrote it in:
    languages in lower case (``fr``), countries in upper case (``FR``); other columns as given.

    >>> _code(pd.Series([" fr ", "Fr"]), "country").tolist()
    ['FR', 'FR']
    """
    if column not in ("language", "country"):
        return values
    text = values.where(values.isna(), values.astype(str).str.strip())
    return text.str.lower() if column == "language" else text.str.upper()

"""The input data contract: the nine tables, their columns and what a valid value is.

This module only declares; :mod:`advocates.data.validation` enforces it and the README's contract table is
checked against it by a test, so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd

from advocates.errors import ConfigurationError

__all__ = [
    "PII_COLUMNS",
    "TABLES",
    "TABLE_ORDER",
    "Column",
    "Kind",
    "TableSpec",
    "empty_table",
    "parse_instant",
]


class Kind(StrEnum):
    """What a column holds, and therefore how a raw value is parsed and checked."""

    ID = "id"  # non-empty text, surrounding spaces stripped
    TEXT = "text"  # any text, may be empty
    TIMESTAMP = "timestamp"  # ISO 8601, UTC when no offset is given
    BOOL = "bool"  # true/false, yes/no, 1/0, t/f, y/n (any case)
    AMOUNT = "amount"  # a number >= 0
    COUNT = "count"  # a whole number >= 0
    RATING = "rating"  # a whole number from 1 to 5
    CHOICE = "choice"  # one of a fixed set of lower-case words


@dataclass(frozen=True)
class Column:
    """One column of a table in the contract."""

    name: str
    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()
    default: object = None  # value used when an optional column is absent or empty
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract."""

    name: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # columns whose combined value must be unique
    required_table: bool = False
    description: str = ""
    references: dict[str, str] = field(default_factory=dict)  # column -> "table.column"

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def optional_columns(self) -> list[str]:
        return [c.name for c in self.columns if not c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _req(name: str, kind: Kind, *choices: str, description: str = "") -> Column:
    return Column(name, kind, True, tuple(choices), None, description)


def _opt(
    name: str, kind: Kind, *choices: str, default: object = None, description: str = ""
) -> Column:
    return Column(name, kind, False, tuple(choices), default, description)


_TABLES = (
    TableSpec(
        "customers",
        (
            _req("customer_id", Kind.ID),
            _req("created_at", Kind.TIMESTAMP),
            _req("marketing_consent", Kind.BOOL),
            _opt("email", Kind.TEXT, description="PII"),
            _opt("name", Kind.TEXT, description="PII"),
            _opt("country", Kind.TEXT),
            _opt("language", Kind.TEXT, description="ISO 639-1 code, e.g. en, fr, ro"),
            _opt("do_not_contact", Kind.BOOL, default=False),
        ),
        unique=("customer_id",),
        required_table=True,
        description="one row per CRM customer",
    ),
    TableSpec(
        "orders",
        (
            _req("order_id", Kind.ID),
            _req("customer_id", Kind.ID),
            _req("ordered_at", Kind.TIMESTAMP),
            _req("amount", Kind.AMOUNT),
            _opt("currency", Kind.TEXT),
            _opt("status", Kind.CHOICE, "completed", "refunded", "cancelled", default="completed"),
            _opt("quantity", Kind.COUNT, default=1),
            _opt("category", Kind.TEXT),
        ),
        unique=("order_id",),
        references={"customer_id": "customers.customer_id"},
        description="refunds count against the customer",
    ),
    TableSpec(
        "accounts",
        (
            _req("customer_id", Kind.ID),
            _req("network", Kind.ID),
            _req("handle", Kind.ID),
        ),
        unique=("network", "handle"),
        references={"customer_id": "customers.customer_id"},
        description="links CRM customers to social-graph nodes; a customer may have several",
    ),
    TableSpec(
        "edges",
        (
            _req("network", Kind.ID),
            _req("source", Kind.ID),
            _req("target", Kind.ID),
            _req("kind", Kind.CHOICE, "follows", "friend"),
            _opt("created_at", Kind.TIMESTAMP),
        ),
        unique=("network", "source", "target", "kind"),
        description="`source follows target`: source is in target's audience; friend is mutual",
    ),
    TableSpec(
        "interactions",
        (
            _req("network", Kind.ID),
            _req("actor", Kind.ID),
            _req("target", Kind.ID),
            _req("kind", Kind.CHOICE, "share", "mention", "reply", "like", "comment"),
            _req("occurred_at", Kind.TIMESTAMP),
            _opt("content_id", Kind.TEXT),
        ),
        references={"actor": "graph.node", "target": "graph.node"},
        description="engagement between a person and members of their graph",
    ),
    TableSpec(
        "mentions",
        (
            _req("mention_id", Kind.ID),
            _req("network", Kind.ID),
            _req("author", Kind.ID),
            _req("posted_at", Kind.TIMESTAMP),
            _req("text", Kind.ID),
            _opt("language", Kind.TEXT),
            _opt("impressions", Kind.COUNT),
            _opt("sentiment_label", Kind.CHOICE, "negative", "neutral", "positive"),
        ),
        unique=("mention_id",),
        description="brand mentions; labelled rows train the sentiment model",
    ),
    TableSpec(
        "reviews",
        (
            _req("review_id", Kind.ID),
            _req("customer_id", Kind.ID),
            _req("created_at", Kind.TIMESTAMP),
            _req("rating", Kind.RATING),
            _opt("text", Kind.TEXT, description="may be empty: a rating alone is a review"),
            _opt("language", Kind.TEXT),
        ),
        unique=("review_id",),
        references={"customer_id": "customers.customer_id"},
        description="product reviews; star ratings are free sentiment labels",
    ),
    TableSpec(
        "referrals",
        (
            _req("referral_id", Kind.ID),
            _req("referrer_customer_id", Kind.ID),
            _req("invited_at", Kind.TIMESTAMP),
            _opt("channel", Kind.TEXT),
            _opt("invitee", Kind.TEXT),
            _opt("converted_customer_id", Kind.TEXT),
            _opt("converted_at", Kind.TIMESTAMP),
            _opt("order_id", Kind.TEXT),
            _opt("campaign_id", Kind.TEXT),
            _opt("incentive_id", Kind.TEXT),
        ),
        unique=("referral_id",),
        references={
            "referrer_customer_id": "customers.customer_id",
            "converted_customer_id": "customers.customer_id",
        },
        description="past referral activity: the propensity and conversion-influence labels",
    ),
    TableSpec(
        "exposures",
        (
            _req("campaign_id", Kind.ID),
            _req("customer_id", Kind.ID),
            _req("arm", Kind.ID, description="an incentive id or `control`"),
            _req("assigned_at", Kind.TIMESTAMP),
            _opt("outcome", Kind.TEXT),
            _opt("outcome_at", Kind.TIMESTAMP),
        ),
        unique=("campaign_id", "customer_id"),
        references={"customer_id": "customers.customer_id"},
        description="past randomised incentive tests: the uplift labels",
    ),
)

#: Table name -> spec, in the order tables are validated (referenced tables first).
TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _TABLES}
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)


#: Customer columns that identify a person: they never leave the system unless the caller may
#: see PII (``--include-pii``, and the API's ``pii`` scope).
PII_COLUMNS = ("email", "name")


def empty_table(name: str) -> pd.DataFrame:
    """An accepted table with no rows and the contract's columns, for a missing optional table.

    >>> empty_table("orders").dtypes["ordered_at"]
    datetime64[us, UTC]
    """
    columns: dict[str, pd.Series] = {}
    for column in TABLES[name].columns:
        if column.kind is Kind.TIMESTAMP:
            columns[column.name] = pd.Series([], dtype="datetime64[us, UTC]")
        elif column.kind in (Kind.AMOUNT, Kind.COUNT, Kind.RATING):
            columns[column.name] = pd.Series([], dtype=float)
        elif column.kind is Kind.BOOL:
            columns[column.name] = pd.Series([], dtype=bool)
        else:
            columns[column.name] = pd.Series([], dtype=object)
    return pd.DataFrame(columns)


def parse_instant(value: str, *, name: str) -> pd.Timestamp:
    """An ISO 8601 date or date-time as a UTC timestamp (UTC when it has no offset), as the
    contract reads timestamps; ConfigurationError naming ``name`` otherwise (empty included).

    >>> parse_instant("2026-11-01", name="--as-of")
    Timestamp('2026-11-01 00:00:00+0000', tz='UTC')
    """
    try:
        parsed = pd.Timestamp(value)
    except ValueError:
        parsed = pd.NaT
    if pd.isna(parsed):  # an empty value parses as NaT
        raise ConfigurationError(f"{name} {value!r} is not an ISO 8601 date")
    return parsed.tz_localize("UTC") if parsed.tzinfo is None else parsed.tz_convert("UTC")

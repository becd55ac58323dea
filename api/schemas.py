"""Response models of the API, split by role: list items, one customer, envelopes, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue

from advocates.campaigns.incentives import (
    CURRENCIES,
    MAX_CATALOGUE_INCENTIVES,
    MAX_REWARD,
)
from advocates.campaigns.plan import MAX_BUDGET, MAX_SEED
from advocates.data.events import MAX_BATCH

Objective = Literal["awareness", "engagement", "conversion"]


class AdvocatePublic(BaseModel):
    """One ranked advocate for one objective."""

    rank: int
    customer_id: str
    score: float = Field(description="Expected value of the objective (see README: Scoring).")
    p_share: float = Field(description="Calibrated probability of sharing in the next window.")
    parts: dict[str, float | None] = Field(description="The figures the score multiplies.")
    sentiment: float
    language: str | None
    explanation: str


class AdvocatesPublic(BaseModel):
    """A page of ranked advocates; ``count`` is the number of eligible advocates in all."""

    data: list[AdvocatePublic]
    count: int
    limit: int
    offset: int
    objective: Objective | Literal["custom"] = Field(
        description="The objective ranked by, or `custom` for a ranking by `weights`."
    )
    weights: dict[str, float] | None = None
    unproven: bool = Field(
        default=False,
        description="True: the customers held back for want of positive evidence, ranked among "
        "themselves; `count` is how many there are.",
    )
    run_id: str


class DetractorPublic(BaseModel):
    """One detractor with reach, and the evidence."""

    rank: int
    customer_id: str
    email: str | None = Field(default=None, description="Only with the `pii` scope.")
    name: str | None = Field(default=None, description="Only with the `pii` scope.")
    detractor_score: float = Field(description="unique_reach_2hop × max(−sentiment, 0.1)")
    sentiment: float
    sentiment_evidence: int = Field(description="Mentions and reviews behind the sentiment.")
    negative_mentions_recent: int
    audience_size: float
    unique_reach_2hop: int
    evidence_id: str | None = Field(description="The mention or review that put them here.")
    evidence_at: datetime | None = Field(
        default=None,
        description="When it was written (null for runs published before it was kept).",
    )
    evidence_text: str | None = Field(
        description="The customer's own words: only with the `pii` scope, else null."
    )
    explanation: str


class DetractorsPublic(BaseModel):
    """A page of detractors; ``count`` is the number of detractors in all."""

    data: list[DetractorPublic]
    count: int
    limit: int
    offset: int
    run_id: str


class ObjectiveScore(BaseModel):
    score: float
    rank: int | None
    explanation: str


class CustomerScorePublic(BaseModel):
    """One customer's scores, features and explanations in the latest run."""

    customer_id: str
    run_id: str
    eligible: bool
    excluded_reason: str | None
    p_share: float
    objectives: dict[str, ObjectiveScore]
    features: dict[str, Any]


class HealthPublic(BaseModel):
    status: Literal["ok"]
    run_id: str
    as_of: str
    published_at: str
    age_seconds: float
    pages_ready: bool = Field(
        description="Whether this process has read what the run's pages need (its served "
        "customers and report: api.warm); until then the first page asked for reads it."
    )


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorPublic(BaseModel):
    """The one shape of every error the API returns."""

    error: ErrorBody


def _a_json_number(value: Any) -> Any:
    # JSON true and false are no numbers (Python would read them as 1 and 0), nor is "5" (which
    # pydantic's lax mode would read as 5): the document says number.
    if isinstance(value, bool | str):
        raise ValueError("Input should be a number, not text, true or false")
    return value


#: A number as JSON writes it: no text, no true or false.
JsonNumber = BeforeValidator(_a_json_number)

Money = Annotated[float, Field(ge=0, le=MAX_REWARD, allow_inf_nan=False), JsonNumber]
#: Not only white space: the catalogue's rules count that as empty (a 400).
Disclosure = Annotated[
    str, Field(min_length=1, max_length=2000, json_schema_extra={"pattern": r"\S"})
]

_CURRENCY_CODES: list[JsonValue] = [*sorted(CURRENCIES)]


class CatalogueItem(BaseModel):
    """One incentive of a catalogue: the two rewards, their currency and kind, an optional cap
    and the disclosure of the material connection in each language. The kind matches the
    rewards: `advocate-only` pays only the advocate (friend_reward 0), `friend-only` only the
    friend (advocate_reward 0), `two-sided` both (each above 0)."""

    # The kind rule is stated in words, not as a oneOf: generators that take a branch of a oneOf
    # drop the properties' own bounds. A breach is a 400 naming the row and column.
    model_config = ConfigDict(extra="forbid")

    incentive_id: str = Field(
        min_length=1,
        max_length=64,
        # Plain ASCII tokens: one regular expression that Python and JSON Schema read alike.
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        json_schema_extra={"not": {"enum": ["none", "holdout"]}},
        description="Letters, digits and `_.:-`, unique within the catalogue; `none` and "
        "`holdout` are reserved.",
    )
    advocate_reward: Money
    friend_reward: Money
    currency: str = Field(
        min_length=3,
        max_length=3,
        examples=["EUR"],
        json_schema_extra={"enum": _CURRENCY_CODES},
        description="ISO 4217, one of those listed; the same for every item of a catalogue.",
    )
    kind: Literal["advocate-only", "friend-only", "two-sided"]
    cap: Money | None = Field(default=None, description="Most this incentive may cost in all.")
    disclosure_en: Disclosure
    disclosure_fr: Disclosure
    disclosure_ro: Disclosure


class CampaignCreate(BaseModel):
    """A campaign to plan on the latest run (the same inputs as `advocates campaign plan`)."""

    model_config = ConfigDict(extra="forbid")

    objective: Objective
    budget: Annotated[float, JsonNumber] = Field(
        ge=0,
        le=MAX_BUDGET,
        allow_inf_nan=False,
        description="Most the plan may expect to spend, in the catalogue's currency.",
    )
    catalogue: list[CatalogueItem] = Field(
        min_length=1,
        # The bound is a setting (ADVOCATES_MAX_CATALOGUE_INCENTIVES), checked by the route
        # (400); the served document states the server's own (api.app), the body cap bounds
        # what is parsed before.
        json_schema_extra={"maxItems": MAX_CATALOGUE_INCENTIVES},
        description="The incentives to choose from: unique `incentive_id`s, one currency "
        "(a catalogue breaking either is a 400 naming the row and column).",
    )
    advocates: Annotated[int, Field(ge=1, le=10_000), JsonNumber] | None = Field(
        default=None,
        description="How many advocates; by default as many as the budget affords.",
    )
    holdout: Annotated[float, JsonNumber] = Field(default=0.1, ge=0, lt=1, allow_inf_nan=False)
    seed: Annotated[int, JsonNumber] = Field(default=0, ge=0, le=MAX_SEED)


class CampaignPublic(BaseModel):
    """A stored campaign plan: the run it came from, its request and totals."""

    campaign_id: str
    run_id: str
    created_at: str
    request: dict[str, Any]
    totals: dict[str, Any]


class AssignmentPublic(BaseModel):
    customer_id: str
    arm: str = Field(description="An incentive_id, `holdout` or `none`.")
    language: str
    disclosure: str | None
    marginal_reach: float
    expected_conversions: float
    expected_incremental_value: float
    expected_cost: float


class AssignmentsPublic(BaseModel):
    data: list[AssignmentPublic]
    count: int
    limit: int
    offset: int
    campaign_id: str


class EventsCreate(BaseModel):
    """A batch of outcome events. Each item: `event_id` (idempotency key), `type` (share,
    invite, click, conversion, refund, consent_withdrawn, consent_given, do_not_contact),
    `customer_id`, `occurred_at` (ISO 8601), and where they apply `campaign_id`,
    `incentive_id`, `friend_customer_id` (a conversion's friend), `order_id` (a refund's
    order), `amount`, `currency`. Items are checked one by one: an invalid one is rejected with
    its reason and the others are kept."""

    model_config = ConfigDict(extra="forbid")

    events: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        examples=[
            [
                {
                    "event_id": "crm-123",
                    "type": "conversion",
                    "customer_id": "C0000042",
                    "friend_customer_id": "C0001234",
                    "occurred_at": "2026-11-02T10:00:00Z",
                    "campaign_id": "plan-20261101T020000Z-a1b2c3",
                    "incentive_id": "DUO10",
                    "amount": 59.0,
                    "currency": "EUR",
                }
            ]
        ],
    )


class RejectedEventPublic(BaseModel):
    index: int = Field(description="The item's place in the batch, from 0.")
    event_id: str | None
    reason: str


class EventsRecorded(BaseModel):
    """What became of a batch: stored (durably, before this answer), repeats, rejects."""

    accepted: int = Field(description="New events stored.")
    duplicates: int = Field(
        description="Events whose event_id was already stored: not stored again."
    )
    rejected: list[RejectedEventPublic]


class AuditEntryPublic(BaseModel):
    at: str
    key_id: str = Field(description="The key that acted (`cli` for the command line).")
    action: str = Field(description="export, pii_read, erase, key_created or key_revoked.")
    target: str | None = Field(description="The route or file concerned.")
    customer_id: str | None = Field(description="The customer concerned (a hash once erased).")
    rows: int | None


class AuditPublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int
    limit: int
    offset: int


class KpiPeriodPublic(BaseModel):
    period: str = Field(
        description="The day (2026-11-02), week (2026-10-27/2026-11-02) or month (2026-11)."
    )
    advocates_asked: int
    shares: int
    invites: int
    clicks: int
    conversions: int
    revenue: float
    rewards_earned: int
    rewards_voided: int
    incentive_cost: float
    roi: float | None = Field(
        description="(revenue − incentive_cost) / incentive_cost; null without cost."
    )


class KpisPublic(BaseModel):
    """The program's KPIs per period, and for one campaign its result against its holdout."""

    granularity: Literal["day", "week", "month"]
    campaign_id: str | None
    data: list[KpiPeriodPublic]
    campaign: dict[str, Any] | None = Field(
        description="With campaign_id: incrementality (treated vs holdout conversion rates, "
        "their difference and its 95% CI, overall and per arm) and expected vs actual."
    )


class HistoryPublic(BaseModel):
    """One customer across the published runs, newest first, and their outcome events."""

    customer_id: str
    runs: list[dict[str, Any]]
    events: list[dict[str, Any]]

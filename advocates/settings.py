"""Settings: one typed object, read from ``ADVOCATES_*`` environment variables.

Library functions never read these themselves; the CLI and the API read them once through
:func:`get_settings` and pass plain values down.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from advocates.campaigns.incentives import MAX_CATALOGUE_INCENTIVES

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every setting of Advocates, with its environment variable ``ADVOCATES_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ADVOCATES_", extra="ignore")

    store_url: str = Field(
        default="sqlite:///advocates.db",
        description="Where scored runs are published: sqlite:///PATH (relative to the "
        "working directory) or sqlite:////ABSOLUTE/PATH; or a PostgreSQL database, "
        "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (any URL libpq takes), for several "
        "API processes or hosts.",
    )
    engine: Literal["pandas", "spark"] = Field(
        default="pandas",
        description="What reads and validates a run's input: 'pandas' in this process, or "
        "'spark', Apache Spark through PySpark on ADVOCATES_SPARK_MASTER (pip install "
        "'advocates[spark]'; Java 17 or newer), for input larger than one machine's memory.",
    )
    spark_master: str = Field(
        default="local[*]",
        description="The Spark master of ADVOCATES_ENGINE=spark: local[*] (every core of this "
        "machine), spark://HOST:7077, yarn, k8s://...",
    )
    rejects_dir: str = Field(
        default="rejects",
        description="Folder where each run writes its rejects file, <run_id>.csv.",
    )
    input_cache_dir: str | None = Field(
        default=None,
        description="Folder where each run keeps its validated input tables, so that the next "
        "run reads only the files that changed and, of a CSV file appended to, only the new "
        "rows (about twice the input's size on disk). Default: beside a SQLite store's file, "
        "<file>.inputs (a PostgreSQL store keeps none unless this is set); 'none' keeps "
        "nothing.",
    )
    max_reject_share: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="A run fails, publishing nothing, when any table rejects more than this "
        "share of its rows.",
    )
    sentiment_gate: float = Field(
        default=0.0,
        ge=-1.0,
        le=1.0,
        description="Customers whose sentiment toward the brand (-1 to +1) is below this are "
        "never ranked as advocates.",
    )
    require_positive_evidence: bool = Field(
        default=True,
        description="Customers are ranked as advocates only with positive evidence: a positive "
        "mention, a review of 4 or 5 stars or a converted referral (the others are listed by "
        "advocates shortlist --unproven, to be asked for a review first). false ranks customers "
        "nobody has heard from, whose sentiment of 0 passes a gate of 0.",
    )
    negative_mentions_gate: int = Field(
        default=2,
        ge=1,
        description="Customers with at least this many negative mentions in the recent window "
        "are gated, whatever their average sentiment.",
    )
    sentiment_half_life_days: float = Field(
        default=180.0,
        gt=0,
        description="Half-life of the recency weight of a mention or review in a customer's "
        "sentiment.",
    )
    retrain_share: float = Field(
        default=0.05,
        ge=0.0,
        description="A model is fitted again when the data it learnt from grew or changed by "
        "more than this share since it was fitted (the sentiment model: labelled mentions and "
        "rated reviews; the customer-value model: completed orders; the sharing-propensity "
        "model: who shared in the recent window; the uplift model: the incentive exposures); "
        "otherwise the previous run's model is reused, and texts it already scored are not "
        "scored again (advocates score --full fits every model anyway).",
    )
    recent_window_days: int = Field(
        default=90,
        ge=1,
        description="Length of the 'recent' window for activity features and of the label "
        "window of the sharing-propensity model.",
    )
    max_invites_per_day: int = Field(
        default=50,
        ge=1,
        description="More referral invites than this from one customer in one day flags them "
        "for referral fraud (implausible velocity).",
    )
    contact_cap: int = Field(
        default=2,
        ge=1,
        description="A customer already assigned this many campaigns within the contact period "
        "is not assigned another.",
    )
    contact_period_days: int = Field(
        default=30, ge=1, description="The period of the contact cap, in days."
    )
    return_window_days: int = Field(
        default=30,
        ge=0,
        description="Days after a referred friend's purchase during which a refund voids the "
        "referral's reward; rewards are pending until then.",
    )
    rate_limit_per_minute: int = Field(
        default=600,
        ge=1,
        description="Most API requests one key (or, with auth off, one client address) may make "
        "in any minute; past it, 429 with Retry-After.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body the API reads; a larger one is refused with 413.",
    )
    heavy_workers: int = Field(
        default=2,
        ge=1,
        description="How many heavy API requests (campaign plans, custom-weight rankings, "
        "exports) run at once.",
    )
    heavy_queue: int = Field(
        default=8,
        ge=0,
        description="How many more heavy requests may wait for a slot; any beyond get 503.",
    )
    heavy_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a heavy request waits for a slot before it gets 503.",
    )
    keep_runs: int = Field(
        default=30,
        ge=1,
        description="How many published runs the store keeps: after each run, older ones are "
        "deleted with their tables (campaign plans are kept).",
    )
    max_input_age_days: int = Field(
        default=7,
        ge=0,
        description="A run fails when the input's newest order, interaction, mention, review "
        "or referral is more than this many days before its date (score old data with --as-of).",
    )
    max_catalogue_incentives: int = Field(
        default=MAX_CATALOGUE_INCENTIVES,
        ge=1,
        le=10_000,
        description="Most incentives one campaign's catalogue may hold: planning time grows "
        "about linearly with it (300 incentives: 0.14 s on the demo data, bench/bench_plan.py).",
    )
    export_max_rows: int = Field(
        default=100_000,
        ge=1,
        description="Largest number of rows one CSV export may stream.",
    )
    api_host: str = Field(default="127.0.0.1", description="Address `advocates serve` binds.")
    auth: Literal["on", "off"] = Field(
        default="on",
        description="`on`: every API request but /health and the docs needs an API key "
        "(`advocates keys create`). `off`: no keys, for local development only; refused unless "
        "the API binds a loopback address.",
    )
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port `advocates serve` binds.")
    warm_every_seconds: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="How often `advocates serve` checks for a newly published run, to read "
        "what its pages need before anyone asks (0: never; the first request reads it).",
    )
    public_url: str = Field(
        default="",
        pattern=r"^(https?://[^/?#\s]+/?)?$",
        description="The address people open the pages at when it is not the one the server "
        "sees, e.g. `https://advocates.example.com` behind a TLS proxy: sign-in forms must "
        "come from it, and the session cookie is sent over HTTPS only when it is https.",
    )
    seed: int = Field(default=0, description="Random seed of model fitting, for reproducible runs.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()

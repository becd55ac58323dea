"""What a store is: the protocol the pipeline, the CLI and the API use, and the records it returns.

A store keeps scored runs, versioned and published atomically: a run is registered as
``writing`` and becomes visible (``published``) only when all of its tables are written, so a run
that fails or is killed is never served. Implementations: :class:`advocates.store.SqliteStore`
and :class:`advocates.store.PostgresStore`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

__all__ = [
    "RUN_FILES",
    "RUN_TABLES",
    "Condition",
    "PlanInfo",
    "RunInfo",
    "Store",
    "StoredKey",
]


#: The side tables a run may publish beside its scores: the audience of each eligible customer
#: (customer_id, member: a number per person of the run's graph), the reward status of converted
#: referrals, and the eligible customers as rankings per request and campaign plans read them
#: (``served``: every score column but the texts).
RUN_TABLES = ("audience", "rewards", "served", "evidence")
#: The side tables kept as one Parquet file in the store rather than as rows: they are read
#: whole, never a row at a time (a 1,000,000-customer run has millions of audience pairs).
RUN_FILES = ("audience", "served")


@dataclass(frozen=True)
class Condition:
    """One condition a listing's rows meet: ``column`` equals ``value`` (``op="="``) or is at
    least it (``op=">="``). Columns are a run's stored columns; the store quotes them."""

    column: str
    op: str
    value: str | float

    def __post_init__(self) -> None:
        if self.op not in ("=", ">=") or not self.column.replace("_", "").isalnum():
            raise ValueError(f"not a listing condition: {self.column} {self.op}")


@dataclass(frozen=True)
class RunInfo:
    """One run of the store."""

    run_id: str
    status: str
    as_of: str
    created_at: str
    published_at: str | None
    report: dict[str, Any]


@dataclass(frozen=True)
class PlanInfo:
    """One stored campaign plan: the run it came from, its request and its totals."""

    plan_id: str
    run_id: str
    created_at: str
    request: dict[str, Any]
    totals: dict[str, Any]


@dataclass(frozen=True)
class StoredKey:
    """One API key as the store keeps it: public id, name, scopes and the salted hash of its
    secret (never the secret itself), with when it was made, last used and revoked."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    salt: str
    hash: str
    created_at: str
    last_used_at: str | None = None
    revoked_at: str | None = None


class Store(Protocol):
    """What the pipeline, the CLI and the API need of a store."""

    url: str

    def run_lock(self) -> AbstractContextManager[None]:
        """Hold the store for one whole run (RunInProgressError when another run holds it)."""
        ...

    def begin_run(self, *, as_of: pd.Timestamp) -> str: ...
    def publish(
        self,
        run_id: str,
        *,
        scores: pd.DataFrame,
        report: dict[str, Any],
        tables: Mapping[str, pd.DataFrame] | None = None,
        as_of: pd.Timestamp | None = None,
        states: Mapping[str, bytes] | None = None,
    ) -> None: ...
    def model_state(self, name: str) -> bytes | None:
        """What the latest publish kept of the model ``name`` for the next run (None: nothing)."""
        ...

    def run_table(self, run_id: str, name: str) -> pd.DataFrame: ...
    def save_plan(
        self,
        run_id: str,
        *,
        request: dict[str, Any],
        totals: dict[str, Any],
        assignments: pd.DataFrame,
    ) -> PlanInfo: ...
    def plan(self, plan_id: str) -> PlanInfo: ...
    def plans(self) -> list[PlanInfo]: ...
    def customer_plans(self, customer_id: str, *, limit: int) -> pd.DataFrame:
        """The latest ``limit`` stored plans that picked ``customer_id``, newest first (plan_id,
        created_at, objective, arm, expected_cost)."""
        ...

    # A page of the assignments as saved; the campaigns layer saves them without disclosures and
    # reads them back with advocates.campaigns.plan.plan_assignments.
    def plan_assignments(
        self, plan_id: str, *, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]: ...
    def fail(self, run_id: str, *, reason: str) -> None: ...
    def latest_run(self) -> RunInfo: ...
    def version(self) -> int:
        """A number that moves on whenever an answer kept from the store may be stale (a run
        published, a contact block, an erasure, a key made or revoked), in any process using
        the store."""
        ...

    def runs(self) -> list[RunInfo]: ...
    def prune_runs(self, *, keep: int) -> list[str]: ...
    def ranked(
        self,
        run_id: str,
        *,
        objective: str,
        limit: int,
        offset: int,
        where: Sequence[Condition] = (),
    ) -> tuple[pd.DataFrame, int]: ...
    def iter_ranked(
        self, run_id: str, *, objective: str, limit: int, chunk_rows: int = 5000
    ) -> Iterator[pd.DataFrame]: ...
    def customer(self, run_id: str, customer_id: str) -> dict[str, Any]: ...
    def eligible(self, run_id: str) -> pd.DataFrame: ...
    def served(self, run_id: str, *, explanations: Sequence[str] = ()) -> pd.DataFrame:
        """The run's ``served`` table (its eligible customers as rankings per request, exports and
        campaign plans read them), loaded once per run and process, with the explanations of
        the ``explanations`` rankings; customers blocked since the run are left out."""
        ...

    def left_out(
        self, run_id: str, *, reason: str, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]:
        """One page of a run's customers left out for ``reason``, by customer id (no personal
        data), and how many there are."""
        ...

    def customer_evidence(self, run_id: str, customer_id: str) -> pd.DataFrame:
        """One customer's texts behind their sentiment in a run (its ``evidence`` table: kind,
        id, at, sentiment, text), newest first; no rows for a run published without it."""
        ...

    def customer_history(self, customer_id: str) -> pd.DataFrame: ...
    def save_key(self, key: StoredKey) -> None: ...
    def api_key(self, key_id: str) -> StoredKey: ...
    def api_keys(self) -> list[StoredKey]: ...
    def revoke_key(self, key_id: str, *, at: str) -> None: ...
    def touch_key(self, key_id: str, *, at: str) -> None: ...
    def save_events(self, events: pd.DataFrame) -> tuple[int, int]: ...
    def events(
        self, *, until: pd.Timestamp | None = None, customer_id: str | None = None
    ) -> pd.DataFrame: ...
    def contact_blocks(self) -> pd.DataFrame: ...
    def suppressed(self, customer_ids: pd.Series) -> pd.Series: ...
    def erase_customer(self, customer_id: str, *, key_id: str) -> dict[str, int]: ...
    def audit(
        self,
        *,
        key_id: str,
        action: str,
        target: str | None = None,
        customer_id: str | None = None,
        rows: int | None = None,
    ) -> None: ...
    def audit_log(self, *, limit: int, offset: int) -> tuple[pd.DataFrame, int]: ...

"""What every SQL store shares, whatever its database: ids, table names, cell values and JSON.

A store backend (:mod:`advocates.store.sqlite`, and a PostgreSQL one beside it) keeps the same
records in the same shape, so these parts live here, free of any database driver:

- the clock and the id formats: :func:`utc_now`, :func:`new_run_id` (``20261101T020000Z-a1b2c3``)
  and :func:`new_plan_id` (``plan-20261101T020000Z-a1b2c3``);
- the names of a run's tables (:func:`scores_table`, :func:`side_table`) and of a plan's
  assignments (:func:`plan_table`), as double-quoted SQL identifiers;
- the Parquet bytes of a run's files (:func:`to_parquet`, :func:`from_parquet`), and
  :class:`KeptFrames`, which keeps the frames read from them per process;
- :func:`cell`, which turns a pandas or numpy value into a plain Python one a driver can bind
  (missing values to ``None``, timestamps to ISO text);
- the JSON of reports, requests and totals (:func:`to_json`) and the records read back from a
  ``runs`` or ``plans`` row (:func:`run_info`, :func:`plan_info`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from advocates.store.base import PlanInfo, RunInfo, StoredKey

__all__ = [
    "ID_COLUMNS",
    "KeptFrames",
    "Row",
    "arrow_table",
    "cell",
    "cells",
    "customer_hash",
    "from_parquet",
    "new_plan_id",
    "new_run_id",
    "parquet_columns",
    "plan_info",
    "plan_table",
    "plans_that_picked",
    "run_info",
    "scores_table",
    "side_table",
    "stored_key",
    "stored_time",
    "suppressed_mask",
    "to_json",
    "to_parquet",
    "utc_now",
    "without_customer",
]


T = TypeVar("T")


class Row(Protocol):
    """A database row whose columns are read by name (``sqlite3.Row``, a dict)."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


def utc_now() -> pd.Timestamp:
    """The current time in UTC, to the second: the stamp of runs and plans."""
    return pd.Timestamp.now(tz="UTC").floor("s")


def new_run_id(now: pd.Timestamp) -> str:
    """A fresh run id for a run begun at ``now``: its UTC time and six random hex digits."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def new_plan_id(now: pd.Timestamp) -> str:
    """A fresh campaign plan id for a plan saved at ``now``: like a run id, prefixed ``plan-``."""
    return f"plan-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def scores_table(run_id: str) -> str:
    """The quoted name of the table holding a run's scores."""
    return '"scores_' + run_id.replace("-", "_") + '"'


def side_table(run_id: str, name: str) -> str:
    """The quoted name of a run's side table ``name`` (one of :data:`RUN_TABLES`)."""
    return f'"{name}_' + run_id.replace("-", "_") + '"'


def plan_table(plan_id: str) -> str:
    """The quoted name of the table holding a campaign plan's assignments."""
    return '"' + plan_id.replace("-", "_") + '"'


def to_parquet(frame: pd.DataFrame) -> bytes:
    """A frame as the bytes of a Parquet file (categorical columns stay dictionary-encoded)."""
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink, compression="zstd")
    return sink.getvalue()


def from_parquet(data: bytes, columns: list[str] | None = None) -> pd.DataFrame:
    """The frame of :func:`to_parquet`'s bytes (only ``columns``, when given)."""
    return pq.read_table(pa.BufferReader(data), columns=columns).to_pandas()


def parquet_columns(data: bytes) -> list[str]:
    """The column names of :func:`to_parquet`'s bytes, read from the file's footer."""
    return list(pq.read_schema(pa.BufferReader(data)).names)


#: Columns that hold a customer id, in any table a run or a plan publishes (what an erasure
#: deletes rows by).
ID_COLUMNS = ("customer_id", "referrer_customer_id", "converted_customer_id")


def without_customer(data: bytes, customer_id: str) -> tuple[bytes | None, int]:
    """A run file (:func:`to_parquet`'s bytes) without the rows of ``customer_id``, and how many
    it had: ``(None, 0)`` when it has none. Its ids are read first, alone: a store keeps dozens
    of runs' files, each hundreds of megabytes at a million customers, and most do not hold the
    customer."""
    ids = from_parquet(data, ["customer_id"])["customer_id"]
    hit = (ids == customer_id).to_numpy(dtype=bool)
    if not hit.any():
        return None, 0
    return to_parquet(from_parquet(data)[~hit]), int(hit.sum())


def customer_hash(secret: bytes, customer_id: str) -> str:
    """The keyed hash (HMAC-SHA-256) under which an erased customer's id is kept."""
    return hmac.new(secret, customer_id.encode(), hashlib.sha256).hexdigest()


def suppressed_mask(customer_ids: pd.Series, secret: bytes, hashes: set[str]) -> pd.Series:
    """True for each of ``customer_ids`` whose keyed hash (:func:`customer_hash` under
    ``secret``) is one of ``hashes``: the customers on a store's suppression list."""
    if not hashes:
        return pd.Series(False, index=customer_ids.index)
    return customer_ids.astype(str).map(lambda i: customer_hash(secret, i) in hashes).astype(bool)


class KeptFrames:
    """Frames read whole from a store (a run's files), kept in this process for the newest
    ``runs`` runs asked for, so that requests share one copy instead of reading it each time.

    A run's files change only when an erasure writes them again, under a new version that the
    caller makes part of ``name``; one load at a time (two requests for a run not yet kept read
    it once). The frames are shared: pandas' copy-on-write keeps a caller's changes to itself.
    A kept value may also be what was read about a file (its columns).
    """

    def __init__(self, runs: int = 2) -> None:
        self._runs = runs
        self._frames: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, run_id: str, name: str, load: Callable[[], T]) -> T:
        """The value ``name`` of ``run_id``, made by ``load`` the first time."""
        with self._lock:
            frames = self._frames.setdefault(run_id, {})
            self._frames.move_to_end(run_id)
            if name not in frames:
                frames[name] = load()
            while len(self._frames) > self._runs:
                self._frames.popitem(last=False)
            value: T = frames[name]
            return value


def cell(value: Any) -> Any:
    """A frame's value as a plain Python one: ``None`` when missing, timestamps as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_json(value: Any) -> str:
    """The stored JSON text of a report, request or totals; what JSON cannot hold becomes text."""
    return json.dumps(value, default=str)


def stored_time(value: Any) -> Any:
    """A stored time as the ISO 8601 text records carry: SQLite keeps the text, PostgreSQL
    gives a ``datetime`` (``None`` stays)."""
    return value.isoformat() if isinstance(value, datetime) else value


def _document(value: Any) -> Any:
    """A stored JSON document: SQLite keeps the text, PostgreSQL gives it parsed."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def run_info(row: Row) -> RunInfo:
    """The record of a row of the ``runs`` table (a run without a report has ``{}``)."""
    return RunInfo(
        row["run_id"],
        row["status"],
        stored_time(row["as_of"]),
        stored_time(row["created_at"]),
        stored_time(row["published_at"]),
        _document(row["report"]) or {},
    )


def plan_info(row: Row) -> PlanInfo:
    """The record of a row of the ``plans`` table."""
    return PlanInfo(
        plan_id=row["plan_id"],
        run_id=row["run_id"],
        created_at=stored_time(row["created_at"]),
        request=_document(row["request"]),
        totals=_document(row["totals"]),
    )


def stored_key(row: Row) -> StoredKey:
    """The record of a row of the ``api_keys`` table (scopes stored comma-separated)."""
    return StoredKey(
        key_id=row["key_id"],
        name=row["name"],
        scopes=tuple(s for s in str(row["scopes"]).split(",") if s),
        salt=row["salt"],
        hash=row["hash"],
        created_at=stored_time(row["created_at"]),
        last_used_at=stored_time(row["last_used_at"]),
        revoked_at=stored_time(row["revoked_at"]),
    )


def cells(values: pd.Series) -> list[Any]:
    """A column's values as :func:`~advocates.store.common.cell` makes each of them, converted
    a column at a time (``cell`` on each of 59 million values was 85 s of a 1,000,000-customer
    publish): missing values ``None``, numpy scalars Python ones, timestamps ISO text."""
    if (
        values.dtype == object  # anything, numpy scalars included: each value as cell makes it
        or isinstance(values.dtype, pd.DatetimeTZDtype)
        or pd.api.types.is_datetime64_dtype(values)
    ):
        return [cell(v) for v in values]
    plain = values.astype(object)  # numbers, booleans, text: Python values
    return plain.where(values.notna(), None).tolist()


def plans_that_picked(
    plans: Iterable[Row], picked: Callable[[str], Row | None], *, limit: int
) -> pd.DataFrame:
    """Of ``plans`` (rows of plan_id, created_at and objective, newest first), the first
    ``limit`` that picked a customer, with the arm and expected cost ``picked`` finds for them in
    a plan's assignments (``None``: not picked): each plan's table read in turn, a few thousand
    rows each, until ``limit`` are found."""
    found: list[dict[str, Any]] = []
    for plan in plans:
        if len(found) >= limit:
            break
        row = picked(plan["plan_id"])
        if row is not None:
            found.append(
                {
                    "plan_id": plan["plan_id"],
                    "created_at": stored_time(plan["created_at"]),
                    "objective": plan["objective"],
                    "arm": row["arm"],
                    "expected_cost": row["expected_cost"],
                }
            )
    return pd.DataFrame(
        found, columns=["plan_id", "created_at", "objective", "arm", "expected_cost"]
    )


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table of the values the store keeps, as ``sqlite3`` writes them
    (:func:`cells`): numbers, booleans and text as they are,
    timestamps as ISO text, categories as their values, any other value as its text."""
    columns = {}
    for name, values in frame.items():
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(values.dtype.categories.dtype)
        array = _plain_values(values)
        if array is None:  # dates, or values of several kinds: a Python value each
            array = _python_values(cells(values))
        if pa.types.is_null(array.type):  # nothing but missing values: a TEXT column
            array = array.cast(pa.string())
        columns[str(name)] = array
    return pa.table(columns)


def _plain_values(values: pd.Series) -> pa.Array | None:
    """A column of numbers, booleans or text (with missing values) as Arrow converts it at once
    (an object column of a million values, 80% text: 0.22 s, where a Python value each took
    0.51 s; 80% missing: 0.03 s against 0.27 s); None for dates and for object columns holding
    anything else."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # (values of several kinds)
        return None
    plain = (
        pa.types.is_string,
        pa.types.is_large_string,
        pa.types.is_boolean,
        pa.types.is_integer,
        pa.types.is_floating,
        pa.types.is_null,
    )
    return array if any(kind(array.type) for kind in plain) else None


def _python_values(values: list[object]) -> pa.Array:
    """Python values as one Arrow array; values of several kinds as their text, as a TEXT column
    of SQLite keeps them."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())

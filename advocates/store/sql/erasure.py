"""Erasing a customer's rows from a store's tables, run files, events and contact blocks: the
same statements in every SQL store, run inside the caller's transaction.

Each store lists its own tables from its catalogue (:data:`ERASED_PREFIXES`), takes its own
locks and keeps the suppression list and the audit log; :func:`erase_rows` does the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from advocates.store.common import ID_COLUMNS, without_customer

__all__ = ["ERASED_PREFIXES", "Execute", "erase_rows"]

#: The tables an erasure looks into: a run's scores and side tables, a plan's assignments.
ERASED_PREFIXES = ("scores_", "audience_", "rewards_", "evidence_", "plan_")

#: Runs one statement (``?`` placeholders) in the caller's transaction; returns its cursor.
Execute = Callable[[str, tuple[Any, ...]], Any]


def erase_rows(
    execute: Execute, customer_id: str, tables: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """Delete ``customer_id``'s rows from ``tables`` (name: its columns; those of
    :data:`ERASED_PREFIXES`), from every run file (written again, under a new version), from the
    events and from the contact blocks; how many rows each kind of table lost."""
    removed = {"runs": 0, "plans": 0, "events": 0, "contact_blocks": 0}
    for table, columns in sorted(tables.items()):
        where = " OR ".join(f'"{c}" = ?' for c in ID_COLUMNS if c in columns)
        if table.startswith(ERASED_PREFIXES) and where:
            count = execute(
                f'DELETE FROM "{table}" WHERE {where}', (customer_id,) * where.count("?")
            ).rowcount
            removed["plans" if table.startswith("plan_") else "runs"] += count
    files = execute("SELECT run_id, name FROM run_files ORDER BY run_id, name", ()).fetchall()
    for file in files:
        key = (file["run_id"], file["name"])
        data = execute("SELECT data FROM run_files WHERE run_id = ? AND name = ?", key).fetchone()
        kept, count = without_customer(bytes(data["data"]), customer_id)
        if kept is not None:
            execute(
                "UPDATE run_files SET data = ?, version = version + 1 "
                "WHERE run_id = ? AND name = ?",
                (kept, *key),
            )
            removed["runs"] += count
    removed["events"] = execute(
        "DELETE FROM events WHERE customer_id = ? OR friend_customer_id = ?",
        (customer_id, customer_id),
    ).rowcount
    removed["contact_blocks"] = execute(
        "DELETE FROM contact_blocks WHERE customer_id = ?", (customer_id,)
    ).rowcount
    return removed

"""Campaign plans in the SQLite store: saved with their assignments, read back by id.

:class:`SqlitePlans` keeps the ``plans`` table (:data:`PLANS_SCHEMA`: the run a plan came from,
its request and its totals, as JSON) and one table of assignments per plan, both written in one
transaction by :meth:`~SqlitePlans.save_plan`; assignments are read back a page at a time, in the
order they were selected. The store keeps the frames it is given: the campaigns layer leaves the
disclosures out of the assignments (they are in the request's catalogue, once per incentive) and
puts them back when reading (:func:`advocates.campaigns.plan.plan_assignments`).
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

import pandas as pd

from advocates.errors import NotFoundError
from advocates.store.base import PlanInfo
from advocates.store.common import (
    new_plan_id,
    plan_info,
    plan_table,
    plans_that_picked,
    to_json,
    utc_now,
)
from advocates.store.sqlite.connection import SqliteConnection, write_frame

__all__ = ["PLANS_SCHEMA", "SqlitePlans"]

#: The table of campaign plans: one row per plan; its assignments are in a table of their own.
PLANS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS plans (plan_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
    "created_at TEXT NOT NULL, request TEXT NOT NULL, totals TEXT NOT NULL)"
)


class SqlitePlans(SqliteConnection):
    """The campaign plans of a SQLite store: saving them and reading them back."""

    def save_plan(
        self,
        run_id: str,
        *,
        request: dict[str, Any],
        totals: dict[str, Any],
        assignments: pd.DataFrame,
    ) -> PlanInfo:
        """Store a campaign plan and its assignments, in one transaction; return its info."""
        now = utc_now()
        plan_id = new_plan_id(now)
        with closing(self._connect()) as con:
            try:
                con.execute("BEGIN IMMEDIATE")
                write_frame(con, plan_table(plan_id), assignments)
                con.execute(
                    "INSERT INTO plans VALUES (?, ?, ?, ?, ?)",
                    (plan_id, run_id, now.isoformat(), to_json(request), to_json(totals)),
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return self.plan(plan_id)

    def plan(self, plan_id: str) -> PlanInfo:
        """A stored plan's info; NotFoundError when there is none of that id."""
        row = self._row("SELECT * FROM plans WHERE plan_id = ?", (plan_id,))
        if row is None:
            raise NotFoundError(f"campaign {plan_id!r} does not exist")
        return plan_info(row)

    def plan_assignments(
        self, plan_id: str, *, limit: int, offset: int
    ) -> tuple[pd.DataFrame, int]:
        """One page of a plan's assignments, in selection order, and how many there are."""
        exists = self._query("SELECT COUNT(*) AS n FROM plans WHERE plan_id = ?", (plan_id,))
        if not int(exists["n"].iloc[0]):  # without reading the request and its catalogue
            raise NotFoundError(f"campaign {plan_id!r} does not exist")
        table = plan_table(plan_id)
        page = self._query(
            f"SELECT * FROM {table} ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset)
        )
        total = int(self._query(f"SELECT COUNT(*) AS n FROM {table}", ())["n"].iloc[0])
        return page, total

    def plans(self) -> list[PlanInfo]:
        """Every stored plan, oldest first."""
        rows = self._reader().execute("SELECT * FROM plans ORDER BY created_at, rowid")
        return [plan_info(row) for row in rows]

    def customer_plans(self, customer_id: str, *, limit: int) -> pd.DataFrame:
        """The latest ``limit`` stored plans that picked ``customer_id``, newest first: plan id,
        when, objective, the arm they were given (an incentive, none or holdout) and its
        expected cost (:func:`~advocates.store.common.plans_that_picked`)."""
        plans = self._reader().execute(
            "SELECT plan_id, created_at, json_extract(request, '$.objective') AS objective "
            "FROM plans ORDER BY created_at DESC, rowid DESC"
        )
        return plans_that_picked(
            plans.fetchall(),
            lambda plan_id: self._row(
                f"SELECT arm, expected_cost FROM {plan_table(plan_id)} WHERE customer_id = ?",
                (customer_id,),
            ),
            limit=limit,
        )

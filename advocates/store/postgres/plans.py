"""The campaign plans of a PostgreSQL store: the ``plans`` table (request and totals as json,
keys in the order written) and one table of assignments per plan, loaded by ``COPY`` and
numbered in the order picked; the same records as the SQLite store's
(:mod:`advocates.store.sqlite.plans`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from psycopg.types.json import Json

from advocates.errors import NotFoundError
from advocates.store.base import PlanInfo
from advocates.store.common import new_plan_id, plan_info, plan_table, plans_that_picked, utc_now
from advocates.store.postgres.connection import ROW, PostgresConnection, write_frame

__all__ = ["PostgresPlans"]


class PostgresPlans(PostgresConnection):
    """The campaign plans of a PostgreSQL store: saving them and reading them back."""

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
        with self._connect() as con, con.transaction():
            write_frame(con, plan_table(plan_id), assignments, ordered=True)
            con.execute(
                "INSERT INTO plans (plan_id, run_id, created_at, request, totals) "
                "VALUES (%s, %s, %s, %s, %s)",
                (plan_id, run_id, now.isoformat(), Json(request), Json(totals)),
            )
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
        if self._row("SELECT 1 FROM plans WHERE plan_id = ?", (plan_id,)) is None:
            raise NotFoundError(f"campaign {plan_id!r} does not exist")
        table = plan_table(plan_id)
        page = self._query(
            f"SELECT * FROM {table} ORDER BY {ROW} LIMIT ? OFFSET ?", (limit, offset)
        ).drop(columns=ROW)
        total = self._row(f"SELECT COUNT(*) AS n FROM {table}")
        return page, int(total["n"]) if total else 0

    def plans(self) -> list[PlanInfo]:
        """Every stored plan, oldest first."""
        rows = self._reader().execute("SELECT * FROM plans ORDER BY created_at, seq")
        return [plan_info(row) for row in rows]

    def customer_plans(self, customer_id: str, *, limit: int) -> pd.DataFrame:
        """The latest ``limit`` stored plans that picked ``customer_id``, newest first (see the
        SQLite store's)."""
        plans = self._reader().execute(
            "SELECT plan_id, created_at, request->>'objective' AS objective FROM plans "
            "ORDER BY created_at DESC, seq DESC"
        )
        return plans_that_picked(
            plans.fetchall(),
            lambda plan_id: self._row(
                f"SELECT arm, expected_cost FROM {plan_table(plan_id)} WHERE customer_id = ?",
                (customer_id,),
            ),
            limit=limit,
        )

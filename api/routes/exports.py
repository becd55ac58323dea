"""Streamed, spreadsheet-safe CSV shortlists."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from advocates.access.keys import Scope
from advocates.data.io import csv_lines
from advocates.errors import ConfigurationError
from advocates.ranking.objectives import parse_ranking
from advocates.ranking.shortlist import (
    check_rankable,
    iter_ranked,
    iter_unproven,
    shortlist_columns,
    shortlist_frame,
)

from ..deps import CallerDep, Heavy, SettingsDep, StoreDep, actor_of, requires
from ..downloads import csv_file
from ..schemas import ErrorPublic
from .advocates import RANKING_ERRORS, ObjectiveQuery, UnprovenQuery, WeightsQuery

router = APIRouter(prefix="/exports", tags=["exports"])


@router.get(
    "/shortlist.csv",
    operation_id="exportShortlist",
    dependencies=[requires(Scope.EXPORT), Heavy],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}},
        **RANKING_ERRORS,
        409: {"model": ErrorPublic, "description": "Every score of the ranking is 0."},
    },
)
def export_shortlist(
    store: StoreDep,
    settings: SettingsDep,
    caller: CallerDep,
    objective: ObjectiveQuery = None,
    weights: WeightsQuery = None,
    limit: Annotated[
        int, Query(ge=1, description="How many rows, at most the export cap (400 above it).")
    ] = 100,
    unproven: UnprovenQuery = False,
) -> StreamingResponse:
    """The top ``limit`` advocates (by ``objective`` or custom ``weights``) as CSV, streamed; no
    PII, no cell a spreadsheet would evaluate. Each export is written to the audit log with
    its row count once it has been sent. Give exactly one of ``objective`` and ``weights``.
    With ``unproven``, the customers held back for want of positive evidence instead."""
    if limit > settings.export_max_rows:
        raise ConfigurationError(
            f"limit {limit} is above the export cap of {settings.export_max_rows} rows"
        )
    ranking = parse_ranking(objective=objective, weights=weights)
    run = store.latest_run()
    listed = iter_unproven if unproven else iter_ranked
    chunks = listed(store, run.run_id, ranking=ranking, limit=limit)
    first_chunk = next(chunks, None)  # before the answer starts: all scores 0 is a 409
    if first_chunk is not None:
        if not unproven:
            check_rankable(first_chunk, ranking.name, run.run_id)
        chunks = itertools.chain([first_chunk], chunks)

    def lines() -> Iterator[str]:
        rows = 0
        for chunk in chunks:
            yield from csv_lines(shortlist_frame(chunk, ranking.name), header=rows == 0)
            rows += len(chunk)
        if rows == 0:  # nobody to list: the header alone
            yield from csv_lines(pd.DataFrame(columns=shortlist_columns(ranking.name)))
        store.audit(
            key_id=actor_of(caller), action="export", target="/v1/exports/shortlist.csv", rows=rows
        )

    what = "unproven" if unproven else "shortlist"
    filename = f"{what}-{ranking.name}-{run.run_id}.csv"
    return csv_file(lines(), filename)

"""Outcome events: campaign tools send back what advocates and their friends did."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from advocates.access.keys import Scope
from advocates.data.events import record_events

from ..deps import StoreDep, requires
from ..schemas import ErrorPublic, EventsCreate, EventsRecorded, RejectedEventPublic

router = APIRouter(prefix="/events", tags=["events"])


@router.post(
    "",
    operation_id="recordEvents",
    dependencies=[requires(Scope.WRITE)],
    response_model=EventsRecorded,
    responses={
        400: {"model": ErrorPublic, "description": "A body that is not JSON."},
        413: {"model": ErrorPublic, "description": "A request body over the size limit."},
    },
)
def record(body: EventsCreate, store: StoreDep) -> EventsRecorded:
    """Store a batch of events, each once per `event_id`, durably before answering; invalid
    items are rejected one by one. `consent_withdrawn` and `do_not_contact` take effect at
    once: from the next request on, that customer is in no listing, export or new plan."""
    recorded = record_events(store, body.events)
    return EventsRecorded(
        accepted=recorded.accepted,
        duplicates=recorded.duplicates,
        rejected=[RejectedEventPublic(**asdict(r)) for r in recorded.rejected],
    )

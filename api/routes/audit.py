"""The audit log: exports, reads of personal data, erasures and key changes."""

from __future__ import annotations

from fastapi import APIRouter

from advocates.access.keys import Scope

from ..deps import Limit, Offset, StoreDep, requires
from ..schemas import AuditEntryPublic, AuditPublic

router = APIRouter(prefix="/audit", tags=["privacy"])


@router.get(
    "",
    operation_id="listAuditEntries",
    dependencies=[requires(Scope.ADMIN)],
    response_model=AuditPublic,
)
def list_audit(store: StoreDep, limit: Limit = 100, offset: Offset = 0) -> AuditPublic:
    """Who (key id) did what (action, route, customer, rows) and when, newest first."""
    page, total = store.audit_log(limit=limit, offset=offset)
    rows = page.astype(object).where(page.notna(), None).to_dict("records")
    return AuditPublic(
        data=[AuditEntryPublic.model_validate(row) for row in rows],
        count=total,
        limit=limit,
        offset=offset,
    )

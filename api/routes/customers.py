"""Erasure: a customer removed from every run, plan and event, and kept out of later runs."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from advocates.access.keys import Scope

from ..deps import CallerDep, StoreDep, actor_of, requires
from ..schemas import ErrorPublic

router = APIRouter(prefix="/customers", tags=["privacy"])


@router.delete(
    "/{customer_id}",
    operation_id="eraseCustomer",
    dependencies=[requires(Scope.ADMIN)],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={404: {"model": ErrorPublic}},
)
def erase_customer(customer_id: str, store: StoreDep, caller: CallerDep) -> Response:
    """Erase a customer: their rows leave every stored run, plan and event at once, and their
    id is kept only as a salted hash on a suppression list, so later runs leave them out even
    when the CRM export still holds them. 404 when the store has nothing of them."""
    store.erase_customer(customer_id, key_id=actor_of(caller))
    return Response(status_code=status.HTTP_204_NO_CONTENT)

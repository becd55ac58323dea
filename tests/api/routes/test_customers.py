"""``DELETE /v1/customers/{id}``: erasure, then 404 for that customer everywhere."""

from __future__ import annotations

import httpx

from tests.api.helpers import ClientWith, assert_error


def test_an_erased_customer_is_gone_from_every_answer(private_with: ClientWith) -> None:
    admin, reader = private_with("admin"), private_with("read,export")
    params = {"objective": "awareness", "limit": 1000}
    before = reader.get("/v1/advocates", params=params).json()
    erased = before["data"][0]["customer_id"]

    gone = admin.delete(f"/v1/customers/{erased}")
    assert gone.status_code == 204 and gone.content == b""

    assert_error(reader.get(f"/v1/advocates/{erased}"), 404, "not_found")
    after = reader.get("/v1/advocates", params=params).json()
    assert after["count"] == before["count"] - 1
    assert erased not in {a["customer_id"] for a in after["data"]}
    export = reader.get(
        "/v1/exports/shortlist.csv", params={"objective": "awareness", "limit": 500}
    )
    assert erased not in export.text
    assert_error(admin.delete(f"/v1/customers/{erased}"), 404, "not_found")
    assert_error(admin.delete("/v1/customers/C_NOBODY"), 404, "not_found")


def test_erasure_needs_the_admin_scope(private_with: ClientWith) -> None:
    writer: httpx.Client = private_with("read,write,export,pii")
    assert_error(writer.delete("/v1/customers/C0000001"), 403, "forbidden")

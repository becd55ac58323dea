"""``/v1/exports``: the streamed shortlist CSV."""

from __future__ import annotations

import csv
import io

import httpx


def test_streamed_csv_export_is_spreadsheet_safe_and_has_no_pii(client: httpx.Client) -> None:
    response = client.get(
        "/v1/exports/shortlist.csv", params={"objective": "engagement", "limit": 300}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [int(r["rank"]) for r in rows] == list(range(1, min(300, len(rows)) + 1))
    assert "email" not in rows[0]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from advocates.data.inputs import InputCache, validated_inputs
from advocates.data.io import find_table_files
from advocates.data.validation import TableResult
from tests.helpers import write_demo


def _validate(
    folder: Path, cache: InputCache | None = None, *, reuse: bool = True
) -> tuple[dict[str, TableResult], dict[str, str]]:
    return validated_inputs(find_table_files(folder), cache=cache, reuse=reuse)


def _assert_same(got: dict[str, TableResult], expected: dict[str, TableResult]) -> None:
    assert got.keys() == expected.keys()
    for name in expected:
        pd.testing.assert_frame_equal(got[name].frame, expected[name].frame, obj=name)
        pd.testing.assert_frame_equal(
            got[name].rejects.reset_index(drop=True),
            expected[name].rejects.reset_index(drop=True),
            obj=f"{name} rejects",
        )
        assert got[name].rows_in == expected[name].rows_in


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    # Some broken rows: bad values, bad bytes, lines with an extra field.
    return write_demo(tmp_path / "demo", customers=300, broken=0.02)


def test_files_unchanged_since_they_were_kept_are_not_read_and_give_the_same_tables(
    tmp_path: Path, demo: Path
) -> None:
    cache = InputCache(tmp_path / "cache")
    first, how = _validate(demo, cache)
    assert set(how.values()) == {"read whole"}
    again, how = _validate(demo, cache)
    assert set(how.values()) == {"unchanged (kept)"}
    _assert_same(again, first)
    assert all(result.rejected for result in first.values() if result.name == "orders")


def _order(order_id: str, customer_id: str, amount: str = "10.00", extra: str = "") -> bytes:
    line = f'"{order_id}","{customer_id}","2026-10-30T10:00:00Z",{amount},"EUR","completed",1,"kitchen"'
    return (line + extra + "\n").encode()


def test_of_a_file_appended_to_only_the_new_rows_are_read_and_checked_as_a_whole_read_would(
    tmp_path: Path, demo: Path
) -> None:
    cache = InputCache(tmp_path / "cache")
    first, _ = _validate(demo, cache)
    kept_order = first["orders"].frame.iloc[0]
    customer = str(kept_order["customer_id"])
    with (demo / "orders.csv").open("ab") as sink:
        sink.write(_order("N1", customer))
        sink.write(_order("N2", customer, amount="-3"))
        sink.write(_order(str(kept_order["order_id"]), customer))  # a kept order's id again
        sink.write(_order("N3", "C9999999"))  # no such customer
        sink.write(_order("N4", customer, extra=',"one field too many"'))
        sink.write(_order("N5", customer).replace(b"kitchen", b"kitch\xffen"))  # not UTF-8
        sink.write(_order("N1", customer))  # a new row's id again
    appended, how = _validate(demo, cache)
    assert how["orders"] == "appended: 7 rows"
    assert {how[name] for name in how if name != "orders"} == {"unchanged (kept)"}
    whole, _ = _validate(demo)
    _assert_same(appended, whole)
    rejects = appended["orders"].rejects
    new = rejects[rejects["row"] > first["orders"].rows_in + 1]
    assert len(new) == 6 and "N1" in set(appended["orders"].frame["order_id"])
    reasons = " | ".join(new["reason"])
    first_row = int(kept_order["_row"])
    assert f"duplicate order_id '{kept_order['order_id']}' (first at row {first_row})" in reasons
    assert "unknown customer_id 'C9999999'" in reasons and "is negative" in reasons
    # The next night, the file as it is now is kept.
    again, how = _validate(demo, cache)
    assert how["orders"] == "unchanged (kept)"
    _assert_same(again, whole)


def test_rows_are_checked_against_every_row_of_a_table_appended_to(
    tmp_path: Path, demo: Path
) -> None:
    # Edges appended to (a new handle among them) and interactions appended to: the new
    # interactions, and every interaction once edges changed, are checked against all edges.
    cache = InputCache(tmp_path / "cache")
    first, _ = _validate(demo, cache)
    edge = first["edges"].frame.iloc[0]
    network, known = str(edge["network"]), str(edge["source"])
    with (demo / "edges.csv").open("ab") as sink:
        sink.write(f'"{network}","newcomer","{known}","follows","2026-10-30T10:00:00Z"\n'.encode())
    header = (demo / "interactions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.replace('"', "").startswith("network,actor,target,kind,occurred_at")
    with (demo / "interactions.csv").open("ab") as sink:
        for actor in ("newcomer", known, "nobody-at-all"):
            sink.write(
                f'"{network}","{actor}","{known}","like","2026-10-30T10:00:00Z",""\n'.encode()
            )
    appended, how = _validate(demo, cache)
    assert how["edges"] == "appended: 1 rows"
    assert how["interactions"] == "read whole"  # (checked against edges, which changed)
    whole, _ = _validate(demo)
    _assert_same(appended, whole)
    assert appended["interactions"].rows_in - appended["interactions"].accepted == (
        first["interactions"].rows_in - first["interactions"].accepted + 1  # nobody-at-all
    )


def test_a_table_is_read_whole_when_a_table_its_rows_point_at_changed(
    tmp_path: Path, demo: Path
) -> None:
    cache = InputCache(tmp_path / "cache")
    _validate(demo, cache)
    customers = (demo / "customers.csv").read_bytes().splitlines(keepends=True)
    (demo / "customers.csv").write_bytes(b"".join(customers[:1] + customers[2:]))
    changed, how = _validate(demo, cache)
    # Orders, accounts, reviews, referrals, exposures and interactions point at customers
    # (interactions through accounts); edges and mentions point at nothing.
    assert how["edges"] == how["mentions"] == "unchanged (kept)"
    assert {how[name] for name in how if name not in ("edges", "mentions")} == {"read whole"}
    _assert_same(changed, _validate(demo)[0])


def _reorder(demo: Path) -> None:
    lines = (demo / "orders.csv").read_bytes().splitlines(keepends=True)
    (demo / "orders.csv").write_bytes(b"".join([lines[0], *lines[2:], lines[1]]))


def _end_without_line_break(demo: Path) -> None:
    path = demo / "orders.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))


def _continue_last_line(demo: Path) -> None:
    with (demo / "orders.csv").open("ab") as sink:  # the kept file ended without a line break:
        sink.write(b"\n" + _order("N1", "C0000001"))  # its last line goes on with these bytes


def _compress(demo: Path) -> None:
    with gzip.open(demo / "orders.csv.gz", "wb") as sink:
        sink.write((demo / "orders.csv").read_bytes())
    (demo / "orders.csv").unlink()


def _append_compressed(demo: Path) -> None:
    with gzip.open(demo / "orders.csv.gz", "ab") as sink:  # a second gzip member: new rows
        sink.write(_order("N1", "C0000001"))


@pytest.mark.parametrize(
    ("before", "change"),
    [
        (None, _reorder),
        (_end_without_line_break, _continue_last_line),
        (_compress, _append_compressed),
    ],
    ids=["reordered", "appended-after-a-last-line-without-a-line-break", "compressed-appended"],
)
def test_a_file_is_kept_while_unchanged_and_read_whole_once_changed_but_by_appending_rows(
    tmp_path: Path, demo: Path, before: Any, change: Any
) -> None:
    cache = InputCache(tmp_path / "cache")
    if before is not None:
        before(demo)
    _validate(demo, cache)
    assert _validate(demo, cache)[1]["orders"] == "unchanged (kept)"
    change(demo)
    changed, how = _validate(demo, cache)
    assert how["orders"] == "read whole"
    _assert_same(changed, _validate(demo)[0])


def test_without_reuse_or_with_a_broken_entry_every_file_is_read_whole(
    tmp_path: Path, demo: Path
) -> None:
    cache = InputCache(tmp_path / "cache")
    first, _ = _validate(demo, cache)
    assert set(_validate(demo, cache, reuse=False)[1].values()) == {"read whole"}
    # An entry whose files are gone, one that is not JSON, one made by other code.
    for arrow in (tmp_path / "cache").glob("orders-*.frame.arrow"):
        arrow.unlink()
    (tmp_path / "cache" / "customers.json").write_text("{not json")
    meta = tmp_path / "cache" / "edges.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "code": "other"}))
    again, how = _validate(demo, cache)
    assert how["orders"] == how["customers"] == how["edges"] == "read whole"
    _assert_same(again, first)


def test_a_cache_that_cannot_be_written_costs_the_next_run_a_whole_read_not_this_run(
    tmp_path: Path, demo: Path
) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    cache = InputCache(tmp_path / "cache")
    results, how = _validate(demo, cache)
    assert all(text.startswith("read whole; not kept for the next run: ") for text in how.values())
    _assert_same(results, _validate(demo)[0])
    assert set(_validate(demo, cache)[1].values()) == set(how.values())

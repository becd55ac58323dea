"""The Spark engine reads and validates the input contract as the pandas engine does: the same
accepted rows (values, dtypes, file rows) and the same rejects (row, column, reason, value)."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from advocates.data.contract import TABLES
from advocates.data.inputs import validated_inputs
from advocates.data.io import find_table_files, read_raw_table
from advocates.data.validation import TableResult, validate_table
from advocates.errors import MissingColumnsError, TableReadError
from advocates.spark import inputs as spark_inputs
from advocates.spark import validation as spark_validation
from advocates.spark.tables import validated_tables
from tests.spark.helpers import DemoInputs, assert_same_results

# PySpark 4 warns that it does not fully support pandas 3 yet, and calls astype(copy=...).
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def _both(spark: Any, folder: Path) -> tuple[dict[str, TableResult], dict[str, TableResult]]:
    """What the Spark engine and the pandas engine make of ``folder``."""
    files = find_table_files(folder)
    expected, _ = validated_inputs(files)
    got = {name: result.to_pandas() for name, result in validated_tables(spark, files).items()}
    return got, expected


def test_the_demo_data_gives_the_pandas_engines_accepted_rows_and_rejects(
    demo_inputs: DemoInputs,
) -> None:
    # The demo is broken on purpose (1% of rows): bad values, unknown references, duplicates,
    # bytes that are not UTF-8 and lines with an extra field.
    expected = demo_inputs.pandas
    assert_same_results({n: r.to_pandas() for n, r in demo_inputs.spark.items()}, expected)
    reasons = pd.concat([r.rejects for r in expected.values()])["reason"]
    for kind in ("expected ", "invalid UTF-8", "duplicate ", "unknown ", "not an ISO 8601"):
        assert reasons.str.startswith(kind).any() or reasons.str.contains(kind).any(), kind


#: Timestamps pandas' ISO 8601 parser reads and refuses, as exports write them and do not.
TIMESTAMPS = [
    "2024", "2024-01", "2024-12", "2024-01-02", "20240102", "2024-1-2", "2024/01/02",
    "2024-01-02T03", "2024-01-02T03:04", "2024-01-02T03:04:05", "2024-01-02 03:04:05",
    "2024-01-02t03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05z",
    "2024-01-02T03:04:05+01:00", "2024-01-02T03:04:05+0100", "2024-01-02T03:04:05+01",
    "2024-01-02 03:04:05.123456+01", "2024-01-02T03:04:05 +01:00", "2024-01-02T03:04:05.1",
    "2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05,5", "2024-01-02T24:00:00",
    "2024-01-02T23:59:60", "2024-02-30", "2024-02-29", "2023-02-29", "2024-01-02T03:04:05UTC",
    "2024-01-02T03:04:05+01:30", "2024-01-02T03:04:05-23:59", "2024-01-02T03:04:05+24:00",
    "2024-01-02T03:04:05+19:00", "2024-W01", "+2024-01-02", "2024-01-02T0304",
    "2024-01-02T3:04:05", "2024-01-02T03:04:05.", "12024-01-02", "2024-01-02T",
    "2024-13-01", "2024-00-10", "2024-01-02  03:04:05", "2024-01-02T03:04:05-00:00",
    "2024-01-02T03:04:05+1:00", "202401", "last tuesday", "31/02/2025", "  2024-05-06  ",
]  # fmt: skip
#: Amounts pd.to_numeric reads and refuses.
AMOUNTS = [
    "1e5", "+5", ".5", "5.", "1_000", "0x10", "1,5", "1d", "inf", "-Infinity", "nan", "-",
    "1e", "١٢", "-0", "00012", "1E+05", "+.5e-3", "1e400", "1e-400", "12,50 EUR", "-19.90",
    "0.1", " 7 ", "\u00a09.5\u2003",
]  # fmt: skip


def _orders(n: int, **columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(n)],
            "customer_id": ["c1"] * n,
            "ordered_at": ["2024-03-01T10:00:00Z"] * n,
            "amount": ["10"] * n,
        }
    )
    return frame.assign(**columns)


def _write(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["c1", "c2", " c3\t", "", "c2", "c5", "c6", "c7"],
        "created_at": [
            *["2024-01-01", "2024-02-01T10:00:00+02:00", "2024-01-05", "2024-01-01"],
            *["2024-01-01", "yesterday", "2024-01-01", "2024-01-01"],
        ],
        "marketing_consent": ["yes", "0", "TRUE", "no", "y", "maybe", "", "F"],
        "do_not_contact": ["", "true", "no", "", "", "", "x", "1"],
        "note": ["extra", "", "kept", "as", "text", "", "", "!"],
    }
)


def test_bad_timestamps_numbers_booleans_and_choices_are_rejected_alike(
    spark: Any, tmp_path: Path
) -> None:
    n = len(TIMESTAMPS) + len(AMOUNTS) + 6
    amounts = ["10"] * len(TIMESTAMPS) + AMOUNTS + ["10"] * 6
    stamps = TIMESTAMPS + ["2024-03-01"] * (len(AMOUNTS) + 6)
    status = ["completed"] * (n - 6) + ["COMPLETED", "Refunded", "lost", "", " cancelled ", "x"]
    # (an unreadable quantity beside "2.5", and infinities: see the test below)
    quantity = (["1", "2.0", "2.5", "-1", "3", " 4 "] * n)[:n]
    orders = _orders(n, ordered_at=stamps, amount=amounts, status=status, quantity=quantity)
    reviews = pd.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(8)],
            "customer_id": ["c1"] * 8,
            "created_at": ["2024-03-01"] * 8,
            "rating": ["1", "5", "6", "0", "4.0", "four", "", "3"],
            "text": ["ok", "", "  ", "bad", "", "x", "y", "z"],
        }
    )
    folder = _write(tmp_path / "in", {"customers": CUSTOMERS, "orders": orders, "reviews": reviews})
    got, expected = _both(spark, folder)
    assert_same_results(got, expected)
    # (the comparison is not of two empty frames)
    assert expected["orders"].accepted > 20 and expected["orders"].rejected > 40
    assert expected["reviews"].frame["rating"].dtype == "Int64"


def test_counts_that_are_no_whole_numbers_are_rejected_alike(spark: Any, tmp_path: Path) -> None:
    # (the pandas engine crashed on these before: 2.5 beside an unreadable value, infinities;
    # and kept 1e30 as a negative number)
    quantity = ["2.5", "x", "inf", "-inf", "1e400", "1e30", "3", ""]
    orders = _orders(len(quantity), quantity=quantity)
    got, expected = _both(
        spark, _write(tmp_path / "in", {"customers": CUSTOMERS, "orders": orders})
    )
    assert_same_results(got, expected)
    assert expected["orders"].rejects["value"].tolist() == quantity[:6]


def test_timestamps_outside_pandas_nanosecond_range_are_always_refused(
    spark: Any, tmp_path: Path
) -> None:
    # The pandas engine's verdict on these depends on the other values of their block of 8,192
    # rows (see advocates.spark.validation); with a value needing nanoseconds in the block, it
    # refuses them too.
    far = ["1600-01-01", "1600-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2262-04-12"]
    stamps = [*far, "2024-01-02T03:04:05.123456789Z", "1677-09-22", "2262-04-10T23:00:00Z"]
    path = tmp_path / "orders.csv"
    _orders(len(stamps), ordered_at=stamps).to_csv(path, index=False)
    raw = spark_inputs.read_table(spark, "orders", path)
    got = spark_validation.validate_table(raw, TABLES["orders"]).to_pandas()
    expected = validate_table(read_raw_table("orders", path), TABLES["orders"])
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    pd.testing.assert_frame_equal(got.rejects, expected.rejects)
    assert got.rejects["row"].tolist() == [2, 3, 4, 5]


def test_duplicates_self_loops_and_unknown_references_are_rejected_alike(
    spark: Any, tmp_path: Path
) -> None:
    accounts = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c9", "c1", "c2"],
            "network": ["x", "x", "x", "ig", "x"],
            "handle": ["ann", "bob", "ghost", "ann.b", "bob"],
        }
    )
    edges = pd.DataFrame(
        {
            "network": ["x", "x", "x", "x", "x", "ig"],
            "source": ["ann", "bob", "carl", "carl", "dan", "ann.b"],
            "target": ["bob", "bob", "ann", "ann", "ann", "zoe"],
            "kind": ["follows", "friend", "follows", "Follows", "blocks", "friend"],
        }
    )
    interactions = pd.DataFrame(
        {
            "network": ["x", "x", "x", "tiktok", "ig"],
            "actor": ["ann", "carl", "nobody", "ann", "zoe"],
            "target": ["bob", "nobody", "ann", "bob", "ann.b"],
            "kind": ["share", "like", "share", "reply", "comment"],
            "occurred_at": ["2024-03-01"] * 5,
        }
    )
    referrals = pd.DataFrame(
        {
            "referral_id": ["f1", "f2", "f3", "f4", "f1"],
            "referrer_customer_id": ["c1", "c9", "c2", "c9", "c2"],
            "invited_at": ["2024-03-01"] * 5,
            "converted_customer_id": ["c2", "", "c8", "c8", ""],
            "converted_at": ["2024-02-01", "", "2024-03-02", "2024-03-02", ""],
        }
    )
    exposures = pd.DataFrame(
        {
            "campaign_id": ["k1", "k1", "k1", "k2"],
            "customer_id": ["c1", "c2", "c1", "c1"],
            "arm": ["both10", "control", "adv5", "control"],
            "assigned_at": ["2024-03-01"] * 4,
        }
    )
    tables = {
        "customers": CUSTOMERS,
        "orders": _orders(3, customer_id=["c1", "c4", "c3"]),
        "accounts": accounts,
        "edges": edges,
        "interactions": interactions,
        "referrals": referrals,
        "exposures": exposures,
    }
    got, expected = _both(spark, _write(tmp_path / "in", tables))
    assert_same_results(got, expected)
    assert sum(result.rejected for result in expected.values()) >= 15


def _raw_lines(
    folder: Path, name: str, header: str, lines: list[bytes], *, line_end: bytes = b"\n"
) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    body = header.encode() + line_end + b"".join(line + line_end for line in lines)
    path.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
    return folder


@pytest.mark.parametrize("name", ["customers.csv", "customers.csv.gz"])
def test_broken_lines_bad_bytes_and_quoted_line_breaks_are_read_alike(
    spark: Any, tmp_path: Path, name: str
) -> None:
    lines = [
        b"c1,2024-01-01,yes,Ann",
        b"c2,2024-01-01,no,B\xe9a",  # a Latin-1 byte: not UTF-8
        b"c3,2024-01-01,yes,Carl,unexpected",  # a field too many
        b"c4,2024-01-01",  # fields missing: read as empty
        b'c5,2024-01-01,yes,"Dan, Jr."',
        b'c6,2024-01-01,yes,"say ""hi"""',
        b"",  # a blank line is no record
        b"c7,2024-01-01,t,\xff\xfe",
    ]
    folder = _raw_lines(
        tmp_path / "in", name, "customer_id,created_at,marketing_consent,name", lines
    )
    got, expected = _both(spark, folder)
    assert_same_results(got, expected)
    assert set(expected["customers"].rejects["reason"]) >= {
        "expected 4 fields, saw 5",
        "invalid UTF-8 bytes",
        "required value is empty",
    }


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_quoted_line_breaks_and_a_byte_order_mark_are_read_alike(
    spark: Any, tmp_path: Path, line_end: bytes
) -> None:
    lines = [
        b'c1,2024-01-01,yes,"Ann\nSmith"',
        b"c2,2024-01-01,maybe,Bob",
        b'c3,2024-01-01,yes,"Carl\r\nJones"',
        b"c4,not a date,yes,Dan ",
    ]
    header = codecs.BOM_UTF8.decode() + " customer_id , created_at,marketing_consent,name"
    folder = _raw_lines(tmp_path / "in", "customers.csv", header, lines, line_end=line_end)
    got, expected = _both(spark, folder)
    assert_same_results(got, expected)
    assert expected["customers"].rejects["row"].tolist() == [3, 5]


def test_a_file_with_a_header_alone_has_no_rows_in_either_engine(
    spark: Any, tmp_path: Path
) -> None:
    folder = _raw_lines(tmp_path / "in", "orders.csv", "order_id,customer_id,ordered_at,amount", [])
    files = find_table_files(folder)
    expected = validate_table(read_raw_table("orders", files["orders"]), TABLES["orders"])
    raw = spark_inputs.read_table(spark, "orders", files["orders"])
    got = spark_validation.validate_table(raw, TABLES["orders"]).to_pandas()
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    pd.testing.assert_frame_equal(got.rejects, expected.rejects)
    assert got.rows_in == expected.rows_in == 0


def test_parquet_with_native_types_is_validated_alike(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    customers = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", None],
            "created_at": pd.to_datetime(
                ["2024-01-01", "2024-02-01", None, "2024-01-01"], utc=True
            ),
            "marketing_consent": [True, False, True, True],
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o1"],
            "customer_id": ["c1", "c1", "c2", "c9", "c2"],
            "ordered_at": pd.to_datetime(["2024-03-01 10:00"] * 5).astype("datetime64[us]"),
            "amount": [10.5, -2.0, np.nan, 3.0, 1.0],
            "quantity": [1, 2, 3, 4, 5],
            "status": ["completed", "refunded", "completed", "cancelled", "lost"],
        }
    )
    customers.to_parquet(folder / "customers.parquet", index=False)
    orders.to_parquet(folder / "orders.parquet", index=False)
    got, expected = _both(spark, folder)
    assert_same_results(got, expected)
    assert expected["orders"].rejects["row"].tolist() == [2, 3, 4, 5]


def _spark_validated(spark: Any, path: Path) -> None:
    raw = spark_inputs.read_table(spark, "customers", path)
    spark_validation.validate_table(raw, TABLES["customers"])


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"", TableReadError, "file is empty"),
        ("customer_id,name\n".encode("utf-16"), TableReadError, "UTF-16"),
        (b"customer_id,created_at,created_at\nc1,x,y\n", TableReadError, "more than once"),
        (b"customer_id,name\nc1,Ann\n", MissingColumnsError, "created_at, marketing_consent"),
    ],
)
def test_files_refused_whole_are_refused_with_the_same_error(
    spark: Any, tmp_path: Path, content: bytes, error: type[Exception], message: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    with pytest.raises(error, match=message) as pandas_error:
        validate_table(read_raw_table("customers", path), TABLES["customers"])
    with pytest.raises(error, match=message) as spark_error:
        _spark_validated(spark, path)
    assert str(spark_error.value) == str(pandas_error.value)


def test_a_file_read_in_several_splits_is_numbered_as_one(spark: Any, tmp_path: Path) -> None:
    # Without quoted line breaks Spark reads a file in splits (here of 16 KiB): each record's
    # row is still its row in the file.
    n = 3000
    orders = _orders(n, amount=[str(i % 7 - 1) for i in range(n)])
    orders.loc[[5, 1500, 2999], "ordered_at"] = "soon"
    path = tmp_path / "orders.csv"
    orders.to_csv(path, index=False)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "16384")
    try:
        raw = spark_inputs.read_table(spark, "orders", path, quoted_newlines=False)
        assert raw.frame.rdd.getNumPartitions() > 5
        got = spark_validation.validate_table(raw, TABLES["orders"]).to_pandas()
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    expected = validate_table(read_raw_table("orders", path), TABLES["orders"])
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    pd.testing.assert_frame_equal(got.rejects, expected.rejects)
    assert got.frame["_row"].is_monotonic_increasing and got.rows_in == n


def test_what_spark_keeps_of_a_result_is_released_on_demand(spark: Any, tmp_path: Path) -> None:
    tables = {"customers": CUSTOMERS, "orders": _orders(3, customer_id=["c1", "c4", "c3"])}
    results = validated_tables(spark, find_table_files(_write(tmp_path / "in", tables)))
    orders = results["orders"]
    # The checked rows, and the join that checks the customers referred to.
    assert len(orders.cached) == 2 and all(frame.is_cached for frame in orders.cached)
    orders.unpersist()
    assert not any(frame.is_cached for frame in orders.cached)
    # (read again from the file when asked)
    assert orders.to_pandas().frame["order_id"].tolist() == ["o0", "o2"]

from __future__ import annotations

import codecs
import csv
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advocates.data.contract import TABLES
from advocates.data.io import (
    _decimal,
    _decimals,
    _plain,
    csv_lines,
    find_table_files,
    read_raw_table,
    spreadsheet_safe,
    write_csv,
    write_table,
)
from advocates.data.validation import validate_table
from advocates.errors import InputError, TableReadError

HEADER = b"customer_id,created_at,marketing_consent,name\n"


def test_bad_bytes_and_extra_fields_become_rejects_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(
        HEADER
        + b"c1,2024-01-01,yes,Ann\nc2,2024-01-01,yes,A,B\nc3,2024-01-01,no,Bj\xf6rn\nc4,2024-01-01,yes,Zo\xc3\xab\n"
    )
    result = validate_table(read_raw_table("customers", path), TABLES["customers"])
    assert result.frame["customer_id"].tolist() == ["c1", "c4"]
    assert result.frame["name"].tolist() == ["Ann", "Zoë"]
    assert result.rejects[["row", "reason"]].to_dict("records") == [
        {"row": 3, "reason": "expected 4 fields, saw 5"},
        {"row": 4, "reason": "invalid UTF-8 bytes"},
    ]
    assert result.rows_in == 4 == result.accepted + result.rejected


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "file is empty"), (b"\n\n", "no header row")]
)
def test_empty_files_are_refused_by_name(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(TableReadError, match=message):
        read_raw_table("orders", path)


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(HEADER)
    assert validate_table(read_raw_table("customers", path), TABLES["customers"]).rows_in == 0


ROWS = HEADER + b"".join(b"c%d,2024-01-01,yes,N%d\n" % (i, i) for i in range(2000))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (  # a download or copy that stopped half way
            "customers.csv.gz",
            gzip.compress(ROWS)[:-40],
            r"customers.csv.gz: the compressed file is cut short \(.*\); copy or export it again",
        ),
        ("customers.csv.gz", b"\x1f\x8bnot gzip at all", "not a readable gzip file"),
        (  # what Excel's "Unicode text" and many Windows tools write
            "customers.csv",
            codecs.BOM_UTF16_LE + ROWS.decode().encode("utf-16-le"),
            "the file is UTF-16 text .*; input files must be UTF-8: save it as 'CSV UTF-8'",
        ),
        ("customers.csv", ROWS.decode().encode("utf-16-be"), "the file is UTF-16 text"),
        (
            "customers.csv",
            b"customer_id,created_at,customer_id,marketing_consent\nc1,2024-01-01,c1,yes\n",
            r"the header names a column more than once \('customer_id' in columns 1, 3\)",
        ),
    ],
    ids=[
        "truncated-gzip",
        "broken-gzip",
        "utf-16-with-bom",
        "utf-16-without-bom",
        "repeated-column",
    ],
)
def test_files_that_are_not_utf8_csv_are_refused_with_what_to_do(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableReadError, match=message):
        read_raw_table("customers", path)


def test_a_utf8_byte_order_mark_is_read_as_excel_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv.gz"
    path.write_bytes(gzip.compress(codecs.BOM_UTF8 + ROWS))
    raw = read_raw_table("customers", path)
    assert list(raw.frame.columns[:2]) == ["customer_id", "created_at"] and len(raw.frame) == 2000


def test_parquet_with_native_types_is_validated_like_csv(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["c1", "c1"],
            "ordered_at": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "amount": [3.5, -1.0],
        }
    )
    path = write_table(frame, tmp_path / "orders.parquet")
    result = validate_table(read_raw_table("orders", path), TABLES["orders"])
    assert result.frame["ordered_at"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")
    assert result.rejects[["row", "column"]].to_dict("records") == [{"row": 2, "column": "amount"}]


def test_a_table_given_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("x\n")
    (tmp_path / "orders.parquet").write_text("x")
    with pytest.raises(InputError, match="table 'orders' is given twice"):
        find_table_files(tmp_path)


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does-not-exist does not exist"):
        find_table_files(tmp_path / "does-not-exist")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+33 6", "'+33 6"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-0.25", "-0.25"),
        ("1e-3", "1e-3"),
        ("ok", "ok"),
        (-3, -3),
    ],
)
def test_spreadsheet_safe(value: object, expected: object) -> None:
    assert spreadsheet_safe(value) == expected


def test_written_csv_has_no_cell_a_spreadsheet_would_evaluate(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "=header": ["=cmd|' /C calc'!A0", "@x", "+1", "-1-1", "\t=1", "fine"],
            "n": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    path = write_csv(frame, tmp_path / "out.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    risky = [
        c
        for c in cells
        if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and c != "-0.5")
    ]
    assert risky == []
    assert "'=cmd|' /C calc'!A0" in cells


def _csv_module_lines(frame: pd.DataFrame) -> str:
    """What the csv module writes for the frame's plain values: the reference of csv_lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(str(c)) for c in frame.columns])
    for row in frame.astype(object).itertuples(index=False):
        writer.writerow(["" if pd.isna(v) else spreadsheet_safe(_plain(v)) for v in row])
    return buffer.getvalue()


@pytest.mark.parametrize("chunk_rows", [1, 3, 10_000])
def test_csv_lines_write_what_the_csv_module_writes(chunk_rows: int) -> None:
    frame = pd.DataFrame(
        {
            "a,b": ["plain", 'say "hi"', "two\nlines", "cr\rhere", "=1+1", "-0.25", None, ""],
            "score": [1 / 3, 1.0, -0.0, 1e-7, 2.5e-5, 1e17, np.nan, 123.4567895],
            "count": pd.array([1, None, -3, 0, 2**40, 7, 8, 9], dtype="Int64"),
            "flag": pd.array([True, False, None, True, True, False, True, False], dtype="boolean"),
            "when": pd.to_datetime(["2026-01-02"] * 7 + [None], utc=True),
            "mixed": [1, "x,y", 2.0000004, None, "@home", 3, "z", '"'],
        }
    )
    frame["text"] = frame["a,b"].astype("str")
    written = "".join(csv_lines(frame, chunk_rows=chunk_rows))
    assert written == _csv_module_lines(frame)
    one = frame[["a,b"]].fillna("")
    assert "".join(csv_lines(one, chunk_rows=chunk_rows)) == _csv_module_lines(one)
    assert "".join(csv_lines(frame.iloc[:0])) == _csv_module_lines(frame.iloc[:0])


def test_floats_are_written_as_python_rounds_them_to_6_places() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.random(20_000) * 10.0 ** rng.integers(-9, 13, 20_000),
            -rng.random(2_000),
            (rng.integers(0, 10**7, 5_000) + 0.5) / 1e6,  # halves of a millionth
            np.arange(1, 2_000) / 128,  # exact halves in binary
            [0.0, -0.0, 1e-7, 5e-7, -5e-7, 1e9, 1e15, 1e17, 2.0**53, 1e300],
        ]
    )
    written = _decimals(values).to_pylist()
    assert written == [_decimal(v) for v in values.tolist()]
    for text, value in zip(written, values.tolist(), strict=True):
        assert float(text) == round(value, 6) and "e" not in text

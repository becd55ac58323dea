from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from advocates.data.contract import TABLES
from advocates.data.validation import RawTable, validate_table, validate_tables
from advocates.errors import MissingColumnsError


def raw(name: str, **columns: list[str]) -> RawTable:
    return RawTable.from_frame(name, pd.DataFrame(columns), path=f"{name}.csv")


CUSTOMERS = raw(
    "customers",
    customer_id=["c1", "c2"],
    created_at=["2024-01-01", "2024-02-01T10:00:00+02:00"],
    marketing_consent=["yes", "0"],
)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("order_id", "", "required value is empty"),
        ("ordered_at", "31/02/2024", "not an ISO 8601 timestamp: '31/02/2024'"),
        ("amount", "-5", "is negative: -5"),
        ("amount", "12,50 EUR", "not a number: '12,50 EUR'"),
        ("amount", "inf", "not a number: 'inf'"),
        ("status", "lost", "not one of completed/refunded/cancelled: 'lost'"),
        ("quantity", "1.5", "not a whole number >= 0: 1.5"),
    ],
)
def test_bad_order_value_is_rejected_with_row_column_and_reason(
    column: str, value: str, reason: str
) -> None:
    good = {
        "order_id": "o1",
        "customer_id": "c1",
        "ordered_at": "2024-03-01",
        "amount": "10.5",
        "status": "completed",
        "quantity": "1",
    }
    bad = {**good, "order_id": "o2", column: value}
    result = validate_table(raw("orders", **{k: [good[k], bad[k]] for k in good}), TABLES["orders"])
    assert result.accepted == 1
    assert result.rejects[["file", "row", "column", "reason"]].to_dict("records") == [
        {"file": "orders.csv", "row": 3, "column": column, "reason": reason}
    ]


def test_types_are_parsed_and_defaults_filled() -> None:
    result = validate_table(CUSTOMERS, TABLES["customers"])
    frame = result.frame
    assert frame["marketing_consent"].tolist() == [True, False]
    assert frame["created_at"].iloc[1] == pd.Timestamp("2024-02-01T08:00:00", tz="UTC")
    assert frame["do_not_contact"].tolist() == [False, False]
    assert frame["_row"].tolist() == [2, 3]


def test_extra_columns_are_kept() -> None:
    table = raw(
        "customers",
        customer_id=["c1"],
        created_at=["2024-01-01"],
        marketing_consent=["true"],
        loyalty_tier=["gold"],
    )
    assert validate_table(table, TABLES["customers"]).frame["loyalty_tier"].tolist() == ["gold"]


def test_duplicate_ids_keep_the_first_and_name_it() -> None:
    table = raw(
        "customers",
        customer_id=["c1", "c2", "c1"],
        created_at=["2024-01-01"] * 3,
        marketing_consent=["true"] * 3,
    )
    result = validate_table(table, TABLES["customers"])
    assert result.frame["customer_id"].tolist() == ["c1", "c2"]
    assert result.rejects["reason"].tolist() == ["duplicate customer_id 'c1' (first at row 2)"]


def test_missing_required_column_names_table_file_and_columns() -> None:
    table = raw("customers", customer_id=["c1"], created_at=["2024-01-01"])
    with pytest.raises(
        MissingColumnsError,
        match=r"customers.csv: table 'customers' is missing required column\(s\) marketing_consent",
    ):
        validate_table(table, TABLES["customers"])


def test_references_to_unknown_customers_and_graph_nodes_are_rejected() -> None:
    results = validate_tables(
        {
            "customers": CUSTOMERS,
            "orders": raw(
                "orders",
                order_id=["o1", "o2"],
                customer_id=["c1", "c404"],
                ordered_at=["2024-03-01"] * 2,
                amount=["1", "2"],
            ),
            "accounts": raw(
                "accounts", customer_id=["c1", "c404"], network=["x", "x"], handle=["ann", "bob"]
            ),
            "edges": raw(
                "edges",
                network=["x", "x"],
                source=["fan", "fan"],
                target=["ann", "fan"],
                kind=["follows", "follows"],
            ),
            "interactions": raw(
                "interactions",
                network=["x", "x", "y", "x"],
                actor=["fan", "ghost", "fan", "ann"],  # fan is a node on x alone
                target=["ann", "ann", "fan", "fan"],
                kind=["like"] * 4,
                occurred_at=["2024-03-01"] * 4,
            ),
        }
    )
    assert results["orders"].rejects["reason"].tolist() == [
        "unknown customer_id 'c404' (not in customers)"
    ]
    assert results["accounts"].rejects["reason"].tolist() == [
        "unknown customer_id 'c404' (not in customers)"
    ]
    assert results["edges"].rejects["reason"].tolist() == ["an edge from a node to itself"]
    assert results["interactions"].rejects["reason"].tolist() == [
        "actor 'ghost' is no account or graph node on x",
        "actor 'fan' is no account or graph node on y",
    ]
    assert results["interactions"].frame["actor"].tolist() == ["fan", "ann"]
    for result in results.values():
        assert result.rows_in == result.accepted + result.rejected


def test_several_problems_in_one_row_make_one_reject_naming_all() -> None:
    table = raw("orders", order_id=["o1"], customer_id=["c1"], ordered_at=["never"], amount=["-1"])
    result = validate_table(table, TABLES["orders"])
    assert result.rejects[["column", "reason"]].to_dict("records") == [
        {
            "column": "ordered_at, amount",
            "reason": "not an ISO 8601 timestamp: 'never'; is negative: -1",
        }
    ]


def test_text_is_stripped_when_some_value_has_spaces_around_it() -> None:
    accounts = validate_table(
        raw(
            "accounts", customer_id=[" c1", "c2\t", "c3"], network=["x"] * 3, handle=["a", "b", "c"]
        ),
        TABLES["accounts"],
    ).frame
    assert accounts["customer_id"].tolist() == ["c1", "c2", "c3"]
    clean = validate_table(
        raw("accounts", customer_id=["c1", "c2"], network=["x"] * 2, handle=["a", "b"]),
        TABLES["accounts"],
    ).frame
    assert clean["customer_id"].tolist() == ["c1", "c2"]


def test_timestamps_parse_as_pandas_reads_iso_8601_whatever_block_a_value_falls_in() -> None:
    # Arrow parses blocks of 8,192 values; a block it refuses (a date alone, no zone, a bad
    # value) is parsed by pandas: either way the answer is pandas'.
    rng = np.random.default_rng(0)
    seconds = rng.integers(1_600_000_000, 1_800_000_000, 30_000)
    values = pd.Series(pd.to_datetime(seconds, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"))
    odd = {
        5: "2024-02-29",
        8_191: "2024-02-29T10:00:00",
        8_192: "2024-02-30T00:00:00Z",
        20_000: "2024-02-01T10:00:00.5+02:00",
        29_999: "not a date",
    }
    for row, text in odd.items():
        values[row] = text
    result = validate_table(
        raw(
            "orders",
            order_id=[f"o{i}" for i in range(len(values))],
            customer_id=["c1"] * len(values),
            ordered_at=values.tolist(),
            amount=["1"] * len(values),
        ),
        TABLES["orders"],
    )
    expected = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    kept = expected.dropna().reset_index(drop=True)
    assert result.frame["ordered_at"].dtype == "datetime64[us, UTC]"
    assert (result.frame["ordered_at"] == kept).all() and len(kept) == len(values) - 2
    assert set(result.rejects["row"]) == {8_192 + 2, 29_999 + 2}


@pytest.mark.parametrize(
    "quantities",
    [
        ["2.5", "x", "inf", "3"],
        ["2.5", "inf", "3", "1"],
        ["-inf", "1e400", "", "3"],
        ["1e30", "1", "3", ""],
    ],
    ids=[
        "a fraction beside an unreadable value",
        "infinity",
        "minus infinity and overflow",
        "a count no integer holds",
    ],
)
def test_counts_that_are_no_whole_numbers_are_rejected_never_a_crash(
    quantities: list[str],
) -> None:
    raw = RawTable.from_frame(
        "orders",
        pd.DataFrame(
            {
                "order_id": ["o1", "o2", "o3", "o4"],
                "customer_id": "c1",
                "ordered_at": "2024-01-01",
                "amount": "1",
                "quantity": quantities,
            }
        ),
        path="orders.csv",
    )
    result = validate_table(raw, TABLES["orders"])
    bad = [q for q in quantities if q not in ("", "1", "3")]
    assert result.rejects["value"].tolist() == bad
    assert set(result.rejects["column"]) == {"quantity"}
    assert len(result.frame) + len(result.rejects) == 4
    if "1e30" in quantities:
        assert result.rejects["reason"].tolist() == [
            "too large for a count (over 9,007,199,254,740,992): 1e30"
        ]
    assert result.frame["quantity"].tolist() == [
        1 if q == "" else int(q) for q in quantities if q in ("", "1", "3")
    ]

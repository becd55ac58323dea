"""Validate raw tables against the input contract, row by row.

Pure functions: a :class:`RawTable` (what :mod:`advocates.data.io` read from a file) goes in, typed
accepted rows and a rejects frame come out. Every input row ends up in exactly one of the two,
so ``rows_in == accepted + rejected`` holds for every table.

Examples
--------
>>> import pandas as pd
>>> from advocates.data.contract import TABLES
>>> raw = RawTable.from_frame(
...     "customers",
...     pd.DataFrame({"customer_id": ["c1", "c2", "c1"],
...                   "created_at": ["2024-01-02", "yesterday", "2024-03-01"],
...                   "marketing_consent": ["true", "no", "yes"]}),
...     path="customers.csv",
... )
>>> result = validate_table(raw, TABLES["customers"])
>>> list(result.frame["customer_id"])
['c1']
>>> result.rejects[["row", "column", "reason"]].to_dict("records")[0]
{'row': 3, 'column': 'created_at', 'reason': "not an ISO 8601 timestamp: 'yesterday'"}
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from advocates.data.contract import TABLE_ORDER, TABLES, Column, Kind, TableSpec
from advocates.data.membership import arrow_array, is_in
from advocates.errors import MissingColumnsError

__all__ = [
    "FALSE_WORDS",
    "MAX_COUNT",
    "REJECT_COLUMNS",
    "TRUE_WORDS",
    "RawTable",
    "TableResult",
    "check_references",
    "duplicate_reasons",
    "joined_rejects",
    "key_text",
    "move_to_rejects",
    "validate_table",
    "validate_tables",
]

#: Columns of every rejects frame and of the rejects file.
REJECT_COLUMNS = ["table", "file", "row", "column", "reason", "value"]

#: The largest count a row may hold: 2**53, the last whole number a float holds exactly (as
#: numbers are read), far below int64's limit.
MAX_COUNT = 2**53

#: The words a boolean column reads as true and as false, whatever their case.
TRUE_WORDS = {"true", "t", "yes", "y", "1"}
FALSE_WORDS = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class RawTable:
    """A table as read from its file, before validation.

    ``rows`` holds the file row number of each frame row (the header of a CSV file is row 1);
    ``unreadable`` holds rows the reader could not split into columns, already as rejects.
    """

    name: str
    path: str
    frame: pd.DataFrame
    rows: np.ndarray
    unreadable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    invalid_utf8: bool = False

    @classmethod
    def from_frame(
        cls, name: str, frame: pd.DataFrame, *, path: str, first_row: int = 2
    ) -> RawTable:
        """Wrap an in-memory frame whose first row is file row ``first_row``."""
        rows = np.arange(first_row, first_row + len(frame), dtype=np.int64)
        return cls(name=name, path=path, frame=frame.reset_index(drop=True), rows=rows)

    @property
    def rows_in(self) -> int:
        return len(self.frame) + len(self.unreadable)


@dataclass(frozen=True)
class TableResult:
    """Accepted rows (typed, with their file row in ``_row``) and the rejects of one table."""

    name: str
    path: str
    frame: pd.DataFrame
    rejects: pd.DataFrame
    rows_in: int

    @property
    def accepted(self) -> int:
        return len(self.frame)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def reject_share(self) -> float:
        return self.rejected / self.rows_in if self.rows_in else 0.0


def _as_text(values: pd.Series) -> pd.Series:
    """Raw values as stripped text, missing values as ''. Text is stripped only when some value
    has a space to strip: a stripped copy of every text column of an input of 20 million rows
    is a gigabyte."""
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        text = values.fillna("").astype(str) if values.hasnans else values.astype(str)
    else:
        text = values.astype(str).where(values.notna(), "")
    array = arrow_array(text)
    trimmed = pc.utf8_trim_whitespace(array)  # (what .str.strip() does to Arrow-backed text)
    if pc.all(pc.equal(pc.binary_length(trimmed), pc.binary_length(array))).as_py() is not False:
        return text
    return text.str.strip()


#: Timestamps are parsed by Arrow in blocks of this many values (see :func:`_timestamps`).
_TIMESTAMP_BLOCK = 8192


def _timestamps(text: pd.Series, empty: pd.Series) -> pd.Series:
    """ISO 8601 texts as UTC timestamps (microseconds), NaT where empty or not a timestamp.

    Arrow's ISO 8601 cast is strict and ten times faster than pandas' parser; where it refuses a
    block (a value that is no timestamp, a date alone, a time without a zone, which pandas reads
    as midnight and as UTC), pandas parses that block. Where both parse, they agree.
    """
    array = arrow_array(text.where(~empty))
    target = pa.timestamp("us", "UTC")
    blocks = []
    for start in range(0, len(array), _TIMESTAMP_BLOCK):
        block = array.slice(start, _TIMESTAMP_BLOCK)
        try:
            blocks.append(pc.cast(block, target))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            parsed = pd.to_datetime(
                pd.Series(block.to_pandas()), format="ISO8601", utc=True, errors="coerce"
            )
            blocks.append(pa.array(parsed.astype("datetime64[us, UTC]"), type=target))
    joined = pa.chunked_array(blocks, type=target)
    return pd.Series(joined.to_pandas().array, index=text.index)


def _quoted(values: pd.Series) -> pd.Series:
    return "'" + values.str.slice(0, 80) + "'"


def _parse(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Parse one column: return (parsed values, reason per row or '' when valid, whether each
    row has a reason)."""
    reasons = pd.Series("", index=values.index, dtype=object)
    flagged = np.zeros(len(values), dtype=bool)

    def flag(mask: pd.Series, why: pd.Series | str) -> None:
        """Give the rows of ``mask`` the reason ``why`` (a text, or one per row of the mask)."""
        hit = mask.to_numpy(dtype=bool)
        if hit.any():
            reasons[hit] = why.to_numpy(dtype=object) if isinstance(why, pd.Series) else why
            flagged[hit] = True

    if column.kind is Kind.TIMESTAMP and pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = (
            values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")
        )
        empty = parsed.isna()
    else:
        text = _as_text(values)
        empty = text == ""
        if column.kind in (Kind.ID, Kind.TEXT):
            parsed = text
        elif column.kind is Kind.TIMESTAMP:
            parsed = _timestamps(text, empty)
            bad = parsed.isna() & ~empty
            flag(bad, "not an ISO 8601 timestamp: " + _quoted(text[bad]))
        elif column.kind is Kind.BOOL:
            lowered = text.str.lower()
            parsed = lowered.isin(TRUE_WORDS)
            bad = ~lowered.isin(TRUE_WORDS | FALSE_WORDS) & ~empty
            flag(bad, "not true/false: " + _quoted(text[bad]))
        elif column.kind is Kind.CHOICE:
            parsed = text.str.lower()
            bad = ~parsed.isin(column.choices) & ~empty
            flag(bad, f"not one of {'/'.join(column.choices)}: " + _quoted(text[bad]))
        else:  # AMOUNT, COUNT, RATING: numbers
            parsed = pd.to_numeric(text.where(~empty), errors="coerce")
            not_number = (parsed.isna() | ~np.isfinite(parsed.fillna(0))) & ~empty
            flag(not_number, "not a number: " + _quoted(text[not_number]))
            ok = ~not_number & ~empty
            if column.kind is Kind.AMOUNT:
                bad = ok & (parsed < 0)
                flag(bad, "is negative: " + text[bad])
            else:
                whole = parsed.fillna(0) == np.floor(parsed.fillna(0))
                low, high = (1, 5) if column.kind is Kind.RATING else (0, None)
                bad = ok & (~whole | (parsed < low) | ((parsed > high) if high else False))
                expected = "a whole number from 1 to 5" if high else "a whole number >= 0"
                flag(bad, f"not {expected}: " + text[bad])
                huge = ok & ~bad & (parsed > MAX_COUNT)  # (1e30: whole, but no int64)
                flag(huge, f"too large for a count (over {MAX_COUNT:,}): " + text[huge])

    if column.required:
        flag(empty & ~flagged, "required value is empty")
    elif column.default is not None:
        parsed = parsed.where(~empty, column.default)
    else:
        parsed = parsed.where(~empty)
    if column.kind in (Kind.COUNT, Kind.RATING):
        nullable = parsed.isna().any()
        # A rejected value (2.5, inf) leaves with its row: 0 holds its place, so that the cast
        # cannot fail on it (inf, or 2.5 beside a missing value, raised here).
        parsed = parsed.where(~flagged, 0)
        parsed = parsed.astype("Int64") if nullable else parsed.fillna(0).astype("int64")
    return parsed, reasons, flagged


def key_text(keys: pd.DataFrame) -> pd.Series:
    """Each row's key as rejects show it: its columns' values joined by '/'."""
    text = keys.iloc[:, 0].astype(str)
    for column in keys.columns[1:]:
        text = text + "/" + keys[column].astype(str)
    return text


def duplicate_reasons(
    columns: Sequence[str], text: pd.Series, first_rows: pd.Series | np.ndarray
) -> pd.Series:
    """The reason a row whose key (``text``) an earlier row has is rejected, naming that row."""
    first = pd.Series(np.asarray(first_rows), index=text.index).astype(str)
    return f"duplicate {'/'.join(columns)} '" + text + "' (first at row " + first + ")"


def _reject_frame(
    raw_table: str,
    path: str,
    rows: pd.Series,
    columns: pd.Series,
    reasons: pd.Series,
    values: pd.Series,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": raw_table,
            "file": path,
            "row": rows.to_numpy(dtype=np.int64),
            "column": columns.to_numpy(dtype=object),
            "reason": reasons.to_numpy(dtype=object),
            "value": values.to_numpy(dtype=object),
        },
        columns=REJECT_COLUMNS,
    )


def validate_table(raw: RawTable, spec: TableSpec) -> TableResult:
    """Check every row of ``raw`` against ``spec``; return accepted rows and rejects.

    Raises
    ------
    MissingColumnsError
        When a required column is absent: no row can be valid then.
    """
    frame = raw.frame
    missing = [name for name in spec.required_columns if name not in frame.columns]
    if missing:
        raise MissingColumnsError(
            table=spec.name, path=raw.path, missing=missing, found=[str(c) for c in frame.columns]
        )

    parsed: dict[str, pd.Series] = {}
    failed_columns = pd.Series("", index=frame.index, dtype=object)
    reasons = pd.Series("", index=frame.index, dtype=object)
    values = pd.Series("", index=frame.index, dtype=object)
    # Which rows have a reason: kept as booleans, since comparing millions of texts to "" for
    # every column was a fifth of the validation of a 1,000,000-customer input.
    rejected = np.zeros(len(frame), dtype=bool)

    def record(
        mask: pd.Series | np.ndarray, column: str, why: pd.Series | str, value: pd.Series | str
    ) -> None:
        hit = np.asarray(mask, dtype=bool)
        if not hit.any():
            return
        first = hit & ~rejected
        values[first] = value[first] if isinstance(value, pd.Series) else value
        again = rejected[hit]
        failed_columns[hit] = failed_columns[hit] + np.where(again, ", ", "") + column
        reasons[hit] = (
            reasons[hit]
            + np.where(again, "; ", "")
            + (why[hit] if isinstance(why, pd.Series) else why)
        )
        rejected[hit] = True

    for column in spec.columns:
        if column.name not in frame.columns:
            default = column.default
            parsed[column.name] = pd.Series(
                [default] * len(frame) if default is not None else pd.NA, index=frame.index
            )
            continue
        values_parsed, why, bad = _parse(frame[column.name], column)
        parsed[column.name] = values_parsed
        if bad.any():
            record(bad, column.name, why, _as_text(frame[column.name]))

    if raw.invalid_utf8:
        for name in frame.columns:
            if pd.api.types.is_string_dtype(frame[name].dtype):
                broken = frame[name].fillna("").astype(str).str.contains("\ufffd", regex=False)
                if broken.any():
                    record(broken, str(name), "invalid UTF-8 bytes", frame[name].astype(str))

    if spec.name == "edges":
        loop = (parsed["source"] == parsed["target"]) & ~rejected
        record(loop, "target", "an edge from a node to itself", parsed["target"].astype(str))
    if spec.name == "referrals":
        early = (parsed["converted_at"] < parsed["invited_at"]).fillna(False).astype(bool)
        record(
            early,
            "converted_at",
            "converted_at is before invited_at",
            _as_text(frame.get("converted_at", pd.Series("", index=frame.index))),
        )

    accepted = frame.assign(**parsed)
    if spec.unique:
        keys = accepted.loc[~rejected, list(spec.unique)]
        duplicated = keys.duplicated(keep="first")
        if duplicated.any():
            dup_index = keys.index[duplicated.to_numpy()]
            first_rows = (
                pd.Series(raw.rows[keys.index.to_numpy()], index=keys.index)
                .groupby([keys[c] for c in spec.unique], sort=False)
                .transform("first")
            )
            text = key_text(keys.loc[dup_index])
            mask = pd.Series(False, index=frame.index)
            mask[dup_index] = True
            why = pd.Series("", index=frame.index, dtype=object)
            why[dup_index] = duplicate_reasons(spec.unique, text, first_rows[dup_index])
            record(mask, "/".join(spec.unique), why, text.reindex(frame.index).fillna(""))

    bad = rejected
    rows = pd.Series(raw.rows, index=frame.index)
    rejects = joined_rejects(
        raw.unreadable,
        _reject_frame(
            spec.name, raw.path, rows[bad], failed_columns[bad], reasons[bad], values[bad]
        ),
    )
    good = accepted.loc[~bad].assign(_row=rows[~bad]).reset_index(drop=True)
    return TableResult(spec.name, raw.path, good, rejects, raw.rows_in)


def joined_rejects(*parts: pd.DataFrame) -> pd.DataFrame:
    """Rejects frames as one, by file row, typed alike whichever parts are empty: the row an
    integer, the rest Python text."""
    types = {column: object for column in REJECT_COLUMNS} | {"row": np.int64}
    joined = pd.concat(parts, ignore_index=True).astype(types)
    return joined.sort_values("row", kind="stable", ignore_index=True)


def move_to_rejects(
    result: TableResult,
    mask: pd.Series,
    column: str,
    reasons: pd.Series,
    *,
    values: pd.Series | None = None,
) -> TableResult:
    """Move the rows of ``mask`` to the rejects with ``reasons`` (indexed like the frame: all
    its rows, or only those of the mask); the value shown is the row's ``column``, or
    ``values`` when the column is not one of the frame's (a key of several columns)."""
    if not mask.any():
        return result
    rows = mask.index[mask.to_numpy()]
    shown = values if values is not None else result.frame[column]
    moved = _reject_frame(
        result.name,
        result.path,
        result.frame.loc[rows, "_row"],
        pd.Series(column, index=rows),
        reasons.loc[rows],
        shown.loc[rows].astype(str),
    )
    rejects = joined_rejects(result.rejects, moved)
    return replace(result, frame=result.frame.loc[~mask].reset_index(drop=True), rejects=rejects)


def _graph_nodes(
    results: Mapping[str, TableResult], *, dedupe: bool
) -> dict[str, pd.Series] | None:
    """The handles of the graph's nodes per network: accounts' handles, edges' ends (each once
    with ``dedupe``, which is worth its cost for many lookups, not for a few)."""
    parts = [
        results[table].frame[["network", column]].set_axis(["network", "handle"], axis=1)
        for table, columns in (("accounts", ("handle",)), ("edges", ("source", "target")))
        if table in results
        for column in columns
    ]
    if not parts:
        return None
    nodes: dict[str, list[pd.Series]] = {}
    for part in parts:
        for network, handles in part.groupby("network", sort=False, observed=True)["handle"]:
            nodes.setdefault(str(network), []).append(handles)
    joined = {network: pd.concat(handles, ignore_index=True) for network, handles in nodes.items()}
    return {n: h.drop_duplicates() for n, h in joined.items()} if dedupe else joined


def _unknown_nodes(frame: pd.DataFrame, column: str, nodes: dict[str, pd.Series]) -> pd.Series:
    """Whether each row's (network, ``column``) is no node of ``nodes``."""
    unknown = pd.Series(True, index=frame.index)
    for network, rows in frame.groupby("network", sort=False, observed=True).indices.items():
        if str(network) in nodes:
            values = frame[column].iloc[rows]
            unknown.iloc[rows] = ~is_in(values, nodes[str(network)])
    return unknown


def check_references(
    results: Mapping[str, TableResult], *, only: Collection[str] | None = None
) -> dict[str, TableResult]:
    """Reject rows that point at a customer or graph node that does not exist.

    Customers are checked against the accepted customers; interaction actors and targets against
    the graph nodes named by the accepted accounts and edges. Tables are checked in contract
    order, so an order of a rejected customer is rejected too. Reasons are written for the
    rejected rows alone (for every row, they were millions of texts when nothing was wrong).
    With ``only``, only those tables are checked (the others are already, as kept results).
    """
    checked = dict(results)
    nodes: dict[str, pd.Series] | None = None
    # Graph handles are deduplicated once for many lookups (a whole interactions table), not
    # for the rows appended to a kept one (see membership.is_in).
    lookups = sum(
        len(checked[name].frame)
        for name in checked
        if (only is None or name in only) and "graph.node" in TABLES[name].references.values()
    )
    handles = sum(len(checked[t].frame) for t in ("accounts", "edges") if t in checked)
    for name in TABLE_ORDER:
        if name not in checked or (only is not None and name not in only):
            continue
        for column, target in TABLES[name].references.items():
            result = checked[name]
            values = result.frame[column]
            if target == "graph.node":
                # (accounts and edges come before the tables naming graph nodes: checked)
                if nodes is None:
                    nodes = _graph_nodes(checked, dedupe=lookups * 4 > handles)
                if nodes is None:
                    continue
                unknown = _unknown_nodes(result.frame, column, nodes)
                bad = unknown[unknown].index
                why = (
                    f"{column} '"
                    + values[bad].astype(str)
                    + "' is no account or graph node on "
                    + result.frame.loc[bad, "network"].astype(str)
                )
            else:
                table, key = target.split(".")
                known = checked[table].frame[key]
                unknown = pd.Series(~is_in(values, known), index=values.index) & values.notna()
                bad = unknown[unknown].index
                why = f"unknown {column} '" + values[bad].astype(str) + f"' (not in {table})"
            checked[name] = move_to_rejects(result, unknown, column, why)
    return checked


def validate_tables(raws: Mapping[str, RawTable]) -> dict[str, TableResult]:
    """Validate every table read, then their references to each other."""
    results = {
        name: validate_table(raws[name], TABLES[name]) for name in TABLE_ORDER if name in raws
    }
    return check_references(results)

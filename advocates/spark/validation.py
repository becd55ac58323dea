"""Validate the input contract's tables on Spark, with the pandas engine's rejects.

The Spark twin of :mod:`advocates.data.validation`: every row of every table read
(:func:`advocates.spark.inputs.read_table`) is either accepted, typed, or rejected with the same
row, column, reason and value as :func:`advocates.data.validation.validate_tables` gives it, so
a run's rejects file does not depend on the engine. The checks are Spark column expressions
(``when``/``otherwise``), run where the data is; duplicates are found with a window over the key.
References between tables are checked by :mod:`advocates.spark.tables`.

Timestamps are the one kind whose grammar is pandas' own (``pd.to_datetime(format="ISO8601")``
accepts ``2024/1/2 3:04`` and refuses ``2024-01-02t03:04``): a value in the form exports write
(``2024-01-02``, ``2024-01-02T03:04:05.123+01:00``...) is parsed by Spark; any other is handed to
pandas' parser in a vectorised UDF, so the verdict is pandas' for every value.

One difference is by design: a timestamp outside pandas' nanosecond range (before 1677-09-21,
after 2262-04-11) is always refused here, where the pandas engine's verdict on it depends on the
other values of its block of 8,192 rows (Arrow parses a block of zoned timestamps, with no limit;
pandas parses any other block in the finest unit one of its values needs, and refuses what
nanoseconds cannot hold).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from advocates.data.contract import TABLES, Column, Kind, TableSpec
from advocates.data.validation import (
    FALSE_WORDS,
    MAX_COUNT,
    REJECT_COLUMNS,
    TRUE_WORDS,
    TableResult,
    joined_rejects,
)
from advocates.errors import MissingColumnsError
from advocates.spark.inputs import ROW, SparkRawTable

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame

__all__ = ["SparkTableResult", "collected", "strip", "validate_table"]

#: What Python's ``str.strip()`` (and pandas' ``.str.strip()``) takes off both ends.
_SPACE = r"[\t\n\x0B\f\r\x1C-\x20\x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
#: Timestamps in the forms exports write, which Spark parses as pandas does.
_USUAL_TIMESTAMP = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
)
#: pandas' nanosecond timestamps' range, in Spark's microseconds.
_FIRST_INSTANT = "1677-09-21 00:12:43.145225"
_LAST_INSTANT = "2262-04-11 23:47:16.854775"
#: What ``pd.to_numeric`` reads as an integer (a 64-bit one).
_INTEGER = r"^[+-]?[0-9]{1,18}$"
#: What ``pd.to_numeric`` reads as a number (ASCII digits; 'inf' and 'nan' are no numbers).
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


@dataclass(frozen=True)
class SparkTableResult:
    """Accepted rows (typed, with their file row in ``_row``) and the rejects of one table, as
    Spark DataFrames (the twin of :class:`advocates.data.validation.TableResult`)."""

    name: str
    path: str
    frame: DataFrame
    rejects: DataFrame
    #: The raw table's columns, in file order (the accepted frame's columns, but ``_row``).
    columns: tuple[str, ...] = ()
    #: One row: for each number column, whether the pandas engine types it as integers: a
    #: whole-number column as nullable ``Int64`` when some row read (accepted or not) has no
    #: number in it, an amount as ``int64`` when every row read has an integer (``pd.to_numeric``
    #: reads integers when it can).
    number_types: DataFrame | None = None
    #: The frames Spark keeps (memory, then disk) because several results read them.
    cached: tuple[DataFrame, ...] = ()

    def unpersist(self) -> None:
        """Let Spark free what it keeps of this result: once the result is collected or
        written, or before a long run's next stage."""
        for frame in self.cached:
            frame.unpersist()

    def to_pandas(self) -> TableResult:
        """Collect the result to the driver as the pandas engine's :class:`TableResult`,
        with its columns, order and dtypes."""
        integers: set[str] = set()
        if self.number_types is not None:
            found = self.number_types.collect()[0].asDict()
            integers = {name for name, integer in found.items() if integer}
        frame = _pandas_frame(
            collected(self.frame.orderBy(ROW)), TABLES[self.name], self.columns, integers
        )
        rejects = joined_rejects(collected(self.rejects)[REJECT_COLUMNS])
        # Every row read is accepted or rejected: the rows in are the two counts' sum.
        return TableResult(self.name, self.path, frame, rejects, len(frame) + len(rejects))


def _functions() -> ModuleType:
    """PySpark's functions, imported when first used (the package imports without PySpark)."""
    from pyspark.sql import functions as sf

    return sf


def collected(frame: DataFrame) -> pd.DataFrame:
    """``frame`` on the driver as a pandas DataFrame (through Arrow)."""
    return cast(pd.DataFrame, frame.toPandas())


def strip(text: SparkColumn) -> SparkColumn:
    """``text`` without the white space Python's ``str.strip()`` takes off both ends."""
    sf = _functions()
    return sf.regexp_replace(text, f"^{_SPACE}+|{_SPACE}+$", "")


def _text(column: SparkColumn, dtype: object) -> SparkColumn:
    """Raw values as stripped text, missing values as '' (``_as_text`` of the pandas engine)."""
    from pyspark.sql import types as st

    sf = _functions()
    text = column if isinstance(dtype, st.StringType) else column.cast("string")
    return strip(sf.coalesce(text, sf.lit("")))


def _quoted(text: SparkColumn) -> SparkColumn:
    sf = _functions()
    return sf.concat(sf.lit("'"), sf.substring(text, 1, 80), sf.lit("'"))


@functools.cache
def _pandas_timestamps() -> Callable[[SparkColumn], SparkColumn]:
    """pandas' ISO 8601 parser as a vectorised Spark UDF (microseconds, UTC; null where it
    refuses a value)."""
    from pyspark.sql import functions as sf

    first, last = pd.Timestamp(_FIRST_INSTANT, tz="UTC"), pd.Timestamp(_LAST_INSTANT, tz="UTC")

    def parse(text: pd.Series) -> pd.Series:
        parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        parsed = parsed.astype("datetime64[us, UTC]")
        return parsed.where((parsed >= first) & (parsed <= last))

    udf: Any = sf.pandas_udf  # (its overloads do not type a plain Series function)
    return cast("Callable[[SparkColumn], SparkColumn]", udf(parse, "timestamp"))


def _timestamps(text: SparkColumn, empty: SparkColumn) -> SparkColumn:
    """ISO 8601 texts as UTC timestamps, null where empty or not a timestamp (see the module)."""
    sf = _functions()
    usual = sf.when(text.rlike(_USUAL_TIMESTAMP), text.try_cast("timestamp"))
    in_range = usual.between(
        sf.lit(_FIRST_INSTANT).cast("timestamp"), sf.lit(_LAST_INSTANT).cast("timestamp")
    )
    fast = sf.when(in_range, usual)
    slow = _pandas_timestamps()(sf.when(~empty & fast.isNull(), text))
    return sf.when(~empty, sf.coalesce(fast, slow))


@dataclass(frozen=True)
class _Check:
    """One column's verdict: its parsed value, why the row fails (null: it does not), and the
    value a reject shows."""

    parsed: SparkColumn
    reason: SparkColumn
    value: SparkColumn


def _parse(raw: SparkColumn, dtype: object, column: Column) -> _Check:
    """One column parsed and checked as :func:`advocates.data.validation._parse` does."""
    from pyspark.sql import types as st

    sf = _functions()
    nothing = sf.lit(None).cast("string")
    reason: SparkColumn = nothing
    text = _text(raw, dtype)
    if column.kind is Kind.TIMESTAMP and isinstance(dtype, st.TimestampType | st.TimestampNTZType):
        parsed, empty = raw.cast("timestamp"), raw.isNull()
    else:
        empty = text == sf.lit("")
        if column.kind in (Kind.ID, Kind.TEXT):
            parsed = text
        elif column.kind is Kind.TIMESTAMP:
            parsed = _timestamps(text, empty)
            reason = sf.when(
                parsed.isNull() & ~empty,
                sf.concat(sf.lit("not an ISO 8601 timestamp: "), _quoted(text)),
            )
        elif column.kind is Kind.BOOL:
            lowered = sf.lower(text)
            parsed = lowered.isin(sorted(TRUE_WORDS))
            known = lowered.isin(sorted(TRUE_WORDS | FALSE_WORDS))
            reason = sf.when(~known & ~empty, sf.concat(sf.lit("not true/false: "), _quoted(text)))
        elif column.kind is Kind.CHOICE:
            parsed = sf.lower(text)
            why = f"not one of {'/'.join(column.choices)}: "
            reason = sf.when(
                ~parsed.isin(list(column.choices)) & ~empty, sf.concat(sf.lit(why), _quoted(text))
            )
        else:
            parsed, reason = _number(text, empty, column)
    if column.required:
        reason = sf.coalesce(reason, sf.when(empty, sf.lit("required value is empty")))
    elif column.default is not None:
        parsed = sf.when(empty, sf.lit(column.default)).otherwise(parsed)
    else:
        parsed = sf.when(~empty, parsed)
    if column.kind in (Kind.COUNT, Kind.RATING):
        parsed = parsed.cast("long")
    return _Check(parsed=parsed, reason=reason, value=text)


def _number(
    text: SparkColumn, empty: SparkColumn, column: Column
) -> tuple[SparkColumn, SparkColumn]:
    """An AMOUNT, COUNT or RATING column: its values and the reason a row fails."""
    sf = _functions()
    value = sf.when(text.rlike(_NUMBER), text.try_cast("double"))
    finite = value.isNotNull() & ~sf.isnan(value) & (sf.abs(value) != sf.lit(float("inf")))
    not_number = sf.when(~finite & ~empty, sf.concat(sf.lit("not a number: "), _quoted(text)))
    ok = finite & ~empty
    if column.kind is Kind.AMOUNT:
        bad = sf.when(ok & (value < 0), sf.concat(sf.lit("is negative: "), text))
    else:
        low, high = (1, 5) if column.kind is Kind.RATING else (0, None)
        outside = (value != sf.floor(value)) | (value < low)
        if high is not None:
            outside = outside | (value > high)
        expected = "a whole number from 1 to 5" if high else "a whole number >= 0"
        # (a count over 2**53 first: Spark's floor of it overflows, where every such float is
        # whole to the pandas engine, which says it is too large)
        huge = f"too large for a count (over {MAX_COUNT:,}): "
        too_large = (value > MAX_COUNT) if high is None else sf.lit(False)
        bad = sf.when(ok & too_large, sf.concat(sf.lit(huge), text)).when(
            ok & outside, sf.concat(sf.lit(f"not {expected}: "), text)
        )
    return value, sf.coalesce(not_number, bad)


def _failed(checks: list[tuple[str, str]]) -> SparkColumn:
    """Whether a row fails one of ``checks`` (see :func:`_folded`)."""
    return _functions().expr(
        " OR ".join(["false", *[f"`{c}_reason` IS NOT NULL" for _, c in checks]])
    )


def _sql_text(text: str) -> str:
    """``text`` as a Spark SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _folded(frame: DataFrame, checks: list[tuple[str, str]], prefix: str) -> DataFrame:
    """Add ``prefix`` columns naming the failed columns, their reasons, the first's value and
    whether any failed, from ``checks``: (column name, column-name prefix of its check).

    The expressions are SQL text, parsed by Spark at once: built from PySpark's functions, they
    were a few thousand calls into the JVM per table.
    """
    sf = _functions()
    failed = [f"`{c}_reason` IS NOT NULL" for _, c in checks]
    names = [
        f"CASE WHEN {f} THEN {_sql_text(n)} END" for f, (n, _) in zip(failed, checks, strict=True)
    ]
    values = [
        f"CASE WHEN {f} THEN `{c}_value` END" for f, (_, c) in zip(failed, checks, strict=True)
    ]
    reasons = [f"`{c}_reason`" for _, c in checks]
    return frame.withColumns(
        {
            f"{prefix}columns": sf.expr(f"concat_ws(', ', {', '.join(names)})"),
            f"{prefix}reasons": sf.expr(f"concat_ws('; ', {', '.join(reasons)})"),
            f"{prefix}value": sf.expr(f"coalesce({', '.join(values)}, '')"),
            f"{prefix}rejected": _failed(checks),
        }
    )


def validate_table(raw: SparkRawTable, spec: TableSpec) -> SparkTableResult:
    """Check every row of ``raw`` against ``spec``, as the pandas engine's
    :func:`advocates.data.validation.validate_table` does; return accepted rows and rejects.

    Raises
    ------
    MissingColumnsError
        When a required column is absent: no row can be valid then.
    """
    from pyspark import StorageLevel
    from pyspark.sql import types as st

    sf = _functions()
    missing = [name for name in spec.required_columns if name not in raw.columns]
    if missing:
        raise MissingColumnsError(
            table=spec.name, path=raw.path, missing=missing, found=list(raw.columns)
        )
    frame = raw.frame
    types = {field.name: field.dataType for field in frame.schema.fields}
    checks: list[tuple[str, str]] = []
    parsed: dict[str, str] = {}
    # Every column's checks in one projection: Spark analyses a plan again at each step.
    added: dict[str, SparkColumn] = {}
    for i, column in enumerate(spec.columns):
        if column.name not in raw.columns:
            continue
        check = _parse(sf.col(f"`{column.name}`"), types[column.name], column)
        added |= {
            f"_p{i}": check.parsed,
            f"_k{i}_reason": check.reason,
            f"_k{i}_value": check.value,
        }
        parsed[column.name] = f"_p{i}"
        checks.append((column.name, f"_k{i}"))
    for j, name in enumerate(raw.columns if raw.invalid_utf8 else ()):
        if isinstance(types[name], st.StringType):
            broken = sf.coalesce(sf.col(f"`{name}`").contains("\ufffd"), sf.lit(False))
            added |= {
                f"_u{j}_reason": sf.when(broken, sf.lit("invalid UTF-8 bytes")),
                f"_u{j}_value": sf.col(f"`{name}`"),
            }
            checks.append((name, f"_u{j}"))
    frame = frame.withColumns(added)
    frame = frame.withColumn("_a_rejected", _failed(checks))
    checks = [*checks, *_table_rules(spec, parsed)]
    frame = frame.withColumns(_table_rule_columns(spec, parsed, raw))
    if spec.unique:
        frame = frame.withColumn("_b_rejected", _failed(checks))
        frame = _with_duplicates(frame, spec, [parsed[c] for c in spec.unique])
        checks.append(("/".join(spec.unique), "_d"))
    frame = _folded(frame, checks, "_c_")
    # Accepted rows, rejects and the references' checks all read it: computed once.
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    number_types = _number_types(frame, spec, parsed)
    accepted = frame.where(~sf.col("_c_rejected")).select(
        *_accepted_columns(spec, raw.columns, parsed), ROW
    )
    rejects = frame.where(sf.col("_c_rejected")).select(
        sf.lit(spec.name).alias("table"),
        sf.lit(raw.path).alias("file"),
        sf.col(ROW).alias("row"),
        sf.col("_c_columns").alias("column"),
        sf.col("_c_reasons").alias("reason"),
        sf.col("_c_value").alias("value"),
    )
    return SparkTableResult(
        spec.name,
        raw.path,
        accepted,
        rejects.unionByName(raw.unreadable),
        raw.columns,
        number_types,
        (frame,),
    )


def _number_types(frame: DataFrame, spec: TableSpec, parsed: Mapping[str, str]) -> DataFrame | None:
    """See :attr:`SparkTableResult.number_types`."""
    sf = _functions()
    types = []
    for i, column in enumerate(spec.columns):
        if column.name not in parsed:
            continue
        if column.kind in (Kind.COUNT, Kind.RATING):
            types.append(sf.max(sf.col(parsed[column.name]).isNull()).alias(column.name))
        elif column.kind is Kind.AMOUNT:
            integer = sf.col(f"_k{i}_value").rlike(_INTEGER)
            # (no row at all: pd.to_numeric reads an empty column as integers)
            types.append(sf.coalesce(sf.min(integer), sf.lit(True)).alias(column.name))
    return frame.agg(*types) if types else None


def _table_rules(spec: TableSpec, parsed: Mapping[str, str]) -> list[tuple[str, str]]:
    """The checks of one table beyond its columns' (self-loops, conversions before invites)."""
    if spec.name == "edges":
        return [("target", "_loop")]
    if spec.name == "referrals" and "converted_at" in parsed:
        return [("converted_at", "_early")]
    return []


def _table_rule_columns(
    spec: TableSpec, parsed: Mapping[str, str], raw: SparkRawTable
) -> dict[str, SparkColumn]:
    sf = _functions()
    if spec.name == "edges":
        loop = (sf.col(parsed["source"]) == sf.col(parsed["target"])) & ~sf.col("_a_rejected")
        return {
            "_loop_reason": sf.when(loop, sf.lit("an edge from a node to itself")),
            "_loop_value": sf.col(parsed["target"]),
        }
    if spec.name == "referrals" and "converted_at" in parsed:
        early = sf.coalesce(
            sf.col(parsed["converted_at"]) < sf.col(parsed["invited_at"]), sf.lit(False)
        )
        index = next(i for i, c in enumerate(spec.columns) if c.name == "converted_at")
        return {
            "_early_reason": sf.when(early, sf.lit("converted_at is before invited_at")),
            "_early_value": sf.col(f"_k{index}_value"),
        }
    return {}


def _with_duplicates(frame: DataFrame, spec: TableSpec, keys: list[str]) -> DataFrame:
    """Mark the rows whose key an earlier row (that passed every other check) holds."""
    from pyspark.sql import Window

    sf = _functions()
    kept = ~sf.col("_b_rejected")
    first = sf.min(sf.when(kept, sf.col(ROW))).over(Window.partitionBy(*keys))
    text = sf.concat_ws("/", *[sf.col(k).cast("string") for k in keys])
    columns = "/".join(spec.unique)
    frame = frame.withColumn("_first", first)
    duplicate = kept & (sf.col(ROW) > sf.col("_first"))
    reason = sf.concat(
        sf.lit(f"duplicate {columns} '"),
        text,
        sf.lit("' (first at row "),
        sf.col("_first").cast("string"),
        sf.lit(")"),
    )
    return frame.withColumns({"_d_reason": sf.when(duplicate, reason), "_d_value": text})


def _accepted_columns(
    spec: TableSpec, columns: tuple[str, ...], parsed: Mapping[str, str]
) -> list[SparkColumn]:
    """The accepted frame's columns: the file's, parsed where the contract names them, then
    the contract's absent columns (their default, or missing)."""
    sf = _functions()
    out = [sf.col(parsed[c]).alias(c) if c in parsed else sf.col(f"`{c}`") for c in columns]
    types = {
        Kind.TIMESTAMP: "timestamp",
        Kind.BOOL: "boolean",
        Kind.AMOUNT: "double",
        Kind.COUNT: "long",
        Kind.RATING: "long",
    }
    for column in spec.columns:
        if column.name not in columns:
            kind = types.get(column.kind, "string")
            out.append(sf.lit(column.default).cast(kind).alias(column.name))
    return out


def _pandas_frame(
    frame: pd.DataFrame, spec: TableSpec, columns: tuple[str, ...], integers: set[str]
) -> pd.DataFrame:
    """An accepted frame collected from Spark, with the pandas engine's dtypes (``integers``:
    see :attr:`SparkTableResult.number_types`)."""
    out: dict[str, pd.Series] = {}
    for name in frame.columns:
        values = frame[name]
        if name == ROW:
            out[name] = values.astype(np.int64)
            continue
        if name not in {c.name for c in spec.columns}:
            out[name] = values.astype("str") if values.dtype == object else values
            continue
        column = spec.column(name)
        if name not in columns:  # absent from the file: what the pandas engine fills in
            default = column.default
            out[name] = pd.Series(
                [default] * len(frame) if default is not None else pd.NA, index=frame.index
            )
        elif column.kind is Kind.TIMESTAMP:
            stamps = pd.to_datetime(values)
            stamps = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps
            out[name] = stamps.astype("datetime64[us, UTC]")
        elif column.kind is Kind.BOOL:
            out[name] = values.astype(bool)
        elif column.kind is Kind.AMOUNT:
            out[name] = values.astype(np.int64 if name in integers else float)
        elif column.kind in (Kind.COUNT, Kind.RATING):
            whole = values.astype("Int64")
            out[name] = whole if name in integers else whole.astype(np.int64)
        else:
            out[name] = values.astype("str")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))

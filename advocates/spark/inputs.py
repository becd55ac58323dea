"""Reading the input contract's tables with Spark, numbered as the pandas engine numbers rows.

A CSV file is read with every value as text, under the header's names (stripped, as
:func:`advocates.data.io.read_raw_table` strips them), and each record gets its file row: the
header is row 1, so the first record is row 2; a Parquet file's first record is row 1. Spark reads
a file in splits, one task each; a record's row is its split's offset (the records of the splits
before it, counted in one small job) plus its place in the split, so numbering stays distributed.

What the pandas reader refuses, this reader refuses with the same message, checked on the driver
before Spark reads: an empty file, text that is not UTF-8 (UTF-16, a broken gzip file), a header
naming a column twice. A line with more fields than the header becomes a reject with the message
pandas gives (``expected 3 fields, saw 4``); a line with fewer is read with the missing values
empty. Bytes that are not UTF-8 are read as U+FFFD, as pandas reads them, and the file is
marked so that validation rejects those rows.

Quoted values may hold line breaks (``quoted_newlines``, the default, as the pandas reader
allows): Spark then reads a CSV file in one task (a gzip file always is), and the work after the
read is spread again by :func:`read_table`'s repartition.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from advocates.data.io import check_text
from advocates.errors import TableReadError

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["ROW", "SparkRawTable", "read_table"]

#: The columns of a raw frame that are not the file's: the file row, the fields of a line the
#: CSV parser could not fit to the header.
ROW = "_row"
_CORRUPT = "_corrupt"
_ID = "_id"
#: Spark numbers a partition's records in the low 33 bits of monotonically_increasing_id.
_PARTITION_SHIFT = 33
#: A file larger than this is spread over the cluster after it is read (see read_table).
_SPLIT_BYTES = 128 << 20


@dataclass(frozen=True)
class SparkRawTable:
    """A table as Spark read it, before validation (the Spark twin of
    :class:`advocates.data.validation.RawTable`).

    ``frame`` holds the file's columns under their names and the file row of each record in
    ``_row``; ``unreadable`` the lines that had more fields than the header, already as rejects
    (:data:`advocates.data.validation.REJECT_COLUMNS`). Every record read is in one of the two.
    """

    name: str
    path: str
    frame: DataFrame
    columns: tuple[str, ...]
    unreadable: DataFrame
    invalid_utf8: bool = False


def _header(path: Path) -> tuple[list[str], str]:
    """The header's names and the file's line break (CRLF when the header ends so, else LF)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as handle:
        line = handle.readline().decode("utf-8-sig")
    return next(csv.reader([line]), []), "\r\n" if line.endswith("\r\n") else "\n"


def _numbered(frame: DataFrame, first_row: int, *, one_task: bool = False) -> DataFrame:
    """``frame`` with each record's file row in ``_row`` (the first record is ``first_row``).

    A frame read in one task (``one_task``, or found so) numbers its records as they come; one
    read in splits first counts the records of each split, in one small job, to know where each
    split starts.
    """
    from pyspark.sql import functions as sf

    local = sf.col(_ID).bitwiseAND(sf.lit((1 << _PARTITION_SHIFT) - 1))
    frame = frame.withColumn(_ID, sf.monotonically_increasing_id())
    if one_task or frame.rdd.getNumPartitions() == 1:
        return frame.withColumn(ROW, local + sf.lit(first_row)).drop(_ID)
    frame = frame.withColumn("_block", sf.input_file_block_start())
    part = sf.shiftright(sf.col(_ID), _PARTITION_SHIFT)
    counts = (
        frame.groupBy(part.alias("part"))
        .agg(sf.count(sf.lit(1)).alias("n"), sf.min("_block").alias("start"))
        .collect()
    )
    offsets: dict[int, int] = {}
    total = 0
    for record in sorted(counts, key=lambda r: (r["start"], r["part"])):
        offsets[int(record["part"])] = total
        total += int(record["n"])
    offset = sf.element_at(
        sf.array(*[sf.lit(offsets.get(i, 0)) for i in range(max(offsets, default=0) + 1)]),
        (part + 1).cast("int"),
    )
    return frame.withColumn(ROW, offset + local + sf.lit(first_row)).drop(_ID, "_block")


def _field_count(raw_line: SparkColumn) -> SparkColumn:
    """How many fields a CSV line holds: its commas outside quotes, plus one."""
    from pyspark.sql import functions as sf

    unquoted = sf.regexp_replace(raw_line, '"[^"]*"', "")
    return sf.size(sf.split(unquoted, ",", -1))


def _read_csv(
    spark: SparkSession, name: str, path: Path, *, quoted_newlines: bool
) -> SparkRawTable:
    from pyspark.sql import functions as sf
    from pyspark.sql import types as st

    valid_utf8 = check_text(path)
    header, line_break = _header(path)
    names = [column.strip() for column in header]
    if not names:
        raise TableReadError(f"{path}: file has no header row", path=str(path))
    physical = [f"_c{i}" for i in range(len(names))]
    schema = st.StructType(
        [st.StructField(p, st.StringType()) for p in physical]
        + [st.StructField(_CORRUPT, st.StringType())]
    )
    frame = spark.read.csv(
        str(path),
        schema=schema,
        header=True,
        enforceSchema=True,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord=_CORRUPT,
        multiLine=quoted_newlines,
        quote='"',
        escape='"',
        encoding="UTF-8",
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
        maxCharsPerColumn=-1,
        # Named, the line break is not normalised inside quoted values (a CRLF file's quoted
        # "a\r\nb" stays so, as the pandas reader keeps it).
        lineSep=line_break,
    )
    # (a file whose quoted values may hold line breaks is read in one task)
    numbered = _numbered(frame, first_row=2, one_task=quoted_newlines)
    fields = sf.when(sf.col(_CORRUPT).isNotNull(), _field_count(sf.col(_CORRUPT)))
    numbered = numbered.withColumn("_fields", fields)
    too_many = sf.coalesce(sf.col("_fields") > len(names), sf.lit(False))
    unreadable = numbered.where(too_many).select(
        sf.lit(name).alias("table"),
        sf.lit(str(path)).alias("file"),
        sf.col(ROW).alias("row"),
        sf.lit("").alias("column"),
        # (Spark refuses a query of a CSV file that reads no column but the corrupt record's:
        # the reason names the first column, in a slice of no characters.)
        sf.concat(
            sf.format_string(f"expected {len(names)} fields, saw %d", "_fields"),
            sf.substring(sf.coalesce(sf.col(physical[0]), sf.lit("")), 1, 0),
        ).alias("reason"),
        sf.lit("").alias("value"),
    )
    # The fast reader gives empty text for an empty value; a line short of fields has no
    # value at all for the fields it lacks (as pandas reads it).
    # (SQL text: one call into the JVM per column, where the functions took a dozen)
    values = [
        sf.expr(
            f"CASE WHEN _fields < {len(names)} AND _fields <= {i} THEN NULL "
            f"ELSE coalesce({p}, '') END"
        ).alias(n)
        for i, (p, n) in enumerate(zip(physical, names, strict=True))
    ]
    readable = numbered.where(~too_many).select(*values, ROW)
    return SparkRawTable(
        name=name,
        path=str(path),
        frame=readable,
        columns=tuple(names),
        unreadable=unreadable,
        invalid_utf8=not valid_utf8,
    )


def _read_parquet(spark: SparkSession, name: str, path: Path) -> SparkRawTable:
    from pyspark.sql import functions as sf

    try:
        frame = spark.read.parquet(str(path))
        columns = tuple(frame.columns)
    except Exception as error:  # Spark raises its own analysis and IO errors
        raise TableReadError(
            f"{path}: not a readable Parquet file ({error})", path=str(path)
        ) from error
    numbered = _numbered(frame, first_row=1)
    empty = numbered.limit(0).select(
        sf.lit(name).alias("table"),
        sf.lit(str(path)).alias("file"),
        sf.col(ROW).alias("row"),
        *[sf.lit("").alias(c) for c in ("column", "reason", "value")],
    )
    return SparkRawTable(
        name=name, path=str(path), frame=numbered, columns=columns, unreadable=empty
    )


def read_table(
    spark: SparkSession,
    name: str,
    path: str | Path,
    *,
    quoted_newlines: bool = True,
    partitions: int | None = None,
) -> SparkRawTable:
    """Read one table file (CSV, CSV.gz or Parquet) with Spark, without judging its values.

    Parameters
    ----------
    spark
        The session to read with.
    name
        The contract table the file holds (its rejects name it).
    path
        The file: a local path (the checks made before Spark reads run on the driver).
    quoted_newlines
        Whether a quoted CSV value may hold a line break, as the pandas reader allows: Spark
        then reads a CSV file in one task. Without, a large plain CSV file is read in splits.
    partitions
        Repartition the records read into this many partitions when Spark read fewer (by
        default Spark's shuffle partitions for a file over 128 MiB): the validation after the
        read runs on every core.

    Raises
    ------
    TableReadError
        The file is empty, not UTF-8 text, names a column twice, or is no Parquet file.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise TableReadError(f"{path}: file is empty (expected a header row)", path=str(path))
    if path.suffix == ".parquet":
        raw = _read_parquet(spark, name, path)
    else:
        raw = _read_csv(spark, name, path, quoted_newlines=quoted_newlines)
    wanted = partitions
    if wanted is None and path.stat().st_size > _SPLIT_BYTES:
        wanted = max(int(spark.conf.get("spark.sql.shuffle.partitions") or 1), 2)
    if wanted is not None and wanted > raw.frame.rdd.getNumPartitions():
        raw = replace(raw, frame=raw.frame.repartition(wanted))
    return raw

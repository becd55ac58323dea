"""Validating a run's input tables together on Spark: each table, then references between them.

The Spark twin of :func:`advocates.data.validation.check_references` and
:func:`advocates.data.validation.validate_tables`: a row that names a customer or a graph node
that no accepted row holds is moved to its table's rejects, with the pandas engine's reason,
table by table in contract order (an order of a rejected customer is rejected too). Each check is
a left join on the distinct keys of the table referred to.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from advocates.data.contract import TABLE_ORDER, TABLES
from advocates.spark.inputs import ROW, SparkRawTable, read_table
from advocates.spark.validation import SparkTableResult, validate_table

if TYPE_CHECKING:
    from pyspark.sql import Column as SparkColumn
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["check_references", "validate_tables", "validated_tables"]


#: The columns the reference checks join on (named apart from any column of an input file).
_HELPERS = ("_spark_hit", "_spark_key", "_spark_network", "_spark_node")


def _known(frame: DataFrame, columns: list[str], names: list[str]) -> DataFrame:
    from pyspark.sql import functions as sf

    return (
        frame.select(*[sf.col(c).alias(n) for c, n in zip(columns, names, strict=True)])
        .distinct()
        .withColumn("_spark_hit", sf.lit(True))
    )


def _graph_nodes(results: Mapping[str, SparkTableResult]) -> DataFrame | None:
    """The (network, handle) of every graph node: accounts' handles and edges' ends."""
    parts = [
        _known(results[table].frame, ["network", column], ["_spark_network", "_spark_node"]).drop(
            "_spark_hit"
        )
        for table, columns in (("accounts", ("handle",)), ("edges", ("source", "target")))
        if table in results
        for column in columns
    ]
    if not parts:
        return None
    from pyspark.sql import functions as sf

    union = functools.reduce(lambda a, b: a.unionByName(b), parts)
    return union.distinct().withColumn("_spark_hit", sf.lit(True))


def _moved(
    result: SparkTableResult, joined: DataFrame, column: str, reason: SparkColumn
) -> SparkTableResult:
    """``result`` without the rows of ``joined`` that found no match, those added to its
    rejects with ``reason``."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as sf

    unknown = sf.col("_spark_hit").isNull() & sf.col(column).isNotNull()
    # The kept rows, the moved ones and the tables checked after this one read it: joined once.
    joined = joined.persist(StorageLevel.MEMORY_AND_DISK)
    helpers = [c for c in joined.columns if c in _HELPERS]
    moved = joined.where(unknown).select(
        sf.lit(result.name).alias("table"),
        sf.lit(result.path).alias("file"),
        sf.col(ROW).alias("row"),
        sf.lit(column).alias("column"),
        reason.alias("reason"),
        sf.col(column).cast("string").alias("value"),
    )
    kept = joined.where(~unknown).drop(*helpers)
    return replace(
        result,
        frame=kept,
        rejects=result.rejects.unionByName(moved),
        cached=(*result.cached, joined),
    )


def check_references(results: Mapping[str, SparkTableResult]) -> dict[str, SparkTableResult]:
    """Reject rows that point at a customer or graph node that does not exist, table by table
    in contract order, as :func:`advocates.data.validation.check_references` does."""
    from pyspark.sql import functions as sf

    checked = dict(results)
    nodes: DataFrame | None = None
    for name in TABLE_ORDER:
        if name not in checked:
            continue
        for column, target in TABLES[name].references.items():
            result = checked[name]
            value = sf.col(column).cast("string")
            if target == "graph.node":
                nodes = nodes if nodes is not None else _graph_nodes(checked)
                if nodes is None:
                    continue
                on = (sf.col("network") == sf.col("_spark_network")) & (
                    sf.col(column) == sf.col("_spark_node")
                )
                joined = result.frame.join(nodes, on=on, how="left")
                reason = sf.concat(
                    sf.lit(f"{column} '"),
                    value,
                    sf.lit("' is no account or graph node on "),
                    sf.col("network").cast("string"),
                )
            else:
                table, key = target.split(".")
                known = _known(checked[table].frame, [key], ["_spark_key"])
                joined = result.frame.join(
                    known, on=sf.col(column) == sf.col("_spark_key"), how="left"
                )
                reason = sf.concat(
                    sf.lit(f"unknown {column} '"), value, sf.lit(f"' (not in {table})")
                )
            checked[name] = _moved(result, joined, column, reason)
    return checked


def validate_tables(raws: Mapping[str, SparkRawTable]) -> dict[str, SparkTableResult]:
    """Validate every table read, then their references to each other."""
    results = {
        name: validate_table(raws[name], TABLES[name]) for name in TABLE_ORDER if name in raws
    }
    return check_references(results)


def validated_tables(
    spark: SparkSession, files: Mapping[str, Path], *, quoted_newlines: bool = True
) -> dict[str, SparkTableResult]:
    """Every table of ``files`` (:func:`advocates.data.io.find_table_files`) read with Spark,
    validated and checked against the others."""
    raws = {
        name: read_table(spark, name, path, quoted_newlines=quoted_newlines)
        for name, path in files.items()
    }
    return validate_tables(raws)

"""The Spark engine as the nightly run takes it (``ADVOCATES_ENGINE=spark``).

:class:`SparkEngine` is what :class:`advocates.pipeline.Engine` asks of an engine, without
importing the pipeline (the pipeline never imports an engine, nor an engine the pipeline): the
run hands it the input files and gets back what :func:`advocates.data.inputs.validated_inputs`
gives, the accepted rows as pandas frames and the rejects, read and validated on Spark. The CLI
builds it from the settings (``ADVOCATES_SPARK_MASTER``); the library takes plain values.

So far the engine reads and validates; the features, graph kernels and scoring still run in the
pipeline's process on what it collects (see :mod:`advocates.spark`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from advocates.data.inputs import Stage
from advocates.data.validation import TableResult
from advocates.spark.session import spark_session
from advocates.spark.tables import validated_tables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SparkEngine"]


@dataclass
class SparkEngine:
    """Reads and validates a run's input on the Spark of ``master``.

    ``session`` is an existing SparkSession to use (tests, ``spark-submit``); without it, one is
    built for ``master`` when first needed (:func:`advocates.spark.session.spark_session`).
    """

    master: str = "local[*]"
    session: SparkSession | None = field(default=None, repr=False)
    quoted_newlines: bool = True

    @property
    def name(self) -> str:
        """How the run report names the engine."""
        return f"spark ({self.master})"

    def spark(self) -> SparkSession:
        """The session the engine runs in (started on first use)."""
        if self.session is None:
            self.session = spark_session(master=self.master)
        return self.session

    def validated_inputs(
        self, files: Mapping[str, Path], *, stage: Stage | None = None
    ) -> tuple[dict[str, TableResult], dict[str, str]]:
        """Every table of ``files`` read, validated and checked against the others on Spark;
        the results as :func:`advocates.data.inputs.validated_inputs` gives them, and how each
        table was read (always whole: Spark keeps nothing between runs)."""
        timed: Stage = stage or (lambda name: contextlib.nullcontext())
        with timed("read"):
            spark = self.spark()
        with timed("validate"):
            checked = validated_tables(spark, files, quoted_newlines=self.quoted_newlines)
            results = {}
            for name, result in checked.items():
                results[name] = result.to_pandas()
            for result in checked.values():
                result.unpersist()
        return results, dict.fromkeys(results, "read whole")

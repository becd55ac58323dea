"""The Spark session the engine runs in, and whether Spark can run on this machine at all.

PySpark drives a JVM: it needs the ``pyspark`` package and a Java runtime (17 or newer). Library
code takes a master URL as a plain value (the CLI reads ``ADVOCATES_SPARK_MASTER``); local mode
(``local[*]``) is what a machine without a cluster runs, and what the tests run.

The settings are chosen for the engine's work, not Spark's defaults: few shuffle partitions in
local mode (Spark's 200 are 200 tasks of a few rows each on two cores), UTC as the session's
time zone (the input contract reads timestamps without an offset as UTC, and dates print as UTC),
Arrow for the exchanges with pandas, and ANSI mode off so that a value Spark cannot cast is a
missing value to report rather than a failed job.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "SESSION_CONFIG",
    "SMALL_DATA_CONFIG",
    "SparkAvailability",
    "spark_availability",
    "spark_session",
]

#: The configuration of every session this module builds (besides the master and driver memory).
SESSION_CONFIG: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # Naive Parquet timestamps (pandas' datetime64 without a zone) read as local-time values,
    # which this engine then reads as UTC, as the pandas engine does.
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
}


#: Settings for small data in a short-lived JVM (the tests): Spark interprets its plans instead
#: of compiling each to Java bytecode, and the JVM compiles its own code once, quickly. A run of
#: the demo data's validation takes about half as long; real data wants the defaults.
SMALL_DATA_CONFIG: dict[str, str] = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@dataclass(frozen=True)
class SparkAvailability:
    """Whether Spark can run here; ``reason`` says why not (empty when it can)."""

    available: bool
    reason: str = ""


def _java_executable() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def spark_availability() -> SparkAvailability:
    """Whether PySpark is importable and a Java runtime is found (``JAVA_HOME`` or ``PATH``).

    It does not start a JVM: a runtime that is found but broken fails when the session starts.
    """
    if importlib.util.find_spec("pyspark") is None:
        return SparkAvailability(
            False, "pyspark is not installed: pip install 'advocates[spark]' (pyspark>=4)"
        )
    java = _java_executable()
    if java is None:
        return SparkAvailability(
            False,
            "no Java runtime found (JAVA_HOME or java on PATH): "
            "apt-get install -y openjdk-17-jre-headless",
        )
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return SparkAvailability(False, f"the Java runtime {java} does not run: {error}")
    return SparkAvailability(True)


def spark_session(
    *,
    master: str = "local[*]",
    app_name: str = "advocates",
    driver_memory: str = "4g",
    shuffle_partitions: int | None = None,
    config: Mapping[str, str] | None = None,
) -> SparkSession:
    """The Spark session for ``master``: the running one when there is one, else a new one.

    Parameters
    ----------
    master
        A Spark master URL: ``local[*]`` (every core of this machine), ``local[2]``,
        ``spark://host:7077``, ``yarn``...
    app_name
        The application's name as the cluster shows it.
    driver_memory
        The driver JVM's heap. It only applies when this call starts the JVM (a session started
        by ``spark-submit`` takes ``--driver-memory``); 4 GiB leaves room for pandas beside it on
        a 24 GiB machine.
    shuffle_partitions
        Partitions of a shuffle; default 4 per local core in local mode (Spark's default of 200
        is meant for clusters), Spark's own default elsewhere.
    config
        More Spark settings, applied last (see :data:`SMALL_DATA_CONFIG` for tests).

    Notes
    -----
    An existing session keeps its master and memory (Spark cannot change them while running);
    the SQL settings above are applied to it.
    """
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app_name)
    builder = builder.config("spark.driver.memory", driver_memory)
    partitions = shuffle_partitions
    if partitions is None and master.startswith("local"):
        partitions = 4 * (os.cpu_count() or 1)
    settings = dict(SESSION_CONFIG)
    if partitions is not None:
        settings["spark.sql.shuffle.partitions"] = str(partitions)
    settings |= dict(config or {})
    if master.startswith("local"):
        # Local workers run this interpreter (its packages), not the first python3 on PATH;
        # PySpark reads only this variable for it. A caller's own choice is kept.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # Nothing outside this machine talks to a local driver.
        settings = {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        } | settings
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    for key, value in settings.items():
        if key.startswith("spark.sql."):
            session.conf.set(key, value)
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return session

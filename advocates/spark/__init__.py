"""The Spark engine (issue 12, begun): the pipeline's heavy stages on Apache Spark, through
PySpark, for brands whose data outgrows one machine (``ADVOCATES_ENGINE=spark``).

Each module is the Spark twin of a pandas engine module, and its tests check that both give the
same answer on the same input:

- :mod:`advocates.spark.session`: the SparkSession (a master URL in, UTC and Arrow set) and
  whether Spark can run here at all (PySpark and a Java runtime);
- :mod:`advocates.spark.inputs`: the contract's tables read with Spark (CSV, CSV.gz, Parquet),
  each record numbered with its file row;
- :mod:`advocates.spark.validation`: each table validated with the pandas engine's accepted
  rows and rejects (:mod:`advocates.data.validation`), and :mod:`advocates.spark.tables`: all
  of a run's tables read, validated and checked against each other;
- :mod:`advocates.spark.aggregations`: the purchase, behaviour and listening features per
  customer (:mod:`advocates.features`);
- :mod:`advocates.spark.engine`: the engine the nightly run takes (:class:`SparkEngine`, what
  :class:`advocates.pipeline.Engine` asks for): so far, reading and validating the input.

PySpark is imported inside the functions that use it: the package imports without it.
"""

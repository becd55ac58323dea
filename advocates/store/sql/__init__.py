"""The reads every SQL store runs as they are: a run's tables (:mod:`.tables`) and one
customer's rows (:mod:`.customers`), over the connection base of :mod:`.connection`, which each
backend (:mod:`advocates.store.sqlite`, :mod:`advocates.store.postgres`) implements: running a
query, listing a table's columns, telling whether a table exists. What differs between the
databases (transactions, locks, bulk loads, catalogues) stays in the backends' modules."""

from advocates.store.sql.connection import SqlConnection
from advocates.store.sql.customers import LEFT_OUT_COLUMNS, CustomerRows
from advocates.store.sql.tables import RunTables

__all__ = ["LEFT_OUT_COLUMNS", "CustomerRows", "RunTables", "SqlConnection"]

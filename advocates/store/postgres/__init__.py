"""The PostgreSQL store, for teams: several API processes and hosts over one database that BI
tools read and one backup keeps (``ADVOCATES_STORE_URL=postgresql://...``).

The same behaviour as the SQLite store (:mod:`advocates.store.sqlite`), role by role, over
the connection base of :mod:`.connection` (the schema brought up to date on opening, by the
numbered migrations of :mod:`.migrate`; a connection per thread for reads; tables loaded by
``COPY``):

- :mod:`.runs`: the run lifecycle (begin, publish in one transaction, fail, list, prune);
- :mod:`advocates.store.sql`: reading a run's tables and one customer's rows, the queries the
  SQLite store runs too;
- :mod:`.plans`: campaign plans and their assignments;
- :mod:`.keys`: API keys;
- :mod:`.events`: outcome events and the contact blocks they imply;
- :mod:`.privacy`: erasure, the suppression list and the audit log.
"""

from advocates.store.postgres.events import PostgresEvents
from advocates.store.postgres.keys import PostgresKeys
from advocates.store.postgres.migrate import MigrationError, migrate, migrations
from advocates.store.postgres.plans import PostgresPlans
from advocates.store.postgres.privacy import PostgresPrivacy
from advocates.store.postgres.runs import PostgresRuns
from advocates.store.sql import CustomerRows, RunTables

__all__ = ["MigrationError", "PostgresStore", "migrate", "migrations"]


class PostgresStore(
    PostgresRuns,
    RunTables,
    CustomerRows,
    PostgresPlans,
    PostgresKeys,
    PostgresEvents,
    PostgresPrivacy,
):
    """A store in a PostgreSQL database."""

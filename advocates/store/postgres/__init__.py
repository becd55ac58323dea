"""The PostgreSQL store (issue 12), for teams: several API processes and hosts over one
database that BI tools read and one backup keeps.

Built so far: the schema, created and upgraded by versioned migrations (:mod:`.migrate`), and
three of the store's roles, API keys (:mod:`.keys`), outcome events with the contact blocks
they imply (:mod:`.events`) and campaign plans (:mod:`.plans`), tested beside the SQLite
store's. Runs, run tables and privacy are not: :class:`PostgresStore` is not a whole ``Store`` yet, and ``ADVOCATES_STORE_URL``
still takes SQLite only.
"""

from advocates.store.postgres.events import PostgresEvents
from advocates.store.postgres.keys import PostgresKeys
from advocates.store.postgres.migrate import MigrationError, migrate, migrations
from advocates.store.postgres.plans import PostgresPlans

__all__ = ["MigrationError", "PostgresStore", "migrate", "migrations"]


class PostgresStore(PostgresKeys, PostgresEvents, PostgresPlans):
    """The roles of a PostgreSQL store built so far (see the module's docstring)."""

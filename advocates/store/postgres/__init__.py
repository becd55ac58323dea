"""The PostgreSQL store (issue 12), for teams: several API processes and hosts over one
database that BI tools read and one backup keeps.

Built so far: the schema, created and upgraded by versioned migrations (:mod:`.migrate`). The
store's roles (runs, tables, plans, keys, events, privacy) are not: ``ADVOCATES_STORE_URL``
still takes SQLite only.
"""

from advocates.store.postgres.migrate import MigrationError, migrate, migrations

__all__ = ["MigrationError", "migrate", "migrations"]

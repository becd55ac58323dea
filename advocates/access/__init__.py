"""Who may use the API, and for what: API keys and their scopes.

:mod:`~advocates.access.keys` makes keys (shown once, stored only as a salted hash), checks a
presented key in constant time and says which scopes it carries. It may import the store and
the errors; the CLI (``advocates keys``) and the API use it.
"""

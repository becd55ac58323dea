"""The input data: the contract, reading files, validation with rejects, and identity linking.

:mod:`~advocates.data.contract` declares the nine tables, their columns and the PII columns;
:mod:`~advocates.data.io` reads CSV, CSV.gz and Parquet and writes spreadsheet-safe CSV;
:mod:`~advocates.data.validation` turns raw rows into accepted tables and rejects that name the
file, row and column; :mod:`~advocates.data.inputs` reads and validates a run's input, keeping
what it validated for the next run; :mod:`~advocates.data.identity` links customers to
social-graph nodes.
The lowest layer of the engine: it imports only :mod:`advocates.errors`.
"""

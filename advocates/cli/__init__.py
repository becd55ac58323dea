"""The ``advocates`` command line, one module per command group, over the library.

Library errors become a one-line message and exit code 1 here (:func:`main`), never a traceback.
The CLI is the top layer: it may import every layer of :mod:`advocates`, and its ``serve``
command is the only place that starts :mod:`api`.
"""

from __future__ import annotations

import sys

# Importing the command modules registers their commands on ``app``.
from advocates.cli import (  # noqa: F401
    campaign,
    demo,
    evaluation,
    events,
    importers,
    keys,
    kpis,
    lists,
    privacy,
    report,
    score,
    serve,
)
from advocates.cli.common import app, err
from advocates.errors import AdvocatesError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``advocates`` console script."""
    try:
        app()
    except AdvocatesError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)

"""Run the ``advocates`` command line in this process, the way its console script runs it.

The console script is ``sys.exit(advocates.cli.main())``: ``main`` calls the typer app
(:data:`advocates.cli.app`), which parses ``sys.argv`` and exits through ``SystemExit``; a library
error (:class:`~advocates.errors.AdvocatesError`) escapes the app and ``main`` turns it into
``error: ...`` on stderr and exit code 1. :func:`advocates` goes through that same ``main`` (nothing
re-implemented here), inside typer's ``CliRunner.isolation`` for the environment and the captured
streams, and translates the outcome as the interpreter would: the ``SystemExit`` code, or a
traceback on stderr and exit code 1 for any other exception (a bug the tests must see).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from advocates.cli import main
from advocates.settings import get_settings

RUNNER = CliRunner()
# The CLI's rich consoles choose colours once, at import: under ``pytest -s`` on a terminal they
# style their output even into the runner's streams, where a piped process would print none.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


@dataclass(frozen=True)
class Ran:
    """What a user sees of one ``advocates`` command: its exit code and its two streams."""

    exit_code: int
    stdout: str
    stderr: str


def advocates(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """``advocates ARGS`` run from ``cwd``, with its store (``store.db``) and rejects in ``cwd``."""
    settings = {
        "ADVOCATES_STORE_URL": f"sqlite:///{cwd / 'store.db'}",
        "ADVOCATES_REJECTS_DIR": str(cwd / "rejects"),
        **(env or {}),
    }
    argv, excepthook = sys.argv, sys.excepthook  # typer's app() installs its own excepthook
    get_settings.cache_clear()  # settings are read once per process: read this run's environment
    try:
        with RUNNER.isolation(env=settings) as (stdout, stderr, _), contextlib.chdir(cwd):
            sys.argv = ["advocates", *map(str, args)]
            try:
                main()
                exit_code = 0
            except SystemExit as done:
                exit_code = _exit_code(done)
            except Exception:
                traceback.print_exc()  # the interpreter's report of an uncaught exception
                exit_code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            ran = Ran(exit_code, _text(stdout.getvalue()), _text(stderr.getvalue()))
    finally:
        sys.argv, sys.excepthook = argv, excepthook
        get_settings.cache_clear()  # and leave no settings behind for the next test
    return ran


def _text(captured: bytes) -> str:
    return ANSI.sub("", captured.decode())


def _exit_code(done: SystemExit) -> int:
    """The process exit code of ``sys.exit(code)``, as the interpreter computes it."""
    if done.code is None:
        return 0
    if isinstance(done.code, int):
        return done.code
    print(done.code, file=sys.stderr)
    return 1


@dataclass(frozen=True)
class CliScored:
    """The session's folder that ``advocates demo-data`` and ``advocates score`` filled."""

    folder: Path  # holds in/ (the demo tables and MANIFEST.json), store.db and rejects/
    manifest: dict
    scored: Ran  # what ``advocates score`` printed


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a SQLite store, write-ahead log included, for a test that writes to it."""
    with (
        contextlib.closing(sqlite3.connect(source)) as original,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        original.backup(copy)
    return target


def error_of(result: Ran) -> str:
    """The one-line message of a command that failed as the product fails: exit 1, no traceback."""
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert any(line.startswith("error: ") for line in result.stderr.splitlines()), result.stderr
    return " ".join(result.stderr.split())

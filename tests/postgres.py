"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a cluster in a
temporary folder of its own, reached through a Unix socket in that folder only (no TCP port),
stopped and deleted at the end.

PostgreSQL refuses to run as root; when the tests do (CI does), the server runs as the
``postgres`` user the Debian package creates, in a folder it owns (a folder under pytest's
own temporary folders would be closed to it)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["new_database", "postgres_bin", "throwaway_server"]

#: The cluster's superuser, and the database the tests are given.
USER = "advocates"


def postgres_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them out of PATH), if installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@contextmanager
def throwaway_server(bin_dir: Path) -> Iterator[str]:
    """A running server with a cluster and socket in a new temporary folder; its URL."""
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="advocates-postgres-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if as_root:  # the server's files belong to the user it runs as
        owner = pwd.getpwnam("postgres")
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8")
    options = f"-c listen_addresses='' -k {sockets} -c fsync=off -c full_page_writes=off"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://{USER}@/postgres?host={sockets}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A new, empty database on the server of ``server_url`` (:func:`throwaway_server`'s); its
    URL."""
    import uuid

    import psycopg

    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"'.encode())
    return server_url.replace("@/postgres?", f"@/{name}?")

"""``advocates keys``: make, list and revoke the API keys campaign tools call with."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from advocates.cli.common import StoreOption, err, load_settings, out, sub_app

keys_app = sub_app("keys", "API keys: each with a name and scopes, shown once when made.")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what the key is for, e.g. the tool's name.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated: read, export, write, pii, admin.")
    ] = "read",
    store: StoreOption = None,
) -> None:
    """Make a key. The key is printed once, alone on the last line of standard output; only
    its salted hash is stored."""
    from advocates.access.keys import create_key, parse_scopes
    from advocates.store import open_store

    wanted = parse_scopes(scopes)
    target = open_store(store or load_settings().store_url)
    made = create_key(target, name=name, scopes=wanted)
    target.audit(key_id="cli", action="key_created", target=made.key.key_id)
    err.print(
        f"made key {made.key.key_id} ({made.key.name}; scopes {', '.join(sorted(wanted))}). "
        "It is shown once: keep it now. Send it as 'Authorization: Bearer <key>'."
    )
    sys.stdout.write(made.secret + "\n")


@keys_app.command("list")
def list_command(store: StoreOption = None) -> None:
    """Every key with its scopes and use (never the key itself)."""
    from advocates.access.keys import list_keys
    from advocates.store import open_store

    table = Table()
    for column in ("key id", "name", "scopes", "created", "last used", "revoked"):
        table.add_column(column)
    for key in list_keys(open_store(store or load_settings().store_url)):
        table.add_row(
            key.key_id,
            key.name,
            ",".join(sorted(key.scopes)),
            key.created_at,
            key.last_used_at or "",
            key.revoked_at or "",
        )
    out.print(table)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id, as `advocates keys list` shows.")],
    store: StoreOption = None,
) -> None:
    """Revoke a key: from the next request on, it is refused."""
    from advocates.access.keys import revoke_key
    from advocates.store import open_store

    target = open_store(store or load_settings().store_url)
    key = revoke_key(target, key_id)
    target.audit(key_id="cli", action="key_revoked", target=key.key_id)
    err.print(f"revoked key {key.key_id} ({key.name}) at {key.revoked_at}")

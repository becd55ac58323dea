"""``advocates serve``: the HTTP API (the only place the library starts :mod:`api`)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from advocates.cli.common import StoreOption, app, err, load_settings
from advocates.errors import ConfigurationError


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: setting ADVOCATES_API_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: setting ADVOCATES_API_PORT).")
    ] = None,
    store: StoreOption = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Processes answering requests (each with its own rate limits and heavy-work "
            "slots). Several need a store that several processes share: PostgreSQL, or SQLite "
            "on one machine.",
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API over the latest published run."""
    import os

    import uvicorn

    from api.app import create_app

    settings = load_settings()
    if store:
        settings = settings.model_copy(update={"store_url": store})
    bind = host or settings.api_host
    if settings.auth == "off":
        if not is_loopback(bind):
            raise ConfigurationError(
                f"ADVOCATES_AUTH=off serves without API keys, so only on a loopback address "
                f"(127.0.0.1, ::1, localhost), not {bind!r}"
            )
        err.print("warning: ADVOCATES_AUTH=off: the API answers without keys (local use only)")
    if workers == 1:
        uvicorn.run(create_app(settings), host=bind, port=port or settings.api_port)
        return
    # Each worker process builds its app from the environment: the options go there.
    os.environ["ADVOCATES_STORE_URL"] = settings.store_url
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        workers=workers,
        host=bind,
        port=port or settings.api_port,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or localhost).

    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "10.0.0.5")]
    [True, True, True, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

"""``advocates serve``: the HTTP API (the only place the library starts :mod:`api`)."""

from __future__ import annotations

from typing import Annotated

import typer

from advocates.cli.common import StoreOption, app, load_settings


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: setting ADVOCATES_API_HOST).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: setting ADVOCATES_API_PORT).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Serve the HTTP API over the latest published run."""
    import uvicorn

    from api.app import create_app

    settings = load_settings()
    if store:
        settings = settings.model_copy(update={"store_url": store})
    uvicorn.run(
        create_app(settings), host=host or settings.api_host, port=port or settings.api_port
    )

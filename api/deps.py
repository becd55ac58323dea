"""Dependencies of the routes, named once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from advocates.settings import Settings
from advocates.store import Store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]

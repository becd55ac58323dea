"""The HTTP API: a thin FastAPI adapter over the :mod:`advocates` library, versioned under ``/v1``.

:mod:`api.app` builds the application, :mod:`api.deps` names the dependencies once,
:mod:`api.errors` turns library errors into the one JSON error shape, :mod:`api.schemas` holds
the response and request models and :mod:`api.routes` one router per resource. It may import
any layer of :mod:`advocates`; the library never imports it (only ``advocates serve`` starts it).
"""

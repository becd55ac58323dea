"""Advocates: rank a brand's customers as advocates for a campaign objective.

The package is layered; a module imports only from the layers below it (a test checks this)::

    cli                         api (top-level package, started by ``advocates serve``)
     |                           |
    pipeline    evaluation    demo    access (API keys and scopes)
     |
    campaigns   (selection, influence, incentives, plans, rewards)
     |
    ranking     (objectives, scoring, explanations, shortlists)
     |
    models      (sentiment, propensity, customer value, uplift)
     |
    features    (purchase, graph, listening, behaviour, fraud)
     |
    data        (contract, io, validation with rejects, identity)

    store (runs and plans), errors, settings: used from any layer, importing none of them.

:mod:`advocates.pipeline` is the only place that calls the stages in order.
"""

__version__ = "0.1.0"

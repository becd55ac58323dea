"""Models: sentiment, sharing propensity, customer value (BG/NBD, Gamma-Gamma) and incentive uplift.

Each is fitted by a ``fit_*`` function that returns one :class:`~advocates.models.fit.Fit`
(the fitted model and its held-out metrics). It may import data and features, nothing above.
"""

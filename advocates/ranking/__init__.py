"""Ranking: objective scores, the eligibility gate, explanations, and the lists people read.

:mod:`~advocates.ranking.objectives` says which rankings exist (one objective or custom weights)
and checks a request for one; :mod:`~advocates.ranking.scoring` turns features and model outputs
into an expected value per objective, eligibility and ranks; :mod:`~advocates.ranking.explain`
says in words why; :mod:`~advocates.ranking.shortlist` makes the shortlist and detractor lists
and decides which stored columns are features. It may import data, features, models and the
store, never campaigns, the pipeline, the CLI or the API.
"""

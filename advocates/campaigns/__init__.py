"""Campaigns: whom to ask, with which two-sided incentive, under a budget, and what they earned.

:mod:`~advocates.campaigns.selection` (CELF over overlapping audiences) and
:mod:`~advocates.campaigns.influence` (reverse-influence sampling, a cascade simulator) choose
advocates with diminishing returns; :mod:`~advocates.campaigns.incentives` reads catalogues,
predicts responses and solves the knapsack; :mod:`~advocates.campaigns.plan` puts guardrails,
selection, holdout and assignment together; :mod:`~advocates.campaigns.rewards` says whether a
referral's reward is earned. It may import ranking and everything below it, never the pipeline,
the CLI or the API.
"""

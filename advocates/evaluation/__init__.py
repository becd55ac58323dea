"""Evaluation: measuring the product's models on labelled files, and importing public data sets.

:mod:`~advocates.evaluation.models` trains and measures the sentiment and customer-value models
(``advocates eval``); :mod:`~advocates.evaluation.ciao` maps the public Ciao data set onto the
input contract so that the nightly run can be measured on real data. It may import data and
models; the engine never imports it.
"""

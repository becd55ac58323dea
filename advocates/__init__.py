"""Advocates: rank a brand's customers as advocates for a campaign objective.

The pipeline's stages are modules of this package (:mod:`advocates.ingest`,
:mod:`advocates.identity`, :mod:`advocates.features`, :mod:`advocates.models`,
:mod:`advocates.scoring`); :mod:`advocates.pipeline` wires them, :mod:`advocates.store` publishes
their result and :mod:`advocates.cli` is the command line.
"""

__version__ = "0.1.0"

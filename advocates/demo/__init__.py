"""Demo data: realistic input tables for all nine tables of the contract, and rows broken on purpose.

:func:`generate_demo_tables` makes a seeded, reproducible brand (customers, their orders, social
graph, mentions, reviews, referrals and a past incentive test) with text in English, French and
Romanian from the phrase pools of :mod:`advocates.demo.phrases`; :func:`break_rows` damages a share
of rows the way real exports are damaged. It may import :mod:`advocates.data` (to write files) and
nothing above: the engine never depends on it.
"""

from advocates.demo.broken import BrokenRows, break_rows
from advocates.demo.generator import generate_demo_tables

__all__ = ["BrokenRows", "break_rows", "generate_demo_tables"]

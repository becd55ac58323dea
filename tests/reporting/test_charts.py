"""The report's charts: drawn in several threads at once (as a server does), each is whole and
matplotlib's global style is left as it was."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import matplotlib
import pandas as pd

from advocates.reporting import charts


def test_charts_drawn_in_threads_leave_the_global_style_alone() -> None:
    before = dict(matplotlib.rcParams)

    def draw(i: int) -> str:
        return charts.bars({"a": i, "b": 2 * i + 1}, title=f"chart {i}", unit="customers")

    with ThreadPoolExecutor(max_workers=8) as pool:
        drawn = list(pool.map(draw, range(32)))
    assert all(svg.startswith("<svg") and f"chart {i}" in svg for i, svg in enumerate(drawn))
    assert len(set(drawn)) == 32
    assert dict(matplotlib.rcParams) == before


def test_labels_are_drawn_as_text_even_where_they_look_like_tex() -> None:
    # An uploaded catalogue's incentive ids label the spend chart: "$10^$" is invalid TeX,
    # which matplotlib would refuse to draw if it read labels as math.
    svg = charts.bars({"$10^$": 3.0, r"$\x$ off": 1.0}, title="Spend", unit="EUR")
    assert "$10^$" in svg and r"$\x$ off" in svg


def test_log_axes_are_labelled_as_numbers_not_tex_source() -> None:
    frame = pd.DataFrame({"x": [1.0, 10.0, 100.0], "y": [0.1, 1.0, 10.0], "g": ["a", "b", "a"]})
    svg = charts.scatter(frame, x="x", y="y", group="g", title="t", x_label="x", y_label="y")
    # (matplotlib draws 10⁰, 10¹ as glyphs, with their TeX source in a comment; shown as text,
    # the source would be read out: "$\\mathdefault{10^{0}}$")
    shown = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert shown and not any("mathdefault" in t or "$" in t for t in shown)

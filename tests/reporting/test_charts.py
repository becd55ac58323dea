"""The report's charts: drawn in several threads at once (as a server does), each is whole and
matplotlib's global style is left as it was."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import matplotlib

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

"""The run report's charts: matplotlib figures turned into inline SVG.

Each function takes plain figures (a frame, a mapping) and returns one ``<svg>`` element as text,
with its title and a text alternative, so that a page can embed it without loading anything:
the report opens on a machine with no network. Figures are built with
:class:`matplotlib.figure.Figure` directly (no pyplot state: safe in a server's threads), and
text stays text in the SVG (searchable, readable by a screen reader, no embedded fonts).

>>> svg = bars({"read": 1.5, "validate": 2.0}, title="Seconds per stage", unit="seconds")
>>> svg.startswith("<svg") and 'role="img"' in svg and "validate" in svg
True
"""

from __future__ import annotations

import contextlib
import html
import io
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import matplotlib
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import ticker
from matplotlib.figure import Figure

__all__ = ["bars", "curve", "histograms", "lines", "scatter"]

#: Colours that keep a 3:1 contrast on white and stay apart for the common colour blindnesses
#: (Okabe and Ito's palette, its darker half).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00")
_RC: dict[str, Any] = {
    "svg.fonttype": "none",  # text as <text>, not paths
    "svg.hashsalt": "advocates",  # the same figure gives the same SVG
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
}


#: matplotlib's style is global: one thread at a time draws in the report's (a server draws
#: reports in several threads, and two overlapping ``rc_context`` could leave it changed).
_DRAWING = threading.RLock()


@contextlib.contextmanager
def _style() -> Iterator[None]:
    """The report's look, for the figures drawn inside it (matplotlib's global style is left
    alone, and no other thread draws meanwhile)."""
    with _DRAWING, matplotlib.rc_context(cast(Any, _RC)):
        yield


def _svg(figure: Figure, *, title: str, description: str) -> str:
    """``figure`` as an ``<svg>`` element named ``title``, described by ``description``."""
    sink = io.StringIO()
    with _style():
        figure.savefig(sink, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = sink.getvalue()
    svg = text[text.index("<svg") :]
    label = html.escape(f"{title}. {description}", quote=True)
    # (str.replace, not re.sub: a backslash in a label is text, not an escape)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def _plain(axis: Any) -> None:
    """Tick labels as plain numbers with thousands separators (no offset, no 1e6)."""
    axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: _number(value)))


def _number(value: float) -> str:
    """``value`` as people read it: 1,000,000 and 0.825, never 1e+06.

    >>> [_number(v) for v in (1e6, 425_360.0, 0.8250, 2.5)]
    ['1,000,000', '425,360', '0.825', '2.5']
    """
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _figure(width: float = 6.4, height: float = 3.0, *, panels: bool = False) -> Figure:
    """A figure in the report's style. Figures of several panels are laid out by matplotlib's
    constrained layout, so that their labels never overlap; a single chart needs none (the
    saved SVG is cut to what is drawn): about 67 ms to 57 ms a chart, measured."""
    with _style():
        return Figure(figsize=(width, height), layout="constrained" if panels else None)


def bars(values: Mapping[str, float], *, title: str, unit: str) -> str:
    """A horizontal bar per name, largest first, each labelled with its value."""
    ordered = sorted(values.items(), key=lambda kv: kv[1])
    figure = _figure(height=0.6 + 0.28 * max(len(ordered), 1))
    with _style():
        axes = figure.add_subplot()
        # Names are data (an incentive id "$10^$" is text, not TeX): their dollars escaped.
        names = [name.replace("$", r"\$") for name, _ in ordered]
        numbers = [float(v) for _, v in ordered]
        drawn = axes.barh(names, numbers, color=PALETTE[0])
        axes.bar_label(drawn, labels=[_number(v) for v in numbers], padding=3)
        axes.set_xlabel(unit)
        _plain(axes.xaxis)
        axes.set_title(title, loc="left")
    top = ", ".join(f"{n} {_number(v)}" for n, v in reversed(ordered[-5:]))
    return _svg(figure, title=title, description=f"{unit}, largest first: {top}")


def histograms(samples: Mapping[str, np.ndarray], *, title: str, unit: str) -> str:
    """One histogram per name, side by side, each of its own values (log10 of 1 + value, so
    that long-tailed scores stay readable)."""
    figure = _figure(height=2.6, panels=True)
    with _style():
        grid = figure.subplots(1, max(len(samples), 1), squeeze=False)[0]
        for axes, (name, values), colour in zip(grid, samples.items(), PALETTE, strict=False):
            finite = np.asarray(values, dtype=float)
            finite = finite[np.isfinite(finite)]
            axes.hist(np.log10(1 + np.clip(finite, 0, None)), bins=30, color=colour)
            axes.set_title(f"{name} ({len(finite):,})", loc="left")
            axes.set_xlabel(f"log10(1 + {unit})")
            _plain(axes.yaxis)
        grid[0].set_ylabel("customers")
        figure.suptitle(title, x=0.0, ha="left")
    described = "; ".join(
        f"{name}: median {_number(np.nanmedian(v))}, 99th percentile {_number(np.nanpercentile(v, 99))}"
        for name, v in samples.items()
        if len(v)
    )
    return _svg(figure, title=title, description=described or "no values")


def scatter(
    frame: pd.DataFrame, *, x: str, y: str, group: str, title: str, x_label: str, y_label: str
) -> str:
    """Points of ``frame`` at (``x``, ``y``), one colour per value of ``group``, on log scales
    (symlog: zero stays on the chart)."""
    figure = _figure(height=3.4)
    with _style():
        axes = figure.add_subplot()
        for (name, rows), colour in zip(frame.groupby(group, sort=True), PALETTE, strict=False):
            axes.scatter(rows[x], rows[y], s=12, alpha=0.7, color=colour, label=str(name))
        axes.set_xscale("symlog", linthresh=1)
        axes.set_yscale("symlog", linthresh=0.1)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.set_title(title, loc="left")
        if len(frame):
            axes.legend(frameon=False)
    return _svg(
        figure,
        title=title,
        description=f"{len(frame):,} customers; {x_label} against {y_label}, by {group}",
    )


def lines(frame: pd.DataFrame, *, x: str, columns: Sequence[str], title: str) -> str:
    """One small chart per column of ``frame`` against ``x`` (past runs, oldest first)."""
    figure = _figure(height=0.4 + 1.4 * max(len(columns), 1), panels=True)
    with _style():
        grid = figure.subplots(max(len(columns), 1), 1, squeeze=False, sharex=True)[:, 0]
        for axes, column, colour in zip(grid, columns, PALETTE, strict=False):
            axes.plot(frame[x], frame[column], marker="o", color=colour)
            axes.set_ylabel(column, rotation=0, ha="right", va="center")
            _plain(axes.yaxis)
        grid[-1].tick_params(axis="x", labelrotation=30)
        figure.suptitle(title, x=0.0, ha="left")
    last = frame.iloc[-1] if len(frame) else None
    described = (
        ", ".join(f"{c} {_number(last[c])}" for c in columns if pd.notna(last[c]))
        if last is not None
        else "no runs"
    )
    return _svg(figure, title=title, description=f"{len(frame)} runs; latest: {described}")


def curve(y: np.ndarray, *, title: str, x_label: str, y_label: str) -> str:
    """``y`` against 1, 2, ... (a cumulative total after each of a sequence), as a line with
    its points: where it flattens, each further step adds little."""
    values = np.asarray(y, dtype=float)
    x = np.arange(1, len(values) + 1)
    figure = _figure(height=3.0)
    with _style():
        axes = figure.add_subplot()
        axes.plot(x, values, color=PALETTE[0], marker="o" if len(values) <= 60 else None, ms=3)
        axes.set_xlabel(x_label)
        axes.set_ylabel(y_label)
        axes.set_ylim(bottom=0)
        _plain(axes.xaxis)
        _plain(axes.yaxis)
        axes.set_title(title, loc="left")
    if len(values):
        half = values[len(values) // 2 - 1] if len(values) > 1 else values[0]
        described = (
            f"{len(values):,} steps reaching {_number(values[-1])}; "
            f"the first half of them reach {_number(half)}"
        )
    else:
        described = "no steps"
    return _svg(figure, title=title, description=described)

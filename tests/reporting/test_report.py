"""The run report: what a person reads in it, from the run's own figures, and nothing fetched."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from advocates.errors import NotFoundError
from advocates.pipeline import RunOutcome, _top_rejects
from advocates.reporting import ReportFigures, render_report, run_report
from advocates.store import RunInfo, SqliteStore


class _Tables(HTMLParser):
    """The text of every table cell, per table id, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.loads: list[str] = []  # every address the page would fetch
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        addresses = [found.get(a) or "" for a in ("src", "href", "xlink:href", "data")]
        outside = [a for a in addresses if a and not a.startswith("#")]  # "#id": in the page
        if tag in ("img", "script", "iframe", "link", "object") or outside:
            self.loads.append(f"{tag} {outside}")
        if tag == "table":
            self._table = found.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _read(page: str) -> _Tables:
    parser = _Tables()
    parser.feed(page)
    return parser


def test_the_report_shows_the_runs_own_figures(scored: tuple[SqliteStore, RunOutcome]) -> None:
    store, outcome = scored
    report = outcome.report
    page = run_report(store)
    read = _read(page)
    assert outcome.run_id in page and f">{report['eligible']:,}<" in page
    exclusions = {row[0]: int(row[1].replace(",", "")) for row in read.tables["exclusions"][1:]}
    assert exclusions == report["excluded"] and exclusions  # counted per reason, none left out
    tables = {row[0]: row[1:] for row in read.tables["tables"][1:]}
    assert set(tables) == set(report["tables"])
    for name, row in tables.items():
        figures = report["tables"][name]
        assert [int(v.replace(",", "")) for v in row[:3]] == [
            figures["rows_in"],
            figures["accepted"],
            figures["rejected"],
        ]
    broken = [n for n, t in report["tables"].items() if t["rejected"]]
    assert broken  # the demo has 1% broken rows: their reasons are named
    top = report["tables"][broken[0]]["top_rejects"][0]
    assert (
        top["reason"] in tables[broken[0]][3]
        and sum(r["rows"] for r in report["tables"][broken[0]]["top_rejects"])
        <= report["tables"][broken[0]]["rejected"]
    )
    # Model quality beside baselines: the propensity model's ROC-AUC and follower count's.
    comparison = next(rows for rows in read.tables.values() if rows and rows[0][1:2] == ["roc_auc"])
    variants = {row[0]: row[1] for row in comparison[1:]}
    assert variants["this model"] == str(report["propensity_model"]["roc_auc"])
    assert variants["follower_count"] == str(
        report["propensity_model"]["baselines"]["follower_count"]["roc_auc"]
    )
    # Five charts, each named for a screen reader; nothing is loaded from anywhere.
    assert len(re.findall(r'<svg role="img" aria-label="[^"]+"', page)) == 5
    assert read.loads == []
    assert "validate" in page and "seconds" in page  # stage timings


def test_an_unknown_run_is_named(scored: tuple[SqliteStore, RunOutcome]) -> None:
    store, _ = scored
    with pytest.raises(NotFoundError, match="no published run 'nope'"):
        run_report(store, "nope")


def _run(run_id: str, published: str, eligible: int, auc: float) -> RunInfo:
    report = {
        "customers": 100,
        "eligible": eligible,
        "excluded": {"no marketing consent": 100 - eligible},
        "propensity_model": {"roc_auc": auc},
        "seconds": {"read": 1.0, "features": 2.0},
    }
    return RunInfo(run_id, "published", "2026-11-01T00:00:00+00:00", published, published, report)


def test_the_trend_follows_the_runs_before_this_one_and_text_is_escaped() -> None:
    past = [_run(f"r{i}", f"2026-11-0{i}T03:00:00+00:00", 60 + i, 0.7 + i / 100) for i in (1, 2, 3)]
    scores = pd.DataFrame(
        {
            "customer_id": ["<b>c1</b>", "c2"],
            "awareness_score": [3.0, np.nan],
            "rank_awareness": [1, 2],
            "conversion_score": [1.0, 0.5],
            "rank_conversion": [2, 1],
            "unique_reach_2hop": [10, 0],
            "expected_converted_peers": [0.5, 0.0],
        }
    )
    run = past[-1]
    run.report["warnings"] = ["table 'mentions' is missing: <no sentiment>"]
    page = render_report(
        ReportFigures(run=run, scores=scores, past=past), now=pd.Timestamp("2026-11-04", tz="UTC")
    )
    assert (
        "3 runs; latest: eligible 63, customers 100, propensity ROC-AUC 0.73, seconds of the stages 3"
        in page
    )
    assert "&lt;no sentiment&gt;" in page and "<no sentiment>" not in page
    assert "<b>c1</b>" not in page
    assert "3.0 days" in page  # the age of the run's data
    # A report without its counts (an older run's) still opens, counting the scores it has.
    for missing in ("customers", "eligible"):
        run.report.pop(missing, None)
    run.report["excluded"] = {"consent": 3}
    bare = render_report(ReportFigures(run=run, scores=scores, past=past))
    assert '<dd id="customers">5</dd>' in bare and '<dd id="eligible">2</dd>' in bare


def test_top_reject_reasons_name_no_value_whatever_it_holds() -> None:
    values = ["it's", 'say "hi"', "a: b", "-3", "C0001"]
    rejects = pd.DataFrame(
        {
            "column": ["id", "text", "when", "amount", "id"],
            "reason": [
                'duplicate id "it\'s" (first at row 2)',
                "not one of a/b: 'say \"hi\"'",
                "not an ISO 8601 timestamp: 'a: b'",
                "is negative: -3",
                "duplicate id 'C0001' (first at row 9)",
            ],
        }
    )
    top = _top_rejects(rejects)
    reasons = {r["reason"] for r in top}
    assert reasons == {
        "duplicate id '…'",
        "not one of a/b: …",
        "not an ISO 8601 timestamp: …",
        "is negative: …",
    }
    assert not any(v in r for v in values for r in reasons)
    assert next(r["rows"] for r in top if r["reason"] == "duplicate id '…'") == 2

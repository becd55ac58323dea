"""Reports about a published run, for people: the self-contained HTML run report and its charts.

May import :mod:`advocates.ranking` and :mod:`advocates.store` (it reads published runs); the
CLI and the server's pages import it.
"""

from advocates.reporting.report import ReportFigures, render_report, report_figures, run_report

__all__ = ["ReportFigures", "render_report", "report_figures", "run_report"]

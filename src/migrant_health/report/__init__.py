"""Reports: self-contained HTML pages with embedded plots."""

from __future__ import annotations

from migrant_health.report.fit_report import plot_series, render_fit_report, write_fit_report

__all__ = ["plot_series", "render_fit_report", "write_fit_report"]

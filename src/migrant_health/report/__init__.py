"""Reports: self-contained HTML pages with embedded plots and CSV downloads."""

from __future__ import annotations

from migrant_health.report.fit_report import render_fit_report, write_fit_report
from migrant_health.report.labels import series_label
from migrant_health.report.plots import plot_series, series_data

__all__ = ["plot_series", "render_fit_report", "series_data", "series_label", "write_fit_report"]

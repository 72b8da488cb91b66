"""Reports: self-contained HTML pages with embedded figures and CSV downloads.

Every page shares one skeleton, style sheet and writer (:mod:`~migrant_health.report.page`):
the fit report (``migrant-health fit``) and the report of a run or a comparison
(``migrant-health report``).
"""

from __future__ import annotations

from migrant_health.report.fit_report import render_fit_report
from migrant_health.report.labels import series_label
from migrant_health.report.page import render_page, write_page
from migrant_health.report.plots import plot_series, plot_series_data, series_data

__all__ = [
    "plot_series",
    "plot_series_data",
    "render_fit_report",
    "render_page",
    "series_data",
    "series_label",
    "write_page",
]

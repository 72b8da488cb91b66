"""The calendar trends of the calibrated rates: counted in decades from 2008, held after 2022.

Hours, pay, local non-farm work and the share of out-migrants crossing a provincial border
drift over the calendar at calibrated rates (residual trends fitted to the targets of
2008-2022); later years hold them at their 2022 value rather than extrapolate them.
"""

from __future__ import annotations

from migrant_health.engine.jit import inline

#: Year from which the calibrated trends of hours, pay and local non-farm work are counted.
TREND_BASE_YEAR = 2008


#: Last year of the calibration targets: the trends are residual drifts fitted to 2008-2022,
#: so later years hold them at their value of this year rather than extrapolate them.
TREND_LAST_YEAR = 2022


@inline
def decades_since_base(year: float) -> float:
    """Decades from :data:`TREND_BASE_YEAR` to ``year`` (held after :data:`TREND_LAST_YEAR`).

    Kernels pass the year of the conditions, ``p.conditions_year``: the calendar year, or the
    base year in a run under frozen conditions (``RunConfig.frozen``).
    """
    return (min(year, TREND_LAST_YEAR) - TREND_BASE_YEAR) / 10.0

"""Hukou and resident urbanisation rates, 2001-2035 (A7, A11, A13).

The hukou urbanisation rate (the share holding urban, formerly non-agricultural, hukou) drives the
rural-hukou share of children and the conversions. Its gaps are interpolated, it is extended after
2023 by the resident urbanisation rate minus their 2023 gap, and it is backcast before 2001 on the
2001-2008 trend for the birth years of the 2008 children.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .parameters import LAST_YEAR, RESIDENT_RATE_RISE_2035
from .sources import Shared


@dataclass(frozen=True)
class HukouRates:
    """Hukou urbanisation rates (percent) by year."""

    official: pd.Series  # 2001..LAST_YEAR: gaps interpolated, extrapolated after 2023
    trend_2001_2008: tuple[float, float]  # intercept, slope of the linear fit, for backcasts
    resident_gap_2023: float
    resident: pd.Series  # resident urbanisation rate 2001..LAST_YEAR, extrapolated after 2025

    def at(self, year: int) -> float:
        """Official-definition rate in a year, backcast linearly before 2001 (A7)."""
        if year in self.official.index:
            return float(self.official[year])
        a, b = self.trend_2001_2008
        return a + b * year


def hukou_rates(shared: Shared) -> HukouRates:
    """The hukou rate series: confirmed values, gaps interpolated (A11), extended (A13)."""
    rows = shared.table("hukou_urbanisation_rate")
    rows = rows[rows["confidence"] != "unconfirmed"]
    rate = pd.Series(rows["value"].to_numpy(float), index=rows["year"].astype(int)).sort_index()
    last = int(rate.index.max())
    rate = rate.reindex(range(int(rate.index.min()), last + 1)).interpolate()
    resident = shared.series("resident_urbanisation_rate")
    gap = float(resident[last] - rate[last])
    res_last = int(resident.index.max())
    rise0 = float(resident.diff().loc[res_last - 4 : res_last].mean())
    n_ext = LAST_YEAR - res_last
    for i, year in enumerate(range(res_last + 1, LAST_YEAR + 1)):
        rise = rise0 + (RESIDENT_RATE_RISE_2035 - rise0) * i / max(n_ext - 1, 1)
        resident[year] = resident[year - 1] + rise
    for year in range(last + 1, LAST_YEAR + 1):
        rate[year] = resident[year] - gap
    early = rate.loc[2001:2008]
    slope, intercept = np.polyfit(early.index.to_numpy(float), early.to_numpy(float), 1)
    return HukouRates(
        official=rate.sort_index(),
        trend_2001_2008=(float(intercept), float(slope)),
        resident_gap_2023=gap,
        resident=resident.sort_index(),
    )

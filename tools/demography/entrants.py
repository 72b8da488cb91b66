"""Rural-hukou persons turning 16 (entering the model), 2009-2035, by sex (A18-A20).

An entrant cohort is the WPP2024 births of its birth year, split by sex, times survival to 16,
times the rural-hukou share at 16: the share at birth (the 2008 children's share, or the
birth-year floor raised for higher rural fertility) less the conversions during childhood.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .conversions import Conversions
from .mortality import mx_at, single_age_mx
from .parameters import (
    CHILD_CONVERSION_RELATIVE_HAZARD,
    FIRST_YEAR,
    HUKOU_SHARE_CAP,
    LAST_YEAR,
    MIN_AGE,
)
from .population import Stock2008, child_undercount_factors
from .sources import Shared, census_2010
from .urbanisation import HukouRates


def male_share_at_birth(shared: Shared) -> Callable[[int], float]:
    """Male share of a birth cohort from WPP2019 sex ratios of young age groups (A19)."""
    wpp = shared.table("population_by_age_sex_wpp2019_national")
    points: list[tuple[float, float]] = []
    for year, lo in ((2010, 15), (2010, 10), (2010, 5), (2010, 0), (2015, 0), (2020, 0)):
        sub = wpp[(wpp["year"] == year) & (wpp["age_from"] == lo)].set_index("sex")["value"]
        ratio = float(sub["male"] / sub["female"])
        points.append((year - lo - 2.5, ratio / (1 + ratio)))
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    order = np.argsort(xs)
    return lambda born: float(np.interp(born, xs[order], ys[order]))


def survival_to_16(periods: dict[int, np.ndarray], born: int) -> np.ndarray:
    """Probability of surviving from birth to 16, by sex, for a calendar-year birth cohort.

    Uses the WPP2024 single-age rates of the years the cohort lives through; years before the
    first period midpoint (2007.5) use the 2005-2010 rates (A18).
    """
    log_s = np.zeros(2)
    for age in range(MIN_AGE):
        m = single_age_mx(mx_at(periods, born + age + 0.5))
        log_s -= m[:, age]
    return np.asarray(np.exp(log_s))


@dataclass(frozen=True)
class Entrants:
    """Rural-hukou persons turning 16, 2009..LAST_YEAR."""

    years: np.ndarray
    persons: np.ndarray  # (n, 2)
    cohort: np.ndarray  # (n, 2) all persons of the cohort at 16
    share: np.ndarray  # (n,) rural-hukou share at 16
    share_at_birth: np.ndarray  # (n,)
    floor: np.ndarray  # (n,) 1 - bridged hukou rate of the birth year (official before 2015)
    census: np.ndarray  # (n,) census-based cohort at 16 (ages 0-14 under-count corrected)


def build_entrants(
    shared: Shared,
    periods: dict[int, np.ndarray],
    rates: HukouRates,
    stock: Stock2008,
    conv: Conversions,
) -> Entrants:
    """E(t) = WPP2024 births(t-16) x survival to 16 x rural-hukou share at 16 (A18-A20)."""
    births = shared.series("births_wpp2024") * 1e3
    male_share = male_share_at_birth(shared)
    census = census_2010(shared) * stock.inflate
    factors = child_undercount_factors(shared)
    years = np.arange(FIRST_YEAR + 1, LAST_YEAR + 1)
    persons = np.zeros((years.size, 2))
    cohort = np.zeros((years.size, 2))
    share = np.zeros(years.size)
    at_birth = np.zeros(years.size)
    floor = np.zeros(years.size)
    census_cohort = np.full(years.size, np.nan)
    for i, t in enumerate(years):
        born = int(t - 16)
        ms = male_share(born)
        cohort[i] = births[born] * np.array([ms, 1 - ms]) * survival_to_16(periods, born)
        rate_born = conv.bridged_rate.get(born, rates.at(born))
        floor[i] = 1 - float(rate_born) / 100
        if born <= FIRST_YEAR:
            start, first_hazard_year = stock.child_share, FIRST_YEAR + 1
        else:
            start = min(conv.phi_b * (1 - conv.bridged_rate[born] / 100), HUKOU_SHARE_CAP)
            first_hazard_year = born + 1
        keep = 1.0
        for y in range(first_hazard_year, int(t)):
            keep *= 1 - CHILD_CONVERSION_RELATIVE_HAZARD * conv.hazard(y)
        at_birth[i] = start
        share[i] = start * keep
        persons[i] = cohort[i] * share[i]
        age_2010 = 2010 - born
        if 0 <= age_2010 <= 17:
            fac = factors[:, age_2010] if age_2010 < 15 else np.ones(2)
            census_cohort[i] = (census[:, age_2010] * fac).sum()
    return Entrants(
        years=years,
        persons=persons,
        cohort=cohort,
        share=share,
        share_at_birth=at_birth,
        floor=floor,
        census=census_cohort,
    )

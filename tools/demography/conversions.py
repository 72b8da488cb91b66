"""Rural -> urban hukou conversions of all ages, 2009-2035 (A11-A15).

Conversions are what is left of the change in the rural-hukou stock after its births and deaths:
conversions_t = R_{t-1} + rural births_t - rural deaths_t - R_t, with R_t the population times one
minus the hukou rate. The rate is bridged across the 2015 reform, which redefined rural hukou, so
that the conversions of 2014-2023 add up to the 150 m the Ministry of Public Security reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .mortality import Mortality
from .numerics import bisect_root
from .parameters import (
    FIRST_YEAR,
    LAST_YEAR,
    MPS_CONVERSIONS_2014_2023,
    POPULATION_DECLINE_AFTER_2023,
)
from .population import Stock2008
from .sources import Shared
from .urbanisation import HukouRates


@dataclass(frozen=True)
class Conversions:
    """All-age conversions and the series behind them."""

    years: np.ndarray  # 2009..LAST_YEAR
    all_ages: np.ndarray
    bridged_rate: pd.Series  # percent, old (agricultural) definition throughout
    jump_2015: float  # points of the 2015 rise that are definitional
    genuine_2015: float
    population: pd.Series  # persons, year end
    births: pd.Series
    deaths: pd.Series
    rural_bridged: pd.Series  # all-age rural hukou, model definition, persons
    phi_b: float
    phi_d: float

    def hazard(self, year: int) -> float:
        """All-age conversion hazard in a year: conversions / rural stock at its start."""
        i = int(year - self.years[0])
        return float(self.all_ages[i] / self.rural_bridged[year - 1])


def vital_series(shared: Shared) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Year-end population, births and deaths (persons), 2007..LAST_YEAR (A14).

    Deaths are births minus the change in year-end population (this reproduces NBS's published
    deaths), except 2020, where the population series breaks at the census revision, which
    takes the mean of 2019 and 2021.
    """
    pop = shared.series("population_yearend_nbs") * 1e4
    births = shared.series("births_nbs") * 1e4
    deaths = births - pop.diff()
    deaths[2020] = (deaths[2019] + deaths[2021]) / 2
    last = int(pop.index.max())
    cdr = deaths[last] / pop[last]
    for year in range(last + 1, LAST_YEAR + 1):
        pop[year] = pop[year - 1] * (1 - POPULATION_DECLINE_AFTER_2023)
        births[year] = births[last]
        deaths[year] = cdr * pop[year]
    span = range(2007, LAST_YEAR + 1)
    return pop.reindex(span), births.reindex(span), deaths.reindex(span)


def build_conversions(
    shared: Shared, rates: HukouRates, stock: Stock2008, mortality: Mortality
) -> Conversions:
    """Conversions_t = R_{t-1} + rural births - rural deaths - R_t, bridged (A11-A15).

    With R_t = P_t (1 - rho_t) and the rural shares of births and deaths phi_b (1 - rho_t) and
    phi_d (1 - rho_t), this is P_{t-1} (rho_t - rho_{t-1}) + (1 - rho_t) ((phi_b - 1) B_t -
    (phi_d - 1) D_t): the form used, which keeps the 2020 break in the population series out.
    """
    pop, births, deaths = vital_series(shared)
    hukou_all = stock.hukou_target
    phi_b = stock.child_share / hukou_all
    m = mortality.mx_national[0]
    rural_deaths = (stock.weights * stock.h * m * mortality.k[0][:, None]).sum()
    phi_d = float(rural_deaths / (stock.weights * m).sum() / hukou_all)
    years = np.arange(FIRST_YEAR + 1, LAST_YEAR + 1)
    official = rates.official

    def compute(genuine: float) -> tuple[np.ndarray, pd.Series]:
        jump = (official[2015] - official[2014]) - genuine
        bridged = official.where(official.index < 2015, official - jump)
        out = np.zeros(years.size)
        for i, t in enumerate(years):
            rho = bridged[t] / 100
            d_rho = (bridged[t] - bridged[t - 1]) / 100
            out[i] = pop[t - 1] * d_rho + (1 - rho) * (
                (phi_b - 1) * births[t] - (phi_d - 1) * deaths[t]
            )
        return out, bridged

    def total_error(genuine: float) -> float:
        out, _ = compute(genuine)
        return float(out[(years >= 2014) & (years <= 2023)].sum() - MPS_CONVERSIONS_2014_2023)

    genuine = bisect_root(total_error, 0.0, official[2015] - official[2014])
    all_ages, bridged = compute(genuine)
    rural = pop * (1 - bridged.reindex(pop.index) / 100)
    return Conversions(
        years=years,
        all_ages=all_ages,
        bridged_rate=bridged,
        jump_2015=float(official[2015] - official[2014] - genuine),
        genuine_2015=genuine,
        population=pop,
        births=births,
        deaths=deaths,
        rural_bridged=rural,
        phi_b=float(phi_b),
        phi_d=phi_d,
    )

"""The national and rural-hukou population at 31 Dec 2008, by sex and age (A1-A8).

The national stock is the 2010 census shifted back two years. The rural-hukou stock is that stock
times h(a, sex), the share holding agricultural hukou: for adults the 2010 rural-residence share
plus the out-migrant workers per capita plus a constant by sex, fitted so that the all-age share
matches the 2008 hukou rate and the sexes differ as in the 2005 1 % sample; for children a single
share from the hukou rates of their birth years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .mortality import single_age_mx
from .numerics import bisect_root
from .parameters import (
    ALL_AGES,
    CENSUS_UNDETERMINED_RESIDENCE,
    HUKOU_SHARE_CAP,
    MAX_AGE,
    MIGRANT_BANDS,
    MIN_AGE,
    SEXES,
    SHIFT_YEARS,
    STUDENT_BRIDGE_END,
)
from .sources import Shared, band_table, census_2010
from .urbanisation import HukouRates


def national_2008(shared: Shared, periods: dict[int, np.ndarray]) -> tuple[np.ndarray, float]:
    """National population at 31 Dec 2008 by sex and age 0..100+, from the 2010 census.

    Returns the stock (2, 101) and the pro-rata inflation factor for undetermined residence (A1).
    """
    census = census_2010(shared)
    inflate = (census.sum() + CENSUS_UNDETERMINED_RESIDENCE) / census.sum()
    census = census * inflate
    m = single_age_mx(periods[2005])
    out = np.zeros((2, MAX_AGE + 1))
    # ages 0..97 in 2008 are census ages 2..99 in 2010, deflated by 22 months of survival at the
    # rate of the age in between (A2)
    for a in range(0, MAX_AGE - 2):
        out[:, a] = census[:, a + 2] * np.exp(SHIFT_YEARS * m[:, a + 1])
    # census 100+ = 2008 ages 98+: split geometrically continuing the decline from 96 to 97
    open_2008 = census[:, MAX_AGE] * np.exp(SHIFT_YEARS * m[:, MAX_AGE - 1])
    for s in range(2):
        ratio = min(out[s, 97] / out[s, 96], 0.95)
        weights = np.array([1.0, ratio, ratio**2 / (1 - ratio)])
        out[s, 98:] = open_2008[s] * weights / weights.sum()
    return out, float(inflate)


def child_undercount_factors(shared: Shared) -> np.ndarray:
    """WPP2019 / census ratios for 2010 ages 0-14 by 5-year group, as (2, 15) by single age."""
    census = census_2010(shared)
    wpp = band_table(shared, "population_by_age_sex_wpp2019_national", 2010) * 1000.0
    out = np.ones((2, 15))
    for s, sex in enumerate(SEXES):
        for lo in (0, 5, 10):
            out[s, lo : lo + 5] = float(wpp[sex].loc[float(lo)]) / census[s, lo : lo + 5].sum()
    return out


def rural_residence_share(shared: Shared) -> tuple[np.ndarray, pd.DataFrame]:
    """2010 share of each sex and age living in rural areas, ages 0..100 (shape of h, A5).

    From the long-form sample by 5-year group (15-19 ... 60-64, 65+), linear between group
    midpoints (65+ placed at 70), flat outside. Only ages 16+ are used.
    """
    rural = band_table(shared, "population_15plus_by_age_sex_longform2010_rural_residence")
    every = band_table(shared, "population_15plus_by_age_sex_longform2010_all_areas")
    share = rural / every
    lowers = share.index.to_numpy(int)
    knots = np.concatenate([lowers[:-1] + 2.0, [70.0]])
    out = np.zeros((2, MAX_AGE + 1))
    for s, sex in enumerate(SEXES):
        out[s] = np.interp(ALL_AGES.astype(float), knots, share[sex].to_numpy(float))
    return out, share


def outmigrant_rate(shared: Shared, pop: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Out-migrant workers per person of each age in 2008, the same for both sexes (A3, A4).

    A piecewise-linear per-capita profile with knots at the NBS band midpoints (flat below 18,
    zero from 65) whose band totals match 140.41 m x the NBS 2008 age shares exactly.
    """
    outmigrants = shared.target("nbs.outmigrant_workers (waichu)", 2008) * 1e4
    shares = np.array([shared.target(key, 2008) for _, _, key in MIGRANT_BANDS]) / 100.0
    if abs(shares.sum() - 1) > 0.01:
        raise SystemExit(f"NBS 2008 age shares sum to {shares.sum():.3f}")
    shares = shares / shares.sum()
    both = pop.sum(axis=0)
    knots = np.array([(lo + hi) / 2 for lo, hi, _ in MIGRANT_BANDS[:-1]] + [55.0, 65.0])
    ages = ALL_AGES.astype(float)
    basis = np.zeros((len(MIGRANT_BANDS), ages.size))
    for j in range(len(MIGRANT_BANDS)):
        unit = np.zeros(knots.size)
        unit[j] = 1.0
        basis[j] = np.interp(ages, knots, unit, left=unit[0], right=0.0)
    basis[:, :MIN_AGE] = 0.0
    target = outmigrants * shares
    design = np.array(
        [
            [(both[lo : hi + 1] * basis[j, lo : hi + 1]).sum() for j in range(len(target))]
            for lo, hi, _ in MIGRANT_BANDS
        ]
    )
    rate = np.linalg.solve(design, target) @ basis
    if (rate < 0).any():
        raise SystemExit("out-migrant profile went negative")
    table = pd.DataFrame(
        {
            "band": [key.rsplit("_", 1)[-1] for _, _, key in MIGRANT_BANDS],
            "outmigrants": target,
            "mean_rate": [
                target[i] / both[lo : hi + 1].sum() for i, (lo, hi, _) in enumerate(MIGRANT_BANDS)
            ],
        }
    )
    return rate, table


@dataclass(frozen=True)
class Stock2008:
    """The 2008 national and rural-hukou stock with the pieces of h(a)."""

    national: np.ndarray  # (2, 101)
    weights: np.ndarray  # national with the child under-count corrected, for calibrating h
    residence: np.ndarray  # r(a), (2, 101)
    migrant: np.ndarray  # u(a), (101,)
    child_share: float  # h of ages 0-15
    c: tuple[float, float]  # constants by sex
    h: np.ndarray  # (2, 101)
    inflate: float
    migrant_table: pd.DataFrame
    hukou_target: float
    sex_gap_target: float

    @property
    def rural(self) -> np.ndarray:
        """Rural-hukou stock (2, 101)."""
        return np.asarray(self.national * self.h)


def _profile(base: np.ndarray, c: tuple[float, float], child: float) -> np.ndarray:
    """h(a) for both sexes from the adult base, the sex constants and the children's share."""
    h = np.minimum(base + np.array(c)[:, None], HUKOU_SHARE_CAP)
    h[:, :MIN_AGE] = child
    end = STUDENT_BRIDGE_END
    for s in range(2):
        line = child + (ALL_AGES[MIN_AGE:end] - (MIN_AGE - 1)) / (end - MIN_AGE + 1) * (
            h[s, end] - child
        )
        h[s, MIN_AGE:end] = np.maximum(h[s, MIN_AGE:end], line)
    return np.asarray(h)


def build_stock_2008(
    shared: Shared, periods: dict[int, np.ndarray], rates: HukouRates
) -> Stock2008:
    """Rural-hukou stock at end 2008: national stock times h(a) (A1-A8)."""
    national, inflate = national_2008(shared, periods)
    factors = child_undercount_factors(shared)
    weights = national.copy()
    weights[:, 0:13] *= factors[:, 2:15]  # 2008 ages 0..12 = census ages 2..14
    residence, _ = rural_residence_share(shared)
    migrant, migrant_table = outmigrant_rate(shared, national)
    # children: birth-year floor 1 - rate(2008 - a), population-weighted (A7)
    floors = np.array([1 - rates.at(2008 - a) / 100 for a in range(MIN_AGE)])
    child = float((weights[:, :MIN_AGE].sum(axis=0) * floors).sum() / weights[:, :MIN_AGE].sum())
    target = 1 - rates.at(2008) / 100
    agri = {
        sex: shared.series("hukou_type_2005_1pct_sample_agricultural", sex)[2005]
        / shared.series("hukou_type_2005_1pct_sample_all", sex)[2005]
        for sex in SEXES
    }
    sex_gap = float(agri["female"] - agri["male"])
    base = residence + migrant[None, :]

    def means(c_male: float, diff: float) -> tuple[float, float, float]:
        h = _profile(base, (c_male, c_male + diff), child)
        by_sex = (weights * h).sum(axis=1) / weights.sum(axis=1)
        return float((weights * h).sum() / weights.sum()), float(by_sex[0]), float(by_sex[1])

    def c_for(diff: float) -> float:
        return bisect_root(lambda cm: means(cm, diff)[0] - target, -0.5, 0.5)

    def gap_error(diff: float) -> float:
        _, male, female = means(c_for(diff), diff)
        return female - male - sex_gap

    # Two nested one-dimensional fits: for a given sex difference the level c(men) is set by the
    # all-age share; the difference is then searched until the sexes differ as in 2005 (A6).
    diff = bisect_root(gap_error, -0.3, 0.3)
    c_male = c_for(diff)
    c = (c_male, c_male + diff)
    return Stock2008(
        national=national,
        weights=weights,
        residence=residence,
        migrant=migrant,
        child_share=child,
        c=c,
        h=_profile(base, c, child),
        inflate=inflate,
        migrant_table=migrant_table,
        hukou_target=target,
        sex_gap_target=sex_gap,
    )

#!/usr/bin/env python3
"""Build the demographic package data of ``migrant_health`` from the shared data folder.

Run from the repository root::

    python tools/build_demography.py --shared ../shared/data

It reads ``demography.csv`` (see the shared ``DEMOGRAPHY.md``) and writes, into
``src/migrant_health/data/``:

* ``rural_hukou_2008.csv``      rural-hukou persons aged 16-100+ at 31 Dec 2008, by sex and age;
* ``urban_hukou_2008.csv``      the rest of the national population of those ages;
* ``entrants.csv``              rural-hukou persons turning 16 in 2009-2035, by sex;
* ``mortality.csv``             rural-hukou annual death probabilities, 2008-2035, ages 16-100+;
* ``mortality_national.csv``    the national schedule they are scaled from (same layout);
* ``hukou_conversions.csv``     rural -> urban hukou conversions of people aged 16+, 2009-2035;
* ``standard_population.csv``   the 2010-census national 16+ population by broad age band;
* ``calibration_targets.csv``   copied unchanged;
* ``sources.yaml``              what each file holds, how it was derived, its sources, every
  assumption with its reasoning, and cross-checks of the key figures.

Every assumption the data do not settle is stated, with its reasoning and the figures it produced,
by ``assumptions()`` below (IDs A1-A21, copied into ``sources.yaml``); its tunable numbers are the
constants of the "Assumptions" block. Change one, re-run the script, then run
``tests/test_demography_data.py``. Paths default relative to this file (``--shared`` to
``../shared/data`` beside the repository); no absolute path is built in.

Conventions: ages are completed years; age 100 means 100+. "Year t" stock figures are at 31 Dec
of year t; flows (entrants, deaths, conversions) happen during year t.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "src" / "migrant_health" / "data"

FIRST_YEAR = 2008
LAST_YEAR = 2035
MIN_AGE = 16
MAX_AGE = 100  # open-ended: 100 means 100+
SEXES = ("male", "female")
ADULT_AGES = np.arange(MIN_AGE, MAX_AGE + 1)
ALL_AGES = np.arange(0, MAX_AGE + 1)

# ---------------------------------------------------------------------------------------------
# Assumptions. The IDs refer to ASSUMPTIONS in assumptions() below, which states each one with its
# reasoning and is copied into sources.yaml. Only the tunable numbers are constants here.
# ---------------------------------------------------------------------------------------------

#: A1. Persons of undetermined residence missing from the 2010 single-age census table, spread
#: pro rata over ages and sexes (the 2.30 m servicemen stay out).
CENSUS_UNDETERMINED_RESIDENCE = 4.65e6
#: A2. Ages at 31 Dec 2008 are census ages (1 Nov 2010) minus 2, with 22 months of survival.
SHIFT_YEARS = 22.0 / 12.0
#: A4. The NBS "50+" migrant band (51+) is spread over ages 51..this, falling to zero after.
MIGRANT_OLDEST_AGE = 64
#: A5. No age/sex group is more than this share rural-hukou.
HUKOU_SHARE_CAP = 0.97
#: A8. At ages 16..this-1, h is at least the line from the children's share at 15 to h(this).
STUDENT_BRIDGE_END = 23
#: A10. Rural e0 below national (years, both sexes) up to 2010, and in 2035 (linear between).
RURAL_E0_GAP_2010 = 1.5
RURAL_E0_GAP_2035 = 0.75
#: A12. MPS: conversions of 2014-2023; fixes the genuine part of the 2015 jump in the hukou rate.
MPS_CONVERSIONS_2014_2023 = 150.0e6
#: A13. Rise of the resident urbanisation rate in 2035 (points a year), after a linear decline
#: from the 2021-2025 mean rise in 2026; the hukou rate follows at the 2023 gap.
RESIDENT_RATE_RISE_2035 = 0.50
#: A14. Yearly fall of the population after 2023 (births and the death rate stay at 2023's).
POPULATION_DECLINE_AFTER_2023 = 0.002
#: A16. Share of conversions that are of people aged 16+.
CONVERSION_ADULT_SHARE = 0.75
#: A20. Children (0-15) convert at this multiple of the all-age conversion hazard.
CHILD_CONVERSION_RELATIVE_HAZARD = 1.0

# Standard-population bands (NBS migrant-worker age bands, top-coded at 61+).
STANDARD_BANDS: tuple[tuple[str, int, int], ...] = (
    ("16-20", 16, 20),
    ("21-30", 21, 30),
    ("31-40", 31, 40),
    ("41-50", 41, 50),
    ("51-60", 51, 60),
    ("61+", 61, MAX_AGE),
)
# NBS 2008 migrant-worker age bands (first age, last age, calibration_targets key).
MIGRANT_BANDS: tuple[tuple[int, int, str], ...] = (
    (16, 20, "nbs.age_share_16-20"),
    (21, 30, "nbs.age_share_21-30"),
    (31, 40, "nbs.age_share_31-40"),
    (41, 50, "nbs.age_share_41-50"),
    (51, MIGRANT_OLDEST_AGE, "nbs.age_share_50+"),
)

# WPP mx age groups: lower bounds 0, 1, 5, 10, ..., 95, 100 (100+ open).
MX_LOWER = np.array([0, 1, *range(5, 101, 5)])
MX_WIDTH = np.array([1, 4, *([5] * 19), np.inf])


# ---------------------------------------------------------------------------------------------
# Reading demography.csv
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    """The shared tables, with helpers to pull one table out."""

    demography: pd.DataFrame
    targets: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame:
        """Rows of one table; raises if it is absent."""
        out = self.demography[self.demography["table"] == name]
        if out.empty:
            raise SystemExit(f"demography.csv has no table {name!r}")
        return out

    def series(self, name: str, sex: str = "total") -> pd.Series:
        """A by-year series of a table with no age split."""
        rows = self.table(name)
        rows = rows[rows["sex"] == sex]
        return pd.Series(rows["value"].to_numpy(float), index=rows["year"].astype(int)).sort_index()

    def target(self, key: str, year: int) -> float:
        """A numeric calibration target."""
        rows = self.targets[(self.targets["key"] == key) & (self.targets["year"] == year)]
        if len(rows) != 1:
            raise SystemExit(f"calibration_targets.csv: expected one row {key} {year}")
        return float(rows["value"].iloc[0])


def read_shared(folder: Path) -> Shared:
    """Read demography.csv and calibration_targets.csv."""
    demo = pd.read_csv(folder / "demography.csv")
    targets = pd.read_csv(folder / "calibration_targets.csv", dtype={"value": str})
    targets["value"] = pd.to_numeric(targets["value"], errors="coerce")
    targets["year"] = pd.to_numeric(targets["year"], errors="coerce")
    return Shared(demography=demo, targets=targets)


def census_2010(shared: Shared) -> np.ndarray:
    """2010 census by single year of age 0..100+, shape (2, 101) [male, female]."""
    rows = shared.table("population_by_age_sex_census_national")
    rows = rows[rows["year"] == 2010]
    out = np.zeros((2, MAX_AGE + 1))
    for s, sex in enumerate(SEXES):
        sub = rows[rows["sex"] == sex]
        out[s, sub["age_from"].astype(int).to_numpy()] = sub["value"].to_numpy(float)
    if (out <= 0).any():
        raise SystemExit("census 2010 table has missing ages")
    return out


def band_table(shared: Shared, name: str, year: int | None = None) -> pd.DataFrame:
    """A banded table as a frame indexed by lower age with one column per sex."""
    rows = shared.table(name)
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows.pivot(index="age_from", columns="sex", values="value")[list(SEXES)]


# ---------------------------------------------------------------------------------------------
# Mortality
# ---------------------------------------------------------------------------------------------


def mx_periods(shared: Shared) -> dict[int, np.ndarray]:
    """WPP2024 national mx by period start year -> array (2, 22) over MX_LOWER groups."""
    rows = shared.table("life_table_mx_wpp2024_national")
    out: dict[int, np.ndarray] = {}
    for year, grp in rows.groupby("year"):
        arr = np.zeros((2, len(MX_LOWER)))
        for s, sex in enumerate(SEXES):
            sub = grp[grp["sex"] == sex].set_index("age_from")["value"]
            arr[s] = sub.reindex(MX_LOWER.astype(float)).to_numpy(float)
        if np.isnan(arr).any():
            raise SystemExit(f"mx table for {year} is incomplete")
        out[int(str(year))] = arr
    return out


def mx_at(periods: dict[int, np.ndarray], time: float) -> np.ndarray:
    """Group mx at a calendar time, linear between period midpoints (flat outside)."""
    starts = sorted(periods)
    mids = np.array([s + 2.5 for s in starts])
    stack = np.stack([periods[s] for s in starts])  # (n_periods, 2, 22)
    t = float(np.clip(time, mids[0], mids[-1]))
    j = int(np.searchsorted(mids, t, side="right") - 1)
    j = min(j, len(mids) - 2)
    w = (t - mids[j]) / (mids[j + 1] - mids[j])
    return np.asarray((1 - w) * stack[j] + w * stack[j + 1])


def single_age_mx(group_mx: np.ndarray) -> np.ndarray:
    """Single-age mx 0..100+ from group mx (2, 22).

    Ages 0-4 take their group's rate; ages 5-99 are log-linear between group midpoints (the
    100+ rate placed at 102.5, as if it were a 5-year group); age 100 is the open group's rate.
    """
    out = np.zeros((2, MAX_AGE + 1))
    knots = np.concatenate([[0.5, 3.0], MX_LOWER[2:-1] + 2.5, [102.5]])
    for s in range(2):
        out[s] = np.exp(np.interp(ALL_AGES.astype(float), knots, np.log(group_mx[s])))
        out[s, 0] = group_mx[s, 0]
        out[s, 1:5] = group_mx[s, 1]
        out[s, MAX_AGE] = group_mx[s, -1]
    return out


def e0_abridged(group_mx: np.ndarray, sex: int) -> float:
    """Life expectancy at birth from one sex's group mx (abridged table, DEMOGRAPHY.md a-values)."""
    m = group_mx
    m0 = m[0]
    a = MX_WIDTH / 2.0
    if sex == 0:
        a[0] = 0.045 + 2.684 * m0
        a[1] = 1.651 - 2.816 * m0
    else:
        a[0] = 0.053 + 2.800 * m0
        a[1] = 1.522 - 1.518 * m0
    n = MX_WIDTH[:-1]
    q = np.minimum(n * m[:-1] / (1 + (n - a[:-1]) * m[:-1]), 1.0)
    lx = np.concatenate([[1.0], np.cumprod(1 - q)])
    dx = lx[:-1] * q
    big_l = n * lx[1:] + a[:-1] * dx
    return float(big_l.sum() + lx[-1] / m[-1])


def e_from_qx(qx: np.ndarray) -> float:
    """Life expectancy at the first age of a single-year qx row whose last age is open."""
    lx = np.concatenate([[1.0], np.cumprod(1 - qx[:-1])])
    big_l = (lx[:-1] + lx[1:]) / 2
    m_open = -np.log1p(-qx[-1])
    return float(big_l.sum() + lx[-1] / m_open)


def solve_k(group_mx: np.ndarray, sex: int, gap: float) -> float:
    """The factor k with e0(k*mx) = e0(mx) - gap, by bisection."""
    target = e0_abridged(group_mx[sex], sex) - gap
    lo, hi = 1.0, 3.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if e0_abridged(mid * group_mx[sex], sex) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def rural_gap(year: int) -> float:
    """Assumed rural e0 deficit (years) in a year (A10)."""
    if year <= 2010:
        return RURAL_E0_GAP_2010
    frac = (year - 2010) / (LAST_YEAR - 2010)
    return RURAL_E0_GAP_2010 + frac * (RURAL_E0_GAP_2035 - RURAL_E0_GAP_2010)


@dataclass(frozen=True)
class Mortality:
    """Single-age mortality, national and rural, by calendar year."""

    years: np.ndarray
    mx_national: np.ndarray  # (n_years, 2, 101)
    k: np.ndarray  # (n_years, 2)
    e0_national: np.ndarray  # (n_years, 2) from the abridged table
    e0_rural: np.ndarray  # (n_years, 2)

    def qx_national(self) -> np.ndarray:
        """National annual death probabilities, (n_years, 2, 101)."""
        return np.asarray(1 - np.exp(-self.mx_national))

    def qx_rural(self) -> np.ndarray:
        """Rural-hukou annual death probabilities, (n_years, 2, 101)."""
        return np.asarray(1 - np.exp(-self.mx_national * self.k[:, :, None]))


def build_mortality(periods: dict[int, np.ndarray]) -> Mortality:
    """National and rural single-age mortality for FIRST_YEAR..LAST_YEAR (A9, A10)."""
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    mx = np.zeros((len(years), 2, MAX_AGE + 1))
    k = np.zeros((len(years), 2))
    e0n = np.zeros((len(years), 2))
    e0r = np.zeros((len(years), 2))
    for i, year in enumerate(years):
        grp = mx_at(periods, year + 0.5)
        mx[i] = single_age_mx(grp)
        for s in range(2):
            k[i, s] = solve_k(grp, s, rural_gap(int(year)))
            e0n[i, s] = e0_abridged(grp[s], s)
            e0r[i, s] = e0_abridged(k[i, s] * grp[s], s)
    return Mortality(years=years, mx_national=mx, k=k, e0_national=e0n, e0_rural=e0r)


# ---------------------------------------------------------------------------------------------
# National and rural-hukou stock at end 2008
# ---------------------------------------------------------------------------------------------


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


def _bisect(func: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of an increasing function on [lo, hi]."""
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if func(mid) < 0 else (lo, mid)
    return (lo + hi) / 2


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
        return _bisect(lambda cm: means(cm, diff)[0] - target, -0.5, 0.5)

    def gap_error(diff: float) -> float:
        _, male, female = means(c_for(diff), diff)
        return female - male - sex_gap

    diff = _bisect(gap_error, -0.3, 0.3)
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


# ---------------------------------------------------------------------------------------------
# Hukou conversions
# ---------------------------------------------------------------------------------------------


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

    genuine = _bisect(total_error, 0.0, official[2015] - official[2014])
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


# ---------------------------------------------------------------------------------------------
# Entrants
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Conversion rate on the rural-hukou 16+ stock
# ---------------------------------------------------------------------------------------------


def project_adult_stock(
    stock: Stock2008, mortality: Mortality, entrants: Entrants, conv16: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rural-hukou 16+ stock at each year start and the conversion rate on it (A17).

    A cohort-component projection with the package's own inputs: conversions taken evenly from
    all ages, then deaths at the rural qx, ageing by a year (100+ open) and the entrants at 16.
    """
    pop = stock.rural[:, MIN_AGE:].copy()
    qx = mortality.qx_rural()[:, :, MIN_AGE:]
    start = np.zeros(entrants.years.size)
    rate = np.zeros(entrants.years.size)
    for i, _year in enumerate(entrants.years):
        start[i] = pop.sum()
        rate[i] = conv16[i] / start[i]
        pop = pop * (1 - rate[i]) * (1 - qx[i + 1])
        aged = np.zeros_like(pop)
        aged[:, 1:] = pop[:, :-1]
        aged[:, -1] += pop[:, -1]
        aged[:, 0] = entrants.persons[i]
        pop = aged
    return start, rate


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    """Everything computed, for writing and describing."""

    stock: Stock2008
    mortality: Mortality
    rates: HukouRates
    conv: Conversions
    entrants: Entrants
    conv16: np.ndarray
    stock16_start: np.ndarray
    rate16: np.ndarray
    standard: pd.DataFrame


def build(shared: Shared) -> Built:
    """Run every derivation."""
    periods = mx_periods(shared)
    rates = hukou_rates(shared)
    mortality = build_mortality(periods)
    stock = build_stock_2008(shared, periods, rates)
    conv = build_conversions(shared, rates, stock, mortality)
    entrants = build_entrants(shared, periods, rates, stock, conv)
    conv16 = conv.all_ages * CONVERSION_ADULT_SHARE
    start, rate = project_adult_stock(stock, mortality, entrants, conv16)
    census = census_2010(shared).sum(axis=0)
    standard = pd.DataFrame(
        {
            "age_band": [name for name, _, _ in STANDARD_BANDS],
            "persons": [census[lo : hi + 1].sum() for _, lo, hi in STANDARD_BANDS],
        }
    )
    return Built(
        stock=stock,
        mortality=mortality,
        rates=rates,
        conv=conv,
        entrants=entrants,
        conv16=conv16,
        stock16_start=start,
        rate16=rate,
        standard=standard,
    )


def _by_sex_age(values: np.ndarray) -> pd.DataFrame:
    """(2, 101) -> long frame sex, age, persons for ages 16..100."""
    rows = [
        {"sex": sex, "age": int(age), "persons": round(float(values[s, age]))}
        for s, sex in enumerate(SEXES)
        for age in ADULT_AGES
    ]
    return pd.DataFrame(rows)


def _qx_frame(qx: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    """(n_years, 2, 101) -> long frame year, sex, age, qx for ages 16..100."""
    rows = [
        {"year": int(year), "sex": sex, "age": int(age), "qx": float(f"{qx[i, s, age]:.6g}")}
        for i, year in enumerate(years)
        for s, sex in enumerate(SEXES)
        for age in ADULT_AGES
    ]
    return pd.DataFrame(rows)


def frames(built: Built) -> dict[str, pd.DataFrame]:
    """The CSV files to write, by name."""
    st, conv, ent = built.stock, built.conv, built.entrants
    rural = st.rural
    urban = st.national - rural
    entrants = pd.DataFrame(
        [
            {"year": int(year), "sex": sex, "persons": round(float(ent.persons[i, s]))}
            for i, year in enumerate(ent.years)
            for s, sex in enumerate(SEXES)
        ]
    )
    conversions = pd.DataFrame(
        {
            "year": conv.years,
            "persons_16plus": np.round(built.conv16).astype(np.int64),
            "rate": [float(f"{r:.6g}") for r in built.rate16],
            "persons_all_ages": np.round(conv.all_ages).astype(np.int64),
            "rural_16plus_at_start": np.round(built.stock16_start).astype(np.int64),
            "hukou_rate_pct": [round(float(built.rates.official[y]), 3) for y in conv.years],
            "hukou_rate_bridged_pct": [round(float(conv.bridged_rate[y]), 3) for y in conv.years],
        }
    )
    standard = built.standard.copy()
    standard["persons"] = standard["persons"].round().astype(np.int64)
    return {
        "rural_hukou_2008.csv": _by_sex_age(rural),
        "urban_hukou_2008.csv": _by_sex_age(urban),
        "entrants.csv": entrants,
        "mortality.csv": _qx_frame(built.mortality.qx_rural(), built.mortality.years),
        "mortality_national.csv": _qx_frame(built.mortality.qx_national(), built.mortality.years),
        "hukou_conversions.csv": conversions,
        "standard_population.csv": standard,
    }


Cite = tuple[str, tuple[int, int] | None]


def citations(shared: Shared, tables: Sequence[Cite]) -> list[dict[str, Any]]:
    """Table names with the distinct units and citations of the rows used (years lo..hi)."""
    out = []
    for name, span in tables:
        rows = shared.table(name)
        if span is not None:
            rows = rows[(rows["year"] >= span[0]) & (rows["year"] <= span[1])]
        out.append(
            {
                "table": name,
                "years": "all" if span is None else f"{span[0]}-{span[1]}",
                "unit": sorted(set(rows["unit"].astype(str))),
                "citation": sorted(set(rows["source"].astype(str))),
                "confidence": sorted(set(rows["confidence"].astype(str))),
            }
        )
    return out


def target_citations(shared: Shared, keys: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """calibration_targets.csv rows used, with their sources."""
    out = []
    for key, year in keys:
        row = shared.targets[(shared.targets["key"] == key) & (shared.targets["year"] == year)]
        out.append(
            {
                "file": "calibration_targets.csv",
                "key": key,
                "year": year,
                "value": float(row["value"].iloc[0]),
                "unit": str(row["unit"].iloc[0]),
                "citation": str(row["source"].iloc[0]),
            }
        )
    return out


def assumptions(built: Built) -> list[dict[str, Any]]:
    """Every assumption, with the figures it produced and its reasoning."""
    st, conv, rates, mort = built.stock, built.conv, built.rates, built.mortality
    slope = rates.trend_2001_2008[1]
    i2010 = 2010 - FIRST_YEAR
    return [
        {
            "id": "A1",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "The 4.65 m persons of undetermined residence left out of the 2010 "
            "single-age census table are spread over ages and sexes pro rata (factor "
            f"{st.inflate:.5f}); the 2.30 m active servicemen stay out.",
            "reasoning": "The census table totals 1,332.81 m against 1,339.72 m in the bulletin "
            "(DEMOGRAPHY.md caveat 6). Persons of undetermined residence are largely floating, "
            "so they belong in the stock; a serving conscript's hukou is cancelled, so "
            "servicemen are not rural-hukou holders.",
        },
        {
            "id": "A2",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "Age a at 31 Dec 2008 = census age a+2 on 1 Nov 2010, divided by the "
            "22-month survival at the 2005-2010 WPP2024 single-age rate of age a+1. The "
            "census 100+ group (2008 ages 98+) is split over 98, 99 and 100+ geometrically, "
            "continuing the decline from age 96 to 97.",
            "reasoning": "DEMOGRAPHY.md step 2. The two-month offset between 1 Nov and 31 Dec "
            "(about a sixth of a year of age) is ignored, as is net international migration.",
        },
        {
            "id": "A3",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "Out-migrant workers (140.41 m in 2008) raise h(a) by the same "
            "per-capita amount u(a) for both sexes.",
            "reasoning": "NBS counts about 69 % men among out-migrant workers (31 % women in "
            "2014, the earliest figure), but wives and other dependants who migrate without "
            "non-farm work of 6+ months are not migrant workers. The 2010 long-form shares "
            "living in rural areas are nearly equal for men and women aged 20-39, and the 2005 "
            "1 % survey finds agricultural hukou as common among women as among men (A6); a "
            "male-only uplift gave a rural-hukou sex ratio of 1.19 at 16+.",
        },
        {
            "id": "A4",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "The out-migrants' age profile is that of all migrant workers in "
            "the NBS 2008 bands (16-20 10.7 %, 21-30 35.3 %, 31-40 24.0 %, 41-50 18.6 %, "
            "50+ 11.4 %), with 50+ spread over 51-64. u(a) is piecewise linear per capita with "
            "knots at the band midpoints (flat below 18, zero from 65) and matches every band "
            "total exactly.",
            "reasoning": "The reports give age bands for all migrant workers only (DEMOGRAPHY.md "
            "step 4); out-migrants are somewhat younger than local migrant workers, so u(a) is "
            "if anything too flat. Few migrant workers are over 64.",
        },
        {
            "id": "A5",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "For ages 16+, h(a, sex) = r(a, sex) + u(a) + c(sex), capped at "
            f"{HUKOU_SHARE_CAP}, where r is the 2010 long-form share living in rural areas "
            "(linear between 5-year group midpoints, 65+ placed at 70, flat outside) and "
            f"c(sex) a constant over age (fitted: men {st.c[0]:+.4f}, women {st.c[1]:+.4f}).",
            "reasoning": "The age shape of h was not found (DEMOGRAPHY.md step 4): the brief's "
            "recipe is the rural-residence shape raised at working ages by the migrants. The "
            "constant absorbs the other rural-hukou urban residents (town dwellers with "
            "agricultural hukou, villages reclassified as urban) and the fall in the rural "
            "residence share between 2008 (54.3 %) and 2010 (50.3 %). This is a shape to "
            "calibrate, not a measurement.",
        },
        {
            "id": "A6",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "c(men) and c(women) make the all-age share equal 1 - 0.3328 and the "
            f"women's all-age share exceed the men's by {st.sex_gap_target * 100:.2f} points.",
            "reasoning": "The 2005 1 % survey sample: agricultural hukou 74.72 % of women and "
            "73.61 % of men (self-report; MPS registration is lower overall, so only the sex "
            "difference is used).",
        },
        {
            "id": "A7",
            "files": ["rural_hukou_2008.csv", "entrants.csv", "hukou_conversions.csv"],
            "assumption": "Children aged 0-15 at end 2008 have a single rural-hukou share, the "
            "population-weighted mean of 1 - hukou rate of their birth years 1993-2008 = "
            f"{st.child_share:.4f}; rates before 2001 are extrapolated backwards on the "
            f"2001-2008 linear trend ({slope:.3f} points a year; 1993: "
            f"{rates.at(1993):.1f} %). In calibrating h, children are counted with the census "
            "under-count corrected by the WPP2019/census ratios of 2010 (ages 0-4, 5-9, 10-14).",
            "reasoning": "DEMOGRAPHY.md: the birth-year share is a floor and children are more "
            "rural-registered than adults because rural fertility is higher. The higher rural "
            "fertility (raising the share at birth above the floor) and conversions during "
            "childhood (lowering it) are taken to cancel. WPP2019 puts 2010 ages 0-14 "
            "11-19 % above the census count.",
        },
        {
            "id": "A8",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": f"At ages 16-{STUDENT_BRIDGE_END - 1}, h is at least the straight line "
            f"from the children's share at 15 to h({STUDENT_BRIDGE_END}).",
            "reasoning": "Rural-hukou pupils boarding at county-town senior high schools and "
            "college students live in urban areas but are neither rural residents nor migrant "
            "workers, so r + u understates h at these ages; the line avoids a drop from 73 % "
            "at 15 to about 60 % at 16.",
        },
        {
            "id": "A9",
            "files": ["mortality.csv", "mortality_national.csv"],
            "assumption": "WPP2024 period mx are interpolated linearly in time between period "
            "midpoints (2007.5 ... 2037.5), evaluated at mid-year t + 0.5; single ages are "
            "log-linear between 5-year group midpoints (the 100+ rate placed at 102.5 for ages "
            "98-99); age 100 (100+) takes the open-group rate. qx = 1 - exp(-mx).",
            "reasoning": "DEMOGRAPHY.md 'Mortality 2008-2035'. The abridged life table built "
            "from the same rates reproduces WPP2024's e0 for 2010 within 0.1 years "
            f"(men {mort.e0_national[i2010, 0]:.2f} vs 73.19; women "
            f"{mort.e0_national[i2010, 1]:.2f} vs 78.33).",
        },
        {
            "id": "A10",
            "files": ["mortality.csv", "hukou_conversions.csv"],
            "assumption": "Rural-hukou mx = k(t, sex) x national mx at every age, with k chosen "
            f"so that rural e0 is {RURAL_E0_GAP_2010} years below national up to 2010, the "
            f"gap narrowing linearly to {RURAL_E0_GAP_2035} years in 2035 (k 2010: men "
            f"{mort.k[i2010, 0]:.3f}, women {mort.k[i2010, 1]:.3f}; 2035: men "
            f"{mort.k[-1, 0]:.3f}, women {mort.k[-1, 1]:.3f}).",
            "reasoning": "DEMOGRAPHY.md caveat 5: modelled rural e0 in 2000 was 1.4 (men) and "
            "1.7 (women) years below national (Congdon 2007); rural gains have outpaced urban "
            "since. The gap is for rural residence and is used for rural hukou; halving it by "
            "2035 is an assumption.",
        },
        {
            "id": "A11",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "The missing 2013 hukou rate is the mean of 2012 and 2014 (35.615); "
            "the unconfirmed 2022 value (47.7) is replaced by the mean of 2021 and 2023 (47.5).",
            "reasoning": "DEMOGRAPHY.md caveat 4: 2013 not found, 2022 has no primary source. "
            "Using 47.7 would move about 2.8 m conversions from 2023 to 2022.",
        },
        {
            "id": "A12",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "Across the 2015 reform, the genuine rise of the rate in 2015 is "
            f"{conv.genuine_2015:.3f} points, the value that makes the conversions of "
            "2014-2023 add up to MPS's 150 m; the other "
            f"{conv.jump_2015:.3f} points of the 35.9 -> 39.9 jump are definitional and are "
            "subtracted from every rate from 2015 on (hukou_rate_bridged_pct).",
            "reasoning": "DEMOGRAPHY.md: bridge the jump, do not simulate it. The model "
            "therefore keeps the pre-reform (agricultural hukou) definition throughout: its "
            "rural-hukou stock after 2014 sits about "
            f"{conv.jump_2015:.1f} points of the population above the official urban-hukou "
            "complement. The other MPS figure (140 m over the ten years to 2022) is an "
            "independent check (see checks, which also give the 2014-2023 total if the 2015 "
            "rise were the 2016 one).",
        },
        {
            "id": "A13",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "After 2023 the hukou rate is the resident urbanisation rate minus its "
            f"2023 gap ({rates.resident_gap_2023:.2f} points). The resident rate is NBS's for "
            "2024-2025 and then rises by the 2021-2025 mean rise in 2026, falling linearly to "
            f"{RESIDENT_RATE_RISE_2035} points a year in 2035 (2035: "
            f"{rates.resident[LAST_YEAR]:.1f} %; hukou rate {rates.official[LAST_YEAR]:.1f} %).",
            "reasoning": "DEMOGRAPHY.md offers the hukou trend (+1.0-1.2 a year since 2015) or "
            "the resident rate minus a gap of about 18 points; the latter uses the published "
            "2024-2025 resident rates and lets urbanisation slow as it matures. No official "
            "hukou rate exists after 2023.",
        },
        {
            "id": "A14",
            "files": ["hukou_conversions.csv"],
            "assumption": "Year-end population is NBS's (as first published); deaths are births "
            "minus the change in population (this reproduces NBS's deaths, e.g. 10.14 m in "
            "2021), except 2020, where the census revision breaks the population series, "
            "which takes the mean of 2019 and 2021. After 2023 the population falls by "
            f"{POPULATION_DECLINE_AFTER_2023 * 100:.1f} % a year, births stay at the 2023 "
            "level and the crude death rate at its 2023 level. Conversions are computed as "
            "P(t-1) x the change in the (bridged) rate + the rural excess of natural increase, "
            "which is the identity R(t-1) + rural births - rural deaths - R(t) without the "
            "2019-2020 revision step in P.",
            "reasoning": "DEMOGRAPHY.md caveat 2 (revisions). The post-2023 vital rates enter "
            "only the small excess-natural-increase term.",
        },
        {
            "id": "A15",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "Rural-hukou shares of births and deaths are phi_b x and phi_d x the "
            f"all-age rural share, with phi_b = {conv.phi_b:.4f} (the 2008 children's share / "
            f"all-age share) and phi_d = {conv.phi_d:.4f} (implied by the 2008 stock, h and "
            "k), held constant.",
            "reasoning": "Rural fertility is higher (DEMOGRAPHY.md); no series of births by "
            "hukou was found.",
        },
        {
            "id": "A16",
            "files": ["hukou_conversions.csv"],
            "assumption": f"{CONVERSION_ADULT_SHARE:.0%} of conversions are of people aged 16+.",
            "reasoning": "Conversions concentrate among people aged 20-40 and their children "
            "(DEMOGRAPHY.md): a couple with about 0.7 children under 16 is 74 % adult; students "
            "converting at college entry are all adult; whole villages reclassified follow the "
            "rural-hukou age structure (77 % aged 16+ in 2008). Plausible range 0.70-0.80.",
        },
        {
            "id": "A17",
            "files": ["hukou_conversions.csv"],
            "assumption": "rate = persons_16plus / rural-hukou 16+ stock at the start of the "
            "year (rural_16plus_at_start), the stock being projected from rural_hukou_2008.csv "
            "with mortality.csv and entrants.csv, conversions taken evenly from all ages.",
            "reasoning": "The model's own stock is the denominator it applies the rate to; a "
            "concentration of conversions at ages 20-40 would change the denominator only "
            "through the slightly different deaths.",
        },
        {
            "id": "A18",
            "files": ["entrants.csv"],
            "assumption": "Cohort size at 16 = WPP2024 births of year t-16 x survival to 16 at "
            "the WPP2024 single-age rates of the years lived (the 2005-2010 rates before "
            "2007.5). The 2010 census cohort counts are not used.",
            "reasoning": "DEMOGRAPHY.md allows either. WPP2019 puts the 2010 census under-count "
            "at 11-19 % for ages 10-14 as well as 0-9, so correcting only 0-9 would leave the "
            "2011-2016 entrants too low; WPP2024 is consistent with the 2020 census. WPP "
            "births x survival lies between the raw and the corrected census counts (both in "
            "checks). Using 2005-2010 rates for the 1990s understates child deaths by about "
            "1-2 % of a cohort.",
        },
        {
            "id": "A19",
            "files": ["entrants.csv"],
            "assumption": "The male share of a birth cohort is interpolated by birth year from "
            "WPP2019 sex ratios of 5-year groups (2010: 15-19, 10-14, 5-9, 0-4; 2015 and "
            "2020: 0-4, placed at the group's mid birth year).",
            "reasoning": "WPP2024 births are not split by sex here; the WPP2019 ratios (1.11-1.17) "
            "include the UN's correction of the census under-count of girls.",
        },
        {
            "id": "A20",
            "files": ["entrants.csv"],
            "assumption": "Rural-hukou share of an entrant cohort: for cohorts born by 2008, the "
            "children's 2008 share (A7); for cohorts born 2009+, phi_b x (1 - bridged rate of "
            "the birth year) (the birth-year floor raised for higher rural fertility). Either "
            "is then reduced by conversions in childhood at "
            f"{CHILD_CONVERSION_RELATIVE_HAZARD:g} x the all-age conversion hazard of each "
            "year from 2009 (or the year after birth) to t-1.",
            "reasoning": "DEMOGRAPHY.md: subtract conversions during childhood if the model "
            "tracks them. The model converts adults only (persons_16plus), so the quarter of "
            "conversions that are children (A16) must come off the entrants; that, and the flat "
            "children's share of A7, put the share at 16 below its birth-year floor (both are "
            "in checks). The entrants' share stays about 1.1 times the all-age (bridged) share, "
            "as children's did in 2008.",
        },
        {
            "id": "A21",
            "files": ["standard_population.csv"],
            "assumption": "The standard population is the 2010 census count (both sexes, as "
            "tabulated, without A1's inflation) in the NBS migrant-worker bands, top-coded "
            "at 61+.",
            "reasoning": "Brief. Weights are persons / total.",
        },
    ]


def checks(shared: Shared, built: Built) -> dict[str, Any]:
    """Key figures and cross-checks, recorded in sources.yaml."""
    st, conv, ent, mort = built.stock, built.conv, built.entrants, built.mortality
    rural = st.rural
    years = conv.years
    allc = pd.Series(conv.all_ages, index=years)
    c16 = pd.Series(built.conv16, index=years)
    i2010 = 2010 - FIRST_YEAR
    e0_wpp = shared.table("life_expectancy_e0_wpp2024")
    wpp2010 = {
        sex: float(e0_wpp[(e0_wpp["year"] == 2010) & (e0_wpp["sex"] == sex)]["value"].iloc[0])
        for sex in SEXES
    }
    qx_r, qx_n = mort.qx_rural(), mort.qx_national()
    migrants = shared.target("nbs.migrant_workers_total", 2008) * 1e4
    bands = []
    for lo, hi, key in MIGRANT_BANDS:
        top = MAX_AGE if hi == MIGRANT_OLDEST_AGE else hi
        workers = migrants * shared.target(key, 2008) / 100
        stock = rural[:, lo : top + 1].sum()
        bands.append(
            {
                "band": key.rsplit("_", 1)[-1],
                "migrant_workers_m": round(workers / 1e6, 2),
                "rural_hukou_m": round(stock / 1e6, 2),
                "ratio": round(stock / workers, 2),
            }
        )
    d2016 = conv.bridged_rate[2016] - conv.bridged_rate[2015]
    alt = MPS_CONVERSIONS_2014_2023 - conv.population[2014] * (conv.genuine_2015 - d2016) / 100
    rnd = round
    return {
        "rural_hukou_16plus_2008_m": {
            "male": rnd(rural[0, MIN_AGE:].sum() / 1e6, 2),
            "female": rnd(rural[1, MIN_AGE:].sum() / 1e6, 2),
            "total": rnd(rural[:, MIN_AGE:].sum() / 1e6, 2),
        },
        "national_16plus_2008_m": rnd(st.national[:, MIN_AGE:].sum() / 1e6, 2),
        "rural_share_16plus_2008": rnd(
            rural[:, MIN_AGE:].sum() / st.national[:, MIN_AGE:].sum(), 4
        ),
        "rural_share_all_ages_2008_target": rnd(st.hukou_target, 4),
        "rural_share_children_0_15_2008": rnd(st.child_share, 4),
        "rural_hukou_all_ages_2008_m": rnd((st.weights * st.h).sum() / 1e6, 1),
        "rural_hukou_all_ages_2008_nbs_based_m": rnd(
            shared.series("rural_hukou_population_derived")[2008] / 100, 1
        ),
        "national_all_ages_2008_m (census-based, children corrected)": rnd(
            st.weights.sum() / 1e6, 1
        ),
        "national_all_ages_2008_nbs_m": rnd(shared.series("population_yearend_nbs")[2008] / 100, 1),
        "rural_sex_ratio_16plus_2008": rnd(rural[0, MIN_AGE:].sum() / rural[1, MIN_AGE:].sum(), 4),
        "rural_hukou_16_40_2008_m": rnd(rural[:, MIN_AGE:41].sum() / 1e6, 2),
        "migrant_workers_40_or_under_2008_m": rnd(
            migrants * shared.target("nbs.age_share_40_or_under", 2008) / 100 / 1e6, 2
        ),
        "migrant_workers_vs_rural_hukou_by_band_2008 (50+ = 51-100)": bands,
        "e0_2010": {
            sex: {
                "wpp2024": wpp2010[sex],
                "national_rebuilt": rnd(float(mort.e0_national[i2010, s]), 2),
                "rural": rnd(float(mort.e0_rural[i2010, s]), 2),
            }
            for s, sex in enumerate(SEXES)
        },
        "e16_2010 (from the single-age qx files)": {
            sex: {
                "national": rnd(e_from_qx(qx_n[i2010, s, MIN_AGE:]), 2),
                "rural": rnd(e_from_qx(qx_r[i2010, s, MIN_AGE:]), 2),
            }
            for s, sex in enumerate(SEXES)
        },
        "rural_mortality_factor_k": {
            int(y): [rnd(float(mort.k[i, 0]), 4), rnd(float(mort.k[i, 1]), 4)]
            for i, y in enumerate(mort.years)
            if y in (2008, 2010, 2015, 2020, 2025, 2030, 2035)
        },
        "entrants_m": {
            int(y): rnd(float(ent.persons[i].sum()) / 1e6, 3)
            for i, y in enumerate(ent.years)
            if y in (2009, 2015, 2020, 2025, 2030, 2035)
        },
        "entrants_total_2009_2035_m": rnd(float(ent.persons.sum()) / 1e6, 1),
        "entrant_cohorts": [
            {
                "year": int(y),
                "cohort_wpp_m": rnd(float(ent.cohort[i].sum()) / 1e6, 3),
                "cohort_census_corrected_m": None
                if np.isnan(ent.census[i])
                else rnd(float(ent.census[i]) / 1e6, 3),
                "rural_share_at_16": rnd(float(ent.share[i]), 4),
                "birth_year_floor": rnd(float(ent.floor[i]), 4),
            }
            for i, y in enumerate(ent.years)
        ],
        "conversions_all_ages_m": {
            int(y): rnd(float(v) / 1e6, 2) for y, v in zip(years, conv.all_ages, strict=True)
        },
        "conversions_all_ages_2014_2023_m": rnd(float(allc.loc[2014:2023].sum()) / 1e6, 1),
        "conversions_all_ages_2014_2023_if_2015_rise_equalled_2016_m": rnd(alt / 1e6, 1),
        "conversions_all_ages_2013_2022_m (MPS: 140)": rnd(
            float(allc.loc[2013:2022].sum()) / 1e6, 1
        ),
        "conversions_all_ages_mean_2016_2020_m (target: 13)": rnd(
            float(allc.loc[2016:2020].mean()) / 1e6, 2
        ),
        "conversions_16plus_mean_2016_2020_m (target x adult share: "
        f"{13 * CONVERSION_ADULT_SHARE:.2f})": rnd(float(c16.loc[2016:2020].mean()) / 1e6, 2),
        "hukou_rate_2015_genuine_rise_points": rnd(conv.genuine_2015, 3),
        "hukou_rate_2015_definitional_jump_points": rnd(conv.jump_2015, 3),
    }


def describe(shared: Shared, built: Built) -> dict[str, Any]:
    """The content of sources.yaml."""
    y2010 = (2010, 2010)
    mx: list[Cite] = [("life_table_mx_wpp2024_national", None)]
    stock_tables: list[Cite] = [
        ("population_by_age_sex_census_national", y2010),
        ("census_population_total", y2010),
        ("census_population_rural_residence", y2010),
        ("life_table_mx_wpp2024_national", (2005, 2005)),
        ("population_by_age_sex_wpp2019_national", y2010),
        ("population_15plus_by_age_sex_longform2010_rural_residence", y2010),
        ("population_15plus_by_age_sex_longform2010_all_areas", y2010),
        ("hukou_urbanisation_rate", (2001, 2008)),
        ("hukou_type_2005_1pct_sample_agricultural", None),
        ("hukou_type_2005_1pct_sample_all", None),
    ]
    stock_targets = [
        ("nbs.outmigrant_workers (waichu)", 2008),
        ("nbs.migrant_workers_total", 2008),
        ("nbs.female_share_outmigrants", 2014),
        *[(key, 2008) for _, _, key in MIGRANT_BANDS],
        ("nbs.age_share_40_or_under", 2008),
    ]
    conv_tables: list[Cite] = [
        ("hukou_urbanisation_rate", None),
        ("resident_urbanisation_rate", (2020, 2025)),
        ("population_yearend_nbs", (2007, 2023)),
        ("births_nbs", (2009, 2023)),
        ("hukou_conversions_cumulative", None),
        ("hukou_conversion_target", None),
        ("rural_hukou_population_derived", (2008, 2008)),
        *mx,
    ]
    entrant_tables: list[Cite] = [
        ("births_wpp2024", (FIRST_YEAR + 1 - 16, LAST_YEAR - 16)),
        ("population_by_age_sex_wpp2019_national", None),
        ("population_by_age_sex_census_national", y2010),
        *mx,
        ("hukou_urbanisation_rate", None),
    ]
    mortality_tables: list[Cite] = [
        *mx,
        ("life_expectancy_e0_wpp2024", y2010),
        ("life_expectancy_e0_2000_model_rural_residence", None),
        ("life_expectancy_e0_2000_model_all", None),
    ]
    by_file = {a["id"]: a["files"] for a in assumptions(built)}

    def ids(name: str) -> list[str]:
        return [key for key, files in by_file.items() if name in files]

    person_cols = {
        "sex": "male or female",
        "age": "completed years at 31 Dec 2008, 16..100 (100 = 100+)",
        "persons": "persons",
    }
    files: dict[str, Any] = {
        "rural_hukou_2008.csv": {
            "description": "Rural-hukou (agricultural hukou) persons aged 16+ at 31 Dec 2008, "
            "by sex and single year of age: the model's starting stock.",
            "unit": "persons",
            "columns": person_cols,
            "derivation": "2010 census single-year counts shifted back two years (A1, A2) = the "
            "national stock N(a); times h(a), the agricultural-hukou share by age and sex, "
            "whose all-age mean is 1 - 0.3328 (the 2008 hukou rate) over a population with the "
            "child under-count corrected. h = 2010 long-form rural-residence share + out-migrant "
            "workers per capita + a constant by sex for ages 16+ (A3-A6, A8), a single "
            "birth-year-floor share for ages 0-15 (A7).",
            "sources": citations(shared, stock_tables) + target_citations(shared, stock_targets),
            "assumptions": ids("rural_hukou_2008.csv"),
        },
        "urban_hukou_2008.csv": {
            "description": "Urban-hukou persons aged 16+ at 31 Dec 2008 (national minus rural "
            "hukou), by sex and age: the reference sample of urban locals.",
            "unit": "persons",
            "columns": person_cols,
            "derivation": "N(a) x (1 - h(a)), the complement of rural_hukou_2008.csv.",
            "sources": "as rural_hukou_2008.csv",
            "assumptions": ids("urban_hukou_2008.csv"),
        },
        "entrants.csv": {
            "description": "Rural-hukou persons turning 16 in each year 2009-2035 (born in year "
            "- 16), by sex.",
            "unit": "persons",
            "columns": {"year": "2009..2035", "sex": "male or female", "persons": "persons"},
            "derivation": "WPP2024 births of year - 16 x male/female share x survival to 16 x "
            "rural-hukou share at 16 (A18-A20, A7, A12, A15, A16).",
            "sources": citations(shared, entrant_tables),
            "assumptions": ids("entrants.csv"),
        },
        "mortality.csv": {
            "description": "Annual death probability of rural-hukou persons by year, sex and age.",
            "unit": "probability of dying within the calendar year",
            "columns": {
                "year": "2008..2035",
                "sex": "male or female",
                "age": "16..100 (100 = 100+)",
                "qx": "1 - exp(-mx)",
            },
            "derivation": "WPP2024 national mx interpolated in time and age (A9), times the "
            "rural factor k(t, sex) (A10).",
            "sources": citations(shared, mortality_tables),
            "assumptions": ids("mortality.csv"),
        },
        "mortality_national.csv": {
            "description": "The national schedule mortality.csv is scaled from (k = 1); for "
            "comparisons and for urban locals if no urban schedule is preferred.",
            "unit": "probability of dying within the calendar year",
            "columns": {
                "year": "2008..2035",
                "sex": "male or female",
                "age": "16..100 (100 = 100+)",
                "qx": "1 - exp(-mx)",
            },
            "derivation": "WPP2024 national mx interpolated in time and age (A9).",
            "sources": citations(shared, mx),
            "assumptions": ids("mortality_national.csv"),
        },
        "hukou_conversions.csv": {
            "description": "Rural -> urban hukou conversions of persons aged 16+ by year, and "
            "the rate on the rural-hukou 16+ stock.",
            "unit": "persons; rate = share of the stock at the start of the year",
            "columns": {
                "year": "2009..2035",
                "persons_16plus": "conversions of persons aged 16+ in the year",
                "rate": "persons_16plus / rural_16plus_at_start",
                "persons_all_ages": "all-age conversions (informative)",
                "rural_16plus_at_start": "projected rural-hukou 16+ stock at 1 Jan (A17)",
                "hukou_rate_pct": "official hukou urbanisation rate (interpolated/extrapolated)",
                "hukou_rate_bridged_pct": "the same without the 2015 definitional jump",
            },
            "derivation": "conversions = R(t-1) + rural births - rural deaths - R(t) with R = "
            "P x (1 - bridged hukou rate) (DEMOGRAPHY.md), in the form of A14; x the adult "
            "share (A16); divided by the projected 16+ stock (A17).",
            "sources": citations(shared, conv_tables),
            "assumptions": ids("hukou_conversions.csv"),
        },
        "standard_population.csv": {
            "description": "National population aged 16+ of the 2010 census by broad age band, "
            "both sexes: the standard for age-standardising health gaps.",
            "unit": "persons (census of 1 Nov 2010, excluding servicemen and persons of "
            "undetermined residence)",
            "columns": {"age_band": "16-20, 21-30, 31-40, 41-50, 51-60, 61+", "persons": "persons"},
            "derivation": "Sum of population_by_age_sex_census_national (2010) over sexes and "
            "the band's ages.",
            "sources": citations(shared, [("population_by_age_sex_census_national", y2010)]),
            "assumptions": ids("standard_population.csv"),
        },
        "calibration_targets.csv": {
            "description": "Calibration targets (NBS migrant-worker reports, literature), "
            "copied unchanged from the shared data; each row carries its source and confidence. "
            "Some value cells are ranges (e.g. 26-49) or empty.",
            "unit": "per row (unit column)",
            "columns": {
                "key": "",
                "year": "",
                "value": "",
                "unit": "",
                "source": "",
                "confidence": "confirmed / approximate / unconfirmed",
            },
            "derivation": "copy",
            "sources": "per row",
            "assumptions": [],
        },
    }
    return {
        "about": "Demographic inputs of migrant_health, built by tools/build_demography.py from "
        "the shared data folder (demography.csv and calibration_targets.csv, documented in its "
        "DEMOGRAPHY.md and README.md). Re-run the script to rebuild; do not edit the CSV files "
        "by hand.",
        "conventions": "Stocks are at 31 Dec; flows happen during the year. Ages are completed "
        "years and 100 means 100+. The model keeps the pre-2015 (agricultural hukou) "
        "definition of rural hukou throughout (A12).",
        "files": files,
        "assumptions": assumptions(built),
        "checks": checks(shared, built),
    }


def _plain(node: Any) -> Any:
    """Numpy scalars and tuples -> plain Python, for yaml.safe_dump."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, int) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_plain(v) for v in node]
    if isinstance(node, np.integer):
        return int(node)
    if isinstance(node, np.floating):
        return float(node)
    return node


def write(shared_dir: Path, out_dir: Path, shared: Shared, built: Built) -> list[Path]:
    """Write the CSV files, copy the targets and write sources.yaml."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in frames(built).items():
        path = out_dir / name
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    target = out_dir / "calibration_targets.csv"
    shutil.copyfile(shared_dir / "calibration_targets.csv", target)
    written.append(target)
    path = out_dir / "sources.yaml"
    text = yaml.safe_dump(
        _plain(describe(shared, built)), sort_keys=False, allow_unicode=True, width=100
    )
    header = "# Generated by tools/build_demography.py; do not edit by hand.\n"
    path.write_text(header + text, encoding="utf-8")
    written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="folder holding demography.csv and calibration_targets.csv "
        "(default: ../shared/data beside the repository)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: src/migrant_health/data in the repository)",
    )
    args = parser.parse_args(argv)
    shared_dir = args.shared if args.shared.is_absolute() else (Path.cwd() / args.shared)
    if not (shared_dir / "demography.csv").is_file():
        print(f"error: {shared_dir / 'demography.csv'} not found; pass --shared", file=sys.stderr)
        return 2
    shared = read_shared(shared_dir)
    built = build(shared)
    for path in write(shared_dir, args.out, shared, built):
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")
    summary = _plain(checks(shared, built))
    for key in (
        "rural_hukou_16plus_2008_m",
        "rural_share_16plus_2008",
        "entrants_m",
        "conversions_all_ages_mean_2016_2020_m (target: 13)",
        "e0_2010",
    ):
        print(f"{key}: {summary[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""National and rural-hukou mortality by single year of age, 2008-2035 (A9, A10).

The national schedule is the WPP2024 period mx, interpolated linearly in time between period
midpoints and log-linearly in age between 5-year group midpoints. Rural-hukou mortality is the
national schedule times a factor k(t, sex), chosen so that rural life expectancy at birth falls
short of the national one by the assumed gap. Life expectancies come from an abridged life table
with the a-values of the shared ``DEMOGRAPHY.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .parameters import (
    ALL_AGES,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_AGE,
    RURAL_E0_GAP_2010,
    RURAL_E0_GAP_2035,
    SEXES,
)
from .sources import Shared

# WPP mx age groups: lower bounds 0, 1, 5, 10, ..., 95, 100 (100+ open).
MX_LOWER = np.array([0, 1, *range(5, 101, 5)])
MX_WIDTH = np.array([1, 4, *([5] * 19), np.inf])


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

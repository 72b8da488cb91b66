"""Projection of the rural-hukou 16+ stock: the denominator of the adult conversion rate (A17)."""

from __future__ import annotations

import numpy as np

from .entrants import Entrants
from .mortality import Mortality
from .parameters import MIN_AGE
from .population import Stock2008


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

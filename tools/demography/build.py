"""Every derivation, run in order, and the results they hand to the writers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .conversions import Conversions, build_conversions
from .entrants import Entrants, build_entrants
from .mortality import Mortality, build_mortality, mx_periods
from .parameters import CONVERSION_ADULT_SHARE
from .population import Stock2008, build_stock_2008
from .projection import project_adult_stock
from .sources import Shared
from .standard_population import standard_population
from .urbanisation import HukouRates, hukou_rates


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
    """Run every derivation.

    The order follows the dependencies: the 2008 stock needs the mortality periods and the hukou
    rates; the conversions need the stock and mortality; the entrants need the conversions; the
    adult conversion rate needs all of them.

    Args:
        shared: The shared tables.

    Returns:
        Everything computed.
    """
    periods = mx_periods(shared)
    rates = hukou_rates(shared)
    mortality = build_mortality(periods)
    stock = build_stock_2008(shared, periods, rates)
    conv = build_conversions(shared, rates, stock, mortality)
    entrants = build_entrants(shared, periods, rates, stock, conv)
    conv16 = conv.all_ages * CONVERSION_ADULT_SHARE
    start, rate = project_adult_stock(stock, mortality, entrants, conv16)
    return Built(
        stock=stock,
        mortality=mortality,
        rates=rates,
        conv=conv,
        entrants=entrants,
        conv16=conv16,
        stock16_start=start,
        rate16=rate,
        standard=standard_population(shared),
    )

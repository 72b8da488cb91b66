"""The standard population for age-standardising health gaps (A21)."""

from __future__ import annotations

import pandas as pd

from .parameters import MAX_AGE
from .sources import Shared, census_2010

# Standard-population bands (NBS migrant-worker age bands, top-coded at 61+).
STANDARD_BANDS: tuple[tuple[str, int, int], ...] = (
    ("16-20", 16, 20),
    ("21-30", 21, 30),
    ("31-40", 31, 40),
    ("41-50", 41, 50),
    ("51-60", 51, 60),
    ("61+", 61, MAX_AGE),
)


def standard_population(shared: Shared) -> pd.DataFrame:
    """The 2010 census count, both sexes, in the standard bands.

    The census as tabulated, without A1's inflation for persons of undetermined residence: the
    standard only supplies weights, and a pro-rata inflation would not change them.

    Args:
        shared: The shared tables.

    Returns:
        A frame with columns ``age_band`` and ``persons`` (unrounded), one row per band.
    """
    census = census_2010(shared).sum(axis=0)
    return pd.DataFrame(
        {
            "age_band": [name for name, _, _ in STANDARD_BANDS],
            "persons": [census[lo : hi + 1].sum() for _, lo, hi in STANDARD_BANDS],
        }
    )

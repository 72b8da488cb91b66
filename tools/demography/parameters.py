"""Conventions of the demographic data and the tunable numbers of its assumptions.

Conventions: ages are completed years; age 100 means 100+. "Year t" stock figures are at 31 Dec
of year t; flows (entrants, deaths, conversions) happen during year t.

Each assumption the data do not settle is stated, with its reasoning and the figures it produced,
in :mod:`demography.assumptions` (IDs A1-A21, copied into ``sources.yaml``). Only its tunable
numbers live here: change one, re-run ``tools/build_demography.py``, then run
``tests/test_demography_data.py``.
"""

from __future__ import annotations

import numpy as np

FIRST_YEAR = 2008
LAST_YEAR = 2035
MIN_AGE = 16
MAX_AGE = 100  # open-ended: 100 means 100+
SEXES = ("male", "female")
ADULT_AGES = np.arange(MIN_AGE, MAX_AGE + 1)
ALL_AGES = np.arange(0, MAX_AGE + 1)

# ---------------------------------------------------------------------------------------------
# Assumptions. The IDs refer to the list in demography.assumptions, which states each one with its
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

# NBS 2008 migrant-worker age bands (first age, last age, calibration_targets key).
MIGRANT_BANDS: tuple[tuple[int, int, str], ...] = (
    (16, 20, "nbs.age_share_16-20"),
    (21, 30, "nbs.age_share_21-30"),
    (31, 40, "nbs.age_share_31-40"),
    (41, 50, "nbs.age_share_41-50"),
    (51, MIGRANT_OLDEST_AGE, "nbs.age_share_50+"),
)

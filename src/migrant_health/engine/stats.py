"""The cells that sufficient statistics are accumulated in, and their dimensions.

A *main cell* crosses place-and-stage (``sgroup``), sex, age band, education and origin region.
``sgroup`` folds status, stage of integration and city tier into one dimension, because stage
and tier exist only for out-migrants: 0 rural_stayer, 1 local_migrant, 2 returned,
3 urban_hukou, 4 urban_local, then ``5 + 4 * stage + (tier - 1)`` for out-migrants. Every
statistic (declared with the metrics, :mod:`migrant_health.engine.metrics`) is a weighted sum,
so chunk results add up exactly and any group is a sum of cells.

After the main cells come the *tenure cells*: out-migrants are added a second time, by years in
the city (0-1, 2-4, 5-9, 10+), sex and age band. A full years-in-city dimension would triple the
accumulator; this block adds 48 cells to the 3,060 main ones.

Then the *cohort cells*: everyone who has ever out-migrated, whatever their status now (still in
the city, returned, working locally, or converted to urban hukou), by arrival cohort (the year
of their first out-migration; the base-year stock and the base year's returnees form the first
cohort), sex and age band: groups that follow people rather than statuses.

Every person is in exactly one main cell, every out-migrant also in one tenure cell and every
person who has ever out-migrated also in one cohort cell, so a group is a sum of one kind of
cell only: main cells (``all``, status, ...), tenure cells (``years_in_city``) or cohort cells
(``arrival_cohort``).
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    AGE_BAND_LABELS,
    EDUCATION_LABELS,
    REGION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    TIER_LABELS,
)

SGROUP_STATUS = (
    "rural_stayer",
    "local_migrant",
    "returned",
    "urban_hukou",
    "urban_local",
    *("out_migrant" for _ in range(12)),
)
SGROUP_STAGE = (None,) * 5 + tuple(STAGE_LABELS[k // 4] for k in range(12))
SGROUP_TIER = (None,) * 5 + tuple(TIER_LABELS[k % 4] for k in range(12))
N_SGROUP = len(SGROUP_STATUS)
DIMENSIONS = {
    "sgroup": N_SGROUP,
    "sex": len(SEX_LABELS),
    "age_band": len(AGE_BAND_LABELS),
    "education": len(EDUCATION_LABELS),
    "origin_region": len(REGION_LABELS),
}
N_MAIN_CELLS = int(np.prod(list(DIMENSIONS.values())))

#: Years in the city of out-migrants, by band: the first and last full year of each (10+ open).
YEARS_IN_CITY_LABELS = ("0-1", "2-4", "5-9", "10+")
YEARS_IN_CITY_FIRST = (0, 2, 5, 10)
TENURE_DIMENSIONS = {
    "years_in_city": len(YEARS_IN_CITY_LABELS),
    "sex": len(SEX_LABELS),
    "age_band": len(AGE_BAND_LABELS),
}
#: Index of the first tenure cell: the tenure block follows the main cells.
FIRST_TENURE_CELL = N_MAIN_CELLS
N_TENURE_CELLS = int(np.prod(list(TENURE_DIMENSIONS.values())))

#: Arrival cohorts of everyone who has ever out-migrated: by the base year, then seven-year
#: spans to the end of the data, by the first year of each.
ARRIVAL_COHORT_LABELS = ("by2008", "2009-2015", "2016-2022", "2023-2035")
ARRIVAL_COHORT_FIRST = (0, 2009, 2016, 2023)
COHORT_DIMENSIONS = {
    "arrival_cohort": len(ARRIVAL_COHORT_LABELS),
    "sex": len(SEX_LABELS),
    "age_band": len(AGE_BAND_LABELS),
}
#: Index of the first cohort cell: the cohort block follows the tenure cells.
FIRST_COHORT_CELL = FIRST_TENURE_CELL + N_TENURE_CELLS
N_COHORT_CELLS = int(np.prod(list(COHORT_DIMENSIONS.values())))
N_CELLS = N_MAIN_CELLS + N_TENURE_CELLS + N_COHORT_CELLS


def empty_accumulator(n_years: int, n_statistics: int) -> np.ndarray:
    """Zeroed ``(years, cells, statistics)`` float64 array (main, tenure, then cohort cells)."""
    return np.zeros((n_years, N_CELLS, n_statistics), dtype=np.float64)

"""Sufficient statistics accumulated per year and cell, and the cells' dimensions.

A *cell* crosses place-and-stage (``sgroup``), sex, age band, education and origin region.
``sgroup`` folds status, stage of integration and city tier into one dimension, because stage
and tier exist only for out-migrants: 0 rural_stayer, 1 local_migrant, 2 returned,
3 urban_hukou, 4 urban_local, then ``5 + 4 * stage + (tier - 1)`` for out-migrants. Every
statistic is a weighted sum, so chunk results add up exactly and any group is a sum of cells.
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
N_CELLS = int(np.prod(list(DIMENSIONS.values())))

# Statistics: weighted sums per cell. The order defines the column index used by kernels.
STATS = (
    "persons",
    "migrant_workers",
    "migrant_workers_out",
    "migrant_workers_local",
    "migrant_workers_female",
    "sum_age_migrant_workers",
    "poor_health",
    "depressed",
    "overweight",
    "sum_bmi",
    "sum_health",
    "sum_mental",
    "out_migrants",
    "sum_economic",
    "sum_social",
    "sum_cultural",
    "sum_identity",
    "sum_index",
    "living_subsistence",
    "living_moderately_prosperous",
    "living_developmental",
    "phase_entrant",
    "phase_settler",
    "phase_immigrant",
    "insured_destination",
    "health_record",
    "stay_intention",
    "sum_support",
    "sum_local_ties",
    "out_employed",
    "catastrophic",
    "earners",
    "sum_income",
    "sum_hours",
    "over_44h",
    "arrears",
    "returns",
    "returns_health_driven",
    "poor_before_return",
    "first_migrations",
    "remigrations",
    "hukou_conversions",
    "deaths",
    "entrants",
    "rural_medical_spending",
    "sum_oop",
    "chronic",
)
N_STATS = len(STATS)
S = {name: k for k, name in enumerate(STATS)}


def empty_accumulator(n_years: int) -> np.ndarray:
    """Zeroed ``(years, cells, stats)`` float64 array."""
    return np.zeros((n_years, N_CELLS, N_STATS), dtype=np.float64)

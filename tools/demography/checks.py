"""Key figures of the built data and their cross-checks against independent sources.

Recorded under ``checks`` in ``sources.yaml``; the entry point prints a few of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .build import Built
from .mortality import e_from_qx
from .parameters import (
    CONVERSION_ADULT_SHARE,
    FIRST_YEAR,
    MAX_AGE,
    MIGRANT_BANDS,
    MIGRANT_OLDEST_AGE,
    MIN_AGE,
    MPS_CONVERSIONS_2014_2023,
    SEXES,
)
from .sources import Shared


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

"""Human labels for calibration target series, for titles a reader recognises.

A target key (``nbs.female_share_outmigrants``) identifies a series in the targets file; it is
not a title. The report titles each series with its label here, and puts the unit beside it
from the targets file (``% of out-migrants``), so the label says *what* is measured and the
unit *in what*. The source comes from the key's prefix. A key without a label (a target added
to :data:`~migrant_health.experiments.targets.TARGET_MAP` since) is shown as it is.
"""

from __future__ import annotations

#: Who publishes the targets of a key prefix.
SOURCES: dict[str, str] = {
    "nbs": "NBS monitoring survey",
    "lit": "published studies",
    "seed": "the seed's figures",
}

_AGED = "Migrant workers aged"
_SCHOOLING = "Migrant workers with"

#: Label of every compared target series (keys of ``TARGET_MAP``).
LABELS: dict[str, str] = {
    "nbs.migrant_workers_total": "Migrant workers, total",
    "nbs.outmigrant_workers (waichu)": "Out-migrant workers (waichu)",
    "nbs.local_migrant_workers (bendi)": "Local migrant workers (bendi)",
    "nbs.outmigrants_cross_province": "Share of out-migrant workers in another province",
    "nbs.female_share_all": "Women among all migrant workers",
    "nbs.female_share_outmigrants": "Women among out-migrant workers",
    "nbs.female_share_local": "Women among local migrant workers",
    "nbs.mean_age": "Mean age of migrant workers",
    "nbs.age_share_16-20": f"{_AGED} 16-20",
    "nbs.age_share_21-30": f"{_AGED} 21-30",
    "nbs.age_share_31-40": f"{_AGED} 31-40",
    "nbs.age_share_41-50": f"{_AGED} 41-50",
    "nbs.age_share_50+": f"{_AGED} over 50",
    "nbs.age_share_40_or_under": f"{_AGED} 40 or under",
    "mw.out_share_21_40": "Out-migrant workers aged 21-40",
    "mw.out_share_under40": "Out-migrant workers under 40",
    "mw.local_share_21_40": "Local migrant workers aged 21-40",
    "nbs.edu_share_no_schooling": f"{_SCHOOLING} no schooling",
    "nbs.edu_share_primary": f"{_SCHOOLING} primary school",
    "nbs.edu_share_junior_high": f"{_SCHOOLING} junior high school",
    "nbs.edu_share_senior_high": f"{_SCHOOLING} senior high school",
    "nbs.edu_share_college_plus": f"{_SCHOOLING} junior college or above",
    "nbs.edu_share_senior_high_or_above": f"{_SCHOOLING} senior high or above",
    "nbs.edu_share_senior_high_or_above_outmigrants": "Out-migrant workers with senior high "
    "or above",
    "nbs.edu_share_senior_high_or_above_local": "Local migrant workers with senior high or above",
    "nbs.monthly_income_outmigrants": "Monthly income of out-migrant workers",
    "nbs.monthly_income_all_migrant_workers": "Monthly income of all migrant workers",
    "nbs.monthly_income_local_migrant_workers": "Monthly income of local migrant workers",
    "nbs.share_working_over_44h_week_outmigrants": "Out-migrant employees working over 44 "
    "hours a week",
    "nbs.mean_weekly_hours_employed_outmigrants": "Weekly hours of out-migrant employees",
    "nbs.share_working_over_44h_week": "Migrant workers working over 44 hours a week",
    "nbs.labour_contract_share": "Migrant workers with a labour contract",
    "nbs.labour_contract_share_outmigrant_employees": "Out-migrant employees with a labour "
    "contract",
    "nbs.outmigrant_insured_medical": "Out-migrants with medical insurance from the employer",
    "lit.poor_general_health_migrants": "Poor self-rated health, rural-urban migrants",
    "lit.health_insurance_any_migrants_CLDS": "Rural-urban migrants in any medical insurance",
    "lit.poor_general_health_urban_residents": "Poor self-rated health, urban residents",
    "lit.depression_prevalence": "Depression among migrant workers",
    "lit.clear_residence_intention_migrants": "Migrants with a clear intention to stay",
    "lit.long_term_residence_intention_migrants": "Migrants intending to stay long term",
    "lit.health_record_established_rate_migrants": "Migrants with a health record in the city",
    "lit.social_integration_index_overall": "Social integration index, overall",
    "lit.social_integration_index_economic": "Social integration index, economic",
    "lit.social_integration_index_behavioural": "Social integration index, behavioural",
    "exp.rural_pc_healthcare": "Health-care spending per head, rural residents",
    "exp.urban_pc_healthcare": "Health-care spending per head, urban residents",
    "che.cfps_rural_households": "Catastrophic health spending, rural residents",
    "che.cfps_urban_households": "Catastrophic health spending, urban residents",
    "che.nhss_all_households": "Catastrophic health spending, all residents (2008)",
}


def series_label(key: str) -> str:
    """The human label of a target series, or the key itself if it has none.

    Example:
        >>> series_label("nbs.female_share_outmigrants")
        'Women among out-migrant workers'
    """
    return LABELS.get(key, key)


def series_source(key: str) -> str:
    """Who publishes a series, from the prefix of its key (empty for an unknown prefix)."""
    prefix = key.split(".", 1)[0] if "." in key else ""
    return SOURCES.get(prefix, "")

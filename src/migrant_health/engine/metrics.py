"""The metrics of a run: name, unit, definition and how each is computed from the statistics.

``migrant-health metrics`` prints this registry. A metric is either a *total* (a sum of one
statistic, in persons or CNY) or a *ratio* of two sums over the same group of cells.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One output metric.

    Attributes:
        name: Metric name in the tidy table.
        unit: Unit of the value.
        definition: What it measures, among whom.
        numerator: Statistic summed on top.
        denominator: Statistic summed below, or ``None`` for a total.
        by: Extra key the metric is split by (``stage``, ``living_type``, ``phase``), if any.
    """

    name: str
    unit: str
    definition: str
    numerator: str
    denominator: str | None = None
    by: str | None = None


def _share(name: str, num: str, den: str, definition: str) -> Metric:
    return Metric(name, "share (0-1)", definition, num, den)


def _mean(name: str, unit: str, num: str, den: str, definition: str) -> Metric:
    return Metric(name, unit, definition, num, den)


METRICS: tuple[Metric, ...] = (
    Metric(
        "population",
        "persons",
        "people alive aged 16+ (rural-hukou origin; the urban-local "
        "reference sample only in its own status group)",
        "persons",
    ),
    Metric(
        "migrant_workers_total",
        "persons",
        "NBS migrant workers: rural hukou and non-farm "
        "work most of the year (employed out-migrants plus non-farm workers at origin, "
        "returnees included)",
        "migrant_workers",
    ),
    Metric(
        "migrant_workers_out",
        "persons",
        "NBS out-migrant workers (waichu): employed out-migrants",
        "migrant_workers_out",
    ),
    Metric(
        "migrant_workers_local",
        "persons",
        "NBS local migrant workers (bendi): non-farm "
        "work inside the home township, returnees included",
        "migrant_workers_local",
    ),
    _mean(
        "mean_age_migrant_workers",
        "years",
        "sum_age_migrant_workers",
        "migrant_workers",
        "mean age of NBS migrant workers",
    ),
    _share(
        "female_share_migrant_workers",
        "migrant_workers_female",
        "migrant_workers",
        "share of women among NBS migrant workers",
    ),
    _mean(
        "integration_economic",
        "index 0-1",
        "sum_economic",
        "out_migrants",
        "mean economic integration of out-migrants (stable job, income, housing, insurance)",
    ),
    _mean(
        "integration_social",
        "index 0-1",
        "sum_social",
        "out_migrants",
        "mean social integration of out-migrants (destination insurance, pension, local "
        "ties, participation)",
    ),
    _mean(
        "integration_cultural",
        "index 0-1",
        "sum_cultural",
        "out_migrants",
        "mean cultural integration of out-migrants (dialect, customs, habits)",
    ),
    _mean(
        "integration_identity",
        "index 0-1",
        "sum_identity",
        "out_migrants",
        "mean identity integration of out-migrants (belonging, acceptance, hukou)",
    ),
    _mean(
        "integration_index",
        "index 0-1",
        "sum_index",
        "out_migrants",
        "mean composite integration index of out-migrants",
    ),
    Metric(
        "stage_share",
        "share (0-1)",
        "share of out-migrants in each stage of integration (embedding, drifting, integration)",
        "out_migrants",
        "out_migrants",
        by="stage",
    ),
    Metric(
        "living_type_share",
        "share (0-1)",
        "share of out-migrants of each living type "
        "(subsistence, moderately prosperous, developmental)",
        "living",
        "out_migrants",
        by="living_type",
    ),
    Metric(
        "phase_share",
        "share (0-1)",
        "share of out-migrants who are entrants, settlers or immigrants",
        "phase",
        "out_migrants",
        by="phase",
    ),
    _share(
        "poor_health_share",
        "poor_health",
        "persons",
        "share reporting poor or very poor self-rated health (levels 1-2 of 5)",
    ),
    _share(
        "depression_share",
        "depressed",
        "persons",
        "share screening positive for depressive symptoms",
    ),
    _share(
        "overweight_share",
        "overweight",
        "persons",
        "share with BMI >= 24 kg/m2 (Chinese overweight cut-off)",
    ),
    _mean("bmi_mean", "kg/m2", "sum_bmi", "persons", "mean BMI"),
    _share("chronic_share", "chronic", "persons", "share with a chronic illness"),
    _mean(
        "health_capital_mean", "index 0-1", "sum_health", "persons", "mean physical health capital"
    ),
    _mean("mental_health_mean", "index 0-1", "sum_mental", "persons", "mean mental health"),
    _mean(
        "social_support_mean",
        "index 0-1",
        "sum_support",
        "out_migrants",
        "mean social support of out-migrants",
    ),
    _mean(
        "local_ties_mean",
        "index 0-1",
        "sum_local_ties",
        "out_migrants",
        "mean ties with locals of out-migrants",
    ),
    _share(
        "insured_destination_share",
        "insured_destination",
        "out_migrants",
        "share of out-migrants enrolled in a destination scheme (urban resident or employee)",
    ),
    _share(
        "health_record_share",
        "health_record",
        "out_migrants",
        "share of out-migrants holding a health record with the destination's community health "
        "service (a basic public health service, seed 4.2)",
    ),
    _share(
        "employment_rate_out_migrants",
        "out_employed",
        "out_migrants",
        "share of out-migrants holding a job",
    ),
    _share(
        "catastrophic_spending_share",
        "catastrophic",
        "persons",
        "share whose out-of-pocket medical spending exceeded the catastrophic threshold",
    ),
    _mean(
        "monthly_income_mean",
        "CNY/month",
        "sum_income",
        "earners",
        "mean nominal monthly income of NBS migrant workers",
    ),
    _mean(
        "weekly_hours_mean",
        "hours/week",
        "sum_hours",
        "earners",
        "mean usual weekly hours of NBS migrant workers",
    ),
    _share(
        "share_over_44h",
        "over_44h",
        "earners",
        "share of NBS migrant workers working more than 44 hours a week",
    ),
    _share(
        "wage_arrears_share",
        "arrears",
        "earners",
        "share of NBS migrant workers with wages withheld this year",
    ),
    _share(
        "stay_intention_share",
        "stay_intention",
        "out_migrants",
        "share of out-migrants intending to stay in the city for the long term",
    ),
    Metric("returns", "persons/year", "out-migrants who returned to origin this year", "returns"),
    Metric(
        "returns_health_driven",
        "persons/year",
        "returns that would not have happened had "
        "the returner's health been at the reference level (same random draw)",
        "returns_health_driven",
    ),
    _share(
        "poor_health_share_before_return",
        "poor_before_return",
        "returns",
        "share of this year's returners in poor self-rated health just before returning",
    ),
    Metric(
        "first_migrations",
        "persons/year",
        "people leaving origin for a city for the first time",
        "first_migrations",
    ),
    Metric("remigrations", "persons/year", "returnees leaving again for a city", "remigrations"),
    Metric(
        "hukou_conversions", "persons/year", "rural-to-urban hukou conversions", "hukou_conversions"
    ),
    Metric("deaths", "persons/year", "deaths", "deaths"),
    Metric("entrants", "persons/year", "people turning 16 and entering the population", "entrants"),
    Metric(
        "rural_medical_spending",
        "CNY/year",
        "out-of-pocket medical spending borne at "
        "origin (rural stayers, local migrant workers and returnees)",
        "rural_medical_spending",
    ),
    _mean(
        "out_of_pocket_mean",
        "CNY/year",
        "sum_oop",
        "persons",
        "mean out-of-pocket medical spending",
    ),
    Metric(
        "health_gap_urban_rural",
        "share (0-1)",
        "poor self-rated health among all "
        "rural-hukou adults minus among the urban-local reference sample, both "
        "age-standardised to the national 16+ age structure of the 2010 census",
        "poor_health",
        "persons",
    ),
    Metric(
        "poor_health_share_standardised",
        "share (0-1)",
        "poor self-rated health, "
        "age-standardised to the national 16+ age structure, in groups status=rural_hukou "
        "(all rural-hukou adults) and status=urban_local",
        "poor_health",
        "persons",
    ),
)

METRICS_BY_NAME = {m.name: m for m in METRICS}

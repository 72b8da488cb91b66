"""Calibration targets mapped to model quantities, with units, caveats and tolerances.

Every key of ``calibration_targets.csv`` is either in :data:`TARGET_MAP` (compared with a
model quantity) or in :data:`NOT_COMPARABLE` (skipped, with the reason). A target row is
compared in its year (or in :attr:`TargetSpec.model_year` for literature figures without a
clear survey year), after converting its unit to the model's: NBS counts are in 10,000 persons,
shares in per cent, literature proportions in 0-1.

**Tolerance.** Each comparison has a tolerance fixed before calibrating, in model units::

    tolerance = max(half-width of the source's 95% CI (where the unit or source gives one),
                    2 x Monte Carlo standard error of the model value,
                    floor of the target's kind)

with floors (:data:`FLOORS`): counts 3 % of the target, shares 3 percentage points, means
(income, hours, spending) 5 % of the target, integration-index levels 0.05 on the 0-1 scale;
the mean age of migrant workers 1 year (:attr:`TargetSpec.floor`); the NBS age bands of migrant
workers, where under 5 %, 30 % of their value (:data:`SMALL_SHARE`, set per series); a
``recalled`` figure gets at least 25 % of its value (:data:`RECALLED_TOLERANCE`). The
Monte Carlo standard error is analytic for shares and counts (binomial over the agents behind
the number, see :meth:`Quantity.evaluate`; a lower bound because it ignores clustering within
origin communities), or the standard deviation across replicate runs with different seeds,
rescaled to the run's scale (:func:`~migrant_health.experiments.quantity.replicate_se`), which
also covers means. A target passes when ``|model - observed| <= tolerance``; a range target
(depression prevalence) passes when the model lies within the tolerance of the range.

Reading target files and matching their rows: :mod:`migrant_health.experiments.matching`;
the page ``docs/calibration.md`` tabulates this mapping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from migrant_health.experiments.quantity import Quantity

Kind = Literal["count", "share", "mean", "index"]

#: Floor of the tolerance per kind: ("relative", fraction of the target) or ("absolute", model
#: units).
FLOORS: dict[str, tuple[str, float]] = {
    "count": ("relative", 0.03),
    "share": ("absolute", 0.03),
    "mean": ("relative", 0.05),
    "index": ("absolute", 0.05),
}
#: Weight of a row by its source confidence (derived figures count half; other labels too).
CONFIDENCE_WEIGHTS: dict[str, float] = {
    "confirmed": 1.0,
    "approximate": 0.5,
    "recalled": 0.5,
    "synthetic": 1.0,
}
#: A ``recalled`` figure (known from the literature, not re-read in a source) is a range of
#: about this share of its value on either side, never a tight target.
RECALLED_TOLERANCE = 0.25

_COUNT_UNITS = ("10k persons", "persons")
_SHARE_UNITS = ("%", "proportion", "share")
CI_PATTERN = re.compile(r"CI\s*([-+]?\d*\.?\d+)\s*(?:-|\u2013|to)\s*([-+]?\d*\.?\d+)")
RANGE_PATTERN = re.compile(
    r"^\s*([-+]?\d*\.?\d+)\s*%?\s*(?:-|\u2013|\u2014|~|to)\s*([-+]?\d*\.?\d+)\s*%?\s*$"
)


def unit_factor(unit: str) -> float:
    """Factor that turns a value in ``unit`` into model units (persons, 0-1 shares, ...)."""
    text = unit.strip().lower()
    if text.startswith("10k persons"):
        return 1e4
    if text.startswith("%"):
        return 0.01
    return 1.0


@dataclass(frozen=True)
class TargetSpec:
    """How one target series is compared with the model.

    Attributes:
        key: Key in the targets file (for a range target, a label of its own).
        quantity: The model quantity it is compared with.
        kind: ``count``, ``share``, ``mean`` or ``index``: sets the tolerance floor.
        units: Accepted beginnings of the unit cell (a row with another unit is an error).
        caveat: How the target's definition differs from the model's.
        weight: Weight of the whole series in the calibration objective.
        model_year: Compare in this model year instead of the row's year.
        range_of: For a range target: the keys whose values span the range.
        floor_by_year: Tighter (or looser) floors for some years, as ``(year, size)`` pairs
            in the mode of the kind's floor (the headline totals of the seed, 2008 and 2022,
            must lie within 1 %).
        floor_of: Key of another series whose value in the same year is the base of a
            relative floor (the out-migrant and local counts: 3 % of the year's total migrant
            workers, which is the issue's "shares within 3 percentage points").
        floor: The series' own floor as ``(mode, size)``, replacing the floor of its kind
            (the mean age of migrant workers: 1 year in every year, not 5 %).
        small_share: ``(below, relative)``: a share target under ``below`` gets a floor of
            ``relative`` times its value instead of the absolute floor, so that a small band
            (16-20-year-olds, 2.6 % of migrant workers in 2017) cannot pass at zero.
        share_of_counts: For a share the file gives as two counts: the keys of the part and
            of the rest, whose rows of the same year make one target, part / (part + rest)
            (out-migrant workers across a provincial border and within their province: a
            series given twice counts once).
    """

    key: str
    quantity: Quantity
    kind: Kind
    units: tuple[str, ...]
    caveat: str
    weight: float = 1.0
    model_year: int | None = None
    range_of: tuple[str, ...] = ()
    floor_by_year: tuple[tuple[int, float], ...] = ()
    floor_of: str | None = None
    floor: tuple[str, float] | None = None
    small_share: tuple[float, float] | None = None
    share_of_counts: tuple[str, ...] = ()

    @property
    def source_keys(self) -> tuple[str, ...]:
        """Keys of the rows that feed this target."""
        return self.range_of or self.share_of_counts or (self.key,)


def _count(
    key: str,
    metric: str,
    caveat: str,
    floor_by_year: tuple[tuple[int, float], ...] = (),
    floor_of: str | None = None,
) -> TargetSpec:
    return TargetSpec(
        key,
        Quantity(metric),
        "count",
        _COUNT_UNITS,
        caveat,
        floor_by_year=floor_by_year,
        floor_of=floor_of,
    )


_SHARE_OF_TOTAL = (
    "; tolerance 3 % of the year's total migrant workers, i.e. the share of all migrant "
    "workers within 3 percentage points"
)


#: Age bands of migrant workers: shares under 5 % within 30 % of their value (issue 9).
SMALL_SHARE = (0.05, 0.30)


def _mw_share(
    key: str,
    group: str,
    caveat: str,
    weight: float = 1.0,
    small_share: tuple[float, float] | None = None,
    of: str = "all",
) -> TargetSpec:
    return TargetSpec(
        key,
        Quantity("migrant_workers_total", group, share_of=of),
        "share",
        _SHARE_UNITS,
        caveat,
        weight=weight,
        small_share=small_share,
    )


def _share(
    key: str, metric: str, group: str, caveat: str, *, year: int | None = None, weight: float = 1.0
) -> TargetSpec:
    return TargetSpec(key, Quantity(metric, group), "share", _SHARE_UNITS, caveat, weight, year)


_AT_ORIGIN = "status=rural_stayer|local_migrant|returned"
_AGE = "NBS age bands 16-20, 21-30, 31-40, 41-50, 50+ match the model's; 2008-2017 shares come "
_AGE += "from a transcription of the reports (approximate; 2014 confirmed); shares under 5 % "
_AGE += "within 30 % of their value"
_EDU = "NBS 'senior high' includes secondary vocational school, like the model's level 3"
_INTEGRATION = (
    "CMDS 2017 index of Xing et al. 2022 (whole floating population, rural and urban hukou, "
    "prefecture-level cities; its own items and weights): compared like with like only in "
    "level, so the series weighs half"
)

_NBS_HEALTH_CARE = (
    "NBS household surveys: per-capita health-care consumption of residents of all ages "
    "(children included), 2008-2012 the old rural and urban household surveys, from 2013 the "
    "integrated survey (not spliced: each level is compared in its own year, and the rural and "
    "urban figures of one year with each other); model: mean out-of-pocket spending per person "
    "aged 16+ living there, whatever their hukou"
)
_CFPS_CHE = (
    "CFPS 2012 and 2018 (one study, one definition): households with catastrophic health "
    "spending by the capacity-to-pay approach (the abstract does not state the threshold; "
    "the approach's usual one is 40 % of capacity to pay); model: persons aged 16+ living "
    "there whose own "
    "out-of-pocket spending reached 40 % of their own capacity to pay (income minus a "
    "subsistence allowance; the model has no households, docs/model.md section 7.3), so the "
    "series weighs half"
)

#: Target series compared with the model.
TARGET_MAP: tuple[TargetSpec, ...] = (
    _count(
        "nbs.migrant_workers_total",
        "migrant_workers_total",
        "NBS: rural hukou, non-farm work 6+ months of the year; model: rural hukou with a "
        "non-farm job at year end (employed out-migrants, non-farm workers at origin); the "
        "seed's headline years 2008 and 2022 within 1 %",
        floor_by_year=((2008, 0.01), (2022, 0.01)),
    ),
    _count(
        "nbs.outmigrant_workers (waichu)",
        "migrant_workers_out",
        "NBS: working outside the home township; model: employed out-migrants (a city is the "
        "only destination, so migrants to other rural townships are included)" + _SHARE_OF_TOTAL,
        floor_of="nbs.migrant_workers_total",
    ),
    _count(
        "nbs.local_migrant_workers (bendi)",
        "migrant_workers_local",
        "NBS: non-farm work inside the home township; model: non-farm workers at origin, "
        "returnees included" + _SHARE_OF_TOTAL,
        floor_of="nbs.migrant_workers_total",
    ),
    TargetSpec(
        "nbs.outmigrants_cross_province",
        Quantity("cross_province_share"),
        "share",
        _COUNT_UNITS,
        "NBS out-migrant workers working in another province, as a share of those working "
        "within their province and outside it (the two counts of the same year, 2011-2022); "
        "model: employed out-migrants whose city lies in another province",
        share_of_counts=("nbs.outmigrants_cross_province", "nbs.outmigrants_within_province"),
    ),
    _share(
        "nbs.female_share_all",
        "female_share_migrant_workers",
        "all",
        "share of women among all migrant workers",
    ),
    _share(
        "nbs.female_share_outmigrants",
        "female_share_migrant_workers",
        "status=out_migrant",
        "share of women among out-migrant workers (model: employed out-migrants)",
    ),
    _share(
        "nbs.female_share_local",
        "female_share_migrant_workers",
        _AT_ORIGIN,
        "share of women among local migrant workers (model: non-farm workers at origin)",
    ),
    TargetSpec(
        "nbs.mean_age",
        Quantity("mean_age_migrant_workers"),
        "mean",
        ("years",),
        "mean age of all migrant workers, 2008-2017 (the ageing of the workforce); within 1 "
        "year in every year",
        floor=("absolute", 1.0),
    ),
    _mw_share("nbs.age_share_16-20", "age_band=16-20", _AGE, 0.5, SMALL_SHARE),
    _mw_share("nbs.age_share_21-30", "age_band=21-30", _AGE, 0.5, SMALL_SHARE),
    _mw_share("nbs.age_share_31-40", "age_band=31-40", _AGE, 0.5, SMALL_SHARE),
    _mw_share("nbs.age_share_41-50", "age_band=41-50", _AGE, 0.5, SMALL_SHARE),
    _mw_share(
        "nbs.age_share_50+",
        "age_band=51-60|61+",
        "NBS '50 and over' is the model's 51-60 plus 61+ (NBS's 41-50 band holds the 50-year-"
        "olds, like the model's); transcription (approximate), 2008, 2010, 2014-2016 confirmed "
        "(the same series as mw.share_age_50plus)",
        0.5,
        SMALL_SHARE,
    ),
    _mw_share(
        "nbs.age_share_40_or_under",
        "age_band=16-20|21-30|31-40",
        "share of migrant workers aged 40 or under (overlaps the band shares)",
        0.5,
    ),
    _mw_share(
        "mw.out_share_21_40",
        "age_band=21-30|31-40,status=out_migrant",
        "NBS 2010 as cited by a secondary essay: out-migrant workers aged 21-40 (model: "
        "employed out-migrants); local workers are older (mw.local_share_21_40)",
        0.5,
        of="status=out_migrant",
    ),
    _mw_share(
        "mw.out_share_under40",
        "age_band=16-20|21-30|31-40,status=out_migrant",
        "NBS 2011 as cited by a secondary essay: out-migrant workers under 40 (model: employed "
        "out-migrants aged 16-40)",
        0.5,
        of="status=out_migrant",
    ),
    _mw_share(
        "mw.local_share_21_40",
        f"age_band=21-30|31-40,{_AT_ORIGIN}",
        "NBS 2010 as cited by a secondary essay: local migrant workers aged 21-40 (model: "
        "non-farm workers at origin, returnees included)",
        0.5,
        of=_AT_ORIGIN,
    ),
    _mw_share("nbs.edu_share_no_schooling", "education=none", "no schooling"),
    _mw_share("nbs.edu_share_primary", "education=primary", "primary school"),
    _mw_share("nbs.edu_share_junior_high", "education=junior_high", "junior high school"),
    _mw_share("nbs.edu_share_senior_high", "education=senior_high", _EDU),
    _mw_share("nbs.edu_share_college_plus", "education=college", "junior college or above"),
    _mw_share(
        "nbs.edu_share_senior_high_or_above",
        "education=senior_high|college",
        "senior high (incl. vocational) or above, all migrant workers",
    ),
    TargetSpec(
        "nbs.edu_share_senior_high_or_above_outmigrants",
        Quantity(
            "migrant_workers_total",
            "education=senior_high|college,status=out_migrant",
            share_of="status=out_migrant",
        ),
        "share",
        _SHARE_UNITS,
        "senior high or above among out-migrant workers (model: employed out-migrants)",
    ),
    TargetSpec(
        "nbs.edu_share_senior_high_or_above_local",
        Quantity(
            "migrant_workers_total",
            f"education=senior_high|college,{_AT_ORIGIN}",
            share_of=_AT_ORIGIN,
        ),
        "share",
        _SHARE_UNITS,
        "senior high or above among local migrant workers (model: non-farm workers at origin)",
    ),
    TargetSpec(
        "nbs.monthly_income_outmigrants",
        Quantity("monthly_income_mean", "status=out_migrant"),
        "mean",
        ("CNY/month",),
        "out-migrants' mean monthly income (the NBS series of 2008-2013, resumed from 2019). "
        "labor.wage_index is this very series, so the target pins the mean relative earnings "
        "(labor.income.intercept) rather than the wage level",
    ),
    TargetSpec(
        "nbs.monthly_income_all_migrant_workers",
        Quantity("monthly_income_mean"),
        "mean",
        ("CNY/month",),
        "from 2014 the NBS reports all migrant workers (out-migrant and local): a different "
        "definition from the 2008-2013 out-migrant series",
    ),
    TargetSpec(
        "nbs.monthly_income_local_migrant_workers",
        Quantity("monthly_income_mean", _AT_ORIGIN),
        "mean",
        ("CNY/month",),
        "local migrant workers' mean monthly income (model: non-farm workers at origin)",
    ),
    _share(
        "nbs.share_working_over_44h_week_outmigrants",
        "share_over_44h",
        "status=out_migrant",
        "2009: out-migrant *employees* (the model's employed out-migrants include the "
        "self-employed); not the same population as the 2015-2016 all-worker series",
    ),
    TargetSpec(
        "nbs.mean_weekly_hours_employed_outmigrants",
        Quantity("weekly_hours_mean", "status=out_migrant"),
        "mean",
        ("hours/week",),
        "2009: usual weekly hours of out-migrant employees",
    ),
    _share(
        "nbs.share_working_over_44h_week",
        "share_over_44h",
        "all",
        "2015-2016: all migrant workers (out-migrant and local), unlike the 2009 out-migrant "
        "figure",
    ),
    _share(
        "nbs.labour_contract_share_outmigrant_employees",
        "labour_contract_share",
        "status=out_migrant",
        "2012: out-migrant employees with a labour contract; model: employed out-migrants in a "
        "formal job (the self-employed, whom the NBS leaves out, included)",
    ),
    _share(
        "nbs.labour_contract_share",
        "labour_contract_share",
        "all",
        "2016: all employed migrant workers (out-migrant and local), a different population "
        "from the 2012 out-migrant figure, so the two give no trend; model: NBS migrant workers "
        "in a formal job",
    ),
    _share(
        "nbs.outmigrant_insured_medical",
        "insured_destination_share",
        "status=out_migrant",
        "NBS: out-migrants whose employer paid into medical insurance (employee scheme); model: "
        "out-migrants in any destination scheme (resident or employee), so the model is "
        "expected at or above the target",
    ),
    _share(
        "lit.poor_general_health_migrants",
        "poor_health_share",
        "status=out_migrant",
        "CLDS 2012-16 pooled, poor general self-rated health of rural-urban migrants; model: "
        "levels 1-2 of 5 among out-migrants; crude (not age-standardised)",
    ),
    TargetSpec(
        "lit.health_insurance_any_migrants_CLDS",
        Quantity("insured_any_share", "status=out_migrant"),
        "share",
        _SHARE_UNITS,
        "CLDS 2014 (Yi et al. 2019), rural-urban migrants enrolled in any medical insurance "
        "scheme (self-reported); model: out-migrants on the rural roll or in an urban scheme. "
        "The model's enrolment at origin follows the schemes' reported participation (97 % of "
        "rural residents from 2012), the same survey's rural residents report 89.3 %: the "
        "tolerance is that difference, 8 points",
        floor=("absolute", 0.08),
    ),
    _share(
        "lit.poor_general_health_urban_residents",
        "poor_health_share",
        "status=urban_local",
        "CLDS 2012-16 pooled, urban residents; model: the urban-local reference sample",
    ),
    TargetSpec(
        "lit.depression_prevalence",
        Quantity("depression_share", "status=out_migrant"),
        "share",
        _SHARE_UNITS,
        "a range: 21.45 % (PHQ-9, Henan 2023, N=19,326) to 28 % (meta-analysis of 30 studies, "
        "95% CI 22-34 %); instruments and samples differ; compared in 2021",
        model_year=2021,
        range_of=("lit.depression_prevalence_meta", "lit.depression_prevalence_PHQ9_Henan"),
    ),
    _share(
        "lit.clear_residence_intention_migrants",
        "stay_intention_share",
        "status=out_migrant",
        "CMDS 2015 'clear intention to stay': whole floating population (rural and urban "
        "hukou); model: out-migrants intending to stay long term",
        weight=0.5,
    ),
    _share(
        "lit.long_term_residence_intention_migrants",
        "stay_intention_share",
        "status=out_migrant",
        "CMDS 2016 long-term residence intention of the floating population",
        weight=0.5,
    ),
    _share(
        "lit.health_record_established_rate_migrants",
        "health_record_share",
        "status=out_migrant",
        "CMDS 2017 (He Yuheng et al. 2021): migrants with a health record at the destination; "
        "whole floating population (rural and urban hukou); model: out-migrants",
    ),
    TargetSpec(
        "exp.rural_pc_healthcare",
        Quantity("medical_spending_per_capita", "residence=rural"),
        "mean",
        ("yuan/person",),
        "rural residents (stayers, local migrant workers, returnees); " + _NBS_HEALTH_CARE,
    ),
    TargetSpec(
        "exp.urban_pc_healthcare",
        Quantity("medical_spending_per_capita", "residence=urban"),
        "mean",
        ("yuan/person",),
        "urban residents (out-migrants, converts, urban locals); the old urban survey sampled "
        "registered urban households, hardly any migrants; " + _NBS_HEALTH_CARE,
    ),
    _share(
        "che.cfps_rural_households",
        "catastrophic_spending_share",
        "residence=rural",
        "rural residents; " + _CFPS_CHE,
        weight=0.5,
    ),
    _share(
        "che.cfps_urban_households",
        "catastrophic_spending_share",
        "residence=urban",
        "urban residents; " + _CFPS_CHE,
        weight=0.5,
    ),
    _share(
        "che.nhss_all_households",
        "catastrophic_spending_share",
        "residence=rural|urban",
        "4th National Health Services Survey 2008 (Li, Wu et al. 2012): all households, rural and "
        "urban, whose out-of-pocket spending reached 40 % of their capacity to pay (the WHO "
        "method, the model's threshold); model: all residents aged 16+, rural and urban hukou, "
        "per person (no households, docs/model.md section 7.3), so the series weighs half",
        weight=0.5,
    ),
    TargetSpec(
        "lit.social_integration_index_overall",
        Quantity("integration_index", "status=out_migrant"),
        "index",
        ("index",),
        "overall index vs the model's four-dimension composite; " + _INTEGRATION,
        weight=0.5,
    ),
    TargetSpec(
        "lit.social_integration_index_economic",
        Quantity("integration_economic", "status=out_migrant"),
        "index",
        ("index",),
        "economic dimension; " + _INTEGRATION,
        weight=0.5,
    ),
    TargetSpec(
        "lit.social_integration_index_behavioural",
        Quantity("integration_cultural", "status=out_migrant"),
        "index",
        ("index",),
        "behavioural dimension (dialect, customs, hygiene habits) = the model's cultural "
        "dimension; " + _INTEGRATION,
        weight=0.5,
    ),
)


def _same(keys: Iterable[str], reason: str) -> dict[str, str]:
    return dict.fromkeys(keys, reason)


_INSURANCE_TYPES = ("pension", "work_injury", "unemployment", "maternity")
_SECTORS = ("manufacturing", "construction", "hotel_catering")
_HOUSING = (
    "employer_dormitory",
    "worksite_shed",
    "workplace",
    "shared_rental",
    "independent_rental",
    "own_home_at_destination",
    "commute_from_home",
    "other",
)
_ASSOCIATION = (
    "an association from a regression on survey microdata, not a population level: check it "
    "with the survey estimators on a synthetic survey, not here"
)
_ESTIMATED_AGAIN = (
    "an association from a regression on survey microdata, not a population level: estimated "
    "again on the simulated people by experiments/associations.py (docs/calibration.md "
    "section 10)"
)

#: Keys of the shipped targets the model cannot produce, with the reason.
NOT_COMPARABLE: dict[str, str] = {
    "seed.migrant_workers_total": "duplicates nbs.migrant_workers_total (same NBS figures)",
    **_same(
        ("nbs.outmigrants_individual_household_member", "nbs.outmigrants_whole_family_migrated"),
        "the model's family state follows the spouse, not the household: NBS whole-family "
        "out-migrants (20.4 % of out-migrant workers in 2008, 21.3 % in 2014) left no member "
        "at origin, children and parents included, where 44 % (2008) and 52 % (2014) of the "
        "model's employed out-migrants live with their spouse (the snapshots' family column)",
    ),
    "nbs.urban_resident_migrant_workers (jincheng)": "the model does not distinguish "
    "out-migrants living in cities and towns from those in other rural townships",
    **_same(
        (
            "nbs.mean_days_per_month_employed_outmigrants",
            "nbs.mean_months_worked_outmigrants",
            "nbs.mean_days_per_month_outmigrants",
            "nbs.mean_hours_per_day_outmigrants",
            "nbs.share_working_over_8h_day",
            "nbs.mean_months_worked",
            "nbs.mean_days_per_month",
            "nbs.mean_hours_per_day",
        ),
        "the model has weekly hours only (no days, months or daily hours); days a month times "
        "hours a day make a weekly figure (out-migrants 2013: 25.2 x 8.8 x 12/52 = 51.2 h; all "
        "migrant workers 2016: 48.8 h) that the model exceeds by about 3 h (54.4-54.5 and "
        "51.7-51.8 h, scale 5,000, seeds 1-3): not reproduced, docs/calibration.md section 10",
    ),
    **_same(
        [f"nbs.outmigrant_insured_{t}" for t in _INSURANCE_TYPES],
        "the model has medical insurance only",
    ),
    **_same(
        [
            f"nbs.outmigrant_insured_{t}_{s}"
            for t in ("medical", *_INSURANCE_TYPES)
            for s in _SECTORS
        ],
        "the model has no industries",
    ),
    "lit.social_integration_index_psychological": "the CMDS psychological index averages "
    "attitude items most migrants endorse (liking the city, wishing to integrate, feeling "
    "accepted), a wider construct than the model's identity (seeing oneself as a local, the "
    "last and slowest stage of seed 2.2); matching its level (0.61) would put identity above "
    "economic integration (CMDS 0.33), against the seed's order of stages",
    "nbs.urban_resident_migrants_consider_self_local": "urban-resident migrant workers only "
    "(out-migrants living in cities and towns, the more settled part, which the model does not "
    "separate, as for the jincheng count); as the share of all out-migrants, 38 % would also "
    "put identity above economic integration, against the seed's order of stages",
    "nbs.urban_resident_migrants_life_satisfied": "no life-satisfaction metric",
    "nbs.urban_resident_migrants_union_members": "no trade-union membership in the model",
    **_same(
        (
            "nbs.urban_resident_migrants_living_area_per_capita",
            "nbs.urban_resident_migrant_households_area_le5m2",
            "nbs.outmigrant_own_home_at_destination",
            "nbs.outmigrant_employee_free_employer_housing",
            "nbs.outmigrant_employee_no_housing_no_subsidy",
            *(f"nbs.outmigrant_housing_{h}" for h in _HOUSING),
            "lit.CMDS_share_owner_or_public_housing",
        ),
        "housing is only a savings-based component of economic integration, not a tenure or "
        "floor area",
    ),
    "nbs.survey_sample_laborers": "a survey sample size, not a population quantity",
    **_same(
        (
            "lit.odds_increase_good_integration_belonging_per_point_physical_health",
            "lit.odds_increase_good_integration_belonging_per_point_mental_health",
            "lit.odds_increase_good_integration_harmony_per_point_physical_health",
            "lit.odds_increase_good_integration_harmony_per_point_mental_health",
            "lit.OR_health_record_insured_in_destination",
            "lit.OR_health_record_social_security_card",
            "lit.OR_health_record_poor_health",
            "lit.OR_health_record_cross_province",
            "lit.OR_health_record_male",
        ),
        _ASSOCIATION,
    ),
    **_same(
        (
            "lit.OR_high_social_support_on_depressive_symptoms",
            "lit.settlement_intention_increase_with_UEBMI",
            "lit.earnings_premium_healthy_cross_province_migrant",
            "lit.income_effect_good_mental_health_general_pop",
            "lit.income_effect_good_physical_health_general_pop",
        ),
        _ESTIMATED_AGAIN,
    ),
    "lit.poor_physical_health_migrants": "no separate physical-health item (self-rated health "
    "combines physical and mental health)",
    **_same(
        ("lit.poor_emotional_health_migrants", "lit.poor_emotional_health_urban_residents"),
        "no emotional-health item (depressive symptoms are compared through the depression range)",
    ),
    "lit.workweek_hours_migrants_CLDS": "CLDS hours question and migrant definition differ "
    "from the NBS, whose 2009 weekly figure (58.4 h) is compared instead; the NBS 2013 days x "
    "hours figure (25.2 x 8.8) is a pattern in docs/calibration.md section 10",
    **_same(
        ("lit.migrant_medical_insurance_any", "lit.migrant_UEBMI_enrolment"),
        "the floating population of the national migrant population reports includes "
        "urban-hukou migrants, whom the model does not hold (its out-migrants' any-scheme "
        "enrolment is compared with CLDS 2014, lit.health_insurance_any_migrants_CLDS)",
    ),
    **_same(
        (
            "lit.CMDS_item_mean_like_city",
            "lit.CMDS_item_mean_care_about_city_changes",
            "lit.CMDS_item_mean_willing_to_integrate",
            "lit.CMDS_item_mean_locals_accept_me",
            "lit.CMDS_item_mean_hygiene_habits_differ_reversed",
            "lit.CMDS_item_mean_locals_look_down_reversed",
        ),
        "survey item means on a 1-4 scale; the model has no items (the indices built from "
        "them are compared instead)",
    ),
    "lit.CMDS_income_to_local_avg_wage_ratio": "the study's denominator, a local average wage, "
    "is not defined in the source row; for reference the model's employed out-migrants earn "
    "0.86-0.87 of employed urban locals' pay in 2017 (scale 10,000, seeds 2 and 3), the other "
    "side of 1 from the study's 1.11",
    "lit.urban_integration_level_entropy": "a small regional survey (N=854) with its own "
    "entropy-weighted index; the CMDS indices are used instead",
    "lit.earnings_ratio_poor_vs_healthy_migrant": "a 2003-07 panel, before the model starts; "
    "for reference the model's employed out-migrants in poor self-rated health earn 0.77-0.81 "
    "of those in good or better health (2008, 2013 and 2017, scale 10,000, seeds 2 and 3)",
    **_same(
        ("lit.overweight_obesity_young_migrants_lt1yr", "lit.overweight_obesity_local_youth"),
        "young migrants under one year in the city (the model's years_in_city band is 0-1) and "
        "an unstated youth age range: compared as a pattern in docs/calibration.md section 10 "
        "(not reproduced: the direction holds, the levels are about twice the study's)",
    ),
    **_same(
        (
            "lit.CMDS_Tianjin_SRH_healthy",
            "lit.CMDS_Tianjin_SRH_basically_healthy",
            "lit.CMDS_Tianjin_SRH_unhealthy_selfcare",
            "lit.CMDS_Tianjin_SRH_cannot_selfcare",
        ),
        "one city (Tianjin) and a 4-level item; the model's self-rated health has 5 levels",
    ),
    "lit.SCL90_meta_surveys": "a count of surveys, not a quantity",
    "lit.BMI_reduction_from_integration_women_only": "an unverified claim without a value "
    "(a switchable hypothesis in the model)",
    "mw.share_age_50plus": "duplicates nbs.age_share_50+ (the same NBS series, 2008-2017)",
    "mw.share_age_40_or_under": "duplicates nbs.age_share_40_or_under (the same NBS figures)",
    "mw.share_age_16_30": "duplicates the sum of nbs.age_share_16-20 and nbs.age_share_21-30 "
    "in 2016 (3.3 + 28.6 = 31.9)",
    **_same(
        ("mw.age_first_outmigration_newgen", "mw.age_first_outmigration_oldgen"),
        "age at the first migrant job of whole generations (surveys of 2010-2011, most of it "
        "before the model starts); no metric of age at first migration: the model's first "
        "migrants are compared in docs/model.md section 7.7 from snapshots",
    ),
    **_same(
        ("edu.ger_senior_secondary", "edu.ger_tertiary"),
        "national gross enrolment ratios (urban youth and over-age students included), not "
        "rural: an upper bound of the model's rural enrolment, which tests/"
        "test_ageing_workforce.py checks (below it, rising)",
    ),
}

SPECS_BY_KEY: dict[str, TargetSpec] = {
    source: spec for spec in TARGET_MAP for source in spec.source_keys
}


@dataclass(frozen=True)
class Comparison:
    """One target row (or range, or share of two counts) matched with its model quantity.

    Attributes:
        spec: The target series.
        year: Year of the target as written (the range's latest year for a range).
        model_year: Year of the model compared.
        observed: Target value in model units (midpoint for a range).
        low: Lower end of a range, in model units (= observed for a point).
        high: Upper end of a range, in model units.
        factor: Target units -> model units (0.01 for a range and for a share of two counts:
            shown in per cent).
        unit: Unit of the target as written (for a range and a share of two counts, the
            per cent they are shown in).
        half_width: Half-width of the source's 95% CI in model units (0 if none).
        weight: Weight in the calibration objective (spec weight x confidence weight, split
            equally among the years of the series).
        confidence: Source confidence of the row(s).
        lines: Lines of the targets file the comparison comes from.
    """

    spec: TargetSpec
    year: int
    model_year: int
    observed: float
    low: float
    high: float
    factor: float
    unit: str
    half_width: float
    weight: float
    confidence: str
    lines: tuple[int, ...] = field(default=())
    floor_base: float | None = None

    @property
    def key(self) -> str:
        """Key of the target series."""
        return self.spec.key

    @property
    def is_range(self) -> bool:
        """Whether the target is a range rather than a point."""
        return self.high > self.low

    def floor(self) -> float:
        """Floor of the tolerance in model units (at least 25 % of a recalled figure)."""
        if self.spec.small_share is not None and abs(self.observed) < self.spec.small_share[0]:
            return self.spec.small_share[1] * abs(self.observed)
        mode, size = self.spec.floor or FLOORS[self.spec.kind]
        size = dict(self.spec.floor_by_year).get(self.year, size)
        base = self.observed if self.floor_base is None else self.floor_base
        floor = size * abs(base) if mode == "relative" else size
        if self.confidence == "recalled":
            floor = max(floor, RECALLED_TOLERANCE * abs(self.observed))
        return floor

    def tolerance(self, se: float) -> float:
        """``max(CI half-width, 2 x se, floor)`` in model units (``se`` NaN counts as 0)."""
        two_se = 2.0 * se if math.isfinite(se) else 0.0
        return max(self.half_width, two_se, self.floor())

    def error(self, model: float) -> float:
        """Model minus target (zero inside a range; distance to the nearer end outside)."""
        if model < self.low:
            return model - self.low
        if model > self.high:
            return model - self.high
        return 0.0 if self.is_range else model - self.observed

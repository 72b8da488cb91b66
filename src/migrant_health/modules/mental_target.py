"""Mental health's target and spread (seed 3.1): where a person's mental health is drawn to.

The health module (:mod:`migrant_health.modules.health`) moves each person's mental health a
share of the way to its target every year, with a shock. The target is set by a disposition of
the person's own (a permanent trait, sex, the strain of midlife), social support,
discrimination (which falls as the composite integration index rises), the acculturative stress
of the first years in the city, money worries, physical health and chronic illness, family
separation and mental-health services (seed 4.3).
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    FAMILY_APART,
    FAMILY_SINGLE,
    OUT_MIGRANT,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params
from migrant_health.engine.derived import (
    household_dependant,
    lives_at_origin,
    out_migrant_index,
)
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import inline
from migrant_health.engine.random import normal, permanent_key, stream
from migrant_health.modules.care import (
    STREAM_HOUSEHOLD_INCOME,
    relative_household_income,
)

STREAM_MENTAL_TRAIT = stream("health.mental_trait")


@inline
def mental_trait(seed: np.uint64, pid: int) -> float:
    """A person's permanent disposition to distress (standard normal); the yearly step reads it
    from the chunk's stored draws (``mental_trait_z``)."""
    return normal(permanent_key(seed, STREAM_MENTAL_TRAIT), pid)


@inline
def midlife_strain(p: Params, age: int) -> float:
    """Loss of mental-health target from the strains of midlife, a bell over age.

    Depressive symptoms peak in late middle age: CHARLS 2013 (adults 45+) puts the odds' peak
    at about 55, and CFPS 2016 finds an inverted U over adult ages. Without it the model's age
    gradient came only from failing physical health, chronic illness and money worries, which
    rise to the oldest ages, and people aged 45-59 were far less often depressed than those over
    60 (docs/model.md section 7.2).
    """
    z = (age - p.health__mental__midlife_age) / p.health__mental__midlife_width
    return p.health__mental__midlife * exp(-z * z)


@inline
def mental_disposition(p: Params, trait: float, female: np.int64, age: int) -> float:
    """Where a person's mental health stands before their circumstances: the base level, their
    permanent disposition, sex and the strains of their time of life."""
    return mental_disposition_of(p, trait, female, midlife_strain(p, age))


@inline
def mental_disposition_of(p: Params, trait: float, female: np.int64, strain: float) -> float:
    """:func:`mental_disposition` of a person whose :func:`midlife_strain` ``strain`` is given
    (the yearly step reads it from a table by age)."""
    return (
        p.health__mental__base
        + p.health__mental__trait_sd * trait
        - p.health__mental__female * female
        - strain
    )


#: Ages 0 .. STRAIN_AGES - 1, whose :func:`midlife_strain` the yearly step tabulates once a year
#: (an exp per person-year otherwise, the same number for everyone of an age); older people's is
#: computed as before.
STRAIN_AGES = 131


@inline
def midlife_strains(p: Params) -> np.ndarray:
    """:func:`midlife_strain` of each age 0 .. ``STRAIN_AGES - 1`` (the same numbers)."""
    strains = np.empty(STRAIN_AGES)
    for age in range(STRAIN_AGES):
        strains[age] = midlife_strain(p, age)
    return strains


@inline
def mental_target(  # type: ignore[no-untyped-def]
    p, seed, pid, female, age, status, years_in_city, family, savings, support, health, chronic,
    insurance, job, local_ties, education, economic, cultural, identity,
):  # fmt: skip
    """The level a person's mental health moves toward this year, and the integration index.

    A permanent disposition, sex (women report more depressive symptoms), physical health and
    chronic illness set where a person stands; social support, money worries and, in the city,
    discrimination (falling as the composite integration index rises), the first years' stress
    and family separation move it; mental-health services (seed 4.3) raise it. The index is
    returned because the BMI hypothesis uses it too (0 outside the city).
    """
    household = relative_household_income(
        p, normal(permanent_key(seed, STREAM_HOUSEHOLD_INCOME), pid)
    )
    return mental_target_of(
        p, mental_trait(seed, pid), female, age, status, years_in_city, family, savings,
        household, support, health, chronic, insurance, job, local_ties, education, economic,
        cultural, identity,
    )  # fmt: skip


@inline
def mental_target_of(  # type: ignore[no-untyped-def]
    p, trait, female, age, status, years_in_city, family, savings, household, support, health,
    chronic, insurance, job, local_ties, education, economic, cultural, identity,
):  # fmt: skip
    """:func:`mental_target` of a person whose permanent disposition ``trait`` and household
    income ``household`` (:func:`care.relative_household_income`) are given (the yearly step
    reads them from the chunk's stored draws)."""
    index = out_migrant_index(
        p, status, insurance, job, local_ties, education, economic, cultural, identity
    )
    target = mental_target_given(
        p, trait, female, midlife_strain(p, age), age, status, years_in_city, family, savings,
        household, support, health, chronic, insurance, job, index, household_median(p),
        mental_health_services(p),
    )  # fmt: skip
    return target, index


@inline
def mental_target_given(  # type: ignore[no-untyped-def]
    p, trait, female, strain, age, status, years_in_city, family, savings, household, support,
    health, chronic, insurance, job, index, median, services,
):  # fmt: skip
    """:func:`mental_target_of`'s target with the terms that are the same for many people
    given: the :func:`midlife_strain` of the person's age ``strain``, the
    :func:`household_median` and :func:`mental_health_services` (the yearly step computes them
    once a year, not per person: the same numbers), and the out-migrant's integration index
    ``index`` (:func:`derived.out_migrant_index`, which the step also reads for access to
    care)."""
    target = (
        mental_disposition_of(p, trait, female, strain)
        + p.health__mental__support * (support - 0.5)
        + p.health__mental__physical * (health - 0.8)
        - p.health__mental__chronic * chronic
    )
    if status == OUT_MIGRANT:
        target -= p.health__mental__discrimination * (1.0 - index)
        if years_in_city <= 1:
            target -= p.health__mental__early_mobility_stress
        if family == FAMILY_APART:
            target -= p.health__mental__family_separation
        target += services
    if money_worries_given(p, status, job, insurance, age, family, savings, household, median):
        target -= p.health__mental__financial_stress
    return target


@inline
def mental_health_services(p: Params) -> float:
    """What psychological services (seed 4.3) add to an out-migrant's mental-health target:
    share reached x effect, in standard deviations of the latent state."""
    return (
        p.policy__management__mental_health_services
        * p.policy__management__mental_health_effect
        * mental_spread(p)
    )


@inline
def household_median(p: Params) -> float:
    """Median of the households' relative income (lognormal with mean 1)."""
    sd = p.care__capacity__household_income_sd
    return exp(-0.5 * sd * sd)


@inline
def money_worries(
    p: Params,
    status: int,
    job: int,
    insurance: int,
    age: int,
    family: int,
    savings: float,
    household: float,
) -> bool:
    """Whether money worries weigh on a person this year.

    Earners worry when their savings fall below ``health.mental.financial_stress_savings``.
    A household dependant (:func:`derived.household_dependant`: a person at origin without
    work of their own, such as a student or the old past farming, or a convert to urban hukou
    past the retirement age without the employee pension) lives on
    what the household gives, and an unmarried person at origin or among urban locals lives
    in their parents' household, so they worry when the household is poor: its income per
    head below ``health.mental.financial_stress_household`` of the median of the place (the
    relative-poverty line). Read from their own savings, which nothing refills, every
    student worried (no savings yet) and the old at origin worried more with every year they
    lived (in 2018, 74 % of rural residents aged 80-84 and 91 % of those 85+ under the line),
    so their depressive symptoms kept rising past 80 where CHARLS finds them falling; and
    84 % of farming youths aged 16-20, with a few weeks' savings, worried where students of
    the same households did not. Out-migrants live away from the household and read their
    own savings; so do married urban residents with earnings or a pension of their own. Read
    from their savings, the worries of converts past 60 without a pension grew as their
    savings wasted (43 % of those aged 61+ on the resident scheme under the line in 2035
    against 29 % in 2012, seed 1, in a first version of calibration step 45); read from the
    household's income, they stay with the quarter of households under the relative-poverty
    line.
    """
    return money_worries_given(
        p, status, job, insurance, age, family, savings, household, household_median(p)
    )


@inline
def money_worries_given(
    p: Params,
    status: int,
    job: int,
    insurance: int,
    age: int,
    family: int,
    savings: float,
    household: float,
    median: float,
) -> bool:
    """:func:`money_worries` with the :func:`household_median` given."""
    at_origin = lives_at_origin(status)
    dependant = household_dependant(p, status, job, insurance, age)
    if dependant or (family == FAMILY_SINGLE and (at_origin or status == URBAN_LOCAL)):
        return household < p.health__mental__financial_stress_household * median
    return savings < p.health__mental__financial_stress_savings


@inline
def mental_spread(p: Params) -> float:
    """Standard deviation of the latent mental state across people: trait and yearly state.

    The unit of ``policy.management.mental_health_effect``: effect sizes of interventions are
    reported in standard deviations of a symptom scale across people.
    """
    stationary = mental_stationary_sd(p)
    return np.sqrt(p.health__mental__trait_sd**2 + stationary * stationary)


@inline
def mental_stationary_sd(p: Params) -> float:
    """Spread of mental health around its target once yearly shocks have settled (AR(1))."""
    keep = 1.0 - p.health__mental__adjustment
    return p.health__mental__shock_sd / np.sqrt(1.0 - keep * keep)

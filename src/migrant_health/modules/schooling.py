"""Schooling: rural youth in senior secondary, vocational and tertiary education (seed section 1).

The model has no school module with state: whether a person is enrolled follows from the final
education drawn at synthesis (``education``, fixed at entry) and the person's age. A person
whose final education is senior high or secondary vocational school (level 3) is a student
until :data:`schooling.senior_secondary_end_age`; a college graduate (level 4) until
:data:`schooling.tertiary_end_age`. Students neither work (farm or non-farm) nor leave for a
city, so they are not NBS migrant workers: the share of 16-20-year-olds among migrant workers
falls as later cohorts stay longer in school (NBS: 10.7 % in 2008, 2.6 % in 2017).

Cohort trends in enrolment come from the education distribution of the cohorts
(``population.education.*``, which rises across birth cohorts), so the enrolment of each year
follows from who is 16-21 in it. The MoE gross enrolment ratios (``edu.ger_*``) are national
(urban youth included) and bound rural enrolment from above; docs/model.md section 7.4
compares them.
"""

from __future__ import annotations

from migrant_health.engine.context import Params
from migrant_health.engine.jit import inline

#: Education levels (``engine.codes``): 3 senior high or secondary vocational, 4 college+.
SENIOR_SECONDARY = 3
TERTIARY = 4


@inline
def in_school(p: Params, age: int, education: int) -> bool:
    """Whether a person of this age and final education is a full-time student this year.

    Args:
        p: The year's parameter record (reads ``schooling.*``).
        age: Age reached this year (year minus birth year).
        education: Final education level 0-4.

    Returns:
        True for senior-secondary students (final level 3 or 4) below the end age of senior
        secondary school, and for tertiary students (final level 4) below the end age of
        tertiary education.
    """
    if education >= TERTIARY:
        return age < p.schooling__tertiary_end_age
    if education == SENIOR_SECONDARY:
        return age < p.schooling__senior_secondary_end_age
    return False


@inline
def school_end_age(p: Params, education: int) -> int:
    """Age at which a person of this final education leaves full-time school (16 at most)."""
    if education >= TERTIARY:
        return max(16, int(p.schooling__tertiary_end_age))
    if education == SENIOR_SECONDARY:
        return max(16, int(p.schooling__senior_secondary_end_age))
    return 16


@inline
def leaves_school(p: Params, age: int, education: int) -> bool:
    """Whether this is the year a senior-secondary or college student leaves school.

    School leavers look for their first job in that year; people with junior high or less
    leave school by 16, when they enter the model, and are not flagged.
    """
    if education >= TERTIARY:
        return age == p.schooling__tertiary_end_age
    if education == SENIOR_SECONDARY:
        return age == p.schooling__senior_secondary_end_age
    return False

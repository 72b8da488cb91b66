"""Weekly hours and monthly pay of a year of non-farm work (seed sections 1 and 4.1).

The usual hours of the job (formal, informal, local) with the person's own level and the
year's shock, and the working-time lever's cut; pay from relative earnings (experience,
education, health, the city's tier, a formal job, economic integration), the person's ability
and the year's shock, the time that depressive symptoms cost, the pay lost with fewer hours and
the equal-pay lever's gain; wage arrears in informal jobs. The labour module
(:mod:`migrant_health.modules.labor`) draws who works, and where.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    JOB_FORMAL,
    JOB_INFORMAL,
    OUT_MIGRANT,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params
from migrant_health.engine.derived import (
    lives_at_origin,
)
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import inline
from migrant_health.engine.random import (
    normal,
    permanent_key,
    stream,
)
from migrant_health.modules.trends import decades_since_base

STREAM_HOURS_PERSON = stream("labor.hours_person")


STREAM_ABILITY = stream("labor.ability")


@inline
def mental_impairment(p: Params, mental: float) -> float:
    """How far mental health lies below the level at which symptoms start to impair work.

    In tenths of the mental-health index, 0 at or above ``labor.mental.impairment_level``:
    depressive symptoms cost jobs and productive time (absence and presenteeism), while good
    mental health above that level adds nothing further to work.
    """
    return max(0.0, p.labor__mental__impairment_level - mental) / 0.1


@inline
def working_time_cut(p: Params, status: int) -> float:
    """Hours a week that enforcement of the statutory week cuts from a rural-hukou worker's job.

    The lever ``policy.fair_employment.hours_reduction`` (seed 4.1) acts on migrant workers'
    jobs; urban locals and converts keep their hours.
    """
    if status == URBAN_LOCAL or status == URBAN_HUKOU:
        return 0.0
    return p.policy__fair_employment__hours_reduction


@inline
def pay_for_fewer_hours(p: Params, hours: float, cut: float) -> float:
    """Change of log monthly earnings when the week is cut by ``cut`` hours to ``hours``.

    Piece-rate and hourly pay fall with hours: the change is the documented elasticity
    (``policy.fair_employment.hours_earnings_elasticity``) times the log of the ratio of the
    hours worked to the hours the person would work without the cut (both within the bounds
    of 20-84 hours a week). Zero without a cut.
    """
    if cut <= 0.0:
        return 0.0
    after = min(84.0, max(20.0, hours))
    before = min(84.0, max(20.0, hours + cut))
    return p.policy__fair_employment__hours_earnings_elasticity * np.log(after / before)


@inline
def equal_pay_gain(p: Params, status: int) -> float:
    """Log earnings that enforcement of equal pay regardless of hukou adds for out-migrants."""
    if status != OUT_MIGRANT:
        return 0.0
    return p.policy__fair_employment__equal_pay * p.policy__fair_employment__equal_pay_effect


@inline
def usual_weekly_hours(p: Params, status: int, job: int) -> float:
    """Usual weekly hours of a non-farm job before the person's own level and the year's luck."""
    if status == URBAN_LOCAL or status == URBAN_HUKOU:
        return p.labor__hours__urban_local
    base = p.labor__hours__formal if job == JOB_FORMAL else p.labor__hours__informal
    if lives_at_origin(status):
        base -= p.labor__hours__local_reduction
    base += p.labor__hours__trend * decades_since_base(p.conditions_year)
    return base - working_time_cut(p, status)


@inline
def experience_log_pay(p: Params, age: int, education: int) -> float:
    """The experience profile's part of log earnings at ``age``: years since the usual end of
    schooling, with returns that rise and then fall (concave)."""
    experience = max(0, age - 16 - 2 * education)
    return (
        p.labor__income__experience * experience
        - p.labor__income__experience_squared * experience * experience / 100.0
    )


@inline
def log_relative_earnings(
    p: Params,
    age: int,
    education: int,
    health: float,
    tier: int,
    formal: bool,
    economic: float,
    at_origin: bool,
    trained: bool,
) -> float:
    """Log earnings relative to the wage index, before the person's ability and luck."""
    value = (
        p.labor__income__intercept
        + p.labor__income__trend * decades_since_base(p.conditions_year)
        + p.labor__income__education * (education - 2)
        + experience_log_pay(p, age, education)
        + p.labor__income__health * (health - 0.8)
        + p.labor__income__formal * formal
        + p.labor__income__economic_integration * economic
    )
    if at_origin:
        value -= p.labor__income__local_penalty
    elif tier >= 1:
        value += p.labor__income__tier_premium[tier - 1]
    if trained:
        value += p.policy__fair_employment__training_premium
    return value


@inline
def usual_hours_and_pay(
    p: Params,
    seed: np.uint64,
    pid: int,
    status: int,
    job: int,
    age: int,
    education: int,
    health: float,
    tier: int,
    economic: float,
) -> tuple[float, float]:
    """Usual weekly hours and monthly pay of a non-farm job, without this year's shocks.

    Used where a job starts outside the yearly labour step: the jobs of the base year, a
    newcomer's first city job in the arrival year and a convert's city job in the conversion
    year.
    """
    at_origin = lives_at_origin(status)
    hours = usual_weekly_hours(p, status, job) + p.labor__hours__person_sd * normal(
        permanent_key(seed, STREAM_HOURS_PERSON), pid
    )
    log_rel = log_relative_earnings(
        p, age, education, health, tier, job == JOB_FORMAL, economic, at_origin, False
    )
    log_rel += pay_for_fewer_hours(p, hours, working_time_cut(p, status))
    log_rel += equal_pay_gain(p, status)
    ability = p.labor__income__ability_sd * normal(permanent_key(seed, STREAM_ABILITY), pid)
    return min(84.0, max(20.0, hours)), p.labor__wage_index * exp(log_rel + ability)


@inline
def arrears_chance(p: Params, rural_hukou: bool) -> float:
    """Chance that an informal job withholds part of the year's pay (wage arrears), after the
    wage-protection lever (seed 4.1), which covers migrant workers' (``rural_hukou``) jobs:
    urban locals and converts in informal jobs keep the chance (until this rule it reached
    them too, 0.5 % of the urban locals were paid more, seeds 2-3)."""
    protection = p.policy__fair_employment__wage_protection if rural_hukou else 0.0
    return p.labor__arrears__informal_rate * (
        1.0 - protection * p.policy__fair_employment__wage_protection_effect
    )


@inline
def year_of_work(  # type: ignore[no-untyped-def]
    p, status, job, age, education, health, mental, tier, economic, hours_person_z, ability_z,
    hours_z, shock_z, training_u, arrears_u,
):  # fmt: skip
    """Weekly hours, monthly pay and whether pay was withheld, for a year of non-farm work.

    The usual hours of the job with the person's own level (``hours_person_z``) and the
    year's shock (``hours_z``); pay from relative earnings with the person's ability
    (``ability_z``) and the year's shock (``shock_z``), all standard normal draws; vocational
    training and wage arrears with the uniform draws ``training_u`` and ``arrears_u``.
    """
    hrs = (
        usual_weekly_hours(p, status, job)
        + p.labor__hours__person_sd * hours_person_z
        + (p.labor__hours__year_sd * hours_z)
    )
    cut = working_time_cut(p, status)
    # Vocational training reaches rural-hukou workers only (seed 4.1).
    rural_hukou = not (status == URBAN_LOCAL or status == URBAN_HUKOU)
    trained = rural_hukou and training_u < p.policy__fair_employment__training_coverage
    log_rel = log_relative_earnings(
        p, age, education, health, tier, job == JOB_FORMAL, economic, lives_at_origin(status),
        trained,
    )  # fmt: skip
    # Depressive symptoms cost productive time (days off, slower work), which the piece rates
    # and hourly pay of the secondary labour market pass into earnings.
    log_rel -= p.labor__mental__productivity * mental_impairment(p, mental)
    # Fewer hours, less pay (seed 4.1); equal pay regardless of hukou (seed 4.1).
    log_rel += pay_for_fewer_hours(p, hrs, cut)
    log_rel += equal_pay_gain(p, status)
    log_rel += p.labor__income__ability_sd * ability_z
    log_rel += p.labor__income__shock_sd * shock_z
    pay = p.labor__wage_index * exp(log_rel)
    withheld = job == JOB_INFORMAL and arrears_u < arrears_chance(p, rural_hukou)
    if withheld:
        pay *= 1.0 - p.labor__arrears__share_withheld
    return min(84.0, max(20.0, hrs)), pay, withheld

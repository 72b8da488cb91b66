"""Out-migrants' enrolment in the city's schemes: the yearly chances the care step uses, and the
scheme a base-year out-migrant holds after their own years in the city (read by the care
module's start, :func:`migrant_health.modules.care._init`).

Each year the care step enrols an out-migrant whose job of the year before was formal in the
urban employee scheme with :func:`employee_scheme_chance`, takes it away with
``care.enrolment.employee_loss_without_contract`` once the formal job is gone, and enrols
those outside the city's schemes in the resident scheme with :func:`resident_scheme_chance`;
then the labour step draws the year's job. A formal job held for many years has most likely
brought the employee scheme, a recent one less often. Until calibration step 42 the start
enrolled ``care.initial.employee_share_formal`` (0.25, since removed) of the formal out-migrants
whatever their years in the city and none of the others: under frozen 2008 conditions the
employee scheme then went from 12.9 % of out-migrants to 17.4 % in five years (formal ones
of 10+ years in the city from 28.5 % to 38.6 %, of 2-4 years from 21.8 % down to 11.9 %;
eight seeds, scale 10,000).
"""

from __future__ import annotations

from migrant_health.engine.context import Params
from migrant_health.engine.derived import permit_opened_services
from migrant_health.engine.jit import init_kernel, inline
from migrant_health.modules.labor import base_year_step_chances


@inline
def employee_scheme_chance(p: Params) -> float:
    """Yearly chance that the employer of an out-migrant with a formal job enrols them in the
    urban employee scheme: compliance, raised by the enforcement of social insurance."""
    return min(
        1.0,
        p.care__enrolment__employer_compliance
        + p.policy__fair_employment__social_insurance_enforcement
        * p.policy__fair_employment__social_insurance_effect,
    )


@inline
def resident_scheme_chance(p: Params) -> float:
    """Yearly chance that an out-migrant outside the city's schemes joins its resident scheme."""
    return p.care__enrolment__resident_uptake * (
        p.care__enrolment__resident_access_baseline
        + p.policy__public_services__resident_scheme_access
        + permit_opened_services(p)
    )


@init_kernel
def destination_scheme_chances(  # type: ignore[no-untyped-def]
    p, age, years, education, health, chronic, mental, city_tier, formal_now
):  # fmt: skip
    """Chances that a base-year out-migrant ``years`` in the city is in the employee scheme
    and in the resident scheme, given whether the job they hold now is formal.

    A chain over the yearly steps since arrival (an arrival holds an informal job and the
    scheme they left home with): each year the care step (on the job of the year before),
    then the labour step (a job with :func:`labor.employment_probability` at the age of the
    time; a formal one with ``labor.sector.formal_retention`` after a formal one, else with
    :func:`labor.formal_chance` at the economic integration those years built, as
    :func:`labor.base_year_formal_chance` reads them). The last year's labour step gave the job
    the person holds now (every base-year out-migrant holds one): the chances are those of
    the schemes among the people of the chain holding such a job.

    The chain's six shares are kept in scalars, ``f`` for people whose job of the year was
    formal and ``n`` for the others (informal or none), by scheme: ``e`` employee, ``r``
    resident, ``o`` other (the rural scheme at home, or none).
    """
    if years <= 0:
        return 0.0, 0.0  # arrived this year, with the scheme they left home with
    enrol = employee_scheme_chance(p)
    resident = resident_scheme_chance(p)
    join = min(1.0, resident)  # the step's draw is below a chance of 1 or more every year
    lose = p.care__enrolment__employee_loss_without_contract
    # The care step's one draw decides both the loss and where the lost scheme goes: to the
    # resident scheme below half the resident chance, to the rural scheme or none above it.
    lose_to_resident = min(lose, 0.5 * resident)
    fe, fr, fo = 0.0, 0.0, 0.0
    ne, nr, no = 0.0, 0.0, 1.0
    held_e = held_r = held_o = 0.0
    for k in range(1, years + 1):
        # The care step, on last year's job: a formal worker's employer enrols them (from the
        # resident scheme too); without a formal job the employee scheme may be lost, and
        # those outside the city's schemes may join the resident one.
        cfr, cfo = fr * (1.0 - enrol), fo * (1.0 - enrol)
        cfe = fe + (fr + fo) * enrol
        cne = ne * (1.0 - lose)
        cnr = nr + ne * lose_to_resident + no * join
        cno = no * (1.0 - join) + ne * (lose - lose_to_resident)
        # The labour step: this year's job. The start's state is that of the end of the year
        # before the base year, so the k-th step ran at age - 1 - years + k
        # (labor.base_year_formal_chance reads the same ages).
        a = age - 1 - years + k
        employed, from_formal, from_informal = base_year_step_chances(
            p, k, a, education, health, chronic, mental, city_tier
        )
        stays = employed * from_formal
        becomes = employed * from_informal
        if k == years:
            # Among those holding a job now, formal or informal (employed, not formal).
            if formal_now:
                held_e = cfe * stays + cne * becomes
                held_r = cfr * stays + cnr * becomes
                held_o = cfo * stays + cno * becomes
            else:
                held_e = cfe * (employed - stays) + cne * (employed - becomes)
                held_r = cfr * (employed - stays) + cnr * (employed - becomes)
                held_o = cfo * (employed - stays) + cno * (employed - becomes)
        fe, fr, fo = (
            cfe * stays + cne * becomes,
            cfr * stays + cnr * becomes,
            cfo * stays + cno * becomes,
        )
        ne, nr, no = (
            cfe * (1.0 - stays) + cne * (1.0 - becomes),
            cfr * (1.0 - stays) + cnr * (1.0 - becomes),
            cfo * (1.0 - stays) + cno * (1.0 - becomes),
        )
    total = held_e + held_r + held_o
    if total <= 0.0:
        return 0.0, 0.0
    return held_e / total, held_r / total

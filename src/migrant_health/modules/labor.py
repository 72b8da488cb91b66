"""Labour: employment, sector, hours, income, wage arrears, savings, economic integration.

Seed sections 1, 3.4 and 4.1. Health is human capital: it raises the chance of employment and
earnings, so poor health lowers income and, through savings and job stability, later economic
integration (the loop health -> employment -> income -> integration). Mental health works the
same way: depressive symptoms lower the chance of holding a job and cost productive time, hence
pay (absence and presenteeism). Out-migrants concentrate
in the secondary labour market: informal jobs with long hours and arrears. Nominal income is
relative earnings times the documented yearly wage index (the NBS mean out-migrant income).
People at origin farm or do local non-farm work (local migrant workers); returnees may start
businesses (seed 4.4). A job's hours and pay are in :mod:`migrant_health.modules.pay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from migrant_health.engine.binding import Argument
from migrant_health.engine.codes import (
    DEAD,
    EV_ARREARS,
    JOB_FARM,
    JOB_FORMAL,
    JOB_INFORMAL,
    JOB_NONE,
    LOCAL_MIGRANT,
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params
from migrant_health.engine.derived import (
    age_band,
    destination_insured,
    draws_urban_pension,
    household_dependant,
    lives_at_origin,
    nonfarm_job,
    place_income,
)
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.permanent import permanent_normals
from migrant_health.engine.population import StateSpec
from migrant_health.engine.random import (
    clip01,
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)
from migrant_health.modules.pay import (
    STREAM_ABILITY,
    STREAM_HOURS_PERSON,
    mental_impairment,
    usual_hours_and_pay,
    year_of_work,
)
from migrant_health.modules.schooling import in_school
from migrant_health.modules.trends import decades_since_base

STREAM_EMPLOYMENT = stream("labor.employment")
STREAM_SECTOR = stream("labor.sector")
STREAM_HOURS = stream("labor.hours")
STREAM_EARNINGS = stream("labor.earnings_shock")
STREAM_ARREARS = stream("labor.arrears")
STREAM_LOCAL = stream("labor.local_nonfarm")
STREAM_LOCAL_CONTRACT = stream("labor.local_contract")
STREAM_TRAINING = stream("labor.training")
STREAM_INIT = stream("labor.initial_job")
STREAM_INIT_EMPLOYMENT = stream("labor.initial_urban_employment")
STREAM_RETIREMENT = stream("labor.retirement_age")


@inline
def local_nonfarm_trend(p: Params) -> float:
    """Shift of the log-odds of local non-farm work since 2008: one slope, then another.

    NBS local migrant workers grew by about 4 % a year to 2013 (industry moving inland after
    the 2008 crisis) and by about 2 % a year after it.
    """
    turn = p.labor__origin__nonfarm_entry_trend_turn
    now = p.conditions_year  # the calendar year, or the base year when conditions are frozen
    early = decades_since_base(min(now, turn))
    late = decades_since_base(max(now, turn)) - decades_since_base(turn)
    return (
        p.labor__origin__nonfarm_entry_trend * early
        + p.labor__origin__nonfarm_entry_trend_late * late
    )


@inline
def local_nonfarm_entry_odds(
    p: Params, age: int, education: int, health: float, female: np.int64
) -> float:
    """Log-odds that a farmer at origin takes up local non-farm work this year.

    By age band, schooling, health and sex, shifted by the calendar trend; a returnee's start-up
    support and the COVID-19 shock are added by the caller. The steady start reads it for the
    years before the base year (at the base year's conditions).
    """
    return (
        p.labor__origin__nonfarm_entry_intercept
        + local_nonfarm_trend(p)
        + p.labor__origin__nonfarm_entry_age[age_band(age)]
        + p.labor__origin__nonfarm_entry_education * (education - 2)
        + p.labor__origin__nonfarm_entry_health * (health - 0.8)
        + p.labor__origin__nonfarm_entry_female * female
    )


@inline
def returnee_entry_offset(p: Params) -> float:
    """What a returnee adds to the log-odds of taking up local non-farm work: the skills and
    savings brought home, and start-up support (seed 4.4; share of returnees reached x its
    effect)."""
    return p.labor__origin__returnee_entrepreneurship + (
        p.policy__return_entrepreneurship__nonfarm_boost
        * p.policy__return_entrepreneurship__nonfarm_effect
    )


@inline
def local_nonfarm_exit(p: Params, health: float) -> float:
    """Yearly chance that a local migrant worker leaves non-farm work for farming; the less
    healthy leave more often."""
    return p.labor__origin__nonfarm_exit + p.labor__origin__nonfarm_exit_health * (0.8 - health)


@inline
def local_job(p: Params, contract_key: np.uint64, pid: int, education: int) -> int:
    """The non-farm job a person holds in local work at origin: formal (a labour contract) or
    informal.

    A lasting trait of the person, drawn once (``contract_key`` is the permanent key of
    :data:`STREAM_LOCAL_CONTRACT`): the local employers open to them, the better schooled more
    often on contract as in the cities (``labor.sector.formal_education``). Every spell of
    local work a person holds is of the same kind, so the steady start's past spells, the
    base year's job and the yearly steps' spells agree.
    """
    chance = logistic(
        p.labor__origin__formal_intercept + p.labor__sector__formal_education * (education - 2)
    )
    return JOB_FORMAL if uniform(contract_key, pid) < chance else JOB_INFORMAL


@inline
def covid_shock(p: Params) -> float:
    """Log-odds lost in the year of the exogenous COVID-19 shock (2020; 0 in other years).

    NBS 2020: out-migrant workers fell from 174.25 to 169.59 million. The shock lowers holding
    a city job; :func:`covid_local_shock` is its smaller counterpart at origin.
    """
    return p.labor__covid__employment_shock if p.conditions_year == p.labor__covid__year else 0.0


@inline
def covid_local_shock(p: Params) -> float:
    """Log-odds of taking up local non-farm work lost in the year of the COVID-19 shock.

    NBS 2020: local migrant workers (in their home county) fell only from 116.52 to 116.01
    million while out-migrant workers fell 2.7 %; the smaller shock is sized to that count
    (``labor.covid.local_entry_shock``), an assumption that fits it without saying why (city
    lockdowns, or travel limits keeping out-migrants home in local work).
    """
    return p.labor__covid__local_entry_shock if p.conditions_year == p.labor__covid__year else 0.0


@inline
def nonfarm_retirement_age(p: Params, seed: np.uint64, pid: int, female: np.int64) -> float:
    """Age at which a rural-hukou person leaves non-farm (migrant) work for good.

    Rural-hukou workers have no urban pension and no statutory retirement: they leave migrant
    work when their strength or employers' hiring gives out, at an age that differs from
    person to person (a permanent draw), women earlier. Past it they may still farm at origin
    (until ``labor.origin.retirement_age``); an out-migrant past it has no job, which pushes
    return. Urban locals and converts retire at the statutory ``labor.urban.retirement_age``.
    """
    return retirement_age_of(p, normal(permanent_key(seed, STREAM_RETIREMENT), pid), female)


@inline
def first_age_without_nonfarm_work(retires: float) -> int:
    """The first whole age at which a person whose age of leaving non-farm work is ``retires``
    holds none (the yearly step ends it once the age reaches ``retires``)."""
    return int(np.ceil(retires))


@inline
def retirement_age_of(p: Params, z: float, female: np.int64) -> float:
    """:func:`nonfarm_retirement_age` of a person whose permanent draw ``z`` is given (the yearly
    step reads it from the chunk's stored draws)."""
    return (
        p.labor__retirement__mean_age
        - p.labor__retirement__female_earlier * female
        + p.labor__retirement__sd * z
    )


@inline
def yearly_saving(
    p: Params, status: int, job: int, income: float, city_tier: int, age: int, insurance: int
) -> float:
    """Months of the wage index saved this year: earnings net of living costs where one lives.

    Farm work adds the farm income; retired urban locals, and converts to urban hukou who
    retired on the employee scheme, live on a pension (:func:`derived.draws_urban_pension`).
    Household dependants (:func:`derived.household_dependant`: people at origin without work,
    converts past the retirement age without that pension) live on what their household gives
    them, as the care module prices their capacity to pay (``care.capacity.dependant_share``
    of the per-capita income of their place's residents, for a household of average income):
    without it the old and the sick at origin ran down 1.8 months of savings a year into debt,
    and over half the rural women aged 61+ started under the money-worry line.
    """
    if status == OUT_MIGRANT or status == URBAN_LOCAL or status == URBAN_HUKOU:
        # The living costs of the city one lives in, as pay is that city's. Urban residents
        # all paid a tier-2 city's before calibration step 50, and the converts made at
        # origin (placed in a tier-4 town, paid as there) fell into debt: employed converts
        # of 21-60 who never migrated with negative savings went from 15-20 % in 2015 to
        # 30-32 % in 2035, urban locals staying at 13-15 % (seeds 2-3).
        cost = p.labor__living_cost__by_tier[max(1, city_tier) - 1]
    else:
        cost = p.labor__living_cost__origin
    earned = income / p.labor__wage_index
    if job == JOB_FARM:
        earned += p.labor__origin__farm_income_share
    elif household_dependant(p, status, job, insurance, age):
        earned += (
            p.care__capacity__dependant_share * place_income(p, status) / 12.0 / p.labor__wage_index
        )
        # A dependant lives on what the household gives: they consume what they receive and
        # do not borrow to live (without this cap the old at origin ran into debt year after
        # year, ten months of the wage index by their eighties, and all of them were under
        # the money-worry line).
        cost = min(cost, earned)
    if draws_urban_pension(p, status, insurance, age):
        earned += p.labor__urban__pension
    return 12.0 * (earned - cost) * p.labor__savings__saving_share


@inline
def employment_probability(
    p: Params,
    age: int,
    education: int,
    health: float,
    chronic: int,
    mental: float,
    services: float,
) -> float:
    """Chance that an out-migrant (or urban resident) holds a job this year.

    ``services`` adds the log-odds of public employment services for a job seeker (seed 4.2;
    0 for everyone else).
    """
    return logistic(
        p.labor__employment__intercept
        + p.labor__employment__health * (health - 0.8)
        + p.labor__employment__education * (education - 2)
        - p.labor__employment__age_over_50 * max(0, age - 50) / 10.0
        - p.labor__employment__chronic * chronic
        - p.labor__mental__employment * mental_impairment(p, mental)
        - covid_shock(p)
        + services
    )


@inline
def formal_chance(p: Params, education: int, economic: float, city_tier: int) -> float:
    """Chance that an employed out-migrant without a formal job this year gets one (a labour
    contract): more with schooling, economic integration and in the big cities."""
    return logistic(
        formal_log_odds(p, education, economic, city_tier)
        + p.policy__fair_employment__contract_enforcement
        * p.policy__fair_employment__contract_enforcement_effect
    )


@inline
def formal_log_odds(p: Params, education: int, economic: float, city_tier: int) -> float:
    """Log-odds of finding a formal job that the labour market gives anyone working in a city
    without an urban locals' standing: schooling, economic integration and a big city (the
    common part of :func:`formal_chance` and :func:`convert_formal_chance`)."""
    return (
        p.labor__sector__formal_intercept
        + p.labor__sector__formal_education * (education - 2)
        + p.labor__sector__formal_economic * economic
        + p.labor__sector__formal_big_city * (city_tier <= 2)
    )


@inline
def convert_formal_chance(p: Params, education: int, economic: float, city_tier: int) -> float:
    """Chance that an employed convert to urban hukou without a formal job this year gets one.

    The labour market sorts converts as it sorts out-migrants, by schooling, economic
    integration and city (:func:`formal_chance`, without the contract-enforcement lever, which
    reaches migrant workers), and the urban hukou opens the jobs kept for locals
    (``labor.urban.convert_formal_access``). Until calibration step 52 every employed convert
    drew the urban locals' 0.75 whatever their schooling: former farmers converted at origin
    went from no wage job to 63-73 % formal (seeds 2 and 3).
    """
    return logistic(
        formal_log_odds(p, education, economic, city_tier) + p.labor__urban__convert_formal_access
    )


@inline
def economic_target(  # type: ignore[no-untyped-def]
    p, employed, formal, income, savings, city_tier, insured
):  # fmt: skip
    """The economic integration an out-migrant's (or a convert's) year moves toward (seed
    2.2): holding a job, a formal one, income against twice the wage index, housing (savings
    against the housing costs of the city's tier) and destination insurance, each with its
    weight (``labor.economic``)."""
    housing = clip01(savings / p.labor__economic__housing_months[max(1, city_tier) - 1])
    return (
        p.labor__economic__weight_employed * employed
        + p.labor__economic__weight_formal * formal
        + p.labor__economic__weight_income * clip01(income / p.labor__wage_index / 2.0)
        + p.labor__economic__weight_housing * housing
        + p.labor__economic__weight_insured * insured
    )


@inline
def settled_economic_after(p: Params, arrival: float, years: int) -> float:
    """Economic integration of a base-year out-migrant after ``years`` in the city: from
    ``arrival`` toward ``migration.initial.settled_economic`` at ``labor.economic.adjustment``
    a year (the migration module's start; the yearly steps take over from there)."""
    return arrival + (p.migration__initial__settled_economic - arrival) * (
        1.0 - (1.0 - p.labor__economic__adjustment) ** years
    )


@inline
def base_year_formal_chance(  # type: ignore[no-untyped-def]
    p, age, years_in_city, education, city_tier, health, chronic, mental
):  # fmt: skip
    """Chance that a base-year out-migrant holds a formal job, from their years in the city.

    The migration step gives arrivals an informal job (after that year's labour step), and each
    later year's labour step gives a person who holds a job (:func:`employment_probability`) a
    formal one with :func:`formal_chance` if they had none and with
    ``labor.sector.formal_retention`` if they had one. A base-year out-migrant with ``y`` years
    in the city has had ``y`` such steps: the chain over them, with the economic integration
    those years built (:func:`settled_economic_after`), gives the chance of a formal job now
    among the employed (every base-year out-migrant holds a job). Drawn with the formal chance
    of an arrival whatever the years, the stock started with 28 % formal, and the yearly steps
    took the share to 43 % in five frozen years (to 36 % in the first year of a moving run).
    """
    formal = 0.0  # the unconditional share formal after each step; arrivals are informal
    for k in range(1, years_in_city + 1):
        employed, from_formal, from_informal = base_year_step_chances(
            p, k, age - 1 - years_in_city + k, education, health, chronic, mental, city_tier
        )
        held = formal * from_formal + (1.0 - formal) * from_informal
        if k == years_in_city:
            return held  # this year's step, among the employed
        formal = employed * held
    return 0.0  # arrived this year: informal


@inline
def base_year_step_chances(  # type: ignore[no-untyped-def]
    p, k, age, education, health, chronic, mental, city_tier
):  # fmt: skip
    """The labour step's chances in the ``k``-th year in the city of a base-year out-migrant,
    then aged ``age``: a job (:func:`employment_probability`), and among the employed a formal
    one after a formal one (``labor.sector.formal_retention``) and after none or an informal
    one (:func:`formal_chance` at the economic integration the ``k - 1`` years before built,
    :func:`settled_economic_after`). The start's chains over a base-year out-migrant's years
    (formal jobs here, economic integration and city schemes in the steady start and the care
    module's start) all read them."""
    level = settled_economic_after(p, p.labor__economic__initial, k - 1)
    return (
        employment_probability(p, age, education, health, chronic, mental, 0.0),
        p.labor__sector__formal_retention,
        formal_chance(p, education, level, city_tier),
    )


@inline
def city_job(
    p: Params,
    status: int,
    job: int,
    age: int,
    education: int,
    health: float,
    chronic: int,
    mental: float,
    economic: float,
    city_tier: int,
    k_employment: np.uint64,
    k_sector: np.uint64,
    pid: int,
) -> int:
    """This year's job of a person living in a city: none, informal or formal.

    Urban-hukou people past the statutory ``labor.urban.retirement_age`` hold none. Among
    the employed, urban locals take a formal job with ``labor.urban.formal_share``; an
    out-migrant or a convert keeps a formal job with ``labor.sector.formal_retention`` and
    finds one with :func:`formal_chance` (a convert with :func:`convert_formal_chance`).
    ``k_employment`` and ``k_sector`` are the year's keys of the two draws.
    """
    urban_hukou = status == URBAN_LOCAL or status == URBAN_HUKOU
    if urban_hukou and age >= p.labor__urban__retirement_age:
        return JOB_NONE
    if uniform(k_employment, pid) >= employment_probability(
        p, age, education, health, chronic, mental, job_search_services(p, status, job)
    ):
        return JOB_NONE
    if status == URBAN_LOCAL:
        formal_p = p.labor__urban__formal_share
    elif job == JOB_FORMAL:
        formal_p = p.labor__sector__formal_retention
    elif status == URBAN_HUKOU:
        formal_p = convert_formal_chance(p, education, economic, city_tier)
    else:
        formal_p = formal_chance(p, education, economic, city_tier)
    return JOB_FORMAL if uniform(k_sector, pid) < formal_p else JOB_INFORMAL


@inline
def job_search_services(p: Params, status: int, job: int) -> float:
    """Log-odds that public employment services add to an out-migrant's chance of a job.

    They reach out-migrants who had no job last year (seed 4.2): share reached x effect.
    """
    if status != OUT_MIGRANT or job != JOB_NONE:
        return 0.0
    return (
        p.policy__public_services__employment_services
        * p.policy__public_services__employment_services_effect
    )


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, female, education, status, job, city_tier, health,
    chronic, mental, insurance, savings, economic, income, hours, event, retirement_z,
    hours_person_z, ability_z,
):  # fmt: skip
    k_emp = year_key(seed, STREAM_EMPLOYMENT, year)
    k_sec = year_key(seed, STREAM_SECTOR, year)
    k_hrs = year_key(seed, STREAM_HOURS, year)
    k_trn = permanent_key(seed, STREAM_TRAINING)
    k_ern = year_key(seed, STREAM_EARNINGS, year)
    k_arr = year_key(seed, STREAM_ARREARS, year)
    k_loc = year_key(seed, STREAM_LOCAL, year)
    k_contract = permanent_key(seed, STREAM_LOCAL_CONTRACT)
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        age = year - birth_year[i]
        h = health[i]
        at_origin = lives_at_origin(s)
        j = job[i]
        # Employment and sector.
        rural_hukou = not (s == URBAN_LOCAL or s == URBAN_HUKOU)
        retired_from_nonfarm = rural_hukou and age >= retirement_age_of(
            p, retirement_z[i], female[i]
        )
        if in_school(p, age, education[i]):
            # Students neither farm nor take paid work.
            j = JOB_NONE
        elif at_origin:
            nonfarm = nonfarm_job(j)
            if age >= p.labor__origin__retirement_age or h < p.labor__origin__min_health:
                j = JOB_NONE
            elif retired_from_nonfarm:
                # Past the person's age of leaving migrant work: farming only (ageing in place).
                j = JOB_FARM
            elif nonfarm:
                if uniform(k_loc, pid) < local_nonfarm_exit(p, h):
                    j = JOB_FARM
            else:
                x = local_nonfarm_entry_odds(
                    p, age, education[i], h, female[i]
                ) - covid_local_shock(p)
                if s == RETURNED:
                    x += returnee_entry_offset(p)
                j = (
                    local_job(p, k_contract, pid, education[i])
                    if uniform(k_loc, pid) < logistic(x)
                    else JOB_FARM
                )
            if s == RURAL_STAYER and nonfarm_job(j):
                status[i] = LOCAL_MIGRANT
            elif s == LOCAL_MIGRANT and not nonfarm_job(j):
                status[i] = RURAL_STAYER
        elif retired_from_nonfarm:
            j = JOB_NONE
        else:
            j = city_job(
                p, s, j, age, education[i], h, chronic[i], mental[i], economic[i],
                city_tier[i], k_emp, k_sec, pid,
            )  # fmt: skip
        job[i] = j
        # Hours and income of non-farm work.
        nonfarm = nonfarm_job(j)
        if nonfarm:
            hours[i], income[i], withheld = year_of_work(
                p, s, j, age, education[i], h, mental[i], city_tier[i], economic[i],
                hours_person_z[i], ability_z[i], normal(k_hrs, pid), normal(k_ern, pid),
                uniform(k_trn, pid), uniform(k_arr, pid),
            )  # fmt: skip
            if withheld:
                event[i] |= EV_ARREARS
        else:
            hours[i] = 0.0
            income[i] = 0.0
        # Savings in months of the wage index: earnings net of living costs where one lives.
        # Students' families keep them, so their savings wait until they leave school.
        if not in_school(p, age, education[i]):
            sv = savings[i] * (1.0 - p.labor__savings__spending_rate) + yearly_saving(
                p, s, j, income[i], city_tier[i], age, insurance[i]
            )
            savings[i] = min(120.0, max(-24.0, sv))
        # Economic integration of out-migrants and converts: stable job, income, housing
        # (savings), insurance. Converts go on integrating in the city they live in (until
        # calibration step 52 theirs stayed where the conversion found it, 0 for most made at
        # origin, and it sorts them into formal jobs: convert_formal_chance).
        if s == OUT_MIGRANT or s == URBAN_HUKOU:
            target = economic_target(
                p, nonfarm, j == JOB_FORMAL, income[i], savings[i], city_tier[i],
                destination_insured(insurance[i]),
            )  # fmt: skip
            economic[i] += p.labor__economic__adjustment * (target - economic[i])


@init_kernel
def _init(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, education, status, job, health, chronic, mental,
    city_tier, economic, income, hours, years_in_city,
):  # fmt: skip
    k = permanent_key(seed, STREAM_INIT)
    k_employed = permanent_key(seed, STREAM_INIT_EMPLOYMENT)
    k_contract = permanent_key(seed, STREAM_LOCAL_CONTRACT)
    for i in range(status.size):
        s = status[i]
        if s == DEAD:
            continue
        pid = first_pid + i
        age = max(16, start - birth_year[i])
        u = uniform(k, pid)
        # Students do not work; migration's initialisation keeps them (and people past their
        # age of leaving non-farm work) out of migrant work.
        if s == NOT_ENTERED or in_school(p, age, education[i]):
            job[i] = JOB_NONE
        elif s == OUT_MIGRANT:
            formal_p = base_year_formal_chance(
                p, age, years_in_city[i], education[i], city_tier[i], health[i], chronic[i],
                mental[i],
            )  # fmt: skip
            job[i] = JOB_FORMAL if u < formal_p else JOB_INFORMAL
        elif s == URBAN_LOCAL:
            # As the yearly step places them: employed with its chance, and then in a formal
            # job with ``labor.urban.formal_share`` (the draw ``u``, which the care module's
            # start reads for retirees' past jobs). A formal job or none, as before, left a
            # working-age local without a formal job to live as a dependant in the first year
            # (the care step reads last year's work): urban locals' mean out-of-pocket spending
            # rose 26 % from 2008 to 2009 (666 -> 836 CNY; scale 20,000, seed 1), now 13 %.
            job[i] = JOB_NONE
            if age < p.labor__urban__retirement_age and uniform(
                k_employed, pid
            ) < employment_probability(p, age, education[i], health[i], chronic[i], mental[i], 0.0):
                job[i] = JOB_FORMAL if u < p.labor__urban__formal_share else JOB_INFORMAL
        elif s == LOCAL_MIGRANT:
            job[i] = local_job(p, k_contract, pid, education[i])
        elif s == RURAL_STAYER or s == RETURNED:
            job[i] = (
                JOB_FARM
                if (
                    age < p.labor__origin__retirement_age
                    and health[i] >= p.labor__origin__min_health
                )
                else JOB_NONE
            )
        if s != NOT_ENTERED and nonfarm_job(job[i]):
            # Hours and pay of the starting job, so that the first year's health (overwork) and
            # care (capacity to pay) see last year's work as in every later year.
            j = job[i]
            hours[i], income[i] = usual_hours_and_pay(
                p, seed, pid, s, j, age, education[i], health[i], city_tier[i], economic[i]
            )


class Labor(Module):
    """Employment, sector, hours, income, arrears, savings and economic integration."""

    name = "labor"
    seed_sections = ("1", "3.4", "4.1", "4.4")
    summary = (
        "find or lose work (health raises employment and pay); formal or informal "
        "sector; hours and arrears; income = relative earnings x wage index; savings; "
        "economic integration; local non-farm work and returnee businesses at origin"
    )
    states = (
        StateSpec("job", "int8", "labor", "0 none, 1 farm, 2 non-farm informal, 3 non-farm formal"),
        StateSpec(
            "savings",
            "float32",
            "labor",
            "savings in months of the year's mean out-migrant income",
            "months of income",
        ),
        StateSpec(
            "economic",
            "float32",
            "labor",
            "economic integration: stable employment, income, housing",
            "index 0-1",
        ),
    )
    scratch = (
        StateSpec(
            "income", "float32", "labor", "monthly income this year (0 if not earning)", "CNY/month"
        ),
        StateSpec(
            "hours", "float32", "labor", "usual weekly working hours this year", "hours/week"
        ),
    )
    init_kernels = (_init,)
    step_kernels = (_step,)
    # The yearly step's permanent draws, drawn once per chunk (engine/permanent.py).
    arguments: ClassVar[Mapping[str, Argument]] = {
        "retirement_z": permanent_normals(STREAM_RETIREMENT),
        "hours_person_z": permanent_normals(STREAM_HOURS_PERSON),
        "ability_z": permanent_normals(STREAM_ABILITY),
    }
    writes = ("status", "job", "income", "hours", "savings", "economic", "event")
    parameters = (
        "labor",
        "care.capacity",
        "care.income",
        "schooling",
        # The economic integration the migration module's start builds (base-year formal jobs).
        "migration.initial.settled_economic",
        "policy.fair_employment",
        "policy.public_services",
        "policy.return_entrepreneurship",
    )

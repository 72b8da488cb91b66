"""Savings from a base-year person's own working life (part of the steady start).

Every past year of a person's working life is drawn as the yearly steps draw it: a job or
not, its pay at the experience and health of the time, local non-farm work at origin, what
care cost out of pocket, savings kept at the labour module's rate
(:mod:`migrant_health.modules.steady_start`).
"""

from __future__ import annotations

import numpy as np

from migrant_health.data.demography import MIN_AGE
from migrant_health.engine.codes import (
    INS_NONE,
    INS_RURAL,
    JOB_FARM,
    JOB_FORMAL,
    JOB_INFORMAL,
    JOB_NONE,
    LOCAL_MIGRANT,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.derived import (
    STREAM_ENROLMENT_QUEUE,
    age_band,
    lives_at_origin,
    nonfarm_job,
    place_income,
)
from migrant_health.engine.jit import history_kernel, init_kernel
from migrant_health.engine.random import (
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)
from migrant_health.modules.care import (
    STREAM_HOUSEHOLD_INCOME,
    after_medical_assistance,
    annual_income,
    capacity_to_pay,
    effective_reimbursement,
    local_medical_access,
    medical_price,
    paid_from_own_savings,
    relative_household_income,
    use_of_care,
)
from migrant_health.modules.labor import (
    STREAM_INIT,
    STREAM_LOCAL_CONTRACT,
    base_year_formal_chance,
    employment_probability,
    local_job,
    local_nonfarm_entry_odds,
    local_nonfarm_exit,
    nonfarm_retirement_age,
    returnee_entry_offset,
    settled_economic_after,
    yearly_saving,
)
from migrant_health.modules.pay import experience_log_pay, usual_hours_and_pay
from migrant_health.modules.returnee_spell import age_coming_home_for_age
from migrant_health.modules.spell_employment import (
    spell_year_work_chance,
)

STREAM_SPENDING_HISTORY = stream("steady_start.spending_history")


STREAM_WORK_HISTORY = stream("steady_start.work_history")


STREAM_ORIGIN_WORK_HISTORY = stream("steady_start.origin_work_history")


#: Rows of :func:`history_keys`: the streams of the yearly draws of a base-year person's past.
SPENDING_KEYS, WORK_KEYS, ORIGIN_WORK_KEYS = 0, 1, 2


@init_kernel
def history_keys(seed: np.uint64, years: int) -> np.ndarray:
    """Keys of the yearly draws of the base-year stock's past, by stream and years before the
    start (0 .. ``years`` - 1): each person's history draws under the keys of those years.

    Built once per chunk: deriving a year's key hashes three times, more than the draw it keys,
    and the histories need one for each stream and past year of every person.
    """
    keys = np.empty((3, max(years, 1)), np.uint64)
    for y in range(years):
        keys[SPENDING_KEYS, y] = year_key(seed, STREAM_SPENDING_HISTORY, y)
        keys[WORK_KEYS, y] = year_key(seed, STREAM_WORK_HISTORY, y)
        keys[ORIGIN_WORK_KEYS, y] = year_key(seed, STREAM_ORIGIN_WORK_HISTORY, y)
    return keys


@history_kernel
def local_work_spells(  # type: ignore[no-untyped-def]
    p, seed, pid, age, years, farming, education, health, female, keys, spells, local_now,
    returnee_from, earlier_health, earlier_until,
):  # fmt: skip
    """Which past years at origin a farmer spent in local non-farm work instead.

    ``farming[t]`` marks the years (oldest first, ``years`` in all, the last one a year before
    the start) in which the person farmed at origin as far as the rest of the history knows.
    At origin the labour module moves people between farming and local non-farm work every
    year: a farmer takes it up with the chance :func:`labor.local_nonfarm_entry_odds` gives, a
    local migrant worker leaves it at :func:`labor.local_nonfarm_exit`. A two-state chain is
    reversible, so run backward from a year of farming it has the same chances: each earlier
    year was local work with the entry chance if the year after it was farming, and farming
    with the exit chance if the year after was local work. Only years before the person's age
    of leaving non-farm work can be local work, and the last of them, followed by farming
    whatever it held, stands at the chain's stationary chance ``enter / (enter + leave)``
    (drawn with the entry chance, rural stayers aged 55-84 started 0.02-0.14 months of savings
    poorer, seed 3; calibration step 35). The most recent year of a run of farming years
    is taken as farming: it is now, or the year before a switch the rest of the history knows
    (taking up local work now, leaving for the city, no longer farming in old age). A returnee
    in local work now (``local_now``) has their latest year in it, and the chain runs back
    from there. From ``returnee_from`` on (the years home after a city spell) the entry chance
    is a returnee's (:func:`labor.returnee_entry_offset`). The chances read the person's
    ``health``, and before ``earlier_until`` (a returnee's years before the city spell)
    ``earlier_health``, the health they left with.

    Without these spells every farmer had farmed all their life, and the local migrant workers
    who go back to farming (about one rural stayer in forty a year, with 40 months of savings)
    raised rural stayers' savings by a month a year under frozen conditions.

    ``keys`` are :func:`history_keys`; ``spells`` is filled in its first ``years`` places.

    Returns:
        ``spells``: 1 for a year of local non-farm work, by year (oldest first).
    """
    retires = nonfarm_retirement_age(p, seed, pid, female)
    leave_now = local_nonfarm_exit(p, health)
    leave_then = local_nonfarm_exit(p, earlier_health)
    local = False
    # The entry odds depend on age only through its NBS age band (`derived.age_band`): one
    # logistic per band met instead of one per year (the same numbers).
    band = -1
    returnee_band = False
    then_band = False
    enter = 0.0
    for t in range(years - 1, -1, -1):
        if not farming[t]:
            local = False
            spells[t] = 0
            continue
        years_ago = years - 1 - t
        a = age - 1 - years_ago
        if t == years - 1:
            local = local_now  # the latest year: farming, or the local work held now
        elif not farming[t + 1]:
            local = False  # the latest year of a run of farming
        elif a >= retires:
            local = False
        else:
            draw = uniform(keys[ORIGIN_WORK_KEYS, years_ago], pid)
            then = t < earlier_until
            leave = leave_then if then else leave_now
            if local:
                local = draw >= leave
            else:
                home = t >= returnee_from
                if age_band(a) != band or home != returnee_band or then != then_band:
                    band = age_band(a)
                    returnee_band = home
                    then_band = then
                    odds = local_nonfarm_entry_odds(
                        p, a, education, earlier_health if then else health, female
                    )
                    if home:
                        odds += returnee_entry_offset(p)
                    enter = logistic(odds)
                # The next year's step ends local work at the age of leaving non-farm work,
                # so the chain meets that year in farming whatever this year held: this year
                # stands at the chain's stationary chance, not at its entry chance.
                # (A negative exit chance, which a steeper health slope of a scenario can give
                # the healthiest, never ends the work: a stationary chance of 1.)
                last = a + 1 >= retires
                stationary = enter / (enter + max(leave, 0.0))
                local = draw < (stationary if last else enter)
        spells[t] = local
    return spells


@history_kernel
def spell_year_pay(  # type: ignore[no-untyped-def]
    p, seed, pid, age, then, k, education, health, chronic, mental, city_tier
):  # fmt: skip
    """Monthly pay of a returnee's ``k``-th year in the city (0: the year of arrival), at age
    ``then``, at the usual hours and pay of today's ``age`` (the savings history adjusts it to
    the experience of the time).

    The yearly steps raise an out-migrant's economic integration from its level at arrival
    (``labor.economic.initial``) at ``labor.economic.adjustment`` a year
    (:func:`labor.settled_economic_after`), and pay rises with it; and they give an employed
    out-migrant a formal job, at a formal job's pay, with the chance
    :func:`labor.base_year_formal_chance` gives after ``k`` years. The pay is the formal and
    informal pay weighted by that chance. Paid as at the economic integration of home (none)
    in an informal job every year, the start's returnee men aged 40-59 home up to five years
    came home with 5.6-6.3 months of savings, against 8.5-8.6 paid so (seed 3); the yearly
    steps' returnees of those ages held 12.5 the year before coming home (frozen 2008
    conditions, seed 3).
    """
    economic = settled_economic_after(p, p.labor__economic__initial, k)
    _, informal = usual_hours_and_pay(
        p, seed, pid, OUT_MIGRANT, JOB_INFORMAL, age, education, health, city_tier, economic
    )
    if k == 0:
        return informal  # arrivals start in an informal job
    _, formal = usual_hours_and_pay(
        p, seed, pid, OUT_MIGRANT, JOB_FORMAL, age, education, health, city_tier, economic
    )
    share = base_year_formal_chance(
        p, then + 1, k, education, city_tier, health, chronic, mental
    )  # fmt: skip
    return informal + share * (formal - informal)


@history_kernel
def savings_history(  # type: ignore[no-untyped-def]
    p, seed, pid, age, before, before_status, before_job, city, since, status, job, income,
    city_tier, insurance, chronic, health, mental, education, economic, female, keys, farming,
    local, onset, steady, city_well, city_ill, arrival, city_rate, home_shortfall, home_rate,
    city_index,
):  # fmt: skip
    """Savings at the start, and at the end of the first spell of a working life.

    Follows the yearly steps: savings kept at ``1 - labor.savings.spending_rate`` a year plus
    the year's saving (:func:`yearly_saving`, bounded to -24..120 months), minus the part of
    what care cost out of pocket that the person paid (:func:`care.paid_from_own_savings`;
    :func:`care.medical_price` with a draw of its own for each past year, the person's
    schemes, use of care against their capacity to pay, medical assistance). The
    person spent ``before`` years as ``before_status`` with ``before_job`` and no earnings of
    their own, then ``city`` years as an out-migrant (a returnee's years in the city; 0 for
    everyone else), then ``since`` years as now (a retired urban local: at work in the city
    until the retirement age, see below, and on the pension since).
    The yearly draws give the spread the steps build up: at the same age and job, some have
    just paid for a hospital stay. Without it every young person started above the money-worry
    line and one in ten fell below it in each of the next five years.

    In the city, the labour module draws every year whether a person holds a job
    (:func:`labor.employment_probability`), so a city resident's past years are drawn the same
    way, each with a draw of its own: employed in their present job at its pay (or, without a
    job now, an informal job for an out-migrant and a formal one for an urban resident, at its
    usual pay), or without a job and paying the city's living costs from savings. The last
    year before the start is the job they hold. A retired urban local without a job was drawn
    so each year up to the retirement age (the last year before it too), in a formal job or,
    with the labour module's own draw of ``1 - labor.urban.formal_share``, an informal one, at
    the usual pay of their last year before retirement (at the health of that age, scaled by
    experience), and has drawn ``labor.urban.pension`` since. Taken as now for every year, the
    employed had never lost a job and the few without one had been out of work for all their
    years in the city. A returnee's years in the city are drawn the same way, with the chance
    of a job conditioned on how the spell ended (:func:`employed_in_spell_year`), at the pay of each
    year in a city of ``city_tier`` (the returnee's past destination; :func:`spell_year_pay`).
    A year of farming at origin may have been a year of local non-farm work instead, at its
    usual pay (:func:`local_work_spells`). Each past year's chances of a job and medical bills
    read the health and chronic illness of the time: ill from ``onset``
    (:func:`chronic_onset_age`, or :func:`chronic_onset_after_city_years` for a person with a
    city spell) and as far above today's health as ``steady`` (the steady
    state without work or illness by age of the person's place,
    ``health.initial_steady_state``) stands above today's. A returnee's city years read the
    path the start gives out-migrants instead: from ``arrival`` (their health on arriving in
    the city) toward the city's steady state for them at the age of the return, ``city_well``
    without chronic illness and ``city_ill`` with it (:func:`returnee_city_health`), at the
    city's recovery rate ``city_rate``, since the return selected on the health of its own
    year, and their years before the spell read ``arrival`` along the steady state's path by
    age (and their local work then, its chances and pay, ``arrival`` itself), and their years
    home since read the shortfall of health that selected the return, ``home_shortfall``,
    fading at ``home_rate`` a year from the return to today's (as :func:`_settle` fades it);
    for everyone else the six are unused. Read from today's health, the returnee men
    who came home in the five years before the start came home with 2.4-7.4 months of savings
    where the yearly steps' returnees of their ages come home with 7.3-13.0.

    ``keys`` are :func:`history_keys`; ``farming`` and ``local`` are work arrays of at least
    the person's years (the chunk's, so that no person allocates). ``city_index`` is the
    integration index by which the person's years as an out-migrant reached the city's care
    (:func:`care.local_medical_access`).
    """
    keep = 1.0 - p.labor__savings__spending_rate
    household = relative_household_income(
        p, normal(permanent_key(seed, STREAM_HOUSEHOLD_INCOME), pid)
    )
    queue = uniform(permanent_key(seed, STREAM_ENROLMENT_QUEUE), pid)
    at_origin_insurance = INS_RURAL if queue < p.care__enrolment__rural_coverage else INS_NONE
    # A retired urban local worked in the city until the retirement age and has drawn the
    # pension since (calibration step 41): taken as retired for every year since school, the
    # urban locals of 60-64 started with 13.8 months of savings where those of 55-59 held 31.4,
    # and the savings of those aged 60-69 rose 1.6 months a year under frozen conditions as
    # the younger ones aged in (seeds 3-7).
    retired_urban = (
        status == URBAN_LOCAL and age >= p.labor__urban__retirement_age and not nonfarm_job(job)
    )
    churns = (
        status == OUT_MIGRANT
        or status == URBAN_HUKOU
        or (status == URBAN_LOCAL and age < p.labor__urban__retirement_age)
    )
    years = before + city + since
    steady_now = steady[min(age, steady.size - 1)]
    # The age whose pay a year of work is scaled from (by experience): now, or for a retired
    # urban local their last year before retirement, at the health of that age.
    pay_age = age
    pay_health = health
    if retired_urban:
        pay_age = max(MIN_AGE, int(np.ceil(p.labor__urban__retirement_age)) - 1)
        pay_health = min(
            1.0, max(0.05, health + steady[min(pay_age, steady.size - 1)] - steady_now)
        )
    usual_job, usual_pay = job, income
    if (churns and not nonfarm_job(job)) or retired_urban:
        usual_job = JOB_INFORMAL if status == OUT_MIGRANT else JOB_FORMAL
        if retired_urban and uniform(permanent_key(seed, STREAM_INIT), pid) >= (
            p.labor__urban__formal_share
        ):
            # Retired from an informal job: the labour module's draw, which the care module
            # reads for the employee scheme a retiree keeps.
            usual_job = JOB_INFORMAL
        _, usual_pay = usual_hours_and_pay(
            p, seed, pid, status, usual_job, pay_age, education, pay_health, city_tier, economic
        )
    sv = 0.0
    at_switch = 0.0
    # People at origin without work farmed until the farming age ended (or, younger, until
    # now) and have lived on their household's transfers since, paying part of their bills.
    farm_end = int(np.ceil(p.labor__origin__retirement_age))
    farms_until = farm_end if job == JOB_NONE and lives_at_origin(status) else 0
    # A returnee in local work came home to the farm and took it up since (returnee_history).
    local_now = status == RETURNED and nonfarm_job(job)
    # A returnee's years before the spell read the health they left with (``arrival``): the
    # health of the return carried the selection of the return (salmon bias), which the years
    # before they left did not have, and the less healthy take up local non-farm work less
    # often, leave it more often and are paid less in it (calibration step 39).
    spell_from = before if status == RETURNED and city > 0 else 0
    departed_at = age - years + before  # a returnee's age on leaving for the city
    before_health = min(1.0, max(0.05, arrival)) if spell_from > 0 else health
    for t in range(years):
        a = age - years + t
        farming[t] = False
        if t < before:
            farming[t] = before_job == JOB_FARM
        elif t >= before + city:
            farming[t] = job == JOB_FARM or a < farms_until or local_now
    local_work_spells(
        p, seed, pid, age, years, farming, education, health, female, keys, local, local_now,
        before + city if status == RETURNED else years, before_health, spell_from,
    )  # fmt: skip
    returned_at = age - since  # a returnee's age on coming home
    # A returnee who came home at their age of leaving non-farm work went home for the age.
    home_for_age = (
        status == RETURNED
        and city > 0
        and returned_at >= age_coming_home_for_age(p, seed, pid, female)
    )
    # Every spell of a person's local work is of one kind (``labor.local_job``).
    local_kind = local_job(p, permanent_key(seed, STREAM_LOCAL_CONTRACT), pid, education)
    _, local_pay = usual_hours_and_pay(
        p, seed, pid, LOCAL_MIGRANT, local_kind, age, education, health, 0, economic
    )
    local_pay_before = local_pay
    if spell_from > 0:
        _, local_pay_before = usual_hours_and_pay(
            p, seed, pid, LOCAL_MIGRANT, local_kind, age, education, before_health, 0, economic
        )
    experience_now = experience_log_pay(p, pay_age, education)
    for t in range(years):
        years_ago = years - 1 - t
        a = age - 1 - years_ago
        # Health and chronic illness of the time: taken as now, a returnee of 60-64 had been
        # as ill in the city at 40 as today, and the start's returnees of 60-64 held 2.9
        # months of savings against 7.4 at 55-59 (seed 3).
        ill = chronic if a >= onset else 0
        fit = min(1.0, max(0.05, health + steady[min(a, steady.size - 1)] - steady_now))
        if t < before:
            st, jb, earned, tier, ins = before_status, before_job, 0.0, 0, at_origin_insurance
            if spell_from > 0:
                # The health they left with, along the steady state's path by age.
                fit = (
                    arrival
                    + steady[min(a, steady.size - 1)]
                    - steady[min(departed_at, steady.size - 1)]
                )
                fit = min(1.0, max(0.05, fit))
        elif t < before + city:
            st, jb, earned, tier, ins = OUT_MIGRANT, JOB_NONE, 0.0, city_tier, at_origin_insurance
            # In the city the person moved from their health on arrival toward the city's
            # steady state for them, as the start moves out-migrants; the return later
            # selected on the health of its own year, not on the spell's. A chronic illness
            # lowers that steady state from its onset (or from arrival, if it began before),
            # and health moves toward the lower one at the same rate: the years just after
            # the onset keep most of the health of the years before it. Taken at the lower
            # steady state from the onset on, as if the person had moved toward it since
            # arrival, the last four years of a nine-year spell spent ill cost a returnee of
            # 57 coming home 5.6 months of savings; followed so, 4.0 (calibration step 39).
            own = (
                city_well
                + steady[min(a, steady.size - 1)]
                - steady[min(returned_at, steady.size - 1)]
            )
            fit = own + (arrival - own) * (1.0 - city_rate) ** (t - before)
            if ill:
                ill_for = a - max(onset, departed_at)  # health steps taken ill
                fit -= (city_well - city_ill) * (1.0 - (1.0 - city_rate) ** ill_for)
            fit = min(1.0, max(0.05, fit))
            chance = spell_year_work_chance(
                p, a, employment_probability(p, a, education, fit, ill, mental, 0.0), fit,
                mental, ill, t == before + city - 1, home_for_age,
            )  # fmt: skip
            if uniform(keys[WORK_KEYS, years_ago], pid) < chance:
                jb = JOB_INFORMAL
                earned = spell_year_pay(
                    p, seed, pid, age, a, t - before, education, fit, ill, mental, city_tier
                )  # fmt: skip
        else:
            st, jb, earned, tier, ins = status, job, income, city_tier, insurance
            if status == RETURNED and city > 0:
                # Home since the return: the shortfall that selected it was larger in the
                # first years home than it is today.
                fit += home_shortfall * (
                    (1.0 - home_rate) ** (a - returned_at) - (1.0 - home_rate) ** since
                )
                fit = min(1.0, max(0.05, fit))
            working = churns or (retired_urban and a < p.labor__urban__retirement_age)
            # The last year before the start is the job held now, except for a retiree, who
            # holds none: at the retirement age exactly, it was their last year of work.
            if working and (years_ago > 0 or retired_urban):
                employed = uniform(keys[WORK_KEYS, years_ago], pid)
                chance = employment_probability(p, a, education, fit, ill, mental, 0.0)
                if employed < chance:
                    jb, earned = usual_job, usual_pay
                else:
                    jb, earned = JOB_NONE, 0.0
            elif city > 0:
                tier = 0  # back at origin
            if a < farms_until:
                jb = JOB_FARM
            if local_now and not local[t]:
                jb, earned = JOB_FARM, 0.0  # a year home before taking up local work
        if local[t]:
            # A rural stayer's local non-farm work makes them a local migrant worker that year;
            # a returnee's keeps them a returnee.
            st = LOCAL_MIGRANT if st == RURAL_STAYER else st
            jb, earned = local_kind, local_pay_before if t < spell_from else local_pay
        if earned > 0.0:
            # Paid at the experience of the time. At today's, a returnee of 60-64 had earned a
            # 62-year-old's pay in the city at 40 and in local work since, and came into the
            # start with savings under a third of those of 55-59 (1.99 months against 6.82;
            # seed 3), which five frozen years of the steps brought up by a month a year.
            earned *= np.exp(experience_log_pay(p, a, education) - experience_now)
        # The year's saving at the job and age of the time (a retired urban local's pension
        # from the retirement age on); what care costs at the age of the time.
        sv = min(120.0, max(-24.0, sv * keep + yearly_saving(p, st, jb, earned, tier, a, ins)))
        price = medical_price(p, st, a, ill, fit, normal(keys[SPENDING_KEYS, years_ago], pid))
        rho, _ = effective_reimbursement(p, ins, st, queue)
        capacity = capacity_to_pay(
            p, annual_income(p, st, jb, earned, household), place_income(p, st)
        )
        # Out-migrants reach the city's care by the integration index ``city_index`` (the
        # start's access: their own now, a returnee's city years at the reference index).
        use = use_of_care(p, price, rho, capacity) * local_medical_access(p, st, city_index)
        spent, _ = after_medical_assistance(
            p,
            use * price * (1.0 - rho),
            capacity,
            st != URBAN_LOCAL,
        )
        sv -= paid_from_own_savings(p, st, jb, ins, a, spent) / p.labor__wage_index
        if t == before - 1:
            at_switch = sv
    return min(120.0, max(-24.0, sv)), min(120.0, max(-24.0, at_switch))

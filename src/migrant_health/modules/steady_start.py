"""A steady start: the base-year stock's health, mental health and savings from its own history.

The 2008 stock is synthesised before anyone has a job, hours, insurance or a place in the city,
so the health module first gives everyone the steady state of a rural or urban person doing
nothing in particular (``health._init``), and migration then selects the healthier into the
city (healthy-migrant selection). Left there, the start drifts: farm work, chronic illness and
the city's long hours wear health down over the first years, newcomers' savings are those of
settled migrants, and mental health starts at one value for everyone.

This module runs last at initialisation, when jobs, hours, insurance, support and integration
exist, and settles each person where the model's own dynamics would have brought them:

- **Physical health**: the person's individual deviation (frailty and noise, including the
  selection of out-migrants) is kept, and the steady state it deviates from becomes that of
  the person's own conditions (job, hours, chronic illness, insurance, local ties). An
  out-migrant arrived ``years_in_city`` years ago with the health they were selected on and has
  since moved toward the city's steady state at the yearly recovery rate; a rural stayer or an
  urban resident has moved toward their own for each year since leaving school, as the steps
  move an entrant from 16.
- **Returnees' local work** (:mod:`returnee_history`): a returnee home for some years holds
  the local non-farm work the yearly steps leave among the returnees still at home.
- **Savings** (:mod:`savings_history`): an out-migrant arrived with what they had saved
  farming at origin and has saved (and spent) for ``years_in_city`` years at the rates the
  labour module applies every year, each year's pay at the experience of the time, the health
  and chronic illness of the time (:mod:`chronic_onset` dates an illness).
- **Economic integration** of out-migrants (:mod:`economic_history`): from the arrival level,
  one yearly adjustment for each year in the city toward that year's own target (job, formal
  job, pay, savings, insurance). Their city scheme comes from the care module's start, by a
  chain of the yearly steps since arrival (:mod:`enrolment`).
- **Mental health** (:mod:`city_history` for the years in the city): the person's own
  target (support, money, physical health, chronic illness, discrimination, early mobility,
  family) plus a draw from the spread that yearly shocks keep around it, reached from
  ``health._init``'s draw with one yearly adjustment for each year past 16, as an entrant's;
  an out-migrant has covered only part of the way from the mental health they arrived with, as
  many yearly adjustments as years in the city, and a returnee from the mental health of their
  city years, one for each year home.
- **Ties with locals (and support), cultural and identity integration** of out-migrants
  (:mod:`city_history`): built from the values of departure with the social and integration
  modules' yearly steps, one of each for each year in the city.

Later cohorts enter at 16 and start from ``health._init``'s state, which is the steady state of
a 16-year-old at origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from migrant_health.data.demography import MIN_AGE
from migrant_health.engine.binding import Argument
from migrant_health.engine.codes import (
    DEAD,
    INS_RURAL,
    JOB_FARM,
    JOB_INFORMAL,
    JOB_NONE,
    LOCAL_MIGRANT,
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
)
from migrant_health.engine.context import Params
from migrant_health.engine.derived import (
    destination_insured,
    nonfarm_job,
    out_migrant_index,
)
from migrant_health.engine.jit import history_kernel, init_kernel
from migrant_health.engine.module import Module
from migrant_health.engine.random import (
    clip01,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)
from migrant_health.modules.care import (
    care_access,
)
from migrant_health.modules.chronic_onset import (
    chronic_onset_after_city_years,
    chronic_onset_age,
    chronic_return_ratios,
)
from migrant_health.modules.city_history import (
    city_integration,
    city_mental_health,
    departure_target,
    family_in_city,
    mental_health_home_from_city,
    returnee_ties,
)
from migrant_health.modules.demography import first_life_table_age, rural_qx, urban_qx
from migrant_health.modules.economic_history import own_economic_integration
from migrant_health.modules.health import (
    OLDEST_TABULATED,
    chronic_prevalence_tables,
    initial_steady_state,
    recovery_rate,
    settled_health,
    surviving_frailties,
    survivors_health_shifts,
    survivors_shift,
)
from migrant_health.modules.labor import (
    STREAM_ARREARS,
    STREAM_EARNINGS,
    STREAM_EMPLOYMENT,
    STREAM_HOURS,
    STREAM_TRAINING,
    employment_probability,
)
from migrant_health.modules.mental_target import (
    mental_disposition,
    mental_stationary_sd,
    mental_target,
    mental_trait,
)
from migrant_health.modules.migration_start import base_year_arrival_age, typical_return_chances
from migrant_health.modules.pay import (
    STREAM_ABILITY,
    STREAM_HOURS_PERSON,
    usual_hours_and_pay,
    year_of_work,
)
from migrant_health.modules.returnee_history import settle_returnee_local_work
from migrant_health.modules.returnee_spell import age_coming_home_for_age, returnee_past
from migrant_health.modules.savings_history import history_keys, savings_history
from migrant_health.modules.schooling import school_end_age
from migrant_health.modules.social import (
    home_support,
    social_support,
)
from migrant_health.modules.spell_employment import (
    employed_in_spell_year,
)

STREAM_SETTLED_MENTAL = stream("steady_start.mental")
STREAM_SETTLED_HEALTH = stream("steady_start.health")
STREAM_LOCAL_WORK_YEARS = stream("steady_start.local_work_years")


@init_kernel
def local_work_years(p: Params, key: np.uint64, pid: int, most: int) -> int:
    """Years a base-year local migrant worker has already done local non-farm work.

    Geometric with the yearly chance of leaving such work (``labor.origin.nonfarm_exit``): the
    time since entry of those in a job left at a constant rate; at most ``most``.
    """
    leave = p.labor__origin__nonfarm_exit
    if leave <= 0.0:
        return most
    years = np.log(1.0 - uniform(key, pid)) / np.log(1.0 - leave)
    return int(min(float(most), years))


@init_kernel
def fresh_spread(p: Params, rate: float, years: int) -> float:
    """Spread of health that ``years`` of yearly shocks add around a person's path while the
    deviation they started with fades.

    The yearly step keeps a person's distance from their settled health as ``d' = (1 - r) d +
    shock``: after ``years`` a share ``(1 - r)^years`` of the starting distance is left, and the
    shocks since have added the variance ``shock_sd^2 (1 - (1 - r)^(2 years)) / (1 - (1 -
    r)^2)``. Moved toward their settled health without it, out-migrants long in the city and
    local migrant workers long in their work started bunched around it, and their poor
    self-rated health rose a point in the first year as the shocks spread them out again
    (out-migrants 4.1 -> 4.8 %, local migrant workers 10.7 -> 11.7 %, seed 1).
    """
    keep2 = (1.0 - rate) ** 2
    if 1.0 - keep2 < 1e-12:
        return p.health__shock_sd * np.sqrt(float(years))
    return p.health__shock_sd * np.sqrt((1.0 - keep2**years) / (1.0 - keep2))


@init_kernel
def stayers_health_tilt(  # type: ignore[no-untyped-def]
    p, rate, age, years, returns_by_age
):  # fmt: skip
    """How much healthier than their own path an out-migrant ``years`` in the city is for
    having stayed: every year the less healthy go home more often (salmon bias,
    ``migration.return.health``).

    A logistic selection of rare events on a Gaussian spread tilts its mean by the slope times
    the variance and the year's chance of going home (``typical_return_chances``, by the age
    of that year); each year's tilt then fades as the person's distance from settled health
    does, at ``1 - rate`` a year. The variance is the stationary one of the yearly shocks. It
    is small, about 0.002 after ten years: a linear tilt moves the mean only, where the yearly
    returns thin the lower tail of the spread :func:`fresh_spread` adds, so out-migrants with
    10+ years still start with more poor self-rated health than the steps keep (docs/model.md
    section 5, step 7).
    """
    keep = 1.0 - rate
    variance = p.health__shock_sd**2 / max(1e-12, 1.0 - keep * keep)
    slope = p.migration__return__health / 0.1
    tilt = 0.0
    for j in range(1, years + 1):
        tilt += returns_by_age[min(max(age - j, 0), returns_by_age.size - 1)] * keep ** (j - 1)
    return slope * variance * tilt


@history_kernel
def returnee_city_health(  # type: ignore[no-untyped-def]
    p, seed, pid, returned_at, frail, tier, education, family, health, ties, network, at_home
):  # fmt: skip
    """The health a base-year returnee settled toward in the city, at the age of the return.

    An informal job at the usual hours of an out-migrant, the access to care of an
    out-migrant on the rural scheme, and the support of the spell (the ties of the return,
    ``ties``, and the network of its end, ``network``). The usual hours take the person's
    draw, education, health and city tier (the pay they also give is not used).

    Returns:
        ``(well, ill, recovery_rate)``: the settled health without a chronic illness and with
        one, and the city's recovery rate.
    """
    support = social_support(p, ties, network, family_in_city(family), True)
    r_city = recovery_rate(
        p,
        care_access(p, INS_RURAL, OUT_MIGRANT, p.migration__reference__integration),
        ties,
        support - at_home,
    )
    hours, _ = usual_hours_and_pay(
        p, seed, pid, OUT_MIGRANT, JOB_INFORMAL, returned_at, education, health, tier,
        p.migration__initial__settled_economic,
    )  # fmt: skip
    well = settled_health(p, returned_at, frail, hours, JOB_INFORMAL, OUT_MIGRANT, 0, r_city)
    ill = settled_health(p, returned_at, frail, hours, JOB_INFORMAL, OUT_MIGRANT, 1, r_city)
    return well, ill, r_city


@history_kernel
def returnee_city_gap(  # type: ignore[no-untyped-def]
    p, seed, pid, returned_at, city, back, frail, chronic, tier, education, family, health,
    ties, network, hours_home, job_home, rate_home, at_home,
):  # fmt: skip
    """What is left of the city's mark on a base-year returnee's health, ``back`` years after
    coming home from ``city`` years in the city.

    In the city the person moved from the steady state of home toward the city's (an informal
    job at the usual hours of an out-migrant, the access to care of an out-migrant on the rural
    scheme, the ties of the return, ``ties``, and the support of the spell with the network
    of its end, ``network``) at the city's
    recovery rate, a share
    ``1 - (1 - r_city)^city`` of the way; at home the gap closes at the home rate, ``(1 -
    r)^back`` of it still there. The two steady states are taken at the age of the return (the
    home one with the person's work, hours and recovery rate now). Settled at
    home, base-year returnee men aged 21-30 started at health 0.907 and their poor self-rated
    health rose 5.9 -> 14.0 % in four years as the steps sent home young men still carrying
    the city's long hours.

    Returns:
        What is left of the gap (usually negative), to add to the person's health settled at
        home.
    """
    if city <= 0:
        return 0.0
    well, ill, r_city = returnee_city_health(
        p, seed, pid, returned_at, frail, tier, education, family, health, ties, network,
        at_home,
    )  # fmt: skip
    own_city = ill if chronic else well
    own_home = settled_health(
        p, returned_at, frail, hours_home, job_home, RETURNED, chronic, rate_home
    )
    return (own_city - own_home) * (1.0 - (1.0 - r_city) ** city) * (1.0 - rate_home) ** back


@init_kernel
def _settle(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, female, education, status, job, family,
    years_in_city, insurance, chronic, health, mental, savings, income, hours, city_tier,
    support, local_ties, origin_network, economic, cultural, identity, cross_province,
    migrations, first_urban_pid, frailty_z, first_age, qx, qx_urban, health_shifts,
):  # fmt: skip
    k_mental = permanent_key(seed, STREAM_SETTLED_MENTAL)
    k_health = permanent_key(seed, STREAM_SETTLED_HEALTH)
    returns_by_age = typical_return_chances(p)
    chronic_ratios = chronic_return_ratios(p, returns_by_age)
    k_local = permanent_key(seed, STREAM_LOCAL_WORK_YEARS)
    # A history is at most as many years long as its person is old.
    longest = 0
    for i in range(status.size):
        longest = max(longest, start - birth_year[i])
    keys = history_keys(seed, longest)
    at_home = home_support(p)
    farming = np.empty(longest, np.bool_)
    local_work = np.empty(longest, np.int8)
    # Chronic prevalence (by sex) and the steady state without work or illness, by age, of
    # each place (rural 0, urban 1), for the histories' health of the time.
    prevalence = np.empty((2, 2, OLDEST_TABULATED + 1))
    prevalence[0] = chronic_prevalence_tables(p, qx, first_age, False)
    prevalence[1] = chronic_prevalence_tables(p, qx_urban, first_age, True)
    steady = np.empty((2, OLDEST_TABULATED + 1))
    for a in range(OLDEST_TABULATED + 1):
        steady[0, a] = initial_steady_state(p, a, 0.0, False)
        steady[1, a] = initial_steady_state(p, a, 0.0, True)
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        age = start - birth_year[i]
        urban = pid >= first_urban_pid
        departure_cultural = 0.0
        if s == OUT_MIGRANT:
            # Ties, cultural and identity integration over the years in the city, before the
            # health they speed the recovery of and the mental health they support.
            departure_cultural = (
                p.migration__departure__cultural
                - p.migration__departure__cross_province_cultural_gap * cross_province[i]
            )
            local_ties[i], cultural[i], identity[i] = city_integration(
                p, seed, pid, age, years_in_city[i], education[i],
                destination_insured(insurance[i]), departure_cultural,
            )  # fmt: skip
            support[i] = social_support(p, local_ties[i], origin_network[i], family[i], True)
        left_school = school_end_age(p, education[i])
        working_years = max(0, age - left_school)
        city, past_tier, back = 0, city_tier[i], 0
        ties_back = 0.0  # a returnee's ties with locals on coming home
        network_away = 0.0  # and origin network at the end of the city spell
        if s == RETURNED:
            # Farmed (or did local work), spent some years in the city, and came home some
            # years ago (returnee_spell).
            _, city, past_tier, back = returnee_past(p, seed, pid, age, education[i], female[i], 0)
            # The ties and network the city spell and the years home since left, before the
            # health they speed the recovery of and the mental health they support.
            departure_cultural = (
                p.migration__departure__cultural
                - p.migration__departure__cross_province_cultural_gap * cross_province[i]
            )
            # Their cultural and identity integration are those they came home with, where
            # the steps leave them. Not set here (before calibration step 45), the base-year
            # returnees held 0.06 and 0.02 where those who came home in 2009 held 0.59 and
            # 0.21, and the returnees' integration index rose from 0.05 to 0.26 by 2035 as
            # they were replaced (seed 1); now 0.65 and 0.22 against 0.60 and 0.22.
            ties_back, cultural[i], identity[i], network_away, local_ties[i], origin_network[i] = (
                returnee_ties(
                    p, seed, pid, age - back, city, back, education[i], cross_province[i],
                    departure_cultural,
                )
            )  # fmt: skip
            support[i] = social_support(p, local_ties[i], origin_network[i], family[i], False)
        frail = frailty_z[i]
        # The steady state health._init started the person near.
        assumed = initial_steady_state(p, age, frail, urban)
        # An out-migrant reaches the city's medical resources by their own integration index
        # (care.local_medical_access), read from the ties, cultural and identity integration
        # just settled and the economic integration migration_start._init placed them at (settled
        # again from their health below). At the reference index for everyone, newcomers
        # (an index of about 0.17) started with the access of out-migrants of four to six
        # years, and long-stayers with less than theirs (calibration step 56).
        city_index = p.migration__reference__integration
        if s == OUT_MIGRANT:
            city_index = out_migrant_index(
                p, s, insurance[i], job[i], local_ties[i], education[i], economic[i],
                cultural[i], identity[i],
            )  # fmt: skip
        rate = recovery_rate(
            p, care_access(p, insurance[i], s, city_index), local_ties[i], support[i] - at_home
        )
        own = settled_health(p, age, frail, hours[i], job[i], s, chronic[i], rate)
        h = health[i]
        arrival_health = h
        home_shortfall = 0.0  # a returnee's drawn distance from their steady state (below)
        if s == OUT_MIGRANT:
            # Health on arrival (what selection saw), then years toward the city's steady state,
            # with the spread the years' shocks have added around it.
            h = own + (h - own) * (1.0 - rate) ** years_in_city[i]
            h += fresh_spread(p, rate, years_in_city[i]) * normal(k_health, pid)
            h += stayers_health_tilt(p, rate, age, years_in_city[i], returns_by_age)
        elif s == LOCAL_MIGRANT:
            # A farmer's steady state until they took local non-farm work, then years toward
            # that work's own (long hours; hazards in an informal job). The labour module ends
            # such work at ``labor.origin.nonfarm_exit`` a year, so the years in it so far are
            # geometric (capped by the years since school); settled as if for life, the
            # local migrant workers started below where the entrants from farming keep them
            # and got healthier year after year.
            farmer = settled_health(
                p, age, frail, 0.0, JOB_FARM, RURAL_STAYER, chronic[i],
                recovery_rate(
                    p, care_access(p, insurance[i], RURAL_STAYER, 0.0), local_ties[i],
                    support[i] - at_home,
                ),
            )  # fmt: skip
            years = local_work_years(p, k_local, pid, max(0, age - left_school))
            h = own + (h + farmer - assumed - own) * (1.0 - rate) ** years
            h += fresh_spread(p, rate, years) * normal(k_health, pid)
        elif s == RETURNED:
            # The start selected returnees on their drawn distance from their steady state
            # (migration_start._init: the salmon bias of a return, or, past the age of leaving
            # non-farm work, the health of the out-migrants they had been), a distance the
            # steps see at the return and then fade at the home recovery rate year after
            # year, while the years' shocks spread the person around their path again. Kept
            # whole, the selected shortfall of returnees home for years never faded:
            # returnees home 12 years or more lost 0.0012 of health capital in two frozen
            # years where rural stayers of 31-55 lost 0.0036, and the start's returnees of
            # every age from 21 to 60 gained 0.003-0.007 at a given age in five (returnee
            # women aged 41-50: -0.53 points of poor self-rated health a year at the base
            # year's mix of ages, spells and years in the city; calibration step 46). The
            # survivors' shift of their age (what the deaths of the years leave,
            # health._init) is no part of that distance: the steps keep it, as for stayers.
            shift = survivors_shift(health_shifts, False, female[i], age)
            home_shortfall = h - assumed - shift
            h = own + shift + home_shortfall * (1.0 - rate) ** back
            h += fresh_spread(p, rate, back) * normal(k_health, pid)
            h += returnee_city_gap(
                p, seed, pid, age - back, city, back, frail, chronic[i], past_tier,
                education[i], family[i], h, ties_back, network_away, hours[i], job[i],
                rate, at_home,
            )  # fmt: skip
        else:
            # One step toward the steady state of their own conditions for each year since
            # leaving school, as the steps move an entrant of 16 from the steady state without
            # work (a student's own is about that state): 80-85 % of the way at 30, over 95 %
            # from about 40. Settled as if for life, farmers of 16-20 started 0.012-0.016
            # below the entrants of their age, and their poor self-rated health fell 0.5
            # points a year under frozen conditions as the entrants replaced them.
            h += (own - assumed) * (1.0 - (1.0 - rate) ** working_years)
        health[i] = min(1.0, max(0.05, h))
        # Savings, year by year as the labour and care modules move them (saving, spending
        # down, paying for care), over the person's working life so far: an out-migrant
        # farmed at origin and brought those savings along (arriving with nothing put three in
        # four base-year arrivals under the money-worry line); people at origin without work
        # farmed until the farming age ended and have lived on their household's transfers
        # since, paying part of their medical bills from their savings; retired urban locals
        # worked in the city until the retirement age; everyone else has lived as now since
        # leaving school (students' families keep them).
        before, before_status, before_job = 0, s, job[i]
        if s == LOCAL_MIGRANT:
            # Farmed (or did earlier spells of local work) until this spell began.
            before = working_years - local_work_years(p, k_local, pid, working_years)
            before_status, before_job = RURAL_STAYER, JOB_FARM
        elif s == OUT_MIGRANT:
            before = max(0, working_years - years_in_city[i])
            before_status, before_job = RURAL_STAYER, JOB_FARM
        if s == RETURNED:
            before = working_years - city - back
            before_status, before_job = RURAL_STAYER, JOB_FARM
        city_well = city_ill = arrival = city_rate = 0.0
        if s == RETURNED and city > 0:
            city_well, city_ill, city_rate = returnee_city_health(
                p, seed, pid, age - back, frail, past_tier, education[i], family[i], health[i],
                ties_back, network_away, at_home,
            )  # fmt: skip
            # Health on arrival: the origin's steady state for them at the age they left, with
            # the survivors' shift of that age, and what is left, that many years back, of the
            # deviation that selected the return (an AR(1) deviation shrinks by the recovery
            # rate a year, back in time as forward); taken whole, it carried back the low
            # health the return selected on.
            departed = age - back - city
            arrival = (
                initial_steady_state(p, departed, frail, urban)
                + survivors_shift(health_shifts, False, female[i], departed)
                + home_shortfall * (1.0 - rate) ** city
            )
        place = 1 if urban else 0
        # When a chronic illness began, for the histories' years of it: dated by the city
        # spell, which the ill leave more often, for those who have had one.
        if s == RETURNED and city > 0:
            # A return at the age of leaving non-farm work was made for the age, whatever the
            # person's health: only the years of staying on before its last year date the
            # illness.
            forced = age - back >= age_coming_home_for_age(p, seed, pid, female[i])
            onset = chronic_onset_after_city_years(
                seed, pid, age, chronic[i], prevalence[place, female[i]], age - back - city,
                city - 1 if forced else city, not forced, chronic_ratios,
            )  # fmt: skip
        elif s == OUT_MIGRANT and years_in_city[i] > 0:
            onset = chronic_onset_after_city_years(
                seed, pid, age, chronic[i], prevalence[place, female[i]],
                age - years_in_city[i], years_in_city[i], False, chronic_ratios,
            )  # fmt: skip
        else:
            onset = chronic_onset_age(seed, pid, age, chronic[i], prevalence[place, female[i]])
        savings[i], origin_savings = savings_history(
            p, seed, pid, age, before, before_status, before_job, city,
            working_years - before - city, s,
            job[i], income[i], past_tier, insurance[i], chronic[i], health[i], mental[i],
            education[i], economic[i], female[i], keys, farming, local_work, onset,
            steady[place], city_well, city_ill, arrival, city_rate, home_shortfall, rate,
            city_index,
        )  # fmt: skip
        if s == OUT_MIGRANT:
            # Economic integration from the years in the city (economic_history), before the
            # mental health that discrimination, falling as integration rises, weighs on.
            economic[i] = own_economic_integration(
                p, age, years_in_city[i], education[i], health[i], chronic[i], mental[i],
                job[i], income[i], savings[i], origin_savings, city_tier[i],
                destination_insured(insurance[i]),
            )  # fmt: skip
        # Mental health: toward each person's own target, with the spread yearly shocks keep
        # around it, by the yearly adjustments of their years past 16, in the city (out-migrants)
        # or home since the city (returnees).
        spread = mental_stationary_sd(p) * normal(k_mental, pid)
        if s != OUT_MIGRANT:
            target, _ = mental_target(
                p, seed, pid, female[i], age, s, years_in_city[i], family[i], savings[i],
                support[i], health[i], chronic[i], insurance[i], job[i], local_ties[i],
                education[i], economic[i], cultural[i], identity[i],
            )  # fmt: skip
            if s == RETURNED and city > 0:
                origin_target = departure_target(
                    p, seed, pid, female[i], age - back - city, age - back - city,
                    migrations[i], family[i], origin_savings, health[i], chronic[i],
                    insurance[i], education[i], cross_province[i], departure_cultural,
                )  # fmt: skip
                home = mental_health_home_from_city(
                    p, seed, pid, female[i], age, city, back, family[i], origin_savings,
                    savings[i], health[i], chronic[i], education[i], network_away,
                    departure_cultural, origin_target, target,
                )  # fmt: skip
                mental[i] = clip01(home + spread)
                continue
            # Rural stayers, local migrant workers and urban residents: the steps start an
            # entrant of 16 at their disposition (health._init's draw) and move them toward
            # their target by ``health.mental.adjustment`` a year; the young of the base year
            # have come as far. Settled on the target at once, the rural stayers of 16 started
            # 2.3-2.7 points less often depressed than the entrants of 16 after them, once
            # their health capital came from their years of work.
            left = (1.0 - p.health__mental__adjustment) ** max(0, age - MIN_AGE)
            mental[i] = clip01(
                target + (mental[i] - target) * left + np.sqrt(1.0 - left * left) * spread
            )
            continue
        # An out-migrant arrived with the mental health of their life at origin (farming, the
        # origin network and a spouse nearby, the savings of their years there; on a second
        # spell, of their first spell and years home as a returnee) and has made one yearly
        # adjustment for each year in the city since.
        y = years_in_city[i]
        trait = mental_trait(seed, pid)
        origin_target = departure_target(
            p, seed, pid, female[i], age - y, base_year_arrival_age(age, y), migrations[i],
            family[i], origin_savings, arrival_health, chronic[i], insurance[i], education[i],
            cross_province[i], departure_cultural,
        )  # fmt: skip
        # health._init drew the origin disposition without these circumstances.
        arrived = mental[i] + origin_target - mental_disposition(p, trait, female[i], age)
        m = city_mental_health(
            p, seed, pid, trait, female[i], age, y, arrived, family[i], origin_savings,
            savings[i], health[i], chronic[i], insurance[i], job[i], origin_network[i],
            education[i], economic[i], departure_cultural,
        )  # fmt: skip
        moved = 1.0 - (1.0 - p.health__mental__adjustment) ** y
        mental[i] = clip01(m + np.sqrt(1.0 - (1.0 - moved) ** 2) * spread)


@init_kernel
def last_year_of_work(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, education, status, job, health, chronic, mental,
    city_tier, economic, income, hours,
):  # fmt: skip
    """Work, hours and pay of the base-year stock in the year before the start.

    The first year's health step (overwork) and care step (capacity to pay) read last year's
    work, as every later year's read the labour step's: drawn here as that step draws a year
    of work, under the keys of the year before the start, after the steady start's histories
    have read the usual hours and pay (:func:`usual_hours_and_pay`). An out-migrant held a job
    with :func:`employment_probability`, conditioned on having stayed in the city through that
    year's return decision (:func:`employed_in_spell_year`: the migration module sends
    out-migrants without a job home more often). A job's hours and pay come from
    :func:`pay.year_of_work` (the year's shocks to hours and pay, the pay depressive symptoms
    cost, training, wage arrears in informal jobs). The first year's labour step draws
    everyone's work anew.

    With every out-migrant employed at the usual hours and pay, the first care step saw their
    incomes without the year's spread and none living on savings: 7.0 % of out-migrants spent
    catastrophically in 2008 against 8.7 % and 8.9 % in 2009 and 2010 (scale 1,000, seed 1),
    a step of the first year; the out-migrants without a job last year spend catastrophically
    almost four times as often as those with one (2009, scale 20,000, seed 1: 27.6 % against
    7.6 %).
    """
    year = start - 1
    k_employment = year_key(seed, STREAM_EMPLOYMENT, year)
    k_hours = year_key(seed, STREAM_HOURS, year)
    k_earnings = year_key(seed, STREAM_EARNINGS, year)
    k_arrears = year_key(seed, STREAM_ARREARS, year)
    k_training = permanent_key(seed, STREAM_TRAINING)
    k_person = permanent_key(seed, STREAM_HOURS_PERSON)
    k_ability = permanent_key(seed, STREAM_ABILITY)
    for i in range(status.size):
        s = status[i]
        j = job[i]
        if s == NOT_ENTERED or s == DEAD or not nonfarm_job(j):
            continue
        pid = first_pid + i
        age = start - birth_year[i]
        if s == OUT_MIGRANT:
            chance = employment_probability(
                p, age, education[i], health[i], chronic[i], mental[i], 0.0
            )
            held = employed_in_spell_year(p, age, chance, health[i], mental[i], chronic[i], False)
            if uniform(k_employment, pid) >= held:
                job[i] = JOB_NONE
                hours[i] = 0.0
                income[i] = 0.0
                continue
        # Last year's arrears are not this year's event: only the pay they withheld is kept.
        hours[i], income[i], _ = year_of_work(
            p, s, j, age, education[i], health[i], mental[i], city_tier[i], economic[i],
            normal(k_person, pid), normal(k_ability, pid), normal(k_hours, pid),
            normal(k_earnings, pid), uniform(k_training, pid), uniform(k_arrears, pid),
        )  # fmt: skip


class SteadyStart(Module):
    """Settles the base-year stock's health, mental health, savings and out-migrants' economic
    integration, ties, support, cultural and identity integration on its own history."""

    name = "steady_start"
    seed_sections = ("3.1", "3.2")
    summary = (
        "at initialisation, once jobs, insurance and integration exist: returnees' local work "
        "for their years home; health toward the steady "
        "state of each person's own conditions (out-migrants: from arrival over their years in "
        "the city; others over their years since school), savings from each person's history, "
        "out-migrants' economic integration toward each year's own target, mental health "
        "toward its own target, out-migrants' ties, cultural and identity integration built "
        "year by year"
    )
    # Returnees' local work first: their health, mental health and savings settle on it. Last,
    # the year of work before the start as the labour step draws one, after the histories have
    # read the usual hours and pay (last_year_of_work).
    init_kernels = (settle_returnee_local_work, _settle, last_year_of_work)
    # The base-year stock's frailty among the survivors of each age (health module).
    arguments: ClassVar[Mapping[str, Argument]] = {
        "frailty_z": surviving_frailties,
        # The base year's chronic prevalence by age, for the onset in the savings histories.
        "first_age": first_life_table_age,
        "qx": rural_qx,
        "qx_urban": urban_qx,
        # The survivors' shift of health at each age, which returnees keep as stayers do.
        "health_shifts": survivors_health_shifts,
    }
    writes = (
        "job",
        "income",
        "hours",
        "economic",
        "health",
        "mental",
        "savings",
        "cultural",
        "identity",
        "local_ties",
        "origin_network",
        "support",
    )
    parameters = (
        "health",
        "demography.marriage",
        "care",
        "labor",
        "migration.initial",
        "migration.first",
        "migration.remigration",
        "migration.departure",
        "migration.destination",
        "migration.return",
        "migration.reference",
        "social",
        "integration",
        "schooling",
        "policy.fair_employment",
        "policy.management",
        "policy.public_services",
        "policy.return_entrepreneurship",
    )

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
- **Savings**: an out-migrant arrived with what they had saved farming at origin and has
  saved (and spent) for ``years_in_city`` years at the rates the labour module applies every
  year, each year's pay at the experience of the time.
- **Economic integration** of out-migrants (:mod:`economic_history`): from the arrival level,
  one yearly adjustment for each year in the city toward that year's own target (job, formal
  job, pay, savings, insurance). Their city scheme comes from the care module's start, by a
  chain of the yearly steps since arrival (:mod:`enrolment`).
- **Mental health**: the person's own target (support, money, physical health, chronic illness,
  discrimination, early mobility, family) plus a draw from the spread that yearly shocks keep
  around it, reached from ``health._init``'s draw with one yearly adjustment for each year past
  16, as an entrant's; an out-migrant has covered only part of the way from the mental health
  they arrived with, as many yearly adjustments as years in the city, and a returnee from the
  mental health of their city years, one for each year home.
- **Ties with locals (and support), cultural and identity integration** of out-migrants: built
  from the values of departure with the social and integration modules' yearly steps, one of
  each for each year in the city.

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
    FAMILY_APART,
    FAMILY_SINGLE,
    INS_NONE,
    INS_RURAL,
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
    STREAM_ENROLMENT_QUEUE,
    age_band,
    destination_insured,
    lives_at_origin,
    nonfarm_job,
    out_migrant_index,
    place_income,
)
from migrant_health.engine.jit import history_kernel, init_kernel
from migrant_health.engine.module import Module
from migrant_health.engine.random import (
    clip01,
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
    care_access,
    effective_reimbursement,
    local_medical_access,
    medical_price,
    paid_from_own_savings,
    relative_household_income,
    use_of_care,
)
from migrant_health.modules.demography import first_life_table_age, rural_qx, urban_qx
from migrant_health.modules.economic_history import own_economic_integration
from migrant_health.modules.health import (
    OLDEST_TABULATED,
    chronic_prevalence_tables,
    initial_steady_state,
    mental_disposition,
    mental_stationary_sd,
    mental_target,
    mental_target_of,
    mental_trait,
    recovery_rate,
    settled_health,
    surviving_frailties,
    survivors_health_shifts,
    survivors_shift,
)
from migrant_health.modules.integration import (
    cultural_growth,
    holds_residence_permit,
    identity_target,
)
from migrant_health.modules.labor import (
    STREAM_ABILITY,
    STREAM_ARREARS,
    STREAM_EARNINGS,
    STREAM_EMPLOYMENT,
    STREAM_HOURS,
    STREAM_HOURS_PERSON,
    STREAM_INIT,
    STREAM_LOCAL_CONTRACT,
    STREAM_TRAINING,
    base_year_formal_chance,
    employment_probability,
    experience_log_pay,
    local_job,
    local_nonfarm_entry_odds,
    local_nonfarm_exit,
    nonfarm_retirement_age,
    returnee_entry_offset,
    settled_economic_after,
    usual_hours_and_pay,
    year_of_work,
    yearly_saving,
)
from migrant_health.modules.migration import (
    base_year_arrival_age,
    typical_return_chances,
)
from migrant_health.modules.returnee_history import settle_returnee_local_work
from migrant_health.modules.returnee_spell import age_coming_home_for_age, returnee_past
from migrant_health.modules.schooling import school_end_age
from migrant_health.modules.social import (
    home_support,
    networks_after_year,
    out_migrant_ties,
    social_support,
)
from migrant_health.modules.spell_employment import (
    employed_in_spell_year,
    spell_year_work_chance,
)

STREAM_SETTLED_MENTAL = stream("steady_start.mental")
STREAM_SETTLED_HEALTH = stream("steady_start.health")
STREAM_LOCAL_WORK_YEARS = stream("steady_start.local_work_years")
STREAM_SPENDING_HISTORY = stream("steady_start.spending_history")
STREAM_WORK_HISTORY = stream("steady_start.work_history")
STREAM_ORIGIN_WORK_HISTORY = stream("steady_start.origin_work_history")
STREAM_CHRONIC_ONSET = stream("steady_start.chronic_onset")

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
def city_year_of_integration(  # type: ignore[no-untyped-def]
    p, seed, pid, k, age, education, insured, ties, cultural, identity
):  # fmt: skip
    """One year of an out-migrant's ties with locals, cultural and identity integration.

    The social module's step (growth with education and dialect, slower from 50, decay,
    isolation from ``social.ties.isolation_age``), then the integration module's (cultural
    growth with education and the new ties, identity toward the target of the residence
    permit, destination insurance, ``k`` years in the city, ties, education and ``age``), in
    the yearly order.

    Returns:
        Ties, cultural and identity integration after the year.
    """
    ties = out_migrant_ties(p, ties, education, cultural, age)
    if age >= p.social__ties__isolation_age:
        ties *= 1.0 - p.social__ties__isolation_loss
    ties = clip01(ties)
    cultural = clip01(cultural + cultural_growth(p, education, ties, age) * (1.0 - cultural))
    belonging = identity_target(
        p, holds_residence_permit(p, seed, pid, k), insured, k, ties, education, age
    )
    identity = clip01(identity + p.integration__identity__rate * (belonging - identity))
    return ties, cultural, identity


@history_kernel
def city_integration(  # type: ignore[no-untyped-def]
    p, seed, pid, age, years, education, insured, departure_cultural
):  # fmt: skip
    """An out-migrant's ties with locals, cultural and identity integration after ``years`` in
    the city: :func:`city_year_of_integration` once for each year, from the values of
    departure (``social.ties.initial``, ``departure_cultural``, ``migration.departure.identity``).

    Built with the modules' own steps. Before, the start grew ties at the bare rate
    ``social.ties.growth`` without decay or the slower growth from 50, so out-migrants aged
    50+ with 2-4 years in the city started at 0.47 and fell to 0.30 in the first year of a
    run, and identity moved toward the base of its target only (out-migrants with 10-19 years
    gained 0.011-0.013 a year within their band under frozen conditions).
    """
    ties = p.social__ties__initial
    cultural = departure_cultural
    identity = p.migration__departure__identity
    for k in range(years):
        ties, cultural, identity = city_year_of_integration(
            p, seed, pid, k, age - years + k, education, insured, ties, cultural, identity
        )
    return ties, cultural, identity


@history_kernel
def city_mental_health(  # type: ignore[no-untyped-def]
    p, seed, pid, trait, female, age, years, arrived, family, arrival_savings, savings, health,
    chronic, insurance, job, origin_network, education, economic, departure_cultural,
):  # fmt: skip
    """An out-migrant's mental health after ``years`` yearly adjustments in the city.

    From ``arrived``, each year moves it toward that year's target
    (:func:`health.mental_target_of`): with that year's years in the city (the first years'
    stress), and that year's ties with locals, cultural and identity integration
    (:func:`city_year_of_integration`, the path :func:`city_integration` builds), origin
    network and economic integration, which the base-year stock has moved toward their own
    levels at their own rates (docs/model.md section 5, steps 3 and 6) and which are traced
    back from where they are now; savings run in a straight line from what the person
    arrived with to what they hold now. Physical health, chronic illness, job, insurance and
    family are taken as now. With every year's target taken as now, newcomers missed the
    stress of their first years and longer-settled migrants the discrimination of theirs.
    """
    rate = p.health__mental__adjustment
    economic_level = p.migration__initial__settled_economic
    insured = destination_insured(insurance)
    m = arrived
    ties = p.social__ties__initial
    c = departure_cultural
    d = p.migration__departure__identity
    for k in range(years):
        back = float(k - years)  # years before now, as a negative power of the keep rates
        e = clip01(
            economic_level
            + (economic - economic_level) * (1.0 - p.labor__economic__adjustment) ** back
        )
        network = clip01(origin_network * (1.0 - p.social__origin__fade) ** back)
        support = social_support(p, ties, network, family, True)
        saved = arrival_savings + (savings - arrival_savings) * k / years
        then = age - years + k
        # An out-migrant's money worries are their savings' (the household's income is not
        # read; 1.0 stands for it).
        target, _ = mental_target_of(
            p, trait, female, then, OUT_MIGRANT, k, family, saved, 1.0, support, health,
            chronic, insurance, job, ties, education, e, c, d,
        )  # fmt: skip
        m += rate * (target - m)
        # The year's social and integration steps come after health's.
        ties, c, d = city_year_of_integration(p, seed, pid, k, then, education, insured, ties, c, d)
    return m


@init_kernel
def stayer_target(  # type: ignore[no-untyped-def]
    p, seed, pid, female, age, family, savings, health, chronic, insurance, education
):  # fmt: skip
    """The mental-health target of a rural stayer's life at ``age``: farming, the whole origin
    network and a spouse nearby, ``savings``."""
    target, _ = mental_target(
        p, seed, pid, female, age, RURAL_STAYER, 0, family, savings,
        social_support(p, 0.0, 1.0, family, False), health, chronic, insurance, JOB_FARM, 0.0,
        education, 0.0, 0.0, 0.0,
    )  # fmt: skip
    return target


@init_kernel
def departure_target(  # type: ignore[no-untyped-def]
    p, seed, pid, female, departed_at, returnee_at, spells, family, origin_savings, health,
    chronic, insurance, education, cross_province, departure_cultural,
):  # fmt: skip
    """The mental-health target a base-year out-migrant or returnee left home with for their
    last city spell, which began at ``departed_at`` and was their ``spells``-th.

    A first migrant left the life of a rural stayer (:func:`stayer_target`, with the savings
    of their years at origin); one on a second spell left as the returnee they were at
    ``returnee_at`` (:func:`second_spell_arrival`; for an out-migrant the age the migration
    module's start selected them at, :func:`migration.base_year_arrival_age`).
    """
    stayer = stayer_target(
        p, seed, pid, female, departed_at, family, origin_savings, health, chronic, insurance,
        education,
    )  # fmt: skip
    if spells < 2:
        return stayer
    return second_spell_arrival(
        p, seed, pid, female, returnee_at, family, origin_savings, health, chronic, insurance,
        education, cross_province, departure_cultural, stayer,
    )  # fmt: skip


@init_kernel
def mental_health_home_from_city(  # type: ignore[no-untyped-def]
    p, seed, pid, female, age, city, back, family, origin_savings, savings, health, chronic,
    education, network_away, departure_cultural, origin_target, target,
):  # fmt: skip
    """A returnee's mental health ``back`` years after coming home from ``city`` years in the
    city, at ``age``, without the spread of the yearly shocks around it.

    The returnee came home with the mental health of their years in the city
    (:func:`city_mental_health`, from ``origin_target``, the target they left home with, with
    the origin network of the spell ``network_away``), tilted by the return's selection on
    distress, and has made one yearly adjustment toward ``target``, the target at home, for
    each year since.
    """
    in_city = city_mental_health(
        p, seed, pid, mental_trait(seed, pid), female, age - back, city, origin_target,
        family_in_city(family), origin_savings, savings, health, chronic, INS_NONE,
        JOB_INFORMAL, network_away, education, p.migration__initial__settled_economic,
        departure_cultural,
    )  # fmt: skip
    # The return itself selected on mental health (the salmon bias of distress,
    # ``migration.return.mental``): a logistic selection of rare events on a Gaussian spread
    # tilts its mean by the slope times the variance.
    in_city -= p.migration__return__mental / 0.1 * mental_stationary_sd(p) ** 2
    return target + (in_city - target) * (1.0 - p.health__mental__adjustment) ** back


@init_kernel
def second_spell_arrival(  # type: ignore[no-untyped-def]
    p, seed, pid, female, arrived_at, family, origin_savings, health, chronic, insurance,
    education, cross_province, departure_cultural, origin_target,
):  # fmt: skip
    """The mental health a base-year out-migrant or returnee on a second spell left home with.

    At ``arrived_at`` they were a returnee of that age: a first spell and years home since as
    :func:`returnee_spell.returnee_past` draws the spell before the last
    (``earlier`` 1), with the ties, network and mental health that history leaves
    (:func:`mental_health_home_from_city`). That spell began from a rural stayer's target at
    the age it began (:func:`stayer_target`; the spells before it are not traced); their
    savings are taken as those they left with. A returnee drawn without a city spell keeps
    ``origin_target``.
    """
    _, city, _, back = returnee_past(p, seed, pid, arrived_at, education, female, 1)
    if city <= 0:
        return origin_target
    returned_at = arrived_at - back
    began = stayer_target(
        p, seed, pid, female, returned_at - city, family, origin_savings, health, chronic,
        insurance, education,
    )  # fmt: skip
    _, cultural_back, _, network_away, ties, network = returnee_ties(
        p, seed, pid, returned_at, city, back, education, cross_province, departure_cultural
    )
    home_target, _ = mental_target(
        p, seed, pid, female, arrived_at, RETURNED, 0, family, origin_savings,
        social_support(p, ties, network, family, False), health, chronic, insurance, JOB_FARM,
        ties, education, 0.0, cultural_back, 0.0,
    )  # fmt: skip
    return mental_health_home_from_city(
        p, seed, pid, female, arrived_at, city, back, family, origin_savings, origin_savings,
        health, chronic, education, network_away, departure_cultural, began, home_target,
    )  # fmt: skip


@init_kernel
def returnee_ties(  # type: ignore[no-untyped-def]
    p, seed, pid, returned_at, city, back, education, cross_province, departure_cultural
):  # fmt: skip
    """A returnee's ties and networks from a city spell of ``city`` years that ended at
    ``returned_at``, ``back`` years ago: the ties with locals, cultural and identity
    integration on coming home (:func:`city_integration`; the yearly steps leave a returnee's
    cultural and identity integration where the city left them), the origin network at the
    spell's end (:func:`spell_network`), and the ties with locals and origin network now
    (:func:`returnee_networks`).

    Returns:
        ``(ties_back, cultural_back, identity_back, network_away, ties, network)``.
    """
    ties_back, cultural_back, identity_back = city_integration(
        p, seed, pid, returned_at, city, education, False, departure_cultural
    )
    network_away = spell_network(p, cultural_back, returned_at, city, education, cross_province)
    ties, network = returnee_networks(
        p, ties_back, network_away, cultural_back, returned_at, back, education, cross_province
    )
    return ties_back, cultural_back, identity_back, network_away, ties, network


@init_kernel
def spell_network(  # type: ignore[no-untyped-def]
    p, cultural, returned_at, city, education, cross_province
):  # fmt: skip
    """Origin network of a base-year returnee at the end of a city spell of ``city`` years
    that ended at ``returned_at``: thinned on departure (``migration.departure.network_loss``),
    then each year away the social module's own step (:func:`social.networks_after_year`: the
    network fades, faster across a provincial border, and old age thins it). The start's
    histories of the spell (health, mental health) and of the years home since read it alike.
    """
    network = 1.0 - p.migration__departure__network_loss
    for k in range(city):
        _, network = networks_after_year(
            p, OUT_MIGRANT, 0.0, network, education, cultural, cross_province,
            returned_at - city + k,
        )  # fmt: skip
    return network


@init_kernel
def returnee_networks(  # type: ignore[no-untyped-def]
    p, ties, network, cultural, returned_at, back, education, cross_province
):  # fmt: skip
    """A base-year returnee's ties with locals and origin network, ``back`` years after coming
    home at ``returned_at``.

    The yearly steps' path: ties with locals and cultural integration built as out-migrants
    build them (``ties`` and ``cultural`` on the return, from :func:`city_integration`), the
    origin network of the spell's end (``network``, :func:`spell_network`); on the return half
    the missing network regained (``migration.return.network_regain``), then each year at home
    the social module's own step (:func:`social.networks_after_year`: the network recovers,
    ties decay, old age thins both). Started with no ties and the full network of people who
    never left, base-year returnees stood apart from those the steps send home, and their
    support rose from 0.518 to 0.548 in four years as the steps' returnees filled the stock.

    Returns:
        Ties with locals and origin network now.
    """
    network += p.migration__return__network_regain * (1.0 - network)
    for k in range(back):
        ties, network = networks_after_year(
            p, RETURNED, ties, network, education, cultural, cross_province, returned_at + k
        )
    return ties, network


@init_kernel
def family_in_city(family: int) -> int:
    """Family arrangement of a returnee's years in the city: apart from a spouse left at home
    (the single stay single)."""
    return FAMILY_APART if family != FAMILY_SINGLE else FAMILY_SINGLE


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


@init_kernel
def chronic_onset_age(  # type: ignore[no-untyped-def]
    seed, pid, age, chronic, prevalence
):  # fmt: skip
    """Age at which a base-year person who is chronically ill now fell ill (past ``age`` if
    they are not ill).

    Chronic illness does not remit, so of those ill at ``age`` the share already ill at ``x``
    is the prevalence at ``x`` over the prevalence now (``prevalence``: the base year's
    prevalence by age of the person's sex and place, ``health.chronic_prevalence_tables``;
    deaths that take the ill first are left out). Drawn as the first age at which that share
    reaches a uniform draw of the person's own.
    """
    if not chronic:
        return age + 1
    now = prevalence[min(age, prevalence.size - 1)]
    u = uniform(permanent_key(seed, STREAM_CHRONIC_ONSET), pid) * now
    for x in range(16, age):
        if prevalence[x] >= u:
            return x
    return age


@init_kernel
def chronic_return_ratios(p: Params, returns_by_age: np.ndarray) -> np.ndarray:
    """How much a chronic illness changes an out-migrant's year in the city, by age: row 0 the
    chance of staying on, row 1 the chance of going home, each ill over well.

    A chronic illness sends out-migrants home through every channel of the yearly steps: the
    return equation's own term (``migration.return.chronic``), the poorer health it settles
    them on, the jobs it costs. Together the ill leave about ``1 / migration.initial.
    chronic_tenure`` a year more often than others (17.4 % against 4.4 %, frozen 2008
    conditions), the rate at which the start builds the city stock's deficit of chronic
    illness; the well go home at the return equation's reference levels (``returns_by_age``,
    :func:`migration.typical_return_chances`). With the return equation's own term alone (an
    odds ratio of 1.8), the start's dating of illness barely moved: the chronically ill
    returnee men who came home at 55-59 came home with -1.4 months of savings against -2.2
    undated (seed 1, two chunks at scale 200).
    """
    extra = 1.0 / max(p.migration__initial__chronic_tenure, 1e-9)
    ratios = np.empty((2, returns_by_age.size))
    for a in range(returns_by_age.size):
        well = returns_by_age[a]
        ill = max(well, min(0.99, well + extra))  # the ill never go home less often
        ratios[0, a] = (1.0 - ill) / (1.0 - well)
        ratios[1, a] = ill / well
    return ratios


@init_kernel
def city_onset_likelihood(  # type: ignore[no-untyped-def]
    x, arrived_at, city, came_home, ratios
):  # fmt: skip
    """How much more (or less) likely a city spell's course is if the person fell chronically
    ill at ``x`` than if they fell ill after it.

    A spell of ``city`` years from ``arrived_at`` was a year of staying on for each year in the
    city, ill from ``x``, and, if the person ``came_home``, a return at the end of its last
    year (``ratios``: :func:`chronic_return_ratios`). First migration does not select on
    chronic illness, so an onset before arrival counts as one on arriving.
    """
    likelihood = 1.0
    last = arrived_at + city - 1
    oldest = ratios.shape[1] - 1
    for a in range(max(x, arrived_at), last + 1):
        if came_home and a == last:
            likelihood *= ratios[1, min(max(a, 0), oldest)]
        else:
            likelihood *= ratios[0, min(max(a, 0), oldest)]
    return likelihood


@init_kernel
def chronic_onset_after_city_years(  # type: ignore[no-untyped-def]
    seed, pid, age, chronic, prevalence, arrived_at, city, came_home, ratios
):  # fmt: skip
    """Age at which a base-year out-migrant or returnee who is chronically ill now fell ill,
    given the course of their city spell.

    :func:`chronic_onset_age`'s chances by age (the prevalence's rise, the same draw of the
    person's own), each weighted by :func:`city_onset_likelihood`: an out-migrant still in
    the city had stayed on every year since, which the ill do less often, so their illness
    is more likely recent; a returnee's spell ended in a return, which the ill make more often
    (:func:`chronic_return_ratios`: about five times as often at 30-45, 2.6 times at 55), so
    theirs more likely began during it than the prevalence alone says. The chronically ill
    returnee men who came home at 55-59 in the five years before the start came home with
    -1.5 months of savings before calibration step 39 (this dating, the health path after an
    onset and the years before the spell together) and 2.7 after it, the others with 9.4 and
    11.4 (seed 1, three chunks at scale 200); the yearly steps' chronically ill
    returnees of those ages come home with 9.2 (frozen 2008 conditions, seeds 3-7).
    """
    if not chronic:
        return age + 1
    now = prevalence[min(age, prevalence.size - 1)]
    if now <= 0.0 or age <= 16:
        return chronic_onset_age(seed, pid, age, chronic, prevalence)
    # The first-passage chances of chronic_onset_age (the share already ill by x is the
    # highest prevalence up to x over the prevalence now, 1 at ``age``), each weighted: summed
    # once for the total, then again up to the draw (no array per person).
    u = uniform(permanent_key(seed, STREAM_CHRONIC_ONSET), pid)
    for drawing in (False, True):
        total = 0.0
        reached = 0.0
        for x in range(16, age + 1):
            share = 1.0 if x == age else min(1.0, max(reached, prevalence[x] / now))
            total += (share - reached) * city_onset_likelihood(
                x, arrived_at, city, came_home, ratios
            )
            reached = share
            if drawing and total >= u and total > 0.0:
                return x
        u *= total
    return age


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
        # just settled and the economic integration migration._init placed them at (settled
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
            # (migration._init: the salmon bias of a return, or, past the age of leaving
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
    :func:`labor.year_of_work` (the year's shocks to hours and pay, the pay depressive symptoms
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

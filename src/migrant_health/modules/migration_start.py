"""The base-year stock's migration: who is an out-migrant, a returnee or a local migrant worker
in 2008, since when, after how many spells (seed sections 3.2 and 3.4).

The 2008 stock is selected as the yearly steps of :mod:`migrant_health.modules.migration`
select, with their rules (:mod:`migrant_health.modules.migration_decisions`): out-migrants on
health relative to people of their age (healthy-migrant selection), returnees on poorer health
and chronic illness (salmon bias), tenure in the city on both; the shares by age band stay
those of the data on average.
"""

from __future__ import annotations

import math

import numpy as np

from migrant_health.engine.codes import (
    DEAD,
    EV_FIRST_MIGRATION,
    FAMILY_APART,
    FAMILY_SINGLE,
    FAMILY_TOGETHER,
    LOCAL_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel, inline
from migrant_health.engine.random import (
    inverse_normal_cdf,
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
)
from migrant_health.modules.health import (
    OLDEST_TABULATED,
    chronic_prevalence_tables,
    initial_health_draw,
    initial_spread,
    initial_steady_state,
    recovery_rate,
)
from migrant_health.modules.labor import (
    first_age_without_nonfarm_work,
    nonfarm_retirement_age,
    settled_economic_after,
)
from migrant_health.modules.mental_target import mental_trait
from migrant_health.modules.migration_decisions import (
    STREAM_COMMUNITY,
    crosses_a_border,
    migration_logit,
    return_logit,
)
from migrant_health.modules.returnee_spell import returnee_past
from migrant_health.modules.schooling import in_school

STREAM_INITIAL_OUT = stream("migration.initial_out_migrant")


STREAM_INITIAL_RETURNED = stream("migration.initial_returned")


STREAM_INITIAL_LOCAL = stream("migration.initial_local_work")


STREAM_INITIAL_YEARS = stream("migration.initial_years_in_city")


STREAM_INITIAL_REMIGRANT = stream("migration.initial_remigrant")


STREAM_INITIAL_REPEAT = stream("migration.initial_repeat_spell")


STREAM_INITIAL_THIRD_SPELL = stream("migration.initial_third_spell")


STREAM_INITIAL_REUNION = stream("migration.initial_family_reunion")


STREAM_INITIAL_MARRIED_IN_CITY = stream("migration.initial_married_in_city")


STREAM_INITIAL_RETURNEE_CROSS = stream("migration.initial_returnee_cross_province")


STREAM_URBAN_TIER = stream("migration.urban_local_city_tier")


@inline
def with_health_odds(share: float, log_odds: float) -> float:
    """``share`` with its odds multiplied by ``exp(log_odds)`` (0 stays 0)."""
    if share <= 0.0:
        return 0.0
    if share >= 1.0:
        return 1.0
    odds = share / (1.0 - share) * exp(log_odds)
    return odds / (1.0 + odds)


@inline
def centred_log_odds(log_odds: float, chronic: float, prevalence: float) -> float:
    """Log-odds shift for a chronic illness (``chronic`` 0 or 1) of ``log_odds`` against people
    without one, centred on the age's ``prevalence`` so that the share it is applied to stays
    what it is on average over the age (to first order)."""
    return log_odds * chronic - np.log(1.0 - prevalence + prevalence * exp(log_odds))


@inline
def returnee_log_odds(
    p: Params,
    band: int,
    expected: float,
    health: float,
    chronic: float,
    prevalence: float,
) -> float:
    """How a base-year person's health shifts the log-odds of being a returnee (salmon bias).

    Health below the ``expected`` of the age (``migration.return.health``) and a chronic illness
    (``migration.initial.chronic_returned``, centred on the age's ``prevalence``).
    """
    return p.migration__return__health * (expected - health) / 0.1 + centred_log_odds(
        p.migration__initial__chronic_returned[band], chronic, prevalence
    )


@inline
def city_chronic_deficit(p: Params, age: int, years: int) -> float:
    """Log-odds of a chronic illness among out-migrants of ``age`` after ``years`` in the city,
    against people of their age (the start's deficit; 0 for a newcomer).

    Arrivals are as often ill as people of their age, and the ill go home year after year:
    ``migration.initial.chronic_out`` is approached as ``1 - exp(-T / chronic_tenure)``,
    where ``T`` counts the years in the city, each weighted by how much more often people of
    that year's age go home than people up to 45 (the return equation's age term,
    ``exp(migration.return.age * (age - 45) / 10)`` past 45, the ratio of the yearly returns
    while they are rare).
    """
    weighted = 0.0
    for k in range(1, years + 1):
        weighted += exp(p.migration__return__age * max(0, age - k - 45) / 10.0)
    return p.migration__initial__chronic_out * (
        1.0 - exp(-weighted / p.migration__initial__chronic_tenure)
    )


@inline
def retired_returnee_log_odds(
    p: Params,
    expected: float,
    health: float,
    chronic: float,
    prevalence: float,
    prevalence_at_return: float,
) -> float:
    """How health shifts the log-odds of being a returnee for a person past the age of leaving
    non-farm work.

    Such a returnee came home at that age, as the yearly steps bring out-migrants home, and
    as the out-migrant they were: healthier than people of their age
    (``migration.first.health_selection``) and less often chronically ill, by the city stock's
    deficit after a returnee's typical years there (``migration.initial.chronic_out`` built
    over ``migration.initial.returned_city_years``, against ``prevalence_at_return``, the
    prevalence at the age they came home). Those years count alike here, where
    :func:`city_chronic_deficit` weights an out-migrant's by the returns of their ages:
    weighted, the deficit of years spent past 60 nears the whole of ``chronic_out``, and the
    returnee women aged 61+ got sicker by 0.82 points of poor health a year under frozen
    conditions. Such returnees came home for their age, not for distress, so the start does
    not select them on the disposition to distress either. Since then onsets have reached them
    as they reach everyone of their age: the share without a chronic illness keeps its ratio
    to that of people of their age, which gives the odds at today's ``prevalence``. Applying
    the deficit at today's age instead left returnees aged 70-74 with half the stayers' excess
    (30 % against 46 %) and their chronic illness rose 2 points a year under frozen conditions.
    """
    deficit = p.migration__initial__chronic_out * (
        1.0 - exp(-p.migration__initial__returned_city_years / p.migration__initial__chronic_tenure)
    )
    prevalence = min(1.0 - 1e-9, max(1e-9, prevalence))
    # Onsets only add illness after the return; the tables fall a little at the oldest ages
    # (past 92), where the prevalence at return is taken as today's.
    prevalence_at_return = min(prevalence, max(1e-9, prevalence_at_return))
    odds_at_return = prevalence_at_return / (1.0 - prevalence_at_return) * exp(deficit)
    well_ratio = (1.0 / (1.0 + odds_at_return)) / (1.0 - prevalence_at_return)
    now = min(1.0 - 1e-9, max(1e-9, 1.0 - (1.0 - prevalence) * well_ratio))
    shift = np.log(now / (1.0 - now)) - np.log(prevalence / (1.0 - prevalence))
    return p.migration__first__health_selection * (health - expected) / 0.1 + centred_log_odds(
        shift, chronic, prevalence
    )


@inline
def chronic_health_gap(p: Params) -> float:
    """How much lower a chronic illness has settled health at origin, on average since diagnosis.

    Its extra depletion ``d`` (``health.depletion.chronic``) settles health lower by ``d / r``,
    ``r`` the recovery rate at origin, a share ``1 - (1 - r)**t`` of it reached ``t`` years
    after the diagnosis. With onset rising by ``health.chronic.per_decade`` a decade (``g`` a
    year), the years since diagnosis of the chronically ill of an age are about exponential
    with rate ``g``, and the share reached is on average ``l / (g + l)``, ``l = -log(1 - r)``:
    about 0.69 with the defaults (an upper bound: deaths take the ill sooner, onset also rises
    as health fails with age, and working life starts at 16). The steady start takes the full
    ``d / r`` off each chronically ill person's health; the selection reads the health of the
    chronically ill as the yearly steps hold them, ill for some years, not for ever.
    """
    rate = recovery_rate(p, p.health__initial__access_rural, 0.0, 0.0)
    recovery_log_rate = -np.log(1.0 - rate)
    onset_growth = p.health__chronic__per_decade / 10.0
    return (
        p.health__depletion__chronic / rate * recovery_log_rate / (onset_growth + recovery_log_rate)
    )


#: Longest stay in the city that the base year's tenure distribution tells apart (years); the
#: yearly steps count on from there.
TENURE_CAP = 20


#: Centres of the age bands of the base year's out-migrant log-odds (16-20 .. 61+), between
#: which the tenure table interpolates them.
_BAND_CENTRES = (18.0, 25.5, 35.5, 45.5, 55.5, 65.5)


@inline
def _base_year_out_log_odds(p: Params, age: int, female: int) -> float:
    """The base year's log-odds of being an out-migrant at this age, interpolated linearly
    between the centres of the age bands, for a typical person of that age (the typical rural
    health of the age, junior secondary, single, without the start's chronic-illness term,
    which is centred on the age's prevalence)."""
    x = float(age)
    b = 0
    while b < 4 and x > _BAND_CENTRES[b + 1]:
        b += 1
    w = (x - _BAND_CENTRES[b]) / (_BAND_CENTRES[b + 1] - _BAND_CENTRES[b])
    w = min(1.0, max(0.0, w))
    odds = p.migration__initial__out_log_odds
    selection = (
        p.migration__first__health_selection
        * (typical_rural_health(p, age) - p.migration__reference__health)
        / 0.1
    )
    return (1.0 - w) * odds[b] + w * odds[b + 1] + p.migration__initial__female * female + selection


@inline
def base_year_tenure_cdf(p: Params) -> np.ndarray:
    """Cumulative distribution of a base-year out-migrant's years in the city, by sex and age.

    The base year's out-migrants of each age are read as the survivors of those of the year
    before plus that year's arrivals: at age ``a`` a share ``pi(a)`` of the people is in the
    city (the base year's log-odds by age band, interpolated between the bands' centres, for
    a person of the age's typical rural health), of whom ``(1 - pi(a-1)) m(a-1)`` arrived in
    the last year, with ``m`` the yearly steps' chance of leaving for a city
    (``migration_logit`` of that typical person), and the rest stayed on with the tenure of
    the age before. Where the share in the city falls from one age to the
    next, the people who went home are taken evenly from every tenure; where it rises faster
    than those arrivals (about 21-25, where school leavers go at once and the typical person's
    ``m`` leaves them out), the extra people take the tenures of the age before. So a base-year
    out-migrant of 45, of an age at which few are in the city and the yearly steps still send
    people there, most likely arrived recently, as the steps' arrivals of that age do; a
    uniform spread of tenure over the working life gave the base year's newcomers aged 41-50
    a sixth of the arrivals that the first step brings, and their cell's depressive symptoms
    rose 1.8 points a year under frozen 2008 conditions.

    Returns:
        ``cdf[female, age, y]``: the chance of at most ``y`` years in the city (ages 16 to
        ``OLDEST_TABULATED``; ``y`` up to :data:`TENURE_CAP`, the last cell holding every
        longer stay).
    """
    cdf = np.ones((2, OLDEST_TABULATED + 1, TENURE_CAP + 1))
    shares = np.zeros(TENURE_CAP + 1)
    moved = np.zeros(TENURE_CAP + 1)
    for female in range(2):
        shares[:] = 0.0
        shares[0] = 1.0
        before = logistic(_base_year_out_log_odds(p, 16, female))
        for age in range(17, OLDEST_TABULATED + 1):
            share = logistic(_base_year_out_log_odds(p, age, female))
            leaving = 0.0
            if age - 1 <= p.migration__first__max_age:
                x = migration_logit(
                    p, age - 1, np.int64(female), False, 2, typical_rural_health(p, age - 1),
                    p.migration__reference__community_share, 0.0,
                )  # fmt: skip
                leaving = logistic(x)
            arrivals = min((1.0 - before) * leaving, share)
            stayed = share - arrivals
            moved[:] = 0.0
            moved[1:] = shares[:-1]
            moved[TENURE_CAP] += shares[TENURE_CAP]
            shares[:] = moved * (stayed / share)
            shares[0] = arrivals / share
            total = 0.0
            for y in range(TENURE_CAP + 1):
                total += shares[y]
                cdf[female, age, y] = total
            cdf[female, age, TENURE_CAP] = 1.0
            before = share
    return cdf


@inline
def initial_years_in_city(
    p: Params,
    tenure_cdf: np.ndarray,
    k_years: np.uint64,
    pid: int,
    age: int,
    female: int,
    health: float,
    expected: float,
) -> int:
    """Years a base-year out-migrant has already spent in the city, capped at 20.

    Drawn from :func:`base_year_tenure_cdf` (``tenure_cdf``), and longer the healthier (a
    Gaussian copula of strength ``migration.initial.tenure_health`` between the person's health
    relative to their age, ``expected``, in standard deviations of the initial spread, and the
    uniform draw; for a person of exactly average health the draw bunches toward the table's
    median).
    ``health`` is the initial draw before it is bounded to the scale, so the healthiest fifth
    of the young, whose health is capped at 1, still count as healthier than the rest. In the yearly
    steps the healthy leave young, and those who first leave at 30 or 40 come from the stayers
    left behind, so that a base-year out-migrant who arrived late is less healthy than one of
    the same age who arrived young. A permanent draw, so the selection at the start can read
    it before the status is settled.
    """
    u = uniform(k_years, pid)
    rho = p.migration__initial__tenure_health
    if rho != 0.0:
        z = min(4.0, max(-4.0, (health - expected) / initial_spread(p, age, False)))
        # uniform() can return exactly 0, whose normal quantile is not finite.
        v = rho * z + np.sqrt(1.0 - rho * rho) * inverse_normal_cdf(max(u, 1e-300))
        u = min(0.5 * (1.0 + math.erf(v / np.sqrt(2.0))), 1.0 - 1e-12)
    row = tenure_cdf[female, min(max(age, 16), OLDEST_TABULATED)]
    y = 0
    while y < TENURE_CAP and u >= row[y]:
        y += 1
    return min(y, age - 16)


@inline
def trait_return_selection(p: Params) -> float:
    """How much a return's log-odds fall per standard deviation of the permanent mental trait
    (``health.mental.trait_sd``; a higher trait is better mental health, a lower one a
    disposition to distress), through the salmon bias of distress (``migration.return.mental``,
    per 0.1 of mental health): about 0.105 with the defaults."""
    return p.migration__return__mental / 0.1 * p.health__mental__trait_sd


@inline
def typical_return_chances(p: Params) -> np.ndarray:
    """Yearly chance of going home of an out-migrant of each age (0 .. ``OLDEST_TABULATED``)
    at the return equation's reference levels (integration, living costs, health), employed,
    uninsured, family not apart, no stay intention."""
    chances = np.empty(OLDEST_TABULATED + 1)
    for age in range(OLDEST_TABULATED + 1):
        chances[age] = logistic(
            return_logit(
                p, age, p.migration__reference__integration,
                p.migration__reference__living_cost_ratio, False, True, False, False, False,
            )
        )  # fmt: skip
    return chances


@inline
def remigrant_share_of_arrivals(p: Params, age: int, female: int) -> float:
    """Share of returnees leaving again among the people of this age and sex who leave for a
    city, under the base year's shares at origin.

    At origin a share ``r`` of the people are returnees (``migration.initial.returned_share``
    of the age band) and leave with ``m_re``, the first-migration chance of a typical person of
    the age (:func:`migration_logit`) raised by ``migration.remigration.offset``; the others
    leave with ``m``. The share is ``r m_re / (r m_re + (1 - r) m)``: about 0.04 at 16-20,
    0.25 at 21-30 and 0.32-0.33 at 31-50 with the defaults. Local non-farm work, which keeps both
    kinds at origin alike, is left out.
    """
    if age > p.migration__first__max_age:
        return 0.0
    band = min(5, max(0, (age - 11) // 10))
    r = p.migration__initial__returned_share[band]
    x = migration_logit(
        p, age, np.int64(female), False, 2, typical_rural_health(p, age),
        p.migration__reference__community_share, 0.0,
    )  # fmt: skip
    m = logistic(x)
    m_re = logistic(x + p.migration__remigration__offset)
    leaving = r * m_re + (1.0 - r) * m
    return r * m_re / leaving if leaving > 0.0 else 0.0


@inline
def base_year_arrival_age(age: int, tenure: int) -> int:
    """The age at which a base-year out-migrant of ``age`` with ``tenure`` years in the city
    arrived, as the start reads it for their selection: the tenure table stops at 20 years, so
    for the longest stays this is the latest age they can have arrived at."""
    return max(16, age - tenure - 1)


@inline
def repeat_spell_share(
    p: Params, seed: np.uint64, pid: int, age: int, education: int, female: int, earlier: int
) -> float:
    """Share of base-year returnees like this one (of this age, whose last city spell is
    :func:`returnee_spell.returnee_past`'s ``earlier`` spell) whose last spell was already a
    second one.

    A spell that began at some age was a returnee's leaving again with the share of
    re-migrants among the arrivals of that age (:func:`remigrant_share_of_arrivals`). Under
    frozen conditions the yearly steps take the returnees on a second return toward the share
    of re-migrants among the out-migrants, about 30 % at 41-60; without them the base year had
    1-3 % and five frozen years made them 10 %, and the out-migrants on a third spell, none at
    the start, 10-11 % of the re-migrants who arrived.
    """
    _, city, _, back = returnee_past(p, seed, pid, age, education, female, earlier)
    if city <= 0:
        return 0.0
    return remigrant_share_of_arrivals(p, age - back - city, female)


@inline
def typical_rural_health(p: Params, age: int) -> float:
    """Health of a rural person of this age at the start, without frailty or noise."""
    return initial_steady_state(p, age, 0.0, False)


@inline
def returnee_spells(  # type: ignore[no-untyped-def]
    p, seed, key, pid, age, education, female, returned_odds
):  # fmt: skip
    """Out-migration spells a base-year returnee has had: 2 for a second return, else 1.

    Drawn with :func:`repeat_spell_share`, its odds tilted by ``returned_odds`` (the log-odds
    the person's health, chronic illness and disposition to distress add to a return): the
    status draw selected them on one return, and those who came home twice were selected on
    two. The tilt moves people between the two kinds of returnee only. A returnee past the age
    of leaving non-farm work came home for the age (their status draw has no term of the
    disposition); an earlier return of theirs was an ordinary one, selected so.
    """
    share = repeat_spell_share(p, seed, pid, age, education, female, 0)
    return 2 if uniform(key, pid) < with_health_odds(share, returned_odds) else 1


@init_kernel
def _init(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, community_size, first_urban_pid, birth_year, female, education,
    origin_region, status, family, health, chronic, city_tier, cross_province, migrations,
    first_out_year, local_ties, origin_network, cultural, identity, economic, event, first_age, qx,
):  # fmt: skip
    """Where the base-year stock lives, with healthy-migrant selection built in.

    Out-migrants of the stock are flagged as this year's first migrations; ``_departures``
    moves them and ``_settle_initial_stock`` gives them their years in the city.
    """
    k_out = permanent_key(seed, STREAM_INITIAL_OUT)
    k_returned = permanent_key(seed, STREAM_INITIAL_RETURNED)
    k_local = permanent_key(seed, STREAM_INITIAL_LOCAL)
    k_tier = permanent_key(seed, STREAM_URBAN_TIER)
    k_comm = permanent_key(seed, STREAM_COMMUNITY)
    k_years = permanent_key(seed, STREAM_INITIAL_YEARS)
    k_remigrant = permanent_key(seed, STREAM_INITIAL_REMIGRANT)
    k_repeat = permanent_key(seed, STREAM_INITIAL_REPEAT)
    k_third = permanent_key(seed, STREAM_INITIAL_THIRD_SPELL)
    k_cross = permanent_key(seed, STREAM_INITIAL_RETURNEE_CROSS)
    returns_by_age = typical_return_chances(p)
    by_trait = trait_return_selection(p)
    chronic_by_age = chronic_prevalence_tables(p, qx, first_age, False)
    chronic_gap = chronic_health_gap(p)  # the local-work selection's (below)
    tenure_cdf = base_year_tenure_cdf(p)
    for i in range(status.size):
        pid = first_pid + i
        if status[i] == DEAD:
            continue
        age = start - birth_year[i]
        if pid >= first_urban_pid:
            # Urban locals (later entrants included) live in a city of their own from birth.
            if age >= 16:
                status[i] = URBAN_LOCAL
            city_tier[i] = 1 + int(uniform(k_tier, pid) * 4.0)
            cultural[i] = 1.0
            identity[i] = 1.0
            economic[i] = 0.6
            local_ties[i] = p.social__ties__urban_local
            origin_network[i] = p.social__ties__urban_local
            continue
        if age < 16:
            continue
        band = min(5, max(0, (age - 11) // 10))
        retires = nonfarm_retirement_age(p, seed, pid, female[i])
        if age >= retires or in_school(p, age, education[i]):
            # Students, and people past their age of leaving non-farm work, are at origin
            # without migrant work in the base year (the yearly steps keep them so). Returnees
            # among those past it came home at that age, selected as the steps select them.
            status[i] = RURAL_STAYER
            health_odds = 0.0
            if age >= retires:
                returned_at = min(age, max(16, first_age_without_nonfarm_work(retires)))
                health_odds = retired_returnee_log_odds(
                    p,
                    typical_rural_health(p, age),
                    health[i],
                    chronic[i],
                    chronic_by_age[female[i], min(age, OLDEST_TABULATED)],
                    chronic_by_age[female[i], min(returned_at, OLDEST_TABULATED)],
                )
            if uniform(k_returned, pid) < with_health_odds(
                p.migration__initial__returned_share[band], health_odds
            ):
                status[i] = RETURNED
                migrations[i] = returnee_spells(
                    p, seed, k_repeat, pid, age, education[i], female[i],
                    returnee_log_odds(
                        p, band, typical_rural_health(p, age), health[i], chronic[i],
                        chronic_by_age[female[i], min(age, OLDEST_TABULATED)],
                    ) - by_trait * mental_trait(seed, pid),
                )  # fmt: skip
                first_out_year[i] = start  # out-migrated before the base year
                cross_province[i] = crosses_a_border(p, k_cross, pid, origin_region[i])
            continue
        married = family[i] != FAMILY_SINGLE
        effect = normal(k_comm, pid // community_size)
        # Returnees and local migrant workers are selected on health relative to people of
        # their age (the shares by age band stay what they are on average), and tenure in the
        # city on it too.
        expected = typical_rural_health(p, age)
        # The chronically ill go home more often than others (yearly steps): fewer of them in
        # the city, more among returnees, centred on the age's prevalence so that each band's
        # shares stay what they are on average.
        # The deficit builds with the years in the city: arrivals are as often ill as
        # people of their age, and the ill leave year after year.
        prevalence = chronic_by_age[female[i], min(age, OLDEST_TABULATED)]
        tenure = initial_years_in_city(
            p, tenure_cdf, k_years, pid, age, female[i],
            initial_health_draw(p, seed, pid, age, False), expected,
        )  # fmt: skip
        chronic_out = centred_log_odds(city_chronic_deficit(p, age, tenure), chronic[i], prevalence)
        # Some base-year out-migrants are on a second spell: returnees who left again, as
        # the yearly steps send them (a share of the arrivals at the age this person arrived).
        # They came home sicker than out-migrants who stayed (salmon bias) before leaving again,
        # so they are selected as returnees of that age are, on top of the first migrants'
        # selection. Without them the base year held no out-migrant on a second spell, and
        # five frozen years took the re-migrants among the newcomers aged 41-50 from 19 % (the
        # first step's) to 40 %, and the newcomers' depressive symptoms with them. (The
        # exposure below counts at most the tenure table's 20 years.)
        arrived_at = base_year_arrival_age(age, tenure)
        remigrant = uniform(k_remigrant, pid) < remigrant_share_of_arrivals(
            p, arrived_at, female[i]
        )
        # Distress sends out-migrants home (salmon bias), and a permanent disposition to it
        # (health.mental.trait_sd) does so year after year: those still in the city after
        # ``tenure`` years have been selected on it once for each year's chance of going home,
        # and returnees once, the other way. The start settles mental health later, around
        # each person's own disposition, which is drawn already; the steps' returns selected
        # on it where the start did not, and returnees' depressive symptoms rose year after
        # year under frozen conditions while out-migrants' fell.
        trait = mental_trait(seed, pid)
        exposure = 0.0
        for k in range(1, tenure + 1):
            exposure += returns_by_age[min(max(age - k, 0), OLDEST_TABULATED)]
        trait_out = by_trait * trait * exposure
        third = False
        if remigrant:
            arrival_band = min(5, max(0, (arrived_at - 11) // 10))
            returned_odds = returnee_log_odds(
                p, arrival_band, expected, health[i], chronic[i], prevalence
            )
            chronic_out += returned_odds
            trait_out -= by_trait * trait
            # The returnee they were may have come home from a second spell already, and was
            # selected on that return too.
            third = uniform(k_third, pid) < repeat_spell_share(
                p, seed, pid, arrived_at, education[i], female[i], 1
            )
            if third:
                chronic_out += returned_odds
                trait_out -= by_trait * trait
        x = (
            chronic_out
            + trait_out
            + p.migration__initial__out_log_odds[band]
            + p.migration__first__health_selection
            * (health[i] - p.migration__reference__health)
            / 0.1
            + p.migration__first__education * (education[i] - 2)
            + p.migration__initial__female * female[i]
            + p.migration__first__married_female * (female[i] and married)
            + p.migration__first__community_sd * effect
        )
        if uniform(k_out, pid) < logistic(x):
            event[i] |= EV_FIRST_MIGRATION
            if remigrant:
                # The earlier spells; departure counts this one.
                migrations[i] = 2 if third else 1
        elif uniform(k_returned, pid) < with_health_odds(
            p.migration__initial__returned_share[band],
            returnee_log_odds(p, band, expected, health[i], chronic[i], prevalence)
            - by_trait * trait,
        ):
            # Returnees came back in poorer health and more distressed (salmon bias), as the
            # yearly steps select.
            status[i] = RETURNED
            migrations[i] = returnee_spells(
                p, seed, k_repeat, pid, age, education[i], female[i],
                returnee_log_odds(p, band, expected, health[i], chronic[i], prevalence)
                - by_trait * trait,
            )  # fmt: skip
            first_out_year[i] = start  # out-migrated before the base year
            cross_province[i] = crosses_a_border(p, k_cross, pid, origin_region[i])
        else:
            status[i] = RURAL_STAYER
            local = p.migration__initial__local_share[band]
            if band == 5:
                # Past 60 (and before their age of leaving non-farm work, above), those of
                # 51-60 still in local work: the labour module keeps them until they leave at
                # its yearly exit rate or retire. With the band's share alone (0 by default) the
                # base year held 26 local migrant workers aged 61+ where five frozen years of
                # the steps keep 2,400 (seeds 3-7, scale 10,000), which took local migrant
                # workers' poor self-rated health from 10.3 % to 12.6 %.
                # Combined as chances (a + b - ab), so a 61+ entry above 0 cannot take the
                # share past 1 (with the default entry of 0 it is the survivors' share).
                kept = p.migration__initial__local_share[4] * (
                    1.0 - p.labor__origin__nonfarm_exit
                ) ** (age - 60)
                local = local + kept - local * kept
            if female[i]:
                local *= p.migration__initial__local_female_ratio
            # Local non-farm work is entered and kept by the healthier (labour module): the
            # log-odds of the stationary share rise by the entry slope plus the exit slope
            # relative to the exit rate, per unit of health.
            stay_selection = (
                p.labor__origin__nonfarm_entry_health
                + p.labor__origin__nonfarm_exit_health / p.labor__origin__nonfarm_exit
            )
            # The selection acts on the health a person settles on, and a chronic illness
            # settles them lower (the steady start takes it off their health later): centred on
            # the age's prevalence, so that each band's share stays what it is on average.
            # Without it the chronically ill held local work as often as others and left it
            # year after year (local migrant women aged 51-60: chronic illness 24.7 % falling
            # to 21.6 % in five frozen years).
            settled_gap = health[i] - expected - chronic_gap * (chronic[i] - prevalence)
            if band == 5:
                # Those still in local work past 60 have also come through each year's exit
                # since 60, ``1 - exit(h)`` a year, which keeps the healthier: ``age - 60``
                # years multiply the odds by ``((1 - exit(h)) / (1 - exit))^(age - 60)``,
                # about ``exit_health / (1 - exit)`` of log-odds per unit of health and year.
                # Without it the base year's local migrant men aged 61+ kept a lower tail of
                # health that the steps had thinned, and their poor self-rated health fell
                # 0.58 points a year under frozen conditions (now 0.39; seeds 3-7).
                stay_selection += (
                    (age - 60)
                    * p.labor__origin__nonfarm_exit_health
                    / (1.0 - p.labor__origin__nonfarm_exit)
                )
            if uniform(k_local, pid) < with_health_odds(local, stay_selection * settled_gap):
                status[i] = LOCAL_MIGRANT


@inline
def married_before_leaving(p: Params, age: int, years_in_city: int) -> float:
    """Chance that a married base-year out-migrant married before leaving for the city.

    The demography module marries the unmarried at a yearly hazard from the minimum age
    (``demography.marriage``), wherever they live: of those married by ``age``, the share
    already married ``years_in_city`` years earlier. Treating every married out-migrant as
    married at departure left a third of those 5-9 years in the city apart from their spouse,
    a share that fell to a tenth in five frozen years.
    """
    keep = 1.0 - p.demography__marriage__hazard
    married_years = age - p.demography__marriage__min_age
    if married_years <= 0 or keep >= 1.0:
        return 1.0
    before = max(0.0, married_years - years_in_city)
    return (1.0 - keep**before) / (1.0 - keep**married_years)


@init_kernel
def _settle_initial_stock(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, female, family, years_in_city, economic, event,
):  # fmt: skip
    """Years already spent in the city by the base-year out-migrants, and what they brought."""
    k_years = permanent_key(seed, STREAM_INITIAL_YEARS)
    k_reunion = permanent_key(seed, STREAM_INITIAL_REUNION)
    k_married = permanent_key(seed, STREAM_INITIAL_MARRIED_IN_CITY)
    tenure_cdf = base_year_tenure_cdf(p)
    for i in range(event.size):
        if not (event[i] & EV_FIRST_MIGRATION):
            continue
        # The flag only marked the stock for _departures; the first year starts without events.
        event[i] = 0
        pid = first_pid + i
        age = start - birth_year[i]
        y = initial_years_in_city(
            p, tenure_cdf, k_years, pid, age, female[i],
            initial_health_draw(p, seed, pid, age, False), typical_rural_health(p, age),
        )  # fmt: skip
        years_in_city[i] = y
        # Cultural and identity integration (and ties with locals) are built over these years
        # by the steady start, with the integration and social modules' own yearly steps.
        # Economic integration of a settled migrant: halfway to a typical target within
        # the years already spent (the yearly dynamics take over from there).
        economic[i] = settled_economic_after(p, economic[i], y)
        if family[i] == FAMILY_APART and uniform(k_married, pid) >= married_before_leaving(
            p, age, y
        ):
            # Married in the city (demography marries people wherever they live, and a new
            # couple lives together): only a marriage before leaving left a spouse at origin.
            family[i] = FAMILY_TOGETHER
        if (
            family[i] == FAMILY_APART
            and uniform(k_reunion, pid) < 1.0 - (1.0 - p.migration__family__reunion_rate * 0.8) ** y
        ):
            family[i] = FAMILY_TOGETHER

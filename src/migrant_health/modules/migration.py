"""Migration decisions: health selection, chain migration, salmon-bias return, hukou conversion.

Seed sections 3.2 and 3.4.

- **First migration** of people at origin is more likely when young, healthy (healthy-migrant
  selection), educated, male and single, and when more of the origin community is away (chain
  migration through the village). Departure cuts the origin network reachable for support.
- **Return** of out-migrants is driven by poor physical and mental health and chronic illness
  (salmon bias), the intention to stay or not, low integration, the living costs of the city
  against income, weak insurance (no destination scheme), age, unemployment, a spouse left
  behind and catastrophic spending. A return is *health-driven* when the same person, with the same
  random draw, would have stayed had their physical and mental health been at the reference
  levels.
- **Re-migration** of returnees, at a lower rate.
- **Hukou conversion** follows the national yearly rate of the data, concentrated on integrated
  out-migrants and on people aged 20-40; policy can open it further.
- **Stay intention** of out-migrants rises with integration and destination insurance. It is
  formed before the return decision and is its proximate cause: those who intend to stay return
  less, and part of what integration and insurance do to returns passes through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from migrant_health.engine.binding import Argument
from migrant_health.engine.codes import (
    DEAD,
    EV_CATASTROPHIC,
    EV_CONVERSION,
    EV_FIRST_MIGRATION,
    EV_POOR_BEFORE_RETURN,
    EV_REMIGRATION,
    EV_RETURN,
    EV_RETURN_HEALTH,
    EV_STAY_INTENTION,
    FAMILY_APART,
    FAMILY_SINGLE,
    FAMILY_TOGETHER,
    INS_RURAL,
    JOB_FARM,
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
from migrant_health.engine.context import Params, RunContext
from migrant_health.engine.derived import (
    STREAM_ENROLMENT_QUEUE,
    composite_index,
    destination_insured,
    nonfarm_job,
    report_noise,
    social_score,
    srh_level,
    urban_hukou_scheme,
)
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import Chunk, StateSpec
from migrant_health.engine.random import (
    inverse_normal_cdf,
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)
from migrant_health.modules.demography import first_life_table_age, rural_qx
from migrant_health.modules.health import (
    OLDEST_TABULATED,
    chronic_prevalence_tables,
    initial_health_draw,
    initial_spread,
    initial_steady_state,
    mental_trait,
    recovery_rate,
)
from migrant_health.modules.labor import (
    city_job,
    decades_since_base,
    first_age_without_nonfarm_work,
    nonfarm_retirement_age,
    settled_economic_after,
    usual_hours_and_pay,
)
from migrant_health.modules.returnee_spell import returnee_past
from migrant_health.modules.schooling import in_school, leaves_school
from migrant_health.modules.social import social_support

STREAM_MIGRATE = stream("migration.first_migration")
STREAM_REMIGRATE = stream("migration.remigration")
STREAM_RETURN = stream("migration.return")
STREAM_CONVERT = stream("migration.hukou_conversion")
STREAM_DESTINATION = stream("migration.destination")
STREAM_CROSS_PROVINCE = stream("migration.cross_province")
# The job of a convert's conversion year, for those converted at origin.
STREAM_CONVERT_EMPLOYMENT = stream("migration.convert_employment")
STREAM_CONVERT_SECTOR = stream("migration.convert_sector")
STREAM_FAMILY = stream("migration.family_at_departure")
STREAM_REUNION = stream("migration.family_reunion")
STREAM_COMMUNITY = stream("migration.community_propensity")
STREAM_STAY = stream("migration.stay_intention")
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
def migration_logit(
    p: Params,
    age: int,
    female: np.int64,
    married: bool,
    education: int,
    health: float,
    community_share: float,
    community_effect: float,
) -> float:
    """Log-odds of leaving for a city this year (first migration)."""
    band = min(5, max(0, (age - 11) // 10))
    return (
        p.migration__first__intercept
        + p.migration__first__trend * decades_since_base(p.conditions_year)
        + p.migration__first__age[band]
        + p.migration__first__health_selection * (health - p.migration__reference__health) / 0.1
        + p.migration__first__education * (education - 2)
        + p.migration__first__female * female
        + p.migration__first__married_female * (female and married)
        + p.migration__first__chain
        * (community_share - p.migration__reference__community_share)
        / 0.1
        + p.migration__first__community_sd * community_effect
    )


@inline
def return_logit(
    p: Params,
    age: int,
    index: float,
    living_cost_ratio: float,
    insured: bool,
    employed: bool,
    apart: bool,
    catastrophic: bool,
    intends_to_stay: bool,
) -> float:
    """Log-odds that an out-migrant in good health returns to origin this year.

    Add :func:`return_health_terms` for the person's own health (salmon bias). The intention
    to stay is the proximate cause of staying; integration and destination insurance also act
    directly, with coefficients net of what they already do through the intention (their total
    effect is that of the calibration before the intention entered).
    """
    x = (
        p.migration__return__intercept
        + p.migration__return__integration * (p.migration__reference__integration - index) / 0.1
        + p.migration__return__living_cost
        * (living_cost_ratio - p.migration__reference__living_cost_ratio)
        + p.migration__return__age * max(0, age - 45) / 10.0
        - p.migration__return__insured * insured
        + p.migration__return__unemployed * (not employed)
        + p.migration__return__family_apart * apart
        + p.migration__return__catastrophic * catastrophic
        - p.migration__return__stay_intention * intends_to_stay
    )
    if age >= p.migration__return__forced_age:
        x += 5.0
    return x


@inline
def return_health_terms(p: Params, health: float, mental: float, chronic: int) -> float:
    """What poor physical and mental health and chronic illness add to the log-odds of return.

    The salmon bias of seed 3.2 is about health broadly: distress, like illness, sends
    out-migrants home, and good mental health helps them stay.
    """
    x = (
        p.migration__return__health * (p.migration__reference__health - health) / 0.1
        + p.migration__return__mental * (p.migration__reference__mental - mental) / 0.1
        + p.migration__return__chronic * chronic
    )
    if health < p.migration__reference__vulnerable_health or chronic:
        # Protection of the vulnerable from illness-driven return (seed 4.1).
        x -= (
            p.policy__fair_employment__vulnerable_protection
            * p.policy__fair_employment__vulnerable_protection_effect
        )
    return x


@inline
def stay_probability(
    p: Params, index: float, insured: bool, education: int, together: bool, health: float, age: int
) -> float:
    """Chance that an out-migrant intends to stay in the city for the long term."""
    return logistic(
        p.migration__stay__intercept
        + p.migration__stay__integration * (index - p.migration__reference__integration) / 0.1
        + p.migration__stay__insurance * insured
        + p.migration__stay__education * (education - 2)
        + p.migration__stay__family_together * together
        + p.migration__stay__health * (health - p.migration__reference__health) / 0.1
        - p.migration__stay__old_age * (age >= 50)
    )


@inline
def returnee_anchoring(p: Params) -> float:
    """Share of returnees with a local non-farm job whose job keeps them at origin (seed 4.4).

    ``migration.remigration.local_job_anchoring`` of them (all in the calibrated baseline), and
    of the rest those reached by start-up support
    (``policy.return_entrepreneurship.nonfarm_boost``).
    """
    anchored = p.migration__remigration__local_job_anchoring
    return anchored + (1.0 - anchored) * p.policy__return_entrepreneurship__nonfarm_boost


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, community_size, conversion_rate, birth_year, female, education,
    status, job, city_tier, years_in_city, family, insurance, chronic, health, mental,
    local_ties, origin_network, economic, cultural, identity, income, hours, event,
):  # fmt: skip
    n = status.size
    n_comm = (n + community_size - 1) // community_size
    out_n = np.zeros(n_comm)
    all_n = np.zeros(n_comm)
    conv_sum = 0.0
    conv_n = 0.0
    for i in range(n):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD or s == URBAN_LOCAL or s == URBAN_HUKOU:
            continue
        age = year - birth_year[i]
        if age <= 60:
            all_n[i // community_size] += 1.0
            out_n[i // community_size] += s == OUT_MIGRANT
        conv_sum += _conversion_weight(p, s, age, economic[i], cultural[i], identity[i])
        conv_n += 1.0
    mean_conv = conv_sum / conv_n if conv_n > 0 else 1.0
    k_mig = year_key(seed, STREAM_MIGRATE, year)
    k_rem = year_key(seed, STREAM_REMIGRATE, year)
    k_ret = year_key(seed, STREAM_RETURN, year)
    k_stay = year_key(seed, STREAM_STAY, year)
    k_cnv = year_key(seed, STREAM_CONVERT, year)
    k_convert_job = year_key(seed, STREAM_CONVERT_EMPLOYMENT, year)
    k_enrolment_queue = permanent_key(seed, STREAM_ENROLMENT_QUEUE)
    k_convert_sector = year_key(seed, STREAM_CONVERT_SECTOR, year)
    k_comm = permanent_key(seed, STREAM_COMMUNITY)
    # A community's permanent propensity, drawn once per community rather than per person.
    first_community = first_pid // community_size
    community_effect = np.empty(n_comm)
    for c in range(n_comm):
        community_effect[c] = normal(k_comm, first_community + c)
    k_reunion = year_key(seed, STREAM_REUNION, year)
    wage_index = p.labor__wage_index
    for i in range(n):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD or s == URBAN_LOCAL:
            continue
        pid = first_pid + i
        age = year - birth_year[i]
        if s == URBAN_HUKOU:
            continue
        # Hukou conversion (data rate, redistributed toward the integrated and the young).
        w = _conversion_weight(p, s, age, economic[i], cultural[i], identity[i])
        # The national rate is shared out by relative weight; hukou openness (policy) then
        # raises out-migrants' chances on top of it, so it adds conversions.
        if s == OUT_MIGRANT:
            w *= 1.0 + p.policy__management__hukou_openness
        if uniform(k_cnv, pid) < conversion_rate * w / mean_conv:
            status[i] = URBAN_HUKOU
            event[i] |= EV_CONVERSION
            identity[i] = max(identity[i], p.migration__hukou__identity_after)
            if s != OUT_MIGRANT:
                # Converted at origin (a village made part of a town, or a move with the new
                # hukou): the conversion year is spent as an urban resident, as a newcomer's
                # arrival year is spent in the city (_city_year), with a city job or none and
                # its pay. Kept at the origin's job (the labour step ran before), 56 % of the
                # converts of 2008 farmed for no pay, and their mean pay went 465 -> 752 CNY in
                # 2008-2009 as the converts' stock built up (seed 2).
                city_tier[i] = 4
                j = JOB_NONE
                if not in_school(p, age, education[i]):
                    j = city_job(
                        p, URBAN_HUKOU, job[i], age, education[i], health[i], chronic[i],
                        mental[i], economic[i], 4, k_convert_job, k_convert_sector, pid,
                    )  # fmt: skip
                job[i] = j
                hours[i], income[i] = 0.0, 0.0
                if nonfarm_job(j):
                    hours[i], income[i] = usual_hours_and_pay(
                        p, seed, pid, URBAN_HUKOU, j, age, education[i], health[i], 4,
                        economic[i],
                    )  # fmt: skip
            # The city's scheme of the new hukou at once (the care step's rule), not the rural
            # scheme until the next year.
            insurance[i] = urban_hukou_scheme(
                p, age, job[i], insurance[i], uniform(k_enrolment_queue, pid)
            )
            continue
        c = i // community_size
        share = out_n[c] / all_n[c] if all_n[c] > 0 else 0.0
        if s == OUT_MIGRANT:
            years_in_city[i] = min(100, years_in_city[i] + 1)
            social = social_score(p, insurance[i], job[i], local_ties[i], education[i])
            index = composite_index(p, economic[i], social, cultural[i], identity[i])
            insured = destination_insured(insurance[i])
            cost = p.labor__living_cost__by_tier[max(1, city_tier[i]) - 1] * wage_index
            cost_ratio = cost / max(income[i], 0.25 * wage_index)
            catastrophic = (event[i] & EV_CATASTROPHIC) != 0
            employed = job[i] != JOB_NONE
            apart = family[i] == FAMILY_APART
            # This year's intention to stay, formed before deciding: the one reported.
            together = family[i] == FAMILY_TOGETHER
            intends = uniform(k_stay, pid) < stay_probability(
                p, index, insured, education[i], together, health[i], age
            )
            base = return_logit(
                p, age, index, cost_ratio, insured, employed, apart, catastrophic, intends
            )
            x = base + return_health_terms(p, health[i], mental[i], chronic[i])
            u = uniform(k_ret, pid)
            if u < logistic(x):
                # Health-driven: the same person with the same draw would have stayed in
                # good physical and mental health (at least the reference levels, no chronic
                # illness).
                healthy = max(health[i], p.migration__reference__health)
                calm = max(mental[i], p.migration__reference__mental)
                x_ref = base + return_health_terms(p, healthy, calm, 0)
                event[i] |= EV_RETURN
                if u >= logistic(x_ref):
                    event[i] |= EV_RETURN_HEALTH
                n_srh, _ = report_noise(seed, year, pid)
                if srh_level(p, health[i], mental[i], chronic[i], n_srh) <= 2:
                    event[i] |= EV_POOR_BEFORE_RETURN
                status[i] = RETURNED
                city_tier[i] = 0
                years_in_city[i] = 0
                job[i] = JOB_FARM
                if insurance[i] >= 2:
                    insurance[i] = INS_RURAL
                if family[i] == FAMILY_APART:
                    family[i] = FAMILY_TOGETHER
                origin_network[i] += p.migration__return__network_regain * (1.0 - origin_network[i])
                continue
            if intends:
                event[i] |= EV_STAY_INTENTION
            if apart and uniform(k_reunion, pid) < p.migration__family__reunion_rate * (
                0.5 + economic[i]
            ):
                # The spouse (with the children, for some) joins once the migrant is established.
                family[i] = FAMILY_TOGETHER
            continue
        if age > p.migration__first__max_age or in_school(p, age, education[i]):
            # Students do not leave for a city while enrolled.
            continue
        married = family[i] != FAMILY_SINGLE
        effect = community_effect[c]
        x = migration_logit(p, age, female[i], married, education[i], health[i], share, effect)
        if s == RETURNED:
            x += p.migration__remigration__offset
            if nonfarm_job(job[i]):
                # A local job anchors a returnee as it anchors a stayer (seed 4.4), for the
                # share of returnees the anchoring and start-up support reach.
                x += p.migration__first__local_job * returnee_anchoring(p)
            draw = uniform(k_rem, pid)
        else:
            if leaves_school(p, age, education[i]):
                # Graduates of senior secondary and college look for city work at once.
                x += p.migration__first__school_leaver
            if nonfarm_job(job[i]):
                x += p.migration__first__local_job
            draw = uniform(k_mig, pid)
        if draw < logistic(x):
            # Leaving is carried out by _departures and the first city year by _city_year.
            event[i] |= EV_REMIGRATION if s == RETURNED else EV_FIRST_MIGRATION


@inline
def cross_province_chance(p: Params, region: int) -> float:
    """Chance that a departure from origin ``region`` goes to another province this year.

    The NBS 2008 shares by region, shifted on the log-odds scale by the trend since 2008: more
    out-migrants found work in their own province as jobs grew inland. In the base year, and
    under frozen conditions, the share itself (no round trip through the log-odds).
    """
    share: float = p.migration__destination__cross_province_share[region]
    shift = p.migration__destination__cross_province_trend * decades_since_base(p.conditions_year)
    if shift == 0.0 or share <= 0.0 or share >= 1.0:
        return share
    return logistic(math.log(share / (1.0 - share)) + shift)


@inline
def crosses_a_border(p: Params, key: np.uint64, pid: int, region: int) -> int:
    """Whether a spell from origin ``region`` lies in another province (1) or not (0): a
    departure's (``_departures``), and the last spell of a base-year returnee, drawn at the
    base year's share as the base-year out-migrants' own (``_init``; left at 0 until
    calibration step 54, every such history read as a spell within the province)."""
    return 1 if uniform(key, pid) < cross_province_chance(p, region) else 0


@kernel
def _departures(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, education, origin_region, family, status, city_tier,
    cross_province, years_in_city, migrations, first_out_year, job, local_ties, origin_network,
    cultural, identity, economic, event,
):  # fmt: skip
    """Move this year's leavers (flagged by the migration decision) to a destination city."""
    k_tier = year_key(seed, STREAM_DESTINATION, year)
    k_cross = year_key(seed, STREAM_CROSS_PROVINCE, year)
    k_family = year_key(seed, STREAM_FAMILY, year)
    for i in range(status.size):
        if not (event[i] & (EV_FIRST_MIGRATION | EV_REMIGRATION)):
            continue
        pid = first_pid + i
        u = uniform(k_tier, pid)
        # Destination tier: the better educated go to bigger cities.
        shift = p.migration__destination__education_shift * (education[i] - 2)
        total = 0.0
        for t in range(4):
            total += max(0.0, p.migration__destination__tier_share[t] * (1.0 + shift * (1.5 - t)))
        cum = 0.0
        tier = 4
        for t in range(4):
            cum += max(0.0, p.migration__destination__tier_share[t] * (1.0 + shift * (1.5 - t)))
            if u * total < cum:
                tier = t + 1
                break
        city_tier[i] = tier
        cross_province[i] = crosses_a_border(p, k_cross, pid, origin_region[i])
        status[i] = OUT_MIGRANT
        years_in_city[i] = 0
        migrations[i] = min(100, migrations[i] + 1)
        if first_out_year[i] == 0:
            first_out_year[i] = year  # the base-year stock: the base year
        # People leave to work: most start in the informal secondary labour market; the labour
        # module redraws employment and sector from the next year.
        job[i] = JOB_INFORMAL
        if family[i] != FAMILY_SINGLE:
            together = uniform(k_family, pid) < p.migration__family__together_at_departure
            family[i] = FAMILY_TOGETHER if together else FAMILY_APART
        local_ties[i] = p.social__ties__initial
        origin_network[i] *= 1.0 - p.migration__departure__network_loss
        cultural[i] = p.migration__departure__cultural - (
            p.migration__departure__cross_province_cultural_gap * cross_province[i]
        )
        identity[i] = p.migration__departure__identity
        economic[i] = p.labor__economic__initial


@kernel
def _city_year(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, education, status, job, city_tier, family, insurance,
    health, local_ties, origin_network, economic, cultural, identity, income, hours, support,
    event,
):  # fmt: skip
    """Newcomers' first year in the city and their stay intention.

    Out-migrants already in the city formed theirs in ``_step``, before deciding on return.
    """
    k_stay = year_key(seed, STREAM_STAY, year)
    for i in range(status.size):
        if status[i] != OUT_MIGRANT:
            continue
        pid = first_pid + i
        age = year - birth_year[i]
        if event[i] & (EV_FIRST_MIGRATION | EV_REMIGRATION):
            # The arrival year is spent in the city: its job, pay and support are those of a
            # newcomer, not of the village left behind.
            s, j = status[i], job[i]  # out-migrant, informal job (set by _departures)
            hours[i], income[i] = usual_hours_and_pay(
                p, seed, pid, s, j, age, education[i], health[i], city_tier[i], economic[i]
            )
            support[i] = social_support(p, local_ties[i], origin_network[i], family[i], True)
        else:
            continue  # drew its stay intention in _step, before deciding on return
        social = social_score(p, insurance[i], job[i], local_ties[i], education[i])
        index = composite_index(p, economic[i], social, cultural[i], identity[i])
        together = family[i] == FAMILY_TOGETHER
        insured = destination_insured(insurance[i])
        if uniform(k_stay, pid) < stay_probability(
            p, index, insured, education[i], together, health[i], age
        ):
            event[i] |= EV_STAY_INTENTION


@inline
def _conversion_weight(p, status, age, economic, cultural, identity):  # type: ignore[no-untyped-def]
    young = 20 <= age <= 40
    w = p.migration__hukou__young_weight if young else 1.0
    if status == OUT_MIGRANT:
        w *= p.migration__hukou__out_migrant_weight * (
            1.0 + p.migration__hukou__integration_weight * (economic + cultural + identity) / 3.0
        )
    return w


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


def _conversion_rate(chunk: Chunk, ctx: RunContext, year: int) -> float:
    """The year's national rate of hukou conversion among rural-hukou people."""
    return float(ctx.demography.conversion_rate[ctx.demography.year_index(year)])


class Migration(Module):
    """First migration, return, re-migration, hukou conversion and stay intention."""

    name = "migration"
    seed_sections = ("3.2", "3.4")
    summary = (
        "convert hukou at the national rate; out-migrants decide to stay or return "
        "(salmon bias: poor health, low integration, costs, no destination insurance); "
        "people at origin leave for a city (healthy-migrant selection, chain migration)"
    )
    states = (
        StateSpec(
            "status",
            "int8",
            "migration",
            "where the person lives and which hukou (codes.STATUS_LABELS)",
        ),
        StateSpec(
            "city_tier", "int8", "migration", "tier 1-4 of the destination city, 0 at origin"
        ),
        StateSpec(
            "cross_province", "int8", "migration", "1 if the destination is in another province"
        ),
        StateSpec(
            "years_in_city",
            "int8",
            "migration",
            "years in the destination in the current spell",
            "years",
        ),
        StateSpec("migrations", "int8", "migration", "number of out-migration spells begun"),
        StateSpec(
            "first_out_year",
            "int16",
            "migration",
            "year of the first out-migration (the base year for those who had out-migrated by "
            "then); 0 for people who never have",
            "year",
        ),
    )
    init_kernels = (_init, _departures, _settle_initial_stock)
    step_kernels = (_step, _departures, _city_year)
    writes = (
        "income",
        "hours",
        "support",
        "status",
        "job",
        "city_tier",
        "cross_province",
        "years_in_city",
        "migrations",
        "first_out_year",
        "family",
        "insurance",
        "local_ties",
        "origin_network",
        "economic",
        "cultural",
        "identity",
        "event",
    )
    parameters = (
        "migration",
        "demography.marriage",
        "integration",
        "labor",
        "schooling",
        "social.ties",
        "social.support",
        # Through the base-year steady states' support of each age (social.typical_support).
        "social.origin",
        "health.srh",
        "health.ageing",
        "health.depletion",
        "health.recovery",
        "health.initial",
        # Through the base-year stock's chronic illness by age (health.chronic_prevalence_tables).
        "health.chronic",
        # The permanent disposition to distress the start selects returnees and stayers on.
        "health.mental",
        "demography.mortality",
        # A convert's scheme: the urban resident scheme's coverage (derived.urban_hukou_scheme).
        "care.enrolment",
        "policy.management",
        "policy.fair_employment",
        "policy.public_services",
        "policy.return_entrepreneurship",
    )
    arguments: ClassVar[Mapping[str, Argument]] = {
        "conversion_rate": _conversion_rate,
        # The base-year stock's chronic illness by age (the health module's start) centres the
        # chronic selection of out-migrants and returnees.
        "first_age": first_life_table_age,
        "qx": rural_qx,
    }

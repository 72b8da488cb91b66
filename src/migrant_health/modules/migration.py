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

The rules of these decisions are in :mod:`migrant_health.modules.migration_decisions`; the
base-year stock is selected with them in :mod:`migrant_health.modules.migration_start`.
"""

from __future__ import annotations

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
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import RunContext
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
from migrant_health.engine.jit import inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import Chunk, StateSpec
from migrant_health.engine.random import (
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)
from migrant_health.modules.demography import first_life_table_age, rural_qx
from migrant_health.modules.labor import city_job
from migrant_health.modules.migration_decisions import (
    STREAM_COMMUNITY,
    crosses_a_border,
    migration_logit,
    return_health_terms,
    return_logit,
    returnee_anchoring,
    stay_probability,
)
from migrant_health.modules.migration_start import _init, _settle_initial_stock
from migrant_health.modules.pay import usual_hours_and_pay
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
STREAM_STAY = stream("migration.stay_intention")


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

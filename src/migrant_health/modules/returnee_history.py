"""A base-year returnee's past: the city spell, the years home since, and the local work of
those years (part of the steady start, :mod:`migrant_health.modules.steady_start`).

The 2008 stock holds returnees (``migration.initial.returned_share``) whose past the synthesis
does not know. The steady start gives each one a city spell and a number of years home since,
and settles their economic integration, health, mental health, ties and savings on that
history. The yearly steps
bring returnees home to the farm and move them into local non-farm work at the labour module's
entry chance (with ``labor.origin.returnee_entrepreneurship``) and out of it at its exit chance:
a returnee home for some years holds local work with the chance those years of the chain give.
"""

from __future__ import annotations

from migrant_health.engine.codes import FAMILY_SINGLE, JOB_FARM, RETURNED
from migrant_health.engine.derived import age_band
from migrant_health.engine.jit import init_kernel
from migrant_health.engine.random import logistic, permanent_key, stream, uniform
from migrant_health.modules.labor import (
    STREAM_LOCAL_CONTRACT,
    local_job,
    local_nonfarm_entry_odds,
    local_nonfarm_exit,
    nonfarm_retirement_age,
    returnee_entry_offset,
    settled_economic_after,
)
from migrant_health.modules.migration_decisions import migration_logit, returnee_anchoring
from migrant_health.modules.pay import usual_hours_and_pay
from migrant_health.modules.returnee_spell import returnee_past

# The name keeps the stream of the steady start, where these draws were first made.
STREAM_RETURNEE_LOCAL_WORK = stream("steady_start.returnee_local_work")


@init_kernel
def returnee_local_work_chance(  # type: ignore[no-untyped-def]
    p, age, back, education, health, female, married
):  # fmt: skip
    """Chance that a base-year returnee home for ``back`` years holds local non-farm work now.

    The yearly steps bring a returnee home to the farm at the end of a year. Each year home the
    labour module moves farmers into local work at the entry chance (with the returnee's
    offset, :func:`labor.returnee_entry_offset`) and out of it at the exit chance, and then the
    migration module sends some returnees back to a city (``migration.remigration``), fewer of
    those a local job anchors (``migration.first.local_job``), none past
    ``migration.first.max_age``. The chain runs forward from the farm, year by year at the age
    of the time, over the returnees still at home: the chance is the share in local work among
    them. The re-migrations leave those in local work behind, most at 30-49 (without them the
    returnees' local work at 30-39 rose 0.21 points a year under frozen conditions). The
    community's propensity to migrate is taken at its reference. The caller keeps returnees
    past their age of leaving non-farm work out (they farm).
    """
    leave = local_nonfarm_exit(p, health)
    offset = returnee_entry_offset(p)
    anchored = p.migration__first__local_job * returnee_anchoring(p)
    local, farm = 0.0, 1.0  # shares of the returnees of that year, still at home
    band = -1
    enter = stay_farming = stay_local = 0.0
    for k in range(back):
        a = age - back + k
        if age_band(a) != band:
            band = age_band(a)
            enter = logistic(local_nonfarm_entry_odds(p, a, education, health, female) + offset)
            x = p.migration__remigration__offset + migration_logit(
                p, a, female, married, education, health,
                p.migration__reference__community_share, 0.0,
            )  # fmt: skip
            stay_farming = 1.0 - logistic(x)
            stay_local = 1.0 - logistic(x + anchored)
        local, farm = local * (1.0 - leave) + farm * enter, local * leave + farm * (1.0 - enter)
        if a <= p.migration__first__max_age:
            local *= stay_local
            farm *= stay_farming
    return local / max(local + farm, 1e-12)


@init_kernel
def settle_returnee_local_work(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, female, education, status, job, family, health,
    city_tier, economic, income, hours,
):  # fmt: skip
    """Economic integration of the base-year returnees, then their local non-farm work, with
    its hours and pay (which the economic integration raises).

    The labour module's start puts every returnee able to farm on the farm. Left so, the share
    of returnees aged 40-59 in local work rose from 4-6 % to 17-18 % in five frozen years, and
    their savings with it.
    """
    k_local = permanent_key(seed, STREAM_RETURNEE_LOCAL_WORK)
    k_contract = permanent_key(seed, STREAM_LOCAL_CONTRACT)
    for i in range(status.size):
        if status[i] != RETURNED:
            continue
        pid = first_pid + i
        age = start - birth_year[i]
        _, city, _, back = returnee_past(p, seed, pid, age, education[i], female[i], 0)
        # Before the pay of local work, which it raises (labor.income.economic_integration).
        # The yearly steps leave a returnee the economic integration of their last city year
        # (the care step sets it back only in the city): a settled migrant's after ``city``
        # years, less the shortfall of those the return selects. Left at the synthesis's
        # level, the base-year returnees held 0.02 where those who came home in 2009-2020 held
        # 0.25 (seed 2, scale 20,000).
        economic[i] = max(
            0.0,
            settled_economic_after(p, p.labor__economic__initial, city)
            - p.migration__initial__returnee_economic_shortfall,
        )
        if job[i] != JOB_FARM or age >= nonfarm_retirement_age(p, seed, pid, female[i]):
            continue  # farming only past that age, as the yearly steps keep them
        chance = returnee_local_work_chance(
            p, age, back, education[i], health[i], female[i], family[i] != FAMILY_SINGLE
        )
        if uniform(k_local, pid) < chance:
            job[i] = local_job(p, k_contract, pid, education[i])
            hours[i], income[i] = usual_hours_and_pay(
                p, seed, pid, RETURNED, job[i], age, education[i], health[i], city_tier[i],
                economic[i],
            )  # fmt: skip

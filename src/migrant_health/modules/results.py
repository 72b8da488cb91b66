"""Results: accumulate the year's sufficient statistics of every agent into its cell.

Runs last in the plan. Derived observables (self-rated health, depressive symptoms, social
score, composite index, stage, living type, phase, NBS migrant-worker status) are computed here
from the stored states, with the same functions the snapshots use.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    DEAD,
    EV_ARREARS,
    EV_CATASTROPHIC,
    EV_CONVERSION,
    EV_DIED,
    EV_ENTERED,
    EV_FIRST_MIGRATION,
    EV_POOR_BEFORE_RETURN,
    EV_REMIGRATION,
    EV_RETURN,
    EV_RETURN_HEALTH,
    EV_STAY_INTENTION,
    JOB_NONE,
    LOCAL_MIGRANT,
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_HUKOU,
)
from migrant_health.engine.context import RunContext
from migrant_health.engine.derived import (
    age_band,
    composite_index,
    holds_health_record,
    is_depressed,
    lives_at_origin,
    living_type_of,
    nonfarm_job,
    phase_of,
    report_noise,
    social_score,
    srh_level,
    stage_of,
)
from migrant_health.engine.jit import inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import Chunk
from migrant_health.engine.stats import S

_PERSONS = S["persons"]
_MIGRANT_WORKERS = S["migrant_workers"]
_MIGRANT_WORKERS_OUT = S["migrant_workers_out"]
_MIGRANT_WORKERS_LOCAL = S["migrant_workers_local"]
_MIGRANT_WORKERS_FEMALE = S["migrant_workers_female"]
_SUM_AGE_MIGRANT_WORKERS = S["sum_age_migrant_workers"]
_POOR_HEALTH = S["poor_health"]
_DEPRESSED = S["depressed"]
_OVERWEIGHT = S["overweight"]
_SUM_BMI = S["sum_bmi"]
_SUM_HEALTH = S["sum_health"]
_SUM_MENTAL = S["sum_mental"]
_OUT_MIGRANTS = S["out_migrants"]
_SUM_ECONOMIC = S["sum_economic"]
_SUM_SOCIAL = S["sum_social"]
_SUM_CULTURAL = S["sum_cultural"]
_SUM_IDENTITY = S["sum_identity"]
_SUM_INDEX = S["sum_index"]
_LIVING_SUBSISTENCE = S["living_subsistence"]
_LIVING_MODERATELY_PROSPEROUS = S["living_moderately_prosperous"]
_LIVING_DEVELOPMENTAL = S["living_developmental"]
_PHASE_ENTRANT = S["phase_entrant"]
_PHASE_SETTLER = S["phase_settler"]
_PHASE_IMMIGRANT = S["phase_immigrant"]
_INSURED_DESTINATION = S["insured_destination"]
_HEALTH_RECORD = S["health_record"]
_STAY_INTENTION = S["stay_intention"]
_SUM_SUPPORT = S["sum_support"]
_SUM_LOCAL_TIES = S["sum_local_ties"]
_OUT_EMPLOYED = S["out_employed"]
_CATASTROPHIC = S["catastrophic"]
_EARNERS = S["earners"]
_SUM_INCOME = S["sum_income"]
_SUM_HOURS = S["sum_hours"]
_OVER_44H = S["over_44h"]
_ARREARS = S["arrears"]
_RETURNS = S["returns"]
_RETURNS_HEALTH_DRIVEN = S["returns_health_driven"]
_POOR_BEFORE_RETURN = S["poor_before_return"]
_FIRST_MIGRATIONS = S["first_migrations"]
_REMIGRATIONS = S["remigrations"]
_HUKOU_CONVERSIONS = S["hukou_conversions"]
_DEATHS = S["deaths"]
_ENTRANTS = S["entrants"]
_RURAL_MEDICAL_SPENDING = S["rural_medical_spending"]
_SUM_OOP = S["sum_oop"]
_CHRONIC = S["chronic"]


@inline
def sgroup_of(status: int, stage: int, tier: int) -> int:
    """Place-and-stage code of a cell (see :mod:`migrant_health.engine.stats`)."""
    if status == OUT_MIGRANT:
        return 5 + 4 * stage + max(0, tier - 1)
    if status == RURAL_STAYER:
        return 0
    if status == LOCAL_MIGRANT:
        return 1
    if status == RETURNED:
        return 2
    if status == URBAN_HUKOU:
        return 3
    return 4


@kernel
def _accumulate(  # type: ignore[no-untyped-def]
    first_pid,
    year,
    seed,
    p,
    acc,
    birth_year,
    female,
    education,
    origin_region,
    status,
    prior_status,
    job,
    city_tier,
    cross_province,
    years_in_city,
    insurance,
    chronic,
    health,
    mental,
    bmi,
    local_ties,
    economic,
    cultural,
    identity,
    income,
    hours,
    oop,
    support,
    event,
):
    for i in range(status.size):
        s = status[i]
        ev = event[i]
        if s == NOT_ENTERED:
            continue
        died = s == DEAD
        if died:
            if not (ev & EV_DIED):
                continue
            s = prior_status[i]
        age = year - birth_year[i]
        out = s == OUT_MIGRANT and not died
        stage = 0
        social = 0.0
        index = 0.0
        if s == OUT_MIGRANT:
            # Also for out-migrants who died this year, so deaths fall in their own stage.
            social = social_score(p, insurance[i], job[i], local_ties[i], education[i])
            index = composite_index(p, economic[i], social, cultural[i], identity[i])
            stage = stage_of(p, index)
        sg = sgroup_of(s, stage, city_tier[i])
        cell = (((sg * 2 + female[i]) * 6 + age_band(age)) * 5 + education[i]) * 3 + (
            origin_region[i]
        )
        # Only the statistics that apply are added (no zeroed vector per person).
        row = acc[cell]
        if ev & EV_ENTERED:
            row[_ENTRANTS] += 1.0
        if died:
            # Someone who entered and died in the same year counts in both flows.
            row[_DEATHS] += 1.0
            continue
        n_srh, n_dep = report_noise(seed, year, first_pid + i)
        row[_PERSONS] += 1.0
        if srh_level(p, health[i], mental[i], chronic[i], n_srh) <= 2:
            row[_POOR_HEALTH] += 1.0
        if is_depressed(p, mental[i], n_dep):
            row[_DEPRESSED] += 1.0
        if bmi[i] >= 24.0:
            row[_OVERWEIGHT] += 1.0
        row[_SUM_BMI] += bmi[i]
        row[_SUM_HEALTH] += health[i]
        row[_SUM_MENTAL] += mental[i]
        row[_CHRONIC] += chronic[i]
        row[_SUM_OOP] += oop[i]
        if ev & EV_CATASTROPHIC:
            row[_CATASTROPHIC] += 1.0
        nonfarm = nonfarm_job(job[i])
        at_origin = lives_at_origin(s)
        if at_origin and not (ev & EV_RETURN):
            # This year's returners paid their bills in the city before coming back.
            row[_RURAL_MEDICAL_SPENDING] += oop[i]
        # NBS migrant workers: rural hukou and non-farm work for most of the year.
        mw_out = out and job[i] != JOB_NONE
        mw_local = at_origin and nonfarm
        if mw_out or mw_local:
            row[_MIGRANT_WORKERS] += 1.0
            row[_MIGRANT_WORKERS_OUT] += mw_out
            row[_MIGRANT_WORKERS_LOCAL] += mw_local
            row[_MIGRANT_WORKERS_FEMALE] += female[i]
            row[_SUM_AGE_MIGRANT_WORKERS] += age
            row[_EARNERS] += 1.0
            row[_SUM_INCOME] += income[i]
            row[_SUM_HOURS] += hours[i]
            if hours[i] > 44.0:
                row[_OVER_44H] += 1.0
            if ev & EV_ARREARS:
                row[_ARREARS] += 1.0
        if out:
            row[_OUT_MIGRANTS] += 1.0
            row[_SUM_ECONOMIC] += economic[i]
            row[_SUM_SOCIAL] += social
            row[_SUM_CULTURAL] += cultural[i]
            row[_SUM_IDENTITY] += identity[i]
            row[_SUM_INDEX] += index
            row[_LIVING_SUBSISTENCE + living_type_of(p, economic[i])] += 1.0
            row[_PHASE_ENTRANT + phase_of(p, years_in_city[i], identity[i])] += 1.0
            if insurance[i] >= 2:
                row[_INSURED_DESTINATION] += 1.0
            if holds_health_record(
                p,
                seed,
                first_pid + i,
                insurance[i],
                chronic[i],
                cross_province[i],
                female[i],
                years_in_city[i],
            ):
                row[_HEALTH_RECORD] += 1.0
            if ev & EV_STAY_INTENTION:
                row[_STAY_INTENTION] += 1.0
            row[_SUM_SUPPORT] += support[i]
            row[_SUM_LOCAL_TIES] += local_ties[i]
            if job[i] != JOB_NONE:
                row[_OUT_EMPLOYED] += 1.0
        if ev & EV_RETURN:
            row[_RETURNS] += 1.0
            if ev & EV_RETURN_HEALTH:
                row[_RETURNS_HEALTH_DRIVEN] += 1.0
            if ev & EV_POOR_BEFORE_RETURN:
                row[_POOR_BEFORE_RETURN] += 1.0
        if ev & EV_FIRST_MIGRATION:
            row[_FIRST_MIGRATIONS] += 1.0
        if ev & EV_REMIGRATION:
            row[_REMIGRATIONS] += 1.0
        if ev & EV_CONVERSION:
            row[_HUKOU_CONVERSIONS] += 1.0


class Results(Module):
    """Accumulate the year's sufficient statistics by cell."""

    name = "results"
    summary = (
        "derive self-rated health, depressive symptoms, integration index, stage, "
        "living type, health record and NBS migrant-worker status; add every agent to its cell"
    )
    reads = ("*",)
    writes = ()
    parameters = (
        "health.srh",
        "health.depression",
        "integration",
        "care.health_record",
        "policy.public_services",
    )

    def step(self, chunk: Chunk, year: int, ctx: RunContext) -> None:
        """Add this year's statistics to the chunk's accumulator."""
        c = chunk
        acc = c.accumulator[year - ctx.start]
        _accumulate(
            np.int64(c.first_pid),
            year,
            ctx.seed64,
            ctx.record(year),
            acc,
            c.birth_year,
            c.female,
            c.education,
            c.origin_region,
            c.status,
            c.prior_status,
            c.job,
            c.city_tier,
            c.cross_province,
            c.years_in_city,
            c.insurance,
            c.chronic,
            c.health,
            c.mental,
            c.bmi,
            c.local_ties,
            c.economic,
            c.cultural,
            c.identity,
            c.income,
            c.hours,
            c.oop,
            c.support,
            c.event,
        )

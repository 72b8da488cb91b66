"""Results: accumulate the year's sufficient statistics of every agent into its cell.

Out-migrants are accumulated twice: into their main cell and into their tenure cell (years in
the city x sex x age band, :mod:`migrant_health.engine.stats`), which the ``years_in_city``
groups are summed from.

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
    INS_NONE,
    JOB_FORMAL,
    JOB_NONE,
    LOCAL_MIGRANT,
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_HUKOU,
)
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
from migrant_health.engine.metrics import (
    DIFFERENCE_OF_SHARES,
    Metric,
    mean,
    share,
    slots,
    statistics_of,
)
from migrant_health.engine.module import Module
from migrant_health.engine.population import StateSpec
from migrant_health.engine.stats import (
    ARRIVAL_COHORT_FIRST,
    FIRST_COHORT_CELL,
    FIRST_TENURE_CELL,
    YEARS_IN_CITY_FIRST,
)

# The metrics computed here. The accumulator's statistics follow from them, in this order.
METRICS: tuple[Metric, ...] = (
    Metric(
        "population",
        "persons",
        "people alive aged 16+ (rural-hukou origin; the urban-local reference sample only in its "
        "own status group)",
        "persons",
        reports="demography",
    ),
    Metric(
        "migrant_workers_total",
        "persons",
        "NBS migrant workers: rural hukou and non-farm work most of the year (employed "
        "out-migrants plus non-farm workers at origin, returnees included)",
        "migrant_workers",
        reports="labor",
    ),
    Metric(
        "migrant_workers_out",
        "persons",
        "NBS out-migrant workers (waichu): employed out-migrants",
        "migrant_workers_out",
        reports="migration",
    ),
    Metric(
        "migrant_workers_local",
        "persons",
        "NBS local migrant workers (bendi): non-farm work inside the home township, returnees "
        "included",
        "migrant_workers_local",
        reports="labor",
    ),
    mean(
        "mean_age_migrant_workers",
        "years",
        "sum_age_migrant_workers",
        "migrant_workers",
        "mean age of NBS migrant workers",
        reports="demography",
    ),
    share(
        "female_share_migrant_workers",
        "migrant_workers_female",
        "migrant_workers",
        "share of women among NBS migrant workers",
        reports="labor",
    ),
    share(
        "cross_province_share",
        "migrant_workers_out_cross",
        "migrant_workers_out",
        "share of NBS out-migrant workers (employed out-migrants) working in another province",
        reports="migration",
    ),
    mean(
        "integration_economic",
        "index 0-1",
        "sum_economic",
        "out_migrants",
        "mean economic integration of out-migrants (stable job, income, housing, insurance)",
        reports="labor",
    ),
    mean(
        "integration_social",
        "index 0-1",
        "sum_social",
        "out_migrants",
        "mean social integration of out-migrants (destination insurance, pension, local ties, "
        "participation)",
        reports="social",
    ),
    mean(
        "integration_cultural",
        "index 0-1",
        "sum_cultural",
        "out_migrants",
        "mean cultural integration of out-migrants (dialect, customs, habits)",
        reports="integration",
    ),
    mean(
        "integration_identity",
        "index 0-1",
        "sum_identity",
        "out_migrants",
        "mean identity integration of out-migrants (belonging, acceptance, hukou)",
        reports="integration",
    ),
    mean(
        "integration_index",
        "index 0-1",
        "sum_index",
        "out_migrants",
        "mean composite integration index of out-migrants",
        reports="integration",
    ),
    Metric(
        "stage_share",
        "share (0-1)",
        "share of out-migrants in each stage of integration (embedding, drifting, integration)",
        "out_migrants",
        "out_migrants",
        by="stage",
        reports="integration",
    ),
    Metric(
        "living_type_share",
        "share (0-1)",
        "share of out-migrants of each living type (subsistence, moderately prosperous, "
        "developmental)",
        "living",
        "out_migrants",
        by="living_type",
        reports="labor",
    ),
    Metric(
        "phase_share",
        "share (0-1)",
        "share of out-migrants who are entrants, settlers or immigrants",
        "phase",
        "out_migrants",
        by="phase",
        reports="integration",
    ),
    share(
        "poor_health_share",
        "poor_health",
        "persons",
        "share reporting poor or very poor self-rated health (levels 1-2 of 5)",
        reports="health",
    ),
    share(
        "depression_share",
        "depressed",
        "persons",
        "share screening positive for depressive symptoms",
        reports="health",
    ),
    share(
        "overweight_share",
        "overweight",
        "persons",
        "share with BMI >= 24 kg/m2 (Chinese overweight cut-off)",
        reports="health",
    ),
    mean("bmi_mean", "kg/m2", "sum_bmi", "persons", "mean BMI", reports="health"),
    share("chronic_share", "chronic", "persons", "share with a chronic illness", reports="health"),
    mean(
        "health_capital_mean",
        "index 0-1",
        "sum_health",
        "persons",
        "mean physical health capital",
        reports="health",
    ),
    mean(
        "mental_health_mean",
        "index 0-1",
        "sum_mental",
        "persons",
        "mean mental health",
        reports="health",
    ),
    mean(
        "social_support_mean",
        "index 0-1",
        "sum_support",
        "out_migrants",
        "mean social support of out-migrants",
        reports="social",
    ),
    mean(
        "local_ties_mean",
        "index 0-1",
        "sum_local_ties",
        "out_migrants",
        "mean ties with locals of out-migrants",
        reports="social",
    ),
    share(
        "insured_destination_share",
        "insured_destination",
        "out_migrants",
        "share of out-migrants enrolled in a destination scheme (urban resident or employee)",
        reports="care",
    ),
    share(
        "insured_any_share",
        "insured_any",
        "persons",
        "share enrolled in any medical insurance scheme (the rural scheme of the place of hukou, "
        "an urban resident or employee scheme)",
        reports="care",
    ),
    share(
        "health_record_share",
        "health_record",
        "out_migrants",
        "share of out-migrants holding a health record with the destination's community health "
        "service (a basic public health service, seed 4.2)",
        reports="care",
    ),
    share(
        "employment_rate_out_migrants",
        "out_employed",
        "out_migrants",
        "share of out-migrants holding a job",
        reports="labor",
    ),
    share(
        "catastrophic_spending_share",
        "catastrophic",
        "persons",
        "share whose out-of-pocket medical spending reached the catastrophic threshold (40 % of "
        "the person's own capacity to pay: income minus a subsistence allowance); also by "
        "residence",
        reports="care",
    ),
    mean(
        "monthly_income_mean",
        "CNY/month",
        "sum_income",
        "earners",
        "mean nominal monthly income of NBS migrant workers",
        reports="labor",
    ),
    mean(
        "weekly_hours_mean",
        "hours/week",
        "sum_hours",
        "earners",
        "mean usual weekly hours of NBS migrant workers",
        reports="labor",
    ),
    share(
        "share_over_44h",
        "over_44h",
        "earners",
        "share of NBS migrant workers working more than 44 hours a week",
        reports="labor",
    ),
    share(
        "wage_arrears_share",
        "arrears",
        "earners",
        "share of NBS migrant workers with wages withheld this year",
        reports="labor",
    ),
    share(
        "labour_contract_share",
        "contract",
        "earners",
        "share of NBS migrant workers in a formal job (with a labour contract), out-migrants "
        "and local migrant workers alike",
        reports="labor",
    ),
    share(
        "stay_intention_share",
        "stay_intention",
        "out_migrants",
        "share of out-migrants intending to stay in the city for the long term",
        reports="migration",
    ),
    Metric(
        "returns",
        "persons/year",
        "out-migrants who returned to origin this year",
        "returns",
        reports="migration",
    ),
    Metric(
        "returns_health_driven",
        "persons/year",
        "returns that would not have happened had the returner's physical and mental health "
        "been at the reference levels (same random draw)",
        "returns_health_driven",
        reports="migration",
    ),
    share(
        "poor_health_share_before_return",
        "poor_before_return",
        "returns",
        "share of this year's returners in poor self-rated health just before returning",
        reports="migration",
    ),
    Metric(
        "first_migrations",
        "persons/year",
        "people leaving origin for a city for the first time",
        "first_migrations",
        reports="migration",
    ),
    Metric(
        "remigrations",
        "persons/year",
        "returnees leaving again for a city",
        "remigrations",
        reports="migration",
    ),
    Metric(
        "hukou_conversions",
        "persons/year",
        "rural-to-urban hukou conversions",
        "hukou_conversions",
        reports="migration",
    ),
    Metric("deaths", "persons/year", "deaths", "deaths", reports="demography"),
    Metric(
        "entrants",
        "persons/year",
        "people turning 16 and entering the population",
        "entrants",
        reports="demography",
    ),
    Metric(
        "rural_medical_spending",
        "CNY/year",
        "out-of-pocket medical spending borne at origin (rural stayers, local migrant workers and"
        " returnees)",
        "rural_medical_spending",
        reports="care",
    ),
    mean(
        "medical_spending_per_capita",
        "CNY/year",
        "sum_oop",
        "persons",
        "mean out-of-pocket medical spending per person aged 16+ (after any medical-assistance "
        "refund), at the prices of where the person lives; also by residence",
        reports="care",
    ),
    mean(
        "care_use_mean",
        "share of need (0-1)",
        "sum_care_use",
        "persons",
        "mean share of the year's needed care that people used (the rest is forgone because it "
        "is unaffordable)",
        reports="care",
    ),
    Metric(
        "out_of_pocket_share",
        "ratio",
        "out-of-pocket spending as a share of the cost of the care used (reimbursed or not)",
        "sum_oop",
        "sum_care_cost",
        reports="care",
    ),
    share(
        "duplicate_enrolment_share",
        "duplicate_enrolled",
        "out_migrants",
        "share of out-migrants enrolled both in an urban scheme in the city and in the rural "
        "scheme at home (redundant coverage, seed 4.2)",
        reports="care",
    ),
    Metric(
        "health_gap_urban_rural",
        DIFFERENCE_OF_SHARES,
        "poor self-rated health among all rural-hukou adults minus among the urban-local "
        "reference sample, both age-standardised to the national 16+ age structure of the 2010 "
        "census",
        "poor_health",
        "persons",
        reports="health",
    ),
    Metric(
        "health_gap_residence",
        DIFFERENCE_OF_SHARES,
        "poor self-rated health among adults living in rural areas (stayers, local migrant "
        "workers, returnees) minus among adults living in cities (out-migrants, converts to "
        "urban hukou, urban locals), whatever their hukou, both age-standardised to the "
        "national 16+ age structure of the 2010 census; moves with health selection (seed 3.2)",
        "poor_health",
        "persons",
        reports="migration",
    ),
    Metric(
        "poor_health_share_standardised",
        "share (0-1)",
        "poor self-rated health, age-standardised to the national 16+ age structure, in groups "
        "status=rural_hukou (all rural-hukou adults), status=urban_local, residence=rural and "
        "residence=urban (where people live, whatever their hukou)",
        "poor_health",
        "persons",
        reports="health",
    ),
)
SLOT = slots(statistics_of(METRICS))
N_STATISTICS = len(SLOT)


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


@inline
def band_of(value: int, firsts: tuple[int, ...]) -> int:
    """Band of ``value`` among bands that start at ``firsts`` (the first band is open below):
    years in the city (``YEARS_IN_CITY_FIRST``), arrival cohorts (``ARRIVAL_COHORT_FIRST``)."""
    band = 0
    for k in range(1, len(firsts)):
        if value >= firsts[k]:
            band = k
    return band


@inline
def one_if(condition: bool) -> float:
    """1.0 if ``condition`` holds, else 0.0, as a select rather than a branch."""
    return 1.0 if condition else 0.0


@kernel
def _accumulate(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, acc, birth_year, female, education, origin_region, status,
    prior_status, job, city_tier, years_in_city, insurance, chronic, health,
    mental, bmi, local_ties, economic, cultural, identity, income, hours, oop, care_use,
    care_cost, duplicate, support, event, cross_province, health_record, first_out_year,
):  # fmt: skip
    rows = np.empty(3, np.int64)  # the cells a person enters: main, tenure, cohort
    add = np.zeros(N_STATISTICS)  # what a person adds to each of their cells
    for i in range(status.size):
        s = status[i]
        ev = event[i]
        # Who holds a health record at the destination this year (out-migrants, seed 4.2):
        # kept in a scratch column so that snapshots show the same people as the counts.
        health_record[i] = s == OUT_MIGRANT and holds_health_record(
            p, seed, first_pid + i, insurance[i], chronic[i], cross_province[i], female[i],
            years_in_city[i],
        )  # fmt: skip
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
        # Converts to urban hukou keep their integration (the cohort cells follow them there).
        in_city = (s == OUT_MIGRANT or s == URBAN_HUKOU) and not died
        if s == OUT_MIGRANT or in_city:
            # Also for out-migrants who died this year, so deaths fall in their own stage.
            social = social_score(p, insurance[i], job[i], local_ties[i], education[i])
            index = composite_index(p, economic[i], social, cultural[i], identity[i])
            stage = stage_of(p, index)
        sg = sgroup_of(s, stage, city_tier[i])
        cell = (((sg * 2 + female[i]) * 6 + age_band(age)) * 5 + education[i]) * 3 + (
            origin_region[i]
        )
        # Out-migrants (those who died this year too) are added a second time, into their
        # tenure cell: years in the city x sex x age band (engine/stats.py). The main cell's
        # sums are built exactly as before, so every old group is unchanged bit for bit.
        # Everyone who has ever out-migrated is added once more, into their cohort cell:
        # arrival cohort x sex x age band, whatever their status now.
        rows[0] = cell
        n_rows = 1
        if s == OUT_MIGRANT:
            rows[n_rows] = FIRST_TENURE_CELL + (
                (band_of(years_in_city[i], YEARS_IN_CITY_FIRST) * 2 + female[i]) * 6 + age_band(age)
            )
            n_rows += 1
        first_cohort_row = n_rows
        if first_out_year[i] > 0:
            cohort = band_of(first_out_year[i], ARRIVAL_COHORT_FIRST)
            rows[n_rows] = FIRST_COHORT_CELL + ((cohort * 2 + female[i]) * 6 + age_band(age))
            n_rows += 1
        if died:
            for k in range(n_rows):
                row = acc[rows[k]]
                # Someone who entered and died in the same year counts in both flows.
                if ev & EV_ENTERED:
                    row[SLOT.entrants] += 1.0
                row[SLOT.deaths] += 1.0
            continue
        # The person's derived observables, once, whatever the number of cells they enter.
        n_srh, n_dep = report_noise(seed, year, first_pid + i)
        poor = srh_level(p, health[i], mental[i], chronic[i], n_srh) <= 2
        depressed = is_depressed(p, mental[i], n_dep)
        at_origin = lives_at_origin(s)
        # NBS migrant workers: rural hukou and non-farm work for most of the year.
        mw_out = out and job[i] != JOB_NONE
        mw_local = at_origin and nonfarm_job(job[i])
        living = 0
        phase = 0
        if out:
            living = living_type_of(p, economic[i])
            phase = phase_of(p, years_in_city[i], identity[i])
        # The person's statistics, once: a vector of every statistic (0 where one does not
        # apply), added whole to each of the person's cells. Adding 0.0 leaves a sum as it was
        # (a sum starts at +0.0 and never becomes -0.0), so every cell gets exactly the sums
        # that adding only the statistics that apply gave, in the same order of people, and
        # the adds of a row need no branches (the compiler vectorises them). Every slot is
        # written for every person, as a value or 0.0 chosen without a branch: zeroing the
        # vector first and setting what applies under branches cost a quarter of the kernel
        # (the branches on a person's reports and events are unpredictable). A slot no line
        # here writes keeps the 0.0 the vector starts with.
        mw = mw_out or mw_local
        ret = (ev & EV_RETURN) != 0
        add[SLOT.persons] = 1.0
        add[SLOT.deaths] = 0.0
        add[SLOT.entrants] = one_if(ev & EV_ENTERED)
        add[SLOT.poor_health] = one_if(poor)
        add[SLOT.depressed] = one_if(depressed)
        add[SLOT.overweight] = one_if(bmi[i] >= 24.0)
        add[SLOT.sum_bmi] = bmi[i]
        add[SLOT.sum_health] = health[i]
        add[SLOT.sum_mental] = mental[i]
        add[SLOT.chronic] = chronic[i]
        add[SLOT.sum_oop] = oop[i]
        add[SLOT.sum_care_use] = care_use[i]
        add[SLOT.sum_care_cost] = care_cost[i]
        add[SLOT.catastrophic] = one_if(ev & EV_CATASTROPHIC)
        # This year's returners paid their bills in the city before coming back.
        add[SLOT.rural_medical_spending] = oop[i] if at_origin and not ret else 0.0
        add[SLOT.migrant_workers] = one_if(mw)
        add[SLOT.migrant_workers_out] = one_if(mw_out)
        add[SLOT.migrant_workers_local] = one_if(mw_local)
        add[SLOT.migrant_workers_female] = female[i] if mw else 0.0
        add[SLOT.migrant_workers_out_cross] = one_if(mw_out and cross_province[i] == 1)
        add[SLOT.sum_age_migrant_workers] = age if mw else 0.0
        add[SLOT.earners] = one_if(mw)
        add[SLOT.sum_income] = income[i] if mw else 0.0
        add[SLOT.sum_hours] = hours[i] if mw else 0.0
        add[SLOT.over_44h] = one_if(mw and hours[i] > 44.0)
        add[SLOT.arrears] = one_if(mw and (ev & EV_ARREARS))
        add[SLOT.contract] = one_if(mw and job[i] == JOB_FORMAL)
        add[SLOT.living_subsistence] = one_if(out and living == 0)
        add[SLOT.living_moderately_prosperous] = one_if(out and living == 1)
        add[SLOT.living_developmental] = one_if(out and living == 2)
        add[SLOT.phase_entrant] = one_if(out and phase == 0)
        add[SLOT.phase_settler] = one_if(out and phase == 1)
        add[SLOT.phase_immigrant] = one_if(out and phase == 2)
        add[SLOT.insured_destination] = one_if(out and insurance[i] >= 2)
        add[SLOT.insured_any] = one_if(insurance[i] != INS_NONE)
        add[SLOT.health_record] = one_if(out and health_record[i])
        add[SLOT.duplicate_enrolled] = one_if(out and duplicate[i])
        add[SLOT.stay_intention] = one_if(out and (ev & EV_STAY_INTENTION))
        add[SLOT.sum_support] = support[i] if out else 0.0
        add[SLOT.sum_local_ties] = local_ties[i] if out else 0.0
        add[SLOT.out_employed] = one_if(out and job[i] != JOB_NONE)
        add[SLOT.returns] = one_if(ret)
        add[SLOT.returns_health_driven] = one_if(ret and (ev & EV_RETURN_HEALTH))
        add[SLOT.poor_before_return] = one_if(ret and (ev & EV_POOR_BEFORE_RETURN))
        add[SLOT.first_migrations] = one_if(ev & EV_FIRST_MIGRATION)
        add[SLOT.remigrations] = one_if(ev & EV_REMIGRATION)
        add[SLOT.hukou_conversions] = one_if(ev & EV_CONVERSION)
        for k in range(n_rows):
            # Integration of out-migrants, and of converts in their cohort cell (the cohort's
            # city dwellers; the out-migrant-only shares above are not reported for cohorts,
            # engine/aggregate). The cohort row is a person's last.
            integrated = out or (in_city and k == first_cohort_row)
            add[SLOT.out_migrants] = one_if(integrated)
            add[SLOT.sum_economic] = economic[i] if integrated else 0.0
            add[SLOT.sum_social] = social if integrated else 0.0
            add[SLOT.sum_cultural] = cultural[i] if integrated else 0.0
            add[SLOT.sum_identity] = identity[i] if integrated else 0.0
            add[SLOT.sum_index] = index if integrated else 0.0
            row = acc[rows[k]]
            # The plan's statistics are this module's (engine/plan.py checks it): a loop of a
            # length known when compiling, unrolled into whole vector adds.
            for j in range(N_STATISTICS):
                row[j] += add[j]


class Results(Module):
    """Accumulate the year's sufficient statistics by cell."""

    name = "results"
    summary = (
        "derive self-rated health, depressive symptoms, integration index, stage, "
        "living type, health record and NBS migrant-worker status; add every agent to its cell"
    )
    scratch = (
        StateSpec(
            "health_record",
            "bool",
            "results",
            "holds a health record at the destination this year (out-migrants only)",
        ),
    )
    step_kernels = (_accumulate,)
    writes = ("health_record",)
    metrics = METRICS
    parameters = (
        "health.srh",
        "health.depression",
        "integration",
        "care.health_record",
        "policy.public_services",
        "policy.management",
    )

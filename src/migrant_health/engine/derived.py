"""States derived from stored ones instead of being stored (saves memory, keeps one truth).

Self-rated health, depressive symptoms, the social integration score, the composite index, the
stage of integration, the living type, the phase (entrant, settler, immigrant) and the age band
are pure functions of stored states, the year's parameters and, for the observable reports, a
person-year noise term from the named streams. Kernels and snapshots call the same functions.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    INS_NONE,
    INS_RURAL,
    INS_URBAN_EMPLOYEE,
    INS_URBAN_RESIDENT,
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
from migrant_health.engine.context import Params
from migrant_health.engine.jit import inline
from migrant_health.engine.random import (
    clip01,
    logistic,
    normal,
    permanent_key,
    stream,
    uniform,
    year_key,
)

STREAM_SRH = stream("health.srh_report")
STREAM_DEPRESSION = stream("health.depression_screen")


@inline
def age_band(age: int) -> int:
    """NBS age bands of migrant workers: 16-20, 21-30, 31-40, 41-50, 51-60, 61+."""
    if age <= 20:
        return 0
    if age >= 61:
        return 5
    return (age - 11) // 10


@inline
def srh_level(p: Params, health: float, mental: float, chronic: int, noise: float) -> int:
    """Self-rated health on 1 (very poor) .. 5 (very good) from latent health and a report noise."""
    latent = (
        p.health__srh__weight_physical * health
        + p.health__srh__weight_mental * mental
        - p.health__srh__chronic_penalty * chronic
        + p.health__srh__noise_sd * noise
    )
    level = 1
    for k in range(4):
        if latent >= p.health__srh__cut_points[k]:
            level = k + 2
    return level


@inline
def report_noise(seed: np.uint64, year: int, pid: int) -> tuple[float, float]:
    """Person-year noise of the self-rated health report and of the depression screen."""
    n_srh = normal(year_key(seed, STREAM_SRH, year), pid)
    n_dep = normal(year_key(seed, STREAM_DEPRESSION, year), pid)
    return n_srh, n_dep


@inline
def is_depressed(p: Params, mental: float, noise: float) -> bool:
    """Depressive symptoms above the screening cut-off (PHQ-9 >= 10 style)."""
    return mental + p.health__depression__screen_noise_sd * noise < p.health__depression__threshold


@inline
def lives_at_origin(status: int) -> bool:
    """At home in the origin township: rural stayers, local migrant workers and returnees."""
    return status == RURAL_STAYER or status == LOCAL_MIGRANT or status == RETURNED


@inline
def place_income(p: Params, status: int) -> float:
    """Per-capita income of the residents of the person's place (CNY/year).

    It prices care where the person lives (city prices for out-migrants, converts and urban
    locals; rural prices at origin) and is the income of people without earnings of their own
    (care module, labour module's household dependants).
    """
    if lives_at_origin(status):
        return p.care__income__rural_per_capita
    return p.care__income__urban_per_capita


#: A person's permanent place in the queue of enrolment in the residents' schemes: the rural
#: scheme at origin (household enrolment) and the urban resident scheme of an urban hukou. The
#: stream keeps the name it had when it served the rural scheme alone.
STREAM_ENROLMENT_QUEUE = stream("care.rural_coverage_queue")


@inline
def urban_hukou_scheme(p: Params, age: int, job: int, insurance: int, queue: float) -> int:
    """The scheme of an urban-hukou person (urban local or convert) of ``age`` holding ``job``.

    Employers enrol urban-hukou employees in the employee scheme (mandatory) and the scheme
    ends with the job; past the statutory retirement age people keep the scheme they retired
    with (it pays their care in retirement). The resident scheme is voluntary: an urban-hukou
    person outside the employee scheme is enrolled in it when their permanent place in the
    enrolment queue ``queue`` lies below ``care.enrolment.urban_resident_coverage``, or when
    they hold it already (an out-migrant who joined it in the city keeps it on converting),
    else uninsured. Placed only once, at entry, the urban locals who entered at 16 (students,
    without a formal job) stayed on the resident scheme for life: the employee scheme held
    65 % of urban locals under 40 in 2008 and none in 2035 while 58 % of them held formal jobs.
    With every urban hukou insured, urban locals were the best-covered group (100 %) where the
    CLDS 2014 puts urban residents below rural residents, 83.2 against 89.3 % (calibration step 55).
    """
    covered = queue < p.care__enrolment__urban_resident_coverage or insurance == INS_URBAN_RESIDENT
    outside = INS_URBAN_RESIDENT if covered else INS_NONE
    if age < p.labor__urban__retirement_age:
        return INS_URBAN_EMPLOYEE if job == JOB_FORMAL else outside
    if insurance == INS_NONE or insurance == INS_RURAL:
        return outside
    return insurance


@inline
def draws_urban_pension(p: Params, status: int, insurance: int, age: int) -> bool:
    """Lives on the urban employee pension (``labor.urban.pension``): urban locals past the
    urban retirement age, and converts to urban hukou past it who retired on the employee
    scheme. The model keeps no contribution history: the scheme a person retires with is the
    one the care step last placed them on before the retirement age, by the job it read (that
    of age 58 or 59; a formal job is drawn each year with ``labor.urban.formal_share`` among
    urban locals and with :func:`labor.convert_formal_chance` or kept among converts), so the
    pension goes to about the share of them in formal jobs then, whatever their years of
    contributions."""
    if age < p.labor__urban__retirement_age:
        return False
    return status == URBAN_LOCAL or (status == URBAN_HUKOU and insurance == INS_URBAN_EMPLOYEE)


@inline
def household_dependant(p: Params, status: int, job: int, insurance: int, age: int) -> bool:
    """Lives on what their household gives, not on earnings or a pension of their own.

    People at origin without work (mostly the old, past farming), and converts to urban hukou
    past the urban retirement age without the employee pension (:func:`draws_urban_pension`).
    Paying a city's living costs out of their own savings with no income at all, 48-49 % of
    the converts aged 61+ sat at the floor of -24 months of savings by 2035 (seeds 1-2 at
    scale 10,000, before calibration step 45).
    """
    if job != JOB_NONE:
        return False
    if lives_at_origin(status):
        return True
    return (
        status == URBAN_HUKOU
        and age >= p.labor__urban__retirement_age
        and not draws_urban_pension(p, status, insurance, age)
    )


@inline
def nonfarm_job(job: int) -> bool:
    """Non-farm work, formal or informal (what makes a rural-hukou worker an NBS migrant worker)."""
    return job == JOB_INFORMAL or job == JOB_FORMAL


@inline
def destination_insured(insurance: int) -> bool:
    """Enrolled in a scheme of the destination city."""
    return insurance == INS_URBAN_RESIDENT or insurance == INS_URBAN_EMPLOYEE


#: A person's permanent place in the queue for a health record at the destination.
STREAM_HEALTH_RECORD = stream("care.health_record")


@inline
def permit_opened_services(p: Params) -> float:
    """Share of out-migrants to whom reform's residence permits open public services (seed 4.3).

    The permits added by reform (coverage above the baseline coverage) open the destination's
    resident medical scheme and its community health services to the share
    ``policy.management.permit_service_access`` of their holders (2016 Interim Regulations on
    Residence Permits, art. 12). It adds to the openness of the resident scheme and to the reach
    of health-record outreach; 0 without reform.
    """
    added = max(
        0.0,
        p.policy__management__residence_permit_coverage - p.integration__identity__permit_coverage,
    )
    return added * p.policy__management__permit_service_access


@inline
def holds_health_record(
    p: Params,
    seed: np.uint64,
    pid: int,
    insurance: int,
    chronic: int,
    cross_province: int,
    female: int,
    years_in_city: int,
) -> bool:
    """Whether an out-migrant holds a health record with the destination's community health
    service, a basic public health service (seed 4.2).

    A permanent draw per person against a chance that rises with destination insurance and
    years in the city and is lower for the chronically ill, cross-province migrants and men
    (He et al. 2021, CMDS 2017); community outreach (share reached x effect) adds to it, and so
    do residence permits that open the community's services (:func:`permit_opened_services`).
    """
    x = (
        p.care__health_record__intercept
        + p.care__health_record__insured * destination_insured(insurance)
        + p.care__health_record__chronic * chronic
        + p.care__health_record__cross_province * cross_province
        + p.care__health_record__female * female
        + p.care__health_record__years * min(years_in_city, 10) / 10.0
        + (p.policy__public_services__health_record_outreach + permit_opened_services(p))
        * p.policy__public_services__health_record_outreach_effect
    )
    return uniform(permanent_key(seed, STREAM_HEALTH_RECORD), pid) < logistic(x)


@inline
def participation(p: Params, local_ties: float, education: int) -> float:
    """Community participation: grows with local ties, more so for the better educated."""
    return clip01(
        local_ties
        * (
            p.integration__social__participation_base
            + p.integration__social__participation_per_education * education
        )
    )


@inline
def social_score(p: Params, insurance: int, job: int, local_ties: float, education: int) -> float:
    """Social integration: destination medical insurance, pension, local ties, participation."""
    w_ins = p.integration__social__weight_insurance
    w_pen = p.integration__social__weight_pension
    w_tie = p.integration__social__weight_local_ties
    w_par = p.integration__social__weight_participation
    total = w_ins + w_pen + w_tie + w_par
    value = (
        w_ins * destination_insured(insurance)
        + w_pen * (job == JOB_FORMAL)
        + w_tie * local_ties
        + w_par * participation(p, local_ties, education)
    )
    return value / total


@inline
def composite_index(
    p: Params, economic: float, social: float, cultural: float, identity: float
) -> float:
    """Weighted composite of the four dimensions (weights normalised to one)."""
    w = p.integration__composite_weights
    total = w[0] + w[1] + w[2] + w[3]
    return (w[0] * economic + w[1] * social + w[2] * cultural + w[3] * identity) / total


@inline
def out_migrant_index(
    p: Params,
    status: int,
    insurance: int,
    job: int,
    local_ties: float,
    education: int,
    economic: float,
    cultural: float,
    identity: float,
) -> float:
    """An out-migrant's composite integration index from their stored states; 0 for everyone
    else. It reaches their mental health (discrimination, BMI) and their access to the city's
    care (``care.local_medical_access``), which the health step reads from one computation."""
    if status != OUT_MIGRANT:
        return 0.0
    social = social_score(p, insurance, job, local_ties, education)
    return composite_index(p, economic, social, cultural, identity)


@inline
def stage_of(p: Params, index: float) -> int:
    """0 embedding, 1 drifting, 2 integration (seed section 2.2)."""
    if index >= p.integration__stage__cut_integration:
        return 2
    if index >= p.integration__stage__cut_drifting:
        return 1
    return 0


@inline
def living_type_of(p: Params, economic: float) -> int:
    """0 subsistence, 1 moderately prosperous, 2 developmental, from economic integration."""
    if economic >= p.integration__living_type__cut_developmental:
        return 2
    if economic >= p.integration__living_type__cut_moderately_prosperous:
        return 1
    return 0


@inline
def phase_of(p: Params, years_in_city: int, identity: float) -> int:
    """0 entrant, 1 settler, 2 immigrant (seed section 2.2)."""
    if (
        years_in_city >= p.integration__phase__immigrant_years
        and identity >= p.integration__phase__immigrant_identity
    ):
        return 2
    if years_in_city >= p.integration__phase__settler_years:
        return 1
    return 0

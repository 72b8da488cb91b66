"""Care and insurance: schemes, place of enrolment, reimbursement, use of care and spending.

Seed sections 3.4 and 4.2. Three schemes: the rural (origin) scheme, and the urban resident and
urban employee schemes of the destination city. The rural scheme reimburses less when used in
the city (portability), the employee scheme follows a formal job, and access to the resident
scheme is bound to hukou unless policy opens it. An out-migrant who joins an urban scheme often
stays enrolled in the rural scheme at home as well (duplicate enrolment, which a unified scheme
removes). Care is priced where the person lives (city prices in cities, rural prices at
origin, scaled by the residents' per-capita income there) and paid from the person's own
income: people forgo part of the care they need when its out-of-pocket price is large against
their capacity to pay, so reimbursement raises the use of care as well as lowering its price.
Out-of-pocket spending of at least a share of the capacity to pay is catastrophic: it drains
savings, and sets back the economic integration an out-migrant is building in the city.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from migrant_health.engine.binding import Argument
from migrant_health.engine.codes import (
    DEAD,
    EV_CATASTROPHIC,
    INS_NONE,
    INS_RURAL,
    INS_URBAN_EMPLOYEE,
    INS_URBAN_RESIDENT,
    JOB_FORMAL,
    NOT_ENTERED,
    OUT_MIGRANT,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params, RunContext
from migrant_health.engine.derived import (
    STREAM_ENROLMENT_QUEUE,
    household_dependant,
    lives_at_origin,
    nonfarm_job,
    out_migrant_index,
    place_income,
    urban_hukou_scheme,
)
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.permanent import normals
from migrant_health.engine.population import Chunk, StateSpec
from migrant_health.engine.random import normal, permanent_key, stream, uniform, year_key
from migrant_health.modules.enrolment import (
    destination_scheme_chances,
    employee_scheme_chance,
    resident_scheme_chance,
)
from migrant_health.modules.labor import STREAM_INIT as STREAM_INITIAL_JOB
from migrant_health.modules.schooling import in_school

STREAM_ENROL = stream("care.enrolment")
STREAM_NEED = stream("care.medical_need")
STREAM_INITIAL_EMPLOYEE = stream("care.initial_employee_scheme")
STREAM_INITIAL_RURAL_ROLL = stream("care.initial_rural_roll")
STREAM_RURAL_ROLL = stream("care.rural_roll_away")
# A person's permanent rank in the income distribution of the households of their place.
STREAM_HOUSEHOLD_INCOME = stream("care.household_income")


@inline
def rural_scheme_rate(p: Params, status: int) -> float:
    """Share of costs the rural scheme pays: in full at origin, its portable part in the city."""
    rate = p.care__reimbursement__rural_origin + p.policy__public_services__reimbursement_raise
    if status == OUT_MIGRANT:
        # Used away from the place of enrolment the rural scheme pays only its portable part.
        portability = max(
            p.care__reimbursement__portability, p.policy__public_services__portability
        )
        rate *= portability
    return min(rate, 0.9)


@inline
def reimbursement(p: Params, insurance: int, status: int) -> float:
    """Share of medical costs the person's scheme pays where the person lives."""
    if insurance == INS_URBAN_EMPLOYEE:
        return p.care__reimbursement__urban_employee
    if insurance == INS_URBAN_RESIDENT:
        return p.care__reimbursement__urban_resident
    if insurance == INS_RURAL:
        return rural_scheme_rate(p, status)
    return 0.0


@inline
def local_medical_access(p: Params, status: int, index: float) -> float:
    """Share of the city's medical resources an out-migrant reaches, from their integration.

    Seed 3.4: migrant workers with stronger integration gain easier access to local medical
    resources. An out-migrant with integration index ``index`` (0-1) reaches
    ``1 - care.access.integration_barrier x (1 - index)`` of them: not knowing where and how to
    seek care in the city, losing pay for the time it takes, no local network to turn to. 1
    for everyone else (the barrier is the out-migrant's, not the price's: that is
    :func:`use_of_care`). Without it out-migrants used as large a share of the care they
    needed as urban locals (0.90 against 0.88-0.89 in 2014) and spent the most of any group out
    of pocket (calibration step 56).
    """
    if status != OUT_MIGRANT:
        return 1.0
    return 1.0 - p.care__access__integration_barrier * (1.0 - min(1.0, max(0.0, index)))


@inline
def care_access(p: Params, insurance: int, status: int, index: float) -> float:
    """Affordable access to care in [0, 1]: baseline access plus what reimbursement adds.

    At origin, upgraded primary care (seed 4.4) adds its share reached x effect; in the city an
    out-migrant reaches the share :func:`local_medical_access` of it, by their integration
    index ``index`` (unused for everyone else).
    """
    access = p.care__access__uninsured + p.care__access__per_reimbursement * reimbursement(
        p, insurance, status
    )
    if lives_at_origin(status):
        access += (
            p.policy__return_entrepreneurship__rural_service_access
            * p.policy__return_entrepreneurship__rural_service_effect
        )
    return min(1.0, access) * local_medical_access(p, status, index)


@inline
def rural_roll_away(p: Params, years: int) -> float:
    """Chance that an out-migrant ``years`` in the city is on the rural scheme's roll.

    They left on it with the coverage at origin (``care.enrolment.rural_coverage``); each year
    away the household drops them with ``care.enrolment.rural_lapse_away`` and enrols them
    again with ``care.enrolment.rural_uptake_away`` (the yearly step), a two-state chain that
    approaches ``uptake / (uptake + lapse)`` by the factor ``1 - uptake - lapse`` a year. The
    base year's stock reads it: left on the roll with the coverage at home, those 10+ years
    away lost 1.25 points of it a year under frozen conditions as the steps dropped them.
    Destination schemes, which few hold in the base year, are left out of the chain.
    """
    uptake = p.care__enrolment__rural_uptake_away
    lapse = p.care__enrolment__rural_lapse_away
    coverage = p.care__enrolment__rural_coverage
    if uptake + lapse <= 0.0:
        return coverage
    settled = uptake / (uptake + lapse)
    return settled + (coverage - settled) * (1.0 - uptake - lapse) ** years


@inline
def duplicate_enrolment(p: Params, insurance: int, status: int, queue: float) -> bool:
    """Whether an out-migrant in an urban scheme is still enrolled in the rural scheme at home.

    The rural scheme enrols whole households, so an absent member stays on the household's
    roll (the same permanent queue position that decides enrolment at origin) unless the
    household drops them; a unified urban-rural scheme (the lever
    ``policy.public_services.portability``, seed 4.2) merges the rolls and ends the duplicate.
    """
    if status != OUT_MIGRANT or (
        insurance != INS_URBAN_RESIDENT and insurance != INS_URBAN_EMPLOYEE
    ):
        return False
    kept = (
        p.care__enrolment__rural_coverage
        * p.care__duplicate__household_keeps
        * (1.0 - p.policy__public_services__portability)
    )
    return queue < kept


@inline
def care_intensity(p: Params, status: int) -> float:
    """Cost of the same need where the person lives, relative to per-capita income there.

    Cities treat the same need with more (and dearer) hospital care; at origin the intensity
    rises over the years as the rural scheme brought people to hospital.
    """
    if lives_at_origin(status):
        return p.care__need__intensity_origin
    return p.care__need__intensity_city


@inline
def annual_income(p: Params, status: int, job: int, income: float, household: float) -> float:
    """The person's own income (CNY/year): non-farm earnings, else what the household gives.

    Farmers and people without work live on transfers from their household: a share
    (``care.capacity.dependant_share``) of the per-capita income of their place, times their
    household's permanent relative income ``household``.
    """
    if nonfarm_job(job) and income > 0.0:
        return 12.0 * income
    return p.care__capacity__dependant_share * place_income(p, status) * household


@inline
def capacity_to_pay(p: Params, annual: float, place: float) -> float:
    """Income minus a subsistence allowance (CNY/year), never below zero.

    The allowance is a share of the place's per-capita income (its food spending), or the same
    share of the person's own income when that is lower (as the WHO method uses actual food
    spending for households below the subsistence line).
    """
    return annual - p.care__capacity__subsistence_share * min(annual, place)


@inline
def use_of_care(p: Params, price: float, rho: float, capacity: float) -> float:
    """Share of the needed care that is used, in (0, 1].

    People forgo care as its out-of-pocket price ``(1 - rho) * price`` grows against their
    capacity to pay (seed 3.4 and 4.2: under-use when care is unaffordable).
    """
    burden = (1.0 - rho) * price / max(capacity, 1.0)
    return 1.0 / (1.0 + p.care__use__price_sensitivity * burden)


@inline
def effective_reimbursement(
    p: Params, insurance: int, status: int, queue: float
) -> tuple[float, bool]:
    """Share of the cost the person's schemes pay, and whether they are enrolled twice.

    Claims filed with both schemes (:func:`duplicate_enrolment`): the rural scheme pays its
    portable part again.
    """
    rho = reimbursement(p, insurance, status)
    dup = duplicate_enrolment(p, insurance, status, queue)
    if dup:
        rho = min(0.9, rho + rural_scheme_rate(p, status))
    return rho, dup


@inline
def medical_price(
    p: Params, status: int, age: int, chronic: int, health: float, need_draw: float
) -> float:
    """Price of the care a person needs this year, priced where they live (CNY).

    Rises with age, chronic illness and poor health; lognormal spread (``need_draw`` is the
    year's standard normal draw, the spread keeps the mean).
    """
    sd = p.care__need__dispersion
    return (
        p.care__need__base_share
        * care_intensity(p, status)
        * place_income(p, status)
        * (1.0 + p.care__need__per_decade * max(0, age - 20) / 10.0)
        * (1.0 + p.care__need__chronic * chronic + p.care__need__health_deficit * (1.0 - health))
        * exp(sd * need_draw - 0.5 * sd * sd)
    )


@inline
def after_medical_assistance(
    p: Params, spent: float, capacity: float, reached: bool
) -> tuple[float, bool]:
    """Out-of-pocket spending after medical assistance, and whether it was catastrophic.

    Medical assistance (seed 4.1-4.2, the supplementary tier) refunds the share
    ``policy.public_services.medical_assistance`` of the catastrophic part of a bill: what lies
    above ``care.catastrophic.threshold`` of the capacity to pay. The refund stops at the
    threshold, so the spending stays catastrophic: the assistance makes catastrophic spending
    less deep, not less frequent. Until this rule it refunded the share of the whole bill once
    the bill crossed the threshold, so a bill just above it left less to pay than one just
    below, and it refunded 11 % of the urban locals in 2025 (seeds 2-3).

    Args:
        p: The year's parameter record.
        spent: Out-of-pocket spending before the assistance (CNY/year).
        capacity: The person's capacity to pay (CNY/year, :func:`capacity_to_pay`).
        reached: Whether the assistance covers the person: the rural-hukou-origin population
            (converts included, whose events its cost counts), not the urban locals of the
            reference sample.

    Returns:
        The spending after the assistance, and whether it was catastrophic (at least the
        threshold before the refund, and so after it).
    """
    threshold = p.care__catastrophic__threshold * capacity
    if spent >= threshold:
        if reached:
            spent -= p.policy__public_services__medical_assistance * (spent - threshold)
        return spent, True
    return spent, False


@inline
def paid_from_own_savings(
    p: Params, status: int, job: int, insurance: int, age: int, spent: float
) -> float:
    """The part of an out-of-pocket bill that comes out of the person's own savings.

    A household dependant (:func:`derived.household_dependant`: a person at origin without
    work of their own, mostly the old past farming, or a convert to urban hukou past the
    retirement age without the employee pension) lives on what their household gives, and the
    household's earners pay ``care.capacity.dependant_bills`` of their medical bills as well;
    the rest is drawn from the person's savings. With every bill on their own savings, which
    nothing refilled, the old at origin ran into medical debt as they aged (in 2018, 54 % of
    rural residents aged 80-84 and 76 % of those 85+), and the money worries it brought put
    depressive symptoms of rural women aged 80+ at 61 %, where CHARLS finds them falling from
    a peak of about 41 % at 75-80 (CES-D-10 >= 12).
    """
    if household_dependant(p, status, job, insurance, age):
        return spent * (1.0 - p.care__capacity__dependant_bills)
    return spent


@inline
def relative_household_income(p: Params, z: float) -> float:
    """A household's permanent income relative to its place's per-capita income (lognormal
    with mean 1), from the person's permanent draw ``z``."""
    sd = p.care__capacity__household_income_sd
    return exp(sd * z - 0.5 * sd * sd)


@kernel
def _relative_household_incomes(p, z):  # type: ignore[no-untyped-def]
    out = np.empty(z.size)
    for i in range(z.size):
        out[i] = relative_household_income(p, z[i])
    return out


def household_incomes(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """Every agent's :func:`relative_household_income`, computed once per chunk (and again in
    a year whose ``care.capacity.household_income_sd`` differs from the last)."""
    p = ctx.record(year)
    sd = np.float64(p["care__capacity__household_income_sd"]).tobytes()
    key = ("care.household_income", int(ctx.seed64), sd)
    kept = chunk.kept.get(key)
    if kept is None:
        for old in [k for k in chunk.kept if k[0] == "care.household_income"]:
            del chunk.kept[old]
        z = normals(ctx.seed64, STREAM_HOUSEHOLD_INCOME, chunk.first_pid, chunk.size)
        kept = chunk.kept[key] = _relative_household_incomes(p, z)
    return kept


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, education, status, job, chronic, health, insurance,
    income, savings, economic, cultural, identity, local_ties, oop, care_use, care_cost,
    duplicate, event, household_income,
):  # fmt: skip
    wage_index = p.labor__wage_index
    k_enrol = year_key(seed, STREAM_ENROL, year)
    k_need = year_key(seed, STREAM_NEED, year)
    k_queue = permanent_key(seed, STREAM_ENROLMENT_QUEUE)
    k_roll = year_key(seed, STREAM_RURAL_ROLL, year)
    resident_chance = resident_scheme_chance(p)
    employee_chance = employee_scheme_chance(p)
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        u = uniform(k_enrol, pid)
        queue = uniform(k_queue, pid)
        ins = insurance[i]
        if s == URBAN_LOCAL or s == URBAN_HUKOU:
            ins = urban_hukou_scheme(p, year - birth_year[i], job[i], ins, queue)
        elif s == OUT_MIGRANT:
            if job[i] == JOB_FORMAL and ins != INS_URBAN_EMPLOYEE:
                if u < employee_chance:
                    ins = INS_URBAN_EMPLOYEE
            elif job[i] != JOB_FORMAL and ins == INS_URBAN_EMPLOYEE:
                if u < p.care__enrolment__employee_loss_without_contract:
                    ins = INS_URBAN_RESIDENT if u < 0.5 * resident_chance else INS_RURAL
            elif (ins == INS_NONE or ins == INS_RURAL) and u < resident_chance:
                ins = INS_URBAN_RESIDENT
            if ins == INS_NONE or ins == INS_RURAL:
                # Outside the city's schemes, the household at home keeps a member away on the
                # rural roll or drops them, and enrols them again (a draw of its own, so that
                # every out-migrant outside the city's schemes follows the same two-state
                # chain, which the start reads: rural_roll_away).
                roll = uniform(k_roll, pid)
                if ins == INS_RURAL and roll < p.care__enrolment__rural_lapse_away:
                    ins = INS_NONE
                elif ins == INS_NONE and roll < p.care__enrolment__rural_uptake_away:
                    ins = INS_RURAL
        else:
            # At origin: the rural scheme, enrolled by household, with near-universal uptake.
            # Household enrolment: a person's place in the coverage queue is permanent, so the
            # enrolled share equals the coverage rate and rises with it without churn.
            ins = INS_RURAL if queue < p.care__enrolment__rural_coverage else INS_NONE
        insurance[i] = ins
        rho, dup = effective_reimbursement(p, ins, s, queue)
        duplicate[i] = dup
        age = year - birth_year[i]
        place = place_income(p, s)
        price = medical_price(p, s, age, chronic[i], health[i], normal(k_need, pid))
        household = household_income[i]
        capacity = capacity_to_pay(p, annual_income(p, s, job[i], income[i], household), place)
        use = use_of_care(p, price, rho, capacity)
        if s == OUT_MIGRANT:
            index = out_migrant_index(
                p, s, ins, job[i], local_ties[i], education[i], economic[i], cultural[i],
                identity[i],
            )  # fmt: skip
            use *= local_medical_access(p, s, index)
        spent, catastrophic = after_medical_assistance(
            p, use * price * (1.0 - rho), capacity, s != URBAN_LOCAL
        )
        if catastrophic:
            event[i] |= EV_CATASTROPHIC
            if s == OUT_MIGRANT:
                # The drain on the funds for urban living (seed 3.4) sets back the economic
                # integration an out-migrant is building, which the labour step moves on
                # from. Urban locals and those at origin hold no such climb to set back:
                # their economic integration stays at its reference or at their last city
                # year (taken from them, it never came back: urban locals drifted 0.596 ->
                # 0.496 over 2008-2035, and with it their pay). Converts' integration moves
                # with the labour step (step 52); the setback stands for losing a foothold in
                # a city where one holds no hukou, which they have.
                economic[i] = max(0.0, economic[i] - p.care__catastrophic__integration_loss)
        oop[i] = spent
        care_use[i] = use
        care_cost[i] = use * price
        if not in_school(p, age, education[i]):
            # Students' families keep them (the labour step leaves their savings alone until
            # they leave school) and pay their bills too. Paid from the student's savings,
            # which nothing refilled, every student was in debt, and rural stayers of 16-20
            # with negative savings went from 30 % to 71 % over 2008-2022 as schooling
            # lengthened (seeds 2-3, before calibration step 50).
            savings[i] -= paid_from_own_savings(p, s, job[i], ins, age, spent) / wage_index


@init_kernel
def _init(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, education, status, job, years_in_city, health,
    chronic, mental, city_tier, insurance,
):  # fmt: skip
    k_employee = permanent_key(seed, STREAM_INITIAL_EMPLOYEE)
    k_roll = permanent_key(seed, STREAM_INITIAL_RURAL_ROLL)
    k_queue = permanent_key(seed, STREAM_ENROLMENT_QUEUE)
    k_job = permanent_key(seed, STREAM_INITIAL_JOB)  # the labour module's draw of a job
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        if s == URBAN_LOCAL:
            # Retirees keep the employee scheme of their working years (the yearly step never
            # takes it away): those the labour module would place in a formal job (the same
            # draw) retired from one. Giving every retiree the resident scheme put the urban
            # locals aged 60-64 on it where the steps keep three in four on the employee scheme.
            retired_formal = (
                start - birth_year[i] >= p.labor__urban__retirement_age
                and uniform(k_job, pid) < p.labor__urban__formal_share
            )
            insurance[i] = urban_hukou_scheme(
                p,
                start - birth_year[i],
                job[i],
                INS_URBAN_EMPLOYEE if retired_formal else INS_NONE,
                uniform(k_queue, pid),
            )
        elif s == OUT_MIGRANT:
            # The city's scheme of their years there, given the job they hold now (enrolment);
            # outside it, on the rural roll with the chance the yearly steps leave after the
            # years away.
            employee, resident = destination_scheme_chances(
                p, start - birth_year[i], years_in_city[i], education[i], health[i],
                chronic[i], mental[i], city_tier[i], job[i] == JOB_FORMAL,
            )  # fmt: skip
            u = uniform(k_employee, pid)
            if u < employee:
                insurance[i] = INS_URBAN_EMPLOYEE
            elif u < employee + resident:
                insurance[i] = INS_URBAN_RESIDENT
            elif uniform(k_roll, pid) < rural_roll_away(p, years_in_city[i]):
                insurance[i] = INS_RURAL
        elif uniform(k_queue, pid) < p.care__enrolment__rural_coverage:
            insurance[i] = INS_RURAL  # same queue position as in the yearly step


class Care(Module):
    """Insurance enrolment, reimbursement, out-of-pocket and catastrophic spending."""

    name = "care"
    seed_sections = ("3.4", "4.2")
    summary = (
        "enrol in the rural, urban resident or employee scheme (out-migrants in an urban "
        "scheme often stay on the rural roll too); draw medical need priced where the person "
        "lives; use less of it when its out-of-pocket price is large against the person's "
        "capacity to pay; catastrophic spending drains savings and sets back an "
        "out-migrant's economic integration"
    )
    states = (
        StateSpec(
            "insurance",
            "int8",
            "care",
            "medical insurance scheme and place (codes.INSURANCE_LABELS)",
        ),
    )
    scratch = (
        StateSpec("oop", "float32", "care", "out-of-pocket medical spending this year", "CNY/year"),
        StateSpec(
            "care_use", "float32", "care", "share of this year's needed care that was used", "share"
        ),
        StateSpec(
            "care_cost",
            "float32",
            "care",
            "cost of the care used this year, reimbursed or not, at the prices of the place",
            "CNY/year",
        ),
        StateSpec(
            "duplicate",
            "bool",
            "care",
            "out-migrant enrolled in an urban scheme and in the rural scheme at home this year",
        ),
    )
    init_kernels = (_init,)
    step_kernels = (_step,)
    # From the permanent draw of the household's income, once per chunk (engine/permanent.py).
    arguments: ClassVar[Mapping[str, Argument]] = {
        "household_income": household_incomes,
    }
    writes = (
        "insurance",
        "savings",
        "economic",
        "oop",
        "care_use",
        "care_cost",
        "duplicate",
        "event",
    )
    parameters = (
        "care",
        # Students' bills are their families' (schooling.in_school).
        "schooling",
        # The start's city schemes of base-year out-migrants run the labour step's chain of
        # jobs (enrolment.destination_scheme_chances).
        "labor",
        "migration.initial.settled_economic",
        # An out-migrant's integration index sets their access to the city's medical
        # resources (local_medical_access).
        "integration",
        "policy.public_services",
        "policy.fair_employment",
        "policy.management",
        "policy.return_entrepreneurship",
    )

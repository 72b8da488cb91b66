"""Care and insurance: schemes, place of enrolment, reimbursement and medical spending.

Seed sections 3.4 and 4.2. Three schemes: the rural (origin) scheme, and the urban resident and
urban employee schemes of the destination city. The rural scheme reimburses less when used in
the city (portability), the employee scheme follows a formal job, and access to the resident
scheme is bound to hukou unless policy opens it. Out-of-pocket spending that exceeds a share of
the capacity to pay is catastrophic: it drains savings and economic integration.
"""

from __future__ import annotations

import numpy as np

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
from migrant_health.engine.context import Params
from migrant_health.engine.jit import inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import StateSpec
from migrant_health.engine.random import normal, permanent_key, stream, uniform, year_key

STREAM_ENROL = stream("care.enrolment")
STREAM_NEED = stream("care.medical_need")
# A person's permanent place in the queue of rural-scheme coverage (household enrolment).
STREAM_RURAL_QUEUE = stream("care.rural_coverage_queue")
STREAM_INITIAL_EMPLOYEE = stream("care.initial_employee_scheme")


@inline
def reimbursement(p: Params, insurance: int, status: int) -> float:
    """Share of medical costs the person's scheme pays where the person lives."""
    if insurance == INS_URBAN_EMPLOYEE:
        return p.care__reimbursement__urban_employee
    if insurance == INS_URBAN_RESIDENT:
        return p.care__reimbursement__urban_resident
    if insurance == INS_RURAL:
        rate = p.care__reimbursement__rural_origin + p.policy__public_services__reimbursement_raise
        if status == OUT_MIGRANT:
            # Used away from the place of enrolment the rural scheme pays only its portable part.
            portability = max(
                p.care__reimbursement__portability, p.policy__public_services__portability
            )
            rate *= portability
        return min(rate, 0.9)
    return 0.0


@inline
def care_access(p: Params, insurance: int, status: int) -> float:
    """Affordable access to care in [0, 1]: baseline access plus what reimbursement adds."""
    return min(
        1.0,
        p.care__access__uninsured
        + p.care__access__per_reimbursement * reimbursement(p, insurance, status),
    )


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, status, job, chronic, health, insurance, income,
    savings, economic, oop, event,
):  # fmt: skip
    wage_index = p.labor__wage_index
    k_enrol = year_key(seed, STREAM_ENROL, year)
    k_need = year_key(seed, STREAM_NEED, year)
    k_queue = permanent_key(seed, STREAM_RURAL_QUEUE)
    sd = p.care__need__dispersion
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        u = uniform(k_enrol, pid)
        ins = insurance[i]
        if s == URBAN_LOCAL or s == URBAN_HUKOU:
            if ins == INS_NONE or ins == INS_RURAL:
                ins = INS_URBAN_EMPLOYEE if job[i] == JOB_FORMAL else INS_URBAN_RESIDENT
        elif s == OUT_MIGRANT:
            if job[i] == JOB_FORMAL and ins != INS_URBAN_EMPLOYEE:
                enrol = min(
                    1.0,
                    p.care__enrolment__employer_compliance
                    + p.policy__fair_employment__social_insurance_enforcement,
                )
                if u < enrol:
                    ins = INS_URBAN_EMPLOYEE
            elif job[i] != JOB_FORMAL and ins == INS_URBAN_EMPLOYEE:
                if u < p.care__enrolment__employee_loss_without_contract:
                    ins = (
                        INS_URBAN_RESIDENT
                        if u
                        < 0.5
                        * p.care__enrolment__resident_uptake
                        * (
                            p.care__enrolment__resident_access_baseline
                            + p.policy__public_services__resident_scheme_access
                        )
                        else INS_RURAL
                    )
            elif ins == INS_NONE or ins == INS_RURAL:
                if u < p.care__enrolment__resident_uptake * (
                    p.care__enrolment__resident_access_baseline
                    + p.policy__public_services__resident_scheme_access
                ):
                    ins = INS_URBAN_RESIDENT
                elif ins == INS_NONE and u > 1.0 - p.care__enrolment__rural_uptake_away:
                    ins = INS_RURAL
        else:
            # At origin: the rural scheme, enrolled by household, with near-universal uptake.
            # Household enrolment: a person's place in the coverage queue is permanent, so the
            # enrolled share equals the coverage rate and rises with it without churn.
            enrolled = uniform(k_queue, pid) < p.care__enrolment__rural_coverage
            ins = INS_RURAL if enrolled else INS_NONE
        insurance[i] = ins
        # Medical need: rises with age, chronic illness and poor health; lognormal spread.
        age = year - birth_year[i]
        need = (
            p.care__need__base_share
            * wage_index
            * 12.0
            * (1.0 + p.care__need__per_decade * max(0, age - 20) / 10.0)
            * (
                1.0
                + p.care__need__chronic * chronic[i]
                + p.care__need__health_deficit * (1.0 - health[i])
            )
            * np.exp(sd * normal(k_need, pid) - 0.5 * sd * sd)
        )
        spent = need * (1.0 - reimbursement(p, ins, s))
        capacity = max(income[i] * 12.0, p.care__capacity__floor_share * wage_index * 12.0)
        if spent > p.care__catastrophic__threshold * capacity:
            event[i] |= EV_CATASTROPHIC
            # Medical assistance (seed 4.1-4.2) refunds part of catastrophic spending.
            spent *= 1.0 - p.policy__public_services__medical_assistance
            economic[i] = max(0.0, economic[i] - p.care__catastrophic__integration_loss)
        oop[i] = spent
        savings[i] -= spent / wage_index


@kernel
def _init(first_pid, seed, p, status, job, insurance):  # type: ignore[no-untyped-def]
    k_employee = permanent_key(seed, STREAM_INITIAL_EMPLOYEE)
    k_queue = permanent_key(seed, STREAM_RURAL_QUEUE)
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        if s == URBAN_LOCAL:
            insurance[i] = INS_URBAN_EMPLOYEE if job[i] == JOB_FORMAL else INS_URBAN_RESIDENT
        elif (
            s == OUT_MIGRANT
            and job[i] == JOB_FORMAL
            and uniform(k_employee, pid) < p.care__initial__employee_share_formal
        ):
            insurance[i] = INS_URBAN_EMPLOYEE
        elif uniform(k_queue, pid) < p.care__enrolment__rural_coverage:
            insurance[i] = INS_RURAL  # same queue position as in the yearly step


class Care(Module):
    """Insurance enrolment, reimbursement, out-of-pocket and catastrophic spending."""

    name = "care"
    seed_sections = ("3.4", "4.2")
    summary = (
        "enrol in the rural, urban resident or employee scheme; draw medical need; pay "
        "out of pocket what the scheme does not reimburse where the person lives; "
        "catastrophic spending drains savings and economic integration"
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
    )
    init_kernels = (_init,)
    step_kernels = (_step,)
    writes = ("insurance", "savings", "economic", "oop", "event")
    parameters = ("care", "labor.wage_index", "policy.public_services", "policy.fair_employment")

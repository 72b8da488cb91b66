"""Urban integration: the cultural and identity dimensions (seed section 2.2).

The economic dimension is updated by :mod:`labor` (jobs, income, housing) and the social one is
derived from insurance, pension, local ties and participation; this module moves the two slow
dimensions. Cultural integration (dialect, customs, habits) grows with local ties and education
and starts lower across provinces (another dialect). Identity (belonging, acceptance, hukou) is
the slowest: it moves toward a target raised by a residence permit, destination insurance,
years and ties, and *lowered* by education (the better educated identify less, seed 3.3).
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import DEAD, NOT_ENTERED, OUT_MIGRANT, URBAN_HUKOU
from migrant_health.engine.context import Params
from migrant_health.engine.derived import destination_insured
from migrant_health.engine.jit import inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.population import StateSpec
from migrant_health.engine.random import clip01, permanent_key, stream, uniform

STREAM_PERMIT = stream("integration.residence_permit")


@inline
def holds_residence_permit(p: Params, seed: np.uint64, pid: int, years_in_city: int) -> bool:
    """Whether an out-migrant holds a residence permit (coverage set by policy, seed 4.3).

    A person's place in the queue is permanent, so raising coverage adds permit holders
    without reshuffling who has one.
    """
    if years_in_city < 1:
        return False
    coverage = max(
        p.integration__identity__permit_coverage, p.policy__management__residence_permit_coverage
    )
    return uniform(permanent_key(seed, STREAM_PERMIT), pid) < coverage


@inline
def identity_target(
    p: Params,
    permit: bool,
    insured: bool,
    years_in_city: int,
    local_ties: float,
    education: int,
    age: int,
) -> float:
    """Level of belonging an out-migrant's situation supports."""
    return clip01(
        p.integration__identity__base
        + p.integration__identity__residence_permit * permit
        + p.integration__identity__insurance * insured
        + p.integration__identity__years * min(years_in_city, 20) / 20.0
        + p.integration__identity__local_ties * local_ties
        - p.integration__identity__education * (education - 2)
        - p.integration__identity__old_age * (age >= 50)
    )


@inline
def cultural_growth(p: Params, education: int, local_ties: float, age: int) -> float:
    """Share of the remaining distance to full cultural integration an out-migrant covers in
    a year: faster with education and local ties, slower from 50."""
    growth = p.integration__cultural__rate * (
        1.0
        + p.integration__cultural__education * (education - 2)
        + p.integration__cultural__local_ties * local_ties
    )
    if age >= 50:
        growth *= 1.0 - p.integration__cultural__old_age_penalty
    return max(0.0, growth)


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, education, status, years_in_city, insurance,
    local_ties, cultural, identity,
):  # fmt: skip
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        if s == URBAN_HUKOU:
            identity[i] += p.integration__identity__rate * (1.0 - identity[i])
            continue
        if s != OUT_MIGRANT:
            continue
        age = year - birth_year[i]
        growth = cultural_growth(p, education[i], local_ties[i], age)
        cultural[i] = clip01(cultural[i] + growth * (1.0 - cultural[i]))
        permit = holds_residence_permit(p, seed, first_pid + i, years_in_city[i])
        target = identity_target(
            p,
            permit,
            destination_insured(insurance[i]),
            years_in_city[i],
            local_ties[i],
            education[i],
            age,
        )
        identity[i] = clip01(identity[i] + p.integration__identity__rate * (target - identity[i]))


class Integration(Module):
    """Cultural and identity integration of out-migrants (economic: labor; social: derived)."""

    name = "integration"
    seed_sections = ("2.2", "3.3", "4.3")
    summary = (
        "grow cultural integration with ties and education; move identity slowly "
        "toward a target raised by residence permit, insurance, years and ties, "
        "lowered by education"
    )
    states = (
        StateSpec(
            "cultural",
            "float32",
            "integration",
            "cultural integration: dialect, customs, habits",
            "index 0-1",
        ),
        StateSpec(
            "identity",
            "float32",
            "integration",
            "identity integration: belonging, acceptance, hukou",
            "index 0-1",
        ),
    )
    step_kernels = (_step,)
    writes = ("cultural", "identity")
    parameters = ("integration", "policy.management")

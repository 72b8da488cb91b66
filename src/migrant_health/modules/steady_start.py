"""A steady start: the base-year stock's health, mental health and savings from its own history.

The 2008 stock is synthesised before anyone has a job, hours, insurance or a place in the city,
so the health module first gives everyone the steady state of a rural or urban person doing
nothing in particular (``health._init``), and migration then selects the healthier into the
city (healthy-migrant selection). Left there, the start drifts: farm work, chronic illness and
the city's long hours wear health down over the first years, newcomers' savings are those of
settled migrants, and mental health starts at one value for everyone.

This module runs last at initialisation, when jobs, hours, insurance, support and integration
exist, and settles each person where the model's own dynamics would have brought them:

- **Physical health**: the person's individual deviation (frailty and noise, including the
  selection of out-migrants) is kept, and the steady state it deviates from becomes that of
  the person's own conditions (job, hours, chronic illness, insurance, local ties). An
  out-migrant arrived ``years_in_city`` years ago with the health they were selected on and has
  since moved toward the city's steady state at the yearly recovery rate.
- **Savings**: an out-migrant arrived with nothing and has saved for ``years_in_city`` years at
  the rate the labour module applies every year.
- **Mental health**: the person's own target (support, money, physical health, chronic illness,
  discrimination, early mobility, family) plus a draw from the spread that yearly shocks keep
  around it; an out-migrant has covered only part of the way from the mental health they
  arrived with, as many yearly adjustments as years in the city.

Later cohorts enter at 16 and start from ``health._init``'s state, which is the steady state of
a 16-year-old at origin.
"""

from __future__ import annotations

import numpy as np

from migrant_health.engine.codes import (
    DEAD,
    JOB_FARM,
    JOB_NONE,
    LOCAL_MIGRANT,
    NOT_ENTERED,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
)
from migrant_health.engine.context import Params
from migrant_health.engine.jit import inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.random import clip01, normal, permanent_key, stream, uniform
from migrant_health.modules.care import care_access
from migrant_health.modules.health import (
    frailty,
    mental_stationary_sd,
    mental_target,
    mental_trait,
    recovery_rate,
    settled_health,
)
from migrant_health.modules.labor import yearly_saving
from migrant_health.modules.schooling import school_end_age
from migrant_health.modules.social import social_support

STREAM_SETTLED_MENTAL = stream("steady_start.mental")
STREAM_LOCAL_WORK_YEARS = stream("steady_start.local_work_years")


@inline
def local_work_years(p: Params, key: np.uint64, pid: int, most: int) -> int:
    """Years a base-year local migrant worker has already done local non-farm work.

    Geometric with the yearly chance of leaving such work (``labor.origin.nonfarm_exit``): the
    time since entry of those in a job left at a constant rate; at most ``most``.
    """
    leave = p.labor__origin__nonfarm_exit
    if leave <= 0.0:
        return most
    years = np.log(1.0 - uniform(key, pid)) / np.log(1.0 - leave)
    return int(min(float(most), years))


@kernel
def _settle(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, female, education, status, job, family,
    years_in_city, insurance, chronic, health, mental, savings, income, hours, city_tier,
    support, local_ties, economic, cultural, identity, first_urban_pid,
):  # fmt: skip
    k_mental = permanent_key(seed, STREAM_SETTLED_MENTAL)
    k_local = permanent_key(seed, STREAM_LOCAL_WORK_YEARS)
    keep = 1.0 - p.labor__savings__spending_rate
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        age = start - birth_year[i]
        urban = pid >= first_urban_pid
        frail = frailty(seed, pid)
        # The steady state health._init assumed: no job, no hours, no chronic illness, the
        # assumed access of a rural or urban person.
        access0 = p.health__initial__access_urban if urban else p.health__initial__access_rural
        assumed = settled_health(
            p, age, frail, 0.0, 0, 6 if urban else 1, 0, recovery_rate(p, access0, 0.0)
        )
        rate = recovery_rate(p, care_access(p, insurance[i], s), local_ties[i])
        own = settled_health(p, age, frail, hours[i], job[i], s, chronic[i], rate)
        h = health[i]
        arrival_health = h
        left_school = school_end_age(p, education[i])
        if s == OUT_MIGRANT:
            # Health on arrival (what selection saw), then years toward the city's steady state.
            h = own + (h - own) * (1.0 - rate) ** years_in_city[i]
        elif s == LOCAL_MIGRANT:
            # A farmer's steady state until they took local non-farm work, then years toward
            # that work's own (long hours, hazardous informal jobs). The labour module ends
            # such work at ``labor.origin.nonfarm_exit`` a year, so the years in it so far are
            # geometric (capped by the years since school); settled as if for life, the
            # local migrant workers started below where the entrants from farming keep them
            # and got healthier year after year.
            farmer = settled_health(
                p, age, frail, 0.0, JOB_FARM, RURAL_STAYER, chronic[i],
                recovery_rate(p, care_access(p, insurance[i], RURAL_STAYER), local_ties[i]),
            )  # fmt: skip
            years = local_work_years(p, k_local, pid, max(0, age - left_school))
            h = own + (h + farmer - assumed - own) * (1.0 - rate) ** years
        else:
            h += own - assumed
        health[i] = min(1.0, max(0.05, h))
        # Savings, as the labour module accumulates them: an out-migrant arrived with none and
        # has saved for their years in the city; everyone else has lived as now since leaving
        # school (students' families keep them).
        yearly = yearly_saving(p, s, job[i], income[i], city_tier[i], age)
        saving_years = years_in_city[i] if s == OUT_MIGRANT else max(0, age - left_school)
        settled = yearly * (1.0 - keep**saving_years) / (1.0 - keep)
        if (s == RURAL_STAYER or s == RETURNED) and job[i] == JOB_NONE:
            # People at origin without work farmed until the farming age ended (or, younger,
            # until now) and have lived on their savings since; a life without work since
            # school put every one of them at the debt floor, where the steps would have them
            # spend down from a farmer's savings.
            # Farming goes on while age < the retirement age (ceil: a fractional age too).
            farmed = max(0, min(age, int(np.ceil(p.labor__origin__retirement_age))) - left_school)
            idle = max(0, age - left_school - farmed)
            farmer = yearly_saving(p, s, JOB_FARM, 0.0, 0, age)
            at_stop = farmer * (1.0 - keep**farmed) / (1.0 - keep)
            settled = at_stop * keep**idle + yearly * (1.0 - keep**idle) / (1.0 - keep)
        savings[i] = min(120.0, max(-24.0, settled))
        # Mental health: the person's own target and the spread yearly shocks keep around it.
        target, _ = mental_target(
            p, seed, pid, female[i], s, years_in_city[i], family[i], savings[i], support[i],
            health[i], chronic[i], insurance[i], job[i], local_ties[i], education[i],
            economic[i], cultural[i], identity[i],
        )  # fmt: skip
        # An out-migrant has moved from the mental health they arrived with toward the city's
        # target for ``years_in_city + 1`` adjustments; everyone else has long settled on their
        # own target. They arrived with the mental health of their life at origin: farming, the
        # origin network and a spouse nearby, and the savings of their years there.
        settled = 1.0
        if s == OUT_MIGRANT:
            settled = 1.0 - (1.0 - p.health__mental__adjustment) ** (years_in_city[i] + 1)
            origin_years = max(0, age - left_school - years_in_city[i])
            origin_savings = (
                yearly_saving(p, RURAL_STAYER, JOB_FARM, 0.0, 0, age)
                * (1.0 - keep**origin_years)
                / (1.0 - keep)
            )
            origin_target, _ = mental_target(
                p, seed, pid, female[i], RURAL_STAYER, 0, family[i],
                min(120.0, max(-24.0, origin_savings)),
                social_support(p, 0.0, 1.0, family[i], False), arrival_health, chronic[i],
                insurance[i], JOB_FARM, 0.0, education[i], 0.0, 0.0, 0.0,
            )  # fmt: skip
            # health._init drew the origin disposition without these circumstances.
            mental[i] += origin_target - (
                p.health__mental__base
                + p.health__mental__trait_sd * mental_trait(seed, pid)
                - p.health__mental__female * female[i]
            )
        mental[i] = clip01(
            mental[i] + settled * (target - mental[i])
            + np.sqrt(1.0 - (1.0 - settled) ** 2) * mental_stationary_sd(p) * normal(k_mental, pid)
        )  # fmt: skip


class SteadyStart(Module):
    """Settles the base-year stock's health, mental health and savings on its own history."""

    name = "steady_start"
    seed_sections = ("3.1", "3.2")
    summary = (
        "at initialisation, once jobs, insurance and integration exist: health at the steady "
        "state of each person's own conditions (out-migrants: from arrival over their years in "
        "the city), savings of out-migrants from their years in the city, mental health at its "
        "own target"
    )
    init_kernels = (_settle,)
    writes = ("health", "mental", "savings")
    parameters = (
        "health",
        "care",
        "labor",
        "integration",
        "social.support",
        "schooling",
        "policy.management",
    )

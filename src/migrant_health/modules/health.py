"""Health: physical health capital, mental health, BMI and chronic illness (seed 3.1-3.3).

- Physical health capital is depleted by age, overwork (hours above the statutory 44 a week)
  and hazardous informal jobs of the secondary labour market, and restored by self-recovery and
  by care that insurance makes affordable where the person lives. Out-migrants start healthier
  (selection) and lose the advantage with years of depletion: the epidemiological paradox.
- Mental health moves toward a target (:mod:`migrant_health.modules.mental_target`) set by
  social support, discrimination (which falls as the composite integration index rises), the
  acculturative stress of the first years in the city, financial stress and family separation;
  mental-health services (seed 4.3) raise it.
- BMI moves toward a set point that rises with age and urban diets; under the seed's
  unverified hypothesis (switchable), integration lowers women's set point only.
- Chronic illness arrives with age, obesity and poor health.
The observable self-rated health (5 levels) and depressive symptoms are derived, not stored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from migrant_health.data.demography import MIN_AGE
from migrant_health.engine.binding import Argument, kernel_record
from migrant_health.engine.codes import (
    DEAD,
    JOB_FARM,
    JOB_INFORMAL,
    NOT_ENTERED,
    OUT_MIGRANT,
    RURAL_STAYER,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params, RunContext
from migrant_health.engine.derived import (
    out_migrant_index,
)
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.permanent import normals, permanent_normals
from migrant_health.engine.population import Chunk, StateSpec
from migrant_health.engine.random import clip01, normal, permanent_key, stream, uniform, year_key
from migrant_health.modules.care import (
    care_access,
    household_incomes,
)
from migrant_health.modules.demography import (
    first_life_table_age,
    relative_risk,
    rural_qx,
    urban_qx,
)
from migrant_health.modules.mental_target import (
    STRAIN_AGES,
    STREAM_MENTAL_TRAIT,
    household_median,
    mental_disposition,
    mental_health_services,
    mental_stationary_sd,
    mental_target_given,
    mental_trait,
    midlife_strain,
    midlife_strains,
)
from migrant_health.modules.social import home_support, typical_support

STREAM_PHYSICAL = stream("health.physical_shock")
STREAM_MENTAL = stream("health.mental_shock")
STREAM_BMI = stream("health.bmi_shock")
STREAM_CHRONIC = stream("health.chronic_onset")
STREAM_FRAILTY = stream("health.frailty")
STREAM_INITIAL_PHYSICAL = stream("health.initial_physical")
STREAM_INITIAL_MENTAL = stream("health.initial_mental")
STREAM_INITIAL_CHRONIC = stream("health.initial_chronic")
STREAM_BMI_SET = stream("health.bmi_set_point")

#: Age from which ageing depletes health faster each year (``health.ageing.acceleration``).
AGEING_ACCELERATION_AGE = 40


@inline
def frailty(seed: np.uint64, pid: int) -> float:
    """A person's permanent frailty (standard normal); the yearly step reads it from the chunk's
    stored draws (``frailty_z``)."""
    return normal(permanent_key(seed, STREAM_FRAILTY), pid)


#: Standard-normal points on which the survivors' frailty distributions are tabulated.
FRAILTY_GRID = np.linspace(-4.5, 4.5, 91)


@init_kernel
def _survivors_frailty_cdfs(p, qx, qx_urban, first_age, grid):  # type: ignore[no-untyped-def]
    """The distribution function of permanent frailty among the survivors of each age.

    ``cdfs[urban, female, age, g]``: the share of a cohort's survivors at ``age`` with frailty
    at or below ``grid[g]``, for the rural-hukou population (0) and the urban locals (1). From
    16, where frailty is standard normal, each year's deaths are the base year's life table
    spread by the mortality risk of the health a person of that frailty settles on
    (:func:`initial_steady_state`, ``demography.mortality.health_log_rr``), renormalised to
    the table as the demography step does. Chronic illness and depression, which also raise
    the risk, are left out.
    """
    n = grid.size
    weight = np.exp(-0.5 * grid * grid)
    last = qx.shape[1] - 1
    oldest = first_age + last
    cdfs = np.empty((2, 2, oldest + 1, n))
    health = np.empty(n)
    risk = np.empty(n)
    for town in range(2):
        table = qx_urban if town else qx
        for sex in range(2):
            alive = np.ones(n)
            for age in range(oldest + 1):
                total = 0.0
                for g in range(n):
                    total += weight[g] * alive[g]
                running = 0.0
                for g in range(n):
                    running += weight[g] * alive[g]
                    cdfs[town, sex, age, g] = running / total
                if age < 16:
                    continue
                mean_risk = 0.0
                for g in range(n):
                    health[g] = min(
                        1.0, max(0.05, initial_steady_state(p, age, grid[g], town == 1))
                    )
                    # The demography step's risk of a well person who is not depressed.
                    risk[g] = relative_risk(p, health[g], 0, 1.0)
                    mean_risk += weight[g] * alive[g] * risk[g] / total
                q = table[sex, min(max(age - first_age, 0), last)]
                for g in range(n):
                    alive[g] *= max(1e-12, 1.0 - min(1.0, q * risk[g] / mean_risk))
    return cdfs


@init_kernel
def _survivors_health_shifts(p, qx, qx_urban, first_age):  # type: ignore[no-untyped-def]
    """How far above the health they settle on the survivors of each age stand, on average,
    through the yearly shocks that the deaths select on.

    ``shifts[urban, female, age]``. The yearly shocks (``health.shock_sd``) leave each person
    a deviation from their settled health that recovery pulls back (``rho = 1 - r`` a year),
    with the stationary spread ``s2 = shock_sd**2 / (1 - rho**2)``. A year's deaths at a log
    risk of ``health_log_rr`` per unit of health move the survivors' mean deviation up by
    about ``health_log_rr * s2 * q`` (a Gaussian tilted by a small hazard ``q``), and recovery
    then pulls it back: ``m(age + 1) = rho * (m(age) + health_log_rr * s2 * q(age))`` from 0 at
    16. Without it the oldest of the base-year stock started with the spread of the living,
    not of the survivors, and their health capital rose under frozen conditions.
    """
    last = qx.shape[1] - 1
    oldest = first_age + last
    shifts = np.zeros((2, 2, oldest + 1))
    for town in range(2):
        table = qx_urban if town else qx
        access = p.health__initial__access_urban if town else p.health__initial__access_rural
        rho = 1.0 - recovery_rate(p, access, 0.0, 0.0)
        # The stationary spread at every age: it differs from :func:`initial_spread` (which
        # starts at 16 and takes each age's support) only where deaths are rare, before 30,
        # and by 3 % for urban locals; the shift it yields is 0.005 at 80.
        spread2 = p.health__shock_sd**2 / (1.0 - rho * rho)
        for sex in range(2):
            m = 0.0
            for age in range(MIN_AGE, oldest):
                q = table[sex, min(max(age - first_age, 0), last)]
                m = rho * (m + p.demography__mortality__health_log_rr * spread2 * q)
                shifts[town, sex, age + 1] = m
    return shifts


def _base_year_table(
    chunk: Chunk, ctx: RunContext, table: Callable[..., np.ndarray], *extra: Any
) -> np.ndarray:
    """``table(p, qx, qx_urban, first_age, *extra)`` of the base year's parameters and life
    tables, computed once per chunk."""
    key = ("health.base_year_table", table.__name__, ctx.start)
    kept = chunk.kept.get(key)
    if kept is None:
        kept = chunk.kept[key] = table(
            kernel_record(ctx, ctx.start),
            rural_qx(chunk, ctx, ctx.start),
            urban_qx(chunk, ctx, ctx.start),
            first_life_table_age(chunk, ctx, ctx.start),
            *extra,
        )
    return kept


def survivors_health_shifts(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """:func:`_survivors_health_shifts`, once per chunk."""
    return _base_year_table(chunk, ctx, _survivors_health_shifts)


def survivors_frailty_cdfs(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """:func:`_survivors_frailty_cdfs` on :data:`FRAILTY_GRID`, once per chunk."""
    return _base_year_table(chunk, ctx, _survivors_frailty_cdfs, FRAILTY_GRID)


@inline
def survivors_shift(shifts: np.ndarray, urban: bool, female: int, age: int) -> float:
    """The survivors' shift of health capital at ``age`` (:func:`survivors_health_shifts`, the
    oldest tabulated age for older people)."""
    return shifts[1 if urban else 0, female, min(age, shifts.shape[2] - 1)]


@inline
def surviving_frailty(
    z: float, age_at_start: int, female: int, urban: bool, cdfs: np.ndarray, grid: np.ndarray
) -> float:
    """A base-year person's frailty: their standard-normal draw ``z`` moved to the same
    quantile among the survivors of their age in the base year.

    The yearly deaths take the frail first, so the survivors of a cohort are less frail than
    it was at 16; drawn from the standard normal whatever their age, the oldest of the
    base-year stock started frailer than the steps leave people of their age, and their health
    capital rose year after year under frozen conditions (women aged 81+ from 0.747 to 0.772
    in five years). Later entrants (16 at most in the base year) keep their draw.
    """
    if age_at_start <= 16:
        return z
    town = 1 if urban else 0
    age = min(age_at_start, cdfs.shape[2] - 1)
    u = interp_at(z, grid, cdfs[town, female, 16])
    return (
        z + interp_at(u, cdfs[town, female, age], grid) - interp_at(u, cdfs[town, female, 16], grid)
    )


@inline
def interp_at(x: float, xp: np.ndarray, fp: np.ndarray) -> float:
    """``np.interp(x, xp, fp)`` of one number ``x`` (``xp`` non-decreasing, at least two
    points): the same number, without the allocations.

    The compiled ``np.interp`` of a number allocates three small arrays at each call (the
    input and the output as arrays, an empty table of slopes), most of the time of the
    base-year stock's three calls per person. This takes its steps: the last ``j`` with
    ``xp[j] <= x`` (its search with a guess finds that one too), the end values outside
    ``xp``, ``fp[j]`` at a point of ``xp``, else the slope of the interval times the distance
    from its left end plus ``fp[j]`` (from the right end if that is not a number).
    """
    n = xp.size
    if np.isnan(x):
        return x
    if x > xp[n - 1]:
        return fp[n - 1]
    if x < xp[0]:
        return fp[0]
    low = 0
    high = n
    while low < high:
        middle = low + ((high - low) >> 1)
        if x >= xp[middle]:
            low = middle + 1
        else:
            high = middle
    j = low - 1
    if j == n - 1 or xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    value = slope * (x - xp[j]) + fp[j]
    if np.isnan(value):
        value = slope * (x - xp[j + 1]) + fp[j + 1]
        if np.isnan(value) and fp[j] == fp[j + 1]:
            value = fp[j]
    return value


@init_kernel
def _surviving_frailties(first_pid, first_urban_pid, start, birth_year, female, z, cdfs, grid):  # type: ignore[no-untyped-def]
    out = np.empty(z.size)
    for i in range(z.size):
        out[i] = surviving_frailty(
            z[i], start - birth_year[i], female[i], first_pid + i >= first_urban_pid, cdfs, grid
        )
    return out


def surviving_frailties(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """Every agent's :func:`surviving_frailty`, computed once per chunk (the yearly step's
    ``frailty_z``)."""
    key = ("health.frailty", int(ctx.seed64), ctx.start)
    kept = chunk.kept.get(key)
    if kept is None:
        z = normals(ctx.seed64, STREAM_FRAILTY, chunk.first_pid, chunk.size)
        kept = chunk.kept[key] = _surviving_frailties(
            np.int64(chunk.first_pid),
            np.int64(ctx.first_urban_pid),
            ctx.start,
            chunk.arrays["birth_year"],
            chunk.arrays["female"],
            z,
            survivors_frailty_cdfs(chunk, ctx, year),
            FRAILTY_GRID,
        )
    return kept


@inline
def depletion(
    p: Params, age: int, frail: float, hours: float, job: int, status: int, chronic: int
) -> float:
    """Yearly loss of physical health capital."""
    ageing = p.health__ageing__rate * (
        1.0 + p.health__ageing__acceleration * max(0, age - AGEING_ACCELERATION_AGE) / 10.0
    )
    ageing *= max(0.2, 1.0 + p.health__ageing__frailty_sd * frail)
    loss = ageing + p.health__depletion__overwork * max(0.0, hours - 44.0) / 10.0
    urban_hukou = status == URBAN_LOCAL or status == URBAN_HUKOU
    if job == JOB_INFORMAL:
        # Occupational safety inspection (seed 4.1) avoids part of the hazard for those reached:
        # migrant workers (rural hukou). Until this rule it reached urban locals and converts
        # in informal jobs too (48 % of the urban locals' health moved by 2030, seeds 2-3).
        inspected = 0.0 if urban_hukou else p.policy__fair_employment__workplace_safety
        loss += p.health__depletion__hazardous_job * (
            1.0 - inspected * p.policy__fair_employment__workplace_safety_effect
        )
    elif job == JOB_FARM:
        loss += p.health__depletion__farm_work
    if urban_hukou:
        loss += p.health__depletion__urban_lifestyle
    if chronic:
        loss += p.health__depletion__chronic
    return loss


@inline
def settled_health(
    p: Params,
    age: int,
    frail: float,
    hours: float,
    job: int,
    status: int,
    chronic: int,
    rate: float,
) -> float:
    """Health capital that a person of this age, living so for years, has settled on.

    Depletion rises with age, so health trails the instantaneous steady state
    ``1 - loss / rate``: the yearly step ``h' = h + rate (1 - h) - loss(a)`` with loss rising by
    ``rise`` a year settles on ``h = 1 - loss / rate + rise / rate**2``. Without the lag term the
    old start below where the yearly steps keep them and get healthier year after year.

    Depletion only starts to rise at ``AGEING_ACCELERATION_AGE``, where the person stood at the
    instantaneous steady state; the lag builds up from there, a share ``(1 - rate)**years`` of
    it still missing after ``years``. Taking the full lag from that age on put a 40-year-old
    0.04 above a 39-year-old, and both above where the steps take them.
    """
    loss = depletion(p, age, frail, hours, job, status, chronic)
    rise = depletion(p, age + 1, frail, hours, job, status, chronic) - loss
    built = 1.0 - (1.0 - rate) ** max(0, age - AGEING_ACCELERATION_AGE)
    return 1.0 - loss / rate + built * rise / (rate * rate)


@inline
def initial_steady_state(p: Params, age: int, frail: float, urban: bool) -> float:
    """The steady state a person starts near: of their age and place (rural or urban), with
    no job, no hours and no chronic illness, at the assumed access to care of that place.

    The steady start settles the base-year stock from it onto each person's own conditions.
    """
    return settled_health(
        p, age, frail, 0.0, 0, URBAN_LOCAL if urban else RURAL_STAYER, 0,
        initial_recovery_rate(p, age, urban),
    )  # fmt: skip


@inline
def initial_recovery_rate(p: Params, age: int, urban: bool) -> float:
    """The recovery rate the start assumes for a person of this age and place: the access to
    care of that place and the support of someone who has always lived there."""
    access = p.health__initial__access_urban if urban else p.health__initial__access_rural
    gap = typical_support(p, age, urban) - home_support(p)
    return recovery_rate(p, access, 0.0, gap)


@inline
def initial_spread(p: Params, age: int, urban: bool) -> float:
    """Standard deviation of a base-year person's health around their steady state.

    Entrants start at 16 (``MIN_AGE``) with ``health.initial.sd``; every year after it the
    yearly shock (``health.shock_sd``) adds to the spread while recovery (rate ``r`` of
    :func:`initial_recovery_rate`, of the person's age and place) pulls it back, so at ``n``
    years past 16 the spread is that of the AR(1) step ``h' = h + r(1 - h) - loss + shock``:
    ``rho**(2n) sd0**2 + shock**2 (1 - rho**(2n)) / (1 - rho**2)``, ``rho = 1 - r``. With one
    spread of 0.05 at every age the base-year stock started narrower than the yearly steps keep
    it (0.067 at origin), and the spread of rural stayers aged 31-40 rose from 0.057 to 0.064 in
    five years under frozen 2008 conditions (docs/model.md section 5).
    """
    rho2 = (1.0 - initial_recovery_rate(p, age, urban)) ** 2
    years = max(0, age - MIN_AGE)
    rho2n = rho2**years
    start = p.health__initial__sd
    shock = p.health__shock_sd
    if 1.0 - rho2 < 1e-12:
        # No recovery (a parameter at the end of its range): the shocks add up.
        return np.sqrt(start * start + years * shock * shock)
    return np.sqrt(rho2n * start * start + shock * shock * (1.0 - rho2n) / (1.0 - rho2))


@inline
def initial_health_draw(p: Params, seed: np.uint64, pid: int, age: int, urban: bool) -> float:
    """Health capital a person starts with, before it is bounded to the scale (0.05-1).

    Near :func:`initial_steady_state`, with a spread; frail people start lower. The migration
    module reads it unbounded: a young person's draw is above 1 one time in five, and the bound
    would hide how healthy they are.
    """
    return initial_health_draw_of(p, seed, pid, age, urban, frailty(seed, pid))


@inline
def initial_health_draw_of(
    p: Params, seed: np.uint64, pid: int, age: int, urban: bool, frail: float
) -> float:
    """:func:`initial_health_draw` of a person whose frailty ``frail`` is given (the health
    module starts the base-year stock with :func:`surviving_frailty`; the migration module's
    selection reads the plain draw, which differs only past the ages of migrant work)."""
    return initial_steady_state(p, age, frail, urban) + initial_spread(p, age, urban) * normal(
        permanent_key(seed, STREAM_INITIAL_PHYSICAL), pid
    )


@inline
def recovery_rate(p: Params, access: float, local_ties: float, support_gap: float) -> float:
    """Share of the gap to full health recovered in a year.

    Access to care (what insurance makes affordable) speeds recovery, and so do local ties,
    through which health knowledge and healthy behaviours spread, and social support (seed
    3.1), by ``support_gap``: the person's support less that of a married person at home
    (:func:`social.home_support`; 0 where a base-year approximation takes that person's rate).
    """
    return (
        p.health__recovery__self
        + p.health__recovery__care * access
        + p.health__recovery__health_knowledge * local_ties
        + p.health__recovery__support * support_gap
    )


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, year, seed, p, birth_year, female, education, status, job, family,
    years_in_city, insurance, chronic, health, mental, bmi, savings, local_ties, economic,
    cultural, identity, hours, support, frailty_z, mental_trait_z, bmi_set_z, household_income,
):  # fmt: skip
    k_phys = year_key(seed, STREAM_PHYSICAL, year)
    k_ment = year_key(seed, STREAM_MENTAL, year)
    k_bmi = year_key(seed, STREAM_BMI, year)
    k_chr = year_key(seed, STREAM_CHRONIC, year)
    women_only = p.health__bmi__integration_effect_women_only > 0.5
    # Terms of the mental-health target that are the same for everyone (or everyone of an age)
    # this year, computed once: the same numbers, without an exp per person.
    strains = midlife_strains(p)
    median = household_median(p)
    services = mental_health_services(p)
    at_home = home_support(p)
    for i in range(status.size):
        s = status[i]
        if s == NOT_ENTERED or s == DEAD:
            continue
        pid = first_pid + i
        age = year - birth_year[i]
        in_city = s == OUT_MIGRANT
        index = out_migrant_index(
            p, s, insurance[i], job[i], local_ties[i], education[i], economic[i], cultural[i],
            identity[i],
        )  # fmt: skip
        access = care_access(p, insurance[i], s, index)
        # Physical health capital.
        support_gap = support[i] - at_home
        h = health[i]
        loss = depletion(p, age, frailty_z[i], hours[i], job[i], s, chronic[i])
        h += (
            recovery_rate(p, access, local_ties[i], support_gap) * (1.0 - h)
            - loss
            + p.health__shock_sd * normal(k_phys, pid)
        )
        health[i] = min(1.0, max(0.02, h))
        # Mental health: toward a target shaped by support and the stresses of migration.
        # The table is read here, not in an inlined helper: an array handed to an inlined
        # function with branches costs two atomic reference counts per person.
        strain = strains[age] if 0 <= age < STRAIN_AGES else midlife_strain(p, age)
        target = mental_target_given(
            p, mental_trait_z[i], female[i], strain, age, s, years_in_city[i],
            family[i], savings[i], household_income[i], support[i], health[i], chronic[i],
            insurance[i], job[i], index, median, services,
        )  # fmt: skip
        m = mental[i] + p.health__mental__adjustment * (target - mental[i])
        mental[i] = clip01(m + p.health__mental__shock_sd * normal(k_ment, pid))
        # BMI: toward a set point; integration lowers it for women only under the hypothesis.
        set_point = (
            p.health__bmi__base_male
            - female[i] * p.health__bmi__female_offset
            + p.health__bmi__per_decade * (min(age, 60) - 16) / 10.0
            + p.health__bmi__set_point_sd * bmi_set_z[i]
        )
        if in_city or s == URBAN_LOCAL or s == URBAN_HUKOU:
            set_point += p.health__bmi__urban_diet
        if in_city and women_only and female[i] == 1:
            set_point -= p.health__bmi__integration_effect * index
        bmi[i] = (
            bmi[i]
            + p.health__bmi__adjustment * (set_point - bmi[i])
            + (p.health__bmi__shock_sd * normal(k_bmi, pid))
        )
        # Chronic illness: no remission.
        if not chronic[i]:
            hazard = p.health__chronic__base_rate * exp(
                p.health__chronic__per_decade * (age - 45) / 10.0
                + p.health__chronic__obesity * (bmi[i] >= 28.0)
                + p.health__chronic__health_deficit * (0.8 - health[i])
                - p.health__chronic__support * support_gap
            )
            if uniform(k_chr, pid) < hazard:
                chronic[i] = 1


#: Oldest age of the base-year chronic-illness tables (older people read its last entry).
OLDEST_TABULATED = 120


@inline
def initial_chronic_prevalence(
    p: Params, table: np.ndarray, first_age: int, urban: bool, oldest: int, female: int = 0
) -> np.ndarray:
    """Share of the base-year stock living with a diagnosed chronic illness, by age 0..``oldest``.

    One table per sex and population, built once per chunk: the recursion below runs through
    the ages once.

    Up to 50 the prevalence grows with age as observed (``health.initial``). From 50 on it is
    what the yearly steps leave among the survivors, year by year of age: the onset hazard of
    the health step adds cases (:func:`typical_onset`: at the health and the share with
    obesity of a person of that age, sex and place), and death takes the chronically ill
    faster. Their relative risk is the demography module's ``chronic_rr``
    times that of the health capital the illness has cost them so far (the extra loss piles
    up year by year since onset and is recovered at the recovery rate; the pool's mean is
    followed), and deaths are renormalised to the life table ``table`` (one sex's death
    probabilities by age) as the demography step does. Without the deaths the stock of the old
    held more chronic illness than the steps keep (85-89: 80 % falling to 72 % in five frozen
    years), and the old got healthier year after year.
    """
    shares = np.empty(oldest + 1)
    p50 = p.health__initial__chronic_prevalence_50
    growth = p.health__chronic__per_decade / 10.0
    for age in range(min(50, oldest) + 1):
        shares[age] = p50 * exp(growth * (age - 50))
    access = p.health__initial__access_urban if urban else p.health__initial__access_rural
    rate = recovery_rate(p, access, 0.0, 0.0)
    extra_loss = p.health__depletion__chronic
    last_age = table.shape[0] - 1
    share = p50
    # Mean health capital the ill have lost to their illness, as if ill for about 1/rate years.
    lost = extra_loss / rate * (1.0 - (1.0 - rate) ** (1.0 / rate))
    settled = False  # no one left alive: the share stays where it was
    for x in range(50, oldest):
        if not settled:
            onset = typical_onset(p, x, urban, female)
            relative = p.demography__mortality__chronic_rr * exp(
                p.demography__mortality__health_log_rr * lost
            )
            q = table[min(max(0, x - first_age), last_age)]
            q_well = min(1.0, q / (1.0 + share * (relative - 1.0)))
            ill_alive = share * (1.0 - min(1.0, relative * q_well))
            well_alive = (1.0 - share) * (1.0 - q_well)
            if ill_alive + well_alive <= 0.0:
                settled = True
            else:
                new_cases = well_alive * onset
                if ill_alive + new_cases > 0.0:  # no one ill yet (a prevalence and onset of 0)
                    lost = (ill_alive * (lost * (1.0 - rate) + extra_loss)) / (
                        ill_alive + new_cases
                    )
                share = (ill_alive + new_cases) / (ill_alive + well_alive)
        shares[x + 1] = share
    return shares


@inline
def chronic_prevalence_tables(p: Params, qx: np.ndarray, first_age: int, urban: bool) -> np.ndarray:
    """``initial_chronic_prevalence`` for each sex (rows) of a population's life table."""
    tables = np.empty((2, OLDEST_TABULATED + 1))
    for sex in range(2):
        tables[sex] = initial_chronic_prevalence(
            p, qx[sex], first_age, urban, OLDEST_TABULATED, sex
        )
    return tables


@inline
def typical_onset(p: Params, age: int, urban: bool, female: int) -> float:
    """Yearly onset of chronic illness for a well person of this age, sex and place.

    The health step's hazard at the health of a typical person of the age
    (:func:`initial_steady_state`) and averaged over who is obese: BMI sits around its set
    point (section 7.2) with the spread of the set points and of the yearly shocks, so the
    share at 28 or more is a normal tail. Without them the start gave urban locals the onset of
    a person at the reference health, 0.8, where the steps see their better health (0.86 at
    70) and take fewer ill; their chronic illness at 50-69 fell 0.4-0.8 points a year under
    frozen conditions.
    """
    mean_bmi = (
        p.health__bmi__base_male
        - female * p.health__bmi__female_offset
        + p.health__bmi__per_decade * (min(age, 60) - 16) / 10.0
        + (p.health__bmi__urban_diet if urban else 0.0)
    )
    keep = 1.0 - p.health__bmi__adjustment
    spread = np.sqrt(
        p.health__bmi__set_point_sd**2 + p.health__bmi__shock_sd**2 / (1.0 - keep * keep)
    )
    obese = 0.5 * math.erfc((28.0 - mean_bmi) / (spread * np.sqrt(2.0)))
    deficit = 0.8 - initial_steady_state(p, age, 0.0, urban)
    hazard = p.health__chronic__base_rate * exp(
        p.health__chronic__per_decade * (age - 45) / 10.0
        + p.health__chronic__health_deficit * deficit
        - p.health__chronic__support * (typical_support(p, age, urban) - home_support(p))
    )
    return min(1.0, hazard * (1.0 + obese * (exp(p.health__chronic__obesity) - 1.0)))


@init_kernel
def _init(  # type: ignore[no-untyped-def]
    first_pid, start, seed, p, birth_year, female, status, health, mental, bmi, chronic,
    first_urban_pid, first_age, qx, qx_urban, frailty_z, health_shifts,
):  # fmt: skip
    k2 = permanent_key(seed, STREAM_INITIAL_MENTAL)
    k3 = permanent_key(seed, STREAM_INITIAL_CHRONIC)
    rural_chronic = chronic_prevalence_tables(p, qx, first_age, False)
    urban_chronic = chronic_prevalence_tables(p, qx_urban, first_age, True)
    for i in range(status.size):
        if status[i] == DEAD:
            continue
        pid = first_pid + i
        # State at age 16 for later entrants, in the start year for the base-year stock.
        age = max(16, start - birth_year[i])
        urban = pid >= first_urban_pid
        # The base-year stock: the survivors' frailty (frailty_z, :func:`surviving_frailty`),
        # and the survivors' share of the yearly shocks (0 at 16).
        selected = survivors_shift(health_shifts, urban, female[i], age)
        health[i] = min(
            1.0,
            max(0.05, initial_health_draw_of(p, seed, pid, age, urban, frailty_z[i]) + selected),
        )
        # Mental health near the target of a person without migration stress; the steady start
        # settles the base-year stock on each person's own target once support and jobs exist.
        mental[i] = clip01(
            mental_disposition(p, mental_trait(seed, pid), female[i], age)
            + mental_stationary_sd(p) * normal(k2, pid)
        )
        bmi[i] = (
            p.health__bmi__base_male
            - female[i] * p.health__bmi__female_offset
            + p.health__bmi__per_decade * (min(age, 60) - 16) / 10.0
            + (p.health__bmi__urban_diet if urban else 0.0)
            + p.health__bmi__set_point_sd * normal(permanent_key(seed, STREAM_BMI_SET), pid)
        )
        prevalence = urban_chronic if urban else rural_chronic
        if uniform(k3, pid) < prevalence[female[i], min(age, OLDEST_TABULATED)]:
            chronic[i] = 1


class Health(Module):
    """Physical health capital, mental health, BMI and chronic illness."""

    name = "health"
    seed_sections = ("3.1", "3.2", "3.3")
    summary = (
        "deplete physical health by age, overwork and hazardous jobs, restore it with "
        "care that insurance affords; move mental health with support, discrimination, "
        "early-mobility stress, money and family separation; BMI and chronic illness"
    )
    states = (
        StateSpec("chronic", "int8", "health", "1 if a chronic illness has been diagnosed"),
        StateSpec(
            "health", "float32", "health", "physical health capital (1 = full health)", "index 0-1"
        ),
        StateSpec("mental", "float32", "health", "mental health (1 = no distress)", "index 0-1"),
        StateSpec("bmi", "float32", "health", "body-mass index", "kg/m2"),
    )
    init_kernels = (_init,)
    step_kernels = (_step,)
    writes = ("health", "mental", "bmi", "chronic")
    # The base-year stock's chronic illness is what the life table's deaths leave.
    arguments: ClassVar[Mapping[str, Argument]] = {
        "first_age": first_life_table_age,
        "qx": rural_qx,
        "qx_urban": urban_qx,
        # The yearly step's permanent draws, drawn once per chunk (engine/permanent.py).
        "frailty_z": surviving_frailties,
        "health_shifts": survivors_health_shifts,
        "mental_trait_z": permanent_normals(STREAM_MENTAL_TRAIT),
        "bmi_set_z": permanent_normals(STREAM_BMI_SET),
        "household_income": household_incomes,
    }
    parameters = (
        "health",
        "demography.mortality",
        "demography.marriage",
        "social.support",
        "social.ties",
        "social.origin",
        "care",
        "integration",
        # Who is a household dependant (derived.household_dependant) turns on the urban
        # retirement age, for the money worries of converts past it.
        "labor.urban.retirement_age",
        "policy.fair_employment",
        "policy.management",
        "policy.public_services",
        "policy.return_entrepreneurship",
    )

"""Demography: entry at 16, marriage, and death by age, sex and health (seed section 1).

Rural-hukou people die with the rural-scaled life table, the urban-local reference sample with
the national one.

Mortality reproduces the national (rural-scaled) life table on average: each person's death
probability is the table's ``qx`` times a relative risk of poor health, chronic illness and
depression,
divided by the mean relative risk of the chunk's people of the same sex and ten-year age group,
so health redistributes deaths without changing their number.

Those mean relative risks (the renormalisation factors) are kept as the chunk's record
``mortality_factors``. A scenario run can hold them fixed at the baseline's
(``RunConfig.fixed_mortality_factors``; ``compare`` does): with common random numbers, its
deaths then rise and fall with its people's health against the baseline's, while the baseline
itself stays on the life table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from migrant_health.engine.binding import Argument
from migrant_health.engine.codes import (
    DEAD,
    EV_DIED,
    EV_ENTERED,
    FAMILY_SINGLE,
    FAMILY_TOGETHER,
    NOT_ENTERED,
    RURAL_STAYER,
    URBAN_LOCAL,
)
from migrant_health.engine.context import Params, RunContext
from migrant_health.engine.fast_exp import exp
from migrant_health.engine.jit import init_kernel, inline, kernel
from migrant_health.engine.module import Module
from migrant_health.engine.permanent import work_array
from migrant_health.engine.population import (
    MORTALITY_FACTOR_CELLS,
    MORTALITY_FACTORS,
    Chunk,
    StateSpec,
)
from migrant_health.engine.random import permanent_key, stream, uniform, year_key

STREAM_DEATH = stream("demography.death")
STREAM_MARRIAGE = stream("demography.marriage")
STREAM_MARRIED_AT_START = stream("demography.married_at_start")
N_MORTALITY_GROUPS = MORTALITY_FACTOR_CELLS[2]  # ten-year age groups 16-25, 26-35, ..., 96+
NOT_FIXED = np.full((2, 2, N_MORTALITY_GROUPS), np.nan)  # every cell renormalised in the chunk


@inline
def relative_risk(p: Params, health: float, chronic: int, mental: float) -> float:
    """Mortality relative risk of a health deficit, of chronic illness and of depression.

    Depression is the latent state below the screening cut-off (``health.depression``), so
    the risk follows the lasting state, not one year's answer to a questionnaire; without it
    the depressed survived as long as anyone of their health and illness.
    """
    rr = exp(
        p.demography__mortality__health_log_rr
        * (p.demography__mortality__reference_health - health)
    )
    if chronic:
        rr *= p.demography__mortality__chronic_rr
    if mental < p.health__depression__threshold:
        rr *= p.demography__mortality__depression_rr
    return rr


@kernel
def _step(  # type: ignore[no-untyped-def]
    first_pid, first_urban_pid, year, first_age, seed, p, qx, qx_urban, birth_year, female,
    status, family, health, chronic, mental, event, prior_status, mortality_factors,
    fixed_factors, risk,
):  # fmt: skip
    n = status.size
    # Mean relative risks by population (rural hukou, urban locals), sex and age group.
    rr_sum = np.zeros((2, 2, N_MORTALITY_GROUPS))
    rr_n = np.zeros((2, 2, N_MORTALITY_GROUPS))
    k_marry = year_key(seed, STREAM_MARRIAGE, year)
    for i in range(n):
        event[i] = 0
        prior_status[i] = status[i]
        age = year - birth_year[i]
        if status[i] == NOT_ENTERED and age == 16:
            status[i] = URBAN_LOCAL if first_pid + i >= first_urban_pid else RURAL_STAYER
            event[i] = EV_ENTERED
            prior_status[i] = status[i]
        if status[i] == NOT_ENTERED or status[i] == DEAD:
            continue
        g = min((age - 16) // 10, N_MORTALITY_GROUPS - 1)
        town = 1 if first_pid + i >= first_urban_pid else 0
        # Kept for the deaths below (health, chronic illness and mental health do not change
        # in between).
        risk[i] = relative_risk(p, health[i], chronic[i], mental[i])
        rr_sum[town, female[i], g] += risk[i]
        rr_n[town, female[i], g] += 1.0
        # Marriage: a yearly hazard for the unmarried from age 20 (family separation is
        # decided by migration; a new couple at origin lives together).
        if family[i] == FAMILY_SINGLE and age >= p.demography__marriage__min_age:
            if uniform(k_marry, first_pid + i) < p.demography__marriage__hazard:
                family[i] = FAMILY_TOGETHER
    # The year's renormalisation factors, recorded; a fixed factor (from the baseline of a
    # comparison) replaces the chunk's own wherever the baseline had people in the cell.
    mean_rr = np.empty((2, 2, N_MORTALITY_GROUPS))
    for town in range(2):
        for sex in range(2):
            for g in range(N_MORTALITY_GROUPS):
                own = rr_sum[town, sex, g] / rr_n[town, sex, g] if rr_n[town, sex, g] else np.nan
                mortality_factors[town, sex, g] = own
                fixed = fixed_factors[town, sex, g]
                mean_rr[town, sex, g] = own if np.isnan(fixed) else fixed
    k_death = year_key(seed, STREAM_DEATH, year)
    last_age = qx.shape[1] - 1
    for i in range(n):
        if status[i] == NOT_ENTERED or status[i] == DEAD:
            continue
        age = year - birth_year[i]
        g = min((age - 16) // 10, N_MORTALITY_GROUPS - 1)
        town = 1 if first_pid + i >= first_urban_pid else 0
        table = qx_urban if town else qx
        q = table[female[i], min(age - first_age, last_age)] * risk[i]
        if uniform(k_death, first_pid + i) < min(1.0, q / mean_rr[town, female[i], g]):
            status[i] = DEAD
            event[i] |= EV_DIED


@init_kernel
def _init(first_pid, start, seed, p, birth_year, status, family):  # type: ignore[no-untyped-def]
    k = permanent_key(seed, STREAM_MARRIED_AT_START)
    for i in range(status.size):
        if status[i] == DEAD:
            continue
        # Everyone's marital status at 16 is single; the base-year stock is married as the
        # yearly hazard would have married them by now (one chance a year from the minimum
        # age), so the share married by age does not drift when the steps take over.
        years = start - birth_year[i] - p.demography__marriage__min_age
        if (
            years > 0
            and uniform(k, first_pid + i) < 1.0 - (1.0 - p.demography__marriage__hazard) ** years
        ):
            family[i] = FAMILY_TOGETHER


def _mortality_factors(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """Where the kernel records the year's renormalisation factors (the chunk's record)."""
    record = chunk.records.get(MORTALITY_FACTORS)
    if record is None:
        shape = (len(ctx.years), 2, 2, N_MORTALITY_GROUPS)
        record = chunk.records[MORTALITY_FACTORS] = np.full(shape, np.nan)
    return record[year - ctx.start]


def _fixed_factors(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """The factors held fixed for this chunk and year, or NaN (the chunk's own) if none."""
    fixed = ctx.fixed_records.get(MORTALITY_FACTORS)
    if fixed is None:
        return NOT_FIXED
    return fixed[chunk.index, year - ctx.start]


def first_life_table_age(chunk: Chunk, ctx: RunContext, year: int) -> int:
    """First age of the life tables."""
    return int(ctx.demography.ages[0])


def rural_qx(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """The year's rural death probabilities by sex and age."""
    return ctx.demography.qx[ctx.demography.year_index(year)]


def urban_qx(chunk: Chunk, ctx: RunContext, year: int) -> np.ndarray:
    """The year's national death probabilities by sex and age (urban locals)."""
    return ctx.demography.qx_national[ctx.demography.year_index(year)]


class Demography(Module):
    """Entry at 16, marriage, ageing and death."""

    name = "demography"
    seed_sections = ("1",)
    summary = (
        "enter cohorts turning 16; marry; die with the rural (urban locals: national) life "
        "table, risks redistributed by health, chronic illness and depression"
    )
    states = (
        StateSpec(
            "family",
            "int8",
            "demography",
            "0 unmarried, 1 married with the spouse apart, 2 married and living with the spouse",
        ),
    )
    scratch = (StateSpec("prior_status", "int8", "demography", "status at the start of the year"),)
    init_kernels = (_init,)
    step_kernels = (_step,)
    writes = ("status", "family", "event", "prior_status")
    parameters = ("demography", "health.depression")
    arguments: ClassVar[Mapping[str, Argument]] = {
        "first_age": first_life_table_age,
        "mortality_factors": _mortality_factors,
        "fixed_factors": _fixed_factors,
        "qx": rural_qx,
        "qx_urban": urban_qx,
        # Each living person's relative risk, computed once a year for both passes.
        "risk": work_array("demography.relative_risk"),
    }

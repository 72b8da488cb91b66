"""The reduced model written as this engine writes a module: Numba kernels over column arrays.

As in ``engine/run.py``, the population is cut into chunks of independent agents; each chunk is
allocated as one compact NumPy column per state, initialised by one kernel and taken through
every year by a step kernel, then reduced to its sums. Every draw is the engine's counter-based
draw (``engine/random.py``): a pure function of (seed, stream, year, person id), so the result
does not depend on the chunk size or order. One chunk's columns (about 1.5 MB at 100,000
agents) stay in the processor's cache from one year to the next.
"""

from __future__ import annotations

import time

import numpy as np

from migrant_health.engine.jit import kernel
from migrant_health.engine.random import (
    clip01,
    logistic,
    normal,
    permanent_key,
    stream_key,
    uniform,
    year_key,
)

from .reduced_model import ReducedModel, Summary

# The benchmark's own streams. ``stream_key`` (not ``stream``, which registers the name for the
# model's uniqueness check) keeps them out of the model's registry: they are not the model's.
AGE = stream_key("peers.age")
SEX = stream_key("peers.sex")
FRAILTY = stream_key("peers.frailty")
HEALTH = stream_key("peers.health")
MOVE = stream_key("peers.move")
DEATH = stream_key("peers.death")

# Agents per chunk, as the engine's default chunk (1000 communities of 100).
CHUNK = 100_000


@kernel
def initialise(  # type: ignore[no-untyped-def]
    age, male, health, in_city, years_in_city, integration, alive, first_pid, seed, c,
):  # fmt: skip
    """The starting population (docs/performance.md, rule 0)."""
    k_age = permanent_key(seed, AGE)
    k_sex = permanent_key(seed, SEX)
    k_frailty = permanent_key(seed, FRAILTY)
    span = c.last_age - c.first_age + 1.0
    for i in range(age.size):
        pid = first_pid + i
        a = c.first_age + np.floor(span * uniform(k_age, pid))
        age[i] = a
        male[i] = uniform(k_sex, pid) < c.male_share
        health[i] = clip01(0.95 - 0.006 * (a - c.first_age) - 0.15 * uniform(k_frailty, pid))
        in_city[i] = False
        years_in_city[i] = 0
        integration[i] = 0.0
        alive[i] = True


@kernel
def step(  # type: ignore[no-untyped-def]
    age, male, health, in_city, years_in_city, integration, alive, first_pid, year, seed, c,
    hazard_by_age,
):  # fmt: skip
    """One year of rules 1-5 for every living agent of a chunk; returns the agent-years.

    ``hazard_by_age[a]`` is rule 5's age factor ``death_base * exp(death_age * (a - 16))``,
    tabulated once per run as the engine tabulates its life tables.
    """
    k_health = year_key(seed, HEALTH, year)
    k_move = year_key(seed, MOVE, year)
    k_death = year_key(seed, DEATH, year)
    lived = 0
    for i in range(age.size):
        if not alive[i]:
            continue
        lived += 1
        pid = first_pid + i
        a = age[i] + 1  # rule 1
        age[i] = a
        city = in_city[i]
        integ = integration[i]
        support = integ if city else c.origin_support  # rule 2
        h = (
            health[i]
            - (c.decline + c.decline_age * max(a - 40.0, 0.0))
            + (c.support_effect * support + c.noise_sd * normal(k_health, pid))
        )
        if city:
            h -= c.overwork
        h = clip01(h)
        health[i] = h
        u = uniform(k_move, pid)
        if not city:  # rule 3
            if a <= c.last_working_age:
                if u < logistic(c.migrate_base + c.migrate_health * (h - 0.5)):
                    in_city[i] = True
                    years_in_city[i] = 0
                    integration[i] = 0.0
        else:  # rule 4
            integ += c.integration_rate * (1.0 - integ)
            x = c.return_base + c.return_health * (1.0 - h) - c.return_integration * integ
            if u < logistic(x):
                in_city[i] = False
                years_in_city[i] = 0
                integration[i] = 0.0
            else:
                years_in_city[i] += 1
                integration[i] = integ
        hazard = hazard_by_age[a] * (1.0 + c.death_health * (1.0 - h))  # rule 5
        if male[i]:
            hazard *= c.death_male
        if uniform(k_death, pid) < hazard:
            alive[i] = False
    return lived


@kernel
def sums(health, in_city, alive):  # type: ignore[no-untyped-def]
    """Living agents, those in the city, and the sum and sum of squares of their health."""
    n = 0
    city = 0
    s = 0.0
    s2 = 0.0
    for i in range(health.size):
        if alive[i]:
            n += 1
            city += in_city[i]
            h = float(health[i])
            s += h
            s2 += h * h
    return n, city, s, s2


def simulate_engine(
    model: ReducedModel, agents: int, years: int, seed: int, chunk: int = CHUNK
) -> Summary:
    """Run the reduced model over ``agents`` agents for ``years`` years, chunk after chunk.

    Args:
        model: The reduced model's parameters.
        agents: Agents to simulate.
        years: Years to simulate.
        seed: The run's seed (any non-negative integer).
        chunk: Agents per chunk; the results do not depend on it (draws are keyed by person).

    Returns:
        The run's summary, summed over chunks.
    """
    c = model.coefficients()
    key = np.uint64(seed)
    ages = np.arange(model.last_age + years + 2)
    hazard_by_age = model.death_base * np.exp(model.death_age * (ages - model.first_age))
    agent_years = alive_total = city_total = 0
    health_sum = health_sq_sum = 0.0
    for first in range(0, agents, chunk):
        n = min(chunk, agents - first)
        age = np.empty(n, np.int16)
        male = np.empty(n, np.bool_)
        health = np.empty(n, np.float32)
        in_city = np.empty(n, np.bool_)
        years_in_city = np.empty(n, np.int16)
        integration = np.empty(n, np.float32)
        alive = np.empty(n, np.bool_)
        columns = (age, male, health, in_city, years_in_city, integration, alive)
        initialise(*columns, first, key, c)
        for year in range(1, years + 1):
            agent_years += step(*columns, first, year, key, c, hazard_by_age)
        n_alive, n_city, s, s2 = sums(health, in_city, alive)
        alive_total += n_alive
        city_total += n_city
        health_sum += s
        health_sq_sum += s2
    return Summary(agents, years, agent_years, alive_total, city_total, health_sum, health_sq_sum)


@kernel
def _draws_only(n, years, seed):  # type: ignore[no-untyped-def]
    total = 0.0
    for year in range(1, years + 1):
        k_health = year_key(seed, HEALTH, year)
        k_move = year_key(seed, MOVE, year)
        k_death = year_key(seed, DEATH, year)
        for pid in range(n):
            total += normal(k_health, pid) + uniform(k_move, pid) + uniform(k_death, pid)
    return total


def draw_floor_rate(agents: int = 1_000_000, years: int = 5) -> float:
    """Agent-years per second of the draws alone: the year's three draws and nothing else.

    The step kernel makes one normal and two uniform counter-based draws per agent-year; this
    loop makes the same draws and sums them, so its rate bounds the step kernel's from above
    whatever the memory system allows.
    """
    _draws_only(10, 1, np.uint64(1))
    began = time.perf_counter()
    _draws_only(agents, years, np.uint64(1))
    return agents * years / (time.perf_counter() - began)

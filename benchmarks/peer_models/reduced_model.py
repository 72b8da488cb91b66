"""The reduced model of the peer benchmark: its parameters, its summary and a NumPy reference.

The rules are written out once, as numbered equations, in docs/performance.md ("Peer
benchmark"); every implementation (this engine, Mesa, mesa-frames, Starsim) cites them by
number. Each year, for every living agent, in this order:

1. ageing: ``age += 1``;
2. health: ``h += -(decline + decline_age * max(age - 40, 0)) - overwork * in_city
   + support_effect * support + noise_sd * eps``, with ``eps ~ N(0, 1)``, ``support`` the
   integration in the city and ``origin_support`` at origin, then clipped to [0, 1];
3. at origin and of working age (16-50): out-migration with probability
   ``logistic(migrate_base + migrate_health * (h - 0.5))`` (healthy-migrant selection); a
   migrant starts with no years in the city and no integration;
4. in the city: ``years_in_city += 1``, ``integration += integration_rate * (1 - integration)``,
   then return with probability ``logistic(return_base + return_health * (1 - h)
   - return_integration * integration)`` (salmon bias, held back by integration); a returnee
   loses years in the city and integration;
5. death with probability ``min(1, death_base * exp(death_age * (age - 16))
   * (1 + death_health * (1 - h)) * (death_male if male else 1))``.

At the start every agent is at origin: ``age = 16 + floor(45 u)``, male with probability
``male_share``, ``h = clip(0.95 - 0.006 (age - 16) - 0.15 u')``. Agent-years count the agents
alive at the start of each year. Each engine draws its own random numbers, as its framework
recommends; the implementations agree in distribution, which :func:`agree` checks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np


@dataclass(frozen=True)
class ReducedModel:
    """Parameters of the reduced model (rules 1-5 of docs/performance.md, "Peer benchmark")."""

    first_age: int = 16
    last_age: int = 60
    male_share: float = 0.6
    decline: float = 0.004
    decline_age: float = 0.0008
    overwork: float = 0.012
    origin_support: float = 0.4
    support_effect: float = 0.01
    noise_sd: float = 0.03
    last_working_age: int = 50
    migrate_base: float = -3.0
    migrate_health: float = 3.0
    integration_rate: float = 0.12
    return_base: float = -3.0
    return_health: float = 3.0
    return_integration: float = 2.0
    death_base: float = 0.0005
    death_age: float = 0.08
    death_health: float = 2.0
    death_male: float = 1.4

    def coefficients(self) -> Coefficients:
        """The parameters as a typed tuple, which Numba kernels take as one argument."""
        return Coefficients(**{k: float(v) for k, v in asdict(self).items()})


class Coefficients(NamedTuple):
    """:class:`ReducedModel` as floats (a Numba kernel's argument)."""

    first_age: float
    last_age: float
    male_share: float
    decline: float
    decline_age: float
    overwork: float
    origin_support: float
    support_effect: float
    noise_sd: float
    last_working_age: float
    migrate_base: float
    migrate_health: float
    integration_rate: float
    return_base: float
    return_health: float
    return_integration: float
    death_base: float
    death_age: float
    death_health: float
    death_male: float


# Bytes of state one agent carries in this engine's columns: age (int16), sex (int8), health
# (float32), in the city (bool), years in the city (int16), integration (float32), alive (bool).
STATE_BYTES = 2 + 1 + 4 + 1 + 2 + 4 + 1


@dataclass(frozen=True)
class Summary:
    """What a run of the reduced model ends with, for the statistical check across engines."""

    agents: int
    years: int
    agent_years: int
    alive: int
    in_city: int
    health_sum: float
    health_sq_sum: float

    @property
    def share_in_city(self) -> float:
        """Share of the living agents who live in the city after the last year."""
        return self.in_city / self.alive

    @property
    def mean_health(self) -> float:
        """Mean health of the living agents after the last year."""
        return self.health_sum / self.alive

    @property
    def share_alive(self) -> float:
        """Share of the starting agents still alive after the last year."""
        return self.alive / self.agents

    def standard_errors(self) -> dict[str, float]:
        """Sampling standard errors of the three checked statistics."""
        p, q, n = self.share_in_city, self.share_alive, self.alive
        variance = max(self.health_sq_sum / n - self.mean_health**2, 0.0)
        return {
            "share_in_city": math.sqrt(p * (1 - p) / n),
            "mean_health": math.sqrt(variance / n),
            "share_alive": math.sqrt(q * (1 - q) / self.agents),
        }

    def statistics(self) -> dict[str, float]:
        """The three checked statistics by name."""
        return {
            "share_in_city": self.share_in_city,
            "mean_health": self.mean_health,
            "share_alive": self.share_alive,
        }


def z_scores(a: Summary, b: Summary) -> dict[str, float]:
    """Differences of two independent runs' statistics in units of their standard error."""
    sa, sb = a.standard_errors(), b.standard_errors()
    va, vb = a.statistics(), b.statistics()
    return {k: (va[k] - vb[k]) / math.sqrt(sa[k] ** 2 + sb[k] ** 2) for k in va}


# Four standard errors: with three statistics per comparison, an implementation of the same
# rules fails the check about once in 5,000 comparisons; a wrong rule fails it at 10^5 agents.
AGREEMENT_Z = 4.0


def agree(a: Summary, b: Summary, z: float = AGREEMENT_Z) -> bool:
    """Whether two runs agree within sampling error on every checked statistic."""
    return all(abs(v) < z for v in z_scores(a, b).values())


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function of an array."""
    return 1.0 / (1.0 + np.exp(-x))


def simulate_numpy(model: ReducedModel, agents: int, years: int, seed: int) -> Summary:
    """The reference: rules 1-5 as whole-array NumPy expressions, NumPy's own generator.

    Written for clarity, not speed: every rule is one or two array expressions over all agents
    (dead agents are masked), so it can be read against the equations.
    """
    m = model
    rng = np.random.default_rng(seed)
    age = m.first_age + np.floor((m.last_age - m.first_age + 1) * rng.random(agents))
    male = rng.random(agents) < m.male_share
    health = np.clip(0.95 - 0.006 * (age - m.first_age) - 0.15 * rng.random(agents), 0, 1)
    in_city = np.zeros(agents, dtype=bool)
    years_in_city = np.zeros(agents)
    integration = np.zeros(agents)
    alive = np.ones(agents, dtype=bool)
    agent_years = 0
    for _ in range(years):
        agent_years += int(alive.sum())
        age = np.where(alive, age + 1, age)  # rule 1
        support = np.where(in_city, integration, m.origin_support)  # rule 2
        change = (
            -(m.decline + m.decline_age * np.maximum(age - 40, 0))
            - m.overwork * in_city
            + m.support_effect * support
            + m.noise_sd * rng.standard_normal(agents)
        )
        health = np.where(alive, np.clip(health + change, 0, 1), health)
        u = rng.random(agents)
        p_migrate = logistic(m.migrate_base + m.migrate_health * (health - 0.5))  # rule 3
        migrates = alive & ~in_city & (age <= m.last_working_age) & (u < p_migrate)
        stays = alive & in_city  # rule 4
        years_in_city = np.where(stays, years_in_city + 1, years_in_city)
        integration = np.where(
            stays, integration + m.integration_rate * (1 - integration), integration
        )
        p_return = logistic(
            m.return_base + m.return_health * (1 - health) - m.return_integration * integration
        )
        returns = stays & (u < p_return)
        in_city = (in_city | migrates) & ~returns
        years_in_city = np.where(migrates | returns, 0, years_in_city)
        integration = np.where(migrates | returns, 0.0, integration)
        p_death = np.minimum(  # rule 5
            1.0,
            m.death_base
            * np.exp(m.death_age * (age - m.first_age))
            * (1 + m.death_health * (1 - health))
            * np.where(male, m.death_male, 1.0),
        )
        alive &= rng.random(agents) >= p_death
    return Summary(
        agents=agents,
        years=years,
        agent_years=agent_years,
        alive=int(alive.sum()),
        in_city=int((alive & in_city).sum()),
        health_sum=float(health[alive].sum()),
        health_sq_sum=float((health[alive] ** 2).sum()),
    )

"""The reduced model in Starsim: one module with array states and Starsim's own distributions.

Written as Starsim's own modules are written (``starsim/diseases.py``'s ``NCD`` and ``SIR``,
``starsim/demographics.py``'s ``Deaths``): a ``ss.Module`` subclass declares its parameters with
``define_pars`` and its per-agent states with ``define_states`` (``ss.FloatArr``,
``ss.BoolState``), sets initial values in ``init_post``, and in ``step`` works on arrays of
agent ids (``uids``). Decisions are ``ss.bernoulli`` distributions whose probability is a
function of the module's states, drawn with ``.filter(uids)``; the health noise is an
``ss.normal``. Starsim's distributions are common-random-number safe (each agent's draw depends
on its slot and the distribution's own seed). Deaths go through ``people.request_death``;
Starsim resolves them after the modules have run and drops the dead from the active agents.
People age by ``dt`` at the end of each step (``use_aging=True``), so during a step
``people.age + 1`` is the age reached this year (rule 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import starsim as ss

from .reduced_model import ReducedModel, Summary


def _logistic(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-x))


class MigrantHealth(ss.Module):
    """Health, migration, integration, return and death (rules 1-5 of docs/performance.md)."""

    def __init__(self, params: ReducedModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.define_pars(model=params)
        m = params
        self.define_states(
            ss.BoolState("male", default=ss.bernoulli(p=m.male_share)),
            ss.FloatArr("health", default=0.0),
            ss.BoolState("in_city", default=False),
            ss.FloatArr("years_in_city", default=0.0),
            ss.FloatArr("integration", default=0.0),
        )
        self.start_age = ss.random()
        self.frailty = ss.random()
        self.noise = ss.normal(loc=0.0, scale=1.0)
        self.migrates = ss.bernoulli(p=self._p_migrate)
        self.returns = ss.bernoulli(p=self._p_return)
        self.dies = ss.bernoulli(p=self._p_death)
        self.agent_years = 0

    def init_post(self) -> None:
        """Rule 0: starting ages and health."""
        super().init_post()
        m = self.pars.model
        people = self.sim.people
        uids = people.auids
        span = m.last_age - m.first_age + 1
        age = m.first_age + np.floor(span * self.start_age.rvs(uids))
        people.age[uids] = age
        self.health[uids] = np.clip(
            0.95 - 0.006 * (age - m.first_age) - 0.15 * self.frailty.rvs(uids), 0.0, 1.0
        )

    @staticmethod
    def _p_migrate(self: MigrantHealth, sim: ss.Sim, uids: ss.uids) -> np.ndarray:
        m = self.pars.model
        return _logistic(m.migrate_base + m.migrate_health * (self.health[uids] - 0.5))

    @staticmethod
    def _p_return(self: MigrantHealth, sim: ss.Sim, uids: ss.uids) -> np.ndarray:
        m = self.pars.model
        x = (
            m.return_base
            + m.return_health * (1.0 - self.health[uids])
            - m.return_integration * self.integration[uids]
        )
        return _logistic(x)

    @staticmethod
    def _p_death(self: MigrantHealth, sim: ss.Sim, uids: ss.uids) -> np.ndarray:
        m = self.pars.model
        age = sim.people.age[uids] + 1.0
        hazard = (
            m.death_base
            * np.exp(m.death_age * (age - m.first_age))
            * (1.0 + m.death_health * (1.0 - self.health[uids]))
            * np.where(self.male[uids], m.death_male, 1.0)
        )
        return np.minimum(hazard, 1.0)

    def step(self) -> None:
        """One year for every living agent."""
        m = self.pars.model
        people = self.sim.people
        uids = people.auids
        self.agent_years += len(uids)
        age = people.age[uids] + 1.0  # rule 1 (Starsim ages everyone after the step)
        in_city = self.in_city[uids]
        support = np.where(in_city, self.integration[uids], m.origin_support)  # rule 2
        change = (
            -(m.decline + m.decline_age * np.maximum(age - 40.0, 0.0))
            - m.overwork * in_city
            + m.support_effect * support
            + m.noise_sd * self.noise.rvs(uids)
        )
        self.health[uids] = np.clip(self.health[uids] + change, 0.0, 1.0)
        at_origin = uids[~in_city & (age <= m.last_working_age)]  # rule 3
        in_the_city = uids[in_city]  # rule 4
        self.years_in_city[in_the_city] += 1.0
        self.integration[in_the_city] += m.integration_rate * (1.0 - self.integration[in_the_city])
        migrants = self.migrates.filter(at_origin)
        returnees = self.returns.filter(in_the_city)
        self.in_city[migrants] = True
        self.in_city[returnees] = False
        movers = migrants.concatenate(returnees)
        self.years_in_city[movers] = 0.0
        self.integration[movers] = 0.0
        people.request_death(self.dies.filter(uids))  # rule 5


def simulate_starsim(model: ReducedModel, agents: int, years: int, seed: int) -> Summary:
    """Run the reduced model in Starsim and summarise it."""
    module = MigrantHealth(model, name="migrant_health")
    sim = ss.Sim(
        n_agents=agents,
        start=0,
        stop=years - 1,  # Starsim's time vector includes both ends: years steps
        dt=1,
        rand_seed=seed,
        use_aging=True,
        custom=module,
        copy_inputs=False,
        verbose=0,
    )
    sim.run()
    uids = sim.people.auids
    health = np.asarray(module.health[uids], dtype=float)
    return Summary(
        agents=agents,
        years=years,
        agent_years=module.agent_years,
        alive=len(uids),
        in_city=int(np.count_nonzero(module.in_city[uids])),
        health_sum=float(health.sum()),
        health_sq_sum=float((health * health).sum()),
    )

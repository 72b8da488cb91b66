"""The reduced model in Mesa 3: one Python object per agent, stepped through the AgentSet API.

Written as Mesa's own examples write a model (``mesa/examples``: the Boltzmann wealth model,
wolf-sheep): an ``Agent`` subclass holds its state as attributes and has a ``step`` method; the
``Model`` creates the agents with ``Agent.create_agents`` and steps them with
``self.agents.do("step")``; random numbers come from the model's ``self.random`` (Python's
``random.Random``, seeded by the model), and a dying agent calls ``self.remove()``, as the
wolf-sheep example does. The agents do not interact, so the order of activation does not matter:
``do`` rather than the examples' ``shuffle_do`` spares Mesa a shuffle per year.
"""

from __future__ import annotations

import math
from typing import Any, cast

import mesa

from .reduced_model import ReducedModel, Summary


class Migrant(mesa.Agent):
    """A rural migrant worker (rules 1-5 of docs/performance.md, "Peer benchmark")."""

    def __init__(self, model: MigrationModel) -> None:
        super().__init__(model)
        m = model.params
        rng = model.random
        self.age = m.first_age + math.floor((m.last_age - m.first_age + 1) * rng.random())
        self.male = rng.random() < m.male_share
        frailty = rng.random()
        self.health = min(1.0, max(0.0, 0.95 - 0.006 * (self.age - m.first_age) - 0.15 * frailty))
        self.in_city = False
        self.years_in_city = 0
        self.integration = 0.0

    def step(self) -> None:
        """One year of the agent's life."""
        m = cast(MigrationModel, self.model).params
        rng = self.random
        self.age += 1  # rule 1
        support = self.integration if self.in_city else m.origin_support  # rule 2
        h = (
            self.health
            - (m.decline + m.decline_age * max(self.age - 40, 0))
            - (m.overwork if self.in_city else 0.0)
            + m.support_effect * support
            + m.noise_sd * rng.gauss(0.0, 1.0)
        )
        self.health = h = min(1.0, max(0.0, h))
        u = rng.random()
        if not self.in_city:  # rule 3
            if self.age <= m.last_working_age:
                x = m.migrate_base + m.migrate_health * (h - 0.5)
                if u < 1.0 / (1.0 + math.exp(-x)):
                    self.in_city = True
                    self.years_in_city = 0
                    self.integration = 0.0
        else:  # rule 4
            self.years_in_city += 1
            self.integration += m.integration_rate * (1.0 - self.integration)
            x = (
                m.return_base
                + m.return_health * (1.0 - h)
                - m.return_integration * self.integration
            )
            if u < 1.0 / (1.0 + math.exp(-x)):
                self.in_city = False
                self.years_in_city = 0
                self.integration = 0.0
        hazard = m.death_base * math.exp(m.death_age * (self.age - m.first_age))  # rule 5
        hazard *= (1.0 + m.death_health * (1.0 - h)) * (m.death_male if self.male else 1.0)
        if rng.random() < hazard:
            self.remove()


class MigrationModel(mesa.Model):
    """The population of migrants, stepped one year at a time."""

    def __init__(self, params: ReducedModel, agents: int, seed: int) -> None:
        super().__init__(seed=seed)
        self.params = params
        self.agent_years = 0
        Migrant.create_agents(self, agents)

    def step(self) -> None:
        """One year: every living agent steps."""
        self.agent_years += len(self.agents)
        self.agents.do("step")


def simulate_mesa(model: ReducedModel, agents: int, years: int, seed: int) -> Summary:
    """Run the reduced model in Mesa and summarise it."""
    world = MigrationModel(model, agents, seed)
    for _ in range(years):
        world.step()
    living: Any = world.agents
    health = [a.health for a in living]
    return Summary(
        agents=agents,
        years=years,
        agent_years=world.agent_years,
        alive=len(health),
        in_city=sum(1 for a in living if a.in_city),
        health_sum=math.fsum(health),
        health_sq_sum=math.fsum(h * h for h in health),
    )

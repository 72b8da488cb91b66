"""The reduced model in mesa-frames: agents as rows of a Polars DataFrame, rules as expressions.

Written as mesa-frames' own documentation writes a model (the module docstrings of
``mesa_frames``, ``mesa_frames.concrete.polars.agentset`` and ``mesa_frames.concrete.model``):
an ``AgentSetPolars`` subclass adds its agents as a ``pl.DataFrame`` with a ``unique_id``
column and steps them with ``self.agents = self.agents.with_columns(...)``; the ``ModelDF``
steps its agent sets. Random numbers come from the model's NumPy generator
(``ModelDF.random``), drawn as whole columns. Each year is one chain of ``with_columns`` calls
(Polars evaluates the expressions of one call in parallel, the chain once), then one ``filter``
that drops the dead (the ``agents`` setter of the public API; ``discard(ids)`` would also
rebuild the set's activity mask by a join on every id, which this model does not use).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl
from mesa_frames import AgentSetPolars, ModelDF

from .reduced_model import ReducedModel, Summary


def _logistic(x: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-x).exp())


class Migrants(AgentSetPolars):
    """Rural migrant workers as rows (rules 1-5 of docs/performance.md, "Peer benchmark")."""

    agents: pl.DataFrame  # the set's property (for type checkers without mesa-frames)

    def __init__(self, model: MigrationModelDF, agents: int) -> None:
        super().__init__(model)
        m = model.params
        rng = model.random
        age = m.first_age + np.floor((m.last_age - m.first_age + 1) * rng.random(agents))
        frailty = rng.random(agents)
        self.add(
            pl.DataFrame(
                {
                    "unique_id": pl.Series(np.arange(agents, dtype=np.int64)),
                    "age": pl.Series(age, dtype=pl.Int16),
                    "male": rng.random(agents) < m.male_share,
                    "health": np.clip(0.95 - 0.006 * (age - m.first_age) - 0.15 * frailty, 0, 1),
                    "in_city": np.zeros(agents, dtype=bool),
                    "years_in_city": pl.Series(np.zeros(agents, dtype=np.int16)),
                    "integration": np.zeros(agents),
                }
            )
        )

    def step(self) -> None:
        """One year of every agent's life, as Polars expressions over the columns."""
        model = cast(MigrationModelDF, self.model)
        m, rng = model.params, model.random
        frame: pl.DataFrame = self.agents
        n = frame.height
        age, health = pl.col("age"), pl.col("health")
        in_city, integration = pl.col("in_city"), pl.col("integration")
        support = pl.when(in_city).then(integration).otherwise(m.origin_support)
        change = (
            -(m.decline + m.decline_age * (age - 40).clip(lower_bound=0))
            - m.overwork * in_city.cast(pl.Float64)
            + m.support_effect * support
            + m.noise_sd * pl.lit(pl.Series(rng.standard_normal(n)))
        )
        grown = integration + m.integration_rate * (1.0 - integration)
        u = pl.lit(pl.Series(rng.random(n)))
        migrates = (
            ~in_city
            & (age <= m.last_working_age)
            & (u < _logistic(m.migrate_base + m.migrate_health * (health - 0.5)))
        )
        returns = in_city & (
            u
            < _logistic(
                m.return_base + m.return_health * (1.0 - health) - m.return_integration * grown
            )
        )
        hazard = (
            m.death_base
            * (m.death_age * (age - m.first_age)).exp()
            * (1.0 + m.death_health * (1.0 - health))
            * pl.when(pl.col("male")).then(m.death_male).otherwise(1.0)
        )
        self.agents = (
            frame.with_columns(age=age + 1)  # rule 1
            .with_columns(health=(health + change).clip(0.0, 1.0))  # rule 2
            .with_columns(
                migrates=migrates, returns=returns, dies=pl.lit(pl.Series(rng.random(n))) < hazard
            )
            .with_columns(  # rules 3 and 4
                in_city=(in_city | pl.col("migrates")) & ~pl.col("returns"),
                years_in_city=pl.when(pl.col("migrates") | pl.col("returns"))
                .then(0)
                .when(in_city)
                .then(pl.col("years_in_city") + 1)
                .otherwise(pl.col("years_in_city"))
                .cast(pl.Int16),
                integration=pl.when(pl.col("migrates") | pl.col("returns"))
                .then(0.0)
                .when(in_city)
                .then(grown)
                .otherwise(integration),
            )
            .filter(~pl.col("dies"))  # rule 5
            .drop("migrates", "returns", "dies")
        )


class MigrationModelDF(ModelDF):
    """The population of migrants, stepped one year at a time."""

    def __init__(self, params: ReducedModel, agents: int, seed: int) -> None:
        super().__init__(seed=seed)
        self.params = params
        self.agent_years = 0
        self.agents += Migrants(self, agents)

    def step(self) -> None:
        """One year: every agent set steps."""
        self.agent_years += len(self.agents)
        self.agents.step()


def simulate_mesa_frames(model: ReducedModel, agents: int, years: int, seed: int) -> Summary:
    """Run the reduced model in mesa-frames and summarise it."""
    world = MigrationModelDF(model, agents, seed)
    for _ in range(years):
        world.step()
    frame = world.get_agents_of_type(Migrants).agents
    health = frame["health"]
    return Summary(
        agents=agents,
        years=years,
        agent_years=world.agent_years,
        alive=frame.height,
        in_city=int(frame["in_city"].sum()),
        health_sum=float(health.sum()),
        health_sq_sum=float((health * health).sum()),
    )

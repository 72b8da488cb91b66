"""People as columns: the states of one chunk as compact NumPy arrays.

A chunk holds whole origin communities (villages) of a fixed number of agents, including the
entrants of later years (preallocated with status ``not_entered``) and, in its own communities,
agents of the urban-local reference sample. Arrays are sized once for the whole run; nobody is
deleted (``status == DEAD`` masks the dead).

Derivable states are not stored: self-rated health, depressive symptoms, the social integration
score, the composite index, stage, living type and phase are computed from stored states when
needed (:mod:`migrant_health.engine.derived`). Per-year transients (hours, income, spending,
events) live in *scratch* arrays of the chunk that every year overwrites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class StateSpec:
    """A state column: its name, dtype, the module that writes it, and its meaning."""

    name: str
    dtype: str
    owner: str
    description: str
    unit: str = "1"


# States of the population itself, set by population synthesis; each module declares the states
# it owns (``Module.states``, ``Module.scratch``) and the plan puts them together.
POPULATION_STATES: tuple[StateSpec, ...] = (
    StateSpec("birth_year", "int16", "population", "year of birth", "year"),
    StateSpec("female", "int8", "population", "1 if female"),
    StateSpec(
        "education",
        "int8",
        "population",
        "0 none, 1 primary, 2 junior high, 3 senior high or vocational, 4 college and above",
    ),
    StateSpec(
        "origin_region",
        "int8",
        "population",
        "0 east, 1 central, 2 west (of the origin community; of the city for urban locals)",
    ),
)
POPULATION_SCRATCH: tuple[StateSpec, ...] = (
    StateSpec("event", "uint16", "population", "bit flags of this year's events (codes.EV_*)"),
)


#: Name of the chunk record of mortality renormalisation factors (modules.demography).
MORTALITY_FACTORS = "mortality_factors"
#: Cells of one chunk-year of mortality factors: population (rural hukou, urban locals), sex,
#: ten-year age group 16-25, 26-35, ..., 96+.
MORTALITY_FACTOR_CELLS = (2, 2, 9)


@dataclass
class Chunk:
    """States of one chunk of whole communities.

    Attributes:
        index: Chunk number.
        first_pid: Person id of the first agent; agent ``i`` has pid ``first_pid + i``.
        size: Number of agents (a multiple of the community size).
        weight: Persons each agent represents, per agent (rural agents and the urban-local
            reference sample differ).
        arrays: State name -> array.
        scratch: Scratch name -> array, overwritten every year.
        accumulator: ``(years, cells, stats)`` sums of the chunk's statistics.
        records: Per-year arrays a module keeps about the chunk as a whole (name -> array
            with the years first), handed back with the chunk's result: the mortality
            renormalisation factors (:mod:`migrant_health.modules.demography`).
        kept: Arrays kept for the chunk's lifetime, made the first time a kernel asks for
            them: permanent per-person draws and work arrays
            (:mod:`migrant_health.engine.permanent`).
    """

    index: int
    first_pid: int
    size: int
    weight: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    scratch: dict[str, np.ndarray] = field(default_factory=dict)
    accumulator: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    records: dict[str, np.ndarray] = field(default_factory=dict)
    kept: dict[tuple[object, ...], np.ndarray] = field(default_factory=dict)

    @classmethod
    def allocate(
        cls,
        index: int,
        first_pid: int,
        size: int,
        states: Sequence[StateSpec],
        scratch_columns: Sequence[StateSpec],
    ) -> Chunk:
        """Zeroed arrays for every state and scratch column of a plan."""
        arrays = {s.name: np.zeros(size, dtype=s.dtype) for s in states}
        scratch = {s.name: np.zeros(size, dtype=s.dtype) for s in scratch_columns}
        return cls(index, first_pid, size, np.zeros(size, np.float32), arrays, scratch)

    def __getattr__(self, name: str) -> np.ndarray:
        # Attribute access to columns keeps module code short: ``chunk.health``.
        for store in ("arrays", "scratch"):
            columns = self.__dict__.get(store, {})
            if name in columns:
                return columns[name]
        raise AttributeError(name)

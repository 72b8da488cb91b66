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


STATES: tuple[StateSpec, ...] = (
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
    StateSpec(
        "status",
        "int8",
        "migration",
        "where the person lives and which hukou (codes.STATUS_LABELS)",
    ),
    StateSpec("job", "int8", "labor", "0 none, 1 farm, 2 non-farm informal, 3 non-farm formal"),
    StateSpec("city_tier", "int8", "migration", "tier 1-4 of the destination city, 0 at origin"),
    StateSpec("cross_province", "int8", "migration", "1 if the destination is in another province"),
    StateSpec(
        "years_in_city",
        "int8",
        "migration",
        "years in the destination in the current spell",
        "years",
    ),
    StateSpec("migrations", "int8", "migration", "number of out-migration spells begun"),
    StateSpec(
        "family",
        "int8",
        "demography",
        "0 unmarried, 1 married with family apart, 2 married with family together",
    ),
    StateSpec("chronic", "int8", "health", "1 if a chronic illness has been diagnosed"),
    StateSpec(
        "insurance", "int8", "care", "medical insurance scheme and place (codes.INSURANCE_LABELS)"
    ),
    StateSpec(
        "health", "float32", "health", "physical health capital (1 = full health)", "index 0-1"
    ),
    StateSpec("mental", "float32", "health", "mental health (1 = no distress)", "index 0-1"),
    StateSpec("bmi", "float32", "health", "body-mass index", "kg/m2"),
    StateSpec(
        "savings",
        "float32",
        "labor",
        "savings in months of the year's mean out-migrant income",
        "months of income",
    ),
    StateSpec(
        "local_ties", "float32", "social", "ties with locals in the destination", "index 0-1"
    ),
    StateSpec(
        "origin_network",
        "float32",
        "social",
        "strength of the origin (kin and village) network reachable for support",
        "index 0-1",
    ),
    StateSpec(
        "economic",
        "float32",
        "labor",
        "economic integration: stable employment, income, housing",
        "index 0-1",
    ),
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

SCRATCH: tuple[StateSpec, ...] = (
    StateSpec(
        "income", "float32", "labor", "monthly income this year (0 if not earning)", "CNY/month"
    ),
    StateSpec("hours", "float32", "labor", "usual weekly working hours this year", "hours/week"),
    StateSpec("oop", "float32", "care", "out-of-pocket medical spending this year", "CNY/year"),
    StateSpec("support", "float32", "social", "social support this year", "index 0-1"),
    StateSpec("event", "uint16", "all", "bit flags of this year's events (codes.EV_*)"),
    StateSpec("prior_status", "int8", "demography", "status at the start of the year"),
)


def bytes_per_agent() -> int:
    """Bytes of stored state per agent (scratch excluded: it is per chunk, reused yearly)."""
    return sum(np.dtype(s.dtype).itemsize for s in STATES)


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
    """

    index: int
    first_pid: int
    size: int
    weight: np.ndarray
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    scratch: dict[str, np.ndarray] = field(default_factory=dict)
    accumulator: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))

    @classmethod
    def allocate(cls, index: int, first_pid: int, size: int) -> Chunk:
        """Zeroed arrays for every state and scratch column."""
        arrays = {s.name: np.zeros(size, dtype=s.dtype) for s in STATES}
        scratch = {s.name: np.zeros(size, dtype=s.dtype) for s in SCRATCH}
        return cls(index, first_pid, size, np.zeros(size, np.float32), arrays, scratch)

    def __getattr__(self, name: str) -> np.ndarray:
        # Attribute access to columns keeps module code short: ``chunk.health``.
        for store in ("arrays", "scratch"):
            columns = self.__dict__.get(store, {})
            if name in columns:
                return columns[name]
        raise AttributeError(name)

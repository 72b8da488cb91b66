"""What every module sees besides the chunk: the run's years, seed, parameters and data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migrant_health.data import Demography
from migrant_health.params import ParameterTree

# The parameter record a kernel receives: a NumPy structured scalar whose fields are parameter
# paths with ``__`` for ``.``. Typed as Any because its fields are only known at run time.
Params = Any


def field_name(path: str) -> str:
    """Field of the parameter record for a parameter path (dots become double underscores)."""
    return path.replace(".", "__")


#: Field of the parameter record holding the year of the conditions (see compile_parameters).
CONDITIONS_YEAR = "conditions_year"


def compile_parameters(tree: ParameterTree, years: range) -> np.ndarray:
    """All parameters as a structured array with one record per year.

    A kernel receives the record of its year and reads ``p.health__depletion__overwork``; the
    field name is the parameter path with ``__`` for ``.``, so every number in a kernel can be
    traced to its YAML entry.
    """
    columns = {path: tree.resolve(path, years) for path in tree.paths()}
    dtype = np.dtype(
        [
            (field_name(path), "f8", values.shape[1:])
            if values.ndim > 1
            else (field_name(path), "f8")
            for path, values in columns.items()
        ]
        # Not a parameter: the year whose conditions (calendar trends, the COVID-19 year)
        # apply. It is the record's own year, and stays the base year when a run freezes the
        # conditions (``RunConfig.frozen`` copies the first record into every year).
        + [(CONDITIONS_YEAR, "f8")]
    )
    records = np.zeros(len(years), dtype=dtype)
    for path, values in columns.items():
        records[field_name(path)] = values
    records[CONDITIONS_YEAR] = np.asarray(years, dtype=np.float64)
    return records


@dataclass(frozen=True)
class RunContext:
    """Read-only inputs of a run, shared by all chunks.

    Attributes:
        seed: Run seed.
        start: First simulated year (states are initialised for its start).
        end: Last simulated year.
        scale: Persons represented by one rural-hukou agent.
        urban_scale: Persons represented by one agent of the urban-local reference sample.
        community_size: Agents per origin community.
        first_urban_pid: First person id of the urban-local reference sample.
        tree: Resolved parameter tree (scenario applied).
        params: Structured parameter records, one per year from ``start`` to ``end``.
        demography: Demographic inputs (population, entrants, mortality, conversions).
        fixed_records: Chunk records held fixed from a reference run (name -> array with
            chunks first, then years): see ``RunConfig.fixed_mortality_factors``.
    """

    seed: int
    start: int
    end: int
    scale: float
    urban_scale: float
    community_size: int
    first_urban_pid: int
    tree: ParameterTree
    params: np.ndarray
    demography: Demography
    fixed_records: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def years(self) -> range:
        """Simulated years."""
        return range(self.start, self.end + 1)

    def record(self, year: int) -> np.void:
        """The parameter record of ``year``."""
        return self.params[year - self.start]

    @property
    def seed64(self) -> np.uint64:
        """The seed as an unsigned 64-bit key."""
        return np.uint64(self.seed & 0xFFFFFFFFFFFFFFFF)

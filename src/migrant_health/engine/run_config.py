"""A run's settings (:class:`RunConfig`) and the range of chunks it simulates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from migrant_health.arguments import is_whole_number
from migrant_health.errors import RunConfigError
from migrant_health.params import Scenario
from migrant_health.setting_names import on_the_command_line, setting


@dataclass(frozen=True)
class RunConfig:
    """Settings of one run.

    Attributes:
        start: First year reported (the simulation always starts from the base year of the
            data, 2008; earlier years are burn-in when ``start`` is later).
        end: Last simulated year (at most the last year of the demographic data, 2035).
        scale: Persons represented by one rural-hukou agent.
        urban_scale: Persons per agent of the urban-local reference sample (default 10 x scale).
        seed: Seed of every random stream.
        workers: Processes running chunks (1 = in this process).
        communities_per_chunk: Communities per chunk (fixed; results do not depend on workers).
        community_size: Agents per origin community.
        snapshot_years: Years whose agent-level sample is kept.
        snapshot_fraction: Share of people in the snapshot sample.
        scenario: Parameter overrides, or ``None`` for the baseline.
        frozen: Keep the base year's conditions in every year: its parameters (wage index,
            insurance roll-out, policy), the calendar trends (``p.conditions_year`` stays the
            base year), life tables and hukou conversion rate. People still age and cohorts
            still enter. For checking that the start is a steady state.
        fixed_mortality_factors: Mortality renormalisation factors held fixed, taken from a
            reference run (its ``RunResult.mortality_factors``) with the same seed, scale,
            chunks and years. ``None`` (the default): every run renormalises its deaths to the
            life table, so health moves deaths between people but not their number. Given: a
            scenario's health gains and losses change its deaths (docs/model.md, section 7).
            A run of a chunk range takes the full run's array (it reads its own chunks' rows,
            and keeps them in ``RunResult.fixed_factor_rows``, so that :func:`combine_parts`
            gives the combined run the whole array back).
        chunks: Simulate only the chunks ``first`` to ``stop - 1`` (half-open, as a Python
            slice: ``(0, 4000)`` and ``(4000, 8000)`` split 8,000 chunks in two); ``None``: all.
            The parts' exact sums add up to the whole run bit for bit
            (:func:`combine_parts`).
    """

    start: int = 2008
    end: int = 2035
    scale: float = 1000.0
    urban_scale: float | None = None
    seed: int = 1
    workers: int = 1
    communities_per_chunk: int = 1000
    community_size: int = 100
    snapshot_years: tuple[int, ...] = ()
    snapshot_fraction: float = 0.05
    scenario: Scenario | None = None
    frozen: bool = False
    # Left out of comparisons and of the printed form: an array, possibly large.
    fixed_mortality_factors: np.ndarray | None = field(default=None, compare=False, repr=False)
    chunks: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        # At construction, before anything compares or copies the settings (small runs compare
        # the scale before any validation).
        self._check_types()

    def check_seeds(self, runs: int = 1) -> None:
        """Refuse a seed outside the 64-bit range seeds live in, or whose ``runs`` consecutive
        runs (``seed`` to ``seed + runs - 1``, the replicates of a comparison or a fit) leave it.

        Raises:
            RunConfigError: naming the seeds the runs would use and the largest seed allowed.
        """
        seed = int(self.seed)  # a numpy uint64 would wrap around instead of passing 2^64
        last = seed + runs - 1
        if not 0 <= seed < 2**64:
            raise RunConfigError(
                f"{setting('seed', seed)} is outside [0, 2^64 - 1]: give a whole number in that "
                "range (seeds are 64-bit; a larger one would silently repeat a smaller one's run)"
            )
        if last >= 2**64:
            raise RunConfigError(
                f"{setting('seed', seed)}: its {runs} runs would use seeds {seed} to {last}, past "
                f"2^64 - 1; give a seed of at most {2**64 - runs}"
            )

    def _check_types(self) -> None:
        """Refuse settings of the wrong kind from Python callers (the CLI parses its own).

        Without it, ``scenario="fair_employment"`` failed deep in the run with an
        ``AttributeError`` and ``end="2020"`` with a ``TypeError``.
        """
        for name in ("start", "end", "seed", "workers", "communities_per_chunk", "community_size"):
            value = getattr(self, name)
            if not is_whole_number(value):
                raise RunConfigError(
                    f"RunConfig({name}={value!r}): {name} must be a whole number, not "
                    f"{type(value).__name__}"
                )
        for name, what in (
            ("scale", "a number of persons per agent"),
            ("urban_scale", "a number of persons per agent, or None (10 x scale)"),
            ("snapshot_fraction", "a share in (0, 1]"),
        ):
            value = getattr(self, name)
            if not _is_number(value) and not (name == "urban_scale" and value is None):
                raise RunConfigError(f"RunConfig({name}={value!r}): {name} must be {what}")
        if not isinstance(self.frozen, bool | np.bool_):
            # Any object is true or false to Python: frozen="no" had run a frozen model.
            raise RunConfigError(f"RunConfig(frozen={self.frozen!r}): frozen must be True or False")
        given = self.snapshot_years
        # Any collection of whole years (a tuple, a list, a range, a NumPy array), not text.
        years = (
            tuple(given)
            if isinstance(given, Iterable) and not isinstance(given, str | bytes)
            else None
        )
        if years is None or not all(is_whole_number(y) for y in years):
            raise RunConfigError(
                f"RunConfig(snapshot_years={given!r}): snapshot_years must be a tuple of whole "
                "years, such as (2010,) or (2010, 2020)"
            )
        object.__setattr__(self, "snapshot_years", tuple(int(y) for y in years))
        chunks = self.chunks
        if chunks is not None and not (
            isinstance(chunks, tuple | list)
            and len(chunks) == 2
            and all(is_whole_number(c) for c in chunks)
        ):
            raise RunConfigError(
                f"RunConfig(chunks={chunks!r}): chunks must be None or a pair (first, stop) of "
                "whole numbers, the chunks first to stop - 1, such as (0, 4)"
            )
        if chunks is not None:
            object.__setattr__(self, "chunks", (int(chunks[0]), int(chunks[1])))
        if self.scenario is not None and not isinstance(self.scenario, Scenario):
            hint = (
                f"; for a shipped scenario or a YAML file use scenario=resolve_scenario("
                f"{self.scenario!r}) (from migrant_health.scenarios import resolve_scenario)"
                if isinstance(self.scenario, str | Path)
                else ""
            )
            raise RunConfigError(
                f"RunConfig(scenario={self.scenario!r}): scenario must be a Scenario or None{hint}"
            )

    def validate(self, first_year: int, last_year: int) -> None:
        """Raise :class:`RunConfigError` for impossible settings, saying what is allowed."""
        if not first_year <= self.start <= last_year:
            raise RunConfigError(
                f"{setting('start', self.start)} is outside the data's years "
                f"[{first_year}, {last_year}]"
            )
        if first_year <= self.end <= last_year and self.start > self.end:
            raise RunConfigError(
                f"{setting('start', self.start)} is after {setting('end', self.end)}: the first "
                "year reported must not follow the last year simulated "
                f"(both in [{first_year}, {last_year}])"
            )
        if not self.start <= self.end <= last_year:
            raise RunConfigError(
                f"{setting('end', self.end)} must lie in [{self.start}, {last_year}] "
                f"(from {setting('start')} to the last year of the demographic data)"
            )
        if not np.isfinite(self.scale):
            raise RunConfigError(
                f"{setting('scale', self.scale)} is not a number of persons per agent: give a "
                "finite number, at least 1 (1 for the national 1:1 run, 1000 by default)"
            )
        if self.scale < 1:
            raise RunConfigError(
                f"{setting('scale', self.scale)} must be at least 1 person per agent"
            )
        if self.urban_scale is not None and self.urban_scale < 1:
            raise RunConfigError(f"urban scale {self.urban_scale} must be at least 1")
        self.check_seeds()
        if self.workers < 1:
            # The command line's --workers 0 (every core) is resolved before a RunConfig is
            # made; in Python the count is given.
            raise RunConfigError(
                f"{setting('workers', self.workers)} must be at least 1 (the count of "
                "processes; migrant_health.engine.executors.default_workers() gives every "
                "available core)"
            )
        if self.community_size < 10 or self.communities_per_chunk < 1:
            raise RunConfigError(
                "community size must be >= 10 agents and chunks hold >= 1 community"
            )
        if not 0.0 < self.snapshot_fraction <= 1.0:
            raise RunConfigError(f"snapshot fraction {self.snapshot_fraction} must lie in (0, 1]")
        if self.chunks is not None:
            first, stop = self.chunks
            if not 0 <= first < stop:
                raise RunConfigError(
                    f"{_chunks(first, stop)} must be {_chunks_form()} with 0 <= A < B "
                    "(chunks A to B - 1)"
                )
        bad = [y for y in self.snapshot_years if not self.start <= y <= self.end]
        if bad:
            raise RunConfigError(
                f"{setting('snapshot_years', bad)} fall outside the run [{self.start}, {self.end}]"
            )


def _is_number(value: object) -> bool:
    """A real number: an int, a float or a NumPy number, not a bool or text."""
    return not isinstance(value, bool | np.bool_) and isinstance(value, int | float | np.number)


def _chunks(first: int, stop: int) -> str:
    """The chunk range as the user gave it: ``--chunks 3:5`` or ``chunks=(3, 5)``."""
    return setting("chunks", (first, stop), flag_value=f"{first}:{stop}")


def _chunks_form() -> str:
    """How a chunk range is written: ``A:B`` on the command line, ``(A, B)`` in Python."""
    return "A:B" if on_the_command_line() else "(A, B)"


def chunk_range(config: RunConfig, n_chunks: int) -> range:
    """The chunks a run simulates: ``config.chunks`` checked against the run's chunks, or all.

    Raises:
        RunConfigError: if the range does not lie within ``0 .. n_chunks``, naming the valid
            range.
    """
    if config.chunks is None:
        return range(n_chunks)
    first, stop = config.chunks
    if not 0 <= first < stop <= n_chunks:
        raise RunConfigError(
            f"{_chunks(first, stop)} does not fit this run: it has {n_chunks} chunk"
            f"{'s' if n_chunks != 1 else ''} (0 to {n_chunks - 1}), so give "
            f"{_chunks_form()} with 0 <= A < B <= {n_chunks} (chunks A to B - 1)"
        )
    return range(first, stop)


def parse_chunks(text: str) -> tuple[int, int]:
    """``A:B`` (as ``--chunks`` takes it) as ``(A, B)``; raises :class:`RunConfigError`."""
    first, sep, stop = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(first), int(stop)
    except ValueError:
        raise RunConfigError(
            f"--chunks '{text}' must be A:B, the chunks A to B - 1 (as a Python slice), "
            "such as 0:4000"
        ) from None

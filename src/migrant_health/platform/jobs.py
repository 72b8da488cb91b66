"""Comparison runs started from the scenario explorer: what may be asked for.

Bounded so that one user cannot exhaust the machine: shipped scenarios only, few replicates, a
coarse scale (many persons per agent, so few agents), years up to :data:`LAST_YEAR`, one job
per account at a time, and at most ``Settings.max_jobs`` running at once (others queue, up to
:data:`QUEUE` in all). The counts are rows of the database, so they hold across every server
process of a deployment (:mod:`.job_slots`); :mod:`.job_runner` runs the jobs, each in a thread
of the server process that admitted it, with one worker. Results go to
``<data dir>/comparisons/job-<id>``, where the explorer reads every comparison.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

from migrant_health.platform.errors import PlatformError
from migrant_health.platform.settings import Settings

LAST_YEAR = 2035
#: The earliest last year of a platform run (the simulation's start is earlier; a strategy's
#: first year, :func:`first_year`, bounds it further).
FIRST_END = 2010
MAX_REPLICATES = 5
QUEUE = 4
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class JobRequest:
    """What an analyst asked for."""

    scenario: str
    replicates: int
    end: int
    scale: float

    def describe(self) -> str:
        """The job's note on the explorer's page."""
        return f"{self.replicates} replicates to {self.end}"


def comparisons_dir(settings: Settings) -> Path:
    """Where the explorer's comparisons live."""
    return settings.data_dir / "comparisons"


@functools.cache
def first_year(scenario: str) -> int | None:
    """The first year in which the shipped ``scenario`` changes the model, as its overrides say
    (``{2025: ...}``); ``None`` if one of them holds from the start (or it has none)."""
    from migrant_health.scenarios.library import resolve_scenario

    years = list(resolve_scenario(scenario).first_years().values())
    if not years or any(y is None for y in years):
        return None
    return min(y for y in years if y is not None)


def earliest_end(scenarios: list[str]) -> int:
    """The earliest last year that shows a difference for some of ``scenarios`` (the form's
    lower bound)."""
    firsts = [first_year(s) for s in scenarios]
    return min((f if f is not None else FIRST_END) for f in firsts) if firsts else FIRST_END


def check_request(request: JobRequest, settings: Settings) -> None:
    """Refuse a request outside the bounds (see the module docstring).

    Raises:
        PlatformError: Naming the bound and the allowed values.
    """
    from migrant_health.scenarios.library import BASELINE, shipped_names

    names = [n for n in shipped_names() if n != BASELINE]
    if request.scenario not in names:
        raise PlatformError(f"unknown scenario '{request.scenario}'; one of {', '.join(names)}")
    if not 2 <= request.replicates <= MAX_REPLICATES:
        raise PlatformError(f"replicates must be 2 to {MAX_REPLICATES} on the platform")
    if not FIRST_END <= request.end <= LAST_YEAR:
        raise PlatformError(f"the last year must be {FIRST_END} to {LAST_YEAR}")
    first = first_year(request.scenario)
    if first is not None and request.end < first:
        raise PlatformError(
            f"{request.scenario} changes the model from {first} on, so a comparison that ends "
            f"in {request.end} shows no difference from the baseline: the last year must be "
            f"{first} to {LAST_YEAR}"
        )
    if not math.isfinite(request.scale) or request.scale < settings.min_job_scale:
        raise PlatformError(
            f"a platform run has at least {settings.min_job_scale:,.0f} persons per agent (so "
            "that one run cannot take the machine); run larger comparisons with "
            "`migrant-health compare`"
        )

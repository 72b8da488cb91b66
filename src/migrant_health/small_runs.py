"""Small settings for exercising every documented command quickly: ``MIGRANT_HEALTH_SMALL_RUNS``.

The documentation's commands and examples run in the test suite (``tests/test_docs_commands.py``)
exactly as written, with ``MIGRANT_HEALTH_SMALL_RUNS=1`` set. Then every simulation uses at
least :data:`SCALE` persons per agent, a calibration at most :data:`TRIALS` trials and no
replicate runs, and a synthetic survey at most :data:`RESPONDENTS` respondents per group, so a
national 2008-2035 run takes a second or two. The numbers are then meaningless; the commands,
their options, files and errors are what the setting lets a test check. Unset (or ``0``), it
changes nothing.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TypeVar

ENVIRONMENT_VARIABLE = "MIGRANT_HEALTH_SMALL_RUNS"
SCALE = 50_000.0  # persons per agent: about 20,000 agents for the national population
TRIALS = 2
RESPONDENTS = 300

T = TypeVar("T")


def active() -> bool:
    """Whether small settings are switched on."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "").strip() not in ("", "0")


def shrink_run(config: T) -> T:
    """A run configuration with at least :data:`SCALE` persons per agent when active.

    Args:
        config: A :class:`~migrant_health.engine.run_config.RunConfig` (any dataclass with
            ``scale``).
    """
    if not active() or getattr(config, "scale", SCALE) >= SCALE:
        return config
    return dataclasses.replace(config, scale=SCALE)  # type: ignore[type-var]


def shrink_count(value: int, limit: int) -> int:
    """``value``, capped at ``limit`` when active (trials, replicates, respondents)."""
    return min(value, limit) if active() else value

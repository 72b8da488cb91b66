"""Exceptions raised for bad input.

Every error the package raises for a user's mistake derives from :class:`MigrantHealthError`, so
the CLI can print its message (which says what is wrong, where and how to fix it) and exit with
status 2 without a traceback.
"""

from __future__ import annotations


class MigrantHealthError(Exception):
    """Base class of the package's user-facing errors."""


class ParameterError(MigrantHealthError, ValueError):
    """A parameter file, path or value is invalid."""


class ScenarioError(MigrantHealthError, ValueError):
    """A scenario file is malformed or overrides a parameter wrongly."""


class RunConfigError(MigrantHealthError, ValueError):
    """Run settings (years, scale, workers, output directory) are impossible."""


class DataError(MigrantHealthError, ValueError):
    """A data file shipped with or passed to the package is malformed."""


class StoreError(MigrantHealthError, ValueError):
    """The runs folder, its catalogue or a run id is wrong (unknown id, path outside, locked)."""


class PlanError(MigrantHealthError, TypeError):
    """A model plan is inconsistent: a kernel argument, state or metric names nothing known."""

"""migrant_health: urban integration and health of China's rural migrant workers.

A national microsimulation of rural-hukou adults from 2008 (health selection, salmon-bias
return, social support, heterogeneity, and the loop health -> employment -> income ->
integration), the seed paper's four policy strategies as parameter levers, and a survey
toolkit for CMDS-style microdata. Runs and comparisons are indexed in a DuckDB catalogue
(:func:`list_runs`, :func:`open_catalogue`); :func:`sensitivity` screens parameters
and levers with Morris or Sobol indices.
"""

from importlib import metadata as _metadata

from migrant_health.catalogue import list_runs, open_catalogue
from migrant_health.comparison import compare
from migrant_health.engine.run import RunConfig, RunResult
from migrant_health.errors import (
    DataError,
    MigrantHealthError,
    ParameterError,
    RunConfigError,
    ScenarioError,
    StoreError,
)
from migrant_health.model import simulate
from migrant_health.params import ParameterTree, Scenario, load_parameters
from migrant_health.sensitivity_analysis import sensitivity

try:
    __version__ = _metadata.version("migrant_health")
except _metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree, never installed
    __version__ = "0+unknown"

__all__ = [
    "DataError",
    "MigrantHealthError",
    "ParameterError",
    "ParameterTree",
    "RunConfig",
    "RunConfigError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "StoreError",
    "compare",
    "list_runs",
    "load_parameters",
    "open_catalogue",
    "sensitivity",
    "simulate",
]

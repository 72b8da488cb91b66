"""migrant_health: urban integration and health of China's rural migrant workers.

A national microsimulation of rural-hukou adults from 2008 (health selection, salmon-bias
return, social support, heterogeneity, and the loop health -> employment -> income ->
integration), the seed paper's four policy strategies as parameter levers, and a survey
toolkit for CMDS-style microdata. Runs and comparisons are indexed in a DuckDB catalogue
(:func:`list_runs`, :func:`open_catalogue`; :func:`save_run` and :func:`load_run` write and
read a run's folder); :func:`sensitivity` screens parameters
and levers with Morris or Sobol indices; :func:`write_report` writes the HTML report of a run or
a comparison.
"""

import typing

from migrant_health.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    __version__: str

    from migrant_health.catalogue import list_runs, open_catalogue
    from migrant_health.comparison import compare
    from migrant_health.engine.run import RunResult
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.errors import (
        DataError,
        MigrantHealthError,
        ParameterError,
        RunConfigError,
        ScenarioError,
        StoreError,
    )
    from migrant_health.model import metrics, simulate
    from migrant_health.params import ParameterTree, Scenario, load_parameters
    from migrant_health.reporting import write_report
    from migrant_health.sensitivity_analysis import sensitivity
    from migrant_health.store import load_run, save_run

# Loaded on first use (migrant_health/lazy.py): importing the package, as every start of the
# command line does, must not load pandas, Numba and DuckDB (seconds) for a name it may not use.
_export, _exported_names = _lazy_exports(
    __name__,
    {
        "list_runs": "catalogue",
        "open_catalogue": "catalogue",
        "compare": "comparison",
        "RunConfig": "engine.run_config",
        "RunResult": "engine.run",
        "DataError": "errors",
        "MigrantHealthError": "errors",
        "ParameterError": "errors",
        "RunConfigError": "errors",
        "ScenarioError": "errors",
        "StoreError": "errors",
        "simulate": "model",
        "metrics": "model",
        "ParameterTree": "params",
        "Scenario": "params",
        "load_parameters": "params",
        "write_report": "reporting",
        "sensitivity": "sensitivity_analysis",
        "save_run": "store",
        "load_run": "store",
    },
)


def _version() -> str:
    """The installed distribution's version (``0+unknown`` for a bare source tree)."""
    from importlib import metadata

    try:
        return metadata.version("migrant_health")
    except metadata.PackageNotFoundError:  # pragma: no cover - a bare source tree, never installed
        return "0+unknown"


def __getattr__(name: str) -> typing.Any:
    """A public name, or ``__version__``, imported on first use and kept (PEP 562)."""
    if name == "__version__":
        # Read on first use too: importing importlib.metadata alone costs a tenth of a second,
        # and only --version (and a run's record) needs it, not every start of the command line.
        globals()["__version__"] = version = _version()
        return version
    return _export(name)


def __dir__() -> list[str]:
    """The package's names, with those not yet imported."""
    return sorted({*_exported_names(), "__version__"})


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
    "load_run",
    "metrics",
    "open_catalogue",
    "save_run",
    "sensitivity",
    "simulate",
    "write_report",
]

"""Experiments on the microsimulation: calibration targets, fit, calibration, synthetic surveys.

- :mod:`~migrant_health.experiments.targets`: the documented mapping from calibration-target
  keys to model quantities, units, caveats and tolerances.
- :mod:`~migrant_health.experiments.fit`: the fit table of a run and the calibration objective.
- :mod:`~migrant_health.experiments.calibration`: Optuna calibration of the parameters marked
  ``calibrate: [low, high]`` in the parameter tree.
- :mod:`~migrant_health.experiments.synthetic_survey`: surveys drawn from a simulated population,
  in the schema of :mod:`migrant_health.survey`, to test the estimators on known mechanisms.
- :mod:`~migrant_health.experiments.agreement`: how alike a synthetic survey's integration index
  and the simulation classify the same people (Cohen's kappa, correlation, stage shares).
- :mod:`~migrant_health.experiments.associations`: published associations from survey
  regressions, estimated again on the simulated people (pattern-oriented validation).
"""

from __future__ import annotations

import typing

from migrant_health.lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from migrant_health.experiments.associations import (
        Association,
        associations_table,
        estimate_associations,
    )
    from migrant_health.experiments.fit import fit_summary, fit_table, objective
    from migrant_health.experiments.matching import (
        load_targets,
        match_targets,
        targets_from_run,
        write_targets,
    )
    from migrant_health.experiments.quantity import ModelRun, Quantity, replicate_se, simulate_cells
    from migrant_health.experiments.synthetic_survey import (
        MeasurementModel,
        draw_survey,
        synthesize_survey,
    )
    from migrant_health.experiments.targets import NOT_COMPARABLE, TARGET_MAP, TargetSpec

# Loaded on first use (migrant_health/lazy.py): importing one submodule must not load them all.
__getattr__, __dir__ = _lazy_exports(
    __name__,
    {
        "Association": "associations",
        "associations_table": "associations",
        "estimate_associations": "associations",
        "fit_summary": "fit",
        "fit_table": "fit",
        "objective": "fit",
        "load_targets": "matching",
        "match_targets": "matching",
        "targets_from_run": "matching",
        "write_targets": "matching",
        "ModelRun": "quantity",
        "Quantity": "quantity",
        "replicate_se": "quantity",
        "simulate_cells": "quantity",
        "MeasurementModel": "synthetic_survey",
        "draw_survey": "synthetic_survey",
        "synthesize_survey": "synthetic_survey",
        "NOT_COMPARABLE": "targets",
        "TARGET_MAP": "targets",
        "TargetSpec": "targets",
    },
)

__all__ = [
    "NOT_COMPARABLE",
    "TARGET_MAP",
    "Association",
    "MeasurementModel",
    "ModelRun",
    "Quantity",
    "TargetSpec",
    "associations_table",
    "draw_survey",
    "estimate_associations",
    "fit_summary",
    "fit_table",
    "load_targets",
    "match_targets",
    "objective",
    "replicate_se",
    "simulate_cells",
    "synthesize_survey",
    "targets_from_run",
    "write_targets",
]

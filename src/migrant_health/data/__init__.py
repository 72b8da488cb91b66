"""Package data: demographic inputs and calibration targets, with their loaders.

The CSV files in this folder are built by ``tools/build_demography.py`` from the shared data
folder and documented, with their sources and assumptions, in ``sources.yaml``. Importing this
package reads nothing; call :func:`load_demography` or :func:`load_calibration_targets`.
"""

from __future__ import annotations

from migrant_health.data.demography import (
    SEXES,
    TARGET_COLUMNS,
    Demography,
    load_calibration_targets,
    load_demography,
)

__all__ = [
    "SEXES",
    "TARGET_COLUMNS",
    "Demography",
    "load_calibration_targets",
    "load_demography",
]

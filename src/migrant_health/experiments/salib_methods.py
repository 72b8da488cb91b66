"""The two sensitivity methods, Morris and Sobol, as SALib samples them and analyses them.

This module knows nothing of the simulation: a *problem* is parameter names with bounds, a
sample is a matrix of inputs, and the analysis turns the outputs of those inputs into a tidy
table of indices. The simulation study (:mod:`migrant_health.experiments.sensitivity`) and the
test on an analytic function (the Ishigami function, whose Sobol indices are known) go through
the same two functions, :func:`sample_inputs` and :func:`analyze_outputs`.

- **Morris** (elementary effects; SALib ``sample.morris`` and ``analyze.morris``): ``N``
  trajectories of ``D + 1`` points on a grid of :data:`MORRIS_LEVELS` levels per parameter,
  each step moving one parameter by ``levels / (2 (levels - 1))`` of its range (2/3 with four
  levels). An elementary effect is the change of the output over that step divided by the step
  as a share of the range, so ``mu_star`` (mean absolute effect) reads as the change of the
  output across the parameter's whole sampled range, in the output's unit; ``sigma`` (their
  spread) says how much the effect depends on the other parameters (interactions,
  non-linearity); ``mu_star_conf`` is the half-width of a bootstrap 95 % interval of
  ``mu_star``. Cost: ``N (D + 1)`` runs.
- **Sobol** (variance decomposition; SALib ``sample.sobol``, Saltelli's scheme, and
  ``analyze.sobol``): ``N`` base points (a power of two), ``N (D + 2)`` runs. ``S1`` is the
  share of the output's variance due to the parameter alone, ``ST`` the share it takes part in
  with any interaction; each with the half-width of its bootstrap 95 % interval (``S1_conf``,
  ``ST_conf``). Second-order indices are not computed (they cost ``N D`` runs more).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from migrant_health.setting_names import setting

Method = Literal["morris", "sobol"]
METHODS: tuple[str, ...] = ("morris", "sobol")
#: Grid levels of Morris's design (SALib's default).
MORRIS_LEVELS = 4
#: Bootstrap resamples of the confidence intervals.
RESAMPLES = 100
CONFIDENCE = 0.95
#: The fewest trajectories (Morris) or base points (Sobol) a study may have: Morris's
#: ``sigma`` and its bootstrap need two trajectories; Sobol's estimators are pure noise below
#: eight base points.
MINIMUM_SAMPLES: dict[str, int] = {"morris": 2, "sobol": 8}
#: Index names per method, each with the column holding its confidence half-width.
INDEX_NAMES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "morris": (("mu_star", "mu_star_conf"), ("sigma", None), ("mu", None)),
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
}
INDEX_COLUMNS = ["output", "parameter", "index", "value", "conf"]


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """SALib's problem dictionary for parameters ``names`` with ``bounds``."""
    return {
        "num_vars": len(names),
        "names": list(names),
        "bounds": [[float(low), float(high)] for low, high in bounds],
    }


def runs_needed(method: str, samples: int, parameters: int) -> int:
    """Model evaluations of a study: ``N (D + 1)`` for Morris, ``N (D + 2)`` for Sobol."""
    return samples * (parameters + (1 if method == "morris" else 2))


def samples_problem(method: str, samples: int) -> str | None:
    """Why ``samples`` is too few (or not allowed) for ``method``, or ``None`` if it is fine."""
    least = MINIMUM_SAMPLES[method]
    if method == "morris" and samples < least:
        return (
            f"{setting('samples', samples)} is too few for Morris: it needs at least {least} "
            "trajectories (10 to 20 are usual)"
        )
    if method == "sobol" and (samples < least or samples & (samples - 1)):
        return (
            f"{setting('samples', samples)} does not fit Sobol: it must be a power of two, at "
            f"least {least} (Saltelli's scheme; 64 to 1024 are usual), such as "
            f"{max(least, 2 ** math.ceil(math.log2(max(samples, 1))))}"
        )
    return None


def sample_inputs(
    method: str, spec: dict[str, Any], samples: int, seed: int, levels: int = MORRIS_LEVELS
) -> np.ndarray:
    """The input matrix of a study: one row per model evaluation, one column per parameter.

    Args:
        method: ``morris`` or ``sobol``.
        spec: The problem (:func:`problem`).
        samples: Trajectories (Morris) or base points (Sobol).
        seed: Seed of the design.
        levels: Grid levels (Morris only).
    """
    # SALib (and the SciPy it loads) is imported when a study runs, not with the command line.
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method == "morris":
        return np.asarray(morris_sample.sample(spec, samples, num_levels=levels, seed=seed))
    return np.asarray(sobol_sample.sample(spec, samples, calc_second_order=False, seed=seed))


def analyze_outputs(
    method: str,
    spec: dict[str, Any],
    inputs: np.ndarray,
    outputs: pd.DataFrame,
    seed: int,
    levels: int = MORRIS_LEVELS,
) -> pd.DataFrame:
    """Sensitivity indices of every output column, as a tidy table.

    Args:
        method: ``morris`` or ``sobol``.
        spec: The problem the inputs were sampled for.
        inputs: The input matrix (:func:`sample_inputs`).
        outputs: One column per output, one row per input row.
        seed: Seed of the bootstrap of the confidence intervals.
        levels: Grid levels (Morris only).

    Returns:
        Columns ``output, parameter, index, value, conf``: one row per output, parameter and
        index (:data:`INDEX_NAMES`); ``conf`` is the half-width of the 95 % interval, NaN for
        an index without one. An output that is undefined in some run (NaN, an empty group)
        gets NaN indices.
    """
    rows: list[tuple[str, str, str, float, float]] = []
    for output in outputs.columns:
        y = outputs[output].to_numpy(dtype=np.float64)
        found = _analyze_one(method, spec, inputs, y, seed, levels) if np.isfinite(y).all() else {}
        for k, name in enumerate(spec["names"]):
            for index, conf in INDEX_NAMES[method]:
                value = float(found[index][k]) if found else math.nan
                width = float(found[conf][k]) if found and conf is not None else math.nan
                rows.append((str(output), name, index, value, width))
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def _analyze_one(
    method: str, spec: dict[str, Any], x: np.ndarray, y: np.ndarray, seed: int, levels: int
) -> Any:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    with warnings.catch_warnings():
        # A constant output (a parameter set that cannot move it) makes Sobol divide 0 by 0;
        # its indices are NaN, which is the honest answer, and the warning adds nothing.
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "morris":
            return morris_analyze.analyze(
                spec,
                x,
                y,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                num_levels=levels,
                seed=seed,
            )
        return sobol_analyze.analyze(
            spec,
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            seed=seed,
        )

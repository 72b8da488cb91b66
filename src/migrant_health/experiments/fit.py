"""How well a run fits the calibration targets: the fit table and the calibration objective.

The fit table has one row per compared target (a key in a year, or a range) with the target
and the model value *in the target's units* (10,000 persons, %, CNY/month, ...), their
difference, the tolerance (see :mod:`migrant_health.experiments.targets`) and whether the
difference lies within it. The objective of calibration is the weighted mean of the squared
errors in units of tolerance::

    J = sum_k w_k * (error_k / tolerance_k)^2 / sum_k w_k

where each target series (key) weighs its :attr:`TargetSpec.weight` in total (1, or 0.5 for
the literature's stay intentions and CMDS index levels and the 2008 age bands), shared among
its years, derived (``approximate``) rows half as much as ``confirmed`` ones. A target the run
cannot produce (a zero denominator) adds :data:`MISSING_PENALTY`. ``J <= 1`` means that, on
average, the model is within tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from migrant_health.experiments.matching import MatchedTargets, match_targets, model_values
from migrant_health.experiments.quantity import CellRun

#: Squared standardised error charged for a target the model cannot evaluate in a run.
MISSING_PENALTY = 25.0

FIT_COLUMNS: tuple[str, ...] = (
    "key",
    "year",
    "observed",
    "model",
    "error",
    "tolerance",
    "pass",
    "unit",
    "model_year",
    "observed_low",
    "observed_high",
    "se",
    "z",
    "weight",
    "kind",
    "quantity",
    "confidence",
    "caveat",
    "lines",
)


def fit_table(
    result: CellRun,
    targets: pd.DataFrame | MatchedTargets,
    se: pd.DataFrame | None = None,
    tolerances: pd.Series | None = None,
) -> pd.DataFrame:
    """Compare a run with calibration targets.

    Args:
        result: A :class:`~migrant_health.RunResult` or a
            :class:`~migrant_health.experiments.quantity.ModelRun`.
        targets: Targets as loaded by :func:`~migrant_health.experiments.targets.load_targets`
            (or ``load_calibration_targets``), or already matched.
        se: Optional replicate standard errors (``name, year, se``) replacing the analytic
            ones (see :func:`~migrant_health.experiments.quantity.replicate_se`).
        tolerances: Optional fixed tolerances in model units, one per comparison in order
            (calibration fixes them before the first trial); by default they are computed from
            this run's standard errors.

    Returns:
        One row per comparison whose model year the run covers, with columns
        :data:`FIT_COLUMNS`: ``observed``, ``model``, ``error``, ``tolerance``, ``se`` and the
        range ends in the target's units; ``error`` is model minus target (0 inside a range);
        ``z = error / tolerance``; ``pass`` is ``|error| <= tolerance`` (False when the model
        value is undefined); ``lines``: the lines of the targets file the comparison comes
        from, separated by spaces (row positions + 2 for a frame without a ``line`` column).
    """
    matched = targets if isinstance(targets, MatchedTargets) else match_targets(targets)
    values = model_values(matched, result, se)
    models = values["model"].to_numpy(dtype=np.float64)
    errors = values["se"].to_numpy(dtype=np.float64)
    years = set(int(y) for y in result.cells["year"].unique())
    rows = []
    for k, comparison in enumerate(matched.comparisons):
        if comparison.model_year not in years:
            continue
        model = float(models[k])
        sd = float(errors[k])
        tol = float(tolerances.iloc[k]) if tolerances is not None else comparison.tolerance(sd)
        err = comparison.error(model) if math.isfinite(model) else math.nan
        f = comparison.factor
        rows.append(
            {
                "key": comparison.key,
                "year": comparison.year,
                "observed": comparison.observed / f,
                "model": model / f,
                "error": err / f,
                "tolerance": tol / f,
                "pass": bool(math.isfinite(err) and abs(err) <= tol),
                "unit": comparison.unit,
                "model_year": comparison.model_year,
                "observed_low": comparison.low / f,
                "observed_high": comparison.high / f,
                "se": sd / f,
                "z": err / tol if tol > 0 else math.nan,
                "weight": comparison.weight,
                "kind": comparison.spec.kind,
                "quantity": comparison.spec.quantity.describe(),
                "confidence": comparison.confidence,
                "caveat": comparison.spec.caveat,
                # Which rows of the targets file make the comparison (two for a range or a
                # share of two counts), so that a reader can find them.
                "lines": " ".join(str(line) for line in comparison.lines),
            }
        )
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


def objective(table: pd.DataFrame) -> float:
    """Weighted mean squared error in units of tolerance (see the module docstring).

    Raises:
        ValueError: If the table is empty or all weights are zero.
    """
    weights = table["weight"].to_numpy(dtype=np.float64)
    if len(table) == 0 or weights.sum() <= 0:
        raise ValueError("no weighted targets to fit")
    z = table["z"].to_numpy(dtype=np.float64)
    squared = np.where(np.isfinite(z), z**2, MISSING_PENALTY)
    return float((weights * squared).sum() / weights.sum())


def fit_summary(table: pd.DataFrame) -> str:
    """One line: how many targets pass, and the objective."""
    passed = int(table["pass"].sum())
    return (
        f"{passed} of {len(table)} targets within tolerance "
        f"({len(table) - passed} fail); objective J = {objective(table):.3g}"
    )


def model_series(result: CellRun, targets: pd.DataFrame | MatchedTargets) -> pd.DataFrame:
    """The model quantity of every compared series in every year of a run, in target units.

    Returns:
        Columns ``key, year, model`` (for plots of the model's trajectory against targets).
    """
    matched = targets if isinstance(targets, MatchedTargets) else match_targets(targets)
    frames = []
    seen: set[str] = set()
    for comparison in matched.comparisons:
        if comparison.key in seen:
            continue
        seen.add(comparison.key)
        values = comparison.spec.quantity.evaluate(result)["value"] / comparison.factor
        frames.append(
            pd.DataFrame(
                {"key": comparison.key, "year": values.index.astype(int), "model": values.values}
            )
        )
    if not frames:
        return pd.DataFrame(columns=["key", "year", "model"])
    return pd.concat(frames, ignore_index=True)

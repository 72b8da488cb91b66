"""``migrant_health.sensitivity``: the Python entry point of a global sensitivity analysis.

The work is in :mod:`migrant_health.experiments.sensitivity`; it is imported when called, as
:func:`migrant_health.compare` does, so that ``import migrant_health`` stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - types only
    import pandas as pd


def sensitivity(
    method: str,
    params: Sequence[str],
    outputs: Sequence[str],
    samples: int,
    *,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    start: int = 2008,
    end: int = 2035,
    scale: float = 1000.0,
    seed: int = 1,
    workers: int = 1,
    from_year: int | None = None,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Morris or Sobol sensitivity of model outputs to parameters and levers, through SALib.

    Each sample is one simulation, every one with the same seed (common random numbers), so a
    parameter that cannot move an output gets an index of exactly zero. Everything is checked
    before the first run. See docs/sensitivity.md.

    Example::

        indices = sensitivity(
            "morris",
            ["health.mental.base", "policy.management.mental_health_services"],
            ["depression_share:status=out_migrant:2015"],
            samples=4,
            bounds={"health.mental.base": (0.5, 0.75)},
            end=2015,
            scale=50_000,
        )
        indices.query("index == 'mu_star'")

    Args:
        method: ``morris`` (screening: ``mu_star``, ``sigma``, ``mu``) or ``sobol`` (``S1``,
            ``ST``).
        params: Parameter paths (``path[k]`` for one coordinate of a vector), sampled over
            their documented range.
        outputs: ``metric:group:year`` (``depression_share:status=out_migrant:2030``) or
            ``metric:year``.
        samples: Morris trajectories (at least 2; ``N (D + 1)`` runs) or Sobol base points (a
            power of two, at least 8; ``N (D + 2)`` runs).
        bounds: ``{name: (low, high)}`` narrowing a parameter's documented range.
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: Seed of every run and of the design.
        workers: Processes running runs in parallel (0: every core); the result does not
            depend on it.
        from_year: Sampled values hold from this year, the defaults before (``None``: every
            year).
        out: A directory to write (``sensitivity.json``, ``indices.parquet``,
            ``samples.parquet``, ``indices.png``); ``None`` keeps nothing.
        progress: Called with ``(runs_done, runs_total)``.

    Returns:
        Columns ``output, parameter, index, value, conf`` (``conf``: half-width of the 95 %
        bootstrap interval, NaN for indices without one).

    Raises:
        SensitivityError: for a bad method, parameter, bound, output or sample size.
        RunConfigError: for impossible run settings or an existing ``out``.
    """
    from migrant_health.experiments.sensitivity import plan_sensitivity, run_sensitivity

    plan = plan_sensitivity(
        method,
        params,
        outputs,
        samples,
        bounds=dict(bounds or {}),
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=workers,
        from_year=from_year,
    )
    return run_sensitivity(plan, out, runs=None, progress=progress).indices

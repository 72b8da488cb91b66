"""``migrant_health.compare``: the Python entry point of a scenario comparison.

The work is in :mod:`migrant_health.experiments.compare`; it is imported when called, because
the experiments package loads the survey estimators (statsmodels, pyfixest), which would double
the time ``import migrant_health`` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - types only
    import pandas as pd

    from migrant_health.params import Scenario


def compare(
    scenarios: Sequence[str | Path | Scenario],
    replicates: int = 5,
    *,
    start: int = 2008,
    end: int = 2035,
    scale: float = 1000.0,
    seed: int = 1,
    workers: int = 1,
    out: str | Path | None = None,
    later_wins: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Compare scenarios with the baseline; return the deltas (the table of ``deltas.parquet``).

    Every scenario runs in ``replicates`` replicates with common random numbers; replicate ``r``
    has seed ``seed + r`` and a parameter set drawn from the calibration study (replicate 0:
    the shipped defaults). Everything is checked before the first run. See docs/policy.md.

    Example::

        deltas = compare(["fair_employment"], replicates=5, end=2030, scale=50_000)
        deltas.query("metric == 'share_over_44h' and group == 'all' and year == 2030")

    Args:
        scenarios: Shipped names, YAML paths, ``a+b`` stacks or :class:`Scenario` objects (the
            baseline is always included as the reference).
        replicates: Replicates (at least 2).
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: Replicate ``r`` runs with seed ``seed + r``.
        workers: Processes running runs in parallel (0: every core); the result does not
            depend on it.
        out: A directory to write (``comparison.json``, ``aggregates.parquet``,
            ``deltas.parquet``); ``None`` keeps nothing.
        later_wins: In ``a+b`` stacks, let a later part override an earlier one where both set
            a path in the same year.
        progress: Called with ``(runs_done, runs_total)``.

    Returns:
        Columns ``scenario, metric, group, year, baseline, value, delta, delta_lo, delta_hi,
        delta_se, replicates``: means over replicates, the 5th-95th percentile interval of the
        per-replicate deltas and the standard error of their mean.

    Raises:
        RunConfigError, ScenarioError: for bad settings or scenarios, before any run.
    """
    from migrant_health.experiments.compare import check_output, plan_comparison, run_comparison
    from migrant_health.model import warn_idle_levers, warn_levers_from_the_start

    plan = plan_comparison(
        scenarios,
        replicates,
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=workers,
        later_wins=later_wins,
    )
    if out is not None:
        check_output(out)  # refused before the warnings, as every other setting is
    for scenario in plan.scenarios[1:]:
        warn_levers_from_the_start(scenario)
        warn_idle_levers(scenario, plan.end, scenario.name)
    return run_comparison(plan, out, runs=None, progress=progress).deltas

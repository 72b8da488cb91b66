"""The shipped default parameters reproduce the national statistics they were calibrated to.

Issue 3's required fit: every compared target (migrant-worker totals, out-migrant and local
counts, female, age and education shares, incomes by each year's definition, hours, insurance,
the literature's base rates) within its tolerance. CI runs a reduced population, so each
tolerance is widened by the sampling error *measured* at that size and nothing else: the model
value is the mean of ``R`` runs that differ only in the seed, its standard error is the spread
across them over ``sqrt(R)``, and a target passes when

    |mean model - target| <= tolerance at full scale + 2 x standard error of the mean.

The runs use seeds the calibration never saw (it ran at seed 1), so a fit that only matched one
draw of noise would fail here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig
from migrant_health.experiments import fit_table, load_targets, match_targets, simulate_cells
from migrant_health.experiments.matching import MatchedTargets

#: Persons per agent in CI (the full model runs at 1,000): about 50,000 agents per run.
CI_SCALE = 20_000
#: Seeds of the replicate runs (the calibration used seed 1).
SEEDS = (2, 3, 4, 5)


@pytest.fixture(scope="module")
def matched() -> MatchedTargets:
    return match_targets(load_targets(None))


@pytest.fixture(scope="module")
def shipped_fit(matched: MatchedTargets) -> pd.DataFrame:
    """Fit table of the replicate mean, with tolerances widened by its measured error."""
    end = matched.years[1]
    tables = [
        fit_table(simulate_cells(RunConfig(end=end, scale=CI_SCALE, seed=seed)), matched)
        for seed in SEEDS
    ]
    models = np.column_stack([t["model"].to_numpy() for t in tables])
    table = tables[0].copy()
    table["model"] = models.mean(axis=1)
    table["se"] = models.std(axis=1, ddof=1) / np.sqrt(len(SEEDS))
    comparisons = matched.comparisons
    # Model minus target in the target's units (zero inside a range: depression prevalence).
    table["error"] = [
        c.error(m * c.factor) / c.factor for c, m in zip(comparisons, table["model"], strict=True)
    ]
    # The full-scale tolerance is the floor or the source's CI (the analytic SEs of a reduced
    # run do not enter it); the measured error of the replicate mean is added on top.
    full_scale = np.asarray([c.tolerance(float("nan")) / c.factor for c in comparisons])
    table["tolerance"] = full_scale + 2 * table["se"]
    table["pass"] = table["error"].abs() <= table["tolerance"]
    return table


def _failures(table: pd.DataFrame) -> str:
    failed = table[~table["pass"]]
    columns = ["key", "year", "observed", "model", "error", "tolerance"]
    return failed[columns].to_string(index=False)


def test_every_target_is_compared(shipped_fit: pd.DataFrame, matched: MatchedTargets) -> None:
    """No target drops out of the comparison (an undefined model value would hide a miss)."""
    assert len(shipped_fit) == len(matched.comparisons)
    assert shipped_fit["model"].notna().all()


def test_shipped_defaults_pass_every_target(shipped_fit: pd.DataFrame) -> None:
    """Issue 3, item 4: all targets within tolerance, at CI scale on unseen seeds."""
    assert shipped_fit["pass"].all(), "targets outside tolerance:\n" + _failures(shipped_fit)


def test_headline_totals_within_one_percent(shipped_fit: pd.DataFrame) -> None:
    """The seed's 225.42 M (2008) and 295.62 M (2022) migrant workers, within 1 % (+ 2 SE)."""
    totals = shipped_fit[shipped_fit["key"] == "nbs.migrant_workers_total"].set_index("year")
    for year in (2008, 2022):
        row = totals.loc[year]
        assert abs(row["error"]) <= 0.01 * row["observed"] + 2 * row["se"]
